/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schedule-view.h — «График»: the work schedules of a group (or everyone) as a week
 * grid, people by days, today marked; the week before and after; who is on shift now,
 * per group. Heads and admins change a person's day in a popover (a shift's hours, a day
 * off, or back to the usual week), written through crm_schedule_set_day(). */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SCHEDULE_VIEW (crm_schedule_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmScheduleView, crm_schedule_view, CRM, SCHEDULE_VIEW, GtkWidget)

/* Shows the week that holds @date (YYYY-MM-DD; NULL: this week). */
void        crm_schedule_view_set_week         (CrmScheduleView *self,
                                                const char      *date);
/* The Monday of the week shown (YYYY-MM-DD). */
const char *crm_schedule_view_get_monday       (CrmScheduleView *self);
/* Narrows the grid to @group (NULL: everyone). */
void        crm_schedule_view_set_group        (CrmScheduleView *self,
                                                const char      *group);
/* The people in the grid, and who of them is on shift now (the list's people). */
guint       crm_schedule_view_get_n_people     (CrmScheduleView *self);
guint       crm_schedule_view_get_n_on_shift   (CrmScheduleView *self);
/* The grid's cell of @user_id on @day (0 = Monday … 6), or NULL: a GtkMenuButton for
 * those who may change it, else a GtkLabel. */
GtkWidget  *crm_schedule_view_get_cell         (CrmScheduleView *self,
                                                const char      *user_id,
                                                guint            day);
/* What the cell says ("09:00–18:00", "Day off", "—"). */
const char *crm_schedule_view_get_cell_text    (CrmScheduleView *self,
                                                const char      *user_id,
                                                guint            day);
/* "week" or "empty": the page shown. */
const char *crm_schedule_view_get_state        (CrmScheduleView *self);

G_END_DECLS
