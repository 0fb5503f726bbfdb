/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-backup.c — backups, restores, and what lets laptops tell a restored server.
 *
 * A backup (`voronka-server --data DIR backup DEST`) is a folder: server.db and every
 * account replica copied with SQLite's online backup API (each one a consistent state,
 * while the server keeps serving), each account's stamp key, tls/, and backup.json naming
 * the accounts with their head and incarnation, and each account's attached files
 * ("ACCOUNT.db.files/", linked or copied). It is written beside DEST and renamed into
 * place when complete.
 *
 * A restore (`restore FROM`) needs the server stopped (serve holds DATA/serve.lock). It
 * puts each account replica of the backup in place (the files it replaces are moved to
 * DATA/before-restore-TIME/) with the backup's attached files the folder lacks (the ones
 * it has stay), and gives each restored account a new incarnation: every
 * push and pull answer names the incarnation, so a laptop that synced with the lost one
 * is told (410 server-restored) how much of its history the restored server shares, sends
 * the ops after that again — its own and the stamped ones it pulled from others — and
 * then installs a fresh copy. Who may sign in is the data folder's business, not the
 * backup's: a server.db already in DATA is kept (revoked sessions stay revoked, removed
 * or disabled users stay so, passwords stay the newest), and takes only the accounts it
 * does not know from the backup; a folder without one takes the backup's. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sodium.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "crm-server-admin.h"
#include "crm-server-backup.h"
#include "crm-server-db.h"
#include "crm-server-pg.h"
#include "crm-ledger.h"
#include "crm-protocol.h"
#include "crm-replica-file.h"
#include "crm-stamp.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define MANIFEST "backup.json"

/* --- the stamp key ------------------------------------------------------------------------ */

GBytes *
crm_server_account_key (const char  *data_dir,
                        const char  *account_id,
                        GError     **error)
{
  g_autofree char *name = g_strconcat (account_id, ".key", NULL);
  g_autofree char *path = g_build_filename (data_dir, "accounts", name, NULL);
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autofree char *contents = NULL;
  guint8 key[CRM_STAMP_KEY_SIZE];
  gsize length = 0;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      if (g_file_get_contents (path, &contents, &length, NULL))
        {
          if (length != CRM_STAMP_KEY_SIZE)
            {
              g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                           _("%s is damaged (it should hold %d bytes); put it back from a "
                             "backup of the data folder"), path, CRM_STAMP_KEY_SIZE);
              return NULL;
            }
          return g_bytes_new_take (g_steal_pointer (&contents), length);
        }
      /* made once: link() fails when another process made it first, and then its key
       * is the one read */
      randombytes_buf (key, sizeof key);
      if (!g_file_set_contents_full (tmp, (const char *) key, sizeof key,
                                     G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
        return NULL;
      sodium_memzero (key, sizeof key);
      if (link (tmp, path) != 0 && errno != EEXIST)
        {
          int saved = errno;

          g_unlink (tmp);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not write %s: %s"), path, g_strerror (saved));
          return NULL;
        }
      g_unlink (tmp);
    }
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("Could not read %s"), path);
  return NULL;
}

/* --- the data folder's lock ----------------------------------------------------------------- */

gboolean
crm_server_lock_data (const char  *data_dir,
                      GError     **error)
{
  g_autofree char *path = g_build_filename (data_dir, "serve.lock", NULL);
  g_autofree char *pid = NULL;
  char holder[32] = "";
  int fd;

  if (g_mkdir_with_parents (data_dir, 0700) != 0 ||
      (fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not open %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      gssize n = read (fd, holder, sizeof holder - 1);

      holder[MAX (n, 0)] = '\0';
      g_strstrip (holder);
      close (fd);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A voronka-server (process %s) is serving %s; stop it first (e.g. "
                     "systemctl stop voronka-server)"), *holder ? holder : "?", data_dir);
      return FALSE;
    }
  /* the lock lasts as long as the process: fd stays open */
  pid = g_strdup_printf ("%d\n", (int) getpid ());
  if (ftruncate (fd, 0) != 0 || write (fd, pid, strlen (pid)) < 0)
    g_debug ("Could not write the process id into %s", path);
  return TRUE;
}

/* --- files ---------------------------------------------------------------------------------- */

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return g_unlink (path) == 0 || errno == ENOENT;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  return g_rmdir (path) == 0;
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) dest = g_file_new_for_path (to);

  return g_file_copy (source, dest, G_FILE_COPY_OVERWRITE | G_FILE_COPY_ALL_METADATA, NULL,
                      NULL, NULL, error);
}

/* Every file of folder @from into @to (made 0700), not recursing. */
static gboolean
copy_folder (const char  *from,
             const char  *to,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  if (g_mkdir_with_parents (to, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create %s: %s"), to, g_strerror (saved));
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *a = g_build_filename (from, name, NULL);
      g_autofree char *b = g_build_filename (to, name, NULL);

      if (g_file_test (a, G_FILE_TEST_IS_REGULAR) && !copy_file (a, b, error))
        return FALSE;
    }
  return TRUE;
}

/* An account's stored files ("ACCOUNT.db.files/HASH") from @from into @to, the ones @to
 * lacks: linked when both are on one disk (a stored file never changes), copied
 * otherwise. Unfinished uploads (".upload-…") stay behind. *@out_files and *@out_bytes
 * count what @to gained. */
static gboolean
copy_stored_files (const char  *from,
                   const char  *to,
                   guint       *out_files,
                   guint64     *out_bytes,
                   GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (from, G_FILE_TEST_IS_DIR))
    return TRUE;
  dir = g_dir_open (from, 0, error);
  if (dir == NULL)
    return FALSE;
  if (g_mkdir_with_parents (to, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create %s: %s"), to, g_strerror (saved));
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *a = g_build_filename (from, name, NULL);
      g_autofree char *b = g_build_filename (to, name, NULL);
      g_autofree char *tmp = NULL;
      GStatBuf st;

      if (name[0] == '.' || g_stat (a, &st) != 0 || !S_ISREG (st.st_mode) ||
          g_file_test (b, G_FILE_TEST_EXISTS))
        continue;
      if (link (a, b) != 0)
        {
          /* copied under a temporary name, so a file under its hash is always whole */
          tmp = g_strconcat (to, G_DIR_SEPARATOR_S, ".restore-", name, NULL);
          if (!copy_file (a, tmp, error) || g_rename (tmp, b) != 0)
            {
              int saved = errno;

              g_unlink (tmp);
              if (error != NULL && *error == NULL)
                g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                             _("Could not copy %s to %s: %s"), a, b, g_strerror (saved));
              return FALSE;
            }
        }
      (*out_files)++;
      *out_bytes += (guint64) st.st_size;
    }
  return TRUE;
}

/* server.db (the server's own database, not an account's replica) could not be read. */
static gboolean
sql_failed (sqlite3     *db,
            const char  *path,
            GError     **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("Could not copy the database %s: %s"), path,
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

/* [(id, name)] of server.db at @path. */
static GPtrArray *
list_accounts (const char  *path,
               GError     **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT id, name FROM account ORDER BY name", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("%s is not a voronka-server database or is damaged"), path);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      char **pair = g_new0 (char *, 3);

      pair[0] = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      pair[1] = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_ptr_array_add (accounts, pair);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_steal_pointer (&accounts);
}

static char *
replica_path (const char *dir,
              const char *account_id,
              const char *suffix)
{
  g_autofree char *name = g_strconcat (account_id, suffix, NULL);

  return g_build_filename (dir, "accounts", name, NULL);
}

/* --- backup ----------------------------------------------------------------------------------- */

static gboolean
is_empty_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

static gboolean
write_backup (const char  *data_dir,
              const char  *dest,
              guint       *out_accounts,
              guint       *out_files,
              guint64     *out_bytes,
              GError     **error)
{
  g_autofree char *server_db = g_build_filename (data_dir, "server.db", NULL);
  g_autofree char *copy_db = g_build_filename (dest, "server.db", NULL);
  g_autofree char *accounts_dir = g_build_filename (dest, "accounts", NULL);
  g_autofree char *tls = g_build_filename (data_dir, "tls", NULL);
  g_autofree char *manifest_path = g_build_filename (dest, MANIFEST, NULL);
  g_autofree char *now = crm_time_format (crm_time_now_ms ());
  g_autofree char *manifest = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  if (!g_file_test (server_db, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("%s holds no voronka-server data (no server.db)"), data_dir);
      return FALSE;
    }
  if (!crm_replica_file_copy (server_db, copy_db, error) ||
      (accounts = list_accounts (copy_db, error)) == NULL)
    return FALSE;
  g_mkdir_with_parents (accounts_dir, 0700);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, "voronka-server " PACKAGE_VERSION);
  json_builder_set_member_name (builder, "created");
  json_builder_add_string_value (builder, now);
  json_builder_set_member_name (builder, "accounts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < accounts->len; i++)
    {
      char **account = accounts->pdata[i];
      g_autofree char *from = replica_path (data_dir, account[0], ".db");
      g_autofree char *to = replica_path (dest, account[0], ".db");
      g_autofree char *key_from = replica_path (data_dir, account[0], ".key");
      g_autofree char *key_to = replica_path (dest, account[0], ".key");
      g_autofree char *files_from = replica_path (data_dir, account[0], ".db.files");
      g_autofree char *files_to = replica_path (dest, account[0], ".db.files");
      g_autofree char *epoch = NULL;
      gint64 head = 0;
      guint files = 0;

      /* the files after the replica: every file the copy names was stored before its
       * attachment was taken */
      if (!crm_replica_file_copy (from, to, error) ||
          (g_file_test (key_from, G_FILE_TEST_EXISTS) && !copy_file (key_from, key_to, error)) ||
          !copy_stored_files (files_from, files_to, &files, out_bytes, error))
        return FALSE;
      *out_files += files;
      crm_replica_file_summary (to, &head, &epoch);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, account[0]);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, account[1]);
      json_builder_set_member_name (builder, "head");
      json_builder_add_int_value (builder, head);
      json_builder_set_member_name (builder, "files");
      json_builder_add_int_value (builder, files);
      json_builder_set_member_name (builder, "epoch");
      if (epoch != NULL)
        json_builder_add_string_value (builder, epoch);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (g_file_test (tls, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *tls_to = g_build_filename (dest, "tls", NULL);

      if (!copy_folder (tls, tls_to, error))
        return FALSE;
    }
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  manifest = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents_full (manifest_path, manifest, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return FALSE;
  *out_accounts = accounts->len;
  return TRUE;
}

/* @name (pg_dump, pg_restore) of Debian's PostgreSQL client, on the PATH or beside the
 * server binaries. */
static char *
find_pg_program (const char *name)
{
  char *found = g_find_program_in_path (name);
  g_autoptr(GDir) versions = NULL;
  const char *version;

  if (found != NULL)
    return found;
  versions = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  while (versions != NULL && (version = g_dir_read_name (versions)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/usr/lib/postgresql", version, "bin", name,
                                                NULL);

      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* Runs @argv (a PostgreSQL client program); @failed (with what it said) in @error when it
 * fails. */
static gboolean
run_pg_program (const char * const  *argv,
                const char          *failed,
                GError             **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR, failed,
                   err != NULL ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

/* On PostgreSQL: the database (pg_dump's custom format, one consistent snapshot, while
 * the server keeps serving) as "database.dump", then every account's stored files
 * ("files/ACCOUNT/HASH", the ones of DATA/files/ that every process shares), tls/, and
 * backup.json. The files after the database: every file the dump names was stored
 * before its attachment was taken. */
static gboolean
write_pg_backup (const char  *data_dir,
                 const char  *database,
                 const char  *dest,
                 guint       *out_accounts,
                 guint       *out_files,
                 guint64     *out_bytes,
                 GError     **error)
{
  g_autofree char *pg_dump = find_pg_program ("pg_dump");
  g_autofree char *dump = g_build_filename (dest, "database.dump", NULL);
  g_autofree char *dump_option = g_strconcat ("--file=", dump, NULL);
  g_autofree char *database_option = g_strconcat ("--dbname=", database, NULL);
  g_autofree char *files_from = g_build_filename (data_dir, "files", NULL);
  g_autofree char *files_to = g_build_filename (dest, "files", NULL);
  g_autofree char *tls = g_build_filename (data_dir, "tls", NULL);
  g_autofree char *manifest_path = g_build_filename (dest, MANIFEST, NULL);
  g_autofree char *now = crm_time_format (crm_time_now_ms ());
  g_autofree char *manifest = NULL;
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(CrmServerRows) accounts = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  if (pg_dump == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("A backup of a PostgreSQL database needs pg_dump, which is not "
                     "installed here; install Debian's postgresql-client and run the "
                     "backup again"));
      return FALSE;
    }
  /* the accounts before the dump: every one of them is in it (restore refuses to drop an
   * account the backup does not have) */
  if ((storage = crm_server_admin_open_storage (data_dir, error)) == NULL ||
      (accounts = crm_server_db_query (storage, "listing the accounts", error,
                                       "SELECT id, name FROM account ORDER BY name",
                                       NULL)) == NULL)
    return FALSE;
  g_clear_object (&storage);
  {
    const char *argv[] = { pg_dump, "--format=custom", "--no-owner", dump_option,
                           database_option, NULL };

    if (!run_pg_program (argv, _("pg_dump could not copy the database: %s"), error))
      return FALSE;
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, "voronka-server " PACKAGE_VERSION);
  json_builder_set_member_name (builder, "created");
  json_builder_add_string_value (builder, now);
  json_builder_set_member_name (builder, "storage");
  json_builder_add_string_value (builder, "postgresql");
  json_builder_set_member_name (builder, "database");
  json_builder_add_string_value (builder, "database.dump");
  json_builder_set_member_name (builder, "accounts");
  json_builder_begin_array (builder);
  *out_accounts = 0;
  for (guint i = 0; i < crm_server_rows_count (accounts); i++)
    {
      const char *id = crm_server_rows_text (accounts, i, 0);
      g_autofree char *from = g_build_filename (files_from, id, NULL);
      g_autofree char *to = g_build_filename (files_to, id, NULL);
      guint files = 0;

      if (g_file_test (from, G_FILE_TEST_IS_DIR) &&
          !copy_stored_files (from, to, &files, out_bytes, error))
        return FALSE;
      *out_files += files;
      (*out_accounts)++;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, crm_server_rows_text (accounts, i, 1));
      json_builder_set_member_name (builder, "files");
      json_builder_add_int_value (builder, files);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (g_file_test (tls, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *tls_to = g_build_filename (dest, "tls", NULL);

      if (!copy_folder (tls, tls_to, error))
        return FALSE;
    }
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  manifest = json_generator_to_data (generator, NULL);
  return g_file_set_contents_full (manifest_path, manifest, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

int
crm_server_cmd_backup (const char  *data_dir,
                       int          argc,
                       char       **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("DEST_DIR");
  g_autoptr(GError) error = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *partial = NULL;
  guint accounts = 0;
  guint files = 0;
  guint64 bytes = 0;

  g_option_context_set_summary (context,
    _("Copy the server's data (server.db, every account with its attached files, their "
      "stamp keys, tls/) into a new folder DEST_DIR. Safe while the server is serving: each "
      "database is copied in one consistent state. Keep backups away from the server's "
      "disk."));
  g_option_context_set_description (context,
    _("Global option (before the command): --data DIR, the server's data folder."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("voronka-server: %s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      g_printerr ("voronka-server: %s\n", _("backup takes one DEST_DIR, a new or empty folder"));
      return 2;
    }
  if (data_dir == NULL)
    {
      g_printerr ("voronka-server: %s\n",
                  _("Say where the server keeps its data: voronka-server --data DIR …"));
      return 2;
    }
  dest = g_canonicalize_filename (argv[1], NULL);
  if (g_file_test (dest, G_FILE_TEST_EXISTS) && !is_empty_folder (dest))
    {
      g_printerr (_("voronka-server: %s exists and is not an empty folder; name a new folder "
                    "for the backup\n"), dest);
      return 1;
    }
  partial = g_strconcat (dest, ".partial-XXXXXX", NULL);
  if (g_mkdtemp_full (partial, 0700) == NULL)
    {
      int saved = errno;

      g_printerr (_("voronka-server: could not create %s: %s\n"), partial, g_strerror (saved));
      return 1;
    }
  if (crm_server_admin_database () != NULL
      ? !write_pg_backup (data_dir, crm_server_admin_database (), partial, &accounts, &files,
                          &bytes, &error)
      : !write_backup (data_dir, partial, &accounts, &files, &bytes, &error))
    {
      remove_tree (partial);
      g_printerr ("voronka-server: %s\n", error->message);
      return 1;
    }
  if (g_file_test (dest, G_FILE_TEST_IS_DIR))
    g_rmdir (dest);
  if (g_rename (partial, dest) != 0)
    {
      int saved = errno;

      remove_tree (partial);
      g_printerr (_("voronka-server: could not create %s: %s\n"), dest, g_strerror (saved));
      return 1;
    }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Backed up %u account of %s into %s\n",
                        "Backed up %u accounts of %s into %s\n", accounts),
           accounts, data_dir, dest);
  {
    g_autofree char *size = g_format_size (bytes);

    g_print (g_dngettext (GETTEXT_PACKAGE, "The backup holds %u attached file (%s)\n",
                          "The backup holds %u attached files (%s)\n", files), files, size);
  }
  return 0;
}

/* --- restore ---------------------------------------------------------------------------------- */

typedef struct {
  const char *data_dir;
  char       *moved_dir;    /* DATA/before-restore-TIME, made when something is replaced */
  guint       files;        /* attached files put back */
  guint64     bytes;
} Restore;

/* Moves @path (when it exists) into the before-restore folder. */
static gboolean
move_aside (Restore     *restore,
            const char  *path,
            GError     **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *to = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (restore->moved_dir == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
      g_autofree char *name = g_strconcat ("before-restore-", stamp, NULL);

      restore->moved_dir = g_build_filename (restore->data_dir, name, NULL);
      if (g_mkdir_with_parents (restore->moved_dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not create %s: %s"), restore->moved_dir, g_strerror (saved));
          return FALSE;
        }
    }
  to = g_build_filename (restore->moved_dir, base, NULL);
  if (g_rename (path, to) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not move %s aside: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
common_columns (sqlite3    *db,
                const char *table)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT a.name FROM pragma_table_info ('%s', 'main') a"
    " JOIN pragma_table_info ('%s', 'b') b ON a.name = b.name", table, table);
  GPtrArray *columns = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (columns, g_strdup_printf ("\"%s\"", sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_ptr_array_add (columns, NULL);
  return columns;
}

static gboolean
copy_rows (sqlite3     *db,
           const char  *table,
           const char  *where,
           GError     **error)
{
  g_autoptr(GPtrArray) columns = common_columns (db, table);
  g_autofree char *list = NULL;
  g_autofree char *sql = NULL;

  if (columns->len <= 1)
    return TRUE;
  list = g_strjoinv (", ", (char **) columns->pdata);
  sql = g_strdup_printf ("INSERT OR IGNORE INTO main.\"%s\" (%s) SELECT %s FROM b.\"%s\" WHERE %s",
                         table, list, list, table, where);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("Could not merge the backup's server.db: %s"), sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

/* server.db: the data folder's own is kept (who may sign in now); accounts it does not
 * know come from the backup with their users, sessions and devices. */
static gboolean
restore_server_db (Restore     *restore,
                   const char  *from_dir,
                   GError     **error)
{
  g_autofree char *mine = g_build_filename (restore->data_dir, "server.db", NULL);
  g_autofree char *theirs = g_build_filename (from_dir, "server.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (!g_file_test (mine, G_FILE_TEST_EXISTS))
    return crm_replica_file_copy (theirs, mine, error);
  if (sqlite3_open_v2 (mine, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      sql_failed (db, mine, error);
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 10000);
  ok = sqlite3_prepare_v2 (db, "ATTACH DATABASE ?1 AS b", -1, &stmt, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, theirs, -1, SQLITE_TRANSIENT);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
    }
  sqlite3_finalize (stmt);
  if (!ok)
    {
      sql_failed (db, theirs, error);
      sqlite3_close (db);
      return FALSE;
    }
  ok = sqlite3_exec (db,
         "BEGIN IMMEDIATE;"
         "CREATE TEMP TABLE new_account AS SELECT id FROM b.account"
         " WHERE id NOT IN (SELECT id FROM main.account)"
         " AND name NOT IN (SELECT name FROM main.account);", NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    sql_failed (db, theirs, error);
  ok = ok &&
       copy_rows (db, "account", "id IN (SELECT id FROM temp.new_account)", error) &&
       copy_rows (db, "user", "account IN (SELECT id FROM temp.new_account)", error) &&
       copy_rows (db, "session", "user IN (SELECT id FROM b.user WHERE account IN"
                                 " (SELECT id FROM temp.new_account))", error) &&
       copy_rows (db, "device", "account IN (SELECT id FROM temp.new_account)", error);
  if (ok && sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    ok = sql_failed (db, mine, error);
  if (!ok)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_exec (db, "DETACH DATABASE b", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

/* Users of server.db whose `user` entity the restored replica lacks (added after the
 * backup) get it back, with the same id, so they can sign in. */
static gboolean
restore_user_entities (CrmStore     *store,
                       const char   *data_dir,
                       const char   *account_id,
                       GError      **error)
{
  g_autofree char *path = g_build_filename (data_dir, "server.db", NULL);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  /* users removed since stay removed (a server.db of before removals has no such column) */
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      (sqlite3_prepare_v2 (db, "SELECT crm_user, name, role FROM user WHERE account = ?1"
                               " AND removed_at IS NULL", -1, &stmt, NULL) != SQLITE_OK &&
       sqlite3_prepare_v2 (db, "SELECT crm_user, name, role FROM user WHERE account = ?1", -1,
                           &stmt, NULL) != SQLITE_OK))
    {
      sql_failed (db, path, error);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, account_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(JsonObject) entity = crm_store_dup_entity (store, "user", id);

      if (entity == NULL)
        {
          CrmChange *change = crm_changeset_create (changeset, "user", id);

          crm_change_set_string (change, "name", (const char *) sqlite3_column_text (stmt, 1));
          crm_change_set_string (change, "role", (const char *) sqlite3_column_text (stmt, 2));
        }
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return crm_changeset_get_n_changes (changeset) == 0 ||
         crm_store_apply (store, changeset, error);
}

static gboolean
restore_account (Restore     *restore,
                 const char  *from_dir,
                 const char  *account_id,
                 GError     **error)
{
  static const char *const suffixes[] = { ".db", ".db-wal", ".db-shm", ".db-journal" };
  g_autofree char *from = replica_path (from_dir, account_id, ".db");
  g_autofree char *to = replica_path (restore->data_dir, account_id, ".db");
  g_autofree char *tmp = replica_path (restore->data_dir, account_id, ".db.restoring");
  g_autofree char *key_from = replica_path (from_dir, account_id, ".key");
  g_autofree char *key_to = replica_path (restore->data_dir, account_id, ".key");
  g_autofree char *files_from = replica_path (from_dir, account_id, ".db.files");
  g_autofree char *files_to = replica_path (restore->data_dir, account_id, ".db.files");
  g_autoptr(CrmStore) store = NULL;

  if (!crm_replica_file_copy (from, tmp, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = replica_path (restore->data_dir, account_id, suffixes[i]);

      if (!move_aside (restore, path, error))
        return FALSE;
    }
  if (g_rename (tmp, to) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not put %s in place: %s"), to, g_strerror (saved));
      return FALSE;
    }
  /* the backup's files the folder lacks; the ones it has (uploaded since) stay, for the
   * laptops send their attachments again */
  if (!copy_stored_files (files_from, files_to, &restore->files, &restore->bytes, error))
    return FALSE;
  /* the key that stamped what the laptops hold: the folder's own when it has one */
  if (!g_file_test (key_to, G_FILE_TEST_EXISTS) && g_file_test (key_from, G_FILE_TEST_EXISTS) &&
      !copy_file (key_from, key_to, error))
    return FALSE;
  store = crm_store_open (to, error);
  return store != NULL &&
         crm_ledger_new_epoch (store, error) &&
         restore_user_entities (store, restore->data_dir, account_id, error);
}

/* A backup of the data folder's own storage: server.db's new accounts, then each account
 * of @accounts (the manifest's) put in place, printed as it is done. */
static gboolean
restore_folder (Restore     *restore,
                const char  *from_dir,
                JsonArray   *accounts,
                const char  *created,
                guint       *restored,
                GError     **error)
{
  g_autofree char *accounts_dir = g_build_filename (restore->data_dir, "accounts", NULL);

  g_mkdir_with_parents (accounts_dir, 0700);
  if (!restore_server_db (restore, from_dir, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = json_array_get_object_element (accounts, i);
      const char *id = account ? json_object_get_string_member_with_default (account, "id", NULL)
                               : NULL;
      const char *name = account ? json_object_get_string_member_with_default (account, "name", "?")
                                 : "?";

      if (id == NULL || !crm_uuid_is_valid (id))
        continue;
      if (!restore_account (restore, from_dir, id, error))
        return FALSE;
      g_print (_("Restored account «%s» as of %s\n"), name, created);
      (*restored)++;
    }
  return TRUE;
}

/* `restore --database URL FROM`: a backup of accounts on PostgreSQL (write_pg_backup())
 * put back. Refused while anything else is connected to the database, and when the
 * database holds an account the backup lacks (pg_restore would drop it); nothing is
 * changed then. The sign-ins stay as the database has them now; each account gets a new
 * incarnation, so the laptops send again what the backup lacks; the backup's files the
 * folder lacks come back. */
static gboolean
restore_pg (Restore     *restore,
            const char  *from_dir,
            JsonObject  *manifest,
            guint       *out_accounts,
            GError     **error)
{
  const char *database = crm_server_admin_database ();
  g_autofree char *pg_restore = find_pg_program ("pg_restore");
  g_autofree char *dump = g_build_filename (from_dir, "database.dump", NULL);
  g_autofree char *database_option = g_strconcat ("--dbname=", database, NULL);
  g_autoptr(GHashTable) backed_up = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(CrmServerRows) accounts = NULL;
  JsonArray *listed = json_object_get_array_member (manifest, "accounts");
  gint64 others;

  if (g_strcmp0 (json_object_get_string_member_with_default (manifest, "storage", NULL),
                 "postgresql") != 0 || !g_file_test (dump, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("%s is a backup of the data folder's own storage, not of a PostgreSQL "
                     "database (it has no database.dump); restore it without --database"),
                   from_dir);
      return FALSE;
    }
  if (pg_restore == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("Restoring a PostgreSQL database needs pg_restore, which is not installed "
                     "here; install Debian's postgresql-client and restore again"));
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (listed); i++)
    {
      JsonObject *account = json_array_get_object_element (listed, i);
      const char *id = account != NULL
                       ? json_object_get_string_member_with_default (account, "id", NULL) : NULL;

      if (id != NULL && crm_uuid_is_valid (id))
        g_hash_table_add (backed_up, (gpointer) id);
    }

  if ((storage = crm_server_admin_open_storage (restore->data_dir, error)) == NULL)
    return FALSE;
  /* the processes serving it would go on with the history the restore takes away */
  if ((others = crm_server_pg_other_connections (CRM_SERVER_PG (storage), error)) < 0)
    return FALSE;
  if (others > 0)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%lld other connection to the database is open (a "
                                "voronka-server process, here or on another machine?); stop "
                                "every process that serves it, then restore again",
                                "%lld other connections to the database are open "
                                "(voronka-server processes, here or on other machines?); stop "
                                "every process that serves it, then restore again", others),
                   (long long) others);
      return FALSE;
    }
  if ((accounts = crm_server_db_query (storage, "listing the accounts", error,
                                       "SELECT id, name FROM account ORDER BY name",
                                       NULL)) == NULL)
    return FALSE;
  for (guint i = 0; i < crm_server_rows_count (accounts); i++)
    if (!g_hash_table_contains (backed_up, crm_server_rows_text (accounts, i, 0)))
      {
        g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                     _("The account «%s» was made after this backup, so restoring it would "
                       "remove that account; restore from a newer backup"),
                     crm_server_rows_text (accounts, i, 1));
        return FALSE;
      }
  if (!crm_server_pg_keep_sign_ins (CRM_SERVER_PG (storage), error))
    return FALSE;
  g_clear_object (&storage);

  /* one transaction: a failure leaves the database as it was */
  {
    const char *argv[] = { pg_restore, "--clean", "--if-exists", "--no-owner",
                           "--single-transaction", "--exit-on-error", database_option, dump,
                           NULL };

    if (!run_pg_program (argv, _("pg_restore could not put the database back (it is as it "
                                 "was): %s"), error))
      return FALSE;
  }
  if ((storage = crm_server_admin_open_storage (restore->data_dir, error)) == NULL ||
      !crm_server_pg_finish_restore (CRM_SERVER_PG (storage), out_accounts, error))
    {
      /* the laptops must not meet the backup's history under the old incarnation */
      g_prefix_error (error, _("The database was put back from the backup, but the restore "
                               "could not finish; run the same restore again before starting "
                               "any server (the sign-ins set aside are kept for it): "));
      return FALSE;
    }

  /* the backup's files the shared folder lacks; the ones it has (uploaded since) stay */
  {
    GHashTableIter iter;
    gpointer id;

    g_hash_table_iter_init (&iter, backed_up);
    while (g_hash_table_iter_next (&iter, &id, NULL))
      {
        g_autofree char *from = g_build_filename (from_dir, "files", id, NULL);
        g_autofree char *to = g_build_filename (restore->data_dir, "files", id, NULL);

        if (g_file_test (from, G_FILE_TEST_IS_DIR) &&
            !copy_stored_files (from, to, &restore->files, &restore->bytes, error))
          return FALSE;
      }
  }
  return TRUE;
}

int
crm_server_cmd_restore (const char  *data_dir,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FROM_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *manifest = NULL;
  g_autofree char *snapshots = NULL;
  g_autofree char *tls_from = NULL;
  g_autofree char *tls_to = NULL;
  Restore restore = { data_dir, NULL, 0, 0 };
  JsonObject *root;
  JsonArray *accounts;
  const char *created;
  guint restored = 0;

  g_option_context_set_summary (context,
    _("Put a backup made with “voronka-server backup” back into the data folder of a stopped "
      "server. Each account returns to its state in the backup; the files it replaces are "
      "moved to DIR/before-restore-TIME/. Laptops that synced after the backup send the "
      "changes the backup lacks again on their next sync. Who may sign in stays as the data "
      "folder has it: revoked sessions stay revoked. With --database postgresql://… (before "
      "the command): a backup made with --database goes back into that database, with every "
      "process that serves it stopped."));
  g_option_context_set_description (context,
    _("Global option (before the command): --data DIR, the server's data folder."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("voronka-server: %s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      g_printerr ("voronka-server: %s\n", _("restore takes one FROM_DIR, a backup folder"));
      return 2;
    }
  if (data_dir == NULL)
    {
      g_printerr ("voronka-server: %s\n",
                  _("Say where the server keeps its data: voronka-server --data DIR …"));
      return 2;
    }
  manifest = g_build_filename (argv[1], MANIFEST, NULL);
  if (!json_parser_load_from_file (parser, manifest, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      !json_object_has_member (json_node_get_object (json_parser_get_root (parser)), "accounts") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (
         json_node_get_object (json_parser_get_root (parser)), "accounts")))
    {
      g_printerr (_("voronka-server: %s is not a backup made by “voronka-server backup” (no "
                    "readable %s); nothing was changed\n"), argv[1], MANIFEST);
      return 1;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  accounts = json_object_get_array_member (root, "accounts");
  created = json_object_get_string_member_with_default (root, "created", "?");
  if (!crm_server_lock_data (data_dir, &error))
    {
      g_printerr (_("voronka-server: %s; nothing was changed\n"), error->message);
      return 1;
    }
  if (crm_server_admin_database () != NULL)
    {
      if (!restore_pg (&restore, argv[1], root, &restored, &error))
        goto failed;
      g_print (g_dngettext (GETTEXT_PACKAGE,
                            "Restored %u account of the PostgreSQL database as of %s\n",
                            "Restored %u accounts of the PostgreSQL database as of %s\n",
                            restored), restored, created);
    }
  else if (!restore_folder (&restore, argv[1], accounts, created, &restored, &error))
    goto failed;
  /* copies made for new devices show the state before the restore */
  snapshots = g_build_filename (data_dir, "snapshots", NULL);
  remove_tree (snapshots);
  tls_from = g_build_filename (argv[1], "tls", NULL);
  tls_to = g_build_filename (data_dir, "tls", NULL);
  if (!g_file_test (tls_to, G_FILE_TEST_IS_DIR) && g_file_test (tls_from, G_FILE_TEST_IS_DIR) &&
      !copy_folder (tls_from, tls_to, &error))
    goto failed;

  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "Restored %u account from %s. Start the server: each laptop sends the "
                        "changes made since the backup again on its next sync.\n",
                        "Restored %u accounts from %s. Start the server: each laptop sends the "
                        "changes made since the backup again on its next sync.\n", restored),
           restored, argv[1]);
  if (restore.files > 0)
    {
      g_autofree char *size = g_format_size (restore.bytes);

      g_print (g_dngettext (GETTEXT_PACKAGE, "Put back %u attached file (%s)\n",
                            "Put back %u attached files (%s)\n", restore.files),
               restore.files, size);
    }
  if (restore.moved_dir != NULL)
    g_print (_("The replaced files are in %s\n"), restore.moved_dir);
  g_free (restore.moved_dir);
  return 0;

failed:
  g_printerr ("voronka-server: %s\n", error->message);
  if (restore.moved_dir != NULL)
    g_printerr (_("voronka-server: the files replaced so far are in %s\n"), restore.moved_dir);
  g_free (restore.moved_dir);
  return 1;
}
