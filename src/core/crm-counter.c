/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-counter.c — counter fields (a custom field of type "counter", S2-2: failed call
 * attempts) that count every increment after sync. A counter F is kept as parts, one per
 * device that changed it, each a custom field "F@<device tag>" only that device writes,
 * so last-writer-wins per field never loses one; F itself is the sum of the parts,
 * computed again whenever an op touches F or a part of it — locally, merged, re-applied —
 * so every replica that has the same ops shows the same total, in any order, and
 * applying an op twice changes nothing. A device that sets F (an increment by a rule,
 * a value typed by hand, an undo) writes its own part as F minus the others' parts it
 * knows: two laptops counting up offline at once count twice; a value set by hand while
 * another laptop counted keeps that other laptop's counts on top. See docs/merge.md. */
#define G_LOG_DOMAIN "voronka-store"

#include "config.h"

#include <string.h>

#include "crm-counter-private.h"
#include "crm-schema.h"
#include "crm-store-private.h"

/* Characters of the device's SHA-256 in a part's name: unique enough per account, and
 * short enough for a field name (64 bytes at most). */
#define DEVICE_TAG_LENGTH 16

gboolean
_crm_counter_is_part (const char *field)
{
  return field != NULL && strchr (field, '@') != NULL;
}

static char *
part_name (const char *field,
           const char *device)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, device, -1);

  return g_strdup_printf ("%s@%.*s", field, DEVICE_TAG_LENGTH, sum);
}

static gboolean
is_counter (CrmStore   *store,
            const char *entity,
            const char *key)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM field WHERE entity = ?1 AND key = ?2 AND type = 'counter' AND deleted = 0"
    " LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_TRANSIENT);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static gint64
int_value (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : 0;
}

/* The sum of @field's parts in @row, leaving out the part named @except (may be NULL);
 * *out_any says whether there is any part. */
static gint64
sum_parts (JsonObject *row,
           const char *field,
           const char *except,
           gboolean   *out_any)
{
  g_autoptr(GList) members = row != NULL ? json_object_get_members (row) : NULL;
  gsize length = strlen (field);
  gint64 sum = 0;

  if (out_any != NULL)
    *out_any = FALSE;
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (strncmp (name, field, length) != 0 || name[length] != '@')
        continue;
      if (out_any != NULL)
        *out_any = TRUE;
      if (g_strcmp0 (name, except) != 0)
        sum += int_value (json_object_get_member (row, name));
    }
  return sum;
}

void
_crm_counter_add_parts (CrmStore *store,
                        CrmOp    *op)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autoptr(GList) members = NULL;
  g_autoptr(JsonObject) row = NULL;
  gboolean row_read = FALSE;

  if (type == NULL || op->fields == NULL || op->device == NULL)
    return;
  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      g_autofree char *part = NULL;

      if (_crm_counter_is_part (field) || g_str_equal (field, "deleted") ||
          crm_entity_type_column (type, field) != NULL ||
          !(JSON_NODE_HOLDS_NULL (value) ||
            (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64)) ||
          !is_counter (store, op->entity, field))
        continue;
      part = part_name (field, op->device);
      if (json_object_has_member (op->fields, part))
        continue;
      if (!row_read)
        {
          row = crm_store_dup_entity (store, op->entity, op->entity_id);
          row_read = TRUE;
        }
      json_object_set_int_member (op->fields, part,
                                  int_value (value) - sum_parts (row, field, part, NULL));
    }
}

gboolean
_crm_counter_recompute (JsonObject *data,
                        JsonObject *op_fields)
{
  g_autoptr(GList) members = json_object_get_members (op_fields);
  gboolean changed = FALSE;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const char *at = strchr (name, '@');
      g_autofree char *field = at != NULL ? g_strndup (name, at - name) : g_strdup (name);
      gboolean any = FALSE;
      gint64 total = sum_parts (data, field, NULL, &any);
      JsonNode *current;

      if (!any)
        continue;
      total = MAX (total, 0);
      current = json_object_get_member (data, field);
      if (current != NULL && JSON_NODE_HOLDS_VALUE (current) &&
          json_node_get_value_type (current) == G_TYPE_INT64 && json_node_get_int (current) == total)
        continue;
      json_object_set_int_member (data, field, total);
      changed = TRUE;
    }
  return changed;
}

JsonObject *
_crm_counter_strip_parts (JsonObject *fields)
{
  JsonObject *copy = json_object_new ();
  g_autoptr(GList) members = fields != NULL ? json_object_get_members (fields) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    if (!_crm_counter_is_part (l->data))
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (fields, l->data)));
  return copy;
}

gboolean
_crm_counter_has_parts (JsonObject *fields,
                        const char *field)
{
  gboolean any = FALSE;

  sum_parts (fields, field, NULL, &any);
  return any;
}
