/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-pipeline-board.c — deal cards that stay fast on a large account: the board of one
 * pipeline in one call (issue 8: 50 000 deals in a pipeline, first 50 cards of every
 * stage with counts and sums, ≤ 50 ms) and the brand-tag filter (200 000 deals, first
 * page ≤ 20 ms).
 *
 * Each stage costs two statements whose cost does not grow with the account: the count
 * and sum are one row of deal_stage_total (kept by triggers; with a tag filter they walk
 * the stage's range of the deal_board index instead), and the cards read the first rows
 * of the deal_board range (stage, created_at, id, amount — partial on deleted = 0),
 * newest first, before anything per card is looked up: contact, tags and next task are computed for the 50 cards shown, never for the
 * thousands behind them. Filters are fixed SQL with bound parameters, never
 * "?1 IS NULL OR column = ?1" on an indexed column, which would stop SQLite from using
 * the index. */
#define G_LOG_DOMAIN "voronka-query"

#include "crm-pipeline-board.h"
#include "crm-store-private.h"
#include "crm-sql-private.h"
#include "crm-card-private.h"

/* ?1 stage, ?2 tag ids (JSON array) or NULL, ?3 number of distinct tags */
#define BOARD_TAG_FILTER \
  " AND (?2 IS NULL OR (SELECT count (DISTINCT dt.tag) FROM deal_tag dt" \
  "   WHERE dt.deal = d.id AND dt.present = 1 AND dt.deleted = 0" \
  "   AND dt.tag IN (SELECT value FROM json_each (?2))) = ?3)"

/* With a tag filter the stage's deals are counted; without one, deal_stage_total has
 * the answer (schema 2: kept by triggers on deal). */
#define BOARD_TOTALS_SQL \
  "SELECT count (*), coalesce (sum (d.amount), 0) FROM deal d" \
  " WHERE d.stage = ?1 AND d.deleted = 0" BOARD_TAG_FILTER

#define STAGE_TOTAL_SQL \
  "SELECT coalesce (max (deals), 0), coalesce (max (amount), 0) FROM deal_stage_total" \
  " WHERE stage = ?1"

/* What each card shows (crm-card-private.h), for the deals of the subquery "d". Only
 * the deals of the page reach these lookups. */
#define CARD_COLUMNS \
  "SELECT " CRM_CARD_COLUMNS \
  " FROM (SELECT " CRM_CARD_DEAL_COLUMNS " FROM deal d"

#define CARD_JOINS \
  ") d" \
  " LEFT JOIN stage s ON s.id = d.stage" \
  " LEFT JOIN company co ON co.id = d.company AND co.deleted = 0" \
  " LEFT JOIN \"user\" u ON u.id = d.responsible" \
  " LEFT JOIN task nt ON nt.id = (SELECT t.id FROM task t WHERE t.deal = d.id" \
  "   AND coalesce (t.done, 0) = 0 AND t.deleted = 0" \
  "   ORDER BY t.due IS NULL, t.due, t.created_at, t.id LIMIT 1)" \
  " ORDER BY d.created_at DESC, d.id DESC"

/* «Мои»: only the deals ?5 is responsible for; counted, never from the running totals. */
#define BOARD_TOTALS_MINE_SQL \
  "SELECT count (*), coalesce (sum (d.amount), 0) FROM deal d" \
  " WHERE d.stage = ?1 AND d.deleted = 0 AND d.responsible = ?5" BOARD_TAG_FILTER

#define BOARD_CARDS_MINE_SQL \
  CARD_COLUMNS \
  " WHERE d.stage = ?1 AND d.deleted = 0 AND d.responsible = ?5" BOARD_TAG_FILTER \
  " ORDER BY d.created_at DESC, d.id DESC LIMIT ?4" CARD_JOINS

/* The first ?4 deals of the stage, newest first, straight from deal_board. */
#define BOARD_CARDS_SQL \
  CARD_COLUMNS \
  " WHERE d.stage = ?1 AND d.deleted = 0" BOARD_TAG_FILTER \
  " ORDER BY d.created_at DESC, d.id DESC LIMIT ?4" CARD_JOINS

/* ?1 tag ids (JSON array), ?2 their number, ?3 the first of them */
#define TAGGED_FILTER \
  " (SELECT count (*) FROM deal_tag dt WHERE dt.deal = d.id AND dt.present = 1" \
  "  AND dt.deleted = 0 AND dt.tag IN (SELECT value FROM json_each (?1))) = ?2"

/* Newest deals first (deal_recent) until the page is full: a brand is on one deal in
 * ten, so a page of 50 reads a few hundred index entries. */
#define TAGGED_CARDS_SQL \
  CARD_COLUMNS \
  " WHERE d.deleted = 0 AND" TAGGED_FILTER \
  " ORDER BY d.created_at DESC, d.id DESC LIMIT ?4 OFFSET ?5" CARD_JOINS

/* One tag: its row of deal_tag_total (schema 2, kept by triggers). */
#define TAG_TOTAL_SQL \
  "SELECT coalesce (max (deals), 0) FROM deal_tag_total WHERE tag = ?1"

/* More tags: the total from two indexes alone: the live links of the first tag (deal_tag_live)
 * whose deal is live (deal_live), narrowed by the other tags when there are more. A
 * deal has one link per tag (its id derives from both ends), so count (*) counts tags. */
#define TAGGED_COUNT_SQL \
  "SELECT count (*) FROM deal_tag first INDEXED BY deal_tag_live" \
  " JOIN deal d INDEXED BY deal_live ON d.id = first.deal AND d.deleted = 0" \
  " WHERE first.tag = ?3 AND first.present = 1 AND first.deleted = 0" \
  " AND (?2 = 1 OR" TAGGED_FILTER ")"

static JsonNode *
tags_column (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_clear_pointer (&node, json_node_unref);
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, json_array_new ());
    }
  return node;
}

JsonObject *
_crm_card_from_row (sqlite3_stmt *stmt)
{
  JsonObject *card = json_object_new ();

  _crm_json_set_text_column (card, "id", stmt, 0);
  _crm_json_set_text_column (card, "title", stmt, 1);
  _crm_json_set_int_column (card, "amount", stmt, 2);
  _crm_json_set_text_column (card, "currency", stmt, 3);
  _crm_json_set_text_column (card, "pipeline_id", stmt, 4);
  _crm_json_set_text_column (card, "stage_id", stmt, 5);
  _crm_json_set_text_column (card, "stage", stmt, 6);
  _crm_json_set_text_column (card, "stage_kind", stmt, 7);
  _crm_json_set_text_column (card, "company", stmt, 8);
  _crm_json_set_text_column (card, "contact", stmt, 9);
  _crm_json_set_text_column (card, "responsible", stmt, 10);
  json_object_set_member (card, "tags", tags_column (stmt, 11));
  _crm_json_set_text_column (card, "next_task_id", stmt, 12);
  _crm_json_set_text_column (card, "next_task", stmt, 13);
  _crm_json_set_int_column (card, "next_due", stmt, 14);
  json_object_set_int_member (card, "open_tasks", sqlite3_column_int64 (stmt, 15));
  /* a lost deal's card says why */
  _crm_json_set_text_column (card, "loss_reason", stmt, 16);
  _crm_json_set_text_column (card, "responsible_id", stmt, 17);
  return card;
}

static void
bind_filter (sqlite3_stmt *stmt,
             const char   *stage_id,
             const char   *tags_json,
             gint64        n_tags)
{
  sqlite3_bind_text (stmt, 1, stage_id, -1, SQLITE_TRANSIENT);
  if (tags_json != NULL)
    sqlite3_bind_text (stmt, 2, tags_json, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_int64 (stmt, 3, n_tags);
}

/* Count, sum and cards of one column. */
static gboolean
fill_column (CrmStore    *store,
             JsonObject  *column,
             const char  *tags_json,
             gint64       n_tags,
             const char  *responsible_id,
             guint        cards_per_stage,
             GError     **error)
{
  const char *stage_id = json_object_get_string_member (column, "id");
  JsonArray *cards = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  json_object_set_array_member (column, "cards", cards);

  if (tags_json != NULL || responsible_id != NULL)
    {
      stmt = _crm_store_prepare (store, responsible_id != NULL ? BOARD_TOTALS_MINE_SQL
                                                               : BOARD_TOTALS_SQL, error);
      if (stmt == NULL)
        return FALSE;
      bind_filter (stmt, stage_id, tags_json, n_tags);
      if (responsible_id != NULL)
        sqlite3_bind_text (stmt, 5, responsible_id, -1, SQLITE_TRANSIENT);
    }
  else
    {
      stmt = _crm_store_prepare (store, STAGE_TOTAL_SQL, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, stage_id, -1, SQLITE_TRANSIENT);
    }
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "counting a board column");
      sqlite3_reset (stmt);
      return FALSE;
    }
  json_object_set_int_member (column, "count", sqlite3_column_int64 (stmt, 0));
  json_object_set_int_member (column, "sum", sqlite3_column_int64 (stmt, 1));
  sqlite3_reset (stmt);

  if (cards_per_stage == 0)
    return TRUE;
  stmt = _crm_store_prepare (store, responsible_id != NULL ? BOARD_CARDS_MINE_SQL
                                                           : BOARD_CARDS_SQL, error);
  if (stmt == NULL)
    return FALSE;
  bind_filter (stmt, stage_id, tags_json, n_tags);
  if (responsible_id != NULL)
    sqlite3_bind_text (stmt, 5, responsible_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, cards_per_stage);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (cards, _crm_card_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading board cards");
      return FALSE;
    }
  return TRUE;
}

JsonArray *
crm_query_board (CrmStore            *store,
                 const char          *pipeline_id,
                 const char * const  *tag_ids,
                 guint                cards_per_stage,
                 GError             **error)
{
  return crm_query_board_for (store, pipeline_id, tag_ids, NULL, cards_per_stage, error);
}

JsonArray *
crm_query_board_for (CrmStore            *store,
                     const char          *pipeline_id,
                     const char * const  *tag_ids,
                     const char          *responsible_id,
                     guint                cards_per_stage,
                     GError             **error)
{
  g_autoptr(JsonArray) columns = json_array_new ();
  g_autofree char *tags_json = NULL;
  gint64 n_tags = 0;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (pipeline_id != NULL, NULL);

  tags_json = _crm_tags_to_json (tag_ids, &n_tags);
  stmt = _crm_store_prepare (store,
    "SELECT id, name, kind FROM stage WHERE pipeline = ?1 AND deleted = 0"
    " ORDER BY position, name, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pipeline_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *column = json_object_new ();

      _crm_json_set_text_column (column, "id", stmt, 0);
      _crm_json_set_text_column (column, "name", stmt, 1);
      _crm_json_set_text_column (column, "kind", stmt, 2);
      json_array_add_object_element (columns, column);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the stages of a board");
      return NULL;
    }

  /* The stage list is read in full first: the statements below are cached too. */
  for (guint i = 0; i < json_array_get_length (columns); i++)
    if (!fill_column (store, json_array_get_object_element (columns, i), tags_json, n_tags,
                      responsible_id,
                      cards_per_stage, error))
      return NULL;
  return g_steal_pointer (&columns);
}

JsonArray *
crm_query_cards_with_tags (CrmStore            *store,
                           const char * const  *tag_ids,
                           guint                limit,
                           guint                offset,
                           gint64              *out_total,
                           GError             **error)
{
  g_autoptr(JsonArray) cards = json_array_new ();
  g_autofree char *tags_json = NULL;
  gint64 n_tags = 0;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (tag_ids != NULL && tag_ids[0] != NULL, NULL);

  tags_json = _crm_tags_to_json (tag_ids, &n_tags);
  if (out_total != NULL)
    {
      stmt = _crm_store_prepare (store, n_tags == 1 ? TAG_TOTAL_SQL : TAGGED_COUNT_SQL, error);
      if (stmt == NULL)
        return NULL;
      if (n_tags == 1)
        sqlite3_bind_text (stmt, 1, tag_ids[0], -1, SQLITE_TRANSIENT);
      else
        {
          sqlite3_bind_text (stmt, 1, tags_json, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 2, n_tags);
          sqlite3_bind_text (stmt, 3, tag_ids[0], -1, SQLITE_TRANSIENT);
        }
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_read_error (store, error, "counting tagged deals");
          sqlite3_reset (stmt);
          return NULL;
        }
      *out_total = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  stmt = _crm_store_prepare (store, TAGGED_CARDS_SQL, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, tags_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, n_tags);
  sqlite3_bind_int64 (stmt, 4, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 5, offset);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (cards, _crm_card_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "listing tagged deals");
      return NULL;
    }
  return g_steal_pointer (&cards);
}
