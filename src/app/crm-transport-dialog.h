/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-transport-dialog.h — an administrator changes a message channel (e-mail over SMTP,
 * an SMS gateway, a Telegram bot) or a mailbox of the account from Settings (issue 14).
 * The settings live on the server with their passwords and tokens: the dialog reads them
 * from it (GET /api/v1/channels or /api/v1/mailboxes), saves them there, tests them there
 * («Test»: a test message to an address, a number or a chat id; a mailbox's sign-in) and
 * removes them there, each in a worker thread (crm_sync_controller_admin_request_async),
 * showing the server's answer in words. A password or token is a password entry left empty
 * to keep the one the server has; it is never shown. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"
#include "crm-sync-controller.h"

G_BEGIN_DECLS

#define CRM_TYPE_TRANSPORT_DIALOG (crm_transport_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmTransportDialog, crm_transport_dialog, CRM, TRANSPORT_DIALOG, AdwWindow)

/* Changes the channel @kind ("email", "sms", "telegram"). */
CrmTransportDialog *crm_transport_dialog_new_channel (GtkWindow         *parent,
                                                      CrmContext        *context,
                                                      CrmSyncController *sync,
                                                      const char        *kind);
/* Changes the mailbox @url of the login @user, or adds one (@url NULL). */
CrmTransportDialog *crm_transport_dialog_new_mailbox (GtkWindow         *parent,
                                                      CrmContext        *context,
                                                      CrmSyncController *sync,
                                                      const char        *url,
                                                      const char        *user);

/* For tests: whether a request to the server is under way (the fields are insensitive
 * then), and what the dialog says (the server's answer, or what is being done). */
gboolean    crm_transport_dialog_is_busy    (CrmTransportDialog *self);
const char *crm_transport_dialog_get_status (CrmTransportDialog *self);
/* Types @value into the field @field: "url", "from", "user", "secret", "to"; chooses the
 * pipeline, stage or user named @value for "pipeline", "stage" and "responsible". */
void        crm_transport_dialog_set_field  (CrmTransportDialog *self,
                                             const char         *field,
                                             const char         *value);
/* What «Test», «Save» and the confirmed «Remove» do. */
void        crm_transport_dialog_test       (CrmTransportDialog *self);
void        crm_transport_dialog_save       (CrmTransportDialog *self);
void        crm_transport_dialog_remove     (CrmTransportDialog *self);

G_END_DECLS
