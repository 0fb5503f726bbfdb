/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store.c — the local replica: opening and creating the SQLite file, the one write
 * path (crm_store_apply), merging ops made elsewhere, and reading entity state.
 *
 * Every replicated fact is a field of an entity with its own clock (hlc, device). A
 * local change set and a merged op both end in apply_op_fields(), which keeps, field by
 * field, the value with the greatest clock; that is what makes merge order-independent
 * and idempotent. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "crm-error-private.h"
#include "crm-store-private.h"
#include "crm-store-sync-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-validate.h"

/* PRAGMA application_id of a Voronka replica: "VRNK" */
#define CRM_APPLICATION_ID 0x56524E4B

struct _CrmStore
{
  GObject       parent_instance;

  sqlite3      *db;
  char         *path;
  char         *device_id;
  CrmHlc        clock;
  gint64        now_ms;
  GRand        *rand;          /* NULL: ids from the system's randomness */

  GHashTable   *statements;    /* SQL text → sqlite3_stmt* */
  GArray       *gates;         /* CrmGateFunc, checked before the rules run */
  GArray       *final_gates;   /* CrmGateFunc, checked after the rules ran */
  CrmRulesHook  rules_hook;
  JsonObject   *refusal;
  GPtrArray    *pending_ops;   /* CrmOp*, written by the apply in progress */
  GPtrArray    *last_ops;      /* CrmOp*, written by the last successful apply */
  gboolean      in_apply;
  gboolean      read_only;     /* the file or its folder cannot be written */
  int           sql_failure;   /* the first SQLite failure of the apply in progress */
  JsonObject   *capture_clocks; /* sync: field → clock an op overwrote, or NULL */
};

G_DEFINE_FINAL_TYPE (CrmStore, crm_store, G_TYPE_OBJECT)

static void
crm_store_finalize (GObject *object)
{
  CrmStore *self = CRM_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->gates, g_array_unref);
  g_clear_pointer (&self->final_gates, g_array_unref);
  g_clear_pointer (&self->refusal, json_object_unref);
  g_clear_pointer (&self->pending_ops, g_ptr_array_unref);
  g_clear_pointer (&self->last_ops, g_ptr_array_unref);

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
  self->pending_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  self->last_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
}

/* --- SQLite plumbing -------------------------------------------------------------- */

sqlite3 *
_crm_store_get_db (CrmStore *self)
{
  return self->db;
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

void
_crm_store_set_sql_error (CrmStore    *self,
                          GError     **error,
                          const char  *what)
{
  int code = sqlite3_extended_errcode (self->db);

  note_failure (self, code);
  /* a read-only replica cannot make the -shm file SQLite asks for */
  if (self->read_only && (code & 0xFF) == SQLITE_CANTOPEN)
    code = SQLITE_READONLY;
  _crm_sqlite_set_error (error, self->db, code, self->path, what);
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
      note_failure (self, sqlite3_extended_errcode (self->db));
      _crm_store_set_sql_error (self, error, "preparing a query");
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
    _crm_store_set_sql_error (self, error, "reading a setting");
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

static gboolean
save_clock (CrmStore  *self,
            GError   **error)
{
  g_autofree char *text = crm_hlc_to_string (self->clock.last);

  return crm_store_set_meta (self, "hlc", text, error);
}

/* Another connection (the sync thread, voronkactl next to the app) may have moved the
 * clock on: take the stored clock into account at the start of every write
 * transaction, so a local op is always stamped after every op this replica holds. */
static void
reload_clock (CrmStore *self)
{
  g_autofree char *text = crm_store_dup_meta (self, "hlc");
  guint64 stored = 0;

  if (text != NULL && crm_hlc_parse (text, &stored) && stored > self->clock.last)
    self->clock.last = stored;
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
      _crm_store_set_sql_error (self, error, "reading its header");
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
      if (wal_empty && open_uri (self, immutable))
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
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
crm_store_is_read_only (CrmStore *self)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  return self->read_only;
}

CrmStore *
crm_store_open (const char  *path,
                GError     **error)
{
  g_autoptr(CrmStore) self = NULL;
  gint64 application_id = 0;

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
  self->read_only = !replica_is_writable (path);
  if (self->read_only)
    {
      if (!open_read_only (self, error))
        return NULL;
    }
  else
    {
      int rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE, NULL);

      if (rc != SQLITE_OK)
        {
          _crm_sqlite_set_error (error, self->db, self->db ? 0 : rc, path, "opening it");
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
  if (self->read_only && read_user_version (self) < CRM_SCHEMA_VERSION)
    {
      /* an older schema needs an update it cannot write */
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_READ_ONLY,
                   _("The replica %s is read-only (its file or folder cannot be written) and "
                     "was made by an older version of Voronka, which must update it first; "
                     "make it writable, e.g. chmod u+w, and open it again"), path);
      return NULL;
    }
  if (!configure_connection (self, error) ||
      !crm_schema_migrate (self->db, error) ||
      !load_identity (self, error))
    {
      if (error != NULL && *error != NULL && (*error)->domain == CRM_STORE_ERROR &&
          (*error)->code == CRM_STORE_ERROR_FAILED)
        (*error)->code = CRM_STORE_ERROR_DATABASE_CORRUPT;
      return NULL;
    }
  return g_steal_pointer (&self);
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
  sqlite3_wal_autocheckpoint (self->db, deferred ? 0 : 1000);
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

/* --- field clocks and values ---------------------------------------------------------- */

/* A field's clock is "hlc16hex device"; (hlc, device) order decides. In memory a row's
 * clocks are a map field → clock. On disk they are grouped by clock, {clock: [fields]},
 * since most fields of a row were written by one op: the row's creation writes every
 * field with one clock, later edits a few. The older one-clock-per-field form is still
 * read (rows are rewritten in the grouped form when they next change). */
static JsonObject *
clocks_decode (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;
  JsonObject *clocks = json_object_new ();
  JsonObject *stored;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return clocks;
  stored = json_node_get_object (node);
  members = json_object_get_members (stored);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (stored, l->data);

      if (JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *fields = json_node_get_array (value);

          for (guint i = 0; i < json_array_get_length (fields); i++)
            {
              const char *field = json_array_get_string_element (fields, i);

              if (field != NULL)
                json_object_set_string_member (clocks, field, l->data);
            }
        }
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        json_object_set_string_member (clocks, l->data, json_node_get_string (value));
    }
  return clocks;
}

typedef struct {
  const char *clock;
  const char *field;
} ClockField;

static int
compare_clock_fields (gconstpointer a,
                      gconstpointer b)
{
  const ClockField *x = a, *y = b;
  int order = strcmp (x->clock, y->clock);

  return order != 0 ? order : strcmp (x->field, y->field);
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The grouped form of @clocks, canonical: clocks sorted, each clock's fields sorted.
 * Written directly: it is on the path of every write. */
static char *
clocks_encode (JsonObject *clocks)
{
  g_autoptr(GList) members = json_object_get_members (clocks);
  g_autoptr(GArray) pairs = g_array_sized_new (FALSE, FALSE, sizeof (ClockField), 16);
  GString *out = g_string_sized_new (128);

  for (GList *l = members; l != NULL; l = l->next)
    {
      ClockField pair = {
        json_object_get_string_member_with_default (clocks, l->data, NULL), l->data
      };

      if (pair.clock != NULL)
        g_array_append_val (pairs, pair);
    }
  g_array_sort (pairs, compare_clock_fields);
  g_string_append_c (out, '{');
  for (guint i = 0; i < pairs->len; i++)
    {
      const ClockField *pair = &g_array_index (pairs, ClockField, i);
      gboolean first_of_clock = i == 0 ||
        strcmp (g_array_index (pairs, ClockField, i - 1).clock, pair->clock) != 0;

      if (first_of_clock)
        {
          if (i > 0)
            g_string_append (out, "],");
          append_json_string (out, pair->clock);
          g_string_append (out, ":[");
        }
      else
        g_string_append_c (out, ',');
      append_json_string (out, pair->field);
    }
  if (pairs->len > 0)
    g_string_append_c (out, ']');
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static int
compare_clock (guint64     hlc,
               const char *device,
               const char *stored)
{
  guint64 stored_hlc = 0;
  g_autofree char *hex = NULL;
  const char *space;

  if (stored == NULL)
    return 1;
  space = strchr (stored, ' ');
  if (space == NULL)
    return 1;
  hex = g_strndup (stored, space - stored);
  if (!crm_hlc_parse (hex, &stored_hlc))
    return 1;
  if (hlc != stored_hlc)
    return hlc > stored_hlc ? 1 : -1;
  return strcmp (device, space + 1);
}

static gboolean
check_value_kind (const CrmOp     *op,
                  const char      *field,
                  const CrmColumn *column,
                  JsonNode        *value,
                  GError         **error)
{
  gboolean ok = FALSE;

  if (JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  switch (column ? column->kind : CRM_COLUMN_JSON)
    {
    case CRM_COLUMN_TEXT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
      break;
    case CRM_COLUMN_INT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64;
      break;
    case CRM_COLUMN_BOOL:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
      break;
    case CRM_COLUMN_JSON:
    default:
      ok = TRUE;
      break;
    }
  if (!ok)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                 _("Field “%s” of %s %s has a value of the wrong type"), field, op->entity,
                 op->entity_id);
  return ok;
}

static void
bind_value (sqlite3_stmt    *stmt,
            int              index,
            const CrmColumn *column,
            JsonNode        *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    {
      sqlite3_bind_null (stmt, index);
      return;
    }
  switch (column->kind)
    {
    case CRM_COLUMN_TEXT:
      _crm_sql_bind_text_or_null (stmt, index, json_node_get_string (value));
      break;
    case CRM_COLUMN_INT:
      sqlite3_bind_int64 (stmt, index, json_node_get_int (value));
      break;
    case CRM_COLUMN_BOOL:
      sqlite3_bind_int (stmt, index, json_node_get_boolean (value) ? 1 : 0);
      break;
    case CRM_COLUMN_JSON:
    default:
      {
        g_autofree char *text = crm_json_to_canonical (value);
        _crm_sql_bind_text_or_null (stmt, index, text);
      }
      break;
    }
}

/* The rows of contact_prefix (schema 2) for a contact's name words: the first one, two
 * and three letters of each word, with rank 0 when a word starting so is the surname
 * (position 0), 1 otherwise, and the contact's name. Written here rather than by
 * triggers on contact_token: a trigger program per word cost 70 % of merging new
 * contacts (bench/RESULTS.md). */
static gboolean
write_contact_prefixes (CrmStore    *self,
                        const char  *contact_id,
                        const char  *name,
                        GHashTable  *tokens,
                        GError     **error)
{
  g_autoptr(GHashTable) prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *stmt;

  g_hash_table_iter_init (&iter, tokens);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int position = GPOINTER_TO_INT (value);
      glong n_chars = g_utf8_strlen (key, -1);

      if (position >= 100)   /* phone digits have no prefixes */
        continue;
      for (glong length = 1; length <= MIN (n_chars, 3); length++)
        {
          const char *end = g_utf8_offset_to_pointer (key, length);
          g_autofree char *prefix = g_strndup (key, end - (const char *) key);
          int rank = position != 0 ? 1 : 0;
          gpointer old_rank;

          if (g_hash_table_lookup_extended (prefixes, prefix, NULL, &old_rank))
            rank = MIN (rank, GPOINTER_TO_INT (old_rank));
          g_hash_table_insert (prefixes, g_steal_pointer (&prefix), GINT_TO_POINTER (rank));
        }
    }
  if (g_hash_table_size (prefixes) == 0)
    return TRUE;

  stmt = _crm_store_prepare (self,
    "INSERT OR REPLACE INTO contact_prefix (contact, prefix, rank, name) VALUES (?1, ?2, ?3, ?4)",
    error);
  if (stmt == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, prefixes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      _crm_sql_bind_text_or_null (stmt, 1, contact_id);
      _crm_sql_bind_text_or_null (stmt, 2, key);
      sqlite3_bind_int (stmt, 3, GPOINTER_TO_INT (value));
      _crm_sql_bind_text_or_null (stmt, 4, name);
      if (!_crm_sql_step_done (self, stmt, "updating the contact search", error))
        return FALSE;
    }
  return TRUE;
}

/* Rebuild the derived search words of a contact (name words and phone digits) and their
 * prefixes; a contact the op just created has none to remove. */
static gboolean
refresh_contact_tokens (CrmStore    *self,
                        const char  *contact_id,
                        gboolean     created,
                        GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *name = NULL;
  g_autofree char *phones = NULL;
  gboolean deleted = FALSE;
  /* token → its position (word index in the name; 100 for phone digits) */
  g_autoptr(GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  if (!created)
    {
      static const char *const removals[] = {
        "DELETE FROM contact_token WHERE contact = ?1",
        "DELETE FROM contact_prefix WHERE contact = ?1",
      };

      for (guint i = 0; i < G_N_ELEMENTS (removals); i++)
        {
          stmt = _crm_store_prepare (self, removals[i], error);
          if (stmt == NULL)
            return FALSE;
          _crm_sql_bind_text_or_null (stmt, 1, contact_id);
          if (!_crm_sql_step_done (self, stmt, "updating the contact search", error))
            return FALSE;
        }
    }

  stmt = _crm_store_prepare (self, "SELECT name, phones, deleted FROM contact WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, contact_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW)
    {
      name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      phones = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      deleted = sqlite3_column_int (stmt, 2) != 0;
    }
  sqlite3_reset (stmt);
  if (deleted)
    return TRUE;

  if (name != NULL)
    {
      g_auto(GStrv) words = _crm_text_fold_words (name);

      /* the first place a word appears counts: a surname ranks first */
      for (int position = 0; words[position] != NULL; position++)
        if (!g_hash_table_contains (tokens, words[position]))
          g_hash_table_insert (tokens, g_strdup (words[position]), GINT_TO_POINTER (position));
    }
  if (phones != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (phones, NULL);

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              const char *phone = json_array_get_string_element (array, i);
              GString *digits = g_string_new (NULL);

              for (const char *p = phone ? phone : ""; *p != '\0'; p++)
                if (g_ascii_isdigit (*p))
                  g_string_append_c (digits, *p);
              /* the digits, and (schema 7) every tail of them of four digits or more:
               * a prefix search over tails finds any four consecutive digits of the
               * number («762-30» in +7 982 762-30-41) from the index */
              for (gsize start = 0; start < digits->len; start++)
                {
                  if (start > 0 && digits->len - start < CRM_PHONE_DIGITS_MIN)
                    break;
                  if (!g_hash_table_contains (tokens, digits->str + start))
                    g_hash_table_insert (tokens, g_strdup (digits->str + start),
                                         GINT_TO_POINTER (start == 0 ? 100 : 101));
                }
              g_string_free (digits, TRUE);
            }
        }
    }

  stmt = _crm_store_prepare (self,
    "INSERT OR IGNORE INTO contact_token (token, contact, position) VALUES (?1, ?2, ?3)",
    error);
  if (stmt == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, tokens);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      sqlite3_clear_bindings (stmt);
      _crm_sql_bind_text_or_null (stmt, 1, key);
      _crm_sql_bind_text_or_null (stmt, 2, contact_id);
      sqlite3_bind_int (stmt, 3, GPOINTER_TO_INT (value));
      if (!_crm_sql_step_done (self, stmt, "updating the contact search", error))
        return FALSE;
    }
  return write_contact_prefixes (self, contact_id, name, tokens, error);
}

/* Reading rows (defined with crm_store_dup_entity below). */
static char       *select_all_sql (const CrmEntityType *type,
                                   const char          *where);
static JsonObject *row_to_object  (const CrmEntityType *type,
                                   sqlite3_stmt        *stmt);

/* Stands for the `deleted` column in the list of columns an op wins. */
static const CrmColumn deleted_column = { "deleted", CRM_COLUMN_BOOL };

static void
append_uint (GString *out,
             guint    value)
{
  char digits[16];
  int n = 0;

  do
    digits[n++] = (char) ('0' + value % 10);
  while ((value /= 10) > 0);
  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

/* "SELECT id, deleted, data, clocks, hlc, <columns> FROM <type> WHERE id = ?1" for every
 * type, made once: reading a row by id is on the path of every write. */
static const char *
select_by_id_sql (const CrmEntityType *type)
{
  static GHashTable *sql_by_type;

  if (g_once_init_enter (&sql_by_type))
    {
      GHashTable *table = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      const CrmEntityType *const *types = crm_schema_types ();

      for (guint t = 0; types[t] != NULL; t++)
        g_hash_table_insert (table, (gpointer) types[t], select_all_sql (types[t], "WHERE id = ?1"));
      g_once_init_leave (&sql_by_type, table);
    }
  return g_hash_table_lookup (sql_by_type, type);
}

/* The heart of the store: write the fields of @op whose clock beats the stored clock
 * of that field. Columns are updated in place; other fields live in `data`. */
static gboolean
apply_op_fields (CrmStore     *self,
                 CrmOp        *op,
                 GError      **error)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autoptr(JsonObject) clocks = NULL;
  g_autoptr(JsonNode) data_node = NULL;
  JsonObject *data;
  g_autoptr(GString) update = NULL;
  g_autoptr(GPtrArray) won_columns = g_ptr_array_new ();
  g_autoptr(GPtrArray) won_values = g_ptr_array_new ();
  gboolean data_changed = FALSE;
  gboolean any_won = FALSE;
  gboolean exists = FALSE;
  gboolean search_changed = FALSE;
  gint64 row_hlc = 0;
  g_autoptr(GList) members = NULL;
  g_autofree char *clock_text = NULL;
  g_autoptr(JsonObject) old_row = NULL;
  sqlite3_stmt *stmt;
  int index;

  /* one read gives the clocks, the custom fields and, for known types, the values the
   * op may replace (op->previous, the rules' "from" and conflicts) */
  stmt = _crm_store_prepare (self, type != NULL ? select_by_id_sql (type) :
                             "SELECT id, 0, data, clocks, hlc FROM other_entity "
                             "WHERE id = ?1 AND entity = ?2", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      exists = TRUE;
      data_node = json_from_string ((const char *) sqlite3_column_text (stmt, 2), NULL);
      clocks = clocks_decode ((const char *) sqlite3_column_text (stmt, 3));
      row_hlc = sqlite3_column_int64 (stmt, 4);
      if (type != NULL)
        old_row = row_to_object (type, stmt);
      break;
    case SQLITE_DONE:
      break;
    default:
      _crm_store_set_sql_error (self, error, "reading an entity");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  if (clocks == NULL)
    clocks = json_object_new ();
  if (data_node == NULL || !JSON_NODE_HOLDS_OBJECT (data_node))
    {
      g_clear_pointer (&data_node, json_node_unref);
      data_node = crm_json_node_take_object (json_object_new ());
    }
  data = json_node_get_object (data_node);

  {
    g_autofree char *hex = crm_hlc_to_string (op->hlc);
    clock_text = g_strconcat (hex, " ", op->device, NULL);
  }

  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      const CrmColumn *column = NULL;
      gboolean is_deleted = g_str_equal (field, "deleted");
      int order;

      if (g_str_equal (field, "id") || g_str_equal (field, "data") ||
          g_str_equal (field, "clocks") || g_str_equal (field, "hlc"))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("“%s” is not a field that can be written (%s %s)"), field,
                       op->entity, op->entity_id);
          return FALSE;
        }
      if (type != NULL && !is_deleted)
        column = crm_entity_type_column (type, field);
      if (type != NULL && is_deleted &&
          !(JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("“deleted” of %s %s must be true or false"), op->entity, op->entity_id);
          return FALSE;
        }
      if (type != NULL && !check_value_kind (op, field, column, value, error))
        return FALSE;

      order = compare_clock (op->hlc, op->device,
                             json_object_get_string_member_with_default (clocks, field, NULL));
      /* Equal clocks from different ops happen only when a replica file was copied and
       * two devices share an id; the greater value wins so replicas still agree. */
      if (order == 0)
        {
          JsonNode *current = old_row != NULL ? json_object_get_member (old_row, field)
                                              : json_object_get_member (data, field);
          g_autofree char *current_text = crm_json_to_canonical (current);
          g_autofree char *new_text = crm_json_to_canonical (value);

          order = strcmp (new_text, current_text);
        }
      if (order <= 0)
        continue;

      any_won = TRUE;
      if (self->capture_clocks != NULL)
        {
          const char *old_clock = json_object_get_string_member_with_default (clocks, field,
                                                                              NULL);
          if (old_clock != NULL)
            json_object_set_string_member (self->capture_clocks, field, old_clock);
          else
            json_object_set_null_member (self->capture_clocks, field);
        }
      json_object_set_string_member (clocks, field, clock_text);
      if (old_row != NULL)
        {
          JsonNode *old = json_object_get_member (old_row, field);

          if (op->previous == NULL)
            op->previous = json_object_new ();
          json_object_set_member (op->previous, field,
                                  old ? json_node_copy (old) : json_node_new (JSON_NODE_NULL));
        }
      if (type != NULL && is_deleted)
        {
          g_ptr_array_add (won_columns, (gpointer) &deleted_column);
          g_ptr_array_add (won_values, value);
        }
      else if (column != NULL)
        {
          g_ptr_array_add (won_columns, (gpointer) column);
          g_ptr_array_add (won_values, value);
        }
      else
        {
          json_object_set_member (data, field, json_node_copy (value));
          data_changed = TRUE;
        }
      if (type != NULL && g_str_equal (type->name, "contact") &&
          (is_deleted || g_str_equal (field, "name") || g_str_equal (field, "phones")))
        search_changed = TRUE;
    }

  if (!any_won)
    return TRUE;

  op->created = !exists;

  /* one statement: an INSERT with every won column for a new row (indexes and triggers
   * see the row once, complete), an UPDATE of the won columns otherwise. Parameters:
   * ?1 clocks, ?2 hlc, ?3 data, ?4… the columns, then id (and entity). The text is the
   * statement cache's key; it is built without printf, on the path of every write. */
  update = g_string_sized_new (256);
  if (!exists)
    {
      g_autoptr(GString) values = g_string_sized_new (64);

      g_string_append (update, "INSERT INTO \"");
      g_string_append (update, type != NULL ? type->name : "other_entity");
      g_string_append (update, "\" (clocks, hlc");
      g_string_append (values, "?1, ?2");
      if (data_changed)
        {
          g_string_append (update, ", data");
          g_string_append (values, ", ?3");
        }
      index = 4;
      for (guint i = 0; i < won_columns->len; i++, index++)
        {
          g_string_append (update, ", \"");
          g_string_append (update, ((const CrmColumn *) won_columns->pdata[i])->name);
          g_string_append_c (update, '"');
          g_string_append (values, ", ?");
          append_uint (values, index);
        }
      g_string_append (update, ", id");
      g_string_append (values, ", ?");
      append_uint (values, index);
      if (type == NULL)
        {
          g_string_append (update, ", entity");
          g_string_append (values, ", ?");
          append_uint (values, index + 1);
        }
      g_string_append (update, ") VALUES (");
      g_string_append_len (update, values->str, values->len);
      g_string_append_c (update, ')');
    }
  else
    {
      g_string_append (update, "UPDATE \"");
      g_string_append (update, type != NULL ? type->name : "other_entity");
      g_string_append (update, "\" SET clocks = ?1, hlc = ?2");
      if (data_changed)
        g_string_append (update, ", data = ?3");
      index = 4;
      for (guint i = 0; i < won_columns->len; i++, index++)
        {
          g_string_append (update, ", \"");
          g_string_append (update, ((const CrmColumn *) won_columns->pdata[i])->name);
          g_string_append (update, "\" = ?");
          append_uint (update, index);
        }
      g_string_append (update, " WHERE id = ?");
      append_uint (update, index);
      if (type == NULL)
        {
          g_string_append (update, " AND entity = ?");
          append_uint (update, index + 1);
        }
    }

  stmt = _crm_store_prepare (self, update->str, error);
  if (stmt == NULL)
    return FALSE;
  {
    g_autofree char *clocks_text = clocks_encode (clocks);
    _crm_sql_bind_text_or_null (stmt, 1, clocks_text);
  }
  sqlite3_bind_int64 (stmt, 2, MAX (row_hlc, (gint64) op->hlc));
  if (data_changed)
    {
      g_autofree char *data_text = crm_json_to_canonical (data_node);
      _crm_sql_bind_text_or_null (stmt, 3, data_text);
    }
  index = 4;
  for (guint i = 0; i < won_columns->len; i++, index++)
    {
      bind_value (stmt, index, won_columns->pdata[i], won_values->pdata[i]);
    }
  _crm_sql_bind_text_or_null (stmt, index, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, index + 1, op->entity);
  if (!_crm_sql_step_done (self, stmt, "writing an entity", error))
    return FALSE;

  if (search_changed && !refresh_contact_tokens (self, op->entity_id, !exists, error))
    return FALSE;
  return TRUE;
}

/* --- the changelog ---------------------------------------------------------------------- */

static gboolean
append_to_changelog (CrmStore     *self,
                     CrmOp        *op,
                     gboolean      local,
                     GError      **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "INSERT INTO changelog (op_id, hlc, device, entity, entity_id, fields, cause, rule,"
    " actor, local, stamp, server_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12)", error);
  g_autofree char *fields = NULL;

  if (stmt == NULL)
    return FALSE;
  fields = crm_json_object_to_canonical (op->fields);
  _crm_sql_bind_text_or_null (stmt, 1, op->op_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) op->hlc);
  _crm_sql_bind_text_or_null (stmt, 3, op->device);
  _crm_sql_bind_text_or_null (stmt, 4, op->entity);
  _crm_sql_bind_text_or_null (stmt, 5, op->entity_id);
  _crm_sql_bind_text_or_null (stmt, 6, fields);
  _crm_sql_bind_text_or_null (stmt, 7, op->cause);
  _crm_sql_bind_text_or_null (stmt, 8, op->rule);
  _crm_sql_bind_text_or_null (stmt, 9, op->actor);
  sqlite3_bind_int (stmt, 10, local ? 1 : 0);
  _crm_sql_bind_text_or_null (stmt, 11, op->stamp);
  /* an op pulled from the server comes with the server's sequence number */
  if (!local && op->seq > 0)
    sqlite3_bind_int64 (stmt, 12, op->seq);
  else
    sqlite3_bind_null (stmt, 12);
  if (!_crm_sql_step_done (self, stmt, "appending to the changelog", error))
    return FALSE;
  op->seq = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static gboolean
op_is_known (CrmStore    *self,
             const char  *op_id,
             gboolean    *out_known,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT 1 FROM changelog WHERE op_id = ?1",
                                           error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (self, error, "reading the changelog");
      return FALSE;
    }
  *out_known = rc == SQLITE_ROW;
  return TRUE;
}

CrmOp *
_crm_op_from_changelog_row (sqlite3_stmt *stmt)
{
  int n_columns = sqlite3_column_count (stmt);
  CrmOp *op = crm_op_new ();
  g_autoptr(JsonNode) fields = NULL;

  op->seq = sqlite3_column_int64 (stmt, 0);
  op->op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  op->hlc = (guint64) sqlite3_column_int64 (stmt, 2);
  op->device = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  op->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  op->entity_id = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  fields = json_from_string ((const char *) sqlite3_column_text (stmt, 6), NULL);
  if (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields))
    {
      json_object_unref (op->fields);
      op->fields = json_object_ref (json_node_get_object (fields));
    }
  /* the columns after "fields" are read when the statement has them */
  if (n_columns > 9)
    {
      op->cause = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      op->rule = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      op->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
    }
  if (n_columns > 10)
    op->stamp = g_strdup ((const char *) sqlite3_column_text (stmt, 10));
  return op;
}

#define OP_COLUMNS CRM_CHANGELOG_OP_COLUMNS

static GPtrArray *
collect_ops (CrmStore      *self,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ops, _crm_op_from_changelog_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (self, error, "reading the changelog");
      return NULL;
    }
  return g_steal_pointer (&ops);
}

GPtrArray *
crm_store_dup_log (CrmStore  *self,
                   gint64     since,
                   GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "SELECT " OP_COLUMNS " FROM changelog WHERE seq > ?1 ORDER BY seq", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, since);
  return collect_ops (self, stmt, error);
}

GPtrArray *
crm_store_dup_entity_log (CrmStore    *self,
                          const char  *entity_id,
                          GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self,
    "SELECT " OP_COLUMNS " FROM changelog WHERE entity_id = ?1 ORDER BY hlc, seq", error);

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  return collect_ops (self, stmt, error);
}

gint64
crm_store_get_log_length (CrmStore *self)
{
  gint64 count = 0;

  if (!_crm_store_count_log (self, &count, NULL))
    return 0;
  return count;
}

gboolean
_crm_store_count_log (CrmStore  *self,
                      gint64    *out_count,
                      GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT count(*) FROM changelog", error);
  int rc;

  *out_count = 0;
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_count = sqlite3_column_int64 (stmt, 0);
  else
    _crm_store_set_sql_error (self, error, "counting the changelog");
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

/* --- the one write path ------------------------------------------------------------------ */

void
_crm_store_add_gate (CrmStore    *self,
                     CrmGateFunc  gate)
{
  g_array_append_val (self->gates, gate);
}

void
_crm_store_add_final_gate (CrmStore    *self,
                           CrmGateFunc  gate)
{
  g_array_append_val (self->final_gates, gate);
}

void
_crm_store_set_rules_hook (CrmStore     *self,
                           CrmRulesHook  hook)
{
  self->rules_hook = hook;
}

void
_crm_store_set_refusal (CrmStore   *self,
                        JsonObject *refusal)
{
  g_clear_pointer (&self->refusal, json_object_unref);
  self->refusal = refusal;
}

JsonObject *
crm_store_dup_refusal (CrmStore *self)
{
  return self->refusal != NULL ? json_object_ref (self->refusal) : NULL;
}

GPtrArray *
crm_store_get_last_ops (CrmStore *self)
{
  return self->last_ops;
}

CrmOp *
_crm_store_write_change (CrmStore         *self,
                         const CrmChange  *change,
                         const char       *actor,
                         const char       *cause,
                         const char       *rule,
                         GError          **error)
{
  g_autoptr(CrmOp) op = NULL;
  gint64 now = crm_store_get_now (self);
  CrmOp *borrowed;

  g_return_val_if_fail (self->in_apply, NULL);

  if (crm_schema_lookup (change->entity) == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” is not a kind of entity this version knows"), change->entity);
      return NULL;
    }
  if (!crm_uuid_is_valid (change->entity_id))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” is not a valid id for a %s"), change->entity_id, change->entity);
      return NULL;
    }

  op = g_new0 (CrmOp, 1);
  op->op_id = crm_store_new_id (self);
  op->hlc = crm_hlc_now (&self->clock, now);
  op->device = g_strdup (self->device_id);
  op->entity = g_strdup (change->entity);
  op->entity_id = g_strdup (change->entity_id);
  op->fields = crm_json_object_deep_copy (change->fields);
  op->cause = g_strdup (cause);
  op->rule = g_strdup (rule);
  op->actor = g_strdup (actor);

  /* A deal's stage and pipeline travel together in every op that moves it, so that
   * last-writer-wins keeps them from one op and never pairs a stage with another
   * pipeline. */
  if (g_str_equal (op->entity, "deal") && json_object_has_member (op->fields, "stage") &&
      !json_object_has_member (op->fields, "pipeline"))
    {
      const char *stage = json_object_get_string_member_with_default (op->fields, "stage", NULL);
      g_autofree char *pipeline = _crm_store_dup_column (self, "stage", stage, "pipeline");

      if (pipeline != NULL)
        json_object_set_string_member (op->fields, "pipeline", pipeline);
    }

  if (!crm_validate_op_shape (op, error) ||
      !apply_op_fields (self, op, error) ||
      !append_to_changelog (self, op, TRUE, error))
    return NULL;

  borrowed = op;
  g_ptr_array_add (self->pending_ops, g_steal_pointer (&op));
  return borrowed;
}

static void
undo_transaction (CrmStore *self)
{
  sqlite3_stmt *rollback_stmt = g_hash_table_lookup (self->statements, "ROLLBACK");
  GHashTableIter iter;
  gpointer stmt;

  /* an I/O error or a full disk rolled it back already */
  if (!sqlite3_get_autocommit (self->db))
    {
      if (rollback_stmt != NULL)
        {
          sqlite3_reset (rollback_stmt);
          sqlite3_step (rollback_stmt);
          sqlite3_reset (rollback_stmt);
        }
      else
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
  /* after a failed write SQLite lets go of the replica's locks only once no statement
   * of the connection is still running */
  g_hash_table_iter_init (&iter, self->statements);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_reset (stmt);
}

/* Nothing of ours is open outside an apply: a transaction still open here is one whose
 * ROLLBACK failed, and it is ended before the next one begins. */
static gboolean
begin_immediate (CrmStore  *self,
                 GError   **error)
{
  /* the ROLLBACK is prepared before anything is written, so undoing needs no memory
   * (a write that failed for want of it must still be undone) */
  if (_crm_store_prepare (self, "ROLLBACK", error) == NULL)
    return FALSE;
  if (!sqlite3_get_autocommit (self->db))
    undo_transaction (self);
  return _crm_sql_exec (self, "BEGIN IMMEDIATE", NULL, error);
}

/* A refusal (a gate, a missing entity…) that followed a failed SQLite lookup is not
 * what happened: the failure is reported instead. */
static void
report_sql_failure (CrmStore  *self,
                    GError   **error)
{
  if (self->sql_failure == 0 || error == NULL || crm_error_is_storage (*error) ||
      _crm_sqlite_error_code (self->sql_failure) == CRM_STORE_ERROR_FAILED)
    return;
  g_clear_error (error);
  _crm_sqlite_set_error (error, self->db, self->sql_failure, self->path, "checking the change");
  _crm_store_set_refusal (self, NULL);
}

/* A lookup on the way that SQLite could not answer (a gate's, a rule's question, read as
 * "no row") is not what the transaction may build on: nothing is written, and the error
 * says what failed. */
static gboolean
check_no_failed_lookup (CrmStore  *self,
                        GError   **error)
{
  if (self->sql_failure == 0)
    return TRUE;
  _crm_sqlite_set_error (error, self->db, self->sql_failure, self->path, "checking the change");
  return FALSE;
}

static gboolean
fail (CrmStore  *self,
      GError   **error)
{
  report_sql_failure (self, error);
  undo_transaction (self);
  g_ptr_array_set_size (self->pending_ops, 0);
  self->in_apply = FALSE;
  return FALSE;
}

static gboolean
rollback (CrmStore *self)
{
  undo_transaction (self);
  g_ptr_array_set_size (self->pending_ops, 0);
  self->in_apply = FALSE;
  return FALSE;
}

/* Runs @gates over the ops written so far from @from on. */
static gboolean
run_gates (CrmStore  *self,
           GArray    *gates,
           guint      from,
           guint      to,
           GError   **error)
{
  for (guint i = from; i < to; i++)
    {
      const CrmOp *op = g_ptr_array_index (self->pending_ops, i);

      for (guint g = 0; g < gates->len; g++)
        if (!g_array_index (gates, CrmGateFunc, g) (self, op, error))
          return FALSE;
    }
  return TRUE;
}

/* The shared middle of crm_store_apply() and _crm_store_transact(): the transaction,
 * gates before and after the rules, and what a refusal undoes. */
static gboolean
transact (CrmStore         *self,
          CrmChangeset     *changeset,
          CrmTransactFunc   func,
          gpointer          user_data,
          GError          **error)
{
  guint n_written;

  g_return_val_if_fail (!self->in_apply, FALSE);

  _crm_store_set_refusal (self, NULL);
  if (!begin_immediate (self, error))
    return FALSE;
  reload_clock (self);
  self->in_apply = TRUE;
  self->sql_failure = 0;
  g_ptr_array_set_size (self->pending_ops, 0);

  if (changeset != NULL)
    {
      for (guint i = 0; i < crm_changeset_get_n_changes (changeset); i++)
        {
          CrmChange *change = crm_changeset_get_change (changeset, i);

          if (_crm_store_write_change (self, change, crm_changeset_get_actor (changeset),
                                       NULL, NULL, error) == NULL)
            return fail (self, error);
        }
    }
  if (func != NULL && !func (self, user_data, error))
    return fail (self, error);

  /* Gates look at the state the change set leaves, so a move that also sets the
   * missing field or the reason passes. The ops rules wrote are gated like the user's
   * own (the server checks every op it is sent the same way, crm-validate.h). */
  n_written = self->pending_ops->len;
  if (!run_gates (self, self->gates, 0, n_written, error))
    return fail (self, error);
  if (self->rules_hook != NULL && self->pending_ops->len > 0 &&
      !self->rules_hook (self, self->pending_ops, error))
    return fail (self, error);
  if (!run_gates (self, self->gates, n_written, self->pending_ops->len, error) ||
      !run_gates (self, self->final_gates, 0, self->pending_ops->len, error))
    return fail (self, error);

  if (!check_no_failed_lookup (self, error) || !save_clock (self, error) ||
      !_crm_sql_exec (self, "COMMIT", NULL, error))
    return fail (self, error);

  self->in_apply = FALSE;
  g_ptr_array_set_size (self->last_ops, 0);
  g_ptr_array_extend_and_steal (self->last_ops, g_steal_pointer (&self->pending_ops));
  self->pending_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  return TRUE;
}

gboolean
crm_store_apply (CrmStore      *self,
                 CrmChangeset  *changeset,
                 GError       **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (changeset != NULL, FALSE);

  if (crm_changeset_get_n_changes (changeset) == 0)
    {
      _crm_store_set_refusal (self, NULL);
      g_ptr_array_set_size (self->last_ops, 0);
      return TRUE;
    }
  return transact (self, changeset, NULL, NULL, error);
}

gboolean
_crm_store_transact (CrmStore         *self,
                     CrmTransactFunc   func,
                     gpointer          user_data,
                     GError          **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  return transact (self, NULL, func, user_data, error);
}

/* --- merge ------------------------------------------------------------------------------- */

static gboolean
validate_remote_op (const CrmOp  *op,
                    GError      **error)
{
  if (op->op_id == NULL || op->device == NULL || op->entity == NULL ||
      op->entity_id == NULL || op->fields == NULL || *op->entity == '\0' ||
      *op->entity_id == '\0' || *op->device == '\0' || strchr (op->device, ' ') != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("An op from elsewhere is incomplete (op %s)"), op->op_id ? op->op_id : "?");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_store_merge_ops (CrmStore   *self,
                     GPtrArray  *ops,
                     GError    **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_apply, FALSE);

  if (ops == NULL || ops->len == 0)
    return TRUE;
  if (!_crm_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    if (!_crm_store_merge_op (self, g_ptr_array_index (ops, i), FALSE, NULL, NULL, error))
      {
        _crm_store_rollback (self);
        return FALSE;
      }
  return _crm_store_commit (self, error);
}

/* --- what sync builds on (crm-store-sync-private.h) ------------------------------------ */

gboolean
_crm_store_begin (CrmStore  *self,
                  GError   **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_apply, FALSE);

  if (!begin_immediate (self, error))
    return FALSE;
  reload_clock (self);
  self->in_apply = TRUE;
  self->sql_failure = 0;
  g_ptr_array_set_size (self->pending_ops, 0);
  return TRUE;
}

gboolean
_crm_store_commit (CrmStore  *self,
                   GError   **error)
{
  g_return_val_if_fail (self->in_apply, FALSE);

  if (!check_no_failed_lookup (self, error) || !save_clock (self, error) ||
      !_crm_sql_exec (self, "COMMIT", NULL, error))
    {
      _crm_store_rollback (self);
      return FALSE;
    }
  self->in_apply = FALSE;
  g_ptr_array_set_size (self->pending_ops, 0);
  return TRUE;
}

void
_crm_store_rollback (CrmStore *self)
{
  rollback (self);
  /* the in-memory clock may have absorbed ops that are now undone; a clock that ran
   * ahead is harmless, so it stays */
}

gboolean
_crm_store_merge_op (CrmStore     *self,
                     const CrmOp  *op,
                     gboolean      local,
                     gboolean     *out_known,
                     JsonObject  **out_previous,
                     GError      **error)
{
  g_autoptr(CrmOp) copy = NULL;
  gboolean known = FALSE;
  gboolean ok;

  g_return_val_if_fail (self->in_apply, FALSE);

  if (out_known != NULL)
    *out_known = FALSE;
  if (out_previous != NULL)
    *out_previous = NULL;
  if (!validate_remote_op (op, error) || !op_is_known (self, op->op_id, &known, error))
    return FALSE;
  if (known)
    {
      if (out_known != NULL)
        *out_known = TRUE;
      return TRUE;
    }

  copy = crm_op_copy (op);
  g_clear_pointer (&copy->previous, json_object_unref);
  copy->created = FALSE;
  crm_hlc_absorb (&self->clock, op->hlc, crm_store_get_now (self));
  if (out_previous != NULL)
    self->capture_clocks = json_object_new ();
  ok = apply_op_fields (self, copy, error) && append_to_changelog (self, copy, local, error);
  if (out_previous != NULL)
    {
      /* {"values": {field: overwritten value}, "clocks": {field: its clock or null}} */
      JsonObject *previous = json_object_new ();

      json_object_set_object_member (previous, "clocks", g_steal_pointer (&self->capture_clocks));
      json_object_set_object_member (previous, "values",
                                     copy->previous ? json_object_ref (copy->previous)
                                                    : json_object_new ());
      if (ok)
        *out_previous = previous;
      else
        json_object_unref (previous);
    }
  return ok;
}

guint64
_crm_store_next_hlc (CrmStore *self)
{
  return crm_hlc_now (&self->clock, crm_store_get_now (self));
}

void
_crm_store_absorb_hlc (CrmStore *self,
                       guint64   hlc)
{
  crm_hlc_absorb (&self->clock, hlc, crm_store_get_now (self));
}

gboolean
_crm_store_reapply_op (CrmStore     *self,
                       const CrmOp  *op,
                       GError      **error)
{
  g_autoptr(CrmOp) copy = crm_op_copy (op);

  g_return_val_if_fail (self->in_apply, FALSE);
  g_clear_pointer (&copy->previous, json_object_unref);
  return apply_op_fields (self, copy, error);
}

/* The greatest hlc among the clocks of a row: what the row's `hlc` column holds, since
 * every winning op leaves its clock on at least one field until a greater one replaces
 * it. */
static gint64
max_clock (JsonObject *clocks)
{
  g_autoptr(GList) members = json_object_get_members (clocks);
  guint64 max = 0;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *text = json_object_get_string_member_with_default (clocks, l->data, NULL);
      g_autofree char *hex = text != NULL && strchr (text, ' ') != NULL
                             ? g_strndup (text, strchr (text, ' ') - text) : NULL;
      guint64 hlc = 0;

      if (hex != NULL && crm_hlc_parse (hex, &hlc))
        max = MAX (max, hlc);
    }
  return (gint64) max;
}

gboolean
_crm_store_restamp_op (CrmStore    *self,
                       const char  *op_id,
                       guint64      hlc,
                       GError     **error)
{
  const CrmEntityType *type;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) entity_ops = NULL;
  g_autoptr(JsonObject) clocks = NULL;
  g_autofree char *old_clock = NULL;
  g_autofree char *new_clock = NULL;
  g_autofree char *select_sql = NULL;
  g_autofree char *update_sql = NULL;
  g_autofree char *clocks_text = NULL;
  CrmOp *op;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self->in_apply, FALSE);

  stmt = _crm_store_prepare (self,
    "SELECT " OP_COLUMNS " FROM changelog WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  found = collect_ops (self, stmt, error);
  if (found == NULL)
    return FALSE;
  if (found->len == 0 || ((CrmOp *) found->pdata[0])->hlc == hlc)
    return TRUE;
  op = found->pdata[0];

  {
    g_autofree char *old_hex = crm_hlc_to_string (op->hlc);
    g_autofree char *new_hex = crm_hlc_to_string (hlc);

    old_clock = g_strdup_printf ("%s %s", old_hex, op->device);
    new_clock = g_strdup_printf ("%s %s", new_hex, op->device);
  }

  stmt = _crm_store_prepare (self, "UPDATE changelog SET hlc = ?2 WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) hlc);
  if (!_crm_sql_step_done (self, stmt, "re-stamping an op", error))
    return FALSE;

  /* the fields this op still holds take the new clock */
  type = crm_schema_lookup (op->entity);
  select_sql = type != NULL
    ? g_strdup_printf ("SELECT clocks FROM \"%s\" WHERE id = ?1", type->name)
    : g_strdup ("SELECT clocks FROM other_entity WHERE id = ?1 AND entity = ?2");
  update_sql = type != NULL
    ? g_strdup_printf ("UPDATE \"%s\" SET clocks = ?3, hlc = ?4 WHERE id = ?1", type->name)
    : g_strdup ("UPDATE other_entity SET clocks = ?3, hlc = ?4 WHERE id = ?1 AND entity = ?2");
  stmt = _crm_store_prepare (self, select_sql, error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  if (_crm_store_step (self, stmt) == SQLITE_ROW)
    clocks = clocks_decode ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (clocks == NULL)
    return TRUE;
  {
    g_autoptr(GList) members = json_object_get_members (op->fields);

    for (GList *l = members; l != NULL; l = l->next)
      if (g_strcmp0 (json_object_get_string_member_with_default (clocks, l->data, NULL),
                     old_clock) == 0)
        json_object_set_string_member (clocks, l->data, new_clock);
  }
  clocks_text = clocks_encode (clocks);
  stmt = _crm_store_prepare (self, update_sql, error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  _crm_sql_bind_text_or_null (stmt, 3, clocks_text);
  sqlite3_bind_int64 (stmt, 4, max_clock (clocks));
  if (!_crm_sql_step_done (self, stmt, "re-stamping an op", error))
    return FALSE;

  /* an op that lost to the old clock may beat the new one: apply them all again */
  entity_ops = crm_store_dup_entity_log (self, op->entity_id, error);
  if (entity_ops == NULL)
    return FALSE;
  for (guint i = 0; i < entity_ops->len; i++)
    {
      CrmOp *other = entity_ops->pdata[i];

      if (g_str_equal (other->entity, op->entity) && !_crm_store_reapply_op (self, other, error))
        return FALSE;
    }
  return TRUE;
}

/* --- reading entity state ------------------------------------------------------------------ */

static JsonNode *
column_to_node (sqlite3_stmt    *stmt,
                int              index,
                CrmColumnKind    kind)
{
  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return json_node_init_null (json_node_alloc ());
  switch (kind)
    {
    case CRM_COLUMN_INT:
      return json_node_init_int (json_node_alloc (), sqlite3_column_int64 (stmt, index));
    case CRM_COLUMN_BOOL:
      return json_node_init_boolean (json_node_alloc (), sqlite3_column_int (stmt, index) != 0);
    case CRM_COLUMN_JSON:
      {
        JsonNode *node = json_from_string ((const char *) sqlite3_column_text (stmt, index), NULL);
        return node != NULL ? node : json_node_init_null (json_node_alloc ());
      }
    case CRM_COLUMN_TEXT:
    default:
      return json_node_init_string (json_node_alloc (),
                                    (const char *) sqlite3_column_text (stmt, index));
    }
}

static char *
select_all_sql (const CrmEntityType *type,
                const char          *where)
{
  g_autoptr(GString) sql = g_string_new ("SELECT id, deleted, data, clocks, hlc");

  for (const CrmColumn *c = type->columns; c->name != NULL; c++)
    g_string_append_printf (sql, ", \"%s\"", c->name);
  g_string_append_printf (sql, " FROM \"%s\" %s", type->name, where);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* Row → {"id", columns…, custom fields…, "deleted"} */
static JsonObject *
row_to_object (const CrmEntityType *type,
               sqlite3_stmt        *stmt)
{
  JsonObject *object = json_object_new ();
  g_autoptr(JsonNode) data = NULL;
  int index = 5;

  json_object_set_string_member (object, "id", (const char *) sqlite3_column_text (stmt, 0));
  data = json_from_string ((const char *) sqlite3_column_text (stmt, 2), NULL);
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      JsonObject *custom = json_node_get_object (data);
      g_autoptr(GList) members = json_object_get_members (custom);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (custom, l->data)));
    }
  for (const CrmColumn *c = type->columns; c->name != NULL; c++, index++)
    json_object_set_member (object, c->name, column_to_node (stmt, index, c->kind));
  json_object_set_boolean_member (object, "deleted", sqlite3_column_int (stmt, 1) != 0);
  return object;
}

JsonObject *
crm_store_dup_entity (CrmStore   *self,
                      const char *entity,
                      const char *entity_id)
{
  JsonObject *object = NULL;

  if (!_crm_store_read_entity (self, entity, entity_id, &object, NULL))
    return NULL;
  return object;
}

gboolean
_crm_store_read_entity (CrmStore    *self,
                        const char  *entity,
                        const char  *entity_id,
                        JsonObject **out,
                        GError     **error)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  sqlite3_stmt *stmt;
  int rc;

  *out = NULL;
  if (type == NULL || entity_id == NULL)
    return TRUE;
  stmt = _crm_store_prepare (self, select_by_id_sql (type), error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = row_to_object (type, stmt);
  else if (rc != SQLITE_DONE)
    _crm_store_set_sql_error (self, error, "reading a record");
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

char *
_crm_store_dup_column (CrmStore   *self,
                       const char *entity,
                       const char *entity_id,
                       const char *column)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  char *value = NULL;

  if (type == NULL || entity_id == NULL || crm_entity_type_column (type, column) == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT \"%s\" FROM \"%s\" WHERE id = ?1 AND deleted = 0",
                         column, type->name);
  stmt = _crm_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

gboolean
_crm_store_get_int_column (CrmStore   *self,
                           const char *entity,
                           const char *entity_id,
                           const char *column,
                           gint64     *out)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  *out = 0;
  if (type == NULL || entity_id == NULL || crm_entity_type_column (type, column) == NULL)
    return FALSE;
  sql = g_strdup_printf ("SELECT \"%s\" FROM \"%s\" WHERE id = ?1 AND deleted = 0",
                         column, type->name);
  stmt = _crm_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

/* Stored clocks in the grouped form, whichever form the row was stored in. */
static char *
canonical_clocks (const char *stored)
{
  g_autoptr(JsonObject) clocks = clocks_decode (stored);

  return clocks_encode (clocks);
}

/* One line per entity, tables in schema order, rows by id: every column including the
 * clocks, so two replicas that merged the same ops print the same bytes. */
char *
crm_store_dump_state (CrmStore  *self,
                      GError   **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const CrmEntityType *const *types = crm_schema_types ();
  sqlite3_stmt *stmt;
  int rc;

  for (guint t = 0; types[t] != NULL; t++)
    {
      g_autofree char *sql = select_all_sql (types[t], "ORDER BY id");

      stmt = _crm_store_prepare (self, sql, error);
      if (stmt == NULL)
        return NULL;
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(JsonObject) object = row_to_object (types[t], stmt);
          g_autofree char *clocks = canonical_clocks ((const char *) sqlite3_column_text (stmt, 3));
          g_autofree char *text = NULL;

          json_object_set_string_member (object, "@clocks", clocks);
          json_object_set_int_member (object, "@hlc", sqlite3_column_int64 (stmt, 4));
          text = crm_json_object_to_canonical (object);
          g_string_append_printf (out, "%s %s\n", types[t]->name, text);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_sql_error (self, error, "reading the replica");
          return NULL;
        }
    }

  stmt = _crm_store_prepare (self,
    "SELECT entity, id, data, clocks, hlc FROM other_entity ORDER BY entity, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *clocks = canonical_clocks ((const char *) sqlite3_column_text (stmt, 3));

      g_string_append_printf (out, "other %s %s %s %s %" G_GINT64_FORMAT "\n",
                              sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                              sqlite3_column_text (stmt, 2), clocks,
                              (gint64) sqlite3_column_int64 (stmt, 4));
    }
  sqlite3_reset (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
