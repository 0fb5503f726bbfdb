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
#include "crm-server-backend.h"
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
  CrmServerBackend parent_instance;

  char       *data_dir;
  sqlite3    *db;
  GHashTable *replicas;   /* account id → CrmStore* */
};

G_DEFINE_FINAL_TYPE (CrmServerSqlite, crm_server_sqlite, CRM_TYPE_SERVER_BACKEND)

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

/* Step 4: one-time invitations (`user invite`): only the SHA-256 of the code is kept. */
static const char migrate_to_4[] =
  "CREATE TABLE invite (code_hash TEXT PRIMARY KEY NOT NULL,"
  " account TEXT NOT NULL REFERENCES account (id), name TEXT NOT NULL, role TEXT NOT NULL,"
  " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);";

/* Step 5: who made an invitation (a user's name; NULL: the server's command line). */
static const char migrate_to_5[] =
  "ALTER TABLE invite ADD COLUMN invited_by TEXT;";

static const char *const migrations[] = {
  migrate_to_1,
  migrate_to_2,
  crm_server_mailboxes_migration,
  migrate_to_4,
  migrate_to_5,
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
  crm_server_backend_set_data_dir (CRM_SERVER_BACKEND (self), data_dir);
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
  /* a push is acknowledged when its transaction commits: that commit must survive a
   * power cut, or a laptop would hold ops "on the server" the server no longer has */
  if (!crm_store_set_durable (store, error) ||
      !enable_stamps (self, account_id, store, error))
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
sqlite_lookup_account (CrmServerBackend  *backend,
                       const char        *name,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
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

static GPtrArray *
sqlite_list_accounts (CrmServerBackend  *backend,
                      GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = db_prepare (self, error, "SELECT id, name FROM account ORDER BY name",
                                   NULL);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (accounts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (accounts, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_failed (self, "listing the accounts", error);
      return NULL;
    }
  return g_steal_pointer (&accounts);
}

static gboolean
sqlite_insert_user (CrmServerBackend  *backend,
                    const char        *account_id,
                    const char        *name,
                    const char        *role,
                    const char        *crm_user,
                    const char        *password_hash,
                    GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
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
      crm_server_backend_user_exists (error, name);
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

static CrmStore *
sqlite_new_replica (CrmServerBackend  *backend,
                    const char        *account_id,
                    GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *path = account_file (self, account_id);
  g_autoptr(CrmStore) store = crm_store_create (path, error);

  if (store == NULL)
    return NULL;
  /* a push is acknowledged when its transaction commits: that commit must survive a
   * power cut, or a laptop would hold ops "on the server" the server no longer has */
  if (!crm_store_set_durable (store, error) ||
      !enable_stamps (self, account_id, store, error))
    {
      g_clear_object (&store);
      remove_replica_files (path);
      return NULL;
    }
  return g_steal_pointer (&store);
}

static void
sqlite_discard_replica (CrmServerBackend *backend,
                        const char       *account_id)
{
  g_autofree char *path = account_file (CRM_SERVER_SQLITE (backend), account_id);

  g_hash_table_remove (CRM_SERVER_SQLITE (backend)->replicas, account_id);
  remove_replica_files (path);
}

static gboolean
sqlite_insert_account (CrmServerBackend  *backend,
                       const char        *account_id,
                       const char        *name,
                       CrmStore          *store,
                       const char        *admin_name,
                       const char        *crm_user,
                       const char        *password_hash,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *path = account_file (self, account_id);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt;

  if (!db_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = db_prepare (self, error,
    "INSERT INTO account (id, name, file, created_at) VALUES (?1, ?2, ?3, CAST (?4 AS INTEGER))",
    account_id, name, path, now, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "adding the account", error) ||
      !sqlite_insert_user (backend, account_id, admin_name, "admin", crm_user, password_hash,
                           error) ||
      !db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
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

/* Every user of @stmt's rows; NULL with @error when a step fails. */
static GPtrArray *
users_of (CrmServerSqlite  *self,
          sqlite3_stmt     *stmt,
          GError          **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_user_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, user_from_row (stmt));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_failed (self, "reading users", error);
      return NULL;
    }
  return g_steal_pointer (&users);
}

static CrmServerUser *
sqlite_find_user (CrmServerBackend  *backend,
                  const char        *account_id,
                  const char        *name,
                  GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
    " WHERE u.account = ?1 AND u.name = ?2", account_id, name, NULL);
  g_autoptr(GPtrArray) users = stmt != NULL ? users_of (self, stmt, error) : NULL;

  return users != NULL && users->len > 0 ? g_ptr_array_steal_index (users, 0) : NULL;
}

static GPtrArray *
sqlite_find_users (CrmServerBackend  *backend,
                   const char        *name,
                   const char        *account_name,
                   GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  /* removed users are no one's: their name may sign in nowhere and be added again */
  sqlite3_stmt *stmt = account_name != NULL
    ? db_prepare (self, error, "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
                  " WHERE u.name = ?1 AND a.name = ?2 AND u.removed_at IS NULL",
                  name, account_name, NULL)
    : db_prepare (self, error, "SELECT " USER_COLUMNS " FROM user u JOIN account a ON a.id = u.account"
                  " WHERE u.name = ?1 AND u.removed_at IS NULL", name, NULL);

  return stmt != NULL ? users_of (self, stmt, error) : NULL;
}

static gboolean
sqlite_restore_user (CrmServerBackend  *backend,
                     const char        *user_id,
                     const char        *role,
                     const char        *crm_user,
                     const char        *password_hash,
                     GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE user SET role = ?2, crm_user = ?3, password_hash = ?4, disabled_at = NULL,"
    " removed_at = NULL WHERE id = ?1", user_id, role, crm_user, password_hash, NULL);

  return stmt != NULL && db_step_done (self, stmt, "adding a user again", error);
}

static gint
sqlite_revoke_sessions (CrmServerBackend  *backend,
                        const char        *user_id,
                        GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE session SET revoked_at = CAST (?2 AS INTEGER) WHERE user = ?1 AND revoked_at IS NULL",
    user_id, now, NULL);

  if (stmt == NULL || !db_step_done (self, stmt, "revoking sessions", error))
    return -1;
  return sqlite3_changes (self->db);
}

static gint
sqlite_change_user (CrmServerBackend     *backend,
                    const char           *user_id,
                    CrmServerUserChange   change,
                    const char           *value,
                    GError              **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  static const char *const sql[] = {
    [CRM_SERVER_USER_DISABLE] = "UPDATE user SET disabled_at = coalesce (disabled_at,"
                                " CAST (?2 AS INTEGER)) WHERE id = ?1",
    [CRM_SERVER_USER_ENABLE] = "UPDATE user SET disabled_at = NULL WHERE id = ?1",
    [CRM_SERVER_USER_PASSWORD] = "UPDATE user SET password_hash = ?2 WHERE id = ?1",
    [CRM_SERVER_USER_REMOVE] = "UPDATE user SET removed_at = CAST (?2 AS INTEGER) WHERE id = ?1",
  };
  sqlite3_stmt *stmt;
  gint revoked = 0;

  if (!db_exec (self, "BEGIN IMMEDIATE", error))
    return -1;
  stmt = db_prepare (self, error, sql[change], user_id, value, NULL);
  if (stmt == NULL || !db_step_done (self, stmt, "changing a user", error) ||
      (change != CRM_SERVER_USER_ENABLE &&
       (revoked = sqlite_revoke_sessions (backend, user_id, error)) < 0) ||
      !db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
  return revoked;
}

static JsonArray *
sqlite_list_users (CrmServerBackend  *backend,
                   const char        *account_id,
                   const char        *name,
                   CrmStore          *store,
                   GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt = db_prepare (self, error,
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

/* --- sessions and devices ---------------------------------------------------------------- */

static char *
sqlite_device_owner (CrmServerBackend  *backend,
                     const char        *account_id,
                     const char        *device,
                     GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT user FROM device WHERE account = ?1 AND id = ?2", account_id, device, NULL);
  char *owner = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    owner = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return owner;
}

static gboolean
sqlite_claim_device (CrmServerBackend  *backend,
                     const char        *account_id,
                     const char        *device,
                     const char        *user_id,
                     GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "INSERT OR IGNORE INTO device (account, id, user, name, first_seen, last_seen)"
    " VALUES (?1, ?2, ?3, '', CAST (?4 AS INTEGER), CAST (?4 AS INTEGER))",
    account_id, device, user_id, now, NULL);

  return stmt != NULL && db_step_done (self, stmt, "recording a device", error);
}

static gboolean
sqlite_insert_session (CrmServerBackend    *backend,
                       const CrmServerUser *user,
                       const char          *token_hash,
                       const char          *device,
                       const char          *device_name,
                       gint64               expires,
                       GError             **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autofree char *expires_text = g_strdup_printf ("%" G_GINT64_FORMAT, expires);
  sqlite3_stmt *stmt = db_prepare (self, error,
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
sqlite_session_user (CrmServerBackend  *backend,
                     const char        *token_hash,
                     gint64             now,
                     gboolean          *out_valid,
                     GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT " USER_COLUMNS ", s.revoked_at IS NULL AND s.expires_at > CAST (?2 AS INTEGER)"
    " FROM session s JOIN user u ON u.id = s.user JOIN account a ON a.id = u.account"
    " WHERE s.token_hash = ?1", token_hash, now_text, NULL);
  CrmServerUser *user = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      user = user_from_row (stmt);
      *out_valid = sqlite3_column_int (stmt, 9) != 0;
    }
  sqlite3_finalize (stmt);
  return user;
}

static gboolean
sqlite_revoke_session (CrmServerBackend  *backend,
                       const char        *token_hash,
                       GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE session SET revoked_at = CAST (?2 AS INTEGER) WHERE token_hash = ?1"
    " AND revoked_at IS NULL", token_hash, now, NULL);

  return stmt != NULL && db_step_done (self, stmt, "revoking a session", error);
}

/* --- the replicas ------------------------------------------------------------------------ */

static CrmStore *
sqlite_get_replica (CrmServerBackend  *backend,
                    const char        *account_id,
                    GError           **error)
{
  return get_replica (CRM_SERVER_SQLITE (backend), account_id, error);
}

/* A write to the replica file is atomic by itself (crm_store_apply's transaction). */
static gboolean
sqlite_write_replica (CrmServerBackend   *backend,
                      const char         *account_id,
                      CrmServerWriteFunc  func,
                      gpointer            data,
                      GError            **error)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (backend), account_id, error);

  return store != NULL && func (backend, store, data, error);
}

static char *
sqlite_replica_file (CrmServerBackend *backend,
                     const char       *account_id)
{
  return account_file (CRM_SERVER_SQLITE (backend), account_id);
}

static char *
sqlite_snapshot_folder (CrmServerBackend *backend)
{
  return g_build_filename (CRM_SERVER_SQLITE (backend)->data_dir, "snapshots", NULL);
}

/* The account's files live beside its replica, as on a laptop: "<replica>.files/". */
static char *
sqlite_files_folder (CrmServerBackend  *backend,
                     const char        *account_id,
                     GError           **error)
{
  CrmStore *store = get_replica (CRM_SERVER_SQLITE (backend), account_id, error);

  return store != NULL ? crm_attachment_dup_folder (store) : NULL;
}

/* One account: the server's replica opens, and the file on disk is still a database of a
 * schema this server knows (a file replaced or damaged while serving shows up here). */
static char *
sqlite_check_account (CrmServerBackend *backend,
                      const char       *account_id,
                      const char       *account_name)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
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

/* The storage takes writes: server.db's write lock, and a file in the data folder. */
static void
sqlite_check_storage (CrmServerBackend *backend,
                      GPtrArray        *problems)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *probe = g_build_filename (self->data_dir, ".ready-probe", NULL);
  g_autoptr(GError) local_error = NULL;

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
}

/* --- invitations ------------------------------------------------------------------------- */

static gboolean
sqlite_insert_invite (CrmServerBackend  *backend,
                      const char        *account_id,
                      const char        *code_hash,
                      const char        *name,
                      const char        *role,
                      gint64             expires_at,
                      const char        *invited_by,
                      GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, expires_at);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "INSERT INTO invite (code_hash, account, name, role, created_at, expires_at, invited_by)"
    " VALUES (?1, ?2, ?3, ?4, CAST (?5 AS INTEGER), CAST (?6 AS INTEGER), nullif (?7, ''))",
    code_hash, account_id, name, role, now, expires, invited_by, NULL);

  return stmt != NULL && db_step_done (self, stmt, "adding an invitation", error);
}

static CrmServerInvite *
sqlite_find_invite (CrmServerBackend  *backend,
                    const char        *code_hash,
                    GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "SELECT i.account, a.name, i.name, i.role, i.created_at, i.expires_at,"
    " coalesce (i.used_at, 0) FROM invite i JOIN account a ON a.id = i.account"
    " WHERE i.code_hash = ?1", code_hash, NULL);
  CrmServerInvite *invite = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      invite = g_new0 (CrmServerInvite, 1);
      invite->account_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      invite->account_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      invite->name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      invite->role = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      invite->created_at = sqlite3_column_int64 (stmt, 4);
      invite->expires_at = sqlite3_column_int64 (stmt, 5);
      invite->used_at = sqlite3_column_int64 (stmt, 6);
    }
  else if (rc != SQLITE_DONE)
    db_failed (self, "reading an invitation", error);
  sqlite3_finalize (stmt);
  return invite;
}

static gint
sqlite_use_invite (CrmServerBackend  *backend,
                   const char        *code_hash,
                   gint64             now,
                   GError           **error)
{
  CrmServerSqlite *self = CRM_SERVER_SQLITE (backend);
  g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  sqlite3_stmt *stmt = db_prepare (self, error,
    "UPDATE invite SET used_at = CAST (?2 AS INTEGER) WHERE code_hash = ?1 AND used_at IS NULL",
    code_hash, when, NULL);

  if (stmt == NULL || !db_step_done (self, stmt, "using an invitation", error))
    return -1;
  return sqlite3_changes (self->db);
}

static void
crm_server_sqlite_class_init (CrmServerSqliteClass *klass)
{
  CrmServerBackendClass *backend_class = CRM_SERVER_BACKEND_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = crm_server_sqlite_finalize;
  backend_class->lookup_account = sqlite_lookup_account;
  backend_class->list_accounts = sqlite_list_accounts;
  backend_class->new_replica = sqlite_new_replica;
  backend_class->insert_account = sqlite_insert_account;
  backend_class->discard_replica = sqlite_discard_replica;
  backend_class->get_replica = sqlite_get_replica;
  backend_class->write_replica = sqlite_write_replica;
  backend_class->replica_file = sqlite_replica_file;
  backend_class->snapshot_folder = sqlite_snapshot_folder;
  backend_class->files_folder = sqlite_files_folder;
  backend_class->find_user = sqlite_find_user;
  backend_class->find_users = sqlite_find_users;
  backend_class->insert_user = sqlite_insert_user;
  backend_class->restore_user = sqlite_restore_user;
  backend_class->change_user = sqlite_change_user;
  backend_class->revoke_sessions = sqlite_revoke_sessions;
  backend_class->list_users = sqlite_list_users;
  backend_class->insert_session = sqlite_insert_session;
  backend_class->session_user = sqlite_session_user;
  backend_class->revoke_session = sqlite_revoke_session;
  backend_class->device_owner = sqlite_device_owner;
  backend_class->claim_device = sqlite_claim_device;
  backend_class->check_storage = sqlite_check_storage;
  backend_class->check_account = sqlite_check_account;
  backend_class->insert_invite = sqlite_insert_invite;
  backend_class->find_invite = sqlite_find_invite;
  backend_class->use_invite = sqlite_use_invite;
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

  if ((account_id = sqlite_lookup_account (CRM_SERVER_BACKEND (self), name, error)) == NULL)
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
  /* invitations not used yet stay valid after the move */
  if ((table = rows_of (self, CRM_SERVER_EXPORT_INVITE_COLUMNS " FROM invite WHERE account = ?1",
                        account_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (rows, "invites", table);
  return g_steal_pointer (&rows);
}

const char *
crm_server_sqlite_get_data_dir (CrmServerSqlite *self)
{
  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (self), NULL);
  return self->data_dir;
}
