/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-board-column.h — one stage on the board: its name, how many deals and their sum,
 * and the cards, a page at a time; cards dropped on it move there. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "crm-context.h"
#include "crm-deal-card.h"

G_BEGIN_DECLS

#define CRM_TYPE_BOARD_COLUMN (crm_board_column_get_type ())
G_DECLARE_FINAL_TYPE (CrmBoardColumn, crm_board_column, CRM, BOARD_COLUMN, GtkWidget)

/* @column: a row of crm_query_board_columns(). */
CrmBoardColumn *crm_board_column_new          (JsonObject     *column);
void            crm_board_column_update       (CrmBoardColumn *self,
                                               JsonObject     *column);
const char     *crm_board_column_get_stage_id (CrmBoardColumn *self);
/* "unsorted", "open", "won" or "lost". */
const char     *crm_board_column_get_kind     (CrmBoardColumn *self);
/* Deals a column reads at a time ("Show N More" reads the next page). */
#define CRM_BOARD_COLUMN_PAGE 25

/* Reads the column's cards under the context's tag filter and search. */
void            crm_board_column_load         (CrmBoardColumn *self,
                                               CrmContext     *context);
/* Shows @cards, the column's cards already read with the board (crm_query_board), of
 * @total matching deals. Builds the widgets of the first @n_now of them now and the
 * rest on crm_board_column_build_pending() — or as soon as a card is asked for, so
 * the functions below always see every card. FALSE (nothing shown) when the column
 * shows more than the first page: then it must crm_board_column_load() itself. */
gboolean        crm_board_column_set_cards    (CrmBoardColumn *self,
                                               CrmContext     *context,
                                               JsonArray      *cards,
                                               gint64          total,
                                               guint           n_now);
/* Builds the cards set_cards() left for later; FALSE when there were none. */
gboolean        crm_board_column_build_pending (CrmBoardColumn *self);
gboolean        crm_board_column_has_pending  (CrmBoardColumn *self);
CrmDealCard    *crm_board_column_find_card    (CrmBoardColumn *self,
                                               const char     *deal_id);
guint           crm_board_column_get_n_cards  (CrmBoardColumn *self);
CrmDealCard    *crm_board_column_get_card     (CrmBoardColumn *self,
                                               guint           index);

/* Narrow (196 px) or the usual 272 px wide; the board's «compact» style class makes
 * the paddings smaller. */
void            crm_board_column_set_compact (CrmBoardColumn *self,
                                              gboolean        compact);

G_END_DECLS
