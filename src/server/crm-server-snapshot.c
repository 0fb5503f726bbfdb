/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-snapshot.c — snapshots for new devices.
 *
 * A snapshot is the account replica as one SQLite file, compressed with zstd (level 1,
 * two worker threads, a content checksum): the client decompresses it while it
 * downloads and installs the file as its replica, so its size and the speed of both ends
 * decide how fast a new device is ready.
 *
 * Making one: core copies every page of the replica inside one read transaction (WAL:
 * pushes go on meanwhile) and drops the server's bookkeeping from the copy (its tables'
 * rows, its meta, "made here" on its own ops: crm_replica_file_make_snapshot()); the
 * copy is compressed to NAME-SEQ.db.zst in the cache folder. All of it runs in a worker
 * thread with its own SQLite connections.
 *
 * Keeping one ready: a request is answered from the cache when the cached snapshot is
 * recent enough (the client pulls the rest); one that is behind the head is then
 * refreshed in the background, so the next device gets a newer one. Only one snapshot
 * of an account is made at a time: requests that need a new one wait for the one being
 * made, and background refreshes (at start, on the timer, after a stale answer) run one
 * after another so they never take both cores at once. Everything but the making runs
 * on the main thread. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <zstd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-server-snapshot.h"
#include "crm-replica-file.h"
#include "crm-visibility.h"

#define SUFFIX        ".db.zst"
#define ZSTD_LEVEL    1
#define ZSTD_WORKERS  2
#define CHUNK         (1 << 20)
/* a cached snapshot behind the head and older than this is refreshed in the background
 * after it was sent */
#define REFRESH_AGE   60

typedef struct {
  char      *key;            /* cache_dir/name */
  char      *replica_path;
  char      *cache_dir;
  char      *name;
  GPtrArray *waiters;        /* GTask*: requests waiting for this snapshot */
  gboolean   running;
  gboolean   background;     /* started as a background refresh: it holds that turn */
  CrmVisibility *filter;     /* NULL: the whole account; else only what its user sees */
  GCancellable *hurry;       /* cancelled when a device waits for a background snapshot:
                              * its compaction stops where it is, no VACUUM */
} Job;

/* key → Job*: the snapshot being made (or queued) per account; main thread only */
static GHashTable *jobs;
/* Job*: background refreshes waiting for their turn */
static GQueue background = G_QUEUE_INIT;
static gboolean background_running;

static void
job_free (Job *job)
{
  g_free (job->key);
  g_free (job->replica_path);
  g_free (job->cache_dir);
  g_free (job->name);
  g_ptr_array_unref (job->waiters);
  crm_visibility_free (job->filter);
  g_clear_object (&job->hurry);
  g_free (job);
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
  snapshot->mtime = st.st_mtime;
  snapshot->etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "-%"
                                    G_GINT64_FORMAT "\"", seq, (gint64) st.st_size,
                                    (gint64) st.st_mtime);
  return snapshot;
}

static CrmServerSnapshot *
snapshot_copy (const CrmServerSnapshot *snapshot)
{
  CrmServerSnapshot *copy = g_memdup2 (snapshot, sizeof *snapshot);

  copy->path = g_strdup (snapshot->path);
  copy->etag = g_strdup (snapshot->etag);
  return copy;
}

static char *
cached_path (const char *cache_dir,
             const char *name,
             gint64      seq)
{
  return g_strdup_printf ("%s/%s-%" G_GINT64_FORMAT SUFFIX, cache_dir, name, seq);
}

/* The newest cached snapshot of @name, or NULL. Older ones are removed, except the one
 * before it (a download of it may still be resuming); so are leftovers of other formats,
 * and any past @head: made of a history the account no longer has (its file was put
 * back from an older copy, a crash lost its last commits), it would give a device ops
 * the account now numbers otherwise. */
static CrmServerSnapshot *
find_cached (const char *cache_dir,
             const char *name,
             gint64      head)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (name, "-", NULL);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *best_path = NULL;
  const char *entry;
  gint64 best = -1, second = -1;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      gint64 seq;
      char *end = NULL;

      if (!g_str_has_prefix (entry, prefix))
        continue;
      if (g_str_has_suffix (entry, ".db.gz"))
        {
          /* the gzip format of earlier builds */
          g_autofree char *old = g_build_filename (cache_dir, entry, NULL);
          g_unlink (old);
          continue;
        }
      if (!g_str_has_suffix (entry, SUFFIX))
        continue;
      seq = g_ascii_strtoll (entry + strlen (prefix), &end, 10);
      if (end == NULL || !g_str_equal (end, SUFFIX))
        continue;
      if (seq > head)
        {
          g_autofree char *lost = g_build_filename (cache_dir, entry, NULL);

          g_message ("Snapshot %s is past the account's head %" G_GINT64_FORMAT
                     " (the account lost ops since it was made): removed", entry, head);
          g_unlink (lost);
          continue;
        }
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
          g_autofree char *old = cached_path (cache_dir, name, seq);
          g_unlink (old);
        }
    }
  if (best < 0)
    return NULL;
  best_path = cached_path (cache_dir, name, best);
  return snapshot_for (best_path, best);
}

/* The filtered snapshots of @account no device is to be given any more, removed: those
 * of a visibility key no user of the account has now (@live_keys, crm_visibility_dup_keys();
 * NULL: not known, none removed for this), those older than the account's newest whole
 * snapshot (a newer copy of the account replaced what they were made from: a rep who
 * asks gets one made anew), and past the newest CRM_SERVER_SNAPSHOT_MAX_FILTERED. A
 * download of one removed that resumes starts over (its ETag no longer matches); one
 * under way reads on from the file it has open. */
static void
prune_filtered (const char        *cache_dir,
                const char        *account,
                const char *const *live_keys)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  g_autofree char *whole_prefix = g_strconcat (account, "-", NULL);
  g_autofree char *prefix = g_strconcat (account, "-v", NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 base = -1;
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      const char *rest, *dash;
      char *end = NULL;
      gint64 seq;

      if (!g_str_has_prefix (entry, whole_prefix) || !g_str_has_suffix (entry, SUFFIX))
        continue;
      rest = entry + strlen (whole_prefix);
      if (g_ascii_isdigit (rest[0]))
        {
          /* the whole account's */
          seq = g_ascii_strtoll (rest, &end, 10);
          if (end != NULL && g_str_equal (end, SUFFIX))
            base = MAX (base, seq);
          continue;
        }
      if (!g_str_has_prefix (entry, prefix))
        continue;
      rest = entry + strlen (prefix);
      dash = strchr (rest, '-');
      if (dash == NULL || !g_ascii_isdigit (dash[1]))
        continue;
      seq = g_ascii_strtoll (dash + 1, &end, 10);
      if (end == NULL || !g_str_equal (end, SUFFIX))
        continue;
      if (live_keys != NULL)
        {
          gboolean live = FALSE;

          for (guint i = 0; live_keys[i] != NULL && !live; i++)
            live = strlen (live_keys[i]) >= (gsize) (dash - rest) &&
                   strncmp (live_keys[i], rest, dash - rest) == 0;
          if (!live)
            {
              g_autofree char *old = g_build_filename (cache_dir, entry, NULL);

              g_debug ("Snapshot %s: no user sees what it holds any more: removed", entry);
              g_unlink (old);
              continue;
            }
        }
      g_ptr_array_add (names, g_strdup (entry));
      g_array_append_val (seqs, seq);
    }
  for (guint i = 0; i < names->len; i++)
    {
      gint64 seq = g_array_index (seqs, gint64, i);
      guint newer = 0;

      for (guint j = 0; j < seqs->len; j++)
        newer += g_array_index (seqs, gint64, j) > seq ||
                 (g_array_index (seqs, gint64, j) == seq && j < i);
      if (seq < base || newer >= CRM_SERVER_SNAPSHOT_MAX_FILTERED)
        {
          g_autofree char *old = g_build_filename (cache_dir, names->pdata[i], NULL);

          g_debug ("Snapshot %s: older than the account's at %" G_GINT64_FORMAT
                   " or past the bound: removed", (const char *) names->pdata[i], base);
          g_unlink (old);
        }
    }
}

/* --- making one (worker thread) --------------------------------------------------------- */

static gboolean
zstd_failed (size_t       code,
             GError     **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("Could not make a snapshot (compressing it): %s"), ZSTD_getErrorName (code));
  return FALSE;
}

static gboolean
write_all (GOutputStream  *out,
           const void     *data,
           gsize           size,
           GCancellable   *cancellable,
           GError        **error)
{
  return size == 0 || g_output_stream_write_all (out, data, size, NULL, cancellable, error);
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
  g_autofree char *input = g_malloc (CHUNK);
  gsize out_size = ZSTD_CStreamOutSize () * 8;
  g_autofree char *output = g_malloc (out_size);
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  gboolean ok = FALSE;
  size_t rc;

  in = g_file_read (in_file, cancellable, error);
  if (in == NULL)
    goto out;
  out = g_file_replace (out_file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                        error);
  if (out == NULL)
    goto out;
  if (ZSTD_isError (rc = ZSTD_CCtx_setParameter (cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
      ZSTD_isError (rc = ZSTD_CCtx_setParameter (cctx, ZSTD_c_checksumFlag, 1)))
    {
      zstd_failed (rc, error);
      goto out;
    }
  /* a libzstd built without threads refuses this; one thread is fine then */
  ZSTD_CCtx_setParameter (cctx, ZSTD_c_nbWorkers, ZSTD_WORKERS);

  for (;;)
    {
      gssize got = g_input_stream_read (G_INPUT_STREAM (in), input, CHUNK, cancellable, error);
      ZSTD_EndDirective mode = got == 0 ? ZSTD_e_end : ZSTD_e_continue;
      ZSTD_inBuffer inbuf = { input, got > 0 ? (gsize) got : 0, 0 };
      gboolean finished = FALSE;

      if (got < 0)
        goto out;
      do
        {
          ZSTD_outBuffer outbuf = { output, out_size, 0 };

          rc = ZSTD_compressStream2 (cctx, &outbuf, &inbuf, mode);
          if (ZSTD_isError (rc))
            {
              zstd_failed (rc, error);
              goto out;
            }
          if (!write_all (G_OUTPUT_STREAM (out), output, outbuf.pos, cancellable, error))
            goto out;
          finished = mode == ZSTD_e_end ? rc == 0 : inbuf.pos == inbuf.size;
        }
      while (!finished);
      if (got == 0)
        break;
    }
  ok = g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error);

out:
  ZSTD_freeCCtx (cctx);
  return ok;
}

/* The copy back in one file (the store opened it in WAL mode), its pages packed again: the
 * compacted ops left them part empty, and the new device's replica is this file. VACUUM
 * keeps the rowids the search tables name contacts by (SQLite copies them as they are;
 * contacts are never deleted, so there is no gap to close either). */
static gboolean
leave_wal (const char  *path,
           gboolean     vacuum,
           GError     **error)
{
  sqlite3 *db = NULL;
  gboolean ok = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
                sqlite3_exec (db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) == SQLITE_OK &&
                (!vacuum || sqlite3_exec (db, "VACUUM", NULL, NULL, NULL) == SQLITE_OK);

  if (!ok)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("Could not make a snapshot (%s): %s"), "compacting the history",
                 sqlite3_errmsg (db));
  sqlite3_close (db);
  return ok;
}

static void
make_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *part = NULL;
  g_autofree char *final = NULL;
  gint64 seq = 0;
  gint64 start = g_get_monotonic_time ();

  if (g_mkdir_with_parents (job->cache_dir, 0700) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (saved),
                               _("Could not create %s: %s"), job->cache_dir, g_strerror (saved));
      return;
    }
  copy = g_strdup_printf ("%s/%s-%08x.tmp", job->cache_dir, job->name, g_random_int ());
  if (!crm_replica_file_make_snapshot (job->replica_path, copy, &seq, &error))
    {
      g_unlink (copy);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_debug ("Snapshot of %s at %" G_GINT64_FORMAT " copied in %.2f s", job->name, seq,
           (g_get_monotonic_time () - start) / 1e6);
  if (job->filter != NULL)
    {
      guint removed = 0;

      if (!crm_visibility_filter_file (job->filter, copy, &removed, &error))
        {
          g_unlink (copy);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("Snapshot of %s at %" G_GINT64_FORMAT ": %u deals its user may not see left "
               "out in %.2f s", job->name, seq, removed, (g_get_monotonic_time () - start) / 1e6);
    }
  /* the history past the account's horizon as the laptops keep it (issue 21): a new device
   * takes a smaller file and installs fewer bytes; every op in the copy is acknowledged.
   * Only in a snapshot made in the background (at start, refreshed after one was sent):
   * on the large account it takes two minutes of CPU, longer than a device that asked
   * waits for an answer; when one comes to wait for it, it stops after the batch it is
   * at. What is not compacted here is compacted on the device. */
  if (job->background)
    {
      guint compacted = 0;

      if (!crm_store_compact_file (copy, job->hurry, &compacted, &error) ||
          !leave_wal (copy, !g_cancellable_is_cancelled (job->hurry), &error))
        {
          g_unlink (copy);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("Snapshot of %s at %" G_GINT64_FORMAT ": %u ops of its history compacted in "
               "%.2f s", job->name, seq, compacted, (g_get_monotonic_time () - start) / 1e6);
    }
  final = cached_path (job->cache_dir, job->name, seq);
  if (g_file_test (final, G_FILE_TEST_EXISTS))
    {
      /* nothing changed since the last one: keep it (and downloads resuming it) */
      g_unlink (copy);
      g_task_return_pointer (task, snapshot_for (final, seq),
                             (GDestroyNotify) crm_server_snapshot_free);
      return;
    }
  part = g_strconcat (copy, ".zst", NULL);
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
  g_debug ("Snapshot of %s at %" G_GINT64_FORMAT " made in %.2f s", job->name, seq,
           (g_get_monotonic_time () - start) / 1e6);
  g_task_return_pointer (task, snapshot_for (final, seq), (GDestroyNotify) crm_server_snapshot_free);
}

/* --- one job per account (main thread) ----------------------------------------------------- */

static void start_job (Job *job, GCancellable *cancellable);

static void
next_background (void)
{
  Job *job;

  while (!background_running && (job = g_queue_pop_head (&background)) != NULL)
    if (!job->running)
      {
        background_running = TRUE;
        start_job (job, NULL);
      }
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServerSnapshot) snapshot = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&job->waiters);
  gboolean was_background = job->background;

  job->waiters = g_ptr_array_new ();
  if (snapshot == NULL && error == NULL)
    g_set_error (&error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("The snapshot vanished while it was being made"));
  if (snapshot == NULL && waiters->len == 0)
    g_warning ("Could not prepare a snapshot: %s", error->message);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = waiters->pdata[i];

      if (snapshot != NULL)
        g_task_return_pointer (task, snapshot_copy (snapshot),
                               (GDestroyNotify) crm_server_snapshot_free);
      else
        g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
  /* a new copy of the whole account: the filtered ones older than it go */
  if (snapshot != NULL && job->filter == NULL)
    prune_filtered (job->cache_dir, job->name, NULL);
  g_queue_remove (&background, job);
  g_hash_table_remove (jobs, job->key);
  if (was_background)
    {
      background_running = FALSE;
      next_background ();
    }
}

static void
start_job (Job          *job,
           GCancellable *cancellable)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, job_done, job);

  job->running = TRUE;
  job->background = job->waiters->len == 0;
  g_clear_object (&job->hurry);
  job->hurry = g_cancellable_new ();
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, make_in_thread);
}

static Job *
lookup_job (const char    *replica_path,
            const char    *cache_dir,
            const char    *name,
            CrmVisibility *filter)
{
  g_autofree char *key = g_build_filename (cache_dir, name, NULL);
  Job *job;

  if (jobs == NULL)
    jobs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) job_free);
  job = g_hash_table_lookup (jobs, key);
  if (job == NULL)
    {
      job = g_new0 (Job, 1);
      job->key = g_steal_pointer (&key);
      job->replica_path = g_strdup (replica_path);
      job->cache_dir = g_strdup (cache_dir);
      job->name = g_strdup (name);
      job->waiters = g_ptr_array_new ();
      /* the name says whose: another request under it sees the same deals */
      job->filter = g_steal_pointer (&filter);
      g_hash_table_insert (jobs, job->key, job);
    }
  crm_visibility_free (filter);
  return job;
}

/* Queues a background refresh of @name unless one is made or queued already. */
static void
refresh_in_background (const char    *replica_path,
                       const char    *cache_dir,
                       const char    *name,
                       CrmVisibility *filter)
{
  Job *job = lookup_job (replica_path, cache_dir, name, filter);

  if (job->running || g_queue_find (&background, job) != NULL)
    return;
  g_queue_push_tail (&background, job);
  next_background ();
}

void
crm_server_snapshot_make_async (const char          *replica_path,
                                const char          *cache_dir,
                                const char          *account,
                                CrmVisibility       *filter,
                                const char *const   *live_keys,
                                gint64               head,
                                gint64               min_seq,
                                guint                max_age,
                                gint64               max_lag,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = callback != NULL ? g_task_new (NULL, cancellable, callback, user_data)
                                           : NULL;
  /* a filtered snapshot is kept under the account and what its user sees */
  g_autofree char *name = filter != NULL
    ? g_strdup_printf ("%s-v%.16s", account, crm_visibility_key (filter)) : g_strdup (account);
  g_autoptr(CrmServerSnapshot) cached = NULL;
  gint64 age;
  gboolean usable;
  Job *job;

  prune_filtered (cache_dir, account, live_keys);
  cached = find_cached (cache_dir, name, head);
  age = cached != NULL ? (gint64) time (NULL) - cached->mtime : G_MAXINT64;
  usable = cached != NULL && cached->seq >= min_seq &&
           (cached->seq == head || head - cached->seq <= max_lag || age < (gint64) max_age);
  if (task != NULL)
    g_task_set_source_tag (task, crm_server_snapshot_make_async);
  if (usable)
    {
      if (cached->seq != head && age >= REFRESH_AGE)
        refresh_in_background (replica_path, cache_dir, name, g_steal_pointer (&filter));
      crm_visibility_free (filter);
      if (task != NULL)
        g_task_return_pointer (task, g_steal_pointer (&cached),
                               (GDestroyNotify) crm_server_snapshot_free);
      return;
    }
  if (task == NULL)
    {
      refresh_in_background (replica_path, cache_dir, name, filter);
      return;
    }
  /* a device waits: for the snapshot being made, or for a new one made now */
  job = lookup_job (replica_path, cache_dir, name, filter);
  g_ptr_array_add (job->waiters, g_steal_pointer (&task));
  if (!job->running)
    {
      g_queue_remove (&background, job);
      start_job (job, cancellable);
    }
  else if (job->hurry != NULL)
    g_cancellable_cancel (job->hurry);
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
