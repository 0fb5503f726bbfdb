/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-company-dialog.h — a company from the header's «+» on Companies: name, INN. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-entity-dialog.h"

G_BEGIN_DECLS

#define CRM_TYPE_NEW_COMPANY_DIALOG (crm_new_company_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmNewCompanyDialog, crm_new_company_dialog, CRM, NEW_COMPANY_DIALOG, CrmEntityDialog)

CrmNewCompanyDialog *crm_new_company_dialog_new    (GtkWindow  *parent,
                                                    CrmContext *context);
/* Types into the fields. */
void                 crm_new_company_dialog_fill   (CrmNewCompanyDialog *self,
                                                    const char          *name,
                                                    const char          *inn);
/* Types the fields and adds the company without closing (tests). Returns its id, or
 * NULL with the dialog showing what is wrong. */
char                *crm_new_company_dialog_create (CrmNewCompanyDialog *self,
                                                    const char          *name,
                                                    const char          *inn);
/* An INN: 10 digits (an organisation) or 12 (a sole trader). */
gboolean             crm_inn_is_valid              (const char          *text);

G_END_DECLS
