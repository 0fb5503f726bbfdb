/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query.h — read-only questions the front ends ask: pipelines, deal lists with
 * stage and tag filters, prefix search, one deal with its tasks and history, name → id
 * lookups. Results are JSON so the CLI prints them and the app wraps them in models. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Find an entity by exact name (as the template spells it) or id. @entity is one of
 * "pipeline", "stage", "user", "tag", "loss_reason", "field", "company", "contact",
 * "deal". @scope narrows the search: the pipeline id for "stage" and "loss_reason",
 * the entity type ("deal") for "field"; may be NULL. Deals and other entities are also
 * found by a unique id prefix of at least 8 characters. NOT_FOUND names what was
 * looked for and where; an ambiguous name is INVALID_INPUT. Deleted entities are not
 * found. Returns the id. */
char       *crm_query_resolve      (CrmStore    *store,
                                    const char  *entity,
                                    const char  *name_or_id,
                                    const char  *scope,
                                    GError     **error);

/* [{"id","name","archived","stages":[{"id","name","kind"}]}] in order (archived ones too). */
JsonNode   *crm_query_pipelines    (CrmStore *store,
                                    GError  **error);

typedef struct {
  const char         *pipeline_id;   /* NULL: all */
  const char         *stage_id;      /* NULL: all */
  const char * const *tag_ids;       /* NULL-terminated, a deal must have all; NULL: any */
  gboolean            open_only;     /* only deals whose stage kind is unsorted/open */
  guint               limit;         /* 0: no limit */
  guint               offset;
} CrmDealFilter;

/* An array of deal objects (the shape of CLI.md, without tasks/history), newest first;
 * *out_total (optional) gets the number of matching deals ignoring limit/offset. */
JsonNode   *crm_query_deals        (CrmStore            *store,
                                    const CrmDealFilter *filter,
                                    gint64              *out_total,
                                    GError             **error);

/* One deal in the shape of CLI.md with "tasks" and "history", and "company_fields" (the
 * company's fields shown on its deals: [{"key","label","type","value"}]); NOT_FOUND
 * otherwise. */
JsonObject *crm_query_deal         (CrmStore    *store,
                                    const char  *deal_id,
                                    GError     **error);
/* The same without "history" (which reads every link table of the account for the deal:
 * `deal add-many` prints a thousand deals). */
JsonObject *crm_query_deal_without_history (CrmStore    *store,
                                            const char  *deal_id,
                                            GError     **error);

/* The history of a deal, contact or company, oldest first: its own changes and those of
 * what belongs to it (a deal's tasks, tags, contacts, notes, files and calls; a contact's
 * or company's notes and files, and a contact's tasks and calls outside deals), each
 * {"at","entity","id","op","device","actor","fields","rule","by_rule","cause"}.
 * INVALID_INPUT for another entity type. */
JsonArray  *crm_query_history      (CrmStore    *store,
                                    const char  *entity,
                                    const char  *entity_id,
                                    GError     **error);

/* Contacts whose name has a word starting with @prefix (case-insensitive, Cyrillic
 * included; NULL: all), having all @tag_ids (via their deals), sorted by name:
 * [{"id","name","phones":[…],"emails":[…],"company"}]. */
JsonNode   *crm_query_contacts     (CrmStore            *store,
                                    const char          *prefix,
                                    const char * const  *tag_ids,
                                    guint                limit,
                                    guint                offset,
                                    gint64              *out_total,
                                    GError             **error);

/* Tasks in the shape of CLI.md, by due date; any filter may be NULL/FALSE. */
JsonNode   *crm_query_tasks        (CrmStore    *store,
                                    const char  *deal_id,
                                    gboolean     open_only,
                                    const char  *responsible_id,
                                    GError     **error);

/* The open tasks of @responsible_id due after @after_ms and at @until_ms or before,
 * by due time: [{"id","text","deal"}] (one indexed read: the app asks every half
 * minute which tasks fell due). */
JsonArray  *crm_query_tasks_falling_due (CrmStore    *store,
                                         const char  *responsible_id,
                                         gint64       after_ms,
                                         gint64       until_ms,
                                         GError     **error);

/* [{"id","name","role","group","extension"}] ("extension" null for a user without one) */
JsonNode   *crm_query_users        (CrmStore *store,
                                    GError  **error);
/* [{"id","name","group","color"}] ("color" null or one of crm_setup_tag_colors()), @group NULL for all. */
JsonNode   *crm_query_tags         (CrmStore    *store,
                                    const char  *group,
                                    GError     **error);

/* The first admin user, the default actor of voronkactl. NULL if none. */
char       *crm_query_default_user (CrmStore *store);

G_END_DECLS
