/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setting.c — the account's settings (crm-setting.h). */
#define G_LOG_DOMAIN "voronka-setting"

#include "config.h"

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
