/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-calls-view.h — «Звонки» (issue 18): today's calls, missed ones first, or the missed
 * calls of the last seven days. Each row names the caller (the contact, else the number),
 * the direction, who answered and for how long, and the deal; a missed one has «Call Back»
 * (the desktop's tel: handler, as the contact page's phone button); a row opens its deal,
 * else its contact; a recording plays through the desktop's handler. The list is read off
 * the main loop, and read again by itself when the local day changes. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_CALLS_VIEW (crm_calls_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmCallsView, crm_calls_view, CRM, CALLS_VIEW, GtkWidget)

/* Shows only the missed calls of the last seven days (TRUE) or all of today's. */
void     crm_calls_view_set_missed_only (CrmCallsView *self,
                                         gboolean      missed_only);
gboolean crm_calls_view_get_missed_only (CrmCallsView *self);
/* The calls listed now (after the last read). */
guint    crm_calls_view_get_n_calls     (CrmCallsView *self);
/* A read is queued or running: what the view shows may be about to change. */
gboolean crm_calls_view_is_loading      (CrmCallsView *self);
/* Local midnight (UTC ms) that starts the day the list shown was read for; 0 before. */
gint64   crm_calls_view_get_shown_day   (CrmCallsView *self);

G_END_DECLS
