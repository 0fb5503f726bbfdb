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

G_END_DECLS
