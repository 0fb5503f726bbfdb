/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-user.c — `user add`, `user list` and `user set`: the account's people, their
 * roles, and what the office phone system dials to ring them (their extension). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-call.h"
#include "crm-cli.h"
#include "crm-json.h"
#include "crm-query.h"
#include "crm-rights.h"
#include "crm-setup.h"
#include "crm-user.h"

gboolean
crm_cli_user_add (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *role = NULL;
  g_autofree char *group = NULL;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("admin, head, manager, accountant, rep or a role «role list» shows (default: rep)"),
      N_("ROLE") },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("The user's group (department)"), N_("G") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *existing = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *id = NULL;
  const char *name;
  CrmChange *change;

  if (!crm_cli_parse (cli, "user add", "NAME",
                      _("Add a user. With --json: the user {\"id\", \"name\", \"role\", "
                        "\"group\"}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  name = argv[1];
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (role != NULL)
    {
      g_autoptr(JsonObject) found = crm_rights_role_find (cli->store, role, error);

      if (found == NULL)
        return FALSE;
      g_free (role);
      role = g_strdup (crm_rights_role_ref (found));
    }
  if (*g_strstrip ((char *) name) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A user needs a name"));
      return FALSE;
    }
  existing = crm_query_resolve (cli->store, "user", name, NULL, &local);
  if (existing == NULL && crm_error_is_storage (local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
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
  static const char *const members[] = { "id", "name", "role", "group", "extension", NULL };
  const char *header[] = { _("ID"), _("NAME"), _("ROLE"), _("GROUP"), _("EXTENSION"), NULL };
  g_autoptr(JsonNode) users = NULL;

  if (!crm_cli_parse (cli, "user list", "",
                      _("List users with their extensions (what the office phone system dials to "
                        "ring them). With --json: [{\"id\", \"name\", \"role\", \"group\", "
                        "\"extension\"}], null for a user without one."),
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

gboolean
crm_cli_user_set (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *extension = NULL;
  g_autofree char *telegram_chat_id = NULL;
  g_autofree char *role = NULL;
  g_autofree char *group = NULL;
  gboolean no_extension = FALSE;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("The user's role: admin, head, manager, accountant, rep or a role «role list» shows"),
      N_("ROLE") },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group,
      N_("The user's group (department); \"\" takes them out of theirs"), N_("G") },
    { "telegram-chat-id", 0, 0, G_OPTION_ARG_STRING, &telegram_chat_id,
      N_("The user's Telegram chat, where rule messages to them go (\"\" clears it)"), N_("ID") },
    { "extension", 0, 0, G_OPTION_ARG_STRING, &extension,
      N_("The extension the office phone system rings the user at (digits, * or #); the "
         "telephony route answer gives it with the user's name"), N_("N") },
    { "no-extension", 0, 0, G_OPTION_ARG_NONE, &no_extension,
      N_("The user has no extension any more"), NULL },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonObject) user = NULL;

  if (!crm_cli_parse (cli, "user set", "NAME",
                      _("Change a user (administrators). With --json: the user {\"id\", "
                        "\"name\", \"role\", \"group\", \"extension\", \"telegram_chat_id\"}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (extension != NULL && no_extension)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--extension and --no-extension contradict each other: give one"));
      return FALSE;
    }
  if (extension == NULL && !no_extension && telegram_chat_id == NULL && role == NULL &&
      group == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Say what to change: --role ROLE, --group G, --extension N, "
                     "--no-extension or --telegram-chat-id ID"));
      return FALSE;
    }
  if (telegram_chat_id != NULL && *g_strstrip (telegram_chat_id) != '\0' &&
      !crm_user_check_detail ("telegram_chat_id", telegram_chat_id, error))
    return FALSE;
  if (extension != NULL && !crm_call_extension_is_valid (g_strstrip (extension)))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--extension: «%s» is not an extension number: 1 to %d digits (and * or "
                     "#), as the office phone system dials it"),
                   extension, CRM_CALL_EXTENSION_MAX_CHARS);
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  id = crm_query_resolve (cli->store, "user", argv[1], NULL, error);
  if (id == NULL)
    return FALSE;
  if (role != NULL || group != NULL)
    changeset = crm_setup_user_update (cli->store, id, role, group, error);
  else
    changeset = crm_changeset_new ();
  if (changeset == NULL)
    return FALSE;
  if ((extension != NULL || no_extension) &&
      !crm_call_set_extension (cli->store, changeset, id, extension, error))
    return FALSE;
  if (telegram_chat_id != NULL)
    {
      CrmChange *change = crm_changeset_touch (changeset, "user", id);

      if (*telegram_chat_id == '\0')
        crm_change_set_null (change, "telegram_chat_id");
      else
        crm_change_set_string (change, "telegram_chat_id", telegram_chat_id);
    }
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  user = crm_store_dup_entity (cli->store, "user", id);
  now = crm_call_dup_extension (cli->store, id);
  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "id", id);
      json_object_set_string_member (out, "name",
                                     json_object_get_string_member_with_default (user, "name", ""));
      crm_json_set_string_or_null (out, "role", crm_json_string (user, "role"));
      crm_json_set_string_or_null (out, "group", crm_json_string (user, "grp"));
      if (now != NULL)
        json_object_set_string_member (out, "extension", now);
      else
        json_object_set_null_member (out, "extension");
      if (json_object_get_string_member_with_default (user, "telegram_chat_id", NULL) != NULL)
        json_object_set_string_member (out, "telegram_chat_id",
                                       json_object_get_string_member (user, "telegram_chat_id"));
      else
        json_object_set_null_member (out, "telegram_chat_id");
      crm_cli_print_json_object (out);
    }
  else if (extension == NULL && !no_extension)
    g_print (_("Changed user %s\n"), json_object_get_string_member_with_default (user, "name", id));
  else if (now != NULL)
    g_print (_("%s now takes calls at extension %s\n"),
             json_object_get_string_member_with_default (user, "name", id), now);
  else
    g_print (_("%s has no extension now\n"),
             json_object_get_string_member_with_default (user, "name", id));
  return TRUE;
}

gboolean
crm_cli_user_deactivate (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autofree char *reassign_to = NULL;
  const GOptionEntry entries[] = {
    { "reassign-to", 0, 0, G_OPTION_ARG_STRING, &reassign_to,
      N_("The colleague who takes over their open deals and tasks (required)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *heir = NULL;
  guint deals = 0, tasks = 0;

  if (!crm_cli_parse (cli, "user deactivate", "NAME",
                      _("Deactivate a user (administrators): their open deals and tasks go to "
                        "--reassign-to, and the server refuses their sign-in from their next "
                        "sync on. With --json: {\"user\", \"reassigned_to\", \"deals\", "
                        "\"tasks\"}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (reassign_to == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--reassign-to NAME is required: who takes over their open deals and "
                     "tasks"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (id = crm_query_resolve (cli->store, "user", argv[1], NULL, error)) == NULL ||
      (heir = crm_query_resolve (cli->store, "user", reassign_to, NULL, error)) == NULL)
    return FALSE;
  changeset = crm_setup_user_deactivate (cli->store, id, heir, &deals, &tasks, error);
  if (changeset == NULL || !crm_cli_apply (cli, changeset, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "user", argv[1]);
      json_object_set_string_member (out, "reassigned_to", reassign_to);
      json_object_set_int_member (out, "deals", deals);
      json_object_set_int_member (out, "tasks", tasks);
      crm_cli_print_json_object (out);
    }
  else
    g_print (_("Deactivated %s; %s took over %u open deals and %u open tasks\n"), argv[1],
             reassign_to, deals, tasks);
  return TRUE;
}

gboolean
crm_cli_user_reactivate (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "user reactivate", "NAME",
                      _("Make a deactivated user active again (administrators): they sign in "
                        "again; their former deals stay with whoever took them over."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (id = crm_query_resolve (cli->store, "user", argv[1], NULL, error)) == NULL ||
      (changeset = crm_setup_user_reactivate (cli->store, id, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "user", argv[1]);
      json_object_set_boolean_member (out, "active", TRUE);
      crm_cli_print_json_object (out);
    }
  else
    g_print (_("%s is active again\n"), argv[1]);
  return TRUE;
}
