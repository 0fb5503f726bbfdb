/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-protocol.c — the sync protocol's wire format: what is encoded decodes to the same
 * thing, and malformed input of every kind is an INVALID_INPUT (or BAD_ANSWER) error that
 * names what is wrong — never a crash, a critical or a half-read request. */
#include <string.h>

#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-protocol.h"
#include "crm-uuid.h"

#define OP_ID     "01a209b0-8205-78b5-8923-c0b894a360b4"
#define ENTITY_ID "01a209b0-8205-799f-878e-17395e825014"
#define DEVICE    "01a209b0-81fd-7905-a056-7b07eef89a18"

static GBytes *
text (const char *json)
{
  return g_bytes_new (json, strlen (json));
}

static CrmOp *
sample_op (void)
{
  CrmOp *op = crm_op_new ();

  op->op_id = g_strdup (OP_ID);
  op->hlc = crm_hlc_make (1772445600000, 3);
  op->device = g_strdup (DEVICE);
  op->entity = g_strdup ("deal");
  op->entity_id = g_strdup (ENTITY_ID);
  json_object_set_string_member (op->fields, "title", "Volvo FH 460");
  json_object_set_int_member (op->fields, "amount", 520000000);
  json_object_set_string_member (op->fields, "future_field", "kept");
  op->actor = g_strdup (ENTITY_ID);
  return op;
}

static void
test_push_round_trip (void)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = -1;
  CrmOp *op;

  g_ptr_array_add (ops, sample_op ());
  node = crm_push_request_to_json (42, ops);
  bytes = crm_protocol_to_bytes (node);
  g_assert_true (crm_push_request_parse (bytes, &base, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (base, ==, 42);
  g_assert_cmpuint (parsed->len, ==, 1);
  op = parsed->pdata[0];
  g_assert_cmpstr (op->op_id, ==, OP_ID);
  g_assert_cmpuint (op->hlc, ==, crm_hlc_make (1772445600000, 3));
  g_assert_cmpstr (op->entity, ==, "deal");
  g_assert_cmpstr (json_object_get_string_member (op->fields, "title"), ==, "Volvo FH 460");
  g_assert_cmpint (json_object_get_int_member (op->fields, "amount"), ==, 520000000);
  /* fields this version does not know travel unchanged */
  g_assert_cmpstr (json_object_get_string_member (op->fields, "future_field"), ==, "kept");
}

static void
assert_push_invalid (const char   *json,
                     CrmSyncError  code,
                     const char   *mentions)
{
  g_autoptr(GBytes) bytes = text (json);
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = 0;

  g_assert_false (crm_push_request_parse (bytes, &base, &ops, &error));
  g_assert_error (error, CRM_SYNC_ERROR, (gint) code);
  g_assert_null (ops);
  if (mentions != NULL && strstr (error->message, mentions) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, mentions);
}

static void
test_push_malformed (void)
{
  g_autoptr(GString) many = g_string_new ("{\"base\":0,\"ops\":[");

  assert_push_invalid ("", CRM_SYNC_ERROR_INVALID_INPUT, "empty");
  assert_push_invalid ("{\"base\":0,\"ops\":[", CRM_SYNC_ERROR_INVALID_INPUT, "JSON");
  assert_push_invalid ("\xff\xfe{}", CRM_SYNC_ERROR_INVALID_INPUT, "UTF-8");
  assert_push_invalid ("[1,2,3]", CRM_SYNC_ERROR_INVALID_INPUT, "object");
  assert_push_invalid ("{\"ops\":[]}", CRM_SYNC_ERROR_INVALID_INPUT, "base");
  assert_push_invalid ("{\"base\":\"7\",\"ops\":[]}", CRM_SYNC_ERROR_INVALID_INPUT, "base");
  assert_push_invalid ("{\"base\":1.5,\"ops\":[]}", CRM_SYNC_ERROR_INVALID_INPUT, "base");
  assert_push_invalid ("{\"base\":-1,\"ops\":[]}", CRM_SYNC_ERROR_INVALID_INPUT, "base");
  assert_push_invalid ("{\"base\":0,\"ops\":{}}", CRM_SYNC_ERROR_INVALID_INPUT, "ops");
  assert_push_invalid ("{\"base\":0,\"ops\":[42]}", CRM_SYNC_ERROR_INVALID_INPUT, "ops[0]");
  assert_push_invalid ("{\"base\":0,\"ops\":[{\"op\":\"" OP_ID "\"}]}",
                       CRM_SYNC_ERROR_INVALID_INPUT, "ops[0]");
  /* a clock that is not 16 hex digits */
  assert_push_invalid ("{\"base\":0,\"ops\":[{\"op\":\"" OP_ID "\",\"hlc\":\"zz\",\"device\":\""
                       DEVICE "\",\"entity\":\"deal\",\"id\":\"" ENTITY_ID "\",\"fields\":{}}]}",
                       CRM_SYNC_ERROR_INVALID_INPUT, "clock");
  /* ids that are not ids */
  assert_push_invalid ("{\"base\":0,\"ops\":[{\"op\":\"x\",\"hlc\":\"01a209b082050000\","
                       "\"device\":\"" DEVICE "\",\"entity\":\"deal\",\"id\":\"" ENTITY_ID
                       "\",\"fields\":{}}]}", CRM_SYNC_ERROR_INVALID_INPUT, "ops[0]");
  /* fields must be an object */
  assert_push_invalid ("{\"base\":0,\"ops\":[{\"op\":\"" OP_ID "\",\"hlc\":\"01a209b082050000\","
                       "\"device\":\"" DEVICE "\",\"entity\":\"deal\",\"id\":\"" ENTITY_ID
                       "\",\"fields\":[1]}]}", CRM_SYNC_ERROR_INVALID_INPUT, "fields");
  /* the same op twice in one push */
  {
    const char *op = "{\"op\":\"" OP_ID "\",\"hlc\":\"01a209b082050000\",\"device\":\"" DEVICE
                     "\",\"entity\":\"deal\",\"id\":\"" ENTITY_ID "\",\"fields\":{}}";
    g_autofree char *twice = g_strdup_printf ("{\"base\":0,\"ops\":[%s,%s]}", op, op);
    assert_push_invalid (twice, CRM_SYNC_ERROR_INVALID_INPUT, "twice");
  }
  /* too many ops is "too large", not "invalid" */
  for (guint i = 0; i <= CRM_PROTOCOL_MAX_PUSH_OPS; i++)
    g_string_append_printf (many, "%s{}", i ? "," : "");
  g_string_append (many, "]}");
  assert_push_invalid (many->str, CRM_SYNC_ERROR_TOO_LARGE, "batches");
}

static void
test_push_response (void)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_push_result_free);
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CrmPushResult *accepted = crm_push_result_new ();
  CrmPushResult *rejected = crm_push_result_new ();
  CrmPushResult *result;
  gint64 head = 0;
  guint64 hlc = 0;

  accepted->op_id = g_strdup (OP_ID);
  accepted->accepted = TRUE;
  accepted->seq = 17;
  accepted->hlc = crm_hlc_make (1772445600001, 0);
  rejected->op_id = g_strdup (ENTITY_ID);
  rejected->code = g_strdup ("permission-denied");
  rejected->message = g_strdup ("Only an administrator can change automation rules");
  rejected->values = json_object_new ();
  json_object_set_boolean_member (rejected->values, "enabled", TRUE);
  rejected->corrective = sample_op ();
  g_ptr_array_add (results, accepted);
  g_ptr_array_add (results, rejected);

  node = crm_push_response_to_json (results, 99, crm_hlc_make (1772445600002, 1));
  bytes = crm_protocol_to_bytes (node);
  g_assert_true (crm_push_response_parse (bytes, &parsed, &head, &hlc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (head, ==, 99);
  g_assert_cmpuint (hlc, ==, crm_hlc_make (1772445600002, 1));
  g_assert_cmpuint (parsed->len, ==, 2);
  result = parsed->pdata[0];
  g_assert_true (result->accepted);
  g_assert_cmpint (result->seq, ==, 17);
  g_assert_cmpuint (result->hlc, ==, crm_hlc_make (1772445600001, 0));
  result = parsed->pdata[1];
  g_assert_false (result->accepted);
  g_assert_cmpstr (result->code, ==, "permission-denied");
  g_assert_true (json_object_get_boolean_member (result->values, "enabled"));
  g_assert_nonnull (result->corrective);
  g_assert_cmpstr (result->corrective->op_id, ==, OP_ID);

  /* an answer that is not the protocol's is a BAD_ANSWER, whatever it is */
  {
    const char *bad[] = {
      "<html>502 Bad Gateway</html>", "{}", "{\"results\":{},\"head\":1}",
      "{\"results\":[{\"op\":\"a\",\"status\":\"maybe\"}],\"head\":1}",
      "{\"results\":[{\"op\":\"a\",\"status\":\"accepted\"}],\"head\":1}",
      "{\"results\":[{\"op\":\"a\",\"status\":\"accepted\",\"seq\":0,\"hlc\":\"01\"}],\"head\":1}",
      "{\"results\":[{\"op\":\"a\",\"status\":\"rejected\",\"code\":7}],\"head\":1}",
      NULL
    };
    for (guint i = 0; bad[i] != NULL; i++)
      {
        g_autoptr(GBytes) b = text (bad[i]);
        g_autoptr(GPtrArray) r = NULL;
        g_autoptr(GError) e = NULL;

        g_assert_false (crm_push_response_parse (b, &r, &head, &hlc, &e));
        g_assert_error (e, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER);
      }
  }
}

static void
test_pull_page (void)
{
  g_autoptr(CrmPullPage) page = crm_pull_page_new ();
  g_autoptr(CrmPullPage) parsed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CrmOp *op = sample_op ();
  gint64 base = 5;

  op->seq = 6;
  g_ptr_array_add (page->ops, op);
  g_array_append_val (page->bases, base);
  page->next = 6;
  page->head = 10;
  page->more = TRUE;
  page->hlc = crm_hlc_make (1772445600000, 9);
  node = crm_pull_page_to_json (page);
  bytes = crm_protocol_to_bytes (node);
  parsed = crm_pull_page_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->ops->len, ==, 1);
  g_assert_cmpint (((CrmOp *) parsed->ops->pdata[0])->seq, ==, 6);
  g_assert_cmpint (g_array_index (parsed->bases, gint64, 0), ==, 5);
  g_assert_cmpint (parsed->next, ==, 6);
  g_assert_cmpint (parsed->head, ==, 10);
  g_assert_true (parsed->more);
  g_assert_cmpuint (parsed->hlc, ==, crm_hlc_make (1772445600000, 9));

  /* the server writes the same answer as text, the stored fields spliced in */
  {
    g_autoptr(GString) out = crm_pull_text_new ();
    g_autofree char *fields = json_to_string (crm_json_node_take_object (
      json_object_ref (op->fields)), FALSE);
    g_autofree char *answer = NULL;
    g_autoptr(GBytes) b = NULL;
    g_autoptr(CrmPullPage) p = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *got = NULL;
    CrmOp *q;
    gsize length = 0;

    crm_pull_text_add_op (out, 6, op->op_id, op->hlc, op->device, op->entity, op->entity_id,
                          fields, "cause \"quoted\"\n", NULL, op->actor, 5);
    crm_pull_text_add_op (out, 7, OP_ID, op->hlc, DEVICE, "deal", ENTITY_ID, " not json", NULL,
                          NULL, NULL, 6);
    answer = crm_pull_text_finish (g_steal_pointer (&out), 7, TRUE, 10,
                                   crm_hlc_make (1772445600000, 9), &length);
    g_assert_cmpuint (length, ==, strlen (answer));
    b = g_bytes_new (answer, length);
    p = crm_pull_page_parse (b, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (p->ops->len, ==, 2);
    q = p->ops->pdata[0];
    g_assert_cmpint (q->seq, ==, 6);
    g_assert_cmpint (g_array_index (p->bases, gint64, 0), ==, 5);
    g_assert_cmpstr (q->op_id, ==, op->op_id);
    g_assert_cmpuint (q->hlc, ==, op->hlc);
    g_assert_cmpstr (q->device, ==, op->device);
    g_assert_cmpstr (q->cause, ==, "cause \"quoted\"\n");
    g_assert_null (q->rule);
    g_assert_cmpstr (q->actor, ==, op->actor);
    {
      g_autoptr(JsonNode) a = crm_json_node_take_object (json_object_ref (op->fields));
      g_autoptr(JsonNode) b2 = crm_json_node_take_object (json_object_ref (q->fields));

      expected = crm_json_to_canonical (a);
      got = crm_json_to_canonical (b2);
    }
    g_assert_cmpstr (got, ==, expected);
    g_assert_cmpuint (json_object_get_size (((CrmOp *) p->ops->pdata[1])->fields), ==, 0);
    g_assert_cmpint (p->next, ==, 7);
    g_assert_cmpint (p->head, ==, 10);
    g_assert_true (p->more);
    g_assert_cmpuint (p->hlc, ==, crm_hlc_make (1772445600000, 9));
  }

  {
    g_autoptr(GBytes) b = text ("{\"ops\":[{\"op\":1}],\"next\":1,\"head\":1}");
    g_autoptr(CrmPullPage) p = crm_pull_page_parse (b, &error);
    g_assert_null (p);
    g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER);
  }
}

/* "forget": the deals a puller no longer sees, and "forget_dependents": their tasks,
 * notes… moved out of sight, written by the server's text writer and read back; "forget"
 * stays a list of deal ids (what a client of before reads, which skips the new member);
 * anything else is a malformed answer that says which item. */
static void
test_pull_forget (void)
{
  g_autoptr(GPtrArray) forget = g_ptr_array_new ();
  g_autoptr(GPtrArray) dependents = g_ptr_array_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *deals;
  g_autoptr(CrmPullPage) page = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  gsize length = 0;
  static const char malformed[] = "{\"ops\":[],\"next\":3,\"more\":false,\"head\":3,"
                                  "\"forget\":[\"" ENTITY_ID "\",\"DROP TABLE deal\"]}";
  static const char malformed_dependent[] =
    "{\"ops\":[],\"next\":3,\"more\":false,\"head\":3,\"forget_dependents\":"
    "[{\"entity\":\"task\",\"id\":\"" ENTITY_ID "\"},{\"entity\":\"task\"}]}";

  g_ptr_array_add (forget, (gpointer) ENTITY_ID);
  g_ptr_array_add (forget, (gpointer) OP_ID);
  g_ptr_array_add (dependents, (gpointer) "task");
  g_ptr_array_add (dependents, (gpointer) OP_ID);
  g_ptr_array_add (dependents, (gpointer) "note");
  g_ptr_array_add (dependents, (gpointer) ENTITY_ID);
  answer = crm_pull_text_finish_forget (crm_pull_text_new (), 12, FALSE, 12, 0, NULL, forget,
                                        dependents, &length);
  bytes = g_bytes_new (answer, length);
  page = crm_pull_page_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->ops->len, ==, 0);
  g_assert_cmpuint (page->forget->len, ==, 2);
  g_assert_cmpstr (page->forget->pdata[0], ==, ENTITY_ID);
  g_assert_cmpstr (page->forget->pdata[1], ==, OP_ID);
  g_assert_cmpuint (page->forget_dependents->len, ==, 4);
  g_assert_cmpstr (page->forget_dependents->pdata[0], ==, "task");
  g_assert_cmpstr (page->forget_dependents->pdata[1], ==, OP_ID);
  g_assert_cmpstr (page->forget_dependents->pdata[2], ==, "note");
  g_assert_cmpstr (page->forget_dependents->pdata[3], ==, ENTITY_ID);
  g_clear_pointer (&page, crm_pull_page_free);
  /* the deals' list is as it was: ids, nothing else in it */
  node = json_from_string (answer, &error);
  g_assert_no_error (error);
  deals = json_object_get_array_member (json_node_get_object (node), "forget");
  g_assert_cmpuint (json_array_get_length (deals), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (deals, 0), ==, ENTITY_ID);
  g_assert_cmpstr (json_array_get_string_element (deals, 1), ==, OP_ID);
  g_clear_pointer (&bad, g_bytes_unref);
  bad = g_bytes_new_static (malformed_dependent, sizeof malformed_dependent - 1);
  page = crm_pull_page_parse (bad, &error);
  g_assert_null (page);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER);
  g_assert_nonnull (strstr (error->message, "“forget_dependents” item 1"));
  g_clear_error (&error);

  bad = g_bytes_new_static (malformed, sizeof malformed - 1);
  page = crm_pull_page_parse (bad, &error);
  g_assert_null (page);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER);
  g_assert_nonnull (strstr (error->message, "“forget” item 1"));
}

static void
test_pull_query (void)
{
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  const char *since_op = "unset";
  gint64 since = -1;
  guint limit = 0;

  g_assert_true (crm_pull_query_parse (NULL, &since, &since_op, &limit, &error));
  g_assert_cmpint (since, ==, 0);
  g_assert_null (since_op);
  g_assert_cmpuint (limit, ==, CRM_PROTOCOL_DEFAULT_PULL);

  g_hash_table_insert (query, "since", "123");
  g_hash_table_insert (query, "limit", "50");
  g_assert_true (crm_pull_query_parse (query, &since, &since_op, &limit, &error));
  g_assert_cmpint (since, ==, 123);
  g_assert_null (since_op);
  g_assert_cmpuint (limit, ==, 50);

  /* the op the device holds at its cursor */
  g_hash_table_insert (query, "since_op", OP_ID);
  g_assert_true (crm_pull_query_parse (query, &since, &since_op, &limit, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (since_op, ==, OP_ID);

  {
    g_autofree char *long_id = g_strnfill (4096, 'a');
    const char *bad[][3] = {
      { "since", "-1" }, { "since", "abc" }, { "since", "1e3" }, { "limit", "0" },
      { "limit", "100000" }, { "since", "99999999999999999999999" },
      /* not a UUID: too short, too long, not hex, a quote, the right length with dashes
       * misplaced; and one with nothing numbered 0 to name */
      { "since_op", "", "5" }, { "since_op", "0190a3b2-7c4d-7e8f", "5" },
      { "since_op", long_id, "5" }, { "since_op", "0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5g6h", "5" },
      { "since_op", "0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6\"", "5" },
      { "since_op", "0190a3b27-c4d-7e8f-9a0b-1c2d3e4f5a6b", "5" },
      { "since_op", OP_ID, "0" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GHashTable) q = g_hash_table_new (g_str_hash, g_str_equal);
        g_autoptr(GError) e = NULL;

        g_hash_table_insert (q, (gpointer) bad[i][0], (gpointer) bad[i][1]);
        if (bad[i][2] != NULL)
          g_hash_table_insert (q, "since", (gpointer) bad[i][2]);
        g_assert_false (crm_pull_query_parse (q, &since, &since_op, &limit, &e));
        g_assert_error (e, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT);
        g_assert_nonnull (strstr (e->message, bad[i][0]));
        /* what the client sent is not repeated back */
        if (g_str_equal (bad[i][0], "since_op") && *bad[i][1] != '\0')
          g_assert_null (strstr (e->message, bad[i][1]));
      }
  }
}

static void
test_session (void)
{
  CrmSessionRequest request = { g_strdup ("admin@acme"), g_strdup ("p@ss wörd"), g_strdup (DEVICE),
                                g_strdup ("laptop") };
  g_auto(CrmSessionRequest) parsed = { 0 };
  g_auto(CrmSession) session = { 0 };
  g_auto(CrmSession) parsed_session = { 0 };
  g_autoptr(JsonNode) node = crm_session_request_to_json (&request);
  g_autoptr(GBytes) bytes = crm_protocol_to_bytes (node);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GBytes) answer_bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_session_request_parse (bytes, &parsed, &error));
  g_assert_cmpstr (parsed.user, ==, "admin@acme");
  g_assert_cmpstr (parsed.password, ==, "p@ss wörd");
  g_assert_cmpstr (parsed.device, ==, DEVICE);
  crm_session_request_clear (&request);

  {
    const char *bad[] = { "{}", "{\"user\":\"a\"}", "{\"user\":1,\"password\":\"x\"}",
                          "{\"user\":\"\",\"password\":\"x\"}",
                          "{\"user\":\"a\",\"password\":\"x\",\"device\":\"has space\"}", NULL };
    for (guint i = 0; bad[i] != NULL; i++)
      {
        g_autoptr(GBytes) b = text (bad[i]);
        g_auto(CrmSessionRequest) r = { 0 };
        g_autoptr(GError) e = NULL;

        g_assert_false (crm_session_request_parse (b, &r, &e));
        g_assert_error (e, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT);
      }
  }

  session.token = g_strdup ("vrk_token");
  session.expires = 1800000000000;
  session.account_id = g_strdup (ENTITY_ID);
  session.account_name = g_strdup ("acme");
  session.user_id = g_strdup (OP_ID);
  session.user_name = g_strdup ("admin");
  session.role = g_strdup ("admin");
  session.hlc = crm_hlc_make (1772445600000, 0);
  answer = crm_session_to_json (&session);
  answer_bytes = crm_protocol_to_bytes (answer);
  g_assert_true (crm_session_parse (answer_bytes, &parsed_session, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (parsed_session.token, ==, "vrk_token");
  g_assert_cmpstr (parsed_session.account_name, ==, "acme");
  g_assert_cmpstr (parsed_session.role, ==, "admin");
  g_assert_cmpint (parsed_session.expires, ==, 1800000000000);
}

static void
test_errors (void)
{
  g_autoptr(JsonNode) node = crm_protocol_error_new (CRM_SYNC_ERROR_SCHEMA_TOO_NEW,
                                                     "update the server", 0);
  g_autoptr(GBytes) bytes = crm_protocol_to_bytes (node);
  g_autoptr(GError) error = NULL;

  crm_protocol_set_http_error (&error, 409, "Conflict", bytes);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SCHEMA_TOO_NEW);
  g_assert_cmpstr (error->message, ==, "update the server");
  g_clear_error (&error);

  /* not a protocol error: the status speaks */
  {
    g_autoptr(GBytes) html = text ("<html>oops</html>");
    crm_protocol_set_http_error (&error, 401, "Unauthorized", html);
    g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED);
    g_clear_error (&error);
    crm_protocol_set_http_error (&error, 502, "Bad Gateway", html);
    g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR);
    g_assert_nonnull (strstr (error->message, "502"));
    g_clear_error (&error);
    crm_protocol_set_http_error (&error, 404, "Not Found", NULL);
    g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND);
  }

  /* every code has a name and a status, and names map back */
  for (CrmSyncError code = CRM_SYNC_ERROR_FAILED; code <= CRM_SYNC_ERROR_BAD_ANSWER; code++)
    {
      g_assert_cmpint (crm_sync_error_from_code (crm_sync_error_to_code (code)), ==, code);
      g_assert_cmpuint (crm_sync_error_http_status (code), >=, 400);
    }
  g_assert_cmpuint (crm_sync_error_http_status (CRM_SYNC_ERROR_TOO_LARGE), ==, 413);
  g_assert_cmpuint (crm_sync_error_http_status (CRM_SYNC_ERROR_RATE_LIMITED), ==, 429);
  g_assert_cmpuint (crm_sync_error_http_status (CRM_SYNC_ERROR_UPDATE_REQUIRED), ==, 426);
  g_assert_cmpint (crm_sync_error_from_code ("no-such-code"), ==, CRM_SYNC_ERROR_FAILED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/push/round-trip", test_push_round_trip);
  g_test_add_func ("/protocol/push/malformed", test_push_malformed);
  g_test_add_func ("/protocol/push/response", test_push_response);
  g_test_add_func ("/protocol/pull/page", test_pull_page);
  g_test_add_func ("/protocol/pull/forget", test_pull_forget);
  g_test_add_func ("/protocol/pull/query", test_pull_query);
  g_test_add_func ("/protocol/session", test_session);
  g_test_add_func ("/protocol/errors", test_errors);
  return g_test_run ();
}
