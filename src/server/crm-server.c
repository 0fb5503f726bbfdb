/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server.c — voronka-server's HTTP layer. Every request is checked in the same
 * order: body size (in an early handler, before the body is kept), endpoint and method,
 * schema version, token, rate; then the storage does the work. Whatever goes wrong, the
 * answer is a JSON error {"error":{"code","message"},"hlc"} and the server keeps
 * serving. All handlers run on the main loop; only snapshots are made in a thread. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n.h>

#include "crm-rules.h"
#include "crm-json.h"
#include "crm-server.h"
#include "crm-server-auth.h"
#include "crm-server-connections.h"
#include "crm-server-backend.h"
#include "crm-server-files.h"
#include "crm-server-channels.h"
#include "crm-server-delivery.h"
#include "crm-server-invites.h"
#include "crm-server-mail.h"
#include "crm-server-mailboxes.h"
#include "crm-server-live.h"
#include "crm-server-log.h"
#include "crm-server-metrics.h"
#include "crm-server-net.h"
#include "crm-server-notify.h"
#include "crm-server-telephony.h"
#include "crm-server-tracking.h"
#include "crm-hlc.h"
#include "crm-store.h"
#include "crm-time.h"

#define SIGN_IN_RATE   2.0
#define SIGN_IN_BURST  60.0
/* Tracking images and unsubscribe links (no sign-in): per client address. */
#define TRACKING_RATE  2.0
#define TRACKING_BURST 30.0
/* Entries per rate table; beyond it, buckets that have refilled are dropped (they hold no
 * state), and if none has, new keys share one bucket: memory stays bounded and no flood
 * of new keys can reset the limits of the old ones. */
#define MAX_BUCKETS    50000
#define OVERFLOW_KEY   "*"
/* Sign-ins waiting for a password check; beyond it, 429 at once. */
#define MAX_QUEUED_SIGN_INS 64

typedef struct {
  double  tokens;
  gint64  last_us;
} Bucket;

struct _CrmServer
{
  GObject           parent_instance;

  SoupServer       *soup;
  CrmServerConnections *connections;
  CrmServerLive    *live;           /* the WebSockets of /api/v1/live */
  CrmServerStorage *storage;
  CrmServerLimits   limits;
  GHashTable       *sign_in_buckets;  /* client address → Bucket*: sign-ins, bad tokens */
  GHashTable       *session_buckets;  /* token hash of a valid session → Bucket* */
  GHashTable       *tracking_buckets; /* client address → Bucket*: /t/ and /u/ */
  GThreadPool      *hash_pool;        /* password checks, off the main loop */
  CrmHlc            clock;        /* for answers outside any account */
  guint             tick_source;
  GCancellable     *cancellable;
  CrmServerProxies *proxies;      /* serve --trusted-proxy */
  char             *not_ready;    /* the last /readyz refusal, logged once */
  CrmServerPushHook push_hook;    /* message delivery looks at what came in */
  gpointer          push_hook_data;
  CrmServerChannels *channels;    /* the admins' channel requests (opened on first use) */
  guint             tests_running; /* channel and mailbox tests in worker threads */
  CrmServerSettingsHook settings_hook;  /* an admin changed a channel or a mailbox */
  gpointer          settings_hook_data;
};

G_DEFINE_FINAL_TYPE (CrmServer, crm_server, G_TYPE_OBJECT)

static void
crm_server_dispose (GObject *object)
{
  CrmServer *self = CRM_SERVER (object);

  crm_server_stop (self);
  g_clear_pointer (&self->connections, crm_server_connections_free);
  g_clear_pointer (&self->live, crm_server_live_free);
  g_clear_object (&self->soup);
  g_clear_object (&self->storage);
  g_clear_object (&self->cancellable);
  if (self->hash_pool != NULL)
    {
      g_thread_pool_free (self->hash_pool, FALSE, TRUE);
      self->hash_pool = NULL;
    }
  g_clear_pointer (&self->sign_in_buckets, g_hash_table_unref);
  g_clear_pointer (&self->tracking_buckets, g_hash_table_unref);
  g_clear_pointer (&self->session_buckets, g_hash_table_unref);
  g_clear_pointer (&self->proxies, crm_server_proxies_free);
  g_clear_pointer (&self->not_ready, g_free);
  g_clear_pointer (&self->channels, crm_server_channels_free);
  G_OBJECT_CLASS (crm_server_parent_class)->dispose (object);
}

static void
crm_server_class_init (CrmServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = crm_server_dispose;
}

static void check_password_in_thread (gpointer task,
                                      gpointer user_data);

static void
crm_server_init (CrmServer *self)
{
  /* one core stays free for the main loop, which serves every sync */
  guint threads = CLAMP (g_get_num_processors () - 1, 1, 4);

  self->sign_in_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->session_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->tracking_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->hash_pool = g_thread_pool_new (check_password_in_thread, NULL, (gint) threads, FALSE,
                                       NULL);
  self->cancellable = g_cancellable_new ();
  crm_hlc_init (&self->clock, 0);
}

/* --- answers ------------------------------------------------------------------------------ */

static guint64
server_hlc (CrmServer           *self,
            const CrmServerUser *user)
{
  if (user != NULL)
    {
      guint64 hlc = crm_server_storage_now_hlc (self->storage, user);

      if (hlc != 0)
        return hlc;
    }
  return crm_hlc_now (&self->clock, crm_time_now_ms ());
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node,
              guint64            hlc)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *text;

  if (hlc != 0)
    {
      g_autofree char *hex = crm_hlc_to_string (hlc);

      if (JSON_NODE_HOLDS_OBJECT (node))
        crm_protocol_set_hlc (json_node_get_object (node), hlc);
      soup_message_headers_replace (headers, CRM_PROTOCOL_HLC_HEADER, hex);
    }
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  text = json_to_string (node, FALSE);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
respond_error (CrmServer         *self,
               SoupServerMessage *msg,
               CrmSyncError       code,
               const char        *message,
               guint64            hlc)
{
  g_autoptr(JsonNode) node = crm_protocol_error_new (code, message, 0);

  respond_json (msg, crm_sync_error_http_status (code), node,
                hlc != 0 ? hlc : server_hlc (self, NULL));
}

static CrmSyncError
sync_code_for (const GError *error)
{
  if (error->domain == CRM_SYNC_ERROR)
    return error->code;
  if (error->domain == CRM_STORE_ERROR)
    switch (error->code)
      {
      case CRM_STORE_ERROR_INVALID_INPUT:     return CRM_SYNC_ERROR_INVALID_INPUT;
      case CRM_STORE_ERROR_NOT_FOUND:         return CRM_SYNC_ERROR_NOT_FOUND;
      case CRM_STORE_ERROR_PERMISSION_DENIED: return CRM_SYNC_ERROR_PERMISSION_DENIED;
      case CRM_STORE_ERROR_SCHEMA_TOO_NEW:    return CRM_SYNC_ERROR_SCHEMA_TOO_NEW;
      default:                                break;
      }
  /* a mailbox URL we do not read (an admin's POST to /api/v1/mailboxes) */
  if (error->domain == CRM_MAIL_ERROR && error->code == CRM_MAIL_ERROR_URL)
    return CRM_SYNC_ERROR_INVALID_INPUT;
  /* a rule that cannot run is the account's data, not the server failing */
  if (error->domain == CRM_RULE_ERROR)
    return error->code == CRM_RULE_ERROR_UNKNOWN_TARGET ? CRM_SYNC_ERROR_NOT_FOUND
                                                        : CRM_SYNC_ERROR_INVALID_INPUT;
  return CRM_SYNC_ERROR_SERVER_ERROR;
}

static void
respond_gerror (CrmServer           *self,
                SoupServerMessage   *msg,
                const GError        *error,
                const CrmServerUser *user)
{
  CrmSyncError code = sync_code_for (error);

  if (code == CRM_SYNC_ERROR_SERVER_ERROR || code == CRM_SYNC_ERROR_FAILED)
    g_warning ("%s %s: %s", soup_server_message_get_method (msg),
               g_uri_get_path (soup_server_message_get_uri (msg)), error->message);
  respond_error (self, msg, code, error->message, server_hlc (self, user));
}

/* --- limits ------------------------------------------------------------------------------- */

static double
bucket_refill (Bucket *bucket,
               gint64  now,
               double  rate,
               double  burst)
{
  return MIN (burst, bucket->tokens + (now - bucket->last_us) / 1e6 * rate);
}

/* A token bucket per @key of @table: @burst requests at once, then @rate per second. */
static gboolean
rate_allows (GHashTable *table,
             const char *key,
             double      rate,
             double      burst)
{
  Bucket *bucket = g_hash_table_lookup (table, key);
  gint64 now = g_get_monotonic_time ();

  if (bucket == NULL && g_hash_table_size (table) >= MAX_BUCKETS)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (bucket_refill (value, now, rate, burst) >= burst)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (table) >= MAX_BUCKETS)
        {
          key = OVERFLOW_KEY;
          bucket = g_hash_table_lookup (table, key);
        }
    }
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = burst;
      bucket->last_us = now;
      g_hash_table_insert (table, g_strdup (key), bucket);
    }
  bucket->tokens = bucket_refill (bucket, now, rate, burst);
  bucket->last_us = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

/* Whom sign-in attempts and bad tokens are counted against: the client's address (the
 * peer's, or behind a trusted proxy the one it forwards); for IPv6 its /64, which one
 * host can fill with addresses of its own. */
static char *
client_key (CrmServer         *self,
            SoupServerMessage *msg)
{
  const char *client = crm_server_client_address (self->proxies, msg, NULL);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (client);

  if (inet == NULL)
    return g_strdup ("-");
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 &&
      !g_inet_address_get_is_loopback (inet))
    {
      const guint8 *bytes = g_inet_address_to_bytes (inet);

      return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", bytes[0], bytes[1],
                              bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
    }
  return g_inet_address_to_string (inet);
}

static void
respond_too_large (CrmServer         *self,
                   SoupServerMessage *msg)
{
  g_autofree char *message = g_strdup_printf (
    _("The request is larger than the server accepts (%lu bytes); send fewer "
      "changes at a time"), (gulong) self->limits.max_body);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_headers_append (soup_server_message_get_request_headers (msg), "Connection",
                               "close");
  respond_error (self, msg, CRM_SYNC_ERROR_TOO_LARGE, message, 0);
}

static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           CrmServer         *self)
{
  gsize total = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "crm-body-size"));

  total += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "crm-body-size", GSIZE_TO_POINTER (total));
  if (total > self->limits.max_body && soup_server_message_get_status (msg) == 0)
    respond_too_large (self, msg);
}

/* Runs when the headers are in: a body announced (or turning out) larger than the limit
 * is answered with 413 and not kept in memory. */
static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  CrmServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (goffset) soup_message_headers_get_content_length (headers) > (goffset) self->limits.max_body)
    {
      respond_too_large (self, msg);
      return;
    }
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk), self, 0);
}

/* --- checks ------------------------------------------------------------------------------- */

static gboolean
check_schema (CrmServer         *self,
              SoupServerMessage *msg)
{
  const char *text = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   CRM_PROTOCOL_SCHEMA_HEADER);
  guint64 schema = 0;
  g_autofree char *message = NULL;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT, &schema, NULL))
    {
      g_autofree char *message = g_strdup_printf (
        _("The request does not say which data schema the app uses (header %s)"),
        CRM_PROTOCOL_SCHEMA_HEADER);

      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT, message, 0);
      return FALSE;
    }
  if (schema > CRM_SCHEMA_VERSION)
    {
      message = g_strdup_printf (_("This app uses data schema %u but the server understands only "
                                   "up to %d: ask your administrator to update voronka-server"),
                                 (guint) schema, CRM_SCHEMA_VERSION);
      respond_error (self, msg, CRM_SYNC_ERROR_SCHEMA_TOO_NEW, message, 0);
      return FALSE;
    }
  if (schema < CRM_PROTOCOL_MIN_SCHEMA)
    {
      message = g_strdup_printf (_("This version of the app is too old for the server (data "
                                   "schema %u, the server needs %d or newer): update the app"),
                                 (guint) schema, CRM_PROTOCOL_MIN_SCHEMA);
      respond_error (self, msg, CRM_SYNC_ERROR_UPDATE_REQUIRED, message, 0);
      return FALSE;
    }
  return TRUE;
}

/* A disabled or removed user is told so (403), at sign-in and with any token of theirs;
 * the state is read from the storage at every request (an admin command may change it
 * while the server runs). */
static gboolean
refuse_disabled (CrmServer           *self,
                 SoupServerMessage   *msg,
                 const CrmServerUser *user)
{
  if (!user->disabled && !user->removed && !user->deactivated)
    return FALSE;
  respond_error (self, msg, CRM_SYNC_ERROR_PERMISSION_DENIED,
                 user->removed ? _("Your account has been removed; ask your administrator")
                 : user->disabled ? _("Your account has been disabled; ask your administrator")
                 : _("An administrator deactivated your account; your open deals and tasks "
                     "went to a colleague. Ask your administrator if this is a mistake"), 0);
  return TRUE;
}

/* The signed-in user of a request, or NULL after answering 401/403/429. */
static CrmServerUser *
authenticate (CrmServer          *self,
              SoupServerMessage  *msg,
              char              **out_token_hash)
{
  const char *header = soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), "Authorization");
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  CrmServerUser *user;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      respond_error (self, msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     _("Sign in first: this request carries no session token"), 0);
      return NULL;
    }
  token = g_strstrip (g_strdup (header + 7));
  if (*token == '\0' || strlen (token) > 200)
    {
      respond_error (self, msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     _("The session token is malformed; sign in again"), 0);
      return NULL;
    }
  hash = crm_server_hash_token (token);
  user = crm_server_storage_lookup_session (self->storage, hash, crm_time_now_ms (), &error);
  if (user == NULL && error != NULL)
    {
      respond_gerror (self, msg, error, NULL);
      return NULL;
    }
  /* a token that opens no session counts as a failed sign-in of its sender: guessing
   * tokens costs the same as guessing passwords, and makes no bucket of its own */
  if (user == NULL)
    {
      g_autofree char *client = client_key (self, msg);

      if (!rate_allows (self->sign_in_buckets, client, SIGN_IN_RATE, SIGN_IN_BURST))
        {
          crm_server_metrics_rate_limited ("sign-in");
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", "30");
          respond_error (self, msg, CRM_SYNC_ERROR_RATE_LIMITED,
                         _("Too many sign-in attempts; wait a minute and try again"), 0);
        }
      else
        respond_error (self, msg, CRM_SYNC_ERROR_AUTH_FAILED,
                       _("The session has expired or was revoked; sign in again"), 0);
      return NULL;
    }
  if (!rate_allows (self->session_buckets, hash, self->limits.rate, self->limits.burst))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "1");
      crm_server_metrics_rate_limited ("session");
      respond_error (self, msg, CRM_SYNC_ERROR_RATE_LIMITED,
                     _("Too many requests with this session; slow down and retry in a moment"), 0);
      crm_server_user_free (user);
      return NULL;
    }
  g_object_set_data_full (G_OBJECT (msg), "crm-user",
                          g_strdup_printf ("%s@%s", user->name, user->account_name), g_free);
  if (refuse_disabled (self, msg, user))
    {
      crm_server_user_free (user);
      return NULL;
    }
  if (out_token_hash != NULL)
    *out_token_hash = g_steal_pointer (&hash);
  return user;
}

/* --- endpoints ----------------------------------------------------------------------------- */

static GBytes *
request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

static void
handle_info (CrmServer         *self,
             SoupServerMessage *msg)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "server", "voronka-server");
  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  json_object_set_int_member (object, "schema", CRM_SCHEMA_VERSION);
  json_object_set_int_member (object, "min_schema", CRM_PROTOCOL_MIN_SCHEMA);
  json_node_take_object (node, object);
  respond_json (msg, 200, node, server_hlc (self, NULL));
}

/* "name" or, when several accounts have that name, "name@account". */
static GPtrArray *
find_users (CrmServer   *self,
            const char  *login,
            GError     **error)
{
  g_autoptr(GPtrArray) users = crm_server_storage_find_users (self->storage, login, NULL, error);
  const char *at;
  g_autofree char *name = NULL;

  if (users == NULL || users->len > 0 || (at = strrchr (login, '@')) == NULL)
    return g_steal_pointer (&users);
  g_clear_pointer (&users, g_ptr_array_unref);
  name = g_strndup (login, at - login);
  return crm_server_storage_find_users (self->storage, name, at + 1, error);
}

/* A sign-in waiting for its password check, which runs in self->hash_pool: a hash takes
 * tens of milliseconds of CPU and 64 MiB, and a burst of them on the main loop would
 * stall every sync. */
typedef struct {
  CrmServer         *self;
  SoupServerMessage *msg;
  CrmServerUser     *user;         /* NULL: unknown, or the name is ambiguous */
  char              *password;
  char              *device;
  char              *device_name;
  char              *refusal;      /* the answer when the check can only fail */
  char              *login;        /* the user name tried, for the log */
  char              *invite;       /* a sign-in with an invitation code: the code */
  char              *password_hash; /* … and the hash of the password chosen */
  GError            *hash_error;   /* … or why the password cannot be one */
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_object_unref (sign_in->msg);
  g_object_unref (sign_in->self);
  crm_server_user_free (sign_in->user);
  if (sign_in->password != NULL)
    memset (sign_in->password, 0, strlen (sign_in->password));
  g_free (sign_in->password);
  g_free (sign_in->device);
  g_free (sign_in->device_name);
  g_free (sign_in->refusal);
  g_free (sign_in->login);
  g_free (sign_in->invite);
  g_free (sign_in->password_hash);
  g_clear_error (&sign_in->hash_error);
  g_free (sign_in);
}

static void
check_password_in_thread (gpointer data,
                          gpointer user_data)
{
  GTask *task = data;
  SignIn *sign_in = g_task_get_task_data (task);
  gboolean ok;

  if (sign_in->invite != NULL)
    {
      /* a new user chose this password: it becomes their hash */
      sign_in->password_hash = crm_server_hash_password (sign_in->password,
                                                         &sign_in->hash_error);
      g_task_return_boolean (task, sign_in->password_hash != NULL);
      g_object_unref (task);
      return;
    }
  /* unknown users get a check too, so the answer takes as long as for a wrong password */
  ok = crm_server_verify_password (sign_in->user ? sign_in->user->password_hash : NULL,
                                   sign_in->password);
  g_task_return_boolean (task, ok && sign_in->refusal == NULL);
  g_object_unref (task);
}

static void
sign_in_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CrmServer *self = CRM_SERVER (source);
  SignIn *sign_in = g_task_get_task_data (G_TASK (result));
  SoupServerMessage *msg = sign_in->msg;
  CrmServerUser *user = sign_in->user;
  g_auto(CrmSession) session = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;

  if (sign_in->invite != NULL)
    {
      g_autoptr(CrmServerUser) made = NULL;

      g_task_propagate_boolean (G_TASK (result), NULL);
      if (sign_in->hash_error != NULL)
        respond_gerror (self, msg, sign_in->hash_error, NULL);
      else if ((made = crm_server_storage_redeem_invite (self->storage, sign_in->invite,
                                                         sign_in->password_hash,
                                                         crm_time_now_ms (), &error)) == NULL)
        {
          crm_server_log_sign_in_failed (crm_server_client_address (self->proxies, msg, NULL),
                                         "(invitation)", "invitation refused");
          crm_server_metrics_sign_in_failed ();
          respond_gerror (self, msg, error, NULL);
        }
      else
        {
          crm_server_audit ("user.invite.redeem", made->account_name, made->name, NULL);
          sign_in->user = g_steal_pointer (&made);
          user = sign_in->user;
        }
      if (sign_in->user == NULL)
        {
          soup_server_message_unpause (msg);
          return;
        }
    }
  if (sign_in->invite == NULL && !g_task_propagate_boolean (G_TASK (result), NULL))
    {
      crm_server_log_sign_in_failed (crm_server_client_address (self->proxies, msg, NULL),
                                     sign_in->login,
                                     sign_in->refusal != NULL ? "ambiguous"
                                     : user == NULL ? "unknown user" : "wrong password");
      crm_server_metrics_sign_in_failed ();
      respond_error (self, msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     sign_in->refusal ? sign_in->refusal : _("Wrong user name or password"), 0);
    }
  else if (!refuse_disabled (self, msg, user))
    {
      token = crm_server_new_token ();
      hash = crm_server_hash_token (token);
      session.expires = crm_time_now_ms () + self->limits.session_ttl_ms;
      if (!crm_server_storage_create_session (self->storage, user, hash, sign_in->device,
                                              sign_in->device_name, session.expires, &error))
        respond_gerror (self, msg, error, user);
      else
        {
          g_object_set_data_full (G_OBJECT (msg), "crm-user",
                                  g_strdup_printf ("%s@%s", user->name, user->account_name),
                                  g_free);
          session.token = g_steal_pointer (&token);
          session.account_id = g_strdup (user->account_id);
          session.account_name = g_strdup (user->account_name);
          session.user_id = g_strdup (user->crm_user);
          session.user_name = g_strdup (user->name);
          session.role = g_strdup (user->role);
          session.hlc = server_hlc (self, user);
          node = crm_session_to_json (&session);
          respond_json (msg, 200, node, session.hlc);
        }
    }
  soup_server_message_unpause (msg);
}

static void
handle_sign_in (CrmServer         *self,
                SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = request_body (msg);
  g_auto(CrmSessionRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autofree char *client = client_key (self, msg);
  SignIn *sign_in;
  GTask *task;

  if (!rate_allows (self->sign_in_buckets, client, SIGN_IN_RATE, SIGN_IN_BURST))
    {
      crm_server_metrics_rate_limited ("sign-in");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "30");
      respond_error (self, msg, CRM_SYNC_ERROR_RATE_LIMITED,
                     _("Too many sign-in attempts; wait a minute and try again"), 0);
      return;
    }
  if (g_thread_pool_unprocessed (self->hash_pool) >= MAX_QUEUED_SIGN_INS)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      respond_error (self, msg, CRM_SYNC_ERROR_RATE_LIMITED,
                     _("The server is busy signing in many users at once; try again in a few "
                       "seconds"), 0);
      return;
    }
  if (!crm_session_request_parse (body, &request, &error) ||
      (request.invite != NULL &&
       !crm_server_storage_check_invite (self->storage, request.invite, crm_time_now_ms (),
                                         &error)) ||
      (request.invite == NULL && (users = find_users (self, request.user, &error)) == NULL))
    {
      if (request.invite != NULL && g_error_matches (error, CRM_SYNC_ERROR,
                                                     CRM_SYNC_ERROR_AUTH_FAILED))
        {
          crm_server_log_sign_in_failed (crm_server_client_address (self->proxies, msg, NULL),
                                         "(invitation)", "invitation refused");
          crm_server_metrics_sign_in_failed ();
        }
      respond_gerror (self, msg, error, NULL);
      return;
    }

  sign_in = g_new0 (SignIn, 1);
  sign_in->self = g_object_ref (self);
  sign_in->msg = g_object_ref (msg);
  sign_in->password = g_strdup (request.password);
  sign_in->device = g_strdup (request.device);
  sign_in->device_name = g_strdup (request.device_name);
  sign_in->login = g_strdup (request.user);
  sign_in->invite = g_strdup (request.invite);
  if (users == NULL)
    ;  /* an invitation: the user is made once the password is hashed */
  else if (users->len > 1)
    sign_in->refusal = g_strdup_printf (
      _("Several accounts have a user named “%s”; sign in as %s@ACCOUNT"),
      request.user, request.user);
  else if (users->len == 1)
    sign_in->user = crm_server_user_copy (users->pdata[0]);

  task = g_task_new (self, NULL, sign_in_checked, NULL);
  g_task_set_source_tag (task, handle_sign_in);
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);
  soup_server_message_pause (msg);
  g_thread_pool_push (self->hash_pool, task, NULL);
}

/* Days an invitation is valid when the administrator does not say. */
#define INVITE_DEFAULT_DAYS 7
#define INVITE_MAX_DAYS     90

/* The most pending invitations GET /api/v1/invites answers with (newest first). */
#define INVITES_MAX_LISTED 500

/* The signed-in user when they administer their account; otherwise answered with 403
 * saying @refusal (or 401) and NULL. */
static CrmServerUser *
authenticate_admin (CrmServer         *self,
                    SoupServerMessage *msg,
                    const char        *refusal)
{
  g_autoptr(CrmServerUser) user = authenticate (self, msg, NULL);

  if (user == NULL)
    return NULL;
  if (!g_str_equal (user->role, "admin"))
    {
      respond_error (self, msg, CRM_SYNC_ERROR_PERMISSION_DENIED, refusal, 0);
      return NULL;
    }
  return g_steal_pointer (&user);
}

/* GET /api/v1/invites: the invitations of the administrator's account still waiting to be
 * used, newest first — {"account", "invites": [{"name", "role", "created", "expires" (UTC
 * ms), "invited_by" (a user's name; null: the server's command line)}]}; never the codes
 * (only their hashes are kept). */
static void
handle_invites_list (CrmServer         *self,
                     SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can see its invitations"));
  g_autoptr(CrmServerRows) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *answer;
  JsonArray *invites;

  if (user == NULL)
    return;
  rows = crm_server_invites_list (self->storage, user->account_id, TRUE, crm_time_now_ms (),
                                  INVITES_MAX_LISTED, &error);
  if (rows == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  invites = json_array_sized_new (crm_server_rows_count (rows));
  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    {
      JsonObject *invite = json_object_new ();

      json_object_set_string_member (invite, "name",
                                     crm_server_rows_text (rows, i, CRM_SERVER_INVITE_NAME));
      json_object_set_string_member (invite, "role",
                                     crm_server_rows_text (rows, i, CRM_SERVER_INVITE_ROLE));
      json_object_set_int_member (invite, "created",
                                  crm_server_rows_int (rows, i, CRM_SERVER_INVITE_CREATED_AT));
      json_object_set_int_member (invite, "expires",
                                  crm_server_rows_int (rows, i, CRM_SERVER_INVITE_EXPIRES_AT));
      crm_json_set_string_or_null (invite, "invited_by",
                                   crm_server_rows_text (rows, i, CRM_SERVER_INVITE_INVITED_BY));
      json_array_add_object_element (invites, invite);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  answer = json_object_new ();
  json_object_set_string_member (answer, "account", user->account_name);
  json_object_set_array_member (answer, "invites", invites);
  json_node_take_object (node, answer);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* DELETE /api/v1/invites with {"name"}: the administrator withdraws the invitations still
 * waiting for that name; their codes stop working at once. {"name", "withdrawn": N}. */
static void
handle_uninvite (CrmServer         *self,
                 SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can withdraw invitations"));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *name = NULL;
  JsonObject *answer;
  gint withdrawn;

  if (user == NULL)
    return;
  body = request_body (msg);
  object = crm_protocol_parse_object (body, "withdrawal", &error);
  if (object == NULL || !crm_protocol_get_string (object, "name", TRUE, &name, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  withdrawn = crm_server_invites_withdraw (self->storage, user->account_id, name,
                                           crm_time_now_ms (), &error);
  if (withdrawn < 0)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (withdrawn == 0)
    {
      g_autofree char *message = g_strdup_printf (
        _("No invitation is waiting for «%s» (used, expired or never made); the list of "
          "invitations shows the ones that are"), name);

      respond_error (self, msg, CRM_SYNC_ERROR_NOT_FOUND, message, 0);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("withdrawn=%d by=%s", withdrawn, user->name);

    crm_server_audit ("user.uninvite", user->account_name, name, details);
  }
  node = json_node_new (JSON_NODE_OBJECT);
  answer = json_object_new ();
  json_object_set_string_member (answer, "name", name);
  json_object_set_int_member (answer, "withdrawn", withdrawn);
  json_node_take_object (node, answer);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* POST /api/v1/invites: an administrator of the account invites a new user. */
static void
handle_invite (CrmServer         *self,
               SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can invite users"));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *code = NULL;
  const char *name = NULL, *role = NULL;
  gint64 days = INVITE_DEFAULT_DAYS;
  gint64 expires;
  JsonObject *answer;

  if (user == NULL)
    return;
  body = request_body (msg);
  object = crm_protocol_parse_object (body, "invitation", &error);
  if (object == NULL ||
      !crm_protocol_get_string (object, "name", TRUE, &name, &error) ||
      !crm_protocol_get_string (object, "role", FALSE, &role, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (json_object_has_member (object, "days"))
    days = json_object_get_int_member (object, "days");
  if (days < 1 || days > INVITE_MAX_DAYS)
    {
      g_autofree char *message = g_strdup_printf (
        _("An invitation is valid for 1 to %d days, not %lld"), INVITE_MAX_DAYS,
        (long long) days);

      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT, message, 0);
      return;
    }
  expires = crm_time_now_ms () + days * 24 * 3600 * 1000;
  code = crm_server_storage_create_invite (self->storage, user->account_name, name,
                                           role != NULL ? role : "rep", expires, user->name,
                                           &error);
  if (code == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("role=%s by=%s", role != NULL ? role : "rep",
                                                user->name);

    crm_server_audit ("user.invite", user->account_name, name, details);
  }
  node = json_node_new (JSON_NODE_OBJECT);
  answer = json_object_new ();
  json_object_set_string_member (answer, "code", code);
  json_object_set_string_member (answer, "name", name);
  json_object_set_string_member (answer, "role", role != NULL ? role : "rep");
  json_object_set_string_member (answer, "account", user->account_name);
  json_object_set_int_member (answer, "expires", expires);
  json_node_take_object (node, answer);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* --- the account's channels and mailboxes, edited by its administrators ---------------- */

/* The bodies of the channel and mailbox requests: a few fields each. */
#define SETTINGS_MAX_BODY     (64 * 1024)
/* A test send or mailbox sign-in waits this long for the gateway or mail server at most. */
#define SETTINGS_TEST_TIMEOUT 20
/* Tests under way at once (each holds a worker thread); beyond, 429. */
#define SETTINGS_MAX_TESTS    4

/* The request's JSON object, bounded (size, and nesting by crm_protocol_parse_object); NULL
 * after answering 400 or 413. */
static JsonObject *
settings_body (CrmServer           *self,
               SoupServerMessage   *msg,
               const CrmServerUser *user,
               const char          *what)
{
  g_autoptr(GBytes) body = request_body (msg);
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (body != NULL && g_bytes_get_size (body) > SETTINGS_MAX_BODY)
    {
      g_autofree char *message = g_strdup_printf (
        _("The %s is larger than %d bytes; it holds a few short fields"), what,
        SETTINGS_MAX_BODY);

      respond_error (self, msg, CRM_SYNC_ERROR_TOO_LARGE, message, 0);
      return NULL;
    }
  object = crm_protocol_parse_object (body, what, &error);
  if (object == NULL)
    respond_gerror (self, msg, error, user);
  return object;
}

static CrmServerChannels *
server_channels (CrmServer  *self,
                 GError    **error)
{
  if (self->channels == NULL)
    self->channels = crm_server_channels_open_for (
      self->storage, crm_server_backend_get_data_dir (CRM_SERVER_BACKEND (self->storage)),
      error);
  return self->channels;
}

/* The replicas learn of the change (crm-server-publish.c) now rather than at the next
 * round. */
static void
settings_changed (CrmServer  *self,
                  const char *account_id)
{
  if (self->settings_hook != NULL)
    self->settings_hook (self->settings_hook_data, account_id);
}

static void
respond_account_list (CrmServer           *self,
                      SoupServerMessage   *msg,
                      const CrmServerUser *user,
                      const char          *member,
                      JsonArray           *list)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *answer = json_object_new ();

  json_object_set_string_member (answer, "account", user->account_name);
  json_object_set_array_member (answer, member, list);
  json_node_take_object (node, answer);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* GET /api/v1/channels: {"account", "channels": crm_server_channels_describe()}. */
static void
handle_channels_list (CrmServer         *self,
                      SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can see its channels"));
  g_autoptr(GError) error = NULL;
  CrmServerChannels *channels;
  JsonArray *list;

  if (user == NULL)
    return;
  if ((channels = server_channels (self, &error)) == NULL ||
      (list = crm_server_channels_describe (channels, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  respond_account_list (self, msg, user, "channels", list);
}

/* The channel a POST to /api/v1/channels (or its test) describes, merged with the one kept:
 * "secret" left out or empty keeps the kept password or token (for e-mail, while the login
 * stays the same), null removes it; the CA file is the one `channel set --ca-file` gave. */
static CrmServerChannel *
channel_from_body (CrmServerChannels  *channels,
                   const char         *account_id,
                   JsonObject         *object,
                   GError            **error)
{
  g_autoptr(CrmServerChannel) channel = g_new0 (CrmServerChannel, 1);
  g_autoptr(CrmServerChannel) kept = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *kind = NULL, *url = NULL, *from = NULL, *login = NULL, *secret = NULL;
  JsonNode *secret_node = json_object_get_member (object, "secret");

  if (!crm_protocol_get_string (object, "kind", TRUE, &kind, error) ||
      !crm_protocol_get_string (object, "url", FALSE, &url, error) ||
      !crm_protocol_get_string (object, "from", FALSE, &from, error) ||
      !crm_protocol_get_string (object, "user", FALSE, &login, error) ||
      !crm_protocol_get_string (object, "secret", FALSE, &secret, error))
    return NULL;
  kept = crm_server_channels_get (channels, account_id, kind, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  channel->kind = g_strdup (kind);
  channel->url = g_strdup (url);
  channel->from = g_strdup (from);
  channel->user = g_strdup (login);
  if (secret != NULL && *secret != '\0')
    channel->secret = g_strdup (secret);
  else if (kept != NULL && !(secret_node != NULL && JSON_NODE_HOLDS_NULL (secret_node)) &&
           (!g_str_equal (kind, "email") ||
            (login != NULL && *login != '\0' && g_strcmp0 (login, kept->user) == 0)))
    channel->secret = g_strdup (kept->secret);
  if (kept != NULL && g_str_equal (kind, "email"))
    channel->ca_file = g_strdup (kept->ca_file);
  if (!crm_server_channel_check (channel, error))
    return NULL;
  return g_steal_pointer (&channel);
}

/* POST /api/v1/channels {"kind", "url", "from"?, "user"?, "secret"?}: sets the channel as
 * `voronka-server channel set` does → {"account", "channels": […]} (never a secret). */
static void
handle_channel_set (CrmServer         *self,
                    SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can change its channels"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(CrmServerChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  CrmServerChannels *channels;
  JsonArray *list;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("channel change"))) == NULL)
    return;
  if ((channels = server_channels (self, &error)) == NULL ||
      (channel = channel_from_body (channels, user->account_id, object, &error)) == NULL ||
      !crm_server_channels_set (channels, user->account_id, channel, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("channel=%s by=%s", channel->kind, user->name);

    crm_server_audit ("channel.set", user->account_name, NULL, details);
  }
  settings_changed (self, user->account_id);
  if ((list = crm_server_channels_describe (channels, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  respond_account_list (self, msg, user, "channels", list);
}

/* DELETE /api/v1/channels {"kind"}: the channel and its secret are gone; 404 when there
 * was none → {"account", "channels": […]}. */
static void
handle_channel_remove (CrmServer         *self,
                       SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can change its channels"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  CrmServerChannels *channels;
  const char *kind = NULL;
  gboolean removed = FALSE;
  JsonArray *list;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("channel change"))) == NULL)
    return;
  if (!crm_protocol_get_string (object, "kind", TRUE, &kind, &error) ||
      (channels = server_channels (self, &error)) == NULL ||
      !crm_server_channels_remove (channels, user->account_id, kind, &removed, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (!removed)
    {
      g_autofree char *message = g_strdup_printf (
        _("The account has no %s channel to remove"), kind);

      respond_error (self, msg, CRM_SYNC_ERROR_NOT_FOUND, message, 0);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("channel=%s by=%s", kind, user->name);

    crm_server_audit ("channel.remove", user->account_name, NULL, details);
  }
  settings_changed (self, user->account_id);
  if ((list = crm_server_channels_describe (channels, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  respond_account_list (self, msg, user, "channels", list);
}

/* A test send or a mailbox sign-in, run in a worker thread while the request waits. */
typedef struct {
  CrmServer         *self;
  SoupServerMessage *msg;
  CrmServerUser     *user;
  CrmServerChannel  *channel;   /* a channel's test; NULL: a mailbox's */
  char              *to;
  char              *url;
  char              *login;
  char              *password;
  char              *ca_file;
  GError            *error;
} SettingsTest;

static void
settings_test_free (SettingsTest *test)
{
  g_object_unref (test->self);
  g_object_unref (test->msg);
  crm_server_user_free (test->user);
  g_clear_pointer (&test->channel, crm_server_channel_free);
  g_free (test->to);
  g_free (test->url);
  g_free (test->login);
  if (test->password != NULL)
    memset (test->password, 0, strlen (test->password));
  g_free (test->password);
  g_free (test->ca_file);
  g_clear_error (&test->error);
  g_free (test);
}

static void
settings_test_in_thread (GTask        *task,
                         gpointer      source,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  SettingsTest *test = task_data;

  if (test->channel != NULL)
    crm_server_delivery_try (test->channel, test->to, SETTINGS_TEST_TIMEOUT, &test->error);
  else
    crm_server_mailbox_try (test->url, test->login, test->password, test->ca_file,
                            SETTINGS_TEST_TIMEOUT, &test->error);
  g_task_return_boolean (task, TRUE);
}

/* {"ok": true|false, "message"}: what the gateway or mail server said, in words. */
static void
settings_test_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SettingsTest *test = g_task_get_task_data (G_TASK (result));
  CrmServer *self = test->self;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *answer = json_object_new ();
  g_autofree char *message = NULL;

  self->tests_running--;
  if (test->error == NULL)
    message = test->channel != NULL
      ? g_strdup_printf (_("Sent a test message to %s"), test->to)
      : g_strdup_printf (_("Signed in to %s as %s: the mailbox can be read"), test->url,
                         test->login);
  json_object_set_boolean_member (answer, "ok", test->error == NULL);
  json_object_set_string_member (answer, "message",
                                 message != NULL ? message : test->error->message);
  json_node_take_object (node, answer);
  {
    g_autofree char *details = g_strdup_printf ("%s=%s by=%s ok=%s",
                                                test->channel != NULL ? "channel" : "mailbox",
                                                test->channel != NULL ? test->channel->kind
                                                                      : test->url,
                                                test->user->name,
                                                test->error == NULL ? "yes" : "no");

    crm_server_audit (test->channel != NULL ? "channel.test" : "mailbox.test",
                      test->user->account_name, NULL, details);
  }
  respond_json (test->msg, 200, node, server_hlc (self, test->user));
  soup_server_message_unpause (test->msg);
}

/* Starts @test (taken) unless too many run; answers 429 then. */
static void
settings_test_start (CrmServer    *self,
                     SettingsTest *test)
{
  g_autoptr(GTask) task = NULL;

  if (self->tests_running >= SETTINGS_MAX_TESTS)
    {
      respond_error (self, test->msg, CRM_SYNC_ERROR_RATE_LIMITED,
                     _("Other tests are under way on this server; try again in a minute"), 0);
      settings_test_free (test);
      return;
    }
  self->tests_running++;
  crm_mail_init ();
  task = g_task_new (NULL, NULL, settings_test_done, NULL);
  g_task_set_task_data (task, test, (GDestroyNotify) settings_test_free);
  soup_server_message_pause (test->msg);
  g_task_run_in_thread (task, settings_test_in_thread);
}

static SettingsTest *
settings_test_new (CrmServer           *self,
                   SoupServerMessage   *msg,
                   CrmServerUser      **user)
{
  SettingsTest *test = g_new0 (SettingsTest, 1);

  test->self = g_object_ref (self);
  test->msg = g_object_ref (msg);
  test->user = g_steal_pointer (user);
  return test;
}

/* POST /api/v1/channels/test {"to", "kind", and the channel's fields as for a POST to
 * /api/v1/channels, or only "kind" for the channel as kept}: one test message to "to"
 * (an address, a phone number, a chat id), nothing saved → {"ok", "message"}. */
static void
handle_channel_test (CrmServer         *self,
                     SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can test its channels"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(CrmServerChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  CrmServerChannels *channels;
  const char *to = NULL, *kind = NULL, *url = NULL;
  SettingsTest *test;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("test request"))) == NULL)
    return;
  if (!crm_protocol_get_string (object, "to", TRUE, &to, &error) ||
      !crm_protocol_get_string (object, "kind", TRUE, &kind, &error) ||
      !crm_protocol_get_string (object, "url", FALSE, &url, &error) ||
      (channels = server_channels (self, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (*to == '\0')
    {
      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("Say where the test message goes: an e-mail address, a phone number "
                       "or a Telegram chat id"), 0);
      return;
    }
  /* as every line an administrator types into a channel */
  if (!crm_server_check_line (_("test message's recipient"), to, CRM_SERVER_CHANNEL_MAX_TEXT,
                              &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (url == NULL)
    {
      channel = crm_server_channels_get (channels, user->account_id, kind, &error);
      if (channel == NULL && error == NULL)
        g_set_error (&error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                     _("The account has no %s channel to test; give its settings"), kind);
    }
  else
    channel = channel_from_body (channels, user->account_id, object, &error);
  if (channel == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  test = settings_test_new (self, msg, &user);
  test->channel = g_steal_pointer (&channel);
  test->to = g_strdup (to);
  settings_test_start (self, test);
}

/* GET /api/v1/mailboxes: {"account", "mailboxes": crm_server_mailboxes_describe()}. */
static void
handle_mailboxes_list (CrmServer         *self,
                       SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can see its mailboxes"));
  g_autoptr(GError) error = NULL;
  JsonArray *list;

  if (user == NULL)
    return;
  if ((list = crm_server_mailboxes_describe (self->storage, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  respond_account_list (self, msg, user, "mailboxes", list);
}

/* POST /api/v1/mailboxes {"url", "user", "password"?, "pipeline", "stage"?, "responsible"?,
 * "new_only"?}: adds the mailbox or changes it, as `voronka-server mailbox add` does
 * ("password" left out or empty keeps the kept one) → {"account", "mailboxes": […],
 * "added": bool}. */
static void
handle_mailbox_save (CrmServer         *self,
                     SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can change its mailboxes"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *pipeline_name = NULL;
  CrmServerMailboxSettings settings = { 0 };
  gboolean existed = FALSE, added_reason = FALSE;
  JsonObject *answer;
  JsonArray *list;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("mailbox change"))) == NULL)
    return;
  settings.keep_ca_file = TRUE;
  if (json_object_has_member (object, "new_only"))
    {
      JsonNode *node_new_only = json_object_get_member (object, "new_only");

      if (!JSON_NODE_HOLDS_VALUE (node_new_only) ||
          json_node_get_value_type (node_new_only) != G_TYPE_BOOLEAN)
        {
          respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT,
                         _("“new_only” must be true or false"), 0);
          return;
        }
      settings.new_only = json_node_get_boolean (node_new_only);
    }
  if (!crm_protocol_get_string (object, "url", TRUE, &settings.url, &error) ||
      !crm_protocol_get_string (object, "user", TRUE, &settings.user, &error) ||
      !crm_protocol_get_string (object, "password", FALSE, &settings.password, &error) ||
      !crm_protocol_get_string (object, "pipeline", TRUE, &settings.pipeline, &error) ||
      !crm_protocol_get_string (object, "stage", FALSE, &settings.stage, &error) ||
      !crm_protocol_get_string (object, "responsible", FALSE, &settings.responsible, &error) ||
      !crm_server_mailbox_save (self->storage, user->account_id, &settings, &existed,
                                &added_reason, &pipeline_name, &error) ||
      (list = crm_server_mailboxes_describe (self->storage, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("url=%s user=%s pipeline=%s by=%s",
                                                settings.url, settings.user, pipeline_name,
                                                user->name);

    crm_server_audit (existed ? "mailbox.update" : "mailbox.add", user->account_name, NULL,
                      details);
  }
  settings_changed (self, user->account_id);
  node = json_node_new (JSON_NODE_OBJECT);
  answer = json_object_new ();
  json_object_set_string_member (answer, "account", user->account_name);
  json_object_set_array_member (answer, "mailboxes", list);
  json_object_set_boolean_member (answer, "added", !existed);
  json_node_take_object (node, answer);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* DELETE /api/v1/mailboxes {"url", "user"?}: the server forgets the mailbox and its
 * password; its requests stay. 404 when there is none → {"account", "mailboxes": […]}. */
static void
handle_mailbox_remove (CrmServer         *self,
                       SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can change its mailboxes"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *login = NULL;
  const char *url = NULL, *only = NULL;
  JsonArray *list;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("mailbox change"))) == NULL)
    return;
  if (!crm_protocol_get_string (object, "url", TRUE, &url, &error) ||
      !crm_protocol_get_string (object, "user", FALSE, &only, &error) ||
      !crm_server_mailbox_remove (self->storage, user->account_id, url, only, &login, &error) ||
      (list = crm_server_mailboxes_describe (self->storage, user->account_id, &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  {
    g_autofree char *details = g_strdup_printf ("url=%s user=%s by=%s", url, login, user->name);

    crm_server_audit ("mailbox.remove", user->account_name, NULL, details);
  }
  settings_changed (self, user->account_id);
  respond_account_list (self, msg, user, "mailboxes", list);
}

/* POST /api/v1/mailboxes/test {"url", "user", "password"?}: signs in to the mailbox and
 * opens its folder, taking nothing ("password" left out: the kept one) → {"ok", "message"}. */
static void
handle_mailbox_test (CrmServer         *self,
                     SoupServerMessage *msg)
{
  g_autoptr(CrmServerUser) user = authenticate_admin (
    self, msg, _("Only an administrator of the account can test its mailboxes"));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept_password = NULL;
  g_autofree char *kept_ca = NULL;
  const char *url = NULL, *login = NULL, *password = NULL;
  SettingsTest *test;

  if (user == NULL ||
      (object = settings_body (self, msg, user, _("test request"))) == NULL)
    return;
  if (!crm_protocol_get_string (object, "url", TRUE, &url, &error) ||
      !crm_protocol_get_string (object, "user", TRUE, &login, &error) ||
      !crm_protocol_get_string (object, "password", FALSE, &password, &error) ||
      !crm_mail_check_url (url, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (!crm_server_mailbox_lookup (self->storage, user->account_id, url, login, &kept_password,
                                  &kept_ca, &error) && error != NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if ((password == NULL || *password == '\0') && kept_password == NULL)
    {
      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("Type the mailbox's password to test it"), 0);
      return;
    }
  test = settings_test_new (self, msg, &user);
  test->url = g_strdup (url);
  test->login = g_strdup (login);
  test->password = password != NULL && *password != '\0' ? g_strdup (password)
                                                         : g_steal_pointer (&kept_password);
  test->ca_file = g_steal_pointer (&kept_ca);
  settings_test_start (self, test);
}

static void
handle_sign_out (CrmServer         *self,
                 SoupServerMessage *msg)
{
  g_autofree char *hash = NULL;
  g_autoptr(CrmServerUser) user = authenticate (self, msg, &hash);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (user == NULL)
    return;
  if (!crm_server_storage_revoke_session (self->storage, hash, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, json_object_new ());
  json_object_set_boolean_member (json_node_get_object (node), "revoked", TRUE);
  respond_json (msg, 200, node, server_hlc (self, user));
}

/* Every push and pull answer names the account's incarnation and head. A client that
 * synced with another incarnation (the account was restored from a backup since) is told
 * so, with how much of its history the restored account shares, before anything else:
 * it sends again what the restored account lost, then installs a fresh copy. A pull
 * that names the op it holds at its cursor (@since_op, the op numbered @since) and finds
 * another one there was served by a server that lost ops it had acknowledged without a
 * new incarnation (its file put back by hand, a crash that lost its last commits) and
 * numbered others the same since: it is told the same, shared 0, reason "lost-ops". */
static gboolean
check_epoch (CrmServer           *self,
             SoupServerMessage   *msg,
             const CrmServerUser *user,
             gint64               since,
             const char          *since_op)
{
  const char *client = soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), CRM_PROTOCOL_EPOCH_HEADER);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GError) error = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *device = NULL;
  g_autofree char *head_text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *body;
  gint64 shared = 0, head = 0;

  if (!crm_server_storage_epoch (self->storage, user, client, &epoch, &shared, &head, &device,
                                 &error))
    {
      if (error == NULL)
        return TRUE;
      respond_gerror (self, msg, error, user);
      return FALSE;
    }
  head_text = g_strdup_printf ("%" G_GINT64_FORMAT, head);
  soup_message_headers_replace (headers, CRM_PROTOCOL_EPOCH_HEADER, epoch);
  soup_message_headers_replace (headers, CRM_PROTOCOL_HEAD_HEADER, head_text);
  soup_message_headers_replace (headers, CRM_PROTOCOL_DEVICE_HEADER, device);
  if (client == NULL || g_str_equal (client, epoch))
    {
      gboolean same = TRUE;
      g_autofree char *line = NULL;

      if (since_op == NULL)
        return TRUE;
      if (!crm_server_storage_check_cursor (self->storage, user, since, since_op, &same,
                                            &error))
        {
          respond_gerror (self, msg, error, user);
          return FALSE;
        }
      if (same)
        return TRUE;
      line = g_strdup_printf ("account %s: a device pulled op %s as number %" G_GINT64_FORMAT
                              " but the server has another op there, or none (head %"
                              G_GINT64_FORMAT "): the server lost ops it had acknowledged; "
                              "the device sends what it holds again", user->account_name,
                              since_op, since, head);
      crm_server_log (G_LOG_LEVEL_WARNING, CRM_PROTOCOL_REASON_LOST_OPS, line,
                      "VORONKA_ACCOUNT", user->account_name, NULL);
      node = crm_protocol_error_new (CRM_SYNC_ERROR_SERVER_RESTORED,
                                     _("The server lost changes it had already acknowledged "
                                       "(its data was put back from an older copy, or a crash "
                                       "lost them); the device sends the changes it holds "
                                       "again"), 0);
      body = json_object_get_object_member (json_node_get_object (node), "error");
      json_object_set_string_member (body, "reason", CRM_PROTOCOL_REASON_LOST_OPS);
      shared = 0;
    }
  else
    {
      node = crm_protocol_error_new (CRM_SYNC_ERROR_SERVER_RESTORED,
                                     _("The server was restored from a backup since this "
                                       "device last synced; the device sends the changes the "
                                       "server lost again"), 0);
      body = json_object_get_object_member (json_node_get_object (node), "error");
    }
  json_object_set_string_member (body, "epoch", epoch);
  json_object_set_int_member (body, "shared", shared);
  json_object_set_int_member (body, "head", head);
  respond_json (msg, crm_sync_error_http_status (CRM_SYNC_ERROR_SERVER_RESTORED), node,
                server_hlc (self, user));
  return FALSE;
}

typedef struct {
  CrmServer           *self;
  const CrmServerUser *user;
  GError              *error;
} PushedFiles;

/* A stored content the pusher may name: one they see attached somewhere, or sent whole
 * themselves — not one they learnt the hash of and would be given by attaching it. */
static gboolean
pusher_knows_file (const char *hash,
                   gpointer    data)
{
  PushedFiles *pushed = data;
  gboolean known = FALSE;

  if (pushed->error != NULL)
    return TRUE;
  if (!crm_server_storage_sees_file (pushed->self->storage, pushed->user, hash, &known,
                                     &pushed->error) ||
      (!known && !crm_server_files_uploaded_by (pushed->self->storage,
                                                pushed->user->account_id, hash,
                                                pushed->user->id, &known, &pushed->error)))
    return TRUE;  /* the error is told instead */
  return known;
}

/* Whether @op's stamp is the server's own: an op it accepted before. */
static gboolean
pusher_op_stamped (const CrmOp *op,
                   gpointer     data)
{
  PushedFiles *pushed = data;
  gboolean valid = FALSE;

  if (pushed->error != NULL)
    return FALSE;
  if (!crm_server_storage_stamp_valid (pushed->self->storage, pushed->user, op, &valid,
                                       &pushed->error))
    return FALSE;  /* the error is told instead */
  return valid;
}

/* Every file a pushed attachment names is here, and the pusher may name it
 * (crm-server-files.c). */
static gboolean
check_pushed_files (CrmServer           *self,
                    const CrmServerUser *user,
                    GPtrArray           *ops,
                    GError             **error)
{
  g_autofree char *folder = NULL;
  PushedFiles pushed = { self, user, NULL };
  gboolean any = FALSE, ok;

  for (guint i = 0; i < ops->len && !any; i++)
    any = g_str_equal (((CrmOp *) ops->pdata[i])->entity, "attachment");
  if (!any)
    return TRUE;
  folder = crm_server_storage_files_folder (self->storage, user, error);
  if (folder == NULL)
    return FALSE;
  ok = crm_server_files_check_ops (folder, ops, pusher_knows_file, pusher_op_stamped, &pushed,
                                   error);
  if (pushed.error != NULL)
    {
      if (ok)
        g_propagate_error (error, pushed.error);
      else
        g_error_free (pushed.error);
      return FALSE;
    }
  return ok;
}

static void
handle_push (CrmServer         *self,
             SoupServerMessage *msg)
{
  g_autofree char *session = NULL;
  g_autoptr(CrmServerUser) user = authenticate (self, msg, &session);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 base = 0, head = 0;

  if (user == NULL || !check_epoch (self, msg, user, 0, NULL))
    return;
  body = request_body (msg);
  if (!crm_push_request_parse (body, &base, &ops, &error) ||
      !check_pushed_files (self, user, ops, &error) ||
      !crm_server_storage_push (self->storage, user, base, ops, &results, &head, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  crm_server_metrics_ops ("push", ops->len);
  node = crm_push_response_to_json (results, head, 0);
  respond_json (msg, 200, node, server_hlc (self, user));
  /* the account's other devices hear of it at once */
  crm_server_live_changed (self->live, user, session);
  if (self->push_hook != NULL)
    self->push_hook (user->account_id, self->push_hook_data);
}

/* The ops in a pull answer: each starts with {"op": (inside a JSON string a quote is
 * always escaped, so a value cannot look like that). */
static guint64
count_ops (const char *text,
           gsize       length)
{
  static const char mark[] = "{\"op\":";
  const char *p = text, *end = text + length;
  guint64 count = 0;

  while (p < end && (p = g_strstr_len (p, end - p, mark)) != NULL)
    {
      count++;
      p += sizeof mark - 1;
    }
  return count;
}

static void
handle_pull (CrmServer         *self,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  g_autoptr(CrmServerUser) user = authenticate (self, msg, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = NULL;
  const char *since_op = NULL;
  char *text = NULL;
  gint64 since = 0;
  guint limit = 0;
  guint64 hlc;
  gsize length = 0;

  if (user == NULL)
    return;
  if (!crm_pull_query_parse (query, &since, &since_op, &limit, &error))
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  if (!check_epoch (self, msg, user, since, since_op))
    return;
  hlc = server_hlc (self, user);
  if ((text = crm_server_storage_pull (self->storage, user, since, limit, hlc, &length,
                                       &error)) == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  crm_server_metrics_ops ("pull", count_ops (text, length));
  hex = crm_hlc_to_string (hlc);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                CRM_PROTOCOL_HLC_HEADER, hex);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

typedef struct {
  CrmServer         *self;
  SoupServerMessage *msg;
  CrmServerUser     *user;
} SnapshotRequest;

static void
snapshot_ready (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SnapshotRequest *request = user_data;
  SoupServerMessage *msg = request->msg;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServerSnapshot) snapshot = crm_server_storage_snapshot_finish (
    CRM_SERVER_STORAGE (source), result, &error);
  g_autoptr(GMappedFile) file = NULL;

  if (snapshot != NULL)
    file = g_mapped_file_new (snapshot->path, FALSE, &error);
  if (file == NULL)
    respond_gerror (request->self, msg, error, request->user);
  else
    {
      SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
      const char *if_range = soup_message_headers_get_one (request_headers, "If-Range");
      g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, snapshot->seq);
      g_autofree char *hlc = crm_hlc_to_string (server_hlc (request->self, request->user));
      g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (file);

      /* a resumed download of a snapshot that was replaced starts over */
      if (if_range != NULL && !g_str_equal (if_range, snapshot->etag))
        soup_message_headers_remove (request_headers, "Range");
      soup_message_headers_replace (headers, "ETag", snapshot->etag);
      soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
      soup_message_headers_replace (headers, CRM_PROTOCOL_SEQ_HEADER, seq);
      soup_message_headers_replace (headers, CRM_PROTOCOL_HLC_HEADER, hlc);
      soup_message_headers_replace (headers, "Cache-Control", "no-store");
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_content_type (headers, CRM_PROTOCOL_SNAPSHOT_TYPE, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
    }
  soup_server_message_unpause (msg);
  g_object_unref (msg);
  crm_server_user_free (request->user);
  g_object_unref (request->self);
  g_free (request);
}

static void
handle_snapshot (CrmServer         *self,
                 SoupServerMessage *msg)
{
  CrmServerUser *user = authenticate (self, msg, NULL);
  SnapshotRequest *request;

  if (user == NULL)
    return;
  request = g_new0 (SnapshotRequest, 1);
  request->self = g_object_ref (self);
  request->msg = g_object_ref (msg);
  request->user = user;
  soup_server_message_pause (msg);
  crm_server_storage_snapshot_async (self->storage, user, self->cancellable, snapshot_ready,
                                     request);
}

static void
respond_method_not_allowed (CrmServer         *self,
                            SoupServerMessage *msg,
                            const char        *allowed)
{
  g_autofree char *message = g_strdup_printf (_("%s is not allowed here; use %s"),
                                              soup_server_message_get_method (msg), allowed);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
  respond_error (self, msg, CRM_SYNC_ERROR_METHOD_NOT_ALLOWED, message, 0);
}

/* GET /healthz: the process answers. GET /readyz: every account opens and the storage
 * takes writes; 503 with the reason otherwise. Neither needs a token (nothing secret:
 * account names only). */
static void
handle_health (CrmServer         *self,
               SoupServerMessage *msg,
               gboolean           ready)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  g_autoptr(GError) error = NULL;
  guint status = 200;

  json_node_take_object (node, object);
  if (ready && !crm_server_storage_check (self->storage, &error))
    {
      status = 503;
      json_object_set_string_member (object, "status", "unavailable");
      json_object_set_string_member (object, "reason", error->message);
      /* a probe every few seconds: one warning when the reason changes, not one each */
      if (g_strcmp0 (self->not_ready, error->message) != 0)
        {
          g_autofree char *state = g_strdup_printf ("STATUS=Not ready: %s", error->message);

          g_warning ("Not ready: %s", error->message);
          crm_server_notify (state);
          g_free (self->not_ready);
          self->not_ready = g_strdup (error->message);
        }
    }
  else
    {
      json_object_set_string_member (object, "status", ready ? "ready" : "alive");
      if (ready && self->not_ready != NULL)
        {
          crm_server_log (G_LOG_LEVEL_MESSAGE, "ready", "ready again: every account opens",
                          NULL);
          crm_server_notify ("STATUS=Serving");
          g_clear_pointer (&self->not_ready, g_free);
        }
    }
  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  respond_json (msg, status, node, 0);
}

/* --- files ------------------------------------------------------------------------------- */

static void
set_offset_header (SoupServerMessage *msg,
                   gint64             offset)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                CRM_PROTOCOL_UPLOAD_OFFSET_HEADER, text);
}

static gboolean
header_int (SoupServerMessage *msg,
            const char        *name,
            gint64            *out_value)
{
  const char *text = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   name);

  return text != NULL && g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, out_value, NULL);
}

/* HEAD, GET and PATCH /api/v1/files/HASH (crm-protocol.h): the signed-in user's account's
 * files only — another account's content is simply not there — and a file only to one
 * who sees an entity it is attached to (crm_visibility_sees_file()): to anyone else it is
 * a file the server does not have, whichever way they ask (HEAD 404 from 0, GET 404, an
 * upload taken whole as new content), so knowing a hash does not tell them that somebody
 * attached that content (issue 20). */
static void
handle_file (CrmServer         *self,
             SoupServerMessage *msg,
             const char        *hash)
{
  const char *method = soup_server_message_get_method (msg);
  gboolean patch = g_strcmp0 (method, "PATCH") == 0;
  g_autoptr(CrmServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  gint64 size = 0;
  gboolean stored, unseen = FALSE;

  if (method != SOUP_METHOD_HEAD && method != SOUP_METHOD_GET && !patch)
    {
      respond_method_not_allowed (self, msg, "HEAD, GET, PATCH");
      return;
    }
  if ((user = authenticate (self, msg, NULL)) == NULL)
    return;
  if (!crm_server_files_is_hash (hash))
    {
      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("A file is named by the SHA-256 of its content: 64 lowercase "
                       "hexadecimal digits"), 0);
      return;
    }
  folder = crm_server_storage_files_folder (self->storage, user, &error);
  if (folder == NULL)
    {
      respond_gerror (self, msg, error, user);
      return;
    }
  stored = crm_server_files_stat (folder, hash, user->id, &size);
  if (stored)
    {
      gboolean seen = FALSE;

      if (!crm_server_storage_sees_file (self->storage, user, hash, &seen, &error))
        {
          respond_gerror (self, msg, error, user);
          return;
        }
      if (!seen)
        {
          unseen = TRUE;
          stored = FALSE;
          size = crm_server_files_partial_size (folder, hash, user->id);
        }
    }

  if (patch)
    {
      gint64 offset = 0, length = 0, reached = 0, quota = 0;
      gboolean complete = FALSE;
      g_autoptr(GBytes) body = NULL;
      const char *mime = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), CRM_PROTOCOL_FILE_TYPE_HEADER);
      guint status;

      if (!header_int (msg, CRM_PROTOCOL_UPLOAD_OFFSET_HEADER, &offset) ||
          !header_int (msg, CRM_PROTOCOL_UPLOAD_LENGTH_HEADER, &length))
        {
          respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT,
                         _("A piece of a file needs the headers Upload-Offset and "
                           "Upload-Length"), 0);
          return;
        }
      body = request_body (msg);
      /* the account's own room for files, else serve's */
      quota = crm_server_files_account_quota (self->storage, user->account_id,
                                              self->limits.files_quota, &error);
      /* a new upload reserves its room first (one that started goes on); one over the
       * size limit a file may have is refused for that by append */
      if (quota < 0 ||
          (!stored && size == 0 && offset == 0 && length >= 0 &&
           (self->limits.max_file == 0 || length <= (gint64) self->limits.max_file) &&
           !crm_server_files_reserve (self->storage, user->account_id, folder, hash, length,
                                      quota, &error)) ||
          !crm_server_files_append (folder, hash, user->id, offset, length, mime,
                                    (gint64) self->limits.max_file, unseen,
                                    body, &reached, &complete,
                                    &error))
        {
          set_offset_header (msg, reached);
          respond_gerror (self, msg, error, user);
          return;
        }
      if (complete && !stored)
        {
          crm_server_files_release (self->storage, user->account_id, hash);
          /* they sent it whole: theirs to attach (check_pushed_files) */
          if (!crm_server_files_note_uploader (self->storage, user->account_id, hash,
                                               user->id, &error))
            {
              respond_gerror (self, msg, error, user);
              return;
            }
        }
      crm_server_metrics_file_bytes ("received", stored ? 0 : g_bytes_get_size (body));
      set_offset_header (msg, reached);
      status = stored ? SOUP_STATUS_OK : complete ? SOUP_STATUS_CREATED : SOUP_STATUS_NO_CONTENT;
      if (complete && !stored)
        crm_server_log (G_LOG_LEVEL_INFO, "file.stored", "file stored", "VORONKA_FILE", hash,
                        NULL);
      soup_server_message_set_status (msg, status, NULL);
      return;
    }

  if (!stored)
    {
      set_offset_header (msg, size);
      if (method == SOUP_METHOD_HEAD)
        soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      else
        respond_error (self, msg, CRM_SYNC_ERROR_NOT_FOUND,
                       _("The server does not have this file (yet): the device that attached "
                         "it has not synced since"), 0);
      return;
    }
  set_offset_header (msg, size);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "private, max-age=31536000, immutable");
  if (method == SOUP_METHOD_HEAD)
    {
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                               size);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      return;
    }
  {
    g_autofree char *path = crm_server_files_path (folder, hash);
    g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
    g_autoptr(GBytes) bytes = NULL;

    if (file == NULL)
      {
        respond_gerror (self, msg, error, user);
        return;
      }
    bytes = g_mapped_file_get_bytes (file);
    crm_server_metrics_file_bytes ("sent", g_bytes_get_size (bytes));
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Accept-Ranges", "bytes");
    soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                           "application/octet-stream", NULL);
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  }
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  CrmServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean get = method == SOUP_METHOD_GET;
  gboolean post = method == SOUP_METHOD_POST;

  if (g_str_equal (path, "/healthz") || g_str_equal (path, "/readyz"))
    {
      if (get || method == SOUP_METHOD_HEAD)
        handle_health (self, msg, g_str_equal (path, "/readyz"));
      else
        respond_method_not_allowed (self, msg, "GET");
      return;
    }
  if (g_str_equal (path, CRM_PROTOCOL_PATH_INFO))
    {
      if (get)
        handle_info (self, msg);
      else
        respond_method_not_allowed (self, msg, "GET");
      return;
    }
  if (g_str_equal (path, CRM_PROTOCOL_PATH_INVITES))
    {
      if (!check_schema (self, msg))
        return;
      if (post)
        handle_invite (self, msg);
      else if (get)
        handle_invites_list (self, msg);
      else if (method == SOUP_METHOD_DELETE)
        handle_uninvite (self, msg);
      else
        respond_method_not_allowed (self, msg, "GET, POST, DELETE");
      return;
    }
  if (g_str_equal (path, CRM_PROTOCOL_PATH_CHANNELS) ||
      g_str_equal (path, CRM_PROTOCOL_PATH_MAILBOXES))
    {
      gboolean mail = g_str_equal (path, CRM_PROTOCOL_PATH_MAILBOXES);

      if (!check_schema (self, msg))
        return;
      if (get)
        mail ? handle_mailboxes_list (self, msg) : handle_channels_list (self, msg);
      else if (post)
        mail ? handle_mailbox_save (self, msg) : handle_channel_set (self, msg);
      else if (method == SOUP_METHOD_DELETE)
        mail ? handle_mailbox_remove (self, msg) : handle_channel_remove (self, msg);
      else
        respond_method_not_allowed (self, msg, "GET, POST, DELETE");
      return;
    }
  if (g_str_equal (path, CRM_PROTOCOL_PATH_CHANNELS_TEST) ||
      g_str_equal (path, CRM_PROTOCOL_PATH_MAILBOXES_TEST))
    {
      if (!check_schema (self, msg))
        return;
      if (!post)
        respond_method_not_allowed (self, msg, "POST");
      else if (g_str_equal (path, CRM_PROTOCOL_PATH_MAILBOXES_TEST))
        handle_mailbox_test (self, msg);
      else
        handle_channel_test (self, msg);
      return;
    }
  if (g_str_equal (path, CRM_PROTOCOL_PATH_SESSION) || g_str_equal (path, CRM_PROTOCOL_PATH_PUSH) ||
      g_str_equal (path, CRM_PROTOCOL_PATH_PULL) || g_str_equal (path, CRM_PROTOCOL_PATH_SNAPSHOT))
    {
      if (!check_schema (self, msg))
        return;
      if (g_str_equal (path, CRM_PROTOCOL_PATH_SESSION))
        {
          if (post)
            handle_sign_in (self, msg);
          else if (method == SOUP_METHOD_DELETE)
            handle_sign_out (self, msg);
          else
            respond_method_not_allowed (self, msg, "POST, DELETE");
        }
      else if (g_str_equal (path, CRM_PROTOCOL_PATH_PUSH))
        post ? handle_push (self, msg) : respond_method_not_allowed (self, msg, "POST");
      else if (g_str_equal (path, CRM_PROTOCOL_PATH_PULL))
        get ? handle_pull (self, msg, query) : respond_method_not_allowed (self, msg, "GET");
      else
        get ? handle_snapshot (self, msg) : respond_method_not_allowed (self, msg, "GET");
      return;
    }
  if (g_str_has_prefix (path, CRM_TELEPHONY_PATH_PREFIX))
    {
      g_autofree char *client = client_key (self, msg);

      crm_server_telephony_handle (self->storage, self->live, msg, path, client);
      return;
    }
  if (g_str_has_prefix (path, CRM_TRACKING_OPEN_PREFIX) ||
      g_str_has_prefix (path, CRM_TRACKING_UNSUBSCRIBE_PREFIX) ||
      g_str_has_prefix (path, CRM_TRACKING_RATE_PREFIX))
    {
      /* a mail's tracking image or unsubscribe link: no sign-in, so a rate per address */
      g_autofree char *client = client_key (self, msg);
      gboolean changed = FALSE;

      if (!rate_allows (self->tracking_buckets, client, TRACKING_RATE, TRACKING_BURST))
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", "30");
          soup_server_message_set_status (msg, 429, "Too Many Requests");
          soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                            "", 0);
          return;
        }
      crm_server_tracking_handle (self->storage, msg, path, &changed);
      if (changed)
        crm_server_changed (self);
      return;
    }
  if (g_str_has_prefix (path, CRM_PROTOCOL_PATH_FILES))
    {
      if (check_schema (self, msg))
        handle_file (self, msg, path + strlen (CRM_PROTOCOL_PATH_FILES));
      return;
    }
  {
    g_autofree char *message = g_strdup_printf (_("There is no endpoint %s %s on this server"),
                                                method, path);
    respond_error (self, msg, CRM_SYNC_ERROR_NOT_FOUND, message, 0);
  }
}

/* GET /api/v1/live: checked like the other endpoints (schema, token, rate), and within
 * the live channel's caps; libsoup then answers 101 and live_connected() takes the
 * socket. */
static void
live_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  CrmServer *self = user_data;
  g_autofree char *session = NULL;
  g_autofree char *refusal = NULL;
  g_autoptr(CrmServerUser) user = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  if (!g_str_equal (path, CRM_PROTOCOL_PATH_LIVE))
    {
      handler (soup, msg, path, query, user_data);
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      respond_method_not_allowed (self, msg, "GET");
      return;
    }
  if (!check_schema (self, msg) || (user = authenticate (self, msg, &session)) == NULL)
    return;
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (
        _("%s is a WebSocket: connect with “Upgrade: websocket” (%s)"), CRM_PROTOCOL_PATH_LIVE,
        error->message);

      respond_error (self, msg, CRM_SYNC_ERROR_INVALID_INPUT, message, 0);
      return;
    }
  if (!crm_server_live_admit (self->live, user, session, &refusal))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "60");
      respond_error (self, msg, CRM_SYNC_ERROR_RATE_LIMITED, refusal, 0);
      return;
    }
  /* from here its deadlines (idle, body rate, inactivity) are the pings' */
  crm_server_connections_hold (self->connections, soup_server_message_get_remote_address (msg));
  g_object_set_data_full (G_OBJECT (msg), "crm-live-user", g_steal_pointer (&user),
                          (GDestroyNotify) crm_server_user_free);
  g_object_set_data_full (G_OBJECT (msg), "crm-live-session", g_steal_pointer (&session),
                          g_free);
  socket = soup_server_message_get_socket (msg);
  if (socket != NULL)
    g_object_set_data_full (G_OBJECT (msg), "crm-live-socket", g_object_ref (socket),
                            g_object_unref);
}

static void
live_connected (SoupServer              *soup,
                SoupServerMessage       *msg,
                const char              *path,
                SoupWebsocketConnection *connection,
                gpointer                 user_data)
{
  CrmServer *self = user_data;
  CrmServerUser *user = g_object_get_data (G_OBJECT (msg), "crm-live-user");
  const char *session = g_object_get_data (G_OBJECT (msg), "crm-live-session");

  if (user == NULL || session == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                       "not signed in");
      return;
    }
  crm_server_live_add (self->live, connection, user, session,
                       g_object_get_data (G_OBJECT (msg), "crm-live-socket"));
}

/* --- logging ------------------------------------------------------------------------------- */

static void
request_started (SoupServer        *soup,
                 SoupServerMessage *msg,
                 CrmServer         *self)
{
  gint64 *start = g_new (gint64, 1);

  *start = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), "crm-start", start, g_free);
}

static void
request_done (SoupServer        *soup,
              SoupServerMessage *msg,
              CrmServer         *self)
{
  gint64 *start = g_object_get_data (G_OBJECT (msg), "crm-start");
  const char *user = g_object_get_data (G_OBJECT (msg), "crm-user");
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  double ms = start ? (g_get_monotonic_time () - *start) / 1000.0 : 0;
  const char *method = soup_server_message_get_method (msg);
  const char *path = uri ? g_uri_get_path (uri) : NULL;
  guint status = soup_server_message_get_status (msg);
  const char *proxy = NULL;
  const char *client = crm_server_client_address (self->proxies, msg, &proxy);
  g_autofree char *line = NULL;
  g_autofree char *status_text = NULL;
  g_autofree char *ms_text = NULL;

  crm_server_metrics_request (method, path, status, ms / 1000.0);
  if (!crm_server_log_enabled (G_LOG_LEVEL_INFO))
    return;
  /* one line per request: who, what, outcome, size, time */
  line = g_strdup_printf ("%s %s %s %s %u %" G_GINT64_FORMAT " %.1fms%s%s", client,
                          user ? user : "-", method ? method : "-", path ? path : "-", status,
                          body ? (gint64) body->length : 0, ms, proxy ? " via " : "",
                          proxy ? proxy : "");
  status_text = g_strdup_printf ("%u", status);
  ms_text = g_strdup_printf ("%.1f", ms);
  crm_server_log (G_LOG_LEVEL_INFO, "request", line,
                  "VORONKA_PEER", client, "VORONKA_PROXY", proxy, "VORONKA_USER", user,
                  "VORONKA_METHOD", method, "VORONKA_PATH", path, "VORONKA_STATUS", status_text,
                  "VORONKA_DURATION_MS", ms_text, NULL);
}

/* --- public ------------------------------------------------------------------------------- */

CrmServer *
crm_server_new (CrmServerStorage      *storage,
                const CrmServerLimits *limits)
{
  CrmServer *self = g_object_new (CRM_TYPE_SERVER, NULL);

  self->storage = g_object_ref (storage);
  self->limits = *limits;
  self->soup = soup_server_new ("server-header", "voronka-server/" PACKAGE_VERSION " ", NULL);
  self->connections = crm_server_connections_new (self->soup, limits->max_connections,
                                                  limits->idle_timeout_s);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  /* the same path takes both: live_handler checks the request like every other one, and
   * libsoup upgrades it only when that left no answer */
  self->live = crm_server_live_new (storage);
  soup_server_add_early_handler (self->soup, CRM_PROTOCOL_PATH_LIVE, early_handler, self, NULL);
  soup_server_add_handler (self->soup, CRM_PROTOCOL_PATH_LIVE, live_handler, self, NULL);
  soup_server_add_websocket_handler (self->soup, CRM_PROTOCOL_PATH_LIVE, NULL, NULL,
                                     live_connected, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (request_done), self);
  return self;
}

/* Connections the kernel queues while the server is busy (listen(2) caps it at
 * net.core.somaxconn). */
#define LISTEN_BACKLOG 512

/* libsoup keeps a connection alive after a request only while it has a listener of its
 * own (SoupServer's request_finished checks its list of listeners), and connections given
 * with soup_server_accept_iostream() come from none. So it gets one that can never accept:
 * a loopback socket, shut down right after libsoup took it (its poll then sees the
 * shutdown, accept fails, and libsoup stops polling it, as it does). */
static gboolean
keep_alive_listener (CrmServer  *self,
                     GError    **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) dummy = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, error);

  if (dummy == NULL ||
      !g_socket_bind (dummy, address, FALSE, error) ||
      !g_socket_listen (dummy, error) ||
      !soup_server_listen_socket (self->soup, dummy, 0, error))
    return FALSE;
  g_socket_shutdown (dummy, TRUE, TRUE, NULL);
  return TRUE;
}

gboolean
crm_server_listen (CrmServer        *self,
                   const char       *address,
                   GTlsCertificate  *certificate,
                   char            **out_url,
                   GError          **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listener = NULL;

  socket_address = crm_server_net_parse_listen (address, "--listen", error);
  if (socket_address == NULL)
    return FALSE;
  if (certificate != NULL)
    soup_server_set_tls_certificate (self->soup, certificate);
  /* our own socket for the listen backlog: soup_server_listen() keeps GSocket's 10, and
   * a fleet of devices connecting at once (every laptop of the office at 9:00; 200
   * clients in bench/) overflowed it into refused TLS handshakes. Connections are
   * accepted by crm-server-connections.c, not libsoup (see there why). */
  listener = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  g_socket_set_listen_backlog (listener, LISTEN_BACKLOG);
  if (!g_socket_bind (listener, socket_address, TRUE, error) ||
      !g_socket_listen (listener, error) ||
      !keep_alive_listener (self, error))
    return FALSE;
  crm_server_connections_listen (self->connections, listener, certificate);

  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listener, error);
    g_autofree char *local_host = NULL;
    gboolean v6;

    if (local == NULL)
      return FALSE;
    local_host = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
    v6 = strchr (local_host, ':') != NULL;
    *out_url = g_strdup_printf ("%s://%s%s%s:%u", certificate != NULL ? "https" : "http",
                                v6 ? "[" : "", local_host, v6 ? "]" : "",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }
  return TRUE;
}

/* Unfinished uploads nothing was added to for limits.abandoned_upload_ms go. */
static void
sweep_uploads (CrmServer *self)
{
  guint removed;

  if (self->limits.abandoned_upload_ms <= 0 || !CRM_IS_SERVER_BACKEND (self->storage))
    return;
  removed = crm_server_backend_sweep_uploads (CRM_SERVER_BACKEND (self->storage),
                                              self->limits.abandoned_upload_ms,
                                              crm_time_now_ms ());
  if (removed > 0)
    {
      g_autofree char *message = g_strdup_printf ("tick: %u abandoned uploads removed", removed);

      crm_server_log (G_LOG_LEVEL_INFO, "tick", message, NULL);
    }
}

static gboolean
tick (gpointer user_data)
{
  CrmServer *self = user_data;
  g_autoptr(GError) error = NULL;
  guint fired = 0;

  if (!crm_server_storage_tick (self->storage, crm_time_now_ms (), &fired, &error))
    g_warning ("%s", error->message);
  sweep_uploads (self);
  /* timer rules write too: the devices that listen hear of it */
  crm_server_live_changed_all (self->live);
  if (fired > 0)
    {
      g_autofree char *message = g_strdup_printf ("tick: %u timer rule firings", fired);

      crm_server_log (G_LOG_LEVEL_INFO, "tick", message, NULL);
    }
  return G_SOURCE_CONTINUE;
}

void
crm_server_changed (CrmServer *self)
{
  g_return_if_fail (CRM_IS_SERVER (self));
  crm_server_live_changed_all (self->live);
}

void
crm_server_start_ticks (CrmServer *self,
                        guint      seconds)
{
  g_clear_handle_id (&self->tick_source, g_source_remove);
  sweep_uploads (self);
  if (seconds > 0)
    self->tick_source = g_timeout_add_seconds (seconds, tick, self);
}

void
crm_server_set_trusted_proxies (CrmServer        *self,
                                CrmServerProxies *proxies)
{
  g_clear_pointer (&self->proxies, crm_server_proxies_free);
  g_clear_pointer (&self->not_ready, g_free);
  self->proxies = proxies;
}

void
crm_server_set_certificate (CrmServer       *self,
                            GTlsCertificate *certificate)
{
  /* new connections get it; open ones keep theirs */
  soup_server_set_tls_certificate (self->soup, certificate);
  crm_server_connections_set_certificate (self->connections, certificate);
}

CrmServerLive *
crm_server_get_live (CrmServer *self)
{
  return self->live;
}

void
crm_server_set_settings_hook (CrmServer             *self,
                              CrmServerSettingsHook  func,
                              gpointer               user_data)
{
  self->settings_hook = func;
  self->settings_hook_data = user_data;
}

void
crm_server_set_push_hook (CrmServer         *self,
                          CrmServerPushHook  func,
                          gpointer           user_data)
{
  self->push_hook = func;
  self->push_hook_data = user_data;
}

void
crm_server_stop (CrmServer *self)
{
  g_clear_handle_id (&self->tick_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* the devices are told "going away" (1001) and reconnect with their back-off */
  if (self->live != NULL)
    crm_server_live_close_all (self->live, 1000);
  if (self->connections != NULL)
    crm_server_connections_stop (self->connections);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}
