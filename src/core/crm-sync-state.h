/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-state.h — where this replica stands with the server, as the app's header
 * shows it: changes made here and not yet pushed (the outbox), when it last synced, and
 * the edits that lost a conflict (the local `conflict` table, filled by merge). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Ops made on this device and not yet acknowledged by the server
 * (changelog local = 1 AND pushed = 0). */
gboolean    crm_sync_state_count_waiting     (CrmStore  *store,
                                              gint64    *out_count,
                                              GError   **error);

/* The time of the last successful sync (meta "sync.last", ISO 8601) as UTC ms;
 * FALSE when this replica never synced. */
gboolean    crm_sync_state_get_last_sync     (CrmStore  *store,
                                              gint64    *out_ms);

/* Conflicts where a local edit lost to another device's, newest first:
 * [{"id","entity","entity_id","title" (the deal's title, contact's name… or null),
 *   "field","local_value","remote_value","remote_device","remote_actor" (a user's name
 *   or null),"created_at" (UTC ms),"seen"}]. @limit 0: all. */
JsonArray  *crm_sync_state_list_conflicts    (CrmStore  *store,
                                              gboolean   unseen_only,
                                              guint      limit,
                                              GError   **error);
gboolean    crm_sync_state_count_conflicts   (CrmStore  *store,
                                              gboolean   unseen_only,
                                              gint64    *out_count,
                                              GError   **error);
/* Changes made here that the server refused (changelog local = 1, pushed = -1; the
 * server's corrective op already restored its values), newest first:
 * [{"op","entity","entity_id","title","fields":{…},"at" (UTC ms)}]. @limit 0: all. */
JsonArray  *crm_sync_state_list_rejected     (CrmStore  *store,
                                              guint      limit,
                                              GError   **error);
gboolean    crm_sync_state_count_rejected    (CrmStore  *store,
                                              gint64    *out_count,
                                              GError   **error);

/* The user has looked at them: they stop counting as new. Local only, never synced. */
gboolean    crm_sync_state_mark_conflicts_seen (CrmStore  *store,
                                                GError   **error);

G_END_DECLS
