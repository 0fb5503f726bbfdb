/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-live.c — `voronka-bench-live`: how soon a change made on one desktop shows on
 * another through the live channel. A real voronka-server on 127.0.0.1 (TLS, a
 * template-only account), two replicas of the same user on two "devices": A moves a deal
 * and syncs; B listens on /api/v1/live (CrmLiveClient) and runs a round on each event,
 * with no periodic round at all. The figure is the time from A's change being written to
 * B's round having merged it (B's cursor at or past A's), median and worst of N moves.
 * Everything runs on one main loop (the rounds in the sync client's worker threads, as
 * in the app); every wait is bounded. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "bench-server.h"
#include "bench-util.h"
#include "crm-live-client.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-sync-client.h"

#define PASSWORD        "bench-pw"
#define MOVE_TIMEOUT_S  30

static gboolean
fail (GError     *error,
      const char *what)
{
  g_printerr ("bench-live: %s: %s\n", what, error ? error->message : "failed");
  return FALSE;
}

static GSubprocess *
start_server (const char  *server_bin,
              const char  *data,
              const char  *log,
              char       **out_url)
{
  const char *argv[] = { server_bin, "--data", data, "serve", "--listen", "127.0.0.1:0",
                         "--tick-interval", "0", NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *server = bench_server_start (argv, log, out_url, &error);

  if (server == NULL)
    fail (error, "starting voronka-server");
  return server;
}

typedef struct {
  CrmSyncClient *client;
  gboolean       in_round;
  gboolean       again;
  gboolean       failed;
} Device;

static void device_round (Device *device);

static void
round_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Device *device = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncReport) report = crm_sync_client_sync_finish (device->client, result,
                                                                 &error);

  device->in_round = FALSE;
  if (report == NULL)
    {
      g_printerr ("bench-live: a round failed: %s\n", error->message);
      device->failed = TRUE;
      return;
    }
  if (device->again)
    device_round (device);
}

/* A round now, or right after the one that runs. */
static void
device_round (Device *device)
{
  if (device->in_round)
    {
      device->again = TRUE;
      return;
    }
  device->in_round = TRUE;
  device->again = FALSE;
  crm_sync_client_sync_async (device->client, NULL, round_done, device);
}

static void
sync_needed (CrmLiveClient *live,
             Device        *device)
{
  device_round (device);
}

static gboolean
wait_for (gboolean (*done) (gpointer),
          gpointer   data,
          double     seconds)
{
  gint64 deadline = bench_now_us () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (bench_now_us () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
idle (gpointer data)
{
  return !((Device *) data)->in_round;
}

typedef struct {
  Device *device;
  gint64  cursor;
} Reached;

static gboolean
reached (gpointer data)
{
  Reached *reached = data;

  return reached->device->failed ||
         (!reached->device->in_round &&
          crm_sync_client_get_cursor (reached->device->client) >= reached->cursor);
}

static gboolean
connected (gpointer data)
{
  return crm_live_client_get_connected (data);
}

static CrmSyncClient *
new_client (const char *tmp,
            const char *name,
            const char *url,
            const char *cert,
            GError    **error)
{
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  g_autoptr(CrmSyncClient) client = crm_sync_client_new (path, url, "admin");

  if (!crm_sync_client_set_ca_file (client, cert, error))
    return NULL;
  crm_sync_client_set_password (client, PASSWORD);
  return g_steal_pointer (&client);
}

/* A moves the deal @moves times (between two stages); B follows through its live
 * channel. */
static gboolean
measure (const char *tmp,
         const char *url,
         const char *cert,
         guint       moves)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncClient) a_client = new_client (tmp, "a.db", url, cert, &error);
  g_autoptr(CrmSyncClient) b_client = a_client ? new_client (tmp, "b.db", url, cert, &error)
                                               : NULL;
  g_autoptr(CrmSyncReport) first = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmLiveClient) live = NULL;
  g_autoptr(BenchSamples) samples = bench_samples_new ();
  g_autofree char *pipeline = NULL;
  g_autofree char *stages[2] = { NULL, NULL };
  g_autofree char *deal = NULL;
  Device a = { 0 }, b = { 0 };

  if (b_client == NULL)
    return fail (error, "the sync clients");
  a.client = a_client;
  b.client = b_client;
  if ((first = crm_sync_client_sync (a_client, NULL, &error)) == NULL)
    return fail (error, "A's first sync");
  g_clear_pointer (&first, crm_sync_report_free);
  store = crm_store_open (crm_sync_client_get_replica_path (a_client), &error);
  if (store == NULL ||
      (pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, &error)) == NULL ||
      (stages[0] = crm_query_resolve (store, "stage", "Новая заявка", pipeline, &error)) == NULL ||
      (stages[1] = crm_query_resolve (store, "stage", "Квалифицирован", pipeline, &error)) == NULL)
    return fail (error, "the template's pipeline «Продажи»");
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    CrmChange *change;

    deal = crm_store_new_id (store);
    change = crm_changeset_create (changeset, "deal", deal);
    crm_change_set_string (change, "title", "Тягач для бенчмарка");
    crm_change_set_string (change, "pipeline", pipeline);
    crm_change_set_string (change, "stage", stages[0]);
    crm_change_set_string (change, "currency", "RUB");
    crm_change_set_int (change, "amount", 100000);
    crm_change_set_int (change, "created_at", crm_store_get_now (store));
    crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
    if (!crm_store_apply (store, changeset, &error))
      return fail (error, "a deal on A");
  }
  if ((first = crm_sync_client_sync (a_client, NULL, &error)) == NULL)
    return fail (error, "A's sync");
  g_clear_pointer (&first, crm_sync_report_free);
  if ((first = crm_sync_client_sync (b_client, NULL, &error)) == NULL)
    return fail (error, "B's first sync");

  live = crm_live_client_new (b_client);
  g_signal_connect (live, "sync-needed", G_CALLBACK (sync_needed), &b);
  crm_live_client_start (live);
  if (!wait_for (connected, live, MOVE_TIMEOUT_S))
    {
      g_printerr ("bench-live: B's live channel did not open: %s\n",
                  crm_live_client_get_last_error (live));
      return FALSE;
    }

  for (guint i = 0; i < moves; i++)
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      CrmChange *change = crm_changeset_touch (changeset, "deal", deal);
      gint64 start;
      Reached target = { &b, 0 };

      /* both devices idle: each move is measured on its own */
      if (!wait_for (idle, &b, MOVE_TIMEOUT_S))
        return fail (NULL, "B still syncing");
      crm_change_set_string (change, "stage", stages[(i + 1) % 2]);
      crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
      start = bench_now_us ();
      if (!crm_store_apply (store, changeset, &error))
        return fail (error, "a move on A");
      device_round (&a);
      if (!wait_for (idle, &a, MOVE_TIMEOUT_S) || a.failed)
        return fail (NULL, "A's sync");
      target.cursor = crm_sync_client_get_cursor (a_client);
      if (!wait_for (reached, &target, MOVE_TIMEOUT_S) || b.failed)
        {
          g_printerr ("bench-live: the move did not reach B within %d s\n", MOVE_TIMEOUT_S);
          return FALSE;
        }
      bench_samples_add (samples, bench_now_us () - start);
    }
  crm_live_client_stop (live);
  bench_figure ("live.latency.p50", bench_samples_ms (samples, 50), "ms",
                "< 1000 ms: a move on one desktop shows on another within a second");
  bench_figure ("live.latency.max", bench_samples_ms (samples, 100), "ms", NULL);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  gboolean quick = FALSE;
  char *server_bin = NULL;
  gint moves = 0;
  g_autofree char *tmp = NULL;
  g_autofree char *data = NULL;
  g_autofree char *log = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *url = NULL;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "A few moves", NULL },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_bin, "The voronka-server program",
      "PATH" },
    { "moves", 0, 0, G_OPTION_ARG_INT, &moves, "Moves to measure (default 50; 5 with --quick)",
      "N" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1 ||
      server_bin == NULL || moves < 0)
    {
      g_printerr ("usage: voronka-bench-live [--quick] [--moves N] --server PATH\n");
      return 2;
    }
  if (moves == 0)
    moves = quick ? 5 : 50;
  tmp = g_dir_make_tmp ("voronka-bench-live-XXXXXX", &error);
  if (tmp == NULL)
    return fail (error, "temporary folder"), 1;
  data = g_build_filename (tmp, "server", NULL);
  log = g_build_filename (tmp, "serve.log", NULL);
  cert = g_build_filename (data, "tls", "cert.pem", NULL);

  ok = bench_server_admin (server_bin, data, PASSWORD, &error, "account", "create", "live",
                           "--template", "truck-dealer", "--admin", "admin", "--password-stdin",
                           NULL);
  if (!ok)
    fail (error, "the server's account");
  ok = ok && (server = start_server (server_bin, data, log, &url)) != NULL;
  ok = ok && measure (tmp, url, cert, (guint) moves);
  if (server != NULL)
    bench_server_stop (server);
  if (!ok)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL))
        {
          gsize len = strlen (text);
          g_printerr ("bench-live: server log (end):\n%s\n", text + (len > 4000 ? len - 4000 : 0));
        }
    }
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf",
                                                  tmp, NULL);
    if (rm != NULL)
      g_subprocess_wait (rm, NULL, NULL);
  }
  return ok ? 0 : 1;
}
