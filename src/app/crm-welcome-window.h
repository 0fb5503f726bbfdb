/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-welcome-window.h — first run: start a local account from a shipped template, or
 * sign in to the team's server. */
#pragma once

#include <adwaita.h>

#include "crm-application.h"

G_BEGIN_DECLS

#define CRM_TYPE_WELCOME_WINDOW (crm_welcome_window_get_type ())
G_DECLARE_FINAL_TYPE (CrmWelcomeWindow, crm_welcome_window, CRM, WELCOME_WINDOW, AdwApplicationWindow)

/* @path: where the new replica goes. */
CrmWelcomeWindow *crm_welcome_window_new           (CrmApplication *app,
                                                    const char     *path);
void              crm_welcome_window_show_error    (CrmWelcomeWindow *self,
                                                    const char       *message);
/* Chooses a template by name ("truck-dealer"); FALSE when it is not offered. */
gboolean          crm_welcome_window_choose_template (CrmWelcomeWindow *self,
                                                      const char       *name);
/* Creates the local account from the chosen template in a worker thread, as the button
 * does (the window busy meanwhile); _finish() opens it (the welcome window goes). */
void              crm_welcome_window_create_async  (CrmWelcomeWindow    *self,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          crm_welcome_window_create_finish (CrmWelcomeWindow  *self,
                                                    GAsyncResult      *result,
                                                    GError           **error);
/* Opens the sign-in dialog over the window and returns it. */
GtkWindow        *crm_welcome_window_sign_in       (CrmWelcomeWindow *self);

G_END_DECLS
