/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mass-deals-dialog.h — «Создать сделки…» (S4-3) on the companies a filter or a saved
 * list shows, or those selected: one deal per company from a deal template (title pattern, pipeline, stage,
 * the pipeline's date and required fields, amount, tags) in one change set, toasted with
 * «Undo»; then the deals made, each opening its card. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_MASS_DEALS_DIALOG (crm_mass_deals_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmMassDealsDialog, crm_mass_deals_dialog, CRM, MASS_DEALS_DIALOG, AdwWindow)

/* For @company_ids (NULL-terminated; a company named twice counts once), shown as the
 * companies of the saved list @list_name, as those selected in the list when @selected
 * (selection mode), or as those found. */
CrmMassDealsDialog *crm_mass_deals_dialog_new          (GtkWindow           *parent,
                                                        CrmContext          *context,
                                                        const char * const  *company_ids,
                                                        const char          *list_name,
                                                        gboolean             selected);
/* How many deals «Create» makes. */
guint               crm_mass_deals_dialog_get_n_deals  (CrmMassDealsDialog  *self);
/* Creates the deals as the dialog is filled in (what «Create» does); FALSE when refused,
 * the reason shown in the dialog. */
gboolean            crm_mass_deals_dialog_create       (CrmMassDealsDialog  *self);
/* The ids of the deals made (after a create), or NULL. */
GPtrArray          *crm_mass_deals_dialog_get_deal_ids (CrmMassDealsDialog  *self);
/* The error shown in the dialog, or NULL. */
const char         *crm_mass_deals_dialog_get_message  (CrmMassDealsDialog  *self);

G_END_DECLS
