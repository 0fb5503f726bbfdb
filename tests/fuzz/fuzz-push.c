/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-push.c — the bodies of POST /api/v1/sync/push: the request as the server decodes
 * it (crm_push_request_parse), and the answer as the client decodes it
 * (crm_push_response_parse). A request that decodes must encode and decode again to the
 * same ops. */
#include "fuzz-common.h"

#include "crm-protocol.h"

static void
check_request (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 base = -1;
  gint64 base_again = -1;

  if (!crm_push_request_parse (body, &base, &ops, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert_cmpint (base, >=, 0);
  g_assert_cmpuint (ops->len, <=, CRM_PROTOCOL_MAX_PUSH_OPS);

  encoded = crm_push_request_to_json (base, ops);
  bytes = crm_protocol_to_bytes (encoded);
  if (!crm_push_request_parse (bytes, &base_again, &again, &error))
    g_error ("a decoded push does not decode again: %s", error->message);
  g_assert_cmpint (base_again, ==, base);
  g_assert_cmpuint (again->len, ==, ops->len);
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *a = ops->pdata[i];
      CrmOp *b = again->pdata[i];

      g_assert_cmpstr (a->op_id, ==, b->op_id);
      g_assert_cmpuint (a->hlc, ==, b->hlc);
      g_assert_cmpstr (a->entity, ==, b->entity);
      g_assert_cmpstr (a->entity_id, ==, b->entity_id);
      g_assert_cmpuint (json_object_get_size (a->fields), ==, json_object_get_size (b->fields));
    }
}

static void
check_response (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  gint64 head = 0;
  guint64 hlc = 0;

  if (!crm_push_response_parse (body, &results, &head, &hlc, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert_nonnull (results);
  for (guint i = 0; i < results->len; i++)
    {
      CrmPushResult *result = results->pdata[i];

      g_assert_nonnull (result->op_id);
      if (!result->accepted)
        {
          g_assert_nonnull (result->code);
          g_assert_nonnull (result->values);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);

  fuzz_init ();
  check_request (body);
  check_response (body);
  return 0;
}
