/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger.c — the server's side of an account replica (see crm-ledger.h): deciding
 * about pushed ops and numbering deals. The checks of one op are in crm-ledger-checks.c;
 * pull pages, the account's users and incarnations in crm-ledger-pull.c.
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
#include "crm-ledger-private.h"
#include "crm-error.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"
#include "crm-counter-private.h"
#include "crm-merge-private.h"
#include "crm-message.h"
#include "crm-stamp.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-validate.h"


/* How often a push is merged again with the ops the state checks refused rejected. */
#define MAX_PASSES 8

static void
doom_free (CrmLedgerDoom *doom)
{
  g_free (doom->code);
  g_free (doom->message);
  g_free (doom);
}

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
    "SELECT seq, hlc, stamp, " CRM_CHANGELOG_WORD ("actor_n") " FROM changelog WHERE op_id = ?1",
    error);

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  if (_crm_store_step (store, stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _crm_store_set_read_error (store, error, "reading back a merged op");
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
    "SELECT seq, op_id, hlc, " CRM_CHANGELOG_WORD ("device_n") ", entity, entity_id, fields"
    " FROM changelog WHERE op_id = ?1",
    NULL);
  CrmOp *op = NULL;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
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
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
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
reject (CrmLedgerRun     *push,
        const CrmOp      *op,
        const char       *code,
        const char       *message,
        CrmLedgerResult  *result,
        GError          **error)
{
  CrmStore *store = push->store;
  g_autoptr(JsonObject) current = _crm_ledger_dup_current (store, op->entity, op->entity_id);
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
         crm_store_set_meta (store, "server.deal_number", next_text, error) &&
         crm_message_fill_deal_number (store, deal_id, error);
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
  needed = _crm_store_step (store, stmt) == SQLITE_ROW;
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
  return _crm_ledger_has_row (store, "SELECT 1 FROM changelog WHERE op_id = ?1", op_id, NULL);
}

static gboolean
record_base (CrmLedgerRun  *push,
             gint64         seq,
             GError       **error)
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
  shared = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return !shared || assign_number (store, op->entity_id, error);
}

/* An op this server accepted before, sealed with its stamp (a device sends again what a
 * server restored from a backup lost — its own ops and those it pulled from others): it
 * was checked when it first came, so it is taken back as it is, with its own device and
 * actor, without asking again whether the pusher may make it. */
static gboolean
accept_stamped (CrmLedgerRun     *push,
                const CrmOp      *op,
                CrmLedgerResult  *result,
                GError          **error)
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
push_one (CrmLedgerRun  *push,
          const CrmOp   *op,
          GError       **error)
{
  CrmStore *store = push->store;
  g_autoptr(CrmLedgerResult) result = g_new0 (CrmLedgerResult, 1);
  g_autofree char *message = NULL;
  g_autoptr(CrmOp) stamped = NULL;
  g_autoptr(GError) shape_error = NULL;
  g_autoptr(JsonObject) previous = NULL;
  JsonObject *won;
  CrmLedgerDoom *doom;
  const char *code = "permission-denied";
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
  if (op->cause != NULL && _crm_ledger_is_rejected (push, op->cause))
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
  if (!_crm_ledger_check_identity (push, op, &message) || !_crm_ledger_check_automation (push, op, &message) ||
      !_crm_ledger_check_permission (push, op, &message, &code))
    {
      if (!reject (push, op, code, message, result, error))
        return FALSE;
      goto done;
    }
  if (_crm_ledger_is_duplicate_automation (push, op))
    {
      if (!reject (push, op, "duplicate-automation",
                   _("Another device already ran this automation rule for the same change; "
                     "its result was kept and this one was undone"), result, error))
        return FALSE;
      goto done;
    }

  /* the business's merge rules (crm-ledger-business.c): a closed deal stays closed, a
   * deleted entity stays deleted */
  {
    g_autofree char *code = NULL;

    if (!_crm_ledger_check_business (push, op, &code, &message))
      {
        if (!reject (push, op, code, message, result, error))
          return FALSE;
        goto done;
      }
  }

  /* the author is the signed-in user, whatever the op says */
  stamped = crm_op_copy (op);
  g_free (stamped->actor);
  stamped->actor = g_strdup (push->pusher->actor);
  /* a clock far ahead of the server's (a laptop set a year ahead) would win every
   * conflict: such an op takes the server's clock instead */
  if (crm_hlc_physical (op->hlc) > crm_store_get_now (store) + push->pusher->max_ahead_ms)
    stamped->hlc = _crm_store_next_hlc (store);
  /* a close made without seeing a concurrent move that reached the server first wins
   * over it: it takes the server's clock */
  else if (_crm_ledger_close_must_win (push, op))
    stamped->hlc = _crm_store_next_hlc (store);
  op = stamped;
  created = !_crm_ledger_entity_exists (store, op);
  if (!_crm_store_merge_op (store, op, FALSE, &known, &previous, error) ||
      !lookup_accepted (store, op->op_id, result, error))
    return FALSE;
  if (!known)
    {
      if (!record_base (push, result->seq, error))
        return FALSE;
      if (g_str_equal (op->entity, "deal"))
        {
          g_ptr_array_add (push->touched_deals, g_strdup (op->entity_id));
          _crm_counter_note_pushed (push->counters, op);
        }
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
check_state (CrmLedgerRun  *push,
             GError       **error)
{
  gint refused = 0;

  for (guint i = 0; i < push->suspects->len; i++)
    {
      CrmOp *op = push->suspects->pdata[i];
      g_autoptr(GError) local_error = NULL;
      CrmLedgerDoom *doom;

      if (crm_validate_op_references (push->store, op, &local_error) &&
          crm_validate_op_gates (push->store, op, &local_error))
        continue;
      if (is_database_error (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
      doom = g_new0 (CrmLedgerDoom, 1);
      doom->code = g_strdup (crm_error_code_name (local_error));
      doom->message = g_strdup (local_error->message);
      g_hash_table_replace (push->doomed, g_strdup (op->op_id), doom);
      refused++;
    }
  return refused;
}

static void
pass_reset (CrmLedgerRun *push)
{
  g_hash_table_remove_all (push->batch_rejected);
  g_ptr_array_set_size (push->results, 0);
  g_ptr_array_set_size (push->touched_deals, 0);
  g_ptr_array_set_size (push->suspects, 0);
  g_ptr_array_set_size (push->counters, 0);
}

/* --- withdrawals that failed, tried again ------------------------------------------------ */

#define WITHDRAW_PENDING "server.withdraw_pending_from"

/* The first changelog seq whose deals' withdrawals may not have been made (0: none):
 * the store's own note, or the one kept in meta by an earlier server process. */
static gint64
withdraw_pending_from (CrmStore *store)
{
  const char *noted = g_object_get_data (G_OBJECT (store), WITHDRAW_PENDING);
  g_autofree char *kept = NULL;

  if (noted != NULL)
    return g_ascii_strtoll (noted, NULL, 10);
  kept = crm_store_dup_meta (store, WITHDRAW_PENDING);
  return kept != NULL ? g_ascii_strtoll (kept, NULL, 10) : 0;
}

/* Adds to @deals every deal changed since @from. */
static gboolean
deals_changed_since (CrmStore   *store,
                     gint64      from,
                     GPtrArray  *deals,
                     GError    **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT DISTINCT entity_id FROM changelog WHERE seq >= ?1 AND entity = 'deal'", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (deals, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the deals to withdraw from");
      return FALSE;
    }
  return TRUE;
}

/* Withdraws what overridden changes of the deals @touched (and of every deal changed
 * since a withdrawal that failed) set off; a failure is noted for the next try. */
static gboolean
withdraw_or_note (CrmStore   *store,
                  GPtrArray  *touched,
                  gint64      first_seq,
                  guint      *out_withdrawn,
                  GError    **error)
{
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  gint64 from = withdraw_pending_from (store);

  *out_withdrawn = 0;
  for (guint i = 0; touched != NULL && i < touched->len; i++)
    g_ptr_array_add (deals, g_strdup (touched->pdata[i]));
  if (from > 0)
    deals_changed_since (store, from, deals, &local_error);
  if (local_error == NULL &&
      _crm_ledger_withdraw_effects (store, deals, out_withdrawn, &local_error))
    {
      if (from > 0)
        {
          g_object_set_data (G_OBJECT (store), WITHDRAW_PENDING, NULL);
          /* not cleared: the next try finds nothing left to withdraw */
          crm_store_set_meta (store, WITHDRAW_PENDING, NULL, NULL);
        }
      return TRUE;
    }
  if (first_seq > 0 && (from == 0 || first_seq < from))
    from = first_seq;
  if (from > 0)
    {
      text = g_strdup_printf ("%" G_GINT64_FORMAT, from);
      g_object_set_data_full (G_OBJECT (store), WITHDRAW_PENDING, g_strdup (text), g_free);
      /* where it can still be written, a restarted server tries again too */
      crm_store_set_meta (store, WITHDRAW_PENDING, text, NULL);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
crm_ledger_retry_withdrawals (CrmStore  *store,
                              guint     *out_withdrawn,
                              GError   **error)
{
  *out_withdrawn = 0;
  if (withdraw_pending_from (store) == 0)
    return TRUE;
  return withdraw_or_note (store, NULL, 0, out_withdrawn, error);
}

gboolean
crm_ledger_withdrawal_pending (CrmStore *store)
{
  return withdraw_pending_from (store) > 0;
}

JsonArray *
crm_ledger_pending_withdrawals (CrmStore    *store,
                                const char  *actor,
                                GError     **error)
{
  g_autoptr(JsonArray) pending = json_array_new ();
  g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
  gint64 from = withdraw_pending_from (store);

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (from == 0)
    return g_steal_pointer (&pending);
  if (!deals_changed_since (store, from, deals, error) ||
      !_crm_ledger_effects_to_withdraw (store, deals, actor, pending, error))
    return NULL;
  return g_steal_pointer (&pending);
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
  g_autoptr(GPtrArray) counters = g_ptr_array_new_with_free_func (
    (GDestroyNotify) _crm_counter_seen_free);
  g_autoptr(GHashTable) devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  CrmLedgerRun push = { store, pusher, pusher->base, devices, batch_ops, doomed,
                        batch_rejected, results, touched, suspects, counters };
  gint64 first_seq = 0;
  guint pass;

  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_hash_table_insert (batch_ops, op->op_id, op);
    }

  /* A pass that has ops refused by the state checks is undone whole, by a rollback of its
   * transaction rather than of a savepoint: under a savepoint SQLite keeps the pages every
   * statement of the pass changes in a journal that only grows until the pass ends — 37 MB
   * for 500 ops (bench/RESULTS.md, issue 21). A pass starts from what the transaction
   * reads; nothing is written before it. */
  for (pass = 0; pass < MAX_PASSES; pass++)
    {
      gint refused;

      pass_reset (&push);
      if (!_crm_store_begin (store, error))
        return FALSE;
      first_seq = crm_ledger_head (store) + 1;
      /* the pass's new contacts get their search rows together, after its ops (as a pulled
       * page's: crm_sync_state_merge_pulled) and before the state is checked */
      _crm_store_defer_search_rows (store);
      for (guint i = 0; i < ops->len; i++)
        if (!push_one (&push, ops->pdata[i], error))
          goto fail;
      if (!_crm_store_write_deferred_search_rows (store, error))
        goto fail;
      refused = check_state (&push, error);
      if (refused < 0)
        goto fail;
      if (refused == 0)
        break;
      /* merge it all again, with those ops rejected */
      g_debug ("Push of %u ops: %d refused by the state checks, pass %u", ops->len, refused,
               pass + 2);
      _crm_store_rollback (store);
    }
  if (pass == MAX_PASSES)
    {
      /* (its last pass is undone already) */
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The changes of this push contradict each other too often to sort out; "
                     "send fewer at a time"));
      return FALSE;
    }
  /* new deals get their numbers in the order they reached the server */
  for (guint i = 0; i < touched->len; i++)
    if (!number_if_needed (store, touched->pdata[i], error))
      goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;
  /* rule effects follow their trigger: those of a stage overridden by this push are
   * withdrawn (a change set of the server's own, after the push) */
  if (touched->len > 0 || withdraw_pending_from (store) > 0)
    {
      g_autoptr(GError) local_error = NULL;
      guint withdrawn = 0;

      /* the push itself is stored and answered; what is left (the disk full, say) is
       * noted and tried again with the next push or tick (withdraw_or_note), and said in
       * the server's log, not made fatal for the client that pushed */
      if (!withdraw_or_note (store, touched, first_seq, &withdrawn, &local_error))
        g_message ("Could not withdraw the effects of overridden changes (tried again with "
                   "the next push or tick): %s", local_error->message);
      else if (withdrawn > 0)
        g_debug ("Withdrew %u effects of overridden changes", withdrawn);
    }

  /* counters other devices counted meanwhile: the rules on the total the server reached,
   * which no device saw (S2-2's second attempt made on two laptops at once) */
  if (counters->len > 0)
    {
      g_autoptr(GError) local_error = NULL;
      guint fired = 0;

      if (!_crm_counter_run_merged_rules (store, counters, &fired, &local_error))
        g_message ("Could not run the rules on merged counters: %s", local_error->message);
      else if (fired > 0)
        g_debug ("Ran %u rules on merged counters", fired);
    }

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
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
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
