/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-messages-group.h — the «Messages» group of a deal or contact page: the e-mails, SMS
 * and Telegram messages written to the client, newest first, each with its channel, to
 * whom, when, and its delivery state in words (waiting for the sync, sent, opened, not
 * delivered and why); «Write…» in the header opens CrmMessageDialog. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_MESSAGES_GROUP (crm_messages_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmMessagesGroup, crm_messages_group, CRM, MESSAGES_GROUP, AdwPreferencesGroup)

/* Shows the messages of the deal (@entity "deal") or to the contact ("contact")
 * @entity_id; a company shows none (the group hides). */
void        crm_messages_group_set_target    (CrmMessagesGroup *self,
                                              CrmContext       *context,
                                              const char       *entity,
                                              const char       *entity_id);
void        crm_messages_group_reload        (CrmMessagesGroup *self);
/* Opens «New Message» as «Write…» does. */
GtkWindow  *crm_messages_group_write         (CrmMessagesGroup *self);
/* The messages listed, and the row of message @message_id (or NULL). */
guint       crm_messages_group_get_n_messages (CrmMessagesGroup *self);
GtkWidget  *crm_messages_group_find_row      (CrmMessagesGroup *self,
                                              const char       *message_id);

G_END_DECLS
