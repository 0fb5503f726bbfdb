/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setup-window.h — the account's setup for administrators (issue 20): a preferences
 * window with a page each for pipelines and stages, custom fields, tags, and users. Every
 * change goes through core's setup change sets (crm-setup.h) and crm_context_apply(), and
 * a toast with «Undo» reports it. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_SETUP_WINDOW (crm_setup_window_get_type ())
G_DECLARE_FINAL_TYPE (CrmSetupWindow, crm_setup_window, CRM, SETUP_WINDOW, AdwPreferencesWindow)

/* Page names for crm_setup_window_show_page(). */
#define CRM_SETUP_PAGE_PIPELINES "pipelines"
#define CRM_SETUP_PAGE_FIELDS    "fields"
#define CRM_SETUP_PAGE_TAGS      "tags"
#define CRM_SETUP_PAGE_USERS     "users"
#define CRM_SETUP_PAGE_ROLES     "roles"
#define CRM_SETUP_PAGE_ACCOUNT   "account"

CrmSetupWindow *crm_setup_window_new       (GtkWindow      *parent,
                                            CrmContext     *context);
void            crm_setup_window_show_page (CrmSetupWindow *self,
                                            const char     *page_name);
/* The row that shows the entity @id (a pipeline's group, a stage, a field, a tag, a
 * user), or NULL: for tests and keyboard focus. */
GtkWidget      *crm_setup_window_get_row   (CrmSetupWindow *self,
                                            const char     *id);
/* The text of the toast shown last (for tests), or NULL. */
const char     *crm_setup_window_get_last_toast (CrmSetupWindow *self);

/* The code of the invitation made last (setup.invite), or NULL: for tests. */
const char     *crm_setup_window_get_last_invite_code (CrmSetupWindow *self);

G_END_DECLS
