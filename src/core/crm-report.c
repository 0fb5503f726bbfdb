/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report.c — the reports' frame: the list of reports, the period and filters bound
 * into each query, one row per employee (every active one, plus deleted ones that still
 * have figures), totals, shares and medians, and CSV. The figures themselves are in
 * crm-report-figures.c. */
#define G_LOG_DOMAIN "voronka-report"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-report-private.h"
#include "crm-schedule.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

typedef gboolean (*ReportFunc) (CrmReport *report,
                                GError   **error);

typedef struct {
  CrmReportInfo info;
  ReportFunc    run;
} ReportDef;

static const ReportDef *
report_defs (guint *n_defs)
{
  /* translated at first use, after the locale is set */
  static ReportDef defs[11];
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      defs[0] = (ReportDef) { { "dashboard", _("Head's dashboard"),
        _("How fast managers answer new requests (median and 90th percentile from the "
          "deal's creation to the first move, note or finished task), open deals without "
          "an open task and overdue tasks, as of now.") }, _crm_report_dashboard };
      defs[1] = (ReportDef) { { "tasks", _("Task efficiency"),
        _("Per employee: tasks created in the period, open at its end, done in it, and "
          "those due in it that were not done in time (overdue) with their share.") },
        _crm_report_tasks };
      defs[2] = (ReportDef) { { "conversion", _("Conversion by stage"),
        _("Per manager: the deals created in the period and how many of them reached each "
          "stage of the pipeline; the stage where most deals drop out.") },
        _crm_report_conversion };
      defs[3] = (ReportDef) { { "cold-activity", _("Cold-sales activity"),
        _("Per employee: companies, contacts and deals created in the period, and the "
          "share of the deals' custom fields filled in.") }, _crm_report_cold_activity };
      defs[4] = (ReportDef) { { "sales", _("Sales"),
        _("Per manager: deals won and lost in the period, the amount won, the average "
          "won deal and the share of closed deals that were won.") }, _crm_report_sales };
      defs[5] = (ReportDef) { { "samples", _("Samples handed over"),
        _("Per employee: deals that entered a stage requiring a photo in the period (a "
          "sample handed over, confirmed by the photo) and the photos attached to them.") },
        _crm_report_samples };
      defs[6] = (ReportDef) { { "debts", _("Payment deferrals and debts"),
        _("Per manager, as of now, over the deals not lost: deals with a payment deferral "
          "and its average length, deals in debt and the amount owed.") }, _crm_report_debts };
      defs[7] = (ReportDef) { { "nps", _("NPS"),
        _("Per manager: the survey scores (0–10) of deals won in the period, promoters "
          "(9–10), detractors (0–6) and NPS (the share of promoters minus that of detractors), "
          "overall and by question.") }, _crm_report_nps };
      defs[8] = (ReportDef) { { "rfm", _("RFM segments"),
        _("Per manager: the clients (companies, and contacts without a company) of each "
          "RFM segment at the end of the period — VIP clients among them — and how many "
          "moved from one segment to another during it.") }, _crm_report_rfm };
      defs[9] = (ReportDef) { { "plan", _("Plan vs fact"),
        _("Per manager: the sales plan of the period (the monthly plans set with “plan set”, "
          "in proportion to the part of each month the period covers), the amount won in it, "
          "the share of the plan done, and the forecast at the pace so far.") },
        _crm_report_plan };
      defs[10] = (ReportDef) { { "calls", _("Calls"),
        _("Per employee: the calls that began in the period — answered by them, and missed "
          "ones given to them (voicemail included) with their share — how long callers waited "
          "for an answer on average, and the time spent talking.") }, _crm_report_calls };
      g_once_init_leave (&done, 1);
    }
  *n_defs = G_N_ELEMENTS (defs);
  return defs;
}

const CrmReportInfo *
crm_report_list (guint *n_reports)
{
  static CrmReportInfo infos[11];
  static gsize done = 0;
  guint n_defs;
  const ReportDef *defs = report_defs (&n_defs);

  G_STATIC_ASSERT (G_N_ELEMENTS (infos) == 11);
  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < n_defs; i++)
        infos[i] = defs[i].info;
      g_once_init_leave (&done, 1);
    }
  *n_reports = n_defs;
  return infos;
}

/* --- days in the account's zone ---------------------------------------------------- */

GTimeZone *
crm_report_dup_zone (CrmStore *store)
{
  g_autofree char *zone = crm_schedule_lookup_zone (store);
  GTimeZone *tz = zone != NULL ? g_time_zone_new_identifier (zone) : NULL;

  return tz != NULL ? tz : g_time_zone_new_local ();
}

gint64
crm_report_day_start (GTimeZone *zone,
                      int        year,
                      int        month,
                      int        day)
{
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) result = NULL;

  /* months run over into years, days into months */
  year += (month - 1 >= 0 ? (month - 1) / 12 : (month - 12) / 12);
  month = ((month - 1) % 12 + 12) % 12 + 1;
  first = g_date_time_new (zone, CLAMP (year, 1, 9999), month, 1, 0, 0, 0);
  if (first == NULL)
    return 0;
  result = g_date_time_add_days (first, day - 1);
  /* a zone whose clocks skip midnight: the day starts at its first moment */
  return result != NULL ? g_date_time_to_unix (result) * 1000 : 0;
}

gint64
crm_report_day_of (GTimeZone *zone,
                   gint64     at,
                   int        days)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);

  return crm_report_day_start (zone, g_date_time_get_year (local),
                               g_date_time_get_month (local),
                               g_date_time_get_day_of_month (local) + days);
}

gint64
crm_report_month_of (GTimeZone *zone,
                     gint64     at,
                     int        months)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);

  return crm_report_day_start (zone, g_date_time_get_year (local),
                               g_date_time_get_month (local) + months, 1);
}

gboolean
crm_report_parse_day (GTimeZone  *zone,
                      const char *text,
                      gboolean    end,
                      gint64     *out_ms)
{
  int year, month, day;
  char tail;
  g_autoptr(GDateTime) check = NULL;

  if (text == NULL || strlen (text) != 10 ||
      sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3)
    return FALSE;
  check = g_date_time_new (zone, year, month, day, 12, 0, 0);
  if (check == NULL)
    return FALSE;
  *out_ms = crm_report_day_start (zone, year, month, day + (end ? 1 : 0));
  return *out_ms != 0;
}

/* --- rows ---------------------------------------------------------------------------- */

JsonObject *
_crm_report_add_column (CrmReport  *report,
                        const char *key,
                        const char *label,
                        const char *type)
{
  JsonObject *column = json_object_new ();

  json_object_set_string_member (column, "key", key);
  json_object_set_string_member (column, "label", label);
  json_object_set_string_member (column, "type", type);
  json_array_add_object_element (report->columns, column);
  return column;
}

static JsonObject *
new_row (CrmReport  *report,
         const char *user_id,
         const char *name)
{
  JsonObject *row = json_object_new ();

  json_object_set_string_member (row, "user", name);
  if (user_id != NULL)
    json_object_set_string_member (row, "user_id", user_id);
  else
    json_object_set_null_member (row, "user_id");
  g_hash_table_insert (report->rows, g_strdup (user_id != NULL ? user_id : ""), row);
  g_ptr_array_add (report->order, row);
  return row;
}

/* Every active employee the filters let through gets a row, figures or not. */
static gboolean
add_employee_rows (CrmReport  *report,
                   GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (report->store,
    "SELECT id, name FROM \"user\" WHERE deleted = 0"
    " AND (:user IS NULL OR id = :user) AND (:grp IS NULL OR grp = :grp)"
    " ORDER BY name COLLATE NOCASE, id", error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    new_row (report, (const char *) sqlite3_column_text (stmt, 0),
             (const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (report->store, error, "read the employees");
      return FALSE;
    }
  return TRUE;
}

JsonObject *
_crm_report_row (CrmReport  *report,
                 const char *user_id)
{
  JsonObject *row = g_hash_table_lookup (report->rows, user_id != NULL ? user_id : "");
  g_autofree char *label = NULL;
  sqlite3_stmt *stmt;

  if (row != NULL)
    return row;
  if (user_id == NULL)
    return new_row (report, NULL, _("No responsible"));

  /* not an active employee: a deleted one, or one this replica has not heard of */
  stmt = _crm_store_prepare (report->store,
                             "SELECT name, deleted FROM \"user\" WHERE id = ?1", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
        {
          const char *name = (const char *) sqlite3_column_text (stmt, 0);

          if (sqlite3_column_int (stmt, 1) != 0)
            /* Translators: an employee deleted from the account, in a report's row */
            label = g_strdup_printf (_("%s (deleted)"), name);
          else
            label = g_strdup (name);
        }
      sqlite3_reset (stmt);
    }
  if (label == NULL)
    label = g_strdup (_("Unknown employee"));
  return new_row (report, user_id, label);
}

/* In place when the member is there: a report counts tens of thousands of times, and
 * replacing the member each time allocated a node and rehashed its key. */
static void
add_int (JsonObject *object,
         const char *key,
         gint64      delta)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    json_node_set_int (node, json_node_get_int (node) + delta);
  else
    json_object_set_int_member (object, key, delta);
}

void
_crm_report_count (CrmReport  *report,
                   JsonObject *row,
                   const char *key,
                   gint64      delta)
{
  add_int (row, key, delta);
  add_int (report->totals, key, delta);
}

JsonArray *
_crm_report_links (JsonObject *object,
                   const char *key)
{
  /* one lookup a level: a dashboard links tens of thousands of deals and tasks */
  JsonNode *links = json_object_get_member (object, "links");
  JsonNode *ids;

  if (links == NULL)
    {
      json_object_set_object_member (object, "links", json_object_new ());
      links = json_object_get_member (object, "links");
    }
  ids = json_object_get_member (json_node_get_object (links), key);
  if (ids == NULL)
    {
      json_object_set_array_member (json_node_get_object (links), key, json_array_new ());
      ids = json_object_get_member (json_node_get_object (links), key);
    }
  return json_node_get_array (ids);
}

void
_crm_report_link (CrmReport  *report,
                  JsonObject *row,
                  const char *key,
                  const char *id)
{
  _crm_report_link_both (_crm_report_links (row, key), _crm_report_links (report->totals, key),
                         id);
}

/* Appends @id to a row's @ids and the totals' @all_ids: one node in both (a node in an
 * array has no parent, and nothing changes a report's nodes once made), so a dashboard's
 * tens of thousands of links are made once, not twice. */
void
_crm_report_link_both (JsonArray  *ids,
                       JsonArray  *all_ids,
                       const char *id)
{
  JsonNode *node = json_node_init_string (json_node_alloc (), id);

  json_array_add_element (ids, node);
  json_array_add_element (all_ids, json_node_ref (node));
}

void
_crm_report_share (JsonObject *row,
                   const char *key,
                   gint64      part,
                   gint64      whole)
{
  if (whole <= 0)
    json_object_set_null_member (row, key);
  else
    /* one decimal, rounded half up */
    json_object_set_double_member (row, key,
                                   (double) ((part * 1000 + whole / 2) / whole) / 10.0);
}

void
_crm_report_each_row (CrmReport          *report,
                      CrmReportRowFunc    func,
                      gpointer            user_data)
{
  for (guint i = 0; i < report->order->len; i++)
    func (report, report->order->pdata[i], user_data);
  func (report, report->totals, user_data);
}

/* The @k-th smallest of @values (0-based), moved to its place: the smaller ones before
 * it, the larger after (Hoare's selection), without sorting every value — a dashboard's
 * whole history has a response time for each of hundreds of thousands of deals. */
static gint64
select_nth (GArray *values,
            gssize  k)
{
  gint64 *v = (gint64 *) (gpointer) values->data;
  gssize lo = 0, hi = (gssize) values->len - 1;

  while (lo < hi)
    {
      gint64 pivot = v[lo + (hi - lo) / 2];
      gssize i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              gint64 swap = v[i];

              v[i++] = v[j];
              v[j--] = swap;
            }
        }
      /* [lo, j] ≤ pivot, [i, hi] ≥ pivot, and what lies between them is the pivot */
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return v[k];
}

void
_crm_report_percentile (JsonObject *row,
                        const char *key,
                        GArray     *values,
                        guint       percent)
{
  guint rank;

  if (values == NULL || values->len == 0)
    {
      json_object_set_null_member (row, key);
      return;
    }
  if (percent == 50 && values->len % 2 == 0)
    {
      gint64 high = select_nth (values, values->len / 2);
      gint64 low = G_MININT64;

      /* the largest of the half below it */
      for (guint i = 0; i < values->len / 2; i++)
        low = MAX (low, g_array_index (values, gint64, i));
      json_object_set_int_member (row, key, (low + high) / 2);
      return;
    }
  /* the nearest-rank percentile */
  rank = (values->len * percent + 99) / 100;
  json_object_set_int_member (row, key, select_nth (values, MAX (rank, 1) - 1));
}

void
_crm_report_bind (CrmReport    *report,
                  sqlite3_stmt *stmt)
{
  int index;

  if ((index = sqlite3_bind_parameter_index (stmt, ":from")) > 0)
    sqlite3_bind_int64 (stmt, index, report->from);
  if ((index = sqlite3_bind_parameter_index (stmt, ":to")) > 0)
    sqlite3_bind_int64 (stmt, index, report->to);
  if ((index = sqlite3_bind_parameter_index (stmt, ":now")) > 0)
    sqlite3_bind_int64 (stmt, index, report->now);
  if ((index = sqlite3_bind_parameter_index (stmt, ":user")) > 0)
    _crm_sql_bind_text_or_null (stmt, index, report->filter.user_id);
  if ((index = sqlite3_bind_parameter_index (stmt, ":grp")) > 0)
    _crm_sql_bind_text_or_null (stmt, index, report->filter.group);
  if ((index = sqlite3_bind_parameter_index (stmt, ":pipeline")) > 0)
    _crm_sql_bind_text_or_null (stmt, index, report->filter.pipeline_id);
  if ((index = sqlite3_bind_parameter_index (stmt, ":a")) > 0)
    sqlite3_bind_int64 (stmt, index, report->range_from);
  if ((index = sqlite3_bind_parameter_index (stmt, ":b")) > 0)
    sqlite3_bind_int64 (stmt, index, report->range_to);
  if ((index = sqlite3_bind_parameter_index (stmt, ":dlo")) > 0)
    sqlite3_bind_int64 (stmt, index, report->day_from);
  if ((index = sqlite3_bind_parameter_index (stmt, ":dhi")) > 0)
    sqlite3_bind_int64 (stmt, index, report->day_to);
}

gboolean
_crm_report_step_error (CrmReport  *report,
                        int         rc,
                        const char *what,
                        GError    **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  _crm_store_set_read_error (report->store, error, what);
  return FALSE;
}

/* --- running ------------------------------------------------------------------------- */

/* Counted columns an employee has no figures for read 0; the figures' scratch members
 * ("_…") go. */
static void
finish_row (CrmReport  *report,
            JsonObject *row,
            gpointer    user_data)
{
  g_autoptr(GList) members = json_object_get_members (row);

  for (GList *l = members; l != NULL; l = l->next)
    if (((const char *) l->data)[0] == '_')
      json_object_remove_member (row, l->data);
  for (guint i = 0; i < json_array_get_length (report->columns); i++)
    {
      JsonObject *column = json_array_get_object_element (report->columns, i);
      const char *key = json_object_get_string_member (column, "key");
      const char *type = json_object_get_string_member (column, "type");

      if (!json_object_has_member (row, key))
        {
          if (g_str_equal (type, "int") || g_str_equal (type, "money"))
            json_object_set_int_member (row, key, 0);
          else
            json_object_set_null_member (row, key);
        }
    }
}

static JsonNode *
run_report (CrmStore              *store,
            const char            *name,
            const CrmReportFilter *filter,
            gboolean               from_rows,
            GError               **error)
{
  static const CrmReportFilter everything = { 0 };
  g_autoptr(GString) known = g_string_new (NULL);
  const ReportDef *def = NULL;
  guint n_defs;
  const ReportDef *defs = report_defs (&n_defs);
  CrmReport report = { 0 };
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  JsonObject *result;
  JsonArray *rows;
  JsonNode *node = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < n_defs; i++)
    {
      if (g_str_equal (defs[i].info.name, name))
        def = &defs[i];
      g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", defs[i].info.name);
    }
  if (def == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no report “%s”; the reports are: %s"), name, known->str);
      return NULL;
    }

  report.store = store;
  report.from_rows = from_rows;
  report.filter = filter != NULL ? *filter : everything;
  report.now = crm_store_get_now (store);
  report.from = report.filter.from;
  report.to = report.filter.to > 0 ? report.filter.to : report.now;
  report.end = MIN (report.to, report.now);
  if (report.from >= report.to)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The period is empty: its start must come before its end"));
      return NULL;
    }
  report.zone = crm_report_dup_zone (store);
  report.extra = json_object_new ();
  report.columns = json_array_new ();
  report.rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  report.order = g_ptr_array_new ();
  report.totals = json_object_new ();
  _crm_report_add_column (&report, "user", _("Employee"), "text");

  json_object_set_string_member (report.totals, "user", _("Total"));
  json_object_set_null_member (report.totals, "user_id");

  /* active employees first, in name order; then those the figures bring (deleted ones,
   * "no responsible") in the order they come */
  if (!add_employee_rows (&report, error) || !def->run (&report, error))
    goto out;
  _crm_report_each_row (&report, finish_row, NULL);
  node = json_node_new (JSON_NODE_OBJECT);
  result = json_object_new ();
  json_object_set_string_member (result, "report", def->info.name);
  json_object_set_string_member (result, "title", def->info.title);
  from_text = crm_time_format (report.from);
  to_text = crm_time_format (report.to);
  json_object_set_string_member (result, "from", from_text);
  json_object_set_string_member (result, "to", to_text);
  json_object_set_string_member (result, "zone", g_time_zone_get_identifier (report.zone));
  json_object_set_array_member (result, "columns", json_array_ref (report.columns));
  rows = json_array_new ();
  for (guint i = 0; i < report.order->len; i++)
    json_array_add_object_element (rows, json_object_ref (report.order->pdata[i]));
  json_object_set_array_member (result, "rows", rows);
  json_object_set_object_member (result, "totals", json_object_ref (report.totals));
  {
    g_autoptr(GList) extra = json_object_get_members (report.extra);

    for (GList *l = extra; l != NULL; l = l->next)
      json_object_set_member (result, l->data,
                              json_node_copy (json_object_get_member (report.extra, l->data)));
  }
  json_node_take_object (node, result);

out:
  for (guint i = 0; i < report.order->len; i++)
    json_object_unref (report.order->pdata[i]);
  g_ptr_array_unref (report.order);
  g_hash_table_unref (report.rows);
  json_array_unref (report.columns);
  json_object_unref (report.totals);
  g_free (report.owned_pipeline);
  g_free (report.months_sql);
  g_clear_pointer (&report.zone, g_time_zone_unref);
  g_clear_pointer (&report.extra, json_object_unref);
  return node;
}

JsonNode *
crm_report_run (CrmStore              *store,
                const char            *name,
                const CrmReportFilter *filter,
                GError               **error)
{
  return run_report (store, name, filter, FALSE, error);
}

JsonNode *
crm_report_run_from_rows (CrmStore              *store,
                          const char            *name,
                          const CrmReportFilter *filter,
                          GError               **error)
{
  return run_report (store, name, filter, TRUE, error);
}

/* --- values as text ---------------------------------------------------------------- */

/* "2 d 3 h", "1 h 05 min", "12 min", "40 s" */
static char *
format_duration (gint64 seconds)
{
  if (seconds < 60)
    /* Translators: a duration in seconds, in a report */
    return g_strdup_printf (_("%lld s"), (long long) seconds);
  if (seconds < 3600)
    /* Translators: a duration in minutes, in a report */
    return g_strdup_printf (_("%lld min"), (long long) (seconds / 60));
  if (seconds < 86400)
    /* Translators: a duration in hours and minutes, in a report */
    return g_strdup_printf (_("%lld h %02lld min"), (long long) (seconds / 3600),
                            (long long) (seconds % 3600 / 60));
  /* Translators: a duration in days and hours, in a report */
  return g_strdup_printf (_("%lld d %lld h"), (long long) (seconds / 86400),
                          (long long) (seconds % 86400 / 3600));
}

char *
crm_report_format_value (JsonNode   *value,
                         const char *type)
{
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return g_strdup ("—");
  if (g_str_equal (type, "money"))
    return crm_money_format (json_node_get_int (value));
  if (g_str_equal (type, "percent"))
    return g_strdup_printf ("%.1f %%", json_node_get_double (value));
  if (g_str_equal (type, "duration"))
    return format_duration (json_node_get_int (value));
  if (g_str_equal (type, "int"))
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
  return g_strdup (json_node_get_string (value));
}

static char *
format_day (GTimeZone *zone,
            gint64     ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, zone);

  if (crm_report_day_of (zone, ms, 0) == ms)
    return g_date_time_format (local, "%Y-%m-%d");
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
crm_report_format_period (JsonNode *report)
{
  JsonObject *object = json_node_get_object (report);
  const char *zone_name = json_object_get_string_member_with_default (object, "zone", NULL);
  g_autoptr(GTimeZone) zone = zone_name != NULL ? g_time_zone_new_identifier (zone_name) : NULL;
  gint64 from = 0, to = 0, last_day;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  crm_time_parse (json_object_get_string_member (object, "from"), &from);
  crm_time_parse (json_object_get_string_member (object, "to"), &to);
  first = format_day (zone, from);
  /* a period of whole days ends at a midnight: show the last day it includes */
  last_day = crm_report_day_of (zone, to, -1);
  last = format_day (zone, crm_report_day_of (zone, to, 0) == to && last_day >= from
                           ? last_day : to);
  if (g_str_equal (first, last))
    return g_steal_pointer (&first);
  return g_strdup_printf ("%s – %s", first, last);
}

/* --- CSV ----------------------------------------------------------------------------- */

static void
append_csv_field (GString    *csv,
                  const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (csv, text);
      return;
    }
  g_string_append_c (csv, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *p);
    }
  g_string_append_c (csv, '"');
}

static char *
format_csv_value (JsonNode   *value,
                  const char *type)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value) || !JSON_NODE_HOLDS_VALUE (value))
    return g_strdup ("");
  if (g_str_equal (type, "money"))
    return crm_money_format (json_node_get_int (value));
  if (g_str_equal (type, "percent"))
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.1f",
                                        json_node_get_double (value)));
    }
  if (g_str_equal (type, "int") || g_str_equal (type, "duration"))
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
  return g_strdup (json_node_get_string (value) != NULL ? json_node_get_string (value) : "");
}

static void
append_csv_row (GString    *csv,
                JsonArray  *columns,
                JsonObject *row)
{
  for (guint i = 0; i < json_array_get_length (columns); i++)
    {
      JsonObject *column = json_array_get_object_element (columns, i);
      g_autofree char *text =
        format_csv_value (json_object_get_member (row, json_object_get_string_member (column, "key")),
                          json_object_get_string_member (column, "type"));

      if (i > 0)
        g_string_append_c (csv, ',');
      append_csv_field (csv, text);
    }
  g_string_append (csv, "\r\n");
}

char *
crm_report_to_csv (JsonNode *report)
{
  JsonObject *object;
  JsonArray *columns;
  JsonArray *rows;
  GString *csv = g_string_new (NULL);

  g_return_val_if_fail (report != NULL && JSON_NODE_HOLDS_OBJECT (report), NULL);

  object = json_node_get_object (report);
  columns = json_object_get_array_member (object, "columns");
  rows = json_object_get_array_member (object, "rows");
  for (guint i = 0; i < json_array_get_length (columns); i++)
    {
      if (i > 0)
        g_string_append_c (csv, ',');
      append_csv_field (csv, json_object_get_string_member (json_array_get_object_element (columns, i),
                                                            "label"));
    }
  g_string_append (csv, "\r\n");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    append_csv_row (csv, columns, json_array_get_object_element (rows, i));
  if (json_object_has_member (object, "totals"))
    append_csv_row (csv, columns, json_object_get_object_member (object, "totals"));
  return g_string_free (csv, FALSE);
}
