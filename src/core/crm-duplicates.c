/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-duplicates.c — likely duplicates among contacts and companies (S4-6): the scan,
 * the merge into one survivor, and the redirects merged cards leave behind.
 *
 * A merged card is deleted and keeps "merged_into" (the survivor's id) and
 * "merged_seen" (its field clocks when it was merged). The write path calls
 * _crm_duplicates_follow() after any write to such a card: the fields whose clocks are
 * newer than what the merge saw — an edit made elsewhere that the merge did not know —
 * are written to the survivor with a clock one past the newest of them and the merge, so
 * the edit wins over the merge's own values there. The clock is computed from the rows'
 * clocks only: a replica that got the edit first and the merge later writes the same
 * thing as one that got them the other way round. Two merges of the same cards made at
 * once in opposite directions (A into B here, B into A there) make a loop of redirects:
 * the later merge (greater clock) is undone on its card, which comes back as the
 * survivor, and the fields the later merge wrote come back to it as unseen edits. */
#define G_LOG_DOMAIN "voronka-duplicates"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-duplicates.h"
#include "crm-duplicates-private.h"
#include "crm-error-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-merge-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-json.h"

#define MAX_REDIRECT_DEPTH 8

enum {
  REASON_NAME = 1 << 0,
  REASON_PHONE = 1 << 1,
  REASON_EMAIL = 1 << 2,
  REASON_INN = 1 << 3,
};

static gboolean
is_card_entity (const char *entity)
{
  return entity != NULL && (g_str_equal (entity, "contact") || g_str_equal (entity, "company"));
}

static gboolean
check_entity (const char  *entity,
              GError     **error)
{
  if (is_card_entity (entity))
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("Only contacts and companies have duplicates (not “%s”)"),
               entity ? entity : "");
  return FALSE;
}

/* --- the scan ------------------------------------------------------------------------- */

/* A patronymic (Иванович, Петровна, Ильинична, Кузьмич) is not part of the key: «Иванов
 * Иван Петрович» and «Иван Иванов» are one person's surname and name. */
static gboolean
is_patronymic (const char *word)
{
  return g_str_has_suffix (word, "вич") || g_str_has_suffix (word, "вна") ||
         g_str_has_suffix (word, "чна") || g_str_has_suffix (word, "ьич");
}

static gboolean
is_legal_form (const char *word)
{
  static const char *const forms[] = {
    "ооо", "оао", "зао", "пао", "ао", "ип", "нао", "ano", "llc", "ltd", "inc", "тоо",
    "гк", "ук", NULL
  };

  return g_strv_contains (forms, word);
}

static int
compare_words (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The folded words of @text as _crm_text_fold_words() makes them, without its Unicode
 * normalization and case folding when @text is only ASCII and basic Cyrillic (U+0400 to
 * U+045F), where both are a plain lower-casing (and «ё» is «е»): what nearly every name
 * is. NULL for any other text, which the slow way folds. The scan of 100 000 cards
 * folds a name per card. */
static GStrv
fold_words_fast (const char *text)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  char word[256];
  gsize length = 0;
  const char *p = text;

  builder = g_strv_builder_new ();
  while (TRUE)
    {
      guchar c = (guchar) *p;
      gunichar u;
      gboolean word_char;

      if (c < 0x80)
        {
          u = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
          word_char = g_ascii_isalnum (c);
          p++;
        }
      else if ((c & 0xE0) == 0xC0 && ((guchar) p[1] & 0xC0) == 0x80)
        {
          u = ((gunichar) (c & 0x1F) << 6) | ((guchar) p[1] & 0x3F);
          if (u < 0x0400 || u > 0x045F)
            return NULL;
          if (u >= 0x0410 && u <= 0x042F)        /* А–Я */
            u += 0x20;
          else if (u < 0x0410)                   /* Ѐ–Џ */
            u += 0x50;
          if (u == 0x0451)                       /* ё is е */
            u = 0x0435;
          word_char = TRUE;
          p += 2;
        }
      else
        return NULL;

      if (word_char)
        {
          if (length + 2 >= sizeof word)
            return NULL;
          length += g_unichar_to_utf8 (u, word + length);
          continue;
        }
      if (length > 0)
        {
          word[length] = '\0';
          g_strv_builder_add (builder, word);
          length = 0;
        }
      if (u == 0)
        break;
    }
  return g_strv_builder_end (builder);
}

/* The name as a key: its folded words, patronymics and legal forms left out, in
 * alphabetical order (a person's name needs two words); NULL when it makes none. */
static char *
name_key (const char *name,
          gboolean    person)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  GString *key;

  if (name == NULL)
    name = "";
  words = fold_words_fast (name);
  if (words == NULL)
    words = _crm_text_fold_words (name);
  for (guint i = 0; words[i] != NULL; i++)
    if (person ? !is_patronymic (words[i]) : !is_legal_form (words[i]))
      g_ptr_array_add (kept, words[i]);
  if (kept->len < (person ? 2u : 1u))
    return NULL;
  g_ptr_array_sort (kept, compare_words);
  key = g_string_new ("n:");
  for (guint i = 0; i < kept->len; i++)
    {
      if (i > 0)
        g_string_append_c (key, ' ');
      g_string_append (key, kept->pdata[i]);
    }
  return g_string_free (key, FALSE);
}

/* A card as the scan keeps it: its phones and e-mails as the JSON text of the row, read
 * into arrays only for the cards that end up in a group. */
typedef struct {
  char       *id;
  char       *name;
  char       *phones;
  char       *emails;
  char       *inn;
  char       *responsible;
} Card;

static void
card_clear (Card *card)
{
  g_free (card->id);
  g_free (card->name);
  g_free (card->phones);
  g_free (card->emails);
  g_free (card->inn);
  g_free (card->responsible);
}

typedef struct {
  GArray     *cards;     /* Card */
  GHashTable *keys;      /* key → first card index + 1 */
  GHashTable *pairs;     /* guint64 (a << 32 | b) → reasons */
  guint      *parent;    /* union-find */
} Scan;

static guint
find_root (Scan  *scan,
           guint  i)
{
  while (scan->parent[i] != i)
    {
      scan->parent[i] = scan->parent[scan->parent[i]];
      i = scan->parent[i];
    }
  return i;
}

static void
add_key (Scan       *scan,
         guint       index,
         char       *key,      /* taken */
         guint       reason)
{
  gpointer first;

  if (key == NULL)
    return;
  if (!g_hash_table_lookup_extended (scan->keys, key, NULL, &first))
    {
      g_hash_table_insert (scan->keys, key, GUINT_TO_POINTER (index + 1));
      return;
    }
  g_free (key);
  {
    guint a = GPOINTER_TO_UINT (first) - 1;
    guint64 pair;
    gpointer old;
    guint64 *stored;

    if (a == index)
      return;
    pair = ((guint64) MIN (a, index) << 32) | MAX (a, index);
    old = g_hash_table_lookup (scan->pairs, &pair);
    if (old == NULL)
      {
        stored = g_new (guint64, 2);
        stored[0] = pair;
        stored[1] = reason;
        g_hash_table_insert (scan->pairs, stored, stored);
      }
    else
      ((guint64 *) old)[1] |= reason;
  }
}

static int
pair_score (guint reasons)
{
  int score = 0;

  if (reasons & REASON_INN)
    score += CRM_DUPLICATE_WEIGHT_INN;
  if (reasons & REASON_PHONE)
    score += CRM_DUPLICATE_WEIGHT_PHONE;
  if (reasons & REASON_EMAIL)
    score += CRM_DUPLICATE_WEIGHT_EMAIL;
  if (reasons & REASON_NAME)
    score += CRM_DUPLICATE_WEIGHT_NAME;
  return MIN (score, 100);
}

static JsonArray *
parse_array (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL || *text == '\0')
    return json_array_new ();
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return json_array_new ();
  return json_array_ref (json_node_get_array (node));
}

/* The strings of the JSON array @text ("[\"+79…\", \"…\"]") into @out (emptied first),
 * without a JSON parser: a parser per row was most of the scan's time. Arrays with
 * escapes or other than strings are read by json-glib. */
static void
read_strings (const char *text,
              GPtrArray  *out)
{
  const char *p = text;

  g_ptr_array_set_size (out, 0);
  if (text == NULL || *text == '\0')
    return;
  while (g_ascii_isspace (*p))
    p++;
  if (*p++ != '[')
    goto slow;
  while (TRUE)
    {
      const char *start;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == ']')
        return;
      if (*p++ != '"')
        goto slow;
      start = p;
      while (*p != '"' && *p != '\\' && *p != '\0')
        p++;
      if (*p != '"')
        goto slow;
      g_ptr_array_add (out, g_strndup (start, p - start));
      p++;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == ',')
        p++;
      else if (*p != ']')
        goto slow;
    }

slow:
  g_ptr_array_set_size (out, 0);
  {
    g_autoptr(JsonArray) array = parse_array (text);

    for (guint i = 0; i < json_array_get_length (array); i++)
      {
        const char *element = json_array_get_string_element (array, i);

        if (element != NULL)
          g_ptr_array_add (out, g_strdup (element));
      }
  }
}

static JsonArray *
strings_array (const char *text,
               GPtrArray  *scratch)
{
  JsonArray *array = json_array_new ();

  read_strings (text, scratch);
  for (guint i = 0; i < scratch->len; i++)
    json_array_add_string_element (array, scratch->pdata[i]);
  return array;
}

/* A group's member; a group of common names can hold thousands, so its phones and
 * e-mails are read as the scan read them, without a JSON parser. */
static JsonObject *
member_json (const Card *card,
             GPtrArray  *scratch)
{
  JsonObject *member = json_object_new ();

  json_object_set_string_member (member, "id", card->id);
  json_object_set_string_member (member, "name", card->name ? card->name : "");
  json_object_set_array_member (member, "phones", strings_array (card->phones, scratch));
  json_object_set_array_member (member, "emails", strings_array (card->emails, scratch));
  if (card->inn != NULL)
    json_object_set_string_member (member, "inn", card->inn);
  else
    json_object_set_null_member (member, "inn");
  if (card->responsible != NULL)
    json_object_set_string_member (member, "responsible", card->responsible);
  else
    json_object_set_null_member (member, "responsible");
  return member;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  JsonObject *ga = json_node_get_object (*(JsonNode * const *) a);
  JsonObject *gb = json_node_get_object (*(JsonNode * const *) b);
  gint64 sa = json_object_get_int_member (ga, "score");
  gint64 sb = json_object_get_int_member (gb, "score");
  JsonObject *ma = json_array_get_object_element (json_object_get_array_member (ga, "members"), 0);
  JsonObject *mb = json_array_get_object_element (json_object_get_array_member (gb, "members"), 0);
  int by_name;

  if (sa != sb)
    return sa > sb ? -1 : 1;
  by_name = g_utf8_collate (json_object_get_string_member (ma, "name"),
                            json_object_get_string_member (mb, "name"));
  if (by_name != 0)
    return by_name;
  return strcmp (json_object_get_string_member (ma, "id"), json_object_get_string_member (mb, "id"));
}

static int
compare_pairs (gconstpointer a,
               gconstpointer b)
{
  gint64 sa = json_object_get_int_member (json_node_get_object ((JsonNode *) a), "score");
  gint64 sb = json_object_get_int_member (json_node_get_object ((JsonNode *) b), "score");

  return sa == sb ? 0 : sa > sb ? -1 : 1;
}

JsonNode *
crm_duplicates_find (CrmStore     *store,
                     const char   *entity,
                     int           min_score,
                     GError      **error)
{
  gboolean person;
  sqlite3_stmt *stmt;
  Scan scan = { 0 };
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GHashTable) groups = NULL;   /* root → JsonObject group */
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  JsonArray *result;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (!check_entity (entity, error))
    return NULL;
  person = g_str_equal (entity, "contact");

  stmt = _crm_store_prepare (store, person ?
    "SELECT id, name, phones, emails, json_extract (data, '$.inn'), responsible"
    " FROM contact WHERE deleted = 0 ORDER BY created_at, id" :
    "SELECT id, name, json_extract (data, '$.phones'), json_extract (data, '$.emails'), inn,"
    " responsible FROM company WHERE deleted = 0 ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;

  scan.cards = g_array_new (FALSE, TRUE, sizeof (Card));
  g_array_set_clear_func (scan.cards, (GDestroyNotify) card_clear);
  scan.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan.pairs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Card card = { 0 };
      guint index = scan.cards->len;
      const char *inn = (const char *) sqlite3_column_text (stmt, 4);

      card.id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      card.name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      card.phones = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      card.emails = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      card.inn = inn != NULL && *inn != '\0' ? g_strstrip (g_strdup (inn)) : NULL;
      card.responsible = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      g_array_append_val (scan.cards, card);

      add_key (&scan, index, name_key (card.name, person), REASON_NAME);
      read_strings (card.phones, strings);
      for (guint i = 0; i < strings->len; i++)
        {
          g_autofree char *phone = crm_phone_normalize (strings->pdata[i]);

          if (phone != NULL)
            add_key (&scan, index, g_strconcat ("p:", phone, NULL), REASON_PHONE);
        }
      read_strings (card.emails, strings);
      for (guint i = 0; i < strings->len; i++)
        {
          const char *email = strings->pdata[i];
          g_autofree char *lower = NULL;

          if (*email == '\0')
            continue;
          lower = g_str_is_ascii (email) ? g_ascii_strdown (email, -1) : g_utf8_strdown (email, -1);
          add_key (&scan, index, g_strconcat ("e:", g_strstrip (lower), NULL), REASON_EMAIL);
        }
      if (card.inn != NULL)
        add_key (&scan, index, g_strconcat ("i:", card.inn, NULL), REASON_INN);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "looking for duplicates");
      sqlite3_reset (stmt);
      g_array_unref (scan.cards);
      g_hash_table_unref (scan.keys);
      g_hash_table_unref (scan.pairs);
      return NULL;
    }
  sqlite3_reset (stmt);

  scan.parent = g_new (guint, MAX (scan.cards->len, 1));
  for (guint i = 0; i < scan.cards->len; i++)
    scan.parent[i] = i;
  g_hash_table_iter_init (&iter, scan.pairs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint64 *pair = value;
      guint a = (guint) (pair[0] >> 32), b = (guint) (pair[0] & 0xffffffffu);

      if (pair_score ((guint) pair[1]) < min_score)
        continue;
      a = find_root (&scan, a);
      b = find_root (&scan, b);
      if (a != b)
        scan.parent[MAX (a, b)] = MIN (a, b);
    }

  /* one group per root: members in the order the cards were made, pairs by score */
  groups = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                  (GDestroyNotify) json_object_unref);
  g_hash_table_iter_init (&iter, scan.pairs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint64 *pair = value;
      guint a = (guint) (pair[0] >> 32), b = (guint) (pair[0] & 0xffffffffu);
      int score = pair_score ((guint) pair[1]);
      guint root;
      JsonObject *group;
      JsonObject *pair_json;
      JsonArray *reasons;

      if (score < min_score)
        continue;
      root = find_root (&scan, a);
      group = g_hash_table_lookup (groups, GUINT_TO_POINTER (root));
      if (group == NULL)
        {
          group = json_object_new ();
          json_object_set_int_member (group, "score", 0);
          json_object_set_array_member (group, "members", json_array_new ());
          json_object_set_array_member (group, "pairs", json_array_new ());
          g_hash_table_insert (groups, GUINT_TO_POINTER (root), group);
        }
      if (score > json_object_get_int_member (group, "score"))
        json_object_set_int_member (group, "score", score);
      reasons = json_array_new ();
      if (pair[1] & REASON_NAME)
        json_array_add_string_element (reasons, "name");
      if (pair[1] & REASON_PHONE)
        json_array_add_string_element (reasons, "phone");
      if (pair[1] & REASON_EMAIL)
        json_array_add_string_element (reasons, "email");
      if (pair[1] & REASON_INN)
        json_array_add_string_element (reasons, "inn");
      pair_json = json_object_new ();
      json_object_set_string_member (pair_json, "a", g_array_index (scan.cards, Card, a).id);
      json_object_set_string_member (pair_json, "b", g_array_index (scan.cards, Card, b).id);
      json_object_set_int_member (pair_json, "score", score);
      json_object_set_array_member (pair_json, "reasons", reasons);
      json_array_add_object_element (json_object_get_array_member (group, "pairs"), pair_json);
    }
  for (guint i = 0; i < scan.cards->len; i++)
    {
      JsonObject *group = g_hash_table_lookup (groups, GUINT_TO_POINTER (find_root (&scan, i)));

      if (group != NULL)
        json_array_add_object_element (json_object_get_array_member (group, "members"),
                                       member_json (&g_array_index (scan.cards, Card, i), strings));
    }

  sorted = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      JsonArray *pairs = json_object_get_array_member (value, "pairs");
      g_autoptr(GList) list = json_array_get_elements (pairs);
      JsonArray *ordered = json_array_new ();

      /* pairs: best first (a stable sort keeps the order they were found in) */
      list = g_list_sort (list, compare_pairs);
      for (GList *l = list; l != NULL; l = l->next)
        json_array_add_element (ordered, json_node_ref (l->data));
      json_object_set_array_member (value, "pairs", ordered);
      g_ptr_array_add (sorted, crm_json_node_take_object (json_object_ref (value)));
    }
  g_ptr_array_sort (sorted, compare_groups);

  result = json_array_new ();
  for (guint i = 0; i < sorted->len; i++)
    json_array_add_element (result, json_node_ref (sorted->pdata[i]));

  g_free (scan.parent);
  g_array_unref (scan.cards);
  g_hash_table_unref (scan.keys);
  g_hash_table_unref (scan.pairs);
  return crm_json_node_take_array (result);
}

/* --- clocks ------------------------------------------------------------------------------ */

/* "hlc device" → its parts; FALSE for anything else. */
static gboolean
parse_clock (const char  *text,
             guint64     *hlc,
             const char **device)
{
  g_autofree char *hex = NULL;
  const char *space;

  if (text == NULL || (space = strchr (text, ' ')) == NULL)
    return FALSE;
  hex = g_strndup (text, space - text);
  if (!crm_hlc_parse (hex, hlc))
    return FALSE;
  *device = space + 1;
  return TRUE;
}

/* > 0 when clock @a is newer than @b (a missing clock is older than any). */
static int
compare_clocks (const char *a,
                const char *b)
{
  guint64 ha = 0, hb = 0;
  const char *da = NULL, *db = NULL;
  gboolean has_a = parse_clock (a, &ha, &da);
  gboolean has_b = parse_clock (b, &hb, &db);

  if (!has_a || !has_b)
    return has_a ? 1 : has_b ? -1 : 0;
  if (ha != hb)
    return ha > hb ? 1 : -1;
  return strcmp (da, db);
}

static const char *
newer_clock (const char *a,
             const char *b)
{
  return compare_clocks (a, b) >= 0 ? a : b;
}

/* An op of derived values on @entity @entity_id, stamped one past @clock. */
static CrmOp *
derived_op (const char *entity,
            const char *entity_id,
            const char *clock)
{
  CrmOp *op = crm_op_new ();
  guint64 hlc = 0;
  const char *device = NULL;

  if (!parse_clock (clock, &hlc, &device))
    device = "derived";
  op->op_id = g_strdup ("derived");
  op->hlc = hlc + 1;
  op->device = g_strdup (device);
  op->entity = g_strdup (entity);
  op->entity_id = g_strdup (entity_id);
  op->fields = json_object_new ();
  return op;
}

/* The "merged_into" of a card (deleted or not), or NULL. */
static char *
dup_merged_into (CrmStore   *store,
                 const char *entity,
                 const char *id)
{
  g_autoptr(JsonObject) row = NULL;

  if (!crm_store_read_entity (store, entity, id, &row, NULL) || row == NULL)
    return NULL;
  return g_strdup (crm_json_string (row, "merged_into"));
}

char *
crm_duplicates_dup_survivor (CrmStore   *store,
                             const char *entity,
                             const char *id)
{
  g_autofree char *current = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (!is_card_entity (entity) || id == NULL)
    return NULL;
  current = dup_merged_into (store, entity, id);
  for (int i = 0; current != NULL && i < MAX_REDIRECT_DEPTH; i++)
    {
      char *next = dup_merged_into (store, entity, current);

      if (next == NULL || g_str_equal (next, id))
        {
          g_free (next);
          break;
        }
      g_free (current);
      current = next;
    }
  return g_steal_pointer (&current);
}

/* --- following redirects ----------------------------------------------------------------- */

static __thread int follow_depth;

static gboolean
is_list_field (const char *field)
{
  return g_str_equal (field, "phones") || g_str_equal (field, "emails") ||
         g_str_equal (field, "tags");
}

/* @a's elements, then those of @b it lacks (phones compared normalized, e-mails
 * lower-case). */
static JsonNode *
join_lists (JsonNode   *a,
            JsonNode   *b,
            const char *field)
{
  JsonArray *out = json_array_new ();
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonNode *lists[] = { a, b };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *array;

      if (lists[l] == NULL || !JSON_NODE_HOLDS_ARRAY (lists[l]))
        continue;
      array = json_node_get_array (lists[l]);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *text = crm_json_to_canonical (element);
          char *key = NULL;

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            {
              if (g_str_equal (field, "phones"))
                key = crm_phone_normalize (json_node_get_string (element));
              else if (g_str_equal (field, "emails"))
                key = g_utf8_strdown (json_node_get_string (element), -1);
            }
          if (key == NULL)
            key = g_steal_pointer (&text);
          if (g_hash_table_contains (keys, key))
            {
              g_free (key);
              continue;
            }
          g_hash_table_add (keys, key);
          json_array_add_element (out, json_node_copy (element));
        }
    }
  return crm_json_node_take_array (out);
}

/* The links between two entities that name a card (set links, like deal↔tag). */
typedef struct {
  const char *kind;
  const char *a_field;
  const char *b_field;
} LinkKind;

static const LinkKind link_kinds[] = {
  { "deal_contact", "deal", "contact" },
  { "contact_company", "contact", "company" },
};

static const LinkKind *
link_kind (const char *entity)
{
  for (guint i = 0; i < G_N_ELEMENTS (link_kinds); i++)
    if (g_str_equal (link_kinds[i].kind, entity))
      return &link_kinds[i];
  return NULL;
}

/* The reference @field of @entity @ref_id names a merged card: it moves to @target, one
 * past the newer of the reference's clock and the merge's. */
static gboolean
move_reference (CrmStore    *store,
                const char  *entity,
                const char  *ref_id,
                const char  *field,
                const char  *target,
                const char  *merge_clock,
                GError     **error)
{
  g_autoptr(JsonObject) clocks = _crm_store_dup_clocks (store, entity, ref_id);
  g_autoptr(JsonObject) row = NULL;
  const char *clock;

  if (clocks == NULL || !crm_store_read_entity (store, entity, ref_id, &row, error) || row == NULL)
    return clocks == NULL || row == NULL;
  if (link_kind (entity) != NULL)
    {
      const LinkKind *kind = link_kind (entity);
      const char *a = crm_json_string (row, kind->a_field);
      const char *b = crm_json_string (row, kind->b_field);
      g_autoptr(CrmOp) off = NULL;
      g_autoptr(CrmOp) on = NULL;
      g_autofree char *link = NULL;
      JsonNode *present = json_object_get_member (row, "present");

      if (a == NULL || b == NULL || present == NULL || !json_node_get_boolean (present))
        return TRUE;
      if (g_str_equal (field, kind->a_field))
        a = target;
      else
        b = target;
      clock = newer_clock (crm_json_string (clocks, "present"), merge_clock);
      off = derived_op (entity, ref_id, clock);
      json_object_set_boolean_member (off->fields, "present", FALSE);
      link = crm_uuid_link (entity, a, b);
      on = derived_op (entity, link, clock);
      json_object_set_string_member (on->fields, kind->a_field, a);
      json_object_set_string_member (on->fields, kind->b_field, b);
      json_object_set_boolean_member (on->fields, "present", TRUE);
      return _crm_store_apply_derived (store, off, error) &&
             _crm_store_apply_derived (store, on, error);
    }
  else
    {
      g_autoptr(CrmOp) moved = NULL;

      clock = newer_clock (crm_json_string (clocks, field), merge_clock);
      moved = derived_op (entity, ref_id, clock);
      json_object_set_string_member (moved->fields, field, target);
      return _crm_store_apply_derived (store, moved, error);
    }
}

typedef struct {
  const char *card;     /* "contact" or "company" */
  const char *entity;
  const char *field;
  const char *sql;      /* ?1: the merged card; the referencing ids */
} Reference;

static const Reference references[] = {
  { "contact", "deal_contact", "contact",
    "SELECT id FROM deal_contact WHERE contact = ?1 AND present = 1 AND deleted = 0 ORDER BY id" },
  { "contact", "contact_company", "contact",
    "SELECT id FROM contact_company WHERE contact = ?1 AND present = 1 AND deleted = 0"
    " ORDER BY id" },
  { "contact", "task", "contact",
    "SELECT id FROM task WHERE contact = ?1 AND deleted = 0 ORDER BY id" },
  { "contact", "note", "entity_id",
    "SELECT id FROM note WHERE entity = 'contact' AND entity_id = ?1 AND deleted = 0 ORDER BY id" },
  { "contact", "attachment", "entity_id",
    "SELECT id FROM attachment WHERE entity = 'contact' AND entity_id = ?1 AND deleted = 0"
    " ORDER BY id" },
  { "company", "deal", "company",
    "SELECT id FROM deal WHERE company = ?1 AND deleted = 0 ORDER BY id" },
  { "company", "contact_company", "company",
    "SELECT id FROM contact_company WHERE company = ?1 AND present = 1 AND deleted = 0"
    " ORDER BY id" },
  { "company", "contact", "company",
    "SELECT id FROM contact WHERE company = ?1 AND deleted = 0 ORDER BY id" },
  { "company", "note", "entity_id",
    "SELECT id FROM note WHERE entity = 'company' AND entity_id = ?1 AND deleted = 0 ORDER BY id" },
  { "company", "attachment", "entity_id",
    "SELECT id FROM attachment WHERE entity = 'company' AND entity_id = ?1 AND deleted = 0"
    " ORDER BY id" },
};

static GPtrArray *
collect_ids (CrmStore    *store,
             const char  *sql,
             const char  *id,
             GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading what names a merged card");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* A loop of redirects through @id (merges of the same cards made at once in opposite
 * directions): the card of the loop merged last comes back. TRUE in *@out_broken when
 * there was a loop. */
static gboolean
break_loop (CrmStore    *store,
            const char  *entity,
            const char  *id,
            gboolean    *out_broken,
            GError     **error)
{
  g_autofree char *latest_id = NULL;
  g_autofree char *latest_clock = NULL;
  g_autofree char *current = g_strdup (id);
  gboolean loop = FALSE;
  g_autoptr(CrmOp) back = NULL;

  *out_broken = FALSE;
  for (int i = 0; i <= MAX_REDIRECT_DEPTH; i++)
    {
      g_autoptr(JsonObject) clocks = _crm_store_dup_clocks (store, entity, current);
      char *next = dup_merged_into (store, entity, current);
      const char *clock = crm_json_string (clocks, "merged_into");

      if (next == NULL)
        break;
      if (latest_clock == NULL || compare_clocks (clock, latest_clock) > 0)
        {
          g_free (latest_clock);
          g_free (latest_id);
          latest_clock = g_strdup (clock);
          latest_id = g_strdup (current);
        }
      g_free (current);
      current = next;
      if (g_str_equal (current, id))
        {
          loop = TRUE;
          break;
        }
    }
  if (!loop || latest_id == NULL)
    return TRUE;
  back = derived_op (entity, latest_id, latest_clock);
  json_object_set_null_member (back->fields, "merged_into");
  json_object_set_boolean_member (back->fields, "deleted", FALSE);
  *out_broken = TRUE;
  return _crm_store_apply_derived (store, back, error);
}

gboolean
_crm_duplicates_follow (CrmStore     *store,
                        const CrmOp  *op,
                        JsonObject   *data,
                        JsonObject   *clocks,
                        GError      **error)
{
  const char *target = crm_json_string (data, "merged_into");
  const char *merge_clock = crm_json_string (clocks, "merged_into");
  JsonObject *seen = NULL;
  JsonNode *seen_node = json_object_get_member (data, "merged_seen");
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonObject) target_row = NULL;
  g_autoptr(CrmOp) redirect = NULL;
  g_autoptr(GList) fields = NULL;
  const char *newest = merge_clock;
  gboolean broken = FALSE;
  gboolean ok = TRUE;

  if (target == NULL || g_str_equal (target, op->entity_id) || follow_depth >= MAX_REDIRECT_DEPTH)
    return TRUE;
  follow_depth++;

  if (!break_loop (store, op->entity, op->entity_id, &broken, error))
    goto out;
  if (broken)
    {
      /* the loop's last merge came undone: if it was this card's, it is no redirect now */
      g_autofree char *still = dup_merged_into (store, op->entity, op->entity_id);

      if (still == NULL)
        goto out;
    }

  if (seen_node != NULL && JSON_NODE_HOLDS_OBJECT (seen_node))
    seen = json_node_get_object (seen_node);
  if (!crm_store_read_entity (store, op->entity, op->entity_id, &row, error) || row == NULL)
    {
      ok = row == NULL && (error == NULL || *error == NULL);
      goto out;
    }
  if (!crm_store_read_entity (store, op->entity, target, &target_row, error))
    {
      ok = FALSE;
      goto out;
    }
  if (target_row == NULL)
    goto out;   /* the survivor has not arrived yet: it follows when it does */

  /* the card's fields written since the merge saw them */
  fields = json_object_get_members (clocks);
  for (GList *l = fields; l != NULL; l = l->next)
    {
      const char *field = l->data;
      const char *clock = crm_json_string (clocks, field);

      if (g_str_equal (field, "merged_into") || g_str_equal (field, "merged_seen") ||
          g_str_equal (field, "deleted") || g_str_equal (field, "created_at") ||
          compare_clocks (clock, crm_json_string (seen, field)) <= 0)
        continue;
      if (redirect == NULL)
        {
          redirect = derived_op (op->entity, target, NULL);
          newest = merge_clock;
        }
      newest = newer_clock (clock, newest);
      if (is_list_field (field))
        json_object_set_member (redirect->fields, field,
                                join_lists (json_object_get_member (target_row, field),
                                            json_object_get_member (row, field), field));
      else
        {
          JsonNode *value = json_object_get_member (row, field);

          json_object_set_member (redirect->fields, field,
                                  value ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
        }
    }
  if (redirect != NULL)
    {
      guint64 hlc = 0;
      const char *device = NULL;

      if (parse_clock (newest, &hlc, &device))
        {
          redirect->hlc = hlc + 1;
          g_free (redirect->device);
          redirect->device = g_strdup (device);
        }
      if (!_crm_store_apply_derived (store, redirect, error))
        {
          ok = FALSE;
          goto out;
        }
    }

  /* the merge itself arrived: what still names the card moves to the survivor (tasks
   * and notes made elsewhere before the merge came) */
  if (json_object_has_member (op->fields, "merged_into"))
    for (guint i = 0; i < G_N_ELEMENTS (references); i++)
      {
        g_autoptr(GPtrArray) ids = NULL;

        if (!g_str_equal (references[i].card, op->entity))
          continue;
        ids = collect_ids (store, references[i].sql, op->entity_id, error);
        if (ids == NULL)
          {
            ok = FALSE;
            goto out;
          }
        for (guint j = 0; j < ids->len; j++)
          if (!move_reference (store, references[i].entity, ids->pdata[j], references[i].field,
                               target, merge_clock, error))
            {
              ok = FALSE;
              goto out;
            }
      }

out:
  follow_depth--;
  return ok;
}

gboolean
_crm_duplicates_follow_reference (CrmStore     *store,
                                  const CrmOp  *op,
                                  JsonObject   *clocks,
                                  GError      **error)
{
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonObject) contact_clocks = NULL;
  g_autofree char *target = NULL;
  const char *field = g_str_equal (op->entity, "note") ? "entity_id" : "contact";
  const char *contact;

  if (follow_depth >= MAX_REDIRECT_DEPTH)
    return TRUE;
  if (!crm_store_read_entity (store, op->entity, op->entity_id, &row, error))
    return FALSE;
  if (row == NULL || (g_str_equal (op->entity, "note") &&
                      g_strcmp0 (crm_json_string (row, "entity"), "contact") != 0))
    return TRUE;
  contact = crm_json_string (row, field);
  if (contact == NULL)
    return TRUE;
  target = dup_merged_into (store, "contact", contact);
  if (target == NULL || g_str_equal (target, contact))
    return TRUE;
  contact_clocks = _crm_store_dup_clocks (store, "contact", contact);
  {
    gboolean ok;

    follow_depth++;
    ok = move_reference (store, op->entity, op->entity_id, field, target,
                         crm_json_string (contact_clocks, "merged_into"), error);
    follow_depth--;
    (void) clocks;
    return ok;
  }
}

/* --- the merge ---------------------------------------------------------------------------- */

static gboolean
is_empty_value (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (value))
    return json_array_get_length (json_node_get_array (value)) == 0;
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return *json_node_get_string (value) == '\0';
  return FALSE;
}

static gboolean
same_value (JsonNode *a,
            JsonNode *b)
{
  g_autofree char *ta = NULL;
  g_autofree char *tb = NULL;

  if (is_empty_value (a) || is_empty_value (b))
    return is_empty_value (a) && is_empty_value (b);
  ta = crm_json_to_canonical (a);
  tb = crm_json_to_canonical (b);
  return g_str_equal (ta, tb);
}

static gboolean
is_bookkeeping_field (const char *field)
{
  return g_str_equal (field, "id") || g_str_equal (field, "deleted") ||
         g_str_equal (field, "merged_into") || g_str_equal (field, "merged_seen");
}

/* Reads a card that may be merged: it exists and is not deleted. */
static JsonObject *
read_card (CrmStore    *store,
           const char  *entity,
           const char  *id,
           GError     **error)
{
  g_autoptr(JsonObject) row = NULL;
  JsonNode *deleted;

  if (!crm_store_read_entity (store, entity, id, &row, error))
    return NULL;
  deleted = row ? json_object_get_member (row, "deleted") : NULL;
  if (row == NULL || (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted) &&
                      json_node_get_value_type (deleted) == G_TYPE_BOOLEAN &&
                      json_node_get_boolean (deleted)) ||
      (deleted != NULL && JSON_NODE_HOLDS_VALUE (deleted) &&
       json_node_get_value_type (deleted) == G_TYPE_INT64 && json_node_get_int (deleted) != 0))
    {
      g_autofree char *survivor = crm_duplicates_dup_survivor (store, entity, id);

      if (survivor != NULL)
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                     g_str_equal (entity, "contact") ? _("Contact %s was already merged into %s")
                                                     : _("Company %s was already merged into %s"),
                     id, survivor);
      else
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                     g_str_equal (entity, "contact") ? _("There is no contact %s") :
                                                       _("There is no company %s"), id);
      return NULL;
    }
  return g_steal_pointer (&row);
}

gboolean
crm_duplicates_merge (CrmStore           *store,
                      const char         *entity,
                      const char         *survivor,
                      const char * const *others,
                      GHashTable         *take,
                      const char         *actor,
                      GError            **error)
{
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) field_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) survivor_fields = json_object_new ();
  CrmChange *change;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  if (!check_entity (entity, error))
    return FALSE;
  if (others == NULL || others[0] == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Name at least one card to merge into the survivor"));
      return FALSE;
    }
  kept = read_card (store, entity, survivor, error);
  if (kept == NULL)
    return FALSE;
  for (guint i = 0; others[i] != NULL; i++)
    {
      JsonObject *row;

      if (g_str_equal (others[i], survivor))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("%s is the survivor: it cannot also be merged into itself"), survivor);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (others[i], others[j]))
          {
            g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("%s is named twice"), others[i]);
            return FALSE;
          }
      row = read_card (store, entity, others[i], error);
      if (row == NULL)
        return FALSE;
      g_ptr_array_add (rows, row);
    }

  /* every field any of the cards has */
  {
    g_autoptr(GList) members = json_object_get_members (kept);

    for (GList *l = members; l != NULL; l = l->next)
      g_hash_table_add (field_names, l->data);
    for (guint i = 0; i < rows->len; i++)
      {
        g_autoptr(GList) more = json_object_get_members (rows->pdata[i]);

        for (GList *l = more; l != NULL; l = l->next)
          g_hash_table_add (field_names, l->data);
      }
  }
  if (take != NULL)
    {
      g_hash_table_iter_init (&iter, take);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          gboolean named = g_str_equal (value, survivor);

          for (guint i = 0; others[i] != NULL; i++)
            named = named || g_str_equal (value, others[i]);
          if (!named)
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("--take %s=%s: %s is not one of the cards being merged"),
                           (const char *) key, (const char *) value, (const char *) value);
              return FALSE;
            }
          if (is_bookkeeping_field (key) || !g_hash_table_contains (field_names, key))
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("--take %s=%s: the cards have no field “%s”"),
                           (const char *) key, (const char *) value, (const char *) key);
              return FALSE;
            }
        }
    }

  changeset = crm_changeset_new ();
  crm_changeset_set_actor (changeset, actor);

  /* the survivor first: its fields, then what moves to it, then the redirects */
  g_hash_table_iter_init (&iter, field_names);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *field = key;
      JsonNode *current = json_object_get_member (kept, field);
      g_autoptr(JsonNode) chosen = NULL;
      const char *from = take ? g_hash_table_lookup (take, field) : NULL;

      if (is_bookkeeping_field (field))
        continue;
      if (from != NULL)
        {
          JsonObject *source = kept;

          for (guint i = 0; others[i] != NULL; i++)
            if (g_str_equal (from, others[i]))
              source = rows->pdata[i];
          chosen = json_object_get_member (source, field) ?
                   json_node_copy (json_object_get_member (source, field)) :
                   json_node_new (JSON_NODE_NULL);
        }
      else if (is_list_field (field))
        {
          chosen = current ? json_node_copy (current) : json_node_new (JSON_NODE_NULL);
          for (guint i = 0; i < rows->len; i++)
            {
              JsonNode *joined = join_lists (chosen, json_object_get_member (rows->pdata[i], field),
                                             field);

              json_node_unref (chosen);
              chosen = joined;
            }
        }
      else if (g_str_equal (field, "created_at"))
        {
          /* the client has been known since the earliest card */
          chosen = current ? json_node_copy (current) : json_node_new (JSON_NODE_NULL);
          for (guint i = 0; i < rows->len; i++)
            {
              JsonNode *other = json_object_get_member (rows->pdata[i], field);

              if (other != NULL && JSON_NODE_HOLDS_VALUE (other) &&
                  (!JSON_NODE_HOLDS_VALUE (chosen) ||
                   json_node_get_int (other) < json_node_get_int (chosen)))
                {
                  json_node_unref (chosen);
                  chosen = json_node_copy (other);
                }
            }
        }
      else if (is_empty_value (current))
        {
          for (guint i = 0; i < rows->len && chosen == NULL; i++)
            {
              JsonNode *other = json_object_get_member (rows->pdata[i], field);

              if (!is_empty_value (other))
                chosen = json_node_copy (other);
            }
        }
      if (chosen != NULL && !same_value (chosen, current))
        json_object_set_member (survivor_fields, field, g_steal_pointer (&chosen));
    }
  if (json_object_get_size (survivor_fields) > 0)
    {
      g_autoptr(GList) members = json_object_get_members (survivor_fields);

      change = crm_changeset_touch (changeset, entity, survivor);
      for (GList *l = members; l != NULL; l = l->next)
        crm_change_set_node (change, l->data,
                             json_node_copy (json_object_get_member (survivor_fields, l->data)));
    }

  for (guint i = 0; i < rows->len; i++)
    {
      const char *other = others[i];
      g_autoptr(JsonObject) clocks = _crm_store_dup_clocks (store, entity, other);

      /* the redirect before what moves: undone, the card comes back before its deals */
      change = crm_changeset_touch (changeset, entity, other);
      crm_change_set_string (change, "merged_into", survivor);
      crm_change_set_node (change, "merged_seen",
                           crm_json_node_take_object (clocks ? json_object_ref (clocks)
                                                             : json_object_new ()));
      crm_change_set_bool (change, "deleted", TRUE);

      for (guint r = 0; r < G_N_ELEMENTS (references); r++)
        {
          g_autoptr(GPtrArray) ids = NULL;

          if (!g_str_equal (references[r].card, entity))
            continue;
          ids = collect_ids (store, references[r].sql, other, error);
          if (ids == NULL)
            return FALSE;
          for (guint j = 0; j < ids->len; j++)
            {
              const LinkKind *kind = link_kind (references[r].entity);

              if (kind != NULL)
                {
                  g_autofree char *a = _crm_store_dup_column (store, kind->kind, ids->pdata[j],
                                                              kind->a_field);
                  g_autofree char *b = _crm_store_dup_column (store, kind->kind, ids->pdata[j],
                                                              kind->b_field);
                  gboolean card_is_a = g_str_equal (references[r].field, kind->a_field);

                  if (a == NULL || b == NULL)
                    continue;
                  crm_changeset_set_link (changeset, kind->kind, kind->a_field, a,
                                          kind->b_field, b, FALSE);
                  crm_changeset_set_link (changeset, kind->kind, kind->a_field,
                                          card_is_a ? survivor : a, kind->b_field,
                                          card_is_a ? b : survivor, TRUE);
                }
              else if (!(g_str_equal (references[r].entity, entity) &&
                         g_str_equal (ids->pdata[j], survivor)))
                crm_change_set_string (crm_changeset_touch (changeset, references[r].entity,
                                                            ids->pdata[j]),
                                       references[r].field, survivor);
            }
        }
      if (g_str_equal (entity, "company"))
        {
          /* holdings: the links of the merged company become the survivor's */
          sqlite3_stmt *stmt = _crm_store_prepare (store,
            "SELECT company, other FROM company_link"
            " WHERE (company = ?1 OR other = ?1) AND present = 1 AND deleted = 0 ORDER BY id",
            error);
          g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_free);

          if (stmt == NULL)
            return FALSE;
          _crm_sql_bind_text_or_null (stmt, 1, other);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              g_ptr_array_add (links, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
              g_ptr_array_add (links, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
            }
          sqlite3_reset (stmt);
          for (guint j = 0; j + 1 < links->len; j += 2)
            {
              const char *a = links->pdata[j], *b = links->pdata[j + 1];
              const char *na = g_str_equal (a, other) ? survivor : a;
              const char *nb = g_str_equal (b, other) ? survivor : b;

              crm_changeset_set_link (changeset, "company_link", "company", a, "other", b, FALSE);
              if (!g_str_equal (na, nb))
                crm_changeset_set_link (changeset, "company_link", "company", na, "other", nb, TRUE);
            }
        }
    }
  return crm_store_apply (store, changeset, error);
}
