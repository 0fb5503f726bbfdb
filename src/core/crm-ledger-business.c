/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger-business.c — the merge rules of the business, decided by the server from
 * what each device had seen (the push's base, kept per op in server_op), where per-field
 * last-writer-wins is not what a sales team expects (DESIGN.md, "The changelog and
 * merge"; docs/merge.md has the table):
 *
 *   - closing wins over a stale move: an op that moves a deal away from the stage it was
 *     closed at (won or lost), made without having seen that close, is rejected
 *     ("deal-closed") — a stale move to an open stage, and the second of a win and a loss
 *     at the same time alike (of two losses with different reasons, the second); whoever
 *     has seen the close may reopen the deal;
 *   - a close that reaches the server after a concurrent move it had not seen takes the
 *     server's clock, so it wins over that move (crm_ledger_push re-stamps it) — also
 *     over a write of the stage the deal already had; a stage write whose author had
 *     seen or made the holder (its own re-stamped close) takes it too where its clock is
 *     behind, so a reopening made after the close stays after it;
 *   - an edit of an entity deleted concurrently is rejected ("deleted"): the entity
 *     stays deleted, the edit is listed to its author, never resurrects it;
 *   - rule effects follow their trigger: when a deal's stage written by an op that set
 *     rules off is overridden by a write made without seeing it, the entities those
 *     rules created are withdrawn by compensating ops written through crm_store_apply()
 *     (a follow-up deal deleted, a task closed as cancelled), so no replica keeps an
 *     orphan; the auto-tasks that move closed «закрыта вместе с этапом» come back when
 *     the deal is again at their stage.
 *
 * A field's writes are read from the changelog in the order they reached the server
 * (seq) with the base each author had; which write holds the field is decided by the
 * clocks (hlc, device), as merge decides it. "Seen" means: the same device made it
 * earlier, the author's base is at or past it, or a rule made the write in reaction to it
 * (the rule's cause). Ops the server makes itself (corrective, numbering, compensating)
 * count as having seen everything. */
#define G_LOG_DOMAIN "voronka-ledger"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-ledger.h"
#include "crm-ledger-private.h"
#include "crm-error.h"
#include "crm-json.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-changelog-private.h"

typedef struct {
  gint64    seq;
  char     *op_id;
  char     *device;
  guint64   hlc;
  gint64    base;        /* -1: not recorded (an op of the server's own) */
  char     *value;       /* the value written, as SQLite's json_extract gives it */
  char     *cause;
  char     *rule;
  char     *actor;
  gboolean  effective;   /* held the field when it reached the server */
  gboolean  overridden;  /* lost it to a write made without seeing it */
} Write;

static void
write_free (Write *write)
{
  g_free (write->op_id);
  g_free (write->device);
  g_free (write->value);
  g_free (write->cause);
  g_free (write->rule);
  g_free (write->actor);
  g_free (write);
}

static int
compare_clocks (const Write *a,
                const Write *b)
{
  if (a->hlc != b->hlc)
    return a->hlc > b->hlc ? 1 : -1;
  return strcmp (a->device, b->device);
}

/* Had the author of @later seen @earlier when it made @later? */
static gboolean
had_seen (const Write *later,
          const Write *earlier)
{
  return later->base < 0 ||
         later->base >= earlier->seq ||
         (g_strcmp0 (later->device, earlier->device) == 0 && later->hlc > earlier->hlc) ||
         (later->rule != NULL && g_strcmp0 (later->cause, earlier->op_id) == 0);
}

/* Every write of @field of the entity, in server order, each marked effective or
 * overridden; *@out_holder: the index of the write that holds the field now (-1: none). */
static GPtrArray *
field_writes (CrmStore    *store,
              const char  *entity,
              const char  *entity_id,
              const char  *field,
              gint        *out_holder,
              GError     **error)
{
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
  g_autofree char *path = g_strconcat ("$.", field, NULL);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT c.seq, c.op_id, " CRM_CHANGELOG_WORD ("c.device_n") ", c.hlc, coalesce (s.base, -1),"
    " json_extract (c.fields, ?3), c.cause, c.rule, " CRM_CHANGELOG_WORD ("c.actor_n")
    " FROM changelog c LEFT JOIN server_op s ON s.seq = c.seq"
    " WHERE c.entity_id = ?2 AND c.entity = ?1 AND json_type (c.fields, ?3) IS NOT NULL"
    " ORDER BY c.seq", error);
  gint holder = -1;
  int rc;

  *out_holder = -1;
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, entity);
  _crm_sql_bind_text_or_null (stmt, 2, entity_id);
  _crm_sql_bind_text_or_null (stmt, 3, path);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      Write *write = g_new0 (Write, 1);

      write->seq = sqlite3_column_int64 (stmt, 0);
      write->op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      write->device = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      write->hlc = (guint64) sqlite3_column_int64 (stmt, 3);
      write->base = sqlite3_column_int64 (stmt, 4);
      write->value = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      write->cause = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      write->rule = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      write->actor = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      if (write->device == NULL)
        write->device = g_strdup ("");
      g_ptr_array_add (writes, write);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a field's history");
      return NULL;
    }

  for (guint i = 0; i < writes->len; i++)
    {
      Write *write = writes->pdata[i];
      Write *held = holder >= 0 ? writes->pdata[holder] : NULL;

      if (held == NULL || compare_clocks (write, held) > 0)
        {
          write->effective = TRUE;
          if (held != NULL && g_strcmp0 (held->value, write->value) != 0 &&
              !had_seen (write, held))
            held->overridden = TRUE;
          holder = (gint) i;
        }
      else if (g_strcmp0 (held->value, write->value) != 0)
        write->overridden = TRUE;
    }
  *out_holder = holder;
  return g_steal_pointer (&writes);
}

/* The first write of the run that leads to the current value: going back from the
 * holder over the writes that took effect, while they wrote the same value or a rule
 * wrote the later one in reaction to the earlier. */
static gint
run_start (GPtrArray *writes,
           gint       holder)
{
  gint start = holder;

  for (gint i = holder - 1; i >= 0; i--)
    {
      Write *write = writes->pdata[i];
      Write *first = writes->pdata[start];

      if (!write->effective)
        continue;
      if (g_strcmp0 (write->value, first->value) != 0 &&
          !(first->rule != NULL && g_strcmp0 (first->cause, write->op_id) == 0))
        break;
      start = i;
    }
  return start;
}

/* Had the pushed @op (made on @base) seen every write of the run from @start to
 * @holder? Seeing its first is enough: the rest followed from it. */
static gboolean
op_saw_run (const CrmOp *op,
            gint64       base,
            GPtrArray   *writes,
            gint         start,
            gint         holder)
{
  Write *first = writes->pdata[start];

  if (base >= first->seq)
    return TRUE;
  for (gint i = start; i <= holder; i++)
    {
      Write *write = writes->pdata[i];

      /* the device's own earlier write (its ops reach the server in the order it made
       * them), whatever its clock: the server may have re-stamped it (a close that won
       * over a move: _crm_ledger_close_must_win) above what the device's later ops carry */
      if (write->effective && g_strcmp0 (write->device, op->device) == 0)
        return TRUE;
    }
  return FALSE;
}

static char *
stage_kind (CrmStore   *store,
            const char *stage_id)
{
  return stage_id != NULL ? _crm_store_dup_column (store, "stage", stage_id, "kind") : NULL;
}

static gboolean
is_closed_kind (const char *kind)
{
  return g_strcmp0 (kind, "won") == 0 || g_strcmp0 (kind, "lost") == 0;
}

static const char *
op_stage (const CrmOp *op)
{
  if (g_strcmp0 (op->entity, "deal") != 0)
    return NULL;
  return crm_json_string (op->fields, "stage");
}

/* What the deal's stage history says about a pushed op that moves it: whether the
 * stage it has now comes from a close (won or lost) and whether the op's author had seen
 * how the deal came to it. FALSE when the op does not change the deal's stage. */
static gboolean
stage_situation (CrmLedgerRun  *push,
                 const CrmOp   *op,
                 gboolean      *out_closed,
                 gboolean      *out_seen,
                 gboolean      *out_same)
{
  const char *target = op_stage (op);
  g_autoptr(GPtrArray) writes = NULL;
  gint holder = -1, start;
  Write *held;

  *out_closed = FALSE;
  *out_seen = TRUE;
  if (target == NULL)
    return FALSE;
  writes = field_writes (push->store, "deal", op->entity_id, "stage", &holder, NULL);
  if (writes == NULL || holder < 0)
    return FALSE;
  held = writes->pdata[holder];
  *out_same = g_strcmp0 (held->value, target) == 0;
  start = run_start (writes, holder);
  for (gint i = start; i <= holder; i++)
    {
      Write *write = writes->pdata[i];
      g_autofree char *kind = write->effective ? stage_kind (push->store, write->value) : NULL;

      if (is_closed_kind (kind))
        *out_closed = TRUE;
    }
  *out_seen = op_saw_run (op, push->base, writes, start, holder);
  return TRUE;
}

/* Is the entity deleted, and by an op of the server's own (an effect withdrawn, or the
 * empty row a refused creation leaves: reject() in crm-ledger.c) rather than by a person? */
static gboolean
deleted_by_server (CrmStore   *store,
                   const char *entity,
                   const char *entity_id)
{
  g_autoptr(GPtrArray) writes = NULL;
  gint holder = -1;

  writes = field_writes (store, entity, entity_id, "deleted", &holder, NULL);
  return writes != NULL && holder >= 0 &&
         g_strcmp0 (((Write *) writes->pdata[holder])->value, "1") == 0 &&
         g_strcmp0 (((Write *) writes->pdata[holder])->device,
                    crm_store_get_device_id (store)) == 0;
}

/* Does @op give the deal another loss reason than it has? */
static gboolean
changes_loss_reason (JsonObject  *current,
                     const CrmOp *op)
{
  JsonNode *node = json_object_get_member (op->fields, "loss_reason");
  const char *mine, *kept;

  if (node == NULL)
    return FALSE;
  mine = crm_json_node_string (node);
  kept = json_object_get_string_member_with_default (current, "loss_reason", NULL);
  return g_strcmp0 (mine, kept) != 0;
}

gboolean
_crm_ledger_check_business (CrmLedgerRun  *push,
                            const CrmOp   *op,
                            char         **out_code,
                            char         **out_message)
{
  g_autoptr(JsonObject) current = NULL;
  gboolean closed = FALSE, seen = TRUE, same = FALSE;

  if (crm_schema_lookup (op->entity) == NULL)
    return TRUE;
  current = crm_store_dup_entity (push->store, op->entity, op->entity_id);
  if (current == NULL)
    return TRUE;

  /* deleted against edited: it stays deleted — except a card merged into another
   * (crm-duplicates.c), whose edits follow it to the survivor, and a follow-up deal a
   * rule makes (or re-touches) where the server removed one of the same id (an earlier
   * close's, refused or withdrawn): it follows its own trigger (restore_effects) */
  if (json_object_get_boolean_member_with_default (current, "deleted", FALSE) &&
      !json_object_has_member (op->fields, "deleted") &&
      json_object_get_string_member_with_default (current, "merged_into", NULL) == NULL &&
      !(op->rule != NULL && deleted_by_server (push->store, op->entity, op->entity_id)))
    {
      g_autoptr(GPtrArray) writes = NULL;
      gint holder = -1;

      writes = field_writes (push->store, op->entity, op->entity_id, "deleted", &holder, NULL);
      if (writes != NULL && holder >= 0 &&
          !op_saw_run (op, push->base, writes, run_start (writes, holder), holder))
        {
          *out_code = g_strdup ("deleted");
          *out_message = g_strdup (_("It was deleted on another device before this change "
                                     "reached the server; it stays deleted (restore it from "
                                     "the deleted items and make the change again)"));
          return FALSE;
        }
    }

  /* closing wins over a stale move; of a win and a loss, the first stands — and of two
   * losses, the first with its reason (the rules that fired on it depend on it) */
  if (stage_situation (push, op, &closed, &seen, &same) && closed && !seen &&
      (!same || changes_loss_reason (current, op)))
    {
      *out_code = g_strdup ("deal-closed");
      *out_message = g_strdup (_("The deal was already closed: it was won or lost on another "
                                 "device before this change reached the server; reopen it if "
                                 "the work goes on"));
      return FALSE;
    }
  return TRUE;
}

/* Must the pushed stage write @op take the server's clock so as not to lose the field to
 * the write that holds it now? Two cases, where the clocks would give the field to the
 * other write:
 *   - a close (won or lost) of a deal that is open, made without having seen the write
 *     that holds the stage: closing wins over a stale move — also over a write of the
 *     stage the deal already had (a laptop moving it "again" to where it is, after its
 *     reopening), which the close's author had not seen even when it had seen the run's
 *     first write;
 *   - a write whose author had seen the holder (pulled it, or made it: its own close the
 *     server re-stamped above the clocks of the reopening that followed it). */
gboolean
_crm_ledger_close_must_win (CrmLedgerRun *push,
                            const CrmOp  *op)
{
  g_autofree char *kind = stage_kind (push->store, op_stage (op));
  g_autoptr(GPtrArray) writes = NULL;
  gboolean closed = FALSE, seen = TRUE, same = FALSE;
  gint holder = -1;
  Write *held;

  if (!stage_situation (push, op, &closed, &seen, &same) || same)
    return FALSE;
  writes = field_writes (push->store, "deal", op->entity_id, "stage", &holder, NULL);
  if (writes == NULL || holder < 0)
    return FALSE;
  held = writes->pdata[holder];
  /* the op wins by its own clock */
  if (op->hlc > held->hlc ||
      (op->hlc == held->hlc && g_strcmp0 (op->device, held->device) > 0))
    return FALSE;
  if (push->base >= held->seq || g_strcmp0 (op->device, held->device) == 0)
    return TRUE;
  return is_closed_kind (kind) && !closed;
}

/* Was the deal stage write @op_id overridden: did it lose the stage to a write made
 * without seeing it? (What a rule made in reaction to it is then withdrawn, and is no
 * reason to refuse the same rule's effect of a later trigger as a duplicate.) */
gboolean
_crm_ledger_trigger_overridden (CrmStore   *store,
                                const char *deal_id,
                                const char *op_id)
{
  g_autoptr(GPtrArray) writes = NULL;
  gint holder = -1;

  writes = field_writes (store, "deal", deal_id, "stage", &holder, NULL);
  if (writes == NULL)
    return FALSE;
  for (guint i = 0; i < writes->len; i++)
    if (g_strcmp0 (((Write *) writes->pdata[i])->op_id, op_id) == 0)
      return ((Write *) writes->pdata[i])->overridden;
  return FALSE;
}

/* --- rule effects follow their trigger ------------------------------------------------- */

typedef struct {
  char *entity;
  char *entity_id;
} Effect;

static void
effect_free (Effect *effect)
{
  g_free (effect->entity);
  g_free (effect->entity_id);
  g_free (effect);
}

/* The entities rules created in reaction to @cause, and to those rules' own ops, on. */
static gboolean
collect_effects (CrmStore    *store,
                 const char  *cause,
                 GHashTable  *seen_ops,
                 GPtrArray   *effects,
                 guint        depth,
                 GError     **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  sqlite3_stmt *stmt;
  int rc;

  if (depth > 16)
    return TRUE;
  stmt = _crm_store_prepare (store,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS ", (SELECT min (f.seq) FROM changelog f"
    " WHERE f.entity_id = c.entity_id AND f.entity = c.entity) = c.seq"
    " FROM changelog c WHERE c.rule IS NOT NULL AND c.cause = ?1", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, cause);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      CrmOp *op = _crm_op_from_changelog_row (stmt);

      op->created = sqlite3_column_int (stmt, 10) != 0;
      g_ptr_array_add (ops, op);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a rule's effects");
      return FALSE;
    }
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];

      if (!g_hash_table_add (seen_ops, g_strdup (op->op_id)))
        continue;
      /* what the rule made, or brought back (a follow-up deal undeleted by a close
       * made again: crm-rule-actions.c) */
      if (op->created || json_object_has_member (op->fields, "created_at") ||
          (json_object_has_member (op->fields, "deleted") &&
           !json_object_get_boolean_member (op->fields, "deleted")))
        {
          Effect *effect = g_new0 (Effect, 1);

          effect->entity = g_strdup (op->entity);
          effect->entity_id = g_strdup (op->entity_id);
          g_ptr_array_add (effects, effect);
        }
      if (!collect_effects (store, op->op_id, seen_ops, effects, depth + 1, error))
        return FALSE;
    }
  return TRUE;
}

/* Did a rule make or re-touch @effect in reaction to one of @standing (op ids of the
 * deal's stage writes that hold, or were seen by what holds)? A follow-up deal's id comes
 * from (rule, deal): a close made again re-touches the one an earlier close made, and
 * it stands with the close that holds, whatever becomes of the earlier one. */
static gboolean
kept_by_standing (CrmStore     *store,
                  const Effect *effect,
                  GHashTable   *standing)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT cause FROM changelog WHERE entity_id = ?2 AND entity = ?1 AND rule IS NOT NULL"
    " AND cause IS NOT NULL", NULL);
  gboolean kept = FALSE;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, effect->entity);
  _crm_sql_bind_text_or_null (stmt, 2, effect->entity_id);
  while (!kept && _crm_store_step (store, stmt) == SQLITE_ROW)
    kept = g_hash_table_contains (standing, sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return kept;
}

/* Does @effect still stand, to be withdrawn: not deleted, a task not done, and not kept
 * by a close that stands? */
static gboolean
to_withdraw (CrmStore     *store,
             const Effect *effect,
             GHashTable   *standing)
{
  g_autoptr(JsonObject) current = crm_store_dup_entity (store, effect->entity, effect->entity_id);

  if (current == NULL || json_object_get_boolean_member_with_default (current, "deleted", FALSE))
    return FALSE;
  if (g_str_equal (effect->entity, "task") &&
      json_object_get_boolean_member_with_default (current, "done", FALSE))
    return FALSE;
  if (!g_str_equal (effect->entity, "task") && !g_str_equal (effect->entity, "deal"))
    return FALSE;
  return !kept_by_standing (store, effect, standing);
}

/* The compensating change of one withdrawn effect, when it still stands. */
static void
withdraw (CrmStore      *store,
          CrmChangeset  *changeset,
          const Effect  *effect,
          gboolean       was_close,
          GHashTable    *standing)
{
  CrmChange *change;

  if (!to_withdraw (store, effect, standing))
    return;
  if (g_str_equal (effect->entity, "task"))
    {
      change = crm_changeset_touch (changeset, "task", effect->entity_id);
      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_int (change, "done_at", crm_store_get_now (store));
      crm_change_set_string (change, "result",
                             was_close ? _("cancelled: the deal was not closed")
                                       : _("cancelled: the change that set it was overridden"));
    }
  else if (g_str_equal (effect->entity, "deal"))
    {
      change = crm_changeset_touch (changeset, "deal", effect->entity_id);
      crm_change_set_bool (change, "deleted", TRUE);
    }
}

/* What a task closed because its deal left the stage says as its result (as
 * crm-rule-process.c writes it: data, the same words on every replica). */
#define CLOSED_WITH_STAGE "закрыта вместе с этапом"

/* The auto-tasks the overridden deal op @op_id closed «закрыта вместе с этапом» (ops of
 * the move itself: its cause, no rule) come back when the deal is again at the stage they
 * were made for and nothing else finished them since: the move that closed them did not
 * hold. A task someone completed, or one whose close a later write holds (the winning
 * move closed it too, or the deal left that stage anyway), stays as it is. */
static gboolean
restore_stage_tasks (CrmStore      *store,
                     CrmChangeset  *changeset,
                     const char    *deal_id,
                     const char    *op_id,
                     GError       **error)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *stage = _crm_store_dup_column (store, "deal", deal_id, "stage");
  g_autofree char *kind = stage_kind (store, stage);
  sqlite3_stmt *stmt;
  int rc;

  if (stage == NULL || is_closed_kind (kind))
    return TRUE;
  stmt = _crm_store_prepare (store,
    "SELECT DISTINCT c.entity_id FROM changelog c JOIN task t ON t.id = c.entity_id"
    " WHERE c.cause = ?1 AND c.rule IS NULL AND c.entity = 'task'"
    " AND json_extract (c.fields, '$.result') = ?2"
    " AND t.deal = ?3 AND t.done = 1 AND t.deleted = 0 AND t.result = ?2"
    " AND json_extract (t.data, '$.auto_stage') = ?4", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, op_id);
  _crm_sql_bind_text_or_null (stmt, 2, CLOSED_WITH_STAGE);
  _crm_sql_bind_text_or_null (stmt, 3, deal_id);
  _crm_sql_bind_text_or_null (stmt, 4, stage);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (tasks, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the tasks a move closed");
      return FALSE;
    }
  for (guint i = 0; i < tasks->len; i++)
    {
      g_autoptr(GPtrArray) writes = NULL;
      gint holder = -1;
      CrmChange *change;

      writes = field_writes (store, "task", tasks->pdata[i], "done", &holder, error);
      if (writes == NULL)
        return FALSE;
      /* the close the overridden move wrote is the one that holds */
      if (holder < 0 || ((Write *) writes->pdata[holder])->rule != NULL ||
          g_strcmp0 (((Write *) writes->pdata[holder])->cause, op_id) != 0)
        continue;
      change = crm_changeset_touch (changeset, "task", tasks->pdata[i]);
      crm_change_set_bool (change, "done", FALSE);
      crm_change_set_null (change, "done_at");
      crm_change_set_null (change, "result");
    }
  return TRUE;
}

/* A follow-up deal of a close that stands, which the server removed — withdrawn with an
 * earlier close of the deal, or the empty row the refusal of an earlier close's creation
 * left (the follow-up's id comes from (rule, deal), so both closes made the same deal):
 * it comes back, with the values the standing close's rule gave it where the server's
 * row has none. */
static gboolean
restore_effect (CrmStore      *store,
                CrmChangeset  *changeset,
                const Effect  *effect,
                GHashTable    *standing,
                GError       **error)
{
  g_autoptr(JsonObject) current = NULL;
  g_autoptr(CrmOp) made = NULL;
  g_autoptr(GList) members = NULL;
  sqlite3_stmt *stmt;
  CrmChange *change;
  int rc;

  if (!g_str_equal (effect->entity, "deal") ||
      !deleted_by_server (store, effect->entity, effect->entity_id))
    return TRUE;
  current = crm_store_dup_entity (store, effect->entity, effect->entity_id);
  if (current == NULL)
    return TRUE;
  /* the standing close's own op on it: its values fill what the server's row lacks */
  stmt = _crm_store_prepare (store,
    "SELECT " CRM_CHANGELOG_OP_COLUMNS " FROM changelog"
    " WHERE entity_id = ?2 AND entity = ?1 AND rule IS NOT NULL ORDER BY seq DESC", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, effect->entity);
  _crm_sql_bind_text_or_null (stmt, 2, effect->entity_id);
  while (made == NULL && (rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      g_autoptr(CrmOp) op = _crm_op_from_changelog_row (stmt);

      if (op->cause != NULL && g_hash_table_contains (standing, op->cause))
        made = g_steal_pointer (&op);
    }
  sqlite3_reset (stmt);
  if (made == NULL)
    return TRUE;
  change = crm_changeset_touch (changeset, effect->entity, effect->entity_id);
  members = json_object_get_members (made->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *mine = json_object_get_member (made->fields, l->data);
      JsonNode *kept = json_object_get_member (current, l->data);

      if (g_str_equal (l->data, "deleted") || JSON_NODE_HOLDS_NULL (mine) ||
          (kept != NULL && !JSON_NODE_HOLDS_NULL (kept)))
        continue;
      crm_change_set_node (change, l->data, json_node_copy (mine));
    }
  crm_change_set_bool (change, "deleted", FALSE);
  return TRUE;
}

gboolean
_crm_ledger_withdraw_effects (CrmStore   *store,
                              GPtrArray  *deal_ids,
                              guint      *out_withdrawn,
                              GError    **error)
{
  g_autoptr(GHashTable) done_deals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen_ops = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(CrmChangeset) deletions = NULL;
  g_autoptr(GError) apply_error = NULL;

  *out_withdrawn = 0;
  for (guint d = 0; d < deal_ids->len; d++)
    {
      g_autoptr(GPtrArray) writes = NULL;
      g_autoptr(GHashTable) standing = g_hash_table_new (g_str_hash, g_str_equal);
      gint holder = -1;

      if (!g_hash_table_add (done_deals, g_strdup (deal_ids->pdata[d])))
        continue;
      writes = field_writes (store, "deal", deal_ids->pdata[d], "stage", &holder, error);
      if (writes == NULL)
        return FALSE;
      for (guint i = 0; i < writes->len; i++)
        if (!((Write *) writes->pdata[i])->overridden)
          g_hash_table_add (standing, ((Write *) writes->pdata[i])->op_id);
      /* what a close that stands made, and the server removed, comes back */
      for (guint i = 0; i < writes->len; i++)
        {
          Write *write = writes->pdata[i];
          g_autoptr(GPtrArray) effects = NULL;
          g_autoptr(GHashTable) visited = NULL;

          if (write->overridden)
            continue;
          effects = g_ptr_array_new_with_free_func ((GDestroyNotify) effect_free);
          visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          if (!collect_effects (store, write->op_id, visited, effects, 0, error))
            return FALSE;
          for (guint e = 0; e < effects->len; e++)
            if (!restore_effect (store, changeset, effects->pdata[e], standing, error))
              return FALSE;
        }
      for (guint i = 0; i < writes->len; i++)
        {
          Write *write = writes->pdata[i];
          g_autoptr(GPtrArray) effects = NULL;
          g_autofree char *kind = NULL;

          if (!write->overridden)
            continue;
          effects = g_ptr_array_new_with_free_func ((GDestroyNotify) effect_free);
          if (!collect_effects (store, write->op_id, seen_ops, effects, 0, error))
            return FALSE;
          kind = stage_kind (store, write->value);
          for (guint e = 0; e < effects->len; e++)
            withdraw (store, changeset, effects->pdata[e], is_closed_kind (kind), standing);
          if (!restore_stage_tasks (store, changeset, deal_ids->pdata[d], write->op_id, error))
            return FALSE;
        }
    }
  if (crm_changeset_get_n_changes (changeset) == 0)
    return TRUE;
  g_debug ("Withdrawing %u effects of overridden changes",
           crm_changeset_get_n_changes (changeset));
  if (crm_store_apply (store, changeset, &apply_error))
    {
      *out_withdrawn = crm_changeset_get_n_changes (changeset);
      return TRUE;
    }
  /* the disk full, an I/O error: nothing written, said to the caller (who notes it and
   * tries again later: crm-ledger.c), never turned into deletions */
  if (crm_error_is_storage (apply_error))
    {
      g_propagate_error (error, g_steal_pointer (&apply_error));
      return FALSE;
    }
  /* a gate refused closing a task (the deal's last open one, where a pipeline needs
   * one): the tasks are deleted instead (those given back stay given back) */
  deletions = crm_changeset_new ();
  for (guint i = 0; i < crm_changeset_get_n_changes (changeset); i++)
    {
      CrmChange *change = crm_changeset_get_change (changeset, i);
      CrmChange *kept;

      /* a follow-up brought back stays brought back */
      if (json_object_has_member (change->fields, "deleted") &&
          !json_object_get_boolean_member (change->fields, "deleted"))
        {
          g_autoptr(GList) members = json_object_get_members (change->fields);

          kept = crm_changeset_touch (deletions, change->entity, change->entity_id);
          for (GList *l = members; l != NULL; l = l->next)
            crm_change_set_node (kept, l->data,
                                 json_node_copy (json_object_get_member (change->fields, l->data)));
          continue;
        }
      /* a task given back to its stage stays given back */
      if (json_object_has_member (change->fields, "done") &&
          !json_object_get_boolean_member (change->fields, "done"))
        {
          kept = crm_changeset_touch (deletions, change->entity, change->entity_id);
          crm_change_set_bool (kept, "done", FALSE);
          crm_change_set_null (kept, "done_at");
          crm_change_set_null (kept, "result");
          continue;
        }
      crm_change_set_bool (crm_changeset_touch (deletions, change->entity, change->entity_id),
                           "deleted", TRUE);
    }
  if (!crm_store_apply (store, deletions, error))
    return FALSE;
  *out_withdrawn = crm_changeset_get_n_changes (deletions);
  return TRUE;
}

/* What withdrawing would do, without doing it: for each stage write of @actor (NULL:
 * anyone's) that was overridden on the deals @deal_ids and whose rule effects still
 * stand, {"op": the write, "deal", "stage": the stage it wrote, "effects": how many}. */
gboolean
_crm_ledger_effects_to_withdraw (CrmStore    *store,
                                 GPtrArray   *deal_ids,
                                 const char  *actor,
                                 JsonArray   *out,
                                 GError     **error)
{
  g_autoptr(GHashTable) done_deals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint d = 0; d < deal_ids->len; d++)
    {
      g_autoptr(GPtrArray) writes = NULL;
      g_autoptr(GHashTable) standing = g_hash_table_new (g_str_hash, g_str_equal);
      gint holder = -1;

      if (!g_hash_table_add (done_deals, g_strdup (deal_ids->pdata[d])))
        continue;
      writes = field_writes (store, "deal", deal_ids->pdata[d], "stage", &holder, error);
      if (writes == NULL)
        return FALSE;
      for (guint i = 0; i < writes->len; i++)
        if (!((Write *) writes->pdata[i])->overridden)
          g_hash_table_add (standing, ((Write *) writes->pdata[i])->op_id);
      for (guint i = 0; i < writes->len; i++)
        {
          Write *write = writes->pdata[i];
          g_autoptr(GPtrArray) effects = NULL;
          g_autoptr(GHashTable) visited = NULL;
          gint64 n = 0;

          if (!write->overridden || (actor != NULL && g_strcmp0 (write->actor, actor) != 0))
            continue;
          effects = g_ptr_array_new_with_free_func ((GDestroyNotify) effect_free);
          visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          if (!collect_effects (store, write->op_id, visited, effects, 0, error))
            return FALSE;
          for (guint e = 0; e < effects->len; e++)
            if (to_withdraw (store, effects->pdata[e], standing))
              n++;
          if (n > 0)
            {
              JsonObject *item = json_object_new ();

              json_object_set_string_member (item, "op", write->op_id);
              json_object_set_string_member (item, "deal", deal_ids->pdata[d]);
              if (write->value != NULL)
                json_object_set_string_member (item, "stage", write->value);
              else
                json_object_set_null_member (item, "stage");
              json_object_set_int_member (item, "effects", n);
              json_array_add_object_element (out, item);
            }
        }
    }
  return TRUE;
}
