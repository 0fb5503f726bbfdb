/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-paged-model.h — a GListModel of CrmRecord over a query that reads by offset and
 * limit: it knows the total from one count, fetches a page of rows only when a view asks
 * for an item on it, and keeps a few pages. A list of 100 000 contacts costs a count and
 * the pages actually scrolled through, never all rows. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Returns the rows [@offset, @offset + @limit) as JSON objects (each with "id"), and,
 * when @out_total is not NULL, the number of rows of the whole result. */
typedef JsonArray *(*CrmPagedFetchFunc) (gpointer   user_data,
                                         guint      offset,
                                         guint      limit,
                                         gint64    *out_total,
                                         GError   **error);

#define CRM_PAGED_MODEL_DEFAULT_PAGE_SIZE 100

#define CRM_TYPE_PAGED_MODEL (crm_paged_model_get_type ())
G_DECLARE_FINAL_TYPE (CrmPagedModel, crm_paged_model, CRM, PAGED_MODEL, GObject)

/* The model starts empty; call crm_paged_model_reload() to count and show the rows. */
CrmPagedModel *crm_paged_model_new            (CrmPagedFetchFunc  fetch,
                                               gpointer           user_data,
                                               GDestroyNotify     destroy);
void           crm_paged_model_set_page_size  (CrmPagedModel *self,
                                               guint          page_size);
guint          crm_paged_model_get_page_size  (CrmPagedModel *self);
/* Forget the cached pages, count again and announce the change (items-changed over the
 * whole list). FALSE with @error when the query failed; the model is then empty. */
gboolean       crm_paged_model_reload         (CrmPagedModel  *self,
                                               GError        **error);
/* Forgets the cached page that holds @position and announces its rows changed, so a view
 * reads them again: for a fetch that answered placeholders (rows without "id") while it
 * reads the page elsewhere, off the main loop. The count stays as it is. */
void           crm_paged_model_refresh_page   (CrmPagedModel *self,
                                               guint          position);
/* The number of rows of the last count (what g_list_model_get_n_items returns). */
guint          crm_paged_model_get_total      (CrmPagedModel *self);
/* How many pages were fetched since creation, and how many are cached now (tests and
 * benchmarks use these to show that scrolling reads only what it shows). */
guint          crm_paged_model_get_n_fetches  (CrmPagedModel *self);
guint          crm_paged_model_get_n_cached   (CrmPagedModel *self);

G_END_DECLS
