/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setting.c — the account's settings (crm-setting.h). */
#define G_LOG_DOMAIN "voronka-setting"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-setting.h"
#include "crm-uuid.h"

char *
crm_setting_id (const char *key)
{
  g_autofree char *name = g_strconcat ("setting/", key, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

JsonNode *
crm_setting_dup_value (CrmStore   *store,
                       const char *key)
{
  g_autofree char *id = crm_setting_id (key);
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "setting", id);
  JsonNode *value = row != NULL ? json_object_get_member (row, "value") : NULL;

  if (value == NULL || JSON_NODE_HOLDS_NULL (value) ||
      json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    return NULL;
  return json_node_copy (value);
}

void
crm_setting_fill (CrmChangeset *changeset,
                  CrmStore     *store,
                  const char   *key,
                  JsonNode     *value)
{
  g_autofree char *id = crm_setting_id (key);
  g_autoptr(JsonObject) existing = store != NULL ? crm_store_dup_entity (store, "setting", id)
                                                 : NULL;
  CrmChange *change = existing != NULL ? crm_changeset_touch (changeset, "setting", id)
                                       : crm_changeset_create (changeset, "setting", id);

  crm_change_set_string (change, "key", key);
  crm_change_set_node (change, "value", value);
}

gboolean
crm_setting_op_is_managers (const CrmOp *op)
{
  g_autofree char *zone_id = NULL;
  JsonNode *key;

  if (g_strcmp0 (op->entity, "setting") != 0)
    return FALSE;
  zone_id = crm_setting_id (CRM_SETTING_TIME_ZONE);
  if (g_strcmp0 (op->entity_id, zone_id) != 0)
    return FALSE;
  /* the zone's entity keeps its key: a change naming another key is not the zone's */
  key = json_object_get_member (op->fields, "key");
  return key == NULL ||
         (JSON_NODE_HOLDS_VALUE (key) && json_node_get_value_type (key) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (key), CRM_SETTING_TIME_ZONE) == 0);
}

/* {"keep_days": N}: N, or -1 when @value is not that */
static gint64
history_days_of (JsonNode *value)
{
  JsonNode *days;

  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return -1;
  days = json_object_get_member (json_node_get_object (value), "keep_days");
  if (days == NULL || !JSON_NODE_HOLDS_VALUE (days) ||
      json_node_get_value_type (days) != G_TYPE_INT64 ||
      json_node_get_int (days) < 0 || json_node_get_int (days) > CRM_SETTING_HISTORY_MAX_DAYS)
    return -1;
  return json_node_get_int (days);
}

gboolean
crm_setting_check_value (const CrmOp  *op,
                         JsonNode     *value,
                         GError      **error)
{
  g_autofree char *history_id = crm_setting_id (CRM_SETTING_HISTORY);

  g_return_val_if_fail (op != NULL, FALSE);

  if (g_strcmp0 (op->entity, "setting") != 0 || g_strcmp0 (op->entity_id, history_id) != 0 ||
      value == NULL || JSON_NODE_HOLDS_NULL (value) || history_days_of (value) >= 0)
    return TRUE;
  return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("The days of full history must be a whole number from 0 to %d, "
                           "as {\"keep_days\": 90}"), CRM_SETTING_HISTORY_MAX_DAYS);
}

gint64
crm_setting_get_history_days (CrmStore *store)
{
  g_autoptr(JsonNode) value = crm_setting_dup_value (store, CRM_SETTING_HISTORY);

  return history_days_of (value);
}

CrmChangeset *
crm_setting_history_days_change (CrmStore  *store,
                                 gint64     days,
                                 GError   **error)
{
  CrmChangeset *changeset;
  JsonObject *object;
  JsonNode *value;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (days < 0 || days > CRM_SETTING_HISTORY_MAX_DAYS)
    {
      crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                      _("The days of full history must be a whole number from 0 to %d"),
                      CRM_SETTING_HISTORY_MAX_DAYS);
      return NULL;
    }
  object = json_object_new ();
  json_object_set_int_member (object, "keep_days", days);
  value = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (value, object);
  changeset = crm_changeset_new ();
  crm_setting_fill (changeset, store, CRM_SETTING_HISTORY, value);
  return changeset;
}
