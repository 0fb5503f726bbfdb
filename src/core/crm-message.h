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
/* The errors of messages that a front end answers in its own words (the CLI code
 * "invalid-input"). */
#define CRM_MESSAGE_ERROR (crm_message_error_quark ())

typedef enum {
  /* A mailing found nobody to write to but contacts who already got its template in an
   * earlier mailing (or cannot get e-mail): sending again is the front end's choice
   * (CRM_MAILING_AGAIN), which it names in its own words. */
  CRM_MESSAGE_ERROR_ALREADY_MAILED,
} CrmMessageError;

GQuark            crm_message_error_quark      (void);

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
/* An e-mail's attached files (a template's, S4-2), at most, in all: mail servers refuse
 * larger mails (10 MiB of files are about 13.5 MiB in base64). */
#define CRM_MESSAGE_MAX_ATTACHMENTS_BYTES (10 * 1024 * 1024)
/* A template's HTML body, at most (bytes): it travels in one change with the plain one. */
#define CRM_MESSAGE_MAX_HTML_BYTES        (32 * 1024)

/* What a template says (crm_message_template_save(), _compose()): @name, @channel (email,
 * sms or telegram), @subject (an e-mail's; NULL for the others), @body, and for e-mail the
 * author's own HTML body @html (NULL: none; placeholders checked; their values are
 * HTML-escaped when a message is filled), @keep — which of the files it had stay
 * (attachment ids; NULL: none) — and @attach, the files it gets (paths; NULL: none). With
 * @was, the template called so is renamed to @name (the rules that name it follow; NOT_FOUND
 * when there is none, INVALID_INPUT when another template has @name). */
typedef struct {
  const char         *name;
  const char         *channel;
  const char         *subject;
  const char         *body;
  const char         *html;
  const char *const  *keep;
  const char *const  *attach;
  const char         *was;
} CrmTemplateSpec;

/* crm_message_template_add() with all of @spec: a commercial offer as a PDF among the files.
 * Replaces the template of that name with its HTML and files: of the files it had, those in
 * @spec->keep stay, the others go unless @spec->attach gives the same content again (stored
 * once). Refused (INVALID_INPUT): a missing or unreadable file, files over
 * CRM_MESSAGE_MAX_ATTACHMENTS_BYTES in all, an HTML body over CRM_MESSAGE_MAX_HTML_BYTES or
 * not UTF-8, HTML or files on an SMS or Telegram template. Returns the template's id. */
char             *crm_message_template_save    (CrmStore               *store,
                                                const char             *actor_id,
                                                const CrmTemplateSpec  *spec,
                                                GError                **error);
/* crm_message_template_save() into @changeset, which the caller applies (the app, as its
 * user, with «Undo»; its actor is the author): no files are added (@spec->attach must be
 * NULL; @spec->keep says which stay), crm_message_template_check_file() checks one before
 * it is attached. */
char             *crm_message_template_compose (CrmStore               *store,
                                                CrmChangeset           *changeset,
                                                const CrmTemplateSpec  *spec,
                                                GError                **error);
/* Removes the template @name and its files (admins only) in @changeset, which the caller
 * applies. NOT_FOUND when there is none; INVALID_INPUT naming the rules turned on that still
 * send it. */
gboolean          crm_message_template_remove  (CrmStore      *store,
                                                CrmChangeset  *changeset,
                                                const char    *name,
                                                GError       **error);
/* Renames the template @name to @new_name (admins only) in @changeset, which the caller
 * applies, with the rules that send it or wait for it to be opened. Messages already queued
 * keep the name they were made from. NOT_FOUND when there is none; INVALID_INPUT for an
 * empty name or one another template has. */
gboolean          crm_message_template_rename  (CrmStore      *store,
                                                CrmChangeset  *changeset,
                                                const char    *name,
                                                const char    *new_name,
                                                GError       **error);
/* Whether the file at @path may be attached to the template @template_id: it is a file,
 * the template is an e-mail one, and its files with this one fit
 * CRM_MESSAGE_MAX_ATTACHMENTS_BYTES. INVALID_INPUT saying which otherwise. */
gboolean          crm_message_template_check_file (CrmStore    *store,
                                                   const char  *template_id,
                                                   const char  *path,
                                                   GError     **error);
/* The template called @name: FALSE when there is none. */
gboolean          crm_message_template_lookup  (CrmStore    *store,
                                                const char  *name,
                                                char       **out_channel,
                                                char       **out_subject,
                                                char       **out_body);
/* [{"id","name","channel","subject","body","html","attachments"}] by name; "html" null
 * when it has none, "attachments" its files oldest first, in the shape of
 * crm_attachment_list()'s items. */
JsonNode         *crm_message_template_list    (CrmStore    *store,
                                                GError     **error);

/* Queues a message on @deal_id: from the template @template_name (its channel unless
 * @channel is given), or @subject and @body; to the deal's first contact, or @to_id (a
 * user or a contact: NOT_FOUND when it is neither). With @to_id, @deal_id may be NULL:
 * a message to the contact of no deal (a mailing, crm-mailing.h). Placeholders filled (except
 * {deal.number} before the deal has one). An e-mail from a template also carries the
 * template's HTML body (its values escaped) and files (by content: the server sends it once
 * it has them). Returns the message's id. */
char             *crm_message_send             (CrmStore    *store,
                                                const char  *actor_id,
                                                const char  *deal_id,
                                                const char  *template_name,
                                                const char  *subject,
                                                const char  *body,
                                                const char  *channel,
                                                const char  *to_id,
                                                GError     **error);

/* Whether @message (a row of it) was made from the template now called @template_name: by
 * the template's id, so a renamed template still owns its messages; a message made before
 * messages kept that id, by the name it was made under. */
gboolean          crm_message_from_template    (CrmStore    *store,
                                                JsonObject  *message,
                                                const char  *template_name);
/* The contacts that got an e-mail from the template @template_name (by its id, as
 * crm_message_from_template() tells) outside any deal (a
 * mailing, crm-mailing.h), queued or sent and not failed: contact id → gint64 * (when the
 * latest was made, ms). NULL with @error when the replica cannot be read. */
GHashTable       *crm_message_mailed           (CrmStore    *store,
                                                const char  *template_name,
                                                GError     **error);

/* The same as crm_message_send(), into @changeset (which the caller applies: the app
 * writes it as its user, with «Undo»). Returns the message's id, or NULL with @error. */
char             *crm_message_compose          (CrmStore      *store,
                                                CrmChangeset  *changeset,
                                                const char    *actor_id,
                                                const char    *deal_id,
                                                const char    *template_name,
                                                const char    *subject,
                                                const char    *body,
                                                const char    *channel,
                                                const char    *to_id,
                                                GError       **error);

/* The e-mail @change (a new message, channel @channel) from the template @template_name
 * gets the template's HTML body, filled for @deal_id, @recipient_id and @author_id with its
 * values HTML-escaped ("html"), and its files ("attachments": [{"name","hash","size",
 * "mime"}]); nothing for another channel, or a template without them. */
void              crm_message_set_template_parts (CrmStore    *store,
                                                  CrmChange   *change,
                                                  const char  *template_name,
                                                  const char  *channel,
                                                  const char  *deal_id,
                                                  const char  *recipient_id,
                                                  const char  *author_id);

/* Messages, newest first, of one deal or all: [{"id","deal","channel","recipient",
 * "recipient_name","to","subject","text","status","error","author","created_at",
 * "sent_at","opened_at","attachments"}]; status queued|sending|sent|failed|opened;
 * "attachments": the names of the files it carries (its template's), [] when none. */
JsonNode         *crm_message_list             (CrmStore    *store,
                                                const char  *deal_id,
                                                GError     **error);
/* The same of the messages to one contact (or user) @recipient_id, of any deal; also
 * "opened_at" (null until the recipient opened it). */
JsonNode         *crm_message_list_to          (CrmStore    *store,
                                                const char  *recipient_id,
                                                GError     **error);
/* A channel as people call it: «E-mail», «SMS», «Telegram». */
const char       *crm_message_channel_label    (const char  *channel);
/* A delivery state in words («Sent», «Not delivered: <reason>» …), for the timeline. */
char             *crm_message_describe_status  (const char  *status,
                                                const char  *reason);

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
  char *html;            /* the author's HTML body (placeholders filled, escaped), or NULL */
  JsonArray *attachments;  /* the template's files: [{"name","hash","size","mime"}], or NULL */
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

/* --- open tracking and unsubscribing (S4-9) -------------------------------------------- */

/* Whether the contact @recipient_id unsubscribed from e-mail (through a mail's link);
 * *out_since (optional) gets when. crm_message_compose() refuses e-mail to such a contact,
 * and the server's delivery fails one queued before, with the reason. */
gboolean          crm_message_is_unsubscribed  (CrmStore    *store,
                                                const char  *recipient_id,
                                                gint64      *out_since);
/* The server, when the unsubscribe link of message @message_id is followed: its contact
 * gets "unsubscribed": true and "unsubscribed_at" (the first time only) as the server's
 * change. *out_name (optional) gets the contact's name. NOT_FOUND: no such contact. */
gboolean          crm_message_unsubscribe      (CrmStore    *store,
                                                const char  *message_id,
                                                char       **out_name,
                                                GError     **error);
/* The server, when the tracking image of message @message_id is fetched: a sent message
 * becomes «opened» with "opened_at" (rules with the trigger "message_opened" run);
 * nothing for one already opened, or not sent. *out_changed: whether it was written. */
gboolean          crm_message_mark_opened      (CrmStore    *store,
                                                const char  *message_id,
                                                gboolean    *out_changed,
                                                GError     **error);

/* --- the server's channels and mailboxes, as the app may know them ----------------------- */

/* The `setting` the server keeps up to date in each account: its channels and mailboxes
 * without a secret, {"channels": [{"kind","url","from","user","has_secret",
 * "updated_at"}], "mailboxes": [{"url","user","pipeline","stage","taken","last_error",
 * "last_error_at"}], "account": NAME}. The secrets themselves stay in server.db. */
#define CRM_MESSAGE_TRANSPORT_KEY "server.transport"

/* The server: writes @state (crm_store_apply, as the server's change) unless the account
 * has it already; *out_changed (optional): whether it wrote. */
gboolean          crm_message_publish_transport (CrmStore    *store,
                                                 JsonObject  *state,
                                                 gboolean    *out_changed,
                                                 GError     **error);
/* What the server published last, or NULL (never: a local account, or an older server). */
JsonObject       *crm_message_dup_transport     (CrmStore    *store);

G_END_DECLS
