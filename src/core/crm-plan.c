/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-plan.c — monthly sales plans per manager, kept as `setting` entities (see
 * crm-plan.h). */
#define G_LOG_DOMAIN "voronka-plan"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-plan.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-uuid.h"

#define KEY_PREFIX "sales_plan/"

gboolean
crm_plan_parse_month (const char  *text,
                      int         *out_year,
                      int         *out_month,
                      GError     **error)
{
  int year = 0, month = 0;
  char tail;

  if (text == NULL || strlen (text) != 7 ||
      sscanf (text, "%4d-%2d%c", &year, &month, &tail) != 2 ||
      year < 1970 || year > 9999 || month < 1 || month > 12)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("“%s” is not a month; write it as 2026-12"),
                           text != NULL ? text : "");
  *out_year = year;
  *out_month = month;
  return TRUE;
}

gboolean
crm_plan_set (CrmStore    *store,
              const char  *actor,
              const char  *user_id,
              const char  *month,
              gint64       amount,
              GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  JsonObject *value;
  JsonNode *node;
  CrmChange *change;
  int year, mon;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!crm_plan_parse_month (month, &year, &mon, error))
    return FALSE;
  if (amount < 0)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("A plan cannot be negative; give 0 to remove it"));
  user = user_id != NULL ? crm_store_dup_entity (store, "user", user_id) : NULL;
  if (user == NULL || json_object_get_boolean_member_with_default (user, "deleted", FALSE))
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("There is no employee “%s” to plan for"),
                           user_id != NULL ? user_id : "");

  key = g_strdup_printf (KEY_PREFIX "%s/%04d-%02d", user_id, year, mon);
  {
    g_autofree char *name = g_strconcat ("setting/", key, NULL);

    id = crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
  }
  existing = crm_store_dup_entity (store, "setting", id);
  change = existing != NULL ? crm_changeset_touch (changeset, "setting", id)
                            : crm_changeset_create (changeset, "setting", id);
  value = json_object_new ();
  json_object_set_string_member (value, "user", user_id);
  json_object_set_string_member (value, "month", month);
  json_object_set_int_member (value, "amount", amount);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, value);
  crm_change_set_string (change, "key", key);
  crm_change_set_node (change, "value", node);
  crm_changeset_set_actor (changeset, actor);
  return crm_store_apply (store, changeset, error);
}

/* Calls @func for every plan with an amount, oldest month first. */
static gboolean
each_plan (CrmStore    *store,
           const char  *month,
           void       (*func) (JsonObject *plan, const char *name, gpointer user_data),
           gpointer     user_data,
           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT s.value, u.name FROM setting s"
    " LEFT JOIN \"user\" u ON u.id = json_extract (s.value, '$.user')"
    " WHERE s.deleted = 0 AND s.key LIKE '" KEY_PREFIX "%'"
    " AND json_extract (s.value, '$.amount') > 0"
    " AND (?1 IS NULL OR json_extract (s.value, '$.month') = ?1)"
    " ORDER BY json_extract (s.value, '$.month'), u.name COLLATE NOCASE, s.id", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, month);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 0),
                                                   NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        func (json_node_get_object (node), (const char *) sqlite3_column_text (stmt, 1),
              user_data);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the sales plans");
      return FALSE;
    }
  return TRUE;
}

static void
add_listed (JsonObject *plan,
            const char *name,
            gpointer    user_data)
{
  JsonObject *row = json_object_new ();
  const char *user_id = json_object_get_string_member_with_default (plan, "user", "");

  json_object_set_string_member (row, "user", name != NULL ? name : user_id);
  json_object_set_string_member (row, "user_id", user_id);
  json_object_set_string_member (row, "month",
                                 json_object_get_string_member_with_default (plan, "month", ""));
  json_object_set_int_member (row, "amount",
                              json_object_get_int_member_with_default (plan, "amount", 0));
  json_array_add_object_element (user_data, row);
}

JsonNode *
crm_plan_list (CrmStore    *store,
               const char  *month,
               GError     **error)
{
  g_autoptr(JsonArray) plans = json_array_new ();
  JsonNode *node;
  int year, mon;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (month != NULL && !crm_plan_parse_month (month, &year, &mon, error))
    return NULL;
  if (!each_plan (store, month, add_listed, plans, error))
    return NULL;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, plans);
  return node;
}

static void
add_by_user (JsonObject *plan,
             const char *name,
             gpointer    user_data)
{
  GHashTable *by_user = user_data;
  const char *user_id = json_object_get_string_member_with_default (plan, "user", NULL);
  JsonArray *months;

  if (user_id == NULL)
    return;
  months = g_hash_table_lookup (by_user, user_id);
  if (months == NULL)
    {
      months = json_array_new ();
      g_hash_table_insert (by_user, g_strdup (user_id), months);
    }
  json_array_add_object_element (months, json_object_ref (plan));
}

GHashTable *
crm_plan_read_all (CrmStore  *store,
                   GError   **error)
{
  g_autoptr(GHashTable) by_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) json_array_unref);

  if (!each_plan (store, NULL, add_by_user, by_user, error))
    return NULL;
  return g_steal_pointer (&by_user);
}
