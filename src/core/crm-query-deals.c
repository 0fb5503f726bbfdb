/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query-deals.c — deal lists (pipeline, stage and tag filters, paging) and one deal
 * with its contacts, tags, tasks and history, in the shape of CLI.md. */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-company.h"
#include "crm-counter-private.h"
#include "crm-hlc.h"
#include "crm-payer.h"
#include "crm-query-board.h"
#include "crm-query-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

/* ---- deals ---- */

#define DEAL_COLUMNS \
  "d.id, d.number, d.title, d.pipeline, p.name, d.stage, s.name, s.kind, d.amount," \
  " d.currency, d.responsible, u.name, d.company, co.name, d.loss_reason, lr.name," \
  " d.source, d.created_at, d.stage_entered_at, d.hlc, d.data"
#define DEAL_LOOKUPS \
  " LEFT JOIN pipeline p ON p.id = d.pipeline" \
  " LEFT JOIN stage s ON s.id = d.stage" \
  " LEFT JOIN \"user\" u ON u.id = d.responsible" \
  " LEFT JOIN company co ON co.id = d.company AND co.deleted = 0" \
  " LEFT JOIN loss_reason lr ON lr.id = d.loss_reason"
#define DEAL_JOINS " FROM deal d" DEAL_LOOKUPS
/* ?1 pipeline, ?2 stage, ?3 open only, ?4 tag ids (JSON array), ?5 number of tags */
#define DEAL_FILTER \
  " WHERE d.deleted = 0" \
  " AND (?1 IS NULL OR d.pipeline = ?1)" \
  " AND (?2 IS NULL OR d.stage = ?2)" \
  " AND (?3 = 0 OR s.kind IN ('unsorted', 'open'))" \
  " AND (?4 IS NULL OR d.id IN (SELECT dt.deal FROM deal_tag dt" \
  "   WHERE dt.present = 1 AND dt.deleted = 0" \
  "   AND dt.tag IN (SELECT value FROM json_each (?4))" \
  "   GROUP BY dt.deal HAVING count (DISTINCT dt.tag) = ?5))"

/* Adds "contacts"/"contact_ids" and "tags"/"tag_ids" of one deal. */
static gboolean
add_deal_links (CrmStore    *store,
                JsonObject  *deal,
                const char  *deal_id,
                GError     **error)
{
  static const struct {
    const char *sql;
    const char *names;
    const char *ids;
  } links[] = {
    { "SELECT c.id, c.name FROM deal_contact dc JOIN contact c ON c.id = dc.contact"
      " WHERE dc.deal = ?1 AND dc.present = 1 AND dc.deleted = 0 AND c.deleted = 0"
      " ORDER BY c.name, c.id", "contacts", "contact_ids" },
    { "SELECT t.id, t.name FROM deal_tag dt JOIN tag t ON t.id = dt.tag"
      " WHERE dt.deal = ?1 AND dt.present = 1 AND dt.deleted = 0 AND t.deleted = 0"
      " ORDER BY t.rowid", "tags", "tag_ids" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      sqlite3_stmt *stmt = _crm_store_prepare (store, links[i].sql, error);
      JsonArray *names;
      JsonArray *ids;
      int rc;

      if (stmt == NULL)
        return FALSE;
      names = json_array_new ();
      ids = json_array_new ();
      json_object_set_array_member (deal, links[i].names, names);
      json_object_set_array_member (deal, links[i].ids, ids);
      sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *name = (const char *) sqlite3_column_text (stmt, 1);

          json_array_add_string_element (ids, (const char *) sqlite3_column_text (stmt, 0));
          json_array_add_string_element (names, name != NULL ? name : "");
        }
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "read deal links");
          return FALSE;
        }
    }
  return TRUE;
}

/* One row of DEAL_COLUMNS as the deal JSON of CLI.md (links not yet added). */
static JsonObject *
deal_from_row (sqlite3_stmt *stmt)
{
  JsonObject *deal = json_object_new ();
  g_autoptr(JsonNode) data = _crm_json_parse_column (stmt, 20);
  JsonObject *fields = json_object_new ();
  const char *kind;

  _crm_json_set_text_column (deal, "id", stmt, 0);
  if (sqlite3_column_type (stmt, 1) == SQLITE_NULL || sqlite3_column_int64 (stmt, 1) == 0)
    json_object_set_null_member (deal, "number");
  else
    json_object_set_int_member (deal, "number", sqlite3_column_int64 (stmt, 1));
  _crm_json_set_text_column (deal, "title", stmt, 2);
  _crm_json_set_text_column (deal, "pipeline", stmt, 4);
  _crm_json_set_text_column (deal, "pipeline_id", stmt, 3);
  _crm_json_set_text_column (deal, "stage", stmt, 6);
  _crm_json_set_text_column (deal, "stage_id", stmt, 5);
  kind = (const char *) sqlite3_column_text (stmt, 7);
  if (kind != NULL)
    json_object_set_string_member (deal, "stage_kind", kind);
  else
    json_object_set_null_member (deal, "stage_kind");
  if (sqlite3_column_type (stmt, 8) == SQLITE_NULL)
    {
      json_object_set_null_member (deal, "amount");
    }
  else
    {
      g_autofree char *amount = crm_money_format (sqlite3_column_int64 (stmt, 8));
      json_object_set_string_member (deal, "amount", amount);
    }
  _crm_json_set_text_column (deal, "currency", stmt, 9);
  _crm_json_set_text_column (deal, "responsible", stmt, 11);
  _crm_json_set_text_column (deal, "responsible_id", stmt, 10);
  _crm_json_set_text_column (deal, "company", stmt, 13);
  _crm_json_set_text_column (deal, "company_id", stmt, 12);
  _crm_json_set_text_column (deal, "loss_reason", stmt, 15);
  _crm_json_set_text_column (deal, "loss_reason_id", stmt, 14);
  _crm_json_set_text_column (deal, "source", stmt, 16);
  _crm_json_set_time_column (deal, "created_at", stmt, 17);
  _crm_json_set_time_column (deal, "stage_entered_at", stmt, 18);
  {
    g_autofree char *updated = crm_time_format ((gint64) ((guint64) sqlite3_column_int64 (stmt, 19) >> 16));
    json_object_set_string_member (deal, "updated_at", updated);
  }

  /* Custom fields live in `data`; the source is a column but also a field of the
   * templates, so scripts find it in both places. */
  if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
    {
      JsonObject *object = json_node_get_object (data);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        if (!_crm_counter_is_part (l->data))
          json_object_set_member (fields, l->data,
                                  json_node_copy (json_object_get_member (object, l->data)));
    }
  if (sqlite3_column_type (stmt, 16) != SQLITE_NULL && !json_object_has_member (fields, "source"))
    json_object_set_string_member (fields, "source",
                                   (const char *) sqlite3_column_text (stmt, 16));
  json_object_set_object_member (deal, "fields", fields);
  return deal;
}

static void
bind_deal_filter (sqlite3_stmt        *stmt,
                  const CrmDealFilter *filter,
                  const char          *tags_json,
                  gint64               n_tags)
{
  _crm_sql_bind_text_or_null (stmt, 1, filter->pipeline_id);
  _crm_sql_bind_text_or_null (stmt, 2, filter->stage_id);
  sqlite3_bind_int (stmt, 3, filter->open_only ? 1 : 0);
  _crm_sql_bind_text_or_null (stmt, 4, tags_json);
  sqlite3_bind_int64 (stmt, 5, n_tags);
}

static gboolean add_links_all        (CrmStore            *store,
                                      JsonArray           *deals,
                                      GError             **error);
static gboolean list_deals_by_filter (CrmStore            *store,
                                      const CrmDealFilter *filter,
                                      const char          *tags_json,
                                      gint64               n_tags,
                                      gint64              *out_total,
                                      JsonArray           *result,
                                      GError             **error);

JsonNode *
crm_query_deals (CrmStore            *store,
                 const CrmDealFilter *filter,
                 gint64              *out_total,
                 GError             **error)
{
  static const CrmDealFilter no_filter = { 0 };
  g_autoptr(JsonArray) result = json_array_new ();
  g_autofree char *tags_json = NULL;
  gint64 n_tags = 0;
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (filter == NULL)
    filter = &no_filter;
  tags_json = _crm_tags_to_json (filter->tag_ids, &n_tags);

  /* Tags, a pipeline or open stages (not a stage of a given pipeline, which the card
   * list reads differently): the page of ids as the app's card list plans it (walking
   * the newest deals, running totals for tags), then the deals of the page. */
  if ((n_tags > 0 || filter->pipeline_id != NULL || filter->open_only) &&
      !(filter->pipeline_id != NULL && filter->stage_id != NULL))
    {
      CrmCardFilter cards_filter = {
        .pipeline_id = filter->pipeline_id, .stage_id = filter->stage_id,
        .tag_ids = filter->tag_ids, .open_only = filter->open_only,
        .limit = filter->limit, .offset = filter->offset,
      };
      g_autoptr(JsonArray) cards = crm_query_deal_cards (store, &cards_filter, out_total, error);
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();

      if (cards == NULL)
        return NULL;
      for (guint i = 0; i < json_array_get_length (cards); i++)
        g_ptr_array_add (ids, (gpointer) json_object_get_string_member (
          json_array_get_object_element (cards, i), "id"));
      if (!_crm_query_deals_by_ids (store, ids, result, error))
        return NULL;
    }
  else
    {
      if (!list_deals_by_filter (store, filter, tags_json, n_tags, out_total, result, error) ||
          !add_links_all (store, result, error))
        return NULL;
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

static gboolean
add_links_all (CrmStore   *store,
               JsonArray  *deals,
               GError    **error)
{
  for (guint i = 0; i < json_array_get_length (deals); i++)
    {
      JsonObject *deal = json_array_get_object_element (deals, i);

      if (!add_deal_links (store, deal, json_object_get_string_member (deal, "id"), error))
        return FALSE;
    }
  return TRUE;
}

/* A deal's contacts and tags as one JSON text each, [[id, name]…] in the order
 * add_deal_links() reads them: a page of deals reads its links in its own query. */
#define DEAL_LINKS_JSON \
  " (SELECT json_group_array (json_array (x.id, x.name)) FROM" \
  "   (SELECT c.id, c.name FROM deal_contact dc JOIN contact c ON c.id = dc.contact" \
  "    WHERE dc.deal = d.id AND dc.present = 1 AND dc.deleted = 0 AND c.deleted = 0" \
  "    ORDER BY c.name, c.id) AS x)," \
  " (SELECT json_group_array (json_array (x.id, x.name)) FROM" \
  "   (SELECT t.id, t.name FROM deal_tag dt JOIN tag t ON t.id = dt.tag" \
  "    WHERE dt.deal = d.id AND dt.present = 1 AND dt.deleted = 0 AND t.deleted = 0" \
  "    ORDER BY t.rowid) AS x)"

/* Sets @names and @ids of @deal from the column @column of DEAL_LINKS_JSON. */
static void
set_links_column (JsonObject   *deal,
                  sqlite3_stmt *stmt,
                  int           column,
                  const char   *names_member,
                  const char   *ids_member)
{
  g_autoptr(JsonArray) pairs = _crm_json_array_column (stmt, column);
  JsonArray *names = json_array_new ();
  JsonArray *ids = json_array_new ();

  for (guint i = 0; i < json_array_get_length (pairs); i++)
    {
      JsonNode *node = json_array_get_element (pairs, i);
      JsonArray *pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      const char *name;

      if (pair == NULL || json_array_get_length (pair) != 2)
        continue;
      name = json_node_get_string (json_array_get_element (pair, 1));
      json_array_add_string_element (ids, json_array_get_string_element (pair, 0));
      json_array_add_string_element (names, name != NULL ? name : "");
    }
  json_object_set_array_member (deal, names_member, names);
  json_object_set_array_member (deal, ids_member, ids);
}

gboolean
_crm_query_deals_by_ids (CrmStore   *store,
                         GPtrArray  *ids,
                         JsonArray  *result,
                         GError    **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *ids_json = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (ids->len == 0)
    return TRUE;
  for (guint i = 0; i < ids->len; i++)
    json_array_add_string_element (array, ids->pdata[i]);
  json_node_set_array (node, array);
  ids_json = json_to_string (node, FALSE);

  /* the page in one query, its links with it: a page of 100 deals was 300 statements */
  stmt = _crm_store_prepare (store,
    "SELECT " DEAL_COLUMNS "," DEAL_LINKS_JSON
    " FROM json_each (?1) AS j JOIN deal d ON d.id = j.value" DEAL_LOOKUPS
    " ORDER BY j.key", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ids_json, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *deal = deal_from_row (stmt);

      set_links_column (deal, stmt, 21, "contacts", "contact_ids");
      set_links_column (deal, stmt, 22, "tags", "tag_ids");
      json_array_add_object_element (result, deal);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list deals");
      return FALSE;
    }
  return TRUE;
}

/* The deals of @filter by one query, newest first, into @result. */
static gboolean
list_deals_by_filter (CrmStore            *store,
                      const CrmDealFilter *filter,
                      const char          *tags_json,
                      gint64               n_tags,
                      gint64              *out_total,
                      JsonArray           *result,
                      GError             **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (out_total != NULL)
    {
      stmt = _crm_store_prepare (store, "SELECT count (*)" DEAL_JOINS DEAL_FILTER, error);
      if (stmt == NULL)
        return FALSE;
      bind_deal_filter (stmt, filter, tags_json, n_tags);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          _crm_store_set_read_error (store, error, "count deals");
          sqlite3_reset (stmt);
          return FALSE;
        }
      *out_total = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  stmt = _crm_store_prepare (store,
    "SELECT " DEAL_COLUMNS DEAL_JOINS DEAL_FILTER
    " ORDER BY d.created_at DESC, d.id DESC LIMIT ?6 OFFSET ?7", error);
  if (stmt == NULL)
    return FALSE;
  bind_deal_filter (stmt, filter, tags_json, n_tags);
  sqlite3_bind_int64 (stmt, 6, filter->limit > 0 ? (gint64) filter->limit : -1);
  sqlite3_bind_int64 (stmt, 7, filter->offset);

  /* Collect the rows first: the link queries after reuse the statement cache. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (result, deal_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list deals");
      return FALSE;
    }
  return TRUE;
}

/* ---- history ---- */

static char *
dup_name (CrmStore   *store,
          const char *entity,
          const char *id)
{
  if (id == NULL)
    return NULL;
  return _crm_store_dup_column (store, entity, id, "name");
}

static gint
compare_ops (gconstpointer a,
             gconstpointer b)
{
  const CrmOp *op_a = *(const CrmOp * const *) a;
  const CrmOp *op_b = *(const CrmOp * const *) b;

  if (op_a->hlc != op_b->hlc)
    return op_a->hlc < op_b->hlc ? -1 : 1;
  return g_strcmp0 (op_a->op_id, op_b->op_id);
}

static gboolean
collect_ids_of (CrmStore    *store,
                const char  *sql,
                const char  *deal_id,
                GPtrArray   *out,
                GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, _crm_sql_dup_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the history");
      return FALSE;
    }
  return TRUE;
}

/* What belongs to an entity's history besides itself: ?1 is its id. */
static const char *const deal_parts[] = {
  "SELECT id FROM task WHERE deal = ?1",
  "SELECT id FROM deal_tag WHERE deal = ?1",
  "SELECT id FROM deal_contact WHERE deal = ?1",
  "SELECT id FROM note WHERE entity = 'deal' AND entity_id = ?1",
  "SELECT id FROM attachment WHERE entity = 'deal' AND entity_id = ?1",
  "SELECT id FROM call WHERE deal = ?1",
  NULL
};
/* a contact's tasks of its own (not its deals': those are on the deal pages) */
static const char *const contact_parts[] = {
  "SELECT id FROM task WHERE contact = ?1 AND deal IS NULL",
  "SELECT id FROM note WHERE entity = 'contact' AND entity_id = ?1",
  "SELECT id FROM attachment WHERE entity = 'contact' AND entity_id = ?1",
  "SELECT id FROM call WHERE contact = ?1 AND deal IS NULL",
  NULL
};
static const char *const company_parts[] = {
  "SELECT id FROM note WHERE entity = 'company' AND entity_id = ?1",
  "SELECT id FROM attachment WHERE entity = 'company' AND entity_id = ?1",
  NULL
};

JsonArray *
crm_query_history (CrmStore    *store,
                   const char  *entity,
                   const char  *entity_id,
                   GError     **error)
{
  g_autoptr(GPtrArray) entity_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GHashTable) user_names = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                            g_free, g_free);
  g_autoptr(JsonArray) history = json_array_new ();
  const char *const *parts;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (entity != NULL && entity_id != NULL, NULL);

  if (g_str_equal (entity, "deal"))
    parts = deal_parts;
  else if (g_str_equal (entity, "contact"))
    parts = contact_parts;
  else if (g_str_equal (entity, "company"))
    parts = company_parts;
  else
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("“%s” has no history; deals, contacts and companies have"), entity);
      return NULL;
    }
  g_ptr_array_add (entity_ids, g_strdup (entity_id));
  for (guint i = 0; parts[i] != NULL; i++)
    if (!collect_ids_of (store, parts[i], entity_id, entity_ids, error))
      return NULL;

  for (guint i = 0; i < entity_ids->len; i++)
    {
      g_autoptr(GPtrArray) log = crm_store_dup_entity_log (store, g_ptr_array_index (entity_ids, i), error);

      if (log == NULL)
        return NULL;
      g_ptr_array_extend_and_steal (ops, g_steal_pointer (&log));
    }
  g_ptr_array_sort (ops, compare_ops);

  for (guint i = 0; i < ops->len; i++)
    {
      const CrmOp *op = g_ptr_array_index (ops, i);
      JsonObject *entry = json_object_new ();
      g_autofree char *at = crm_time_format (crm_hlc_physical (op->hlc));

      json_object_set_string_member (entry, "at", at);
      json_object_set_string_member (entry, "entity", op->entity);
      json_object_set_string_member (entry, "id", op->entity_id);
      json_object_set_string_member (entry, "op", op->op_id);
      json_object_set_string_member (entry, "device", op->device != NULL ? op->device : "");
      if (op->actor != NULL)
        {
          const char *name = g_hash_table_lookup (user_names, op->actor);

          if (name == NULL)
            {
              char *found = dup_name (store, "user", op->actor);

              if (found == NULL)
                found = g_strdup (op->actor);
              g_hash_table_insert (user_names, g_strdup (op->actor), found);
              name = found;
            }
          json_object_set_string_member (entry, "actor", name);
        }
      else
        {
          json_object_set_null_member (entry, "actor");
        }
      json_object_set_object_member (entry, "fields", _crm_counter_strip_parts (op->fields));
      if (op->rule != NULL)
        {
          g_autofree char *rule_name = dup_name (store, "rule", op->rule);

          json_object_set_string_member (entry, "rule", op->rule);
          json_object_set_string_member (entry, "by_rule", rule_name != NULL ? rule_name : op->rule);
        }
      else
        {
          json_object_set_null_member (entry, "rule");
          json_object_set_null_member (entry, "by_rule");
        }
      if (op->cause != NULL)
        json_object_set_string_member (entry, "cause", op->cause);
      else
        json_object_set_null_member (entry, "cause");
      json_array_add_object_element (history, entry);
    }
  return g_steal_pointer (&history);
}

static JsonObject *
query_deal (CrmStore    *store,
            const char  *deal_id,
            gboolean     with_history,
            GError     **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  JsonArray *company_fields;
  JsonArray *history;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (deal_id == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, _("No deal given"));
      return NULL;
    }
  stmt = _crm_store_prepare (store,
    "SELECT " DEAL_COLUMNS DEAL_JOINS " WHERE d.id = ?1 AND d.deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    deal = deal_from_row (stmt);
  else if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read deal");
      return NULL;
    }
  sqlite3_reset (stmt);
  if (deal == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No deal with id %s"), deal_id);
      return NULL;
    }
  if (!add_deal_links (store, deal, deal_id, error))
    return NULL;
  /* S3-8: the company's fields shown on its deals, read from the company now */
  company_fields = crm_company_deal_fields (store,
                                            json_object_get_string_member_with_default (deal, "company_id", NULL),
                                            error);
  if (company_fields == NULL)
    return NULL;
  json_object_set_array_member (deal, "company_fields", company_fields);
  crm_payer_describe_deal (store, deal);

  tasks = crm_query_tasks (store, deal_id, FALSE, NULL, error);
  if (tasks == NULL)
    return NULL;
  json_object_set_member (deal, "tasks", g_steal_pointer (&tasks));
  if (!with_history)
    return g_steal_pointer (&deal);

  history = crm_query_history (store, "deal", deal_id, error);
  if (history == NULL)
    return NULL;
  json_object_set_array_member (deal, "history", history);
  return g_steal_pointer (&deal);
}

JsonObject *
crm_query_deal (CrmStore    *store,
                const char  *deal_id,
                GError     **error)
{
  return query_deal (store, deal_id, TRUE, error);
}

JsonObject *
crm_query_deal_without_history (CrmStore    *store,
                                const char  *deal_id,
                                GError     **error)
{
  return query_deal (store, deal_id, FALSE, error);
}
