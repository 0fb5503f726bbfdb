/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-channels-group.h — «Messages and Mail» in Settings (administrators): the account's
 * e-mail, SMS and Telegram channels and its mailboxes as the server last published them
 * (crm_message_dup_transport(): addresses, sender, login, whether a password is set, a
 * mailbox's last error — never a secret). While the server can be asked, each has
 * «Change…» (crm-transport-dialog.h: the settings changed, tested and removed on the
 * server, where passwords and tokens stay) and mailboxes can be added; offline the rows
 * are read-only and say why. Each also copies the `voronka-server` command that changes
 * it. An account synced
 * with a server that published nothing has no channel and no mailbox yet. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_CHANNELS_GROUP (crm_channels_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmChannelsGroup, crm_channels_group, CRM, CHANNELS_GROUP, AdwPreferencesGroup)

/* Reads what the replica knows now (hidden for anyone but an administrator). */
void        crm_channels_group_reload        (CrmChannelsGroup *self,
                                              CrmContext       *context);
/* The row of channel @kind ("email", "sms", "telegram"), or of the @index-th mailbox. */
GtkWidget  *crm_channels_group_get_channel_row (CrmChannelsGroup *self,
                                                const char       *kind);
GtkWidget  *crm_channels_group_get_mailbox_row (CrmChannelsGroup *self,
                                                guint             index);
guint       crm_channels_group_get_n_mailboxes (CrmChannelsGroup *self);
/* «Connect a Mailbox» (only while the server can be asked), or NULL. A row that can be
 * changed has its «Change…» button as the object data "change". */
GtkWidget  *crm_channels_group_get_add_mailbox_row (CrmChannelsGroup *self);

G_END_DECLS
