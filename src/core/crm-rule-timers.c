/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-timers.c — timer rules: crm_rules_tick() fires every rule whose deadline has
 * passed (a deal sitting at a stage, an open task past due, the day of a deal's date
 * field) once per deal and deadline, with "timer:<deal>:<deadline>" in place of a trigger
 * op, so every replica that ticks writes the same ops. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-rules-private.h"
#include "crm-schema.h"
#include "crm-sql-private.h"

typedef struct {
  guint      fired;
  JsonArray *refused;  /* what a gate (or the rule's own error) refused, for the caller */
} TickData;

static gboolean
already_fired (CrmStore   *store,
               const char *rule_id,
               const char *cause)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM changelog WHERE rule = ?1 AND cause = ?2 LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, rule_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, cause, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* "from": "date_field": deals whose date @field (a custom date field such as
 * event_date, or a time column) is set, in the trigger's pipeline if it names one, from
 * the start of that day (UTC, as the condition "date_is_today" counts days). */
static gboolean
date_field_candidates (CrmRuleEngine  *engine,
                       JsonObject     *trigger,
                       GPtrArray      *deals,
                       GArray         *starts,
                       GError        **error)
{
  const char *field = get_string (trigger, "field");
  const char *pipeline_name = get_string (trigger, "pipeline");
  const CrmEntityType *type = crm_schema_lookup ("deal");
  g_autofree char *pipeline = NULL;
  g_autofree char *path = NULL;
  gboolean is_column;
  sqlite3_stmt *stmt;

  if (field == NULL)
    return TRUE;
  if (pipeline_name != NULL)
    {
      pipeline = _crm_rule_resolve (engine, "pipeline", pipeline_name, NULL);
      if (pipeline == NULL)
        return TRUE;
    }
  is_column = crm_entity_type_column (type, field) != NULL;
  /* a column's name is one of the schema's, never the rule's text */
  if (is_column)
    {
      g_autofree char *sql = g_strdup_printf (
        "SELECT id, \"%s\" FROM deal WHERE deleted = 0 AND (?1 IS NULL OR pipeline = ?1)"
        " AND typeof (\"%s\") = 'integer' ORDER BY id", field, field);

      stmt = _crm_store_prepare (engine->store, sql, error);
    }
  else
    stmt = _crm_store_prepare (engine->store,
      "SELECT id, json_extract (data, ?2) FROM deal WHERE deleted = 0"
      " AND (?1 IS NULL OR pipeline = ?1) AND json_type (data, ?2) = 'integer' ORDER BY id",
      error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, pipeline);
  if (!is_column)
    {
      path = g_strdup_printf ("$.\"%s\"", field);
      sqlite3_bind_text (stmt, 2, path, -1, SQLITE_TRANSIENT);
    }
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    {
      gint64 value = sqlite3_column_int64 (stmt, 1);
      gint64 day = value - (((value % CRM_MS_PER_DAY) + CRM_MS_PER_DAY) % CRM_MS_PER_DAY);

      g_ptr_array_add (deals, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (starts, day);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Candidates of a timer: (deal, start time) pairs — deals sitting at a stage since
 * stage_entered_at, or open tasks' deals since the task's due time. */
static gboolean
timer_candidates (CrmRuleEngine  *engine,
                  JsonObject     *trigger,
                  GPtrArray      *deals,
                  GArray         *starts,
                  GError        **error)
{
  const char *from = get_string (trigger, "from");
  sqlite3_stmt *stmt;

  if (_crm_rule_timer_is_invariant (trigger))
    return _crm_rule_invariant_candidates (engine, trigger, deals, starts, error);
  if (g_strcmp0 (from, "date_field") == 0)
    return date_field_candidates (engine, trigger, deals, starts, error);
  if (g_strcmp0 (from, "task_due") == 0)
    {
      const char *task_type = get_string (trigger, "task_type");

      stmt = _crm_store_prepare (engine->store,
        "SELECT t.deal, t.due FROM task t WHERE t.done = 0 AND t.deleted = 0"
        " AND t.deal IS NOT NULL AND t.due IS NOT NULL AND (?1 IS NULL OR t.type = ?1)"
        " ORDER BY t.id", error);
      if (stmt == NULL)
        return FALSE;
      if (task_type != NULL)
        sqlite3_bind_text (stmt, 1, task_type, -1, SQLITE_TRANSIENT);
    }
  else
    {
      g_autofree char *stage = _crm_rule_resolve_stage (engine, get_string (trigger, "pipeline"),
                                                        get_string (trigger, "stage"), NULL);
      if (stage == NULL)
        return TRUE;
      stmt = _crm_store_prepare (engine->store,
        "SELECT id, stage_entered_at FROM deal WHERE stage = ?1 AND deleted = 0"
        " AND stage_entered_at IS NOT NULL ORDER BY id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, stage, -1, SQLITE_TRANSIENT);
    }
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 1);

      g_ptr_array_add (deals, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (starts, start);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Who hears that a timer rule was refused: the deal's responsible (the subject user of
 * a user's timer), else the account's first admin. */
static char *
refusal_recipient (CrmRuleContext *ctx)
{
  char *user = NULL;
  sqlite3_stmt *stmt;

  if (ctx->deal_id != NULL)
    user = _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id, "responsible");
  if (user == NULL && ctx->user_id != NULL)
    user = g_strdup (ctx->user_id);
  if (user != NULL)
    return user;
  stmt = _crm_store_prepare (ctx->engine->store,
    "SELECT id FROM user WHERE role = 'admin' AND deleted = 0 ORDER BY name, id LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  if (_crm_store_step (ctx->engine->store, stmt) == SQLITE_ROW)
    user = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return user;
}

/* A timer rule's run for one deal was refused and undone (@refusal: the gate's words):
 * a notification says so to the person who can fix the deal, and it is the rule's op for
 * this deal and deadline, so the tick does not try again every minute — on this replica
 * or, once synced, any other (its id is derived like the rule's own entities, and its
 * time is the deadline's, so two replicas write the same notification). */
static gboolean
record_refusal (CrmRuleContext  *ctx,
                gint64           deadline,
                const GError    *refusal,
                TickData        *data,
                GError         **error)
{
  g_autofree char *id = _crm_rule_derive_id (ctx, "refused");
  g_autofree char *user = refusal_recipient (ctx);
  g_autofree char *text = g_strdup_printf (_("Rule “%s” did not run: %s"), ctx->rule->name,
                                           refusal->message);
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  JsonObject *item = json_object_new ();
  CrmChange *change;

  json_object_set_string_member (item, "rule", ctx->rule->name);
  json_object_set_string_member (item, "rule_id", ctx->rule->id);
  if (ctx->deal_id != NULL)
    json_object_set_string_member (item, "deal", ctx->deal_id);
  else
    json_object_set_null_member (item, "deal");
  json_object_set_string_member (item, "code", crm_error_code_name (refusal));
  json_object_set_string_member (item, "message", refusal->message);
  json_array_add_object_element (data->refused, item);

  if (user == NULL || _crm_rule_entity_exists (ctx->engine, "notification", id))
    return TRUE;
  change = crm_changeset_create (cs, "notification", id);
  crm_change_set_string (change, "user", user);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "deal", ctx->deal_id);
  crm_change_set_bool (change, "read", FALSE);
  crm_change_set_int (change, "created_at", deadline);
  return _crm_rule_emit (ctx, change, error) != NULL &&
         _crm_rules_drain_queue (ctx->engine, error);
}

/* One firing of a timer rule, for one deal, in a savepoint of its own: what its actions
 * write, and what further rules they set off, is gated on its own; a refusal undoes this
 * run only (rows and queued ops alike) and is recorded, and the other deals' timers go
 * on. Only a storage failure stops the tick. */
static gboolean
fire_one (CrmRuleContext  *ctx,
          JsonObject      *trigger,
          gint64           deadline,
          TickData        *data,
          GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  CrmStore *store = engine->store;
  guint queued = engine->queue->len;
  g_autoptr(GError) local_error = NULL;
  guint mark;

  if (!_crm_store_savepoint (store, &mark, error))
    return FALSE;
  if (_crm_rule_run_timer_actions (ctx, trigger, deadline,
                                   get_array (ctx->rule->definition, "actions"), &local_error) &&
      _crm_rules_drain_queue (engine, &local_error) &&
      _crm_store_savepoint_check (store, mark, &local_error))
    {
      data->fired++;
      return _crm_store_savepoint_release (store, error);
    }
  if (crm_error_is_storage (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* the queue borrowed the ops the rollback frees */
  g_array_set_size (engine->queue, queued);
  engine->drained = queued;
  if (!_crm_store_savepoint_rollback (store, mark, error))
    return FALSE;
  return record_refusal (ctx, deadline, local_error, data, error);
}

/* One timer trigger of @rule: every candidate whose deadline has passed and that did
 * not fire for it yet. A date field's day fires on that day only: a date long past set
 * on a deal (or a replica that did not tick for a week) does not fire late — the rule's
 * event triggers answer a date set to today. */
static gboolean
run_timer (CrmStore       *store,
           CrmRuleEngine  *engine,
           const CrmRule  *rule,
           JsonObject     *trigger,
           TickData       *data,
           GError        **error)
{
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean on_the_day = g_strcmp0 (get_string (trigger, "from"), "date_field") == 0;

  if (!timer_candidates (engine, trigger, deals, starts, error))
    return FALSE;

  for (guint i = 0; i < deals->len; i++)
    {
      gint64 deadline = _crm_rule_offset_time (get_object (trigger, "after"),
                                               g_array_index (starts, gint64, i));
      g_autofree char *cause = NULL;
      CrmRuleContext ctx = { 0 };

      if (deadline > engine->now)
        continue;
      if (on_the_day && engine->now - deadline >= CRM_MS_PER_DAY)
        continue;
      cause = g_strdup_printf ("timer:%s:%" G_GINT64_FORMAT, (char *) deals->pdata[i],
                               deadline);
      if (already_fired (store, rule->id, cause))
        continue;
      ctx.engine = engine;
      ctx.rule = rule;
      ctx.cause = cause;
      ctx.actor = NULL;
      ctx.depth = 1;
      ctx.deal_id = deals->pdata[i];
      _crm_rule_timer_subject (&ctx, trigger);
      if (!_crm_rule_check_conditions (&ctx, get_array (rule->definition, "conditions"), NULL))
        continue;
      g_debug ("Timer rule “%s” fires for deal %s", rule->name, ctx.deal_id);
      if (!fire_one (&ctx, trigger, deadline, data, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_timers (CrmStore  *store,
            gpointer   user_data,
            GError   **error)
{
  TickData *data = user_data;
  g_auto(CrmRuleEngine) engine = { 0 };

  if (!_crm_rules_engine_init (&engine, store, error))
    return FALSE;

  for (guint r = 0; r < engine.rules->len; r++)
    {
      const CrmRule *rule = g_ptr_array_index (engine.rules, r);
      JsonArray *triggers = get_array (rule->definition, "triggers");
      guint n_triggers = triggers != NULL ? json_array_get_length (triggers) : 1;

      /* a rule of several triggers (deal created, its date changed, and the date's day
       * coming) runs its timers as a rule of one does */
      for (guint t = 0; t < n_triggers; t++)
        {
          JsonObject *trigger = triggers != NULL
                                ? json_array_get_object_element (triggers, t)
                                : get_object (rule->definition, "trigger");

          if (g_strcmp0 (get_string (trigger, "type"), "timer") != 0)
            continue;
          if (!run_timer (store, &engine, rule, trigger, data, error))
            return FALSE;
        }
    }
  /* what the timers wrote may set off event rules in turn */
  return _crm_rules_drain_queue (&engine, error);
}

gboolean
crm_rules_tick (CrmStore  *store,
                guint     *out_fired,
                GError   **error)
{
  return crm_rules_tick_full (store, out_fired, NULL, error);
}

gboolean
crm_rules_tick_full (CrmStore   *store,
                     guint      *out_fired,
                     JsonNode  **out_refused,
                     GError    **error)
{
  g_autoptr(JsonArray) refused = json_array_new ();
  TickData data = { 0, refused };
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  /* the store's hook would run event rules over the same ops again: run_timers drains
   * its own queue, so the hook is off for this transaction */
  _crm_store_set_rules_hook (store, NULL);
  ok = _crm_store_transact (store, run_timers, &data, error);
  _crm_rules_install (store);
  if (ok && out_fired != NULL)
    *out_fired = data.fired;
  if (ok && out_refused != NULL)
    {
      *out_refused = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (*out_refused, refused);
    }
  return ok;
}
