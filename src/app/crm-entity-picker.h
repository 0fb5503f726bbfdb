/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-picker.h — a popover to find a contact, company or deal by the first
 * letters of its name (a contact also by phone digits) and pick it, paged like the lists
 * so any size of account; a contact or company picker offers to create the one typed. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-new-company-dialog.h"
#include "crm-new-contact-dialog.h"
#include "crm-paged-model.h"

G_BEGIN_DECLS

#define CRM_TYPE_ENTITY_PICKER (crm_entity_picker_get_type ())
G_DECLARE_FINAL_TYPE (CrmEntityPicker, crm_entity_picker, CRM, ENTITY_PICKER, GtkPopover)

/* @kind: "contact", "company" or "deal". Emits "picked" (id, name). */
void           crm_entity_picker_setup      (CrmEntityPicker *self,
                                             CrmContext      *context,
                                             const char      *kind);
void           crm_entity_picker_set_search (CrmEntityPicker *self,
                                             const char      *text);
CrmPagedModel *crm_entity_picker_get_model  (CrmEntityPicker *self);
/* «Create Contact “…”» / «Create Company “…”» (something typed): opens «New Contact»
 * with the typed name (or phone) or «New Company» with the name; what it adds is
 * picked. NULL for a deal picker. */
CrmEntityDialog     *crm_entity_picker_create         (CrmEntityPicker *self);
CrmNewContactDialog *crm_entity_picker_create_contact (CrmEntityPicker *self);
/* Picks the row at @position as activating it does. */
void           crm_entity_picker_pick       (CrmEntityPicker *self,
                                             guint            position);

G_END_DECLS
