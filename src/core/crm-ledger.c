/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger.c — the server's side of an account replica (see crm-ledger.h): accepting
 * pushed ops, reading pull pages, numbering deals, the account's incarnations.
 *
 * The account replica is an ordinary CrmStore whose changelog sequence is the server's
 * sequence: pull since=N returns changelog rows with seq > N. Two tables of the server's
 * own live next to the replica's (same file, so they commit with the merge; schema step 9
 * of crm-schema.c makes them, empty on a laptop):
 *   server_op       (seq → base): what the author of a pushed op had seen of the server
 *                   (its pull cursor); clients use it to tell a concurrent edit from a
 *                   later one when they record conflicts.
 *   server_rejected (op id → code, message, corrective op id): ops refused once stay
 *                   refused, and ops they caused are refused with them.
 *
 * Every pushed op is checked with the core's own checks (crm-validate.h), the ones the
 * laptop ran when it wrote the op: its shape before it is merged; what the user's role
 * allows, against the state before it; its references and the gates (loss reason,
 * required fields, next task, …) against the state the whole push leaves. An op that
 * fails the last two is undone: the push is merged again from its savepoint with that op
 * rejected (a few passes at most), so the rest of the push is still accepted.
 *
 * Ops carry the session's identity, not their own: the author (actor) is always the
 * signed-in user, and the device must be one of this user's (a device id belongs to the
 * first user who signed in or pushed with it; the server's storage decides, through
 * CrmLedgerPush.device_ok).
 *
 * Why ops are rejected, and what the client gets back:
 *   permission-denied     what the user's role does not allow (crm_validate_op_rights():
 *                         a rep changing another rep's deal, task, note, file, link or
 *                         client, a non-admin changing setup), anyone setting a deal
 *                         number, an op of another user's device or of the server's, a
 *                         rule's op whose trigger is not in the push (or from this
 *                         device) or whose rule the server does not have; an op that
 *                         changes nothing is let through
 *   invalid-input, too-large, not-found
 *                         the op's shape (crm_validate_op_shape()) or its references
 *   required-field, loss-reason-required, next-task-required, call-result-required,
 *   attachment-required   the gates, as the laptop's gates name them
 *   caused-by-rejected    a rule's op whose trigger was rejected
 *   duplicate-automation  a rule fired on an entity whose same rule already fired on
 *                         another device, in ops this client had not seen (two reps
 *                         offline both closing one deal create one follow-up deal, not two)
 * A rejected op is not merged. Instead the server writes a corrective op of its own
 * (fresh server clock, so it wins last-writer-wins) holding its current values of the
 * op's fields — or a deletion when the entity does not exist here — and sends it back,
 * so the client's replica returns to the server's state and stays equal to it. */
#define G_LOG_DOMAIN "voronka-ledger"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-ledger.h"
#include "crm-error.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-merge-private.h"
#include "crm-stamp.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-validate.h"

/* How often a push is merged again with the ops the state checks refused rejected. */
#define MAX_PASSES 8

typedef struct {
  char *code;
  char *message;
} Doom;

static void
doom_free (Doom *doom)
{
  g_free (doom->code);
  g_free (doom->message);
  g_free (doom);
}

typedef struct {
  CrmStore             *store;
  const CrmLedgerPush  *pusher;
  gint64                base;
  GHashTable           *devices;         /* device → GINT_TO_POINTER (1 mine, 2 not) */
  GHashTable           *batch_ops;       /* op id → CrmOp* of this push (borrowed) */
  GHashTable           *doomed;          /* op id → Doom*: refused by the state checks */
  /* per pass: */
  GHashTable           *batch_rejected;  /* op ids rejected in this push */
  GPtrArray            *results;         /* CrmLedgerResult* */
  GPtrArray            *touched_deals;   /* char*: deals this push wrote */
  GPtrArray            *suspects;        /* CrmOp*: merged ops that failed the state checks */
} Push;

void
crm_ledger_result_free (CrmLedgerResult *result)
{
  if (result == NULL)
    return;
  g_free (result->op_id);
  g_free (result->stamp);
  g_free (result->actor);
  g_free (result->code);
  g_free (result->message);
  g_clear_pointer (&result->values, json_object_unref);
  g_clear_pointer (&result->corrective, crm_op_free);
  g_free (result);
}

gint64
crm_ledger_head (CrmStore *store)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, "SELECT max (seq) FROM changelog", NULL);
  gint64 head = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    head = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return head;
}

/* The current fields of an entity (known or from a newer version), or NULL. */
static JsonObject *
dup_current (CrmStore    *store,
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
  if (sqlite3_step (stmt) == SQLITE_ROW)
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
  g_autoptr(JsonObject) current = dup_current (store, op->entity, op->entity_id);
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
static gboolean
has_row (CrmStore   *store,
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
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Does the server have @op's entity (deleted or not)? Only known kinds reach here (the
 * shape check refuses others). */
static gboolean
entity_exists (CrmStore    *store,
               const CrmOp *op)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autofree char *sql = NULL;

  if (type == NULL)
    return FALSE;
  sql = g_strdup_printf ("SELECT 1 FROM \"%s\" WHERE id = ?1", type->name);
  return has_row (store, sql, op->entity_id, NULL);
}

/* Is @cause (the trigger of a rule's op) in this push, or an op this device already
 * pushed? A rule's op stands for what the device's automation did in reaction to it. */
static gboolean
cause_is_ours (Push        *push,
               const CrmOp *op)
{
  return g_hash_table_contains (push->batch_ops, op->cause) ||
         has_row (push->store, "SELECT 1 FROM changelog WHERE op_id = ?1 AND device = ?2",
                  op->cause, op->device);
}

static gboolean
device_is_ok (Push       *push,
              const char *device)
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
static gboolean
check_identity (Push         *push,
                const CrmOp  *op,
                char        **out_message)
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

static gboolean
is_timer_rule (JsonObject *rule)
{
  JsonNode *definition = json_object_get_member (rule, "definition");
  JsonObject *trigger;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition))
    return FALSE;
  trigger = json_object_get_object_member (json_node_get_object (definition), "trigger");
  return trigger != NULL &&
         g_strcmp0 (json_object_get_string_member_with_default (trigger, "type", NULL),
                    "timer") == 0;
}

/* A rule's op must come with its trigger, from a rule the account has: naming a rule
 * gives no rights of its own (the op's rights are checked like any other). */
static gboolean
check_automation (Push         *push,
                  const CrmOp  *op,
                  char        **out_message)
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

static gboolean
check_permission (Push         *push,
                  const CrmOp  *op,
                  char        **out_message)
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
  before->created = !entity_exists (store, op);
  g_clear_pointer (&before->previous, json_object_unref);
  if (!crm_validate_op_rights (store, before, pusher->actor, pusher->role, &error) &&
      !changes_nothing (store, op))
    {
      *out_message = g_strdup (error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_rejected (Push        *push,
             const char  *op_id)
{
  return g_hash_table_contains (push->batch_rejected, op_id) ||
         has_row (push->store, "SELECT 1 FROM server_rejected WHERE op_id = ?1", op_id, NULL);
}

/* The entity the trigger op @cause was about (from this push or the changelog). */
static char *
trigger_entity (Push       *push,
                const char *cause)
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
  if (sqlite3_step (stmt) == SQLITE_ROW)
    entity_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return entity_id;
}

/* Did the rule of @op already fire on the same entity on another device, in ops the
 * pushing client had not seen (after its base)? Then both devices reacted to one event
 * and the second reaction is a duplicate. Timer rules derive their ids from (rule,
 * entity, deadline), so they never duplicate. */
static gboolean
is_duplicate_automation (Push         *push,
                         const CrmOp  *op)
{
  g_autofree char *entity_id = NULL;
  sqlite3_stmt *stmt;
  gboolean found;

  if (op->rule == NULL || op->cause == NULL || g_str_has_prefix (op->cause, "timer:"))
    return FALSE;
  entity_id = trigger_entity (push, op->cause);
  if (entity_id == NULL)
    return FALSE;
  stmt = _crm_store_prepare (push->store,
    "SELECT 1 FROM changelog q JOIN changelog c ON c.op_id = q.cause"
    " WHERE q.rule = ?1 AND c.entity_id = ?2 AND q.device != ?3 AND q.seq > ?4 LIMIT 1", NULL);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->rule);
  _crm_sql_bind_text_or_null (stmt, 2, entity_id);
  _crm_sql_bind_text_or_null (stmt, 3, op->device);
  sqlite3_bind_int64 (stmt, 4, push->base);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static CrmOp *
server_op_new (CrmStore   *store,
               const char *entity,
               const char *entity_id)
{
  CrmOp *op = crm_op_new ();

  op->op_id = crm_store_new_id (store);
  op->hlc = _crm_store_next_hlc (store);
  op->device = g_strdup (crm_store_get_device_id (store));
  op->entity = g_strdup (entity);
  op->entity_id = g_strdup (entity_id);
  return op;
}

static gboolean
lookup_accepted (CrmStore       *store,
                 const char     *op_id,
                 CrmLedgerResult *result,
                 GError        **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT seq, hlc, stamp, actor FROM changelog WHERE op_id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _crm_store_set_sql_error (store, error, "reading back a merged op");
      return FALSE;
    }
  result->accepted = TRUE;
  result->seq = sqlite3_column_int64 (stmt, 0);
  result->hlc = (guint64) sqlite3_column_int64 (stmt, 1);
  g_free (result->stamp);
  result->stamp = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  g_free (result->actor);
  result->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  sqlite3_reset (stmt);
  return TRUE;
}

static CrmOp *
dup_logged_op (CrmStore   *store,
               const char *op_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT seq, op_id, hlc, device, entity, entity_id, fields FROM changelog WHERE op_id = ?1",
    NULL);
  CrmOp *op = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      op = _crm_op_from_changelog_row (stmt);
    }
  sqlite3_reset (stmt);
  return op;
}

/* A push of an op rejected before gets the same answer again. */
static gboolean
lookup_rejected (CrmStore       *store,
                 const char     *op_id,
                 CrmLedgerResult *result)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT code, message, corrective FROM server_rejected WHERE op_id = ?1", NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *corrective = (const char *) sqlite3_column_text (stmt, 2);

      found = TRUE;
      result->accepted = FALSE;
      result->code = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      result->message = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      result->corrective = corrective ? dup_logged_op (store, corrective) : NULL;
      result->values = result->corrective
        ? crm_json_object_deep_copy (result->corrective->fields) : json_object_new ();
      if (result->corrective != NULL)
        json_object_remove_member (result->values, "deleted");
    }
  sqlite3_reset (stmt);
  return found;
}

static gboolean
reject (Push           *push,
        const CrmOp    *op,
        const char     *code,
        const char     *message,
        CrmLedgerResult *result,
        GError        **error)
{
  CrmStore *store = push->store;
  g_autoptr(JsonObject) current = dup_current (store, op->entity, op->entity_id);
  g_autoptr(CrmOp) corrective = server_op_new (store, op->entity, op->entity_id);
  g_autoptr(GList) members = json_object_get_members (op->fields);
  JsonObject *values = json_object_new ();
  sqlite3_stmt *stmt;

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = current ? json_object_get_member (current, l->data) : NULL;

      json_object_set_member (values, l->data,
                              value ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
    }
  json_object_unref (corrective->fields);
  corrective->fields = crm_json_object_deep_copy (values);
  if (current == NULL)
    json_object_set_boolean_member (corrective->fields, "deleted", TRUE);

  if (!_crm_store_merge_op (store, corrective, TRUE, NULL, NULL, error))
    {
      json_object_unref (values);
      return FALSE;
    }

  stmt = _crm_store_prepare (store,
    "INSERT OR REPLACE INTO server_rejected (op_id, code, message, corrective, device, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    {
      json_object_unref (values);
      return FALSE;
    }
  _crm_sql_bind_text_or_null (stmt, 1, op->op_id);
  _crm_sql_bind_text_or_null (stmt, 2, code);
  _crm_sql_bind_text_or_null (stmt, 3, message);
  _crm_sql_bind_text_or_null (stmt, 4, corrective->op_id);
  _crm_sql_bind_text_or_null (stmt, 5, op->device);
  sqlite3_bind_int64 (stmt, 6, crm_store_get_now (store));
  if (!_crm_sql_step_done (store, stmt, "recording a rejected op", error))
    {
      json_object_unref (values);
      return FALSE;
    }

  g_hash_table_add (push->batch_rejected, op->op_id);
  result->accepted = FALSE;
  result->code = g_strdup (code);
  result->message = g_strdup (message);
  result->values = values;
  result->corrective = g_steal_pointer (&corrective);
  g_debug ("Rejected op %s (%s %s): %s", op->op_id, op->entity, op->entity_id, code);
  return TRUE;
}

static gboolean
assign_number (CrmStore    *store,
               const char  *deal_id,
               GError     **error)
{
  g_autofree char *last_text = crm_store_dup_meta (store, "server.deal_number");
  g_autofree char *next_text = NULL;
  g_autoptr(CrmOp) op = server_op_new (store, "deal", deal_id);
  gint64 next = (last_text != NULL ? g_ascii_strtoll (last_text, NULL, 10) : 0) + 1;

  json_object_set_int_member (op->fields, "number", next);
  next_text = g_strdup_printf ("%" G_GINT64_FORMAT, next);
  return _crm_store_merge_op (store, op, TRUE, NULL, NULL, error) &&
         crm_store_set_meta (store, "server.deal_number", next_text, error);
}

static gboolean
number_if_needed (CrmStore    *store,
                  const char  *deal_id,
                  GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM deal WHERE id = ?1 AND number IS NULL AND deleted = 0", error);
  gboolean needed;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  needed = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return !needed || assign_number (store, deal_id, error);
}

static gboolean
is_database_error (const GError *error)
{
  return crm_error_is_storage (error);
}

static gboolean
op_is_known (CrmStore   *store,
             const char *op_id)
{
  return has_row (store, "SELECT 1 FROM changelog WHERE op_id = ?1", op_id, NULL);
}

static gboolean
record_base (Push           *push,
             gint64          seq,
             GError        **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (push->store,
    "INSERT OR REPLACE INTO server_op (seq, base) VALUES (?1, ?2)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, push->base);
  return _crm_sql_step_done (push->store, stmt, "recording a pushed op", error);
}

/* A deal number that came back with a stamped op: the account's sequence moves past it,
 * and a deal that now shares its number with another (the restored server gave the
 * number out again meanwhile) gets the next free one. */
static gboolean
keep_number_unique (CrmStore     *store,
                    const CrmOp  *op,
                    GError      **error)
{
  JsonNode *node = json_object_get_member (op->fields, "number");
  g_autofree char *last_text = crm_store_dup_meta (store, "server.deal_number");
  gint64 last = last_text != NULL ? g_ascii_strtoll (last_text, NULL, 10) : 0;
  sqlite3_stmt *stmt;
  gboolean shared;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return TRUE;
  if (json_node_get_int (node) > last)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

      if (!crm_store_set_meta (store, "server.deal_number", text, error))
        return FALSE;
    }
  stmt = _crm_store_prepare (store,
    "SELECT 1 FROM deal d JOIN deal o ON o.number = d.number AND o.id != d.id AND o.deleted = 0"
    " WHERE d.id = ?1 AND d.deleted = 0 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op->entity_id);
  shared = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return !shared || assign_number (store, op->entity_id, error);
}

/* An op this server accepted before, sealed with its stamp (a device sends again what a
 * server restored from a backup lost — its own ops and those it pulled from others): it
 * was checked when it first came, so it is taken back as it is, with its own device and
 * actor, without asking again whether the pusher may make it. */
static gboolean
accept_stamped (Push           *push,
                const CrmOp    *op,
                CrmLedgerResult *result,
                GError        **error)
{
  CrmStore *store = push->store;
  gboolean known = FALSE;
  gboolean own = g_strcmp0 (op->device, crm_store_get_device_id (store)) == 0;

  if (!_crm_store_merge_op (store, op, own, &known, NULL, error) ||
      !lookup_accepted (store, op->op_id, result, error))
    return FALSE;
  if (known)
    return TRUE;
  if (!record_base (push, result->seq, error))
    return FALSE;
  if (g_str_equal (op->entity, "deal"))
    {
      if (!keep_number_unique (store, op, error))
        return FALSE;
      g_ptr_array_add (push->touched_deals, g_strdup (op->entity_id));
    }
  return TRUE;
}

static gboolean
push_one (Push         *push,
          const CrmOp  *op,
          GError      **error)
{
  CrmStore *store = push->store;
  g_autoptr(CrmLedgerResult) result = g_new0 (CrmLedgerResult, 1);
  g_autofree char *message = NULL;
  g_autoptr(CrmOp) stamped = NULL;
  g_autoptr(GError) shape_error = NULL;
  g_autoptr(JsonObject) previous = NULL;
  JsonObject *won;
  Doom *doom;
  gboolean known = FALSE;
  gboolean created;

  result->op_id = g_strdup (op->op_id);

  if (lookup_rejected (store, op->op_id, result))
    goto done;
  /* an op pushed again whose answer was lost: accepted before, accepted again */
  if (op_is_known (store, op->op_id))
    {
      if (!lookup_accepted (store, op->op_id, result, error))
        return FALSE;
      goto done;
    }
  /* an op this server accepted before, sent again to a server restored from a backup:
   * its stamp proves it, and it keeps its own author and device */
  if (crm_stamp_check (crm_store_get_stamp_key (store), op))
    {
      if (!accept_stamped (push, op, result, error))
        return FALSE;
      goto done;
    }
  if (op->cause != NULL && is_rejected (push, op->cause))
    {
      if (!reject (push, op, "caused-by-rejected",
                   _("This change was made by automation in reaction to a change the server "
                     "rejected, so it was rejected too"), result, error))
        return FALSE;
      goto done;
    }
  if ((doom = g_hash_table_lookup (push->doomed, op->op_id)) != NULL)
    {
      if (!reject (push, op, doom->code, doom->message, result, error))
        return FALSE;
      goto done;
    }
  if (!crm_validate_op_shape (op, &shape_error))
    {
      if (!reject (push, op, crm_error_code_name (shape_error), shape_error->message, result,
                   error))
        return FALSE;
      goto done;
    }
  if (!check_identity (push, op, &message) || !check_automation (push, op, &message) ||
      !check_permission (push, op, &message))
    {
      if (!reject (push, op, "permission-denied", message, result, error))
        return FALSE;
      goto done;
    }
  if (is_duplicate_automation (push, op))
    {
      if (!reject (push, op, "duplicate-automation",
                   _("Another device already ran this automation rule for the same change; "
                     "its result was kept and this one was undone"), result, error))
        return FALSE;
      goto done;
    }

  /* the author is the signed-in user, whatever the op says */
  stamped = crm_op_copy (op);
  g_free (stamped->actor);
  stamped->actor = g_strdup (push->pusher->actor);
  /* a clock far ahead of the server's (a laptop set a year ahead) would win every
   * conflict: such an op takes the server's clock instead */
  if (crm_hlc_physical (op->hlc) > crm_store_get_now (store) + push->pusher->max_ahead_ms)
    stamped->hlc = _crm_store_next_hlc (store);
  op = stamped;
  created = !entity_exists (store, op);
  if (!_crm_store_merge_op (store, op, FALSE, &known, &previous, error) ||
      !lookup_accepted (store, op->op_id, result, error))
    return FALSE;
  if (!known)
    {
      if (!record_base (push, result->seq, error))
        return FALSE;
      if (g_str_equal (op->entity, "deal"))
        g_ptr_array_add (push->touched_deals, g_strdup (op->entity_id));
      /* an op that won no field left the state as it was: nothing of it to check.
       * Otherwise its references and gates are checked on the state it leaves; one
       * that fails is checked again on the state the whole push leaves (a change set's
       * later op may complete it: the file a stage needs, the next task) */
      won = previous != NULL ? json_object_get_object_member (previous, "clocks") : NULL;
      if (won != NULL && json_object_get_size (won) > 0)
        {
          g_autoptr(CrmOp) merged = crm_op_copy (op);
          g_autoptr(GError) state_error = NULL;

          merged->created = created;
          if (!crm_validate_op_references (store, merged, &state_error) ||
              !crm_validate_op_gates (store, merged, &state_error))
            {
              if (is_database_error (state_error))
                {
                  g_propagate_error (error, g_steal_pointer (&state_error));
                  return FALSE;
                }
              g_ptr_array_add (push->suspects, g_steal_pointer (&merged));
            }
        }
    }

done:
  g_ptr_array_add (push->results, g_steal_pointer (&result));
  return TRUE;
}

/* The references and gates of the ops that failed them on the state they left, again
 * on the state the push leaves: those failing twice are refused (they join
 * push->doomed). Returns how many, or -1 on a database error. */
static gint
check_state (Push    *push,
             GError **error)
{
  gint refused = 0;

  for (guint i = 0; i < push->suspects->len; i++)
    {
      CrmOp *op = push->suspects->pdata[i];
      g_autoptr(GError) local_error = NULL;
      Doom *doom;

      if (crm_validate_op_references (push->store, op, &local_error) &&
          crm_validate_op_gates (push->store, op, &local_error))
        continue;
      if (is_database_error (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
      doom = g_new0 (Doom, 1);
      doom->code = g_strdup (crm_error_code_name (local_error));
      doom->message = g_strdup (local_error->message);
      g_hash_table_replace (push->doomed, g_strdup (op->op_id), doom);
      refused++;
    }
  return refused;
}

static void
pass_reset (Push *push)
{
  g_hash_table_remove_all (push->batch_rejected);
  g_ptr_array_set_size (push->results, 0);
  g_ptr_array_set_size (push->touched_deals, 0);
  g_ptr_array_set_size (push->suspects, 0);
}

gboolean
crm_ledger_push (CrmStore             *store,
                 const CrmLedgerPush  *pusher,
                 GPtrArray            *ops,
                 GPtrArray           **out_results,
                 gint64               *out_head,
                 GError              **error)
{
  g_autoptr(GHashTable) batch_ops = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) batch_rejected = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) doomed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) doom_free);
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func (
    (GDestroyNotify) crm_ledger_result_free);
  g_autoptr(GPtrArray) touched = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) suspects = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(GHashTable) devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Push push = { store, pusher, pusher->base, devices, batch_ops, doomed,
                batch_rejected, results, touched, suspects };
  guint pass;

  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_hash_table_insert (batch_ops, op->op_id, op);
    }

  if (!_crm_store_begin (store, error))
    return FALSE;
  for (pass = 0; pass < MAX_PASSES; pass++)
    {
      gint refused;

      pass_reset (&push);
      if (!_crm_sql_exec (store, "SAVEPOINT push_pass", "a push's savepoint", error))
        goto fail;
      for (guint i = 0; i < ops->len; i++)
        if (!push_one (&push, ops->pdata[i], error))
          goto fail;
      refused = check_state (&push, error);
      if (refused < 0)
        goto fail;
      if (refused == 0)
        {
          if (!_crm_sql_exec (store, "RELEASE push_pass", "a push's savepoint", error))
            goto fail;
          break;
        }
      /* merge it all again, with those ops rejected */
      g_debug ("Push of %u ops: %d refused by the state checks, pass %u", ops->len, refused,
               pass + 2);
      if (!_crm_sql_exec (store, "ROLLBACK TO push_pass", "a push's savepoint", error) ||
          !_crm_sql_exec (store, "RELEASE push_pass", "a push's savepoint", error))
        goto fail;
    }
  if (pass == MAX_PASSES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The changes of this push contradict each other too often to sort out; "
                     "send fewer at a time"));
      goto fail;
    }
  /* new deals get their numbers in the order they reached the server */
  for (guint i = 0; i < touched->len; i++)
    if (!number_if_needed (store, touched->pdata[i], error))
      goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;

  *out_results = g_steal_pointer (&results);
  *out_head = crm_ledger_head (store);
  return TRUE;

fail:
  _crm_store_rollback (store);
  return FALSE;
}

gboolean
crm_ledger_number_deals (CrmStore  *store,
                         GError   **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (!_crm_store_begin (store, error))
    return FALSE;
  stmt = _crm_store_prepare (store,
    "SELECT id FROM deal WHERE number IS NULL AND deleted = 0 ORDER BY created_at, id", error);
  if (stmt == NULL)
    {
      _crm_store_rollback (store);
      return FALSE;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  for (guint i = 0; i < ids->len; i++)
    if (!assign_number (store, ids->pdata[i], error))
      {
        _crm_store_rollback (store);
        return FALSE;
      }
  return _crm_store_commit (store, error);
}

/* --- pull pages ------------------------------------------------------------------------------ */

gint64
crm_ledger_horizon (CrmStore *store)
{
  g_autofree char *horizon_text = crm_store_dup_meta (store, "server.horizon");

  return horizon_text ? g_ascii_strtoll (horizon_text, NULL, 10) : 0;
}

gboolean
crm_ledger_read (CrmStore          *store,
                 gint64             since,
                 guint              limit,
                 CrmLedgerRowFunc   func,
                 gpointer           data,
                 GError           **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT c.seq, c.op_id, c.hlc, c.device, c.entity, c.entity_id, c.fields, c.cause, c.rule,"
    " c.actor, COALESCE (s.base, c.seq - 1), c.stamp FROM changelog c"
    " LEFT JOIN server_op s ON s.seq = c.seq WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmLedgerRow row = {
        .seq = sqlite3_column_int64 (stmt, 0),
        .op_id = (const char *) sqlite3_column_text (stmt, 1),
        .hlc = (guint64) sqlite3_column_int64 (stmt, 2),
        .device = (const char *) sqlite3_column_text (stmt, 3),
        .entity = (const char *) sqlite3_column_text (stmt, 4),
        .entity_id = (const char *) sqlite3_column_text (stmt, 5),
        .fields = (const char *) sqlite3_column_text (stmt, 6),
        .cause = (const char *) sqlite3_column_text (stmt, 7),
        .rule = (const char *) sqlite3_column_text (stmt, 8),
        .actor = (const char *) sqlite3_column_text (stmt, 9),
        .base = sqlite3_column_int64 (stmt, 10),
        .stamp = (const char *) sqlite3_column_text (stmt, 11),
      };

      func (&row, data);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "reading the changelog");
      return FALSE;
    }
  return TRUE;
}

/* --- the account's users, clock and size ------------------------------------------------------ */

guint64
crm_ledger_next_hlc (CrmStore *store)
{
  return _crm_store_next_hlc (store);
}

char *
crm_ledger_find_user (CrmStore    *store,
                      const char  *name,
                      char       **out_role)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, role FROM user WHERE name = ?1 AND deleted = 0 ORDER BY id LIMIT 1", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (out_role != NULL)
        *out_role = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return id;
}

gboolean
crm_ledger_lookup_user (CrmStore    *store,
                        const char  *user_id,
                        char       **out_name,
                        char       **out_role)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT name, role FROM user WHERE id = ?1 AND deleted = 0", NULL);
  gboolean found = FALSE;

  if (stmt == NULL || user_id == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (out_name != NULL)
        *out_name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (out_role != NULL)
        *out_role = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return found;
}

gint64
crm_ledger_size (CrmStore *store)
{
  sqlite3 *db = _crm_store_get_db (store);
  static const char *const pragmas[] = {
    "PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"
  };
  gint64 values[3] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    {
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (db, pragmas[i], -1, &stmt, NULL) == SQLITE_OK &&
          sqlite3_step (stmt) == SQLITE_ROW)
        values[i] = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  return (values[0] - values[1]) * values[2];
}

/* --- incarnations ------------------------------------------------------------------------- */

static JsonObject *
dup_epochs (CrmStore *store)
{
  g_autofree char *text = crm_store_dup_meta (store, "server.epochs");
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_object_ref (json_node_get_object (node));
  return json_object_new ();
}

gboolean
crm_ledger_epoch (CrmStore    *store,
                  const char  *client_epoch,
                  char       **out_epoch,
                  gint64      *out_shared,
                  GError     **error)
{
  g_autofree char *epoch = crm_store_dup_meta (store, "server.epoch");
  g_autoptr(JsonObject) epochs = NULL;

  if (epoch == NULL)
    {
      epoch = crm_uuid_v7_new (crm_time_now_ms ());
      if (!crm_store_set_meta (store, "server.epoch", epoch, error))
        return FALSE;
    }
  *out_shared = 0;
  if (client_epoch != NULL && g_str_equal (client_epoch, epoch))
    *out_shared = crm_ledger_head (store);
  else if (client_epoch != NULL)
    {
      epochs = dup_epochs (store);
      *out_shared = MAX (json_object_get_int_member_with_default (epochs, client_epoch, 0), 0);
    }
  *out_epoch = g_steal_pointer (&epoch);
  return TRUE;
}

gboolean
crm_ledger_new_epoch (CrmStore  *store,
                      GError   **error)
{
  g_autofree char *old = crm_store_dup_meta (store, "server.epoch");
  g_autofree char *epoch = crm_uuid_v7_new (crm_time_now_ms ());
  g_autoptr(JsonObject) epochs = dup_epochs (store);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GList) members = json_object_get_members (epochs);
  g_autofree char *text = NULL;
  gint64 head = crm_ledger_head (store);

  /* an older incarnation shares with this one no more than with the restored one */
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_int_member (epochs, l->data,
                                MIN (json_object_get_int_member_with_default (epochs, l->data, 0),
                                     head));
  if (old != NULL)
    json_object_set_int_member (epochs, old, head);
  json_node_set_object (node, epochs);
  text = json_to_string (node, FALSE);
  return crm_store_set_meta (store, "server.epochs", text, error) &&
         crm_store_set_meta (store, "server.epoch", epoch, error);
}
