/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-payer-picker.h — a popover to choose a deal's payer (S4-11) from the shared
 * directory by name or INN, or to type a new one (name, INN, KPP) with the INN's check
 * digits and the KPP checked as one types, the reason shown under the entries. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_PAYER_PICKER (crm_payer_picker_get_type ())
G_DECLARE_FINAL_TYPE (CrmPayerPicker, crm_payer_picker, CRM, PAYER_PICKER, GtkPopover)

/* Emits "picked" (the payer's id) for a payer of the directory and "create" (name, INN,
 * KPP or NULL) for a new one whose INN and KPP passed the checks. */
CrmPayerPicker *crm_payer_picker_new        (CrmContext     *context);
/* Re-reads the directory and shows the payers whose name or INN has @text. */
void            crm_payer_picker_set_search (CrmPayerPicker *self,
                                             const char     *text);
guint           crm_payer_picker_get_n_rows (CrmPayerPicker *self);
/* Picks the @index-th payer shown, as a click does. */
void            crm_payer_picker_pick       (CrmPayerPicker *self,
                                             guint           index);
/* Fills the new payer's entries and presses «Add» as a person does: FALSE when the
 * entries are refused (the reason is under them, crm_payer_picker_get_error()). */
gboolean        crm_payer_picker_add        (CrmPayerPicker *self,
                                             const char     *name,
                                             const char     *inn,
                                             const char     *kpp);
/* Shows @message under the new payer's entries (NULL hides it). */
void            crm_payer_picker_set_error  (CrmPayerPicker *self,
                                             const char     *message);
const char     *crm_payer_picker_get_error  (CrmPayerPicker *self);

G_END_DECLS
