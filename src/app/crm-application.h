/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-application.h — the Voronka desktop application: opens the replica named by
 * --db (or the user's own), or the welcome window on first run; app-wide actions. */
#pragma once

#include <adwaita.h>

#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_APPLICATION (crm_application_get_type ())
G_DECLARE_FINAL_TYPE (CrmApplication, crm_application, CRM, APPLICATION, AdwApplication)

CrmApplication *crm_application_new            (void);

/* The replica to open on activate (what --db sets). */
void            crm_application_set_db_path    (CrmApplication *self,
                                                const char     *path);
const char     *crm_application_get_db_path    (CrmApplication *self);
/* The replica under $XDG_DATA_HOME/voronka/ that the app uses without --db. */
char           *crm_application_dup_default_db_path (void);

/* Opens the replica at @path in a new main window and closes the welcome window. */
GtkWindow      *crm_application_open_replica   (CrmApplication  *self,
                                                const char      *path,
                                                GError         **error);
/* Opens the replica at @path as start-up does: one of an older schema in a worker thread
 * behind CrmUpgradeWindow, which says the data are being updated (a long update never
 * freezes the app); any other at once, the welcome window saying why when it cannot. */
void            crm_application_start_replica  (CrmApplication  *self,
                                                const char      *path);
/* A main window over @store, opened already, which closes the welcome and upgrade
 * windows. */
GtkWindow      *crm_application_show_store     (CrmApplication  *self,
                                                CrmStore        *store);
/* The session token a fresh sign-in got: the next main window syncs with it (the keyring
 * may be locked or missing), whether it opens at once or after an update. */
void            crm_application_set_sign_in_token (CrmApplication *self,
                                                   const char     *token);
/* The main window, or NULL while the welcome window is up. */
GtkWindow      *crm_application_get_main_window (CrmApplication *self);

/* The app's settings (window size, last view), or NULL when the schema is not installed
 * and not in the build folder either. */
GSettings      *crm_application_get_settings   (CrmApplication *self);

G_END_DECLS
