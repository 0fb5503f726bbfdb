/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template.h — account templates: pipelines, stages, fields, loss reasons, tag
 * groups, users and rules as JSON in data/templates/, applied as one change set. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The largest template file or text accepted (the shipped ones are under 40 KB). */
#define CRM_TEMPLATE_MAX_BYTES (4 * 1024 * 1024)

/* Names of the shipped templates, sorted. */
GStrv       crm_template_list      (void);

/* Parse a shipped template by name ("truck-dealer") or a JSON file path. Malformed JSON
 * (also: larger than CRM_TEMPLATE_MAX_BYTES, nested deeper than CRM_JSON_MAX_DEPTH, NUL
 * characters) or a wrong key is INVALID_INPUT naming the line:column or the key path
 * ("pipelines[2].stages[0].kind: expected one of unsorted, open, won, lost"). */
JsonNode   *crm_template_load      (const char  *name_or_path,
                                    GError     **error);
JsonNode   *crm_template_parse     (const char  *json_text,
                                    gssize       length,
                                    const char  *source_name,
                                    GError     **error);

/* Validate and apply a template to a store as one change set. Ids of template entities
 * are UUIDv5 of their names, so two replicas made from one template agree on them. */
gboolean    crm_template_apply     (CrmStore    *store,
                                    JsonNode    *template_root,
                                    GError     **error);

G_END_DECLS
