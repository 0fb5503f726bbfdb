/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-list-row.h — a row of the contact, company and deal lists: avatar, name, details, and
 * in selection mode a check box saying whether the row is picked. */
#pragma once

#include <gtk/gtk.h>

#include "crm-record.h"

G_BEGIN_DECLS

#define CRM_TYPE_LIST_ROW (crm_list_row_get_type ())
G_DECLARE_FINAL_TYPE (CrmListRow, crm_list_row, CRM, LIST_ROW, GtkWidget)

GtkWidget  *crm_list_row_new      (void);
/* @kind: "contact", "company" or "deal" — which members of @record to show. @segment: the
 * client's RFM segment name when @record has none of its own, or NULL. */
void        crm_list_row_set_record (CrmListRow *self,
                                     const char *kind,
                                     CrmRecord  *record,
                                     const char *segment);
const char *crm_list_row_get_title (CrmListRow *self);
/* The line under the name (phone, e-mail, segment…), as shown. */
const char *crm_list_row_get_detail (CrmListRow *self);
/* Selection mode (S4-2, S4-3): the check box shown, and ticked when @checked. It only
 * shows: a click on the row (the box takes none) picks it through the list. */
void        crm_list_row_set_check  (CrmListRow *self,
                                     gboolean    shown,
                                     gboolean    checked);
gboolean    crm_list_row_get_checked (CrmListRow *self);

G_END_DECLS
