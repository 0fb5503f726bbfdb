/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-plan.h — monthly sales plans per manager (issue 19: plan vs fact). A plan is one
 * `setting` entity per manager and month, so two heads planning two managers never
 * conflict: key "sales_plan/<user id>/<YYYY-MM>", id derived from the key, value
 * {"user": id, "month": "2026-12", "amount": minor units}. Administrators set them, like
 * every setting. The report "plan" (crm-report.h) sets them against the won deals. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* "2026-12" → 2026, 12. FALSE (CRM_STORE_ERROR_INVALID_INPUT naming @text) otherwise. */
gboolean    crm_plan_parse_month (const char  *text,
                                  int         *out_year,
                                  int         *out_month,
                                  GError     **error);
/* Sets @user_id's plan for @month ("2026-12") to @amount minor units (0: no plan) as
 * @actor. A user this replica does not know, a bad month or a negative amount are
 * CRM_STORE_ERROR_INVALID_INPUT; nothing is written then. */
gboolean    crm_plan_set         (CrmStore    *store,
                                  const char  *actor,
                                  const char  *user_id,
                                  const char  *month,
                                  gint64       amount,
                                  GError     **error);
/* The plans set (amount > 0), of @month only when not NULL, by month then user name:
 * [{"user": name, "user_id", "month", "amount": minor units}]. */
JsonNode   *crm_plan_list        (CrmStore    *store,
                                  const char  *month,
                                  GError     **error);
/* Every plan as (user id → JSON array of {"month","amount"}) for the report; NULL on a
 * database error. */
GHashTable *crm_plan_read_all    (CrmStore    *store,
                                  GError     **error);

G_END_DECLS
