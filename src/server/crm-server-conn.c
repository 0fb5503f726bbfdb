/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-conn.c — connection counts and failed TLS handshakes (see the header).
 * libsoup 3.2's SoupListener emits "new-connection" with a SoupServerConnection, which
 * emits "connected" once its TLS handshake succeeded and "disconnected" when it closes:
 * a connection that closes without having been connected failed its handshake. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include "crm-server-conn.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"

static GHashTable *listening;        /* GSocket* we watch → TRUE when TLS */
static gboolean    connection_hooks;

#define PEER_KEY        "crm-conn-peer"
#define CONNECTED_KEY   "crm-conn-connected"

static gboolean
on_connected (GSignalInvocationHint *hint,
              guint                  n_values,
              const GValue          *values,
              gpointer               user_data)
{
  GObject *conn = g_value_get_object (&values[0]);

  if (g_object_get_data (conn, PEER_KEY) != NULL)
    g_object_set_data (conn, CONNECTED_KEY, GINT_TO_POINTER (1));
  return TRUE;
}

static gboolean
on_disconnected (GSignalInvocationHint *hint,
                 guint                  n_values,
                 const GValue          *values,
                 gpointer               user_data)
{
  GObject *conn = g_value_get_object (&values[0]);
  const char *peer = g_object_get_data (conn, PEER_KEY);
  gboolean tls = GPOINTER_TO_INT (g_object_get_data (conn, "crm-conn-tls"));

  if (peer == NULL)
    return TRUE;
  crm_server_metrics_connections (-1);
  if (tls && g_object_get_data (conn, CONNECTED_KEY) == NULL)
    crm_server_conn_handshake_failed (peer, NULL);
  /* counted once */
  g_object_set_data (conn, PEER_KEY, NULL);
  return TRUE;
}

void
crm_server_conn_handshake_failed (const char   *peer,
                                  const GError *error)
{
  g_autofree char *message = g_strdup_printf (
    "TLS handshake with %s failed (%s)", peer != NULL ? peer : "-",
    error != NULL ? error->message
                  : "a client that does not trust the certificate, or one speaking plain HTTP");

  crm_server_metrics_tls_failed ();
  crm_server_log (G_LOG_LEVEL_INFO, "tls-handshake-failed", message, "VORONKA_PEER", peer, NULL);
}

void
crm_server_conn_refused (const char *peer,
                         const char *reason)
{
  static gint64 last_us;
  static guint skipped;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *message = NULL;

  crm_server_metrics_connection_refused ();
  /* a flood of refusals must not become a flood of lines */
  if (now - last_us < G_USEC_PER_SEC)
    {
      skipped++;
      return;
    }
  last_us = now;
  message = skipped > 0
            ? g_strdup_printf ("connection from %s refused: %s (and %u more refused in the last "
                               "second)", peer != NULL ? peer : "-", reason, skipped)
            : g_strdup_printf ("connection from %s refused: %s", peer != NULL ? peer : "-", reason);
  skipped = 0;
  crm_server_log (G_LOG_LEVEL_WARNING, "connection-refused", message, "VORONKA_PEER", peer,
                  NULL);
}

static void
add_hook (GType       type,
          const char *name,
          GSignalEmissionHook hook)
{
  guint id = g_signal_lookup (name, type);

  if (id != 0)
    g_signal_add_emission_hook (id, 0, hook, NULL, NULL);
  else
    g_debug ("%s has no signal %s: connections are not watched", g_type_name (type), name);
}

static gboolean
on_new_connection (GSignalInvocationHint *hint,
                   guint                  n_values,
                   const GValue          *values,
                   gpointer               user_data)
{
  GObject *listener = g_value_get_object (&values[0]);
  GObject *conn = n_values > 1 && G_VALUE_HOLDS_OBJECT (&values[1])
                  ? g_value_get_object (&values[1]) : NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  char *peer = NULL;
  gpointer tls = NULL;

  if (conn == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (listener), "socket") == NULL ||
      g_object_class_find_property (G_OBJECT_GET_CLASS (conn), "remote-address") == NULL)
    return TRUE;
  g_object_get (listener, "socket", &socket, NULL);
  if (socket == NULL || !g_hash_table_lookup_extended (listening, socket, NULL, &tls))
    return TRUE;
  if (!connection_hooks)
    {
      connection_hooks = TRUE;
      add_hook (G_OBJECT_TYPE (conn), "connected", on_connected);
      add_hook (G_OBJECT_TYPE (conn), "disconnected", on_disconnected);
    }
  g_object_get (conn, "remote-address", &remote, NULL);
  if (remote != NULL && G_IS_INET_SOCKET_ADDRESS (remote))
    peer = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  g_object_set_data_full (conn, PEER_KEY, peer != NULL ? peer : g_strdup ("-"), g_free);
  g_object_set_data (conn, "crm-conn-tls", tls);
  crm_server_metrics_connections (+1);
  return TRUE;
}

void
crm_server_conn_watch (SoupServer *soup,
                       gboolean    tls)
{
  GSList *sockets = soup_server_get_listeners (soup);
  GType listener_type = 0;

  if (listening == NULL)
    listening = g_hash_table_new (NULL, NULL);
  for (GSList *l = sockets; l != NULL; l = l->next)
    g_hash_table_insert (listening, l->data, GINT_TO_POINTER (tls));
  g_slist_free (sockets);

  listener_type = g_type_from_name ("SoupListener");
  if (listener_type == 0)
    {
      g_debug ("This libsoup has no SoupListener: connections are not watched");
      return;
    }
  {
    static gboolean hooked;

    if (!hooked)
      {
        hooked = TRUE;
        add_hook (listener_type, "new-connection", on_new_connection);
      }
  }
}
