/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ledger.c — the server's bookkeeping in an account replica, kept by core
 * (crm-ledger.h, crm-replica-file.h), on real SQLite files:
 *   - an account file made by a server before schema 9 (its bookkeeping tables made
 *     outside the migrations) opens at schema 9 with its bookkeeping intact: pulls still
 *     give each op the base its author pushed it on, and an op refused before is refused
 *     again with the same reason;
 *   - a snapshot made from an account holds none of the server's bookkeeping, opens as a
 *     replica of this schema and is valid at the account's head;
 *   - a backup copy of an account names the same head and incarnation as the account. */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "crm-ledger.h"
#include "crm-replica-file.h"
#include "crm-store.h"
#include "crm-test-util.h"

static char *tmpdir;

typedef struct {
  GArray *seqs;
  GArray *bases;
} Rows;

static void
collect_row (const CrmLedgerRow *row,
             gpointer            data)
{
  Rows *rows = data;

  g_array_append_val (rows->seqs, row->seq);
  g_array_append_val (rows->bases, row->base);
}

/* An account replica with two companies; returns its path. */
static char *
make_account (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".db", NULL);
  char *path = g_build_filename (tmpdir, file, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_create (path, &error);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  g_assert_no_error (error);
  crm_change_set_string (crm_changeset_create (changeset, "company", crm_store_new_id (store)),
                         "name", "ООО «Сибирский тягач»");
  crm_change_set_string (crm_changeset_create (changeset, "company", crm_store_new_id (store)),
                         "name", "АО «Уралтрак»");
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return path;
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static void
test_upgrade_keeps_bookkeeping (void)
{
  g_autofree char *path = make_account ("old-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) bases = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GPtrArray) results = NULL;
  CrmLedgerPush pusher = { .actor = "u-rep", .role = "rep", .max_ahead_ms = 300000 };
  Rows rows = { seqs, bases };
  CrmLedgerResult *result;
  CrmOp *again;
  gint64 head = 0;
  gint64 last;

  /* the file as a server of schema 8 left it: its tables made by the server itself,
   * with the base of the last op and a rejection in them */
  exec_sql (path,
    "DROP TABLE server_op; DROP TABLE server_rejected;"
    "CREATE TABLE IF NOT EXISTS server_op (seq INTEGER PRIMARY KEY, base INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS server_rejected (op_id TEXT PRIMARY KEY NOT NULL,"
    " code TEXT NOT NULL, message TEXT NOT NULL, corrective TEXT, device TEXT,"
    " created_at INTEGER NOT NULL);"
    "INSERT INTO server_op (seq, base) SELECT max (seq), 0 FROM changelog;"
    "INSERT INTO server_rejected VALUES ('0190a0b0-0000-7000-8000-000000000001',"
    " 'permission-denied', 'A rep cannot change the pipelines', NULL, 'laptop-1', 1);"
    "PRAGMA user_version = 8;");
  g_assert_cmpint (crm_replica_file_schema (path, &error), ==, 8);
  g_assert_no_error (error);

  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (crm_replica_file_schema (path, &error), ==, CRM_SCHEMA_VERSION);

  /* every op is pulled, the last with the base its author had seen (0), the others
   * with the one before them */
  g_assert_true (crm_ledger_read (store, 0, 1000, collect_row, &rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seqs->len, >, 1);
  last = g_array_index (seqs, gint64, seqs->len - 1);
  g_assert_cmpint (last, ==, crm_ledger_head (store));
  g_assert_cmpint (g_array_index (bases, gint64, seqs->len - 1), ==, 0);
  g_assert_cmpint (g_array_index (bases, gint64, 0), ==, g_array_index (seqs, gint64, 0) - 1);

  /* the op refused before is refused again, with the same reason, and nothing merged */
  again = crm_op_new ();
  again->op_id = g_strdup ("0190a0b0-0000-7000-8000-000000000001");
  again->device = g_strdup ("laptop-1");
  again->entity = g_strdup ("pipeline");
  again->entity_id = g_strdup ("0190a0b0-0000-7000-8000-000000000002");
  g_ptr_array_add (ops, again);
  g_assert_true (crm_ledger_push (store, &pusher, ops, &results, &head, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  result = results->pdata[0];
  g_assert_false (result->accepted);
  g_assert_cmpstr (result->code, ==, "permission-denied");
  g_assert_cmpstr (result->message, ==, "A rep cannot change the pipelines");
  g_assert_cmpint (head, ==, last);
}

static void
test_snapshot_without_bookkeeping (void)
{
  g_autofree char *path = make_account ("snapshot-source");
  g_autofree char *copy = g_build_filename (tmpdir, "snapshot.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *epoch = NULL;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) bases = g_array_new (FALSE, FALSE, sizeof (gint64));
  Rows rows = { seqs, bases };
  gint64 shared = -1;
  gint64 head;
  gint64 seq = 0;

  {
    g_autoptr(CrmStore) account = crm_store_open (path, &error);

    g_assert_no_error (error);
    g_assert_true (crm_ledger_epoch (account, NULL, &epoch, &shared, &error));
    g_assert_no_error (error);
    g_assert_nonnull (epoch);
    g_assert_cmpint (shared, ==, 0);
    head = crm_ledger_head (account);
    g_assert_cmpint (head, >, 0);
  }
  exec_sql (path, "INSERT INTO server_op (seq, base) SELECT max (seq), 0 FROM changelog;");

  g_assert_true (crm_replica_file_make_snapshot (path, copy, &seq, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, head);
  g_assert_cmpint (crm_replica_file_schema (copy, &error), ==, CRM_SCHEMA_VERSION);

  {
    g_autoptr(CrmStore) snapshot = crm_store_open (copy, &error);
    g_autofree char *copied_epoch = NULL;

    g_assert_no_error (error);
    copied_epoch = crm_store_dup_meta (snapshot, "server.epoch");
    g_assert_null (copied_epoch);
    /* no base of the server's: each op is read as made on the one before it */
    g_assert_true (crm_ledger_read (snapshot, 0, 1000, collect_row, &rows, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (seqs->len, >, 0);
    for (guint i = 0; i < seqs->len; i++)
      g_assert_cmpint (g_array_index (bases, gint64, i), ==, g_array_index (seqs, gint64, i) - 1);
  }
}

static void
test_backup_copy (void)
{
  g_autofree char *path = make_account ("backup-source");
  g_autofree char *copy = g_build_filename (tmpdir, "backup.db", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "no-such-folder", "x.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *copied_epoch = NULL;
  g_autoptr(CrmStore) account = crm_store_open (path, &error);
  gint64 shared = 0;
  gint64 head = 0;

  g_assert_no_error (error);
  g_assert_true (crm_ledger_epoch (account, NULL, &epoch, &shared, &error));
  g_assert_no_error (error);

  /* copied while the account is open, as a serving server holds it */
  g_assert_true (crm_replica_file_copy (path, copy, &error));
  g_assert_no_error (error);
  crm_replica_file_summary (copy, &head, &copied_epoch);
  g_assert_cmpint (head, ==, crm_ledger_head (account));
  g_assert_cmpstr (copied_epoch, ==, epoch);

  /* a copy that cannot be written names the file */
  g_assert_false (crm_replica_file_copy (path, missing, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, missing));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();

  g_test_add_func ("/ledger/upgrade-keeps-bookkeeping", test_upgrade_keeps_bookkeeping);
  g_test_add_func ("/ledger/snapshot-without-bookkeeping", test_snapshot_without_bookkeeping);
  g_test_add_func ("/ledger/backup-copy", test_backup_copy);

  status = g_test_run ();
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
