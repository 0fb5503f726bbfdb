/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval-sheet.h — the approval sheet on a deal's page (S3-10): each approval of
 * the deal with its steps — who decided, when, with which comment — and «Request
 * Approval…». Shown on accounts that use approvals (and on any deal that has one). */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_APPROVAL_SHEET (crm_approval_sheet_get_type ())
G_DECLARE_FINAL_TYPE (CrmApprovalSheet, crm_approval_sheet, CRM, APPROVAL_SHEET, AdwPreferencesGroup)

void   crm_approval_sheet_set_deal     (CrmApprovalSheet *self,
                                        CrmContext       *context,
                                        const char       *deal_id);
guint  crm_approval_sheet_get_n_approvals (CrmApprovalSheet *self);
/* Opens «Request Approval» for the deal (a discount of @brand_id, NULL: the deal's
 * first brand); the same as its «Request Approval…» button. */
GtkWindow *crm_approval_sheet_request  (CrmApprovalSheet *self,
                                        const char       *brand_id);

/* One approval's step as a line: "Татьяна Николаева · approved 4 Dec 2026, 11:30". */
char  *crm_approval_step_text          (JsonObject *step);
/* The approval's subject: "Jura: 10 % → 12 %" or "«Deal»: Type, 2 500 000 ₽". */
char  *crm_approval_subject_text       (JsonObject *approval);
/* Its status for people: waiting for X, approved, rejected… */
char  *crm_approval_status_text        (JsonObject *approval);

G_END_DECLS
