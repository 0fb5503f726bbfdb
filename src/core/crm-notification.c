/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-notification.c — listing the notifications the automation rules create. Rules
 * write them (crm-rules.c action "notify"); this file only reads. */
#define G_LOG_DOMAIN "voronka-notification"

#include "config.h"

#include "crm-notification.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"

JsonNode *
crm_notification_list (CrmStore    *store,
                       const char  *user_id,
                       gboolean     unread_only,
                       GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT n.id, u.name, n.user, n.text, n.deal, d.title, n.read, n.created_at"
    " FROM notification n LEFT JOIN \"user\" u ON u.id = n.user"
    " LEFT JOIN deal d ON d.id = n.deal AND d.deleted = 0"
    " WHERE n.deleted = 0 AND (?1 IS NULL OR n.user = ?1)"
    " AND (?2 = 0 OR coalesce (n.read, 0) = 0)"
    " ORDER BY n.created_at DESC, n.id DESC", error);
  if (stmt == NULL)
    return NULL;
  if (user_id != NULL)
    sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, unread_only ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      g_autofree char *created = sqlite3_column_type (stmt, 7) != SQLITE_NULL
                                 ? crm_time_format (sqlite3_column_int64 (stmt, 7)) : NULL;

      _crm_json_set_text_column (item, "id", stmt, 0);
      /* a user this replica does not know yet is shown by id */
      _crm_json_set_text_column (item, "user", stmt, sqlite3_column_type (stmt, 1) != SQLITE_NULL ? 1 : 2);
      _crm_json_set_text_column (item, "user_id", stmt, 2);
      _crm_json_set_text_column (item, "text", stmt, 3);
      _crm_json_set_text_column (item, "deal", stmt, 4);
      _crm_json_set_text_column (item, "deal_title", stmt, 5);
      json_object_set_boolean_member (item, "read", sqlite3_column_int (stmt, 6) != 0);
      if (created != NULL)
        json_object_set_string_member (item, "created_at", created);
      else
        json_object_set_null_member (item, "created_at");
      json_array_add_object_element (list, item);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read notifications");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, list);
  return node;
}
