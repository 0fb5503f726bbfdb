/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-live.c — the live channel (GET /api/v1/live, a WebSocket) against a real
 * voronka-server on 127.0.0.1 (TLS):
 *   - `voronkactl sync --watch --interval 600` on replica B picks up a deal moved on
 *     replica A within a bounded wait — only the live event can explain it, the fallback
 *     round being ten minutes away; the server is killed and started again, the watcher
 *     reconnects by itself and still picks up the next move; the server stopped with
 *     SIGTERM closes the socket with 1001 (going away) and exits 0, and the watcher is
 *     back once it runs again; SIGTERM stops the watcher cleanly (status 0, one JSON line
 *     per round, rounds started by "live");
 *   - a notification made for a user reaches that user's live socket (and not another's);
 *     /metrics counts the open sockets (voronka_live_sockets);
 *   - refusals: no token or a bad token (401, before any upgrade), a plain GET without
 *     "Upgrade: websocket" (400, saying so), an oversized message (closed with 1009). */
#include <signal.h>
#include <string.h>
#include <sqlite3.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include "crm-live-client.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define WAIT_S  30.0

static char *tmpdir;
static CrmTestServer *server;

static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data,
            double     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* a main loop turn for in-process sockets, else a short sleep */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (20 * 1000);
    }
  return TRUE;
}

static char *
stage_id (CrmStore   *store,
          const char *name)
{
  g_autofree char *pipeline = crm_test_resolve (store, "pipeline", "Продажи", NULL);

  return crm_test_resolve (store, "stage", name, pipeline);
}

static char *
new_deal (CrmStore   *store,
          const char *title)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_test_resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = stage_id (store, "Новая заявка");
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
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
  g_autofree char *stage = stage_id (store, stage_name);
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* --- the watcher ------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  const char *deal;
  char       *stage;
} DealAt;

/* Whether replica @path shows the deal at the stage: read as the app would show it, on
 * a read-only connection of its own that never stands in the watcher's way. */
static gboolean
deal_at (gpointer data)
{
  DealAt *at = data;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_open_v2 (at->path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count (*) FROM deal WHERE id = ?1 AND stage = ?2", -1,
                          &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, at->deal, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, at->stage, -1, SQLITE_TRANSIENT);
      found = sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) == 1;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return found;
}

typedef struct {
  const char *path;
  gint64      cursor;
} RoundAt;

/* Whether the watcher printed a round that reached @cursor (B's replica is then quiet:
 * reading it cannot stand in the way of a round). */
static gboolean
round_at (gpointer data)
{
  RoundAt *at = data;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (at->path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (lines[i][0] == '{' && json_parser_load_from_data (parser, lines[i], -1, NULL) &&
          (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
          json_object_get_int_member_with_default (json_node_get_object (root), "cursor", 0) >=
          at->cursor)
        return TRUE;
    }
  return FALSE;
}

/* Whether the file at @path has a line (the watcher's first round is done). */
static gboolean
has_line (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (data, &text, NULL, NULL) && strchr (text, '\n') != NULL;
}

static gboolean
process_gone (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

static void
test_watch (void)
{
  g_autofree char *a_path = g_build_filename (tmpdir, "a.db", NULL);
  g_autofree char *b_path = g_build_filename (tmpdir, "b.db", NULL);
  g_autofree char *out_path = g_build_filename (tmpdir, "watch.out", NULL);
  g_autofree char *err_path = g_build_filename (tmpdir, "watch.err", NULL);
  g_autofree char *no_etc = g_build_filename (tmpdir, "no-etc", NULL);
  g_autoptr(CrmSyncClient) a = crm_test_client_new (server, a_path, "admin", "admin-pw");
  g_autoptr(CrmSyncReport) first = crm_test_sync (a);
  g_autoptr(CrmStore) a_store = crm_test_open (a_path);
  g_autofree char *deal = new_deal (a_store, "Самосвал для карьера «Гранит»");
  g_autoptr(CrmSyncReport) pushed = crm_test_sync (a);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GSubprocess) watcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) in = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  DealAt at = { b_path, deal, NULL };
  RoundAt round = { out_path, 0 };
  guint rounds = 0, live_rounds = 0;
  const char *argv[] = {
    g_getenv ("VORONKACTL"), "--db", b_path, "--json", "sync", "--server", server->url,
    "--user", "manager", "--password-stdin", "--ca-file", server->cert, "--watch",
    "--interval", "600", "--exit-after", "240", NULL
  };

  /* B: the manager's laptop, watching; its fallback round is ten minutes away */
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  g_subprocess_launcher_setenv (launcher, "VORONKA_SYSCONFDIR", no_etc, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  watcher = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  in = g_object_ref (g_subprocess_get_stdin_pipe (watcher));
  g_assert_true (g_output_stream_write_all (in, "manager-pw\n", 11, NULL, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, NULL);

  g_assert_true (wait_until (has_line, out_path, WAIT_S));
  at.stage = stage_id (a_store, "Новая заявка");
  g_assert_true (deal_at (&at));
  g_assert_true (crm_test_server_wait_log (server, 1, WAIT_S, "live channel of manager@acme open",
                                           NULL));

  /* A moves the deal and syncs: B shows it without waiting for its fallback */
  move_deal (a_store, deal, "Квалифицирован");
  g_clear_pointer (&pushed, crm_sync_report_free);
  pushed = crm_test_sync (a);
  g_free (at.stage);
  at.stage = stage_id (a_store, "Квалифицирован");
  round.cursor = pushed->cursor;
  g_assert_true (wait_until (round_at, &round, 20.0));
  g_assert_true (deal_at (&at));

  /* the server dies and comes back: the watcher reconnects by itself */
  crm_test_server_kill (server);
  crm_test_server_restart (server);
  g_assert_true (crm_test_server_wait_log (server, 2, WAIT_S, "live channel of manager@acme open",
                                           NULL));
  move_deal (a_store, deal, "Встреча согласована");
  g_clear_pointer (&pushed, crm_sync_report_free);
  pushed = crm_test_sync (a);
  g_free (at.stage);
  at.stage = stage_id (a_store, "Встреча согласована");
  round.cursor = pushed->cursor;
  g_assert_true (wait_until (round_at, &round, 20.0));
  g_assert_true (deal_at (&at));

  /* the server is stopped properly (SIGTERM): it tells the watcher it goes away (1001),
   * stops with status 0, and the watcher is back on the next one too */
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (server, "live channel of manager@acme closed "
                                               "(code 1001", NULL), ==, 1);
  crm_test_server_restart (server);
  g_assert_true (crm_test_server_wait_log (server, 3, WAIT_S, "live channel of manager@acme open",
                                           NULL));
  move_deal (a_store, deal, "Встреча проведена");
  g_clear_pointer (&pushed, crm_sync_report_free);
  pushed = crm_test_sync (a);
  g_free (at.stage);
  at.stage = stage_id (a_store, "Встреча проведена");
  round.cursor = pushed->cursor;
  g_assert_true (wait_until (round_at, &round, 20.0));
  g_assert_true (deal_at (&at));

  /* SIGTERM to the watcher: a clean stop */
  g_subprocess_send_signal (watcher, SIGTERM);
  g_assert_true (wait_until (process_gone, watcher, WAIT_S));
  g_assert_true (g_subprocess_get_if_exited (watcher));
  g_assert_true (g_file_get_contents (out_path, &out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, &err, NULL, NULL));
  g_test_message ("watcher stdout:\n%s\nstderr:\n%s", out, err);
  g_assert_cmpint (g_subprocess_get_exit_status (watcher), ==, 0);
  g_assert_null (strstr (err, "CRITICAL"));
  g_assert_nonnull (strstr (err, "live connection open"));

  /* one JSON line per round */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *round;

      if (lines[i][0] == '\0')
        continue;
      node = crm_test_parse_json (lines[i]);
      round = json_node_get_object (node);
      rounds++;
      if (g_strcmp0 (crm_test_get_string (round, "trigger"), "live") == 0)
        live_rounds++;
      g_assert_cmpstr (crm_test_get_string (round, "user"), ==, "manager");
    }
  g_assert_cmpuint (rounds, >=, 4);
  g_assert_cmpuint (live_rounds, >=, 3);
  g_free (at.stage);
}

/* --- notifications ------------------------------------------------------------------------ */

typedef struct {
  CrmLiveClient *live;
  JsonObject    *notification;   /* the last one */
  guint          notifications;
  guint          sync_needed;
} Listener;

static void
got_notification (CrmLiveClient *live,
                  JsonObject    *event,
                  Listener      *listener)
{
  g_clear_pointer (&listener->notification, json_object_unref);
  listener->notification = json_object_ref (event);
  listener->notifications++;
}

static void
got_sync_needed (CrmLiveClient *live,
                 Listener      *listener)
{
  listener->sync_needed++;
}

static gboolean
connected (gpointer data)
{
  return crm_live_client_get_connected (((Listener *) data)->live);
}

static gboolean
notified (gpointer data)
{
  return ((Listener *) data)->notification != NULL;
}

static gboolean
told_to_sync (gpointer data)
{
  return ((Listener *) data)->sync_needed > 0;
}

static void
listener_start (Listener      *listener,
                CrmSyncClient *client,
                gint64         cursor)
{
  listener->live = crm_live_client_new (client);
  crm_live_client_set_cursor (listener->live, cursor);
  g_signal_connect (listener->live, "notification", G_CALLBACK (got_notification), listener);
  g_signal_connect (listener->live, "sync-needed", G_CALLBACK (got_sync_needed), listener);
  crm_live_client_start (listener->live);
  g_assert_true (wait_until (connected, listener, WAIT_S));
}

static void
listener_clear (Listener *listener)
{
  crm_live_client_stop (listener->live);
  g_clear_object (&listener->live);
  g_clear_pointer (&listener->notification, json_object_unref);
}

typedef struct {
  SoupSession *session;
  char        *url;
  const char  *expected;
} Metrics;

/* Whether /metrics (serve --metrics-listen) has the line @expected. */
static gboolean
metrics_say (gpointer data)
{
  Metrics *metrics = data;
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", metrics->url);
  g_autoptr(GBytes) body = soup_session_send_and_read (metrics->session, msg, NULL, NULL);
  g_autofree char *text = NULL;
  g_autofree char *line = g_strconcat ("\n", metrics->expected, "\n", NULL);

  if (body == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return strstr (text, line) != NULL;
}

static char *
metrics_url (void)
{
  g_autofree char *text = NULL;
  const char *start, *end;

  g_assert_true (crm_test_server_wait_log (server, 1, WAIT_S, "metrics on ", NULL));
  g_assert_true (g_file_get_contents (server->log_path, &text, NULL, NULL));
  start = strstr (text, "metrics on ") + strlen ("metrics on ");
  end = strchr (start, '\n');
  return g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));
}

static void
test_notification (void)
{
  g_autofree char *admin_path = g_build_filename (tmpdir, "n-admin.db", NULL);
  g_autofree char *rep_path = g_build_filename (tmpdir, "n-rep.db", NULL);
  g_autofree char *other_path = g_build_filename (tmpdir, "n-other.db", NULL);
  g_autoptr(CrmSyncClient) admin = crm_test_client_new (server, admin_path, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) rep = crm_test_client_new (server, rep_path, "Мария Кузнецова",
                                                      "rep-password");
  g_autoptr(CrmSyncClient) other = crm_test_client_new (server, other_path, "Денис Морозов",
                                                        "rep-password");
  g_autoptr(CrmSyncReport) admin_first = crm_test_sync (admin);
  g_autoptr(CrmSyncReport) rep_first = crm_test_sync (rep);
  g_autoptr(CrmSyncReport) other_first = crm_test_sync (other);
  g_autoptr(CrmSyncReport) pushed = NULL;
  g_autoptr(CrmStore) store = crm_test_open (admin_path);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *maria = crm_test_resolve (store, "user", "Мария Кузнецова", NULL);
  g_autofree char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "notification", id);
  Listener to_maria = { 0 }, to_denis = { 0 };
  Metrics metrics = { 0 };

  listener_start (&to_maria, rep, rep_first->cursor);
  listener_start (&to_denis, other, other_first->cursor);

  /* the administrator sees them in /metrics */
  metrics.session = soup_session_new ();
  metrics.url = metrics_url ();
  metrics.expected = "voronka_live_sockets 2";
  g_assert_true (wait_until (metrics_say, &metrics, WAIT_S));

  /* what a rule's "notify" action writes, made on the admin's laptop and pushed */
  crm_change_set_string (change, "user", maria);
  crm_change_set_string (change, "text", "Клиент «Гранит» ждёт звонка");
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  pushed = crm_test_sync (admin);

  g_assert_true (wait_until (notified, &to_maria, WAIT_S));
  g_assert_cmpstr (crm_test_get_string (to_maria.notification, "type"), ==, "notification");
  g_assert_cmpstr (crm_test_get_string (to_maria.notification, "id"), ==, id);
  g_assert_cmpstr (crm_test_get_string (to_maria.notification, "text"), ==,
                   "Клиент «Гранит» ждёт звонка");
  /* both hear of the change; only Мария gets the notification */
  g_assert_true (wait_until (told_to_sync, &to_maria, WAIT_S));
  g_assert_true (wait_until (told_to_sync, &to_denis, WAIT_S));
  g_assert_null (to_denis.notification);
  g_assert_cmpint (crm_live_client_get_head (to_denis.live), >=, pushed->cursor);

  listener_clear (&to_maria);
  listener_clear (&to_denis);
  metrics.expected = "voronka_live_sockets 0";
  g_assert_true (wait_until (metrics_say, &metrics, WAIT_S));
  g_object_unref (metrics.session);
  g_free (metrics.url);
}

/* A notification about a deal its user may not see (her role shows her own deals only, the
 * deal is nobody's) does not pop up on her desktop, though its author sees every deal; one
 * about nothing in particular, pushed with it, does. */
static void
test_notification_of_unseen_deal (void)
{
  g_autofree char *admin_path = g_build_filename (tmpdir, "u-admin.db", NULL);
  g_autofree char *rep_path = g_build_filename (tmpdir, "u-rep.db", NULL);
  g_autoptr(CrmSyncClient) admin = crm_test_client_new (server, admin_path, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) rep = NULL;
  g_autoptr(CrmSyncReport) admin_first = crm_test_sync (admin);
  g_autoptr(CrmSyncReport) rights = NULL;
  g_autoptr(CrmSyncReport) rep_first = NULL;
  g_autoptr(CrmSyncReport) pushed = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *maria = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *unseen = NULL;
  g_autofree char *plain = NULL;
  CrmChange *change;
  Listener to_maria = { 0 };

  json_node_unref (crm_test_ctl_ok (admin_path, NULL, "role", "add", "Свои сделки", "--like",
                                    "rep", "--right", "*:see=own", NULL));
  json_node_unref (crm_test_ctl_ok (admin_path, NULL, "user", "set", "Мария Кузнецова",
                                    "--role", "Свои сделки", NULL));
  rights = crm_test_sync (admin);
  rep = crm_test_client_new (server, rep_path, "Мария Кузнецова", "rep-password");
  rep_first = crm_test_sync (rep);
  listener_start (&to_maria, rep, rep_first->cursor);

  store = crm_test_open (admin_path);
  maria = crm_test_resolve (store, "user", "Мария Кузнецова", NULL);
  deal = new_deal (store, "Тягач для «Гранита»");
  unseen = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "notification", unseen);
  crm_change_set_string (change, "user", maria);
  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Сделка «Тягач для «Гранита»» выиграна");
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  plain = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "notification", plain);
  crm_change_set_string (change, "user", maria);
  crm_change_set_string (change, "text", "Планёрка в 10:00");
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  pushed = crm_test_sync (admin);

  g_assert_true (wait_until (notified, &to_maria, WAIT_S));
  /* the notifications of a push come before the change's event */
  g_assert_true (wait_until (told_to_sync, &to_maria, WAIT_S));
  g_assert_cmpuint (to_maria.notifications, ==, 1);
  g_assert_cmpstr (crm_test_get_string (to_maria.notification, "id"), ==, plain);
  g_assert_cmpstr (crm_test_get_string (to_maria.notification, "text"), ==, "Планёрка в 10:00");

  listener_clear (&to_maria);
}

/* --- refusals ------------------------------------------------------------------------------ */

typedef struct {
  gboolean                 done;
  SoupWebsocketConnection *socket;
  GError                  *error;
} Connect;

static void
connect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connect *connect = user_data;

  connect->socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                           &connect->error);
  connect->done = TRUE;
}

static gboolean
connect_finished (gpointer data)
{
  return ((Connect *) data)->done;
}

static SoupSession *
trusting_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (server->cert, &error);
  SoupSession *session = soup_session_new ();

  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
  return session;
}

static SoupMessage *
live_message (const char *token)
{
  g_autofree char *url = g_strconcat (server->url, "/api/v1/live", NULL);
  SoupMessage *msg = soup_message_new ("GET", url);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Voronka-Schema",
                                schema);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  return msg;
}

/* Opens a socket with @token; returns it, or NULL with the answer's HTTP status. */
static SoupWebsocketConnection *
open_socket (SoupSession *session,
             const char  *token,
             guint       *out_status)
{
  g_autoptr(SoupMessage) msg = live_message (token);
  Connect connect = { 0 };

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connect_done, &connect);
  g_assert_true (wait_until (connect_finished, &connect, WAIT_S));
  *out_status = soup_message_get_status (msg);
  g_clear_error (&connect.error);
  return connect.socket;
}

static gboolean
socket_closed (gpointer data)
{
  return soup_websocket_connection_get_state (data) == SOUP_WEBSOCKET_STATE_CLOSED;
}

static void
test_refused (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "r.db", NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "manager", "manager-pw");
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);
  g_autoptr(SoupSession) session = trusting_session ();
  g_autoptr(SoupWebsocketConnection) socket = NULL;
  g_autoptr(SoupMessage) plain = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncClient) stranger = NULL;
  g_autoptr(CrmLiveClient) live = NULL;
  g_autofree char *text = NULL;
  guint status = 0;
  char *huge;

  /* no token, a made-up token: 401, no socket */
  g_assert_null (open_socket (session, NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (open_socket (session, "not-a-token", &status));
  g_assert_cmpuint (status, ==, 401);

  /* the live client with a bad token says so and stays unconnected */
  stranger = crm_test_client_new (server, path, "manager", "manager-pw");
  crm_sync_client_set_token (stranger, "not-a-token");
  live = crm_live_client_new (stranger);
  crm_live_client_start (live);
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

    while (crm_live_client_get_last_error (live) == NULL && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_false (crm_live_client_get_connected (live));
  g_assert_nonnull (strstr (crm_live_client_get_last_error (live), "401"));
  crm_live_client_stop (live);

  /* a plain GET with a good token: 400, naming what is missing */
  plain = live_message (crm_sync_client_get_token (client));
  body = soup_session_send_and_read (session, plain, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (plain), ==, 400);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "WebSocket"));

  /* a good socket that sends too much is closed with 1009 */
  socket = open_socket (session, crm_sync_client_get_token (client), &status);
  g_assert_nonnull (socket);
  g_assert_cmpuint (status, ==, 101);
  huge = g_malloc (4097);
  memset (huge, 'x', 4096);
  huge[4096] = '\0';
  soup_websocket_connection_send_text (socket, huge);
  g_free (huge);
  g_assert_true (wait_until (socket_closed, socket, WAIT_S));
  g_assert_cmpuint (soup_websocket_connection_get_close_code (socket), ==,
                    SOUP_WEBSOCKET_CLOSE_TOO_BIG);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  {
    g_autofree char *data = crm_test_server_make_data (tmpdir);

    const char *args[] = { "--metrics-listen", "127.0.0.1:0", NULL };

    server = crm_test_server_start (data, FALSE, args);
  }
  g_test_add_func ("/live/refused", test_refused);
  g_test_add_func ("/live/notification", test_notification);
  g_test_add_func ("/live/watch", test_watch);
  g_test_add_func ("/live/notification-of-unseen-deal", test_notification_of_unseen_deal);
  status = g_test_run ();
  crm_test_server_free (server);
  crm_test_remove_tree (tmpdir);
  return status;
}
