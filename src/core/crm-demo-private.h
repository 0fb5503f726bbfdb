/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-demo-private.h — what the demo's files share: the demo in progress (what
 * crm-demo.c read from the template) and the generator's steps (crm-demo-generate.c). */
#pragma once

#include "crm-demo.h"

G_BEGIN_DECLS

#define DEALS_PER_CHANGESET 50
#define PEOPLE_PER_CHANGESET 100

typedef struct {
  char *id;
  char *name;
  char *kind;
} CrmDemoStage;

typedef struct {
  char      *id;
  char      *name;
  guint      weight;
  GPtrArray *working;   /* CrmDemoStage*, unsorted and open, in order */
  CrmDemoStage *won;
  CrmDemoStage *lost;
  GPtrArray *stages;    /* owns every CrmDemoStage */
  GPtrArray *reasons;   /* loss reason ids */
} CrmDemoPipeline;


typedef struct {
  char *id;
  char *company;        /* or NULL */
} CrmDemoContact;

typedef struct {
  CrmStore        *store;
  GRand           *rand;
  guint32          seed;
  gint64           now;
  char            *currency;
  char            *admin;
  GPtrArray       *pipelines;        /* CrmDemoPipeline* */
  GPtrArray       *sales_users;      /* ids */
  GPtrArray       *purchase_users;   /* ids */
  GPtrArray       *brands;           /* CrmDemoTag* */
  GPtrArray       *trailers;         /* CrmDemoTag* */
  GPtrArray       *companies;        /* ids */
  GPtrArray       *contacts;         /* CrmDemoContact* */
  guint            batch;            /* companies or contacts per change set */
  CrmDemoProgress  progress;
  gpointer         progress_data;
  const char      *phase;            /* for progress */
  guint            done;
  guint            total;
} CrmDemoRun;

/* crm-demo-generate.c */
gboolean _crm_demo_add_companies (CrmDemoRun    *demo,
                                  guint    n_companies,
                                  GError **error);
gboolean _crm_demo_add_contacts (CrmDemoRun    *demo,
                                 guint    n_contacts,
                                 GError **error);
gboolean _crm_demo_add_deals (CrmDemoRun    *demo,
                              guint    n_deals,
                              GError **error);
gboolean _crm_demo_add_missing_next_tasks (CrmDemoRun    *demo,
                                           GError **error);

G_END_DECLS
