/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-catalog.h — what the automation engine offers: every trigger, condition and
 * action type with its parameters and their kinds. The one list the rule checks
 * (crm_rule_validate), `voronkactl rule …` and the app's rule editor all read. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  CRM_RULE_PART_TRIGGER,
  CRM_RULE_PART_CONDITION,
  CRM_RULE_PART_ACTION,
} CrmRulePart;

/* What a parameter holds; crm_rule_param_kind_name() gives the stable names of the
 * catalogue's JSON ("pipeline", "stage", …). */
typedef enum {
  CRM_RULE_PARAM_TEXT,        /* a line of text */
  CRM_RULE_PARAM_PLACEHOLDER_TEXT, /* a text with placeholders: {title}, {user}, {deal.title}… */
  CRM_RULE_PARAM_PIPELINE,    /* a pipeline's name */
  CRM_RULE_PARAM_PIPELINES,   /* a list of pipeline names */
  CRM_RULE_PARAM_STAGE,       /* a stage's name (of the "pipeline" parameter, else the deal's) */
  CRM_RULE_PARAM_STAGES,      /* a list of stage names */
  CRM_RULE_PARAM_USER,        /* deal, client_manager, group_head, group_head:G or a user's name */
  CRM_RULE_PARAM_GROUP,       /* a group of users */
  CRM_RULE_PARAM_FIELD,       /* a deal field's key */
  CRM_RULE_PARAM_FIELDS,      /* a list of deal field keys */
  CRM_RULE_PARAM_VALUE,       /* a field's value (text, number, true/false) */
  CRM_RULE_PARAM_VALUES,      /* a value or a list of them */
  CRM_RULE_PARAM_TAG,         /* a tag's name */
  CRM_RULE_PARAM_TAG_GROUP,   /* a tag group */
  CRM_RULE_PARAM_REASON,      /* a loss reason */
  CRM_RULE_PARAM_REASONS,     /* a list of loss reasons */
  CRM_RULE_PARAM_DURATION,    /* {"minutes"|"days"|"working_days": N} or {"today": true} */
  CRM_RULE_PARAM_MONEY,       /* an amount as a decimal string, "1500000.00" */
  CRM_RULE_PARAM_NUMBER,      /* a whole number */
  CRM_RULE_PARAM_FLAG,        /* true or false */
  CRM_RULE_PARAM_CHOICE,      /* one of the parameter's choices */
  CRM_RULE_PARAM_TEXTS,       /* a list of texts */
  CRM_RULE_PARAM_CONDITION,   /* one nested condition */
  CRM_RULE_PARAM_CONDITIONS,  /* nested conditions */
  CRM_RULE_PARAM_ACTIONS,     /* nested actions */
} CrmRuleParamKind;

typedef struct {
  const char        *key;       /* the member of the rule's JSON */
  CrmRuleParamKind   kind;
  gboolean           required;
  const char        *label;     /* untranslated (N_()): gettext it to show it */
  const char *const *choices;   /* CRM_RULE_PARAM_CHOICE: the values, NULL-terminated */
} CrmRuleParam;

typedef struct {
  CrmRulePart         part;
  const char         *type;     /* "stage_entered", "has_tag", "create_task"… */
  const char         *label;    /* untranslated (N_()) */
  const CrmRuleParam *params;   /* ends with a { NULL } */
} CrmRuleSpec;

/* The types of @part in the order an editor offers them; *n_specs gets their number. */
const CrmRuleSpec *crm_rule_catalog_list        (CrmRulePart       part,
                                                 guint            *n_specs);
/* The type @type of @part, or NULL when the engine has no such type. */
const CrmRuleSpec *crm_rule_catalog_lookup      (CrmRulePart       part,
                                                 const char       *type);
/* The parameter @key of @spec, or NULL. */
const CrmRuleParam *crm_rule_spec_find_param    (const CrmRuleSpec *spec,
                                                 const char        *key);
/* "pipeline", "stage", "duration", … */
const char        *crm_rule_param_kind_name     (CrmRuleParamKind  kind);
/* "a, b, c": the types of @part, for messages that list them. */
char              *crm_rule_catalog_join_types  (CrmRulePart       part);
/* The whole catalogue, translated: {"triggers"|"conditions"|"actions": [{"type",
 * "label", "params": [{"key", "kind", "required", "label", "choices"?}]}]}. */
JsonNode          *crm_rule_catalog_to_json     (void);

G_END_DECLS
