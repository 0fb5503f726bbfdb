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
/* Reads the column's cards under the context's tag filter and search. */
void            crm_board_column_load         (CrmBoardColumn *self,
                                               CrmContext     *context);
CrmDealCard    *crm_board_column_find_card    (CrmBoardColumn *self,
                                               const char     *deal_id);
guint           crm_board_column_get_n_cards  (CrmBoardColumn *self);
CrmDealCard    *crm_board_column_get_card     (CrmBoardColumn *self,
                                               guint           index);

G_END_DECLS
