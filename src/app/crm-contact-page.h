/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-contact-page.h — the card of a contact (phones, e-mails, company, deals, open
 * tasks, and attaching the contact to one of the company's deals, S4-4) or of a company
 * (its deals and its contacts); both editable, with call and copy buttons on phones
 * and «Create Deal» for the client. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-new-deal-dialog.h"

G_BEGIN_DECLS

#define CRM_TYPE_CONTACT_PAGE (crm_contact_page_get_type ())
G_DECLARE_FINAL_TYPE (CrmContactPage, crm_contact_page, CRM, CONTACT_PAGE, GtkWidget)

void        crm_contact_page_set_contact  (CrmContactPage *self,
                                           const char     *contact_id);
void        crm_contact_page_set_company  (CrmContactPage *self,
                                           const char     *company_id);
/* Deals shown on the card, and deals offered for attaching. */
guint       crm_contact_page_get_n_deals  (CrmContactPage *self);
guint       crm_contact_page_get_n_offers (CrmContactPage *self);
/* Attaches the contact to @deal_id, as the card's "Attach" buttons do. */
gboolean    crm_contact_page_attach_deal  (CrmContactPage *self,
                                           const char     *deal_id);

/* A contact's related company («Связан с компанией», S3-2) or a company's holding link
 * (S3-7) to @company_id set or removed, as the card's picker and «Unlink» buttons do. */
gboolean    crm_contact_page_link_company (CrmContactPage *self,
                                           const char     *company_id,
                                           gboolean        present);
/* Companies shown in the card's related-companies or holding list. */
guint       crm_contact_page_get_n_links  (CrmContactPage *self);

/* The edit form, as «Edit», «Save» and «Cancel» work it. Save writes the fields that
 * changed as one change set; FALSE leaves the form open with the error shown above it
 * (crm_contact_page_get_edit_error()). */
void        crm_contact_page_begin_edit     (CrmContactPage *self);
gboolean    crm_contact_page_save           (CrmContactPage *self);
void        crm_contact_page_cancel_edit    (CrmContactPage *self);
gboolean    crm_contact_page_is_editing     (CrmContactPage *self);
const char *crm_contact_page_get_edit_error (CrmContactPage *self);
/* Opens «New Deal» with this contact or company filled in. */
CrmNewDealDialog *crm_contact_page_new_deal (CrmContactPage *self);

/* S4-5: the row of the client's RFM segment on the card, once read (off the main loop),
 * or NULL (not read yet, or the account has no segments). */
GtkWidget        *crm_contact_page_get_segment_row (CrmContactPage *self);
/* The row listing the client's segment transitions, oldest first, once read (or NULL). */
GtkWidget        *crm_contact_page_get_segment_history_row (CrmContactPage *self);

G_END_DECLS
