/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-storage.h — everything the server keeps, behind one interface: accounts,
 * users, sessions, devices, and each account's replica (push, pull, snapshot, timers).
 * The HTTP layer (crm-server.c) and the admin commands (crm-server-admin.c) talk only to
 * this interface; CrmServerSqlite is the embedded backend, and a PostgreSQL backend
 * implements the same calls. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm-protocol.h"
#include "crm-user.h"

G_BEGIN_DECLS

/* A signed-in (or looked-up) user of an account. */
typedef struct {
  char *id;             /* server user id */
  char *account_id;
  char *account_name;
  char *name;
  char *role;           /* admin | manager | rep */
  char *crm_user;       /* the `user` entity in the account replica */
  char *password_hash;  /* only from crm_server_storage_find_users() */
  gboolean disabled;    /* `user disable`: sign-in and tokens refused until enabled */
  gboolean removed;     /* `user remove`: gone for good (the row stays for the record) */
  gboolean deactivated; /* deactivated by an administrator in the account's replica (the
                         * app, `voronkactl user deactivate`): refused like disabled */
} CrmServerUser;

CrmServerUser *crm_server_user_copy (const CrmServerUser *user);
void           crm_server_user_free (CrmServerUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerUser, crm_server_user_free)

/* A compressed snapshot of an account replica, ready to send. */
typedef struct {
  char   *path;   /* the .db.zst file */
  gint64  seq;    /* the server sequence it is valid at */
  char   *etag;
  gint64  size;
  gint64  mtime;  /* when it was made (Unix time) */
} CrmServerSnapshot;

void           crm_server_snapshot_free (CrmServerSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerSnapshot, crm_server_snapshot_free)

#define CRM_TYPE_SERVER_STORAGE (crm_server_storage_get_type ())
G_DECLARE_INTERFACE (CrmServerStorage, crm_server_storage, CRM, SERVER_STORAGE, GObject)

struct _CrmServerStorageInterface
{
  GTypeInterface parent_iface;

  /* accounts and users (admin commands) */
  gboolean            (*create_account)   (CrmServerStorage  *self,
                                           const char        *name,
                                           JsonNode          *template_root,
                                           const char        *admin_name,
                                           const char        *password_hash,
                                           GError           **error);
  gboolean            (*add_user)         (CrmServerStorage  *self,
                                           const char        *account_name,
                                           const char        *name,
                                           const char        *role,
                                           const char        *password_hash,
                                           GError           **error);
  /* Users named @name (in @account_name, or in every account when NULL). */
  GPtrArray *         (*find_users)       (CrmServerStorage  *self,
                                           const char        *name,
                                           const char        *account_name,
                                           GError           **error);

  /* sessions: only the token's hash is stored */
  gboolean            (*create_session)   (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           const char          *token_hash,
                                           const char          *device,
                                           const char          *device_name,
                                           gint64               expires,
                                           GError             **error);
  /* NULL without an error when the token is unknown, expired or revoked. The user of a
   * token is read afresh at every call; a disabled or removed user comes back with
   * ->disabled or ->removed set, whatever the token's state, so the caller can say so. */
  CrmServerUser *     (*lookup_session)   (CrmServerStorage  *self,
                                           const char        *token_hash,
                                           gint64             now,
                                           GError           **error);
  gboolean            (*revoke_session)   (CrmServerStorage  *self,
                                           const char        *token_hash,
                                           GError           **error);
  /* Revokes every session of a user; returns how many. */
  gint                (*revoke_user)      (CrmServerStorage  *self,
                                           const char        *account_name,
                                           const char        *name,
                                           GError           **error);

  /* Users of an account (all, or the one named @name; NOT_FOUND when unknown):
   * [{"name","role","state": "active"|"disabled"|"removed","sessions","last_seen",
   *   "created_at"}], sorted by name. */
  JsonArray *         (*list_users)       (CrmServerStorage  *self,
                                           const char        *account_name,
                                           const char        *name,
                                           GError           **error);
  /* Disabling refuses the user's sign-in and tokens (and revokes the tokens) until
   * enabled again; returns the number of sessions revoked. An unknown or removed user
   * is NOT_FOUND, for these and the calls below. */
  gint                (*set_user_disabled) (CrmServerStorage *self,
                                           const char        *account_name,
                                           const char        *name,
                                           gboolean           disabled,
                                           GError           **error);
  /* A new password hash; every session of the user is revoked (returns how many). */
  gint                (*set_password)     (CrmServerStorage  *self,
                                           const char        *account_name,
                                           const char        *name,
                                           const char        *password_hash,
                                           GError           **error);
  /* Hands the user's deals, open tasks, contacts and companies to @reassign_to (ops in
   * the account's replica), then removes the user: no sign-in, every token refused. */
  gboolean            (*remove_user)      (CrmServerStorage   *self,
                                           const char         *account_name,
                                           const char         *name,
                                           const char         *reassign_to,
                                           CrmReassignCounts  *out_counts,
                                           GError            **error);

  /* A one-time invitation for a new user @name of @account_name with @role — any role of
   * the account: a built-in key, a custom role's name or id (crm_rights_role_find(); kept
   * as `user.role` says it; INVALID_INPUT listing the roles when it names none) —, valid
   * until @expires (UTC ms), made by the user @invited_by (NULL: on the server's command
   * line); returns the code (the storage keeps only its hash). A name that already signs
   * in to the account is refused. */
  char *              (*create_invite)    (CrmServerStorage  *self,
                                           const char        *account_name,
                                           const char        *name,
                                           const char        *role,
                                           gint64             expires,
                                           const char        *invited_by,
                                           GError           **error);
  /* Whether @code can be redeemed at @now; AUTH_FAILED in words that say whether it is
   * unknown, used or expired, and what to do, when not. */
  gboolean            (*check_invite)     (CrmServerStorage  *self,
                                           const char        *code,
                                           gint64             now,
                                           GError           **error);
  /* Redeems @code: the user it names is made with @password_hash and returned (as for a
   * sign-in); the code never works again. */
  CrmServerUser *     (*redeem_invite)    (CrmServerStorage  *self,
                                           const char        *code,
                                           const char        *password_hash,
                                           gint64             now,
                                           GError           **error);

  /* an account's replica */
  guint64             (*now_hlc)          (CrmServerStorage    *self,
                                           const CrmServerUser *user);
  gboolean            (*push)             (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           gint64               base,
                                           GPtrArray           *ops,
                                           GPtrArray          **out_results,
                                           gint64              *out_head,
                                           GError             **error);
  /* The pull answer as JSON text (see crm_pull_page_to_json()), "hlc" set to @hlc. */
  char *              (*pull)             (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           gint64               since,
                                           guint                limit,
                                           guint64              hlc,
                                           gsize               *out_length,
                                           GError             **error);
  void                (*snapshot_async)   (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
  CrmServerSnapshot * (*snapshot_finish)  (CrmServerStorage    *self,
                                           GAsyncResult        *result,
                                           GError             **error);
  /* Runs the timer rules of every account at @now (UTC ms). */
  gboolean            (*tick)             (CrmServerStorage    *self,
                                           gint64               now,
                                           guint               *out_fired,
                                           GError             **error);
  /* Optional: makes a snapshot of every account that has no recent one, in the
   * background, so the first new device does not wait for it. */
  void                (*prepare_snapshots) (CrmServerStorage   *self);
  /* Optional: whether every account opens and the storage takes writes (GET /readyz,
   * and serve refuses to start otherwise); the error names each account that fails. */
  gboolean            (*check)            (CrmServerStorage    *self,
                                           GError             **error);
  /* Optional: the account's incarnation (a new one after each restore from a backup),
   * how many of its first sequence numbers it shares with @client_epoch (0: unknown),
   * its head and the account replica's device id (the server's own ops carry it). */
  gboolean            (*epoch)            (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           const char          *client_epoch,
                                           char               **out_epoch,
                                           gint64              *out_shared,
                                           gint64              *out_head,
                                           char               **out_device,
                                           GError             **error);
  /* Optional: whether the account still numbers @seq the op @op_id, as a device that
   * pulled up to @seq holds it (*@out_same FALSE: the server lost ops it had acknowledged
   * — its file put back by hand, a crash that lost its last commits — and numbered
   * others the same since). *@out_same TRUE when it cannot tell: @seq past its head
   * (the pull answers that) or at its history horizon. */
  gboolean            (*check_cursor)     (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           gint64               seq,
                                           const char          *op_id,
                                           gboolean            *out_same,
                                           GError             **error);
  /* Optional: the folder of the account's files, one per content under its SHA-256
   * (crm-server-files.c); NULL with an error when the account has none. */
  char *              (*files_folder)     (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           GError             **error);
  /* Optional: whether @user sees an entity the file @hash is attached to
   * (crm_visibility_sees_file(): a rep is given only the files of what their replica
   * may hold). */
  gboolean            (*sees_file)        (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           const char          *hash,
                                           gboolean            *out_seen,
                                           GError             **error);
  /* Optional: whether @op's stamp is this account's server's (crm_stamp_check(): an op it
   * accepted before, sent again after a restore) — not merely a stamp the pusher wrote. */
  gboolean            (*stamp_valid)      (CrmServerStorage    *self,
                                           const CrmServerUser *user,
                                           const CrmOp         *op,
                                           gboolean            *out_valid,
                                           GError             **error);
};

gboolean           crm_server_storage_create_account  (CrmServerStorage  *self,
                                                       const char        *name,
                                                       JsonNode          *template_root,
                                                       const char        *admin_name,
                                                       const char        *password_hash,
                                                       GError           **error);
gboolean           crm_server_storage_add_user        (CrmServerStorage  *self,
                                                       const char        *account_name,
                                                       const char        *name,
                                                       const char        *role,
                                                       const char        *password_hash,
                                                       GError           **error);
GPtrArray         *crm_server_storage_find_users      (CrmServerStorage  *self,
                                                       const char        *name,
                                                       const char        *account_name,
                                                       GError           **error);
gboolean           crm_server_storage_create_session  (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       const char          *token_hash,
                                                       const char          *device,
                                                       const char          *device_name,
                                                       gint64               expires,
                                                       GError             **error);
CrmServerUser     *crm_server_storage_lookup_session  (CrmServerStorage  *self,
                                                       const char        *token_hash,
                                                       gint64             now,
                                                       GError           **error);
gboolean           crm_server_storage_revoke_session  (CrmServerStorage  *self,
                                                       const char        *token_hash,
                                                       GError           **error);
gint               crm_server_storage_revoke_user     (CrmServerStorage  *self,
                                                       const char        *account_name,
                                                       const char        *name,
                                                       GError           **error);
JsonArray         *crm_server_storage_list_users      (CrmServerStorage  *self,
                                                       const char        *account_name,
                                                       const char        *name,
                                                       GError           **error);
gint               crm_server_storage_set_user_disabled (CrmServerStorage *self,
                                                       const char        *account_name,
                                                       const char        *name,
                                                       gboolean           disabled,
                                                       GError           **error);
gint               crm_server_storage_set_password    (CrmServerStorage  *self,
                                                       const char        *account_name,
                                                       const char        *name,
                                                       const char        *password_hash,
                                                       GError           **error);
gboolean           crm_server_storage_remove_user     (CrmServerStorage   *self,
                                                       const char         *account_name,
                                                       const char         *name,
                                                       const char         *reassign_to,
                                                       CrmReassignCounts  *out_counts,
                                                       GError            **error);
char              *crm_server_storage_create_invite   (CrmServerStorage   *self,
                                                       const char         *account_name,
                                                       const char         *name,
                                                       const char         *role,
                                                       gint64              expires,
                                                       const char         *invited_by,
                                                       GError            **error);
gboolean           crm_server_storage_check_invite    (CrmServerStorage   *self,
                                                       const char         *code,
                                                       gint64              now,
                                                       GError            **error);
CrmServerUser     *crm_server_storage_redeem_invite   (CrmServerStorage   *self,
                                                       const char         *code,
                                                       const char         *password_hash,
                                                       gint64              now,
                                                       GError            **error);
guint64            crm_server_storage_now_hlc         (CrmServerStorage    *self,
                                                       const CrmServerUser *user);
gboolean           crm_server_storage_push            (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       gint64               base,
                                                       GPtrArray           *ops,
                                                       GPtrArray          **out_results,
                                                       gint64              *out_head,
                                                       GError             **error);
char              *crm_server_storage_pull            (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       gint64               since,
                                                       guint                limit,
                                                       guint64              hlc,
                                                       gsize               *out_length,
                                                       GError             **error);
void               crm_server_storage_snapshot_async  (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
CrmServerSnapshot *crm_server_storage_snapshot_finish (CrmServerStorage    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
void               crm_server_storage_prepare_snapshots (CrmServerStorage  *self);
/* FALSE without an error when the backend keeps no incarnation. */
gboolean           crm_server_storage_epoch           (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       const char          *client_epoch,
                                                       char               **out_epoch,
                                                       gint64              *out_shared,
                                                       gint64              *out_head,
                                                       char               **out_device,
                                                       GError             **error);
/* *@out_same TRUE without asking when the backend cannot tell. */
gboolean           crm_server_storage_check_cursor    (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       gint64               seq,
                                                       const char          *op_id,
                                                       gboolean            *out_same,
                                                       GError             **error);
gboolean           crm_server_storage_tick            (CrmServerStorage    *self,
                                                       gint64               now,
                                                       guint               *out_fired,
                                                       GError             **error);
gboolean           crm_server_storage_check           (CrmServerStorage    *self,
                                                       GError             **error);
char              *crm_server_storage_files_folder    (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       GError             **error);
/* *@out_seen TRUE without asking when the backend cannot tell. */
gboolean           crm_server_storage_sees_file       (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       const char          *hash,
                                                       gboolean            *out_seen,
                                                       GError             **error);
/* *@out_valid FALSE without asking when the backend cannot tell. */
gboolean           crm_server_storage_stamp_valid     (CrmServerStorage    *self,
                                                       const CrmServerUser *user,
                                                       const CrmOp         *op,
                                                       gboolean            *out_valid,
                                                       GError             **error);

G_END_DECLS
