/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-upgrade-window.h — the small window start-up shows while a replica of an older
 * schema is updated in a worker thread: what happens and that it happens once, and that
 * work goes on; the update's error in its own words, with a way out. */
#pragma once

#include <adwaita.h>

#include "crm-application.h"

G_BEGIN_DECLS

#define CRM_TYPE_UPGRADE_WINDOW (crm_upgrade_window_get_type ())
G_DECLARE_FINAL_TYPE (CrmUpgradeWindow, crm_upgrade_window, CRM, UPGRADE_WINDOW, AdwApplicationWindow)

/* Whether opening the replica at @path updates its schema (it is a replica of an older
 * one); FALSE when its schema cannot be read: opening it says why. */
gboolean          crm_upgrade_window_needed   (const char       *path);
/* Opens the replica at @path in a worker thread, the window on screen; once it is open the
 * main window shows it (crm_application_show_store()), which closes this one. Closing the
 * window while it works cancels the update (the step in progress rolls back) and the app
 * waits for the worker before it quits. */
CrmUpgradeWindow *crm_upgrade_window_new      (CrmApplication   *app,
                                               const char       *path);
/* What the window says went wrong (NULL while it works). */
const char       *crm_upgrade_window_get_error (CrmUpgradeWindow *self);
/* The step of the update the window shows ("Step 1 of 2"; once the steps are done, that
 * the disk space is given back), or NULL before the first. */
const char       *crm_upgrade_window_get_step  (CrmUpgradeWindow *self);

G_END_DECLS
