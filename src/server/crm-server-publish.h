/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-publish.h — what the desktop app may know of the server's side of an account:
 * its message channels and mailboxes, without their passwords and tokens, kept up to date
 * in each account's replica as the setting CRM_MESSAGE_TRANSPORT_KEY (crm-message.h), so
 * the app's Settings shows them to administrators (also offline) and says which
 * `voronka-server` command changes them. The secrets never leave server.db. The same
 * round publishes each account's call routing (crm_server_telephony_publish(), the
 * setting CRM_CALL_ROUTING_KEY) for the app's Automation view. */
#pragma once

#include "crm-server-sqlite.h"

G_BEGIN_DECLS

typedef struct _CrmServerPublish CrmServerPublish;

/* Publishes now and every @interval_s seconds (what `channel set` and `mailbox add` did
 * in another process shows within one interval); @changed (@user_data) after a write. */
CrmServerPublish *crm_server_publish_start (CrmServerBackend *storage,
                                            guint            interval_s,
                                            GCallback        changed,
                                            gpointer         user_data);
/* One round over every account (tests, and the timer). */
void              crm_server_publish_now   (CrmServerPublish *self);
/* The same for the account @account_id alone (an administrator changed its channels or
 * mailboxes: the replicas of the other accounts need nothing). */
void              crm_server_publish_account (CrmServerPublish *self,
                                              const char       *account_id);
void              crm_server_publish_stop  (CrmServerPublish *self);

G_END_DECLS
