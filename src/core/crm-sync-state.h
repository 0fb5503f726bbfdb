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

/* --- a server restored from a backup (issue 22) ------------------------------------------ */

/* The server accepted op @op_id as its sequence number @server_seq and sealed it with
 * @stamp, recording @actor as its author (the stamp covers it). With @stamp NULL the op
 * keeps its stamp and author. */
gboolean    crm_sync_state_set_stamp         (CrmStore    *store,
                                              const char  *op_id,
                                              gint64       server_seq,
                                              const char  *stamp,
                                              const char  *actor,
                                              GError     **error);
/* The ops a server restored with its first @shared sequence numbers may have lost, that
 * this replica can send again: its own acknowledged ops and the stamped ops it pulled,
 * numbered above @shared by the server, after local position @after_seq, oldest first
 * (at most @limit; each op's seq is its local position). */
GPtrArray  *crm_sync_state_dup_lost_ops      (CrmStore    *store,
                                              gint64       shared,
                                              gint64       after_seq,
                                              guint        limit,
                                              GError     **error);
/* Does this replica hold an op made by @device (e.g. the server's own ops)? */
gboolean    crm_sync_state_knows_device      (CrmStore    *store,
                                              const char  *device,
                                              gboolean    *out_known,
                                              GError     **error);
/* Remembers that the server was found restored from a backup and @count changes it had
 * lost were sent again (meta "sync.restored"), for the app's sync state. */
gboolean    crm_sync_state_set_restored      (CrmStore    *store,
                                              gint64       count,
                                              GError     **error);
/* FALSE when there is nothing to tell (never restored, or the user has seen it). */
gboolean    crm_sync_state_get_restored      (CrmStore    *store,
                                              gint64      *out_count,
                                              gint64      *out_ms);

/* The user has looked at them: they stop counting as new (and the note about a restored
 * server is dropped). Local only, never synced. */
gboolean    crm_sync_state_mark_conflicts_seen (CrmStore  *store,
                                                GError   **error);

G_END_DECLS
