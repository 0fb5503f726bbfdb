/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-date-button.c — a GtkMenuButton with a GtkCalendar popover; "changed" is emitted
 * when the person picks or clears a date (not when the program sets one). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-date-button.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmDateButton
{
  GtkWidget      parent_instance;

  gboolean       has_date;
  gint64         date_ms;
  gint64         time_of_day;  /* ms after midnight UTC kept across picks */

  GtkMenuButton *button;
  GtkPopover    *popover;
  GtkCalendar   *calendar;
  GtkWidget     *clear_button;
};

G_DEFINE_FINAL_TYPE (CrmDateButton, crm_date_button, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_label (CrmDateButton *self)
{
  if (self->has_date)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (self->date_ms / 1000);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *text = NULL;

      /* the day as chosen (UTC calendar day); the year only when it is not this one */
      if (dt != NULL)
        text = crm_format_day (dt, g_date_time_get_year (dt) != g_date_time_get_year (now));
      gtk_menu_button_set_label (self->button, text != NULL ? g_strstrip (text) : "?");
    }
  else
    gtk_menu_button_set_label (self->button, _("No date"));
}

static void
set_date_internal (CrmDateButton *self,
                   gboolean       has_date,
                   gint64         ms,
                   gboolean       by_user)
{
  self->has_date = has_date;
  self->date_ms = ms;
  if (has_date)
    self->time_of_day = ((ms % CRM_MS_PER_DAY) + CRM_MS_PER_DAY) % CRM_MS_PER_DAY;
  update_label (self);
  if (by_user)
    g_signal_emit (self, signals[CHANGED], 0);
}

/* Midnight UTC of the calendar's day plus the kept time of day. */
static void
pick_day (CrmDateButton *self,
          GDateTime     *day)
{
  g_autoptr(GDateTime) midnight = g_date_time_new_utc (g_date_time_get_year (day),
                                                       g_date_time_get_month (day),
                                                       g_date_time_get_day_of_month (day),
                                                       0, 0, 0);

  set_date_internal (self, TRUE, g_date_time_to_unix (midnight) * 1000 + self->time_of_day, TRUE);
  gtk_popover_popdown (self->popover);
}

static void
day_selected_cb (CrmDateButton *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->calendar);

  pick_day (self, day);
}

static void
pick_offset (CrmDateButton *self,
             int            days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) day = g_date_time_add_days (now, days);

  pick_day (self, day);
}

static void
today_clicked_cb (CrmDateButton *self)
{
  pick_offset (self, 0);
}

static void
tomorrow_clicked_cb (CrmDateButton *self)
{
  pick_offset (self, 1);
}

static void
week_clicked_cb (CrmDateButton *self)
{
  pick_offset (self, 7);
}

static void
clear_clicked_cb (CrmDateButton *self)
{
  set_date_internal (self, FALSE, 0, TRUE);
  gtk_popover_popdown (self->popover);
}

static void
popover_show_cb (CrmDateButton *self)
{
  g_autoptr(GDateTime) shown = NULL;

  if (self->has_date)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (self->date_ms / 1000);

      shown = g_date_time_new_local (g_date_time_get_year (utc), g_date_time_get_month (utc),
                                     g_date_time_get_day_of_month (utc), 12, 0, 0);
    }
  else
    shown = g_date_time_new_now_local ();
  g_signal_handlers_block_by_func (self->calendar, day_selected_cb, self);
  gtk_calendar_select_day (self->calendar, shown);
  g_signal_handlers_unblock_by_func (self->calendar, day_selected_cb, self);
}

static void
crm_date_button_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_DATE_BUTTON);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_date_button_parent_class)->dispose (object);
}

static void
crm_date_button_class_init (CrmDateButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_date_button_dispose;

  /* The person picked or cleared a date. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-date-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, button);
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, popover);
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, calendar);
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, clear_button);
  gtk_widget_class_bind_template_callback (widget_class, day_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, today_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, tomorrow_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, week_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, popover_show_cb);
}

static void
crm_date_button_init (CrmDateButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->time_of_day = 9 * 60 * CRM_MS_PER_MINUTE;  /* a new date: 09:00 UTC */
  update_label (self);
}

GtkWidget *
crm_date_button_new (void)
{
  return g_object_new (CRM_TYPE_DATE_BUTTON, NULL);
}

gboolean
crm_date_button_get_date (CrmDateButton *self,
                          gint64        *out_ms)
{
  g_return_val_if_fail (CRM_IS_DATE_BUTTON (self), FALSE);
  if (self->has_date && out_ms != NULL)
    *out_ms = self->date_ms;
  return self->has_date;
}

void
crm_date_button_set_date (CrmDateButton *self,
                          gint64         ms)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  set_date_internal (self, TRUE, ms, FALSE);
}

void
crm_date_button_clear (CrmDateButton *self)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  set_date_internal (self, FALSE, 0, FALSE);
}

void
crm_date_button_set_can_clear (CrmDateButton *self,
                               gboolean       can_clear)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  gtk_widget_set_visible (self->clear_button, can_clear);
}
