/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-state.c — the outbox size, the last sync time and the conflict list, read from
 * the changelog, meta and the local-only `conflict` table. */
#define G_LOG_DOMAIN "voronka-sync-state"

#include "crm-sync-state.h"
#include "crm-store-sync-private.h"
#include "crm-store-private.h"
#include "crm-hlc.h"
#include "crm-time.h"

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
      _crm_store_set_sql_error (store, error, what);
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
crm_sync_state_count_conflicts (CrmStore  *store,
                                gboolean   unseen_only,
                                gint64    *out_count,
                                GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  return count (store, "SELECT count (*) FROM conflict WHERE ?1 = 0 OR seen = 0",
                unseen_only ? 1 : 0, out_count, "count conflicts", error);
}

/* What people call the entity: a deal's title, a contact's or company's name. */
static char *
dup_entity_title (CrmStore   *store,
                  const char *entity,
                  const char *entity_id)
{
  if (g_strcmp0 (entity, "deal") == 0)
    return _crm_store_dup_column (store, "deal", entity_id, "title");
  if (g_strcmp0 (entity, "contact") == 0 || g_strcmp0 (entity, "company") == 0)
    return _crm_store_dup_column (store, entity, entity_id, "name");
  if (g_strcmp0 (entity, "task") == 0)
    return _crm_store_dup_column (store, "task", entity_id, "text");
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

  stmt = _crm_store_prepare (store,
    "SELECT id, entity, entity_id, field, local_value, remote_value, remote_device,"
    " remote_actor, created_at, seen FROM conflict WHERE ?1 = 0 OR seen = 0"
    " ORDER BY created_at DESC, id DESC LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, unseen_only ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *conflict = json_object_new ();

      json_object_set_int_member (conflict, "id", sqlite3_column_int64 (stmt, 0));
      set_text (conflict, "entity", (const char *) sqlite3_column_text (stmt, 1));
      set_text (conflict, "entity_id", (const char *) sqlite3_column_text (stmt, 2));
      set_text (conflict, "field", (const char *) sqlite3_column_text (stmt, 3));
      set_text (conflict, "local_value", (const char *) sqlite3_column_text (stmt, 4));
      set_text (conflict, "remote_value", (const char *) sqlite3_column_text (stmt, 5));
      set_text (conflict, "remote_device", (const char *) sqlite3_column_text (stmt, 6));
      set_text (conflict, "remote_actor", (const char *) sqlite3_column_text (stmt, 7));
      json_object_set_int_member (conflict, "created_at", sqlite3_column_int64 (stmt, 8));
      json_object_set_boolean_member (conflict, "seen", sqlite3_column_int (stmt, 9) != 0);
      g_ptr_array_add (rows, conflict);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "list conflicts");
      return NULL;
    }
  sqlite3_reset (stmt);

  /* Names are looked up after the loop: the lookups reuse the statement cache. */
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *conflict = g_ptr_array_index (rows, i);
      const char *actor = json_object_get_string_member_with_default (conflict, "remote_actor", NULL);
      g_autofree char *title = dup_entity_title (store,
                                                 json_object_get_string_member (conflict, "entity"),
                                                 json_object_get_string_member (conflict, "entity_id"));
      g_autofree char *actor_name = actor != NULL
                                    ? _crm_store_dup_column (store, "user", actor, "name") : NULL;

      set_text (conflict, "title", title);
      if (actor_name != NULL)
        json_object_set_string_member (conflict, "remote_actor", actor_name);
      json_array_add_object_element (result, json_object_ref (conflict));
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
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "mark conflicts as seen");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
crm_sync_state_count_rejected (CrmStore  *store,
                               gint64    *out_count,
                               GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  return count (store, "SELECT count (*) FROM changelog WHERE local = 1 AND pushed = -1", 0,
                out_count, "count rejected ops", error);
}

JsonArray *
crm_sync_state_list_rejected (CrmStore  *store,
                              guint      limit,
                              GError   **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT op_id, entity, entity_id, fields, hlc FROM changelog"
    " WHERE local = 1 AND pushed = -1 ORDER BY seq DESC LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *op = json_object_new ();
      const char *fields = (const char *) sqlite3_column_text (stmt, 3);
      JsonNode *node = fields != NULL ? json_from_string (fields, NULL) : NULL;

      set_text (op, "op", (const char *) sqlite3_column_text (stmt, 0));
      set_text (op, "entity", (const char *) sqlite3_column_text (stmt, 1));
      set_text (op, "entity_id", (const char *) sqlite3_column_text (stmt, 2));
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        json_object_set_member (op, "fields", node);
      else
        {
          g_clear_pointer (&node, json_node_unref);
          json_object_set_object_member (op, "fields", json_object_new ());
        }
      json_object_set_int_member (op, "at",
                                  (gint64) crm_hlc_physical ((guint64) sqlite3_column_int64 (stmt, 4)));
      g_ptr_array_add (rows, op);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "list rejected ops");
      return NULL;
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *op = g_ptr_array_index (rows, i);
      g_autofree char *title = dup_entity_title (store,
                                                 json_object_get_string_member (op, "entity"),
                                                 json_object_get_string_member (op, "entity_id"));

      set_text (op, "title", title);
      json_array_add_object_element (result, json_object_ref (op));
    }
  return g_steal_pointer (&result);
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
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (op_id != NULL, FALSE);

  stmt = _crm_store_prepare (store,
    "UPDATE changelog SET server_seq = ?2, stamp = COALESCE (?3, stamp),"
    " actor = CASE WHEN ?3 IS NULL THEN actor ELSE ?4 END WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, server_seq);
  if (stamp != NULL)
    sqlite3_bind_text (stmt, 3, stamp, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 3);
  if (actor != NULL)
    sqlite3_bind_text (stmt, 4, actor, -1, SQLITE_TRANSIENT);
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
      _crm_store_set_sql_error (store, error, "read the changes to send again");
      return NULL;
    }
  return g_steal_pointer (&ops);
}

gboolean
crm_sync_state_set_restored (CrmStore  *store,
                             gint64     count,
                             GError   **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, count,
                                           crm_time_now_ms ());

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  return crm_store_set_meta (store, "sync.restored", text, error);
}

gboolean
crm_sync_state_get_restored (CrmStore *store,
                             gint64   *out_count,
                             gint64   *out_ms)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  gint64 count = 0, ms = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  text = crm_store_dup_meta (store, "sync.restored");
  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, " ", 2);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64, &count, NULL) ||
      !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT64, &ms, NULL))
    return FALSE;
  if (out_count != NULL)
    *out_count = count;
  if (out_ms != NULL)
    *out_ms = ms;
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

  stmt = _crm_store_prepare (store, "SELECT 1 FROM changelog WHERE device = ?1 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, device, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "look for a device's ops");
      return FALSE;
    }
  *out_known = rc == SQLITE_ROW;
  return TRUE;
}
