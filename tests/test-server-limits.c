/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-limits.c — no request can crash or starve voronka-server (issue 12), against
 * real servers on 127.0.0.1: JSON nested deep enough to overflow json-glib's recursion,
 * huge bodies, NUL characters; a thousand idle connections under a 1024 open-file limit
 * and slow clients; a client that connects while the server is busy for longer than a
 * first request may take; the listener stalled by running out of descriptors; a burst of
 * sign-ins next to a sync; random-token floods against the sign-in limiter; a TLS 1.1
 * client; --insecure-http on a public address; the data folder's file modes. And the
 * same bounds in what voronkactl reads: `rule import` and `init --template` of a deeply
 * nested or NUL-containing file. After each: the server answers, the data is unchanged. */
#define _GNU_SOURCE   /* prlimit() */
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <gnutls/gnutls.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include "crm-json.h"
#include "crm-protocol.h"
#include "crm-query.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;   /* shared by the tests that need no special options */

/* --- raw HTTP --------------------------------------------------------------------------- */

static void
assert_still_serving (CrmTestServer *srv)
{
  g_auto(CrmTestAnswer) answer = { 0 };

  crm_test_http_request (srv, &answer, "GET", CRM_PROTOCOL_PATH_INFO, NULL, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (answer.body, "server"), ==, "voronka-server");
}

static char *
sign_in (CrmTestServer *srv,
         const char    *user,
         const char    *password)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\"}", user, password);

  crm_test_http_request (srv, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body, strlen (body));
  g_assert_cmpuint (answer.status, ==, 200);
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

static char *
account_state (CrmTestServer *srv)
{
  g_autoptr(CrmStore) store = crm_test_server_open_account (srv);

  return crm_test_dump (store);
}

/* A replica of the account synced once: the server serves a real sync. */
static void
assert_sync_works (CrmTestServer *srv,
                   const char    *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (srv, path, "admin", "admin-pw");
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);
  g_autoptr(CrmStore) store = crm_test_open (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) pipelines = crm_query_pipelines (store, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (pipelines)), >, 0);
}

static char *
nested (guint       depth,
        const char *open,
        const char *inner,
        const char *close)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, open);
  g_string_append (text, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (text, close);
  return g_string_free (text, FALSE);
}

/* --- the bounded parser ------------------------------------------------------------------ */

static void
assert_refused_json (const char   *text,
                     gssize        length,
                     gint          code,
                     const char   *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = crm_json_parse_bounded (text, length < 0 ? strlen (text) : (gsize) length,
                                                     1024 * 1024, CRM_JSON_MAX_DEPTH, &error);

  g_assert_null (node);
  g_assert_error (error, CRM_JSON_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("«%s» does not mention «%s»", error->message, needle);
}

static void
test_parser (void)
{
  g_autofree char *deep = nested (CRM_JSON_MAX_DEPTH + 1, "[", "1", "]");
  g_autofree char *deepest = nested (CRM_JSON_MAX_DEPTH, "{\"a\":", "1", "}");
  g_autofree char *quoted = nested (1000, "[", "\"[[[[{{{{\\\"\"", "]");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  /* nesting: refused one level past the limit, naming the limit and the place */
  assert_refused_json (deep, -1, CRM_JSON_ERROR_TOO_DEEP, "64");
  assert_refused_json (deep, -1, CRM_JSON_ERROR_TOO_DEEP, "1:65:");
  node = crm_json_parse_bounded (deepest, strlen (deepest), 1024 * 1024, CRM_JSON_MAX_DEPTH,
                                 &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, json_node_unref);
  /* brackets inside strings are text, not nesting; quotes in strings are escaped */
  assert_refused_json (quoted, -1, CRM_JSON_ERROR_TOO_DEEP, "64");
  node = crm_json_parse_bounded ("[\"[[[[{{{{\\\"]]\"]", strlen ("[\"[[[[{{{{\\\"]]\"]"), 64, 2,
                                 &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, json_node_unref);

  /* NUL characters, raw or escaped, are refused, not cut off */
  assert_refused_json ("{\"a\":\"x\"}\0[[[", 12, CRM_JSON_ERROR_NUL, "NUL");
  assert_refused_json ("{\"a\":\"x\\u0000y\"}", -1, CRM_JSON_ERROR_NUL, "\\u0000");
  /* size, before anything else */
  {
    g_autoptr(GError) big_error = NULL;
    g_autoptr(JsonNode) big = crm_json_parse_bounded ("[1,2,3]", 7, 6, 64, &big_error);

    g_assert_null (big);
    g_assert_error (big_error, CRM_JSON_ERROR, CRM_JSON_ERROR_TOO_LARGE);
    g_assert_nonnull (strstr (big_error->message, "6"));
  }
  /* not UTF-8; comments and single quotes json-glib would take (they would hide
   * brackets from the depth count) */
  assert_refused_json ("{\"a\":\"\xff\"}", -1, CRM_JSON_ERROR_NOT_UTF8, "UTF-8");
  assert_refused_json ("[/* \" */ 1]", -1, CRM_JSON_ERROR_SYNTAX, "comments");
  assert_refused_json ("{'a': 1}", -1, CRM_JSON_ERROR_SYNTAX, "double quotes");
  assert_refused_json ("", 0, CRM_JSON_ERROR_SYNTAX, "empty");
  assert_refused_json ("[1,]", -1, CRM_JSON_ERROR_SYNTAX, "1:");

  /* ordinary JSON, with a byte order mark and non-ASCII text */
  {
    static const char text[] = "\xef\xbb\xbf{\"имя\": [1, -2.5e3, true, null, \"«x»\"]}";

    node = crm_json_parse_bounded (text, sizeof text - 1, 1024, 64, &error);
  }
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
}

/* --- requests ------------------------------------------------------------------------------ */

static void
test_deep_json (void)
{
  g_autofree char *before = account_state (server);
  g_autofree char *after = NULL;
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  g_autoptr(GString) push = g_string_new ("{\"base\":0,\"ops\":[{\"data\":");
  g_autofree char *arrays = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };

  /* ~160 KB of nested arrays, no sign-in: this crashed the server (stack overflow) */
  arrays = nested (80000, "[", "", "]");
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, arrays, strlen (arrays));
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "invalid-input");
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "64"));
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "sign-in request"));
  assert_still_serving (server);

  /* nested objects inside a signed-in push */
  {
    g_autofree char *objects = nested (5000, "{\"x\":", "1", "}");

    g_string_append (push, objects);
    g_string_append (push, "}]}");
  }
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, push->str, push->len);
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "nested deeper than 64"));
  assert_still_serving (server);
  assert_sync_works (server, "after-deep.db");

  after = account_state (server);
  g_assert_cmpstr (before, ==, after);
}

static void
test_nul (void)
{
  g_autofree char *before = account_state (server);
  g_autofree char *after = NULL;
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  static const char raw[] = "{\"user\":\"admin\",\"password\":\"admin-pw\"}\0{\"ignored\":1}";
  static const char escaped[] = "{\"user\":\"admin\\u0000evil\",\"password\":\"admin-pw\"}";
  static const char in_push[] = "{\"base\":0,\"ops\":[{\"data\":{\"title\":\"a\0b\"}}]}";
  g_auto(CrmTestAnswer) answer = { 0 };

  /* a raw NUL is not the end of the text: the whole body is refused */
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, raw, sizeof raw - 1);
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "NUL"));
  /* nor does \u0000 cut a user name short */
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, escaped, strlen (escaped));
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "\\u0000"));
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, in_push, sizeof in_push - 1);
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "NUL"));
  assert_still_serving (server);

  after = account_state (server);
  g_assert_cmpstr (before, ==, after);
}

static void
test_huge_body (void)
{
  const char *args[] = { "--max-body", "1048576", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "huge", NULL);
  g_autoptr(CrmTestServer) strict = NULL;
  g_autoptr(GString) body = g_string_new ("{\"base\":0,\"ops\":[");
  g_autofree char *token = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "huge",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  strict = crm_test_server_start (dir, FALSE, args);
  token = sign_in (strict, "admin", "admin-pw");
  while (body->len < 4 * 1024 * 1024)
    g_string_append (body, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
  crm_test_http_request (strict, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, body->str, body->len);
  g_assert_cmpuint (answer.status, ==, 413);
  g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "too-large");
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "1048576"));
  assert_still_serving (strict);
  g_assert_cmpint (crm_test_server_stop (strict), ==, 0);
}

/* --- connections --------------------------------------------------------------------------- */

static int
connect_tcp (guint16 port)
{
  struct sockaddr_in address = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Whether the server has closed @fd (end-of-file or reset), without waiting; whatever
 * it sent before (a TLS alert) is read and dropped. */
static gboolean
closed_by_server (int fd)
{
  struct pollfd poll_fd = { fd, POLLIN, 0 };
  char buffer[256];
  gssize got;

  if (poll (&poll_fd, 1, 0) <= 0)
    return FALSE;
  while ((got = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
    ;
  return got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

static guint
count_closed (GArray *fds)
{
  guint closed = 0;

  for (guint i = 0; i < fds->len; i++)
    closed += closed_by_server (g_array_index (fds, int, i));
  return closed;
}

static guint16
server_port (CrmTestServer *srv)
{
  return (guint16) atoi (strrchr (srv->url, ':') + 1);
}

static guint
logged_cap (CrmTestServer *srv)
{
  g_autofree char *path = g_strdup (srv->log_path);
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "at most ");
  g_assert_nonnull (line);
  return (guint) atoi (line + strlen ("at most "));
}

#define IDLE_CONNECTIONS 1100
#define WAIT_CLOSED_S    60

static void
test_connection_exhaustion (void)
{
  const char *args[] = { "--idle-timeout", "2", NULL };
  g_autoptr(CrmTestServer) limited = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *parent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  struct rlimit own;
  gint64 deadline;
  guint cap, closed;

  /* this test holds 1100 sockets itself */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &own), ==, 0);
  if (own.rlim_max != RLIM_INFINITY && own.rlim_max < IDLE_CONNECTIONS + 200)
    {
      crm_test_fail_missing ("the test's own open-file limit is too low for 1100 connections");
      return;
    }
  own.rlim_cur = own.rlim_max == RLIM_INFINITY ? 65536 : own.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &own), ==, 0);

  parent = g_build_filename (tmpdir, "exhaustion", NULL);
  dir = crm_test_server_make_data (parent);
  limited = crm_test_server_start_with_file_limit (dir, FALSE, args, 1024);
  g_assert_cmpuint (crm_test_server_count_log (limited, "open-file limit 1024", NULL), ==, 1);
  cap = logged_cap (limited);
  g_assert_cmpuint (cap, <, 1024);
  before = account_state (limited);

  /* 1100 connections that say nothing: every one is accepted (the longest idle make
   * room at the cap), none makes the server run out of descriptors */
  for (guint i = 0; i < IDLE_CONNECTIONS; i++)
    {
      int fd = connect_tcp (server_port (limited));

      g_assert_cmpint (fd, >=, 0);
      g_array_append_val (fds, fd);
    }
  deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
  while ((closed = count_closed (fds)) < IDLE_CONNECTIONS - cap &&
         g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  g_assert_cmpuint (closed, >=, IDLE_CONNECTIONS - cap);
  g_assert_cmpuint (crm_test_server_count_log (limited, "the most allowed", NULL), >=, 1);

  /* with the rest still open, a real sync goes through */
  assert_sync_works (limited, "under-siege.db");

  /* and the idle ones are closed after the idle timeout */
  while ((closed = count_closed (fds)) < IDLE_CONNECTIONS && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (closed, ==, IDLE_CONNECTIONS);
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_set_size (fds, 0);
  assert_still_serving (limited);

  /* out of descriptors anyway (the limit lowered under the running server): libsoup's
   * accept fails and it stops listening; the server notices and listens again */
  {
    struct rlimit lowered = { 200, 1024 };   /* soft; the hard limit stays */
    GPid pid = (GPid) atoi (g_subprocess_get_identifier (limited->process));

    if (prlimit (pid, RLIMIT_NOFILE, &lowered, NULL) != 0)
      g_test_message ("prlimit on the server: %s; not testing a stalled listener",
                      g_strerror (errno));
    else
      {
        for (guint i = 0; i < 400; i++)
          {
            int fd = connect_tcp (server_port (limited));

            if (fd >= 0)
              g_array_append_val (fds, fd);
          }
        assert_still_serving (limited);
        g_assert_cmpuint (crm_test_server_count_log (limited, "accepting again", NULL), >=, 1);
        assert_still_serving (limited);
        for (guint i = 0; i < fds->len; i++)
          close (g_array_index (fds, int, i));
        g_array_set_size (fds, 0);
        /* (200 descriptors are too few for making snapshots beside 170 connections) */
        lowered.rlim_cur = 1024;
        g_assert_cmpint (prlimit (pid, RLIMIT_NOFILE, &lowered, NULL), ==, 0);
        assert_sync_works (limited, "after-stall.db");
      }
  }

  after = account_state (limited);
  g_assert_cmpint (crm_test_server_stop (limited), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (limited, "CRITICAL", NULL), ==, 0);
  /* the syncs only read: the account is as it was */
  g_assert_cmpstr (before, ==, after);
}

static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

/* A TLS client (no certificate check) on a connection to @srv. */
static GIOStream *
tls_connect (CrmTestServer *srv)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("127.0.0.1",
                                                                  server_port (srv));
  GIOStream *tls;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server_port (srv), NULL,
                                                &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  return tls;
}

static void
test_slow_clients (void)
{
  const char *args[] = { "--idle-timeout", "2", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "slow", NULL);
  g_autoptr(CrmTestServer) slow = NULL;
  static const char header[] = "GET /api/v1/info HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  static const guchar record[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };   /* a 512-byte record */
  gboolean closed = FALSE;
  guint sent = 0;
  int fd;

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "slow",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  slow = crm_test_server_start (dir, FALSE, args);

  /* a byte at a time of request headers that never end, well inside the idle timeout
   * each: the connection is closed all the same (at most 150 bytes, then we give up) */
  {
    g_autoptr(GIOStream) tls = tls_connect (slow);
    GOutputStream *out = g_io_stream_get_output_stream (tls);
    GInputStream *in = g_io_stream_get_input_stream (tls);

    for (guint i = 0; i < 150 && !closed; i++)
      {
        char byte = i < sizeof header - 1 ? header[i] : 'a';
        char buffer[64];
        g_autoptr(GError) error = NULL;
        gssize got;

        if (g_output_stream_write (out, &byte, 1, NULL, &error) != 1)
          {
            closed = TRUE;
            break;
          }
        sent++;
        g_usleep (200 * 1000);
        got = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in), buffer,
                                                        sizeof buffer, NULL, &error);
        closed = got == 0 || (got < 0 && !g_error_matches (error, G_IO_ERROR,
                                                           G_IO_ERROR_WOULD_BLOCK));
      }
    g_assert_true (closed);
    g_assert_cmpuint (sent, >, 0);
  }

  /* the same inside the TLS handshake: a record that never completes */
  fd = connect_tcp (server_port (slow));
  g_assert_cmpint (fd, >=, 0);
  closed = FALSE;
  for (guint i = 0; i < 150 && !closed; i++)
    {
      guchar byte = i < sizeof record ? record[i] : 0x42;

      if (send (fd, &byte, 1, MSG_NOSIGNAL) != 1)
        break;
      g_usleep (200 * 1000);
      closed = closed_by_server (fd);
    }
  close (fd);
  g_assert_true (closed);

  assert_still_serving (slow);
  g_assert_cmpint (crm_test_server_stop (slow), ==, 0);
}

/* A TLS handshake and GET /api/v1/info over @connection: the answer's text, or the error. */
static gpointer
info_over (gpointer data)
{
  GIOStream *connection = data;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("127.0.0.1", 443);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  static const char request[] = "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Connection: close\r\n\r\n";
  GString *answer = g_string_new (NULL);
  char buffer[4096];
  gssize got;

  tls = g_tls_client_connection_new (connection, identity, &error);
  if (tls != NULL)
    {
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      if (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error) &&
          g_output_stream_write_all (g_io_stream_get_output_stream (tls), request,
                                     sizeof request - 1, NULL, NULL, &error))
        while (answer->len < 64 * 1024 &&
               (got = g_input_stream_read (g_io_stream_get_input_stream (tls), buffer,
                                           sizeof buffer, NULL, &error)) > 0)
          g_string_append_len (answer, buffer, got);
    }
  if (answer->len == 0 && error != NULL)
    g_string_printf (answer, "error: %s", error->message);
  return g_string_free (answer, FALSE);
}

/* A client that connects while the server is busy elsewhere for longer than the time a
 * connection has to send its first request (--idle-timeout 2: 2 s) is served once the
 * server gets to it, not cut off: what it sent waits unread in the server's socket
 * (issue 21: 200 clients at once on a loaded machine, ≈ 100 TLS handshakes cut off).
 * The server is stopped (SIGSTOP) for that long, as a main loop serving other requests or
 * a queue of handshakes holds it; a connection that says nothing is still closed. */
static void
test_busy_server (void)
{
  const char *args[] = { "--idle-timeout", "2", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "busy", NULL);
  g_autoptr(CrmTestServer) busy = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  GThread *thread;
  GPid pid;
  gint64 deadline;
  gboolean closed = FALSE;
  int silent;

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "busy",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  busy = crm_test_server_start (dir, FALSE, args);
  pid = (GPid) atoi (g_subprocess_get_identifier (busy->process));

  /* connected (and accepted: the server is idle), then the server is busy for 4 s; the
   * client's handshake is sent meanwhile */
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", server_port (busy), NULL,
                                                &error);
  g_assert_no_error (error);
  g_usleep (500 * 1000);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  thread = g_thread_new ("busy-client", info_over, connection);
  g_usleep (4 * G_USEC_PER_SEC);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  answer = g_thread_join (thread);
  if (!g_str_has_prefix (answer, "HTTP/1.1 200") || strstr (answer, "voronka-server") == NULL)
    g_error ("the client that waited for the busy server got «%s»", answer);
  assert_still_serving (busy);

  /* one that connects and says nothing is closed all the same, and the server says so */
  silent = connect_tcp (server_port (busy));
  g_assert_cmpint (silent, >=, 0);
  deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
  while (!(closed = closed_by_server (silent)) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  close (silent);
  g_assert_true (closed);
  g_assert_true (crm_test_server_wait_log (busy, 1, 10, "sent no request within 2 s", NULL));
  g_assert_cmpint (crm_test_server_stop (busy), ==, 0);
}

/* One answer read whole from @in: the headers and as many bytes as Content-Length says. */
static char *
read_answer (GInputStream *in)
{
  GString *answer = g_string_new (NULL);
  char buffer[4096];
  gssize got;

  while (answer->len < 256 * 1024)
    {
      const char *end = strstr (answer->str, "\r\n\r\n");
      const char *length = strstr (answer->str, "Content-Length: ");

      if (end != NULL && length != NULL && length < end &&
          answer->len >= (gsize) (end + 4 - answer->str) + (gsize) atoi (length + 16))
        break;
      got = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL);
      if (got <= 0)
        break;
      g_string_append_len (answer, buffer, got);
    }
  return g_string_free (answer, FALSE);
}

/* The descriptors @pid has open. */
static guint
open_descriptors (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* A kept-alive connection whose request was answered waits for the next one as an idle
 * connection does: closed after the idle timeout (issue 21's load run found such
 * connections never closed, in no idle queue, so never evicted at the cap either); and
 * one its client closes between two requests gives its descriptor back (the run counted
 * 1 050 held in CLOSE-WAIT: libsoup 3.2 leaves such a connection open). */
typedef struct {
  GPid  pid;
  guint at_most;
} Descriptors;

/* The server's descriptors once their number holds still for half a second (bounded):
 * a connection it has just closed, or a worker's wakeup descriptor, may still be open for
 * a moment on a loaded machine, and a count taken then is one too high. */
static guint
settled_descriptors (GPid pid)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
  guint n = open_descriptors (pid);
  guint same = 0;

  while (same < 5 && g_get_monotonic_time () < deadline)
    {
      guint now;

      g_usleep (100 * 1000);
      now = open_descriptors (pid);
      same = now == n ? same + 1 : 0;
      n = now;
    }
  return n;
}

/* Whether the server holds no more descriptors than it did before the connections. */
static gboolean
descriptors_back (Descriptors *d)
{
  return open_descriptors (d->pid) <= d->at_most;
}

/* A GET /api/v1/info on a new kept-alive connection, answered whole; the connection. */
static GIOStream *
answered_connection (CrmTestServer *srv,
                     gboolean       keep_alive)
{
  static const char request[] = "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  static const char closing[] = "GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Connection: close\r\n\r\n";
  GIOStream *tls = tls_connect (srv);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls),
                                            keep_alive ? request : closing,
                                            keep_alive ? sizeof request - 1 : sizeof closing - 1,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  answer = read_answer (g_io_stream_get_input_stream (tls));
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  return tls;
}

static void
test_kept_alive_idle (void)
{
  const char *args[] = { "--idle-timeout", "2", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "kept-alive", NULL);
  g_autoptr(CrmTestServer) srv = NULL;
  Descriptors descriptors;
  gint64 deadline;

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "kept",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  srv = crm_test_server_start (dir, FALSE, args);
  descriptors.pid = (GPid) atoi (g_subprocess_get_identifier (srv->process));

  /* what the server holds once it has answered a request (a connection it closed) */
  g_object_unref (answered_connection (srv, FALSE));
  descriptors.at_most = settled_descriptors (descriptors.pid);

  /* answered, then silent: the server closes it after the idle timeout */
  {
    g_autoptr(GIOStream) tls = answered_connection (srv, TRUE);
    gboolean closed = FALSE;

    deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
    while (!closed && g_get_monotonic_time () < deadline)
      {
        g_autoptr(GError) read_error = NULL;
        char buffer[256];
        gssize got;

        got = g_pollable_input_stream_read_nonblocking (
          G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (tls)), buffer, sizeof buffer,
          NULL, &read_error);
        closed = got == 0 || (got < 0 && !g_error_matches (read_error, G_IO_ERROR,
                                                           G_IO_ERROR_WOULD_BLOCK));
        if (!closed)
          g_usleep (100 * 1000);
      }
    if (!closed)
      g_error ("an answered kept-alive connection was still open after %d s", WAIT_CLOSED_S);
  }
  /* and its descriptor is given back */
  deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
  while (!descriptors_back (&descriptors) && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  if (!descriptors_back (&descriptors))
    g_error ("the server still holds %u descriptors after closing an idle connection, %u "
             "before it", open_descriptors (descriptors.pid), descriptors.at_most);

  /* answered, then closed by its client between two requests: its descriptor comes back */
  descriptors.at_most = settled_descriptors (descriptors.pid);
  {
    g_autoptr(GIOStream) tls = answered_connection (srv, TRUE);

    g_assert_cmpuint (open_descriptors (descriptors.pid), >, descriptors.at_most);
    g_assert_true (g_io_stream_close (tls, NULL, NULL));
  }
  deadline = g_get_monotonic_time () + WAIT_CLOSED_S * G_USEC_PER_SEC;
  while (!descriptors_back (&descriptors) && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  if (!descriptors_back (&descriptors))
    g_error ("the server still holds %u descriptors after its client closed a kept-alive "
             "connection, %u before it", open_descriptors (descriptors.pid),
             descriptors.at_most);

  assert_still_serving (srv);
  g_assert_cmpint (crm_test_server_stop (srv), ==, 0);
}

/* --- sign-in ------------------------------------------------------------------------------- */

typedef struct {
  guint answered;
  guint refused;
} Burst;

static void
burst_answered (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Burst *burst = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);

  burst->answered++;
  if (msg != NULL && soup_message_get_status (msg) == 401)
    burst->refused++;
}

static void
pull_answered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *status = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);

  *status = msg != NULL ? soup_message_get_status (msg) : 1;
}

#define BURST 40

static void
test_sign_in_burst (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "burst", NULL);
  g_autoptr(CrmTestServer) busy = NULL;
  g_autoptr(SoupSession) attackers = NULL;
  g_autoptr(SoupSession) rep = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SoupMessage) pull = NULL;
  g_autofree char *token = NULL;
  Burst burst = { 0 };
  guint pull_status = 0;
  guint answered_at_pull;
  gint64 deadline;

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "busy",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  busy = crm_test_server_start (dir, FALSE, NULL);
  token = sign_in (busy, "admin", "admin-pw");
  attackers = crm_test_http_session_new (busy);
  rep = crm_test_http_session_new (busy);

  /* 40 sign-ins with wrong passwords at once: each is a slow, memory-hard hash */
  for (guint i = 0; i < BURST; i++)
    {
      static const char body[] = "{\"user\":\"admin\",\"password\":\"guess\"}";
      SoupMessage *msg = crm_test_http_message_new (busy, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body,
                                      sizeof body - 1);

      g_ptr_array_add (messages, msg);
      soup_session_send_and_read_async (attackers, msg, G_PRIORITY_DEFAULT, NULL,
                                        burst_answered, &burst);
    }
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (burst.answered == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (burst.answered, >, 0);

  /* the hashes run beside the main loop: a rep's pull is answered before they are done */
  pull = crm_test_http_message_new (busy, "GET", CRM_PROTOCOL_PATH_PULL, token, NULL, 0);
  soup_session_send_and_read_async (rep, pull, G_PRIORITY_DEFAULT, NULL, pull_answered,
                                    &pull_status);
  while (pull_status == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  answered_at_pull = burst.answered;
  g_assert_cmpuint (pull_status, ==, 200);
  g_assert_cmpuint (answered_at_pull, <, BURST);

  while (burst.answered < BURST && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (burst.answered, ==, BURST);
  g_assert_cmpuint (burst.refused, ==, BURST);
  g_test_message ("the pull was answered after %u of %u sign-ins", answered_at_pull, BURST);
  assert_still_serving (busy);
  g_assert_cmpint (crm_test_server_stop (busy), ==, 0);
}

static void
test_token_flood (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "flood", NULL);
  g_autoptr(CrmTestServer) flooded = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *token = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  static const char good[] = "{\"user\":\"admin\",\"password\":\"admin-pw\"}";
  guint unauthorized = 0, limited = 0;
  gint64 start, last_limited = 0;
  double elapsed_s;

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "flood",
                                          "--admin", "admin", "--password-stdin", NULL), ==, 0);
  flooded = crm_test_server_start (dir, FALSE, NULL);
  token = sign_in (flooded, "admin", "admin-pw");
  session = crm_test_http_session_new (flooded);

  /* random tokens are guesses: they use up this address's sign-in attempts (a burst of
   * 60, then 2 a second); thousands of new tokens never reset that (each used to get a
   * bucket of its own, and 50000 of them cleared every bucket) */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *random = g_strdup_printf ("vrk_%08x%08x%08x", g_random_int (),
                                                 g_random_int (), i);

      crm_test_http_send_on (session, flooded, &answer, "GET", CRM_PROTOCOL_PATH_PULL, random, NULL, 0);
      if (answer.status == 401)
        unauthorized++;
      else
        {
          g_assert_cmpuint (answer.status, ==, 429);
          g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "rate-limited");
          limited++;
          last_limited = g_get_monotonic_time ();
        }
    }
  elapsed_s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%u refused as wrong, %u as too many, in %.1f s", unauthorized, limited,
                  elapsed_s);
  g_assert_cmpuint (limited, >, 0);
  g_assert_cmpfloat (unauthorized, <=, 60 + 2 * elapsed_s + 1);

  /* so the password can not be guessed on behind the flood either (unless half a
   * second passed since the last refusal, which refills one attempt) */
  crm_test_http_send_on (session, flooded, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, good,
           sizeof good - 1);
  if (g_get_monotonic_time () - last_limited < G_USEC_PER_SEC / 4)
    {
      g_assert_cmpuint (answer.status, ==, 429);
      g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "sign-in"));
    }

  /* while a signed-in device keeps working */
  crm_test_http_send_on (session, flooded, &answer, "GET", CRM_PROTOCOL_PATH_PULL, token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpint (crm_test_server_stop (flooded), ==, 0);
}

/* --- TLS, plain HTTP, file modes ------------------------------------------------------------ */

/* A GnuTLS handshake with @srv offering only what @priority allows; the error or NULL. */
static char *
handshake_with (CrmTestServer *srv,
                const char    *priority)
{
  gnutls_session_t session;
  gnutls_certificate_credentials_t credentials;
  const char *where = NULL;
  int fd = connect_tcp (server_port (srv));
  int rc;
  char *failure = NULL;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&credentials), ==, 0);
  g_assert_cmpint (gnutls_init (&session, GNUTLS_CLIENT), ==, 0);
  g_assert_cmpint (gnutls_priority_set_direct (session, priority, &where), ==, 0);
  g_assert_cmpint (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials), ==, 0);
  gnutls_transport_set_int (session, fd);
  gnutls_handshake_set_timeout (session, 20 * 1000);
  do
    rc = gnutls_handshake (session);
  while (rc < 0 && gnutls_error_is_fatal (rc) == 0);
  if (rc < 0)
    failure = g_strdup (gnutls_strerror (rc));
  else
    g_test_message ("negotiated %s", gnutls_protocol_get_name (gnutls_protocol_get_version (session)));
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (credentials);
  close (fd);
  return failure;
}

static void
test_tls_versions (void)
{
  g_autofree char *old = handshake_with (server, "NORMAL:-VERS-ALL:+VERS-TLS1.1");
  g_autofree char *older = handshake_with (server, "NORMAL:-VERS-ALL:+VERS-TLS1.0");
  g_autofree char *current = handshake_with (server, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
  g_autofree char *newest = handshake_with (server, "NORMAL:-VERS-ALL:+VERS-TLS1.3");

  g_test_message ("TLS 1.1: %s; TLS 1.0: %s", old ? old : "accepted", older ? older : "accepted");
  g_assert_nonnull (old);
  g_assert_nonnull (older);
  g_assert_null (current);
  g_assert_null (newest);
  assert_still_serving (server);
}

static void
test_insecure_http_public (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  const char *addresses[] = { "0.0.0.0:0", "[::]:0", NULL };

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

      process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VORONKA_SERVER"),
                                             "--data", data_dir, "serve", "--listen",
                                             addresses[i], "--insecure-http", NULL);
      g_assert_no_error (error);
      while (g_subprocess_get_identifier (process) != NULL && g_get_monotonic_time () < deadline)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (10 * 1000);
        }
      if (g_subprocess_get_identifier (process) != NULL)
        {
          g_subprocess_force_exit (process);
          g_error ("serve --insecure-http --listen %s kept running", addresses[i]);
        }
      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &text, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      g_assert_nonnull (text);
      g_assert_nonnull (strstr (text, "loopback"));
    }
  assert_still_serving (server);
}

static void
assert_private_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  struct stat info;

  g_assert_cmpint (g_stat (path, &info), ==, 0);
  if ((info.st_mode & 0077) != 0)
    g_error ("%s is %o; only the server's user may read it", path, info.st_mode & 0777);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_str_has_prefix (name, "serve.log"))
        continue;   /* the test's own capture of the server's output */
      g_assert_cmpint (g_lstat (child, &info), ==, 0);
      if (S_ISDIR (info.st_mode))
        assert_private_tree (child);
      else if ((info.st_mode & 0077) != 0)
        g_error ("%s is %o; only the server's user may read it", child, info.st_mode & 0777);
    }
}

static void
test_file_modes (void)
{
  g_autofree char *key = g_build_filename (data_dir, "tls", "key.pem", NULL);
  g_autofree char *snapshots = g_build_filename (data_dir, "snapshots", NULL);
  struct stat info;

  /* server.db, the account databases with their WAL files, snapshots, the TLS key */
  assert_sync_works (server, "modes.db");
  g_assert_cmpint (g_stat (key, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_test (snapshots, G_FILE_TEST_IS_DIR));
  assert_private_tree (data_dir);
}

/* --- what voronkactl reads ------------------------------------------------------------------ */

static char *
write_file (const char *name,
            const char *text,
            gsize       length)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, (gssize) length, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_cli_files (void)
{
  g_autofree char *db = g_build_filename (tmpdir, "cli.db", NULL);
  g_autofree char *deep_text = nested (100000, "[", "", "]");
  g_autofree char *deep = write_file ("deep.json", deep_text, strlen (deep_text));
  static const char nul_text[] = "{\"name\": \"Правило\", \"trigger\": {\"type\": \"deal_created\"},"
                                 " \"actions\": []}\0[[[[";
  g_autofree char *nul = write_file ("nul.json", nul_text, sizeof nul_text - 1);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *files[] = { deep, nul, NULL };
  const char *needles[] = { "64", "NUL", NULL };

  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_run_cli (&run, "--db", db, "init", "--template", "truck-dealer", NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_autoptr(CrmStore) store = crm_test_open (db);
    before = crm_test_dump (store);
  }

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_auto(CrmTestRun) run = { 0 };
      g_auto(CrmTestRun) init = { 0 };
      g_autofree char *fresh = g_strdup_printf ("%s/fresh-%u.db", tmpdir, i);

      /* rule import: exit 1, the file and the limit named, nothing written */
      crm_test_run_cli (&run, "--db", db, "rule", "import", files[i], NULL);
      g_assert_cmpint (run.status, ==, 1);
      if (strstr (run.err, needles[i]) == NULL || strstr (run.err, files[i]) == NULL)
        g_error ("rule import %s: «%s» names neither «%s» nor the file", files[i], run.err,
                 needles[i]);

      /* init --template: exit 1, and no replica */
      crm_test_run_cli (&init, "--db", fresh, "init", "--template", files[i], NULL);
      g_assert_cmpint (init.status, ==, 1);
      if (strstr (init.err, needles[i]) == NULL)
        g_error ("init --template %s: «%s» does not name «%s»", files[i], init.err, needles[i]);
      g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
    }
  {
    g_autoptr(CrmStore) store = crm_test_open (db);
    after = crm_test_dump (store);
  }
  g_assert_cmpstr (before, ==, after);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, &data_dir);

  g_test_add_func ("/server-limits/parser", test_parser);
  g_test_add_func ("/server-limits/deep-json", test_deep_json);
  g_test_add_func ("/server-limits/nul", test_nul);
  g_test_add_func ("/server-limits/huge-body", test_huge_body);
  g_test_add_func ("/server-limits/tls-versions", test_tls_versions);
  g_test_add_func ("/server-limits/insecure-http-public", test_insecure_http_public);
  g_test_add_func ("/server-limits/file-modes", test_file_modes);
  g_test_add_func ("/server-limits/cli-files", test_cli_files);
  g_test_add_func ("/server-limits/sign-in-burst", test_sign_in_burst);
  g_test_add_func ("/server-limits/token-flood", test_token_flood);
  g_test_add_func ("/server-limits/slow-clients", test_slow_clients);
  g_test_add_func ("/server-limits/busy-server", test_busy_server);
  g_test_add_func ("/server-limits/kept-alive-idle", test_kept_alive_idle);
  g_test_add_func ("/server-limits/connection-exhaustion", test_connection_exhaustion);
  status = g_test_run ();

  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  return status;
}
