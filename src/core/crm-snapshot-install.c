/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-snapshot-install.c — installing the server's copy of the account into a replica
 * (crm_sync_state_install_snapshot(); the sync client downloads it).
 *
 * An empty replica (a new device) takes the copy whole: the downloaded file is prepared
 * in place (this device's id and settings, the cursor) and renamed over the replica — no
 * row is re-inserted, no index rebuilt and no page copied, which is what makes a new
 * device fast (when another connection has the replica open, the pages are copied into
 * it with SQLite's backup API instead). A replica that holds something (it came back
 * after the server's history horizon) keeps its id, settings, conflict records and
 * unpushed ops: its tables are replaced row by row inside one transaction and the
 * unpushed ops applied again. */
#define G_LOG_DOMAIN "voronka-sync-state"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-sync-state.h"
#include "crm-error-private.h"
#include "crm-hlc.h"
#include "crm-schema.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-merge-private.h"
#include "crm-store-impl-private.h"

#define REPLICA_APPLICATION_ID 0x56524E4B

static gboolean
exec_sql (CrmStore    *store,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (_crm_store_get_db (store), sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "installing the account copy");
      return FALSE;
    }
  return TRUE;
}

/* @sql's one integer; *@rc (optional): SQLite's code when it could not be read. */
static gint64
query_int (sqlite3    *db,
           const char *sql,
           int        *rc)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;
  int result = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (result == SQLITE_OK && (result = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      value = sqlite3_column_int64 (stmt, 0);
      result = SQLITE_OK;
    }
  if (rc != NULL && *rc == SQLITE_OK && result != SQLITE_OK)
    *rc = sqlite3_extended_errcode (db);
  sqlite3_finalize (stmt);
  return value;
}

/* The copy's schema version, after checking it is a replica this app can read. */
static gboolean
check_snapshot (const char  *path,
                gint64      *out_version,
                GError     **error)
{
  sqlite3 *db = NULL;
  gint64 application_id = 0, version = -1;
  int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);

  if (rc == SQLITE_OK)
    {
      application_id = query_int (db, "PRAGMA application_id", &rc);
      version = query_int (db, "PRAGMA user_version", &rc);
    }
  else if (db != NULL)
    rc = sqlite3_extended_errcode (db);
  /* the machine failing (memory, disk) is said as such, not as a bad copy */
  if (rc != SQLITE_OK && _crm_sqlite_error_code (rc) != CRM_STORE_ERROR_FAILED &&
      _crm_sqlite_error_code (rc) != CRM_STORE_ERROR_NOT_A_REPLICA &&
      _crm_sqlite_error_code (rc) != CRM_STORE_ERROR_DATABASE_CORRUPT)
    {
      _crm_sqlite_set_error (error, db, rc, path, "reading the account copy");
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_close (db);

  if (application_id != REPLICA_APPLICATION_ID || version < 1)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The account copy the server sent is not a Voronka replica"));
      return FALSE;
    }
  if (version > CRM_SCHEMA_VERSION)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_SCHEMA_TOO_NEW,
                   _("The server's account uses a newer data schema (%d) than this app (%d): "
                     "update the app"), (int) version, CRM_SCHEMA_VERSION);
      return FALSE;
    }
  *out_version = version;
  return TRUE;
}

/* --- a new device: the whole file ------------------------------------------------------- */

/* A failure while installing: disk full, I/O, memory and locks say so (what to do);
 * anything else names the step. */
static gboolean
snapshot_failed (sqlite3     *db,
                 const char  *what,
                 GError     **error)
{
  int rc = db != NULL ? sqlite3_extended_errcode (db) : SQLITE_NOMEM;

  if (_crm_sqlite_error_code (rc) != CRM_STORE_ERROR_FAILED)
    {
      _crm_sqlite_set_error (error, db, rc, NULL, what);
      return FALSE;
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
               _("Could not install the account copy (%s): %s"), what,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

/* The hlc stored in @db's @schema.meta (0 when it has none); FALSE when it could not be
 * read (the machine failing: the copy must not get a clock behind its ops). */
static gboolean
read_stored_hlc (sqlite3    *db,
                 const char *sql,
                 guint64    *out_hlc)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out_hlc = 0;
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    crm_hlc_parse ((const char *) sqlite3_column_text (stmt, 0), out_hlc);
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Makes the copy this replica's, in one transaction of the copy: its meta (device id…),
 * conflict records, the cursor and the clock — past this replica's, the copy's and the
 * server's (@server_hlc) — so that once the copy is renamed into place nothing is left
 * to write. The server sends every op as made elsewhere (local = 0, pushed = 0), which
 * is right for an empty replica: it never made an op, so none of the copy's ops is its
 * own — no pass over the history is needed. */
static gboolean
prepare_copy (CrmStore    *store,
              sqlite3     *copy,
              gint64       seq,
              guint64      server_hlc,
              GError     **error)
{
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  g_autofree char *clock_text = NULL;
  sqlite3_stmt *stmt = NULL;
  guint64 copy_hlc = 0, mine_hlc = 0, compacted_hlc = 0, compacted_seq = 0;
  gboolean ok;

  if (!read_stored_hlc (copy, "SELECT value FROM meta WHERE key = 'hlc'", &copy_hlc) ||
      !read_stored_hlc (copy, "SELECT value FROM meta WHERE key = 'history.compacted_hlc'",
                        &compacted_hlc) ||
      !read_stored_hlc (copy, "SELECT printf ('%x', value) FROM meta"
                        " WHERE key = 'history.compacted_seq'", &compacted_seq))
    return snapshot_failed (copy, "reading its clock", error);

  if (sqlite3_prepare_v2 (copy, "ATTACH DATABASE ?1 AS mine", -1, &stmt, NULL) != SQLITE_OK)
    return snapshot_failed (copy, "reading this replica", error);
  sqlite3_bind_text (stmt, 1, crm_store_get_path (store), -1, SQLITE_TRANSIENT);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (!ok)
    return snapshot_failed (copy, "reading this replica", error);

  ok = sqlite3_exec (copy, "BEGIN;"
                           "DELETE FROM main.meta; INSERT INTO main.meta SELECT * FROM mine.meta;"
                           "DELETE FROM main.conflict;"
                           "INSERT INTO main.conflict SELECT * FROM mine.conflict;",
                     NULL, NULL, NULL) == SQLITE_OK &&
       read_stored_hlc (copy, "SELECT value FROM mine.meta WHERE key = 'hlc'", &mine_hlc);
  if (ok)
    clock_text = crm_hlc_to_string (MAX (MAX (copy_hlc, mine_hlc), server_hlc));
  ok = ok &&
       sqlite3_prepare_v2 (copy,
         "INSERT INTO main.meta (key, value) VALUES ('sync.cursor', ?1), ('hlc', ?2)"
         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", -1, &stmt, NULL) == SQLITE_OK;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, cursor, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, clock_text, -1, SQLITE_TRANSIENT);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  /* the history the server compacted (crm_store_compact_file) reads its fields back from
   * these rows: the clock up to which a write first keeps the old value in it, and how
   * far the copy's log (numbered as here) was gone through */
  if (ok && compacted_hlc > 0)
    {
      g_autofree char *compacted = crm_hlc_to_string (compacted_hlc);

      ok = sqlite3_prepare_v2 (copy, "INSERT INTO main.meta (key, value)"
                               " VALUES ('history.compacted_hlc', ?1),"
                               " ('history.compacted_seq', ?2)"
                               " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               -1, &stmt, NULL) == SQLITE_OK;
      if (ok)
        {
          sqlite3_bind_text (stmt, 1, compacted, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 2, (gint64) compacted_seq);
          ok = sqlite3_step (stmt) == SQLITE_DONE;
        }
      sqlite3_finalize (stmt);
    }
  /* the commit syncs the file: the downloaded pages are on disk before it is the replica */
  ok = ok && sqlite3_exec (copy, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
  if (!ok)
    {
      snapshot_failed (copy, "preparing it", error);
      sqlite3_exec (copy, "ROLLBACK", NULL, NULL, NULL);
    }
  sqlite3_exec (copy, "DETACH DATABASE mine", NULL, NULL, NULL);
  return ok;
}

/* Another connection has the replica open: its pages are overwritten with the prepared
 * copy's (SQLite's backup API, one write transaction), so that connection sees the
 * account. */
static gboolean
copy_pages (CrmStore    *store,
            const char  *snapshot_path,
            GError     **error)
{
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3 *copy = NULL;
  sqlite3_backup *backup;
  gboolean ok = FALSE;
  int rc;

  if (sqlite3_open_v2 (snapshot_path, &copy, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      snapshot_failed (copy, "opening it", error);
      sqlite3_close (copy);
      return FALSE;
    }
  backup = sqlite3_backup_init (db, "main", copy, "main");
  if (backup == NULL)
    snapshot_failed (db, "copying it", error);
  else
    {
      rc = sqlite3_backup_step (backup, -1);
      ok = rc == SQLITE_DONE;
      rc = sqlite3_backup_finish (backup);
      /* the numbers of the clocks' words are the copy's now */
      _crm_clock_words_forget (_crm_store_clock_words (store));
      if (!ok || rc != SQLITE_OK)
        {
          ok = FALSE;
          snapshot_failed (db, "copying it", error);
        }
    }
  sqlite3_close (copy);
  /* the account is installed; the replica stays in WAL mode (every opening asks for it
   * again, so a failure here loses nothing) */
  if (ok && sqlite3_exec (db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
    g_debug ("could not set WAL mode again after installing the account copy: %s",
             sqlite3_errmsg (db));
  return ok;
}

static gboolean
sync_folder (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

static void
remove_side_files (const char *snapshot_path)
{
  const char *suffixes[] = { "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *side = g_strconcat (snapshot_path, suffixes[i], NULL);

      g_unlink (side);
    }
}

/* The copy in rollback-journal mode (a copy in WAL mode keeps its last commit in
 * COPY-wal until a checkpoint, and that file does not move with the rename). */
static gboolean
use_rollback_journal (sqlite3  *copy,
                      GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (copy, "PRAGMA journal_mode = DELETE", -1, &stmt, NULL) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_ROW &&
       g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "delete") == 0;
  if (!ok)
    snapshot_failed (copy, "preparing it", error);
  sqlite3_finalize (stmt);
  return ok;
}

/* Nothing of the copy is left in a -wal or -journal file (a commit or checkpoint that
 * failed on its way out). */
static gboolean
copy_is_whole (const char  *snapshot_path,
               GError     **error)
{
  const char *suffixes[] = { "-wal", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *side = g_strconcat (snapshot_path, suffixes[i], NULL);
      GStatBuf st;

      if (g_stat (side, &st) == 0 && st.st_size > 0)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_IO,
                       _("Could not install the account copy: preparing it did not finish "
                         "(%s is left); check the disk and sync again"), side);
          return FALSE;
        }
    }
  return TRUE;
}

static void
set_rename_error (GError     **error,
                  const char  *path,
                  int          saved)
{
  if (saved == ENOSPC || saved == EDQUOT)
    _crm_sqlite_set_error (error, NULL, SQLITE_FULL, path, "installing the account copy");
  else if (saved == EIO)
    _crm_sqlite_set_error (error, NULL, SQLITE_IOERR, path, "installing the account copy");
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                 _("Could not install the account copy (%s): %s"), path, g_strerror (saved));
}

/* The prepared copy becomes the replica: renamed over the empty one, so nothing is
 * copied twice. That needs the replica to be ours alone; SQLite removes REPLICA-wal when
 * its last connection closes, so a -wal left after closing ours means someone else has
 * it open, and the pages are copied into it instead. @store is reopened either way.
 *
 * Everything the replica needs is written into the copy before it takes the replica's
 * place, so a failure at any point leaves the empty replica as it was, or the whole
 * account: when the installed copy cannot be opened (out of memory…), the empty replica
 * (kept under a second name until then) is put back and the call fails. */
static gboolean
install_whole (CrmStore   **store,
               const char  *snapshot_path,
               gint64       seq,
               guint64      server_hlc,
               GError     **error)
{
  g_autofree char *path = g_strdup (crm_store_get_path (*store));
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  g_autofree char *kept = g_strconcat (path, "-before-install", NULL);
  sqlite3 *copy = NULL;
  gboolean have_kept;
  gboolean ok;

  /* the download is ours alone: what an earlier attempt left beside it is stale */
  remove_side_files (snapshot_path);
  if (sqlite3_open_v2 (snapshot_path, &copy, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      snapshot_failed (copy, "opening it", error);
      sqlite3_close (copy);
      return FALSE;
    }
  sqlite3_busy_timeout (copy, 5000);
  ok = use_rollback_journal (copy, error) && prepare_copy (*store, copy, seq, server_hlc, error);
  sqlite3_close (copy);
  if (!ok)
    {
      remove_side_files (snapshot_path);
      return FALSE;
    }
  /* what the copy's commit wrote must be in the file itself, not in a journal beside it
   * that the rename would leave behind */
  if (!copy_is_whole (snapshot_path, error))
    return FALSE;

  g_clear_object (store);
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      *store = crm_store_open (path, error);
      return *store != NULL && copy_pages (*store, snapshot_path, error);
    }
  g_unlink (shm);
  g_unlink (journal);
  g_unlink (kept);
  /* (a file system without hard links only loses the way back) */
  have_kept = link (path, kept) == 0;
  if (g_rename (snapshot_path, path) != 0)
    {
      set_rename_error (error, path, errno);
      g_unlink (kept);
      *store = crm_store_open (path, NULL);
      return FALSE;
    }
  *store = crm_store_open (path, error);
  if (*store == NULL)
    {
      /* the empty replica back in its place: the next sync downloads the copy again */
      if (have_kept)
        {
          /* (a journal the failed opening left belongs to the copy, not to this file) */
          remove_side_files (path);
          if (g_rename (kept, path) == 0)
            sync_folder (path);
          *store = crm_store_open (path, NULL);
        }
      return FALSE;
    }
  g_unlink (kept);
  sync_folder (path);
  _crm_store_absorb_hlc (*store, server_hlc);
  return TRUE;
}

/* --- a replica with data of its own: row by row --------------------------------------------- */

/* The columns of @schema.@table; NULL (and @error set) when SQLite could not say: an
 * empty list would copy nothing into a table just emptied. */
static GPtrArray *
table_columns (CrmStore    *store,
               const char  *schema,
               const char  *table,
               GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA \"%s\".table_info (\"%s\")", schema, table);
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      _crm_store_set_sql_error (store, error, "reading the account copy");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (columns, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  if (rc != SQLITE_DONE)
    _crm_store_set_sql_error (store, error, "reading the account copy");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? g_steal_pointer (&columns) : NULL;
}

/* main.TABLE := snap.TABLE, over the columns both have. */
static gboolean
copy_table (CrmStore    *store,
            const char  *table,
            GError     **error)
{
  g_autoptr(GPtrArray) mine = table_columns (store, "main", table, error);
  g_autoptr(GPtrArray) theirs = mine != NULL ? table_columns (store, "snap", table, error) : NULL;
  g_autoptr(GString) columns = g_string_new (NULL);
  g_autofree char *sql = NULL;

  if (theirs == NULL)
    return FALSE;
  for (guint i = 0; i < mine->len; i++)
    for (guint j = 0; j < theirs->len; j++)
      if (g_str_equal (mine->pdata[i], theirs->pdata[j]))
        g_string_append_printf (columns, "%s\"%s\"", columns->len ? ", " : "",
                                (char *) mine->pdata[i]);
  sql = g_strdup_printf ("DELETE FROM main.\"%s\"", table);
  if (!exec_sql (store, sql, error))
    return FALSE;
  if (columns->len == 0)
    return TRUE;
  g_free (sql);
  /* the contacts keep their rowids: the search tables name them so (schema 21) */
  if (g_str_equal (table, "contact") || g_str_equal (table, "contact_phone"))
    g_string_prepend (columns, "rowid, ");
  sql = g_strdup_printf ("INSERT INTO main.\"%s\" (%s) SELECT %s FROM snap.\"%s\"", table,
                         columns->str, columns->str, table);
  return exec_sql (store, sql, error);
}

/* Turns the connection's triggers off (@on FALSE) or on again. It changes nothing on
 * disk; SQLite marks every prepared statement to be prepared again before it next
 * runs, and the store's ROLLBACK, which must run without memory, is prepared anew at
 * once (when that fails, the next transaction prepares it before it begins). */
static gboolean
set_triggers (CrmStore  *store,
              gboolean   on,
              GError   **error)
{
  sqlite3_db_config (_crm_store_get_db (store), SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0,
                     NULL);
  return _crm_store_renew_rollback (store, error);
}

/* The rows just copied from a copy that has a clock_word table (schema 26 or later) name
 * their clocks' devices and field lists by the copy's numbers (crm-clock-words.c): written
 * again with this replica's. Told by the copy's tables, not by its version: a copy whose
 * search tables alone were taken back says an older one (/search/after-older-snapshot-
 * into-used), and its rows read with this replica's numbers would name other devices and
 * fields. An older copy's clocks are JSON, which this replica reads as it is. */
static gboolean
renumber_clocks (CrmStore  *store,
                 GError   **error)
{
  const CrmEntityType *const *types = crm_schema_types ();
  sqlite3 *db = _crm_store_get_db (store);
  g_autoptr(GPtrArray) columns = table_columns (store, "snap", "clock_word", error);
  g_autoptr(CrmClockWords) theirs = NULL;
  CrmClockWords *mine = _crm_store_clock_words (store);

  if (columns == NULL)
    return FALSE;
  if (columns->len == 0)
    return TRUE;
  theirs = _crm_clock_words_new (db, "snap", TRUE);
  for (guint t = 0; types[t] != NULL; t++)
    if (!_crm_clocks_rewrite_table (db, types[t]->name, theirs, mine,
                                    "installing the account copy", error))
      return FALSE;
  return _crm_clocks_rewrite_table (db, "other_entity", theirs, mine,
                                    "installing the account copy", error);
}

/* Each device and actor the copy's history names — by its number in the copy's
 * clock_word since schema 27, by its text before — into @keys, and this replica's number
 * of it into @numbers (crm-changelog-private.h): a few dozen words however long the
 * history. Nothing is written but the replica's new words (no temporary table: a schema
 * change inside the install would make its ROLLBACK need memory again). */
static gboolean
map_history_words (CrmStore   *store,
                   gboolean    numbered,
                   GPtrArray  *keys,
                   GArray     *numbers,
                   GError    **error)
{
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  int rc;

  rc = sqlite3_prepare_v2 (db, numbered
                               ? "SELECT k, (SELECT word FROM snap.clock_word WHERE n = k) FROM"
                                 " (SELECT device_n AS k FROM snap.changelog UNION"
                                 " SELECT actor_n FROM snap.changelog WHERE actor_n IS NOT NULL)"
                               : "SELECT k, k FROM (SELECT device AS k FROM snap.changelog UNION"
                                 " SELECT actor FROM snap.changelog WHERE actor IS NOT NULL)",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        sqlite3_value *key;

        /* (a number the copy does not hold names no word: its rows are refused below) */
        if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
          continue;
        key = sqlite3_value_dup (sqlite3_column_value (stmt, 0));
        if (key == NULL)
          {
            rc = SQLITE_NOMEM;
            break;
          }
        g_ptr_array_add (keys, key);
        g_ptr_array_add (words, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
      }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "reading the account copy's history");
      return FALSE;
    }
  for (guint i = 0; i < words->len; i++)
    {
      gint64 n = _crm_changelog_word_number (store, words->pdata[i]);

      if (n == 0)
        {
          _crm_store_set_sql_error (store, error, "copying the account's history");
          return FALSE;
        }
      g_array_append_val (numbers, n);
    }
  return TRUE;
}

/* The copy of the server's rows and history (the triggers are off). */
static gboolean
copy_rows (CrmStore  *store,
           gint64     version,
           GError   **error)
{
  const CrmEntityType *const *types = crm_schema_types ();
  g_autoptr(GPtrArray) theirs = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) sqlite3_value_free);
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) words = NULL;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean numbered;
  gint64 me;
  int rc;

  for (guint t = 0; types[t] != NULL; t++)
    if (!copy_table (store, types[t]->name, error))
      return FALSE;
  if (!copy_table (store, "other_entity", error) ||
      !renumber_clocks (store, error))
    return FALSE;
  /* the search tables as they are when they name contacts by rowid (schema 21), and
   * contact_prefix when it holds only the three-letter prefixes (schema 28: made from
   * the copy's words before); an older copy's are built anew from the contacts */
  if (version >= 21 ? !copy_table (store, "contact_token", error) ||
                      !copy_table (store, "contact_phone", error) ||
                      !(version >= 28 ? copy_table (store, "contact_prefix", error)
                                      : _crm_search_rebuild_prefixes (_crm_store_get_db (store),
                                                                      store, error))
                    : !_crm_search_rebuild (_crm_store_get_db (store), store, error))
    return FALSE;

  /* history: the server's, with this device's ops acknowledged, plus what is not pushed */
  if (!exec_sql (store, "DELETE FROM main.changelog WHERE NOT (local = 1 AND pushed = 0)", error))
    return FALSE;
  /* the server's sequence of each op, and its stamp when the server stamps ops */
  theirs = table_columns (store, "snap", "changelog", error);
  if (theirs == NULL)
    return FALSE;
  /* the copy's history names devices and authors by its words (schema 27) or as text: told
   * by its columns, not by its version (a copy whose search tables alone were taken back
   * says an older version, /board/search-after-snapshot-older) */
  numbered = g_ptr_array_find_with_equal_func (theirs, "device_n", g_str_equal, NULL);
  if (!map_history_words (store, numbered, keys, numbers, error))
    return FALSE;
  me = _crm_changelog_word_number (store, crm_store_get_device_id (store));
  if (me == 0)
    {
      _crm_store_set_sql_error (store, error, "copying the account's history");
      return FALSE;
    }
  /* the devices and actors by this replica's numbers: (the copy's, ours) pairs bound as
   * ?2, ?3, ?4… (?1: this device's) */
  words = g_string_new ("WITH word (k, n) AS (");
  if (keys->len == 0)
    g_string_append (words, "SELECT NULL, NULL WHERE 0");
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (words, "%s(?%u, ?%u)", i == 0 ? "VALUES " : ", ", 2 + 2 * i,
                            3 + 2 * i);
  sql = g_strdup_printf (
    "%s) INSERT INTO main.changelog (op_id, hlc, device_n, entity, entity_id, fields, cause,"
    " rule, actor_n, local, pushed, server_seq, stamp) SELECT c.op_id, c.hlc, d.n, c.entity,"
    " c.entity_id, c.fields, c.cause, c.rule, a.n, d.n = ?1, CASE WHEN d.n = ?1 THEN c.seq"
    " ELSE 0 END, c.seq, %s FROM snap.changelog c"
    " LEFT JOIN word d ON d.k = c.%s LEFT JOIN word a ON a.k = c.%s"
    " WHERE c.op_id NOT IN (SELECT op_id FROM main.changelog) ORDER BY c.seq",
    words->str,
    g_ptr_array_find_with_equal_func (theirs, "stamp", g_str_equal, NULL) ? "c.stamp" : "NULL",
    numbered ? "device_n" : "device", numbered ? "actor_n" : "actor");
  /* (its text changes with the words: prepared for this install only) */
  if (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (stmt);
      _crm_store_set_sql_error (store, error, "copying the account's history");
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, me);
  for (guint i = 0; i < keys->len; i++)
    {
      sqlite3_bind_value (stmt, 2 + 2 * (int) i, keys->pdata[i]);
      sqlite3_bind_int64 (stmt, 3 + 2 * (int) i, g_array_index (numbers, gint64, i));
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    _crm_store_set_sql_error (store, error, "copying the account's history");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

static gboolean
replace_contents (CrmStore  *store,
                  gint64     version,
                  gint64     seq,
                  GError   **error)
{
  g_autoptr(GPtrArray) kept = NULL;
  g_autoptr(GString) totals = g_string_new (NULL);
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  gint64 max_hlc;
  int rc = SQLITE_OK;

  kept = crm_sync_state_dup_outbox (store, G_MAXINT, error);
  if (kept == NULL || !copy_rows (store, version, error))
    return FALSE;
  /* a history the server compacted (crm_store_compact_file): its ops read their fields
   * back from these rows, and a write over one keeps the old value in it — this device's
   * own unpushed ops written again below too */
  {
    sqlite3_stmt *stmt = NULL;
    g_autofree char *compacted = NULL;
    g_autofree char *ours = crm_store_dup_meta (store, "history.compacted_hlc");
    guint64 theirs_hlc = 0, ours_hlc = 0;

    int step = SQLITE_ERROR;

    if (sqlite3_prepare_v2 (_crm_store_get_db (store), "SELECT value FROM snap.meta"
                            " WHERE key = 'history.compacted_hlc'", -1, &stmt, NULL) == SQLITE_OK)
      step = sqlite3_step (stmt);
    if (step == SQLITE_ROW)
      compacted = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    else if (step != SQLITE_DONE)
      _crm_store_set_sql_error (store, error, "reading the account copy's history");
    sqlite3_finalize (stmt);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
      return FALSE;
    if (compacted != NULL && crm_hlc_parse (compacted, &theirs_hlc) &&
        (ours == NULL || !crm_hlc_parse (ours, &ours_hlc) || theirs_hlc > ours_hlc))
      {
        if (!crm_store_set_meta (store, "history.compacted_hlc", compacted, error))
          return FALSE;
        _crm_store_reload_compacted (store);
      }
  }
  /* this device's unpushed ops again */
  for (guint i = 0; i < kept->len; i++)
    if (!_crm_store_reapply_op (store, kept->pdata[i], error))
      return FALSE;
  /* what the triggers keep, from the rows now there */
  crm_schema_append_totals_fill (totals);
  if (!exec_sql (store, totals->str, error))
    return FALSE;
  max_hlc = query_int (_crm_store_get_db (store), "SELECT max (hlc) FROM changelog", &rc);
  if (rc != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "reading the account's clock");
      return FALSE;
    }
  _crm_store_absorb_hlc (store, (guint64) max_hlc);
  return crm_store_set_meta (store, "sync.cursor", cursor, error);
}

static gboolean
install_rows (CrmStore    *store,
              const char  *snapshot_path,
              gint64       version,
              gint64       seq,
              guint64      server_hlc,
              GError     **error)
{
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *attach = NULL;
  gboolean ok;

  /* a copy still attached by an earlier install that failed on its way out (the DETACH
   * below can fail too, out of memory): let go of it first */
  sqlite3_exec (db, "DETACH DATABASE snap", NULL, NULL, NULL);
  if (sqlite3_prepare_v2 (db, "ATTACH DATABASE ?1 AS snap", -1, &attach, NULL) != SQLITE_OK)
    {
      sqlite3_finalize (attach);
      _crm_store_set_sql_error (store, error, "opening the account copy");
      return FALSE;
    }
  sqlite3_bind_text (attach, 1, snapshot_path, -1, SQLITE_TRANSIENT);
  ok = sqlite3_step (attach) == SQLITE_DONE;
  sqlite3_finalize (attach);
  if (!ok)
    {
      _crm_store_set_sql_error (store, error, "opening the account copy");
      return FALSE;
    }

  /* The whole install runs with the connection's triggers off: a table copied row by
   * row would run the totals' triggers once per row (the reports' re-read each deal's
   * notes, tasks and moves); instead every total is computed once, set by set, from the
   * rows the transaction ends with. */
  ok = set_triggers (store, FALSE, error) && _crm_store_begin (store, error);
  if (ok)
    {
      if (server_hlc != 0)
        _crm_store_absorb_hlc (store, server_hlc);
      if (replace_contents (store, version, seq, error))
        ok = _crm_store_commit (store, error);
      else
        {
          _crm_store_rollback (store);
          ok = FALSE;
        }
    }
  /* (a ROLLBACK that could not be prepared again here is prepared by the next
   * transaction before it writes) */
  set_triggers (store, TRUE, NULL);
  sqlite3_exec (db, "DETACH DATABASE snap", NULL, NULL, NULL);
  return ok;
}

gboolean
crm_sync_state_install_snapshot (CrmStore   **store,
                                 const char  *snapshot_path,
                                 gint64       seq,
                                 guint64      server_hlc,
                                 GError     **error)
{
  gint64 version = 0;
  gint64 log_length = 0;

  g_return_val_if_fail (store != NULL && CRM_IS_STORE (*store), FALSE);
  g_return_val_if_fail (snapshot_path != NULL, FALSE);

  if (!check_snapshot (snapshot_path, &version, error))
    return FALSE;
  /* (a replica that could not say whether it is empty must not be replaced whole) */
  if (!_crm_store_count_log (*store, &log_length, error))
    return FALSE;
  /* a copy of an older schema goes row by row, so this replica keeps its own schema */
  if (log_length == 0 && version == CRM_SCHEMA_VERSION)
    return install_whole (store, snapshot_path, seq, server_hlc, error);
  return install_rows (*store, snapshot_path, version, seq, server_hlc, error);
}
