/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-merge-private.h — merging one op at a time inside a transaction of
 * crm-changelog-private.h (_crm_store_begin): what sync state, the server's ledger and
 * the snapshot install use of crm-merge.c beyond crm_store_merge_ops(). */
#pragma once

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

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
/* The server re-stamped local op @op_id with @hlc (its clock was too far ahead): the
 * changelog row and the fields the op still holds take the new clock, and the entity's
 * other ops are applied again so one that now wins does. Inside the transaction. */
gboolean  _crm_store_restamp_op  (CrmStore    *self,
                                  const char  *op_id,
                                  guint64      hlc,
                                  GError     **error);

/* The field clocks of a row ({field: "hlc device"}), or NULL when there is none. */
JsonObject *_crm_store_dup_clocks  (CrmStore    *self,
                                    const char  *entity,
                                    const char  *entity_id);
/* Writes @op's fields (LWW) as a fact derived from replicated ones: no changelog row,
 * nothing for undo or the rules (crm-duplicates.c's redirects). Inside the transaction. */
gboolean  _crm_store_apply_derived (CrmStore     *self,
                                    CrmOp        *op,
                                    GError      **error);

G_END_DECLS
