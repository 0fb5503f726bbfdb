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

/* From the rows alone (crm_report_run_from_rows): every task read. A task done, or due,
 * in the period counts whenever it was created. */
static gboolean
tasks_from_rows (CrmReport  *report,
                 GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (report->store,
    "SELECT t.responsible, t.created_at, coalesce (t.done, 0), t.done_at, t.due"
    " FROM task t LEFT JOIN deal d ON d.id = t.deal AND d.deleted = 0"
    " WHERE t.deleted = 0"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)"
    FOR_EMPLOYEES ("t.responsible"), error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = NULL;
      gint64 created = 0, done_at = 0, due = 0;
      gboolean done = sqlite3_column_int (stmt, 2) != 0;
      gboolean has_done_at = column_time (stmt, 3, &done_at);
      gboolean open_at_end;

      column_time (stmt, 1, &created);
      if (created < report->to)
        row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
      /* done without a time (old data): done before anything we ask about */
      open_at_end = !done || (has_done_at && done_at >= report->end);
      if (in_period (report, created))
        _crm_report_count (report, row, "new", 1);
      if (created < report->end && open_at_end)
        _crm_report_count (report, row, "in_progress", 1);
      if (done && has_done_at && in_period (report, done_at))
        {
          if (row == NULL)
            row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
          _crm_report_count (report, row, "done", 1);
        }
      /* due in the period (as far as it has passed): done in time, or overdue */
      if (column_time (stmt, 4, &due) && due >= report->from && due < report->end)
        {
          if (row == NULL)
            row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
          _crm_report_count (report, row, "_due", 1);
          if (open_at_end || (has_done_at && done_at > due))
            _crm_report_count (report, row, "overdue", 1);
        }
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "count the tasks", error);
}

/* @sql, which reads report_day's whole days [:dlo, :dhi), or the same query over
 * report_month's blocks of 32 days when the report reads those now (schema 19). */
static const char *
days_sql (CrmReport  *report,
          const char *sql)
{
  g_autoptr(GString) text = NULL;

  if (!report->months)
    return sql;
  text = g_string_new (sql);
  g_string_replace (text, "report_day", "report_month", 0);
  g_string_replace (text, "day >= :dlo", "month >= :dlo", 0);
  g_string_replace (text, "day < :dhi", "month < :dhi", 0);
  g_free (report->months_sql);
  report->months_sql = g_string_free (g_steal_pointer (&text), FALSE);
  return report->months_sql;
}

/* The task events of report_day (schema 18) and the rows behind each, for the edges of
 * a period that are not whole days. Each query gives the employee of one event in
 * [:a, :b), through the indexes of "column + 0" (schema 18); @null_rows those of a task
 * without created_at, which counts at 0 (asked only when 0 is in the range). */
#define TASK_ROWS(condition) \
  "SELECT t.responsible FROM task t LEFT JOIN deal d ON d.id = t.deal AND d.deleted = 0" \
  " WHERE t.deleted = 0 AND " condition \
  " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("t.responsible")

static const struct {
  const char *what;
  const char *rows[2];
  const char *null_rows;
} task_events[] = {
  { "task", { TASK_ROWS ("t.created_at + 0 >= :a AND t.created_at + 0 < :b"), NULL },
    TASK_ROWS ("t.created_at IS NULL") },
  /* closed when done, at the later of done_at and its creation */
  { "task_closed",
    { TASK_ROWS ("coalesce (t.done, 0) != 0 AND t.done_at + 0 >= :a AND t.done_at + 0 < :b"
                 " AND t.done_at > coalesce (t.created_at, 0)"),
      TASK_ROWS ("coalesce (t.done, 0) != 0"
                 " AND t.created_at + 0 >= :a AND t.created_at + 0 < :b"
                 " AND NOT coalesce (t.done_at > t.created_at, 0)") },
    TASK_ROWS ("coalesce (t.done, 0) != 0 AND t.created_at IS NULL"
               " AND NOT coalesce (t.done_at > 0, 0)") },
  { "task_done", { TASK_ROWS ("coalesce (t.done, 0) != 0"
                              " AND t.done_at + 0 >= :a AND t.done_at + 0 < :b"), NULL }, NULL },
  { "task_due", { TASK_ROWS ("t.due + 0 >= :a AND t.due + 0 < :b"), NULL }, NULL },
  { "task_late", { TASK_ROWS ("t.due + 0 >= :a AND t.due + 0 < :b"
                              " AND (coalesce (t.done, 0) = 0 OR t.done_at > t.due)"), NULL },
    NULL },
};

typedef struct {
  const char *what;   /* a kind of report_day event */
  guint       index;  /* in task_events */
  const char *key;    /* the figure it adds to */
  GHashTable *later;  /* employee ("" none) → events after the period in its last day */
} EventCount;

/* The whole UTC days [day_from, day_to) of @what from report_day. */
static gboolean
count_event_days (CrmReport   *report,
                  gpointer     user_data,
                  GError     **error)
{
  EventCount *count = user_data;
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, days_sql (report,
    "SELECT employee, sum (n) FROM report_day WHERE what = :what"
    " AND day >= :dlo AND day < :dhi AND (:pipeline IS NULL OR pipeline = :pipeline)"
    FOR_EMPLOYEES ("employee") " GROUP BY employee"), error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":what"), count->what, -1,
                     SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *employee = (const char *) sqlite3_column_text (stmt, 0);
      gint64 n = sqlite3_column_int64 (stmt, 1);

      /* the last day less what comes after the period's end */
      if (count->later != NULL)
        n -= GPOINTER_TO_SIZE (g_hash_table_lookup (count->later, employee));
      if (n != 0)
        _crm_report_count (report,
                           _crm_report_row (report, employee[0] != '\0' ? employee : NULL),
                           count->key, n);
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "sum the day totals", error);
}

/* The events of [range_from, range_to) from their rows. */
static gboolean
count_event_rows (CrmReport   *report,
                  gpointer     user_data,
                  GError     **error)
{
  EventCount *count = user_data;
  const char *queries[3] = {
    task_events[count->index].rows[0],
    task_events[count->index].rows[1],
    report->range_from <= 0 && report->range_to > 0 ? task_events[count->index].null_rows : NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      sqlite3_stmt *stmt;
      int rc;

      if (queries[i] == NULL)
        continue;
      stmt = _crm_store_prepare (report->store, queries[i], error);
      if (stmt == NULL)
        return FALSE;
      _crm_report_bind (report, stmt);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (count->later != NULL)
          {
            const char *employee = (const char *) sqlite3_column_text (stmt, 0);
            gpointer key = employee != NULL ? (gpointer) employee : "";
            gsize n = GPOINTER_TO_SIZE (g_hash_table_lookup (count->later, key));

            g_hash_table_insert (count->later, g_strdup (key), GSIZE_TO_POINTER (n + 1));
          }
        else
          _crm_report_count (report,
                             _crm_report_row (report,
                                              (const char *) sqlite3_column_text (stmt, 0)),
                             count->key, 1);
      sqlite3_reset (stmt);
      if (!_crm_report_step_error (report, rc, "count the period's edges", error))
        return FALSE;
    }
  return TRUE;
}

typedef gboolean (*RangeFunc) (CrmReport *report,
                               gpointer   data,
                               GError   **error);

/* [@from, @to) as report_day's whole UTC days (@days, with :dlo :dhi bound) and the
 * edges that are not whole days (@rows, with :a :b bound): a period of any length reads
 * at most a few thousand totals and two days of rows. Times before 1970 are only in
 * the rows. */
/* The whole days [@day_from, @day_to): report_month's whole blocks of 32 days in them
 * when @blocks, report_day's days for the rest. */
static gboolean
over_days (CrmReport  *report,
           gint64      day_from,
           gint64      day_to,
           gboolean    blocks,
           RangeFunc   days,
           gpointer    data,
           GError    **error)
{
  gint64 month_from = (day_from + 31) / 32;
  gint64 month_to = day_to / 32;
  gboolean ok;

  if (!blocks || month_from >= month_to)
    {
      report->day_from = day_from;
      report->day_to = day_to;
      return days (report, data, error);
    }
  if (day_from < month_from * 32 &&
      !over_days (report, day_from, month_from * 32, FALSE, days, data, error))
    return FALSE;
  report->day_from = month_from;
  report->day_to = month_to;
  report->months = TRUE;
  ok = days (report, data, error);
  report->months = FALSE;
  if (!ok)
    return FALSE;
  if (month_to * 32 < day_to &&
      !over_days (report, month_to * 32, day_to, FALSE, days, data, error))
    return FALSE;
  return TRUE;
}

static gboolean
over_period (CrmReport  *report,
             gint64      from,
             gint64      to,
             gboolean    blocks,
             RangeFunc   days,
             RangeFunc   rows,
             gpointer    data,
             GError    **error)
{
  gint64 day_from = from <= 0 ? 0 : from / CRM_MS_PER_DAY + (from % CRM_MS_PER_DAY != 0);
  gint64 day_to = to <= 0 ? 0 : to / CRM_MS_PER_DAY;

  if (from >= to)
    return TRUE;
  if (day_to <= day_from)
    {
      report->range_from = from;
      report->range_to = to;
      return rows (report, data, error);
    }
  if (from < day_from * CRM_MS_PER_DAY)
    {
      report->range_from = from;
      report->range_to = day_from * CRM_MS_PER_DAY;
      if (!rows (report, data, error))
        return FALSE;
    }
  if (!over_days (report, day_from, day_to, blocks, days, data, error))
    return FALSE;
  if (day_to * CRM_MS_PER_DAY < to)
    {
      report->range_from = day_to * CRM_MS_PER_DAY;
      report->range_to = to;
      if (!rows (report, data, error))
        return FALSE;
    }
  return TRUE;
}

/* As over_period, for a period that ends today, after midnight, as most do (to = now):
 * its last day so far is most of the day's rows, read one by one — tens of thousands on a
 * large account. What comes after the end is the future, mostly nothing: the whole day's
 * totals less those rows give the same figure. So the last day is @rows over [to, the
 * day's end) with @later_data, which the range functions take as "to subtract", then @days
 * over that day with @later_data, which subtracts them (making an employee's row only when
 * the difference is not 0, as the rows alone would). */
static gboolean
over_period_to_now (CrmReport  *report,
                    gint64      from,
                    gint64      to,
                    gboolean    blocks,
                    RangeFunc   days,
                    RangeFunc   rows,
                    gpointer    data,
                    gpointer    later_data,
                    GError    **error)
{
  gint64 last_day = to > 0 ? to / CRM_MS_PER_DAY : 0;

  if (to < report->now || to % CRM_MS_PER_DAY == 0 || from >= last_day * CRM_MS_PER_DAY)
    return over_period (report, from, to, blocks, days, rows, data, error);
  if (!over_period (report, from, last_day * CRM_MS_PER_DAY, blocks, days, rows, data, error))
    return FALSE;
  report->range_from = to;
  report->range_to = (last_day + 1) * CRM_MS_PER_DAY;
  report->day_from = last_day;
  report->day_to = last_day + 1;
  return rows (report, later_data, error) && days (report, later_data, error);
}

static gboolean
count_event (CrmReport   *report,
             const char  *what,
             const char  *key,
             gint64       from,
             gint64       to,
             GError     **error)
{
  EventCount count = { what, G_N_ELEMENTS (task_events), key, NULL };
  EventCount later;
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (task_events); i++)
    if (g_str_equal (task_events[i].what, what))
      count.index = i;
  g_assert (count.index < G_N_ELEMENTS (task_events));
  later = count;
  later.later = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ok = over_period_to_now (report, from, to, TRUE, count_event_days, count_event_rows, &count,
                           &later, error);
  g_hash_table_unref (later.later);
  return ok;
}

static void
tasks_in_progress (CrmReport  *report,
                   JsonObject *row,
                   gpointer    user_data)
{
  json_object_set_int_member (row, "in_progress",
                              json_object_get_int_member_with_default (row, "_opened", 0)
                              - json_object_get_int_member_with_default (row, "_closed", 0));
}

gboolean
_crm_report_tasks (CrmReport  *report,
                   GError    **error)
{
  _crm_report_add_column (report, "new", _("New"), "int");
  _crm_report_add_column (report, "in_progress", _("In progress"), "int");
  _crm_report_add_column (report, "done", _("Done"), "int");
  _crm_report_add_column (report, "overdue", _("Overdue"), "int");
  _crm_report_add_column (report, "overdue_percent", _("Overdue, %"), "percent");

  if (report->from_rows)
    {
      if (!tasks_from_rows (report, error))
        return FALSE;
    }
  /* in progress at the end: created before it, less those closed before it; the tasks
   * created up to the period's end make their employee's row */
  else if (!count_event (report, "task", "new", report->from, report->to, error) ||
           !count_event (report, "task", "_opened", G_MININT64, report->end, error) ||
           !count_event (report, "task", "_later", report->end, report->to, error) ||
           !count_event (report, "task_closed", "_closed", G_MININT64, report->end, error) ||
           !count_event (report, "task_done", "done", report->from, report->to, error) ||
           !count_event (report, "task_due", "_due", report->from, report->end, error) ||
           !count_event (report, "task_late", "overdue", report->from, report->end, error))
    return FALSE;
  else
    _crm_report_each_row (report, tasks_in_progress, NULL);
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

/* @n deals of @employee that got as far as @reached (G_MININT64: not even the first
 * stage by their history) */
static void
conversion_count (CrmReport  *report,
                  Funnel     *funnel,
                  const char *employee,
                  gint64      reached,
                  gint64      n)
{
  JsonObject *row = _crm_report_row (report, employee);

  /* every deal of the pipeline was at least in its first stage */
  if (funnel->positions->len > 0)
    reached = MAX (reached, g_array_index (funnel->positions, gint64, 0));
  _crm_report_count (report, row, "deals", n);
  for (guint i = 0; i < funnel->keys->len; i++)
    if (g_array_index (funnel->positions, gint64, i) <= reached)
      _crm_report_count (report, row, funnel->keys->pdata[i], n);
  if (reached >= funnel->won_from)
    _crm_report_count (report, row, "_won", n);
}

/* The period's deals by employee and how far they got, kept by the write path
 * (deal_report, schema 19): a few rows per employee, through an index that holds them. */
static gboolean
conversion_reached (CrmReport  *report,
                    Funnel     *funnel,
                    GError    **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store,
    "SELECT employee, reach, count (*) FROM deal_report WHERE pipeline = :pipeline"
    " AND created_at >= :from AND created_at < :to" FOR_EMPLOYEES ("employee")
    " GROUP BY employee, reach", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 reached = G_MININT64;

      column_time (stmt, 1, &reached);
      conversion_count (report, funnel, (const char *) sqlite3_column_text (stmt, 0), reached,
                        sqlite3_column_int64 (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "count the deals by stage", error))
    return FALSE;
  _crm_report_each_row (report, conversion_shares, funnel);
  return TRUE;
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

  if (!report->from_rows)
    return conversion_reached (report, &funnel, error);

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

/* What the rows of a period's last day after its end hold, per employee ("" none): the
 * day's totals less these are the day up to the end (see count_event). */
enum { LATER_COMPANIES, LATER_CONTACTS, LATER_DEALS, LATER_FILLED, LATER_N };

static gint64 *
cold_later (GHashTable *later,
            const char *employee)
{
  gint64 *counts = g_hash_table_lookup (later, employee != NULL ? employee : "");

  if (counts == NULL)
    {
      counts = g_new0 (gint64, LATER_N);
      g_hash_table_insert (later, g_strdup (employee != NULL ? employee : ""), counts);
    }
  return counts;
}

/* Counts the rows of @sql into the report's rows, or into @later (LATER_…) when not NULL. */
static gboolean
count_created (CrmReport   *report,
               const char  *sql,
               const char  *key,
               const char  *what,
               GHashTable  *later,
               guint        later_index,
               GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *employee = (const char *) sqlite3_column_text (stmt, 0);
      JsonObject *row;

      if (later != NULL)
        {
          gint64 *counts = cold_later (later, employee);

          counts[later_index]++;
          if (sqlite3_column_count (stmt) > 2)
            counts[LATER_FILLED] += sqlite3_column_int64 (stmt, 2);
          continue;
        }
      row = _crm_report_row (report, employee);
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

/* The day totals of created deals and their filled fields: one count per visible field of
 * deals (a deal has that many fields), and the deals with each one filled; less what
 * @user_data (a GHashTable of cold_later, or NULL) holds. */
static gboolean
cold_days (CrmReport  *report,
           gpointer    user_data,
           GError    **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, days_sql (report,
    "SELECT r.employee, r.what, sum (r.n) FROM report_day r"
    " WHERE r.what IN ('company', 'contact', 'deal') AND r.day >= :dlo AND r.day < :dhi"
    " AND (r.what != 'deal' OR :pipeline IS NULL OR r.pipeline = :pipeline)"
    FOR_EMPLOYEES ("r.employee") " GROUP BY 1, 2"
    " UNION ALL"
    " SELECT r.employee, '_filled', sum (r.n) FROM field f JOIN report_day r"
    " ON r.what = 'field:' || f.key AND r.day >= :dlo AND r.day < :dhi"
    " WHERE f.deleted = 0 AND f.entity = 'deal' AND coalesce (f.hidden, 0) = 0"
    " AND (:pipeline IS NULL OR r.pipeline = :pipeline)" FOR_EMPLOYEES ("r.employee")
    " GROUP BY 1"), error);
  GHashTable *later = user_data;
  sqlite3_stmt *fields;
  gint64 n_fields = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  fields = _crm_store_prepare (report->store,
    "SELECT count (*) FROM field WHERE deleted = 0 AND entity = 'deal'"
    " AND coalesce (hidden, 0) = 0", error);
  if (fields == NULL)
    return FALSE;
  rc = sqlite3_step (fields);
  if (rc == SQLITE_ROW)
    n_fields = sqlite3_column_int64 (fields, 0);
  sqlite3_reset (fields);
  if (rc != SQLITE_ROW)
    return _crm_report_step_error (report, rc, "count the deals' fields", error);

  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *employee = (const char *) sqlite3_column_text (stmt, 0);
      const char *what = (const char *) sqlite3_column_text (stmt, 1);
      gint64 n = sqlite3_column_int64 (stmt, 2);
      gint64 *counts = later != NULL ? g_hash_table_lookup (later, employee) : NULL;
      JsonObject *row;

      if (counts != NULL)
        n -= counts[g_str_equal (what, "company") ? LATER_COMPANIES
                    : g_str_equal (what, "contact") ? LATER_CONTACTS
                    : g_str_equal (what, "deal") ? LATER_DEALS : LATER_FILLED];
      if (n == 0)
        continue;
      row = _crm_report_row (report, employee[0] != '\0' ? employee : NULL);
      if (g_str_equal (what, "company"))
        _crm_report_count (report, row, "companies", n);
      else if (g_str_equal (what, "contact"))
        _crm_report_count (report, row, "contacts", n);
      else if (g_str_equal (what, "deal"))
        {
          _crm_report_count (report, row, "deals", n);
          _crm_report_count (report, row, "_fields", n * n_fields);
        }
      else
        _crm_report_count (report, row, "_filled", n);
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "sum the days' new clients and deals", error);
}

#define COLD_DEALS(range) \
  "SELECT d.responsible, count (f.id)," \
  " count (CASE WHEN coalesce (json_extract (d.data, '$.\"' || f.key || '\"'), '')" \
  "        NOT IN ('', '[]') THEN 1 END)" \
  " FROM deal d INDEXED BY deal_recent LEFT JOIN field f ON f.deleted = 0" \
  "  AND f.entity = 'deal' AND coalesce (f.hidden, 0) = 0" \
  " WHERE d.deleted = 0 AND d.created_at >= " range \
  " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible") \
  " GROUP BY d.id"

/* The companies, contacts and deals made in [range_from, range_to), into the report's
 * rows, or into @user_data (a GHashTable of cold_later) when not NULL. */
static gboolean
cold_rows (CrmReport  *report,
           gpointer    user_data,
           GError    **error)
{
  GHashTable *later = user_data;

  return count_created (report,
           "SELECT responsible FROM company WHERE deleted = 0"
           " AND created_at + 0 >= :a AND created_at + 0 < :b" FOR_EMPLOYEES ("responsible"),
           "companies", "count the companies", later, LATER_COMPANIES, error) &&
         count_created (report,
           "SELECT responsible FROM contact WHERE deleted = 0"
           " AND created_at + 0 >= :a AND created_at + 0 < :b" FOR_EMPLOYEES ("responsible"),
           "contacts", "count the contacts", later, LATER_CONTACTS, error) &&
         count_created (report, COLD_DEALS (":a AND d.created_at < :b"),
                        "deals", "count the deals", later, LATER_DEALS, error);
}

gboolean
_crm_report_cold_activity (CrmReport  *report,
                           GError    **error)
{
  _crm_report_add_column (report, "companies", _("Companies"), "int");
  _crm_report_add_column (report, "contacts", _("Contacts"), "int");
  _crm_report_add_column (report, "deals", _("Deals"), "int");
  _crm_report_add_column (report, "fields_filled", _("Fields filled, %"), "percent");

  if (!report->from_rows)
    {
      g_autoptr(GHashTable) later = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           g_free);

      if (!over_period_to_now (report, report->from, report->to, TRUE, cold_days, cold_rows,
                               NULL, later, error))
        return FALSE;
      _crm_report_each_row (report, cold_shares, NULL);
      return TRUE;
    }
  if (!count_created (report,
        "SELECT responsible FROM company WHERE deleted = 0"
        " AND created_at >= :from AND created_at < :to" FOR_EMPLOYEES ("responsible"),
        "companies", "count the companies", NULL, 0, error) ||
      !count_created (report,
        "SELECT responsible FROM contact WHERE deleted = 0"
        " AND created_at >= :from AND created_at < :to" FOR_EMPLOYEES ("responsible"),
        "contacts", "count the contacts", NULL, 0, error) ||
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
        "deals", "count the deals", NULL, 0, error))
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

/* The last bucket that starts at or before @at (the first when none does). */
static guint
series_bucket (GArray *starts,
               gint64  at)
{
  guint low = 0, high = starts->len;

  while (high - low > 1)
    {
      guint mid = (low + high) / 2;

      if (g_array_index (starts, gint64, mid) <= at)
        low = mid;
      else
        high = mid;
    }
  return low;
}

typedef struct {
  GArray  *starts;
  GArray  *won;
  GArray  *amounts;
  GArray  *split;     /* the UTC days (gint64) two buckets share */
  gboolean later;     /* series_rows subtracts (see over_period_to_now) */
} Series;

static gboolean
series_days (CrmReport  *report,
             gpointer    user_data,
             GError    **error)
{
  Series *data = user_data;
  sqlite3_stmt *stmt = _crm_store_prepare (report->store,
    "SELECT day, sum (n), sum (amount) FROM report_day WHERE what = 'won'"
    " AND day >= :dlo AND day < :dhi AND (:pipeline IS NULL OR pipeline = :pipeline)"
    FOR_EMPLOYEES ("employee") " GROUP BY day", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 day = sqlite3_column_int64 (stmt, 0);
      guint first = series_bucket (data->starts, day * CRM_MS_PER_DAY);

      if (first != series_bucket (data->starts, (day + 1) * CRM_MS_PER_DAY - 1))
        g_array_append_val (data->split, day);
      else
        {
          g_array_index (data->won, gint64, first) += sqlite3_column_int64 (stmt, 1);
          g_array_index (data->amounts, gint64, first) += sqlite3_column_int64 (stmt, 2);
        }
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "sum the won deals' days", error);
}

static gboolean
series_rows (CrmReport  *report,
             gpointer    user_data,
             GError    **error)
{
  Series *data = user_data;
  sqlite3_stmt *stmt = _crm_store_prepare (report->store,
    "SELECT d.stage_entered_at, coalesce (d.amount, 0) FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind = 'won'"
    " AND d.stage_entered_at + 0 >= :a AND d.stage_entered_at + 0 < :b"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint bucket = series_bucket (data->starts, sqlite3_column_int64 (stmt, 0));
      int sign = data->later ? -1 : 1;

      /* after the period's end: in the last bucket, whose last day's totals hold them */
      g_array_index (data->won, gint64, bucket) += sign;
      g_array_index (data->amounts, gint64, bucket) += sign * sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "count the won deals over time", error);
}

/* Deals closed in a period (they entered a won or lost stage then): the number won
 * (@won), their amount (@amount) and the number lost (@lost) per employee; a NULL key is
 * not counted (and a lost deal then makes no row). */
typedef struct {
  const char *won;
  const char *amount;
  const char *lost;
  GHashTable *later;   /* "employee\nkind" → gint64[2] (n, amount) to subtract, or NULL */
} Closed;

static void
count_closed (CrmReport  *report,
              Closed     *closed,
              const char *employee,
              const char *kind,
              gint64      n,
              gint64      amount)
{
  JsonObject *row;

  if (n == 0 || (g_str_equal (kind, "lost") ? closed->lost == NULL
                                            : closed->won == NULL && closed->amount == NULL))
    return;
  row = _crm_report_row (report, employee);
  if (g_str_equal (kind, "lost"))
    _crm_report_count (report, row, closed->lost, n);
  else
    {
      if (closed->won != NULL)
        _crm_report_count (report, row, closed->won, n);
      if (closed->amount != NULL)
        _crm_report_count (report, row, closed->amount, amount);
    }
}

static gboolean
closed_days (CrmReport  *report,
             gpointer    user_data,
             GError    **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store, days_sql (report,
    "SELECT employee, what, sum (n), sum (amount) FROM report_day"
    " WHERE what IN ('won', 'lost') AND day >= :dlo AND day < :dhi"
    " AND (:pipeline IS NULL OR pipeline = :pipeline)" FOR_EMPLOYEES ("employee")
    " GROUP BY 1, 2"), error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Closed *closed = user_data;
      const char *employee = (const char *) sqlite3_column_text (stmt, 0);
      const char *kind = (const char *) sqlite3_column_text (stmt, 1);
      gint64 n = sqlite3_column_int64 (stmt, 2);
      gint64 amount = sqlite3_column_int64 (stmt, 3);

      if (closed->later != NULL)
        {
          g_autofree char *key = g_strconcat (employee, "\n", kind, NULL);
          gint64 *later = g_hash_table_lookup (closed->later, key);

          if (later != NULL)
            {
              n -= later[0];
              amount -= later[1];
            }
        }
      count_closed (report, closed, employee[0] != '\0' ? employee : NULL, kind, n, amount);
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "sum the closed deals' days", error);
}

static gboolean
closed_rows (CrmReport  *report,
             gpointer    user_data,
             GError    **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store,
    "SELECT d.responsible, s.kind, coalesce (d.amount, 0) FROM deal d"
    " JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND s.kind IN ('won', 'lost')"
    " AND d.stage_entered_at + 0 >= :a AND d.stage_entered_at + 0 < :b"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Closed *closed = user_data;
      const char *employee = (const char *) sqlite3_column_text (stmt, 0);
      const char *kind = (const char *) sqlite3_column_text (stmt, 1);

      if (closed->later != NULL)
        {
          char *key = g_strconcat (employee != NULL ? employee : "", "\n", kind, NULL);
          gint64 *later = g_hash_table_lookup (closed->later, key);

          if (later == NULL)
            {
              later = g_new0 (gint64, 2);
              g_hash_table_insert (closed->later, key, later);
            }
          else
            g_free (key);
          later[0]++;
          later[1] += sqlite3_column_int64 (stmt, 2);
        }
      else
        count_closed (report, closed, employee, kind, 1, sqlite3_column_int64 (stmt, 2));
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "count the closed deals", error);
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

  stmt = _crm_store_prepare (report->store, report->from_rows
    ? "SELECT d.stage_entered_at, coalesce (d.amount, 0) FROM deal d JOIN stage s ON s.id = d.stage"
      " WHERE d.deleted = 0 AND s.kind = 'won'"
      " AND d.stage_entered_at >= :from AND d.stage_entered_at < :to"
      " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
      " ORDER BY d.stage_entered_at"
    /* the first one only, through the index of the won times (schema 18) */
    : "SELECT d.stage_entered_at FROM deal d JOIN stage s ON s.id = d.stage"
      " WHERE d.deleted = 0 AND s.kind = 'won'"
      " AND d.stage_entered_at + 0 >= :from AND d.stage_entered_at + 0 < :to"
      " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
      " ORDER BY d.stage_entered_at + 0 LIMIT 1", error);
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

  if (report->from_rows)
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 at = sqlite3_column_int64 (stmt, 0);
          guint low = series_bucket (starts, at);

          g_array_index (won, gint64, low)++;
          g_array_index (amounts, gint64, low) += sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_reset (stmt);
      if (!_crm_report_step_error (report, rc, "count the won deals over time", error))
        return FALSE;
    }
  else
    {
      g_autoptr(GArray) split = g_array_new (FALSE, FALSE, sizeof (gint64));
      Series data = { starts, won, amounts, split, FALSE };
      Series later = { starts, won, amounts, split, TRUE };

      /* whole days from the totals, except those a bucket starts in (a zone's midnight
       * is not UTC's), which are read from the rows like the period's edges (a last day
       * split so is read whole below, and what came after the end subtracted) */
      if (!over_period_to_now (report, report->from, report->to, FALSE, series_days,
                               series_rows, &data, &later, error))
        return FALSE;
      for (guint i = 0; i < split->len; i++)
        {
          gint64 day = g_array_index (split, gint64, i);

          report->range_from = day * CRM_MS_PER_DAY;
          report->range_to = (day + 1) * CRM_MS_PER_DAY;
          if (!series_rows (report, &data, error))
            return FALSE;
        }
    }

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

  if (!report->from_rows)
    {
      Closed closed = { "won", "won_amount", "lost", NULL };
      g_autoptr(GHashTable) subtract = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              g_free);
      Closed later = { "won", "won_amount", "lost", subtract };

      if (!over_period_to_now (report, report->from, report->to, TRUE, closed_days,
                               closed_rows, &closed, &later, error))
        return FALSE;
      _crm_report_each_row (report, sales_shares, NULL);
      return sales_series (report, error);
    }

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
  if (!report->from_rows)
    {
      Closed closed = { NULL, "fact", NULL, NULL };
      g_autoptr(GHashTable) subtract = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              g_free);
      Closed later = { NULL, "fact", NULL, subtract };

      if (!over_period_to_now (report, report->from, report->to, TRUE, closed_days,
                               closed_rows, &closed, &later, error))
        return FALSE;
      _crm_report_each_row (report, plan_shares, NULL);
      return TRUE;
    }
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

/* A deal not answered yet, to link in the order the deals came. */
typedef struct {
  gint64      created;
  char       *deal;
  JsonObject *row;
} Unanswered;

static void
unanswered_clear (Unanswered *unanswered)
{
  g_free (unanswered->deal);
}

static gint
compare_unanswered (gconstpointer a,
                    gconstpointer b)
{
  const Unanswered *x = a, *y = b;

  if (x->created != y->created)
    return x->created < y->created ? -1 : 1;
  return g_strcmp0 (x->deal, y->deal);
}

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
  g_autoptr(GArray) unanswered = NULL;
  GHashTableIter iter;
  gpointer answered_row, times;
  sqlite3_stmt *stmt;
  int rc;

  /* the first sign of work on a new request: a note, a finished task, a move by a
   * person (in the changelog: an op no rule wrote), or the stage the deal is in now,
   * when it was entered after the deal's creation. One index seek a deal for each
   * (schema 17); the earliest is picked below. */
  if (!report->from_rows)
    /* the first response of each deal, kept by the write path (deal_report, schema 19),
     * read through an index that holds every column asked for */
    stmt = _crm_store_prepare (report->store,
      "SELECT deal, employee, created_at, responded FROM deal_report"
      " WHERE created_at >= :from AND created_at < :to"
      " AND (:pipeline IS NULL OR pipeline = :pipeline)" FOR_EMPLOYEES ("employee"),
      error);
  else
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
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
    " ORDER BY d.created_at, d.id", error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  /* in the index's order (deal_report's rows unsorted: sorting every deal of a long
   * period took more than the rest); the links below in the order the deals came */
  unanswered = g_array_new (FALSE, FALSE, sizeof (Unanswered));
  g_array_set_clear_func (unanswered, (GDestroyNotify) unanswered_clear);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));
      gint64 created = sqlite3_column_int64 (stmt, 2);
      gint64 first = G_MAXINT64;

      for (int column = 3; column < sqlite3_column_count (stmt); column++)
        {
          gint64 at;

          if (column_time (stmt, column, &at))
            first = MIN (first, at);
        }
      /* the requests answered: counted below, a row at a time */
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
          Unanswered deal = {
            created, g_strdup ((const char *) sqlite3_column_text (stmt, 0)), row
          };

          _crm_report_count (report, row, "requests", 1);
          _crm_report_count (report, row, "unanswered", 1);
          g_array_append_val (unanswered, deal);
        }
    }
  sqlite3_reset (stmt);
  g_hash_table_iter_init (&iter, responses->times);
  while (g_hash_table_iter_next (&iter, &answered_row, &times))
    _crm_report_count (report, answered_row, "requests", ((GArray *) times)->len);
  g_array_sort (unanswered, compare_unanswered);
  for (guint i = 0; i < unanswered->len; i++)
    {
      Unanswered *deal = &g_array_index (unanswered, Unanswered, i);

      _crm_report_link (report, deal->row, "unanswered", deal->deal);
    }
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
  /* each row's links.@key, found once (tens of thousands of links) */
  g_autoptr(GHashTable) row_ids = g_hash_table_new (NULL, NULL);
  JsonArray *all_ids = NULL;
  GHashTableIter iter;
  gpointer row, ids;
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));
      ids = g_hash_table_lookup (row_ids, row);
      if (ids == NULL)
        {
          ids = _crm_report_links (row, key);
          g_hash_table_insert (row_ids, row, ids);
        }
      if (all_ids == NULL)
        all_ids = _crm_report_links (report->totals, key);
      _crm_report_link_both (ids, all_ids, id);
    }
  sqlite3_reset (stmt);
  /* each row's count is its links' */
  g_hash_table_iter_init (&iter, row_ids);
  while (g_hash_table_iter_next (&iter, &row, &ids))
    _crm_report_count (report, row, key, json_array_get_length (ids));
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
       dashboard_now (report, !report->from_rows
         /* the open deals without an open task, kept by the write path (deal_no_task,
          * schema 20): a few thousand rows, the oldest deal first */
         ? "SELECT deal, responsible FROM deal_no_task"
           " WHERE (:pipeline IS NULL OR pipeline = :pipeline)" FOR_EMPLOYEES ("responsible")
           " ORDER BY created_at, deal"
         /* from the open stages (few) to their deals through the board's index, which
          * holds the ids: a deal's row is read only when it has no open task (the open
          * tasks' index, schema 17) */
         : "SELECT d.id, d.responsible FROM stage s CROSS JOIN deal d INDEXED BY deal_board"
           " ON d.stage = s.id"
           " WHERE coalesce (s.kind, 'open') IN ('unsorted', 'open') AND d.deleted = 0"
           " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.deal = d.id AND t.deleted = 0"
           "  AND coalesce (t.done, 0) = 0)"
           " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible")
           " ORDER BY d.created_at, d.id",
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
