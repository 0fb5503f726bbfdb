/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-round-private.h — one blocking sync round (sign in, push, snapshot, pull) over
 * its own HTTP session and replica connection, so it can run in any thread. CrmSyncClient
 * copies its settings into a CrmSyncRound and runs it in a worker thread. */
#pragma once

#include <libsoup/soup.h>

#include "crm-sync-client.h"

G_BEGIN_DECLS

typedef struct {
  char         *replica_path;
  char         *server_url;
  char         *user;
  char         *token;
  char         *password;
  char         *invite;         /* sign in with this invitation code (then @user is set) */
  GTlsDatabase *tls_database;
  SoupSession  *session;        /* the client's, kept across rounds; NULL: the round's own */
  gboolean      allow_insecure;
  guint         batch_size;
  guint         page_size;
} CrmSyncRound;

void            crm_sync_round_free     (CrmSyncRound  *round);
SoupSession    *crm_sync_round_new_session (GTlsDatabase *tls_database);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmSyncRound, crm_sync_round_free)

/* Checks the URL: https, or http to a loopback address when insecure is allowed. */
gboolean        crm_sync_round_check_url (const char   *server_url,
                                          gboolean      allow_insecure,
                                          GError      **error);

CrmSession     *crm_sync_round_sign_in  (CrmSyncRound  *round,
                                         GCancellable  *cancellable,
                                         GError       **error);
/* One request with the round's token (signing in first when it has none, and again once
 * when the token is refused and the round knows the password): the answer's body. */
GBytes         *crm_sync_round_request  (CrmSyncRound  *round,
                                         const char    *method,
                                         const char    *path,
                                         GBytes        *body,
                                         GCancellable  *cancellable,
                                         GError       **error);
CrmSyncReport  *crm_sync_round_run      (CrmSyncRound  *round,
                                         GCancellable  *cancellable,
                                         GError       **error);
/* The replica's outbox size (opens the replica; 0 when it does not exist, -1 with @error
 * when it cannot be read). */
gint64          crm_sync_round_count_waiting (const char  *replica_path,
                                              GError     **error);

G_END_DECLS
