/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-log.c — `log`: the local changelog, oldest first. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-hlc.h"
#include "crm-time.h"

gboolean
crm_cli_log (CrmCli   *cli,
             int       argc,
             char    **argv,
             GError  **error)
{
  gint64 since = 0;
  const GOptionEntry entries[] = {
    { "since", 0, 0, G_OPTION_ARG_INT64, &since, N_("Only ops after this sequence number"), N_("N") },
    { NULL }
  };
  const char *header[] = { _("SEQ"), _("AT"), _("ENTITY"), _("ID"), _("FIELDS"), NULL };
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (!crm_cli_parse (cli, "log", "",
                      _("Show the local changelog, oldest first. With --json: [{\"op\", \"hlc\", "
                        "\"device\", \"entity\", \"id\", \"fields\", …}]."),
                      entries,
                      &argc, &argv, 0, error))
    return FALSE;
  if (since < 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--since cannot be negative"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  ops = crm_store_dup_log (cli->store, since, error);
  if (ops == NULL)
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < ops->len; i++)
        {
          const CrmOp *op = g_ptr_array_index (ops, i);
          JsonNode *element = crm_op_to_json (op);

          if (JSON_NODE_HOLDS_OBJECT (element))
            json_object_set_int_member (json_node_get_object (element), "seq", op->seq);
          json_array_add_element (array, element);
        }
      json_node_set_array (node, array);
      crm_cli_print_json (node);
      return TRUE;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < ops->len; i++)
    {
      const CrmOp *op = g_ptr_array_index (ops, i);
      g_autoptr(JsonNode) fields = json_node_new (JSON_NODE_OBJECT);
      char **row = g_new0 (char *, 6);
      char *text;

      json_node_set_object (fields, op->fields);
      text = json_to_string (fields, FALSE);
      if (g_utf8_strlen (text, -1) > 70)
        {
          char *cut = g_utf8_substring (text, 0, 69);

          g_free (text);
          text = g_strconcat (cut, "…", NULL);
          g_free (cut);
        }
      row[0] = g_strdup_printf ("%" G_GINT64_FORMAT, op->seq);
      row[1] = crm_time_format (crm_hlc_physical (op->hlc));
      row[2] = g_strdup (op->entity);
      row[3] = crm_cli_display_id (op->entity_id);
      row[4] = text;
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  return TRUE;
}
