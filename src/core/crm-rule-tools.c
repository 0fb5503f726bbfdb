/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-tools.c — what an administrator does with rules besides running them: check
 * one against the replica (the editor's validation as you type), try it on a deal
 * without writing anything (the dry run), write it as `rule import` does (an op on the
 * rule entity, so it syncs and undo takes it back), remove it, and export rules as the
 * JSON `rule import` reads. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"
#include "crm-rights.h"
#include "crm-describe.h"
#include "crm-error.h"
#include "crm-json-private.h"
#include "crm-query.h"
#include "crm-uuid.h"

/* --- checking a rule against the replica ------------------------------------------------- */

static const char *
part_array_key (CrmRulePart part)
{
  return part == CRM_RULE_PART_CONDITION ? "conditions" : "actions";
}

/* Does @name of @entity exist (by name or id)? An ambiguous name counts as there. */
static gboolean
name_exists (CrmStore   *store,
             const char *entity,
             const char *name,
             const char *scope)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = crm_query_resolve (store, entity, name, scope, &error);

  return id != NULL || (error != NULL && error->code == CRM_STORE_ERROR_INVALID_INPUT &&
                        strstr (error->message, "«") != NULL);
}

static gboolean
is_special_user (const char *spec)
{
  return g_str_equal (spec, "deal") || g_str_equal (spec, "client_manager") ||
         g_str_equal (spec, "group_head") || g_str_equal (spec, "client") ||
         g_str_has_prefix (spec, "group_head:") || g_str_has_prefix (spec, "group:");
}

static gboolean
check_name (CrmStore    *store,
            const char  *entity,
            const char  *name,
            const char  *scope,
            const char  *what,
            GError     **error)
{
  if (name == NULL || *name == '\0' || name_exists (store, entity, name, scope))
    return TRUE;
  /* Translators: a rule names something the account lacks: «stage “Отгружено”» */
  g_set_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET,
               _("There is no %s «%s» in this account; pick one from the list"), what, name);
  return FALSE;
}

/* @name names a role of the account; else the roles it has, in the rule's error domain. */
static gboolean
check_role (CrmStore    *store,
            const char  *name,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) role = crm_rights_role_find (store, name, &local_error);

  if (role != NULL)
    return TRUE;
  if (crm_error_is_storage (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_set_error_literal (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET,
                       local_error->message);
  return FALSE;
}

/* The names one part gives (pipelines, stages, tags, users, reasons) exist. */
static gboolean
check_references (CrmStore    *store,
                  CrmRulePart  part,
                  JsonObject  *object,
                  GError     **error)
{
  const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, get_string (object, "type"));
  g_autofree char *pipeline = NULL;
  const char *pipeline_name = get_string (object, "pipeline");

  if (spec == NULL)
    return TRUE;
  if (pipeline_name != NULL)
    {
      if (!check_name (store, "pipeline", pipeline_name, NULL, _("pipeline"), error))
        return FALSE;
      pipeline = crm_query_resolve (store, "pipeline", pipeline_name, NULL, NULL);
    }
  for (guint i = 0; spec->params[i].key != NULL; i++)
    {
      const CrmRuleParam *param = &spec->params[i];
      JsonNode *node = json_object_get_member (object, param->key);
      g_autoptr(JsonArray) names = json_array_new ();

      if (node == NULL)
        continue;
      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          json_array_unref (names);
          names = json_array_ref (json_node_get_array (node));
        }
      else
        json_array_add_element (names, json_node_copy (node));
      for (guint n = 0; n < json_array_get_length (names); n++)
        {
          JsonNode *item = json_array_get_element (names, n);
          const char *name = JSON_NODE_HOLDS_VALUE (item) &&
                             json_node_get_value_type (item) == G_TYPE_STRING
                             ? json_node_get_string (item) : NULL;
          gboolean ok = TRUE;

          if (name == NULL)
            continue;
          switch (param->kind)
            {
            case CRM_RULE_PARAM_PIPELINES:
              ok = check_name (store, "pipeline", name, NULL, _("pipeline"), error);
              break;
            case CRM_RULE_PARAM_STAGE:
            case CRM_RULE_PARAM_STAGES:
              ok = check_name (store, "stage", name, pipeline, _("stage"), error);
              break;
            case CRM_RULE_PARAM_TAG:
              ok = check_name (store, "tag", name, NULL, _("tag"), error);
              break;
            case CRM_RULE_PARAM_REASON:
            case CRM_RULE_PARAM_REASONS:
              ok = check_name (store, "loss_reason", name, NULL, _("loss reason"), error);
              break;
            case CRM_RULE_PARAM_USER:
              ok = is_special_user (name) ||
                   check_name (store, "user", name, NULL, _("user"), error);
              break;
            case CRM_RULE_PARAM_TEXTS:
              /* assign_on_shift's roles: each a role of the account (a built-in key, a
               * role's name or its id), matched by what users hold (crm-rule-schedule.c) */
              if (g_str_equal (param->key, "roles"))
                ok = check_role (store, name, error);
              break;
            default:
              break;
            }
          if (!ok)
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
crm_rule_check_part (CrmStore     *store,
                     CrmRulePart   part,
                     JsonNode     *node,
                     GError      **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!_crm_rule_validate_part (part, node, error))
    return FALSE;
  return check_references (store, part, json_node_get_object (node), error);
}

gboolean
crm_rule_check (CrmStore     *store,
                JsonNode     *definition,
                char        **out_at,
                GError      **error)
{
  JsonObject *rule;
  JsonNode *trigger;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (out_at != NULL)
    *out_at = NULL;
  if (!crm_rule_validate (definition, error))
    {
      /* the position is the message's start: "actions[1]: …" */
      if (out_at != NULL && error != NULL && *error != NULL)
        {
          const char *colon = strstr ((*error)->message, ": ");

          if (colon != NULL)
            *out_at = g_strndup ((*error)->message, colon - (*error)->message);
        }
      return FALSE;
    }
  rule = json_node_get_object (definition);
  trigger = json_object_get_member (rule, "trigger");
  if (trigger != NULL && !check_references (store, CRM_RULE_PART_TRIGGER,
                                            json_node_get_object (trigger), error))
    {
      if (out_at != NULL)
        *out_at = g_strdup ("trigger");
      return FALSE;
    }
  for (CrmRulePart part = CRM_RULE_PART_CONDITION; part <= CRM_RULE_PART_ACTION; part++)
    {
      JsonArray *items = get_array (rule, part_array_key (part));

      for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
        if (!check_references (store, part, json_array_get_object_element (items, i), error))
          {
            if (out_at != NULL)
              *out_at = g_strdup_printf ("%s[%u]", part_array_key (part), i);
            return FALSE;
          }
    }
  return TRUE;
}

/* --- words for a part of a rule ---------------------------------------------------------- */

static char *
value_text (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("—");
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? _("yes") : _("no"));
  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *one = value_text (json_array_get_element (array, i));

          g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", one);
        }
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  return json_to_string (value, FALSE);
}

char *
crm_rule_describe_part (CrmRulePart  part,
                        JsonObject  *object)
{
  const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, get_string (object, "type"));
  g_autoptr(GString) out = NULL;

  if (spec == NULL)
    return g_strdup (get_string (object, "type") != NULL ? get_string (object, "type") : "?");
  out = g_string_new (_(spec->label));
  for (guint i = 0, n = 0; spec->params[i].key != NULL; i++)
    {
      JsonNode *value = json_object_get_member (object, spec->params[i].key);
      g_autofree char *text = NULL;

      if (value == NULL)
        continue;
      if (spec->params[i].kind == CRM_RULE_PARAM_CONDITION && JSON_NODE_HOLDS_OBJECT (value))
        text = crm_rule_describe_part (CRM_RULE_PART_CONDITION, json_node_get_object (value));
      else
        text = value_text (value);
      g_string_append_printf (out, "%s%s: %s", n++ == 0 ? " — " : "; ",
                              _(spec->params[i].label), text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- the dry run ----------------------------------------------------------------------------- */

G_DEFINE_QUARK (crm-rule-dry-run-done, dry_run_done)

typedef struct {
  JsonObject  *definition;
  const char  *rule_id;
  const char  *rule_name;
  const char  *deal_id;
  const char  *actor;
  JsonObject  *trigger;     /* the trigger that fits the deal */
  JsonObject  *result;
} DryRun;

static char *
stage_words (CrmStore   *store,
             const char *stage_id)
{
  g_autoptr(JsonObject) stage = crm_store_dup_entity (store, "stage", stage_id);
  g_autoptr(JsonObject) pipeline = NULL;

  if (stage == NULL)
    return g_strdup ("?");
  pipeline = crm_store_dup_entity (store, "pipeline",
                                   json_object_get_string_member_with_default (stage, "pipeline",
                                                                               ""));
  return g_strdup_printf ("%s › %s",
                          pipeline != NULL ? json_object_get_string_member_with_default (
                                               pipeline, "name", "?") : "?",
                          json_object_get_string_member_with_default (stage, "name", "?"));
}

/* Would @trigger fire for @deal as it is now? NULL when it would, else why not. */
static char *
trigger_misfit (CrmStore   *store,
                JsonObject *trigger,
                JsonObject *deal)
{
  const char *type = get_string (trigger, "type");
  const char *deal_pipeline = get_string (deal, "pipeline");
  const char *deal_stage = get_string (deal, "stage");
  const char *pipeline_name = get_string (trigger, "pipeline");
  const char *stage_name = get_string (trigger, "stage");
  g_autofree char *here = stage_words (store, deal_stage);

  if (g_strcmp0 (type, "contact_created") == 0 || g_strcmp0 (type, "company_created") == 0)
    return g_strdup (_("This trigger is about a new contact or company, not a deal"));
  if (pipeline_name != NULL)
    {
      g_autofree char *pipeline = crm_query_resolve (store, "pipeline", pipeline_name, NULL, NULL);

      if (g_strcmp0 (pipeline, deal_pipeline) != 0)
        /* Translators: the deal's place, and the pipeline a trigger waits for */
        return g_strdup_printf (_("The deal is at «%s»; the trigger waits for the pipeline «%s»"),
                                here, pipeline_name);
    }
  if (stage_name != NULL)
    {
      g_autofree char *stage = crm_query_resolve (store, "stage", stage_name, deal_pipeline, NULL);

      if (g_strcmp0 (stage, deal_stage) != 0)
        return g_strdup_printf (_("The deal is at «%s»; the trigger waits for the stage «%s»"),
                                here, stage_name);
    }
  if (g_strcmp0 (type, "deal_won") == 0 || g_strcmp0 (type, "deal_lost") == 0)
    {
      g_autoptr(JsonObject) stage = crm_store_dup_entity (store, "stage", deal_stage);
      const char *kind = stage != NULL ? json_object_get_string_member_with_default (stage, "kind",
                                                                                   "") : "";
      gboolean won = g_str_equal (type, "deal_won");

      if (!g_str_equal (kind, won ? "won" : "lost"))
        return g_strdup_printf (won ? _("The deal is at «%s», not won")
                                    : _("The deal is at «%s», not lost"), here);
    }
  if (g_strcmp0 (type, "field_changed") == 0 && json_object_has_member (trigger, "to"))
    {
      const char *field = get_string (trigger, "field");
      JsonNode *value = json_object_get_member (deal, field);

      if (!_crm_rule_value_in (value, json_object_get_member (trigger, "to")))
        {
          g_autofree char *label = crm_describe_field (store, "deal", field);
          g_autofree char *now = crm_describe_value (store, "deal", get_string (deal, "id"),
                                                     field, value);
          g_autofree char *to = value_text (json_object_get_member (trigger, "to"));

          /* Translators: a field's label, its value now, the values a trigger waits for */
          return g_strdup_printf (_("The deal's «%s» is %s; the trigger waits for %s"),
                                  label, now, to);
        }
    }
  return NULL;
}

static void
set_failed (JsonObject *result,
            const char *at,
            const char *message)
{
  JsonObject *failed = json_object_new ();

  json_object_set_string_member (failed, "at", at);
  json_object_set_string_member (failed, "message", message);
  json_object_set_object_member (result, "failed", failed);
  json_object_set_boolean_member (result, "fires", FALSE);
}

static gboolean
dry_run_in_transaction (CrmStore  *store,
                        gpointer   user_data,
                        GError   **error)
{
  DryRun *run = user_data;
  g_auto(CrmRuleEngine) engine = { 0 };
  g_autoptr(GError) refusal = NULL;
  JsonArray *conditions = get_array (run->definition, "conditions");
  JsonArray *changes = json_array_new ();
  CrmRuleContext ctx = { 0 };
  g_autofree char *subject_user = NULL;
  CrmRule *rule;
  gboolean ok;

  json_object_set_array_member (run->result, "changes", changes);
  if (!_crm_rules_engine_init (&engine, store, error))
    return FALSE;
  /* the rule as edited stands in for the stored one of its name */
  for (guint i = engine.rules->len; i > 0; i--)
    {
      CrmRule *other = g_ptr_array_index (engine.rules, i - 1);

      if (g_strcmp0 (other->id, run->rule_id) == 0 || g_strcmp0 (other->name, run->rule_name) == 0)
        g_ptr_array_remove_index (engine.rules, i - 1);
    }
  rule = _crm_rule_new (run->rule_id, run->rule_name, run->definition);
  g_ptr_array_insert (engine.rules, 0, rule);

  ctx.engine = &engine;
  ctx.rule = rule;
  ctx.cause = "dry-run";
  ctx.actor = run->actor;
  ctx.depth = 1;
  ctx.deal_id = run->deal_id;
  if (g_strcmp0 (get_string (run->trigger, "type"), "timer") == 0 &&
      g_strcmp0 (get_string (run->trigger, "from"), "overdue_tasks") == 0)
    {
      /* the subject of this timer is a user: the deal's responsible */
      subject_user = _crm_store_dup_column (store, "deal", run->deal_id, "responsible");
      ctx.deal_id = subject_user;
      _crm_rule_timer_subject (&ctx, run->trigger);
    }

  /* every condition on its own, to say which one does not hold */
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      g_autoptr(JsonArray) one = json_array_new ();
      JsonNode *node = json_array_get_element (conditions, i);

      json_array_add_element (one, json_node_copy (node));
      if (!_crm_rule_check_conditions (&ctx, one, NULL))
        {
          g_autofree char *at = g_strdup_printf ("conditions[%u]", i);
          g_autofree char *words = crm_rule_describe_part (CRM_RULE_PART_CONDITION,
                                                           json_node_get_object (node));
          /* Translators: a rule's condition in words, which the deal does not meet */
          g_autofree char *message = g_strdup_printf (_("The condition «%s» does not hold for "
                                                        "this deal"), words);

          set_failed (run->result, at, message);
          goto done;
        }
    }

  json_object_set_boolean_member (run->result, "fires", TRUE);
  if (g_strcmp0 (get_string (run->trigger, "type"), "timer") == 0)
    ok = _crm_rule_run_timer_actions (&ctx, run->trigger, engine.now,
                                      get_array (run->definition, "actions"), &refusal);
  else
    ok = _crm_rule_run_actions (&ctx, get_array (run->definition, "actions"), "", &refusal);
  /* what it writes sets off other rules, as it would */
  ok = ok && _crm_rules_drain_queue (&engine, &refusal);
  ok = ok && _crm_store_savepoint_check (store, 0, &refusal);
  if (!ok)
    {
      JsonObject *refused = json_object_new ();

      if (crm_error_is_storage (refusal))
        {
          g_propagate_error (error, g_steal_pointer (&refusal));
          return FALSE;
        }
      json_object_set_string_member (refused, "code", crm_error_code_name (refusal));
      json_object_set_string_member (refused, "message", refusal->message);
      json_object_set_object_member (run->result, "refused", refused);
    }
  else
    {
      for (guint q = 0; q < engine.queue->len; q++)
        {
          const CrmOp *op = g_array_index (engine.queue, CrmRuleQueueItem, q).op;
          JsonObject *change = json_object_new ();
          g_autofree char *text = crm_describe_change (store, op->entity, op->entity_id,
                                                       op->fields);
          g_autofree char *by = NULL;

          for (guint r = 0; r < engine.rules->len && by == NULL; r++)
            {
              const CrmRule *one = g_ptr_array_index (engine.rules, r);

              if (g_strcmp0 (one->id, op->rule) == 0)
                by = g_strdup (one->name);
            }
          json_object_set_string_member (change, "entity", op->entity);
          json_object_set_string_member (change, "id", op->entity_id);
          json_object_set_string_member (change, "text", text);
          json_object_set_string_member (change, "rule", by != NULL ? by : run->rule_name);
          json_object_set_object_member (change, "fields", json_object_ref (op->fields));
          json_array_add_object_element (changes, change);
        }
    }

done:
  /* nothing of it stays: the whole transaction is given up */
  g_set_error_literal (error, dry_run_done_quark (), 0, "dry run");
  return FALSE;
}

JsonObject *
crm_rule_dry_run (CrmStore    *store,
                  JsonNode    *definition,
                  const char  *deal_id,
                  const char  *actor,
                  GError     **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonArray) scratch = json_array_new ();
  g_autofree char *first_misfit = NULL;
  g_autofree char *deal_text = NULL;
  g_autofree char *rule_id = NULL;
  JsonArray *triggers;
  JsonObject *rule;
  DryRun run = { 0 };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (deal_id != NULL, NULL);

  if (!crm_rule_validate (definition, error))
    return NULL;
  rule = json_node_get_object (definition);
  deal = crm_store_dup_entity (store, "deal", deal_id);
  if (deal == NULL || json_object_get_boolean_member_with_default (deal, "deleted", FALSE))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No deal «%s» to try the rule on; “voronkactl deal list” lists them"),
                   deal_id);
      return NULL;
    }

  run.definition = rule;
  run.rule_name = get_string (rule, "name") != NULL ? get_string (rule, "name") : _("New rule");
  rule_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, run.rule_name);
  run.rule_id = get_string (rule, "id") != NULL ? get_string (rule, "id") : rule_id;
  run.deal_id = deal_id;
  run.actor = actor;
  run.result = result;
  deal_text = crm_describe_entity (store, "deal", deal_id);
  json_object_set_string_member (result, "rule", run.rule_name);
  json_object_set_string_member (result, "deal", deal_id);
  json_object_set_string_member (result, "deal_text", deal_text);

  triggers = get_array (rule, "triggers");
  if (triggers == NULL)
    {
      json_array_add_object_element (scratch, json_object_ref (get_object (rule, "trigger")));
      triggers = scratch;
    }
  for (guint i = 0; i < json_array_get_length (triggers) && run.trigger == NULL; i++)
    {
      JsonObject *trigger = json_array_get_object_element (triggers, i);
      g_autofree char *misfit = trigger_misfit (store, trigger, deal);

      if (misfit == NULL)
        run.trigger = trigger;
      else if (first_misfit == NULL)
        first_misfit = g_steal_pointer (&misfit);
    }
  if (run.trigger == NULL)
    {
      set_failed (result, get_array (rule, "triggers") != NULL ? "triggers[0]" : "trigger",
                  first_misfit);
      json_object_set_array_member (result, "changes", json_array_new ());
      return g_steal_pointer (&result);
    }

  if (!_crm_store_transact (store, dry_run_in_transaction, &run, &local_error) &&
      !g_error_matches (local_error, dry_run_done_quark (), 0))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&result);
}

/* --- writing, removing and exporting rules ------------------------------------------------ */

gboolean
crm_rules_stage_import (CrmStore      *store,
                        CrmChangeset  *changeset,
                        JsonNode      *rule_node,
                        char         **out_id,
                        gboolean      *out_created,
                        GError       **error)
{
  g_autoptr(JsonNode) existing = NULL;
  g_autofree char *template_name = NULL;
  JsonArray *existing_array;
  JsonObject *rule;
  JsonObject *current = NULL;
  const char *name;
  const char *id_given;
  gint64 position = 0;
  CrmChange *change;
  char *id;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!crm_rule_validate (rule_node, error))
    return FALSE;
  rule = json_node_get_object (rule_node);
  name = get_string (rule, "name");
  if (name == NULL || *name == '\0')
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("A rule needs a name"));
  existing = crm_rules_list (store, error);
  if (existing == NULL)
    return FALSE;
  existing_array = json_node_get_array (existing);
  id_given = get_string (rule, "id");
  for (guint j = 0; j < json_array_get_length (existing_array); j++)
    {
      JsonObject *item = json_array_get_object_element (existing_array, j);

      position = MAX (position, json_object_get_int_member_with_default (item, "position", 0) + 1);
      if (current == NULL && (id_given != NULL ? g_strcmp0 (get_string (item, "id"), id_given) == 0
                                               : g_strcmp0 (get_string (item, "name"), name) == 0))
        current = item;
    }
  /* rules new in this change set already (a file of several) come before this one */
  for (guint c = 0; c < crm_changeset_get_n_changes (changeset); c++)
    {
      CrmChange *other = crm_changeset_get_change (changeset, c);

      if (other->is_new && g_str_equal (other->entity, "rule"))
        position = MAX (position, json_object_get_int_member_with_default (other->fields,
                                                                           "position", 0) + 1);
    }
  if (id_given != NULL && current != NULL)
    {
      /* renamed in the editor: no other rule may have the new name */
      for (guint j = 0; j < json_array_get_length (existing_array); j++)
        {
          JsonObject *item = json_array_get_object_element (existing_array, j);

          if (item != current && g_strcmp0 (get_string (item, "name"), name) == 0)
            return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                                   _("Another rule is already called «%s»; choose another name"),
                                   name);
        }
    }
  if (current == NULL)
    {
      /* the templates' scheme (data/templates/README.md), so two replicas importing
       * one rule agree on its id */
      g_autofree char *key = NULL;

      template_name = crm_store_dup_meta (store, "template");
      key = g_strconcat (template_name != NULL ? template_name : "local", "/rule/", name, NULL);
      id = crm_uuid_v5 (CRM_UUID_NAMESPACE, key);
      change = crm_changeset_create (changeset, "rule", id);
      crm_change_set_int (change, "position", position);
    }
  else
    {
      id = g_strdup (get_string (current, "id"));
      change = crm_changeset_touch (changeset, "rule", id);
    }
  {
    g_autoptr(JsonNode) stored = crm_json_node_take_object (
      crm_json_object_deep_copy (json_node_get_object (rule_node)));

    /* the id is the entity's, not part of the definition */
    json_object_remove_member (json_node_get_object (stored), "id");
    crm_change_set_string (change, "name", name);
    crm_change_set_node (change, "definition", g_steal_pointer (&stored));
  }
  if (current == NULL || json_object_has_member (rule, "enabled"))
    crm_change_set_bool (change, "enabled",
                         json_object_get_boolean_member_with_default (rule, "enabled", TRUE));
  if (out_created != NULL)
    *out_created = current == NULL;
  if (out_id != NULL)
    *out_id = id;
  else
    g_free (id);
  return TRUE;
}

void
crm_rules_stage_delete (CrmChangeset *changeset,
                        const char   *rule_id)
{
  crm_change_set_bool (crm_changeset_touch (changeset, "rule", rule_id), "deleted", TRUE);
}

JsonNode *
crm_rules_export (CrmStore    *store,
                  const char  *name_or_id,
                  GError     **error)
{
  g_autoptr(JsonNode) list = crm_rules_list (store, error);
  JsonArray *out;
  JsonArray *array;

  if (list == NULL)
    return NULL;
  out = json_array_new ();
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      JsonObject *rule;
      const char *keys[] = { "spec", "trigger", "triggers", "conditions", "actions" };

      if (name_or_id != NULL && g_strcmp0 (get_string (item, "name"), name_or_id) != 0 &&
          g_strcmp0 (get_string (item, "id"), name_or_id) != 0)
        continue;
      rule = json_object_new ();
      json_object_set_string_member (rule, "name", get_string (item, "name"));
      json_object_set_boolean_member (rule, "enabled",
                                      json_object_get_boolean_member_with_default (item, "enabled",
                                                                                   TRUE));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        if (json_object_has_member (item, keys[k]))
          json_object_set_member (rule, keys[k],
                                  json_node_copy (json_object_get_member (item, keys[k])));
      json_array_add_object_element (out, rule);
    }
  if (name_or_id != NULL && json_array_get_length (out) == 0)
    {
      json_array_unref (out);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No rule «%s»; “voronkactl rules” lists them"), name_or_id);
      return NULL;
    }
  return crm_json_node_take_array (out);
}
