/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-undo.c — `deal|contact|company|task delete` (soft, undoable) and
 * `undo [CHANGE] [--list]`: a change made on this replica reversed as one new change. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-undo.h"

static gboolean
delete_entity (CrmCli      *cli,
               const char  *entity,
               const char  *command,
               const char  *summary,
               const char  *done_message,
               int          argc,
               char       **argv,
               GError     **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autofree char *id = NULL;
  g_autofree char *change_set = NULL;
  g_autoptr(JsonObject) row = NULL;
  const char *name_member = g_str_equal (entity, "deal") ? "title" :
                            g_str_equal (entity, "task") ? "text" : "name";

  if (!crm_cli_parse (cli, command, "ID", summary, entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = crm_cli_resolve (cli, entity, argv[1], NULL, error);
  if (id == NULL)
    return FALSE;
  row = crm_store_dup_entity (cli->store, entity, id);
  if (!crm_store_delete (cli->store, entity, id, cli->actor_id, &change_set, error))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "deleted", id);
      json_object_set_string_member (out, "entity", entity);
      json_object_set_string_member (out, "change_set", change_set);
      crm_cli_print_json_object (out);
    }
  else
    {
      g_print ("%s «%s»\n", done_message, crm_cli_str (row, name_member, id));
      /* Translators: how to take a deletion back; %s is the change's id */
      g_print (_("Undo with: voronkactl undo %s\n"), change_set);
    }
  return TRUE;
}

gboolean
crm_cli_deal_delete (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  return delete_entity (cli, "deal", "deal delete",
                        _("Delete a deal and its open tasks (undoable with “undo”). With "
                          "--json: {\"deleted\": ID, \"entity\", \"change_set\"}."),
                        _("Deleted deal"), argc, argv, error);
}

gboolean
crm_cli_contact_delete (CrmCli   *cli,
                        int       argc,
                        char    **argv,
                        GError  **error)
{
  return delete_entity (cli, "contact", "contact delete",
                        _("Delete a contact (undoable with “undo”). With --json: "
                          "{\"deleted\": ID, \"entity\", \"change_set\"}."),
                        _("Deleted contact"), argc, argv, error);
}

gboolean
crm_cli_company_delete (CrmCli   *cli,
                        int       argc,
                        char    **argv,
                        GError  **error)
{
  return delete_entity (cli, "company", "company delete",
                        _("Delete a company (undoable with “undo”). Its contacts and deals are "
                          "kept, no longer linked to it. With --json: {\"deleted\": ID, "
                          "\"entity\", \"change_set\"}."),
                        _("Deleted company"), argc, argv, error);
}

gboolean
crm_cli_task_delete (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  return delete_entity (cli, "task", "task delete",
                        _("Delete a task (undoable with “undo”). With --json: {\"deleted\": "
                          "ID, \"entity\", \"change_set\"}."),
                        _("Deleted task"), argc, argv, error);
}

static gboolean
print_change_sets (CrmCli   *cli,
                   GError  **error)
{
  g_autoptr(JsonNode) list = crm_store_list_change_sets (cli->store, NULL, 20, error);
  g_autoptr(GPtrArray) rows = NULL;
  const char *header[] = { _("CHANGE"), _("AT"), _("BY"), _("WHAT"), _("STATE"), NULL };
  JsonArray *array;

  if (list == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *set = json_array_get_object_element (array, i);
      JsonArray *changes = json_object_get_array_member (set, "changes");
      g_autoptr(GString) what = g_string_new (NULL);
      char **row = g_new0 (char *, 6);

      for (guint k = 0; k < json_array_get_length (changes) && k < 3; k++)
        {
          JsonObject *change = json_array_get_object_element (changes, k);
          g_autofree char *fields = crm_cli_join_array (change, "fields");

          if (what->len > 0)
            g_string_append (what, "; ");
          g_string_append_printf (what, "%s «%s»: %s", crm_cli_str (change, "entity", ""),
                                  crm_cli_str (change, "name", crm_cli_str (change, "id", "")),
                                  fields);
        }
      row[0] = g_strdup (crm_cli_str (set, "id", ""));
      row[1] = g_strdup (crm_cli_str (set, "at", ""));
      row[2] = g_strdup (crm_cli_str (set, "actor", ""));
      if (g_utf8_strlen (what->str, -1) > 60)
        {
          g_autofree char *cut = g_utf8_substring (what->str, 0, 59);

          row[3] = g_strconcat (cut, "…", NULL);
        }
      else
        row[3] = g_strdup (what->str);
      row[4] = g_strdup (!json_object_get_null_member (set, "undone_by") ? _("undone") :
                         !json_object_get_null_member (set, "undoes") ? _("an undo") : "");
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  return TRUE;
}

gboolean
crm_cli_undo (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  gboolean list = FALSE;
  const GOptionEntry entries[] = {
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, N_("List the changes made on this replica, newest first, instead"), NULL },
    { NULL }
  };
  g_autofree char *target = NULL;
  g_autofree char *new_id = NULL;

  if (!crm_cli_parse (cli, "undo", "[CHANGE]",
                      _("Undo a change made on this replica (by default the acting user's last "
                        "one that is not undone): what it wrote, and what rules wrote because "
                        "of it, is reversed in one new change that syncs like any edit. "
                        "Refused with “changed-since” when a later edit changed the same "
                        "field. With --json: {\"undone\": CHANGE, \"change_set\": NEW}; with "
                        "--list: [{\"id\", \"at\", \"actor\", \"ops\", \"undoes\", "
                        "\"undone_by\", \"changes\"}]."),
                      entries, &argc, &argv, -1, error))
    return FALSE;
  if (argc > 2 || (list && argc > 1))
    return crm_cli_usage_error (error, _("undo: give at most one change id (or --list)"));
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (list)
    return print_change_sets (cli, error);

  if (argc == 2)
    target = g_strdup (argv[1]);
  else
    {
      g_autoptr(GError) local_error = NULL;

      target = crm_store_dup_undoable_change_set (cli->store, cli->actor_id, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (target == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                       _("Nothing to undo: no change of yours on this replica is left undone"));
          return FALSE;
        }
    }
  if (!crm_store_undo_change_set (cli->store, target, cli->actor_id, &new_id, error))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "undone", target);
      json_object_set_string_member (out, "change_set", new_id);
      crm_cli_print_json_object (out);
    }
  else
    /* Translators: the change undone and the id of the change that undid it */
    g_print (_("Undid change %s (as change %s)\n"), target, new_id);
  return TRUE;
}
