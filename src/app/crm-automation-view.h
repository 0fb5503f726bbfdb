/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-automation-view.h — the account's automation (admins): how the server routes
 * incoming calls (crm-routing-group.h), and the rules: what triggers each and what it
 * does, with a switch to turn it on or off. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-routing-group.h"
#include "crm-rule-editor.h"

G_BEGIN_DECLS

#define CRM_TYPE_AUTOMATION_VIEW (crm_automation_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmAutomationView, crm_automation_view, CRM, AUTOMATION_VIEW, GtkWidget)

guint            crm_automation_view_get_n_rules       (CrmAutomationView *self);
/* The «Call Routing» group above the rules. */
CrmRoutingGroup *crm_automation_view_get_routing_group (CrmAutomationView *self);

/* Opens the rule editor (administrators) on the rule @rule_id, or on a new rule when it
 * is NULL, as «New Rule» and a row's «Edit» do; returns it (owned by GTK). */
CrmRuleEditor   *crm_automation_view_open_editor       (CrmAutomationView *self,
                                                        const char        *rule_id);

/* A rule (as crm_rules_list() gives it) in words, as the view's rows say it: "When a call
 * is completed with the result «Не дозвонился» → add 1 to «Неудачные попытки»". @store
 * names custom fields (may be NULL: field keys are shown). */
char *crm_automation_describe_rule (CrmStore   *store,
                                    JsonObject *rule);

G_END_DECLS
