/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-reports-view.c — the Reports view. The report runs in a GTask worker thread on a
 * second connection that only reads (crm_store_open_reader), which the view keeps and
 * lends to one run at a time: a change of filter while one runs waits for it and then
 * runs once more. The result becomes tiles (the dashboard's totals), a CrmChart and a
 * table; figures with "links" (the deals, tasks or calls behind them) open the deal, or a
 * popover listing them. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-call.h"
#include "crm-chart.h"
#include "crm-date-button.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-report-export.h"
#include "crm-reports-view.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

/* how many deals or tasks a figure's popover lists */
#define MAX_LINKS 50

typedef enum {
  PERIOD_THIS_MONTH,
  PERIOD_LAST_MONTH,
  PERIOD_THIS_QUARTER,
  PERIOD_THIS_YEAR,
  PERIOD_CUSTOM,
} Period;

struct _CrmReportsView
{
  GtkWidget       parent_instance;

  CrmContext     *context;
  gboolean        updating;      /* filling the pickers: no runs */
  gboolean        disposed;
  GPtrArray      *user_ids;      /* the employee picker's ids after «Everyone» */
  GPtrArray      *pipeline_ids;  /* the pipeline picker's ids after «All pipelines» */
  GPtrArray      *figure_keys;   /* the chart's figure picker */
  char           *figure;        /* the figure the bars show */

  CrmStore       *reader;        /* the reading connection; NULL while a run has it */
  gboolean        running;
  gboolean        pending;       /* run again when the current run ends */

  JsonNode       *report;        /* the report shown */
  char           *shown_user;    /* …and its filter */
  char           *shown_pipeline;
  gint64          shown_from;
  gint64          shown_to;
  gint64          shown_now;
  const char     *state;
  GtkWidget      *popover;       /* the figure's links shown, or NULL (weak) */

  /* template */
  GtkDropDown    *report_dropdown;
  GtkStringList  *report_names;
  GtkDropDown    *period_dropdown;
  GtkStringList  *period_names;
  GtkWidget      *custom_box;
  CrmDateButton  *from_button;
  CrmDateButton  *to_button;
  GtkWidget      *export_button;
  GtkDropDown    *user_dropdown;
  GtkStringList  *user_names;
  GtkDropDown    *pipeline_dropdown;
  GtkStringList  *pipeline_names;
  GtkLabel       *description_label;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  AdwStatusPage  *error_page;
  AdwStatusPage  *empty_page;
  GtkFlowBox     *tiles;
  GtkLabel       *chart_title;
  GtkDropDown    *figure_dropdown;
  GtkStringList  *figure_names;
  CrmChart       *chart;
  CrmChart       *line_chart;   /* the deals won over time ("series"), under the bars */
  GtkLabel       *line_title;
  GtkGrid        *table;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmReportsView, crm_reports_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static void start_run (CrmReportsView *self);

/* ---- values ---- */

char *
crm_reports_format_value (JsonNode   *value,
                          const char *type)
{
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return g_strdup ("—");
  if (g_strcmp0 (type, "money") == 0)
    return crm_format_money (json_node_get_int (value), NULL);
  if (g_strcmp0 (type, "percent") == 0)
    /* Translators: a share in a report, "12.5 %" */
    return g_strdup_printf (_("%.1f %%"), json_node_get_double (value));
  if (g_strcmp0 (type, "text") == 0 && json_node_get_string (value) == NULL)
    return g_strdup ("");
  /* durations and counts as `voronkactl report` shows them */
  return crm_report_format_value (value, type);
}

static gboolean
is_figure_type (const char *type)
{
  return g_strcmp0 (type, "text") != 0;
}

/* Whether a bar of @value is drawn, and how long. */
static double
chart_value (JsonNode   *value,
             const char *type)
{
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return -1;
  if (g_strcmp0 (type, "percent") == 0)
    return json_node_get_double (value);
  return (double) json_node_get_int (value);
}

/* The colour a figure is drawn in: what needs attention in warning or error colours,
 * what went well in the success colour. */
static CrmChartTone
figure_tone (const char *key)
{
  static const char *const bad[] = { "overdue", "overdue_tasks", "overdue_percent", "missed",
                                     "missed_percent", NULL };
  static const char *const late[] = { "unanswered", "without_tasks", "lost", NULL };
  static const char *const good[] = { "won", "won_amount", "done", "win_rate", "conversion",
                                      "fact", "forecast_done", "answered", NULL };

  if (g_strv_contains (bad, key))
    return CRM_CHART_ERROR;
  if (g_strv_contains (late, key))
    return CRM_CHART_WARNING;
  if (g_strv_contains (good, key))
    return CRM_CHART_SUCCESS;
  return CRM_CHART_ACCENT;
}

/* The figure a report's bars show first. */
static const char *
default_figure (const char *report)
{
  if (g_strcmp0 (report, "dashboard") == 0)
    return "overdue_tasks";
  if (g_strcmp0 (report, "tasks") == 0)
    return "overdue";
  if (g_strcmp0 (report, "sales") == 0)
    return "won_amount";
  if (g_strcmp0 (report, "plan") == 0)
    return "done";
  if (g_strcmp0 (report, "calls") == 0)
    return "missed";
  return "deals";
}

static JsonArray *
report_columns (JsonNode *report)
{
  return json_object_get_array_member (json_node_get_object (report), "columns");
}

static JsonArray *
row_links (JsonObject *row,
           const char *key)
{
  JsonObject *links;

  if (!json_object_has_member (row, "links"))
    return NULL;
  links = json_object_get_object_member (row, "links");
  if (links == NULL || !json_object_has_member (links, key))
    return NULL;
  return json_object_get_array_member (links, key);
}

/* ---- the pickers ---- */

static const char *
selected_report (CrmReportsView *self)
{
  guint n_reports;
  const CrmReportInfo *reports = crm_report_list (&n_reports);
  guint selected = gtk_drop_down_get_selected (self->report_dropdown);

  return selected < n_reports ? reports[selected].name : reports[0].name;
}

static const char *
selected_id (GtkDropDown *dropdown,
             GPtrArray   *ids)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  /* the first entry is «Everyone» / «All pipelines» */
  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION || selected > ids->len)
    return NULL;
  return g_ptr_array_index (ids, selected - 1);
}

/* The calendar day a date button holds (midnight UTC of the day picked), as that day's
 * first moment in @zone, moved by @days. */
static gint64
picked_day (GTimeZone *zone,
            gint64     picked,
            int        days)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (picked / 1000);

  return crm_report_day_start (zone, g_date_time_get_year (dt), g_date_time_get_month (dt),
                               g_date_time_get_day_of_month (dt) + days);
}

/* The period picked, [from, to) in UTC ms; the days, months and years are those of the
 * account's zone, as `voronkactl report` counts them (crm_report_dup_zone). */
static void
period_bounds (CrmReportsView *self,
               gint64         *from,
               gint64         *to)
{
  g_autoptr(GTimeZone) zone = crm_report_dup_zone (crm_context_get_store (self->context));
  gint64 now = crm_context_now (self->context);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now / 1000);
  g_autoptr(GDateTime) dt = g_date_time_to_timezone (utc, zone);
  int year = g_date_time_get_year (dt);
  int month = g_date_time_get_month (dt);
  int quarter = (month - 1) / 3 * 3 + 1;
  gint64 day;

  switch ((Period) gtk_drop_down_get_selected (self->period_dropdown))
    {
    case PERIOD_LAST_MONTH:
      *from = crm_report_day_start (zone, year, month - 1, 1);
      *to = crm_report_day_start (zone, year, month, 1);
      break;
    case PERIOD_THIS_QUARTER:
      *from = crm_report_day_start (zone, year, quarter, 1);
      *to = crm_report_day_start (zone, year, quarter + 3, 1);
      break;
    case PERIOD_THIS_YEAR:
      *from = crm_report_day_start (zone, year, 1, 1);
      *to = crm_report_day_start (zone, year + 1, 1, 1);
      break;
    case PERIOD_CUSTOM:
      if (crm_date_button_get_date (self->from_button, &day))
        *from = picked_day (zone, day, 0);
      else
        *from = crm_report_day_start (zone, year, month, 1);
      if (crm_date_button_get_date (self->to_button, &day))
        *to = picked_day (zone, day, 1);
      else
        *to = crm_report_day_of (zone, now, 1);
      break;
    case PERIOD_THIS_MONTH:
    default:
      *from = crm_report_day_start (zone, year, month, 1);
      *to = crm_report_day_start (zone, year, month + 1, 1);
      break;
    }
}

static void
fill_pickers (CrmReportsView *self)
{
  g_autofree char *user = g_strdup (selected_id (self->user_dropdown, self->user_ids));
  g_autofree char *pipeline = g_strdup (selected_id (self->pipeline_dropdown, self->pipeline_ids));
  JsonArray *users = crm_context_get_users (self->context);
  JsonArray *pipelines = crm_context_get_pipelines (self->context);
  guint selected;

  self->updating = TRUE;
  selected = crm_fill_user_choices (self->user_names, self->user_ids, users, user, G_MAXUINT);
  gtk_string_list_splice (self->user_names, 0, 0, (const char *const[]) { _("Everyone"), NULL });
  gtk_drop_down_set_selected (self->user_dropdown, selected == G_MAXUINT ? 0 : selected + 1);
  selected = crm_fill_choices (self->pipeline_names, self->pipeline_ids, pipelines, pipeline,
                               G_MAXUINT);
  gtk_string_list_splice (self->pipeline_names, 0, 0,
                          (const char *const[]) { _("All pipelines"), NULL });
  gtk_drop_down_set_selected (self->pipeline_dropdown, selected == G_MAXUINT ? 0 : selected + 1);
  self->updating = FALSE;
}

/* ---- states ---- */

static void
set_state (CrmReportsView *self,
           const char     *state)
{
  self->state = state;
  gtk_stack_set_visible_child_name (self->stack, state);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (state, "loading"));
  gtk_widget_set_sensitive (self->export_button, self->report != NULL &&
                            (g_str_equal (state, "report") || g_str_equal (state, "empty")));
}

static void
set_subtitle (CrmReportsView *self,
              gint64          from,
              gint64          to)
{
  g_autoptr(GTimeZone) zone = crm_report_dup_zone (crm_context_get_store (self->context));
  g_autoptr(GDateTime) now = g_date_time_new_now (zone);
  g_autoptr(GDateTime) from_utc = g_date_time_new_from_unix_utc (from / 1000);
  g_autoptr(GDateTime) last_utc = g_date_time_new_from_unix_utc ((to - 1) / 1000);
  g_autoptr(GDateTime) from_day = g_date_time_to_timezone (from_utc, zone);
  g_autoptr(GDateTime) last_day = g_date_time_to_timezone (last_utc, zone);
  g_autofree char *first = crm_format_day (from_day, g_date_time_get_year (from_day) !=
                                                     g_date_time_get_year (now));
  g_autofree char *last = crm_format_day (last_day, g_date_time_get_year (last_day) !=
                                                    g_date_time_get_year (now));
  /* Translators: the period a report covers, "1 Dec – 31 Dec" */
  g_autofree char *period = g_strdup_printf (_("%s – %s"), first, last);

  crm_view_set_subtitle (CRM_VIEW (self), period);
}

/* ---- the figures behind a figure ---- */

typedef struct {
  char *title;
  char *subtitle;
  char *action;
  char *target;
} LinkItem;

static void
link_item_free (LinkItem *item)
{
  g_free (item->title);
  g_free (item->subtitle);
  g_free (item->action);
  g_free (item->target);
  g_free (item);
}

static gboolean
is_calls_report (CrmReportsView *self)
{
  return g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (self->report),
                                                                "report", NULL), "calls") == 0;
}

/* Whether @error, of reading one of a figure's items, means only that it is gone since
 * the report was computed; otherwise (damaged, locked…) it moves to @dest. */
static gboolean
gone_since (GError **error,
            GError **dest)
{
  if (g_error_matches (*error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (error);
      return TRUE;
    }
  g_propagate_error (dest, g_steal_pointer (error));
  return FALSE;
}

/* What @ids of figure @key are, read from the app's replica: deals, or tasks with the
 * deal (or contact) they belong to. At most MAX_LINKS; NULL with @error set when they
 * could not be read (those deleted since are left out). */
static GPtrArray *
link_items (CrmReportsView  *self,
            const char      *key,
            JsonArray       *ids,
            const char      *user_id,
            GError         **error)
{
  CrmStore *store = crm_context_get_store (self->context);
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) link_item_free);
  guint n_ids = json_array_get_length (ids);

  if (is_calls_report (self))
    {
      /* the calls behind the figure, each leading to its deal, else its contact */
      for (guint i = 0; i < n_ids && items->len < MAX_LINKS; i++)
        {
          g_autoptr(GError) local_error = NULL;
          g_autoptr(JsonObject) call = crm_call_show (store, json_array_get_string_element (ids, i),
                                                      &local_error);
          const char *deal, *contact, *name, *from, *deal_title;
          g_autofree char *phone = NULL;
          g_autoptr(GString) subtitle = g_string_new (NULL);
          gint64 started = 0;
          LinkItem *item;

          if (call == NULL && gone_since (&local_error, error))
            continue;
          if (call == NULL)
            {
              g_ptr_array_unref (items);
              return NULL;
            }
          deal = json_object_get_string_member_with_default (call, "deal", NULL);
          contact = json_object_get_string_member_with_default (call, "contact", NULL);
          if (deal == NULL && contact == NULL)
            continue;
          name = json_object_get_string_member_with_default (call, "contact_name", NULL);
          from = json_object_get_string_member_with_default (call, "from", NULL);
          deal_title = json_object_get_string_member_with_default (call, "deal_title", NULL);
          phone = from != NULL && *from != '\0' ? crm_format_phone (from) : NULL;
          if (crm_time_parse (json_object_get_string_member_with_default (call, "started_at", NULL),
                              &started))
            {
              g_autofree char *when = crm_format_date_time (started);

              g_string_append (subtitle, when);
            }
          if (deal_title != NULL)
            g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", deal_title);
          item = g_new0 (LinkItem, 1);
          item->title = g_strdup (name != NULL ? name : phone != NULL ? phone : _("Hidden number"));
          item->subtitle = g_strdup (subtitle->str);
          item->action = g_strdup (deal != NULL ? "win.open-deal" : "win.open-contact");
          item->target = g_strdup (deal != NULL ? deal : contact);
          g_ptr_array_add (items, item);
        }
      return items;
    }
  if (g_str_equal (key, "overdue_tasks"))
    {
      g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(JsonNode) tasks = NULL;

      for (guint i = 0; i < n_ids; i++)
        g_hash_table_add (wanted, (gpointer) json_array_get_string_element (ids, i));
      tasks = crm_query_tasks (store, NULL, TRUE, user_id, error);
      if (tasks == NULL)
        {
          g_ptr_array_unref (items);
          return NULL;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (tasks)) &&
           items->len < MAX_LINKS; i++)
        {
          JsonObject *task = json_array_get_object_element (json_node_get_array (tasks), i);
          const char *deal = json_object_get_string_member_with_default (task, "deal", NULL);
          const char *contact = json_object_get_string_member_with_default (task, "contact", NULL);
          LinkItem *item;

          if (!g_hash_table_contains (wanted, json_object_get_string_member (task, "id")) ||
              (deal == NULL && contact == NULL))
            continue;
          item = g_new0 (LinkItem, 1);
          item->title = g_strdup (json_object_get_string_member_with_default (task, "text", ""));
          item->subtitle = g_strdup (json_object_get_string_member_with_default (task, "deal_title",
                                                                                  NULL));
          item->action = g_strdup (deal != NULL ? "win.open-deal" : "win.open-contact");
          item->target = g_strdup (deal != NULL ? deal : contact);
          g_ptr_array_add (items, item);
        }
      return items;
    }
  for (guint i = 0; i < n_ids && items->len < MAX_LINKS; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonObject) deal = crm_query_deal (store, json_array_get_string_element (ids, i),
                                                   &local_error);
      g_autoptr(GString) subtitle = g_string_new (NULL);
      const char *stage, *responsible;
      LinkItem *item;

      if (deal == NULL && gone_since (&local_error, error))
        continue;
      if (deal == NULL)
        {
          g_ptr_array_unref (items);
          return NULL;
        }
      stage = json_object_get_string_member_with_default (deal, "stage", NULL);
      responsible = json_object_get_string_member_with_default (deal, "responsible", NULL);
      if (stage != NULL)
        g_string_append (subtitle, stage);
      if (responsible != NULL)
        g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", responsible);
      item = g_new0 (LinkItem, 1);
      item->title = g_strdup (json_object_get_string_member_with_default (deal, "title", ""));
      item->subtitle = g_strdup (subtitle->str);
      item->action = g_strdup ("win.open-deal");
      item->target = g_strdup (json_array_get_string_element (ids, i));
      g_ptr_array_add (items, item);
    }
  return items;
}

/* The links' popover goes with the cell it points at. */
static void
drop_popover (CrmReportsView *self)
{
  if (self->popover != NULL && gtk_widget_get_parent (self->popover) != NULL)
    gtk_widget_unparent (self->popover);
}

static gboolean
unparent_idle_cb (gpointer data)
{
  GtkWidget *popover = data;

  if (gtk_widget_get_parent (popover) != NULL)
    gtk_widget_unparent (popover);
  g_object_unref (popover);
  return G_SOURCE_REMOVE;
}

static void
popover_closed_cb (GtkPopover *popover)
{
  g_idle_add (unparent_idle_cb, g_object_ref (popover));
}

static void
link_row_activated_cb (GtkListBox    *list,
                       GtkListBoxRow *row,
                       GtkPopover    *popover)
{
  gtk_popover_popdown (popover);
}

/* Opens what figure @key of @row counts: its one deal, or a popover listing them,
 * pointing at @anchor (at @rect of it, when given). */
static void
open_links (CrmReportsView        *self,
            GtkWidget             *anchor,
            const GdkRectangle    *rect,
            const char            *key,
            JsonArray             *ids,
            const char            *user_id)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *popover, *box, *scroller, *list, *heading;
  guint n_ids = ids != NULL ? json_array_get_length (ids) : 0;
  gboolean tasks = g_str_equal (key, "overdue_tasks");
  g_autofree char *title = NULL;

  if (n_ids == 0)
    return;
  items = link_items (self, key, ids, user_id, &error);
  if (items == NULL)
    {
      /* the cause, not «gone since the report was computed» */
      crm_widget_show_read_error (GTK_WIDGET (self), tasks ? _("Could not read the tasks")
                                                           : is_calls_report (self)
                                                           ? _("Could not read the calls")
                                                           : _("Could not read the deals"),
                                  error);
      return;
    }
  if (items->len == 0)
    {
      crm_widget_show_toast (GTK_WIDGET (self),
                             _("These are gone since the report was computed: refresh it"));
      return;
    }
  if (n_ids == 1)
    {
      LinkItem *item = g_ptr_array_index (items, 0);

      gtk_widget_activate_action (GTK_WIDGET (self), item->action, "s", item->target);
      return;
    }

  title = tasks ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u task", "%u tasks", n_ids), n_ids)
                : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u deal", "%u deals", n_ids), n_ids);
  popover = gtk_popover_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  heading = gtk_label_new (title);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 420);
  gtk_widget_set_size_request (scroller, 360, -1);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < items->len; i++)
    {
      LinkItem *item = g_ptr_array_index (items, i);
      GtkWidget *row = crm_text_row_new (item->title,
                                         item->subtitle != NULL && *item->subtitle != '\0'
                                         ? item->subtitle : NULL);

      crm_row_set_action (row, item->action, item->target);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  g_signal_connect (list, "row-activated", G_CALLBACK (link_row_activated_cb), popover);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_box_append (GTK_BOX (box), scroller);
  if (n_ids > items->len)
    {
      g_autofree char *more = g_strdup_printf (_("and %u more"), n_ids - items->len);
      GtkWidget *label = gtk_label_new (more);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  drop_popover (self);
  gtk_widget_set_parent (popover, anchor);
  g_set_weak_pointer (&self->popover, popover);
  if (rect != NULL)
    gtk_popover_set_pointing_to (GTK_POPOVER (popover), rect);
  g_signal_connect (popover, "closed", G_CALLBACK (popover_closed_cb), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
link_clicked_cb (GtkButton      *button,
                 CrmReportsView *self)
{
  open_links (self, GTK_WIDGET (button), NULL, g_object_get_data (G_OBJECT (button), "key"),
              g_object_get_data (G_OBJECT (button), "ids"),
              g_object_get_data (G_OBJECT (button), "user-id"));
}

/* A button showing @text that opens the figure's links. */
static GtkWidget *
link_button_new (CrmReportsView *self,
                 GtkWidget      *child,
                 const char     *key,
                 JsonArray      *ids,
                 const char     *user_id)
{
  GtkWidget *button = gtk_button_new ();

  gtk_button_set_child (GTK_BUTTON (button), child);
  g_object_set_data_full (G_OBJECT (button), "key", g_strdup (key), g_free);
  g_object_set_data_full (G_OBJECT (button), "ids", json_array_ref (ids),
                          (GDestroyNotify) json_array_unref);
  g_object_set_data_full (G_OBJECT (button), "user-id", g_strdup (user_id), g_free);
  gtk_widget_set_tooltip_text (button, g_str_equal (key, "overdue_tasks")
                                       ? _("Show the tasks behind this figure")
                                       : _("Show the deals behind this figure"));
  g_signal_connect (button, "clicked", G_CALLBACK (link_clicked_cb), self);
  return button;
}

/* ---- showing a report ---- */

static void
remove_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
      else if (GTK_IS_FLOW_BOX (parent))
        gtk_flow_box_remove (GTK_FLOW_BOX (parent), child);
      else
        gtk_widget_unparent (child);
    }
}

static GtkWidget *
cell_label (const char *text,
            gboolean    numeric,
            gboolean    bold)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0f : 0.0f);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (bold)
    gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
build_table (CrmReportsView *self)
{
  JsonObject *report = json_node_get_object (self->report);
  JsonArray *columns = report_columns (self->report);
  JsonArray *rows = json_object_get_array_member (report, "rows");
  guint n_rows = json_array_get_length (rows);

  drop_popover (self);
  remove_children (GTK_WIDGET (self->table));
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      gboolean numeric = is_figure_type (json_object_get_string_member (column, "type"));
      GtkWidget *header = cell_label (json_object_get_string_member (column, "label"), numeric,
                                      FALSE);

      gtk_label_set_wrap (GTK_LABEL (header), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (header), 14);
      gtk_label_set_justify (GTK_LABEL (header), numeric ? GTK_JUSTIFY_RIGHT : GTK_JUSTIFY_LEFT);
      gtk_widget_set_valign (header, GTK_ALIGN_END);
      gtk_widget_add_css_class (header, "caption-heading");
      gtk_widget_add_css_class (header, "dim-label");
      gtk_grid_attach (self->table, header, c, 0, 1, 1);
    }
  for (guint r = 0; r <= n_rows; r++)
    {
      gboolean totals = r == n_rows;
      JsonObject *row = totals ? json_object_get_object_member (report, "totals")
                               : json_array_get_object_element (rows, r);
      const char *user_id = json_object_get_string_member_with_default (row, "user_id", NULL);

      for (guint c = 0; c < json_array_get_length (columns); c++)
        {
          JsonObject *column = json_array_get_object_element (columns, c);
          const char *key = json_object_get_string_member (column, "key");
          const char *type = json_object_get_string_member (column, "type");
          g_autofree char *text = crm_reports_format_value (json_object_get_member (row, key), type);
          JsonArray *links = row_links (row, key);
          GtkWidget *cell = cell_label (text, is_figure_type (type), totals);

          if (links != NULL && json_array_get_length (links) > 0)
            {
              cell = link_button_new (self, cell, key, links, user_id);
              gtk_widget_add_css_class (cell, "flat");
              gtk_widget_add_css_class (cell, "report-link");
              gtk_widget_set_halign (cell, GTK_ALIGN_END);
            }
          gtk_grid_attach (self->table, cell, c, r + 1, 1, 1);
        }
    }
}

/* The dashboard's totals as tiles on top, each figure with links a button. */
static void
build_tiles (CrmReportsView *self,
             const char     *name)
{
  static const char *const keys[] = {
    "requests", "response_median", "unanswered", "without_tasks", "overdue_tasks", NULL
  };
  JsonObject *totals = json_object_get_object_member (json_node_get_object (self->report), "totals");
  JsonArray *columns = report_columns (self->report);

  drop_popover (self);
  remove_children (GTK_WIDGET (self->tiles));
  gtk_widget_set_visible (GTK_WIDGET (self->tiles), g_str_equal (name, "dashboard"));
  if (!g_str_equal (name, "dashboard"))
    return;
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      const char *key = json_object_get_string_member (column, "key");
      g_autofree char *text = NULL;
      JsonArray *links;
      GtkWidget *box, *value, *caption, *tile;

      if (!g_strv_contains (keys, key))
        continue;
      text = crm_reports_format_value (json_object_get_member (totals, key),
                                       json_object_get_string_member (column, "type"));
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      gtk_widget_set_margin_top (box, 12);
      gtk_widget_set_margin_bottom (box, 12);
      gtk_widget_set_margin_start (box, 12);
      gtk_widget_set_margin_end (box, 12);
      value = gtk_label_new (text);
      gtk_widget_add_css_class (value, "title-1");
      gtk_widget_add_css_class (value, "numeric");
      caption = gtk_label_new (json_object_get_string_member (column, "label"));
      gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (caption), 14);
      gtk_label_set_justify (GTK_LABEL (caption), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (caption, "dim-label");
      gtk_box_append (GTK_BOX (box), value);
      gtk_box_append (GTK_BOX (box), caption);
      links = row_links (totals, key);
      if (links != NULL && json_array_get_length (links) > 0)
        tile = link_button_new (self, box, key, links, NULL);
      else
        {
          tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
          gtk_box_append (GTK_BOX (tile), box);
        }
      gtk_widget_add_css_class (tile, "card");
      gtk_widget_add_css_class (tile, "report-tile");
      gtk_widget_set_valign (value, GTK_ALIGN_START);
      gtk_widget_set_vexpand (caption, TRUE);
      gtk_widget_set_valign (caption, GTK_ALIGN_START);
      gtk_flow_box_append (self->tiles, tile);
    }
}

static const char *
report_pipeline_name (CrmReportsView *self)
{
  JsonObject *pipeline = NULL;

  if (self->shown_pipeline != NULL)
    pipeline = crm_context_find_pipeline (self->context, self->shown_pipeline);
  else if (json_array_get_length (crm_context_get_pipelines (self->context)) > 0)
    pipeline = json_array_get_object_element (crm_context_get_pipelines (self->context), 0);
  return pipeline != NULL ? json_object_get_string_member_with_default (pipeline, "name", "") : "";
}

static void
build_funnel (CrmReportsView *self)
{
  JsonObject *totals = json_object_get_object_member (json_node_get_object (self->report), "totals");
  JsonArray *columns = report_columns (self->report);
  g_autofree char *title = NULL;
  gint64 first = -1;

  crm_chart_clear (self->chart);
  crm_chart_set_kind (self->chart, CRM_CHART_FUNNEL);
  /* Translators: the conversion chart's title; %s is a pipeline's name */
  title = g_strdup_printf (_("Deals that reached each stage of «%s»"), report_pipeline_name (self));
  crm_chart_set_title (self->chart, title);
  gtk_label_set_label (self->chart_title, title);
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      const char *stage_id = json_object_get_string_member_with_default (column, "stage_id", NULL);
      const char *key = json_object_get_string_member (column, "key");
      gint64 count;
      g_autofree char *text = NULL;
      JsonObject *stage;
      CrmChartTone tone = CRM_CHART_ACCENT;

      if (stage_id == NULL)
        continue;
      count = json_object_get_int_member_with_default (totals, key, 0);
      if (first < 0)
        first = count;
      if (first > 0)
        /* Translators: a funnel stage: its deals and their share of the first stage's */
        text = g_strdup_printf (_("%lld · %.0f %%"), (long long) count, 100.0 * count / first);
      else
        text = g_strdup_printf ("%lld", (long long) count);
      stage = crm_context_find_stage (self->context, stage_id, NULL);
      if (stage != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (stage, "kind", NULL), "won") == 0)
        tone = CRM_CHART_SUCCESS;
      crm_chart_add_bar (self->chart, json_object_get_string_member (column, "label"),
                         (double) count, text, tone);
    }
}

static void
build_bars (CrmReportsView *self)
{
  JsonArray *rows = json_object_get_array_member (json_node_get_object (self->report), "rows");
  JsonArray *columns = report_columns (self->report);
  JsonObject *figure = NULL;
  g_autofree char *title = NULL;
  const char *type;

  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);

      if (g_strcmp0 (json_object_get_string_member (column, "key"), self->figure) == 0)
        figure = column;
    }
  crm_chart_clear (self->chart);
  crm_chart_set_kind (self->chart, CRM_CHART_BARS);
  if (figure == NULL)
    return;
  type = json_object_get_string_member (figure, "type");
  /* Translators: a chart's title, "Overdue tasks by employee" */
  title = g_strdup_printf (_("%s by employee"), json_object_get_string_member (figure, "label"));
  crm_chart_set_title (self->chart, title);
  gtk_label_set_label (self->chart_title, title);
  for (guint r = 0; r < json_array_get_length (rows); r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      JsonNode *value = json_object_get_member (row, self->figure);
      g_autofree char *text = crm_reports_format_value (value, type);

      crm_chart_add_bar (self->chart, json_object_get_string_member_with_default (row, "user", ""),
                         chart_value (value, type), text, figure_tone (self->figure));
    }
}

static void
fill_figures (CrmReportsView *self,
              const char     *name)
{
  JsonArray *columns = report_columns (self->report);
  guint selected = 0;
  gboolean found = FALSE;

  self->updating = TRUE;
  g_ptr_array_set_size (self->figure_keys, 0);
  gtk_string_list_splice (self->figure_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->figure_names)), NULL);
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      const char *key = json_object_get_string_member (column, "key");

      if (!is_figure_type (json_object_get_string_member (column, "type")))
        continue;
      if (g_strcmp0 (key, self->figure) == 0)
        {
          selected = self->figure_keys->len;
          found = TRUE;
        }
      g_ptr_array_add (self->figure_keys, g_strdup (key));
      gtk_string_list_append (self->figure_names, json_object_get_string_member (column, "label"));
    }
  if (!found)
    {
      g_free (self->figure);
      self->figure = NULL;
      for (guint i = 0; i < self->figure_keys->len; i++)
        if (g_str_equal (g_ptr_array_index (self->figure_keys, i), default_figure (name)))
          selected = i;
      if (self->figure_keys->len > 0)
        self->figure = g_strdup (g_ptr_array_index (self->figure_keys, selected));
    }
  gtk_drop_down_set_selected (self->figure_dropdown, selected);
  self->updating = FALSE;
}

/* Nothing counted: every figure of the totals is 0 or has no value. */
static gboolean
report_is_empty (JsonNode *report)
{
  JsonObject *totals = json_object_get_object_member (json_node_get_object (report), "totals");
  JsonArray *columns = report_columns (report);

  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      const char *type = json_object_get_string_member (column, "type");
      JsonNode *value = json_object_get_member (totals, json_object_get_string_member (column, "key"));

      if (!is_figure_type (type) || value == NULL || !JSON_NODE_HOLDS_VALUE (value))
        continue;
      if (chart_value (value, type) != 0)
        return FALSE;
    }
  return TRUE;
}

/* The report's "series" (sales: the deals won by day, week or month) as a line of the
 * amounts won; hidden for the other reports. */
static void
build_line (CrmReportsView *self)
{
  JsonObject *report = json_node_get_object (self->report);
  JsonObject *series = json_object_has_member (report, "series")
                       ? json_object_get_object_member (report, "series") : NULL;
  JsonArray *points = series != NULL ? json_object_get_array_member (series, "points") : NULL;
  const char *bucket = series != NULL ? json_object_get_string_member (series, "bucket") : "";
  const char *zone_name = json_object_get_string_member_with_default (report, "zone", "UTC");
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (zone_name);
  const char *title;

  crm_chart_clear (self->line_chart);
  gtk_widget_set_visible (GTK_WIDGET (self->line_chart),
                          points != NULL && json_array_get_length (points) > 1);
  gtk_widget_set_visible (GTK_WIDGET (self->line_title),
                          gtk_widget_get_visible (GTK_WIDGET (self->line_chart)));
  if (points == NULL)
    return;
  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  if (g_str_equal (bucket, "week"))
    title = _("Amount won by week");
  else if (g_str_equal (bucket, "month"))
    title = _("Amount won by month");
  else
    title = _("Amount won by day");
  crm_chart_set_title (self->line_chart, title);
  gtk_label_set_label (self->line_title, title);
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonObject *point = json_array_get_object_element (points, i);
      gint64 from = 0;
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) local = NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now (zone);
      g_autofree char *label = NULL;
      g_autofree char *amount = crm_reports_format_value (json_object_get_member (point, "won_amount"),
                                                          "money");
      g_autofree char *total = crm_reports_format_value (json_object_get_member (point,
                                                                                 "won_amount_total"),
                                                         "money");
      g_autofree char *text = NULL;
      gint64 won = json_object_get_int_member (point, "won");

      crm_time_parse (json_object_get_string_member (point, "from"), &from);
      utc = g_date_time_new_from_unix_utc (from / 1000);
      local = g_date_time_to_timezone (utc, zone);
      label = crm_format_day (local, g_date_time_get_year (local) != g_date_time_get_year (now));
      /* Translators: a point of the line of amounts won, then the running total from the
       * period's start: "1 500 000.00 (3 deals); 4 200 000.00 since the period began" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s (%lld deal); %s since the period began",
                                           "%s (%lld deals); %s since the period began", won),
                              amount, (long long) won, total);
      crm_chart_add_bar (self->line_chart, label,
                         json_object_get_int_member (point, "won_amount") / 100.0, text,
                         CRM_CHART_SUCCESS);
    }
}

static void
show_report (CrmReportsView *self)
{
  const char *name = json_object_get_string_member (json_node_get_object (self->report), "report");
  gboolean funnel = g_str_equal (name, "conversion");

  build_tiles (self, name);
  if (funnel)
    build_funnel (self);
  else
    {
      fill_figures (self, name);
      build_bars (self);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->figure_dropdown), !funnel);
  build_line (self);
  build_table (self);
  set_state (self, report_is_empty (self->report) ? "empty" : "report");
}

/* ---- running ---- */

typedef struct {
  char     *path;
  char     *name;
  char     *user_id;
  char     *pipeline_id;
  gint64    from;
  gint64    to;
  gint64    now;
  CrmStore *reader;     /* lent by the view, given back when the run ends */
} RunData;

static void
run_data_free (RunData *data)
{
  g_free (data->path);
  g_free (data->name);
  g_free (data->user_id);
  g_free (data->pipeline_id);
  g_clear_object (&data->reader);
  g_free (data);
}

static void
run_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  CrmReportFilter filter = { data->from, data->to, data->user_id, NULL, data->pipeline_id };
  GError *error = NULL;
  JsonNode *report;

  if (data->reader == NULL)
    {
      data->reader = crm_store_open_reader (data->path, &error);
      /* a small cache and no mapped pages: the app's memory stays small */
      if (data->reader != NULL && !crm_store_set_memory_limits (data->reader, 8192, 0, &error))
        g_clear_object (&data->reader);
      if (data->reader == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  crm_store_set_now (data->reader, data->now);
  report = crm_report_run (data->reader, data->name, &filter, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) json_node_unref);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CrmReportsView *self = CRM_REPORTS_VIEW (source);
  RunData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = g_task_propagate_pointer (G_TASK (result), &error);

  self->running = FALSE;
  if (self->reader == NULL)
    self->reader = g_steal_pointer (&data->reader);
  if (self->disposed)
    return;
  if (self->pending)
    {
      start_run (self);
      return;
    }
  if (report == NULL)
    {
      /* shown on the error page; a bad period is no fault of the app */
      g_debug ("Could not compute report %s: %s", data->name, error->message);
      crm_status_page_set_text (self->error_page, error->message);
      set_state (self, "error");
      return;
    }
  g_clear_pointer (&self->report, json_node_unref);
  self->report = g_steal_pointer (&report);
  g_free (self->shown_user);
  self->shown_user = g_strdup (data->user_id);
  g_free (self->shown_pipeline);
  self->shown_pipeline = g_strdup (data->pipeline_id);
  self->shown_from = data->from;
  self->shown_to = data->to;
  self->shown_now = data->now;
  show_report (self);
}

static void
start_run (CrmReportsView *self)
{
  CrmStore *store;
  RunData *data;
  GTask *task;

  if (self->context == NULL || self->updating || self->disposed)
    return;
  set_state (self, "loading");
  if (self->running)
    {
      /* the running one ends first: the reading connection serves one run at a time */
      self->pending = TRUE;
      return;
    }
  self->pending = FALSE;
  store = crm_context_get_store (self->context);
  if (self->reader != NULL &&
      g_strcmp0 (crm_store_get_path (self->reader), crm_store_get_path (store)) != 0)
    g_clear_object (&self->reader);

  data = g_new0 (RunData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->name = g_strdup (selected_report (self));
  data->user_id = g_strdup (selected_id (self->user_dropdown, self->user_ids));
  data->pipeline_id = g_strdup (selected_id (self->pipeline_dropdown, self->pipeline_ids));
  period_bounds (self, &data->from, &data->to);
  data->now = crm_context_now (self->context);
  data->reader = g_steal_pointer (&self->reader);
  set_subtitle (self, data->from, data->to);

  self->running = TRUE;
  task = g_task_new (self, NULL, run_done_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_in_thread);
  g_object_unref (task);
}

/* ---- callbacks ---- */

static void
update_description (CrmReportsView *self)
{
  guint n_reports;
  const CrmReportInfo *reports = crm_report_list (&n_reports);
  guint selected = gtk_drop_down_get_selected (self->report_dropdown);

  gtk_label_set_label (self->description_label,
                       selected < n_reports ? reports[selected].description : "");
}

static void
report_selected_cb (CrmReportsView *self)
{
  update_description (self);
  /* a new report starts on its own first figure */
  g_clear_pointer (&self->figure, g_free);
  start_run (self);
}

static void
filter_changed_cb (CrmReportsView *self)
{
  gtk_widget_set_visible (self->custom_box,
                          gtk_drop_down_get_selected (self->period_dropdown) == PERIOD_CUSTOM);
  start_run (self);
}

static void
dates_changed_cb (CrmReportsView *self)
{
  if (gtk_drop_down_get_selected (self->period_dropdown) == PERIOD_CUSTOM)
    start_run (self);
}

static void
figure_selected_cb (CrmReportsView *self)
{
  guint selected = gtk_drop_down_get_selected (self->figure_dropdown);

  if (self->updating || self->report == NULL || selected >= self->figure_keys->len)
    return;
  g_free (self->figure);
  self->figure = g_strdup (g_ptr_array_index (self->figure_keys, selected));
  build_bars (self);
}

static void
retry_clicked_cb (CrmReportsView *self)
{
  start_run (self);
}

static void
bar_activated_cb (CrmReportsView *self,
                  guint           index)
{
  JsonArray *rows;
  JsonObject *row;
  JsonArray *links;
  GdkRectangle rect = { 0, 0, 1, 1 };

  if (self->report == NULL || self->figure == NULL ||
      crm_chart_get_kind (self->chart) != CRM_CHART_BARS)
    return;
  rows = json_object_get_array_member (json_node_get_object (self->report), "rows");
  if (index >= json_array_get_length (rows))
    return;
  row = json_array_get_object_element (rows, index);
  links = row_links (row, self->figure);
  if (links == NULL)
    return;
  /* the bar's row: the same geometry as crm-chart.c draws */
  rect.x = gtk_widget_get_width (GTK_WIDGET (self->chart)) / 2;
  rect.y = 6 + index * 36 + 15;
  open_links (self, GTK_WIDGET (self->chart), &rect, self->figure, links,
              json_object_get_string_member_with_default (row, "user_id", NULL));
}

/* ---- export ---- */

gboolean
crm_reports_view_save (CrmReportsView   *self,
                       const char       *path,
                       CrmReportFormat   format,
                       GError          **error)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->report == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no report to save yet"));
      return FALSE;
    }
  return crm_report_export (self->report, format, path, error);
}

static const struct {
  const char      *name;       /* the action's target */
  CrmReportFormat  format;
  const char      *extension;
  const char      *filter;
} export_formats[] = {
  { "csv", CRM_REPORT_FORMAT_CSV, "csv", N_("CSV table") },
  { "xlsx", CRM_REPORT_FORMAT_XLSX, "xlsx", N_("Excel workbook") },
  { "pdf", CRM_REPORT_FORMAT_PDF, "pdf", N_("PDF document") },
};

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    CrmReportsView  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *message = NULL;
      guint format = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "format"));

      if (path == NULL)
        message = g_strdup_printf (_("Could not save the report: %s"),
                                   _("choose a folder on this computer"));
      else if (crm_reports_view_save (self, path, export_formats[format].format, &error))
        /* Translators: %s is a file's path */
        message = g_strdup_printf (_("Report saved to %s"), name);
      else
        /* Translators: %s says why, e.g. "Permission denied" */
        message = g_strdup_printf (_("Could not save the report: %s"), error->message);
      crm_widget_show_toast (GTK_WIDGET (self), message);
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmReportsView *self = CRM_REPORTS_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *day = NULL;
  g_autofree char *name = NULL;
  g_autofree char *pattern = NULL;
  const char *wanted = g_variant_get_string (parameter, NULL);
  guint format = 0;
  JsonObject *report;

  if (self->report == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (export_formats); i++)
    if (g_str_equal (export_formats[i].name, wanted))
      format = i;
  report = json_node_get_object (self->report);
  day = g_strndup (json_object_get_string_member (report, "from"), 10);
  name = g_strdup_printf ("%s-%s.%s", json_object_get_string_member (report, "report"), day,
                          export_formats[format].extension);
  pattern = g_strconcat ("*.", export_formats[format].extension, NULL);
  dialog = gtk_file_chooser_native_new (_("Export the Report"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_file_filter_set_name (filter, _(export_formats[format].filter));
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_set_data (G_OBJECT (dialog), "format", GUINT_TO_POINTER (format));
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- CrmView ---- */

static void
crm_reports_view_reload (CrmView *view)
{
  CrmReportsView *self = CRM_REPORTS_VIEW (view);

  if (self->context == NULL)
    return;
  fill_pickers (self);
  start_run (self);
}

/* ---- API ---- */

void
crm_reports_view_set_report (CrmReportsView *self,
                             const char     *name)
{
  guint n_reports;
  const CrmReportInfo *reports = crm_report_list (&n_reports);

  g_return_if_fail (CRM_IS_REPORTS_VIEW (self));
  for (guint i = 0; i < n_reports; i++)
    if (g_str_equal (reports[i].name, name))
      gtk_drop_down_set_selected (self->report_dropdown, i);
}

void
crm_reports_view_set_period (CrmReportsView *self,
                             gint64          from_ms,
                             gint64          to_ms)
{
  g_return_if_fail (CRM_IS_REPORTS_VIEW (self));
  self->updating = TRUE;
  crm_date_button_set_date (self->from_button, from_ms);
  crm_date_button_set_date (self->to_button, to_ms);
  self->updating = FALSE;
  if (gtk_drop_down_get_selected (self->period_dropdown) == PERIOD_CUSTOM)
    start_run (self);
  else
    gtk_drop_down_set_selected (self->period_dropdown, PERIOD_CUSTOM);
}

gboolean
crm_reports_view_is_busy (CrmReportsView *self)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), FALSE);
  return self->running || self->pending || crm_view_is_reload_queued (CRM_VIEW (self)) ||
         crm_view_is_dirty (CRM_VIEW (self));
}

const char *
crm_reports_view_get_state (CrmReportsView *self)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), NULL);
  return self->state;
}

JsonNode *
crm_reports_view_get_report (CrmReportsView  *self,
                             CrmReportFilter *out_filter,
                             gint64          *out_now)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), NULL);
  if (out_filter != NULL)
    *out_filter = (CrmReportFilter) { self->shown_from, self->shown_to, self->shown_user, NULL,
                                      self->shown_pipeline };
  if (out_now != NULL)
    *out_now = self->shown_now;
  return self->report;
}

GtkWidget *
crm_reports_view_get_line_chart (CrmReportsView *self)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), NULL);
  return GTK_WIDGET (self->line_chart);
}

GtkWidget *
crm_reports_view_get_chart (CrmReportsView *self)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), NULL);
  return GTK_WIDGET (self->chart);
}

GtkWidget *
crm_reports_view_get_table (CrmReportsView *self)
{
  g_return_val_if_fail (CRM_IS_REPORTS_VIEW (self), NULL);
  return GTK_WIDGET (self->table);
}

/* ---- GObject ---- */

static void
crm_reports_view_dispose (GObject *object)
{
  CrmReportsView *self = CRM_REPORTS_VIEW (object);

  self->disposed = TRUE;
  drop_popover (self);
  g_clear_weak_pointer (&self->popover);
  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_REPORTS_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_reports_view_parent_class)->dispose (object);
}

static void
crm_reports_view_finalize (GObject *object)
{
  CrmReportsView *self = CRM_REPORTS_VIEW (object);

  g_clear_object (&self->reader);
  g_clear_pointer (&self->report, json_node_unref);
  g_clear_pointer (&self->user_ids, g_ptr_array_unref);
  g_clear_pointer (&self->pipeline_ids, g_ptr_array_unref);
  g_clear_pointer (&self->figure_keys, g_ptr_array_unref);
  g_free (self->figure);
  g_free (self->shown_user);
  g_free (self->shown_pipeline);
  G_OBJECT_CLASS (crm_reports_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_reports_view_reload;
}

static void
crm_reports_view_class_init (CrmReportsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_reports_view_dispose;
  object_class->finalize = crm_reports_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmReportsView, context), N_("Reports"),
                        NULL);

  gtk_widget_class_install_action (widget_class, "reports.export", "s", export_action);

  g_type_ensure (CRM_TYPE_CHART);
  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-reports-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, report_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, report_names);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, period_names);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, custom_box);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, from_button);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, to_button);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, export_button);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, user_names);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, pipeline_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, pipeline_names);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, description_label);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, tiles);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, chart_title);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, figure_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, figure_names);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, chart);
  gtk_widget_class_bind_template_child (widget_class, CrmReportsView, table);
  gtk_widget_class_bind_template_callback (widget_class, report_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, figure_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, bar_activated_cb);
}

static void
crm_reports_view_init (CrmReportsView *self)
{
  guint n_reports;
  const CrmReportInfo *reports = crm_report_list (&n_reports);
  const char *periods[] = {
    _("This month"), _("Last month"), _("This quarter"), _("This year"), _("Custom period"), NULL
  };
  gint64 now = crm_time_now_ms ();

  self->user_ids = g_ptr_array_new_with_free_func (g_free);
  self->pipeline_ids = g_ptr_array_new_with_free_func (g_free);
  self->figure_keys = g_ptr_array_new_with_free_func (g_free);
  self->state = "loading";
  gtk_widget_init_template (GTK_WIDGET (self));

  self->updating = TRUE;
  for (guint i = 0; i < n_reports; i++)
    gtk_string_list_append (self->report_names, reports[i].title);
  gtk_string_list_splice (self->period_names, 0, 0, periods);
  gtk_drop_down_set_selected (self->report_dropdown, 0);
  gtk_drop_down_set_selected (self->period_dropdown, PERIOD_THIS_MONTH);
  crm_date_button_set_can_clear (self->from_button, FALSE);
  crm_date_button_set_can_clear (self->to_button, FALSE);
  crm_date_button_set_date (self->from_button, now - now % CRM_MS_PER_DAY - 29 * CRM_MS_PER_DAY);
  crm_date_button_set_date (self->to_button, now - now % CRM_MS_PER_DAY);
  self->updating = FALSE;
  /* the line of amounts won over time, under the bars (sales) */
  self->line_chart = CRM_CHART (crm_chart_new ());
  crm_chart_set_kind (self->line_chart, CRM_CHART_LINE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->line_chart), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->line_chart), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->line_chart), 6);
  gtk_widget_set_visible (GTK_WIDGET (self->line_chart), FALSE);
  self->line_title = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->line_title, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->line_title), "heading");
  gtk_widget_set_visible (GTK_WIDGET (self->line_title), FALSE);
  gtk_widget_insert_after (GTK_WIDGET (self->line_title),
                           gtk_widget_get_parent (GTK_WIDGET (self->chart)),
                           GTK_WIDGET (self->chart));
  gtk_widget_insert_after (GTK_WIDGET (self->line_chart),
                           gtk_widget_get_parent (GTK_WIDGET (self->chart)),
                           GTK_WIDGET (self->line_title));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->line_chart),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->line_title, NULL,
                                  -1);
  update_description (self);
  g_signal_connect_swapped (self->from_button, "changed", G_CALLBACK (dates_changed_cb), self);
  g_signal_connect_swapped (self->to_button, "changed", G_CALLBACK (dates_changed_cb), self);
}
