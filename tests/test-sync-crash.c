/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-crash.c — kill -9 in the middle of a sync, then sync again: nothing lost,
 * nothing doubled. voronkactl sync (small batches and pages, so there is a middle) is
 * killed while it pushes and while it pulls; voronka-server is killed while it takes a
 * push and restarted on the same port. Afterwards every op the client made is on the
 * server exactly once, every deal has one number, and the replica equals the server. */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-test-store.h"

#define N_DEALS 1500

static char *tmpdir;

/* One number from SQL on the replica (crm-test-store.h). */
#define count_sql crm_test_count_sql

/* voronkactl sync as a child we can kill; the password goes to its stdin. */
static GSubprocess *
spawn_sync (CrmTestServer *server,
            const char    *path,
            const char    *option,
            const char    *value)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
    G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  GOutputStream *in;

  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", tmpdir, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VORONKACTL"), "--db", path,
                                         "sync", "--server", server->url, "--user", "admin",
                                         "--password-stdin", "--ca-file", server->cert, option,
                                         value, NULL);
  g_assert_no_error (error);
  in = g_subprocess_get_stdin_pipe (process);
  g_output_stream_write_all (in, "admin-pw\n", 9, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, NULL);
  return process;
}

static int
wait_child (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

static void
kill_child (GSubprocess *process,
            const char  *what)
{
  gboolean running = g_subprocess_get_identifier (process) != NULL;

  g_subprocess_send_signal (process, SIGKILL);
  wait_child (process);
  if (running && g_subprocess_get_if_signaled (process))
    g_test_message ("killed voronkactl %s", what);
  else
    g_test_message ("voronkactl finished %s before it could be killed", what);
}

static CrmSyncClient *
admin_client (CrmTestServer *server,
              const char    *path)
{
  return crm_test_client_new (server, path, "admin", "admin-pw");
}

static void
make_deals (CrmStore   *store,
            const char *prefix,
            guint       n)
{
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, NULL);
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, NULL);
  g_autofree char *tag = crm_query_resolve (store, "tag", "Volvo", NULL, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *id = crm_store_new_id (store);
      g_autofree char *title = g_strdup_printf ("%s %u", prefix, i);
      CrmChange *change = crm_changeset_create (changeset, "deal", id);

      crm_change_set_string (change, "title", title);
      crm_change_set_string (change, "pipeline", pipeline);
      crm_change_set_string (change, "stage", stage);
      crm_change_set_int (change, "amount", (i + 1) * 100);
      crm_change_set_int (change, "created_at", crm_store_get_now (store));
      if (i % 3 == 0)
        crm_changeset_set_link (changeset, "deal_tag", "deal", id, "tag", tag, TRUE);
      g_assert_true (crm_store_apply (store, changeset, &error));
      g_assert_no_error (error);
    }
}

/* Nothing lost, nothing doubled. */
static void
assert_whole (CrmTestServer *server,
              CrmStore      *store)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  g_autofree char *mine = crm_test_dump (store);
  g_autofree char *theirs = crm_test_dump (account);
  const char *device = crm_store_get_device_id (store);

  g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
  g_assert_cmpint (count_sql (account, "SELECT count (*) FROM changelog"
                              " WHERE device_n = (SELECT n FROM clock_word WHERE word = ?1)", device), ==,
                   count_sql (store, "SELECT count (*) FROM changelog WHERE local = 1", NULL));
  g_assert_cmpint (count_sql (account, "SELECT count (*) FROM deal WHERE deleted = 0 AND number IS NULL",
                              NULL), ==, 0);
  g_assert_cmpint (count_sql (account, "SELECT count (*) - count (DISTINCT number) FROM deal", NULL), ==, 0);
  g_assert_cmpstr (mine, ==, theirs);
}

static CrmTestServer *
start_server (const char *name)
{
  g_autofree char *parent = g_build_filename (tmpdir, name, NULL);
  g_autofree char *data = crm_test_server_make_data (parent);

  return crm_test_server_start (data, FALSE, NULL);
}

static void
test_client_killed_mid_push (void)
{
  g_autoptr(CrmTestServer) server = start_server ("push");
  g_autofree char *path = g_build_filename (tmpdir, "push.db", NULL);
  g_autoptr(CrmSyncClient) client = admin_client (server, path);
  g_autoptr(CrmSyncReport) first = crm_test_sync (client);
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(CrmStore) store = crm_test_open (path);
  g_autoptr(GSubprocess) child = NULL;
  gint64 waiting;

  make_deals (store, "Push", N_DEALS);
  waiting = crm_test_count_waiting (store);
  child = spawn_sync (server, path, "--batch-size", "10");
  g_assert_true (crm_test_server_wait_log (server, 5, 30, "POST /api/v1/sync/push 200", NULL));
  kill_child (child, "while pushing");
  /* some went, some wait */
  g_assert_cmpint (crm_test_count_waiting (store), <, waiting);

  report = crm_test_sync (client);
  g_assert_cmpuint (report->rejected, ==, 0);
  assert_whole (server, store);
  g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE title LIKE 'Push %'", NULL), ==,
                   N_DEALS);
}

static void
test_client_killed_mid_pull (void)
{
  g_autoptr(CrmTestServer) server = start_server ("pull");
  g_autofree char *writer_path = g_build_filename (tmpdir, "pull-writer.db", NULL);
  g_autofree char *reader_path = g_build_filename (tmpdir, "pull-reader.db", NULL);
  g_autoptr(CrmSyncClient) writer = admin_client (server, writer_path);
  g_autoptr(CrmSyncClient) reader = admin_client (server, reader_path);
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(CrmStore) writer_store = NULL;
  g_autoptr(CrmStore) reader_store = NULL;
  g_autoptr(GSubprocess) child = NULL;
  gint64 cursor_before;

  report = crm_test_sync (writer);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (reader);
  g_clear_pointer (&report, crm_sync_report_free);
  writer_store = crm_test_open (writer_path);
  reader_store = crm_test_open (reader_path);
  cursor_before = crm_sync_state_get_cursor (reader_store);

  make_deals (writer_store, "Pull", N_DEALS);
  report = crm_test_sync (writer);
  g_clear_pointer (&report, crm_sync_report_free);

  /* the reader has an edit of its own waiting, too */
  make_deals (reader_store, "Reader", 3);
  child = spawn_sync (server, reader_path, "--page-size", "20");
  g_assert_true (crm_test_server_wait_log (server, 5, 30, "GET /api/v1/sync/pull 200", NULL));
  kill_child (child, "while pulling");
  /* the cursor moved only with the pages that were merged */
  g_assert_cmpint (crm_sync_state_get_cursor (reader_store), >=, cursor_before);

  report = crm_test_sync (reader);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (writer);
  assert_whole (server, reader_store);
  assert_whole (server, writer_store);
  g_assert_cmpint (count_sql (reader_store, "SELECT count (*) FROM deal WHERE title LIKE 'Pull %'",
                              NULL), ==, N_DEALS);
}

static void
test_server_killed_mid_push (void)
{
  g_autoptr(CrmTestServer) server = start_server ("server");
  g_autofree char *path = g_build_filename (tmpdir, "server-kill.db", NULL);
  g_autoptr(CrmSyncClient) client = admin_client (server, path);
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);
  g_autoptr(CrmStore) store = crm_test_open (path);
  g_autoptr(GSubprocess) child = NULL;
  int status;

  make_deals (store, "Server", 3 * N_DEALS);
  child = spawn_sync (server, path, "--batch-size", "300");
  g_assert_true (crm_test_server_wait_log (server, 2, 60, "POST /api/v1/sync/push 200", NULL));
  crm_test_server_kill (server);
  status = wait_child (child);
  g_test_message ("voronkactl sync ended with status %d when the server died", status);

  crm_test_server_restart (server);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (client);
  g_assert_cmpuint (report->rejected, ==, 0);
  assert_whole (server, store);
  g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE title LIKE 'Server %'", NULL),
                   ==, 3 * N_DEALS);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  g_test_add_func ("/sync-crash/client-killed-mid-push", test_client_killed_mid_push);
  g_test_add_func ("/sync-crash/client-killed-mid-pull", test_client_killed_mid_pull);
  g_test_add_func ("/sync-crash/server-killed-mid-push", test_server_killed_mid_push);
  status = g_test_run ();
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
