/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-window.h — the main window over one replica: sidebar of pipelines and views,
 * header with search, tag filter and sync state, the views in a stack, navigation.
 * Only the application (and tests) include this: views, rows and dialogs talk to the
 * window through its actions (crm-window-actions.c) and the CrmView interface. */
#pragma once

#include <adwaita.h>

#include "crm-application.h"
#include "crm-context.h"
#include "crm-store.h"
#include "crm-sync-indicator.h"

G_BEGIN_DECLS

#define CRM_TYPE_WINDOW (crm_window_get_type ())
G_DECLARE_FINAL_TYPE (CrmWindow, crm_window, CRM, WINDOW, AdwApplicationWindow)

CrmWindow   *crm_window_new            (CrmApplication *app,
                                        CrmStore       *store);
CrmContext  *crm_window_get_context    (CrmWindow *self);

/* Views by key: "pipeline:ID" (a board), "contacts", "companies", "tasks", "stock",
 * "automation", "settings", "deal:ID", "contact:ID". Unknown keys show the first board. */
void         crm_window_show_view      (CrmWindow  *self,
                                        const char *view);
const char  *crm_window_get_view       (CrmWindow *self);
void         crm_window_open_deal      (CrmWindow  *self,
                                        const char *deal_id);
void         crm_window_open_contact   (CrmWindow  *self,
                                        const char *contact_id);
/* The page widget of a stack page: "board", "contacts", "companies", "tasks", "stock",
 * "automation", "settings", "deal", "contact". Pages other than the board are built
 * the first time they are shown or asked for here. */
GtkWidget   *crm_window_get_page       (CrmWindow  *self,
                                        const char *name);
GtkWidget   *crm_window_get_search_entry (CrmWindow *self);

/* Starts background sync again from the replica's server settings (after a sign-in);
 * @token, when known, is used instead of the keyring's. */
void         crm_window_restart_sync   (CrmWindow  *self,
                                        const char *token);
CrmSyncIndicator *crm_window_get_sync_indicator (CrmWindow *self);

void         crm_window_show_toast     (CrmWindow  *self,
                                        const char *text);
/* The text of the last toast crm_window_show_toast() showed (tests), or NULL. */
const char  *crm_window_get_last_toast (CrmWindow  *self);
/* Shows @toast (takes it). */
void         crm_window_add_toast      (CrmWindow  *self,
                                        AdwToast   *toast);

G_END_DECLS
