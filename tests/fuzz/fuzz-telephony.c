/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-telephony.c — what a PBX sends (docs/telephony.md): each input, and mutations of it
 * (bytes flipped, cut, spliced with JSON tokens, a member's value swapped for another
 * type), is POSTed with the account's token to /api/v1/telephony/route and /event of a
 * real voronka-server on 127.0.0.1 (started once, from $VORONKA_SERVER). Every answer is
 * 200, or a 4xx carrying {"error":{"code","message"}} with a message a person can read
 * (UTF-8, not empty) — never a 5xx, never a closed connection; a refused body leaves the
 * account exactly as it was (its state dumped before and after); and the server still
 * routes a good call at the end. The mutations are seeded from the input, so a replay
 * sends the same requests every time. */
#include <stdlib.h>

#include "fuzz-common.h"

#include "crm-store.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define MUTATIONS 12

static CrmTestServer *server;
static SoupSession *session;
static char *tmpdir;
static char *token;
static char *last_state;
static guint n_requests;

static char *
account_state (void)
{
  g_autoptr(CrmStore) store = crm_test_server_open_account (server);

  return crm_test_dump (store);
}

static void
stop_server (void)
{
  CrmTestAnswer answer = { 0 };
  const char *good = "{\"call_id\":\"fuzz-final\",\"from\":\"+79120000001\"}";

  if (server == NULL)
    return;
  /* still serving: a good call is routed */
  crm_test_http_send_on (session, server, &answer, "POST", "/api/v1/telephony/route", token,
                         good, -1);
  if (answer.status != 200 || answer.body == NULL ||
      !json_object_has_member (answer.body, "ring"))
    g_error ("after %u fuzzed requests a good route is answered %u", n_requests, answer.status);
  crm_test_answer_clear (&answer);
  g_clear_object (&session);
  crm_test_server_tear_down (server, tmpdir, 0);
  server = NULL;
  g_free (token);
  g_free (last_state);
}

static void
start_server (void)
{
  g_autofree char *data = NULL;
  const char *binary = g_getenv ("VORONKA_SERVER");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (binary == NULL)
    g_error ("set VORONKA_SERVER to the voronka-server program to fuzz");
  server = crm_test_server_set_up (&tmpdir, &data);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, binary, "--data", data, "telephony", "token", "acme", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (process) != 0)
    g_error ("telephony token failed: %s", err);
  token = g_strdup (g_strstrip (out));
  session = crm_test_http_session_new (server);
  last_state = account_state ();
  atexit (stop_server);
}

static gboolean
is_utf8_text (const char *text)
{
  return text != NULL && *text != '\0' && g_utf8_validate (text, -1, NULL);
}

/* One request: the answer must be 200 or a clear 4xx, and a refusal changes nothing. */
static void
send_body (const char *endpoint,
           const guint8 *body,
           gsize         length)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *path = g_strconcat ("/api/v1/telephony/", endpoint, NULL);
  g_autofree char *state = NULL;

  /* an empty body is sent as one with nothing in it, not as no body */
  crm_test_http_send_on (session, server, &answer, "POST", path, token,
                         length > 0 ? (const char *) body : "", (gssize) length);
  n_requests++;
  if (answer.status == 200)
    {
      g_assert_nonnull (answer.body);
      g_free (last_state);
      last_state = account_state ();
      return;
    }
  if (answer.status < 400 || answer.status >= 500)
    g_error ("POST %s: %u for a body of %" G_GSIZE_FORMAT " bytes", path, answer.status, length);
  g_assert_cmpuint (answer.status, !=, 429);
  if (answer.body == NULL)
    g_error ("POST %s: %u without a JSON error", path, answer.status);
  g_assert_true (is_utf8_text (crm_test_answer_error_code (&answer)));
  g_assert_true (is_utf8_text (crm_test_answer_error_message (&answer)));
  state = account_state ();
  if (g_strcmp0 (state, last_state) != 0)
    g_error ("POST %s: refused (%u, %s) but the account changed", path, answer.status,
             crm_test_answer_error_message (&answer));
}

static void
send_both (const guint8 *body,
           gsize         length)
{
  send_body ("route", body, length);
  send_body ("event", body, length);
}

/* ---- mutations ---- */

static const char *const tokens[] = {
  "\"", "{", "}", "[", "]", ",", ":", "null", "true", "false", "0", "-1", "1e999",
  "9223372036854775808", "\"\\u0000\"", "\"\\ud800\"", "\"call_id\"", "\"event\"",
  "\"answered\"", "\"ended\"", "\"recording\"", "\"ringing\"", "\"user\"", "\"from\"",
  "\"at\"", "\"recording_url\"", "\"Мария Кузнецова\"", "\"anonymous\"", "\"+7\"",
  "\"8 (912) 111-22-33\"", "\"2026-12-07T10:00:00Z\"", "\xff", "\xc3", "\\", "\"\\\"",
};

static const char *const fields[] = {
  "call_id", "event", "from", "to", "user", "at", "recording_url", "extra",
};

static JsonNode *
random_value (GRand *rand)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  switch (g_rand_int_range (rand, 0, 14))
    {
    case 0: json_node_set_int (node, 0); break;
    case 1: json_node_set_int (node, -1); break;
    case 2: json_node_set_int (node, G_MAXINT64); break;
    case 3: json_node_set_double (node, 1.5); break;
    case 4: json_node_set_string (node, ""); break;
    case 5:
      {
        g_autofree char *long_text = g_strnfill (g_rand_int_range (rand, 190, 1100), '7');

        json_node_set_string (node, long_text);
      }
      break;
    case 6: json_node_set_boolean (node, TRUE); break;
    case 7: json_node_set_string (node, "2026-13-45T99:99:99Z"); break;
    case 8: json_node_set_string (node, "anonymous"); break;
    case 9: json_node_set_string (node, "javascript:alert(1)"); break;
    case 10:
      json_node_free (node);
      node = json_node_new (JSON_NODE_NULL);
      break;
    case 11:
      json_node_free (node);
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, json_array_new ());
      break;
    case 12:
      json_node_free (node);
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, json_object_new ());
      break;
    default: json_node_set_string (node, "Мария Кузнецова"); break;
    }
  return node;
}

/* A member of the object @root gets a value of another kind (or goes, or a new one comes). */
static GByteArray *
mutate_member (JsonNode *root,
               GRand    *rand)
{
  g_autoptr(JsonNode) copy = json_node_copy (root);
  JsonObject *object = json_node_get_object (copy);
  g_autoptr(GList) members = json_object_get_members (object);
  guint n = g_list_length (members);
  g_autofree char *text = NULL;
  GByteArray *out = g_byte_array_new ();

  if (n == 0 || g_rand_int_range (rand, 0, 5) == 0)
    json_object_set_member (object, fields[g_rand_int_range (rand, 0, G_N_ELEMENTS (fields))],
                            random_value (rand));
  else
    {
      const char *name = g_list_nth_data (members, g_rand_int_range (rand, 0, n));

      if (g_rand_int_range (rand, 0, 6) == 0)
        json_object_remove_member (object, name);
      else
        json_object_set_member (object, name, random_value (rand));
    }
  text = json_to_string (copy, FALSE);
  g_byte_array_append (out, (const guint8 *) text, strlen (text));
  return out;
}

static GByteArray *
mutate_bytes (const guint8 *data,
              gsize         size,
              GRand        *rand)
{
  GByteArray *out = g_byte_array_new ();
  guint at = size > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) MIN (size, G_MAXINT32)) : 0;

  g_byte_array_append (out, data, size);
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0:   /* a byte flipped */
      if (size > 0)
        out->data[at] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
      break;
    case 1:   /* cut */
      g_byte_array_set_size (out, at);
      break;
    case 2:   /* a token spliced in */
      {
        const char *token_text = tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))];

        g_byte_array_set_size (out, at);
        g_byte_array_append (out, (const guint8 *) token_text, strlen (token_text));
        g_byte_array_append (out, data + at, size - at);
      }
      break;
    default:  /* a slice repeated */
      if (size > 0)
        {
          guint length = (guint) g_rand_int_range (rand, 0, (gint32) MIN (size - at, 64) + 1);

          g_byte_array_set_size (out, at + length);
          g_byte_array_append (out, data + at, size - at);
        }
      break;
    }
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GRand) rand = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint32 seed = 5381;

  fuzz_init ();
  if (size > 64 * 1024)
    return 0;
  if (server == NULL)
    start_server ();
  for (gsize i = 0; i < size; i++)
    seed = seed * 33 + data[i];
  rand = g_rand_new_with_seed (seed);
  if (g_utf8_validate ((const char *) data, size, NULL) && memchr (data, '\0', size) == NULL)
    {
      text = g_strndup ((const char *) data, size);
      root = json_from_string (text, NULL);
    }

  send_both (data, size);
  for (guint i = 0; i < MUTATIONS; i++)
    {
      g_autoptr(GByteArray) body = root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
                                   g_rand_boolean (rand)
                                   ? mutate_member (root, rand)
                                   : mutate_bytes (data, size, rand);

      send_both (body->data, body->len);
    }
  return 0;
}
