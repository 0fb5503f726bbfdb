/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-notification-button.c — the header's bell. The list comes from core
 * (crm_notification_list: the `notification` entities rules write); reading one marks it
 * read through the one write path, so "read" syncs to the user's other laptops like any
 * edit. Desktop notifications (GNotification) go out for notifications that arrive while
 * the app runs and for the user's tasks that fall due while it runs — never for what was
 * already there when the replica was opened, so starting the app does not flood the
 * desktop. A notification the server's live channel announces goes to the desktop at once,
 * before the sync that brings it ends; the sync's copy is then known and not sent again. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "crm-format.h"
#include "crm-notification.h"
#include "crm-notification-button.h"
#include "crm-query.h"
#include "crm-time.h"
#include "crm-widget-util.h"

#define CHECK_SECONDS 30
#define MAX_LISTED 50

struct _CrmNotificationButton
{
  GtkWidget      parent_instance;

  CrmContext    *context;
  guint          timeout_id;
  guint          n_unread;
  gint64         last_check_ms;
  /* notification ids already known (shown or there before): no second desktop
   * notification for them; NULL until the first look */
  GHashTable    *known;
  char          *known_user;

  GtkMenuButton *button;
  GtkLabel      *badge;
  GtkListBox    *list;
  GtkWidget     *read_all_button;
};

G_DEFINE_FINAL_TYPE (CrmNotificationButton, crm_notification_button, GTK_TYPE_WIDGET)

static const char *
current_user (CrmNotificationButton *self)
{
  return self->context != NULL ? crm_context_get_user_id (self->context) : NULL;
}

/* The current user's notifications; NULL without a user, or with @error set when they
 * could not be read. */
static JsonArray *
list_notifications (CrmNotificationButton  *self,
                    gboolean                unread_only,
                    GError                **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (current_user (self) == NULL)
    return NULL;
  node = crm_notification_list (crm_context_get_store (self->context), current_user (self),
                                unread_only, error);
  if (node == NULL)
    return NULL;
  return json_array_ref (json_node_get_array (node));
}

/* For what the bell reads by itself (a timer, a live event), where no one asked: the
 * popover's list says it when the user opens it. */
static JsonArray *
list_notifications_quietly (CrmNotificationButton *self,
                            gboolean               unread_only)
{
  g_autoptr(GError) error = NULL;
  JsonArray *list = list_notifications (self, unread_only, &error);

  if (error != NULL)
    g_message ("Could not read the notifications: %s", error->message);
  return list;
}

/* Marks @ids (NULL: every unread one) read, as one change set of the current user. */
static void
mark_read (CrmNotificationButton *self,
           const char            *only_id)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) unread = list_notifications (self, TRUE, &error);

  if (error != NULL)
    {
      crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the notifications"),
                                  error);
      return;
    }
  for (guint i = 0; unread != NULL && i < json_array_get_length (unread); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (unread, i), "id");

      if (only_id == NULL || g_strcmp0 (id, only_id) == 0)
        crm_change_set_bool (crm_changeset_touch (changeset, "notification", id), "read", TRUE);
    }
  if (crm_changeset_get_n_changes (changeset) == 0)
    return;
  if (!crm_context_apply (self->context, changeset, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not mark the notifications read: %s"),
                                               error->message);

      g_message ("%s", text);
      crm_widget_show_toast (GTK_WIDGET (self), text);
    }
}

static GtkWidget *
new_row (JsonObject *item)
{
  const char *text = json_object_get_string_member_with_default (item, "text", "");
  const char *deal = json_object_get_string_member_with_default (item, "deal", NULL);
  const char *deal_title = json_object_get_string_member_with_default (item, "deal_title", NULL);
  const char *created = json_object_get_string_member_with_default (item, "created_at", NULL);
  gboolean read = json_object_get_boolean_member_with_default (item, "read", FALSE);
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row;
  gint64 ms;

  if (created != NULL && crm_time_parse (created, &ms))
    when = crm_format_date_time (ms);
  if (deal_title != NULL && when != NULL)
    /* Translators: a notification's deal and when it came */
    subtitle = g_strdup_printf (_("%s · %s"), deal_title, when);
  else
    subtitle = g_strdup (deal_title != NULL ? deal_title : when);

  row = crm_text_row_new (text, subtitle);
  g_object_set_data_full (G_OBJECT (row), "notification-id",
                          g_strdup (json_object_get_string_member (item, "id")), g_free);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (deal != NULL)
    {
      g_object_set_data_full (G_OBJECT (row), "deal-id", g_strdup (deal), g_free);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
    }
  if (!read)
    {
      GtkWidget *dot = gtk_image_new_from_icon_name ("media-record-symbolic");

      gtk_widget_add_css_class (dot, "accent");
      gtk_accessible_update_property (GTK_ACCESSIBLE (dot), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Unread"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), dot);
      gtk_widget_add_css_class (row, "notification-unread");
    }
  return row;
}

/* The popover's list, the badge and the tooltip from @all (the user's notifications), or
 * @error where the list would be when they could not be read. */
static void
show_list (CrmNotificationButton *self,
           JsonArray             *all,
           const GError          *error)
{
  g_autofree char *count = NULL;
  guint n, unread = 0;

  n = all != NULL ? json_array_get_length (all) : 0;
  crm_list_box_remove_all (self->list);
  if (error != NULL)
    gtk_list_box_append (self->list,
                         crm_read_error_row_new (_("Could not read the notifications"), error));
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (all, i);

      if (!json_object_get_boolean_member_with_default (item, "read", FALSE))
        unread++;
      if (i < MAX_LISTED)
        gtk_list_box_append (self->list, new_row (item));
    }
  if (n == 0 && error == NULL)
    gtk_list_box_append (self->list,
                         crm_placeholder_row_new (_("No notifications. Automation rules tell you "
                                                    "here when a client comes back or a request "
                                                    "waits.")));

  self->n_unread = unread;
  count = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), unread > 0);
  gtk_widget_set_sensitive (self->read_all_button, unread > 0);
  if (unread > 0)
    {
      g_autofree char *tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "Notifications: %u unread",
                                                               "Notifications: %u unread", unread),
                                                  unread);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tooltip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), _("Notifications"));
}

void
crm_notification_button_refresh (CrmNotificationButton *self)
{
  g_autoptr(JsonArray) all = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CRM_IS_NOTIFICATION_BUTTON (self));

  all = list_notifications (self, FALSE, &error);
  show_list (self, all, error);
}

guint
crm_notification_button_get_n_unread (CrmNotificationButton *self)
{
  g_return_val_if_fail (CRM_IS_NOTIFICATION_BUTTON (self), 0);

  return self->n_unread;
}

GtkWidget *
crm_notification_button_get_popover (CrmNotificationButton *self)
{
  g_return_val_if_fail (CRM_IS_NOTIFICATION_BUTTON (self), NULL);

  return GTK_WIDGET (gtk_menu_button_get_popover (self->button));
}

/* Whether something on the session bus shows desktop notifications. GIO warns when it
 * sends one and nobody listens (a session without a notification daemon: a kiosk, a test
 * bus), so the bell watches for one and sends only then; inside Flatpak the portal
 * always answers. */
static gboolean daemon_fdo;
static gboolean daemon_gtk;

static void
daemon_appeared_cb (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
daemon_vanished_cb (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  *(gboolean *) user_data = FALSE;
}

static void
watch_daemons (void)
{
  static gsize once = 0;

  if (!g_once_init_enter (&once))
    return;
  g_bus_watch_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
                    G_BUS_NAME_WATCHER_FLAGS_NONE, daemon_appeared_cb, daemon_vanished_cb,
                    &daemon_fdo, NULL);
  g_bus_watch_name (G_BUS_TYPE_SESSION, "org.gtk.Notifications",
                    G_BUS_NAME_WATCHER_FLAGS_NONE, daemon_appeared_cb, daemon_vanished_cb,
                    &daemon_gtk, NULL);
  g_once_init_leave (&once, 1);
}

static void
send_desktop (const char *id,
              const char *title,
              const char *body,
              const char *deal_id)
{
  crm_notification_send_desktop (id, title, body, deal_id != NULL ? "app.open-deal" : NULL,
                                 deal_id);
}

void
crm_notification_send_desktop (const char *id,
                               const char *title,
                               const char *body,
                               const char *action,
                               const char *target)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) notification = NULL;

  if (app == NULL || !g_application_get_is_registered (app))
    return;
  if (!daemon_fdo && !daemon_gtk && !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_debug ("No notification service on the session bus: «%s» shown in the app only", title);
      return;
    }
  notification = g_notification_new (title);
  if (body != NULL)
    g_notification_set_body (notification, body);
  watch_daemons ();
  if (action != NULL && target != NULL)
    g_notification_set_default_action_and_target (notification, action, "s", target);
  g_application_send_notification (app, id, notification);
}

/* Starts knowing what is there for the current user (nothing of it is announced);
 * TRUE when this is the first look for them. */
static gboolean
start_knowing (CrmNotificationButton *self,
               gint64                 now_ms)
{
  const char *user = current_user (self);

  /* another user chosen: what was there for them counts as known */
  if (self->known != NULL && g_strcmp0 (self->known_user, user) == 0)
    return FALSE;
  g_clear_pointer (&self->known, g_hash_table_unref);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_free (self->known_user);
  self->known_user = g_strdup (user);
  self->last_check_ms = now_ms;
  return TRUE;
}

/* A desktop notification for each unread one of @notifications not known yet. */
static guint
announce_new (CrmNotificationButton *self,
              JsonArray             *notifications,
              gboolean               first)
{
  guint sent = 0;

  for (guint i = 0; notifications != NULL && i < json_array_get_length (notifications); i++)
    {
      JsonObject *item = json_array_get_object_element (notifications, i);
      const char *id = json_object_get_string_member (item, "id");

      if (json_object_get_boolean_member_with_default (item, "read", FALSE) ||
          !g_hash_table_add (self->known, g_strdup (id)) || first)
        continue;
      send_desktop (id,
                    json_object_get_string_member_with_default (item, "deal_title", NULL) != NULL
                    ? json_object_get_string_member (item, "deal_title") : _("Voronka"),
                    json_object_get_string_member_with_default (item, "text", NULL),
                    json_object_get_string_member_with_default (item, "deal", NULL));
      sent++;
    }
  return sent;
}

/* A desktop notification for each task of the user that fell due since the last look. */
static guint
announce_due_tasks (CrmNotificationButton *self,
                    gint64                 now_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  guint sent = 0;

  if (now_ms <= self->last_check_ms)
    return 0;
  tasks = crm_query_tasks_falling_due (crm_context_get_store (self->context), current_user (self),
                                       self->last_check_ms, now_ms, &error);
  if (tasks == NULL)
    {
      /* a timer's look, no one asked: on the log; the tasks view says it when opened */
      g_message ("Could not read the tasks falling due: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonObject *task = json_array_get_object_element (tasks, i);
      g_autofree char *id = g_strconcat ("task-", json_object_get_string_member (task, "id"), NULL);

      send_desktop (id,
                    /* Translators: a desktop notification's title when a task falls due */
                    _("A task is due"),
                    json_object_get_string_member_with_default (task, "text", NULL),
                    json_object_get_string_member_with_default (task, "deal", NULL));
      sent++;
    }
  self->last_check_ms = now_ms;
  return sent;
}

guint
crm_notification_button_check_due (CrmNotificationButton *self,
                                   gint64                 now_ms)
{
  g_autoptr(JsonArray) unread = NULL;
  gboolean first;
  guint sent;

  g_return_val_if_fail (CRM_IS_NOTIFICATION_BUTTON (self), 0);

  if (current_user (self) == NULL)
    return 0;
  first = start_knowing (self, now_ms);
  unread = list_notifications_quietly (self, TRUE);
  sent = announce_new (self, unread, first);
  if (!first)
    sent += announce_due_tasks (self, now_ms);
  return sent;
}

gboolean
crm_notification_button_announce_live (CrmNotificationButton *self,
                                       JsonObject            *event)
{
  const char *id = json_object_get_string_member_with_default (event, "id", NULL);
  const char *text = json_object_get_string_member_with_default (event, "text", NULL);
  const char *deal = json_object_get_string_member_with_default (event, "deal", NULL);
  g_autoptr(JsonObject) deal_row = NULL;
  const char *title = NULL;

  g_return_val_if_fail (CRM_IS_NOTIFICATION_BUTTON (self), FALSE);

  if (current_user (self) == NULL || id == NULL || text == NULL)
    return FALSE;
  if (start_knowing (self, crm_context_now (self->context)))
    {
      /* a first look (another user chosen): what is there already is known, not news */
      g_autoptr(JsonArray) all = list_notifications_quietly (self, FALSE);

      announce_new (self, all, TRUE);
    }
  if (!g_hash_table_add (self->known, g_strdup (id)))
    return FALSE;   /* the sync (or an earlier event) brought it already */
  /* the deal may not be here yet (a new caller's, on its way with the same sync) */
  if (deal != NULL)
    deal_row = crm_store_dup_entity (crm_context_get_store (self->context), "deal", deal);
  if (deal_row != NULL)
    title = json_object_get_string_member_with_default (deal_row, "title", NULL);
  send_desktop (id, title != NULL ? title : _("Voronka"), text, deal_row != NULL ? deal : NULL);
  return TRUE;
}

/* The replica changed: the notifications are read once, for the list and for the
 * desktop; tasks falling due are a matter of time, looked at by the timer (one indexed
 * read every CHECK_SECONDS). */
static void
changed_cb (CrmNotificationButton *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) all = list_notifications (self, FALSE, &error);

  show_list (self, all, error);
  if (current_user (self) != NULL)
    announce_new (self, all, start_knowing (self, crm_context_now (self->context)));
}

static gboolean
check_timeout_cb (gpointer user_data)
{
  CrmNotificationButton *self = user_data;

  crm_notification_button_check_due (self, crm_context_now (self->context));
  return G_SOURCE_CONTINUE;
}

void
crm_notification_button_set_context (CrmNotificationButton *self,
                                     CrmContext            *context)
{
  g_return_if_fail (CRM_IS_NOTIFICATION_BUTTON (self));

  if (!crm_widget_swap_context (GTK_WIDGET (self), &self->context, context))
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->known, g_hash_table_unref);
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "changed", G_CALLBACK (changed_cb), self);
  self->timeout_id = g_timeout_add_seconds (CHECK_SECONDS, check_timeout_cb, self);
  changed_cb (self);
}

static void
row_activated_cb (CrmNotificationButton *self,
                  GtkListBoxRow         *row)
{
  g_autofree char *id = g_strdup (g_object_get_data (G_OBJECT (row), "notification-id"));
  g_autofree char *deal = g_strdup (g_object_get_data (G_OBJECT (row), "deal-id"));

  if (id == NULL)
    return;
  gtk_menu_button_popdown (self->button);
  /* the list is rebuilt by the write: keep what the row said first */
  mark_read (self, id);
  if (deal != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-deal", "s", deal);
}

static void
read_all_clicked_cb (CrmNotificationButton *self)
{
  mark_read (self, NULL);
}

static void
crm_notification_button_dispose (GObject *object)
{
  CrmNotificationButton *self = CRM_NOTIFICATION_BUTTON (object);

  crm_notification_button_set_context (self, NULL);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->known_user, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_NOTIFICATION_BUTTON);

  G_OBJECT_CLASS (crm_notification_button_parent_class)->dispose (object);
}

static void
crm_notification_button_class_init (CrmNotificationButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_notification_button_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-notification-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNotificationButton, button);
  gtk_widget_class_bind_template_child (widget_class, CrmNotificationButton, badge);
  gtk_widget_class_bind_template_child (widget_class, CrmNotificationButton, list);
  gtk_widget_class_bind_template_child (widget_class, CrmNotificationButton, read_all_button);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, read_all_clicked_cb);
}

static void
crm_notification_button_init (CrmNotificationButton *self)
{
  watch_daemons ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
