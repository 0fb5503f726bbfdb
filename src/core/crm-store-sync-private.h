/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store-sync-private.h — the few store calls the sync client (src/sync) and the
 * server (src/server) build on, beyond the public API: an explicit write transaction,
 * merging one op at a time inside it (so a pulled page, the pull cursor and conflict
 * records, or a pushed batch and the server's bookkeeping, commit together), clock
 * access, and re-stamping a local op the server gave a new clock.
 *
 * The changelog's `pushed` column, as sync uses it: 0 — made here and not yet
 * acknowledged (the outbox); N > 0 — accepted by the server as its sequence number N;
 * -1 — rejected by the server (the server's corrective op restored its values). Only
 * rows with local = 1 are ever pushed. */
#pragma once

#include <sqlite3.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* BEGIN IMMEDIATE. Ops written inside with _crm_store_merge_op() (or
 * _crm_store_write_change()) do not run the automation rules or the gates. The clock is
 * brought up to the stored one first, so several connections to one replica never stamp
 * an op behind one they can see. */
/* The changelog columns an op is read from, in the order _crm_op_from_changelog_row()
 * expects; "stamp" may follow them, and a statement may stop after "fields". */
#define CRM_CHANGELOG_OP_COLUMNS \
  "seq, op_id, hlc, device, entity, entity_id, fields, cause, rule, actor"
CrmOp    *_crm_op_from_changelog_row (sqlite3_stmt *stmt);

gboolean  _crm_store_begin       (CrmStore    *self,
                                  GError     **error);
/* Saves the clock and commits; on failure everything is rolled back. */
gboolean  _crm_store_commit      (CrmStore    *self,
                                  GError     **error);
void      _crm_store_rollback    (CrmStore    *self);

/* Merges @op inside the transaction: per-field LWW, the changelog row (local = @local),
 * the clock absorbs its hlc. An op already in the changelog is skipped and *@out_known
 * set. With @out_previous, returns {"values": {field: value it replaced}, "clocks":
 * {field: "hlc device" it replaced, or null}} for the fields it won (values only for an
 * entity that existed). */
gboolean  _crm_store_merge_op    (CrmStore     *self,
                                  const CrmOp  *op,
                                  gboolean      local,
                                  gboolean     *out_known,
                                  JsonObject  **out_previous,
                                  GError      **error);

/* Applies @op's fields again (LWW; no changelog row). Inside the transaction. */
gboolean  _crm_store_reapply_op  (CrmStore     *self,
                                  const CrmOp  *op,
                                  GError      **error);

/* A new stamp from this replica's clock (for ops the server makes by hand). */
guint64   _crm_store_next_hlc    (CrmStore    *self);
/* Moves the clock past @hlc (the server's clock in every answer). */
void      _crm_store_absorb_hlc  (CrmStore    *self,
                                  guint64      hlc);

/* The server re-stamped local op @op_id with @hlc (its clock was too far ahead): the
 * changelog row and the fields the op still holds take the new clock, and the entity's
 * other ops are applied again so one that now wins does. Inside the transaction. */
gboolean  _crm_store_restamp_op  (CrmStore    *self,
                                  const char  *op_id,
                                  guint64      hlc,
                                  GError     **error);

G_END_DECLS
