/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger-pull.c — the server's account replica as clients read it (crm-ledger.h):
 * pull pages and the history horizon, the account's users for sign-in, its size, and its
 * incarnations (a new epoch when a backup is restored). */
#define G_LOG_DOMAIN "voronka-ledger"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-ledger-private.h"
#include "crm-error.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-stamp.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* --- pull pages ------------------------------------------------------------------------------ */

gint64
crm_ledger_horizon (CrmStore *store)
{
  g_autofree char *horizon_text = crm_store_dup_meta (store, "server.horizon");

  return horizon_text ? g_ascii_strtoll (horizon_text, NULL, 10) : 0;
}

gboolean
crm_ledger_op_at (CrmStore  *store,
                  gint64     seq,
                  char     **out_op_id,
                  GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT op_id FROM changelog WHERE seq = ?1",
                                           error);
  int rc;

  *out_op_id = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the changelog");
      return FALSE;
    }
  return TRUE;
}

#define ROW_COLUMNS \
  "SELECT c.seq, c.op_id, c.hlc, " CRM_CHANGELOG_WORD ("c.device_n") ", c.entity, c.entity_id," \
  " c.fields, c.cause, c.rule, " CRM_CHANGELOG_WORD ("c.actor_n") ", COALESCE (s.base, c.seq - 1), c.stamp FROM changelog c" \
  " LEFT JOIN server_op s ON s.seq = c.seq "

/* Calls @func for each row of @stmt (ROW_COLUMNS), then resets it. */
static gboolean
read_rows (CrmStore          *store,
           sqlite3_stmt      *stmt,
           CrmLedgerRowFunc   func,
           gpointer           data,
           GError           **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmLedgerRow row = {
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
        .base = sqlite3_column_int64 (stmt, 10),
        .stamp = (const char *) sqlite3_column_text (stmt, 11),
      };

      func (&row, data);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the changelog");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_ledger_read (CrmStore          *store,
                 gint64             since,
                 guint              limit,
                 CrmLedgerRowFunc   func,
                 gpointer           data,
                 GError           **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    ROW_COLUMNS "WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  sqlite3_bind_int64 (stmt, 2, limit);
  return read_rows (store, stmt, func, data, error);
}

gboolean
crm_ledger_read_deal (CrmStore          *store,
                      const char        *deal_id,
                      gint64             before,
                      CrmLedgerRowFunc   func,
                      gpointer           data,
                      GError           **error)
{
  /* the deal's dependents as crm-visibility.c lists them (a task's and an approval's
   * notes and attachments too); each through the changelog's entity_id index */
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "WITH task_of (id) AS (SELECT id FROM task WHERE deal = ?1),"
    " approval_of (id) AS (SELECT id FROM approval WHERE (entity = 'deal' AND entity_id = ?1)"
    "  OR (entity = 'task' AND entity_id IN (SELECT id FROM task_of))"
    "  OR (entity = 'tag' AND json_extract (data, '$.deal') = ?1)),"
    " part (id) AS (SELECT ?1 UNION ALL SELECT id FROM task_of"
    "  UNION ALL SELECT id FROM message WHERE deal = ?1"
    "  UNION ALL SELECT id FROM call WHERE deal = ?1"
    "  UNION ALL SELECT id FROM deal_tag WHERE deal = ?1"
    "  UNION ALL SELECT id FROM deal_contact WHERE deal = ?1"
    "  UNION ALL SELECT id FROM notification WHERE deal = ?1"
    "  UNION ALL SELECT id FROM approval_of"
    "  UNION ALL SELECT id FROM note WHERE (entity = 'deal' AND entity_id = ?1)"
    "   OR (entity = 'task' AND entity_id IN (SELECT id FROM task_of))"
    "   OR (entity = 'approval' AND entity_id IN (SELECT id FROM approval_of))"
    "  UNION ALL SELECT id FROM attachment WHERE (entity = 'deal' AND entity_id = ?1)"
    "   OR (entity = 'task' AND entity_id IN (SELECT id FROM task_of))"
    "   OR (entity = 'approval' AND entity_id IN (SELECT id FROM approval_of)))"
    ROW_COLUMNS "WHERE c.entity_id IN (SELECT id FROM part) AND c.seq < ?2 ORDER BY c.seq",
    error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  sqlite3_bind_int64 (stmt, 2, before);
  return read_rows (store, stmt, func, data, error);
}

gboolean
crm_ledger_read_dependent (CrmStore          *store,
                           const char        *entity_id,
                           gint64             before,
                           CrmLedgerRowFunc   func,
                           gpointer           data,
                           GError           **error)
{
  /* what hangs off it as crm-visibility.c forgets it (list_forgotten): a task's approvals,
   * the notes and files on the task (or on an approval moved) and on those approvals */
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "WITH approval_of (id) AS (SELECT id FROM approval WHERE entity = 'task'"
    "  AND entity_id = ?1),"
    " part (id) AS (SELECT ?1 UNION ALL SELECT id FROM approval_of"
    "  UNION ALL SELECT id FROM note WHERE (entity IN ('task', 'approval') AND entity_id = ?1)"
    "   OR (entity = 'approval' AND entity_id IN (SELECT id FROM approval_of))"
    "  UNION ALL SELECT id FROM attachment WHERE (entity IN ('task', 'approval')"
    "   AND entity_id = ?1)"
    "   OR (entity = 'approval' AND entity_id IN (SELECT id FROM approval_of)))"
    ROW_COLUMNS "WHERE c.entity_id IN (SELECT id FROM part) AND c.seq < ?2 ORDER BY c.seq",
    error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  sqlite3_bind_int64 (stmt, 2, before);
  return read_rows (store, stmt, func, data, error);
}

/* --- the account's users, clock and size ------------------------------------------------------ */

guint64
crm_ledger_next_hlc (CrmStore *store)
{
  return _crm_store_next_hlc (store);
}

char *
crm_ledger_find_user (CrmStore    *store,
                      const char  *name,
                      char       **out_role)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, role FROM user WHERE name = ?1 AND deleted = 0 ORDER BY id LIMIT 1", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (out_role != NULL)
        *out_role = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return id;
}

gboolean
crm_ledger_lookup_user (CrmStore    *store,
                        const char  *user_id,
                        char       **out_name,
                        char       **out_role)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT name, role FROM user WHERE id = ?1 AND deleted = 0", NULL);
  gboolean found = FALSE;

  if (stmt == NULL || user_id == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (out_name != NULL)
        *out_name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (out_role != NULL)
        *out_role = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return found;
}

gint64
crm_ledger_size (CrmStore *store)
{
  sqlite3 *db = _crm_store_get_db (store);
  static const char *const pragmas[] = {
    "PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"
  };
  gint64 values[3] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    values[i] = _crm_sql_read_int64 (db, pragmas[i], 0);
  return (values[0] - values[1]) * values[2];
}

/* --- incarnations ------------------------------------------------------------------------- */

static JsonObject *
dup_epochs (CrmStore *store)
{
  g_autofree char *text = crm_store_dup_meta (store, "server.epochs");
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_object_ref (json_node_get_object (node));
  return json_object_new ();
}

gboolean
crm_ledger_epoch (CrmStore    *store,
                  const char  *client_epoch,
                  char       **out_epoch,
                  gint64      *out_shared,
                  GError     **error)
{
  g_autofree char *epoch = crm_store_dup_meta (store, "server.epoch");
  g_autoptr(JsonObject) epochs = NULL;

  if (epoch == NULL)
    {
      epoch = crm_uuid_v7_new (crm_time_now_ms ());
      if (!crm_store_set_meta (store, "server.epoch", epoch, error))
        return FALSE;
    }
  *out_shared = 0;
  if (client_epoch != NULL && g_str_equal (client_epoch, epoch))
    *out_shared = crm_ledger_head (store);
  else if (client_epoch != NULL)
    {
      epochs = dup_epochs (store);
      *out_shared = MAX (json_object_get_int_member_with_default (epochs, client_epoch, 0), 0);
    }
  *out_epoch = g_steal_pointer (&epoch);
  return TRUE;
}

void
crm_ledger_next_epoch (const char  *epoch,
                       const char  *epochs_text,
                       gint64       head,
                       char       **out_epoch,
                       char       **out_epochs)
{
  g_autoptr(JsonNode) parsed = epochs_text != NULL ? json_from_string (epochs_text, NULL) : NULL;
  g_autoptr(JsonObject) epochs = parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed)
                                 ? json_object_ref (json_node_get_object (parsed))
                                 : json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GList) members = json_object_get_members (epochs);

  /* an older incarnation shares with this one no more than with the restored one */
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_int_member (epochs, l->data,
                                MIN (json_object_get_int_member_with_default (epochs, l->data, 0),
                                     head));
  if (epoch != NULL)
    json_object_set_int_member (epochs, epoch, head);
  json_node_set_object (node, epochs);
  *out_epochs = json_to_string (node, FALSE);
  *out_epoch = crm_uuid_v7_new (crm_time_now_ms ());
}

gboolean
crm_ledger_new_epoch (CrmStore  *store,
                      GError   **error)
{
  g_autofree char *old = crm_store_dup_meta (store, "server.epoch");
  g_autofree char *old_epochs = crm_store_dup_meta (store, "server.epochs");
  g_autofree char *epoch = NULL;
  g_autofree char *epochs = NULL;

  crm_ledger_next_epoch (old, old_epochs, crm_ledger_head (store), &epoch, &epochs);
  return crm_store_set_meta (store, "server.epochs", epochs, error) &&
         crm_store_set_meta (store, "server.epoch", epoch, error);
}
