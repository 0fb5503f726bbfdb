/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-conditions.c — a rule's "conditions": checked on the subject deal (and the
 * trigger op) before the rule's actions run. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"

static gboolean
client_has_won_deal (CrmRuleEngine *engine,
                     const char    *deal_id,
                     JsonArray     *pipeline_names)
{
  g_autofree char *pipelines = _crm_rule_pipeline_ids_json (engine, pipeline_names);
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT 1 FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE d.id != ?1 AND d.deleted = 0 AND s.kind = 'won' AND ("
    "  (d.company IS NOT NULL AND d.company = (SELECT company FROM deal WHERE id = ?1))"
    "  OR EXISTS (SELECT 1 FROM deal_contact a JOIN deal_contact b ON a.contact = b.contact"
    "   WHERE a.deal = ?1 AND b.deal = d.id AND a.present = 1 AND b.present = 1))"
    " AND (?2 IS NULL OR d.pipeline IN (SELECT value FROM json_each (?2)))"
    " LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (pipelines != NULL)
    sqlite3_bind_text (stmt, 2, pipelines, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* "date_is_today": the deal's date @field (a custom date field such as event_date, or
 * a time column) falls on the day (UTC) of the rule's clock. */
static gboolean
date_is_today (CrmRuleEngine *engine,
               JsonObject    *deal,
               JsonObject    *condition)
{
  JsonNode *value = json_object_get_member (deal, get_string (condition, "field"));

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_INT64)
    return FALSE;
  return json_node_get_int (value) / CRM_MS_PER_DAY == engine->now / CRM_MS_PER_DAY;
}

static gboolean
check_condition (CrmRuleContext *ctx,
                 JsonObject     *condition,
                 const CrmOp    *op)
{
  CrmRuleEngine *engine = ctx->engine;
  const char *type = get_string (condition, "type");
  g_autoptr(JsonObject) deal = NULL;

  if (g_strcmp0 (type, "not") == 0)
    {
      JsonObject *inner = get_object (condition, "condition");
      return inner != NULL && !check_condition (ctx, inner, op);
    }

  deal = crm_store_dup_entity (engine->store, "deal", ctx->deal_id);
  if (deal == NULL)
    return FALSE;

  if (g_strcmp0 (type, "counter") == 0)
    return _crm_rule_check_counter (ctx, condition, deal);
  if (g_strcmp0 (type, "field_equals") == 0)
    return _crm_rule_values_equal (json_object_get_member (deal, get_string (condition, "field")),
                                   json_object_get_member (condition, "value"));
  if (g_strcmp0 (type, "field_in") == 0)
    return _crm_rule_value_in (json_object_get_member (deal, get_string (condition, "field")),
                               json_object_get_member (condition, "values"));
  if (g_strcmp0 (type, "field_empty") == 0)
    {
      JsonNode *value = json_object_get_member (deal, get_string (condition, "field"));
      return value == NULL || JSON_NODE_HOLDS_NULL (value) ||
             (json_node_get_value_type (value) == G_TYPE_STRING &&
              *json_node_get_string (value) == '\0');
    }
  if (g_strcmp0 (type, "has_tag") == 0)
    {
      g_autofree char *tag = _crm_rule_resolve (engine, "tag", get_string (condition, "tag"), NULL);
      return tag != NULL && _crm_rule_deal_has_tag (engine, ctx->deal_id, tag);
    }
  if (g_strcmp0 (type, "has_tag_group") == 0)
    {
      g_autoptr(GPtrArray) tags = _crm_rule_deal_tags (engine, ctx->deal_id,
                                                       get_string (condition, "group"), NULL);
      return tags->len > 0;
    }
  if (g_strcmp0 (type, "pipeline") == 0)
    {
      g_autofree char *pipeline = _crm_rule_resolve (engine, "pipeline",
                                                     get_string (condition, "pipeline"), NULL);
      return pipeline != NULL &&
             g_strcmp0 (pipeline, get_string (deal, "pipeline")) == 0;
    }
  if (g_strcmp0 (type, "stage") == 0)
    {
      const char *pipeline_name = get_string (condition, "pipeline");
      g_autofree char *stage =
        _crm_rule_resolve (engine, "stage", get_string (condition, "stage"),
                           pipeline_name ? NULL : get_string (deal, "pipeline"));
      if (pipeline_name != NULL)
        {
          g_clear_pointer (&stage, g_free);
          stage = _crm_rule_resolve_stage (engine, pipeline_name,
                                           get_string (condition, "stage"), NULL);
        }
      return stage != NULL && g_strcmp0 (stage, get_string (deal, "stage")) == 0;
    }
  if (g_strcmp0 (type, "amount_range") == 0)
    {
      gint64 amount = json_object_get_int_member_with_default (deal, "amount", 0);
      gint64 bound;

      if (get_string (condition, "min") != NULL &&
          crm_money_parse (get_string (condition, "min"), &bound) && amount < bound)
        return FALSE;
      if (get_string (condition, "max") != NULL &&
          crm_money_parse (get_string (condition, "max"), &bound) && amount > bound)
        return FALSE;
      return TRUE;
    }
  if (g_strcmp0 (type, "responsible_group") == 0)
    {
      g_autofree char *group = _crm_store_dup_column (engine->store, "user",
                                                      get_string (deal, "responsible"), "grp");
      return g_strcmp0 (group, get_string (condition, "group")) == 0;
    }
  if (g_strcmp0 (type, "date_is_today") == 0)
    return date_is_today (engine, deal, condition);
  if (g_strcmp0 (type, "client_has_won_deal") == 0)
    return client_has_won_deal (engine, ctx->deal_id, get_array (condition, "pipelines"));
  if (g_strcmp0 (type, "loss_reason_in") == 0)
    {
      JsonArray *names = get_array (condition, "reasons");
      const char *reason = get_string (deal, "loss_reason");

      for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
        {
          g_autofree char *id = _crm_rule_resolve (engine, "loss_reason",
                                                   json_array_get_string_element (names, i),
                                                   get_string (deal, "pipeline"));
          if (id != NULL && g_strcmp0 (id, reason) == 0)
            return TRUE;
        }
      return FALSE;
    }
  return FALSE;
}

gboolean
_crm_rule_check_conditions (CrmRuleContext *ctx,
                            JsonArray      *conditions,
                            const CrmOp    *op)
{
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      JsonNode *node = json_array_get_element (conditions, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !check_condition (ctx, json_node_get_object (node), op))
        return FALSE;
    }
  return TRUE;
}
