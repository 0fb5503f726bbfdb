/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-tasks.c — tasks of a deal, of a person, or open ones, by due date. */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-query-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

JsonNode *
crm_query_tasks (CrmStore    *store,
                 const char  *deal_id,
                 gboolean     open_only,
                 const char  *responsible_id,
                 GError     **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

#define TASKS_SELECT \
    "SELECT t.id, t.deal, d.title, t.contact, t.text, t.type, t.due, t.responsible, u.name," \
    " t.done, t.result, t.checklist, t.done_at, t.created_at," \
    " c.id, c.name, json_extract (c.phones, '$[0]'), json_extract (t.data, '$.due_has_time')" \
    " FROM task t LEFT JOIN deal d ON d.id = t.deal" \
    " LEFT JOIN \"user\" u ON u.id = t.responsible" \
    /* the client to call: the task's own contact, else the deal's first one */ \
    " LEFT JOIN contact c ON c.deleted = 0 AND c.id = coalesce (t.contact," \
    "   (SELECT dc.contact FROM deal_contact dc WHERE dc.deal = t.deal AND dc.present = 1" \
    "    AND dc.deleted = 0 ORDER BY dc.rowid LIMIT 1))"
#define TASKS_REST \
    " AND (?2 = 0 OR coalesce (t.done, 0) = 0)" \
    " AND (?3 IS NULL OR t.responsible = ?3)" \
    " ORDER BY t.due IS NULL, t.due, t.created_at, t.id"

  /* one deal's tasks through the index on task (deal, …): "?1 IS NULL OR t.deal = ?1"
   * would read every task of the account for each deal shown */
  stmt = _crm_store_prepare (store, deal_id != NULL
                                    ? TASKS_SELECT " WHERE t.deleted = 0 AND t.deal = ?1" TASKS_REST
                                    : TASKS_SELECT " WHERE t.deleted = 0 AND ?1 IS NULL" TASKS_REST,
                             error);
#undef TASKS_SELECT
#undef TASKS_REST
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  sqlite3_bind_int (stmt, 2, open_only ? 1 : 0);
  _crm_sql_bind_text_or_null (stmt, 3, responsible_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *task = json_object_new ();
      g_autoptr(JsonArray) raw = _crm_json_array_column (stmt, 11);
      JsonArray *checklist = json_array_new ();

      _crm_json_set_text_column (task, "id", stmt, 0);
      _crm_json_set_text_column (task, "deal", stmt, 1);
      _crm_json_set_text_column (task, "deal_title", stmt, 2);
      _crm_json_set_text_column (task, "contact", stmt, 3);
      _crm_json_set_text_column (task, "text", stmt, 4);
      _crm_json_set_text_column (task, "type", stmt, 5);
      _crm_json_set_time_column (task, "due", stmt, 6);
      _crm_json_set_text_column (task, "responsible", stmt, 8);
      _crm_json_set_text_column (task, "responsible_id", stmt, 7);
      json_object_set_boolean_member (task, "done", sqlite3_column_int (stmt, 9) != 0);
      _crm_json_set_text_column (task, "result", stmt, 10);

      /* Checklist items are {"text","done"}; a bare string is an item not done. */
      for (guint i = 0; i < json_array_get_length (raw); i++)
        {
          JsonNode *item = json_array_get_element (raw, i);
          JsonObject *out = json_object_new ();

          if (JSON_NODE_HOLDS_OBJECT (item))
            {
              JsonObject *in = json_node_get_object (item);

              json_object_set_string_member (out, "text",
                                             json_object_get_string_member_with_default (in, "text", ""));
              json_object_set_boolean_member (out, "done",
                                              json_object_get_boolean_member_with_default (in, "done", FALSE));
            }
          else
            {
              json_object_set_string_member (out, "text",
                                             JSON_NODE_HOLDS_VALUE (item) &&
                                             json_node_get_value_type (item) == G_TYPE_STRING
                                             ? json_node_get_string (item) : "");
              json_object_set_boolean_member (out, "done", FALSE);
            }
          json_array_add_object_element (checklist, out);
        }
      json_object_set_array_member (task, "checklist", checklist);
      _crm_json_set_time_column (task, "done_at", stmt, 12);
      _crm_json_set_time_column (task, "created_at", stmt, 13);
      _crm_json_set_text_column (task, "client_id", stmt, 14);
      _crm_json_set_text_column (task, "client", stmt, 15);
      _crm_json_set_text_column (task, "client_phone", stmt, 16);
      /* a time of day was chosen for "due" («14:30»), not only a day */
      json_object_set_boolean_member (task, "due_has_time", sqlite3_column_int (stmt, 17) != 0);
      json_array_add_object_element (result, task);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list tasks");
      return NULL;
    }
  sqlite3_reset (stmt);

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

JsonArray *
crm_query_tasks_falling_due (CrmStore    *store,
                             const char  *responsible_id,
                             gint64       after_ms,
                             gint64       until_ms,
                             GError     **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (responsible_id != NULL, NULL);

  /* the task_responsible index (responsible, done, due) */
  stmt = _crm_store_prepare (store,
    "SELECT id, text, deal FROM task WHERE responsible = ?1 AND deleted = 0"
    " AND coalesce (done, 0) = 0 AND due > ?2 AND due <= ?3 ORDER BY due, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, responsible_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, after_ms);
  sqlite3_bind_int64 (stmt, 3, until_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *task = json_object_new ();

      _crm_json_set_text_column (task, "id", stmt, 0);
      _crm_json_set_text_column (task, "text", stmt, 1);
      _crm_json_set_text_column (task, "deal", stmt, 2);
      json_array_add_object_element (result, task);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list the tasks falling due");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&result);
}
