/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query.c — the read side of the replica: name → id lookups, pipelines with their
 * stages, deal and contact lists (stage, tag and prefix filters, paging), one deal with
 * its tasks and history. Everything here is a cached prepared statement with bound
 * parameters; deleted rows are never returned. */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-query-private.h"
#include "crm-search.h"
#include "crm-hlc.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-sql-private.h"

/* The greatest code point in UTF-8: every token starting with a prefix sorts below
 * prefix || U+10FFFF. */
#define PREFIX_UPPER_BOUND "x'F48FBFBF'"

typedef struct {
  const char *entity;
  const char *label;        /* for messages */
  const char *name_sql;     /* ?1 = name, ?2 = scope (may be NULL) */
  const char *choices_sql;  /* names to offer when nothing matched, ?1 = scope */
  const char *check_sql;    /* id lookup honouring the scope: ?1 = id, ?2 = scope */
  const char *prefix_sql;   /* ?1 = id prefix */
} ResolveSpec;

static const ResolveSpec resolve_specs[] = {
  { "pipeline", N_("pipeline"),
    "SELECT id FROM pipeline WHERE deleted = 0 AND name = ?1",
    "SELECT name FROM pipeline WHERE deleted = 0 ORDER BY position, name",
    "SELECT id FROM pipeline WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM pipeline WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "stage", N_("stage"),
    "SELECT id FROM stage WHERE deleted = 0 AND name = ?1 AND (?2 IS NULL OR pipeline = ?2)",
    "SELECT name FROM stage WHERE deleted = 0 AND pipeline = ?1 ORDER BY position, name",
    "SELECT id FROM stage WHERE deleted = 0 AND id = ?1 AND (?2 IS NULL OR pipeline = ?2)",
    "SELECT id FROM stage WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "user", N_("user"),
    "SELECT id FROM \"user\" WHERE deleted = 0 AND name = ?1",
    "SELECT name FROM \"user\" WHERE deleted = 0 ORDER BY rowid",
    "SELECT id FROM \"user\" WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM \"user\" WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "tag", N_("tag"),
    "SELECT id FROM tag WHERE deleted = 0 AND name = ?1",
    "SELECT name FROM tag WHERE deleted = 0 ORDER BY rowid",
    "SELECT id FROM tag WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM tag WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "loss_reason", N_("loss reason"),
    "SELECT id FROM loss_reason WHERE deleted = 0 AND name = ?1"
    " AND (?2 IS NULL OR pipeline IS NULL OR pipeline = '' OR pipeline = ?2)",
    "SELECT name FROM loss_reason WHERE deleted = 0"
    " AND (?1 IS NULL OR pipeline IS NULL OR pipeline = '' OR pipeline = ?1)"
    " ORDER BY position, name",
    "SELECT id FROM loss_reason WHERE deleted = 0 AND id = ?1"
    " AND (?2 IS NULL OR pipeline IS NULL OR pipeline = '' OR pipeline = ?2)",
    "SELECT id FROM loss_reason WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "field", N_("field"),
    "SELECT id FROM field WHERE deleted = 0 AND (key = ?1 OR label = ?1)"
    " AND (?2 IS NULL OR entity = ?2)",
    "SELECT key FROM field WHERE deleted = 0 AND (?1 IS NULL OR entity = ?1)"
    " ORDER BY position, key",
    "SELECT id FROM field WHERE deleted = 0 AND id = ?1 AND (?2 IS NULL OR entity = ?2)",
    "SELECT id FROM field WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "company", N_("company"),
    "SELECT id FROM company WHERE deleted = 0 AND name = ?1",
    NULL,
    "SELECT id FROM company WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM company WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "contact", N_("contact"),
    "SELECT id FROM contact WHERE deleted = 0 AND name = ?1",
    NULL,
    "SELECT id FROM contact WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM contact WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "deal", N_("deal"),
    "SELECT id FROM deal WHERE deleted = 0 AND (title = ?1 OR CAST (number AS TEXT) = ?1)",
    NULL,
    "SELECT id FROM deal WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM deal WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
  { "task", N_("task"),
    NULL,
    NULL,
    "SELECT id FROM task WHERE deleted = 0 AND id = ?1",
    "SELECT id FROM task WHERE deleted = 0 AND id >= ?1 AND id < ?1 || '~' LIMIT 2" },
};

static const ResolveSpec *
lookup_spec (const char *entity)
{
  for (guint i = 0; i < G_N_ELEMENTS (resolve_specs); i++)
    if (g_strcmp0 (resolve_specs[i].entity, entity) == 0)
      return &resolve_specs[i];
  return NULL;
}

static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/* Runs a lookup statement and collects up to two ids (enough to tell "ambiguous"). */
static gboolean
collect_ids (CrmStore    *store,
             const char  *sql,
             const char  *arg1,
             const char  *arg2,
             GPtrArray   *ids,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, arg1);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    _crm_sql_bind_text_or_null (stmt, 2, arg2);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (ids->len < 2)
        g_ptr_array_add (ids, dup_column_text (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "lookup");
      return FALSE;
    }
  return TRUE;
}

/* "a, b, c" of the names one may use instead, or NULL when there are too many. */
static char *
dup_choices (CrmStore          *store,
             const ResolveSpec *spec,
             const char        *scope)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt;
  guint n = 0;

  if (spec->choices_sql == NULL)
    return NULL;
  stmt = _crm_store_prepare (store, spec->choices_sql, NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, scope);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (name == NULL)
        continue;
      if (++n > 30)
        return NULL;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, name);
    }
  sqlite3_reset (stmt);
  return n > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

static char *
dup_scope_name (CrmStore   *store,
                const char *entity,
                const char *scope)
{
  if (scope == NULL)
    return NULL;
  if (g_str_equal (entity, "stage") || g_str_equal (entity, "loss_reason"))
    return _crm_store_dup_column (store, "pipeline", scope, "name");
  return g_strdup (scope);
}

char *
crm_query_resolve (CrmStore    *store,
                   const char  *entity,
                   const char  *name_or_id,
                   const char  *scope,
                   GError     **error)
{
  const ResolveSpec *spec;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *choices = NULL;
  g_autofree char *scope_name = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  spec = lookup_spec (entity);
  if (spec == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Cannot look up entities of type “%s”"), entity);
      return NULL;
    }
  if (name_or_id == NULL || *name_or_id == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("An empty %s name"), _(spec->label));
      return NULL;
    }

  /* 1. an exact id */
  if (!collect_ids (store, spec->check_sql, name_or_id, scope, ids, error))
    return NULL;
  if (ids->len == 1)
    return g_strdup (g_ptr_array_index (ids, 0));

  /* 2. a name as the template spells it */
  if (spec->name_sql != NULL)
    {
      if (!collect_ids (store, spec->name_sql, name_or_id, scope, ids, error))
        return NULL;
      if (ids->len == 1)
        return g_strdup (g_ptr_array_index (ids, 0));
      if (ids->len > 1)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("More than one %s is called «%s»; use its id"),
                       _(spec->label), name_or_id);
          return NULL;
        }
    }

  /* 3. a unique id prefix */
  if (strlen (name_or_id) >= 8)
    {
      g_autofree char *prefix = g_ascii_strdown (name_or_id, -1);

      if (!collect_ids (store, spec->prefix_sql, prefix, NULL, ids, error))
        return NULL;
      if (ids->len == 1)
        {
          /* honour the scope for ids found by prefix too */
          g_autoptr(GPtrArray) checked = g_ptr_array_new_with_free_func (g_free);

          if (!collect_ids (store, spec->check_sql, g_ptr_array_index (ids, 0), scope,
                            checked, error))
            return NULL;
          if (checked->len == 1)
            return g_strdup (g_ptr_array_index (checked, 0));
        }
      else if (ids->len > 1)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("The id prefix “%s” matches more than one %s; give more of it"),
                       name_or_id, _(spec->label));
          return NULL;
        }
    }

  choices = dup_choices (store, spec, scope);
  if (g_str_equal (entity, "field"))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("Unknown field «%s»; known fields: %s"),
                   name_or_id, choices != NULL ? choices : _("none"));
      return NULL;
    }
  scope_name = dup_scope_name (store, entity, scope);
  if (scope_name != NULL && choices != NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No %s «%s» in «%s»; choose one of: %s"),
                 _(spec->label), name_or_id, scope_name, choices);
  else if (scope_name != NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No %s «%s» in «%s»"), _(spec->label), name_or_id, scope_name);
  else if (choices != NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No %s «%s»; choose one of: %s"), _(spec->label), name_or_id, choices);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No %s «%s»; give its id (the first 8 characters are enough) or its "
                   "exact name, as the list commands print them"),
                 _(spec->label), name_or_id);
  return NULL;
}

/* ---- small JSON helpers ---- */

static void
set_time_or_null (JsonObject   *object,
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
parse_json_column (sqlite3_stmt *stmt,
                   int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  if (text == NULL || *text == '\0')
    return NULL;
  return json_from_string (text, NULL);
}

static JsonArray *
array_column (sqlite3_stmt *stmt,
              int           column)
{
  g_autoptr(JsonNode) node = parse_json_column (stmt, column);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_array_ref (json_node_get_array (node));
  return json_array_new ();
}

/* ---- pipelines ---- */

JsonNode *
crm_query_pipelines (CrmStore  *store,
                     GError   **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT p.id, p.name, s.id, s.name, s.kind FROM pipeline p"
    " LEFT JOIN stage s ON s.pipeline = p.id AND s.deleted = 0"
    " WHERE p.deleted = 0"
    " ORDER BY p.position, p.name, p.id, s.position, s.name", error);
  if (stmt == NULL)
    return NULL;

  {
    JsonObject *current = NULL;
    JsonArray *stages = NULL;

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        const char *pipeline_id = (const char *) sqlite3_column_text (stmt, 0);

        if (current == NULL ||
            g_strcmp0 (json_object_get_string_member (current, "id"), pipeline_id) != 0)
          {
            current = json_object_new ();
            json_object_set_string_member (current, "id", pipeline_id);
            _crm_json_set_text_column (current, "name", stmt, 1);
            stages = json_array_new ();
            json_object_set_array_member (current, "stages", stages);
            json_array_add_object_element (result, current);
          }
        if (sqlite3_column_type (stmt, 2) != SQLITE_NULL)
          {
            JsonObject *stage = json_object_new ();

            _crm_json_set_text_column (stage, "id", stmt, 2);
            _crm_json_set_text_column (stage, "name", stmt, 3);
            _crm_json_set_text_column (stage, "kind", stmt, 4);
            json_array_add_object_element (stages, stage);
          }
      }
  }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "list pipelines");
      return NULL;
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

/* ---- deals ---- */

#define DEAL_COLUMNS \
  "d.id, d.number, d.title, d.pipeline, p.name, d.stage, s.name, s.kind, d.amount," \
  " d.currency, d.responsible, u.name, d.company, co.name, d.loss_reason, lr.name," \
  " d.source, d.created_at, d.stage_entered_at, d.hlc, d.data"
#define DEAL_JOINS \
  " FROM deal d" \
  " LEFT JOIN pipeline p ON p.id = d.pipeline" \
  " LEFT JOIN stage s ON s.id = d.stage" \
  " LEFT JOIN \"user\" u ON u.id = d.responsible" \
  " LEFT JOIN company co ON co.id = d.company AND co.deleted = 0" \
  " LEFT JOIN loss_reason lr ON lr.id = d.loss_reason"
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
          _crm_store_set_sql_error (store, error, "read deal links");
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
  g_autoptr(JsonNode) data = parse_json_column (stmt, 20);
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
  set_time_or_null (deal, "created_at", stmt, 17);
  set_time_or_null (deal, "stage_entered_at", stmt, 18);
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
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

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

      if (cards == NULL)
        return NULL;
      stmt = _crm_store_prepare (store, "SELECT " DEAL_COLUMNS DEAL_JOINS " WHERE d.id = ?1",
                                 error);
      if (stmt == NULL)
        return NULL;
      for (guint i = 0; i < json_array_get_length (cards); i++)
        {
          const char *id = json_object_get_string_member (json_array_get_object_element (cards, i),
                                                          "id");

          sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
          rc = sqlite3_step (stmt);
          if (rc == SQLITE_ROW)
            json_array_add_object_element (result, deal_from_row (stmt));
          sqlite3_reset (stmt);
          if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            {
              _crm_store_set_sql_error (store, error, "list deals");
              return NULL;
            }
        }
    }
  else
    {
      if (!list_deals_by_filter (store, filter, tags_json, n_tags, out_total, result, error))
        return NULL;
    }

  for (guint i = 0; i < json_array_get_length (result); i++)
    {
      JsonObject *deal = json_array_get_object_element (result, i);

      if (!add_deal_links (store, deal, json_object_get_string_member (deal, "id"), error))
        return NULL;
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
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
          _crm_store_set_sql_error (store, error, "count deals");
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
      _crm_store_set_sql_error (store, error, "list deals");
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
    g_ptr_array_add (out, dup_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "read deal history");
      return FALSE;
    }
  return TRUE;
}

/* The changelog of the deal, its tasks and its tag/contact links, oldest first. */
static JsonArray *
deal_history (CrmStore    *store,
              const char  *deal_id,
              GError     **error)
{
  g_autoptr(GPtrArray) entity_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GHashTable) user_names = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                            g_free, g_free);
  g_autoptr(JsonArray) history = json_array_new ();

  g_ptr_array_add (entity_ids, g_strdup (deal_id));
  if (!collect_ids_of (store, "SELECT id FROM task WHERE deal = ?1", deal_id, entity_ids, error) ||
      !collect_ids_of (store, "SELECT id FROM deal_tag WHERE deal = ?1", deal_id, entity_ids, error) ||
      !collect_ids_of (store, "SELECT id FROM deal_contact WHERE deal = ?1", deal_id, entity_ids, error))
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
      json_object_set_object_member (entry, "fields",
                                     op->fields != NULL ? json_object_ref (op->fields)
                                                        : json_object_new ());
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

JsonObject *
crm_query_deal (CrmStore    *store,
                const char  *deal_id,
                GError     **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonNode) tasks = NULL;
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
      _crm_store_set_sql_error (store, error, "read deal");
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

  tasks = crm_query_tasks (store, deal_id, FALSE, NULL, error);
  if (tasks == NULL)
    return NULL;
  json_object_set_member (deal, "tasks", g_steal_pointer (&tasks));

  history = deal_history (store, deal_id, error);
  if (history == NULL)
    return NULL;
  json_object_set_array_member (deal, "history", history);
  return g_steal_pointer (&deal);
}

/* ---- contacts ---- */

/* The words of @text as the store indexes them: runs of letters and digits of the
 * folded text (crm-store.c refresh_contact_tokens() splits names the same way). */
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
#define CONTACT_FILTER \
  " WHERE c.deleted = 0" \
  " AND (?1 IS NULL OR c.id IN (SELECT contact FROM contact_token" \
  "   WHERE token >= ?1 AND token < ?1 || " PREFIX_UPPER_BOUND "))" \
  " AND (?2 IS NULL OR c.id IN (SELECT contact FROM contact_token" \
  "   WHERE token >= ?2 AND token < ?2 || " PREFIX_UPPER_BOUND "))" \
  " AND (?3 IS NULL OR c.id IN (SELECT contact FROM contact_token" \
  "   WHERE token >= ?3 AND token < ?3 || " PREFIX_UPPER_BOUND "))" \
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
      else
        stmt = _crm_store_prepare (store,
          "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name, c.data"
          " FROM contact c LEFT JOIN company co ON co.id = c.company AND co.deleted = 0"
          CONTACT_FILTER
          /* people whose surname (the first word) matches come first */
          " ORDER BY ?1 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_token"
          "   WHERE contact = c.id AND position = 0"
          "   AND token >= ?1 AND token < ?1 || " PREFIX_UPPER_BOUND "),"
          " c.name, c.id LIMIT ?6 OFFSET ?7", error);
      if (stmt == NULL)
        return NULL;
      for (int i = 0; i < 3; i++)
        _crm_sql_bind_text_or_null (stmt, i + 1, word[i]);
      _crm_sql_bind_text_or_null (stmt, 4, tags_json);
      sqlite3_bind_int64 (stmt, 5, n_tags);
      if (pass == 0)
        {
          if (sqlite3_step (stmt) != SQLITE_ROW)
            {
              _crm_store_set_sql_error (store, error, "count contacts");
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
          json_object_set_array_member (contact, "phones", array_column (stmt, 2));
          json_object_set_array_member (contact, "emails", array_column (stmt, 3));
          _crm_json_set_text_column (contact, "company", stmt, 5);
          _crm_json_set_text_column (contact, "company_id", stmt, 4);
          json_array_add_object_element (result, contact);
        }
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_sql_error (store, error, "list contacts");
          return NULL;
        }
      sqlite3_reset (stmt);
    }
#undef CONTACT_FILTER

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

/* ---- tasks ---- */

JsonNode *
crm_query_tasks (CrmStore    *store,
                 const char  *deal_id,
                 gboolean     open_only,
                 const char  *responsible_id,
                 GError     **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  sqlite3_stmt *stmt;
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT t.id, t.deal, d.title, t.contact, t.text, t.type, t.due, t.responsible, u.name,"
    " t.done, t.result, t.checklist, t.done_at, t.created_at"
    " FROM task t LEFT JOIN deal d ON d.id = t.deal"
    " LEFT JOIN \"user\" u ON u.id = t.responsible"
    " WHERE t.deleted = 0 AND (?1 IS NULL OR t.deal = ?1)"
    " AND (?2 = 0 OR coalesce (t.done, 0) = 0)"
    " AND (?3 IS NULL OR t.responsible = ?3)"
    " ORDER BY t.due IS NULL, t.due, t.created_at, t.id", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  sqlite3_bind_int (stmt, 2, open_only ? 1 : 0);
  _crm_sql_bind_text_or_null (stmt, 3, responsible_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *task = json_object_new ();
      g_autoptr(JsonArray) raw = array_column (stmt, 11);
      JsonArray *checklist = json_array_new ();

      _crm_json_set_text_column (task, "id", stmt, 0);
      _crm_json_set_text_column (task, "deal", stmt, 1);
      _crm_json_set_text_column (task, "deal_title", stmt, 2);
      _crm_json_set_text_column (task, "contact", stmt, 3);
      _crm_json_set_text_column (task, "text", stmt, 4);
      _crm_json_set_text_column (task, "type", stmt, 5);
      set_time_or_null (task, "due", stmt, 6);
      _crm_json_set_text_column (task, "responsible", stmt, 8);
      _crm_json_set_text_column (task, "responsible_id", stmt, 7);
      json_object_set_boolean_member (task, "done", sqlite3_column_int (stmt, 9) != 0);
      _crm_json_set_text_column (task, "result", stmt, 10);

      /* Checklist items are {"text","done"}; a bare string is an item not done. */
      for (guint i = 0; i < json_array_get_length (raw); i++)
        {
          JsonNode *item = json_array_get_element (raw, i);
          JsonObject *out = json_object_new ();

          if (JSON_NODE_HOLDS_OBJECT (item))
            {
              JsonObject *in = json_node_get_object (item);

              json_object_set_string_member (out, "text",
                                             json_object_get_string_member_with_default (in, "text", ""));
              json_object_set_boolean_member (out, "done",
                                              json_object_get_boolean_member_with_default (in, "done", FALSE));
            }
          else
            {
              json_object_set_string_member (out, "text",
                                             JSON_NODE_HOLDS_VALUE (item) &&
                                             json_node_get_value_type (item) == G_TYPE_STRING
                                             ? json_node_get_string (item) : "");
              json_object_set_boolean_member (out, "done", FALSE);
            }
          json_array_add_object_element (checklist, out);
        }
      json_object_set_array_member (task, "checklist", checklist);
      set_time_or_null (task, "done_at", stmt, 12);
      set_time_or_null (task, "created_at", stmt, 13);
      json_array_add_object_element (result, task);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "list tasks");
      return NULL;
    }
  sqlite3_reset (stmt);

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

/* ---- users and tags ---- */

static JsonNode *
simple_list (CrmStore    *store,
             const char  *sql,
             const char  *arg,
             const char  *const *members,
             const char  *what,
             GError     **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  JsonNode *node;
  int rc;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, arg);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *object = json_object_new ();

      for (int i = 0; members[i] != NULL; i++)
        _crm_json_set_text_column (object, members[i], stmt, i);
      json_array_add_object_element (result, object);
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, what);
      return NULL;
    }
  sqlite3_reset (stmt);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, result);
  return node;
}

JsonNode *
crm_query_users (CrmStore  *store,
                 GError   **error)
{
  static const char *const members[] = { "id", "name", "role", "group", NULL };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return simple_list (store,
                      "SELECT id, name, role, grp FROM \"user\" WHERE deleted = 0 AND ?1 IS NULL"
                      " ORDER BY rowid",
                      NULL, members, "list users", error);
}

JsonNode *
crm_query_tags (CrmStore    *store,
                const char  *group,
                GError     **error)
{
  static const char *const members[] = { "id", "name", "group", NULL };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return simple_list (store,
                      "SELECT id, name, grp FROM tag WHERE deleted = 0"
                      " AND (?1 IS NULL OR grp = ?1) ORDER BY rowid",
                      group, members, "list tags", error);
}

char *
crm_query_default_user (CrmStore *store)
{
  sqlite3_stmt *stmt;
  char *id = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id FROM \"user\" WHERE deleted = 0 AND role = 'admin' ORDER BY rowid LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}
