/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-search.h — contact search by the first letters, answered from the contact_prefix
 * table (schema 2) so it stays instant on 100 000 contacts. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The same question and answer as crm_query_contacts() without a tag filter: contacts
 * with a word of the name starting with each word of @query (any case, Cyrillic
 * included), those whose surname matches first, then by name:
 * [{"id","name","phones":[…],"emails":[…],"company","company_id"}];
 * *out_total (optional) gets the number of matches ignoring @limit (0: all) and
 * @offset. A query with no letters or digits (or NULL) lists every contact. A first
 * word of three letters — what people type into a search field — reads its page and
 * total from one index range; a longer one narrows those candidates further; one or two
 * letters (schema 28) read the range of the three-letter rows starting so and sort the
 * contacts found (tens of milliseconds when a letter matches thousands). */
JsonNode *crm_query_contact_search (CrmStore    *store,
                                    const char  *query,
                                    guint        limit,
                                    guint        offset,
                                    gint64      *out_total,
                                    GError     **error);

/* One search box for a client: deals, contacts and companies for @text together —
 * a surname, a company name or a deal title by their first letters (any case, Cyrillic
 * included), or four or more consecutive digits of a phone number («762-30»).
 * {"query", "deals": [deal cards, newest first], "contacts": [as above],
 *  "companies": [{"id","name","inn","deals","contacts"}],
 *  "totals": {"deals","contacts","companies"}} with at most @limit (0: 20) of each. A
 * deal matches by its title, its company or one of its contacts; a text with no
 * letters or digits finds nothing. */
JsonNode *crm_query_search         (CrmStore    *store,
                                    const char  *text,
                                    guint        limit,
                                    GError     **error);

G_END_DECLS
