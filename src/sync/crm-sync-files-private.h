/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-files-private.h — attached files between a replica's folder and the server
 * (crm-protocol.h, CRM_PROTOCOL_PATH_FILES): uploads of the files a push is about to
 * describe, resumed where the server stopped, and downloads of files this replica does
 * not have yet, kept only when they hash to their name. Blocking, any thread. */
#pragma once

#include <libsoup/soup.h>

#include "crm-store.h"
#include "crm-sync-round-private.h"

G_BEGIN_DECLS

/* Uploads every file the `attachment` ops of @ops name that the server lacks.
 * *@out_bytes (may be NULL): the bytes sent. */
gboolean  crm_sync_files_upload (CrmSyncRound  *round,
                                 SoupSession   *session,
                                 CrmStore      *store,
                                 GPtrArray     *ops,
                                 GCancellable  *cancellable,
                                 guint64       *out_bytes,
                                 GError       **error);
/* Downloads the content @hash into the folder of @store (resuming a download that
 * stopped); a content already there is not downloaded again. */
gboolean  crm_sync_files_fetch  (CrmSyncRound  *round,
                                 SoupSession   *session,
                                 CrmStore      *store,
                                 const char    *hash,
                                 GCancellable  *cancellable,
                                 GError       **error);

G_END_DECLS
