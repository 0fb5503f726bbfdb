/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sidebar-row.h — one entry of the window's sidebar: a pipeline or a view. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_SIDEBAR_ROW (crm_sidebar_row_get_type ())
G_DECLARE_FINAL_TYPE (CrmSidebarRow, crm_sidebar_row, CRM, SIDEBAR_ROW, GtkListBoxRow)

CrmSidebarRow *crm_sidebar_row_new      (const char *view,
                                         const char *icon_name,
                                         const char *title);
/* The view key it opens ("pipeline:ID", "contacts", …). */
const char    *crm_sidebar_row_get_view (CrmSidebarRow *self);

G_END_DECLS
