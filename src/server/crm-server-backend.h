/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-backend.h — what both storage backends do alike, written once: the
 * CrmServerStorage interface on top of a few storage calls. The checks, the order of a
 * user's life (add, disable, remove with the work handed over), sessions and devices,
 * push, pull, snapshots, timers and the readiness check live here; a backend
 * (crm-server-sqlite.c, crm-server-pg.c) only stores rows, keeps an account's replica
 * and says how a write to it is made atomic (its locks and, for PostgreSQL, the log and
 * the other processes' notification). */
#pragma once

#include "crm-server-storage.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_SERVER_BACKEND (crm_server_backend_get_type ())
G_DECLARE_DERIVABLE_TYPE (CrmServerBackend, crm_server_backend, CRM, SERVER_BACKEND, GObject)

/* A write to an account's replica (see CrmServerBackendClass.write_replica). */
typedef gboolean (*CrmServerWriteFunc) (CrmServerBackend  *self,
                                        CrmStore          *store,
                                        gpointer           data,
                                        GError           **error);

/* What CrmServerBackendClass.change_user changes, in one transaction with the
 * revocation of the user's sessions where it says so. */
typedef enum {
  CRM_SERVER_USER_DISABLE,   /* @value: now (ms); sessions revoked */
  CRM_SERVER_USER_ENABLE,    /* no value */
  CRM_SERVER_USER_PASSWORD,  /* @value: the new hash; sessions revoked */
  CRM_SERVER_USER_REMOVE,    /* @value: now (ms); sessions revoked */
} CrmServerUserChange;

/* A one-time invitation as the storage keeps it (only the code's hash). */
typedef struct {
  char   *account_id;
  char   *account_name;
  char   *name;
  char   *role;
  gint64  created_at;
  gint64  expires_at;
  gint64  used_at;       /* 0: not used yet */
} CrmServerInvite;

void crm_server_invite_free (CrmServerInvite *invite);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerInvite, crm_server_invite_free)

struct _CrmServerBackendClass
{
  GObjectClass parent_class;

  /* accounts: the id of the account @name (NOT_FOUND, saying where, when none) */
  char *         (*lookup_account)  (CrmServerBackend  *self,
                                     const char        *name,
                                     GError           **error);
  /* ids and names of every account, by name: id, name, id, name, … */
  GPtrArray *    (*list_accounts)   (CrmServerBackend  *self,
                                     GError           **error);
  /* (transfer full) the empty replica of a new account, stamping its ops */
  CrmStore *     (*new_replica)     (CrmServerBackend  *self,
                                     const char        *account_id,
                                     GError           **error);
  /* the new account's rows, with its first user, made from its filled @store */
  gboolean       (*insert_account)  (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *name,
                                     CrmStore          *store,
                                     const char        *admin_name,
                                     const char        *crm_user,
                                     const char        *password_hash,
                                     GError           **error);
  /* forgets a new account's replica whose account could not be made */
  void           (*discard_replica) (CrmServerBackend  *self,
                                     const char        *account_id);
  /* the account's replica, with everything the storage holds */
  CrmStore *     (*get_replica)     (CrmServerBackend  *self,
                                     const char        *account_id,
                                     GError           **error);
  /* runs @func on the replica as one atomic write of the storage */
  gboolean       (*write_replica)   (CrmServerBackend  *self,
                                     const char        *account_id,
                                     CrmServerWriteFunc func,
                                     gpointer           data,
                                     GError           **error);
  /* the replica's file (snapshots are made of it) and the folder made snapshots go in */
  char *         (*replica_file)    (CrmServerBackend  *self,
                                     const char        *account_id);
  char *         (*snapshot_folder) (CrmServerBackend  *self);
  char *         (*files_folder)    (CrmServerBackend  *self,
                                     const char        *account_id,
                                     GError           **error);

  /* users: @name of @account_id, a removed one too (NULL without an error: none) */
  CrmServerUser *(*find_user)       (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *name,
                                     GError           **error);
  /* the users named @name who are not removed (in @account_name, or everywhere) */
  GPtrArray *    (*find_users)      (CrmServerBackend  *self,
                                     const char        *name,
                                     const char        *account_name,
                                     GError           **error);
  /* a new user (crm_server_backend_user_exists() when the name is taken) */
  gboolean       (*insert_user)     (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *name,
                                     const char        *role,
                                     const char        *crm_user,
                                     const char        *password_hash,
                                     GError           **error);
  /* a removed user's row made current again: enabled, not removed */
  gboolean       (*restore_user)    (CrmServerBackend  *self,
                                     const char        *user_id,
                                     const char        *role,
                                     const char        *crm_user,
                                     const char        *password_hash,
                                     GError           **error);
  /* the number of sessions revoked, -1 on an error */
  gint           (*change_user)     (CrmServerBackend  *self,
                                     const char        *user_id,
                                     CrmServerUserChange change,
                                     const char        *value,
                                     GError           **error);
  gint           (*revoke_sessions) (CrmServerBackend  *self,
                                     const char        *user_id,
                                     GError           **error);
  /* `user list`'s rows (crm_server_replica_user_row()), of @name only when not NULL */
  JsonArray *    (*list_users)      (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *name,
                                     CrmStore          *store,
                                     GError           **error);

  /* invitations, by the SHA-256 of their normalized code */
  gboolean       (*insert_invite)   (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *code_hash,
                                     const char        *name,
                                     const char        *role,
                                     gint64             expires_at,
                                     const char        *invited_by,   /* "": the command line */
                                     GError           **error);
  /* NULL without an error: no such code */
  CrmServerInvite *(*find_invite)   (CrmServerBackend  *self,
                                     const char        *code_hash,
                                     GError           **error);
  /* marks it used at @now: 1 done, 0 it was used meanwhile, -1 an error */
  gint           (*use_invite)      (CrmServerBackend  *self,
                                     const char        *code_hash,
                                     gint64             now,
                                     GError           **error);

  /* sessions and devices */
  gboolean       (*insert_session)  (CrmServerBackend    *self,
                                     const CrmServerUser *user,
                                     const char          *token_hash,
                                     const char          *device,
                                     const char          *device_name,
                                     gint64               expires,
                                     GError             **error);
  /* the user of a token, @out_valid: neither expired nor revoked at @now */
  CrmServerUser *(*session_user)    (CrmServerBackend  *self,
                                     const char        *token_hash,
                                     gint64             now,
                                     gboolean          *out_valid,
                                     GError           **error);
  gboolean       (*revoke_session)  (CrmServerBackend  *self,
                                     const char        *token_hash,
                                     GError           **error);
  /* the server user who owns @device in @account_id (NULL: nobody yet) */
  char *         (*device_owner)    (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *device,
                                     GError           **error);
  /* @device becomes @user_id's unless someone took it meanwhile */
  gboolean       (*claim_device)    (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *device,
                                     const char        *user_id,
                                     GError           **error);

  /* Optional: whether this process runs the timer rules now (default: yes). */
  gboolean       (*take_timers)     (CrmServerBackend  *self,
                                     gboolean          *out_mine,
                                     GError           **error);
  /* Optional: adds what keeps the storage from taking writes to @problems. */
  void           (*check_storage)   (CrmServerBackend  *self,
                                     GPtrArray         *problems);
  /* Optional: what is wrong with one account (NULL: nothing); default: its replica does
   * not open. */
  char *         (*check_account)   (CrmServerBackend  *self,
                                     const char        *account_id,
                                     const char        *account_name);
};

const char *crm_server_backend_get_data_dir     (CrmServerBackend  *self);
void        crm_server_backend_set_data_dir     (CrmServerBackend  *self,
                                                 const char        *data_dir);

/* `serve --account-quota-mb`'s default: five times the large account of bench/. */
#define CRM_SERVER_DEFAULT_ACCOUNT_QUOTA_MB  10240

/* The most an account's replica may hold, in bytes (0: no limit); a push to an account
 * over it is refused with QUOTA_EXCEEDED, nothing of it merged. */
void        crm_server_backend_set_account_quota (CrmServerBackend *self,
                                                  gint64            bytes);

/* Every account's unfinished uploads older than @max_age_ms removed
 * (crm_server_files_sweep); returns how many (main thread only). */
guint       crm_server_backend_sweep_uploads     (CrmServerBackend *self,
                                                  gint64            max_age_ms,
                                                  gint64            now_ms);

/* An account's replica, caught up (main thread only). */
CrmStore   *crm_server_backend_get_replica      (CrmServerBackend  *self,
                                                 const char        *account_id,
                                                 GError           **error);
/* Runs @func on the account's replica as one atomic write of the storage. */
gboolean    crm_server_backend_write            (CrmServerBackend   *self,
                                                 const char         *account_id,
                                                 CrmServerWriteFunc  func,
                                                 gpointer            data,
                                                 GError            **error);
/* Ids and names of every account, by name: id, name, id, name, … */
GPtrArray  *crm_server_backend_list_accounts    (CrmServerBackend  *self,
                                                 GError           **error);

/* The error of a user name already taken in the account. */
void        crm_server_backend_user_exists      (GError           **error,
                                                 const char        *name);
/* The error of a data folder (or one of its folders) that cannot be made. */
gboolean    crm_server_backend_folder_failed    (GError           **error,
                                                 const char        *folder,
                                                 int                saved_errno);

G_END_DECLS
