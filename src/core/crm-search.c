/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-search.c — contact search by the first letters on a large account.
 *
 * crm_query_contacts() finds the matching contacts through contact_token and then sorts
 * all of them by name to show the first 50: with 100 000 contacts, «Ива» matches 14 000
 * (Иванов, Иван, Ивановна…) and that costs hundreds of milliseconds. contact_prefix
 * (schema 2; schema 28: only the three-letter prefixes) holds every contact once per
 * first three letters of its words (a shorter word as itself), with its rank (0 when the
 * surname starts so) and name, so the total of a three-letter query is the length of one
 * index range and the first page its first rows. A one- or two-letter query reads the
 * range of the three-letter prefixes that start with it, each contact once at its lowest
 * rank, and sorts them: schema 2 to 27 kept a row for the first one and two letters of
 * every word too, 8.9 of a contact's 12.9 search rows, half of writing a new contact
 * (bench/RESULTS.md). Further words, and a first word longer than three letters, check
 * contact_token for each candidate, in page order. Phone digits are searched in
 * contact_token directly: the digits of each number and (schema 7) their tails of four
 * digits or more, so four consecutive digits anywhere in a number find it. */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include "crm-search.h"
#include "crm-error-private.h"
#include "crm-query-board.h"
#include "crm-query.h"
#include "crm-query-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"
#include "crm-json.h"

#define PREFIX_LENGTH 3

/* Every token that starts with ?N sorts in [?N, ?N || U+10FFFF). */
#define TOKEN_MATCHES(n) \
  "(SELECT 1 FROM contact_token t WHERE t.contact = p.contact" \
  " AND t.token >= ?" n " AND t.token < ?" n " || x'F48FBFBF')"

/* A further word ?N (digits too) of contact p: a name word starting so, or its phone
 * digits (?L, ?G: _crm_search_bind_phone_word()). */
#define WORD_MATCHES(n, l, g) \
  "(EXISTS " TOKEN_MATCHES (n) " OR EXISTS (SELECT 1 FROM contact_phone f" \
  " WHERE f.rowid = p.contact AND " CRM_SEARCH_PHONE_MATCHES ("f", l, g) "))"

/* ?1 the prefix (≤ 3 letters of the first word), ?2 the first word when it is longer
 * (else NULL), ?3 and ?4 further words (or NULL) with their phone patterns ?7–?10;
 * p.contact is the contact's rowid (schema 21) */
#define CANDIDATES_WHERE_PREFIX(prefix_matches) \
  " WHERE " prefix_matches \
  " AND (?2 IS NULL OR EXISTS " TOKEN_MATCHES ("2") ")" \
  " AND (?3 IS NULL OR " WORD_MATCHES ("3", "7", "8") ")" \
  " AND (?4 IS NULL OR " WORD_MATCHES ("4", "9", "10") ")"
#define CANDIDATES_WHERE CANDIDATES_WHERE_PREFIX ("p.prefix = ?1")
#define CANDIDATES " FROM contact_prefix p" CANDIDATES_WHERE
/* the same with the contact's id (k.id), which orders contacts of the same name */
#define CANDIDATES_WITH_ID \
  " FROM contact_prefix p JOIN contact k ON k.rowid = p.contact" CANDIDATES_WHERE

#define CONTACT_COLUMNS \
  "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name FROM"

#define CONTACT_JOINS \
  " JOIN contact c ON c.rowid = p.contact" \
  " LEFT JOIN company co ON co.id = c.company AND co.deleted = 0"

/* The page in the contact_prefix_page index's order: rank, then name (then the id,
 * among the few of the same name). */
#define PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, p.rank, p.name, k.id" CANDIDATES_WITH_ID \
  " ORDER BY p.rank, p.name, k.id LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.id"

/* A first word of one or two letters (schema 28): the three-letter prefixes (and shorter
 * words) that start with it, each contact once at its lowest rank, in the same order.
 * The contacts are grouped before their ids are looked up (one look-up a contact, not a
 * row, and narrower rows to sort: a third of the time on the generated account). */
#define SHORT_MATCHES "p.prefix >= ?1 AND p.prefix < ?1 || x'F48FBFBF'"
#define SHORT_COUNT_SQL \
  "SELECT count (DISTINCT p.contact) FROM contact_prefix p" \
  CANDIDATES_WHERE_PREFIX (SHORT_MATCHES)
#define SHORT_PAGE_SQL \
  CONTACT_COLUMNS " (SELECT g.contact, g.rank, g.name, k.id FROM" \
  " (SELECT p.contact, min (p.rank) AS rank, p.name FROM contact_prefix p" \
  CANDIDATES_WHERE_PREFIX (SHORT_MATCHES) " GROUP BY p.contact) g" \
  " JOIN contact k ON k.rowid = g.contact" \
  " ORDER BY 2, 3, 4 LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.id"

/* A first word longer than the prefix: whether the surname matches is asked of the
 * whole word, so the candidates are ranked again (fewer: the word is longer). */
#define LONG_PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, p.name, NOT EXISTS (SELECT 1 FROM contact_token t" \
  "   WHERE t.contact = p.contact AND t.position = 0" \
  "   AND t.token >= ?2 AND t.token < ?2 || x'F48FBFBF') AS rank, k.id" CANDIDATES_WITH_ID \
  " ORDER BY 3, 2, 4 LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.id"

/* Phone digits have no prefixes: their candidates are the contacts with a number
 * holding ?2 (the digits; fewer than four: starting with them, ?11 the pattern) and,
 * four or more, a name word starting with them, ranked the way crm_query_contacts()
 * ranks them. */
#define DIGITS_CANDIDATES \
  " FROM (SELECT contact FROM contact_token" \
  "       WHERE length (?2) >= 4 AND token >= ?2 AND token < ?2 || x'F48FBFBF'" \
  "       UNION SELECT rowid FROM contact_phone WHERE digits LIKE ?11) p"
#define TOKEN_CANDIDATES \
  DIGITS_CANDIDATES \
  " WHERE (?3 IS NULL OR " WORD_MATCHES ("3", "7", "8") ")" \
  " AND (?4 IS NULL OR " WORD_MATCHES ("4", "9", "10") ")"

#define TOKEN_PAGE_SQL \
  CONTACT_COLUMNS " (SELECT p.contact, n.name, NOT EXISTS (SELECT 1 FROM contact_token t" \
  "   WHERE t.contact = p.contact AND t.position = 0" \
  "   AND t.token >= ?2 AND t.token < ?2 || x'F48FBFBF') AS rank, n.id" TOKEN_CANDIDATES_NAMED \
  " ORDER BY 3, 2, 4 LIMIT ?5 OFFSET ?6) p" CONTACT_JOINS \
  " ORDER BY p.rank, p.name, p.id"

#define TOKEN_CANDIDATES_NAMED \
  DIGITS_CANDIDATES \
  " JOIN contact n ON n.rowid = p.contact" \
  " WHERE (?3 IS NULL OR " WORD_MATCHES ("3", "7", "8") ")" \
  " AND (?4 IS NULL OR " WORD_MATCHES ("4", "9", "10") ")"

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

/* The patterns that find the digits @word in contact_phone (schema 21) as the tokens of
 * schema 7 did by their first letters: *@like any place in a number (four digits or
 * more) or, fewer, its start; *@glob, fewer than four, any place with enough digits
 * after it (a tail of four or more digits started so). Both NULL when @word is not all
 * digits: no number holds it. */
void
_crm_search_phone_patterns (const char  *word,
                            char       **like,
                            char       **glob)
{
  gsize length = word != NULL ? strlen (word) : 0;
  gboolean digits = length > 0;
  GString *pattern;

  *like = *glob = NULL;
  for (gsize i = 0; i < length; i++)
    digits &= g_ascii_isdigit (word[i]);
  if (!digits)
    return;
  if (length >= CRM_PHONE_DIGITS_MIN)
    {
      *like = g_strdup_printf ("%%%s%%", word);
      return;
    }
  *like = g_strdup_printf ("%% %s%%", word);
  pattern = g_string_new ("*");
  g_string_append (pattern, word);
  for (gsize i = length; i < CRM_PHONE_DIGITS_MIN; i++)
    g_string_append (pattern, "[0-9]");
  g_string_append_c (pattern, '*');
  *glob = g_string_free (pattern, FALSE);
}

void
_crm_search_bind_phone_word (sqlite3_stmt *stmt,
                             int           like,
                             int           glob,
                             const char   *word)
{
  char *like_pattern, *glob_pattern;

  _crm_search_phone_patterns (word, &like_pattern, &glob_pattern);
  sqlite3_bind_text (stmt, like, like_pattern, -1, g_free);
  sqlite3_bind_text (stmt, glob, glob_pattern, -1, g_free);
}

/* The patterns of the further words (?7–?10) and, digits, of the first one (?11: any
 * place in a number, or fewer than four digits: its start). */
static void
bind_phone_words (sqlite3_stmt *stmt,
                  GStrv         words)
{
  _crm_search_bind_phone_word (stmt, 7, 8, words[1]);
  _crm_search_bind_phone_word (stmt, 9, 10, words[1] != NULL ? words[2] : NULL);
  if (g_ascii_isdigit (words[0][0]))
    {
      char *like, *glob;

      _crm_search_phone_patterns (words[0], &like, &glob);
      g_free (glob);
      sqlite3_bind_text (stmt, 11, like, -1, g_free);
    }
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
    {
      prefix = g_strdup (words[0]);
      if (g_utf8_strlen (words[0], -1) < PREFIX_LENGTH)
        {
          count_sql = SHORT_COUNT_SQL;
          page_sql = SHORT_PAGE_SQL;
        }
    }

  if (out_total != NULL)
    {
      stmt = _crm_store_prepare (store, count_sql, error);
      if (stmt == NULL)
        return NULL;
      _crm_sql_bind_text_or_null (stmt, 1, prefix);
      _crm_sql_bind_text_or_null (stmt, 2, long_word);
      _crm_sql_bind_text_or_null (stmt, 3, words[1]);
      _crm_sql_bind_text_or_null (stmt, 4, words[1] != NULL ? words[2] : NULL);
      bind_phone_words (stmt, words);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_read_error (store, error, "counting contacts");
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
  bind_phone_words (stmt, words);
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
      _crm_store_set_read_error (store, error, "searching contacts");
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
/* contact_phone's text of a contact's phones (schema 21): the digits of each number, each
 * after a space (« 79827623041 74951234567»), so that a pattern finds digits anywhere in a
 * number (a trigram index: any three or more) or at its start (after the space); NULL
 * when no number has digits. Schema 7 kept each tail of four digits or more as a token
 * instead: eight rows for a mobile number. */
static char *
contact_phone_digits_of (JsonNode *node)
{
  GString *text;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  text = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *phone = json_array_get_string_element (array, i);
      gsize start = text->len;

      g_string_append_c (text, ' ');
      for (const char *p = phone ? phone : ""; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (text, *p);
      if (text->len == start + 1)
        g_string_truncate (text, start);
    }
  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

/* the same of a contact's phones as stored (JSON) */
static char *
contact_phone_digits (const char *phones)
{
  g_autoptr(JsonNode) node = phones != NULL ? json_from_string (phones, NULL) : NULL;

  return contact_phone_digits_of (node);
}

#define INSERT_TOKEN_HEAD \
  "INSERT OR IGNORE INTO contact_token (token, contact, position) VALUES "
#define INSERT_PREFIX_HEAD \
  "INSERT OR REPLACE INTO contact_prefix (contact, prefix, rank, name) VALUES "
#define INSERT_PHONE_HEAD "INSERT INTO contact_phone (rowid, digits) VALUES "

/* One row of each table; contact is the contact's rowid (schema 21). */
typedef struct {
  const char *token;
  gint64      contact;
  int         position;
} TokenRow;

typedef struct {
  gint64      contact;
  const char *prefix;
  const char *name;
  int         rank;
} PrefixRow;

typedef struct {
  gint64      contact;
  const char *digits;
} PhoneRow;

/* The search rows of some contacts, gathered before they are written (the strings live
 * in @strings). */
typedef struct {
  GStringChunk *strings;
  GArray       *tokens;
  GArray       *prefixes;
  GArray       *phones;
} SearchRows;

static void
search_rows_init (SearchRows *rows,
                  guint       n_contacts)
{
  rows->strings = g_string_chunk_new (64 * 1024);
  rows->tokens = g_array_sized_new (FALSE, FALSE, sizeof (TokenRow), n_contacts * 20);
  rows->prefixes = g_array_sized_new (FALSE, FALSE, sizeof (PrefixRow), n_contacts * 4);
  rows->phones = g_array_sized_new (FALSE, FALSE, sizeof (PhoneRow), n_contacts);
}

static void
search_rows_clear (SearchRows *rows)
{
  g_clear_pointer (&rows->strings, g_string_chunk_free);
  g_clear_pointer (&rows->tokens, g_array_unref);
  g_clear_pointer (&rows->prefixes, g_array_unref);
  g_clear_pointer (&rows->phones, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SearchRows, search_rows_clear)

/* The rows of the live contact with rowid @contact, its name and its phones' @digits
 * (contact_phone_digits()) as stored: each word of its name in contact_token at its place
 * in the name (the surname 0), and in contact_prefix (schema 28) the first three letters
 * of each word (a shorter word whole), with rank 0 when the word is the surname, 1
 * otherwise. A word the name has twice, or a prefix two words share, is gathered twice
 * here and kept once, at its first place and its lowest rank, by search_rows_write(), and
 * no hash table is made and freed for each contact. Written by the store rather than by
 * triggers on contact_token: a trigger program per word cost 70 % of merging new
 * contacts (bench/RESULTS.md). */
static void
search_rows_add (SearchRows *rows,
                 gint64      contact,
                 const char *name,
                 const char *digits)
{
  g_auto(GStrv) words = name != NULL ? _crm_text_fold_words (name) : NULL;
  const char *stored_name = name != NULL ? g_string_chunk_insert (rows->strings, name) : NULL;

  for (int position = 0; words != NULL && words[position] != NULL; position++)
    {
      const char *word = words[position];
      const char *end = word;
      TokenRow token = { g_string_chunk_insert_const (rows->strings, word), contact, position };
      PrefixRow row = { contact, NULL, stored_name, position != 0 ? 1 : 0 };
      char prefix[PREFIX_LENGTH * 6 + 1];   /* three characters of UTF-8 */

      g_array_append_val (rows->tokens, token);
      for (guint length = 0; length < PREFIX_LENGTH && *end != '\0'; length++)
        end = g_utf8_next_char (end);
      memcpy (prefix, word, end - word);
      prefix[end - word] = '\0';
      row.prefix = g_string_chunk_insert_const (rows->strings, prefix);
      g_array_append_val (rows->prefixes, row);
    }
  if (digits != NULL)
    {
      PhoneRow row = { contact, g_string_chunk_insert (rows->strings, digits) };
      g_array_append_val (rows->phones, row);
    }
}

/* After sorting @array by its rows' keys, then by what is kept of equal ones (first): one
 * row of each key. */
static void
drop_repeated_keys (GArray       *array,
                    GCompareFunc  compare_keys)
{
  guint size = g_array_get_element_size (array);
  guint kept = 0;

  for (guint i = 0; i < array->len; i++)
    if (kept == 0 || compare_keys (array->data + (kept - 1) * size, array->data + i * size) != 0)
      {
        if (kept != i)
          memcpy (array->data + kept * size, array->data + i * size, size);
        kept++;
      }
  g_array_set_size (array, kept);
}

/* contact_token's key order, (token, contact), as SQLite compares text (bytes) */
static int
compare_token_keys (gconstpointer a,
                    gconstpointer b)
{
  const TokenRow *x = a, *y = b;
  int order = strcmp (x->token, y->token);

  return order != 0 ? order : (x->contact > y->contact) - (x->contact < y->contact);
}

/* …and of a word a name has twice, its first place first */
static int
compare_token_rows (gconstpointer a,
                    gconstpointer b)
{
  const TokenRow *x = a, *y = b;
  int order = compare_token_keys (a, b);

  return order != 0 ? order : x->position - y->position;
}

/* contact_prefix's key order, (contact, prefix) */
static int
compare_prefix_keys (gconstpointer a,
                     gconstpointer b)
{
  const PrefixRow *x = a, *y = b;

  if (x->contact != y->contact)
    return x->contact < y->contact ? -1 : 1;
  return strcmp (x->prefix, y->prefix);
}

/* …and of a prefix two words share, the lowest rank first */
static int
compare_prefix_rows (gconstpointer a,
                     gconstpointer b)
{
  const PrefixRow *x = a, *y = b;
  int order = compare_prefix_keys (a, b);

  return order != 0 ? order : x->rank - y->rank;
}

static void
bind_token_row (sqlite3_stmt  *stmt,
                int            first,
                gconstpointer  data)
{
  const TokenRow *row = data;

  sqlite3_bind_text (stmt, first, row->token, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, first + 1, row->contact);
  sqlite3_bind_int (stmt, first + 2, row->position);
}

/* contact_phone's key order, its rowid */
static int
compare_phone_rows (gconstpointer a,
                    gconstpointer b)
{
  const PhoneRow *x = a, *y = b;

  return (x->contact > y->contact) - (x->contact < y->contact);
}

static void
bind_phone_row (sqlite3_stmt  *stmt,
                int            first,
                gconstpointer  data)
{
  const PhoneRow *row = data;

  sqlite3_bind_int64 (stmt, first, row->contact);
  sqlite3_bind_text (stmt, first + 1, row->digits, -1, SQLITE_STATIC);
}

static void
bind_prefix_row (sqlite3_stmt  *stmt,
                 int            first,
                 gconstpointer  data)
{
  const PrefixRow *row = data;

  sqlite3_bind_int64 (stmt, first, row->contact);
  sqlite3_bind_text (stmt, first + 1, row->prefix, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, first + 2, row->rank);
  if (row->name != NULL)
    sqlite3_bind_text (stmt, first + 3, row->name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, first + 3);
}

#define SEARCH_WHAT "updating the contact search"

/* A failed statement of @db: through the store when there is one (a migration runs
 * before the store is open). */
static void
set_search_error (sqlite3     *db,
                  CrmStore    *store,
                  GError     **error)
{
  if (store != NULL)
    _crm_store_set_sql_error (store, error, SEARCH_WHAT);
  else
    _crm_sqlite_set_error (error, db, sqlite3_extended_errcode (db), NULL, SEARCH_WHAT);
}

/* A statement for @sql: the store's cached one, or (@store NULL) one of @db's own, which
 * the caller finalizes. */
static sqlite3_stmt *
search_prepare (sqlite3     *db,
                CrmStore    *store,
                const char  *sql,
                GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (store != NULL)
    return _crm_store_prepare (store, sql, error);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_search_error (db, NULL, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

static gboolean
search_step_done (sqlite3       *db,
                  CrmStore      *store,
                  sqlite3_stmt  *stmt,
                  GError       **error)
{
  int rc;

  if (store != NULL)
    return _crm_sql_step_done (store, stmt, SEARCH_WHAT, error);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      set_search_error (db, NULL, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Rows a statement of the bulk write inserts: 100 rows of 3 or 4 values are far below
 * SQLite's 32 766 parameters, and one statement per 100 rows instead of per row. */
#define BULK_ROWS 100

/* Inserts @rows (sorted by the table's key) with "@head (…),(…)…", @row_values a row's
 * @n_values parameters, @bind binding a row's values from the @first: 100 rows a
 * statement, the rest one by one. */
static gboolean
insert_rows (sqlite3      *db,
             CrmStore     *store,
             const char   *head,
             const char   *row_values,
             int           n_values,
             GArray       *rows,
             void        (*bind) (sqlite3_stmt *, int, gconstpointer),
             GError      **error)
{
  sqlite3_stmt *statements[2] = { NULL, NULL };   /* one row, BULK_ROWS rows */
  guint size = g_array_get_element_size (rows);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < rows->len; )
    {
      gboolean bulk = rows->len - i >= BULK_ROWS;
      guint n = bulk ? BULK_ROWS : 1;

      if (statements[bulk] == NULL)
        {
          g_autoptr(GString) sql = g_string_new (head);

          for (guint r = 0; r < n; r++)
            {
              if (r > 0)
                g_string_append_c (sql, ',');
              g_string_append (sql, row_values);
            }
          statements[bulk] = search_prepare (db, store, sql->str, error);
          if (statements[bulk] == NULL)
            {
              ok = FALSE;
              break;
            }
        }
      /* the strings outlive the statement's step (SQLite need not copy them), and it
       * lets go of them after it */
      for (guint r = 0; r < n; r++, i++)
        bind (statements[bulk], n_values * (int) r + 1, rows->data + (gsize) i * size);
      ok = search_step_done (db, store, statements[bulk], error);
      sqlite3_clear_bindings (statements[bulk]);
    }
  if (store == NULL)
    for (guint s = 0; s < G_N_ELEMENTS (statements); s++)
      sqlite3_finalize (statements[s]);
  return ok;
}

/* The rows gathered, in the order of each table's key rather than contact by contact —
 * so the B-tree inserts go from one page to the next instead of to a random place each
 * (19 rows a contact with two phones). */
static gboolean
search_rows_write (sqlite3     *db,
                   CrmStore    *store,
                   SearchRows  *rows,
                   GError     **error)
{
  g_array_sort (rows->tokens, compare_token_rows);
  drop_repeated_keys (rows->tokens, compare_token_keys);
  g_array_sort (rows->prefixes, compare_prefix_rows);
  drop_repeated_keys (rows->prefixes, compare_prefix_keys);
  g_array_sort (rows->phones, compare_phone_rows);
  return insert_rows (db, store, INSERT_TOKEN_HEAD, "(?,?,?)", 3, rows->tokens,
                      bind_token_row, error) &&
         insert_rows (db, store, INSERT_PREFIX_HEAD, "(?,?,?,?)", 4, rows->prefixes,
                      bind_prefix_row, error) &&
         insert_rows (db, store, INSERT_PHONE_HEAD, "(?,?)", 2, rows->phones,
                      bind_phone_row, error);
}

/* A contact's rowid (0: no such row), and its name and phones when it is live. */
static gboolean
read_contact (CrmStore    *self,
              const char  *contact_id,
              gint64      *out_rowid,
              gboolean    *out_live,
              char       **out_name,
              char       **out_phones,
              GError     **error)
{
  sqlite3_stmt *stmt;

  *out_rowid = 0;
  *out_live = FALSE;
  *out_name = *out_phones = NULL;
  stmt = _crm_store_prepare (self, "SELECT rowid, name, phones, deleted FROM contact WHERE id = ?1",
                             error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, contact_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW)
    {
      *out_rowid = sqlite3_column_int64 (stmt, 0);
      if (sqlite3_column_int (stmt, 3) == 0)
        {
          *out_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
          *out_phones = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
          *out_live = TRUE;
        }
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Rebuild the derived search words of a contact (name words and phone digits) and their
 * prefixes; a contact the op just created has none to remove. */
gboolean
_crm_store_refresh_contact_tokens (CrmStore    *self,
                                   const char  *contact_id,
                                   gboolean     created,
                                   GError     **error)
{
  sqlite3 *db = _crm_store_get_db (self);
  g_auto(SearchRows) rows = { 0 };
  g_autofree char *name = NULL;
  g_autofree char *phones = NULL;
  g_autofree char *digits = NULL;
  gint64 rowid;
  gboolean live;

  if (!read_contact (self, contact_id, &rowid, &live, &name, &phones, error))
    return FALSE;
  if (!created && rowid != 0)
    {
      static const char *const removals[] = {
        "DELETE FROM contact_token WHERE contact = ?1",
        "DELETE FROM contact_prefix WHERE contact = ?1",
        "DELETE FROM contact_phone WHERE rowid = ?1",
      };

      for (guint i = 0; i < G_N_ELEMENTS (removals); i++)
        {
          sqlite3_stmt *stmt = _crm_store_prepare (self, removals[i], error);

          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, rowid);
          if (!_crm_sql_step_done (self, stmt, SEARCH_WHAT, error))
            return FALSE;
        }
    }
  if (!live)
    return TRUE;

  search_rows_init (&rows, 1);
  digits = contact_phone_digits (phones);
  search_rows_add (&rows, rowid, name, digits);
  return search_rows_write (db, self, &rows, error);
}

CrmBulkContact *
_crm_bulk_contact_new (const CrmOp *op)
{
  CrmBulkContact *contact = g_new0 (CrmBulkContact, 1);
  JsonNode *phones = json_object_get_member (op->fields, "phones");

  contact->id = g_strdup (op->entity_id);
  contact->name = g_strdup (crm_json_node_string (json_object_get_member (op->fields, "name")));
  contact->phones = phones != NULL ? json_node_ref (phones) : NULL;
  return contact;
}

void
_crm_bulk_contact_free (CrmBulkContact *contact)
{
  g_free (contact->id);
  g_free (contact->name);
  g_clear_pointer (&contact->phones, json_node_unref);
  g_free (contact);
}

/* The search rows of @contacts, which a bulk apply created without them: the same rows
 * _crm_store_refresh_contact_tokens() writes for each, from their ops' name and phones (the
 * very values their new rows hold: json_from_string() of 100 000 contacts' phones was a
 * twelfth of their search rows), written set by set. */
gboolean
_crm_store_write_contact_tokens_bulk (CrmStore   *self,
                                      GPtrArray  *contacts,
                                      GError    **error)
{
  g_auto(SearchRows) rows = { 0 };

  search_rows_init (&rows, contacts->len);
  for (guint i = 0; i < contacts->len; i++)
    {
      const CrmBulkContact *contact = contacts->pdata[i];
      sqlite3_stmt *stmt = _crm_store_prepare (self, "SELECT rowid, deleted FROM contact WHERE id = ?1",
                                               error);
      gint64 rowid = 0;
      gboolean live = FALSE;

      if (stmt == NULL)
        return FALSE;
      if (contact->rewritten)
        {
          /* written again after its op created it: what its row holds now */
          g_autofree char *name = NULL;
          g_autofree char *phones = NULL;

          if (!read_contact (self, contact->id, &rowid, &live, &name, &phones, error))
            return FALSE;
          if (live)
            {
              g_autofree char *digits = contact_phone_digits (phones);

              search_rows_add (&rows, rowid, name, digits);
            }
          continue;
        }
      _crm_sql_bind_text_or_null (stmt, 1, contact->id);
      if (_crm_store_step (self, stmt) == SQLITE_ROW)
        {
          rowid = sqlite3_column_int64 (stmt, 0);
          live = sqlite3_column_int (stmt, 1) == 0;
        }
      sqlite3_reset (stmt);
      if (live)
        {
          g_autofree char *digits = contact_phone_digits_of (contact->phones);

          search_rows_add (&rows, rowid, contact->name, digits);
        }
    }
  return search_rows_write (_crm_store_get_db (self), self, &rows, error);
}

/* The secondary indexes of the search tables, as schema 21 (migrate_to_21) made them. */
static const struct {
  const char *name;
  const char *sql;
} search_indexes[] = {
  { "contact_prefix_page",
    "CREATE INDEX IF NOT EXISTS contact_prefix_page ON contact_prefix (prefix, rank, name, contact)" },
  { "contact_token_contact",
    "CREATE INDEX IF NOT EXISTS contact_token_contact ON contact_token (contact)" },
};

gboolean
_crm_search_drop_indexes (CrmStore  *store,
                          guint      n_new,
                          gint64     n_before,
                          gboolean  *out_dropped,
                          GError   **error)
{
  *out_dropped = FALSE;
  /* fewer new contacts than the others: inserting into the indexes as they are costs less
   * than sorting them whole */
  if (n_before < 0 || (gint64) n_new < n_before)
    return TRUE;
  /* DROP INDEX changes the schema without expiring the statements prepared before it
   * (CREATE INDEX expires them all): the store's ROLLBACK still needs no memory, and
   * undoes the drop with the rest */
  for (guint i = 0; i < G_N_ELEMENTS (search_indexes); i++)
    {
      g_autofree char *sql = g_strconcat ("DROP INDEX IF EXISTS ", search_indexes[i].name, NULL);

      if (!_crm_sql_exec (store, sql, SEARCH_WHAT, error))
        return FALSE;
      *out_dropped = TRUE;
    }
  return TRUE;
}

gboolean
_crm_search_build_indexes (sqlite3          *db,
                           CrmBulkProgress   progress,
                           gpointer          progress_data,
                           GError          **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (search_indexes); i++)
    {
      sqlite3_stmt *stmt = NULL;
      int rc = sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_schema WHERE type = 'index'"
                                   " AND name = ?1", -1, &stmt, NULL);

      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, search_indexes[i].name, -1, SQLITE_STATIC);
          rc = sqlite3_step (stmt);
        }
      sqlite3_finalize (stmt);
      if (rc == SQLITE_DONE)
        rc = sqlite3_exec (db, search_indexes[i].sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_ROW)
        {
          _crm_sqlite_set_error (error, db, sqlite3_extended_errcode (db), NULL,
                                 "building the contact search indexes");
          return FALSE;
        }
      if (progress != NULL)
        progress (i + 1, G_N_ELEMENTS (search_indexes), progress_data);
    }
  return TRUE;
}

/* Both search tables anew from every live contact of @db (schema 21's migration, with
 * @store NULL; a snapshot of an older schema copied row by row). */
gboolean
_crm_search_rebuild (sqlite3   *db,
                     CrmStore  *store,
                     GError   **error)
{
  g_auto(SearchRows) rows = { 0 };
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_exec (db, "DELETE FROM contact_token; DELETE FROM contact_prefix;"
                    " DELETE FROM contact_phone",
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      set_search_error (db, store, error);
      return FALSE;
    }
  if (sqlite3_prepare_v2 (db, "SELECT rowid, name, phones FROM contact WHERE deleted = 0",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_search_error (db, store, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  search_rows_init (&rows, 1024);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *digits = contact_phone_digits ((const char *) sqlite3_column_text (stmt, 2));

      search_rows_add (&rows, sqlite3_column_int64 (stmt, 0),
                       (const char *) sqlite3_column_text (stmt, 1), digits);
    }
  if (rc != SQLITE_DONE)
    {
      set_search_error (db, store, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return search_rows_write (db, store, &rows, error);
}

/* contact_prefix anew from contact_token (schema 28's migration, and a snapshot of schema
 * 21 to 27 copied row by row): a word's first three letters, or the word, at the lowest
 * rank of the words that start so — what search_rows_add() makes of the same names, as
 * SQLite's substr() counts characters. Inserted in the table's key order. */
gboolean
_crm_search_rebuild_prefixes (sqlite3   *db,
                              CrmStore  *store,
                              GError   **error)
{
  if (sqlite3_exec (db,
        "DELETE FROM contact_prefix;"
        " INSERT INTO contact_prefix (contact, prefix, rank, name)"
        "  SELECT t.contact, substr (t.token, 1, " G_STRINGIFY (PREFIX_LENGTH) "),"
        "   min (t.position != 0), c.name"
        "  FROM contact_token t JOIN contact c ON c.rowid = t.contact AND c.deleted = 0"
        "  GROUP BY 1, 2 ORDER BY 1, 2",
        NULL, NULL, NULL) != SQLITE_OK)
    {
      set_search_error (db, store, error);
      return FALSE;
    }
  return TRUE;
}
