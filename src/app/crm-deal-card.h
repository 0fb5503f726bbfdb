/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-card.h — one deal on the board: title, amount, contact, tag chips, the next
 * task and its due date, a warning when the deal has no open task. Dragged to another
 * column, or moved with Alt+Left/Right or its "Move to…" menu. */
#pragma once

#include <gtk/gtk.h>

#include "crm-record.h"

G_BEGIN_DECLS

#define CRM_TYPE_DEAL_CARD (crm_deal_card_get_type ())
G_DECLARE_FINAL_TYPE (CrmDealCard, crm_deal_card, CRM, DEAL_CARD, GtkListBoxRow)

/* @card: a row of crm_query_deal_cards(). */
CrmDealCard *crm_deal_card_new            (CrmRecord   *card,
                                           gint64       now_ms);
const char  *crm_deal_card_get_deal_id    (CrmDealCard *self);
const char  *crm_deal_card_get_title      (CrmDealCard *self);
/* TRUE when the warning "no open task" shows. */
gboolean     crm_deal_card_get_needs_task (CrmDealCard *self);

G_END_DECLS
