/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rules.h — the automation engine: rules are data (trigger, conditions, actions)
 * stored as `rule` entities; event rules run inside crm_store_apply(), timer rules run
 * through crm_rules_tick(). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"
#include "crm-rule-catalog.h"

G_BEGIN_DECLS

#define CRM_RULES_MAX_DEPTH 8

#define CRM_RULE_ERROR (crm_rule_error_quark ())

/* What the automation engine refuses. crm_error_code_name() gives each code its stable
 * string of CLI.md (in brackets). */
typedef enum {
  CRM_RULE_ERROR_INVALID,         /* a rule definition's shape is wrong ("invalid-input") */
  CRM_RULE_ERROR_UNKNOWN_TARGET,  /* a running rule names a pipeline, stage or tag that
                                   * is not in the replica ("not-found") */
  CRM_RULE_ERROR_LOOP,            /* rules set each other off deeper than
                                   * CRM_RULES_MAX_DEPTH ("rule-loop") */
} CrmRuleError;

GQuark     crm_rule_error_quark   (void);

/* Check a rule definition's shape: known trigger, condition and action types with
 * their required keys. CRM_RULE_ERROR_INVALID names the unknown thing and its position
 * ("actions[1]: unknown action “send_fax”; known: move_deal, create_deal, …"). */
gboolean   crm_rule_validate      (JsonNode    *definition,
                                   GError     **error);

/* Run the timer rules due at the store's "now" (crm_store_set_now). Entities they
 * create have ids derived from (rule, entity, deadline), so a second tick at the same
 * or a later time creates nothing new. *out_fired gets the number of firings (refused
 * ones not counted). */
gboolean   crm_rules_tick         (CrmStore    *store,
                                   guint       *out_fired,
                                   GError     **error);
/* The same, and *out_refused (optional) gets the firings a gate or the rule itself
 * refused: [{"rule","rule_id","deal","code","message"}]. A refused firing writes nothing
 * of its own and stops no other: each deal's run has its own savepoint. It leaves a
 * notification to the deal's responsible (else the first admin) with the gate's words,
 * which also keeps the tick from trying it again. Only a storage failure fails the tick. */
gboolean   crm_rules_tick_full    (CrmStore    *store,
                                   guint       *out_fired,
                                   JsonNode   **out_refused,
                                   GError     **error);

/* Run the event rules for @ops (CrmOp*) that are already in the replica, as if they had
 * just been made here (what a server does for a client without automation). Entities
 * the rules create get the same ids as on any other replica that ran them. */
gboolean   crm_rules_run_for_ops  (CrmStore    *store,
                                   GPtrArray   *ops,
                                   GError     **error);

/* [{"id","name","enabled","position","trigger","conditions","actions"}] by position. */
JsonNode  *crm_rules_list         (CrmStore    *store,
                                   GError     **error);

/* --- editing rules (crm-rule-tools.c) --- */

/* @definition's shape (crm_rule_validate) and the names it gives — pipelines, stages,
 * tags, users, loss reasons — against this replica. *out_at (optional) gets where the
 * first problem is: "trigger", "conditions[0]", "actions[2]"… */
gboolean    crm_rule_check         (CrmStore     *store,
                                    JsonNode     *definition,
                                    char        **out_at,
                                    GError      **error);
/* One trigger, condition or action alone (an editor's row); the error names no position. */
gboolean    crm_rule_check_part    (CrmStore     *store,
                                    CrmRulePart   part,
                                    JsonNode     *node,
                                    GError      **error);
/* A trigger, condition or action in words: «The deal has a tag — Tag: Volvo». */
char       *crm_rule_describe_part (CrmRulePart   part,
                                    JsonObject   *object);

/* What @definition (a rule as `rule import` takes it; "name" and, for a stored rule,
 * "id" optional) would do to the deal @deal_id now, as the engine would do it — its
 * trigger taken as happening to the deal, the conditions evaluated, the actions run with
 * their placeholders filled, the rules they set off run too, the gates checked — and
 * nothing written: the transaction is given up. @actor: on whose behalf (NULL: none).
 *   {"rule", "deal", "deal_text", "fires": bool,
 *    "failed": {"at": "trigger"|"conditions[N]", "message"}   (when it would not fire),
 *    "refused": {"code", "message"}     (when a gate or the rule itself would refuse),
 *    "changes": [{"entity", "id", "text", "rule", "fields"}]}
 * "text" is crm_describe_change()'s, the words of a deal's history. Fails only for an
 * invalid rule (CRM_RULE_ERROR_INVALID), a missing deal (not-found) or storage. */
JsonObject *crm_rule_dry_run       (CrmStore     *store,
                                    JsonNode     *definition,
                                    const char   *deal_id,
                                    const char   *actor,
                                    GError      **error);

/* Adds to @changeset the rule @rule_node as `rule import` writes it: a new `rule` entity
 * (id from "<template>/rule/<name>"), or the rule of that "name" — or of that "id", when
 * the node has one (renaming in the editor) — with its definition replaced. Checked first
 * (crm_rule_validate). *out_id gets the rule's id, *out_created whether it is new. */
gboolean    crm_rules_stage_import (CrmStore      *store,
                                    CrmChangeset  *changeset,
                                    JsonNode      *rule_node,
                                    char         **out_id,
                                    gboolean      *out_created,
                                    GError       **error);
/* Adds the removal of the rule @rule_id to @changeset (undo brings it back). */
void        crm_rules_stage_delete (CrmChangeset  *changeset,
                                    const char    *rule_id);
/* The rules as `rule import` reads them: [{"name", "enabled", "trigger"…}], all or the
 * one called (or with the id) @name_or_id (not-found when there is none). */
JsonNode   *crm_rules_export       (CrmStore      *store,
                                    const char    *name_or_id,
                                    GError       **error);

G_END_DECLS
