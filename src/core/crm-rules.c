/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rules.c — the automation engine. A rule is data:
 *
 *   {"trigger": {"type": "stage_entered", "pipeline": "Отказники", …},
 *    "conditions": [{"type": "field_in", "field": "payment_type", "values": […]}, …],
 *    "actions": [{"type": "create_task", "text": "…", "due": {"days": 45}}, …]}
 *
 * ("triggers": [..] gives several triggers to one rule.) Event rules run inside the
 * transaction of the change that triggered them (crm_store_apply): every op written is
 * matched against every enabled rule, and the ops a rule writes are matched in turn,
 * up to CRM_RULES_MAX_DEPTH — deeper is a loop, refused with RULE_LOOP. An entity a
 * rule creates gets the id UUIDv5(rule id, "<trigger op id>/<action path>"), so two
 * replicas running one rule on one op make one entity, which merge keeps as one.
 * Timer rules run from crm_rules_tick() with "timer:<entity>:<deadline>" in place of
 * the trigger op id. Names of pipelines, stages, users, tags and reasons are resolved
 * when the rule runs, by name or id. See data/templates/README.md for every type. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules.h"
#include "crm-json-private.h"
#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

static const char *const trigger_types[] = {
  "deal_created", "stage_entered", "field_changed", "deal_won", "deal_lost",
  "task_completed", "contact_created", "company_created", "timer", NULL
};
static const char *const condition_types[] = {
  "field_equals", "field_in", "field_empty", "has_tag", "has_tag_group", "pipeline",
  "stage", "amount_range", "responsible_group", "client_has_won_deal", "loss_reason_in",
  "not", NULL
};
static const char *const action_types[] = {
  "move_deal", "create_deal", "create_task", "set_field", "add_tag", "remove_tag",
  "notify", "send_message", "for_each_deal", NULL
};

typedef struct {
  char       *id;
  char       *name;
  JsonObject *definition;
} Rule;

static void
rule_free (Rule *rule)
{
  g_free (rule->id);
  g_free (rule->name);
  g_clear_pointer (&rule->definition, json_object_unref);
  g_free (rule);
}

typedef struct {
  CrmOp *op;      /* borrowed from the store's pending ops */
  guint  depth;
} QueueItem;

typedef struct {
  CrmStore   *store;
  GPtrArray  *rules;     /* Rule* */
  GHashTable *names;     /* "entity\x1fscope\x1fname" → id or "" (not found), per run */
  GArray     *queue;     /* QueueItem */
  gint64      now;
} Engine;

/* What an action runs on. */
typedef struct {
  Engine      *engine;
  const Rule  *rule;
  const char  *cause;      /* trigger op id, or "timer:…" */
  const char  *actor;
  guint        depth;      /* depth of the ops the action writes */
  const char  *deal_id;    /* the subject deal, or NULL */
  const char  *tag_name;   /* for "{tag}" in texts (for_each_deal) */
} ActionContext;

/* --- small helpers -------------------------------------------------------------------- */

static gboolean
in_list (const char *const *list,
         const char         *value)
{
  return value != NULL && g_strv_contains (list, value);
}

static char *
join_list (const char *const *list)
{
  return g_strjoinv (", ", (char **) list);
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Scalar JSON equality, with "yes"/"no" standing for true/false. */
static gboolean
values_equal (JsonNode *a,
              JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (JSON_NODE_HOLDS_NULL (a) || JSON_NODE_HOLDS_NULL (b))
    return JSON_NODE_HOLDS_NULL (a) && JSON_NODE_HOLDS_NULL (b);
  if (!JSON_NODE_HOLDS_VALUE (a) || !JSON_NODE_HOLDS_VALUE (b))
    return FALSE;
  if (json_node_get_value_type (a) == G_TYPE_BOOLEAN &&
      json_node_get_value_type (b) == G_TYPE_STRING)
    return values_equal (b, a);
  if (json_node_get_value_type (a) == G_TYPE_STRING &&
      json_node_get_value_type (b) == G_TYPE_BOOLEAN)
    {
      const char *text = json_node_get_string (a);
      gboolean truth = g_strcmp0 (text, "yes") == 0 || g_strcmp0 (text, "true") == 0;
      gboolean falsity = g_strcmp0 (text, "no") == 0 || g_strcmp0 (text, "false") == 0;

      return json_node_get_boolean (b) ? truth : falsity;
    }
  if (json_node_get_value_type (a) != json_node_get_value_type (b))
    return FALSE;
  switch (json_node_get_value_type (a))
    {
    case G_TYPE_STRING:
      return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
    case G_TYPE_INT64:
      return json_node_get_int (a) == json_node_get_int (b);
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (a) == json_node_get_boolean (b);
    default:
      return json_node_get_double (a) == json_node_get_double (b);
    }
}

static gboolean
value_in (JsonNode  *value,
          JsonNode  *choices)
{
  if (choices == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (choices))
    {
      JsonArray *array = json_node_get_array (choices);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (values_equal (value, json_array_get_element (array, i)))
          return TRUE;
      return FALSE;
    }
  return values_equal (value, choices);
}

/* Resolve a name or id; NULL (quietly) when it is not there. */
static char *
resolve (Engine     *engine,
         const char *entity,
         const char *name,
         const char *scope)
{
  g_autofree char *key = NULL;
  const char *cached;
  char *id;

  if (name == NULL)
    return NULL;
  /* rules name the same pipelines and stages over and over; within one run the
   * answers cannot change (rules do not rename setup) */
  key = g_strjoin ("\x1f", entity, scope != NULL ? scope : "", name, NULL);
  cached = g_hash_table_lookup (engine->names, key);
  if (cached != NULL)
    return *cached != '\0' ? g_strdup (cached) : NULL;
  id = crm_query_resolve (engine->store, entity, name, scope, NULL);
  g_hash_table_insert (engine->names, g_steal_pointer (&key), g_strdup (id != NULL ? id : ""));
  return id;
}

static char *
resolve_stage (Engine     *engine,
               const char *pipeline_name,
               const char *stage_name,
               char      **out_pipeline)
{
  g_autofree char *pipeline = resolve (engine, "pipeline", pipeline_name, NULL);
  char *stage = pipeline ? resolve (engine, "stage", stage_name, pipeline) : NULL;

  if (out_pipeline != NULL)
    *out_pipeline = g_steal_pointer (&pipeline);
  return stage;
}

static char *
stage_kind (Engine     *engine,
            const char *stage_id)
{
  return _crm_store_dup_column (engine->store, "stage", stage_id, "kind");
}

static gboolean
deal_has_tag (Engine     *engine,
              const char *deal_id,
              const char *tag_id)
{
  g_autofree char *link = crm_uuid_link ("deal_tag", deal_id, tag_id);
  gint64 present = 0;

  return _crm_store_get_int_column (engine->store, "deal_tag", link, "present", &present) &&
         present != 0;
}

/* Tags of a deal (ids and names), optionally only of one group. */
static GPtrArray *
deal_tags (Engine     *engine,
           const char *deal_id,
           const char *group,
           GPtrArray **out_names)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT t.id, t.name FROM deal_tag dt JOIN tag t ON t.id = dt.tag"
    " WHERE dt.deal = ?1 AND dt.present = 1 AND dt.deleted = 0 AND t.deleted = 0"
    " AND (?2 IS NULL OR t.grp = ?2) ORDER BY t.name", NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (out_names != NULL)
    *out_names = g_ptr_array_new_with_free_func (g_free);
  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (group != NULL)
    sqlite3_bind_text (stmt, 2, group, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      if (out_names != NULL)
        g_ptr_array_add (*out_names, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  return ids;
}

static GPtrArray *
deal_contacts (Engine     *engine,
               const char *deal_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT contact FROM deal_contact WHERE deal = ?1 AND present = 1 AND deleted = 0"
    " ORDER BY contact", NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

/* The ids of the pipelines named in @names as a JSON array text for json_each(), or
 * NULL when @names is NULL (no restriction). */
static char *
pipeline_ids_json (Engine    *engine,
                   JsonArray *names)
{
  g_autoptr(JsonArray) ids = NULL;

  if (names == NULL)
    return NULL;
  ids = json_array_new ();
  for (guint i = 0; i < json_array_get_length (names); i++)
    {
      g_autofree char *id = resolve (engine, "pipeline", json_array_get_string_element (names, i),
                                     NULL);
      if (id != NULL)
        json_array_add_string_element (ids, id);
    }
  {
    g_autoptr(JsonNode) node = crm_json_node_take_array (json_array_ref (ids));
    return crm_json_to_canonical (node);
  }
}

/* "deal" (the subject deal's responsible), "client_manager" (who won the client's
 * latest deal), a user's name or id, or "group_head:G" (the group's manager, else its
 * first member). */
static char *
resolve_responsible (ActionContext *ctx,
                     const char    *spec,
                     JsonArray     *client_pipelines)
{
  Engine *engine = ctx->engine;

  if (spec == NULL || g_str_equal (spec, "deal"))
    {
      char *user = _crm_store_dup_column (engine->store, "deal", ctx->deal_id, "responsible");
      return user != NULL ? user : g_strdup (ctx->actor);
    }
  if (g_str_equal (spec, "client_manager"))
    {
      /* who looked after this client before: the responsible of its latest won deal */
      sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
        "SELECT d.responsible FROM deal d JOIN stage s ON s.id = d.stage"
        " WHERE d.id != ?1 AND d.deleted = 0 AND s.kind = 'won' AND d.responsible IS NOT NULL"
        " AND ((d.company IS NOT NULL AND d.company = (SELECT company FROM deal WHERE id = ?1))"
        "  OR EXISTS (SELECT 1 FROM deal_contact a JOIN deal_contact b ON a.contact = b.contact"
        "   WHERE a.deal = ?1 AND b.deal = d.id AND a.present = 1 AND b.present = 1))"
        " AND (?2 IS NULL OR d.pipeline IN (SELECT value FROM json_each (?2)))"
        " ORDER BY d.hlc DESC LIMIT 1", NULL);
      g_autofree char *pipelines = pipeline_ids_json (engine, client_pipelines);
      char *user = NULL;

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, ctx->deal_id, -1, SQLITE_TRANSIENT);
      if (pipelines != NULL)
        sqlite3_bind_text (stmt, 2, pipelines, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        user = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      return user;
    }
  if (g_str_has_prefix (spec, "group_head:"))
    {
      sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
        "SELECT id FROM user WHERE grp = ?1 AND deleted = 0"
        " ORDER BY CASE role WHEN 'manager' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, name", NULL);
      char *user = NULL;

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, spec + strlen ("group_head:"), -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        user = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      return user;
    }
  return resolve (engine, "user", spec, NULL);
}

/* "{tag}" and "{title}" in texts. */
static char *
expand_text (ActionContext *ctx,
             const char    *text)
{
  g_autoptr(GString) out = g_string_new (text ? text : "");

  if (ctx->tag_name != NULL)
    g_string_replace (out, "{tag}", ctx->tag_name, 0);
  if (strstr (out->str, "{title}") != NULL)
    {
      g_autofree char *title = _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id,
                                                      "title");
      g_string_replace (out, "{title}", title ? title : "", 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gint64
add_working_days (gint64 from_ms,
                  gint64 days)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (from_ms / 1000);
  gint64 remainder = from_ms % 1000;

  while (days > 0)
    {
      GDateTime *next = g_date_time_add_days (dt, 1);
      int weekday;

      g_date_time_unref (dt);
      dt = next;
      weekday = g_date_time_get_day_of_week (dt);
      if (weekday <= 5)
        days--;
    }
  return g_date_time_to_unix (dt) * 1000 + remainder;
}

/* {"minutes": N} | {"days": N} | {"working_days": N} | {"today": true} after @from. */
static gint64
offset_time (JsonObject *offset,
             gint64      from_ms)
{
  if (offset == NULL)
    return from_ms;
  if (json_object_has_member (offset, "minutes"))
    return from_ms + json_object_get_int_member (offset, "minutes") * CRM_MS_PER_MINUTE;
  if (json_object_has_member (offset, "days"))
    return from_ms + json_object_get_int_member (offset, "days") * CRM_MS_PER_DAY;
  if (json_object_has_member (offset, "working_days"))
    return add_working_days (from_ms, json_object_get_int_member (offset, "working_days"));
  return from_ms;
}

/* --- conditions ------------------------------------------------------------------------ */

static gboolean check_conditions (ActionContext *ctx, JsonArray *conditions, const CrmOp *op);

static gboolean
client_has_won_deal (Engine     *engine,
                     const char *deal_id,
                     JsonArray  *pipeline_names)
{
  g_autofree char *pipelines = pipeline_ids_json (engine, pipeline_names);
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT 1 FROM deal d JOIN stage s ON s.id = d.stage"
    " WHERE d.id != ?1 AND d.deleted = 0 AND s.kind = 'won' AND ("
    "  (d.company IS NOT NULL AND d.company = (SELECT company FROM deal WHERE id = ?1))"
    "  OR EXISTS (SELECT 1 FROM deal_contact a JOIN deal_contact b ON a.contact = b.contact"
    "   WHERE a.deal = ?1 AND b.deal = d.id AND a.present = 1 AND b.present = 1))"
    " AND (?2 IS NULL OR d.pipeline IN (SELECT value FROM json_each (?2)))"
    " LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  if (pipelines != NULL)
    sqlite3_bind_text (stmt, 2, pipelines, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static gboolean
check_condition (ActionContext *ctx,
                 JsonObject    *condition,
                 const CrmOp   *op)
{
  Engine *engine = ctx->engine;
  const char *type = get_string (condition, "type");
  g_autoptr(JsonObject) deal = NULL;

  if (g_strcmp0 (type, "not") == 0)
    {
      JsonObject *inner = get_object (condition, "condition");
      return inner != NULL && !check_condition (ctx, inner, op);
    }

  deal = crm_store_dup_entity (engine->store, "deal", ctx->deal_id);
  if (deal == NULL)
    return FALSE;

  if (g_strcmp0 (type, "field_equals") == 0)
    return values_equal (json_object_get_member (deal, get_string (condition, "field")),
                         json_object_get_member (condition, "value"));
  if (g_strcmp0 (type, "field_in") == 0)
    return value_in (json_object_get_member (deal, get_string (condition, "field")),
                     json_object_get_member (condition, "values"));
  if (g_strcmp0 (type, "field_empty") == 0)
    {
      JsonNode *value = json_object_get_member (deal, get_string (condition, "field"));
      return value == NULL || JSON_NODE_HOLDS_NULL (value) ||
             (json_node_get_value_type (value) == G_TYPE_STRING &&
              *json_node_get_string (value) == '\0');
    }
  if (g_strcmp0 (type, "has_tag") == 0)
    {
      g_autofree char *tag = resolve (engine, "tag", get_string (condition, "tag"), NULL);
      return tag != NULL && deal_has_tag (engine, ctx->deal_id, tag);
    }
  if (g_strcmp0 (type, "has_tag_group") == 0)
    {
      g_autoptr(GPtrArray) tags = deal_tags (engine, ctx->deal_id,
                                             get_string (condition, "group"), NULL);
      return tags->len > 0;
    }
  if (g_strcmp0 (type, "pipeline") == 0)
    {
      g_autofree char *pipeline = resolve (engine, "pipeline",
                                           get_string (condition, "pipeline"), NULL);
      return pipeline != NULL &&
             g_strcmp0 (pipeline, get_string (deal, "pipeline")) == 0;
    }
  if (g_strcmp0 (type, "stage") == 0)
    {
      const char *pipeline_name = get_string (condition, "pipeline");
      g_autofree char *stage = resolve (engine, "stage", get_string (condition, "stage"),
                                        pipeline_name ? NULL : get_string (deal, "pipeline"));
      if (pipeline_name != NULL)
        {
          g_clear_pointer (&stage, g_free);
          stage = resolve_stage (engine, pipeline_name, get_string (condition, "stage"), NULL);
        }
      return stage != NULL && g_strcmp0 (stage, get_string (deal, "stage")) == 0;
    }
  if (g_strcmp0 (type, "amount_range") == 0)
    {
      gint64 amount = json_object_get_int_member_with_default (deal, "amount", 0);
      gint64 bound;

      if (get_string (condition, "min") != NULL &&
          crm_money_parse (get_string (condition, "min"), &bound) && amount < bound)
        return FALSE;
      if (get_string (condition, "max") != NULL &&
          crm_money_parse (get_string (condition, "max"), &bound) && amount > bound)
        return FALSE;
      return TRUE;
    }
  if (g_strcmp0 (type, "responsible_group") == 0)
    {
      g_autofree char *group = _crm_store_dup_column (engine->store, "user",
                                                      get_string (deal, "responsible"), "grp");
      return g_strcmp0 (group, get_string (condition, "group")) == 0;
    }
  if (g_strcmp0 (type, "client_has_won_deal") == 0)
    return client_has_won_deal (engine, ctx->deal_id, get_array (condition, "pipelines"));
  if (g_strcmp0 (type, "loss_reason_in") == 0)
    {
      JsonArray *names = get_array (condition, "reasons");
      const char *reason = get_string (deal, "loss_reason");

      for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
        {
          g_autofree char *id = resolve (engine, "loss_reason",
                                         json_array_get_string_element (names, i),
                                         get_string (deal, "pipeline"));
          if (id != NULL && g_strcmp0 (id, reason) == 0)
            return TRUE;
        }
      return FALSE;
    }
  return FALSE;
}

static gboolean
check_conditions (ActionContext *ctx,
                  JsonArray     *conditions,
                  const CrmOp   *op)
{
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      JsonNode *node = json_array_get_element (conditions, i);

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !check_condition (ctx, json_node_get_object (node), op))
        return FALSE;
    }
  return TRUE;
}

/* --- actions ----------------------------------------------------------------------------- */

static gboolean run_actions (ActionContext *ctx, JsonArray *actions, const char *path,
                             GError **error);

/* Write one change on behalf of the rule and queue the op for further rules. */
static CrmOp *
emit (ActionContext  *ctx,
      CrmChange      *change,
      GError        **error)
{
  Engine *engine = ctx->engine;
  QueueItem item;
  CrmOp *op;

  if (ctx->depth > CRM_RULES_MAX_DEPTH)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_RULE_LOOP,
                   _("Rule “%s” set off a chain of more than %d rules, which looks like a "
                     "loop; nothing was saved. Check the automation rules."),
                   ctx->rule->name, CRM_RULES_MAX_DEPTH);
      return NULL;
    }
  op = _crm_store_write_change (engine->store, change, ctx->actor, ctx->cause, ctx->rule->id,
                                error);
  if (op == NULL)
    return NULL;
  item.op = op;
  item.depth = ctx->depth;
  g_array_append_val (engine->queue, item);
  return op;
}

static char *
derive_id (ActionContext *ctx,
           const char    *path)
{
  g_autofree char *name = g_strdup_printf ("%s/%s", ctx->cause, path);

  return crm_uuid_v5 (ctx->rule->id, name);
}

static gboolean
entity_exists (Engine     *engine,
               const char *entity,
               const char *id)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (engine->store, entity, id);

  return object != NULL;
}

static gboolean
unknown_target (ActionContext  *ctx,
                const char     *what,
                const char     *name,
                GError        **error)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("Rule “%s” names %s “%s”, which does not exist; fix the rule"),
               ctx->rule->name, _(what), name ? name : "");
  return FALSE;
}

static gboolean
action_move_deal (ActionContext  *ctx,
                  JsonObject     *action,
                  GError        **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  if (ctx->deal_id == NULL)
    return TRUE;
  stage = resolve_stage (ctx->engine, get_string (action, "pipeline"),
                         get_string (action, "stage"), &pipeline);
  if (stage == NULL)
    return unknown_target (ctx, N_("stage"), get_string (action, "stage"), error);
  change = crm_changeset_touch (cs, "deal", ctx->deal_id);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", ctx->engine->now);
  return emit (ctx, change, error) != NULL;
}

static gboolean
copies (JsonObject *action,
        const char *part)
{
  JsonArray *parts = get_array (action, "copy");

  for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    if (g_strcmp0 (json_array_get_string_element (parts, i), part) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
action_create_deal (ActionContext  *ctx,
                    JsonObject     *action,
                    const char     *path,
                    GError        **error)
{
  Engine *engine = ctx->engine;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *id = derive_id (ctx, path);
  g_autoptr(JsonObject) source = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *title = NULL;
  g_autofree char *responsible = NULL;
  ActionContext inner = *ctx;
  CrmChange *change;

  stage = resolve_stage (engine, get_string (action, "pipeline"), get_string (action, "stage"),
                         &pipeline);
  if (stage == NULL)
    return unknown_target (ctx, N_("stage"), get_string (action, "stage"), error);
  if (entity_exists (engine, "deal", id))
    return TRUE;  /* made already, here or on another replica */

  source = ctx->deal_id ? crm_store_dup_entity (engine->store, "deal", ctx->deal_id) : NULL;
  title = get_string (action, "title") ? expand_text (ctx, get_string (action, "title")) :
          g_strdup (source ? get_string (source, "title") : _("New deal"));
  responsible = copies (action, "responsible") && source ?
    g_strdup (get_string (source, "responsible")) :
    resolve_responsible (ctx, get_string (action, "responsible"),
                         get_array (action, "client_pipelines"));

  change = crm_changeset_create (cs, "deal", id);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "created_at", engine->now);
  crm_change_set_int (change, "stage_entered_at", engine->now);
  crm_change_set_string (change, "currency", source ? get_string (source, "currency") : NULL);
  if (responsible != NULL)
    crm_change_set_string (change, "responsible", responsible);
  if (source != NULL && copies (action, "company") && get_string (source, "company"))
    crm_change_set_string (change, "company", get_string (source, "company"));
  if (source != NULL && copies (action, "amount"))
    crm_change_set_int (change, "amount", json_object_get_int_member_with_default (source,
                                                                                   "amount", 0));
  if (source != NULL && copies (action, "fields"))
    {
      g_autoptr(JsonObject) custom = NULL;
      g_autoptr(GList) keys = NULL;
      sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
        "SELECT key FROM field WHERE entity = 'deal' AND deleted = 0", error);

      if (stmt == NULL)
        return FALSE;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *key = (const char *) sqlite3_column_text (stmt, 0);
          JsonNode *value = json_object_get_member (source, key);

          if (value != NULL && !JSON_NODE_HOLDS_NULL (value))
            crm_change_set_node (change, key, json_node_copy (value));
        }
      sqlite3_reset (stmt);
    }
  if (emit (ctx, change, error) == NULL)
    return FALSE;

  /* links as entities of their own, so each merges on its own */
  if (source != NULL && copies (action, "contacts"))
    {
      g_autoptr(GPtrArray) contacts = deal_contacts (engine, ctx->deal_id);

      for (guint i = 0; i < contacts->len; i++)
        {
          g_autoptr(CrmChangeset) link = crm_changeset_new ();
          CrmChange *c = crm_changeset_set_link (link, "deal_contact", "deal", id, "contact",
                                                 contacts->pdata[i], TRUE);
          if (emit (ctx, c, error) == NULL)
            return FALSE;
        }
    }
  if (source != NULL && copies (action, "tags"))
    {
      g_autoptr(GPtrArray) tags = deal_tags (engine, ctx->deal_id, NULL, NULL);

      for (guint i = 0; i < tags->len; i++)
        {
          g_autoptr(CrmChangeset) link = crm_changeset_new ();
          CrmChange *c = crm_changeset_set_link (link, "deal_tag", "deal", id, "tag",
                                                 tags->pdata[i], TRUE);
          if (emit (ctx, c, error) == NULL)
            return FALSE;
        }
    }

  /* "actions" of a create_deal act on the new deal */
  inner.deal_id = id;
  {
    g_autofree char *inner_path = g_strconcat (path, "/actions", NULL);
    return run_actions (&inner, get_array (action, "actions"), inner_path, error);
  }
}

static gboolean
action_create_task (ActionContext  *ctx,
                    JsonObject     *action,
                    const char     *path,
                    GError        **error)
{
  Engine *engine = ctx->engine;
  g_autofree char *id = derive_id (ctx, path);
  g_autofree char *text = expand_text (ctx, get_string (action, "text"));
  g_autofree char *responsible = resolve_responsible (ctx, get_string (action, "responsible"),
                                                      get_array (action, "client_pipelines"));
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  JsonArray *items = get_array (action, "checklist");
  const char *task_type = get_string (action, "task_type");
  CrmChange *change;

  if (entity_exists (engine, "task", id))
    return TRUE;
  change = crm_changeset_create (cs, "task", id);
  crm_change_set_string (change, "deal", ctx->deal_id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", task_type ? task_type : "task");
  crm_change_set_int (change, "due", offset_time (get_object (action, "due"), engine->now));
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "created_at", engine->now);
  if (items != NULL)
    {
      JsonArray *checklist = json_array_new ();

      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "text", json_array_get_string_element (items, i));
          json_object_set_boolean_member (item, "done", FALSE);
          json_array_add_object_element (checklist, item);
        }
      crm_change_set_node (change, "checklist", crm_json_node_take_array (checklist));
    }
  return emit (ctx, change, error) != NULL;
}

static gboolean
action_set_field (ActionContext  *ctx,
                  JsonObject     *action,
                  GError        **error)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  JsonNode *value = json_object_get_member (action, "value");
  CrmChange *change;

  if (ctx->deal_id == NULL)
    return TRUE;
  change = crm_changeset_touch (cs, "deal", ctx->deal_id);
  crm_change_set_node (change, get_string (action, "field"),
                       value ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
  return emit (ctx, change, error) != NULL;
}

static gboolean
action_tag (ActionContext  *ctx,
            JsonObject     *action,
            gboolean        present,
            GError        **error)
{
  g_autofree char *tag = resolve (ctx->engine, "tag", get_string (action, "tag"), NULL);
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  if (ctx->deal_id == NULL)
    return TRUE;
  if (tag == NULL)
    return unknown_target (ctx, N_("tag"), get_string (action, "tag"), error);
  if (deal_has_tag (ctx->engine, ctx->deal_id, tag) == present)
    return TRUE;
  return emit (ctx, crm_changeset_set_link (cs, "deal_tag", "deal", ctx->deal_id, "tag", tag,
                                            present), error) != NULL;
}

static gboolean
action_notify (ActionContext  *ctx,
               JsonObject     *action,
               const char     *path,
               GError        **error)
{
  g_autofree char *id = derive_id (ctx, path);
  g_autofree char *user = resolve_responsible (ctx, get_string (action, "user"),
                                               get_array (action, "client_pipelines"));
  g_autofree char *text = expand_text (ctx, get_string (action, "text"));
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  if (user == NULL || entity_exists (ctx->engine, "notification", id))
    return TRUE;
  change = crm_changeset_create (cs, "notification", id);
  crm_change_set_string (change, "user", user);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "deal", ctx->deal_id);
  crm_change_set_bool (change, "read", FALSE);
  crm_change_set_int (change, "created_at", ctx->engine->now);
  return emit (ctx, change, error) != NULL;
}

static gboolean
action_send_message (ActionContext  *ctx,
                     JsonObject     *action,
                     const char     *path,
                     GError        **error)
{
  g_autofree char *id = derive_id (ctx, path);
  g_autofree char *text = expand_text (ctx, get_string (action, "text"));
  g_autofree char *recipient = NULL;
  const char *to = get_string (action, "to");
  const char *channel = get_string (action, "channel");
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  if (entity_exists (ctx->engine, "message", id))
    return TRUE;
  if (to == NULL || g_str_equal (to, "client"))
    {
      g_autoptr(GPtrArray) contacts = ctx->deal_id ? deal_contacts (ctx->engine, ctx->deal_id) :
                                                     g_ptr_array_new ();
      recipient = contacts->len > 0 ? g_strdup (contacts->pdata[0]) : NULL;
    }
  else
    recipient = resolve_responsible (ctx, to, get_array (action, "client_pipelines"));
  if (recipient == NULL)
    return TRUE;  /* nobody to write to: nothing to queue */

  change = crm_changeset_create (cs, "message", id);
  crm_change_set_string (change, "channel", channel ? channel : "sms");
  crm_change_set_string (change, "recipient", recipient);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "deal", ctx->deal_id);
  crm_change_set_string (change, "status", "queued");
  crm_change_set_int (change, "created_at", ctx->engine->now);
  return emit (ctx, change, error) != NULL;
}

/* Run "actions" on every other open deal of a pipeline that shares a tag of a group with
 * the subject deal (S0-7: a truck of brand X arrived → the clients waiting for X). */
static gboolean
action_for_each_deal (ActionContext  *ctx,
                      JsonObject     *action,
                      const char     *path,
                      GError        **error)
{
  Engine *engine = ctx->engine;
  g_autofree char *pipeline = resolve (engine, "pipeline", get_string (action, "pipeline"),
                                       NULL);
  const char *group = get_string (action, "shares_tag_group");
  g_autoptr(GPtrArray) tag_names = NULL;
  g_autoptr(GPtrArray) tag_ids = NULL;
  gboolean open_only = !json_object_has_member (action, "open_only") ||
                       json_object_get_boolean_member (action, "open_only");

  if (pipeline == NULL)
    return unknown_target (ctx, N_("pipeline"), get_string (action, "pipeline"), error);
  if (ctx->deal_id == NULL)
    return TRUE;
  tag_ids = deal_tags (engine, ctx->deal_id, group, &tag_names);

  for (guint t = 0; t < tag_ids->len; t++)
    {
      g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
      sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
        "SELECT d.id FROM deal_tag dt JOIN deal d ON d.id = dt.deal"
        " JOIN stage s ON s.id = d.stage"
        " WHERE dt.tag = ?1 AND dt.present = 1 AND d.deleted = 0 AND d.pipeline = ?2"
        " AND d.id != ?3 AND (?4 = 0 OR s.kind IN ('unsorted', 'open')) ORDER BY d.id", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, tag_ids->pdata[t], -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, pipeline, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, ctx->deal_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 4, open_only ? 1 : 0);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (targets, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);

      for (guint i = 0; i < targets->len; i++)
        {
          ActionContext inner = *ctx;
          g_autofree char *inner_path = g_strdup_printf ("%s/%s", path,
                                                         (char *) targets->pdata[i]);

          inner.deal_id = targets->pdata[i];
          inner.tag_name = tag_names->pdata[t];
          if (!check_conditions (&inner, get_array (action, "conditions"), NULL))
            continue;
          if (!run_actions (&inner, get_array (action, "actions"), inner_path, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
run_actions (ActionContext  *ctx,
             JsonArray      *actions,
             const char     *path,
             GError        **error)
{
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      JsonNode *node = json_array_get_element (actions, i);
      JsonObject *action;
      const char *type;
      g_autofree char *action_path = g_strdup_printf ("%s%s%u", path, *path ? "/" : "", i);
      gboolean ok = TRUE;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      action = json_node_get_object (node);
      type = get_string (action, "type");

      if (g_strcmp0 (type, "move_deal") == 0)
        ok = action_move_deal (ctx, action, error);
      else if (g_strcmp0 (type, "create_deal") == 0)
        ok = action_create_deal (ctx, action, action_path, error);
      else if (g_strcmp0 (type, "create_task") == 0)
        ok = action_create_task (ctx, action, action_path, error);
      else if (g_strcmp0 (type, "set_field") == 0)
        ok = action_set_field (ctx, action, error);
      else if (g_strcmp0 (type, "add_tag") == 0)
        ok = action_tag (ctx, action, TRUE, error);
      else if (g_strcmp0 (type, "remove_tag") == 0)
        ok = action_tag (ctx, action, FALSE, error);
      else if (g_strcmp0 (type, "notify") == 0)
        ok = action_notify (ctx, action, action_path, error);
      else if (g_strcmp0 (type, "send_message") == 0)
        ok = action_send_message (ctx, action, action_path, error);
      else if (g_strcmp0 (type, "for_each_deal") == 0)
        ok = action_for_each_deal (ctx, action, action_path, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* --- triggers ------------------------------------------------------------------------------ */

/* Does @trigger fire on @op? On a match, *out_deal gets the deal the rule acts on (the
 * op's deal, or a completed task's deal; NULL for contacts and companies). */
static gboolean
trigger_matches (Engine       *engine,
                 JsonObject   *trigger,
                 const CrmOp  *op,
                 const char   *deal_pipeline,
                 const char   *deal_stage,
                 char        **out_deal)
{
  const char *type = get_string (trigger, "type");
  const char *pipeline_name = get_string (trigger, "pipeline");
  const char *stage_name = get_string (trigger, "stage");
  g_autofree char *kind = NULL;
  gboolean is_deal = g_str_equal (op->entity, "deal");
  gboolean enters_stage = is_deal && (op->created || json_object_has_member (op->fields,
                                                                             "stage"));

  *out_deal = NULL;
  if (type == NULL || g_str_equal (type, "timer"))
    return FALSE;

  if (g_str_equal (type, "contact_created") || g_str_equal (type, "company_created"))
    return op->created && g_str_has_prefix (type, op->entity) &&
           type[strlen (op->entity)] == '_';

  if (g_str_equal (type, "task_completed"))
    {
      JsonNode *done = json_object_get_member (op->fields, "done");
      const char *task_type = get_string (trigger, "task_type");

      if (!g_str_equal (op->entity, "task") || done == NULL ||
          json_node_get_value_type (done) != G_TYPE_BOOLEAN || !json_node_get_boolean (done))
        return FALSE;
      if (task_type != NULL)
        {
          g_autofree char *actual = _crm_store_dup_column (engine->store, "task", op->entity_id,
                                                           "type");
          if (g_strcmp0 (actual, task_type) != 0)
            return FALSE;
        }
      *out_deal = _crm_store_dup_column (engine->store, "task", op->entity_id, "deal");
      return TRUE;
    }

  if (!is_deal)
    return FALSE;
  if (deal_stage == NULL)
    return FALSE;  /* deleted */

  if (pipeline_name != NULL)
    {
      g_autofree char *pipeline = resolve (engine, "pipeline", pipeline_name, NULL);
      if (g_strcmp0 (pipeline, deal_pipeline) != 0)
        return FALSE;
    }
  if (stage_name != NULL)
    {
      g_autofree char *stage = resolve (engine, "stage", stage_name, deal_pipeline);
      if (g_strcmp0 (stage, deal_stage) != 0)
        return FALSE;
    }

  if (g_str_equal (type, "deal_created"))
    {
      if (!op->created)
        return FALSE;
    }
  else if (g_str_equal (type, "stage_entered"))
    {
      if (!enters_stage)
        return FALSE;
    }
  else if (g_str_equal (type, "field_changed"))
    {
      const char *field = get_string (trigger, "field");
      JsonNode *value = field ? json_object_get_member (op->fields, field) : NULL;
      JsonNode *to = json_object_get_member (trigger, "to");

      if (value == NULL || (to != NULL && !value_in (value, to)))
        return FALSE;
      /* writing the value it already had is no change */
      if (op->previous != NULL && json_object_has_member (op->previous, field) &&
          values_equal (json_object_get_member (op->previous, field), value))
        return FALSE;
    }
  else if (g_str_equal (type, "deal_won") || g_str_equal (type, "deal_lost"))
    {
      const char *from_stage = get_string (trigger, "from_stage");

      if (!enters_stage)
        return FALSE;
      kind = stage_kind (engine, deal_stage);
      if (g_strcmp0 (kind, g_str_equal (type, "deal_won") ? "won" : "lost") != 0)
        return FALSE;
      if (from_stage != NULL)
        {
          g_autofree char *from = resolve (engine, "stage", from_stage, deal_pipeline);
          const char *previous = op->previous ? get_string (op->previous, "stage") : NULL;

          if (from == NULL || g_strcmp0 (from, previous) != 0)
            return FALSE;
        }
    }
  else
    return FALSE;

  *out_deal = g_strdup (op->entity_id);
  return TRUE;
}

static JsonArray *
rule_triggers (const Rule *rule,
               JsonArray  *scratch)
{
  JsonArray *triggers = get_array (rule->definition, "triggers");
  JsonObject *trigger = get_object (rule->definition, "trigger");

  if (triggers != NULL)
    return triggers;
  if (trigger != NULL)
    json_array_add_object_element (scratch, json_object_ref (trigger));
  return scratch;
}

/* --- loading rules --------------------------------------------------------------------------- */

static GPtrArray *
load_rules (CrmStore  *store,
            GError   **error)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, name, definition FROM rule WHERE deleted = 0 AND enabled = 1"
    " ORDER BY position, name, id", error);

  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 2),
                                                   NULL);
      Rule *rule;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;  /* a rule this version cannot read stays inert, not fatal */
      rule = g_new0 (Rule, 1);
      rule->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      rule->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      rule->definition = json_object_ref (json_node_get_object (node));
      g_ptr_array_add (rules, rule);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&rules);
}

/* Run every matching rule on every queued op, oldest first; new ops join the queue. */
static gboolean
drain_queue (Engine  *engine,
             GError **error)
{
  for (guint q = 0; q < engine->queue->len; q++)
    {
      QueueItem item = g_array_index (engine->queue, QueueItem, q);
      /* where the op's deal is now: read once per op, not once per rule */
      gboolean is_deal = g_str_equal (item.op->entity, "deal");
      g_autofree char *deal_pipeline =
        is_deal ? _crm_store_dup_column (engine->store, "deal", item.op->entity_id, "pipeline")
                : NULL;
      g_autofree char *deal_stage =
        is_deal ? _crm_store_dup_column (engine->store, "deal", item.op->entity_id, "stage")
                : NULL;

      for (guint r = 0; r < engine->rules->len; r++)
        {
          const Rule *rule = g_ptr_array_index (engine->rules, r);
          g_autoptr(JsonArray) scratch = json_array_new ();
          JsonArray *triggers = rule_triggers (rule, scratch);

          for (guint t = 0; t < json_array_get_length (triggers); t++)
            {
              JsonNode *node = json_array_get_element (triggers, t);
              g_autofree char *deal = NULL;
              ActionContext ctx = { 0 };

              if (!JSON_NODE_HOLDS_OBJECT (node) ||
                  !trigger_matches (engine, json_node_get_object (node), item.op,
                                    deal_pipeline, deal_stage, &deal))
                continue;

              ctx.engine = engine;
              ctx.rule = rule;
              ctx.cause = item.op->op_id;
              ctx.actor = item.op->actor;
              ctx.depth = item.depth + 1;
              ctx.deal_id = deal;
              if (!check_conditions (&ctx, get_array (rule->definition, "conditions"), item.op))
                continue;
              g_debug ("Rule “%s” fires on op %s", rule->name, item.op->op_id);
              if (!run_actions (&ctx, get_array (rule->definition, "actions"), "", error))
                return FALSE;
              break;  /* one firing per rule per op, however many triggers match */
            }
        }
    }
  return TRUE;
}

static gboolean
run_event_rules (CrmStore   *store,
                 GPtrArray  *ops,
                 GError    **error)
{
  g_autoptr(GPtrArray) rules = load_rules (store, error);
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (QueueItem));
  Engine engine = { 0 };
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n_user_ops = ops->len;

  if (rules == NULL)
    return FALSE;
  if (rules->len == 0)
    return TRUE;
  for (guint i = 0; i < n_user_ops; i++)
    {
      QueueItem item = { g_ptr_array_index (ops, i), 0 };
      g_array_append_val (queue, item);
    }
  engine.store = store;
  engine.rules = rules;
  engine.queue = queue;
  engine.now = crm_store_get_now (store);
  engine.names = names;
  return drain_queue (&engine, error);
}

void
_crm_rules_install (CrmStore *self)
{
  _crm_store_set_rules_hook (self, run_event_rules);
}

/* --- timers ---------------------------------------------------------------------------------- */

typedef struct {
  guint fired;
} TickData;

static gboolean
already_fired (CrmStore   *store,
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
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Candidates of a timer: (deal, start time) pairs — deals sitting at a stage since
 * stage_entered_at, or open tasks' deals since the task's due time. */
static gboolean
timer_candidates (Engine      *engine,
                  JsonObject  *trigger,
                  GPtrArray   *deals,
                  GArray      *starts,
                  GError     **error)
{
  const char *from = get_string (trigger, "from");
  sqlite3_stmt *stmt;

  if (g_strcmp0 (from, "task_due") == 0)
    {
      const char *task_type = get_string (trigger, "task_type");

      stmt = _crm_store_prepare (engine->store,
        "SELECT t.deal, t.due FROM task t WHERE t.done = 0 AND t.deleted = 0"
        " AND t.deal IS NOT NULL AND t.due IS NOT NULL AND (?1 IS NULL OR t.type = ?1)"
        " ORDER BY t.id", error);
      if (stmt == NULL)
        return FALSE;
      if (task_type != NULL)
        sqlite3_bind_text (stmt, 1, task_type, -1, SQLITE_TRANSIENT);
    }
  else
    {
      g_autofree char *stage = resolve_stage (engine, get_string (trigger, "pipeline"),
                                              get_string (trigger, "stage"), NULL);
      if (stage == NULL)
        return TRUE;
      stmt = _crm_store_prepare (engine->store,
        "SELECT id, stage_entered_at FROM deal WHERE stage = ?1 AND deleted = 0"
        " AND stage_entered_at IS NOT NULL ORDER BY id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, stage, -1, SQLITE_TRANSIENT);
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 start = sqlite3_column_int64 (stmt, 1);

      g_ptr_array_add (deals, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (starts, start);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
run_timers (CrmStore  *store,
            gpointer   user_data,
            GError   **error)
{
  TickData *data = user_data;
  g_autoptr(GPtrArray) rules = load_rules (store, error);
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (QueueItem));
  Engine engine = { 0 };
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (rules == NULL)
    return FALSE;
  engine.store = store;
  engine.rules = rules;
  engine.queue = queue;
  engine.now = crm_store_get_now (store);
  engine.names = names;

  for (guint r = 0; r < rules->len; r++)
    {
      const Rule *rule = g_ptr_array_index (rules, r);
      JsonObject *trigger = get_object (rule->definition, "trigger");
      g_autoptr(GPtrArray) deals = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (gint64));

      if (g_strcmp0 (get_string (trigger, "type"), "timer") != 0)
        continue;
      if (!timer_candidates (&engine, trigger, deals, starts, error))
        return FALSE;

      for (guint i = 0; i < deals->len; i++)
        {
          gint64 deadline = offset_time (get_object (trigger, "after"),
                                         g_array_index (starts, gint64, i));
          g_autofree char *cause = NULL;
          ActionContext ctx = { 0 };

          if (deadline > engine.now)
            continue;
          cause = g_strdup_printf ("timer:%s:%" G_GINT64_FORMAT, (char *) deals->pdata[i],
                                   deadline);
          if (already_fired (store, rule->id, cause))
            continue;
          ctx.engine = &engine;
          ctx.rule = rule;
          ctx.cause = cause;
          ctx.actor = NULL;
          ctx.depth = 1;
          ctx.deal_id = deals->pdata[i];
          if (!check_conditions (&ctx, get_array (rule->definition, "conditions"), NULL))
            continue;
          g_debug ("Timer rule “%s” fires for deal %s", rule->name, ctx.deal_id);
          if (!run_actions (&ctx, get_array (rule->definition, "actions"), "", error))
            return FALSE;
          data->fired++;
        }
    }
  /* what the timers wrote may set off event rules in turn */
  return drain_queue (&engine, error);
}

gboolean
crm_rules_tick (CrmStore  *store,
                guint     *out_fired,
                GError   **error)
{
  TickData data = { 0 };

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  /* the store's hook would run event rules over the same ops again: run_timers drains
   * its own queue, so the hook is off for this transaction */
  _crm_store_set_rules_hook (store, NULL);
  if (!_crm_store_transact (store, run_timers, &data, error))
    {
      _crm_store_set_rules_hook (store, run_event_rules);
      return FALSE;
    }
  _crm_store_set_rules_hook (store, run_event_rules);
  if (out_fired != NULL)
    *out_fired = data.fired;
  return TRUE;
}

static gboolean
run_for_ops (CrmStore  *store,
             gpointer   user_data,
             GError   **error)
{
  GPtrArray *ops = user_data;
  g_autoptr(GPtrArray) rules = load_rules (store, error);
  g_autoptr(GArray) queue = g_array_new (FALSE, FALSE, sizeof (QueueItem));
  Engine engine = { 0 };
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (rules == NULL)
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    {
      QueueItem item = { g_ptr_array_index (ops, i), 0 };
      g_array_append_val (queue, item);
    }
  engine.store = store;
  engine.rules = rules;
  engine.queue = queue;
  engine.now = crm_store_get_now (store);
  engine.names = names;
  return drain_queue (&engine, error);
}

gboolean
crm_rules_run_for_ops (CrmStore   *store,
                       GPtrArray  *ops,
                       GError    **error)
{
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  _crm_store_set_rules_hook (store, NULL);
  ok = _crm_store_transact (store, run_for_ops, ops, error);
  _crm_store_set_rules_hook (store, run_event_rules);
  return ok;
}

/* --- validation and listing --------------------------------------------------------------------- */

static gboolean
invalid (GError    **error,
         const char *position,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError    **error,
         const char *position,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s: %s", position,
               message);
  return FALSE;
}

static gboolean
validate_typed (JsonNode           *node,
                const char         *position,
                const char         *what,
                const char *const  *known,
                GError            **error)
{
  const char *type;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, position, _("expected an object with a \"type\""));
  type = get_string (json_node_get_object (node), "type");
  if (!in_list (known, type))
    {
      g_autofree char *list = join_list (known);
      return invalid (error, position, _("unknown %s “%s”; known: %s"), what,
                      type ? type : "", list);
    }
  return TRUE;
}

static gboolean validate_actions (JsonArray *actions, const char *position, GError **error);

static gboolean
validate_conditions (JsonArray   *conditions,
                     const char  *position,
                     GError     **error)
{
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    {
      g_autofree char *at = g_strdup_printf ("%s[%u]", position, i);
      JsonNode *node = json_array_get_element (conditions, i);

      if (!validate_typed (node, at, _("condition"), condition_types, error))
        return FALSE;
      if (g_strcmp0 (get_string (json_node_get_object (node), "type"), "not") == 0)
        {
          JsonObject *inner = get_object (json_node_get_object (node), "condition");
          g_autoptr(JsonArray) one = json_array_new ();
          g_autofree char *inner_at = g_strconcat (at, ".condition", NULL);

          if (inner == NULL)
            return invalid (error, at, _("“not” needs a \"condition\""));
          json_array_add_object_element (one, json_object_ref (inner));
          if (!validate_conditions (one, inner_at, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
validate_actions (JsonArray   *actions,
                  const char  *position,
                  GError     **error)
{
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      g_autofree char *at = g_strdup_printf ("%s[%u]", position, i);
      JsonNode *node = json_array_get_element (actions, i);
      JsonObject *action;
      const char *type;

      if (!validate_typed (node, at, _("action"), action_types, error))
        return FALSE;
      action = json_node_get_object (node);
      type = get_string (action, "type");
      if ((g_str_equal (type, "move_deal") || g_str_equal (type, "create_deal")) &&
          (get_string (action, "pipeline") == NULL || get_string (action, "stage") == NULL))
        return invalid (error, at, _("“%s” needs \"pipeline\" and \"stage\""), type);
      if (g_str_equal (type, "create_task") && get_string (action, "text") == NULL)
        return invalid (error, at, _("“create_task” needs a \"text\""));
      if ((g_str_equal (type, "add_tag") || g_str_equal (type, "remove_tag")) &&
          get_string (action, "tag") == NULL)
        return invalid (error, at, _("“%s” needs a \"tag\""), type);
      if (g_str_equal (type, "set_field") && get_string (action, "field") == NULL)
        return invalid (error, at, _("“set_field” needs a \"field\""));
      if (g_str_equal (type, "for_each_deal") && get_string (action, "pipeline") == NULL)
        return invalid (error, at, _("“for_each_deal” needs a \"pipeline\""));
      {
        g_autofree char *inner_at = g_strconcat (at, ".actions", NULL);
        g_autofree char *cond_at = g_strconcat (at, ".conditions", NULL);

        if (!validate_actions (get_array (action, "actions"), inner_at, error) ||
            !validate_conditions (get_array (action, "conditions"), cond_at, error))
          return FALSE;
      }
    }
  return TRUE;
}

gboolean
crm_rule_validate (JsonNode  *definition,
                   GError   **error)
{
  JsonObject *rule;
  JsonArray *triggers;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition))
    return invalid (error, "rule", _("expected a JSON object"));
  rule = json_node_get_object (definition);
  triggers = get_array (rule, "triggers");
  if (triggers != NULL)
    {
      for (guint i = 0; i < json_array_get_length (triggers); i++)
        {
          g_autofree char *at = g_strdup_printf ("triggers[%u]", i);
          if (!validate_typed (json_array_get_element (triggers, i), at, _("trigger"),
                               trigger_types, error))
            return FALSE;
        }
    }
  else if (!validate_typed (json_object_get_member (rule, "trigger"), "trigger", _("trigger"),
                            trigger_types, error))
    return FALSE;
  if (json_object_has_member (rule, "conditions") && get_array (rule, "conditions") == NULL)
    return invalid (error, "conditions", _("expected an array"));
  if (get_array (rule, "actions") == NULL)
    return invalid (error, "actions", _("expected an array of actions"));
  return validate_conditions (get_array (rule, "conditions"), "conditions", error) &&
         validate_actions (get_array (rule, "actions"), "actions", error);
}

JsonNode *
crm_rules_list (CrmStore  *store,
                GError   **error)
{
  JsonArray *list = json_array_new ();
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, name, enabled, position, definition FROM rule WHERE deleted = 0"
    " ORDER BY position, name, id", error);

  if (stmt == NULL)
    {
      json_array_unref (list);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      g_autoptr(JsonNode) definition = json_from_string (
        (const char *) sqlite3_column_text (stmt, 4), NULL);

      json_object_set_string_member (item, "id", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (item, "name", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_boolean_member (item, "enabled", sqlite3_column_int (stmt, 2) != 0);
      json_object_set_int_member (item, "position", sqlite3_column_int64 (stmt, 3));
      if (definition != NULL && JSON_NODE_HOLDS_OBJECT (definition))
        {
          JsonObject *def = json_node_get_object (definition);
          /* "spec": the requirement a shipped rule implements (S0-2), for admins and
           * tests, never part of its name on screen */
          const char *keys[] = { "spec", "trigger", "triggers", "conditions", "actions" };

          for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
            if (json_object_has_member (def, keys[k]))
              json_object_set_member (item, keys[k],
                                      json_node_copy (json_object_get_member (def, keys[k])));
        }
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  return crm_json_node_take_array (list);
}
