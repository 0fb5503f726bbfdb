/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-message.h — messages to clients and colleagues (`message` entities) and their
 * templates (`message_template`): composing one on a laptop (placeholders filled), the
 * list with delivery states, and what the server's delivery needs — the queued ones,
 * one ready to send (address, subject, body) and its new state written back through
 * crm_store_apply(), so every replica gets it with its next sync. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The placeholders a template or a message may hold. {deal.number} is known once the
 * server numbered the deal: left in the text until then, the server fills it when it
 * delivers. */
#define CRM_MESSAGE_PLACEHOLDERS "{deal.number} {deal.title} {contact.name} {user.name} {company.name}"

/* Refuses (INVALID_INPUT) a text with a placeholder that is not one of the above. */
gboolean          crm_message_check_placeholders (const char  *text,
                                                  GError     **error);
/* @text with the placeholders filled for @deal_id (may be NULL), the recipient
 * @recipient_id (a contact or user id, may be NULL) and the author @author_id.
 * {deal.number} stays when the deal has no number yet and @final is FALSE. */
char             *crm_message_fill             (CrmStore    *store,
                                                const char  *text,
                                                const char  *deal_id,
                                                const char  *recipient_id,
                                                const char  *author_id,
                                                gboolean     final);

/* A template (admins only: the store's rights gate refuses others): channel email, sms
 * or telegram; an e-mail template needs a subject; placeholders checked. Replaces the
 * template of that name. Returns its id. */
char             *crm_message_template_add     (CrmStore    *store,
                                                const char  *actor_id,
                                                const char  *name,
                                                const char  *channel,
                                                const char  *subject,
                                                const char  *body,
                                                GError     **error);
/* The template called @name: FALSE when there is none. */
gboolean          crm_message_template_lookup  (CrmStore    *store,
                                                const char  *name,
                                                char       **out_channel,
                                                char       **out_subject,
                                                char       **out_body);
/* [{"id","name","channel","subject","body"}] by name. */
JsonNode         *crm_message_template_list    (CrmStore    *store,
                                                GError     **error);

/* Queues a message on @deal_id: from the template @template_name (its channel unless
 * @channel is given), or @subject and @body; to the deal's first contact, or the user
 * @to_user_id. Placeholders filled (except {deal.number} before the deal has one).
 * Returns the message's id. */
char             *crm_message_send             (CrmStore    *store,
                                                const char  *actor_id,
                                                const char  *deal_id,
                                                const char  *template_name,
                                                const char  *subject,
                                                const char  *body,
                                                const char  *channel,
                                                const char  *to_user_id,
                                                GError     **error);

/* Messages, newest first, of one deal or all: [{"id","deal","channel","recipient",
 * "recipient_name","to","subject","text","status","error","author","created_at",
 * "sent_at"}]; status queued|sending|sent|failed|opened. */
JsonNode         *crm_message_list             (CrmStore    *store,
                                                const char  *deal_id,
                                                GError     **error);

/* --- the server's delivery ---------------------------------------------------------- */

/* Ids of the messages whose status is «queued», oldest first. */
GPtrArray        *crm_message_list_queued      (CrmStore    *store,
                                                GError     **error);

/* A message ready to go out. */
typedef struct {
  char *id;
  char *channel;         /* email | sms | telegram */
  char *deal;
  char *author;          /* user id, or NULL */
  char *recipient;       /* contact or user id */
  char *recipient_name;
  char *address;         /* e-mail address, phone number or Telegram chat id; NULL: none */
  char *subject;         /* placeholders filled */
  char *body;
  char *status;
} CrmMessageDraft;

void              crm_message_draft_free       (CrmMessageDraft *draft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmMessageDraft, crm_message_draft_free)

/* The message @id as it goes out now (every placeholder filled); NOT_FOUND when gone. */
CrmMessageDraft  *crm_message_draft_load       (CrmStore    *store,
                                                const char  *id,
                                                GError     **error);
/* Writes the message's @status ("sending", "sent", "failed", "opened") with @reason
 * (the gateway's words for a failure, NULL otherwise) as the server's change. A
 * failure also tells the author (a notification) in the same change set. */
gboolean          crm_message_set_status       (CrmStore    *store,
                                                const char  *id,
                                                const char  *status,
                                                const char  *reason,
                                                GError     **error);

/* Whether @recipient_id (a contact or user) has an address for @channel: a phone for
 * sms, an e-mail for email, a chat id for telegram. */
gboolean          crm_message_has_address      (CrmStore    *store,
                                                const char  *recipient_id,
                                                const char  *channel);

/* The server, once it numbered @deal_id (inside the push's transaction): every queued
 * message of the deal still holding {deal.number} gets its text (and subject) with the
 * number, as the server's own op, so the request's confirmation (S3-4) reads «Номер 123»
 * on every replica and goes out so — never a placeholder. */
gboolean          crm_message_fill_deal_number (CrmStore    *store,
                                                const char  *deal_id,
                                                GError     **error);

G_END_DECLS
