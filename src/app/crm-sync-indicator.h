/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-indicator.h — the header's sync state: offline / syncing / N changes waiting /
 * last synced, with conflicts and refused changes one click away. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SYNC_INDICATOR (crm_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (CrmSyncIndicator, crm_sync_indicator, CRM, SYNC_INDICATOR, GtkWidget)

void        crm_sync_indicator_set_context (CrmSyncIndicator *self,
                                            CrmContext       *context);
/* Re-reads the outbox, the last sync time and the conflicts. */
void        crm_sync_indicator_refresh     (CrmSyncIndicator *self);
/* What the button says now ("Offline", "12 changes waiting", …). */
const char *crm_sync_indicator_get_label   (CrmSyncIndicator *self);
/* A sync is running (the sync client tells). */
void        crm_sync_indicator_set_syncing (CrmSyncIndicator *self,
                                            gboolean          syncing);

/* Icon only (the window is narrow): the words stay in the tooltip and the popover. The
 * window sets this from its width (crm-window.c, its one width watcher). */
void        crm_sync_indicator_set_compact (CrmSyncIndicator *self,
                                            gboolean          compact);
gboolean    crm_sync_indicator_get_compact (CrmSyncIndicator *self);

/* Conflicts not seen yet plus changes the server refused, as the badge counts them. */
guint       crm_sync_indicator_get_n_problems (CrmSyncIndicator *self);
/* The popover, for tests and screenshots. */
GtkWidget  *crm_sync_indicator_get_popover (CrmSyncIndicator *self);

/* Whether the live connection to the server is open (changes from others arrive as they
 * are made) or not (they arrive with the periodic rounds); said in the tooltip. */
void        crm_sync_indicator_set_live    (CrmSyncIndicator *self,
                                            gboolean          live);
gboolean    crm_sync_indicator_get_live    (CrmSyncIndicator *self);

/* The last round failed: @message says why (NULL: no error). */
void        crm_sync_indicator_set_error   (CrmSyncIndicator *self,
                                            const char       *message);

G_END_DECLS
