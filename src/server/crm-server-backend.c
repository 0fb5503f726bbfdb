/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-backend.c — the storage interface written once over a backend's storage
 * calls (see crm-server-backend.h). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-server-backend.h"
#include "crm-visibility.h"
#include "crm-server-auth.h"
#include "crm-server-files.h"
#include "crm-server-push.h"
#include "crm-server-snapshot.h"
#include "crm-ledger.h"
#include "crm-rights.h"
#include "crm-setup.h"
#include "crm-stamp.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-user.h"
#include "crm-uuid.h"

typedef struct {
  char   *data_dir;
  gint64  account_quota;   /* bytes; 0: none */
} CrmServerBackendPrivate;

static void storage_iface_init (CrmServerStorageInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (CrmServerBackend, crm_server_backend, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (CrmServerBackend)
                                  G_IMPLEMENT_INTERFACE (CRM_TYPE_SERVER_STORAGE,
                                                         storage_iface_init))

#define CLASS(self) CRM_SERVER_BACKEND_GET_CLASS (self)
#define BACKEND(storage) CRM_SERVER_BACKEND (storage)

static void
crm_server_backend_finalize (GObject *object)
{
  CrmServerBackendPrivate *priv =
    crm_server_backend_get_instance_private (CRM_SERVER_BACKEND (object));

  g_free (priv->data_dir);
  G_OBJECT_CLASS (crm_server_backend_parent_class)->finalize (object);
}

static char *
default_check_account (CrmServerBackend *self,
                       const char       *account_id,
                       const char       *account_name)
{
  g_autoptr(GError) error = NULL;

  if (CLASS (self)->get_replica (self, account_id, &error) == NULL)
    return g_strdup_printf (_("account «%s»: %s"), account_name, error->message);
  return NULL;
}

static void
crm_server_backend_class_init (CrmServerBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_server_backend_finalize;
  klass->check_account = default_check_account;
}

static void
crm_server_backend_init (CrmServerBackend *self)
{
}

const char *
crm_server_backend_get_data_dir (CrmServerBackend *self)
{
  CrmServerBackendPrivate *priv = crm_server_backend_get_instance_private (self);

  return priv->data_dir;
}

void
crm_server_backend_set_data_dir (CrmServerBackend *self,
                                 const char       *data_dir)
{
  CrmServerBackendPrivate *priv = crm_server_backend_get_instance_private (self);

  g_free (priv->data_dir);
  priv->data_dir = g_strdup (data_dir);
}

void
crm_server_backend_set_account_quota (CrmServerBackend *self,
                                      gint64            bytes)
{
  CrmServerBackendPrivate *priv;

  g_return_if_fail (CRM_IS_SERVER_BACKEND (self));
  priv = crm_server_backend_get_instance_private (self);
  priv->account_quota = MAX (bytes, 0);
}

CrmStore *
crm_server_backend_get_replica (CrmServerBackend  *self,
                                const char        *account_id,
                                GError           **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_BACKEND (self), NULL);
  return CLASS (self)->get_replica (self, account_id, error);
}

gboolean
crm_server_backend_write (CrmServerBackend   *self,
                          const char         *account_id,
                          CrmServerWriteFunc  func,
                          gpointer            data,
                          GError            **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_BACKEND (self), FALSE);
  return CLASS (self)->write_replica (self, account_id, func, data, error);
}

GPtrArray *
crm_server_backend_list_accounts (CrmServerBackend  *self,
                                  GError           **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_BACKEND (self), NULL);
  return CLASS (self)->list_accounts (self, error);
}

guint
crm_server_backend_sweep_uploads (CrmServerBackend *self,
                                  gint64            max_age_ms,
                                  gint64            now_ms)
{
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  guint removed = 0;

  g_return_val_if_fail (CRM_IS_SERVER_BACKEND (self), 0);

  accounts = crm_server_backend_list_accounts (self, &error);
  if (accounts == NULL)
    {
      g_warning ("Abandoned uploads were not looked for: %s", error->message);
      return 0;
    }
  /* id, name, id, name, … */
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    {
      g_autofree char *folder = CLASS (self)->files_folder (self, accounts->pdata[i], &error);

      if (folder == NULL)
        {
          g_warning ("Abandoned uploads of account %s were not looked for: %s",
                     (const char *) accounts->pdata[i + 1], error->message);
          g_clear_error (&error);
          continue;
        }
      removed += crm_server_files_sweep (folder, max_age_ms, now_ms);
    }
  return removed;
}

void
crm_server_backend_user_exists (GError     **error,
                                const char  *name)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
               _("The account already has a user named «%s»"), name);
}

gboolean
crm_server_backend_folder_failed (GError     **error,
                                  const char  *folder,
                                  int          saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not create the data folder %s: %s"), folder, g_strerror (saved_errno));
  return FALSE;
}

/* --- accounts ---------------------------------------------------------------------------- */

static gboolean
backend_create_account (CrmServerStorage  *storage,
                        const char        *name,
                        JsonNode          *template_root,
                        const char        *admin_name,
                        const char        *password_hash,
                        GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *account_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *crm_user = NULL;
  g_autofree char *existing = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) local_error = NULL;

  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 100)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("An account name must be 1 to 100 characters long"));
      return FALSE;
    }
  existing = CLASS (self)->lookup_account (self, name, NULL);
  if (existing != NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("There is already an account «%s»"), name);
      return FALSE;
    }

  /* the replica is filled first, then the account's rows go in at once */
  store = CLASS (self)->new_replica (self, account_id, error);
  if (store == NULL)
    return FALSE;
  if ((template_root != NULL && !crm_template_apply (store, template_root, &local_error)) ||
      (crm_user = crm_server_replica_ensure_user (store, admin_name, "admin",
                                                  &local_error)) == NULL ||
      !crm_store_set_meta (store, "server.account", name, &local_error) ||
      !crm_ledger_number_deals (store, &local_error) ||
      !CLASS (self)->insert_account (self, account_id, name, store, admin_name, crm_user,
                                     password_hash, &local_error))
    {
      g_clear_object (&store);
      CLASS (self)->discard_replica (self, account_id);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* --- users ------------------------------------------------------------------------------- */

/* The role the account replica gives the user now. FALSE without an error: the user
 * entity was removed (in the app); FALSE with one: the account cannot be opened. */
static gboolean
refresh_role (CrmServerBackend  *self,
              CrmServerUser     *user,
              GError           **error)
{
  CrmStore *store = CLASS (self)->get_replica (self, user->account_id, error);
  char *role;

  if (store == NULL)
    return FALSE;
  role = crm_server_replica_user_field (store, user->crm_user, FALSE);
  if (role == NULL)
    return FALSE;
  g_free (user->role);
  user->role = role;
  /* an administrator deactivated them in the replica: refused from the next request on */
  user->deactivated = !crm_setup_user_is_active (store, user->crm_user);
  return TRUE;
}

/* The user @name of @account_id, a removed one too; NOT_FOUND when there is none. */
static CrmServerUser *
lookup_user (CrmServerBackend  *self,
             const char        *account_id,
             const char        *account_name,
             const char        *name,
             GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  CrmServerUser *user = CLASS (self)->find_user (self, account_id, name, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (user == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no user «%s» in account «%s»; “voronka-server user list %s” "
                   "shows who there is"), name, account_name, account_name);
  return user;
}

/* Like lookup_user(), but a removed user is an error too. */
static CrmServerUser *
lookup_current_user (CrmServerBackend  *self,
                     const char        *account_name,
                     const char        *name,
                     char             **out_account_id,
                     GError           **error)
{
  g_autofree char *account_id = CLASS (self)->lookup_account (self, account_name, error);
  CrmServerUser *user;

  if (account_id == NULL ||
      (user = lookup_user (self, account_id, account_name, name, error)) == NULL)
    return NULL;
  if (user->removed)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("«%s» was removed from account «%s»; “user add” makes them a user again"),
                   name, account_name);
      crm_server_user_free (user);
      return NULL;
    }
  if (out_account_id != NULL)
    *out_account_id = g_steal_pointer (&account_id);
  return user;
}

/* What `user.role` says for the role @role names in the account's replica @store — a
 * built-in key, a custom role's name (any case) or id (crm_rights_role_find()); NULL
 * with INVALID_INPUT listing the account's roles when it names none. */
static char *
resolve_role (CrmStore    *store,
              const char  *role,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) found = crm_rights_role_find (store, role, &local_error);

  if (found == NULL)
    {
      g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                           local_error->message);
      return NULL;
    }
  return g_strdup (crm_rights_role_ref (found));
}

typedef struct {
  const char *name;
  const char *role;
  char       *resolved;   /* what the user's role is written as */
  char       *crm_user;
} EnsureUser;

static gboolean
ensure_user (CrmServerBackend  *self,
             CrmStore          *store,
             gpointer           data,
             GError           **error)
{
  EnsureUser *ensure = data;

  if ((ensure->resolved = resolve_role (store, ensure->role, error)) == NULL)
    return FALSE;
  ensure->crm_user = crm_server_replica_ensure_user (store, ensure->name, ensure->resolved,
                                                     error);
  return ensure->crm_user != NULL;
}

static gboolean
backend_add_user (CrmServerStorage  *storage,
                  const char        *account_name,
                  const char        *name,
                  const char        *role,
                  const char        *password_hash,
                  GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *account_id = CLASS (self)->lookup_account (self, account_name, error);
  g_autoptr(CrmServerUser) previous = NULL;
  EnsureUser ensure = { name, role, NULL, NULL };
  g_autofree char *crm_user = NULL;
  g_autofree char *resolved = NULL;

  if (account_id == NULL)
    return FALSE;
  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A user name must be 1 to 200 characters long"));
      return FALSE;
    }
  if (!CLASS (self)->write_replica (self, account_id, ensure_user, &ensure, error))
    {
      g_free (ensure.resolved);
      return FALSE;
    }
  crm_user = ensure.crm_user;
  resolved = ensure.resolved;
  previous = CLASS (self)->find_user (self, account_id, name, NULL);
  /* someone removed comes back: the same row, a new password, no old session */
  if (previous != NULL && previous->removed)
    return CLASS (self)->restore_user (self, previous->id, resolved, crm_user, password_hash,
                                       error);
  return CLASS (self)->insert_user (self, account_id, name, resolved, crm_user, password_hash,
                                    error);
}

static GPtrArray *
backend_find_users (CrmServerStorage  *storage,
                    const char        *name,
                    const char        *account_name,
                    GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(GPtrArray) found = CLASS (self)->find_users (self, name, account_name, error);
  g_autoptr(GPtrArray) users = NULL;

  if (found == NULL)
    return NULL;
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_user_free);
  for (guint i = 0; i < found->len; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (refresh_role (self, found->pdata[i], &local_error))
        g_ptr_array_add (users, crm_server_user_copy (found->pdata[i]));
      else if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&users);
}

static JsonArray *
backend_list_users (CrmServerStorage  *storage,
                    const char        *account_name,
                    const char        *name,
                    GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *account_id = CLASS (self)->lookup_account (self, account_name, error);
  g_autoptr(CrmServerUser) one = NULL;
  CrmStore *store;

  if (account_id == NULL || (store = CLASS (self)->get_replica (self, account_id, error)) == NULL)
    return NULL;
  if (name != NULL && (one = lookup_user (self, account_id, account_name, name, error)) == NULL)
    return NULL;
  return CLASS (self)->list_users (self, account_id, name, store, error);
}

static gint
backend_revoke_user (CrmServerStorage  *storage,
                     const char        *account_name,
                     const char        *name,
                     GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);

  return user != NULL ? CLASS (self)->revoke_sessions (self, user->id, error) : -1;
}

static gint
backend_set_user_disabled (CrmServerStorage  *storage,
                           const char        *account_name,
                           const char        *name,
                           gboolean           disabled,
                           GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());

  if (user == NULL)
    return -1;
  return CLASS (self)->change_user (self, user->id,
                                    disabled ? CRM_SERVER_USER_DISABLE : CRM_SERVER_USER_ENABLE,
                                    disabled ? now : NULL, error);
}

static gint
backend_set_password (CrmServerStorage  *storage,
                      const char        *account_name,
                      const char        *name,
                      const char        *password_hash,
                      GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);

  if (user == NULL)
    return -1;
  return CLASS (self)->change_user (self, user->id, CRM_SERVER_USER_PASSWORD, password_hash,
                                    error);
}

typedef struct {
  const char        *account_name;
  const char        *reassign_to;
  CrmServerUser     *user;
  CrmReassignCounts *counts;
} Removal;

static gboolean
reassign_work (CrmServerBackend  *self,
               CrmStore          *store,
               gpointer           data,
               GError           **error)
{
  Removal *removal = data;
  g_autoptr(CrmServerUser) heir = CLASS (self)->find_user (self, removal->user->account_id,
                                                           removal->reassign_to, NULL);
  g_autofree char *heir_entity = crm_server_replica_heir (store, heir, removal->reassign_to,
                                                          removal->account_name, error);

  if (heir_entity == NULL)
    return FALSE;
  return crm_user_reassign (store, removal->user->crm_user, heir_entity, NULL, removal->counts,
                            error);
}

static gboolean
backend_remove_user (CrmServerStorage   *storage,
                     const char         *account_name,
                     const char         *name,
                     const char         *reassign_to,
                     CrmReassignCounts  *out_counts,
                     GError            **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *account_id = NULL;
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, &account_id,
                                                       error);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  Removal removal = { account_name, reassign_to, user, out_counts };

  if (user == NULL)
    return FALSE;
  if (g_str_equal (name, reassign_to))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("--reassign-to names the user being removed; name a colleague who "
                     "takes over «%s»'s deals and tasks"), name);
      return FALSE;
    }
  /* the work first (through the replica's write path: laptops get it by sync), then
   * the sign-in: a failure in between leaves a user who can still be removed again */
  if (!CLASS (self)->write_replica (self, account_id, reassign_work, &removal, error))
    return FALSE;
  return CLASS (self)->change_user (self, user->id, CRM_SERVER_USER_REMOVE, now, error) >= 0;
}

/* --- invitations ------------------------------------------------------------------------- */

void
crm_server_invite_free (CrmServerInvite *invite)
{
  if (invite == NULL)
    return;
  g_free (invite->account_id);
  g_free (invite->account_name);
  g_free (invite->name);
  g_free (invite->role);
  g_free (invite);
}

static char *
backend_create_invite (CrmServerStorage  *storage,
                       const char        *account_name,
                       const char        *name,
                       const char        *role,
                       gint64             expires,
                       const char        *invited_by,
                       GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *account_id = CLASS (self)->lookup_account (self, account_name, error);
  g_autoptr(CrmServerUser) existing = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *resolved = NULL;
  CrmStore *store;

  if (account_id == NULL)
    return NULL;
  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A user name must be 1 to 200 characters long"));
      return NULL;
    }
  /* any role of the account: a built-in one or a custom one, by its name or id */
  if ((store = CLASS (self)->get_replica (self, account_id, error)) == NULL ||
      (resolved = resolve_role (store, role, error)) == NULL)
    return NULL;
  existing = CLASS (self)->find_user (self, account_id, name, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (existing != NULL && !existing->removed)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("«%s» can already sign in to account «%s»; they sign in with their "
                     "password (an administrator sets a new one with “voronka-server user "
                     "password”)"), name, account_name);
      return NULL;
    }
  code = crm_server_new_invite_code ();
  normal = crm_server_normalize_invite_code (code);
  hash = crm_server_hash_token (normal);
  if (!CLASS (self)->insert_invite (self, account_id, hash, name, resolved, expires,
                                    invited_by != NULL ? invited_by : "", error))
    return NULL;
  return g_steal_pointer (&code);
}

static char *
format_utc (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ms / 1000);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M UTC") : g_strdup ("?");
}

/* The invitation of @code that can be redeemed at @now, or NULL with an error that says
 * why not; *@out_hash: the hash it is kept under. */
static CrmServerInvite *
valid_invite (CrmServerBackend  *self,
              const char        *code,
              gint64             now,
              char             **out_hash,
              GError           **error)
{
  g_autofree char *normal = crm_server_normalize_invite_code (code);
  g_autofree char *hash = NULL;
  g_autoptr(CrmServerInvite) invite = NULL;
  g_autoptr(GError) local_error = NULL;

  if (normal == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   _("“%s” is not an invitation code: a code has 12 letters and digits, like "
                     "K7QM-3XRD-W9TB; type it again, or ask your administrator for a new one"),
                   code);
      return NULL;
    }
  hash = crm_server_hash_token (normal);
  invite = CLASS (self)->find_invite (self, hash, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (invite == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   _("There is no invitation with the code %s on this server; check it letter "
                     "by letter and the server's address, or ask your administrator for a new "
                     "code"), code);
      return NULL;
    }
  if (invite->used_at > 0)
    {
      g_autofree char *when = format_utc (invite->used_at);

      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   _("The invitation code %s was already used (%s): a code works once. Sign "
                     "in as «%s» with the password chosen then, or ask your administrator for "
                     "a new code"), code, when, invite->name);
      return NULL;
    }
  if (now >= invite->expires_at)
    {
      g_autofree char *when = format_utc (invite->expires_at);

      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   _("The invitation code %s expired on %s; ask your administrator for a new "
                     "one"), code, when);
      return NULL;
    }
  if (out_hash != NULL)
    *out_hash = g_steal_pointer (&hash);
  return g_steal_pointer (&invite);
}

static gboolean
backend_check_invite (CrmServerStorage  *storage,
                      const char        *code,
                      gint64             now,
                      GError           **error)
{
  g_autoptr(CrmServerInvite) invite = valid_invite (BACKEND (storage), code, now, NULL, error);

  return invite != NULL;
}

static gboolean backend_add_user (CrmServerStorage  *storage,
                                  const char        *account_name,
                                  const char        *name,
                                  const char        *role,
                                  const char        *password_hash,
                                  GError           **error);
static GPtrArray *backend_find_users (CrmServerStorage  *storage,
                                      const char        *name,
                                      const char        *account_name,
                                      GError           **error);

static CrmServerUser *
backend_redeem_invite (CrmServerStorage  *storage,
                       const char        *code,
                       const char        *password_hash,
                       gint64             now,
                       GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autofree char *hash = NULL;
  g_autoptr(CrmServerInvite) invite = valid_invite (self, code, now, &hash, error);
  g_autoptr(GPtrArray) users = NULL;
  gint taken;

  if (invite == NULL)
    return NULL;
  /* the user first: a name someone took meanwhile leaves the code unused */
  if (!backend_add_user (storage, invite->account_name, invite->name, invite->role,
                         password_hash, error))
    return NULL;
  taken = CLASS (self)->use_invite (self, hash, now, error);
  if (taken < 0)
    return NULL;
  users = backend_find_users (storage, invite->name, invite->account_name, error);
  if (users == NULL)
    return NULL;
  if (users->len == 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("The user «%s» the invitation made is gone again; ask your administrator"),
                   invite->name);
      return NULL;
    }
  return crm_server_user_copy (users->pdata[0]);
}

/* --- sessions and devices ---------------------------------------------------------------- */

static gboolean
backend_create_session (CrmServerStorage    *storage,
                        const CrmServerUser *user,
                        const char          *token_hash,
                        const char          *device,
                        const char          *device_name,
                        gint64               expires,
                        GError             **error)
{
  CrmServerBackend *self = BACKEND (storage);

  /* a device id belongs to the first user who used it: another user cannot take it
   * over (and push as that device) by signing in with it */
  if (device != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *owner = CLASS (self)->device_owner (self, user->account_id, device,
                                                           &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (owner != NULL && !g_str_equal (owner, user->id))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED,
                       _("This replica already syncs as another user of the account, so %s "
                         "cannot sign in with it; sign in with a new replica file (the account "
                         "is copied from the server)"), user->name);
          return FALSE;
        }
    }
  return CLASS (self)->insert_session (self, user, token_hash, device, device_name, expires,
                                       error);
}

static CrmServerUser *
backend_lookup_session (CrmServerStorage  *storage,
                        const char        *token_hash,
                        gint64             now,
                        GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  gboolean valid = FALSE;
  /* read from the storage at every request, so a user disabled by an admin command while
   * the server runs is refused at the next one */
  CrmServerUser *user = CLASS (self)->session_user (self, token_hash, now, &valid, error);

  if (user == NULL)
    return NULL;
  g_clear_pointer (&user->password_hash, g_free);
  /* a disabled or removed user is told so, whatever became of the token */
  if (user->disabled || user->removed)
    return user;
  if (!valid || !refresh_role (self, user, error))
    g_clear_pointer (&user, crm_server_user_free);
  return user;
}

static gboolean
backend_revoke_session (CrmServerStorage  *storage,
                        const char        *token_hash,
                        GError           **error)
{
  return CLASS (storage)->revoke_session (BACKEND (storage), token_hash, error);
}

/* CrmServerDeviceFunc: is @device @user's? One nobody has used yet becomes @user's. */
static gboolean
device_of_user (const CrmServerUser *user,
                const char          *device,
                gpointer             data)
{
  CrmServerBackend *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = CLASS (self)->device_owner (self, user->account_id, device, &error);

  if (error != NULL)
    {
      g_warning ("Checking device %s: %s", device, error->message);
      return FALSE;
    }
  if (owner != NULL)
    return g_str_equal (owner, user->id);
  if (!CLASS (self)->claim_device (self, user->account_id, device, user->id, &error))
    g_warning ("Recording device %s: %s", device, error->message);
  return TRUE;
}

/* --- sync -------------------------------------------------------------------------------- */

static guint64
backend_now_hlc (CrmServerStorage    *storage,
                 const CrmServerUser *user)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, NULL);

  return store != NULL ? crm_ledger_next_hlc (store) : 0;
}

typedef struct {
  const CrmServerUser  *user;
  gint64                base;
  GPtrArray            *ops;
  GPtrArray           **out_results;
  gint64               *out_head;
} Push;

static gboolean
push_ops (CrmServerBackend  *self,
          CrmStore          *store,
          gpointer           data,
          GError           **error)
{
  CrmServerBackendPrivate *priv = crm_server_backend_get_instance_private (self);
  Push *push = data;

  return crm_server_replica_check_quota (store, push->user, priv->account_quota, error) &&
         crm_server_replica_push (store, push->user, device_of_user, self, push->base,
                                  push->ops, push->out_results, push->out_head, error);
}

static gboolean
backend_push (CrmServerStorage    *storage,
              const CrmServerUser *user,
              gint64               base,
              GPtrArray           *ops,
              GPtrArray          **out_results,
              gint64              *out_head,
              GError             **error)
{
  Push push = { user, base, ops, out_results, out_head };

  return CLASS (storage)->write_replica (BACKEND (storage), user->account_id, push_ops, &push,
                                         error);
}

static char *
backend_pull (CrmServerStorage    *storage,
              const CrmServerUser *user,
              gint64               since,
              guint                limit,
              guint64              hlc,
              gsize               *out_length,
              GError             **error)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, error);

  return store != NULL ? crm_server_replica_pull (store, user->crm_user, since, limit, hlc,
                                                           out_length, error)
                       : NULL;
}

static gboolean
backend_epoch (CrmServerStorage    *storage,
               const CrmServerUser *user,
               const char          *client_epoch,
               char               **out_epoch,
               gint64              *out_shared,
               gint64              *out_head,
               char               **out_device,
               GError             **error)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, error);

  return store != NULL && crm_server_replica_epoch (store, client_epoch, out_epoch, out_shared,
                                                    out_head, out_device, error);
}

static gboolean
backend_check_cursor (CrmServerStorage    *storage,
                      const CrmServerUser *user,
                      gint64               seq,
                      const char          *op_id,
                      gboolean            *out_same,
                      GError             **error)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, error);

  return store != NULL && crm_server_replica_check_cursor (store, seq, op_id, out_same, error);
}

static char *
backend_files_folder (CrmServerStorage    *storage,
                      const CrmServerUser *user,
                      GError             **error)
{
  return CLASS (storage)->files_folder (BACKEND (storage), user->account_id, error);
}

static gboolean
backend_sees_file (CrmServerStorage    *storage,
                   const CrmServerUser *user,
                   const char          *hash,
                   gboolean            *out_seen,
                   GError             **error)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, error);
  g_autoptr(CrmVisibility) visibility = NULL;

  *out_seen = FALSE;
  if (store == NULL)
    return FALSE;
  /* the account's own server user is given everything, as in a pull */
  if (user->crm_user == NULL)
    {
      *out_seen = TRUE;
      return TRUE;
    }
  visibility = crm_visibility_new (store, user->crm_user);
  return crm_visibility_sees_file (visibility, store, hash, out_seen, error);
}

static gboolean
backend_stamp_valid (CrmServerStorage    *storage,
                     const CrmServerUser *user,
                     const CrmOp         *op,
                     gboolean            *out_valid,
                     GError             **error)
{
  CrmStore *store = CLASS (storage)->get_replica (BACKEND (storage), user->account_id, error);

  *out_valid = FALSE;
  if (store == NULL)
    return FALSE;
  *out_valid = crm_stamp_check (crm_store_get_stamp_key (store), op);
  return TRUE;
}

static void
backend_snapshot_async (CrmServerStorage    *storage,
                        const CrmServerUser *user,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = CLASS (self)->replica_file (self, user->account_id);
  g_autofree char *cache = CLASS (self)->snapshot_folder (self);
  CrmStore *store = CLASS (self)->get_replica (self, user->account_id, &error);

  if (store == NULL)
    g_task_report_error (self, callback, user_data, NULL, g_steal_pointer (&error));
  else
    crm_server_replica_snapshot_async (self, store, path, cache, user->account_id,
                                       user->crm_user, cancellable, callback, user_data);
}

static CrmServerSnapshot *
backend_snapshot_finish (CrmServerStorage  *storage,
                         GAsyncResult      *result,
                         GError           **error)
{
  return crm_server_replica_snapshot_finish (result, error);
}

/* Keeps a recent snapshot of the account ready (made in the background), so a new
 * device downloads one instead of waiting while it is made. */
static void
prepare_snapshot (CrmServerBackend *self,
                  const char       *account_id)
{
  g_autoptr(GError) error = NULL;
  CrmStore *store = CLASS (self)->get_replica (self, account_id, &error);
  g_autofree char *path = NULL;
  g_autofree char *cache = NULL;
  g_auto(GStrv) live_keys = NULL;

  if (store == NULL)
    {
      g_warning ("Account %s: %s", account_id, error->message);
      return;
    }
  path = CLASS (self)->replica_file (self, account_id);
  cache = CLASS (self)->snapshot_folder (self);
  live_keys = crm_visibility_dup_keys (store);
  crm_server_snapshot_make_async (path, cache, account_id, NULL,
                                  (const char *const *) live_keys, crm_ledger_head (store), 0,
                                  CRM_SERVER_SNAPSHOT_MAX_AGE - 60, 0, NULL, NULL, NULL);
}

static void
backend_prepare_snapshots (CrmServerStorage *storage)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = CLASS (self)->list_accounts (self, &error);

  if (accounts == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    prepare_snapshot (self, accounts->pdata[i]);
}

typedef struct {
  gint64 now;
  guint  fired;
} Tick;

static gboolean
tick_account (CrmServerBackend  *self,
              CrmStore          *store,
              gpointer           data,
              GError           **error)
{
  Tick *tick = data;

  return crm_server_replica_tick (store, tick->now, &tick->fired, error);
}

static gboolean
backend_tick (CrmServerStorage  *storage,
              gint64             now,
              guint             *out_fired,
              GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(GPtrArray) accounts = NULL;
  gboolean mine = TRUE;
  gboolean ok = TRUE;

  *out_fired = 0;
  if (CLASS (self)->take_timers != NULL && !CLASS (self)->take_timers (self, &mine, error))
    return FALSE;
  if (!mine)
    return TRUE;
  if ((accounts = CLASS (self)->list_accounts (self, error)) == NULL)
    return FALSE;
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    {
      g_autoptr(GError) local_error = NULL;
      const char *account_id = accounts->pdata[i];
      Tick tick = { now, 0 };

      if (!CLASS (self)->write_replica (self, account_id, tick_account, &tick, &local_error))
        {
          /* one account's failure must not stop the others' timers */
          g_warning ("Timer rules of account %s failed: %s", account_id, local_error->message);
          ok = FALSE;
          continue;
        }
      *out_fired += tick.fired;
      prepare_snapshot (self, account_id);
    }
  if (!ok)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("Timer rules failed in some accounts (see the log)"));
  return ok;
}

static gboolean
backend_check (CrmServerStorage  *storage,
               GError           **error)
{
  CrmServerBackend *self = BACKEND (storage);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *all = NULL;

  if (CLASS (self)->check_storage != NULL)
    CLASS (self)->check_storage (self, problems);
  accounts = CLASS (self)->list_accounts (self, &local_error);
  if (accounts == NULL)
    g_ptr_array_add (problems, g_strdup (local_error->message));
  for (guint i = 0; accounts != NULL && i + 1 < accounts->len; i += 2)
    {
      char *problem = CLASS (self)->check_account (self, accounts->pdata[i],
                                                   accounts->pdata[i + 1]);

      if (problem != NULL)
        g_ptr_array_add (problems, problem);
    }
  if (problems->len == 0)
    return TRUE;
  g_ptr_array_add (problems, NULL);
  all = g_strjoinv ("; ", (char **) problems->pdata);
  g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR, all);
  return FALSE;
}

static void
storage_iface_init (CrmServerStorageInterface *iface)
{
  iface->create_account = backend_create_account;
  iface->add_user = backend_add_user;
  iface->find_users = backend_find_users;
  iface->create_session = backend_create_session;
  iface->lookup_session = backend_lookup_session;
  iface->revoke_session = backend_revoke_session;
  iface->revoke_user = backend_revoke_user;
  iface->list_users = backend_list_users;
  iface->set_user_disabled = backend_set_user_disabled;
  iface->set_password = backend_set_password;
  iface->remove_user = backend_remove_user;
  iface->create_invite = backend_create_invite;
  iface->check_invite = backend_check_invite;
  iface->redeem_invite = backend_redeem_invite;
  iface->now_hlc = backend_now_hlc;
  iface->push = backend_push;
  iface->pull = backend_pull;
  iface->snapshot_async = backend_snapshot_async;
  iface->snapshot_finish = backend_snapshot_finish;
  iface->tick = backend_tick;
  iface->prepare_snapshots = backend_prepare_snapshots;
  iface->check = backend_check;
  iface->epoch = backend_epoch;
  iface->check_cursor = backend_check_cursor;
  iface->files_folder = backend_files_folder;
  iface->sees_file = backend_sees_file;
  iface->stamp_valid = backend_stamp_valid;
}
