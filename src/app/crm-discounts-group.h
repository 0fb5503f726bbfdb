/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-discounts-group.h — «Скидки» on a deal's and a company's page (S3-9): the
 * discounts of the brands of the deal (or of the company's deals), as the reference list
 * has them, with a change that waits for approval under its brand. An administrator
 * changes one here directly (kept in the registry like an approved one); anyone else
 * sees it read-only and asks through «Request Approval». Hidden without brands. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_DISCOUNTS_GROUP (crm_discounts_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmDiscountsGroup, crm_discounts_group, CRM, DISCOUNTS_GROUP, AdwPreferencesGroup)

/* Shows the discounts of @entity ("deal" or "company") @entity_id. */
void       crm_discounts_group_set_target  (CrmDiscountsGroup *self,
                                            CrmContext        *context,
                                            const char        *entity,
                                            const char        *entity_id);
guint      crm_discounts_group_get_n_brands (CrmDiscountsGroup *self);
/* The row of @brand (its name), or NULL. */
GtkWidget *crm_discounts_group_find_row    (CrmDiscountsGroup *self,
                                            const char        *brand);
/* Opens the way to change @brand_id's discount: an administrator's dialog (a percent and
 * a comment) or, for anyone else, «Request Approval» (the same as the row's button). */
GtkWindow *crm_discounts_group_change      (CrmDiscountsGroup *self,
                                            const char        *brand_id);

G_END_DECLS
