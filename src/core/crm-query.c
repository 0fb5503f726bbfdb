/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-query.c — the read side of the replica: name → id lookups, pipelines with their
 * stages, users and tags. Deals and one deal's history are in crm-query-deals.c,
 * contacts in crm-query-contacts.c, tasks in crm-query-tasks.c. Everything here is a
 * cached prepared statement with bound parameters; deleted rows are never returned. */
#define G_LOG_DOMAIN "voronka-query"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-query-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

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
        g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "lookup");
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
    "SELECT p.id, p.name, s.id, s.name, s.kind,"
    " coalesce (json_extract (p.data, '$.archived'), 0) FROM pipeline p"
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
            json_object_set_boolean_member (current, "archived",
                                            sqlite3_column_int (stmt, 5) != 0);
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
      _crm_store_set_read_error (store, error, "list pipelines");
      return NULL;
    }

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
      _crm_store_set_read_error (store, error, what);
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
  static const char *const members[] = { "id", "name", "role", "group", "extension",
                                         "deactivated", NULL };
  JsonNode *node;
  JsonArray *users;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  /* the extension is a field of the user's data (crm-call.h, CRM_CALL_EXTENSION_FIELD),
   * so is when they were deactivated (crm-setup.h) */
  node = simple_list (store,
                      "SELECT id, name, role, grp, json_extract (data, '$.extension'),"
                      " json_extract (data, '$.deactivated_at') IS NOT NULL"
                      " FROM \"user\" WHERE deleted = 0 AND ?1 IS NULL ORDER BY rowid",
                      NULL, members, "list users", error);
  if (node == NULL)
    return NULL;
  /* "active": a boolean, for whoever lists people to pick from */
  users = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      json_object_set_boolean_member (user, "active",
                                      g_strcmp0 (json_object_get_string_member_with_default (
                                                   user, "deactivated", "0"), "1") != 0);
      json_object_remove_member (user, "deactivated");
    }
  return node;
}

JsonNode *
crm_query_tags (CrmStore    *store,
                const char  *group,
                GError     **error)
{
  static const char *const members[] = { "id", "name", "group", "color", NULL };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return simple_list (store,
                      "SELECT id, name, grp, json_extract (data, '$.color') FROM tag WHERE deleted = 0"
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
    id = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}
