/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-board.c — the large-account queries (crm-pipeline-board.c, crm-search.c, schema 2) answer
 * exactly what the general queries answer: the board in one call equals the app's
 * columns and cards, the brand filter equals the filtered card list, and search by the
 * first letters equals crm_query_contacts() — on demo data, after renames and deletes,
 * and after a replica of schema 1 is migrated. */
#include <string.h>

#include "crm-pipeline-board.h"
#include "crm-demo.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-query-private.h"
#include "crm-replica-file.h"
#include "crm-search.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-template.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-uuid.h"

typedef struct {
  char     *dir;
  char     *path;
  CrmStore *store;
} Fixture;

static const char *const queries[] = {
  "И", "ив", "Ива", "иван", "Иванов", "ИВАНОВА", "пет", "Сер", "Ол", "ё", "Фёд", "фед",
  "Алексеевич", "Иван Пет", "Ива Ив", "сер ник вла", "xyz", "79", "7916", "  ", "", NULL,
};

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) template = NULL;
  CrmDemoOptions options = { .seed = 7, .n_deals = 400, .n_contacts = 300, .n_companies = 60 };
  gint64 now = 0;

  f->dir = crm_test_make_tmpdir ();
  f->path = g_build_filename (f->dir, "replica.db", NULL);
  f->store = crm_store_create (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_time_parse ("2026-03-02T10:00:00Z", &now));
  crm_store_set_now (f->store, now);
  template = crm_template_load ("truck-dealer", &error);
  g_assert_no_error (error);
  crm_template_apply (f->store, template, &error);
  g_assert_no_error (error);
  crm_demo_populate (f->store, &options, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
assert_same_json (JsonNode   *expected,
                  JsonNode   *actual,
                  const char *what)
{
  g_autofree char *a = json_to_string (expected, FALSE);
  g_autofree char *b = json_to_string (actual, FALSE);

  if (g_strcmp0 (a, b) != 0)
    g_error ("%s differs:\nexpected %s\nactual   %s", what, a, b);
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (node, array);
  return node;
}

static GPtrArray *
ids_of (CrmStore   *store,
        const char *sql)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  g_ptr_array_add (ids, NULL);
  return ids;
}

/* ─────────────────────────────────────── board ─────────────────────────────────── */

static void
assert_board_equal (CrmStore           *store,
                    const char         *pipeline,
                    const char * const *tag_ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) board = crm_query_board (store, pipeline, tag_ids, 7, &error);
  g_autoptr(JsonArray) columns = NULL;

  g_assert_no_error (error);
  columns = crm_query_board_columns (store, pipeline, tag_ids, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (board), ==, json_array_get_length (columns));

  for (guint i = 0; i < json_array_get_length (columns); i++)
    {
      JsonObject *expected = json_array_get_object_element (columns, i);
      JsonObject *actual = json_array_get_object_element (board, i);
      CrmCardFilter filter = {
        .pipeline_id = pipeline,
        .stage_id = json_object_get_string_member (expected, "id"),
        .tag_ids = tag_ids,
        .limit = 7,
      };
      g_autoptr(JsonArray) cards = crm_query_deal_cards (store, &filter, NULL, &error);
      g_autoptr(JsonNode) expected_cards = NULL;
      g_autoptr(JsonNode) actual_cards = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (actual, "id"), ==,
                       json_object_get_string_member (expected, "id"));
      g_assert_cmpstr (json_object_get_string_member (actual, "name"), ==,
                       json_object_get_string_member (expected, "name"));
      /* the columns now come from the board query itself: count and sum are checked
       * against every card of the stage instead */
      {
        CrmCardFilter all = filter;
        gint64 total = 0, sum = 0;
        g_autoptr(JsonArray) every = NULL;

        all.limit = 0;
        every = crm_query_deal_cards (store, &all, &total, &error);
        g_assert_no_error (error);
        for (guint c = 0; c < json_array_get_length (every); c++)
          sum += json_object_get_int_member_with_default (json_array_get_object_element (every, c),
                                                          "amount", 0);
        g_assert_cmpint (json_object_get_int_member (actual, "count"), ==, total);
        g_assert_cmpint (json_object_get_int_member (expected, "count"), ==, total);
        g_assert_cmpint (json_object_get_int_member (actual, "sum"), ==, sum);
        g_assert_cmpint (json_object_get_int_member (expected, "sum"), ==, sum);
      }
      expected_cards = array_node (cards);
      actual_cards = array_node (json_object_get_array_member (actual, "cards"));
      assert_same_json (expected_cards, actual_cards, "board cards");
    }
}

static void
test_board (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) pipelines = ids_of (f->store, "SELECT id FROM pipeline ORDER BY id");
  g_autoptr(GPtrArray) tags = ids_of (f->store, "SELECT id FROM tag ORDER BY rowid");
  const char *one_tag[] = { tags->pdata[0], NULL };
  const char *two_tags[] = { tags->pdata[1], tags->pdata[9], NULL };

  for (guint i = 0; pipelines->pdata[i] != NULL; i++)
    {
      assert_board_equal (f->store, pipelines->pdata[i], NULL);
      assert_board_equal (f->store, pipelines->pdata[i], one_tag);
      assert_board_equal (f->store, pipelines->pdata[i], two_tags);
    }
}

static void
test_board_no_cards (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pipelines = ids_of (f->store, "SELECT id FROM pipeline ORDER BY id");
  g_autoptr(JsonArray) board = crm_query_board (f->store, pipelines->pdata[0], NULL, 0, &error);
  gint64 total = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (board); i++)
    {
      JsonObject *column = json_array_get_object_element (board, i);

      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (column, "cards")),
                        ==, 0);
      total += json_object_get_int_member (column, "count");
    }
  g_assert_cmpint (total, >, 0);
}

/* Moves, new amounts, deletes and merged ops keep the stage totals of the board. */
static void
test_board_totals_follow_changes (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GPtrArray) pipelines = ids_of (f->store, "SELECT id FROM pipeline ORDER BY id");
  g_autoptr(GPtrArray) deals = ids_of (f->store,
    "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE s.kind = 'open' ORDER BY d.id LIMIT 3");
  g_autoptr(GPtrArray) stages = ids_of (f->store,
    "SELECT s.id FROM stage s JOIN deal d ON d.pipeline = s.pipeline"
    " WHERE d.id = (SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage"
    "   WHERE s.kind = 'open' ORDER BY d.id LIMIT 1) AND s.kind = 'open' ORDER BY s.position DESC");
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  g_autofree char *new_id = crm_store_new_id (f->store);
  CrmChange *change;

  change = crm_changeset_touch (changeset, "deal", deals->pdata[0]);
  crm_change_set_string (change, "stage", stages->pdata[0]);
  change = crm_changeset_touch (changeset, "deal", deals->pdata[1]);
  crm_change_set_int (change, "amount", 123456789);
  change = crm_changeset_touch (changeset, "deal", deals->pdata[2]);
  crm_change_set_bool (change, "deleted", TRUE);
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);
  for (guint i = 0; pipelines->pdata[i] != NULL; i++)
    assert_board_equal (f->store, pipelines->pdata[i], NULL);

  /* an op made elsewhere, merged: a new deal with no amount */
  ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  {
    CrmOp *op = crm_op_new ();

    op->op_id = crm_store_new_id (f->store);
    op->hlc = (guint64) 1772445700000 << 16;  /* a little after the fixture's clock */
    op->device = g_strdup ("0190c0de-0000-7000-8000-000000000001");
    op->entity = g_strdup ("deal");
    op->entity_id = g_strdup (new_id);
    op->fields = json_object_new ();
    json_object_set_string_member (op->fields, "title", "Merged");
    json_object_set_string_member (op->fields, "pipeline", pipelines->pdata[0]);
    json_object_set_string_member (op->fields, "stage", stages->pdata[1]);
    g_ptr_array_add (ops, op);
  }
  crm_store_merge_ops (f->store, ops, &error);
  g_assert_no_error (error);
  for (guint i = 0; pipelines->pdata[i] != NULL; i++)
    assert_board_equal (f->store, pipelines->pdata[i], NULL);
}

/* ──────────────────────────────────── brand filter ─────────────────────────────── */

/* The deals a card filter lets through, newest first, by the plainest SQL: the
 * reference the planned queries of crm_query_deal_cards() must equal. */
static GPtrArray *
reference_deal_ids (CrmStore            *store,
                    const CrmCardFilter *filter)
{
  g_autoptr(JsonArray) tags = json_array_new ();
  g_autoptr(JsonNode) tags_node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *tags_json = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT d.id FROM deal d LEFT JOIN stage s ON s.id = d.stage WHERE d.deleted = 0"
    " AND (?1 IS NULL OR d.pipeline = ?1) AND (?2 IS NULL OR d.stage = ?2)"
    " AND (?4 = 0 OR (SELECT count (DISTINCT dt.tag) FROM deal_tag dt WHERE dt.deal = d.id"
    "   AND dt.present = 1 AND dt.deleted = 0"
    "   AND dt.tag IN (SELECT value FROM json_each (?3))) = ?4)"
    " AND (?5 IS NULL OR json_extract (d.data, '$.' || ?5) = 1)"
    " AND (?6 = 0 OR s.kind IN ('unsorted', 'open'))"
    " ORDER BY d.created_at DESC, d.id DESC", &error);
  gint64 n_tags = 0;

  g_assert_no_error (error);
  for (guint i = 0; filter->tag_ids != NULL && filter->tag_ids[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) filter->tag_ids[i]))
      {
        json_array_add_string_element (tags, filter->tag_ids[i]);
        n_tags++;
      }
  json_node_set_array (tags_node, tags);
  tags_json = json_to_string (tags_node, FALSE);
  if (filter->pipeline_id != NULL)
    sqlite3_bind_text (stmt, 1, filter->pipeline_id, -1, SQLITE_TRANSIENT);
  if (filter->stage_id != NULL)
    sqlite3_bind_text (stmt, 2, filter->stage_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, tags_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, n_tags);
  if (filter->flag_field != NULL)
    sqlite3_bind_text (stmt, 5, filter->flag_field, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, filter->open_only ? 1 : 0);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return ids;
}

/* crm_query_deal_cards() under @filter: the reference's deals, paged, with the total;
 * each card as the stage's own list shows it (another query plan). Returns the total. */
static gint64
assert_cards_match_reference (CrmStore            *store,
                              const CrmCardFilter *filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = reference_deal_ids (store, filter);
  gint64 total = -1;
  g_autoptr(JsonArray) actual = crm_query_deal_cards (store, filter, &total, &error);
  guint first = MIN (filter->offset, expected->len);
  guint n = filter->limit > 0 ? MIN (filter->limit, expected->len - first) : expected->len - first;

  g_assert_no_error (error);
  g_assert_cmpint (total, ==, expected->len);
  g_assert_cmpuint (json_array_get_length (actual), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *card = json_array_get_object_element (actual, i);
      CrmCardFilter by_stage = {
        .stage_id = json_object_get_string_member (card, "stage_id"),
        .tag_ids = filter->tag_ids, .flag_field = filter->flag_field,
        .open_only = filter->open_only,
      };
      g_autoptr(JsonArray) stage_cards = NULL;
      g_autoptr(JsonNode) actual_node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonNode) expected_node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *same = NULL;

      g_assert_cmpstr (json_object_get_string_member (card, "id"), ==,
                       expected->pdata[first + i]);
      stage_cards = crm_query_deal_cards (store, &by_stage, NULL, &error);
      g_assert_no_error (error);
      for (guint c = 0; same == NULL && c < json_array_get_length (stage_cards); c++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (stage_cards, c), "id"),
                         expected->pdata[first + i]))
          same = json_array_get_object_element (stage_cards, c);
      g_assert_nonnull (same);
      json_node_set_object (actual_node, card);
      json_node_set_object (expected_node, same);
      assert_same_json (expected_node, actual_node, "card");
    }
  return total;
}

/* The CLI's deal list (crm_query_deals) under the same filter: the same deals. */
static void
assert_deals_match_reference (CrmStore            *store,
                              const CrmCardFilter *filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = reference_deal_ids (store, filter);
  CrmDealFilter deal_filter = {
    .pipeline_id = filter->pipeline_id, .stage_id = filter->stage_id,
    .tag_ids = filter->tag_ids, .open_only = filter->open_only,
    .limit = filter->limit, .offset = filter->offset,
  };
  gint64 total = -1;
  g_autoptr(JsonNode) deals = crm_query_deals (store, &deal_filter, &total, &error);
  JsonArray *array;
  guint first = MIN (filter->offset, expected->len);
  guint n = filter->limit > 0 ? MIN (filter->limit, expected->len - first) : expected->len - first;

  g_assert_no_error (error);
  array = json_node_get_array (deals);
  g_assert_cmpint (total, ==, expected->len);
  g_assert_cmpuint (json_array_get_length (array), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *deal = json_array_get_object_element (array, i);

      g_assert_cmpstr (json_object_get_string_member (deal, "id"), ==, expected->pdata[first + i]);
      g_assert_true (json_object_has_member (deal, "tags"));
      g_assert_true (json_object_has_member (deal, "fields"));
    }
}

static gint64
assert_tagged_equal (CrmStore           *store,
                     const char * const *tag_ids,
                     guint               limit,
                     guint               offset)
{
  g_autoptr(GError) error = NULL;
  CrmCardFilter filter = { .tag_ids = tag_ids, .limit = limit, .offset = offset };
  gint64 expected_total = assert_cards_match_reference (store, &filter);
  gint64 actual_total = -2;
  g_autoptr(JsonArray) expected = crm_query_deal_cards (store, &filter, NULL, &error);
  g_autoptr(JsonArray) actual = NULL;
  g_autoptr(JsonNode) expected_node = NULL;
  g_autoptr(JsonNode) actual_node = NULL;

  g_assert_no_error (error);
  actual = crm_query_cards_with_tags (store, tag_ids, limit, offset, &actual_total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (actual_total, ==, expected_total);
  expected_node = array_node (expected);
  actual_node = array_node (actual);
  assert_same_json (expected_node, actual_node, "tagged cards");
  return actual_total;
}

/* Every way crm_query_deal_cards() plans a page (walking the newest deals, walking the
 * first tag's deals, through the filter's own indexes) gives the reference's deals. */
static void
test_card_filters (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) tags = ids_of (f->store, "SELECT id FROM tag ORDER BY rowid");
  g_autoptr(GPtrArray) pipelines = ids_of (f->store, "SELECT id FROM pipeline ORDER BY rowid");
  guint checked = 0;

  for (guint p = 0; pipelines->pdata[p] != NULL; p++)
    for (guint t = 0; t + 1 < tags->len; t += 3)
      {
        const char *one[] = { tags->pdata[t], NULL };
        const char *two[] = { tags->pdata[t], tags->pdata[(t + 7) % (tags->len - 1)], NULL };
        const CrmCardFilter filters[] = {
          { .pipeline_id = pipelines->pdata[p], .limit = 10 },
          { .pipeline_id = pipelines->pdata[p], .open_only = TRUE, .limit = 10, .offset = 5 },
          { .pipeline_id = pipelines->pdata[p], .tag_ids = one, .limit = 10 },
          { .pipeline_id = pipelines->pdata[p], .tag_ids = one, .flag_field = "waiting_for_stock",
            .open_only = TRUE, .limit = 200 },
          { .tag_ids = two, .open_only = TRUE, .limit = 3, .offset = 1 },
          { .tag_ids = one, .flag_field = "waiting_for_stock" },
          { .flag_field = "waiting_for_stock", .limit = 20 },
        };

        for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
          {
            if (assert_cards_match_reference (f->store, &filters[i]) > 0)
              checked++;
            if (filters[i].flag_field == NULL)
              assert_deals_match_reference (f->store, &filters[i]);
          }
      }
  /* most of them found deals: the demo has waiting deals of every brand */
  g_assert_cmpuint (checked, >, 20);
}

static void
test_tag_filter (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) tags = ids_of (f->store, "SELECT id FROM tag ORDER BY rowid");
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; tags->pdata[i] != NULL; i++)
    {
      const char *one[] = { tags->pdata[i], NULL };
      const char *two[] = { tags->pdata[i], tags->pdata[(i + 9) % (tags->len - 1)], NULL };
      const char *same_twice[] = { tags->pdata[i], tags->pdata[i], NULL };

      /* every brand and trailer tag is on some demo deal */
      g_assert_cmpint (assert_tagged_equal (f->store, one, 50, 0), >, 0);
      assert_tagged_equal (f->store, one, 5, 3);
      assert_tagged_equal (f->store, one, 0, 0);
      assert_tagged_equal (f->store, two, 50, 0);
      assert_tagged_equal (f->store, same_twice, 50, 0);
    }

  /* a deleted deal and a removed tag leave the list and the total */
  deals = ids_of (f->store, "SELECT dt.deal FROM deal_tag dt WHERE dt.present = 1"
                            " ORDER BY dt.deal LIMIT 2");
  {
    CrmChange *change = crm_changeset_touch (changeset, "deal", deals->pdata[0]);

    crm_change_set_bool (change, "deleted", TRUE);
  }
  {
    g_autoptr(GPtrArray) links = ids_of (f->store, "SELECT id FROM deal_tag WHERE present = 1"
                                                   " ORDER BY id DESC LIMIT 1");
    CrmChange *change = crm_changeset_touch (changeset, "deal_tag", links->pdata[0]);

    crm_change_set_bool (change, "present", FALSE);
  }
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);
  for (guint i = 0; tags->pdata[i] != NULL; i++)
    {
      const char *one[] = { tags->pdata[i], NULL };

      assert_tagged_equal (f->store, one, 50, 0);
    }

  /* merged from elsewhere, the link before its deal; then the deal is deleted there */
  {
    g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
    g_autofree char *deal_id = crm_store_new_id (f->store);
    const char *one[] = { tags->pdata[0], NULL };
    const char *kinds[] = { "deal_tag", "deal", "deal" };

    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        CrmOp *op = crm_op_new ();

        op->op_id = crm_store_new_id (f->store);
        op->hlc = ((guint64) 1772445700000 << 16) + k;
        op->device = g_strdup ("0190c0de-0000-7000-8000-000000000002");
        op->entity = g_strdup (kinds[k]);
        op->entity_id = k == 0 ? crm_uuid_link ("deal_tag", deal_id, tags->pdata[0])
                               : g_strdup (deal_id);
        op->fields = json_object_new ();
        if (k == 0)
          {
            json_object_set_string_member (op->fields, "deal", deal_id);
            json_object_set_string_member (op->fields, "tag", tags->pdata[0]);
            json_object_set_boolean_member (op->fields, "present", TRUE);
          }
        else if (k == 1)
          json_object_set_string_member (op->fields, "title", "Merged later");
        else
          json_object_set_boolean_member (op->fields, "deleted", TRUE);
        g_ptr_array_add (ops, op);
        if (k == 0)
          continue;
        crm_store_merge_ops (f->store, ops, &error);
        g_assert_no_error (error);
        assert_tagged_equal (f->store, one, 50, 0);
      }
  }
}

/* ─────────────────────────────────────── search ────────────────────────────────── */

static void
assert_search_equal (CrmStore *store)
{
  guint non_empty = 0;

  for (guint i = 0; queries[i] != NULL; i++)
    for (guint page = 0; page < 2; page++)
      {
        g_autoptr(GError) error = NULL;
        guint limit = page == 0 ? 50 : 4, offset = page == 0 ? 0 : 3;
        gint64 expected_total = -1, actual_total = -2;
        g_autoptr(JsonNode) expected = _crm_query_contacts_scan (store, queries[i], NULL, limit,
                                                                 offset, &expected_total,
                                                                 &error);
        g_autoptr(JsonNode) actual = NULL;

        g_assert_no_error (error);
        actual = crm_query_contact_search (store, queries[i], limit, offset, &actual_total,
                                           &error);
        g_assert_no_error (error);
        g_assert_cmpint (actual_total, ==, expected_total);
        assert_same_json (expected, actual, queries[i]);
        if (json_array_get_length (json_node_get_array (actual)) > 0)
          non_empty++;
      }
  /* the comparison is about real pages, not empty ones */
  g_assert_cmpuint (non_empty, >, 20);
}

/* The prefix rows of schema 2 to 27 (the first one, two and three letters of every word)
 * from the contacts' search words: the bulk fill of schema 2. */
#define SCHEMA_27_PREFIXES \
    "SELECT t.contact, substr (t.token, 1, n.length) AS prefix," \
    "   min (t.position != 0) AS rank, c.name" \
    "  FROM contact_token t JOIN contact c ON c.rowid = t.contact," \
    "   (SELECT 1 AS length UNION ALL SELECT 2 UNION ALL SELECT 3) n" \
    "  WHERE t.position < 100 AND n.length <= length (t.token) GROUP BY 1, 2"

/* The prefix rows the store wrote are exactly what the prefix table's definition derives
 * from the contacts' search words: schema 28's, the first three letters of each word (a
 * shorter word whole) at the lowest rank of the words that start so. */
static void
assert_prefixes_derived (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "WITH expected AS (SELECT t.contact, substr (t.token, 1, 3) AS prefix,"
    "   min (t.position != 0) AS rank, c.name"
    "  FROM contact_token t JOIN contact c ON c.rowid = t.contact"
    "  WHERE t.position < 100 GROUP BY 1, 2)"
    " SELECT (SELECT count (*) FROM (SELECT * FROM expected EXCEPT"
    "   SELECT contact, prefix, rank, name FROM contact_prefix)),"
    "  (SELECT count (*) FROM (SELECT contact, prefix, rank, name FROM contact_prefix"
    "   EXCEPT SELECT * FROM expected)), (SELECT count (*) FROM contact_prefix)", &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 0);
  g_assert_cmpint (sqlite3_column_int (stmt, 2), >, 0);
  sqlite3_reset (stmt);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  assert_search_equal (f->store);
  assert_prefixes_derived (f->store);
}

/* Renames, new people and deletes go through the store's token table; the prefix
 * table follows it. */
static void
test_search_follows_changes (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) contacts = ids_of (f->store, "SELECT id FROM contact ORDER BY id LIMIT 3");
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *new_id = crm_store_new_id (f->store);
  CrmChange *change;
  gint64 total = 0;

  change = crm_changeset_touch (changeset, "contact", contacts->pdata[0]);
  crm_change_set_string (change, "name", "Ивашов Пётр Иванович");
  change = crm_changeset_touch (changeset, "contact", contacts->pdata[1]);
  crm_change_set_bool (change, "deleted", TRUE);
  change = crm_changeset_create (changeset, "contact", new_id);
  crm_change_set_string (change, "name", "Ёлкина Ирина Сергеевна");
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);

  assert_search_equal (f->store);
  assert_prefixes_derived (f->store);
  {
    g_autoptr(JsonNode) found = crm_query_contact_search (f->store, "ёлк", 10, 0, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 1);
  }
}

/* A replica written before schema 2 gets the indexes and a filled prefix table (and the
 * companies index of schema 3, schema 4's deal indexes without the hlc, schema 5's
 * prefix table keyed by contact, schema 6's prefixes written by the store, schema 7's
 * phone tails). */
static void
test_migration (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = _crm_store_get_db (f->store);

  g_assert_cmpint (sqlite3_exec (db,
    "DROP TRIGGER IF EXISTS contact_prefix_add; DROP TRIGGER IF EXISTS contact_prefix_remove;"
    " DROP TABLE contact_prefix; DROP INDEX deal_board; DROP INDEX deal_recent;"
    " DROP INDEX deal_live; DROP INDEX deal_tag_live; DROP TRIGGER deal_stage_total_insert;"
    " DROP TRIGGER deal_stage_total_update; DROP TRIGGER deal_stage_total_delete;"
    " DROP TABLE deal_stage_total; DROP TRIGGER deal_tag_total_link;"
    " DROP TRIGGER deal_tag_total_link_insert; DROP TRIGGER deal_tag_total_link_delete;"
    " DROP TRIGGER deal_tag_total_deal_insert; DROP TRIGGER deal_tag_total_deal_update;"
    " DROP TRIGGER deal_tag_total_deal_delete; DROP TABLE deal_tag_total;"
    " DROP INDEX company_list; DROP INDEX deal_stage; DROP INDEX deal_pipeline;"
    " CREATE INDEX deal_stage ON deal (stage, hlc);"
    " CREATE INDEX deal_pipeline ON deal (pipeline, hlc);"
    " DELETE FROM contact_token WHERE position = 101; PRAGMA user_version = 1;",
    NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&f->store);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  assert_search_equal (f->store);
  test_board (f, data);
  {
    sqlite3_stmt *stmt = _crm_store_prepare (f->store,
      "SELECT count (*) FROM sqlite_master WHERE type = 'index' AND name = 'company_list'",
      &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_reset (stmt);
  }
  {
    sqlite3_stmt *stmt = _crm_store_prepare (f->store,
      "SELECT (SELECT count (*) FROM pragma_index_info ('deal_stage')),"
      " (SELECT count (*) FROM pragma_index_info ('deal_pipeline'))", &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 1);
    sqlite3_reset (stmt);
  }
  {
    /* schema 5: the prefix table keyed by contact first */
    sqlite3_stmt *stmt = _crm_store_prepare (f->store,
      "SELECT i.name FROM pragma_index_list ('contact_prefix') l,"
      " pragma_index_info (l.name) i WHERE l.origin = 'pk' AND i.seqno = 0", &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "contact");
    sqlite3_reset (stmt);
  }
  {
    /* schema 6: the store writes the prefixes, no trigger does */
    sqlite3_stmt *stmt = _crm_store_prepare (f->store,
      "SELECT count (*) FROM sqlite_master WHERE type = 'trigger'"
      " AND name LIKE 'contact_prefix%'", &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_reset (stmt);
  }  {
    /* schema 7: five digits from the middle of a number find its contact */
    sqlite3_stmt *stmt = _crm_store_prepare (f->store,
      "SELECT c.id, substr (f.digits, 4, 5) FROM contact_phone f"
      " JOIN contact c ON c.rowid = f.rowid"
      " WHERE length (f.digits) >= 11 ORDER BY c.id LIMIT 1", &error);
    g_autofree char *contact = NULL;
    g_autofree char *piece = NULL;
    g_autoptr(JsonNode) found = NULL;
    gint64 total = 0;
    gboolean listed = FALSE;

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    contact = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    piece = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    sqlite3_reset (stmt);
    found = crm_query_contact_search (f->store, piece, 0, 0, &total, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (json_node_get_array (found)); i++)
      listed |= g_strcmp0 (json_object_get_string_member (
                  json_array_get_object_element (json_node_get_array (found), i), "id"), contact) == 0;
    g_assert_true (listed);
  }
}


/* «Mine»: the board of one user's deals counts and shows only theirs, the same through
 * every card query; a lost deal's card names its loss reason. */
static void
test_mine_and_loss_reason (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pipelines = ids_of (f->store, "SELECT id FROM pipeline WHERE deleted = 0"
                                                     " ORDER BY position LIMIT 1");
  g_autoptr(GPtrArray) users = ids_of (f->store, "SELECT responsible FROM deal WHERE deleted = 0"
                                                 " AND responsible IS NOT NULL"
                                                 " GROUP BY responsible ORDER BY count (*) DESC LIMIT 1");
  const char *pipeline = pipelines->pdata[0];
  const char *user = users->pdata[0];
  g_autoptr(JsonArray) board = crm_query_board_for (f->store, pipeline, NULL, user, 50, &error);
  g_autoptr(JsonArray) columns = NULL;
  gint64 seen = 0, expected = 0;

  g_assert_no_error (error);
  columns = crm_query_board_columns_for (f->store, pipeline, NULL, "а", user, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (board); i++)
    {
      JsonObject *column = json_array_get_object_element (board, i);
      JsonArray *cards = json_object_get_array_member (column, "cards");
      CrmCardFilter filter = {
        .stage_id = json_object_get_string_member (column, "id"),
        .responsible_id = user,
        .limit = 50,
      };
      g_autoptr(JsonArray) listed = crm_query_deal_cards (f->store, &filter, NULL, &error);
      g_autoptr(JsonNode) a = array_node (json_array_ref (cards));
      g_autoptr(JsonNode) b = NULL;
      sqlite3_stmt *stmt = _crm_store_prepare (f->store,
        "SELECT count (*) FROM deal WHERE stage = ?1 AND responsible = ?2 AND deleted = 0", NULL);

      g_assert_no_error (error);
      b = array_node (json_array_ref (listed));
      assert_same_json (b, a, "a stage's cards of «Mine»");
      sqlite3_bind_text (stmt, 1, filter.stage_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, user, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (json_object_get_int_member (column, "count"), ==,
                       sqlite3_column_int64 (stmt, 0));
      expected += sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      for (guint k = 0; k < json_array_get_length (cards); k++)
        {
          JsonObject *card = json_array_get_object_element (cards, k);

          g_assert_cmpstr (json_object_get_string_member (card, "responsible_id"), ==, user);
          if (g_strcmp0 (json_object_get_string_member (card, "stage_kind"), "lost") == 0 &&
              !json_object_get_null_member (card, "loss_reason"))
            seen++;
          else if (g_strcmp0 (json_object_get_string_member (card, "stage_kind"), "lost") != 0)
            g_assert_true (json_object_get_null_member (card, "loss_reason"));
        }
    }
  g_assert_cmpint (expected, >, 0);
  /* the demo closes some deals as lost, with a reason */
  {
    g_autoptr(GPtrArray) lost = ids_of (f->store,
      "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage WHERE s.kind = 'lost'"
      " AND d.loss_reason IS NOT NULL AND d.deleted = 0 LIMIT 1");
    CrmCardFilter filter = { .limit = 0 };
    g_autoptr(JsonArray) all = NULL;
    gboolean found = FALSE;

    g_assert_nonnull (lost->pdata[0]);
    all = crm_query_deal_cards (f->store, &filter, NULL, &error);
    g_assert_no_error (error);
    for (guint k = 0; k < json_array_get_length (all); k++)
      {
        JsonObject *card = json_array_get_object_element (all, k);

        if (g_str_equal (json_object_get_string_member (card, "id"), lost->pdata[0]))
          {
            g_assert_nonnull (json_object_get_string_member (card, "loss_reason"));
            found = TRUE;
          }
      }
    g_assert_true (found);
  }
  (void) seen;
}

/* Every answer a search gives on @store, as text: the prefix search, the token scan (the
 * tag filter's path) and the one search box, each query on two pages. */
static char *
search_answers (CrmStore         *store,
                const char *const *more)
{
  GString *out = g_string_new (NULL);

  for (guint list = 0; list < 2; list++)
    for (guint i = 0; (list == 0 ? queries : more)[i] != NULL; i++)
      {
        const char *query = (list == 0 ? queries : more)[i];
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) page = NULL;
        g_autoptr(JsonNode) scan = NULL;
        g_autoptr(JsonNode) all = NULL;
        g_autofree char *page_text = NULL;
        g_autofree char *scan_text = NULL;
        g_autofree char *all_text = NULL;
        gint64 total = -1, scan_total = -1;

        page = crm_query_contact_search (store, query, 7, 2, &total, &error);
        g_assert_no_error (error);
        scan = _crm_query_contacts_scan (store, query, NULL, 7, 2, &scan_total, &error);
        g_assert_no_error (error);
        all = crm_query_search (store, query, 50, &error);
        g_assert_no_error (error);
        page_text = json_to_string (page, FALSE);
        scan_text = json_to_string (scan, FALSE);
        all_text = json_to_string (all, FALSE);
        g_string_append_printf (out, "%s: %" G_GINT64_FORMAT " %s\n  scan %" G_GINT64_FORMAT
                                " %s\n  all %s\n", query, total, page_text, scan_total,
                                scan_text, all_text);
      }
  return g_string_free (out, FALSE);
}

/* The search tables of a replica turned back into schema 20's (text ids, phone digits
 * as tokens), user_version 20. */
#define SCHEMA_20_SEARCH \
    "CREATE TABLE old_token AS SELECT t.token, c.id AS contact, t.position" \
    "  FROM contact_token t JOIN contact c ON c.rowid = t.contact;" \
    /* with every phone's digits (100) and their tails of four or more (101) */ \
    " WITH RECURSIVE split (contact, rest, number) AS (" \
    "   SELECT rowid, substr (digits, 2) || ' ', NULL FROM contact_phone" \
    "   UNION ALL SELECT contact, substr (rest, instr (rest, ' ') + 1)," \
    "   substr (rest, 1, instr (rest, ' ') - 1) FROM split WHERE rest != '')," \
    "  tail (contact, token, position) AS (" \
    "   SELECT contact, number, 100 FROM split WHERE number != ''" \
    "   UNION ALL SELECT contact, substr (token, 2), 101 FROM tail WHERE length (token) > 4)" \
    " INSERT INTO old_token SELECT DISTINCT t.token, c.id, min (t.position) FROM tail t" \
    "  JOIN contact c ON c.rowid = t.contact" \
    "  WHERE NOT EXISTS (SELECT 1 FROM old_token o WHERE o.token = t.token AND o.contact = c.id)" \
    "  GROUP BY t.token, c.id;" \
    " CREATE TABLE old_prefix AS SELECT c.id AS contact, p.prefix, p.rank, p.name" \
    "  FROM contact_prefix p JOIN contact c ON c.rowid = p.contact;" \
    " DROP TABLE contact_token; DROP TABLE contact_prefix; DROP TABLE contact_phone;" \
    " CREATE TABLE contact_token (token TEXT NOT NULL, contact TEXT NOT NULL," \
    "  position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (token, contact)) WITHOUT ROWID;" \
    " CREATE INDEX contact_token_contact ON contact_token (contact);" \
    " CREATE TABLE contact_prefix (contact TEXT NOT NULL, prefix TEXT NOT NULL," \
    "  rank INTEGER NOT NULL, name TEXT, PRIMARY KEY (contact, prefix)) WITHOUT ROWID;" \
    " CREATE INDEX contact_prefix_page ON contact_prefix (prefix, rank, name, contact);" \
    " INSERT INTO contact_token SELECT * FROM old_token;" \
    " INSERT INTO contact_prefix SELECT * FROM old_prefix;" \
    " DROP TABLE old_token; DROP TABLE old_prefix; PRAGMA user_version = 20;"

/* A replica of schema 20, whose search rows name contacts by their text id, is
 * migrated to rowids (schema 21): every search answers the same — names, first letters,
 * four digits from the middle of a number, namesakes in the same order — and a deleted
 * contact stays out. */
static void
test_migration_from_schema_20 (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GPtrArray) gone = ids_of (f->store, "SELECT id FROM contact ORDER BY id LIMIT 1");
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *more[] = { "Тёзкин", "тез", "0955566", "55-66-7", "095", "7 095 55", NULL };
  sqlite3 *db;

  /* namesakes (same name: ordered by id), a phone, a contact deleted */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = crm_store_new_id (f->store);
      CrmChange *change = crm_changeset_create (changeset, "contact", id);
      g_autofree char *phones = g_strdup_printf ("[\"+7 (095) 55-66-7%u\"]", i);

      crm_change_set_string (change, "name", "Тёзкин Пётр");
      crm_change_set_node (change, "phones", json_from_string (phones, NULL));
    }
  crm_change_set_bool (crm_changeset_touch (changeset, "contact", gone->pdata[0]), "deleted",
                       TRUE);
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);
  before = search_answers (f->store, more);
  g_assert_nonnull (strstr (before, "\nтез: 3 "));    /* the namesakes */
  g_assert_nonnull (strstr (before, "\n0955566: 3 "));   /* four digits of their numbers */

  /* the search tables as schema 20 kept them */
  db = _crm_store_get_db (f->store);
  g_assert_cmpint (sqlite3_exec (db, SCHEMA_20_SEARCH, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact_token"
                                       " WHERE typeof (contact) = 'text'", NULL), >, 3000);
  g_clear_object (&f->store);

  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (f->store, "PRAGMA user_version", NULL), ==,
                   CRM_SCHEMA_VERSION);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact_token"
                                       " WHERE typeof (contact) != 'integer'", NULL), ==, 0);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact_prefix"
                                       " WHERE typeof (contact) != 'integer'", NULL), ==, 0);
  /* the deleted contact has no rows */
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact_token"
                                       " WHERE contact = (SELECT rowid FROM contact"
                                       " WHERE id = ?1)", gone->pdata[0]), ==, 0);
  after = search_answers (f->store, more);
  g_assert_cmpstr (after, ==, before);
  assert_search_equal (f->store);
  assert_prefixes_derived (f->store);
}

/* contact_prefix as schema 27 kept it (every word's first one, two and three letters),
 * user_version 27. */
#define SCHEMA_27_SEARCH \
    "DELETE FROM contact_prefix;" \
    " INSERT INTO contact_prefix (contact, prefix, rank, name) " SCHEMA_27_PREFIXES ";" \
    " PRAGMA user_version = 27;"

/* A replica of schema 27 gets schema 28's contact_prefix, only the first three letters
 * of each word, fewer rows: every search answers the same, by one, two or three letters,
 * namesakes and a two-letter surname included, and its page index is there. */
static void
test_migration_from_schema_27 (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *more[] = { "Тёзкин", "тез", "те", "Т", "Ли", "л", "ли тё", NULL };
  gint64 rows_27;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *id = crm_store_new_id (f->store);

      crm_change_set_string (crm_changeset_create (changeset, "contact", id), "name",
                             i < 3 ? "Тёзкин Пётр" : "Ли Тёзина");
    }
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);
  before = search_answers (f->store, more);
  g_assert_nonnull (strstr (before, "\nтез: 4 "));   /* the namesakes and Ли Тёзина */

  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (f->store), SCHEMA_27_SEARCH, NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  rows_27 = crm_test_count_sql (f->store, "SELECT count (*) FROM contact_prefix", NULL);
  g_clear_object (&f->store);

  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (f->store, "PRAGMA user_version", NULL), ==,
                   CRM_SCHEMA_VERSION);
  assert_prefixes_derived (f->store);
  /* about three rows of nine: the one- and two-letter prefixes of longer words are gone */
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact_prefix", NULL)
                   * 2, <, rows_27);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM sqlite_master"
                                       " WHERE type = 'index' AND name = 'contact_prefix_page'",
                                       NULL), ==, 1);
  after = search_answers (f->store, more);
  g_assert_cmpstr (after, ==, before);
  assert_search_equal (f->store);
}

/* The server's copy installed row by row into a replica that has work of its own (40
 * contacts not pushed, applied again after the copy): the search finds the copy's
 * contacts and its own — a copy of schema 21 brings its search rows along with the
 * contacts' rowids they name (one of schema 21 to 27 its prefixes made anew from its
 * words, three letters a word), one of schema 20 gets its search rows built anew — and
 * the copy's contacts keep their field clocks (who wrote each field when), which the copy
 * names by its own numbers for devices and field lists whatever version its search tables
 * say: every contact of the copy is dumped the same. */
static void
test_search_after_snapshot (Fixture       *f,
                            gconstpointer  data)
{
  int older = GPOINTER_TO_INT (data);   /* 20 or 27: the copy's search tables so */
  g_autofree char *snapshot = g_build_filename (f->dir, "snapshot.db", NULL);
  g_autofree char *laptop_path = g_build_filename (f->dir, "laptop.db", NULL);
  g_autoptr(CrmStore) laptop = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonNode) template = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) phone = NULL;
  g_autoptr(GPtrArray) piece = NULL;
  g_autofree char *dump = NULL;
  gint64 seq = 0, total = 0;

  g_assert_true (crm_replica_file_make_snapshot (f->path, snapshot, &seq, &error));
  g_assert_no_error (error);
  dump = crm_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  if (older)
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (snapshot, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, older == 20 ? SCHEMA_20_SEARCH : SCHEMA_27_SEARCH,
                                     NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }

  laptop = crm_store_create (laptop_path, &error);
  g_assert_no_error (error);
  template = crm_template_load ("truck-dealer", &error);
  g_assert_no_error (error);
  crm_template_apply (laptop, template, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = crm_store_new_id (laptop);
      g_autofree char *name = g_strdup_printf ("Своймов Лаптоп %u", i);
      CrmChange *change = crm_changeset_create (changeset, "contact", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_node (change, "phones", json_from_string ("[\"+7 (812) 700-11-22\"]", NULL));
    }
  crm_store_apply (laptop, changeset, &error);
  g_assert_no_error (error);

  g_assert_true (crm_sync_state_install_snapshot (&laptop, snapshot, seq, 0, &error));
  g_assert_no_error (error);
  assert_search_equal (laptop);
  assert_prefixes_derived (laptop);
  /* the copy's contacts as they were, field clocks included */
  {
    g_autofree char *text = crm_store_dump_state (laptop, &error);
    g_autofree char *laptop_dump = g_strconcat ("\n", text, NULL);
    g_auto(GStrv) lines = g_strsplit (dump, "\n", -1);
    guint n_contacts = 0;

    g_assert_no_error (error);
    for (guint i = 0; lines[i] != NULL; i++)
      if (g_str_has_prefix (lines[i], "contact "))
        {
          g_autofree char *line = g_strconcat ("\n", lines[i], "\n", NULL);

          if (strstr (laptop_dump, line) == NULL)
            g_error ("the copy's %s is not in the laptop's dump", lines[i]);
          n_contacts++;
        }
    g_assert_cmpuint (n_contacts, >, 100);
  }
  /* its own contacts (unpushed, applied again), by name and by digits of their number */
  g_assert_cmpint (crm_test_count_sql (laptop, "SELECT count (*) FROM contact"
                                       " WHERE name LIKE 'Своймов%'", NULL), ==, 40);
  {
    g_autoptr(JsonNode) found = crm_query_contact_search (laptop, "своймов", 5, 0, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 40);
  }
  {
    g_autoptr(JsonNode) found = crm_query_contact_search (laptop, "700-11-22", 5, 0, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 40);
  }
  /* the copy's contacts: five digits from the middle of one's number */
  phone = ids_of (laptop, "SELECT c.id FROM contact_phone f JOIN contact c ON c.rowid = f.rowid"
                          " WHERE c.name NOT LIKE 'Своймов%' AND length (f.digits) >= 11"
                          " ORDER BY c.id LIMIT 1");
  piece = ids_of (laptop, "SELECT substr (f.digits, 4, 5) FROM contact_phone f"
                         " JOIN contact c ON c.rowid = f.rowid WHERE c.name NOT LIKE 'Своймов%'"
                         " AND length (f.digits) >= 11 ORDER BY c.id LIMIT 1");
  g_assert_nonnull (phone->pdata[0]);
  g_assert_nonnull (piece->pdata[0]);
  {
    g_autoptr(JsonNode) found = crm_query_contact_search (laptop, piece->pdata[0], 0, 0, &total,
                                                          &error);
    gboolean listed = FALSE;

    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (json_node_get_array (found)); i++)
      listed |= g_strcmp0 (json_object_get_string_member (
                  json_array_get_object_element (json_node_get_array (found), i), "id"),
                  phone->pdata[0]) == 0;
    g_assert_true (listed);
  }
}

/* Every page of the contacts (no search) and of the companies, as JSON text. */
static char *
list_pages (CrmStore *store)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint offset = 0; offset < 400; offset += 50)
    {
      g_autoptr(JsonNode) contacts = crm_query_contacts (store, NULL, NULL, 50, offset, NULL,
                                                         &error);
      g_autoptr(JsonArray) companies = crm_query_companies (store, NULL, 50, offset, NULL,
                                                            &error);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *contacts_text = NULL;
      g_autofree char *companies_text = NULL;

      g_assert_no_error (error);
      contacts_text = json_to_string (contacts, FALSE);
      json_node_set_array (node, companies);
      companies_text = json_to_string (node, FALSE);
      g_string_append_printf (out, "%s\n%s\n", contacts_text, companies_text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An index of @table over the live rows whose columns are @columns ("name,id"). */
static void
assert_live_index (CrmStore   *store,
                   const char *name,
                   const char *columns)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT (SELECT group_concat (name, ',') FROM (SELECT name FROM pragma_index_info (?1)"
    " ORDER BY seqno)), (SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
    &error);

  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, columns);
  g_assert_nonnull (strstr ((const char *) sqlite3_column_text (stmt, 1), "WHERE deleted = 0"));
  sqlite3_reset (stmt);
}

/* A replica of schema 24 gets the contacts list's index and the index of a company's
 * contacts (schema 25); every page of both lists reads as before. */
static void
test_migration_25 (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = list_pages (f->store);
  g_autofree char *after = NULL;

  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (f->store),
    "DROP INDEX contact_list; DROP INDEX contact_company_live; PRAGMA user_version = 24;",
    NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&f->store);
  g_assert_cmpint (crm_replica_file_schema (f->path, NULL), ==, 24);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  assert_live_index (f->store, "contact_list", "name,id");
  assert_live_index (f->store, "contact_company_live", "company");
  after = list_pages (f->store);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (strstr (after, "\"company\""));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/board/equals-columns-and-cards", Fixture, NULL, fixture_setup, test_board,
              fixture_teardown);
  g_test_add ("/board/counts-without-cards", Fixture, NULL, fixture_setup,
              test_board_no_cards, fixture_teardown);
  g_test_add ("/board/totals-follow-changes", Fixture, NULL, fixture_setup,
              test_board_totals_follow_changes, fixture_teardown);
  g_test_add ("/board/card-filters", Fixture, NULL, fixture_setup, test_card_filters,
              fixture_teardown);
  g_test_add ("/board/mine-and-loss-reason", Fixture, NULL, fixture_setup,
              test_mine_and_loss_reason, fixture_teardown);
  g_test_add ("/board/tag-filter", Fixture, NULL, fixture_setup, test_tag_filter,
              fixture_teardown);
  g_test_add ("/search/equals-query-contacts", Fixture, NULL, fixture_setup, test_search,
              fixture_teardown);
  g_test_add ("/search/follows-changes", Fixture, NULL, fixture_setup,
              test_search_follows_changes, fixture_teardown);
  g_test_add ("/board/migration-to-25", Fixture, NULL, fixture_setup, test_migration_25,
              fixture_teardown);
  g_test_add ("/board/migration-from-schema-1", Fixture, NULL, fixture_setup, test_migration,
              fixture_teardown);
  g_test_add ("/search/migration-from-schema-20", Fixture, NULL, fixture_setup,
              test_migration_from_schema_20, fixture_teardown);
  g_test_add ("/search/after-snapshot-into-used", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_search_after_snapshot, fixture_teardown);
  g_test_add ("/search/after-older-snapshot-into-used", Fixture, GINT_TO_POINTER (20),
              fixture_setup, test_search_after_snapshot, fixture_teardown);
  g_test_add ("/search/migration-from-schema-27", Fixture, NULL, fixture_setup,
              test_migration_from_schema_27, fixture_teardown);
  g_test_add ("/search/after-schema-27-snapshot-into-used", Fixture, GINT_TO_POINTER (27),
              fixture_setup, test_search_after_snapshot, fixture_teardown);
  return g_test_run ();
}
