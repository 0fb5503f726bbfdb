/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stamp.h — the server's seal on the ops it accepted.
 *
 * A stamp is an HMAC-SHA256, under a secret key of the account that only the server has,
 * over everything an op says: its id, clock, device, entity, fields, cause, rule and
 * actor. The server stamps every op of its changelog and sends the stamp with pulls, push
 * answers and snapshots; devices keep it next to the op. When the server is restored from
 * an older backup, devices send it the ops it lost — their own and those they pulled from
 * others — and a valid stamp proves the server accepted that op before, exactly as it is,
 * so it is taken back with its author without asking again whether the pusher may make it.
 * An op without a valid stamp goes through the ordinary checks. */
#pragma once

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* Bytes of a new account's stamp key. */
#define CRM_STAMP_KEY_SIZE 32

/* "v1:" and 64 hex digits, over @op as it is (its fields in canonical JSON). */
char      *crm_stamp_compute        (GBytes       *key,
                                     const CrmOp  *op);
/* TRUE when @op carries a stamp @key made for exactly this op. */
gboolean   crm_stamp_check          (GBytes       *key,
                                     const CrmOp  *op);

/* The server's side: every op written to @store's changelog from now on (through this
 * connection) is stamped and numbered (server_seq = seq), and the ops stored before
 * without a stamp are stamped now. */
gboolean   crm_store_enable_stamps  (CrmStore     *store,
                                     GBytes       *key,
                                     GError      **error);
/* The key given to crm_store_enable_stamps() (NULL: @store does not stamp). */
GBytes    *crm_store_get_stamp_key  (CrmStore     *store);

G_END_DECLS
