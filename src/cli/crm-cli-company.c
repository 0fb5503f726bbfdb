/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-company.c — `company add`: a company with its INN and custom fields; `company
 * set` (fields, holding links) and `company show` (the total of its won deals, the
 * holding). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-company.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-time.h"

/* INNs of Russian companies have 10 digits, of individual entrepreneurs 12. */
static gboolean
valid_inn (const char *inn)
{
  gsize n = 0;

  for (const char *p = inn; *p != '\0'; p++, n++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return n == 10 || n == 12;
}

gboolean
crm_cli_company_add (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *name = NULL;
  g_autofree char *inn = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The company's name"), N_("N") },
    { "inn", 0, 0, G_OPTION_ARG_STRING, &inn, N_("Taxpayer number (10 or 12 digits)"), N_("INN") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field (repeatable)"), N_("key=value") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  if (!crm_cli_parse (cli, "company add", "",
                      _("Add a company. With --json: the company {\"id\", \"name\", \"inn\", …}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (name, "--name", error))
    return FALSE;
  g_strstrip (name);
  if (*name == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--name: a company needs a name"));
      return FALSE;
    }
  if (inn != NULL && !valid_inn (g_strstrip (inn)))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--inn: «%s» is not an INN; it has 10 or 12 digits"), inn);
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;

  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "company", id);
  crm_change_set_string (change, "name", name);
  if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  if (cli->actor_id != NULL)
    crm_change_set_string (change, "responsible", cli->actor_id);
  crm_change_set_int (change, "created_at", crm_cli_now (cli));
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "company", fields[i], error))
      return FALSE;
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonObject) company = crm_store_dup_entity (cli->store, "company", id);

      if (company == NULL)
        company = json_object_new ();
      crm_cli_print_json_object (company);
    }
  else
    g_print (_("Added company %s, id %s\n"), name, id);
  return TRUE;
}

/* "a, b" of the "name" members of an array of {"id","name"}. */
static char *
join_names (JsonObject *object,
            const char *member)
{
  JsonArray *list = json_object_get_array_member (object, member);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "",
                            crm_cli_str (json_array_get_object_element (list, i), "name", ""));
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* Custom fields as "label  value" lines, hidden fields left out. */
gboolean
crm_cli_print_custom_fields (CrmCli      *cli,
                             JsonObject  *object,
                             const char  *entity,
                             GError     **error)
{
  g_autoptr(JsonArray) definitions = crm_query_fields (cli->store, entity, error);
  JsonObject *fields = json_object_get_object_member (object, "fields");

  if (definitions == NULL)
    return FALSE;
  for (guint i = 0; fields != NULL && definitions != NULL &&
                    i < json_array_get_length (definitions); i++)
    {
      JsonObject *field = json_array_get_object_element (definitions, i);
      const char *key = crm_cli_str (field, "key", "");
      JsonNode *value = json_object_get_member (fields, key);
      g_autofree char *text = NULL;

      if (json_object_get_boolean_member_with_default (field, "hidden", FALSE) ||
          value == NULL || !JSON_NODE_HOLDS_VALUE (value))
        continue;
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        text = g_strdup (json_node_get_boolean (value) ? _("yes") : _("no"));
      else if (json_node_get_value_type (value) == G_TYPE_INT64)
        text = g_strdup_printf ("%lld", (long long) json_node_get_int (value));
      else
        continue;
      crm_cli_print_pair (crm_cli_str (field, "label", key), text, 24);
    }
  return TRUE;
}

static gboolean
print_company (CrmCli      *cli,
               const char  *company_id,
               GError     **error)
{
  g_autoptr(JsonObject) company = crm_company_show (cli->store, company_id, error);
  g_autofree char *total = NULL;
  g_autofree char *holding = NULL;
  g_autofree char *contacts = NULL;
  g_autofree char *related = NULL;
  g_autofree char *discounts = NULL;

  if (company == NULL || !crm_cli_add_discounts (cli, company, "company", company_id, error))
    return FALSE;
  total = crm_money_format (json_object_get_int_member (company, "total"));
  if (!crm_cli_present_fields (cli, company, "company", error))
    return FALSE;
  if (cli->json)
    {
      json_object_set_string_member (company, "total", total);
      crm_cli_print_json_object (company);
      return TRUE;
    }
  g_print ("%s\n", crm_cli_str (company, "name", ""));
  crm_cli_print_pair (_("ID"), crm_cli_str (company, "id", ""), 24);
  crm_cli_print_pair (_("INN"), crm_cli_str (company, "inn", NULL), 24);
  if (!crm_cli_print_custom_fields (cli, company, "company", error))
    return FALSE;
  /* Translators: the sum of the company's won deals */
  crm_cli_print_pair (_("Total of won deals"), total, 24);
  discounts = crm_cli_discounts_text (company);
  /* Translators: the discounts of the brands the company buys (S3-9) */
  if (discounts != NULL)
    crm_cli_print_pair (_("Discounts"), discounts, 24);
  holding = join_names (company, "holding");
  crm_cli_print_pair (_("Holding"), holding, 24);
  contacts = join_names (company, "contacts");
  crm_cli_print_pair (_("Contacts"), contacts, 24);
  related = join_names (company, "related_contacts");
  crm_cli_print_pair (_("Related contacts"), related, 24);
  return TRUE;
}

gboolean
crm_cli_company_show (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *company_id = NULL;

  if (!crm_cli_parse (cli, "company show", "ID",
                      _("Show a company. With --json: the company {\"id\", \"name\", \"inn\", "
                        "\"fields\", \"total\" (the sum of its won deals), \"won_deals\", "
                        "\"holding\": [{\"id\", \"name\"}], \"contacts\", "
                        "\"related_contacts\", \"discounts\": [{\"brand\", \"discount\"}] (the brands of "
                        "its deals)}."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  company_id = crm_cli_resolve (cli, "company", argv[1], NULL, error);
  return company_id != NULL && print_company (cli, company_id, error);
}

gboolean
crm_cli_company_set (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *name = NULL;
  g_autofree char *inn = NULL;
  g_auto(GStrv) fields = NULL;
  g_auto(GStrv) links = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("A new name"), N_("N") },
    { "inn", 0, 0, G_OPTION_ARG_STRING, &inn, N_("Taxpayer number (10 or 12 digits; empty clears it)"), N_("INN") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field; key= clears it (repeatable)"), N_("key=value") },
    { "link", 0, 0, G_OPTION_ARG_STRING_ARRAY, &links, N_("+C links company C into this one's holding, -C unlinks it (repeatable)"), N_("+C|-C") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *company_id = NULL;
  CrmChange *change = NULL;

  if (!crm_cli_parse (cli, "company set", "ID",
                      _("Change a company: name, INN, custom fields and holding links (both "
                        "companies show the link). With --json: the company as “company "
                        "show” prints it."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (name != NULL && *g_strstrip (name) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--name: a company needs a name"));
      return FALSE;
    }
  if (inn != NULL && *g_strstrip (inn) != '\0' && !valid_inn (inn))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--inn: «%s» is not an INN; it has 10 or 12 digits"), inn);
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (company_id = crm_cli_resolve (cli, "company", argv[1], NULL, error)) == NULL)
    return FALSE;
  if (name != NULL || inn != NULL || fields != NULL)
    change = crm_changeset_touch (changeset, "company", company_id);
  if (name != NULL)
    crm_change_set_string (change, "name", name);
  if (inn != NULL && *inn == '\0')
    crm_change_set_null (change, "inn");
  else if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "company", fields[i], error))
      return FALSE;
  for (guint i = 0; links != NULL && links[i] != NULL; i++)
    {
      const char *link = links[i];
      g_autofree char *other_id = NULL;

      if (*link != '+' && *link != '-')
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--link «%s»: write +COMPANY to link a company or -COMPANY to "
                         "unlink it"), link);
          return FALSE;
        }
      if ((other_id = crm_cli_resolve (cli, "company", link + 1, NULL, error)) == NULL)
        return FALSE;
      if (g_str_equal (other_id, company_id))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--link «%s»: a company cannot be linked to itself"), link + 1);
          return FALSE;
        }
      crm_company_link_change (changeset, company_id, other_id, *link == '+');
    }
  if (crm_changeset_get_n_changes (changeset) > 0 && !crm_cli_apply (cli, changeset, error))
    return FALSE;
  if (cli->json)
    return print_company (cli, company_id, error);
  g_print (_("Saved company %s\n"), company_id);
  return TRUE;
}
