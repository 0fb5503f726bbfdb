/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-pipeline-board.h — deal cards that stay fast on a large account: a whole pipeline board
 * in one call (every stage with its count, sum and first cards) and the brand-tag
 * filter across pipelines. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The stages of @pipeline_id in order:
 * [{"id","name","kind","count","sum" (minor units),"cards":[…]}]
 * where each column's "cards" are its first @cards_per_stage deals (0: none), newest
 * first, in the card shape of crm_query_deal_cards() (crm-query-board.h):
 * {"id","title","amount","currency","pipeline_id","stage_id","stage","stage_kind",
 *  "company","contact","responsible","tags":[{"id","name","group"}],"next_task_id",
 *  "next_task","next_due","open_tasks","loss_reason" (its name, or null),
 *  "responsible_id"}.
 * @tag_ids (NULL-terminated, may be NULL): only deals having all of them, in the
 * counts and sums too. Costs a few index range scans per stage, whatever the size of
 * the account (the deal_board index of schema 2). */
JsonArray *crm_query_board (CrmStore            *store,
                            const char          *pipeline_id,
                            const char * const  *tag_ids,
                            guint                cards_per_stage,
                            GError             **error);

/* The same, only with the deals @responsible_id is responsible for (NULL: everyone's) —
 * the board's «Mine»; the counts and sums are counted then, not read from the totals. */
JsonArray *crm_query_board_for (CrmStore            *store,
                                const char          *pipeline_id,
                                const char * const  *tag_ids,
                                const char          *responsible_id,
                                guint                cards_per_stage,
                                GError             **error);

/* Deal cards having all of @tag_ids (NULL-terminated, at least one), newest first, in
 * the card shape above; *out_total (optional) gets their number ignoring @limit (0: no
 * limit) and @offset. The brand filter of the board's header, over every pipeline. */
JsonArray *crm_query_cards_with_tags (CrmStore            *store,
                                      const char * const  *tag_ids,
                                      guint                limit,
                                      guint                offset,
                                      gint64              *out_total,
                                      GError             **error);

G_END_DECLS
