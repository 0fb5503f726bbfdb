/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-bad-data-view.h — «Данные на исправление» (S4-7): the phones, e-mails and INNs of my
 * cards (a head's: everyone's) that do not meet the input standard, each with the value as
 * typed and what is wrong with it (core's crm_bad_data_list), a row opening its card; an
 * empty state when all is in order. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_BAD_DATA_VIEW (crm_bad_data_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmBadDataView, crm_bad_data_view, CRM, BAD_DATA_VIEW, GtkWidget)

/* Whether the list is being read (off the main loop) after a reload. */
gboolean  crm_bad_data_view_is_loading (CrmBadDataView *self);
/* How many values to fix the list shows. */
guint     crm_bad_data_view_get_n_rows (CrmBadDataView *self);

G_END_DECLS
