/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-sync.c — `voronka-bench-sync`: sync against a real voronka-server on 127.0.0.1
 * over TLS (its self-signed certificate passed as the CA). The server's account is the
 * generated replica copied into the server's data folder (what an import or a restore
 * does; pushing 1.5 M ops would take longer than generating them), with the server's
 * admin user entity added. Then: a new device from an empty replica to the full account
 * (the snapshot made on request, then prepared), incremental pull and push of 1 000 ops,
 * and N clients of a second, template-only account each pushing 50 ops and pulling at
 * once, on threads (the clients of one token share it: sign-ins are limited per host).
 * --only ready: a new device once the snapshot the server makes in the background at its
 * start is in its folder (compacted and packed), timed alone. Every wait is bounded; the server is killed at the end. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include "bench-server.h"
#include "bench-util.h"
#include "crm-hlc.h"
#include "crm-protocol.h"
#include "crm-store-private.h"
#include "crm-sync-client.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define PASSWORD        "bench-pw"
#define START_TIMEOUT_S 300   /* a server opening the large account on a loaded machine */
#define STOP_TIMEOUT_S  30

typedef struct {
  gboolean     quick;
  const char  *server_bin;
  const char  *replica;
  char        *tmp;
  char        *data;
  char        *log;
  char        *url;
  char        *cert;
  char        *account;     /* the benched account's id */
  GSubprocess *server;
} Bench;

static gboolean
fail (GError     *error,
      const char *what)
{
  g_printerr ("bench-sync: %s: %s\n", what, error ? error->message : "failed");
  return FALSE;
}

/* ────────────────────────────────── the server ───────────────────────────────── */

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
start_server (Bench *bench)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  gint64 deadline = bench_now_us () + START_TIMEOUT_S * G_USEC_PER_SEC;
  const char *argv[] = { bench->server_bin, "--data", bench->data, "serve", "--listen",
                         "127.0.0.1:0", "--tick-interval", "0", NULL };

  g_subprocess_launcher_set_stdout_file_path (launcher, bench->log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bench->server = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (bench->server == NULL)
    return fail (error, "starting voronka-server");
  while (bench_now_us () < deadline)
    {
      g_autofree char *text = NULL;
      const char *line, *end;

      if (g_file_get_contents (bench->log, &text, NULL, NULL) &&
          (line = strstr (text, "listening on ")) != NULL &&
          (end = strchr (line, '\n')) != NULL)
        {
          line += strlen ("listening on ");
          bench->url = g_strndup (line, end - line);
          return TRUE;
        }
      if (g_subprocess_get_identifier (bench->server) == NULL)
        {
          g_printerr ("bench-sync: voronka-server exited: %s\n", text ? text : "");
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
  g_printerr ("bench-sync: voronka-server did not listen within %d s\n", START_TIMEOUT_S);
  return FALSE;
}

static void
stop_server (Bench *bench)
{
  gint64 deadline = bench_now_us () + STOP_TIMEOUT_S * G_USEC_PER_SEC;

  if (bench->server == NULL)
    return;
  g_subprocess_send_signal (bench->server, SIGTERM);
  while (g_subprocess_get_identifier (bench->server) != NULL && bench_now_us () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  if (g_subprocess_get_identifier (bench->server) != NULL)
    g_subprocess_force_exit (bench->server);
  g_subprocess_wait (bench->server, NULL, NULL);
  g_clear_object (&bench->server);
}

/* The one .db file in DATA/accounts other than those in @known. */

/* ─────────────────────────────── bounded sync rounds ─────────────────────────── */

typedef struct {
  CrmSyncClient *client;
  GCancellable  *cancellable;
  CrmSyncReport *report;
  GError        *error;
  gint64         micros;
  gint64         cpu_us;        /* the client's: the round's thread (the sync is synchronous) */
  gint          *done;
} Round;

static gpointer
round_thread (gpointer data)
{
  Round *round = data;
  gint64 start = bench_now_us ();
  gint64 cpu_start = bench_thread_cpu_us ();

  round->report = crm_sync_client_sync (round->client, round->cancellable, &round->error);
  round->micros = bench_now_us () - start;
  round->cpu_us = bench_thread_cpu_us () - cpu_start;
  g_atomic_int_inc (round->done);
  return NULL;
}

/* One sync round on each of @n clients at once, each in a thread; cancelled after
 * @seconds. Returns the wall time in µs; @rounds keep each report or error. */
static gint64
run_rounds (CrmSyncClient **clients,
            guint           n,
            double          seconds,
            Round          *rounds)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  gint done = 0;
  gint64 start = bench_now_us ();
  gint64 deadline = start + (gint64) (seconds * G_USEC_PER_SEC);

  for (guint i = 0; i < n; i++)
    {
      rounds[i] = (Round) { .client = clients[i], .cancellable = cancellable, .done = &done };
      g_ptr_array_add (threads, g_thread_new ("bench-sync", round_thread, &rounds[i]));
    }
  /* the clients report their state to this thread's main context */
  while ((guint) g_atomic_int_get (&done) < n)
    {
      if (bench_now_us () > deadline && !g_cancellable_is_cancelled (cancellable))
        {
          g_printerr ("bench-sync: rounds still running after %.0f s: cancelled\n", seconds);
          g_cancellable_cancel (cancellable);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return bench_now_us () - start;
}

static void
round_clear (Round *round)
{
  g_clear_pointer (&round->report, crm_sync_report_free);
  g_clear_error (&round->error);
}

/* One round on one client; NULL (with the error printed) when it failed. @out_cpu_us,
 * if not NULL, gets the client's CPU time for it. */
static CrmSyncReport *
sync_one_cpu (CrmSyncClient *client,
              double         seconds,
              gint64        *out_micros,
              gint64        *out_cpu_us,
              const char    *what)
{
  Round round;

  run_rounds (&client, 1, seconds, &round);
  if (round.error != NULL)
    {
      fail (round.error, what);
      round_clear (&round);
      return NULL;
    }
  *out_micros = round.micros;
  if (out_cpu_us != NULL)
    *out_cpu_us = round.cpu_us;
  return round.report;
}

static CrmSyncReport *
sync_one (CrmSyncClient *client,
          double         seconds,
          gint64        *out_micros,
          const char    *what)
{
  return sync_one_cpu (client, seconds, out_micros, NULL, what);
}

static CrmSyncClient *
new_client (Bench      *bench,
            const char *name,
            const char *user,
            const char *token)
{
  g_autofree char *path = g_build_filename (bench->tmp, name, NULL);
  g_autoptr(GError) error = NULL;
  CrmSyncClient *client = crm_sync_client_new (path, bench->url, user);

  if (!crm_sync_client_set_ca_file (client, bench->cert, &error))
    g_error ("bench-sync: %s: %s", bench->cert, error->message);
  if (token != NULL)
    crm_sync_client_set_token (client, token);
  else
    crm_sync_client_set_password (client, PASSWORD);
  return client;
}

/* @n new contacts on the replica of @client: one op each. */
static gboolean
write_ops (CrmSyncClient *client,
           guint          n,
           guint          tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (crm_sync_client_get_replica_path (client), &error);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  if (store == NULL)
    return fail (error, crm_sync_client_get_replica_path (client));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = crm_store_new_id (store);
      g_autofree char *name = g_strdup_printf ("Нагрузка %u-%u", tag, i);
      CrmChange *change = crm_changeset_create (changeset, "contact", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_int (change, "created_at", crm_store_get_now (store));
    }
  if (!crm_store_apply (store, changeset, &error))
    return fail (error, "writing ops");
  return TRUE;
}

/* ───────────────────────────────── the figures ───────────────────────────────── */

/* What the app does when the user pauses: the WAL folded back, outside the timing. */
static gboolean
checkpoint_between (CrmStore *store)
{
  g_autoptr(GError) error = NULL;

  if (!crm_store_checkpoint (store, &error))
    return fail (error, "checkpointing between rounds");
  return TRUE;
}

/* A new device's history past the horizon compacted whole, as its first sync rounds do a
 * few batches at a time (crm-sync-round.c: up to 20 000 ops a round, until the history
 * its snapshot brought is done): work done once after joining, which would otherwise fill
 * the timed rounds of the incremental pull and push (≈ 0.9 s of the client's CPU a round
 * at scale 0.05). Its CPU time is added to *@cpu_us. */
static gboolean
compact_installed (CrmStore *store,
                   gint64   *cpu_us)
{
  gint64 started = bench_thread_cpu_us ();
  gboolean more = TRUE;

  while (more)
    {
      g_autoptr(GError) error = NULL;

      if (!crm_store_compact_history (store, 2000, NULL, &more, &error))
        return fail (error, "compacting a new device's history");
    }
  *cpu_us += bench_thread_cpu_us () - started;
  return TRUE;
}

/* The server process's CPU time so far, in µs. */
static gint64
server_cpu_us (Bench *bench)
{
  const char *pid = g_subprocess_get_identifier (bench->server);

  return pid != NULL ? bench_process_cpu_us (pid) : 0;
}

static gboolean
bench_devices (Bench *bench)
{
  g_autoptr(CrmSyncClient) first = new_client (bench, "device-1.db", "admin@bench", NULL);
  g_autoptr(CrmSyncClient) second = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(BenchSamples) pulls = bench_samples_new ();
  g_autoptr(BenchSamples) pushes = bench_samples_new ();
  g_autoptr(BenchSamples) pull_client_cpu = bench_samples_new ();
  g_autoptr(BenchSamples) pull_server_cpu = bench_samples_new ();
  g_autoptr(BenchSamples) push_client_cpu = bench_samples_new ();
  g_autoptr(BenchSamples) push_server_cpu = bench_samples_new ();
  g_autoptr(CrmStore) first_open = NULL;
  g_autoptr(CrmStore) second_open = NULL;
  double limit = bench->quick ? 120 : 1800;
  guint rounds = bench->quick ? 2 : 5;
  guint ops = bench->quick ? 100 : 1000;
  gint64 micros = 0, cpu = 0, server_cpu = 0;

  /* the first device: the server makes the snapshot on request */
  report = sync_one (first, limit, &micros, "new device (snapshot made on request)");
  if (report == NULL)
    return FALSE;
  g_printerr ("# new device, snapshot made on request: %.1f s, snapshot %d, cursor %"
              G_GINT64_FORMAT ", %.0f MB\n", micros / 1e6, report->snapshot, report->cursor,
              bench_file_size (crm_sync_client_get_replica_path (first)) / 1048576.0);
  bench_figure ("sync.initial_cold", micros / 1e6, "s",
                "≤ 15 s; the server makes the snapshot on request");
  /* the second: the snapshot is ready (cached by the first request) */
  second = new_client (bench, "device-2.db", "admin@bench", report->token);
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_one (second, limit, &micros, "new device (snapshot prepared)");
  if (report == NULL)
    return FALSE;
  bench_figure ("sync.initial", micros / 1e6, "s", "≤ 15 s");
  g_clear_pointer (&report, crm_sync_report_free);

  /* both devices' replicas stay open, as in the app, whose connection checkpoints the
   * WAL when the user pauses (here: between the timed rounds) */
  {
    g_autoptr(GError) error = NULL;

    first_open = crm_store_open (crm_sync_client_get_replica_path (first), &error);
    if (first_open == NULL)
      return fail (error, "opening the first device's replica");
    second_open = crm_store_open (crm_sync_client_get_replica_path (second), &error);
    if (second_open == NULL)
      return fail (error, "opening the second device's replica");
  }
  {
    gint64 compact_cpu = 0;

    if (!compact_installed (first_open, &compact_cpu) ||
        !compact_installed (second_open, &compact_cpu))
      return FALSE;
    bench_figure ("sync.compact_installed_cpu", compact_cpu / 2e6, "s",
                  "a new device's history compacted once, a device's; not in the rounds below");
  }
  for (guint r = 0; r < rounds; r++)
    {
      if (!write_ops (second, ops, r) || !checkpoint_between (second_open))
        return FALSE;
      server_cpu = server_cpu_us (bench);
      report = sync_one_cpu (second, 120, &micros, &cpu, "push");
      if (report == NULL)
        return FALSE;
      bench_samples_add (push_client_cpu, cpu);
      bench_samples_add (push_server_cpu, server_cpu_us (bench) - server_cpu);
      if (report->pushed != ops || report->rejected != 0)
        g_printerr ("bench-sync: push sent %u ops, %u rejected\n", report->pushed,
                    report->rejected);
      bench_samples_add (pushes, micros);
      g_clear_pointer (&report, crm_sync_report_free);
      if (!checkpoint_between (second_open))
        return FALSE;

      server_cpu = server_cpu_us (bench);
      report = sync_one_cpu (first, 120, &micros, &cpu, "pull");
      if (report == NULL)
        return FALSE;
      bench_samples_add (pull_client_cpu, cpu);
      bench_samples_add (pull_server_cpu, server_cpu_us (bench) - server_cpu);
      if (report->pulled < ops)
        g_printerr ("bench-sync: pull merged %u ops\n", report->pulled);
      bench_samples_add (pulls, micros);
      g_clear_pointer (&report, crm_sync_report_free);
      if (!checkpoint_between (first_open))
        return FALSE;
    }
  bench_figure ("sync.pull_1000", bench_samples_ms (pulls, 50),
                "ms", bench->quick ? "≤ 150 ms; quick: 100 ops, p50" : "≤ 150 ms, p50");
  bench_figure ("sync.push_1000", bench_samples_ms (pushes, 50), "ms",
                bench->quick ? "≤ 300 ms; quick: 100 ops, p50" : "≤ 300 ms, p50");
  /* the same rounds in CPU time, the client's (its thread) and the server's (its process):
   * what the machine's load does not move */
  bench_figure ("sync.pull_1000_client_cpu", bench_samples_ms (pull_client_cpu, 50), "ms",
                "p50; the client's merge and parse");
  bench_figure ("sync.pull_1000_server_cpu", bench_samples_ms (pull_server_cpu, 50), "ms", "p50");
  bench_figure ("sync.push_1000_client_cpu", bench_samples_ms (push_client_cpu, 50), "ms", "p50");
  bench_figure ("sync.push_1000_server_cpu", bench_samples_ms (push_server_cpu, 50), "ms",
                "p50; the server's merge");
  return TRUE;
}

/* The whole account's snapshot the server made in the background (at its start, compacted
 * and packed: crm-server-snapshot.c) once it is in its folder, NULL when none came within
 * @seconds. */
static char *
wait_ready_snapshot (Bench  *bench,
                     double  seconds)
{
  g_autofree char *folder = g_build_filename (bench->data, "snapshots", NULL);
  g_autofree char *prefix = g_strconcat (bench->account, "-", NULL);
  gint64 deadline = bench_now_us () + (gint64) (seconds * G_USEC_PER_SEC);

  while (bench_now_us () < deadline)
    {
      g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
      const char *entry;

      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        if (g_str_has_prefix (entry, prefix) && g_ascii_isdigit (entry[strlen (prefix)]) &&
            g_str_has_suffix (entry, ".db.zst"))
          return g_build_filename (folder, entry, NULL);
      g_usleep (100 * 1000);
    }
  return NULL;
}

/* Notes the id of the benched account (the only one in the data folder yet: its file's
 * name, which its snapshots are named by) and, with @days ≥ 0, sets its horizon to @days:
 * the generator stamps every op an hour ago, so 0 makes the server compact all of them
 * in the snapshot it makes in the background, as on an account in use for months. */
static gboolean
note_account (Bench   *bench,
              gint     days,
              GError **error)
{
  g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *file = bench_server_new_account_file (bench->data, known);
  g_autofree char *text = g_strdup_printf ("%d", days);
  g_autoptr(CrmStore) store = NULL;

  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no account file in %s",
                   bench->data);
      return FALSE;
    }
  bench->account = g_path_get_basename (file);
  *strrchr (bench->account, '.') = '\0';
  if (days < 0)
    return TRUE;
  store = crm_store_open (file, error);
  return store != NULL && crm_store_set_meta (store, "history.keep_days", text, error) &&
         crm_store_checkpoint (store, error);
}

/* A new device once the server's background snapshot is ready (issue 21: «new device on
 * the large account ≤ 2 s with the snapshot ready»): the download, its decompression and
 * the install, wall and CPU (the client's round thread, the server's process). */
static gboolean
bench_ready (Bench *bench)
{
  g_autoptr(CrmSyncClient) device = new_client (bench, "device-ready.db", "admin@bench", NULL);
  g_autoptr(CrmSyncReport) report = NULL;
  g_autofree char *snapshot = NULL;
  gint64 start = bench_now_us ();
  gint64 server_cpu = server_cpu_us (bench);
  gint64 micros = 0, cpu = 0;

  snapshot = wait_ready_snapshot (bench, bench->quick ? 600 : 1800);
  if (snapshot == NULL)
    {
      g_printerr ("bench-sync: the server made no snapshot in the background\n");
      return FALSE;
    }
  g_printerr ("# background snapshot ready after %.1f s (server CPU %.1f s): %s, %.0f MB\n",
              (bench_now_us () - start) / 1e6, (server_cpu_us (bench) - server_cpu) / 1e6,
              snapshot, bench_file_size (snapshot) / 1048576.0);
  /* what the server still does after its file appeared (nothing, when it is idle) */
  g_usleep (2 * G_USEC_PER_SEC);
  server_cpu = server_cpu_us (bench);
  report = sync_one_cpu (device, bench->quick ? 120 : 600, &micros, &cpu,
                         "new device (snapshot ready)");
  if (report == NULL)
    return FALSE;
  server_cpu = server_cpu_us (bench) - server_cpu;
  g_printerr ("# new device, snapshot ready: %.2f s, snapshot %d, %u ops pulled after it, "
              "replica %.0f MB\n", micros / 1e6, report->snapshot, report->pulled,
              bench_file_size (crm_sync_client_get_replica_path (device)) / 1048576.0);
  if (!report->snapshot)
    {
      g_printerr ("bench-sync: the new device took no snapshot\n");
      return FALSE;
    }
  bench_figure ("sync.initial_ready", micros / 1e6, "s", "≤ 2 s on the large account");
  bench_figure ("sync.initial_ready_client_cpu", cpu / 1e6, "s",
                "download, decompression, install: the round's thread");
  bench_figure ("sync.initial_ready_server_cpu", server_cpu / 1e6, "s", "sending the file");
  return TRUE;
}

/* ───────────────────── protocol-level clients: the server alone ─────────────────── */

/* One client of the protocol without a replica: the requests a device makes in a sync
 * round (push its ops, pull pages until the head), made with the protocol's own encoders
 * and decoders (crm-protocol.c) over its own TLS connection, each pulled page parsed and
 * its ops validated — but not merged, so the two cores are left to the server. */
typedef struct {
  Bench        *bench;
  GTlsDatabase *database;
  const char   *token;
  char         *device;
  GPtrArray    *ops;          /* CrmOp*: what it pushes */
  gint64        cursor;       /* the head when the run starts */
  guint         pushed;
  guint         rejected;
  guint64       pulled;
  guint         pages;
  gint64        pushed_at;    /* when its push was answered */
  gint64        micros;
  GError       *error;
  GMutex       *mutex;        /* the start line */
  GCond        *cond;
  gboolean     *go;
  guint        *connecting;   /* connections being made (TCP and TLS), under mutex */
  guint         max_connecting;
  gboolean      slot;         /* this client is one of them */
} Wire;

/* At most this many of the clients make their connection at once. glib-networking runs
 * every TLS handshake, blocking ones too, in GTask's pool of this process (10 threads,
 * growing slowly), each until the server answers; 200 at once queue there, and a client
 * whose ClientHello waits in that queue is, for the server, a connection that says
 * nothing, closed after 10 s (2026-12-07: 5 of 200 on a loaded machine). Real devices
 * are processes of their own. VORONKA_BENCH_CONNECTING=N changes it (0: no bound). */
#define WIRE_CONNECTING 8

/* SoupMessage::network-event: a slot from before the TCP connection until TLS is up */
static void
wire_network_event (SoupMessage        *msg,
                    GSocketClientEvent  event,
                    GIOStream          *connection,
                    Wire               *wire)
{
  if (event == G_SOCKET_CLIENT_RESOLVING && !wire->slot && wire->max_connecting > 0)
    {
      g_mutex_lock (wire->mutex);
      while (*wire->connecting >= wire->max_connecting)
        g_cond_wait (wire->cond, wire->mutex);
      (*wire->connecting)++;
      wire->slot = TRUE;
      g_mutex_unlock (wire->mutex);
    }
  else if ((event == G_SOCKET_CLIENT_TLS_HANDSHAKED || event == G_SOCKET_CLIENT_COMPLETE) &&
           wire->slot)
    {
      g_mutex_lock (wire->mutex);
      (*wire->connecting)--;
      wire->slot = FALSE;
      g_cond_broadcast (wire->cond);
      g_mutex_unlock (wire->mutex);
    }
}

static GBytes *
wire_request (SoupSession  *session,
              Wire         *wire,
              Bench        *bench,
              const char   *method,
              const char   *path,
              const char   *token,
              GBytes       *body,
              GError      **error)
{
  g_autofree char *url = g_strconcat (bench->url, path, NULL);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  guint status;

  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  if (wire != NULL)
    g_signal_connect (msg, "network-event", G_CALLBACK (wire_network_event), wire);
  answer = soup_session_send_and_read (session, msg, NULL, error);
  if (wire != NULL)
    wire_network_event (msg, G_SOCKET_CLIENT_COMPLETE, NULL, wire);   /* (a failed one) */
  if (answer == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      crm_protocol_set_http_error (error, status, soup_message_get_reason_phrase (msg), answer);
      return NULL;
    }
  return g_steal_pointer (&answer);
}

static SoupSession *
wire_session (GTlsDatabase *database)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 120, NULL);

  soup_session_set_tls_database (session, database);
  return session;
}

static char *
wire_sign_in (Bench         *bench,
              GTlsDatabase  *database,
              const char    *user,
              GError       **error)
{
  g_autoptr(SoupSession) session = wire_session (database);
  CrmSessionRequest request = { .user = (char *) user, .password = PASSWORD,
                                .device_name = "bench" };
  g_autoptr(JsonNode) node = crm_session_request_to_json (&request);
  g_autoptr(GBytes) body = crm_protocol_to_bytes (node);
  g_autoptr(GBytes) answer = wire_request (session, NULL, bench, "POST",
                                           CRM_PROTOCOL_PATH_SESSION, NULL, body, error);
  g_auto(CrmSession) signed_in = { 0 };

  if (answer == NULL || !crm_session_parse (answer, &signed_in, error))
    return NULL;
  return g_steal_pointer (&signed_in.token);
}

/* Pulls pages from *@cursor until the head; the number of ops. */
static gboolean
wire_pull (SoupSession   *session,
           Wire          *wire,
           GError       **error)
{
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("%s?since=%" G_GINT64_FORMAT "&limit=%d",
                                               CRM_PROTOCOL_PATH_PULL, wire->cursor,
                                               CRM_PROTOCOL_DEFAULT_PULL);
      g_autoptr(GBytes) answer = wire_request (session, wire, wire->bench, "GET", path,
                                               wire->token, NULL, error);
      g_autoptr(CrmPullPage) page = answer ? crm_pull_page_parse (answer, error) : NULL;

      if (page == NULL)
        return FALSE;
      wire->pulled += page->ops->len;
      wire->pages++;
      wire->cursor = page->next;
      if (!page->more)
        return TRUE;
    }
}

static gpointer
wire_thread (gpointer data)
{
  Wire *wire = data;
  g_autoptr(SoupSession) session = wire_session (wire->database);
  g_autoptr(JsonNode) node = crm_push_request_to_json (wire->cursor, wire->ops);
  g_autoptr(GBytes) body = crm_protocol_to_bytes (node);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GPtrArray) results = NULL;
  gint64 head = 0, start;
  guint64 hlc = 0;

  g_mutex_lock (wire->mutex);
  while (!*wire->go)
    g_cond_wait (wire->cond, wire->mutex);
  g_mutex_unlock (wire->mutex);

  start = bench_now_us ();
  answer = wire_request (session, wire, wire->bench, "POST", CRM_PROTOCOL_PATH_PUSH,
                         wire->token, body, &wire->error);
  wire->pushed_at = bench_now_us ();
  if (answer != NULL && crm_push_response_parse (answer, &results, &head, &hlc, &wire->error))
    {
      for (guint i = 0; i < results->len; i++)
        {
          CrmPushResult *result = results->pdata[i];

          if (result->accepted)
            wire->pushed++;
          else
            wire->rejected++;
        }
      wire_pull (session, wire, &wire->error);
    }
  wire->micros = bench_now_us () - start;
  return NULL;
}

/* N protocol-level clients of the template-only account "fleet" push 50 ops each and
 * pull until the head, all at once, one thread and one connection each; sign-ins (not
 * timed) are shared by 5 clients, as the server allows 60 at once per host. */
static gboolean
bench_clients (Bench *bench)
{
  const char *override = g_getenv ("VORONKA_BENCH_CLIENTS");  /* for finding limits */
  const char *connecting_override = g_getenv ("VORONKA_BENCH_CONNECTING");
  guint n = override != NULL ? (guint) MAX (1, g_ascii_strtoll (override, NULL, 10))
                             : bench->quick ? 8 : 200;
  guint max_connecting = connecting_override != NULL
                         ? (guint) MAX (0, g_ascii_strtoll (connecting_override, NULL, 10))
                         : WIRE_CONNECTING;
  guint n_tokens = (n + 4) / 5;
  guint ops = 50;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (bench->cert, &error);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autofree Wire *wires = g_new0 (Wire, n);
  g_autoptr(BenchSamples) times = bench_samples_new ();
  g_autofree char *target = NULL;
  GMutex mutex;
  GCond cond;
  gboolean go = FALSE;
  guint connecting = 0;
  guint errors = 0;
  guint64 pushed = 0, pulled = 0, pages = 0;
  gint64 head = 0, start, wall, push_end = 0;
  CrmHlc clock;

  if (database == NULL)
    return fail (error, bench->cert);
  for (guint i = 0; i < n_tokens; i++)
    {
      char *token = wire_sign_in (bench, database, "fleet-admin@fleet", &error);

      if (token == NULL)
        return fail (error, "signing in");
      g_ptr_array_add (tokens, token);
    }
  /* where the clients start: the head (they are up to date) */
  {
    g_autoptr(SoupSession) session = wire_session (database);
    g_autoptr(GBytes) answer = wire_request (session, NULL, bench, "GET",
                                             CRM_PROTOCOL_PATH_PULL "?since=0&limit=1",
                                             tokens->pdata[0], NULL, &error);
    g_autoptr(CrmPullPage) page = answer ? crm_pull_page_parse (answer, &error) : NULL;

    if (page == NULL)
      return fail (error, "reading the head");
    head = page->head;
  }

  g_mutex_init (&mutex);
  g_cond_init (&cond);
  crm_hlc_init (&clock, 0);
  for (guint i = 0; i < n; i++)
    {
      Wire *wire = &wires[i];

      wire->bench = bench;
      wire->database = database;
      wire->token = tokens->pdata[i % n_tokens];
      wire->device = crm_uuid_v7_new (crm_time_now_ms ());
      wire->cursor = head;
      wire->mutex = &mutex;
      wire->cond = &cond;
      wire->go = &go;
      wire->connecting = &connecting;
      wire->max_connecting = max_connecting;
      wire->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
      for (guint j = 0; j < ops; j++)
        {
          gint64 now = crm_time_now_ms ();
          CrmOp *op = crm_op_new ();
          g_autofree char *name = g_strdup_printf ("Нагрузка %u-%u", i, j);

          op->op_id = crm_uuid_v7_new (now);
          op->hlc = crm_hlc_now (&clock, now);
          op->device = g_strdup (wire->device);
          op->entity = g_strdup ("contact");
          op->entity_id = crm_uuid_v7_new (now);
          json_object_set_string_member (op->fields, "name", name);
          json_object_set_int_member (op->fields, "created_at", now);
          g_ptr_array_add (wire->ops, op);
        }
      g_ptr_array_add (threads, g_thread_new ("bench-wire", wire_thread, wire));
    }

  /* all at once */
  start = bench_now_us ();
  g_mutex_lock (&mutex);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&mutex);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  wall = bench_now_us () - start;

  for (guint i = 0; i < n; i++)
    {
      Wire *wire = &wires[i];

      if (wire->error != NULL || wire->rejected > 0 || wire->pushed != ops)
        {
          errors++;
          g_printerr ("bench-sync: client %u: %s\n", i,
                      wire->error ? wire->error->message : "ops rejected");
        }
      pushed += wire->pushed;
      pulled += wire->pulled;
      push_end = MAX (push_end, wire->pushed_at);
      pages += wire->pages;
      bench_samples_add (times, wire->micros);
      g_clear_error (&wire->error);
      g_free (wire->device);
      g_ptr_array_unref (wire->ops);
    }
  g_mutex_clear (&mutex);
  g_cond_clear (&cond);
  g_printerr ("# %u protocol clients: %.2f s, %" G_GUINT64_FORMAT " ops pushed (all answered "
              "after %.2f s), %" G_GUINT64_FORMAT " pulled in %" G_GUINT64_FORMAT " pages; a "
              "client's round p50 %.0f ms, max %.0f ms\n", n, wall / 1e6, pushed,
              (push_end - start) / 1e6, pulled, pages, bench_samples_ms (times, 50),
              bench_samples_ms (times, 100));
  target = g_strdup_printf ("0 errors; %u protocol-level clients × %u ops, push then pull to "
                            "the head, no merging", n, ops);
  bench_figure ("server.clients_200", errors, "errors", target);
  /* pushes compete with the pulls of clients that pushed earlier: the push rate is over
   * the time until the last push was answered, the pull rate over the whole run */
  bench_figure ("server.clients_200.push_rate", pushed / ((push_end - start) / 1e6), "ops/s",
                NULL);
  bench_figure ("server.clients_200.pull_rate", pulled / (wall / 1e6), "ops/s", NULL);
  bench_figure ("server.clients_200.wall", wall / 1e3, "ms", NULL);
  return errors == 0;
}

/* N real clients (CrmSyncClient, each with its own replica of the template-only account)
 * push 50 ops and pull at once: every client also merges what the others pushed, on the
 * same two cores as the server, so this measures the clients as much as the server. */
static gboolean
bench_replicas (Bench *bench)
{
  const char *override = g_getenv ("VORONKA_BENCH_REPLICAS");  /* for finding limits */
  guint n = override != NULL ? (guint) MAX (1, g_ascii_strtoll (override, NULL, 10))
                             : bench->quick ? 4 : 20;
  guint leaders = MIN (n, 4);   /* sign-ins are limited per host: 5 clients per token */
  guint ops = 50;
  g_autofree CrmSyncClient **clients = g_new0 (CrmSyncClient *, n);
  g_autofree Round *rounds = g_new0 (Round, n);
  guint errors = 0, setup_errors = 0;
  guint64 pushed = 0, pulled = 0;
  g_autofree char *target = NULL;
  gint64 wall;

  /* setup (not timed): every client gets the account; one sign-in per leader */
  for (guint i = 0; i < leaders; i++)
    {
      g_autofree char *name = g_strdup_printf ("fleet-%u.db", i);
      clients[i] = new_client (bench, name, "replica-admin@replicas", NULL);
    }
  run_rounds (clients, leaders, 300, rounds);
  for (guint i = 0; i < leaders; i++)
    if (rounds[i].error != NULL)
      {
        fail (rounds[i].error, "setting up a client");
        return FALSE;
      }
  for (guint i = leaders; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("fleet-%u.db", i);
      clients[i] = new_client (bench, name, "replica-admin@replicas",
                               rounds[i % leaders].report->token);
    }
  for (guint i = 0; i < leaders; i++)
    round_clear (&rounds[i]);
  if (n > leaders)
    {
      run_rounds (clients + leaders, n - leaders, 300, rounds);
      for (guint i = 0; i < n - leaders; i++)
        if (rounds[i].error != NULL)
          {
            setup_errors++;
            fail (rounds[i].error, "setting up a client");
          }
      for (guint i = 0; i < n - leaders; i++)
        round_clear (&rounds[i]);
    }
  if (setup_errors > 0)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!write_ops (clients[i], ops, i))
      return FALSE;

  /* all at once: push 50, pull what the others pushed so far */
  wall = run_rounds (clients, n, 120, rounds);
  for (guint i = 0; i < n; i++)
    {
      if (rounds[i].error != NULL)
        {
          errors++;
          g_printerr ("bench-sync: client %u: %s\n", i, rounds[i].error->message);
        }
      else
        {
          pushed += rounds[i].report->pushed;
          pulled += rounds[i].report->pulled;
          if (rounds[i].report->rejected > 0)
            {
              errors++;
              g_printerr ("bench-sync: client %u: %u ops rejected\n", i,
                          rounds[i].report->rejected);
            }
        }
      round_clear (&rounds[i]);
      g_object_unref (clients[i]);
    }
  g_printerr ("# %u replicas: %.2f s, %" G_GUINT64_FORMAT " ops pushed, %" G_GUINT64_FORMAT
              " pulled and merged\n", n, wall / 1e6, pushed, pulled);
  target = g_strdup_printf ("0 errors; %u real clients × %u ops, each merging what the others "
                            "pushed", n, ops);
  bench_figure ("server.replicas_20", errors, "errors", target);
  bench_figure ("server.replicas_20.push_rate", pushed / (wall / 1e6), "ops/s", NULL);
  bench_figure ("server.replicas_20.wall", wall / 1e3, "ms", NULL);
  return errors == 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("REPLICA");
  g_autoptr(GError) error = NULL;
  gboolean quick = FALSE;
  gint keep_days = -1;
  char *server_bin = NULL;
  char *only = NULL;
  Bench bench = { 0 };
  gboolean ok;
  const GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Few rounds, few clients", NULL },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_bin, "The voronka-server program",
      "PATH" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "One group alone: devices, clients or replicas; or ready (a new device once the "
      "server's background snapshot is made)",
      "GROUP" },
    { "keep-days", 0, 0, G_OPTION_ARG_INT, &keep_days,
      "The account's history horizon (history.keep_days): 0 compacts every op in the "
      "server's background snapshot", "DAYS" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      server_bin == NULL ||
      (only != NULL && !g_str_equal (only, "devices") && !g_str_equal (only, "clients") &&
       !g_str_equal (only, "replicas") && !g_str_equal (only, "ready")))
    {
      g_printerr ("usage: voronka-bench-sync [--quick] [--only devices|clients|replicas|ready] "
                  "--server PATH REPLICA\n");
      return 2;
    }
  bench.quick = quick;
  bench.server_bin = server_bin;
  bench.replica = argv[1];
  bench.tmp = g_dir_make_tmp ("voronka-bench-sync-XXXXXX", &error);
  if (bench.tmp == NULL)
    return fail (error, "temporary folder"), 1;
  bench.data = g_build_filename (bench.tmp, "server", NULL);
  bench.log = g_build_filename (bench.tmp, "serve.log", NULL);
  bench.cert = g_build_filename (bench.data, "tls", "cert.pem", NULL);

  ok = bench_server_write_account (bench.server_bin, bench.data, bench.replica, "bench",
                                   "admin", PASSWORD, &error) &&
       note_account (&bench, keep_days, &error) &&
       bench_server_admin (bench.server_bin, bench.data, PASSWORD, &error, "account", "create",
                           "fleet", "--template", "truck-dealer", "--admin", "fleet-admin",
                           "--password-stdin", NULL) &&
       bench_server_admin (bench.server_bin, bench.data, PASSWORD, &error, "account", "create",
                           "replicas", "--template", "truck-dealer", "--admin",
                           "replica-admin", "--password-stdin", NULL);
  if (!ok)
    fail (error, "setting up the server's accounts");
  ok = ok && start_server (&bench);
  /* (not part of a full run: the others' first device asks before it is ready) */
  if (ok && only != NULL && g_str_equal (only, "ready"))
    ok = bench_ready (&bench);
  if (ok && (only == NULL || g_str_equal (only, "devices")))
    ok = bench_devices (&bench);
  if (bench.server != NULL && ok && (only == NULL || g_str_equal (only, "clients")))
    ok = bench_clients (&bench);
  if (bench.server != NULL && ok && (only == NULL || g_str_equal (only, "replicas")))
    ok = bench_replicas (&bench);
  stop_server (&bench);
  if (!ok)
    {
      g_autofree char *log = NULL;

      if (g_file_get_contents (bench.log, &log, NULL, NULL))
        {
          gsize len = strlen (log);
          g_printerr ("bench-sync: server log (end):\n%s\n", log + (len > 4000 ? len - 4000 : 0));
        }
    }
  if (g_getenv ("VORONKA_BENCH_SERVER_LOG") != NULL)   /* the server's request log, kept */
    {
      g_autoptr(GFile) from = g_file_new_for_path (bench.log);
      g_autoptr(GFile) to = g_file_new_for_path (g_getenv ("VORONKA_BENCH_SERVER_LOG"));

      g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL);
    }
  {
    /* the temporary folder with the server's data and every replica */
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf",
                                                  bench.tmp, NULL);
    if (rm != NULL)
      g_subprocess_wait (rm, NULL, NULL);
  }
  g_free (bench.tmp);
  g_free (bench.data);
  g_free (bench.log);
  g_free (bench.url);
  g_free (bench.cert);
  g_free (bench.account);
  g_free (server_bin);
  g_free (only);
  return ok ? 0 : 1;
}
