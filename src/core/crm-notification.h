/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-notification.h — what automation rules tell people (`notification` entities:
 * S1-9 "your client came back", S2-4 "a request is waiting"), read by the front ends. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Notifications, newest first, of one user (@user_id) or of everyone (NULL):
 * [{"id","user","user_id","text","deal","deal_title","read","created_at"}]
 * ("user" is the user's name; "deal" the deal's id or null). */
JsonNode *crm_notification_list (CrmStore    *store,
                                  const char  *user_id,
                                  gboolean     unread_only,
                                  GError     **error);

G_END_DECLS
