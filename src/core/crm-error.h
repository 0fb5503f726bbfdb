/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-error.h — the store's error domain and the stable error codes of CLI.md. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CRM_STORE_ERROR (crm_store_error_quark ())

/* One code per stable error string of CLI.md ("required-field", …). */
typedef enum {
  CRM_STORE_ERROR_FAILED,
  CRM_STORE_ERROR_REQUIRED_FIELD,
  CRM_STORE_ERROR_LOSS_REASON_REQUIRED,
  CRM_STORE_ERROR_NEXT_TASK_REQUIRED,
  CRM_STORE_ERROR_CALL_RESULT_REQUIRED,
  CRM_STORE_ERROR_ATTACHMENT_REQUIRED,
  CRM_STORE_ERROR_APPROVAL_REQUIRED,
  CRM_STORE_ERROR_NOT_FOUND,
  CRM_STORE_ERROR_INVALID_INPUT,
  CRM_STORE_ERROR_PERMISSION_DENIED,
  CRM_STORE_ERROR_RULE_LOOP,
  CRM_STORE_ERROR_DATABASE_CORRUPT,
  CRM_STORE_ERROR_SCHEMA_TOO_NEW,
  CRM_STORE_ERROR_AUTH_FAILED,
  CRM_STORE_ERROR_SERVER_UNREACHABLE,
  CRM_STORE_ERROR_TOO_LARGE,
  CRM_STORE_ERROR_QUOTA_EXCEEDED,
  CRM_STORE_ERROR_READ_ONLY,            /* the replica's file or folder cannot be written */
  CRM_STORE_ERROR_CHANGED_SINCE,        /* undo: a later edit changed what the change wrote */
  CRM_STORE_ERROR_DISK_FULL,            /* no space left for the replica (SQLITE_FULL) */
  CRM_STORE_ERROR_IO,                   /* the disk failed to read or write (SQLITE_IOERR) */
  CRM_STORE_ERROR_NO_MEMORY,            /* SQLite ran out of memory (SQLITE_NOMEM) */
  CRM_STORE_ERROR_LOCKED,               /* another program holds the replica locked */
  CRM_STORE_ERROR_NOT_A_REPLICA,        /* not a database, or a database of another program */
  CRM_STORE_ERROR_ALREADY_DECIDED,      /* an approval's step another device decided first */
} CrmStoreError;

GQuark       crm_store_error_quark   (void);

/* The stable code string ("loss-reason-required") for any GError; errors of other
 * domains map to "failed" unless they are well-known I/O errors. */
const char  *crm_error_code_name     (const GError *error);
const char  *crm_store_error_to_code (CrmStoreError code);

/* g_set_error() that returns FALSE, for checks that end in
 * "return crm_error_fail (error, DOMAIN, CODE, _("…"), …);". */
gboolean     crm_error_fail          (GError      **error,
                                      GQuark        domain,
                                      gint          code,
                                      const char   *format,
                                      ...) G_GNUC_PRINTF (4, 5);
/* The same, the message prefixed with where the fault is ("actions[1]: …"); @place NULL
 * or "" for none. */
gboolean     crm_error_fail_at       (GError      **error,
                                      GQuark        domain,
                                      gint          code,
                                      const char   *place,
                                      const char   *format,
                                      ...) G_GNUC_PRINTF (5, 6);

/* Whether @error says the replica's storage failed (damaged, disk full, I/O error, out
 * of memory, locked, read-only…) rather than refusing what was asked: nothing was
 * decided about the change, and the same call may succeed once the cause is gone. */
gboolean     crm_error_is_storage    (const GError *error);

G_END_DECLS
