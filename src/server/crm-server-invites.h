/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-invites.h — an account's one-time invitations as `voronka-server user invites`
 * / `user uninvite` and GET / DELETE /api/v1/invites both read and withdraw them (on either
 * storage; main thread only, as crm-server-db.h). */
#pragma once

#include "crm-server-db.h"

G_BEGIN_DECLS

/* The columns of crm_server_invites_list()'s rows (times as UTC ms). */
enum {
  CRM_SERVER_INVITE_NAME,
  CRM_SERVER_INVITE_ROLE,
  CRM_SERVER_INVITE_CREATED_AT,
  CRM_SERVER_INVITE_EXPIRES_AT,
  CRM_SERVER_INVITE_USED_AT,    /* NULL while unused */
  CRM_SERVER_INVITE_INVITED_BY, /* a user's name; NULL: made on the server's command line */
};

/* The invitations of the account @account_id, newest first; @pending_only: only those
 * neither used nor expired (or withdrawn) at @now. At most @limit rows (0: all). */
CrmServerRows *crm_server_invites_list     (CrmServerStorage  *storage,
                                            const char        *account_id,
                                            gboolean           pending_only,
                                            gint64             now,
                                            guint              limit,
                                            GError           **error);
/* Withdraws the invitations for @name that are still waiting at @now: they expire at once
 * (whoever tries the code is told to ask for a new one). How many were waiting (0: none),
 * or -1 with @error. */
gint           crm_server_invites_withdraw (CrmServerStorage  *storage,
                                            const char        *account_id,
                                            const char        *name,
                                            gint64             now,
                                            GError           **error);

G_END_DECLS
