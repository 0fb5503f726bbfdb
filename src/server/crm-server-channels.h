/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-channels.h — how each account's messages leave the server: its channels
 * (an SMTP server for e-mail, an HTTP gateway for SMS, a Telegram bot), with their
 * secrets, and the delivery record of every message, both in DIR/server.db (never in
 * the account's replica, so no secret reaches a laptop); `voronka-server channel set`
 * and `channel list`. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-server-storage.h"

G_BEGIN_DECLS

typedef struct {
  char *kind;     /* email | sms | telegram */
  char *url;      /* smtp[s]://HOST[:PORT] or the gateway's / Bot API's http[s]:// URL */
  char *from;     /* e-mail: the sender's address */
  char *user;     /* e-mail: the SMTP user (NULL: no authentication) */
  char *secret;   /* the SMTP password or the gateway's / bot's token; NULL: none */
  char *ca_file;  /* e-mail: the CA (PEM) the SMTP server's certificate chains to; NULL:
                   * the system's */
  gint64 updated_at;  /* crm_server_channels_list(): when it was set (UTC ms) */
} CrmServerChannel;

void              crm_server_channel_free        (CrmServerChannel *channel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerChannel, crm_server_channel_free)

/* Where a message is: the server marks it SENDING before it goes out, so a retried
 * push or a restart never sends it again; only a server killed during the send finds
 * SENDING at its start (and may repeat that one message). */
typedef enum {
  CRM_DELIVERY_NONE,
  CRM_DELIVERY_SENDING,
  CRM_DELIVERY_RETRY,     /* a temporary failure: again at next_at */
  CRM_DELIVERY_SENT,
  CRM_DELIVERY_FAILED,
} CrmDeliveryState;

typedef struct {
  char             *account;    /* account id */
  char             *message;    /* message id */
  CrmDeliveryState  state;
  gint              attempts;
  gint64            next_at;    /* UTC ms */
} CrmDeliveryRecord;

void              crm_delivery_record_free       (CrmDeliveryRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmDeliveryRecord, crm_delivery_record_free)

typedef struct _CrmServerChannels CrmServerChannels;

/* Opens DIR/server.db (made by the storage first) and its channel and delivery tables. */
CrmServerChannels *crm_server_channels_open      (const char          *data_dir,
                                                  GError             **error);
/* The channels of @storage: on PostgreSQL its database's tables, else DIR/server.db's. */
CrmServerChannels *crm_server_channels_open_for  (CrmServerStorage    *storage,
                                                  const char          *data_dir,
                                                  GError             **error);
void              crm_server_channels_free       (CrmServerChannels   *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerChannels, crm_server_channels_free)

/* The id of the account @name; NOT_FOUND names the account. */
char             *crm_server_channels_account_id (CrmServerChannels   *self,
                                                  const char          *name,
                                                  GError             **error);
/* [(id, name)…] of every account, flattened. */
GPtrArray        *crm_server_channels_accounts   (CrmServerChannels   *self,
                                                  GError             **error);

gboolean          crm_server_channels_set        (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const CrmServerChannel *channel,
                                                  GError             **error);
/* NULL without an error when the account has no such channel. */
CrmServerChannel *crm_server_channels_get        (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const char          *kind,
                                                  GError             **error);
/* The channels of an account, secrets left out: [{"kind","url","from","user","secret":bool}] */
GPtrArray        *crm_server_channels_list       (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  GError             **error);

/* Removes the channel @kind of the account (its secret with it); @out_removed: whether
 * there was one. */
gboolean          crm_server_channels_remove     (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const char          *kind,
                                                  gboolean            *out_removed,
                                                  GError             **error);
/* The channels as `channel list --json` prints them and GET /api/v1/channels answers:
 * [{"kind", "url", "from", "user", "secret": true|false, "ca_file", "updated_at"}] —
 * never a password or token, only whether one is kept. */
JsonArray        *crm_server_channels_describe   (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  GError             **error);

/* The longest URL, address or login, and password or token, a channel takes. */
#define CRM_SERVER_CHANNEL_MAX_URL     2048
#define CRM_SERVER_CHANNEL_MAX_TEXT    320
#define CRM_SERVER_CHANNEL_MAX_SECRET  4096

/* @text (NULL: none) as one line of at most @max bytes: INVALID_INPUT naming @label
 * («The login is longer than …», «… holds a line break …») otherwise. For what admins
 * type into channels and mailboxes. */
gboolean          crm_server_check_line          (const char          *label,
                                                  const char          *text,
                                                  gsize                max,
                                                  GError             **error);

/* What a channel may be, for `channel set` and POST /api/v1/channels alike: a known kind,
 * its URL's scheme (smtp[s]:// for e-mail, http[s]:// for the others), a sender's address
 * for e-mail (its login when that is one and none is given), a password with an SMTP login,
 * a token for Telegram, nothing of e-mail's for SMS or Telegram, one line each and bounded.
 * Empty "from" and "user" become NULL. INVALID_INPUT saying what to change. */
gboolean          crm_server_channel_check       (CrmServerChannel    *channel,
                                                  GError             **error);

/* The delivery record of a message (state NONE when it has none). */
gboolean          crm_server_delivery_get        (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const char          *message_id,
                                                  CrmDeliveryRecord   *out,
                                                  GError             **error);
/* Writes it, durably, before the caller goes on. */
gboolean          crm_server_delivery_set        (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const char          *message_id,
                                                  CrmDeliveryState     state,
                                                  gint                 attempts,
                                                  gint64               next_at,
                                                  const char          *reason,
                                                  GError             **error);
/* Takes the message to send it: its record becomes SENDING, attempt @attempts, unless
 * another process took it since it was @seen (state NONE: no record yet), then
 * @out_claimed is FALSE and it must not be sent. On PostgreSQL the record is locked
 * with FOR UPDATE SKIP LOCKED, so of several processes exactly one sends it. */
gboolean          crm_server_delivery_claim      (CrmServerChannels        *self,
                                                  const char               *account_id,
                                                  const char               *message_id,
                                                  const CrmDeliveryRecord  *seen,
                                                  gint                      attempts,
                                                  gboolean                 *out_claimed,
                                                  GError                  **error);
/* How long a process's claim on a message it sends holds on PostgreSQL without being
 * renewed (crm_server_delivery_renew()): another process takes a SENDING message over only
 * after that, so a process whose connection to the database was reset mid-send (its
 * backend pid gone) is not doubled while it still sends. */
#define CRM_DELIVERY_DEFAULT_LEASE_MS (60 * 1000)
void              crm_server_delivery_set_lease  (CrmServerChannels   *self,
                                                  gint64               lease_ms);
/* Renews the leases of this process's claims (nothing on the embedded storage). */
gboolean          crm_server_delivery_renew      (CrmServerChannels   *self,
                                                  GError             **error);
/* Writes what became of a message this process claimed, as crm_server_delivery_set()
 * does, unless another process took it over meanwhile (its lease ran out while this one
 * was cut off): then nothing is written and @out_held is FALSE. */
gboolean          crm_server_delivery_finish     (CrmServerChannels   *self,
                                                  const char          *account_id,
                                                  const char          *message_id,
                                                  CrmDeliveryState     state,
                                                  gint                 attempts,
                                                  gint64               next_at,
                                                  const char          *reason,
                                                  gboolean            *out_held,
                                                  GError             **error);
/* Records in RETRY due at @now, and (with @interrupted) those still SENDING: what a
 * killed server left (on PostgreSQL: always, those whose claim's lease ran out). */
GPtrArray        *crm_server_delivery_due        (CrmServerChannels   *self,
                                                  gint64               now,
                                                  gboolean             interrupted,
                                                  GError             **error);

/* voronka-server channel set|list|remove */
int               crm_server_cmd_channel_set     (const char          *data_dir,
                                                  int                  argc,
                                                  char               **argv);
int               crm_server_cmd_channel_list    (const char          *data_dir,
                                                  int                  argc,
                                                  char               **argv);
int               crm_server_cmd_channel_remove  (const char          *data_dir,
                                                  int                  argc,
                                                  char               **argv);

G_END_DECLS
