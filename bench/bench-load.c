/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-load.c — `voronka-bench-load`: many concurrent protocol-level clients against
 * real voronka-server processes on 127.0.0.1 (issue 21 "Load").
 *
 * The clients are not replicas: each is a device id, a pull cursor and HTTP requests
 * written with the protocol codec (crm-protocol.h), all of them async libsoup requests
 * on one main loop in this one process (one session signed in once, as the admin; every
 * client pushes as a device of its own). Three phases, each with every client at once:
 *   - write: each client only pushes N ops;
 *   - read: each client only pulls the 1000 ops before the head;
 *   - mixed: each client pushes N new contacts in one push, then pulls from where it
 *     stood before its push up to the head (pages of up to 5000):
 *     ops/s = (pushed + pulled) / s.
 * For write and read, the CPU time (utime + stime from /proc) the voronka-server
 * processes used in the phase, per op: the server's own cost, not the clients'
 * (PostgreSQL's processes are counted apart). Any failed request counts as an error;
 * the run fails when there is one. Every wait is bounded (--phase-timeout). The mixed
 * phase comes last and is the longest (at 1 000 clients each pulls what the other 999
 * pushed, ≈ 25 million ops in all): when the bound cuts it, its ops/s so far is printed
 * as a lower bound with the clients still pulling, and no request has failed, the run
 * still passes; the bound cutting write or read fails it. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <libsoup/soup.h>

#include "bench-server.h"
#include "bench-util.h"
#include "crm-hlc.h"
#include "crm-op.h"
#include "crm-protocol.h"
#include "crm-store.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define PASSWORD        "bench-pw"
#define PAGE            1000

static gboolean
fail (GError     *error,
      const char *what)
{
  g_printerr ("bench-load: %s: %s\n", what, error ? error->message : "failed");
  return FALSE;
}

/* `serve` on a free loopback port, plain HTTP (as behind the reverse proxy of the admin
 * guide: TLS is the proxy's), no timer rules, no delivery. The clients share one session
 * where a field team's devices have one each: the session's request rate and burst are
 * the server's defaults (50/s, 500) times the clients, or its per-session limit answers
 * 429 to the 1 000 pulls of a phase's start, which 1 000 devices would not meet. */
static gint idle_timeout_s = 0;
static gint session_clients = 1;

static GSubprocess *
start_server (const char  *server_bin,
              const char  *data,
              const char  *database,
              const char  *log,
              char       **out_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GSubprocess *server;

  g_ptr_array_add (argv, (gpointer) server_bin);
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, (gpointer) data);
  if (database != NULL)
    {
      g_ptr_array_add (argv, "--database");
      g_ptr_array_add (argv, (gpointer) database);
    }
  for (const char *const *arg = (const char *const []) { "serve", "--listen", "127.0.0.1:0",
                                                         "--insecure-http", "--tick-interval",
                                                         "0", "--delivery-interval", "0",
                                                         NULL };
       *arg != NULL; arg++)
    g_ptr_array_add (argv, (gpointer) *arg);
  g_ptr_array_add (argv, "--rate");
  g_ptr_array_add (argv, g_strdup_printf ("%d", 50 * session_clients));    /* lives as long */
  g_ptr_array_add (argv, "--burst");
  g_ptr_array_add (argv, g_strdup_printf ("%d", 500 * session_clients));
  if (idle_timeout_s > 0)
    {
      g_ptr_array_add (argv, "--idle-timeout");
      g_ptr_array_add (argv, g_strdup_printf ("%d", idle_timeout_s));   /* lives as long */
    }
  g_ptr_array_add (argv, NULL);
  server = bench_server_start ((const char * const *) argv->pdata, log, out_url, &error);
  if (server == NULL)
    fail (error, "starting voronka-server");
  return server;
}

/* The cluster's postmaster (--postgres-pid), or 0. */
static gint postmaster_pid = 0;

/* The parent of process @pid (0 when it is gone). */
static gint
process_parent (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  /* after the command: state, then the parent */
  return (gint) g_ascii_strtoll (after + 4, NULL, 10);
}

/* CPU of the cluster's processes (the postmaster of --postgres-pid and its children: the
 * backends and helpers), in µs; without it, of every process named "postgres" (other
 * clusters on the machine included). */
static gint64
postgres_cpu_us (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  gint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = NULL;
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (name[0]))
        continue;
      comm_path = g_strdup_printf ("/proc/%s/comm", name);
      if (postmaster_pid > 0 && atoi (name) != postmaster_pid &&
          process_parent (name) != postmaster_pid)
        continue;
      if (g_file_get_contents (comm_path, &comm, NULL, NULL) &&
          g_str_equal (g_strstrip (comm), "postgres"))
        total += bench_process_cpu_us (name);
    }
  return total;
}

typedef struct _Load Load;

typedef struct {
  Load    *load;
  guint    index;
  char    *url;       /* its server process */
  char    *device;
  gint64   cursor;    /* pulled up to */
  gint64   until;     /* pull up to (the head its push answer named) */
  gboolean pull_only;
} Client;

typedef enum {
  PHASE_MIXED,
  PHASE_WRITE,
  PHASE_READ,
} Phase;

struct _Load {
  SoupSession *session;
  char        *token;
  guint        ops_per_client;
  Phase        phase;
  guint        running;
  guint        errors;
  guint64      pushed;
  guint64      pulled;
  guint64      requests;
  char        *first_error;
  guint        serial;
};

static void client_pull (Client *client);

static void
client_done (Client *client)
{
  client->load->running--;
}

static void
client_failed (Client     *client,
               const char *what,
               GError     *error)
{
  Load *load = client->load;

  load->errors++;
  if (load->first_error == NULL)
    load->first_error = g_strdup_printf ("client %u %s: %s", client->index, what,
                                         error != NULL ? error->message : "?");
  client_done (client);
}

static SoupMessage *
new_request (Client     *client,
             const char *method,
             const char *path,
             GBytes     *body)
{
  g_autofree char *uri = g_strconcat (client->url, path, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", client->load->token, NULL);
  SoupMessage *msg = soup_message_new (method, uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);

  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  client->load->requests++;
  return msg;
}

/* The answer's body, or NULL with @error (a transport failure or an error status). */
static GBytes *
finish_request (SoupSession   *session,
                GAsyncResult  *result,
                GError       **error)
{
  SoupMessage *msg = soup_session_get_async_result_message (session, result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (session, result, error);
  guint status;

  if (body == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %u: %.*s", status,
                   (int) MIN (g_bytes_get_size (body), 300),
                   (const char *) g_bytes_get_data (body, NULL));
      return NULL;
    }
  return g_steal_pointer (&body);
}

/* The integer after "@key": within the last 200 bytes of @body. */
static gboolean
tail_value (const char  *tail,
            gsize        length,
            const char  *key,
            const char **out)
{
  gsize key_length = strlen (key);

  if (length < key_length)
    return FALSE;
  for (gsize i = length - key_length + 1; i > 0; i--)
    if (memcmp (tail + i - 1, key, key_length) == 0)
      {
        *out = tail + i - 1 + key_length;
        return TRUE;
      }
  return FALSE;
}

static gboolean
page_tail (GBytes   *body,
           gint64   *out_next,
           gboolean *out_more)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
  gsize length = MIN (size, 200);
  g_autofree char *tail = g_strndup (data + size - length, length);
  const char *next, *more;

  if (!tail_value (tail, length, "\"next\":", &next) ||
      !tail_value (tail, length, "\"more\":", &more))
    return FALSE;
  *out_next = g_ascii_strtoll (next, NULL, 10);
  *out_more = g_str_has_prefix (more, "true");
  return TRUE;
}

static void
pulled (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = finish_request (SOUP_SESSION (source), result, &error);
  gint64 next = 0;
  gboolean more = FALSE;

  /* only what the client needs to go on, read from the answer's end ("next", "more"):
   * sequence numbers have no gaps, so next - cursor ops came; nothing decoded, as this
   * process shares the cores with the servers */
  if (body == NULL || !page_tail (body, &next, &more))
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "a pull answer without \"next\"");
      client_failed (client, "pull", error);
      return;
    }
  client->load->pulled += next - client->cursor;
  client->cursor = next;
  if (more &&
      client->cursor < client->until)
    client_pull (client);
  else
    client_done (client);
}

static void
client_pull (Client *client)
{
  guint limit = (guint) MIN ((gint64) CRM_PROTOCOL_MAX_PULL, client->until - client->cursor);
  g_autofree char *path = g_strdup_printf ("%s?since=%" G_GINT64_FORMAT "&limit=%u",
                                           CRM_PROTOCOL_PATH_PULL, client->cursor,
                                           MAX (limit, 1));
  g_autoptr(SoupMessage) msg = new_request (client, "GET", path, NULL);

  soup_session_send_and_read_async (client->load->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    pulled, client);
}

static void
pushed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = finish_request (SOUP_SESSION (source), result, &error);
  g_autoptr(GPtrArray) results = NULL;
  gint64 head = 0;
  guint64 hlc = 0;

  if (body == NULL || !crm_push_response_parse (body, &results, &head, &hlc, &error))
    {
      client_failed (client, "push", error);
      return;
    }
  for (guint i = 0; i < results->len; i++)
    if (!((CrmPushResult *) results->pdata[i])->accepted)
      {
        g_autoptr(GError) refused = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                 "an op was refused: %s",
                                                 ((CrmPushResult *) results->pdata[i])->code);

        client_failed (client, "push", refused);
        return;
      }
  client->load->pushed += results->len;
  if (client->load->phase == PHASE_WRITE)
    {
      client_done (client);
      return;
    }
  /* then up to the head the answer named: what the others pushed meanwhile, and its own */
  client->until = head;
  if (client->cursor >= client->until)
    client_done (client);
  else
    client_pull (client);
}

static void
client_push (Client *client)
{
  Load *load = client->load;
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  gint64 now = crm_time_now_ms ();

  for (guint i = 0; i < load->ops_per_client; i++)
    {
      CrmOp *op = crm_op_new ();
      g_autofree char *name = g_strdup_printf ("Клиент нагрузки %u-%u-%u", load->serial,
                                               client->index, i);

      op->op_id = crm_uuid_v7_new (now);
      op->hlc = crm_hlc_make (now, i);
      op->device = g_strdup (client->device);
      op->entity = g_strdup ("contact");
      op->entity_id = crm_uuid_v7_new (now);
      op->fields = json_object_new ();
      json_object_set_string_member (op->fields, "name", name);
      g_ptr_array_add (ops, op);
    }
  node = crm_push_request_to_json (client->cursor, ops);
  body = crm_protocol_to_bytes (node);
  msg = new_request (client, "POST", CRM_PROTOCOL_PATH_PUSH, body);
  soup_session_send_and_read_async (load->session, msg, G_PRIORITY_DEFAULT, NULL, pushed,
                                    client);
}

/* Signs in once; the token and the head of the account. */
static gboolean
sign_in (Load        *load,
         const char  *url,
         GError     **error)
{
  CrmSessionRequest request = { "admin", PASSWORD, NULL, "bench-load" };
  g_autofree char *device = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *uri = g_strconcat (url, CRM_PROTOCOL_PATH_SESSION, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  CrmSession session = { 0 };

  request.device = device;
  node = crm_session_request_to_json (&request);
  body = crm_protocol_to_bytes (node);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                CRM_PROTOCOL_SCHEMA_HEADER, schema);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (load->session, msg, NULL, error);
  if (answer == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "sign-in: HTTP %u: %.*s",
                   soup_message_get_status (msg), (int) MIN (g_bytes_get_size (answer), 300),
                   (const char *) g_bytes_get_data (answer, NULL));
      return FALSE;
    }
  if (!crm_session_parse (answer, &session, error))
    return FALSE;
  load->token = g_strdup (session.token);
  crm_session_clear (&session);
  return TRUE;
}

/* The account's head now, from an empty pull at a far cursor's page. */
static gint64
head_of (Load        *load,
         const char  *url,
         GError     **error)
{
  g_autofree char *uri = g_strdup_printf ("%s%s?since=0&limit=1", url, CRM_PROTOCOL_PATH_PULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", load->token, NULL);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(CrmPullPage) page = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                CRM_PROTOCOL_SCHEMA_HEADER, schema);
  answer = soup_session_send_and_read (load->session, msg, NULL, error);
  if (answer == NULL || (page = crm_pull_page_parse (answer, error)) == NULL)
    return -1;
  return page->head;
}

static gint phase_timeout_s = 1800;

typedef struct {
  double  seconds;
  gint64  server_cpu_us;
  gint64  postgres_cpu_us;
  guint   cut;        /* clients still running when the phase's bound came */
} Measure;

static gint64
servers_cpu_us (GPtrArray *servers)
{
  gint64 total = 0;

  for (guint i = 0; i < servers->len; i++)
    {
      const char *id = g_subprocess_get_identifier (servers->pdata[i]);

      if (id != NULL)
        total += bench_process_cpu_us (id);
    }
  return total;
}

/* Runs one phase with every client at once. */
static gboolean
run_phase (Load      *load,
           Phase      phase,
           Client    *clients,
           guint      n_clients,
           GPtrArray *servers,
           gboolean   with_postgres,
           Measure   *out)
{
  gint64 cpu0 = servers_cpu_us (servers);
  gint64 pg0 = with_postgres ? postgres_cpu_us () : 0;
  gint64 t0 = bench_now_us ();
  gint64 deadline = t0 + (gint64) phase_timeout_s * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;
  gint64 head = head_of (load, clients[0].url, &error);

  if (head < 0)
    return fail (error, "reading the head");
  load->phase = phase;
  load->serial++;
  load->running = n_clients;
  load->pushed = load->pulled = 0;
  t0 = bench_now_us ();
  for (guint i = 0; i < n_clients; i++)
    {
      Client *client = &clients[i];

      if (phase == PHASE_READ)
        {
          client->cursor = MAX (head - PAGE, 0);
          client->until = head;
          client_pull (client);
        }
      else
        {
          client->cursor = head;
          client_push (client);
        }
    }
  while (load->running > 0 && bench_now_us () < deadline)
    g_main_context_iteration (NULL, TRUE);
  out->seconds = (bench_now_us () - t0) / (double) G_USEC_PER_SEC;
  out->server_cpu_us = servers_cpu_us (servers) - cpu0;
  out->postgres_cpu_us = with_postgres ? postgres_cpu_us () - pg0 : 0;
  out->cut = load->running;
  if (load->running > 0)
    {
      g_printerr ("bench-load: %u clients still running after %d s (%" G_GUINT64_FORMAT
                  " pushed, %" G_GUINT64_FORMAT " pulled so far)\n", load->running,
                  phase_timeout_s, load->pushed, load->pulled);
      return FALSE;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *server_bin = NULL;
  g_autofree char *database = NULL;
  g_autofree char *label = NULL;
  gint n_clients = 1000, n_ops = 50, n_processes = 0;
  gboolean quick = FALSE;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &server_bin, "voronka-server to run", "BIN" },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database,
      "serve with --database URL (PostgreSQL); default: the embedded SQLite", "URL" },
    { "processes", 0, 0, G_OPTION_ARG_INT, &n_processes,
      "server processes (default: 2 on PostgreSQL, 1 on SQLite)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "concurrent clients (default 1000)", "N" },
    { "ops", 0, 0, G_OPTION_ARG_INT, &n_ops, "ops each client pushes (default 50)", "N" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "the figures' prefix (default load.sqlite "
      "or load.pg)", "NAME" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout_s,
      "serve --idle-timeout S (default: the server's, 60 s)", "S" },
    { "phase-timeout", 0, 0, G_OPTION_ARG_INT, &phase_timeout_s,
      "give up on a phase after this long (default 1800 s)", "S" },
    { "postgres-pid", 0, 0, G_OPTION_ARG_INT, &postmaster_pid,
      "count the CPU of this postmaster and its children only (default: every process "
      "named postgres)", "PID" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "50 clients, 10 ops: the program still runs",
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— load: many clients at once");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *tmp = NULL;
  g_autofree Client *clients = NULL;
  struct rlimit limit;
  Load load = { 0 };
  Measure mixed = { 0 }, write = { 0 }, read = { 0 };
  gboolean ok = TRUE;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error, "options"), 2;
  if (server_bin == NULL)
    {
      g_printerr ("bench-load: --server BIN is needed\n");
      return 2;
    }
  if (quick)
    n_clients = MIN (n_clients, 50), n_ops = MIN (n_ops, 10);
  if (n_processes <= 0)
    n_processes = database != NULL ? 2 : 1;
  if (database == NULL && n_processes > 1)
    {
      g_printerr ("bench-load: several processes need --database (PostgreSQL)\n");
      return 2;
    }
  if (label == NULL)
    label = g_strdup (database != NULL ? "load.pg" : "load.sqlite");

  /* a socket a client: this process needs as many descriptors, and more */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
      if (limit.rlim_cur < (rlim_t) n_clients + 64)
        g_printerr ("bench-load: the open-file limit (%lu) is below the clients (%d): raise "
                    "it (ulimit -n)\n", (gulong) limit.rlim_cur, n_clients);
    }

  session_clients = n_clients;
  tmp = g_dir_make_tmp ("voronka-bench-load-XXXXXX", &error);
  if (tmp == NULL)
    return fail (error, "temporary folder"), 1;
  for (gint p = 0; p < n_processes && ok; p++)
    {
      g_autofree char *name = g_strdup_printf ("data-%d", p);
      g_autofree char *data = g_build_filename (tmp, name, NULL);
      g_autofree char *log_name = g_strdup_printf ("server-%d.log", p);
      g_autofree char *log = g_build_filename (tmp, log_name, NULL);
      char *url = NULL;
      GSubprocess *server;

      g_mkdir_with_parents (data, 0700);
      if (p == 0)
        {
          gboolean made = database != NULL
            ? bench_server_admin (server_bin, data, PASSWORD, &error, "--database", database,
                                  "account", "create", "load", "--template", "truck-dealer",
                                  "--admin", "admin", "--password-stdin", NULL)
            : bench_server_admin (server_bin, data, PASSWORD, &error, "account", "create",
                                  "load", "--template", "truck-dealer", "--admin", "admin",
                                  "--password-stdin", NULL);

          if (!made)
            {
              ok = fail (error, "account create");
              break;
            }
        }
      server = start_server (server_bin, data, database, log, &url);
      if (server == NULL)
        {
          ok = FALSE;
          break;
        }
      g_ptr_array_add (servers, server);
      g_ptr_array_add (urls, url);
    }

  if (ok)
    {
      load.session = soup_session_new_with_options ("max-conns", n_clients + 16,
                                                    "max-conns-per-host", n_clients + 16,
                                                    /* a request may wait its
                                                     * turn for the whole phase */
                                                    "timeout", phase_timeout_s,
                                                    /* kept between phases: closed
                                                     * after libsoup's 60 s idle, one
                                                     * pull of 1 000 sent as its
                                                     * connection closed was never
                                                     * answered nor failed */
                                                    "idle-timeout", 0, NULL);
      load.ops_per_client = (guint) n_ops;
      if (!sign_in (&load, urls->pdata[0], &error))
        ok = fail (error, "signing in");
    }
  if (ok)
    {
      clients = g_new0 (Client, n_clients);
      for (gint i = 0; i < n_clients; i++)
        {
          clients[i].load = &load;
          clients[i].index = (guint) i;
          clients[i].url = urls->pdata[i % urls->len];
          clients[i].device = crm_uuid_v7_new (crm_time_now_ms ());
        }
      g_print ("# %s: %d clients, %d ops each, %d server process(es) on %s; load average "
               "before: ", label, n_clients, n_ops, n_processes,
               database != NULL ? "PostgreSQL" : "the embedded SQLite");
      {
        g_autofree char *loadavg = NULL;

        g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
        g_print ("%s", loadavg != NULL ? loadavg : "?\n");
      }
      ok = run_phase (&load, PHASE_WRITE, clients, (guint) n_clients, servers,
                      database != NULL, &write);
      if (ok)
        {
          g_autofree char *name = g_strconcat (label, ".server_cpu_per_pushed_op", NULL);
          g_autofree char *pg_name = g_strconcat (label, ".postgres_cpu_per_pushed_op", NULL);

          g_print ("# %s write: %" G_GUINT64_FORMAT " pushed in %.1f s (%.0f ops/s)\n", label,
                   load.pushed, write.seconds, load.pushed / write.seconds);
          bench_figure (name, write.server_cpu_us / (double) MAX (load.pushed, 1), "µs", NULL);
          if (database != NULL)
            bench_figure (pg_name, write.postgres_cpu_us / (double) MAX (load.pushed, 1), "µs",
                          NULL);
        }
      ok = ok && run_phase (&load, PHASE_READ, clients, (guint) n_clients, servers,
                            database != NULL, &read);
      if (ok)
        {
          g_autofree char *name = g_strconcat (label, ".server_cpu_per_pulled_op", NULL);
          g_autofree char *pg_name = g_strconcat (label, ".postgres_cpu_per_pulled_op", NULL);

          g_print ("# %s read: %" G_GUINT64_FORMAT " pulled in %.1f s (%.0f ops/s)\n", label,
                   load.pulled, read.seconds, load.pulled / read.seconds);
          bench_figure (name, read.server_cpu_us / (double) MAX (load.pulled, 1), "µs", NULL);
          if (database != NULL)
            bench_figure (pg_name, read.postgres_cpu_us / (double) MAX (load.pulled, 1), "µs",
                          NULL);
        }
      /* cut by the bound (some clients still running), what was done in it is still a
       * rate: a lower bound */
      if (ok && !run_phase (&load, PHASE_MIXED, clients, (guint) n_clients, servers,
                            database != NULL, &mixed) && mixed.cut == 0)
        ok = FALSE;   /* it did not start: the head unread */
      if (ok)
        {
          gboolean finished = mixed.cut == 0;
          g_autofree char *name = g_strconcat (label, ".ops_per_s", NULL);

          g_print ("# %s mixed: %" G_GUINT64_FORMAT " pushed, %" G_GUINT64_FORMAT " pulled in "
                   "%.1f s, %u errors%s\n", label, load.pushed, load.pulled, mixed.seconds,
                   load.errors, finished ? "" : ", cut by --phase-timeout");
          if (!finished)
            g_print ("# %s mixed: %u clients still pushing or pulling at the bound; the ops/s "
                     "below is a lower bound\n", label, mixed.cut);
          bench_figure (name, (load.pushed + load.pulled) / MAX (mixed.seconds, 1e-6),
                        "ops/s", NULL);
          g_print ("# %s mixed: server CPU %.1f s, PostgreSQL CPU %.1f s; load average after: ",
                   label, mixed.server_cpu_us / 1e6, mixed.postgres_cpu_us / 1e6);
          {
            g_autofree char *loadavg = NULL;

            g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
            g_print ("%s", loadavg != NULL ? loadavg : "?\n");
          }
        }
      {
        g_autofree char *name = g_strconcat (label, ".errors", NULL);

        bench_figure (name, load.errors, "", "0");
      }
      if (load.errors > 0)
        {
          g_printerr ("bench-load: %u failed requests; the first: %s\n", load.errors,
                      load.first_error);
          ok = FALSE;
        }
    }

  for (guint i = 0; i < servers->len; i++)
    bench_server_stop (servers->pdata[i]);
  for (gint i = 0; clients != NULL && i < n_clients; i++)
    g_free (clients[i].device);
  g_clear_object (&load.session);
  g_free (load.token);
  g_free (load.first_error);
  if (ok)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tmp);

      if (system (command) != 0)
        g_printerr ("bench-load: could not remove %s\n", tmp);
    }
  else
    g_printerr ("bench-load: the servers' logs are in %s\n", tmp);
  return ok ? 0 : 1;
}
