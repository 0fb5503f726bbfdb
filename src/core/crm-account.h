/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-account.h — the whole account as one JSON document (issue 20): a backup an admin
 * keeps, and what moves an account into a new one. `voronkactl export account` and
 * `import account` call these.
 *
 * The document: {"voronka_account": 1, "schema": N, "exported_at": ISO 8601,
 * "template": NAME|null, "entities": {TYPE: [ENTITY…]}} where TYPE is one of
 * crm_account_entity_types() and ENTITY is {"id", field…}: every field of a live entity
 * as `crm_store_dup_entity` gives it (custom fields included; times in UTC ms, money in
 * minor units), deleted entities and absent links left out. A deal's number is not
 * kept (the server numbers deals); attachments are kept by their hash, not their bytes. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The largest document crm_account_import_bytes() reads, and the deepest nesting. */
#define CRM_ACCOUNT_MAX_BYTES ((gsize) 1024 * 1024 * 1024)
#define CRM_ACCOUNT_MAX_DEPTH 32

/* The entity types a document holds, in the order they are imported (NULL-terminated). */
const char *const *crm_account_entity_types (void);

/* The document of the replica's account. */
JsonNode *crm_account_export       (CrmStore    *store,
                                    GError     **error);

/* Reads a document (@length bytes of JSON; bounded in size and depth) and brings it into
 * @store, which must hold no contacts, companies or deals yet (a new account, made by
 * `init` from any template). Pipelines, stages, loss reasons, fields, tags, users, rules,
 * settings, message templates and schedules are matched by name (key for fields and
 * settings) to the ones the account has, updated to the document's, or added; contacts,
 * companies, deals, tasks, notes, links and attachments are added with the references
 * among them kept. All or nothing, in one change set, with every rule off — the
 * document's and the account's —, so no rule acts on the imported data; the rules that
 * were on are then switched on again. @actor_id: who imports (an admin).
 * *@out_report: {"entities": {TYPE: count}, "matched": {TYPE: count}, "rules_enabled": n}. */
gboolean  crm_account_import_bytes (CrmStore    *store,
                                    const char  *data,
                                    gsize        length,
                                    const char  *actor_id,
                                    JsonNode   **out_report,
                                    GError     **error);

G_END_DECLS
