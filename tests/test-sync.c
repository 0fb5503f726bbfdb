/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync.c — replicas and a real voronka-server (TLS, 127.0.0.1) agree:
 *   - convergence: four replicas (admin, manager, a rep, the admin's second device) edit
 *     the same deals offline with seeded random ops and skewed clocks, sync in random
 *     orders, some twice → every replica and the server hold the identical state, and
 *     every live deal has a number given once;
 *   - no duplicated automation: two replicas offline both move one Продажи deal to
 *     «Отгружено» → exactly one new deal in «База купивших клиентов» everywhere;
 *   - deal numbers: deals made offline get theirs at the first sync, never twice;
 *   - first sync by snapshot, a resumed snapshot download, and a never-synced replica
 *     with data of its own;
 *   - voronkactl sync and status; the client's async rounds and state properties;
 *   - a server that lost acknowledged ops without a new incarnation (an old copy of its
 *     account put back by hand) and whose head grew past the laptops' cursors with
 *     another laptop's ops: the laptops that pulled the lost ops find out (their pull
 *     names the op at their cursor), send them back, and all converge; a snapshot made
 *     before the loss is never given out after it;
 *   - history past the horizon compacted by the sync round (issue 21): `deal show --json`'s
 *     history, every op's fields as read back, the deal totals and a restored server's
 *     resend the same before and after; an edit after it keeps the old values in the old
 *     entries; the undo of a compacted change refused in words.
 *
 * VORONKA_TEST_SEED=<n> replays the random run; the seed is printed. */
#include <string.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include "crm-hlc.h"
#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-template.h"
#include "crm-test-pg.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-test-store.h"
#include "crm-undo.h"
#include "crm-json-private.h"

#define DEFAULT_SEED  20261123u
#define N_REPLICAS    4
#define N_SEED_DEALS  12
#define N_ROUNDS      5
#define OPS_PER_ROUND 30

static char *tmpdir;
static CrmTestServer *server;
static guint32 seed = DEFAULT_SEED;

/* A name's id, failing the test on an error (crm-test-store.h). */
#define resolve crm_test_resolve

/* One number from SQL on the replica (crm-test-store.h). */
#define count_sql crm_test_count_sql

static void
assert_all_equal (CrmTestReplica *replicas,
                  guint           n)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  g_autofree char *expected = crm_test_dump (account);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *state = crm_test_dump (replicas[i].store);

      if (!g_str_equal (state, expected))
        {
          g_auto(GStrv) a = g_strsplit (state, "\n", -1);
          g_auto(GStrv) b = g_strsplit (expected, "\n", -1);

          for (guint l = 0; a[l] != NULL && b[l] != NULL; l++)
            if (!g_str_equal (a[l], b[l]))
              {
                g_test_message ("%s: %s\nserver: %s", replicas[i].name, a[l], b[l]);
                break;
              }
          g_error ("replica %s differs from the server (seed %u)", replicas[i].name, seed);
        }
    }
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

static char *
new_deal (CrmStore   *store,
          const char *title,
          const char *stage_name,
          const char *responsible)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", stage_name, pipeline);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (responsible != NULL)
    crm_change_set_string (change, "responsible", responsible);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static void
move_deal (CrmStore   *store,
           const char *deal,
           const char *stage_name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", stage_name, pipeline);
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* --- convergence ------------------------------------------------------------------------ */

static const char *const sales_stages[] = {
  "Новая заявка", "Квалифицирован", "Встреча согласована", "Встреча проведена",
  "Согласование условий договора", "Договор согласован", "Ожидание оплаты", "Оплата получена",
  "Ожидание отгрузки", "Отгружено",
};
static const char *const brands[] = { "Volvo", "Scania", "MAN", "DAF", "КАМАЗ" };
static const char *const payments[] = { "Наличные", "Лизинг", "Кредит" };

/* One random change set; refused ones (a gate, a rule) simply do not happen. */
static void
random_change (CrmTestReplica *replica,
               GRand          *rand,
               GPtrArray      *deals,
               const char     *responsible)
{
  CrmStore *store = replica->store;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  const char *deal = deals->pdata[g_rand_int_range (rand, 0, deals->len)];
  CrmChange *change;
  gint64 now = crm_time_now_ms ();
  guint kind = g_rand_int_range (rand, 0, 10);

  /* clocks that disagree by up to three minutes, and now and then one an hour ahead (the
   * server re-stamps those) */
  if (g_rand_int_range (rand, 0, 40) == 0)
    crm_store_set_now (store, now + 60 * CRM_MS_PER_MINUTE);
  else
    crm_store_set_now (store, now + g_rand_int_range (rand, -180000, 180000));

  switch (kind)
    {
    case 0:
      {
        g_autofree char *title = g_strdup_printf ("%s %u", replica->name, g_rand_int (rand) % 1000);
        crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "title", title);
      }
      break;
    case 1:
      crm_change_set_int (crm_changeset_touch (changeset, "deal", deal), "amount",
                          g_rand_int_range (rand, 1, 1000) * 100000);
      break;
    case 2:
      {
        g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
        g_autofree char *stage = resolve (store, "stage",
          sales_stages[g_rand_int_range (rand, 0, G_N_ELEMENTS (sales_stages))], pipeline);

        change = crm_changeset_touch (changeset, "deal", deal);
        crm_change_set_string (change, "pipeline", pipeline);
        crm_change_set_string (change, "stage", stage);
        crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
      }
      break;
    case 3:
      {
        g_autofree char *tag = resolve (store, "tag", brands[g_rand_int_range (rand, 0, G_N_ELEMENTS (brands))], NULL);
        crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", tag,
                                g_rand_boolean (rand));
      }
      break;
    case 4:
      crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "payment_type",
                             payments[g_rand_int_range (rand, 0, G_N_ELEMENTS (payments))]);
      break;
    case 5:
      crm_change_set_bool (crm_changeset_touch (changeset, "deal", deal), "deleted",
                           g_rand_int_range (rand, 0, 3) == 0);
      break;
    case 6:
      {
        g_autofree char *id = NULL;

        crm_store_set_now (store, 0);
        id = new_deal (store, replica->name, "Новая заявка", responsible);
        g_ptr_array_add (deals, g_steal_pointer (&id));
        return;
      }
    case 7:
      crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "responsible",
                             responsible);
      break;
    default:
      {
        g_autofree char *task = crm_store_new_id (store);

        change = crm_changeset_create (changeset, "task", task);
        crm_change_set_string (change, "deal", deal);
        crm_change_set_string (change, "text", "Перезвонить");
        crm_change_set_string (change, "type", "call");
        crm_change_set_bool (change, "done", FALSE);
        crm_change_set_int (change, "due", now + CRM_MS_PER_DAY);
        crm_change_set_int (change, "created_at", now);
      }
      break;
    }
  if (!crm_store_apply (store, changeset, &error))
    g_test_message ("%s: refused (%s)", replica->name, error->message);
  crm_store_set_now (store, 0);
}

static void
test_convergence (void)
{
  CrmTestReplica replicas[N_REPLICAS] = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *maria = NULL;
  g_autofree char *admin_id = NULL;
  guint rejected = 0, conflicts = 0;

  crm_test_replica_open (&replicas[0], server, tmpdir, "conv-admin.db", "admin", "admin-pw");
  crm_test_replica_open (&replicas[1], server, tmpdir, "conv-manager.db", "manager", "manager-pw");
  crm_test_replica_open (&replicas[2], server, tmpdir, "conv-rep.db", "Мария Кузнецова", "rep-password");
  crm_test_replica_open (&replicas[3], server, tmpdir, "conv-admin-2.db", "admin", "admin-pw");
  maria = resolve (replicas[0].store, "user", "Мария Кузнецова", NULL);
  admin_id = resolve (replicas[0].store, "user", "admin", NULL);

  /* the deals everyone will fight over: half are the rep's */
  for (guint i = 0; i < N_SEED_DEALS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Seed %u", i);
      g_ptr_array_add (deals, new_deal (replicas[0].store, title, "Новая заявка",
                                        i % 2 ? maria : admin_id));
    }
  for (guint i = 0; i < N_REPLICAS; i++)
    {
      g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);
    }

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      guint order[N_REPLICAS * 2];
      guint n_order = 0;

      for (guint i = 0; i < N_REPLICAS; i++)
        for (guint k = 0; k < OPS_PER_ROUND; k++)
          random_change (&replicas[i], rand, deals, i == 2 ? maria : admin_id);

      /* sync in a random order, some replicas twice */
      for (guint i = 0; i < N_REPLICAS; i++)
        {
          order[n_order++] = i;
          if (g_rand_int_range (rand, 0, 3) == 0)
            order[n_order++] = i;
        }
      for (guint i = n_order; i > 1; i--)
        {
          guint j = g_rand_int_range (rand, 0, i);
          guint t = order[i - 1];
          order[i - 1] = order[j];
          order[j] = t;
        }
      for (guint i = 0; i < n_order; i++)
        {
          g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[order[i]]);

          rejected += report->rejected;
          conflicts += report->conflicts;
          g_assert_cmpint (report->waiting, ==, 0);
        }
    }

  /* everyone catches up */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < N_REPLICAS; i++)
      {
        g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);
      }
  g_test_message ("seed %u: %u deals, %u rejected ops, %u conflicts recorded", seed, deals->len,
                  rejected, conflicts);
  assert_all_equal (replicas, N_REPLICAS);
  assert_numbers (replicas[0].store);
  /* concurrent edits of one field happened, and the rep's edits of others' deals were
   * rejected: the run exercised both */
  g_assert_cmpuint (conflicts, >, 0);
  g_assert_cmpuint (rejected, >, 0);

  for (guint i = 0; i < N_REPLICAS; i++)
    crm_test_replica_clear (&replicas[i]);
}

/* A laptop whose replica was written by an older version is upgraded on opening and keeps
 * syncing: its edits (also those it had not sent yet) and another laptop's converge
 * through a real server. Schema 25: its field clocks as JSON; schema 26: its changelog's
 * device and author as text in each row — the same log, every op with the same device
 * and author, after the upgrade. */
static void
test_upgraded_replica (gconstpointer data)
{
  int schema = GPOINTER_TO_INT (data);
  CrmTestReplica replicas[2] = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *admin_id = NULL;
  g_autofree char *state = NULL;
  g_autofree char *upgraded = NULL;
  g_autofree char *log = NULL;
  g_autofree char *upgraded_log = NULL;
  g_autofree char *path_a = g_strdup_printf ("up%d-a.db", schema);
  g_autofree char *path_b = g_strdup_printf ("up%d-b.db", schema);

  crm_test_replica_open (&replicas[0], server, tmpdir, path_a, "admin", "admin-pw");
  crm_test_replica_open (&replicas[1], server, tmpdir, path_b, "admin", "admin-pw");
  admin_id = resolve (replicas[0].store, "user", "admin", NULL);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *title = g_strdup_printf ("Upgraded %u", i);

      g_ptr_array_add (deals, new_deal (replicas[0].store, title, "Новая заявка", admin_id));
    }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);
      }

  /* b's file as the older version left it, with changes not sent yet, then opened by
   * this one */
  for (guint k = 0; k < 4; k++)
    random_change (&replicas[1], rand, deals, admin_id);
  state = crm_test_dump (replicas[1].store);
  log = crm_test_log_lines (replicas[1].store);
  g_clear_object (&replicas[1].store);
  g_clear_object (&replicas[1].client);
  if (schema == 25)
    crm_test_write_schema_25 (replicas[1].path, state);
  else
    crm_test_write_schema_26 (replicas[1].path);
  g_assert_cmpint (crm_test_file_int (replicas[1].path, "PRAGMA user_version"), ==, schema);
  replicas[1].store = crm_test_open (replicas[1].path);
  upgraded = crm_test_dump (replicas[1].store);
  g_assert_cmpstr (upgraded, ==, state);
  upgraded_log = crm_test_log_lines (replicas[1].store);
  g_assert_cmpstr (upgraded_log, ==, log);
  g_assert_cmpint (crm_test_count_waiting (replicas[1].store), >, 0);
  replicas[1].client = crm_test_client_new (server, replicas[1].path, "admin", "admin-pw");

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(CrmSyncReport) report = NULL;

        for (guint k = 0; k < 5; k++)
          random_change (&replicas[i], rand, deals, admin_id);
        report = crm_test_replica_sync (&replicas[i]);
        g_assert_cmpint (report->waiting, ==, 0);
      }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);
      }
  assert_all_equal (replicas, 2);

  for (guint i = 0; i < 2; i++)
    crm_test_replica_clear (&replicas[i]);
}

/* --- automation -------------------------------------------------------------------------- */

static gint64
count_live_deals_in (CrmStore   *store,
                     const char *pipeline_name)
{
  g_autofree char *pipeline = resolve (store, "pipeline", pipeline_name, NULL);

  return count_sql (store, "SELECT count (*) FROM deal WHERE pipeline = ?1 AND deleted = 0",
                    pipeline);
}

static void
test_no_duplicate_automation (void)
{
  CrmTestReplica a = { 0 }, b = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  gint64 before;
  gboolean listed = FALSE;

  crm_test_replica_open (&a, server, tmpdir, "auto-a.db", "admin", "admin-pw");
  crm_test_replica_open (&b, server, tmpdir, "auto-b.db", "manager", "manager-pw");
  deal = new_deal (a.store, "Scania R450 для ООО «Север»", "Ожидание отгрузки", NULL);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&a);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&b);
  before = count_live_deals_in (a.store, "База купивших клиентов");
  g_assert_cmpint (count_live_deals_in (b.store, "База купивших клиентов"), ==, before);

  /* both offline, both ship the truck: S0-2 runs on each */
  move_deal (a.store, deal, "Отгружено");
  move_deal (b.store, deal, "Отгружено");
  g_assert_cmpint (count_live_deals_in (a.store, "База купивших клиентов"), ==, before + 1);
  g_assert_cmpint (count_live_deals_in (b.store, "База купивших клиентов"), ==, before + 1);

  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&a);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&b);
  g_assert_cmpuint (report->rejected, >, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&a);

  g_assert_cmpint (count_live_deals_in (a.store, "База купивших клиентов"), ==, before + 1);
  g_assert_cmpint (count_live_deals_in (b.store, "База купивших клиентов"), ==, before + 1);
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_assert_cmpint (count_live_deals_in (account, "База купивших клиентов"), ==, before + 1);
  }
  {
    CrmTestReplica both[] = { a, b };
    assert_all_equal (both, 2);
  }
  /* B is told why its follow-up deal went away */
  conflicts = crm_sync_state_list_conflicts (b.store, TRUE, 0, NULL);
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonObject *item = json_array_get_object_element (conflicts, i);
      listed |= g_strcmp0 (json_object_get_string_member (item, "code"), "duplicate-automation") == 0;
    }
  g_assert_true (listed);
  crm_test_replica_clear (&a);
  crm_test_replica_clear (&b);
}

/* --- numbers ------------------------------------------------------------------------------- */

static gint64
deal_number (CrmStore   *store,
             const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);
  JsonNode *number = json_object_get_member (row, "number");

  return JSON_NODE_HOLDS_NULL (number) ? 0 : json_node_get_int (number);
}

static void
test_deal_numbers (void)
{
  CrmTestReplica a = { 0 }, b = { 0 };
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (gint64));

  crm_test_replica_open (&a, server, tmpdir, "num-a.db", "admin", "admin-pw");
  crm_test_replica_open (&b, server, tmpdir, "num-b.db", "manager", "manager-pw");
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *title = g_strdup_printf ("Offline %u", i);
      g_ptr_array_add (deals, new_deal (i < 3 ? a.store : b.store, title, "Новая заявка", NULL));
      /* "number pending" until the first sync */
      g_assert_cmpint (deal_number (i < 3 ? a.store : b.store, deals->pdata[i]), ==, 0);
    }
  for (guint i = 0; i < 3; i++)
    {
      CrmTestReplica *r = i == 1 ? &b : &a;
      g_autoptr(CrmSyncReport) report = crm_test_replica_sync (r);
    }
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&b);
  }
  for (guint i = 0; i < deals->len; i++)
    {
      gint64 number = deal_number (a.store, deals->pdata[i]);

      g_assert_cmpint (number, >, 0);
      g_assert_cmpint (deal_number (b.store, deals->pdata[i]), ==, number);
      g_array_append_val (numbers, number);
      g_assert_false (g_hash_table_contains (seen, &g_array_index (numbers, gint64, i)));
      g_hash_table_add (seen, &g_array_index (numbers, gint64, i));
    }
  /* in the order they reached the server */
  g_assert_cmpint (g_array_index (numbers, gint64, 0), <, g_array_index (numbers, gint64, 3));
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    assert_numbers (account);
  }
  crm_test_replica_clear (&a);
  crm_test_replica_clear (&b);
}

/* --- a server that lost acknowledged ops ------------------------------------------------------ */

static int run_cli_stdin (const char  *input,
                          char       **out,
                          char       **err,
                          const char  *first_arg,
                          ...) G_GNUC_NULL_TERMINATED;

/* Copies the account replicas of @from (their files and write-ahead logs) into @to;
 * with @drop_logs, the logs in @to go first (a copy put back brings its own, or none). */
static void
copy_account_files (const char *from,
                    const char *to,
                    gboolean    drop_logs)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  dir = g_dir_open (to, 0, NULL);
  while (drop_logs && dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db-wal") || g_str_has_suffix (name, ".db-shm"))
      {
        g_autofree char *path = g_build_filename (to, name, NULL);

        g_assert_cmpint (g_unlink (path), ==, 0);
      }
  g_clear_pointer (&dir, g_dir_close);
  dir = g_dir_open (from, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db-wal"))
      {
        g_autofree char *path = g_build_filename (from, name, NULL);
        g_autofree char *copy = g_build_filename (to, name, NULL);
        g_autoptr(GFile) source = g_file_new_for_path (path);
        g_autoptr(GFile) dest = g_file_new_for_path (copy);
        g_autoptr(GError) error = NULL;

        g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
      }
}

/* The account's state on the server, kept aside while it is stopped: its replica file
 * (SQLite), or its rows (PostgreSQL: the log, the head, the numbers, the meta). */
static void
keep_server_copy (void)
{
  const char *url = crm_test_server_database (server->dir);
  g_autofree char *accounts = g_build_filename (server->dir, "accounts", NULL);
  g_autofree char *kept = g_build_filename (tmpdir, "kept-account", NULL);

  if (url != NULL)
    g_free (crm_test_pg_query (url, "DROP TABLE IF EXISTS kept_log, kept_account;"
                                    "CREATE TABLE kept_log AS SELECT * FROM op_log;"
                                    "CREATE TABLE kept_account AS SELECT * FROM account"));
  else
    copy_account_files (accounts, kept, FALSE);
}

/* Puts the kept copy back over the account's state, as an administrator would by hand,
 * or a crash that lost the last commits: no new incarnation, no restore command. */
static void
put_back_server_copy (void)
{
  const char *url = crm_test_server_database (server->dir);
  g_autofree char *accounts = g_build_filename (server->dir, "accounts", NULL);
  g_autofree char *kept = g_build_filename (tmpdir, "kept-account", NULL);

  if (url != NULL)
    g_free (crm_test_pg_query (url, "DELETE FROM op_log;"
                                    "INSERT INTO op_log SELECT * FROM kept_log;"
                                    "UPDATE account a SET head = k.head,"
                                    " deal_number = k.deal_number, meta = k.meta"
                                    " FROM kept_account k WHERE a.id = k.id;"
                                    "DROP TABLE kept_log, kept_account"));
  else
    copy_account_files (kept, accounts, TRUE);
}

/* The server lost ops it had acknowledged without a new incarnation (its copy put back
 * by hand), and another laptop pushed enough since that its head passed the cursor of
 * the laptops that had pulled the lost ops: each of them finds the server restored
 * (their pull names the op they hold at their cursor; the server numbers another one
 * so), sends what it holds again and installs a fresh copy. In the end the server and
 * every laptop hold the same state, every deal once, every number given once. */
static void
test_lost_ops (void)
{
  CrmTestReplica a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
  CrmTestReplica *all[] = { &a, &b, &d, &c };
  g_autoptr(GPtrArray) lost = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CrmStore) account = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  CrmSyncReport *report;
  gint64 cursor_a, cursor_b, head;
  guint warned;

  crm_test_replica_open (&a, server, tmpdir, "lost-a.db", "manager", "manager-pw");
  crm_test_replica_open (&b, server, tmpdir, "lost-b.db", "admin", "admin-pw");
  crm_test_replica_open (&c, server, tmpdir, "lost-c.db", "Мария Кузнецова", "rep-password");
  g_ptr_array_add (deals, new_deal (a.store, "До копии — A", "Новая заявка", NULL));
  g_ptr_array_add (deals, new_deal (b.store, "До копии — B", "Новая заявка", NULL));
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      if (all[i] != &d)
        crm_sync_report_free (crm_test_replica_sync (all[i]));

  /* a copy of the server's account, taken while it is stopped */
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  keep_server_copy ();
  crm_test_server_restart (server);

  /* acknowledged after the copy: A's deals (numbered by the server) and an edit of B's
   * deal made on A; B pulls all of it, C is away */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = g_strdup_printf ("После копии — A%u", i);

      g_ptr_array_add (lost, new_deal (a.store, title, "Новая заявка", NULL));
    }
  edited = g_strdup (deals->pdata[1]);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_int (crm_changeset_touch (changeset, "deal", edited), "amount", 4242000);
    g_assert_true (crm_store_apply (a.store, changeset, &error));
    g_assert_no_error (error);
  }
  crm_sync_report_free (crm_test_replica_sync (&a));
  crm_sync_report_free (crm_test_replica_sync (&b));
  crm_sync_report_free (crm_test_replica_sync (&a));
  for (guint i = 0; i < lost->len; i++)
    g_assert_cmpint (deal_number (a.store, lost->pdata[i]), >, 0);
  cursor_a = crm_sync_state_get_cursor (a.store);
  cursor_b = crm_sync_state_get_cursor (b.store);
  g_assert_cmpint (cursor_b, ==, cursor_a);
  /* a new device signs in: the snapshot made for it holds the ops the server will lose,
   * and it must never be given out once they are lost (the devices that recover install
   * a fresh copy). The snapshots made so far go first, so one is made now (on
   * PostgreSQL each process keeps its own, which go with it). */
  {
    g_autofree char *snapshots = g_build_filename (server->dir, "snapshots", NULL);
    g_autoptr(GDir) dir = g_dir_open (snapshots, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (snapshots, name, NULL);

        g_assert_cmpint (g_unlink (path), ==, 0);
      }
  }
  crm_test_replica_open (&d, server, tmpdir, "lost-d.db", "admin", "admin-pw");
  g_assert_cmpint (crm_sync_state_get_cursor (d.store), ==, cursor_a);

  /* the old copy is put back: the server lost them, and knows nothing of it */
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  put_back_server_copy ();
  crm_test_server_restart (server);
  account = crm_test_server_open_account (server);
  g_assert_cmpint (count_sql (account, "SELECT count (*) FROM deal WHERE id = ?1",
                              lost->pdata[0]), ==, 0);
  g_clear_object (&account);

  /* C, away meanwhile, pushes more than was lost: the head passes A's and B's cursor */
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *title = g_strdup_printf ("После потери — C%u", i);

      g_ptr_array_add (deals, new_deal (c.store, title, "Новая заявка", NULL));
    }
  report = crm_test_replica_sync (&c);
  g_assert_false (report->server_restored);
  crm_sync_report_free (report);
  account = crm_test_server_open_account (server);
  head = count_sql (account, "SELECT max (seq) FROM changelog", NULL);
  g_clear_object (&account);
  g_assert_cmpint (head, >, cursor_a);

  /* A, B and D find out, send back what they hold, and take a fresh copy; D through
   * voronkactl, which says what happened */
  warned = crm_test_server_count_log (server, "lost ops it had acknowledged", NULL);
  g_assert_cmpint (run_cli_stdin ("admin-pw\n", &out, &err, "--db", d.path, "sync", "--server",
                                  server->url, "--user", "admin", "--password-stdin",
                                  "--ca-file", server->cert, NULL), ==, 0);
  g_test_message ("voronkactl sync: %s%s", out, err);
  g_assert_nonnull (strstr (out, "The server had lost changes it had acknowledged"));
  g_assert_null (strstr (out, "restored from a backup"));
  for (guint i = 0; i < 2; i++)
    {
      report = crm_test_replica_sync (all[i]);
      g_assert_true (report->server_restored);
      g_assert_true (report->server_lost_ops);
      g_assert_true (report->snapshot);
      crm_sync_report_free (report);
      /* what the app's sync state says afterwards: lost ops, not a backup */
      {
        gboolean lost_ops = FALSE;

        g_assert_true (crm_sync_state_get_restored (all[i]->store, NULL, NULL, &lost_ops));
        g_assert_true (lost_ops);
      }
    }
  g_assert_cmpuint (crm_test_server_count_log (server, "lost ops it had acknowledged", NULL), >=,
                    warned + 3);
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      {
        report = crm_test_replica_sync (all[i]);
        g_assert_false (report->server_restored);
        crm_sync_report_free (report);
      }

  /* everyone holds the same, every deal once, every number once */
  account = crm_test_server_open_account (server);
  expected = crm_test_dump (account);
  assert_numbers (account);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(CrmStore) store = crm_test_open (all[i]->path);
      g_autofree char *state = crm_test_dump (store);

      if (!g_str_equal (state, expected))
        g_error ("%s differs from the server after the recovery", all[i]->name);
      assert_numbers (store);
      for (guint d = 0; d < lost->len; d++)
        g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE id = ?1 AND"
                                    " deleted = 0", lost->pdata[d]), ==, 1);
      for (guint d = 0; d < deals->len; d++)
        g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal WHERE id = ?1 AND"
                                    " deleted = 0", deals->pdata[d]), ==, 1);
      g_assert_cmpint (count_sql (store, "SELECT amount FROM deal WHERE id = ?1", edited), ==,
                       4242000);
    }
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    crm_test_replica_clear (all[i]);
}

/* --- first sync ------------------------------------------------------------------------------ */

static void
test_snapshot (void)
{
  CrmTestReplica fresh = { 0 };
  g_autofree char *path = g_build_filename (tmpdir, "resumed.db", NULL);
  g_autofree char *part = g_strconcat (path, ".snapshot.part", NULL);
  g_autofree char *etag_path = g_strconcat (path, ".snapshot.etag", NULL);
  guint snapshots_before = crm_test_server_count_log (server, "GET /api/v1/sync/snapshot 200", NULL);
  g_autoptr(CrmSyncReport) report = NULL;

  /* a new device: one snapshot, then a pull with almost nothing in it */
  crm_test_replica_open (&fresh, server, tmpdir, "fresh.db", "manager", "manager-pw");
  g_assert_cmpuint (crm_test_server_count_log (server, "GET /api/v1/sync/snapshot 200", NULL), ==,
                    snapshots_before + 1);
  assert_all_equal (&fresh, 1);
  g_assert_cmpint (crm_test_count_waiting (fresh.store), ==, 0);
  /* its own device id, not the server's */
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_assert_cmpstr (crm_store_get_device_id (fresh.store), !=, crm_store_get_device_id (account));
  }

  /* a dropped download continues where it stopped */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(GTlsDatabase) database = g_tls_file_database_new (server->cert, NULL);
    g_autofree char *url = g_strconcat (server->url, CRM_PROTOCOL_PATH_SNAPSHOT, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autofree char *bearer = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "manager", "manager-pw");
    g_autoptr(CrmSession) session_info = NULL;
    gsize size;

    session_info = crm_sync_client_sign_in (client, "manager-pw", NULL, &error);
    g_assert_no_error (error);
    bearer = g_strconcat ("Bearer ", session_info->token, NULL);
    soup_session_set_tls_database (session, database);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  CRM_PROTOCOL_SCHEMA_HEADER, "2");
    bytes = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    size = g_bytes_get_size (bytes);
    g_assert_true (g_file_set_contents (part, g_bytes_get_data (bytes, NULL), size / 2, NULL));
    g_assert_true (g_file_set_contents (etag_path, soup_message_headers_get_one (
      soup_message_get_response_headers (msg), "ETag"), -1, NULL));

    report = crm_test_sync (client);
    g_assert_true (report->snapshot);
    g_assert_cmpuint (crm_test_server_count_log (server, "GET /api/v1/sync/snapshot 206", NULL), ==, 1);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (etag_path, G_FILE_TEST_EXISTS));
  }
  {
    CrmTestReplica resumed = { .name = "resumed.db", .store = crm_test_open (path) };
    assert_all_equal (&resumed, 1);
    g_clear_object (&resumed.store);
  }
  crm_test_replica_clear (&fresh);
}

/* A replica that never synced but holds data of its own pushes it, then pulls: no
 * snapshot would keep what it typed. */
static void
test_first_sync_with_data (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "own-data.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) template = crm_template_load ("truck-dealer", &error);
  g_autoptr(CrmStore) store = crm_store_create (path, &error);
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autofree char *deal = NULL;

  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, template, &error));
  deal = new_deal (store, "Typed before the first sync", "Новая заявка", NULL);
  client = crm_test_client_new (server, path, "admin", "admin-pw");
  report = crm_test_sync (client);
  g_assert_false (report->snapshot);
  g_assert_cmpuint (report->pushed, >, 0);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_assert_cmpint (deal_number (store, deal), >, 0);
  {
    CrmTestReplica replica = { .name = "own-data.db", .store = store };
    assert_all_equal (&replica, 1);
  }
}

/* --- the command line ------------------------------------------------------------------------ */

static int
run_cli_stdin (const char  *input,
               char       **out,
               char       **err,
               const char  *first_arg,
               ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKACTL"));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  /* no keyring here: the CLI must still sync with the password given each time */
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", tmpdir, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_null (strstr (*err, "CRITICAL"));
  return g_subprocess_get_exit_status (process);
}

static void
test_cli (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "cli.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) json = NULL;
  JsonObject *object;

  g_assert_cmpint (run_cli_stdin ("admin-pw\n", &out, &err, "--db", path, "--json", "sync",
                                  "--server", server->url, "--user", "admin", "--password-stdin",
                                  "--ca-file", server->cert, NULL), ==, 0);
  json = crm_test_parse_json (out);
  object = json_node_get_object (json);
  g_assert_true (json_object_get_boolean_member (object, "snapshot"));
  g_assert_cmpint (json_object_get_int_member (object, "cursor"), >, 0);
  /* the token could not be kept, and the CLI says so without failing */
  g_assert_nonnull (strstr (err, "not saved"));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpint (run_cli_stdin ("", &out, &err, "--db", path, "--json", "status", NULL), ==, 0);
  json = crm_test_parse_json (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "cursor"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "server"), ==,
                   server->url);

  /* later syncs need the keyring or the password */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpint (run_cli_stdin ("", &out, &err, "--db", path, "--json", "sync", "--server",
                                  server->url, "--user", "admin", "--ca-file", server->cert,
                                  NULL), ==, 1);
  json = crm_test_parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_node_get_object (json), "error"), "code"), ==, "auth-failed");

  /* an unreachable server is its own error */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&json, json_node_unref);
  g_assert_cmpint (run_cli_stdin ("admin-pw\n", &out, &err, "--db", path, "--json", "sync",
                                  "--server", "https://127.0.0.1:9", "--user", "admin",
                                  "--password-stdin", NULL), ==, 1);
  json = crm_test_parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
    json_node_get_object (json), "error"), "code"), ==, "server-unreachable");
}

/* --- the client object ------------------------------------------------------------------------- */

typedef struct {
  GMainLoop     *loop;
  CrmSyncReport *report;
  GError        *error;
  guint          syncing_seen;
} AsyncRun;

static void
state_changed (CrmSyncClient *client,
               GParamSpec    *pspec,
               AsyncRun      *run)
{
  if (crm_sync_client_get_state (client) == CRM_SYNC_STATE_SYNCING)
    run->syncing_seen++;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncRun *run = user_data;

  run->report = crm_sync_client_sync_finish (CRM_SYNC_CLIENT (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
give_up (gpointer user_data)
{
  g_error ("the asynchronous sync did not finish in time");
  return G_SOURCE_REMOVE;
}

static void
test_client_async (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "async.db", NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "manager", "manager-pw");
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncRun run = { loop, NULL, NULL, 0 };
  guint timeout = g_timeout_add_seconds (60, give_up, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  g_signal_connect (client, "notify::state", G_CALLBACK (state_changed), &run);
  crm_sync_client_sync_async (client, NULL, async_done, &run);
  /* the caller's thread is free while the round runs */
  g_assert_cmpint (crm_sync_client_get_state (client), ==, CRM_SYNC_STATE_SYNCING);
  g_main_loop_run (loop);
  g_source_remove (timeout);
  g_assert_no_error (run.error);
  g_assert_nonnull (run.report);
  g_assert_true (run.report->snapshot);
  g_assert_cmpuint (run.syncing_seen, ==, 1);
  g_assert_cmpint (crm_sync_client_get_state (client), ==, CRM_SYNC_STATE_IDLE);
  g_assert_cmpint (crm_sync_client_get_last_synced (client), >, 0);
  g_assert_cmpint (crm_sync_client_get_ops_waiting (client), ==, 0);
  g_assert_null (crm_sync_client_get_last_error (client));
  g_assert_nonnull (crm_sync_client_get_token (client));
  crm_sync_report_free (run.report);

  /* backoff: exponential, with jitter, capped */
  for (guint attempt = 1; attempt < 30; attempt++)
    {
      guint delay = crm_sync_backoff_delay_ms (attempt, rand);
      guint64 nominal = MIN ((guint64) 5000 << MIN (attempt - 1, 20), (guint64) 15 * 60 * 1000);

      g_assert_cmpuint (delay, >=, nominal / 2);
      g_assert_cmpuint (delay, <=, nominal * 3 / 2);
    }
}


/* --- history past the horizon ---------------------------------------------------------------- */

/* `deal show --json`'s history of @deal on @db, as text. */
static char *
shown_history (const char *db,
               const char *deal)
{
  g_autoptr(JsonObject) shown = crm_test_take_object (crm_test_ctl_ok (db, NULL, "deal", "show",
                                                                       deal, NULL));
  g_autoptr(JsonNode) history = json_node_ref (json_object_get_member (shown, "history"));

  g_assert_nonnull (history);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (history));
  return json_to_string (history, FALSE);
}

/* Each op's id, entity and fields as read, one line each. */
static char *
ops_text (GPtrArray *ops)
{
  GString *text = g_string_new (NULL);

  g_assert_nonnull (ops);
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), op->fields);
      g_autofree char *fields = crm_json_to_canonical (node);

      g_string_append_printf (text, "%s %s %s\n", op->op_id, op->entity_id, fields);
    }
  return g_string_free (text, FALSE);
}

/* Every op of the log (crm_store_dup_log), or every op a restored server would be sent
 * again (crm_sync_state_dup_lost_ops), as ops_text(). */
static char *
log_text (CrmStore *store,
          gboolean  resent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = resent ? crm_sync_state_dup_lost_ops (store, 0, 0, 10000, &error)
                                    : crm_store_dup_log (store, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ops->len, >, 0);
  return ops_text (ops);
}

/* The per-deal figures the deal_report triggers keep from the log's stage moves. */
static char *
deal_totals (CrmStore *store)
{
  sqlite3_stmt *stmt = NULL;
  char *text;

  g_assert_cmpint (sqlite3_prepare_v2 (_crm_store_get_db (store),
    "SELECT group_concat (line, ' ') FROM (SELECT deal || ':' || coalesce (reach, '-') || ':'"
    " || coalesce (responded, '-') || ':' || coalesce (employee, '-') AS line"
    " FROM deal_report ORDER BY deal)", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  g_assert_nonnull (text);
  return text;
}

/* The snapshots for new devices in the server's data folder @dir, removed with @remove:
 * DIR/snapshots (SQLite) or DIR/pg-cache/PID/snapshots (each process's, PostgreSQL). */
static guint
snapshot_files (const char *dir,
                gboolean    remove)
{
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;
  guint found = 0;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
          (g_str_equal (name, "snapshots") || g_str_equal (name, "pg-cache") ||
           g_str_has_suffix (dir, "pg-cache")))
        found += snapshot_files (path, remove);
      else if (g_str_has_suffix (name, ".db.zst") && g_str_has_suffix (dir, "snapshots"))
        {
          found++;
          if (remove)
            g_assert_cmpint (g_unlink (path), ==, 0);
        }
    }
  return found;
}

static void
test_history_compacted (void)
{
  CrmTestReplica a = { 0 }, b = { 0 }, c = { 0 };
  g_autofree char *deal = NULL;
  g_autofree char *other = NULL;
  g_autofree char *created = NULL;
  g_autofree char *history_before = NULL;
  g_autofree char *history_after = NULL;
  g_autofree char *log_before = NULL;
  g_autofree char *log_after = NULL;
  g_autofree char *totals_before = NULL;
  g_autofree char *totals_after = NULL;
  g_autofree char *lost_before = NULL;
  g_autofree char *lost_after = NULL;
  g_autoptr(GError) error = NULL;
  gint64 size_before, size_after;

  crm_test_replica_open (&a, server, tmpdir, "history-a.db", "manager", "manager-pw");
  crm_test_replica_open (&b, server, tmpdir, "history-b.db", "admin", "admin-pw");

  /* A makes a deal, moves it twice and changes its amount; B makes one of its own */
  deal = new_deal (a.store, "Самосвал для карьера", "Новая заявка", NULL);
  created = crm_store_dup_last_change_set (a.store);
  move_deal (a.store, deal, "Квалифицирован");
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_int (crm_changeset_touch (changeset, "deal", deal), "amount", 2750000);
    g_assert_true (crm_store_apply (a.store, changeset, &error));
    g_assert_no_error (error);
  }
  move_deal (a.store, deal, "Встреча согласована");
  other = new_deal (b.store, "Тягач в лизинг", "Новая заявка", NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      g_autofree char *contact = crm_store_new_id (a.store);

      crm_change_set_string (crm_changeset_create (changeset, "contact", contact), "name",
                             i == 0 ? "Анна Кузнецова" : "Олег Смирнов");
      g_assert_true (crm_store_apply (a.store, changeset, &error));
      g_assert_no_error (error);
    }
  for (guint round = 0; round < 2; round++)
    {
      crm_sync_report_free (crm_test_replica_sync (&a));
      crm_sync_report_free (crm_test_replica_sync (&b));
    }

  history_before = shown_history (b.path, deal);
  g_assert_nonnull (strstr (history_before, "2750000"));
  log_before = log_text (b.store, FALSE);
  totals_before = deal_totals (b.store);
  size_before = count_sql (b.store, "SELECT sum (length (fields)) FROM changelog", NULL);
  lost_before = log_text (b.store, TRUE);
  g_assert_cmpint (count_sql (b.store, "SELECT count (*) FROM changelog"
                              " WHERE json_type (fields, '$.clocks') IS NOT NULL", NULL), ==, 0);

  /* the laptops keep no day in full: the next round compacts everything acknowledged */
  g_assert_true (crm_store_set_meta (a.store, "history.keep_days", "0", &error));
  g_assert_true (crm_store_set_meta (b.store, "history.keep_days", "0", &error));
  g_assert_no_error (error);
  crm_sync_report_free (crm_test_replica_sync (&a));
  crm_sync_report_free (crm_test_replica_sync (&b));

  size_after = count_sql (b.store, "SELECT sum (length (fields)) FROM changelog", NULL);
  g_test_message ("the fields of the log: %" G_GINT64_FORMAT " bytes before, %" G_GINT64_FORMAT
                  " after", size_before, size_after);
  g_assert_cmpint (size_after, <, size_before * 3 / 4);
  g_assert_cmpint (count_sql (b.store, "SELECT count (*) FROM changelog"
                              " WHERE json_type (fields, '$.clocks') IS NOT NULL", NULL), >, 0);
  g_assert_cmpint (count_sql (a.store, "SELECT count (*) FROM changelog WHERE entity_id = ?1"
                              " AND json_type (fields, '$.clocks') IS NOT NULL", deal), >, 0);
  /* the stage moves stay in the log itself (the reports and the totals read them there) */
  g_assert_cmpint (count_sql (b.store, "SELECT count (*) FROM changelog WHERE entity_id = ?1"
                              " AND json_type (fields, '$.stage') IS NOT NULL", deal), ==, 3);

  /* what anyone reads is as before */
  history_after = shown_history (b.path, deal);
  g_assert_cmpstr (history_after, ==, history_before);
  log_after = log_text (b.store, FALSE);
  g_assert_cmpstr (log_after, ==, log_before);
  totals_after = deal_totals (b.store);
  g_assert_cmpstr (totals_after, ==, totals_before);
  lost_after = log_text (b.store, TRUE);
  g_assert_cmpstr (lost_after, ==, lost_before);

  /* B renames the deal and changes its amount: the old entries still say what they did */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    CrmChange *change = crm_changeset_touch (changeset, "deal", deal);
    g_autoptr(JsonNode) history = NULL;
    g_autoptr(JsonNode) old_history = crm_test_parse_json (history_before);
    JsonArray *entries;
    guint n_old = json_array_get_length (json_node_get_array (old_history));

    crm_change_set_string (change, "title", "Самосвал для карьера (2 шт.)");
    crm_change_set_int (change, "amount", 5500000);
    g_assert_true (crm_store_apply (b.store, changeset, &error));
    g_assert_no_error (error);
    crm_sync_report_free (crm_test_replica_sync (&b));
    crm_sync_report_free (crm_test_replica_sync (&a));
    history = crm_test_parse_json (shown_history (a.path, deal));
    entries = json_node_get_array (history);
    g_assert_cmpuint (json_array_get_length (entries), ==, n_old + 1);
    for (guint i = 0; i < n_old; i++)
      {
        g_autofree char *was = crm_json_to_canonical (json_array_get_element (
                                 json_node_get_array (old_history), i));
        g_autofree char *is = crm_json_to_canonical (json_array_get_element (entries, i));

        g_assert_cmpstr (is, ==, was);
      }
  }

  /* A's first change, compacted, is not undone, and says why */
  g_assert_false (crm_store_undo_change_set (a.store, created, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "no longer keeps its details, so it cannot be undone"));
  g_clear_error (&error);
  g_assert_cmpint (count_sql (a.store, "SELECT count (*) FROM deal WHERE id = ?1 AND deleted = 0",
                              deal), ==, 1);

  /* a new device's snapshot comes compacted by the server (made in the background, as at
   * its start), and reads the same: the administrator sets the account's horizon (a
   * setting every replica and the server read; the laptops above kept their own) */
  {
    g_autofree char *history_a = shown_history (a.path, deal);
    g_autofree char *history_c = NULL;
    g_autoptr(JsonNode) shown = NULL;
    gboolean made = FALSE;

    shown = crm_test_ctl_ok (b.path, NULL, "account", "set", "--history-days", "0", NULL);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (shown), "history_days"),
                     ==, 0);
    crm_sync_report_free (crm_test_replica_sync (&b));
    crm_sync_report_free (crm_test_replica_sync (&a));
    /* a's own number gives way to the account's once a's meta is unset */
    g_assert_true (crm_store_set_meta (a.store, "history.keep_days", NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (crm_store_get_history_keep_days (a.store), ==, 0);
    g_assert_cmpint (crm_test_server_stop (server), ==, 0);
    snapshot_files (server->dir, TRUE);   /* (a PostgreSQL process removes its own at exit) */
    crm_test_server_restart (server);
    for (guint i = 0; i < 600 && !made; i++)
      {
        made = snapshot_files (server->dir, FALSE) > 0;
        if (!made)
          g_usleep (100 * 1000);
      }
    g_assert_true (made);
    /* the administrator goes back to 90 days before the new device comes: what it finds
     * compacted, the server's snapshot was (a device keeping 90 days compacts nothing of
     * today's history itself) */
    json_node_unref (crm_test_ctl_ok (b.path, NULL, "account", "set", "--history-days", "90",
                                      NULL));
    crm_sync_report_free (crm_test_replica_sync (&b));
    crm_test_replica_open (&c, server, tmpdir, "history-c.db", "admin", "admin-pw");
    g_assert_cmpint (crm_store_get_history_keep_days (c.store), ==, 90);
    g_assert_cmpint (count_sql (c.store, "SELECT count (*) FROM changelog WHERE entity_id = ?1"
                                " AND json_type (fields, '$.clocks') IS NOT NULL", deal), >, 0);
    history_c = shown_history (c.path, deal);
    g_assert_cmpstr (history_c, ==, history_a);
    /* the snapshot's pages packed again: the search still finds each contact by name */
    g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (c.path, NULL, "contact", "list",
                                                             "--search", "Смир", NULL)), ==, 1);
    g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (c.path, NULL, "contact", "list",
                                                             "--search", "Кузн", NULL)), ==, 1);
    /* and an edit there keeps the old values in the old entries too */
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      g_autofree char *edited = NULL;
      g_autofree char *kept = NULL;
      g_autofree char *before = NULL;

      crm_change_set_int (crm_changeset_touch (changeset, "deal", deal), "amount", 6100000);
      g_assert_true (crm_store_apply (c.store, changeset, &error));
      g_assert_no_error (error);
      edited = shown_history (c.path, deal);
      /* the entries of before, then the edit */
      g_assert_cmpint (strlen (edited), >, strlen (history_c));
      kept = g_strndup (edited, strlen (history_c) - 1);
      before = g_strndup (history_c, strlen (history_c) - 1);
      g_assert_cmpstr (kept, ==, before);
    }
    crm_sync_report_free (crm_test_replica_sync (&c));
    crm_sync_report_free (crm_test_replica_sync (&a));
    crm_sync_report_free (crm_test_replica_sync (&b));
  }

  /* and the laptops still agree with the server */
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_autofree char *expected = crm_test_dump (account);
    g_autofree char *state_a = crm_test_dump (a.store);
    g_autofree char *state_b = crm_test_dump (b.store);

    g_autofree char *state_c = crm_test_dump (c.store);

    g_assert_cmpstr (state_a, ==, expected);
    g_assert_cmpstr (state_b, ==, expected);
    g_assert_cmpstr (state_c, ==, expected);
  }
  crm_test_replica_clear (&a);
  crm_test_replica_clear (&b);
  crm_test_replica_clear (&c);
}

int
main (int    argc,
      char **argv)
{
  const char *seed_text = g_getenv ("VORONKA_TEST_SEED");
  int status;

  g_test_init (&argc, &argv, NULL);
  if (seed_text != NULL)
    seed = (guint32) g_ascii_strtoull (seed_text, NULL, 10);
  g_test_message ("VORONKA_TEST_SEED=%u", seed);
  server = crm_test_server_set_up (&tmpdir, NULL);

  /* first: the others leave ops with clocks ahead of now (skewed laptops), which the
   * compaction waits for (it stops at the first op not past the horizon) */
  g_test_add_func ("/sync/history-compacted", test_history_compacted);
  g_test_add_func ("/sync/convergence", test_convergence);
  g_test_add_data_func ("/sync/upgraded-replica", GINT_TO_POINTER (25), test_upgraded_replica);
  g_test_add_data_func ("/sync/upgraded-replica-26", GINT_TO_POINTER (26),
                        test_upgraded_replica);
  g_test_add_func ("/sync/no-duplicate-automation", test_no_duplicate_automation);
  g_test_add_func ("/sync/deal-numbers", test_deal_numbers);
  g_test_add_func ("/sync/snapshot", test_snapshot);
  g_test_add_func ("/sync/first-sync-with-data", test_first_sync_with_data);
  g_test_add_func ("/sync/cli", test_cli);
  g_test_add_func ("/sync/client-async", test_client_async);
  g_test_add_func ("/sync/lost-ops", test_lost_ops);
  status = g_test_run ();

  crm_test_server_tear_down (server, tmpdir, status);
  return status;
}
