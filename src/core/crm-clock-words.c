/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-clock-words.c — how a row's field clocks are stored.
 *
 * A field's clock is "hlc16hex device"; (hlc, device) order decides. In memory a row's
 * clocks are a map field → clock. Most fields of a row were written by one op (the row's
 * creation writes every field with one clock, later edits a few), so on disk the fields
 * are grouped by clock. Since schema 26 a group is written "hlc16hex D F": D the number
 * of the clock's device in the table clock_word, F the number of the group's field list
 * (its JSON array, fields sorted) there; groups are joined by ";". A row of the large
 * account kept ≈ 150 bytes of clocks as JSON (the device id and every field name), now
 * ≈ 20 (bench/RESULTS.md). The two JSON forms of older schemas, grouped {clock: [fields]}
 * and one clock per field, are still read; a row is written in the compact form when it
 * next changes, and schema 26 rewrote every row.
 *
 * The numbers are this file's own: they never leave it (a dump, the protocol and the
 * conflict records carry the clocks' text), and a word once written is never removed or
 * renumbered (VACUUM keeps an INTEGER PRIMARY KEY). What a connection remembers of the
 * table is what it read or wrote there that has been committed: a word added inside a
 * transaction that is rolled back (or rolled back to a savepoint) is gone, and its number
 * may be given to another word. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <string.h>

#include "crm-clock-words-private.h"
#include "crm-error-private.h"

typedef struct {
  gint64  n;
  char   *word;
  char  **fields;   /* a field list's fields, parsed when first needed */
  gboolean parsed;
} Word;

struct _CrmClockWords
{
  sqlite3      *db;
  char         *schema;
  gboolean      own_transaction;
  GHashTable   *by_n;       /* &Word.n → Word (owned) */
  GHashTable   *by_word;    /* Word.word → Word */
  GHashTable   *own;        /* numbers this connection added since its last commit */
  sqlite3_stmt *select_n;
  sqlite3_stmt *select_word;
  sqlite3_stmt *insert;
};

static void
word_free (Word *word)
{
  g_free (word->word);
  g_strfreev (word->fields);
  g_free (word);
}

CrmClockWords *
_crm_clock_words_new (sqlite3    *db,
                      const char *schema,
                      gboolean    own_transaction)
{
  CrmClockWords *words = g_new0 (CrmClockWords, 1);

  words->db = db;
  words->schema = g_strdup (schema);
  words->own_transaction = own_transaction;
  words->by_n = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) word_free);
  words->by_word = g_hash_table_new (g_str_hash, g_str_equal);
  words->own = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return words;
}

void
_crm_clock_words_free (CrmClockWords *words)
{
  if (words == NULL)
    return;
  sqlite3_finalize (words->select_n);
  sqlite3_finalize (words->select_word);
  sqlite3_finalize (words->insert);
  g_hash_table_unref (words->by_word);
  g_hash_table_unref (words->by_n);
  g_hash_table_unref (words->own);
  g_free (words->schema);
  g_free (words);
}

void
_crm_clock_words_committed (CrmClockWords *words)
{
  if (words != NULL && g_hash_table_size (words->own) > 0)
    g_hash_table_remove_all (words->own);
}

/* (everything is forgotten: a commit that failed after the commit hook ran may have
 * been rolled back by SQLite with words the connection then read) */
void
_crm_clock_words_rolled_back (CrmClockWords *words)
{
  _crm_clock_words_forget (words);
}

void
_crm_clock_words_forget (CrmClockWords *words)
{
  if (words == NULL)
    return;
  g_hash_table_remove_all (words->by_word);
  g_hash_table_remove_all (words->by_n);
  g_hash_table_remove_all (words->own);
  /* (the statements name the table, not its pages: they stay) */
}

static sqlite3_stmt *
statement (CrmClockWords  *words,
           sqlite3_stmt  **slot,
           const char     *format)
{
  if (*slot == NULL)
    {
      g_autofree char *sql = g_strdup_printf (format, words->schema);

      /* (a failure is the connection's last error, which the caller words) */
      if (sqlite3_prepare_v2 (words->db, sql, -1, slot, NULL) != SQLITE_OK)
        {
          sqlite3_finalize (*slot);
          *slot = NULL;
        }
    }
  return *slot;
}

/* Remembers @n = @word when it is committed (or the caller owns the transaction). */
static Word *
remember (CrmClockWords *words,
          gint64         n,
          const char    *text)
{
  Word *word = g_hash_table_lookup (words->by_n, &n);

  if (!words->own_transaction && g_hash_table_contains (words->own, &n))
    return NULL;
  if (word != NULL && g_str_equal (word->word, text))
    return word;
  /* (a number taken again after a rollback: its old word goes first) */
  if (word != NULL && g_hash_table_lookup (words->by_word, word->word) == word)
    g_hash_table_remove (words->by_word, word->word);
  word = g_new0 (Word, 1);
  word->n = n;
  word->word = g_strdup (text);
  g_hash_table_replace (words->by_n, &word->n, word);
  g_hash_table_replace (words->by_word, word->word, word);
  return word;
}

/* The number of @text, added to the table when it is not there; 0 when SQLite failed. */
static gint64
word_number (CrmClockWords *words,
             const char    *text)
{
  Word *word = g_hash_table_lookup (words->by_word, text);
  sqlite3_stmt *stmt;
  gint64 n = 0;
  int rc;

  if (word != NULL)
    return word->n;
  stmt = statement (words, &words->select_n,
                    "SELECT n FROM \"%s\".clock_word WHERE word = ?1");
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_ROW)
    {
      remember (words, n, text);
      return n;
    }
  if (rc != SQLITE_DONE)
    return 0;

  stmt = statement (words, &words->insert,
                    "INSERT INTO \"%s\".clock_word (word) VALUES (?1)");
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    n = sqlite3_last_insert_rowid (words->db);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return 0;
  if (words->own_transaction)
    remember (words, n, text);
  else
    g_hash_table_add (words->own, g_memdup2 (&n, sizeof n));
  return n;
}

gint64
_crm_clock_words_number (CrmClockWords *words,
                         const char    *word)
{
  return word_number (words, word);
}

/* The word numbered @n (NULL when there is none or SQLite failed); *@out_transient holds
 * it when it may not be remembered (free it). */
static Word *
word_of (CrmClockWords  *words,
         gint64          n,
         Word          **out_transient)
{
  Word *word = g_hash_table_lookup (words->by_n, &n);
  sqlite3_stmt *stmt;
  int rc;

  *out_transient = NULL;
  if (word != NULL)
    return word;
  stmt = statement (words, &words->select_word,
                    "SELECT word FROM \"%s\".clock_word WHERE n = ?1");
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, n);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    g_warning ("A row's field clocks name word %" G_GINT64_FORMAT ", which the replica does "
               "not hold", n);
  if (rc == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);

      word = remember (words, n, text);
      if (word == NULL)
        {
          word = *out_transient = g_new0 (Word, 1);
          word->n = n;
          word->word = g_strdup (text);
        }
    }
  sqlite3_reset (stmt);
  return word;
}

static char **
word_fields (Word *word)
{
  if (!word->parsed)
    {
      g_autoptr(JsonNode) node = json_from_string (word->word, NULL);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();

      word->parsed = TRUE;
      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              const char *field = json_array_get_string_element (array, i);

              if (field != NULL)
                g_ptr_array_add (fields, g_strdup (field));
            }
        }
      g_ptr_array_add (fields, NULL);
      word->fields = (char **) g_ptr_array_free (g_steal_pointer (&fields), FALSE);
    }
  return word->fields;
}

/* --- decoding --------------------------------------------------------------------------- */

static void
decode_json (JsonObject *clocks,
             const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *stored;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  stored = json_node_get_object (node);
  members = json_object_get_members (stored);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (stored, l->data);

      if (JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *fields = json_node_get_array (value);

          for (guint i = 0; i < json_array_get_length (fields); i++)
            {
              const char *field = json_array_get_string_element (fields, i);

              if (field != NULL)
                json_object_set_string_member (clocks, field, l->data);
            }
        }
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        json_object_set_string_member (clocks, l->data, json_node_get_string (value));
    }
}

/* One group "hlc16hex D F" of the compact form; FALSE when it is not one. */
static gboolean
decode_group (CrmClockWords *words,
              JsonObject    *clocks,
              const char    *group,
              gsize          length)
{
  g_autofree char *text = g_strndup (group, length);
  char *end = NULL;
  gint64 device_n, fields_n;
  Word *device, *fields;
  Word *device_transient = NULL, *fields_transient = NULL;
  g_autofree char *clock = NULL;
  char **names;

  device_n = length >= 20 && text[16] == ' ' ? g_ascii_strtoll (text + 17, &end, 10) : 0;
  fields_n = end != NULL && *end == ' ' ? g_ascii_strtoll (end + 1, &end, 10) : 0;
  if (device_n <= 0 || fields_n <= 0 || end == NULL || *end != '\0')
    {
      g_warning ("A row's field clocks are not in a form this version reads: %s", text);
      return FALSE;
    }
  device = word_of (words, device_n, &device_transient);
  fields = device != NULL ? word_of (words, fields_n, &fields_transient) : NULL;
  if (device == NULL || fields == NULL)
    {
      g_clear_pointer (&device_transient, word_free);
      return FALSE;
    }
  text[16] = '\0';
  clock = g_strconcat (text, " ", device->word, NULL);
  names = word_fields (fields);
  for (guint i = 0; names[i] != NULL; i++)
    json_object_set_string_member (clocks, names[i], clock);
  g_clear_pointer (&device_transient, word_free);
  g_clear_pointer (&fields_transient, word_free);
  return TRUE;
}

JsonObject *
_crm_clocks_decode (CrmClockWords *words,
                    const char    *text)
{
  g_autoptr(JsonObject) clocks = json_object_new ();

  if (text == NULL || *text == '\0')
    return g_steal_pointer (&clocks);
  if (*text == '{')
    {
      decode_json (clocks, text);
      return g_steal_pointer (&clocks);
    }
  for (const char *group = text; *group != '\0';)
    {
      const char *end = strchr (group, ';');
      gsize length = end != NULL ? (gsize) (end - group) : strlen (group);

      if (words == NULL || !decode_group (words, clocks, group, length))
        return NULL;
      group += length;
      if (*group == ';')
        group++;
    }
  return g_steal_pointer (&clocks);
}

/* --- encoding --------------------------------------------------------------------------- */

typedef struct {
  const char *clock;
  const char *field;
} ClockField;

static int
compare_clock_fields (gconstpointer a,
                      gconstpointer b)
{
  const ClockField *x = a, *y = b;
  int order = strcmp (x->clock, y->clock);

  return order != 0 ? order : strcmp (x->field, y->field);
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The grouped JSON form, canonical: clocks sorted, each clock's fields sorted. */
static char *
encode_json (GArray *pairs)
{
  GString *out = g_string_sized_new (128);

  g_string_append_c (out, '{');
  for (guint i = 0; i < pairs->len; i++)
    {
      const ClockField *pair = &g_array_index (pairs, ClockField, i);
      gboolean first_of_clock = i == 0 ||
        strcmp (g_array_index (pairs, ClockField, i - 1).clock, pair->clock) != 0;

      if (first_of_clock)
        {
          if (i > 0)
            g_string_append (out, "],");
          append_json_string (out, pair->clock);
          g_string_append (out, ":[");
        }
      else
        g_string_append_c (out, ',');
      append_json_string (out, pair->field);
    }
  if (pairs->len > 0)
    g_string_append_c (out, ']');
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* "hlc16hex device": sixteen lower-case hex digits, a space, a device without spaces. */
static gboolean
usual_clock (const char *clock)
{
  for (guint i = 0; i < 16; i++)
    if (!g_ascii_isdigit (clock[i]) && !(clock[i] >= 'a' && clock[i] <= 'f'))
      return FALSE;
  return clock[16] == ' ' && clock[17] != '\0' && strchr (clock + 17, ' ') == NULL &&
         strchr (clock + 17, ';') == NULL;
}

static char *
encode_compact (CrmClockWords *words,
                GArray        *pairs,
                gboolean      *out_failed)
{
  g_autoptr(GString) out = g_string_sized_new (32);
  g_autoptr(GString) list = g_string_sized_new (128);

  for (guint i = 0; i < pairs->len;)
    {
      const char *clock = g_array_index (pairs, ClockField, i).clock;
      gint64 device_n, fields_n;
      guint j;

      if (!usual_clock (clock))
        return NULL;
      g_string_assign (list, "[");
      for (j = i; j < pairs->len && strcmp (g_array_index (pairs, ClockField, j).clock, clock) == 0; j++)
        {
          if (j > i)
            g_string_append_c (list, ',');
          append_json_string (list, g_array_index (pairs, ClockField, j).field);
        }
      g_string_append_c (list, ']');
      device_n = word_number (words, clock + 17);
      fields_n = device_n != 0 ? word_number (words, list->str) : 0;
      if (device_n == 0 || fields_n == 0)
        {
          *out_failed = TRUE;
          return NULL;
        }
      if (out->len > 0)
        g_string_append_c (out, ';');
      g_string_append_len (out, clock, 16);
      g_string_append_printf (out, " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, device_n, fields_n);
      i = j;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
encode_pairs (CrmClockWords *words,
              GArray        *pairs)
{
  char *compact;
  gboolean failed = FALSE;

  g_array_sort (pairs, compare_clock_fields);
  if (words != NULL && pairs->len > 0 &&
      (compact = encode_compact (words, pairs, &failed)) != NULL)
    return compact;
  return failed ? NULL : encode_json (pairs);
}

char *
_crm_clocks_encode (CrmClockWords *words,
                    JsonObject    *clocks)
{
  g_autoptr(GList) members = json_object_get_members (clocks);
  g_autoptr(GArray) pairs = g_array_sized_new (FALSE, FALSE, sizeof (ClockField), 16);

  for (GList *l = members; l != NULL; l = l->next)
    {
      ClockField pair = {
        json_object_get_string_member_with_default (clocks, l->data, NULL), l->data
      };

      if (pair.clock != NULL)
        g_array_append_val (pairs, pair);
    }
  return encode_pairs (words, pairs);
}

char *
_crm_clocks_encode_fields (CrmClockWords *words,
                           const char    *clock,
                           GPtrArray     *fields)
{
  g_autoptr(GArray) pairs = g_array_sized_new (FALSE, FALSE, sizeof (ClockField), fields->len);

  for (guint i = 0; i < fields->len; i++)
    {
      ClockField pair = { clock, fields->pdata[i] };

      g_array_append_val (pairs, pair);
    }
  return encode_pairs (words, pairs);
}

/* --- rewriting a table ------------------------------------------------------------------ */

/* The rows of @table from the one after @after_rowid: their field clocks read with
 * @from and written with @to; *@out_last the last rowid read (0: none was left). */
static gboolean
rewrite_batch (sqlite3        *db,
               const char     *table,
               CrmClockWords  *from,
               CrmClockWords  *to,
               gint64          after_rowid,
               gint64         *out_last,
               const char     *what,
               GError        **error)
{
  g_autofree char *select_sql = g_strdup_printf (
    "SELECT rowid, clocks FROM \"%s\" WHERE rowid > ?1 ORDER BY rowid LIMIT 500", table);
  g_autofree char *update_sql = g_strdup_printf (
    "UPDATE \"%s\" SET clocks = ?1 WHERE rowid = ?2", table);
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out_last = 0;
  rc = sqlite3_prepare_v2 (db, select_sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 1, after_rowid);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 rowid = sqlite3_column_int64 (stmt, 0);

          g_array_append_val (rowids, rowid);
          g_ptr_array_add (texts, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
        }
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (rc != SQLITE_DONE)
    {
      _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, what);
      return FALSE;
    }
  if (rowids->len == 0)
    return TRUE;
  if (sqlite3_prepare_v2 (db, update_sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, what);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  for (guint i = 0; i < rowids->len; i++)
    {
      g_autoptr(JsonObject) clocks = _crm_clocks_decode (from, texts->pdata[i]);
      g_autofree char *text = clocks != NULL ? _crm_clocks_encode (to, clocks) : NULL;

      if (text == NULL)
        {
          _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, what);
          sqlite3_finalize (stmt);
          return FALSE;
        }
      if (g_str_equal (text, texts->pdata[i]))
        continue;
      sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, g_array_index (rowids, gint64, i));
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _crm_sqlite_set_error (error, db, sqlite3_errcode (db), NULL, what);
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);
  *out_last = g_array_index (rowids, gint64, rowids->len - 1);
  return TRUE;
}

gboolean
_crm_clocks_rewrite_table (sqlite3        *db,
                           const char     *table,
                           CrmClockWords  *from,
                           CrmClockWords  *to,
                           const char     *what,
                           GError        **error)
{
  gint64 last = 0;

  do
    if (!rewrite_batch (db, table, from, to, last, &last, what, error))
      return FALSE;
  while (last != 0);
  return TRUE;
}
