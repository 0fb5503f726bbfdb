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
#include "crm-rules-private.h"
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

/* --- the server: rules on merged totals ------------------------------------------------------ */

void
_crm_counter_seen_free (CrmCounterSeen *seen)
{
  if (seen == NULL)
    return;
  g_free (seen->deal);
  g_free (seen->field);
  g_free (seen->op_id);
  g_free (seen->actor);
  g_free (seen);
}

void
_crm_counter_note_pushed (GPtrArray   *seen,
                          const CrmOp *op)
{
  g_autoptr(GList) members = NULL;

  if (op->fields == NULL || g_strcmp0 (op->entity, "deal") != 0)
    return;
  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const char *at = strchr (name, '@');
      g_autofree char *field = NULL;
      JsonNode *value;
      CrmCounterSeen *entry = NULL;

      if (at == NULL)
        continue;
      field = g_strndup (name, at - name);
      value = json_object_get_member (op->fields, field);
      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
          json_node_get_value_type (value) != G_TYPE_INT64)
        continue;
      for (guint i = 0; i < seen->len && entry == NULL; i++)
        {
          CrmCounterSeen *known = seen->pdata[i];

          if (g_str_equal (known->deal, op->entity_id) && g_str_equal (known->field, field))
            entry = known;
        }
      if (entry == NULL)
        {
          entry = g_new0 (CrmCounterSeen, 1);
          entry->deal = g_strdup (op->entity_id);
          entry->field = g_steal_pointer (&field);
          g_ptr_array_add (seen, entry);
        }
      g_free (entry->op_id);
      entry->op_id = g_strdup (op->op_id);
      g_free (entry->actor);
      entry->actor = g_strdup (op->actor);
      entry->seen = json_node_get_int (value);
    }
}

/* Does @rule watch the counter @field: a trigger "field_changed" on it (with "to", one
 * that takes in @total)? */
static gboolean
rule_watches (const CrmRule *rule,
              const char    *field,
              gint64         total)
{
  JsonArray *triggers = get_array (rule->definition, "triggers");
  JsonObject *single = get_object (rule->definition, "trigger");
  guint n = triggers != NULL ? json_array_get_length (triggers) : 1;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = triggers != NULL ? json_array_get_element (triggers, i) : NULL;
      JsonObject *trigger = triggers != NULL
                            ? (JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL)
                            : single;
      JsonNode *to;

      if (g_strcmp0 (get_string (trigger, "type"), "field_changed") != 0 ||
          g_strcmp0 (get_string (trigger, "field"), field) != 0)
        continue;
      to = json_object_get_member (trigger, "to");
      if (to != NULL)
        {
          g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), total);

          if (!_crm_rule_value_in (value, to))
            continue;
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
fired_on (CrmStore   *store,
          const char *rule_id,
          const char *cause)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM changelog WHERE rule = ?1 AND cause = ?2 LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, rule_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, cause, -1, SQLITE_TRANSIENT);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

typedef struct {
  GPtrArray *seen;
  guint      fired;
} MergedRun;

static gboolean
run_merged (CrmStore  *store,
            gpointer   user_data,
            GError   **error)
{
  MergedRun *run = user_data;
  g_auto(CrmRuleEngine) engine = { 0 };

  if (!_crm_rules_engine_init (&engine, store, error))
    return FALSE;
  for (guint i = 0; i < run->seen->len; i++)
    {
      CrmCounterSeen *seen = run->seen->pdata[i];
      g_autoptr(JsonObject) deal = crm_store_dup_entity (store, "deal", seen->deal);
      JsonNode *value = deal != NULL ? json_object_get_member (deal, seen->field) : NULL;
      gint64 total;

      if (deal == NULL || json_object_get_boolean_member_with_default (deal, "deleted", FALSE))
        continue;
      total = value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
              json_node_get_value_type (value) == G_TYPE_INT64 ? json_node_get_int (value) : 0;
      /* the device saw this total and ran these rules on it itself */
      if (total == seen->seen)
        continue;
      for (guint r = 0; r < engine.rules->len; r++)
        {
          const CrmRule *rule = g_ptr_array_index (engine.rules, r);
          CrmRuleContext ctx = { 0 };

          if (!rule_watches (rule, seen->field, total) || fired_on (store, rule->id, seen->op_id))
            continue;
          ctx.engine = &engine;
          ctx.rule = rule;
          ctx.cause = seen->op_id;
          ctx.actor = seen->actor;
          ctx.depth = 1;
          ctx.deal_id = seen->deal;
          if (!_crm_rule_check_conditions (&ctx, get_array (rule->definition, "conditions"), NULL))
            continue;
          g_debug ("Rule “%s” fires on the merged total %" G_GINT64_FORMAT " of %s (deal %s)",
                   rule->name, total, seen->field, seen->deal);
          if (!_crm_rule_run_actions (&ctx, get_array (rule->definition, "actions"), "", error))
            return FALSE;
          run->fired++;
        }
    }
  /* what those rules wrote may set off event rules in turn (a close: the stage's tasks) */
  return _crm_rules_drain_queue (&engine, error);
}

gboolean
_crm_counter_run_merged_rules (CrmStore   *store,
                               GPtrArray  *seen,
                               guint      *out_fired,
                               GError    **error)
{
  MergedRun run = { seen, 0 };
  gboolean ok;

  if (out_fired != NULL)
    *out_fired = 0;
  if (seen->len == 0)
    return TRUE;
  /* run_merged drains its own queue: the store's hook would run the rules twice */
  _crm_store_set_rules_hook (store, NULL);
  ok = _crm_store_transact (store, run_merged, &run, error);
  _crm_rules_install (store);
  if (ok && out_fired != NULL)
    *out_fired = run.fired;
  return ok;
}
