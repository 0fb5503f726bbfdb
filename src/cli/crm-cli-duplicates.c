/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-duplicates.c — `contact duplicates`, `company duplicates` (groups of likely
 * duplicates with their scores) and `contact merge`, `company merge` (S4-6). */
#define G_LOG_DOMAIN "voronka-cli"

#include <string.h>

#include "crm-cli.h"
#include "crm-duplicates.h"

static gboolean
duplicates (CrmCli      *cli,
            const char  *entity,
            int          argc,
            char       **argv,
            GError     **error)
{
  int min_score = 40;
  const GOptionEntry entries[] = {
    { "min-score", 0, 0, G_OPTION_ARG_INT, &min_score,
      N_("Only pairs scoring at least N of 100 (default 40)"), N_("N") },
    { NULL }
  };
  g_autofree char *command = g_strconcat (entity, " duplicates", NULL);
  g_autoptr(JsonNode) groups = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, command, "",
                      _("Groups of likely duplicates, best first. A pair scores the sum of what "
                        "the two share: INN 60, phone 50, e-mail 50, surname and name 40 (at most "
                        "100). With --json: [{\"score\", \"members\": [{\"id\", \"name\", \"phones\", "
                        "\"emails\", \"inn\", \"responsible\"}], \"pairs\": [{\"a\", \"b\", \"score\", "
                        "\"reasons\"}]}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (min_score < 0 || min_score > 100)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--min-score: give a number from 0 to 100"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  groups = crm_duplicates_find (cli->store, entity, min_score, error);
  if (groups == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (groups);
      return TRUE;
    }
  array = json_node_get_array (groups);
  if (json_array_get_length (array) == 0)
    {
      g_print (g_str_equal (entity, "contact") ? _("No likely duplicate contacts\n")
                                               : _("No likely duplicate companies\n"));
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *group = json_array_get_object_element (array, i);
      JsonArray *members = json_object_get_array_member (group, "members");
      JsonArray *pairs = json_object_get_array_member (group, "pairs");

      /* Translators: a group of likely duplicates and its best pair's score */
      g_print (_("Group %u, score %lld:\n"), i + 1,
               (long long) json_object_get_int_member (group, "score"));
      for (guint j = 0; j < json_array_get_length (members); j++)
        {
          JsonObject *member = json_array_get_object_element (members, j);
          g_autofree char *phones = crm_cli_join_array (member, "phones");
          g_autofree char *emails = crm_cli_join_array (member, "emails");

          g_print ("  %s  %s", crm_cli_str (member, "id", ""), crm_cli_str (member, "name", ""));
          if (*phones != '\0')
            g_print ("  %s", phones);
          if (*emails != '\0')
            g_print ("  %s", emails);
          if (*crm_cli_str (member, "inn", "") != '\0')
            g_print (_("  INN %s"), crm_cli_str (member, "inn", ""));
          g_print ("\n");
        }
      for (guint j = 0; j < json_array_get_length (pairs); j++)
        {
          JsonObject *pair = json_array_get_object_element (pairs, j);
          g_autofree char *reasons = crm_cli_join_array (pair, "reasons");

          /* Translators: one pair of a group: "ID1 ~ ID2: 90 (name, phone)" */
          g_print (_("    %s ~ %s: %lld (%s)\n"), crm_cli_str (pair, "a", ""),
                   crm_cli_str (pair, "b", ""), (long long) json_object_get_int_member (pair, "score"),
                   reasons);
        }
    }
  return TRUE;
}

gboolean
crm_cli_contact_duplicates (CrmCli *cli, int argc, char **argv, GError **error)
{
  return duplicates (cli, "contact", argc, argv, error);
}

gboolean
crm_cli_company_duplicates (CrmCli *cli, int argc, char **argv, GError **error)
{
  return duplicates (cli, "company", argc, argv, error);
}

static gboolean
merge (CrmCli      *cli,
       const char  *entity,
       int          argc,
       char       **argv,
       GError     **error)
{
  g_auto(GStrv) takes = NULL;
  const GOptionEntry entries[] = {
    { "take", 0, 0, G_OPTION_ARG_STRING_ARRAY, &takes,
      N_("Take this field's value from card ID instead of the survivor (repeatable)"),
      N_("FIELD=ID") },
    { NULL }
  };
  g_autofree char *command = g_strconcat (entity, " merge", NULL);
  g_autoptr(GHashTable) take = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *survivor = NULL;

  if (!crm_cli_parse (cli, command, _("SURVIVOR OTHER…"),
                      _("Merge OTHER cards into SURVIVOR in one change (undoable). Each field keeps "
                        "the survivor's value, filled from the others where it has none; phones, "
                        "e-mails and tags are joined; --take FIELD=ID takes one field from another "
                        "of the cards. Deals, tasks, notes and files move to the survivor; the others "
                        "become redirects to it, so their edits synced later land on the survivor. "
                        "With --json: the survivor as it is after the merge."),
                      entries, &argc, &argv, -1, error))
    return FALSE;
  if (argc < 3)
    return crm_cli_usage_error (error, _("%s: name the survivor and at least one card to merge "
                                         "into it"), command);
  if (!crm_cli_open (cli, error))
    return FALSE;
  survivor = crm_cli_resolve (cli, entity, argv[1], NULL, error);
  if (survivor == NULL)
    return FALSE;
  for (int i = 2; i < argc; i++)
    {
      char *id = crm_cli_resolve (cli, entity, argv[i], NULL, error);

      if (id == NULL)
        return FALSE;
      g_ptr_array_add (others, id);
    }
  g_ptr_array_add (others, NULL);
  for (guint i = 0; takes != NULL && takes[i] != NULL; i++)
    {
      const char *eq = strchr (takes[i], '=');
      g_autofree char *field = NULL;
      char *id;

      if (eq == NULL || eq == takes[i] || eq[1] == '\0')
        return crm_cli_usage_error (error, _("--take: write FIELD=ID, e.g. --take phones=%s"),
                                    argv[2]);
      field = g_strndup (takes[i], eq - takes[i]);
      id = crm_cli_resolve (cli, entity, eq + 1, NULL, error);
      if (id == NULL)
        return FALSE;
      g_hash_table_replace (take, g_steal_pointer (&field), id);
    }
  if (!crm_duplicates_merge (cli->store, entity, survivor, (const char * const *) others->pdata,
                             take, cli->actor_id, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) row = crm_store_dup_entity (cli->store, entity, survivor);

      crm_cli_print_json_object (row);
    }
  else
    g_print (ngettext ("Merged %u card into %s\n", "Merged %u cards into %s\n", others->len - 1),
             others->len - 1, survivor);
  return TRUE;
}

gboolean
crm_cli_contact_merge (CrmCli *cli, int argc, char **argv, GError **error)
{
  return merge (cli, "contact", argc, argv, error);
}

gboolean
crm_cli_company_merge (CrmCli *cli, int argc, char **argv, GError **error)
{
  return merge (cli, "company", argc, argv, error);
}
