/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-validate.h — the checks every op passes, with the same code on the laptop
 * (crm_store_apply() runs them on every op it writes, rule ops included) and on the
 * server (every pushed op):
 *
 *   shape       what can be told from the op alone: a known entity, writable fields of
 *               the type the entity descriptor gives (crm-schema.c), ids that are ids,
 *               money and times in range, short texts short, an attachment hash that is
 *               a SHA-256, the whole op at most CRM_OP_MAX_BYTES;
 *   references  every id the op names is an entity of the right kind in the replica
 *               (pipeline, stage, user, deal, tag, company, contact, loss reason…), and
 *               a custom field the account defines holds a value of its type (a choice
 *               of its list, a number, money in range, a date);
 *   rights      what the acting user's role allows (admin, manager, rep; see
 *               HACKING.md, "Who may change what");
 *   gates       the stage gates (stage of the deal's pipeline, required fields, loss
 *               reason, attachment), a call's result, the next task — against the state
 *               the op leaves.
 *
 * The bounds (documented in HACKING.md): */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* The largest amount of money a deal may carry, in minor units (1 000 000 000.00 in
 * major units). Sums of up to 92 million such amounts still fit in a signed 64-bit
 * integer, so the per-stage and per-pipeline totals SQLite keeps never leave the
 * integers (an overflowing integer sum in SQLite turns into a floating-point one). */
#define CRM_MONEY_MAX       G_GINT64_CONSTANT (100000000000)
/* The canonical JSON of one op's fields, at most. */
#define CRM_OP_MAX_BYTES    (64 * 1024)
/* Names, titles and other one-line texts, at most (characters). */
#define CRM_TEXT_MAX_CHARS  1000
/* The latest time an op may carry (UTC ms): 9999-12-31T23:59:59.999Z. */
#define CRM_TIME_MAX        G_GINT64_CONSTANT (253402300799999)

gboolean  crm_validate_op_shape      (const CrmOp  *op,
                                      GError      **error);
gboolean  crm_validate_op_references (CrmStore     *store,
                                      const CrmOp  *op,
                                      GError      **error);

/* May @user_id with @role (admin | manager | rep; anything else counts as rep) make
 * @op? Looks at the entity as it was before the op: the replica's state, with the values
 * in op->previous (what the op replaced, when it is already written) taking precedence,
 * and op->created telling a new entity. Fails with PERMISSION_DENIED. */
gboolean  crm_validate_op_rights     (CrmStore     *store,
                                      const CrmOp  *op,
                                      const char   *user_id,
                                      const char   *role,
                                      GError      **error);

/* The gates (crm-gates.c) for @op against the replica's state now, the op written;
 * op->created says whether the op made the entity. */
gboolean  crm_validate_op_gates      (CrmStore     *store,
                                      const CrmOp  *op,
                                      GError      **error);

G_END_DECLS
