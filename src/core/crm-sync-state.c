/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-state.c — the replica's side of sync (see crm-sync-state.h): the outbox and
 * its acknowledgement, the pull cursor, merging a pulled page, conflict and rejection
 * records, read from and written to the changelog, meta and the local-only `conflict`
 * table. Installing a snapshot is in crm-snapshot-install.c. */
#define G_LOG_DOMAIN "voronka-sync-state"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-sync-state.h"
#include "crm-counter-private.h"
#include "crm-describe.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-changelog-private.h"
#include "crm-merge-private.h"
#include "crm-store-private.h"
#include "crm-hlc.h"
#include "crm-time.h"
#include "crm-validate.h"

static gboolean
count (CrmStore    *store,
       const char  *sql,
       int          arg,
       gint64      *out_count,
       const char  *what,
       GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_parameter_count (stmt) >= 1)
    sqlite3_bind_int (stmt, 1, arg);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, what);
      return FALSE;
    }
  *out_count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
crm_sync_state_count_waiting (CrmStore  *store,
                              gint64    *out_count,
                              GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  return count (store, "SELECT count (*) FROM changelog WHERE local = 1 AND pushed = 0", 0,
                out_count, "count ops to push", error);
}

gboolean
crm_sync_state_get_last_sync (CrmStore *store,
                              gint64   *out_ms)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  text = crm_store_dup_meta (store, "sync.last");
  if (text == NULL)
    return FALSE;
  if (crm_time_parse (text, out_ms))
    return TRUE;
  /* a plain number of milliseconds is accepted too */
  return g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, out_ms, NULL);
}

gboolean
crm_sync_state_set_last_sync (CrmStore  *store,
                              GError   **error)
{
  g_autofree char *now = crm_time_format (crm_time_now_ms ());

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  return crm_store_set_meta (store, "sync.last", now, error);
}

/* --- the outbox and the cursor ------------------------------------------------------------ */

GPtrArray *
crm_sync_state_dup_outbox (CrmStore  *store,
                           guint      limit,
                           GError   **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS " FROM changelog WHERE local = 1 AND pushed = 0"
    " ORDER BY seq LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ops, _crm_op_from_changelog_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the outbox");
      return NULL;
    }
  return g_steal_pointer (&ops);
}

gint64
crm_sync_state_get_cursor (CrmStore *store)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), -1);

  text = crm_store_dup_meta (store, "sync.cursor");
  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
}

/* How many of the latest changes crm_sync_state_dup_cursor_op() looks through. */
#define CURSOR_OP_WINDOW 20000

gboolean
crm_sync_state_dup_cursor_op (CrmStore  *store,
                              gint64     cursor,
                              char     **out_op_id,
                              GError   **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  *out_op_id = NULL;
  if (cursor <= 0)
    return TRUE;
  /* server_seq has no index: the op at the cursor was merged with the last page (new,
   * or one of ours made before it), so it is near the end of the history, read from
   * there backwards. Only so far: an op further back (tens of thousands of changes
   * made here since) is taken for none, and the pull goes unchecked, rather than read
   * the whole history at every page (0.35 s for 300 000 ops; this bound, under 40 ms). */
  stmt = _crm_store_prepare (store,
    "SELECT op_id FROM (SELECT op_id, server_seq FROM changelog ORDER BY seq DESC"
    " LIMIT " G_STRINGIFY (CURSOR_OP_WINDOW) ") WHERE server_seq = ?1 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cursor);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the op at the pull cursor");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_sync_state_read_unused (CrmStore  *store,
                            gboolean  *out_unused,
                            GError   **error)
{
  g_autofree char *cursor = NULL;
  gint64 n_ops = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  *out_unused = FALSE;
  if (!crm_store_read_meta (store, "sync.cursor", &cursor, error) ||
      !_crm_store_count_log (store, &n_ops, error))
    return FALSE;
  *out_unused = cursor == NULL && n_ops == 0;
  return TRUE;
}

static gboolean
set_cursor (CrmStore  *store,
            gint64     cursor,
            GError   **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);

  return crm_store_set_meta (store, "sync.cursor", text, error);
}

/* --- conflict records ------------------------------------------------------------------------ */

/* A rejection is kept as one `conflict` row per field of the refused op, whose
 * remote_actor is REJECTED_PREFIX + the server's code, remote_device the server's
 * device, remote_value what the server kept and local_hlc the op's clock as pushed (so
 * the rows of one op share (entity_id, local_hlc)). Every other row is a lost edit. */
#define REJECTED_PREFIX "rejected:"
#define IS_REJECTION "(remote_actor IS NOT NULL AND remote_actor LIKE 'rejected:%')"
/* What people are shown (and counted): not the time a deal entered its stage, which goes
 * with the stage, and not a field whose kept value is the one this device wrote (a
 * refused change's unchanged fields). */
#define IS_SHOWN "(field <> 'stage_entered_at' AND local_value IS NOT remote_value)"

static gboolean
insert_conflict (CrmStore     *store,
                 const char   *entity,
                 const char   *entity_id,
                 const char   *field,
                 JsonNode     *local_value,
                 JsonNode     *remote_value,
                 guint64       local_hlc,
                 guint64       remote_hlc,
                 const char   *remote_device,
                 const char   *remote_actor,
                 GError      **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "INSERT INTO conflict (entity, entity_id, field, local_value, remote_value, local_hlc,"
    " remote_hlc, remote_device, remote_actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8, ?9, ?10)", error);
  g_autofree char *local_text = local_value != NULL ? crm_json_to_canonical (local_value)
                                                    : g_strdup ("null");
  g_autofree char *remote_text = remote_value != NULL ? crm_json_to_canonical (remote_value)
                                                      : g_strdup ("null");

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity);
  _crm_sql_bind_text_or_null (stmt, 2, entity_id);
  _crm_sql_bind_text_or_null (stmt, 3, field);
  _crm_sql_bind_text_or_null (stmt, 4, local_text);
  _crm_sql_bind_text_or_null (stmt, 5, remote_text);
  sqlite3_bind_int64 (stmt, 6, (gint64) local_hlc);
  sqlite3_bind_int64 (stmt, 7, (gint64) remote_hlc);
  _crm_sql_bind_text_or_null (stmt, 8, remote_device);
  _crm_sql_bind_text_or_null (stmt, 9, remote_actor);
  sqlite3_bind_int64 (stmt, 10, crm_store_get_now (store));
  return _crm_sql_step_done (store, stmt, "recording a conflict", error);
}

/* --- a push answer ------------------------------------------------------------------------ */

static gboolean
mark_pushed (CrmStore    *store,
             const char  *op_id,
             gint64       pushed,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "UPDATE changelog SET pushed = ?2 WHERE op_id = ?1 AND local = 1", error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  sqlite3_bind_int64 (stmt, 2, pushed);
  return _crm_sql_step_done (store, stmt, "acknowledging an op", error);
}

/* A decision on an approval another device decided first is one record, in words: its
 * "steps" (this device's decision against the one that stands, crm_describe_conflict()),
 * not one per field of the op. */
static gboolean
is_decision_refused (const CrmOp          *op,
                     const CrmPushOutcome *outcome)
{
  return g_strcmp0 (op->entity, "approval") == 0 &&
         json_object_has_member (op->fields, "steps") &&
         (g_strcmp0 (outcome->code, "already-decided") == 0 ||
          /* a request the server refused (its approvers are not the ones the settings
           * choose there now): one record too, asking to request again */
          (g_strcmp0 (outcome->code, "permission-denied") == 0 &&
           json_object_has_member (op->fields, "kind")));
}

/* The approval a decision's companion op names: the author's notification of a rejection
 * and the accountant's task ("approval"), the brand's new discount ("discount_approval");
 * NULL for any other op. Refused with their decision, they are part of its record. */
static const char *
decision_companion (const CrmOp *op)
{
  const char *member = g_strcmp0 (op->entity, "tag") == 0 ? "discount_approval" : "approval";

  if (g_strcmp0 (op->entity, "notification") != 0 && g_strcmp0 (op->entity, "task") != 0 &&
      g_strcmp0 (op->entity, "tag") != 0)
    return NULL;
  return crm_json_string (op->fields, member);
}

static gboolean
record_rejection (CrmStore              *store,
                  const CrmOp           *op,
                  const CrmPushOutcome  *outcome,
                  GError               **error)
{
  g_autofree char *actor = g_strconcat (REJECTED_PREFIX, outcome->code ? outcome->code : "failed",
                                        NULL);
  g_autoptr(GList) members = json_object_get_members (op->fields);
  gboolean decision = is_decision_refused (op, outcome);

  for (GList *l = members; l != NULL; l = l->next)
    if ((!decision || g_str_equal (l->data, "steps")) &&
        !insert_conflict (store, op->entity, op->entity_id, l->data,
                          json_object_get_member (op->fields, l->data),
                          outcome->values ? json_object_get_member (outcome->values, l->data) : NULL,
                          op->hlc, outcome->corrective ? outcome->corrective->hlc : 0,
                          outcome->corrective ? outcome->corrective->device : NULL, actor,
                          error))
      return FALSE;
  return TRUE;
}

gboolean
crm_sync_state_take_push_answer (CrmStore              *store,
                                 GPtrArray             *ops,
                                 const CrmPushOutcome  *outcomes,
                                 guint                  n_outcomes,
                                 guint64                server_hlc,
                                 guint                 *out_rejected,
                                 GError               **error)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) refused_decisions = g_hash_table_new (g_str_hash, g_str_equal);
  guint rejected = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (outcomes != NULL || n_outcomes == 0, FALSE);

  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_hash_table_insert (by_id, op->op_id, op);
    }
  /* the approvals whose decision another device made first: what came with it is part of
   * that one refusal */
  for (guint i = 0; i < n_outcomes; i++)
    {
      CrmOp *op = outcomes[i].op_id ? g_hash_table_lookup (by_id, outcomes[i].op_id) : NULL;

      if (op != NULL && !outcomes[i].accepted && is_decision_refused (op, &outcomes[i]))
        g_hash_table_add (refused_decisions, op->entity_id);
    }
  if (!_crm_store_begin (store, error))
    return FALSE;
  if (server_hlc != 0)
    _crm_store_absorb_hlc (store, server_hlc);
  for (guint i = 0; i < n_outcomes; i++)
    {
      const CrmPushOutcome *outcome = &outcomes[i];
      CrmOp *op = outcome->op_id ? g_hash_table_lookup (by_id, outcome->op_id) : NULL;
      const char *companion;
      gboolean part_of_decision;
      gboolean ok;

      if (op == NULL)
        continue;   /* the server answered about an op we did not send: ignore it */
      if (outcome->accepted)
        ok = mark_pushed (store, op->op_id, outcome->seq, error) &&
             (outcome->hlc == op->hlc ||
              _crm_store_restamp_op (store, op->op_id, outcome->hlc, error)) &&
             crm_sync_state_set_stamp (store, op->op_id, outcome->seq, outcome->stamp,
                                       outcome->actor, error);
      else
        {
          /* the op's clock drops to zero, so it loses to every other write of its
           * fields, the server's corrective op included — even when its own clock ran
           * ahead of the server's */
          companion = decision_companion (op);
          part_of_decision = companion != NULL &&
                             g_hash_table_contains (refused_decisions, companion);
          if (!part_of_decision)
            rejected++;
          ok = mark_pushed (store, op->op_id, -1, error) &&
               _crm_store_restamp_op (store, op->op_id, 0, error) &&
               (outcome->corrective == NULL ||
                _crm_store_merge_op (store, outcome->corrective, FALSE, NULL, NULL, error)) &&
               (part_of_decision || record_rejection (store, op, outcome, error));
        }
      if (!ok)
        {
          _crm_store_rollback (store);
          return FALSE;
        }
    }
  if (!_crm_store_commit (store, error))
    return FALSE;
  if (out_rejected != NULL)
    *out_rejected = rejected;
  return TRUE;
}

/* --- a pulled page ---------------------------------------------------------------------------- */

/* Did this device write @field of @entity_id last with the value @value (its own write,
 * taken over by another device's equal one)? *@out_hlc: that write's clock. FALSE also on
 * a database error (in @error). */
static gboolean
own_equal_write (CrmStore    *store,
                 const char  *entity_id,
                 const char  *field,
                 JsonNode    *value,
                 guint64     *out_hlc,
                 GError     **error)
{
  g_autofree char *path = g_strconcat ("$.", field, NULL);
  g_autofree char *canonical = crm_json_to_canonical (value);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT hlc, json_extract (fields, ?3) IS json_extract (?4, '$') FROM changelog"
    " WHERE entity_id = ?1 AND device_n = " CRM_CHANGELOG_WORD_N ("?2") " AND local = 1"
    " AND rule IS NULL"
    " AND json_type (fields, ?3) IS NOT NULL ORDER BY seq DESC LIMIT 1", error);
  gboolean equal = FALSE;
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  _crm_sql_bind_text_or_null (stmt, 2, crm_store_get_device_id (store));
  _crm_sql_bind_text_or_null (stmt, 3, path);
  _crm_sql_bind_text_or_null (stmt, 4, canonical);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int (stmt, 1) != 0)
    {
      equal = TRUE;
      *out_hlc = (guint64) sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "looking for an edit of ours");
      return FALSE;
    }
  return equal;
}

/* Records a lost edit when @op overwrote a field this device wrote and its author had not
 * seen that write: our op was not acknowledged yet, or the author's base is before the
 * server sequence our op got. */
static gboolean
check_conflicts (CrmStore     *store,
                 const CrmOp  *op,
                 gint64        base,
                 JsonObject   *previous,
                 guint        *out_conflicts,
                 GError      **error)
{
  const char *me = crm_store_get_device_id (store);
  JsonObject *clocks = json_object_get_object_member (previous, "clocks");
  JsonObject *values = json_object_get_object_member (previous, "values");
  g_autoptr(GList) members = clocks ? json_object_get_members (clocks) : NULL;
  gint wrote_here = -1;   /* has this device ever written the entity? (-1: not asked) */

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      const char *clock = json_object_get_string_member_with_default (clocks, field, NULL);
      const char *space = clock ? strchr (clock, ' ') : NULL;
      g_autofree char *hex = NULL;
      guint64 local_hlc = 0;
      sqlite3_stmt *stmt;
      gint64 pushed = 0;
      gboolean found = FALSE;
      JsonNode *old_value = values ? json_object_get_member (values, field) : NULL;
      JsonNode *new_value = json_object_get_member (op->fields, field);
      int rc;

      if (space == NULL)
        continue;
      /* a counter's total is its parts' sum: another device's count lost nothing of ours */
      if (_crm_counter_is_part (field) || _crm_counter_has_parts (op->fields, field))
        continue;
      if (old_value != NULL && new_value != NULL)
        {
          g_autofree char *a = crm_json_to_canonical (old_value);
          g_autofree char *b = crm_json_to_canonical (new_value);

          if (g_str_equal (a, b))
            continue;   /* same value: nothing was lost */
        }
      if (g_strcmp0 (space + 1, me) != 0)
        {
          /* another device's write holds the field — one of the same value as ours,
           * made at the same time with a later clock (two people moved the deal to the
           * same stage), which took over our write: what overrides it now overrides
           * ours too */
          if (wrote_here < 0)
            {
              sqlite3_stmt *own = _crm_store_prepare (store,
                "SELECT 1 FROM changelog WHERE entity_id = ?1 AND local = 1 LIMIT 1", error);

              if (own == NULL)
                return FALSE;
              _crm_sql_bind_text_or_null (own, 1, op->entity_id);
              wrote_here = sqlite3_step (own) == SQLITE_ROW ? 1 : 0;
              sqlite3_reset (own);
            }
          if (!wrote_here || old_value == NULL ||
              !own_equal_write (store, op->entity_id, field, old_value, &local_hlc, error))
            {
              if (error != NULL && *error != NULL)
                return FALSE;
              continue;
            }
        }
      else
        {
          hex = g_strndup (clock, space - clock);
          if (!crm_hlc_parse (hex, &local_hlc))
            continue;
        }
      stmt = _crm_store_prepare (store,
        "SELECT pushed FROM changelog WHERE entity_id = ?1 AND hlc = ?2"
        " AND device_n = " CRM_CHANGELOG_WORD_N ("?3") " AND local = 1 LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
      sqlite3_bind_int64 (stmt, 2, (gint64) local_hlc);
      _crm_sql_bind_text_or_null (stmt, 3, me);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          found = TRUE;
          pushed = sqlite3_column_int64 (stmt, 0);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "looking for a conflicting edit");
          return FALSE;
        }
      if (!found || pushed < 0 || (pushed > 0 && base >= pushed))
        continue;   /* a rejected op, or an edit made after seeing ours */
      if (!insert_conflict (store, op->entity, op->entity_id, field, old_value, new_value,
                            local_hlc, op->hlc, op->device, op->actor, error))
        return FALSE;
      (*out_conflicts)++;
    }
  return TRUE;
}

gboolean
crm_sync_state_merge_pulled (CrmStore   *store,
                             GPtrArray  *ops,
                             GArray     *bases,
                             gint64      cursor,
                             guint64     server_hlc,
                             guint      *out_merged,
                             guint      *out_conflicts,
                             GError    **error)
{
  const char *me;
  guint merged = 0, conflicts = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (bases == NULL || bases->len == ops->len, FALSE);

  me = crm_store_get_device_id (store);
  if (!_crm_store_begin_merge (store, error))
    return FALSE;
  if (server_hlc != 0)
    _crm_store_absorb_hlc (store, server_hlc);
  /* the page's new contacts get their search rows together, sorted, after its ops (half
   * of merging a new contact was writing them one by one: bench/RESULTS.md) */
  _crm_store_defer_search_rows (store);
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      gint64 base = bases != NULL ? g_array_index (bases, gint64, i) : 0;
      g_autoptr(JsonObject) previous = NULL;
      gboolean known = FALSE;

      if (!_crm_store_merge_op (store, op, FALSE, &known,
                                g_strcmp0 (op->device, me) != 0 ? &previous : NULL, error))
        goto fail;
      if (known && g_strcmp0 (op->device, me) == 0)
        {
          /* our own op, pushed before a crash lost the answer: acknowledge it now */
          sqlite3_stmt *stmt = _crm_store_prepare (store,
            "UPDATE changelog SET pushed = ?2 WHERE op_id = ?1 AND local = 1 AND pushed = 0",
            error);
          if (stmt == NULL)
            goto fail;
          _crm_sql_bind_text_or_null (stmt, 1, op->op_id);
          sqlite3_bind_int64 (stmt, 2, op->seq);
          if (!_crm_sql_step_done (store, stmt, "acknowledging an op", error))
            goto fail;
        }
      /* an op known already (ours, or one received twice) takes the server's number and
       * stamp, which a restored server needs to take it back */
      if (known && !crm_sync_state_set_stamp (store, op->op_id, op->seq, op->stamp, op->actor,
                                              error))
        goto fail;
      if (!known)
        merged++;
      if (previous != NULL && !check_conflicts (store, op, base, previous, &conflicts, error))
        goto fail;
    }
  if (!_crm_store_write_deferred_search_rows (store, error) || !set_cursor (store, cursor, error))
    goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;   /* it rolled back */
  if (out_merged != NULL)
    *out_merged = merged;
  if (out_conflicts != NULL)
    *out_conflicts = conflicts;
  return TRUE;

fail:
  _crm_store_rollback (store);
  return FALSE;
}

/* --- what people see -------------------------------------------------------------------------- */

/* --- withdrawals the server has yet to make ------------------------------------------------ */

#define WITHDRAW_PENDING_META "sync.withdraw_pending"

/* What the last pull said (meta "sync.withdraw_pending": the pull answer's
 * "withdraw_pending", as it came), or NULL. */
static JsonArray *
withdraw_pending (CrmStore *store)
{
  g_autofree char *text = crm_store_dup_meta (store, WITHDRAW_PENDING_META);
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    return NULL;
  return json_array_ref (json_node_get_array (node));
}

gboolean
crm_sync_state_set_withdraw_pending (CrmStore   *store,
                                     JsonArray  *pending,
                                     GError    **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (pending == NULL || json_array_get_length (pending) == 0)
    {
      g_autofree char *kept = crm_store_dup_meta (store, WITHDRAW_PENDING_META);

      return kept == NULL || crm_store_set_meta (store, WITHDRAW_PENDING_META, NULL, error);
    }
  node = json_node_init_array (json_node_alloc (), pending);
  text = json_to_string (node, FALSE);
  return crm_store_set_meta (store, WITHDRAW_PENDING_META, text, error);
}

gboolean
crm_sync_state_count_conflicts (CrmStore  *store,
                                gboolean   unseen_only,
                                gint64    *out_count,
                                GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  if (!count (store, "SELECT count (*) FROM conflict WHERE (?1 = 0 OR seen = 0)"
                     " AND NOT " IS_REJECTION " AND " IS_SHOWN,
              unseen_only ? 1 : 0, out_count, "count conflicts", error))
    return FALSE;
  /* and the withdrawals the server has yet to make (never "seen": they go when made) */
  {
    g_autoptr(JsonArray) pending = withdraw_pending (store);

    *out_count += pending != NULL ? json_array_get_length (pending) : 0;
  }
  return TRUE;
}

gboolean
crm_sync_state_count_rejected (CrmStore  *store,
                               gboolean   unseen_only,
                               gint64    *out_count,
                               GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  /* one per op: the rows of one op share its entity and its clock as pushed */
  return count (store, "SELECT count (*) FROM (SELECT DISTINCT entity_id, local_hlc"
                       " FROM conflict WHERE (?1 = 0 OR seen = 0) AND " IS_REJECTION " AND " IS_SHOWN ")",
                unseen_only ? 1 : 0, out_count, "count rejected changes", error);
}

const char *
crm_sync_state_rejection_reason (const char *code,
                                 const char *entity)
{
  static const char *const setup[] = {
    "pipeline", "stage", "field", "loss_reason", "user", NULL
  };

  if (g_strcmp0 (code, "permission-denied") == 0)
    {
      if (g_strcmp0 (entity, "rule") == 0)
        return _("Only an administrator can change automation rules");
      if (g_strcmp0 (entity, "deal") == 0 || g_strcmp0 (entity, "deal_tag") == 0 ||
          g_strcmp0 (entity, "deal_contact") == 0)
        return _("The deal belongs to another sales rep, or its number was changed; the server "
                 "kept its version");
      if (entity != NULL && g_strv_contains (setup, entity))
        return _("Only an administrator can change pipelines, stages, fields, loss reasons and "
                 "users");
      if (g_strcmp0 (entity, "task") == 0 || g_strcmp0 (entity, "note") == 0 ||
          g_strcmp0 (entity, "attachment") == 0)
        return _("It belongs to another sales rep's deal, task or client; the server kept its "
                 "version");
      if (g_strcmp0 (entity, "contact") == 0 || g_strcmp0 (entity, "company") == 0)
        return _("Another sales rep is responsible for this client; the server kept its version");
      return _("Your role does not allow this change, or it claimed another user's device; "
               "the server kept its version");
    }
  if (g_strcmp0 (code, "already-decided") == 0)
    return _("Someone decided this step of the approval first, on another device: their "
             "decision stands and yours was not recorded (the approval's sheet shows who "
             "decided and when)");
  if (g_strcmp0 (code, "not-found") == 0)
    return _("It refers to something the server does not have (it was never sent, or was "
             "refused)");
  if (g_strcmp0 (code, "invalid-input") == 0)
    return _("A value is out of range or not of the right form (an amount above "
             "1 000 000 000.00, a name too long, …)");
  if (g_strcmp0 (code, "too-large") == 0)
    return _("The change is larger than 64 KiB; shorten the text or attach it as a file");
  if (g_strcmp0 (code, "loss-reason-required") == 0)
    return _("Closing a deal as lost needs a loss reason from the pipeline's list");
  if (g_strcmp0 (code, "required-field") == 0)
    return _("The stage needs fields filled in that were empty");
  if (g_strcmp0 (code, "next-task-required") == 0)
    return _("The deal would be left without an open task");
  if (g_strcmp0 (code, "call-result-required") == 0)
    return _("A call task is completed only with the call's result");
  if (g_strcmp0 (code, "attachment-required") == 0)
    return _("The stage needs a photo or file attached to the deal first");
  if (g_strcmp0 (code, "caused-by-rejected") == 0)
    return _("Made by automation in reaction to a change the server rejected");
  if (g_strcmp0 (code, "deal-closed") == 0)
    return _("The deal is already closed: it was won or lost on another device before your "
             "change reached the server; reopen it if the work goes on");
  if (g_strcmp0 (code, "deleted") == 0)
    return _("It was deleted on another device before your change reached the server; it "
             "stays deleted — restore it from the deleted items to make the change again");
  if (g_strcmp0 (code, "withdraw-pending") == 0)
    return _("Your change did not hold, so what automation made after it is to be withdrawn; "
             "the server could not do that yet (its storage failed) and will do it by itself. "
             "Leave those tasks and deals be: this note goes once they are withdrawn");
  if (g_strcmp0 (code, "duplicate-automation") == 0)
    return _("Another device already ran this automation for the same change; its result "
             "was kept");
  return _("The server did not accept this change");
}

/* What people call the entity: a deal's title, a contact's or company's name, a task's
 * text. */
static char *
entity_title (CrmStore   *store,
              const char *entity,
              const char *entity_id)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (store, entity, entity_id);
  const char *members[] = { "title", "name", "text", NULL };

  for (guint i = 0; object != NULL && members[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, members[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
    }
  return NULL;
}

static void
set_text (JsonObject   *object,
          const char   *member,
          const char   *text)
{
  if (text != NULL)
    json_object_set_string_member (object, member, text);
  else
    json_object_set_null_member (object, member);
}

static void
set_json_text (JsonObject *object,
               const char *member,
               const char *text)
{
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  json_object_set_member (object, member, node != NULL ? node : json_node_new (JSON_NODE_NULL));
}

/* The pending withdrawals as records of crm_sync_state_list_conflicts(), kind "pending". */
static void
add_pending_items (CrmStore  *store,
                   GPtrArray *rows)
{
  g_autoptr(JsonArray) pending = withdraw_pending (store);

  for (guint i = 0; pending != NULL && i < json_array_get_length (pending); i++)
    {
      JsonNode *node = json_array_get_element (pending, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *deal = entry != NULL ? crm_json_string (entry, "deal") : NULL;
      const char *stage = entry != NULL ? crm_json_string (entry, "stage") : NULL;
      const char *op_id = entry != NULL ? crm_json_string (entry, "op") : NULL;
      g_autofree char *current = NULL;
      g_autofree char *local_when = NULL;
      sqlite3_stmt *stmt;
      JsonObject *item;

      if (deal == NULL || op_id == NULL)
        continue;
      current = _crm_store_dup_column (store, "deal", deal, "stage");
      stmt = _crm_store_prepare (store, "SELECT hlc FROM changelog WHERE op_id = ?1", NULL);
      if (stmt != NULL)
        {
          _crm_sql_bind_text_or_null (stmt, 1, op_id);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            local_when = crm_time_format (crm_hlc_physical ((guint64) sqlite3_column_int64 (stmt, 0)));
          sqlite3_reset (stmt);
        }
      item = json_object_new ();
      json_object_set_int_member (item, "id", 0);
      json_object_set_string_member (item, "kind", "pending");
      json_object_set_string_member (item, "entity", "deal");
      json_object_set_string_member (item, "entity_id", deal);
      json_object_set_string_member (item, "field", "stage");
      set_text (item, "local", stage);
      set_text (item, "remote", current);
      json_object_set_string_member (item, "who", "server");
      json_object_set_null_member (item, "actor");
      json_object_set_string_member (item, "code", "withdraw-pending");
      json_object_set_null_member (item, "device");
      json_object_set_null_member (item, "when");
      set_text (item, "local_when", local_when);
      json_object_set_boolean_member (item, "seen", FALSE);
      json_object_set_int_member (item, "effects",
                                  json_object_get_int_member_with_default (entry, "effects", 0));
      g_ptr_array_add (rows, item);
    }
}

/* Why the server refused the change of the rejection @item in the words the laptop would
 * give now: the same rights check (crm_validate_op_rights) of the change as its author
 * made it, against the replica as the server left it. NULL when the check lets it
 * through now (the role was changed meanwhile) or the change is not known here. */
static char *
explain_refusal (CrmStore   *store,
                 JsonObject *item)
{
  g_autoptr(CrmOp) op = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) fields = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *role = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *wanted = NULL;
  JsonNode *local;
  const char *field;
  sqlite3_stmt *stmt;

  if (crm_json_string (item, "entity_id") == NULL)
    return NULL;
  /* the change as its author made it: the local op pushed with that clock (a refused op
   * keeps no clock of its own here: the newest refused one with the same value then) */
  local = json_object_get_member (item, "local");
  field = crm_json_string (item, "field");
  if (local == NULL || field == NULL)
    return NULL;
  wanted = crm_json_to_canonical (local);
  stmt = _crm_store_prepare (store, "SELECT " CRM_CHANGELOG_WORD ("actor_n") ", fields"
                             " FROM changelog WHERE entity_id = ?1"
                             " AND local = 1 AND hlc IN (?2, 0) ORDER BY seq DESC LIMIT 20",
                             NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, crm_json_string (item, "entity_id"));
  sqlite3_bind_int64 (stmt, 2, json_object_get_int_member_with_default (item, "_local_hlc", 0));
  while (fields == NULL && _crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonNode *value;
      g_autofree char *text = NULL;

      if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
        continue;
      node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);
      value = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
              ? json_object_get_member (json_node_get_object (node), field) : NULL;
      if (value == NULL || !g_str_equal (text = crm_json_to_canonical (value), wanted))
        continue;
      actor = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      fields = g_steal_pointer (&node);
    }
  sqlite3_reset (stmt);
  if (actor == NULL || fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields) ||
      (role = _crm_store_dup_column (store, "user", actor, "role")) == NULL)
    return NULL;
  op = crm_op_new ();
  op->entity = g_strdup (crm_json_string (item, "entity"));
  op->entity_id = g_strdup (crm_json_string (item, "entity_id"));
  op->fields = json_object_ref (json_node_get_object (fields));
  op->actor = g_strdup (actor);
  if (!crm_store_read_entity (store, op->entity, op->entity_id, &row, NULL) || row == NULL ||
      crm_validate_op_rights (store, op, actor, role, &error) ||
      !g_error_matches (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED))
    return NULL;
  return g_strdup (error->message);
}

JsonArray *
crm_sync_state_list_conflicts (CrmStore  *store,
                               gboolean   unseen_only,
                               guint      limit,
                               GError   **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  add_pending_items (store, rows);
  stmt = _crm_store_prepare (store,
    "SELECT id, entity, entity_id, field, local_value, remote_value, remote_hlc, remote_device,"
    " remote_actor, seen, local_hlc FROM conflict WHERE (?1 = 0 OR seen = 0) AND " IS_SHOWN
    " ORDER BY id DESC LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, unseen_only ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      const char *actor = (const char *) sqlite3_column_text (stmt, 8);
      gboolean rejected = actor != NULL && g_str_has_prefix (actor, REJECTED_PREFIX);
      guint64 remote_hlc = (guint64) sqlite3_column_int64 (stmt, 6);
      g_autofree char *when = remote_hlc != 0 ? crm_time_format (crm_hlc_physical (remote_hlc)) : NULL;
      g_autofree char *local_when = crm_time_format (crm_hlc_physical ((guint64) sqlite3_column_int64 (stmt, 10)));

      json_object_set_int_member (item, "id", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (item, "kind", rejected ? "rejected" : "conflict");
      set_text (item, "entity", (const char *) sqlite3_column_text (stmt, 1));
      set_text (item, "entity_id", (const char *) sqlite3_column_text (stmt, 2));
      set_text (item, "field", (const char *) sqlite3_column_text (stmt, 3));
      set_json_text (item, "local", (const char *) sqlite3_column_text (stmt, 4));
      set_json_text (item, "remote", (const char *) sqlite3_column_text (stmt, 5));
      if (rejected)
        {
          const char *code = actor + strlen (REJECTED_PREFIX);

          json_object_set_string_member (item, "who", "server");
          json_object_set_null_member (item, "actor");
          json_object_set_string_member (item, "code", code);
        }
      else
        {
          /* the user's id for now: named after the loop */
          json_object_set_string_member (item, "who", actor != NULL ? actor : "");
          set_text (item, "actor", actor);
          json_object_set_null_member (item, "code");
        }
      set_text (item, "device", (const char *) sqlite3_column_text (stmt, 7));
      /* a rejection without the server's corrective op: when it kept its value is unknown */
      set_text (item, "when", when);
      json_object_set_string_member (item, "local_when", local_when);
      json_object_set_boolean_member (item, "seen", sqlite3_column_int (stmt, 9) != 0);
      /* (the op's clock, to find its author: explain_refusal(); not shown) */
      json_object_set_int_member (item, "_local_hlc", sqlite3_column_int64 (stmt, 10));
      g_ptr_array_add (rows, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading conflicts");
      return NULL;
    }

  /* Names are looked up after the loop: the lookups reuse the statement cache. */
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *item = g_ptr_array_index (rows, i);
      const char *entity = json_object_get_string_member_with_default (item, "entity", NULL);
      const char *code = json_object_get_string_member_with_default (item, "code", NULL);
      g_autofree char *title = entity_title (store, entity,
                                             json_object_get_string_member_with_default (item, "entity_id", NULL));

      set_text (item, "title", title);
      if (code != NULL)
        {
          g_autofree char *why = g_strcmp0 (code, "permission-denied") == 0
                                 ? explain_refusal (store, item) : NULL;

          json_object_set_string_member (item, "reason",
                                         why != NULL ? why
                                         : crm_sync_state_rejection_reason (code, entity));
        }
      else
        {
          const char *actor = json_object_get_string_member (item, "who");
          g_autofree char *name = *actor != '\0'
                                  ? _crm_store_dup_column (store, "user", actor, "name") : NULL;

          if (name != NULL)
            json_object_set_string_member (item, "who", name);
          json_object_set_null_member (item, "reason");
        }
      json_object_remove_member (item, "_local_hlc");
      crm_describe_conflict (store, item);
      if (g_strcmp0 (crm_json_string (item, "kind"), "pending") == 0)
        {
          guint n = (guint) json_object_get_int_member_with_default (item, "effects", 0);
          const char *local_text = crm_json_string (item, "local_text");
          const char *local_when_text = crm_json_string (item, "local_when_text");
          g_autofree char *kept_line = g_strdup_printf (
            /* Translators: what automation made after a change that did not hold, still
             * there until the server withdraws it */
            g_dngettext (GETTEXT_PACKAGE, "Still there: %u task or deal automation made after it",
                         "Still there: %u tasks or deals automation made after it", n), n);
          g_autofree char *yours_line = local_when_text != NULL
            /* Translators: your change that did not hold — when you made it */
            ? g_strdup_printf (_("Yours, did not hold: %s — %s"), local_text ? local_text : "—",
                               local_when_text)
            : g_strdup_printf (_("Yours, did not hold: %s"), local_text ? local_text : "—");

          set_text (item, "kept_line", kept_line);
          set_text (item, "yours_line", yours_line);
        }
      json_array_add_object_element (result, json_object_ref (item));
    }
  return g_steal_pointer (&result);
}

gboolean
crm_sync_state_mark_conflicts_seen (CrmStore  *store,
                                    GError   **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!crm_store_set_meta (store, "sync.restored", NULL, error))
    return FALSE;
  stmt = _crm_store_prepare (store, "UPDATE conflict SET seen = 1 WHERE seen = 0", error);
  if (stmt == NULL)
    return FALSE;
  return _crm_sql_step_done (store, stmt, "marking conflicts seen", error);
}

/* --- a server restored from a backup ---------------------------------------------------------- */

gboolean
crm_sync_state_set_stamp (CrmStore    *store,
                          const char  *op_id,
                          gint64       server_seq,
                          const char  *stamp,
                          const char  *actor,
                          GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 actor_n = 0;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (op_id != NULL, FALSE);

  /* (the actor is kept as its number in clock_word, crm-changelog-private.h) */
  if (stamp != NULL && actor != NULL &&
      (actor_n = _crm_changelog_word_number (store, actor)) == 0)
    {
      _crm_store_set_sql_error (store, error, "keep the server's stamp of an op");
      return FALSE;
    }
  stmt = _crm_store_prepare (store,
    "UPDATE changelog SET server_seq = ?2, stamp = COALESCE (?3, stamp),"
    " actor_n = CASE WHEN ?3 IS NULL THEN actor_n ELSE ?4 END WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, server_seq);
  if (stamp != NULL)
    sqlite3_bind_text (stmt, 3, stamp, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 3);
  if (actor_n != 0)
    sqlite3_bind_int64 (stmt, 4, actor_n);
  else
    sqlite3_bind_null (stmt, 4);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "keep the server's stamp of an op");
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
crm_sync_state_dup_lost_ops (CrmStore    *store,
                             gint64       shared,
                             gint64       after_seq,
                             guint        limit,
                             GError     **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS ", stamp"
    " FROM changelog WHERE seq > ?2 AND server_seq > ?1"
    " AND ((local = 1 AND pushed > 0) OR (local = 0 AND stamp IS NOT NULL))"
    " ORDER BY seq LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, shared);
  sqlite3_bind_int64 (stmt, 2, after_seq);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmOp *op = _crm_op_from_changelog_row (stmt);

      g_ptr_array_add (ops, op);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the changes to send again");
      return NULL;
    }
  /* sent whole: a compacted op's fields read back from its row (crm_store_compact_history) */
  for (guint i = 0; i < ops->len; i++)
    _crm_store_restore_op (store, ops->pdata[i]);
  return g_steal_pointer (&ops);
}

gboolean
crm_sync_state_set_restored (CrmStore  *store,
                             gint64     count,
                             gboolean   lost_ops,
                             GError   **error)
{
  /* "COUNT MS", and " lost-ops" for a server that lost ops without a restore (a replica
   * of before reads the first two) */
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "%s",
                                           count, crm_time_now_ms (),
                                           lost_ops ? " lost-ops" : "");

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  return crm_store_set_meta (store, "sync.restored", text, error);
}

gboolean
crm_sync_state_get_restored (CrmStore *store,
                             gint64   *out_count,
                             gint64   *out_ms,
                             gboolean *out_lost_ops)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  gint64 count = 0, ms = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  text = crm_store_dup_meta (store, "sync.restored");
  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, " ", 3);
  if (g_strv_length (parts) < 2 ||
      !g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64, &count, NULL) ||
      !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT64, &ms, NULL))
    return FALSE;
  if (out_count != NULL)
    *out_count = count;
  if (out_ms != NULL)
    *out_ms = ms;
  if (out_lost_ops != NULL)
    *out_lost_ops = parts[2] != NULL && g_str_equal (parts[2], "lost-ops");
  return TRUE;
}

gboolean
crm_sync_state_knows_device (CrmStore    *store,
                             const char  *device,
                             gboolean    *out_known,
                             GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (device != NULL && out_known != NULL, FALSE);

  stmt = _crm_store_prepare (store, "SELECT 1 FROM changelog"
                             " WHERE device_n = " CRM_CHANGELOG_WORD_N ("?1") " LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, device, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "look for a device's ops");
      return FALSE;
    }
  *out_known = rc == SQLITE_ROW;
  return TRUE;
}
