/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-deal-dialog.h — create a deal: pipeline and stage, title, amount, contact,
 * company, tags (S0-9: manual deals, e.g. from an outbound call). */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_NEW_DEAL_DIALOG (crm_new_deal_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmNewDealDialog, crm_new_deal_dialog, CRM, NEW_DEAL_DIALOG, AdwWindow)

/* @pipeline_id: preselected pipeline (the board shown), or NULL. */
CrmNewDealDialog *crm_new_deal_dialog_new    (GtkWindow  *parent,
                                              CrmContext *context,
                                              const char *pipeline_id);
/* The client filled in (a contact's page, a company's page): a contact brings its
 * company along. */
void              crm_new_deal_dialog_set_contact    (CrmNewDealDialog *self,
                                                      const char       *contact_id);
void              crm_new_deal_dialog_set_company    (CrmNewDealDialog *self,
                                                      const char       *company_id);
const char       *crm_new_deal_dialog_get_contact_id (CrmNewDealDialog *self);
const char       *crm_new_deal_dialog_get_company_id (CrmNewDealDialog *self);
/* Fills title and amount as typed, and creates (tests). Returns the new deal's id. */
char             *crm_new_deal_dialog_create (CrmNewDealDialog *self,
                                              const char       *title,
                                              const char       *amount);

G_END_DECLS
