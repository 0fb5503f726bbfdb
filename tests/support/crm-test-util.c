/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-util.c — temporary folders, voronkactl runs and JSON parsing for tests. */
#include "config.h"

#include "crm-test-util.h"

#include <string.h>
#include <sys/wait.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "crm-sync-state.h"

char *
crm_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("voronka-test-XXXXXX", &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
crm_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      crm_test_remove_tree (child);
    }
  g_rmdir (path);
}

void
crm_test_run_clear (CrmTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
  run->status = 0;
}

void
crm_test_run_cli_argv (CrmTestRun         *run,
                       const char * const *args)
{
  const char *program = g_getenv ("VORONKACTL");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_assert_nonnull (program);
  crm_test_run_clear (run);
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);

  if (!WIFEXITED (wait_status))
    g_error ("voronkactl %s died (status %d); stderr: %s",
             args[0] != NULL ? args[0] : "", wait_status, run->err);
  run->status = WEXITSTATUS (wait_status);

  /* no trace, no GLib warning or critical, whatever the input */
  g_assert_null (strstr (run->err, "CRITICAL"));
  g_assert_null (strstr (run->err, "WARNING"));
  g_assert_null (strstr (run->err, "Segmentation"));
}

void
crm_test_run_cli_input (CrmTestRun         *run,
                        const char         *input,
                        const char * const *args)
{
  const char *program = g_getenv ("VORONKACTL");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (program);
  crm_test_run_clear (run);
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out,
                                 &run->err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("voronkactl %s died; stderr: %s", args[0] != NULL ? args[0] : "", run->err);
  run->status = g_subprocess_get_exit_status (process);
  g_assert_null (strstr (run->err, "CRITICAL"));
  g_assert_null (strstr (run->err, "WARNING"));
  g_assert_null (strstr (run->err, "Segmentation"));
}

void
crm_test_run_cli (CrmTestRun *run,
                  const char *first_arg,
                  ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (run, (const char * const *) args->pdata);
}

JsonNode *
crm_test_parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_nonnull (text);
  node = json_from_string (text, &error);
  if (error != NULL)
    g_error ("Not JSON (%s): %s", error->message, text);
  g_assert_nonnull (node);
  return node;
}

static void
ctl_valist (CrmTestRun *run,
            const char *db,
            const char *now,
            va_list     ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  if (now != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--now");
      g_ptr_array_add (args, (gpointer) now);
    }
  g_ptr_array_add (args, (gpointer) "--json");
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (run, (const char * const *) args->pdata);
}

void
crm_test_ctl (CrmTestRun *run,
              const char *db,
              const char *now,
              ...)
{
  va_list ap;

  va_start (ap, now);
  ctl_valist (run, db, now, ap);
  va_end (ap);
}

JsonNode *
crm_test_ctl_ok (const char *db,
                 const char *now,
                 ...)
{
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  va_start (ap, now);
  ctl_valist (&run, db, now, ap);
  va_end (ap);
  if (run.status != 0)
    g_error ("voronkactl failed (exit %d): %s%s", run.status, run.out, run.err);
  return crm_test_parse_json (run.out);
}

char *
crm_test_assert_refused (const CrmTestRun *run,
                         const char       *code)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *error;

  if (run->status != 1)
    g_error ("expected a refusal with %s (exit 1), got exit %d: %s%s", code, run->status,
             run->out, run->err);
  node = crm_test_parse_json (run->out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  error = json_object_get_object_member (json_node_get_object (node), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_true (json_object_has_member (error, "gate"));
  g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
  return g_strdup (json_object_get_string_member (error, "message"));
}

JsonObject *
crm_test_find_object (JsonArray  *array,
                      const char *member,
                      const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (object != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (object, member, NULL),
                     value) == 0)
        return object;
    }
  return NULL;
}

guint
crm_test_count_objects (JsonArray  *array,
                        const char *member,
                        const char *value)
{
  guint n = 0;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (object != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (object, member, NULL),
                     value) == 0)
        n++;
    }
  return n;
}

void
crm_test_fail_missing (const char *reason)
{
  /* build-aux/voronka installs everything the suite needs, so a missing part is a fault
   * of the machine or the script: the test fails, wherever it runs; nothing is skipped. */
  g_test_fail_printf ("cannot run: %s (./build-aux/voronka test installs what the suite "
                      "needs)", reason);
}

char *
crm_test_built_translations (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree char *mo = NULL;
  char *po_dir;

  if (dir == NULL)
    return NULL;
  po_dir = g_build_filename (dir, "..", "po", NULL);
  mo = g_build_filename (po_dir, "ru", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (g_file_test (mo, G_FILE_TEST_EXISTS))
    return po_dir;
  g_free (po_dir);
  return NULL;
}

void
crm_test_replica_dir_tear_down (CrmTestReplicaDir *fixture,
                                gconstpointer      data)
{
  crm_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->db, g_free);
}

const char *
crm_test_get_string (JsonObject *object,
                     const char *member)
{
  return json_object_get_string_member_with_default (object, member, NULL);
}

char *
crm_test_dup_id (JsonNode *node)
{
  return g_strdup (crm_test_get_string (json_node_get_object (node), "id"));
}

gboolean
crm_test_has_string (JsonArray  *array,
                     const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

guint
crm_test_take_length (JsonNode *node)
{
  g_autoptr(JsonNode) owned = node;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (owned));
  return json_array_get_length (json_node_get_array (owned));
}

JsonObject *
crm_test_take_object (JsonNode *node)
{
  g_autoptr(JsonNode) owned = node;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (owned));
  return json_object_ref (json_node_get_object (owned));
}

JsonObject *
crm_test_only_deal_in (const char *db,
                       const char *now,
                       const char *pipeline)
{
  g_autoptr(JsonNode) list = crm_test_ctl_ok (db, now, "deal", "list", "--pipeline", pipeline,
                                              NULL);
  JsonArray *array = json_node_get_array (list);
  const char *id;

  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  id = crm_test_get_string (json_array_get_object_element (array, 0), "id");
  return crm_test_take_object (crm_test_ctl_ok (db, now, "deal", "show", id, NULL));
}

gint64
crm_test_count_waiting (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 waiting = -1;

  g_assert_true (crm_sync_state_count_waiting (store, &waiting, &error));
  g_assert_no_error (error);
  return waiting;
}

gboolean
crm_test_start_keyring (gboolean replace)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  int status = 0;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return FALSE;
  if (!replace)
    {
      /* one daemon per bus: a second one started beside it answers nothing */
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      g_autoptr(GVariant) reply = NULL;
      gboolean owned = FALSE;

      if (bus != NULL)
        reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "NameHasOwner",
                                             g_variant_new ("(s)", "org.freedesktop.secrets"),
                                             G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                             NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        return TRUE;
    }
  /* the daemon outlives this test and serves the whole bus: its keyrings stay in the
   * user's data folder, not in a folder this test points XDG_DATA_HOME at and removes */
  command = g_strdup_printf ("env -u XDG_DATA_HOME -u XDG_CACHE_HOME sh -c 'echo -n any | "
                             "gnome-keyring-daemon %s--unlock --components=secrets >/dev/null'",
                             replace ? "--replace " : "");
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_test_message ("gnome-keyring-daemon: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

char *
crm_test_list_summary (const char *db,
                       const char *what)
{
  g_autoptr(JsonNode) list = crm_test_ctl_ok (db, NULL, what, "list", NULL);
  JsonArray *items = json_node_get_array (list);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  static const char *const contact_members[] = { "name", "phones", "emails", "company", NULL };
  static const char *const deal_members[] = { "title", "pipeline", "stage", "amount",
                                              "responsible", "tags", NULL };
  const char *const *members = g_str_equal (what, "contact") ? contact_members : deal_members;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint m = 0; members[m] != NULL; m++)
        {
          JsonNode *value = json_object_get_member (item, members[m]);

          if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
            {
              for (guint j = 0; j < json_array_get_length (json_node_get_array (value)); j++)
                g_string_append_printf (line, "%s,",
                                        json_array_get_string_element (json_node_get_array (value), j));
            }
          else if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
            g_string_append (line, json_node_get_string (value));
          g_string_append_c (line, '|');
        }
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&line), FALSE));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s\n", (char *) lines->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
