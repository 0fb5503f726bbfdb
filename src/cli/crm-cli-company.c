/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-company.c — `company add`: a company with its INN and custom fields. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-query.h"

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
