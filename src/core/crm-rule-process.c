/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-process.c — the parts of the automation engine a sales process needs beyond
 * single events (SPEC S2): a call task's result as a trigger, counter fields (increment,
 * condition on the value), closing a deal as lost with a reason, messages and
 * notifications to every member of a group with the deal's fields, invariant timers (a
 * state that lasts: a deal without an open task, overdue tasks piling up for a user, a
 * request not taken into work), and a stage's auto-tasks following the deal (closed
 * «закрыта вместе с этапом» when it leaves the stage or closes). The engine calls these
 * from one line each in crm-rules.c, crm-rule-conditions.c, crm-rule-actions.c and
 * crm-rule-timers.c; data/templates/README.md describes the rule keys. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"
#include "crm-describe.h"
#include "crm-json-private.h"

/* What a task closed because its deal left the stage says as its result (data, like
 * stage names: the same words on every replica, whatever the language of the device
 * that closed it). */
#define CLOSED_WITH_STAGE "закрыта вместе с этапом"

/* --- trigger: a task completed with a result ------------------------------------------- */

static char *
normalized (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *folded = g_utf8_casefold (copy, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_ALL_COMPOSE);
}

static gboolean
result_in (const char *result,
           JsonNode   *choices)
{
  g_autofree char *actual = normalized (result);

  if (JSON_NODE_HOLDS_ARRAY (choices))
    {
      JsonArray *array = json_node_get_array (choices);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *wanted = normalized (json_array_get_string_element (array, i));
          if (g_strcmp0 (actual, wanted) == 0)
            return TRUE;
        }
      return FALSE;
    }
  if (JSON_NODE_HOLDS_VALUE (choices) && json_node_get_value_type (choices) == G_TYPE_STRING)
    {
      g_autofree char *wanted = normalized (json_node_get_string (choices));
      return g_strcmp0 (actual, wanted) == 0;
    }
  return FALSE;
}

/* "task_completed" with "result": the completed task's result is one of these (case and
 * surrounding spaces aside: people type it). Without "result", any task matches. */
gboolean
_crm_rule_task_result_matches (CrmRuleEngine *engine,
                               JsonObject    *trigger,
                               const CrmOp   *op)
{
  JsonNode *wanted = json_object_get_member (trigger, "result");
  g_autofree char *result = NULL;

  if (wanted == NULL)
    return TRUE;
  result = _crm_store_dup_column (engine->store, "task", op->entity_id, "result");
  return result_in (result, wanted);
}

/* --- counters ------------------------------------------------------------------------------ */

static gint64
counter_value (JsonObject *deal,
               const char *field)
{
  JsonNode *value = deal != NULL && field != NULL ? json_object_get_member (deal, field) : NULL;

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (value);
}

/* {"type": "counter", "field": F, "equals" | "at_least" | "at_most": N}; no value is 0. */
gboolean
_crm_rule_check_counter (CrmRuleContext *ctx,
                         JsonObject     *condition,
                         JsonObject     *deal)
{
  gint64 value = counter_value (deal, get_string (condition, "field"));

  if (json_object_has_member (condition, "equals") &&
      value != json_object_get_int_member (condition, "equals"))
    return FALSE;
  if (json_object_has_member (condition, "at_least") &&
      value < json_object_get_int_member (condition, "at_least"))
    return FALSE;
  if (json_object_has_member (condition, "at_most") &&
      value > json_object_get_int_member (condition, "at_most"))
    return FALSE;
  return TRUE;
}

/* {"type": "increment", "field": F, "by": N (1)}: the deal's counter grows by N. */
gboolean
_crm_rule_action_increment (CrmRuleContext  *ctx,
                            JsonObject      *action,
                            GError         **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  const char *field = get_string (action, "field");
  gint64 by = json_object_has_member (action, "by") ? json_object_get_int_member (action, "by")
                                                    : 1;
  CrmChange *change;

  if (ctx->deal_id == NULL ||
      (deal = crm_store_dup_entity (ctx->engine->store, "deal", ctx->deal_id)) == NULL)
    return TRUE;
  change = crm_changeset_touch (cs, "deal", ctx->deal_id);
  crm_change_set_int (change, field, MAX (counter_value (deal, field) + by, 0));
  return _crm_rule_emit (ctx, change, error) != NULL;
}

/* --- closing a deal as lost --------------------------------------------------------------- */

/* {"type": "close_lost", "reason": R}: the deal goes to its pipeline's lost stage with
 * the loss reason R, as if a person had closed it (the loss-reason gate checks it the
 * same way). A deal already won or lost stays as it is. */
gboolean
_crm_rule_action_close_lost (CrmRuleContext  *ctx,
                             JsonObject      *action,
                             GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *lost = NULL;
  g_autofree char *reason = NULL;
  const char *reason_name = get_string (action, "reason");
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  sqlite3_stmt *stmt;
  CrmChange *change;

  if (ctx->deal_id == NULL)
    return TRUE;
  pipeline = _crm_store_dup_column (engine->store, "deal", ctx->deal_id, "pipeline");
  stage = _crm_store_dup_column (engine->store, "deal", ctx->deal_id, "stage");
  kind = stage != NULL ? _crm_store_dup_column (engine->store, "stage", stage, "kind") : NULL;
  if (pipeline == NULL || g_strcmp0 (kind, "won") == 0 || g_strcmp0 (kind, "lost") == 0)
    return TRUE;

  stmt = _crm_store_prepare (engine->store,
    "SELECT id FROM stage WHERE pipeline = ?1 AND kind = 'lost' AND deleted = 0"
    " ORDER BY position, id LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    lost = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (lost == NULL)
    return _crm_rule_unknown_target (ctx, N_("lost stage"), pipeline, error);
  reason = _crm_rule_resolve (engine, "loss_reason", reason_name, pipeline);
  if (reason == NULL)
    return _crm_rule_unknown_target (ctx, N_("loss reason"), reason_name, error);

  change = crm_changeset_touch (cs, "deal", ctx->deal_id);
  crm_change_set_string (change, "stage", lost);
  crm_change_set_string (change, "loss_reason", reason);
  crm_change_set_int (change, "stage_entered_at", engine->now);
  return _crm_rule_emit (ctx, change, error) != NULL;
}

/* --- recipients: a group's members, the deal's fields in the text ------------------------ */

static GPtrArray *
group_members (CrmRuleEngine *engine,
               const char    *group)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT id FROM user WHERE grp = ?1 AND deleted = 0 ORDER BY name, id", NULL);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, group, -1, SQLITE_TRANSIENT);
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

/* @text followed by one line per field of "fields": «Label: value» as people read it. */
static char *
text_with_fields (CrmRuleContext *ctx,
                  const char     *text,
                  JsonArray      *fields)
{
  g_autoptr(GString) out = g_string_new (text);
  g_autoptr(JsonObject) deal = NULL;

  if (fields == NULL || ctx->deal_id == NULL ||
      (deal = crm_store_dup_entity (ctx->engine->store, "deal", ctx->deal_id)) == NULL)
    return g_string_free (g_steal_pointer (&out), FALSE);
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      const char *field = json_array_get_string_element (fields, i);
      g_autofree char *label = crm_describe_field (ctx->engine->store, "deal", field);
      g_autofree char *value = crm_describe_value (ctx->engine->store, "deal", ctx->deal_id,
                                                   field, json_object_get_member (deal, field));

      g_string_append_printf (out, "\n%s: %s", label, value);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "notify" and "send_message" with the recipient key @key ("user", "to") naming
 * "group:G" run once per member of G (each with an id of its own); "fields" appends
 * the deal's fields to "text". */
gboolean
_crm_rule_for_recipients (CrmRuleContext   *ctx,
                          JsonObject       *action,
                          const char       *key,
                          const char       *path,
                          CrmRuleActionFunc func,
                          GError          **error)
{
  const char *recipient = get_string (action, key);
  JsonArray *fields = get_array (action, "fields");
  g_autoptr(JsonObject) copy = NULL;
  g_autoptr(GPtrArray) members = NULL;

  if (fields == NULL && (recipient == NULL || !g_str_has_prefix (recipient, "group:")))
    return func (ctx, action, path, error);

  copy = json_object_new ();
  {
    g_autoptr(GList) names = json_object_get_members (action);

    for (GList *l = names; l != NULL; l = l->next)
      json_object_set_member (copy, l->data,
                              json_node_copy (json_object_get_member (action, l->data)));
  }
  if (fields != NULL && get_string (action, "text") != NULL)
    {
      g_autofree char *text = text_with_fields (ctx, get_string (action, "text"), fields);
      json_object_set_string_member (copy, "text", text);
    }
  if (recipient == NULL || !g_str_has_prefix (recipient, "group:"))
    return func (ctx, copy, path, error);

  members = group_members (ctx->engine, recipient + strlen ("group:"));
  for (guint i = 0; i < members->len; i++)
    {
      g_autofree char *member_path = g_strdup_printf ("%s/%s", path, (char *) members->pdata[i]);

      json_object_set_string_member (copy, key, members->pdata[i]);
      if (!func (ctx, copy, member_path, error))
        return FALSE;
    }
  return TRUE;
}

/* --- the subject user of a timer ----------------------------------------------------------- */

/* "group_head" (no group named): the head of the group of the timer's subject user, or
 * of the deal's responsible. */
char *
_crm_rule_subject_group_head (CrmRuleContext *ctx)
{
  g_autofree char *user = ctx->user_id != NULL ? g_strdup (ctx->user_id)
                        : ctx->deal_id != NULL
                          ? _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id,
                                                   "responsible")
                          : NULL;
  g_autofree char *group = user != NULL ? _crm_store_dup_column (ctx->engine->store, "user",
                                                                 user, "grp")
                                        : NULL;
  g_autofree char *spec = NULL;

  if (group == NULL)
    return NULL;
  spec = g_strconcat ("group_head:", group, NULL);
  return _crm_rule_resolve_responsible (ctx, spec, NULL);
}

static gint64
count_overdue (CrmRuleEngine *engine,
               const char    *user)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT count(*) FROM task WHERE responsible = ?1 AND done = 0 AND deleted = 0"
    " AND due IS NOT NULL AND due <= ?2", NULL);
  gint64 count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, user, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, engine->now);
  if (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

/* "{user}" (the timer's subject user, else the deal's responsible) and "{overdue}" (how
 * many of that user's tasks are overdue) in texts. */
void
_crm_rule_expand_subject (CrmRuleContext *ctx,
                          GString        *text)
{
  g_autofree char *user = NULL;

  if (strstr (text->str, "{user}") == NULL && strstr (text->str, "{overdue}") == NULL)
    return;
  user = ctx->user_id != NULL ? g_strdup (ctx->user_id)
       : ctx->deal_id != NULL ? _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id,
                                                       "responsible")
       : NULL;
  if (strstr (text->str, "{user}") != NULL)
    {
      g_autofree char *name = user != NULL ? _crm_store_dup_column (ctx->engine->store, "user",
                                                                    user, "name")
                                           : NULL;
      g_string_replace (text, "{user}", name != NULL ? name : "", 0);
    }
  if (strstr (text->str, "{overdue}") != NULL)
    {
      g_autofree char *count = g_strdup_printf ("%lld", (long long) (user != NULL
                                                  ? count_overdue (ctx->engine, user) : 0));
      g_string_replace (text, "{overdue}", count, 0);
    }
}

/* --- tasks follow the deal ------------------------------------------------------------------ */

/* A task a rule creates on a deal remembers the stage it was made for ("auto_stage"). */
void
_crm_rule_mark_auto_task (CrmRuleContext *ctx,
                          CrmChange      *change)
{
  g_autofree char *stage = ctx->deal_id != NULL
    ? _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id, "stage") : NULL;

  if (stage != NULL)
    crm_change_set_string (change, "auto_stage", stage);
}

/* A deal op that moves the deal out of a stage closes that stage's open auto-tasks; one
 * that closes the deal (won or lost) closes all of them. Each is marked done with the
 * result «закрыта вместе с этапом», as the change of the person (or rule) who moved the
 * deal; it sets off no "task_completed" rule: nobody completed it. */
gboolean
_crm_rule_close_stage_tasks (CrmRuleEngine  *engine,
                             const CrmOp    *op,
                             GError        **error)
{
  const char *stage = get_string (op->fields, "stage");
  const char *previous = op->previous != NULL ? get_string (op->previous, "stage") : NULL;
  g_autofree char *kind = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  gboolean closes;
  sqlite3_stmt *stmt;

  if (!g_str_equal (op->entity, "deal") || op->created || stage == NULL || previous == NULL ||
      g_str_equal (stage, previous))
    return TRUE;
  kind = _crm_store_dup_column (engine->store, "stage", stage, "kind");
  closes = g_strcmp0 (kind, "won") == 0 || g_strcmp0 (kind, "lost") == 0;
  stmt = _crm_store_prepare (engine->store,
    "SELECT id FROM task WHERE deal = ?1 AND done = 0 AND deleted = 0"
    " AND json_extract (data, '$.auto_stage') IS NOT NULL"
    " AND (?2 = 1 OR json_extract (data, '$.auto_stage') = ?3) ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->entity_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, closes ? 1 : 0);
  sqlite3_bind_text (stmt, 3, previous, -1, SQLITE_TRANSIENT);
  tasks = g_ptr_array_new_with_free_func (g_free);
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    g_ptr_array_add (tasks, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint i = 0; i < tasks->len; i++)
    {
      g_autoptr(CrmChangeset) cs = crm_changeset_new ();
      CrmChange *change = crm_changeset_touch (cs, "task", tasks->pdata[i]);

      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_string (change, "result", CLOSED_WITH_STAGE);
      crm_change_set_int (change, "done_at", engine->now);
      if (_crm_store_write_change (engine->store, change, op->actor, op->op_id, NULL,
                                   error) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* --- invariant timers ---------------------------------------------------------------------- */

/* Timer "from" values whose deadline is counted from a state rather than an event:
 *   "not_taken"     a deal still at one of "stages" (names, any pipeline unless
 *                   "pipeline"), counted from its creation;
 *   "no_open_task"  an open deal without an open task (of "pipelines", if given),
 *                   counted from its creation or the last task done, whichever is later;
 *   "overdue_tasks" a user with more than "more_than" overdue open tasks, counted from
 *                   the moment the count passed it — the subject is the user, not a deal.
 * Each fires once per (rule, entity, deadline): a new deadline comes only with a new
 * state (another task done and the deal left without one again, tasks piling up anew). */
gboolean
_crm_rule_timer_is_invariant (JsonObject *trigger)
{
  const char *from = get_string (trigger, "from");

  return g_strcmp0 (from, "not_taken") == 0 || g_strcmp0 (from, "no_open_task") == 0 ||
         g_strcmp0 (from, "overdue_tasks") == 0;
}

void
_crm_rule_timer_subject (CrmRuleContext *ctx,
                         JsonObject     *trigger)
{
  if (g_strcmp0 (get_string (trigger, "from"), "overdue_tasks") == 0)
    {
      ctx->user_id = ctx->deal_id;
      ctx->deal_id = NULL;
    }
}

/* A timer rule's actions. An invariant timer, and a date field's timer, act as of the
 * deadline (the "now" of the times they write: created_at, due, stage_entered_at): the
 * server's tick and a laptop's, firing for the same (rule, entity, deadline), then write
 * the same entities with the same values. */
gboolean
_crm_rule_run_timer_actions (CrmRuleContext  *ctx,
                             JsonObject      *trigger,
                             gint64           deadline,
                             JsonArray       *actions,
                             GError         **error)
{
  gint64 now = ctx->engine->now;
  gboolean ok;

  if (!_crm_rule_timer_is_invariant (trigger) &&
      g_strcmp0 (get_string (trigger, "from"), "date_field") != 0)
    return _crm_rule_run_actions (ctx, actions, "", error);
  ctx->engine->now = deadline;
  ok = _crm_rule_run_actions (ctx, actions, "", error);
  ctx->engine->now = now;
  return ok;
}

static char *
names_json (JsonObject *trigger,
            const char *list_key,
            const char *one_key)
{
  JsonArray *names = get_array (trigger, list_key);
  g_autoptr(JsonArray) array = names != NULL ? json_array_ref (names) : json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  if (names == NULL && get_string (trigger, one_key) != NULL)
    json_array_add_string_element (array, get_string (trigger, one_key));
  node = crm_json_node_take_array (json_array_ref (array));
  return crm_json_to_canonical (node);
}

gboolean
_crm_rule_invariant_candidates (CrmRuleEngine  *engine,
                                JsonObject     *trigger,
                                GPtrArray      *ids,
                                GArray         *starts,
                                GError        **error)
{
  const char *from = get_string (trigger, "from");
  sqlite3_stmt *stmt;

  if (g_str_equal (from, "overdue_tasks"))
    {
      gint64 more_than = json_object_get_int_member_with_default (trigger, "more_than", 0);
      g_autofree char *current = NULL;
      gint64 seen = 0;

      stmt = _crm_store_prepare (engine->store,
        "SELECT responsible, due FROM task WHERE done = 0 AND deleted = 0"
        " AND responsible IS NOT NULL AND due IS NOT NULL AND due < ?1"
        " ORDER BY responsible, due, id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, engine->now);
      while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
        {
          const char *user = (const char *) sqlite3_column_text (stmt, 0);
          gint64 due = sqlite3_column_int64 (stmt, 1);

          if (g_strcmp0 (user, current) != 0)
            {
              g_free (current);
              current = g_strdup (user);
              seen = 0;
            }
          /* the (N+1)-th overdue task: from its due time on, more than N are overdue */
          if (seen++ == more_than)
            {
              g_ptr_array_add (ids, g_strdup (user));
              g_array_append_val (starts, due);
            }
        }
      sqlite3_reset (stmt);
      return TRUE;
    }

  if (g_str_equal (from, "not_taken"))
    {
      g_autofree char *stages = names_json (trigger, "stages", "stage");
      g_autofree char *pipeline = _crm_rule_resolve (engine, "pipeline",
                                                     get_string (trigger, "pipeline"), NULL);

      if (get_string (trigger, "pipeline") != NULL && pipeline == NULL)
        return TRUE;
      stmt = _crm_store_prepare (engine->store,
        "SELECT d.id, d.created_at FROM deal d JOIN stage s ON s.id = d.stage"
        " WHERE d.deleted = 0 AND d.created_at IS NOT NULL"
        " AND s.name IN (SELECT value FROM json_each (?1))"
        " AND (?2 IS NULL OR d.pipeline = ?2) ORDER BY d.id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, stages, -1, SQLITE_TRANSIENT);
      if (pipeline != NULL)
        sqlite3_bind_text (stmt, 2, pipeline, -1, SQLITE_TRANSIENT);
    }
  else
    {
      g_autofree char *pipelines = _crm_rule_pipeline_ids_json (engine,
                                                                get_array (trigger, "pipelines"));

      stmt = _crm_store_prepare (engine->store,
        "SELECT d.id, max (coalesce (d.created_at, 0), coalesce ((SELECT max (t.done_at)"
        "  FROM task t WHERE t.deal = d.id AND t.deleted = 0), 0))"
        " FROM deal d JOIN stage s ON s.id = d.stage"
        " WHERE d.deleted = 0 AND s.kind = 'open'"
        " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.deal = d.id AND t.done = 0"
        "  AND t.deleted = 0)"
        " AND (?1 IS NULL OR d.pipeline IN (SELECT value FROM json_each (?1))) ORDER BY d.id",
        error);
      if (stmt == NULL)
        return FALSE;
      if (pipelines != NULL)
        sqlite3_bind_text (stmt, 1, pipelines, -1, SQLITE_TRANSIENT);
    }
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 1);

      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (starts, start);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* --- the shape of these keys ----------------------------------------------------------------- */

#define invalid(error, position, ...) \
  crm_error_fail_at ((error), CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID, (position), __VA_ARGS__)

static gboolean
is_int (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
is_string_or_strings (JsonNode *node)
{
  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            return FALSE;
        }
      return json_array_get_length (array) > 0;
    }
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* The keys of the trigger, condition or action @object of @type that this file reads;
 * @position names it in the error ("actions[2]"). */
gboolean
_crm_rule_validate_keys (JsonObject  *object,
                         const char  *type,
                         const char  *position,
                         GError     **error)
{
  if (g_str_equal (type, "task_completed") && json_object_has_member (object, "result") &&
      !is_string_or_strings (json_object_get_member (object, "result")))
    return invalid (error, position, _("“result” must be a call result or a list of them"));

  if (g_str_equal (type, "timer"))
    {
      const char *from = get_string (object, "from");
      static const char *const froms[] = {
        "stage_entered", "task_due", "not_taken", "no_open_task", "overdue_tasks",
        "date_field", NULL
      };

      if (json_object_has_member (object, "from") &&
          (from == NULL || !g_strv_contains (froms, from)))
        return invalid (error, position, _("“from”: “%s” is not known; known: %s"),
                        from != NULL ? from : "",
                        "stage_entered, task_due, not_taken, no_open_task, overdue_tasks, "
                        "date_field");
      if (g_strcmp0 (from, "date_field") == 0 && get_string (object, "field") == NULL)
        return invalid (error, position,
                        _("a “date_field” timer needs the deal's date \"field\" (such as event_date)"));
      if (g_strcmp0 (from, "not_taken") == 0 &&
          !is_string_or_strings (json_object_get_member (object, "stages")) &&
          get_string (object, "stage") == NULL)
        return invalid (error, position,
                        _("a “not_taken” timer needs the \"stages\" a request waits at"));
      if (g_strcmp0 (from, "overdue_tasks") == 0 &&
          (!is_int (object, "more_than") || json_object_get_int_member (object, "more_than") < 0))
        return invalid (error, position,
                        _("an “overdue_tasks” timer needs \"more_than\": a number of tasks"));
    }

  if (g_str_equal (type, "counter"))
    {
      if (get_string (object, "field") == NULL)
        return invalid (error, position, _("“counter” needs the counter's \"field\""));
      if (!is_int (object, "equals") && !is_int (object, "at_least") &&
          !is_int (object, "at_most"))
        return invalid (error, position,
                        _("“counter” needs a whole number as \"equals\", \"at_least\" or "
                          "\"at_most\""));
    }

  if (g_str_equal (type, "increment"))
    {
      if (get_string (object, "field") == NULL)
        return invalid (error, position, _("“increment” needs the counter's \"field\""));
      if (json_object_has_member (object, "by") && !is_int (object, "by"))
        return invalid (error, position, _("“increment”: \"by\" must be a whole number"));
    }

  if (g_str_equal (type, "close_lost") && get_string (object, "reason") == NULL)
    return invalid (error, position, _("“close_lost” needs the loss \"reason\""));

  if (g_str_equal (type, "notify") || g_str_equal (type, "send_message"))
    {
      const char *to = get_string (object, g_str_equal (type, "notify") ? "user" : "to");
      JsonNode *fields = json_object_get_member (object, "fields");

      if (to != NULL && g_str_has_prefix (to, "group:") && to[strlen ("group:")] == '\0')
        return invalid (error, position, _("“group:” needs the group's name"));
      if (fields != NULL && (!JSON_NODE_HOLDS_ARRAY (fields) || !is_string_or_strings (fields)))
        return invalid (error, position, _("\"fields\" must be a list of deal field keys"));
    }
  return TRUE;
}
