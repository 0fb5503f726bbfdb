/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-company.h — what a company is besides its row (S3): the total of its won deals
 * (derived from the deals themselves, so it never conflicts), its holding (symmetric
 * `company_link` entities whose id comes from the pair, followed to every member), the
 * contacts related to it through «Связан с компанией» (`contact_company` links), and the
 * company fields shown on each of its deals (`on_deals`: always the company's current
 * value). Both `company show` and `contact show` of voronkactl and the app read these. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* The sum (minor units) and number of @company_id's live deals at a won stage: a won
 * deal reopened, deleted or moved to another company is no longer counted. */
gboolean    crm_company_won_total        (CrmStore      *store,
                                          const char    *company_id,
                                          gint64        *out_amount,
                                          gint64        *out_deals,
                                          GError       **error);

/* Every other company of @company_id's holding (linked to it directly or through other
 * members), by name: [{"id","name"}]. */
JsonArray  *crm_company_holding          (CrmStore      *store,
                                          const char    *company_id,
                                          GError       **error);

/* The link between companies @a and @b into @changeset, present or removed. One entity
 * per pair whichever side it is made from: its id is derived from the pair in order. */
CrmChange  *crm_company_link_change      (CrmChangeset  *changeset,
                                          const char    *a,
                                          const char    *b,
                                          gboolean       present);

/* The link «contact @contact_id is related to company @company_id» (the contact field of
 * type "companies"), present or removed; its id is derived from the pair. */
CrmChange  *crm_contact_company_change   (CrmChangeset  *changeset,
                                          const char    *contact_id,
                                          const char    *company_id,
                                          gboolean       present);

/* The companies a contact is related to, by name: [{"id","name"}]. */
JsonArray  *crm_contact_related_companies (CrmStore     *store,
                                           const char   *contact_id,
                                           GError      **error);
/* The contacts related to a company (not its own people), by name: [{"id","name"}]. */
JsonArray  *crm_company_related_contacts (CrmStore      *store,
                                          const char    *company_id,
                                          GError       **error);

/* The company's fields marked "on_deals" with their current values on @company_id:
 * [{"key","label","type","value"}] (value null when empty). */
JsonArray  *crm_company_deal_fields      (CrmStore      *store,
                                          const char    *company_id,
                                          GError       **error);

/* The company as `company show` prints it: its fields (custom ones under "fields"),
 * "total" (minor units), "won_deals", "holding", "contacts" (its own people) and
 * "related_contacts". NOT_FOUND when there is no such company. */
JsonObject *crm_company_show             (CrmStore      *store,
                                          const char    *company_id,
                                          GError       **error);

/* The contact as `contact show` prints it: its fields (custom ones under "fields"),
 * "company" (name) and "company_id", and "companies" (related companies). */
JsonObject *crm_contact_show             (CrmStore      *store,
                                          const char    *contact_id,
                                          GError       **error);

G_END_DECLS
