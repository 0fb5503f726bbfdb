/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template-private.h — what crm-template.c (finding, parsing, applying) and
 * crm-template-check.c (the check of a template's shape) share. */
#pragma once

#include "crm-template.h"

G_BEGIN_DECLS

/* The id of a template entity: UUIDv5 of "<template>/<kind>/<name>" (see crm-template.c),
 * the same on every replica made from the template. */
char      *_crm_template_id    (const char  *template_name,
                                const char  *kind,
                                const char  *name);

/* The rights of the template's role (its "like": a built-in key, NULL: rep) with its
 * "rights" (@rights, may be NULL; "pipelines" named by the template's pipeline names)
 * over them, pipelines by their ids: a role's "rights" (crm-rights.h). */
JsonNode  *_crm_template_role_rights (const char *template_name,
                                      const char *like,
                                      JsonNode   *rights);

/* Check @root's shape; INVALID_INPUT names @source and the key path of the first fault. */
gboolean   _crm_template_check (JsonNode    *root,
                                const char  *source,
                                GError     **error);

G_END_DECLS
