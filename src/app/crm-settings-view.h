/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-settings-view.h — account settings for admins: who the app works as, this
 * replica and its server, pipelines and users. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SETTINGS_VIEW (crm_settings_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmSettingsView, crm_settings_view, CRM, SETTINGS_VIEW, GtkWidget)

/* The switch of «Fetch images when syncing» (for the tests). */
GtkSwitch *crm_settings_view_get_fetch_images_switch (CrmSettingsView *self);

G_END_DECLS
