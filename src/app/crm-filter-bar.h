/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-filter-bar.h — under the header while a tag filter is on: the tags as chips (a
 * click removes one) and Clear. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_FILTER_BAR (crm_filter_bar_get_type ())
G_DECLARE_FINAL_TYPE (CrmFilterBar, crm_filter_bar, CRM, FILTER_BAR, GtkWidget)

void crm_filter_bar_set_context (CrmFilterBar *self,
                                 CrmContext   *context);

G_END_DECLS
