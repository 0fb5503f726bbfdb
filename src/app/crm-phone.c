/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-phone.c — call and copy buttons of a phone number. GtkUriLauncher is GTK 4.10:
 * calling goes through GIO's default handler of the tel: scheme, with the window's
 * display as the launch context so the handler opens on the same screen. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-phone.h"
#include "crm-widget-util.h"

char *
crm_phone_dup_uri (const char *phone)
{
  g_autoptr(GString) uri = g_string_new ("tel:");

  if (phone == NULL)
    return NULL;
  for (const char *p = phone; *p != '\0'; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && uri->len == 4))
      g_string_append_c (uri, *p);
  if (uri->len <= 4 || (uri->len == 5 && uri->str[4] == '+'))
    return NULL;
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *message = NULL;

      g_debug ("Could not open a tel: link: %s", error->message);
      message = g_strdup (_("No application on this computer makes calls; copy the number "
                            "and dial it on your phone"));
      crm_widget_show_toast (widget, message);
    }
}

void
crm_phone_call (GtkWidget  *widget,
                const char *phone)
{
  g_autofree char *uri = crm_phone_dup_uri (phone);
  g_autoptr(GdkAppLaunchContext) context = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (uri == NULL)
    return;
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           launched_cb, g_object_ref (widget));
}

void
crm_phone_copy (GtkWidget  *widget,
                const char *phone)
{
  g_autofree char *shown = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (phone == NULL)
    return;
  shown = crm_format_phone (phone);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), shown);
  crm_widget_show_toast (widget, _("Number copied"));
}

static void
call_clicked_cb (GtkButton *button)
{
  crm_phone_call (GTK_WIDGET (button), g_object_get_data (G_OBJECT (button), "phone"));
}

static void
copy_clicked_cb (GtkButton *button)
{
  crm_phone_copy (GTK_WIDGET (button), g_object_get_data (G_OBJECT (button), "phone"));
}

static GtkWidget *
button_new (const char *icon_name,
            const char *tooltip,
            const char *css_class,
            const char *phone,
            GCallback   callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, css_class);
  g_object_set_data_full (G_OBJECT (button), "phone", g_strdup (phone), g_free);
  g_signal_connect (button, "clicked", callback, NULL);
  return button;
}

GtkWidget *
crm_phone_buttons_new (const char *phone)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  g_autofree char *shown = crm_format_phone (phone);
  g_autofree char *call = g_strdup_printf (_("Call %s"), shown);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), button_new ("call-start-symbolic", call, "phone-call", phone,
                                             G_CALLBACK (call_clicked_cb)));
  gtk_box_append (GTK_BOX (box), button_new ("edit-copy-symbolic", _("Copy the Number"),
                                             "phone-copy", phone, G_CALLBACK (copy_clicked_cb)));
  return box;
}
