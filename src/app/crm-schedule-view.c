/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schedule-view.c — the week grid of work schedules and who is on shift now, read
 * through crm_schedule_week_grid() and crm_schedule_now() (a handful of users, a few
 * queries each: read on the main loop); a day changed by a head through
 * crm_schedule_set_day(). Dates are the account's local days (its time zone). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <stdio.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-json.h"
#include "crm-schedule.h"
#include "crm-schedule-view.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmScheduleView
{
  GtkWidget       parent_instance;

  CrmContext     *context;
  gboolean        updating;
  gboolean        show_anyway;      /* the grid although nobody has a schedule */
  char           *monday;           /* YYYY-MM-DD; NULL: this week */
  char           *group;            /* NULL: everyone */
  GPtrArray      *group_ids;        /* the dropdown's groups; index 0 is everyone (NULL) */
  GHashTable     *cells;            /* "user_id/day" → GtkWidget (borrowed, in the grid) */
  GHashTable     *cell_texts;       /* "user_id/day" → text */
  guint           n_people;
  guint           n_on_shift;

  GtkStack       *stack;
  GtkLabel       *week_label;
  GtkDropDown    *group_dropdown;
  GtkStringList  *group_names;
  GtkGrid        *week_grid;
  GtkListBox     *now_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmScheduleView, crm_schedule_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static const char *const weekdays[] = {
  NC_("weekday", "Mon"), NC_("weekday", "Tue"), NC_("weekday", "Wed"), NC_("weekday", "Thu"),
  NC_("weekday", "Fri"), NC_("weekday", "Sat"), NC_("weekday", "Sun"),
};

static gboolean
date_from_text (const char *text,
                GDate      *out)
{
  int y, m, d;

  g_date_clear (out, 1);
  if (text == NULL || sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3 || !g_date_valid_dmy (d, m, y))
    return FALSE;
  g_date_set_dmy (out, d, m, y);
  return TRUE;
}

static char *
date_to_text (const GDate *date)
{
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

/* "9 Mar" for a local day (no zone change: the day is the account's already). */
static char *
format_date_text (const char *text,
                  gboolean    with_year)
{
  GDate date;
  g_autoptr(GDateTime) dt = NULL;

  if (!date_from_text (text, &date))
    return g_strdup (text != NULL ? text : "");
  dt = g_date_time_new_utc (g_date_get_year (&date), g_date_get_month (&date),
                            g_date_get_day (&date), 12, 0, 0);
  return crm_format_day (dt, with_year);
}

static char *
dup_today (CrmScheduleView *self)
{
  return crm_schedule_dup_local_date (crm_context_get_store (self->context),
                                      crm_context_now (self->context));
}

/* The Monday of the week shown. */
static char *
dup_monday (CrmScheduleView *self)
{
  g_autofree char *today = NULL;
  GDate date;

  if (self->monday != NULL)
    return g_strdup (self->monday);
  today = dup_today (self);
  if (!date_from_text (today, &date))
    return g_steal_pointer (&today);
  g_date_subtract_days (&date, g_date_get_weekday (&date) - G_DATE_MONDAY);
  return date_to_text (&date);
}

/* "18:00" for an ISO 8601 UTC time, in the account's zone. */
static char *
format_until (CrmStore   *store,
              const char *iso)
{
  g_autofree char *zone = crm_schedule_dup_zone (store);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr(GTimeZone) utc_zone = g_time_zone_new_utc ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint64 ms;

  if (iso == NULL || !crm_time_parse (iso, &ms))
    return g_strdup ("");
  utc = g_date_time_new_from_unix_utc (ms / 1000);
  local = g_date_time_to_timezone (utc, tz != NULL ? tz : utc_zone);
  return g_date_time_format (local, "%H:%M");
}

/* ---- the popover of a day ---- */

typedef struct {
  CrmScheduleView *view;
  char            *user_id;
  char            *user_name;
  char            *date;
  char            *hours;        /* what the day says now, "09:00-18:00+…", or NULL */
  gboolean         has_exception;
  GtkWidget       *popover;
  GtkEntry        *entry;
  GtkLabel        *error_label;
} DayEdit;

static void
day_edit_free (DayEdit *edit)
{
  g_free (edit->user_id);
  g_free (edit->user_name);
  g_free (edit->date);
  g_free (edit->hours);
  g_free (edit);
}

static void
write_day (DayEdit        *edit,
           CrmScheduleDay  kind)
{
  CrmScheduleView *self = edit->view;
  g_autoptr(GError) error = NULL;
  const char *hours = kind == CRM_SCHEDULE_DAY_SHIFT ? gtk_editable_get_text (GTK_EDITABLE (edit->entry))
                                                     : NULL;
  const char *message;

  if (!crm_schedule_set_day (crm_context_get_store (self->context),
                             crm_context_get_user_id (self->context), edit->user_id, edit->date,
                             kind, hours, NULL, &error))
    {
      /* the popover stays open with what was typed, saying what to change */
      gtk_label_set_text (edit->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (edit->error_label), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (edit->entry));
      return;
    }
  message = kind == CRM_SCHEDULE_DAY_SHIFT ? _("Shift saved")
            : kind == CRM_SCHEDULE_DAY_OFF ? _("Day off saved")
            : _("The day follows the usual week again");
  gtk_popover_popdown (GTK_POPOVER (edit->popover));
  crm_widget_show_toast (GTK_WIDGET (self), message);
  crm_context_notify_changed (self->context);
}

static void
set_shift_cb (GtkWidget *widget,
              DayEdit   *edit)
{
  write_day (edit, CRM_SCHEDULE_DAY_SHIFT);
}

static void
set_off_cb (GtkButton *button,
            DayEdit   *edit)
{
  write_day (edit, CRM_SCHEDULE_DAY_OFF);
}

static void
set_usual_cb (GtkButton *button,
              DayEdit   *edit)
{
  write_day (edit, CRM_SCHEDULE_DAY_USUAL);
}

static void
create_day_popover_cb (GtkMenuButton *button,
                       gpointer       user_data)
{
  DayEdit *edit = g_object_get_data (G_OBJECT (button), "day-edit");
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *heading, *label, *entry, *error_label, *buttons, *shift, *off, *usual;
  g_autofree char *day = format_date_text (edit->date, FALSE);
  g_autofree char *title = g_strdup_printf ("%s · %s", edit->user_name, day);

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  heading = gtk_label_new (title);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_box_append (GTK_BOX (box), heading);

  label = gtk_label_new_with_mnemonic (_("Shift _hours"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  entry = gtk_entry_new ();
  /* Translators: an example of a shift's hours; "+" joins two shifts of one day */
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("09:00-18:00"));
  gtk_editable_set_text (GTK_EDITABLE (entry), edit->hours != NULL ? edit->hours : "");
  gtk_widget_set_tooltip_text (entry, _("Hours like 09:00-18:00; a shift through midnight "
                                        "ends the next day (20:00-04:00); two shifts are "
                                        "joined with +"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_box_append (GTK_BOX (box), entry);

  error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (error_label), 32);
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_add_css_class (error_label, "error");
  gtk_widget_set_visible (error_label, FALSE);
  gtk_box_append (GTK_BOX (box), error_label);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  shift = gtk_button_new_with_mnemonic (_("Set _Shift"));
  gtk_widget_add_css_class (shift, "suggested-action");
  off = gtk_button_new_with_mnemonic (_("_Day Off"));
  usual = gtk_button_new_with_mnemonic (_("_Usual Week"));
  gtk_widget_set_tooltip_text (usual, _("Drop what was set for this day: the person's weekly "
                                        "shifts count again"));
  gtk_widget_set_sensitive (usual, edit->has_exception);
  gtk_box_append (GTK_BOX (buttons), shift);
  gtk_box_append (GTK_BOX (buttons), off);
  gtk_box_append (GTK_BOX (buttons), usual);
  gtk_box_append (GTK_BOX (box), buttons);

  edit->popover = popover;
  edit->entry = GTK_ENTRY (entry);
  edit->error_label = GTK_LABEL (error_label);
  g_signal_connect (entry, "activate", G_CALLBACK (set_shift_cb), edit);
  g_signal_connect (shift, "clicked", G_CALLBACK (set_shift_cb), edit);
  g_signal_connect (off, "clicked", G_CALLBACK (set_off_cb), edit);
  g_signal_connect (usual, "clicked", G_CALLBACK (set_usual_cb), edit);
  gtk_popover_set_default_widget (GTK_POPOVER (popover), shift);
  gtk_menu_button_set_popover (button, popover);
}

/* ---- the grid ---- */

static void
clear_grid (CrmScheduleView *self)
{
  GtkWidget *child;

  g_hash_table_remove_all (self->cells);
  g_hash_table_remove_all (self->cell_texts);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->week_grid))) != NULL)
    gtk_grid_remove (self->week_grid, child);
}

static char *
cell_text (JsonObject *day,
           gboolean    has_schedule)
{
  const char *hours = json_object_get_string_member_with_default (day, "hours", NULL);
  const char *exception = json_object_get_string_member_with_default (day, "exception", NULL);
  const char *reason = json_object_get_string_member_with_default (day, "reason", NULL);

  if (hours != NULL)
    return g_strdup (hours);
  if (g_strcmp0 (exception, "off") == 0 && reason != NULL)
    return g_strdup (reason);
  if (has_schedule)
    /* Translators: a cell of the week grid: no shift that day */
    return g_strdup (_("day off"));
  return g_strdup ("—");
}

/* A day of @person; @editable: the user oversees their work (crm_context_get_team()). */
static GtkWidget *
day_cell (CrmScheduleView *self,
          JsonObject      *person,
          JsonObject      *day,
          const char      *today,
          guint            index,
          gboolean         editable)
{
  const char *user_id = json_object_get_string_member (person, "user_id");
  const char *name = json_object_get_string_member_with_default (person, "user", "");
  const char *date = json_object_get_string_member (day, "date");
  const char *exception = json_object_get_string_member_with_default (day, "exception", NULL);
  const char *hours = json_object_get_string_member_with_default (day, "hours", NULL);
  gboolean has_schedule = json_object_get_boolean_member_with_default (person, "has_schedule", FALSE);
  g_autofree char *text = cell_text (day, has_schedule);
  g_autofree char *date_text = format_date_text (date, FALSE);
  g_autofree char *tooltip = NULL;
  GtkWidget *cell, *label;

  if (g_strcmp0 (exception, "shift") == 0)
    tooltip = g_strdup_printf (_("%s, %s: %s (a one-off shift)"), name, date_text, text);
  else if (g_strcmp0 (exception, "off") == 0)
    tooltip = g_strdup_printf (_("%s, %s: days off from %s to %s"), name, date_text,
                               json_object_get_string_member_with_default (day, "from", ""),
                               json_object_get_string_member_with_default (day, "to", ""));
  else
    tooltip = g_strdup_printf ("%s, %s: %s", name, date_text, text);

  label = gtk_label_new (text);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 9);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 12);
  gtk_widget_add_css_class (label, "caption");
  if (editable)
    {
      DayEdit *edit = g_new0 (DayEdit, 1);
      g_autofree char *stored = hours != NULL ? g_strdup (hours) : NULL;

      if (stored != NULL)
        {
          /* "09:00–18:00, 20:00–23:00" as it is typed: "09:00-18:00+20:00-23:00" */
          g_auto(GStrv) parts = g_strsplit (stored, ", ", -1);
          g_autofree char *joined = g_strjoinv ("+", parts);
          g_auto(GStrv) dashes = g_strsplit (joined, "–", -1);

          g_free (stored);
          stored = g_strjoinv ("-", dashes);
        }
      edit->view = self;
      edit->user_id = g_strdup (user_id);
      edit->user_name = g_strdup (name);
      edit->date = g_strdup (date);
      edit->hours = g_steal_pointer (&stored);
      edit->has_exception = exception != NULL;
      cell = gtk_menu_button_new ();
      gtk_menu_button_set_child (GTK_MENU_BUTTON (cell), label);
      gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (cell), create_day_popover_cb,
                                             NULL, NULL);
      g_object_set_data_full (G_OBJECT (cell), "day-edit", edit, (GDestroyNotify) day_edit_free);
    }
  else
    {
      cell = label;
      gtk_widget_set_margin_top (cell, 6);
      gtk_widget_set_margin_bottom (cell, 6);
    }
  gtk_widget_set_tooltip_text (cell, tooltip);
  gtk_widget_add_css_class (cell, "schedule-cell");
  if (hours == NULL)
    gtk_widget_add_css_class (cell, "off");
  if (exception != NULL)
    gtk_widget_add_css_class (cell, "changed");
  if (g_strcmp0 (date, today) == 0)
    gtk_widget_add_css_class (cell, "today");
  gtk_widget_set_hexpand (cell, TRUE);

  g_hash_table_insert (self->cells, g_strdup_printf ("%s/%u", user_id, index), cell);
  g_hash_table_insert (self->cell_texts, g_strdup_printf ("%s/%u", user_id, index),
                       g_steal_pointer (&text));
  return cell;
}

static void
fill_grid (CrmScheduleView *self,
           JsonArray       *people,
           const char      *monday,
           const char      *today)
{
  g_autoptr(CrmUserRights) rights = crm_context_dup_rights (self->context);
  GDate date;

  clear_grid (self);
  date_from_text (monday, &date);
  for (guint d = 0; d < 7; d++, g_date_add_days (&date, 1))
    {
      g_autofree char *text = date_to_text (&date);
      g_autofree char *day = format_date_text (text, FALSE);
      g_autofree char *header = g_strdup_printf ("%s\n%s", g_dpgettext2 (NULL, "weekday", weekdays[d]), day);
      GtkWidget *label = gtk_label_new (header);

      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (label, "schedule-day");
      if (g_str_equal (text, today))
        {
          gtk_widget_add_css_class (label, "today");
          gtk_widget_set_tooltip_text (label, _("Today"));
        }
      else
        gtk_widget_add_css_class (label, "dim-label");
      gtk_grid_attach (self->week_grid, label, (int) d + 1, 0, 1, 1);
    }

  for (guint i = 0; i < json_array_get_length (people); i++)
    {
      JsonObject *person = json_array_get_object_element (people, i);
      JsonArray *days = json_object_get_array_member (person, "days");
      const char *group = json_object_get_string_member_with_default (person, "group", NULL);
      GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *name = gtk_label_new (json_object_get_string_member_with_default (person, "user", ""));
      /* a manager edits anyone's days, a head his group's (their role's "team") */
      gboolean editable = rights != NULL && crm_user_rights_team (rights) != CRM_SCOPE_OWN &&
                          crm_user_rights_within (rights, crm_user_rights_team (rights),
                                                  crm_json_string (person, "user_id"));

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 18);
      gtk_box_append (GTK_BOX (names), name);
      if (group != NULL && self->group == NULL)
        {
          GtkWidget *group_label = gtk_label_new (group);

          gtk_label_set_xalign (GTK_LABEL (group_label), 0);
          gtk_label_set_ellipsize (GTK_LABEL (group_label), PANGO_ELLIPSIZE_END);
          gtk_label_set_max_width_chars (GTK_LABEL (group_label), 18);
          gtk_widget_add_css_class (group_label, "caption");
          gtk_widget_add_css_class (group_label, "dim-label");
          gtk_box_append (GTK_BOX (names), group_label);
        }
      gtk_widget_set_valign (names, GTK_ALIGN_CENTER);
      gtk_widget_set_margin_end (names, 6);
      gtk_grid_attach (self->week_grid, names, 0, (int) i + 1, 1, 1);
      for (guint d = 0; days != NULL && d < json_array_get_length (days) && d < 7; d++)
        gtk_grid_attach (self->week_grid,
                         day_cell (self, person, json_array_get_object_element (days, d), today, d,
                                   editable),
                         (int) d + 1, (int) i + 1, 1, 1);
    }
}

static void
fill_now (CrmScheduleView *self,
          JsonArray       *on_shift)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(GString) people = g_string_new (NULL);
  const char *group = NULL;
  guint n = json_array_get_length (on_shift);

  crm_list_box_remove_all (self->now_list);
  self->n_on_shift = n;
  /* one row per group: its people on shift and until when (the list comes by group) */
  for (guint i = 0; i <= n; i++)
    {
      JsonObject *item = i < n ? json_array_get_object_element (on_shift, i) : NULL;
      const char *item_group = item != NULL
                               ? json_object_get_string_member_with_default (item, "group", NULL) : NULL;

      if (i > 0 && (item == NULL || g_strcmp0 (item_group, group) != 0))
        {
          gtk_list_box_append (self->now_list,
                               crm_text_row_new (group != NULL ? group : _("Without a group"),
                                                 people->str));
          g_string_truncate (people, 0);
        }
      if (item == NULL)
        break;
      {
        g_autofree char *until = format_until (store, json_object_get_string_member_with_default (item, "until", NULL));

        group = item_group;
        if (people->len > 0)
          g_string_append (people, ", ");
        /* Translators: who is on shift now: "Дарья Васильева until 18:00" */
        g_string_append_printf (people, _("%s until %s"),
                                json_object_get_string_member_with_default (item, "user", ""), until);
      }
    }
  if (n == 0)
    gtk_list_box_append (self->now_list, crm_placeholder_row_new (_("Nobody is on shift now")));
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

static void
fill_groups (CrmScheduleView *self)
{
  JsonArray *users = crm_context_get_users (self->context);
  g_autoptr(GPtrArray) groups = g_ptr_array_new ();
  guint selected = 0;

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      const char *group = json_object_get_string_member_with_default (json_array_get_object_element (users, i),
                                                                      "group", NULL);

      if (group != NULL && *group != '\0' &&
          !g_ptr_array_find_with_equal_func (groups, group, g_str_equal, NULL))
        g_ptr_array_add (groups, (gpointer) group);
    }
  g_ptr_array_sort (groups, compare_names);

  self->updating = TRUE;
  g_ptr_array_set_size (self->group_ids, 0);
  gtk_string_list_splice (self->group_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->group_names)), NULL);
  g_ptr_array_add (self->group_ids, NULL);
  gtk_string_list_append (self->group_names, _("Everyone"));
  for (guint i = 0; i < groups->len; i++)
    {
      g_ptr_array_add (self->group_ids, g_strdup (groups->pdata[i]));
      gtk_string_list_append (self->group_names, groups->pdata[i]);
      if (g_strcmp0 (self->group, groups->pdata[i]) == 0)
        selected = i + 1;
    }
  if (selected == 0)
    g_clear_pointer (&self->group, g_free);
  gtk_drop_down_set_selected (self->group_dropdown, selected);
  self->updating = FALSE;
}

static void
crm_schedule_view_reload (CrmView *view)
{
  CrmScheduleView *self = CRM_SCHEDULE_VIEW (view);
  CrmStore *store;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) people = NULL;
  g_autoptr(JsonArray) on_shift = NULL;
  g_autofree char *monday = NULL;
  g_autofree char *today = NULL;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *week = NULL;
  gboolean any_schedule = FALSE;
  GDate sunday;

  g_return_if_fail (CRM_IS_SCHEDULE_VIEW (self));

  if (self->context == NULL)
    return;
  store = crm_context_get_store (self->context);
  fill_groups (self);
  monday = dup_monday (self);
  today = dup_today (self);
  people = crm_schedule_week_grid (store, monday, self->group, &error);
  if (people != NULL)
    on_shift = crm_schedule_now (store, crm_context_now (self->context), self->group, &error);
  if (people == NULL || on_shift == NULL)
    {
      crm_stack_show_read_error (self->stack, _("The Work Schedules Cannot Be Read"), error);
      crm_view_set_subtitle (CRM_VIEW (self), NULL);
      return;
    }

  date_from_text (monday, &sunday);
  g_date_add_days (&sunday, 6);
  first = format_date_text (monday, FALSE);
  {
    g_autofree char *sunday_text = date_to_text (&sunday);

    last = format_date_text (sunday_text, TRUE);
  }
  /* Translators: the week shown: "9 Mar – 15 Mar 2026" */
  week = g_strdup_printf (_("%s – %s"), first, last);
  gtk_label_set_text (self->week_label, week);
  crm_view_set_subtitle (CRM_VIEW (self), week);

  self->n_people = json_array_get_length (people);
  for (guint i = 0; i < self->n_people; i++)
    any_schedule |= json_object_get_boolean_member_with_default (json_array_get_object_element (people, i),
                                                                 "has_schedule", FALSE);
  fill_grid (self, people, monday, today);
  fill_now (self, on_shift);
  gtk_stack_set_visible_child_name (self->stack,
                                    any_schedule || (self->show_anyway && self->n_people > 0)
                                    ? "week" : "empty");
}

/* ---- the header's buttons ---- */

static void
move_week (CrmScheduleView *self,
           int              days)
{
  g_autofree char *monday = dup_monday (self);
  GDate date;

  if (!date_from_text (monday, &date))
    return;
  if (days > 0)
    g_date_add_days (&date, days);
  else
    g_date_subtract_days (&date, -days);
  g_free (self->monday);
  self->monday = date_to_text (&date);
  crm_view_reload (CRM_VIEW (self));
}

static void
previous_clicked_cb (CrmScheduleView *self)
{
  move_week (self, -7);
}

static void
next_clicked_cb (CrmScheduleView *self)
{
  move_week (self, 7);
}

static void
today_clicked_cb (CrmScheduleView *self)
{
  crm_schedule_view_set_week (self, NULL);
}

static void
show_grid_clicked_cb (CrmScheduleView *self)
{
  self->show_anyway = TRUE;
  crm_view_reload (CRM_VIEW (self));
}

static void
group_selected_cb (CrmScheduleView *self)
{
  guint selected = gtk_drop_down_get_selected (self->group_dropdown);

  if (self->updating || selected >= self->group_ids->len)
    return;
  crm_schedule_view_set_group (self, g_ptr_array_index (self->group_ids, selected));
}

/* ---- public ---- */

void
crm_schedule_view_set_week (CrmScheduleView *self,
                            const char      *date)
{
  GDate day;

  g_return_if_fail (CRM_IS_SCHEDULE_VIEW (self));

  g_clear_pointer (&self->monday, g_free);
  if (date != NULL && date_from_text (date, &day))
    {
      g_date_subtract_days (&day, g_date_get_weekday (&day) - G_DATE_MONDAY);
      self->monday = date_to_text (&day);
    }
  crm_view_reload (CRM_VIEW (self));
}

const char *
crm_schedule_view_get_monday (CrmScheduleView *self)
{
  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), NULL);

  if (self->monday == NULL && self->context != NULL)
    self->monday = dup_monday (self);
  return self->monday;
}

void
crm_schedule_view_set_group (CrmScheduleView *self,
                             const char      *group)
{
  g_return_if_fail (CRM_IS_SCHEDULE_VIEW (self));

  if (g_strcmp0 (self->group, group) == 0)
    return;
  g_free (self->group);
  self->group = g_strdup (group);
  crm_view_reload (CRM_VIEW (self));
}

guint
crm_schedule_view_get_n_people (CrmScheduleView *self)
{
  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), 0);
  return self->n_people;
}

guint
crm_schedule_view_get_n_on_shift (CrmScheduleView *self)
{
  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), 0);
  return self->n_on_shift;
}

GtkWidget *
crm_schedule_view_get_cell (CrmScheduleView *self,
                            const char      *user_id,
                            guint            day)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), NULL);
  key = g_strdup_printf ("%s/%u", user_id, day);
  return g_hash_table_lookup (self->cells, key);
}

const char *
crm_schedule_view_get_cell_text (CrmScheduleView *self,
                                 const char      *user_id,
                                 guint            day)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), NULL);
  key = g_strdup_printf ("%s/%u", user_id, day);
  return g_hash_table_lookup (self->cell_texts, key);
}

const char *
crm_schedule_view_get_state (CrmScheduleView *self)
{
  g_return_val_if_fail (CRM_IS_SCHEDULE_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/* ---- the object ---- */

static void
crm_schedule_view_dispose (GObject *object)
{
  CrmScheduleView *self = CRM_SCHEDULE_VIEW (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  g_hash_table_remove_all (self->cells);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_SCHEDULE_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_schedule_view_parent_class)->dispose (object);
}

static void
crm_schedule_view_finalize (GObject *object)
{
  CrmScheduleView *self = CRM_SCHEDULE_VIEW (object);

  g_free (self->monday);
  g_free (self->group);
  g_clear_pointer (&self->group_ids, g_ptr_array_unref);
  g_clear_pointer (&self->cells, g_hash_table_unref);
  g_clear_pointer (&self->cell_texts, g_hash_table_unref);
  G_OBJECT_CLASS (crm_schedule_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_schedule_view_reload;
}

static void
crm_schedule_view_class_init (CrmScheduleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_schedule_view_dispose;
  object_class->finalize = crm_schedule_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmScheduleView, context),
                        N_("Work Schedule"), NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-schedule-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, week_label);
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, group_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, group_names);
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, week_grid);
  gtk_widget_class_bind_template_child (widget_class, CrmScheduleView, now_list);
  gtk_widget_class_bind_template_callback (widget_class, previous_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, today_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_grid_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, group_selected_cb);
}

static void
crm_schedule_view_init (CrmScheduleView *self)
{
  self->group_ids = g_ptr_array_new_with_free_func (g_free);
  self->cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cell_texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
