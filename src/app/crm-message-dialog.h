/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-message-dialog.h — «Write» from a contact or a deal: a template or free text, the
 * channel, and (from a contact) which of the contact's deals it is about. The message is
 * queued here through core's crm_message_compose() and the server sends it after the
 * next sync. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_MESSAGE_DIALOG (crm_message_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CrmMessageDialog, crm_message_dialog, CRM, MESSAGE_DIALOG, AdwWindow)

/* To @contact_id about one of its deals (@deal_id preselected, may be NULL), or — with
 * @contact_id NULL — to the first contact of @deal_id. */
CrmMessageDialog *crm_message_dialog_new          (GtkWindow  *parent,
                                                   CrmContext *context,
                                                   const char *deal_id,
                                                   const char *contact_id);
/* Chooses the template called @name (NULL: own text); FALSE when there is none. */
gboolean          crm_message_dialog_set_template (CrmMessageDialog *self,
                                                   const char       *name);
/* Chooses "email", "sms" or "telegram". */
void              crm_message_dialog_set_channel  (CrmMessageDialog *self,
                                                   const char       *channel);
/* Types @subject and @body (ignored with a template) and queues the message without
 * closing (tests). Returns its id, or NULL with the dialog saying what is wrong. */
char             *crm_message_dialog_send         (CrmMessageDialog *self,
                                                   const char       *subject,
                                                   const char       *body);
/* What it says of the files the chosen template's e-mail carries (NULL: none). */
const char       *crm_message_dialog_get_files    (CrmMessageDialog *self);
/* What the dialog says is wrong (NULL: nothing). */
const char       *crm_message_dialog_get_problem  (CrmMessageDialog *self);
/* How many deals it offers (from a contact: the contact's deals). */
guint             crm_message_dialog_get_n_deals  (CrmMessageDialog *self);

G_END_DECLS
