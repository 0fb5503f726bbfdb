/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-gate-dialog.c — one dialog for every gate. Each refusal turns on the section that
 * answers it; the answers are written into the refused change set (the same deal change,
 * a new task with an id chosen once) and the whole set is applied again in one
 * transaction, so a move and its loss reason land together or not at all. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-attachment.h"
#include "crm-date-button.h"
#include "crm-deal-actions.h"
#include "crm-field-editor.h"
#include "crm-gate-dialog.h"
#include "crm-undo-actions.h"
#include "crm-query-board.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmGateDialog
{
  AdwWindow             parent_instance;

  CrmContext           *context;
  CrmChangeset         *changeset;
  char                 *gate;
  char                 *deal_id;
  char                 *task_id;          /* the task being completed, or a call's task */
  char                 *next_task_id;     /* chosen once: re-applying keeps one task */
  char                 *success_message;
  gboolean              task_required;
  gboolean              result_required;
  gboolean              attachment_required;
  GHashTable           *reason_checks;    /* reason id → GtkCheckButton (borrowed) */
  GtkWidget            *reason_comment;   /* AdwEntryRow: an optional comment, a note */
  char                 *note_id;          /* the comment's note, made once */
  CrmAttachmentFile     attachment;
  char                 *attachment_name;
  char                 *attachment_id;
  gboolean              finished;

  AdwWindowTitle       *window_title;
  GtkButton            *apply_button;
  AdwPreferencesGroup  *intro_group;
  AdwPreferencesGroup  *reason_group;
  AdwPreferencesGroup  *fields_group;
  AdwPreferencesGroup  *result_group;
  AdwEntryRow          *result_row;
  AdwPreferencesGroup  *task_group;
  AdwEntryRow          *next_text_row;
  CrmDateButton        *next_due_button;
  AdwComboRow          *next_type_row;
  AdwPreferencesGroup  *attachment_group;
  AdwActionRow         *attachment_row;
  GtkLabel             *message_label;
};

G_DEFINE_FINAL_TYPE (CrmGateDialog, crm_gate_dialog, ADW_TYPE_WINDOW)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const task_types[] = { "call", "meeting", "task", NULL };

static void
set_message (CrmGateDialog *self,
             const char    *message)
{
  gtk_label_set_label (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');
}

/* ---- sections ---- */

static gboolean
reason_chosen (CrmGateDialog *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->reason_checks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (value)))
      return TRUE;
  return FALSE;
}

/* «Close Deal» waits for a reason: nothing to click that can only be refused. */
static void
update_apply_sensitive (CrmGateDialog *self)
{
  gboolean chosen = reason_chosen (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button),
                            !gtk_widget_get_visible (GTK_WIDGET (self->reason_group)) || chosen);
  /* «Choose why…» said before a reason was chosen is no longer true */
  if (chosen)
    set_message (self, NULL);
}

static void
show_reasons (CrmGateDialog *self,
              JsonObject    *refusal)
{
  const char *stage_id = json_object_get_string_member_with_default (refusal, "stage_id", NULL);
  JsonObject *pipeline = NULL;
  g_autoptr(JsonArray) reasons = NULL;
  GtkCheckButton *first = NULL;

  if (g_hash_table_size (self->reason_checks) > 0)
    return;
  crm_context_find_stage (self->context, stage_id, &pipeline);
  reasons = crm_query_loss_reasons (crm_context_get_store (self->context),
                                    pipeline != NULL ? json_object_get_string_member (pipeline, "id")
                                                     : NULL, NULL);
  for (guint i = 0; reasons != NULL && i < json_array_get_length (reasons); i++)
    {
      JsonObject *reason = json_array_get_object_element (reasons, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (reason, "name", ""));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (first != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), first);
      else
        first = GTK_CHECK_BUTTON (check);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->reason_group, row);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (update_apply_sensitive), self);
      g_hash_table_insert (self->reason_checks,
                           g_strdup (json_object_get_string_member (reason, "id")), check);
    }
  self->reason_comment = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->reason_comment),
                                 _("Comment (optional)"));
  adw_preferences_group_add (self->reason_group, self->reason_comment);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_group), TRUE);
  update_apply_sensitive (self);
}

static void
show_fields (CrmGateDialog *self,
             JsonObject    *refusal)
{
  JsonArray *fields = json_object_get_array_member (refusal, "fields");
  g_autoptr(JsonObject) deal = crm_store_dup_entity (crm_context_get_store (self->context),
                                                     "deal", self->deal_id);

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *key = json_object_get_string_member_with_default (field, "key", "");
      GtkWidget *row;
      GtkWidget *editor;

      if (crm_gate_dialog_get_field_editor (self, key) != NULL)
        continue;
      row = adw_action_row_new ();
      editor = crm_field_editor_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (field, "label", key));
      crm_field_editor_set_field (CRM_FIELD_EDITOR (editor), field,
                                  deal != NULL ? json_object_get_member (deal, key) : NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      adw_preferences_group_add (self->fields_group, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), TRUE);
}

static void
show_refusal (CrmGateDialog *self,
              const GError  *error,
              JsonObject    *refusal)
{
  const char *gate = refusal != NULL ? json_object_get_string_member_with_default (refusal, "name", NULL)
                                     : NULL;

  if (gate == NULL)
    gate = crm_error_code_name (error);
  g_free (self->gate);
  self->gate = g_strdup (gate);
  if (refusal != NULL && json_object_get_string_member_with_default (refusal, "deal", NULL) != NULL)
    {
      g_free (self->deal_id);
      self->deal_id = g_strdup (json_object_get_string_member (refusal, "deal"));
    }
  if (refusal != NULL && json_object_get_string_member_with_default (refusal, "task", NULL) != NULL)
    {
      g_free (self->task_id);
      self->task_id = g_strdup (json_object_get_string_member (refusal, "task"));
    }

  crm_preferences_group_set_text (self->intro_group, error->message);
  if (g_str_equal (gate, "loss-reason-required"))
    {
      adw_window_title_set_title (self->window_title, _("Loss Reason"));
      /* the reasons are listed right below: the gate's message would repeat them */
      adw_preferences_group_set_description (self->intro_group,
                                             _("The deal closes as lost with the reason you "
                                               "choose."));
      adw_preferences_group_set_title (self->reason_group, "");
      gtk_button_set_label (self->apply_button, _("C_lose Deal"));
      show_reasons (self, refusal);
    }
  else if (g_str_equal (gate, "required-field"))
    {
      adw_window_title_set_title (self->window_title, _("Fill In the Required Fields"));
      show_fields (self, refusal);
    }
  else if (g_str_equal (gate, "next-task-required"))
    {
      adw_window_title_set_title (self->window_title, _("Set the Next Task"));
      self->task_required = TRUE;
      adw_preferences_group_set_title (self->task_group, _("Next Task"));
      gtk_widget_set_visible (GTK_WIDGET (self->task_group), TRUE);
    }
  else if (g_str_equal (gate, "call-result-required"))
    {
      adw_window_title_set_title (self->window_title, _("How Did the Call Go?"));
      self->result_required = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self->result_group), TRUE);
    }
  else if (g_str_equal (gate, "attachment-required"))
    {
      adw_window_title_set_title (self->window_title, _("Attach a File"));
      self->attachment_required = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self->attachment_group), TRUE);
    }
  set_message (self, NULL);
}

/* ---- answers into the change set ---- */

static gboolean
collect_reason (CrmGateDialog  *self,
                GError        **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->reason_group)))
    return TRUE;
  g_hash_table_iter_init (&iter, self->reason_checks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (value)))
      {
        const char *comment = self->reason_comment != NULL
                              ? gtk_editable_get_text (GTK_EDITABLE (self->reason_comment)) : "";
        g_autofree char *trimmed = g_strstrip (g_strdup (comment));

        crm_change_set_string (crm_changeset_touch (self->changeset, "deal", self->deal_id),
                               "loss_reason", key);
        if (*trimmed != '\0')
          {
            /* the comment goes into the deal's history as a note, with the close */
            CrmChange *note;

            if (self->note_id == NULL)
              self->note_id = crm_context_new_id (self->context);
            note = crm_changeset_create (self->changeset, "note", self->note_id);
            crm_change_set_string (note, "entity", "deal");
            crm_change_set_string (note, "entity_id", self->deal_id);
            crm_change_set_string (note, "text", trimmed);
            crm_change_set_string (note, "author", crm_context_get_user_id (self->context));
            crm_change_set_int (note, "created_at", crm_context_now (self->context));
          }
        return TRUE;
      }
  g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("Choose why the deal was lost"));
  return FALSE;
}

static gboolean
collect_fields (CrmGateDialog  *self,
                GError        **error)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->fields_group)))
    return TRUE;
  /* The editors sit inside the group's rows: walk the widget tree for them. */
  {
    g_autoptr(GPtrArray) editors = g_ptr_array_new ();
    GtkWidget *walker = GTK_WIDGET (self->fields_group);
    GQueue queue = G_QUEUE_INIT;

    g_queue_push_tail (&queue, walker);
    while (!g_queue_is_empty (&queue))
      {
        GtkWidget *widget = g_queue_pop_head (&queue);

        if (CRM_IS_FIELD_EDITOR (widget))
          {
            g_ptr_array_add (editors, widget);
            continue;
          }
        for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
             c = gtk_widget_get_next_sibling (c))
          g_queue_push_tail (&queue, c);
      }
    for (guint i = 0; i < editors->len; i++)
      {
        CrmFieldEditor *editor = g_ptr_array_index (editors, i);

        if (crm_field_editor_is_empty (editor))
          {
            g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("Fill in «%s»"), crm_field_editor_get_label (editor));
            return FALSE;
          }
        if (!crm_field_editor_apply_to_change (editor,
                                               crm_changeset_touch (self->changeset, "deal",
                                                                    self->deal_id),
                                               error))
          return FALSE;
      }
  }
  return TRUE;
}

static char *
dup_stripped (const char *text)
{
  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

static gboolean
collect_result (CrmGateDialog  *self,
                GError        **error)
{
  g_autofree char *result = dup_stripped (gtk_editable_get_text (GTK_EDITABLE (self->result_row)));

  if (!gtk_widget_get_visible (GTK_WIDGET (self->result_group)) || self->task_id == NULL)
    return TRUE;
  if (*result == '\0')
    {
      if (!self->result_required)
        return TRUE;
      g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Say how the call went"));
      return FALSE;
    }
  crm_change_set_string (crm_changeset_touch (self->changeset, "task", self->task_id),
                         "result", result);
  return TRUE;
}

static gboolean
collect_next_task (CrmGateDialog  *self,
                   GError        **error)
{
  g_autofree char *text = dup_stripped (gtk_editable_get_text (GTK_EDITABLE (self->next_text_row)));
  guint type = adw_combo_row_get_selected (self->next_type_row);
  CrmChange *change;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->task_group)))
    return TRUE;
  if (*text == '\0')
    {
      if (!self->task_required)
        return TRUE;
      g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Write what the next task is"));
      return FALSE;
    }
  if (self->deal_id == NULL)
    return TRUE;
  if (self->next_task_id == NULL)
    self->next_task_id = crm_context_new_id (self->context);
  change = crm_add_task_change (self->changeset, self->context, self->next_task_id,
                                self->deal_id, text, task_types[MIN (type, 2)], FALSE, 0);
  crm_task_change_set_due (change, self->next_due_button, TRUE);
  return TRUE;
}

static gboolean
collect_attachment (CrmGateDialog  *self,
                    GError        **error)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->attachment_group)))
    return TRUE;
  if (self->attachment.hash == NULL)
    {
      if (!self->attachment_required)
        return TRUE;
      g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Choose the file to attach"));
      return FALSE;
    }
  if (self->attachment_id == NULL)
    self->attachment_id = crm_context_new_id (self->context);
  crm_attachment_fill_change (self->changeset, self->attachment_id, "deal", self->deal_id,
                              self->attachment_name, &self->attachment,
                              crm_context_now (self->context));
  return TRUE;
}

static void
finish (CrmGateDialog *self,
        gboolean       applied)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  if (!applied && self->attachment.hash != NULL)
    crm_attachment_discard_file (crm_context_get_store (self->context), &self->attachment);
  if (applied && self->success_message != NULL)
    crm_undo_toast_show_last (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))),
                              self->context, self->success_message);
  /* Listeners may close our parent (the new-deal dialog): let go of it first. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  gtk_window_set_transient_for (GTK_WINDOW (self), NULL);
  g_signal_emit (self, signals[FINISHED], 0, applied);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CrmGateDialog *self = CRM_GATE_DIALOG (widget);
  g_autoptr(GError) error = NULL;

  if (!collect_reason (self, &error) || !collect_fields (self, &error) ||
      !collect_result (self, &error) || !collect_next_task (self, &error) ||
      !collect_attachment (self, &error))
    {
      set_message (self, error->message);
      return;
    }
  if (crm_context_apply (self->context, self->changeset, &error))
    {
      finish (self, TRUE);
      return;
    }
  if (error->domain == CRM_STORE_ERROR &&
      (error->code == CRM_STORE_ERROR_LOSS_REASON_REQUIRED ||
       error->code == CRM_STORE_ERROR_REQUIRED_FIELD ||
       error->code == CRM_STORE_ERROR_NEXT_TASK_REQUIRED ||
       error->code == CRM_STORE_ERROR_CALL_RESULT_REQUIRED ||
       error->code == CRM_STORE_ERROR_ATTACHMENT_REQUIRED))
    {
      g_autoptr(JsonObject) refusal = crm_store_dup_refusal (crm_context_get_store (self->context));

      /* the section that answers it shows, and the group's description says why */
      show_refusal (self, error, refusal);
      return;
    }
  set_message (self, error->message);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  finish (CRM_GATE_DIALOG (widget), FALSE);
}

static gboolean
crm_gate_dialog_close_request (GtkWindow *window)
{
  finish (CRM_GATE_DIALOG (window), FALSE);
  return TRUE;
}

/* ---- attachment ---- */

static void
file_chosen_cb (GtkNativeDialog *chooser,
                int              response,
                CrmGateDialog   *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || g_file_peek_path (file) == NULL)
    return;

  if (self->attachment.hash != NULL)
    crm_attachment_discard_file (crm_context_get_store (self->context), &self->attachment);
  crm_attachment_file_clear (&self->attachment);
  if (!crm_attachment_store_file (crm_context_get_store (self->context), g_file_peek_path (file),
                                  &self->attachment, &error))
    {
      set_message (self, error->message);
      return;
    }
  g_free (self->attachment_name);
  self->attachment_name = g_file_get_basename (file);
  adw_action_row_set_subtitle (self->attachment_row, self->attachment_name);
}

static void
choose_file_clicked_cb (CrmGateDialog *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach a File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- GObject ---- */

static void
crm_gate_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_GATE_DIALOG);
  G_OBJECT_CLASS (crm_gate_dialog_parent_class)->dispose (object);
}

static void
crm_gate_dialog_finalize (GObject *object)
{
  CrmGateDialog *self = CRM_GATE_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->changeset, crm_changeset_unref);
  g_clear_pointer (&self->gate, g_free);
  g_clear_pointer (&self->deal_id, g_free);
  g_clear_pointer (&self->task_id, g_free);
  g_clear_pointer (&self->next_task_id, g_free);
  g_clear_pointer (&self->success_message, g_free);
  g_clear_pointer (&self->reason_checks, g_hash_table_unref);
  g_clear_pointer (&self->note_id, g_free);
  g_clear_pointer (&self->attachment_name, g_free);
  g_clear_pointer (&self->attachment_id, g_free);
  crm_attachment_file_clear (&self->attachment);
  G_OBJECT_CLASS (crm_gate_dialog_parent_class)->finalize (object);
}

static void
crm_gate_dialog_class_init (CrmGateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = crm_gate_dialog_dispose;
  object_class->finalize = crm_gate_dialog_finalize;
  window_class->close_request = crm_gate_dialog_close_request;

  /* The dialog closed: TRUE when the change set went through. */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  g_type_ensure (CRM_TYPE_FIELD_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-gate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, intro_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, reason_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, fields_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, result_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, result_row);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, task_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, next_text_row);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, next_due_button);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, next_type_row);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, attachment_group);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, attachment_row);
  gtk_widget_class_bind_template_child (widget_class, CrmGateDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, choose_file_clicked_cb);

  gtk_widget_class_install_action (widget_class, "gate.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "gate.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "gate.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "gate.apply", NULL);
}

static void
crm_gate_dialog_init (CrmGateDialog *self)
{
  self->reason_checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_date_button_set_show_time (self->next_due_button, TRUE);
  crm_date_button_set_date (self->next_due_button,
                            crm_time_now_ms () + CRM_MS_PER_DAY);
}

static CrmGateDialog *
new_dialog (GtkWindow    *parent,
            CrmContext   *context,
            CrmChangeset *changeset)
{
  CrmGateDialog *self = g_object_new (CRM_TYPE_GATE_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  self->changeset = crm_changeset_ref (changeset);
  return self;
}

static void
set_subject (CrmGateDialog *self)
{
  if (self->deal_id != NULL)
    {
      g_autoptr(JsonObject) deal = crm_store_dup_entity (crm_context_get_store (self->context),
                                                         "deal", self->deal_id);

      if (deal != NULL)
        adw_window_title_set_subtitle (self->window_title,
                                       json_object_get_string_member_with_default (deal, "title", ""));
    }
}

CrmGateDialog *
crm_gate_dialog_new (GtkWindow    *parent,
                     CrmContext   *context,
                     CrmChangeset *changeset,
                     const GError *error,
                     JsonObject   *refusal)
{
  CrmGateDialog *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (changeset != NULL, NULL);
  g_return_val_if_fail (error != NULL, NULL);

  self = new_dialog (parent, context, changeset);
  /* the deal of the change set, when the refusal does not name one */
  for (guint i = 0; i < crm_changeset_get_n_changes (changeset); i++)
    {
      CrmChange *change = crm_changeset_get_change (changeset, i);

      if (g_strcmp0 (change->entity, "deal") == 0 && self->deal_id == NULL)
        self->deal_id = g_strdup (change->entity_id);
      if (g_strcmp0 (change->entity, "task") == 0 && self->task_id == NULL)
        self->task_id = g_strdup (change->entity_id);
    }
  gtk_button_set_label (self->apply_button, _("_Continue"));
  show_refusal (self, error, refusal);
  set_subject (self);
  return self;
}

CrmGateDialog *
crm_gate_dialog_new_for_task (GtkWindow  *parent,
                              CrmContext *context,
                              const char *task_id)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) task = NULL;
  CrmGateDialog *self;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (task_id != NULL, NULL);

  change = crm_changeset_touch (changeset, "task", task_id);
  crm_change_set_bool (change, "done", TRUE);
  crm_change_set_int (change, "done_at", crm_context_now (context));

  self = new_dialog (parent, context, changeset);
  self->gate = g_strdup ("complete-task");
  self->task_id = g_strdup (task_id);
  task = crm_store_dup_entity (crm_context_get_store (context), "task", task_id);
  if (task != NULL)
    {
      self->deal_id = g_strdup (json_object_get_string_member_with_default (task, "deal", NULL));
      adw_window_title_set_subtitle (self->window_title,
                                     json_object_get_string_member_with_default (task, "text", ""));
      self->result_required = g_strcmp0 (json_object_get_string_member_with_default (task, "type", NULL),
                                         "call") == 0;
    }
  adw_window_title_set_title (self->window_title, _("Complete Task"));
  adw_preferences_group_set_description (self->intro_group,
                                         self->result_required
                                         ? _("A call is completed with its result.")
                                         : _("Say what came of it, and what is next."));
  gtk_widget_set_visible (GTK_WIDGET (self->result_group), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->task_group), self->deal_id != NULL);
  adw_preferences_group_set_title (self->task_group, _("Next Task (optional)"));
  gtk_button_set_label (self->apply_button, _("_Complete"));
  return self;
}

void
crm_gate_dialog_set_success_message (CrmGateDialog *self,
                                     const char    *message)
{
  g_return_if_fail (CRM_IS_GATE_DIALOG (self));
  g_free (self->success_message);
  self->success_message = g_strdup (message);
}

const char *
crm_gate_dialog_get_gate (CrmGateDialog *self)
{
  g_return_val_if_fail (CRM_IS_GATE_DIALOG (self), NULL);
  return self->gate;
}

gboolean
crm_gate_dialog_choose_reason (CrmGateDialog *self,
                               const char    *reason_name)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (CRM_IS_GATE_DIALOG (self), FALSE);

  g_hash_table_iter_init (&iter, self->reason_checks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (value), ADW_TYPE_ACTION_ROW);

      if (row != NULL &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), reason_name) == 0)
        {
          adw_action_row_activate (ADW_ACTION_ROW (row));
          return TRUE;
        }
    }
  return FALSE;
}

GtkWidget *
crm_gate_dialog_get_field_editor (CrmGateDialog *self,
                                  const char    *key)
{
  g_return_val_if_fail (CRM_IS_GATE_DIALOG (self), NULL);
  return crm_field_editor_find (GTK_WIDGET (self->fields_group), key);
}

void
crm_gate_dialog_set_result (CrmGateDialog *self,
                            const char    *result)
{
  g_return_if_fail (CRM_IS_GATE_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->result_row), result);
}

void
crm_gate_dialog_set_next_task (CrmGateDialog *self,
                               const char    *text,
                               gint64         due_ms)
{
  g_return_if_fail (CRM_IS_GATE_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->next_text_row), text);
  crm_date_button_set_date (self->next_due_button, due_ms);
}

const char *
crm_gate_dialog_get_message (CrmGateDialog *self)
{
  g_return_val_if_fail (CRM_IS_GATE_DIALOG (self), NULL);
  return gtk_label_get_label (self->message_label);
}
