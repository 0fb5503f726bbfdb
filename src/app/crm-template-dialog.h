/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template-dialog.h — «Message Templates» (administrators, issues 14 and 17): a
 * template's name, channel, subject and text, an e-mail's own HTML body and its files
 * («Attachments»: e.g. the commercial offer as a PDF, 10 MiB in all), each with its name
 * and size, added with the file chooser and removed from its row. Saved through core's
 * crm_message_template_compose() as the app's user, with «Undo». */
#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-files-group.h"

G_BEGIN_DECLS

#define CRM_TYPE_TEMPLATE_DIALOG (crm_template_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmTemplateDialog, crm_template_dialog, CRM, TEMPLATE_DIALOG, AdwWindow)

/* Edits the template called @name (NULL: a new one). */
CrmTemplateDialog *crm_template_dialog_new        (GtkWindow         *parent,
                                                   CrmContext        *context,
                                                   const char        *name);
/* Chooses the template called @name (NULL: a new one) and shows it; FALSE when there is
 * none of that name. */
gboolean           crm_template_dialog_select     (CrmTemplateDialog *self,
                                                   const char        *name);
/* Types the fields (tests): NULL leaves one as it is. */
void               crm_template_dialog_set_fields (CrmTemplateDialog *self,
                                                   const char        *name,
                                                   const char        *channel,
                                                   const char        *subject,
                                                   const char        *body,
                                                   const char        *html);
/* Saves as «Save» does, without closing; FALSE with the dialog saying what is wrong. */
gboolean           crm_template_dialog_save       (CrmTemplateDialog *self);
/* Removes the template shown as «Remove Template» does (undone from the toast); FALSE with
 * the dialog saying why (a rule sends it) or when a new one is shown. */
gboolean           crm_template_dialog_remove     (CrmTemplateDialog *self);
/* What the dialog says is wrong (NULL: nothing). */
const char        *crm_template_dialog_get_problem (CrmTemplateDialog *self);
/* «Attachments» (files can be attached once the template is saved). */
CrmFilesGroup     *crm_template_dialog_get_files  (CrmTemplateDialog *self);

G_END_DECLS
