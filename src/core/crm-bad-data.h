/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-bad-data.h — «Данные на исправление» (S4-7): phones, e-mails and INNs entered before
 * the input standard or imported that do not meet it. They are kept as typed; this lists
 * them per responsible manager and tells each manager about theirs by a notification that
 * is cleared (marked read) once the card is fixed. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The values of contacts (phones, e-mails) and companies (INN, phones and e-mails of
 * their custom fields) that do not meet the standard, of the cards @responsible_id is
 * responsible for (NULL: everyone's), by responsible then name:
 * [{"entity", "id", "name", "responsible", "responsible_id", "field", "value",
 *   "problem", "hint"}] — "problem" "not-a-phone", "phone-not-standard", "not-an-email",
 * "email-not-standard", "inn-invalid"; "hint" what the standard form would be, or null. */
JsonNode  *crm_bad_data_list     (CrmStore    *store,
                                  const char  *responsible_id,
                                  GError     **error);

/* What is wrong, as the notifications say it («not a phone number»), for an item's
 * "problem". */
const char *crm_bad_data_problem_words (const char *problem);

/* One notification per card with bad data to its responsible (id derived from the card,
 * so running it again writes nothing new), and the notifications of cards fixed since
 * marked read; one change set @actor makes. *@out_sent and *@out_cleared count them. */
gboolean   crm_bad_data_notify   (CrmStore    *store,
                                  const char  *actor,
                                  guint       *out_sent,
                                  guint       *out_cleared,
                                  GError     **error);

G_END_DECLS
