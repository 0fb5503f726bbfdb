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

/* Pipelines, stages, fields, reasons, users and rules are the account's setup: only
 * admins change them. A change set without an actor is the system's own (template
 * import, sync). */
static gboolean
gate_admin_only (CrmStore         *store,
                 const CrmOp      *op,
                 const CrmChange  *change,
                 GError          **error)
{
  static const char *const setup_entities[] = {
    "pipeline", "stage", "field", "loss_reason", "rule", "user", NULL
  };
  g_autofree char *role = NULL;
  JsonObject *refusal;

  if (op->actor == NULL || !g_strv_contains (setup_entities, op->entity))
    return TRUE;
  role = _crm_store_dup_column (store, "user", op->actor, "role");
  if (g_strcmp0 (role, "admin") == 0)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "permission-denied");
  json_object_set_string_member (refusal, "entity", op->entity);
  _crm_store_set_refusal (store, refusal);
  if (g_str_equal (op->entity, "rule"))
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED,
                 _("Only an administrator can change automation rules"));
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED,
                 _("Only an administrator can change pipelines, stages, fields, loss "
                   "reasons and users (this change touches a %s)"), op->entity);
  return FALSE;
}

static gboolean
op_completes_task (const CrmOp *op)
{
  JsonNode *done = json_object_get_member (op->fields, "done");

  return g_str_equal (op->entity, "task") && done != NULL && JSON_NODE_HOLDS_VALUE (done) &&
         json_node_get_value_type (done) == G_TYPE_BOOLEAN && json_node_get_boolean (done);
}

/* S2-3: a call task is completed only with the call's result. */
static gboolean
gate_call_result (CrmStore         *store,
                  const CrmOp      *op,
                  const CrmChange  *change,
                  GError          **error)
{
  g_autoptr(JsonObject) task = NULL;
  JsonObject *refusal;

  if (!op_completes_task (op))
    return TRUE;
  task = crm_store_dup_entity (store, "task", op->entity_id);
  if (task == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (task, "type", NULL), "call") != 0 ||
      !value_is_empty (json_object_get_member (task, "result")))
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "call-result-required");
  json_object_set_string_member (refusal, "task", op->entity_id);
  _crm_store_set_refusal (store, refusal);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CALL_RESULT_REQUIRED,
               _("A call task can be completed only with the call's result: say how the "
                 "call went"));
  return FALSE;
}

/* S1-6: stages marked "requires_attachment" take a deal only with a file attached. */
static gboolean
gate_attachment (CrmStore         *store,
                 const CrmOp      *op,
                 const CrmChange  *change,
                 GError          **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) stage = NULL;
  sqlite3_stmt *stmt;
  gboolean found;
  JsonObject *refusal;

  if (!op_enters_stage (op, change))
    return TRUE;
  deal = crm_store_dup_entity (store, "deal", op->entity_id);
  if (deal == NULL || deal_is_deleted (deal))
    return TRUE;
  stage = crm_store_dup_entity (store, "stage",
                                json_object_get_string_member_with_default (deal, "stage", NULL));
  if (stage == NULL || !json_object_get_boolean_member_with_default (stage, "requires_attachment",
                                                                     FALSE))
    return TRUE;

  stmt = _crm_store_prepare (store,
    "SELECT 1 FROM attachment WHERE entity = 'deal' AND entity_id = ?1 AND deleted = 0 LIMIT 1",
    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->entity_id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (found)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "attachment-required");
  json_object_set_string_member (refusal, "deal", op->entity_id);
  json_object_set_string_member (refusal, "stage",
                                 json_object_get_string_member_with_default (stage, "name", ""));
  _crm_store_set_refusal (store, refusal);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_ATTACHMENT_REQUIRED,
               _("Stage “%s” needs a photo or file attached to the deal first"),
               json_object_get_string_member_with_default (stage, "name", ""));
  return FALSE;
}

static gint64
count_open_tasks (CrmStore   *store,
                  const char *deal_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT count(*) FROM task WHERE deal = ?1 AND done = 0 AND deleted = 0", NULL);
  gint64 count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

/* S1-4: in pipelines marked "next_task_required", an open deal always keeps an open
 * task: completing the last one needs the next, and so does a move. Checked after the
 * rules, since a rule may create the next task itself. */
static gboolean
gate_next_task (CrmStore         *store,
                const CrmOp      *op,
                const CrmChange  *change,
                GError          **error)
{
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) pipeline = NULL;
  g_auto(StageInfo) stage = { 0 };
  JsonObject *refusal;

  if (op_completes_task (op))
    deal_id = _crm_store_dup_column (store, "task", op->entity_id, "deal");
  else if (op_enters_stage (op, change))
    deal_id = g_strdup (op->entity_id);
  if (deal_id == NULL)
    return TRUE;

  deal = crm_store_dup_entity (store, "deal", deal_id);
  if (deal == NULL || deal_is_deleted (deal) ||
      !load_stage (store, json_object_get_string_member_with_default (deal, "stage", NULL),
                   &stage) ||
      (g_strcmp0 (stage.kind, "open") != 0 && g_strcmp0 (stage.kind, "unsorted") != 0))
    return TRUE;
  pipeline = crm_store_dup_entity (store, "pipeline", stage.pipeline);
  if (pipeline == NULL ||
      !json_object_get_boolean_member_with_default (pipeline, "next_task_required", FALSE) ||
      count_open_tasks (store, deal_id) > 0)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "next-task-required");
  json_object_set_string_member (refusal, "deal", deal_id);
  json_object_set_string_member (refusal, "stage", stage.name);
  _crm_store_set_refusal (store, refusal);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NEXT_TASK_REQUIRED,
               _("Deal “%s” would be left without an open task; set the next task in "
                 "the same step"),
               json_object_get_string_member_with_default (deal, "title", ""));
  return FALSE;
}

void
_crm_gates_install (CrmStore *self)
{
  _crm_store_add_gate (self, gate_admin_only);
  _crm_store_add_gate (self, gate_stage_in_pipeline);
  _crm_store_add_gate (self, gate_required_fields);
  _crm_store_add_gate (self, gate_loss_reason);
  _crm_store_add_gate (self, gate_attachment);
  _crm_store_add_gate (self, gate_call_result);
  _crm_store_add_final_gate (self, gate_next_task);
}
