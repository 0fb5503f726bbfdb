/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-error.c — the store error domain and its stable code strings. */
#include "crm-error.h"

#include <gio/gio.h>

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
