/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-init.c — `init` (a new replica, from a template, optionally with demo data)
 * and `template list`. */
#define G_LOG_DOMAIN "voronka-cli"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "crm-cli.h"
#include "crm-demo.h"
#include "crm-template.h"

/* `init` is all or nothing: the replica is made in a temporary file next to PATH
 * (".NAME.init-PID") and moved into place once it is whole, so an init killed at any
 * moment leaves no file at PATH or a complete replica. The next init removes what a
 * killed one left (temporary files whose process is gone), and replaces a file at PATH
 * that holds nothing (what an older, killed init left). */

static const char *const sqlite_suffixes[] = { "", "-wal", "-shm", "-journal" };

/* Removes @path and SQLite's files beside it. */
static void
remove_replica (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (sqlite_suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, sqlite_suffixes[i], NULL);

      g_remove (file);
    }
}

static char *
temporary_prefix (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_strdup_printf (".%s.init-", base);
}

/* Removes the temporary files of inits on @path that were killed (their process is
 * gone); one still running is left alone. */
static void
remove_killed_inits (const char *path,
                     const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = temporary_prefix (path);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = NULL;
      char *end = NULL;
      gint64 pid;

      if (!g_str_has_prefix (name, prefix))
        continue;
      pid = g_ascii_strtoll (name + strlen (prefix), &end, 10);
      if (end == name + strlen (prefix) || pid <= 0 || pid > G_MAXINT)
        continue;
      if (pid != getpid () && (kill ((pid_t) pid, 0) == 0 || errno != ESRCH))
        continue;
      file = g_build_filename (dir, name, NULL);
      g_remove (file);
    }
}

static gboolean
fsync_path (const char  *path,
            gboolean     directory,
            GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0), 0);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  /* some file systems cannot sync a folder; the rename is still atomic there */
  if (directory && (saved_errno == EINVAL || saved_errno == EBADF))
    return TRUE;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not write %s to the disk: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* Moves the finished replica @temp to @path without replacing anything that appeared
 * there meanwhile (a hard link fails if @path exists), then makes that stick. */
static gboolean
publish_replica (const char  *temp,
                 const char  *path,
                 const char  *dir,
                 GError     **error)
{
  g_autofree char *wal = g_strconcat (temp, "-wal", NULL);
  int saved_errno;

  /* the last connection's close copied the WAL into the file; nothing may wait there */
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not finish the replica %s: its changes were not written into "
                     "the file; nothing was created"), path);
      return FALSE;
    }
  if (!fsync_path (temp, FALSE, error))
    return FALSE;
  if (link (temp, path) == 0)
    {
      g_remove (temp);
    }
  else
    {
      saved_errno = errno;
      if (saved_errno == EEXIST)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("A file appeared at %s while the replica was being made; nothing "
                         "was changed there"), path);
          return FALSE;
        }
      /* no hard links on this file system: rename, which is atomic as well */
      if (g_rename (temp, path) != 0)
        {
          saved_errno = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Could not move the new replica to %s: %s"), path,
                       g_strerror (saved_errno));
          return FALSE;
        }
    }
  return fsync_path (dir, TRUE, error);
}

static gboolean
fill_replica (CrmStore    *store,
              const char  *template_name,
              gboolean     demo,
              GError     **error)
{
  if (template_name != NULL)
    {
      g_autoptr(JsonNode) root = crm_template_load (template_name, error);

      if (root == NULL || !crm_template_apply (store, root, error))
        return FALSE;
    }
  if (demo)
    {
      CrmDemoOptions options = { .seed = 1, .n_deals = 300, .n_contacts = 200, .n_companies = 60 };

      if (!crm_demo_populate (store, &options, error))
        return FALSE;
    }
  return TRUE;
}

/* Makes room at @path: refuses a working replica and files that are not replicas,
 * removes what holds nothing, and moves a damaged replica aside when @replace.
 * *@out_note gets what was done, for the user. */
static gboolean
clear_path (const char  *path,
            gboolean     replace,
            char       **out_note,
            GError     **error)
{
  switch (crm_store_probe (path))
    {
    case CRM_REPLICA_MISSING:
      /* SQLite files of a removed replica would be read into the new one */
      remove_replica (path);
      return TRUE;

    case CRM_REPLICA_UNFINISHED:
      remove_replica (path);
      *out_note = g_strdup_printf (_("Replaced the unfinished replica at %s (an interrupted "
                                     "init had left it; it held nothing)"), path);
      return TRUE;

    case CRM_REPLICA_USABLE:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A replica already exists at %s; nothing was changed (init never "
                     "replaces a working replica: remove it first to start over)"), path);
      return FALSE;

    case CRM_REPLICA_DAMAGED:
      if (!replace)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                       _("%s is a damaged replica; nothing was changed. Restore it from a "
                         "backup or sync it again from the server, or run init again with "
                         "--replace to set it aside (as %s.damaged) and make a new one"),
                       path, path);
          return FALSE;
        }
      {
        g_autofree char *aside = g_strconcat (path, ".damaged", NULL);

        for (guint n = 2; g_file_test (aside, G_FILE_TEST_EXISTS) && n < 1000; n++)
          {
            g_free (aside);
            aside = g_strdup_printf ("%s.damaged-%u", path, n);
          }
        for (guint i = 0; i < G_N_ELEMENTS (sqlite_suffixes); i++)
          {
            g_autofree char *from = g_strconcat (path, sqlite_suffixes[i], NULL);
            g_autofree char *to = g_strconcat (aside, sqlite_suffixes[i], NULL);

            if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
              {
                int saved_errno = errno;

                g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                             _("Could not set the damaged replica %s aside: %s"), from,
                             g_strerror (saved_errno));
                return FALSE;
              }
          }
        *out_note = g_strdup_printf (_("Set the damaged replica aside as %s"), aside);
      }
      return TRUE;

    case CRM_REPLICA_FOREIGN:
    default:
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s is not a Voronka replica; init does not overwrite other files, so "
                     "nothing was changed: choose another --db"), path);
      return FALSE;
    }
}

gboolean
crm_cli_init (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *template_name = NULL;
  gboolean demo = FALSE;
  gboolean replace = FALSE;
  const GOptionEntry entries[] = {
    { "template", 't', 0, G_OPTION_ARG_STRING, &template_name,
      N_("A shipped template (see “template list”) or a template JSON file"), N_("NAME|FILE") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      N_("Fill the replica with demo data (truck-dealer)"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Set a damaged replica at --db aside (as PATH.damaged) and make a new one"), NULL },
    { NULL }
  };
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *device = NULL;
  g_autofree char *note = NULL;
  g_autoptr(CrmStore) store = NULL;
  CrmReplicaState state;

  if (!crm_cli_parse (cli, "init", "",
                      _("Create a new replica. All or nothing: it is made in a temporary "
                        "file beside --db and moved into place when complete, so an "
                        "interrupted init leaves no replica or a whole one. init never "
                        "replaces a working replica or a file that is not one; a file that "
                        "holds nothing (left by an interrupted init of an older version) is "
                        "replaced, and a damaged replica only with --replace. With --json: "
                        "{\"path\", \"device\", \"template\", \"demo\", \"replaced\"}."),
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
  dir = g_path_get_dirname (path);
  /* what init refuses, it refuses before any work */
  state = crm_store_probe (path);
  if (state == CRM_REPLICA_USABLE || state == CRM_REPLICA_FOREIGN ||
      (state == CRM_REPLICA_DAMAGED && !replace))
    return clear_path (path, replace, &note, error);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Load the template first: a bad name or file should change nothing. */
  if (template_name != NULL)
    {
      g_autoptr(JsonNode) probe = crm_template_load (template_name, error);

      if (probe == NULL)
        return FALSE;
    }

  if (g_access (dir, W_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY,
                   _("Cannot create the replica %s: the folder %s cannot be written (%s)"),
                   path, dir, g_strerror (saved_errno));
      return FALSE;
    }
  remove_killed_inits (path, dir);
  prefix = temporary_prefix (path);
  temp = g_strdup_printf ("%s%s%s%d", dir, G_DIR_SEPARATOR_S, prefix, (int) getpid ());
  remove_replica (temp);
  store = crm_store_create (temp, error);
  if (store == NULL)
    return FALSE;
  if (cli->now_ms > 0)
    crm_store_set_now (store, cli->now_ms);
  if (!fill_replica (store, template_name, demo, error))
    {
      g_clear_object (&store);
      remove_replica (temp);
      return FALSE;
    }
  device = g_strdup (crm_store_get_device_id (store));
  /* the last connection's close writes the WAL into the file and removes it */
  g_clear_object (&store);

  if (!clear_path (path, replace, &note, error) ||
      !publish_replica (temp, path, dir, error))
    {
      remove_replica (temp);
      return FALSE;
    }
  if (note != NULL && !cli->json)
    g_printerr ("voronkactl: %s\n", note);

  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "path", path);
      json_object_set_string_member (result, "device", device);
      if (template_name != NULL)
        json_object_set_string_member (result, "template", template_name);
      else
        json_object_set_null_member (result, "template");
      json_object_set_boolean_member (result, "demo", demo);
      if (note != NULL)
        json_object_set_string_member (result, "replaced", note);
      else
        json_object_set_null_member (result, "replaced");
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
