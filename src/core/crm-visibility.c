/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-visibility.c — which deals a user's replica holds (see crm-visibility.h). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-visibility.h"
#include "crm-changelog-private.h"
#include "crm-error.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"

typedef enum {
  SEE_ALL,
  SEE_GROUP,
  SEE_OWN,
} SeeScope;

struct _CrmVisibility
{
  char       *user_id;
  GHashTable *members;    /* user ids whose deals «group» shows: the user's group, the user */
  GHashTable *scopes;     /* pipeline id → GINT_TO_POINTER (SeeScope + 1) */
  SeeScope    default_scope;
  gboolean    all;
  char       *key;
};

/* The entities that go with a deal through a `deal` column. */
static const char *const deal_column_entities[] = {
  "task", "message", "call", "deal_tag", "deal_contact", "notification", NULL
};
/* …and through `entity` + `entity_id` (a deal, or a task of one). */
static const char *const attached_entities[] = { "note", "attachment", "approval", NULL };

/* The see-scope of @user_id in the pipeline @pipeline_id (NULL: where no pipeline says
 * otherwise). Until roles are data (crm-rights.h, schema 24): administrators and managers
 * see all, anyone else what their user's "see" says (all when it says nothing — what
 * every replica showed before). */
static SeeScope
visible_scope (CrmStore   *store,
               const char *user_id,
               const char *pipeline_id)
{
  g_autofree char *role = _crm_store_dup_column (store, "user", user_id, "role");
  sqlite3_stmt *stmt;
  g_autofree char *see = NULL;

  if (role == NULL)
    return SEE_OWN;
  if (g_str_equal (role, "admin") || g_str_equal (role, "manager"))
    return SEE_ALL;
  stmt = _crm_store_prepare (store,
    "SELECT json_extract (data, '$.see') FROM \"user\" WHERE id = ?1 AND ?2 IS NOT NULL",
    NULL);
  if (stmt == NULL)
    return SEE_OWN;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  _crm_sql_bind_text_or_null (stmt, 2, pipeline_id != NULL ? pipeline_id : "*");
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    see = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return g_strcmp0 (see, "own") == 0 ? SEE_OWN : g_strcmp0 (see, "group") == 0 ? SEE_GROUP
                                                                               : SEE_ALL;
}

static void
add_members (CrmVisibility *self,
             CrmStore      *store)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id FROM \"user\" WHERE grp IS NOT NULL AND grp != ''"
    " AND grp = (SELECT grp FROM \"user\" WHERE id = ?1) ORDER BY id", NULL);

  g_hash_table_add (self->members, g_strdup (self->user_id));
  if (stmt == NULL)
    return;
  _crm_sql_bind_text_or_null (stmt, 1, self->user_id);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    g_hash_table_add (self->members, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
}

static const char *
scope_name (SeeScope scope)
{
  return scope == SEE_ALL ? "all" : scope == SEE_GROUP ? "group" : "own";
}

static gint
compare_texts (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The scopes, and whose deals «own» and «group» show, in a canonical order. */
static char *
make_key (CrmVisibility *self)
{
  g_autoptr(GString) text = g_string_new (scope_name (self->default_scope));
  g_autofree gpointer *pipelines = g_hash_table_get_keys_as_array (self->scopes, NULL);
  g_autofree gpointer *members = g_hash_table_get_keys_as_array (self->members, NULL);
  gboolean group = self->default_scope == SEE_GROUP;
  gboolean own = self->default_scope == SEE_OWN;

  g_qsort_with_data (pipelines, g_hash_table_size (self->scopes), sizeof (gpointer),
                     compare_texts, NULL);
  for (guint i = 0; i < g_hash_table_size (self->scopes); i++)
    {
      SeeScope scope = (SeeScope) (GPOINTER_TO_INT (g_hash_table_lookup (self->scopes,
                                                                           pipelines[i])) - 1);

      g_string_append_printf (text, ";%s=%s", (const char *) pipelines[i], scope_name (scope));
      group |= scope == SEE_GROUP;
      own |= scope == SEE_OWN;
    }
  if (own && !group)
    g_string_append_printf (text, ";user=%s", self->user_id);
  if (group)
    {
      g_qsort_with_data (members, g_hash_table_size (self->members), sizeof (gpointer),
                         compare_texts, NULL);
      g_string_append_printf (text, ";user=%s;group", self->user_id);
      for (guint i = 0; i < g_hash_table_size (self->members); i++)
        g_string_append_printf (text, ",%s", (const char *) members[i]);
    }
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text->str, text->len);
}

CrmVisibility *
crm_visibility_new (CrmStore   *store,
                    const char *user_id)
{
  CrmVisibility *self = g_new0 (CrmVisibility, 1);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  self->user_id = g_strdup (user_id != NULL ? user_id : "");
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->scopes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->default_scope = visible_scope (store, self->user_id, NULL);
  self->all = self->default_scope == SEE_ALL;
  stmt = _crm_store_prepare (store, "SELECT id FROM pipeline ORDER BY id", NULL);
  while (stmt != NULL && _crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_autofree char *pipeline = _crm_sql_dup_column_text (stmt, 0);
      SeeScope scope = visible_scope (store, self->user_id, pipeline);

      self->all &= scope == SEE_ALL;
      if (scope != self->default_scope)
        g_hash_table_insert (self->scopes, g_steal_pointer (&pipeline),
                             GINT_TO_POINTER (scope + 1));
    }
  if (stmt != NULL)
    sqlite3_reset (stmt);
  add_members (self, store);
  self->key = make_key (self);
  return self;
}

void
crm_visibility_free (CrmVisibility *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_hash_table_unref (self->members);
  g_hash_table_unref (self->scopes);
  g_free (self->key);
  g_free (self);
}

gboolean
crm_visibility_sees_all (const CrmVisibility *self)
{
  return self->all;
}

const char *
crm_visibility_key (const CrmVisibility *self)
{
  return self->key;
}

/* Whether a deal of @pipeline whose responsible is @responsible is seen. */
static gboolean
decide (const CrmVisibility *self,
        const char          *pipeline,
        const char          *responsible)
{
  gpointer found = pipeline != NULL ? g_hash_table_lookup (self->scopes, pipeline) : NULL;
  SeeScope scope = found != NULL ? (SeeScope) (GPOINTER_TO_INT (found) - 1)
                                  : self->default_scope;

  if (scope == SEE_ALL)
    return TRUE;
  if (responsible == NULL)
    return FALSE;
  if (scope == SEE_OWN)
    return g_str_equal (responsible, self->user_id);
  return g_hash_table_contains (self->members, responsible);
}

gboolean
crm_visibility_sees_deal (const CrmVisibility *self,
                          CrmStore            *store,
                          const char          *deal_id)
{
  sqlite3_stmt *stmt;
  gboolean seen = TRUE;

  if (self->all || deal_id == NULL)
    return TRUE;
  stmt = _crm_store_prepare (store, "SELECT pipeline, responsible FROM deal WHERE id = ?1",
                             NULL);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    seen = decide (self, (const char *) sqlite3_column_text (stmt, 0),
                   (const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  return seen;
}

/* The column @column of @entity @id, deleted or not (a deleted task of a deal still goes
 * with it); @entity and @column are names of this file's lists, never outside text. */
static char *
dup_column (CrmStore   *store,
            const char *entity,
            const char *id,
            const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT \"%s\" FROM \"%s\" WHERE id = ?1", column,
                                          entity);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    value = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

char *
crm_visibility_deal_of (CrmStore   *store,
                        const char *entity,
                        const char *entity_id)
{
  g_autofree char *kind = NULL;
  g_autofree char *target = NULL;

  if (entity == NULL || entity_id == NULL)
    return NULL;
  if (g_str_equal (entity, "deal"))
    return g_strdup (entity_id);
  if (g_strv_contains (deal_column_entities, entity))
    return dup_column (store, entity, entity_id, "deal");
  if (!g_strv_contains (attached_entities, entity))
    return NULL;
  kind = dup_column (store, entity, entity_id, "entity");
  target = dup_column (store, entity, entity_id, "entity_id");
  if (g_strcmp0 (kind, "deal") == 0)
    return g_steal_pointer (&target);
  if (g_strcmp0 (kind, "task") == 0 && target != NULL)
    return dup_column (store, "task", target, "deal");
  return NULL;
}

/* Whether the stored fields @fields_json name @field (a member at the object's top). */
static gboolean
sets_field (const char *fields_json,
            const char *field)
{
  g_autofree char *member = g_strdup_printf ("\"%s\":", field);

  /* stored fields are canonical JSON: a member is "name": and a value can only contain
   * that text inside a string, where the quote would be escaped */
  return fields_json != NULL && strstr (fields_json, member) != NULL;
}

void
crm_visibility_op_changes (const char *entity,
                           const char *fields_json,
                           gboolean   *out_deal_moved,
                           gboolean   *out_rights)
{
  *out_deal_moved = g_strcmp0 (entity, "deal") == 0 &&
                    (sets_field (fields_json, "responsible") ||
                     sets_field (fields_json, "pipeline"));
  *out_rights = (g_strcmp0 (entity, "user") == 0 &&
                 (sets_field (fields_json, "role") || sets_field (fields_json, "grp") ||
                  sets_field (fields_json, "see"))) ||
                g_strcmp0 (entity, "role") == 0;
}

gint64
crm_visibility_changed_at (CrmStore   *store,
                           const char *user_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT COALESCE (max (seq), 0) FROM changelog WHERE entity_id = ?1 AND entity = 'user'"
    " AND (instr (fields, '\"role\":') > 0 OR instr (fields, '\"grp\":') > 0"
    " OR instr (fields, '\"see\":') > 0)", NULL);
  gint64 seq = 0;

  if (stmt == NULL || user_id == NULL)
    return 0;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return seq;
}

gboolean
crm_visibility_user_matters (const CrmVisibility *self,
                             CrmStore            *store,
                             const char          *user_id)
{
  sqlite3_stmt *stmt;
  gboolean found = TRUE;

  if (user_id == NULL || g_str_equal (user_id, self->user_id) ||
      g_hash_table_contains (self->members, user_id))
    return TRUE;
  stmt = _crm_store_prepare (store, "SELECT 1 FROM deal WHERE responsible = ?1 LIMIT 1", NULL);
  if (stmt == NULL)
    return TRUE;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* --- removing deals ------------------------------------------------------------------------ */

/* Removes the deals listed in temp.crm_forget, their dependents and every op of them, on
 * the connection @db inside its transaction. */
static gboolean
forget_listed (sqlite3 *db)
{
  g_autoptr(GString) sql = g_string_new (
    "CREATE TEMP TABLE IF NOT EXISTS crm_forget_entity (entity TEXT NOT NULL,"
    " id TEXT NOT NULL);"
    "DELETE FROM temp.crm_forget_entity;"
    "INSERT INTO temp.crm_forget_entity SELECT 'deal', id FROM temp.crm_forget;");

  for (guint i = 0; deal_column_entities[i] != NULL; i++)
    g_string_append_printf (sql,
      "INSERT INTO temp.crm_forget_entity SELECT '%1$s', id FROM \"%1$s\""
      " WHERE deal IN (SELECT id FROM temp.crm_forget);", deal_column_entities[i]);
  for (guint i = 0; attached_entities[i] != NULL; i++)
    g_string_append_printf (sql,
      "INSERT INTO temp.crm_forget_entity SELECT '%1$s', id FROM \"%1$s\""
      " WHERE (entity = 'deal' AND entity_id IN (SELECT id FROM temp.crm_forget))"
      " OR (entity = 'task' AND entity_id IN (SELECT id FROM temp.crm_forget_entity"
      " WHERE entity = 'task'));", attached_entities[i]);
  g_string_append (sql,
    "DELETE FROM changelog WHERE entity_id IN (SELECT id FROM temp.crm_forget_entity);"
    /* the user's own changes the server refused stay listed to them (they hold only what
     * the user typed: the server sent no values of a deal they do not see) */
    "DELETE FROM conflict WHERE entity_id IN (SELECT id FROM temp.crm_forget_entity)"
    " AND (remote_actor IS NULL OR remote_actor NOT LIKE 'rejected:%');");
  for (guint i = 0; attached_entities[i] != NULL; i++)
    g_string_append_printf (sql, "DELETE FROM \"%1$s\" WHERE id IN (SELECT id FROM"
                            " temp.crm_forget_entity WHERE entity = '%1$s');",
                            attached_entities[i]);
  for (guint i = 0; deal_column_entities[i] != NULL; i++)
    g_string_append_printf (sql, "DELETE FROM \"%1$s\" WHERE id IN (SELECT id FROM"
                            " temp.crm_forget_entity WHERE entity = '%1$s');",
                            deal_column_entities[i]);
  g_string_append (sql, "DELETE FROM deal WHERE id IN (SELECT id FROM temp.crm_forget);"
                        "DELETE FROM temp.crm_forget_entity;"
                        "DELETE FROM temp.crm_forget;");
  return sqlite3_exec (db, sql->str, NULL, NULL, NULL) == SQLITE_OK;
}

static const char forget_table[] =
  "CREATE TEMP TABLE IF NOT EXISTS crm_forget (id TEXT PRIMARY KEY NOT NULL);"
  "DELETE FROM temp.crm_forget;";

gboolean
crm_visibility_filter_file (const CrmVisibility  *self,
                            const char           *path,
                            guint                *out_removed,
                            GError              **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *read = NULL;
  sqlite3_stmt *add = NULL;
  gboolean ok = FALSE;
  guint removed = 0;
  int rc;

  *out_removed = 0;
  if (self->all)
    return TRUE;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA secure_delete = ON; PRAGMA foreign_keys = OFF; BEGIN;",
                    NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec (db, forget_table, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT id, pipeline, responsible FROM deal", -1, &read,
                          NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT OR IGNORE INTO temp.crm_forget (id) VALUES (?1)", -1,
                          &add, NULL) != SQLITE_OK)
    goto out;
  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      if (decide (self, (const char *) sqlite3_column_text (read, 1),
                  (const char *) sqlite3_column_text (read, 2)))
        continue;
      sqlite3_bind_value (add, 1, sqlite3_column_value (read, 0));
      if (sqlite3_step (add) != SQLITE_DONE)
        goto out;
      sqlite3_reset (add);
      removed++;
    }
  if (rc != SQLITE_DONE || !forget_listed (db) ||
      sqlite3_exec (db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
    goto out;
  *out_removed = removed;
  ok = TRUE;

out:
  if (!ok)
    /* Translators: %s is what SQLite said */
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
                 _("Could not leave out of the snapshot the deals its user may not see: %s"),
                 db != NULL ? sqlite3_errmsg (db) : "out of memory");
  sqlite3_finalize (read);
  sqlite3_finalize (add);
  sqlite3_close (db);
  return ok;
}

gboolean
crm_visibility_forget (CrmStore   *store,
                       GPtrArray  *deal_ids,
                       GError    **error)
{
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *add;

  if (deal_ids == NULL || deal_ids->len == 0)
    return TRUE;
  if (!_crm_sql_exec (store, "PRAGMA secure_delete = ON", "erasing forgotten deals", error) ||
      !_crm_store_begin (store, error))
    return FALSE;
  if (sqlite3_exec (db, forget_table, NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  add = _crm_store_prepare (store, "INSERT OR IGNORE INTO temp.crm_forget (id) VALUES (?1)",
                            error);
  if (add == NULL)
    goto fail_set;
  for (guint i = 0; i < deal_ids->len; i++)
    {
      _crm_sql_bind_text_or_null (add, 1, deal_ids->pdata[i]);
      if (!_crm_sql_step_done (store, add, "listing the deals to forget", error))
        goto fail_set;
    }
  if (!forget_listed (db))
    goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;
  /* the WAL still holds the pages as they were: written back and emptied (a reader
   * that holds an older page keeps it until it ends; then the next sync does it) */
  sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  return TRUE;

fail:
  _crm_store_set_sql_error (store, error, "forgetting deals");
fail_set:
  _crm_store_rollback (store);
  return FALSE;
}
