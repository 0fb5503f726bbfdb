/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger-checks.c — the server's checks of one pushed op (crm-ledger.c decides with
 * them): the session's identity (author and device), automation ops and their triggers,
 * what the user's role allows, ops caused by rejected ones, and duplicate automation. */
#define G_LOG_DOMAIN "voronka-ledger"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-ledger-private.h"
#include "crm-error.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-validate.h"

/* The current fields of an entity (known or from a newer version), or NULL. */
JsonObject *
_crm_ledger_dup_current (CrmStore    *store,
                         const char  *entity,
                         const char  *entity_id)
{
  sqlite3_stmt *stmt;
  JsonObject *object = NULL;

  if (crm_schema_lookup (entity) != NULL)
    return crm_store_dup_entity (store, entity, entity_id);
  stmt = _crm_store_prepare (store,
    "SELECT data FROM other_entity WHERE entity = ?1 AND id = ?2", NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity);
  _crm_sql_bind_text_or_null (stmt, 2, entity_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) data = json_from_string ((const char *) sqlite3_column_text (stmt, 0),
                                                   NULL);
      if (data != NULL && JSON_NODE_HOLDS_OBJECT (data))
        object = json_object_ref (json_node_get_object (data));
    }
  sqlite3_reset (stmt);
  return object;
}

static gboolean
json_equal (JsonNode *a,
            JsonNode *b)
{
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;

  if (a == NULL || JSON_NODE_HOLDS_NULL (a))
    return b == NULL || JSON_NODE_HOLDS_NULL (b);
  if (b == NULL)
    return FALSE;
  text_a = crm_json_to_canonical (a);
  text_b = crm_json_to_canonical (b);
  return g_str_equal (text_a, text_b);
}

/* An op that would leave every field as the server has it changes nothing, so no
 * permission is needed for it (a replica made from the same template pushes the
 * template's setup ops again). */
static gboolean
changes_nothing (CrmStore    *store,
                 const CrmOp *op)
{
  g_autoptr(JsonObject) current = _crm_ledger_dup_current (store, op->entity, op->entity_id);
  g_autoptr(GList) members = NULL;

  if (current == NULL)
    return FALSE;
  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    if (!json_equal (json_object_get_member (current, l->data),
                     json_object_get_member (op->fields, l->data)))
      return FALSE;
  return TRUE;
}

/* Does @sql, with text parameters @first and @second (may be NULL), find a row? */
gboolean
_crm_ledger_has_row (CrmStore   *store,
                     const char *sql,
                     const char *first,
                     const char *second)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, first);
  if (second != NULL)
    _crm_sql_bind_text_or_null (stmt, 2, second);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Does the server have @op's entity (deleted or not)? Only known kinds reach here (the
 * shape check refuses others). */
gboolean
_crm_ledger_entity_exists (CrmStore    *store,
                           const CrmOp *op)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autofree char *sql = NULL;

  if (type == NULL)
    return FALSE;
  sql = g_strdup_printf ("SELECT 1 FROM \"%s\" WHERE id = ?1", type->name);
  return _crm_ledger_has_row (store, sql, op->entity_id, NULL);
}

/* Is @cause (the trigger of a rule's op) in this push, or an op this device already
 * pushed? A rule's op stands for what the device's automation did in reaction to it. */
static gboolean
cause_is_ours (CrmLedgerRun *push,
               const CrmOp  *op)
{
  return g_hash_table_contains (push->batch_ops, op->cause) ||
         _crm_ledger_has_row (push->store, "SELECT 1 FROM changelog WHERE op_id = ?1"
                  " AND device_n = " CRM_CHANGELOG_WORD_N ("?2"),
                  op->cause, op->device);
}

static gboolean
device_is_ok (CrmLedgerRun *push,
              const char   *device)
{
  gpointer verdict = g_hash_table_lookup (push->devices, device);

  if (verdict == NULL)
    {
      verdict = GINT_TO_POINTER (push->pusher->device_ok (device, push->pusher->device_data)
                                 ? 1 : 2);
      g_hash_table_insert (push->devices, g_strdup (device), verdict);
    }
  return GPOINTER_TO_INT (verdict) == 1;
}

/* Who may push @op at all: not the server's own device, not another user's device. */
gboolean
_crm_ledger_check_identity (CrmLedgerRun  *push,
                            const CrmOp   *op,
                            char         **out_message)
{
  if (g_strcmp0 (op->device, crm_store_get_device_id (push->store)) == 0)
    {
      *out_message = g_strdup (_("This change claims to come from the server itself"));
      return FALSE;
    }
  if (push->pusher->device_ok != NULL && !device_is_ok (push, op->device))
    {
      *out_message = g_strdup (_("This change claims to come from a device of another user; "
                                 "each user syncs from a replica of their own"));
      return FALSE;
    }
  return TRUE;
}

/* A rule with a timer among its triggers ("trigger", or one of "triggers"). */
static gboolean
is_timer_rule (JsonObject *rule)
{
  JsonNode *definition = json_object_get_member (rule, "definition");
  JsonObject *object;
  JsonNode *triggers;
  JsonObject *trigger;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition))
    return FALSE;
  object = json_node_get_object (definition);
  triggers = json_object_get_member (object, "triggers");
  if (triggers != NULL && JSON_NODE_HOLDS_ARRAY (triggers))
    {
      JsonArray *array = json_node_get_array (triggers);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node) &&
              g_strcmp0 (json_object_get_string_member_with_default (
                           json_node_get_object (node), "type", NULL), "timer") == 0)
            return TRUE;
        }
      return FALSE;
    }
  trigger = json_object_get_object_member (object, "trigger");
  return trigger != NULL &&
         g_strcmp0 (json_object_get_string_member_with_default (trigger, "type", NULL),
                    "timer") == 0;
}

/* A rule's op must come with its trigger, from a rule the account has: naming a rule
 * gives no rights of its own (the op's rights are checked like any other). */
gboolean
_crm_ledger_check_automation (CrmLedgerRun  *push,
                              const CrmOp   *op,
                              char         **out_message)
{
  g_autoptr(JsonObject) rule = NULL;

  if (op->rule == NULL)
    return TRUE;
  rule = crm_store_dup_entity (push->store, "rule", op->rule);
  if (rule == NULL || json_object_get_boolean_member_with_default (rule, "deleted", FALSE))
    {
      *out_message = g_strdup (_("This change was made by an automation rule the server "
                                 "does not have"));
      return FALSE;
    }
  if (op->cause == NULL ||
      (g_str_has_prefix (op->cause, "timer:") ? !is_timer_rule (rule)
                                              : !cause_is_ours (push, op)))
    {
      *out_message = g_strdup (_("This change says an automation rule made it, but the "
                                 "change that set the rule off was not sent with it"));
      return FALSE;
    }
  return TRUE;
}

gboolean
_crm_ledger_check_permission (CrmLedgerRun  *push,
                              const CrmOp   *op,
                              char         **out_message,
                              const char   **out_code)
{
  CrmStore *store = push->store;
  const CrmLedgerPush *pusher = push->pusher;
  g_autoptr(CrmOp) before = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (op->entity, "deal") && json_object_has_member (op->fields, "number") &&
      !changes_nothing (store, op))
    {
      *out_message = g_strdup (_("Deal numbers are given by the server; a deal cannot be "
                                 "renumbered"));
      return FALSE;
    }
  /* the role's rights, as the laptop checks them, against the state before the op */
  before = crm_op_copy (op);
  before->created = !_crm_ledger_entity_exists (store, op);
  g_clear_pointer (&before->previous, json_object_unref);
  if (!crm_validate_op_rights (store, before, pusher->actor, pusher->role, &error) &&
      !changes_nothing (store, op))
    {
      *out_message = g_strdup (error->message);
      if (g_error_matches (error, CRM_STORE_ERROR, CRM_STORE_ERROR_ALREADY_DECIDED))
        *out_code = "already-decided";
      return FALSE;
    }
  return TRUE;
}

gboolean
_crm_ledger_is_rejected (CrmLedgerRun *push,
                         const char   *op_id)
{
  return g_hash_table_contains (push->batch_rejected, op_id) ||
         _crm_ledger_has_row (push->store, "SELECT 1 FROM server_rejected WHERE op_id = ?1", op_id, NULL);
}

/* The entity the trigger op @cause was about (from this push or the changelog). */
static char *
trigger_entity (CrmLedgerRun *push,
                const char   *cause)
{
  CrmOp *op = g_hash_table_lookup (push->batch_ops, cause);
  sqlite3_stmt *stmt;
  char *entity_id = NULL;

  if (op != NULL)
    return g_strdup (op->entity_id);
  stmt = _crm_store_prepare (push->store, "SELECT entity_id FROM changelog WHERE op_id = ?1",
                             NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, cause);
  if (_crm_store_step (push->store, stmt) == SQLITE_ROW)
    entity_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return entity_id;
}

/* Did the rule of @op already fire on the same entity on another device, in ops the
 * pushing client had not seen (after its base)? Then both devices reacted to one event
 * and the second reaction is a duplicate. Timer rules derive their ids from (rule,
 * entity, deadline), so they never duplicate. */
gboolean
_crm_ledger_is_duplicate_automation (CrmLedgerRun *push,
                                     const CrmOp  *op)
{
  g_autofree char *entity_id = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  int rc;

  if (op->rule == NULL || op->cause == NULL || g_str_has_prefix (op->cause, "timer:"))
    return FALSE;
  entity_id = trigger_entity (push, op->cause);
  if (entity_id == NULL)
    return FALSE;
  stmt = _crm_store_prepare (push->store,
    "SELECT DISTINCT c.op_id, c.entity FROM changelog q JOIN changelog c ON c.op_id = q.cause"
    " WHERE q.rule = ?1 AND c.entity_id = ?2 AND ?3 IS NOT NULL"
    " AND q.device_n IS NOT " CRM_CHANGELOG_WORD_N ("?3") " AND q.seq > ?4", NULL);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->rule);
  _crm_sql_bind_text_or_null (stmt, 2, entity_id);
  _crm_sql_bind_text_or_null (stmt, 3, op->device);
  sqlite3_bind_int64 (stmt, 4, push->base);
  while ((rc = _crm_store_step (push->store, stmt)) == SQLITE_ROW)
    {
      const char *trigger = (const char *) sqlite3_column_text (stmt, 0);

      /* the other device's reaction to a close that did not hold (its effects are
       * withdrawn) is no reason to refuse this one: this close is the one that stands */
      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "deal") == 0 &&
          _crm_ledger_trigger_overridden (push->store, entity_id, trigger))
        continue;
      found = TRUE;
      break;
    }
  sqlite3_reset (stmt);
  return found;
}
