/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mass-deals.h — «Создать сделки» (S4-3): one deal per company from a deal template
 * (a title pattern, the same pipeline, stage, amount, tags and custom fields), all in one
 * change set, so one «undo» takes them all back; `voronkactl deal add-many` and the
 * app's companies list both build it here. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* At most this many ops (a deal and each of its tag links) in one change: what one «Undo»
 * takes back (CRM_UNDO_MAX_OPS); beyond, narrow the list and go in parts. */
#define CRM_MASS_DEALS_MAX_OPS 1000

/* What every deal gets. */
typedef struct {
  const char         *pipeline_id;
  const char         *stage_id;    /* a stage of the pipeline */
  const char         *title;       /* the pattern: {company} the company's name, {inn} its INN */
  const char         *title_place; /* what the front end calls the pattern ("--title"),
                                    * prefixing the errors about it; or NULL */
  gboolean            has_amount;
  gint64              amount;      /* minor units, when has_amount */
  const char * const *tag_ids;     /* NULL-terminated, or NULL */
  JsonObject         *fields;      /* custom fields as stored (dates in ms, money in minor
                                    * units), copied into each deal; or NULL */
} CrmMassDeals;

/* The title @pattern makes for @company (its "name" and "inn"), trimmed; "" when it makes
 * nothing. */
char         *crm_mass_deals_title (const char   *pattern,
                                    JsonObject   *company);

/* The change set creating one deal of @spec per company of @company_ids (ids; a company
 * named twice gets one deal), each with its company and the company's responsible (else
 * @actor_id), created now (the store's clock); its tag links in the same change set.
 * @out_deal_ids (optional) gets the new deals' ids, in the companies' order. The caller
 * sets the actor and applies it (crm_store_apply: gates and rules run on each deal as on
 * any new deal). NULL with NOT_FOUND (no such pipeline, stage or company — a deleted one
 * counts) or INVALID_INPUT (a stage of another pipeline, an empty pattern, a pattern
 * making an empty title for a company, no company, more deals and tag links than
 * CRM_MASS_DEALS_MAX_OPS). */
CrmChangeset *crm_mass_deals_build (CrmStore            *store,
                                    const CrmMassDeals  *spec,
                                    const char          *actor_id,
                                    const char * const  *company_ids,
                                    GPtrArray          **out_deal_ids,
                                    GError             **error);

G_END_DECLS
