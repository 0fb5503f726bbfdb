/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-live.h — the live channel (GET /api/v1/live, a WebSocket): signed-in devices
 * keep one open and are told when their account has new changes, so they sync at once
 * instead of at their next periodic round, and get the notifications rules make for
 * their user as they are made.
 *
 * Events, one JSON text message each, server to device only:
 *   {"type":"hello","head":N}          on connecting: the account's head now
 *   {"type":"changes","head":N}        after a push or a server-side write (timer rules)
 *                                      moved the head; not to the socket of the session
 *                                      that pushed
 *   {"type":"notification","id","text","deal","created_at"}
 *                                      a rule made a notification for this socket's user
 *   {"type":"call","call","deal","card":{"title","name","phone","company","deals",
 *    "last_note","contact","new"}}     a call rings this socket's user (the PBX asked the
 *                                      telephony endpoint whom to ring; crm-call.h), each
 *                                      user shown what their replica may hold
 *                                      (crm_call_card_for_user()): a call about a deal
 *                                      they do not see sends them no card
 * A device syncs when "head" is beyond its cursor; the events carry no data of their own
 * beyond a notification's text, which the next sync brings anyway: the app shows it on
 * the desktop at once (a notification event comes before the "changes" that starts that
 * sync, so «Пропущенный звонок» does not wait for the sync's pull to end), and the bell
 * lists it when the sync brought it (crm-notification-button.c).
 *
 * Bounds: one socket per session (a newer one replaces the older, closed with 4000), at
 * most CRM_SERVER_LIVE_MAX_PER_USER per user and CRM_SERVER_LIVE_MAX_PER_ACCOUNT per
 * account (refused with 429 before the upgrade); a ping every CRM_SERVER_LIVE_PING_S
 * seconds, and a socket silent (no pong, no message) for three of them is closed; the
 * session is checked again every minute (revoked, expired, user disabled: closed with
 * 1008); messages from devices are ignored, larger than CRM_SERVER_LIVE_MAX_MESSAGE
 * bytes closed with 1009, binary with 1003, more than CRM_SERVER_LIVE_MAX_MESSAGES a
 * minute with 1008; on SIGTERM every socket is closed with 1001 (going away). */
#pragma once

#include <libsoup/soup.h>

#include "crm-server-storage.h"

G_BEGIN_DECLS

#define CRM_SERVER_LIVE_MAX_PER_USER     16
#define CRM_SERVER_LIVE_MAX_PER_ACCOUNT  2000
#define CRM_SERVER_LIVE_PING_S           30
#define CRM_SERVER_LIVE_MAX_MESSAGE      1024
#define CRM_SERVER_LIVE_MAX_MESSAGES     30

/* Close codes beyond RFC 6455's. */
#define CRM_SERVER_LIVE_CLOSE_REPLACED   4000

typedef struct _CrmServerLive CrmServerLive;

/* Passes a live event of crm_server_live_send_to_users() on to the other processes that
 * serve the account (PostgreSQL's NOTIFY), whose sockets may be the ones it is for. */
typedef void (*CrmServerLiveRelay) (const char         *account_id,
                                    const char * const *user_ids,
                                    const char         *text,
                                    gpointer            user_data);

CrmServerLive *crm_server_live_new       (CrmServerStorage    *storage);
void           crm_server_live_free      (CrmServerLive       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerLive, crm_server_live_free)

/* Whether @user may open one more socket (for the session @session, which replaces its
 * own older one); FALSE with a message for the refusal otherwise. */
gboolean       crm_server_live_admit     (CrmServerLive       *self,
                                          const CrmServerUser *user,
                                          const char          *session,
                                          char               **out_refusal);
/* Takes @connection (upgraded) of @user's session @session (the token's hash); @socket
 * is its descriptor, whose inactivity timeout the pings replace. */
void           crm_server_live_add       (CrmServerLive           *self,
                                          SoupWebsocketConnection *connection,
                                          const CrmServerUser     *user,
                                          const char              *session,
                                          GSocket                 *socket);
/* @user's account may have new changes (after a push by the session @from_session, which
 * is not told): its sockets get "changes" and their users their new notifications. */
void           crm_server_live_changed   (CrmServerLive       *self,
                                          const CrmServerUser *user,
                                          const char          *from_session);
/* The same for every account with sockets (after the timer rules ran). */
void           crm_server_live_changed_all (CrmServerLive     *self);
/* Sends @text to the sockets of @account_id's users whose `user` entity is one of
 * @user_ids (NULL-terminated), and to the relay (crm_server_live_set_relay()); returns
 * how many sockets of this process. */
guint          crm_server_live_send_to_users (CrmServerLive      *self,
                                              const char         *account_id,
                                              const char * const *user_ids,
                                              const char         *text);
/* The same, only to this process's sockets: for an event relayed from another process. */
guint          crm_server_live_deliver   (CrmServerLive      *self,
                                          const char         *account_id,
                                          const char * const *user_ids,
                                          const char         *text);
/* Every crm_server_live_send_to_users() from now on is also handed to @relay. */
void           crm_server_live_set_relay (CrmServerLive      *self,
                                          CrmServerLiveRelay  relay,
                                          gpointer            user_data);
/* Sockets open now. */
guint          crm_server_live_get_count (CrmServerLive       *self);
/* Closes every socket with 1001 and lets the main loop send the close frames for at most
 * @wait_ms. */
void           crm_server_live_close_all (CrmServerLive       *self,
                                          guint                wait_ms);

G_END_DECLS
