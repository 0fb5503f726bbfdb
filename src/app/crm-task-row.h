/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-task-row.h — a task with its checklist: complete it (with a result), tick items,
 * reschedule it; optionally a button to its deal. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CRM_TYPE_TASK_ROW (crm_task_row_get_type ())
G_DECLARE_FINAL_TYPE (CrmTaskRow, crm_task_row, CRM, TASK_ROW, GtkListBoxRow)

/* @task: the task shape of crm_query_tasks(). @show_deal: name the deal and offer a
 * button to open it (lists of tasks from many deals). */
CrmTaskRow *crm_task_row_new         (JsonObject *task,
                                      gboolean    show_deal,
                                      gint64      now_ms);
const char *crm_task_row_get_task_id (CrmTaskRow *self);
/* The line under the text: kind, deal, client, who (as shown). */
const char *crm_task_row_get_detail  (CrmTaskRow *self);
const char *crm_task_row_get_text    (CrmTaskRow *self);

G_END_DECLS
