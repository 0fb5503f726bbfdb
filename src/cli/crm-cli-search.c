/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-search.c — `search TEXT`: the app's one search box from the shell: deals,
 * contacts and companies for a surname, a company name or a piece of a phone number. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-search.h"
#include "crm-time.h"

/* A deal card as the CLI's deal JSON spells things: money as a decimal string, tags
 * by name. */
static JsonObject *
deal_for_output (JsonObject *card)
{
  JsonObject *deal = json_object_new ();
  JsonArray *tags = json_object_get_array_member (card, "tags");
  JsonArray *names = json_array_new ();
  static const char *const members[] = { "id", "title", "stage", "stage_kind", "company",
                                          "contact", "responsible", NULL };

  for (guint i = 0; members[i] != NULL; i++)
    {
      JsonNode *value = json_object_get_member (card, members[i]);

      json_object_set_member (deal, members[i],
                              value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
    }
  if (json_object_get_null_member (card, "amount"))
    json_object_set_null_member (deal, "amount");
  else
    {
      g_autofree char *amount = crm_money_format (json_object_get_int_member (card, "amount"));

      json_object_set_string_member (deal, "amount", amount);
    }
  for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
    json_array_add_string_element (names, json_object_get_string_member (
                                            json_array_get_object_element (tags, i), "name"));
  json_object_set_array_member (deal, "tags", names);
  return deal;
}

static void
print_group (const char *title,
             gint64      total,
             guint       shown,
             GPtrArray  *rows)
{
  if (total == 0)
    return;
  if ((gint64) shown < total)
    /* Translators: a group of search results: "Contacts (20 of 153)" */
    g_print (_("%s (%u of %lld)\n"), title, shown, (long long) total);
  else
    g_print ("%s (%lld)\n", title, (long long) total);
  crm_cli_print_table (NULL, rows);
  g_print ("\n");
}

gboolean
crm_cli_search (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  int limit = 20;
  const GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N of each group (default 20)"), N_("N") },
    { NULL }
  };
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonArray) deals_out = json_array_new ();
  g_autoptr(GPtrArray) rows = NULL;
  JsonObject *result, *totals;
  JsonArray *deals, *contacts, *companies;

  if (!crm_cli_parse (cli, "search", _("TEXT"),
                      _("Find deals, contacts and companies: the first letters of a surname, "
                        "a company or a deal title, or four or more digits of a phone number "
                        "(«762-30»). With --json: {\"deals\": […], \"contacts\": […], "
                        "\"companies\": […], \"totals\": {…}}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (limit < 1 || limit > 1000)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--limit: %d is out of range; give a number from 1 to 1000"), limit);
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  found = crm_query_search (cli->store, argv[1], (guint) limit, error);
  if (found == NULL)
    return FALSE;

  result = json_node_get_object (found);
  totals = json_object_get_object_member (result, "totals");
  deals = json_object_get_array_member (result, "deals");
  contacts = json_object_get_array_member (result, "contacts");
  companies = json_object_get_array_member (result, "companies");
  for (guint i = 0; i < json_array_get_length (deals); i++)
    json_array_add_object_element (deals_out,
                                   deal_for_output (json_array_get_object_element (deals, i)));
  json_object_set_array_member (result, "deals", g_steal_pointer (&deals_out));
  deals = json_object_get_array_member (result, "deals");

  if (cli->json)
    {
      crm_cli_print_json (found);
      return TRUE;
    }

  if (json_object_get_int_member (totals, "deals") + json_object_get_int_member (totals, "contacts") +
      json_object_get_int_member (totals, "companies") == 0)
    {
      g_print (_("Nothing found for «%s»: try the first letters of a surname or a company, or "
                 "four or more digits of a phone number.\n"), argv[1]);
      return TRUE;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < json_array_get_length (deals); i++)
    {
      JsonObject *deal = json_array_get_object_element (deals, i);
      char **row = g_new0 (char *, 6);

      row[0] = crm_cli_display_id (crm_cli_str (deal, "id", ""));
      row[1] = g_strdup (crm_cli_str (deal, "title", ""));
      row[2] = g_strdup (crm_cli_str (deal, "stage", ""));
      row[3] = g_strdup (crm_cli_str (deal, "contact", crm_cli_str (deal, "company", "")));
      row[4] = g_strdup (crm_cli_str (deal, "amount", ""));
      g_ptr_array_add (rows, row);
    }
  print_group (_("Deals"), json_object_get_int_member (totals, "deals"),
               json_array_get_length (deals), rows);

  g_ptr_array_set_size (rows, 0);
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = json_array_get_object_element (contacts, i);
      char **row = g_new0 (char *, 5);

      row[0] = crm_cli_display_id (crm_cli_str (contact, "id", ""));
      row[1] = g_strdup (crm_cli_str (contact, "name", ""));
      row[2] = crm_cli_join_array (contact, "phones");
      row[3] = g_strdup (crm_cli_str (contact, "company", ""));
      g_ptr_array_add (rows, row);
    }
  print_group (_("Contacts"), json_object_get_int_member (totals, "contacts"),
               json_array_get_length (contacts), rows);

  g_ptr_array_set_size (rows, 0);
  for (guint i = 0; i < json_array_get_length (companies); i++)
    {
      JsonObject *company = json_array_get_object_element (companies, i);
      char **row = g_new0 (char *, 4);

      row[0] = crm_cli_display_id (crm_cli_str (company, "id", ""));
      row[1] = g_strdup (crm_cli_str (company, "name", ""));
      row[2] = g_strdup (crm_cli_str (company, "inn", ""));
      g_ptr_array_add (rows, row);
    }
  print_group (_("Companies"), json_object_get_int_member (totals, "companies"),
               json_array_get_length (companies), rows);
  return TRUE;
}
