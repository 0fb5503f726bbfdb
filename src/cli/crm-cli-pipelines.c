/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-pipelines.c — `pipelines`: every pipeline with its stages in order. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-query.h"

gboolean
crm_cli_pipelines (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autoptr(JsonNode) pipelines = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "pipelines", "",
                      _("List pipelines and their stages in order. With --json: [{\"id\", "
                        "\"name\", \"archived\", \"stages\": [{\"id\", \"name\", \"kind\"}]}]; "
                        "kind is unsorted, open, won or lost."),
                      NULL, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;

  pipelines = crm_query_pipelines (cli->store, error);
  if (pipelines == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (pipelines);
      return TRUE;
    }

  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

      if (i > 0)
        g_print ("\n");
      if (json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        g_print (_("%s (archived)\n"), crm_cli_str (pipeline, "name", ""));
      else
        g_print ("%s\n", crm_cli_str (pipeline, "name", ""));
      for (guint j = 0; j < json_array_get_length (stages); j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);
          char **row = g_new0 (char *, 4);

          row[0] = g_strdup_printf ("  %2u.", j + 1);
          row[1] = g_strdup (crm_cli_str (stage, "name", ""));
          row[2] = g_strdup (crm_cli_str (stage, "kind", ""));
          g_ptr_array_add (rows, row);
        }
      crm_cli_print_table (NULL, rows);
    }
  return TRUE;
}
