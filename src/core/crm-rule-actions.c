/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-actions.c — what a rule does: move or create deals, create tasks, set fields,
 * tag, notify, send messages, act on every deal of a pipeline. Every write goes
 * through emit(), inside the transaction of the change that set the rule off. */
#define G_LOG_DOMAIN "voronka-rules"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rules-private.h"
#include "crm-json-private.h"
#include "crm-uuid.h"
#include "crm-counter-private.h"
#include "crm-sql-private.h"
#include "crm-message.h"
#include "crm-rights.h"

static GPtrArray *
deal_contacts (CrmRuleEngine *engine,
               const char    *deal_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT contact FROM deal_contact WHERE deal = ?1 AND present = 1 AND deleted = 0"
    " ORDER BY contact", NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 1, deal_id, -1, SQLITE_TRANSIENT);
  while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

/* "deal" (the subject deal's responsible), "client_manager" (who won the client's
 * latest deal), a user's name or id, or "group_head:G" (crm_rights_group_head(): the
 * group's head or manager, else its administrator, else its first member). */
static char *
resolve_responsible (CrmRuleContext *ctx,
                     const char     *spec,
                     JsonArray      *client_pipelines)
{
  CrmRuleEngine *engine = ctx->engine;

  if (spec == NULL || g_str_equal (spec, "deal"))
    {
      char *user = _crm_store_dup_column (engine->store, "deal", ctx->deal_id, "responsible");

      /* no deal: the manager of the contact the rule is about (a mailing's e-mail) */
      if (user == NULL && ctx->deal_id == NULL && ctx->contact_id != NULL)
        user = _crm_store_dup_column (engine->store, "contact", ctx->contact_id, "responsible");
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
      g_autofree char *pipelines = _crm_rule_pipeline_ids_json (engine, client_pipelines);
      char *user = NULL;

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, ctx->deal_id, -1, SQLITE_TRANSIENT);
      if (pipelines != NULL)
        sqlite3_bind_text (stmt, 2, pipelines, -1, SQLITE_TRANSIENT);
      if (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
        user = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      return user;
    }
  if (g_str_equal (spec, "group_head"))
    return _crm_rule_subject_group_head (ctx);
  if (g_str_has_prefix (spec, "group_head:"))
    return crm_rights_group_head (engine->store, spec + strlen ("group_head:"));
  return _crm_rule_resolve (engine, "user", spec, NULL);
}

/* "{tag}" and "{title}" in texts. */
static char *
expand_text (CrmRuleContext *ctx,
             const char     *text)
{
  g_autoptr(GString) out = g_string_new (text ? text : "");

  if (ctx->tag_name != NULL)
    g_string_replace (out, "{tag}", ctx->tag_name, 0);
  _crm_rule_expand_subject (ctx, out);
  if (strstr (out->str, "{title}") != NULL)
    {
      g_autofree char *title = _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id,
                                                      "title");
      g_string_replace (out, "{title}", title ? title : "", 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- actions ----------------------------------------------------------------------------- */

/* Write one change on behalf of the rule and queue the op for further rules. */
static CrmOp *
emit (CrmRuleContext  *ctx,
      CrmChange       *change,
      GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  CrmRuleQueueItem item;
  CrmOp *op;

  if (ctx->depth > CRM_RULES_MAX_DEPTH)
    {
      g_set_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_LOOP,
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
derive_id (CrmRuleContext *ctx,
           const char     *path)
{
  g_autofree char *name = g_strdup_printf ("%s/%s", ctx->cause, path);

  return crm_uuid_v5 (ctx->rule->id, name);
}

/* A follow-up deal's id comes from (rule, source deal, action) rather than from the
 * trigger op: a deal closed, reopened and closed again finds the follow-up its first
 * close made instead of making a second one, on every replica alike. A timer's cause
 * already names its deal and deadline, and a deal made without a source deal has only
 * its trigger. */
static char *
follow_up_id (CrmRuleContext *ctx,
              const char     *path)
{
  g_autofree char *name = NULL;

  if (ctx->deal_id == NULL || ctx->cause == NULL || g_str_has_prefix (ctx->cause, "timer:"))
    return derive_id (ctx, path);
  name = g_strdup_printf ("deal:%s/%s", ctx->deal_id, path);
  return crm_uuid_v5 (ctx->rule->id, name);
}

static gboolean
entity_exists (CrmRuleEngine *engine,
               const char    *entity,
               const char    *id)
{
  g_autoptr(JsonObject) object = crm_store_dup_entity (engine->store, entity, id);

  return object != NULL;
}

static gboolean
unknown_target (CrmRuleContext  *ctx,
                const char      *what,
                const char      *name,
                GError         **error)
{
  g_set_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET,
               _("Rule “%s” names %s “%s”, which does not exist; fix the rule"),
               ctx->rule->name, _(what), name ? name : "");
  return FALSE;
}

static gboolean
action_move_deal (CrmRuleContext  *ctx,
                  JsonObject      *action,
                  GError         **error)
{
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  CrmChange *change;

  if (ctx->deal_id == NULL)
    return TRUE;
  stage = _crm_rule_resolve_stage (ctx->engine, get_string (action, "pipeline"),
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

/* Is @key a deal's custom field of type counter? */
static gboolean
is_counter (CrmRuleEngine *engine,
            const char    *key)
{
  sqlite3_stmt *stmt = _crm_store_prepare (engine->store,
    "SELECT 1 FROM field WHERE entity = 'deal' AND key = ?1 AND type = 'counter'"
    " AND deleted = 0", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, key);
  found = _crm_store_step (engine->store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static gboolean
action_create_deal (CrmRuleContext  *ctx,
                    JsonObject      *action,
                    const char      *path,
                    GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *id = follow_up_id (ctx, path);
  g_autoptr(JsonObject) source = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *title = NULL;
  g_autofree char *responsible = NULL;
  CrmRuleContext inner = *ctx;
  CrmChange *change;

  stage = _crm_rule_resolve_stage (engine, get_string (action, "pipeline"),
                                   get_string (action, "stage"), &pipeline);
  if (stage == NULL)
    return unknown_target (ctx, N_("stage"), get_string (action, "stage"), error);
  existing = crm_store_dup_entity (engine->store, "deal", id);
  if (existing != NULL && get_string (existing, "title") != NULL &&
      get_string (existing, "pipeline") != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (existing);

      /* made already, here or on another replica, by an earlier close of this deal. This
       * close re-touches it, whole, as it stands, with this close as its cause: the
       * follow-up then stands with whichever close holds. The earlier close may yet be
       * refused by the server (its creation refused with it) or overridden (its effects
       * withdrawn): this op brings the deal back, or makes it where the server never had
       * it, and the withdrawal of the earlier close leaves it alone (crm-ledger-business.c).
       * One withdrawn or deleted meanwhile comes back with this close. Writing the values
       * it has changes nothing here and sets off no rule (no field changes). */
      change = crm_changeset_touch (cs, "deal", id);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (existing, l->data);

          /* not the server's number, nor a counter (each device writes only its own
           * part of one) */
          if (g_str_equal (l->data, "id") || g_str_equal (l->data, "number") ||
              g_str_equal (l->data, "deleted") || JSON_NODE_HOLDS_NULL (value) ||
              _crm_counter_is_part (l->data) || is_counter (engine, l->data))
            continue;
          crm_change_set_node (change, l->data, json_node_copy (value));
        }
      crm_change_set_bool (change, "deleted", FALSE);
      return emit (ctx, change, error) != NULL;
    }

  source = ctx->deal_id ? crm_store_dup_entity (engine->store, "deal", ctx->deal_id) : NULL;
  title = get_string (action, "title") ? expand_text (ctx, get_string (action, "title")) :
          g_strdup (source ? get_string (source, "title") : _("New deal"));
  responsible = copies (action, "responsible") && source ?
    g_strdup (get_string (source, "responsible")) :
    resolve_responsible (ctx, get_string (action, "responsible"),
                         get_array (action, "client_pipelines"));

  /* a row without a title is what a refused creation leaves (the server's corrective op
   * empties it): it is made again in full */
  change = existing != NULL ? crm_changeset_touch (cs, "deal", id)
                            : crm_changeset_create (cs, "deal", id);
  if (existing != NULL)
    crm_change_set_bool (change, "deleted", FALSE);
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
      while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
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
      g_autoptr(GPtrArray) tags = _crm_rule_deal_tags (engine, ctx->deal_id, NULL, NULL);

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
    return _crm_rule_run_actions (&inner, get_array (action, "actions"), inner_path, error);
  }
}

static gboolean
action_create_task (CrmRuleContext  *ctx,
                    JsonObject      *action,
                    const char      *path,
                    GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
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
  if (ctx->deal_id == NULL && ctx->contact_id != NULL)
    crm_change_set_string (change, "contact", ctx->contact_id);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", task_type ? task_type : "task");
  crm_change_set_int (change, "due",
                      _crm_rule_offset_time (get_object (action, "due"), engine->now));
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "created_at", engine->now);
  _crm_rule_mark_auto_task (ctx, change);
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
action_set_field (CrmRuleContext  *ctx,
                  JsonObject      *action,
                  GError         **error)
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
action_tag (CrmRuleContext  *ctx,
            JsonObject      *action,
            gboolean         present,
            GError         **error)
{
  g_autofree char *tag = _crm_rule_resolve (ctx->engine, "tag", get_string (action, "tag"), NULL);
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  if (ctx->deal_id == NULL)
    return TRUE;
  if (tag == NULL)
    return unknown_target (ctx, N_("tag"), get_string (action, "tag"), error);
  if (_crm_rule_deal_has_tag (ctx->engine, ctx->deal_id, tag) == present)
    return TRUE;
  return emit (ctx, crm_changeset_set_link (cs, "deal_tag", "deal", ctx->deal_id, "tag", tag,
                                            present), error) != NULL;
}

static gboolean
action_notify (CrmRuleContext  *ctx,
               JsonObject      *action,
               const char      *path,
               GError         **error)
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

/* "channel": ["sms", "email"]: the first the recipient has an address for (S3-4: an SMS
 * to a client with a phone, else an e-mail), the first of them when none. */
static const char *
first_reachable_channel (CrmRuleContext *ctx,
                         JsonArray      *channels,
                         const char     *recipient)
{
  for (guint i = 0; channels != NULL && i < json_array_get_length (channels); i++)
    if (crm_message_has_address (ctx->engine->store, recipient,
                                 json_array_get_string_element (channels, i)))
      return json_array_get_string_element (channels, i);
  return channels != NULL && json_array_get_length (channels) > 0
         ? json_array_get_string_element (channels, 0) : NULL;
}

static gboolean
action_send_message (CrmRuleContext  *ctx,
                     JsonObject      *action,
                     const char      *path,
                     GError         **error)
{
  g_autofree char *id = derive_id (ctx, path);
  g_autofree char *text = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *recipient = NULL;
  g_autofree char *template_channel = NULL;
  g_autofree char *author = NULL;
  const char *to = get_string (action, "to");
  const char *channel = get_string (action, "channel");
  const char *template_name = get_string (action, "template");
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
  author = ctx->actor != NULL ? g_strdup (ctx->actor)
                              : _crm_store_dup_column (ctx->engine->store, "deal", ctx->deal_id,
                                                       "responsible");

  if (channel == NULL)
    channel = first_reachable_channel (ctx, get_array (action, "channel"), recipient);
  if (template_name != NULL)
    {
      g_autofree char *body = NULL;
      g_autofree char *template_subject = NULL;

      if (!crm_message_template_lookup (ctx->engine->store, template_name, &template_channel,
                                        &template_subject, &body))
        return unknown_target (ctx, N_("message template"), template_name, error);
      text = crm_message_fill (ctx->engine->store, body, ctx->deal_id, recipient, author, FALSE);
      if (template_subject != NULL)
        subject = crm_message_fill (ctx->engine->store, template_subject, ctx->deal_id,
                                    recipient, author, FALSE);
      if (channel == NULL)
        channel = template_channel;
    }
  else
    {
      g_autofree char *expanded = expand_text (ctx, get_string (action, "text"));

      text = crm_message_fill (ctx->engine->store, expanded, ctx->deal_id, recipient, author,
                               FALSE);
      if (get_string (action, "subject") != NULL)
        subject = crm_message_fill (ctx->engine->store, get_string (action, "subject"),
                                    ctx->deal_id, recipient, author, FALSE);
    }

  change = crm_changeset_create (cs, "message", id);
  crm_change_set_string (change, "channel", channel ? channel : "sms");
  crm_change_set_string (change, "recipient", recipient);
  crm_change_set_string (change, "text", text);
  if (subject != NULL)
    crm_change_set_string (change, "subject", subject);
  if (template_name != NULL)
    {
      crm_change_set_string (change, "template", template_name);
      crm_message_set_template_parts (ctx->engine->store, change, template_name,
                                      channel ? channel : "sms", ctx->deal_id, recipient, author);
    }
  if (author != NULL)
    crm_change_set_string (change, "author", author);
  crm_change_set_string (change, "deal", ctx->deal_id);
  crm_change_set_string (change, "status", "queued");
  crm_change_set_int (change, "created_at", ctx->engine->now);
  return emit (ctx, change, error) != NULL;
}

/* Run "actions" on every other open deal of a pipeline that shares a tag of a group with
 * the subject deal (S0-7: a truck of brand X arrived → the clients waiting for X). */
static gboolean
action_for_each_deal (CrmRuleContext  *ctx,
                      JsonObject      *action,
                      const char      *path,
                      GError         **error)
{
  CrmRuleEngine *engine = ctx->engine;
  g_autofree char *pipeline =
    _crm_rule_resolve (engine, "pipeline", get_string (action, "pipeline"), NULL);
  const char *group = get_string (action, "shares_tag_group");
  g_autoptr(GPtrArray) tag_names = NULL;
  g_autoptr(GPtrArray) tag_ids = NULL;
  gboolean open_only = !json_object_has_member (action, "open_only") ||
                       json_object_get_boolean_member (action, "open_only");

  if (pipeline == NULL)
    return unknown_target (ctx, N_("pipeline"), get_string (action, "pipeline"), error);
  if (ctx->deal_id == NULL)
    return TRUE;
  tag_ids = _crm_rule_deal_tags (engine, ctx->deal_id, group, &tag_names);

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
      while (_crm_store_step (engine->store, stmt) == SQLITE_ROW)
        g_ptr_array_add (targets, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);

      for (guint i = 0; i < targets->len; i++)
        {
          CrmRuleContext inner = *ctx;
          g_autofree char *inner_path = g_strdup_printf ("%s/%s", path,
                                                         (char *) targets->pdata[i]);

          inner.deal_id = targets->pdata[i];
          inner.tag_name = tag_names->pdata[t];
          if (!_crm_rule_check_conditions (&inner, get_array (action, "conditions"), NULL))
            continue;
          if (!_crm_rule_run_actions (&inner, get_array (action, "actions"), inner_path, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
_crm_rule_run_actions (CrmRuleContext  *ctx,
                       JsonArray       *actions,
                       const char      *path,
                       GError         **error)
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
        ok = _crm_rule_for_recipients (ctx, action, "user", action_path, action_notify, error);
      else if (g_strcmp0 (type, "send_message") == 0)
        ok = _crm_rule_for_recipients (ctx, action, "to", action_path, action_send_message,
                                       error);
      else if (g_strcmp0 (type, "increment") == 0)
        ok = _crm_rule_action_increment (ctx, action, error);
      else if (g_strcmp0 (type, "close_lost") == 0)
        ok = _crm_rule_action_close_lost (ctx, action, error);
      else if (g_strcmp0 (type, "for_each_deal") == 0)
        ok = action_for_each_deal (ctx, action, action_path, error);
      else if (_crm_rule_schedule_is_action (type))
        ok = _crm_rule_schedule_run_action (ctx, action, action_path, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* --- for actions of other files (crm-rules-private.h) ------------------------------------- */

CrmOp *
_crm_rule_emit (CrmRuleContext  *ctx,
                CrmChange       *change,
                GError         **error)
{
  return emit (ctx, change, error);
}

char *
_crm_rule_derive_id (CrmRuleContext *ctx,
                     const char     *path)
{
  return derive_id (ctx, path);
}

gboolean
_crm_rule_entity_exists (CrmRuleEngine *engine,
                         const char    *entity,
                         const char    *id)
{
  return entity_exists (engine, entity, id);
}

gboolean
_crm_rule_unknown_target (CrmRuleContext  *ctx,
                          const char      *what,
                          const char      *name,
                          GError         **error)
{
  return unknown_target (ctx, what, name, error);
}

char *
_crm_rule_resolve_responsible (CrmRuleContext *ctx,
                               const char     *spec,
                               JsonArray      *client_pipelines)
{
  return resolve_responsible (ctx, spec, client_pipelines);
}
