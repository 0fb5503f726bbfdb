/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-files.c — uploads and downloads of attached files (see the header). An upload
 * asks the server how much of the content it has (HEAD), then sends the rest in pieces
 * of CRM_PROTOCOL_FILE_PIECE at their offsets (PATCH), so a broken connection costs at
 * most one piece; a server that has another offset (another laptop uploads the same
 * content) says where to go on. A download goes into "FOLDER/.download-HASH" and
 * continues with Range; it becomes "FOLDER/HASH" only when its SHA-256 is HASH. */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-attachment.h"
#include "crm-sync-files-private.h"

/* offsets the server may move us to in a row before we give up on a file this round */
#define MAX_OFFSET_MOVES 8

static SoupMessage *
file_message (CrmSyncRound  *round,
              const char    *method,
              const char    *hash,
              GError       **error)
{
  g_autofree char *base = g_strdup (round->server_url);
  g_autofree char *url = NULL;
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  SoupMessage *msg;
  SoupMessageHeaders *headers;

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strconcat (base, CRM_PROTOCOL_PATH_FILES, hash, NULL);
  msg = soup_message_new (method, url);
  if (msg == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("“%s” is not a valid address"), url);
      return NULL;
    }
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (round->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", round->token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  return msg;
}

static void
unreachable (CrmSyncRound  *round,
             GError       **error,
             GError        *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, cause);
      return;
    }
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
               _("Could not reach the server at %s: %s"), round->server_url, cause->message);
  g_error_free (cause);
}

static gint64
offset_of (SoupMessage *msg)
{
  const char *text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   CRM_PROTOCOL_UPLOAD_OFFSET_HEADER);
  gint64 value = -1;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &value, NULL))
    return -1;
  return value;
}

/* Sends @msg; the answer's body, or NULL with the server's error. */
static GBytes *
send (CrmSyncRound  *round,
      SoupSession   *session,
      SoupMessage   *msg,
      GCancellable  *cancellable,
      GError       **error)
{
  GError *local_error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read (session, msg, cancellable,
                                                         &local_error);
  guint status;

  if (answer == NULL)
    {
      unreachable (round, error, local_error);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) &&
      !(status == SOUP_STATUS_NOT_FOUND && soup_message_get_method (msg) == SOUP_METHOD_HEAD))
    {
      crm_protocol_set_http_error (error, status, soup_message_get_reason_phrase (msg), answer);
      return NULL;
    }
  return g_steal_pointer (&answer);
}

static gboolean
read_at (int      fd,
         gint64   offset,
         guchar  *buffer,
         gsize    length)
{
  while (length > 0)
    {
      gssize n = pread (fd, buffer, length, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      buffer += n;
      offset += n;
      length -= (gsize) n;
    }
  return TRUE;
}

static gboolean
upload_one (CrmSyncRound  *round,
            SoupSession   *session,
            CrmStore      *store,
            const char    *hash,
            const char    *mime,
            const char    *name,
            GCancellable  *cancellable,
            guint64       *sent,
            GError       **error)
{
  g_autofree char *path = crm_attachment_dup_path (store, hash);
  g_autofree guchar *piece = NULL;
  g_autofree char *length_text = NULL;
  g_autoptr(SoupMessage) head = NULL;
  g_autoptr(GBytes) answer = NULL;
  GStatBuf st;
  gint64 offset, size;
  guint moves = 0, rounds = 0, max_rounds;
  int fd;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The file «%s» of an attachment is missing from %s, so it cannot be sent "
                     "to the server; put the file back there (named %s) or delete the "
                     "attachment"), name, path, hash);
      return FALSE;
    }
  size = st.st_size;
  head = file_message (round, SOUP_METHOD_HEAD, hash, error);
  if (head == NULL || (answer = send (round, session, head, cancellable, error)) == NULL)
    return FALSE;
  if (soup_message_get_status (head) == SOUP_STATUS_OK)
    return TRUE;  /* the server has it (from this device earlier, or from another) */
  offset = MAX (offset_of (head), 0);
  if (offset > size)
    offset = 0;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Could not read «%s» (%s): %s"), name, path, g_strerror (saved));
      return FALSE;
    }
  piece = g_malloc (CRM_PROTOCOL_FILE_PIECE);
  length_text = g_strdup_printf ("%" G_GINT64_FORMAT, size);
  max_rounds = (guint) (size / CRM_PROTOCOL_FILE_PIECE) + 2 + MAX_OFFSET_MOVES;
  for (;;)
    {
      gsize length = (gsize) MIN ((gint64) CRM_PROTOCOL_FILE_PIECE, size - offset);
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
      SoupMessageHeaders *headers;
      guint status;
      gint64 reached;

      if (++rounds > max_rounds || !read_at (fd, offset, piece, length))
        {
          close (fd);
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FAILED,
                       _("Could not send «%s» to the server: it changed while it was being "
                         "sent, or the server keeps moving the upload"), name);
          return FALSE;
        }
      msg = file_message (round, "PATCH", hash, error);
      if (msg == NULL)
        {
          close (fd);
          return FALSE;
        }
      headers = soup_message_get_request_headers (msg);
      soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_OFFSET_HEADER, offset_text);
      soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_LENGTH_HEADER, length_text);
      if (mime != NULL)
        soup_message_headers_replace (headers, CRM_PROTOCOL_FILE_TYPE_HEADER, mime);
      body = g_bytes_new (piece, length);
      soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", body);
      reply = send (round, session, msg, cancellable, &local_error);
      status = soup_message_get_status (msg);
      reached = offset_of (msg);
      if (reply == NULL)
        {
          /* someone else got further (or less far) with the same content: go on there */
          if (g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UPLOAD_OFFSET) &&
              reached >= 0 && reached <= size && ++moves <= MAX_OFFSET_MOVES)
            {
              offset = reached;
              continue;
            }
          close (fd);
          if (g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_QUOTA_EXCEEDED))
            {
              g_autofree char *size_text = g_format_size ((guint64) size);

              /* in this device's words, whatever the server's language */
              g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_QUOTA_EXCEEDED,
                           _("There is no room left on the server for this company's files: "
                             "«%s» (%s) was not sent and waits on this device, and so do the "
                             "changes after it. Ask your administrator. (The server says: "
                             "%s)"), name, size_text, local_error->message);
              return FALSE;
            }
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      _("The file «%s» was not sent: "), name);
          return FALSE;
        }
      *sent += length;
      if (status == SOUP_STATUS_CREATED || status == SOUP_STATUS_OK)
        break;
      if (reached <= offset || reached > size)
        {
          close (fd);
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                       _("The server answered a piece of «%s» without saying how much it "
                         "has"), name);
          return FALSE;
        }
      offset = reached;
    }
  close (fd);
  g_debug ("Uploaded %s (%s, %" G_GINT64_FORMAT " bytes)", name, hash, size);
  return TRUE;
}

gboolean
crm_sync_files_upload (CrmSyncRound  *round,
                       SoupSession   *session,
                       CrmStore      *store,
                       GPtrArray     *ops,
                       GCancellable  *cancellable,
                       guint64       *out_bytes,
                       GError       **error)
{
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 sent = 0;
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < ops->len; i++)
    {
      const CrmOp *op = ops->pdata[i];
      const char *hash;

      if (!g_str_equal (op->entity, "attachment") || op->fields == NULL)
        continue;
      hash = json_object_get_string_member_with_default (op->fields, "hash", NULL);
      if (hash == NULL || !g_hash_table_add (done, (gpointer) hash))
        continue;
      ok = upload_one (round, session, store, hash,
                       json_object_get_string_member_with_default (op->fields, "mime", NULL),
                       json_object_get_string_member_with_default (op->fields, "name", hash),
                       cancellable, &sent, error);
    }
  if (out_bytes != NULL)
    *out_bytes = sent;
  return ok;
}

gboolean
crm_sync_files_fetch (CrmSyncRound  *round,
                      SoupSession   *session,
                      CrmStore      *store,
                      const char    *hash,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  GError *local_error = NULL;
  gint64 have;
  guint status;

  if (crm_attachment_has_file (store, hash))
    return TRUE;
  have = crm_attachment_partial_size (store, hash);
  msg = file_message (round, SOUP_METHOD_GET, hash, error);
  if (msg == NULL)
    return FALSE;
  if (have > 0)
    soup_message_headers_set_range (soup_message_get_request_headers (msg), have, -1);
  stream = soup_session_send (session, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      unreachable (round, error, local_error);
      return FALSE;
    }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK && status != SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

      /* the error's body is small (a JSON error); at most 64 KiB is read */
      if (g_output_stream_splice (sink, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                  G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, NULL) >= 0 &&
          g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)) <= 65536)
        answer = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
      crm_protocol_set_http_error (error, status, soup_message_get_reason_phrase (msg), answer);
      return FALSE;
    }
  /* 200: the whole, from the start (the server may ignore a Range) */
  if (crm_attachment_receive (store, hash, stream, status == SOUP_STATUS_PARTIAL_CONTENT,
                              cancellable, &local_error))
    return TRUE;
  if (local_error->domain != CRM_STORE_ERROR)
    unreachable (round, error, local_error);   /* the part is kept: the next fetch goes on */
  else
    {
      CrmSyncError code = g_error_matches (local_error, CRM_STORE_ERROR,
                                           CRM_STORE_ERROR_INVALID_INPUT)
        ? CRM_SYNC_ERROR_HASH_MISMATCH : CRM_SYNC_ERROR_FAILED;

      g_set_error_literal (error, CRM_SYNC_ERROR, code, local_error->message);
      g_error_free (local_error);
    }
  return FALSE;
}
