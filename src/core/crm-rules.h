/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rules.h — the automation engine: rules are data (trigger, conditions, actions)
 * stored as `rule` entities; event rules run inside crm_store_apply(), timer rules run
 * through crm_rules_tick(). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

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

G_END_DECLS
