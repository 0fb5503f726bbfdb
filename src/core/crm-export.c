/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-export.c — lists out of the replica: tables for CSV/XLSX (with the column names
 * crm-import.c reads, so an export imports back into a new account) and vCard. */
#define G_LOG_DOMAIN "voronka-export"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-export.h"
#include "crm-filter.h"
#include "crm-query.h"
#include "crm-query-board.h"

static void
add_column (JsonArray  *columns,
            const char *key,
            const char *type)
{
  JsonObject *column = json_object_new ();

  json_object_set_string_member (column, "key", key);
  /* the label is the key: it is what `import` recognises */
  json_object_set_string_member (column, "label", key);
  json_object_set_string_member (column, "type", type);
  json_array_add_object_element (columns, column);
}

/* "a, b" of a string array member, into @row as text */
static void
join_member (JsonObject *row,
             JsonObject *source,
             const char *member)
{
  JsonArray *array = json_object_has_member (source, member) &&
                     !json_object_get_null_member (source, member)
                     ? json_object_get_array_member (source, member) : NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                            json_array_get_string_element (array, i));
  json_object_set_string_member (row, member, text->str);
}

static void
copy_text (JsonObject *row,
           JsonObject *source,
           const char *member,
           const char *as)
{
  const char *text = json_object_get_string_member_with_default (source, member, NULL);

  if (text != NULL)
    json_object_set_string_member (row, as, text);
  else
    json_object_set_null_member (row, as);
}

/* What crm_filter_query() leaves of @entity for @filter, in a node as the queries give. */
static JsonNode *
query_filtered (CrmStore    *store,
                const char  *entity,
                const char  *filter,
                GError     **error)
{
  CrmFilterQuery query = { .entity = entity, .filter = filter };
  JsonArray *rows = crm_filter_query (store, &query, NULL, error);
  JsonNode *node;

  if (rows == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, rows);
  return node;
}

JsonNode *
crm_export_table (CrmStore    *store,
                  const char  *entity,
                  const char  *filter,
                  GError     **error)
{
  g_autoptr(JsonArray) columns = json_array_new ();
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonArray) companies = NULL;
  JsonArray *items;
  JsonObject *table;
  JsonNode *node;
  const char *name, *title;

  if (filter != NULL &&
      (g_strcmp0 (entity, "contact") == 0 || g_strcmp0 (entity, "company") == 0 ||
       g_strcmp0 (entity, "deal") == 0))
    {
      list = query_filtered (store, entity, filter, error);
      if (list == NULL)
        return NULL;
    }
  if (g_strcmp0 (entity, "contact") == 0)
    {
      name = "contacts";
      title = _("Contacts");
      if (list == NULL)
        list = crm_query_contacts (store, NULL, NULL, 0, 0, NULL, error);
      if (list == NULL)
        return NULL;
      items = json_node_get_array (list);
      add_column (columns, "name", "text");
      add_column (columns, "phones", "text");
      add_column (columns, "emails", "text");
      add_column (columns, "company", "text");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *contact = json_array_get_object_element (items, i);
          JsonObject *row = json_object_new ();

          copy_text (row, contact, "name", "name");
          join_member (row, contact, "phones");
          join_member (row, contact, "emails");
          copy_text (row, contact, "company", "company");
          json_array_add_object_element (rows, row);
        }
    }
  else if (g_strcmp0 (entity, "company") == 0)
    {
      name = "companies";
      title = _("Companies");
      companies = list != NULL ? json_array_ref (json_node_get_array (list))
                               : crm_query_companies (store, NULL, 0, 0, NULL, error);
      if (companies == NULL)
        return NULL;
      add_column (columns, "name", "text");
      add_column (columns, "inn", "text");
      for (guint i = 0; i < json_array_get_length (companies); i++)
        {
          JsonObject *company = json_array_get_object_element (companies, i);
          JsonObject *row = json_object_new ();

          copy_text (row, company, "name", "name");
          copy_text (row, company, "inn", "inn");
          json_array_add_object_element (rows, row);
        }
    }
  else if (g_strcmp0 (entity, "deal") == 0)
    {
      CrmDealFilter all = { 0 };

      name = "deals";
      title = _("Deals");
      if (list == NULL)
        list = crm_query_deals (store, &all, NULL, error);
      if (list == NULL)
        return NULL;
      items = json_node_get_array (list);
      add_column (columns, "title", "text");
      add_column (columns, "pipeline", "text");
      add_column (columns, "stage", "text");
      add_column (columns, "amount", "text");
      add_column (columns, "responsible", "text");
      add_column (columns, "company", "text");
      add_column (columns, "tags", "text");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *deal = json_array_get_object_element (items, i);
          JsonObject *row = json_object_new ();
          static const char *const members[] = { "title", "pipeline", "stage", "amount",
                                                  "responsible", "company" };

          for (guint m = 0; m < G_N_ELEMENTS (members); m++)
            copy_text (row, deal, members[m], members[m]);
          join_member (row, deal, "tags");
          json_array_add_object_element (rows, row);
        }
    }
  else
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Contacts, companies or deals can be exported, not “%s”"),
                   entity != NULL ? entity : "");
      return NULL;
    }

  table = json_object_new ();
  json_object_set_string_member (table, "report", name);
  json_object_set_string_member (table, "title", title);
  json_object_set_array_member (table, "columns", g_steal_pointer (&columns));
  json_object_set_array_member (table, "rows", g_steal_pointer (&rows));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, table);
  return node;
}

/* RFC 2426 text value: backslash, comma, semicolon escaped, newlines as \n */
static void
append_escaped (GString    *line,
                const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    {
      if (*p == '\\' || *p == ',' || *p == ';')
        g_string_append_c (line, '\\');
      if (*p == '\n')
        g_string_append (line, "\\n");
      else if (*p != '\r')
        g_string_append_c (line, *p);
    }
}

/* Folds at 75 bytes, never inside a UTF-8 character. */
static void
append_folded (GString    *out,
               const char *line)
{
  gsize width = 0;

  for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p))
    {
      gsize size = g_utf8_next_char (p) - p;

      if (width + size > 75)
        {
          g_string_append (out, "\r\n ");
          width = 1;
        }
      g_string_append_len (out, p, size);
      width += size;
    }
  g_string_append (out, "\r\n");
}

char *
crm_export_vcard (CrmStore  *store,
                  GError   **error)
{
  g_autoptr(JsonNode) list = crm_query_contacts (store, NULL, NULL, 0, 0, NULL, error);
  GString *out;
  JsonArray *items;

  if (list == NULL)
    return NULL;
  items = json_node_get_array (list);
  out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *contact = json_array_get_object_element (items, i);
      const char *name = json_object_get_string_member_with_default (contact, "name", "");
      const char *company = json_object_get_string_member_with_default (contact, "company", NULL);
      JsonArray *phones = json_object_get_array_member (contact, "phones");
      JsonArray *emails = json_object_get_array_member (contact, "emails");
      g_autoptr(GString) line = g_string_new ("FN:");

      g_string_append (out, "BEGIN:VCARD\r\nVERSION:3.0\r\n");
      append_escaped (line, name);
      append_folded (out, line->str);
      /* N: the name as we have it in one piece (family;given are not kept apart) */
      g_string_assign (line, "N:");
      append_escaped (line, name);
      g_string_append (line, ";;;;");
      append_folded (out, line->str);
      for (guint p = 0; phones != NULL && p < json_array_get_length (phones); p++)
        {
          g_string_assign (line, "TEL;TYPE=VOICE:");
          append_escaped (line, json_array_get_string_element (phones, p));
          append_folded (out, line->str);
        }
      for (guint e = 0; emails != NULL && e < json_array_get_length (emails); e++)
        {
          g_string_assign (line, "EMAIL;TYPE=INTERNET:");
          append_escaped (line, json_array_get_string_element (emails, e));
          append_folded (out, line->str);
        }
      if (company != NULL)
        {
          g_string_assign (line, "ORG:");
          append_escaped (line, company);
          append_folded (out, line->str);
        }
      g_string_append (out, "END:VCARD\r\n");
    }
  return g_string_free (out, FALSE);
}
