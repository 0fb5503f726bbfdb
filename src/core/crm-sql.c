/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sql.c — helpers shared by the query files (see crm-sql-private.h). */
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

void
_crm_sql_bind_text_or_null (sqlite3_stmt *stmt,
                            int           index,
                            const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

gboolean
_crm_sql_step_done (CrmStore      *store,
                    sqlite3_stmt  *stmt,
                    const char    *what,
                    GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _crm_store_set_sql_error (store, error, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
_crm_sql_exec (CrmStore    *store,
               const char  *sql,
               const char  *what,
               GError     **error)
{
  if (sqlite3_exec (_crm_store_get_db (store), sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, what != NULL ? what : sql);
      return FALSE;
    }
  return TRUE;
}

gint64
_crm_sql_read_int64 (sqlite3    *db,
                     const char *sql,
                     gint64      if_none)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = if_none;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

char *
_crm_sql_dup_column_text (sqlite3_stmt *stmt,
                          int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

void
_crm_json_set_time_column (JsonObject   *object,
                           const char   *member,
                           sqlite3_stmt *stmt,
                           int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    {
      json_object_set_null_member (object, member);
    }
  else
    {
      g_autofree char *text = crm_time_format (sqlite3_column_int64 (stmt, column));
      json_object_set_string_member (object, member, text);
    }
}

JsonNode *
_crm_json_parse_column (sqlite3_stmt *stmt,
                        int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text == NULL || *text == '\0')
    return NULL;
  return json_from_string (text, NULL);
}

JsonArray *
_crm_json_array_column (sqlite3_stmt *stmt,
                        int           column)
{
  g_autoptr(JsonNode) node = _crm_json_parse_column (stmt, column);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_array_ref (json_node_get_array (node));
  return json_array_new ();
}

void
_crm_json_set_text_column (JsonObject   *object,
                           const char   *member,
                           sqlite3_stmt *stmt,
                           int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text != NULL)
    json_object_set_string_member (object, member, text);
  else
    json_object_set_null_member (object, member);
}

void
_crm_json_set_int_column (JsonObject   *object,
                          const char   *member,
                          sqlite3_stmt *stmt,
                          int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_set_null_member (object, member);
  else
    json_object_set_int_member (object, member, sqlite3_column_int64 (stmt, column));
}

char *
_crm_tags_to_json (const char * const *tag_ids,
                   gint64             *out_count)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  *out_count = 0;
  if (tag_ids == NULL || tag_ids[0] == NULL)
    return NULL;
  for (guint i = 0; tag_ids[i] != NULL; i++)
    {
      if (!g_hash_table_add (seen, (gpointer) tag_ids[i]))
        continue;
      json_array_add_string_element (array, tag_ids[i]);
      (*out_count)++;
    }
  json_node_set_array (node, array);
  return json_to_string (node, FALSE);
}

GStrv
_crm_text_fold_words (const char *text)
{
  g_autofree char *folded = crm_text_fold (text);
  GPtrArray *words = g_ptr_array_new ();   /* the strings themselves, not copies of them */
  const char *start = NULL;

  for (const char *p = folded;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean word_char = c != 0 && g_unichar_isalnum (c);

      if (word_char && start == NULL)
        start = p;
      else if (!word_char && start != NULL)
        {
          g_ptr_array_add (words, g_strndup (start, p - start));
          start = NULL;
        }
      if (c == 0)
        break;
    }
  g_ptr_array_add (words, NULL);
  return (char **) g_ptr_array_free (words, FALSE);
}

char *
_crm_text_phone_digits (const char *text)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (strchr (" +-().", *p) == NULL)
        return NULL;
    }
  if (digits->len < CRM_PHONE_DIGITS_MIN)
    return NULL;
  return g_string_free (g_steal_pointer (&digits), FALSE);
}
