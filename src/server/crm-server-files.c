/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-files.c — uploads of attached files and the push check that every file a
 * pushed attachment names is here. An unfinished upload is "FOLDER/.upload-HASH-UPLOADER"
 * (each uploader's own: the devices of one user go on with each other's); when
 * its last piece arrives the whole is hashed, its type checked by its magic bytes, and it
 * is renamed to "FOLDER/HASH" — so a file under its hash name is always whole and right,
 * and the same content uploaded from two laptops is kept once. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-attachment.h"
#include "crm-op.h"
#include "crm-protocol.h"
#include "crm-server-db.h"
#include "crm-server-files.h"
#include "crm-server-log.h"
#include "crm-time.h"

#define READ_CHUNK (256 * 1024)

gboolean
crm_server_files_is_hash (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

char *
crm_server_files_path (const char *folder,
                       const char *hash)
{
  return g_build_filename (folder, hash, NULL);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return -1;
  return (gint64) st.st_size;
}

/* An unfinished upload: "FOLDER/.upload-HASH-UPLOADER", each uploader's own (so nobody
 * learns how far another got with a content), or "FOLDER/.upload-HASH" for none. */
static char *
partial_path (const char *folder,
              const char *hash,
              const char *uploader)
{
  g_autofree char *name = uploader != NULL ? g_strconcat (".upload-", hash, "-", uploader, NULL)
                                           : g_strconcat (".upload-", hash, NULL);

  return g_build_filename (folder, name, NULL);
}

/* Whether any unfinished upload of @hash has bytes in @folder. */
static gboolean
any_partial (const char *folder,
             const char *hash)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autofree char *prefix = g_strconcat (".upload-", hash, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      {
        g_autofree char *path = g_build_filename (folder, name, NULL);

        if (file_size (path) > 0)
          return TRUE;
      }
  return FALSE;
}


gint64
crm_server_files_partial_size (const char *folder,
                               const char *hash,
                               const char *uploader)
{
  g_autofree char *partial = partial_path (folder, hash, uploader);

  return MAX (file_size (partial), 0);
}

gboolean
crm_server_files_stat (const char *folder,
                       const char *hash,
                       const char *uploader,
                       gint64     *out_size)
{
  g_autofree char *path = crm_server_files_path (folder, hash);
  gint64 size = file_size (path);

  if (size >= 0)
    {
      *out_size = size;
      return TRUE;
    }
  *out_size = crm_server_files_partial_size (folder, hash, uploader);
  return FALSE;
}

static gboolean
io_failed (GError     **error,
           const char  *what,
           const char  *path,
           int          saved)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               "Could not %s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

/* The SHA-256 of @path and its first bytes. */
static char *
hash_file (const char  *path,
           GByteArray  *head,
           GError     **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (READ_CHUNK);
  int fd = g_open (path, O_RDONLY, 0);
  gssize n;

  if (fd < 0)
    {
      io_failed (error, "read", path, errno);
      return NULL;
    }
  while ((n = read (fd, buffer, READ_CHUNK)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          io_failed (error, "read", path, saved);
          return NULL;
        }
      if (head != NULL && head->len < CRM_ATTACHMENT_SNIFF_SIZE)
        g_byte_array_append (head, buffer, MIN ((gsize) n, CRM_ATTACHMENT_SNIFF_SIZE - head->len));
      g_checksum_update (checksum, buffer, n);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
write_at (int           fd,
          gint64        offset,
          const guchar *data,
          gsize         length)
{
  while (length > 0)
    {
      gssize written = pwrite (fd, data, length, offset);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      offset += written;
      length -= (gsize) written;
    }
  return TRUE;
}

/* The last piece is in: the whole must hash to its name (and be what it says it is). */
static gboolean
finish (const char  *folder,
        const char  *hash,
        const char  *partial,
        const char  *mime,
        GError     **error)
{
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autofree char *target = crm_server_files_path (folder, hash);
  g_autofree char *actual = hash_file (partial, head, error);
  g_autoptr(GError) type_error = NULL;

  if (actual == NULL)
    return FALSE;
  if (!g_str_equal (actual, hash))
    {
      g_unlink (partial);
      crm_server_log (G_LOG_LEVEL_WARNING, "file.hash-mismatch",
                      "upload refused: its content does not hash to its name",
                      "VORONKA_FILE", hash, NULL);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_HASH_MISMATCH,
                   _("The uploaded content's SHA-256 is %s, not %s as named; it was "
                     "discarded: upload the file again"), actual, hash);
      return FALSE;
    }
  if (!crm_attachment_check_mime (hash, mime, head->data, head->len, &type_error))
    {
      g_unlink (partial);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_TYPE,
                   _("The file %s was refused: it says it is %s but its content is not; "
                     "attach the photo or document itself"), hash, mime);
      return FALSE;
    }
  if (g_rename (partial, target) != 0)
    return io_failed (error, "store", target, errno);
  return TRUE;
}

gint64
crm_server_files_usage (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  gint64 used = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      /* ".upload-HASH": an upload under way counts by what it reserved */
      if (name[0] == '.')
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_lstat (path, &st) == 0 && S_ISREG (st.st_mode))
        used += (gint64) st.st_size;
    }
  return used;
}

gboolean
crm_server_files_append (const char  *folder,
                         const char  *hash,
                         const char  *uploader,
                         gint64       offset,
                         gint64       length,
                         const char  *mime,
                         gint64       max_file,
                         gboolean     unseen,
                         GBytes      *body,
                         gint64      *out_offset,
                         gboolean    *out_complete,
                         GError     **error)
{
  g_autofree char *partial = NULL;
  gsize size = 0;
  const guchar *data = g_bytes_get_data (body, &size);
  gint64 have = 0;
  int fd;

  *out_complete = FALSE;
  *out_offset = 0;
  if (crm_server_files_stat (folder, hash, uploader, &have))
    {
      /* the same content came from elsewhere first: nothing more to send — unless the
       * uploader may not know it is here, who sends it all, as content never seen */
      if (unseen)
        have = crm_server_files_partial_size (folder, hash, uploader);
      else
        {
          *out_offset = have;
          *out_complete = TRUE;
          return TRUE;
        }
    }
  *out_offset = have;
  if (max_file > 0 && length > max_file)
    {
      /* the limit as the administrator set it, in whole MiB */
      g_autofree char *limit = g_strdup_printf ("%" G_GINT64_FORMAT " MB",
                                                max_file / (1024 * 1024));
      g_autofree char *given = g_strdup_printf ("%.1f MB", length / (1024.0 * 1024.0));

      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_TOO_LARGE,
                   _("The file is %s, larger than the limit of %s a file may have on this "
                     "server; attach a smaller file (or ask your administrator to raise "
                     "serve --max-file-mb)"), given, limit);
      return FALSE;
    }
  if (length < 0 || offset < 0 || offset > length || (gint64) size > length - offset)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The piece of %llu bytes at offset %lld does not fit a file of %lld "
                     "bytes"), (unsigned long long) size, (long long) offset,
                   (long long) length);
      return FALSE;
    }
  if (offset != have)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UPLOAD_OFFSET,
                   _("The server has %lld bytes of this file, not %lld; go on from there"),
                   (long long) have, (long long) offset);
      return FALSE;
    }
  if (g_mkdir_with_parents (folder, 0700) != 0)
    return io_failed (error, "create", folder, errno);
  partial = partial_path (folder, hash, uploader);
  fd = g_open (partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_failed (error, "write", partial, errno);
  if (!write_at (fd, offset, data, size) || fdatasync (fd) != 0)
    {
      int saved = errno;
      /* what was not written whole is not counted: back to where the piece began */
      if (ftruncate (fd, offset) != 0)
        g_debug ("Could not cut %s back: %s", partial, g_strerror (errno));
      close (fd);
      return io_failed (error, "write", partial, saved);
    }
  close (fd);
  *out_offset = offset + (gint64) size;
  if (*out_offset < length)
    return TRUE;
  if (!finish (folder, hash, partial, mime, error))
    {
      *out_offset = 0;
      return FALSE;
    }
  *out_complete = TRUE;
  return TRUE;
}

gboolean
crm_server_files_check_ops (const char                *folder,
                            GPtrArray                 *ops,
                            CrmServerFilesKnownFunc    known,
                            CrmServerFilesStampedFunc  stamped,
                            gpointer                   known_data,
                            GError                   **error)
{
  for (guint i = 0; i < ops->len; i++)
    {
      const CrmOp *op = ops->pdata[i];
      const char *hash, *mime, *name;
      g_autofree char *path = NULL;
      g_autoptr(GError) type_error = NULL;
      guchar head[CRM_ATTACHMENT_SNIFF_SIZE];
      gssize n = 0;
      int fd;

      if (!g_str_equal (op->entity, "attachment") || !json_object_has_member (op->fields, "hash"))
        continue;
      /* an op the server accepted before (its stamp is the server's, not any text the
       * pusher wrote there: that let a rep name a file he may not see and then get it) */
      if (op->stamp != NULL && stamped != NULL && stamped (op, known_data))
        continue;
      hash = json_object_get_string_member_with_default (op->fields, "hash", NULL);
      mime = json_object_get_string_member_with_default (op->fields, "mime", NULL);
      name = json_object_get_string_member_with_default (op->fields, "name", NULL);
      if (name == NULL)
        name = op->entity_id;
      /* a malformed hash is the shape check's to refuse, with the op's own words */
      if (!crm_server_files_is_hash (hash))
        continue;
      path = crm_server_files_path (folder, hash);
      fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
      /* stored, but not to be told to this pusher: as if it were not */
      if (fd >= 0 && known != NULL && !known (hash, known_data))
        {
          close (fd);
          fd = -1;
        }
      if (fd < 0)
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_MISSING,
                       _("The file «%s» (%s) of attachment %s has not been uploaded to the "
                         "server; nothing of this push was taken, the device uploads it and "
                         "sends the push again"), name, hash, op->entity_id);
          return FALSE;
        }
      do
        n = read (fd, head, sizeof head);
      while (n < 0 && errno == EINTR);
      close (fd);
      if (!crm_attachment_check_mime (name, mime, head, MAX (n, 0), &type_error))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_TYPE,
                       _("Attachment %s: %s"), op->entity_id, type_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

guint
crm_server_files_sweep (const char *folder,
                        gint64      max_age_ms,
                        gint64      now_ms)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint removed = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, ".upload-"))
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) ||
          (gint64) st.st_mtime * 1000 + max_age_ms > now_ms)
        continue;
      if (g_unlink (path) != 0)
        {
          g_warning ("Could not remove the abandoned upload %s: %s", path, g_strerror (errno));
          continue;
        }
      {
        /* ".upload-HASH" or ".upload-HASH-UPLOADER": the content's hash */
        g_autofree char *hash = g_strndup (name + strlen (".upload-"), 64);
        g_autofree char *message = g_strdup_printf (
          "file.abandoned: the unfinished upload of %s was removed (nothing added to it for "
          "%" G_GINT64_FORMAT " hours)", hash,
          (now_ms - (gint64) st.st_mtime * 1000) / (3600 * 1000));

        crm_server_log (G_LOG_LEVEL_INFO, "file.abandoned", message, "VORONKA_FILE", hash,
                        NULL);
      }
      removed++;
    }
  return removed;
}

/* --- an account's own room for files -------------------------------------------------- */

/* Made on first use, on either storage (one statement text serves both). file_upload: the
 * room each upload under way has reserved (its whole length), so two uploads that start
 * together cannot both pass the check and take the account over its limit. */
static const char *const limit_tables_sql[] = {
  "CREATE TABLE IF NOT EXISTS account_limit (account TEXT PRIMARY KEY NOT NULL,"
  " files_quota BIGINT)",
  "CREATE TABLE IF NOT EXISTS file_upload (account TEXT NOT NULL, hash TEXT NOT NULL,"
  " length BIGINT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (account, hash))",
  /* who sent which content whole (crm_server_files_note_uploader()) */
  "CREATE TABLE IF NOT EXISTS file_uploader (account TEXT NOT NULL, hash TEXT NOT NULL,"
  " uploader TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (account, hash, uploader))",
};

/* The account's room in account_limit for every account without its own: what the last
 * `serve` was given (--files-quota-mb), for the commands that run beside it. */
#define SERVE_ROW "*"

/* A reservation whose upload has no piece on disk yet holds this long (another process
 * may have reserved and not written yet); after that only the piece on disk keeps it. */
#define RESERVATION_GRACE_MS (60 * 1000)

static CrmServerRows *
limit_run (CrmServerStorage   *storage,
           const char         *what,
           const char         *sql,
           int                 n,
           const char *const  *values,
           GError            **error)
{
  if (g_object_get_data (G_OBJECT (storage), "voronka-account-limit") == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (limit_tables_sql); i++)
        {
          g_autoptr(CrmServerRows) made = crm_server_db_run (storage, what,
                                                             limit_tables_sql[i], 0, NULL,
                                                             error);

          if (made == NULL)
            return NULL;
        }
      g_object_set_data (G_OBJECT (storage), "voronka-account-limit", GINT_TO_POINTER (1));
    }
  return crm_server_db_run (storage, what, sql, n, values, error);
}

static gboolean
limit_exec (CrmServerStorage  *storage,
            const char        *what,
            const char        *sql,
            GError           **error)
{
  g_autoptr(CrmServerRows) rows = limit_run (storage, what, sql, 0, NULL, error);

  return rows != NULL;
}

gint64
crm_server_files_account_quota (CrmServerStorage  *storage,
                                const char        *account_id,
                                gint64             fallback,
                                GError           **error)
{
  const char *values[] = { account_id };
  g_autoptr(CrmServerRows) rows = limit_run (storage, "reading the account's room for files",
    "SELECT files_quota FROM account_limit WHERE account = $1 AND files_quota IS NOT NULL",
    1, values, error);

  if (rows == NULL)
    return -1;
  if (crm_server_rows_count (rows) == 0)
    {
      if (fallback >= 0)
        return fallback;
      return crm_server_files_serve_quota (storage, error);
    }
  return MAX (crm_server_rows_int (rows, 0, 0), 0);
}

gboolean
crm_server_files_set_account_quota (CrmServerStorage  *storage,
                                    const char        *account_id,
                                    gint64             bytes,
                                    GError           **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, bytes);
  const char *values[] = { account_id, text };
  g_autoptr(CrmServerRows) rows = NULL;

  if (bytes < 0)
    rows = limit_run (storage, "setting the account's room for files",
                      "DELETE FROM account_limit WHERE account = $1", 1, values, error);
  else
    rows = limit_run (storage, "setting the account's room for files",
                      "INSERT INTO account_limit (account, files_quota) VALUES ($1, $2)"
                      " ON CONFLICT (account) DO UPDATE SET files_quota = excluded.files_quota",
                      2, values, error);
  return rows != NULL;
}

gboolean
crm_server_files_set_serve_quota (CrmServerStorage  *storage,
                                  gint64             bytes,
                                  GError           **error)
{
  return crm_server_files_set_account_quota (storage, SERVE_ROW, MAX (bytes, 0), error);
}

gint64
crm_server_files_serve_quota (CrmServerStorage  *storage,
                              GError           **error)
{
  const char *values[] = { SERVE_ROW };
  g_autoptr(CrmServerRows) rows = limit_run (storage, "reading the accounts' room for files",
    "SELECT files_quota FROM account_limit WHERE account = $1 AND files_quota IS NOT NULL",
    1, values, error);

  if (rows == NULL)
    return -1;
  if (crm_server_rows_count (rows) == 0)
    return (gint64) CRM_SERVER_DEFAULT_FILES_QUOTA_MB * 1024 * 1024;
  return MAX (crm_server_rows_int (rows, 0, 0), 0);
}

/* The bytes the uploads under way in @account_id (other than @hash's) have reserved; the
 * reservations that no longer hold (the file is stored, or its upload was dropped) are
 * added to @stale. */
static gboolean
reserved_bytes (CrmServerStorage  *storage,
                const char        *account_id,
                const char        *folder,
                const char        *hash,
                gint64             now_ms,
                gint64            *out_reserved,
                GPtrArray         *stale,
                GError           **error)
{
  const char *values[] = { account_id, hash != NULL ? hash : "" };
  g_autoptr(CrmServerRows) rows = limit_run (storage, "reading the uploads under way",
    "SELECT hash, length, at FROM file_upload WHERE account = $1 AND hash <> $2",
    2, values, error);

  *out_reserved = 0;
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    {
      const char *other = crm_server_rows_text (rows, i, 0);
      gint64 length = crm_server_rows_int (rows, i, 1);
      gint64 at = crm_server_rows_int (rows, i, 2);
      gint64 have = 0;
      gboolean stored = crm_server_files_is_hash (other) &&
                        crm_server_files_stat (folder, other, NULL, &have);

      /* (whose upload it is the reservation does not say: anyone's piece keeps it) */
      if (stored || (at + RESERVATION_GRACE_MS < now_ms && !any_partial (folder, other)))
        {
          if (stale != NULL)
            g_ptr_array_add (stale, g_strdup (other));
          continue;
        }
      *out_reserved += MAX (length, 0);
    }
  return TRUE;
}

gboolean
crm_server_files_account_usage (CrmServerStorage  *storage,
                                const char        *account_id,
                                const char        *folder,
                                gint64            *out_stored,
                                gint64            *out_reserved,
                                GError           **error)
{
  *out_stored = crm_server_files_usage (folder);
  return reserved_bytes (storage, account_id, folder, NULL, crm_time_now_ms (), out_reserved,
                         NULL, error);
}

static void
limit_rollback (CrmServerStorage *storage)
{
  g_autoptr(GError) error = NULL;

  if (!limit_exec (storage, "rolling back", "ROLLBACK", &error))
    g_debug ("Rolling back the upload's reservation failed: %s", error->message);
}

gboolean
crm_server_files_reserve (CrmServerStorage  *storage,
                          const char        *account_id,
                          const char        *folder,
                          const char        *hash,
                          gint64             length,
                          gint64             quota,
                          GError           **error)
{
  gboolean shared = crm_server_db_is_shared (storage);
  gint64 now_ms = crm_time_now_ms ();
  gint64 used, reserved = 0;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  g_autofree char *length_text = g_strdup_printf ("%" G_GINT64_FORMAT, length);

  if (quota <= 0)
    return TRUE;
  /* check and reserve in one transaction: on SQLite its write lock from the start, on
   * PostgreSQL the account's upload lock, so the processes sharing it take turns */
  if (!limit_exec (storage, "reserving room for an upload",
                   shared ? "BEGIN" : "BEGIN IMMEDIATE", error))
    return FALSE;
  if (shared)
    {
      const char *values[] = { account_id };
      g_autoptr(CrmServerRows) locked = limit_run (storage, "reserving room for an upload",
        "SELECT pg_advisory_xact_lock (hashtextextended ($1, 14))", 1, values, error);

      if (locked == NULL)
        {
          limit_rollback (storage);
          return FALSE;
        }
    }
  if (!reserved_bytes (storage, account_id, folder, hash, now_ms, &reserved, stale, error))
    {
      limit_rollback (storage);
      return FALSE;
    }
  used = crm_server_files_usage (folder) + reserved;
  if (used + length > quota)
    {
      g_autofree char *used_text = g_format_size ((guint64) used);
      g_autofree char *quota_text = g_format_size ((guint64) quota);
      g_autofree char *length_text2 = g_format_size ((guint64) length);

      limit_rollback (storage);
      crm_server_log (G_LOG_LEVEL_WARNING, "file.quota",
                      "upload refused: the account's files are at their limit",
                      "VORONKA_FILE", hash, NULL);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_QUOTA_EXCEEDED,
                   _("The account's files take %s on the server, its limit is %s, and this "
                     "file of %s does not fit; the administrator can give the account more "
                     "room (voronka-server account set ACCOUNT --files-quota-mb MB)"),
                   used_text, quota_text, length_text2);
      return FALSE;
    }
  for (guint i = 0; i < stale->len; i++)
    {
      const char *values[] = { account_id, stale->pdata[i] };
      g_autoptr(CrmServerRows) gone = limit_run (storage, "reserving room for an upload",
        "DELETE FROM file_upload WHERE account = $1 AND hash = $2", 2, values, error);

      if (gone == NULL)
        {
          limit_rollback (storage);
          return FALSE;
        }
    }
  {
    const char *values[] = { account_id, hash, length_text, now_text };
    g_autoptr(CrmServerRows) added = limit_run (storage, "reserving room for an upload",
      "INSERT INTO file_upload (account, hash, length, at) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (account, hash) DO UPDATE SET length = excluded.length,"
      " at = excluded.at", 4, values, error);

    if (added == NULL)
      {
        limit_rollback (storage);
        return FALSE;
      }
  }
  if (!limit_exec (storage, "reserving room for an upload", "COMMIT", error))
    {
      limit_rollback (storage);
      return FALSE;
    }
  return TRUE;
}

void
crm_server_files_release (CrmServerStorage *storage,
                          const char       *account_id,
                          const char       *hash)
{
  const char *values[] = { account_id, hash };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServerRows) rows = limit_run (storage, "ending an upload's reservation",
    "DELETE FROM file_upload WHERE account = $1 AND hash = $2", 2, values, &error);

  /* a reservation left behind stops counting once its file is stored */
  if (rows == NULL)
    g_debug ("The reservation of upload %s stays: %s", hash, error->message);
}

/* --- who sent a content ------------------------------------------------------------------ */

gboolean
crm_server_files_note_uploader (CrmServerStorage  *storage,
                                const char        *account_id,
                                const char        *hash,
                                const char        *user_id,
                                GError           **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  const char *values[] = { account_id, hash, user_id, now };
  g_autoptr(CrmServerRows) rows = limit_run (storage, "noting who uploaded a file",
    "INSERT INTO file_uploader (account, hash, uploader, at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (account, hash, uploader) DO UPDATE SET at = excluded.at", 4, values, error);

  return rows != NULL;
}

gboolean
crm_server_files_uploaded_by (CrmServerStorage  *storage,
                              const char        *account_id,
                              const char        *hash,
                              const char        *user_id,
                              gboolean          *out_uploaded,
                              GError           **error)
{
  const char *values[] = { account_id, hash, user_id };
  g_autoptr(CrmServerRows) rows = limit_run (storage, "reading who uploaded a file",
    "SELECT 1 FROM file_uploader WHERE account = $1 AND hash = $2 AND uploader = $3",
    3, values, error);

  *out_uploaded = FALSE;
  if (rows == NULL)
    return FALSE;
  *out_uploaded = crm_server_rows_count (rows) > 0;
  return TRUE;
}
