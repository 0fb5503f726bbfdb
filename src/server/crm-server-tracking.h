/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-tracking.h — open tracking and unsubscribing for the e-mails the server
 * delivers (S4-9, issue 14). With `serve --public-url URL`, each e-mail gets one
 * unguessable token (32 random bytes, base64url: 43 characters), kept in server.db's
 * `tracking` table with its account and message, and carries
 *
 *   URL/t/TOKEN.gif   a 1×1 image: fetching it marks the message «opened» (the first
 *                     time; rules with the trigger "message_opened" run on the server)
 *   URL/u/TOKEN       a page with one button (POST to the same address, also RFC 8058
 *                     one-click from the List-Unsubscribe header): the message's contact
 *                     gets "unsubscribed", and no e-mail goes to it any more
 *   URL/r/TOKEN/N     in an e-mail asking an event's participant for an NPS score (S4-10,
 *                     crm-participant.h), N from 0 to 10: a page with one button (POST to
 *                     the same address) that records the score, once
 *
 * Both answer without a sign-in: the token is the only key, so nothing but a valid
 * token changes anything, an unknown token changes nothing and the image looks the
 * same either way. Requests are limited per client address by the HTTP layer
 * (crm-server.c) and carry no body larger than CRM_TRACKING_MAX_BODY. Every change to an
 * account goes through core (crm-message.h) on the server's replica, so through
 * crm_store_apply, and reaches the laptops with their next sync. */
#pragma once

#include <libsoup/soup.h>

#include "crm-server-storage.h"

G_BEGIN_DECLS

#define CRM_TRACKING_OPEN_PREFIX        "/t/"
#define CRM_TRACKING_UNSUBSCRIBE_PREFIX "/u/"
#define CRM_TRACKING_RATE_PREFIX        "/r/"
#define CRM_TRACKING_TOKEN_LENGTH       43
#define CRM_TRACKING_MAX_BODY           1024

/* The token of message @message_id of @account_id in @storage (server.db, or the
 * PostgreSQL database): the one it has, or a new one. NULL with @error when it could not
 * be written. */
char     *crm_server_tracking_token  (CrmServerStorage  *storage,
                                      const char        *account_id,
                                      const char        *message_id,
                                      GError           **error);

/* Answers @msg when @path is under one of the prefixes above (returns TRUE); FALSE for
 * any other path, leaving @msg alone. *out_changed: an account's replica was written
 * (the caller tells the live devices). */
gboolean  crm_server_tracking_handle (CrmServerStorage  *storage,
                                      SoupServerMessage *msg,
                                      const char        *path,
                                      gboolean          *out_changed);

G_END_DECLS
