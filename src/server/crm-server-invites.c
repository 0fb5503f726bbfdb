/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-invites.c — reading and withdrawing an account's invitations. */

#include "config.h"

#include "crm-server-invites.h"

CrmServerRows *
crm_server_invites_list (CrmServerStorage  *storage,
                         const char        *account_id,
                         gboolean           pending_only,
                         gint64             now,
                         guint              limit,
                         GError           **error)
{
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  /* a number of ours, written into the statement: both databases take it there */
  g_autofree char *sql = g_strdup_printf (
    "SELECT name, role, created_at, expires_at, used_at, invited_by FROM invite"
    " WHERE account = $1%s"
    " ORDER BY created_at DESC, name LIMIT %u",
    pending_only ? " AND used_at IS NULL AND expires_at > $2" : "",
    limit > 0 ? limit : (guint) G_MAXINT32);

  return crm_server_db_query (storage, "reading the account's invitations", error, sql,
                              account_id, pending_only ? now_text : NULL, NULL);
}

gint
crm_server_invites_withdraw (CrmServerStorage  *storage,
                             const char        *account_id,
                             const char        *name,
                             gint64             now,
                             GError           **error)
{
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  g_autoptr(CrmServerRows) rows = crm_server_db_query (
    storage, "withdrawing the invitations", error,
    "UPDATE invite SET expires_at = $3 WHERE account = $1"
    " AND name = $2 AND used_at IS NULL AND expires_at > $3",
    account_id, name, now_text, NULL);

  return rows != NULL ? (gint) crm_server_rows_changed (rows) : -1;
}
