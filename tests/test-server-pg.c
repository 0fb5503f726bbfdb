/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-pg.c — two voronka-server processes in front of one real PostgreSQL
 * (support/crm-test-pg.c), each with a data folder of its own:
 *   - two laptops, each syncing through a different process, make deals offline and
 *     push them at the same time, round after round → both laptops and both processes end
 *     with the identical state; the account's log in the database holds sequence numbers
 *     1…head without a gap; every deal has a number, none given twice;
 *   - an account created through one process's folder signs in through the other;
 *   - a device listening on one process's live channel hears of a push to the other
 *     (LISTEN/NOTIFY), and gets the caller's card of a call the other process routed;
 *   - timer rules: two processes ticking every second, exactly one of them runs the
 *     rules; killed (SIGKILL), the other takes over;
 *   - a process restarted with an empty cache catches up from the database alone;
 *   - `migrate ACCOUNT --to postgresql://…` moves an account served from a data folder:
 *     the laptop that synced with it before stays signed in, keeps its data, and its next
 *     deal gets the next number; a second migrate of it is refused, nothing changed;
 *   - PostgreSQL restarted (as a crash and cleanly) while both laptops sync: the
 *     processes connect again, nothing is lost or logged twice, no number given twice;
 *   - messages out: two processes delivering every second from one database, two laptops
 *     queueing e-mails through different processes: a real SMTP server
 *     (tests/support/smtp-sink.py) gets each message exactly once, and every laptop sees
 *     each «sent» (the outbox is claimed with FOR UPDATE SKIP LOCKED); the tracking image
 *     of a mail sent by one process, fetched twice through the other, marks the message
 *     «opened» once (the tokens are the database's).
 * The matrix (tests/meson.build, "-pg" tests) runs the other protocol tests on one
 * process against PostgreSQL. */
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "crm-attachment.h"
#include "crm-call.h"
#include "crm-live-client.h"
#include "crm-test-http.h"
#include "crm-query.h"
#include "crm-time.h"
#include "crm-test-pg.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define ROUNDS          4
#define DEALS_PER_ROUND 6

static char *tmpdir;
static char *url;
static CrmTestServer *servers[2];

#define new_deal crm_test_new_deal

typedef struct {
  guint pending;
  guint failed;
} Round;

static void
sync_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Round *round = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncReport) report = crm_sync_client_sync_finish (CRM_SYNC_CLIENT (source),
                                                                 result, &error);

  if (report == NULL)
    {
      g_test_message ("sync failed: %s", error->message);
      round->failed++;
    }
  round->pending--;
}

/* Both laptops sync at once, each through its own process; returns how many failed. */
static guint
sync_both_counting (CrmTestReplica *replicas)
{
  Round round = { 2, 0 };

  for (guint i = 0; i < 2; i++)
    crm_sync_client_sync_async (replicas[i].client, NULL, sync_done, &round);
  for (guint i = 0; i < 6000 && round.pending > 0; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (round.pending, ==, 0);
  return round.failed;
}

static void
sync_both (CrmTestReplica *replicas)
{
  g_assert_cmpuint (sync_both_counting (replicas), ==, 0);
}

static gint64
number_of (CrmStore   *store,
           const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);
  JsonNode *number = json_object_get_member (row, "number");

  return number == NULL || JSON_NODE_HOLDS_NULL (number) ? 0 : json_node_get_int (number);
}

/* Fails naming the first line where @state differs from @expected (dumps are long). */
static void
assert_same_state (const char *label,
                   const char *state,
                   const char *expected)
{
  g_auto(GStrv) a = g_strsplit (state, "\n", -1);
  g_auto(GStrv) b = g_strsplit (expected, "\n", -1);
  guint l = 0;

  while (a[l] != NULL && b[l] != NULL && g_str_equal (a[l], b[l]))
    l++;
  if (a[l] != NULL || b[l] != NULL)
    g_error ("%s differs at line %u:\n  %s\nexpected:\n  %s", label, l,
             a[l] ? a[l] : "(end)", b[l] ? b[l] : "(end)");
}

/* Both laptops and both processes hold the same state; the account's log runs 1…head
 * without a gap; every one of @deals has a number, the same on both laptops, none twice. */
static void
assert_converged (CrmTestReplica *replicas,
                  GPtrArray      *deals)
{
  g_autoptr(GHashTable) numbers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                         NULL);
  g_autofree char *expected = crm_test_dump (replicas[0].store);
  g_autofree char *other = crm_test_dump (replicas[1].store);
  g_autofree char *head = NULL;
  g_autofree char *count = NULL;
  g_autofree char *gaps = NULL;

  assert_same_state ("the second laptop", other, expected);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmStore) account = crm_test_server_open_account (servers[i]);
      g_autofree char *state = crm_test_dump (account);

      assert_same_state (i == 0 ? "the first process" : "the second process", state,
                         expected);
    }

  head = crm_test_pg_query (url, "SELECT head FROM account WHERE name = 'acme'");
  count = crm_test_pg_query (url, "SELECT count(*) FROM op_log l JOIN account a"
                                  " ON a.id = l.account WHERE a.name = 'acme'");
  gaps = crm_test_pg_query (url, "SELECT count(*) FROM op_log l WHERE l.seq > 1 AND NOT EXISTS"
                                 " (SELECT 1 FROM op_log p WHERE p.account = l.account"
                                 "  AND p.seq = l.seq - 1)");
  g_assert_cmpstr (count, ==, head);
  g_assert_cmpstr (gaps, ==, "0");

  for (guint i = 0; i < deals->len; i++)
    {
      gint64 number = number_of (replicas[0].store, deals->pdata[i]);

      g_assert_cmpint (number, >, 0);
      g_assert_cmpint (number_of (replicas[1].store, deals->pdata[i]), ==, number);
      g_assert_false (g_hash_table_contains (numbers, &number));
      g_hash_table_add (numbers, g_memdup2 (&number, sizeof number));
    }
}

/* `restore --database`: two laptops work past a backup of the database made while both
 * processes serve; the restore is refused while they serve; with both stopped it puts
 * the database back, keeps who may sign in as it is now (an invitation made after the
 * backup stays), and gives the account a new incarnation, so each laptop's next sync
 * sends again what the backup lacks: afterwards laptops and processes hold the same
 * state, every deal made after the backup is there once, with one number. An account
 * made after the backup makes a later restore refuse (it would be dropped). */
static void
test_restore (void)
{
  g_autofree char *dest = g_build_filename (tmpdir, "restore-backup", NULL);
  /* the restore is run from a folder of its own (as on another machine), so what stops it
   * while the processes serve is the database's connections, not a folder's lock */
  g_autofree char *admin = g_build_filename (tmpdir, "restore-admin", NULL);
  g_autofree char *head_before = NULL;
  g_autofree char *head_after = NULL;
  g_autofree char *invited = NULL;
  g_autofree char *meta_before = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  CrmTestReplica replicas[2] = { 0 };
  guint restored = 0;

  g_assert_cmpint (g_mkdir_with_parents (admin, 0700), ==, 0);
  crm_test_server_set_database (admin, url);
  crm_test_replica_open (&replicas[0], servers[0], tmpdir, "restore-a.db", "admin", "admin-pw");
  crm_test_replica_open (&replicas[1], servers[1], tmpdir, "restore-b.db", "manager",
                         "manager-pw");
  g_ptr_array_add (deals, new_deal (replicas[0].store, "До резервной копии"));
  sync_both (replicas);
  sync_both (replicas);
  g_assert_cmpint (crm_test_server_admin (servers[1]->dir, NULL, "backup", dest, NULL), ==, 0);

  /* work the backup does not have: deals on both laptops, an invitation */
  g_ptr_array_add (deals, new_deal (replicas[0].store, "После копии, ноутбук А"));
  g_ptr_array_add (deals, new_deal (replicas[1].store, "После копии, ноутбук Б"));
  sync_both (replicas);
  sync_both (replicas);
  g_assert_cmpint (crm_test_server_admin (servers[0]->dir, NULL, "user", "invite", "acme",
                                          "Пётр Новиков", NULL), ==, 0);
  head_before = crm_test_pg_query (url, "SELECT head FROM account WHERE name = 'acme'");
  meta_before = crm_test_pg_query (url, "SELECT meta FROM account WHERE name = 'acme'");

  /* refused while the processes serve: nothing of it happened — the incarnation is the
   * same, the log keeps every op of before (a serving process's own timer rules may add
   * ops meanwhile, so the head may only grow) */
  g_assert_cmpint (crm_test_server_admin (admin, NULL, "restore", dest, NULL), ==, 1);
  g_free (head_after);
  head_after = crm_test_pg_query (url, "SELECT meta FROM account WHERE name = 'acme'");
  g_assert_cmpstr (head_after, ==, meta_before);
  g_free (head_after);
  head_after = crm_test_pg_query (url, "SELECT head FROM account WHERE name = 'acme'");
  g_assert_cmpint (g_ascii_strtoll (head_after, NULL, 10), >=,
                   g_ascii_strtoll (head_before, NULL, 10));
  g_free (kept);
  kept = g_strdup_printf ("SELECT count(*) FROM op_log l JOIN account a ON a.id = l.account"
                          " WHERE a.name = 'acme' AND l.seq <= %s", head_before);
  g_free (head_after);
  head_after = crm_test_pg_query (url, kept);
  g_assert_cmpstr (head_after, ==, head_before);

  g_assert_cmpint (crm_test_server_stop (servers[0]), ==, 0);
  g_assert_cmpint (crm_test_server_stop (servers[1]), ==, 0);
  /* as after an attempt that stopped past pg_restore: the sign-ins of before it are set
   * aside, the tables hold the backup's (no invitation yet); the next restore keeps the
   * ones set aside */
  g_free (invited);
  invited = crm_test_pg_query (url, "CREATE SCHEMA voronka_restore;"
                                    " CREATE TABLE voronka_restore.account_user AS TABLE account_user;"
                                    " CREATE TABLE voronka_restore.session AS TABLE session;"
                                    " CREATE TABLE voronka_restore.device AS TABLE device;"
                                    " CREATE TABLE voronka_restore.invite AS TABLE invite;"
                                    " DELETE FROM invite WHERE name = 'Пётр Новиков'");
  g_assert_cmpint (crm_test_server_admin (admin, NULL, "restore", dest, NULL), ==, 0);
  g_free (head_after);
  head_after = crm_test_pg_query (url, "SELECT head FROM account WHERE name = 'acme'");
  g_assert_cmpint (g_ascii_strtoll (head_after, NULL, 10), <,
                   g_ascii_strtoll (head_before, NULL, 10));
  invited = crm_test_pg_query (url, "SELECT count(*) FROM invite WHERE name = 'Пётр Новиков'");
  g_assert_cmpstr (invited, ==, "1");
  crm_test_server_restart (servers[0]);
  crm_test_server_restart (servers[1]);

  /* each laptop hears of the restore and sends again what it lost */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);

      g_assert_true (report->server_restored);
      restored += report->restored;
    }
  g_assert_cmpuint (restored, >=, 2);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);

        g_assert_false (report->server_restored);
      }
  g_free (head_after);
  head_after = crm_test_pg_query (url, "SELECT head FROM account WHERE name = 'acme'");
  g_assert_cmpint (g_ascii_strtoll (head_after, NULL, 10), >=,
                   g_ascii_strtoll (head_before, NULL, 10));
  assert_converged (replicas, deals);

  /* an account made after the backup: a restore would drop it, so it is refused */
  g_assert_cmpint (crm_test_server_stop (servers[0]), ==, 0);
  g_assert_cmpint (crm_test_server_stop (servers[1]), ==, 0);
  g_assert_cmpint (crm_test_server_admin (servers[0]->dir, "another-password", "account",
                                          "create", "Новая компания", "--admin", "olga",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (admin, NULL, "restore", dest, NULL), ==, 1);
  g_free (invited);
  invited = crm_test_pg_query (url, "SELECT count(*) FROM account");
  g_assert_cmpstr (invited, ==, "2");
  crm_test_server_restart (servers[0]);
  crm_test_server_restart (servers[1]);
  crm_test_replica_clear (&replicas[0]);
  crm_test_replica_clear (&replicas[1]);
}

static void
test_two_processes (void)
{
  CrmTestReplica replicas[2] = { 0 };
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);

  crm_test_replica_open (&replicas[0], servers[0], tmpdir, "a.db", "admin", "admin-pw");
  crm_test_replica_open (&replicas[1], servers[1], tmpdir, "b.db", "manager", "manager-pw");

  for (guint round = 0; round < ROUNDS; round++)
    {
      for (guint r = 0; r < 2; r++)
        for (guint i = 0; i < DEALS_PER_ROUND; i++)
          {
            g_autofree char *title = g_strdup_printf ("Сделка %u-%u-%u", r, round, i);

            g_ptr_array_add (deals, new_deal (replicas[r].store, title));
          }
      sync_both (replicas);
    }
  /* each laptop pulls what the other pushed through the other process */
  sync_both (replicas);
  sync_both (replicas);

  assert_converged (replicas, deals);
  crm_test_replica_clear (&replicas[0]);
  crm_test_replica_clear (&replicas[1]);
}

static void
count_sync_needed (CrmLiveClient *live,
                   guint         *count)
{
  (*count)++;
}

static gboolean
live_ready (CrmLiveClient *live,
            guint         *count,
            gboolean       connected)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (connected ? !crm_live_client_get_connected (live) : *count == 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (20 * 1000);
    }
  return TRUE;
}

static void
test_live_across_processes (void)
{
  CrmTestReplica listening = { 0 }, pushing = { 0 };
  g_autoptr(CrmSyncReport) first = NULL;
  g_autoptr(CrmSyncReport) pushed = NULL;
  g_autoptr(CrmLiveClient) live = NULL;
  g_autofree char *deal = NULL;
  guint sync_needed = 0;

  crm_test_replica_open (&listening, servers[0], tmpdir, "live-a.db", "admin", "admin-pw");
  crm_test_replica_open (&pushing, servers[1], tmpdir, "live-b.db", "manager", "manager-pw");
  first = crm_test_replica_sync (&listening);
  live = crm_live_client_new (listening.client);
  crm_live_client_set_cursor (live, first->cursor);
  g_signal_connect (live, "sync-needed", G_CALLBACK (count_sync_needed), &sync_needed);
  crm_live_client_start (live);
  g_assert_true (live_ready (live, &sync_needed, TRUE));
  sync_needed = 0;

  deal = new_deal (pushing.store, "Через другой процесс");
  pushed = crm_test_replica_sync (&pushing);
  g_assert_cmpint (pushed->cursor, >, first->cursor);
  /* only the other process's NOTIFY can tell this socket: its own process saw no push */
  g_assert_true (live_ready (live, &sync_needed, FALSE));
  crm_live_client_stop (live);
  crm_test_replica_clear (&listening);
  crm_test_replica_clear (&pushing);
}

/* A process started afresh (its cache gone) has the account from the database alone, and
 * a user added through the other process's folder signs in through it. */
static void
test_restart_catches_up (void)
{
  CrmTestReplica fresh = { 0 };
  g_autoptr(CrmStore) before = crm_test_server_open_account (servers[0]);
  g_autofree char *expected = crm_test_dump (before);
  g_autofree char *folder = g_build_filename (tmpdir, "server-b", NULL);

  g_clear_object (&before);
  g_assert_cmpint (crm_test_server_admin (folder, "new-rep-pw", "user", "add", "acme",
                                          "Новый Сотрудник", "--role", "rep",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_stop (servers[1]), ==, 0);
  crm_test_server_restart (servers[1]);
  crm_test_replica_open (&fresh, servers[1], tmpdir, "fresh.db", "Новый Сотрудник",
                         "new-rep-pw");
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (servers[1]);
    g_autofree char *state = crm_test_dump (account);
    g_autofree char *mine = crm_test_dump (fresh.store);

    /* the user added is the one change since */
    g_assert_cmpstr (state, ==, mine);
    g_assert_cmpstr (state, !=, expected);
  }
  crm_test_replica_clear (&fresh);
}

static guint
tickers (CrmTestServer **pair)
{
  return (crm_test_server_count_log (pair[0], "runs the timer rules", NULL) > 0) +
         (crm_test_server_count_log (pair[1], "runs the timer rules", NULL) > 0);
}

static void
test_one_ticker (void)
{
  const char *const args[] = { "--tick-interval", "1", NULL };
  CrmTestServer *pair[2];
  g_autofree char *holders = NULL;
  guint ticker;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("ticking-%u", i);
      g_autofree char *folder = g_build_filename (tmpdir, name, NULL);

      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      crm_test_server_set_database (folder, url);
      pair[i] = crm_test_server_start (folder, TRUE, args);
    }
  /* the first tick of one of them takes the lock; the other's ticks leave it alone */
  for (guint i = 0; i < 300 && tickers (pair) == 0; i++)
    g_usleep (100 * 1000);
  g_assert_cmpuint (tickers (pair), ==, 1);
  ticker = crm_test_server_count_log (pair[0], "runs the timer rules", NULL) > 0 ? 0 : 1;
  /* several ticks of both later, still one */
  g_usleep (3 * G_USEC_PER_SEC);
  holders = crm_test_pg_query (url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                    " AND granted AND classid = 1431388184 AND objid = 956268849");
  g_assert_cmpstr (holders, ==, "1");
  g_assert_cmpuint (tickers (pair), ==, 1);

  /* the ticker dies: the other one takes over */
  crm_test_server_kill (pair[ticker]);
  g_assert_true (crm_test_server_wait_log (pair[1 - ticker], 1, 30.0, "runs the timer rules",
                                           NULL));
  crm_test_server_free (pair[ticker]);
  g_assert_cmpint (crm_test_server_stop (pair[1 - ticker]), ==, 0);
  crm_test_server_free (pair[1 - ticker]);
}

static void
test_migrate (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "embedded", NULL);
  g_autofree char *folder = NULL;
  g_autofree char *target = NULL;
  g_autofree char *numbers = NULL;
  g_autofree char *invited = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *later = NULL;
  g_autoptr(CrmTestServer) embedded = NULL;
  CrmTestReplica laptop = { 0 };
  gint64 first_number;

  /* an account on the embedded storage, with a laptop that made a deal */
  g_unsetenv ("VORONKA_TEST_DATABASE");
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  folder = crm_test_server_make_data (parent);
  embedded = crm_test_server_start (folder, TRUE, NULL);
  crm_test_replica_open (&laptop, embedded, tmpdir, "migrated.db", "admin", "admin-pw");
  deal = new_deal (laptop.store, "До переезда");
  /* a log longer than one INSERT of the move takes (1 000 rows): 1 100 notes */
  {
    g_autoptr(CrmChangeset) notes = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < 1100; i++)
      {
        g_autofree char *id = crm_store_new_id (laptop.store);
        g_autofree char *text = g_strdup_printf ("Звонок %u", i);
        CrmChange *note = crm_changeset_create (notes, "note", id);

        crm_change_set_string (note, "entity", "deal");
        crm_change_set_string (note, "entity_id", deal);
        crm_change_set_string (note, "text", text);
        crm_change_set_int (note, "created_at", crm_store_get_now (laptop.store));
      }
    g_assert_true (crm_store_apply (laptop.store, notes, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&laptop);
    }
  first_number = number_of (laptop.store, deal);
  g_assert_cmpint (first_number, >, 0);
  g_assert_cmpint (crm_test_server_stop (embedded), ==, 0);
  /* an invitation not used yet moves with the account */
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "user", "invite", "acme",
                                          "Вера Соколова", NULL), ==, 0);

  /* migrate reads the data folder: no --database (it would be refused) */
  target = crm_test_pg_require_database ();
  crm_test_server_set_database (folder, target);
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "migrate", "acme", "--to", target,
                                          NULL), ==, 0);
  numbers = crm_test_pg_query (target, "SELECT count(*) = max (seq) FROM op_log");
  g_assert_cmpstr (numbers, ==, "t");
  g_free (numbers);
  numbers = crm_test_pg_query (target, "SELECT count(*) > 1100 FROM op_log");
  g_assert_cmpstr (numbers, ==, "t");
  invited = crm_test_pg_query (target, "SELECT name || ' ' || role || ' ' ||"
                                       " (used_at IS NULL) FROM invite");
  g_assert_cmpstr (invited, ==, "Вера Соколова rep true");
  /* once only */
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "migrate", "acme", "--to", target,
                                          NULL), ==, 1);

  /* the same folder served from PostgreSQL, on the same port: no new sign-in */
  g_setenv ("VORONKA_TEST_DATABASE", "postgresql", TRUE);
  crm_test_server_restart (embedded);
  later = new_deal (laptop.store, "После переезда");
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&laptop);
  }
  g_assert_cmpint (number_of (laptop.store, deal), ==, first_number);
  g_assert_cmpint (number_of (laptop.store, later), ==, first_number + 1);
  /* the invitations are administered where the account now lives */
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "user", "invites", "acme", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "user", "uninvite", "acme",
                                          "Вера Соколова", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (folder, NULL, "user", "uninvite", "acme",
                                          "Вера Соколова", NULL), ==, 1);
  g_free (invited);
  invited = crm_test_pg_query (target, "SELECT expires_at <= (extract (epoch FROM now ()) * 1000)"
                                       " FROM invite");
  g_assert_cmpstr (invited, ==, "t");
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (embedded);
    g_autofree char *state = crm_test_dump (account);
    g_autofree char *mine = crm_test_dump (laptop.store);

    g_assert_cmpstr (state, ==, mine);
  }
  crm_test_replica_clear (&laptop);
  g_assert_cmpint (crm_test_server_stop (embedded), ==, 0);
}

/* A backup of accounts on PostgreSQL (`--database postgresql://… backup DEST`) carries
 * the database (pg_dump, while both processes serve) and every account's attached files
 * from DATA/files/ — a photo synced through a process is in the backup byte for byte. */
static void
test_backup_carries_files (void)
{
  g_autofree char *dest = g_build_filename (tmpdir, "backup", NULL);
  g_autofree char *photo = g_build_filename (tmpdir, "фото.png", NULL);
  g_autofree char *dump = g_build_filename (dest, "database.dump", NULL);
  g_autofree char *account_id = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CrmAttachmentFile) file = { 0 };
  static const guchar png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
                                'b', 'a', 'c', 'k', 'u', 'p' };
  gchar *contents = NULL;
  gsize length = 0;
  GStatBuf st;
  CrmTestReplica laptop = { 0 };

  g_assert_true (g_file_set_contents (photo, (const char *) png, sizeof png, NULL));
  crm_test_replica_open (&laptop, servers[1], tmpdir, "backup-laptop.db", "admin",
                         "admin-pw");
  deal = new_deal (laptop.store, "Фото в резервной копии");
  g_assert_true (crm_attachment_store_file (laptop.store, photo, &file, &error));
  g_assert_no_error (error);
  id = crm_store_new_id (laptop.store);
  crm_attachment_fill_change (changeset, id, "deal", deal, "фото.png", &file,
                              crm_time_now_ms ());
  g_assert_true (crm_store_apply (laptop.store, changeset, &error));
  g_assert_no_error (error);
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&laptop);
  }

  /* the folder of the process that took the photo (in production every process's
   * DATA/files/ is one shared folder) */
  g_assert_cmpint (crm_test_server_admin (servers[1]->dir, NULL, "backup", dest, NULL), ==, 0);
  g_assert_cmpint (g_stat (dump, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
  account_id = crm_test_pg_query (url, "SELECT id FROM account WHERE name = 'acme'");
  copied = g_build_filename (dest, "files", account_id, file.hash, NULL);
  g_assert_true (g_file_get_contents (copied, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, png, sizeof png);
  g_free (contents);
  manifest = g_build_filename (dest, "backup.json", NULL);
  g_assert_true (g_file_get_contents (manifest, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"postgresql\""));
  g_assert_nonnull (strstr (contents, account_id));
  g_free (contents);
  crm_test_replica_clear (&laptop);
}

/* --- messages out ------------------------------------------------------------------------- */

#define MAILS_PER_LAPTOP 4

/* A test that fails (abort) must not leave its SMTP server behind. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* smtp-sink.py on @port keeping each mail as @dir/mail-N.json. */
static GSubprocess *
start_smtp (const char *dir,
            guint16     port)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *log = g_build_filename (dir, "smtp.log", NULL);
  g_autofree char *ready = g_build_filename (dir, "ready", NULL);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GSubprocess) check = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                   G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                                                   "/usr/bin/python3", "-c", "import aiosmtpd",
                                                   NULL);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GSubprocess *smtp;

  if (check == NULL || !g_subprocess_wait_check (check, NULL, NULL))
    {
      crm_test_fail_missing ("python3-aiosmtpd is not installed (build-aux/voronka installs it)");
      return NULL;
    }
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  smtp = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3",
                                      g_getenv ("VORONKA_SMTP_SINK"), dir, port_text, NULL);
  g_assert_no_error (error);
  while (!g_file_test (ready, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the SMTP server (smtp-sink.py) did not start within 10 s");
      g_usleep (50 * 1000);
    }
  return smtp;
}

/* How many of the kept mails went to @address. */
static guint
mails_to (const char *dir,
          const char *address,
          guint      *out_total)
{
  guint count = 0;

  *out_total = 0;
  for (guint n = 1;; n++)
    {
      g_autofree char *name = g_strdup_printf ("mail-%u.json", n);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) mail = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        break;
      (*out_total)++;
      mail = crm_test_parse_json (text);
      if (address != NULL &&
          crm_test_has_string (json_object_get_array_member (json_node_get_object (mail),
                                                             "rcpt_tos"), address))
        count++;
    }
  return count;
}

/* Queues an e-mail on @laptop to a new contact @address; the message's id. */
static char *
queue_mail (CrmTestReplica *laptop,
            const char     *address)
{
  g_autoptr(JsonNode) contact = crm_test_ctl_ok (laptop->path, NULL, "contact", "add", "--name",
                                                 address, "--email", address, NULL);
  g_autoptr(JsonNode) deal = crm_test_ctl_ok (laptop->path, NULL, "deal", "add", "--pipeline",
                                              "Продажи", "--title", address, "--contact",
                                              address, NULL);
  g_autofree char *deal_id = crm_test_dup_id (deal);
  g_autoptr(JsonNode) message = crm_test_ctl_ok (laptop->path, NULL, "message", "send", "--deal",
                                                 deal_id, "--subject", "Заявка {deal.number}",
                                                 "--body", "Здравствуйте!", NULL);

  return crm_test_dup_id (message);
}

static const char *
status_of (CrmTestReplica *laptop,
           const char     *message)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (laptop->store, "message", message);
  static char status[32];

  g_strlcpy (status, row != NULL ? crm_test_get_string (row, "status") : "", sizeof status);
  return status;
}

/* The address after @marker up to the next quote in @text. */
static char *
url_after (const char *text,
           const char *marker)
{
  const char *start = strstr (text, marker);

  g_assert_nonnull (start);
  start += strlen (marker);
  return g_strndup (start, strcspn (start, "\""));
}

/* The first mail's tracking image, fetched through @server (whichever process sent it). */
static void
open_first_mail (const char    *mail_dir,
                 CrmTestServer *server)
{
  g_autofree char *path = g_build_filename (mail_dir, "mail-1.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) mail = NULL;
  g_autofree char *pixel = NULL;
  g_autofree char *url_there = NULL;
  g_autoptr(SoupSession) session = crm_test_http_session_new (server);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  mail = crm_test_parse_json (text);
  pixel = url_after (crm_test_get_string (json_node_get_object (mail), "html"), "<img src=\"");
  url_there = g_strconcat (server->url, strstr (pixel, "/t/"), NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SoupMessage) message = soup_message_new ("GET", url_there);
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) error = NULL;

      answer = soup_session_send_and_read (session, message, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (message), ==, 200);
      g_assert_true (g_str_has_prefix (g_bytes_get_data (answer, NULL), "GIF89a"));
    }
}

static void
test_delivery_once (void)
{
  const char *args[] = { "--delivery-interval", "1", "--listen", NULL, "--public-url", NULL,
                         NULL };
  g_autofree char *mail_dir = g_build_filename (tmpdir, "mail", NULL);
  g_autofree char *smtp_url = NULL;
  g_autoptr(GSubprocess) smtp = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *sent = NULL;
  CrmTestServer *pair[2];
  CrmTestReplica laptops[2] = { 0 };
  guint16 port = crm_test_free_port ();
  guint total = 0;
  gint64 deadline;

  g_assert_cmpint (g_mkdir_with_parents (mail_dir, 0700), ==, 0);
  if ((smtp = start_smtp (mail_dir, port)) == NULL)
    return;
  smtp_url = g_strdup_printf ("smtp://127.0.0.1:%u", port);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("delivering-%u", i);
      g_autofree char *folder = g_build_filename (tmpdir, name, NULL);

      guint16 listen_port = crm_test_free_port ();
      g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", listen_port);
      g_autofree char *public_url = g_strdup_printf ("http://127.0.0.1:%u/", listen_port);

      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      crm_test_server_set_database (folder, url);
      args[3] = listen;
      args[5] = public_url;
      /* the channel is the database's: set through one folder, used by both processes */
      if (i == 0)
        g_assert_cmpint (crm_test_server_admin (folder, NULL, "channel", "set", "acme", "email",
                                                "--smtp", smtp_url, "--from", "crm@acme.test",
                                                NULL), ==, 0);
      pair[i] = crm_test_server_start (folder, TRUE, args);
    }
  crm_test_replica_open (&laptops[0], pair[0], tmpdir, "mail-a.db", "admin", "admin-pw");
  crm_test_replica_open (&laptops[1], pair[1], tmpdir, "mail-b.db", "manager", "manager-pw");

  /* each laptop queues its mails offline, then both push at once, each to its process */
  for (guint r = 0; r < 2; r++)
    for (guint i = 0; i < MAILS_PER_LAPTOP; i++)
      {
        g_autofree char *address = g_strdup_printf ("client-%u-%u@example.test", r, i);

        g_ptr_array_add (messages, queue_mail (&laptops[r], address));
      }
  sync_both (laptops);

  /* every laptop sees every message sent (both processes scan every second) */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      guint done = 0;

      sync_both (laptops);
      for (guint i = 0; i < messages->len; i++)
        for (guint r = 0; r < 2; r++)
          done += g_str_equal (status_of (&laptops[r], messages->pdata[i]), "sent");
      if (done == 2 * messages->len)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("%u of %u messages shown sent after 60 s (logs: %s, %s)", done / 2,
                 messages->len, pair[0]->log_path, pair[1]->log_path);
      g_usleep (200 * 1000);
    }
  /* a few scans of both later: each message went out once, none twice */
  g_usleep (3 * G_USEC_PER_SEC);
  for (guint r = 0; r < 2; r++)
    for (guint i = 0; i < MAILS_PER_LAPTOP; i++)
      {
        g_autofree char *address = g_strdup_printf ("client-%u-%u@example.test", r, i);

        g_assert_cmpuint (mails_to (mail_dir, address, &total), ==, 1);
      }
  g_assert_cmpuint (total, ==, messages->len);
  sent = crm_test_pg_query (url, "SELECT count(*) FROM delivery WHERE state = 3");
  g_assert_cmpint (g_ascii_strtoll (sent, NULL, 10), ==, messages->len);

  /* one mail opened twice, through each process in turn: «opened» once, for everyone */
  open_first_mail (mail_dir, pair[1]);
  open_first_mail (mail_dir, pair[0]);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      guint opened = 0;

      sync_both (laptops);
      for (guint i = 0; i < messages->len; i++)
        opened += g_str_equal (status_of (&laptops[0], messages->pdata[i]), "opened") +
                  g_str_equal (status_of (&laptops[1], messages->pdata[i]), "opened");
      if (opened == 2)
        break;
      g_assert_cmpuint (opened, <, 2);
      if (g_get_monotonic_time () > deadline)
        g_error ("the opened mail is not shown opened after 30 s");
      g_usleep (200 * 1000);
    }
  g_assert_cmpuint (crm_test_server_count_log (pair[0], "opened by its recipient", NULL) +
                    crm_test_server_count_log (pair[1], "opened by its recipient", NULL), ==, 1);

  crm_test_replica_clear (&laptops[0]);
  crm_test_replica_clear (&laptops[1]);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (crm_test_server_stop (pair[i]), ==, 0);
      crm_test_server_free (pair[i]);
    }
  g_subprocess_force_exit (smtp);
  g_subprocess_wait (smtp, NULL, NULL);
}


/* A message being sent by one process whose connection to PostgreSQL is reset mid-send
 * (its backend terminated, so its pid is gone from pg_stat_activity): the other process
 * does not take it over while the first still holds the claim's lease, the SMTP server
 * gets it once, the laptop sees «sent», and no log says it may have gone twice. */
static void
test_delivery_connection_reset (void)
{
  const char *args[] = { "--delivery-interval", "1", NULL };
  g_autofree char *mail_dir = g_build_filename (tmpdir, "mail-reset", NULL);
  g_autofree char *smtp_url = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GSubprocess) smtp = NULL;
  CrmTestServer *pair[2];
  CrmTestReplica laptop = { 0 };
  guint16 port = crm_test_free_port ();
  guint total = 0;
  gint64 deadline;

  g_assert_cmpint (g_mkdir_with_parents (mail_dir, 0700), ==, 0);
  if ((smtp = start_smtp (mail_dir, port)) == NULL)
    return;
  smtp_url = g_strdup_printf ("smtp://127.0.0.1:%u", port);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("resetting-%u", i);
      g_autofree char *folder = g_build_filename (tmpdir, name, NULL);

      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      crm_test_server_set_database (folder, url);
      if (i == 0)
        g_assert_cmpint (crm_test_server_admin (folder, NULL, "channel", "set", "acme", "email",
                                                "--smtp", smtp_url, "--from", "crm@acme.test",
                                                NULL), ==, 0);
      pair[i] = crm_test_server_start (folder, TRUE, args);
    }
  crm_test_replica_open (&laptop, pair[0], tmpdir, "mail-reset.db", "admin", "admin-pw");

  /* "slow…@": the SMTP server takes 5 s over it */
  message = queue_mail (&laptop, "slow-reset@client.test");
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&laptop);
  }
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *claimed = crm_test_pg_query (url,
        "SELECT count(*) FROM delivery WHERE state = 1 AND claim IS NOT NULL");

      if (g_str_equal (claimed, "1"))
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("no process took the message to send it within 30 s");
      g_usleep (50 * 1000);
    }
  /* the sending process's connection goes while the SMTP server still takes the mail */
  {
    g_autofree char *terminated = crm_test_pg_query (url,
      "SELECT count(*) FROM (SELECT pg_terminate_backend (claimed_by) FROM delivery"
      " WHERE state = 1) t");

    g_assert_cmpstr (terminated, ==, "1");
  }

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&laptop);

      if (g_str_equal (status_of (&laptop, message), "sent"))
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the message is not shown sent after 60 s (logs: %s, %s)", pair[0]->log_path,
                 pair[1]->log_path);
      g_usleep (200 * 1000);
    }
  /* both processes scan every second: a few scans later it still went out once */
  g_usleep (4 * G_USEC_PER_SEC);
  g_assert_cmpuint (mails_to (mail_dir, "slow-reset@client.test", &total), ==, 1);
  g_assert_cmpuint (total, ==, 1);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpuint (crm_test_server_count_log (pair[i], "may have been sent twice", NULL),
                      ==, 0);

  crm_test_replica_clear (&laptop);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (crm_test_server_stop (pair[i]), ==, 0);
      crm_test_server_free (pair[i]);
    }
  g_subprocess_force_exit (smtp);
  g_subprocess_wait (smtp, NULL, NULL);
}

/* A PBX request to one process and the next to the other: the call routed by the first
 * (a new caller's deal and the call) takes its events in the second, which catches up
 * from the database under the account's lock; the same call routed again through the
 * second gets the same deal; a laptop syncing through the first sees the call answered
 * by the one who answered, its deal numbered once. */
static void
test_telephony_across_processes (void)
{
  const char *route_body =
    "{\"call_id\":\"pg-call-1\",\"from\":\"+79125556677\",\"to\":\"+74951234567\","
    "\"at\":\"2026-12-07T10:00:00Z\"}";
  const char *events[][3] = {
    { "ringing", NULL, "2026-12-07T10:00:00Z" },
    { "answered", "Мария Кузнецова", "2026-12-07T10:00:05Z" },
    { "ended", NULL, "2026-12-07T10:02:05Z" },
  };
  g_autofree char *token = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *call_id = crm_call_id ("pg-call-1");
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(JsonObject) deal_row = NULL;
  CrmTestReplica laptop = { 0 };

  g_assert_cmpint (crm_test_server_admin (servers[0]->dir, NULL, "telephony", "token", "acme",
                                          NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (servers[1]->dir, NULL, "telephony", "set", "acme",
                                          "--hours", "09:00-18:00", "--days", "mon-fri",
                                          "--zone", "UTC", NULL), ==, 0);
  token = crm_test_pg_query (url, "SELECT token FROM telephony");
  g_assert_true (g_str_has_prefix (token, "vrk_"));

  for (guint i = 0; i < 2; i++)
    {
      g_auto(CrmTestAnswer) answer = { 0 };

      /* first through one process, then (a repeat) through the other */
      crm_test_http_request (servers[i], &answer, "POST", "/api/v1/telephony/route", token,
                             route_body, -1);
      g_assert_cmpuint (answer.status, ==, 200);
      if (deal == NULL)
        deal = g_strdup (crm_test_get_string (answer.body, "deal"));
      g_assert_cmpstr (crm_test_get_string (answer.body, "deal"), ==, deal);
    }
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_auto(CrmTestAnswer) answer = { 0 };
      g_autofree char *user = events[i][1] != NULL
                              ? g_strdup_printf (",\"user\":\"%s\"", events[i][1])
                              : g_strdup ("");
      g_autofree char *body = g_strdup_printf (
        "{\"call_id\":\"pg-call-1\",\"event\":\"%s\",\"at\":\"%s\"%s}", events[i][0],
        events[i][2], user);

      crm_test_http_request (servers[1], &answer, "POST", "/api/v1/telephony/event", token,
                             body, -1);
      g_assert_cmpuint (answer.status, ==, 200);
      g_assert_true (json_object_get_boolean_member (answer.body, "applied"));
    }

  crm_test_replica_open (&laptop, servers[0], tmpdir, "calls.db", "admin", "admin-pw");
  call = crm_store_dup_entity (laptop.store, "call", call_id);
  g_assert_nonnull (call);
  g_assert_cmpstr (crm_test_get_string (call, "status"), ==, "answered");
  g_assert_cmpint (json_object_get_int_member (call, "duration"), ==, 120);
  deal_row = crm_store_dup_entity (laptop.store, "deal", deal);
  g_assert_nonnull (deal_row);
  /* numbered in the write that made it (the account's one sequence) */
  g_assert_cmpint (number_of (laptop.store, deal), >, 0);
  crm_test_replica_clear (&laptop);
}

static void
take_call_event (CrmLiveClient *live,
                 JsonObject    *event,
                 JsonObject   **out_event)
{
  if (*out_event == NULL)
    *out_event = json_object_ref (event);
}

/* The caller's card reaches a desktop connected to the other process: the PBX asks one
 * process who rings, the rep's app listens on the other (NOTIFY voronka_live). */
static void
test_card_across_processes (void)
{
  const char *route_body =
    "{\"call_id\":\"pg-call-card\",\"from\":\"+79127778899\",\"to\":\"+74951234567\","
    "\"at\":\"2026-12-07T11:00:00Z\"}";
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *token = NULL;
  g_autoptr(CrmSyncReport) first = NULL;
  g_autoptr(CrmLiveClient) live = NULL;
  g_autoptr(JsonObject) event = NULL;
  JsonArray *ring;
  gboolean rings_her = FALSE;
  guint sync_needed = 0;
  CrmTestReplica rep = { 0 };
  gint64 deadline;

  g_assert_cmpint (crm_test_server_admin (servers[0]->dir, NULL, "telephony", "token", "acme",
                                          NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (servers[1]->dir, NULL, "telephony", "set", "acme",
                                          "--hours", "09:00-18:00", "--days", "mon-fri",
                                          "--zone", "UTC", NULL), ==, 0);
  token = crm_test_pg_query (url, "SELECT token FROM telephony");

  crm_test_replica_open (&rep, servers[0], tmpdir, "card.db", "Мария Кузнецова",
                         "rep-password");
  first = crm_test_replica_sync (&rep);
  live = crm_live_client_new (rep.client);
  crm_live_client_set_cursor (live, first->cursor);
  g_signal_connect (live, "sync-needed", G_CALLBACK (count_sync_needed), &sync_needed);
  g_signal_connect (live, "call", G_CALLBACK (take_call_event), &event);
  crm_live_client_start (live);
  g_assert_true (live_ready (live, &sync_needed, TRUE));

  crm_test_http_request (servers[1], &answer, "POST", "/api/v1/telephony/route", token,
                         route_body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  ring = json_object_get_array_member (answer.body, "ring");
  for (guint i = 0; ring != NULL && i < json_array_get_length (ring); i++)
    {
      JsonArray *users = json_object_get_array_member (json_array_get_object_element (ring, i),
                                                       "users");

      for (guint j = 0; users != NULL && j < json_array_get_length (users); j++)
        rings_her |= g_str_equal (json_array_get_string_element (users, j), "Мария Кузнецова");
    }
  g_assert_true (rings_her);

  /* her socket is on the first process; only the second one took the call */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (event == NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (20 * 1000);
  g_assert_nonnull (event);
  g_assert_cmpstr (crm_test_get_string (event, "call"), ==,
                   crm_test_get_string (answer.body, "call"));
  g_assert_cmpstr (crm_test_get_string (event, "deal"), ==,
                   crm_test_get_string (answer.body, "deal"));
  crm_live_client_stop (live);
  crm_test_replica_clear (&rep);
}

/* --- PostgreSQL restarted mid-run (issue 21) ---------------------------------------------- */

typedef struct {
  guint    delay_ms;
  gboolean crash;
  gboolean started;
} Restart;

static gboolean
start_database (gpointer data)
{
  Restart *restart = data;

  crm_test_pg_start ();
  restart->started = TRUE;
  return G_SOURCE_REMOVE;
}

/* Stops PostgreSQL after a while, then has the main thread start it again (while the
 * syncs that met the stop are still running there). */
static gpointer
stop_database (gpointer data)
{
  Restart *restart = data;

  g_usleep ((gulong) restart->delay_ms * 1000);
  crm_test_pg_stop (restart->crash);
  /* queued for the main thread (g_main_context_invoke() could run it right here) */
  g_idle_add (start_database, restart);
  return NULL;
}

/* PostgreSQL restarts — as a crash (immediate shutdown, recovery on start) and cleanly —
 * at random moments while both laptops push and pull through the two processes. A sync
 * that meets it may fail (the laptop keeps its changes and sends them again); the next
 * one goes through, each process having connected again on its own. At the end both
 * laptops and both processes hold the same state, the account's log has no gap, every
 * change either laptop made is in it exactly once, and every deal has a number of its
 * own. */
static void
test_database_restart (void)
{
  CrmTestReplica replicas[2] = { 0 };
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  guint failed = 0;

  crm_test_replica_open (&replicas[0], servers[0], tmpdir, "restart-a.db", "admin",
                         "admin-pw");
  crm_test_replica_open (&replicas[1], servers[1], tmpdir, "restart-b.db", "manager",
                         "manager-pw");
  for (guint round = 0; round < 4; round++)
    {
      Restart restart = { g_test_rand_int_range (0, 200), round % 2 == 0, FALSE };
      GThread *thread;

      for (guint r = 0; r < 2; r++)
        for (guint i = 0; i < DEALS_PER_ROUND; i++)
          {
            g_autofree char *title = g_strdup_printf ("Перезапуск %u-%u-%u", r, round, i);

            g_ptr_array_add (deals, new_deal (replicas[r].store, title));
          }
      thread = g_thread_new ("restart", stop_database, &restart);
      failed += sync_both_counting (replicas);
      g_thread_join (thread);
      for (guint i = 0; i < 6000 && !restart.started; i++)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (restart.started);
      /* PostgreSQL is back: the next syncs go through */
      sync_both (replicas);
    }
  g_test_message ("%u syncs failed while PostgreSQL restarted", failed);
  sync_both (replicas);
  sync_both (replicas);

  assert_converged (replicas, deals);

  /* every change each laptop made: acknowledged, and in the log once, at its number */
  for (guint r = 0; r < 2; r++)
    {
      g_autoptr(GPtrArray) ops = crm_test_column (replicas[r].store,
        "SELECT op_id || ' ' || pushed FROM changelog WHERE local = 1", NULL);

      g_assert_cmpuint (ops->len, >=, 4 * DEALS_PER_ROUND);
      for (guint k = 0; k < ops->len; k++)
        {
          g_auto(GStrv) parts = g_strsplit (ops->pdata[k], " ", 2);
          g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM op_log"
                                                  " WHERE op_id = '%s' AND seq = %s",
                                                  parts[0], parts[1]);
          g_autofree char *once = crm_test_pg_query (url, sql);

          g_assert_cmpint (g_ascii_strtoll (parts[1], NULL, 10), >, 0);
          g_assert_cmpstr (once, ==, "1");
        }
    }

  crm_test_replica_clear (&replicas[0]);
  crm_test_replica_clear (&replicas[1]);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* every data folder of this test names PostgreSQL (crm-test-server.c) */
  g_setenv ("VORONKA_TEST_DATABASE", "postgresql", TRUE);
  tmpdir = g_dir_make_tmp ("voronka-server-pg-XXXXXX", &error);
  g_assert_no_error (error);
  first = crm_test_server_make_data (tmpdir);
  url = g_strdup (crm_test_server_database (first));
  second = g_build_filename (tmpdir, "server-b", NULL);
  g_assert_cmpint (g_mkdir_with_parents (second, 0700), ==, 0);
  crm_test_server_set_database (second, url);
  servers[0] = crm_test_server_start (first, TRUE, NULL);
  servers[1] = crm_test_server_start (second, TRUE, NULL);

  g_test_add_func ("/server-pg/two-processes", test_two_processes);
  g_test_add_func ("/server-pg/live-across-processes", test_live_across_processes);
  g_test_add_func ("/server-pg/restart-catches-up", test_restart_catches_up);
  g_test_add_func ("/server-pg/one-ticker", test_one_ticker);
  g_test_add_func ("/server-pg/delivery-once", test_delivery_once);
  g_test_add_func ("/server-pg/delivery-connection-reset", test_delivery_connection_reset);
  g_test_add_func ("/server-pg/telephony-across-processes", test_telephony_across_processes);
  g_test_add_func ("/server-pg/card-across-processes", test_card_across_processes);
  g_test_add_func ("/server-pg/migrate", test_migrate);
  g_test_add_func ("/server-pg/backup-carries-files", test_backup_carries_files);
  g_test_add_func ("/server-pg/database-restart", test_database_restart);
  g_test_add_func ("/server-pg/restore", test_restore);
  status = g_test_run ();

  g_assert_cmpint (crm_test_server_stop (servers[0]), ==, 0);
  crm_test_server_free (servers[0]);
  crm_test_server_tear_down (servers[1], tmpdir, status);
  return status;
}
