/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-payer.c — `payer add`, `payer list` and `deal set ID --payer` (S4-11): the
 * shared directory of payers, apart from companies. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-payer.h"

gboolean
crm_cli_payer_add (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *name = NULL;
  g_autofree char *inn = NULL;
  g_autofree char *kpp = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The legal entity's name"), N_("N") },
    { "inn", 0, 0, G_OPTION_ARG_STRING, &inn, N_("Its INN (10 or 12 digits, check digits checked)"), N_("INN") },
    { "kpp", 0, 0, G_OPTION_ARG_STRING, &kpp, N_("Its KPP (9 characters)"), N_("KPP") },
    { NULL }
  };
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "payer add", "",
                      _("Add a payer to the shared directory. An INN already there is refused, "
                        "naming the payer that has it. With --json: the payer {\"id\", \"name\", "
                        "\"inn\", \"kpp\"}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (name, "--name", error) ||
      !crm_cli_require (inn, "--inn", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = crm_payer_add (cli->store, name, inn, kpp, cli->actor_id, NULL, error);
  if (id == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) payer = crm_store_dup_entity (cli->store, "payer", id);
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "id", id);
      json_object_set_string_member (out, "name", crm_cli_str (payer, "name", ""));
      json_object_set_string_member (out, "inn", crm_cli_str (payer, "inn", ""));
      if (json_object_has_member (payer, "kpp"))
        json_object_set_string_member (out, "kpp", crm_cli_str (payer, "kpp", ""));
      else
        json_object_set_null_member (out, "kpp");
      crm_cli_print_json_object (out);
    }
  else
    g_print (_("Added payer %s, id %s\n"), g_strstrip (name), id);
  return TRUE;
}

gboolean
crm_cli_payer_list (CrmCli   *cli,
                    int       argc,
                    char    **argv,
                    GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  const char *header[] = { _("ID"), _("NAME"), _("INN"), _("KPP"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) payers = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "payer list", "",
                      _("List the payers' directory by name. With --json: [{\"id\", \"name\", "
                        "\"inn\", \"kpp\"}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  payers = crm_payer_list (cli->store, error);
  if (payers == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (payers);
      return TRUE;
    }
  array = json_node_get_array (payers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *payer = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 5);

      row[0] = crm_cli_display_id (crm_cli_str (payer, "id", ""));
      row[1] = g_strdup (crm_cli_str (payer, "name", ""));
      row[2] = g_strdup (crm_cli_str (payer, "inn", ""));
      row[3] = g_strdup (crm_cli_str (payer, "kpp", ""));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  return TRUE;
}

gboolean
crm_cli_deal_set_payer (CrmCli      *cli,
                        const char  *deal_id,
                        const char  *payer,
                        const char  *new_name,
                        const char  *new_kpp,
                        GError     **error)
{
  gboolean added = FALSE;
  g_autofree char *payer_id = NULL;

  payer_id = crm_payer_set_on_deal (cli->store, deal_id, payer, new_name, new_kpp, cli->actor_id,
                                    &added, error);
  if (payer_id == NULL)
    return FALSE;
  if (!cli->json)
    {
      g_autoptr(JsonObject) row = crm_store_dup_entity (cli->store, "payer", payer_id);

      if (added)
        g_print (_("Added payer %s (INN %s) to the directory\n"), crm_cli_str (row, "name", ""),
                 crm_cli_str (row, "inn", ""));
      else if (new_name != NULL)
        g_print (_("INN %s is already in the directory as «%s»: the deal's payer is that one\n"),
                 crm_cli_str (row, "inn", ""), crm_cli_str (row, "name", ""));
    }
  return TRUE;
}
