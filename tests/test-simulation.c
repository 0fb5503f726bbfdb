/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-simulation.c — a seeded simulation of a sales team working offline (issue 24):
 * three laptops of a truck dealer (S0, template truck-dealer) and three of a distributor
 * (S1, b2b-distributor), real replicas on SQLite files, do random work offline — new
 * deals, moves, wins, losses with reasons, lead conversions, task completions, title and
 * tag edits, deletions, reopening deals the laptop has seen closed — and sync
 * through a real voronka-server on 127.0.0.1 in random orders, some twice, some pushes
 * sent and their answer lost (the ops are sent again by the next sync). Then every
 * invariant of docs/merge.md is checked:
 *   - every replica equals the server's account replica;
 *   - every closed deal has exactly the effects its template defines (one follow-up deal
 *     or task per rule that fires on its close, none for a close that did not stand),
 *     counting what the server withdrew as gone; a deal reopened after a close keeps
 *     at most the one follow-up deal that close made, and closed again has it back;
 *   - no trigger has two effects of the same rule;
 *   - nothing a user typed is lost without appearing in their conflicts list: every
 *     refused op is listed, and every move that did not hold is listed.
 * A failure prints its seed; VORONKA_SIM_SEED=N replays that one seed. The suite runs
 * VORONKA_SIM_SEEDS seeds (default 3) from VORONKA_SIM_FIRST (default 1); with
 * VORONKA_SIM_KEEP_GOING=1 (bench/run --sim) violations are counted and printed instead
 * of failing at the first, with a last line "simulation: N seeds, M violations". */
#define _GNU_SOURCE   /* unshare() */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "crm-protocol.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"

#define N_LAPTOPS 3
#define N_ROUNDS 6
#define OPS_PER_ROUND 5
#define N_START_DEALS 6

#define resolve crm_test_resolve
#define count_sql crm_test_count_sql
#define column_of crm_test_column

typedef struct {
  const char *pipeline;
  const char *stage;
} Place;

/* What a seed's laptops work on, and what its rules must have done. */
typedef struct {
  const char        *label;
  const char        *account;
  const char *const *users;       /* N_LAPTOPS sign-ins (user, password pairs) */
  const char *const *work;        /* pipelines the laptops work in, NULL-terminated */
  const Place       *starts;      /* where new deals land */
  guint              n_starts;
  const char        *joiner;      /* the user of a device that joins mid-run (faults) */
  const char        *joiner_password;
} Kind;

static const char *const s0_users[] = {
  "admin", "admin-pw", "manager", "manager-pw", "admin", "admin-pw",
};
static const char *const s0_work[] = { "Продажи", NULL };
static const Place s0_starts[] = { { "Продажи", "Новая заявка" } };

static const char *const s1_users[] = {
  "dist-admin", "admin-pw", "dist-manager", "manager-pw", "dist-admin", "admin-pw",
};
static const char *const s1_work[] = { "Лиды", "Сделки", "Повторные продажи", NULL };
static const Place s1_starts[] = { { "Лиды", "Новый лид" }, { "Сделки", "Новая сделка" } };

static const Kind kinds[] = {
  { "S0", "acme", s0_users, s0_work, s0_starts, G_N_ELEMENTS (s0_starts), "manager",
    "manager-pw" },
  { "S1", "dist", s1_users, s1_work, s1_starts, G_N_ELEMENTS (s1_starts), "dist-manager",
    "manager-pw" },
};

/* A rule whose effects on a closed deal are checked: on a deal of @pipeline whose stage
 * is of @kind (and, with @reasons, whose loss reason is one of them), exactly one live
 * @entity made by the rule; on every other deal of @pipeline, none. */
typedef struct {
  const char        *account;
  const char        *rule;
  const char        *pipeline;
  const char        *kind;
  const char        *entity;
  const char *const *reasons;
} Effect;

static const char *const s0_refusals[] = { "Дорого", "Не устраивает техника", NULL };

static const Effect effects[] = {
  { "acme", "Отгружено → «База купивших клиентов»", "Продажи", "won", "deal", NULL },
  { "acme", "Отказ «Дорого» или «Не устраивает техника» → «Отказники»", "Продажи", "lost", "deal",
    s0_refusals },
  { "dist", "Лид сконвертирован → «Сделки»", "Лиды", "won", "deal", NULL },
  { "dist", "Первая поставка → «Повторные продажи»", "Сделки", "won", "deal", NULL },
  { "dist", "Повторная поставка → новый цикл повторных продаж", "Повторные продажи", "won",
    "deal", NULL },
  { "dist", "NPS-опрос после первой поставки", "Сделки", "won", "task", NULL },
  { "dist", "Клиент потерян → выяснить причину", "Сделки", "lost", "task", NULL },
  { "dist", "Клиент потерян → выяснить причину", "Повторные продажи", "lost", "task", NULL },
};

typedef struct {
  CrmTestReplica  laptop;
  char           *name;
  char           *user_id;
  gint64          skew;        /* its clock against the server's (ms): a day off with faults */
} Laptop;

typedef struct {
  const Kind *kind;
  Laptop      laptops[N_LAPTOPS + 1];   /* with faults, a new device joins mid-run */
  guint       n_laptops;
  char       *path;      /* the server's account replica */
} Account;

typedef struct {
  guint32         seed;
  GRand          *rand;
  char           *tmpdir;
  CrmTestServer  *server;
  SoupSession    *http;
  Account         accounts[G_N_ELEMENTS (kinds)];
  guint           violations;
  guint           changes, refused_locally, lost_pushes, rejected, conflicts, reopened;
  gboolean        faults;      /* partitions, a killed server, clocks a day off (issue 21) */
  guint           partitions, kills, cut_syncs, joined;
} Sim;

static gboolean keep_going;

static void
violation (Sim        *sim,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
violation (Sim        *sim,
           const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  sim->violations++;
  g_printerr ("VORONKA_SIM_SEED=%u: violation: %s\n", sim->seed, text);
  if (!keep_going)
    g_error ("simulation seed %u (replay with VORONKA_SIM_SEED=%u): %s", sim->seed, sim->seed,
             text);
}

/* --- faults (issue 21) -------------------------------------------------------------------------- */

/* The test runs in a network namespace of its own, entered in main() before any thread or
 * server exists, so the servers it starts listen on a loopback nobody else shares. Taking
 * that loopback down is a partition between every laptop and the server: requests in
 * flight stall mid-push, mid-pull or mid-snapshot, new connections get no answer, and
 * bringing it up heals it (TCP sends again what was lost). */
static gboolean own_network;

static gboolean
set_loopback_up (gboolean up)
{
  struct ifreq request = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  gboolean done;

  if (fd < 0)
    return FALSE;
  g_strlcpy (request.ifr_name, "lo", sizeof request.ifr_name);
  done = ioctl (fd, SIOCGIFFLAGS, &request) == 0;
  if (done)
    {
      if (up)
        request.ifr_flags |= IFF_UP;
      else
        request.ifr_flags &= ~IFF_UP;
      done = ioctl (fd, SIOCSIFFLAGS, &request) == 0;
    }
  close (fd);
  return done;
}

static gboolean
write_proc (const char *path,
            const char *text)
{
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, NULL);
}

/* As root a plain network namespace; otherwise one inside a user namespace of our own
 * (where we are root), if the kernel lets unprivileged users make them. */
static gboolean
enter_own_network (void)
{
  if (unshare (CLONE_NEWNET) != 0)
    {
      g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (guint) getuid ());
      g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (guint) getgid ());

      if (unshare (CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return FALSE;
      if (!write_proc ("/proc/self/setgroups", "deny\n") ||
          !write_proc ("/proc/self/uid_map", uid_map) ||
          !write_proc ("/proc/self/gid_map", gid_map))
        return FALSE;
    }
  return set_loopback_up (TRUE);
}

/* One fault during a sync, from a thread of its own: after @delay_ms, either the server
 * is killed (SIGKILL, @pid) or the network is cut for @length_ms. */
typedef struct {
  guint delay_ms;
  guint length_ms;
  GPid  pid;
} Fault;

static gpointer
fault_run (gpointer data)
{
  Fault *fault = data;

  g_usleep ((gulong) fault->delay_ms * 1000);
  if (fault->pid > 0)
    kill (fault->pid, SIGKILL);
  else
    {
      if (!set_loopback_up (FALSE))
        g_error ("could not cut the test's network: %s", g_strerror (errno));
      g_usleep ((gulong) fault->length_ms * 1000);
      if (!set_loopback_up (TRUE))
        g_error ("could not heal the test's network: %s", g_strerror (errno));
    }
  return NULL;
}

/* With faults, a third of the syncs meet one: mostly a partition at a random moment of the
 * sync (TLS handshake, push, pull, snapshot), sometimes the server killed. */
static GThread *
start_fault (Sim   *sim,
             Fault *fault)
{
  guint dice;

  if (!sim->faults)
    return NULL;
  dice = g_rand_int_range (sim->rand, 0, 100);
  if (dice >= 33)
    return NULL;
  fault->delay_ms = g_rand_int_range (sim->rand, 0, 250);
  if (dice < 8)
    {
      const char *pid = g_subprocess_get_identifier (sim->server->process);

      g_assert_nonnull (pid);
      fault->pid = (GPid) g_ascii_strtoll (pid, NULL, 10);
      sim->kills++;
    }
  else
    {
      fault->length_ms = g_rand_int_range (sim->rand, 20, 800);
      sim->partitions++;
    }
  return g_thread_new ("fault", fault_run, fault);
}

/* After the fault's thread is done: a killed server is started again on its port (and
 * the test's own HTTP session, whose connections died with it, made anew). */
static void
end_fault (Sim     *sim,
           GThread *thread,
           Fault   *fault)
{
  if (thread == NULL)
    return;
  g_thread_join (thread);
  if (fault->pid > 0)
    {
      crm_test_server_kill (sim->server);
      crm_test_server_restart (sim->server);
      g_clear_object (&sim->http);
      sim->http = crm_test_http_session_new (sim->server);
    }
}

/* --- the set-up ------------------------------------------------------------------------------ */

static char *
make_data (const char *parent)
{
  char *dir = crm_test_server_make_data (parent);

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "dist",
                                          "--template", "b2b-distributor", "--admin",
                                          "dist-admin", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "manager-pw", "user", "add", "dist",
                                          "dist-manager", "--role", "manager",
                                          "--password-stdin", NULL), ==, 0);
  return dir;
}

/* The account replica of @kind in the server's data folder. */
static char *
account_path (CrmTestServer *server,
              const Kind    *kind)
{
  g_autofree char *accounts = g_build_filename (server->dir, "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (accounts, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      {
        g_autofree char *path = g_build_filename (accounts, name, NULL);
        g_autoptr(CrmStore) store = crm_test_open (path);
        gboolean distributor = count_sql (store, "SELECT count (*) FROM pipeline WHERE name = ?1",
                                          "Лиды") > 0;

        if (distributor == g_str_equal (kind->account, "dist"))
          return g_steal_pointer (&path);
      }
  g_error ("no account replica of %s in %s", kind->account, accounts);
  return NULL;
}

/* A folder copied, files and sub-folders alike (the server's data folder, with its
 * certificate and key). */
static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *target = g_build_filename (to, name, NULL);

      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        copy_tree (source, target);
      else
        {
          g_autofree char *contents = NULL;
          gsize length = 0;
          g_autoptr(GError) error = NULL;

          g_assert_true (g_file_get_contents (source, &contents, &length, &error));
          g_assert_true (g_file_set_contents_full (target, contents, length,
                                                   G_FILE_SET_CONTENTS_NONE, 0600, &error));
          g_assert_no_error (error);
        }
    }
}

/* What every seed starts from, made once per run: the server's data folder with both
 * accounts and their users, and the six laptops signed in, each with the snapshot it
 * installed on its first sync — every file closed, the server stopped. A seed copies the
 * whole folder (server and laptops together, so they agree on every cursor and device)
 * and starts a real server on its copy: the same state as if the seed had made it all
 * itself, without six sign-ups and six snapshot installs a seed. */
static char *prepared;

static const char *
prepare (void)
{
  g_autofree char *data = NULL;
  CrmTestServer *server;

  if (prepared != NULL)
    return prepared;
  prepared = g_dir_make_tmp ("voronka-sim-prepared-XXXXXX", NULL);
  g_assert_nonnull (prepared);
  data = make_data (prepared);
  server = crm_test_server_start (data, FALSE, NULL);
  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    for (guint i = 0; i < N_LAPTOPS; i++)
      {
        CrmTestReplica laptop = { 0 };
        g_autofree char *name = g_strdup_printf ("%s-laptop-%u.db", kinds[a].label, i + 1);

        crm_test_replica_open (&laptop, server, prepared, name, kinds[a].users[2 * i],
                               kinds[a].users[2 * i + 1]);
        crm_test_replica_clear (&laptop);
      }
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  return prepared;
}

static void
sim_set_up (Sim     *sim,
            guint32  seed)
{
  g_autofree char *data = NULL;

  sim->seed = seed;
  sim->rand = g_rand_new_with_seed (seed);
  sim->tmpdir = g_dir_make_tmp ("voronka-sim-XXXXXX", NULL);
  g_assert_nonnull (sim->tmpdir);
  copy_tree (prepare (), sim->tmpdir);
  data = g_build_filename (sim->tmpdir, "server", NULL);
  sim->server = crm_test_server_start (data, FALSE, NULL);
  sim->http = crm_test_http_session_new (sim->server);
  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    {
      Account *account = &sim->accounts[a];

      account->kind = &kinds[a];
      account->path = account_path (sim->server, account->kind);
      account->n_laptops = N_LAPTOPS;
      for (guint i = 0; i < N_LAPTOPS; i++)
        {
          Laptop *laptop = &account->laptops[i];
          const char *user = account->kind->users[2 * i];
          CrmTestReplica *replica = &laptop->laptop;

          laptop->name = g_strdup_printf ("%s-laptop-%u.db", account->kind->label, i + 1);
          replica->name = laptop->name;
          replica->user = user;
          replica->password = account->kind->users[2 * i + 1];
          replica->path = g_build_filename (sim->tmpdir, laptop->name, NULL);
          replica->client = crm_test_client_new (sim->server, replica->path, user,
                                                 replica->password);
          replica->store = crm_test_open (replica->path);
          laptop->user_id = resolve (laptop->laptop.store, "user", user, NULL);
          /* with faults, one laptop of each account lives a day ahead, one a day behind */
          if (sim->faults && i > 0)
            laptop->skew = (i == 1 ? 1 : -1) * CRM_MS_PER_DAY;
        }
    }
}

static void
sim_tear_down (Sim *sim)
{
  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    {
      for (guint i = 0; i < sim->accounts[a].n_laptops; i++)
        {
          crm_test_replica_clear (&sim->accounts[a].laptops[i].laptop);
          g_free (sim->accounts[a].laptops[i].name);
          g_free (sim->accounts[a].laptops[i].user_id);
        }
      g_free (sim->accounts[a].path);
    }
  g_clear_object (&sim->http);
  g_assert_cmpint (crm_test_server_stop (sim->server), ==, 0);
  crm_test_server_free (sim->server);
  if (sim->violations == 0)
    crm_test_remove_tree (sim->tmpdir);
  else
    g_printerr ("VORONKA_SIM_SEED=%u: files kept in %s\n", sim->seed, sim->tmpdir);
  g_free (sim->tmpdir);
  g_rand_free (sim->rand);
}

/* --- reading a replica ----------------------------------------------------------------------- */

static const char *
pick (Sim       *sim,
      GPtrArray *values)
{
  return values->len > 0 ? values->pdata[g_rand_int_range (sim->rand, 0, values->len)] : NULL;
}

/* The open deals of the pipelines @kind works in, as this laptop sees them. */
static GPtrArray *
open_deals (CrmStore   *store,
            const Kind *kind)
{
  g_autoptr(GString) sql = g_string_new (
    "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage JOIN pipeline p ON p.id = d.pipeline"
    " WHERE d.deleted = 0 AND s.kind IN ('open', 'unsorted') AND p.name IN (");

  for (guint i = 0; kind->work[i] != NULL; i++)
    g_string_append_printf (sql, "%s'%s'", i > 0 ? ", " : "", kind->work[i]);
  g_string_append (sql, ") ORDER BY d.id");
  return column_of (store, sql->str, NULL);
}

/* The closed (won or lost) deals of the pipelines @kind works in, as this laptop sees
 * them: the deals it may reopen, having seen them closed. */
static GPtrArray *
closed_deals (CrmStore   *store,
              const Kind *kind)
{
  g_autoptr(GString) sql = g_string_new (
    "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage JOIN pipeline p ON p.id = d.pipeline"
    " WHERE d.deleted = 0 AND s.kind IN ('won', 'lost') AND p.name IN (");

  for (guint i = 0; kind->work[i] != NULL; i++)
    g_string_append_printf (sql, "%s'%s'", i > 0 ? ", " : "", kind->work[i]);
  g_string_append (sql, ") ORDER BY d.id");
  return column_of (store, sql->str, NULL);
}

/* --- the work ---------------------------------------------------------------------------------- */

static void
set_stage (CrmChange  *change,
           CrmStore   *store,
           const char *pipeline,
           const char *stage)
{
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
}

static void
add_task (CrmChangeset *changeset,
          CrmStore     *store,
          const char   *deal,
          const char   *text)
{
  g_autofree char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "task", id);

  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", "task");
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "due", crm_store_get_now (store) + CRM_MS_PER_DAY);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
}

/* One random change set of @laptop; one its gates refuse simply does not happen. */
static void
random_work (Sim      *sim,
             Account  *account,
             Laptop   *laptop,
             gboolean  force_new)
{
  CrmStore *store = laptop->laptop.store;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deals = open_deals (store, account->kind);
  const char *deal = pick (sim, deals);
  g_autofree char *pipeline = deal ? _crm_store_dup_column (store, "deal", deal, "pipeline") : NULL;
  guint what = g_rand_int_range (sim->rand, 0, 100);
  CrmChange *change;

  /* clocks that disagree by up to three minutes */
  crm_store_set_now (store, crm_time_now_ms () + laptop->skew +
                     g_rand_int_range (sim->rand, -180000, 180000));
  crm_changeset_set_actor (changeset, laptop->user_id);

  if (force_new || deal == NULL || what < 12)
    {
      const Place *start = &account->kind->starts[g_rand_int_range (sim->rand, 0,
                                                                    account->kind->n_starts)];
      g_autofree char *id = crm_store_new_id (store);
      g_autofree char *pipeline_id = resolve (store, "pipeline", start->pipeline, NULL);
      g_autofree char *stage_id = resolve (store, "stage", start->stage, pipeline_id);
      g_autofree char *title = g_strdup_printf ("%s %u", laptop->name,
                                                g_rand_int_range (sim->rand, 0, 10000));

      change = crm_changeset_create (changeset, "deal", id);
      crm_change_set_string (change, "title", title);
      crm_change_set_string (change, "currency", "RUB");
      crm_change_set_int (change, "amount", g_rand_int_range (sim->rand, 1, 1000) * 100000);
      crm_change_set_int (change, "created_at", crm_store_get_now (store));
      crm_change_set_string (change, "responsible", laptop->user_id);
      set_stage (change, store, pipeline_id, stage_id);
    }
  else if (what < 40)
    {
      g_autoptr(GPtrArray) stages = column_of (store,
        "SELECT id FROM stage WHERE pipeline = ?1 AND kind = 'open' AND deleted = 0", pipeline);
      const char *stage = pick (sim, stages);

      if (stage == NULL)
        return;
      change = crm_changeset_touch (changeset, "deal", deal);
      set_stage (change, store, pipeline, stage);
      /* the distributor's pipelines want the next task with a move */
      add_task (changeset, store, deal, "Следующий шаг");
    }
  else if (what < 64)
    {
      const char *kind = what < 52 ? "won" : "lost";
      g_autoptr(GPtrArray) stages = column_of (store,
        what < 52 ? "SELECT id FROM stage WHERE pipeline = ?1 AND kind = 'won' AND deleted = 0"
                  : "SELECT id FROM stage WHERE pipeline = ?1 AND kind = 'lost' AND deleted = 0",
        pipeline);
      const char *stage = pick (sim, stages);

      if (stage == NULL)
        return;
      change = crm_changeset_touch (changeset, "deal", deal);
      set_stage (change, store, pipeline, stage);
      if (g_str_equal (kind, "lost"))
        {
          g_autoptr(GPtrArray) reasons = column_of (store,
            "SELECT id FROM loss_reason WHERE (pipeline = ?1 OR pipeline IS NULL) AND deleted = 0",
            pipeline);

          if (pick (sim, reasons) != NULL)
            crm_change_set_string (change, "loss_reason", pick (sim, reasons));
        }
    }
  else if (what < 72)
    {
      g_autofree char *title = g_strdup_printf ("%s %u", laptop->name,
                                                g_rand_int_range (sim->rand, 0, 10000));
      crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "title", title);
    }
  else if (what < 82)
    {
      g_autoptr(GPtrArray) tags = column_of (store, "SELECT id FROM tag WHERE deleted = 0", NULL);

      if (pick (sim, tags) == NULL)
        return;
      crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", pick (sim, tags),
                              g_rand_boolean (sim->rand));
    }
  else if (what < 92)
    {
      g_autoptr(GPtrArray) tasks = column_of (store,
        "SELECT id FROM task WHERE deal = ?1 AND done = 0 AND deleted = 0", deal);
      const char *task = pick (sim, tasks);

      if (task == NULL)
        return;
      change = crm_changeset_touch (changeset, "task", task);
      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_int (change, "done_at", crm_store_get_now (store));
      crm_change_set_string (change, "result", "Сделано");
      add_task (changeset, store, deal, "Следующий шаг");
    }
  else if (what < 97)
    {
      /* a deal this laptop has seen closed is reopened: the work goes on (a truck came
       * back, a lost client called again) */
      g_autoptr(GPtrArray) closed = closed_deals (store, account->kind);
      const char *reopened = pick (sim, closed);
      g_autofree char *reopened_pipeline = NULL;
      g_autoptr(GPtrArray) stages = NULL;
      const char *stage;

      if (reopened == NULL)
        return;
      reopened_pipeline = _crm_store_dup_column (store, "deal", reopened, "pipeline");
      stages = column_of (store,
        "SELECT id FROM stage WHERE pipeline = ?1 AND kind = 'open' AND deleted = 0",
        reopened_pipeline);
      stage = pick (sim, stages);
      if (stage == NULL)
        return;
      change = crm_changeset_touch (changeset, "deal", reopened);
      set_stage (change, store, reopened_pipeline, stage);
      crm_change_set_null (change, "loss_reason");
      add_task (changeset, store, reopened, "Следующий шаг");
      sim->reopened++;
    }
  else
    crm_change_set_bool (crm_changeset_touch (changeset, "deal", deal), "deleted", TRUE);

  if (crm_store_apply (store, changeset, &error))
    sim->changes++;
  else
    sim->refused_locally++;
  crm_store_set_now (store, 0);
}

/* A push whose answer never came back: the outbox goes to the server as the client
 * would send it, and the client does not hear of it (its next sync sends it again). */
static void
push_answer_lost (Sim    *sim,
                  Laptop *laptop)
{
  CrmStore *store = laptop->laptop.store;
  const char *token = crm_sync_client_get_token (laptop->laptop.client);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = crm_sync_state_dup_outbox (store, 200, &error);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(GBytes) body = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  gsize length;
  const char *data;

  g_assert_no_error (error);
  if (token == NULL || ops->len == 0)
    return;
  request = crm_push_request_to_json (crm_sync_state_get_cursor (store), ops);
  body = crm_protocol_to_bytes (request);
  data = g_bytes_get_data (body, &length);
  crm_test_http_send_on (sim->http, sim->server, &answer, "POST", "/api/v1/sync/push", token,
                         data, (gssize) length);
  g_assert_cmpuint (answer.status, ==, 200);
  sim->lost_pushes++;
}

/* One sync of @laptop. A request that timed out (a server starved of CPU on a loaded
 * machine: bench/simulate runs niced) is what a lost answer is: the push may or may not
 * have been taken, and the next sync sends it again; so is it here (a few times). With
 * faults, the sync may meet a partition or a killed server: a sync cut short by one is
 * what a laptop on a bad network meets, and it syncs again once the network is back. */
static void
sync_laptop (Sim    *sim,
             Laptop *laptop)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmSyncReport) report = NULL;
      Fault fault = { 0 };
      GThread *thread = start_fault (sim, &fault);

      report = crm_sync_client_sync (laptop->laptop.client, NULL, &error);
      end_fault (sim, thread, &fault);

      if (report != NULL)
        {
          sim->rejected += report->rejected;
          sim->conflicts += report->conflicts;
          return;
        }
      if (thread != NULL && attempt < 8)
        {
          /* a connection that broke off is no certificate problem: the words say so */
          if (strstr (error->message, "--ca-file") != NULL)
            violation (sim, "sync of %s cut short by a fault blames the certificate: %s",
                       laptop->name, error->message);
          g_printerr ("VORONKA_SIM_SEED=%u: sync of %s cut short by a %s: %s\n", sim->seed,
                      laptop->name, fault.pid > 0 ? "killed server" : "partition",
                      error->message);
          sim->cut_syncs++;
          continue;
        }
      if (attempt >= 3 + (sim->faults ? 5 : 0) ||
          !g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE))
        g_error ("sync of %s: %s", laptop->name, error->message);
      g_printerr ("VORONKA_SIM_SEED=%u: sync of %s timed out, sent again: %s\n", sim->seed,
                  laptop->name, error->message);
      sim->lost_pushes++;
    }
}

/* A new device of @account's joiner (a second laptop of its manager) signs in mid-run:
 * its first sync installs the account's snapshot, through the faults like any sync (a
 * download cut short resumes where it stopped); from then on it works and syncs like
 * the others, and must end equal to the server like them. */
static Laptop *
join_device (Sim     *sim,
             Account *account)
{
  Laptop *laptop = &account->laptops[account->n_laptops];
  CrmTestReplica *replica = &laptop->laptop;

  laptop->name = g_strdup_printf ("%s-new-device.db", account->kind->label);
  replica->name = laptop->name;
  replica->user = account->kind->joiner;
  replica->password = account->kind->joiner_password;
  replica->path = g_build_filename (sim->tmpdir, laptop->name, NULL);
  replica->client = crm_test_client_new (sim->server, replica->path, replica->user,
                                         replica->password);
  sync_laptop (sim, laptop);
  replica->store = crm_test_open (replica->path);
  laptop->user_id = resolve (replica->store, "user", replica->user, NULL);
  account->n_laptops++;
  sim->joined++;
  return laptop;
}

static void
run_rounds (Sim *sim)
{
  Laptop *all[G_N_ELEMENTS (kinds) * (N_LAPTOPS + 1)];
  guint n = 0;

  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    for (guint i = 0; i < N_LAPTOPS; i++)
      all[n++] = &sim->accounts[a].laptops[i];

  /* a few deals everyone knows, to fight over */
  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    {
      Account *account = &sim->accounts[a];

      for (guint k = 0; k < N_START_DEALS; k++)
        random_work (sim, account, &account->laptops[0], TRUE);
    }
  for (guint i = 0; i < n; i++)
    sync_laptop (sim, all[i]);
  for (guint i = 0; i < n; i++)
    sync_laptop (sim, all[i]);

  for (guint round = 0; round < N_ROUNDS; round++)
    {
      guint order[G_N_ELEMENTS (all)];

      if (sim->faults && round == N_ROUNDS / 2)
        for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
          all[n++] = join_device (sim, &sim->accounts[a]);

      for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
        for (guint i = 0; i < sim->accounts[a].n_laptops; i++)
          for (guint k = 0; k < OPS_PER_ROUND; k++)
            random_work (sim, &sim->accounts[a], &sim->accounts[a].laptops[i], FALSE);

      for (guint i = 0; i < n; i++)
        order[i] = i;
      for (guint i = n; i > 1; i--)
        {
          guint j = g_rand_int_range (sim->rand, 0, i);
          guint t = order[i - 1];

          order[i - 1] = order[j];
          order[j] = t;
        }
      for (guint i = 0; i < n; i++)
        {
          Laptop *laptop = all[order[i]];
          guint dice = g_rand_int_range (sim->rand, 0, 100);

          if (dice < 20)
            continue;                          /* stays offline this round */
          if (dice < 35)
            push_answer_lost (sim, laptop);
          sync_laptop (sim, laptop);
          if (dice >= 90)
            sync_laptop (sim, laptop);         /* syncs twice */
        }
    }
  /* everyone comes back */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      sync_laptop (sim, all[i]);
}

/* --- the invariants -------------------------------------------------------------------------- */

static void
check_equal (Sim     *sim,
             Account *account)
{
  g_autoptr(CrmStore) server = crm_test_open (account->path);
  g_autofree char *expected = crm_test_dump (server);

  for (guint i = 0; i < account->n_laptops; i++)
    {
      Laptop *laptop = &account->laptops[i];
      g_autofree char *state = crm_test_dump (laptop->laptop.store);

      if (!g_str_equal (state, expected))
        {
          g_auto(GStrv) a = g_strsplit (state, "\n", -1);
          g_auto(GStrv) b = g_strsplit (expected, "\n", -1);
          guint l = 0;

          while (a[l] != NULL && b[l] != NULL && g_str_equal (a[l], b[l]))
            l++;
          violation (sim, "%s differs from the server: %s\n  server: %s", laptop->name,
                     a[l] ? a[l] : "(end)", b[l] ? b[l] : "(end)");
        }
    }
}

/* Live effects of @effect on @deal: entities its rule created in reaction to ops on the
 * deal (or to those rules' own ops), not withdrawn by the server (a deal it deleted, a
 * task it closed as cancelled). */
static gint64
live_effects (CrmStore     *server,
              const char   *rule_id,
              const Effect *effect,
              const char   *deal)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT count (DISTINCT e.entity_id) FROM changelog e JOIN changelog t ON t.op_id = e.cause"
    " WHERE t.entity_id = ?1 AND e.rule = '%s' AND e.entity = '%s'"
    " AND json_type (e.fields, '$.created_at') IS NOT NULL AND %s",
    rule_id, effect->entity,
    g_str_equal (effect->entity, "deal")
    ? "e.entity_id IN (SELECT id FROM deal WHERE deleted = 0 OR id NOT IN ("
      "SELECT entity_id FROM changelog WHERE entity = 'deal'"
      " AND device_n = (SELECT n FROM clock_word WHERE word = '__SERVER__')"
      " AND json_extract (fields, '$.deleted') = 1))"
    : "e.entity_id IN (SELECT id FROM task WHERE deleted = 0 AND coalesce (result, '')"
      " NOT LIKE 'cancelled:%' AND coalesce (result, '') NOT LIKE 'отменено:%')");
  g_autoptr(GString) with_device = g_string_new (sql);

  g_string_replace (with_device, "__SERVER__", crm_store_get_device_id (server), 0);
  return count_sql (server, with_device->str, deal);
}

/* Was @deal closed as @kind (won or lost) before it came to the stage it has, by a write
 * the server took? */
static gboolean
was_closed_as (CrmStore   *server,
               const char *deal,
               const char *kind)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT count (*) FROM changelog c JOIN stage s"
    " ON s.id = json_extract (c.fields, '$.stage')"
    " WHERE c.entity = 'deal' AND c.entity_id = ?1 AND s.kind = '%s'"
    " AND c.seq < (SELECT max (o.seq) FROM changelog o WHERE o.entity = 'deal'"
    "   AND o.entity_id = ?1 AND json_extract (o.fields, '$.stage') IS NOT NULL)", kind);

  return count_sql (server, sql, deal) > 0;
}

static void
check_effects (Sim     *sim,
               Account *account)
{
  g_autoptr(CrmStore) server = crm_test_open (account->path);
  g_autoptr(GPtrArray) doubles = NULL;

  for (guint e = 0; e < G_N_ELEMENTS (effects); e++)
    {
      const Effect *effect = &effects[e];
      g_autofree char *rule_id = NULL;
      g_autofree char *pipeline = NULL;
      g_autoptr(GPtrArray) deals = NULL;

      if (!g_str_equal (effect->account, account->kind->account))
        continue;
      {
        g_autoptr(GPtrArray) ids = column_of (server, "SELECT id FROM rule WHERE name = ?1",
                                              effect->rule);
        g_assert_cmpuint (ids->len, ==, 1);
        rule_id = g_strdup (ids->pdata[0]);
      }
      pipeline = resolve (server, "pipeline", effect->pipeline, NULL);
      deals = column_of (server, "SELECT id FROM deal WHERE pipeline = ?1 AND deleted = 0",
                         pipeline);
      for (guint d = 0; d < deals->len; d++)
        {
          const char *deal = deals->pdata[d];
          g_autoptr(JsonObject) row = crm_store_dup_entity (server, "deal", deal);
          g_autoptr(JsonObject) stage = crm_store_dup_entity (server, "stage",
                                                             json_object_get_string_member (row, "stage"));
          gboolean closed = g_strcmp0 (json_object_get_string_member (stage, "kind"),
                                       effect->kind) == 0;
          gint64 expected, found;

          if (closed && effect->reasons != NULL)
            {
              const char *reason_id = json_object_get_string_member_with_default (row, "loss_reason",
                                                                                 NULL);
              g_autoptr(JsonObject) reason = reason_id
                ? crm_store_dup_entity (server, "loss_reason", reason_id) : NULL;

              closed = reason != NULL &&
                       g_strv_contains ((const char * const *) effect->reasons,
                                        json_object_get_string_member (reason, "name"));
            }
          expected = closed ? 1 : 0;
          found = live_effects (server, rule_id, effect, deal);
          /* a deal reopened after a close of this kind keeps what that close made: one
           * follow-up deal at most (its id comes from the rule and the deal, so closing
           * again brings back the same one); a task per close that stood */
          if (was_closed_as (server, deal, effect->kind))
            {
              gboolean ok = g_str_equal (effect->entity, "deal")
                            ? found == expected || (!closed && found <= 1)
                            : found >= expected;

              if (!ok)
                violation (sim, "%s: reopened deal %s («%s», %s) has %" G_GINT64_FORMAT
                           " live effects of rule «%s»", account->kind->label, deal,
                           json_object_get_string_member (row, "title"),
                           json_object_get_string_member (stage, "name"), found, effect->rule);
              continue;
            }
          if (found != expected)
            violation (sim, "%s: deal %s («%s», %s) has %" G_GINT64_FORMAT " live effects of "
                       "rule «%s», expected %" G_GINT64_FORMAT, account->kind->label, deal,
                       json_object_get_string_member (row, "title"),
                       json_object_get_string_member (stage, "name"), found, effect->rule,
                       expected);
        }
    }

  /* no trigger has two effects of the same rule */
  doubles = column_of (server,
    "SELECT cause || ' ' || rule || ' ' || entity FROM changelog"
    " WHERE rule IS NOT NULL AND entity IN ('deal', 'task')"
    " AND json_type (fields, '$.created_at') IS NOT NULL"
    " GROUP BY cause, rule, entity HAVING count (DISTINCT entity_id) > 1", NULL);
  for (guint i = 0; i < doubles->len; i++)
    violation (sim, "%s: one trigger, two effects of one rule: %s", account->kind->label,
               (char *) doubles->pdata[i]);
}

/* Nothing typed is lost unseen: every op of this laptop's user the server refused is in
 * its conflicts list, and so is every move of theirs the deal did not keep. */
static void
check_listed (Sim     *sim,
              Account *account)
{
  g_autoptr(CrmStore) server = crm_test_open (account->path);

  for (guint i = 0; i < account->n_laptops; i++)
    {
      Laptop *laptop = &account->laptops[i];
      CrmStore *store = laptop->laptop.store;
      const char *device = crm_store_get_device_id (store);
      g_autoptr(GPtrArray) unlisted = column_of (store,
        "SELECT c.op_id FROM changelog c WHERE c.local = 1 AND c.pushed = -1 AND c.rule IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM conflict k WHERE k.entity_id = c.entity_id"
        " AND k.remote_actor LIKE 'rejected:%')", NULL);
      g_autoptr(GPtrArray) moves = NULL;

      for (guint k = 0; k < unlisted->len; k++)
        violation (sim, "%s: refused op %s is not in the conflicts list", laptop->name,
                   (char *) unlisted->pdata[k]);

      /* this laptop's last move of each deal, accepted, that the deal did not keep */
      moves = column_of (store,
        "SELECT c.entity_id || ' ' || c.pushed || ' ' || json_extract (c.fields, '$.stage')"
        " FROM changelog c JOIN deal d ON d.id = c.entity_id"
        " WHERE c.local = 1 AND c.pushed > 0 AND c.rule IS NULL AND c.entity = 'deal'"
        " AND json_extract (c.fields, '$.stage') IS NOT NULL"
        " AND json_extract (c.fields, '$.stage') != d.stage AND d.deleted = 0"
        " AND c.seq = (SELECT max (o.seq) FROM changelog o WHERE o.entity_id = c.entity_id"
        "   AND o.local = 1 AND o.rule IS NULL AND json_extract (o.fields, '$.stage') IS NOT NULL)"
        " AND NOT EXISTS (SELECT 1 FROM conflict k WHERE k.entity_id = c.entity_id"
        "   AND k.field = 'stage')", NULL);
      for (guint k = 0; k < moves->len; k++)
        {
          g_auto(GStrv) parts = g_strsplit (moves->pdata[k], " ", 3);
          /* Had the author of the later write c seen this move — or a write of the same
           * stage, which is the same change to a person: two laptops ship the deal at
           * once, both ships are accepted (the same value: nothing to refuse) and one
           * of them holds by the clock; whoever reopens it having seen their own ship
           * has seen what the other laptop did, and its move is no lost edit (its
           * author meant «shipped», and the deal was shipped; what is reopened is that
           * shipped deal). A later write of someone who had seen neither is what
           * overrides the move unseen. */
          g_autofree char *seen = g_strdup_printf (
            "(s.base >= %s OR EXISTS (SELECT 1 FROM changelog e"
            " WHERE e.entity_id = c.entity_id AND e.seq < c.seq"
            " AND json_extract (e.fields, '$.stage') = '%s'"
            " AND (e.seq <= s.base OR e.device_n = c.device_n)))",
            parts[1], parts[2]);

          /* a move later overridden by someone who had seen it is no conflict (nor is
           * the server's corrective op, which holds the value the server kept): only a
           * move overridden by writes made without seeing it, none with, must be listed */
          {
            g_autofree char *sql = g_strdup_printf (
              "SELECT count (*) FROM changelog c JOIN server_op s ON s.seq = c.seq"
              " WHERE c.entity_id = ?1 AND json_extract (c.fields, '$.stage') IS NOT NULL"
              " AND c.seq > %s AND c.device_n IS NOT (SELECT n FROM clock_word WHERE word = '%s')"
              " AND NOT %s",
              parts[1], device, seen);

            g_autofree char *informed = g_strdup_printf (
              "SELECT count (*) FROM changelog c JOIN server_op s ON s.seq = c.seq"
              " WHERE c.entity_id = ?1 AND json_extract (c.fields, '$.stage') IS NOT NULL"
              " AND c.seq > %s AND c.device_n IS NOT (SELECT n FROM clock_word WHERE word = '%s')"
              " AND %s",
              parts[1], device, seen);

            if (count_sql (server, sql, parts[0]) > 0 && count_sql (server, informed, parts[0]) == 0)
              violation (sim, "%s: its move of deal %s did not hold and is not in its conflicts "
                         "list", laptop->name, parts[0]);
          }
        }
    }
}

/* Nothing typed is lost or done twice: every change a laptop made was pushed (none left
 * waiting after everyone came back), and each one the server acknowledged is in the
 * server's changelog exactly once, at the sequence number its acknowledgement gave. */
static void
check_acknowledged (Sim     *sim,
                    Account *account)
{
  g_autoptr(CrmStore) server = crm_test_open (account->path);

  for (guint i = 0; i < account->n_laptops; i++)
    {
      Laptop *laptop = &account->laptops[i];
      CrmStore *store = laptop->laptop.store;
      gint64 waiting = count_sql (store, "SELECT count (*) FROM changelog"
                                         " WHERE local = 1 AND pushed = 0", NULL);
      g_autoptr(GPtrArray) acknowledged = column_of (store,
        "SELECT op_id || ' ' || pushed FROM changelog WHERE local = 1 AND pushed > 0", NULL);

      if (waiting > 0)
        violation (sim, "%s: %" G_GINT64_FORMAT " changes still waiting to be pushed",
                   laptop->name, waiting);
      for (guint k = 0; k < acknowledged->len; k++)
        {
          g_auto(GStrv) parts = g_strsplit (acknowledged->pdata[k], " ", 2);
          g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM changelog"
                                                  " WHERE op_id = ?1 AND seq = %s", parts[1]);
          gint64 copies = count_sql (server, "SELECT count (*) FROM changelog WHERE op_id = ?1",
                                     parts[0]);

          if (copies != 1 || count_sql (server, sql, parts[0]) != 1)
            violation (sim, "%s: acknowledged op %s (server seq %s) is on the server %"
                       G_GINT64_FORMAT " times%s", laptop->name, parts[0], parts[1], copies,
                       copies == 1 ? ", at another seq" : "");
        }
    }
}

static void
run_seed (guint32   seed,
          gboolean  faults,
          guint    *out_violations)
{
  Sim sim = { .faults = faults };
  gint64 started = g_get_monotonic_time (), set_up, worked;

  g_printerr ("VORONKA_SIM_SEED=%u\n", seed);
  sim_set_up (&sim, seed);
  set_up = g_get_monotonic_time ();
  run_rounds (&sim);
  worked = g_get_monotonic_time ();
  for (guint a = 0; a < G_N_ELEMENTS (kinds); a++)
    {
      check_equal (&sim, &sim.accounts[a]);
      check_acknowledged (&sim, &sim.accounts[a]);
      check_effects (&sim, &sim.accounts[a]);
      check_listed (&sim, &sim.accounts[a]);
    }
  g_printerr ("VORONKA_SIM_SEED=%u: %u changes (%u refused on the laptop, %u reopenings), %u "
              "pushes whose answer was lost, %u ops refused by the server, %u conflicts, "
              "%u violations\n",
              seed, sim.changes, sim.refused_locally, sim.reopened, sim.lost_pushes, sim.rejected,
              sim.conflicts, sim.violations);
  if (faults)
    g_printerr ("VORONKA_SIM_SEED=%u: faults: %u partitions, %u server kills, %u syncs cut "
                "short and made again, %u new devices joined; laptops a day ahead and a day "
                "behind\n", seed, sim.partitions, sim.kills, sim.cut_syncs, sim.joined);
  g_printerr ("VORONKA_SIM_SEED=%u: set-up %.1f s, work %.1f s, checks %.1f s\n", seed,
              (set_up - started) / 1e6, (worked - set_up) / 1e6,
              (g_get_monotonic_time () - worked) / 1e6);
  *out_violations += sim.violations;
  sim_tear_down (&sim);
}

static void
run_seeds (gboolean faults,
           guint    default_seeds)
{
  const char *one = g_getenv ("VORONKA_SIM_SEED");
  const char *seeds_text = g_getenv ("VORONKA_SIM_SEEDS");
  const char *first_text = g_getenv ("VORONKA_SIM_FIRST");
  guint seeds = seeds_text ? (guint) g_ascii_strtoull (seeds_text, NULL, 10) : default_seeds;
  guint32 first = first_text ? (guint32) g_ascii_strtoull (first_text, NULL, 10) : 1;
  guint violations = 0;

  keep_going = g_strcmp0 (g_getenv ("VORONKA_SIM_KEEP_GOING"), "1") == 0;
  if (one != NULL)
    {
      first = (guint32) g_ascii_strtoull (one, NULL, 10);
      seeds = 1;
    }
  for (guint i = 0; i < seeds; i++)
    run_seed (first + i, faults, &violations);
  g_print ("simulation%s: %u seeds, %u violations\n", faults ? " with faults" : "", seeds,
           violations);
  if (prepared != NULL)
    crm_test_remove_tree (prepared);
  g_clear_pointer (&prepared, g_free);
  g_assert_cmpuint (violations, ==, 0);
}

static void
test_simulation (void)
{
  run_seeds (FALSE, 3);
}

/* The same team through partitions (the test's own network cut and healed at random
 * moments of a sync), a server killed with SIGKILL mid-sync and started again, and
 * laptops whose clocks are a day ahead and a day behind: the same invariants hold. */
static void
test_faults (void)
{
  if (!own_network)
    crm_test_fail_missing ("a network namespace of the test's own, to cut its network "
                           "(run as root, or enable unprivileged user namespaces: "
                           "sysctl kernel.unprivileged_userns_clone=1)");
  run_seeds (TRUE, 1);
}

int
main (int    argc,
      char **argv)
{
  /* before any thread or server exists: they all live in this namespace */
  own_network = enter_own_network ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/simulation/offline-team", test_simulation);
  g_test_add_func ("/simulation/faults", test_faults);
  return g_test_run ();
}
