/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-store.h — what sync does to a local replica, each step one transaction: read
 * the outbox, take a push answer (acknowledge, re-stamp, restore what was rejected),
 * merge a pull page together with its cursor and the conflicts it causes, install a
 * snapshot. Also what `voronkactl status` and `conflicts` show.
 *
 * Meta keys: "sync.cursor" (the server sequence pulled up to), "sync.last" (ISO time of
 * the last complete sync), "sync.server" (the server URL the cursor belongs to, normalized:
 * crm_server_url_normalize ()), "sync.user" (who signs in), "sync.ca" (the PEM certificate
 * the last sync trusted, when not the system's authorities): the CLI and the app sync with
 * these when given nothing else.
 *
 * Conflict records (table `conflict`) are of two kinds:
 *   a lost edit  — a pulled op overwrote a field this device had written, and its author
 *                  had not seen that write (a concurrent edit): both values, who
 *                  (remote_actor, remote_device) and when (remote_hlc);
 *   a rejection  — the server refused a local op: remote_actor is "rejected:CODE",
 *                  remote_device the server's device, remote_value what the server kept. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"
#include "crm-protocol.h"

G_BEGIN_DECLS

#define CRM_SYNC_REJECTED_PREFIX "rejected:"

/* Local ops not yet acknowledged by the server, oldest first (at most @limit). */
GPtrArray  *crm_sync_store_dup_outbox          (CrmStore    *store,
                                                guint        limit,
                                                GError     **error);
gint64      crm_sync_store_count_outbox        (CrmStore    *store);
/* -1 when the replica never synced. */
gint64      crm_sync_store_get_cursor          (CrmStore    *store);
/* A replica with no ops at all: its first sync installs a snapshot. */
gboolean    crm_sync_store_is_empty            (CrmStore    *store);

/* The answer to pushing @ops: accepted ops are acknowledged with their server sequence
 * (and re-stamped when the server changed their clock), rejected ones are marked,
 * their corrective ops merged and the rejection recorded. */
gboolean    crm_sync_store_apply_push          (CrmStore    *store,
                                                GPtrArray   *ops,
                                                GPtrArray   *results,
                                                guint64      server_hlc,
                                                guint       *out_rejected,
                                                GError     **error);
/* Merges a pull page, records lost edits, acknowledges this device's own ops found in
 * it and moves the cursor to page->next — all in one transaction. */
gboolean    crm_sync_store_apply_page          (CrmStore    *store,
                                                CrmPullPage *page,
                                                guint       *out_merged,
                                                guint       *out_conflicts,
                                                GError     **error);
/* Replaces the replica's entities and history by the snapshot at @snapshot_path (an
 * uncompressed replica valid at server sequence @seq), keeping this device's id, its
 * settings, its conflict records and any op not pushed yet (applied again on top). An
 * empty replica takes the file itself: @snapshot_path is moved over it and *@store is
 * reopened (also on failure, when it can be). */
gboolean    crm_sync_store_install_snapshot    (CrmStore   **store,
                                                const char  *snapshot_path,
                                                gint64       seq,
                                                guint64      server_hlc,
                                                GError     **error);
/* Stores "sync.last" = now. */
gboolean    crm_sync_store_mark_synced         (CrmStore    *store,
                                                guint64      server_hlc,
                                                GError     **error);

/* [{"id","kind":"conflict"|"rejected","entity","entity_id","title","field","local",
 *   "remote","who","device","when","code","reason","seen"}], newest first. */
JsonNode   *crm_sync_store_list_conflicts      (CrmStore    *store,
                                                gboolean     unseen_only,
                                                GError     **error);
/* Counts of conflict records: lost edits and rejections (unseen ones only). */
void        crm_sync_store_count_conflicts     (CrmStore    *store,
                                                gint64      *out_conflicts,
                                                gint64      *out_rejected);
gboolean    crm_sync_store_mark_conflicts_seen (CrmStore    *store,
                                                GError     **error);
/* A sentence for a rejection code, for people. */
const char *crm_sync_rejection_reason          (const char  *code,
                                                const char  *entity);

G_END_DECLS
