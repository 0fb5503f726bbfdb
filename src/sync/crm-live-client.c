/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-live-client.c — CrmLiveClient: the WebSocket to /api/v1/live, its events and its
 * reconnections (see the header). */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "crm-live-client.h"
#include "crm-store.h"
#include "crm-sync-round-private.h"

#define BACKOFF_BASE_MS     1000
#define BACKOFF_MAX_MS      (60 * 1000)
/* Refused (a bad token, the caps) or replaced by another connection of the same sign-in:
 * trying again soon cannot help. */
#define REFUSED_DELAY_MS    (5 * 60 * 1000)
#define PING_S              30
/* No pong, no event for this long: the server or the path to it is gone. */
#define SILENCE_S           (3 * PING_S)
#define CHECK_INTERVAL_S    10
#define MAX_EVENT_BYTES     (64 * 1024)
/* CRM_SERVER_LIVE_CLOSE_REPLACED */
#define CLOSE_REPLACED      4000

struct _CrmLiveClient
{
  GObject                  parent_instance;

  CrmSyncClient           *sync;
  SoupSession             *http;
  GTlsDatabase            *http_database;
  SoupWebsocketConnection *socket;
  GCancellable            *cancellable;
  GMainContext            *context;
  GSource                 *retry;
  GSource                 *check;
  GRand                   *rand;
  gboolean                 running;
  gboolean                 connecting;
  guint                    attempt;
  guint                    connections;
  gint64                   cursor;
  gint64                   head;
  gint64                   last_seen;   /* monotonic µs */
  char                    *last_error;
};

G_DEFINE_FINAL_TYPE (CrmLiveClient, crm_live_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTED,
  PROP_LAST_ERROR,
  N_PROPS
};

enum {
  SIGNAL_SYNC_NEEDED,
  SIGNAL_NOTIFICATION,
  SIGNAL_CALL,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (CrmLiveClient *self);

guint
crm_live_backoff_delay_ms (guint  attempt,
                           GRand *rand)
{
  guint64 delay = BACKOFF_BASE_MS;

  for (guint i = 1; i < attempt && delay < BACKOFF_MAX_MS; i++)
    delay *= 2;
  delay = MIN (delay, BACKOFF_MAX_MS);
  /* a server that restarts is not met by every device in the same second */
  return (guint) (delay / 2 + g_rand_int_range (rand, 0, (gint32) delay));
}

static void
set_last_error (CrmLiveClient *self,
                const char    *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

static void
drop_socket (CrmLiveClient *self)
{
  gboolean was_connected = self->socket != NULL;

  if (self->socket != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->socket, self);
      if (soup_websocket_connection_get_state (self->socket) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->socket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&self->socket);
    }
  if (was_connected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static gboolean
retry_cb (gpointer user_data)
{
  CrmLiveClient *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (CrmLiveClient *self,
                guint          delay_ms)
{
  if (!self->running)
    return;
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  g_debug ("Live channel: connecting again in %u ms", delay_ms);
  self->retry = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->retry, retry_cb, self, NULL);
  g_source_attach (self->retry, self->context);
}

static void
retry_with_backoff (CrmLiveClient *self)
{
  self->attempt++;
  schedule_retry (self, crm_live_backoff_delay_ms (self->attempt, self->rand));
}

/* --- the socket ------------------------------------------------------------------------------ */

static void
heard_head (CrmLiveClient *self,
            gint64         head)
{
  self->head = MAX (self->head, head);
  if (head > self->cursor)
    g_signal_emit (self, signals[SIGNAL_SYNC_NEEDED], 0);
}

static void
socket_message (SoupWebsocketConnection *socket,
                gint                     type,
                GBytes                  *message,
                CrmLiveClient           *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = g_bytes_get_data (message, &size);
  JsonNode *root;
  JsonObject *event;
  const char *kind;

  self->last_seen = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT || !json_parser_load_from_data (parser, data, size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("Live channel: an event that is not a JSON object, ignored");
      return;
    }
  event = json_node_get_object (root);
  kind = json_object_get_string_member_with_default (event, "type", "");
  if (g_str_equal (kind, "hello") || g_str_equal (kind, "changes"))
    {
      if (g_str_equal (kind, "hello"))
        self->attempt = 0;   /* signed in and listened to: the back-off starts over */
      heard_head (self, json_object_get_int_member_with_default (event, "head", 0));
    }
  else if (g_str_equal (kind, "notification"))
    g_signal_emit (self, signals[SIGNAL_NOTIFICATION], 0, event);
  else if (g_str_equal (kind, "call"))
    g_signal_emit (self, signals[SIGNAL_CALL], 0, event);
  else
    g_debug ("Live channel: an event of an unknown type “%s”, ignored", kind);
}

static void
socket_pong (SoupWebsocketConnection *socket,
             GBytes                  *message,
             CrmLiveClient           *self)
{
  self->last_seen = g_get_monotonic_time ();
}

static void
socket_closed (SoupWebsocketConnection *socket,
               CrmLiveClient           *self)
{
  gushort code = soup_websocket_connection_get_close_code (socket);
  const char *reason = soup_websocket_connection_get_close_data (socket);
  g_autofree char *message = NULL;

  if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
    message = g_strdup (_("The live connection to the server broke; syncing periodically "
                          "until it is back"));
  else
    message = g_strdup_printf (_("The server closed the live connection (%u%s%s); syncing "
                                 "periodically until it is back"),
                               code, reason != NULL && *reason ? ": " : "",
                               reason != NULL ? reason : "");
  g_debug ("%s", message);
  set_last_error (self, message);
  drop_socket (self);
  if (code == CLOSE_REPLACED || code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION)
    schedule_retry (self, REFUSED_DELAY_MS);
  else
    retry_with_backoff (self);
}

static void
socket_error (SoupWebsocketConnection *socket,
              GError                  *error,
              CrmLiveClient           *self)
{
  g_debug ("Live channel: %s", error->message);
}

static gboolean
check_cb (gpointer user_data)
{
  CrmLiveClient *self = user_data;

  if (self->socket != NULL &&
      g_get_monotonic_time () - self->last_seen > (gint64) SILENCE_S * G_USEC_PER_SEC)
    {
      set_last_error (self, _("The server stopped answering on the live connection; syncing "
                              "periodically until it is back"));
      drop_socket (self);
      retry_with_backoff (self);
    }
  return G_SOURCE_CONTINUE;
}

/* --- connecting ------------------------------------------------------------------------------ */

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CrmLiveClient) self = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = user_data;
  SoupWebsocketConnection *socket;
  guint status;

  socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  self = g_object_steal_data (G_OBJECT (msg), "crm-live-client");
  if (self == NULL)
    {
      g_clear_object (&socket);
      return;
    }
  self->connecting = FALSE;
  if (socket == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->running)
        return;
      status = soup_message_get_status (msg);
      if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN ||
          status == 429 || status == SOUP_STATUS_NOT_FOUND)
        {
          message = g_strdup_printf (_("The server refused the live connection (HTTP %u); "
                                       "syncing periodically"), status);
          set_last_error (self, message);
          schedule_retry (self, REFUSED_DELAY_MS);
          return;
        }
      message = g_strdup_printf (_("No live connection to the server (%s); syncing "
                                   "periodically until it is back"), error->message);
      set_last_error (self, message);
      retry_with_backoff (self);
      return;
    }
  if (!self->running)
    {
      soup_websocket_connection_close (socket, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_object_unref (socket);
      return;
    }
  self->socket = socket;
  self->connections++;
  self->last_seen = g_get_monotonic_time ();
  soup_websocket_connection_set_keepalive_interval (socket, PING_S);
  soup_websocket_connection_set_max_incoming_payload_size (socket, MAX_EVENT_BYTES);
  g_signal_connect (socket, "message", G_CALLBACK (socket_message), self);
  g_signal_connect (socket, "pong", G_CALLBACK (socket_pong), self);
  g_signal_connect (socket, "closed", G_CALLBACK (socket_closed), self);
  g_signal_connect (socket, "error", G_CALLBACK (socket_error), self);
  set_last_error (self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
connect_now (CrmLiveClient *self)
{
  const char *server_url = crm_sync_client_get_server_url (self->sync);
  const char *token = crm_sync_client_get_token (self->sync);
  GTlsDatabase *database = crm_sync_client_get_tls_database (self->sync);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *schema = NULL;
  SoupMessageHeaders *headers;
  SoupMessage *msg;

  if (!self->running || self->socket != NULL || self->connecting)
    return;
  if (!crm_sync_round_check_url (server_url, crm_sync_client_get_allow_insecure (self->sync),
                                 &error))
    {
      set_last_error (self, error->message);
      return;   /* the rounds say the same; nothing to retry */
    }
  if (token == NULL)
    {
      /* not signed in yet: the first round signs in, then this tries again */
      retry_with_backoff (self);
      return;
    }
  base = g_strdup (server_url);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strconcat (base, CRM_PROTOCOL_PATH_LIVE, NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a valid address"), url);

      set_last_error (self, message);
      return;
    }
  headers = soup_message_get_request_headers (msg);
  bearer = g_strconcat ("Bearer ", token, NULL);
  schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (self->http == NULL || self->http_database != database)
    {
      g_autofree char *agent = g_strdup_printf ("Voronka/%s ", PACKAGE_VERSION);

      g_clear_object (&self->http);
      g_set_object (&self->http_database, database);
      /* a socket that does not open in 30 s is tried again later */
      self->http = soup_session_new_with_options ("timeout", 30, "user-agent", agent, NULL);
      if (database != NULL)
        soup_session_set_tls_database (self->http, database);
    }
  self->connecting = TRUE;
  /* the message knows its client until the answer (the client may be stopped meanwhile) */
  g_object_set_data_full (G_OBJECT (msg), "crm-live-client", g_object_ref (self),
                          g_object_unref);
  soup_session_websocket_connect_async (self->http, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connected_cb, msg);
}

/* --- object ---------------------------------------------------------------------------------- */

static void
crm_live_client_dispose (GObject *object)
{
  CrmLiveClient *self = CRM_LIVE_CLIENT (object);

  crm_live_client_stop (self);
  g_clear_object (&self->sync);
  g_clear_object (&self->http);
  g_clear_object (&self->http_database);
  G_OBJECT_CLASS (crm_live_client_parent_class)->dispose (object);
}

static void
crm_live_client_finalize (GObject *object)
{
  CrmLiveClient *self = CRM_LIVE_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->last_error);
  G_OBJECT_CLASS (crm_live_client_parent_class)->finalize (object);
}

static void
crm_live_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CrmLiveClient *self = CRM_LIVE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:  g_value_set_boolean (value, self->socket != NULL); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_live_client_class_init (CrmLiveClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_live_client_dispose;
  object_class->finalize = crm_live_client_finalize;
  object_class->get_property = crm_live_client_get_property;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The server has changes beyond the replica's cursor: run a round. */
  signals[SIGNAL_SYNC_NEEDED] =
    g_signal_new ("sync-needed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* A rule made a notification for this user: {"type","id","text","deal","created_at"}. */
  signals[SIGNAL_NOTIFICATION] =
    g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* A call rings this user: {"type","call","deal","card"} (crm-server-live.h). */
  signals[SIGNAL_CALL] =
    g_signal_new ("call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
crm_live_client_init (CrmLiveClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->rand = g_rand_new ();
  self->cancellable = g_cancellable_new ();
}

static void
synced_cb (CrmSyncClient *sync,
           GParamSpec    *pspec,
           CrmLiveClient *self)
{
  crm_live_client_set_cursor (self, crm_sync_client_get_cursor (sync));
}

CrmLiveClient *
crm_live_client_new (CrmSyncClient *sync)
{
  CrmLiveClient *self = g_object_new (CRM_TYPE_LIVE_CLIENT, NULL);

  self->sync = g_object_ref (sync);
  self->cursor = crm_sync_client_get_cursor (sync);
  /* each round the client completes moves the cursor */
  g_signal_connect_object (sync, "notify::last-synced", G_CALLBACK (synced_cb), self, 0);
  return self;
}

void
crm_live_client_start (CrmLiveClient *self)
{
  g_return_if_fail (CRM_IS_LIVE_CLIENT (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->attempt = 0;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->check = g_timeout_source_new_seconds (CHECK_INTERVAL_S);
  g_source_set_callback (self->check, check_cb, self, NULL);
  g_source_attach (self->check, self->context);
  connect_now (self);
}

void
crm_live_client_stop (CrmLiveClient *self)
{
  g_return_if_fail (CRM_IS_LIVE_CLIENT (self));

  self->running = FALSE;
  self->connecting = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  if (self->check != NULL)
    {
      g_source_destroy (self->check);
      g_clear_pointer (&self->check, g_source_unref);
    }
  drop_socket (self);
}

gboolean
crm_live_client_get_connected (CrmLiveClient *self)
{
  g_return_val_if_fail (CRM_IS_LIVE_CLIENT (self), FALSE);
  return self->socket != NULL;
}

const char *
crm_live_client_get_last_error (CrmLiveClient *self)
{
  g_return_val_if_fail (CRM_IS_LIVE_CLIENT (self), NULL);
  return self->last_error;
}

void
crm_live_client_set_cursor (CrmLiveClient *self,
                            gint64         cursor)
{
  gint64 previous = self->cursor;

  g_return_if_fail (CRM_IS_LIVE_CLIENT (self));
  self->cursor = cursor;
  /* events heard during a round that it did not reach (a round that moved nothing is not
   * run again and again for a head it cannot reach) */
  if (self->head > cursor && cursor > previous)
    g_signal_emit (self, signals[SIGNAL_SYNC_NEEDED], 0);
}

gint64
crm_live_client_get_head (CrmLiveClient *self)
{
  g_return_val_if_fail (CRM_IS_LIVE_CLIENT (self), 0);
  return self->head;
}

guint
crm_live_client_get_connections (CrmLiveClient *self)
{
  g_return_val_if_fail (CRM_IS_LIVE_CLIENT (self), 0);
  return self->connections;
}
