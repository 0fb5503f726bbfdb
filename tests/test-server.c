/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server.c — voronka-server's endpoints against a real server on 127.0.0.1 with a
 * throwaway TLS certificate: sign-in (wrong password, unknown user), tokens (wrong,
 * revoked), malformed and oversized requests, unknown endpoints, schema versions, rate
 * limits, pages, snapshots with Range, a client clock a year ahead, and the permission
 * round-trip (a rep's offline edit of a rule is rejected, restored and listed). After
 * each bad request the server still answers. */
#include <string.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "crm-hlc.h"
#include "crm-query.h"
#include "crm-rules.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-time.h"

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;   /* shared by the tests that need no special options */

/* --- raw HTTP --------------------------------------------------------------------------- */

typedef struct {
  guint       status;
  JsonObject *body;     /* NULL when the body is not JSON */
  GBytes     *bytes;
  SoupMessageHeaders *headers;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->body, json_object_unref);
  g_clear_pointer (&answer->bytes, g_bytes_unref);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static SoupSession *
new_session (CrmTestServer *srv)
{
  SoupSession *session = soup_session_new ();
  g_autoptr(GError) error = NULL;

  if (srv->cert != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (srv->cert, &error);
      g_assert_no_error (error);
      soup_session_set_tls_database (session, database);
    }
  return session;
}

/* @schema NULL: no schema header; @token NULL: none. */
static void
request (CrmTestServer *srv,
         Answer        *answer,
         const char    *method,
         const char    *path,
         const char    *schema,
         const char    *token,
         const char    *body,
         gssize         length)
{
  g_autoptr(SoupSession) session = new_session (srv);
  g_autofree char *url = g_strconcat (srv->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  answer_clear (answer);
  if (schema != NULL)
    soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, length < 0 ? strlen (body) : (gsize) length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer->bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  answer->body = crm_protocol_parse_object (answer->bytes, "answer", NULL);
}

static const char *
error_code (Answer *answer)
{
  JsonObject *error;

  g_assert_nonnull (answer->body);
  error = json_object_get_object_member (answer->body, "error");
  g_assert_nonnull (error);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
  /* every answer carries the server's clock */
  g_assert_nonnull (json_object_get_string_member (answer->body, "hlc"));
  return json_object_get_string_member (error, "code");
}

static void
assert_still_serving (CrmTestServer *srv)
{
  g_auto(Answer) answer = { 0 };

  request (srv, &answer, "GET", CRM_PROTOCOL_PATH_INFO, NULL, NULL, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (answer.body, "server"), ==, "voronka-server");
}

static char *
sign_in (CrmTestServer *srv,
         const char    *user,
         const char    *password)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\"}", user, password);

  request (srv, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "2", NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

static char *
replica_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* A replica of the account made by its first sync (a snapshot). */
static CrmStore *
new_replica (const char *name,
             const char *user,
             const char *password)
{
  g_autofree char *path = replica_path (name);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, user, password);
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);

  g_assert_true (report->snapshot);
  return crm_test_open (path);
}

static CrmSyncReport *
sync_as (const char *name,
         const char *user,
         const char *password)
{
  g_autofree char *path = replica_path (name);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, user, password);

  return crm_test_sync (client);
}

static void
assert_same_as_server (CrmStore *store)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  g_autofree char *mine = crm_test_dump (store);
  g_autofree char *theirs = crm_test_dump (account);

  g_assert_cmpstr (mine, ==, theirs);
}

static char *
resolve (CrmStore   *store,
         const char *entity,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, entity, name, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static void
apply_field (CrmStore   *store,
             const char *entity,
             const char *id,
             const char *field,
             JsonNode   *value)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;

  crm_change_set_node (crm_changeset_touch (changeset, entity, id), field, value);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

static char *
add_deal (CrmStore   *store,
          const char *title,
          const char *responsible)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи");
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, NULL);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  if (responsible != NULL)
    crm_change_set_string (change, "responsible", responsible);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

/* --- tests -------------------------------------------------------------------------------- */

static void
test_sign_in (void)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = NULL;

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "2", NULL,
           "{\"user\":\"admin\",\"password\":\"wrong\"}", -1);
  g_assert_cmpuint (answer.status, ==, 401);
  g_assert_cmpstr (error_code (&answer), ==, "auth-failed");

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "2", NULL,
           "{\"user\":\"nobody\",\"password\":\"admin-pw\"}", -1);
  g_assert_cmpuint (answer.status, ==, 401);
  g_assert_cmpstr (error_code (&answer), ==, "auth-failed");

  /* NAME@ACCOUNT works too */
  token = sign_in (server, "admin@acme", "admin-pw");
  g_assert_true (g_str_has_prefix (token, "vrk_"));
  g_clear_pointer (&token, g_free);

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "2", NULL,
           "{\"user\":\"manager\",\"password\":\"manager-pw\",\"device\":\"dev-1\"}", -1);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (answer.body, "user"), "role"), ==, "manager");
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (answer.body, "account"), "name"), ==, "acme");
  g_assert_nonnull (soup_message_headers_get_one (answer.headers, CRM_PROTOCOL_HLC_HEADER));

  /* the library says the same in its own words */
  {
    g_autofree char *path = replica_path ("wrong-password.db");
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "admin", "nope");
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmSyncReport) report = crm_sync_client_sync (client, NULL, &error);

    g_assert_null (report);
    g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED);
    g_assert_cmpint (crm_sync_client_get_state (client), ==, CRM_SYNC_STATE_ERROR);
    g_assert_nonnull (crm_sync_client_get_last_error (client));
  }
  assert_still_serving (server);
}

static void
test_tokens (void)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  g_autofree char *other = sign_in (server, "manager", "manager-pw");
  g_autofree char *pull = g_strdup (CRM_PROTOCOL_PATH_PULL "?since=0&limit=1");

  request (server, &answer, "GET", pull, "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);

  /* no token, a made-up one */
  request (server, &answer, "GET", pull, "2", NULL, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 401);
  g_assert_cmpstr (error_code (&answer), ==, "auth-failed");
  request (server, &answer, "GET", pull, "2", "vrk_made-up", NULL, 0);
  g_assert_cmpuint (answer.status, ==, 401);

  /* signing out revokes the token in use */
  request (server, &answer, "DELETE", CRM_PROTOCOL_PATH_SESSION, "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  request (server, &answer, "GET", pull, "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 401);
  g_assert_cmpstr (error_code (&answer), ==, "auth-failed");

  /* the admin command revokes every token of a user, while the server runs */
  request (server, &answer, "GET", pull, "2", other, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpint (crm_test_server_admin (data_dir, NULL, "user", "revoke", "acme", "manager",
                                          NULL), ==, 0);
  request (server, &answer, "GET", pull, "2", other, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 401);

  /* a sign-in past its days is refused like a revoked one */
  {
    g_autofree char *fresh = sign_in (server, "admin", "admin-pw");
    g_autofree char *db_path = g_build_filename (data_dir, "server.db", NULL);
    sqlite3 *db = NULL;

    request (server, &answer, "GET", pull, "2", fresh, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 200);
    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE session SET expires_at = 1 WHERE created_at ="
                                       " (SELECT max (created_at) FROM session)",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), >=, 1);
    sqlite3_close (db);
    request (server, &answer, "GET", pull, "2", fresh, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 401);
    g_assert_cmpstr (error_code (&answer), ==, "auth-failed");
  }

  /* a client holding a revoked token signs in again when it knows the password */
  {
    g_autofree char *path = replica_path ("revoked.db");
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "admin", "admin-pw");
    g_autoptr(CrmSyncReport) report = NULL;

    crm_sync_client_set_token (client, token);
    report = crm_test_sync (client);
    g_assert_nonnull (report->token);
    g_assert_cmpstr (crm_sync_client_get_token (client), !=, token);
  }
  assert_still_serving (server);
}

static void
test_malformed (void)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  const char *bodies[] = {
    "", "{", "null", "[]", "{\"base\":0}", "{\"base\":\"0\",\"ops\":[]}",
    "{\"base\":0,\"ops\":[{\"op\":\"x\"}]}", "{\"base\":0,\"ops\":\"all\"}",
    NULL
  };
  /* well-formed ops, one of them with a field of the wrong type for its column, the
   * other a deal without a stage: each is rejected on its own (test-server-trust.c) */
  const char *typed =
    "{\"base\":0,\"ops\":[{\"op\":\"01a209b0-8205-78b5-8923-c0b894a36001\",\"hlc\":\"01a209b082050000\","
    "\"device\":\"01a209b0-81fd-7905-a056-7b07eef89a18\",\"entity\":\"deal\","
    "\"id\":\"01a209b0-8205-799f-878e-17395e825099\",\"fields\":{\"title\":\"ok\"}},"
    "{\"op\":\"01a209b0-8205-78b5-8923-c0b894a36002\",\"hlc\":\"01a209b082050001\","
    "\"device\":\"01a209b0-81fd-7905-a056-7b07eef89a18\",\"entity\":\"deal\","
    "\"id\":\"01a209b0-8205-799f-878e-17395e825099\",\"fields\":{\"amount\":\"lots\"}}]}";
  g_autoptr(CrmStore) account = NULL;
  JsonArray *results;

  for (guint i = 0; bodies[i] != NULL; i++)
    {
      request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, bodies[i], -1);
      g_assert_cmpuint (answer.status, ==, 400);
      g_assert_cmpstr (error_code (&answer), ==, "invalid-input");
    }
  request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, typed, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  results = json_object_get_array_member (answer.body, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);

      g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "rejected");
      g_assert_cmpstr (json_object_get_string_member (result, "code"), ==, "invalid-input");
    }
  /* neither op was kept */
  account = crm_test_server_open_account (server);
  {
    g_autoptr(JsonObject) deal = crm_store_dup_entity (account, "deal",
                                                       "01a209b0-8205-799f-878e-17395e825099");

    g_assert_true (deal == NULL || json_object_get_boolean_member (deal, "deleted"));
  }

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, "{\"base\":0,\"ops\":[]}\xff", -1);
  g_assert_cmpuint (answer.status, ==, 400);
  request (server, &answer, "GET", CRM_PROTOCOL_PATH_PULL "?since=-5", "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 400);
  g_assert_cmpstr (error_code (&answer), ==, "invalid-input");
  request (server, &answer, "GET", CRM_PROTOCOL_PATH_PULL "?limit=lots", "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 400);
  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "2", NULL, "{\"user\":[]}", -1);
  g_assert_cmpuint (answer.status, ==, 400);

  /* unknown endpoints and methods */
  request (server, &answer, "GET", "/api/v1/nothing", "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 404);
  g_assert_cmpstr (error_code (&answer), ==, "not-found");
  request (server, &answer, "GET", "/", NULL, NULL, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 404);
  request (server, &answer, "GET", CRM_PROTOCOL_PATH_PUSH, "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 405);
  g_assert_cmpstr (error_code (&answer), ==, "method-not-allowed");
  assert_still_serving (server);
}

static void
test_schema (void)
{
  g_auto(Answer) answer = { 0 };
  const char *body = "{\"user\":\"admin\",\"password\":\"admin-pw\"}";

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "99", NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 409);
  g_assert_cmpstr (error_code (&answer), ==, "schema-too-new");
  g_assert_nonnull (strstr (json_object_get_string_member (
    json_object_get_object_member (answer.body, "error"), "message"), "update"));

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "0", NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 426);
  g_assert_cmpstr (error_code (&answer), ==, "update-required");
  g_assert_nonnull (strstr (json_object_get_string_member (
    json_object_get_object_member (answer.body, "error"), "message"), "update the app"));

  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 400);
  request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, "two", NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 400);
  assert_still_serving (server);
}

static void
test_limits (void)
{
  const char *args[] = { "--max-body", "65536", "--rate", "0.5", "--burst", "8",
                         "--tick-interval", "1", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "strict", NULL);
  g_autoptr(CrmTestServer) strict = NULL;
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = NULL;
  g_autoptr(GString) big = g_string_new ("{\"base\":0,\"ops\":[],\"pad\":\"");
  guint limited = 0;

  g_assert_cmpint (crm_test_server_admin (dir, "boss-password", "account", "create", "strict", "--admin",
                                          "boss", "--password-stdin", NULL), ==, 0);
  strict = crm_test_server_start (dir, FALSE, args);
  token = sign_in (strict, "boss", "boss-password");

  while (big->len < 200 * 1024)
    g_string_append (big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  request (strict, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, big->str, big->len);
  g_assert_cmpuint (answer.status, ==, 413);
  g_assert_cmpstr (error_code (&answer), ==, "too-large");
  assert_still_serving (strict);

  /* a burst of 8, then 0.5 per second: the rest of 20 quick requests are told to wait */
  for (guint i = 0; i < 20; i++)
    {
      request (strict, &answer, "GET", CRM_PROTOCOL_PATH_PULL, "2", token, NULL, 0);
      if (answer.status == 429)
        {
          g_assert_cmpstr (error_code (&answer), ==, "rate-limited");
          limited++;
        }
      else
        g_assert_cmpuint (answer.status, ==, 200);
    }
  g_assert_cmpuint (limited, >=, 10);
  assert_still_serving (strict);

  /* the timer (every second here) runs the timer rules and keeps a snapshot ready for
   * new devices, without a word of complaint */
  {
    g_autofree char *snapshots = g_build_filename (dir, "snapshots", NULL);
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gboolean ready = FALSE;

    while (!ready && g_get_monotonic_time () < deadline)
      {
        g_autoptr(GDir) handle = g_dir_open (snapshots, 0, NULL);
        const char *name;

        while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
          ready |= g_str_has_suffix (name, ".db.zst");
        if (!ready)
          g_usleep (50 * 1000);
      }
    g_assert_true (ready);
  }

  /* SIGTERM stops it cleanly */
  g_assert_cmpint (crm_test_server_stop (strict), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (strict, "voronka-server: stopped", NULL), ==, 1);
  /* one log line per request */
  g_assert_cmpuint (crm_test_server_count_log (strict, "/api/v1/sync/pull", NULL), ==, 20);
  g_assert_cmpuint (crm_test_server_count_log (strict, "WARNING", NULL), ==, 0);
}

static void
test_pages_and_snapshot (void)
{
  g_auto(Answer) answer = { 0 };
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  g_autofree char *range = NULL;
  g_autofree char *sixth = NULL;
  g_autofree char *seventh = NULL;
  JsonArray *ops;
  gint64 head, size;
  const char *etag;

  request (server, &answer, "GET", CRM_PROTOCOL_PATH_PULL "?since=0&limit=7", "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  ops = json_object_get_array_member (answer.body, "ops");
  g_assert_cmpuint (json_array_get_length (ops), ==, 7);
  g_assert_true (json_object_get_boolean_member (answer.body, "more"));
  g_assert_cmpint (json_object_get_int_member (answer.body, "next"), ==, 7);
  head = json_object_get_int_member (answer.body, "head");
  g_assert_cmpint (head, >, 7);
  for (guint i = 0; i < 7; i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (ops, i), "seq"),
                     ==, i + 1);
  sixth = g_strdup (json_object_get_string_member (json_array_get_object_element (ops, 5), "op"));
  seventh = g_strdup (json_object_get_string_member (json_array_get_object_element (ops, 6), "op"));

  {
    g_autofree char *last = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=%" G_GINT64_FORMAT, head);
    request (server, &answer, "GET", last, "2", token, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 200);
    g_assert_false (json_object_get_boolean_member (answer.body, "more"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (answer.body, "ops")), ==, 0);
  }
  /* the op the device holds at its cursor: the server numbers the same one so, or it
   * lost ops it had acknowledged (410 server-restored, reason lost-ops: the device sends
   * everything again, shared 0) */
  {
    g_autofree char *same = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=7&since_op=%s&limit=3",
                                             seventh);
    g_autofree char *other = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=7&since_op=%s",
                                              sixth);
    g_autofree char *beyond = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=999999&since_op=%s",
                                               sixth);
    g_autofree char *huge = g_strnfill (8000, 'f');
    g_autofree char *long_op = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=7&since_op=%s",
                                                huge);
    const char *const malformed[] = {
      CRM_PROTOCOL_PATH_PULL "?since=7&since_op=",
      CRM_PROTOCOL_PATH_PULL "?since=7&since_op=01a209b0-8205-78b5-8923",
      CRM_PROTOCOL_PATH_PULL "?since=7&since_op=01a209b0-8205-78b5-8923-c0b894a360bZ",
      CRM_PROTOCOL_PATH_PULL "?since=7&since_op=%22%3E%3Cscript%3E",
      CRM_PROTOCOL_PATH_PULL "?since=0&since_op=01a209b0-8205-78b5-8923-c0b894a360b4",
    };
    JsonObject *error;

    request (server, &answer, "GET", same, "2", token, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
      json_object_get_array_member (answer.body, "ops"), 0), "seq"), ==, 8);

    request (server, &answer, "GET", other, "2", token, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 410);
    g_assert_cmpstr (error_code (&answer), ==, "server-restored");
    error = json_object_get_object_member (answer.body, "error");
    g_assert_cmpstr (json_object_get_string_member (error, "reason"), ==,
                     CRM_PROTOCOL_REASON_LOST_OPS);
    g_assert_cmpint (json_object_get_int_member (error, "shared"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (error, "head"), ==, head);
    g_assert_nonnull (json_object_get_string_member (error, "epoch"));
    g_assert_nonnull (strstr (json_object_get_string_member (error, "message"),
                              "lost changes it had already acknowledged"));
    g_assert_cmpuint (crm_test_server_count_log (server, "lost ops it had acknowledged", sixth,
                                                 NULL), ==, 1);

    /* past the head the pull says so itself, as without the op */
    request (server, &answer, "GET", beyond, "2", token, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 410);
    g_assert_cmpstr (error_code (&answer), ==, "snapshot-required");

    for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
      {
        request (server, &answer, "GET", malformed[i], "2", token, NULL, 0);
        g_assert_cmpuint (answer.status, ==, 400);
        g_assert_cmpstr (error_code (&answer), ==, "invalid-input");
        g_assert_nonnull (strstr (json_object_get_string_member (
          json_object_get_object_member (answer.body, "error"), "message"), "since_op"));
      }
    /* a long one is refused whole, never echoed back */
    request (server, &answer, "GET", long_op, "2", token, NULL, 0);
    g_assert_cmpuint (answer.status, >=, 400);
    g_assert_cmpuint (answer.status, <, 500);
    if (answer.bytes != NULL)
      g_assert_null (g_strstr_len (g_bytes_get_data (answer.bytes, NULL),
                                   g_bytes_get_size (answer.bytes), "ffffffffff"));
  }

  /* a cursor beyond the server's history: the client must take a fresh copy */
  request (server, &answer, "GET", CRM_PROTOCOL_PATH_PULL "?since=999999", "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 410);
  g_assert_cmpstr (error_code (&answer), ==, "snapshot-required");

  request (server, &answer, "GET", CRM_PROTOCOL_PATH_SNAPSHOT, "2", token, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (answer.headers, NULL), ==,
                   CRM_PROTOCOL_SNAPSHOT_TYPE);
  g_assert_nonnull (soup_message_headers_get_one (answer.headers, CRM_PROTOCOL_SEQ_HEADER));
  etag = soup_message_headers_get_one (answer.headers, "ETag");
  g_assert_nonnull (etag);
  size = g_bytes_get_size (answer.bytes);
  g_assert_cmpint (size, >, 1000);

  /* resumable: a range of the same snapshot */
  {
    g_autoptr(SoupSession) session = new_session (server);
    g_autofree char *url = g_strconcat (server->url, CRM_PROTOCOL_PATH_SNAPSHOT, NULL);
    g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) tail = NULL;
    g_autoptr(GError) error = NULL;
    SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

    soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, "2");
    soup_message_headers_replace (headers, "Authorization", bearer);
    soup_message_headers_replace (headers, "If-Range", etag);
    soup_message_headers_set_range (headers, 1000, -1);
    tail = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 206);
    g_assert_cmpint (g_bytes_get_size (tail), ==, size - 1000);
    g_assert_cmpmem ((const char *) g_bytes_get_data (answer.bytes, NULL) + 1000, size - 1000,
                     g_bytes_get_data (tail, NULL), g_bytes_get_size (tail));
  }
}

static void
test_idempotent_push (void)
{
  g_autoptr(CrmStore) store = new_replica ("idem.db", "admin", "admin-pw");
  g_autofree char *token = sign_in (server, "admin", "admin-pw");
  g_autofree char *deal = add_deal (store, "Idempotent", NULL);
  g_autoptr(GPtrArray) ops = crm_sync_state_dup_outbox (store, 100, NULL);
  g_autoptr(JsonNode) node = crm_push_request_to_json (0, ops);
  g_autofree char *body = json_to_string (node, FALSE);
  g_auto(Answer) first = { 0 };
  g_auto(Answer) second = { 0 };
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autofree char *state_after_first = NULL;

  request (server, &first, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, body, -1);
  g_assert_cmpuint (first.status, ==, 200);
  account = crm_test_server_open_account (server);
  state_after_first = crm_test_dump (account);
  request (server, &second, "POST", CRM_PROTOCOL_PATH_PUSH, "2", token, body, -1);
  g_assert_cmpuint (second.status, ==, 200);
  /* the same answer, and nothing new on the server */
  a = json_to_string (json_object_get_member (first.body, "results"), FALSE);
  b = json_to_string (json_object_get_member (second.body, "results"), FALSE);
  g_assert_cmpstr (a, ==, b);
  {
    g_autofree char *state = crm_test_dump (account);
    g_assert_cmpstr (state, ==, state_after_first);
  }
  /* the deal got its number once */
  {
    g_autoptr(JsonObject) deal_row = crm_store_dup_entity (account, "deal", deal);
    g_assert_cmpint (json_object_get_int_member (deal_row, "number"), >, 0);
  }
}

static void
test_clock_ahead (void)
{
  g_autoptr(CrmStore) store = new_replica ("ahead.db", "admin", "admin-pw");
  g_autoptr(CrmStore) other = new_replica ("normal.db", "manager", "manager-pw");
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *deal = NULL;
  gint64 now = crm_time_now_ms ();
  CrmOp *op;

  /* this laptop's clock is a year ahead */
  crm_store_set_now (store, now + 365 * CRM_MS_PER_DAY);
  deal = add_deal (store, "From the future", NULL);
  crm_store_set_now (store, 0);
  report = sync_as ("ahead.db", "admin", "admin-pw");
  g_assert_cmpuint (report->rejected, ==, 0);

  /* the server re-stamped it, and the replica took the new clock */
  log = crm_store_dup_entity_log (store, deal, NULL);
  op = log->pdata[0];
  g_assert_cmpint (crm_hlc_physical (op->hlc), <, crm_time_now_ms () + CRM_PROTOCOL_MAX_CLOCK_AHEAD_MS);
  assert_same_as_server (store);

  /* so an edit made later with a correct clock wins */
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_as ("normal.db", "manager", "manager-pw");
  g_usleep (2000);
  apply_field (other, "deal", deal, "title", json_node_init_string (json_node_alloc (), "Present"));
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_as ("normal.db", "manager", "manager-pw");
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_as ("ahead.db", "admin", "admin-pw");
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_cmpstr (json_object_get_string_member (row, "title"), ==, "Present");
  assert_same_as_server (store);
  assert_same_as_server (other);
}

/* The app's header counts with crm_sync_state_count_*(); `voronkactl status` must say
 * the same numbers about the same replica: one definition of a conflict and of a
 * rejected change (one per change, however many fields it had). */
static void
assert_counts_agree (CrmStore   *store,
                     const char *path,
                     gint64      conflicts,
                     gint64      rejected)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GError) error = NULL;
  gint64 app_conflicts = -1, app_rejected = -1;
  JsonObject *status;

  g_assert_true (crm_sync_state_count_conflicts (store, TRUE, &app_conflicts, &error));
  g_assert_true (crm_sync_state_count_rejected (store, TRUE, &app_rejected, &error));
  g_assert_no_error (error);
  crm_test_run_cli (&run, "--db", path, "--json", "status", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json = crm_test_parse_json (run.out);
  status = json_node_get_object (json);
  g_assert_cmpint (json_object_get_int_member (status, "conflicts"), ==, app_conflicts);
  g_assert_cmpint (json_object_get_int_member (status, "rejected"), ==, app_rejected);
  g_assert_cmpint (app_conflicts, ==, conflicts);
  g_assert_cmpint (app_rejected, ==, rejected);
}

static void
test_permission_round_trip (void)
{
  g_autoptr(CrmStore) admin = new_replica ("perm-admin.db", "admin", "admin-pw");
  g_autoptr(CrmStore) rep = new_replica ("perm-rep.db", "Денис Морозов", "rep-password");
  g_autofree char *maria = resolve (admin, "user", "Мария Кузнецова");
  g_autofree char *deal = add_deal (admin, "Марии сделка", maria);
  g_autofree char *own_deal = NULL;
  g_autofree char *denis = resolve (rep, "user", "Денис Морозов");
  g_autoptr(JsonNode) rules = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonArray) conflicts = NULL;
  g_autoptr(JsonObject) rule = NULL;
  g_autoptr(JsonObject) deal_row = NULL;
  const char *rule_id;
  JsonArray *list;
  guint rejected_rule = 0, rejected_deal = 0;

  report = sync_as ("perm-admin.db", "admin", "admin-pw");
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_as ("perm-rep.db", "Денис Морозов", "rep-password");
  g_clear_pointer (&report, crm_sync_report_free);

  /* offline, the rep turns a rule off (this replica's own gate is bypassed, as a modified
   * or outdated app would), edits Maria's deal, and works on a deal of his own */
  rules = crm_rules_list (rep, NULL);
  rule_id = json_object_get_string_member (json_array_get_object_element (json_node_get_array (rules), 0), "id");
  apply_field (rep, "rule", rule_id, "enabled", json_node_init_boolean (json_node_alloc (), FALSE));
  {
    /* one change of two fields: one rejected change, listed field by field */
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

    crm_change_set_string (change, "title", "Моя теперь");
    crm_change_set_int (change, "amount", 777700);
    g_assert_true (crm_store_apply (rep, changeset, &error));
    g_assert_no_error (error);
  }
  own_deal = add_deal (rep, "Своя сделка", denis);

  report = sync_as ("perm-rep.db", "Денис Морозов", "rep-password");
  g_assert_cmpuint (report->rejected, ==, 2);

  /* restored on the rep's replica… */
  rule = crm_store_dup_entity (rep, "rule", rule_id);
  g_assert_true (json_object_get_boolean_member (rule, "enabled"));
  deal_row = crm_store_dup_entity (rep, "deal", deal);
  g_assert_cmpstr (json_object_get_string_member (deal_row, "title"), ==, "Марии сделка");
  g_clear_pointer (&deal_row, json_object_unref);
  /* …his own work went through… */
  deal_row = crm_store_dup_entity (rep, "deal", own_deal);
  g_assert_cmpint (json_object_get_int_member (deal_row, "number"), >, 0);
  /* …and listed, with the reason */
  conflicts = crm_sync_state_list_conflicts (rep, TRUE, 0, NULL);
  list = conflicts;
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);

      g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "rejected");
      g_assert_cmpstr (json_object_get_string_member (item, "code"), ==, "permission-denied");
      if (g_str_equal (json_object_get_string_member (item, "entity"), "rule"))
        {
          rejected_rule++;
          g_assert_false (json_object_get_boolean_member (item, "local"));
          g_assert_true (json_object_get_boolean_member (item, "remote"));
          g_assert_nonnull (strstr (json_object_get_string_member (item, "reason"), "administrator"));
        }
      else
        rejected_deal++;
    }
  g_assert_cmpuint (rejected_rule, ==, 1);
  g_assert_cmpuint (rejected_deal, ==, 2);
  assert_same_as_server (rep);

  /* the server's rule never changed; the admin's replica agrees after its sync */
  g_clear_pointer (&report, crm_sync_report_free);
  report = sync_as ("perm-admin.db", "admin", "admin-pw");
  g_clear_pointer (&rule, json_object_unref);
  rule = crm_store_dup_entity (admin, "rule", rule_id);
  g_assert_true (json_object_get_boolean_member (rule, "enabled"));
  assert_same_as_server (admin);

  /* the CLI lists it too */
  {
    g_autofree char *path = replica_path ("perm-rep.db");
    g_auto(CrmTestRun) run = { 0 };
    g_autoptr(JsonNode) json = NULL;

    crm_test_run_cli (&run, "--db", path, "--json", "conflicts", NULL);
    g_assert_cmpint (run.status, ==, 0);
    json = crm_test_parse_json (run.out);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (json)), ==, 3);
    crm_test_run_cli (&run, "--db", path, "--json", "status", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_clear_pointer (&json, json_node_unref);
    json = crm_test_parse_json (run.out);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "waiting"), ==, 0);
    assert_counts_agree (rep, path, 0, 2);

    /* seen from the CLI: the app stops counting them too */
    crm_test_run_cli (&run, "--db", path, "--json", "conflicts", "--mark-seen", NULL);
    g_assert_cmpint (run.status, ==, 0);
    assert_counts_agree (rep, path, 0, 0);
  }
}

static void
test_plain_http (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "plain", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "plain.db", NULL);
  g_autoptr(CrmTestServer) plain = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (crm_test_server_admin (dir, "boss-password", "account", "create", "plain", "--admin",
                                          "boss", "--password-stdin", NULL), ==, 0);
  plain = crm_test_server_start (dir, TRUE, NULL);
  g_assert_true (g_str_has_prefix (plain->url, "http://127.0.0.1:"));
  client = crm_test_client_new (plain, path, "boss", "boss-password");
  report = crm_test_sync (client);
  g_assert_true (report->snapshot);

  /* without permission a client refuses plain HTTP before sending anything */
  crm_sync_client_set_allow_insecure (client, FALSE);
  g_assert_null (crm_sync_client_sync (client, NULL, &error));
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT);
  g_assert_cmpint (crm_test_server_stop (plain), ==, 0);

  /* a TLS client that does not trust the certificate gets a clear error */
  {
    g_autoptr(CrmSyncClient) untrusting = crm_sync_client_new (path, server->url, "admin");
    g_autoptr(GError) tls_error = NULL;

    crm_sync_client_set_password (untrusting, "admin-pw");
    g_assert_null (crm_sync_client_sync (untrusting, NULL, &tls_error));
    g_assert_error (tls_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE);
    g_assert_nonnull (strstr (tls_error->message, "--ca-file"));
  }
}

/* Timer rules run on the server by themselves (--tick-interval): a request nobody took
 * into work is reported once, and the report reaches the client with the next sync. */
static const char timer_template[] =
  "{\"name\": \"timers\", \"title\": \"SLA\","
  " \"users\": [{\"name\": \"admin\", \"role\": \"admin\"}],"
  " \"pipelines\": [{\"name\": \"Заявки\", \"stages\": ["
  "   {\"name\": \"Новая\", \"kind\": \"unsorted\"}, {\"name\": \"В работе\", \"kind\": \"open\"},"
  "   {\"name\": \"Успех\", \"kind\": \"won\"}, {\"name\": \"Провал\", \"kind\": \"lost\"}]}],"
  " \"loss_reasons\": [\"Другое\"],"
  " \"rules\": [{\"name\": \"SLA\", \"trigger\": {\"type\": \"timer\", \"from\": \"stage_entered\","
  "   \"pipeline\": \"Заявки\", \"stage\": \"Новая\", \"after\": {\"minutes\": 0}},"
  "   \"actions\": [{\"type\": \"notify\", \"user\": \"admin\","
  "     \"text\": \"Заявку не взяли в работу: {title}\"}]}]}";

static guint
count_notifications (CrmStore   *store,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = crm_store_dup_log (store, 0, &error);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_no_error (error);
  for (guint i = 0; i < log->len; i++)
    {
      CrmOp *op = log->pdata[i];

      if (g_str_equal (op->entity, "notification") &&
          g_strcmp0 (json_object_get_string_member_with_default (op->fields, "text", NULL),
                     text) == 0)
        {
          g_assert_nonnull (op->rule);
          g_hash_table_add (ids, op->entity_id);
        }
    }
  return g_hash_table_size (ids);
}

static void
test_timer_rules (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "timers", NULL);
  g_autofree char *template_path = g_build_filename (tmpdir, "timers.json", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "timers-client.db", NULL);
  const char *args[] = { "--tick-interval", "1", NULL };
  g_autoptr(CrmTestServer) timers = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(CrmSyncReport) first = NULL;
  g_autoptr(CrmSyncReport) second = NULL;
  g_autoptr(CrmSyncReport) third = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (template_path, timer_template, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_server_admin (dir, "boss-password", "account", "create", "sla", "--template",
                                          template_path, "--admin", "boss", "--password-stdin",
                                          NULL), ==, 0);
  timers = crm_test_server_start (dir, FALSE, args);
  client = crm_test_client_new (timers, path, "boss", "boss-password");
  first = crm_test_sync (client);
  g_assert_true (first->snapshot);

  /* a new request, made offline on the laptop, then pushed */
  store = crm_test_open (path);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Заявки", NULL, &error);
    g_autofree char *stage = crm_query_resolve (store, "stage", "Новая", pipeline, &error);
    g_autofree char *id = crm_store_new_id (store);
    CrmChange *change = crm_changeset_create (changeset, "deal", id);

    g_assert_no_error (error);
    crm_change_set_string (change, "title", "Кофемашина для офиса");
    crm_change_set_string (change, "pipeline", pipeline);
    crm_change_set_string (change, "stage", stage);
    crm_change_set_int (change, "stage_entered_at", crm_time_now_ms ());
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  g_clear_object (&store);
  second = crm_test_sync (client);
  g_assert_cmpuint (second->pushed, >=, 1);

  /* the server's own ticks find it, once, however many ticks follow */
  g_assert_true (crm_test_server_wait_log (timers, 1, 30.0, "tick: 1 timer rule", NULL));
  g_usleep (2500 * 1000);
  g_assert_cmpuint (crm_test_server_count_log (timers, "tick: ", NULL), ==, 1);

  third = crm_test_sync (client);
  store = crm_test_open (path);
  g_assert_cmpuint (count_notifications (store,
                                         "Заявку не взяли в работу: Кофемашина для офиса"),
                    ==, 1);
  g_assert_cmpint (crm_test_server_stop (timers), ==, 0);
}

/* The "id" of the object @node holds; takes @node. */
static char *
take_id (JsonNode *node)
{
  g_autoptr(JsonNode) owned = node;

  return crm_test_dup_id (owned);
}

/* On the server too, one deal whose timer run a gate refuses (the stage the rule moves it
 * to needs a field it lacks) stops no other deal's run: the server's tick moves the deal
 * that has the field, leaves the other as it was, logs the refusal once and leaves a
 * notification, both of which reach the laptop with its next sync. A laptop that ran the
 * timer itself, offline, has its op accepted (a rule of several "triggers" is a timer
 * rule too). */
static const char refused_template[] =
  "{\"name\": \"refusals\", \"title\": \"SLA\","
  " \"users\": [{\"name\": \"admin\", \"role\": \"admin\"}],"
  " \"pipelines\": [{\"name\": \"Заявки\", \"stages\": ["
  "   {\"name\": \"Новая\", \"kind\": \"unsorted\"}, {\"name\": \"В работе\", \"kind\": \"open\"},"
  "   {\"name\": \"Успех\", \"kind\": \"won\"}, {\"name\": \"Провал\", \"kind\": \"lost\"}]}],"
  " \"loss_reasons\": [\"Другое\"],"
  " \"fields\": [{\"entity\": \"deal\", \"key\": \"contract\", \"label\": \"Номер договора\","
  "   \"type\": \"text\", \"required_at\": [{\"pipeline\": \"Заявки\", \"stage\": \"В работе\"}]}],"
  " \"rules\": [{\"name\": \"В работу сразу\", \"triggers\": [{\"type\": \"timer\","
  "   \"from\": \"stage_entered\", \"pipeline\": \"Заявки\", \"stage\": \"Новая\","
  "   \"after\": {\"minutes\": 0}}],"
  "   \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Заявки\", \"stage\": \"В работе\"}]}]}";

static void
test_timer_refused (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "refusals", NULL);
  g_autofree char *template_path = g_build_filename (tmpdir, "refusals.json", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "refusals-client.db", NULL);
  const char *args[] = { "--tick-interval", "1", NULL };
  g_autoptr(CrmTestServer) timers = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(JsonObject) with = NULL;
  g_autoptr(JsonObject) without = NULL;
  g_autoptr(JsonNode) notifications = NULL;
  g_autofree char *with_id = NULL;
  g_autofree char *without_id = NULL;
  g_autofree char *third_id = NULL;
  g_autoptr(JsonObject) third = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *notification;

  g_file_set_contents (template_path, refused_template, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_server_admin (dir, "boss-password", "account", "create", "refusals",
                                          "--template", template_path, "--admin", "boss",
                                          "--password-stdin", NULL), ==, 0);
  timers = crm_test_server_start (dir, FALSE, args);
  client = crm_test_client_new (timers, path, "boss", "boss-password");
  crm_sync_report_free (crm_test_sync (client));

  /* two requests made offline, one with its contract number, one without, pushed at once */
  with_id = take_id (crm_test_ctl_ok (path, NULL, "deal", "add", "--pipeline", "Заявки",
                                              "--title", "С договором", "--field",
                                              "contract=Д-17", NULL));
  without_id = take_id (crm_test_ctl_ok (path, NULL, "deal", "add", "--pipeline", "Заявки",
                                                 "--title", "Без договора", NULL));
  crm_sync_report_free (crm_test_sync (client));

  /* the server's tick runs the one and reports the other, once */
  g_assert_true (crm_test_server_wait_log (timers, 1, 30.0, "tick: 1 timer rule", NULL));
  g_assert_true (crm_test_server_wait_log (timers, 1, 30.0, "refused for deal", without_id));
  g_assert_cmpuint (crm_test_server_count_log (timers, "refused for deal", NULL), ==, 1);
  g_assert_cmpuint (crm_test_server_count_log (timers, "Timer rules of account", NULL), ==, 0);

  crm_sync_report_free (crm_test_sync (client));
  with = crm_test_take_object (crm_test_ctl_ok (path, NULL, "deal", "show", with_id, NULL));
  without = crm_test_take_object (crm_test_ctl_ok (path, NULL, "deal", "show", without_id, NULL));
  g_assert_cmpstr (json_object_get_string_member (with, "stage"), ==, "В работе");
  g_assert_cmpstr (json_object_get_string_member (without, "stage"), ==, "Новая");
  notifications = crm_test_ctl_ok (path, NULL, "notification", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 1);
  notification = json_array_get_object_element (json_node_get_array (notifications), 0);
  g_assert_cmpstr (json_object_get_string_member (notification, "deal"), ==, without_id);
  g_assert_nonnull (strstr (json_object_get_string_member (notification, "text"), "В работу сразу"));
  g_assert_nonnull (strstr (json_object_get_string_member (notification, "text"),
                            "Номер договора"));
  /* still once, however many ticks followed */
  g_assert_cmpuint (crm_test_server_count_log (timers, "refused for deal", NULL), ==, 1);

  /* offline, the laptop's own tick moves a new request; the server takes the move */
  third_id = take_id (crm_test_ctl_ok (path, NULL, "deal", "add", "--pipeline", "Заявки",
                                       "--title", "Ещё с договором", "--field", "contract=Д-18",
                                       NULL));
  json_node_unref (crm_test_ctl_ok (path, NULL, "tick", NULL));
  third = crm_test_take_object (crm_test_ctl_ok (path, NULL, "deal", "show", third_id, NULL));
  g_assert_cmpstr (json_object_get_string_member (third, "stage"), ==, "В работе");
  report = crm_test_sync (client);
  g_assert_cmpuint (report->pushed, ==, 2);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_assert_cmpint (crm_test_server_stop (timers), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, &data_dir);

  g_test_add_func ("/server/sign-in", test_sign_in);
  g_test_add_func ("/server/tokens", test_tokens);
  g_test_add_func ("/server/malformed", test_malformed);
  g_test_add_func ("/server/schema", test_schema);
  g_test_add_func ("/server/limits", test_limits);
  g_test_add_func ("/server/pages-and-snapshot", test_pages_and_snapshot);
  g_test_add_func ("/server/idempotent-push", test_idempotent_push);
  g_test_add_func ("/server/clock-ahead", test_clock_ahead);
  g_test_add_func ("/server/permission-round-trip", test_permission_round_trip);
  g_test_add_func ("/server/plain-http", test_plain_http);
  g_test_add_func ("/server/timer-rules", test_timer_rules);
  g_test_add_func ("/server/timer-refused", test_timer_refused);
  status = g_test_run ();

  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  return status;
}
