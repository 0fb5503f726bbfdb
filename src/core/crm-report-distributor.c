/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report-distributor.c — the distributor's reports (S1-7, S1-8): samples handed over
 * (confirmed by the photo a stage requires), payment deferrals and debts, and NPS per
 * manager. They read the deal fields the b2b-distributor template defines
 * (payment_deferral_days, debt, nps_*); an account without them gets an error that
 * says which field to add. */
#define G_LOG_DOMAIN "voronka-report"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-report-private.h"
#include "crm-schema.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"

/* --- samples ------------------------------------------------------------------------- */

gboolean
_crm_report_samples (CrmReport  *report,
                     GError    **error)
{
  sqlite3_stmt *stmt;
  int rc;

  _crm_report_add_column (report, "samples", _("Samples handed over"), "int");
  _crm_report_add_column (report, "photos", _("Photos"), "int");

  /* an account without such a stage has no samples: no need to walk every deal */
  stmt = _crm_store_prepare (report->store,
    "SELECT 1 FROM stage s"
    " WHERE coalesce (json_extract (s.data, '$.requires_attachment'), 0) = 1"
    " OR coalesce (json_extract (s.data, '$.requires_photo'), 0) = 1 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return _crm_report_step_error (report, rc, "find the stages requiring a photo", error);

  /* a deal that entered a stage requiring a photo in the period: a sample handed over,
   * confirmed by the photo the stage would not take it without */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.id, d.responsible,"
    " (SELECT count (*) FROM attachment a WHERE a.deleted = 0 AND a.entity = 'deal'"
    "  AND a.entity_id = d.id AND a.mime LIKE 'image/%')"
    " FROM deal d WHERE d.deleted = 0 AND (:pipeline IS NULL OR d.pipeline = :pipeline)"
    FOR_EMPLOYEES ("d.responsible")
    " AND (EXISTS (SELECT 1 FROM changelog c JOIN stage s"
    "   ON s.id = json_extract (c.fields, '$.stage')"
    "   WHERE c.entity = 'deal' AND c.entity_id = d.id"
    "   AND (coalesce (json_extract (s.data, '$.requires_attachment'), 0) = 1"
    "        OR coalesce (json_extract (s.data, '$.requires_photo'), 0) = 1)"
    "   AND json_extract (c.fields, '$.stage_entered_at') >= :from"
    "   AND json_extract (c.fields, '$.stage_entered_at') < :to)"
    /* a replica installed from a snapshot has no history: the stage it is in now */
    "  OR EXISTS (SELECT 1 FROM stage s WHERE s.id = d.stage"
    "   AND (coalesce (json_extract (s.data, '$.requires_attachment'), 0) = 1"
    "        OR coalesce (json_extract (s.data, '$.requires_photo'), 0) = 1)"
    "   AND d.stage_entered_at >= :from AND d.stage_entered_at < :to))", error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));

      _crm_report_count (report, row, "samples", 1);
      _crm_report_count (report, row, "photos", sqlite3_column_int64 (stmt, 2));
      _crm_report_link (report, row, "samples", (const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  return _crm_report_step_error (report, rc, "count the samples", error);
}

/* --- payment deferrals and debts ----------------------------------------------------- */

static gboolean
has_deal_field (CrmReport   *report,
                const char  *key,
                gboolean    *out_found,
                GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (report->store,
    "SELECT 1 FROM field WHERE deleted = 0 AND entity = 'deal' AND key = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  *out_found = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || _crm_report_step_error (report, rc, "look up a deal field", error);
}

static void
debts_averages (CrmReport  *report,
                JsonObject *row,
                gpointer    user_data)
{
  gint64 deferred = json_object_get_int_member_with_default (row, "deferred", 0);

  if (deferred > 0)
    json_object_set_int_member (row, "deferral_days",
                                (json_object_get_int_member_with_default (row, "_days", 0)
                                 + deferred / 2) / deferred);
  else
    json_object_set_null_member (row, "deferral_days");
}

gboolean
_crm_report_debts (CrmReport  *report,
                   GError    **error)
{
  gboolean deferral = FALSE, debt = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  if (!has_deal_field (report, "payment_deferral_days", &deferral, error) ||
      !has_deal_field (report, "debt", &debt, error))
    return FALSE;
  if (!deferral && !debt)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("This account's deals have no «payment_deferral_days» or «debt» field; "
                     "an admin adds them (a number of days and an amount) to use this report"));
      return FALSE;
    }

  _crm_report_add_column (report, "deferred", _("Deals with a deferral"), "int");
  _crm_report_add_column (report, "deferral_days", _("Average deferral, days"), "int");
  _crm_report_add_column (report, "debtors", _("Deals in debt"), "int");
  _crm_report_add_column (report, "debt", _("Debt"), "money");

  /* as of now, over the deals not lost: what is owed today; only the deals that owe or
   * pay later are read (the deal_owing index, whose condition this repeats) */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.id, d.responsible,"
    " coalesce (json_extract (d.data, '$.payment_deferral_days'), 0),"
    " coalesce (json_extract (d.data, '$.debt'), 0)"
    " FROM deal d INDEXED BY deal_owing LEFT JOIN stage s ON s.id = d.stage"
    " WHERE d.deleted = 0 AND" CRM_SCHEMA_OWING_WHERE ("d.data")
    " AND coalesce (s.kind, 'open') != 'lost'"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 1));
      gint64 days = sqlite3_column_int64 (stmt, 2);
      gint64 owed = sqlite3_column_int64 (stmt, 3);

      if (days > 0)
        {
          _crm_report_count (report, row, "deferred", 1);
          _crm_report_count (report, row, "_days", days);
        }
      if (owed > 0)
        {
          _crm_report_count (report, row, "debtors", 1);
          _crm_report_count (report, row, "debt", owed);
          _crm_report_link (report, row, "debtors", (const char *) sqlite3_column_text (stmt, 0));
        }
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "sum the debts", error))
    return FALSE;
  _crm_report_each_row (report, debts_averages, NULL);
  return TRUE;
}

/* --- NPS ----------------------------------------------------------------------------- */

typedef struct {
  GPtrArray *keys;     /* the questions' field keys, "nps_…" */
} Questions;

/* NPS = % promoters (9–10) − % detractors (0–6), rounded; null without answers. */
static void
set_nps (JsonObject *row,
         const char *key,
         gint64      answers,
         gint64      promoters,
         gint64      detractors)
{
  if (answers == 0)
    json_object_set_null_member (row, key);
  else
    {
      gint64 score = (promoters - detractors) * 100;

      json_object_set_int_member (row, key, (score + (score >= 0 ? answers : -answers) / 2)
                                            / answers);
    }
}

static gint64
get (JsonObject *row,
     const char *prefix,
     const char *key)
{
  g_autofree char *member = g_strconcat (prefix, key, NULL);

  return json_object_get_int_member_with_default (row, member, 0);
}

static void
nps_scores (CrmReport  *report,
            JsonObject *row,
            gpointer    user_data)
{
  Questions *questions = user_data;

  for (guint i = 0; i < questions->keys->len; i++)
    {
      const char *key = questions->keys->pdata[i];

      set_nps (row, key, get (row, "_n_", key), get (row, "_p_", key), get (row, "_d_", key));
    }
  set_nps (row, "nps", json_object_get_int_member_with_default (row, "answers", 0),
           json_object_get_int_member_with_default (row, "promoters", 0),
           json_object_get_int_member_with_default (row, "detractors", 0));
}

gboolean
_crm_report_nps (CrmReport  *report,
                 GError    **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  Questions questions = { keys };
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (report->store,
    "SELECT key, label FROM field WHERE deleted = 0 AND entity = 'deal'"
    " AND key LIKE 'nps\\_%' ESCAPE '\\' ORDER BY position, key", error);
  if (stmt == NULL)
    return FALSE;

  _crm_report_add_column (report, "answers", _("Answers"), "int");
  _crm_report_add_column (report, "promoters", _("Promoters (9–10)"), "int");
  _crm_report_add_column (report, "detractors", _("Detractors (0–6)"), "int");
  _crm_report_add_column (report, "nps", _("NPS"), "int");
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (keys, _crm_sql_dup_column_text (stmt, 0));
      _crm_report_add_column (report, (const char *) sqlite3_column_text (stmt, 0),
                              (const char *) sqlite3_column_text (stmt, 1), "int");
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "read the NPS questions", error))
    return FALSE;
  if (keys->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("This account's deals have no NPS questions: an admin adds number fields "
                     "whose keys start with «nps_» (e.g. nps_delivery) to use this report"));
      return FALSE;
    }

  /* the scores of deals won in the period (the survey follows the order); read from the
   * won stages' deals (deal_stage), not by walking every deal of the period, and only
   * those whose fields name an NPS question are parsed */
  stmt = _crm_store_prepare (report->store,
    "SELECT d.responsible, d.data FROM deal d"
    " WHERE d.stage IN (SELECT id FROM stage WHERE kind = 'won') AND d.deleted = 0"
    " AND d.stage_entered_at >= :from AND d.stage_entered_at < :to"
    " AND instr (d.data, '\"nps_') > 0"
    " AND (:pipeline IS NULL OR d.pipeline = :pipeline)" FOR_EMPLOYEES ("d.responsible"),
    error);
  if (stmt == NULL)
    return FALSE;
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) data = _crm_json_parse_column (stmt, 1);
      JsonObject *fields = data != NULL && JSON_NODE_HOLDS_OBJECT (data)
                           ? json_node_get_object (data) : NULL;
      JsonObject *row = NULL;

      for (guint i = 0; fields != NULL && i < keys->len; i++)
        {
          const char *key = keys->pdata[i];
          JsonNode *value = json_object_get_member (fields, key);
          g_autofree char *n = g_strconcat ("_n_", key, NULL);
          g_autofree char *p = g_strconcat ("_p_", key, NULL);
          g_autofree char *d = g_strconcat ("_d_", key, NULL);
          gint64 score;

          if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_INT64)
            continue;
          score = json_node_get_int (value);
          if (score < 0 || score > 10)
            continue;   /* not an NPS answer: left out rather than skewing the score */
          if (row == NULL)
            row = _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0));
          _crm_report_count (report, row, n, 1);
          _crm_report_count (report, row, "answers", 1);
          if (score >= 9)
            {
              _crm_report_count (report, row, p, 1);
              _crm_report_count (report, row, "promoters", 1);
            }
          else if (score <= 6)
            {
              _crm_report_count (report, row, d, 1);
              _crm_report_count (report, row, "detractors", 1);
            }
        }
    }
  sqlite3_reset (stmt);
  if (!_crm_report_step_error (report, rc, "read the NPS answers", error))
    return FALSE;
  _crm_report_each_row (report, nps_scores, &questions);
  return TRUE;
}
