/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-list.h — the Contacts and Companies views: a list over an SQLite-paged
 * model that follows the header's search (first letters of any word, any case) and tag
 * filter; activating a row opens its card. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-paged-model.h"

G_BEGIN_DECLS

#define CRM_TYPE_ENTITY_LIST (crm_entity_list_get_type ())
G_DECLARE_FINAL_TYPE (CrmEntityList, crm_entity_list, CRM, ENTITY_LIST, GtkWidget)

/* "contact" or "company" (set in the window's template). */
const char    *crm_entity_list_get_kind   (CrmEntityList *self);
CrmPagedModel *crm_entity_list_get_model  (CrmEntityList *self);
GtkListView   *crm_entity_list_get_view   (CrmEntityList *self);
/* Companies by the total of their won deals (biggest first) instead of by name. */
gboolean       crm_entity_list_get_sort_by_total (CrmEntityList *self);
void           crm_entity_list_set_sort_by_total (CrmEntityList *self,
                                                  gboolean       by_total);

/* S4-1, S4-5: the filter bar. Sets the expression (docs/filters.md) as if typed and
 * lists by it; FALSE when it is refused (the reason is shown under the entry). */
gboolean       crm_entity_list_set_filter        (CrmEntityList *self,
                                                  const char    *text);
/* What the entry's expression is refused for, or NULL. */
const char    *crm_entity_list_get_filter_error  (CrmEntityList *self);
/* The expression rows are listed by: the entry's and the header's tags; NULL: none. */
char          *crm_entity_list_dup_filter        (CrmEntityList *self);
/* Narrows the list to one RFM segment (its id), or none when NULL. */
gboolean       crm_entity_list_set_segment       (CrmEntityList *self,
                                                  const char    *segment_id);
/* «Save as List»: saves the filter, tags and segment as the saved list @name for the
 * team, shows it and toasts it with «Undo»; its id. */
char          *crm_entity_list_save_list         (CrmEntityList  *self,
                                                  const char     *name,
                                                  GError        **error);
/* Deletes the saved list shown, goes back to the whole view, toasts with «Undo». */
gboolean       crm_entity_list_delete_list       (CrmEntityList  *self,
                                                  GError        **error);
/* «Write to All…» on the saved list of contacts shown (S4-2): one e-mail from the template
 * @template_name to each contact (@again: also to those who got it already), toasted with
 * «Undo». The list is read off the main loop (crm_mailing_plan on a reading connection),
 * the messages written on it (crm_mailing_send_plan); @callback then gets the result
 * for crm_entity_list_mail_all_finish(). Cancelled (nothing written) when the view goes. */
void           crm_entity_list_mail_all          (CrmEntityList       *self,
                                                  const char          *template_name,
                                                  gboolean             again,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The mailing's result ({"template","sent","skipped"}), or NULL with the error (core's,
 * CRM_MESSAGE_ERROR_ALREADY_MAILED saying how the app sends again). */
JsonObject    *crm_entity_list_mail_all_finish   (CrmEntityList       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* «Create Deals…» (S4-3) on the companies a filter, a segment or a saved list shows (in
 * selection mode: on those selected): opens the dialog (crm-mass-deals-dialog.h) for the
 * rows read, and returns it; NULL (nothing opened) while they are being read, on an
 * unfiltered or contacts list, or, said in a toast, when none is shown (selected). */
GtkWindow     *crm_entity_list_create_deals      (CrmEntityList *self);
/* «Write to Selected…» (S4-2): crm_entity_list_mail_all() for the contacts selected
 * (crm_mailing_plan with their ids: one that was deleted meanwhile is listed as skipped);
 * NOT_FOUND when none is. */
void           crm_entity_list_mail_selected     (CrmEntityList       *self,
                                                  const char          *template_name,
                                                  gboolean             again,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* Selection mode (S4-2, S4-3): a check box on every row, and a bar with how many are
 * selected and what applies to them («Write to Selected…» on contacts, «Create Deals…» on
 * companies: crm_entity_list_create_deals() then takes the companies selected). Leaving
 * it, or another filter, search, tag filter, segment or list, clears the selection; a
 * reload (a sync) keeps it: it is kept by ids. */
gboolean       crm_entity_list_get_selection_mode (CrmEntityList *self);
void           crm_entity_list_set_selection_mode (CrmEntityList *self,
                                                   gboolean       selecting);
/* The ids selected, in the order they were (NULL-terminated). */
GStrv          crm_entity_list_dup_selected_ids  (CrmEntityList *self);
/* Ctrl+A: selection mode with every row shown selected (read in one query); FALSE, said
 * in a toast, when there are more than CRM_MAILING_MAX_CONTACTS, or while the list is
 * read. */
gboolean       crm_entity_list_select_all        (CrmEntityList *self);
/* Whether a filtered list (a filter, a segment or a saved list) or a mailing is being
 * read off the main loop; the rows and the count follow when it is done. */
gboolean       crm_entity_list_is_loading        (CrmEntityList *self);
/* Whether the clients' segments every row shows are still being read (off the main loop,
 * after each reload). */
gboolean       crm_entity_list_is_reading_segments (CrmEntityList *self);
/* The saved list shown ("list:ID" keys), or NULL. */
const char    *crm_entity_list_get_list_id       (CrmEntityList *self);

G_END_DECLS
