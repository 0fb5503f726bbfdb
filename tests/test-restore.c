/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-restore.c — a server restored from an older backup loses nothing any laptop holds
 * (issue 22), against a real voronka-server on 127.0.0.1:
 *   - three replicas (a rep, the manager, the admin) and a fourth rep sync; an online
 *     backup is made while the server serves; then more work on all three (new deals, an
 *     edit of an old deal, a deal made on one laptop and edited on another, the admin
 *     signing in on a new laptop) and the fourth rep is revoked;
 *   - `restore` refuses while the server serves, and refuses a folder that is no backup;
 *   - the server is stopped, the backup restored, the server started: each laptop's next
 *     sync says the server was restored and sends back what it lost; afterwards the server
 *     holds exactly what it held before the restore, every replica equals it, no deal is
 *     there twice and every number is given once; voronkactl sync says what happened;
 *     the revoked rep's token still fails;
 *   - a backup restored right away (nothing lost) gives the same data, and laptops are
 *     told that 0 changes had to be sent again;
 *   - schema 8: a replica of schema 7 keeps its acknowledged ops' server numbers, so it
 *     can send them back to a restored server;
 *   - the op a pull names at its cursor (since_op) is read from the replica's history,
 *     among its latest 20 000 changes only (the lost-ops case itself is in test-sync). */
#include <string.h>
#include <glib/gstdio.h>

#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-test-store.h"

static char *tmpdir;
static char *data;
static CrmTestServer *server;

/* A name's id, failing the test on an error (crm-test-store.h). */
#define resolve crm_test_resolve

/* One number from SQL on the replica (crm-test-store.h). */
#define count_sql crm_test_count_sql

static char *
new_deal (CrmStore   *store,
          const char *title,
          const char *responsible_name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", "Новая заявка", pipeline);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (responsible_name != NULL)
    {
      g_autofree char *user = resolve (store, "user", responsible_name, NULL);

      crm_change_set_string (change, "responsible", user);
      crm_changeset_set_actor (changeset, user);
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static void
set_deal (CrmStore   *store,
          const char *deal,
          const char *title,
          gint64      amount)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  if (title != NULL)
    crm_change_set_string (change, "title", title);
  if (amount > 0)
    crm_change_set_int (change, "amount", amount);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

static char *
deal_title (CrmStore   *store,
            const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);

  g_assert_nonnull (row);
  return g_strdup (json_object_get_string_member (row, "title"));
}

static gint64
deal_amount (CrmStore   *store,
             const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);

  g_assert_nonnull (row);
  return json_object_get_int_member (row, "amount");
}

static char *
server_dump (void)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);

  return crm_test_dump (account);
}

static void
assert_equal_dumps (const char *what,
                    const char *state,
                    const char *expected)
{
  g_auto(GStrv) a = NULL;
  g_auto(GStrv) b = NULL;

  if (g_str_equal (state, expected))
    return;
  a = g_strsplit (state, "\n", -1);
  b = g_strsplit (expected, "\n", -1);
  for (guint l = 0; a[l] != NULL && b[l] != NULL; l++)
    if (!g_str_equal (a[l], b[l]))
      {
        g_test_message ("%s: %s\nexpected: %s", what, a[l], b[l]);
        break;
      }
  g_error ("%s differs from what was expected", what);
}

/* Every live deal has a number, and no number is used twice. */
static void
assert_numbers (CrmStore *store)
{
  g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE deleted = 0 AND number IS NULL",
                              NULL), ==, 0);
  g_assert_cmpint (count_sql (store, "SELECT count (*) - count (DISTINCT number) FROM deal"
                              " WHERE number IS NOT NULL", NULL), ==, 0);
}

/* Runs `voronka-server --data DATA ARGS…`; its output in @out (stdout and stderr). */
static int
run_server_command (char       **out,
                    const char  *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, data);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_test_message ("voronka-server %s: %s", first_arg, *out);
  return g_subprocess_get_exit_status (process);
}

/* `voronkactl sync` of @replica with @password; stdout in @out. */
static int
run_cli_sync (CrmTestReplica  *replica,
              const char      *user,
              const char      *password,
              char           **out)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  g_autofree char *err = NULL;

  /* no keyring here: the password is given */
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", tmpdir, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VORONKACTL"),
                                         "--db", replica->path, "sync", "--server", server->url,
                                         "--user", user, "--password-stdin", "--ca-file",
                                         server->cert, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("voronkactl sync: %s%s", *out, err);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
test_restore_loses_nothing (void)
{
  CrmTestReplica rep = { 0 }, manager = { 0 }, admin = { 0 }, denis = { 0 }, laptop = { 0 };
  g_autofree char *backup = g_build_filename (tmpdir, "backup-1", NULL);
  g_autofree char *not_backup = g_build_filename (tmpdir, "not-a-backup", NULL);
  g_autofree char *out = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *old_deal = NULL;
  g_autofree char *rep_deal = NULL;
  g_autofree char *rep_deal_2 = NULL;
  g_autofree char *manager_deal = NULL;
  g_autofree char *admin_deal = NULL;
  g_autofree char *laptop_deal = NULL;
  g_autofree char *denis_token = NULL;
  g_autoptr(CrmSyncClient) revoked = NULL;
  g_autoptr(GError) error = NULL;
  CrmSyncReport *report;
  CrmTestReplica *all[4];
  guint sent_again = 0;
  gint64 deals_before;

  crm_test_replica_open (&rep, server, tmpdir, "rep.db", "Мария Кузнецова", "rep-password");
  crm_test_replica_open (&manager, server, tmpdir, "manager.db", "manager", "manager-pw");
  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", "admin-pw");
  denis.path = g_build_filename (tmpdir, "denis.db", NULL);
  denis.client = crm_test_client_new (server, denis.path, "Денис Морозов", "rep-password");
  report = crm_test_replica_sync (&denis);
  denis_token = g_strdup (report->token);
  crm_sync_report_free (report);
  g_assert_nonnull (denis_token);

  /* before the backup */
  old_deal = new_deal (manager.store, "Volvo FH — до бэкапа", NULL);
  rep_deal = new_deal (rep.store, "Scania R — до бэкапа", "Мария Кузнецова");
  crm_sync_report_free (crm_test_replica_sync (&manager));
  crm_sync_report_free (crm_test_replica_sync (&rep));
  crm_sync_report_free (crm_test_replica_sync (&admin));
  crm_sync_report_free (crm_test_replica_sync (&manager));

  /* an online backup while the server serves */
  g_assert_cmpint (run_server_command (&out, "backup", backup, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Backed up 1 account"));
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_DIR));
  g_clear_pointer (&out, g_free);
  /* a second backup into the same folder is refused */
  g_assert_cmpint (run_server_command (&out, "backup", backup, NULL), ==, 1);
  g_clear_pointer (&out, g_free);

  /* after the backup: work on every laptop */
  rep_deal_2 = new_deal (rep.store, "MAN TGX — после бэкапа", "Мария Кузнецова");
  set_deal (rep.store, rep_deal, NULL, 250000);
  crm_sync_report_free (crm_test_replica_sync (&rep));
  manager_deal = new_deal (manager.store, "КАМАЗ 5490 — после бэкапа", NULL);
  set_deal (manager.store, old_deal, "Volvo FH — правка после бэкапа", 0);
  crm_sync_report_free (crm_test_replica_sync (&manager));
  crm_sync_report_free (crm_test_replica_sync (&admin));
  /* made on the manager's laptop, edited on the admin's */
  set_deal (admin.store, manager_deal, NULL, 777000);
  admin_deal = new_deal (admin.store, "DAF XF — после бэкапа", NULL);
  crm_sync_report_free (crm_test_replica_sync (&admin));
  /* the admin signs in on a new laptop and works there */
  crm_test_replica_open (&laptop, server, tmpdir, "admin-laptop.db", "admin", "admin-pw");
  laptop_deal = new_deal (laptop.store, "Mercedes Actros — новый ноутбук", NULL);
  crm_sync_report_free (crm_test_replica_sync (&laptop));
  for (guint i = 0; i < 2; i++)
    {
      crm_sync_report_free (crm_test_replica_sync (&rep));
      crm_sync_report_free (crm_test_replica_sync (&manager));
      crm_sync_report_free (crm_test_replica_sync (&admin));
      crm_sync_report_free (crm_test_replica_sync (&laptop));
    }
  before = server_dump ();
  deals_before = count_sql (rep.store, "SELECT count (*) FROM deal WHERE deleted = 0", NULL);

  /* restore refuses while the server serves, and a folder that is no backup */
  g_assert_cmpint (run_server_command (&out, "restore", backup, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "is serving"));
  g_clear_pointer (&out, g_free);
  g_mkdir_with_parents (not_backup, 0700);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  /* the second rep left after the backup: signed out everywhere */
  g_assert_cmpint (run_server_command (&out, "user", "revoke", "acme", "Денис Морозов", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Revoked 1 session"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_server_command (&out, "restore", not_backup, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "not a backup"));
  g_clear_pointer (&out, g_free);

  /* stop, restore the older backup, start */
  g_assert_cmpint (run_server_command (&out, "restore", backup, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Restored account «acme»"));
  g_clear_pointer (&out, g_free);
  crm_test_server_restart (server);
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);

    /* the server went back to the backup */
    g_assert_cmpint (count_sql (account, "SELECT count (*) FROM deal WHERE id = ?1", rep_deal_2),
                     ==, 0);
  }

  /* each laptop syncs: the manager through voronkactl, which says what happened */
  g_assert_cmpint (run_cli_sync (&manager, "manager", "manager-pw", &out), ==, 0);
  g_assert_nonnull (strstr (out, "The server was restored from a backup;"));
  g_assert_nonnull (strstr (out, "it had lost were sent again"));
  g_assert_null (strstr (out, "Installed a copy"));
  g_clear_pointer (&out, g_free);
  {
    g_autoptr(CrmStore) store = crm_test_open (manager.path);
    gint64 count = 0;
    gboolean lost_ops = TRUE;

    g_assert_true (crm_sync_state_get_restored (store, &count, NULL, &lost_ops));
    g_assert_false (lost_ops);
    sent_again += (guint) count;
  }
  all[0] = &rep;
  all[1] = &admin;
  all[2] = &laptop;
  all[3] = &manager;
  for (guint i = 0; i < 3; i++)
    {
      report = crm_test_replica_sync (all[i]);
      g_assert_true (report->server_restored);
      g_assert_false (report->server_lost_ops);
      sent_again += report->restored;
      crm_sync_report_free (report);
    }
  /* every op made after the backup came back (deals, edits, deal numbers) */
  g_assert_cmpuint (sent_again, >=, 7);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        report = crm_test_replica_sync (all[i]);
        g_assert_false (report->server_restored);
        crm_sync_report_free (report);
      }

  /* the server holds what it held before the restore, and so does every laptop */
  after = server_dump ();
  assert_equal_dumps ("the restored server", after, before);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(CrmStore) store = crm_test_open (all[i]->path);
      g_autofree char *state = crm_test_dump (store);

      assert_equal_dumps (all[i]->name, state, after);
      assert_numbers (store);
      g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE deleted = 0", NULL),
                       ==, deals_before);
      {
        g_autofree char *title = deal_title (store, old_deal);

        g_assert_cmpstr (title, ==, "Volvo FH — правка после бэкапа");
      }
      g_assert_cmpint (deal_amount (store, rep_deal), ==, 250000);
      g_assert_cmpint (deal_amount (store, manager_deal), ==, 777000);
      g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE id IN (?1)",
                                  rep_deal_2), ==, 1);
      g_assert_nonnull (crm_store_dup_entity (store, "deal", admin_deal));
      g_assert_nonnull (crm_store_dup_entity (store, "deal", laptop_deal));
    }
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);

    assert_numbers (account);
  }

  /* the revoked rep's token stays revoked */
  revoked = crm_sync_client_new (denis.path, server->url, "Денис Морозов");
  crm_sync_client_set_ca_file (revoked, server->cert, &error);
  g_assert_no_error (error);
  crm_sync_client_set_token (revoked, denis_token);
  report = crm_sync_client_sync (revoked, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED);

  crm_test_replica_clear (&rep);
  crm_test_replica_clear (&manager);
  crm_test_replica_clear (&admin);
  crm_test_replica_clear (&laptop);
  crm_test_replica_clear (&denis);
}

/* A backup restored at once: the same data, and nothing had to be sent again. */
static void
test_round_trip (void)
{
  CrmTestReplica rep = { 0 };
  g_autofree char *backup = g_build_filename (tmpdir, "backup-2", NULL);
  g_autofree char *out = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *mine = NULL;
  CrmSyncReport *report;

  crm_test_replica_open (&rep, server, tmpdir, "round-trip.db", "Мария Кузнецова", "rep-password");
  before = server_dump ();
  g_assert_cmpint (run_server_command (&out, "backup", backup, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_assert_cmpint (run_server_command (&out, "restore", backup, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  crm_test_server_restart (server);
  after = server_dump ();
  assert_equal_dumps ("the restored server", after, before);

  report = crm_test_replica_sync (&rep);
  g_assert_true (report->server_restored);
  g_assert_cmpuint (report->restored, ==, 0);
  crm_sync_report_free (report);
  g_clear_object (&rep.store);
  rep.store = crm_test_open (rep.path);
  mine = crm_test_dump (rep.store);
  assert_equal_dumps ("the replica", mine, before);
  crm_test_replica_clear (&rep);
}

/* A replica made at schema 7 (no stamp, no server_seq): after the upgrade its own
 * acknowledged op is one a restored server may have lost, with its server number. */
static void
test_migration (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "schema-7.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lost = NULL;
  g_autofree char *deal = NULL;
  sqlite3 *db = NULL;

  {
    g_autoptr(CrmStore) store = crm_store_create (path, &error);

    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    g_assert_no_error (error);
    deal = crm_store_new_id (store);
    crm_change_set_string (crm_changeset_create (changeset, "company", deal), "name",
                           "ООО «Сибирский тягач»");
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
    "ALTER TABLE changelog DROP COLUMN stamp;"
    "ALTER TABLE changelog DROP COLUMN server_seq;"
    "UPDATE changelog SET pushed = 41;"
    "PRAGMA user_version = 7;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  {
    g_autoptr(CrmStore) store = crm_test_open (path);

    lost = crm_sync_state_dup_lost_ops (store, 40, 0, 100, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lost->len, >=, 1);
    g_assert_cmpstr (((CrmOp *) lost->pdata[0])->entity_id, ==, deal);
    g_clear_pointer (&lost, g_ptr_array_unref);
    /* a server that still has number 41 lost nothing of it */
    lost = crm_sync_state_dup_lost_ops (store, 41, 0, 100, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lost->len, ==, 0);
  }
}

/* The op a pull names at its cursor is read from the replica's history: the newest row
 * the server numbered so; none at 0, none for a number it never received, and none
 * when more than 20 000 changes were written after it (the pull goes unchecked then,
 * rather than read the whole history). */
static void
test_cursor_op (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "cursor-op.db", NULL);
  g_autoptr(GError) error = NULL;
  char *op = NULL;
  sqlite3 *db = NULL;

  {
    g_autoptr(CrmStore) store = crm_store_create (path, &error);

    g_assert_no_error (error);
  }
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
    "INSERT OR IGNORE INTO clock_word (word) VALUES ('other'), ('here');"
    "INSERT INTO changelog (op_id, hlc, device_n, entity, entity_id, fields, local, server_seq)"
    " VALUES ('01a209b0-8205-78b5-8923-c0b894a36001', 1,"
    "  (SELECT n FROM clock_word WHERE word = 'other'), 'deal',"
    "  '01a209b0-8205-78b5-8923-c0b894a36100', '{}', 0, 41),"
    " ('01a209b0-8205-78b5-8923-c0b894a36002', 2,"
    "  (SELECT n FROM clock_word WHERE word = 'other'), 'deal',"
    "  '01a209b0-8205-78b5-8923-c0b894a36100', '{}', 0, 42);",
    NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autoptr(CrmStore) store = crm_test_open (path);

    g_assert_true (crm_sync_state_dup_cursor_op (store, 42, &op, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (op, ==, "01a209b0-8205-78b5-8923-c0b894a36002");
    g_clear_pointer (&op, g_free);
    g_assert_true (crm_sync_state_dup_cursor_op (store, 41, &op, &error));
    g_assert_cmpstr (op, ==, "01a209b0-8205-78b5-8923-c0b894a36001");
    g_clear_pointer (&op, g_free);
    g_assert_true (crm_sync_state_dup_cursor_op (store, 0, &op, &error));
    g_assert_null (op);
    g_assert_true (crm_sync_state_dup_cursor_op (store, 43, &op, &error));
    g_assert_null (op);
  }
  /* 19 999 changes made here since (not numbered by the server yet) */
  g_assert_cmpint (sqlite3_exec (db,
    "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)"
    " INSERT INTO changelog (op_id, hlc, device_n, entity, entity_id, fields, local)"
    " SELECT printf ('01a209b0-8205-78b5-8923-%012x', 1000 + i), 10 + i,"
    "  (SELECT n FROM clock_word WHERE word = 'here'), 'deal',"
    "  '01a209b0-8205-78b5-8923-c0b894a36100', '{}', 1 FROM n;", NULL, NULL, NULL),
    ==, SQLITE_OK);
  {
    g_autoptr(CrmStore) store = crm_test_open (path);

    /* 42 is the oldest of the 20 000 latest changes, 41 just before them */
    g_assert_true (crm_sync_state_dup_cursor_op (store, 41, &op, &error));
    g_assert_no_error (error);
    g_assert_null (op);
    g_assert_true (crm_sync_state_dup_cursor_op (store, 42, &op, &error));
    g_assert_cmpstr (op, ==, "01a209b0-8205-78b5-8923-c0b894a36002");
    g_clear_pointer (&op, g_free);
  }
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, &data);

  g_test_add_func ("/restore/loses-nothing", test_restore_loses_nothing);
  g_test_add_func ("/restore/round-trip", test_round_trip);
  g_test_add_func ("/restore/migration", test_migration);
  g_test_add_func ("/restore/cursor-op", test_cursor_op);
  status = g_test_run ();

  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data);
  return status;
}
