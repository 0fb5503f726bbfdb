/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-task-dialog.h — a task from the header's «+» on Tasks: what to do, call,
 * meeting or task, when, who does it, and a deal it is for — or none (a call to make,
 * a visit). */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_NEW_TASK_DIALOG (crm_new_task_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmNewTaskDialog, crm_new_task_dialog, CRM, NEW_TASK_DIALOG, AdwWindow)

CrmNewTaskDialog *crm_new_task_dialog_new      (GtkWindow  *parent,
                                                CrmContext *context);
/* The deal picked (NULL: none). */
void              crm_new_task_dialog_set_deal (CrmNewTaskDialog *self,
                                                const char       *deal_id);
const char       *crm_new_task_dialog_get_deal (CrmNewTaskDialog *self);
/* Who will do it: the current user unless an administrator or a manager chose another. */
void              crm_new_task_dialog_set_responsible (CrmNewTaskDialog *self,
                                                       const char       *user_id);
const char       *crm_new_task_dialog_get_responsible (CrmNewTaskDialog *self);
/* Types @text and adds the task without closing (tests). Returns its id, or NULL with
 * the dialog showing what is wrong. */
char             *crm_new_task_dialog_create   (CrmNewTaskDialog *self,
                                                const char       *text);

G_END_DECLS
