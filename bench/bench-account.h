/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-account.h — the large truck-dealer account the benchmarks run on: companies,
 * contacts, deals over every pipeline and stage with brand/trailer tags, tasks (open,
 * done, overdue) and notes, all drawn from one seed and written through
 * crm_store_apply() in large change sets. */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct {
  guint n_companies;
  guint n_contacts;
  guint n_deals;    /* deals the generator makes; the template's rules add some */
  guint n_tasks;    /* tasks the generator makes; rules add follow-up calls */
  guint n_notes;
} BenchSizes;

/* The sizes of issue 8's large account times @scale (at least one of each). */
void          bench_sizes_init         (BenchSizes *sizes,
                                        double      scale);

typedef struct _BenchAccount BenchAccount;

/* Reads the pipelines, stages, loss reasons, users and tags back from @store, which
 * must have been made from the truck-dealer template; draws from @seed. */
BenchAccount *bench_account_new        (CrmStore    *store,
                                        guint32      seed,
                                        GError     **error);
void          bench_account_free       (BenchAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchAccount, bench_account_free)

/* Progress lines on stderr while populating. */
void          bench_account_set_verbose (BenchAccount *account,
                                         gboolean      verbose);

/* Writes companies, contacts, then deals with their tags, contact links, tasks and
 * notes, in change sets of about @batch changes. *out_changes / *out_ops (optional) get
 * the number of changes sent and of ops written (changes plus what rules made). */
gboolean      bench_account_populate   (BenchAccount      *account,
                                        const BenchSizes  *sizes,
                                        guint              batch,
                                        guint64           *out_changes,
                                        guint64           *out_ops,
                                        GError           **error);

/* One deal with its links, as plain values: the write benchmark writes the same rows
 * through the write path and as raw SQLite inserts. */
typedef struct {
  char        *id;
  char        *title;
  const char  *pipeline;
  const char  *stage;
  gboolean     is_open;       /* on an unsorted or open stage */
  gint64       amount;
  const char  *currency;
  const char  *responsible;
  const char  *company;       /* or NULL */
  const char  *source;
  gint64       created_at;
  gint64       stage_entered_at;
  const char  *payment_type;  /* custom field, or NULL */
  gboolean     waiting_for_stock;
  gboolean     has_waiting;   /* waiting_for_stock is set */
  const char  *loss_reason;   /* or NULL */
  const char  *tags[2];
  guint        n_tags;
  const char  *contact;       /* or NULL */
  char        *tag_links[2];  /* deal_tag ids */
  char        *contact_link;  /* deal_contact id, or NULL */
} BenchDeal;

/* Deal number @n (its id derives from the seed and @n). @quiet: an open deal of
 * «Продажи» paid in cash that no rule of the template acts on. Needs contacts: call
 * bench_account_populate() with contacts first. */
void          bench_account_make_deal  (BenchAccount *account,
                                        guint         n,
                                        gboolean      quiet,
                                        BenchDeal    *deal);
void          bench_deal_clear         (BenchDeal    *deal);
/* The deal, its tag links and its contact link as changes of @changeset. */
void          bench_deal_add_changes   (const BenchDeal *deal,
                                        CrmChangeset    *changeset);

G_END_DECLS
