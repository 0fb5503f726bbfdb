/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-board.h — a pipeline as columns of stages with deal cards; moves by drag and drop,
 * by Alt+Left/Right and by a card's "Move to…" menu, through the gate dialog. */
#pragma once

#include <gtk/gtk.h>

#include "crm-board-column.h"
#include "crm-context.h"
#include "crm-gate-dialog.h"

G_BEGIN_DECLS

#define CRM_TYPE_BOARD (crm_board_get_type ())
G_DECLARE_FINAL_TYPE (CrmBoard, crm_board, CRM, BOARD, GtkWidget)

void            crm_board_set_pipeline   (CrmBoard   *self,
                                          const char *pipeline_id);
const char     *crm_board_get_pipeline   (CrmBoard *self);

guint           crm_board_get_n_columns  (CrmBoard *self);
CrmBoardColumn *crm_board_get_column     (CrmBoard *self,
                                          guint     index);
CrmBoardColumn *crm_board_find_column    (CrmBoard   *self,
                                          const char *stage_id);
CrmDealCard    *crm_board_find_card      (CrmBoard   *self,
                                          const char *deal_id);

/* Moves @deal_id to @stage_id as a drop does; a refusal opens the gate dialog (returned
 * in @out_dialog). TRUE when the deal moved right away. */
/* «Mine»: only the current user's deals (kept in the "board-mine-only" setting). */
void            crm_board_set_mine       (CrmBoard   *self,
                                          gboolean    mine);
gboolean        crm_board_get_mine       (CrmBoard   *self);
/* «Compact»: narrow columns with smaller paddings, so a wide screen shows eight or more
 * stages (kept in the "board-compact" setting). */
void            crm_board_set_compact    (CrmBoard   *self,
                                          gboolean    compact);
gboolean        crm_board_get_compact    (CrmBoard   *self);
/* The user «Mine» narrows the board to, or NULL. */
const char     *crm_board_get_responsible (CrmBoard  *self);
/* While a card is dragged (board.drag-begin/-end): the won and lost drop zones show. */
void            crm_board_set_dragging   (CrmBoard   *self,
                                          gboolean    dragging);
gboolean        crm_board_get_dragging   (CrmBoard   *self);
/* A card dropped on the won or lost zone (@kind "won"/"lost"): moved to that stage; lost
 * asks for the reason. FALSE when the pipeline has no such stage. */
gboolean        crm_board_drop_on_zone   (CrmBoard   *self,
                                          const char *deal_id,
                                          const char *kind);
gboolean        crm_board_move_deal      (CrmBoard       *self,
                                          const char     *deal_id,
                                          const char     *stage_id,
                                          CrmGateDialog **out_dialog);

G_END_DECLS
