/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-error.c — the store error domain and its stable code strings. */
#include "config.h"

#include "crm-error-private.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "crm-message.h"
#include "crm-rules.h"

G_DEFINE_QUARK (crm-store-error-quark, crm_store_error)

const char *
crm_store_error_to_code (CrmStoreError code)
{
  switch (code)
    {
    case CRM_STORE_ERROR_REQUIRED_FIELD:       return "required-field";
    case CRM_STORE_ERROR_LOSS_REASON_REQUIRED: return "loss-reason-required";
    case CRM_STORE_ERROR_NEXT_TASK_REQUIRED:   return "next-task-required";
    case CRM_STORE_ERROR_CALL_RESULT_REQUIRED: return "call-result-required";
    case CRM_STORE_ERROR_ATTACHMENT_REQUIRED:  return "attachment-required";
    case CRM_STORE_ERROR_APPROVAL_REQUIRED:    return "approval-required";
    case CRM_STORE_ERROR_NOT_FOUND:            return "not-found";
    case CRM_STORE_ERROR_INVALID_INPUT:        return "invalid-input";
    case CRM_STORE_ERROR_PERMISSION_DENIED:    return "permission-denied";
    case CRM_STORE_ERROR_RULE_LOOP:            return "rule-loop";
    case CRM_STORE_ERROR_DATABASE_CORRUPT:     return "database-corrupt";
    case CRM_STORE_ERROR_SCHEMA_TOO_NEW:       return "schema-too-new";
    case CRM_STORE_ERROR_AUTH_FAILED:          return "auth-failed";
    case CRM_STORE_ERROR_SERVER_UNREACHABLE:   return "server-unreachable";
    case CRM_STORE_ERROR_TOO_LARGE:            return "too-large";
    case CRM_STORE_ERROR_QUOTA_EXCEEDED:       return "quota-exceeded";
    case CRM_STORE_ERROR_READ_ONLY:            return "read-only";
    case CRM_STORE_ERROR_CHANGED_SINCE:        return "changed-since";
    case CRM_STORE_ERROR_DISK_FULL:            return "disk-full";
    case CRM_STORE_ERROR_IO:                   return "io-error";
    case CRM_STORE_ERROR_NO_MEMORY:            return "out-of-memory";
    case CRM_STORE_ERROR_LOCKED:               return "locked";
    case CRM_STORE_ERROR_NOT_A_REPLICA:        return "not-a-replica";
    case CRM_STORE_ERROR_ALREADY_DECIDED:      return "already-decided";
    case CRM_STORE_ERROR_FAILED:
    default:                                   return "failed";
    }
}

const char *
crm_error_code_name (const GError *error)
{
  if (error == NULL)
    return NULL;
  if (error->domain == CRM_STORE_ERROR)
    return crm_store_error_to_code (error->code);
  if (error->domain == CRM_RULE_ERROR)
    switch ((CrmRuleError) error->code)
      {
      case CRM_RULE_ERROR_INVALID:        return "invalid-input";
      case CRM_RULE_ERROR_UNKNOWN_TARGET: return "not-found";
      case CRM_RULE_ERROR_LOOP:           return "rule-loop";
      default:                            return "failed";
      }
  if (error->domain == CRM_MESSAGE_ERROR)
    return "invalid-input";
  if (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_NOT_FOUND)
    return "not-found";
  if (error->domain == G_FILE_ERROR && error->code == G_FILE_ERROR_NOENT)
    return "not-found";
  if (error->domain == G_OPTION_ERROR)
    return "invalid-input";
  return "failed";
}

gboolean
crm_error_fail (GError     **error,
                GQuark       domain,
                gint         code,
                const char  *format,
                ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (domain, code, format, args));
  va_end (args);
  return FALSE;
}

gboolean
crm_error_fail_at (GError     **error,
                   GQuark       domain,
                   gint         code,
                   const char  *place,
                   const char  *format,
                   ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (place != NULL && *place != '\0')
    g_set_error (error, domain, code, "%s: %s", place, message);
  else
    g_set_error_literal (error, domain, code, message);
  return FALSE;
}

gboolean
crm_error_is_storage (const GError *error)
{
  if (error == NULL || error->domain != CRM_STORE_ERROR)
    return FALSE;
  switch (error->code)
    {
    case CRM_STORE_ERROR_FAILED:
    case CRM_STORE_ERROR_DATABASE_CORRUPT:
    case CRM_STORE_ERROR_READ_ONLY:
    case CRM_STORE_ERROR_DISK_FULL:
    case CRM_STORE_ERROR_IO:
    case CRM_STORE_ERROR_NO_MEMORY:
    case CRM_STORE_ERROR_LOCKED:
    case CRM_STORE_ERROR_NOT_A_REPLICA:
      return TRUE;
    default:
      return FALSE;
    }
}

/* --- SQLite failures (crm-error-private.h) ------------------------------------------------ */

CrmStoreError
_crm_sqlite_error_code (int rc)
{
  if (rc == SQLITE_IOERR_NOMEM)
    return CRM_STORE_ERROR_NO_MEMORY;
  switch (rc & 0xFF)
    {
    case SQLITE_FULL:     return CRM_STORE_ERROR_DISK_FULL;
    case SQLITE_IOERR:    return CRM_STORE_ERROR_IO;
    case SQLITE_NOMEM:    return CRM_STORE_ERROR_NO_MEMORY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL: return CRM_STORE_ERROR_LOCKED;
    case SQLITE_READONLY: return CRM_STORE_ERROR_READ_ONLY;
    case SQLITE_NOTADB:   return CRM_STORE_ERROR_NOT_A_REPLICA;
    case SQLITE_CORRUPT:  return CRM_STORE_ERROR_DATABASE_CORRUPT;
    default:              return CRM_STORE_ERROR_FAILED;
    }
}

/* Sets @error for @rc as the failure of a change (@is_read FALSE: «…, so nothing was
 * changed») or of a read. Only translated words reach the message: what was being done and
 * SQLite's own English words go to the debug log, except for a failure SQLite names no
 * better than with its words. */
static void
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  int          rc,
                  const char  *path,
                  const char  *what,
                  gboolean     is_read)
{
  const char *detail;
  CrmStoreError code;

  if (rc == 0)
    rc = db != NULL ? sqlite3_extended_errcode (db) : SQLITE_NOMEM;
  /* the connection's message when it is about @rc, else SQLite's words for @rc */
  detail = db != NULL && sqlite3_extended_errcode (db) == rc ? sqlite3_errmsg (db)
                                                             : sqlite3_errstr (rc);
  if (path == NULL || *path == '\0')
    path = db != NULL && sqlite3_db_filename (db, "main") != NULL
           ? sqlite3_db_filename (db, "main") : "?";
  if (what == NULL)
    what = is_read ? "reading it" : "working with it";
  code = _crm_sqlite_error_code (rc);
  g_debug ("SQLite failed on %s while %s: %s (%d)", path, what, detail, rc);

  switch (code)
    {
    case CRM_STORE_ERROR_DISK_FULL:
      if (is_read)
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The disk holding the replica %s is full, so it could not be read; "
                       "free some space on it and try again"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The disk holding the replica %s is full, so nothing was changed; free "
                       "some space on it and try again"), path);
      break;
    case CRM_STORE_ERROR_IO:
      if (is_read)
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The disk could not read the replica %s (an input/output error); check "
                       "that the disk is connected and healthy, then try again"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The disk could not read or write the replica %s (an input/output "
                       "error), so nothing was changed; check that the disk is connected and "
                       "healthy, then try again"), path);
      break;
    case CRM_STORE_ERROR_NO_MEMORY:
      if (is_read)
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("There was not enough memory to read the replica %s; close other "
                       "programs and try again"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("There was not enough memory to work with the replica %s, so nothing "
                       "was changed; close other programs and try again"), path);
      break;
    case CRM_STORE_ERROR_LOCKED:
      if (is_read)
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s is locked by another program (another Voronka or "
                       "voronkactl using the same file), so it could not be read; wait for it "
                       "to finish or close it, then try again"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s is locked by another program (another Voronka or "
                       "voronkactl using the same file), so nothing was changed; wait for it "
                       "to finish or close it, then try again"), path);
      break;
    case CRM_STORE_ERROR_READ_ONLY:
      if (is_read)
        /* SQLite writes a little beside a replica even to read it (its -shm file) */
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s could not be read because its folder cannot be written "
                       "(SQLite keeps a small file beside it); make the folder writable, e.g. "
                       "chmod u+w, then try again"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s is read-only (its file or folder cannot be written), so "
                       "nothing was changed; make it writable, e.g. chmod u+w, to change it"),
                     path);
      break;
    case CRM_STORE_ERROR_NOT_A_REPLICA:
      g_set_error (error, CRM_STORE_ERROR, code,
                   _("%s is not a Voronka replica (it is not a database file); check that "
                     "the path names your replica"), path);
      break;
    case CRM_STORE_ERROR_DATABASE_CORRUPT:
      if (is_read)
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s is damaged, so it could not be read; restore it from a "
                       "backup or sync it again from the server"), path);
      else
        g_set_error (error, CRM_STORE_ERROR, code,
                     _("The replica %s is damaged, so nothing was changed; restore it from a "
                       "backup or sync it again from the server"), path);
      break;
    default:
      if ((rc & 0xFF) == SQLITE_CANTOPEN || (rc & 0xFF) == SQLITE_PERM ||
          (rc & 0xFF) == SQLITE_AUTH)
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                     _("Could not open the replica %s; check that the file and its folder "
                       "exist and that you may read and write them"), path);
      else if (is_read)
        /* Translators: the last %s is SQLite's own (English) description of the failure */
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                     _("Could not read the replica %s (SQLite says: %s)"), path, detail);
      else
        /* Translators: the last %s is SQLite's own (English) description of the failure */
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                     _("Could not write the replica %s, so nothing was changed (SQLite says: "
                       "%s)"), path, detail);
      break;
    }
}

void
_crm_sqlite_set_error (GError     **error,
                       sqlite3     *db,
                       int          rc,
                       const char  *path,
                       const char  *what)
{
  set_sqlite_error (error, db, rc, path, what, FALSE);
}

void
_crm_sqlite_set_read_error (GError     **error,
                            sqlite3     *db,
                            int          rc,
                            const char  *path,
                            const char  *what)
{
  set_sqlite_error (error, db, rc, path, what, TRUE);
}
