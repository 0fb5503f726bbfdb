/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-user.c — the people of an account (see crm-user.h). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "crm-user.h"
#include "crm-error.h"
#include "crm-store-private.h"

/* Adds a change "responsible = @to_id" for every row the query (binding ?1 = @from_id)
 * returns; returns how many, or -1 on error. */
static gint
touch_rows (CrmStore      *store,
            CrmChangeset  *changeset,
            const char    *entity,
            const char    *sql,
            const char    *from_id,
            const char    *to_id,
            GError       **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, from_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading what a user is responsible for");
      sqlite3_reset (stmt);
      return -1;
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < ids->len; i++)
    crm_change_set_string (crm_changeset_touch (changeset, entity, ids->pdata[i]),
                           "responsible", to_id);
  return (gint) ids->len;
}

gboolean
crm_user_reassign (CrmStore           *store,
                   const char         *from_id,
                   const char         *to_id,
                   const char         *actor,
                   CrmReassignCounts  *out_counts,
                   GError            **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *from_name = _crm_store_dup_column (store, "user", from_id, "name");
  g_autofree char *to_name = _crm_store_dup_column (store, "user", to_id, "name");
  CrmReassignCounts counts = { 0 };
  gint n;

  if (from_name == NULL || to_name == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no user %s in this replica"),
                   from_name == NULL ? from_id : to_id);
      return FALSE;
    }
  if ((n = touch_rows (store, changeset, "deal",
                       "SELECT id FROM deal WHERE responsible = ?1 AND deleted = 0 ORDER BY id",
                       from_id, to_id, error)) < 0)
    return FALSE;
  counts.deals = n;
  if ((n = touch_rows (store, changeset, "task",
                       "SELECT id FROM task WHERE responsible = ?1 AND coalesce (done, 0) = 0 AND deleted = 0"
                       " ORDER BY id", from_id, to_id, error)) < 0)
    return FALSE;
  counts.tasks = n;
  if ((n = touch_rows (store, changeset, "contact",
                       "SELECT id FROM contact WHERE responsible = ?1 AND deleted = 0 ORDER BY id",
                       from_id, to_id, error)) < 0)
    return FALSE;
  counts.contacts = n;
  if ((n = touch_rows (store, changeset, "company",
                       "SELECT id FROM company WHERE responsible = ?1 AND deleted = 0 ORDER BY id",
                       from_id, to_id, error)) < 0)
    return FALSE;
  counts.companies = n;

  if (crm_changeset_get_n_changes (changeset) > 0)
    {
      crm_changeset_set_actor (changeset, actor);
      if (!crm_store_apply (store, changeset, error))
        return FALSE;
    }
  if (out_counts != NULL)
    *out_counts = counts;
  return TRUE;
}

/* A Telegram chat: a number (a person's or a group's id, negative for groups) or a public
 * channel's @username (5 to 32 letters, digits or underscores). */
static gboolean
is_telegram_chat (const char *value)
{
  const char *p = value;

  if (*p == '@')
    {
      gsize n = strlen (p + 1);

      if (n < 5 || n > 32)
        return FALSE;
      for (p++; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '_')
          return FALSE;
      return TRUE;
    }
  if (*p == '-')
    p++;
  if (*p == '\0' || strlen (p) > 20)
    return FALSE;
  for (; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
crm_user_check_detail (const char  *detail,
                       const char  *value,
                       GError     **error)
{
  if (g_strcmp0 (detail, "telegram_chat_id") == 0)
    {
      if (value == NULL || *value == '\0' || is_telegram_chat (value))
        return TRUE;
      return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                             _("“%s” is not a Telegram chat id: it is a number such as "
                               "480012345 (the bot tells it when the person writes /start "
                               "to it) or a channel's @name"), value);
    }
  return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("“%s” is not a detail of a user that can be set; these can: %s"),
                         detail != NULL ? detail : "", CRM_USER_DETAILS);
}
