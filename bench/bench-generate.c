/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-generate.c — `voronka-bench-generate`: writes the large truck-dealer account
 * (bench-account.c) into a new replica through the one write path and prints what it
 * wrote and how fast, one figure a line; with --server-data, also (or, when the replica
 * exists, only) that account as an account of a voronka-server data folder.
 * bench/generate is the wrapper people call. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-account.h"
#include "bench-server.h"
#include "bench-util.h"
#include "crm-store-private.h"
#include "crm-template.h"
#include "crm-time.h"

#define DEFAULT_NOW "2026-03-02T10:00:00Z"

static gint64
count_rows (CrmStore   *store,
            const char *sql)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  gint64 count = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return count;
}

static void
print_counts (CrmStore *store)
{
  static const struct { const char *name; const char *unit; const char *sql; } counts[] = {
    { "generate.companies", "companies", "SELECT count (*) FROM company WHERE deleted = 0" },
    { "generate.contacts", "contacts", "SELECT count (*) FROM contact WHERE deleted = 0" },
    { "generate.deals", "deals", "SELECT count (*) FROM deal WHERE deleted = 0" },
    { "generate.deal_tags", "links", "SELECT count (*) FROM deal_tag WHERE present = 1" },
    { "generate.tasks", "tasks", "SELECT count (*) FROM task WHERE deleted = 0" },
    { "generate.tasks_open", "tasks", "SELECT count (*) FROM task WHERE deleted = 0 AND done = 0" },
    { "generate.notes", "notes", "SELECT count (*) FROM note WHERE deleted = 0" },
    { "generate.changelog", "ops", "SELECT count (*) FROM changelog" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    bench_figure (counts[i].name, count_rows (store, counts[i].sql), counts[i].unit, NULL);
}

/* The replica as the account @name of the server data folder @data; the admin's
 * password is the first line of standard input. */
static gboolean
write_server_account (const char  *server_bin,
                      const char  *data,
                      const char  *replica,
                      const char  *name,
                      GError     **error)
{
  char line[1024];
  g_autofree char *password = NULL;

  if (fgets (line, sizeof line, stdin) == NULL || *g_strchomp (line) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "--server-data: give the account admin's password on standard input");
      return FALSE;
    }
  password = g_strdup (line);
  if (!bench_server_write_account (server_bin, data, replica, name, "admin", password, error))
    return FALSE;
  g_printerr ("# account «%s» (admin: admin) written to %s\n", name, data);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  double scale = 1.0;
  int seed = 8;
  int batch = 1000;
  g_autofree char *now_text = NULL;
  gboolean force = FALSE;
  gboolean quiet = FALSE;
  g_autofree char *server_data = NULL;
  g_autofree char *server_bin = NULL;
  g_autofree char *account_name = NULL;
  const GOptionEntry entries[] = {
    { "scale", 's', 0, G_OPTION_ARG_DOUBLE, &scale,
      "Size factor: 1 is the full account (100 000 contacts, 200 000 deals…)", "F" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (same seed, same replica)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Changes per change set (default 1000)", "N" },
    { "now", 0, 0, G_OPTION_ARG_STRING, &now_text,
      "The pinned clock (default " DEFAULT_NOW ")", "ISO-8601" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing file", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress lines on stderr", NULL },
    { "server-data", 0, 0, G_OPTION_ARG_FILENAME, &server_data,
      "Also write the account into this voronka-server data folder (the admin's password "
      "on standard input); an existing REPLICA is used as it is", "DIR" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_bin,
      "The voronka-server program (default: voronka-server)", "PATH" },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_name,
      "The server account's name (default: bench)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("REPLICA — write the large account");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) template = NULL;
  g_autoptr(BenchAccount) account = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *scale_text = NULL;
  BenchSizes sizes;
  guint64 changes = 0, ops = 0;
  gint64 now = 0, started;
  double seconds;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || scale <= 0 ||
      batch <= 0)
    {
      g_printerr ("%s\nUsage: %s [--scale F] [--seed N] [--batch N] [--server-data DIR]"
                  " REPLICA\n",
                  error ? error->message : "", argv[0]);
      return 2;
    }
  if (!crm_time_parse (now_text ? now_text : DEFAULT_NOW, &now))
    {
      g_printerr ("--now: “%s” is not a date and time like %s\n", now_text, DEFAULT_NOW);
      return 2;
    }
  if (server_data != NULL && !force && g_file_test (argv[1], G_FILE_TEST_EXISTS))
    {
      /* the account generated before, as it is */
      if (!write_server_account (server_bin ? server_bin : "voronka-server", server_data,
                                 argv[1], account_name ? account_name : "bench", &error))
        goto failed;
      return 0;
    }
  if (force)
    bench_remove_db (argv[1]);

  bench_sizes_init (&sizes, scale);
  store = crm_store_create (argv[1], &error);
  if (store == NULL)
    goto failed;
  crm_store_set_now (store, now);
  template = crm_template_load ("truck-dealer", &error);
  if (template == NULL || !crm_template_apply (store, template, &error))
    goto failed;
  seed_text = g_strdup_printf ("%d", seed);
  scale_text = g_strdup_printf ("%g", scale);
  if (!crm_store_set_meta (store, "bench.now", now_text ? now_text : DEFAULT_NOW, &error) ||
      !crm_store_set_meta (store, "bench.seed", seed_text, &error) ||
      !crm_store_set_meta (store, "bench.scale", scale_text, &error))
    goto failed;

  account = bench_account_new (store, (guint32) seed, &error);
  if (account == NULL)
    goto failed;
  bench_account_set_verbose (account, !quiet);
  if (!quiet)
    g_printerr ("Writing %u companies, %u contacts, %u deals, %u tasks, %u notes to %s\n",
                sizes.n_companies, sizes.n_contacts, sizes.n_deals, sizes.n_tasks,
                sizes.n_notes, argv[1]);

  started = bench_now_us ();
  if (!bench_account_populate (account, &sizes, (guint) batch, &changes, &ops, &error))
    goto failed;
  seconds = (bench_now_us () - started) / 1e6;

  /* what a replica looks like once the app has been closed: the WAL folded in */
  sqlite3_exec (_crm_store_get_db (store), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);

  print_counts (store);
  bench_figure ("generate.time", seconds, "s", NULL);
  bench_figure ("generate.write_rate", ops / MAX (seconds, 1e-6), "ops/s", NULL);
  bench_figure ("generate.changes_per_changeset", batch, "changes", NULL);
  bench_figure ("generate.replica_size", bench_file_size (argv[1]) / 1048576.0, "MB", NULL);
  g_clear_object (&store);
  if (server_data != NULL &&
      !write_server_account (server_bin ? server_bin : "voronka-server", server_data, argv[1],
                             account_name ? account_name : "bench", &error))
    goto failed;
  return 0;

failed:
  g_printerr ("bench-generate: %s\n", error ? error->message : "failed");
  return 1;
}
