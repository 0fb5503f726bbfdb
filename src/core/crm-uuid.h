/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-uuid.h — UUIDv7 ids for new entities, UUIDv5 ids for derived ones. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Namespace for ids derived by Voronka (links, template entities, rule effects). */
#define CRM_UUID_NAMESPACE "6f0c9a52-3b0e-5d3c-9a31-7c1f0a5e2b44"

/* A new time-ordered id for an entity created at @unix_ms (UTC milliseconds). */
char     *crm_uuid_v7_new       (gint64 unix_ms);
/* Same, with the random bits from @rand (reproducible ids for demo data and tests). */
char     *crm_uuid_v7_new_with_rand (gint64 unix_ms,
                                     GRand *rand);

/* A name-based id: the same (namespace, name) always gives the same id. */
char     *crm_uuid_v5           (const char *namespace_uuid,
                                 const char *name);

/* The id of a set-link entity between @a and @b (e.g. deal↔tag): UUIDv5 of both
 * ends under the Voronka namespace, with @kind ("deal_tag") in the name. */
char     *crm_uuid_link         (const char *kind,
                                 const char *a,
                                 const char *b);

gboolean  crm_uuid_is_valid     (const char *text);

G_END_DECLS
