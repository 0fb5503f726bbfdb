/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-catalog.c — the catalogue of what the automation engine offers (see
 * crm-rule-catalog.h). A new trigger, condition or action is added here once: the shape
 * check (crm-rule-validate.c), `voronkactl rule catalog` and the app's rule editor read
 * it; the engine's branch goes into crm-rules.c / crm-rule-conditions.c /
 * crm-rule-actions.c. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-rule-catalog.h"
#include "crm-json-private.h"

#define P(key, kind, required, label) { key, CRM_RULE_PARAM_##kind, required, label, NULL }
#define C(key, required, label, choices) { key, CRM_RULE_PARAM_CHOICE, required, label, choices }
#define END { NULL, 0, FALSE, NULL, NULL }

static const char *const task_types[] = { "call", "meeting", "task", NULL };
static const char *const timer_froms[] = {
  "stage_entered", "task_due", "not_taken", "no_open_task", "overdue_tasks", "date_field", NULL
};
static const char *const channels[] = { "email", "sms", "telegram", NULL };
static const char *const modes[] = { "round_robin", "least_loaded", NULL };

/* a deal trigger's place: "pipeline" and "stage" narrow any of them */
#define PLACE \
  P ("pipeline", PIPELINE, FALSE, N_("Pipeline")), \
  P ("stage", STAGE, FALSE, N_("Stage"))

static const CrmRuleParam p_place[] = { PLACE, END };
static const CrmRuleParam p_field_changed[] = {
  P ("field", FIELD, TRUE, N_("Field")),
  P ("to", VALUES, FALSE, N_("New value")),
  PLACE, END
};
static const CrmRuleParam p_closed[] = {
  PLACE, P ("from_stage", STAGE, FALSE, N_("From stage")), END
};
static const CrmRuleParam p_task_completed[] = {
  C ("task_type", FALSE, N_("Task type"), task_types),
  P ("result", TEXTS, FALSE, N_("Result")),
  END
};
static const CrmRuleParam p_none[] = { END };
static const CrmRuleParam p_timer[] = {
  C ("from", FALSE, N_("Counted from"), timer_froms),
  P ("after", DURATION, FALSE, N_("After")),
  PLACE,
  C ("task_type", FALSE, N_("Task type"), task_types),
  P ("field", FIELD, FALSE, N_("Date field")),
  P ("stages", STAGES, FALSE, N_("Waiting at stages")),
  P ("pipelines", PIPELINES, FALSE, N_("Pipelines")),
  P ("more_than", NUMBER, FALSE, N_("More overdue tasks than")),
  END
};
static const CrmRuleParam p_message_opened[] = {
  P ("template", TEXT, FALSE, N_("Message template")), END
};

static const CrmRuleSpec triggers[] = {
  { CRM_RULE_PART_TRIGGER, "deal_created", N_("A deal is created"), p_place },
  { CRM_RULE_PART_TRIGGER, "stage_entered", N_("A deal enters a stage"), p_place },
  { CRM_RULE_PART_TRIGGER, "field_changed", N_("A deal's field changes"), p_field_changed },
  { CRM_RULE_PART_TRIGGER, "deal_won", N_("A deal is won"), p_closed },
  { CRM_RULE_PART_TRIGGER, "deal_lost", N_("A deal is lost"), p_closed },
  { CRM_RULE_PART_TRIGGER, "task_completed", N_("A task of the deal is completed"),
    p_task_completed },
  { CRM_RULE_PART_TRIGGER, "contact_created", N_("A contact is created"), p_none },
  { CRM_RULE_PART_TRIGGER, "company_created", N_("A company is created"), p_none },
  { CRM_RULE_PART_TRIGGER, "timer", N_("Time has passed"), p_timer },
  { CRM_RULE_PART_TRIGGER, "task_due_set", N_("A task gets a due time"), p_none },
  { CRM_RULE_PART_TRIGGER, "message_opened", N_("The client opens an e-mail"),
    p_message_opened },
};

static const CrmRuleParam c_field_equals[] = {
  P ("field", FIELD, TRUE, N_("Field")), P ("value", VALUE, FALSE, N_("Value")), END
};
static const CrmRuleParam c_field_in[] = {
  P ("field", FIELD, TRUE, N_("Field")), P ("values", VALUES, FALSE, N_("Values")), END
};
static const CrmRuleParam c_field[] = { P ("field", FIELD, TRUE, N_("Field")), END };
static const CrmRuleParam c_tag[] = { P ("tag", TAG, TRUE, N_("Tag")), END };
static const CrmRuleParam c_tag_group[] = { P ("group", TAG_GROUP, TRUE, N_("Tag group")), END };
static const CrmRuleParam c_pipeline[] = { P ("pipeline", PIPELINE, TRUE, N_("Pipeline")), END };
static const CrmRuleParam c_stage[] = {
  P ("pipeline", PIPELINE, FALSE, N_("Pipeline")), P ("stage", STAGE, TRUE, N_("Stage")), END
};
static const CrmRuleParam c_amount[] = {
  P ("min", MONEY, FALSE, N_("At least")), P ("max", MONEY, FALSE, N_("At most")), END
};
static const CrmRuleParam c_group[] = { P ("group", GROUP, TRUE, N_("Group")), END };
static const CrmRuleParam c_counter[] = {
  P ("field", FIELD, TRUE, N_("Counter field")),
  P ("equals", NUMBER, FALSE, N_("Equals")),
  P ("at_least", NUMBER, FALSE, N_("At least")),
  P ("at_most", NUMBER, FALSE, N_("At most")),
  END
};
static const CrmRuleParam c_won[] = {
  P ("pipelines", PIPELINES, FALSE, N_("Wins in pipelines")), END
};
static const CrmRuleParam c_reasons[] = {
  P ("reasons", REASONS, TRUE, N_("Loss reasons")), END
};
static const CrmRuleParam c_not[] = {
  P ("condition", CONDITION, TRUE, N_("Condition")), END
};

static const CrmRuleSpec conditions[] = {
  { CRM_RULE_PART_CONDITION, "field_equals", N_("A field equals"), c_field_equals },
  { CRM_RULE_PART_CONDITION, "field_in", N_("A field is one of"), c_field_in },
  { CRM_RULE_PART_CONDITION, "field_empty", N_("A field is empty"), c_field },
  { CRM_RULE_PART_CONDITION, "has_tag", N_("The deal has a tag"), c_tag },
  { CRM_RULE_PART_CONDITION, "has_tag_group", N_("The deal has a tag of a group"), c_tag_group },
  { CRM_RULE_PART_CONDITION, "pipeline", N_("The deal is in a pipeline"), c_pipeline },
  { CRM_RULE_PART_CONDITION, "stage", N_("The deal is at a stage"), c_stage },
  { CRM_RULE_PART_CONDITION, "amount_range", N_("The amount is within"), c_amount },
  { CRM_RULE_PART_CONDITION, "responsible_group", N_("The responsible is in a group"), c_group },
  { CRM_RULE_PART_CONDITION, "counter", N_("A counter"), c_counter },
  { CRM_RULE_PART_CONDITION, "client_has_won_deal", N_("The client has another won deal"), c_won },
  { CRM_RULE_PART_CONDITION, "loss_reason_in", N_("The loss reason is one of"), c_reasons },
  { CRM_RULE_PART_CONDITION, "date_is_today", N_("A date field is today"), c_field },
  { CRM_RULE_PART_CONDITION, "not", N_("Not"), c_not },
};

static const CrmRuleParam a_move[] = {
  P ("pipeline", PIPELINE, TRUE, N_("Pipeline")), P ("stage", STAGE, TRUE, N_("Stage")), END
};
static const CrmRuleParam a_create_deal[] = {
  P ("pipeline", PIPELINE, TRUE, N_("Pipeline")),
  P ("stage", STAGE, TRUE, N_("Stage")),
  P ("title", PLACEHOLDER_TEXT, FALSE, N_("Title")),
  P ("responsible", USER, FALSE, N_("Responsible")),
  P ("copy", TEXTS, FALSE, N_("Copy from the deal")),
  P ("actions", ACTIONS, FALSE, N_("Then, on the new deal")),
  END
};
static const CrmRuleParam a_create_task[] = {
  P ("text", PLACEHOLDER_TEXT, TRUE, N_("Text")),
  C ("task_type", FALSE, N_("Task type"), task_types),
  P ("due", DURATION, FALSE, N_("Due in")),
  P ("responsible", USER, FALSE, N_("Responsible")),
  P ("checklist", TEXTS, FALSE, N_("Checklist")),
  END
};
static const CrmRuleParam a_set_field[] = {
  P ("field", FIELD, TRUE, N_("Field")), P ("value", VALUE, FALSE, N_("Value")), END
};
static const CrmRuleParam a_notify[] = {
  P ("user", USER, FALSE, N_("Whom")),
  P ("text", PLACEHOLDER_TEXT, FALSE, N_("Text")),
  P ("fields", FIELDS, FALSE, N_("Deal fields to add")),
  END
};
static const CrmRuleParam a_send_message[] = {
  P ("to", USER, FALSE, N_("To")),
  C ("channel", FALSE, N_("Channel"), channels),
  P ("template", TEXT, FALSE, N_("Message template")),
  P ("subject", PLACEHOLDER_TEXT, FALSE, N_("Subject")),
  P ("text", PLACEHOLDER_TEXT, FALSE, N_("Text")),
  P ("fields", FIELDS, FALSE, N_("Deal fields to add")),
  END
};
static const CrmRuleParam a_increment[] = {
  P ("field", FIELD, TRUE, N_("Counter field")), P ("by", NUMBER, FALSE, N_("By")), END
};
static const CrmRuleParam a_close_lost[] = {
  P ("reason", REASON, TRUE, N_("Loss reason")), END
};
static const CrmRuleParam a_for_each[] = {
  P ("pipeline", PIPELINE, TRUE, N_("Pipeline")),
  P ("shares_tag_group", TAG_GROUP, FALSE, N_("Sharing a tag of the group")),
  P ("open_only", FLAG, FALSE, N_("Open deals only")),
  P ("conditions", CONDITIONS, FALSE, N_("Conditions")),
  P ("actions", ACTIONS, FALSE, N_("Actions")),
  END
};
static const CrmRuleParam a_assign[] = {
  P ("group", GROUP, TRUE, N_("Group")),
  C ("mode", FALSE, N_("Mode"), modes),
  P ("roles", TEXTS, FALSE, N_("Roles")),
  END
};
static const CrmRuleParam a_working_day[] = {
  P ("max_days_off", NUMBER, FALSE, N_("Days off before the head is told")), END
};

static const CrmRuleSpec actions[] = {
  { CRM_RULE_PART_ACTION, "move_deal", N_("Move the deal"), a_move },
  { CRM_RULE_PART_ACTION, "create_deal", N_("Create a deal"), a_create_deal },
  { CRM_RULE_PART_ACTION, "create_task", N_("Create a task"), a_create_task },
  { CRM_RULE_PART_ACTION, "set_field", N_("Set a field"), a_set_field },
  { CRM_RULE_PART_ACTION, "add_tag", N_("Add a tag"), c_tag },
  { CRM_RULE_PART_ACTION, "remove_tag", N_("Remove a tag"), c_tag },
  { CRM_RULE_PART_ACTION, "notify", N_("Notify someone"), a_notify },
  { CRM_RULE_PART_ACTION, "send_message", N_("Send a message"), a_send_message },
  { CRM_RULE_PART_ACTION, "for_each_deal", N_("For each matching deal"), a_for_each },
  { CRM_RULE_PART_ACTION, "increment", N_("Count up a counter"), a_increment },
  { CRM_RULE_PART_ACTION, "close_lost", N_("Close the deal as lost"), a_close_lost },
  { CRM_RULE_PART_ACTION, "assign_on_shift", N_("Give the deal to someone on shift"), a_assign },
  { CRM_RULE_PART_ACTION, "task_to_working_day", N_("Move the task to a working day"),
    a_working_day },
};

const CrmRuleSpec *
crm_rule_catalog_list (CrmRulePart  part,
                       guint       *n_specs)
{
  switch (part)
    {
    case CRM_RULE_PART_TRIGGER:
      *n_specs = G_N_ELEMENTS (triggers);
      return triggers;
    case CRM_RULE_PART_CONDITION:
      *n_specs = G_N_ELEMENTS (conditions);
      return conditions;
    case CRM_RULE_PART_ACTION:
    default:
      *n_specs = G_N_ELEMENTS (actions);
      return actions;
    }
}

const CrmRuleSpec *
crm_rule_catalog_lookup (CrmRulePart  part,
                         const char  *type)
{
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (part, &n);

  for (guint i = 0; type != NULL && i < n; i++)
    if (g_str_equal (specs[i].type, type))
      return &specs[i];
  return NULL;
}

const CrmRuleParam *
crm_rule_spec_find_param (const CrmRuleSpec *spec,
                          const char        *key)
{
  for (guint i = 0; spec != NULL && key != NULL && spec->params[i].key != NULL; i++)
    if (g_str_equal (spec->params[i].key, key))
      return &spec->params[i];
  return NULL;
}

const char *
crm_rule_param_kind_name (CrmRuleParamKind kind)
{
  static const char *const names[] = {
    "text", "placeholder_text", "pipeline", "pipelines", "stage", "stages", "user", "group",
    "field", "fields", "value", "values", "tag", "tag_group", "reason", "reasons",
    "duration", "money", "number", "flag", "choice", "texts", "condition", "conditions",
    "actions",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == CRM_RULE_PARAM_ACTIONS + 1);
  return (guint) kind < G_N_ELEMENTS (names) ? names[kind] : "text";
}

char *
crm_rule_catalog_join_types (CrmRulePart part)
{
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (part, &n);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", specs[i].type);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonArray *
part_to_json (CrmRulePart part)
{
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (part, &n);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < n; i++)
    {
      JsonObject *spec = json_object_new ();
      JsonArray *params = json_array_new ();

      json_object_set_string_member (spec, "type", specs[i].type);
      json_object_set_string_member (spec, "label", _(specs[i].label));
      for (guint p = 0; specs[i].params[p].key != NULL; p++)
        {
          const CrmRuleParam *param = &specs[i].params[p];
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "key", param->key);
          json_object_set_string_member (item, "kind", crm_rule_param_kind_name (param->kind));
          json_object_set_boolean_member (item, "required", param->required);
          json_object_set_string_member (item, "label", _(param->label));
          if (param->choices != NULL)
            {
              JsonArray *choices = json_array_new ();

              for (guint c = 0; param->choices[c] != NULL; c++)
                json_array_add_string_element (choices, param->choices[c]);
              json_object_set_array_member (item, "choices", choices);
            }
          json_array_add_object_element (params, item);
        }
      json_object_set_array_member (spec, "params", params);
      json_array_add_object_element (array, spec);
    }
  return array;
}

JsonNode *
crm_rule_catalog_to_json (void)
{
  JsonObject *root = json_object_new ();

  json_object_set_array_member (root, "triggers", part_to_json (CRM_RULE_PART_TRIGGER));
  json_object_set_array_member (root, "conditions", part_to_json (CRM_RULE_PART_CONDITION));
  json_object_set_array_member (root, "actions", part_to_json (CRM_RULE_PART_ACTION));
  return crm_json_node_take_object (root);
}
