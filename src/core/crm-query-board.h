/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-board.h — the questions the desktop app's board and lists ask: stage columns
 * with counts and sums, deal cards (contact, tags, next task, open task count) under any
 * mix of filters, companies by name prefix, custom field definitions, loss reasons, the
 * tasks around a contact. Results are JSON (money as integer minor units, times as UTC
 * milliseconds) so views can wrap them in CrmRecord models. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct {
  const char         *pipeline_id;   /* NULL: any */
  const char         *stage_id;      /* NULL: any */
  const char * const *tag_ids;       /* NULL-terminated; a deal must have all of them */
  const char         *contact_id;    /* only deals linked to this contact */
  const char         *company_id;    /* only deals of this company */
  const char         *flag_field;    /* key of a yes/no custom field that must be yes */
  const char         *search;        /* each word starts a word of the title, of the
                                      * company's or a contact's name (any case), or
                                      * the digits are in a contact's phone number */
  gboolean            open_only;     /* only deals at unsorted/open stages */
  const char         *responsible_id; /* only deals this user is responsible for (NULL: any) */
  guint               limit;         /* 0: no limit */
  guint               offset;
} CrmCardFilter;

/* Deal cards, newest first:
 * [{"id","title","amount" (minor units or null),"currency","pipeline_id","stage_id",
 *   "stage","stage_kind","company","contact" (first linked contact's name),
 *   "responsible","tags":[{"id","name","group"}],"next_task_id","next_task",
 *   "next_due" (UTC ms or null),"open_tasks","loss_reason" (the reason's name, or null),
 *   "responsible_id"}] — crm-card-private.h builds them for every card query.
 * *out_total (optional) gets the number of matching deals ignoring limit/offset. */
JsonArray *crm_query_deal_cards      (CrmStore             *store,
                                      const CrmCardFilter  *filter,
                                      gint64               *out_total,
                                      GError              **error);

/* The stages of @pipeline_id in order with the deals the filter lets through:
 * [{"id","name","kind","count","sum" (minor units)}]. */
JsonArray *crm_query_board_columns   (CrmStore            *store,
                                      const char          *pipeline_id,
                                      const char * const  *tag_ids,
                                      const char          *search,
                                      GError             **error);

/* The same, only counting the deals @responsible_id is responsible for (NULL: any). */
JsonArray *crm_query_board_columns_for (CrmStore            *store,
                                        const char          *pipeline_id,
                                        const char * const  *tag_ids,
                                        const char          *search,
                                        const char          *responsible_id,
                                        GError             **error);

/* Companies whose name has words starting with the words of @search (any case,
 * Cyrillic included; NULL: all), by name:
 * [{"id","name","inn","deals" (open deals),"contacts"}]. */
JsonArray *crm_query_companies       (CrmStore    *store,
                                      const char  *search,
                                      guint        limit,
                                      guint        offset,
                                      gint64      *out_total,
                                      GError     **error);
/* The same, by the total of won deals, biggest first, when @by_total. Each row also has
 * "total" (minor units): the sum of the company's won deals. */
JsonArray *crm_query_companies_sorted (CrmStore    *store,
                                       const char  *search,
                                       gboolean     by_total,
                                       guint        limit,
                                       guint        offset,
                                       gint64      *out_total,
                                       GError     **error);

/* Custom field definitions of @entity ("deal", "contact", "company") by position:
 * [{"id","key","label","type","choices":[…],"required_stages":[…],"hidden",
 * "on_deals" (a company field shown on the company's deals)}]. */
JsonArray *crm_query_fields          (CrmStore    *store,
                                      const char  *entity,
                                      GError     **error);

/* The loss reasons a deal of @pipeline_id may be closed with: [{"id","name","pipeline"}]
 * ("pipeline" null: a reason of every pipeline). */
JsonArray *crm_query_loss_reasons    (CrmStore    *store,
                                      const char  *pipeline_id,
                                      GError     **error);

/* Tasks of the deals a contact is linked to and tasks on the contact itself, by due
 * date, in the task shape of crm_query_tasks() ("due" as ISO 8601). */
JsonArray *crm_query_contact_tasks   (CrmStore    *store,
                                      const char  *contact_id,
                                      gboolean     open_only,
                                      GError     **error);

/* The contacts of a company, by name: [{"id","name","phones":[…],"emails":[…]}]. */
JsonArray *crm_query_company_contacts (CrmStore    *store,
                                       const char  *company_id,
                                       GError     **error);

/* Does some word of @text start with each word of @query? Both are folded the way
 * contact search folds names (any case, Cyrillic included). An empty query matches. */
gboolean   crm_text_matches_words    (const char *text,
                                      const char *query);

G_END_DECLS
