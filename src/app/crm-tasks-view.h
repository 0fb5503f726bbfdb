/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-tasks-view.h — the current user's open tasks: overdue, today, upcoming. Managers
 * can look at a colleague's. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-task-row.h"

G_BEGIN_DECLS

#define CRM_TYPE_TASKS_VIEW (crm_tasks_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmTasksView, crm_tasks_view, CRM, TASKS_VIEW, GtkWidget)

/* Whose tasks to show (NULL: the current user's). */
void        crm_tasks_view_set_user    (CrmTasksView *self,
                                        const char   *user_id);
/* Rows in a section: "overdue", "today", "upcoming". */
guint       crm_tasks_view_get_n_tasks (CrmTasksView *self,
                                        const char   *section);
CrmTaskRow *crm_tasks_view_find_row    (CrmTasksView *self,
                                        const char   *task_id);
CrmTaskRow *crm_tasks_view_get_row     (CrmTasksView *self,
                                        const char   *section,
                                        guint         index);

G_END_DECLS
