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
#include "crm-validate.h"

typedef struct {
  char     *id;
  char     *name;
  char     *pipeline;
  char     *kind;
  gint64    position;
  gboolean  requires_attachment;
  gboolean  requires_photo;
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
    "SELECT name, pipeline, kind, position,"
    " coalesce (json_extract (data, '$.requires_attachment'), 0) = 1,"
    " coalesce (json_extract (data, '$.requires_photo'), 0) = 1"
    " FROM stage WHERE id = ?1 AND deleted = 0", NULL);
  gboolean found = FALSE;

  if (stmt == NULL || stage_id == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, stage_id, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      info->id = g_strdup (stage_id);
      info->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      info->pipeline = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      info->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      info->position = sqlite3_column_int64 (stmt, 3);
      info->requires_attachment = sqlite3_column_int (stmt, 4) != 0;
      info->requires_photo = sqlite3_column_int (stmt, 5) != 0;
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

/* Does this op put the deal on a (possibly new) stage? Only then are stage gates due. */
static gboolean
op_enters_stage (const CrmOp *op)
{
  return g_str_equal (op->entity, "deal") &&
         (op->created || json_object_has_member (op->fields, "stage") ||
          json_object_has_member (op->fields, "pipeline"));
}

/* What the deal gates read of a deal, read once per op: the columns they test, and the
 * whole entity (custom fields included) only when a required field must be looked at. */
typedef struct {
  const char *id;
  char       *stage;
  char       *pipeline;
  char       *loss_reason;
  char       *title;
  gboolean    found;
  gboolean    deleted;
  JsonObject *entity;
} DealHead;

static void
deal_head_clear (DealHead *head)
{
  g_clear_pointer (&head->stage, g_free);
  g_clear_pointer (&head->pipeline, g_free);
  g_clear_pointer (&head->loss_reason, g_free);
  g_clear_pointer (&head->title, g_free);
  g_clear_pointer (&head->entity, json_object_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DealHead, deal_head_clear)

static gboolean
load_deal_head (CrmStore   *store,
                const char *deal_id,
                DealHead   *head)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT stage, pipeline, loss_reason, title, deleted FROM deal WHERE id = ?1", NULL);

  head->id = deal_id;
  if (stmt == NULL || deal_id == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      head->found = TRUE;
      head->stage = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      head->pipeline = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      head->loss_reason = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      head->title = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      head->deleted = sqlite3_column_int (stmt, 4) != 0;
    }
  sqlite3_reset (stmt);
  return head->found && !head->deleted;
}

static JsonNode *
deal_head_get_member (CrmStore   *store,
                      DealHead   *head,
                      const char *field)
{
  if (head->entity == NULL)
    head->entity = crm_store_dup_entity (store, "deal", head->id);
  return head->entity != NULL ? json_object_get_member (head->entity, field) : NULL;
}

/* A deal's stage must exist and belong to the deal's pipeline. */
static gboolean
check_stage_in_pipeline (CrmStore         *store,
                         const DealHead   *deal,
                         const StageInfo  *stage,
                         gboolean          stage_found,
                         GError          **error)
{
  if (!stage_found)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The deal has no stage, or its stage does not exist"));
      return FALSE;
    }
  if (g_strcmp0 (stage->pipeline, deal->pipeline) != 0)
    {
      g_autofree char *pipeline_name = _crm_store_dup_column (store, "pipeline",
                                                              deal->pipeline, "name");
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Stage “%s” is not a stage of pipeline “%s”"), stage->name,
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
check_required_fields (CrmStore         *store,
                       DealHead         *deal,
                       const StageInfo  *stage,
                       GError          **error)
{
  g_autoptr(JsonArray) missing = NULL;
  g_autoptr(GString) labels = NULL;
  sqlite3_stmt *stmt;

  stmt = _crm_store_prepare (store,
    "SELECT key, label, type, choices, required_stages FROM field"
    " WHERE entity = 'deal' AND deleted = 0 AND required_stages IS NOT NULL"
    " AND required_stages != '[]' ORDER BY position, key", error);
  if (stmt == NULL)
    return FALSE;

  missing = json_array_new ();
  labels = g_string_new (NULL);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);
      const char *label = (const char *) sqlite3_column_text (stmt, 1);
      JsonObject *field;

      if (!required_by_stage (store, (const char *) sqlite3_column_text (stmt, 4), stage) ||
          !value_is_empty (deal_head_get_member (store, deal, key)))
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
      /* people know a field by its label; the refusal's "fields" carry the keys for
       * scripts (voronkactl names them under the message) */
      g_string_append_printf (labels, "%s«%s»", labels->len ? ", " : "", label ? label : key);
    }
  sqlite3_reset (stmt);

  if (json_array_get_length (missing) > 0)
    {
      JsonObject *refusal = json_object_new ();

      json_object_set_string_member (refusal, "name", "required-field");
      json_object_set_string_member (refusal, "deal", deal->id);
      json_object_set_string_member (refusal, "stage", stage->name);
      json_object_set_string_member (refusal, "stage_id", stage->id);
      json_object_set_array_member (refusal, "fields", g_steal_pointer (&missing));
      _crm_store_set_refusal (store, refusal);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_REQUIRED_FIELD,
                   _("Stage “%s” needs these fields filled in first: %s"),
                   stage->name, labels->str);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_loss_reason (CrmStore         *store,
                   const DealHead   *deal,
                   const StageInfo  *stage,
                   GError          **error)
{
  g_autoptr(JsonArray) choices = json_array_new ();
  g_autoptr(GString) names = g_string_new (NULL);
  gboolean reason_ok = FALSE;
  sqlite3_stmt *stmt;
  JsonObject *refusal;

  stmt = _crm_store_prepare (store,
    "SELECT id, name FROM loss_reason WHERE deleted = 0"
    " AND (pipeline = ?1 OR pipeline IS NULL) ORDER BY position, name", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal->pipeline, -1, SQLITE_TRANSIENT);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);

      if (g_strcmp0 (id, deal->loss_reason) == 0)
        reason_ok = TRUE;
      json_array_add_string_element (choices, name);
      g_string_append_printf (names, "%s«%s»", names->len ? ", " : "", name);
    }
  sqlite3_reset (stmt);
  if (reason_ok)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "loss-reason-required");
  json_object_set_string_member (refusal, "deal", deal->id);
  json_object_set_string_member (refusal, "stage", stage->name);
  json_object_set_string_member (refusal, "stage_id", stage->id);
  json_object_set_array_member (refusal, "choices", g_steal_pointer (&choices));
  _crm_store_set_refusal (store, refusal);

  if (deal->loss_reason == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED,
                 _("Closing a deal at “%s” needs a loss reason; choose one of: %s"),
                 stage->name, names->str);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_LOSS_REASON_REQUIRED,
                 _("That loss reason is not in this pipeline's list; choose one of: %s"),
                 names->str);
  return FALSE;
}

/* S1-6: stages marked "requires_attachment" take a deal only with a file attached, those
 * marked "requires_photo" only with an image (its type is checked by content: on the
 * laptop when it is attached, on the server when it is uploaded and pushed). */
static gboolean
check_attachment (CrmStore         *store,
                  const DealHead   *deal,
                  const StageInfo  *stage,
                  GError          **error)
{
  sqlite3_stmt *stmt;
  gboolean found;
  JsonObject *refusal;

  stmt = _crm_store_prepare (store,
    stage->requires_photo
    ? "SELECT 1 FROM attachment WHERE entity = 'deal' AND entity_id = ?1 AND deleted = 0"
      " AND mime LIKE 'image/%' LIMIT 1"
    : "SELECT 1 FROM attachment WHERE entity = 'deal' AND entity_id = ?1 AND deleted = 0 LIMIT 1",
    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal->id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (found)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "attachment-required");
  json_object_set_string_member (refusal, "deal", deal->id);
  json_object_set_string_member (refusal, "stage", stage->name);
  json_object_set_boolean_member (refusal, "photo", stage->requires_photo);
  _crm_store_set_refusal (store, refusal);
  if (stage->requires_photo)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_ATTACHMENT_REQUIRED,
                 _("Stage “%s” needs a photo attached to the deal first (an image: JPEG, PNG, "
                   "HEIC, WebP, GIF)"), stage->name);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_ATTACHMENT_REQUIRED,
                 _("Stage “%s” needs a photo or file attached to the deal first"),
                 stage->name);
  return FALSE;
}

/* The gates of a deal's stage, in this order: the stage belongs to the deal's pipeline,
 * the fields required up to the stage are filled in (not on lost stages), a lost stage
 * has a loss reason from the pipeline's list, the stage's attachment is there. The deal
 * and its stage are read once for all of them. */
static gboolean
gate_deal_stage (CrmStore         *store,
                 const CrmOp      *op,
                 GError          **error)
{
  g_auto(DealHead) deal = { 0 };
  g_auto(StageInfo) stage = { 0 };
  gboolean enters = op_enters_stage (op);
  gboolean stage_found;

  if (!enters && !(g_str_equal (op->entity, "deal") &&
                   json_object_has_member (op->fields, "loss_reason")))
    return TRUE;
  if (!load_deal_head (store, op->entity_id, &deal))
    return TRUE;
  stage_found = load_stage (store, deal.stage, &stage);
  if (enters && !check_stage_in_pipeline (store, &deal, &stage, stage_found, error))
    return FALSE;
  if (!stage_found)
    return TRUE;
  if (enters && g_strcmp0 (stage.kind, "lost") != 0 &&
      !check_required_fields (store, &deal, &stage, error))
    return FALSE;
  if (g_strcmp0 (stage.kind, "lost") == 0 && !check_loss_reason (store, &deal, &stage, error))
    return FALSE;
  if (enters && (stage.requires_attachment || stage.requires_photo) && !check_attachment (store, &deal, &stage, error))
    return FALSE;
  return TRUE;
}

/* Every op's references name entities the replica has (crm-validate.c). */
static gboolean
gate_references (CrmStore     *store,
                 const CrmOp  *op,
                 GError      **error)
{
  return crm_validate_op_references (store, op, error);
}

/* What the acting user's role allows (crm-validate.c). A change set without an actor is
 * the system's own (template import, sync, timer rules). */
static gboolean
gate_rights (CrmStore     *store,
             const CrmOp  *op,
             GError      **error)
{
  g_autofree char *role = NULL;
  JsonObject *refusal;

  if (op->actor == NULL)
    return TRUE;
  role = _crm_store_dup_column (store, "user", op->actor, "role");
  if (crm_validate_op_rights (store, op, op->actor, role, error))
    return TRUE;
  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "permission-denied");
  json_object_set_string_member (refusal, "entity", op->entity);
  _crm_store_set_refusal (store, refusal);
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
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
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
                GError          **error)
{
  g_autofree char *deal_id = NULL;
  g_auto(DealHead) deal = { 0 };
  g_auto(StageInfo) stage = { 0 };
  sqlite3_stmt *stmt;
  gboolean required = FALSE;
  JsonObject *refusal;

  if (op_completes_task (op))
    deal_id = _crm_store_dup_column (store, "task", op->entity_id, "deal");
  else if (op_enters_stage (op))
    deal_id = g_strdup (op->entity_id);
  if (deal_id == NULL)
    return TRUE;

  if (!load_deal_head (store, deal_id, &deal) || !load_stage (store, deal.stage, &stage) ||
      (g_strcmp0 (stage.kind, "open") != 0 && g_strcmp0 (stage.kind, "unsorted") != 0))
    return TRUE;
  stmt = _crm_store_prepare (store,
    "SELECT coalesce (json_extract (data, '$.next_task_required'), 0) = 1"
    " FROM pipeline WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, stage.pipeline, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    required = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (!required || count_open_tasks (store, deal_id) > 0)
    return TRUE;

  refusal = json_object_new ();
  json_object_set_string_member (refusal, "name", "next-task-required");
  json_object_set_string_member (refusal, "deal", deal_id);
  json_object_set_string_member (refusal, "stage", stage.name);
  _crm_store_set_refusal (store, refusal);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NEXT_TASK_REQUIRED,
               _("Deal “%s” would be left without an open task; set the next task in "
                 "the same step"),
               deal.title != NULL ? deal.title : "");
  return FALSE;
}

void
_crm_gates_install (CrmStore *self)
{
  _crm_store_add_gate (self, gate_rights);
  _crm_store_add_gate (self, gate_references);
  _crm_store_add_gate (self, gate_deal_stage);
  _crm_store_add_gate (self, gate_call_result);
  _crm_store_add_final_gate (self, gate_next_task);
  /* not a gate: remembers which ops each change set wrote, for undo (crm-undo.c) */
  _crm_undo_install (self);
}

gboolean
crm_validate_op_gates (CrmStore     *store,
                       const CrmOp  *op,
                       GError      **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  return gate_deal_stage (store, op, error) &&
         gate_call_result (store, op, error) &&
         gate_next_task (store, op, error);
}
