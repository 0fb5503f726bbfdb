/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-search-view.h — the header's search over the whole account: deals, contacts and
 * companies together, grouped. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_SEARCH_VIEW (crm_search_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmSearchView, crm_search_view, CRM, SEARCH_VIEW, GtkWidget)

/* How many rows a group ("deals", "contacts", "companies") shows now. */
guint  crm_search_view_get_n_rows (CrmSearchView *self,
                                   const char    *group);
/* The row @index of @group, for tests and keyboard focus. */
GtkWidget *crm_search_view_get_row (CrmSearchView *self,
                                    const char    *group,
                                    guint          index);

G_END_DECLS
