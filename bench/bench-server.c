/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-server.c — a generated replica as a voronka-server account (bench-server.h). */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>

#include "bench-server.h"
#include "bench-util.h"
#include "crm-store-private.h"

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

#define START_TIMEOUT_S 60
#define STOP_TIMEOUT_S  30

GSubprocess *
bench_server_start (const char * const *argv,
                    const char         *log,
                    char              **out_url,
                    GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDERR_MERGE);
  gint64 deadline = bench_now_us () + START_TIMEOUT_S * G_USEC_PER_SEC;
  g_autoptr(GSubprocess) server = NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (server == NULL)
    return NULL;
  while (bench_now_us () < deadline)
    {
      g_autofree char *text = NULL;
      const char *line, *end;

      if (g_file_get_contents (log, &text, NULL, NULL) &&
          (line = strstr (text, "listening on ")) != NULL && (end = strchr (line, '\n')) != NULL)
        {
          line += strlen ("listening on ");
          *out_url = g_strndup (line, end - line);
          return g_steal_pointer (&server);
        }
      if (g_subprocess_get_identifier (server) == NULL)
        break;
      g_usleep (20 * 1000);
    }
  g_subprocess_force_exit (server);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "voronka-server did not start (see %s)", log);
  return NULL;
}

void
bench_server_stop (GSubprocess *server)
{
  gint64 deadline = bench_now_us () + STOP_TIMEOUT_S * G_USEC_PER_SEC;

  g_subprocess_send_signal (server, SIGTERM);
  while (g_subprocess_get_identifier (server) != NULL && bench_now_us () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  if (g_subprocess_get_identifier (server) != NULL)
    g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
}

gboolean
bench_server_admin (const char  *server_bin,
                    const char  *data,
                    const char  *password,
                    GError     **error,
                    const char  *first_arg,
                    ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
    G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  g_autofree char *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) server_bin);
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, (gpointer) data);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, input, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "voronka-server %s failed: %s",
                   first_arg, err != NULL ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

char *
bench_server_new_account_file (const char *data,
                               GPtrArray  *known)
{
  g_autofree char *dir_path = g_build_filename (data, "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      char *path;

      if (!g_str_has_suffix (name, ".db"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if (!g_ptr_array_find_with_equal_func (known, path, g_str_equal, NULL))
        {
          g_ptr_array_add (known, path);
          return g_strdup (path);
        }
      g_free (path);
    }
  return NULL;
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) dest = g_file_new_for_path (to);

  return g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

gboolean
bench_server_install_account (const char  *replica,
                              const char  *account_file,
                              const char  *admin,
                              const char  *name,
                              GError     **error)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *admin_id = NULL;
  g_autofree char *wal = g_strconcat (replica, "-wal", NULL);
  g_autofree char *account_wal = g_strconcat (account_file, "-wal", NULL);
  sqlite3_stmt *stmt;
  CrmChange *change;
  gint64 start = bench_now_us ();

  store = crm_store_open (account_file, error);
  if (store == NULL)
    return FALSE;
  stmt = _crm_store_prepare (store, "SELECT id FROM user WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, admin, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    admin_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  g_clear_object (&store);
  if (admin_id == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the new account has no user entity for its admin “%s”", admin);
      return FALSE;
    }

  bench_remove_db (account_file);
  if (!copy_file (replica, account_file, error) ||
      (g_file_test (wal, G_FILE_TEST_EXISTS) && !copy_file (wal, account_wal, error)))
    return FALSE;
  store = crm_store_open (account_file, error);
  if (store == NULL)
    return FALSE;
  /* on a server the history was pushed by devices: made elsewhere, not here (the
   * generator made all of it locally) */
  if (sqlite3_exec (_crm_store_get_db (store), "UPDATE changelog SET local = 0, pushed = 0"
                    " WHERE local = 1", NULL, NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "marking the account's history as pushed");
      return FALSE;
    }
  change = crm_changeset_create (changeset, "user", admin_id);
  crm_change_set_string (change, "name", admin);
  crm_change_set_string (change, "role", "admin");
  if (!crm_store_apply (store, changeset, error) ||
      !crm_store_set_meta (store, "server.account", name, error) ||
      !crm_store_checkpoint (store, error))
    return FALSE;
  g_printerr ("# server account %s: %s copied in %.1f s (%.0f MB, %" G_GINT64_FORMAT " ops)\n",
              name, replica, (bench_now_us () - start) / 1e6,
              bench_file_size (account_file) / 1048576.0, crm_store_get_log_length (store));
  return TRUE;
}

gboolean
bench_server_write_account (const char  *server_bin,
                            const char  *data,
                            const char  *replica,
                            const char  *name,
                            const char  *admin,
                            const char  *password,
                            GError     **error)
{
  g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *account_file = NULL;

  /* the accounts there already */
  while ((account_file = bench_server_new_account_file (data, known)) != NULL)
    g_clear_pointer (&account_file, g_free);
  if (!bench_server_admin (server_bin, data, password, error, "account", "create", name,
                           "--template", "truck-dealer", "--admin", admin,
                           "--password-stdin", NULL))
    return FALSE;
  account_file = bench_server_new_account_file (data, known);
  if (account_file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "voronka-server made no account file in %s/accounts", data);
      return FALSE;
    }
  return bench_server_install_account (replica, account_file, admin, name, error);
}
