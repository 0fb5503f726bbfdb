/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-private.h — query paths shared inside libvoronka-core and its tests. */
#pragma once

#include "crm-query.h"

G_BEGIN_DECLS

/* crm_query_contacts() by scanning the token table: the path for tag filters, and the
 * reference the prefix-table search (crm-search.c) is tested against. */
JsonNode   *_crm_query_contacts_scan (CrmStore            *store,
                                      const char          *prefix,
                                      const char * const  *tag_ids,
                                      guint                limit,
                                      guint                offset,
                                      gint64              *out_total,
                                      GError             **error);

/* Appends to @result the deals of @ids (char *, in that order) as crm_query_deals()
 * prints them, with their contacts and tags; an id that is not there is skipped. */
gboolean    _crm_query_deals_by_ids  (CrmStore            *store,
                                      GPtrArray           *ids,
                                      JsonArray           *result,
                                      GError             **error);

G_END_DECLS
