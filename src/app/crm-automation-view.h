/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-automation-view.h — the account's automation rules (admins): what triggers each
 * and what it does, with a switch to turn it on or off. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_AUTOMATION_VIEW (crm_automation_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmAutomationView, crm_automation_view, CRM, AUTOMATION_VIEW, GtkWidget)

guint crm_automation_view_get_n_rules (CrmAutomationView *self);

G_END_DECLS
