/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-attachment.h — files attached to deals (S1-6: a photo of the sample handed over).
 * The bytes live once per content in a folder beside the replica,
 * "<replica path>.files/<sha256 hex>"; an `attachment` entity describes each one. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* A file copied into the replica's folder. */
typedef struct {
  char     *hash;        /* SHA-256 of the content, lowercase hex */
  gint64    size;        /* bytes */
  char     *mime;        /* guessed from the name and the first bytes */
  gboolean  stored_now;  /* FALSE: the same content was there already */
} CrmAttachmentFile;

void      crm_attachment_file_clear  (CrmAttachmentFile *file);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmAttachmentFile, crm_attachment_file_clear)

/* "<replica path>.files" and the path of the stored file with @hash in it. */
char     *crm_attachment_dup_folder  (CrmStore   *store);
char     *crm_attachment_dup_path    (CrmStore   *store,
                                      const char *hash);

/* Copies @path into the folder under its content hash; the same content is stored
 * once. A missing or unreadable @path is INVALID_INPUT naming it. Nothing is written
 * to the replica: add the entity with crm_attachment_fill_change(). */
gboolean  crm_attachment_store_file  (CrmStore          *store,
                                      const char        *path,
                                      CrmAttachmentFile *out,
                                      GError           **error);
/* Undoes crm_attachment_store_file() when the change set that would have described
 * the file was refused (only a file that was not there before is removed). */
void      crm_attachment_discard_file (CrmStore                *store,
                                       const CrmAttachmentFile *file);

/* Removes the stored files of @hashes (char*), and what was fetched of them, that no
 * attachment of the replica names any more (the deals it forgot: crm_visibility_forget);
 * a file another attachment names stays. */
void      crm_attachment_remove_unused (CrmStore  *store,
                                        GPtrArray *hashes);
/* The hashes (char*) the replica's attachments name now (none when they cannot be read). */
GPtrArray *crm_attachment_dup_hashes   (CrmStore  *store);

/* A file fetched from the server: whether @hash is stored already, and how many bytes of
 * an earlier fetch that stopped halfway are kept (0 when none), to go on from there. */
gboolean  crm_attachment_has_file     (CrmStore   *store,
                                       const char *hash);
gint64    crm_attachment_partial_size (CrmStore   *store,
                                       const char *hash);
/* Writes @stream into the partial file of @hash — after the bytes kept when @resume, from
 * the start otherwise — and, once the stream ends, checks the whole content against @hash
 * and puts it in place. A read error of @stream is returned as it is, and what arrived
 * stays for the next fetch; a failed write is a CRM_STORE_ERROR naming the file; content
 * that is not @hash is discarded, CRM_STORE_ERROR_INVALID_INPUT. */
gboolean  crm_attachment_receive      (CrmStore      *store,
                                       const char    *hash,
                                       GInputStream  *stream,
                                       gboolean       resume,
                                       GCancellable  *cancellable,
                                       GError       **error);

/* Stores @content (e.g. an e-mail's attachment on the server's replica of an account)
 * the same way, once per content; @name only helps the type guess. */
gboolean  crm_attachment_store_bytes (CrmStore          *store,
                                      GBytes            *content,
                                      const char        *name,
                                      CrmAttachmentFile *out,
                                      GError           **error);

/* The MIME type the first bytes of a content show by their magic numbers (PNG, JPEG,
 * GIF, WebP, HEIC, TIFF, BMP, PDF), or NULL when they show none of those. */
const char *crm_attachment_sniff_mime (const guchar *head,
                                       gsize         length);
gboolean  crm_attachment_mime_is_image (const char  *mime);
/* The type to record for a content: its magic bytes first, else the guess from @name
 * and the bytes — never an image type the bytes do not show (a text named "x.png" is
 * not a photo). */
char     *crm_attachment_guess_mime  (const char   *name,
                                      const guchar *head,
                                      gsize         length);
/* Whether a content whose first bytes are @head may be recorded as @mime: an image or
 * PDF type needs the magic bytes of one. INVALID_INPUT naming @name otherwise. */
gboolean  crm_attachment_check_mime  (const char   *name,
                                      const char   *mime,
                                      const guchar *head,
                                      gsize         length,
                                      GError      **error);
#define CRM_ATTACHMENT_SNIFF_SIZE 4096

/* Fills a new `attachment` entity of @changeset: entity, entity_id, name, hash, size,
 * mime, created_at. */
CrmChange *crm_attachment_fill_change (CrmChangeset            *changeset,
                                       const char              *attachment_id,
                                       const char              *entity,
                                       const char              *entity_id,
                                       const char              *name,
                                       const CrmAttachmentFile *file,
                                       gint64                   created_at);

/* The attachments of one entity, oldest first:
 * [{"id","entity","entity_id","name","hash","size","mime","created_at","path","available",
 *   "author","author_name"}]
 * ("available": the file is in this replica's folder — a replica that got the entity
 * by sync may not have the bytes; "author" and "author_name": the user who attached it,
 * null when this replica does not know, e.g. it got the attachment in a snapshot). */
JsonNode *crm_attachment_list        (CrmStore    *store,
                                      const char  *entity,
                                      const char  *entity_id,
                                      GError     **error);

/* One attachment in the shape of crm_attachment_list()'s items; NOT_FOUND naming @id. */
JsonObject *crm_attachment_get       (CrmStore    *store,
                                      const char  *id,
                                      GError     **error);

/* The contents this replica has attachments for but not the bytes of (synced from another
 * device), one item per content, the newest attachment first:
 * [{"hash","name","size","mime"}] ("name": the newest attachment's). @images_only: only
 * those recorded as images (image/…). */
JsonArray  *crm_attachment_list_missing (CrmStore    *store,
                                         gboolean     images_only,
                                         GError     **error);

G_END_DECLS
