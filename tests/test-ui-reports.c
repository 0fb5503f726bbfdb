/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-reports.c — the Reports view in the real app on a demo replica, as a head sees
 * it: only heads and admins find it; the dashboard's table shows the figures
 * crm_report_run gives for the same filter and moment, computed here on a connection of
 * the test's own; the chart has one bar per employee saying its value; a figure with
 * deals behind it lists them, a calls figure the calls (each opening its deal); conversion
 * is a funnel of the pipeline's stages; an empty
 * period says so, a backwards one says what is wrong; CSV export writes the report;
 * screenshots light, dark and in Russian. */
#include <string.h>

#include "crm-test-ui.h"

#include "crm-call.h"
#include "crm-chart.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-report.h"
#include "crm-reports-view.h"
#include "crm-sidebar.h"
#include "crm-sidebar-row.h"
#include "crm-time.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmReportsView *
reports_view (void)
{
  return CRM_REPORTS_VIEW (crm_window_get_page (window, "reports"));
}

static gboolean
report_settled (gpointer data)
{
  CrmReportsView *view = data;

  return !crm_reports_view_is_busy (view) &&
         g_strcmp0 (crm_reports_view_get_state (view), "loading") != 0;
}

static void
wait_for_report (void)
{
  crm_test_ui_wait (50);
  g_assert_true (crm_test_ui_wait_until (report_settled, reports_view (), 30000));
  crm_test_ui_wait (100);
}

static gboolean
sidebar_has (const char *view)
{
  GtkWidget *sidebar = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_SIDEBAR, NULL);
  GQueue queue = G_QUEUE_INIT;
  gboolean found = FALSE;

  g_queue_push_tail (&queue, sidebar);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_SIDEBAR_ROW (widget) &&
          g_strcmp0 (crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (widget)), view) == 0)
        found = TRUE;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return found;
}

static const char *
user_with_role (const char *role)
{
  JsonArray *users = crm_context_get_users (crm_window_get_context (window));

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (user, "role", NULL), role) == 0)
        return json_object_get_string_member (user, "id");
    }
  g_assert_not_reached ();
}

/* The text a table cell shows: a label, or a link button's label. */
static const char *
cell_text (GtkWidget *cell)
{
  g_assert_nonnull (cell);
  if (GTK_IS_BUTTON (cell))
    cell = gtk_button_get_child (GTK_BUTTON (cell));
  g_assert_true (GTK_IS_LABEL (cell));
  return gtk_label_get_label (GTK_LABEL (cell));
}

/* The report the test computes itself, on its own connection, for what the view shows. */
static JsonNode *
expected_report (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
  CrmReportFilter filter;
  gint64 now = 0;
  JsonNode *shown = crm_reports_view_get_report (reports_view (), &filter, &now);
  JsonNode *report;

  g_assert_no_error (error);
  g_assert_nonnull (shown);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "report"), ==, name);
  crm_store_set_now (store, now);
  report = crm_report_run (store, name, &filter, &error);
  g_assert_no_error (error);
  return report;
}

static void
test_start (void)
{
  tmpdir = crm_test_make_tmpdir ();
  db_path = crm_test_ui_make_demo (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  /* room for the chart and the table in the screenshots */
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 1000);
  crm_test_ui_wait (200);
}

/* Heads and admins see Reports; a rep neither in the sidebar nor by asking for it. */
static void
test_for_heads_only (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *admin = g_strdup (crm_context_get_user_id (context));

  g_assert_true (crm_context_is_admin (context));
  g_assert_true (sidebar_has ("reports"));

  crm_context_set_user (context, user_with_role ("manager"));
  crm_test_ui_wait (100);
  g_assert_true (sidebar_has ("reports"));

  crm_context_set_user (context, user_with_role ("rep"));
  crm_test_ui_wait (100);
  g_assert_false (sidebar_has ("reports"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "reports"));
  crm_test_ui_wait (100);
  g_assert_cmpstr (crm_window_get_view (window), !=, "reports");

  crm_context_set_user (context, admin);
  crm_test_ui_wait (100);
  g_assert_true (sidebar_has ("reports"));
}

/* The dashboard first: the table's every cell is crm_report_run's value, the chart one
 * bar per employee saying its figure. */
static void
test_dashboard (void)
{
  g_autoptr(JsonNode) expected = NULL;
  JsonObject *object;
  JsonArray *columns, *rows;
  GtkGrid *table;
  CrmChart *chart;
  AdwStyleManager *style = adw_style_manager_get_default ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "reports"));
  wait_for_report ();
  g_assert_cmpstr (crm_window_get_view (window), ==, "reports");
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "report");

  expected = expected_report ("dashboard");
  object = json_node_get_object (expected);
  columns = json_object_get_array_member (object, "columns");
  rows = json_object_get_array_member (object, "rows");
  g_assert_cmpuint (json_array_get_length (rows), >, 1);

  table = GTK_GRID (crm_reports_view_get_table (reports_view ()));
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);

      g_assert_cmpstr (cell_text (gtk_grid_get_child_at (table, c, 0)), ==,
                       json_object_get_string_member (column, "label"));
      for (guint r = 0; r <= json_array_get_length (rows); r++)
        {
          JsonObject *row = r < json_array_get_length (rows)
                            ? json_array_get_object_element (rows, r)
                            : json_object_get_object_member (object, "totals");
          g_autofree char *text =
            crm_reports_format_value (json_object_get_member (row, json_object_get_string_member (column, "key")),
                                      json_object_get_string_member (column, "type"));

          g_assert_cmpstr (cell_text (gtk_grid_get_child_at (table, c, r + 1)), ==, text);
        }
    }
  /* nothing under the totals */
  g_assert_null (gtk_grid_get_child_at (table, 0, json_array_get_length (rows) + 2));

  chart = CRM_CHART (crm_reports_view_get_chart (reports_view ()));
  g_assert_cmpint (crm_chart_get_kind (chart), ==, CRM_CHART_BARS);
  g_assert_cmpuint (crm_chart_get_n_bars (chart), ==, json_array_get_length (rows));
  g_assert_nonnull (strstr (crm_chart_get_title (chart), "Overdue tasks"));
  for (guint r = 0; r < json_array_get_length (rows); r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      g_autofree char *value = crm_reports_format_value (json_object_get_member (row, "overdue_tasks"), "int");
      g_autofree char *text = g_strdup_printf ("%s: %s", json_object_get_string_member (row, "user"), value);

      g_assert_cmpstr (crm_chart_get_bar_label (chart, r), ==, json_object_get_string_member (row, "user"));
      g_assert_cmpstr (crm_chart_get_bar_text (chart, r), ==, text);
      g_assert_nonnull (strstr (crm_chart_get_description (chart), text));
    }

  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-dashboard"));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-dashboard-dark"));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  crm_test_ui_wait (100);
}

static GtkWidget *
find_with_class (GtkWidget  *root,
                 const char *css_class)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (gtk_widget_has_css_class (child, css_class) && gtk_widget_get_mapped (child))
        return child;
      if ((found = find_with_class (child, css_class)) != NULL)
        return found;
    }
  return NULL;
}

static guint
count_rows (GtkWidget *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += GTK_IS_LIST_BOX_ROW (child);
  return n;
}

/* The overdue tasks' total opens the tasks behind it, each leading to its deal. */
static void
test_figure_links (void)
{
  g_autoptr(JsonNode) expected = expected_report ("dashboard");
  JsonObject *totals = json_object_get_object_member (json_node_get_object (expected), "totals");
  JsonArray *ids = json_object_get_array_member (json_object_get_object_member (totals, "links"),
                                                 "overdue_tasks");
  guint n_rows = json_array_get_length (json_object_get_array_member (json_node_get_object (expected), "rows"));
  GtkGrid *table = GTK_GRID (crm_reports_view_get_table (reports_view ()));
  JsonArray *columns = json_object_get_array_member (json_node_get_object (expected), "columns");
  GtkWidget *cell = NULL;
  GtkWidget *popover, *list;

  g_assert_cmpuint (json_array_get_length (ids), >, 1);
  for (guint c = 0; c < json_array_get_length (columns); c++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (columns, c), "key"),
                     "overdue_tasks"))
      cell = gtk_grid_get_child_at (table, c, n_rows + 1);
  g_assert_true (GTK_IS_BUTTON (cell));
  /* scrolled into view, as a person clicks it */
  gtk_widget_grab_focus (cell);
  crm_test_ui_wait (300);
  g_signal_emit_by_name (cell, "clicked");
  crm_test_ui_wait (300);
  popover = gtk_widget_get_last_child (cell);
  g_assert_true (GTK_IS_POPOVER (popover));
  g_assert_true (gtk_widget_get_visible (popover));
  list = find_with_class (popover, "boxed-list");
  g_assert_nonnull (list);
  g_assert_cmpuint (count_rows (list), ==, MIN (json_array_get_length (ids), 50));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-links"));

  /* a row opens its task's deal */
  gtk_widget_activate (GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0)));
  crm_test_ui_wait (300);
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "reports");
}

/* Conversion: a funnel whose bars are the pipeline's stages, first one 100 %. */
static void
test_conversion_funnel (void)
{
  g_autoptr(JsonNode) expected = NULL;
  JsonArray *columns;
  JsonObject *totals;
  CrmChart *chart;
  guint bar = 0;
  gint64 first = -1;

  crm_reports_view_set_report (reports_view (), "conversion");
  wait_for_report ();
  expected = expected_report ("conversion");
  columns = json_object_get_array_member (json_node_get_object (expected), "columns");
  totals = json_object_get_object_member (json_node_get_object (expected), "totals");
  chart = CRM_CHART (crm_reports_view_get_chart (reports_view ()));
  g_assert_cmpint (crm_chart_get_kind (chart), ==, CRM_CHART_FUNNEL);
  g_assert_nonnull (strstr (crm_chart_get_title (chart), "Продажи"));
  for (guint c = 0; c < json_array_get_length (columns); c++)
    {
      JsonObject *column = json_array_get_object_element (columns, c);
      gint64 count;
      g_autofree char *prefix = NULL;

      if (!json_object_has_member (column, "stage_id"))
        continue;
      count = json_object_get_int_member (totals, json_object_get_string_member (column, "key"));
      if (first < 0)
        first = count;
      g_assert_cmpuint (bar, <, crm_chart_get_n_bars (chart));
      g_assert_cmpstr (crm_chart_get_bar_label (chart, bar), ==,
                       json_object_get_string_member (column, "label"));
      prefix = g_strdup_printf ("%s: %" G_GINT64_FORMAT, json_object_get_string_member (column, "label"),
                                count);
      g_assert_true (g_str_has_prefix (crm_chart_get_bar_text (chart, bar), prefix));
      bar++;
    }
  g_assert_cmpuint (bar, ==, crm_chart_get_n_bars (chart));
  g_assert_cmpuint (bar, >=, 5);
  g_assert_cmpstr (crm_chart_get_bar_label (chart, 0), ==, "Неразобранное");
  g_assert_true (g_str_has_suffix (crm_chart_get_bar_text (chart, 0), "100 %"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-conversion"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-conversion-dark"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

/* A period with nothing in it says so; one that ends before it starts says that. */
static void
test_empty_and_bad_period (void)
{
  g_autoptr(GDateTime) start = g_date_time_new_utc (2001, 1, 1, 0, 0, 0);
  gint64 january = g_date_time_to_unix (start) * 1000;
  GtkWidget *stack;

  crm_reports_view_set_report (reports_view (), "tasks");
  crm_reports_view_set_period (reports_view (), january, january + 30 * CRM_MS_PER_DAY);
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "empty");
  stack = GTK_WIDGET (crm_test_ui_find (GTK_WIDGET (reports_view ()), GTK_TYPE_STACK, NULL));
  g_assert_true (ADW_IS_STATUS_PAGE (gtk_stack_get_visible_child (GTK_STACK (stack))));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (gtk_stack_get_visible_child (GTK_STACK (stack)))),
                   ==, "Nothing in This Period");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-empty"));

  crm_reports_view_set_period (reports_view (), january + 40 * CRM_MS_PER_DAY, january);
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "error");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (gtk_stack_get_visible_child (GTK_STACK (stack)))),
                            "start must come before its end"));
}

/* Saving: CSV as crm_report_to_csv writes it; an XLSX workbook and a PDF. */
static void
test_save (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "report.csv", NULL);
  g_autofree char *xlsx = g_build_filename (tmpdir, "report.xlsx", NULL);
  g_autofree char *pdf = g_build_filename (tmpdir, "report.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  gsize length = 0;

  crm_reports_view_set_report (reports_view (), "sales");
  /* the last year: the demo's won deals */
  crm_reports_view_set_period (reports_view (), crm_time_now_ms () - 365 * CRM_MS_PER_DAY,
                               crm_time_now_ms ());
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "report");
  g_assert_true (crm_reports_view_save (reports_view (), path, CRM_REPORT_FORMAT_CSV, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  expected = crm_report_to_csv (crm_reports_view_get_report (reports_view (), NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);
  g_assert_true (g_str_has_prefix (contents, "Employee,Deals won,Amount won"));
  g_clear_pointer (&contents, g_free);

  g_assert_true (crm_reports_view_save (reports_view (), xlsx, CRM_REPORT_FORMAT_XLSX, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (xlsx, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 4);
  g_assert_true (memcmp (contents, "PK", 2) == 0);   /* a zip: the workbook */
  g_clear_pointer (&contents, g_free);
  g_assert_true (crm_reports_view_save (reports_view (), pdf, CRM_REPORT_FORMAT_PDF, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-sales"));
}

/* Sales over the last year: the line of amounts won by week under the bars, its points
 * the report's own series; the keyboard walks the points (End: the last week), and the
 * plan report is in the picker. */
static void
test_line_and_keyboard (void)
{
  g_autoptr(JsonNode) expected = expected_report ("sales");
  JsonObject *series = json_object_get_object_member (json_node_get_object (expected), "series");
  JsonArray *points = json_object_get_array_member (series, "points");
  CrmChart *line = CRM_CHART (crm_reports_view_get_line_chart (reports_view ()));
  GtkEventController *keys = NULL;
  g_autoptr(GListModel) controllers = NULL;
  gboolean handled = FALSE;
  gint64 won = 0;

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (line)));
  g_assert_cmpint (crm_chart_get_kind (line), ==, CRM_CHART_LINE);
  g_assert_cmpstr (json_object_get_string_member (series, "bucket"), ==, "week");
  g_assert_cmpuint (crm_chart_get_n_bars (line), ==, json_array_get_length (points));
  for (guint i = 0; i < json_array_get_length (points); i++)
    won += json_object_get_int_member (json_array_get_object_element (points, i), "won_amount");
  g_assert_cmpint (won, ==, json_object_get_int_member (json_object_get_object_member (
                     json_node_get_object (expected), "totals"), "won_amount"));
  for (guint i = 0; i < crm_chart_get_n_bars (line); i++)
    g_assert_nonnull (strstr (crm_chart_get_description (line), crm_chart_get_bar_text (line, i)));
  /* the last point also says the running total: all the year's amount won */
  {
    JsonNode *total = json_object_get_member (json_object_get_object_member (
                        json_node_get_object (expected), "totals"), "won_amount");
    g_autofree char *text = crm_reports_format_value (total, "money");
    g_autofree char *said = g_strdup_printf ("; %s since the period began", text);

    g_assert_true (g_str_has_suffix (crm_chart_get_bar_text (line, crm_chart_get_n_bars (line) - 1),
                                     said));
  }

  /* focusable: Tab reaches it; its first point is then the one read out */
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (line)));
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (line)));
  crm_test_ui_wait (100);
  g_assert_cmpint (crm_chart_get_focus_index (line), ==, 0);
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (line));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        keys = GTK_EVENT_CONTROLLER (controller);
    }
  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_End, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (crm_chart_get_focus_index (line), ==, (int) crm_chart_get_n_bars (line) - 1);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Left, 0, 0, &handled);
  g_assert_cmpint (crm_chart_get_focus_index (line), ==, (int) crm_chart_get_n_bars (line) - 2);
  crm_test_ui_wait (100);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-sales-line"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-sales-line-dark"));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* the bars take the keyboard too */
  {
    CrmChart *bars = CRM_CHART (crm_reports_view_get_chart (reports_view ()));

    g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (bars)));
    g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (bars)));
    crm_test_ui_wait (100);
    g_assert_cmpint (crm_chart_get_focus_index (bars), ==, 0);
  }

  crm_reports_view_set_report (reports_view (), "plan");
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "report");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (line)));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (reports_view ()), GTK_TYPE_LABEL, "Forecast"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-plan"));

  /* the calls and the RFM segments are in the picker too: the demo has no calls (an
   * empty period) and no segments (the page says what an administrator does) */
  crm_reports_view_set_report (reports_view (), "calls");
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "empty");
  crm_reports_view_set_report (reports_view (), "rfm");
  wait_for_report ();
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-rfm"));
}

/* The calls report's figures lead to the calls behind them: three calls from new numbers
 * (each makes its contact and deal), one answered by the admin, two nobody answered; the
 * missed total lists the two missed calls by their numbers, and a row opens the call's
 * deal. */
static const CrmCallSettings around_the_clock = { .ring_seconds = 20, .zone = "UTC" };

static char *
make_call (const char *external_id,
           const char *from,
           const char *answered_by,
           gint64      at)
{
  CrmStore *store = crm_context_get_store (crm_window_get_context (window));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = crm_call_route (store, &around_the_clock, external_id, from,
                                                 "+74951234567", at, &error);
  g_autofree char *reason = NULL;
  gboolean applied = FALSE;

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  if (answered_by != NULL)
    {
      g_assert_true (crm_call_event (store, external_id, "answered", answered_by, NULL,
                                     at + 5000, &applied, &reason, &error));
      g_assert_no_error (error);
    }
  g_assert_true (crm_call_event (store, external_id, "ended", NULL, NULL, at + 65000, &applied,
                                 &reason, &error));
  g_assert_no_error (error);
  g_assert_true (applied);
  return g_strdup (json_object_get_string_member (answer, "deal"));
}

static void
test_calls_links (void)
{
  gint64 at = crm_time_now_ms () - 3600000;
  g_autofree char *answered_deal = make_call ("report-call-1", "+79161110001", "admin", at);
  g_autofree char *missed_deal = make_call ("report-call-2", "+79161110002", NULL, at + 60000);
  g_autofree char *missed_deal_2 = make_call ("report-call-3", "+79161110003", NULL, at + 120000);
  g_autoptr(JsonNode) expected = NULL;
  JsonObject *totals;
  JsonArray *ids, *columns;
  GtkGrid *table;
  GtkWidget *cell = NULL, *popover, *list, *row;
  guint n_rows;
  g_autofree char *first_title = NULL;

  g_assert_nonnull (missed_deal);
  crm_reports_view_set_report (reports_view (), "calls");
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "report");
  expected = expected_report ("calls");
  totals = json_object_get_object_member (json_node_get_object (expected), "totals");
  g_assert_cmpint (json_object_get_int_member (totals, "missed"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (totals, "answered"), ==, 1);
  ids = json_object_get_array_member (json_object_get_object_member (totals, "links"), "missed");
  g_assert_cmpuint (json_array_get_length (ids), ==, 2);

  /* the table's totals row: the missed figure is a button that lists the two calls */
  n_rows = json_array_get_length (json_object_get_array_member (json_node_get_object (expected),
                                                                "rows"));
  columns = json_object_get_array_member (json_node_get_object (expected), "columns");
  table = GTK_GRID (crm_reports_view_get_table (reports_view ()));
  for (guint c = 0; c < json_array_get_length (columns); c++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (columns, c), "key"),
                     "missed"))
      cell = gtk_grid_get_child_at (table, c, n_rows + 1);
  g_assert_true (GTK_IS_BUTTON (cell));
  g_assert_cmpstr (cell_text (cell), ==, "2");
  gtk_widget_grab_focus (cell);
  crm_test_ui_wait (300);
  g_signal_emit_by_name (cell, "clicked");
  crm_test_ui_wait (300);
  popover = gtk_widget_get_last_child (cell);
  g_assert_true (GTK_IS_POPOVER (popover));
  g_assert_true (gtk_widget_get_visible (popover));
  list = find_with_class (popover, "boxed-list");
  g_assert_nonnull (list);
  g_assert_cmpuint (count_rows (list), ==, 2);
  /* each row names the caller: the new numbers, as people read them */
  {
    g_autofree char *phone_2 = crm_format_phone ("+79161110002");
    g_autofree char *phone_3 = crm_format_phone ("+79161110003");

    first_title = g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (
      gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0))));
    g_assert_true (g_str_equal (first_title, phone_2) || g_str_equal (first_title, phone_3));
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-calls-links"));

  /* a row opens its call's deal */
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  gtk_widget_activate (row);
  crm_test_ui_wait (300);
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
  {
    g_autofree char *phone_2 = crm_format_phone ("+79161110002");

    g_assert_true (g_str_has_suffix (crm_window_get_view (window),
                                     g_str_equal (first_title, phone_2) ? missed_deal
                                                                        : missed_deal_2));
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "reports");
}

static void
test_stop (void)
{
  crm_test_ui_stop (app);
  app = NULL;
  window = NULL;
}

/* In a process of its own (one application per process): the app in Russian. */
static void
russian_app (void)
{
  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  g_assert_nonnull (db_path);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 1000);
  crm_test_ui_wait (200);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "Отчёты"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "reports"));
  wait_for_report ();
  g_assert_cmpstr (crm_reports_view_get_state (reports_view ()), ==, "report");
  g_assert_null (crm_test_ui_find (GTK_WIDGET (reports_view ()), GTK_TYPE_LABEL, "Overdue tasks"));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (reports_view ()), GTK_TYPE_LABEL, "Итого"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-dashboard-ru"));
  crm_reports_view_set_report (reports_view (), "conversion");
  wait_for_report ();
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-conversion-ru"));
  crm_reports_view_set_report (reports_view (), "tasks");
  wait_for_report ();
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "reports-tasks-ru"));
  crm_test_ui_stop (app);
}

/* The same in Russian: the sidebar, the pickers, the chart and the table. */
static void
test_russian (void)
{
  crm_test_ui_in_russian ("Reports", db_path, russian_app);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/reports/start", test_start);
  g_test_add_func ("/ui/reports/for-heads-only", test_for_heads_only);
  g_test_add_func ("/ui/reports/dashboard", test_dashboard);
  g_test_add_func ("/ui/reports/figure-links", test_figure_links);
  g_test_add_func ("/ui/reports/conversion-funnel", test_conversion_funnel);
  g_test_add_func ("/ui/reports/empty-and-bad-period", test_empty_and_bad_period);
  g_test_add_func ("/ui/reports/save", test_save);
  g_test_add_func ("/ui/reports/line-and-keyboard", test_line_and_keyboard);
  g_test_add_func ("/ui/reports/calls-links", test_calls_links);
  g_test_add_func ("/ui/reports/stop", test_stop);
  g_test_add_func ("/ui/reports/russian", test_russian);
  status = g_test_run ();
  if (tmpdir != NULL)
    crm_test_remove_tree (tmpdir);
  return status;
}
