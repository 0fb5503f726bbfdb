/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-filter.h — the filter language of call lists (S4-1): an expression over contacts
 * or companies (tags all / any / none, company, responsible, any custom field, the dates
 * created / last activity / last won deal, the RFM segment) or over deals (pipeline,
 * stage, status, contact, amount, the dates created / stage entered / won / closed…)
 * parsed into SQL whose values are all bound parameters; saved lists (`saved_list`
 * entities, shared with the team);
 * and the query that lists what a filter, a saved list, a segment and the first letters
 * of a surname leave. The language is described in docs/filters.md. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Checks @text as a filter over @entity ("contact", "company" or "deal"): its syntax, and that
 * the tags, companies, users, fields and segments it names exist. A bad expression is
 * INVALID_INPUT (NOT_FOUND for a name that is not there) saying at which character it
 * went wrong and what was expected there. */
gboolean    crm_filter_check           (CrmStore    *store,
                                        const char  *entity,
                                        const char  *text,
                                        GError     **error);

typedef struct {
  const char *entity;        /* "contact" (default when NULL), "company" or "deal" */
  const char *filter;        /* an expression, or NULL */
  const char *list;          /* a saved list's name or id, or NULL */
  const char *segment;       /* an RFM segment's name or key, or NULL (not for deals) */
  const char *surname;       /* the first letters of the surname (the name's first word;
                              * a company's name, a deal's title) */
  guint       limit;         /* 0: every row */
  guint       offset;
  const char * const *ids;   /* only these rows (NULL-terminated ids; unknown or deleted ones
                              * are simply not listed), or NULL: any */
  gboolean    ids_only;      /* deals: each row only {"id"} (a list that reads its rows
                              * a page at a time, by .ids) */
} CrmFilterQuery;

/* The rows @query leaves, sorted by name: contacts as crm_query_contacts() prints them
 * (plus "segment"), companies as {"id","name","inn","responsible","segment"}; deals
 * newest first, as crm_query_deals() prints them. No cap
 * unless @query->limit says so; *@out_total gets the number of all matches. */
JsonArray  *crm_filter_query           (CrmStore              *store,
                                        const CrmFilterQuery  *query,
                                        gint64                *out_total,
                                        GError               **error);

/* The contacts of the companies @ids (@entity "company": their people and the contacts
 * linked to them) or of the deals @ids ("deal"), each once, deleted ones left out. */
char      **crm_filter_contacts_of     (CrmStore            *store,
                                        const char          *entity,
                                        const char * const  *ids,
                                        GError             **error);

/* Saves (or replaces the expression of) the saved list @name over @entity, by @author
 * (a user id, may be NULL); its id comes from its name, so two devices saving the same
 * name make one list. The expression is checked first. Returns the list's id. */
char       *crm_saved_list_save        (CrmStore    *store,
                                        const char  *name,
                                        const char  *entity,
                                        const char  *filter,
                                        const char  *author,
                                        GError     **error);
/* Removes the saved list @name_or_id. */
gboolean    crm_saved_list_delete      (CrmStore    *store,
                                        const char  *name_or_id,
                                        const char  *author,
                                        GError     **error);
/* The saved lists by name: [{"id","name","entity","filter","author"}]. */
JsonArray  *crm_saved_list_all         (CrmStore    *store,
                                        GError     **error);
/* One saved list by name or id, NULL (NOT_FOUND naming it) when there is none. */
JsonObject *crm_saved_list_lookup      (CrmStore    *store,
                                        const char  *name_or_id,
                                        GError     **error);

G_END_DECLS
