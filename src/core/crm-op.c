/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-op.c — ops (stamped changelog entries) and change sets (what a front end wants
 * written), with their JSON form for the changelog and the sync protocol. */
#include "crm-op.h"
#include "crm-error.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-uuid.h"
#include "crm-json.h"

G_DEFINE_BOXED_TYPE (CrmOp, crm_op, crm_op_copy, crm_op_free)

CrmOp *
crm_op_new (void)
{
  CrmOp *op = g_new0 (CrmOp, 1);

  op->fields = json_object_new ();
  return op;
}

CrmOp *
crm_op_copy (const CrmOp *op)
{
  CrmOp *copy = g_new0 (CrmOp, 1);

  copy->op_id = g_strdup (op->op_id);
  copy->hlc = op->hlc;
  copy->device = g_strdup (op->device);
  copy->entity = g_strdup (op->entity);
  copy->entity_id = g_strdup (op->entity_id);
  copy->fields = crm_json_object_deep_copy (op->fields);
  copy->cause = g_strdup (op->cause);
  copy->rule = g_strdup (op->rule);
  copy->actor = g_strdup (op->actor);
  copy->seq = op->seq;
  copy->stamp = g_strdup (op->stamp);
  copy->created = op->created;
  if (op->previous != NULL)
    copy->previous = crm_json_object_deep_copy (op->previous);
  return copy;
}

void
crm_op_free (CrmOp *op)
{
  if (op == NULL)
    return;
  g_free (op->op_id);
  g_free (op->device);
  g_free (op->entity);
  g_free (op->entity_id);
  g_clear_pointer (&op->fields, json_object_unref);
  g_clear_pointer (&op->previous, json_object_unref);
  g_free (op->cause);
  g_free (op->rule);
  g_free (op->actor);
  g_free (op->stamp);
  g_free (op);
}

JsonNode *
crm_op_to_json (const CrmOp *op)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *hlc = crm_hlc_to_string (op->hlc);

  json_object_set_string_member (object, "op", op->op_id);
  json_object_set_string_member (object, "hlc", hlc);
  json_object_set_string_member (object, "device", op->device);
  json_object_set_string_member (object, "entity", op->entity);
  json_object_set_string_member (object, "id", op->entity_id);
  json_object_set_member (object, "fields",
                          crm_json_node_take_object (crm_json_object_deep_copy (op->fields)));
  crm_json_set_string_or_null (object, "cause", op->cause);
  crm_json_set_string_or_null (object, "rule", op->rule);
  crm_json_set_string_or_null (object, "actor", op->actor);
  if (op->stamp != NULL)
    json_object_set_string_member (object, "stamp", op->stamp);
  json_node_take_object (node, object);
  return node;
}

static gboolean
get_string (JsonObject  *object,
            const char  *name,
            gboolean     required,
            char       **out,
            GError     **error)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    {
      if (!required)
        return TRUE;
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "An op is missing its \"%s\"", name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING ||
      *json_node_get_string (member) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "An op's \"%s\" must be a non-empty string", name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (member));
  return TRUE;
}

CrmOp *
crm_op_from_json (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(CrmOp) op = g_new0 (CrmOp, 1);
  g_autofree char *hlc = NULL;
  JsonObject *object;
  JsonNode *fields;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           "An op must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  if (!get_string (object, "op", TRUE, &op->op_id, error) ||
      !get_string (object, "hlc", TRUE, &hlc, error) ||
      !get_string (object, "device", TRUE, &op->device, error) ||
      !get_string (object, "entity", TRUE, &op->entity, error) ||
      !get_string (object, "id", TRUE, &op->entity_id, error) ||
      !get_string (object, "cause", FALSE, &op->cause, error) ||
      !get_string (object, "rule", FALSE, &op->rule, error) ||
      !get_string (object, "actor", FALSE, &op->actor, error) ||
      !get_string (object, "stamp", FALSE, &op->stamp, error))
    return NULL;
  if (!crm_hlc_parse (hlc, &op->hlc))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "Op %s has a malformed clock \"%s\" (expected 16 hex digits)",
                   op->op_id, hlc);
      return NULL;
    }
  fields = json_object_get_member (object, "fields");
  if (fields == NULL || !JSON_NODE_HOLDS_OBJECT (fields))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "Op %s must have an object of \"fields\"", op->op_id);
      return NULL;
    }
  op->fields = crm_json_object_deep_copy (json_node_get_object (fields));
  return g_steal_pointer (&op);
}

/* --- change sets ---------------------------------------------------------------- */

struct _CrmChangeset {
  gatomicrefcount  ref_count;
  char            *actor;
  GPtrArray       *changes;   /* CrmChange*, in the order first touched */
  GHashTable      *index;     /* "entity\x1fid" → CrmChange* */
};

G_DEFINE_BOXED_TYPE (CrmChangeset, crm_changeset, crm_changeset_ref, crm_changeset_unref)

static void
crm_change_free (CrmChange *change)
{
  g_free (change->entity);
  g_free (change->entity_id);
  g_clear_pointer (&change->fields, json_object_unref);
  g_free (change);
}

CrmChangeset *
crm_changeset_new (void)
{
  CrmChangeset *self = g_new0 (CrmChangeset, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_change_free);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

CrmChangeset *
crm_changeset_ref (CrmChangeset *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
crm_changeset_unref (CrmChangeset *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->actor);
  g_ptr_array_unref (self->changes);
  g_hash_table_unref (self->index);
  g_free (self);
}

void
crm_changeset_set_actor (CrmChangeset *self,
                         const char   *user_id)
{
  g_free (self->actor);
  self->actor = g_strdup (user_id);
}

const char *
crm_changeset_get_actor (CrmChangeset *self)
{
  return self->actor;
}

CrmChange *
crm_changeset_touch (CrmChangeset *self,
                     const char   *entity,
                     const char   *entity_id)
{
  g_autofree char *key = g_strconcat (entity, "\x1f", entity_id, NULL);
  CrmChange *change = g_hash_table_lookup (self->index, key);

  if (change != NULL)
    return change;
  change = g_new0 (CrmChange, 1);
  change->entity = g_strdup (entity);
  change->entity_id = g_strdup (entity_id);
  change->fields = json_object_new ();
  g_ptr_array_add (self->changes, change);
  g_hash_table_insert (self->index, g_steal_pointer (&key), change);
  return change;
}

CrmChange *
crm_changeset_create (CrmChangeset *self,
                      const char   *entity,
                      const char   *entity_id)
{
  CrmChange *change = crm_changeset_touch (self, entity, entity_id);

  change->is_new = TRUE;
  return change;
}

guint
crm_changeset_get_n_changes (CrmChangeset *self)
{
  return self->changes->len;
}

CrmChange *
crm_changeset_get_change (CrmChangeset *self,
                          guint         index)
{
  g_return_val_if_fail (index < self->changes->len, NULL);
  return g_ptr_array_index (self->changes, index);
}

void
crm_change_set_string (CrmChange  *change,
                       const char *field,
                       const char *value)
{
  if (value == NULL)
    json_object_set_null_member (change->fields, field);
  else
    json_object_set_string_member (change->fields, field, value);
}

void
crm_change_set_int (CrmChange  *change,
                    const char *field,
                    gint64      value)
{
  json_object_set_int_member (change->fields, field, value);
}

void
crm_change_set_bool (CrmChange  *change,
                     const char *field,
                     gboolean    value)
{
  json_object_set_boolean_member (change->fields, field, value);
}

void
crm_change_set_null (CrmChange  *change,
                     const char *field)
{
  json_object_set_null_member (change->fields, field);
}

void
crm_change_set_node (CrmChange  *change,
                     const char *field,
                     JsonNode   *value)
{
  json_object_set_member (change->fields, field, value);
}

CrmChange *
crm_changeset_set_link (CrmChangeset *self,
                        const char   *kind,
                        const char   *a_field,
                        const char   *a,
                        const char   *b_field,
                        const char   *b,
                        gboolean      present)
{
  g_autofree char *id = crm_uuid_link (kind, a, b);
  CrmChange *change = crm_changeset_touch (self, kind, id);

  crm_change_set_string (change, a_field, a);
  crm_change_set_string (change, b_field, b);
  crm_change_set_bool (change, "present", present);
  return change;
}
