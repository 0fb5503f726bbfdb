/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-contact-dialog.h — quick add of a contact: name, phone, e-mail, company. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-entity-dialog.h"

G_BEGIN_DECLS

#define CRM_TYPE_NEW_CONTACT_DIALOG (crm_new_contact_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmNewContactDialog, crm_new_contact_dialog, CRM, NEW_CONTACT_DIALOG, CrmEntityDialog)

CrmNewContactDialog *crm_new_contact_dialog_new    (GtkWindow  *parent,
                                                    CrmContext *context);
/* Types into the fields. */
void                 crm_new_contact_dialog_fill   (CrmNewContactDialog *self,
                                                    const char          *name,
                                                    const char          *phone,
                                                    const char          *email);
/* Fills the fields and adds the contact without closing (tests). Returns its id, or NULL
 * with the dialog showing what is wrong. */
char                *crm_new_contact_dialog_create (CrmNewContactDialog *self,
                                                    const char          *name,
                                                    const char          *phone,
                                                    const char          *email);

G_END_DECLS
