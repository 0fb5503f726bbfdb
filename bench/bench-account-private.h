/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-account-private.h — what bench-account.c (template, companies and contacts, change
 * sets) and bench-account-deals.c (deals, tasks, notes) share. */
#pragma once

#include "bench-account.h"
#include "crm-demo.h"
#include "crm-demo-data.h"

G_BEGIN_DECLS

typedef struct {
  char      *id;
  char      *name;
  guint      weight;
  gboolean   purchase;
  GPtrArray *working;   /* stage ids (borrowed from stages): unsorted and open */
  char      *won;
  char      *lost;
  GPtrArray *reasons;   /* loss reason ids */
} Pipeline;

typedef struct {
  char *id;
  char *company;        /* or NULL */
} Contact;

struct _BenchAccount
{
  CrmStore  *store;
  GRand     *rand;
  guint32    seed;
  gint64     now;
  gboolean   verbose;
  char      *admin;
  Pipeline  *sales;             /* «Продажи» */
  GPtrArray *pipelines;         /* Pipeline* */
  GPtrArray *sales_users;       /* ids */
  GPtrArray *purchase_users;    /* ids */
  GPtrArray *brands;            /* CrmDemoTag* */
  GPtrArray *trailers;          /* CrmDemoTag* */
  GPtrArray *contacts;          /* Contact* */
  GPtrArray *all_stages;        /* owns stage ids */
};


/* Change sets of about @batch changes, applied as they fill. */
typedef struct {
  BenchAccount  *account;
  CrmChangeset  *changeset;
  guint          batch;
  guint64        changes;
  guint64        ops;
  gint64         started;
  const char    *phase;
  guint          done;
  guint          total;
  gint64         reported;
} Writer;

/* Draws from the account's GRand. */
guint          pick              (BenchAccount   *account,
                                  guint           n);
gboolean       chance            (BenchAccount   *account,
                                  guint           percent);
const char    *pick_string       (BenchAccount   *account,
                                  GPtrArray      *strings);
const char    *pick_weighted     (BenchAccount   *account,
                                  const Weighted *choices,
                                  guint           n_choices);
/* UUIDv5 of "bench/<seed>/<kind>/<n>". */
char          *bench_id          (BenchAccount   *account,
                                  const char     *kind,
                                  guint           n);
/* A working hour @min..@max days before now (negative: after). */
gint64         days_from_now     (BenchAccount   *account,
                                  gint            min_days,
                                  gint            max_days);
/* How many of @total items fall on slot @i of @slots, spread evenly. */
guint          share_of          (guint64         total,
                                  guint64         slots,
                                  guint64         i);

CrmChangeset  *writer_changeset  (Writer         *writer);
/* Applies the change set when it has @batch changes, or whatever it has if @force. */
gboolean       writer_flush      (Writer         *writer,
                                  gboolean        force,
                                  GError        **error);

/* bench-account-deals.c: the deals with their tags, contact links, tasks and notes. */
gboolean       add_deals         (Writer            *writer,
                                  const BenchSizes  *sizes,
                                  GError           **error);

G_END_DECLS
