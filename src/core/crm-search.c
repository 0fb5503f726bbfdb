/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-search.c — contact search by the first letters on a large account.
 *
 * crm_query_contacts() finds the matching contacts through contact_token and then sorts
 * all of them by name to show the first 50: with 100 000 contacts, «Ива» matches 14 000
 * (Иванов, Иван, Ивановна…) and that costs hundreds of milliseconds. contact_prefix
 * (schema 2, kept by triggers) holds every contact once per one-, two- and three-letter
 * prefix of its words, with its rank (0 when the surname starts so) and name, so the
 * total is the length of one index range and the first page its first rows. Further
 * words, and a first word longer than three letters, check contact_token for each
 * candidate, in page order. Phone digits are searched in contact_token directly: the
 * digits of each number and (schema 7) their tails of four digits or more, so four
 * consecutive digits anywhere in a number find it. */
#define G_LOG_DOMAIN "voronka-query"

#include "crm-search.h"
#include "crm-query-board.h"
#include "crm-query.h"
#include "crm-query-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"

#define PREFIX_LENGTH 3

/* Every token that starts with ?N sorts in [?N, ?N || U+10FFFF). */
#define TOKEN_MATCHES(n) \
  "(SELECT 1 FROM contact_token t WHERE t.contact = p.contact" \
  " AND t.token >= ?" n " AND t.token < ?" n " || x'F48FBFBF')"

/* ?1 the prefix (≤ 3 letters of the first word), ?2 the first word when it is longer
 * (else NULL), ?3 and ?4 further words (or NULL) */
#define CANDIDATES \
  " FROM contact_prefix p WHERE p.prefix = ?1" \
  " AND (?2 IS NULL OR EXISTS " TOKEN_MATCHES ("2") ")" \
  " AND (?3 IS NULL OR EXISTS " TOKEN_MATCHES ("3") ")" \
  " AND (?4 IS NULL OR EXISTS " TOKEN_MATCHES ("4") ")"

#define CONTACT_COLUMNS \
  "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name FROM"

#define CONTACT_JOINS \
  " JOIN contact c ON c.id = p.contact" \
  " LEFT JOIN company co ON co.id = c.company AND co.deleted = 0"

/* The page straight from the contact_prefix_page index: rank, then name. */
#define PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, p.rank, p.name" CANDIDATES \
  " ORDER BY p.rank, p.name, p.contact LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.contact"

/* A first word longer than the prefix: whether the surname matches is asked of the
 * whole word, so the candidates are ranked again (fewer: the word is longer). */
#define LONG_PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, p.name, NOT EXISTS (SELECT 1 FROM contact_token t" \
  "   WHERE t.contact = p.contact AND t.position = 0" \
  "   AND t.token >= ?2 AND t.token < ?2 || x'F48FBFBF') AS rank" CANDIDATES \
  " ORDER BY 3, 2, 1 LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.contact"

/* Phone digits have no prefixes: their candidates are the contacts with a token in
 * the range of ?2 (the digits), ranked the way crm_query_contacts() ranks them. */
#define TOKEN_CANDIDATES \
  " FROM (SELECT DISTINCT contact FROM contact_token" \
  "       WHERE token >= ?2 AND token < ?2 || x'F48FBFBF'" \
  "       AND (position = 100 OR length (?2) >= 4)) p" \
  " WHERE (?3 IS NULL OR EXISTS " TOKEN_MATCHES ("3") ")" \
  " AND (?4 IS NULL OR EXISTS " TOKEN_MATCHES ("4") ")"

#define TOKEN_PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, n.name, NOT EXISTS (SELECT 1 FROM contact_token t" \
  "   WHERE t.contact = p.contact AND t.position = 0" \
  "   AND t.token >= ?2 AND t.token < ?2 || x'F48FBFBF') AS rank" TOKEN_CANDIDATES_NAMED \
  " ORDER BY 3, 2, 1 LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.contact"

#define TOKEN_CANDIDATES_NAMED \
  " FROM (SELECT DISTINCT contact FROM contact_token" \
  "       WHERE token >= ?2 AND token < ?2 || x'F48FBFBF'" \
  "       AND (position = 100 OR length (?2) >= 4)) p" \
  " JOIN contact n ON n.id = p.contact" \
  " WHERE (?3 IS NULL OR EXISTS " TOKEN_MATCHES ("3") ")" \
  " AND (?4 IS NULL OR EXISTS " TOKEN_MATCHES ("4") ")"

/* The words of @text as the store indexes them: runs of letters and digits of the
 * folded text (crm-store.c refresh_contact_tokens() splits names the same way). */
static JsonArray *
array_column (sqlite3_stmt *stmt,
              int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  g_autoptr(JsonNode) node = text != NULL && *text != '\0' ? json_from_string (text, NULL)
                                                           : NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_array_ref (json_node_get_array (node));
  return json_array_new ();
}

JsonNode *
crm_query_contact_search (CrmStore    *store,
                          const char  *query,
                          guint        limit,
                          guint        offset,
                          gint64      *out_total,
                          GError     **error)
{
  g_auto(GStrv) words = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(JsonArray) result = NULL;
  const char *long_word = NULL;
  const char *count_sql = "SELECT count (*)" CANDIDATES;
  const char *page_sql = PAGE_SQL;
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* a phone number, or four or more of its digits with the usual separators, is one
   * word: the digits, found among the tails of every number (schema 7) */
  phone = _crm_text_phone_digits (query);
  if (phone != NULL)
    {
      words = g_new0 (char *, 2);
      words[0] = g_steal_pointer (&phone);
    }
  else
    words = _crm_text_fold_words (query != NULL ? query : "");
  /* no words lists everyone */
  if (words[0] == NULL)
    return _crm_query_contacts_scan (store, NULL, NULL, limit, offset, out_total, error);
  if (g_ascii_isdigit (words[0][0]))
    {
      long_word = words[0];
      count_sql = "SELECT count (*)" TOKEN_CANDIDATES;
      page_sql = TOKEN_PAGE_SQL;
    }
  else if (g_utf8_strlen (words[0], -1) > PREFIX_LENGTH)
    {
      prefix = g_utf8_substring (words[0], 0, PREFIX_LENGTH);
      long_word = words[0];
      page_sql = LONG_PAGE_SQL;
    }
  else
    prefix = g_strdup (words[0]);

  if (out_total != NULL)
    {
      stmt = _crm_store_prepare (store, count_sql, error);
      if (stmt == NULL)
        return NULL;
      _crm_sql_bind_text_or_null (stmt, 1, prefix);
      _crm_sql_bind_text_or_null (stmt, 2, long_word);
      _crm_sql_bind_text_or_null (stmt, 3, words[1]);
      _crm_sql_bind_text_or_null (stmt, 4, words[1] != NULL ? words[2] : NULL);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_sql_error (store, error, "counting contacts");
          sqlite3_reset (stmt);
          return NULL;
        }
      *out_total = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  stmt = _crm_store_prepare (store, page_sql, error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, prefix);
  _crm_sql_bind_text_or_null (stmt, 2, long_word);
  _crm_sql_bind_text_or_null (stmt, 3, words[1]);
  _crm_sql_bind_text_or_null (stmt, 4, words[1] != NULL ? words[2] : NULL);
  sqlite3_bind_int64 (stmt, 5, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 6, offset);
  result = json_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *contact = json_object_new ();

      _crm_json_set_text_column (contact, "id", stmt, 0);
      _crm_json_set_text_column (contact, "name", stmt, 1);
      json_object_set_array_member (contact, "phones", array_column (stmt, 2));
      json_object_set_array_member (contact, "emails", array_column (stmt, 3));
      _crm_json_set_text_column (contact, "company", stmt, 5);
      _crm_json_set_text_column (contact, "company_id", stmt, 4);
      json_array_add_object_element (result, contact);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "searching contacts");
      return NULL;
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, g_steal_pointer (&result));
  return node;
}

JsonNode *
crm_query_search (CrmStore    *store,
                  const char  *text,
                  guint        limit,
                  GError     **error)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonObject) totals = json_object_new ();
  g_autoptr(JsonNode) contacts = NULL;
  g_autoptr(JsonArray) deals = NULL;
  g_autoptr(JsonArray) companies = NULL;
  g_autofree char *phone = NULL;
  g_auto(GStrv) words = NULL;
  gint64 n_deals = 0, n_contacts = 0, n_companies = 0;
  CrmCardFilter filter = { 0 };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (limit == 0)
    limit = 20;
  json_object_set_string_member (result, "query", text != NULL ? text : "");
  phone = _crm_text_phone_digits (text);
  words = _crm_text_fold_words (text != NULL ? text : "");
  if (words[0] == NULL)
    {
      /* nothing to look for is no match, not the whole account */
      deals = json_array_new ();
      contacts = json_node_init_array (json_node_alloc (), json_array_new ());
      companies = json_array_new ();
    }
  else
    {
      filter.search = text;
      filter.limit = limit;
      deals = crm_query_deal_cards (store, &filter, &n_deals, error);
      if (deals == NULL)
        return NULL;
      contacts = crm_query_contact_search (store, text, limit, 0, &n_contacts, error);
      if (contacts == NULL)
        return NULL;
      /* digits name no company */
      companies = phone != NULL ? json_array_new ()
                                : crm_query_companies (store, text, limit, 0, &n_companies, error);
      if (companies == NULL)
        return NULL;
    }

  json_object_set_array_member (result, "deals", g_steal_pointer (&deals));
  json_object_set_member (result, "contacts", g_steal_pointer (&contacts));
  json_object_set_array_member (result, "companies", g_steal_pointer (&companies));
  json_object_set_int_member (totals, "deals", n_deals);
  json_object_set_int_member (totals, "contacts", n_contacts);
  json_object_set_int_member (totals, "companies", n_companies);
  json_object_set_object_member (result, "totals", g_steal_pointer (&totals));
  return json_node_init_object (json_node_alloc (), result);
}
