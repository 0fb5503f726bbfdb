/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval-dialog.h — «Request Approval» from a deal's page (issue 16): a brand's
 * discount (the brand, the percent, the reason) or the deal's invoice (amount, type,
 * number, comment), and before it is sent the chain the account's settings choose for
 * it (crm_approval_preview()), following every change of the form. What is wrong is said
 * above the form and nothing is written; a request sent is an op like any other, so it
 * works offline, and the deal's approval sheet shows it waiting. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_APPROVAL_DIALOG (crm_approval_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmApprovalDialog, crm_approval_dialog, CRM, APPROVAL_DIALOG, AdwWindow)

/* A request about @deal_id; a discount of @brand_id (NULL: the deal's first brand).
 * Without @deal_id (a company's page) only a brand's discount is offered. */
CrmApprovalDialog *crm_approval_dialog_new          (GtkWindow         *parent,
                                                     CrmContext        *context,
                                                     const char        *deal_id,
                                                     const char        *brand_id);
/* Chooses "discount" or "invoice". */
void               crm_approval_dialog_set_kind     (CrmApprovalDialog *self,
                                                     const char        *kind);
/* Sends the request as the form says, without closing (tests; «Send» closes). Returns
 * the approval's id, or NULL with the dialog saying what is wrong. */
char              *crm_approval_dialog_send         (CrmApprovalDialog *self);
/* What the dialog says is wrong (NULL: nothing). */
const char        *crm_approval_dialog_get_problem  (CrmApprovalDialog *self);
/* The chain shown: the approvers' names in order, joined by " → " ("" when nobody
 * needs to decide). */
const char        *crm_approval_dialog_get_chain    (CrmApprovalDialog *self);

G_END_DECLS
