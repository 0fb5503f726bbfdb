/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-payer.c — the shared directory of payers (S4-11): INN and KPP checks, the list,
 * adding a payer without duplicating an INN, and a deal's payer. */
#define G_LOG_DOMAIN "voronka-payer"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-payer.h"
#include "crm-error-private.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

static int
check_digit (const char  *digits,
             const int   *weights,
             guint        n)
{
  int sum = 0;

  for (guint i = 0; i < n; i++)
    sum += (digits[i] - '0') * weights[i];
  return sum % 11 % 10;
}

gboolean
crm_inn_validate (const char  *text,
                  char       **out_inn,
                  GError     **error)
{
  static const int w10[] = { 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  static const int w11[] = { 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  static const int w12[] = { 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8 };
  g_autoptr(GString) digits = g_string_new (NULL);

  if (text == NULL)
    text = "";
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ')
        continue;
      if (!g_ascii_isdigit (*p))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("«%s» is not an INN: an INN is digits only"), text);
          return FALSE;
        }
      g_string_append_c (digits, *p);
    }
  if (digits->len != 10 && digits->len != 12)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» is not an INN: it has %u digits, an INN has 10 (an organization) "
                     "or 12 (an individual entrepreneur)"), text, (guint) digits->len);
      return FALSE;
    }
  if ((digits->len == 10 && check_digit (digits->str, w10, 9) != digits->str[9] - '0') ||
      (digits->len == 12 && (check_digit (digits->str, w11, 10) != digits->str[10] - '0' ||
                             check_digit (digits->str, w12, 11) != digits->str[11] - '0')))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("INN %s is mistyped: its check digit does not match; compare it with "
                     "the payer's documents"), digits->str);
      return FALSE;
    }
  if (out_inn != NULL)
    *out_inn = g_strdup (digits->str);
  return TRUE;
}

gboolean
crm_kpp_validate (const char  *text,
                  char       **out_kpp,
                  GError     **error)
{
  g_autofree char *kpp = g_ascii_strup (text != NULL ? text : "", -1);
  gboolean ok;

  g_strstrip (kpp);
  ok = strlen (kpp) == 9;
  for (guint i = 0; ok && i < 9; i++)
    ok = (i == 4 || i == 5) ? (g_ascii_isdigit (kpp[i]) || (kpp[i] >= 'A' && kpp[i] <= 'Z'))
                            : g_ascii_isdigit (kpp[i]);
  if (!ok)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» is not a KPP: a KPP has 9 characters, e.g. 772501001"),
                   text != NULL ? text : "");
      return FALSE;
    }
  if (out_kpp != NULL)
    *out_kpp = g_steal_pointer (&kpp);
  return TRUE;
}

#define PAYER_COLUMNS "id, name, inn, json_extract (data, '$.kpp')"

static JsonObject *
payer_object (sqlite3_stmt *stmt)
{
  JsonObject *payer = json_object_new ();

  _crm_json_set_text_column (payer, "id", stmt, 0);
  _crm_json_set_text_column (payer, "name", stmt, 1);
  _crm_json_set_text_column (payer, "inn", stmt, 2);
  _crm_json_set_text_column (payer, "kpp", stmt, 3);
  return payer;
}

JsonNode *
crm_payer_list (CrmStore  *store,
                GError   **error)
{
  sqlite3_stmt *stmt;
  JsonArray *payers = json_array_new ();
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  stmt = _crm_store_prepare (store, "SELECT " PAYER_COLUMNS " FROM payer WHERE deleted = 0"
                             " ORDER BY name COLLATE NOCASE, inn, id", error);
  if (stmt == NULL)
    {
      json_array_unref (payers);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (payers, payer_object (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "listing payers");
      json_array_unref (payers);
      return NULL;
    }
  return crm_json_node_take_array (payers);
}

static char *
find_one (CrmStore   *store,
          const char *sql,
          const char *value)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, value);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id;
}

char *
crm_payer_find_by_inn (CrmStore   *store,
                       const char *inn)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return find_one (store, "SELECT id FROM payer WHERE inn = ?1 AND deleted = 0 ORDER BY id LIMIT 1",
                   inn);
}

char *
crm_payer_resolve (CrmStore    *store,
                   const char  *text,
                   GError     **error)
{
  g_autofree char *folded = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(GString) inns = g_string_new (NULL);
  char *found = NULL;
  JsonArray *array;
  guint matches = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (text == NULL || strspn (text, " ") == strlen (text))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Name the payer by its INN or name"));
      return NULL;
    }
  {
    g_autofree char *inn = NULL;

    if (crm_inn_validate (text, &inn, NULL) && (found = crm_payer_find_by_inn (store, inn)) != NULL)
      return found;
  }
  found = find_one (store, "SELECT id FROM payer WHERE id = ?1 AND deleted = 0", text);
  if (found != NULL)
    return found;

  all = crm_payer_list (store, error);
  if (all == NULL)
    return NULL;
  folded = crm_text_fold (g_strstrip (g_strdup (text)));
  array = json_node_get_array (all);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *payer = json_array_get_object_element (array, i);
      g_autofree char *name = crm_text_fold (json_object_get_string_member (payer, "name"));

      if (!g_str_equal (name, folded))
        continue;
      matches++;
      if (found == NULL)
        found = g_strdup (json_object_get_string_member (payer, "id"));
      if (inns->len > 0)
        g_string_append (inns, ", ");
      g_string_append (inns, json_object_get_string_member_with_default (payer, "inn", ""));
    }
  if (matches > 1)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Several payers are called «%s» (INN %s): name the payer by its INN"),
                   text, inns->str);
      g_free (found);
      return NULL;
    }
  if (found == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No payer has the INN or name «%s»; add it with “payer add”, or give its "
                   "name with --payer-name to add it"), text);
  return found;
}

/* Checks a new payer and adds its creation to @changeset; the INN already in the
 * directory is refused with the payer that has it in *@out_existing. */
static char *
add_to_changeset (CrmStore      *store,
                  CrmChangeset  *changeset,
                  const char    *name,
                  const char    *inn_text,
                  const char    *kpp_text,
                  char         **out_existing,
                  GError       **error)
{
  g_autofree char *inn = NULL;
  g_autofree char *kpp = NULL;
  g_autofree char *clean_name = g_strstrip (g_strdup (name != NULL ? name : ""));
  g_autofree char *existing = NULL;
  char *id;
  CrmChange *change;

  if (*clean_name == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A payer needs a name (the legal entity's, e.g. ООО «Автобосс»)"));
      return NULL;
    }
  if (!crm_inn_validate (inn_text, &inn, error))
    return NULL;
  if (kpp_text != NULL && *kpp_text != '\0' && !crm_kpp_validate (kpp_text, &kpp, error))
    return NULL;
  existing = crm_payer_find_by_inn (store, inn);
  if (existing != NULL)
    {
      g_autoptr(JsonObject) payer = crm_store_dup_entity (store, "payer", existing);

      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("INN %s is already in the directory: «%s» (%s); use that payer"),
                   inn, payer ? json_object_get_string_member_with_default (payer, "name", "")
                              : "", existing);
      if (out_existing != NULL)
        *out_existing = g_steal_pointer (&existing);
      return NULL;
    }
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "payer", id);
  crm_change_set_string (change, "name", clean_name);
  crm_change_set_string (change, "inn", inn);
  if (kpp != NULL)
    crm_change_set_string (change, "kpp", kpp);
  return id;
}

char *
crm_payer_add (CrmStore    *store,
               const char  *name,
               const char  *inn,
               const char  *kpp,
               const char  *actor,
               char       **out_existing_id,
               GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  crm_changeset_set_actor (changeset, actor);
  id = add_to_changeset (store, changeset, name, inn, kpp, out_existing_id, error);
  if (id == NULL || !crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&id);
}

char *
crm_payer_set_on_deal (CrmStore    *store,
                       const char  *deal_id,
                       const char  *payer,
                       const char  *new_name,
                       const char  *new_kpp,
                       const char  *actor,
                       gboolean    *out_added,
                       GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *payer_id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (out_added != NULL)
    *out_added = FALSE;
  crm_changeset_set_actor (changeset, actor);
  payer_id = crm_payer_resolve (store, payer, &local_error);
  if (payer_id == NULL && new_name != NULL &&
      g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (&local_error);
      payer_id = add_to_changeset (store, changeset, new_name, payer, new_kpp, NULL, &local_error);
      if (payer_id != NULL && out_added != NULL)
        *out_added = TRUE;
    }
  if (payer_id == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  crm_change_set_string (crm_changeset_touch (changeset, "deal", deal_id), "payer", payer_id);
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&payer_id);
}

void
crm_payer_describe_deal (CrmStore   *store,
                         JsonObject *deal)
{
  JsonNode *fields = json_object_get_member (deal, "fields");
  const char *id = NULL;
  sqlite3_stmt *stmt;

  if (fields != NULL && JSON_NODE_HOLDS_OBJECT (fields))
    id = json_object_get_string_member_with_default (json_node_get_object (fields), "payer", NULL);
  if (id == NULL ||
      (stmt = _crm_store_prepare (store, "SELECT " PAYER_COLUMNS " FROM payer WHERE id = ?1", NULL)) == NULL)
    {
      json_object_set_null_member (deal, "payer");
      return;
    }
  _crm_sql_bind_text_or_null (stmt, 1, id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    json_object_set_object_member (deal, "payer", payer_object (stmt));
  else
    json_object_set_null_member (deal, "payer");
  sqlite3_reset (stmt);
}
