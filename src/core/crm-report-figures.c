/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report-figures.c — what each report counts (S1-7, S2-9). Every query reads the
 * replica as it is now plus the changelog (the stages a deal went through); times come
 * from the entities' own fields (created_at, done_at, stage_entered_at), which the
 * device's clock wrote when the user acted, never from when an op arrived. */
#define G_LOG_DOMAIN "voronka-report"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-plan.h"
#include "crm-report-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

static gboolean
column_time (sqlite3_stmt *stmt,
             int           column,
             gint64       *out)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return FALSE;
  *out = sqlite3_column_int64 (stmt, column);
  return TRUE;
}

static gboolean
in_period (CrmReport *report,
           gint64     at)
{
  return at >= report->from && at < report->to;
}

/* --- task efficiency ----------------------------------------------------------------- */

static void
tasks_shares (CrmReport  *report,
              JsonObject *row,
              gpointer    user_data)
{
  _crm_report_share (row, "overdue_percent",
                     json_object_get_int_member_with_default (row, "overdue", 0),
                     json_object_get_int_member_with_default (row, "_due", 0));
}

gboolean
_crm_report_tasks (CrmReport  *report,
                   GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  _crm_report_add_column (report, "new", _("New"), "int");
  _crm_report_add_column (report, "in_progress", _("In progress"), "int");
  _crm_report_add_column (report, "done", _("Done"), "int");
  _crm_report_add_column (report, "overdue", _("Overdue"), "int");
  _crm_report_add_column (report, "overdue_percent", _("Overdue, %"), "percent");

  stmt = _crm_store_prepare (report->store,
    "SELECT t.responsible, t.created_at, coalesce (t.done, 0), t.done_at, t.due"
    " FROM task t LEFT JOIN deal d ON d.id = t.deal AND d.deleted = 0"
    " WHERE t.deleted = 0 AND coalesce (t.created_at, 0) < :to"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)"
    FOR_EMPLOYEES ("t.responsible"), error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
      gint64 created = 0, done_at = 0, due = 0;
      gboolean done = sqlite3_column_int (stmt, 2) != 0;
      gboolean has_done_at = column_time (stmt, 3, &done_at);
      gboolean open_at_end;

      column_time (stmt, 1, &created);
      /* done without a time (old data): done before anything we ask about */
      open_at_end = !done || (has_done_at && done_at >= report->end);
      if (in_period (report, created))
        _crm_report_count (report, row, "new", 1);
      if (created < report->end && open_at_end)
        _crm_report_count (report, row, "in_progress", 1);
      if (done && has_done_at && in_period (report, done_at))
        _crm_report_count (report, row, "done", 1);
      /* due in the period (as far as it has passed): done in time, or overdue */
      if (column_time (stmt, 4, &due) && due >= report->from && due < report->end)
        {
          _crm_report_count (report, row, "_due", 1);
          if (open_at_end || (has_done_at && done_at > due))
            _crm_report_count (report, row, "overdue", 1);
        }
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the tasks", error))
    return FALSE;
  _crm_report_each_row (report, tasks_shares, NULL);
  return TRUE;
}

/* --- conversion by stage ------------------------------------------------------------- */

typedef struct {
  GPtrArray *keys;        /* "stage_1", … in funnel order */
  GPtrArray *names;       /* the stages' names */
  GArray    *positions;   /* gint64 */
  gint64     won_from;    /* the position of the first won stage; G_MAXINT64: none */
} Funnel;

static void
conversion_shares (CrmReport  *report,
                   JsonObject *row,
                   gpointer    user_data)
{
  Funnel *funnel = user_data;
  gint64 deals = json_object_get_int_member_with_default (row, "deals", 0);
  double worst = 2.0;
  const char *sags = NULL;

  _crm_report_share (row, "conversion",
                     json_object_get_int_member_with_default (row, "_won", 0), deals);
  /* where the most deals stop: the stage the smallest share moves on from */
  for (guint i = 1; i < funnel->keys->len; i++)
    {
      gint64 before = json_object_get_int_member_with_default (row, funnel->keys->pdata[i - 1], 0);
      gint64 after = json_object_get_int_member_with_default (row, funnel->keys->pdata[i], 0);

      if (before > 0 && (double) after / before < worst)
        {
          worst = (double) after / before;
          sags = funnel->names->pdata[i - 1];
        }
    }
  if (sags != NULL && worst < 1.0)
    json_object_set_string_member (row, "sags_at", sags);
  else
    json_object_set_null_member (row, "sags_at");
}

static gboolean
read_funnel (CrmReport  *report,
             Funnel     *funnel,
             GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (report->store,
    "SELECT id, name, position, kind FROM stage WHERE deleted = 0 AND pipeline = :pipeline"
    " AND coalesce (kind, 'open') != 'lost' ORDER BY position, id", error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char *key = g_strdup_printf ("stage_%u", funnel->keys->len + 1);
      gint64 position = sqlite3_column_int64 (stmt, 2);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      JsonObject *column = _crm_report_add_column (report, key, name != NULL ? name : "",
                                                   "int");

      json_object_set_string_member (column, "stage_id",
                                     (const char *) sqlite3_column_text (stmt, 0));
      g_ptr_array_add (funnel->keys, key);
      g_ptr_array_add (funnel->names, g_strdup (name != NULL ? name : ""));
      g_array_append_val (funnel->positions, position);
      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "won") == 0)
        funnel->won_from = MIN (funnel->won_from, position);
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "read the pipeline's stages", error);
}

gboolean
_crm_report_conversion (CrmReport  *report,
                        GError    **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (gint64));
  Funnel funnel = { keys, names, positions, G_MAXINT64 };
  sqlite3_stmt *stmt;
  int rc;

  /* one funnel: the pipeline asked for, or the first one */
  if (report->filter.pipeline_id == NULL)
    {
      stmt = _crm_store_prepare (report->store,
        "SELECT id FROM pipeline WHERE deleted = 0 ORDER BY position, id LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        report->owned_pipeline = _crm_sql_dup_column_text (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && !_crm_report_step_error (report, rc, "find the first pipeline", error))
        return FALSE;
      report->filter.pipeline_id = report->owned_pipeline;
    }

  _crm_report_add_column (report, "deals", _("Deals"), "int");
  if (!read_funnel (report, &funnel, error))
    return FALSE;
  _crm_report_add_column (report, "conversion", _("Won, %"), "percent");
  _crm_report_add_column (report, "sags_at", _("Most stop at"), "text");

  /* how far each deal got: its stage now, or the furthest one it was ever moved to */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.responsible, cur.position, coalesce (cur.kind, 'open'),"
    " (SELECT max (s.position) FROM changelog c"
    "  JOIN stage s ON s.id = json_extract (c.fields, '$.stage')"
    "  WHERE c.entity = 'deal' AND c.entity_id = d.id AND s.pipeline = d.pipeline"
    "  AND s.deleted = 0 AND coalesce (s.kind, 'open') != 'lost')"
    " FROM deal d LEFT JOIN stage cur ON cur.id = d.stage AND cur.deleted = 0"
    " WHERE d.deleted = 0 AND d.pipeline = :pipeline"
    " AND d.created_at >= :from AND d.created_at < :to"
    FOR_EMPLOYEES ("d.responsible"), error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
      gint64 reached = G_MININT64;
      gint64 history;

      if (sqlite3_column_type (stmt, 1) != SQLITE_NULL &&
          !g_str_equal ((const char *) sqlite3_column_text (stmt, 2), "lost"))
        reached = sqlite3_column_int64 (stmt, 1);
      if (column_time (stmt, 3, &history))
        reached = MAX (reached, history);
      /* every deal of the pipeline was at least in its first stage */
      if (positions->len > 0)
        reached = MAX (reached, g_array_index (positions, gint64, 0));

      _crm_report_count (report, row, "deals", 1);
      for (guint i = 0; i < keys->len; i++)
        if (g_array_index (positions, gint64, i) <= reached)
          _crm_report_count (report, row, keys->pdata[i], 1);
      if (reached >= funnel.won_from)
        _crm_report_count (report, row, "_won", 1);
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the deals by stage", error))
    return FALSE;
  _crm_report_each_row (report, conversion_shares, &funnel);
  return TRUE;
}

/* --- cold-sales activity ------------------------------------------------------------- */

static gboolean
count_created (CrmReport   *report,
               const char  *sql,
               const char  *key,
               const char  *what,
               GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));

      _crm_report_count (report, row, key, 1);
      if (sqlite3_column_count (stmt) > 2)
        {
          _crm_report_count (report, row, "_fields", sqlite3_column_int64 (stmt, 1));
          _crm_report_count (report, row, "_filled", sqlite3_column_int64 (stmt, 2));
        }
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, what, error);
}

static void
cold_shares (CrmReport  *report,
             JsonObject *row,
             gpointer    user_data)
{
  _crm_report_share (row, "fields_filled",
                     json_object_get_int_member_with_default (row, "_filled", 0),
                     json_object_get_int_member_with_default (row, "_fields", 0));
}

gboolean
_crm_report_cold_activity (CrmReport  *report,
                           GError    **error)
{
  _crm_report_add_column (report, "companies", _("Companies"), "int");
  _crm_report_add_column (report, "contacts", _("Contacts"), "int");
  _crm_report_add_column (report, "deals", _("Deals"), "int");
  _crm_report_add_column (report, "fields_filled", _("Fields filled, %"), "percent");

  if (!count_created (report,
        "SELECT responsible FROM company WHERE deleted = 0"
        " AND created_at >= :from AND created_at < :to" FOR_EMPLOYEES ("responsible"),
        "companies", "count the companies", error) ||
      !count_created (report,
        "SELECT responsible FROM contact WHERE deleted = 0"
        " AND created_at >= :from AND created_at < :to" FOR_EMPLOYEES ("responsible"),
        "contacts", "count the contacts", error) ||
      /* the deal's visible custom fields, and how many of them have a value */
      !count_created (report,
        "SELECT d.responsible, count (f.id),"
        " count (CASE WHEN coalesce (json_extract (d.data, '$.\"' || f.key || '\"'), '')"
        "        NOT IN ('', '[]') THEN 1 END)"
        " FROM deal d LEFT JOIN field f ON f.deleted = 0 AND f.entity = 'deal'"
        "  AND coalesce (f.hidden, 0) = 0"
        " WHERE d.deleted = 0 AND d.created_at >= :from AND d.created_at < :to"
        " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
        " GROUP BY d.id",
        "deals", "count the deals", error))
    return FALSE;
  _crm_report_each_row (report, cold_shares, NULL);
  return TRUE;
}

/* --- sales --------------------------------------------------------------------------- */

static void
sales_shares (CrmReport  *report,
              JsonObject *row,
              gpointer    user_data)
{
  gint64 won = json_object_get_int_member_with_default (row, "won", 0);
  gint64 lost = json_object_get_int_member_with_default (row, "lost", 0);

  if (won > 0)
    json_object_set_int_member (row, "average",
                                json_object_get_int_member_with_default (row, "won_amount", 0)
                                / won);
  else
    json_object_set_null_member (row, "average");
  _crm_report_share (row, "win_rate", won, won + lost);
}

/* The won deals over time, for a line chart, with their running totals from the period's
 * start: by day for a period of up to 62 days, by
 * week (from Monday) up to two years, else by month — in the report's zone. A period
 * from the beginning starts at the first deal won. */
static gboolean
sales_series (CrmReport  *report,
              GError    **error)
{
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) won = NULL;
  g_autoptr(GArray) amounts = NULL;
  JsonObject *series;
  JsonArray *points;
  const char *bucket;
  sqlite3_stmt *stmt;
  gint64 from = report->from;
  gint64 end = report->to;
  gint64 won_total = 0, amount_total = 0;
  int rc;

  stmt = _crm_store_prepare (report->store,
    "SELECT d.stage_entered_at, coalesce (d.amount, 0) FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind = 'won'"
    " AND d.stage_entered_at >= :from AND d.stage_entered_at < :to"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
    " ORDER BY d.stage_entered_at", error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  if (from <= 0)
    {
      /* "from the beginning": from the first deal won (the rows come in time order) */
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        from = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && !_crm_report_step_error (report, rc, "find the first won deal", error))
        return FALSE;
      if (rc != SQLITE_ROW)
        from = crm_report_day_of (report->zone, report->end, 0);
    }

  /* the buckets' starts */
  if (end - from <= 62 * CRM_MS_PER_DAY)
    {
      bucket = "day";
      for (gint64 at = crm_report_day_of (report->zone, from, 0); at < end;
           at = crm_report_day_of (report->zone, at, 1))
        g_array_append_val (starts, at);
    }
  else if (end - from <= 2 * 366 * CRM_MS_PER_DAY)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (from / 1000);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, report->zone);

      bucket = "week";
      for (gint64 at = crm_report_day_of (report->zone, from,
                                          1 - g_date_time_get_day_of_week (local));
           at < end; at = crm_report_day_of (report->zone, at, 7))
        g_array_append_val (starts, at);
    }
  else
    {
      bucket = "month";
      for (gint64 at = crm_report_month_of (report->zone, from, 0); at < end;
           at = crm_report_month_of (report->zone, at, 1))
        g_array_append_val (starts, at);
    }
  won = g_array_sized_new (FALSE, TRUE, sizeof (gint64), starts->len);
  amounts = g_array_sized_new (FALSE, TRUE, sizeof (gint64), starts->len);
  g_array_set_size (won, starts->len);
  g_array_set_size (amounts, starts->len);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 at = sqlite3_column_int64 (stmt, 0);
      guint low = 0, high = starts->len;

      /* the last bucket that starts at or before @at */
      while (high - low > 1)
        {
          guint mid = (low + high) / 2;

          if (g_array_index (starts, gint64, mid) <= at)
            low = mid;
          else
            high = mid;
        }
      if (starts->len == 0)
        break;
      g_array_index (won, gint64, low)++;
      g_array_index (amounts, gint64, low) += sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the won deals over time", error))
    return FALSE;

  points = json_array_new ();
  for (guint i = 0; i < starts->len; i++)
    {
      JsonObject *point = json_object_new ();
      g_autofree char *start = crm_time_format (g_array_index (starts, gint64, i));

      /* the running totals: everything won from the period's start to this bucket's end */
      won_total += g_array_index (won, gint64, i);
      amount_total += g_array_index (amounts, gint64, i);
      json_object_set_string_member (point, "from", start);
      json_object_set_int_member (point, "won", g_array_index (won, gint64, i));
      json_object_set_int_member (point, "won_amount", g_array_index (amounts, gint64, i));
      json_object_set_int_member (point, "won_total", won_total);
      json_object_set_int_member (point, "won_amount_total", amount_total);
      json_array_add_object_element (points, point);
    }
  series = json_object_new ();
  json_object_set_string_member (series, "bucket", bucket);
  json_object_set_array_member (series, "points", points);
  json_object_set_object_member (report->extra, "series", series);
  return TRUE;
}

gboolean
_crm_report_sales (CrmReport  *report,
                   GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  _crm_report_add_column (report, "won", _("Deals won"), "int");
  _crm_report_add_column (report, "won_amount", _("Amount won"), "money");
  _crm_report_add_column (report, "average", _("Average won deal"), "money");
  _crm_report_add_column (report, "lost", _("Deals lost"), "int");
  _crm_report_add_column (report, "win_rate", _("Won of closed, %"), "percent");

  /* closed in the period: the deal entered its won or lost stage then */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.responsible, s.kind, coalesce (d.amount, 0) FROM deal d"
    " JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind IN ('won', 'lost')"
    " AND d.stage_entered_at >= :from AND d.stage_entered_at < :to"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));

      if (g_str_equal ((const char *) sqlite3_column_text (stmt, 1), "won"))
        {
          _crm_report_count (report, row, "won", 1);
          _crm_report_count (report, row, "won_amount", sqlite3_column_int64 (stmt, 2));
        }
      else
        _crm_report_count (report, row, "lost", 1);
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the closed deals", error))
    return FALSE;
  _crm_report_each_row (report, sales_shares, NULL);
  return sales_series (report, error);
}

/* --- plan vs fact --------------------------------------------------------------------- */

/* A monthly plan's share of the period: the plan of each month the period touches, in
 * the proportion of the month it covers (a whole month: all of it), rounded. */
static gint64
plan_for_period (CrmReport *report,
                 JsonArray *months)
{
  gint64 total = 0;

  for (guint i = 0; i < json_array_get_length (months); i++)
    {
      JsonObject *plan = json_array_get_object_element (months, i);
      int year, month;
      gint64 start, end, overlap;

      if (!crm_plan_parse_month (json_object_get_string_member_with_default (plan, "month", NULL),
                                 &year, &month, NULL))
        continue;
      start = crm_report_day_start (report->zone, year, month, 1);
      end = crm_report_day_start (report->zone, year, month + 1, 1);
      overlap = MIN (end, report->to) - MAX (start, report->from);
      if (overlap <= 0 || end <= start)
        continue;
      total += (json_object_get_int_member_with_default (plan, "amount", 0) * overlap
                + (end - start) / 2) / (end - start);
    }
  return total;
}

static void
plan_shares (CrmReport  *report,
             JsonObject *row,
             gpointer    user_data)
{
  gint64 plan = json_object_get_int_member_with_default (row, "plan", 0);
  gint64 fact = json_object_get_int_member_with_default (row, "fact", 0);
  gint64 elapsed = MIN (report->now, report->to) - report->from;

  _crm_report_share (row, "done", fact, plan);
  /* the pace so far kept up to the period's end */
  if (report->now >= report->to)
    json_object_set_int_member (row, "forecast", fact);
  else if (elapsed > 0)
    json_object_set_int_member (row, "forecast",
                                (gint64) ((double) fact * (report->to - report->from) / elapsed
                                          + 0.5));
  else
    json_object_set_null_member (row, "forecast");
  if (json_object_get_null_member (row, "forecast"))
    json_object_set_null_member (row, "forecast_done");
  else
    _crm_report_share (row, "forecast_done", json_object_get_int_member (row, "forecast"), plan);
}

gboolean
_crm_report_plan (CrmReport  *report,
                  GError    **error)
{
  g_autoptr(GHashTable) plans = NULL;
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *stmt;
  int rc;

  _crm_report_add_column (report, "plan", _("Plan"), "money");
  _crm_report_add_column (report, "fact", _("Won"), "money");
  _crm_report_add_column (report, "done", _("Of plan, %"), "percent");
  _crm_report_add_column (report, "forecast", _("Forecast"), "money");
  _crm_report_add_column (report, "forecast_done", _("Forecast of plan, %"), "percent");

  plans = crm_plan_read_all (report->store, error);
  if (plans == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, plans);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 plan = plan_for_period (report, value);
      g_autofree char *grp = NULL;

      /* only the employees the filters let through: those have rows already, or are
       * deleted ones (kept when they had a plan, as other reports keep their figures) */
      if (report->filter.user_id != NULL && !g_str_equal (report->filter.user_id, key))
        continue;
      if (report->filter.group != NULL)
        {
          g_autofree char *group = _crm_store_dup_column (report->store, "user", key, "grp");

          if (g_strcmp0 (group, report->filter.group) != 0)
            continue;
        }
      if (plan > 0)
        _crm_report_count (report, _crm_report_row (report, key), "plan", plan);
    }

  /* the fact: deals won in the period (they entered a won stage then), as "sales" */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.responsible, coalesce (d.amount, 0) FROM deal d"
    " JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind = 'won'"
    " AND d.stage_entered_at >= :from AND d.stage_entered_at < :to"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    _crm_report_count (report, _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0)),
                       "fact", sqlite3_column_int64 (stmt, 1));
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the won deals", error))
    return FALSE;
  _crm_report_each_row (report, plan_shares, NULL);
  return TRUE;
}

/* --- calls --------------------------------------------------------------------------- */

static void
calls_figures (CrmReport  *report,
               JsonObject *row,
               gpointer    user_data)
{
  gint64 answered = json_object_get_int_member_with_default (row, "answered", 0);
  gint64 missed = json_object_get_int_member_with_default (row, "missed", 0);
  gint64 waited = json_object_get_int_member_with_default (row, "_waited", 0);

  _crm_report_share (row, "missed_percent", missed, answered + missed);
  if (waited > 0)
    json_object_set_int_member (row, "average_wait",
                                (json_object_get_int_member_with_default (row, "_wait", 0)
                                 + waited / 2) / waited);
  else
    json_object_set_null_member (row, "average_wait");
}

gboolean
_crm_report_calls (CrmReport  *report,
                   GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  _crm_report_add_column (report, "answered", _("Answered calls"), "int");
  _crm_report_add_column (report, "missed", _("Missed calls"), "int");
  _crm_report_add_column (report, "missed_percent", _("Missed calls, %"), "percent");
  _crm_report_add_column (report, "average_wait", _("Average wait"), "duration");
  _crm_report_add_column (report, "talk_time", _("Talk time"), "duration");

  /* calls that began in the period: answered ones are the answerer's, missed ones (and
   * those left on voicemail) the person they were given to; calls still ringing wait */
  stmt = _crm_store_prepare (report->store,
    "SELECT CASE WHEN c.status = 'answered' THEN c.answered_by ELSE c.missed_to END, c.status,"
    " c.started_at, c.answered_at, coalesce (c.duration, 0), c.id FROM call c"
    " WHERE c.deleted = 0 AND c.status IN ('answered', 'missed', 'voicemail')"
    " AND c.started_at >= :from AND c.started_at < :to"
    " AND (:pipeline IS NULL OR c.deal IN (SELECT id FROM deal WHERE pipeline = :pipeline))"
    FOR_EMPLOYEES ("(CASE WHEN c.status = 'answered' THEN c.answered_by ELSE c.missed_to END)"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
      gint64 started = 0, answered_at = 0;

      const char *id = (const char *) sqlite3_column_text (stmt, 5);

      if (g_str_equal ((const char *) sqlite3_column_text (stmt, 1), "answered"))
        {
          _crm_report_count (report, row, "answered", 1);
          _crm_report_link (report, row, "answered", id);
          _crm_report_count (report, row, "talk_time", sqlite3_column_int64 (stmt, 4));
          if (column_time (stmt, 2, &started) && column_time (stmt, 3, &answered_at) &&
              answered_at >= started)
            {
              _crm_report_count (report, row, "_wait", (answered_at - started) / 1000);
              _crm_report_count (report, row, "_waited", 1);
            }
        }
      else
        {
          _crm_report_count (report, row, "missed", 1);
          _crm_report_link (report, row, "missed", id);
        }
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the calls", error))
    return FALSE;
  _crm_report_each_row (report, calls_figures, NULL);
  return TRUE;
}

/* --- the head's dashboard ------------------------------------------------------------ */

typedef struct {
  GHashTable *times;   /* JsonObject row → GArray of response seconds */
  GArray     *all;
} Responses;

static void
dashboard_figures (CrmReport  *report,
                   JsonObject *row,
                   gpointer    user_data)
{
  Responses *responses = user_data;
  GArray *times = row == report->totals ? responses->all
                                        : g_hash_table_lookup (responses->times, row);

  _crm_report_percentile (row, "response_median", times, 50);
  _crm_report_percentile (row, "response_p90", times, 90);
}

static gboolean
dashboard_responses (CrmReport  *report,
                     Responses  *responses,
                     GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* the first sign of work on a new request: a note, a finished task, a move by a
   * person (in the changelog: an op no rule wrote), or the stage the deal is in now,
   * when it was entered after the deal's creation. One index seek a deal for each
   * (schema 17); the earliest is picked below. */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.id, d.responsible, d.created_at,"
    " (SELECT min (n.created_at) FROM note n WHERE n.entity = 'deal' AND n.entity_id = d.id"
    "  AND n.deleted = 0 AND n.created_at > d.created_at),"
    " (SELECT min (t.done_at) FROM task t WHERE t.deal = d.id AND t.deleted = 0"
    "  AND t.done = 1 AND t.done_at > d.created_at),"
    " (SELECT min (json_extract (c.fields, '$.stage_entered_at')) FROM changelog c"
    "  WHERE c.entity = 'deal' AND c.entity_id = d.id AND c.rule IS NULL"
    "  AND json_extract (c.fields, '$.stage_entered_at') IS NOT NULL"
    "  AND json_extract (c.fields, '$.stage_entered_at') > d.created_at),"
    " CASE WHEN d.stage_entered_at > d.created_at THEN d.stage_entered_at END"
    " FROM deal d WHERE d.deleted = 0 AND d.created_at >= :from AND d.created_at < :to"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));
      gint64 created = sqlite3_column_int64 (stmt, 2);
      gint64 first = G_MAXINT64;

      for (int column = 3; column <= 6; column++)
        {
          gint64 at;

          if (column_time (stmt, column, &at))
            first = MIN (first, at);
        }
      _crm_report_count (report, row, "requests", 1);
      if (first != G_MAXINT64 && first <= report->now)
        {
          GArray *times = g_hash_table_lookup (responses->times, row);
          gint64 seconds = (first - created) / 1000;

          if (times == NULL)
            {
              times = g_array_new (FALSE, FALSE, sizeof (gint64));
              g_hash_table_insert (responses->times, row, times);
            }
          g_array_append_val (times, seconds);
          g_array_append_val (responses->all, seconds);
        }
      else
        {
          _crm_report_count (report, row, "unanswered", 1);
          _crm_report_link (report, row, "unanswered", (const char *) sqlite3_column_text (stmt, 0));
        }
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "measure the response times", error);
}

static gboolean
dashboard_now (CrmReport   *report,
               const char  *sql,
               const char  *key,
               const char  *what,
               GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));

      _crm_report_count (report, row, key, 1);
      _crm_report_link (report, row, key, (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, what, error);
}

gboolean
_crm_report_dashboard (CrmReport  *report,
                       GError    **error)
{
  Responses responses = {
    g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref),
    g_array_new (FALSE, FALSE, sizeof (gint64)),
  };
  gboolean ok;

  _crm_report_add_column (report, "requests", _("New requests"), "int");
  _crm_report_add_column (report, "response_median", _("Response, median"), "duration");
  _crm_report_add_column (report, "response_p90", _("Response, 90%"), "duration");
  _crm_report_add_column (report, "unanswered", _("Not answered yet"), "int");
  _crm_report_add_column (report, "without_tasks", _("Open deals without a task"), "int");
  _crm_report_add_column (report, "overdue_tasks", _("Overdue tasks"), "int");

  ok = dashboard_responses (report, &responses, error) &&
       /* as of now, whatever the period: what needs the head's attention today */
       dashboard_now (report,
         /* from the open stages (few) to their deals through the board's index, which
          * holds the ids: a deal's row is read only when it has no open task (the open
          * tasks' index, schema 17) */
         "SELECT d.id, d.responsible FROM stage s CROSS JOIN deal d INDEXED BY deal_board"
         " ON d.stage = s.id"
         " WHERE coalesce (s.kind, 'open') IN ('unsorted', 'open') AND d.deleted = 0"
         " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.deal = d.id AND t.deleted = 0"
         "  AND coalesce (t.done, 0) = 0)"
         " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
         "without_tasks", "find the deals without tasks", error) &&
       dashboard_now (report,
         "SELECT t.id, t.responsible FROM task t"
         " WHERE t.deleted = 0 AND coalesce (t.done, 0) = 0 AND t.due < :now"
         " AND (:pipeline IS NULL OR t.deal IN (SELECT id FROM deal WHERE pipeline = :pipeline))"
         FOR_EMPLOYEES ("t.responsible"),
         "overdue_tasks", "find the overdue tasks", error);
  if (ok)
    _crm_report_each_row (report, dashboard_figures, &responses);
  g_hash_table_unref (responses.times);
  g_array_unref (responses.all);
  return ok;
}
