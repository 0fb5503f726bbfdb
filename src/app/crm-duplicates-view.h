/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-duplicates-view.h — the Duplicates view (S4-6): groups of likely duplicate contacts
 * or companies with their score and why they match (the scan runs off the main loop);
 * a survivor chosen in each group, «Merge…» with the field values to take from the other
 * cards, and «Undo» on the toast. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_DUPLICATES_VIEW (crm_duplicates_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmDuplicatesView, crm_duplicates_view, CRM, DUPLICATES_VIEW, GtkWidget)

/* "contact" (the default) or "company": rescans. */
void         crm_duplicates_view_set_kind      (CrmDuplicatesView *self,
                                                const char        *kind);
/* The scan is done and shown. */
gboolean     crm_duplicates_view_is_loaded     (CrmDuplicatesView *self);
/* The groups shown (as crm_duplicates_find() gives them), borrowed; NULL until loaded. */
JsonArray   *crm_duplicates_view_get_groups    (CrmDuplicatesView *self);
/* Chooses the card @survivor_id to keep in the group @index, as its radio button does. */
gboolean     crm_duplicates_view_set_survivor  (CrmDuplicatesView *self,
                                                guint              index,
                                                const char        *survivor_id);
/* Opens «Merge…» of group @index (the dialog: fields whose values differ, a choice of
 * the card to take each from). */
GtkWindow   *crm_duplicates_view_open_merge    (CrmDuplicatesView *self,
                                                guint              index);
/* Merges group @index into its survivor, taking the fields of @take (field → card id;
 * may be NULL), toasts with «Undo» and scans again. */
gboolean     crm_duplicates_view_merge         (CrmDuplicatesView  *self,
                                                guint               index,
                                                GHashTable         *take,
                                                GError            **error);

G_END_DECLS
