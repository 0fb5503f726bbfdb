/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-connections.c — see crm-server-connections.h.
 *
 * Why not soup_server_listen_socket(): libsoup 3.2 stops polling its listening socket for
 * good after one failed accept (EMFILE), and starts the TLS handshake of every accepted
 * connection at once. glib-networking runs each handshake in a thread of GTask's pool,
 * blocking until the client speaks: a few hundred connections that say nothing fill the
 * pool's queue, and every real client's handshake waits behind them. So connections are
 * accepted here, wait on the main loop (no thread) until their client sends its first
 * bytes, and only then get TLS and go to libsoup through soup_server_accept_iostream().
 *
 * After that, SoupServer::request-started (emitted for each request a connection begins,
 * the first one at hand-over) and the message's got-headers and got-body signals move a
 * connection between "idle" (waiting for a request: closed after the idle timeout, or
 * first when room is needed at the cap) and "busy". A connection is closed from here
 * with shutdown(2): libsoup then reads end-of-file and closes it itself, so nothing it
 * still holds goes stale.
 *
 * A connection's first request is the client's to send in time, but not while what it
 * sent waits unread in its socket: the main loop busy with other requests, or its TLS
 * handshake queued behind others in GTask's pool (200 clients at once on a loaded
 * machine: ≈ 100 of them were cut off after 10 s, their ClientHello never read). Every
 * check, such a connection's deadline moves on by the time since the last check. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <glib/gi18n.h>

#include "crm-server-connections.h"
#include "crm-server-conn.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"

/* How often deadlines are checked. */
#define CHECK_INTERVAL_MS  250
/* A connection shut down here whose descriptor libsoup still holds this long after is
 * closed here: libsoup 3.2 never closes a kept-alive connection whose client goes (or
 * that we shut down) between two requests — the read of the next request's first line
 * fails, and with no request started it neither reads again nor disconnects (later
 * libsoup disconnects there). Nothing reads it any more; its descriptor would be held for
 * good, and a long-running server would run out of them. */
#define FORCE_CLOSE_AFTER_US (5 * G_USEC_PER_SEC)
/* A new connection's client has this long (or the idle timeout, if shorter) to send its
 * first request: real clients send at once. */
#define FIRST_REQUEST_S    10
/* Connections accepted per wake-up of the listener, so one flood does not hold the loop. */
#define ACCEPT_BATCH       64
/* Out of descriptors: close this many idle connections and accept again after a pause. */
#define EVICT_ON_EMFILE    16
#define EMFILE_PAUSE_MS    100
/* At most one line of the same complaint per this many seconds in the log. */
#define LOG_INTERVAL_S     60

typedef struct _CrmServerConnections CrmServerConnectionsOwner;

typedef struct {
  CrmServerConnectionsOwner *owner;
  GSocket        *socket;      /* owned until handed over, then a weak reference */
  GSocketAddress *remote;      /* owned; the key (libsoup returns this very object) */
  GSource        *wait_source; /* waiting for the first bytes, before the hand-over */
  GIOStream      *handshake;   /* the TLS connection while its handshake runs */
  GCancellable   *cancellable; /* of the handshake */
  GList          *idle_link;   /* in idle_queue while waiting for a request */
  gint64          deadline;    /* monotonic µs; G_MAXINT64: none (the server is working) */
  gboolean        handed_over;
  gboolean        served;      /* has sent the headers of a request */
  gboolean        closing;     /* shut down by us; no longer counted */
  gint64          closed_at;   /* monotonic µs of that shutdown */
  gboolean        held;        /* taken over (a WebSocket): no deadline from here */
} Connection;

struct _CrmServerConnections
{
  SoupServer       *soup;
  GTlsCertificate  *certificate;
  guint             max_connections;
  gint64            idle_timeout_us;
  gint64            first_request_us;
  guint             idle_timeout_s;
  GHashTable       *connections;    /* GSocketAddress* (remote) → Connection* */
  GQueue            idle_queue;     /* Connection*, longest idle first */
  guint             open;           /* connections not closing */
  gulong            started_id;
  guint             check_source;
  GSocket          *listener;
  GSource          *accept_source;
  guint             pause_source;
  gint64            last_cap_log_us;
  gint64            last_emfile_log_us;
  gint64            last_check_us;
  gint64            last_late_log_us;
  guint             late_unlogged;  /* closed for sending no request, not logged yet */
};

static void socket_finalized (gpointer  data,
                              GObject  *where_the_object_was);

static gboolean
log_due (gint64 *last_us)
{
  gint64 now = g_get_monotonic_time ();

  if (*last_us != 0 && now - *last_us < LOG_INTERVAL_S * G_USEC_PER_SEC)
    return FALSE;
  *last_us = now;
  return TRUE;
}

static void
leave_idle_queue (CrmServerConnections *self,
                  Connection           *connection)
{
  if (connection->idle_link != NULL)
    {
      g_queue_delete_link (&self->idle_queue, connection->idle_link);
      connection->idle_link = NULL;
    }
}

static void
become_idle (CrmServerConnections *self,
             Connection           *connection,
             gint64                deadline)
{
  leave_idle_queue (self, connection);
  g_queue_push_tail (&self->idle_queue, connection);
  connection->idle_link = g_queue_peek_tail_link (&self->idle_queue);
  connection->deadline = deadline;
}

/* Drops @connection from the table (which frees it). */
static void
forget (CrmServerConnections *self,
        Connection           *connection)
{
  leave_idle_queue (self, connection);
  if (!connection->closing)
    self->open--;
  if (connection->wait_source != NULL)
    {
      g_source_destroy (connection->wait_source);
      g_clear_pointer (&connection->wait_source, g_source_unref);
    }
  if (connection->handed_over)
    g_object_weak_unref (G_OBJECT (connection->socket), socket_finalized, self);
  else
    {
      /* a handshake still running fails at once and finds the connection gone */
      g_cancellable_cancel (connection->cancellable);
      g_socket_close (connection->socket, NULL);
      g_object_unref (connection->socket);
    }
  g_hash_table_remove (self->connections, connection->remote);
}

static void
connection_free (Connection *connection)
{
  crm_server_metrics_connections (-1);
  g_clear_object (&connection->handshake);
  g_clear_object (&connection->cancellable);
  g_object_unref (connection->remote);
  g_free (connection);
}

/* libsoup let go of a connection it had: its descriptor is closed. */
static void
socket_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  CrmServerConnections *self = data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *connection = value;

      if ((gpointer) connection->socket == (gpointer) where_the_object_was)
        {
          connection->handed_over = FALSE;   /* nothing left to unref */
          leave_idle_queue (self, connection);
          if (!connection->closing)
            self->open--;
          g_hash_table_iter_remove (&iter);
          return;
        }
    }
}

static void
close_connection (CrmServerConnections *self,
                  Connection           *connection)
{
  if (!connection->handed_over)
    {
      /* ours alone: closed at once, its descriptor free now */
      forget (self, connection);
      return;
    }
  if (connection->closing)
    return;
  leave_idle_queue (self, connection);
  connection->closing = TRUE;
  connection->closed_at = g_get_monotonic_time ();
  connection->deadline = G_MAXINT64;
  self->open--;
  if (!g_socket_is_closed (connection->socket))
    g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
}

static gboolean
close_longest_idle (CrmServerConnections *self)
{
  Connection *oldest = g_queue_peek_head (&self->idle_queue);

  if (oldest == NULL)
    return FALSE;
  close_connection (self, oldest);
  return TRUE;
}

static Connection *
lookup (CrmServerConnections *self,
        SoupServerMessage    *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_hash_table_lookup (self->connections, remote) : NULL;
}

/* --- handing over ---------------------------------------------------------------------- */

static gboolean
first_bytes (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data);

/* Gives @stream to libsoup, which owns the socket from then on. */
static void
give_to_soup (CrmServerConnections *self,
              Connection           *connection,
              GIOStream            *stream)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (connection->socket, NULL);

  if (local == NULL)
    {
      forget (self, connection);
      return;
    }
  connection->handed_over = TRUE;
  g_clear_object (&connection->handshake);
  g_object_weak_ref (G_OBJECT (connection->socket), socket_finalized, self);
  g_object_unref (connection->socket);
  soup_server_accept_iostream (self->soup, stream, local, connection->remote, NULL);
}

typedef struct {
  CrmServerConnections *self;
  GSocketAddress       *remote;   /* finds the connection, if it is still there */
} Handshake;

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Handshake *handshake = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  Connection *connection = g_hash_table_lookup (handshake->self->connections, handshake->remote);

  if (connection != NULL && connection->handshake == (GIOStream *) source)
    {
      if (ok)
        give_to_soup (handshake->self, connection, G_IO_STREAM (source));
      else
        {
          g_autofree char *peer = g_inet_address_to_string (
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (handshake->remote)));

          /* not when we closed it ourselves (idle, or room needed at the cap) */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            crm_server_conn_handshake_failed (peer, error);
          forget (handshake->self, connection);
        }
    }
  g_object_unref (handshake->remote);
  g_free (handshake);
}

/* The client spoke: the TLS handshake runs (in one of GTask's threads, as
 * glib-networking does it) with data to read, then libsoup takes the connection. */
static void
hand_over (CrmServerConnections *self,
           Connection           *connection)
{
  g_autoptr(GSocketConnection) stream = NULL;
  g_autoptr(GError) error = NULL;
  Handshake *handshake;

  g_clear_pointer (&connection->wait_source, g_source_unref);
  /* reads and writes that make no progress for this long fail, and libsoup closes */
  g_socket_set_timeout (connection->socket, self->idle_timeout_s);
  g_socket_set_option (connection->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  stream = g_socket_connection_factory_create_connection (connection->socket);
  if (self->certificate == NULL)
    {
      give_to_soup (self, connection, G_IO_STREAM (stream));
      return;
    }
  {
    const char *protocols[] = { "http/1.1", "http/1.0", NULL };

    /* as libsoup makes its own: its ALPN list, and no database, which would otherwise be
     * the system's CA bundle, read and parsed again for every connection (a server
     * asks for no client certificates) */
    connection->handshake = g_initable_new (
      g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()), NULL, &error,
      "base-io-stream", stream, "certificate", self->certificate, "database", NULL,
      "authentication-mode", G_TLS_AUTHENTICATION_NONE, "require-close-notify", FALSE,
      "advertised-protocols", protocols, NULL);
  }
  if (connection->handshake == NULL)
    {
      g_debug ("Could not start TLS: %s", error->message);
      forget (self, connection);
      return;
    }
  handshake = g_new0 (Handshake, 1);
  handshake->self = self;
  handshake->remote = g_object_ref (connection->remote);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (connection->handshake), G_PRIORITY_DEFAULT,
                                    connection->cancellable, handshake_done, handshake);
}

/* The client spoke (or hung up): TLS and HTTP can start without a thread waiting. */
static gboolean
first_bytes (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  Connection *connection = user_data;

  if (condition & (G_IO_HUP | G_IO_ERR) && !(condition & G_IO_IN))
    forget (connection->owner, connection);
  else
    hand_over (connection->owner, connection);
  return G_SOURCE_REMOVE;
}

/* --- accepting ------------------------------------------------------------------------- */

static void start_accepting (CrmServerConnections *self);

static gboolean
resume_accepting (gpointer user_data)
{
  CrmServerConnections *self = user_data;

  self->pause_source = 0;
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

static void
take (CrmServerConnections *self,
      GSocket              *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  Connection *connection;

  if (remote == NULL)
    {
      g_socket_close (socket, NULL);
      g_object_unref (socket);
      return;
    }
  crm_server_metrics_connections (1);
  connection = g_new0 (Connection, 1);
  connection->owner = self;
  connection->socket = socket;
  connection->cancellable = g_cancellable_new ();
  connection->remote = g_steal_pointer (&remote);
  g_hash_table_insert (self->connections, connection->remote, connection);
  self->open++;
  become_idle (self, connection, g_get_monotonic_time () + self->first_request_us);
  connection->wait_source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (connection->wait_source, (GSourceFunc) (GCallback) first_bytes,
                         connection, NULL);
  g_source_attach (connection->wait_source, NULL);

  if (self->open > self->max_connections)
    {
      Connection *oldest = g_queue_peek_head (&self->idle_queue);

      if (log_due (&self->last_cap_log_us))
        {
          g_autofree char *message = g_strdup_printf (
            "%u connections open, the most allowed (--max-connections); the longest idle "
            "ones make room for new ones", self->open - 1);

          crm_server_log (G_LOG_LEVEL_WARNING, "connection-cap", message, NULL);
        }
      /* the longest-idle connection makes room; if every other one is busy, that is this
       * one (the newest is last in the queue), closed at once */
      if (oldest != NULL && !oldest->served)
        {
          g_autofree char *peer = g_inet_address_to_string (
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (oldest->remote)));

          crm_server_conn_refused (peer, "at the connection cap (--max-connections)");
        }
      close_longest_idle (self);
    }
}

static gboolean
accept_ready (GSocket      *listener,
              GIOCondition  condition,
              gpointer      user_data)
{
  CrmServerConnections *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_accept (listener, NULL, &error);

      if (socket != NULL)
        {
          take (self, socket);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        continue;   /* the client gave up before we took it (ECONNABORTED) */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
        {
          guint freed = 0;

          /* out of descriptors: make room and lower the cap to what fitted */
          while (freed < EVICT_ON_EMFILE && close_longest_idle (self))
            freed++;
          if (self->open + freed > 2 * EVICT_ON_EMFILE &&
              self->open + freed - EVICT_ON_EMFILE < self->max_connections)
            self->max_connections = self->open + freed - EVICT_ON_EMFILE;
        }
      /* out of descriptors or memory: accept again shortly (the clients wait in the
       * kernel's queue meanwhile); never stop */
      if (log_due (&self->last_emfile_log_us))
        {
          g_autofree char *message = g_strdup_printf (
            "could not accept a connection (%s); accepting again shortly, at most %u "
            "connections from now on", error->message, self->max_connections);

          crm_server_log (G_LOG_LEVEL_WARNING, "accept-failed", message, NULL);
        }
      self->accept_source = NULL;   /* destroyed by returning REMOVE */
      self->pause_source = g_timeout_add (EMFILE_PAUSE_MS, resume_accepting, self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
start_accepting (CrmServerConnections *self)
{
  if (self->listener == NULL || self->accept_source != NULL)
    return;
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) (GCallback) accept_ready, self, NULL);
  g_source_attach (self->accept_source, NULL);
  g_source_unref (self->accept_source);   /* the context holds it until it is removed */
}

/* --- libsoup's side ---------------------------------------------------------------------- */

/* The headers are in: the body must follow at CRM_SERVER_MIN_BODY_RATE or better. */
static void
got_headers (SoupServerMessage    *msg,
             CrmServerConnections *self)
{
  Connection *connection = lookup (self, msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = 0;

  if (connection == NULL || connection->closing || connection->held)
    return;
  connection->served = TRUE;
  leave_idle_queue (self, connection);
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      length = soup_message_headers_get_content_length (headers);
      break;
    case SOUP_ENCODING_NONE:
      length = 0;
      break;
    default:   /* chunked: as long as a large body may take */
      length = 64 * 1024 * 1024;
      break;
    }
  connection->deadline = g_get_monotonic_time () + self->idle_timeout_us +
                         (gint64) (length / CRM_SERVER_MIN_BODY_RATE) * G_USEC_PER_SEC;
}

/* The request is in: the server works on it (a snapshot may take a while); writing the
 * answer is bounded by the socket's inactivity timeout. */
static void
got_body (SoupServerMessage    *msg,
          CrmServerConnections *self)
{
  Connection *connection = lookup (self, msg);

  if (connection != NULL && !connection->closing)
    connection->deadline = G_MAXINT64;
}

/* The answer is written: a kept-alive connection waits for its next request from now,
 * idle (closed after the idle timeout, or first when room is needed). libsoup emits
 * request-started for that request only when its first bytes come, so without this an
 * answered connection had no deadline and sat in no idle queue: never closed, never
 * evicted, its descriptor held for good once its client went (CLOSE-WAIT). */
static void
finished (SoupServerMessage    *msg,
          CrmServerConnections *self)
{
  Connection *connection = lookup (self, msg);

  if (connection != NULL && !connection->closing && !connection->held)
    become_idle (self, connection, g_get_monotonic_time () + self->idle_timeout_us);
}

static void
request_started (SoupServer           *soup,
                 SoupServerMessage    *msg,
                 CrmServerConnections *self)
{
  Connection *connection = lookup (self, msg);

  if (connection == NULL)
    return;
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers), self);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body), self);
  g_signal_connect (msg, "finished", G_CALLBACK (finished), self);
  /* the next request of a kept-alive connection (the first keeps its deadline) */
  if (connection->served && !connection->closing && !connection->held)
    become_idle (self, connection, g_get_monotonic_time () + self->idle_timeout_us);
}

/* Every CHECK_INTERVAL_MS: connections past their deadline are closed (see the top for
 * what does not count against a first request). */
static gboolean
check (gpointer user_data)
{
  CrmServerConnections *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) late = g_ptr_array_new ();
  g_autoptr(GPtrArray) left_open = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gint64 since_last = self->last_check_us != 0 ? now - self->last_check_us : 0;
  guint unserved = 0;

  self->last_check_us = now;
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *connection = value;

      if (connection->closing)
        {
          /* what libsoup 3.2 leaves open (see FORCE_CLOSE_AFTER_US) */
          if (connection->handed_over && connection->closed_at != 0 &&
              now - connection->closed_at > FORCE_CLOSE_AFTER_US &&
              !g_socket_is_closed (connection->socket))
            g_ptr_array_add (left_open, connection);
          continue;
        }
      if (connection->handed_over && g_socket_is_closed (connection->socket))
        {
          /* closed by libsoup, still referenced somewhere: no longer open */
          leave_idle_queue (self, connection);
          connection->closing = TRUE;
          self->open--;
          continue;
        }
      /* its client has spoken; the server has yet to read it: that time is the server's */
      if (!connection->served && connection->deadline != G_MAXINT64 &&
          (g_socket_condition_check (connection->socket, G_IO_IN) & G_IO_IN) != 0)
        connection->deadline += since_last;
      if (now > connection->deadline)
        g_ptr_array_add (late, connection);
    }
  for (guint i = 0; i < late->len; i++)
    {
      Connection *connection = late->pdata[i];

      unserved += !connection->served;
      close_connection (self, connection);
    }
  /* closed here, and no longer followed: libsoup keeps its own object of it for good */
  for (guint i = 0; i < left_open->len; i++)
    {
      Connection *connection = left_open->pdata[i];

      g_socket_close (connection->socket, NULL);
      forget (self, connection);
    }
  /* (the idle ones of kept-alive connections are not worth a line) */
  self->late_unlogged += unserved;
  if (self->late_unlogged > 0 && log_due (&self->last_late_log_us))
    {
      g_autofree char *message = g_strdup_printf (
        "closed %u connections whose client sent no request within %u s of connecting (or "
        "none in full within the idle timeout)", self->late_unlogged,
        (guint) (self->first_request_us / G_USEC_PER_SEC));

      crm_server_log (G_LOG_LEVEL_INFO, "first-request-timeout", message, NULL);
      self->late_unlogged = 0;
    }
  return G_SOURCE_CONTINUE;
}

/* --- public ---------------------------------------------------------------------------- */

CrmServerConnections *
crm_server_connections_new (SoupServer *soup,
                            guint       max_connections,
                            guint       idle_timeout_s)
{
  CrmServerConnections *self = g_new0 (CrmServerConnections, 1);

  self->soup = g_object_ref (soup);
  self->max_connections = MAX (max_connections, 1);
  self->idle_timeout_s = MAX (idle_timeout_s, 1);
  self->idle_timeout_us = (gint64) self->idle_timeout_s * G_USEC_PER_SEC;
  self->first_request_us = (gint64) MIN (self->idle_timeout_s, FIRST_REQUEST_S) * G_USEC_PER_SEC;
  self->connections = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) connection_free);
  g_queue_init (&self->idle_queue);
  self->started_id = g_signal_connect (soup, "request-started", G_CALLBACK (request_started),
                                       self);
  self->check_source = g_timeout_add (CHECK_INTERVAL_MS, check, self);
  return self;
}

void
crm_server_connections_listen (CrmServerConnections *self,
                               GSocket              *listener,
                               GTlsCertificate      *certificate)
{
  g_set_object (&self->listener, listener);
  g_set_object (&self->certificate, certificate);
  g_socket_set_blocking (listener, FALSE);
  start_accepting (self);
}

void
crm_server_connections_set_certificate (CrmServerConnections *self,
                                        GTlsCertificate      *certificate)
{
  g_set_object (&self->certificate, certificate);
}

void
crm_server_connections_hold (CrmServerConnections *self,
                             GSocketAddress       *remote)
{
  Connection *connection = remote != NULL ? g_hash_table_lookup (self->connections, remote)
                                          : NULL;

  if (connection == NULL || connection->closing)
    return;
  connection->held = TRUE;
  leave_idle_queue (self, connection);
  connection->deadline = G_MAXINT64;
  /* before the sources of its new life are made: GSocket arms each source it creates
   * with the timeout of that moment */
  if (connection->handed_over && !g_socket_is_closed (connection->socket))
    g_socket_set_timeout (connection->socket, 0);
}

guint
crm_server_connections_get_count (CrmServerConnections *self)
{
  return self->open;
}

void
crm_server_connections_stop (CrmServerConnections *self)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();

  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      self->accept_source = NULL;
    }
  g_clear_handle_id (&self->pause_source, g_source_remove);
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!((Connection *) value)->handed_over)
      g_ptr_array_add (waiting, value);
  for (guint i = 0; i < waiting->len; i++)
    forget (self, waiting->pdata[i]);
}

void
crm_server_connections_free (CrmServerConnections *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self == NULL)
    return;
  crm_server_connections_stop (self);
  g_clear_handle_id (&self->check_source, g_source_remove);
  g_clear_signal_handler (&self->started_id, self->soup);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Connection *) value)->handed_over)
      g_object_weak_unref (G_OBJECT (((Connection *) value)->socket), socket_finalized, self);
  g_queue_clear (&self->idle_queue);
  g_hash_table_unref (self->connections);
  g_clear_object (&self->listener);
  g_clear_object (&self->certificate);
  g_object_unref (self->soup);
  g_free (self);
}

guint64
crm_server_raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  if (limit.rlim_cur < limit.rlim_max)
    {
      struct rlimit raised = limit;

      /* "unlimited" is not a number the kernel takes for descriptors */
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? 1024 * 1024 : limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        limit = raised;
    }
  return limit.rlim_cur == RLIM_INFINITY ? 1024 * 1024 : (guint64) limit.rlim_cur;
}

guint
crm_server_connection_cap (guint64 open_files,
                           guint   wanted)
{
  /* a quarter (at least 64) for databases (3 descriptors per open account), snapshots
   * being made and sent, certificates, the log */
  guint64 reserve = MAX (64, open_files / 4);
  guint64 left = open_files > reserve + 16 ? open_files - reserve : 16;

  return (guint) MIN ((guint64) wanted, left);
}
