/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-user.c — `user add` and `user list`: the account's people and their roles. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-query.h"

static const char *const roles[] = { "admin", "manager", "rep", NULL };

gboolean
crm_cli_user_add (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *role = NULL;
  g_autofree char *group = NULL;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("admin, manager or rep (default: rep)"), N_("ROLE") },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("The user's group (department)"), N_("G") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *id = NULL;
  const char *name;
  CrmChange *change;

  if (!crm_cli_parse (cli, "user add", "NAME",
                      _("Add a user. With --json: the user {\"id\", \"name\", \"role\", "
                        "\"group\"}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  name = argv[1];
  if (role != NULL && !g_strv_contains (roles, role))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--role: «%s» is not a role; choose one of: admin, manager, rep"), role);
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (*g_strstrip ((char *) name) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A user needs a name"));
      return FALSE;
    }
  existing = crm_query_resolve (cli->store, "user", name, NULL, NULL);
  if (existing != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A user named «%s» already exists"), name);
      return FALSE;
    }

  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "user", id);
  crm_change_set_string (change, "name", name);
  crm_change_set_string (change, "role", role != NULL ? role : "rep");
  if (group != NULL)
    crm_change_set_string (change, "grp", group);
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonObject) user = json_object_new ();

      json_object_set_string_member (user, "id", id);
      json_object_set_string_member (user, "name", name);
      json_object_set_string_member (user, "role", role != NULL ? role : "rep");
      if (group != NULL)
        json_object_set_string_member (user, "group", group);
      else
        json_object_set_null_member (user, "group");
      crm_cli_print_json_object (user);
    }
  else
    g_print (_("Added user %s (%s), id %s\n"), name, role != NULL ? role : "rep", id);
  return TRUE;
}

gboolean
crm_cli_user_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  static const char *const members[] = { "id", "name", "role", "group", NULL };
  const char *header[] = { _("ID"), _("NAME"), _("ROLE"), _("GROUP"), NULL };
  g_autoptr(JsonNode) users = NULL;

  if (!crm_cli_parse (cli, "user list", "",
                      _("List users. With --json: [{\"id\", \"name\", \"role\", \"group\"}]."),
                      NULL, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  users = crm_query_users (cli->store, error);
  if (users == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json (users);
  else
    crm_cli_print_list (users, header, members);
  return TRUE;
}
