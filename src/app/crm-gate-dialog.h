/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-gate-dialog.h — what a refused change set needs before it can go through: a loss
 * reason from the pipeline's list, the required fields, the next task, a call's result
 * or a file. Filling it in and pressing the button applies the same change set with the
 * answers added; Cancel changes nothing. It also completes a task with its result. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-op.h"

G_BEGIN_DECLS

#define CRM_TYPE_GATE_DIALOG (crm_gate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmGateDialog, crm_gate_dialog, CRM, GATE_DIALOG, AdwWindow)

/* For @changeset refused with @error (a CRM_STORE_ERROR gate) and the store's
 * @refusal details (crm_store_dup_refusal). */
CrmGateDialog *crm_gate_dialog_new            (GtkWindow    *parent,
                                               CrmContext   *context,
                                               CrmChangeset *changeset,
                                               const GError *error,
                                               JsonObject   *refusal);
/* "Complete task": the result, and optionally the next task on the same deal. */
CrmGateDialog *crm_gate_dialog_new_for_task   (GtkWindow    *parent,
                                               CrmContext   *context,
                                               const char   *task_id);

/* The toast shown when the change went through. */
void           crm_gate_dialog_set_success_message (CrmGateDialog *self,
                                                    const char    *message);
/* The gate being asked about ("loss-reason-required", "required-field",
 * "next-task-required", "call-result-required", "attachment-required") or
 * "complete-task". */
const char    *crm_gate_dialog_get_gate       (CrmGateDialog *self);

/* Answering from code, through the same widgets a person uses (tests, keyboard). */
gboolean       crm_gate_dialog_choose_reason  (CrmGateDialog *self,
                                               const char    *reason_name);
GtkWidget     *crm_gate_dialog_get_field_editor (CrmGateDialog *self,
                                                 const char    *key);
void           crm_gate_dialog_set_result     (CrmGateDialog *self,
                                               const char    *result);
void           crm_gate_dialog_set_next_task  (CrmGateDialog *self,
                                               const char    *text,
                                               gint64         due_ms);
/* The message shown after a failed attempt, or "". */
const char    *crm_gate_dialog_get_message    (CrmGateDialog *self);

G_END_DECLS
