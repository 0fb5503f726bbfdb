/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-date-button.h — a button that shows a date and picks one from a calendar
 * (with Today, Tomorrow, In a Week and Clear). Dates are UTC milliseconds at midnight
 * UTC of the chosen day plus the time of day the old value had, so rescheduling a task
 * keeps its hour. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_DATE_BUTTON (crm_date_button_get_type ())
G_DECLARE_FINAL_TYPE (CrmDateButton, crm_date_button, CRM, DATE_BUTTON, GtkWidget)

GtkWidget  *crm_date_button_new        (void);
/* FALSE when no date is set. */
gboolean    crm_date_button_get_date   (CrmDateButton *self,
                                        gint64        *out_ms);
void        crm_date_button_set_date   (CrmDateButton *self,
                                        gint64         ms);
/* A moment with a time of day the person chose (shown «Завтра, 14:30»), or a date
 * without one when !@has_time (as crm_date_button_set_date). */
void        crm_date_button_set_date_time (CrmDateButton *self,
                                           gint64         ms,
                                           gboolean       has_time);
/* Whether the date carries a time of day (only with crm_date_button_set_show_time). */
gboolean    crm_date_button_get_has_time  (CrmDateButton *self);
/* Offers an optional time of day in the popover (tasks: «в 14:30»). */
void        crm_date_button_set_show_time (CrmDateButton *self,
                                           gboolean       show_time);
void        crm_date_button_clear      (CrmDateButton *self);
/* Whether the popover offers "Clear" (a required date does not). */
void        crm_date_button_set_can_clear (CrmDateButton *self,
                                           gboolean       can_clear);

G_END_DECLS
