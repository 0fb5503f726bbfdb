/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-metrics.c — counters and their Prometheus exposition (see the header). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n.h>

#include "crm-server-metrics.h"
#include "crm-server-net.h"
#include "crm-protocol.h"

/* the routes requests are counted by; anything else is "other", so that scanners asking
 * for random paths cannot grow the label set */
static const char *const routes[] = {
  CRM_PROTOCOL_PATH_SESSION,
  CRM_PROTOCOL_PATH_PUSH,
  CRM_PROTOCOL_PATH_PULL,
  CRM_PROTOCOL_PATH_SNAPSHOT,
  CRM_PROTOCOL_PATH_INFO,
  CRM_PROTOCOL_PATH_FILES,       /* every file's path counts as this one */
  CRM_PROTOCOL_PATH_LIVE,
  "/healthz",
  "/readyz",
};
#define N_ROUTES (G_N_ELEMENTS (routes) + 1)
#define OTHER_ROUTE G_N_ELEMENTS (routes)

/* seconds; the last bucket is +Inf */
static const double bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
#define N_BOUNDS G_N_ELEMENTS (bounds)

typedef struct {
  guint64 buckets[N_BOUNDS];
  guint64 count;
  double  sum;
} Histogram;

static struct {
  GHashTable *requests;          /* "route\tmethod\tstatus" → guint64* */
  Histogram   latency[N_ROUTES];
  guint64     ops_pushed;
  guint64     ops_pulled;
  guint64     file_bytes_received;
  guint64     file_bytes_sent;
  guint64     rate_limited_sign_in;
  guint64     rate_limited_session;
  guint64     sign_in_failed;
  guint64     tls_failed;
  guint64     connections_refused;
  gint64      connections;
  gint64      live_sockets;
  gint64      started;           /* Unix time */
  SoupServer *soup;
} metrics;

static void
ensure (void)
{
  if (metrics.requests == NULL)
    {
      metrics.requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      metrics.started = g_get_real_time () / G_USEC_PER_SEC;
    }
}

static guint
route_index (const char *path)
{
  for (guint i = 0; path != NULL && i < G_N_ELEMENTS (routes); i++)
    if (g_str_equal (path, routes[i]) ||
        (g_str_equal (routes[i], CRM_PROTOCOL_PATH_FILES) &&
         g_str_has_prefix (path, CRM_PROTOCOL_PATH_FILES)))
      return i;
  return OTHER_ROUTE;
}

static const char *
route_name (guint index)
{
  return index == OTHER_ROUTE ? "other" : routes[index];
}

static const char *
known_method (const char *method)
{
  static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS",
                                         "PATCH" };

  for (guint i = 0; method != NULL && i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (method, methods[i]))
      return methods[i];
  return "other";
}

void
crm_server_metrics_request (const char *method,
                            const char *path,
                            guint       status,
                            double      seconds)
{
  guint route = route_index (path);
  g_autofree char *key = NULL;
  guint64 *count;
  Histogram *histogram = &metrics.latency[route];

  ensure ();
  key = g_strdup_printf ("%s\t%s\t%u", route_name (route), known_method (method),
                         status < 1000 ? status : 0);
  count = g_hash_table_lookup (metrics.requests, key);
  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (metrics.requests, g_steal_pointer (&key), count);
    }
  (*count)++;

  for (guint i = 0; i < N_BOUNDS; i++)
    if (seconds <= bounds[i])
      histogram->buckets[i]++;
  histogram->count++;
  histogram->sum += seconds;
}

void
crm_server_metrics_ops (const char *direction,
                        guint64     count)
{
  if (g_str_equal (direction, "push"))
    metrics.ops_pushed += count;
  else
    metrics.ops_pulled += count;
}

void
crm_server_metrics_file_bytes (const char *direction,
                               guint64     bytes)
{
  if (g_str_equal (direction, "received"))
    metrics.file_bytes_received += bytes;
  else
    metrics.file_bytes_sent += bytes;
}

void
crm_server_metrics_rate_limited (const char *limit)
{
  if (g_str_equal (limit, "sign-in"))
    metrics.rate_limited_sign_in++;
  else
    metrics.rate_limited_session++;
}

void
crm_server_metrics_sign_in_failed (void)
{
  metrics.sign_in_failed++;
}

void
crm_server_metrics_tls_failed (void)
{
  metrics.tls_failed++;
}

void
crm_server_metrics_connection_refused (void)
{
  metrics.connections_refused++;
}

void
crm_server_metrics_connections (int delta)
{
  metrics.connections += delta;
}

void
crm_server_metrics_live_sockets (int delta)
{
  metrics.live_sockets += delta;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
header (GString    *out,
        const char *name,
        const char *type,
        const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
append_double (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, value));
}

char *
crm_server_metrics_render (void)
{
  GString *out = g_string_new (NULL);
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  ensure ();
  header (out, "voronka_build_info", "gauge", "The running voronka-server's version.");
  g_string_append_printf (out, "voronka_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
  header (out, "voronka_start_time_seconds", "gauge", "When the server started (Unix time).");
  g_string_append_printf (out, "voronka_start_time_seconds %" G_GINT64_FORMAT "\n",
                          metrics.started);

  header (out, "voronka_http_requests_total", "counter",
          "Requests answered, by route, method and status.");
  keys = g_hash_table_get_keys_as_array (metrics.requests, &n_keys);
  qsort (keys, n_keys, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n_keys; i++)
    {
      g_auto(GStrv) parts = g_strsplit (keys[i], "\t", 3);
      guint64 *count = g_hash_table_lookup (metrics.requests, keys[i]);

      g_string_append_printf (out, "voronka_http_requests_total{route=\"%s\",method=\"%s\","
                              "status=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              parts[0], parts[1], parts[2], *count);
    }

  header (out, "voronka_http_request_duration_seconds", "histogram",
          "Time from a request's headers to its answer, by route.");
  for (guint r = 0; r < N_ROUTES; r++)
    {
      Histogram *histogram = &metrics.latency[r];

      if (histogram->count == 0)
        continue;
      for (guint i = 0; i < N_BOUNDS; i++)
        {
          g_string_append_printf (out, "voronka_http_request_duration_seconds_bucket{route=\"%s\","
                                  "le=\"", route_name (r));
          append_double (out, bounds[i]);
          g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", histogram->buckets[i]);
        }
      g_string_append_printf (out, "voronka_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", route_name (r),
                              histogram->count);
      g_string_append_printf (out, "voronka_http_request_duration_seconds_sum{route=\"%s\"} ",
                              route_name (r));
      append_double (out, histogram->sum);
      g_string_append_printf (out, "\nvoronka_http_request_duration_seconds_count{route=\"%s\"} %"
                              G_GUINT64_FORMAT "\n", route_name (r), histogram->count);
    }

  header (out, "voronka_sync_ops_total", "counter",
          "Changelog ops received in pushes and sent in pulls.");
  g_string_append_printf (out, "voronka_sync_ops_total{direction=\"push\"} %" G_GUINT64_FORMAT "\n"
                          "voronka_sync_ops_total{direction=\"pull\"} %" G_GUINT64_FORMAT "\n",
                          metrics.ops_pushed, metrics.ops_pulled);
  header (out, "voronka_file_bytes_total", "counter",
          "Bytes of attached files received by uploads and sent by downloads.");
  g_string_append_printf (out,
                          "voronka_file_bytes_total{direction=\"received\"} %" G_GUINT64_FORMAT "\n"
                          "voronka_file_bytes_total{direction=\"sent\"} %" G_GUINT64_FORMAT "\n",
                          metrics.file_bytes_received, metrics.file_bytes_sent);
  header (out, "voronka_connected_clients", "gauge", "Open client connections.");
  g_string_append_printf (out, "voronka_connected_clients %" G_GINT64_FORMAT "\n",
                          MAX (metrics.connections, 0));
  header (out, "voronka_live_sockets", "gauge",
          "Open live channels (WebSockets of /api/v1/live) to signed-in devices.");
  g_string_append_printf (out, "voronka_live_sockets %" G_GINT64_FORMAT "\n",
                          MAX (metrics.live_sockets, 0));
  header (out, "voronka_rate_limited_total", "counter",
          "Requests refused by a rate limit (429), by limit.");
  g_string_append_printf (out, "voronka_rate_limited_total{limit=\"sign-in\"} %" G_GUINT64_FORMAT
                          "\nvoronka_rate_limited_total{limit=\"session\"} %" G_GUINT64_FORMAT "\n",
                          metrics.rate_limited_sign_in, metrics.rate_limited_session);
  header (out, "voronka_sign_in_failures_total", "counter",
          "Sign-ins refused for a wrong user name or password.");
  g_string_append_printf (out, "voronka_sign_in_failures_total %" G_GUINT64_FORMAT "\n",
                          metrics.sign_in_failed);
  header (out, "voronka_tls_handshake_failures_total", "counter",
          "Connections closed because the TLS handshake failed.");
  g_string_append_printf (out, "voronka_tls_handshake_failures_total %" G_GUINT64_FORMAT "\n",
                          metrics.tls_failed);
  header (out, "voronka_connections_refused_total", "counter",
          "Connections closed unserved (the connection cap).");
  g_string_append_printf (out, "voronka_connections_refused_total %" G_GUINT64_FORMAT "\n",
                          metrics.connections_refused);
  return g_string_free (out, FALSE);
}

static void
metrics_handler (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  char *text;

  if (!g_str_equal (path, "/metrics"))
    {
      soup_server_message_set_status (msg, 404, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "only /metrics here\n", strlen ("only /metrics here\n"));
      return;
    }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "GET");
      soup_server_message_set_status (msg, 405, NULL);
      return;
    }
  text = crm_server_metrics_render ();
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

gboolean
crm_server_metrics_listen (const char  *address,
                           char       **out_url,
                           GError     **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(SoupServer) soup = NULL;
  GSList *uris;

  ensure ();
  socket_address = crm_server_net_parse_listen (address, "--metrics-listen", error);
  if (socket_address == NULL)
    return FALSE;
  soup = soup_server_new ("server-header", "voronka-server/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (soup, NULL, metrics_handler, NULL, NULL);
  if (!soup_server_listen (soup, socket_address, 0, error))
    {
      g_prefix_error (error, _("--metrics-listen %s: "), address);
      return FALSE;
    }
  uris = soup_server_get_uris (soup);
  if (uris != NULL)
    {
      GUri *uri = uris->data;
      const char *host = g_uri_get_host (uri);
      gboolean v6 = strchr (host, ':') != NULL;

      *out_url = g_strdup_printf ("http://%s%s%s:%d/metrics", v6 ? "[" : "", host,
                                  v6 ? "]" : "", g_uri_get_port (uri));
    }
  else
    *out_url = g_strdup_printf ("http://%s/metrics", address);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_clear_object (&metrics.soup);
  metrics.soup = g_steal_pointer (&soup);
  return TRUE;
}

void
crm_server_metrics_stop (void)
{
  if (metrics.soup != NULL)
    soup_server_disconnect (metrics.soup);
  g_clear_object (&metrics.soup);
}
