/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setup.c — the change sets of the account's setup (crm-setup.h): pipelines, stages,
 * custom fields, tags, users. Only checks and change sets here; the rights are the write
 * path's (crm-validate.c). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-setup.h"
#include "crm-json.h"
#include "crm-rights.h"
#include "crm-query.h"
#include "crm-error.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

static const char *const field_entities[] = { "deal", "contact", "company", NULL };
static const char *const field_types[] = {
  "text", "choice", "bool", "number", "money", "date", "companies", "counter", NULL
};
static const char *const tag_groups[] = { "brand", "trailer", "other", NULL };
static const char *const tag_colors[] = {
  "blue", "green", "yellow", "orange", "red", "purple", "brown", "gray", NULL
};
static const char *const stage_kinds[] = { "open", "won", "lost", NULL };

#define invalid(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, __VA_ARGS__)
#define not_found(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, __VA_ARGS__)

const char * const *
crm_setup_field_types (void)
{
  return field_types;
}

const char * const *
crm_setup_tag_colors (void)
{
  return tag_colors;
}

/* @name without the spaces around it, or NULL (with @error) when nothing is left or it
 * is too long for a name. */
static char *
clean_name (const char  *name,
            GError     **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (name != NULL ? name : ""));

  if (*copy == '\0')
    {
      invalid (error, _("The name is empty: write a name"));
      return NULL;
    }
  if (!g_utf8_validate (copy, -1, NULL) || g_utf8_strlen (copy, -1) > 200)
    {
      invalid (error, _("A name is at most 200 characters"));
      return NULL;
    }
  return g_steal_pointer (&copy);
}

static char *
one_of (const char *const *values)
{
  return g_strjoinv (", ", (char **) values);
}

/* The @column of a live @table row other than @except_id equal to @name in any case,
 * within @scope_column = @scope (when given), or NULL when there is none. */
static char *
name_taken (CrmStore   *store,
            const char *table,
            const char *column,
            const char *name,
            const char *scope_column,
            const char *scope,
            const char *except_id)
{
  g_autofree char *sql = NULL;
  g_autofree char *folded = g_utf8_casefold (name, -1);
  sqlite3_stmt *stmt;
  char *taken = NULL;

  sql = g_strdup_printf ("SELECT id, \"%s\" FROM \"%s\" WHERE deleted = 0%s%s%s", column,
                         table, scope_column != NULL ? " AND \"" : "",
                         scope_column != NULL ? scope_column : "",
                         scope_column != NULL ? "\" = ?1" : "");
  stmt = _crm_store_prepare (store, sql, NULL);
  if (stmt == NULL)
    return NULL;
  if (scope_column != NULL)
    _crm_sql_bind_text_or_null (stmt, 1, scope);
  while (taken == NULL && _crm_store_step (store, stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *other = (const char *) sqlite3_column_text (stmt, 1);
      g_autofree char *other_folded = other != NULL ? g_utf8_casefold (other, -1) : NULL;

      if (g_strcmp0 (id, except_id) != 0 && g_strcmp0 (other_folded, folded) == 0)
        taken = g_strdup (other);
    }
  sqlite3_reset (stmt);
  return taken;
}

/* The live row of @entity @id, or NULL with NOT_FOUND naming @what. */
static JsonObject *
live_entity (CrmStore    *store,
             const char  *entity,
             const char  *id,
             GError     **error)
{
  JsonObject *row = id != NULL ? crm_store_dup_entity (store, entity, id) : NULL;

  if (row == NULL || json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    {
      g_clear_pointer (&row, json_object_unref);
      not_found (error, _("“%s” is not a %s of this account (it may have been removed meanwhile)"),
                 id != NULL ? id : "", entity);
    }
  return row;
}

/* Renames the live @table row @id to @name (cleaned, see clean_name()) unless another
 * live row has that name in any case — within the same pipeline when @in_pipeline —;
 * then @taken_format (one %s: the name taken) is the error. */
static CrmChangeset *
rename_row (CrmStore    *store,
            const char  *table,
            const char  *id,
            const char  *name,
            gboolean     in_pipeline,
            const char  *taken_format,
            GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *clean = NULL;

  if ((row = live_entity (store, table, id, error)) == NULL ||
      (clean = clean_name (name, error)) == NULL)
    return NULL;
  if ((taken = name_taken (store, table, "name", clean, in_pipeline ? "pipeline" : NULL,
                           in_pipeline ? crm_json_string (row, "pipeline") : NULL, id)) != NULL)
    {
      invalid (error, taken_format, taken);
      return NULL;
    }
  crm_change_set_string (crm_changeset_touch (changeset, table, id), "name", clean);
  return g_steal_pointer (&changeset);
}

/* ---- pipelines and stages ---- */

static GPtrArray *select_ids (CrmStore *store, const char *sql, const char *arg, GError **error);

typedef struct {
  char *id;
  char *name;
  char *kind;
} Stage;

static void
stage_free (Stage *stage)
{
  g_free (stage->id);
  g_free (stage->name);
  g_free (stage->kind);
  g_free (stage);
}

/* The live stages of @pipeline_id in the board's order. */
static GPtrArray *
pipeline_stages (CrmStore    *store,
                 const char  *pipeline_id,
                 GError     **error)
{
  g_autoptr(GPtrArray) stages = g_ptr_array_new_with_free_func ((GDestroyNotify) stage_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT id, name, kind FROM stage WHERE deleted = 0 AND pipeline = ?1"
    " ORDER BY position, name", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, pipeline_id);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      Stage *stage = g_new0 (Stage, 1);

      stage->id = _crm_sql_dup_column_text (stmt, 0);
      stage->name = _crm_sql_dup_column_text (stmt, 1);
      stage->kind = _crm_sql_dup_column_text (stmt, 2);
      g_ptr_array_add (stages, stage);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list stages");
      return NULL;
    }
  return g_steal_pointer (&stages);
}

/* Writes positions 0… to @stages in their array order, touching only those that moved
 * (@old_order: the ids in their previous order). */
static void
renumber_stages (CrmChangeset *changeset,
                 GPtrArray    *stages,
                 GPtrArray    *old_order)
{
  for (guint i = 0; i < stages->len; i++)
    {
      Stage *stage = g_ptr_array_index (stages, i);

      if (i >= old_order->len || !g_str_equal (g_ptr_array_index (old_order, i), stage->id))
        crm_change_set_int (crm_changeset_touch (changeset, "stage", stage->id), "position", i);
    }
}

static GPtrArray *
stage_ids (GPtrArray *stages)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < stages->len; i++)
    g_ptr_array_add (ids, g_strdup (((Stage *) g_ptr_array_index (stages, i))->id));
  return ids;
}

static gint64
next_position (CrmStore   *store,
               const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce (max (position), -1) + 1 FROM \"%s\""
                                          " WHERE deleted = 0", table);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  gint64 position = 0;

  if (stmt == NULL)
    return 0;
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    position = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return position;
}

CrmChangeset *
crm_setup_pipeline_add (CrmStore    *store,
                        const char  *name,
                        char       **out_id,
                        GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;
  struct { const char *name; const char *kind; } closing[] = {
    { N_("Closed — won"), "won" },
    { N_("Closed — lost"), "lost" },
  };

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((clean = clean_name (name, error)) == NULL)
    return NULL;
  if ((taken = name_taken (store, "pipeline", "name", clean, NULL, NULL, NULL)) != NULL)
    {
      invalid (error, _("There is a pipeline «%s» already; choose another name"), taken);
      return NULL;
    }
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "pipeline", id);
  crm_change_set_string (change, "name", clean);
  crm_change_set_int (change, "position", next_position (store, "pipeline"));
  for (guint i = 0; i < G_N_ELEMENTS (closing); i++)
    {
      g_autofree char *stage_id = crm_store_new_id (store);

      change = crm_changeset_create (changeset, "stage", stage_id);
      crm_change_set_string (change, "pipeline", id);
      crm_change_set_string (change, "name", _(closing[i].name));
      crm_change_set_string (change, "kind", closing[i].kind);
      crm_change_set_int (change, "position", i);
    }
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_pipeline_rename (CrmStore    *store,
                           const char  *pipeline_id,
                           const char  *name,
                           GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  return rename_row (store, "pipeline", pipeline_id, name, FALSE,
                     _("There is a pipeline «%s» already; choose another name"), error);
}

/* How many live pipelines are not archived, leaving @except_id out. */
static guint
count_pipelines_in_use (CrmStore   *store,
                        const char *except_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT count(*) FROM pipeline WHERE deleted = 0 AND id <> ?1"
    " AND coalesce (json_extract (data, '$.archived'), 0) = 0", NULL);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  _crm_sql_bind_text_or_null (stmt, 1, except_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

CrmChangeset *
crm_setup_pipeline_archive (CrmStore    *store,
                            const char  *pipeline_id,
                            gboolean     archived,
                            GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) pipeline = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((pipeline = live_entity (store, "pipeline", pipeline_id, error)) == NULL)
    return NULL;
  if (archived && count_pipelines_in_use (store, pipeline_id) == 0)
    {
      invalid (error, _("«%s» is the last pipeline in use: add another before archiving it"),
               json_object_get_string_member_with_default (pipeline, "name", ""));
      return NULL;
    }
  crm_change_set_bool (crm_changeset_touch (changeset, "pipeline", pipeline_id), "archived",
                       archived);
  return g_steal_pointer (&changeset);
}

/* ---- loss reasons ---- */

CrmChangeset *
crm_setup_reason_add (CrmStore    *store,
                      const char  *pipeline_id,
                      const char  *name,
                      char       **out_id,
                      GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) pipeline = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((pipeline = live_entity (store, "pipeline", pipeline_id, error)) == NULL ||
      (clean = clean_name (name, error)) == NULL)
    return NULL;
  if ((taken = name_taken (store, "loss_reason", "name", clean, "pipeline", pipeline_id,
                           NULL)) != NULL)
    {
      invalid (error, _("«%s» has a loss reason «%s» already"),
               json_object_get_string_member_with_default (pipeline, "name", ""), taken);
      return NULL;
    }
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "loss_reason", id);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "name", clean);
  crm_change_set_int (change, "position", next_position (store, "loss_reason"));
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_reason_rename (CrmStore    *store,
                         const char  *reason_id,
                         const char  *name,
                         GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  return rename_row (store, "loss_reason", reason_id, name, TRUE,
                     _("There is a loss reason «%s» already; choose another name"), error);
}

CrmChangeset *
crm_setup_reason_remove (CrmStore    *store,
                         const char  *reason_id,
                         GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) reason = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((reason = live_entity (store, "loss_reason", reason_id, error)) == NULL)
    return NULL;
  crm_change_set_bool (crm_changeset_touch (changeset, "loss_reason", reason_id), "deleted",
                       TRUE);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_stage_add (CrmStore    *store,
                     const char  *pipeline_id,
                     const char  *name,
                     const char  *kind,
                     const char  *before_id,
                     char       **out_id,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autoptr(JsonObject) pipeline = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) old_order = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  guint at;
  Stage *stage;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (kind == NULL)
    kind = "open";
  if (!g_strv_contains (stage_kinds, kind))
    {
      g_autofree char *kinds = one_of (stage_kinds);

      invalid (error, _("A stage's kind is one of %s, not «%s»"), kinds, kind);
      return NULL;
    }
  if ((pipeline = live_entity (store, "pipeline", pipeline_id, error)) == NULL ||
      (clean = clean_name (name, error)) == NULL ||
      (stages = pipeline_stages (store, pipeline_id, error)) == NULL)
    return NULL;
  if ((taken = name_taken (store, "stage", "name", clean, "pipeline", pipeline_id, NULL)) != NULL)
    {
      invalid (error, _("The pipeline «%s» has a stage «%s» already; choose another name"),
               json_object_get_string_member (pipeline, "name"), taken);
      return NULL;
    }

  at = stages->len;
  for (guint i = 0; i < stages->len; i++)
    {
      Stage *s = g_ptr_array_index (stages, i);

      if (before_id != NULL ? g_str_equal (s->id, before_id)
                            : (g_strcmp0 (s->kind, "won") == 0 || g_strcmp0 (s->kind, "lost") == 0))
        {
          at = i;
          break;
        }
    }
  if (before_id != NULL && at == stages->len)
    {
      not_found (error, _("The pipeline «%s» has no stage “%s” to put the new one before"),
                 json_object_get_string_member (pipeline, "name"), before_id);
      return NULL;
    }

  old_order = stage_ids (stages);
  id = crm_store_new_id (store);
  stage = g_new0 (Stage, 1);
  stage->id = g_strdup (id);
  g_ptr_array_insert (stages, at, stage);
  change = crm_changeset_create (changeset, "stage", id);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "name", clean);
  crm_change_set_string (change, "kind", kind);
  renumber_stages (changeset, stages, old_order);
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_stage_rename (CrmStore    *store,
                        const char  *stage_id,
                        const char  *name,
                        GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  return rename_row (store, "stage", stage_id, name, TRUE,
                     _("This pipeline has a stage «%s» already; choose another name"), error);
}

CrmChangeset *
crm_setup_stage_move (CrmStore    *store,
                      const char  *stage_id,
                      int          delta,
                      GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) old_order = NULL;
  guint from = G_MAXUINT;
  gint64 to;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((stage = live_entity (store, "stage", stage_id, error)) == NULL ||
      (stages = pipeline_stages (store, json_object_get_string_member_with_default (stage, "pipeline", NULL),
                                 error)) == NULL)
    return NULL;
  for (guint i = 0; i < stages->len; i++)
    if (g_str_equal (((Stage *) g_ptr_array_index (stages, i))->id, stage_id))
      from = i;
  to = (gint64) from + delta;
  if (from == G_MAXUINT || to < 0 || to >= stages->len)
    {
      invalid (error, delta < 0 ? _("«%s» is the first stage already")
                                : _("«%s» is the last stage already"),
               json_object_get_string_member (stage, "name"));
      return NULL;
    }
  old_order = stage_ids (stages);
  {
    Stage *moving = g_ptr_array_steal_index (stages, from);

    g_ptr_array_insert (stages, to, moving);
  }
  renumber_stages (changeset, stages, old_order);
  return g_steal_pointer (&changeset);
}

/* ---- custom fields ---- */

static gboolean
valid_key (const char *key)
{
  if (key == NULL || !g_ascii_islower (*key) || strlen (key) > 64)
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* The choices as a JSON array node, trimmed, without empty or repeated ones; NULL (with
 * @error) when one is too long. */
static JsonNode *
choices_node (const char * const  *choices,
              GError             **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  JsonNode *node;

  for (guint i = 0; choices != NULL && choices[i] != NULL; i++)
    {
      g_autofree char *choice = g_strstrip (g_strdup (choices[i]));
      g_autofree char *folded = NULL;

      if (*choice == '\0')
        continue;
      if (g_utf8_strlen (choice, -1) > 200)
        {
          invalid (error, _("A choice is at most 200 characters: «%.40s…»"), choice);
          return NULL;
        }
      folded = g_utf8_casefold (choice, -1);
      if (g_ptr_array_find_with_equal_func (seen, folded, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, g_steal_pointer (&folded));
      json_array_add_string_element (array, choice);
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, array);
  return node;
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* The stage ids as a JSON array node, each a live stage; NULL with NOT_FOUND otherwise. */
static JsonNode *
stages_node (CrmStore            *store,
             const char * const  *stage_ids,
             GError             **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *node;

  for (guint i = 0; stage_ids != NULL && stage_ids[i] != NULL; i++)
    {
      g_autoptr(JsonObject) stage = live_entity (store, "stage", stage_ids[i], error);

      if (stage == NULL)
        return NULL;
      if (!array_has_string (array, stage_ids[i]))
        json_array_add_string_element (array, stage_ids[i]);
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, array);
  return node;
}

/* How many open stages (not won, lost) @stages has other than @except_id. */
static guint
count_open_stages_except (GPtrArray  *stages,
                          const char *except_id)
{
  guint n = 0;

  for (guint i = 0; i < stages->len; i++)
    {
      Stage *s = g_ptr_array_index (stages, i);

      if (!g_str_equal (s->id, except_id) && g_strcmp0 (s->kind, "won") != 0 &&
          g_strcmp0 (s->kind, "lost") != 0)
        n++;
    }
  return n;
}

CrmChangeset *
crm_setup_stage_set_kind (CrmStore    *store,
                          const char  *stage_id,
                          const char  *kind,
                          GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  const char *now;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (kind == NULL || !g_strv_contains (stage_kinds, kind))
    {
      g_autofree char *kinds = one_of (stage_kinds);

      invalid (error, _("A stage's kind is one of %s, not «%s»"), kinds, kind != NULL ? kind : "");
      return NULL;
    }
  if ((stage = live_entity (store, "stage", stage_id, error)) == NULL ||
      (stages = pipeline_stages (store, crm_json_string (stage, "pipeline"), error)) == NULL)
    return NULL;
  now = crm_json_string (stage, "kind");
  if (g_strcmp0 (now, "unsorted") == 0)
    {
      invalid (error, _("«%s» is where incoming requests land; its kind stays as it is"),
               crm_json_string_or (stage, "name", ""));
      return NULL;
    }
  if (!g_str_equal (kind, "open") && count_open_stages_except (stages, stage_id) == 0)
    {
      invalid (error, _("«%s» is the pipeline's only working stage; add another before "
                        "making it close deals"), crm_json_string_or (stage, "name", ""));
      return NULL;
    }
  if (g_strcmp0 (now, kind) != 0)
    crm_change_set_string (crm_changeset_touch (changeset, "stage", stage_id), "kind", kind);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_stage_remove (CrmStore    *store,
                        const char  *stage_id,
                        const char  *move_to_id,
                        guint       *out_deals,
                        GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(JsonObject) target = NULL;
  g_autoptr(GPtrArray) stages = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(GPtrArray) old_order = NULL;
  const char *pipeline_id;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((stage = live_entity (store, "stage", stage_id, error)) == NULL)
    return NULL;
  pipeline_id = crm_json_string (stage, "pipeline");
  if ((stages = pipeline_stages (store, pipeline_id, error)) == NULL)
    return NULL;
  if (g_strcmp0 (crm_json_string (stage, "kind"), "won") != 0 &&
      g_strcmp0 (crm_json_string (stage, "kind"), "lost") != 0 &&
      count_open_stages_except (stages, stage_id) == 0)
    {
      invalid (error, _("«%s» is the pipeline's only working stage; add another before "
                        "removing it"), crm_json_string_or (stage, "name", ""));
      return NULL;
    }
  deals = select_ids (store, "SELECT id FROM deal WHERE stage = ?1 AND deleted = 0 ORDER BY id",
                      stage_id, error);
  if (deals == NULL)
    return NULL;
  if (deals->len > 0 && (move_to_id == NULL || *move_to_id == '\0'))
    {
      invalid (error, g_dngettext (GETTEXT_PACKAGE,
                                   "«%s» holds %u deal; pick the stage it moves to",
                                   "«%s» holds %u deals; pick the stage they move to",
                                   deals->len),
               crm_json_string_or (stage, "name", ""), deals->len);
      return NULL;
    }
  if (deals->len > 0)
    {
      if ((target = live_entity (store, "stage", move_to_id, error)) == NULL)
        return NULL;
      if (g_str_equal (move_to_id, stage_id) ||
          g_strcmp0 (crm_json_string (target, "pipeline"), pipeline_id) != 0)
        {
          invalid (error, _("Pick another stage of the same pipeline for the deals of «%s»"),
                   crm_json_string_or (stage, "name", ""));
          return NULL;
        }
    }
  for (guint i = 0; i < deals->len; i++)
    {
      CrmChange *change = crm_changeset_touch (changeset, "deal", deals->pdata[i]);

      crm_change_set_string (change, "stage", move_to_id);
      crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
    }
  old_order = stage_ids (stages);
  for (guint i = 0; i < stages->len; i++)
    if (g_str_equal (((Stage *) g_ptr_array_index (stages, i))->id, stage_id))
      {
        g_ptr_array_remove_index (stages, i);
        break;
      }
  crm_change_set_bool (crm_changeset_touch (changeset, "stage", stage_id), "deleted", TRUE);
  renumber_stages (changeset, stages, old_order);
  if (out_deals != NULL)
    *out_deals = deals->len;
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_field_add (CrmStore           *store,
                     const char         *entity,
                     const char         *key,
                     const char         *label,
                     const char         *type,
                     const char * const *choices,
                     const char * const *required_stage_ids,
                     char              **out_id,
                     GError            **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autoptr(JsonNode) choice_list = NULL;
  g_autoptr(JsonNode) stage_list = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sql_key = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (entity == NULL || !g_strv_contains (field_entities, entity))
    {
      invalid (error, _("Custom fields belong to a deal, a contact or a company, not «%s»"),
               entity != NULL ? entity : "");
      return NULL;
    }
  if (!valid_key (key))
    {
      invalid (error, _("A field's key is written in small latin letters, digits and “_”, "
                        "starting with a letter (such as truck_model), not «%s»"),
               key != NULL ? key : "");
      return NULL;
    }
  if (type == NULL || !g_strv_contains (field_types, type))
    {
      g_autofree char *types = one_of (field_types);

      invalid (error, _("A field's type is one of %s, not «%s»"), types, type != NULL ? type : "");
      return NULL;
    }
  if ((clean = clean_name (label, error)) == NULL ||
      (choice_list = choices_node (choices, error)) == NULL ||
      (stage_list = stages_node (store, required_stage_ids, error)) == NULL)
    return NULL;
  if (g_str_equal (type, "choice") && json_array_get_length (json_node_get_array (choice_list)) == 0)
    {
      invalid (error, _("A list field needs at least one choice to pick from"));
      return NULL;
    }
  if (!g_str_equal (entity, "deal") && json_array_get_length (json_node_get_array (stage_list)) > 0)
    {
      invalid (error, _("Only a deal's field can be required at a stage"));
      return NULL;
    }
  if ((taken = name_taken (store, "field", "key", key, "entity", entity, NULL)) != NULL)
    {
      invalid (error, _("There is a field with the key «%s» already"), taken);
      return NULL;
    }
  if ((taken = name_taken (store, "field", "label", clean, "entity", entity, NULL)) != NULL)
    {
      invalid (error, _("There is a field labelled «%s» already; choose another label"), taken);
      return NULL;
    }
  /* a field removed earlier keeps its id's slot: a new one with its key is a new entity */
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "field", id);
  crm_change_set_string (change, "entity", entity);
  crm_change_set_string (change, "key", key);
  crm_change_set_string (change, "label", clean);
  crm_change_set_string (change, "type", type);
  crm_change_set_node (change, "choices", g_steal_pointer (&choice_list));
  crm_change_set_node (change, "required_stages", g_steal_pointer (&stage_list));
  crm_change_set_int (change, "position", next_position (store, "field"));
  crm_change_set_bool (change, "hidden", FALSE);
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_field_update (CrmStore           *store,
                        const char         *field_id,
                        const char         *label,
                        const char * const *choices,
                        const char * const *required_stage_ids,
                        int                 hidden,
                        GError            **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autoptr(JsonObject) field = NULL;
  CrmChange *change;
  const char *entity;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((field = live_entity (store, "field", field_id, error)) == NULL)
    return NULL;
  entity = json_object_get_string_member_with_default (field, "entity", NULL);
  change = crm_changeset_touch (changeset, "field", field_id);
  if (label != NULL)
    {
      g_autofree char *clean = clean_name (label, error);

      if (clean == NULL)
        return NULL;
      if ((taken = name_taken (store, "field", "label", clean, "entity", entity, field_id)) != NULL)
        {
          invalid (error, _("There is a field labelled «%s» already; choose another label"),
                   taken);
          return NULL;
        }
      crm_change_set_string (change, "label", clean);
    }
  if (choices != NULL)
    {
      JsonNode *node = choices_node (choices, error);

      if (node == NULL)
        return NULL;
      if (g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL), "choice") == 0 &&
          json_array_get_length (json_node_get_array (node)) == 0)
        {
          json_node_unref (node);
          invalid (error, _("A list field needs at least one choice to pick from"));
          return NULL;
        }
      crm_change_set_node (change, "choices", node);
    }
  if (required_stage_ids != NULL)
    {
      JsonNode *node = stages_node (store, required_stage_ids, error);

      if (node == NULL)
        return NULL;
      if (g_strcmp0 (entity, "deal") != 0 && json_array_get_length (json_node_get_array (node)) > 0)
        {
          json_node_unref (node);
          invalid (error, _("Only a deal's field can be required at a stage"));
          return NULL;
        }
      crm_change_set_node (change, "required_stages", node);
    }
  if (hidden == 0 || hidden == 1)
    crm_change_set_bool (change, "hidden", hidden == 1);
  return g_steal_pointer (&changeset);
}

/* ---- tags ---- */

static gboolean
check_tag_group_and_color (const char  *group,
                           const char  *color,
                           GError     **error)
{
  if (group != NULL && !g_strv_contains (tag_groups, group))
    {
      g_autofree char *groups = one_of (tag_groups);

      return invalid (error, _("A tag's group is one of %s, not «%s»"), groups, group);
    }
  if (color != NULL && *color != '\0' && !g_strv_contains (tag_colors, color))
    {
      g_autofree char *colors = one_of (tag_colors);

      return invalid (error, _("A tag's colour is one of %s, not «%s»"), colors, color);
    }
  return TRUE;
}

CrmChangeset *
crm_setup_tag_add (CrmStore    *store,
                   const char  *name,
                   const char  *group,
                   const char  *color,
                   char       **out_id,
                   GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!check_tag_group_and_color (group, color, error) ||
      (clean = clean_name (name, error)) == NULL)
    return NULL;
  if ((taken = name_taken (store, "tag", "name", clean, NULL, NULL, NULL)) != NULL)
    {
      invalid (error, _("There is a tag «%s» already"), taken);
      return NULL;
    }
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "tag", id);
  crm_change_set_string (change, "name", clean);
  crm_change_set_string (change, "grp", group != NULL ? group : "other");
  if (color != NULL && *color != '\0')
    crm_change_set_string (change, "color", color);
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_tag_update (CrmStore    *store,
                      const char  *tag_id,
                      const char  *name,
                      const char  *group,
                      const char  *color,
                      GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *taken = NULL;
  g_autoptr(JsonObject) tag = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((tag = live_entity (store, "tag", tag_id, error)) == NULL ||
      !check_tag_group_and_color (group, color, error))
    return NULL;
  change = crm_changeset_touch (changeset, "tag", tag_id);
  if (name != NULL)
    {
      g_autofree char *clean = clean_name (name, error);

      if (clean == NULL)
        return NULL;
      if ((taken = name_taken (store, "tag", "name", clean, NULL, NULL, tag_id)) != NULL)
        {
          invalid (error, _("There is a tag «%s» already; to make the two one, merge them"), taken);
          return NULL;
        }
      crm_change_set_string (change, "name", clean);
    }
  if (group != NULL)
    crm_change_set_string (change, "grp", group);
  if (color != NULL && *color == '\0')
    crm_change_set_null (change, "color");
  else if (color != NULL)
    crm_change_set_string (change, "color", color);
  return g_steal_pointer (&changeset);
}

/* Takes tag @from_id off every deal (putting @into_id, when given, on those that lack it)
 * and removes it; *@out_deals gets how many deals had it. */
static gboolean
retag_and_remove (CrmStore      *store,
                  CrmChangeset  *changeset,
                  const char    *from_id,
                  const char    *into_id,
                  guint         *out_deals,
                  GError       **error)
{
  sqlite3_stmt *stmt;
  guint deals = 0;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT l.deal, EXISTS (SELECT 1 FROM deal_tag o WHERE o.deal = l.deal AND o.tag = ?2"
    "  AND o.present = 1 AND o.deleted = 0)"
    " FROM deal_tag l WHERE l.tag = ?1 AND l.present = 1 AND l.deleted = 0", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, from_id);
  _crm_sql_bind_text_or_null (stmt, 2, into_id);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      const char *deal = (const char *) sqlite3_column_text (stmt, 0);

      crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", from_id, FALSE);
      if (into_id != NULL && sqlite3_column_int (stmt, 1) == 0)
        crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", into_id, TRUE);
      deals++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "list a tag's deals");
      return FALSE;
    }
  crm_change_set_bool (crm_changeset_touch (changeset, "tag", from_id), "deleted", TRUE);
  if (out_deals != NULL)
    *out_deals = deals;
  return TRUE;
}

CrmChangeset *
crm_setup_tag_merge (CrmStore    *store,
                     const char  *from_id,
                     const char  *into_id,
                     guint       *out_deals,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) from = NULL;
  g_autoptr(JsonObject) into = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((from = live_entity (store, "tag", from_id, error)) == NULL ||
      (into = live_entity (store, "tag", into_id, error)) == NULL)
    return NULL;
  if (g_str_equal (from_id, into_id))
    {
      invalid (error, _("A tag cannot be merged into itself: name two different tags"));
      return NULL;
    }
  if (!retag_and_remove (store, changeset, from_id, into_id, out_deals, error))
    return NULL;
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_tag_remove (CrmStore    *store,
                      const char  *tag_id,
                      guint       *out_deals,
                      GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) tag = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((tag = live_entity (store, "tag", tag_id, error)) == NULL ||
      !retag_and_remove (store, changeset, tag_id, NULL, out_deals, error))
    return NULL;
  return g_steal_pointer (&changeset);
}

/* ---- users ---- */

static guint
count_admins_except (CrmStore   *store,
                     const char *user_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT count(*) FROM \"user\" WHERE deleted = 0 AND role = 'admin' AND id <> ?1", NULL);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

CrmChangeset *
crm_setup_user_update (CrmStore    *store,
                       const char  *user_id,
                       const char  *role,
                       const char  *group,
                       GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *ref = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((user = live_entity (store, "user", user_id, error)) == NULL)
    return NULL;
  if (role != NULL)
    {
      g_autoptr(JsonObject) found = crm_rights_role_find (store, role, error);

      if (found == NULL)
        return NULL;
      role = ref = g_strdup (crm_rights_role_ref (found));
    }
  if (role != NULL && !g_str_equal (role, "admin") &&
      g_strcmp0 (json_object_get_string_member_with_default (user, "role", NULL), "admin") == 0 &&
      count_admins_except (store, user_id) == 0)
    {
      invalid (error, _("%s is the account's only administrator; make someone else an "
                        "administrator first"), json_object_get_string_member (user, "name"));
      return NULL;
    }
  change = crm_changeset_touch (changeset, "user", user_id);
  if (role != NULL)
    crm_change_set_string (change, "role", role);
  if (group != NULL)
    {
      g_autofree char *clean = g_strstrip (g_strdup (group));

      if (g_utf8_strlen (clean, -1) > 200)
        {
          invalid (error, _("The name of a group is at most 200 characters"));
          return NULL;
        }
      if (*clean == '\0')
        crm_change_set_null (change, "grp");
      else
        crm_change_set_string (change, "grp", clean);
    }
  return g_steal_pointer (&changeset);
}

/* The ids the query (binding ?1 = @arg) returns, or NULL on a failure to read. */
static GPtrArray *
select_ids (CrmStore    *store,
            const char  *sql,
            const char  *arg,
            GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, arg);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the rows a setup change touches");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static gboolean
user_is_deactivated (JsonObject *user)
{
  JsonNode *node = json_object_get_member (user, CRM_SETUP_USER_DEACTIVATED);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

gboolean
crm_setup_user_is_active (CrmStore   *store,
                          const char *user_id)
{
  g_autoptr(JsonObject) user = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  user = user_id != NULL ? crm_store_dup_entity (store, "user", user_id) : NULL;
  return user != NULL && !json_object_get_boolean_member_with_default (user, "deleted", FALSE) &&
         !user_is_deactivated (user);
}

static guint
count_active_admins_except (CrmStore   *store,
                            const char *user_id)
{
  g_autoptr(GPtrArray) admins = select_ids (store,
    "SELECT id FROM \"user\" WHERE deleted = 0 AND role = 'admin' AND id IS NOT ?1"
    " AND json_extract (data, '$." CRM_SETUP_USER_DEACTIVATED "') IS NULL", user_id, NULL);

  return admins != NULL ? admins->len : 0;
}

CrmChangeset *
crm_setup_user_deactivate (CrmStore    *store,
                           const char  *user_id,
                           const char  *heir_id,
                           guint       *out_deals,
                           guint       *out_tasks,
                           GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) heir = NULL;
  g_autoptr(GPtrArray) deals = NULL;
  g_autoptr(GPtrArray) tasks = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((user = live_entity (store, "user", user_id, error)) == NULL)
    return NULL;
  if (user_is_deactivated (user))
    {
      invalid (error, _("%s is already deactivated"), crm_json_string_or (user, "name", ""));
      return NULL;
    }
  if (heir_id == NULL || *heir_id == '\0')
    {
      invalid (error, _("Pick the colleague who takes over %s’s open deals and tasks"),
               crm_json_string_or (user, "name", ""));
      return NULL;
    }
  if ((heir = live_entity (store, "user", heir_id, error)) == NULL)
    return NULL;
  if (g_str_equal (user_id, heir_id))
    {
      invalid (error, _("%s cannot take over their own deals; pick a colleague"),
               crm_json_string_or (user, "name", ""));
      return NULL;
    }
  if (user_is_deactivated (heir))
    {
      invalid (error, _("%s is deactivated too; pick an active colleague to take over"),
               crm_json_string_or (heir, "name", ""));
      return NULL;
    }
  if (g_strcmp0 (crm_json_string (user, "role"), "admin") == 0 &&
      count_active_admins_except (store, user_id) == 0)
    {
      invalid (error, _("%s is the account's only administrator; make someone else an "
                        "administrator first"), crm_json_string_or (user, "name", ""));
      return NULL;
    }
  /* open deals only: won and lost ones stay with whoever closed them (the reports) */
  deals = select_ids (store,
                      "SELECT d.id FROM deal d LEFT JOIN stage s ON s.id = d.stage"
                      " WHERE d.responsible = ?1 AND d.deleted = 0"
                      " AND coalesce (s.kind, 'open') NOT IN ('won', 'lost') ORDER BY d.id",
                      user_id, error);
  if (deals == NULL)
    return NULL;
  tasks = select_ids (store,
                      "SELECT id FROM task WHERE responsible = ?1 AND coalesce (done, 0) = 0"
                      " AND deleted = 0 ORDER BY id", user_id, error);
  if (tasks == NULL)
    return NULL;
  for (guint i = 0; i < deals->len; i++)
    crm_change_set_string (crm_changeset_touch (changeset, "deal", deals->pdata[i]),
                           "responsible", heir_id);
  for (guint i = 0; i < tasks->len; i++)
    crm_change_set_string (crm_changeset_touch (changeset, "task", tasks->pdata[i]),
                           "responsible", heir_id);
  crm_change_set_int (crm_changeset_touch (changeset, "user", user_id),
                      CRM_SETUP_USER_DEACTIVATED, crm_store_get_now (store));
  if (out_deals != NULL)
    *out_deals = deals->len;
  if (out_tasks != NULL)
    *out_tasks = tasks->len;
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_user_reactivate (CrmStore    *store,
                           const char  *user_id,
                           GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) user = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((user = live_entity (store, "user", user_id, error)) == NULL)
    return NULL;
  if (!user_is_deactivated (user))
    {
      invalid (error, _("%s is active already"), crm_json_string_or (user, "name", ""));
      return NULL;
    }
  crm_change_set_null (crm_changeset_touch (changeset, "user", user_id),
                       CRM_SETUP_USER_DEACTIVATED);
  return g_steal_pointer (&changeset);
}

/* ---- a custom field's value from text ---- */

static gboolean
parse_flag (const char *text,
            gboolean   *out)
{
  static const char *const yes[] = { "yes", "y", "true", "1", "да", "д", "+", "on", NULL };
  static const char *const no[] = { "no", "n", "false", "0", "нет", "н", "-", "off", NULL };
  g_autofree char *folded = g_utf8_casefold (text, -1);

  if (g_strv_contains (yes, folded))
    return (*out = TRUE, TRUE);
  if (g_strv_contains (no, folded))
    return (*out = FALSE, TRUE);
  return FALSE;
}

/* "2026-03-02", a full ISO 8601 time, or "02.03.2026" (amoCRM's and Bitrix24's exports). */
static gboolean
parse_day (const char *text,
           gint64     *out_ms)
{
  int day, month, year;
  char tail;

  if (crm_time_parse (text, out_ms))
    return TRUE;
  if (sscanf (text, "%d.%d.%d%c", &day, &month, &year, &tail) == 3 &&
      year >= 1900 && year <= 9999 && g_date_valid_dmy (day, month, year))
    {
      g_autofree char *iso = g_strdup_printf ("%04d-%02d-%02d", year, month, day);

      return crm_time_parse (iso, out_ms);
    }
  return FALSE;
}

static gboolean
value_error (GError     **error,
             JsonObject  *field,
             const char  *text,
             const char  *expected)
{
  return invalid (error, _("Field «%s»: «%s» is not valid; expected %s"),
                  json_object_get_string_member_with_default (field, "label", ""), text, expected);
}

JsonNode *
crm_setup_field_value_parse (JsonObject  *field,
                             const char  *text,
                             GError     **error)
{
  const char *type = json_object_get_string_member_with_default (field, "type", "text");
  g_autofree char *clean = g_strstrip (g_strdup (text != NULL ? text : ""));
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  if (*clean == '\0')
    {
      json_node_init_null (node);
      return node;
    }
  if (g_str_equal (type, "choice"))
    {
      JsonNode *member = json_object_get_member (field, "choices");
      JsonArray *choices = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
      g_autofree char *folded = g_utf8_casefold (clean, -1);
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; choices != NULL && i < json_array_get_length (choices); i++)
        {
          const char *choice = json_array_get_string_element (choices, i);
          g_autofree char *choice_folded = choice != NULL ? g_utf8_casefold (choice, -1) : NULL;

          if (g_strcmp0 (choice_folded, folded) == 0)
            {
              json_node_set_string (node, choice);
              return node;
            }
          g_string_append_printf (list, "%s«%s»", i > 0 ? ", " : "", choice);
        }
      json_node_unref (node);
      invalid (error, _("Field «%s»: «%s» is not one of the choices: %s"),
               json_object_get_string_member_with_default (field, "label", ""), clean, list->str);
      return NULL;
    }
  if (g_str_equal (type, "bool"))
    {
      gboolean flag;

      if (parse_flag (clean, &flag))
        {
          json_node_set_boolean (node, flag);
          return node;
        }
      json_node_unref (node);
      value_error (error, field, clean, _("yes or no"));
      return NULL;
    }
  if (g_str_equal (type, "number") || g_str_equal (type, "counter"))
    {
      gint64 number;

      if (g_ascii_string_to_signed (clean, 10, g_str_equal (type, "counter") ? 0 : G_MININT64,
                                    G_MAXINT64, &number, NULL))
        {
          json_node_set_int (node, number);
          return node;
        }
      json_node_unref (node);
      value_error (error, field, clean, _("a whole number"));
      return NULL;
    }
  if (g_str_equal (type, "money"))
    {
      gint64 minor;

      if (crm_money_parse (clean, &minor))
        {
          json_node_set_int (node, minor);
          return node;
        }
      json_node_unref (node);
      value_error (error, field, clean, _("an amount such as 1500000.00"));
      return NULL;
    }
  if (g_str_equal (type, "date"))
    {
      gint64 ms;

      if (parse_day (clean, &ms))
        {
          json_node_set_int (node, ms);
          return node;
        }
      json_node_unref (node);
      value_error (error, field, clean, _("a date such as 2026-03-02"));
      return NULL;
    }
  if (g_str_equal (type, "companies"))
    {
      json_node_unref (node);
      invalid (error, _("Field «%s» links companies; link them on the card after the import"),
               json_object_get_string_member_with_default (field, "label", ""));
      return NULL;
    }
  json_node_set_string (node, clean);
  return node;
}

/* ---- roles ---- */

/* @name is free for a new or renamed role (@except_id: the role renamed): no role is
 * called so, in any case, and it is no built-in key. */
static gboolean
role_name_free (CrmStore    *store,
                const char  *name,
                const char  *except_id,
                GError     **error)
{
  g_autoptr(JsonObject) found = NULL;
  g_autoptr(GError) local = NULL;

  found = crm_rights_role_find (store, name, &local);
  if (found == NULL && !g_error_matches (local, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (found != NULL && g_strcmp0 (crm_json_string (found, "id"), except_id) != 0)
    {
      g_autofree char *taken = crm_rights_role_name (found);

      return invalid (error, _("There is a role «%s» already; pick another name"), taken);
    }
  return TRUE;
}

CrmChangeset *
crm_setup_role_add (CrmStore    *store,
                    const char  *name,
                    const char  *like,
                    char       **out_id,
                    GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) model = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *id = NULL;
  JsonNode *rights;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((clean = clean_name (name, error)) == NULL ||
      !role_name_free (store, clean, NULL, error) ||
      (model = crm_rights_role_find (store, like != NULL ? like : CRM_ROLE_REP, error)) == NULL)
    return NULL;
  if (g_strcmp0 (crm_json_string (model, "key"), CRM_ROLE_ADMIN) == 0)
    {
      invalid (error, _("Only the administrator's role sets the account up; a new role may be "
                        "like any other role (--like manager, for instance)"));
      return NULL;
    }
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, "role", id);
  crm_change_set_string (change, "name", clean);
  rights = json_object_get_member (model, "rights");
  if (rights != NULL && JSON_NODE_HOLDS_OBJECT (rights))
    crm_change_set_node (change, "rights", json_node_copy (rights));
  else
    crm_change_set_node (change, "rights", json_node_init_object (json_node_alloc (),
                                                                  json_object_new ()));
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return g_steal_pointer (&changeset);
}

/* The live role @role_id that an administrator may change (not the administrator's). */
static JsonObject *
changeable_role (CrmStore    *store,
                 const char  *role_id,
                 GError     **error)
{
  g_autoptr(JsonObject) role = live_entity (store, "role", role_id, error);

  if (role == NULL)
    return NULL;
  if (g_strcmp0 (crm_json_string (role, "key"), CRM_ROLE_ADMIN) == 0)
    {
      invalid (error, _("The administrator's role may do everything; it cannot be changed"));
      return NULL;
    }
  return g_steal_pointer (&role);
}

/* A copy of the role's rights object (an empty one when it has none). */
static JsonObject *
dup_rights (JsonObject *role)
{
  JsonNode *rights = json_object_get_member (role, "rights");
  g_autoptr(JsonNode) copy = NULL;

  if (rights == NULL || !JSON_NODE_HOLDS_OBJECT (rights))
    return json_object_new ();
  copy = json_node_copy (rights);
  return json_object_ref (json_node_get_object (copy));
}

/* Sets @right of @pipeline_id (NULL: the default) in @rights to @value (taken). */
static gboolean
put_right (JsonObject  *rights,
           const char  *pipeline_id,
           const char  *right,
           JsonNode    *value,
           GError     **error)
{
  g_autoptr(JsonNode) owned = value;
  JsonObject *entry;

  if (crm_rights_role_right (right) != NULL)
    {
      if (g_str_equal (right, CRM_RIGHT_CHANGES) &&
          (pipeline_id != NULL || !crm_scope_from_string (crm_json_node_string (value), NULL)))
        return invalid (error, _("Whose deals a role changes is one for the role: "
                                 "changes=all, changes=group or changes=own"));
      if (pipeline_id != NULL)
        return invalid (error, _("The right “%s” is one for the role, not for a pipeline: "
                                 "write %s=VALUE"), right, right);
      json_object_set_member (rights, right, g_steal_pointer (&owned));
      return TRUE;
    }
  if (pipeline_id == NULL)
    {
      if (!json_object_has_member (rights, "default") ||
          !JSON_NODE_HOLDS_OBJECT (json_object_get_member (rights, "default")))
        json_object_set_object_member (rights, "default", json_object_new ());
      entry = json_object_get_object_member (rights, "default");
    }
  else
    {
      JsonObject *pipelines;

      if (!json_object_has_member (rights, "pipelines") ||
          !JSON_NODE_HOLDS_OBJECT (json_object_get_member (rights, "pipelines")))
        json_object_set_object_member (rights, "pipelines", json_object_new ());
      pipelines = json_object_get_object_member (rights, "pipelines");
      if (!json_object_has_member (pipelines, pipeline_id) ||
          !JSON_NODE_HOLDS_OBJECT (json_object_get_member (pipelines, pipeline_id)))
        {
          /* a pipeline listed from now on: its rights as the default gave them, then
           * its own (a later change of the default leaves it as it is) */
          JsonNode *fallback = json_object_get_member (rights, "default");
          JsonObject *own = json_object_new ();

          /* (a copy of its members: json_node_copy() would share the object) */
          if (fallback != NULL && JSON_NODE_HOLDS_OBJECT (fallback))
            {
              g_autoptr(GList) members = json_object_get_members (json_node_get_object (fallback));

              for (GList *l = members; l != NULL; l = l->next)
                json_object_set_member (own, l->data, json_node_copy (
                  json_object_get_member (json_node_get_object (fallback), l->data)));
            }
          json_object_set_object_member (pipelines, pipeline_id, own);
        }
      entry = json_object_get_object_member (pipelines, pipeline_id);
    }
  json_object_set_member (entry, right, g_steal_pointer (&owned));
  return TRUE;
}

/* One "PIPELINE:RIGHT=VALUE" (or "changes=VALUE") into @rights. */
static gboolean
put_right_text (CrmStore    *store,
                JsonObject  *rights,
                const char  *text,
                GError     **error)
{
  const char *equals = strchr (text, '=');
  g_autofree char *left = NULL;
  g_autofree char *pipeline_id = NULL;
  const char *right;
  const char *value;
  char *colon;
  gboolean flag;
  const CrmRoleRight *once;

  if (equals == NULL)
    return invalid (error, _("«%s» is not a right: write PIPELINE:RIGHT=VALUE (for instance "
                             "«Продажи:reopen=no», «*:see=own»), changes=all|group|own, "
                             "team=all|group|own or approve=yes|no"), text);
  left = g_strstrip (g_strndup (text, equals - text));
  value = equals + 1;
  if ((once = crm_rights_role_right (left)) != NULL)
    {
      if (once->scope && !crm_scope_from_string (value, NULL))
        return invalid (error, _("«%s»: the right “%s” is all, group or own"), text, left);
      if (!once->scope && !parse_flag (value, &flag))
        return invalid (error, _("«%s»: the right “%s” is yes or no"), text, left);
      return put_right (rights, NULL, left,
                        once->scope ? json_node_init_string (json_node_alloc (), value)
                                    : json_node_init_boolean (json_node_alloc (), flag),
                        error);
    }
  colon = strrchr (left, ':');
  if (colon == NULL)
    return invalid (error, _("«%s» names no pipeline: write PIPELINE:RIGHT=VALUE, «*» for "
                             "every pipeline not listed"), text);
  *colon = '\0';
  right = g_strstrip (colon + 1);
  g_strstrip (left);
  if (!g_strv_contains ((const char * const []) { CRM_RIGHT_SEE, CRM_RIGHT_EDIT,
                                                  CRM_RIGHT_MOVE_WON_LOST, CRM_RIGHT_REOPEN,
                                                  CRM_RIGHT_DELETE, CRM_RIGHT_EXPORT, NULL },
                        right))
    return invalid (error, _("«%s» is not a right; the rights are see, edit, move_won_lost, "
                             "reopen, delete and export"), right);
  if (!g_str_equal (left, "*") &&
      (pipeline_id = crm_query_resolve (store, "pipeline", left, NULL, error)) == NULL)
    return FALSE;
  if (g_str_equal (right, CRM_RIGHT_SEE))
    {
      if (!crm_scope_from_string (value, NULL))
        return invalid (error, _("«%s»: the right “see” is all, group or own"), text);
      return put_right (rights, pipeline_id, right,
                        json_node_init_string (json_node_alloc (), value), error);
    }
  if (!parse_flag (value, &flag))
    return invalid (error, _("«%s»: the right “%s” is yes or no"), text, right);
  return put_right (rights, pipeline_id, right,
                    json_node_init_boolean (json_node_alloc (), flag), error);
}

CrmChangeset *
crm_setup_role_set (CrmStore           *store,
                    const char         *role_id,
                    const char         *name,
                    const char * const *rights,
                    GError            **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) role = NULL;
  g_autoptr(JsonObject) changed = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((role = changeable_role (store, role_id, error)) == NULL)
    return NULL;
  change = crm_changeset_touch (changeset, "role", role_id);
  if (name != NULL)
    {
      g_autofree char *clean = clean_name (name, error);

      if (clean == NULL || !role_name_free (store, clean, role_id, error))
        return NULL;
      crm_change_set_string (change, "name", clean);
    }
  if (rights != NULL && rights[0] != NULL)
    {
      g_autoptr(JsonNode) node = NULL;

      changed = dup_rights (role);
      for (guint i = 0; rights[i] != NULL; i++)
        if (!put_right_text (store, changed, rights[i], error))
          return NULL;
      node = json_node_init_object (json_node_alloc (), changed);
      if (!crm_rights_check_shape (node, error))
        return NULL;
      crm_change_set_node (change, "rights", g_steal_pointer (&node));
    }
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_role_set_right (CrmStore    *store,
                          const char  *role_id,
                          const char  *pipeline_id,
                          const char  *right,
                          JsonNode    *value,
                          GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) role = NULL;
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((role = changeable_role (store, role_id, error)) == NULL)
    return NULL;
  changed = dup_rights (role);
  if (!put_right (changed, pipeline_id, right, json_node_copy (value), error))
    return NULL;
  node = json_node_init_object (json_node_alloc (), changed);
  if (!crm_rights_check_shape (node, error))
    return NULL;
  crm_change_set_node (crm_changeset_touch (changeset, "role", role_id), "rights",
                       g_steal_pointer (&node));
  return g_steal_pointer (&changeset);
}

CrmChangeset *
crm_setup_role_remove (CrmStore    *store,
                       const char  *role_id,
                       GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) role = NULL;
  g_autoptr(GPtrArray) holders = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((role = live_entity (store, "role", role_id, error)) == NULL)
    return NULL;
  name = crm_rights_role_name (role);
  if (crm_json_string (role, "key") != NULL)
    {
      invalid (error, _("«%s» is a built-in role; it cannot be removed"), name);
      return NULL;
    }
  holders = select_ids (store, "SELECT name FROM \"user\" WHERE deleted = 0 AND role = ?1"
                        " ORDER BY name", role_id, error);
  if (holders == NULL)
    return NULL;
  if (holders->len > 0)
    {
      g_autofree char *who = NULL;

      g_ptr_array_add (holders, NULL);
      who = g_strjoinv (", ", (char **) holders->pdata);
      invalid (error, _("«%s» is the role of %s; give them another role first (voronkactl "
                        "user set NAME --role ROLE)"), name, who);
      return NULL;
    }
  crm_change_set_bool (crm_changeset_touch (changeset, "role", role_id), "deleted", TRUE);
  return g_steal_pointer (&changeset);
}
