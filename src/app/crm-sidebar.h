/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sidebar.h — the window's navigation: the replica's pipelines, then Contacts,
 * Companies (each followed by the team's saved lists of its kind), Tasks, Stock
 * (managers), Automation and Settings (admins). */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SIDEBAR (crm_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (CrmSidebar, crm_sidebar, CRM, SIDEBAR, GtkWidget)

/* Rebuilds the entries from the context now and whenever the replica changes. */
void     crm_sidebar_set_context   (CrmSidebar *self,
                                    CrmContext *context);
/* Highlights the entry of @view ("pipeline:ID", "contacts", …) if there is one. */
void     crm_sidebar_select        (CrmSidebar *self,
                                    const char *view);
/* Activates the @index-th entry as a click does (Alt+1…9); FALSE when there is none. */
gboolean crm_sidebar_activate_nth  (CrmSidebar *self,
                                    guint       index);

G_END_DECLS
