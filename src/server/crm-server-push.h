/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-push.h — a push and a pull on an account replica, in the protocol's terms:
 * the decisions and every read and write of the replica are core's (crm-ledger.h); this
 * maps the signed-in user, the protocol's push results and the pull answer's text onto
 * them. Any backend that keeps an account as a CrmStore uses these. */
#pragma once

#include "crm-store.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

/* May @user push ops of @device? Called once per device of a push, for the ops that are
 * checked (not for an op the server stamped before); a device nobody has used yet
 * becomes @user's. */
typedef gboolean (*CrmServerDeviceFunc) (const CrmServerUser *user,
                                         const char          *device,
                                         gpointer             data);

/* crm_ledger_push() for @user: every op's author is @user's `user` entity, checked with
 * @user's role; @base is the client's pull cursor; @device_ok (may be NULL) tells the
 * devices of other users. @out_results: CrmPushResult*, one per op, in order. */
gboolean      crm_server_replica_push         (CrmStore             *store,
                                               const CrmServerUser  *user,
                                               CrmServerDeviceFunc   device_ok,
                                               gpointer              device_data,
                                               gint64                base,
                                               GPtrArray            *ops,
                                               GPtrArray           **out_results,
                                               gint64               *out_head,
                                               GError              **error);

/* Ops after @since, at most @limit, each with its sequence number and base: the pull
 * answer as JSON text (crm_pull_page_to_json()'s form), with "hlc" @hlc. */
char         *crm_server_replica_pull         (CrmStore             *store,
                                               gint64                since,
                                               guint                 limit,
                                               guint64               hlc,
                                               gsize                *out_length,
                                               GError              **error);

G_END_DECLS
