/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger-log.c — an account replica's history as entries another server process can
 * take over (crm-ledger.h "The log"): what a write added after a sequence number, and
 * taking those entries into a replica that has seen everything before them. The
 * PostgreSQL backend keeps the entries in the database and each process's replica as a
 * cache of them; the checks of a push still run on that replica, here in core. */
#define G_LOG_DOMAIN "voronka-ledger"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-ledger.h"
#include "crm-ledger-private.h"
#include "crm-changelog-private.h"
#include "crm-json-private.h"
#include "crm-merge-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"

gboolean
crm_ledger_export (CrmStore            *store,
                   gint64               since,
                   CrmLedgerEntryFunc   func,
                   gpointer             data,
                   GError             **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  stmt = _crm_store_prepare (store,
    "SELECT c.seq, c.op_id, c.hlc, " CRM_CHANGELOG_WORD ("c.device_n") ", c.entity, c.entity_id,"
    " c.fields, c.cause, c.rule, " CRM_CHANGELOG_WORD ("c.actor_n") ", s.base, c.stamp, r.op_id, r.code, r.message, r.device, r.created_at"
    " FROM changelog c LEFT JOIN server_op s ON s.seq = c.seq"
    " LEFT JOIN server_rejected r ON r.corrective = c.op_id"
    " WHERE c.seq > ?1 ORDER BY c.seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      CrmLedgerEntry entry = {
        .op = {
          .seq = sqlite3_column_int64 (stmt, 0),
          .op_id = (const char *) sqlite3_column_text (stmt, 1),
          .hlc = (guint64) sqlite3_column_int64 (stmt, 2),
          .device = (const char *) sqlite3_column_text (stmt, 3),
          .entity = (const char *) sqlite3_column_text (stmt, 4),
          .entity_id = (const char *) sqlite3_column_text (stmt, 5),
          .fields = (const char *) sqlite3_column_text (stmt, 6),
          .cause = (const char *) sqlite3_column_text (stmt, 7),
          .rule = (const char *) sqlite3_column_text (stmt, 8),
          .actor = (const char *) sqlite3_column_text (stmt, 9),
          .base = sqlite3_column_type (stmt, 10) == SQLITE_NULL
                  ? -1 : sqlite3_column_int64 (stmt, 10),
          .stamp = (const char *) sqlite3_column_text (stmt, 11),
        },
        .refused_op = (const char *) sqlite3_column_text (stmt, 12),
        .refused_code = (const char *) sqlite3_column_text (stmt, 13),
        .refused_message = (const char *) sqlite3_column_text (stmt, 14),
        .refused_device = (const char *) sqlite3_column_text (stmt, 15),
        .refused_at = sqlite3_column_int64 (stmt, 16),
      };

      func (&entry, data);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the changelog");
      return FALSE;
    }
  return TRUE;
}

static CrmOp *
op_from_entry (const CrmLedgerRow  *row,
               GError             **error)
{
  g_autoptr(JsonNode) fields = json_from_string (row->fields, NULL);
  CrmOp *op;

  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The account's log holds a damaged change (op %s); restore the database "
                     "from a backup"), row->op_id ? row->op_id : "?");
      return NULL;
    }
  op = crm_op_new ();
  op->op_id = g_strdup (row->op_id);
  op->hlc = row->hlc;
  op->device = g_strdup (row->device);
  op->entity = g_strdup (row->entity);
  op->entity_id = g_strdup (row->entity_id);
  json_object_unref (op->fields);
  op->fields = json_object_ref (json_node_get_object (fields));
  op->cause = g_strdup (row->cause);
  op->rule = g_strdup (row->rule);
  op->actor = g_strdup (row->actor);
  op->stamp = g_strdup (row->stamp);
  return op;
}

/* The last deal number given out follows the numbers the log carries (only the server
 * sets them), so the next one taken here is the account's next. */
static gboolean
follow_deal_number (CrmStore     *store,
                    const CrmOp  *op,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (op->fields, "number");
  g_autofree char *last_text = NULL;
  g_autofree char *text = NULL;

  if (!g_str_equal (op->entity, "deal") || node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return TRUE;
  last_text = crm_store_dup_meta (store, "server.deal_number");
  if (last_text != NULL && g_ascii_strtoll (last_text, NULL, 10) >= json_node_get_int (node))
    return TRUE;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return crm_store_set_meta (store, "server.deal_number", text, error);
}

static gboolean
import_one (CrmStore              *store,
            const CrmLedgerEntry  *entry,
            GError               **error)
{
  const CrmLedgerRow *row = &entry->op;
  g_autoptr(CrmOp) op = op_from_entry (row, error);
  gboolean own;
  sqlite3_stmt *stmt;

  if (op == NULL)
    return FALSE;
  own = g_strcmp0 (op->device, crm_store_get_device_id (store)) == 0;
  if (!_crm_store_merge_op (store, op, own, NULL, NULL, error))
    return FALSE;
  if (crm_ledger_head (store) != row->seq)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The account's log and this server's copy of it disagree at change %lld; "
                     "the copy is made again"), (long long) row->seq);
      return FALSE;
    }
  if (row->base >= 0)
    {
      stmt = _crm_store_prepare (store,
        "INSERT OR REPLACE INTO server_op (seq, base) VALUES (?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->seq);
      sqlite3_bind_int64 (stmt, 2, row->base);
      if (!_crm_sql_step_done (store, stmt, "recording a pushed op", error))
        return FALSE;
    }
  if (entry->refused_op != NULL)
    {
      stmt = _crm_store_prepare (store,
        "INSERT OR REPLACE INTO server_rejected (op_id, code, message, corrective, device,"
        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
      if (stmt == NULL)
        return FALSE;
      _crm_sql_bind_text_or_null (stmt, 1, entry->refused_op);
      _crm_sql_bind_text_or_null (stmt, 2, entry->refused_code);
      _crm_sql_bind_text_or_null (stmt, 3, entry->refused_message);
      _crm_sql_bind_text_or_null (stmt, 4, row->op_id);
      _crm_sql_bind_text_or_null (stmt, 5, entry->refused_device);
      sqlite3_bind_int64 (stmt, 6, entry->refused_at);
      if (!_crm_sql_step_done (store, stmt, "recording a rejected op", error))
        return FALSE;
    }
  return follow_deal_number (store, op, error);
}

gboolean
crm_ledger_import (CrmStore              *store,
                   const CrmLedgerEntry  *entries,
                   guint                  n_entries,
                   GError               **error)
{
  gint64 head;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (n_entries == 0)
    return TRUE;
  head = crm_ledger_head (store);
  if (entries[0].op.seq != head + 1)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The account's log continues at change %lld, but this server's copy of it "
                     "ends at %lld; the copy is made again"),
                   (long long) entries[0].op.seq, (long long) head);
      return FALSE;
    }
  if (!_crm_store_begin (store, error))
    return FALSE;
  /* the new contacts' search rows together, after the ops (as a pulled page's) */
  _crm_store_defer_search_rows (store);
  for (guint i = 0; i < n_entries; i++)
    if (!import_one (store, &entries[i], error))
      {
        _crm_store_rollback (store);
        return FALSE;
      }
  if (!_crm_store_write_deferred_search_rows (store, error))
    {
      _crm_store_rollback (store);
      return FALSE;
    }
  return _crm_store_commit (store, error);
}
