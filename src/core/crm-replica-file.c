/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-replica-file.c — a replica's file as a whole (see crm-replica-file.h). Each call
 * opens connections of its own and closes them before it returns. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n-lib.h>

#include "crm-replica-file.h"
#include "crm-error.h"

static void
set_failed (GError     **error,
            sqlite3     *db,
            const char  *format,
            const char  *what)
{
  g_autofree char *message = g_strdup_printf (format, what,
                                              db != NULL ? sqlite3_errmsg (db) : "out of memory");

  g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, message);
}

static char *
query_text (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

gint
crm_replica_file_schema (const char  *path,
                         GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint version = -1;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                         db != NULL ? sqlite3_errmsg (db) : g_strerror (ENOMEM));
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return version;
}

/* Every page of @source into @dest in one step: one read transaction, so one consistent
 * state. With @patient, a writer's lock (a checkpoint) is waited out, a little at a time. */
static gboolean
backup_pages (sqlite3  *dest,
              sqlite3  *source,
              gboolean  patient)
{
  sqlite3_backup *backup = sqlite3_backup_init (dest, "main", source, "main");
  int rc;

  if (backup == NULL)
    return FALSE;
  for (guint attempt = 0;; attempt++)
    {
      rc = sqlite3_backup_step (backup, -1);
      if (!patient || (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 300)
        break;
      g_usleep (100 * 1000);
    }
  return sqlite3_backup_finish (backup) == SQLITE_OK && rc == SQLITE_DONE;
}

gboolean
crm_replica_file_copy (const char  *from,
                       const char  *to,
                       GError     **error)
{
  /* Translators: %s are a file and what SQLite said */
  const char *format = _("Could not copy the database %s: %s");
  sqlite3 *source = NULL;
  sqlite3 *dest = NULL;
  gboolean ok = FALSE;

  if (sqlite3_open_v2 (from, &source, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      set_failed (error, source, format, from);
      goto out;
    }
  sqlite3_busy_timeout (source, 30000);
  if (sqlite3_open_v2 (to, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      set_failed (error, dest, format, to);
      goto out;
    }
  if (!backup_pages (dest, source, TRUE) ||
      sqlite3_exec (dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_failed (error, dest, format, from);
      goto out;
    }
  ok = TRUE;

out:
  sqlite3_close (dest);
  sqlite3_close (source);
  return ok;
}

void
crm_replica_file_summary (const char  *path,
                          gint64      *out_head,
                          char       **out_epoch)
{
  sqlite3 *db = NULL;
  g_autofree char *head = NULL;

  *out_head = 0;
  *out_epoch = NULL;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      head = query_text (db, "SELECT COALESCE (max (seq), 0) FROM changelog");
      *out_epoch = query_text (db, "SELECT value FROM meta WHERE key = 'server.epoch'");
    }
  sqlite3_close (db);
  if (head != NULL)
    *out_head = g_ascii_strtoll (head, NULL, 10);
}

gboolean
crm_replica_file_make_snapshot (const char  *replica_path,
                                const char  *copy_path,
                                gint64      *out_seq,
                                GError     **error)
{
  /* Translators: the first %s says what failed, the second what SQLite said */
  const char *format = _("Could not make a snapshot (%s): %s");
  sqlite3 *source = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_open_v2 (replica_path, &source, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      set_failed (error, source, format, "reading the replica");
      goto out;
    }
  sqlite3_busy_timeout (source, 10000);
  /* the copy is thrown away if anything fails: no journal, no syncs while it is made */
  if (sqlite3_open_v2 (copy_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       NULL) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;", NULL, NULL,
                    NULL) != SQLITE_OK)
    {
      set_failed (error, db, format, "creating the copy");
      goto out;
    }
  if (!backup_pages (db, source, FALSE))
    {
      set_failed (error, db, format, "copying the replica");
      goto out;
    }

  /* the server's own bookkeeping and settings stay here (its tables stay, empty, as on
   * any replica of this schema); for a client every op in the copy was made elsewhere
   * (the server's own ops are found through the outbox index). The tables are made
   * first in case the account was copied before schema step 9 made them. */
  if (sqlite3_exec (db, "PRAGMA journal_mode = DELETE;"
                        "PRAGMA secure_delete = ON;"
                        "BEGIN;"
                        "CREATE TABLE IF NOT EXISTS server_op (seq INTEGER PRIMARY KEY,"
                        " base INTEGER NOT NULL);"
                        "CREATE TABLE IF NOT EXISTS server_rejected (op_id TEXT PRIMARY KEY"
                        " NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, corrective TEXT,"
                        " device TEXT, created_at INTEGER NOT NULL);"
                        "DELETE FROM server_op;"
                        "DELETE FROM server_rejected;"
                        "DELETE FROM meta WHERE key LIKE 'server.%';"
                        "UPDATE changelog SET local = 0, pushed = 0"
                        " WHERE local = 1 OR (local = 0 AND pushed != 0);"
                        "COMMIT;", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT COALESCE (max (seq), 0) FROM changelog", -1, &stmt,
                          NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_failed (error, db, format, "preparing the copy");
      goto out;
    }
  *out_seq = sqlite3_column_int64 (stmt, 0);
  ok = TRUE;

out:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  sqlite3_close (source);
  return ok;
}
