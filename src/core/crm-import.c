/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-import.c — contacts, companies and deals from CSV (amoCRM and Bitrix24 exports
 * included): the text decoded, split into rows (RFC 4180 quoting, the separator guessed
 * from the header), columns matched to fields by name, each row checked against the
 * replica and the rows before it, then everything written in one change set — or, when
 * one row is wrong, nothing. */
#define G_LOG_DOMAIN "voronka-import"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-import.h"
#include "crm-op.h"
#include "crm-query.h"
#include "crm-request.h"
#include "crm-query-board.h"
#include "crm-setup.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

#define MAX_LISTED_ERRORS 100
#define MAX_CELL_BYTES    (64 * 1024)

typedef enum {
  COL_IGNORED,
  COL_NAME,
  COL_FIRST_NAME,
  COL_LAST_NAME,
  COL_MIDDLE_NAME,
  COL_PHONE,
  COL_EMAIL,
  COL_COMPANY,
  COL_RESPONSIBLE,
  COL_INN,
  COL_TITLE,
  COL_PIPELINE,
  COL_STAGE,
  COL_AMOUNT,
  COL_CONTACT,
  COL_TAGS,
  COL_CUSTOM,
} Column;

/* Column names as people, amoCRM and Bitrix24 write them (compared case-folded). */
static const struct {
  const char *entity;   /* NULL: any */
  const char *header;
  Column      column;
} known_headers[] = {
  { "contact", "name", COL_NAME }, { "contact", "имя", COL_FIRST_NAME },
  { "contact", "фио", COL_NAME }, { "contact", "полное имя", COL_NAME },
  { "contact", "контакт", COL_NAME }, { "contact", "full name", COL_NAME },
  { "contact", "фамилия", COL_LAST_NAME }, { "contact", "отчество", COL_MIDDLE_NAME },
  { "contact", "first name", COL_FIRST_NAME }, { "contact", "last name", COL_LAST_NAME },
  { "company", "name", COL_NAME }, { "company", "название", COL_NAME },
  { "company", "название компании", COL_NAME }, { "company", "компания", COL_NAME },
  { "company", "наименование", COL_NAME }, { "company", "inn", COL_INN },
  { "company", "инн", COL_INN },
  { "contact", "company", COL_COMPANY }, { "contact", "компания", COL_COMPANY },
  { "contact", "название компании", COL_COMPANY },
  { "deal", "title", COL_TITLE }, { "deal", "название", COL_TITLE },
  { "deal", "название сделки", COL_TITLE }, { "deal", "сделка", COL_TITLE },
  { "deal", "наименование", COL_TITLE }, { "deal", "pipeline", COL_PIPELINE },
  { "deal", "воронка", COL_PIPELINE }, { "deal", "направление", COL_PIPELINE },
  { "deal", "stage", COL_STAGE }, { "deal", "этап", COL_STAGE },
  { "deal", "этап сделки", COL_STAGE }, { "deal", "статус", COL_STAGE },
  { "deal", "стадия", COL_STAGE }, { "deal", "стадия сделки", COL_STAGE },
  { "deal", "amount", COL_AMOUNT }, { "deal", "бюджет", COL_AMOUNT },
  { "deal", "сумма", COL_AMOUNT }, { "deal", "company", COL_COMPANY },
  { "deal", "компания", COL_COMPANY }, { "deal", "contact", COL_CONTACT },
  { "deal", "контакт", COL_CONTACT }, { "deal", "основной контакт", COL_CONTACT },
  { "deal", "tags", COL_TAGS }, { "deal", "теги", COL_TAGS },
  { NULL, "responsible", COL_RESPONSIBLE }, { NULL, "ответственный", COL_RESPONSIBLE },
};

typedef struct {
  CrmStore               *store;
  const CrmImportOptions *options;
  Column                 *columns;
  JsonObject            **custom;     /* per column: the custom field it fills, or NULL */
  JsonArray              *fields;     /* the entity's custom fields */
  guint                   n_columns;
  GHashTable             *phones;     /* normalized phone → "name" (replica, then file) */
  GHashTable             *emails;
  GHashTable             *inns;
  GStringChunk           *owners;     /* the keys and names of those three: 100 000
                                       * contacts' numbers and addresses are not 600 000
                                       * strings to free one by one */
  GHashTable             *companies;  /* folded name → id: made by this import, or the
                                       * account's once looked up */
  GHashTable             *company_names; /* a name as the file spells it → its id in
                                          * companies: a name repeated as it was is not
                                          * folded again (ten contacts a company) */
  gboolean                no_companies; /* the replica has no company: a name the
                                         * file gives is a new one, not looked up */
  GHashTable             *tags;       /* folded name → id, likewise */
  GHashTable             *resolved;   /* "entity\x1fscope\x1fname" → id, or "\x1f" + the
                                       * error's message: a name is looked up once */
  CrmChangeset           *changeset;
  JsonArray              *errors;
  guint                   n_errors;
  guint                   bad_rows;
  guint                   line;       /* of the row being read */
} Import;

static void
row_error (Import     *import,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
row_error (Import     *import,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  JsonObject *entry;
  va_list ap;

  import->n_errors++;
  if (json_array_get_length (import->errors) >= MAX_LISTED_ERRORS)
    return;
  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  entry = json_object_new ();
  json_object_set_int_member (entry, "line", import->line);
  json_object_set_string_member (entry, "message", message);
  json_array_add_object_element (import->errors, entry);
}

/* --- text and rows ------------------------------------------------------------------- */

/* UTF-8 (a BOM dropped) or else Windows-1251, which Russian Excel and Bitrix24 write. */
static char *
decode (const char  *data,
        gsize        length,
        GError     **error)
{
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("This is not a CSV file (it holds binary data); save the table as CSV "
                     "and import that"));
      return NULL;
    }
  if (g_utf8_validate_len (data, length, NULL))
    return g_strndup (data, length);
  return g_convert (data, (gssize) length, "UTF-8", "WINDOWS-1251", NULL, NULL, error);
}

static char
guess_separator (const char *text)
{
  static const char candidates[] = { ';', ',', '\t' };
  guint counts[G_N_ELEMENTS (candidates)] = { 0 };
  gboolean quoted = FALSE;
  guint best = 1;

  for (const char *p = text; *p != '\0' && (quoted || (*p != '\n' && *p != '\r')); p++)
    {
      if (*p == '"')
        quoted = !quoted;
      for (guint i = 0; !quoted && i < G_N_ELEMENTS (candidates); i++)
        if (*p == candidates[i])
          counts[i]++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (counts[i] > counts[best])
      best = i;
  return candidates[best];
}

typedef CrmImportRow Row;

void
crm_import_row_free (CrmImportRow *row)
{
  if (row == NULL)
    return;
  g_strfreev (row->cells);
  g_free (row);
}

CrmImportRow *
crm_import_row_new (GStrv cells,
                    guint line)
{
  CrmImportRow *row = g_new0 (CrmImportRow, 1);

  row->cells = cells;
  row->line = line;
  return row;
}

/* RFC 4180: quoted cells may hold separators, quotes ("") and line breaks. Blank lines
 * are skipped. */
static GPtrArray *
split_rows (const char  *text,
            char         separator,
            GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_import_row_free);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) cell = g_string_new (NULL);
  gboolean quoted = FALSE, row_has_text = FALSE;
  guint line = 1, row_line = 1;
  const char *p = text;

  for (;; p++)
    {
      char c = *p;

      if (quoted)
        {
          if (c == '\0')
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Line %u: a quoted cell is never closed (a \" is missing)"),
                           row_line);
              return NULL;
            }
          if (c == '"' && p[1] == '"')
            {
              g_string_append_c (cell, '"');
              p++;
            }
          else if (c == '"')
            quoted = FALSE;
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (cell, c);
            }
        }
      else if (c == '"')
        quoted = row_has_text = TRUE;
      else if (c == separator)
        {
          g_ptr_array_add (cells, g_strdup (cell->str));
          g_string_truncate (cell, 0);
          row_has_text = TRUE;
        }
      else if (c == '\n' || c == '\r' || c == '\0')
        {
          if (row_has_text || cell->len > 0)
            {
              Row *row = g_new0 (Row, 1);

              g_ptr_array_add (cells, g_strdup (cell->str));
              g_ptr_array_add (cells, NULL);
              row->cells = (GStrv) g_ptr_array_steal (cells, NULL);
              row->line = row_line;
              g_ptr_array_add (rows, row);
              if (rows->len > CRM_IMPORT_MAX_ROWS + 1)
                {
                  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                               _("The file has more than %u rows; split it and import the "
                                 "parts"), CRM_IMPORT_MAX_ROWS);
                  return NULL;
                }
            }
          g_string_truncate (cell, 0);
          row_has_text = FALSE;
          if (c == '\0')
            break;
          if (c == '\r' && p[1] == '\n')
            p++;
          line++;
          row_line = line;
        }
      else
        {
          g_string_append_c (cell, c);
          row_has_text = TRUE;
        }
      if (cell->len > MAX_CELL_BYTES)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                       _("Line %u: a cell longer than %u KB; is this a CSV file?"), row_line,
                       MAX_CELL_BYTES / 1024);
          return NULL;
        }
    }
  return g_steal_pointer (&rows);
}

/* --- columns ------------------------------------------------------------------------- */

static Column
column_for (const char *entity,
            const char *header)
{
  g_autofree char *folded = g_utf8_casefold (header, -1);
  g_autofree char *stripped = g_strstrip (g_strdup (folded));

  for (guint i = 0; i < G_N_ELEMENTS (known_headers); i++)
    if ((known_headers[i].entity == NULL || g_str_equal (known_headers[i].entity, entity)) &&
        g_str_equal (known_headers[i].header, stripped))
      return known_headers[i].column;
  /* amoCRM and Bitrix24 name phones and e-mails by kind: «Рабочий телефон», «Личный email» */
  if (g_str_equal (entity, "contact") &&
      (strstr (stripped, "телефон") != NULL || strstr (stripped, "phone") != NULL))
    return COL_PHONE;
  if (g_str_equal (entity, "contact") &&
      (strstr (stripped, "email") != NULL || strstr (stripped, "e-mail") != NULL ||
       strstr (stripped, "почта") != NULL))
    return COL_EMAIL;
  return COL_IGNORED;
}

static const char *const column_names[] = {
  NULL, "name", "name", "name", "name", "phones", "emails", "company", "responsible",
  "inn", "title", "pipeline", "stage", "amount", "contact", "tags", NULL,
};

static const char *
column_field (Column column)
{
  return column_names[column];
}

/* The built-in fields of each entity's import, in the order a mapping screen lists them. */
static const struct {
  const char *entity;
  Column      column;
  const char *label;
} builtin_fields[] = {
  { "contact", COL_NAME, N_("Name") }, { "contact", COL_PHONE, N_("Phone") },
  { "contact", COL_EMAIL, N_("E-mail") }, { "contact", COL_COMPANY, N_("Company") },
  { "contact", COL_RESPONSIBLE, N_("Responsible") },
  { "company", COL_NAME, N_("Name") }, { "company", COL_INN, N_("INN") },
  { "company", COL_RESPONSIBLE, N_("Responsible") },
  { "deal", COL_TITLE, N_("Title") }, { "deal", COL_PIPELINE, N_("Pipeline") },
  { "deal", COL_STAGE, N_("Stage") }, { "deal", COL_AMOUNT, N_("Amount") },
  { "deal", COL_COMPANY, N_("Company") }, { "deal", COL_CONTACT, N_("Contact") },
  { "deal", COL_TAGS, N_("Tags") }, { "deal", COL_RESPONSIBLE, N_("Responsible") },
};

JsonArray *
crm_import_fields (CrmStore   *store,
                   const char *entity)
{
  JsonArray *result = json_array_new ();
  g_autoptr(JsonArray) fields = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), result);

  for (guint i = 0; i < G_N_ELEMENTS (builtin_fields); i++)
    {
      JsonObject *item;

      if (!g_str_equal (builtin_fields[i].entity, entity))
        continue;
      item = json_object_new ();
      json_object_set_string_member (item, "field", column_names[builtin_fields[i].column]);
      json_object_set_string_member (item, "label", _(builtin_fields[i].label));
      json_object_set_boolean_member (item, "custom", FALSE);
      json_array_add_object_element (result, item);
    }
  fields = crm_query_fields (store, entity, NULL);
  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      JsonObject *item;

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL), "companies") == 0)
        continue;
      item = json_object_new ();
      json_object_set_string_member (item, "field", json_object_get_string_member (field, "key"));
      json_object_set_string_member (item, "label", json_object_get_string_member (field, "label"));
      json_object_set_boolean_member (item, "custom", TRUE);
      json_array_add_object_element (result, item);
    }
  return result;
}

/* The custom field of @fields whose key or label is @name (any case), or NULL. */
static JsonObject *
custom_field_named (JsonArray  *fields,
                    const char *name)
{
  g_autofree char *folded = g_utf8_casefold (name, -1);
  g_autofree char *stripped = g_strstrip (g_strdup (folded));

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      g_autofree char *key = g_utf8_casefold (json_object_get_string_member_with_default (field, "key", ""), -1);
      g_autofree char *label = g_utf8_casefold (json_object_get_string_member_with_default (field, "label", ""), -1);

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL), "companies") == 0)
        continue;
      if (g_str_equal (stripped, key) || g_str_equal (stripped, label))
        return field;
    }
  return NULL;
}

/* The column a chosen mapping names: a built-in field of @entity or a custom field. */
static gboolean
column_from_mapping (const char  *entity,
                     JsonArray   *fields,
                     const char  *header,
                     const char  *name,
                     Column      *out_column,
                     JsonObject **out_custom,
                     GError     **error)
{
  *out_custom = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (builtin_fields); i++)
    if (g_str_equal (builtin_fields[i].entity, entity) &&
        g_str_equal (column_names[builtin_fields[i].column], name))
      {
        *out_column = builtin_fields[i].column;
        return TRUE;
      }
  if ((*out_custom = custom_field_named (fields, name)) != NULL)
    {
      *out_column = COL_CUSTOM;
      return TRUE;
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("Column «%s» is mapped to «%s», which is no field of this import"), header, name);
  return FALSE;
}

/* Sets the custom fields the row's cells fill on @change. */
static void set_custom_fields (Import *import, Row *row, CrmChange *change);

/* --- the replica's contacts and companies -------------------------------------------- */

/* @key (a phone, an e-mail, an INN) is @name's (NULL: a nameless one), in @table */
static void
add_owner (Import     *import,
           GHashTable *table,
           const char *key,
           const char *name)
{
  g_hash_table_insert (table, g_string_chunk_insert (import->owners, key),
                       g_string_chunk_insert_const (import->owners, name != NULL ? name : ""));
}

static gboolean
index_replica (Import  *import,
               GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (import->store,
    "SELECT c.name, p.value, 'phone' FROM contact c, json_each (c.phones) p WHERE c.deleted = 0"
    " UNION ALL SELECT c.name, e.value, 'email' FROM contact c, json_each (c.emails) e"
    "  WHERE c.deleted = 0"
    " UNION ALL SELECT name, inn, 'inn' FROM company WHERE deleted = 0 AND inn IS NOT NULL",
    error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      const char *value = (const char *) sqlite3_column_text (stmt, 1);
      const char *kind = (const char *) sqlite3_column_text (stmt, 2);
      char *key = NULL;
      GHashTable *table;

      if (value == NULL)
        continue;
      if (g_str_equal (kind, "phone"))
        {
          key = crm_phone_normalize (value);
          table = import->phones;
        }
      else if (g_str_equal (kind, "email"))
        {
          key = crm_email_normalize (value);
          table = import->emails;
        }
      else
        {
          key = g_strdup (value);
          table = import->inns;
        }
      if (key != NULL)
        add_owner (import, table, key, name);
      g_free (key);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (import->store, error, "read the contacts to find duplicates");
      return FALSE;
    }
  /* moving in: no company to find by name (or id) for each company the file names, of
   * which 100 000 contacts name 10 000 */
  stmt = _crm_store_prepare (import->store, "SELECT NOT EXISTS (SELECT 1 FROM company)", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    import->no_companies = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _crm_store_set_read_error (import->store, error, "read the companies");
      return FALSE;
    }
  return TRUE;
}

/* --- rows ---------------------------------------------------------------------------- */

static const char *
cell_of (Import     *import,
         Row        *row,
         Column      column)
{
  guint n = g_strv_length (row->cells);

  for (guint i = 0; i < import->n_columns && i < n; i++)
    if (import->columns[i] == column && *g_strstrip (row->cells[i]) != '\0')
      return row->cells[i];
  return NULL;
}

/* Every non-empty value of the columns of @column, split at "," and ";". */
static GPtrArray *
values_of (Import *import,
           Row    *row,
           Column  column)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  guint n = g_strv_length (row->cells);

  for (guint i = 0; i < import->n_columns && i < n; i++)
    {
      g_auto(GStrv) parts = NULL;

      if (import->columns[i] != column)
        continue;
      /* one value, as most cells hold: no list split to make and free */
      if (strpbrk (row->cells[i], ",;") == NULL)
        {
          if (*g_strstrip (row->cells[i]) != '\0')
            g_ptr_array_add (values, g_strdup (row->cells[i]));
          continue;
        }
      parts = g_strsplit_set (row->cells[i], ",;", -1);
      for (guint j = 0; parts[j] != NULL; j++)
        if (*g_strstrip (parts[j]) != '\0')
          g_ptr_array_add (values, g_strdup (parts[j]));
    }
  return values;
}

static char *
resolve (Import     *import,
         const char *entity,
         const char *name,
         const char *scope,
         const char *what)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = g_strconcat (entity, "\x1f", scope != NULL ? scope : "", "\x1f", name, NULL);
  const char *known = g_hash_table_lookup (import->resolved, key);
  char *id;

  if (known != NULL && known[0] != '\x1f')
    return g_strdup (known);
  if (known != NULL)
    {
      row_error (import, _("%s: %s"), what, known + 1);
      return NULL;
    }
  id = crm_query_resolve (import->store, entity, name, scope, &local_error);
  if (id == NULL)
    {
      /* Translators: e.g. "Ответственный: «Петров» — there is no user «Петров»…" */
      row_error (import, _("%s: %s"), what, local_error->message);
      g_hash_table_insert (import->resolved, g_steal_pointer (&key),
                           g_strconcat ("\x1f", local_error->message, NULL));
    }
  else
    g_hash_table_insert (import->resolved, g_steal_pointer (&key), g_strdup (id));
  return id;
}

static void
set_responsible (Import    *import,
                 Row       *row,
                 CrmChange *change)
{
  const char *name = cell_of (import, row, COL_RESPONSIBLE);
  g_autofree char *user = name != NULL ? resolve (import, "user", name, NULL, _("Responsible"))
                                       : NULL;

  if (user != NULL)
    crm_change_set_string (change, "responsible", user);
  else if (name == NULL && import->options->actor_id != NULL)
    crm_change_set_string (change, "responsible", import->options->actor_id);
}

static void
set_custom_fields (Import    *import,
                   Row       *row,
                   CrmChange *change)
{
  guint n_cells = g_strv_length (row->cells);

  for (guint i = 0; i < import->n_columns && i < n_cells; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = NULL;
      JsonNode *value;

      if (import->columns[i] != COL_CUSTOM || import->custom[i] == NULL)
        continue;
      text = g_strstrip (g_strdup (row->cells[i]));
      if (*text == '\0')
        continue;
      value = crm_setup_field_value_parse (import->custom[i], text, &local_error);
      if (value == NULL)
        row_error (import, "%s", local_error->message);
      else
        crm_change_set_node (change, json_object_get_string_member (import->custom[i], "key"), value);
    }
}

/* A company by name: the replica's, one this import made, or a new one. */
static char *
company_for (Import     *import,
             const char *name)
{
  const char *known = g_hash_table_lookup (import->company_names, name);
  g_autofree char *folded = NULL;
  const char *made;
  g_autoptr(GError) local_error = NULL;
  char *id;
  CrmChange *change;

  if (known != NULL)
    return g_strdup (known);
  folded = g_utf8_casefold (name, -1);
  made = g_hash_table_lookup (import->companies, folded);
  if (made != NULL)
    {
      g_hash_table_insert (import->company_names, g_strdup (name), g_strdup (made));
      return g_strdup (made);
    }
  id = import->no_companies ? NULL
                             : crm_query_resolve (import->store, "company", name, NULL, &local_error);
  if (id != NULL)
    {
      /* the account's: looked up once */
      g_hash_table_insert (import->companies, g_steal_pointer (&folded), g_strdup (id));
      g_hash_table_insert (import->company_names, g_strdup (name), g_strdup (id));
      return id;
    }
  if (local_error != NULL &&
      !g_error_matches (local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
    {
      row_error (import, _("Company: %s"), local_error->message);
      return NULL;
    }
  id = crm_store_new_id (import->store);
  change = crm_changeset_create (import->changeset, "company", id);
  crm_change_set_string (change, "name", name);
  crm_change_set_int (change, "created_at", crm_store_get_now (import->store));
  if (import->options->actor_id != NULL)
    crm_change_set_string (change, "responsible", import->options->actor_id);
  g_hash_table_insert (import->companies, g_steal_pointer (&folded), g_strdup (id));
  g_hash_table_insert (import->company_names, g_strdup (name), g_strdup (id));
  return id;
}

static void
import_contact (Import *import,
                Row    *row)
{
  const char *name = cell_of (import, row, COL_NAME);
  const char *company = cell_of (import, row, COL_COMPANY);
  g_autoptr(GString) composed = g_string_new (NULL);
  g_autoptr(GPtrArray) phones = values_of (import, row, COL_PHONE);
  g_autoptr(GPtrArray) emails = values_of (import, row, COL_EMAIL);
  JsonArray *phone_list = json_array_new ();
  JsonArray *email_list = json_array_new ();
  g_autofree char *id = crm_store_new_id (import->store);
  CrmChange *change;
  JsonNode *node;
  guint errors = import->n_errors;

  /* Bitrix24 and amoCRM split the name: «Фамилия Имя Отчество» */
  if (name == NULL)
    {
      const Column parts[] = { COL_LAST_NAME, COL_FIRST_NAME, COL_MIDDLE_NAME };

      for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
        if (cell_of (import, row, parts[i]) != NULL)
          g_string_append_printf (composed, "%s%s", composed->len > 0 ? " " : "",
                                  cell_of (import, row, parts[i]));
      name = composed->len > 0 ? composed->str : NULL;
    }
  if (name == NULL)
    row_error (import, _("The contact has no name"));

  for (guint i = 0; i < phones->len; i++)
    {
      g_autofree char *phone = crm_phone_normalize (phones->pdata[i]);
      const char *owner;

      if (phone == NULL)
        row_error (import, _("«%s» is not a phone number"), (char *) phones->pdata[i]);
      else if ((owner = g_hash_table_lookup (import->phones, phone)) != NULL)
        row_error (import, _("Phone %s is already %s's: a duplicate"), phone, owner);
      else
        {
          json_array_add_string_element (phone_list, phone);
          add_owner (import, import->phones, phone, name);
        }
    }
  for (guint i = 0; i < emails->len; i++)
    {
      g_autofree char *email = crm_email_normalize (emails->pdata[i]);
      const char *owner;

      if (email == NULL)
        row_error (import, _("«%s» is not an e-mail address"), (char *) emails->pdata[i]);
      else if ((owner = g_hash_table_lookup (import->emails, email)) != NULL)
        row_error (import, _("E-mail %s is already %s's: a duplicate"), email, owner);
      else
        {
          json_array_add_string_element (email_list, email);
          add_owner (import, import->emails, email, name);
        }
    }

  change = crm_changeset_create (import->changeset, "contact", id);
  if (name != NULL)
    crm_change_set_string (change, "name", name);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, phone_list);
  crm_change_set_node (change, "phones", node);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, email_list);
  crm_change_set_node (change, "emails", node);
  crm_change_set_int (change, "created_at", crm_store_get_now (import->store));
  set_responsible (import, row, change);
  set_custom_fields (import, row, change);
  if (company != NULL && import->n_errors == errors)
    {
      g_autofree char *company_id = company_for (import, company);

      if (company_id != NULL)
        crm_change_set_string (change, "company", company_id);
    }
}

static void
import_company (Import *import,
                Row    *row)
{
  const char *name = cell_of (import, row, COL_NAME);
  const char *inn = cell_of (import, row, COL_INN);
  g_autofree char *id = crm_store_new_id (import->store);
  CrmChange *change;

  if (name == NULL)
    {
      row_error (import, _("The company has no name"));
      return;
    }
  if (inn != NULL)
    {
      const char *owner = g_hash_table_lookup (import->inns, inn);

      if (owner != NULL)
        row_error (import, _("INN %s is already «%s»'s: a duplicate"), inn, owner);
      else
        add_owner (import, import->inns, inn, name);
    }
  change = crm_changeset_create (import->changeset, "company", id);
  crm_change_set_string (change, "name", name);
  if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  crm_change_set_int (change, "created_at", crm_store_get_now (import->store));
  set_responsible (import, row, change);
  set_custom_fields (import, row, change);
  g_hash_table_insert (import->companies, g_utf8_casefold (name, -1), g_strdup (id));
}

static void
import_deal (Import *import,
             Row    *row)
{
  const char *title = cell_of (import, row, COL_TITLE);
  const char *pipeline = cell_of (import, row, COL_PIPELINE);
  const char *stage = cell_of (import, row, COL_STAGE);
  const char *amount = cell_of (import, row, COL_AMOUNT);
  const char *company = cell_of (import, row, COL_COMPANY);
  const char *contact = cell_of (import, row, COL_CONTACT);
  g_autoptr(GPtrArray) tags = values_of (import, row, COL_TAGS);
  g_autofree char *id = crm_store_new_id (import->store);
  g_autofree char *pipeline_id = NULL;
  g_autofree char *stage_id = NULL;
  CrmChange *change;
  gint64 minor = 0;

  if (title == NULL)
    row_error (import, _("The deal has no title"));
  if (pipeline == NULL)
    row_error (import, _("The deal names no pipeline"));
  else if ((pipeline_id = resolve (import, "pipeline", pipeline, NULL, _("Pipeline"))) != NULL)
    {
      if (stage == NULL)
        row_error (import, _("The deal names no stage"));
      else
        stage_id = resolve (import, "stage", stage, pipeline_id, _("Stage"));
    }
  if (amount != NULL && !crm_money_parse (amount, &minor))
    row_error (import, _("«%s» is not an amount; write it as 1500000.00"), amount);

  change = crm_changeset_create (import->changeset, "deal", id);
  if (title != NULL)
    crm_change_set_string (change, "title", title);
  if (pipeline_id != NULL)
    crm_change_set_string (change, "pipeline", pipeline_id);
  if (stage_id != NULL)
    crm_change_set_string (change, "stage", stage_id);
  if (amount != NULL)
    {
      crm_change_set_int (change, "amount", minor);
      crm_change_set_string (change, "currency", "RUB");   /* as `deal add` */
    }
  crm_change_set_int (change, "created_at", crm_store_get_now (import->store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (import->store));
  set_responsible (import, row, change);
  set_custom_fields (import, row, change);
  if (company != NULL)
    {
      g_autofree char *company_id = company_for (import, company);

      if (company_id != NULL)
        crm_change_set_string (change, "company", company_id);
    }
  if (contact != NULL)
    {
      g_autofree char *contact_id = resolve (import, "contact", contact, NULL, _("Contact"));

      if (contact_id != NULL)
        crm_changeset_set_link (import->changeset, "deal_contact", "deal", id, "contact",
                                contact_id, TRUE);
    }
  for (guint i = 0; i < tags->len; i++)
    {
      g_autofree char *folded = g_utf8_casefold (tags->pdata[i], -1);
      g_autofree char *tag_id = g_strdup (g_hash_table_lookup (import->tags, folded));
      g_autoptr(GError) local_error = NULL;

      if (tag_id == NULL &&
          (tag_id = crm_query_resolve (import->store, "tag", tags->pdata[i], NULL, &local_error)) != NULL)
        g_hash_table_insert (import->tags, g_strdup (folded), g_strdup (tag_id));
      if (tag_id == NULL)
        {
          /* a brand the account does not have yet: made, as amoCRM's tags are */
          tag_id = crm_store_new_id (import->store);
          crm_change_set_string (crm_changeset_create (import->changeset, "tag", tag_id),
                                 "name", tags->pdata[i]);
          g_hash_table_insert (import->tags, g_strdup (folded), g_strdup (tag_id));
        }
      crm_changeset_set_link (import->changeset, "deal_tag", "deal", id, "tag", tag_id, TRUE);
    }
}

/* --- the whole file ------------------------------------------------------------------ */

static gboolean
check_entity (const CrmImportOptions  *options,
              GError                 **error)
{
  if (!g_str_equal (options->entity, "contact") && !g_str_equal (options->entity, "company") &&
      !g_str_equal (options->entity, "deal"))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Contacts, companies or deals can be imported, not “%s”"), options->entity);
      return FALSE;
    }
  return TRUE;
}

/* The writing's progress as the import's: the nine tenths after the reading. */
typedef struct {
  const CrmImportOptions *options;
  guint                   rows;
} WriteProgress;

static void
write_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  WriteProgress *progress = user_data;
  guint64 steps = progress->rows + (guint64) progress->rows * 9 * done / MAX (total, 1);

  progress->options->progress ((guint) steps, progress->rows * 10,
                               progress->options->progress_data);
}

static gboolean
cancelled (const CrmImportOptions  *options,
           GError                 **error)
{
  return g_cancellable_set_error_if_cancelled (options->cancellable, error);
}

gboolean
crm_import_csv (CrmStore               *store,
                const CrmImportOptions *options,
                const char             *data,
                gsize                   length,
                JsonNode              **out_report,
                GError                **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL && options->entity != NULL, FALSE);

  *out_report = NULL;
  if (!check_entity (options, error))
    return FALSE;
  if (length > CRM_IMPORT_MAX_BYTES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The file is larger than %u MB; split it and import the parts"),
                   (guint) (CRM_IMPORT_MAX_BYTES / 1048576));
      return FALSE;
    }
  if ((text = decode (data, length, error)) == NULL ||
      (rows = split_rows (text, guess_separator (text), error)) == NULL)
    return FALSE;
  g_clear_pointer (&text, g_free);
  return crm_import_rows (store, options, rows, out_report, error);
}

gboolean
crm_import_rows (CrmStore               *store,
                 const CrmImportOptions *options,
                 GPtrArray              *rows,
                 JsonNode              **out_report,
                 GError                **error)
{
  g_autoptr(JsonObject) report = json_object_new ();
  JsonObject *columns;
  Import import = { 0 };
  gboolean ok = FALSE;
  gboolean named = FALSE;
  Row *header;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL && options->entity != NULL, FALSE);

  *out_report = NULL;
  if (!check_entity (options, error))
    return FALSE;
  if (rows->len > CRM_IMPORT_MAX_ROWS + 1)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The file has more than %u rows; split it and import the parts"),
                   CRM_IMPORT_MAX_ROWS);
      return FALSE;
    }
  if (rows->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The file is empty: it needs a header row and a row per record"));
      return FALSE;
    }

  import.store = store;
  import.options = options;
  header = rows->pdata[0];
  import.n_columns = g_strv_length (header->cells);
  import.columns = g_new0 (Column, import.n_columns);
  import.custom = g_new0 (JsonObject *, import.n_columns);
  import.fields = crm_query_fields (store, options->entity, NULL);
  columns = json_object_new ();
  for (guint i = 0; i < import.n_columns; i++)
    {
      const char *field;
      JsonNode *chosen = options->mapping != NULL
                         ? json_object_get_member (options->mapping, header->cells[i]) : NULL;

      if (chosen != NULL && JSON_NODE_HOLDS_NULL (chosen))
        import.columns[i] = COL_IGNORED;
      else if (chosen != NULL && JSON_NODE_HOLDS_VALUE (chosen) &&
               json_node_get_value_type (chosen) == G_TYPE_STRING)
        {
          if (!column_from_mapping (options->entity, import.fields, header->cells[i],
                                    json_node_get_string (chosen), &import.columns[i],
                                    &import.custom[i], error))
            {
              json_object_unref (columns);
              goto out;
            }
        }
      else
        {
          import.columns[i] = column_for (options->entity, header->cells[i]);
          if (import.columns[i] == COL_IGNORED &&
              (import.custom[i] = custom_field_named (import.fields, header->cells[i])) != NULL)
            import.columns[i] = COL_CUSTOM;
        }
      field = import.custom[i] != NULL ? json_object_get_string_member (import.custom[i], "key")
                                       : column_field (import.columns[i]);
      named |= import.columns[i] == COL_NAME || import.columns[i] == COL_FIRST_NAME ||
               import.columns[i] == COL_LAST_NAME || import.columns[i] == COL_TITLE;
      if (field != NULL)
        json_object_set_string_member (columns, header->cells[i], field);
      else
        json_object_set_null_member (columns, header->cells[i]);
    }
  json_object_set_string_member (report, "entity", options->entity);
  json_object_set_int_member (report, "rows", rows->len - 1);
  json_object_set_object_member (report, "columns", columns);
  json_object_set_boolean_member (report, "dry_run", options->dry_run);
  if (!named)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   g_str_equal (options->entity, "deal")
                   ? _("No column holds the deal's title: name one «Название» or «title»")
                   : _("No column holds the name: name one «Имя» (or «Фамилия»), "
                       "«Название» or «name»"));
      goto out;
    }

  import.phones = g_hash_table_new (g_str_hash, g_str_equal);
  import.emails = g_hash_table_new (g_str_hash, g_str_equal);
  import.inns = g_hash_table_new (g_str_hash, g_str_equal);
  import.owners = g_string_chunk_new (64 * 1024);
  import.companies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  import.company_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  import.tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  import.resolved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  import.changeset = crm_changeset_new ();
  import.errors = json_array_new ();
  if (options->actor_id != NULL)
    crm_changeset_set_actor (import.changeset, options->actor_id);
  if (!index_replica (&import, error))
    goto out;

  for (guint r = 1; r < rows->len; r++)
    {
      Row *row = rows->pdata[r];
      guint errors_before = import.n_errors;

      if (r % 500 == 0 && cancelled (options, error))
        goto out;
      if (options->progress != NULL && (r % 500 == 0 || r + 1 == rows->len))
        options->progress (r, options->dry_run ? rows->len - 1 : (rows->len - 1) * 10,
                           options->progress_data);

      import.line = row->line;
      if (g_str_equal (options->entity, "contact"))
        import_contact (&import, row);
      else if (g_str_equal (options->entity, "company"))
        import_company (&import, row);
      else
        import_deal (&import, row);
      if (import.n_errors > errors_before)
        import.bad_rows++;
    }

  json_object_set_array_member (report, "errors", json_array_ref (import.errors));
  json_object_set_int_member (report, "error_count", import.n_errors);
  json_object_set_int_member (report, "created", 0);
  json_object_set_int_member (report, "bad_rows", import.bad_rows);
  if (import.n_errors > 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   g_dngettext (GETTEXT_PACKAGE, "%u row is wrong; nothing was imported",
                                "%u rows are wrong; nothing was imported", import.bad_rows),
                   import.bad_rows);
      goto out;
    }
  if (cancelled (options, error))
    goto out;
  if (!options->dry_run)
    {
      /* one change set: the rules and gates see every row, and a refusal (a stage that
       * wants fields, say) leaves the replica as it was */
      WriteProgress progress = { options, rows->len - 1 };

      if (!_crm_store_apply_bulk (store, import.changeset,
                                  options->progress != NULL ? write_progress : NULL, &progress,
                                  error))
        goto out;
      json_object_set_int_member (report, "created", rows->len - 1);
    }
  ok = TRUE;

out:
  *out_report = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (*out_report, report);
  g_free (import.columns);
  g_free (import.custom);
  g_clear_pointer (&import.fields, json_array_unref);
  g_clear_pointer (&import.phones, g_hash_table_unref);
  g_clear_pointer (&import.emails, g_hash_table_unref);
  g_clear_pointer (&import.inns, g_hash_table_unref);
  g_clear_pointer (&import.owners, g_string_chunk_free);
  g_clear_pointer (&import.companies, g_hash_table_unref);
  g_clear_pointer (&import.company_names, g_hash_table_unref);
  g_clear_pointer (&import.tags, g_hash_table_unref);
  g_clear_pointer (&import.resolved, g_hash_table_unref);
  g_clear_pointer (&import.changeset, crm_changeset_unref);
  g_clear_pointer (&import.errors, json_array_unref);
  return ok;
}
