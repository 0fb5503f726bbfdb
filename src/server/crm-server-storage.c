/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-storage.c — the storage interface's dispatch and its small value types. */
#define G_LOG_DOMAIN "voronka-server"

#include <glib/gi18n.h>

#include "crm-server-storage.h"

G_DEFINE_INTERFACE (CrmServerStorage, crm_server_storage, G_TYPE_OBJECT)

static void
crm_server_storage_default_init (CrmServerStorageInterface *iface)
{
}

CrmServerUser *
crm_server_user_copy (const CrmServerUser *user)
{
  CrmServerUser *copy = g_new0 (CrmServerUser, 1);

  copy->id = g_strdup (user->id);
  copy->account_id = g_strdup (user->account_id);
  copy->account_name = g_strdup (user->account_name);
  copy->name = g_strdup (user->name);
  copy->role = g_strdup (user->role);
  copy->crm_user = g_strdup (user->crm_user);
  copy->password_hash = g_strdup (user->password_hash);
  copy->disabled = user->disabled;
  copy->removed = user->removed;
  copy->deactivated = user->deactivated;
  return copy;
}

void
crm_server_user_free (CrmServerUser *user)
{
  if (user == NULL)
    return;
  g_free (user->id);
  g_free (user->account_id);
  g_free (user->account_name);
  g_free (user->name);
  g_free (user->role);
  g_free (user->crm_user);
  g_free (user->password_hash);
  g_free (user);
}

void
crm_server_snapshot_free (CrmServerSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->path);
  g_free (snapshot->etag);
  g_free (snapshot);
}

#define IFACE(self) CRM_SERVER_STORAGE_GET_IFACE (self)

gboolean
crm_server_storage_create_account (CrmServerStorage  *self,
                                   const char        *name,
                                   JsonNode          *template_root,
                                   const char        *admin_name,
                                   const char        *password_hash,
                                   GError           **error)
{
  return IFACE (self)->create_account (self, name, template_root, admin_name, password_hash,
                                       error);
}

gboolean
crm_server_storage_add_user (CrmServerStorage  *self,
                             const char        *account_name,
                             const char        *name,
                             const char        *role,
                             const char        *password_hash,
                             GError           **error)
{
  return IFACE (self)->add_user (self, account_name, name, role, password_hash, error);
}

GPtrArray *
crm_server_storage_find_users (CrmServerStorage  *self,
                               const char        *name,
                               const char        *account_name,
                               GError           **error)
{
  return IFACE (self)->find_users (self, name, account_name, error);
}

gboolean
crm_server_storage_create_session (CrmServerStorage    *self,
                                   const CrmServerUser *user,
                                   const char          *token_hash,
                                   const char          *device,
                                   const char          *device_name,
                                   gint64               expires,
                                   GError             **error)
{
  return IFACE (self)->create_session (self, user, token_hash, device, device_name, expires,
                                       error);
}

CrmServerUser *
crm_server_storage_lookup_session (CrmServerStorage  *self,
                                   const char        *token_hash,
                                   gint64             now,
                                   GError           **error)
{
  return IFACE (self)->lookup_session (self, token_hash, now, error);
}

gboolean
crm_server_storage_revoke_session (CrmServerStorage  *self,
                                   const char        *token_hash,
                                   GError           **error)
{
  return IFACE (self)->revoke_session (self, token_hash, error);
}

gint
crm_server_storage_revoke_user (CrmServerStorage  *self,
                                const char        *account_name,
                                const char        *name,
                                GError           **error)
{
  return IFACE (self)->revoke_user (self, account_name, name, error);
}

JsonArray *
crm_server_storage_list_users (CrmServerStorage  *self,
                               const char        *account_name,
                               const char        *name,
                               GError           **error)
{
  return IFACE (self)->list_users (self, account_name, name, error);
}

gint
crm_server_storage_set_user_disabled (CrmServerStorage  *self,
                                      const char        *account_name,
                                      const char        *name,
                                      gboolean           disabled,
                                      GError           **error)
{
  return IFACE (self)->set_user_disabled (self, account_name, name, disabled, error);
}

gint
crm_server_storage_set_password (CrmServerStorage  *self,
                                 const char        *account_name,
                                 const char        *name,
                                 const char        *password_hash,
                                 GError           **error)
{
  return IFACE (self)->set_password (self, account_name, name, password_hash, error);
}

gboolean
crm_server_storage_remove_user (CrmServerStorage   *self,
                                const char         *account_name,
                                const char         *name,
                                const char         *reassign_to,
                                CrmReassignCounts  *out_counts,
                                GError            **error)
{
  return IFACE (self)->remove_user (self, account_name, name, reassign_to, out_counts, error);
}

char *
crm_server_storage_create_invite (CrmServerStorage  *self,
                                  const char        *account_name,
                                  const char        *name,
                                  const char        *role,
                                  gint64             expires,
                                  const char        *invited_by,
                                  GError           **error)
{
  return IFACE (self)->create_invite (self, account_name, name, role, expires, invited_by,
                                      error);
}

gboolean
crm_server_storage_check_invite (CrmServerStorage  *self,
                                 const char        *code,
                                 gint64             now,
                                 GError           **error)
{
  return IFACE (self)->check_invite (self, code, now, error);
}

CrmServerUser *
crm_server_storage_redeem_invite (CrmServerStorage  *self,
                                  const char        *code,
                                  const char        *password_hash,
                                  gint64             now,
                                  GError           **error)
{
  return IFACE (self)->redeem_invite (self, code, password_hash, now, error);
}

guint64
crm_server_storage_now_hlc (CrmServerStorage    *self,
                            const CrmServerUser *user)
{
  return IFACE (self)->now_hlc (self, user);
}

gboolean
crm_server_storage_push (CrmServerStorage    *self,
                         const CrmServerUser *user,
                         gint64               base,
                         GPtrArray           *ops,
                         GPtrArray          **out_results,
                         gint64              *out_head,
                         GError             **error)
{
  return IFACE (self)->push (self, user, base, ops, out_results, out_head, error);
}

char *
crm_server_storage_pull (CrmServerStorage    *self,
                         const CrmServerUser *user,
                         gint64               since,
                         guint                limit,
                         guint64              hlc,
                         gsize               *out_length,
                         GError             **error)
{
  return IFACE (self)->pull (self, user, since, limit, hlc, out_length, error);
}

void
crm_server_storage_snapshot_async (CrmServerStorage    *self,
                                   const CrmServerUser *user,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  IFACE (self)->snapshot_async (self, user, cancellable, callback, user_data);
}

CrmServerSnapshot *
crm_server_storage_snapshot_finish (CrmServerStorage  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  return IFACE (self)->snapshot_finish (self, result, error);
}

gboolean
crm_server_storage_tick (CrmServerStorage  *self,
                         gint64             now,
                         guint             *out_fired,
                         GError           **error)
{
  return IFACE (self)->tick (self, now, out_fired, error);
}

void
crm_server_storage_prepare_snapshots (CrmServerStorage *self)
{
  g_return_if_fail (CRM_IS_SERVER_STORAGE (self));
  if (IFACE (self)->prepare_snapshots != NULL)
    IFACE (self)->prepare_snapshots (self);
}

gboolean
crm_server_storage_check (CrmServerStorage  *self,
                          GError           **error)
{
  if (IFACE (self)->check == NULL)
    return TRUE;
  return IFACE (self)->check (self, error);
}

gboolean
crm_server_storage_epoch (CrmServerStorage    *self,
                          const CrmServerUser *user,
                          const char          *client_epoch,
                          char               **out_epoch,
                          gint64              *out_shared,
                          gint64              *out_head,
                          char               **out_device,
                          GError             **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_STORAGE (self), FALSE);
  if (IFACE (self)->epoch == NULL)
    return FALSE;
  return IFACE (self)->epoch (self, user, client_epoch, out_epoch, out_shared, out_head,
                              out_device, error);
}

gboolean
crm_server_storage_check_cursor (CrmServerStorage    *self,
                                 const CrmServerUser *user,
                                 gint64               seq,
                                 const char          *op_id,
                                 gboolean            *out_same,
                                 GError             **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_STORAGE (self), FALSE);
  *out_same = TRUE;
  if (IFACE (self)->check_cursor == NULL)
    return TRUE;
  return IFACE (self)->check_cursor (self, user, seq, op_id, out_same, error);
}

char *
crm_server_storage_files_folder (CrmServerStorage    *self,
                                 const CrmServerUser *user,
                                 GError             **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_STORAGE (self), NULL);
  if (IFACE (self)->files_folder == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("This server keeps no files"));
      return NULL;
    }
  return IFACE (self)->files_folder (self, user, error);
}

gboolean
crm_server_storage_sees_file (CrmServerStorage    *self,
                              const CrmServerUser *user,
                              const char          *hash,
                              gboolean            *out_seen,
                              GError             **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_STORAGE (self), FALSE);
  *out_seen = TRUE;
  if (IFACE (self)->sees_file == NULL)
    return TRUE;
  return IFACE (self)->sees_file (self, user, hash, out_seen, error);
}

gboolean
crm_server_storage_stamp_valid (CrmServerStorage    *self,
                                const CrmServerUser *user,
                                const CrmOp         *op,
                                gboolean            *out_valid,
                                GError             **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_STORAGE (self), FALSE);
  *out_valid = FALSE;
  if (IFACE (self)->stamp_valid == NULL)
    return TRUE;
  return IFACE (self)->stamp_valid (self, user, op, out_valid, error);
}
