/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-live.c — the live channel's sockets and events (see the header). The HTTP
 * side (the token, the schema header, the upgrade) is crm-server.c's, as for every other
 * endpoint; everything here runs on the main loop. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "crm-server-live.h"
#include "crm-server-backend.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"
#include "crm-time.h"
#include "crm-visibility.h"

/* How often sockets are checked for silence and their sessions for validity. */
#define CHECK_INTERVAL_S   5
#define AUTH_RECHECK_S     60
/* Ops read back after a change to find the notifications it made; beyond that the
 * devices get them with their next sync only. */
#define NOTIFICATION_SCAN  1000

typedef struct {
  CrmServerLive           *owner;
  SoupWebsocketConnection *connection;
  CrmServerUser           *user;
  char                    *session;        /* the token's hash */
  gint64                   last_seen;      /* monotonic µs: a pong or a message */
  gint64                   next_auth_check;
  gint64                   window_start;   /* the current minute of incoming messages */
  guint                    window_messages;
  gboolean                 closing;        /* closed by us, or by the device: not counted */
} LiveSocket;

struct _CrmServerLive
{
  CrmServerStorage *storage;
  GPtrArray        *sockets;   /* LiveSocket*, owned */
  GHashTable       *heads;     /* account id → gint64*: the head last announced */
  guint             check_source;
  guint             open;
  CrmServerLiveRelay relay;
  gpointer          relay_data;
};

static void
live_socket_free (LiveSocket *socket)
{
  g_signal_handlers_disconnect_by_data (socket->connection, socket);
  g_object_unref (socket->connection);
  crm_server_user_free (socket->user);
  g_free (socket->session);
  g_free (socket);
}

static char *
who (const LiveSocket *socket)
{
  return g_strdup_printf ("%s@%s", socket->user->name, socket->user->account_name);
}

static void
send_text (LiveSocket *socket,
           const char *text)
{
  if (!socket->closing &&
      soup_websocket_connection_get_state (socket->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (socket->connection, text);
}

static void
close_socket (LiveSocket *socket,
              gushort     code,
              const char *reason)
{
  if (socket->closing)
    return;
  socket->closing = TRUE;
  socket->owner->open--;
  crm_server_metrics_live_sockets (-1);
  if (soup_websocket_connection_get_state (socket->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (socket->connection, code, reason);
}

static gboolean
account_has_sockets (CrmServerLive *self,
                     const char    *account_id)
{
  for (guint i = 0; i < self->sockets->len; i++)
    {
      LiveSocket *socket = self->sockets->pdata[i];

      if (!socket->closing && g_str_equal (socket->user->account_id, account_id))
        return TRUE;
    }
  return FALSE;
}

/* The account's head now, or -1 (logged) when the storage cannot say. */
static gint64
account_head (CrmServerLive       *self,
              const CrmServerUser *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *device = NULL;
  gint64 shared = 0, head = -1;

  if (!crm_server_storage_epoch (self->storage, user, NULL, &epoch, &shared, &head, &device,
                                 &error))
    {
      if (error != NULL)
        g_warning ("Live channel: the head of account %s: %s", user->account_name,
                   error->message);
      return -1;
    }
  return head;
}

static char *
event_text (const char *type,
            gint64      head)
{
  return g_strdup_printf ("{\"type\":\"%s\",\"head\":%" G_GINT64_FORMAT "}", type, head);
}

/* --- a socket's signals ---------------------------------------------------------------------- */

static void
socket_closed (SoupWebsocketConnection *connection,
               LiveSocket              *socket)
{
  CrmServerLive *self = socket->owner;
  g_autoptr(SoupWebsocketConnection) keep = g_object_ref (connection);
  g_autofree char *user = who (socket);
  g_autofree char *message = NULL;
  g_autofree char *account_id = g_strdup (socket->user->account_id);

  if (!socket->closing)
    {
      socket->closing = TRUE;
      self->open--;
      crm_server_metrics_live_sockets (-1);
    }
  message = g_strdup_printf ("live channel of %s closed (code %u; %u open)", user,
                             soup_websocket_connection_get_close_code (connection), self->open);
  crm_server_log (G_LOG_LEVEL_INFO, "live-close", message, "VORONKA_USER", user, NULL);
  g_ptr_array_remove_fast (self->sockets, socket);
  if (!account_has_sockets (self, account_id))
    g_hash_table_remove (self->heads, account_id);
}

static void
socket_pong (SoupWebsocketConnection *connection,
             GBytes                  *message,
             LiveSocket              *socket)
{
  socket->last_seen = g_get_monotonic_time ();
}

/* Devices have nothing to say on this channel (their changes go in pushes): messages are
 * read and dropped, within bounds. */
static void
socket_message (SoupWebsocketConnection *connection,
                gint                     type,
                GBytes                  *message,
                LiveSocket              *socket)
{
  gint64 now = g_get_monotonic_time ();

  socket->last_seen = now;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      close_socket (socket, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA,
                    "this channel takes no binary messages");
      return;
    }
  if (g_bytes_get_size (message) > CRM_SERVER_LIVE_MAX_MESSAGE)
    {
      close_socket (socket, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                    "message too large; this channel only sends events to the device");
      return;
    }
  if (now - socket->window_start > 60 * G_USEC_PER_SEC)
    {
      socket->window_start = now;
      socket->window_messages = 0;
    }
  if (++socket->window_messages > CRM_SERVER_LIVE_MAX_MESSAGES)
    close_socket (socket, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                  "too many messages; this channel only sends events to the device");
}

static void
socket_error (SoupWebsocketConnection *connection,
              GError                  *error,
              LiveSocket              *socket)
{
  g_debug ("Live channel: %s", error->message);
}

/* The sockets now, in an array that owns none of them: sending to or closing a socket may
 * drop it from the table (libsoup can report a failed write as "closed" at once), and
 * only that one. */
static GPtrArray *
snapshot (CrmServerLive *self)
{
  GPtrArray *sockets = g_ptr_array_new_full (self->sockets->len, NULL);

  for (guint i = 0; i < self->sockets->len; i++)
    g_ptr_array_add (sockets, self->sockets->pdata[i]);
  return sockets;
}

/* The socket under @stream: libsoup's wrapper (SoupIOStream, "base-iostream"), then under
 * TLS its base stream ("base-io-stream"), then the socket connection (libsoup gives no
 * socket for connections handed to it as streams). */
static GSocket *
socket_of (GIOStream *stream)
{
  static const char *const bases[] = { "base-iostream", "base-io-stream" };

  for (guint depth = 0; stream != NULL && depth < 4; depth++)
    {
      g_autoptr(GIOStream) base = NULL;

      if (G_IS_SOCKET_CONNECTION (stream))
        return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
      for (guint i = 0; i < G_N_ELEMENTS (bases) && base == NULL; i++)
        {
          GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (stream),
                                                            bases[i]);

          if (pspec != NULL && (pspec->flags & G_PARAM_READABLE) &&
              g_type_is_a (pspec->value_type, G_TYPE_IO_STREAM))
            g_object_get (stream, bases[i], &base, NULL);
        }
      stream = base;   /* still held by the stream above it */
    }
  return NULL;
}

/* --- checks ---------------------------------------------------------------------------------- */

static gboolean
check (gpointer user_data)
{
  CrmServerLive *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) sockets = snapshot (self);

  for (guint i = 0; i < sockets->len; i++)
    {
      LiveSocket *socket = sockets->pdata[i];

      if (socket->closing)
        continue;
      /* no pong to three pings: the device or the path to it is gone */
      if (now - socket->last_seen > 3 * CRM_SERVER_LIVE_PING_S * G_USEC_PER_SEC)
        {
          close_socket (socket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "no answer to pings");
          continue;
        }
      if (now >= socket->next_auth_check)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(CrmServerUser) user = crm_server_storage_lookup_session (
            self->storage, socket->session, crm_time_now_ms (), &error);

          socket->next_auth_check = now + AUTH_RECHECK_S * G_USEC_PER_SEC;
          if (user == NULL && error != NULL)
            continue;   /* the storage failed: ask again next time */
          if (user == NULL || user->disabled || user->removed || user->deactivated)
            close_socket (socket, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                          "the session ended; sign in again");
        }
    }
  return G_SOURCE_CONTINUE;
}

/* --- public ---------------------------------------------------------------------------------- */

CrmServerLive *
crm_server_live_new (CrmServerStorage *storage)
{
  CrmServerLive *self = g_new0 (CrmServerLive, 1);

  self->storage = g_object_ref (storage);
  self->sockets = g_ptr_array_new_with_free_func ((GDestroyNotify) live_socket_free);
  self->heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->check_source = g_timeout_add_seconds (CHECK_INTERVAL_S, check, self);
  return self;
}

void
crm_server_live_free (CrmServerLive *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->check_source, g_source_remove);
  for (guint i = 0; i < self->sockets->len; i++)
    {
      LiveSocket *socket = self->sockets->pdata[i];

      if (!socket->closing)
        crm_server_metrics_live_sockets (-1);
    }
  g_ptr_array_unref (self->sockets);
  g_hash_table_unref (self->heads);
  g_object_unref (self->storage);
  g_free (self);
}

gboolean
crm_server_live_admit (CrmServerLive       *self,
                       const CrmServerUser *user,
                       const char          *session,
                       char               **out_refusal)
{
  guint of_user = 0, of_account = 0;

  for (guint i = 0; i < self->sockets->len; i++)
    {
      LiveSocket *socket = self->sockets->pdata[i];

      /* the session's own socket is replaced, it makes no room for another */
      if (socket->closing || g_str_equal (socket->session, session) ||
          !g_str_equal (socket->user->account_id, user->account_id))
        continue;
      of_account++;
      if (g_str_equal (socket->user->id, user->id))
        of_user++;
    }
  if (of_user >= CRM_SERVER_LIVE_MAX_PER_USER)
    {
      *out_refusal = g_strdup_printf (
        _("You already have %u live connections open (on other devices or apps); close one, "
          "or wait: this device syncs periodically meanwhile"), of_user);
      return FALSE;
    }
  if (of_account >= CRM_SERVER_LIVE_MAX_PER_ACCOUNT)
    {
      *out_refusal = g_strdup_printf (
        _("The account «%s» has %u live connections open, the most the server keeps; this "
          "device syncs periodically meanwhile"), user->account_name, of_account);
      return FALSE;
    }
  return TRUE;
}

void
crm_server_live_add (CrmServerLive           *self,
                     SoupWebsocketConnection *connection,
                     const CrmServerUser     *user,
                     const char              *session,
                     GSocket                 *gsocket)
{
  LiveSocket *socket;
  gint64 now = g_get_monotonic_time ();
  gint64 head;
  g_autofree char *hello = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GPtrArray) sockets = snapshot (self);

  /* one socket per session: a device that reconnects replaces its old one */
  for (guint i = 0; i < sockets->len; i++)
    {
      LiveSocket *old = sockets->pdata[i];

      if (g_str_equal (old->session, session))
        close_socket (old, CRM_SERVER_LIVE_CLOSE_REPLACED, "replaced by a newer connection");
    }
  /* idle is normal here: the pings take over from the socket's inactivity timeout
   * (--idle-timeout, set when the connection was accepted) */
  if (gsocket == NULL)
    gsocket = socket_of (soup_websocket_connection_get_io_stream (connection));
  if (gsocket != NULL)
    g_socket_set_timeout (gsocket, 0);
  else
    g_debug ("Live channel: no socket found under the connection; --idle-timeout applies");

  socket = g_new0 (LiveSocket, 1);
  socket->owner = self;
  socket->connection = g_object_ref (connection);
  socket->user = crm_server_user_copy (user);
  socket->session = g_strdup (session);
  socket->last_seen = now;
  socket->window_start = now;
  socket->next_auth_check = now + AUTH_RECHECK_S * G_USEC_PER_SEC;
  g_ptr_array_add (self->sockets, socket);
  self->open++;
  crm_server_metrics_live_sockets (1);

  soup_websocket_connection_set_keepalive_interval (connection, CRM_SERVER_LIVE_PING_S);
  /* libsoup drops the connection (without a close frame) beyond its limit; below it,
   * socket_message() closes with 1009 and a reason */
  soup_websocket_connection_set_max_incoming_payload_size (connection,
                                                           16 * CRM_SERVER_LIVE_MAX_MESSAGE);
  g_signal_connect (connection, "closed", G_CALLBACK (socket_closed), socket);
  g_signal_connect (connection, "pong", G_CALLBACK (socket_pong), socket);
  g_signal_connect (connection, "message", G_CALLBACK (socket_message), socket);
  g_signal_connect (connection, "error", G_CALLBACK (socket_error), socket);

  name = who (socket);
  message = g_strdup_printf ("live channel of %s open (%u open)", name, self->open);
  crm_server_log (G_LOG_LEVEL_INFO, "live-open", message, "VORONKA_USER", name, NULL);

  head = account_head (self, user);
  if (head < 0)
    return;
  if (!g_hash_table_contains (self->heads, user->account_id))
    g_hash_table_insert (self->heads, g_strdup (user->account_id), g_memdup2 (&head, sizeof head));
  hello = event_text ("hello", head);
  send_text (socket, hello);
}

/* Whether the user @target sees what the notification @id is about (crm-visibility.h):
 * one about a deal their replica may not hold does not reach their desktop either (the
 * ops are read as @user, who made them, may see them). */
static gboolean
target_sees (CrmServerLive       *self,
             const CrmServerUser *user,
             const char          *target,
             const char          *id)
{
  g_autoptr(CrmVisibility) visibility = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = NULL;
  CrmStore *store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (self->storage),
                                                    user->account_id, &error);

  if (store == NULL)
    {
      g_debug ("Live channel: notification %s not sent, the replica is not read: %s", id,
               error->message);
      return FALSE;
    }
  if ((deal = crm_visibility_deal_of (store, "notification", id)) == NULL)
    return TRUE;
  visibility = crm_visibility_new (store, target);
  return crm_visibility_sees_deal (visibility, store, deal);
}

/* Notifications among the account's ops after @since, each to its user's sockets (when
 * that user sees its deal). */
static void
send_notifications (CrmServerLive       *self,
                    const CrmServerUser *user,
                    gint64               since)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CrmPullPage) page = NULL;
  gsize length = 0;
  char *text = crm_server_storage_pull (self->storage, user, since, NOTIFICATION_SCAN,
                                        crm_server_storage_now_hlc (self->storage, user),
                                        &length, &error);

  if (text == NULL)
    {
      g_debug ("Live channel: no notifications read: %s", error->message);
      return;
    }
  bytes = g_bytes_new_take (text, length);
  page = crm_pull_page_parse (bytes, &error);
  if (page == NULL)
    {
      g_warning ("Live channel: the account's new ops do not read back: %s", error->message);
      return;
    }
  for (guint i = 0; i < page->ops->len; i++)
    {
      CrmOp *op = page->ops->pdata[i];
      const char *target;
      g_autoptr(JsonBuilder) builder = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GPtrArray) sockets = NULL;
      g_autofree char *event = NULL;

      /* a new notification carries its text; marking it read does not */
      if (!g_str_equal (op->entity, "notification") || op->fields == NULL ||
          !json_object_has_member (op->fields, "text") ||
          (target = json_object_get_string_member_with_default (op->fields, "user",
                                                                NULL)) == NULL ||
          !target_sees (self, user, target, op->entity_id))
        continue;
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "notification");
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, op->entity_id);
      json_builder_set_member_name (builder, "text");
      json_builder_add_value (builder, json_node_copy (json_object_get_member (op->fields,
                                                                               "text")));
      json_builder_set_member_name (builder, "deal");
      if (json_object_has_member (op->fields, "deal"))
        json_builder_add_value (builder, json_node_copy (json_object_get_member (op->fields,
                                                                                 "deal")));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "created_at");
      json_builder_add_int_value (builder, json_object_get_int_member_with_default (
                                             op->fields, "created_at", 0));
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      event = json_to_string (node, FALSE);
      sockets = snapshot (self);
      for (guint j = 0; j < sockets->len; j++)
        {
          LiveSocket *socket = sockets->pdata[j];

          if (g_str_equal (socket->user->account_id, user->account_id) &&
              g_strcmp0 (socket->user->crm_user, target) == 0)
            send_text (socket, event);
        }
    }
}

void
crm_server_live_changed (CrmServerLive       *self,
                         const CrmServerUser *user,
                         const char          *from_session)
{
  gint64 *announced = g_hash_table_lookup (self->heads, user->account_id);
  gint64 head;
  g_autofree char *event = NULL;
  g_autoptr(GPtrArray) sockets = NULL;

  if (announced == NULL)
    return;   /* nobody of the account listens */
  head = account_head (self, user);
  if (head <= *announced)
    return;
  send_notifications (self, user, *announced);
  *announced = head;
  event = event_text ("changes", head);
  sockets = snapshot (self);
  for (guint i = 0; i < sockets->len; i++)
    {
      LiveSocket *socket = sockets->pdata[i];

      if (g_str_equal (socket->user->account_id, user->account_id) &&
          g_strcmp0 (socket->session, from_session) != 0)
        send_text (socket, event);
    }
}

void
crm_server_live_changed_all (CrmServerLive *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (
    (GDestroyNotify) crm_server_user_free);

  for (guint i = 0; i < self->sockets->len; i++)
    {
      LiveSocket *socket = self->sockets->pdata[i];

      if (!socket->closing && g_hash_table_add (seen, socket->user->account_id))
        g_ptr_array_add (users, crm_server_user_copy (socket->user));
    }
  for (guint i = 0; i < users->len; i++)
    crm_server_live_changed (self, users->pdata[i], NULL);
}

guint
crm_server_live_send_to_users (CrmServerLive      *self,
                               const char         *account_id,
                               const char * const *user_ids,
                               const char         *text)
{
  if (self->relay != NULL)
    self->relay (account_id, user_ids, text, self->relay_data);
  return crm_server_live_deliver (self, account_id, user_ids, text);
}

void
crm_server_live_set_relay (CrmServerLive      *self,
                           CrmServerLiveRelay  relay,
                           gpointer            user_data)
{
  self->relay = relay;
  self->relay_data = user_data;
}

guint
crm_server_live_deliver (CrmServerLive      *self,
                         const char         *account_id,
                         const char * const *user_ids,
                         const char         *text)
{
  g_autoptr(GPtrArray) sockets = snapshot (self);
  guint sent = 0;

  for (guint i = 0; i < sockets->len; i++)
    {
      LiveSocket *socket = sockets->pdata[i];

      if (!socket->closing && g_str_equal (socket->user->account_id, account_id) &&
          socket->user->crm_user != NULL &&
          g_strv_contains (user_ids, socket->user->crm_user))
        {
          send_text (socket, text);
          sent++;
        }
    }
  return sent;
}

guint
crm_server_live_get_count (CrmServerLive *self)
{
  return self->open;
}

static gboolean
keep_waking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
crm_server_live_close_all (CrmServerLive *self,
                           guint          wait_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;
  g_autoptr(GPtrArray) sockets = snapshot (self);
  guint wake;

  for (guint i = 0; i < sockets->len; i++)
    close_socket (sockets->pdata[i], SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "the server is stopping");
  if (self->sockets->len == 0)
    return;
  /* the close frames go out, and the devices' answers come in, on the main loop */
  wake = g_timeout_add (20, keep_waking, NULL);
  while (self->sockets->len > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}
