/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stock-view.h — S0-7 for managers: pick a brand tag, see the purchasing deals with
 * it by stage (what is or will be in stock) and the sales deals waiting for it. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_STOCK_VIEW (crm_stock_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmStockView, crm_stock_view, CRM, STOCK_VIEW, GtkWidget)

/* Picks the brand by its tag name ("Volvo"); FALSE when there is no such tag. */
gboolean crm_stock_view_set_brand   (CrmStockView *self,
                                     const char   *tag_name);
guint  crm_stock_view_get_n_stock   (CrmStockView *self);
guint  crm_stock_view_get_n_waiting (CrmStockView *self);

G_END_DECLS
