/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-id-selection.h — the rows picked in a contacts or companies list (S4-2, S4-3), kept
 * as a set of ids: a GtkSelectionModel over a GListModel of CrmRecord that says a row is
 * selected when its record's id is in the set. A selection by positions (GtkMultiSelection)
 * is lost when a sync refills the model, and finding its items again reads every row; by
 * ids it survives the refill and costs nothing for the rows not shown. The view changes
 * it (crm_id_selection_toggle, _select_range, _set_ids, _clear); the list's own requests
 * (a plain click, the arrow keys, its Ctrl+A) are refused, so moving through the list
 * never picks a row by accident. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_ID_SELECTION (crm_id_selection_get_type ())
G_DECLARE_FINAL_TYPE (CrmIdSelection, crm_id_selection, CRM, ID_SELECTION, GObject)

/* Over @model (its items CrmRecord), at most @max ids picked. */
CrmIdSelection *crm_id_selection_new            (GListModel      *model,
                                                 guint            max);
/* How many ids are picked ("n-selected", notified when it changes). */
guint           crm_id_selection_get_n_selected (CrmIdSelection  *self);
gboolean        crm_id_selection_contains       (CrmIdSelection  *self,
                                                 const char      *id);
/* The ids picked, in the order they were picked (NULL-terminated, owned). */
GStrv           crm_id_selection_dup_ids        (CrmIdSelection  *self);
/* Picks the row at @position, or unpicks it when it is picked; its new state in
 * @out_selected. FALSE (nothing changed) for a placeholder row, or when @max are picked. */
gboolean        crm_id_selection_toggle         (CrmIdSelection  *self,
                                                 guint            position,
                                                 gboolean        *out_selected);
/* Picks (or, @selected FALSE, unpicks) the @n_items rows from @position, reading them
 * through the model. FALSE, nothing changed, when that would pick more than @max. */
gboolean        crm_id_selection_select_range   (CrmIdSelection  *self,
                                                 guint            position,
                                                 guint            n_items,
                                                 gboolean         selected);
/* Picks exactly @ids (NULL-terminated); FALSE, nothing changed, when more than @max. */
gboolean        crm_id_selection_set_ids        (CrmIdSelection     *self,
                                                 const char * const *ids);
void            crm_id_selection_clear          (CrmIdSelection  *self);
/* Unpicks every id @present (id → anything) lacks: rows a sync took out of the list. */
void            crm_id_selection_retain         (CrmIdSelection  *self,
                                                 GHashTable      *present);

G_END_DECLS
