/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-state.h — the replica's side of sync, and where it stands with the server.
 *
 * Only core reads or writes the replica's tables; the sync client (src/sync) talks HTTP
 * and hands what it got to these calls, each of which is one SQLite transaction, so a
 * client killed at any point leaves the replica before or after a step:
 *   - the outbox: crm_sync_state_dup_outbox(), crm_sync_state_count_waiting();
 *   - a push answer: crm_sync_state_take_push_answer() (acknowledge, re-stamp, restore
 *     and record what was rejected);
 *   - a pulled page: crm_sync_state_merge_pulled() (the ops, the conflicts they cause,
 *     this device's own ops acknowledged, and the cursor — the pull path's one call, as
 *     crm_store_apply() is the write path's);
 *   - a snapshot: crm_sync_state_install_snapshot();
 *   - what people see: crm_sync_state_count_conflicts(), crm_sync_state_count_rejected(),
 *     crm_sync_state_list_conflicts(), crm_sync_state_mark_conflicts_seen().
 *
 * Meta keys: "sync.cursor" (the server sequence pulled up to), "sync.last" (ISO time of
 * the last complete sync), "sync.server" (the server URL the cursor belongs to),
 * "sync.user" (who signs in), "sync.ca" (the PEM certificate the last sync trusted),
 * "sync.epoch" (the server incarnation synced with), "sync.restored".
 *
 * The changelog's `pushed` column: 0 — made here and not yet acknowledged (the outbox);
 * N > 0 — accepted by the server as its sequence number N; -1 — rejected by the server
 * (its corrective op restored the server's values). Only rows with local = 1 are pushed.
 *
 * The one definition of each thing people are shown:
 *   waiting   — an op made here the server has not acknowledged yet (the outbox);
 *   conflict  — one field of an edit made here that lost to a concurrent edit made
 *               elsewhere (its author had not seen ours), until marked seen;
 *   rejected  — one change (op) made here that the server refused, with its reason,
 *               until marked seen.
 * Neither counts nor lists a field whose kept value equals ours, nor the time a deal
 * entered its stage (it goes with the stage, which is listed).
 * The app's header and `voronkactl status` both count with these calls. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* --- the outbox and the cursor ------------------------------------------------------------ */

/* Ops made on this device and not yet acknowledged by the server. */
gboolean    crm_sync_state_count_waiting     (CrmStore  *store,
                                              gint64    *out_count,
                                              GError   **error);
/* The outbox, oldest first (at most @limit ops). */
GPtrArray  *crm_sync_state_dup_outbox        (CrmStore  *store,
                                              guint      limit,
                                              GError   **error);
/* The server sequence this replica pulled up to; -1 when it never synced. */
gint64      crm_sync_state_get_cursor        (CrmStore  *store);
/* The id of the op this replica pulled as the server's sequence number @cursor (the last
 * op of the last page merged), read from its history; *@out_op_id NULL when it holds
 * none (@cursor 0, history the replica never received, or more than 20 000 changes
 * written after it: it is looked for among the latest only). The pull request carries it,
 * so a server that lost ops it had numbered up to there, and numbered others the same
 * since, can tell. */
gboolean    crm_sync_state_dup_cursor_op     (CrmStore  *store,
                                              gint64     cursor,
                                              char     **out_op_id,
                                              GError   **error);
/* Whether the replica never synced and holds no op (*@out_unused): its first sync
 * installs a snapshot, and a first sync that fails may remove it. FALSE with @error (and
 * *@out_unused FALSE) when the replica could not be read: a replica that cannot be read
 * is never taken for an unused one. */
gboolean    crm_sync_state_read_unused       (CrmStore  *store,
                                              gboolean  *out_unused,
                                              GError   **error);

/* The time of the last successful sync (meta "sync.last", ISO 8601) as UTC ms;
 * FALSE when this replica never synced. */
gboolean    crm_sync_state_get_last_sync     (CrmStore  *store,
                                              gint64    *out_ms);
/* A sync round finished: "sync.last" = now. */
gboolean    crm_sync_state_set_last_sync     (CrmStore  *store,
                                              GError   **error);

/* --- a push answer -------------------------------------------------------------------------- */

/* What the server said about one pushed op (the protocol's push result, as core needs
 * it; the sync client fills it, borrowing its strings). */
typedef struct {
  const char   *op_id;
  gboolean      accepted;
  gint64        seq;         /* accepted: the server's sequence number */
  guint64       hlc;         /* accepted: the op's clock on the server */
  const char   *stamp;       /* accepted: the server's seal, or NULL */
  const char   *actor;       /* accepted with a stamp: the author the server recorded */
  const char   *code;        /* rejected: the error code ("permission-denied", …) */
  JsonObject   *values;      /* rejected: the server's values of the op's fields, or NULL */
  const CrmOp  *corrective;  /* rejected: the server's op restoring them, or NULL */
} CrmPushOutcome;

/* Takes the answer to pushing @ops (from crm_sync_state_dup_outbox()) in one
 * transaction: accepted ops are acknowledged with their server sequence and stamp (and
 * re-stamped when the server changed their clock); rejected ones lose to every other
 * write, the server's corrective op is merged and the rejection recorded with its code.
 * An outcome about an op not in @ops is ignored. @server_hlc: the server's clock (0:
 * unknown). *@out_rejected: how many were rejected. */
gboolean    crm_sync_state_take_push_answer  (CrmStore              *store,
                                              GPtrArray             *ops,
                                              const CrmPushOutcome  *outcomes,
                                              guint                  n_outcomes,
                                              guint64                server_hlc,
                                              guint                 *out_rejected,
                                              GError               **error);

/* --- a pulled page ---------------------------------------------------------------------------- */

/* Merges a page of ops pulled from the server, in one transaction with everything it
 * implies: each op merged (per-field last-writer-wins; known ops skipped), a conflict
 * recorded for each field where it overwrote an edit of this device its author had not
 * seen, this device's own ops found in it acknowledged (the answer to their push was
 * lost), known ops given the server's sequence and stamp, and the pull cursor moved to
 * @cursor. All of it or nothing.
 * @ops: CrmOp*, each op->seq the server's sequence number; @bases: gint64 per op, what
 * its author had seen of the server (its push base); @server_hlc: the server's clock
 * (0: unknown). *@out_merged: ops new to this replica; *@out_conflicts: conflicts
 * recorded. */
gboolean    crm_sync_state_merge_pulled      (CrmStore   *store,
                                              GPtrArray  *ops,
                                              GArray     *bases,
                                              gint64      cursor,
                                              guint64     server_hlc,
                                              guint      *out_merged,
                                              guint      *out_conflicts,
                                              GError    **error);

/* --- a snapshot (crm-snapshot-install.c) --------------------------------------------------- */

/* Replaces the replica's entities and history by the server's copy at @snapshot_path (an
 * uncompressed replica valid at server sequence @seq), keeping this device's id, its
 * settings, its conflict records and any op not pushed yet (applied again on top). An
 * unused replica takes the file itself: @snapshot_path is moved over it and *@store is
 * reopened (also on failure, when it can be). Errors: CRM_STORE_ERROR_INVALID_INPUT (the
 * copy is not a Voronka replica), CRM_STORE_ERROR_SCHEMA_TOO_NEW (made by a newer
 * Voronka), or what SQLite and the file system said. */
gboolean    crm_sync_state_install_snapshot  (CrmStore   **store,
                                              const char  *snapshot_path,
                                              gint64       seq,
                                              guint64      server_hlc,
                                              GError     **error);

/* --- conflicts and rejections --------------------------------------------------------------- */

/* Lost edits (one per field; see above). */
gboolean    crm_sync_state_count_conflicts   (CrmStore  *store,
                                              gboolean   unseen_only,
                                              gint64    *out_count,
                                              GError   **error);
/* Rejected changes (one per op; see above). */
gboolean    crm_sync_state_count_rejected    (CrmStore  *store,
                                              gboolean   unseen_only,
                                              gint64    *out_count,
                                              GError   **error);

/* Lost edits and rejected changes, one record per field, newest first (at most @limit;
 * 0: all):
 * [{"id", "kind": "conflict"|"rejected"|"pending" (crm_sync_state_set_withdraw_pending()), "entity", "entity_id", "title" (the deal's
 *   title, contact's name… or null), "field", "local" (this device's value, JSON),
 *   "remote" (the value kept, JSON), "who" (who made the kept value: a user's name, or
 *   "server" for a rejection), "actor" (that user's id, or null), "device", "when"
 *   (when the kept value was made, ISO 8601 UTC, or null when unknown), "local_when"
 *   (when this device made its edit), "code" and "reason" (a rejection's code and a
 *   sentence for people, else null), "seen",
 *   and what a person reads, from crm_describe_conflict(): "subject", "field_label",
 *   "local_text", "remote_text", "by", "when_text", "local_when_text", "heading",
 *   "kept_line", "yours_line"}]. */
JsonArray  *crm_sync_state_list_conflicts    (CrmStore  *store,
                                              gboolean   unseen_only,
                                              guint      limit,
                                              GError   **error);

/* What the server said with the last pull about this user's changes that did not hold
 * and whose automation's effects it has yet to withdraw (the pull answer's
 * "withdraw_pending"; NULL or empty: none, which clears the note). Listed by
 * crm_sync_state_list_conflicts() as records of kind "pending", code "withdraw-pending",
 * with "effects" (how many), and counted with the conflicts, until a pull says they are
 * gone. Local only. */
gboolean    crm_sync_state_set_withdraw_pending (CrmStore   *store,
                                                 JsonArray  *pending,
                                                 GError    **error);

/* The user has looked at them: they stop counting (and the note about a restored server
 * is dropped). Local only, never synced. */
gboolean    crm_sync_state_mark_conflicts_seen (CrmStore  *store,
                                                GError   **error);

/* A sentence for a rejection code (CLI.md's codes), for people. */
const char *crm_sync_state_rejection_reason  (const char  *code,
                                              const char  *entity);

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
/* Remembers that the server was found restored from a backup — or, with @lost_ops, that
 * it had lost changes it had acknowledged without being restored — and @count changes it
 * had lost were sent again (meta "sync.restored"), for the app's sync state. */
gboolean    crm_sync_state_set_restored      (CrmStore    *store,
                                              gint64       count,
                                              gboolean     lost_ops,
                                              GError     **error);
/* FALSE when there is nothing to tell (never restored, or the user has seen it). */
gboolean    crm_sync_state_get_restored      (CrmStore    *store,
                                              gint64      *out_count,
                                              gint64      *out_ms,
                                              gboolean    *out_lost_ops);

G_END_DECLS
