/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store.c — the local replica: the CrmStore object, its SQLite connection and cached
 * statements, meta keys, opening, probing and creating the file.
 *
 * The store's other parts: crm-store-apply.c (the one write path, crm_store_apply, and
 * reading entity state), crm-merge.c (per-field last-writer-wins, merging ops made
 * elsewhere), crm-changelog.c (the op log and the clock); crm-store-impl-private.h is
 * what they share. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "crm-error-private.h"
#include "crm-store-impl-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-validate.h"

/* PRAGMA application_id of a Voronka replica: "VRNK" */
#define CRM_APPLICATION_ID 0x56524E4B

G_DEFINE_FINAL_TYPE (CrmStore, crm_store, G_TYPE_OBJECT)

/* SQLite counts every allocation under a global mutex for sqlite3_memory_used(), which
 * nothing here reads; Debian builds it without lookaside memory, so every small
 * allocation of a statement goes through that (a few per cent of a large import). Off
 * before anything opens a database: sqlite3_config() refuses once SQLite has started,
 * and nothing changes then. */
__attribute__ ((constructor)) static void
sqlite_without_memory_statistics (void)
{
  sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
}

static void
crm_store_finalize (GObject *object)
{
  CrmStore *self = CRM_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->clock_words, _crm_clock_words_free);
  if (self->db != NULL)
    {
      sqlite3_commit_hook (self->db, NULL, NULL);
      sqlite3_rollback_hook (self->db, NULL, NULL);
      sqlite3_close_v2 (self->db);
    }
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->gates, g_array_unref);
  g_clear_pointer (&self->final_gates, g_array_unref);
  g_clear_pointer (&self->recorders, g_array_unref);
  g_clear_pointer (&self->refusal, json_object_unref);
  g_clear_pointer (&self->pending_ops, g_ptr_array_unref);
  _crm_store_batch_changelog (self, FALSE);
  _crm_store_batch_rows (self, FALSE);
  g_clear_pointer (&self->last_ops, g_ptr_array_unref);
  g_clear_pointer (&self->known_references, g_hash_table_unref);

  G_OBJECT_CLASS (crm_store_parent_class)->finalize (object);
}

static void
crm_store_class_init (CrmStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_store_finalize;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
crm_store_init (CrmStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            finalize_statement);
  self->gates = g_array_new (FALSE, FALSE, sizeof (CrmGateFunc));
  self->final_gates = g_array_new (FALSE, FALSE, sizeof (CrmGateFunc));
  self->recorders = g_array_new (FALSE, FALSE, sizeof (CrmGateFunc));
  self->pending_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  self->last_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
}

/* --- SQLite plumbing -------------------------------------------------------------- */

sqlite3 *
_crm_store_get_db (CrmStore *self)
{
  return self->db;
}

static int
clock_words_committed (void *data)
{
  _crm_clock_words_committed (data);
  return 0;
}

static void
clock_words_rolled_back (void *data)
{
  _crm_clock_words_rolled_back (data);
}

CrmClockWords *
_crm_store_clock_words (CrmStore *self)
{
  if (self->clock_words == NULL && self->db != NULL)
    {
      self->clock_words = _crm_clock_words_new (self->db, "main", FALSE);
      /* a word this connection adds is remembered once its transaction commits */
      sqlite3_commit_hook (self->db, clock_words_committed, self->clock_words);
      sqlite3_rollback_hook (self->db, clock_words_rolled_back, self->clock_words);
    }
  return self->clock_words;
}

static void
note_failure (CrmStore *self,
              int       code)
{
  if (self->in_apply && self->sql_failure == 0 && code != SQLITE_OK)
    self->sql_failure = code;
}

int
_crm_store_step (CrmStore     *self,
                 sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    note_failure (self, sqlite3_extended_errcode (self->db));
  return rc;
}

/* The connection's last failure, and whether to word it as a read's: a read outside any
 * change (inside one, it is the change that failed, and nothing of it was written). */
static int
sql_failure (CrmStore *self,
             gboolean  is_read,
             gboolean *out_read)
{
  int code = sqlite3_extended_errcode (self->db);

  note_failure (self, code);
  /* a read-only replica cannot make the -shm file SQLite asks for */
  if (self->read_only && (code & 0xFF) == SQLITE_CANTOPEN)
    code = SQLITE_READONLY;
  *out_read = is_read && !self->in_apply && sqlite3_get_autocommit (self->db);
  return code;
}

void
_crm_store_set_sql_error (CrmStore    *self,
                          GError     **error,
                          const char  *what)
{
  gboolean is_read;
  int code = sql_failure (self, FALSE, &is_read);

  _crm_sqlite_set_error (error, self->db, code, self->path, what);
}

void
_crm_store_set_read_error (CrmStore    *self,
                           GError     **error,
                           const char  *what)
{
  gboolean is_read;
  int code = sql_failure (self, TRUE, &is_read);

  if (is_read)
    _crm_sqlite_set_read_error (error, self->db, code, self->path, what);
  else
    _crm_sqlite_set_error (error, self->db, code, self->path, what);
}

/* Whether @sql only reads (a query outside a change words its failure as a read's). */
static gboolean
sql_is_query (const char *sql)
{
  while (g_ascii_isspace (*sql))
    sql++;
  return g_ascii_strncasecmp (sql, "SELECT", 6) == 0 || g_ascii_strncasecmp (sql, "WITH", 4) == 0;
}

sqlite3_stmt *
_crm_store_prepare (CrmStore    *self,
                    const char  *sql,
                    GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      if (sql_is_query (sql))
        _crm_store_set_read_error (self, error, "preparing a query");
      else
        _crm_store_set_sql_error (self, error, "preparing a statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* --- meta --------------------------------------------------------------------------- */

/* @key's value in *@out (NULL when it has none); FALSE with @error when SQLite could
 * not read it. */
static gboolean
read_meta (CrmStore    *self,
           const char  *key,
           char       **out,
           GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT value FROM meta WHERE key = ?1", error);
  int rc;

  *out = NULL;
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, key);
  rc = _crm_store_step (self, stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _crm_store_set_read_error (self, error, "reading a setting");
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

char *
crm_store_dup_meta (CrmStore   *self,
                    const char *key)
{
  char *value = NULL;

  if (!read_meta (self, key, &value, NULL))
    return NULL;
  return value;
}

gboolean
crm_store_read_meta (CrmStore    *self,
                     const char  *key,
                     char       **out,
                     GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return read_meta (self, key, out, error);
}

gboolean
crm_store_set_meta (CrmStore    *self,
                    const char  *key,
                    const char  *value,
                    GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, key);
  _crm_sql_bind_text_or_null (stmt, 2, value);
  return _crm_sql_step_done (self, stmt, "saving a setting", error);
}

/* --- opening ------------------------------------------------------------------------ */

static gboolean
configure_connection (CrmStore  *self,
                      GError   **error)
{
  sqlite3_busy_timeout (self->db, 5000);
  /* a read-only replica keeps the journal mode its file has (WAL since it was made) */
  if (self->read_only)
    return _crm_sql_exec (self, "PRAGMA foreign_keys = ON", NULL, error) &&
           _crm_sql_exec (self, "PRAGMA cache_size = -32768", NULL, error) &&
           _crm_sql_exec (self, "PRAGMA mmap_size = 268435456", NULL, error);
  /* a 32 MiB page cache and memory-mapped reads keep the board and lists of a large
   * account fast (bench/RESULTS.md) */
  return _crm_sql_exec (self, "PRAGMA journal_mode = WAL", NULL, error) &&
         _crm_sql_exec (self, "PRAGMA synchronous = NORMAL", NULL, error) &&
         _crm_sql_exec (self, "PRAGMA foreign_keys = ON", NULL, error) &&
         _crm_sql_exec (self, "PRAGMA cache_size = -32768", NULL, error) &&
         _crm_sql_exec (self, "PRAGMA mmap_size = 268435456", NULL, error);
}

gboolean
crm_store_set_durable (CrmStore  *self,
                       GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);

  return _crm_sql_exec (self, "PRAGMA synchronous = FULL", NULL, error);
}

gboolean
crm_store_set_memory_limits (CrmStore  *self,
                             gint64     cache_kib,
                             gint64     mmap_bytes,
                             GError   **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (cache_kib > 0 && mmap_bytes >= 0, FALSE);

  sql = g_strdup_printf ("PRAGMA cache_size = -%" G_GINT64_FORMAT ";"
                         " PRAGMA mmap_size = %" G_GINT64_FORMAT, cache_kib, mmap_bytes);
  return _crm_sql_exec (self, sql, NULL, error);
}

static gboolean
read_application_id (CrmStore  *self,
                     gint64    *out,
                     GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA application_id", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      /* a text file: not a replica; a locked or unreadable one says so */
      _crm_store_set_read_error (self, error, "reading its header");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
load_identity (CrmStore  *self,
               GError   **error)
{
  g_autofree char *hlc = NULL;
  guint64 last = 0;

  if (!read_meta (self, "device_id", &self->device_id, error))
    return FALSE;
  if (self->device_id == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   _("%s is damaged: it has no device id"), self->path);
      return FALSE;
    }
  hlc = crm_store_dup_meta (self, "hlc");
  if (hlc != NULL && !crm_hlc_parse (hlc, &last))
    last = 0;
  crm_hlc_init (&self->clock, last);
  return TRUE;
}

static CrmStore *
store_new (const char *path)
{
  CrmStore *self = g_object_new (CRM_TYPE_STORE, NULL);

  self->path = g_strdup (path);
  _crm_gates_install (self);
  _crm_rules_install (self);
  return self;
}

/* Whether this process can write the replica: its file, and its folder (where SQLite
 * keeps the -wal and -shm files next to it). */
static gboolean
replica_is_writable (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  return g_access (path, W_OK) == 0 && g_access (dir, W_OK) == 0;
}

static gboolean
can_read (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = sqlite3_prepare_v2 (db, "PRAGMA application_id", -1, &stmt, NULL) == SQLITE_OK &&
                sqlite3_step (stmt) == SQLITE_ROW;

  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
open_uri (CrmStore   *self,
          const char *uri)
{
  if (sqlite3_open_v2 (uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
      can_read (self->db))
    return TRUE;
  sqlite3_close_v2 (self->db);
  self->db = NULL;
  return FALSE;
}

/* A replica this process may not write is opened for reading only. With no -wal file
 * of changes beside it (a clean close leaves none) the file alone holds everything and
 * is read as it is ("immutable": no -shm file made, works in a read-only folder);
 * otherwise SQLite reads file and -wal read-only, which needs the -shm beside them. */
static gboolean
open_read_only (CrmStore  *self,
                gboolean   may_be_immutable,
                GError   **error)
{
  g_autofree char *absolute = g_canonicalize_filename (self->path, NULL);
  g_autofree char *file_uri = g_filename_to_uri (absolute, NULL, NULL);
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  GStatBuf st;

  if (file_uri != NULL)
    {
      g_autofree char *ro = g_strconcat (file_uri, "?mode=ro", NULL);
      g_autofree char *immutable = g_strconcat (file_uri, "?immutable=1", NULL);

      gboolean wal_empty = g_stat (wal, &st) != 0 || st.st_size == 0;

      /* immutable first: it leaves no read-only -shm file behind to trouble the next
       * writer once the file is writable again */
      if (may_be_immutable && wal_empty && open_uri (self, immutable))
        return TRUE;
      if (open_uri (self, ro))
        return TRUE;
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY,
               _("The replica %s is read-only (its file or folder cannot be written) and "
                 "cannot be read as it is: changes wait in %s; make the file and its folder "
                 "writable, e.g. chmod u+w, and open it again"), self->path, wal);
  return FALSE;
}

static int
read_user_version (CrmStore *self)
{
  return (int) _crm_sql_read_int64 (self->db, "PRAGMA user_version", -1);
}

gboolean
crm_store_is_read_only (CrmStore *self)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  return self->read_only;
}

/* --- giving space back --------------------------------------------------------------- */

/* After an update of the schema the file is packed again when its free pages are at least
 * a tenth of it and 8 MiB: below that the copy costs more than the space is worth (a
 * replica's writes reuse free pages); above, they are the pages a rewritten table left,
 * which the replica's writes do not fill for months (step 27 frees 10–25 % of a replica:
 * its share of the changelog), and the user waits on the update already. */
#define RECLAIM_MIN_SHARE_PERCENT 10
#define RECLAIM_MIN_BYTES         (8 * 1024 * 1024)

static gboolean
reclaim_space (CrmStore      *self,
               CrmSchemaRun  *run,
               GError     **error)
{
  gint64 page_size = _crm_sql_read_int64 (self->db, "PRAGMA page_size", -1);
  gint64 pages = _crm_sql_read_int64 (self->db, "PRAGMA page_count", -1);
  gint64 free_pages = _crm_sql_read_int64 (self->db, "PRAGMA freelist_count", -1);
  gint64 pages_after;
  int rc;

  if (page_size <= 0 || pages <= 0 || free_pages < 0)
    {
      _crm_store_set_read_error (self, error, "reading how much of the file is free");
      return FALSE;
    }
  if (free_pages * 100 < pages * RECLAIM_MIN_SHARE_PERCENT ||
      free_pages * page_size < RECLAIM_MIN_BYTES)
    return TRUE;

  if (run->progress != NULL)
    {
      run->last_told = g_get_monotonic_time ();
      run->progress (run->step, run->n_steps, run->progress_data);
    }
  if (run->progress != NULL || run->cancellable != NULL)
    sqlite3_progress_handler (self->db, 1000, crm_schema_progress_handler, run);
  /* VACUUM keeps the rowids the search tables name contacts by: SQLite copies the rows
   * of a table with an index as they are (contact has its id's), and contacts are never
   * deleted, so there is no gap to close either (crm-schema.c, migration 21) */
  rc = sqlite3_exec (self->db, "VACUUM", NULL, NULL, NULL);
  sqlite3_progress_handler (self->db, 0, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      if (g_cancellable_is_cancelled (run->cancellable))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("Giving back the replica’s free space was cancelled; the "
                               "replica is whole and keeps its size"));
      else
        _crm_store_set_sql_error (self, error, "giving back the replica's free space");
      return FALSE;
    }
  /* in WAL mode the packed copy went through the -wal file, as large as the replica:
   * copied back and emptied, so the disk holds the replica once again */
  sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  pages_after = _crm_sql_read_int64 (self->db, "PRAGMA page_count", -1);
  g_debug ("Gave back %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " pages of %s",
           pages - pages_after, pages, self->path);
  return TRUE;
}

static CrmStore *
store_open (const char         *path,
            gboolean            reader,
            CrmSchemaProgress   progress,
            gpointer            progress_data,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(CrmStore) self = NULL;
  gint64 application_id = 0;
  int version;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No replica at %s; create one with “voronkactl --db %s init”"), path, path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   _("%s is not a file, so it cannot be a replica"), path);
      return NULL;
    }

  self = store_new (path);
  self->read_only = reader || !replica_is_writable (path);
  if (reader)
    {
      /* never "immutable": the app's own connection writes on beside this one */
      if (!open_read_only (self, FALSE, error))
        return NULL;
    }
  else if (self->read_only)
    {
      if (!open_read_only (self, TRUE, error))
        return NULL;
    }
  else
    {
      int rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE, NULL);

      if (rc != SQLITE_OK)
        {
          _crm_sqlite_set_read_error (error, self->db, self->db ? 0 : rc, path, "opening it");
          return NULL;
        }
    }
  if (!read_application_id (self, &application_id, error))
    return NULL;
  if (application_id != CRM_APPLICATION_ID)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_A_REPLICA,
                   _("%s is not a Voronka replica (it is another program's database); "
                     "check that the path names your replica"), path);
      return NULL;
    }
  if (reader && read_user_version (self) < CRM_SCHEMA_VERSION)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY,
                   _("The replica %s was made by an older version of Voronka and must be "
                     "updated before it can be read here: open it in Voronka once, then "
                     "try again"), path);
      return NULL;
    }
  if (self->read_only && read_user_version (self) < CRM_SCHEMA_VERSION)
    {
      /* an older schema needs an update it cannot write */
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY,
                   _("The replica %s is read-only (its file or folder cannot be written) and "
                     "was made by an older version of Voronka, which must update it first; "
                     "make it writable, e.g. chmod u+w, and open it again"), path);
      return NULL;
    }
  version = read_user_version (self);
  if (!configure_connection (self, error) ||
      !crm_schema_migrate_full (self->db, progress, progress_data, cancellable, error) ||
      !load_identity (self, error))
    {
      if (error != NULL && *error != NULL && (*error)->domain == CRM_STORE_ERROR &&
          (*error)->code == CRM_STORE_ERROR_FAILED)
        (*error)->code = CRM_STORE_ERROR_DATABASE_CORRUPT;
      return NULL;
    }
  /* a step that rewrote a table (27: the changelog) left the old one's pages free, a
   * third of a large replica, which no write of the replica's fills for months: given
   * back now, once, while the front end still shows the update. Not done is no failure:
   * the replica is whole, only larger */
  if (version > 0 && version < CRM_SCHEMA_VERSION && !self->read_only)
    {
      /* told as the update's last step, done: "giving back the space" */
      CrmSchemaRun run = { progress, progress_data, cancellable, CRM_SCHEMA_VERSION - version,
                           CRM_SCHEMA_VERSION - version, 0 };
      g_autoptr(GError) reclaim_error = NULL;

      if (!reclaim_space (self, &run, &reclaim_error) &&
          !g_error_matches (reclaim_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The free space of %s was not given back after its update: %s",
                   path, reclaim_error->message);
    }
  /* an import cut off between its commit and building the search indexes it dropped
   * (crm-store-apply.c) left them missing: searches find the same, slower */
  if (!self->read_only)
    {
      g_autoptr(GError) index_error = NULL;

      if (!_crm_search_build_indexes (self->db, NULL, NULL, &index_error))
        g_message ("The contact search indexes of %s are missing and could not be built: %s",
                   path, index_error->message);
    }
  return g_steal_pointer (&self);
}

CrmStore *
crm_store_open (const char  *path,
                GError     **error)
{
  return store_open (path, FALSE, NULL, NULL, NULL, error);
}

CrmStore *
crm_store_open_full (const char         *path,
                     CrmSchemaProgress   progress,
                     gpointer            progress_data,
                     GCancellable       *cancellable,
                     GError            **error)
{
  return store_open (path, FALSE, progress, progress_data, cancellable, error);
}

CrmStore *
crm_store_open_reader (const char  *path,
                       GError     **error)
{
  return store_open (path, TRUE, NULL, NULL, NULL, error);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* The first row's first column of @sql as text ("" for NULL); NULL when it fails. */
static char *
probe_text (sqlite3    *db,
            const char *sql,
            gboolean   *failed)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    text = g_strdup (sqlite3_column_type (stmt, 0) == SQLITE_NULL
                     ? "" : (const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    *failed = TRUE;
  sqlite3_finalize (stmt);
  return text;
}

static gboolean
has_sqlite_header (const char *path)
{
  FILE *file = g_fopen (path, "rb");
  char header[16] = { 0 };
  gboolean ok;

  if (file == NULL)
    return FALSE;
  ok = fread (header, 1, sizeof header, file) == sizeof header &&
       memcmp (header, "SQLite format 3", sizeof header) == 0;
  fclose (file);
  return ok;
}

CrmReplicaState
crm_store_probe (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *absolute = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *n_tables = NULL;
  g_autofree char *has_meta = NULL;
  g_autofree char *device = NULL;
  g_autofree char *check = NULL;
  g_autofree char *file_uri = NULL;
  gboolean failed = FALSE;
  CrmReplicaState state;
  sqlite3 *db = NULL;

  g_return_val_if_fail (path != NULL, CRM_REPLICA_FOREIGN);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return CRM_REPLICA_MISSING;
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return CRM_REPLICA_FOREIGN;
  if (file_size (path) == 0 && file_size (wal) <= 0)
    return CRM_REPLICA_UNFINISHED;
  /* an SQLite file starts with "SQLite format 3" (an empty one with its -wal has none yet) */
  if (file_size (path) > 0 && !has_sqlite_header (path))
    return CRM_REPLICA_FOREIGN;

  absolute = g_canonicalize_filename (path, NULL);
  file_uri = g_filename_to_uri (absolute, NULL, NULL);
  if (file_uri == NULL)
    return CRM_REPLICA_FOREIGN;
  /* immutable: reads the file alone and makes no -wal or -shm beside it */
  uri = g_strconcat (file_uri, file_size (wal) > 0 ? "?mode=ro" : "?immutable=1", NULL);
  if (sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
    {
      sqlite3_close_v2 (db);
      return CRM_REPLICA_DAMAGED;
    }
  app_id = probe_text (db, "PRAGMA application_id", &failed);
  n_tables = probe_text (db, "SELECT count(*) FROM sqlite_master", &failed);
  if (failed || app_id == NULL || n_tables == NULL)
    state = CRM_REPLICA_DAMAGED;
  else if (g_ascii_strtoll (app_id, NULL, 10) == 0 && g_str_equal (n_tables, "0"))
    state = CRM_REPLICA_UNFINISHED;   /* an SQLite file with nothing in it */
  else if (g_ascii_strtoll (app_id, NULL, 10) != CRM_APPLICATION_ID)
    state = CRM_REPLICA_FOREIGN;
  else
    {
      has_meta = probe_text (db, "SELECT count(*) FROM sqlite_master "
                                 "WHERE type = 'table' AND name = 'meta'", &failed);
      if (!failed && has_meta != NULL && g_str_equal (has_meta, "1"))
        device = probe_text (db, "SELECT value FROM meta WHERE key = 'device_id'", &failed);
      if (!failed && (device == NULL || *device == '\0'))
        state = CRM_REPLICA_UNFINISHED;   /* no device id: no change was ever written */
      else if (!failed && (check = probe_text (db, "PRAGMA quick_check", &failed)) != NULL &&
               g_str_equal (check, "ok"))
        state = CRM_REPLICA_USABLE;
      else
        state = CRM_REPLICA_DAMAGED;
    }
  sqlite3_close_v2 (db);
  return state;
}

CrmStore *
crm_store_create (const char  *path,
                  GError     **error)
{
  g_autoptr(CrmStore) self = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *pragma = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s already exists; choose another path or remove it first"), path);
      return NULL;
    }

  self = store_new (path);
  {
    int rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

    if (rc != SQLITE_OK)
      {
        _crm_sqlite_set_error (error, self->db, self->db ? 0 : rc, path, "creating it");
        return NULL;
      }
  }
  pragma = g_strdup_printf ("PRAGMA application_id = %d", CRM_APPLICATION_ID);
  device_id = crm_uuid_v7_new (crm_time_now_ms ());
  if (!_crm_sql_exec (self, pragma, NULL, error) ||
      !configure_connection (self, error) ||
      !crm_schema_migrate (self->db, error) ||
      !crm_store_set_meta (self, "device_id", device_id, error) ||
      !load_identity (self, error))
    {
      g_clear_object (&self);
      g_unlink (path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
crm_store_get_path (CrmStore *self)
{
  return self->path;
}

const char *
crm_store_get_device_id (CrmStore *self)
{
  return self->device_id;
}

void
crm_store_set_now (CrmStore *self,
                   gint64    now_ms)
{
  self->now_ms = now_ms;
}

gint64
crm_store_get_now (CrmStore *self)
{
  return self->now_ms != 0 ? self->now_ms : crm_time_now_ms ();
}

void
crm_store_set_random_seed (CrmStore *self,
                           guint32   seed)
{
  g_clear_pointer (&self->rand, g_rand_free);
  self->rand = g_rand_new_with_seed (seed);
}

void
crm_store_set_deferred_checkpoints (CrmStore *self,
                                    gboolean  deferred)
{
  g_return_if_fail (CRM_IS_STORE (self));
  self->checkpoints_deferred = deferred;
  sqlite3_wal_autocheckpoint (self->db, deferred ? 0 : CRM_STORE_AUTOCHECKPOINT_PAGES);
}

gboolean
crm_store_checkpoint (CrmStore  *self,
                      GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_apply, FALSE);

  if (sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
      != SQLITE_OK)
    {
      _crm_store_set_sql_error (self, error, "copying the write-ahead log into the replica");
      return FALSE;
    }
  return TRUE;
}

char *
crm_store_new_id (CrmStore *self)
{
  return crm_uuid_v7_new_with_rand (crm_store_get_now (self), self->rand);
}
