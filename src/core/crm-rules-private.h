/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rules-private.h — what the files of the automation engine share: the engine's run
 * state, the context an action runs in, and the helpers that read rule JSON and resolve
 * names. crm-rules.c (engine, triggers, queue), crm-rule-conditions.c,
 * crm-rule-actions.c, crm-rule-timers.c and crm-rule-validate.c include it; nothing
 * outside src/core does. */
#pragma once

#include "crm-rules.h"
#include "crm-rule-catalog.h"
#include "crm-store-private.h"
#include "crm-time.h"

G_BEGIN_DECLS

/* One enabled rule as loaded from the replica. */
typedef struct {
  char       *id;
  char       *name;
  JsonObject *definition;
  JsonArray  *triggers;  /* "triggers", or the one "trigger" (read once a run, not an op) */
} CrmRule;

/* An op waiting to be matched against the rules, and how deep in a chain it is. */
typedef struct {
  CrmOp *op;      /* borrowed from the store's pending ops */
  guint  depth;
} CrmRuleQueueItem;

/* A rule as the engine runs it (its triggers read once); freed with the engine. */
CrmRule *_crm_rule_new (const char *id,
                        const char *name,
                        JsonObject *definition);

/* One run of the engine (one transaction). */
typedef struct {
  CrmStore   *store;
  GPtrArray  *rules;     /* CrmRule* */
  GHashTable *names;     /* "entity\x1fscope\x1fname" → id or "" (not found), per run */
  GArray     *queue;     /* CrmRuleQueueItem */
  guint       drained;   /* queue items before this one have run */
  gint64      now;
} CrmRuleEngine;

/* What an action runs on. */
typedef struct {
  CrmRuleEngine *engine;
  const CrmRule *rule;
  const char    *cause;      /* trigger op id, or "timer:…" */
  const char    *actor;
  guint          depth;      /* depth of the ops the action writes */
  const char    *deal_id;    /* the subject deal, or NULL */
  const char    *tag_name;   /* for "{tag}" in texts (for_each_deal) */
  const char    *user_id;    /* a timer's subject user ("overdue_tasks"), or NULL */
  const char    *contact_id; /* the contact an e-mail of no deal went to ("message_opened":
                              * a mailing's, S4-2), or NULL */
} CrmRuleContext;

/* Members of rule JSON; NULL when missing or of another type. Short static inlines: every
 * line of a rule file reads a member or two. */
static inline const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static inline JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static inline JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Scalar JSON equality ("yes"/"no" stand for true/false); @choices is one value or an
 * array of them. */
gboolean    _crm_rule_values_equal      (JsonNode       *a,
                                         JsonNode       *b);
gboolean    _crm_rule_value_in          (JsonNode       *value,
                                         JsonNode       *choices);

/* Names or ids of pipelines, stages, users, tags, reasons; NULL when not there. */
char       *_crm_rule_resolve           (CrmRuleEngine  *engine,
                                         const char     *entity,
                                         const char     *name,
                                         const char     *scope);
char       *_crm_rule_resolve_stage     (CrmRuleEngine  *engine,
                                         const char     *pipeline_name,
                                         const char     *stage_name,
                                         char          **out_pipeline);
char       *_crm_rule_pipeline_ids_json (CrmRuleEngine  *engine,
                                         JsonArray      *names);
gboolean    _crm_rule_deal_has_tag      (CrmRuleEngine  *engine,
                                         const char     *deal_id,
                                         const char     *tag_id);
GPtrArray  *_crm_rule_deal_tags         (CrmRuleEngine  *engine,
                                         const char     *deal_id,
                                         const char     *group,
                                         GPtrArray     **out_names);

/* {"minutes": N} | {"days": N} | {"working_days": N} after @from_ms. */
gint64      _crm_rule_offset_time       (JsonObject     *offset,
                                         gint64          from_ms);

/* crm-rule-conditions.c: do all @conditions hold? (@op: the trigger op, or NULL) */
gboolean    _crm_rule_check_conditions  (CrmRuleContext *ctx,
                                         JsonArray      *conditions,
                                         const CrmOp    *op);

/* crm-rule-actions.c: run @actions; @path names them in derived ids ("", "2/"). */
gboolean    _crm_rule_run_actions       (CrmRuleContext *ctx,
                                         JsonArray      *actions,
                                         const char     *path,
                                         GError        **error);

/* crm-rule-schedule.c (S2-7): the trigger "task_due_set", the actions "assign_on_shift"
 * and "task_to_working_day", and their shape checks. */
gboolean    _crm_rule_schedule_trigger_matches (CrmRuleEngine  *engine,
                                                JsonObject     *trigger,
                                                const CrmOp    *op,
                                                char          **out_deal);
gboolean    _crm_rule_schedule_is_action    (const char     *type);
gboolean    _crm_rule_schedule_run_action   (CrmRuleContext *ctx,
                                             JsonObject     *action,
                                             const char     *path,
                                             GError        **error);
gboolean    _crm_rule_schedule_validate_action (JsonObject  *action,
                                                const char  *at,
                                                GError     **error);

/* Start a run of the engine on @store: its enabled rules, an empty queue, "now". */
gboolean    _crm_rules_engine_init      (CrmRuleEngine  *engine,
                                         CrmStore       *store,
                                         GError        **error);
void        _crm_rules_engine_clear     (CrmRuleEngine  *engine);

/* Run every matching rule on every queued op not run yet, oldest first; new ops join
 * the queue. */
gboolean    _crm_rules_drain_queue      (CrmRuleEngine  *engine,
                                         GError        **error);

/* crm-rule-validate.c: one trigger, condition or action checked alone (the editor's
 * row): its error names no position. */
gboolean    _crm_rule_validate_part     (CrmRulePart     part,
                                         JsonNode       *node,
                                         GError        **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmRuleEngine, _crm_rules_engine_clear)

/* crm-rule-actions.c, for actions written in other files: emit() (write one change as
 * the rule's, queue it for further rules), derive_id(), entity_exists(),
 * unknown_target() and resolve_responsible() as the built-in actions use them. */
typedef gboolean (*CrmRuleActionFunc) (CrmRuleContext  *ctx,
                                       JsonObject      *action,
                                       const char      *path,
                                       GError         **error);
CrmOp      *_crm_rule_emit              (CrmRuleContext *ctx,
                                         CrmChange      *change,
                                         GError        **error);
char       *_crm_rule_derive_id         (CrmRuleContext *ctx,
                                         const char     *path);
gboolean    _crm_rule_entity_exists     (CrmRuleEngine  *engine,
                                         const char     *entity,
                                         const char     *id);
gboolean    _crm_rule_unknown_target    (CrmRuleContext *ctx,
                                         const char     *what,
                                         const char     *name,
                                         GError        **error);
char       *_crm_rule_resolve_responsible (CrmRuleContext *ctx,
                                           const char     *spec,
                                           JsonArray      *client_pipelines);

/* crm-rule-process.c (SPEC S2): a task's result as a trigger, counters, closing as
 * lost, group recipients and the deal's fields in texts, invariant timers, auto-tasks
 * following their deal's stage. */
gboolean    _crm_rule_task_result_matches (CrmRuleEngine *engine,
                                           JsonObject    *trigger,
                                           const CrmOp   *op);
gboolean    _crm_rule_check_counter     (CrmRuleContext *ctx,
                                         JsonObject     *condition,
                                         JsonObject     *deal);
gboolean    _crm_rule_action_increment  (CrmRuleContext *ctx,
                                         JsonObject     *action,
                                         GError        **error);
gboolean    _crm_rule_action_close_lost (CrmRuleContext *ctx,
                                         JsonObject     *action,
                                         GError        **error);
gboolean    _crm_rule_for_recipients    (CrmRuleContext   *ctx,
                                         JsonObject       *action,
                                         const char       *key,
                                         const char       *path,
                                         CrmRuleActionFunc func,
                                         GError          **error);
char       *_crm_rule_subject_group_head (CrmRuleContext *ctx);
void        _crm_rule_expand_subject    (CrmRuleContext *ctx,
                                         GString        *text);
void        _crm_rule_mark_auto_task    (CrmRuleContext *ctx,
                                         CrmChange      *change);
gboolean    _crm_rule_close_stage_tasks (CrmRuleEngine  *engine,
                                         const CrmOp    *op,
                                         GError        **error);
gboolean    _crm_rule_validate_keys     (JsonObject     *object,
                                         const char     *type,
                                         const char     *position,
                                         GError        **error);
gboolean    _crm_rule_timer_is_invariant (JsonObject    *trigger);
void        _crm_rule_timer_subject     (CrmRuleContext *ctx,
                                         JsonObject     *trigger);
gboolean    _crm_rule_run_timer_actions (CrmRuleContext *ctx,
                                         JsonObject     *trigger,
                                         gint64          deadline,
                                         JsonArray      *actions,
                                         GError        **error);
gboolean    _crm_rule_invariant_candidates (CrmRuleEngine  *engine,
                                            JsonObject     *trigger,
                                            GPtrArray      *ids,
                                            GArray         *starts,
                                            GError        **error);

G_END_DECLS
