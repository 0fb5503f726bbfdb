/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-actions.c — change sets built the way voronkactl builds them (deal move, tag
 * and contact links, task completion), applied through the gate dialog when refused. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-undo-actions.h"
#include "crm-error.h"
#include "crm-widget-util.h"

static GtkWindow *
parent_window (GtkWidget *widget)
{
  GtkRoot *root = widget != NULL ? gtk_widget_get_root (widget) : NULL;

  return root != NULL && GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static gboolean
is_gate_error (const GError *error)
{
  return error->domain == CRM_STORE_ERROR &&
         (error->code == CRM_STORE_ERROR_LOSS_REASON_REQUIRED ||
          error->code == CRM_STORE_ERROR_REQUIRED_FIELD ||
          error->code == CRM_STORE_ERROR_NEXT_TASK_REQUIRED ||
          error->code == CRM_STORE_ERROR_CALL_RESULT_REQUIRED ||
          error->code == CRM_STORE_ERROR_ATTACHMENT_REQUIRED);
}

gboolean
crm_apply_or_ask (GtkWidget      *widget,
                  CrmContext     *context,
                  CrmChangeset   *changeset,
                  const char     *success_message,
                  CrmGateDialog **out_dialog)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) refusal = NULL;
  CrmGateDialog *dialog;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), FALSE);

  if (out_dialog != NULL)
    *out_dialog = NULL;
  if (crm_context_apply (context, changeset, &error))
    {
      if (success_message != NULL)
        crm_undo_toast_show_last (widget, context, success_message);
      return TRUE;
    }
  if (!is_gate_error (error))
    {
      crm_widget_show_toast (widget, error->message);
      return FALSE;
    }

  refusal = crm_store_dup_refusal (crm_context_get_store (context));
  dialog = crm_gate_dialog_new (parent_window (widget), context, changeset, error, refusal);
  crm_gate_dialog_set_success_message (dialog, success_message);
  gtk_window_present (GTK_WINDOW (dialog));
  if (out_dialog != NULL)
    *out_dialog = dialog;
  return FALSE;
}

typedef struct {
  GtkWidget  *window;
  CrmContext *context;
  char       *deal_id;
} CloseOffer;

static void
close_offer_free (gpointer data,
                  GClosure *closure)
{
  CloseOffer *offer = data;

  g_clear_object (&offer->window);
  g_clear_object (&offer->context);
  g_free (offer->deal_id);
  g_free (offer);
}

static void
move_finished_cb (CrmGateDialog *dialog,
                  gboolean       applied,
                  CloseOffer    *offer)
{
  if (applied)
    crm_offer_close_tasks (offer->window, offer->context, offer->deal_id);
}

gboolean
crm_move_deal (GtkWidget      *widget,
               CrmContext     *context,
               const char     *deal_id,
               const char     *stage_id,
               CrmGateDialog **out_dialog)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autofree char *message = NULL;
  JsonObject *pipeline = NULL;
  JsonObject *stage;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), FALSE);

  if (out_dialog != NULL)
    *out_dialog = NULL;
  stage = crm_context_find_stage (context, stage_id, &pipeline);
  deal = crm_store_dup_entity (crm_context_get_store (context), "deal", deal_id);
  if (stage == NULL || deal == NULL)
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member_with_default (deal, "stage", NULL), stage_id) == 0)
    return TRUE;

  changeset = crm_changeset_new ();
  change = crm_changeset_touch (changeset, "deal", deal_id);
  crm_change_set_string (change, "stage", stage_id);
  crm_change_set_string (change, "pipeline", json_object_get_string_member (pipeline, "id"));
  crm_change_set_int (change, "stage_entered_at", crm_context_now (context));
  /* a reopened deal is no longer lost */
  if (g_strcmp0 (json_object_get_string_member_with_default (stage, "kind", NULL), "lost") != 0 &&
      json_object_get_string_member_with_default (deal, "loss_reason", NULL) != NULL)
    crm_change_set_null (change, "loss_reason");

  /* Translators: a deal moved: its title and the new stage */
  message = g_strdup_printf (_("«%s» moved to «%s»"),
                             json_object_get_string_member_with_default (deal, "title", ""),
                             json_object_get_string_member_with_default (stage, "name", ""));
  {
    CrmGateDialog *dialog = NULL;
    gboolean moved = crm_apply_or_ask (widget, context, changeset, message, &dialog);
    GtkWindow *window = parent_window (widget);

    /* a closed deal offers to close its open tasks (after the move's own toast) */
    if (moved)
      crm_offer_close_tasks (widget, context, deal_id);
    else if (dialog != NULL && window != NULL)
      {
        CloseOffer *offer = g_new0 (CloseOffer, 1);

        offer->window = g_object_ref (GTK_WIDGET (window));
        offer->context = g_object_ref (context);
        offer->deal_id = g_strdup (deal_id);
        g_signal_connect_data (dialog, "finished", G_CALLBACK (move_finished_cb), offer,
                               close_offer_free, 0);
      }
    if (out_dialog != NULL)
      *out_dialog = dialog;
    return moved;
  }
}

CrmGateDialog *
crm_complete_task (GtkWidget  *widget,
                   CrmContext *context,
                   const char *task_id)
{
  CrmGateDialog *dialog;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  dialog = crm_gate_dialog_new_for_task (parent_window (widget), context, task_id);
  crm_gate_dialog_set_success_message (dialog, _("Task completed"));
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

gboolean
crm_set_deal_link (GtkWidget  *widget,
                   CrmContext *context,
                   const char *kind,
                   const char *deal_id,
                   const char *other_id,
                   gboolean    present)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  const char *other_field = g_str_equal (kind, "deal_tag") ? "tag" : "contact";

  crm_changeset_set_link (changeset, kind, "deal", deal_id, other_field, other_id, present);
  return crm_apply_or_ask (widget, context, changeset, NULL, NULL);
}

CrmChange *
crm_add_task_change (CrmChangeset *changeset,
                     CrmContext   *context,
                     const char   *task_id,
                     const char   *deal_id,
                     const char   *text,
                     const char   *type,
                     gboolean      has_due,
                     gint64        due_ms)
{
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  change = crm_changeset_create (changeset, "task", task_id);
  crm_change_set_string (change, "deal", deal_id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", type);
  if (has_due)
    crm_change_set_int (change, "due", due_ms);
  if (crm_context_get_user_id (context) != NULL)
    crm_change_set_string (change, "responsible", crm_context_get_user_id (context));
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "created_at", crm_context_now (context));
  return change;
}

void
crm_task_change_set_due (CrmChange     *change,
                         CrmDateButton *due_button,
                         gboolean       new_task)
{
  gboolean has_time = crm_date_button_get_has_time (due_button);
  gint64 due = 0;

  if (crm_date_button_get_date (due_button, &due))
    {
      crm_change_set_int (change, "due", due);
      /* a new task says so only when it has a time: an old replica reads it as before */
      if (has_time || !new_task)
        crm_change_set_bool (change, "due_has_time", has_time);
    }
  else if (!new_task)
    crm_change_set_null (change, "due");
}
