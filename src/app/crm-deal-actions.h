/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-actions.h — the writes views share: apply a change set and, when a gate
 * refuses it, ask for what is missing; move a deal to a stage; add or complete a task. */
#pragma once

#include <gtk/gtk.h>

#include "crm-date-button.h"

#include "crm-context.h"
#include "crm-gate-dialog.h"

G_BEGIN_DECLS

/* Applies @changeset as the current user. A gate's refusal opens the gate dialog over
 * @widget's window (returned in @out_dialog when not NULL): the change goes through when
 * it is filled in, or nothing changes. Any other error is shown as a toast. TRUE when
 * the change set was applied right away; @success_message is toasted then, or when the
 * dialog completes it. */
gboolean  crm_apply_or_ask     (GtkWidget      *widget,
                                CrmContext     *context,
                                CrmChangeset   *changeset,
                                const char     *success_message,
                                CrmGateDialog **out_dialog);

/* Moves a deal to @stage_id (in that stage's pipeline), through crm_apply_or_ask(). */
gboolean  crm_move_deal        (GtkWidget      *widget,
                                CrmContext     *context,
                                const char     *deal_id,
                                const char     *stage_id,
                                CrmGateDialog **out_dialog);

/* Opens "Complete task" (result, optional next task) for @task_id. */
CrmGateDialog *crm_complete_task (GtkWidget  *widget,
                                  CrmContext *context,
                                  const char *task_id);

/* Adds to @changeset a new open task @task_id of @type on @deal_id, for the current user
 * and created now; due at @due_ms when @has_due. */
CrmChange *crm_add_task_change (CrmChangeset *changeset,
                                CrmContext   *context,
                                const char   *task_id,
                                const char   *deal_id,
                                const char   *text,
                                const char   *type,
                                gboolean      has_due,
                                gint64        due_ms);

/* Writes the due date @due_button shows into a task's @change: "due", and
 * "due_has_time" when a time of day was chosen («Завтра, 14:30»). A @new_task without a
 * date or time writes neither; a rescheduled one writes both (a cleared date: null). */
void      crm_task_change_set_due (CrmChange     *change,
                                   CrmDateButton *due_button,
                                   gboolean       new_task);

/* Adds (@present) or removes a tag or a contact of a deal. */
gboolean  crm_set_deal_link    (GtkWidget  *widget,
                                CrmContext *context,
                                const char *kind,
                                const char *deal_id,
                                const char *other_id,
                                gboolean    present);

G_END_DECLS
