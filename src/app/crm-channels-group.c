/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-channels-group.c — the server's channels and mailboxes in Settings
 * (crm-channels-group.h). The server publishes them into the replica
 * (src/server/crm-server-publish.c), so the rows show them also offline; while the server
 * can be asked, each row's «Change…» opens crm-transport-dialog.c, which changes it there.
 * The command that does the same on the server stays a row's second button. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-channels-group.h"
#include "crm-format.h"
#include "crm-message.h"
#include "crm-sync-controller.h"
#include "crm-transport-dialog.h"
#include "crm-widget-util.h"
#include "crm-json.h"

struct _CrmChannelsGroup
{
  AdwPreferencesGroup  parent_instance;

  GPtrArray           *rows;
  GHashTable          *channel_rows;   /* kind → row (borrowed from rows) */
  GPtrArray           *mailbox_rows;   /* borrowed from rows */
  CrmContext          *context;
  CrmSyncController   *sync;           /* set while the server can be asked */
  GtkWidget           *add_mailbox_row;
};

G_DEFINE_FINAL_TYPE (CrmChannelsGroup, crm_channels_group, ADW_TYPE_PREFERENCES_GROUP)

static const char *const kinds[] = { "email", "sms", "telegram" };

static void
copy_clicked_cb (GtkButton *button)
{
  const char *command = g_object_get_data (G_OBJECT (button), "command");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), command);
  crm_widget_show_toast (GTK_WIDGET (button), _("Command copied: run it on the server"));
}

/* A row; with @command, a button that copies it (the way to change what the row says). */
static GtkWidget *
add_row (CrmChannelsGroup *self,
         const char       *icon,
         const char       *title,
         const char       *subtitle,
         const char       *state,
         const char       *state_class,
         const char       *command)
{
  GtkWidget *row = crm_text_row_new (title, subtitle);

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (icon != NULL)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon));
  if (state != NULL)
    {
      GtkWidget *label = gtk_label_new (state);

      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, state_class);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (command != NULL)
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");
      g_autofree char *tooltip = g_strdup_printf (_("Copy the command: %s"), command);

      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "command", g_strdup (command), g_free);
      g_object_set_data_full (G_OBJECT (row), "command", g_strdup (command), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (copy_clicked_cb), NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_ptr_array_add (self->rows, row);
  return row;
}

static void
present (CrmChannelsGroup   *self,
         CrmTransportDialog *dialog)
{
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
change_clicked_cb (GtkButton        *button,
                   CrmChannelsGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  const char *kind = g_object_get_data (G_OBJECT (button), "kind");

  if (self->sync == NULL || self->context == NULL)
    return;
  if (kind != NULL)
    present (self, crm_transport_dialog_new_channel (parent, self->context, self->sync, kind));
  else
    present (self, crm_transport_dialog_new_mailbox (parent, self->context, self->sync,
                                                     g_object_get_data (G_OBJECT (button), "url"),
                                                     g_object_get_data (G_OBJECT (button), "user")));
}

/* While the server can be asked: @row's «Change…» (or, @label, another words), opening
 * the dialog for the channel @kind or the mailbox @url / @user (both NULL: a new one). */
static void
add_change_button (CrmChannelsGroup *self,
                   GtkWidget        *row,
                   const char       *label,
                   const char       *kind,
                   const char       *url,
                   const char       *user)
{
  GtkWidget *button;

  if (self->sync == NULL)
    return;
  button = gtk_button_new_with_mnemonic (label != NULL ? label : _("C_hange…"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_name (button, "transport-change");
  g_object_set_data_full (G_OBJECT (button), "kind", g_strdup (kind), g_free);
  g_object_set_data_full (G_OBJECT (button), "url", g_strdup (url), g_free);
  g_object_set_data_full (G_OBJECT (button), "user", g_strdup (user), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (change_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  /* the row opens the dialog; the command's copy stays a button of its own */
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  g_object_set_data (G_OBJECT (row), "change", button);
}

static JsonObject *
find_channel (JsonArray  *channels,
              const char *kind)
{
  for (guint i = 0; channels != NULL && i < json_array_get_length (channels); i++)
    {
      JsonObject *channel = json_array_get_object_element (channels, i);

      if (g_strcmp0 (crm_json_string (channel, "kind"), kind) == 0)
        return channel;
    }
  return NULL;
}

static char *
channel_command (const char *kind,
                 const char *account)
{
  if (g_str_equal (kind, "email"))
    return g_strdup_printf ("voronka-server --data DIR channel set %s email --smtp URL "
                            "--from ADDRESS --user LOGIN --password-stdin", account);
  return g_strdup_printf ("voronka-server --data DIR channel set %s %s --url URL --token-stdin",
                          account, kind);
}

static void
add_channel (CrmChannelsGroup *self,
             const char       *kind,
             JsonObject       *channel,
             const char       *account)
{
  const char *icon = g_str_equal (kind, "sms") ? "phone-symbolic"
                     : g_str_equal (kind, "telegram") ? "chat-message-new-symbolic" : "mail-unread-symbolic";
  g_autofree char *command = channel_command (kind, account);
  g_autoptr(GString) subtitle = g_string_new (NULL);
  GtkWidget *row;

  if (channel == NULL)
    {
      /* Translators: a message channel the server has no settings for */
      g_string_append (subtitle, _("Not set up: its messages wait on the server until it is"));
      row = add_row (self, icon, crm_message_channel_label (kind), subtitle->str,
                     _("Not set up"), "warning", command);
    }
  else
    {
      const char *from = crm_json_string (channel, "from");
      const char *user = crm_json_string (channel, "user");
      gboolean secret = json_object_get_boolean_member_with_default (channel, "has_secret", FALSE);
      gint64 updated = json_object_get_int_member_with_default (channel, "updated_at", 0);

      g_string_append (subtitle, crm_json_string_or (channel, "url", "?"));
      if (from != NULL)
        /* Translators: the sender address of the e-mail channel */
        g_string_append_printf (subtitle, _(" · from %s"), from);
      if (user != NULL)
        /* Translators: the login the server signs in to the mail server with */
        g_string_append_printf (subtitle, _(" · login %s"), user);
      g_string_append (subtitle, secret ? _(" · password or token kept on the server")
                                        : _(" · no password or token"));
      if (updated > 0)
        {
          g_autofree char *when = crm_format_date (updated);

          g_string_append_printf (subtitle, _(" · changed %s"), g_strstrip (when));
        }
      row = add_row (self, icon, crm_message_channel_label (kind), subtitle->str, _("Set up"),
                     "success", command);
    }
  add_change_button (self, row, NULL, kind, NULL, NULL);
  g_hash_table_insert (self->channel_rows, (gpointer) kind, row);
}

static void
add_mailbox (CrmChannelsGroup *self,
             CrmContext       *context,
             JsonObject       *box,
             const char       *account)
{
  JsonObject *pipeline = NULL;
  JsonObject *stage = crm_json_string (box, "stage") != NULL
                      ? crm_context_find_stage (context, crm_json_string (box, "stage"),
                                                &pipeline) : NULL;
  const char *error = crm_json_string (box, "last_error");
  g_autofree char *title = g_strdup_printf ("%s · %s", crm_json_string_or (box, "user", "?"),
                                            crm_json_string_or (box, "url", "?"));
  g_autofree char *command = g_strdup_printf ("voronka-server --data DIR mailbox list %s", account);
  g_autoptr(GString) subtitle = g_string_new (NULL);
  gint64 taken = json_object_get_int_member_with_default (box, "taken", 0);
  GtkWidget *row;

  if (stage != NULL && pipeline != NULL)
    /* Translators: where the requests of a mailbox go: a pipeline and its stage */
    g_string_append_printf (subtitle, _("Requests go to «%s» › «%s»"),
                            json_object_get_string_member (pipeline, "name"),
                            json_object_get_string_member (stage, "name"));
  else
    g_string_append (subtitle, _("Requests go to a stage this replica does not have yet"));
  g_string_append_printf (subtitle, ngettext (" · %lld e-mail taken", " · %lld e-mails taken",
                                                       (gulong) taken), (long long) taken);
  if (error != NULL)
    g_string_append_printf (subtitle, _("\nThe last check failed: %s"), error);
  row = add_row (self, "mail-send-receive-symbolic", title, subtitle->str,
                 error != NULL ? _("Not working") : _("Working"),
                 error != NULL ? "error" : "success", command);
  add_change_button (self, row, NULL, NULL, crm_json_string (box, "url"),
                     crm_json_string (box, "user"));
  g_ptr_array_add (self->mailbox_rows, row);
}

void
crm_channels_group_reload (CrmChannelsGroup *self,
                           CrmContext       *context)
{
  g_autoptr(JsonObject) state = NULL;
  g_autofree char *server = NULL;
  const char *account;
  JsonArray *channels;
  JsonArray *mailboxes;
  gboolean admin;

  g_return_if_fail (CRM_IS_CHANNELS_GROUP (self));

  crm_preferences_group_remove_rows (ADW_PREFERENCES_GROUP (self), self->rows);
  g_hash_table_remove_all (self->channel_rows);
  g_ptr_array_set_size (self->mailbox_rows, 0);
  self->add_mailbox_row = NULL;
  g_set_object (&self->context, context);
  g_clear_object (&self->sync);
  admin = context != NULL && crm_context_is_admin (context);
  gtk_widget_set_visible (GTK_WIDGET (self), admin);
  if (!admin)
    return;
  /* changed in the app while the server can be asked; else read-only, saying why */
  {
    GObject *sync = crm_context_get_sync (context);
    g_autofree char *reason = NULL;

    if (sync != NULL && CRM_IS_SYNC_CONTROLLER (sync))
      reason = crm_sync_controller_dup_offline_reason (CRM_SYNC_CONTROLLER (sync));
    else
      reason = g_strdup (_("This account is not on a server"));
    if (reason == NULL)
      {
        self->sync = g_object_ref (CRM_SYNC_CONTROLLER (sync));
        adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                               _("Kept on the server with their passwords and "
                                                 "tokens: «Change…» edits them there; the copy "
                                                 "button gives the server's command that does "
                                                 "the same"));
      }
    else
      {
        /* Translators: why «Messages and Mail» cannot be changed now, e.g. «The server
         * cannot be reached now» */
        g_autofree char *text = g_strdup_printf (_("Read-only. %s: they change on the server "
                                                   "(each row's button copies the command), or "
                                                   "here once the server can be reached."),
                                                 reason);

        crm_preferences_group_set_text (ADW_PREFERENCES_GROUP (self), text);
      }
  }

  state = crm_message_dup_transport (crm_context_get_store (context));
  server = crm_store_dup_meta (crm_context_get_store (context), "sync.server");
  if (state == NULL && server == NULL)
    {
      add_row (self, "network-server-symbolic", _("This account is local"),
               _("Messages go out and mail comes in only through a Voronka server: connect "
                 "this account to one first."), NULL, NULL, NULL);
      return;
    }
  if (state == NULL)
    state = json_object_new ();   /* the server publishes nothing until it has a channel */
  account = crm_json_string_or (state, "account", "ACCOUNT");
  channels = json_object_has_member (state, "channels") ? json_object_get_array_member (state, "channels") : NULL;
  mailboxes = json_object_has_member (state, "mailboxes") ? json_object_get_array_member (state, "mailboxes") : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    add_channel (self, kinds[i], find_channel (channels, kinds[i]), account);
  for (guint i = 0; mailboxes != NULL && i < json_array_get_length (mailboxes); i++)
    add_mailbox (self, context, json_array_get_object_element (mailboxes, i), account);
  if (self->sync != NULL)
    {
      self->add_mailbox_row = add_row (self, "list-add-symbolic", _("Connect a Mailbox"),
                                       _("Each new e-mail in it becomes a request"), NULL, NULL,
                                       NULL);
      add_change_button (self, self->add_mailbox_row, _("_Add…"), NULL, NULL, NULL);
    }
  else if (mailboxes == NULL || json_array_get_length (mailboxes) == 0)
    {
      g_autofree char *command = g_strdup_printf ("voronka-server --data DIR mailbox add %s "
                                                  "imaps://HOST --user LOGIN --password-stdin "
                                                  "--pipeline PIPELINE", account);

      add_row (self, "mail-send-receive-symbolic", _("No mailbox"),
               _("E-mails to a mailbox the server checks become requests; connect one on the "
                 "server with the command the button copies."), NULL, NULL, command);
    }
}

GtkWidget *
crm_channels_group_get_channel_row (CrmChannelsGroup *self,
                                    const char       *kind)
{
  g_return_val_if_fail (CRM_IS_CHANNELS_GROUP (self), NULL);
  return g_hash_table_lookup (self->channel_rows, kind);
}

GtkWidget *
crm_channels_group_get_mailbox_row (CrmChannelsGroup *self,
                                    guint             index)
{
  g_return_val_if_fail (CRM_IS_CHANNELS_GROUP (self), NULL);
  return index < self->mailbox_rows->len ? self->mailbox_rows->pdata[index] : NULL;
}

GtkWidget *
crm_channels_group_get_add_mailbox_row (CrmChannelsGroup *self)
{
  g_return_val_if_fail (CRM_IS_CHANNELS_GROUP (self), NULL);
  return self->add_mailbox_row;
}

guint
crm_channels_group_get_n_mailboxes (CrmChannelsGroup *self)
{
  g_return_val_if_fail (CRM_IS_CHANNELS_GROUP (self), 0);
  return self->mailbox_rows->len;
}

static void
crm_channels_group_finalize (GObject *object)
{
  CrmChannelsGroup *self = CRM_CHANNELS_GROUP (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->channel_rows, g_hash_table_unref);
  g_clear_pointer (&self->mailbox_rows, g_ptr_array_unref);
  g_clear_object (&self->context);
  g_clear_object (&self->sync);
  G_OBJECT_CLASS (crm_channels_group_parent_class)->finalize (object);
}

static void
crm_channels_group_class_init (CrmChannelsGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_channels_group_finalize;
}

static void
crm_channels_group_init (CrmChannelsGroup *self)
{
  self->rows = g_ptr_array_new ();
  self->channel_rows = g_hash_table_new (g_str_hash, g_str_equal);
  self->mailbox_rows = g_ptr_array_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Messages and Mail"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("Set on the server, where passwords and tokens are "
                                           "kept: each row's button copies the command that "
                                           "changes it"));
}
