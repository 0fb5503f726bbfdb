/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-snapshot.c — snapshots for new devices. VACUUM INTO copies the replica
 * inside one read transaction, so the copy is consistent while pushes go on; the
 * server's bookkeeping is dropped from the copy, which is then gzip-compressed with
 * GZlibCompressor. Everything runs in a worker thread with its own SQLite connection. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-server-snapshot.h"

typedef struct {
  char   *replica_path;
  char   *cache_dir;
  char   *name;
  gint64  head;
  guint   max_age;
  gint64  max_lag;
} Job;

static void
job_free (Job *job)
{
  g_free (job->replica_path);
  g_free (job->cache_dir);
  g_free (job->name);
  g_free (job);
}

static gboolean
sql_failed (sqlite3     *db,
            const char  *what,
            GError     **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("Could not make a snapshot (%s): %s"), what,
               db ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static CrmServerSnapshot *
snapshot_for (const char *path,
              gint64      seq)
{
  CrmServerSnapshot *snapshot = g_new0 (CrmServerSnapshot, 1);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      crm_server_snapshot_free (snapshot);
      return NULL;
    }
  snapshot->path = g_strdup (path);
  snapshot->seq = seq;
  snapshot->size = st.st_size;
  snapshot->etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "-%"
                                    G_GINT64_FORMAT "\"", seq, (gint64) st.st_size,
                                    (gint64) st.st_mtime);
  return snapshot;
}

/* The newest cached snapshot of @name: its path and seq. Older ones are removed, except
 * the one before it (a download of it may still be resuming). */
static char *
find_cached (const char *cache_dir,
             const char *name,
             gint64     *out_seq)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (name, "-", NULL);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *entry;
  gint64 best = -1, second = -1;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      gint64 seq;
      char *end = NULL;

      if (!g_str_has_prefix (entry, prefix) || !g_str_has_suffix (entry, ".db.gz"))
        continue;
      seq = g_ascii_strtoll (entry + strlen (prefix), &end, 10);
      if (end == NULL || !g_str_equal (end, ".db.gz"))
        continue;
      g_array_append_val (seqs, seq);
      if (seq > best)
        {
          second = best;
          best = seq;
        }
      else if (seq > second)
        second = seq;
    }
  for (guint i = 0; i < seqs->len; i++)
    {
      gint64 seq = g_array_index (seqs, gint64, i);

      if (seq != best && seq != second)
        {
          g_autofree char *old = g_strdup_printf ("%s/%s-%" G_GINT64_FORMAT ".db.gz",
                                                  cache_dir, name, seq);
          g_unlink (old);
        }
    }
  *out_seq = best;
  return best >= 0 ? g_strdup_printf ("%s/%s-%" G_GINT64_FORMAT ".db.gz", cache_dir, name, best)
                   : NULL;
}

static gboolean
copy_replica (const char  *replica_path,
              const char  *copy_path,
              gint64      *out_seq,
              GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_open_v2 (replica_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    goto fail;
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_prepare_v2 (db, "VACUUM INTO ?1", -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  sqlite3_bind_text (stmt, 1, copy_path, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);
  stmt = NULL;
  sqlite3_close (db);
  db = NULL;

  /* the copy: without the server's own tables and settings, in rollback-journal mode */
  if (sqlite3_open_v2 (copy_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA journal_mode = DELETE;"
                        "DROP TABLE IF EXISTS server_op;"
                        "DROP TABLE IF EXISTS server_rejected;"
                        "DELETE FROM meta WHERE key LIKE 'server.%';"
                        /* for a client, every op in the copy was made elsewhere */
                        "UPDATE changelog SET local = 0, pushed = 0"
                        " WHERE local != 0 OR pushed != 0;", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT COALESCE (max (seq), 0) FROM changelog", -1, &stmt,
                          NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    goto fail;
  *out_seq = sqlite3_column_int64 (stmt, 0);
  ok = TRUE;

fail:
  if (!ok)
    sql_failed (db, "copying the replica", error);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static gboolean
compress_file (const char    *source,
               const char    *target,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GFile) in_file = g_file_new_for_path (source);
  g_autoptr(GFile) out_file = g_file_new_for_path (target);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  /* the fastest level: a new device may be waiting for this copy */
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GOutputStream) zout = NULL;

  in = g_file_read (in_file, cancellable, error);
  if (in == NULL)
    return FALSE;
  out = g_file_replace (out_file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                        error);
  if (out == NULL)
    return FALSE;
  zout = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (compressor));
  if (g_output_stream_splice (zout, G_INPUT_STREAM (in),
                              G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              cancellable, error) < 0)
    return FALSE;
  return TRUE;
}

static void
make_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *cached = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *part = NULL;
  g_autofree char *final = NULL;
  gint64 cached_seq = -1;
  gint64 seq = 0;
  GStatBuf st;

  if (g_mkdir_with_parents (job->cache_dir, 0700) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (saved),
                               _("Could not create %s: %s"), job->cache_dir, g_strerror (saved));
      return;
    }
  cached = find_cached (job->cache_dir, job->name, &cached_seq);
  if (cached != NULL &&
      (cached_seq == job->head || job->head - cached_seq <= job->max_lag ||
       (g_stat (cached, &st) == 0 && time (NULL) - st.st_mtime < (time_t) job->max_age)))
    {
      CrmServerSnapshot *snapshot = snapshot_for (cached, cached_seq);

      if (snapshot != NULL)
        {
          g_task_return_pointer (task, snapshot, (GDestroyNotify) crm_server_snapshot_free);
          return;
        }
    }

  copy = g_strdup_printf ("%s/%s-%08x.tmp", job->cache_dir, job->name, g_random_int ());
  if (!copy_replica (job->replica_path, copy, &seq, &error))
    {
      g_unlink (copy);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  final = g_strdup_printf ("%s/%s-%" G_GINT64_FORMAT ".db.gz", job->cache_dir, job->name, seq);
  part = g_strconcat (copy, ".gz", NULL);
  if (!compress_file (copy, part, cancellable, &error) || g_rename (part, final) != 0)
    {
      g_unlink (copy);
      g_unlink (part);
      if (error == NULL)
        g_set_error (&error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                     _("Could not store the snapshot %s"), final);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_unlink (copy);
  g_free (find_cached (job->cache_dir, job->name, &cached_seq)); /* prune older ones */
  g_task_return_pointer (task, snapshot_for (final, seq), (GDestroyNotify) crm_server_snapshot_free);
}

void
crm_server_snapshot_make_async (const char          *replica_path,
                                const char          *cache_dir,
                                const char          *name,
                                gint64               head,
                                guint                max_age,
                                gint64               max_lag,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->replica_path = g_strdup (replica_path);
  job->cache_dir = g_strdup (cache_dir);
  job->name = g_strdup (name);
  job->head = head;
  job->max_age = max_age;
  job->max_lag = max_lag;
  g_task_set_source_tag (task, crm_server_snapshot_make_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, make_in_thread);
}

CrmServerSnapshot *
crm_server_snapshot_make_finish (GAsyncResult  *result,
                                 GError       **error)
{
  CrmServerSnapshot *snapshot = g_task_propagate_pointer (G_TASK (result), error);

  if (snapshot == NULL && error != NULL && *error == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("The snapshot vanished while it was being sent"));
  return snapshot;
}
