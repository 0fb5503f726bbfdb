/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-rules.c — `rules`, `rule show|enable|disable|import` and `tick`: the
 * automation rules of the replica (data, not code: see crm-rules.c) and the timer
 * rules run at --now. Changes to rules go through the one write path as the acting
 * user, so the store's admin-only gate refuses anyone else. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <string.h>

#include "crm-cli.h"
#include "crm-describe.h"
#include "crm-json.h"
#include "crm-rules.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* ---- trigger summaries ---- */

/* "Продажи › Отгружено", "Продажи", "Отгружено" or NULL. */
static char *
describe_place (JsonObject *trigger)
{
  const char *pipeline = crm_cli_str (trigger, "pipeline", NULL);
  const char *stage = crm_cli_str (trigger, "stage", NULL);

  if (pipeline != NULL && stage != NULL)
    return g_strdup_printf ("%s › %s", pipeline, stage);
  return g_strdup (pipeline != NULL ? pipeline : stage);
}

static char *
describe_value (JsonNode *value)
{
  if (value == NULL)
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *one = describe_value (json_array_get_element (array, i));

          g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", one);
        }
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  return json_to_string (value, FALSE);
}

/* "45 days", "10 minutes", "3 working days". */
static char *
describe_offset (JsonObject *offset)
{
  gulong n;

  if (offset != NULL && json_object_has_member (offset, "minutes"))
    {
      n = (gulong) json_object_get_int_member (offset, "minutes");
      return g_strdup_printf (ngettext ("%lu minute", "%lu minutes", n), n);
    }
  if (offset != NULL && json_object_has_member (offset, "days"))
    {
      n = (gulong) json_object_get_int_member (offset, "days");
      return g_strdup_printf (ngettext ("%lu day", "%lu days", n), n);
    }
  if (offset != NULL && json_object_has_member (offset, "working_days"))
    {
      n = (gulong) json_object_get_int_member (offset, "working_days");
      return g_strdup_printf (ngettext ("%lu working day", "%lu working days", n), n);
    }
  return g_strdup (_("no delay"));
}

static char *
describe_trigger (JsonObject *trigger)
{
  const char *type = crm_cli_str (trigger, "type", "");
  g_autofree char *place = describe_place (trigger);
  const char *where = place != NULL ? place : _("any pipeline");

  if (g_str_equal (type, "deal_created"))
    return g_strdup_printf (_("deal created in %s"), where);
  if (g_str_equal (type, "stage_entered"))
    return g_strdup_printf (_("deal enters %s"), where);
  if (g_str_equal (type, "deal_won"))
    return g_strdup_printf (_("deal won in %s"), where);
  if (g_str_equal (type, "deal_lost"))
    {
      if (crm_cli_str (trigger, "from_stage", NULL) != NULL)
        return g_strdup_printf (_("deal lost in %s from «%s»"), where,
                                crm_cli_str (trigger, "from_stage", ""));
      return g_strdup_printf (_("deal lost in %s"), where);
    }
  if (g_str_equal (type, "field_changed"))
    {
      const char *field = crm_cli_str (trigger, "field", "?");

      if (json_object_has_member (trigger, "to"))
        {
          g_autofree char *to = describe_value (json_object_get_member (trigger, "to"));
          return g_strdup_printf (_("%s set to %s in %s"), field, to, where);
        }
      return g_strdup_printf (_("%s changed in %s"), field, where);
    }
  if (g_str_equal (type, "task_completed"))
    {
      if (crm_cli_str (trigger, "task_type", NULL) != NULL)
        return g_strdup_printf (_("%s task completed"), crm_cli_str (trigger, "task_type", ""));
      return g_strdup (_("task completed"));
    }
  if (g_str_equal (type, "contact_created"))
    return g_strdup (_("contact created"));
  if (g_str_equal (type, "company_created"))
    return g_strdup (_("company created"));
  if (g_str_equal (type, "timer"))
    {
      g_autofree char *after = NULL;
      JsonNode *node = json_object_get_member (trigger, "after");

      after = describe_offset (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                               ? json_node_get_object (node) : NULL);
      if (g_strcmp0 (crm_cli_str (trigger, "from", NULL), "task_due") == 0)
        return g_strdup_printf (_("timer: %s after a task was due"), after);
      return g_strdup_printf (_("timer: %s at %s"), after, where);
    }
  return g_strdup (type);
}

/* One line for all the triggers of a rule ("triggers" or "trigger"). */
static char *
describe_triggers (JsonObject *rule)
{
  g_autoptr(GString) out = g_string_new (NULL);
  JsonNode *many = json_object_get_member (rule, "triggers");
  JsonNode *one = json_object_get_member (rule, "trigger");

  if (many != NULL && JSON_NODE_HOLDS_ARRAY (many))
    {
      JsonArray *array = json_node_get_array (many);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *text = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          text = describe_trigger (json_node_get_object (element));
          /* TRANSLATORS: joins two triggers of one rule */
          g_string_append_printf (out, "%s%s", out->len > 0 ? _(" or ") : "", text);
        }
    }
  else if (one != NULL && JSON_NODE_HOLDS_OBJECT (one))
    {
      g_autofree char *text = describe_trigger (json_node_get_object (one));
      g_string_append (out, text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- lookup ---- */

/* crm_rules_list() with a "summary" of the triggers on each rule. */
static JsonNode *
dup_rules (CrmCli   *cli,
           GError  **error)
{
  JsonNode *list = crm_rules_list (cli->store, error);
  JsonArray *array;

  if (list == NULL)
    return NULL;
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *rule = json_array_get_object_element (array, i);

      g_autofree char *summary = describe_triggers (rule);

      json_object_set_string_member (rule, "summary", summary);
    }
  return list;
}

/* The rule called @name_or_id, or whose id is or starts with it (borrowed from @list). */
static JsonObject *
find_rule (JsonNode    *list,
           const char  *name_or_id,
           GError     **error)
{
  JsonArray *array = json_node_get_array (list);
  JsonObject *by_prefix = NULL;
  guint n_prefix = 0;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < json_array_get_length (array); i++)
      {
        JsonObject *rule = json_array_get_object_element (array, i);
        const char *id = crm_cli_str (rule, "id", "");

        if (pass == 0 && (g_str_equal (id, name_or_id) ||
                          g_strcmp0 (crm_cli_str (rule, "name", NULL), name_or_id) == 0))
          return rule;
        if (pass == 1 && strlen (name_or_id) >= 8 && g_str_has_prefix (id, name_or_id))
          {
            by_prefix = rule;
            n_prefix++;
          }
      }
  if (n_prefix == 1)
    return by_prefix;
  if (n_prefix > 1)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                 _("The id prefix “%s” matches more than one rule; give more of it"),
                 name_or_id);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No rule «%s»; “voronkactl rules” lists them"), name_or_id);
  return NULL;
}

/* ---- rules ---- */

gboolean
crm_cli_rules (CrmCli   *cli,
               int       argc,
               char    **argv,
               GError  **error)
{
  const char *header[] = { _("NAME"), _("ENABLED"), _("TRIGGER"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) rules = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "rules", "",
                      _("List the automation rules in the order they run: name, whether "
                        "they are enabled, and what sets them off. With --json: "
                        "[{\"id\", \"name\", \"enabled\", \"position\", \"trigger\" or "
                        "\"triggers\", \"conditions\", \"actions\", \"summary\"}]."),
                      NULL, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  rules = dup_rules (cli, error);
  if (rules == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (rules);
      return TRUE;
    }
  array = json_node_get_array (rules);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *rule = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 4);

      row[0] = g_strdup (crm_cli_str (rule, "name", ""));
      row[1] = g_strdup (json_object_get_boolean_member_with_default (rule, "enabled", FALSE)
                         ? _("yes") : _("no"));
      row[2] = g_strdup (crm_cli_str (rule, "summary", ""));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No automation rules."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}

/* ---- rule show ---- */

static void
print_rule_human (JsonObject *rule)
{
  g_autoptr(JsonObject) definition = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gint64 index = json_object_get_int_member_with_default (rule, "position", 0);
  g_autofree char *position = g_strdup_printf ("%" G_GINT64_FORMAT, index);
  const char *keys[] = { "trigger", "triggers", "conditions", "actions" };
  const guint width = 10;

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    if (json_object_has_member (rule, keys[k]))
      json_object_set_member (definition, keys[k],
                              json_node_copy (json_object_get_member (rule, keys[k])));
  json_node_set_object (node, definition);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);

  g_print ("%s\n", crm_cli_str (rule, "name", ""));
  crm_cli_print_pair (_("Id"), crm_cli_str (rule, "id", ""), width);
  crm_cli_print_pair (_("Enabled"),
                      json_object_get_boolean_member_with_default (rule, "enabled", FALSE)
                      ? _("yes") : _("no"), width);
  crm_cli_print_pair (_("Position"), position, width);
  crm_cli_print_pair (_("Trigger"), crm_cli_str (rule, "summary", ""), width);
  g_print ("\n%s\n%s\n", _("Definition"), text);
}

gboolean
crm_cli_rule_show (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autoptr(JsonNode) rules = NULL;
  JsonObject *rule;

  if (!crm_cli_parse (cli, "rule show", "NAME|ID",
                      _("Show one automation rule: its trigger, conditions and actions. "
                        "The rule is named exactly as “voronkactl rules” lists it, or by "
                        "its id (or the first 8 or more characters of it)."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  rules = dup_rules (cli, error);
  if (rules == NULL)
    return FALSE;
  rule = find_rule (rules, argv[1], error);
  if (rule == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (rule);
  else
    print_rule_human (rule);
  return TRUE;
}

/* ---- rule enable / disable ---- */

static gboolean
set_enabled (CrmCli      *cli,
             const char  *command,
             gboolean     enabled,
             int          argc,
             char       **argv,
             GError     **error)
{
  g_autoptr(JsonNode) rules = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  JsonObject *rule;

  if (!crm_cli_parse (cli, command, "NAME|ID",
                      enabled ? _("Turn an automation rule on: it runs on the changes made "
                                  "from now on. Only an administrator may change rules.")
                              : _("Turn an automation rule off: it no longer runs, and what "
                                  "it did stays. Only an administrator may change rules."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  rules = dup_rules (cli, error);
  if (rules == NULL)
    return FALSE;
  rule = find_rule (rules, argv[1], error);
  if (rule == NULL)
    return FALSE;
  id = g_strdup (crm_cli_str (rule, "id", ""));

  changeset = crm_changeset_new ();
  crm_change_set_bool (crm_changeset_touch (changeset, "rule", id), "enabled", enabled);
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  after = dup_rules (cli, error);
  if (after == NULL || (rule = find_rule (after, id, error)) == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (rule);
  else
    g_print (enabled ? _("Enabled rule: %s\n") : _("Disabled rule: %s\n"),
             crm_cli_str (rule, "name", ""));
  return TRUE;
}

gboolean
crm_cli_rule_enable (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  return set_enabled (cli, "rule enable", TRUE, argc, argv, error);
}

gboolean
crm_cli_rule_disable (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  return set_enabled (cli, "rule disable", FALSE, argc, argv, error);
}

/* ---- rule import ---- */

static gboolean
import_invalid (GError     **error,
                const char  *file,
                const char  *where,
                const char  *message)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s: %s: %s",
               file, where, message);
  return FALSE;
}

/* Checks one rule of the file; *out_name gets its name (borrowed). */
static gboolean
check_imported_rule (JsonNode     *node,
                     const char   *file,
                     guint         index,
                     GHashTable   *seen,
                     const char  **out_name,
                     GError      **error)
{
  g_autofree char *where = g_strdup_printf ("[%u]", index);
  g_autoptr(GError) rule_error = NULL;
  JsonObject *rule;
  JsonNode *enabled;
  const char *name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return import_invalid (error, file, where, _("expected a rule object"));
  rule = json_node_get_object (node);
  name = crm_cli_str (rule, "name", NULL);
  if (name == NULL || *name == '\0')
    return import_invalid (error, file, where, _("a rule needs a \"name\""));
  g_free (where);
  where = g_strdup_printf (_("rule «%s»"), name);
  if (!g_hash_table_add (seen, (gpointer) name))
    return import_invalid (error, file, where, _("a second rule with this name"));
  enabled = json_object_get_member (rule, "enabled");
  if (enabled != NULL && (!JSON_NODE_HOLDS_VALUE (enabled) ||
                          json_node_get_value_type (enabled) != G_TYPE_BOOLEAN))
    return import_invalid (error, file, where, _("\"enabled\" must be true or false"));
  if (!crm_rule_validate (node, &rule_error))
    return import_invalid (error, file, where, rule_error->message);
  *out_name = name;
  return TRUE;
}

/* The largest rule file accepted: a rule is a few hundred bytes. */
#define RULE_FILE_MAX_BYTES (4 * 1024 * 1024)

/* Reads FILE.json: one rule object or an array of them. */
static JsonNode *
load_rule_file (const char  *file,
                GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("No rule file «%s»"), file);
      return NULL;
    }
  root = crm_json_load_file_bounded (file, RULE_FILE_MAX_BYTES, CRM_JSON_MAX_DEPTH, &parse_error);
  if (root == NULL)
    {
      if (parse_error->domain == G_FILE_ERROR)
        g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                             parse_error->message);
      else if (parse_error->code == CRM_JSON_ERROR_SYNTAX)
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                     _("%s is not valid JSON: %s"), file, parse_error->message);
      else   /* too large, too deep, NUL, not UTF-8: "FILE:LINE:COLUMN: what" */
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s:%s%s", file,
                     g_ascii_isdigit (parse_error->message[0]) ? "" : " ", parse_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root) && !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s: expected one rule object or an array of rules"), file);
      return NULL;
    }
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonArray *array = json_array_new ();
      JsonNode *list = json_node_new (JSON_NODE_ARRAY);

      json_array_add_element (array, g_steal_pointer (&root));
      json_node_take_array (list, array);
      return list;
    }
  return g_steal_pointer (&root);
}

gboolean
crm_cli_rule_import (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autoptr(JsonNode) rules = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) created = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(JsonArray) result = json_array_new ();
  JsonArray *array;

  if (!crm_cli_parse (cli, "rule import", "FILE.json",
                      _("Add or replace automation rules from a JSON file: one rule object "
                        "with a \"name\", or an array of them, in the format of the "
                        "templates' \"rules\" (trigger, conditions, actions; see "
                        "data/templates/README.md). A rule with the name of an existing "
                        "one replaces its definition. Every rule is checked first — an "
                        "unknown trigger, condition or action is refused, naming it — and "
                        "nothing is written unless all of them are valid. Only an "
                        "administrator may change rules."),
                      NULL, &argc, &argv, 1, error))
    return FALSE;
  rules = load_rule_file (argv[1], error);
  if (rules == NULL || !crm_cli_open (cli, error))
    return FALSE;
  array = json_node_get_array (rules);
  if (json_array_get_length (array) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s holds no rules"), argv[1]);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *name = NULL;
      gboolean is_new = FALSE;
      char *id = NULL;

      if (!check_imported_rule (node, argv[1], i, seen, &name, error))
        return FALSE;
      /* an id in the file is the editor's business, not an import's */
      if (json_object_has_member (json_node_get_object (node), "id"))
        json_object_remove_member (json_node_get_object (node), "id");
      if (!crm_rules_stage_import (cli->store, changeset, node, &id, &is_new, error))
        return FALSE;
      g_ptr_array_add (ids, id);
      g_array_append_val (created, is_new);
    }

  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  after = dup_rules (cli, error);
  if (after == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      JsonObject *rule = find_rule (after, g_ptr_array_index (ids, i), error);

      if (rule == NULL)
        return FALSE;
      if (cli->json)
        json_array_add_object_element (result, json_object_ref (rule));
      else
        g_print (g_array_index (created, gboolean, i) ? _("Added rule: %s (%s)\n")
                                                      : _("Replaced rule: %s (%s)\n"),
                 crm_cli_str (rule, "name", ""), crm_cli_str (rule, "summary", ""));
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, result);
      crm_cli_print_json (node);
    }
  return TRUE;
}

/* ---- tick ---- */

gboolean
crm_cli_tick (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *at = NULL;
  g_autoptr(JsonNode) refused = NULL;
  guint fired = 0;

  if (!crm_cli_parse (cli, "tick", "",
                      _("Run the timer rules that are due at --now (default: the real "
                        "clock): “10 minutes after a deal entered a stage”, “2 days after a "
                        "task was due”. Each rule fires once per deal and deadline, so "
                        "running tick again creates nothing new. A run a gate refuses (a "
                        "required field, say) changes nothing, stops no other, is listed and "
                        "leaves a notification to the deal's responsible. The server runs "
                        "the same code on its own; a replica working offline runs it with "
                        "this command. With --json: {\"fired\": N, \"refused\": [{\"rule\", "
                        "\"deal\", \"code\", \"message\"}]}."),
                      NULL, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (!crm_rules_tick_full (cli->store, &fired, &refused, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_int_member (result, "fired", fired);
      json_object_set_member (result, "refused", g_steal_pointer (&refused));
      crm_cli_print_json_object (result);
      return TRUE;
    }
  at = crm_time_format (crm_cli_now (cli));
  g_print (ngettext ("%u timer rule fired at %s\n", "%u timer rules fired at %s\n", fired),
           fired, at);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (refused)); i++)
    {
      JsonObject *item = json_array_get_object_element (json_node_get_array (refused), i);
      const char *deal = crm_cli_str (item, "deal", NULL);
      g_autofree char *title = deal != NULL ? crm_describe_entity (cli->store, "deal", deal)
                                            : NULL;

      /* TRANSLATORS: a timer rule's run refused: the rule, the deal, the gate's words */
      g_print (_("Refused: rule “%s” for %s: %s\n"), crm_cli_str (item, "rule", ""),
               title != NULL ? title : "—", crm_cli_str (item, "message", ""));
    }
  return TRUE;
}

/* ---- rule test ---- */

/* The rule to try: a stored rule's definition (by name or id), or FILE.json's one rule. */
static JsonNode *
dup_rule_to_test (CrmCli      *cli,
                  const char  *name_or_file,
                  GError     **error)
{
  g_autoptr(JsonNode) rules = NULL;
  JsonObject *rule;
  JsonObject *definition;
  const char *keys[] = { "name", "id", "trigger", "triggers", "conditions", "actions" };

  if (g_str_has_suffix (name_or_file, ".json") &&
      g_file_test (name_or_file, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(JsonNode) list = load_rule_file (name_or_file, error);
      JsonArray *array;

      if (list == NULL)
        return NULL;
      array = json_node_get_array (list);
      if (json_array_get_length (array) != 1)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("%s holds %u rules; a test tries one: export it with “voronkactl rule "
                         "export NAME --out FILE.json”"),
                       name_or_file, json_array_get_length (array));
          return NULL;
        }
      return json_node_copy (json_array_get_element (array, 0));
    }
  rules = dup_rules (cli, error);
  if (rules == NULL || (rule = find_rule (rules, name_or_file, error)) == NULL)
    return NULL;
  definition = json_object_new ();
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    if (json_object_has_member (rule, keys[k]))
      json_object_set_member (definition, keys[k],
                              json_node_copy (json_object_get_member (rule, keys[k])));
  {
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (node, definition);
    return node;
  }
}

gboolean
crm_cli_rule_test (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *deal = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The deal to try the rule on (number or id)"),
      N_("ID") },
    { NULL }
  };
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *deal_id = NULL;
  JsonArray *changes;
  JsonObject *failed;
  JsonObject *refused;

  if (!crm_cli_parse (cli, "rule test", "NAME|FILE.json",
                      _("Show what an automation rule would do to a deal now, writing "
                        "nothing: its trigger taken as happening to the deal, its conditions "
                        "checked (the first that does not hold is named), its actions and the "
                        "rules they set off run, the changes listed in the words of the deal's "
                        "history. The rule is a stored one (by name or id) or FILE.json, a rule "
                        "as “rule import” takes it. With --json: {\"rule\", \"deal\", "
                        "\"fires\", \"failed\": {\"at\", \"message\"}, \"refused\": "
                        "{\"code\", \"message\"}, \"changes\": [{\"entity\", \"id\", "
                        "\"text\", \"rule\", \"fields\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  definition = dup_rule_to_test (cli, argv[1], error);
  if (definition == NULL)
    return FALSE;
  deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error);
  if (deal_id == NULL)
    return FALSE;
  result = crm_rule_dry_run (cli->store, definition, deal_id, cli->actor_id, error);
  if (result == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (result);
      return TRUE;
    }
  /* Translators: a dry run's heading: the rule, the deal */
  g_print (_("Rule «%s» on %s (nothing is written):\n"), crm_cli_str (result, "rule", ""),
           crm_cli_str (result, "deal_text", ""));
  failed = json_object_has_member (result, "failed")
           ? json_object_get_object_member (result, "failed") : NULL;
  refused = json_object_has_member (result, "refused")
            ? json_object_get_object_member (result, "refused") : NULL;
  changes = json_object_get_array_member (result, "changes");
  if (failed != NULL)
    {
      g_print (_("It would not fire: %s\n"), crm_cli_str (failed, "message", ""));
      return TRUE;
    }
  if (refused != NULL)
    {
      g_print (_("It would be refused, and nothing would change: %s\n"),
               crm_cli_str (refused, "message", ""));
      return TRUE;
    }
  if (changes == NULL || json_array_get_length (changes) == 0)
    g_print ("%s\n", _("It would fire and change nothing."));
  for (guint i = 0; changes != NULL && i < json_array_get_length (changes); i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);
      const char *entity = crm_cli_str (change, "entity", "");
      const char *by = crm_cli_str (change, "rule", "");

      if (g_strcmp0 (by, crm_cli_str (result, "rule", "")) != 0)
        /* Translators: one change of a dry run that another rule, set off, would make */
        g_print (_("  • %s — by rule «%s»\n"), crm_cli_str (change, "text", entity), by);
      else
        g_print ("  • %s\n", crm_cli_str (change, "text", entity));
    }
  return TRUE;
}

/* ---- rule export ---- */

gboolean
crm_cli_rule_export (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *out = NULL;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("The JSON file to write"), N_("FILE.json") },
    { NULL }
  };
  g_autoptr(JsonNode) rules = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  guint n;

  if (!crm_cli_parse (cli, "rule export", "[NAME]",
                      _("Write the automation rules, or the one called NAME, to a JSON file "
                        "that “voronkactl rule import” reads back: an array of rules with their "
                        "name, whether they are enabled, trigger, conditions and actions."),
                      entries, &argc, &argv, -1, error))
    return FALSE;
  if (argc > 2)
    return crm_cli_usage_error (error, _("rule export takes at most one rule name"));
  if (!crm_cli_require (out, "--out", error) || !crm_cli_open (cli, error))
    return FALSE;
  rules = crm_rules_export (cli->store, argc == 2 ? argv[1] : NULL, error);
  if (rules == NULL)
    return FALSE;
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, rules);
  text = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents (out, text, -1, error))
    return FALSE;
  n = json_array_get_length (json_node_get_array (rules));
  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "file", out);
      json_object_set_int_member (result, "rules", n);
      crm_cli_print_json_object (result);
    }
  else
    g_print (ngettext ("Wrote %u rule to %s\n", "Wrote %u rules to %s\n", n), n, out);
  return TRUE;
}
