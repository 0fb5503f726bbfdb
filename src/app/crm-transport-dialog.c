/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-transport-dialog.c — a channel's or a mailbox's settings, kept on the server
 * (crm-transport-dialog.h). Every request goes through the window's sync controller in a
 * worker thread; while one is under way the fields and buttons are insensitive and the
 * dialog says what it does, so the window never freezes and nothing is sent twice. The
 * server checks what is saved (the same checks as `voronka-server channel set` and
 * `mailbox add`) and its refusal is shown as it words it. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-json.h"
#include "crm-message.h"
#include "crm-protocol.h"
#include "crm-transport-dialog.h"
#include "crm-widget-util.h"

struct _CrmTransportDialog
{
  AdwWindow          parent_instance;

  CrmContext        *context;
  CrmSyncController *sync;
  GCancellable      *cancellable;
  char              *kind;          /* a channel's kind; NULL: a mailbox */
  char              *mailbox_url;   /* the mailbox changed (NULL: a new one) */
  char              *mailbox_user;
  char              *status;
  gboolean           busy;
  gboolean           exists;        /* the server has it: it can be removed */
  gboolean           loaded;        /* the server's settings were read */

  GtkLabel          *status_label;
  GtkWidget         *status_group;
  GtkWidget         *save_button;
  GtkWidget         *settings_group;
  GtkWidget         *test_group;
  GtkWidget         *remove_group;
  AdwEntryRow       *url_row;
  AdwEntryRow       *from_row;
  AdwEntryRow       *user_row;
  AdwEntryRow       *secret_row;
  AdwEntryRow       *to_row;
  AdwComboRow       *pipeline_row;
  AdwComboRow       *stage_row;
  AdwComboRow       *responsible_row;
  GtkStringList     *responsible_names;
  GPtrArray         *responsible_ids;   /* [0] NULL: nobody */
  GtkStringList     *pipeline_names;
  GPtrArray         *pipeline_ids;
  GtkStringList     *stage_names;
  GPtrArray         *stage_ids;
  GtkWidget         *test_button;
  GtkWidget         *focus;         /* weak: what had the focus before a request */
  const char        *done_toast;    /* what a save or removal says once done */
};

G_DEFINE_FINAL_TYPE (CrmTransportDialog, crm_transport_dialog, ADW_TYPE_WINDOW)

typedef enum {
  STATUS_PLAIN,
  STATUS_GOOD,
  STATUS_BAD,
} StatusKind;

static void
set_status (CrmTransportDialog *self,
            StatusKind          kind,
            const char         *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  /* its group too: no empty space above the fields */
  gtk_widget_set_visible (self->status_group, text != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  if (kind == STATUS_GOOD)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
  else if (kind == STATUS_BAD)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
set_busy (CrmTransportDialog *self,
          gboolean            busy,
          const char         *doing)
{
  /* a field made insensitive keeps no focus; it comes back when the answer is in */
  if (busy && !self->busy)
    {
      g_set_weak_pointer (&self->focus, gtk_window_get_focus (GTK_WINDOW (self)));
      gtk_window_set_focus (GTK_WINDOW (self), NULL);
    }
  self->busy = busy;
  gtk_widget_set_sensitive (self->settings_group, !busy && self->loaded);
  gtk_widget_set_sensitive (self->test_group, !busy && self->loaded);
  gtk_widget_set_sensitive (self->remove_group, !busy && self->loaded);
  gtk_widget_set_visible (self->remove_group, self->exists);
  gtk_widget_set_sensitive (self->save_button, !busy && self->loaded);
  if (doing != NULL)
    set_status (self, STATUS_PLAIN, doing);
  if (!busy && self->focus != NULL)
    {
      gtk_widget_grab_focus (self->focus);
      g_clear_weak_pointer (&self->focus);
    }
}

/* Closed (also at once after a request): no field is left focused as it goes. */
static void
close_dialog (CrmTransportDialog *self)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

static const char *
row_text (AdwEntryRow *row)
{
  return row != NULL ? gtk_editable_get_text (GTK_EDITABLE (row)) : "";
}

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  if (row != NULL)
    gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

/* The server's refusal or failure in words (it says what to change). */
static void
show_error (CrmTransportDialog *self,
            const GError       *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE))
    /* Translators: the dialog of a channel or mailbox: the request did not reach the server */
    text = g_strdup_printf (_("The server cannot be reached: %s. Nothing was changed; try "
                              "again when the computer is online."), error->message);
  else
    text = g_strdup (error->message);
  set_status (self, STATUS_BAD, text);
}

static void
stages_for_pipeline (CrmTransportDialog *self,
                     const char         *selected_id)
{
  guint pipeline = adw_combo_row_get_selected (self->pipeline_row);
  JsonObject *object = pipeline < self->pipeline_ids->len
    ? crm_context_find_pipeline (self->context, self->pipeline_ids->pdata[pipeline]) : NULL;

  crm_fill_open_stages (self->stage_names, self->stage_ids, object);
  for (guint i = 0; i < self->stage_ids->len; i++)
    if (g_strcmp0 (self->stage_ids->pdata[i], selected_id) == 0)
      {
        adw_combo_row_set_selected (self->stage_row, i);
        return;
      }
  adw_combo_row_set_selected (self->stage_row, 0);
}

/* «Nobody» first, then the active users (and @selected_id's, marked, if deactivated). */
static void
fill_responsible (CrmTransportDialog *self,
                  const char         *selected_id)
{
  const char *nobody[] = { _("Nobody until assigned"), NULL };
  guint selected = crm_fill_user_choices (self->responsible_names, self->responsible_ids,
                                          crm_context_get_users (self->context), selected_id,
                                          G_MAXUINT);

  gtk_string_list_splice (self->responsible_names, 0, 0, nobody);
  g_ptr_array_insert (self->responsible_ids, 0, NULL);
  adw_combo_row_set_selected (self->responsible_row, selected == G_MAXUINT ? 0 : selected + 1);
}

static void
pipeline_changed_cb (CrmTransportDialog *self)
{
  stages_for_pipeline (self, NULL);
}

/* Fills the fields with what the server keeps (its list's entry for this channel or
 * mailbox, NULL: none yet). */
static void
fill (CrmTransportDialog *self,
      JsonObject         *item)
{
  self->exists = item != NULL;
  if (item == NULL)
    return;
  set_row_text (self->url_row, crm_json_string (item, "url"));
  if (self->kind == NULL || g_str_equal (self->kind, "email"))
    set_row_text (self->user_row, crm_json_string (item, "user"));
  if (self->from_row != NULL)
    set_row_text (self->from_row, crm_json_string (item, "from"));
  if (self->kind == NULL)
    {
      guint selected = crm_fill_choices (self->pipeline_names, self->pipeline_ids,
                                         crm_context_get_pipelines (self->context),
                                         crm_json_string (item, "pipeline_id"), 0);

      g_signal_handlers_block_by_func (self->pipeline_row, pipeline_changed_cb, self);
      adw_combo_row_set_selected (self->pipeline_row, selected);
      g_signal_handlers_unblock_by_func (self->pipeline_row, pipeline_changed_cb, self);
      stages_for_pipeline (self, crm_json_string (item, "stage_id"));
      fill_responsible (self, crm_json_string (item, "responsible_id"));
    }
}

static JsonObject *
find_item (CrmTransportDialog *self,
           JsonArray          *list)
{
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);

      if (self->kind != NULL
          ? g_strcmp0 (crm_json_string (item, "kind"), self->kind) == 0
          : self->mailbox_url != NULL &&
            g_strcmp0 (crm_json_string (item, "url"), self->mailbox_url) == 0 &&
            g_strcmp0 (crm_json_string (item, "user"), self->mailbox_user) == 0)
        return item;
    }
  return NULL;
}

static JsonArray *
answer_list (CrmTransportDialog *self,
             JsonObject         *answer)
{
  const char *member = self->kind != NULL ? "channels" : "mailboxes";

  return json_object_has_member (answer, member) ? json_object_get_array_member (answer, member)
                                                 : NULL;
}

/* The answer of a request, or NULL after showing why it failed (a cancelled one: the
 * dialog is gone). */
static JsonObject *
finish (GObject      *source,
        GAsyncResult *result,
        CrmTransportDialog **out_self,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = crm_sync_controller_invite_finish (CRM_SYNC_CONTROLLER (source), result,
                                                          &error);

  *out_self = user_data;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  set_busy (*out_self, FALSE, NULL);
  if (answer == NULL)
    show_error (*out_self, error);
  return answer;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CrmTransportDialog *self;
  g_autoptr(JsonObject) answer = finish (source, result, &self, user_data);
  g_autoptr(CrmTransportDialog) hold = user_data;
  JsonObject *item;

  if (answer == NULL)
    return;
  item = find_item (self, answer_list (self, answer));
  fill (self, item);
  self->loaded = TRUE;
  set_busy (self, FALSE, NULL);
  if (self->kind != NULL && item == NULL)
    set_status (self, STATUS_PLAIN, _("Not set up yet: fill in the fields and save"));
  else if (self->kind == NULL && self->mailbox_url != NULL && item == NULL)
    set_status (self, STATUS_BAD, _("The server no longer has this mailbox; saving adds it "
                                    "again"));
  else
    set_status (self, STATUS_PLAIN, NULL);
}

static void
request (CrmTransportDialog  *self,
         const char          *method,
         const char          *path,
         JsonObject          *body,
         const char          *doing,
         GAsyncReadyCallback  callback)
{
  set_busy (self, TRUE, doing);
  crm_sync_controller_admin_request_async (self->sync, method, path, body, self->cancellable,
                                           callback, g_object_ref (self));
}

/* The fields as the server takes them; @test: for «Test» (a mailbox's sign-in takes no
 * pipeline). */
static JsonObject *
body_of (CrmTransportDialog *self,
         gboolean            test)
{
  JsonObject *body = json_object_new ();
  const char *secret = row_text (self->secret_row);

  json_object_set_string_member (body, "url", row_text (self->url_row));
  if (self->kind != NULL)
    json_object_set_string_member (body, "kind", self->kind);
  if (self->from_row != NULL)
    json_object_set_string_member (body, "from", row_text (self->from_row));
  if (self->user_row != NULL)
    json_object_set_string_member (body, "user", row_text (self->user_row));
  /* empty: the server keeps the one it has */
  if (*secret != '\0')
    json_object_set_string_member (body, self->kind != NULL ? "secret" : "password", secret);
  if (self->kind == NULL && !test)
    {
      guint pipeline = adw_combo_row_get_selected (self->pipeline_row);
      guint stage = adw_combo_row_get_selected (self->stage_row);
      guint responsible = adw_combo_row_get_selected (self->responsible_row);

      json_object_set_string_member (body, "pipeline",
                                     pipeline < self->pipeline_ids->len
                                     ? self->pipeline_ids->pdata[pipeline] : "");
      if (stage < self->stage_ids->len)
        json_object_set_string_member (body, "stage", self->stage_ids->pdata[stage]);
      if (responsible < self->responsible_ids->len &&
          self->responsible_ids->pdata[responsible] != NULL)
        json_object_set_string_member (body, "responsible",
                                       self->responsible_ids->pdata[responsible]);
    }
  if (self->kind != NULL && test)
    json_object_set_string_member (body, "to", row_text (self->to_row));
  return body;
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CrmTransportDialog *self;
  g_autoptr(JsonObject) answer = finish (source, result, &self, user_data);
  g_autoptr(CrmTransportDialog) hold = user_data;
  gboolean ok;

  if (answer == NULL)
    return;
  ok = json_object_get_boolean_member_with_default (answer, "ok", FALSE);
  if (ok)
    set_status (self, STATUS_GOOD, crm_json_string_or (answer, "message", ""));
  else
    {
      /* Translators: «Test» in a channel's or mailbox's dialog failed; the server's words */
      g_autofree char *text = g_strdup_printf (_("The test failed: %s"),
                                               crm_json_string_or (answer, "message", "?"));

      set_status (self, STATUS_BAD, text);
    }
}

void
crm_transport_dialog_test (CrmTransportDialog *self)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (CRM_IS_TRANSPORT_DIALOG (self));
  if (self->busy || !self->loaded)
    return;
  if (self->kind != NULL && *row_text (self->to_row) == '\0')
    {
      set_status (self, STATUS_BAD,
                  g_str_equal (self->kind, "email")
                  ? _("Type the address the test e-mail goes to")
                  : g_str_equal (self->kind, "sms")
                  ? _("Type the phone number the test SMS goes to")
                  : _("Type the Telegram chat id the test message goes to"));
      gtk_widget_grab_focus (GTK_WIDGET (self->to_row));
      return;
    }
  body = body_of (self, TRUE);
  if (self->kind != NULL)
    request (self, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, body,
             _("Sending a test message through the server…"), tested_cb);
  else
    request (self, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, body,
             _("Signing in to the mailbox from the server…"), tested_cb);
}

/* Saved or removed: the server published it, the next round brings it into Settings. */
static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CrmTransportDialog *self;
  g_autoptr(JsonObject) answer = finish (source, result, &self, user_data);
  g_autoptr(CrmTransportDialog) hold = user_data;

  if (answer == NULL)
    return;
  crm_sync_controller_sync_now (self->sync);
  crm_widget_show_toast (GTK_WIDGET (self), self->done_toast);
  close_dialog (self);
}

void
crm_transport_dialog_save (CrmTransportDialog *self)
{
  g_autoptr(JsonObject) body = NULL;

  g_return_if_fail (CRM_IS_TRANSPORT_DIALOG (self));
  if (self->busy || !self->loaded)
    return;
  body = body_of (self, FALSE);
  self->done_toast = self->kind != NULL ? _("Channel saved on the server")
                                        : _("Mailbox saved on the server");
  request (self, "POST", self->kind != NULL ? CRM_PROTOCOL_PATH_CHANNELS
                                            : CRM_PROTOCOL_PATH_MAILBOXES,
           body, _("Saving on the server…"), done_cb);
}

void
crm_transport_dialog_remove (CrmTransportDialog *self)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (CRM_IS_TRANSPORT_DIALOG (self));
  if (self->busy || !self->exists)
    return;
  if (self->kind != NULL)
    json_object_set_string_member (body, "kind", self->kind);
  else
    {
      json_object_set_string_member (body, "url", self->mailbox_url);
      json_object_set_string_member (body, "user", self->mailbox_user);
    }
  self->done_toast = self->kind != NULL ? _("Channel removed from the server")
                                        : _("Mailbox removed from the server");
  request (self, "DELETE", self->kind != NULL ? CRM_PROTOCOL_PATH_CHANNELS
                                              : CRM_PROTOCOL_PATH_MAILBOXES,
           body, _("Removing on the server…"), done_cb);
}

static void
remove_response_cb (AdwMessageDialog   *dialog,
                    const char         *response,
                    CrmTransportDialog *self)
{
  if (g_str_equal (response, "remove"))
    crm_transport_dialog_remove (self);
}

static void
remove_clicked_cb (CrmTransportDialog *self)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    GTK_WINDOW (self),
    self->kind != NULL ? _("Remove the Channel?") : _("Remove the Mailbox?"),
    self->kind != NULL
    ? _("The server forgets its settings and password or token; its messages wait until "
        "the channel is set up again.")
    : _("The server stops checking it and forgets its password; its requests stay.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
crm_transport_dialog_is_busy (CrmTransportDialog *self)
{
  g_return_val_if_fail (CRM_IS_TRANSPORT_DIALOG (self), FALSE);
  return self->busy;
}

const char *
crm_transport_dialog_get_status (CrmTransportDialog *self)
{
  g_return_val_if_fail (CRM_IS_TRANSPORT_DIALOG (self), NULL);
  return self->status;
}

static void
select_named (AdwComboRow   *row,
              GtkStringList *names,
              const char    *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (names)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (names, i), name) == 0)
      adw_combo_row_set_selected (row, i);
}

void
crm_transport_dialog_set_field (CrmTransportDialog *self,
                                const char         *field,
                                const char         *value)
{
  g_return_if_fail (CRM_IS_TRANSPORT_DIALOG (self));
  if (g_str_equal (field, "url"))
    set_row_text (self->url_row, value);
  else if (g_str_equal (field, "from"))
    set_row_text (self->from_row, value);
  else if (g_str_equal (field, "user"))
    set_row_text (self->user_row, value);
  else if (g_str_equal (field, "secret"))
    set_row_text (self->secret_row, value);
  else if (g_str_equal (field, "to"))
    set_row_text (self->to_row, value);
  else if (g_str_equal (field, "pipeline") && self->pipeline_row != NULL)
    select_named (self->pipeline_row, self->pipeline_names, value);
  else if (g_str_equal (field, "stage") && self->stage_row != NULL)
    select_named (self->stage_row, self->stage_names, value);
  else if (g_str_equal (field, "responsible") && self->responsible_row != NULL)
    select_named (self->responsible_row, self->responsible_names, value);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  close_dialog (CRM_TRANSPORT_DIALOG (widget));
}

static void
crm_transport_dialog_dispose (GObject *object)
{
  CrmTransportDialog *self = CRM_TRANSPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->focus);
  G_OBJECT_CLASS (crm_transport_dialog_parent_class)->dispose (object);
}

static void
crm_transport_dialog_finalize (GObject *object)
{
  CrmTransportDialog *self = CRM_TRANSPORT_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_object (&self->sync);
  g_clear_object (&self->cancellable);
  g_free (self->kind);
  g_free (self->mailbox_url);
  g_free (self->mailbox_user);
  g_free (self->status);
  g_clear_pointer (&self->pipeline_ids, g_ptr_array_unref);
  g_clear_pointer (&self->stage_ids, g_ptr_array_unref);
  g_clear_pointer (&self->responsible_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_transport_dialog_parent_class)->finalize (object);
}

static void
crm_transport_dialog_class_init (CrmTransportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_transport_dialog_dispose;
  object_class->finalize = crm_transport_dialog_finalize;
  gtk_widget_class_install_action (widget_class, "transport.cancel", NULL, cancel_action);
  crm_window_class_install_cancel (widget_class, "transport.cancel");
}

static void
crm_transport_dialog_init (CrmTransportDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->pipeline_ids = g_ptr_array_new_with_free_func (g_free);
  self->stage_ids = g_ptr_array_new_with_free_func (g_free);
  self->responsible_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 640);
}

static AdwEntryRow *
add_entry (GtkWidget  *group,
           const char *title,
           gboolean    password)
{
  AdwEntryRow *row = password ? ADW_ENTRY_ROW (adw_password_entry_row_new ())
                              : crm_entry_row_new (title);

  if (password)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (row));
  return row;
}

/* Builds the window for a channel (@kind) or a mailbox (@kind NULL), then reads what the
 * server keeps. */
static void
build (CrmTransportDialog *self,
       const char         *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *top = self->status_group = adw_preferences_group_new ();
  GtkWidget *remove = gtk_button_new_with_mnemonic (self->kind != NULL ? _("_Remove Channel")
                                                                       : _("_Remove Mailbox"));
  const char *kind = self->kind;

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "transport.cancel");
  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  g_signal_connect_swapped (self->save_button, "clicked",
                            G_CALLBACK (crm_transport_dialog_save), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->save_button);
  gtk_box_append (GTK_BOX (box), header);

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_selectable (self->status_label, TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->status_label));

  self->settings_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->settings_group),
                                   _("Settings"));
  if (kind == NULL)
    {
      crm_preferences_group_set_text (ADW_PREFERENCES_GROUP (self->settings_group),
                                      _("Each new e-mail in the mailbox becomes a request in "
                                        "the pipeline. The password stays on the server: leave "
                                        "it empty to keep the one it has."));
      self->url_row = add_entry (self->settings_group, _("Mailbox _URL"), FALSE);
      self->user_row = add_entry (self->settings_group, _("_Login"), FALSE);
      self->secret_row = add_entry (self->settings_group, _("_Password"), TRUE);
      self->pipeline_names = gtk_string_list_new (NULL);
      self->stage_names = gtk_string_list_new (NULL);
      self->pipeline_row = crm_combo_row_new (_("P_ipeline"), self->pipeline_names);
      self->stage_row = crm_combo_row_new (_("S_tage"), self->stage_names);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->settings_group),
                                 GTK_WIDGET (self->pipeline_row));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->settings_group),
                                 GTK_WIDGET (self->stage_row));
      self->responsible_names = gtk_string_list_new (NULL);
      self->responsible_row = crm_combo_row_new (_("Respo_nsible"), self->responsible_names);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->settings_group),
                                 GTK_WIDGET (self->responsible_row));
      g_object_unref (self->pipeline_names);
      g_object_unref (self->stage_names);
      g_object_unref (self->responsible_names);
      fill_responsible (self, NULL);
      adw_combo_row_set_selected (self->pipeline_row,
                                  crm_fill_choices (self->pipeline_names, self->pipeline_ids,
                                                    crm_context_get_pipelines (self->context),
                                                    NULL, 0));
      stages_for_pipeline (self, NULL);
      g_signal_connect_swapped (self->pipeline_row, "notify::selected",
                                G_CALLBACK (pipeline_changed_cb), self);
      /* a mailbox is its URL and login: changing them is another mailbox */
      if (self->mailbox_url != NULL)
        {
          gtk_editable_set_editable (GTK_EDITABLE (self->url_row), FALSE);
          gtk_editable_set_editable (GTK_EDITABLE (self->user_row), FALSE);
          set_row_text (self->url_row, self->mailbox_url);
          set_row_text (self->user_row, self->mailbox_user);
        }
    }
  else
    {
      crm_preferences_group_set_text (ADW_PREFERENCES_GROUP (self->settings_group),
                                      g_str_equal (kind, "email")
                                      ? _("The server sends e-mail through this SMTP server: "
                                          "smtp://HOST:587 (STARTTLS) or smtps://HOST:465. "
                                          "The password stays on the server: leave it empty "
                                          "to keep the one it has.")
                                      : g_str_equal (kind, "sms")
                                      ? _("The server posts each SMS as JSON {\"to\", \"text\", "
                                          "\"id\"} to the gateway's URL, with the token as a "
                                          "bearer token. Leave the token empty to keep the one "
                                          "the server has.")
                                      : _("The server sends through the Bot API at this URL "
                                          "(https://api.telegram.org) with the bot's token. "
                                          "Leave the token empty to keep the one the server "
                                          "has."));
      if (g_str_equal (kind, "email"))
        {
          self->url_row = add_entry (self->settings_group, _("S_MTP server"), FALSE);
          self->from_row = add_entry (self->settings_group, _("Sender's _address"), FALSE);
          self->user_row = add_entry (self->settings_group, _("_Login"), FALSE);
          self->secret_row = add_entry (self->settings_group, _("_Password"), TRUE);
        }
      else
        {
          self->url_row = add_entry (self->settings_group, g_str_equal (kind, "sms")
                                     ? _("Gateway _URL") : _("Bot API _URL"), FALSE);
          self->secret_row = add_entry (self->settings_group, g_str_equal (kind, "sms")
                                        ? _("_Token") : _("Bot's _token"), TRUE);
        }
    }
  g_signal_connect_swapped (self->url_row, "entry-activated",
                            G_CALLBACK (crm_transport_dialog_save), self);
  g_signal_connect_swapped (self->secret_row, "entry-activated",
                            G_CALLBACK (crm_transport_dialog_save), self);

  self->test_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->test_group), _("Check"));
  self->test_button = gtk_button_new_with_mnemonic (_("T_est"));
  gtk_widget_set_valign (self->test_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->test_button, "clicked",
                            G_CALLBACK (crm_transport_dialog_test), self);
  if (kind != NULL)
    {
      crm_preferences_group_set_text (ADW_PREFERENCES_GROUP (self->test_group),
                                      _("The server sends one test message with the settings "
                                        "above, saved or not."));
      self->to_row = add_entry (self->test_group,
                                g_str_equal (kind, "email") ? _("Send a test t_o (e-mail)")
                                : g_str_equal (kind, "sms") ? _("Send a test t_o (phone)")
                                : _("Send a test t_o (chat id)"), FALSE);
      adw_entry_row_add_suffix (self->to_row, self->test_button);
      g_signal_connect_swapped (self->to_row, "entry-activated",
                                G_CALLBACK (crm_transport_dialog_test), self);
    }
  else
    {
      GtkWidget *row = crm_text_row_new (_("Sign in to the mailbox"),
                                         _("The server signs in with the settings above and "
                                           "opens the folder; nothing is taken."));

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->test_button);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->test_group), row);
    }

  self->remove_group = adw_preferences_group_new ();
  gtk_widget_add_css_class (remove, "destructive-action");
  gtk_widget_set_halign (remove, GTK_ALIGN_START);
  g_signal_connect_swapped (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->remove_group), remove);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (top));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                            ADW_PREFERENCES_GROUP (self->settings_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->test_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                            ADW_PREFERENCES_GROUP (self->remove_group));
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->save_button);

  /* the fields wait for the server's settings; a new mailbox has none to read */
  if (kind == NULL && self->mailbox_url == NULL)
    {
      self->loaded = TRUE;
      set_busy (self, FALSE, NULL);
      set_status (self, STATUS_PLAIN, NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  request (self, "GET", kind != NULL ? CRM_PROTOCOL_PATH_CHANNELS : CRM_PROTOCOL_PATH_MAILBOXES,
           NULL, _("Reading the settings from the server…"), read_cb);
}

static CrmTransportDialog *
dialog_new (GtkWindow         *parent,
            CrmContext        *context,
            CrmSyncController *sync)
{
  CrmTransportDialog *self = g_object_new (CRM_TYPE_TRANSPORT_DIALOG, "transient-for", parent,
                                           NULL);

  self->context = g_object_ref (context);
  self->sync = g_object_ref (sync);
  return self;
}

CrmTransportDialog *
crm_transport_dialog_new_channel (GtkWindow         *parent,
                                  CrmContext        *context,
                                  CrmSyncController *sync,
                                  const char        *kind)
{
  CrmTransportDialog *self = dialog_new (parent, context, sync);
  g_autofree char *title = NULL;

  self->kind = g_strdup (kind);
  /* Translators: the dialog's title: «E-mail Channel», «SMS Channel», «Telegram Channel» */
  title = g_strdup_printf (_("%s Channel"), crm_message_channel_label (kind));
  build (self, title);
  return self;
}

CrmTransportDialog *
crm_transport_dialog_new_mailbox (GtkWindow         *parent,
                                  CrmContext        *context,
                                  CrmSyncController *sync,
                                  const char        *url,
                                  const char        *user)
{
  CrmTransportDialog *self = dialog_new (parent, context, sync);

  self->mailbox_url = g_strdup (url);
  self->mailbox_user = g_strdup (user);
  build (self, url != NULL ? _("Mailbox") : _("New Mailbox"));
  return self;
}
