/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-user.h — the people of an account, as the replica knows them: handing everything a
 * person is responsible for to a colleague (when they leave). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct {
  guint deals;       /* every deal, open or closed */
  guint tasks;       /* open tasks only: done ones stay with whoever did them */
  guint contacts;
  guint companies;
} CrmReassignCounts;

/* Makes the `user` @to_id responsible for every deal, open task, contact and company the
 * `user` @from_id is responsible for, in one change set through crm_store_apply() (so the
 * ops reach every replica by sync, stamped with @actor, NULL for the system). Nothing
 * to hand over is no error. NOT_FOUND when either user does not exist. */
gboolean  crm_user_reassign  (CrmStore           *store,
                              const char         *from_id,
                              const char         *to_id,
                              const char         *actor,
                              CrmReassignCounts  *out_counts,
                              GError            **error);

/* The details of a user that `user set` checks here, kept in the user's fields where the
 * code that needs them reads them (the server's delivery: "telegram_chat_id"). Add a
 * detail here and in crm_user_check_detail(). */
#define CRM_USER_DETAILS "telegram_chat_id"

/* Is @value a valid @detail (one of CRM_USER_DETAILS)? CRM_STORE_ERROR_INVALID_INPUT
 * saying what is expected when not. */
gboolean  crm_user_check_detail (const char  *detail,
                                 const char  *value,
                                 GError     **error);

G_END_DECLS
