/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-duplicates.h — likely duplicates among contacts and companies (S4-6): found by
 * surname + name, normalized phone, e-mail and INN, scored and grouped; merged into one
 * survivor in one change set, the others left as redirects to it. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* What a pair's score is made of: the sum of the weights of the keys the two share,
 * at most 100. */
#define CRM_DUPLICATE_WEIGHT_INN   60
#define CRM_DUPLICATE_WEIGHT_PHONE 50
#define CRM_DUPLICATE_WEIGHT_EMAIL 50
#define CRM_DUPLICATE_WEIGHT_NAME  40

/* Groups of likely duplicates among the (not deleted) entities of @entity, "contact" or
 * "company", with a pair score of at least @min_score. A JSON array, highest score first:
 * [{"score": best pair score, "members": [{"id", "name", "phones", "emails", "inn",
 *   "responsible"}…], "pairs": [{"a", "b", "score", "reasons": ["name", "phone",
 *   "email", "inn"]}…]}]. Members are linked through pairs (a group may hold three
 * cards where the first and the third share nothing). */
JsonNode  *crm_duplicates_find       (CrmStore     *store,
                                      const char   *entity,
                                      int           min_score,
                                      GError      **error);

/* Merges @others into @survivor (one change set @actor makes, undoable): each field
 * keeps the survivor's value, filled from the others where the survivor has none;
 * phones, e-mails and tags are joined; @take maps a field name to the id of the card
 * (the survivor or one of @others) whose value wins (may be NULL). Deals, tasks, notes,
 * files (and, for companies, contacts and holding links) move to the survivor; each
 * other card is deleted with a redirect to the survivor ("merged_into"), so an edit
 * made elsewhere to it, synced later, lands on the survivor. Errors: NOT_FOUND (a card
 * that does not exist), INVALID_INPUT (the survivor among the others, a --take naming a
 * card not merged or a field the cards do not have). */
gboolean   crm_duplicates_merge      (CrmStore           *store,
                                      const char         *entity,
                                      const char         *survivor,
                                      const char * const *others,
                                      GHashTable         *take,
                                      const char         *actor,
                                      GError            **error);

/* The card @id was merged into, following redirects (a new string), or NULL when @id
 * is not a redirect. */
char      *crm_duplicates_dup_survivor (CrmStore   *store,
                                        const char *entity,
                                        const char *id);

G_END_DECLS
