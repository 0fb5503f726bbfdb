/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-push.h — what the server does with an account replica (a CrmStore): accept
 * a pushed batch (permissions, duplicate automation, clocks too far ahead, deal numbers,
 * corrective ops for what it rejects), serve pull pages, number new deals. Any backend
 * that keeps an account as a CrmStore uses these; the protocol layer never sees SQL. */
#pragma once

#include "crm-store.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

/* Creates the server's bookkeeping tables in an account replica (once). */
gboolean      crm_server_replica_prepare      (CrmStore             *store,
                                               GError              **error);

/* May @user push ops of @device? Called once per device of a push, for the ops that are
 * checked (not for an op the server stamped before); a device nobody has used yet
 * becomes @user's. */
typedef gboolean (*CrmServerDeviceFunc) (const CrmServerUser *user,
                                         const char          *device,
                                         gpointer             data);

/* One transaction: every op of @ops is accepted (merged, or already known) or rejected
 * with a code, the server's values and a corrective op; deals that arrive without a
 * number get the next one. @base is the client's pull cursor; @device_ok (may be NULL)
 * tells the devices of other users. A database error rolls everything back.
 * @out_results: CrmPushResult*, one per op, in order. */
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

/* The greatest sequence number (0 for an empty account). */
gint64        crm_server_replica_head         (CrmStore             *store);

/* Gives every deal without a number the next one of the account (its own transaction). */
gboolean      crm_server_replica_number_deals (CrmStore             *store,
                                               GError              **error);

G_END_DECLS
