/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-fields.c — `--field key=value`: custom fields checked against the account's
 * `field` definitions (type, choices) before they reach a change set. */
#define G_LOG_DOMAIN "voronka-cli"

#include <string.h>

#include "crm-cli.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-time.h"

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  static const char *const yes[] = { "yes", "true", "1", "да", "on", NULL };
  static const char *const no[] = { "no", "false", "0", "нет", "off", NULL };
  g_autofree char *lower = g_utf8_strdown (text, -1);

  if (g_strv_contains (yes, lower))
    *out = TRUE;
  else if (g_strv_contains (no, lower))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static char *
join_choices (JsonArray *choices)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (choices); i++)
    {
      JsonNode *node = json_array_get_element (choices, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, json_node_get_string (node));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
field_error (GError     **error,
             const char  *label,
             const char  *key,
             const char  *value,
             const char  *expected)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("Field «%s» (%s): «%s» is not valid; expected %s"),
               label, key, value, expected);
  return FALSE;
}

gboolean
crm_cli_set_field_value (CrmCli      *cli,
                         CrmChange   *change,
                         const char  *entity,
                         const char  *key,
                         const char  *value,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *field_id = NULL;
  g_autoptr(JsonObject) field = NULL;
  const char *type;
  const char *label;
  const char *stored_key;

  field_id = crm_query_resolve (cli->store, "field", key, entity, &local_error);
  if (field_id == NULL)
    {
      if (g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
        local_error->code = CRM_STORE_ERROR_INVALID_INPUT;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  field = crm_store_dup_entity (cli->store, "field", field_id);
  if (field == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("The field «%s» has disappeared"), key);
      return FALSE;
    }
  type = crm_cli_str (field, "type", "text");
  stored_key = crm_cli_str (field, "key", key);
  label = crm_cli_str (field, "label", stored_key);

  if (g_str_equal (type, "companies"))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» links companies, it is not typed: use “contact set ID --company "
                     "+COMPANY” (or -COMPANY to remove one)"), label);
      return FALSE;
    }
  /* key= clears the field */
  if (*value == '\0')
    {
      crm_change_set_null (change, stored_key);
      return TRUE;
    }

  if (g_str_equal (type, "choice"))
    {
      JsonNode *node = json_object_get_member (field, "choices");
      JsonArray *choices = node != NULL && JSON_NODE_HOLDS_ARRAY (node)
                           ? json_node_get_array (node) : NULL;
      g_autofree char *folded_value = g_utf8_casefold (value, -1);
      g_autofree char *list = NULL;

      for (guint i = 0; choices != NULL && i < json_array_get_length (choices); i++)
        {
          JsonNode *choice = json_array_get_element (choices, i);
          g_autofree char *folded_choice = NULL;

          if (!JSON_NODE_HOLDS_VALUE (choice) ||
              json_node_get_value_type (choice) != G_TYPE_STRING)
            continue;
          /* store the choice as the template spells it */
          folded_choice = g_utf8_casefold (json_node_get_string (choice), -1);
          if (g_str_equal (folded_choice, folded_value))
            {
              crm_change_set_string (change, stored_key, json_node_get_string (choice));
              return TRUE;
            }
        }
      list = choices != NULL ? join_choices (choices) : g_strdup ("");
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Field «%s» (%s): «%s» is not one of the choices: %s"),
                   label, stored_key, value, list);
      return FALSE;
    }
  else if (g_str_equal (type, "bool"))
    {
      gboolean flag;

      if (!parse_bool (value, &flag))
        return field_error (error, label, stored_key, value, _("yes or no"));
      crm_change_set_bool (change, stored_key, flag);
    }
  else if (g_str_equal (type, "number") || g_str_equal (type, "counter"))
    {
      gint64 number;

      if (!g_ascii_string_to_signed (value, 10, g_str_equal (type, "counter") ? 0 : G_MININT64,
                                     G_MAXINT64, &number, NULL))
        return field_error (error, label, stored_key, value, _("a whole number"));
      crm_change_set_int (change, stored_key, number);
    }
  else if (g_str_equal (type, "money"))
    {
      gint64 minor;

      if (!crm_money_parse (value, &minor))
        return field_error (error, label, stored_key, value, _("an amount such as 1500000.00"));
      crm_change_set_int (change, stored_key, minor);
    }
  else if (g_str_equal (type, "date"))
    {
      gint64 ms;

      if (!crm_cli_parse_date (cli, value, stored_key, &ms, NULL))
        return field_error (error, label, stored_key, value, _("a date such as 2026-03-02"));
      crm_change_set_int (change, stored_key, ms);
    }
  else
    {
      crm_change_set_string (change, stored_key, value);
    }
  return TRUE;
}

gboolean
crm_cli_set_field (CrmCli      *cli,
                   CrmChange   *change,
                   const char  *entity,
                   const char  *assignment,
                   GError     **error)
{
  const char *equals = strchr (assignment, '=');
  g_autofree char *key = NULL;

  if (equals == NULL || equals == assignment)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--field «%s»: write it as key=value"), assignment);
      return FALSE;
    }
  key = g_strndup (assignment, equals - assignment);
  g_strstrip (key);
  return crm_cli_set_field_value (cli, change, entity, key, equals + 1, error);
}

/* Custom field values as CLI.md spells them: money as a decimal string ("150000.00"),
 * dates as ISO 8601 — the replica keeps minor units and milliseconds. */
gboolean
crm_cli_present_fields (CrmCli      *cli,
                        JsonObject  *object,
                        const char  *entity,
                        GError     **error)
{
  g_autoptr(JsonArray) definitions = NULL;
  JsonObject *fields;
  g_autoptr(GList) keys = NULL;

  if (object == NULL || !json_object_has_member (object, "fields") ||
      json_object_get_null_member (object, "fields"))
    return TRUE;
  fields = json_object_get_object_member (object, "fields");
  definitions = crm_query_fields (cli->store, entity, error);
  if (definitions == NULL)
    return FALSE;
  keys = json_object_get_members (fields);
  for (GList *l = keys; l != NULL && definitions != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (fields, l->data);
      const char *type = NULL;

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64)
        continue;
      for (guint i = 0; i < json_array_get_length (definitions) && type == NULL; i++)
        {
          JsonObject *field = json_array_get_object_element (definitions, i);

          if (g_strcmp0 (json_object_get_string_member_with_default (field, "key", NULL),
                         l->data) == 0)
            type = json_object_get_string_member_with_default (field, "type", NULL);
        }
      if (g_strcmp0 (type, "money") == 0)
        {
          g_autofree char *text = crm_money_format (json_node_get_int (value));

          json_object_set_string_member (fields, l->data, text);
        }
      else if (g_strcmp0 (type, "date") == 0)
        {
          g_autofree char *text = crm_time_format (json_node_get_int (value));

          json_object_set_string_member (fields, l->data, text);
        }
    }
  return TRUE;
}

/* `field set KEY --entity E [--hidden yes|no] [--label L]`: an admin hides a field the
 * account does not use (S3-2), on every replica once synced, or shows it again. */
gboolean
crm_cli_field_set (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *entity = NULL;
  g_autofree char *hidden = NULL;
  g_autofree char *label = NULL;
  const GOptionEntry entries[] = {
    { "entity", 0, 0, G_OPTION_ARG_STRING, &entity, N_("Whose field: deal, contact or company"), N_("E") },
    { "hidden", 0, 0, G_OPTION_ARG_STRING, &hidden, N_("yes hides the field from cards and forms, no shows it again"), N_("yes|no") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("A new label"), N_("L") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) field = NULL;
  g_autofree char *field_id = NULL;
  CrmChange *change;
  gboolean hide = FALSE;

  if (!crm_cli_parse (cli, "field set", "KEY",
                      _("Change a custom field of the account (administrators): hide one "
                        "nobody uses, show it again, rename it. With --json: the field "
                        "{\"id\", \"entity\", \"key\", \"label\", \"type\", \"hidden\", …}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (entity, "--entity", error))
    return FALSE;
  if (!g_str_equal (entity, "deal") && !g_str_equal (entity, "contact") &&
      !g_str_equal (entity, "company"))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--entity: «%s» has no fields; write deal, contact or company"), entity);
      return FALSE;
    }
  if (hidden != NULL && !parse_bool (hidden, &hide))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--hidden: write yes or no, not «%s»"), hidden);
      return FALSE;
    }
  if (label != NULL && *g_strstrip (label) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--label: a field needs a label"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (field_id = crm_cli_resolve (cli, "field", argv[1], entity, error)) == NULL)
    return FALSE;
  change = crm_changeset_touch (changeset, "field", field_id);
  if (hidden != NULL)
    crm_change_set_bool (change, "hidden", hide);
  if (label != NULL)
    crm_change_set_string (change, "label", label);
  if ((hidden != NULL || label != NULL) && !crm_cli_apply (cli, changeset, error))
    return FALSE;
  field = crm_store_dup_entity (cli->store, "field", field_id);
  if (cli->json)
    crm_cli_print_json_object (field);
  else
    g_print (_("Saved field %s\n"), crm_cli_str (field, "label", argv[1]));
  return TRUE;
}
