/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-telephony.c — the PBX's endpoints (route, event), the account's telephony
 * token and settings in server.db (the `telephony` table, made on first use like the
 * channels' tables), and the `telephony` commands. What a call does to the account's
 * data is core's (crm-call.h); this file checks the request, finds the account by its
 * token, and tells the devices. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "crm-call.h"
#include "crm-json.h"
#include "crm-ledger.h"
#include "crm-protocol.h"
#include "crm-query.h"
#include "crm-validate.h"
#include "crm-server-admin.h"
#include "crm-server-auth.h"
#include "crm-server-command.h"
#include "crm-server-log.h"
#include "crm-server-backend.h"
#include "crm-server-db.h"
#include "crm-server-telephony.h"
#include "crm-time.h"

#define MAX_CALL_ID_CHARS  200
#define MAX_PHONE_CHARS    64
#define MAX_USER_CHARS     200
#define MAX_URL_CHARS      1000

static const char tables_sql[] =
  "CREATE TABLE IF NOT EXISTS telephony (account TEXT PRIMARY KEY NOT NULL,"
  " token TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
  " settings TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);";

/* --- settings ------------------------------------------------------------------------------ */

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };

typedef struct {
  CrmCallSettings call;
  JsonObject     *json;
  GStrv           on_duty;
  char           *hours;
  char           *days;
  gboolean        require_signature;
} Settings;

static void
settings_clear (Settings *settings)
{
  g_clear_pointer (&settings->json, json_object_unref);
  g_clear_pointer (&settings->on_duty, g_strfreev);
  g_clear_pointer (&settings->hours, g_free);
  g_clear_pointer (&settings->days, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Settings, settings_clear)

static gboolean
parse_minute (const char *text,
              gint       *out)
{
  guint64 hours = 0, minutes = 0;
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 24, &hours, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &minutes, NULL) ||
      (hours == 24 && minutes != 0))
    return FALSE;
  *out = (gint) (hours * 60 + minutes) % (24 * 60);
  return TRUE;
}

/* "09:00-18:00" */
static gboolean
parse_hours (const char  *text,
             gint        *out_open,
             gint        *out_close,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", -1);

  if (g_strv_length (parts) != 2 || !parse_minute (g_strstrip (parts[0]), out_open) ||
      !parse_minute (g_strstrip (parts[1]), out_close))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Working hours «%s» are not HH:MM-HH:MM (e.g. 09:00-18:00)"), text);
      return FALSE;
    }
  return TRUE;
}

static gint
day_index (const char *name)
{
  for (gint i = 0; day_names[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, day_names[i]) == 0)
      return i;
  return -1;
}

/* "mon-fri", "mon,wed,fri", "mon-sun" */
static gboolean
parse_days (const char  *text,
            guint       *out,
            GError     **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  *out = 0;
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) range = g_strsplit (g_strstrip (items[i]), "-", -1);
      gint from = range[0] != NULL ? day_index (g_strstrip (range[0])) : -1;
      gint to = g_strv_length (range) == 2 ? day_index (g_strstrip (range[1])) : from;

      if (g_strv_length (range) > 2 || from < 0 || to < 0)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("Working days «%s» are not days like mon-fri or mon,wed,fri"), text);
          return FALSE;
        }
      for (gint d = from; ; d = (d + 1) % 7)
        {
          *out |= 1u << d;
          if (d == to)
            break;
        }
    }
  return TRUE;
}

/* Settings from their JSON (owned by @out afterwards); the defaults fill what is missing. */
static gboolean
settings_from_json (JsonObject  *json,
                    Settings    *out,
                    GError     **error)
{
  JsonArray *duty;

  out->json = json;
  out->hours = g_strdup (crm_json_string_or (json, "hours", "09:00-18:00"));
  out->days = g_strdup (crm_json_string_or (json, "days", "mon-fri"));
  if (!parse_hours (out->hours, &out->call.open_minute, &out->call.close_minute, error) ||
      !parse_days (out->days, &out->call.days, error))
    return FALSE;
  out->call.pipeline = crm_json_string (json, "pipeline");
  out->call.stage = crm_json_string (json, "stage");
  out->call.ring_group = crm_json_string (json, "ring_group");
  out->call.zone = crm_json_string_or (json, "zone", "Europe/Moscow");
  out->call.ring_seconds = (guint) CLAMP (json_object_get_int_member_with_default (
                                            json, "ring_seconds", 20), 5, 600);
  duty = json_object_has_member (json, "on_duty") &&
         JSON_NODE_HOLDS_ARRAY (json_object_get_member (json, "on_duty"))
         ? json_object_get_array_member (json, "on_duty") : NULL;
  out->on_duty = g_new0 (char *, (duty != NULL ? json_array_get_length (duty) : 0) + 1);
  for (guint i = 0, n = 0; duty != NULL && i < json_array_get_length (duty); i++)
    {
      JsonNode *node = json_array_get_element (duty, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        out->on_duty[n++] = g_strdup (json_node_get_string (node));
    }
  out->call.on_duty = (const char * const *) out->on_duty;
  out->require_signature = json_object_get_boolean_member_with_default (
    json, "require_signature", FALSE);
  return TRUE;
}

/* --- the telephony table (server.db's, or PostgreSQL's) ---------------------------------- */

/* server.db makes its table on first use; PostgreSQL's is one of its schema steps. */
static CrmServerRows *
db_run (CrmServerStorage   *storage,
        const char         *what,
        const char         *sql,
        int                 n,
        const char *const  *values,
        GError            **error)
{
  if (!crm_server_db_is_shared (storage))
    {
      g_autoptr(CrmServerRows) made = crm_server_db_run (storage, what, tables_sql, 0, NULL,
                                                         error);

      if (made == NULL)
        return NULL;
    }
  return crm_server_db_run (storage, what, sql, n, values, error);
}

static JsonObject *
parse_settings_text (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return json_object_new ();
  return json_object_ref (json_node_get_object (node));
}

/* The account of a token: its id and name and its settings' JSON; FALSE without an
 * error when no account has the token. */
static gboolean
account_of_token (CrmServerStorage  *storage,
                  const char        *token,
                  char             **out_account,
                  char             **out_name,
                  JsonObject       **out_settings,
                  GError           **error)
{
  g_autofree char *hash = crm_server_hash_token (token);
  const char *values[] = { hash };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the telephony settings",
    "SELECT t.account, a.name, t.settings FROM telephony t JOIN account a ON a.id = t.account"
    " WHERE t.token_hash = $1", 1, values, error);

  if (rows == NULL || crm_server_rows_count (rows) == 0)
    return FALSE;
  *out_account = crm_server_rows_dup (rows, 0, 0);
  *out_name = crm_server_rows_dup (rows, 0, 1);
  *out_settings = parse_settings_text (crm_server_rows_text (rows, 0, 2));
  return TRUE;
}

/* The account's settings' JSON; NULL without an error when it has no telephony yet. */
static JsonObject *
account_settings (CrmServerStorage  *storage,
                  const char        *account_id,
                  GError           **error)
{
  const char *values[] = { account_id };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the telephony settings",
    "SELECT settings FROM telephony WHERE account = $1", 1, values, error);

  if (rows == NULL || crm_server_rows_count (rows) == 0)
    return NULL;
  return parse_settings_text (crm_server_rows_text (rows, 0, 0));
}

/* The account's row (made with a new token when missing): its token and settings. */
static gboolean
account_row (CrmServerStorage  *storage,
             const char        *account_id,
             char             **out_token,
             JsonObject       **out_settings,
             gboolean          *out_created,
             GError           **error)
{
  const char *values[] = { account_id };
  g_autoptr(CrmServerRows) rows = db_run (storage, "reading the telephony settings",
    "SELECT token, settings FROM telephony WHERE account = $1", 1, values, error);
  g_autoptr(CrmServerRows) made = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *now = NULL;

  *out_created = FALSE;
  if (rows == NULL)
    return FALSE;
  if (crm_server_rows_count (rows) > 0)
    {
      *out_token = crm_server_rows_dup (rows, 0, 0);
      *out_settings = parse_settings_text (crm_server_rows_text (rows, 0, 1));
      return TRUE;
    }

  /* two commands at once (another process on PostgreSQL) make one token: whoever
   * inserts first; the other reads it */
  token = crm_server_new_token ();
  hash = crm_server_hash_token (token);
  now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  {
    const char *row[] = { account_id, token, hash, now };

    made = db_run (storage, "keeping the telephony token",
                   "INSERT INTO telephony (account, token, token_hash, settings, created_at)"
                   " VALUES ($1, $2, $3, '{}', $4) ON CONFLICT (account) DO NOTHING",
                   G_N_ELEMENTS (row), row, error);
  }
  if (made == NULL)
    return FALSE;
  if (crm_server_rows_changed (made) == 0)
    return account_row (storage, account_id, out_token, out_settings, out_created, error);
  *out_token = g_steal_pointer (&token);
  *out_settings = json_object_new ();
  *out_created = TRUE;
  return TRUE;
}

/* --- wrong tokens ---------------------------------------------------------------------------- */

/* Failures (no token, a wrong one) of one client address in the window that began with
 * the first of them. */
typedef struct {
  guint  failures;
  gint64 window_start_us;
} Failures;

static GHashTable *failures_by_client;   /* client key → Failures*; the main loop's only */

static gint64
window_end_us (const Failures *failures)
{
  return failures->window_start_us + (gint64) CRM_TELEPHONY_FAILURE_WINDOW_S * G_USEC_PER_SEC;
}

/* Seconds until @client may try again (0: it may now). */
static guint
locked_seconds (const char *client)
{
  Failures *failures = failures_by_client != NULL
                       ? g_hash_table_lookup (failures_by_client, client) : NULL;
  gint64 now = g_get_monotonic_time ();

  if (failures == NULL || failures->failures < CRM_TELEPHONY_MAX_FAILURES)
    return 0;
  if (now >= window_end_us (failures))
    {
      g_hash_table_remove (failures_by_client, client);
      return 0;
    }
  return (guint) ((window_end_us (failures) - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void
count_failure (const char *client)
{
  gint64 now = g_get_monotonic_time ();
  Failures *failures;

  if (failures_by_client == NULL)
    failures_by_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* a flood of addresses: forget the windows that ended, then start over */
  if (g_hash_table_size (failures_by_client) >= CRM_TELEPHONY_MAX_CLIENTS)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, failures_by_client);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now >= window_end_us (value))
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (failures_by_client) >= CRM_TELEPHONY_MAX_CLIENTS)
        g_hash_table_remove_all (failures_by_client);
    }
  failures = g_hash_table_lookup (failures_by_client, client);
  if (failures == NULL || now >= window_end_us (failures))
    {
      failures = g_new0 (Failures, 1);
      failures->window_start_us = now;
      g_hash_table_replace (failures_by_client, g_strdup (client), failures);
    }
  failures->failures++;
}

/* --- the endpoints -------------------------------------------------------------------------- */

static void
respond (SoupServerMessage *msg,
         guint              status,
         JsonNode          *node)
{
  char *text = json_to_string (node, FALSE);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
respond_error (SoupServerMessage *msg,
               CrmSyncError       code,
               const char        *message)
{
  g_autoptr(JsonNode) node = crm_protocol_error_new (code, message, 0);

  respond (msg, crm_sync_error_http_status (code), node);
}

static void
respond_object (SoupServerMessage *msg,
                JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  respond (msg, SOUP_STATUS_OK, node);
}

/* --- signed requests ------------------------------------------------------------------------ */

/* The signatures of the signed requests accepted in the last CRM_TELEPHONY_SIGNATURE_WINDOW_S
 * seconds: "account:signature" → the real time (µs) after which the timestamp check refuses
 * the request anyway, so the entry can go. */
static GHashTable *signatures_seen;   /* the main loop's only */

/* FALSE when @key was seen in its window (a replay); else keeps it. *@out_full: the table
 * is full of live signatures (more signed requests in the window than it holds). */
static gboolean
signature_remember (const char *key,
                    gint64      expires_us,
                    gboolean   *out_full)
{
  gint64 now = g_get_real_time ();
  gpointer value;

  *out_full = FALSE;
  if (signatures_seen == NULL)
    signatures_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  value = g_hash_table_lookup (signatures_seen, key);
  if (value != NULL && now <= *(gint64 *) value)
    return FALSE;
  if (g_hash_table_size (signatures_seen) >= CRM_TELEPHONY_MAX_SIGNATURES)
    {
      GHashTableIter iter;

      g_hash_table_iter_init (&iter, signatures_seen);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now > *(gint64 *) value)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (signatures_seen) >= CRM_TELEPHONY_MAX_SIGNATURES)
        {
          *out_full = TRUE;
          return FALSE;
        }
    }
  g_hash_table_replace (signatures_seen, g_strdup (key), g_memdup2 (&expires_us, sizeof expires_us));
  return TRUE;
}

/* TRUE when the two strings are equal, in a time that does not tell where they differ
 * (their lengths are no secret: a hex SHA-256 is 64 characters). */
static gboolean
equal_in_constant_time (const char *a,
                        const char *b)
{
  gsize length = strlen (a);
  guchar diff = 0;

  if (length != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];
  return diff == 0;
}

/* Checks the request's X-Voronka-Signature (see docs/telephony.md): FALSE after answering
 * when it is wrong, stale, replayed, or missing while the account requires one. */
static gboolean
check_signature (SoupServerMessage *msg,
                 const char        *token,
                 const char        *account_id,
                 const char        *account_name,
                 gboolean           required,
                 GBytes            *body,
                 const char        *client)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *signature = soup_message_headers_get_one (headers, CRM_TELEPHONY_SIGNATURE_HEADER);
  const char *timestamp = soup_message_headers_get_one (headers, CRM_TELEPHONY_TIMESTAMP_HEADER);
  g_autofree char *expected = NULL;
  g_autofree char *given = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GByteArray) data = NULL;
  gint64 seconds = 0;
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  gboolean full = FALSE;

  if (signature == NULL)
    {
      if (!required)
        return TRUE;
      respond_error (msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     _("This account requires signed telephony requests: send the "
                       "X-Voronka-Timestamp and X-Voronka-Signature headers as "
                       "docs/telephony.md shows"));
      return FALSE;
    }
  if (timestamp == NULL ||
      !g_ascii_string_to_signed (timestamp, 10, G_MININT64 / 2, G_MAXINT64 / 2, &seconds, NULL) ||
      ABS (seconds - now_s) > CRM_TELEPHONY_SIGNATURE_WINDOW_S)
    {
      g_autofree char *message = g_strdup_printf (
        _("The signed request is too old or from the future: X-Voronka-Timestamp must be the "
          "current unix time in seconds, within %d seconds of the server's clock (a replayed "
          "request, or a wrong clock on the PBX)"), CRM_TELEPHONY_SIGNATURE_WINDOW_S);

      respond_error (msg, CRM_SYNC_ERROR_AUTH_FAILED, message);
      return FALSE;
    }

  data = g_byte_array_new ();
  g_byte_array_append (data, (const guint8 *) timestamp, strlen (timestamp));
  g_byte_array_append (data, (const guint8 *) ".", 1);
  g_byte_array_append (data, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  expected = g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) token, strlen (token),
                                      data->data, data->len);
  given = g_ascii_strdown (g_strstrip (g_strdup (signature)), -1);
  if (!g_str_has_prefix (given, "sha256=") ||
      !equal_in_constant_time (given + strlen ("sha256="), expected))
    {
      g_autofree char *line = g_strdup_printf (
        "telephony: a request with a wrong signature from %s refused",
        client != NULL ? client : "?");

      crm_server_log (G_LOG_LEVEL_WARNING, "telephony-refused", line, "VORONKA_ACCOUNT",
                      account_name, NULL);
      respond_error (msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     _("The signature does not match the request: X-Voronka-Signature must be "
                       "sha256= and the hex HMAC-SHA256 of “TIMESTAMP.BODY” keyed with the "
                       "account's telephony token (see docs/telephony.md)"));
      return FALSE;
    }

  key = g_strconcat (account_id, ":", expected, NULL);
  if (!signature_remember (key, (seconds + CRM_TELEPHONY_SIGNATURE_WINDOW_S + 1) * G_USEC_PER_SEC,
                           &full))
    {
      if (full)
        {
          respond_error (msg, CRM_SYNC_ERROR_RATE_LIMITED,
                         _("Too many signed telephony requests in the last minutes: wait a "
                           "minute and send the request again with a new timestamp"));
        }
      else
        {
          g_autofree char *line = g_strdup_printf (
            "telephony: a replayed signed request from %s refused",
            client != NULL ? client : "?");

          crm_server_log (G_LOG_LEVEL_WARNING, "telephony-refused", line, "VORONKA_ACCOUNT",
                          account_name, NULL);
          respond_error (msg, CRM_SYNC_ERROR_REPLAYED,
                         _("This signed request was already received: a replay is refused and "
                           "changes nothing (a PBX that retries signs again with a new "
                           "timestamp)"));
        }
      return FALSE;
    }
  return TRUE;
}

/* A string member of the request: NULL when absent (an error when @required, or when
 * it is not a string, or longer than @max_chars); the message names the field. */
static gboolean
request_string (JsonObject   *request,
                const char   *member,
                gboolean      required,
                glong         max_chars,
                const char  **out,
                GError      **error)
{
  JsonNode *node = json_object_get_member (request, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("The field “%s” is missing: see docs/telephony.md for the request"),
                     member);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      *json_node_get_string (node) == '\0')
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The field “%s” must be a non-empty string"), member);
      return FALSE;
    }
  if (g_utf8_strlen (json_node_get_string (node), -1) > max_chars)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The field “%s” is longer than %ld characters"), member, max_chars);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

/* "at": an ISO 8601 time or UTC milliseconds; absent: now. */
static gboolean
request_time (JsonObject  *request,
              gint64      *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (request, "at");

  *out = crm_time_now_ms ();
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      crm_time_parse (json_node_get_string (node), out) && *out > 0)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
      json_node_get_int (node) > 0 && json_node_get_int (node) < CRM_TIME_MAX)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
               _("The field “at” must be an ISO 8601 time (2026-12-07T10:15:00Z) or UTC "
                 "milliseconds"));
  return FALSE;
}

/* The caller's card to the live sockets of the users the call rings, each shown only
 * what their replica may hold (crm_call_card_for_user(): a call about a deal a user does
 * not see does not pop up on their screen). */
static void
send_card (CrmServerLive *live,
           const char    *account_id,
           CrmStore      *store,
           JsonObject    *answer)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();
  JsonArray *ring = json_object_get_array_member (answer, "ring");

  for (guint i = 0; ring != NULL && i < json_array_get_length (ring); i++)
    {
      JsonArray *ids = json_object_get_array_member (json_array_get_object_element (ring, i),
                                                     "user_ids");

      for (guint j = 0; ids != NULL && j < json_array_get_length (ids); j++)
        {
          const char *id = json_array_get_string_element (ids, j);

          if (id != NULL && !g_ptr_array_find_with_equal_func (targets, id, g_str_equal, NULL))
            g_ptr_array_add (targets, (gpointer) id);
        }
    }
  for (guint i = 0; i < targets->len; i++)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonObject) card = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *deal = NULL;
      g_autofree char *text = NULL;
      const char *to[] = { targets->pdata[i], NULL };

      if (!crm_call_card_for_user (store, answer, to[0], &card, &deal, &error))
        {
          g_warning ("The card of call %s: %s", json_object_get_string_member (answer, "call"),
                     error->message);
          continue;
        }
      if (card == NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "call");
      json_builder_set_member_name (builder, "call");
      json_builder_add_string_value (builder, json_object_get_string_member (answer, "call"));
      json_builder_set_member_name (builder, "deal");
      if (deal != NULL)
        json_builder_add_string_value (builder, deal);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "card");
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (root, card);
      json_builder_add_value (builder, g_steal_pointer (&root));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = json_to_string (root, FALSE);
      crm_server_live_send_to_users (live, account_id, to, text);
    }
}

static void
handle_route (CrmServerLive     *live,
              SoupServerMessage *msg,
              const char        *account_id,
              const char        *account_name,
              CrmStore          *store,
              const Settings    *settings,
              JsonObject        *request,
              const char        *call_id,
              gint64             at)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *line = NULL;
  const char *from = NULL, *to = NULL;

  if (!request_string (request, "from", TRUE, MAX_PHONE_CHARS, &from, &error) ||
      !request_string (request, "to", FALSE, MAX_PHONE_CHARS, &to, &error))
    {
      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, error->message);
      return;
    }
  answer = crm_call_route (store, &settings->call, call_id, from, to, at, &error);
  if (answer == NULL)
    {
      g_autofree char *message = g_strdup_printf (
        _("The call could not be routed: %s (check `voronka-server telephony show %s`)"),
        error->message, account_name);

      crm_server_log (G_LOG_LEVEL_WARNING, "telephony-failed", message,
                      "VORONKA_ACCOUNT", account_name, NULL);
      respond_error (msg, error->domain == CRM_STORE_ERROR &&
                          error->code == CRM_STORE_ERROR_NOT_FOUND
                          ? CRM_SYNC_ERROR_NOT_FOUND : CRM_SYNC_ERROR_SERVER_ERROR, message);
      return;
    }
  if (!crm_ledger_number_deals (store, &error))
    g_warning ("Could not number the deal of call %s: %s", call_id, error->message);
  send_card (live, account_id, store, answer);
  crm_server_live_changed_all (live);
  {
    g_autofree char *escaped = crm_server_log_escape (call_id, 200);

    line = g_strdup_printf ("telephony: call %s routed: %s", escaped,
                            json_object_get_string_member_with_default (answer, "reason", ""));
  }
  crm_server_log (G_LOG_LEVEL_INFO, "telephony-route", line, "VORONKA_ACCOUNT", account_name,
                  NULL);
  respond_object (msg, answer);
}

static void
handle_event (CrmServerLive     *live,
              SoupServerMessage *msg,
              const char        *account_name,
              CrmStore          *store,
              JsonObject        *request,
              const char        *call_id,
              gint64             at)
{
  static const char *const events[] = { "ringing", "answered", "ended", "recording", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autofree char *reason = NULL;
  g_autofree char *id = crm_call_id (call_id);
  const char *event = NULL, *user = NULL, *url = NULL, *ignored = NULL;
  gboolean applied = FALSE;

  if (!request_string (request, "event", TRUE, 32, &event, &error) ||
      !request_string (request, "user", FALSE, MAX_USER_CHARS, &user, &error) ||
      !request_string (request, "recording_url", FALSE, MAX_URL_CHARS, &url, &error) ||
      !request_string (request, "from", FALSE, MAX_PHONE_CHARS, &ignored, &error) ||
      !request_string (request, "to", FALSE, MAX_PHONE_CHARS, &ignored, &error))
    {
      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, error->message);
      return;
    }
  if (!g_strv_contains (events, event))
    {
      g_autofree char *message = g_strdup_printf (
        _("The field “event” must be ringing, answered, ended or recording (not «%s»)"), event);

      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, message);
      return;
    }
  if (g_str_equal (event, "answered") && user == NULL)
    {
      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("The field “user” is missing: an «answered» event names who answered"));
      return;
    }
  if (g_str_equal (event, "recording") &&
      (url == NULL || (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://"))))
    {
      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("The field “recording_url” must be the recording's http:// or https:// "
                       "URL"));
      return;
    }
  if (!crm_call_event (store, call_id, event, user, url, at, &applied, &reason, &error))
    {
      if (error->domain == CRM_STORE_ERROR && error->code == CRM_STORE_ERROR_NOT_FOUND)
        {
          g_autofree char *message = g_strdup_printf (_("The field “user”: %s"), error->message);

          respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, message);
        }
      else if (error->domain == CRM_STORE_ERROR && error->code == CRM_STORE_ERROR_INVALID_INPUT)
        respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, error->message);
      else
        {
          crm_server_log (G_LOG_LEVEL_WARNING, "telephony-failed", error->message,
                          "VORONKA_ACCOUNT", account_name, NULL);
          respond_error (msg, CRM_SYNC_ERROR_SERVER_ERROR, error->message);
        }
      return;
    }
  if (applied)
    crm_server_live_changed_all (live);
  {
    g_autofree char *escaped = crm_server_log_escape (call_id, 200);
    g_autofree char *line = g_strdup_printf ("telephony: call %s %s%s", escaped, event,
                                             applied ? "" : " (nothing changed)");

    crm_server_log (G_LOG_LEVEL_INFO, "telephony-event", line, "VORONKA_ACCOUNT", account_name,
                    NULL);
  }
  json_object_set_boolean_member (answer, "applied", applied);
  json_object_set_string_member (answer, "call", id);
  if (reason != NULL)
    json_object_set_string_member (answer, "reason", reason);
  respond_object (msg, answer);
}

typedef struct {
  CrmServerLive     *live;
  SoupServerMessage *msg;
  const char        *name;
  const char        *account_id;
  const char        *account_name;
  const Settings    *settings;
  JsonObject        *request;
  const char        *call_id;
  gint64             at;
} Call;

/* The request's answer is set here; an error only when the storage failed (the answer is
 * replaced then). */
static gboolean
handle_call (CrmServerBackend  *backend,
             CrmStore          *store,
             gpointer           data,
             GError           **error)
{
  Call *call = data;

  if (g_str_equal (call->name, "route"))
    handle_route (call->live, call->msg, call->account_id, call->account_name, store,
                  call->settings, call->request, call->call_id, call->at);
  else
    handle_event (call->live, call->msg, call->account_name, store, call->request,
                  call->call_id, call->at);
  return TRUE;
}

gboolean
crm_server_telephony_handle (CrmServerStorage  *storage,
                             CrmServerLive     *live,
                             SoupServerMessage *msg,
                             const char        *path,
                             const char        *client)
{
  const char *name;
  const char *header;
  g_autofree char *token = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *account_name = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_auto(Settings) settings = { 0 };
  JsonObject *settings_json = NULL;
  JsonObject *request;
  const char *call_id = NULL;
  gint64 at = 0;
  guint locked;
  Call call = { 0 };

  if (!g_str_has_prefix (path, CRM_TELEPHONY_PATH_PREFIX))
    return FALSE;
  name = path + strlen (CRM_TELEPHONY_PATH_PREFIX);
  if (!g_str_equal (name, "route") && !g_str_equal (name, "event"))
    {
      g_autofree char *message = g_strdup_printf (
        _("There is no telephony endpoint %s: use %sroute or %sevent"), path,
        CRM_TELEPHONY_PATH_PREFIX, CRM_TELEPHONY_PATH_PREFIX);

      respond_error (msg, CRM_SYNC_ERROR_NOT_FOUND, message);
      return TRUE;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "POST");
      respond_error (msg, CRM_SYNC_ERROR_METHOD_NOT_ALLOWED,
                     _("The telephony endpoints take POST with a JSON body"));
      return TRUE;
    }
  /* an address that sent wrong tokens again and again waits, whatever it sends now:
   * an answer to a guess would tell whether it was right */
  locked = client != NULL ? locked_seconds (client) : 0;
  if (locked > 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%u", locked);
      g_autofree char *message = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE,
                     "Too many requests with a wrong telephony token came from this address: "
                     "wait %u second, then send the token `voronka-server telephony token "
                     "ACCOUNT` prints",
                     "Too many requests with a wrong telephony token came from this address: "
                     "wait %u seconds, then send the token `voronka-server telephony token "
                     "ACCOUNT` prints", locked), locked);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", seconds);
      respond_error (msg, CRM_SYNC_ERROR_RATE_LIMITED, message);
      return TRUE;
    }

  /* the token first: nothing of the body is read for a stranger */
  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      if (client != NULL)
        count_failure (client);
      respond_error (msg, CRM_SYNC_ERROR_AUTH_FAILED,
                     _("The request carries no telephony token: send “Authorization: Bearer "
                       "TOKEN” with the token `voronka-server telephony token ACCOUNT` prints"));
      return TRUE;
    }
  token = g_strstrip (g_strdup (header + 7));
  if (*token == '\0' || strlen (token) > 200 ||
      !account_of_token (storage, token, &account_id, &account_name, &settings_json, &error))
    {
      if (error != NULL)
        respond_error (msg, CRM_SYNC_ERROR_SERVER_ERROR, error->message);
      else
        {
          g_autofree char *line = g_strdup_printf (
            "telephony: a request with a wrong token from %s refused",
            client != NULL ? client : "?");

          if (client != NULL)
            count_failure (client);
          crm_server_log (G_LOG_LEVEL_WARNING, "telephony-refused", line, NULL);
          respond_error (msg, CRM_SYNC_ERROR_AUTH_FAILED,
                         _("The telephony token is wrong: use the one `voronka-server "
                           "telephony token ACCOUNT` prints"));
        }
      return TRUE;
    }
  if (!settings_from_json (settings_json, &settings, &error))
    {
      respond_error (msg, CRM_SYNC_ERROR_SERVER_ERROR, error->message);
      return TRUE;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > CRM_TELEPHONY_MAX_BODY)
    {
      g_autofree char *message = g_strdup_printf (
        _("The request is larger than a telephony request may be (%d bytes)"),
        CRM_TELEPHONY_MAX_BODY);

      respond_error (msg, CRM_SYNC_ERROR_TOO_LARGE, message);
      return TRUE;
    }
  if (!check_signature (msg, token, account_id, account_name, settings.require_signature, body,
                        client))
    return TRUE;
  root = crm_json_parse_bounded (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                 CRM_TELEPHONY_MAX_BODY, CRM_TELEPHONY_MAX_DEPTH, &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *message = g_strdup_printf (
        _("The request body must be a JSON object: %s"),
        error != NULL ? error->message : _("it is another JSON value"));

      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, message);
      return TRUE;
    }
  request = json_node_get_object (root);
  if (!request_string (request, "call_id", TRUE, MAX_CALL_ID_CHARS, &call_id, &error) ||
      !request_time (request, &at, &error))
    {
      respond_error (msg, CRM_SYNC_ERROR_INVALID_INPUT, error->message);
      return TRUE;
    }
  /* one write of the storage: on PostgreSQL under the account's lock, whichever process
   * the PBX reached, so a call routed by one process takes its events in another */
  call = (Call) { live, msg, name, account_id, account_name, &settings, request, call_id, at };
  if (!crm_server_backend_write (CRM_SERVER_BACKEND (storage), account_id, handle_call, &call,
                                 &error))
    {
      crm_server_log (G_LOG_LEVEL_WARNING, "telephony-failed", error->message,
                      "VORONKA_ACCOUNT", account_name, NULL);
      respond_error (msg, CRM_SYNC_ERROR_SERVER_ERROR, error->message);
    }
  return TRUE;
}

/* --- the routing, published to the devices ------------------------------------------------ */

gboolean
crm_server_telephony_publish (CrmServerStorage *storage,
                              const char       *account_id,
                              const char       *account_name,
                              CrmStore         *store,
                              gboolean         *out_changed,
                              GError          **error)
{
  g_autoptr(JsonObject) state = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) read_error = NULL;
  JsonObject *settings_json = NULL;
  g_auto(Settings) settings = { 0 };

  *out_changed = FALSE;
  settings_json = account_settings (storage, account_id, &read_error);
  if (read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  if (settings_json == NULL)
    return TRUE;   /* no telephony token yet: no routing to show */
  if (settings_from_json (settings_json, &settings, &local_error))
    state = crm_call_describe_settings (store, &settings.call, &local_error);
  if (state != NULL)
    {
      json_object_remove_member (state, "rules");   /* the app words them in its language */
      json_object_set_string_member (state, "days", settings.days);
    }
  else
    {
      state = json_object_new ();
      json_object_set_string_member (state, "problem", local_error->message);
    }
  json_object_set_string_member (state, "account", account_name);
  return crm_call_publish_routing (store, state, out_changed, error);
}

/* --- the commands ------------------------------------------------------------------------- */

/* The storage, the account's id and its replica. */
static gboolean
open_account (const char        *data_dir,
              const char        *name,
              CrmServerStorage **out_storage,
              char             **out_account,
              CrmStore         **out_store,
              GError           **error)
{
  /* the data folder's storage, or the --database the command was given */
  *out_storage = crm_server_admin_open_storage (data_dir, error);
  if (*out_storage == NULL)
    return FALSE;
  *out_account = CRM_SERVER_BACKEND_GET_CLASS (*out_storage)->lookup_account (
    CRM_SERVER_BACKEND (*out_storage), name, error);
  if (*out_account == NULL)
    return FALSE;
  *out_store = crm_server_backend_get_replica (CRM_SERVER_BACKEND (*out_storage), *out_account,
                                               error);
  return *out_store != NULL;
}

int
crm_server_cmd_telephony_token (const char  *data_dir,
                                int          argc,
                                char       **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) settings = NULL;
  g_autofree char *account = NULL;
  g_autofree char *token = NULL;
  gboolean created = FALSE;
  CrmStore *store = NULL;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT",
              _("Print the account's telephony token, the bearer token its PBX sends to "
                "/api/v1/telephony/route and /api/v1/telephony/event (made the first time, "
                "the same one afterwards; kept in server.db). See docs/telephony.md."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage ("%s", _("telephony token takes an ACCOUNT"));
  if (!open_account (data_dir, argv[1], &storage, &account, &store, &error) ||
      !account_row (storage, account, &token,
                    &settings, &created, &error))
    return crm_server_command_fail (error);
  if (created)
    crm_server_audit ("telephony.token", argv[1], NULL, NULL);
  g_print ("%s\n", token);
  return 0;
}

static gboolean
describe (CrmStore     *store,
          JsonObject   *json,
          JsonObject  **out,
          GError      **error)
{
  g_auto(Settings) settings = { 0 };

  if (!settings_from_json (json_object_ref (json), &settings, error))
    return FALSE;
  *out = crm_call_describe_settings (store, &settings.call, error);
  if (*out == NULL)
    return FALSE;
  json_object_set_string_member (*out, "days", settings.days);
  json_object_set_boolean_member (*out, "require_signature", settings.require_signature);
  return TRUE;
}

static void
print_description (JsonObject *description,
                   gboolean    json)
{
  JsonArray *rules = json_object_get_array_member (description, "rules");

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, description);
      text = json_to_string (node, TRUE);
      g_print ("%s\n", text);
      return;
    }
  g_print ("%s: %s / %s\n", _("New callers' deals"),
           json_object_get_string_member (description, "pipeline"),
           json_object_get_string_member (description, "stage"));
  g_print ("%s: %s (%s), %lld s\n", _("Ring group"),
           json_object_get_string_member_with_default (description, "ring_group", "—"),
           json_object_get_string_member_with_default (description, "head", "—"),
           (long long) json_object_get_int_member (description, "ring_seconds"));
  g_print ("%s: %s %s (%s)\n", _("Working hours"),
           json_object_get_string_member (description, "days"),
           json_object_get_string_member (description, "hours"),
           json_object_get_string_member (description, "zone"));
  g_print ("%s: %s\n", _("Signed requests"),
           json_object_get_boolean_member (description, "require_signature")
           ? _("required (unsigned ones are refused)") : _("optional (checked when signed)"));
  for (guint i = 0; i < json_array_get_length (rules); i++)
    g_print ("  • %s\n", json_array_get_string_element (rules, i));
}

int
crm_server_cmd_telephony_show (const char  *data_dir,
                               int          argc,
                               char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the settings as JSON"), NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) settings = NULL;
  g_autoptr(JsonObject) description = NULL;
  g_autofree char *account = NULL;
  g_autofree char *token = NULL;
  gboolean created = FALSE;
  CrmStore *store = NULL;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT",
              _("Show how the account routes calls: the pipeline of new callers' deals, the "
                "ring group and its head, the working hours, who is on duty, and the routing "
                "rules in words (the token is not shown)."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage ("%s", _("telephony show takes an ACCOUNT"));
  if (!open_account (data_dir, argv[1], &storage, &account, &store, &error) ||
      !account_row (storage, account, &token,
                    &settings, &created, &error) ||
      !describe (store, settings, &description, &error))
    return crm_server_command_fail (error);
  print_description (description, json);
  return 0;
}

int
crm_server_cmd_telephony_set (const char  *data_dir,
                              int          argc,
                              char       **argv)
{
  g_autofree char *pipeline = NULL, *stage = NULL, *group = NULL, *hours = NULL;
  g_autofree char *days = NULL, *zone = NULL, *require_signature = NULL;
  g_auto(GStrv) duty = NULL;
  gboolean no_duty = FALSE, json = FALSE;
  int seconds = 0;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline,
      N_("The pipeline of new callers' deals (default: the first)"), N_("P") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage,
      N_("Their stage (default: the pipeline's first open one)"), N_("S") },
    { "ring-group", 0, 0, G_OPTION_ARG_STRING, &group,
      N_("The user group rung first (default: the largest group)"), N_("G") },
    { "ring-seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
      N_("How long each step rings (default 20)"), N_("N") },
    { "hours", 0, 0, G_OPTION_ARG_STRING, &hours,
      N_("Working hours, HH:MM-HH:MM (default 09:00-18:00)"), N_("H") },
    { "days", 0, 0, G_OPTION_ARG_STRING, &days,
      N_("Working days, e.g. mon-fri or mon,wed,fri (default mon-fri)"), N_("D") },
    { "zone", 0, 0, G_OPTION_ARG_STRING, &zone,
      N_("The time zone of the hours (default Europe/Moscow)"), N_("ZONE") },
    { "on-duty", 0, 0, G_OPTION_ARG_STRING_ARRAY, &duty,
      N_("A user who takes calls outside the working hours (repeat for several)"), N_("U") },
    { "no-duty", 0, 0, G_OPTION_ARG_NONE, &no_duty,
      N_("Nobody is on duty outside the working hours"), NULL },
    { "require-signature", 0, 0, G_OPTION_ARG_STRING, &require_signature,
      N_("yes: refuse requests not signed with X-Voronka-Signature (default no)"),
      N_("yes|no") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the settings as JSON"), NULL },
    { NULL }
  };
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) settings = NULL;
  g_autoptr(JsonObject) description = NULL;
  g_autofree char *account = NULL;
  g_autofree char *token = NULL;
  g_autofree char *text = NULL;
  gboolean created = FALSE;
  CrmStore *store = NULL;
  int status = 0;

  if (!crm_server_command_parse_options ("ACCOUNT",
              _("Change how the account routes calls (S0-8): options not given keep their "
                "value. Prints the settings as `telephony show` does."),
              entries, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage ("%s", _("telephony set takes an ACCOUNT"));
  if (seconds < 0 || (seconds > 0 && (seconds < 5 || seconds > 600)))
    return crm_server_command_usage ("%s", _("--ring-seconds must be between 5 and 600"));
  if (require_signature != NULL && !g_str_equal (require_signature, "yes") &&
      !g_str_equal (require_signature, "no"))
    return crm_server_command_usage ("%s", _("--require-signature takes yes or no"));
  if (zone != NULL)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);

      if (tz == NULL)
        return crm_server_command_usage ("%s", _("--zone: unknown time zone (use a name like Europe/Moscow)"));
    }
  if (!open_account (data_dir, argv[1], &storage, &account, &store, &error))
    return crm_server_command_fail (error);
  if (!account_row (storage, account, &token, &settings, &created, &error))
    return crm_server_command_fail (error);
  if (pipeline != NULL)
    {
      json_object_set_string_member (settings, "pipeline", pipeline);
      json_object_remove_member (settings, "stage");
    }
  if (stage != NULL)
    json_object_set_string_member (settings, "stage", stage);
  if (group != NULL)
    json_object_set_string_member (settings, "ring_group", group);
  if (seconds > 0)
    json_object_set_int_member (settings, "ring_seconds", seconds);
  if (hours != NULL)
    json_object_set_string_member (settings, "hours", hours);
  if (days != NULL)
    json_object_set_string_member (settings, "days", days);
  if (zone != NULL)
    json_object_set_string_member (settings, "zone", zone);
  if (require_signature != NULL)
    json_object_set_boolean_member (settings, "require_signature",
                                    g_str_equal (require_signature, "yes"));
  if (no_duty || duty != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; duty != NULL && duty[i] != NULL; i++)
        {
          g_autofree char *id = crm_query_resolve (store, "user", duty[i], NULL, &error);

          if (id == NULL)
            {
              json_array_unref (array);
              return crm_server_command_fail (error);
            }
          json_array_add_string_element (array, duty[i]);
        }
      json_object_set_array_member (settings, "on_duty", array);
    }
  /* everything named must exist and every value read: nothing is kept otherwise */
  if (!describe (store, settings, &description, &error))
    return crm_server_command_fail (error);
  if (group != NULL && json_array_get_length (json_object_get_array_member (
                         description, "ring_group_users")) == 0)
    {
      g_autofree char *message = g_strdup_printf (
        _("No manager or sales rep is in the group «%s»: name a group from `user list`"), group);

      return crm_server_command_usage ("%s", message);
    }
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (node, settings);
    text = json_to_string (node, FALSE);
  }
  {
    const char *values[] = { account, text };
    g_autoptr(CrmServerRows) saved = db_run (storage, "saving the telephony settings",
      "UPDATE telephony SET settings = $2 WHERE account = $1", 2, values, &error);

    if (saved == NULL)
      return crm_server_command_fail (error);
  }
  crm_server_audit ("telephony.set", argv[1], NULL, text);
  print_description (description, json);
  return 0;
}
