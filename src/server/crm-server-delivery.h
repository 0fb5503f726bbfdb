/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-delivery.h — the server delivers the accounts' queued messages: e-mail
 * over SMTP, SMS through an HTTP gateway, Telegram through the Bot API (libcurl, in
 * worker threads, never on the main loop). Each message is marked in server.db before
 * it goes out (crm-server-channels.h), so it is sent once whatever pushes repeat or
 * restarts happen; its state (sending, sent, failed with the gateway's words) is
 * written into the account's replica as the server's change, so every laptop gets it
 * with its next sync. Temporary failures are retried with back-off; a permanent one
 * stops and tells the author (a notification). */
#pragma once

#include "crm-server-backend.h"
#include "crm-server-channels.h"

G_BEGIN_DECLS

typedef struct _CrmServerDelivery CrmServerDelivery;

/* Delivers every @interval_s seconds (at least 1) and soon after each push. */
CrmServerDelivery *crm_server_delivery_new   (CrmServerBackend *storage,
                                              const char       *data_dir,
                                              guint             interval_s,
                                              GError          **error);
/* How long a gateway may take to answer (default 30 s; an SMTP session four times it). */
void               crm_server_delivery_set_timeout (CrmServerDelivery *self,
                                                    guint              seconds);
/* @func (@user_data) after each state the delivery wrote into an account. */
typedef void (*CrmServerDeliveryChanged) (gpointer user_data);
void               crm_server_delivery_set_changed (CrmServerDelivery        *self,
                                                    CrmServerDeliveryChanged  func,
                                                    gpointer                  user_data);
/* The address mail readers reach this server at (`serve --public-url`, e.g.
 * https://crm.example.ru): e-mails then carry a tracking image and an unsubscribe link
 * under it (crm-server-tracking.h). NULL (the default): plain e-mails, no tracking. */
void               crm_server_delivery_set_public_url (CrmServerDelivery *self,
                                                       const char        *url);
/* A push came into @account_id: look for queued messages soon. */
void               crm_server_delivery_kick  (CrmServerDelivery *self,
                                              const char        *account_id);
void               crm_server_delivery_free  (CrmServerDelivery *self);
/* Sends one test message through @channel (as crm_server_channel_check() leaves it) to
 * @to — an e-mail address, a phone number, a Telegram chat id — as a delivery would,
 * waiting at most @timeout_s for the gateway (an SMTP session four times it). Blocking:
 * call it from a worker thread. FALSE with the server's or gateway's words (never the
 * secret, never a URL holding it). */
gboolean           crm_server_delivery_try   (const CrmServerChannel  *channel,
                                              const char              *to,
                                              guint                    timeout_s,
                                              GError                 **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerDelivery, crm_server_delivery_free)

G_END_DECLS
