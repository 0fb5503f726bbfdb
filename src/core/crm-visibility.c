/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-visibility.c — which deals a user's replica holds (see crm-visibility.h). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "crm-visibility.h"
#include "crm-attachment.h"
#include "crm-changelog-private.h"
#include "crm-error.h"
#include "crm-json-private.h"
#include "crm-rights.h"
#include "crm-schema.h"
#include "crm-uuid.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"

struct _CrmVisibility
{
  char          *user_id;
  CrmUserRights *rights;     /* NULL: a user the replica does not have */
  char          *role_id;    /* the id of the user's role entity */
  gboolean       all;
  char          *key;
};

/* The entities that go with a deal through a `deal` column. */
static const char *const deal_column_entities[] = {
  "task", "message", "call", "deal_tag", "deal_contact", "notification", NULL
};
/* …and through `entity` + `entity_id` (a deal, or a task of one). */
static const char *const attached_entities[] = { "note", "attachment", "approval", NULL };

static gint
compare_texts (gconstpointer a,
               gconstpointer b,
               gpointer      data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The scopes, and whose deals «own» and «group» show, in a canonical order: users with
 * the same key see the same deals. */
static char *
make_key (CrmVisibility *self,
          CrmStore      *store)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) pipelines = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT id FROM pipeline ORDER BY id", NULL);
  gboolean group = FALSE, own = FALSE;
  CrmRights rights;

  g_ptr_array_add (pipelines, NULL);
  while (stmt != NULL && _crm_store_step (store, stmt) == SQLITE_ROW)
    g_ptr_array_add (pipelines, _crm_sql_dup_column_text (stmt, 0));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  self->all = TRUE;
  for (guint i = 0; i < pipelines->len; i++)
    {
      if (self->rights != NULL)
        crm_user_rights_get (self->rights, pipelines->pdata[i], &rights);
      else
        rights.see = CRM_SCOPE_OWN;
      g_string_append_printf (text, "%s=%s;", pipelines->pdata[i] != NULL
                                              ? (const char *) pipelines->pdata[i] : "*",
                              crm_scope_to_string (rights.see));
      self->all &= rights.see == CRM_SCOPE_ALL;
      group |= rights.see == CRM_SCOPE_GROUP;
      own |= rights.see == CRM_SCOPE_OWN;
    }
  if (own || group)
    g_string_append_printf (text, "user=%s;", self->user_id);
  if (group && self->rights != NULL)
    {
      const char *const *members = crm_user_rights_group (self->rights);
      g_autofree const char **sorted = g_memdup2 (members, sizeof (char *) *
                                                  (g_strv_length ((GStrv) members) + 1));

      g_qsort_with_data (sorted, g_strv_length ((GStrv) members), sizeof (char *),
                         compare_texts, NULL);
      for (guint i = 0; sorted[i] != NULL; i++)
        g_string_append_printf (text, "group=%s;", sorted[i]);
    }
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text->str, text->len);
}

CrmVisibility *
crm_visibility_new (CrmStore   *store,
                    const char *user_id)
{
  CrmVisibility *self = g_new0 (CrmVisibility, 1);
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  self->user_id = g_strdup (user_id != NULL ? user_id : "");
  self->rights = user_id != NULL ? crm_user_rights_new (store, user_id, &error) : NULL;
  if (self->rights == NULL && error != NULL)
    g_debug ("The rights of %s: %s", self->user_id, error->message);
  if (self->rights != NULL)
    {
      const char *role = crm_user_rights_role (self->rights);

      self->role_id = role == NULL ? NULL
                      : crm_uuid_is_valid (role) ? g_strdup (role) : crm_rights_role_id (role);
    }
  self->key = make_key (self, store);
  return self;
}

void
crm_visibility_free (CrmVisibility *self)
{
  if (self == NULL)
    return;
  g_free (self->user_id);
  g_clear_pointer (&self->rights, crm_user_rights_free);
  g_free (self->role_id);
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

GStrv
crm_visibility_dup_keys (CrmStore *store)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT id FROM \"user\" WHERE deleted = 0",
                                           NULL);
  int rc = SQLITE_ERROR;

  while (stmt != NULL && (rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, _crm_sql_dup_column_text (stmt, 0));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return NULL;
  for (guint i = 0; i < users->len; i++)
    {
      g_autoptr(CrmVisibility) visibility = crm_visibility_new (store, users->pdata[i]);

      if (!visibility->all &&
          !g_ptr_array_find_with_equal_func (keys, visibility->key, g_str_equal, NULL))
        g_ptr_array_add (keys, g_steal_pointer (&visibility->key));
    }
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_steal (keys, NULL);
}

/* Whether a deal of @pipeline whose responsible is @responsible is seen (a deal nobody is
 * responsible for: only with «all», crm-rights.h). */
static gboolean
decide (const CrmVisibility *self,
        const char          *pipeline,
        const char          *responsible)
{
  if (self->rights == NULL)
    return FALSE;
  return crm_user_rights_sees (self->rights, pipeline, responsible);
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

/* The deal a brand's discount approval @id was asked for on, or NULL. */
static char *
discount_deal (CrmStore   *store,
               const char *id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT json_extract (data, '$.deal') FROM approval WHERE id = ?1", NULL);
  char *deal = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    deal = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return deal;
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
    return _crm_store_dup_column_any (store, entity, entity_id, "deal");
  if (!g_strv_contains (attached_entities, entity))
    return NULL;
  kind = _crm_store_dup_column_any (store, entity, entity_id, "entity");
  target = _crm_store_dup_column_any (store, entity, entity_id, "entity_id");
  if (g_strcmp0 (kind, "deal") == 0)
    return g_steal_pointer (&target);
  /* a brand's discount asked for on a deal (crm-approval.c): the brand's approval, the
   * deal's business — its amount and comment go with the deal */
  if (g_str_equal (entity, "approval") && g_strcmp0 (kind, "tag") == 0)
    return discount_deal (store, entity_id);
  if (g_strcmp0 (kind, "task") == 0 && target != NULL)
    return _crm_store_dup_column_any (store, "task", target, "deal");
  /* an approval's files (an invoice asked to be approved): the approval's deal */
  if (g_strcmp0 (kind, "approval") == 0 && target != NULL && !g_str_equal (entity, "approval"))
    return crm_visibility_deal_of (store, "approval", target);
  return NULL;
}

gboolean
crm_visibility_sees_file (const CrmVisibility  *self,
                          CrmStore             *store,
                          const char           *hash,
                          gboolean             *out_seen,
                          GError              **error)
{
  sqlite3_stmt *stmt;
  int rc = SQLITE_DONE;

  *out_seen = self->all;
  if (self->all)
    return TRUE;
  stmt = _crm_store_prepare (store, "SELECT id FROM attachment WHERE hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, hash);
  while (!*out_seen && (rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      g_autofree char *deal = crm_visibility_deal_of (store, "attachment",
                                                      (const char *) sqlite3_column_text (stmt, 0));

      /* a contact's file, a template's: shared */
      *out_seen = deal == NULL || crm_visibility_sees_deal (self, store, deal);
    }
  sqlite3_reset (stmt);
  if (!*out_seen && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the attachments of a file");
      return FALSE;
    }
  return TRUE;
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

gboolean
crm_visibility_op_moves_deal (const char *entity,
                              const char *fields_json)
{
  return g_strcmp0 (entity, "deal") == 0 &&
         (sets_field (fields_json, "responsible") || sets_field (fields_json, "pipeline"));
}

gboolean
crm_visibility_op_moves_dependent (const char *entity,
                                   const char *fields_json)
{
  if (entity == NULL)
    return FALSE;
  if (g_strv_contains (deal_column_entities, entity))
    return sets_field (fields_json, "deal");
  return g_strv_contains (attached_entities, entity) && sets_field (fields_json, "entity_id");
}

/* Whether the user @user_id is responsible for any deal. */
static gboolean
has_deals (CrmStore   *store,
           const char *user_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT 1 FROM deal WHERE responsible = ?1 LIMIT 1",
                                           NULL);
  gboolean found = TRUE;

  if (stmt == NULL)
    return TRUE;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* The see-scopes of a role's "rights" as op fields @fields_json set them, as one text
 * ("*=own;PIPELINE=all;…", pipelines in the order written: canonical JSON sorts them);
 * NULL when the op does not set them. */
static char *
scopes_of (const char *fields_json)
{
  g_autoptr(JsonNode) node = fields_json != NULL ? json_from_string (fields_json, NULL) : NULL;
  JsonObject *fields = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                       ? json_node_get_object (node) : NULL;
  JsonNode *rights_node = fields != NULL ? json_object_get_member (fields, "rights") : NULL;
  JsonObject *rights = rights_node != NULL && JSON_NODE_HOLDS_OBJECT (rights_node)
                       ? json_node_get_object (rights_node) : NULL;
  JsonObject *pipelines;
  g_autoptr(GList) members = NULL;
  GString *text;

  if (rights == NULL)
    return NULL;
  text = g_string_new (NULL);
  if (json_object_has_member (rights, "default") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (rights, "default")))
    g_string_append_printf (text, "*=%s;", json_object_get_string_member_with_default (
                              json_object_get_object_member (rights, "default"), "see", ""));
  pipelines = json_object_has_member (rights, "pipelines") &&
              JSON_NODE_HOLDS_OBJECT (json_object_get_member (rights, "pipelines"))
              ? json_object_get_object_member (rights, "pipelines") : NULL;
  members = pipelines != NULL ? json_object_get_members (pipelines) : NULL;
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *entry = json_object_get_member (pipelines, l->data);

      if (JSON_NODE_HOLDS_OBJECT (entry) &&
          json_object_has_member (json_node_get_object (entry), "see"))
        g_string_append_printf (text, "%s=%s;", (const char *) l->data,
                                json_object_get_string_member_with_default (
                                  json_node_get_object (entry), "see", ""));
    }
  return g_string_free (text, FALSE);
}

/* Whether the op @seq on the role @role_id (setting @fields_json) changed what the role
 * sees: its see-scopes differ from those its op before set (a new role's first rights
 * change nothing yet: its users are given it by an op of their own). */
static gboolean
role_scopes_changed (CrmStore   *store,
                     const char *role_id,
                     gint64      seq,
                     const char *fields_json)
{
  g_autofree char *now = scopes_of (fields_json);
  g_autofree char *before = NULL;
  sqlite3_stmt *stmt;

  if (now == NULL)
    return FALSE;
  stmt = _crm_store_prepare (store,
    "SELECT fields FROM changelog WHERE entity_id = ?1 AND entity = 'role' AND seq < ?2"
    " AND instr (fields, '\"rights\":') > 0 ORDER BY seq DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return TRUE;
  _crm_sql_bind_text_or_null (stmt, 1, role_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    before = scopes_of ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  /* a built-in role's first change: before it, the rights schema step 24 wrote (no op) */
  for (const char *const *key = crm_rights_builtin_keys (); before == NULL && *key != NULL;
       key++)
    {
      g_autofree char *id = crm_rights_role_id (*key);

      if (g_strcmp0 (id, role_id) == 0)
        {
          g_autoptr(JsonNode) rights = crm_rights_builtin_rights (*key);
          g_autoptr(JsonObject) fields = json_object_new ();
          g_autofree char *text = NULL;

          json_object_set_member (fields, "rights", g_steal_pointer (&rights));
          text = crm_json_object_to_canonical (fields);
          before = scopes_of (text);
        }
    }
  return before != NULL && !g_str_equal (before, now);
}

gboolean
crm_visibility_op_changes_seen (const CrmVisibility *self,
                                CrmStore            *store,
                                gint64               seq,
                                const char          *entity,
                                const char          *entity_id,
                                const char          *fields_json)
{
  if (g_strcmp0 (entity, "role") == 0)
    return g_strcmp0 (entity_id, self->role_id) == 0 &&
           role_scopes_changed (store, entity_id, seq, fields_json);
  if (g_strcmp0 (entity, "user") != 0 ||
      (!sets_field (fields_json, "role") && !sets_field (fields_json, "grp")))
    return FALSE;
  if (g_strcmp0 (entity_id, self->user_id) == 0)
    return TRUE;
  /* a colleague who joins or leaves a group: it matters to one who sees their group's deals
   * (whether they were in it is not known here: anyone responsible for a deal counts) */
  if (self->all || !sets_field (fields_json, "grp"))
    return FALSE;
  return (self->rights != NULL &&
          g_strv_contains (crm_user_rights_group (self->rights), entity_id)) ||
         has_deals (store, entity_id);
}

gint64
crm_visibility_changed_at (CrmStore   *store,
                           const char *user_id)
{
  g_autoptr(CrmVisibility) self = crm_visibility_new (store, user_id);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT COALESCE (max (seq), 0) FROM changelog WHERE (entity_id = ?1 AND entity = 'user'"
    " AND (instr (fields, '\"role\":') > 0 OR instr (fields, '\"grp\":') > 0))"
    " OR (entity_id = ?2 AND entity = 'role')", NULL);
  gint64 seq = 0;

  if (stmt == NULL || user_id == NULL)
    return 0;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  _crm_sql_bind_text_or_null (stmt, 2, self->role_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return seq;
}

gint64
crm_visibility_last_move (CrmStore *store,
                          gint64    after)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT COALESCE (max (seq), ?1) FROM changelog WHERE seq > ?1 AND entity = 'deal'"
    " AND (instr (fields, '\"responsible\":') > 0 OR instr (fields, '\"pipeline\":') > 0)",
    NULL);
  gint64 seq = after;

  if (stmt == NULL)
    return G_MAXINT64;
  sqlite3_bind_int64 (stmt, 1, MAX (after, 0));
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return seq;
}

/* --- removing deals ------------------------------------------------------------------------ */

/* Lists in temp.crm_forget_entity, beside the dependents named there already, the deals
 * of temp.crm_forget and their dependents (a listed task's or approval's notes and files
 * too), on the connection @db inside its transaction. */
static gboolean
list_forgotten (sqlite3 *db)
{
  g_autoptr(GString) sql = g_string_new (
    "INSERT INTO temp.crm_forget_entity SELECT 'deal', id FROM temp.crm_forget;");

  for (guint i = 0; deal_column_entities[i] != NULL; i++)
    g_string_append_printf (sql,
      "INSERT INTO temp.crm_forget_entity SELECT '%1$s', id FROM \"%1$s\""
      " WHERE deal IN (SELECT id FROM temp.crm_forget);", deal_column_entities[i]);
  /* approvals asked for on them or their tasks, a brand's discount asked for on one of
   * them (crm_visibility_deal_of), before the notes and files on those */
  g_string_append (sql,
    "INSERT INTO temp.crm_forget_entity SELECT 'approval', id FROM approval"
    " WHERE (entity = 'deal' AND entity_id IN (SELECT id FROM temp.crm_forget))"
    " OR (entity = 'task' AND entity_id IN (SELECT id FROM temp.crm_forget_entity"
    " WHERE entity = 'task'))"
    " OR (entity = 'tag' AND json_extract (data, '$.deal') IN (SELECT id FROM temp.crm_forget));");
  /* notes and files on them, on their tasks and approvals (and on the listed ones) */
  for (guint i = 0; attached_entities[i] != NULL; i++)
    if (!g_str_equal (attached_entities[i], "approval"))
      g_string_append_printf (sql,
        "INSERT INTO temp.crm_forget_entity SELECT '%1$s', id FROM \"%1$s\""
        " WHERE (entity = 'deal' AND entity_id IN (SELECT id FROM temp.crm_forget))"
        " OR (entity IN ('task', 'approval') AND entity_id IN (SELECT id FROM"
        " temp.crm_forget_entity WHERE entity IN ('task', 'approval')));", attached_entities[i]);
  return sqlite3_exec (db, sql->str, NULL, NULL, NULL) == SQLITE_OK;
}

/* Removes what temp.crm_forget_entity lists (list_forgotten()) and every op of it, on the
 * connection @db inside its transaction. */
static gboolean
forget_listed (sqlite3 *db)
{
  g_autoptr(GString) sql = g_string_new (
    /* …but not what the user typed and has yet to push (an edit made between a sync's
     * push and its pull): it goes with the next push, and the server's refusal is then
     * listed to them, as for any change made before they learnt the deal was taken */
    "DELETE FROM changelog WHERE entity_id IN (SELECT id FROM temp.crm_forget_entity)"
    " AND NOT (local = 1 AND pushed = 0);"
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

/* The indexes of the tables most of whose rows are about to go (the deals, what goes with
 * them, the history), dropped — SQLite would take each deleted row out of each of them —
 * and their CREATE statements added to @creates, to be made again from the rows that stay
 * (the tables' own keys stay: the deletes find their rows through them). */
static gboolean
drop_indexes (sqlite3   *db,
              GPtrArray *creates)
{
  g_autoptr(GString) sql = g_string_new ("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                                         " AND sql IS NOT NULL AND tbl_name IN ('deal', 'changelog'");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  for (guint i = 0; deal_column_entities[i] != NULL; i++)
    g_string_append_printf (sql, ", '%s'", deal_column_entities[i]);
  for (guint i = 0; attached_entities[i] != NULL; i++)
    g_string_append_printf (sql, ", '%s'", attached_entities[i]);
  g_string_append (sql, ")");
  if (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (creates, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *drop = g_strdup_printf ("DROP INDEX \"%s\"", (char *) names->pdata[i]);

      if (sqlite3_exec (db, drop, NULL, NULL, NULL) != SQLITE_OK)
        return FALSE;
    }
  return TRUE;
}

/* The most page cache a filtered snapshot is made with (KiB). */
#define FILTER_CACHE_KB (512 * 1024)

static const char forget_table[] =
  "CREATE TEMP TABLE IF NOT EXISTS crm_forget (id TEXT PRIMARY KEY NOT NULL);"
  "CREATE TEMP TABLE IF NOT EXISTS crm_forget_entity (entity TEXT NOT NULL,"
  " id TEXT NOT NULL);"
  "DELETE FROM temp.crm_forget;"
  "DELETE FROM temp.crm_forget_entity;";

gboolean
crm_visibility_filter_file (const CrmVisibility  *self,
                            const char           *path,
                            guint                *out_removed,
                            GError              **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *read = NULL;
  sqlite3_stmt *add = NULL;
  g_autoptr(GString) totals = g_string_new (NULL);
  g_autofree char *pragmas = NULL;
  gint64 cache_kb = 2048;
  g_autoptr(GPtrArray) creates = g_ptr_array_new_with_free_func (g_free);
  GStatBuf st;
  gboolean ok = FALSE;
  guint removed = 0, deals = 0;
  gboolean bulk;
  int rc;

  *out_removed = 0;
  if (self->all)
    return TRUE;
  /* The deletes run with a page cache that holds the pages they change (the file's size,
   * up to FILTER_CACHE_KB): with SQLite's 2 MB, scattered over every index of the tasks
   * and the history, they spill changed pages to the WAL and read them back over and over
   * (seconds of system time). When most of the deals go (bulk), they run with the
   * connection's triggers off — the reports' tables would be updated one deleted row at a
   * time, each re-reading its totals: 12 s of CPU for a rep of «own» at a quarter of the
   * large account — and the tables are computed once instead, set by set, from the rows
   * that stay, as the migrations that made them filled them and as a snapshot's install
   * does (crm_schema_append_totals_fill); so are the indexes of what goes (drop_indexes).
   * When most stay, computing every total anew costs more than the triggers' updates of
   * the few that go (bench/RESULTS.md). */
  if (g_stat (path, &st) == 0)
    cache_kb = MIN ((gint64) st.st_size / 1024 + 1024, FILTER_CACHE_KB);
  pragmas = g_strdup_printf ("PRAGMA cache_size = -%" G_GINT64_FORMAT "; PRAGMA secure_delete ="
                             " ON; PRAGMA foreign_keys = OFF; BEGIN;", cache_kb);
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_exec (db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec (db, forget_table, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT id, pipeline, responsible FROM deal", -1, &read,
                          NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT OR IGNORE INTO temp.crm_forget (id) VALUES (?1)", -1,
                          &add, NULL) != SQLITE_OK)
    goto out;
  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      deals++;
      if (decide (self, (const char *) sqlite3_column_text (read, 1),
                  (const char *) sqlite3_column_text (read, 2)))
        continue;
      sqlite3_bind_value (add, 1, sqlite3_column_value (read, 0));
      if (sqlite3_step (add) != SQLITE_DONE)
        goto out;
      sqlite3_reset (add);
      removed++;
    }
  bulk = removed > deals - removed;
  if (rc != SQLITE_DONE ||
      (bulk && (sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL) != SQLITE_OK ||
                !drop_indexes (db, creates))) ||
      !list_forgotten (db) || !forget_listed (db))
    goto out;
  for (guint i = 0; i < creates->len; i++)
    g_string_append_printf (totals, "%s;\n", (const char *) creates->pdata[i]);
  if (bulk)
    crm_schema_append_totals_fill (totals);
  if (sqlite3_exec (db, totals->str, NULL, NULL, NULL) != SQLITE_OK ||
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
                       GPtrArray  *dependents,
                       GError    **error)
{
  sqlite3 *db = _crm_store_get_db (store);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *add;
  sqlite3_stmt *add_dependent;
  sqlite3_stmt *files;
  int rc;

  if ((deal_ids == NULL || deal_ids->len == 0) && (dependents == NULL || dependents->len < 2))
    return TRUE;
  if (!_crm_sql_exec (store, "PRAGMA secure_delete = ON", "erasing forgotten deals", error) ||
      !_crm_store_begin (store, error))
    return FALSE;
  if (sqlite3_exec (db, forget_table, NULL, NULL, NULL) != SQLITE_OK)
    goto fail;
  add = _crm_store_prepare (store, "INSERT OR IGNORE INTO temp.crm_forget (id) VALUES (?1)",
                            error);
  add_dependent = _crm_store_prepare (store,
    "INSERT INTO temp.crm_forget_entity (entity, id) VALUES (?1, ?2)", error);
  if (add == NULL || add_dependent == NULL)
    goto fail_set;
  for (guint i = 0; deal_ids != NULL && i < deal_ids->len; i++)
    {
      _crm_sql_bind_text_or_null (add, 1, deal_ids->pdata[i]);
      if (!_crm_sql_step_done (store, add, "listing the deals to forget", error))
        goto fail_set;
    }
  /* a deal's dependents only: whatever else a server may name is shared, and stays */
  for (guint i = 0; dependents != NULL && i + 1 < dependents->len; i += 2)
    {
      if (!g_strv_contains (deal_column_entities, dependents->pdata[i]) &&
          !g_strv_contains (attached_entities, dependents->pdata[i]))
        continue;
      _crm_sql_bind_text_or_null (add_dependent, 1, dependents->pdata[i]);
      _crm_sql_bind_text_or_null (add_dependent, 2, dependents->pdata[i + 1]);
      if (!_crm_sql_step_done (store, add_dependent, "listing the tasks, notes and files to "
                               "forget", error))
        goto fail_set;
    }
  if (!list_forgotten (db))
    goto fail;
  /* the files of the attachments among them, removed once the rows are gone */
  files = _crm_store_prepare (store,
    "SELECT DISTINCT hash FROM attachment WHERE hash IS NOT NULL"
    " AND id IN (SELECT id FROM temp.crm_forget_entity WHERE entity = 'attachment')", error);
  if (files == NULL)
    goto fail_set;
  while ((rc = sqlite3_step (files)) == SQLITE_ROW)
    g_ptr_array_add (hashes, g_strdup ((const char *) sqlite3_column_text (files, 0)));
  sqlite3_reset (files);
  if (rc != SQLITE_DONE || !forget_listed (db))
    goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;
  /* the WAL still holds the pages as they were: written back and emptied (a reader
   * that holds an older page keeps it until it ends; then the next sync does it) */
  sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  crm_attachment_remove_unused (store, hashes);
  return TRUE;

fail:
  _crm_store_set_sql_error (store, error, "forgetting deals");
fail_set:
  _crm_store_rollback (store);
  return FALSE;
}

/* Whether the dependent @entity_id has an op before @seq (it existed before). */
static gboolean
had_op_before (CrmStore   *store,
               const char *entity_id,
               gint64      seq)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM changelog WHERE entity_id = ?1 AND seq < ?2 LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return TRUE;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

gboolean
crm_visibility_op_moves_dependent_away (CrmStore   *store,
                                        gint64      seq,
                                        const char *entity,
                                        const char *entity_id,
                                        const char *fields_json)
{
  return crm_visibility_op_moves_dependent (entity, fields_json) &&
         had_op_before (store, entity_id, seq);
}
