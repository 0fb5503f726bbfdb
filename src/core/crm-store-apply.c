/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store-apply.c — the one write path: crm_store_apply() writes a change set in one
 * transaction (rows, per-field clocks, changelog ops, gates before and after the rules);
 * the explicit transactions that sync and the server's ledger merge ops in; and reading
 * entity state (one row, one column, the whole replica for comparisons). */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "crm-changelog-private.h"
#include "crm-counter-private.h"
#include "crm-error-private.h"
#include "crm-merge-private.h"
#include "crm-schema.h"
#include "crm-store-impl-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-uuid.h"
#include "crm-validate.h"

/* --- the one write path ------------------------------------------------------------------ */

void
_crm_store_add_gate (CrmStore    *self,
                     CrmGateFunc  gate)
{
  g_array_append_val (self->gates, gate);
}

void
_crm_store_add_final_gate (CrmStore    *self,
                           CrmGateFunc  gate)
{
  g_array_append_val (self->final_gates, gate);
}

void
_crm_store_add_recorder (CrmStore    *self,
                         CrmGateFunc  recorder)
{
  g_array_append_val (self->recorders, recorder);
}

void
_crm_store_set_rules_hook (CrmStore     *self,
                           CrmRulesHook  hook)
{
  self->rules_hook = hook;
}

void
_crm_store_set_refusal (CrmStore   *self,
                        JsonObject *refusal)
{
  g_clear_pointer (&self->refusal, json_object_unref);
  self->refusal = refusal;
}

JsonObject *
crm_store_dup_refusal (CrmStore *self)
{
  return self->refusal != NULL ? json_object_ref (self->refusal) : NULL;
}

GPtrArray *
crm_store_get_last_ops (CrmStore *self)
{
  return self->last_ops;
}

CrmOp *
_crm_store_write_change (CrmStore         *self,
                         const CrmChange  *change,
                         const char       *actor,
                         const char       *cause,
                         const char       *rule,
                         GError          **error)
{
  g_autoptr(CrmOp) op = NULL;
  g_autofree char *fields = NULL;
  gint64 now = crm_store_get_now (self);
  CrmOp *borrowed;

  g_return_val_if_fail (self->in_apply, NULL);

  if (crm_schema_lookup (change->entity) == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” is not a kind of entity this version knows"), change->entity);
      return NULL;
    }
  if (!crm_uuid_is_valid (change->entity_id))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” is not a valid id for a %s"), change->entity_id, change->entity);
      return NULL;
    }

  /* a bulk apply's waiting rows are written before anything might read them */
  if (!_crm_store_rows_before_write (self, change->entity, change->entity_id, error))
    return NULL;

  op = g_new0 (CrmOp, 1);
  op->op_id = crm_store_new_id (self);
  op->hlc = crm_hlc_now (&self->clock, now);
  op->device = g_strdup (self->device_id);
  op->entity = g_strdup (change->entity);
  op->entity_id = g_strdup (change->entity_id);
  /* a bulk apply's contacts and companies take their change's fields as they are rather
   * than a copy (the importers let go of the change set after it, so what the op adds —
   * a counter's parts — harms nothing): 100 000 copies and frees fewer */
  if (self->known_references != NULL &&
      (g_str_equal (change->entity, "contact") || g_str_equal (change->entity, "company")))
    op->fields = json_object_ref (change->fields);
  else
    op->fields = crm_json_object_deep_copy (change->fields);
  op->cause = g_strdup (cause);
  op->rule = g_strdup (rule);
  op->actor = g_strdup (actor);

  /* A deal's stage and pipeline travel together in every op that moves it, so that
   * last-writer-wins keeps them from one op and never pairs a stage with another
   * pipeline. */
  if (g_str_equal (op->entity, "deal") && json_object_has_member (op->fields, "stage") &&
      !json_object_has_member (op->fields, "pipeline"))
    {
      const char *stage = json_object_get_string_member_with_default (op->fields, "stage", NULL);
      g_autofree char *pipeline = _crm_store_dup_column (self, "stage", stage, "pipeline");

      if (pipeline != NULL)
        json_object_set_string_member (op->fields, "pipeline", pipeline);
    }

  /* a counter travels with this device's part of it, so counts from devices add up */
  _crm_counter_add_parts (self, op);

  /* the fields' canonical text is made once, for the size check and the changelog */
  fields = crm_json_object_to_canonical (op->fields);
  if (!_crm_validate_op_shape_text (op, fields, error) ||
      !_crm_store_apply_op_fields (self, op, error) ||
      !_crm_store_append_to_changelog (self, op, TRUE, g_steal_pointer (&fields), error))
    return NULL;

  borrowed = op;
  g_ptr_array_add (self->pending_ops, g_steal_pointer (&op));
  return borrowed;
}

static void
undo_transaction (CrmStore *self)
{
  sqlite3_stmt *rollback_stmt = g_hash_table_lookup (self->statements, "ROLLBACK");
  GHashTableIter iter;
  gpointer stmt;

  /* an I/O error or a full disk rolled it back already */
  if (!sqlite3_get_autocommit (self->db))
    {
      if (rollback_stmt != NULL)
        {
          sqlite3_reset (rollback_stmt);
          sqlite3_step (rollback_stmt);
          sqlite3_reset (rollback_stmt);
        }
      else
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  /* after a failed write SQLite lets go of the replica's locks only once no statement
   * of the connection is still running */
  g_hash_table_iter_init (&iter, self->statements);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_reset (stmt);
}

/* Nothing of ours is open outside an apply: a transaction still open here is one whose
 * ROLLBACK failed, and it is ended before the next one begins. */
static gboolean
begin_immediate (CrmStore  *self,
                 GError   **error)
{
  /* the ROLLBACK is prepared before anything is written, so undoing needs no memory
   * (a write that failed for want of it must still be undone) */
  if (_crm_store_prepare (self, "ROLLBACK", error) == NULL)
    return FALSE;
  if (!sqlite3_get_autocommit (self->db))
    undo_transaction (self);
  return _crm_sql_exec (self, "BEGIN IMMEDIATE", NULL, error);
}

/* A refusal (a gate, a missing entity…) that followed a failed SQLite lookup is not
 * what happened: the failure is reported instead. */
static void
report_sql_failure (CrmStore  *self,
                    GError   **error)
{
  if (self->sql_failure == 0 || error == NULL || crm_error_is_storage (*error) ||
      _crm_sqlite_error_code (self->sql_failure) == CRM_STORE_ERROR_FAILED)
    return;
  g_clear_error (error);
  _crm_sqlite_set_error (error, self->db, self->sql_failure, self->path, "checking the change");
  _crm_store_set_refusal (self, NULL);
}

/* A lookup on the way that SQLite could not answer (a gate's, a rule's question, read as
 * "no row") is not what the transaction may build on: nothing is written, and the error
 * says what failed. */
static gboolean
check_no_failed_lookup (CrmStore  *self,
                        GError   **error)
{
  if (self->sql_failure == 0)
    return TRUE;
  _crm_sqlite_set_error (error, self->db, self->sql_failure, self->path, "checking the change");
  return FALSE;
}

/* --- a bulk apply's companies and contacts with triggers off ---------------------------- */

/* The replica's companies and contacts (-1 each when SQLite cannot tell), counted once
 * before a bulk apply begins for its two "at least as many as the replica holds" calls:
 * the triggers off (bulk_triggers_off()) and the search indexes dropped
 * (_crm_search_drop_indexes()). Both only choose the faster way: a count another
 * connection changed before the transaction began chooses a slower one, nothing else. */
static void
count_people (CrmStore *self,
              gint64   *companies,
              gint64   *contacts)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT (SELECT count (*) FROM company),"
                                                 " (SELECT count (*) FROM contact)", NULL);

  *companies = *contacts = -1;
  if (stmt == NULL)
    return;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *companies = sqlite3_column_int64 (stmt, 0);
      *contacts = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
}

/* A bulk apply of companies and contacts only, at least as many as the replica holds
 * already, runs with the connection's triggers off: each new row's trigger adds one to
 * its day in report_day, and report_day's adds it to report_month — three upserts a row,
 * a tenth of a large import's work (bench/RESULTS.md) — and the tables the triggers keep
 * are computed once from the rows before the commit (bulk_totals()). Turning triggers
 * off or on expires every prepared statement, so it is done outside the transaction
 * (here, before it begins, and end_bulk_triggers_off() after it ends), each time with the
 * ROLLBACK prepared again: inside, a ROLLBACK expired by the switch would need memory to
 * run (the fault sweep of /faults/import/many-contacts). */
static void
bulk_triggers_off (CrmStore     *self,
                   CrmChangeset *changeset,
                   gint64        people)
{
  guint n = crm_changeset_get_n_changes (changeset);

  for (guint i = 0; i < n; i++)
    {
      const char *entity = crm_changeset_get_change (changeset, i)->entity;

      if (!g_str_equal (entity, "contact") && !g_str_equal (entity, "company"))
        return;
    }
  if (people < 0 || (gint64) n < people)
    return;
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  self->bulk_triggers_off = TRUE;
  if (!_crm_store_renew_rollback (self, NULL))
    {
      /* without its ROLLBACK ready the apply goes the usual way */
      sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
      self->bulk_triggers_off = FALSE;
      _crm_store_renew_rollback (self, NULL);
    }
}

/* Before the commit of an apply run with triggers off: report_day's and report_month's
 * companies and contacts from the rows when nothing else was written; every table the
 * triggers keep when the rules wrote more (a task, a notification…). */
static gboolean
bulk_totals (CrmStore  *self,
             GError   **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  gboolean people_only = TRUE;

  for (guint i = 0; people_only && i < self->pending_ops->len; i++)
    {
      const CrmOp *op = g_ptr_array_index (self->pending_ops, i);

      people_only = g_str_equal (op->entity, "contact") || g_str_equal (op->entity, "company");
    }
  if (people_only)
    crm_schema_append_people_totals_fill (sql);
  else
    crm_schema_append_totals_fill (sql);
  return _crm_sql_exec (self, sql->str, "writing the change", error);
}

/* An apply that ran with triggers off has ended (committed or undone): on again. */
static void
end_bulk_triggers_off (CrmStore *self)
{
  if (!self->bulk_triggers_off)
    return;
  self->bulk_triggers_off = FALSE;
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, NULL);
  _crm_store_renew_rollback (self, NULL);
}

static gboolean
fail (CrmStore  *self,
      GError   **error)
{
  report_sql_failure (self, error);
  undo_transaction (self);
  _crm_store_batch_changelog (self, FALSE);
  _crm_store_batch_rows (self, FALSE);
  _crm_store_drop_deferred_search_rows (self);
  g_clear_pointer (&self->known_references, g_hash_table_unref);
  g_ptr_array_set_size (self->pending_ops, 0);
  self->in_apply = FALSE;
  end_bulk_triggers_off (self);
  return FALSE;
}

/* Back to the statement journals of the connection's default, once the transaction of
 * _crm_store_begin_merge() is over (SQLite reads the setting when one begins). */
static void
end_memory_journals (CrmStore *self)
{
  if (!self->memory_journals)
    return;
  self->memory_journals = FALSE;
  sqlite3_exec (self->db, "PRAGMA temp_store = DEFAULT", NULL, NULL, NULL);
}

static gboolean
rollback (CrmStore *self)
{
  undo_transaction (self);
  end_memory_journals (self);
  _crm_store_batch_changelog (self, FALSE);
  _crm_store_batch_rows (self, FALSE);
  _crm_store_drop_deferred_search_rows (self);
  g_clear_pointer (&self->known_references, g_hash_table_unref);
  g_ptr_array_set_size (self->pending_ops, 0);
  self->in_apply = FALSE;
  end_bulk_triggers_off (self);
  return FALSE;
}

/* Runs @gates over the ops written so far from @from on. */
static gboolean
run_gates (CrmStore  *self,
           GArray    *gates,
           guint      from,
           guint      to,
           GError   **error)
{
  for (guint i = from; i < to; i++)
    {
      const CrmOp *op = g_ptr_array_index (self->pending_ops, i);

      for (guint g = 0; g < gates->len; g++)
        if (!g_array_index (gates, CrmGateFunc, g) (self, op, error))
          return FALSE;
    }
  return TRUE;
}

/* A bulk apply's progress in its callback's units: each change written is 3 of them and
 * what follows the last (its search rows, the gates, rules and commit, the search indexes
 * built after the commit) 2 a change, told in thousandths (@tail_done). The indexes are a
 * tenth of a large import (bench/RESULTS.md): the bar reaches its end only once they are
 * built. */
#define BULK_SEARCH_ROWS_DONE 450
#define BULK_COMMITTED 600

static void
bulk_progress (CrmStore *self,
               guint     changes_done,
               guint     tail_done)
{
  guint64 n = self->bulk_n_changes;
  guint64 total = n * 5;
  guint64 done = (guint64) changes_done * 3 + n * 2 * tail_done / 1000;

  if (self->bulk_progress == NULL)
    return;
  /* the callback counts in guint: scaled down for a change set past 858 million */
  while (total > G_MAXUINT)
    {
      total /= 2;
      done /= 2;
    }
  self->bulk_progress ((guint) done, (guint) total, self->bulk_progress_data);
}

/* after the commit, the search indexes being built (@i of @n done) */
static void
bulk_index_progress (guint    i,
                     guint    n,
                     gpointer user_data)
{
  CrmStore *self = user_data;

  bulk_progress (self, self->bulk_n_changes,
                 BULK_COMMITTED + (1000 - BULK_COMMITTED) * i / MAX (n, 1));
}

/* In place of SQLite's automatic checkpoint while a bulk apply's three commits are made
 * (write_bulk_search_rows): the pages the WAL holds after each (the hook replaces the
 * automatic checkpoint's own, which sqlite3_wal_autocheckpoint() puts back). */
static int
count_wal_pages (gpointer    user_data,
                 sqlite3    *db,
                 const char *schema,
                 int         n_pages)
{
  CrmStore *self = user_data;

  self->bulk_wal_pages = n_pages;
  return SQLITE_OK;
}

/* The search rows of the contacts a bulk apply created, once all are written. Many new
 * contacts into a replica with fewer: the search tables' secondary indexes go first and
 * are built after the commit (_crm_store_apply_bulk), 14 % of a large import
 * (bench/RESULTS.md). DROP INDEX fails while a statement of the connection is running:
 * every cached one is reset before. */
static gboolean
write_bulk_search_rows (CrmStore   *self,
                        GPtrArray  *contacts,
                        GError    **error)
{
  GHashTableIter iter;
  gpointer stmt;

  g_hash_table_iter_init (&iter, self->statements);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_reset (stmt);
  if (!_crm_search_drop_indexes (self, contacts->len, self->bulk_contacts_before,
                                 &self->search_indexes_dropped, error))
    return FALSE;
  /* Three commits follow (the change set's, then one for each index built), and SQLite
   * would copy the WAL back into the replica after each, with two fsyncs each time, and
   * the pages the index builds reuse twice. The WAL is copied once, after the indexes
   * (_crm_store_apply_bulk). The hook is this connection's alone and touches no
   * statement. */
  if (self->search_indexes_dropped)
    {
      self->bulk_wal_pages = 0;
      sqlite3_wal_hook (self->db, count_wal_pages, self);
    }
  return _crm_store_write_contact_tokens_bulk (self, contacts, error);
}

/* The shared middle of crm_store_apply() and _crm_store_transact(): the transaction,
 * gates before and after the rules, and what a refusal undoes. */
static gboolean
transact (CrmStore         *self,
          CrmChangeset     *changeset,
          gboolean          bulk,
          CrmTransactFunc   func,
          gpointer          user_data,
          GError          **error)
{
  guint n_written;

  g_return_val_if_fail (!self->in_apply, FALSE);

  _crm_store_set_refusal (self, NULL);
  if (!begin_immediate (self, error))
    return FALSE;
  _crm_store_reload_clock (self);
  _crm_store_reload_compacted (self);
  self->in_apply = TRUE;
  self->sql_failure = 0;
  g_ptr_array_set_size (self->pending_ops, 0);

  if (changeset != NULL)
    {
      guint n_changes = crm_changeset_get_n_changes (changeset);

      if (bulk)
        {
          _crm_store_defer_search_rows (self);
          self->known_references = g_hash_table_new_full (NULL, NULL, NULL,
                                                          (GDestroyNotify) g_hash_table_unref);
          _crm_store_batch_changelog (self, TRUE);
          _crm_store_batch_rows (self, TRUE);
        }
      for (guint i = 0; i < n_changes; i++)
        {
          CrmChange *change = crm_changeset_get_change (changeset, i);

          if (bulk && i % 500 == 0)
            bulk_progress (self, i, 0);
          if (_crm_store_write_change (self, change, crm_changeset_get_actor (changeset),
                                       NULL, NULL, error) == NULL)
            return fail (self, error);
        }
      /* the new contacts' search rows, before any gate or rule may search for them */
      if (bulk)
        {
          g_autoptr(GPtrArray) contacts = _crm_store_end_deferred_search_rows (self);

          bulk_progress (self, n_changes, 0);
          if (!_crm_store_flush_rows (self, error) || !_crm_store_flush_changelog (self, error))
            return fail (self, error);
          _crm_store_batch_rows (self, FALSE);
          _crm_store_batch_changelog (self, FALSE);
          if (!write_bulk_search_rows (self, contacts, error))
            return fail (self, error);
          bulk_progress (self, n_changes, BULK_SEARCH_ROWS_DONE);
        }
    }
  if (func != NULL && !func (self, user_data, error))
    return fail (self, error);

  /* Gates look at the state the change set leaves, so a move that also sets the
   * missing field or the reason passes. The ops rules wrote are gated like the user's
   * own (the server checks every op it is sent the same way, crm-validate.h). */
  n_written = self->pending_ops->len;
  if (!run_gates (self, self->gates, 0, n_written, error))
    return fail (self, error);
  if (self->rules_hook != NULL && self->pending_ops->len > 0 &&
      !self->rules_hook (self, self->pending_ops, error))
    return fail (self, error);
  if (!run_gates (self, self->gates, n_written, self->pending_ops->len, error) ||
      !run_gates (self, self->final_gates, 0, self->pending_ops->len, error) ||
      !run_gates (self, self->recorders, 0, self->pending_ops->len, error))
    return fail (self, error);

  if (self->bulk_triggers_off && !bulk_totals (self, error))
    return fail (self, error);
  if (!check_no_failed_lookup (self, error) || !_crm_store_save_clock (self, error) ||
      !_crm_sql_exec (self, "COMMIT", NULL, error))
    return fail (self, error);

  g_clear_pointer (&self->known_references, g_hash_table_unref);
  self->in_apply = FALSE;
  g_ptr_array_set_size (self->last_ops, 0);
  g_ptr_array_extend_and_steal (self->last_ops, g_steal_pointer (&self->pending_ops));
  self->pending_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  return TRUE;
}

gboolean
crm_store_apply (CrmStore      *self,
                 CrmChangeset  *changeset,
                 GError       **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (changeset != NULL, FALSE);

  if (crm_changeset_get_n_changes (changeset) == 0)
    {
      _crm_store_set_refusal (self, NULL);
      g_ptr_array_set_size (self->last_ops, 0);
      return TRUE;
    }
  return transact (self, changeset, FALSE, NULL, NULL, error);
}

gboolean
_crm_store_apply_bulk (CrmStore        *self,
                       CrmChangeset    *changeset,
                       CrmBulkProgress  progress,
                       gpointer         progress_data,
                       GError         **error)
{
  gint64 companies;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (changeset != NULL, FALSE);

  if (crm_changeset_get_n_changes (changeset) == 0)
    return crm_store_apply (self, changeset, error);
  /* Statements that write more than one row (a contact and its trigger's totals, a
   * hundred search rows) keep the pages they change in a statement journal, so that one
   * of them can be undone alone; past 64 KiB SQLite spills it to a file in /var/tmp.
   * Over a whole import that was 725 000 writes for 20 000 contacts, a third of its
   * time: here it stays in memory (a statement's own pages; it is set before the
   * transaction begins, which is when SQLite reads it). */
  if (!_crm_sql_exec (self, "PRAGMA temp_store = MEMORY", NULL, error))
    return FALSE;
  self->bulk_progress = progress;
  self->bulk_progress_data = progress_data;
  self->bulk_n_changes = crm_changeset_get_n_changes (changeset);
  count_people (self, &companies, &self->bulk_contacts_before);
  bulk_triggers_off (self, changeset,
                     companies < 0 || self->bulk_contacts_before < 0
                       ? -1 : companies + self->bulk_contacts_before);
  ok = transact (self, changeset, TRUE, NULL, NULL, error);
  end_bulk_triggers_off (self);
  if (ok)
    bulk_progress (self, self->bulk_n_changes, BULK_COMMITTED);
  if (self->search_indexes_dropped)
    {
      g_autoptr(GError) index_error = NULL;

      /* committed: the search tables' indexes are built now, each sorted in one pass (a
       * failure leaves the import done and the searches slower until the replica's next
       * opening builds them); undone: the rollback brought them back */
      self->search_indexes_dropped = FALSE;
      if (ok && !_crm_search_build_indexes (self->db, bulk_index_progress, self, &index_error))
        g_message ("The contact search indexes of %s will be built when it is next opened: %s",
                   self->path, index_error->message);
      /* a schema change expires every prepared statement, the ROLLBACK that must run
       * without memory too: prepared again now that no transaction is open (or, when
       * memory runs out here, before the next one) */
      _crm_store_renew_rollback (self, NULL);
      /* the WAL copied back once for the three commits (write_bulk_search_rows), when
       * SQLite's automatic checkpoint would have after the last of them: it holds as many
       * pages as that waits for. A busy copy (a reader on an older snapshot) is finished
       * by a later commit's, as SQLite's own would have been; a front end that defers
       * checkpoints makes them when idle. */
      sqlite3_wal_autocheckpoint (self->db, self->checkpoints_deferred
                                            ? 0 : CRM_STORE_AUTOCHECKPOINT_PAGES);
      if (!self->checkpoints_deferred &&
          self->bulk_wal_pages >= CRM_STORE_AUTOCHECKPOINT_PAGES)
        sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
  if (ok)
    bulk_progress (self, self->bulk_n_changes, 1000);
  self->bulk_progress = NULL;
  self->bulk_progress_data = NULL;
  /* the change set is written (or not) whatever becomes of this: a connection left with
   * its statement journals in memory still works */
  sqlite3_exec (self->db, "PRAGMA temp_store = DEFAULT", NULL, NULL, NULL);
  return ok;
}

gboolean
_crm_store_transact (CrmStore         *self,
                     CrmTransactFunc   func,
                     gpointer          user_data,
                     GError          **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  return transact (self, NULL, FALSE, func, user_data, error);
}

/* --- a part of a transaction (crm-store-private.h) --------------------------------------- */

gboolean
_crm_store_savepoint (CrmStore  *self,
                      guint     *out_mark,
                      GError   **error)
{
  g_return_val_if_fail (self->in_apply, FALSE);

  if (!_crm_sql_exec (self, "SAVEPOINT part", "starting a part of the change", error))
    return FALSE;
  *out_mark = self->pending_ops->len;
  return TRUE;
}

gboolean
_crm_store_savepoint_check (CrmStore  *self,
                            guint      mark,
                            GError   **error)
{
  g_return_val_if_fail (self->in_apply, FALSE);

  if (run_gates (self, self->gates, mark, self->pending_ops->len, error) &&
      run_gates (self, self->final_gates, mark, self->pending_ops->len, error))
    return check_no_failed_lookup (self, error);
  report_sql_failure (self, error);
  return FALSE;
}

gboolean
_crm_store_savepoint_release (CrmStore  *self,
                              GError   **error)
{
  return _crm_sql_exec (self, "RELEASE part", "keeping a part of the change", error);
}

gboolean
_crm_store_savepoint_rollback (CrmStore  *self,
                               guint      mark,
                               GError   **error)
{
  g_return_val_if_fail (self->in_apply && mark <= self->pending_ops->len, FALSE);

  g_ptr_array_set_size (self->pending_ops, mark);
  _crm_store_set_refusal (self, NULL);
  /* the part may have created what a reference found */
  if (self->known_references != NULL)
    g_hash_table_remove_all (self->known_references);
  return _crm_sql_exec (self, "ROLLBACK TO part", "undoing a part of the change", error) &&
         _crm_sql_exec (self, "RELEASE part", "undoing a part of the change", error);
}

gboolean
_crm_store_reference_known (CrmStore            *self,
                            const CrmEntityType *type,
                            const char          *id)
{
  GHashTable *ids;

  if (self->known_references == NULL)
    return FALSE;
  ids = g_hash_table_lookup (self->known_references, type);
  return ids != NULL && g_hash_table_contains (ids, id);
}

void
_crm_store_reference_found (CrmStore            *self,
                            const CrmEntityType *type,
                            const char          *id)
{
  GHashTable *ids;

  if (self->known_references == NULL)
    return;
  ids = g_hash_table_lookup (self->known_references, type);
  if (ids == NULL)
    {
      ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->known_references, (gpointer) type, ids);
    }
  g_hash_table_add (ids, g_strdup (id));
}

/* --- search rows written together (crm-store-private.h) ------------------------------- */

void
_crm_store_defer_search_rows (CrmStore *self)
{
  if (self->bulk_contacts != NULL)
    return;
  self->bulk_contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) _crm_bulk_contact_free);
  self->bulk_contact_ids = g_hash_table_new (g_str_hash, g_str_equal);
}

void
_crm_store_search_rows_add (CrmStore    *self,
                            const CrmOp *op)
{
  CrmBulkContact *contact = _crm_bulk_contact_new (op);

  g_ptr_array_add (self->bulk_contacts, contact);
  g_hash_table_insert (self->bulk_contact_ids, contact->id, contact);
}

gboolean
_crm_store_search_rows_wait (CrmStore   *self,
                             const char *contact_id)
{
  CrmBulkContact *contact;

  if (self->bulk_contact_ids == NULL)
    return FALSE;
  contact = g_hash_table_lookup (self->bulk_contact_ids, contact_id);
  if (contact == NULL)
    return FALSE;
  contact->rewritten = TRUE;
  return TRUE;
}

GPtrArray *
_crm_store_end_deferred_search_rows (CrmStore *self)
{
  g_clear_pointer (&self->bulk_contact_ids, g_hash_table_unref);
  return g_steal_pointer (&self->bulk_contacts);
}

void
_crm_store_drop_deferred_search_rows (CrmStore *self)
{
  g_clear_pointer (&self->bulk_contact_ids, g_hash_table_unref);
  g_clear_pointer (&self->bulk_contacts, g_ptr_array_unref);
}

gboolean
_crm_store_write_deferred_search_rows (CrmStore  *self,
                                       GError   **error)
{
  g_autoptr(GPtrArray) contacts = _crm_store_end_deferred_search_rows (self);

  return contacts == NULL || contacts->len == 0 ||
         _crm_store_write_contact_tokens_bulk (self, contacts, error);
}

/* --- explicit write transactions (crm-changelog-private.h) ---------------------------- */

gboolean
_crm_store_begin (CrmStore  *self,
                  GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_apply, FALSE);

  if (!begin_immediate (self, error))
    return FALSE;
  _crm_store_reload_clock (self);
  _crm_store_reload_compacted (self);
  self->in_apply = TRUE;
  self->sql_failure = 0;
  g_ptr_array_set_size (self->pending_ops, 0);
  return TRUE;
}

gboolean
_crm_store_begin_merge (CrmStore  *self,
                        GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);

  /* A statement that writes a row and its index entries keeps the pages it changes in a
   * statement journal; past 64 KiB SQLite spills that to a file in /var/tmp, and every
   * later statement of the transaction then journals there too, a write call per page:
   * 36 000 of them (73 MB) for a pulled page of 1 000 new contacts, a third of the
   * merge's time (bench/RESULTS.md, issue 21). In memory each statement's journal is
   * dropped when it ends, so it holds no more than the pages of one statement. Setting
   * temp_store drops the connection's TEMP tables and triggers: not for a connection with
   * any that must last (the server's stamp triggers, crm_store_enable_stamps). */
  if (!_crm_sql_exec (self, "PRAGMA temp_store = MEMORY", NULL, error))
    return FALSE;
  self->memory_journals = TRUE;
  if (_crm_store_begin (self, error))
    return TRUE;
  end_memory_journals (self);
  return FALSE;
}

gboolean
_crm_store_commit (CrmStore  *self,
                   GError   **error)
{
  g_return_val_if_fail (self->in_apply, FALSE);

  if (!check_no_failed_lookup (self, error) || !_crm_store_save_clock (self, error) ||
      !_crm_sql_exec (self, "COMMIT", NULL, error))
    {
      _crm_store_rollback (self);
      return FALSE;
    }
  end_memory_journals (self);
  self->in_apply = FALSE;
  g_ptr_array_set_size (self->pending_ops, 0);
  return TRUE;
}

gboolean
_crm_store_renew_rollback (CrmStore  *self,
                           GError   **error)
{
  g_return_val_if_fail (!self->in_apply, FALSE);

  g_hash_table_remove (self->statements, "ROLLBACK");
  return _crm_store_prepare (self, "ROLLBACK", error) != NULL;
}

void
_crm_store_rollback (CrmStore *self)
{
  rollback (self);
  /* the in-memory clock may have absorbed ops that are now undone; a clock that ran
   * ahead is harmless, so it stays */
}

/* --- reading entity state ------------------------------------------------------------------ */

static JsonNode *
column_to_node (sqlite3_stmt    *stmt,
                int              index,
                CrmColumnKind    kind)
{
  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return json_node_init_null (json_node_alloc ());
  switch (kind)
    {
    case CRM_COLUMN_INT:
      return json_node_init_int (json_node_alloc (), sqlite3_column_int64 (stmt, index));
    case CRM_COLUMN_BOOL:
      return json_node_init_boolean (json_node_alloc (), sqlite3_column_int (stmt, index) != 0);
    case CRM_COLUMN_JSON:
      {
        JsonNode *node = json_from_string ((const char *) sqlite3_column_text (stmt, index), NULL);
        return node != NULL ? node : json_node_init_null (json_node_alloc ());
      }
    case CRM_COLUMN_TEXT:
    default:
      return json_node_init_string (json_node_alloc (),
                                    (const char *) sqlite3_column_text (stmt, index));
    }
}

static char *
select_all_sql (const CrmEntityType *type,
                const char          *where)
{
  g_autoptr(GString) sql = g_string_new ("SELECT id, deleted, data, clocks, hlc");

  for (const CrmColumn *c = type->columns; c->name != NULL; c++)
    g_string_append_printf (sql, ", \"%s\"", c->name);
  g_string_append_printf (sql, " FROM \"%s\" %s", type->name, where);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* Row → {"id", columns…, custom fields…, "deleted"} */
/* "SELECT id, deleted, data, clocks, hlc, <columns> FROM <type> WHERE id = ?1" for every
 * type, made once: reading a row by id is on the path of every write. */
const char *
_crm_store_select_by_id_sql (const CrmEntityType *type)
{
  static GHashTable *sql_by_type;

  if (g_once_init_enter (&sql_by_type))
    {
      GHashTable *table = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      const CrmEntityType *const *types = crm_schema_types ();

      for (guint t = 0; types[t] != NULL; t++)
        g_hash_table_insert (table, (gpointer) types[t], select_all_sql (types[t], "WHERE id = ?1"));
      g_once_init_leave (&sql_by_type, table);
    }
  return g_hash_table_lookup (sql_by_type, type);
}

JsonObject *
_crm_store_row_to_object (const CrmEntityType *type,
                          sqlite3_stmt        *stmt)
{
  JsonObject *object = json_object_new ();
  g_autoptr(JsonNode) data = NULL;
  int index = 5;

  json_object_set_string_member (object, "id", (const char *) sqlite3_column_text (stmt, 0));
  data = json_from_string ((const char *) sqlite3_column_text (stmt, 2), NULL);
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      JsonObject *custom = json_node_get_object (data);
      g_autoptr(GList) members = json_object_get_members (custom);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (custom, l->data)));
    }
  for (const CrmColumn *c = type->columns; c->name != NULL; c++, index++)
    json_object_set_member (object, c->name, column_to_node (stmt, index, c->kind));
  json_object_set_boolean_member (object, "deleted", sqlite3_column_int (stmt, 1) != 0);
  return object;
}

JsonObject *
crm_store_dup_entity (CrmStore   *self,
                      const char *entity,
                      const char *entity_id)
{
  JsonObject *object = NULL;

  if (!crm_store_read_entity (self, entity, entity_id, &object, NULL))
    return NULL;
  return object;
}

gboolean
crm_store_read_entity (CrmStore    *self,
                        const char  *entity,
                        const char  *entity_id,
                        JsonObject **out,
                        GError     **error)
{
  const CrmEntityType *type = crm_schema_lookup (entity);

  *out = NULL;
  if (type == NULL || entity_id == NULL)
    return TRUE;
  return _crm_store_read_row (self, type, entity_id, out, NULL, error);
}

gboolean
_crm_store_read_row (CrmStore             *self,
                     const CrmEntityType  *type,
                     const char           *entity_id,
                     JsonObject          **out,
                     JsonObject          **out_clocks,
                     GError              **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, _crm_store_select_by_id_sql (type), error);
  int rc;

  *out = NULL;
  if (out_clocks != NULL)
    *out_clocks = NULL;
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out = _crm_store_row_to_object (type, stmt);
      if (out_clocks != NULL &&
          (*out_clocks = _crm_clocks_decode (_crm_store_clock_words (self),
                                             (const char *) sqlite3_column_text (stmt, 3)))
          == NULL)
        {
          g_clear_pointer (out, json_object_unref);
          _crm_store_set_read_error (self, error, "reading a record's field clocks");
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  else if (rc != SQLITE_DONE)
    _crm_store_set_read_error (self, error, "reading a record");
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* The text of @column of a row of @entity, a deleted one too unless @live_only. */
static char *
dup_column (CrmStore   *self,
            const char *entity,
            const char *entity_id,
            const char *column,
            gboolean    live_only)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  char *value = NULL;

  if (type == NULL || entity_id == NULL || crm_entity_type_column (type, column) == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT \"%s\" FROM \"%s\" WHERE id = ?1%s", column, type->name,
                         live_only ? " AND deleted = 0" : "");
  stmt = _crm_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

char *
_crm_store_dup_column (CrmStore   *self,
                       const char *entity,
                       const char *entity_id,
                       const char *column)
{
  return dup_column (self, entity, entity_id, column, TRUE);
}

char *
_crm_store_dup_column_any (CrmStore   *self,
                           const char *entity,
                           const char *entity_id,
                           const char *column)
{
  return dup_column (self, entity, entity_id, column, FALSE);
}

gboolean
_crm_store_get_int_column (CrmStore   *self,
                           const char *entity,
                           const char *entity_id,
                           const char *column,
                           gint64     *out)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  *out = 0;
  if (type == NULL || entity_id == NULL || crm_entity_type_column (type, column) == NULL)
    return FALSE;
  sql = g_strdup_printf ("SELECT \"%s\" FROM \"%s\" WHERE id = ?1 AND deleted = 0",
                         column, type->name);
  stmt = _crm_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

/* Stored clocks in the grouped JSON form, whichever form the row was stored in (the
 * compact form's numbers are this file's own). */
static char *
canonical_clocks (CrmStore   *self,
                  const char *stored)
{
  g_autoptr(JsonObject) clocks = _crm_clocks_decode (_crm_store_clock_words (self), stored);

  return clocks != NULL ? _crm_clocks_encode (NULL, clocks) : NULL;
}

/* One line per entity, tables in schema order, rows by id: every column including the
 * clocks, so two replicas that merged the same ops print the same bytes. */
char *
crm_store_dump_state (CrmStore  *self,
                      GError   **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const CrmEntityType *const *types = crm_schema_types ();
  sqlite3_stmt *stmt;
  int rc;

  for (guint t = 0; types[t] != NULL; t++)
    {
      g_autofree char *sql = select_all_sql (types[t], "ORDER BY id");

      stmt = _crm_store_prepare (self, sql, error);
      if (stmt == NULL)
        return NULL;
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(JsonObject) object = _crm_store_row_to_object (types[t], stmt);
          g_autofree char *clocks = canonical_clocks (self,
                                                      (const char *) sqlite3_column_text (stmt, 3));
          g_autofree char *text = NULL;

          if (clocks == NULL)
            {
              _crm_store_set_read_error (self, error, "reading the replica");
              sqlite3_reset (stmt);
              return NULL;
            }
          json_object_set_string_member (object, "@clocks", clocks);
          json_object_set_int_member (object, "@hlc", sqlite3_column_int64 (stmt, 4));
          text = crm_json_object_to_canonical (object);
          g_string_append_printf (out, "%s %s\n", types[t]->name, text);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (self, error, "reading the replica");
          return NULL;
        }
    }

  stmt = _crm_store_prepare (self,
    "SELECT entity, id, data, clocks, hlc FROM other_entity ORDER BY entity, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *clocks = canonical_clocks (self, (const char *) sqlite3_column_text (stmt, 3));

      if (clocks == NULL)
        {
          _crm_store_set_read_error (self, error, "reading the replica");
          sqlite3_reset (stmt);
          return NULL;
        }
      g_string_append_printf (out, "other %s %s %s %s %" G_GINT64_FORMAT "\n",
                              sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                              sqlite3_column_text (stmt, 2), clocks,
                              (gint64) sqlite3_column_int64 (stmt, 4));
    }
  sqlite3_reset (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
