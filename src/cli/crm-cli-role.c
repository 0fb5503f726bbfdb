/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-role.c — `role list`, `role add`, `role set`, `role remove`: the account's roles
 * and their rights per pipeline (crm-rights.h; administrators change them). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-error.h"
#include "crm-json.h"
#include "crm-rights.h"
#include "crm-setup.h"

static const char *
yes_no (JsonObject *entry,
        const char *right)
{
  return json_object_get_boolean_member_with_default (entry, right, FALSE) ? _("yes") : _("no");
}

/* One row of the table: the role (on its first row only), where, its rights. */
static void
add_row (JsonArray  *rows,
         const char *role,
         const char *where,
         JsonObject *entry)
{
  JsonObject *row = json_object_new ();

  json_object_set_string_member (row, "role", role);
  json_object_set_string_member (row, "where", where);
  json_object_set_string_member (row, "see", crm_json_string_or (entry, CRM_RIGHT_SEE, "own"));
  json_object_set_string_member (row, "edit", yes_no (entry, CRM_RIGHT_EDIT));
  json_object_set_string_member (row, "close", yes_no (entry, CRM_RIGHT_MOVE_WON_LOST));
  json_object_set_string_member (row, "reopen", yes_no (entry, CRM_RIGHT_REOPEN));
  json_object_set_string_member (row, "delete", yes_no (entry, CRM_RIGHT_DELETE));
  json_object_set_string_member (row, "export", yes_no (entry, CRM_RIGHT_EXPORT));
  json_array_add_object_element (rows, row);
}

/* The roles as a table: a line per role (its name, key, whose deals it changes, how
 * many hold it), then its rights by default (*) and in each pipeline. */
static void
print_roles (JsonArray *roles)
{
  static const char *const members[] = {
    "role", "where", "see", "edit", "close", "reopen", "delete", "export", NULL
  };
  const char *header[] = {
    _("ROLE"), _("PIPELINE"), "SEE", "EDIT", "MOVE_WON_LOST", "REOPEN", "DELETE", "EXPORT", NULL
  };
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), json_array_new ());
  JsonArray *rows = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonObject *role = json_array_get_object_element (roles, i);
      JsonArray *pipelines = json_object_get_array_member (role, "pipelines");
      const char *key = crm_json_string (role, "key");
      g_autofree char *title = NULL;

      gint64 users = json_object_get_int_member (role, "users");
      g_autofree char *name = key != NULL
                              ? g_strdup_printf ("%s (%s)", crm_json_string (role, "name"), key)
                              : g_strdup (crm_json_string (role, "name"));

      g_autoptr(GString) once = g_string_new (NULL);

      /* the rights it has once, as --right writes them: changes=all team=all approve=yes */
      for (const CrmRoleRight *right = crm_rights_role_rights (); right->name != NULL; right++)
        g_string_append_printf (once, "%s%s=%s", once->len > 0 ? " " : "", right->name,
                                right->scope ? crm_json_string_or (role, right->name, "own")
                                             : json_object_get_boolean_member_with_default (
                                                 role, right->name, FALSE) ? "yes" : "no");
      /* TRANSLATORS: a role, the rights it has once ("changes=all team=all approve=yes"),
       * how many hold it */
      title = g_strdup_printf (ngettext ("%s, %s, %lld user", "%s, %s, %lld users", users),
                               name, once->str, (long long) users);
      add_row (rows, title, "*", json_object_get_object_member (role, "default"));
      for (guint p = 0; p < json_array_get_length (pipelines); p++)
        {
          JsonObject *entry = json_array_get_object_element (pipelines, p);

          add_row (rows, "", crm_json_string (entry, "name"), entry);
        }
    }
  crm_cli_print_list (node, header, members);
}

/* The role @name_or_id as `role list --json` shows it. */
static JsonObject *
listed_role (CrmCli      *cli,
             const char  *id,
             GError     **error)
{
  g_autoptr(JsonArray) roles = crm_rights_role_list (cli->store, error);

  if (roles == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonObject *role = json_array_get_object_element (roles, i);

      if (g_strcmp0 (crm_json_string (role, "id"), id) == 0)
        return json_object_ref (role);
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("The role was removed meanwhile"));
  return NULL;
}

static gboolean
print_changed (CrmCli      *cli,
               const char  *id,
               GError     **error)
{
  g_autoptr(JsonObject) role = listed_role (cli, id, error);

  if (role == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (role);
  else
    {
      g_autoptr(JsonArray) one = json_array_new ();

      json_array_add_object_element (one, json_object_ref (role));
      print_roles (one);
    }
  return TRUE;
}

gboolean
crm_cli_role_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autoptr(JsonArray) roles = NULL;

  if (!crm_cli_parse (cli, "role list", "",
                      _("List the roles with their rights in each pipeline. With --json: "
                        "[{\"id\", \"key\" (a built-in role's: admin, head, manager, "
                        "accountant, rep; null for a custom role), \"name\", \"users\", "
                        "\"changes\" (whose deals it changes: all, group, own), \"team\" "
                        "(whose work it oversees: all, group, own), \"approve\" (true: it "
                        "decides its group's requests as its head), \"default\" "
                        "{\"see\", \"edit\", \"move_won_lost\", \"reopen\", \"delete\", "
                        "\"export\"}, \"pipelines\": [{\"id\", \"name\", the same rights}]}]."),
                      NULL, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error) ||
      (roles = crm_rights_role_list (cli->store, error)) == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), roles);

      crm_cli_print_json (node);
      return TRUE;
    }
  print_roles (roles);
  return TRUE;
}

#define RIGHT_HELP \
  N_("A right: PIPELINE:RIGHT=VALUE — PIPELINE a pipeline's name or * for the others, " \
     "RIGHT see (all, group, own), edit, move_won_lost, reopen, delete, export (yes, no); " \
     "or one for the role: changes=all|group|own (whose deals it changes), " \
     "team=all|group|own (whose work it oversees), approve=yes|no (decides its group's " \
     "requests as its head); repeat it")

gboolean
crm_cli_role_add (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *like = NULL;
  g_auto(GStrv) rights = NULL;
  const GOptionEntry entries[] = {
    { "like", 0, 0, G_OPTION_ARG_STRING, &like,
      N_("Start from the rights of this role (default: rep)"), N_("ROLE") },
    { "right", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rights, RIGHT_HELP, N_("RIGHT") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(CrmChangeset) more = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "role add", "NAME",
                      _("Add a role (administrators) with the rights of --like and the "
                        "--right changes. With --json: the role as «role list» shows it."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (changeset = crm_setup_role_add (cli->store, argv[1], like, &id, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  /* the rights next: the role exists now, so they are checked against it (undo is two
   * steps, as two changes) */
  if (rights != NULL &&
      ((more = crm_setup_role_set (cli->store, id, NULL, (const char * const *) rights,
                                   error)) == NULL ||
       !crm_cli_apply (cli, more, error)))
    return FALSE;
  return print_changed (cli, id, error);
}

gboolean
crm_cli_role_set (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *name = NULL;
  g_auto(GStrv) rights = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Rename the role"), N_("NAME") },
    { "right", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rights, RIGHT_HELP, N_("RIGHT") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) role = NULL;

  if (!crm_cli_parse (cli, "role set", "ROLE",
                      _("Rename a role or change its rights (administrators). With --json: "
                        "the role as «role list» shows it."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (name == NULL && rights == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Say what to change: --name NAME or --right PIPELINE:RIGHT=VALUE"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (role = crm_rights_role_find (cli->store, argv[1], error)) == NULL ||
      (changeset = crm_setup_role_set (cli->store, crm_json_string (role, "id"), name,
                                       (const char * const *) rights, error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_changed (cli, crm_json_string (role, "id"), error);
}

gboolean
crm_cli_role_remove (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) role = NULL;
  g_autofree char *name = NULL;

  if (!crm_cli_parse (cli, "role remove", "ROLE",
                      _("Remove a custom role (administrators); refused while users hold it. "
                        "With --json: {\"id\", \"name\", \"removed\": true}."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      (role = crm_rights_role_find (cli->store, argv[1], error)) == NULL ||
      (changeset = crm_setup_role_remove (cli->store, crm_json_string (role, "id"),
                                          error)) == NULL ||
      !crm_cli_apply (cli, changeset, error))
    return FALSE;
  name = crm_rights_role_name (role);
  if (cli->json)
    {
      g_autoptr(JsonObject) out = json_object_new ();

      json_object_set_string_member (out, "id", crm_json_string (role, "id"));
      json_object_set_string_member (out, "name", name);
      json_object_set_boolean_member (out, "removed", TRUE);
      crm_cli_print_json_object (out);
    }
  else
    g_print (_("Removed the role «%s»\n"), name);
  return TRUE;
}
