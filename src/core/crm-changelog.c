/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-changelog.c — the replica's op log (the `changelog` table: every op written here or
 * merged from elsewhere, in the order this replica learnt it) and its hybrid logical
 * clock, saved in meta key "hlc" with every write transaction. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <string.h>

#include "crm-changelog-private.h"
#include "crm-error-private.h"
#include "crm-store-impl-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-schema.h"
#include "crm-setting.h"
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
  "INSERT INTO changelog (op_id, hlc, device_n, entity, entity_id, fields, cause, rule," \
  " actor_n, local, stamp, server_seq) VALUES "
#define CHANGELOG_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define CHANGELOG_N_COLUMNS 12
/* a bulk apply's ops go in 100 to a statement (one statement journal and end for each
 * hundred instead of for each op: bench/RESULTS.md, issue 20) */
#define CHANGELOG_BATCH 100

/* Binds @op's row from parameter @first on; the texts are bound without a copy, so they
 * must outlive the step. Its device and actor are bound as their numbers in clock_word
 * (schema 27), added there when new; FALSE when one could not be read or written (the
 * connection's last error says why). */
static gboolean
bind_changelog_row (CrmStore     *self,
                    sqlite3_stmt *stmt,
                    int           first,
                    const CrmOp  *op,
                    const char   *fields,
                    gboolean      local)
{
  const char *texts[] = { op->op_id, op->entity, op->entity_id, fields, op->cause, op->rule };
  const int text_columns[] = { 0, 3, 4, 5, 6, 7 };
  gint64 device_n = op->device != NULL ? _crm_changelog_word_number (self, op->device) : 0;
  gint64 actor_n = op->actor != NULL ? _crm_changelog_word_number (self, op->actor) : 0;

  if (device_n == 0 || (op->actor != NULL && actor_n == 0))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL)
      sqlite3_bind_text (stmt, first + text_columns[i], texts[i], -1, SQLITE_STATIC);
    else
      sqlite3_bind_null (stmt, first + text_columns[i]);
  sqlite3_bind_int64 (stmt, first + 1, (gint64) op->hlc);
  sqlite3_bind_int64 (stmt, first + 2, device_n);
  if (op->actor != NULL)
    sqlite3_bind_int64 (stmt, first + 8, actor_n);
  else
    sqlite3_bind_null (stmt, first + 8);
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
  return TRUE;
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
    if (!bind_changelog_row (self, stmt, 1 + (int) i * CHANGELOG_N_COLUMNS, ops[i], fields[i],
                             local))
      {
        sqlite3_clear_bindings (stmt);
        _crm_store_set_sql_error (self, error, "naming an op's device or author");
        return FALSE;
      }
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

gint64
_crm_changelog_word_number (CrmStore   *self,
                            const char *word)
{
  return _crm_clock_words_number (_crm_store_clock_words (self), word);
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
  /* after the statement is done: restoring reads other rows */
  for (guint i = 0; i < ops->len; i++)
    _crm_store_restore_op (self, ops->pdata[i]);
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

/* --- history past the horizon (issue 21) ------------------------------------------------- */

/* What the laptop reads from old ops and where (crm_store_compact_history() in
 * crm-store.h says what a compacted op keeps):
 * - a deal's, contact's or company's history (crm_query_history → crm_store_dup_entity_log)
 *   and `voronkactl log` (crm_store_dup_log): every field, restored from the row;
 * - re-applying an entity's ops after the server re-stamped one (crm-merge.c), and a
 *   restored server's resend of what it lost (crm_sync_state_dup_lost_ops): the same;
 * - undo (crm-undo.c): the older ops of the entities a change set touched, restored; a
 *   change set of compacted ops is refused (older than the horizon);
 * - SQL over `fields` — the deal_report triggers and the deal_move index (stage,
 *   stage_entered_at), the conversion and distributor reports (stage, stage_entered_at),
 *   assign_on_shift (responsible of a rule's deal op): those fields are never dropped;
 * - rule dedupe (rule, cause), the outbox (local, pushed), the ledger's checks by op_id,
 *   the attachment's author (actor), conflicts (their own table): columns kept as they
 *   are. The outbox is never compacted (not acknowledged).
 * The marker: a compacted op's stored fields have the member "clocks" (a name no op can
 * write: crm-merge.c refuses it), meaning "the rest is on the row under my clock". */
#define COMPACTED_MARK "clocks"

/* a deal op's fields that SQL reads from the log itself */
static const char *const kept_deal_fields[] = { "stage", "stage_entered_at", "responsible",
                                                NULL };

gboolean
_crm_op_is_compacted (const CrmOp *op)
{
  return op->fields != NULL && json_object_has_member (op->fields, COMPACTED_MARK);
}

static char *
op_clock (const CrmOp *op)
{
  g_autofree char *hex = crm_hlc_to_string (op->hlc);

  return g_strconcat (hex, " ", op->device, NULL);
}

void
_crm_store_restore_op (CrmStore *self,
                       CrmOp    *op)
{
  const CrmEntityType *type;
  g_autoptr(JsonObject) clocks = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *clock = NULL;

  if (!_crm_op_is_compacted (op))
    return;
  json_object_remove_member (op->fields, COMPACTED_MARK);
  type = crm_schema_lookup (op->entity);
  /* a row that cannot be read leaves the op with what it stores (the history shows less,
   * nothing is written from it: a write's own reads fail it) */
  if (type == NULL || !_crm_store_read_row (self, type, op->entity_id, &row, &clocks, NULL) ||
      row == NULL)
    return;
  clock = op_clock (op);
  members = json_object_get_members (clocks);
  for (GList *l = members; l != NULL; l = l->next)
    if (!json_object_has_member (op->fields, l->data) &&
        json_object_has_member (row, l->data) &&
        g_strcmp0 (json_object_get_string_member_with_default (clocks, l->data, NULL),
                   clock) == 0)
      json_object_set_member (op->fields, l->data,
                              json_node_copy (json_object_get_member (row, l->data)));
  /* in the order the stored text had them all (canonical: by name), as read before */
  {
    JsonObject *sorted = crm_json_object_deep_copy (op->fields);

    json_object_unref (op->fields);
    op->fields = sorted;
  }
}

gboolean
_crm_store_keep_compacted_value (CrmStore    *self,
                                 const char  *entity_id,
                                 const char  *old_clock,
                                 const char  *field,
                                 JsonNode    *old_value,
                                 GError     **error)
{
  const char *space = old_clock != NULL ? strchr (old_clock, ' ') : NULL;
  g_autofree char *hex = NULL;
  guint64 hlc = 0;
  sqlite3_stmt *stmt;
  gint64 seq = 0;
  g_autoptr(JsonNode) fields = NULL;
  g_autofree char *text = NULL;
  int rc;

  if (self->compacted_hlc == 0 || space == NULL || old_value == NULL)
    return TRUE;
  hex = g_strndup (old_clock, space - old_clock);
  if (!crm_hlc_parse (hex, &hlc) || hlc > self->compacted_hlc)
    return TRUE;

  stmt = _crm_store_prepare (self,
    "SELECT seq, fields FROM changelog WHERE entity_id = ?1 AND hlc = ?2"
    " AND device_n = " CRM_CHANGELOG_WORD_N ("?3"), error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) hlc);
  _crm_sql_bind_text_or_null (stmt, 3, space + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && fields == NULL)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 1),
                                                   NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
          json_object_has_member (json_node_get_object (node), COMPACTED_MARK))
        {
          seq = sqlite3_column_int64 (stmt, 0);
          fields = g_steal_pointer (&node);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (self, error, "reading the changelog");
      return FALSE;
    }
  if (fields == NULL || json_object_has_member (json_node_get_object (fields), field))
    return TRUE;
  json_object_set_member (json_node_get_object (fields), field, json_node_copy (old_value));
  text = crm_json_to_canonical (fields);
  stmt = _crm_store_prepare (self, "UPDATE changelog SET fields = ?2 WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  return _crm_sql_step_done (self, stmt, "keeping an old value in the history", error);
}

/* @op's fields as stored once compacted (the canonical text), or NULL when nothing of it
 * can go: a field goes when the row holds it under the op's clock with the same value.
 * An op whose clock holds a field of the row it did not write is left whole (the row
 * would give it back a field it never had). */
static char *
compacted_fields (const CrmOp *op,
                  JsonObject  *clocks,
                  JsonObject  *row)
{
  g_autofree char *clock = op_clock (op);
  g_autoptr(JsonObject) kept = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (op->fields);
  g_autoptr(GList) row_fields = json_object_get_members (clocks);
  gboolean deal = g_str_equal (op->entity, "deal");
  guint dropped = 0;

  for (GList *l = row_fields; l != NULL; l = l->next)
    if (g_strcmp0 (json_object_get_string_member_with_default (clocks, l->data, NULL),
                   clock) == 0 &&
        !json_object_has_member (op->fields, l->data))
      return NULL;
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      JsonNode *held = json_object_get_member (row, field);
      gboolean goes = held != NULL &&
                      !(deal && g_strv_contains (kept_deal_fields, field)) &&
                      g_strcmp0 (json_object_get_string_member_with_default (clocks, field,
                                                                              NULL),
                                 clock) == 0;

      if (goes)
        {
          g_autofree char *a = crm_json_to_canonical (value);
          g_autofree char *b = crm_json_to_canonical (held);

          goes = g_str_equal (a, b);
        }
      if (goes)
        dropped++;
      else
        json_object_set_member (kept, field, json_node_copy (value));
    }
  if (dropped == 0)
    return NULL;
  json_object_set_int_member (kept, COMPACTED_MARK, 1);
  return crm_json_object_to_canonical (kept);
}

gint64
crm_store_get_history_keep_days (CrmStore *self)
{
  g_autofree char *text = crm_store_dup_meta (self, "history.keep_days");
  gint64 days;

  g_return_val_if_fail (CRM_IS_STORE (self), CRM_STORE_HISTORY_KEEP_DAYS);

  /* this replica's own (tests, a laptop short of disk), then the account's */
  if (text != NULL)
    return CLAMP (g_ascii_strtoll (text, NULL, 10), 0, CRM_SETTING_HISTORY_MAX_DAYS);
  days = crm_setting_get_history_days (self);
  return days >= 0 ? days : CRM_STORE_HISTORY_KEEP_DAYS;
}

void
_crm_store_reload_compacted (CrmStore *self)
{
  g_autofree char *text = crm_store_dup_meta (self, "history.compacted_hlc");
  guint64 stored = 0;

  self->compacted_hlc = text != NULL && crm_hlc_parse (text, &stored) ? stored : 0;
}

/* The ops of one batch, read before any is rewritten. */
typedef struct {
  CrmOp    *op;
  gboolean  acknowledged;
} CompactRow;

static void
compact_row_clear (CompactRow *row)
{
  g_clear_pointer (&row->op, crm_op_free);
}

gboolean
crm_store_compact_history (CrmStore   *self,
                           guint       max_ops,
                           guint      *out_compacted,
                           gboolean   *out_more,
                           GError    **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (CompactRow));
  g_autofree char *cursor_text = NULL;
  g_autofree char *waiting_text = NULL;
  g_autofree char *waiting_out = NULL;
  g_autofree char *newest_hex = NULL;
  g_autofree char *cursor_out = NULL;
  gint64 days;
  gint64 cursor = 0;
  gint64 last_seen;
  guint64 horizon;
  guint64 newest;
  guint64 waiting = 0;
  guint compacted = 0;
  gboolean stopped = FALSE;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (max_ops > 0, FALSE);

  if (out_compacted != NULL)
    *out_compacted = 0;
  if (out_more != NULL)
    *out_more = FALSE;
  g_array_set_clear_func (rows, (GDestroyNotify) compact_row_clear);
  days = crm_store_get_history_keep_days (self);
  horizon = crm_hlc_make (crm_store_get_now (self) - days * 24 * 3600 * 1000,
                          CRM_HLC_COUNTER_MAX);
  /* the op the last pass stopped at (or the clock when it found no more) is not past the
   * horizon yet: nothing to read, no transaction (most sync rounds) */
  waiting_text = crm_store_dup_meta (self, "history.waiting_hlc");
  if (waiting_text != NULL && crm_hlc_parse (waiting_text, &waiting) && waiting > horizon)
    return TRUE;
  if (!_crm_store_begin (self, error))
    return FALSE;
  _crm_store_reload_compacted (self);
  newest = self->compacted_hlc;
  waiting = 0;

  cursor_text = crm_store_dup_meta (self, "history.compacted_seq");
  if (cursor_text != NULL)
    cursor = MAX (g_ascii_strtoll (cursor_text, NULL, 10), 0);
  last_seen = cursor;

  /* acknowledged: pulled (local = 0), or pushed and answered (pushed ≠ 0) */
  stmt = _crm_store_prepare (self,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS ", NOT (local = 1 AND pushed = 0) FROM changelog"
    " WHERE seq > ?1 ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, cursor);
  sqlite3_bind_int64 (stmt, 2, max_ops);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CompactRow row = { _crm_op_from_changelog_row (stmt), sqlite3_column_int (stmt, 10) != 0 };

      g_array_append_val (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (self, error, "reading the changelog");
      goto failed;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      CompactRow *row = &g_array_index (rows, CompactRow, i);
      const CrmEntityType *type = crm_schema_lookup (row->op->entity);
      g_autoptr(JsonObject) clocks = NULL;
      g_autoptr(JsonObject) entity = NULL;
      g_autofree char *text = NULL;

      /* the log is in the order this replica learnt it, the clocks nearly so: the first
       * op not past the horizon or not acknowledged ends the pass (an op from a laptop
       * whose clock ran ahead holds it back by as much: five minutes at most, the server
       * re-stamps ops further ahead) */
      if (!row->acknowledged || row->op->hlc > horizon)
        {
          /* a pass before this op is past the horizon would stop here again */
          if (row->acknowledged)
            waiting = row->op->hlc;
          stopped = TRUE;
          break;
        }
      last_seen = row->op->seq;
      if (type == NULL || _crm_op_is_compacted (row->op))
        continue;
      if (!_crm_store_read_row (self, type, row->op->entity_id, &entity, &clocks, error))
        goto failed;
      if (entity == NULL || (text = compacted_fields (row->op, clocks, entity)) == NULL)
        continue;
      stmt = _crm_store_prepare (self, "UPDATE changelog SET fields = ?2 WHERE seq = ?1",
                                 error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, row->op->seq);
      sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
      if (!_crm_sql_step_done (self, stmt, "compacting the history", error))
        goto failed;
      newest = MAX (newest, row->op->hlc);
      compacted++;
    }

  /* the whole log read: what comes next is stamped after this replica's clock */
  if (!stopped && rows->len < max_ops)
    waiting = self->clock.last;
  cursor_out = g_strdup_printf ("%" G_GINT64_FORMAT, last_seen);
  newest_hex = crm_hlc_to_string (newest);
  waiting_out = waiting > 0 ? crm_hlc_to_string (waiting) : NULL;
  if (!crm_store_set_meta (self, "history.compacted_seq", cursor_out, error) ||
      (newest > 0 && !crm_store_set_meta (self, "history.compacted_hlc", newest_hex, error)) ||
      !crm_store_set_meta (self, "history.waiting_hlc", waiting_out, error))
    goto failed;
  /* a commit that fails rolls back itself */
  if (!_crm_store_commit (self, error))
    {
      _crm_store_reload_compacted (self);
      return FALSE;
    }
  self->compacted_hlc = newest;
  if (out_compacted != NULL)
    *out_compacted = compacted;
  if (out_more != NULL)
    *out_more = !stopped && rows->len == max_ops;
  return TRUE;

failed:
  _crm_store_rollback (self);
  _crm_store_reload_compacted (self);
  return FALSE;
}

/* The batches of a file nobody else has open: as large as the sync worker's ten */
#define COMPACT_FILE_BATCH 20000

gboolean
crm_store_compact_file (const char    *path,
                        GCancellable  *hurry,
                        guint         *out_compacted,
                        GError       **error)
{
  g_autoptr(CrmStore) store = crm_store_open (path, error);
  gboolean more = TRUE;
  guint total = 0;

  if (store == NULL)
    return FALSE;
  while (more && !g_cancellable_is_cancelled (hurry))
    {
      guint compacted = 0;

      if (!crm_store_compact_history (store, COMPACT_FILE_BATCH, &compacted, &more, error))
        return FALSE;
      total += compacted;
    }
  if (out_compacted != NULL)
    *out_compacted = total;
  return TRUE;
}
