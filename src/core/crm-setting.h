/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setting.h — the account's settings: one replicated `setting` entity per key (id
 * UUIDv5 "setting/<key>", a JSON value), the one settings entity of the account. Keys:
 * "approvals" (crm-approval.h), "time_zone" ({"zone": "Europe/Moscow"}: the zone work
 * schedules and reports are read in, crm-schedule.h). Administrators change settings; managers also change the keys
 * crm_setting_op_is_managers() names (the time zone, as they change schedules).
 *
 * The zone was once kept in `account_setting` (schema step 15, a text value): it is still
 * read from there when `setting` has none, so an older replica keeps its zone, and is no
 * longer written there. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_SETTING_TIME_ZONE "time_zone"

/* The id of the setting @key. */
char      *crm_setting_id             (const char   *key);
/* The value of the setting @key, or NULL when the account has none (or it was deleted). */
JsonNode  *crm_setting_dup_value      (CrmStore     *store,
                                       const char   *key);
/* Adds setting @key to @value to @changeset: creating the entity when @store (may be NULL:
 * a new replica's template) has none, changing it otherwise. Takes @value. */
void       crm_setting_fill           (CrmChangeset *changeset,
                                       CrmStore     *store,
                                       const char   *key,
                                       JsonNode     *value);
/* Is @op a change of a setting that managers change too (the schedules' time zone)? */
gboolean   crm_setting_op_is_managers (const CrmOp  *op);

G_END_DECLS
