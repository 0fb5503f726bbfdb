/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-snapshot.h — a consistent, zstd-compressed copy of an account replica for a
 * new device, made in a worker thread and cached in the data folder. */
#pragma once

#include <gio/gio.h>

#include "crm-server-storage.h"
#include "crm-visibility.h"

G_BEGIN_DECLS

/* A snapshot of @replica_path cached in @cache_dir as NAME-SEQ.db.zst. A cached one is
 * reused when it is at @head, at most @max_lag ops behind it, or younger than @max_age
 * seconds (the client pulls the rest), so a dropped download resumes against the same
 * file and a new device rarely waits for a copy to be made; one that is behind is then
 * refreshed in the background. Otherwise the caller waits for the snapshot of @name
 * being made, or a new one. With @callback NULL nothing waits: a snapshot that is not
 * usable is queued to be made in the background (one at a time).
 * With @filter (taken; NULL: the whole account) the snapshot holds only the deals its
 * user sees (crm_visibility_filter_file()), and is kept as @account-vKEY-SEQ, one per
 * crm_visibility_key(): users who see the same deals share it. A cached one older than
 * @min_seq (what its user sees changed then) is never reused. Filtered snapshots of
 * @account no device is to get are removed first: of a key not among @live_keys (the
 * account's users' now, crm_visibility_dup_keys(); NULL: not known), older than the
 * account's newest whole snapshot (also whenever a new one of those is made), and past
 * the newest CRM_SERVER_SNAPSHOT_MAX_FILTERED. */
#define CRM_SERVER_SNAPSHOT_MAX_AGE       300
#define CRM_SERVER_SNAPSHOT_MAX_LAG       2000
#define CRM_SERVER_SNAPSHOT_MAX_FILTERED  32

void               crm_server_snapshot_make_async  (const char          *replica_path,
                                                    const char          *cache_dir,
                                                    const char          *account,
                                                    CrmVisibility       *filter,
                                                    const char *const   *live_keys,
                                                    gint64               head,
                                                    gint64               min_seq,
                                                    guint                max_age,
                                                    gint64               max_lag,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
CrmServerSnapshot *crm_server_snapshot_make_finish (GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
