/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-ops.c — what an admin running voronka-server relies on (issue 22): the
 * health endpoints, refusing to start with a wrong key or an account that does not open,
 * Prometheus metrics, the failed sign-in line for fail2ban, the audit line of admin
 * commands, --tls-name, reloading a rotated certificate on SIGHUP without dropping
 * clients, X-Forwarded-For from trusted proxies only, and systemd's READY=1. Each test
 * runs a real voronka-server on 127.0.0.1. */
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sqlite3.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "crm-query.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define EXIT_TIMEOUT_S 30.0

static char *tmpdir;

/* --- helpers ------------------------------------------------------------------------------ */

static char *
fresh_dir (const char *name)
{
  char *dir = g_build_filename (tmpdir, name, NULL);

  crm_test_remove_tree (dir);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

/* A server with the test account in tmpdir/NAME/server. */
static char *
make_data (const char *name)
{
  g_autofree char *parent = fresh_dir (name);

  return crm_test_server_make_data (parent);
}

/* A certificate and key of their own: what a server makes in an empty data folder. */
static char *
make_other_tls (const char *name)
{
  g_autofree char *dir = fresh_dir (name);
  CrmTestServer *server = crm_test_server_start (dir, FALSE, NULL);
  char *tls = g_build_filename (dir, "tls", NULL);

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  return tls;
}

/* Runs `voronka-server --data DIR ARGS…` (stdin empty) until it exits; its output in
 * *@out_text. A server that keeps running fails the test. */
static int
run_server (const char   *dir,
            char        **out_text,
            const char   *first_arg,
            ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDERR_MERGE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_build_filename (tmpdir, "run.log", NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) (EXIT_TIMEOUT_S * G_USEC_PER_SEC);
  va_list ap;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, (gpointer) dir);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_subprocess_force_exit (process);
          g_subprocess_wait (process, NULL, NULL);
          g_file_get_contents (log, out_text, NULL, NULL);
          g_error ("voronka-server did not exit within %.0f s: %s", EXIT_TIMEOUT_S, *out_text);
        }
      g_usleep (10 * 1000);
    }
  g_subprocess_wait (process, NULL, NULL);
  g_assert_true (g_file_get_contents (log, out_text, NULL, NULL));
  g_test_message ("voronka-server said: %s", *out_text);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static SoupSession *
session_for (CrmTestServer *server)
{
  SoupSession *session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (server->cert, &error);

  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
  return session;
}

/* @method @url with an optional JSON @body and X-Forwarded-For; returns the body. */
static char *
http (SoupSession *session,
      const char  *method,
      const char  *url,
      const char  *forwarded_for,
      const char  *body,
      guint       *out_status)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);

  g_assert_nonnull (msg);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (forwarded_for != NULL)
    soup_message_headers_replace (headers, "X-Forwarded-For", forwarded_for);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *out_status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
}

static char *
url_of (CrmTestServer *server,
        const char    *path)
{
  return g_strconcat (server->url, path, NULL);
}

static char *
account_file (const char *data)
{
  g_autofree char *accounts = g_build_filename (data, "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (accounts, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      return g_build_filename (accounts, name, NULL);
  g_assert_not_reached ();
  return NULL;
}

static void
set_user_version (const char *path,
                  int         version)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* The value of the metric line starting with @prefix ("name{labels} "), or -1. */
static gint64
metric (const char *text,
        const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_ascii_strtoll (lines[i] + strlen (prefix), NULL, 10);
  return -1;
}

/* The text after @marker up to the end of its line in the server's log. */
static char *
log_value (CrmTestServer *server,
           const char    *marker)
{
  g_autofree char *text = NULL;
  const char *start, *end;

  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, marker, NULL));
  g_assert_true (g_file_get_contents (server->log_path, &text, NULL, NULL));
  start = strstr (text, marker);
  g_assert_nonnull (start);
  start += strlen (marker);
  end = strchr (start, '\n');
  return g_strndup (start, end ? (gsize) (end - start) : strlen (start));
}

static char *
add_deal (CrmStore   *store,
          const char *title)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, &error);
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, NULL);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  g_assert_no_error (error);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

/* --- raw TLS connections (to see which certificate a connection got) ---------------------- */

static gboolean
accept_any (GTlsConnection       *connection,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

static GIOStream *
tls_connect (CrmTestServer *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) base = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (server->url, G_URI_FLAGS_NONE, NULL);
  GIOStream *tls;

  base = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri),
                                          NULL, &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (base), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  return tls;
}

/* GET @path on an open connection (HTTP/1.1, kept alive); returns the status. */
static guint
raw_get (GIOStream  *stream,
         const char *path)
{
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GInputStream *in = g_io_stream_get_input_stream (stream);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *length_header;
  guint64 length = 0;
  guint status = 0;
  char byte;

  g_assert_true (g_output_stream_write_all (out, request, strlen (request), NULL, NULL, &error));
  g_assert_no_error (error);
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      gssize n = g_input_stream_read (in, &byte, 1, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (head, byte);
    }
  g_assert_true (sscanf (head->str, "HTTP/1.1 %u", &status) == 1);
  length_header = strstr (head->str, "Content-Length: ");
  g_assert_nonnull (length_header);
  length = g_ascii_strtoull (length_header + strlen ("Content-Length: "), NULL, 10);
  for (guint64 i = 0; i < length; i++)
    {
      g_assert_cmpint (g_input_stream_read (in, &byte, 1, NULL, &error), ==, 1);
      g_assert_no_error (error);
    }
  return status;
}

/* --- tests -------------------------------------------------------------------------------- */

static void
test_health (void)
{
  g_autofree char *data = make_data ("health");
  CrmTestServer *server = crm_test_server_start (data, FALSE, NULL);
  g_autoptr(SoupSession) session = session_for (server);
  g_autofree char *healthz = url_of (server, "/healthz");
  g_autofree char *readyz = url_of (server, "/readyz");
  g_autofree char *account = account_file (data);
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint status = 0;

  body = http (session, "GET", healthz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "\"alive\""));
  g_free (body);
  body = http (session, "GET", readyz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "\"ready\""));
  g_free (body);

  /* the account's file is rolled forward by a newer Voronka: not ready, and why */
  set_user_version (account, 99);
  body = http (session, "GET", readyz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 503);
  node = crm_test_parse_json (body);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==,
                   "unavailable");
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (node), "reason"),
                            "«acme»"));
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (node), "reason"),
                            "newer"));
  g_free (body);
  /* a monitoring probe asking again: one warning, not one per probe */
  body = http (session, "GET", readyz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 503);
  g_assert_cmpuint (crm_test_server_count_log (server, "Not ready: ", NULL), ==, 1);
  g_free (body);
  /* alive all the same */
  body = http (session, "GET", healthz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_free (body);
  /* put right: ready again, and the log says so */
  set_user_version (account, CRM_SCHEMA_VERSION);
  body = http (session, "GET", readyz, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (crm_test_server_count_log (server, "ready again", NULL), ==, 1);
  set_user_version (account, 99);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);

  /* and a restart refuses to serve instead of telling users their password is wrong */
  g_assert_cmpint (run_server (data, &text, "serve", "--listen", "127.0.0.1:0", NULL), ==, 1);
  g_assert_nonnull (strstr (text, "«acme»"));
  g_assert_null (strstr (text, "listening on"));
  g_clear_pointer (&text, g_free);

  /* a damaged account file: the same */
  {
    g_autofree char *wal = g_strconcat (account, "-wal", NULL);
    g_autofree char *shm = g_strconcat (account, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_assert_true (g_file_set_contents (account, "this is not a database, it was overwritten "
                                        "by mistake ....................................", -1,
                                        NULL));
  }
  g_assert_cmpint (run_server (data, &text, "serve", "--listen", "127.0.0.1:0", NULL), ==, 1);
  g_assert_nonnull (strstr (text, "«acme»"));
  g_assert_nonnull (strstr (text, account));
  g_assert_null (strstr (text, "listening on"));
}

static void
test_key_mismatch (void)
{
  g_autofree char *data = make_data ("mismatch");
  g_autofree char *other = make_other_tls ("mismatch-other");
  g_autofree char *cert = g_build_filename (other, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (other, "key.pem", NULL);
  g_autofree char *own_cert = NULL;
  g_autofree char *text = NULL;
  CrmTestServer *server;

  /* a server's own pair */
  server = crm_test_server_start (data, FALSE, NULL);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  own_cert = g_strdup (server->cert);
  crm_test_server_free (server);

  /* its certificate with another key: refused at start, naming both files */
  g_assert_cmpint (run_server (data, &text, "serve", "--listen", "127.0.0.1:0",
                               "--tls-cert", own_cert, "--tls-key", key, NULL), ==, 1);
  g_assert_nonnull (strstr (text, own_cert));
  g_assert_nonnull (strstr (text, key));
  g_assert_null (strstr (text, "listening on"));
  g_clear_pointer (&text, g_free);

  /* the right pair serves */
  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    server = crm_test_server_start (data, FALSE, args);
    g_assert_cmpint (crm_test_server_stop (server), ==, 0);
    crm_test_server_free (server);
  }
}

static void
test_metrics (void)
{
  g_autofree char *data = make_data ("metrics");
  const char *args[] = { "--metrics-listen", "127.0.0.1:0", NULL };
  CrmTestServer *server = crm_test_server_start (data, FALSE, NULL);
  g_autoptr(SoupSession) session = session_for (server);
  g_autofree char *body = NULL;
  g_autofree char *url = url_of (server, "/metrics");
  g_autofree char *path = g_build_filename (tmpdir, "metrics-replica.db", NULL);
  g_autofree char *bad_path = g_build_filename (tmpdir, "metrics-bad.db", NULL);
  g_autofree char *metrics_url = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  /* off by default */
  body = http (session, "GET", url, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpuint (crm_test_server_count_log (server, "metrics on", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  g_clear_pointer (&body, g_free);

  server = crm_test_server_start (data, FALSE, args);
  metrics_url = log_value (server, "metrics on ");
  g_assert_true (g_str_has_prefix (metrics_url, "http://127.0.0.1:"));

  /* a sync that pushes a deal */
  {
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "admin", "admin-pw");
    g_autoptr(CrmSyncReport) first = crm_test_sync (client);
    g_autoptr(CrmSyncReport) second = NULL;
    g_autofree char *id = NULL;

    store = crm_test_open (path);
    id = add_deal (store, "Volvo FH для метрик");
    g_clear_object (&store);
    second = crm_test_sync (client);
  }
  /* a failed sign-in */
  {
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, bad_path, "Мария Кузнецова",
                                                           "not her password");
    g_autoptr(CrmSyncReport) report = crm_sync_client_sync (client, NULL, &error);

    g_assert_null (report);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  /* a client speaking plain HTTP to the TLS port: its failed handshake is logged */
  {
    g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
    g_autoptr(GUri) uri = g_uri_parse (server->url, G_URI_FLAGS_NONE, NULL);
    g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (
      socket_client, g_uri_get_host (uri), g_uri_get_port (uri), NULL, &error);
    const char *request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buffer[256];

    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                               strlen (request), NULL, NULL, &error);
    g_assert_no_error (error);
    /* the server closes it */
    while (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
                                sizeof buffer, NULL, NULL) > 0)
      ;
    g_assert_true (crm_test_server_wait_log (server, 1, 20.0,
                                             "TLS handshake with 127.0.0.1 failed", NULL));
  }
  /* requests are counted before their log line is written */
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "POST /api/v1/session 401", NULL));
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "POST /api/v1/sync/push 200", NULL));
  {
    g_autoptr(SoupSession) plain = soup_session_new ();
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", metrics_url);
    g_autoptr(GBytes) bytes = soup_session_send_and_read (plain, msg, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
  g_test_message ("%s", body);
  g_assert_cmpint (metric (body, "voronka_sync_ops_total{direction=\"push\"} "), >=, 1);
  g_assert_cmpint (metric (body, "voronka_sign_in_failures_total "), ==, 1);
  g_assert_cmpint (metric (body, "voronka_http_requests_total{route=\"/api/v1/session\","
                                 "method=\"POST\",status=\"401\"} "), ==, 1);
  g_assert_cmpint (metric (body, "voronka_http_requests_total{route=\"/api/v1/sync/push\","
                                 "method=\"POST\",status=\"200\"} "), >=, 1);
  g_assert_cmpint (metric (body, "voronka_http_request_duration_seconds_count"
                                 "{route=\"/api/v1/sync/push\"} "), >=, 1);
  g_assert_cmpint (metric (body, "voronka_connected_clients "), >=, 0);
  g_assert_cmpint (metric (body, "voronka_tls_handshake_failures_total "), ==, 1);

  /* the failed sign-in's line, with the name tried and where from (fail2ban matches it) */
  g_assert_cmpuint (crm_test_server_count_log (server, "sign-in failed from 127.0.0.1 for user "
                                               "\"Мария Кузнецова\"", NULL), ==, 1);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
}

static void
test_audit (void)
{
  g_autofree char *data = make_data ("audit");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VORONKA_SERVER"), "--data",
                                         data, "user", "add", "acme", "olga", "--role", "manager",
                                         "--password-stdin", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, "olga-password\n", NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  /* the audit line on stderr (no journal here); stdout stays the command's answer */
  g_assert_nonnull (strstr (err, "audit: user.add account «acme» user «olga»: role=manager"));
  g_assert_null (strstr (out, "audit"));
}

static void
test_log_level (void)
{
  g_autofree char *data = make_data ("log-level");
  const char *args[] = { "--log-level", "warning", NULL };
  CrmTestServer *server = crm_test_server_start (data, FALSE, args);
  g_autoptr(SoupSession) session = session_for (server);
  g_autofree char *url = url_of (server, "/healthz");
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  guint status = 0;

  body = http (session, "GET", url, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  /* no request lines at "warning" */
  g_assert_cmpuint (crm_test_server_count_log (server, "GET /healthz", NULL), ==, 0);
  crm_test_server_free (server);

  /* a level that is none: a usage error saying which levels there are */
  g_assert_cmpint (run_server (data, &text, "serve", "--listen", "127.0.0.1:0", "--log-level",
                               "loud", NULL), ==, 2);
  g_assert_nonnull (strstr (text, "error, warning, info or debug"));
}

static void
test_tls_name (void)
{
  g_autofree char *data = make_data ("tls-name");
  const char *args[] = { "--tls-name", "crm.example.ru", "--tls-name", "sync.example.ru", NULL };
  CrmTestServer *server = crm_test_server_start (data, FALSE, args);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (server->cert, &error);
  g_autoptr(GPtrArray) names = NULL;
  gboolean crm = FALSE, sync = FALSE, localhost = FALSE;

  g_assert_no_error (error);
  names = g_tls_certificate_get_dns_names (certificate);
  g_assert_nonnull (names);
  for (guint i = 0; i < names->len; i++)
    {
      gsize size = 0;
      const char *name = g_bytes_get_data (names->pdata[i], &size);
      g_autofree char *text = g_strndup (name, size);

      crm |= g_str_equal (text, "crm.example.ru");
      sync |= g_str_equal (text, "sync.example.ru");
      localhost |= g_str_equal (text, "localhost");
    }
  g_assert_true (crm);
  g_assert_true (sync);
  g_assert_true (localhost);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);

  /* a name the existing certificate lacks: served, with a warning saying what to do */
  {
    const char *more[] = { "--tls-name", "new.example.ru", NULL };

    server = crm_test_server_start (data, FALSE, more);
    g_assert_cmpuint (crm_test_server_count_log (server, "without the name new.example.ru",
                                                 NULL), ==, 1);
    g_assert_cmpint (crm_test_server_stop (server), ==, 0);
    crm_test_server_free (server);
  }
}

static void
test_sighup (void)
{
  g_autofree char *data = make_data ("sighup");
  g_autofree char *other = make_other_tls ("sighup-other");
  g_autofree char *new_cert = g_build_filename (other, "cert.pem", NULL);
  g_autofree char *new_key = g_build_filename (other, "key.pem", NULL);
  g_autofree char *bundle = g_build_filename (tmpdir, "sighup-bundle.pem", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "sighup-replica.db", NULL);
  g_autofree char *old_pem = NULL;
  g_autofree char *new_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *old_key_pem = NULL;
  g_autofree char *all = NULL;
  g_autoptr(GTlsCertificate) old_certificate = NULL;
  g_autoptr(GTlsCertificate) new_certificate = NULL;
  g_autoptr(GIOStream) before = NULL;
  g_autoptr(GIOStream) after = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(GError) error = NULL;
  CrmTestServer *server = crm_test_server_start (data, FALSE, NULL);

  g_assert_true (g_file_get_contents (server->cert, &old_pem, NULL, NULL));
  g_assert_true (g_file_get_contents (new_cert, &new_pem, NULL, NULL));
  g_assert_true (g_file_get_contents (new_key, &key_pem, NULL, NULL));
  {
    g_autofree char *old_key = g_build_filename (data, "tls", "key.pem", NULL);
    g_assert_true (g_file_get_contents (old_key, &old_key_pem, NULL, NULL));
  }
  old_certificate = g_tls_certificate_new_from_pem (old_pem, -1, &error);
  g_assert_no_error (error);
  new_certificate = g_tls_certificate_new_from_pem (new_pem, -1, &error);
  g_assert_no_error (error);

  /* a laptop that trusts both (the admin handed out the new certificate beforehand) */
  all = g_strconcat (old_pem, new_pem, NULL);
  g_assert_true (g_file_set_contents (bundle, all, -1, NULL));
  client = crm_sync_client_new (path, server->url, "admin");
  crm_sync_client_set_ca_file (client, bundle, &error);
  g_assert_no_error (error);
  crm_sync_client_set_password (client, "admin-pw");
  crm_sync_report_free (crm_test_sync (client));

  /* a connection open before the rotation */
  before = tls_connect (server);
  g_assert_true (g_tls_certificate_is_same (
    g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (before)), old_certificate));
  g_assert_cmpuint (raw_get (before, "/healthz"), ==, 200);

  /* rotate: the new pair in place, SIGHUP */
  g_assert_true (g_file_set_contents (server->cert, new_pem, -1, NULL));
  {
    g_autofree char *key_path = g_build_filename (data, "tls", "key.pem", NULL);
    g_assert_true (g_file_set_contents (key_path, key_pem, -1, NULL));
  }
  g_subprocess_send_signal (server->process, SIGHUP);
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "reloaded the TLS certificate", NULL));

  /* new connections get the new certificate */
  after = tls_connect (server);
  g_assert_true (g_tls_certificate_is_same (
    g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (after)), new_certificate));
  g_assert_cmpuint (raw_get (after, "/healthz"), ==, 200);
  /* the open one was not dropped */
  g_assert_cmpuint (raw_get (before, "/healthz"), ==, 200);
  /* and the laptop keeps syncing */
  {
    g_autoptr(CrmStore) store = crm_test_open (path);
    g_autofree char *id = add_deal (store, "После смены сертификата");
  }
  crm_sync_report_free (crm_test_sync (client));
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "POST /api/v1/sync/push 200", NULL));

  /* a rotation gone wrong (the old key with the new certificate): said so, and the
   * working certificate stays */
  {
    g_autofree char *key_path = g_build_filename (data, "tls", "key.pem", NULL);
    g_autoptr(GIOStream) third = NULL;

    g_assert_true (g_file_set_contents (key_path, old_key_pem, -1, NULL));
    g_subprocess_send_signal (server->process, SIGHUP);
    g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "was not reloaded", NULL));
    third = tls_connect (server);
    g_assert_true (g_tls_certificate_is_same (
      g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (third)), new_certificate));
    g_assert_cmpuint (raw_get (third, "/readyz"), ==, 200);
  }
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
}

/* Sign-in attempts with a malformed body (no password hashing), X-Forwarded-For
 * alternating between @first and @second, until the limiter says 429; returns how many it
 * took (0: never within the bound). A bucket starts full with 60 attempts, so two
 * separate buckets take more than 120 attempts; one shared bucket far fewer. */
static guint
attempts_until_limited (SoupSession *session,
                        const char  *url,
                        const char  *first,
                        const char  *second)
{
  for (guint i = 1; i <= 300; i++)
    {
      guint status = 0;
      g_autofree char *body = http (session, "POST", url, i % 2 ? first : second, "{", &status);

      if (status == 429)
        return i;
      g_assert_cmpuint (status, ==, 400);
    }
  return 0;
}

static void
test_trusted_proxy (void)
{
  g_autofree char *data = make_data ("proxy");
  const char *trusting[] = { "--trusted-proxy", "127.0.0.0/8", NULL };
  const char *other_proxy[] = { "--trusted-proxy", "192.0.2.1", NULL };
  CrmTestServer *server = crm_test_server_start (data, FALSE, trusting);
  g_autoptr(SoupSession) session = session_for (server);
  g_autofree char *url = url_of (server, CRM_PROTOCOL_PATH_SESSION);
  g_autofree char *body = NULL;
  guint status = 0;
  guint attempts;

  /* from the trusted proxy: each client address has its own sign-in bucket */
  attempts = attempts_until_limited (session, url, "198.51.100.7", "198.51.100.8");
  g_assert_cmpuint (attempts, >, 120);
  g_assert_cmpuint (crm_test_server_count_log (server, "198.51.100.7 - POST /api/v1/session 400",
                                               "via 127.0.0.1", NULL), >=, 60);
  /* the client is the right-most address the proxy did not add itself: one a client
   * prepends is not believed */
  body = http (session, "POST", url, "203.0.113.1, 198.51.100.20", "{", &status);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&body, g_free);
  /* (a request's line is written once its answer went out: wait for it) */
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "198.51.100.20 - POST /api/v1/session",
                                           NULL));
  g_assert_cmpuint (crm_test_server_count_log (server, "203.0.113.1", NULL), ==, 0);
  /* a failed sign-in names the client, not the proxy */
  body = http (session, "POST", url, "198.51.100.9",
               "{\"user\":\"admin\",\"password\":\"wrong\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (crm_test_server_count_log (server, "sign-in failed from 198.51.100.9 for user "
                                               "\"admin\"", NULL), ==, 1);
  /* a user name cannot forge the address fail2ban reads, nor start a line of its own */
  body = http (session, "POST", url, "198.51.100.10",
               "{\"user\":\"x\\\" from 6.6.6.6\\nsign-in failed from 6.6.6.6 for user \\\"y\","
               "\"password\":\"wrong\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&body, g_free);
  {
    g_autofree char *log = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GRegex) fail2ban = g_regex_new ("sign-in failed from (\\S+) for user", 0, 0, NULL);
    guint matched = 0;

    g_assert_true (g_file_get_contents (server->log_path, &log, NULL, NULL));
    lines = g_strsplit (log, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_autoptr(GMatchInfo) match = NULL;
        g_autofree char *host = NULL;

        if (!g_regex_match (fail2ban, lines[i], 0, &match))
          continue;
        host = g_match_info_fetch (match, 1);
        g_assert_cmpstr (host, !=, "6.6.6.6");
        matched++;
      }
    /* admin's failure and this one, nothing else */
    g_assert_cmpuint (matched, ==, 2);
  }
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);

  /* from a peer that is not a trusted proxy X-Forwarded-For is ignored: one bucket */
  server = crm_test_server_start (data, FALSE, other_proxy);
  g_clear_object (&session);
  session = session_for (server);
  g_free (url);
  url = url_of (server, CRM_PROTOCOL_PATH_SESSION);
  attempts = attempts_until_limited (session, url, "198.51.100.7", "198.51.100.8");
  g_assert_cmpuint (attempts, >, 0);
  g_assert_cmpuint (attempts, <=, 120);
  g_assert_true (crm_test_server_wait_log (server, 1, 20.0, "127.0.0.1 - POST /api/v1/session 429",
                                           NULL));
  g_assert_cmpuint (crm_test_server_count_log (server, "198.51.100", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
}

static char *
receive_notification (GSocket *socket)
{
  char buffer[4096];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  return g_strndup (buffer, n);
}

static void
test_notify (void)
{
  g_autofree char *data = make_data ("notify");
  g_autofree char *socket_path = g_build_filename (tmpdir, "notify.sock", NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *reloading = NULL;
  g_autofree char *ready_again = NULL;
  g_autofree char *stopping = NULL;
  CrmTestServer *server;

  g_unlink (socket_path);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 20);

  g_setenv ("NOTIFY_SOCKET", socket_path, TRUE);
  server = crm_test_server_start (data, FALSE, NULL);
  g_unsetenv ("NOTIFY_SOCKET");
  ready = receive_notification (socket);
  g_assert_nonnull (strstr (ready, "READY=1"));

  g_subprocess_send_signal (server->process, SIGHUP);
  reloading = receive_notification (socket);
  g_assert_nonnull (strstr (reloading, "RELOADING=1"));
  ready_again = receive_notification (socket);
  g_assert_nonnull (strstr (ready_again, "READY=1"));

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  stopping = receive_notification (socket);
  g_assert_nonnull (strstr (stopping, "STOPPING=1"));
  crm_test_server_free (server);

  /* an abstract socket name, "@name", as systemd may give */
  {
    g_autofree char *name = g_strdup_printf ("voronka-test-notify-%d", (int) getpid ());
    g_autofree char *variable = g_strconcat ("@", name, NULL);
    g_autoptr(GSocketAddress) abstract = g_unix_socket_address_new_with_type (
      name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
    g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_autofree char *message = NULL;

    g_assert_no_error (error);
    g_assert_true (g_socket_bind (other, abstract, TRUE, &error));
    g_assert_no_error (error);
    g_socket_set_timeout (other, 20);
    g_setenv ("NOTIFY_SOCKET", variable, TRUE);
    server = crm_test_server_start (data, FALSE, NULL);
    g_unsetenv ("NOTIFY_SOCKET");
    message = receive_notification (other);
    g_assert_nonnull (strstr (message, "READY=1"));
    g_assert_cmpint (crm_test_server_stop (server), ==, 0);
    crm_test_server_free (server);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *own_tmp = NULL;
  int status;

  /* a folder of our own for the temporary ones: something on a shared test machine
   * cleans up /tmp/voronka-test-* behind other programs, and a server lost its
   * certificate under us */
  own_tmp = g_build_filename (g_getenv ("TMPDIR") ? g_getenv ("TMPDIR") : "/tmp",
                              "voronka-ops-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (own_tmp));
  g_setenv ("TMPDIR", own_tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  /* the audit line and the server's log go to the output, not to a journal */
  g_setenv ("VORONKA_LOG", "plain", TRUE);
  tmpdir = crm_test_make_tmpdir ();
  g_test_add_func ("/server-ops/health", test_health);
  g_test_add_func ("/server-ops/key-mismatch", test_key_mismatch);
  g_test_add_func ("/server-ops/metrics", test_metrics);
  g_test_add_func ("/server-ops/audit", test_audit);
  g_test_add_func ("/server-ops/log-level", test_log_level);
  g_test_add_func ("/server-ops/tls-name", test_tls_name);
  g_test_add_func ("/server-ops/sighup", test_sighup);
  g_test_add_func ("/server-ops/trusted-proxy", test_trusted_proxy);
  g_test_add_func ("/server-ops/notify", test_notify);
  status = g_test_run ();
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_rmdir (own_tmp);
  return status;
}
