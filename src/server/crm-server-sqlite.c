/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-sqlite.c — CrmServerStorage on SQLite. server.db holds who may sign in
 * (accounts, users with argon2id hashes, sessions by token hash, devices); each account
 * is a CrmStore replica with the server's own device id, so merging is the core's merge
 * and the server's sequence is the replica's changelog sequence. A user's role is read
 * from the account's `user` entity, so an admin changing it in the app takes effect on
 * the server too. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-server-sqlite.h"
#include "crm-server-backup.h"
#include "crm-server-mailboxes.h"
#include "crm-server-push.h"
#include "crm-server-snapshot.h"
#include "crm-ledger.h"
#include "crm-attachment.h"
#include "crm-replica-file.h"
#include "crm-rules.h"
#include "crm-stamp.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-user.h"
#include "crm-uuid.h"

/* PRAGMA application_id of server.db: "VRKS" */
#define SERVER_APPLICATION_ID 0x56524B53

struct _CrmServerSqlite
{
  GObject     parent_instance;

  char       *data_dir;
  sqlite3    *db;
  GHashTable *replicas;   /* account id → CrmStore* */
  gint64      account_quota;  /* bytes; 0: none */
};

static void storage_iface_init (CrmServerStorageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmServerSqlite, crm_server_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_SERVER_STORAGE, storage_iface_init))

static void
crm_server_sqlite_finalize (GObject *object)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (object);

  g_clear_pointer (&self->replicas, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->data_dir);
  G_OBJECT_CLASS (crm_server_sqlite_parent_class)->finalize (object);
}

static void
crm_server_sqlite_class_init (CrmServerSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_server_sqlite_finalize;
}

static void
crm_server_sqlite_init (CrmServerSqlite *self)
{
  self->replicas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* --- server.db -------------------------------------------------------------------------- */

static gboolean
db_failed (CrmServerSqlite  *self,
           const char       *what,
           GError          **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("The server database %s/server.db failed while %s: %s"), self->data_dir, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
db_exec (CrmServerSqlite  *self,
         const char       *sql,
         GError          **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_failed (self, sql, error);
  return TRUE;
}

/* Prepares @sql and binds the NULL-terminated text parameters that follow. */
static sqlite3_stmt *
db_prepare (CrmServerSqlite  *self,
            GError          **error,
            const char       *sql,
            ...)
{
  sqlite3_stmt *stmt = NULL;
  va_list args;
  int index = 1;
  const char *value;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_failed (self, "preparing a query", error);
      return NULL;
    }
  va_start (args, sql);
  while ((value = va_arg (args, const char *)) != NULL)
    sqlite3_bind_text (stmt, index++, value, -1, SQLITE_TRANSIENT);
  va_end (args);
  return stmt;
}

static gboolean
db_step_done (CrmServerSqlite  *self,
              sqlite3_stmt     *stmt,
              const char       *what,
              GError          **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return db_failed (self, what, error);
  return TRUE;
}

/* --- server.db's schema: numbered steps, remembered in PRAGMA user_version ----------------
 *
 * Append a step to change the schema; never edit an old one (data folders in the field
 * already ran it). A server.db whose user_version is higher than ours was written by a
 * newer voronka-server and is refused, never opened. */

/* Step 1: the tables as the first releases made them (before server.db had a version,
 * with user_version 0, the same statements; IF NOT EXISTS makes them step 1 of those). */
static const char migrate_to_1[] =
  "CREATE TABLE IF NOT EXISTS account (id TEXT PRIMARY KEY NOT NULL,"
  " name TEXT NOT NULL UNIQUE, file TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS user (id TEXT PRIMARY KEY NOT NULL,"
  " account TEXT NOT NULL REFERENCES account (id), name TEXT NOT NULL,"
  " role TEXT NOT NULL, crm_user TEXT NOT NULL, password_hash TEXT NOT NULL,"
  " created_at INTEGER NOT NULL, UNIQUE (account, name));"
  "CREATE INDEX IF NOT EXISTS user_name ON user (name);"
  "CREATE TABLE IF NOT EXISTS session (token_hash TEXT PRIMARY KEY NOT NULL,"
  " user TEXT NOT NULL REFERENCES user (id), device TEXT, device_name TEXT,"
  " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);"
  "CREATE INDEX IF NOT EXISTS session_user ON session (user);"
  "CREATE TABLE IF NOT EXISTS device (account TEXT NOT NULL, id TEXT NOT NULL,"
  " user TEXT, name TEXT, first_seen INTEGER, last_seen INTEGER,"
  " PRIMARY KEY (account, id));";

/* Step 2: a user can be disabled (sign-in and tokens refused until enabled) or removed
 * (their work reassigned; the row stays for the record). NULL: not so. */
static const char migrate_to_2[] =
  "ALTER TABLE user ADD COLUMN disabled_at INTEGER;"
  "ALTER TABLE user ADD COLUMN removed_at INTEGER;";

/* Step 3: the mailboxes requests come from, and the senders blocked as spam
 * (crm-server-mailboxes.c). */

static const char *const migrations[] = {
  migrate_to_1,
  migrate_to_2,
  crm_server_mailboxes_migration,
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CRM_SERVER_DB_VERSION);

static gint
read_user_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gint version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static void
set_too_new (GError     **error,
             gint         version)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SCHEMA_TOO_NEW,
               _("This data was written by a newer voronka-server (schema %d); install that "
                 "version or restore a backup"), version);
}

/* Brings server.db to CRM_SERVER_DB_VERSION one step at a time, each step in its own
 * transaction; an admin command and a running server may both get here at once. */
static gboolean
migrate (CrmServerSqlite  *self,
         GError          **error)
{
  gint version = read_user_version (self->db);
  gboolean fresh = FALSE;
  sqlite3_stmt *stmt = NULL;

  if (version == 0 &&
      sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM sqlite_master", -1, &stmt,
                          NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    fresh = sqlite3_column_int (stmt, 0) == 0;
  sqlite3_finalize (stmt);
  if (version > CRM_SERVER_DB_VERSION)
    {
      set_too_new (error, version);
      return FALSE;
    }
  while (version < CRM_SERVER_DB_VERSION)
    {
      g_autofree char *pragma = NULL;

      if (!db_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      /* another process may have run the step meanwhile */
      version = read_user_version (self->db);
      if (version >= CRM_SERVER_DB_VERSION)
        return db_exec (self, "COMMIT", error);
      pragma = g_strdup_printf ("PRAGMA user_version = %d", version + 1);
      if (!db_exec (self, migrations[version], error) || !db_exec (self, pragma, error) ||
          !db_exec (self, "COMMIT", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!fresh)
        g_message ("Updated %s/server.db to schema %d", self->data_dir, version + 1);
      version++;
    }
  return TRUE;
}

static gboolean
open_database (CrmServerSqlite  *self,
               GError          **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, "server.db", NULL);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA application_id = %d", SERVER_APPLICATION_ID);
  sqlite3_stmt *stmt = NULL;
  gint64 application_id = 0;

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       NULL) != SQLITE_OK)
    return db_failed (self, "opening it", error);
  sqlite3_busy_timeout (self->db, 10000);
  if (sqlite3_prepare_v2 (self->db, "PRAGMA application_id", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("%s is not a voronka-server database or is damaged"), path);
      return FALSE;
    }
  application_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (application_id != 0 && application_id != SERVER_APPLICATION_ID)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("%s is not a voronka-server database"), path);
      return FALSE;
    }
  return db_exec (self, "PRAGMA journal_mode = WAL", error) &&
         db_exec (self, "PRAGMA foreign_keys = ON", error) &&
         db_exec (self, pragma, error) &&
         migrate (self, error);
}

CrmServerStorage *
crm_server_sqlite_new (const char  *data_dir,
                       GError     **error)
{
  g_autoptr(CrmServerSqlite) self = g_object_new (CRM_TYPE_SERVER_SQLITE, NULL);
  g_autofree char *accounts = g_build_filename (data_dir, "accounts", NULL);

  if (g_mkdir_with_parents (accounts, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the data folder %s: %s"), data_dir, g_strerror (saved));
      return NULL;
    }
  self->data_dir = g_strdup (data_dir);
  if (!open_database (self, error))
    return NULL;
  return CRM_SERVER_STORAGE (g_steal_pointer (&self));
}

/* --- account replicas ------------------------------------------------------------------- */

static char *
account_file (CrmServerSqlite *self,
              const char      *account_id)
{
  g_autofree char *name = g_strconcat (account_id, ".db", NULL);

  return g_build_filename (self->data_dir, "accounts", name, NULL);
}

/* Every op the account's replica takes is stamped with the account's key (crm-stamp.h). */
static gboolean
enable_stamps (CrmServerSqlite  *self,
               const char       *account_id,
               CrmStore         *store,
               GError          **error)
{
  g_autoptr(GBytes) key = crm_server_account_key (self->data_dir, account_id, error);

  return key != NULL && crm_store_enable_stamps (store, key, error);
}

static CrmStore *
get_replica (CrmServerSqlite  *self,
             const char       *account_id,
             GError          **error)
{
  CrmStore *store = g_hash_table_lookup (self->replicas, account_id);
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  if (store != NULL)
    return store;
  path = account_file (self, account_id);
  store = crm_store_open (path, &local_error);
  if (store == NULL)
    {
      if (g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW))
        {
          /* a rollback to an older server: say so, never "wrong password" */
          gint version = crm_replica_file_schema (path, NULL);

          g_clear_error (&local_error);
          set_too_new (&local_error, version);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!enable_stamps (self, account_id, store, error))
    {
      g_object_unref (store);
      return NULL;
    }
  g_hash_table_insert (self->replicas, g_strdup (account_id), store);
  return store;
}

sqlite3 *
crm_server_sqlite_get_db (CrmServerSqlite *self)
{
  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (self), NULL);
  return self->db;
}

CrmStore *
crm_server_sqlite_get_replica (CrmServerSqlite  *self,
                               const char       *account_id,
                               GError          **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (self), NULL);
  return get_replica (self, account_id, error);
}

static char *
lookup_account (CrmServerSqlite  *self,
                const char       *name,
                GError          **error)
{
  sqlite3_stmt *stmt = db_prepare (self, error, "SELECT id FROM account WHERE name = ?1",
                                   name, NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  if (id == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no account «%s» in %s"), name, self->data_dir);
  return id;
}

static gboolean
insert_user (CrmServerSqlite  *self,
             const char       *account_id,
             const char       *name,
             const char       *role,
             const char       *crm_user,
             const char       *password_hash,
             GError          **error)
{
  g_autofree char *id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "INSERT INTO user (id, account, name, role, crm_user, password_hash, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST (?7 AS INTEGER))",
    id, account_id, name, role, crm_user, password_hash, now, NULL);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The account already has a user named «%s»"), name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return db_failed (self, "adding a user", error);
  return TRUE;
}

static void
remove_replica_files (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
}

static gboolean
sqlite_create_account (CrmServerStorage  *storage,
                       const char        *name,
                       JsonNode          *template_root,
                       const char        *admin_name,
                       const char        *password_hash,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *account_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *path = account_file (self, account_id);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autofree char *crm_user = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *existing = NULL;
  sqlite3_stmt *stmt;

  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 100)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("An account name must be 1 to 100 characters long"));
      return FALSE;
    }
  existing = lookup_account (self, name, NULL);
  if (existing != NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("There is already an account «%s»"), name);
      return FALSE;
    }

  store = crm_store_create (path, error);
  if (store == NULL)
    return FALSE;
  if (!enable_stamps (self, account_id, store, &local_error) ||
      (template_root != NULL && !crm_template_apply (store, template_root, &local_error)) ||
      (crm_user = crm_server_replica_ensure_user (store, admin_name, "admin", &local_error)) == NULL ||
      !crm_store_set_meta (store, "server.account", name, &local_error) ||
      !crm_ledger_number_deals (store, &local_error) ||
      !db_exec (self, "BEGIN IMMEDIATE", &local_error))
    goto fail;

  stmt = db_prepare (self, &local_error,
    "INSERT INTO account (id, name, file, created_at) VALUES (?1, ?2, ?3, CAST (?4 AS INTEGER))",
    account_id, name, path, now, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "adding the account", &local_error) ||
      !insert_user (self, account_id, admin_name, "admin", crm_user, password_hash,
                    &local_error) ||
      !db_exec (self, "COMMIT", &local_error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      goto fail;
    }
  return TRUE;

fail:
  g_clear_object (&store);
  remove_replica_files (path);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static CrmServerUser *
user_from_row (sqlite3_stmt *stmt)
{
  CrmServerUser *user = g_new0 (CrmServerUser, 1);

  user->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  user->account_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  user->account_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  user->name = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  user->role = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  user->crm_user = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  user->password_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  user->disabled = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
  user->removed = sqlite3_column_type (stmt, 8) != SQLITE_NULL;
  return user;
}

#define USER_COLUMNS "u.id, u.account, a.name, u.name, u.role, u.crm_user, u.password_hash," \
                     " u.disabled_at, u.removed_at"

/* The role the account replica gives the user now. FALSE without an error: the user
 * entity was removed (in the app); FALSE with one: the account cannot be opened. */
static gboolean
refresh_role (CrmServerSqlite  *self,
              CrmServerUser    *user,
              GError          **error)
{
  CrmStore *store = get_replica (self, user->account_id, error);
  char *role;

  if (store == NULL)
    return FALSE;
  role = crm_server_replica_user_field (store, user->crm_user, FALSE);
  if (role == NULL)
    return FALSE;
  g_free (user->role);
  user->role = role;
  return TRUE;
}

/* The user @name of @account_id, a removed one too; NOT_FOUND when there is none. */
static CrmServerUser *
lookup_user (CrmServerSqlite  *self,
             const char       *account_id,
             const char       *account_name,
             const char       *name,
             GError          **error)
{
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
    " WHERE u.account = ?1 AND u.name = ?2", account_id, name, NULL);
  CrmServerUser *user = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    user = user_from_row (stmt);
  sqlite3_finalize (stmt);
  if (user == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no user «%s» in account «%s»; “voronka-server user list %s” "
                   "shows who there is"), name, account_name, account_name);
  return user;
}

/* Like lookup_user(), but a removed user is an error too. */
static CrmServerUser *
lookup_current_user (CrmServerSqlite  *self,
                     const char       *account_name,
                     const char       *name,
                     char            **out_account_id,
                     GError          **error)
{
  g_autofree char *account_id = lookup_account (self, account_name, error);
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

static gint
revoke_sessions_of (CrmServerSqlite  *self,
                    const char       *user_id,
                    GError          **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE session SET revoked_at = CAST (?2 AS INTEGER) WHERE user = ?1 AND revoked_at IS NULL",
    user_id, now, NULL);

  if (stmt == NULL || !db_step_done (self, stmt, "revoking sessions", error))
    return -1;
  return sqlite3_changes (self->db);
}

static gboolean
sqlite_add_user (CrmServerStorage  *storage,
                 const char        *account_name,
                 const char        *name,
                 const char        *role,
                 const char        *password_hash,
                 GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *account_id = lookup_account (self, account_name, error);
  g_autofree char *crm_user = NULL;
  g_autoptr(CrmServerUser) previous = NULL;
  CrmStore *store;

  if (account_id == NULL || (store = get_replica (self, account_id, error)) == NULL)
    return FALSE;
  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A user name must be 1 to 200 characters long"));
      return FALSE;
    }
  crm_user = crm_server_replica_ensure_user (store, name, role, error);
  if (crm_user == NULL)
    return FALSE;
  previous = lookup_user (self, account_id, account_name, name, NULL);
  if (previous != NULL && previous->removed)
    {
      /* someone removed comes back: the same row, a new password, no old session */
      sqlite3_stmt *stmt = db_prepare (self, error,
        "UPDATE user SET role = ?2, crm_user = ?3, password_hash = ?4, disabled_at = NULL,"
        " removed_at = NULL WHERE id = ?1", previous->id, role, crm_user, password_hash, NULL);

      return stmt != NULL && db_step_done (self, stmt, "adding a user again", error);
    }
  return insert_user (self, account_id, name, role, crm_user, password_hash, error);
}

static GPtrArray *
sqlite_find_users (CrmServerStorage  *storage,
                   const char        *name,
                   const char        *account_name,
                   GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_user_free);
  g_autoptr(GError) local_error = NULL;
  /* removed users are no one's: their name may sign in nowhere and be added again */
  sqlite3_stmt *stmt = account_name != NULL
    ? db_prepare (self, error, "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
                  " WHERE u.name = ?1 AND a.name = ?2 AND u.removed_at IS NULL",
                  name, account_name, NULL)
    : db_prepare (self, error, "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
                  " WHERE u.name = ?1 AND u.removed_at IS NULL", name, NULL);

  if (stmt == NULL)
    return NULL;
  while (local_error == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      CrmServerUser *user = user_from_row (stmt);

      if (refresh_role (self, user, &local_error))
        g_ptr_array_add (users, user);
      else
        crm_server_user_free (user);
    }
  sqlite3_finalize (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&users);
}

/* The server user a device id belongs to in @user's account (NULL: nobody's yet). */
static char *
device_owner (CrmServerSqlite     *self,
              const CrmServerUser *user,
              const char          *device,
              GError             **error)
{
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT user FROM device WHERE account = ?1 AND id = ?2", user->account_id, device, NULL);
  char *owner = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    owner = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return owner;
}

static gboolean
device_is_usable (CrmServerSqlite     *self,
                  const CrmServerUser *user,
                  const char          *device,
                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *owner = device_owner (self, user, device, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (owner == NULL || g_str_equal (owner, user->id))
    return TRUE;
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED,
               _("This replica already syncs as another user of the account, so %s cannot sign "
                 "in with it; sign in with a new replica file (the account is copied from the "
                 "server)"), user->name);
  return FALSE;
}

/* CrmServerDeviceFunc: is @device @user's? One nobody has used yet becomes @user's. */
static gboolean
device_of_user (const CrmServerUser *user,
                const char          *device,
                gpointer             data)
{
  CrmServerSqlite *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = device_owner (self, user, device, &error);
  g_autofree char *now = NULL;
  sqlite3_stmt *stmt;

  if (error != NULL)
    {
      g_warning ("Checking device %s: %s", device, error->message);
      return FALSE;
    }
  if (owner != NULL)
    return g_str_equal (owner, user->id);
  now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  stmt = db_prepare (self, &error,
    "INSERT OR IGNORE INTO device (account, id, user, name, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, '', CAST (?4 AS INTEGER), CAST (?4 AS INTEGER))",
    user->account_id, device, user->id, now, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "recording a device", &error))
    g_warning ("Recording device %s: %s", device, error->message);
  return TRUE;
}

static gboolean
sqlite_create_session (CrmServerStorage    *storage,
                       const CrmServerUser *user,
                       const char          *token_hash,
                       const char          *device,
                       const char          *device_name,
                       gint64               expires,
                       GError             **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autofree char *expires_text = g_strdup_printf ("%" G_GINT64_FORMAT, expires);
  sqlite3_stmt *stmt;

  /* a device id belongs to the first user who used it: another user cannot take it
   * over (and push as that device) by signing in with it */
  if (device != NULL && !device_is_usable (self, user, device, error))
    return FALSE;
  stmt = db_prepare (self, error,
    "INSERT INTO session (token_hash, user, created_at, expires_at, device, device_name)"
    " VALUES (?1, ?2, CAST (?3 AS INTEGER), CAST (?4 AS INTEGER), ?5, ?6)",
    token_hash, user->id, now, expires_text, device ? device : "", device_name ? device_name : "",
    NULL);

  if (stmt == NULL || !db_step_done (self, stmt, "creating a session", error))
    return FALSE;
  if (device == NULL)
    return TRUE;
  stmt = db_prepare (self, error,
    "INSERT INTO device (account, id, user, name, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, CAST (?5 AS INTEGER), CAST (?5 AS INTEGER))"
    " ON CONFLICT (account, id) DO UPDATE SET name = excluded.name,"
    " last_seen = excluded.last_seen WHERE user = excluded.user",
    user->account_id, device, user->id, device_name ? device_name : "", now, NULL);
  return stmt != NULL && db_step_done (self, stmt, "recording the device", error);
}

static CrmServerUser *
sqlite_lookup_session (CrmServerStorage  *storage,
                       const char        *token_hash,
                       gint64             now,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  /* read from server.db at every request, so a user disabled by an admin command while
   * the server runs is refused at the next one */
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT " USER_COLUMNS ", s.revoked_at IS NULL AND s.expires_at > CAST (?2 AS INTEGER)"
    " FROM session s JOIN user u ON u.id = s.user JOIN account a ON a.id = u.account"
    " WHERE s.token_hash = ?1", token_hash, now_text, NULL);
  CrmServerUser *user = NULL;
  gboolean valid = FALSE;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      user = user_from_row (stmt);
      valid = sqlite3_column_int (stmt, 9) != 0;
    }
  sqlite3_finalize (stmt);
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
sqlite_revoke_session (CrmServerStorage  *storage,
                       const char        *token_hash,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE session SET revoked_at = CAST (?2 AS INTEGER) WHERE token_hash = ?1"
    " AND revoked_at IS NULL", token_hash, now, NULL);

  return stmt != NULL && db_step_done (self, stmt, "revoking a session", error);
}

static gint
sqlite_revoke_user (CrmServerStorage  *storage,
                    const char        *account_name,
                    const char        *name,
                    GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);

  if (user == NULL)
    return -1;
  return revoke_sessions_of (self, user->id, error);
}

/* --- a user's life: list, disable, enable, password, remove ------------------------------ */

static JsonArray *
sqlite_list_users (CrmServerStorage  *storage,
                   const char        *account_name,
                   const char        *name,
                   GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *account_id = lookup_account (self, account_name, error);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(CrmServerUser) one = NULL;
  sqlite3_stmt *stmt;
  CrmStore *store;

  if (account_id == NULL || (store = get_replica (self, account_id, error)) == NULL)
    return NULL;
  if (name != NULL && (one = lookup_user (self, account_id, account_name, name, error)) == NULL)
    return NULL;
  stmt = db_prepare (self, error,
    "SELECT u.name, u.role, u.crm_user, u.created_at, u.disabled_at, u.removed_at,"
    " (SELECT count(*) FROM session s WHERE s.user = u.id AND s.revoked_at IS NULL"
    "   AND s.expires_at > CAST (?2 AS INTEGER)),"
    " (SELECT max (d.last_seen) FROM device d WHERE d.account = u.account AND d.user = u.id)"
    " FROM user u WHERE u.account = ?1 AND (?3 IS NULL OR u.name = ?3) ORDER BY u.name",
    account_id, now, NULL);
  if (stmt == NULL)
    return NULL;
  if (name != NULL)
    sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *user = crm_server_replica_user_row (store,
        (const char *) sqlite3_column_text (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
        (const char *) sqlite3_column_text (stmt, 2), sqlite3_column_int64 (stmt, 3),
        sqlite3_column_type (stmt, 4) != SQLITE_NULL, sqlite3_column_type (stmt, 5) != SQLITE_NULL,
        sqlite3_column_int64 (stmt, 6), sqlite3_column_int64 (stmt, 7));

      json_array_add_object_element (list, user);
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&list);
}

static gint
sqlite_set_user_disabled (CrmServerStorage  *storage,
                          const char        *account_name,
                          const char        *name,
                          gboolean           disabled,
                          GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt;
  gint revoked = 0;

  if (user == NULL || !db_exec (self, "BEGIN IMMEDIATE", error))
    return -1;
  stmt = disabled
    ? db_prepare (self, error, "UPDATE user SET disabled_at = coalesce (disabled_at, CAST (?2 AS"
                  " INTEGER)) WHERE id = ?1", user->id, now, NULL)
    : db_prepare (self, error, "UPDATE user SET disabled_at = NULL WHERE id = ?1", user->id, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "changing a user", error) ||
      (disabled && (revoked = revoke_sessions_of (self, user->id, error)) < 0) ||
      !db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
  return revoked;
}

static gint
sqlite_set_password (CrmServerStorage  *storage,
                     const char        *account_name,
                     const char        *name,
                     const char        *password_hash,
                     GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);
  sqlite3_stmt *stmt;
  gint revoked;

  if (user == NULL || !db_exec (self, "BEGIN IMMEDIATE", error))
    return -1;
  stmt = db_prepare (self, error, "UPDATE user SET password_hash = ?2 WHERE id = ?1",
                     user->id, password_hash, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "changing a password", error) ||
      (revoked = revoke_sessions_of (self, user->id, error)) < 0 ||
      !db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
  return revoked;
}

static gboolean
sqlite_remove_user (CrmServerStorage   *storage,
                    const char         *account_name,
                    const char         *name,
                    const char         *reassign_to,
                    CrmReassignCounts  *out_counts,
                    GError            **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autofree char *account_id = NULL;
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, &account_id,
                                                       error);
  g_autoptr(CrmServerUser) heir = NULL;
  g_autofree char *heir_entity = NULL;
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt;
  CrmStore *store;

  if (user == NULL)
    return FALSE;
  if (g_str_equal (name, reassign_to))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("--reassign-to names the user being removed; name a colleague who "
                     "takes over «%s»'s deals and tasks"), name);
      return FALSE;
    }
  if ((store = get_replica (self, account_id, error)) == NULL)
    return FALSE;
  heir = lookup_user (self, account_id, account_name, reassign_to, NULL);
  heir_entity = crm_server_replica_heir (store, heir, reassign_to, account_name, error);
  if (heir_entity == NULL)
    return FALSE;

  /* the work first (through the replica's write path: laptops get it by sync), then
   * the sign-in: a failure in between leaves a user who can still be removed again */
  if (!crm_user_reassign (store, user->crm_user, heir_entity, NULL, out_counts, error) ||
      !db_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = db_prepare (self, error, "UPDATE user SET removed_at = CAST (?2 AS INTEGER) WHERE id = ?1",
                     user->id, now, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "removing a user", error) ||
      revoke_sessions_of (self, user->id, error) < 0 ||
      !db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* --- sync -------------------------------------------------------------------------------- */

static guint64
sqlite_now_hlc (CrmServerStorage    *storage,
                const CrmServerUser *user)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (storage), user->account_id, NULL);

  return store != NULL ? crm_ledger_next_hlc (store) : 0;
}

/* The account's files live beside its replica, as on a laptop: "<replica>.files/". */
static char *
sqlite_files_folder (CrmServerStorage    *storage,
                     const CrmServerUser *user,
                     GError             **error)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (storage), user->account_id, error);

  return store != NULL ? crm_attachment_dup_folder (store) : NULL;
}

void
crm_server_sqlite_set_account_quota (CrmServerSqlite *self,
                                     gint64           bytes)
{
  g_return_if_fail (CRM_IS_SERVER_SQLITE (self));
  self->account_quota = MAX (bytes, 0);
}

static gboolean
sqlite_push (CrmServerStorage    *storage,
             const CrmServerUser *user,
             gint64               base,
             GPtrArray           *ops,
             GPtrArray          **out_results,
             gint64              *out_head,
             GError             **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  CrmStore *store = get_replica (self, user->account_id, error);

  if (store == NULL ||
      !crm_server_replica_check_quota (store, user, self->account_quota, error))
    return FALSE;
  return crm_server_replica_push (store, user, device_of_user, self, base, ops, out_results,
                                  out_head, error);
}

static char *
sqlite_pull (CrmServerStorage    *storage,
             const CrmServerUser *user,
             gint64               since,
             guint                limit,
             guint64              hlc,
             gsize               *out_length,
             GError             **error)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (storage), user->account_id, error);

  return store != NULL ? crm_server_replica_pull (store, since, limit, hlc, out_length, error)
                       : NULL;
}

static gboolean
sqlite_epoch (CrmServerStorage    *storage,
              const CrmServerUser *user,
              const char          *client_epoch,
              char               **out_epoch,
              gint64              *out_shared,
              gint64              *out_head,
              char               **out_device,
              GError             **error)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (storage), user->account_id, error);

  return store != NULL && crm_server_replica_epoch (store, client_epoch, out_epoch, out_shared,
                                                    out_head, out_device, error);
}

static void
sqlite_snapshot_async (CrmServerStorage    *storage,
                       const CrmServerUser *user,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = account_file (self, user->account_id);
  g_autofree char *cache = g_build_filename (self->data_dir, "snapshots", NULL);
  CrmStore *store = get_replica (self, user->account_id, &error);

  if (store == NULL)
    g_task_report_error (self, callback, user_data, NULL, g_steal_pointer (&error));
  else
    crm_server_replica_snapshot_async (self, store, path, cache, user->account_id, cancellable,
                                       callback, user_data);
}

static CrmServerSnapshot *
sqlite_snapshot_finish (CrmServerStorage  *storage,
                        GAsyncResult      *result,
                        GError           **error)
{
  return crm_server_replica_snapshot_finish (result, error);
}

/* Keeps a recent snapshot of the account ready (made in the background), so a new
 * device downloads one instead of waiting while it is made. */
static void
prepare_snapshot (CrmServerSqlite *self,
                  const char      *account_id,
                  CrmStore        *store)
{
  g_autofree char *path = account_file (self, account_id);
  g_autofree char *cache = g_build_filename (self->data_dir, "snapshots", NULL);

  crm_server_snapshot_make_async (path, cache, account_id, crm_ledger_head (store),
                                  CRM_SERVER_SNAPSHOT_MAX_AGE - 60, 0, NULL, NULL, NULL);
}

static void
sqlite_prepare_snapshots (CrmServerStorage *storage)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = db_prepare (self, NULL, "SELECT id FROM account ORDER BY name", NULL);

  if (stmt == NULL)
    return;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) error = NULL;
      CrmStore *store = get_replica (self, ids->pdata[i], &error);

      if (store != NULL)
        prepare_snapshot (self, ids->pdata[i], store);
      else
        g_warning ("Account %s: %s", (char *) ids->pdata[i], error->message);
    }
}

static gboolean
sqlite_tick (CrmServerStorage  *storage,
             gint64             now,
             guint             *out_fired,
             GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = db_prepare (self, error, "SELECT id FROM account ORDER BY name", NULL);
  gboolean ok = TRUE;

  *out_fired = 0;
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      CrmStore *store = get_replica (self, ids->pdata[i], &local_error);
      guint fired = 0;

      if (store != NULL)
        {
          crm_server_replica_tick (store, now, &fired, &local_error);
          prepare_snapshot (self, ids->pdata[i], store);
        }
      if (local_error != NULL)
        {
          /* one account's failure must not stop the others' timers */
          g_warning ("Timer rules of account %s failed: %s", (char *) ids->pdata[i],
                     local_error->message);
          ok = FALSE;
          continue;
        }
      *out_fired += fired;
    }
  if (!ok)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("Timer rules failed in some accounts (see the log)"));
  return ok;
}

/* One account: the server's replica opens, and the file on disk is still a database of a
 * schema this server knows (a file replaced or damaged while serving shows up here). */
static char *
check_account (CrmServerSqlite *self,
               const char      *account_id,
               const char      *account_name)
{
  g_autofree char *path = account_file (self, account_id);
  g_autoptr(GError) error = NULL;
  gint version;

  if (get_replica (self, account_id, &error) == NULL)
    return g_strdup_printf (_("account «%s» (%s): %s"), account_name, path, error->message);
  version = crm_replica_file_schema (path, &error);
  if (version < 0)
    return g_strdup_printf (_("account «%s» (%s): %s"), account_name, path, error->message);
  if (version > CRM_SCHEMA_VERSION)
    return g_strdup_printf (_("account «%s» (%s): written by a newer Voronka (schema %d; "
                              "this server knows up to %d)"), account_name, path,
                            version, CRM_SCHEMA_VERSION);
  return NULL;
}

static gboolean
sqlite_check (CrmServerStorage  *storage,
              GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (storage);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *probe = g_build_filename (self->data_dir, ".ready-probe", NULL);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  /* the storage takes writes: server.db's write lock, and a file in the data folder */
  if (!db_exec (self, "BEGIN IMMEDIATE", &local_error) ||
      !db_exec (self, "ROLLBACK", &local_error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      g_ptr_array_add (problems, g_strdup (local_error->message));
      g_clear_error (&local_error);
    }
  if (!g_file_set_contents_full (probe, "", 0, G_FILE_SET_CONTENTS_NONE, 0600, &local_error))
    {
      g_ptr_array_add (problems, g_strdup_printf (_("the data folder %s is not writable: %s"),
                                                  self->data_dir, local_error->message));
      g_clear_error (&local_error);
    }
  g_unlink (probe);

  stmt = db_prepare (self, &local_error, "SELECT id, name FROM account ORDER BY name", NULL);
  if (stmt == NULL)
    g_ptr_array_add (problems, g_strdup (local_error->message));
  else
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_ptr_array_add (accounts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
          g_ptr_array_add (accounts, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
        }
      sqlite3_finalize (stmt);
    }
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    {
      char *problem = check_account (self, accounts->pdata[i], accounts->pdata[i + 1]);

      if (problem != NULL)
        g_ptr_array_add (problems, problem);
    }
  if (problems->len == 0)
    return TRUE;
  g_ptr_array_add (problems, NULL);
  {
    g_autofree char *all = g_strjoinv ("; ", (char **) problems->pdata);

    g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR, all);
  }
  return FALSE;
}

static void
storage_iface_init (CrmServerStorageInterface *iface)
{
  iface->create_account = sqlite_create_account;
  iface->add_user = sqlite_add_user;
  iface->find_users = sqlite_find_users;
  iface->create_session = sqlite_create_session;
  iface->lookup_session = sqlite_lookup_session;
  iface->revoke_session = sqlite_revoke_session;
  iface->revoke_user = sqlite_revoke_user;
  iface->list_users = sqlite_list_users;
  iface->set_user_disabled = sqlite_set_user_disabled;
  iface->set_password = sqlite_set_password;
  iface->remove_user = sqlite_remove_user;
  iface->now_hlc = sqlite_now_hlc;
  iface->push = sqlite_push;
  iface->pull = sqlite_pull;
  iface->snapshot_async = sqlite_snapshot_async;
  iface->snapshot_finish = sqlite_snapshot_finish;
  iface->tick = sqlite_tick;
  iface->prepare_snapshots = sqlite_prepare_snapshots;
  iface->check = sqlite_check;
  iface->epoch = sqlite_epoch;
  iface->files_folder = sqlite_files_folder;
}

/* --- moving an account to another storage (voronka-server migrate) ---------------------- */

static JsonArray *
rows_of (CrmServerSqlite  *self,
         const char       *sql,
         const char       *account_id,
         GError          **error)
{
  sqlite3_stmt *stmt = db_prepare (self, error, sql, account_id, NULL);
  g_autoptr(JsonArray) rows = json_array_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonArray *row = json_array_new ();

      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
          json_array_add_null_element (row);
        else
          json_array_add_string_element (row, (const char *) sqlite3_column_text (stmt, i));
      json_array_add_array_element (rows, row);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_failed (self, "reading an account's users", error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

JsonObject *
crm_server_sqlite_export_account (CrmServerSqlite  *self,
                                  const char       *name,
                                  GError          **error)
{
  g_autofree char *account_id = NULL;
  g_autoptr(JsonObject) rows = json_object_new ();
  JsonArray *table;

  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (self), NULL);

  if ((account_id = lookup_account (self, name, error)) == NULL)
    return NULL;
  json_object_set_string_member (rows, "id", account_id);
  if ((table = rows_of (self, "SELECT created_at FROM account WHERE id = ?1", account_id,
                        error)) == NULL)
    return NULL;
  json_object_set_array_member (rows, "account", table);
  if ((table = rows_of (self, CRM_SERVER_EXPORT_USER_COLUMNS " FROM user WHERE account = ?1",
                        account_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (rows, "users", table);
  if ((table = rows_of (self, CRM_SERVER_EXPORT_SESSION_COLUMNS " FROM session WHERE user IN"
                        " (SELECT id FROM user WHERE account = ?1)", account_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (rows, "sessions", table);
  if ((table = rows_of (self, CRM_SERVER_EXPORT_DEVICE_COLUMNS " FROM device WHERE account = ?1",
                        account_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (rows, "devices", table);
  return g_steal_pointer (&rows);
}

const char *
crm_server_sqlite_get_data_dir (CrmServerSqlite *self)
{
  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (self), NULL);
  return self->data_dir;
}
