/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-board.c — board columns, deal cards and the small lists the desktop app
 * shows (companies, field definitions, loss reasons, a contact's tasks). Cached prepared
 * statements with bound parameters only; deleted rows never show. Word-prefix search on
 * titles and company names uses an SQL function registered on first use, folding text the
 * way contact search does (crm_text_fold). */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include "crm-query-board.h"
#include "crm-pipeline-board.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"
#include "crm-card-private.h"

/* ---- word-prefix matching ---- */

/* The words of @text, folded: runs of letters and digits. */
static GPtrArray *
split_folded_words (const char *text)
{
  g_autofree char *folded = crm_text_fold (text != NULL ? text : "");
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
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
  return words;
}

gboolean
crm_text_matches_words (const char *text,
                        const char *query)
{
  g_autoptr(GPtrArray) wanted = split_folded_words (query);
  g_autoptr(GPtrArray) words = NULL;

  if (wanted->len == 0)
    return TRUE;
  words = split_folded_words (text);
  for (guint i = 0; i < wanted->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < words->len && !found; j++)
        found = g_str_has_prefix (g_ptr_array_index (words, j), g_ptr_array_index (wanted, i));
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static void
sql_matches_words (sqlite3_context  *context,
                   int               argc,
                   sqlite3_value   **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  const char *query = (const char *) sqlite3_value_text (argv[1]);

  sqlite3_result_int (context, crm_text_matches_words (text, query) ? 1 : 0);
}

/* crm_phones_match (phones, query): whether @query reads as phone digits
 * (_crm_text_phone_digits) found in one of the numbers of @phones (a JSON array). */
static void
sql_phones_match (sqlite3_context  *context,
                  int               argc,
                  sqlite3_value   **argv)
{
  const char *phones = (const char *) sqlite3_value_text (argv[0]);
  const char *query = (const char *) sqlite3_value_text (argv[1]);
  g_autofree char *wanted = NULL;
  g_autoptr(JsonNode) node = NULL;
  gboolean found = FALSE;

  if (phones == NULL || (wanted = _crm_text_phone_digits (query)) == NULL ||
      (node = json_from_string (phones, NULL)) == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      sqlite3_result_int (context, 0);
      return;
    }
  for (guint i = 0; !found && i < json_array_get_length (json_node_get_array (node)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (node), i);
      g_autoptr(GString) digits = g_string_new (NULL);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        continue;
      for (const char *p = json_node_get_string (element); *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);
      found = strstr (digits->str, wanted) != NULL;
    }
  sqlite3_result_int (context, found ? 1 : 0);
}

/* crm_matches_words (text, query) and crm_phones_match (phones, query) for the
 * statements below; registered once per store before any of them is prepared. */
static gboolean
ensure_functions (CrmStore  *store,
                  GError   **error)
{
  static const char *key = "crm-query-board-functions";

  if (g_object_get_data (G_OBJECT (store), key) != NULL)
    return TRUE;
  if (sqlite3_create_function_v2 (_crm_store_get_db (store), "crm_matches_words", 2,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                  sql_matches_words, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function_v2 (_crm_store_get_db (store), "crm_phones_match", 2,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                  sql_phones_match, NULL, NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "register search function");
      return FALSE;
    }
  g_object_set_data (G_OBJECT (store), key, GINT_TO_POINTER (1));
  return TRUE;
}

/* ---- small helpers ---- */

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL && *text != '\0')
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static void
set_iso_time (JsonObject   *object,
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

static JsonNode *
json_column (sqlite3_stmt *stmt,
             int           column,
             JsonNodeType  expected)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != expected)
    {
      g_clear_pointer (&node, json_node_unref);
      node = json_node_new (expected);
      if (expected == JSON_NODE_ARRAY)
        json_node_take_array (node, json_array_new ());
      else if (expected == JSON_NODE_OBJECT)
        json_node_take_object (node, json_object_new ());
    }
  return node;
}

/* Steps @stmt to the end, one object a row from @row_func; resets it either way. NULL
 * with @error set (naming @what) when SQLite fails. */
static JsonArray *
collect_rows (CrmStore            *store,
              sqlite3_stmt        *stmt,
              JsonObject        *(*row_func) (sqlite3_stmt *stmt),
              const char          *what,
              GError             **error)
{
  g_autoptr(JsonArray) rows = json_array_new ();
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (rows, row_func (stmt));
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, what);
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&rows);
}

/* A search of only spaces and punctuation filters nothing. */
static const char *
effective_search (const char *search)
{
  g_autoptr(GPtrArray) words = NULL;

  if (search == NULL)
    return NULL;
  words = split_folded_words (search);
  return words->len > 0 ? search : NULL;
}

/* ---- deal cards ---- */

/* A deal matches a search (?N) by its title, its company's name, or one of its contacts'
 * name or phone number: a rep types the client's surname or a piece of the number they
 * called from, not the truck's model. */
#define DEAL_MATCHES(n) \
  "(crm_matches_words (d.title, ?" n ")" \
  " OR EXISTS (SELECT 1 FROM company mco WHERE mco.id = d.company AND mco.deleted = 0" \
  "   AND crm_matches_words (mco.name, ?" n "))" \
  " OR EXISTS (SELECT 1 FROM deal_contact mdc JOIN contact mc ON mc.id = mdc.contact" \
  "   WHERE mdc.deal = d.id AND mdc.present = 1 AND mdc.deleted = 0 AND mc.deleted = 0" \
  "   AND (crm_matches_words (mc.name, ?" n ") OR crm_phones_match (mc.phones, ?" n "))))"

/* ?1 pipeline, ?2 stage, ?3 tag ids (JSON), ?4 number of tags, ?5 contact, ?6 company,
 * ?7 JSON path of a yes/no field, ?8 search, ?9 open only */
/* The WHERE clause of a card query with only the conditions @filter sets. A clause like
 * "?1 IS NULL OR d.pipeline = ?1" would keep SQLite from using an index on any of them
 * (bench/RESULTS.md), so the text varies; the parameter numbers do not, and each
 * variant is one cached statement. */
/* How the page of cards is read. A stage, a contact or a company narrow the deals
 * through their own indexes, and the matches are sorted (INDEXES). With only broad
 * filters — a pipeline, a flag, open stages — the newest deals are walked (deal_recent)
 * and tested until the page is full (NEWEST): a page of 50 reads a few hundred. Tags
 * with a flag or open stages (the stock view's demand list: a brand's open deals
 * waiting for stock, one deal in 300) would make that walk read most of the account,
 * so the first tag's deals are walked instead — a brand is on one deal in ten — and
 * sorted (FIRST_TAG). */
typedef enum {
  CARD_PLAN_INDEXES,
  CARD_PLAN_NEWEST,
  CARD_PLAN_FIRST_TAG,
} CardPlan;

static CardPlan
card_plan (const CrmCardFilter *filter,
           gint64               n_tags)
{
  if (filter->stage_id != NULL || filter->contact_id != NULL || filter->company_id != NULL)
    return CARD_PLAN_INDEXES;
  if (n_tags > 0 && (filter->flag_field != NULL || filter->open_only))
    return CARD_PLAN_FIRST_TAG;
  if (n_tags > 0 || filter->pipeline_id != NULL || filter->flag_field != NULL ||
      filter->open_only)
    return CARD_PLAN_NEWEST;
  return CARD_PLAN_INDEXES;
}

static char *
card_filter_sql (const CrmCardFilter *filter,
                 const char          *tags_json,
                 const char          *flag_path,
                 CardPlan             plan)
{
  GString *sql = g_string_new (" WHERE d.deleted = 0");
  gboolean walk = plan != CARD_PLAN_INDEXES;

  if (plan == CARD_PLAN_FIRST_TAG)
    g_string_append (sql, " AND first.tag = ?12 AND first.present = 1 AND first.deleted = 0");

  /* a stage belongs to one pipeline: filtering by it says where the deal is, as the
   * board's columns do, even for a deal whose two fields came from different ops;
   * walking newest first, "+" keeps SQLite off the pipeline index */
  if (filter->pipeline_id != NULL && filter->stage_id == NULL)
    g_string_append (sql, walk ? " AND +d.pipeline = ?1" : " AND d.pipeline = ?1");
  if (filter->stage_id != NULL)
    g_string_append (sql, " AND d.stage = ?2");
  if (tags_json != NULL && walk)
    g_string_append (sql, " AND (SELECT count (*) FROM deal_tag dt WHERE dt.deal = d.id"
                          "   AND dt.present = 1 AND dt.deleted = 0"
                          "   AND dt.tag IN (SELECT value FROM json_each (?3))) = ?4");
  else if (tags_json != NULL)
    g_string_append (sql, " AND d.id IN (SELECT dt.deal FROM deal_tag dt"
                          "   WHERE dt.present = 1 AND dt.deleted = 0"
                          "   AND dt.tag IN (SELECT value FROM json_each (?3))"
                          "   GROUP BY dt.deal HAVING count (DISTINCT dt.tag) = ?4)");
  if (filter->contact_id != NULL)
    g_string_append (sql, " AND d.id IN (SELECT dc.deal FROM deal_contact dc"
                          "   WHERE dc.contact = ?5 AND dc.present = 1 AND dc.deleted = 0)");
  if (filter->company_id != NULL)
    g_string_append (sql, " AND d.company = ?6");
  if (flag_path != NULL)
    g_string_append (sql, " AND json_extract (d.data, ?7) = 1");
  if (effective_search (filter->search) != NULL)
    g_string_append (sql, " AND " DEAL_MATCHES ("8"));
  if (filter->open_only)
    g_string_append (sql, " AND s.kind IN ('unsorted', 'open') AND ?9 = 1");
  if (filter->responsible_id != NULL)
    g_string_append (sql, " AND d.responsible = ?13");
  return g_string_free (sql, FALSE);
}

#define NEXT_TASK_JOIN \
  " LEFT JOIN task nt ON nt.id = (SELECT t.id FROM task t WHERE t.deal = d.id" \
  "   AND coalesce (t.done, 0) = 0 AND t.deleted = 0" \
  "   ORDER BY t.due IS NULL, t.due, t.created_at, t.id LIMIT 1)"

static void
bind_card_filter (sqlite3_stmt        *stmt,
                  const CrmCardFilter *filter,
                  const char          *tags_json,
                  gint64               n_tags,
                  const char          *flag_path)
{
  bind_text_or_null (stmt, 1, filter->pipeline_id);
  bind_text_or_null (stmt, 2, filter->stage_id);
  bind_text_or_null (stmt, 3, tags_json);
  sqlite3_bind_int64 (stmt, 4, n_tags);
  bind_text_or_null (stmt, 5, filter->contact_id);
  bind_text_or_null (stmt, 6, filter->company_id);
  bind_text_or_null (stmt, 7, flag_path);
  bind_text_or_null (stmt, 8, effective_search (filter->search));
  sqlite3_bind_int (stmt, 9, filter->open_only ? 1 : 0);
  if (filter->responsible_id != NULL)
    sqlite3_bind_text (stmt, 13, filter->responsible_id, -1, SQLITE_TRANSIENT);
}

JsonArray *
crm_query_deal_cards (CrmStore             *store,
                      const CrmCardFilter  *filter,
                      gint64               *out_total,
                      GError              **error)
{
  static const CrmCardFilter no_filter = { 0 };
  g_autofree char *tags_json = NULL;
  g_autofree char *flag_path = NULL;
  g_autofree char *where = NULL;
  CardPlan plan;
  gint64 n_tags = 0;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (filter == NULL)
    filter = &no_filter;
  /* tags alone: the brand filter of crm-pipeline-board.c, with its running totals */
  if (filter->tag_ids != NULL && filter->tag_ids[0] != NULL && filter->pipeline_id == NULL &&
      filter->stage_id == NULL && filter->contact_id == NULL && filter->company_id == NULL &&
      filter->flag_field == NULL && effective_search (filter->search) == NULL &&
      !filter->open_only && filter->responsible_id == NULL)
    return crm_query_cards_with_tags (store, filter->tag_ids, filter->limit, filter->offset,
                                      out_total, error);
  if (!ensure_functions (store, error))
    return NULL;
  tags_json = _crm_tags_to_json (filter->tag_ids, &n_tags);
  if (filter->flag_field != NULL)
    flag_path = g_strdup_printf ("$.\"%s\"", filter->flag_field);
  plan = card_plan (filter, n_tags);
  where = card_filter_sql (filter, tags_json, flag_path, plan);

  if (out_total != NULL)
    {
      g_autofree char *count_where = card_filter_sql (filter, tags_json, flag_path,
                                                      CARD_PLAN_INDEXES);
      g_autofree char *sql = g_strconcat ("SELECT count (*) FROM deal d"
                                          " LEFT JOIN stage s ON s.id = d.stage", count_where,
                                          NULL);

      stmt = _crm_store_prepare (store, sql, error);
      if (stmt == NULL)
        return NULL;
      bind_card_filter (stmt, filter, tags_json, n_tags, flag_path);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_read_error (store, error, "count deal cards");
          return NULL;
        }
      *out_total = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  {
    /* the page's ids first, then the card columns (contact, tags, next task…) for
     * those rows only: with a tag matching 20 000 deals, computing them before the
     * sort cost half a second (bench/RESULTS.md) */
    g_autofree char *sql = g_strconcat ("SELECT " CRM_CARD_COLUMNS
                                        " FROM (SELECT d.id AS page_id, d.created_at AS page_at",
                                        plan == CARD_PLAN_FIRST_TAG
                                          ? "   FROM deal_tag first INDEXED BY deal_tag_live"
                                            " JOIN deal d ON d.id = first.deal"
                                          : plan == CARD_PLAN_NEWEST
                                          ? "   FROM deal d INDEXED BY deal_recent"
                                          : "   FROM deal d",
                                        " LEFT JOIN stage s ON s.id = d.stage",
                                        where,
                                        "   ORDER BY d.created_at DESC, d.id DESC"
                                        "   LIMIT ?10 OFFSET ?11) page"
                                        " JOIN deal d ON d.id = page.page_id"
                                        " LEFT JOIN stage s ON s.id = d.stage"
                                        " LEFT JOIN company co ON co.id = d.company"
                                        "   AND co.deleted = 0"
                                        " LEFT JOIN \"user\" u ON u.id = d.responsible"
                                        NEXT_TASK_JOIN
                                        " ORDER BY page.page_at DESC, page.page_id DESC", NULL);
    stmt = _crm_store_prepare (store, sql, error);
  }
  if (stmt == NULL)
    return NULL;
  bind_card_filter (stmt, filter, tags_json, n_tags, flag_path);
  sqlite3_bind_int64 (stmt, 10, filter->limit > 0 ? (gint64) filter->limit : -1);
  sqlite3_bind_int64 (stmt, 11, filter->offset);
  if (plan == CARD_PLAN_FIRST_TAG)
    sqlite3_bind_text (stmt, 12, filter->tag_ids[0], -1, SQLITE_TRANSIENT);
  return collect_rows (store, stmt, _crm_card_from_row, "list deal cards", error);
}

static JsonObject *
board_column_from_row (sqlite3_stmt *stmt)
{
  JsonObject *column = json_object_new ();

  _crm_json_set_text_column (column, "id", stmt, 0);
  _crm_json_set_text_column (column, "name", stmt, 1);
  _crm_json_set_text_column (column, "kind", stmt, 2);
  json_object_set_int_member (column, "count", sqlite3_column_int64 (stmt, 3));
  json_object_set_int_member (column, "sum", sqlite3_column_int64 (stmt, 4));
  return column;
}

JsonArray *
crm_query_board_columns (CrmStore            *store,
                         const char          *pipeline_id,
                         const char * const  *tag_ids,
                         const char          *search,
                         GError             **error)
{
  return crm_query_board_columns_for (store, pipeline_id, tag_ids, search, NULL, error);
}

JsonArray *
crm_query_board_columns_for (CrmStore            *store,
                             const char          *pipeline_id,
                             const char * const  *tag_ids,
                             const char          *search,
                             const char          *responsible_id,
                             GError             **error)
{
  g_autofree char *tags_json = NULL;
  gint64 n_tags = 0;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (pipeline_id != NULL, NULL);

  /* without a text search, the board query of crm-pipeline-board.c answers from the running
   * totals and the board index, whatever the size of the account */
  if (effective_search (search) == NULL)
    return crm_query_board_for (store, pipeline_id, tag_ids, responsible_id, 0, error);

  if (!ensure_functions (store, error))
    return NULL;
  tags_json = _crm_tags_to_json (tag_ids, &n_tags);
  stmt = _crm_store_prepare (store,
    "SELECT s.id, s.name, s.kind, count (d.id), coalesce (sum (d.amount), 0) FROM stage s"
    " LEFT JOIN deal d ON d.stage = s.id AND d.deleted = 0"
    "   AND (?2 IS NULL OR d.id IN (SELECT dt.deal FROM deal_tag dt"
    "     WHERE dt.present = 1 AND dt.deleted = 0"
    "     AND dt.tag IN (SELECT value FROM json_each (?2))"
    "     GROUP BY dt.deal HAVING count (DISTINCT dt.tag) = ?3))"
    "   AND (?4 IS NULL OR " DEAL_MATCHES ("4") ")"
    "   AND (?5 IS NULL OR d.responsible = ?5)"
    " WHERE s.pipeline = ?1 AND s.deleted = 0"
    " GROUP BY s.id ORDER BY s.position, s.name, s.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pipeline_id, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 2, tags_json);
  sqlite3_bind_int64 (stmt, 3, n_tags);
  bind_text_or_null (stmt, 4, effective_search (search));
  bind_text_or_null (stmt, 5, responsible_id);
  return collect_rows (store, stmt, board_column_from_row, "list board columns", error);
}

/* ---- companies ---- */

static JsonObject *
company_from_row (sqlite3_stmt *stmt)
{
  JsonObject *company = json_object_new ();

  _crm_json_set_text_column (company, "id", stmt, 0);
  _crm_json_set_text_column (company, "name", stmt, 1);
  _crm_json_set_text_column (company, "inn", stmt, 2);
  json_object_set_int_member (company, "deals", sqlite3_column_int64 (stmt, 3));
  json_object_set_int_member (company, "contacts", sqlite3_column_int64 (stmt, 4));
  json_object_set_int_member (company, "total", sqlite3_column_int64 (stmt, 5));
  return company;
}

JsonArray *
crm_query_companies (CrmStore    *store,
                     const char  *search,
                     guint        limit,
                     guint        offset,
                     gint64      *out_total,
                     GError     **error)
{
  return crm_query_companies_sorted (store, search, FALSE, limit, offset, out_total, error);
}

JsonArray *
crm_query_companies_sorted (CrmStore    *store,
                            const char  *search,
                            gboolean     by_total,
                            guint        limit,
                            guint        offset,
                            gint64      *out_total,
                            GError     **error)
{
#define COMPANY_FILTER \
  " WHERE co.deleted = 0 AND (?1 IS NULL OR crm_matches_words (co.name, ?1))"
  const char *words = effective_search (search);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!ensure_functions (store, error))
    return NULL;
  if (out_total != NULL)
    {
      stmt = _crm_store_prepare (store, "SELECT count (*) FROM company co" COMPANY_FILTER, error);
      if (stmt == NULL)
        return NULL;
      bind_text_or_null (stmt, 1, words);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_read_error (store, error, "count companies");
          return NULL;
        }
      *out_total = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  /* S3-6: the total of won deals, summed from the deals (index deal_company) */
#define COMPANY_ROW \
    "SELECT co.id, co.name, co.inn," \
    " (SELECT count (*) FROM deal d JOIN stage s ON s.id = d.stage" \
    "   WHERE d.company = co.id AND d.deleted = 0 AND s.kind IN ('unsorted', 'open'))," \
    " (SELECT count (*) FROM contact c WHERE c.company = co.id AND c.deleted = 0)," \
    " (SELECT coalesce (sum (d.amount), 0) FROM deal d JOIN stage s ON s.id = d.stage" \
    "   WHERE d.company = co.id AND d.deleted = 0 AND s.kind = 'won') AS total" \
    " FROM company co" COMPANY_FILTER
  stmt = _crm_store_prepare (store,
    by_total ? COMPANY_ROW " ORDER BY total DESC, co.name, co.id LIMIT ?2 OFFSET ?3"
             : COMPANY_ROW " ORDER BY co.name, co.id LIMIT ?2 OFFSET ?3", error);
#undef COMPANY_ROW
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, words);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 3, offset);
  return collect_rows (store, stmt, company_from_row, "list companies", error);
}

/* ---- field definitions and loss reasons ---- */

static JsonObject *
field_from_row (sqlite3_stmt *stmt)
{
  JsonObject *field = json_object_new ();

  _crm_json_set_text_column (field, "id", stmt, 0);
  _crm_json_set_text_column (field, "key", stmt, 1);
  _crm_json_set_text_column (field, "label", stmt, 2);
  _crm_json_set_text_column (field, "type", stmt, 3);
  json_object_set_member (field, "choices", json_column (stmt, 4, JSON_NODE_ARRAY));
  json_object_set_member (field, "required_stages", json_column (stmt, 5, JSON_NODE_ARRAY));
  json_object_set_boolean_member (field, "hidden", sqlite3_column_int (stmt, 6) != 0);
  json_object_set_boolean_member (field, "on_deals", sqlite3_column_int (stmt, 7) != 0);
  return field;
}

JsonArray *
crm_query_fields (CrmStore    *store,
                  const char  *entity,
                  GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id, key, label, type, choices, required_stages, coalesce (hidden, 0),"
    " coalesce (json_extract (data, '$.on_deals'), 0) FROM field"
    " WHERE deleted = 0 AND entity = ?1 ORDER BY position, key", error);
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, entity);
  return collect_rows (store, stmt, field_from_row, "list fields", error);
}

static JsonObject *
loss_reason_from_row (sqlite3_stmt *stmt)
{
  JsonObject *reason = json_object_new ();

  _crm_json_set_text_column (reason, "id", stmt, 0);
  _crm_json_set_text_column (reason, "name", stmt, 1);
  _crm_json_set_text_column (reason, "pipeline", stmt, 2);
  return reason;
}

JsonArray *
crm_query_loss_reasons (CrmStore    *store,
                        const char  *pipeline_id,
                        GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* The same list the loss-reason gate accepts. */
  stmt = _crm_store_prepare (store,
    "SELECT id, name, pipeline FROM loss_reason WHERE deleted = 0"
    " AND (pipeline = ?1 OR pipeline IS NULL) ORDER BY position, name", error);
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, pipeline_id);
  return collect_rows (store, stmt, loss_reason_from_row, "list loss reasons", error);
}

/* ---- a contact's tasks ---- */

static JsonObject *
contact_task_from_row (sqlite3_stmt *stmt)
{
  JsonObject *task = json_object_new ();

  _crm_json_set_text_column (task, "id", stmt, 0);
  _crm_json_set_text_column (task, "deal", stmt, 1);
  _crm_json_set_text_column (task, "deal_title", stmt, 2);
  _crm_json_set_text_column (task, "text", stmt, 3);
  _crm_json_set_text_column (task, "type", stmt, 4);
  set_iso_time (task, "due", stmt, 5);
  _crm_json_set_text_column (task, "responsible_id", stmt, 6);
  _crm_json_set_text_column (task, "responsible", stmt, 7);
  json_object_set_boolean_member (task, "done", sqlite3_column_int (stmt, 8) != 0);
  _crm_json_set_text_column (task, "result", stmt, 9);
  json_object_set_member (task, "checklist", json_column (stmt, 10, JSON_NODE_ARRAY));
  json_object_set_boolean_member (task, "due_has_time", sqlite3_column_int (stmt, 11) != 0);
  return task;
}

JsonArray *
crm_query_contact_tasks (CrmStore    *store,
                         const char  *contact_id,
                         gboolean     open_only,
                         GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (contact_id != NULL, NULL);

  stmt = _crm_store_prepare (store,
    "SELECT t.id, t.deal, d.title, t.text, t.type, t.due, t.responsible, u.name, t.done,"
    " t.result, t.checklist, json_extract (t.data, '$.due_has_time') FROM task t"
    " LEFT JOIN deal d ON d.id = t.deal"
    " LEFT JOIN \"user\" u ON u.id = t.responsible"
    " WHERE t.deleted = 0 AND (?2 = 0 OR coalesce (t.done, 0) = 0)"
    " AND (t.contact = ?1 OR t.deal IN (SELECT dc.deal FROM deal_contact dc"
    "   WHERE dc.contact = ?1 AND dc.present = 1 AND dc.deleted = 0))"
    " ORDER BY t.due IS NULL, t.due, t.created_at, t.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, contact_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, open_only ? 1 : 0);
  return collect_rows (store, stmt, contact_task_from_row, "list a contact's tasks", error);
}

/* ---- a company's contacts ---- */

static JsonObject *
company_contact_from_row (sqlite3_stmt *stmt)
{
  JsonObject *contact = json_object_new ();

  _crm_json_set_text_column (contact, "id", stmt, 0);
  _crm_json_set_text_column (contact, "name", stmt, 1);
  json_object_set_member (contact, "phones", json_column (stmt, 2, JSON_NODE_ARRAY));
  json_object_set_member (contact, "emails", json_column (stmt, 3, JSON_NODE_ARRAY));
  return contact;
}

JsonArray *
crm_query_company_contacts (CrmStore    *store,
                            const char  *company_id,
                            GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (company_id != NULL, NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id, name, phones, emails FROM contact WHERE company = ?1 AND deleted = 0"
    " ORDER BY name, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, company_id, -1, SQLITE_TRANSIENT);
  return collect_rows (store, stmt, company_contact_from_row, "list a company's contacts", error);
}
