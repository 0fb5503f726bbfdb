/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-files.h — an account's attached files on the server, one per content under
 * its SHA-256 in the account's files folder (beside its replica, as on a laptop). Uploads
 * come in pieces at an offset (PATCH /api/v1/files/HASH), each piece kept when it has
 * arrived whole, so a broken connection loses at most the piece under way; the content
 * is kept under its name only once its SHA-256 is the name. No HTTP here: crm-server.c
 * maps the answers. */
#pragma once

#include <gio/gio.h>

#include "crm-server-storage.h"

G_BEGIN_DECLS

/* `serve --max-file-mb`'s default. */
#define CRM_SERVER_DEFAULT_MAX_FILE_MB 25
/* `serve --files-quota-mb`'s default: what an account's files may take in all. */
#define CRM_SERVER_DEFAULT_FILES_QUOTA_MB 20480

/* The bytes the stored files of @folder take (unfinished uploads left out: they count by
 * what they reserved, crm_server_files_reserve()). */
gint64    crm_server_files_usage     (const char  *folder);

/* 64 lowercase hex digits. */
gboolean  crm_server_files_is_hash   (const char  *text);
/* The stored content of @hash: TRUE with its size, or FALSE with the bytes of @uploader's
 * unfinished upload of it received so far (0: none). Each uploader (a server user's id)
 * has an upload of their own, so nobody learns how far another got with a content. */
gboolean  crm_server_files_stat      (const char  *folder,
                                      const char  *hash,
                                      const char  *uploader,
                                      gint64      *out_size);
/* The bytes of @uploader's unfinished upload of @hash received so far (0: none). */
gint64    crm_server_files_partial_size (const char *folder,
                                         const char *hash,
                                         const char *uploader);
/* The path of the stored content (it may not exist). */
char     *crm_server_files_path      (const char  *folder,
                                      const char  *hash);
/* Takes @body as the bytes at @offset of the content @hash, @length bytes in all, into
 * @uploader's upload of it.
 * *@out_offset: the bytes received after it; *@out_complete: the content is stored (now,
 * or already was). Errors (CRM_SYNC_ERROR): TOO_LARGE over @max_file bytes (naming the
 * limit), UPLOAD_OFFSET when @offset is not what the server has (*@out_offset says
 * where to go on), HASH_MISMATCH when the whole content's SHA-256 is not @hash and
 * FILE_TYPE when @mime is a picture's or PDF's and the content is not one (the upload
 * is then discarded), INVALID_INPUT for offsets and lengths that do not add up. The
 * account's room is crm_server_files_reserve()'s, before a new upload's first piece.
 * @unseen: the content is stored, but the uploader may not see it (crm-visibility.h) and
 * must not learn it is here: their pieces are taken as a new upload's, and the whole,
 * checked as any, replaces the stored copy (the same bytes). */
gboolean  crm_server_files_append    (const char  *folder,
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
                                      GError     **error);
/* Whether the pusher may name the stored content @hash: they see something it is attached
 * to, or sent it themselves (crm_server_files_uploaded_by()). */
typedef gboolean (*CrmServerFilesKnownFunc) (const char *hash,
                                             gpointer    data);
/* Whether the stamp of @op is the server's own (an op it accepted before), not one the
 * pusher wrote. */
typedef gboolean (*CrmServerFilesStampedFunc) (const CrmOp *op,
                                               gpointer     data);

/* A push may describe only files the server has: every `attachment` op naming a hash
 * names a stored content whose type by content fits the op's "mime" (a photo is an
 * image). FILE_MISSING / FILE_TYPE naming the file otherwise — FILE_MISSING also for a
 * stored content @known (when given) says the pusher may not name: one who may not see it
 * learns nothing of it from a push (they upload it, and push again). Ops the server
 * stamped before (sent again after a restore: @stamped says so of their stamp) are not
 * checked again; an op with a stamp of the pusher's making is checked as any. */
gboolean  crm_server_files_check_ops (const char                *folder,
                                      GPtrArray                 *ops,
                                      CrmServerFilesKnownFunc    known,
                                      CrmServerFilesStampedFunc  stamped,
                                      gpointer                   known_data,
                                      GError                   **error);

/* The room an account's files have: its own (`account set --files-quota-mb`, kept in the
 * server's database, table `account_limit`), else @fallback (serve's; < 0: what the last
 * serve was given, crm_server_files_serve_quota()); -1 with @error when the database
 * fails. */
gint64    crm_server_files_account_quota     (CrmServerStorage  *storage,
                                              const char        *account_id,
                                              gint64             fallback,
                                              GError           **error);
/* Sets the account's own room (bytes; 0: no limit), or removes it when @bytes < 0. */
gboolean  crm_server_files_set_account_quota (CrmServerStorage  *storage,
                                              const char        *account_id,
                                              gint64             bytes,
                                              GError           **error);

/* serve records its --files-quota-mb, so that the commands beside it (account usage,
 * mailbox check) know the room of an account without its own. */
gboolean  crm_server_files_set_serve_quota   (CrmServerStorage  *storage,
                                              gint64             bytes,
                                              GError           **error);
/* What the last serve was given, else CRM_SERVER_DEFAULT_FILES_QUOTA_MB; -1 with @error. */
gint64    crm_server_files_serve_quota       (CrmServerStorage  *storage,
                                              GError           **error);
/* A new upload of @length bytes of @hash into @account_id's @folder: checks that the
 * stored files plus the room the other uploads under way reserved plus @length fit
 * @quota (0: no limit), and reserves @length, in one transaction (on PostgreSQL under
 * the account's upload lock), so two uploads started together cannot both pass.
 * QUOTA_EXCEEDED (CRM_SYNC_ERROR) naming what the account holds and its limit. */
gboolean  crm_server_files_reserve           (CrmServerStorage  *storage,
                                              const char        *account_id,
                                              const char        *folder,
                                              const char        *hash,
                                              gint64             length,
                                              gint64             quota,
                                              GError           **error);
/* The upload of @hash is over (stored): its reservation goes. */
void      crm_server_files_release           (CrmServerStorage  *storage,
                                              const char        *account_id,
                                              const char        *hash);
/* What @account_id's files take: stored in @folder, and reserved by uploads under way. */
gboolean  crm_server_files_account_usage     (CrmServerStorage  *storage,
                                              const char        *account_id,
                                              const char        *folder,
                                              gint64            *out_stored,
                                              gint64            *out_reserved,
                                              GError           **error);

/* `serve --abandoned-upload-hours`'s default. */
#define CRM_SERVER_DEFAULT_ABANDONED_UPLOAD_HOURS 24

/* Removes the unfinished uploads of @folder ("FOLDER/.upload-HASH-USER") nothing was
 * added to for @max_age_ms (a laptop that comes back later starts that file again);
 * returns how many were removed. */
guint     crm_server_files_sweep     (const char  *folder,
                                      gint64       max_age_ms,
                                      gint64       now_ms);

/* Notes that @user_id (a server user's id) sent the content @hash of @account_id whole. */
gboolean  crm_server_files_note_uploader (CrmServerStorage  *storage,
                                          const char        *account_id,
                                          const char        *hash,
                                          const char        *user_id,
                                          GError           **error);
/* Whether @user_id sent the content @hash whole (crm_server_files_note_uploader()). */
gboolean  crm_server_files_uploaded_by   (CrmServerStorage  *storage,
                                          const char        *account_id,
                                          const char        *hash,
                                          const char        *user_id,
                                          gboolean          *out_uploaded,
                                          GError           **error);

G_END_DECLS
