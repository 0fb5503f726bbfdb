/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-merge.c — per-field last-writer-wins. Every replicated fact is a field of an entity
 * with its own clock (hlc, device). A local change set and a merged op both end in
 * _crm_store_apply_op_fields(), which keeps, field by field, the value with the greatest
 * clock; that is what makes merge order-independent and idempotent. Also merging ops made
 * elsewhere (crm_store_merge_ops, _crm_store_merge_op with what each op overwrote, for
 * conflict records), applying an op again, and re-stamping an op the server gave a new
 * clock. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "crm-changelog-private.h"
#include "crm-clock-words-private.h"
#include "crm-counter-private.h"
#include "crm-error-private.h"
#include "crm-merge-private.h"
#include "crm-duplicates-private.h"
#include "crm-store-impl-private.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-validate.h"

/* --- field clocks and values ---------------------------------------------------------- */

static int
compare_clock (guint64     hlc,
               const char *device,
               const char *stored)
{
  guint64 stored_hlc = 0;
  g_autofree char *hex = NULL;
  const char *space;

  if (stored == NULL)
    return 1;
  space = strchr (stored, ' ');
  if (space == NULL)
    return 1;
  hex = g_strndup (stored, space - stored);
  if (!crm_hlc_parse (hex, &stored_hlc))
    return 1;
  if (hlc != stored_hlc)
    return hlc > stored_hlc ? 1 : -1;
  return strcmp (device, space + 1);
}

static gboolean
check_value_kind (const CrmOp     *op,
                  const char      *field,
                  const CrmColumn *column,
                  JsonNode        *value,
                  GError         **error)
{
  gboolean ok = FALSE;

  if (JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  switch (column ? column->kind : CRM_COLUMN_JSON)
    {
    case CRM_COLUMN_TEXT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
      break;
    case CRM_COLUMN_INT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64;
      break;
    case CRM_COLUMN_BOOL:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
      break;
    case CRM_COLUMN_JSON:
    default:
      ok = TRUE;
      break;
    }
  if (!ok)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                 _("Field “%s” of %s %s has a value of the wrong type"), field, op->entity,
                 op->entity_id);
  return ok;
}

static void
bind_value (sqlite3_stmt    *stmt,
            int              index,
            const CrmColumn *column,
            JsonNode        *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    {
      sqlite3_bind_null (stmt, index);
      return;
    }
  switch (column->kind)
    {
    case CRM_COLUMN_TEXT:
      _crm_sql_bind_text_or_null (stmt, index, json_node_get_string (value));
      break;
    case CRM_COLUMN_INT:
      sqlite3_bind_int64 (stmt, index, json_node_get_int (value));
      break;
    case CRM_COLUMN_BOOL:
      sqlite3_bind_int (stmt, index, json_node_get_boolean (value) ? 1 : 0);
      break;
    case CRM_COLUMN_JSON:
    default:
      {
        g_autofree char *text = crm_json_to_canonical (value);
        _crm_sql_bind_text_or_null (stmt, index, text);
      }
      break;
    }
}

/* Stands for the `deleted` column in the list of columns an op wins. */
static const CrmColumn deleted_column = { "deleted", CRM_COLUMN_BOOL };

static void
append_uint (GString *out,
             guint    value)
{
  char digits[16];
  int n = 0;

  do
    digits[n++] = (char) ('0' + value % 10);
  while ((value /= 10) > 0);
  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

/* --- a bulk apply's new rows, 100 to a statement ---------------------------------------- */

/* A bulk apply's new contacts and companies wait here and go in a hundred rows to an INSERT
 * (one statement journal and one statement end for each hundred instead of for each row:
 * bench/RESULTS.md, issue 20). Rows wait only while they are all of one shape (the same
 * columns: the same single-row INSERT) and while nothing may read them: any other write
 * of the apply, and a second write of a waiting row, flushes them first
 * (_crm_store_rows_before_write), and the apply flushes them after its last change. */
#define ROW_BATCH 100

typedef struct {
  CrmOp     *op;        /* pending_ops' (or about to be): its id and the values below */
  char      *clocks;
  gint64     hlc;
  char      *data;      /* NULL: the column is left to its default */
  GPtrArray *columns;   /* const CrmColumn*, won */
  GPtrArray *values;    /* JsonNode*, op->fields' */
} PendingRow;

static void
pending_row_free (PendingRow *row)
{
  g_free (row->clocks);
  g_free (row->data);
  g_ptr_array_unref (row->columns);
  g_ptr_array_unref (row->values);
  g_free (row);
}

void
_crm_store_batch_rows (CrmStore *self,
                       gboolean  batch)
{
  g_clear_pointer (&self->row_batch, g_ptr_array_unref);
  g_clear_pointer (&self->row_batch_ids, g_hash_table_unref);
  g_clear_pointer (&self->row_batch_sql, g_free);
  if (batch)
    {
      self->row_batch = g_ptr_array_new_full (ROW_BATCH, (GDestroyNotify) pending_row_free);
      self->row_batch_ids = g_hash_table_new (g_str_hash, g_str_equal);
    }
}

/* Writes @n of the waiting rows from @first with one INSERT of @n rows (the waiting rows'
 * single-row INSERT with as many groups of parameters). */
static gboolean
write_pending_rows (CrmStore  *self,
                    guint      first,
                    guint      n,
                    GError   **error)
{
  const char *values = strstr (self->row_batch_sql, " VALUES (");
  PendingRow *shape = self->row_batch->pdata[first];
  guint n_params = 3 + (shape->data != NULL ? 1 : 0) + shape->columns->len;
  g_autoptr(GString) sql = g_string_new_len (self->row_batch_sql,
                                             values - self->row_batch_sql + 8);
  sqlite3_stmt *stmt;
  int index = 1;
  gboolean ok;

  for (guint r = 0; r < n; r++)
    {
      g_string_append (sql, r == 0 ? "(?" : ", (?");
      for (guint p = 1; p < n_params; p++)
        g_string_append (sql, ", ?");
      g_string_append_c (sql, ')');
    }
  stmt = _crm_store_prepare (self, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  for (guint r = first; r < first + n; r++)
    {
      PendingRow *row = self->row_batch->pdata[r];

      sqlite3_bind_text (stmt, index++, row->clocks, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, index++, row->hlc);
      if (row->data != NULL)
        sqlite3_bind_text (stmt, index++, row->data, -1, SQLITE_STATIC);
      for (guint i = 0; i < row->columns->len; i++)
        bind_value (stmt, index++, row->columns->pdata[i], row->values->pdata[i]);
      sqlite3_bind_text (stmt, index++, row->op->entity_id, -1, SQLITE_STATIC);
    }
  ok = _crm_sql_step_done (self, stmt, "writing an entity", error);
  /* nothing bound may point at texts about to be freed */
  sqlite3_clear_bindings (stmt);
  return ok;
}

gboolean
_crm_store_flush_rows (CrmStore  *self,
                       GError   **error)
{
  gboolean ok = TRUE;

  if (self->row_batch == NULL || self->row_batch->len == 0)
    return TRUE;
  /* a full batch is one cached statement; fewer go row by row rather than each count a
   * statement of its own */
  if (self->row_batch->len == ROW_BATCH)
    ok = write_pending_rows (self, 0, ROW_BATCH, error);
  else
    for (guint r = 0; ok && r < self->row_batch->len; r++)
      ok = write_pending_rows (self, r, 1, error);
  g_ptr_array_set_size (self->row_batch, 0);
  g_hash_table_remove_all (self->row_batch_ids);
  g_clear_pointer (&self->row_batch_sql, g_free);
  return ok;
}

/* Can @entity's row wait in the batch? */
static gboolean
row_may_wait (CrmStore   *self,
              const char *entity)
{
  return self->row_batch != NULL && self->capture_clocks == NULL &&
         (g_str_equal (entity, "contact") || g_str_equal (entity, "company"));
}

gboolean
_crm_store_rows_before_write (CrmStore    *self,
                              const char  *entity,
                              const char  *entity_id,
                              GError     **error)
{
  if (self->row_batch == NULL || self->row_batch->len == 0)
    return TRUE;
  if (row_may_wait (self, entity) && !g_hash_table_contains (self->row_batch_ids, entity_id))
    return TRUE;
  return _crm_store_flush_rows (self, error);
}

/* Adds a new row to the batch (taking @clocks, @data, @columns and @values), flushing it
 * first when its rows have another shape, and after when it is full. */
static gboolean
batch_row (CrmStore    *self,
           const char  *sql,
           CrmOp       *op,
           char        *clocks,
           gint64       hlc,
           char        *data,
           GPtrArray   *columns,
           GPtrArray   *values,
           GError     **error)
{
  PendingRow *row = g_new0 (PendingRow, 1);

  row->op = op;
  row->clocks = clocks;
  row->hlc = hlc;
  row->data = data;
  row->columns = columns;
  row->values = values;
  if (self->row_batch_sql != NULL && !g_str_equal (self->row_batch_sql, sql) &&
      !_crm_store_flush_rows (self, error))
    {
      pending_row_free (row);
      return FALSE;
    }
  if (self->row_batch_sql == NULL)
    self->row_batch_sql = g_strdup (sql);
  g_ptr_array_add (self->row_batch, row);
  g_hash_table_add (self->row_batch_ids, op->entity_id);
  return self->row_batch->len < ROW_BATCH || _crm_store_flush_rows (self, error);
}

/* The heart of the store: write the fields of @op whose clock beats the stored clock
 * of that field. Columns are updated in place; other fields live in `data`. */
gboolean
_crm_store_apply_op_fields (CrmStore     *self,
                            CrmOp        *op,
                            GError      **error)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autoptr(JsonObject) clocks = NULL;
  g_autoptr(JsonNode) data_node = NULL;
  JsonObject *data;
  g_autoptr(GString) update = NULL;
  g_autoptr(GPtrArray) won_columns = g_ptr_array_new ();
  g_autoptr(GPtrArray) won_values = g_ptr_array_new ();
  g_autoptr(GPtrArray) new_fields = g_ptr_array_new ();   /* a new row's, won */
  gboolean data_changed = FALSE;
  gboolean batched;
  gboolean any_won = FALSE;
  gboolean exists = FALSE;
  gboolean search_changed = FALSE;
  gint64 row_hlc = 0;
  g_autoptr(GList) members = NULL;
  g_autofree char *clock_text = NULL;
  g_autofree char *stored_clocks = NULL;
  g_autoptr(JsonObject) old_row = NULL;
  sqlite3_stmt *stmt;
  int index;

  /* one read gives the clocks, the custom fields and, for known types, the values the
   * op may replace (op->previous, the rules' "from" and conflicts) */
  stmt = _crm_store_prepare (self, type != NULL ? _crm_store_select_by_id_sql (type) :
                             "SELECT id, 0, data, clocks, hlc FROM other_entity "
                             "WHERE id = ?1 AND entity = ?2", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      exists = TRUE;
      data_node = json_from_string ((const char *) sqlite3_column_text (stmt, 2), NULL);
      clocks = _crm_clocks_decode (_crm_store_clock_words (self),
                                   (const char *) sqlite3_column_text (stmt, 3));
      if (clocks == NULL)
        {
          _crm_store_set_read_error (self, error, "reading an entity's field clocks");
          sqlite3_reset (stmt);
          return FALSE;
        }
      row_hlc = sqlite3_column_int64 (stmt, 4);
      if (type != NULL)
        old_row = _crm_store_row_to_object (type, stmt);
      break;
    case SQLITE_DONE:
      break;
    default:
      _crm_store_set_read_error (self, error, "reading an entity");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  if (clocks == NULL)
    clocks = json_object_new ();
  if (data_node == NULL || !JSON_NODE_HOLDS_OBJECT (data_node))
    {
      g_clear_pointer (&data_node, json_node_unref);
      data_node = crm_json_node_take_object (json_object_new ());
    }
  data = json_node_get_object (data_node);

  {
    g_autofree char *hex = crm_hlc_to_string (op->hlc);
    clock_text = g_strconcat (hex, " ", op->device, NULL);
  }

  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      const CrmColumn *column = NULL;
      gboolean is_deleted = g_str_equal (field, "deleted");
      int order;

      if (g_str_equal (field, "id") || g_str_equal (field, "data") ||
          g_str_equal (field, "clocks") || g_str_equal (field, "hlc"))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("“%s” is not a field that can be written (%s %s)"), field,
                       op->entity, op->entity_id);
          return FALSE;
        }
      if (type != NULL && !is_deleted)
        column = crm_entity_type_column (type, field);
      if (type != NULL && is_deleted &&
          !(JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("“deleted” of %s %s must be true or false"), op->entity, op->entity_id);
          return FALSE;
        }
      if (type != NULL && !check_value_kind (op, field, column, value, error))
        return FALSE;

      order = compare_clock (op->hlc, op->device,
                             json_object_get_string_member_with_default (clocks, field, NULL));
      /* Equal clocks from different ops happen only when a replica file was copied and
       * two devices share an id; the greater value wins so replicas still agree. */
      if (order == 0)
        {
          JsonNode *current = old_row != NULL ? json_object_get_member (old_row, field)
                                              : json_object_get_member (data, field);
          g_autofree char *current_text = crm_json_to_canonical (current);
          g_autofree char *new_text = crm_json_to_canonical (value);

          order = strcmp (new_text, current_text);
        }
      if (order <= 0)
        continue;

      any_won = TRUE;
      /* a compacted op that read this field from the row keeps its value (its history) */
      if (old_row != NULL && self->compacted_hlc > 0 &&
          !_crm_store_keep_compacted_value (self, op->entity_id,
                                            json_object_get_string_member_with_default (clocks,
                                                                                        field,
                                                                                        NULL),
                                            field, json_object_get_member (old_row, field),
                                            error))
        return FALSE;
      if (self->capture_clocks != NULL)
        {
          const char *old_clock = json_object_get_string_member_with_default (clocks, field,
                                                                              NULL);
          if (old_clock != NULL)
            json_object_set_string_member (self->capture_clocks, field, old_clock);
          else
            json_object_set_null_member (self->capture_clocks, field);
        }
      /* a new row's clocks are all this op's: its fields are listed, and the object is
       * made only where it is read (below) — 100 000 imported contacts need just the text */
      if (exists)
        json_object_set_string_member (clocks, field, clock_text);
      else
        g_ptr_array_add (new_fields, (gpointer) field);
      if (old_row != NULL)
        {
          JsonNode *old = json_object_get_member (old_row, field);

          if (op->previous == NULL)
            op->previous = json_object_new ();
          json_object_set_member (op->previous, field,
                                  old ? json_node_copy (old) : json_node_new (JSON_NODE_NULL));
        }
      if (type != NULL && is_deleted)
        {
          g_ptr_array_add (won_columns, (gpointer) &deleted_column);
          g_ptr_array_add (won_values, value);
        }
      else if (column != NULL)
        {
          g_ptr_array_add (won_columns, (gpointer) column);
          g_ptr_array_add (won_values, value);
        }
      else
        {
          json_object_set_member (data, field, json_node_copy (value));
          data_changed = TRUE;
        }
      if (type != NULL && g_str_equal (type->name, "contact") &&
          (is_deleted || g_str_equal (field, "name") || g_str_equal (field, "phones")))
        search_changed = TRUE;
    }

  if (!any_won)
    return TRUE;
  /* a counter is the sum of its devices' parts, whichever of them this op brought */
  if (_crm_counter_recompute (data, op->fields))
    data_changed = TRUE;

  op->created = !exists;

  /* one statement: an INSERT with every won column for a new row (indexes and triggers
   * see the row once, complete), an UPDATE of the won columns otherwise. Parameters:
   * ?1 clocks, ?2 hlc, ?3 data, ?4… the columns, then id (and entity). The text is the
   * statement cache's key; it is built without printf, on the path of every write. */
  update = g_string_sized_new (256);
  if (!exists)
    {
      g_autoptr(GString) values = g_string_sized_new (64);

      g_string_append (update, "INSERT INTO \"");
      g_string_append (update, type != NULL ? type->name : "other_entity");
      g_string_append (update, "\" (clocks, hlc");
      g_string_append (values, "?1, ?2");
      if (data_changed)
        {
          g_string_append (update, ", data");
          g_string_append (values, ", ?3");
        }
      index = 4;
      for (guint i = 0; i < won_columns->len; i++, index++)
        {
          g_string_append (update, ", \"");
          g_string_append (update, ((const CrmColumn *) won_columns->pdata[i])->name);
          g_string_append_c (update, '"');
          g_string_append (values, ", ?");
          append_uint (values, index);
        }
      g_string_append (update, ", id");
      g_string_append (values, ", ?");
      append_uint (values, index);
      if (type == NULL)
        {
          g_string_append (update, ", entity");
          g_string_append (values, ", ?");
          append_uint (values, index + 1);
        }
      g_string_append (update, ") VALUES (");
      g_string_append_len (update, values->str, values->len);
      g_string_append_c (update, ')');
    }
  else
    {
      g_string_append (update, "UPDATE \"");
      g_string_append (update, type != NULL ? type->name : "other_entity");
      g_string_append (update, "\" SET clocks = ?1, hlc = ?2");
      if (data_changed)
        g_string_append (update, ", data = ?3");
      index = 4;
      for (guint i = 0; i < won_columns->len; i++, index++)
        {
          g_string_append (update, ", \"");
          g_string_append (update, ((const CrmColumn *) won_columns->pdata[i])->name);
          g_string_append (update, "\" = ?");
          append_uint (update, index);
        }
      g_string_append (update, " WHERE id = ?");
      append_uint (update, index);
      if (type == NULL)
        {
          g_string_append (update, " AND entity = ?");
          append_uint (update, index + 1);
        }
    }

  /* a bulk apply's new contact or company waits to go in with others (above) */
  batched = !exists && row_may_wait (self, op->entity) &&
            !json_object_has_member (data, "merged_into");
  if (batched)
    stored_clocks = _crm_clocks_encode_fields (_crm_store_clock_words (self), clock_text,
                                               new_fields);
  else
    {
      for (guint i = 0; i < new_fields->len; i++)
        json_object_set_string_member (clocks, new_fields->pdata[i], clock_text);
      stored_clocks = _crm_clocks_encode (_crm_store_clock_words (self), clocks);
    }
  if (stored_clocks == NULL)
    {
      _crm_store_set_sql_error (self, error, "writing an entity's field clocks");
      return FALSE;
    }
  if (batched)
    {
      if (!batch_row (self, update->str, op, g_steal_pointer (&stored_clocks),
                      MAX (row_hlc, (gint64) op->hlc),
                      data_changed ? crm_json_to_canonical (data_node) : NULL,
                      g_steal_pointer (&won_columns), g_steal_pointer (&won_values), error))
        return FALSE;
      if (search_changed)
        _crm_store_search_rows_add (self, op);
      return TRUE;
    }

  stmt = _crm_store_prepare (self, update->str, error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, stored_clocks);
  sqlite3_bind_int64 (stmt, 2, MAX (row_hlc, (gint64) op->hlc));
  if (data_changed)
    {
      g_autofree char *data_text = crm_json_to_canonical (data_node);
      _crm_sql_bind_text_or_null (stmt, 3, data_text);
    }
  index = 4;
  for (guint i = 0; i < won_columns->len; i++, index++)
    {
      bind_value (stmt, index, won_columns->pdata[i], won_values->pdata[i]);
    }
  _crm_sql_bind_text_or_null (stmt, index, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, index + 1, op->entity);
  if (!_crm_sql_step_done (self, stmt, "writing an entity", error))
    return FALSE;

  /* while search rows wait (a bulk apply, a pulled page, a pushed pass: written once,
   * sorted, after them), a new contact's join them, and one created meanwhile and written
   * again keeps waiting (its rows are then made from its row) */
  if (search_changed && !exists && self->bulk_contacts != NULL)
    _crm_store_search_rows_add (self, op);
  else if (search_changed && !_crm_store_search_rows_wait (self, op->entity_id) &&
           !_crm_store_refresh_contact_tokens (self, op->entity_id, !exists, error))
    return FALSE;
  /* merged cards are redirects: what is written to one lands on its survivor, and a
   * reference to one moves to the survivor (crm-duplicates.c) */
  if (type != NULL && (g_str_equal (type->name, "contact") || g_str_equal (type->name, "company")) &&
      json_object_has_member (data, "merged_into") &&
      !_crm_duplicates_follow (self, op, data, clocks, error))
    return FALSE;
  if (type != NULL &&
      ((g_str_equal (type->name, "task") && json_object_has_member (op->fields, "contact")) ||
       ((g_str_equal (type->name, "deal_contact") || g_str_equal (type->name, "contact_company")) &&
        json_object_has_member (op->fields, "present")) ||
       (g_str_equal (type->name, "note") && json_object_has_member (op->fields, "entity_id"))) &&
      !_crm_duplicates_follow_reference (self, op, clocks, error))
    return FALSE;
  return TRUE;
}

JsonObject *
_crm_store_dup_clocks (CrmStore   *self,
                       const char *entity,
                       const char *entity_id)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  JsonObject *clocks = NULL;
  sqlite3_stmt *stmt;

  if (type == NULL)
    return NULL;
  stmt = _crm_store_prepare (self, _crm_store_select_by_id_sql (type), NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  if (_crm_store_step (self, stmt) == SQLITE_ROW)
    {
      clocks = _crm_clocks_decode (_crm_store_clock_words (self),
                                   (const char *) sqlite3_column_text (stmt, 3));
      /* (the apply in progress fails on it) */
      if (clocks == NULL)
        _crm_store_set_read_error (self, NULL, "reading an entity's field clocks");
    }
  sqlite3_reset (stmt);
  return clocks;
}

gboolean
_crm_store_apply_derived (CrmStore  *self,
                          CrmOp     *op,
                          GError   **error)
{
  JsonObject *capture = g_steal_pointer (&self->capture_clocks);
  gboolean ok;

  g_return_val_if_fail (self->in_apply, FALSE);
  ok = _crm_store_apply_op_fields (self, op, error);
  self->capture_clocks = capture;
  return ok;
}

/* --- merge ------------------------------------------------------------------------------- */

static gboolean
validate_remote_op (const CrmOp  *op,
                    GError      **error)
{
  if (op->op_id == NULL || op->device == NULL || op->entity == NULL ||
      op->entity_id == NULL || op->fields == NULL || *op->entity == '\0' ||
      *op->entity_id == '\0' || *op->device == '\0' || strchr (op->device, ' ') != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("An op from elsewhere is incomplete (op %s)"), op->op_id ? op->op_id : "?");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_store_merge_ops (CrmStore   *self,
                     GPtrArray  *ops,
                     GError    **error)
{
  g_return_val_if_fail (CRM_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_apply, FALSE);

  if (ops == NULL || ops->len == 0)
    return TRUE;
  if (!_crm_store_begin (self, error))
    return FALSE;
  _crm_store_defer_search_rows (self);
  for (guint i = 0; i < ops->len; i++)
    if (!_crm_store_merge_op (self, g_ptr_array_index (ops, i), FALSE, NULL, NULL, error))
      {
        _crm_store_rollback (self);
        return FALSE;
      }
  if (!_crm_store_write_deferred_search_rows (self, error))
    {
      _crm_store_rollback (self);
      return FALSE;
    }
  return _crm_store_commit (self, error);
}

gboolean
_crm_store_merge_op (CrmStore     *self,
                     const CrmOp  *op,
                     gboolean      local,
                     gboolean     *out_known,
                     JsonObject  **out_previous,
                     GError      **error)
{
  g_autoptr(CrmOp) copy = NULL;
  gboolean known = FALSE;
  gboolean ok;

  g_return_val_if_fail (self->in_apply, FALSE);

  if (out_known != NULL)
    *out_known = FALSE;
  if (out_previous != NULL)
    *out_previous = NULL;
  if (!validate_remote_op (op, error) || !_crm_store_op_is_known (self, op->op_id, &known, error))
    return FALSE;
  if (known)
    {
      if (out_known != NULL)
        *out_known = TRUE;
      return TRUE;
    }

  copy = crm_op_copy (op);
  g_clear_pointer (&copy->previous, json_object_unref);
  copy->created = FALSE;
  crm_hlc_absorb (&self->clock, op->hlc, crm_store_get_now (self));
  if (out_previous != NULL)
    self->capture_clocks = json_object_new ();
  ok = _crm_store_apply_op_fields (self, copy, error) &&
       _crm_store_append_to_changelog (self, copy, local, NULL, error);
  if (out_previous != NULL)
    {
      /* {"values": {field: overwritten value}, "clocks": {field: its clock or null}} */
      JsonObject *previous = json_object_new ();

      json_object_set_object_member (previous, "clocks", g_steal_pointer (&self->capture_clocks));
      json_object_set_object_member (previous, "values",
                                     copy->previous ? json_object_ref (copy->previous)
                                                    : json_object_new ());
      if (ok)
        *out_previous = previous;
      else
        json_object_unref (previous);
    }
  return ok;
}

gboolean
_crm_store_reapply_op (CrmStore     *self,
                       const CrmOp  *op,
                       GError      **error)
{
  g_autoptr(CrmOp) copy = crm_op_copy (op);

  g_return_val_if_fail (self->in_apply, FALSE);
  g_clear_pointer (&copy->previous, json_object_unref);
  return _crm_store_apply_op_fields (self, copy, error);
}

/* The greatest hlc among the clocks of a row: what the row's `hlc` column holds, since
 * every winning op leaves its clock on at least one field until a greater one replaces
 * it. */
static gint64
max_clock (JsonObject *clocks)
{
  g_autoptr(GList) members = json_object_get_members (clocks);
  guint64 max = 0;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *text = json_object_get_string_member_with_default (clocks, l->data, NULL);
      g_autofree char *hex = text != NULL && strchr (text, ' ') != NULL
                             ? g_strndup (text, strchr (text, ' ') - text) : NULL;
      guint64 hlc = 0;

      if (hex != NULL && crm_hlc_parse (hex, &hlc))
        max = MAX (max, hlc);
    }
  return (gint64) max;
}

gboolean
_crm_store_restamp_op (CrmStore    *self,
                       const char  *op_id,
                       guint64      hlc,
                       GError     **error)
{
  const CrmEntityType *type;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) entity_ops = NULL;
  g_autoptr(JsonObject) clocks = NULL;
  g_autofree char *old_clock = NULL;
  g_autofree char *new_clock = NULL;
  g_autofree char *select_sql = NULL;
  g_autofree char *update_sql = NULL;
  g_autofree char *clocks_text = NULL;
  CrmOp *op;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self->in_apply, FALSE);

  stmt = _crm_store_prepare (self,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS " FROM changelog WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  found = _crm_store_collect_ops (self, stmt, error);
  if (found == NULL)
    return FALSE;
  if (found->len == 0 || ((CrmOp *) found->pdata[0])->hlc == hlc)
    return TRUE;
  op = found->pdata[0];

  {
    g_autofree char *old_hex = crm_hlc_to_string (op->hlc);
    g_autofree char *new_hex = crm_hlc_to_string (hlc);

    old_clock = g_strdup_printf ("%s %s", old_hex, op->device);
    new_clock = g_strdup_printf ("%s %s", new_hex, op->device);
  }

  stmt = _crm_store_prepare (self, "UPDATE changelog SET hlc = ?2 WHERE op_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) hlc);
  if (!_crm_sql_step_done (self, stmt, "re-stamping an op", error))
    return FALSE;

  /* the fields this op still holds take the new clock */
  type = crm_schema_lookup (op->entity);
  select_sql = type != NULL
    ? g_strdup_printf ("SELECT clocks FROM \"%s\" WHERE id = ?1", type->name)
    : g_strdup ("SELECT clocks FROM other_entity WHERE id = ?1 AND entity = ?2");
  update_sql = type != NULL
    ? g_strdup_printf ("UPDATE \"%s\" SET clocks = ?3, hlc = ?4 WHERE id = ?1", type->name)
    : g_strdup ("UPDATE other_entity SET clocks = ?3, hlc = ?4 WHERE id = ?1 AND entity = ?2");
  stmt = _crm_store_prepare (self, select_sql, error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  switch (_crm_store_step (self, stmt))
    {
    case SQLITE_ROW:
      clocks = _crm_clocks_decode (_crm_store_clock_words (self),
                                   (const char *) sqlite3_column_text (stmt, 0));
      if (clocks == NULL)
        {
          _crm_store_set_read_error (self, error, "reading an entity's field clocks");
          sqlite3_reset (stmt);
          return FALSE;
        }
      break;
    case SQLITE_DONE:
      break;
    default:
      _crm_store_set_read_error (self, error, "re-stamping an op");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  if (clocks == NULL)
    return TRUE;
  {
    g_autoptr(GList) members = json_object_get_members (op->fields);

    for (GList *l = members; l != NULL; l = l->next)
      if (g_strcmp0 (json_object_get_string_member_with_default (clocks, l->data, NULL),
                     old_clock) == 0)
        json_object_set_string_member (clocks, l->data, new_clock);
  }
  clocks_text = _crm_clocks_encode (_crm_store_clock_words (self), clocks);
  if (clocks_text == NULL)
    {
      _crm_store_set_sql_error (self, error, "re-stamping an op");
      return FALSE;
    }
  stmt = _crm_store_prepare (self, update_sql, error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  if (type == NULL)
    _crm_sql_bind_text_or_null (stmt, 2, op->entity);
  _crm_sql_bind_text_or_null (stmt, 3, clocks_text);
  sqlite3_bind_int64 (stmt, 4, max_clock (clocks));
  if (!_crm_sql_step_done (self, stmt, "re-stamping an op", error))
    return FALSE;

  /* an op that lost to the old clock may beat the new one: apply them all again */
  entity_ops = crm_store_dup_entity_log (self, op->entity_id, error);
  if (entity_ops == NULL)
    return FALSE;
  for (guint i = 0; i < entity_ops->len; i++)
    {
      CrmOp *other = entity_ops->pdata[i];

      if (g_str_equal (other->entity, op->entity) && !_crm_store_reapply_op (self, other, error))
        return FALSE;
    }
  return TRUE;
}
