/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-call-card.h — the caller's card (issue 18): when voronka-server routes a call to this
 * user, the live channel brings {"call","deal","card":{"title","name","phone","company",
 * "deals":[{"id","title","stage","amount","currency"}],"last_note","contact","new"}}
 * (src/server/crm-server-live.h) and the window shows it over itself — the caller's name
 * (or «Новый номер»), number, company, open deals with their stage and amount, the last
 * note — with «Open Contact» and «Open Deal», which open them in one click once the
 * replica has them (a new number's contact and deal come with the sync the same call
 * sets off). When the window is not the active one, a desktop notification says who
 * calls as well. */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_CALL_CARD (crm_call_card_get_type ())
G_DECLARE_FINAL_TYPE (CrmCallCard, crm_call_card, CRM, CALL_CARD, AdwMessageDialog)

/* The card of the live event @event over @parent (a CrmWindow), reading the replica
 * through @context; a card already shown for another call closes first. Returns the card
 * (owned by GTK's list of toplevels). */
CrmCallCard *crm_call_card_show         (GtkWindow   *parent,
                                         CrmContext  *context,
                                         JsonObject  *event);
/* The card shown now over @parent, or NULL. */
CrmCallCard *crm_call_card_get_shown    (GtkWindow   *parent);
/* The call's id (the `call` entity's) and the deal and contact it opens. */
const char  *crm_call_card_get_call     (CrmCallCard *self);
const char  *crm_call_card_get_deal     (CrmCallCard *self);
const char  *crm_call_card_get_contact  (CrmCallCard *self);

G_END_DECLS
