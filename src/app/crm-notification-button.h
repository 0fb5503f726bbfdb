/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-notification-button.h — the header's bell: what automation rules told the user
 * («клиент снова оставил заявку», «заявка ждёт 10 минут»), with the unread count, and a
 * desktop notification when a rule notifies the user or one of their tasks falls due. */
#pragma once

#include <gtk/gtk.h>

#include <json-glib/json-glib.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_NOTIFICATION_BUTTON (crm_notification_button_get_type ())
G_DECLARE_FINAL_TYPE (CrmNotificationButton, crm_notification_button, CRM, NOTIFICATION_BUTTON, GtkWidget)

void        crm_notification_button_set_context (CrmNotificationButton *self,
                                                 CrmContext            *context);
/* Re-reads the user's notifications (the replica changed, another user was chosen). */
void        crm_notification_button_refresh     (CrmNotificationButton *self);
/* Notifications of the current user not read yet, as the badge shows them. */
guint       crm_notification_button_get_n_unread (CrmNotificationButton *self);
/* Looks for tasks of the current user that fell due since the last look and rules'
 * notifications that arrived since then, and sends one desktop notification for each
 * (the app does this every half minute and after every change). Returns how many. */
guint       crm_notification_button_check_due   (CrmNotificationButton *self,
                                                 gint64                 now_ms);
/* The live channel announced a notification for this user ({"type":"notification","id",
 * "text","deal","created_at"}, src/server/crm-server-live.h): a desktop notification at
 * once, unless it is known already (the sync brought it, or the event came twice). The
 * bell's list still shows it once the sync brings it. Returns whether one was sent. */
gboolean    crm_notification_button_announce_live (CrmNotificationButton *self,
                                                   JsonObject            *event);
/* A desktop notification (GNotification) @id with @title and @body whose click activates
 * @action ("app.open-deal", "app.open-contact") with the string @target (NULL: none);
 * nothing when no notification service listens on the session bus. */
void        crm_notification_send_desktop       (const char            *id,
                                                 const char            *title,
                                                 const char            *body,
                                                 const char            *action,
                                                 const char            *target);
/* The popover, for tests and screenshots. */
GtkWidget  *crm_notification_button_get_popover (CrmNotificationButton *self);

G_END_DECLS
