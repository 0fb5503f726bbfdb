/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-demo.h — realistic demo data for a truck-dealer replica (Russian names, phone
 * numbers, companies, brand tags, deals over every pipeline, open and overdue tasks). */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* Called after each change set the demo wrote: @phase is "companies", "contacts" or
 * "deals", @done of @total made so far. */
typedef void (*CrmDemoProgress) (const char *phase,
                                 guint       done,
                                 guint       total,
                                 gpointer    user_data);

typedef struct {
  guint32          seed;           /* same seed → same data */
  guint            n_deals;        /* e.g. 300; 0: companies and contacts only */
  guint            n_contacts;     /* e.g. 200 */
  guint            n_companies;    /* e.g. 60 */
  guint            batch;          /* companies or contacts per change set; 0: 100 */
  CrmDemoProgress  progress;       /* or NULL */
  gpointer         progress_data;
} CrmDemoOptions;

/* Fill a store made from the truck-dealer template through crm_store_apply() (the one
 * write path), in batches. Uses the store's clock as "now" for due dates. The
 * benchmarks' large account (bench/bench-account.c) takes its companies and contacts
 * from here too. */
gboolean crm_demo_populate (CrmStore              *store,
                            const CrmDemoOptions  *options,
                            GError               **error);

/* A brand or trailer tag of the template, as the generators draw them. */
typedef struct {
  char *id;
  char *name;
} CrmDemoTag;

/* A used vehicle for sale drawn from @rand: a truck of one of @brands (CrmDemoTag*;
 * sometimes sold with a semi-trailer) or a trailer of one of @trailers. Returns its
 * title («Volvo FH 460 2018, тягач»); *out_amount gets the price in kopecks and
 * *out_brand / *out_trailer the tags it carries (NULL: none). The demo and the
 * benchmarks' large account make their deals' vehicles with it. */
char    *crm_demo_make_vehicle (GRand             *rand,
                                GPtrArray         *brands,
                                GPtrArray         *trailers,
                                gint64            *out_amount,
                                const CrmDemoTag **out_brand,
                                const CrmDemoTag **out_trailer);

G_END_DECLS
