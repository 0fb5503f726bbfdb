/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-changelog.c — the replica's op log (the `changelog` table: every op written here or
 * merged from elsewhere, in the order this replica learnt it) and its hybrid logical
 * clock, saved in meta key "hlc" with every write transaction. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include "crm-changelog-private.h"
#include "crm-error-private.h"
#include "crm-store-impl-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"

gboolean
_crm_store_save_clock (CrmStore  *self,
                       GError   **error)
{
  g_autofree char *text = crm_hlc_to_string (self->clock.last);

  return crm_store_set_meta (self, "hlc", text, error);
}

/* Another connection (the sync thread, voronkactl next to the app) may have moved the
 * clock on: take the stored clock into account at the start of every write
 * transaction, so a local op is always stamped after every op this replica holds. */
void
_crm_store_reload_clock (CrmStore *self)
{
  g_autofree char *text = crm_store_dup_meta (self, "hlc");
  guint64 stored = 0;

  if (text != NULL && crm_hlc_parse (text, &stored) && stored > self->clock.last)
    self->clock.last = stored;
}

/* --- the changelog ---------------------------------------------------------------------- */

/* Every changelog row is written here, one op at a time or a batch of a bulk apply's: the
 * columns, their order and what each holds are in these two functions only. */
#define CHANGELOG_INSERT \
  "INSERT INTO changelog (op_id, hlc, device, entity, entity_id, fields, cause, rule," \
  " actor, local, stamp, server_seq) VALUES "
#define CHANGELOG_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define CHANGELOG_N_COLUMNS 12
/* a bulk apply's ops go in 100 to a statement (one statement journal and end for each
 * hundred instead of for each op: bench/RESULTS.md, issue 20) */
#define CHANGELOG_BATCH 100

/* Binds @op's row from parameter @first on; the texts are bound without a copy, so they
 * must outlive the step. */
static void
bind_changelog_row (sqlite3_stmt *stmt,
                    int           first,
                    const CrmOp  *op,
                    const char   *fields,
                    gboolean      local)
{
  const char *texts[] = { op->op_id, op->device, op->entity, op->entity_id, fields, op->cause,
                          op->rule, op->actor };
  const int text_columns[] = { 0, 2, 3, 4, 5, 6, 7, 8 };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL)
      sqlite3_bind_text (stmt, first + text_columns[i], texts[i], -1, SQLITE_STATIC);
    else
      sqlite3_bind_null (stmt, first + text_columns[i]);
  sqlite3_bind_int64 (stmt, first + 1, (gint64) op->hlc);
  sqlite3_bind_int (stmt, first + 9, local ? 1 : 0);
  if (op->stamp != NULL)
    sqlite3_bind_text (stmt, first + 10, op->stamp, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, first + 10);
  /* an op pulled from the server comes with the server's sequence number */
  if (!local && op->seq > 0)
    sqlite3_bind_int64 (stmt, first + 11, op->seq);
  else
    sqlite3_bind_null (stmt, first + 11);
}

static gboolean
write_changelog_rows (CrmStore     *self,
                      CrmOp       **ops,
                      char        **fields,
                      guint         n,
                      gboolean      local,
                      GError      **error)
{
  g_autoptr(GString) sql = NULL;
  sqlite3_stmt *stmt;
  gboolean ok;
  gint64 last;

  /* one row (every write but a bulk one, every pulled op): the statement as it stands */
  if (n == 1)
    stmt = _crm_store_prepare (self, CHANGELOG_INSERT CHANGELOG_ROW, error);
  else
    {
      sql = g_string_new (CHANGELOG_INSERT);
      for (guint i = 0; i < n; i++)
        g_string_append (sql, i == 0 ? CHANGELOG_ROW : ", " CHANGELOG_ROW);
      stmt = _crm_store_prepare (self, sql->str, error);
    }
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    bind_changelog_row (stmt, 1 + (int) i * CHANGELOG_N_COLUMNS, ops[i], fields[i], local);
  ok = _crm_sql_step_done (self, stmt, "appending to the changelog", error);
  /* nothing bound may point at texts about to be freed */
  sqlite3_clear_bindings (stmt);
  if (!ok)
    return FALSE;
  /* the rows of one INSERT take consecutive sequence numbers (AUTOINCREMENT: each the
   * greatest so far plus one) */
  last = sqlite3_last_insert_rowid (self->db);
  for (guint i = 0; i < n; i++)
    ops[i]->seq = last - (gint64) (n - 1 - i);
  return TRUE;
}

gboolean
_crm_store_append_to_changelog (CrmStore     *self,
                                CrmOp        *op,
                                gboolean      local,
                                char         *fields,
                                GError      **error)
{
  g_autofree char *text = fields != NULL ? fields : crm_json_object_to_canonical (op->fields);

  /* only contacts' and companies' rows wait: a deal's has triggers that read the log */
  if (self->changelog_batch != NULL && local &&
      (g_str_equal (op->entity, "contact") || g_str_equal (op->entity, "company")))
    {
      g_ptr_array_add (self->changelog_batch, op);
      g_ptr_array_add (self->changelog_batch_fields, g_steal_pointer (&text));
      return self->changelog_batch->len < CHANGELOG_BATCH ||
             _crm_store_flush_changelog (self, error);
    }
  /* the rows keep the order of the ops */
  return _crm_store_flush_changelog (self, error) &&
         write_changelog_rows (self, &op, &text, 1, local, error);
}

void
_crm_store_batch_changelog (CrmStore *self,
                            gboolean  batch)
{
  g_clear_pointer (&self->changelog_batch, g_ptr_array_unref);
  g_clear_pointer (&self->changelog_batch_fields, g_ptr_array_unref);
  if (batch)
    {
      self->changelog_batch = g_ptr_array_sized_new (CHANGELOG_BATCH);
      self->changelog_batch_fields = g_ptr_array_new_full (CHANGELOG_BATCH, g_free);
    }
}

gboolean
_crm_store_flush_changelog (CrmStore  *self,
                            GError   **error)
{
  GPtrArray *ops = self->changelog_batch;
  gboolean ok = TRUE;

  if (ops == NULL || ops->len == 0)
    return TRUE;
  /* a full batch is one cached statement; what is left at the end goes op by op rather
   * than as a statement of its own length */
  if (ops->len == CHANGELOG_BATCH)
    ok = write_changelog_rows (self, (CrmOp **) ops->pdata,
                               (char **) self->changelog_batch_fields->pdata, ops->len, TRUE,
                               error);
  else
    for (guint i = 0; ok && i < ops->len; i++)
      ok = write_changelog_rows (self, (CrmOp **) &ops->pdata[i],
                                 (char **) &self->changelog_batch_fields->pdata[i], 1, TRUE,
                                 error);
  g_ptr_array_set_size (ops, 0);
  g_ptr_array_set_size (self->changelog_batch_fields, 0);
  return ok;
}

gboolean
_crm_store_op_is_known (CrmStore    *self,
                        const char  *op_id,
                        gboolean    *out_known,
                        GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT 1 FROM changelog WHERE op_id = ?1",
                                           error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (self, error, "reading the changelog");
      return FALSE;
    }
  *out_known = rc == SQLITE_ROW;
  return TRUE;
}

CrmOp *
_crm_op_from_changelog_row (sqlite3_stmt *stmt)
{
  int n_columns = sqlite3_column_count (stmt);
  CrmOp *op = crm_op_new ();
  g_autoptr(JsonNode) fields = NULL;

  op->seq = sqlite3_column_int64 (stmt, 0);
  op->op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  op->hlc = (guint64) sqlite3_column_int64 (stmt, 2);
  op->device = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  op->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  op->entity_id = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  fields = json_from_string ((const char *) sqlite3_column_text (stmt, 6), NULL);
  if (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields))
    {
      json_object_unref (op->fields);
      op->fields = json_object_ref (json_node_get_object (fields));
    }
  /* the columns after "fields" are read when the statement has them */
  if (n_columns > 9)
    {
      op->cause = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      op->rule = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      op->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
    }
  if (n_columns > 10)
    op->stamp = g_strdup ((const char *) sqlite3_column_text (stmt, 10));
  return op;
}

#define OP_COLUMNS CRM_CHANGELOG_OP_COLUMNS

GPtrArray *
_crm_store_collect_ops (CrmStore      *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ops, _crm_op_from_changelog_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (self, error, "reading the changelog");
      return NULL;
    }
  return g_steal_pointer (&ops);
}

GPtrArray *
crm_store_dup_log (CrmStore  *self,
                   gint64     since,
                   GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "SELECT " OP_COLUMNS " FROM changelog WHERE seq > ?1 ORDER BY seq", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, since);
  return _crm_store_collect_ops (self, stmt, error);
}

GPtrArray *
crm_store_dup_entity_log (CrmStore    *self,
                          const char  *entity_id,
                          GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "SELECT " OP_COLUMNS " FROM changelog WHERE entity_id = ?1 ORDER BY hlc, seq", error);

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  return _crm_store_collect_ops (self, stmt, error);
}

gint64
crm_store_get_log_length (CrmStore *self)
{
  gint64 count = 0;

  if (!_crm_store_count_log (self, &count, NULL))
    return 0;
  return count;
}

gboolean
crm_store_read_log_length (CrmStore  *self,
                           gint64    *out_length,
                           GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);

  return _crm_store_count_log (self, out_length, error);
}

gboolean
_crm_store_count_log (CrmStore  *self,
                      gint64    *out_count,
                      GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT count(*) FROM changelog", error);
  int rc;

  *out_count = 0;
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_count = sqlite3_column_int64 (stmt, 0);
  else
    _crm_store_set_read_error (self, error, "counting the changelog");
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

guint64
_crm_store_next_hlc (CrmStore *self)
{
  return crm_hlc_now (&self->clock, crm_store_get_now (self));
}

void
_crm_store_absorb_hlc (CrmStore *self,
                       guint64   hlc)
{
  crm_hlc_absorb (&self->clock, hlc, crm_store_get_now (self));
}
