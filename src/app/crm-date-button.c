/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-date-button.c — a GtkMenuButton with a GtkCalendar popover; "changed" is emitted
 * when the person picks or clears a date (not when the program sets one). With
 * crm_date_button_set_show_time() the popover also takes an optional time of day («14:30»,
 * local): a date with a time is that exact moment; a date without one keeps the old
 * meaning (the UTC day, at the kept time of day). */
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
  gboolean       show_time;
  gboolean       has_time;     /* date_ms is a local time the person chose */

  GtkMenuButton *button;
  GtkPopover    *popover;
  GtkCalendar   *calendar;
  GtkWidget     *clear_button;
  GtkWidget     *time_box;
  GtkEntry      *time_entry;
};

G_DEFINE_FINAL_TYPE (CrmDateButton, crm_date_button, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The day the value falls on: the local day of a moment with a time, the UTC day of
 * a date without one. */
static GDateTime *
value_day (CrmDateButton *self)
{
  if (self->has_time)
    return g_date_time_new_from_unix_local (self->date_ms / 1000);
  return g_date_time_new_from_unix_utc (self->date_ms / 1000);
}

static void
update_label (CrmDateButton *self)
{
  if (self->has_date)
    {
      g_autoptr(GDateTime) dt = value_day (self);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *text = NULL;

      /* the day as chosen; the year only when it is not this one */
      if (dt != NULL)
        text = crm_format_day (dt, g_date_time_get_year (dt) != g_date_time_get_year (now));
      if (text != NULL && self->has_time)
        {
          g_autofree char *hm = g_date_time_format (dt, "%H:%M");
          g_autofree char *day = g_strstrip (g_steal_pointer (&text));

          /* Translators: a due date with its time: «Завтра, 14:30», «12 дек, 09:00» */
          text = g_strdup_printf (C_("day and time", "%s, %s"), day, hm);
        }
      gtk_menu_button_set_label (self->button, text != NULL ? g_strstrip (text) : "?");
    }
  else
    gtk_menu_button_set_label (self->button, _("No date"));
}

static void
set_date_internal (CrmDateButton *self,
                   gboolean       has_date,
                   gint64         ms,
                   gboolean       has_time,
                   gboolean       by_user)
{
  self->has_date = has_date;
  self->date_ms = ms;
  self->has_time = has_date && has_time;
  if (has_date && !self->has_time)
    self->time_of_day = ((ms % CRM_MS_PER_DAY) + CRM_MS_PER_DAY) % CRM_MS_PER_DAY;
  update_label (self);
  if (by_user)
    g_signal_emit (self, signals[CHANGED], 0);
}

/* "14:30", "9:05", "14.30" or "14" → minutes after midnight; -1 for an empty entry,
 * -2 for something else. */
static int
parse_time (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  guint64 hours = 0, minutes = 0;
  char *end = NULL;

  if (*stripped == '\0')
    return -1;
  if (!g_ascii_isdigit (*stripped))
    return -2;
  hours = g_ascii_strtoull (stripped, &end, 10);
  if (end - stripped > 2)
    return -2;
  if (*end == ':' || *end == '.')
    {
      const char *start = end + 1;

      if (!g_ascii_isdigit (*start))
        return -2;
      minutes = g_ascii_strtoull (start, &end, 10);
      if (end - start != 2)
        return -2;
    }
  if (*end != '\0' || hours > 23 || minutes > 59)
    return -2;
  return (int) (hours * 60 + minutes);
}

/* The time the entry holds (-1: none); FALSE, with the entry marked, when it holds
 * something that is not a time. */
static gboolean
entry_time (CrmDateButton *self,
            int           *out_minutes)
{
  int minutes = -1;

  if (self->show_time)
    minutes = parse_time (gtk_editable_get_text (GTK_EDITABLE (self->time_entry)));
  if (minutes == -2)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->time_entry), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->time_entry));
      return FALSE;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->time_entry), "error");
  *out_minutes = minutes;
  return TRUE;
}

/* Midnight UTC of the calendar's day plus the kept time of day or, with a time in the
 * entry, that local time of the day. */
static void
pick_day (CrmDateButton *self,
          GDateTime     *day)
{
  int minutes = -1;

  if (!entry_time (self, &minutes))
    return;
  if (minutes >= 0)
    {
      g_autoptr(GDateTime) local = g_date_time_new_local (g_date_time_get_year (day),
                                                          g_date_time_get_month (day),
                                                          g_date_time_get_day_of_month (day),
                                                          minutes / 60, minutes % 60, 0);

      set_date_internal (self, TRUE, g_date_time_to_unix (local) * 1000, TRUE, TRUE);
    }
  else
    {
      g_autoptr(GDateTime) midnight = g_date_time_new_utc (g_date_time_get_year (day),
                                                           g_date_time_get_month (day),
                                                           g_date_time_get_day_of_month (day),
                                                           0, 0, 0);

      set_date_internal (self, TRUE, g_date_time_to_unix (midnight) * 1000 + self->time_of_day,
                         FALSE, TRUE);
    }
  gtk_popover_popdown (self->popover);
}

/* Typing again clears the mark of a wrong time. */
static void
time_changed_cb (CrmDateButton *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->time_entry), "error");
}

/* Enter in the time entry: the chosen day (or today when none) at that time. */
static void
time_activate_cb (CrmDateButton *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->calendar);

  pick_day (self, day);
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
  set_date_internal (self, FALSE, 0, FALSE, TRUE);
  gtk_popover_popdown (self->popover);
}

static void
popover_show_cb (CrmDateButton *self)
{
  g_autoptr(GDateTime) shown = NULL;

  if (self->has_date)
    {
      g_autoptr(GDateTime) day = value_day (self);

      shown = g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                     g_date_time_get_day_of_month (day), 12, 0, 0);
    }
  else
    shown = g_date_time_new_now_local ();
  g_signal_handlers_block_by_func (self->calendar, day_selected_cb, self);
  gtk_calendar_select_day (self->calendar, shown);
  g_signal_handlers_unblock_by_func (self->calendar, day_selected_cb, self);

  if (self->has_time)
    {
      g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (self->date_ms / 1000);
      g_autofree char *hm = g_date_time_format (local, "%H:%M");

      gtk_editable_set_text (GTK_EDITABLE (self->time_entry), hm);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->time_entry), "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->time_entry), "error");
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
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, time_box);
  gtk_widget_class_bind_template_child (widget_class, CrmDateButton, time_entry);
  gtk_widget_class_bind_template_callback (widget_class, time_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, time_changed_cb);
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
  set_date_internal (self, TRUE, ms, FALSE, FALSE);
}

void
crm_date_button_set_date_time (CrmDateButton *self,
                               gint64         ms,
                               gboolean       has_time)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  set_date_internal (self, TRUE, ms, has_time, FALSE);
}

gboolean
crm_date_button_get_has_time (CrmDateButton *self)
{
  g_return_val_if_fail (CRM_IS_DATE_BUTTON (self), FALSE);
  return self->has_date && self->has_time;
}

void
crm_date_button_set_show_time (CrmDateButton *self,
                               gboolean       show_time)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  self->show_time = show_time;
  gtk_widget_set_visible (self->time_box, show_time);
}

void
crm_date_button_clear (CrmDateButton *self)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  set_date_internal (self, FALSE, 0, FALSE, FALSE);
}

void
crm_date_button_set_can_clear (CrmDateButton *self,
                               gboolean       can_clear)
{
  g_return_if_fail (CRM_IS_DATE_BUTTON (self));
  gtk_widget_set_visible (self->clear_button, can_clear);
}
