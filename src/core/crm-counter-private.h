/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-counter-private.h — counter fields that merge by adding (crm-counter.c): the write
 * path, the merge and the deal queries share it; nothing outside src/core. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* Is @field one device's part of a counter ("failed_call_attempts@3fa4…")? */
gboolean  _crm_counter_is_part          (const char *field);
/* For a local op (the write path): every counter field it sets gets this device's part
 * beside it, so that the value is what this device added (its part) plus the other
 * devices' parts. */
void      _crm_counter_add_parts        (CrmStore   *store,
                                         CrmOp      *op);
/* After an op's fields were written into @data (a row's custom fields): each counter
 * the op touched is the sum of its parts again (never below 0). TRUE when @data changed. */
gboolean  _crm_counter_recompute        (JsonObject *data,
                                         JsonObject *op_fields);
/* Does @fields (an op's) hold a part of the counter @field? */
gboolean  _crm_counter_has_parts        (JsonObject *fields,
                                         const char *field);
/* A copy of @fields without the counters' parts (what people and scripts are shown). */
JsonObject *_crm_counter_strip_parts    (JsonObject *fields);

/* The server's side of counters (crm-ledger.c): which total each pushed counter op's
 * device saw, and the counter rules run on the totals no device saw. */
typedef struct {
  char   *deal;
  char   *field;
  char   *op_id;     /* the last accepted op of this push that counted it */
  char   *actor;
  gint64  seen;      /* the total its device saw when it wrote that op */
} CrmCounterSeen;

void        _crm_counter_seen_free      (CrmCounterSeen *seen);
/* Notes the counters @op (a pushed deal op, just merged) counted, in @seen
 * (CrmCounterSeen*, one per deal and field: the push's last op for it). */
void        _crm_counter_note_pushed    (GPtrArray   *seen,
                                         const CrmOp *op);
/* After the push: for each counter whose total on the server is not the one its
 * pushing device saw (another device counted meanwhile), the rules that watch that
 * counter (trigger "field_changed" on it) run as the server's, at the merged total, in
 * one transaction through the write path — each at most once per trigger op (ids from
 * the rule and that op, as on any replica). *out_fired: how many rules fired. */
gboolean    _crm_counter_run_merged_rules (CrmStore   *store,
                                           GPtrArray  *seen,
                                           guint      *out_fired,
                                           GError    **error);

G_END_DECLS
