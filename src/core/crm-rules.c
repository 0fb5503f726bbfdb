/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rules.c — the automation engine. A rule is data:
 *
 *   {"trigger": {"type": "stage_entered", "pipeline": "Отказники", …},
 *    "conditions": [{"type": "field_in", "field": "payment_type", "values": […]}, …],
 *    "actions": [{"type": "create_task", "text": "…", "due": {"days": 45}}, …]}
 *
 * ("triggers": [..] gives several triggers to one rule.) Event rules run inside the
 * transaction of the change that triggered them (crm_store_apply): every op written is
 * matched against every enabled rule, and the ops a rule writes are matched in turn,
 * up to CRM_RULES_MAX_DEPTH — deeper is a loop, refused with CRM_RULE_ERROR_LOOP. An
 * entity a rule creates gets the id UUIDv5(rule id, "<trigger op id>/<action path>"), so two
 * replicas running one rule on one op make one entity, which merge keeps as one.
 * Timer rules run from crm_rules_tick() with "timer:<entity>:<deadline>" in place of
 * the trigger op id. Names of pipelines, stages, users, tags and reasons are resolved
 * when the rule runs, by name or id. See data/templates/README.md for every type.
 *
 * This file is the engine: loading rules, matching triggers, the queue of ops, the hook
 * in crm_store_apply, and the helpers the other parts share (crm-rules-private.h).
 * Conditions are in crm-rule-conditions.c, actions in crm-rule-actions.c, timer rules in
 * crm-rule-timers.c, the check of a rule's shape in crm-rule-validate.c. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-message.h"
#include "crm-rules-private.h"
#include "crm-json-private.h"
#include "crm-query.h"
#include "crm-uuid.h"

G_DEFINE_QUARK (crm-rule-error-quark, crm_rule_error)

static void
rule_free (CrmRule *rule)
{
  g_free (rule->id);
  g_free (rule->name);
  g_clear_pointer (&rule->definition, json_object_unref);
  g_clear_pointer (&rule->triggers, json_array_unref);
  g_free (rule);
}

/* --- small helpers -------------------------------------------------------------------- */

/* Scalar JSON equality, with "yes"/"no" standing for true/false. */
gboolean
_crm_rule_values_equal (JsonNode *a,
                        JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (JSON_NODE_HOLDS_NULL (a) || JSON_NODE_HOLDS_NULL (b))
    return JSON_NODE_HOLDS_NULL (a) && JSON_NODE_HOLDS_NULL (b);
  if (!JSON_NODE_HOLDS_VALUE (a) || !JSON_NODE_HOLDS_VALUE (b))
    return FALSE;
  if (json_node_get_value_type (a) == G_TYPE_BOOLEAN &&
      json_node_get_value_type (b) == G_TYPE_STRING)
    return _crm_rule_values_equal (b, a);
  if (json_node_get_value_type (a) == G_TYPE_STRING &&
      json_node_get_value_type (b) == G_TYPE_BOOLEAN)
    {
      const char *text = json_node_get_string (a);
      gboolean truth = g_strcmp0 (text, "yes") == 0 || g_strcmp0 (text, "true") == 0;
      gboolean falsity = g_strcmp0 (text, "no") == 0 || g_strcmp0 (text, "false") == 0;

      return json_node_get_boolean (b) ? truth : falsity;
    }
  if (json_node_get_value_type (a) != json_node_get_value_type (b))
    return FALSE;
  switch (json_node_get_value_type (a))
    {
    case G_TYPE_STRING:
      return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
    case G_TYPE_INT64:
      return json_node_get_int (a) == json_node_get_int (b);
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (a) == json_node_get_boolean (b);
    default:
      return json_node_get_double (a) == json_node_get_double (b);
    }
}

gboolean
_crm_rule_value_in (JsonNode *value,
                    JsonNode *choices)
{
  if (choices == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (choices))
    {
      JsonArray *array = json_node_get_array (choices);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (_crm_rule_values_equal (value, json_array_get_element (array, i)))
          return TRUE;
      return FALSE;
    }
  return _crm_rule_values_equal (value, choices);
}

/* Resolve a name or id; NULL (quietly) when it is not there. */
char *
_crm_rule_resolve (CrmRuleEngine *engine,
                   const char    *entity,
                   const char    *name,
                   const char    *scope)
{
  g_autofree char *key = NULL;
  const char *cached;
  char *id;

  if (name == NULL)
    return NULL;
  /* rules name the same pipelines and stages over and over; within one run the
   * answers cannot change (rules do not rename setup) */
  key = g_strjoin ("\x1f", entity, scope != NULL ? scope : "", name, NULL);
  cached = g_hash_table_lookup (engine->names, key);
  if (cached != NULL)
    return *cached != '\0' ? g_strdup (cached) : NULL;
  id = crm_query_resolve (engine->store, entity, name, scope, NULL);
  g_hash_table_insert (engine->names, g_steal_pointer (&key), g_strdup (id != NULL ? id : ""));
  return id;
}

char *
_crm_rule_resolve_stage (CrmRuleEngine  *engine,
                         const char     *pipeline_name,
                         const char     *stage_name,
                         char          **out_pipeline)
{
  g_autofree char *pipeline = _crm_rule_resolve (engine, "pipeline", pipeline_name, NULL);
  char *stage = pipeline ? _crm_rule_resolve (engine, "stage", stage_name, pipeline) : NULL;

  if (out_pipeline != NULL)
    *out_pipeline = g_steal_pointer (&pipeline);
  return stage;
}

static char *
stage_kind (CrmRuleEngine *engine,
            const char    *stage_id)
{
  return _crm_store_dup_column (engine->store, "stage", stage_id, "kind");
}

gboolean
_crm_rule_deal_has_tag (CrmRuleEngine *engine,
                        const char    *deal_id,
                        const char    *tag_id)
{
  g_autofree char *link = crm_uuid_link ("deal_tag", deal_id, tag_id);
  gint64 present = 0;

  return _crm_store_get_int_column (engine->store, "deal_tag", link, "present", &present) &&
         present != 0;
}

/* Tags of a deal (ids and names), optionally only of one group. */
GPtrArray *
_crm_rule_deal_tags (CrmRuleEngine  *engine,
                     const char     *deal_id,
                     const char     *group,
                     GPtrArray     **out_names)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT t.id, t.name FROM deal_tag dt JOIN tag t ON t.id = dt.tag"
    " WHERE dt.deal = ?1 AND dt.present = 1 AND dt.deleted = 0 AND t.deleted = 0"
    " AND (?2 IS NULL OR t.grp = ?2) ORDER BY t.name", NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (out_names != NULL)
    *out_names = g_ptr_array_new_with_free_func (g_free);
  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (group != NULL)
    sqlite3_bind_text (stmt, 2, group, -1, SQLITE_TRANSIENT);
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      if (out_names != NULL)
        g_ptr_array_add (*out_names, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  return ids;
}

/* The ids of the pipelines named in @names as a JSON array text for json_each(), or
 * NULL when @names is NULL (no restriction). */
char *
_crm_rule_pipeline_ids_json (CrmRuleEngine *engine,
                             JsonArray     *names)
{
  g_autoptr(JsonArray) ids = NULL;

  if (names == NULL)
    return NULL;
  ids = json_array_new ();
  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      g_autofree char *id =
        _crm_rule_resolve (engine, "pipeline", json_array_get_string_element (names, i), NULL);
      if (id != NULL)
        json_array_add_string_element (ids, id);
    }
  {
    g_autoptr(JsonNode) node = crm_json_node_take_array (json_array_ref (ids));
    return crm_json_to_canonical (node);
  }
}

static gint64
add_working_days (gint64 from_ms,
                  gint64 days)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (from_ms / 1000);
  gint64 remainder = from_ms % 1000;

  while (days > 0)
    {
      GDateTime *next = g_date_time_add_days (dt, 1);
      int weekday;

      g_date_time_unref (dt);
      dt = next;
      weekday = g_date_time_get_day_of_week (dt);
      if (weekday <= 5)
        days--;
    }
  return g_date_time_to_unix (dt) * 1000 + remainder;
}

/* {"minutes": N} | {"days": N} | {"working_days": N} | {"today": true} after @from. */
gint64
_crm_rule_offset_time (JsonObject *offset,
                       gint64      from_ms)
{
  if (offset == NULL)
    return from_ms;
  if (json_object_has_member (offset, "minutes"))
    return from_ms + json_object_get_int_member (offset, "minutes") * CRM_MS_PER_MINUTE;
  if (json_object_has_member (offset, "days"))
    return from_ms + json_object_get_int_member (offset, "days") * CRM_MS_PER_DAY;
  if (json_object_has_member (offset, "working_days"))
    return add_working_days (from_ms, json_object_get_int_member (offset, "working_days"));
  return from_ms;
}

/* --- triggers ------------------------------------------------------------------------------ */

/* Does @trigger fire on @op? On a match, *out_deal gets the deal the rule acts on (the
 * op's deal, or a completed task's deal; NULL for contacts and companies). */
static gboolean
trigger_matches (CrmRuleEngine  *engine,
                 JsonObject     *trigger,
                 const CrmOp    *op,
                 const char     *deal_pipeline,
                 const char     *deal_stage,
                 char          **out_deal)
{
  const char *type = get_string (trigger, "type");
  const char *pipeline_name = get_string (trigger, "pipeline");
  const char *stage_name = get_string (trigger, "stage");
  g_autofree char *kind = NULL;
  gboolean is_deal = g_str_equal (op->entity, "deal");
  gboolean enters_stage = is_deal && (op->created || json_object_has_member (op->fields,
                                                                             "stage"));

  *out_deal = NULL;
  if (type == NULL || g_str_equal (type, "timer"))
    return FALSE;
  if (g_str_equal (type, "task_due_set"))
    return _crm_rule_schedule_trigger_matches (engine, trigger, op, out_deal);

  if (g_str_equal (type, "contact_created") || g_str_equal (type, "company_created"))
    return op->created && g_str_has_prefix (type, op->entity) &&
           type[strlen (op->entity)] == '_';

  if (g_str_equal (type, "message_opened"))
    {
      /* S4-9: the first time the recipient opened an e-mail (the server writes it when
       * its tracking image is fetched); "template" names the template it came from */
      const char *status = get_string (op->fields, "status");
      const char *template_name = get_string (trigger, "template");

      if (!g_str_equal (op->entity, "message") || g_strcmp0 (status, "opened") != 0 ||
          (op->previous != NULL && g_strcmp0 (get_string (op->previous, "status"), "opened") == 0))
        return FALSE;
      if (template_name != NULL)
        {
          g_autoptr(JsonObject) message = crm_store_dup_entity (engine->store, "message",
                                                                op->entity_id);

          if (message == NULL || !crm_message_from_template (engine->store, message,
                                                             template_name))
            return FALSE;
        }
      *out_deal = _crm_store_dup_column (engine->store, "message", op->entity_id, "deal");
      if (*out_deal == NULL)
        {
          /* an e-mail of a mailing (S4-2) is about its contact, not a deal */
          g_autofree char *recipient = _crm_store_dup_column (engine->store, "message",
                                                              op->entity_id, "recipient");

          return recipient != NULL && _crm_rule_entity_exists (engine, "contact", recipient);
        }
      return TRUE;
    }

  if (g_str_equal (type, "task_completed"))
    {
      JsonNode *done = json_object_get_member (op->fields, "done");
      const char *task_type = get_string (trigger, "task_type");

      if (!g_str_equal (op->entity, "task") || done == NULL ||
          json_node_get_value_type (done) != G_TYPE_BOOLEAN || !json_node_get_boolean (done))
        return FALSE;
      if (task_type != NULL)
        {
          g_autofree char *actual = _crm_store_dup_column (engine->store, "task", op->entity_id,
                                                           "type");
          if (g_strcmp0 (actual, task_type) != 0)
            return FALSE;
        }
      if (!_crm_rule_task_result_matches (engine, trigger, op))
        return FALSE;
      *out_deal = _crm_store_dup_column (engine->store, "task", op->entity_id, "deal");
      return TRUE;
    }

  if (!is_deal)
    return FALSE;
  if (deal_stage == NULL)
    return FALSE;  /* deleted */

  if (pipeline_name != NULL)
    {
      g_autofree char *pipeline = _crm_rule_resolve (engine, "pipeline", pipeline_name, NULL);
      if (g_strcmp0 (pipeline, deal_pipeline) != 0)
        return FALSE;
    }
  if (stage_name != NULL)
    {
      g_autofree char *stage = _crm_rule_resolve (engine, "stage", stage_name, deal_pipeline);
      if (g_strcmp0 (stage, deal_stage) != 0)
        return FALSE;
    }

  if (g_str_equal (type, "deal_created"))
    {
      if (!op->created)
        return FALSE;
    }
  else if (g_str_equal (type, "stage_entered"))
    {
      if (!enters_stage)
        return FALSE;
    }
  else if (g_str_equal (type, "field_changed"))
    {
      const char *field = get_string (trigger, "field");
      JsonNode *value = field ? json_object_get_member (op->fields, field) : NULL;
      JsonNode *to = json_object_get_member (trigger, "to");

      if (value == NULL || (to != NULL && !_crm_rule_value_in (value, to)))
        return FALSE;
      /* writing the value it already had is no change */
      if (op->previous != NULL && json_object_has_member (op->previous, field) &&
          _crm_rule_values_equal (json_object_get_member (op->previous, field), value))
        return FALSE;
    }
  else if (g_str_equal (type, "deal_won") || g_str_equal (type, "deal_lost"))
    {
      const char *from_stage = get_string (trigger, "from_stage");

      if (!enters_stage)
        return FALSE;
      kind = stage_kind (engine, deal_stage);
      if (g_strcmp0 (kind, g_str_equal (type, "deal_won") ? "won" : "lost") != 0)
        return FALSE;
      if (from_stage != NULL)
        {
          g_autofree char *from = _crm_rule_resolve (engine, "stage", from_stage, deal_pipeline);
          const char *previous = op->previous ? get_string (op->previous, "stage") : NULL;

          if (from == NULL || g_strcmp0 (from, previous) != 0)
            return FALSE;
        }
    }
  else
    return FALSE;

  *out_deal = g_strdup (op->entity_id);
  return TRUE;
}

/* A rule's triggers: its "triggers", or its one "trigger" (older rules), or none. */
static JsonArray *
rule_triggers (JsonObject *definition)
{
  JsonArray *triggers = get_array (definition, "triggers");
  JsonObject *trigger = get_object (definition, "trigger");
  JsonArray *one = json_array_new ();

  if (triggers != NULL)
    {
      json_array_unref (one);
      return json_array_ref (triggers);
    }
  if (trigger != NULL)
    json_array_add_object_element (one, json_object_ref (trigger));
  return one;
}

/* --- loading rules --------------------------------------------------------------------------- */

CrmRule *
_crm_rule_new (const char *id,
               const char *name,
               JsonObject *definition)
{
  CrmRule *rule = g_new0 (CrmRule, 1);

  rule->id = g_strdup (id);
  rule->name = g_strdup (name);
  rule->definition = json_object_ref (definition);
  rule->triggers = rule_triggers (definition);
  return rule;
}

static GPtrArray *
load_rules (CrmStore  *store,
            GError   **error)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, name, definition FROM rule WHERE deleted = 0 AND enabled = 1"
    " ORDER BY position, name, id", error);

  if (stmt == NULL)
    return NULL;
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 2),
                                                   NULL);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;  /* a rule this version cannot read stays inert, not fatal */
      g_ptr_array_add (rules, _crm_rule_new ((const char *) sqlite3_column_text (stmt, 0),
                                             (const char *) sqlite3_column_text (stmt, 1),
                                             json_node_get_object (node)));
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&rules);
}

/* Run every matching rule on every queued op not run yet, oldest first; new ops join
 * the queue. */
gboolean
_crm_rules_drain_queue (CrmRuleEngine  *engine,
                        GError        **error)
{
  for (guint q = engine->drained; q < engine->queue->len; q++)
    {
      CrmRuleQueueItem item = g_array_index (engine->queue, CrmRuleQueueItem, q);
      /* where the op's deal is now: read once per op, not once per rule */
      gboolean is_deal = g_str_equal (item.op->entity, "deal");
      g_autofree char *deal_pipeline =
        is_deal ? _crm_store_dup_column (engine->store, "deal", item.op->entity_id, "pipeline")
                : NULL;
      g_autofree char *deal_stage =
        is_deal ? _crm_store_dup_column (engine->store, "deal", item.op->entity_id, "stage")
                : NULL;

      if (!_crm_rule_close_stage_tasks (engine, item.op, error))
        return FALSE;
      for (guint r = 0; r < engine->rules->len; r++)
        {
          const CrmRule *rule = g_ptr_array_index (engine->rules, r);
          JsonArray *triggers = rule->triggers;

          for (guint t = 0; t < json_array_get_length (triggers); t++)
            {
              JsonNode *node = json_array_get_element (triggers, t);
              g_autofree char *deal = NULL;
              g_autofree char *contact = NULL;
              CrmRuleContext ctx = { 0 };

              if (!JSON_NODE_HOLDS_OBJECT (node) ||
                  !trigger_matches (engine, json_node_get_object (node), item.op,
                                    deal_pipeline, deal_stage, &deal))
                continue;

              ctx.engine = engine;
              ctx.rule = rule;
              ctx.cause = item.op->op_id;
              ctx.actor = item.op->actor;
              ctx.depth = item.depth + 1;
              ctx.deal_id = deal;
              /* an opened e-mail of a mailing (no deal): its contact's manager acts */
              if (deal == NULL && g_str_equal (item.op->entity, "message"))
                {
                  g_free (contact);
                  contact = _crm_store_dup_column (engine->store, "message", item.op->entity_id,
                                                   "recipient");
                  if (!_crm_rule_entity_exists (engine, "contact", contact))
                    g_clear_pointer (&contact, g_free);
                  ctx.contact_id = contact;
                }
              if (!_crm_rule_check_conditions (&ctx, get_array (rule->definition, "conditions"),
                                               item.op))
                continue;
              g_debug ("Rule “%s” fires on op %s", rule->name, item.op->op_id);
              if (!_crm_rule_run_actions (&ctx, get_array (rule->definition, "actions"), "", error))
                return FALSE;
              break;  /* one firing per rule per op, however many triggers match */
            }
        }
    }
  engine->drained = engine->queue->len;
  return TRUE;
}

gboolean
_crm_rules_engine_init (CrmRuleEngine  *engine,
                        CrmStore       *store,
                        GError        **error)
{
  GPtrArray *rules = load_rules (store, error);

  if (rules == NULL)
    return FALSE;
  engine->store = store;
  engine->rules = rules;
  engine->queue = g_array_new (FALSE, FALSE, sizeof (CrmRuleQueueItem));
  engine->now = crm_store_get_now (store);
  engine->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return TRUE;
}

void
_crm_rules_engine_clear (CrmRuleEngine *engine)
{
  g_clear_pointer (&engine->rules, g_ptr_array_unref);
  g_clear_pointer (&engine->queue, g_array_unref);
  g_clear_pointer (&engine->names, g_hash_table_unref);
}

static void
queue_ops (CrmRuleEngine *engine,
           GPtrArray     *ops)
{
  for (guint i = 0; i < ops->len; i++)
    {
      CrmRuleQueueItem item = { g_ptr_array_index (ops, i), 0 };
      g_array_append_val (engine->queue, item);
    }
}

static gboolean
run_event_rules (CrmStore   *store,
                 GPtrArray  *ops,
                 GError    **error)
{
  g_auto(CrmRuleEngine) engine = { 0 };

  if (!_crm_rules_engine_init (&engine, store, error))
    return FALSE;
  if (engine.rules->len == 0)
    return TRUE;
  queue_ops (&engine, ops);
  return _crm_rules_drain_queue (&engine, error);
}

void
_crm_rules_install (CrmStore *self)
{
  _crm_store_set_rules_hook (self, run_event_rules);
}

/* --- replaying ops -------------------------------------------------------------------------- */

static gboolean
run_for_ops (CrmStore  *store,
             gpointer   user_data,
             GError   **error)
{
  g_auto(CrmRuleEngine) engine = { 0 };

  if (!_crm_rules_engine_init (&engine, store, error))
    return FALSE;
  queue_ops (&engine, user_data);
  return _crm_rules_drain_queue (&engine, error);
}

gboolean
crm_rules_run_for_ops (CrmStore   *store,
                       GPtrArray  *ops,
                       GError    **error)
{
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  _crm_store_set_rules_hook (store, NULL);
  ok = _crm_store_transact (store, run_for_ops, ops, error);
  _crm_rules_install (store);
  return ok;
}

/* --- listing ------------------------------------------------------------------------------- */

JsonNode *
crm_rules_list (CrmStore  *store,
                GError   **error)
{
  JsonArray *list = json_array_new ();
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, name, enabled, position, definition FROM rule WHERE deleted = 0"
    " ORDER BY position, name, id", error);

  if (stmt == NULL)
    {
      json_array_unref (list);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      g_autoptr(JsonNode) definition = json_from_string (
        (const char *) sqlite3_column_text (stmt, 4), NULL);

      json_object_set_string_member (item, "id", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (item, "name", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_boolean_member (item, "enabled", sqlite3_column_int (stmt, 2) != 0);
      json_object_set_int_member (item, "position", sqlite3_column_int64 (stmt, 3));
      if (definition != NULL && JSON_NODE_HOLDS_OBJECT (definition))
        {
          JsonObject *def = json_node_get_object (definition);
          /* "spec": the requirement a shipped rule implements (S0-2), for admins and
           * tests, never part of its name on screen */
          const char *keys[] = { "spec", "trigger", "triggers", "conditions", "actions" };

          for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
            if (json_object_has_member (def, keys[k]))
              json_object_set_member (item, keys[k],
                                      json_node_copy (json_object_get_member (def, keys[k])));
        }
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  return crm_json_node_take_array (list);
}
