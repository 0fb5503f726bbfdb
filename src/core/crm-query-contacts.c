/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-contacts.c — contacts by the words of their names (and phone digits), with
 * tag filters and paging, scanning the token table (crm-search.c has the prefix-table
 * path). */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-query-private.h"
#include "crm-search.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

/* The greatest code point in UTF-8: every token starting with a prefix sorts below
 * prefix || U+10FFFF. */
#define PREFIX_UPPER_BOUND "x'F48FBFBF'"

JsonNode *
crm_query_contacts (CrmStore            *store,
                    const char          *prefix,
                    const char * const  *tag_ids,
                    guint                limit,
                    guint                offset,
                    gint64              *out_total,
                    GError             **error)
{
  g_auto(GStrv) words = prefix != NULL ? _crm_text_fold_words (prefix) : NULL;

  /* Searching by the first letters without tags: the prefix table answers from one
   * index range (crm-search.c); tag filters go through the scan. */
  if (words != NULL && words[0] != NULL && (tag_ids == NULL || tag_ids[0] == NULL))
    return crm_query_contact_search (store, prefix, limit, offset, out_total, error);
  return _crm_query_contacts_scan (store, prefix, tag_ids, limit, offset, out_total, error);
}

JsonNode *
_crm_query_contacts_scan (CrmStore            *store,
                          const char          *prefix,
                          const char * const  *tag_ids,
                          guint                limit,
                          guint                offset,
                          gint64              *out_total,
                          GError             **error)
{
/* Word ?N starts a word of the name, or (digits) is held by a phone number of the
 * contact (its patterns ?L, ?G; schema 21). */
#define WORD_MATCHES(n, l, g) \
  "c.rowid IN (SELECT contact FROM contact_token" \
  "   WHERE token >= ?" n " AND token < ?" n " || " PREFIX_UPPER_BOUND ")" \
  " OR ?" l " IS NOT NULL AND EXISTS (SELECT 1 FROM contact_phone f WHERE f.rowid = c.rowid" \
  "   AND " CRM_SEARCH_PHONE_MATCHES ("f", l, g) ")"
#define CONTACT_FILTER \
  " WHERE c.deleted = 0" \
  " AND (?1 IS NULL OR " WORD_MATCHES ("1", "8", "9") ")" \
  " AND (?2 IS NULL OR " WORD_MATCHES ("2", "10", "11") ")" \
  " AND (?3 IS NULL OR " WORD_MATCHES ("3", "12", "13") ")" \
  " AND (?4 IS NULL OR (SELECT count (DISTINCT tag) FROM (" \
  "     SELECT dt.tag AS tag FROM deal_contact dc" \
  "     JOIN deal_tag dt ON dt.deal = dc.deal AND dt.present = 1 AND dt.deleted = 0" \
  "     JOIN deal d ON d.id = dc.deal AND d.deleted = 0" \
  "     WHERE dc.contact = c.id AND dc.present = 1 AND dc.deleted = 0" \
  "     UNION SELECT j.value FROM json_each (c.data, '$.tags') j)" \
  "   WHERE tag IN (SELECT value FROM json_each (?4))) = ?5)"
  g_autoptr(JsonArray) result = json_array_new ();
  g_autofree char *tags_json = NULL;
  g_auto(GStrv) words = NULL;
  const char *word[3] = { NULL, NULL, NULL };
  gint64 n_tags = 0;
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* Each word of the query must start a word of the name; more than three words
   * narrow nothing in practice. */
  if (prefix != NULL)
    {
      words = _crm_text_fold_words (prefix);
      for (guint i = 0; words[i] != NULL && i < G_N_ELEMENTS (word); i++)
        word[i] = words[i];
    }
  tags_json = _crm_tags_to_json (tag_ids, &n_tags);

  for (int pass = out_total != NULL ? 0 : 1; pass < 2; pass++)
    {
      if (pass == 0)
        stmt = _crm_store_prepare (store, "SELECT count (*) FROM contact c" CONTACT_FILTER, error);
      else if (word[0] == NULL)
        /* no words: the live contacts in name order, read from contact_list (schema 25)
         * as they stand, not sorted whole for each page */
        stmt = _crm_store_prepare (store,
          "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name, c.data"
          " FROM contact c LEFT JOIN company co ON co.id = c.company AND co.deleted = 0"
          CONTACT_FILTER
          " ORDER BY c.name, c.id LIMIT ?6 OFFSET ?7", error);
      else
        stmt = _crm_store_prepare (store,
          "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name, c.data"
          " FROM contact c LEFT JOIN company co ON co.id = c.company AND co.deleted = 0"
          CONTACT_FILTER
          /* people whose surname (the first word) matches come first */
          " ORDER BY ?1 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_token"
          "   WHERE contact = c.rowid AND position = 0"
          "   AND token >= ?1 AND token < ?1 || " PREFIX_UPPER_BOUND "),"
          " c.name, c.id LIMIT ?6 OFFSET ?7", error);
      if (stmt == NULL)
        return NULL;
      for (int i = 0; i < 3; i++)
        {
          _crm_sql_bind_text_or_null (stmt, i + 1, word[i]);
          _crm_search_bind_phone_word (stmt, 8 + 2 * i, 9 + 2 * i, word[i]);
        }
      _crm_sql_bind_text_or_null (stmt, 4, tags_json);
      sqlite3_bind_int64 (stmt, 5, n_tags);
      if (pass == 0)
        {
          if (sqlite3_step (stmt) != SQLITE_ROW)
            {
              _crm_store_set_read_error (store, error, "count contacts");
              return NULL;
            }
          *out_total = sqlite3_column_int64 (stmt, 0);
          sqlite3_reset (stmt);
          continue;
        }
      sqlite3_bind_int64 (stmt, 6, limit > 0 ? (gint64) limit : -1);
      sqlite3_bind_int64 (stmt, 7, offset);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          JsonObject *contact = json_object_new ();

          _crm_json_set_text_column (contact, "id", stmt, 0);
          _crm_json_set_text_column (contact, "name", stmt, 1);
          json_object_set_array_member (contact, "phones", _crm_json_array_column (stmt, 2));
          json_object_set_array_member (contact, "emails", _crm_json_array_column (stmt, 3));
          _crm_json_set_text_column (contact, "company", stmt, 5);
          _crm_json_set_text_column (contact, "company_id", stmt, 4);
          json_array_add_object_element (result, contact);
        }
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "list contacts");
          return NULL;
        }
      sqlite3_reset (stmt);
    }
#undef CONTACT_FILTER

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}
