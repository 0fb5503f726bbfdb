/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-attachment.c — content-addressed storage of attached files beside the replica
 * and the listing of `attachment` entities. A file is copied into a temporary file of
 * the folder while its SHA-256 is computed, then renamed to the hash: a crash leaves
 * at most a stray ".incoming-…" file, never a half-written one under a hash name. */
#define G_LOG_DOMAIN "voronka-attachment"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-attachment.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"

#define CHUNK_SIZE (64 * 1024)
#define SNIFF_SIZE CRM_ATTACHMENT_SNIFF_SIZE

void
crm_attachment_file_clear (CrmAttachmentFile *file)
{
  g_clear_pointer (&file->hash, g_free);
  g_clear_pointer (&file->mime, g_free);
  file->size = 0;
  file->stored_now = FALSE;
}

char *
crm_attachment_dup_folder (CrmStore *store)
{
  g_autofree char *replica = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* absolute, so the paths shown to people and scripts work from any folder */
  replica = g_canonicalize_filename (crm_store_get_path (store), NULL);
  return g_strconcat (replica, ".files", NULL);
}

char *
crm_attachment_dup_path (CrmStore   *store,
                         const char *hash)
{
  g_autofree char *folder = crm_attachment_dup_folder (store);

  return g_build_filename (folder, hash, NULL);
}

static gboolean
write_all (int           fd,
           const guchar *data,
           gsize         length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, length);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

const char *
crm_attachment_sniff_mime (const guchar *head,
                           gsize         length)
{
  static const struct {
    gsize        offset;
    const char  *magic;
    gsize        length;
    const char  *mime;
  } table[] = {
    { 0, "\x89PNG\r\n\x1a\n", 8, "image/png" },
    { 0, "\xff\xd8\xff", 3, "image/jpeg" },
    { 0, "GIF87a", 6, "image/gif" },
    { 0, "GIF89a", 6, "image/gif" },
    { 0, "II*\0", 4, "image/tiff" },
    { 0, "MM\0*", 4, "image/tiff" },
    { 0, "BM", 2, "image/bmp" },
    { 0, "%PDF-", 5, "application/pdf" },
  };

  if (head == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (length >= table[i].offset + table[i].length &&
        memcmp (head + table[i].offset, table[i].magic, table[i].length) == 0)
      return table[i].mime;
  if (length >= 12 && memcmp (head, "RIFF", 4) == 0 && memcmp (head + 8, "WEBP", 4) == 0)
    return "image/webp";
  /* ISO media: "....ftyp" and a brand of HEIF pictures */
  if (length >= 12 && memcmp (head + 4, "ftyp", 4) == 0)
    {
      static const char *const brands[] = { "heic", "heix", "mif1", "msf1", "heis", "avif", NULL };

      for (guint i = 0; brands[i] != NULL; i++)
        if (memcmp (head + 8, brands[i], 4) == 0)
          return g_str_equal (brands[i], "avif") ? "image/avif" : "image/heic";
    }
  return NULL;
}

gboolean
crm_attachment_mime_is_image (const char *mime)
{
  return mime != NULL && g_str_has_prefix (mime, "image/");
}

char *
crm_attachment_guess_mime (const char   *name,
                           const guchar *head,
                           gsize         length)
{
  const char *sniffed = crm_attachment_sniff_mime (head, length);
  g_autofree char *content_type = NULL;
  char *mime = NULL;

  if (sniffed != NULL)
    return g_strdup (sniffed);
  content_type = g_content_type_guess (name, head, length, NULL);
  mime = content_type != NULL ? g_content_type_get_mime_type (content_type) : NULL;
  /* the name said picture (or PDF), the bytes do not: the bytes alone decide */
  if (mime != NULL && (crm_attachment_mime_is_image (mime) ||
                       g_str_equal (mime, "application/pdf")))
    {
      g_clear_pointer (&mime, g_free);
      g_clear_pointer (&content_type, g_free);
      content_type = g_content_type_guess (NULL, head, length, NULL);
      mime = content_type != NULL ? g_content_type_get_mime_type (content_type) : NULL;
      if (mime != NULL && (crm_attachment_mime_is_image (mime) ||
                           g_str_equal (mime, "application/pdf")))
        g_clear_pointer (&mime, g_free);
    }
  return mime != NULL ? mime : g_strdup ("application/octet-stream");
}

gboolean
crm_attachment_check_mime (const char   *name,
                           const char   *mime,
                           const guchar *head,
                           gsize         length,
                           GError      **error)
{
  const char *sniffed = crm_attachment_sniff_mime (head, length);

  if (mime == NULL)
    return TRUE;
  if (crm_attachment_mime_is_image (mime) && !crm_attachment_mime_is_image (sniffed))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» says it is a picture (%s) but its content is not an image; attach "
                     "the photo itself (JPEG, PNG, HEIC, WebP, GIF)"), name, mime);
      return FALSE;
    }
  if (g_str_equal (mime, "application/pdf") && g_strcmp0 (sniffed, mime) != 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» says it is a PDF document but its content is not one"), name);
      return FALSE;
    }
  return TRUE;
}

/* Copies @source into @fd, hashing it; keeps the first bytes for the type guess. */
static gboolean
copy_and_hash (FILE        *source,
               const char  *path,
               int          fd,
               GChecksum   *checksum,
               GByteArray  *head,
               gint64      *out_size,
               GError     **error)
{
  g_autofree guchar *buffer = g_malloc (CHUNK_SIZE);
  gint64 size = 0;
  gsize n;

  while ((n = fread (buffer, 1, CHUNK_SIZE, source)) > 0)
    {
      g_checksum_update (checksum, buffer, n);
      if (head->len < SNIFF_SIZE)
        g_byte_array_append (head, buffer, MIN (n, SNIFF_SIZE - head->len));
      if (!write_all (fd, buffer, n))
        {
          int saved = errno;
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                       _("Could not copy «%s» beside the replica: %s"), path,
                       g_strerror (saved));
          return FALSE;
        }
      size += n;
    }
  if (ferror (source))
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Could not read «%s»: %s"), path, g_strerror (saved));
      return FALSE;
    }
  *out_size = size;
  return TRUE;
}

/* Copies @source (named @path in messages, @name for the type guess) into @folder under
 * its hash. */
static gboolean
store_stream (const char         *folder,
              FILE               *source,
              const char         *path,
              const char         *name,
              CrmAttachmentFile  *out,
              GError            **error)
{
  g_autofree char *incoming = NULL;
  g_autofree char *target = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GByteArray) head = g_byte_array_new ();
  gint64 size = 0;
  gboolean copied;
  int fd;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not create the attachments folder %s: %s"), folder,
                   g_strerror (saved));
      return FALSE;
    }
  incoming = g_build_filename (folder, ".incoming-XXXXXX", NULL);
  fd = g_mkstemp_full (incoming, O_WRONLY, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not write into the attachments folder %s: %s"), folder,
                   g_strerror (saved));
      return FALSE;
    }

  copied = copy_and_hash (source, path, fd, checksum, head, &size, error);
  if (copied && fsync (fd) != 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not copy «%s» beside the replica: %s"), path, g_strerror (saved));
      copied = FALSE;
    }
  close (fd);
  if (!copied)
    {
      g_unlink (incoming);
      return FALSE;
    }

  crm_attachment_file_clear (out);
  out->hash = g_strdup (g_checksum_get_string (checksum));
  out->size = size;
  out->mime = crm_attachment_guess_mime (name, head->data, head->len);

  target = g_build_filename (folder, out->hash, NULL);
  if (g_file_test (target, G_FILE_TEST_EXISTS))
    {
      /* the same content is there already: keep one copy */
      g_unlink (incoming);
      out->stored_now = FALSE;
      return TRUE;
    }
  if (g_rename (incoming, target) != 0)
    {
      int saved = errno;
      g_unlink (incoming);
      crm_attachment_file_clear (out);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not store «%s» in %s: %s"), path, folder, g_strerror (saved));
      return FALSE;
    }
  out->stored_now = TRUE;
  g_debug ("Stored %s as %s (%" G_GINT64_FORMAT " bytes)", path, out->hash, size);
  return TRUE;
}

/* --- files fetched from the server -------------------------------------------------- */

/* A hash names a file in the folder: 64 lowercase hex digits and nothing else. */
static gboolean
hash_is_valid (const char *hash)
{
  if (hash == NULL || strlen (hash) != 64)
    return FALSE;
  for (const char *c = hash; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c) && !(*c >= 'a' && *c <= 'f'))
      return FALSE;
  return TRUE;
}

static char *
dup_partial_path (CrmStore   *store,
                  const char *hash)
{
  g_autofree char *folder = crm_attachment_dup_folder (store);
  g_autofree char *name = g_strconcat (".download-", hash, NULL);

  return g_build_filename (folder, name, NULL);
}

gboolean
crm_attachment_has_file (CrmStore   *store,
                         const char *hash)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!hash_is_valid (hash))
    return FALSE;
  path = crm_attachment_dup_path (store, hash);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

gint64
crm_attachment_partial_size (CrmStore   *store,
                             const char *hash)
{
  g_autofree char *partial = NULL;
  GStatBuf st;

  g_return_val_if_fail (CRM_IS_STORE (store), 0);

  if (!hash_is_valid (hash))
    return 0;
  partial = dup_partial_path (store, hash);
  if (g_stat (partial, &st) == 0 && S_ISREG (st.st_mode))
    return st.st_size;
  return 0;
}

/* The SHA-256 of the file at @path, or NULL when it cannot be read. */
static char *
hash_of_file (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (CHUNK_SIZE);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gssize n;

  if (fd < 0)
    return NULL;
  while ((n = read (fd, buffer, CHUNK_SIZE)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          close (fd);
          return NULL;
        }
      g_checksum_update (checksum, buffer, n);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
crm_attachment_receive (CrmStore      *store,
                        const char    *hash,
                        GInputStream  *stream,
                        gboolean       resume,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *target = NULL;
  g_autofree char *actual = NULL;
  g_autofree guchar *buffer = NULL;
  GError *read_error = NULL;
  gssize n;
  int fd;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);

  if (!hash_is_valid (hash))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” is not the SHA-256 of a file"), hash != NULL ? hash : "");
      return FALSE;
    }
  folder = crm_attachment_dup_folder (store);
  partial = dup_partial_path (store, hash);
  target = crm_attachment_dup_path (store, hash);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not create the attachments folder %s: %s"), folder,
                   g_strerror (saved));
      return FALSE;
    }
  fd = g_open (partial, O_WRONLY | O_CREAT | O_CLOEXEC | (resume ? O_APPEND : O_TRUNC), 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, _("Could not write %s: %s"),
                   partial, g_strerror (saved));
      return FALSE;
    }
  buffer = g_malloc (CHUNK_SIZE);
  while ((n = g_input_stream_read (stream, buffer, CHUNK_SIZE, cancellable, &read_error)) > 0)
    if (!write_all (fd, buffer, n))
      {
        int saved = errno;
        close (fd);
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, _("Could not write %s: %s"),
                     partial, g_strerror (saved));
        return FALSE;
      }
  if (fsync (fd) != 0)
    g_debug ("fsync %s: %s", partial, g_strerror (errno));
  close (fd);
  if (n < 0)
    {
      /* what arrived stays in the part; the next fetch goes on from there */
      g_propagate_error (error, read_error);
      return FALSE;
    }
  actual = hash_of_file (partial);
  if (g_strcmp0 (actual, hash) != 0)
    {
      g_unlink (partial);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The file from the server does not match its attachment (SHA-256 %s, "
                     "expected %s); it was discarded: try again"), actual ? actual : "?", hash);
      return FALSE;
    }
  if (g_rename (partial, target) != 0)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED, _("Could not store %s: %s"),
                   target, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_attachment_store_file (CrmStore           *store,
                           const char         *path,
                           CrmAttachmentFile  *out,
                           GError            **error)
{
  g_autofree char *folder = NULL;
  FILE *source;
  gboolean stored;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL && out != NULL, FALSE);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("No file «%s»"), path);
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» is not a file; attach a photo or a document"), path);
      return FALSE;
    }
  source = g_fopen (path, "rb");
  if (source == NULL)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Could not read «%s»: %s"), path, g_strerror (saved));
      return FALSE;
    }
  folder = crm_attachment_dup_folder (store);
  stored = store_stream (folder, source, path, path, out, error);
  fclose (source);
  return stored;
}

gboolean
crm_attachment_store_bytes (CrmStore           *store,
                            GBytes             *content,
                            const char         *name,
                            CrmAttachmentFile  *out,
                            GError            **error)
{
  static const char empty[1] = "";
  g_autofree char *folder = NULL;
  gsize length = 0;
  gconstpointer data;
  FILE *source;
  gboolean stored;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (content != NULL && out != NULL, FALSE);

  data = g_bytes_get_data (content, &length);
  source = fmemopen ((void *) (length > 0 ? data : empty), length, "rb");
  if (source == NULL)
    {
      int saved = errno;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                   _("Could not store «%s»: %s"), name ? name : "", g_strerror (saved));
      return FALSE;
    }
  folder = crm_attachment_dup_folder (store);
  stored = store_stream (folder, source, name ? name : "", name, out, error);
  fclose (source);
  return stored;
}

GPtrArray *
crm_attachment_dup_hashes (CrmStore *store)
{
  GPtrArray *hashes = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), hashes);

  stmt = _crm_store_prepare (store, "SELECT DISTINCT hash FROM attachment WHERE hash IS NOT NULL",
                             NULL);
  while (stmt != NULL && _crm_store_step (store, stmt) == SQLITE_ROW)
    g_ptr_array_add (hashes, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return hashes;
}

void
crm_attachment_remove_unused (CrmStore  *store,
                              GPtrArray *hashes)
{
  g_return_if_fail (CRM_IS_STORE (store));

  for (guint i = 0; hashes != NULL && i < hashes->len; i++)
    {
      const char *hash = hashes->pdata[i];
      sqlite3_stmt *stmt;
      gboolean named = TRUE;

      if (!hash_is_valid (hash))
        continue;
      stmt = _crm_store_prepare (store, "SELECT 1 FROM attachment WHERE hash = ?1 LIMIT 1",
                                 NULL);
      if (stmt == NULL)
        continue;
      _crm_sql_bind_text_or_null (stmt, 1, hash);
      named = _crm_store_step (store, stmt) != SQLITE_DONE;
      sqlite3_reset (stmt);
      if (!named)
        {
          g_autofree char *path = crm_attachment_dup_path (store, hash);
          g_autofree char *partial = dup_partial_path (store, hash);

          g_unlink (path);
          g_unlink (partial);
        }
    }
}

void
crm_attachment_discard_file (CrmStore                *store,
                             const CrmAttachmentFile *file)
{
  g_autofree char *target = NULL;

  g_return_if_fail (CRM_IS_STORE (store));

  if (file == NULL || file->hash == NULL || !file->stored_now)
    return;
  target = crm_attachment_dup_path (store, file->hash);
  g_unlink (target);
}

CrmChange *
crm_attachment_fill_change (CrmChangeset            *changeset,
                            const char              *attachment_id,
                            const char              *entity,
                            const char              *entity_id,
                            const char              *name,
                            const CrmAttachmentFile *file,
                            gint64                   created_at)
{
  CrmChange *change = crm_changeset_create (changeset, "attachment", attachment_id);

  crm_change_set_string (change, "entity", entity);
  crm_change_set_string (change, "entity_id", entity_id);
  crm_change_set_string (change, "name", name);
  crm_change_set_string (change, "hash", file->hash);
  crm_change_set_int (change, "size", file->size);
  crm_change_set_string (change, "mime", file->mime);
  crm_change_set_int (change, "created_at", created_at);
  return change;
}

/* The author: the actor of the attachment's first op in this replica's log (NULL when
 * the replica got it in a snapshot, or a server made it from an e-mail). */
#define ATTACHMENT_COLUMNS \
  "SELECT a.id, a.entity, a.entity_id, a.name, a.hash, a.size, a.mime, a.created_at," \
  " actor.word, u.name FROM attachment a" \
  " LEFT JOIN changelog c ON c.seq = (SELECT seq FROM changelog WHERE entity_id = a.id" \
  "                                   ORDER BY hlc, seq LIMIT 1)" \
  " LEFT JOIN clock_word actor ON actor.n = c.actor_n" \
  " LEFT JOIN user u ON u.id = actor.word"

static JsonObject *
row_to_object (CrmStore     *store,
               sqlite3_stmt *stmt)
{
  JsonObject *item = json_object_new ();
  const char *hash = (const char *) sqlite3_column_text (stmt, 4);
  g_autofree char *path = hash != NULL ? crm_attachment_dup_path (store, hash) : NULL;
  g_autofree char *created = sqlite3_column_type (stmt, 7) != SQLITE_NULL
                             ? crm_time_format (sqlite3_column_int64 (stmt, 7)) : NULL;

  _crm_json_set_text_column (item, "id", stmt, 0);
  _crm_json_set_text_column (item, "entity", stmt, 1);
  _crm_json_set_text_column (item, "entity_id", stmt, 2);
  _crm_json_set_text_column (item, "name", stmt, 3);
  _crm_json_set_text_column (item, "hash", stmt, 4);
  json_object_set_int_member (item, "size", sqlite3_column_int64 (stmt, 5));
  _crm_json_set_text_column (item, "mime", stmt, 6);
  if (created != NULL)
    json_object_set_string_member (item, "created_at", created);
  else
    json_object_set_null_member (item, "created_at");
  if (path != NULL)
    json_object_set_string_member (item, "path", path);
  else
    json_object_set_null_member (item, "path");
  json_object_set_boolean_member (item, "available",
                                  path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR));
  _crm_json_set_text_column (item, "author", stmt, 8);
  _crm_json_set_text_column (item, "author_name", stmt, 9);
  return item;
}

JsonObject *
crm_attachment_get (CrmStore    *store,
                    const char  *id,
                    GError     **error)
{
  sqlite3_stmt *stmt;
  JsonObject *item = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store, ATTACHMENT_COLUMNS " WHERE a.deleted = 0 AND a.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    item = row_to_object (store, stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No attachment with id %s; “voronkactl attachment list --deal ID” lists a "
                   "deal's files"), id);
  else
    _crm_store_set_read_error (store, error, "read an attachment");
  sqlite3_reset (stmt);
  return item;
}

JsonNode *
crm_attachment_list (CrmStore    *store,
                     const char  *entity,
                     const char  *entity_id,
                     GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    ATTACHMENT_COLUMNS
    " WHERE a.deleted = 0 AND a.entity = ?1 AND a.entity_id = ?2 ORDER BY a.created_at, a.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, entity_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = row_to_object (store, stmt);

      json_array_add_object_element (list, item);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read attachments");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, list);
  return node;
}

JsonArray *
crm_attachment_list_missing (CrmStore  *store,
                             gboolean   images_only,
                             GError   **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT hash, name, size, mime FROM attachment"
    " WHERE deleted = 0 AND hash IS NOT NULL"
    " AND (?1 = 0 OR mime LIKE 'image/%')"
    " ORDER BY created_at DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, images_only ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *hash = (const char *) sqlite3_column_text (stmt, 0);
      JsonObject *item;

      if (!hash_is_valid (hash) || g_hash_table_contains (seen, hash))
        continue;
      g_hash_table_add (seen, g_strdup (hash));
      if (crm_attachment_has_file (store, hash))
        continue;
      item = json_object_new ();
      _crm_json_set_text_column (item, "hash", stmt, 0);
      _crm_json_set_text_column (item, "name", stmt, 1);
      json_object_set_int_member (item, "size", sqlite3_column_int64 (stmt, 2));
      _crm_json_set_text_column (item, "mime", stmt, 3);
      json_array_add_object_element (list, item);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read attachments");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&list);
}
