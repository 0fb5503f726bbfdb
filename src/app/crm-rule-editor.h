/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-editor.h — an automation rule as a form (issue 20), for administrators from the
 * Automation view: its name, the trigger picked from what the engine offers (core's rule
 * catalogue), then the trigger's parameters, and conditions and actions as rows added
 * and removed, each with the pickers its parameters' kinds call for (stages of the chosen
 * pipeline, users, tags, durations…). It is checked as you type — the row with the
 * problem says what to do, and «Save» stays insensitive until nothing is wrong — and
 * «Try on a Deal…» shows what the rule would do to a deal, in the words of the deal's
 * history, writing nothing (crm_rule_dry_run()). Saving writes the rule as `voronkactl
 * rule import` does (crm_rules_stage_import(): an op on the rule entity, so it syncs and
 * «Undo» takes it back); «Duplicate» makes a new rule of it, «Delete» removes it. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_RULE_EDITOR (crm_rule_editor_get_type ())
G_DECLARE_FINAL_TYPE (CrmRuleEditor, crm_rule_editor, CRM, RULE_EDITOR, AdwWindow)

/* Edits the stored rule @rule_id, or a new rule when it is NULL. */
CrmRuleEditor *crm_rule_editor_new             (GtkWindow     *parent,
                                                CrmContext    *context,
                                                const char    *rule_id);

/* For tests and keyboardless callers, what the buttons do: */
/* The trigger type (a catalogue type: "stage_entered"…). */
void           crm_rule_editor_set_trigger     (CrmRuleEditor *self,
                                                const char    *type);
/* Appends a condition / an action of @type; returns its row's index. */
guint          crm_rule_editor_add_condition   (CrmRuleEditor *self,
                                                const char    *type);
guint          crm_rule_editor_add_action      (CrmRuleEditor *self,
                                                const char    *type);
void           crm_rule_editor_remove_action   (CrmRuleEditor *self,
                                                guint          index);
/* Sets parameter @key of the trigger ("trigger"), or of "conditions[N]" / "actions[N]",
 * to the text @value as its row would ("" clears it). */
void           crm_rule_editor_set_param       (CrmRuleEditor *self,
                                                const char    *at,
                                                const char    *key,
                                                const char    *value);
/* The first problem the form shows (NULL: none, «Save» is sensitive), and where it is
 * ("name", "trigger", "conditions[N]", "actions[N]"). */
const char    *crm_rule_editor_get_problem     (CrmRuleEditor *self);
const char    *crm_rule_editor_get_problem_at  (CrmRuleEditor *self);
/* The rule as the form has it, in the JSON `rule import` takes. */
JsonNode      *crm_rule_editor_dup_definition  (CrmRuleEditor *self);
/* Runs the dry run on @deal_id and shows it, as picking the deal does. */
void           crm_rule_editor_try_on_deal     (CrmRuleEditor *self,
                                                const char    *deal_id);
/* The lines the dry run shows (NULL before one ran). */
GPtrArray     *crm_rule_editor_get_dry_run_lines (CrmRuleEditor *self);
/* «Save»: TRUE when written (the window closes). */
gboolean       crm_rule_editor_save            (CrmRuleEditor *self);

G_END_DECLS
