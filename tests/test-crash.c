/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-crash.c — crash safety of crm_store_apply: a child process (this binary run with
 * --crash-child DB FIRST-BATCH) writes large change sets in a loop and is killed with
 * SIGKILL at a random moment; the replica must then open cleanly and hold every change
 * set whole or not at all, with exactly one changelog op per entity written.
 *
 * And of `voronkactl init` (and `init --demo`): killed at points spread over its run, it
 * leaves no replica or a whole one, and a plain init on the same path then succeeds;
 * what an older, interrupted init left is replaced, other files never are.
 *
 * VORONKA_TEST_SEED=<n> replays the kill delays; the seed is printed. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "crm-query.h"
#include "crm-store.h"
#include "crm-uuid.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define BATCH_SIZE        2000
#define N_KILLS           6
#define MAX_CHILD_BATCHES 200        /* the child stops by itself if nobody kills it */
#define BATCHES_PER_CHILD 1000       /* batch numbers of iteration i start at i × this */
#define FIRST_LINE_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define DEFAULT_SEED      20260302u
#define N_INIT_KILLS      30
#define SQLITE_APPLICATION_ID_VRNK 0x56524E4B

static guint32 test_seed = DEFAULT_SEED;
static char *self_path;

/* --- the child ---------------------------------------------------------------------- */

static int
run_child (const char *path,
           const char *first_batch_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (path, &error);
  gint64 first_batch = g_ascii_strtoll (first_batch_text, NULL, 10);

  if (store == NULL)
    {
      g_printerr ("crash child: %s\n", error->message);
      return 1;
    }
  for (gint64 batch = first_batch; batch < first_batch + MAX_CHILD_BATCHES; batch++)
    {
      g_autoptr(CrmChangeset) cs = crm_changeset_new ();

      for (guint i = 0; i < BATCH_SIZE; i++)
        {
          g_autofree char *id = crm_store_new_id (store);
          g_autofree char *name = g_strdup_printf ("Контакт %" G_GINT64_FORMAT "-%u", batch, i);
          g_autofree char *phone = g_strdup_printf ("+7 900 %07u", i);
          JsonArray *phones = json_array_new ();
          JsonNode *node = json_node_new (JSON_NODE_ARRAY);
          CrmChange *change = crm_changeset_create (cs, "contact", id);

          json_array_add_string_element (phones, phone);
          json_node_take_array (node, phones);
          crm_change_set_string (change, "name", name);
          crm_change_set_node (change, "phones", node);
          crm_change_set_int (change, "batch", batch);
        }
      if (!crm_store_apply (store, cs, &error))
        {
          g_printerr ("crash child: batch %" G_GINT64_FORMAT ": %s\n", batch, error->message);
          return 1;
        }
      g_print ("committed %" G_GINT64_FORMAT "\n", batch);
      fflush (stdout);
    }
  return 0;
}

/* --- the parent --------------------------------------------------------------------- */

typedef struct {
  int      fd;
  GString *buffer;
  GArray  *committed;   /* gint64 batch numbers the child reported */
} ChildOutput;

/* Reads what the child printed until @deadline (monotonic µs) or until it reported
 * @enough change sets; FALSE at end of file. */
static gboolean
read_child_output (ChildOutput *out,
                   gint64       deadline,
                   guint        enough)
{
  for (;;)
    {
      GPollFD pfd = { out->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      char chunk[512];
      gssize n;
      char *newline;

      if (left <= 0 || out->committed->len >= enough)
        return TRUE;
      if (g_poll (&pfd, 1, (int) MAX (left / 1000, 1)) <= 0)
        continue;
      n = read (out->fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      g_string_append_len (out->buffer, chunk, n);
      while ((newline = strchr (out->buffer->str, '\n')) != NULL)
        {
          gint64 batch;

          *newline = '\0';
          if (g_str_has_prefix (out->buffer->str, "committed "))
            {
              batch = g_ascii_strtoll (out->buffer->str + strlen ("committed "), NULL, 10);
              g_array_append_val (out->committed, batch);
            }
          g_string_erase (out->buffer, 0, newline - out->buffer->str + 1);
        }
    }
}

/* SQLite's own check of the file, on a separate connection. */

/* Counts the contacts of each batch in the state and checks the changelog: one op per
 * contact, all from this device, hlcs strictly rising with seq (the clock survived the
 * crashes). Returns the number of contacts. */
static guint
check_replica (const char *path,
               GHashTable *batch_counts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *state = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint n_contacts = 0;
  guint64 last_hlc = 0;

  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  crm_test_assert_integrity (path);

  state = crm_store_dump_state (store, &error);
  g_assert_no_error (error);
  lines = g_strsplit (state, "\n", -1);
  g_hash_table_remove_all (batch_counts);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      gint64 batch;

      /* every replica holds the built-in roles (schema 24), written by no op */
      if (*lines[i] == '\0' || g_str_has_prefix (lines[i], "role "))
        continue;
      g_assert_true (g_str_has_prefix (lines[i], "contact "));
      node = json_from_string (lines[i] + strlen ("contact "), &error);
      g_assert_no_error (error);
      batch = json_object_get_int_member (json_node_get_object (node), "batch");
      g_hash_table_insert (batch_counts, GINT_TO_POINTER ((int) batch),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (
                             batch_counts, GINT_TO_POINTER ((int) batch))) + 1));
      n_contacts++;
    }

  g_hash_table_iter_init (&iter, batch_counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (GPOINTER_TO_UINT (value) != BATCH_SIZE)
        g_test_message ("batch %d has %u contacts", GPOINTER_TO_INT (key),
                        GPOINTER_TO_UINT (value));
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, BATCH_SIZE);
    }

  g_assert_cmpint (crm_store_get_log_length (store), ==, n_contacts);
  log = crm_store_dup_log (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, n_contacts);
  for (guint i = 0; i < log->len; i++)
    {
      CrmOp *op = g_ptr_array_index (log, i);

      g_assert_cmpstr (op->entity, ==, "contact");
      g_assert_cmpstr (op->device, ==, crm_store_get_device_id (store));
      g_assert_cmpuint (op->hlc, >, last_hlc);
      last_hlc = op->hlc;
    }
  return n_contacts;
}

static void
test_crash_kill (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed);
  g_autoptr(GHashTable) batch_counts = g_hash_table_new (NULL, NULL);
  g_autofree char *dir = g_dir_make_tmp ("voronka-crash-XXXXXX", &error);
  g_autofree char *path = NULL;
  guint total_committed = 0;
  guint n_contacts = 0;

  g_assert_no_error (error);
  g_test_message ("seed %u (set VORONKA_TEST_SEED to replay), %u contacts per change set",
                  test_seed, BATCH_SIZE);
  path = g_build_filename (dir, "replica.db", NULL);
  {
    g_autoptr(CrmStore) store = crm_store_create (path, &error);

    g_assert_no_error (error);
    g_assert_nonnull (store);
  }

  for (guint iteration = 0; iteration < N_KILLS; iteration++)
    {
      g_autofree char *first_batch = g_strdup_printf ("%u", iteration * BATCHES_PER_CHILD);
      const char *argv[] = { self_path, "--crash-child", path, first_batch, NULL };
      ChildOutput out = { -1, g_string_new (NULL), g_array_new (FALSE, FALSE, sizeof (gint64)) };
      GPid pid = 0;
      gint64 started = g_get_monotonic_time ();
      gint64 first_line_us;
      gint64 delay_us;
      gint64 killed_at_us;
      int status = 0;
      gboolean alive;

      g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, NULL, &out.fd, NULL, &error);
      g_assert_no_error (error);

      /* running: wait (bounded) until it committed at least one change set */
      alive = read_child_output (&out, started + FIRST_LINE_TIMEOUT_US, 1);
      if (!alive || out.committed->len == 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          g_test_message ("the crash child committed nothing in %d s",
                          (int) (FIRST_LINE_TIMEOUT_US / G_USEC_PER_SEC));
          g_assert_cmpuint (out.committed->len, >, 0);
        }
      first_line_us = g_get_monotonic_time () - started;

      /* kill it somewhere in a later change set: a random point within about one or
       * two batches' time (the first line took opening + one batch) */
      delay_us = g_rand_int_range (rand, 0, (gint32) MIN (first_line_us * 2, 4 * G_USEC_PER_SEC));
      alive = read_child_output (&out, g_get_monotonic_time () + delay_us, G_MAXUINT);
      g_assert_true (alive);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      killed_at_us = g_get_monotonic_time () - started;
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
      /* whatever it printed before dying */
      while (read_child_output (&out, g_get_monotonic_time () + G_USEC_PER_SEC, G_MAXUINT))
        ;
      g_spawn_close_pid (pid);
      close (out.fd);

      n_contacts = check_replica (path, batch_counts);
      /* every batch the child reported is there; at most one more (killed between its
       * commit and its line) */
      for (guint i = 0; i < out.committed->len; i++)
        {
          gint64 batch = g_array_index (out.committed, gint64, i);

          g_assert_true (g_hash_table_contains (batch_counts, GINT_TO_POINTER ((int) batch)));
        }
      total_committed += out.committed->len;
      g_assert_cmpuint (g_hash_table_size (batch_counts), >=, total_committed);
      g_assert_cmpuint (g_hash_table_size (batch_counts), <=, total_committed + iteration + 1);
      g_test_message ("kill %u after %.0f ms (first commit at %.0f ms): %u change sets "
                      "reported, %u in the replica, %u contacts", iteration,
                      (double) killed_at_us / 1000.0,
                      (double) first_line_us / 1000.0, out.committed->len,
                      g_hash_table_size (batch_counts), n_contacts);

      g_string_free (out.buffer, TRUE);
      g_array_unref (out.committed);
    }

  g_assert_cmpuint (n_contacts, >=, total_committed * BATCH_SIZE);
  crm_test_remove_tree (dir);
}

/* --- init, killed ---------------------------------------------------------------- */

typedef struct {
  char   *pipelines;   /* canonical text of crm_query_pipelines */
  gint64  n_ops;       /* changelog length */
  gint64  run_us;      /* how long an uninterrupted init took */
} InitReference;

static void
describe_replica (const char    *path,
                  InitReference *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (path, &error);
  g_autoptr(JsonNode) pipelines = NULL;

  g_assert_no_error (error);
  crm_test_assert_integrity (path);
  pipelines = crm_query_pipelines (store, &error);
  g_assert_no_error (error);
  out->pipelines = json_to_string (pipelines, FALSE);
  out->n_ops = crm_store_get_log_length (store);
}

static GPid
spawn_init (const char *path,
            gboolean    demo)
{
  const char *argv[] = { g_getenv ("VORONKACTL"), "--db", path, "init",
                         demo ? "--demo" : "--template", demo ? NULL : "truck-dealer", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_assert_nonnull (argv[0]);
  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* Files in @dir other than @keep (NULL: any). */
static guint
count_files (const char *dir,
             const char *keep)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (keep == NULL || !g_str_equal (name, keep))
      {
        g_test_message ("file in the folder: %s", name);
        n++;
      }
  return n;
}

static void
test_crash_kill_init (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed);
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "replica.db", NULL);
  InitReference reference[2] = { { 0 } };   /* [0] the template, [1] with --demo */
  guint n_none = 0;
  guint n_whole = 0;

  g_test_message ("seed %u (set VORONKA_TEST_SEED to replay)", test_seed);

  /* what a whole init makes, and how long it takes */
  for (int demo = 0; demo < 2; demo++)
    {
      gint64 started = g_get_monotonic_time ();
      GPid pid = spawn_init (path, demo);
      int status = 0;

      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
      reference[demo].run_us = g_get_monotonic_time () - started;
      describe_replica (path, &reference[demo]);
      g_assert_cmpint (g_remove (path), ==, 0);
      g_assert_cmpuint (count_files (dir, NULL), ==, 0);
    }
  g_assert_cmpint (reference[1].n_ops, >, reference[0].n_ops);

  for (guint i = 0; i < N_INIT_KILLS; i++)
    {
      gboolean demo = i % 2 == 1;
      /* spread over the run: the i/2-th of 15 slices, a random point inside it, up to a
       * little past the measured end (so a few runs finish before the kill) */
      double where = ((i / 2) + g_rand_double (rand)) / (N_INIT_KILLS / 2) * 1.1;
      gint64 delay_us = (gint64) (where * reference[demo].run_us);
      g_auto(CrmTestRun) again = { 0 };
      GPid pid = spawn_init (path, demo);
      int status = 0;
      gboolean whole;

      g_usleep ((gulong) delay_us);
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);

      whole = g_file_test (path, G_FILE_TEST_EXISTS);
      if (whole)
        {
          InitReference got = { 0 };

          /* a whole replica: it opens, SQLite finds it sound, it has the template's
           * pipelines and every op of a whole init (all the demo data with --demo) */
          describe_replica (path, &got);
          g_assert_cmpstr (got.pipelines, ==, reference[demo].pipelines);
          g_assert_cmpint (got.n_ops, ==, reference[demo].n_ops);
          g_free (got.pipelines);
          n_whole++;

          /* init does not touch it */
          crm_test_run_cli (&again, "--db", path, "init", NULL);
          g_assert_cmpint (again.status, ==, 1);
          g_assert_nonnull (strstr (again.err, "already exists"));
          crm_test_remove_tree (dir);
          g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
        }
      else
        n_none++;
      g_test_message ("kill %u (%s) after %.0f ms of %.0f: %s", i, demo ? "--demo" : "template",
                      delay_us / 1000.0, reference[demo].run_us / 1000.0,
                      whole ? "a whole replica" : "no replica");

      /* a plain init on the same path works, and clears what the killed one left */
      crm_test_run_cli (&again, "--db", path, "init", NULL);
      if (again.status != 0)
        g_test_message ("init after the kill: %s", again.err);
      g_assert_cmpint (again.status, ==, 0);
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(CrmStore) store = crm_store_open (path, &error);

        g_assert_no_error (error);
        crm_test_assert_integrity (path);
      }
      g_assert_cmpuint (count_files (dir, "replica.db"), ==, 0);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_test_message ("%u kills: %u left no replica, %u a whole one", N_INIT_KILLS, n_none, n_whole);
  g_assert_cmpuint (n_none + n_whole, ==, N_INIT_KILLS);

  g_free (reference[0].pipelines);
  g_free (reference[1].pipelines);
  crm_test_remove_tree (dir);
}

/* An SQLite file at @path: @application_id, and a meta table (with a device id) or not. */
static void
make_sqlite (const char *path,
             gint32      application_id,
             gboolean    with_table,
             gboolean    with_device)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA application_id = %d", application_id);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  if (with_table)
    g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
  if (with_device)
    g_assert_cmpint (sqlite3_exec (db, "INSERT INTO meta VALUES ('device_id', 'x')",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* What older, killed inits left (an empty file, an SQLite file without a device id) is
 * replaced, and init says so; a working replica, another program's database and any
 * other file are never touched; a damaged replica is set aside only with --replace. */
static void
test_crash_init_leftovers (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *empty = g_build_filename (dir, "empty.db", NULL);
  g_autofree char *no_device = g_build_filename (dir, "no-device.db", NULL);
  g_autofree char *bare = g_build_filename (dir, "bare.db", NULL);
  g_autofree char *other_db = g_build_filename (dir, "other.db", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *damaged = g_build_filename (dir, "damaged.db", NULL);
  g_autofree char *aside = g_strconcat (damaged, ".damaged", NULL);
  const char *unfinished[] = { empty, no_device, bare };
  g_auto(CrmTestRun) run = { 0 };

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  make_sqlite (no_device, SQLITE_APPLICATION_ID_VRNK, TRUE, FALSE);
  make_sqlite (bare, SQLITE_APPLICATION_ID_VRNK, FALSE, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (unfinished); i++)
    {
      g_autoptr(JsonNode) result = crm_test_ctl_ok (unfinished[i], NULL, "init", NULL);
      const char *replaced = json_object_get_string_member (json_node_get_object (result),
                                                            "replaced");
      g_autoptr(GError) error = NULL;
      g_autoptr(CrmStore) store = NULL;

      g_assert_nonnull (replaced);
      g_assert_nonnull (strstr (replaced, "unfinished"));
      store = crm_store_open (unfinished[i], &error);
      g_assert_no_error (error);
    }
  /* without --json the note goes to stderr */
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  crm_test_run_cli (&run, "--db", empty, "init", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "Replaced the unfinished replica"));

  /* never replaced: another program's database, a text file */
  make_sqlite (other_db, 0, TRUE, TRUE);
  g_assert_true (g_file_set_contents (text, "my notes", -1, NULL));
  crm_test_ctl (&run, other_db, NULL, "init", "--replace", NULL);
  g_free (crm_test_assert_refused (&run, "invalid-input"));
  crm_test_ctl (&run, text, NULL, "init", NULL);
  {
    g_autofree char *message = crm_test_assert_refused (&run, "invalid-input");
    g_autofree char *contents = read_text (text);

    g_assert_nonnull (strstr (message, "not a Voronka replica"));
    g_assert_cmpstr (contents, ==, "my notes");
  }

  /* a damaged replica: refused, then set aside with --replace */
  json_node_unref (crm_test_ctl_ok (damaged, NULL, "init", "--template", "truck-dealer", NULL));
  {
    FILE *file = g_fopen (damaged, "r+b");
    char junk[4096];

    memset (junk, 0x5a, sizeof junk);
    g_assert_nonnull (file);
    /* pages 2 and 3 (the schema's tables) overwritten */
    g_assert_cmpint (fseek (file, 4096, SEEK_SET), ==, 0);
    g_assert_cmpuint (fwrite (junk, 1, sizeof junk, file), ==, sizeof junk);
    g_assert_cmpuint (fwrite (junk, 1, sizeof junk, file), ==, sizeof junk);
    fclose (file);
  }
  crm_test_ctl (&run, damaged, NULL, "init", NULL);
  {
    g_autofree char *message = crm_test_assert_refused (&run, "database-corrupt");

    g_assert_nonnull (strstr (message, "--replace"));
    g_assert_false (g_file_test (aside, G_FILE_TEST_EXISTS));
  }
  json_node_unref (crm_test_ctl_ok (damaged, NULL, "init", "--replace", NULL));
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmStore) store = crm_store_open (damaged, &error);

    g_assert_no_error (error);
  }
  crm_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *seed_text = g_getenv ("VORONKA_TEST_SEED");

  if (argc == 4 && g_str_equal (argv[1], "--crash-child"))
    return run_child (argv[2], argv[3]);

  if (seed_text != NULL && *seed_text != '\0')
    test_seed = (guint32) g_ascii_strtoull (seed_text, NULL, 10);
  self_path = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/kill-mid-change-set", test_crash_kill);
  g_test_add_func ("/crash/kill-init", test_crash_kill_init);
  g_test_add_func ("/crash/init-leftovers", test_crash_init_leftovers);
  return g_test_run ();
}
