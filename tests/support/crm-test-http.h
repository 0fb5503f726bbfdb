/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-http.h — raw HTTP against a test server (crm-test-server.h), for the tests that
 * send what no well-behaved client sends: a request with any method, path, token and body,
 * and the answer's status and JSON body. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "crm-test-server.h"

G_BEGIN_DECLS

typedef struct {
  guint       status;
  JsonObject *body;     /* NULL when the body is not JSON */
  SoupMessageHeaders *headers;  /* the response's */
} CrmTestAnswer;

void         crm_test_answer_clear         (CrmTestAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmTestAnswer, crm_test_answer_clear)

/* The error object's "code" and "message" of @answer (which must have one). */
const char  *crm_test_answer_error_code    (CrmTestAnswer *answer);
const char  *crm_test_answer_error_message (CrmTestAnswer *answer);

/* A session that trusts @server's certificate and allows 100 connections. */
SoupSession *crm_test_http_session_new     (CrmTestServer *server);
/* A request to @server's @path with the client's schema header, @token as bearer (NULL:
 * none) and @body of @length bytes (NULL: none; -1: up to its NUL). */
SoupMessage *crm_test_http_message_new     (CrmTestServer *server,
                                            const char    *method,
                                            const char    *path,
                                            const char    *token,
                                            const char    *body,
                                            gssize         length);
/* Sends such a request on @session and fills @answer (the request itself must not fail). */
void         crm_test_http_send_on         (SoupSession   *session,
                                            CrmTestServer *server,
                                            CrmTestAnswer *answer,
                                            const char    *method,
                                            const char    *path,
                                            const char    *token,
                                            const char    *body,
                                            gssize         length);
/* The same on a session of its own. */
void         crm_test_http_request         (CrmTestServer *server,
                                            CrmTestAnswer *answer,
                                            const char    *method,
                                            const char    *path,
                                            const char    *token,
                                            const char    *body,
                                            gssize         length);

G_END_DECLS
