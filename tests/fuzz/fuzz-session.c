/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-session.c — the bodies of POST /api/v1/session: the sign-in request as the server
 * decodes it (crm_session_request_parse, before any password is checked, so anyone can
 * send one) and the answer as the client decodes it (crm_session_parse); also the pull
 * answer (crm_pull_page_parse), the other body a client takes from the network. What
 * decodes must encode and decode again unchanged. */
#include "fuzz-common.h"

#include "crm-protocol.h"

static void
check_request (GBytes *body)
{
  g_auto(CrmSessionRequest) request = { 0 };
  g_auto(CrmSessionRequest) again = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!crm_session_request_parse (body, &request, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert_nonnull (request.user);
  g_assert_nonnull (request.password);
  encoded = crm_session_request_to_json (&request);
  bytes = crm_protocol_to_bytes (encoded);
  if (!crm_session_request_parse (bytes, &again, &error))
    g_error ("a decoded sign-in request does not decode again: %s", error->message);
  g_assert_cmpstr (again.user, ==, request.user);
  g_assert_cmpstr (again.password, ==, request.password);
  g_assert_cmpstr (again.device, ==, request.device);
}

static void
check_answer (GBytes *body)
{
  g_auto(CrmSession) session = { 0 };
  g_auto(CrmSession) again = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!crm_session_parse (body, &session, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  encoded = crm_session_to_json (&session);
  bytes = crm_protocol_to_bytes (encoded);
  if (!crm_session_parse (bytes, &again, &error))
    g_error ("a decoded sign-in answer does not decode again: %s", error->message);
  g_assert_cmpstr (again.token, ==, session.token);
  g_assert_cmpstr (again.user_name, ==, session.user_name);
  g_assert_cmpint (again.expires, ==, session.expires);
}

static void
check_pull (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmPullPage) page = crm_pull_page_parse (body, &error);

  if (page == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert_cmpuint (page->bases->len, ==, page->ops->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);

  fuzz_init ();
  check_request (body);
  check_answer (body);
  check_pull (body);
  return 0;
}
