/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-schedule.c — the automation engine's part of work schedules (S2-7):
 *
 *   trigger "task_due_set"        a task gets a due time: it is created open with one, or
 *                                 its due time or responsible changes
 *   action "assign_on_shift"      {"group": G, "mode": "round_robin"|"least_loaded",
 *                                 "roles": ["rep"] (optional: only users of these roles)}: the
 *                                 deal goes to a member of G on shift now — in turn after
 *                                 the one this rule chose last, or to the one with the
 *                                 fewest open deals; nobody on shift: the one whose shift
 *                                 starts first. A deal a person made for a sales rep (a
 *                                 rep's own deal, made offline or not) stays theirs; one
 *                                 that came in at the server, has nobody, or that a head
 *                                 or admin entered for themselves is distributed.
 *   action "task_to_working_day"  {"max_days_off": 2, "notify": "group_head"}: a task due
 *                                 on its responsible's day off moves to their next working
 *                                 day, with a note on the deal saying so; when they are off
 *                                 more than max_days_off days in a row, their group's head
 *                                 is notified to hand the task over.
 *
 * Who gets a deal is decided once, by the replica where the deal was made — the server for
 * the leads it takes in (mail), the laptop for a deal made there — from replicated facts
 * only (schedules, the account's zone, deals, this rule's earlier choices in the
 * changelog), and written as an ordinary op of the rule: every replica then receives the
 * same responsible, whatever order they sync in. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"
#include "crm-error.h"
#include "crm-json.h"
#include "crm-rights.h"
#include "crm-schedule.h"
#include "crm-sql-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* --- the trigger ------------------------------------------------------------------------ */

gboolean
_crm_rule_schedule_trigger_matches (CrmRuleEngine  *engine,
                                    JsonObject     *trigger,
                                    const CrmOp    *op,
                                    char          **out_deal)
{
  JsonNode *done;

  *out_deal = NULL;
  /* days off given (or moved): the tasks already due inside them move (the action
   * goes through them; there is no one deal) */
  if (g_str_equal (op->entity, "schedule_exception"))
    {
      g_autofree char *kind = NULL;

      if (!op->created && !json_object_has_member (op->fields, "from_date") &&
          !json_object_has_member (op->fields, "to_date") &&
          !json_object_has_member (op->fields, "kind"))
        return FALSE;
      kind = _crm_store_dup_column (engine->store, "schedule_exception", op->entity_id, "kind");
      return g_strcmp0 (kind, "off") == 0;
    }
  if (!g_str_equal (op->entity, "task"))
    return FALSE;
  if (!json_object_has_member (op->fields, "due") &&
      !json_object_has_member (op->fields, "responsible"))
    return FALSE;
  done = json_object_get_member (op->fields, "done");
  if (done != NULL && JSON_NODE_HOLDS_VALUE (done) &&
      json_node_get_value_type (done) == G_TYPE_BOOLEAN && json_node_get_boolean (done))
    return FALSE;
  *out_deal = _crm_store_dup_column (engine->store, "task", op->entity_id, "deal");
  return TRUE;
}

/* --- shared ------------------------------------------------------------------------------ */

/* The strings of @array as «a», «b». */
static char *
join_strings (JsonArray *array)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        g_string_append_printf (text, "%s«%s»", text->len > 0 ? ", " : "",
                                json_node_get_string (item));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The values `user.role` holds for the roles @roles names (each a built-in key, a role's
 * name in any case or its id, crm_rights_role_find()): a built-in role's key and id, a
 * custom role's id — so a renamed or custom role matches as it is held, never by its
 * name as text. A name that is no role (removed since) matches nobody. */
static char *
role_refs_json (CrmStore  *store,
                JsonArray *roles)
{
  g_autoptr(JsonArray) refs = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonNode *item = json_array_get_element (roles, i);
      g_autoptr(JsonObject) role = NULL;
      const char *key;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        continue;
      role = crm_rights_role_find (store, json_node_get_string (item), NULL);
      if (role == NULL)
        continue;
      json_array_add_string_element (refs, crm_json_string (role, "id"));
      if ((key = crm_json_string (role, "key")) != NULL)
        json_array_add_string_element (refs, key);
    }
  json_node_set_array (node, refs);
  return json_to_string (node, FALSE);
}

/* The users of @group (of @roles only, when given), by name then id. */
static GPtrArray *
group_members (CrmStore    *store,
               const char  *group,
               JsonArray   *roles,
               GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id FROM user WHERE grp = ?1 AND deleted = 0"
    " AND (?2 IS NULL OR role IN (SELECT value FROM json_each (?2))) ORDER BY name, id", error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *roles_json = NULL;

  if (stmt == NULL)
    return NULL;
  if (roles != NULL)
    roles_json = role_refs_json (store, roles);
  sqlite3_bind_text (stmt, 1, group, -1, SQLITE_TRANSIENT);
  _crm_sql_bind_text_or_null (stmt, 2, roles_json);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return g_steal_pointer (&ids);
}

/* --- assign_on_shift ------------------------------------------------------------------ */

/* The user this rule gave a deal to last (NULL: never). */
static char *
last_assigned (CrmRuleContext *ctx)
{
  CrmStore *store = ctx->engine->store;
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT json_extract (fields, '$.responsible') FROM changelog"
    " WHERE rule = ?1 AND entity = 'deal' AND json_extract (fields, '$.responsible') IS NOT NULL"
    " ORDER BY hlc DESC, op_id DESC LIMIT 1", NULL);
  char *user = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ctx->rule->id, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    user = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return user;
}

static gint64
open_deals_of (CrmStore   *store,
               const char *user,
               const char *except_deal)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT count (*) FROM deal d JOIN stage s ON s.id = d.stage WHERE d.responsible = ?1"
    " AND d.deleted = 0 AND d.id != ?2 AND s.kind IN ('unsorted', 'open')", NULL);
  gint64 n = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, user, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, except_deal, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* Nobody of @members on shift: the one whose shift starts first (none: NULL). */
static char *
first_to_start (CrmStore   *store,
                GPtrArray  *members,
                gint64      now)
{
  const char *best = NULL;
  gint64 best_at = 0;

  for (guint i = 0; i < members->len; i++)
    {
      gint64 at = 0;

      if (!crm_schedule_next_working (store, members->pdata[i], now, &at, NULL) || at == 0)
        continue;
      if (best == NULL || at < best_at)
        {
          best = members->pdata[i];
          best_at = at;
        }
    }
  return g_strdup (best);
}

static gboolean
action_assign_on_shift (CrmRuleContext  *ctx,
                        JsonObject      *action,
                        GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  CrmStore *store = engine->store;
  const char *group = get_string (action, "group");
  const char *mode = get_string (action, "mode");
  g_autofree char *current = NULL;
  g_autofree char *chosen = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) on_shift = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  JsonArray *roles;
  CrmChange *change;

  if (ctx->deal_id == NULL)
    return TRUE;
  current = _crm_store_dup_column (store, "deal", ctx->deal_id, "responsible");
  if (current != NULL && ctx->actor != NULL)
    {
      /* a person made it for a sales rep (a rep's own deal, offline or not — a role that
       * changes only its own deals, crm-rights.h): it stays theirs; one a head or an
       * admin entered for themselves is distributed */
      g_autoptr(CrmUserRights) rights = crm_user_rights_new (store, current, NULL);

      if (rights != NULL && crm_user_rights_changes (rights) == CRM_SCOPE_OWN)
        return TRUE;
    }

  roles = get_array (action, "roles");
  members = group_members (store, group, roles, error);
  if (members == NULL)
    return FALSE;
  if (members->len == 0 && roles != NULL && json_array_get_length (roles) > 0)
    {
      g_autofree char *names = join_strings (roles);

      return crm_error_fail (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET,
                             _("Rule “%s” gives deals to the roles %s of the group “%s”, and "
                               "nobody of the group holds one; fix the rule's roles or the "
                               "users' (voronkactl role list names the roles)"),
                             ctx->rule->name, names, group);
    }
  if (members->len == 0)
    return crm_error_fail (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET,
                           _("Rule “%s” names the group “%s”, which has no users; fix the "
                             "rule"), ctx->rule->name, group);
  on_shift = crm_schedule_group_on_shift (store, group, engine->now, error);
  if (on_shift == NULL)
    return FALSE;
  for (guint i = on_shift->len; i > 0; i--)
    if (!g_ptr_array_find_with_equal_func (members, on_shift->pdata[i - 1], g_str_equal, NULL))
      g_ptr_array_remove_index (on_shift, i - 1);  /* not of the roles asked for */

  if (on_shift->len == 0)
    chosen = first_to_start (store, members, engine->now);
  else if (g_strcmp0 (mode, "least_loaded") == 0)
    {
      gint64 least = G_MAXINT64;

      for (guint i = 0; i < on_shift->len; i++)
        {
          gint64 n = open_deals_of (store, on_shift->pdata[i], ctx->deal_id);

          if (n < least)
            {
              least = n;
              g_free (chosen);
              chosen = g_strdup (on_shift->pdata[i]);
            }
        }
    }
  else
    {
      /* in turn: the first on shift after the last one chosen, in the group's order */
      g_autofree char *last = last_assigned (ctx);
      guint last_index = 0;
      gboolean found = last != NULL && g_ptr_array_find_with_equal_func (members, last,
                                                                         g_str_equal,
                                                                         &last_index);

      for (guint k = 1; k <= members->len && chosen == NULL; k++)
        {
          const char *candidate = members->pdata[((found ? last_index : members->len - 1) + k) %
                                                 members->len];

          if (g_ptr_array_find_with_equal_func (on_shift, candidate, g_str_equal, NULL))
            chosen = g_strdup (candidate);
        }
    }
  if (chosen == NULL || g_strcmp0 (chosen, current) == 0)
    return TRUE;  /* nobody has a schedule, or it is theirs already */

  change = crm_changeset_touch (cs, "deal", ctx->deal_id);
  crm_change_set_string (change, "responsible", chosen);
  return _crm_rule_emit (ctx, change, error) != NULL;
}

/* --- task_to_working_day ------------------------------------------------------------------ */

static char *
task_of_cause (CrmRuleContext *ctx)
{
  CrmStore *store = ctx->engine->store;
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT entity_id FROM changelog WHERE op_id = ?1 AND entity = 'task'", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ctx->cause, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    id = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}

static char *
exception_of_cause (CrmRuleContext *ctx)
{
  CrmStore *store = ctx->engine->store;
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT entity_id FROM changelog WHERE op_id = ?1 AND entity = 'schedule_exception'", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ctx->cause, -1, SQLITE_TRANSIENT);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    id = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}


static gboolean
move_task (CrmRuleContext  *ctx,
           JsonObject      *action,
           const char      *path,
           const char      *task_id,
           GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  CrmStore *store = engine->store;
  g_autoptr(JsonObject) task = NULL;
  g_autofree char *name = NULL;
  g_autofree char *was = NULL;
  g_autofree char *moved_text = NULL;
  g_autofree char *note = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  const char *responsible, *text;
  gint64 due, moved = 0, max_days_off;
  gboolean off = FALSE;
  guint days_off = 0;
  CrmChange *change;

  if (task_id == NULL || (task = crm_store_dup_entity (store, "task", task_id)) == NULL)
    return TRUE;
  responsible = json_object_get_string_member_with_default (task, "responsible", NULL);
  text = json_object_get_string_member_with_default (task, "text", "");
  if (json_object_get_boolean_member_with_default (task, "done", FALSE) ||
      json_object_get_boolean_member_with_default (task, "deleted", FALSE) ||
      responsible == NULL || !json_object_has_member (task, "due") ||
      json_object_get_null_member (task, "due"))
    return TRUE;
  due = json_object_get_int_member (task, "due");
  if (!crm_schedule_day_off (store, responsible, due, &off, &moved, &days_off, error))
    return FALSE;
  if (!off || moved == 0)
    return TRUE;

  change = crm_changeset_touch (cs, "task", task_id);
  crm_change_set_int (change, "due", moved);
  if (_crm_rule_emit (ctx, change, error) == NULL)
    return FALSE;

  name = _crm_store_dup_column (store, "user", responsible, "name");
  was = crm_schedule_format_local (store, due);
  moved_text = crm_schedule_format_local (store, moved);
  if (ctx->deal_id != NULL)
    {
      g_autofree char *note_path = g_strconcat (path, "/note", NULL);
      g_autofree char *note_id = _crm_rule_derive_id (ctx, note_path);
      g_autoptr(CrmChangeset) note_cs = crm_changeset_new ();

      /* Translators: a note in a deal's history; the dates are "28.03.2026 15:00" */
      note = g_strdup_printf (_("The task «%s» was due %s, a day off for %s; it moved to %s, "
                                "their next working day"), text, was, name ? name : "", moved_text);
      change = crm_changeset_create (note_cs, "note", note_id);
      crm_change_set_string (change, "entity", "deal");
      crm_change_set_string (change, "entity_id", ctx->deal_id);
      crm_change_set_string (change, "text", note);
      crm_change_set_int (change, "created_at", engine->now);
      if (_crm_rule_emit (ctx, change, error) == NULL)
        return FALSE;
    }

  max_days_off = json_object_get_int_member_with_default (action, "max_days_off", 2);
  if ((gint64) days_off > max_days_off)
    {
      g_autofree char *group = _crm_store_dup_column (store, "user", responsible, "grp");
      g_autofree char *head = crm_rights_group_head (store, group);
      g_autofree char *notify_path = g_strconcat (path, "/notify", NULL);
      g_autofree char *notification_id = _crm_rule_derive_id (ctx, notify_path);
      g_autoptr(CrmChangeset) notify_cs = crm_changeset_new ();
      g_autofree char *message = NULL;

      if (head == NULL || g_str_equal (head, responsible))
        return TRUE;
      message = g_strdup_printf (ngettext (
        "%s is off for %lld day in a row from %s: the task «%s» moved to %s; hand it to "
        "someone else if it cannot wait",
        "%s is off for %lld days in a row from %s: the task «%s» moved to %s; hand it to "
        "someone else if it cannot wait", days_off),
        name ? name : "", (long long) days_off, was, text, moved_text);
      change = crm_changeset_create (notify_cs, "notification", notification_id);
      crm_change_set_string (change, "user", head);
      crm_change_set_string (change, "text", message);
      crm_change_set_string (change, "deal", ctx->deal_id);
      crm_change_set_bool (change, "read", FALSE);
      crm_change_set_int (change, "created_at", engine->now);
      if (_crm_rule_emit (ctx, change, error) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* The open tasks of @user_id due on the local days @from … @to (YYYY-MM-DD, in the
 * account's zone), by due time then id. */
static GPtrArray *
tasks_due_within (CrmStore    *store,
                  const char  *user_id,
                  const char  *from,
                  const char  *to,
                  GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) within = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  gint64 start, end;
  int rc;

  if (!crm_time_parse (from, &start) || !crm_time_parse (to, &end))
    return g_steal_pointer (&within);
  /* a day around the dates for any zone; the local day decides below */
  start -= CRM_MS_PER_DAY;
  end += 2 * CRM_MS_PER_DAY;
  stmt = _crm_store_prepare (store,
    "SELECT id FROM task WHERE responsible = ?1 AND deleted = 0 AND done = 0"
    " AND due IS NOT NULL AND due >= ?2 AND due < ?3 ORDER BY due, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, start);
  sqlite3_bind_int64 (stmt, 3, end);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the tasks due on days off");
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *due_text = _crm_store_dup_column (store, "task", ids->pdata[i], "due");
      g_autofree char *day = NULL;
      gint64 due;

      if (due_text == NULL || !g_ascii_string_to_signed (due_text, 10, G_MININT64, G_MAXINT64,
                                                         &due, NULL))
        continue;
      day = crm_schedule_dup_local_date (store, due);
      if (g_strcmp0 (day, from) >= 0 && g_strcmp0 (day, to) <= 0)
        g_ptr_array_add (within, g_strdup (ids->pdata[i]));
    }
  return g_steal_pointer (&within);
}

/* Days off given to someone (the cause is a schedule_exception "off"): each of their open
 * tasks already due inside them moves as one whose due time was just set would. */
static gboolean
move_tasks_off (CrmRuleContext  *ctx,
                JsonObject      *action,
                const char      *path,
                const char      *exception_id,
                GError         **error)
{
  CrmStore *store = ctx->engine->store;
  g_autoptr(JsonObject) exception = crm_store_dup_entity (store, "schedule_exception", exception_id);
  g_autoptr(GPtrArray) tasks = NULL;
  const char *user, *from, *to;

  if (exception == NULL ||
      json_object_get_boolean_member_with_default (exception, "deleted", FALSE) ||
      g_strcmp0 (json_object_get_string_member_with_default (exception, "kind", NULL), "off") != 0)
    return TRUE;
  user = json_object_get_string_member_with_default (exception, "user", NULL);
  from = json_object_get_string_member_with_default (exception, "from_date", NULL);
  to = json_object_get_string_member_with_default (exception, "to_date", from);
  if (user == NULL || from == NULL || to == NULL)
    return TRUE;
  tasks = tasks_due_within (store, user, from, to, error);
  if (tasks == NULL)
    return FALSE;
  for (guint i = 0; i < tasks->len; i++)
    {
      g_autofree char *deal = _crm_store_dup_column (store, "task", tasks->pdata[i], "deal");
      g_autofree char *task_path = g_strdup_printf ("%stask/%s", path, (const char *) tasks->pdata[i]);
      CrmRuleContext task_ctx = *ctx;

      task_ctx.deal_id = deal;
      if (!move_task (&task_ctx, action, task_path, tasks->pdata[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
action_task_to_working_day (CrmRuleContext  *ctx,
                            JsonObject      *action,
                            const char      *path,
                            GError         **error)
{
  g_autofree char *task_id = task_of_cause (ctx);
  g_autofree char *exception_id = NULL;

  if (task_id != NULL)
    return move_task (ctx, action, path, task_id, error);
  exception_id = exception_of_cause (ctx);
  if (exception_id != NULL)
    return move_tasks_off (ctx, action, path, exception_id, error);
  return TRUE;
}

/* --- dispatch and shape ------------------------------------------------------------------ */

gboolean
_crm_rule_schedule_is_action (const char *type)
{
  return g_strcmp0 (type, "assign_on_shift") == 0 ||
         g_strcmp0 (type, "task_to_working_day") == 0;
}

gboolean
_crm_rule_schedule_run_action (CrmRuleContext  *ctx,
                               JsonObject      *action,
                               const char      *path,
                               GError         **error)
{
  const char *type = get_string (action, "type");

  if (g_strcmp0 (type, "assign_on_shift") == 0)
    return action_assign_on_shift (ctx, action, error);
  return action_task_to_working_day (ctx, action, path, error);
}

gboolean
_crm_rule_schedule_validate_action (JsonObject  *action,
                                    const char  *at,
                                    GError     **error)
{
  const char *type = get_string (action, "type");
  const char *mode = get_string (action, "mode");

  if (g_strcmp0 (type, "assign_on_shift") == 0)
    {
      if (get_string (action, "group") == NULL)
        return crm_error_fail_at (error, CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID, at,
                                  _("“assign_on_shift” needs a \"group\""));
      if (mode != NULL && !g_str_equal (mode, "round_robin") && !g_str_equal (mode, "least_loaded"))
        return crm_error_fail_at (error, CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID, at,
                                  _("“assign_on_shift”: “%s” is not a mode; choose round_robin "
                                    "or least_loaded"), mode);
    }
  return TRUE;
}
