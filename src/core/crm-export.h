/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-export.h — the account's contacts, companies and deals as a table (the shape of a
 * report, crm-report.h, so CSV and XLSX come from the same writers) whose column names
 * `import` reads back, and contacts as vCard 3.0 for phones and mail programs. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* {"report": "contacts"|"companies"|"deals", "title", "columns": [{"key","label","type"}],
 * "rows": [{…}]} of every entity of @entity ("contact", "company", "deal") not deleted,
 * or only of those the expression @filter matches (crm-filter.h; NULL: all). */
JsonNode *crm_export_table (CrmStore    *store,
                            const char  *entity,
                            const char  *filter,
                            GError     **error);

/* Every contact as a vCard 3.0 (RFC 2426): FN, N, TEL, EMAIL, ORG; CRLF, lines folded at
 * 75 bytes, «,;\» escaped. */
char     *crm_export_vcard (CrmStore    *store,
                            GError     **error);

G_END_DECLS
