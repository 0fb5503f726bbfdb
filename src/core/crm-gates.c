/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-gates.c — the checks a change set must pass before it is committed: a deal's
 * stage belongs to its pipeline, required fields bound to stages, a loss reason from
 * the pipeline's list on lost stages. A gate refuses with an error that names it and
 * leaves a description for the UI (which fields, which reasons) in the store. */
#define G_LOG_DOMAIN "voronka-gates"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-store-private.h"
#include "crm-json-private.h"

typedef struct {
  char   *id;
  char   *name;
  char   *pipeline;
  char   *kind;
  gint64  position;
} StageInfo;

static void
stage_info_clear (StageInfo *info)
{
  g_clear_pointer (&info->id, g_free);
  g_clear_pointer (&info->name, g_free);
  g_clear_pointer (&info->pipeline, g_free);
  g_clear_pointer (&info->kind, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StageInfo, stage_info_clear)

static gboolean
load_stage (CrmStore   *store,
            const char *stage_id,
            StageInfo  *info)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT name, pipeline, kind, position FROM stage WHERE id = ?1 AND deleted = 0", NULL);
  gboolean found = FALSE;

  if (stmt == NULL || stage_id == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, stage_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      info->id = g_strdup (stage_id);
      info->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      info->pipeline = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      info->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      info->position = sqlite3_column_int64 (stmt, 3);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

/* Does this op put the deal on a (possibly new) stage? Only then are stage gates due. */
static gboolean
op_enters_stage (const CrmOp     *op,
                 const CrmChange *change)
{
  return g_str_equal (op->entity, "deal") &&
         (change->is_new || json_object_has_member (op->fields, "stage") ||
          json_object_has_member (op->fields, "pipeline"));
}

static gboolean
deal_is_deleted (JsonObject *deal)
{
  return json_object_get_boolean_member_with_default (deal, "deleted", FALSE);
}

/* A deal's stage must exist and belong to the deal's pipeline. */
static gboolean
gate_stage_in_pipeline (CrmStore         *store,
                        const CrmOp      *op,
                        const CrmChange  *change,
                        GError          **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_auto(StageInfo) stage = { 0 };
  const char *stage_id;
  const char *pipeline_id;

  if (!op_enters_stage (op, change))
    return TRUE;
  deal = crm_store_dup_entity (store, "deal", op->entity_id);
  if (deal == NULL || deal_is_deleted (deal))
    return TRUE;

  stage_id = json_object_get_string_member_with_default (deal, "stage", NULL);
  pipeline_id = json_object_get_string_member_with_default (deal, "pipeline", NULL);
  if (!load_stage (store, stage_id, &stage))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The deal has no stage, or its stage does not exist"));
      return FALSE;
    }
  if (g_strcmp0 (stage.pipeline, pipeline_id) != 0)
    {
      g_autofree char *pipeline_name = _crm_store_dup_column (store, "pipeline",
                                                              pipeline_id, "name");
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Stage “%s” is not a stage of pipeline “%s”"), stage.name,
                   pipeline_name ? pipeline_name : "?");
      return FALSE;
    }
  return TRUE;
}

static gboolean
value_is_empty (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (value)));
      return *text == '\0';
    }
  if (JSON_NODE_HOLDS_ARRAY (value))
    return json_array_get_length (json_node_get_array (value)) == 0;
  return FALSE;
}

/* Is any stage of @required (a JSON array of stage ids) in the deal's pipeline at or
 * before the deal's stage? A field required at a stage stays required after it. */
static gboolean
required_by_stage (CrmStore         *store,
                   const char       *required_json,
                   const StageInfo  *target)
{
  g_autoptr(JsonNode) node = json_from_string (required_json, NULL);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_auto(StageInfo) stage = { 0 };
      const char *id = json_array_get_string_element (array, i);

      if (id != NULL && load_stage (store, id, &stage) &&
          g_strcmp0 (stage.pipeline, target->pipeline) == 0 &&
          stage.position <= target->position)
        return TRUE;
    }
  return FALSE;
}

static gboolean
gate_required_fields (CrmStore         *store,
                      const CrmOp      *op,
                      const CrmChange  *change,
                      GError          **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_auto(StageInfo) stage = { 0 };
  g_autoptr(JsonArray) missing = NULL;
  g_autoptr(GString) labels = NULL;
  sqlite3_stmt *stmt;

  if (!op_enters_stage (op, change))
    return TRUE;
  deal = crm_store_dup_entity (store, "deal", op->entity_id);
  if (deal == NULL || deal_is_deleted (deal) ||
      !load_stage (store, json_object_get_string_member_with_default (deal, "stage", NULL),
                   &stage) ||
      g_strcmp0 (stage.kind, "lost") == 0)
    return TRUE;

  stmt = _crm_store_prepare (store,
    "SELECT key, label, type, choices, required_stages FROM field"
    " WHERE entity = 'deal' AND deleted = 0 AND required_stages IS NOT NULL"
    " AND required_stages != '[]' ORDER BY position, key", error);
  if (stmt == NULL)
    return FALSE;

  missing = json_array_new ();
  labels = g_string_new (NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);
      const char *label = (const char *) sqlite3_column_text (stmt, 1);
      JsonObject *field;

      if (!required_by_stage (store, (const char *) sqlite3_column_text (stmt, 4), &stage) ||
          !value_is_empty (json_object_get_member (deal, key)))
        continue;

      field = json_object_new ();
      json_object_set_string_member (field, "key", key);
      json_object_set_string_member (field, "label", label ? label : key);
      json_object_set_string_member (field, "type",
                                     (const char *) sqlite3_column_text (stmt, 2));
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        {
          JsonNode *choices = json_from_string ((const char *) sqlite3_column_text (stmt, 3),
                                                NULL);
          if (choices != NULL)
            json_object_set_member (field, "choices", choices);
        }
      json_array_add_object_element (missing, field);
      g_string_append_printf (labels, "%s%s (%s)", labels->len ? ", " : "",
                              label ? label : key, key);
    }
  sqlite3_reset (stmt);

  if (json_array_get_length (missing) > 0)
    {
      JsonObject *refusal = json_object_new ();

      json_object_set_string_member (refusal, "name", "required-field");
      json_object_set_string_member (refusal, "deal", op->entity_id);
      json_object_set_string_member (refusal, "stage", stage.name);
      json_object_set_string_member (refusal, "stage_id", stage.id);
      json_object_set_array_member (refusal, "fields", g_steal_pointer (&missing));
      _crm_store_set_refusal (store, refusal);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_REQUIRED_FIELD,
                   _("Stage “%s” needs these fields filled in first: %s"),
                   stage.name, labels->str);
      return FALSE;
    }
  return TRUE;
}

static gboolean
gate_loss_reason (CrmStore         *store,
                  const CrmOp      *op,
                  const CrmChange  *change,
                  GError          **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_auto(StageInfo) stage = { 0 };
  g_autoptr(JsonArray) choices = json_array_new ();
  g_autoptr(GString) names = g_string_new (NULL);
  const char *reason;
  const char *pipeline_id;
  gboolean reason_ok = FALSE;
  sqlite3_stmt *stmt;
  JsonObject *refusal;

  if (!op_enters_stage (op, change) && !json_object_has_member (op->fields, "loss_reason"))
    return TRUE;
  deal = crm_store_dup_entity (store, "deal", op->entity_id);
  if (deal == NULL || deal_is_deleted (deal) ||
      !load_stage (store, json_object_get_string_member_with_default (deal, "stage", NULL),
                   &stage) ||
      g_strcmp0 (stage.kind, "lost") != 0)
    return TRUE;

  reason = json_object_get_string_member_with_default (deal, "loss_reason", NULL);
  pipeline_id = json_object_get_string_member_with_default (deal, "pipeline", NULL);
  stmt = _crm_store_prepare (store,
    "SELECT id, name FROM loss_reason WHERE deleted = 0"
    " AND (pipeline = ?1 OR pipeline IS NULL) ORDER BY position, name", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);

      if (g_strcmp0 (id, reason) == 0)
        reason_ok = TRUE;
      json_array_add_string_element (choices, name);
      g_string_append_printf (names, "%s«%s»", names->len ? ", " : "", name);
    }
  sqlite3_reset (stmt);
  if (reason_ok)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "loss-reason-required");
  json_object_set_string_member (refusal, "deal", op->entity_id);
  json_object_set_string_member (refusal, "stage", stage.name);
  json_object_set_string_member (refusal, "stage_id", stage.id);
  json_object_set_array_member (refusal, "choices", g_steal_pointer (&choices));
  _crm_store_set_refusal (store, refusal);

  if (reason == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED,
                 _("Closing a deal at “%s” needs a loss reason; choose one of: %s"),
                 stage.name, names->str);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED,
                 _("That loss reason is not in this pipeline's list; choose one of: %s"),
                 names->str);
  return FALSE;
}

void
_crm_gates_install (CrmStore *self)
{
  _crm_store_add_gate (self, gate_stage_in_pipeline);
  _crm_store_add_gate (self, gate_required_fields);
  _crm_store_add_gate (self, gate_loss_reason);
}
