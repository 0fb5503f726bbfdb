/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-validate.c — checks a rule definition's shape before it is stored (templates,
 * `rule import`): known trigger, condition and action types and their required keys. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"
#include "crm-message.h"
#include "crm-rule-catalog.h"

static gboolean
is_channel (const char *channel)
{
  return g_strcmp0 (channel, "email") == 0 || g_strcmp0 (channel, "sms") == 0 ||
         g_strcmp0 (channel, "telegram") == 0;
}

/* Refuse a rule definition: CRM_RULE_ERROR_INVALID naming @position; returns FALSE. */
#define invalid(error, position, ...) \
  crm_error_fail_at ((error), CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID, (position), __VA_ARGS__)

static const char *
part_word (CrmRulePart part)
{
  switch (part)
    {
    case CRM_RULE_PART_TRIGGER:
      return _("trigger");
    case CRM_RULE_PART_CONDITION:
      return _("condition");
    case CRM_RULE_PART_ACTION:
    default:
      return _("action");
    }
}

/* A known type of @part (the catalogue, crm-rule-catalog.c) and the keys
 * crm-rule-process.c checks. */
static gboolean
validate_typed (JsonNode     *node,
                const char   *position,
                CrmRulePart   part,
                GError      **error)
{
  const CrmRuleSpec *spec;
  JsonObject *object;
  const char *type;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, position, _("expected an object with a \"type\""));
  object = json_node_get_object (node);
  type = get_string (object, "type");
  spec = crm_rule_catalog_lookup (part, type);
  if (spec == NULL)
    {
      g_autofree char *list = crm_rule_catalog_join_types (part);
      return invalid (error, position, _("unknown %s “%s”; known: %s"), part_word (part),
                      type ? type : "", list);
    }
  return _crm_rule_validate_keys (object, type, position, error);
}

/* After the type's own checks: the parameters the catalogue marks required, and the
 * kinds a mistyped value would break (a time, a choice). */
static gboolean
validate_params (JsonNode     *node,
                 const char   *position,
                 CrmRulePart   part,
                 GError      **error)
{
  JsonObject *object = json_node_get_object (node);
  const char *type = get_string (object, "type");
  const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, type);

  for (guint i = 0; spec->params[i].key != NULL; i++)
    {
      const CrmRuleParam *param = &spec->params[i];
      JsonNode *value = json_object_get_member (object, param->key);

      if (param->required && (value == NULL || JSON_NODE_HOLDS_NULL (value) ||
                              (JSON_NODE_HOLDS_VALUE (value) &&
                               json_node_get_value_type (value) == G_TYPE_STRING &&
                               *json_node_get_string (value) == '\0')))
        /* Translators: a rule's part misses a key: “has_tag” needs a "tag" */
        return invalid (error, position, _("“%s” needs a \"%s\""), type, param->key);
      if (value != NULL && param->kind == CRM_RULE_PARAM_DURATION &&
          !JSON_NODE_HOLDS_OBJECT (value))
        return invalid (error, position,
                        _("\"%s\" must be a time such as {\"days\": 3}, {\"minutes\": 10} or "
                          "{\"working_days\": 2}"), param->key);
      if (value != NULL && param->kind == CRM_RULE_PARAM_CHOICE &&
          (!JSON_NODE_HOLDS_VALUE (value) ||
           json_node_get_value_type (value) != G_TYPE_STRING ||
           !g_strv_contains (param->choices, json_node_get_string (value))) &&
          !g_str_equal (param->key, "channel"))  /* a channel may be a list: below */
        {
          g_autofree char *choices = g_strjoinv (", ", (char **) param->choices);
          return invalid (error, position, _("\"%s\" must be one of %s"), param->key, choices);
        }
    }
  return TRUE;
}

static gboolean validate_actions (JsonArray *actions, const char *position, GError **error);

static gboolean
validate_conditions (JsonArray   *conditions,
                     const char  *position,
                     GError     **error)
{
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      /* no position: one part checked alone (the editor's row), named by its row */
      g_autofree char *at = position != NULL ? g_strdup_printf ("%s[%u]", position, i)
                                             : g_strdup ("");
      JsonNode *node = json_array_get_element (conditions, i);

      if (!validate_typed (node, at, CRM_RULE_PART_CONDITION, error))
        return FALSE;
      if (g_strcmp0 (get_string (json_node_get_object (node), "type"), "date_is_today") == 0 &&
          get_string (json_node_get_object (node), "field") == NULL)
        return invalid (error, at, _("“date_is_today” needs a \"field\" (a date field's key)"));
      if (g_strcmp0 (get_string (json_node_get_object (node), "type"), "not") == 0)
        {
          JsonObject *inner = get_object (json_node_get_object (node), "condition");
          g_autoptr(JsonArray) one = json_array_new ();
          g_autofree char *inner_at = g_strconcat (at, ".condition", NULL);

          if (inner == NULL)
            return invalid (error, at, _("“not” needs a \"condition\""));
          json_array_add_object_element (one, json_object_ref (inner));
          if (!validate_conditions (one, inner_at, error))
            return FALSE;
        }
      if (!validate_params (node, at, CRM_RULE_PART_CONDITION, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_actions (JsonArray   *actions,
                  const char  *position,
                  GError     **error)
{
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      /* no position: one part checked alone (the editor's row), named by its row */
      g_autofree char *at = position != NULL ? g_strdup_printf ("%s[%u]", position, i)
                                             : g_strdup ("");
      JsonNode *node = json_array_get_element (actions, i);
      JsonObject *action;
      const char *type;

      if (!validate_typed (node, at, CRM_RULE_PART_ACTION, error))
        return FALSE;
      action = json_node_get_object (node);
      type = get_string (action, "type");
      if ((g_str_equal (type, "move_deal") || g_str_equal (type, "create_deal")) &&
          (get_string (action, "pipeline") == NULL || get_string (action, "stage") == NULL))
        return invalid (error, at, _("“%s” needs \"pipeline\" and \"stage\""), type);
      if (g_str_equal (type, "create_task") && get_string (action, "text") == NULL)
        return invalid (error, at, _("“create_task” needs a \"text\""));
      if ((g_str_equal (type, "add_tag") || g_str_equal (type, "remove_tag")) &&
          get_string (action, "tag") == NULL)
        return invalid (error, at, _("“%s” needs a \"tag\""), type);
      if (g_str_equal (type, "set_field") && get_string (action, "field") == NULL)
        return invalid (error, at, _("“set_field” needs a \"field\""));
      if (g_str_equal (type, "send_message"))
        {
          const char *channel = get_string (action, "channel");
          const char *text = get_string (action, "text");
          const char *template_name = get_string (action, "template");
          JsonArray *channels = get_array (action, "channel");
          g_autoptr(GError) placeholder_error = NULL;

          if (text == NULL && template_name == NULL)
            return invalid (error, at, _("“send_message” needs a \"text\" or a \"template\""));

          /* one channel, or a list: the first the recipient can be reached on */
          for (guint c = 0; channel == NULL && channels != NULL &&
                            c < json_array_get_length (channels); c++)
            {
              JsonNode *item = json_array_get_element (channels, c);
              const char *name = JSON_NODE_HOLDS_VALUE (item) &&
                                 json_node_get_value_type (item) == G_TYPE_STRING
                                 ? json_node_get_string (item) : "?";

              if (!is_channel (name))
                return invalid (error, at, _("“send_message”: “%s” is not a channel; choose "
                                             "email, sms or telegram"), name);
            }
          if (channel != NULL && !is_channel (channel))
            return invalid (error, at, _("“send_message”: “%s” is not a channel; choose email, "
                                         "sms or telegram"), channel);
          if (template_name == NULL && text != NULL && strstr (text, "{deal.") != NULL &&
              !crm_message_check_placeholders (text, &placeholder_error))
            return invalid (error, at, "%s", placeholder_error->message);
        }
      if (g_str_equal (type, "for_each_deal") && get_string (action, "pipeline") == NULL)
        return invalid (error, at, _("“for_each_deal” needs a \"pipeline\""));
      if (!_crm_rule_schedule_validate_action (action, at, error))
        return FALSE;
      {
        g_autofree char *inner_at = g_strconcat (at, ".actions", NULL);
        g_autofree char *cond_at = g_strconcat (at, ".conditions", NULL);

        if (!validate_actions (get_array (action, "actions"), inner_at, error) ||
            !validate_conditions (get_array (action, "conditions"), cond_at, error))
          return FALSE;
      }
      if (!validate_params (node, at, CRM_RULE_PART_ACTION, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
crm_rule_validate (JsonNode  *definition,
                   GError   **error)
{
  JsonObject *rule;
  JsonArray *triggers;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition))
    return invalid (error, "rule", _("expected a JSON object"));
  rule = json_node_get_object (definition);
  triggers = get_array (rule, "triggers");
  if (triggers != NULL)
    {
      for (guint i = 0; i < json_array_get_length (triggers); i++)
        {
          g_autofree char *at = g_strdup_printf ("triggers[%u]", i);
          if (!validate_typed (json_array_get_element (triggers, i), at,
                               CRM_RULE_PART_TRIGGER, error) ||
              !validate_params (json_array_get_element (triggers, i), at,
                                CRM_RULE_PART_TRIGGER, error))
            return FALSE;
        }
    }
  else if (!validate_typed (json_object_get_member (rule, "trigger"), "trigger",
                            CRM_RULE_PART_TRIGGER, error) ||
           !validate_params (json_object_get_member (rule, "trigger"), "trigger",
                             CRM_RULE_PART_TRIGGER, error))
    return FALSE;
  if (json_object_has_member (rule, "conditions") && get_array (rule, "conditions") == NULL)
    return invalid (error, "conditions", _("expected an array"));
  if (get_array (rule, "actions") == NULL)
    return invalid (error, "actions", _("expected an array of actions"));
  return validate_conditions (get_array (rule, "conditions"), "conditions", error) &&
         validate_actions (get_array (rule, "actions"), "actions", error);
}

gboolean
_crm_rule_validate_part (CrmRulePart   part,
                         JsonNode     *node,
                         GError      **error)
{
  g_autoptr(JsonArray) one = json_array_new ();

  switch (part)
    {
    case CRM_RULE_PART_TRIGGER:
      return validate_typed (node, "", part, error) && validate_params (node, "", part, error);
    case CRM_RULE_PART_CONDITION:
      json_array_add_element (one, json_node_copy (node));
      return validate_conditions (one, NULL, error);
    case CRM_RULE_PART_ACTION:
    default:
      json_array_add_element (one, json_node_copy (node));
      return validate_actions (one, NULL, error);
    }
}
