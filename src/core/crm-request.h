/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-request.h — requests that come from outside (S3-3: e-mail to a mailbox the server
 * watches): the sender as a contact matched by normalized e-mail, the request as a deal
 * with its text as a note, written through crm_store_apply() so they sync like any
 * change; and the senders whose requests were closed as spam. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The loss reason that marks a request as spam, letter for letter as the templates
 * spell it (data, not translated): later mail from its contact makes no request. */
#define CRM_SPAM_REASON "Спам"

/* @text as an address to compare: surrounding blanks, angle brackets and "mailto:"
 * dropped, lower case. NULL when it is not one address (no or two "@", empty local
 * part or domain, a domain without a dot, blanks or separators inside). */
char      *crm_email_normalize          (const char  *text);

/* The id of the contact (not deleted) that has the normalized address @email among its
 * e-mails, compared normalized; the oldest one when several have it; NULL when none (an
 * SQLite failure sets @error). */
char      *crm_query_contact_by_email   (CrmStore    *store,
                                         const char  *email,
                                         GError     **error);

/* A file that came with a request (an e-mail's attachment). */
typedef struct {
  const char *name;           /* the file name it came with (a base name) */
  GBytes     *data;
} CrmRequestFile;

/* One request to write. */
typedef struct {
  const char *key;            /* what identifies it for good (the e-mail's Message-ID,
                               * else mailbox/UIDVALIDITY/UID): the deal's and note's ids
                               * derive from it, so taking it again writes nothing */
  const char *pipeline_id;
  const char *stage_id;
  const char *responsible_id; /* NULL: nobody yet */
  const char *sender_email;   /* normalized (crm_email_normalize) */
  const char *sender_name;    /* the display name; NULL or "": the address is the name */
  const char *title;          /* NULL or "": "E-mail from NAME" */
  const char *text;           /* the note; NULL or "": none */
  gint64      received_at;    /* UTC ms; 0: now */
  GPtrArray  *files;          /* CrmRequestFile*: attached to the deal; NULL: none */
} CrmRequest;

/* Writes @request as one change set: the contact found by e-mail (created when new, with
 * the display name), the deal in the pipeline and stage with the contact, the note on the
 * deal, its files as attachments (kept once per content beside the replica, as
 * crm-attachment.h does). Returns the deal's id; *out_created is FALSE when a deal for @request->key was
 * already there (nothing written). *out_contact_id (optional) gets the contact, and
 * *out_new_contact whether it was created. A refusal (a gate, a stage that went away)
 * is the error of crm_store_apply(). */
char      *crm_request_take             (CrmStore          *store,
                                         const CrmRequest  *request,
                                         gboolean          *out_created,
                                         char             **out_contact_id,
                                         gboolean          *out_new_contact,
                                         GError           **error);

/* The id of the deal crm_request_take() makes for @key (whether it exists or not). */
char      *crm_request_deal_id          (const char  *key);

/* Makes sure the loss reason CRM_SPAM_REASON can close deals of @pipeline_id: an
 * existing one (of the pipeline or of every pipeline) is kept, otherwise one is added
 * to the pipeline. *out_added (optional) tells which. */
gboolean   crm_request_ensure_spam_reason (CrmStore    *store,
                                           const char  *pipeline_id,
                                           gboolean    *out_added,
                                           GError     **error);

/* The senders whose requests were closed as spam: for every deal in a lost stage with
 * the loss reason CRM_SPAM_REASON, the normalized e-mails of its contacts, as
 * [{"email", "deal", "number"}] sorted by e-mail (one entry per e-mail, its oldest deal). */
JsonArray *crm_request_spam_senders     (CrmStore    *store,
                                         GError     **error);

G_END_DECLS
