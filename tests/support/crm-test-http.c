/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-http.c — raw HTTP against a test server; see crm-test-http.h. */
#include <string.h>

#include "crm-protocol.h"
#include "crm-store.h"
#include "crm-test-http.h"

void
crm_test_answer_clear (CrmTestAnswer *answer)
{
  g_clear_pointer (&answer->body, json_object_unref);
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
}

static JsonObject *
answer_error (CrmTestAnswer *answer)
{
  JsonObject *error;

  g_assert_nonnull (answer->body);
  error = json_object_get_object_member (answer->body, "error");
  g_assert_nonnull (error);
  return error;
}

const char *
crm_test_answer_error_code (CrmTestAnswer *answer)
{
  return json_object_get_string_member (answer_error (answer), "code");
}

const char *
crm_test_answer_error_message (CrmTestAnswer *answer)
{
  return json_object_get_string_member (answer_error (answer), "message");
}

SoupSession *
crm_test_http_session_new (CrmTestServer *server)
{
  SoupSession *session = soup_session_new_with_options ("max-conns", 100,
                                                        "max-conns-per-host", 100, NULL);
  g_autoptr(GError) error = NULL;

  if (server->cert != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (server->cert, &error);
      g_assert_no_error (error);
      soup_session_set_tls_database (session, database);
    }
  return session;
}

SoupMessage *
crm_test_http_message_new (CrmTestServer *server,
                           const char    *method,
                           const char    *path,
                           const char    *token,
                           const char    *body,
                           gssize         length)
{
  g_autofree char *url = g_strconcat (server->url, path, NULL);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

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
  return msg;
}

void
crm_test_http_send_on (SoupSession   *session,
                       CrmTestServer *server,
                       CrmTestAnswer *answer,
                       const char    *method,
                       const char    *path,
                       const char    *token,
                       const char    *body,
                       gssize         length)
{
  g_autoptr(SoupMessage) msg = crm_test_http_message_new (server, method, path, token, body, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  crm_test_answer_clear (answer);
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->body = crm_protocol_parse_object (bytes, "answer", NULL);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
}

void
crm_test_http_request (CrmTestServer *server,
                       CrmTestAnswer *answer,
                       const char    *method,
                       const char    *path,
                       const char    *token,
                       const char    *body,
                       gssize         length)
{
  g_autoptr(SoupSession) session = crm_test_http_session_new (server);

  crm_test_http_send_on (session, server, answer, method, path, token, body, length);
}
