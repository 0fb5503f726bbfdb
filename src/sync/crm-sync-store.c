/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-store.c — the replica side of sync (see crm-sync-store.h). Each call is one
 * SQLite transaction, so a client killed at any point leaves the replica either before
 * or after a step: a page merged with its cursor, a push answer taken as a whole. */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-sync-store.h"
#include "crm-hlc.h"
#include "crm-json-private.h"
#include "crm-store-private.h"
#include "crm-store-sync-private.h"
#include "crm-sync-state.h"
#include "crm-time.h"

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static gboolean
step_done (CrmStore      *store,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _crm_store_set_sql_error (store, error, what);
      return FALSE;
    }
  return TRUE;
}

static gint64
query_int (CrmStore   *store,
           const char *sql)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, NULL);
  gint64 value = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return value;
}

static char *
to_text (JsonNode *node)
{
  return node != NULL ? crm_json_to_canonical (node) : g_strdup ("null");
}

/* --- outbox ----------------------------------------------------------------------------- */

#define OP_COLUMNS CRM_CHANGELOG_OP_COLUMNS

static GPtrArray *
collect (CrmStore      *store,
         sqlite3_stmt  *stmt,
         GError       **error)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ops, _crm_op_from_changelog_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "reading the outbox");
      return NULL;
    }
  return g_steal_pointer (&ops);
}

GPtrArray *
crm_sync_store_dup_outbox (CrmStore  *store,
                           guint      limit,
                           GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT " OP_COLUMNS " FROM changelog WHERE local = 1 AND pushed = 0 ORDER BY seq LIMIT ?1",
    error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  return collect (store, stmt, error);
}

gint64
crm_sync_store_count_outbox (CrmStore *store)
{
  return query_int (store, "SELECT count (*) FROM changelog WHERE local = 1 AND pushed = 0");
}

gint64
crm_sync_store_get_cursor (CrmStore *store)
{
  g_autofree char *text = crm_store_dup_meta (store, "sync.cursor");

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
}

gboolean
crm_sync_store_is_empty (CrmStore *store)
{
  return crm_store_get_log_length (store) == 0;
}

static gboolean
set_cursor (CrmStore  *store,
            gint64     cursor,
            GError   **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);

  return crm_store_set_meta (store, "sync.cursor", text, error);
}

/* --- conflict records -------------------------------------------------------------------- */

static gboolean
insert_conflict (CrmStore     *store,
                 const char   *entity,
                 const char   *entity_id,
                 const char   *field,
                 JsonNode     *local_value,
                 JsonNode     *remote_value,
                 guint64       local_hlc,
                 guint64       remote_hlc,
                 const char   *remote_device,
                 const char   *remote_actor,
                 GError      **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "INSERT INTO conflict (entity, entity_id, field, local_value, remote_value, local_hlc,"
    " remote_hlc, remote_device, remote_actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8, ?9, ?10)", error);
  g_autofree char *local_text = to_text (local_value);
  g_autofree char *remote_text = to_text (remote_value);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, entity_id);
  bind_text (stmt, 3, field);
  bind_text (stmt, 4, local_text);
  bind_text (stmt, 5, remote_text);
  sqlite3_bind_int64 (stmt, 6, (gint64) local_hlc);
  sqlite3_bind_int64 (stmt, 7, (gint64) remote_hlc);
  bind_text (stmt, 8, remote_device);
  bind_text (stmt, 9, remote_actor);
  sqlite3_bind_int64 (stmt, 10, crm_store_get_now (store));
  return step_done (store, stmt, "recording a conflict", error);
}

/* --- push answers ------------------------------------------------------------------------ */

static gboolean
mark_pushed (CrmStore    *store,
             const char  *op_id,
             gint64       pushed,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "UPDATE changelog SET pushed = ?2 WHERE op_id = ?1 AND local = 1", error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, op_id);
  sqlite3_bind_int64 (stmt, 2, pushed);
  return step_done (store, stmt, "acknowledging an op", error);
}

static gboolean
record_rejection (CrmStore             *store,
                  const CrmOp          *op,
                  const CrmPushResult  *result,
                  GError              **error)
{
  g_autofree char *actor = g_strconcat (CRM_SYNC_REJECTED_PREFIX, result->code, NULL);
  g_autoptr(GList) members = json_object_get_members (op->fields);

  for (GList *l = members; l != NULL; l = l->next)
    if (!insert_conflict (store, op->entity, op->entity_id, l->data,
                          json_object_get_member (op->fields, l->data),
                          result->values ? json_object_get_member (result->values, l->data) : NULL,
                          op->hlc, result->corrective ? result->corrective->hlc : 0,
                          result->corrective ? result->corrective->device : NULL, actor, error))
      return FALSE;
  return TRUE;
}

gboolean
crm_sync_store_apply_push (CrmStore   *store,
                           GPtrArray  *ops,
                           GPtrArray  *results,
                           guint64     server_hlc,
                           guint      *out_rejected,
                           GError    **error)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  guint rejected = 0;

  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_hash_table_insert (by_id, op->op_id, op);
    }
  if (!_crm_store_begin (store, error))
    return FALSE;
  if (server_hlc != 0)
    _crm_store_absorb_hlc (store, server_hlc);
  for (guint i = 0; i < results->len; i++)
    {
      CrmPushResult *result = results->pdata[i];
      CrmOp *op = g_hash_table_lookup (by_id, result->op_id);
      gboolean ok;

      if (op == NULL)
        continue;   /* the server answered about an op we did not send: ignore it */
      if (result->accepted)
        ok = mark_pushed (store, op->op_id, result->seq, error) &&
             (result->hlc == op->hlc || _crm_store_restamp_op (store, op->op_id, result->hlc, error)) &&
             crm_sync_state_set_stamp (store, op->op_id, result->seq, result->stamp,
                                       result->actor, error);
      else
        {
          /* the op's clock drops to zero, so it loses to every other write of its
           * fields, the server's corrective op included — even when its own clock ran
           * ahead of the server's */
          rejected++;
          ok = mark_pushed (store, op->op_id, -1, error) &&
               _crm_store_restamp_op (store, op->op_id, 0, error) &&
               (result->corrective == NULL ||
                _crm_store_merge_op (store, result->corrective, FALSE, NULL, NULL, error)) &&
               record_rejection (store, op, result, error);
        }
      if (!ok)
        {
          _crm_store_rollback (store);
          return FALSE;
        }
    }
  if (!_crm_store_commit (store, error))
    return FALSE;
  if (out_rejected != NULL)
    *out_rejected = rejected;
  return TRUE;
}

/* --- pull pages ---------------------------------------------------------------------------- */

/* Records a lost edit when @op overwrote a field this device wrote and its author had not
 * seen that write: our op was not acknowledged yet, or the author's base is before the
 * server sequence our op got. */
static gboolean
check_conflicts (CrmStore     *store,
                 const CrmOp  *op,
                 gint64        base,
                 JsonObject   *previous,
                 guint        *out_conflicts,
                 GError      **error)
{
  const char *me = crm_store_get_device_id (store);
  JsonObject *clocks = json_object_get_object_member (previous, "clocks");
  JsonObject *values = json_object_get_object_member (previous, "values");
  g_autoptr(GList) members = clocks ? json_object_get_members (clocks) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      const char *clock = json_object_get_string_member_with_default (clocks, field, NULL);
      const char *space = clock ? strchr (clock, ' ') : NULL;
      g_autofree char *hex = NULL;
      guint64 local_hlc = 0;
      sqlite3_stmt *stmt;
      gint64 pushed = 0;
      gboolean found = FALSE;
      JsonNode *old_value = values ? json_object_get_member (values, field) : NULL;
      JsonNode *new_value = json_object_get_member (op->fields, field);

      if (space == NULL || g_strcmp0 (space + 1, me) != 0)
        continue;
      hex = g_strndup (clock, space - clock);
      if (!crm_hlc_parse (hex, &local_hlc))
        continue;
      if (old_value != NULL && new_value != NULL)
        {
          g_autofree char *a = crm_json_to_canonical (old_value);
          g_autofree char *b = crm_json_to_canonical (new_value);

          if (g_str_equal (a, b))
            continue;   /* same value: nothing was lost */
        }
      stmt = _crm_store_prepare (store,
        "SELECT pushed FROM changelog WHERE entity_id = ?1 AND hlc = ?2 AND device = ?3"
        " AND local = 1 LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, op->entity_id);
      sqlite3_bind_int64 (stmt, 2, (gint64) local_hlc);
      bind_text (stmt, 3, me);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          found = TRUE;
          pushed = sqlite3_column_int64 (stmt, 0);
        }
      sqlite3_reset (stmt);
      if (!found || pushed < 0 || (pushed > 0 && base >= pushed))
        continue;   /* a rejected op, or an edit made after seeing ours */
      if (!insert_conflict (store, op->entity, op->entity_id, field, old_value, new_value,
                            local_hlc, op->hlc, op->device, op->actor, error))
        return FALSE;
      (*out_conflicts)++;
    }
  return TRUE;
}

gboolean
crm_sync_store_apply_page (CrmStore     *store,
                           CrmPullPage  *page,
                           guint        *out_merged,
                           guint        *out_conflicts,
                           GError      **error)
{
  const char *me = crm_store_get_device_id (store);
  guint merged = 0, conflicts = 0;

  if (!_crm_store_begin (store, error))
    return FALSE;
  if (page->hlc != 0)
    _crm_store_absorb_hlc (store, page->hlc);
  for (guint i = 0; i < page->ops->len; i++)
    {
      CrmOp *op = page->ops->pdata[i];
      gint64 base = g_array_index (page->bases, gint64, i);
      g_autoptr(JsonObject) previous = NULL;
      gboolean known = FALSE;

      if (!_crm_store_merge_op (store, op, FALSE, &known,
                                g_strcmp0 (op->device, me) != 0 ? &previous : NULL, error))
        goto fail;
      if (known && g_strcmp0 (op->device, me) == 0)
        {
          /* our own op, pushed before a crash lost the answer: acknowledge it now */
          sqlite3_stmt *stmt = _crm_store_prepare (store,
            "UPDATE changelog SET pushed = ?2 WHERE op_id = ?1 AND local = 1 AND pushed = 0",
            error);
          if (stmt == NULL)
            goto fail;
          bind_text (stmt, 1, op->op_id);
          sqlite3_bind_int64 (stmt, 2, op->seq);
          if (!step_done (store, stmt, "acknowledging an op", error))
            goto fail;
        }
      /* an op known already (ours, or one received twice) takes the server's number and
       * stamp, which a restored server needs to take it back */
      if (known && !crm_sync_state_set_stamp (store, op->op_id, op->seq, op->stamp, op->actor,
                                              error))
        goto fail;
      if (!known)
        merged++;
      if (previous != NULL && !check_conflicts (store, op, base, previous, &conflicts, error))
        goto fail;
    }
  if (!set_cursor (store, page->next, error))
    goto fail;
  if (!_crm_store_commit (store, error))
    return FALSE;   /* it rolled back */
  if (out_merged != NULL)
    *out_merged = merged;
  if (out_conflicts != NULL)
    *out_conflicts = conflicts;
  return TRUE;

fail:
  _crm_store_rollback (store);
  return FALSE;
}

gboolean
crm_sync_store_mark_synced (CrmStore  *store,
                            guint64    server_hlc,
                            GError   **error)
{
  g_autofree char *now = crm_time_format (crm_time_now_ms ());

  return crm_store_set_meta (store, "sync.last", now, error);
}

/* --- listing conflicts --------------------------------------------------------------------- */

const char *
crm_sync_rejection_reason (const char *code,
                           const char *entity)
{
  static const char *const setup[] = {
    "pipeline", "stage", "field", "loss_reason", "user", NULL
  };

  if (g_strcmp0 (code, "permission-denied") == 0)
    {
      if (g_strcmp0 (entity, "rule") == 0)
        return _("Only an administrator can change automation rules");
      if (g_strcmp0 (entity, "deal") == 0 || g_strcmp0 (entity, "deal_tag") == 0 ||
          g_strcmp0 (entity, "deal_contact") == 0)
        return _("The deal belongs to another sales rep, or its number was changed; the server "
                 "kept its version");
      if (entity != NULL && g_strv_contains (setup, entity))
        return _("Only an administrator can change pipelines, stages, fields, loss reasons and "
                 "users");
      if (g_strcmp0 (entity, "task") == 0 || g_strcmp0 (entity, "note") == 0 ||
          g_strcmp0 (entity, "attachment") == 0)
        return _("It belongs to another sales rep's deal, task or client; the server kept its "
                 "version");
      if (g_strcmp0 (entity, "contact") == 0 || g_strcmp0 (entity, "company") == 0)
        return _("Another sales rep is responsible for this client; the server kept its version");
      return _("Your role does not allow this change, or it claimed another user's device; "
               "the server kept its version");
    }
  if (g_strcmp0 (code, "not-found") == 0)
    return _("It refers to something the server does not have (it was never sent, or was "
             "refused)");
  if (g_strcmp0 (code, "invalid-input") == 0)
    return _("A value is out of range or not of the right form (an amount above "
             "1 000 000 000.00, a name too long, …)");
  if (g_strcmp0 (code, "too-large") == 0)
    return _("The change is larger than 64 KiB; shorten the text or attach it as a file");
  if (g_strcmp0 (code, "loss-reason-required") == 0)
    return _("Closing a deal as lost needs a loss reason from the pipeline's list");
  if (g_strcmp0 (code, "required-field") == 0)
    return _("The stage needs fields filled in that were empty");
  if (g_strcmp0 (code, "next-task-required") == 0)
    return _("The deal would be left without an open task");
  if (g_strcmp0 (code, "call-result-required") == 0)
    return _("A call task is completed only with the call's result");
  if (g_strcmp0 (code, "attachment-required") == 0)
    return _("The stage needs a photo or file attached to the deal first");
  if (g_strcmp0 (code, "caused-by-rejected") == 0)
    return _("Made by automation in reaction to a change the server rejected");
  if (g_strcmp0 (code, "duplicate-automation") == 0)
    return _("Another device already ran this automation for the same change; its result "
             "was kept");
  return _("The server did not accept this change");
}

static char *
entity_title (CrmStore   *store,
              const char *entity,
              const char *entity_id)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (store, entity, entity_id);
  const char *members[] = { "title", "name", "text", NULL };

  for (guint i = 0; object != NULL && members[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (object, members[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
    }
  return NULL;
}

static void
set_json_text (JsonObject *object,
               const char *member,
               const char *text)
{
  JsonNode *node = text != NULL ? json_from_string (text, NULL) : NULL;

  json_object_set_member (object, member, node != NULL ? node : json_node_new (JSON_NODE_NULL));
}

JsonNode *
crm_sync_store_list_conflicts (CrmStore  *store,
                               gboolean   unseen_only,
                               GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, entity, entity_id, field, local_value, remote_value, remote_hlc, remote_device,"
    " remote_actor, seen, created_at FROM conflict WHERE seen = 0 OR ?1 = 0 ORDER BY id DESC",
    error);
  JsonArray *array;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, unseen_only ? 1 : 0);
  array = json_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      const char *entity = (const char *) sqlite3_column_text (stmt, 1);
      const char *entity_id = (const char *) sqlite3_column_text (stmt, 2);
      const char *actor = (const char *) sqlite3_column_text (stmt, 8);
      gboolean rejected = actor != NULL && g_str_has_prefix (actor, CRM_SYNC_REJECTED_PREFIX);
      g_autofree char *title = entity_title (store, entity, entity_id);
      g_autofree char *who = NULL;
      g_autofree char *when = NULL;

      if (!rejected && actor != NULL)
        who = _crm_store_dup_column (store, "user", actor, "name");
      when = crm_time_format (crm_hlc_physical ((guint64) sqlite3_column_int64 (stmt, 6)));
      json_object_set_int_member (item, "id", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (item, "kind", rejected ? "rejected" : "conflict");
      json_object_set_string_member (item, "entity", entity);
      json_object_set_string_member (item, "entity_id", entity_id);
      if (title != NULL)
        json_object_set_string_member (item, "title", title);
      else
        json_object_set_null_member (item, "title");
      json_object_set_string_member (item, "field", (const char *) sqlite3_column_text (stmt, 3));
      set_json_text (item, "local", (const char *) sqlite3_column_text (stmt, 4));
      set_json_text (item, "remote", (const char *) sqlite3_column_text (stmt, 5));
      if (rejected)
        {
          const char *code = actor + strlen (CRM_SYNC_REJECTED_PREFIX);

          json_object_set_string_member (item, "who", "server");
          json_object_set_string_member (item, "code", code);
          json_object_set_string_member (item, "reason", crm_sync_rejection_reason (code, entity));
        }
      else
        {
          json_object_set_string_member (item, "who", who ? who : actor ? actor : "");
          json_object_set_null_member (item, "code");
          json_object_set_null_member (item, "reason");
        }
      json_object_set_string_member (item, "device", (const char *) sqlite3_column_text (stmt, 7));
      json_object_set_string_member (item, "when", when);
      json_object_set_boolean_member (item, "seen", sqlite3_column_int (stmt, 9) != 0);
      json_array_add_object_element (array, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      json_array_unref (array);
      _crm_store_set_sql_error (store, error, "reading conflicts");
      return NULL;
    }
  return crm_json_node_take_array (array);
}

void
crm_sync_store_count_conflicts (CrmStore *store,
                                gint64   *out_conflicts,
                                gint64   *out_rejected)
{
  *out_conflicts = query_int (store,
    "SELECT count (*) FROM conflict WHERE seen = 0 AND (remote_actor IS NULL OR"
    " remote_actor NOT LIKE 'rejected:%')");
  *out_rejected = query_int (store,
    "SELECT count (*) FROM conflict WHERE seen = 0 AND remote_actor LIKE 'rejected:%'");
}

gboolean
crm_sync_store_mark_conflicts_seen (CrmStore  *store,
                                    GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, "UPDATE conflict SET seen = 1 WHERE seen = 0",
                                           error);

  return stmt != NULL && step_done (store, stmt, "marking conflicts seen", error);
}
