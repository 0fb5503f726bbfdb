/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setting.h — the account's settings: one replicated `setting` entity per key (id
 * UUIDv5 "setting/<key>", a JSON value), the one settings entity of the account. Keys:
 * "approvals" (crm-approval.h), "time_zone" ({"zone": "Europe/Moscow"}: the zone work
 * schedules and reports are read in, crm-schedule.h), "history" ({"keep_days": 90}: how
 * many days of the acknowledged history every replica and the server's snapshots keep in
 * full before compacting it, crm_store_compact_history()). Administrators change settings;
 * managers also change the keys crm_setting_op_is_managers() names (the time zone, as they
 * change schedules).
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
#define CRM_SETTING_HISTORY   "history"
/* the most days "history" keeps in full (a hundred years: all of it) */
#define CRM_SETTING_HISTORY_MAX_DAYS 36500

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
/* Is @value what @op may write into its setting's "value"? Only the keys whose shape is
 * checked here are refused (the history's days: a whole number 0 … 36 500); FALSE with
 * @error saying what it must be. */
gboolean   crm_setting_check_value    (const CrmOp  *op,
                                       JsonNode     *value,
                                       GError      **error);
/* The account's "history" days (the account's setting; -1 when it has none or it is not
 * a number of days). */
gint64     crm_setting_get_history_days (CrmStore   *store);
/* A change set setting the account's "history" days (0 … CRM_SETTING_HISTORY_MAX_DAYS;
 * administrators apply it), or NULL with @error for days out of that range. */
CrmChangeset *crm_setting_history_days_change (CrmStore  *store,
                                               gint64     days,
                                               GError   **error);

G_END_DECLS
