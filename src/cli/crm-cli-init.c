/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-init.c — `init` (a new replica, from a template, optionally with demo data)
 * and `template list`. */
#define G_LOG_DOMAIN "voronka-cli"

#include <errno.h>
#include <glib/gstdio.h>

#include "crm-cli.h"
#include "crm-demo.h"
#include "crm-template.h"

/* A failed init leaves no half-made replica behind. */
static void
remove_replica (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

static gboolean
fill_replica (CrmCli      *cli,
              const char  *template_name,
              gboolean     demo,
              GError     **error)
{
  if (template_name != NULL)
    {
      g_autoptr(JsonNode) root = crm_template_load (template_name, error);

      if (root == NULL || !crm_template_apply (cli->store, root, error))
        return FALSE;
    }
  if (demo)
    {
      CrmDemoOptions options = { .seed = 1, .n_deals = 300, .n_contacts = 200, .n_companies = 60 };

      if (!crm_demo_populate (cli->store, &options, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
crm_cli_init (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *template_name = NULL;
  gboolean demo = FALSE;
  const GOptionEntry entries[] = {
    { "template", 't', 0, G_OPTION_ARG_STRING, &template_name,
      N_("A shipped template (see “template list”) or a template JSON file"), N_("NAME|FILE") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      N_("Fill the replica with demo data (truck-dealer)"), NULL },
    { NULL }
  };
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  if (!crm_cli_parse (cli, "init", "",
                      _("Create a new replica. With --json: {\"path\", \"device\", \"template\", "
                        "\"demo\"}."),
                      entries,
                      &argc, &argv, 0, error))
    return FALSE;
  if (!crm_cli_parse_now (cli, error))
    return FALSE;

  if (demo && template_name == NULL)
    template_name = g_strdup ("truck-dealer");
  else if (demo && !g_str_equal (template_name, "truck-dealer"))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--demo fills a truck-dealer replica; it cannot be used with the template «%s»"),
                   template_name);
      return FALSE;
    }

  path = crm_cli_dup_db_path (cli);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A replica already exists at %s; nothing was changed"), path);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Load the template first: a bad name or file should not leave an empty replica. */
  if (template_name != NULL)
    {
      g_autoptr(JsonNode) probe = crm_template_load (template_name, error);

      if (probe == NULL)
        return FALSE;
    }

  cli->store = crm_store_create (path, error);
  if (cli->store == NULL)
    return FALSE;
  if (cli->now_ms > 0)
    crm_store_set_now (cli->store, cli->now_ms);

  if (!fill_replica (cli, template_name, demo, error))
    {
      g_clear_object (&cli->store);
      remove_replica (path);
      return FALSE;
    }

  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "path", path);
      json_object_set_string_member (result, "device", crm_store_get_device_id (cli->store));
      if (template_name != NULL)
        json_object_set_string_member (result, "template", template_name);
      else
        json_object_set_null_member (result, "template");
      json_object_set_boolean_member (result, "demo", demo);
      crm_cli_print_json_object (result);
    }
  else if (template_name != NULL)
    g_print (_("Created replica %s from the template %s%s\n"), path, template_name,
             demo ? _(" with demo data") : "");
  else
    g_print (_("Created an empty replica %s\n"), path);
  return TRUE;
}

gboolean
crm_cli_template_list (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  g_auto(GStrv) names = NULL;

  if (!crm_cli_parse (cli, "template list", "",
                      _("List the shipped templates. With --json: an array of their names."),
                      NULL,
                      &argc, &argv, 0, error))
    return FALSE;

  names = crm_template_list ();
  if (cli->json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; names != NULL && names[i] != NULL; i++)
        json_array_add_string_element (array, names[i]);
      json_node_set_array (node, array);
      crm_cli_print_json (node);
    }
  else
    {
      for (guint i = 0; names != NULL && names[i] != NULL; i++)
        g_print ("%s\n", names[i]);
    }
  return TRUE;
}
