/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-client.h — keeps a replica in sync with a voronka-server: pushes the outbox in
 * batches, then pulls pages (the first sync of an empty replica installs a snapshot).
 * The work runs in a worker thread with its own connection to the replica, so the UI
 * thread never waits on disk or network; the state properties are updated on the thread
 * that made the client.
 *
 * The app: crm_sync_client_new (path, url, user) → set "token" (from CrmCredentials) →
 * crm_sync_client_start () for background syncs (periodic, on network changes, with
 * exponential backoff and jitter after failures) and crm_sync_client_sync_now () for a
 * "Sync now" button; bind to "state", "ops-waiting", "last-synced", "last-error". The CLI
 * and tests use the blocking crm_sync_client_sync (). */
#pragma once

#include <gio/gio.h>

#include "crm-protocol.h"

G_BEGIN_DECLS

typedef enum {
  CRM_SYNC_STATE_IDLE,      /* in sync, or waiting for the next round */
  CRM_SYNC_STATE_SYNCING,
  CRM_SYNC_STATE_OFFLINE,   /* no network, or the server cannot be reached */
  CRM_SYNC_STATE_ERROR,     /* the last round failed (see "last-error") */
} CrmSyncState;

GType crm_sync_state_get_type (void) G_GNUC_CONST;
#define CRM_TYPE_SYNC_STATE (crm_sync_state_get_type ())

/* What one sync round did. */
typedef struct {
  guint     pushed;       /* ops sent */
  guint     rejected;     /* of which the server refused */
  guint     pulled;       /* ops merged from the server */
  guint     conflicts;    /* local edits that lost to concurrent ones */
  gboolean  snapshot;     /* the round installed a snapshot */
  gint64    cursor;       /* the server sequence pulled up to */
  gint64    waiting;      /* ops still waiting to be pushed */
  char     *token;        /* a new token when the round signed in with a password */
  CrmSession *session;    /* the sign-in, when the round signed in */
  gboolean  server_restored; /* the server was found restored from a backup (behind this
                              * replica): what it lost was sent again, then a copy installed */
  guint     restored;     /* of the ops sent again, how many the server did not have */
  gboolean  server_lost_ops; /* with server_restored: it was not restored but had lost ops
                              * it had acknowledged (a copy put back by hand, a crash) */
} CrmSyncReport;

GType          crm_sync_report_get_type (void) G_GNUC_CONST;
CrmSyncReport *crm_sync_report_copy     (const CrmSyncReport *report);
void           crm_sync_report_free     (CrmSyncReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmSyncReport, crm_sync_report_free)

#define CRM_TYPE_SYNC_CLIENT (crm_sync_client_get_type ())
G_DECLARE_FINAL_TYPE (CrmSyncClient, crm_sync_client, CRM, SYNC_CLIENT, GObject)

/* @replica_path: the local replica (created by the first sync when missing);
 * @server_url: "https://host:port", kept normalized (crm_server_url_normalize ());
 * @user: the sign-in name. */
CrmSyncClient *crm_sync_client_new            (const char     *replica_path,
                                               const char     *server_url,
                                               const char     *user);

const char    *crm_sync_client_get_replica_path (CrmSyncClient *self);
const char    *crm_sync_client_get_server_url (CrmSyncClient  *self);
const char    *crm_sync_client_get_user       (CrmSyncClient  *self);
/* The bearer token (from the keyring, or from a sign-in). */
void           crm_sync_client_set_token      (CrmSyncClient  *self,
                                               const char     *token);
const char    *crm_sync_client_get_token      (CrmSyncClient  *self);
/* With a password the client signs in when it has no token or the token is refused.
 * Kept in memory only. */
void           crm_sync_client_set_password   (CrmSyncClient  *self,
                                               const char     *password);
/* Trust the certificates in @pem_path (e.g. the server's self-signed one) instead of the
 * system's. */
gboolean       crm_sync_client_set_ca_file    (CrmSyncClient  *self,
                                               const char     *pem_path,
                                               GError        **error);
/* The same from the PEM text itself (the certificate a replica remembers). */
gboolean       crm_sync_client_set_ca_pem     (CrmSyncClient  *self,
                                               const char     *pem,
                                               GError        **error);
/* Allow plain http:// to a loopback address (tests). Never anything else. */
void           crm_sync_client_set_allow_insecure (CrmSyncClient *self,
                                                   gboolean       allow);
gboolean       crm_sync_client_get_allow_insecure (CrmSyncClient *self);
/* The certificates trusted instead of the system's (set_ca_file/pem), or NULL. */
GTlsDatabase  *crm_sync_client_get_tls_database (CrmSyncClient *self);
/* Ops per push request (default 500). */
void           crm_sync_client_set_batch_size (CrmSyncClient  *self,
                                               guint           ops);
/* Ops per pull page (default 1000). */
void           crm_sync_client_set_page_size  (CrmSyncClient  *self,
                                               guint           ops);

CrmSyncState   crm_sync_client_get_state      (CrmSyncClient  *self);
gint64         crm_sync_client_get_ops_waiting (CrmSyncClient *self);
/* UTC ms of the last complete sync (0: never). */
gint64         crm_sync_client_get_last_synced (CrmSyncClient *self);
/* The server sequence the last complete round pulled up to (0: none yet); set before
 * "last-synced" is notified. */
gint64         crm_sync_client_get_cursor     (CrmSyncClient  *self);
const char    *crm_sync_client_get_last_error (CrmSyncClient  *self);
/* Recounts "ops-waiting" (after the app wrote something). */
void           crm_sync_client_refresh        (CrmSyncClient  *self);

/* Signs in with @password: the session's token becomes the client's. */
CrmSession    *crm_sync_client_sign_in        (CrmSyncClient  *self,
                                               const char     *password,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_sign_in_async  (CrmSyncClient       *self,
                                               const char          *password,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
CrmSession    *crm_sync_client_sign_in_finish (CrmSyncClient  *self,
                                               GAsyncResult   *result,
                                               GError        **error);

/* Redeems a one-time invitation code (voronka-server user invite, or an administrator's
 * «Пригласить…»): the server makes the user it names, with @password, and signs them in.
 * The client's token, password and user ("NAME@ACCOUNT", the session's) become theirs;
 * a sync then downloads the account. */
CrmSession    *crm_sync_client_redeem_invite  (CrmSyncClient  *self,
                                               const char     *code,
                                               const char     *password,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_redeem_invite_async  (CrmSyncClient       *self,
                                                     const char          *code,
                                                     const char          *password,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
CrmSession    *crm_sync_client_redeem_invite_finish (CrmSyncClient  *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);

/* An administrator invites a new user @name of their account (@role: admin, manager or
 * rep; NULL: rep; @days: how long the code works, 0: the server's default of 7):
 * {"code", "name", "role", "account", "expires" (UTC ms)}. */
JsonObject    *crm_sync_client_create_invite  (CrmSyncClient  *self,
                                               const char     *name,
                                               const char     *role,
                                               guint           days,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_create_invite_async  (CrmSyncClient       *self,
                                                     const char          *name,
                                                     const char          *role,
                                                     guint                days,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
JsonObject    *crm_sync_client_create_invite_finish (CrmSyncClient  *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);

/* An administrator's invitations still waiting to be used, newest first:
 * {"account", "invites": [{"name", "role", "created", "expires"} (UTC ms)]} (never the
 * codes). A manager or rep gets CRM_SYNC_ERROR_PERMISSION_DENIED. */
JsonObject    *crm_sync_client_list_invites   (CrmSyncClient  *self,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_list_invites_async  (CrmSyncClient       *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
JsonObject    *crm_sync_client_list_invites_finish (CrmSyncClient  *self,
                                                    GAsyncResult   *result,
                                                    GError        **error);

/* An administrator withdraws the invitations waiting for @name: their codes stop working.
 * {"name", "withdrawn": N}; CRM_SYNC_ERROR_NOT_FOUND when none was waiting. */
JsonObject    *crm_sync_client_withdraw_invite (CrmSyncClient  *self,
                                                const char     *name,
                                                GCancellable   *cancellable,
                                                GError        **error);
void           crm_sync_client_withdraw_invite_async  (CrmSyncClient       *self,
                                                       const char          *name,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
JsonObject    *crm_sync_client_withdraw_invite_finish (CrmSyncClient  *self,
                                                       GAsyncResult   *result,
                                                       GError        **error);

/* An administrator's request about the account's channels or mailboxes: @method (a static
 * string) to @path (CRM_PROTOCOL_PATH_CHANNELS, …_MAILBOXES or their …_TEST, crm-protocol.h
 * says what each takes and answers) with @body (NULL: none). In a thread of its own on a
 * session of its own, never waiting for a sync round. The answer object: the account's
 * list, or a test's {"ok", "message"}. A manager or rep gets
 * CRM_SYNC_ERROR_PERMISSION_DENIED, bad settings CRM_SYNC_ERROR_INVALID_INPUT with the
 * server's words. */
void           crm_sync_client_admin_request_async  (CrmSyncClient       *self,
                                                     const char          *method,
                                                     const char          *path,
                                                     JsonObject          *body,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
JsonObject    *crm_sync_client_admin_request_finish (CrmSyncClient  *self,
                                                     GAsyncResult   *result,
                                                     GError        **error);

/* One round: push everything waiting, then pull everything new. Blocking. */
CrmSyncReport *crm_sync_client_sync           (CrmSyncClient  *self,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_sync_async     (CrmSyncClient       *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
CrmSyncReport *crm_sync_client_sync_finish    (CrmSyncClient  *self,
                                               GAsyncResult   *result,
                                               GError        **error);

/* Brings the attached file with content @hash into this replica's folder from the
 * server (signing in with the password when there is no token), checking its SHA-256;
 * a file already there is not fetched. Blocking, or in a worker thread. */
gboolean       crm_sync_client_fetch_file     (CrmSyncClient  *self,
                                               const char     *hash,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           crm_sync_client_fetch_file_async  (CrmSyncClient       *self,
                                                  const char          *hash,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean       crm_sync_client_fetch_file_finish (CrmSyncClient  *self,
                                                  GAsyncResult   *result,
                                                  GError        **error);

/* Background syncing: every @interval_seconds, when the network comes back, and after
 * failures with exponential backoff (with jitter, up to 15 minutes). */
void           crm_sync_client_start          (CrmSyncClient  *self,
                                               guint           interval_seconds);
void           crm_sync_client_stop           (CrmSyncClient  *self);
/* A round as soon as possible (the "Sync now" button); no-op while one runs. */
void           crm_sync_client_sync_now       (CrmSyncClient  *self);

/* The backoff delay before retry @attempt (1, 2, …) in ms, with jitter from @rand. */
guint          crm_sync_backoff_delay_ms      (guint           attempt,
                                               GRand          *rand);

G_END_DECLS
