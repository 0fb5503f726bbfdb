/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-messages-group.c — the messages of a deal or to a contact (crm-messages-group.h),
 * read with crm_message_list() / crm_message_list_to(); the delivery state comes back
 * from the server with the sync and the group reloads with the page. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-message.h"
#include "crm-message-dialog.h"
#include "crm-messages-group.h"
#include "crm-time.h"
#include "crm-widget-util.h"
#include "crm-json.h"

#define MAX_MESSAGES 50

struct _CrmMessagesGroup
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *entity;
  char                *entity_id;
  guint                n_messages;
  GtkListBox          *list;
};

G_DEFINE_FINAL_TYPE (CrmMessagesGroup, crm_messages_group, ADW_TYPE_PREFERENCES_GROUP)

static const char *
channel_icon (const char *channel)
{
  if (g_strcmp0 (channel, "sms") == 0)
    return "phone-symbolic";
  if (g_strcmp0 (channel, "telegram") == 0)
    return "chat-message-new-symbolic";
  return "mail-unread-symbolic";
}

/* One message: what (its subject, else the start of its text), the state in words, and
 * the channel, to whom and when. */
static GtkWidget *
make_row (JsonObject *message)
{
  const char *status = crm_json_string (message, "status");
  const char *subject = crm_json_string (message, "subject");
  const char *text = crm_json_string (message, "text");
  const char *name = crm_json_string (message, "recipient_name");
  const char *to = crm_json_string (message, "to");
  const char *channel = crm_json_string (message, "channel");
  g_autofree char *state = crm_message_describe_status (status, crm_json_string (message, "error"));
  g_autofree char *title = NULL;
  g_autofree char *who = NULL;
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tooltip = NULL;
  GtkWidget *row;
  GtkWidget *state_label;
  gint64 at = 0;

  if (subject != NULL && *subject != '\0')
    title = g_strdup (subject);
  else
    {
      const char *end = text != NULL ? strchr (text, '\n') : NULL;

      title = end != NULL ? g_strndup (text, end - text) : g_strdup (text != NULL ? text : "");
    }
  if (name != NULL && to != NULL)
    who = g_strdup_printf ("%s <%s>", name, to);
  else
    who = g_strdup (name != NULL ? name : to != NULL ? to : "?");
  if (crm_time_parse (crm_json_string_or (message, "sent_at",
                                          crm_json_string_or (message, "created_at", "")), &at))
    when = g_strstrip (crm_format_date_time (at));
  /* Translators: under a message: its channel, to whom, when («E-mail to Иван <i@x.ru> · 5 дек, 14:03») */
  subtitle = g_strdup_printf (_("%s to %s · %s"), crm_message_channel_label (channel), who,
                              when != NULL ? when : "");
  row = crm_text_row_new (title, subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_set_focusable (row, TRUE);
  g_object_set_data_full (G_OBJECT (row), "message-id", g_strdup (crm_json_string (message, "id")),
                          g_free);
  g_object_set_data_full (G_OBJECT (row), "state", g_strdup (state), g_free);
  tooltip = g_strdup_printf ("%s\n\n%s", g_strcmp0 (status, "queued") == 0
                             ? _("This computer sends it to the server with the next sync; the "
                                 "server delivers it") : state,
                             text != NULL ? text : "");
  gtk_widget_set_tooltip_text (row, tooltip);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (channel_icon (channel)));

  state_label = gtk_label_new (state);
  gtk_label_set_wrap (GTK_LABEL (state_label), TRUE);
  /* one line for a short state, lines of about 24 characters for a reason */
  gtk_label_set_width_chars (GTK_LABEL (state_label), MIN ((int) g_utf8_strlen (state, -1), 24));
  gtk_label_set_max_width_chars (GTK_LABEL (state_label), 28);
  gtk_label_set_xalign (GTK_LABEL (state_label), 1);
  gtk_label_set_justify (GTK_LABEL (state_label), GTK_JUSTIFY_RIGHT);
  gtk_widget_set_valign (state_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (state_label, "caption");
  if (g_strcmp0 (status, "failed") == 0)
    gtk_widget_add_css_class (state_label, "error");
  else if (g_strcmp0 (status, "sent") == 0 || g_strcmp0 (status, "opened") == 0)
    gtk_widget_add_css_class (state_label, "success");
  else
    gtk_widget_add_css_class (state_label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state_label);
  return row;
}

void
crm_messages_group_reload (CrmMessagesGroup *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *messages;
  gboolean shown;

  g_return_if_fail (CRM_IS_MESSAGES_GROUP (self));

  crm_list_box_remove_all (self->list);
  self->n_messages = 0;
  shown = self->context != NULL && self->entity_id != NULL &&
          (g_strcmp0 (self->entity, "deal") == 0 || g_strcmp0 (self->entity, "contact") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self), shown);
  if (!shown)
    return;
  if (g_str_equal (self->entity, "deal"))
    node = crm_message_list (crm_context_get_store (self->context), self->entity_id, &error);
  else
    node = crm_message_list_to (crm_context_get_store (self->context), self->entity_id, &error);
  if (error != NULL)
    gtk_list_box_append (self->list, crm_read_error_row_new (_("Could not read the messages"),
                                                             error));
  messages = node != NULL ? json_node_get_array (node) : NULL;
  for (guint i = 0; messages != NULL && i < json_array_get_length (messages) && i < MAX_MESSAGES; i++)
    {
      gtk_list_box_append (self->list, make_row (json_array_get_object_element (messages, i)));
      self->n_messages++;
    }
  if (self->n_messages == 0 && error == NULL)
    gtk_list_box_append (self->list,
                         crm_placeholder_row_new (_("No messages yet: «Write…» sends an e-mail, "
                                                    "an SMS or a Telegram message")));
}

void
crm_messages_group_set_target (CrmMessagesGroup *self,
                               CrmContext       *context,
                               const char       *entity,
                               const char       *entity_id)
{
  g_return_if_fail (CRM_IS_MESSAGES_GROUP (self));

  g_set_object (&self->context, context);
  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_free (self->entity_id);
  self->entity_id = g_strdup (entity_id);
  crm_messages_group_reload (self);
}

static void
dialog_destroyed_cb (CrmMessagesGroup *self)
{
  crm_messages_group_reload (self);
}

GtkWindow *
crm_messages_group_write (CrmMessagesGroup *self)
{
  GtkRoot *root;
  CrmMessageDialog *dialog;
  gboolean deal;

  g_return_val_if_fail (CRM_IS_MESSAGES_GROUP (self), NULL);

  if (self->context == NULL || self->entity_id == NULL)
    return NULL;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  deal = g_strcmp0 (self->entity, "deal") == 0;
  dialog = crm_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->context,
                                   deal ? self->entity_id : NULL, deal ? NULL : self->entity_id);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroyed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
write_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  crm_messages_group_write (CRM_MESSAGES_GROUP (widget));
}

guint
crm_messages_group_get_n_messages (CrmMessagesGroup *self)
{
  g_return_val_if_fail (CRM_IS_MESSAGES_GROUP (self), 0);
  return self->n_messages;
}

GtkWidget *
crm_messages_group_find_row (CrmMessagesGroup *self,
                             const char       *message_id)
{
  g_return_val_if_fail (CRM_IS_MESSAGES_GROUP (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "message-id"), message_id) == 0)
      return row;
  return NULL;
}

static void
crm_messages_group_dispose (GObject *object)
{
  CrmMessagesGroup *self = CRM_MESSAGES_GROUP (object);

  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_messages_group_parent_class)->dispose (object);
}

static void
crm_messages_group_finalize (GObject *object)
{
  CrmMessagesGroup *self = CRM_MESSAGES_GROUP (object);

  g_free (self->entity);
  g_free (self->entity_id);
  G_OBJECT_CLASS (crm_messages_group_parent_class)->finalize (object);
}

static void
crm_messages_group_class_init (CrmMessagesGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_messages_group_dispose;
  object_class->finalize = crm_messages_group_finalize;
  gtk_widget_class_install_action (widget_class, "messages.write", NULL, write_action);
}

static void
crm_messages_group_init (CrmMessagesGroup *self)
{
  GtkWidget *write = gtk_button_new_with_mnemonic (_("_Write…"));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Messages"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (write), "messages.write");
  gtk_widget_set_tooltip_text (write, _("An e-mail, SMS or Telegram message to the client"));
  gtk_widget_add_css_class (write, "flat");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), write);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->list));
}
