/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-notify.h — a desktop notification daemon for the UI tests: the test owns
 * org.freedesktop.Notifications on the session bus (as a desktop's daemon does, so run
 * under dbus-run-session) and remembers "summary\nbody" of every Notify call.
 * Header-only: a UI test program includes it once, calls crm_test_notify_start() before
 * the app starts and crm_test_notify_stop() at the end. */
#pragma once

#include <string.h>
#include <gio/gio.h>

#include "crm-test-util.h"

static const char crm_test_notify_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  " <method name='Notify'>"
  "  <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "  <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "  <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "  <arg type='u' direction='out'/>"
  " </method>"
  " <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  " <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  " <method name='GetServerInformation'>"
  "  <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "  <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  " </method>"
  " <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  " <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "</interface></node>";

static GPtrArray *crm_test_notify_shown_list;   /* "summary\nbody" of every Notify call */
static gboolean crm_test_notify_owned;
static gboolean crm_test_notify_lost;
static guint crm_test_notify_owner;

static void
crm_test_notify_method_call (GDBusConnection       *connection,
                             const char            *sender,
                             const char            *object_path,
                             const char            *interface_name,
                             const char            *method_name,
                             GVariant              *parameters,
                             GDBusMethodInvocation *invocation,
                             gpointer               user_data)
{
  GPtrArray *shown = crm_test_notify_shown_list;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary, *body;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 4, "&s", &body);
      g_ptr_array_add (shown, g_strdup_printf ("%s\n%s", summary, body));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", shown->len));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "test", "voronka", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
crm_test_notify_bus_acquired (GDBusConnection *connection,
                              const char      *name,
                              gpointer         user_data)
{
  static const GDBusInterfaceVTable vtable = { crm_test_notify_method_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (crm_test_notify_xml, NULL);
  g_autoptr(GError) error = NULL;

  g_dbus_connection_register_object (connection, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
crm_test_notify_name_acquired (GDBusConnection *connection,
                               const char      *name,
                               gpointer         user_data)
{
  crm_test_notify_owned = TRUE;
}

static void
crm_test_notify_name_lost (GDBusConnection *connection,
                           const char      *name,
                           gpointer         user_data)
{
  crm_test_notify_lost = TRUE;
}

/* Asks for the name and runs the main loop until the bus said yes or no (10 s at most). */
static inline void
crm_test_notify_start (void)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  crm_test_notify_shown_list = g_ptr_array_new_with_free_func (g_free);
  crm_test_notify_owner = g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
                                          G_BUS_NAME_OWNER_FLAGS_NONE,
                                          crm_test_notify_bus_acquired,
                                          crm_test_notify_name_acquired,
                                          crm_test_notify_name_lost, NULL, NULL);
  while (!crm_test_notify_owned && !crm_test_notify_lost && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_true (crm_test_notify_owned || crm_test_notify_lost);
}

static inline void
crm_test_notify_stop (void)
{
  g_bus_unown_name (crm_test_notify_owner);
  g_clear_pointer (&crm_test_notify_shown_list, g_ptr_array_unref);
}

/* TRUE when this test owns the name; otherwise the test fails saying what is missing. */
static inline gboolean
crm_test_notify_require (void)
{
  if (crm_test_notify_owned)
    return TRUE;
  crm_test_fail_missing ("no session bus, or another notification daemon owns "
                         "org.freedesktop.Notifications (run under dbus-run-session)");
  return FALSE;
}

/* "summary\nbody" of every notification shown so far, oldest first. */
static inline GPtrArray *
crm_test_notify_shown (void)
{
  return crm_test_notify_shown_list;
}

/* How many desktop notifications said @text (in their summary or body). */
static inline guint
crm_test_notify_count (const char *text)
{
  GPtrArray *shown = crm_test_notify_shown_list;
  guint n = 0;

  for (guint i = 0; i < shown->len; i++)
    if (strstr (shown->pdata[i], text) != NULL)
      n++;
  return n;
}

/* Conditions for crm_test_ui_wait_until(): a notification said @data (a string); at least
 * GPOINTER_TO_UINT (@data) notifications were shown. */
static inline gboolean
crm_test_notify_shows (gpointer data)
{
  return crm_test_notify_count (data) > 0;
}

static inline gboolean
crm_test_notify_n_shown_is (gpointer data)
{
  return crm_test_notify_shown_list->len >= GPOINTER_TO_UINT (data);
}
