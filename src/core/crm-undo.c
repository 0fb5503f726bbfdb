/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-undo.c — remembering the change sets written here and undoing one (crm-undo.h).
 *
 * Remembering: a final gate that never refuses. Final gates run over a transaction's ops
 * in order once everything (the user's ops and the rules') is in the changelog, so the
 * first op it sees that no remembered change set covers is the transaction's first op,
 * and the transaction's ops are the changelog rows from that op's on. The row is written
 * in the same transaction, so a refused change set leaves none.
 *
 * Undoing: the automation rules do not run on an undo (see crm_store_undo_change_set). For
 * every entity the change set touched, the changelog gives each field's
 * value before it (the op outside the change set with the greatest clock for the field:
 * per-field last-writer-wins, as the store merges). A field some op outside the change set
 * wrote with a later clock was changed since: the undo is refused and names it. An
 * entity the change set created is deleted (a link is unset). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-undo.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-schema.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-merge-private.h"
#include "crm-time.h"

#define UNDOES_KEY "crm-undo-undoes"

/* ---- remembering ------------------------------------------------------------------ */

static gboolean
gate_remember_change_set (CrmStore     *store,
                          const CrmOp  *op,
                          GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 last_seq = 0;
  gint64 n_ops = 0;
  g_autoptr(JsonArray) ids = NULL;
  g_autofree char *ids_text = NULL;
  const char *undoes;
  int rc;

  if (op->seq <= 0)
    return TRUE;

  /* the newest remembered change set: written by this transaction when it covers @op */
  stmt = _crm_store_prepare (store, "SELECT first_seq, last_seq FROM change_set"
                                    " ORDER BY rowid DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW &&
      sqlite3_column_int64 (stmt, 0) <= op->seq && op->seq <= sqlite3_column_int64 (stmt, 1))
    {
      sqlite3_reset (stmt);
      return TRUE;
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a change set");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  stmt = _crm_store_prepare (store, "SELECT count (*), max (seq) FROM changelog WHERE seq >= ?1",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->seq);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "reading a change set");
      sqlite3_reset (stmt);
      return FALSE;
    }
  n_ops = sqlite3_column_int64 (stmt, 0);
  last_seq = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);

  if (n_ops <= CRM_UNDO_MAX_OPS)
    {
      ids = json_array_new ();
      stmt = _crm_store_prepare (store, "SELECT op_id FROM changelog WHERE seq >= ?1 ORDER BY seq",
                                 error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, op->seq);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        json_array_add_string_element (ids, (const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "reading a change set");
          return FALSE;
        }
      {
        g_autoptr(JsonNode) node = crm_json_node_take_array (g_steal_pointer (&ids));

        ids_text = crm_json_to_canonical (node);
      }
    }

  undoes = g_object_get_data (G_OBJECT (store), UNDOES_KEY);
  stmt = _crm_store_prepare (store,
    "INSERT OR REPLACE INTO change_set (id, hlc, actor, first_seq, last_seq, n_ops, ops, undoes)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) op->hlc);
  _crm_sql_bind_text_or_null (stmt, 3, op->actor);
  sqlite3_bind_int64 (stmt, 4, op->seq);
  sqlite3_bind_int64 (stmt, 5, MAX (last_seq, op->seq));
  sqlite3_bind_int64 (stmt, 6, n_ops);
  _crm_sql_bind_text_or_null (stmt, 7, ids_text);
  _crm_sql_bind_text_or_null (stmt, 8, undoes);
  if (!_crm_sql_step_done (store, stmt, "remembering a change set", error))
    return FALSE;

  if (undoes != NULL)
    {
      stmt = _crm_store_prepare (store, "UPDATE change_set SET undone_by = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, undoes, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, op->op_id, -1, SQLITE_TRANSIENT);
      if (!_crm_sql_step_done (store, stmt, "remembering an undo", error))
        return FALSE;
      /* one undo per transaction */
      g_object_set_data (G_OBJECT (store), UNDOES_KEY, NULL);
    }
  return TRUE;
}

void
_crm_undo_install (CrmStore *store)
{
  _crm_store_add_recorder (store, gate_remember_change_set);
}

char *
crm_store_dup_last_change_set (CrmStore *store)
{
  GPtrArray *ops;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  ops = crm_store_get_last_ops (store);
  if (ops == NULL || ops->len == 0)
    return NULL;
  return g_strdup (((CrmOp *) g_ptr_array_index (ops, 0))->op_id);
}

/* ---- reading a change set --------------------------------------------------------- */

typedef struct {
  char     *id;
  char     *ops_text;
  char     *undone_by;
  char     *undoes;
  char     *actor;
  gint64    n_ops;
  guint64   hlc;
} ChangeSetRow;

static void
change_set_row_clear (ChangeSetRow *row)
{
  g_free (row->id);
  g_free (row->ops_text);
  g_free (row->undone_by);
  g_free (row->undoes);
  g_free (row->actor);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChangeSetRow, change_set_row_clear)

#define CHANGE_SET_COLUMNS "id, ops, undone_by, undoes, actor, n_ops, hlc"

static void
read_change_set_row (sqlite3_stmt *stmt,
                     ChangeSetRow *row)
{
  row->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  row->ops_text = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  row->undone_by = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  row->undoes = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  row->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  row->n_ops = sqlite3_column_int64 (stmt, 5);
  row->hlc = (guint64) sqlite3_column_int64 (stmt, 6);
}

static gboolean
find_change_set (CrmStore      *store,
                 const char    *id,
                 ChangeSetRow  *row,
                 GError       **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT " CHANGE_SET_COLUMNS
                                                  " FROM change_set WHERE id = ?1", error);
  gboolean found;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  found = rc == SQLITE_ROW;
  if (found)
    read_change_set_row (stmt, row);
  else if (rc != SQLITE_DONE)
    {
      /* the replica could not be read: say so, not that the change does not exist */
      _crm_store_set_read_error (store, error, "looking up the change to undo");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  if (!found)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("There is no change %s made on this replica; only changes made here can be "
                   "undone (voronkactl undo --list shows them)"), id);
  return found;
}

/* The ops of the change set, in the order they were written. */
static GPtrArray *
read_ops (CrmStore            *store,
          const ChangeSetRow  *row,
          GError             **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(JsonNode) ids = json_from_string (row->ops_text, NULL);
  sqlite3_stmt *stmt;

  if (ids == NULL || !JSON_NODE_HOLDS_ARRAY (ids))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_DATABASE_CORRUPT,
                   _("The record of change %s is damaged"), row->id);
      return NULL;
    }
  stmt = _crm_store_prepare (store, "SELECT " CRM_CHANGELOG_OP_COLUMNS
                                    " FROM changelog WHERE op_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (ids)); i++)
    {
      const char *op_id = json_array_get_string_element (json_node_get_array (ids), i);

      int rc;

      sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (ops, _crm_op_from_changelog_row (stmt));
      else if (rc != SQLITE_DONE)
        {
          /* a change set undone in part would be worse than none */
          _crm_store_set_read_error (store, error, "reading the change to undo");
          sqlite3_reset (stmt);
          return NULL;
        }
      sqlite3_reset (stmt);
    }
  return g_steal_pointer (&ops);
}

/* ---- names for messages ----------------------------------------------------------- */

static char *
entity_name (CrmStore   *store,
             const char *entity,
             const char *entity_id)
{
  const CrmEntityType *type = crm_schema_lookup (entity);
  const char *column = NULL;
  char *name = NULL;

  if (type == NULL)
    return NULL;
  if (g_str_equal (entity, "deal"))
    column = "title";
  else if (g_str_equal (entity, "task") || g_str_equal (entity, "note"))
    column = "text";
  else if (crm_entity_type_column (type, "name") != NULL)
    column = "name";
  if (column != NULL)
    {
      /* a deleted entity is named too: read the row itself */
      g_autoptr(JsonObject) row = crm_store_dup_entity (store, entity, entity_id);

      if (row != NULL)
        name = g_strdup (json_object_get_string_member_with_default (row, column, NULL));
    }
  if (name != NULL && g_utf8_strlen (name, -1) > 60)
    {
      char *cut = g_utf8_substring (name, 0, 57);

      g_free (name);
      name = g_strconcat (cut, "…", NULL);
      g_free (cut);
    }
  return name;
}

static char *
describe_entity (CrmStore   *store,
                 const char *entity,
                 const char *entity_id)
{
  g_autofree char *name = entity_name (store, entity, entity_id);
  const char *kind;

  if (g_str_equal (entity, "deal"))
    kind = _("deal");
  else if (g_str_equal (entity, "task"))
    kind = _("task");
  else if (g_str_equal (entity, "contact"))
    kind = _("contact");
  else if (g_str_equal (entity, "company"))
    kind = _("company");
  else
    kind = entity;
  if (name == NULL)
    return g_strdup_printf ("%s %s", kind, entity_id);
  /* Translators: an entity in a message: its kind and its name («deal «Volvo FH»») */
  return g_strdup_printf (_("%s «%s»"), kind, name);
}

static const struct {
  const char *field;
  const char *label;
} field_labels[] = {
  { "stage", N_("stage") },
  { "pipeline", N_("pipeline") },
  { "stage_entered_at", N_("stage") },
  { "title", N_("title") },
  { "amount", N_("amount") },
  { "responsible", N_("responsible") },
  { "company", N_("company") },
  { "loss_reason", N_("loss reason") },
  { "source", N_("source") },
  { "name", N_("name") },
  { "phones", N_("phones") },
  { "emails", N_("e-mails") },
  { "text", N_("text") },
  { "due", N_("due date") },
  { "done", N_("done") },
  { "done_at", N_("done") },
  { "result", N_("result") },
  { "deleted", N_("deleted") },
  { "present", N_("link") },
};

static char *
field_label (CrmStore   *store,
             const char *entity,
             const char *field)
{
  sqlite3_stmt *stmt;
  char *label = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if (g_str_equal (field_labels[i].field, field))
      return g_strdup (_(field_labels[i].label));

  stmt = _crm_store_prepare (store, "SELECT label FROM field WHERE entity = ?1 AND key = ?2"
                                    " AND deleted = 0 LIMIT 1", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, field, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
        label = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  return label != NULL ? label : g_strdup (field);
}

static char *
who_made (CrmStore    *store,
          const CrmOp *op)
{
  char *name = NULL;

  if (op->actor != NULL)
    name = _crm_store_dup_column (store, "user", op->actor, "name");
  if (name == NULL && op->rule != NULL)
    {
      g_autofree char *rule = _crm_store_dup_column (store, "rule", op->rule, "name");

      /* Translators: who changed a field: an automation rule and its name */
      name = g_strdup_printf (_("the rule «%s»"), rule != NULL ? rule : op->rule);
    }
  if (name == NULL)
    name = g_strdup (_("someone"));
  return name;
}

/* ---- undoing ---------------------------------------------------------------------- */

static int
compare_op_clock (const CrmOp *a,
                  const CrmOp *b)
{
  if (a->hlc != b->hlc)
    return a->hlc > b->hlc ? 1 : -1;
  return strcmp (a->device, b->device);
}

static gboolean
in_set (GHashTable  *set,
        const CrmOp *op)
{
  return g_hash_table_contains (set, op->op_id);
}

/* Fields the message should not lead with when another one is at fault too. */
static gboolean
secondary_field (const char *field)
{
  return g_str_equal (field, "pipeline") || g_str_equal (field, "stage_entered_at") ||
         g_str_equal (field, "done_at");
}

static gboolean
changed_since_error (CrmStore     *store,
                     const CrmOp  *later,
                     const char   *entity,
                     const char   *entity_id,
                     const char   *field,
                     GError      **error)
{
  g_autofree char *what = describe_entity (store, entity, entity_id);
  g_autofree char *label = field_label (store, entity, field);
  g_autofree char *who = who_made (store, later);
  g_autofree char *when = crm_time_format (crm_hlc_physical (later->hlc));

  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CHANGED_SINCE,
               /* Translators: undo refused: the field, the entity, who changed it and when */
               _("This change cannot be undone: the %s of %s was changed since by %s (%s); "
                 "change it back by hand"),
               label, what, who, when);
  return FALSE;
}

static gboolean
same_value (JsonNode *a,
            JsonNode *b)
{
  g_autofree char *a_text = a != NULL ? crm_json_to_canonical (a) : g_strdup ("null");
  g_autofree char *b_text = b != NULL ? crm_json_to_canonical (b) : g_strdup ("null");

  return g_str_equal (a_text, b_text);
}

/* Adds to @changeset what undoes the ops @mine of one entity, given all of its @log.
 * A field whose value now is not what the change set left there was changed since:
 * refused, naming the latest op outside the change set that wrote it. (A later edit
 * that was undone in turn, or that wrote the same value, is no obstacle.) */
static gboolean
reverse_entity (CrmStore      *store,
                CrmChangeset  *changeset,
                GPtrArray     *mine,
                GPtrArray     *log,
                GHashTable    *set,
                GError       **error)
{
  const CrmOp *first = g_ptr_array_index (mine, 0);
  const char *entity = first->entity;
  const char *entity_id = first->entity_id;
  const CrmEntityType *type = crm_schema_lookup (entity);
  g_autoptr(GHashTable) my_op = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) later_op = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) current = NULL;
  g_autoptr(GList) fields = NULL;
  const CrmOp *earliest = NULL;
  const CrmOp *blocker = NULL;
  const char *blocker_field = NULL;
  gboolean created = TRUE;
  CrmChange *change = NULL;
  GHashTableIter iter;
  gpointer key;

  /* what it holds now (a read that fails is said as such, not taken for "no such row") */
  if (!crm_store_read_entity (store, entity, entity_id, &current, error))
    return FALSE;

  /* the change set's last write of each field */
  for (guint i = 0; i < mine->len; i++)
    {
      const CrmOp *op = g_ptr_array_index (mine, i);
      g_autoptr(GList) names = json_object_get_members (op->fields);

      if (earliest == NULL || compare_op_clock (op, earliest) < 0)
        earliest = op;
      for (GList *l = names; l != NULL; l = l->next)
        {
          const CrmOp *known = g_hash_table_lookup (my_op, l->data);

          if (known == NULL || compare_op_clock (op, known) > 0)
            g_hash_table_insert (my_op, l->data, (gpointer) op);
        }
    }

  /* the latest write of each field by anyone else after the change set's first op; an
   * op before it means the entity existed before */
  for (guint i = 0; i < log->len; i++)
    {
      const CrmOp *op = g_ptr_array_index (log, i);
      g_autoptr(GList) names = NULL;

      if (in_set (set, op) || g_strcmp0 (op->entity, entity) != 0)
        continue;
      if (compare_op_clock (op, earliest) < 0)
        {
          created = FALSE;
          continue;
        }
      names = json_object_get_members (op->fields);
      for (GList *l = names; l != NULL; l = l->next)
        {
          const CrmOp *known = g_hash_table_lookup (later_op, l->data);

          if (known == NULL || compare_op_clock (op, known) > 0)
            g_hash_table_insert (later_op, l->data, (gpointer) op);
        }
    }

  /* a field someone wrote since that does not hold what the change set left there */
  g_hash_table_iter_init (&iter, later_op);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *field = key;
      const CrmOp *op = g_hash_table_lookup (later_op, field);
      const CrmOp *own = g_hash_table_lookup (my_op, field);
      JsonNode *now_value = current != NULL ? json_object_get_member (current, field) : NULL;
      JsonNode *left;

      if (own != NULL && compare_op_clock (op, own) < 0)
        continue;  /* written in between, and the change set wrote over it */
      if (own == NULL)
        continue;  /* a field the change set did not write (the server's deal number) */
      left = own != NULL ? json_object_get_member (own->fields, field) : NULL;
      if (same_value (now_value, left))
        continue;
      if (blocker == NULL || (secondary_field (blocker_field) && !secondary_field (field)))
        {
          blocker = op;
          blocker_field = field;
        }
    }
  if (blocker != NULL)
    return changed_since_error (store, blocker, entity, entity_id, blocker_field, error);

  if (created)
    {
      change = crm_changeset_touch (changeset, entity, entity_id);
      if (type != NULL && crm_entity_type_column (type, "present") != NULL)
        crm_change_set_bool (change, "present", FALSE);
      else
        crm_change_set_bool (change, "deleted", TRUE);
      return TRUE;
    }

  g_hash_table_iter_init (&iter, my_op);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    fields = g_list_prepend (fields, key);
  fields = g_list_sort (fields, (GCompareFunc) strcmp);
  for (GList *l = fields; l != NULL; l = l->next)
    {
      const char *field = l->data;
      const CrmOp *own = g_hash_table_lookup (my_op, field);
      const CrmOp *before = NULL;
      JsonNode *now_value = current != NULL ? json_object_get_member (current, field) : NULL;
      JsonNode *value;

      /* the value before: the latest write by anyone else under the change set's clock */
      for (guint i = 0; i < log->len; i++)
        {
          const CrmOp *op = g_ptr_array_index (log, i);

          if (!in_set (set, op) && g_strcmp0 (op->entity, entity) == 0 &&
              json_object_has_member (op->fields, field) && compare_op_clock (op, own) < 0 &&
              (before == NULL || compare_op_clock (op, before) > 0))
            before = op;
        }
      if (before != NULL)
        value = json_node_copy (json_object_get_member (before->fields, field));
      else if (g_str_equal (field, "deleted"))
        value = json_node_init_boolean (json_node_alloc (), FALSE);
      else
        value = json_node_new (JSON_NODE_NULL);

      /* as it was already: no write */
      if (same_value (value, now_value))
        {
          json_node_unref (value);
          continue;
        }
      if (change == NULL)
        change = crm_changeset_touch (changeset, entity, entity_id);
      crm_change_set_node (change, field, value);
    }
  return TRUE;
}

gboolean
crm_store_undo_change_set (CrmStore    *store,
                           const char  *change_set_id,
                           const char  *actor,
                           char       **out_new_id,
                           GError     **error)
{
  g_auto(ChangeSetRow) row = { 0 };
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GHashTable) set = NULL;
  g_autoptr(GHashTable) by_entity = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (change_set_id != NULL, FALSE);

  if (out_new_id != NULL)
    *out_new_id = NULL;
  if (!find_change_set (store, change_set_id, &row, error))
    return FALSE;
  if (row.undone_by != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Change %s was undone already (by change %s)"), change_set_id,
                   row.undone_by);
      return FALSE;
    }
  if (row.ops_text == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Change %s wrote %lld changes at once (an import or a template); it "
                     "cannot be undone"), change_set_id, (long long) row.n_ops);
      return FALSE;
    }
  ops = read_ops (store, &row, error);
  if (ops == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    if (_crm_op_is_compacted (g_ptr_array_index (ops, i)))
      {
        gint64 days = crm_store_get_history_keep_days (store);

        /* its ops keep only what the history shows (crm_store_compact_history) */
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "Change %s is more than %lld day old: this computer no "
                                  "longer keeps its details, so it cannot be undone",
                                  "Change %s is more than %lld days old: this computer no "
                                  "longer keeps its details, so it cannot be undone",
                                  (gulong) days),
                     change_set_id, (long long) days);
        return FALSE;
      }

  set = g_hash_table_new (g_str_hash, g_str_equal);
  by_entity = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_ptr_array_unref);
  order = g_ptr_array_new ();
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = g_ptr_array_index (ops, i);
      g_autofree char *key = g_strconcat (op->entity, " ", op->entity_id, NULL);
      GPtrArray *list = g_hash_table_lookup (by_entity, key);

      g_hash_table_add (set, op->op_id);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_ptr_array_add (order, list);
          g_hash_table_insert (by_entity, g_steal_pointer (&key), list);
        }
      g_ptr_array_add (list, op);
    }

  changeset = crm_changeset_new ();
  if (actor != NULL)
    crm_changeset_set_actor (changeset, actor);
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *mine = g_ptr_array_index (order, i);
      const CrmOp *first = g_ptr_array_index (mine, 0);
      g_autoptr(GPtrArray) log = crm_store_dup_entity_log (store, first->entity_id, error);

      if (log == NULL || !reverse_entity (store, changeset, mine, log, set, error))
        return FALSE;
    }

  if (crm_changeset_get_n_changes (changeset) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Nothing to undo: what change %s wrote is as it was before already"),
                   change_set_id);
      return FALSE;
    }

  /* An undo restores what was: the automation does not run on it (entering the old
   * stage again would make the tasks that stage's rules made once more, and undoing an
   * undo would make a second follow-up deal beside the one it brings back). The gates
   * and the rights apply as to any change. */
  g_object_set_data_full (G_OBJECT (store), UNDOES_KEY, g_strdup (change_set_id), g_free);
  _crm_store_set_rules_hook (store, NULL);
  ok = crm_store_apply (store, changeset, error);
  _crm_rules_install (store);
  g_object_set_data (G_OBJECT (store), UNDOES_KEY, NULL);
  if (ok && out_new_id != NULL)
    *out_new_id = crm_store_dup_last_change_set (store);
  return ok;
}

char *
crm_store_dup_undoable_change_set (CrmStore    *store,
                                   const char  *actor,
                                   GError     **error)
{
  sqlite3_stmt *stmt;
  char *id = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id FROM change_set WHERE undone_by IS NULL AND undoes IS NULL"
    " AND (?1 IS NULL OR actor = ?1) ORDER BY rowid DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, actor);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "reading change sets");
  sqlite3_reset (stmt);
  return id;
}

JsonNode *
crm_store_list_change_sets (CrmStore    *store,
                            const char  *actor,
                            guint        limit,
                            GError     **error)
{
  g_autoptr(JsonArray) result = json_array_new ();
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (ChangeSetRow));
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  g_array_set_clear_func (rows, (GDestroyNotify) change_set_row_clear);
  stmt = _crm_store_prepare (store, "SELECT " CHANGE_SET_COLUMNS " FROM change_set"
                                    " WHERE ?1 IS NULL OR actor = ?1 ORDER BY rowid DESC LIMIT ?2",
                             error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, actor);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? limit : 20);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ChangeSetRow row = { 0 };

      read_change_set_row (stmt, &row);
      g_array_append_val (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading change sets");
      return NULL;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      ChangeSetRow *row = &g_array_index (rows, ChangeSetRow, i);
      JsonObject *object = json_object_new ();
      JsonArray *changes = json_array_new ();
      g_autofree char *at = crm_time_format (crm_hlc_physical (row->hlc));
      g_autofree char *actor_name = row->actor != NULL ?
        _crm_store_dup_column (store, "user", row->actor, "name") : NULL;

      json_object_set_string_member (object, "id", row->id);
      json_object_set_string_member (object, "at", at);
      if (actor_name != NULL)
        json_object_set_string_member (object, "actor", actor_name);
      else
        json_object_set_null_member (object, "actor");
      json_object_set_int_member (object, "ops", row->n_ops);
      if (row->undoes != NULL)
        json_object_set_string_member (object, "undoes", row->undoes);
      else
        json_object_set_null_member (object, "undoes");
      if (row->undone_by != NULL)
        json_object_set_string_member (object, "undone_by", row->undone_by);
      else
        json_object_set_null_member (object, "undone_by");
      if (row->ops_text != NULL)
        {
          g_autoptr(GPtrArray) ops = read_ops (store, row, NULL);

          for (guint k = 0; ops != NULL && k < ops->len; k++)
            {
              const CrmOp *op = g_ptr_array_index (ops, k);
              JsonObject *change;
              JsonArray *fields = json_array_new ();
              g_autoptr(GList) names = NULL;
              g_autofree char *name = NULL;

              if (op->rule != NULL)
                continue;
              change = json_object_new ();
              name = entity_name (store, op->entity, op->entity_id);
              json_object_set_string_member (change, "entity", op->entity);
              json_object_set_string_member (change, "id", op->entity_id);
              if (name != NULL)
                json_object_set_string_member (change, "name", name);
              else
                json_object_set_null_member (change, "name");
              names = g_list_sort (json_object_get_members (op->fields), (GCompareFunc) strcmp);
              for (GList *l = names; l != NULL; l = l->next)
                json_array_add_string_element (fields, l->data);
              json_object_set_array_member (change, "fields", fields);
              json_array_add_object_element (changes, change);
            }
        }
      json_object_set_array_member (object, "changes", changes);
      json_array_add_object_element (result, object);
    }
  return crm_json_node_take_array (g_steal_pointer (&result));
}

/* The ids the one-parameter query @sql finds for @id, into @out; FALSE when reading failed. */
static gboolean
collect_ids (CrmStore    *store,
             const char  *sql,
             const char  *id,
             GPtrArray   *out,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "reading what a deletion takes along");
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

/* For every @entity the query finds for @id: @field ("company": set to null; otherwise a
 * boolean set to @present) in @changeset. */
static gboolean
touch_found (CrmStore      *store,
             CrmChangeset  *changeset,
             const char    *sql,
             const char    *id,
             const char    *entity,
             const char    *field,
             gboolean       present,
             GError       **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (!collect_ids (store, sql, id, ids, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      CrmChange *change = crm_changeset_touch (changeset, entity, ids->pdata[i]);

      if (g_str_equal (field, "company"))
        crm_change_set_null (change, field);
      else
        crm_change_set_bool (change, field, present);
    }
  return TRUE;
}

static gboolean
deletable (const char *entity)
{
  static const char *const entities[] = {
    "deal", "contact", "company", "task", "note", "attachment", NULL
  };

  return g_strv_contains (entities, entity);
}

gboolean
crm_store_delete (CrmStore    *store,
                  const char  *entity,
                  const char  *entity_id,
                  const char  *actor,
                  char       **out_change_set,
                  GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) row = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (entity != NULL && entity_id != NULL, FALSE);

  if (out_change_set != NULL)
    *out_change_set = NULL;
  if (!deletable (entity))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Only deals, contacts, companies, tasks, notes and files can be deleted, "
                     "not a %s"), entity);
      return FALSE;
    }
  row = crm_store_dup_entity (store, entity, entity_id);
  if (row == NULL || json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no %s %s (it may have been deleted already)"), entity, entity_id);
      return FALSE;
    }

  changeset = crm_changeset_new ();
  if (actor != NULL)
    crm_changeset_set_actor (changeset, actor);
  crm_change_set_bool (crm_changeset_touch (changeset, entity, entity_id), "deleted", TRUE);
  /* its open tasks go with a deal (and come back with an undo) */
  if (g_str_equal (entity, "deal") &&
      !touch_found (store, changeset,
                    "SELECT id FROM task WHERE deal = ?1 AND deleted = 0"
                    " AND coalesce (done, 0) = 0 ORDER BY id",
                    entity_id, "task", "deleted", TRUE, error))
    return FALSE;
  /* a company's people and deals stay, without the company; its links to other
   * companies are unset (an undo gives all of it back) */
  if (g_str_equal (entity, "company") &&
      (!touch_found (store, changeset,
                     "SELECT id FROM contact WHERE company = ?1 AND deleted = 0 ORDER BY id",
                     entity_id, "contact", "company", FALSE, error) ||
       !touch_found (store, changeset,
                     "SELECT id FROM deal WHERE company = ?1 AND deleted = 0 ORDER BY id",
                     entity_id, "deal", "company", FALSE, error) ||
       !touch_found (store, changeset,
                     "SELECT id FROM company_link WHERE (company = ?1 OR other = ?1)"
                     " AND deleted = 0 AND present = 1 ORDER BY id",
                     entity_id, "company_link", "present", FALSE, error)))
    return FALSE;
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_change_set != NULL)
    *out_change_set = crm_store_dup_last_change_set (store);
  return TRUE;
}
