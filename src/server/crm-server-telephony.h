/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-telephony.h — the PBX's side of voronka-server (issue 18, docs/telephony.md):
 * a bearer token per account (`telephony token ACCOUNT`), the account's call routing
 * settings (`telephony set|show`), both kept in server.db's `telephony` table, and the
 * two endpoints a PBX calls:
 *
 *   POST /api/v1/telephony/route  {"call_id","from","to","at"?}
 *        → {"ring":[{"users":[NAME…],"user_ids":[ID…],"extensions":[EXT|null…],"seconds"}…],
 *           "reason","call",
 *           "contact","deal","card"}
 *   POST /api/v1/telephony/event  {"call_id","event":"ringing|answered|ended|recording",
 *        "from","to","user"?,"at","recording_url"?} → {"applied":BOOL,"reason"?,"call"}
 *
 * Authorization: Bearer <telephony token>; a missing or wrong token is 401, a body over
 * CRM_TELEPHONY_MAX_BODY 413, malformed JSON or a bad field 400 naming the field. Every
 * write goes through crm-call.h on the server's replica of the account (and so through
 * crm_store_apply), and the devices hear of it over the live channel; the users a call
 * rings get the caller's card as a "call" event there. */
#pragma once

#include <libsoup/soup.h>

#include "crm-server-live.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

#define CRM_TELEPHONY_PATH_PREFIX "/api/v1/telephony/"
#define CRM_TELEPHONY_MAX_BODY    (16 * 1024)
#define CRM_TELEPHONY_MAX_DEPTH   4
/* Wrong tokens: after CRM_TELEPHONY_MAX_FAILURES requests without a token or with a wrong
 * one from one client address within CRM_TELEPHONY_FAILURE_WINDOW_S seconds of the first,
 * every request from it is 429 (rate-limited) with Retry-After until that window ends.
 * At most CRM_TELEPHONY_MAX_CLIENTS addresses are remembered. */
#define CRM_TELEPHONY_MAX_FAILURES     10
#define CRM_TELEPHONY_FAILURE_WINDOW_S 60
#define CRM_TELEPHONY_MAX_CLIENTS      10000
/* Signed requests (optional; required when the account's settings say so): the headers,
 * how far their timestamp may be from the server's clock, and how many signatures of that
 * window are remembered to refuse a replay (see docs/telephony.md). */
#define CRM_TELEPHONY_TIMESTAMP_HEADER   "X-Voronka-Timestamp"
#define CRM_TELEPHONY_SIGNATURE_HEADER   "X-Voronka-Signature"
#define CRM_TELEPHONY_SIGNATURE_WINDOW_S 300
#define CRM_TELEPHONY_MAX_SIGNATURES     100000

/* Answers @msg when @path is under CRM_TELEPHONY_PATH_PREFIX (returns TRUE); FALSE
 * for any other path, leaving @msg alone. @client: whom wrong tokens count against (the
 * client's address as the server's sign-in limit keys it; NULL: no limit). */
gboolean crm_server_telephony_handle (CrmServerStorage  *storage,
                                      CrmServerLive     *live,
                                      SoupServerMessage *msg,
                                      const char        *path,
                                      const char        *client);

/* Publishes @account_id's routing into its replica @store (crm_call_publish_routing(), the
 * setting CRM_CALL_ROUTING_KEY) when the account has telephony (a token); *out_changed
 * TRUE when that wrote an op. Called by crm-server-publish.c with the channels. */
gboolean crm_server_telephony_publish (CrmServerStorage *storage,
                                       const char       *account_id,
                                       const char       *account_name,
                                       CrmStore         *store,
                                       gboolean         *out_changed,
                                       GError          **error);

/* `telephony token ACCOUNT`, `telephony show ACCOUNT [--json]`,
 * `telephony set ACCOUNT [--pipeline P] …` */
int      crm_server_cmd_telephony_token (const char  *data_dir,
                                         int          argc,
                                         char       **argv);
int      crm_server_cmd_telephony_show  (const char  *data_dir,
                                         int          argc,
                                         char       **argv);
int      crm_server_cmd_telephony_set   (const char  *data_dir,
                                         int          argc,
                                         char       **argv);

G_END_DECLS
