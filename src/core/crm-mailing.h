/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mailing.h — «Написать всем» (S4-2): one e-mail from a template to every contact a
 * saved list, a filter or a selection leaves, each queued as a `message` of no deal
 * through the outbox the server delivers (crm-message.h), in one change set. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

typedef enum {
  CRM_MAILING_NONE  = 0,
  /* Write also to contacts who already got an e-mail from this template in an earlier
   * mailing (by default they are skipped, and listed as such). */
  CRM_MAILING_AGAIN = 1 << 0,
} CrmMailingFlags;

/* At most this many contacts picked by id in one mailing (a selection in the app,
 * `message send --contact`); more: a saved list or a filter. */
#define CRM_MAILING_MAX_CONTACTS 10000

/* Queues one e-mail from the template @template_name (an e-mail template) to each contact
 * of the saved list @list (its name or id), of the filter expression @filter, or of the
 * ids @ids (NULL-terminated, at most CRM_MAILING_MAX_CONTACTS) — one of the three —,
 * written as @actor_id in one change set, so «Undo» takes the whole mailing back.
 * A contact gets one message however the filter matches it (or however often its id is
 * given); contacts without an e-mail address, who unsubscribed, or who already got this
 * template in an earlier mailing (not one that failed; unless @flags has
 * CRM_MAILING_AGAIN) get none and are listed with the reason (and "sent_at", ISO 8601, for
 * those who got it already). @ids_of says what @ids are: contacts (NULL or "contact"), or
 * "company" / "deal": a selection of companies (their people and those linked to them) or
 * deals, whose contacts are written to (crm_filter_contacts_of(), each once). An id of
 * @ids, a contact's, that is no contact (never was, or was
 * deleted since it was picked) is listed as skipped too, its "name" empty, so a selection
 * a colleague's deletion shortened still mails the rest. Returns
 * {"template", "sent": [{"contact","name","email","message"}],
 *  "skipped": [{"contact","name","reason","sent_at"?}]}, or NULL: NOT_FOUND (no such template or
 * list), INVALID_INPUT (a bad filter, a template that is not an e-mail, more ids than
 * CRM_MAILING_MAX_CONTACTS, nobody to write to — then nothing is written),
 * CRM_MESSAGE_ERROR_ALREADY_MAILED (nobody to write to but contacts who already got it: the
 * front end says how it sends again). */
JsonObject *crm_mailing_send (CrmStore           *store,
                              const char         *actor_id,
                              const char         *list,
                              const char         *filter,
                              const char         *ids_of,
                              const char * const *ids,
                              const char         *template_name,
                              CrmMailingFlags     flags,
                              GError            **error);

/* crm_mailing_send() in two halves, so a front end reads off its main loop: the plan
 * checks the template and the list and reads the contacts the list, the filter or the ids
 * leave (on a reading connection, crm_store_open_reader(), in a worker thread: it may take
 * a while on a large account); it fails as crm_mailing_send() does for those,
 * INVALID_INPUT when no contact matches a list or filter, or no id is given (or the
 * companies or deals chosen have no contacts). Its result is
 * for crm_mailing_send_plan() only. */
JsonObject *crm_mailing_plan      (CrmStore           *store,
                                   const char         *list,
                                   const char         *filter,
                                   const char         *ids_of,
                                   const char * const *ids,
                                   const char         *template_name,
                                   GError            **error);
/* The rest of crm_mailing_send() on the replica's own connection: skips those without an
 * e-mail, unsubscribed or mailed already (as the replica says now) and the ids that are no
 * contact, and writes the rest. */
JsonObject *crm_mailing_send_plan (CrmStore           *store,
                                   const char         *actor_id,
                                   JsonObject         *plan,
                                   CrmMailingFlags     flags,
                                   GError            **error);

G_END_DECLS
