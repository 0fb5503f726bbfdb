/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template.c — account templates: find, parse and apply them.
 *
 * A template is one JSON object (data/templates/NAME.json; see README.md there):
 *
 *   {
 *     "name": "truck-dealer",             lowercase latin, digits, "-"; seeds the ids
 *     "title": "…",                       what the account is, for people
 *     "description": "…",                 optional
 *     "currency": "RUB",                  optional, ISO 4217 (default RUB)
 *     "roles": [{"name", "like": "head|manager|accountant|rep"?,
 *                "rights": {"changes"?, "default"?, "pipelines": {"<pipeline>": {…}}}?}]?
 *                                         crm-rights.h; rights over those of "like"
 *     "users": [{"name", "role": "admin|head|manager|accountant|rep|<a role above>",
 *                "group"?}],              one admin at least
 *     "pipelines": [{"name",
 *                    "stages": [{"name", "kind": "unsorted|open|won|lost",
 *                                "requires_attachment": false?,
 *                                "requires_photo": false?}],        S1-6
 *                    "next_task_required": false?,  an open deal keeps an open task (S1-4)
 *                    "loss_reasons": ["…"]?}],      else the top-level list applies
 *     "loss_reasons": ["…"]?,
 *     "fields": [{"entity": "deal|contact|company", "key", "label",
 *                 "type": "text|choice|bool|number|money|date",
 *                 "choices": ["…"]?,                 choice fields only, and required there
 *                 "required_at": [{"pipeline", "stage"}]?,   deal fields only
 *                 "hidden": false?}]?,
 *     "tag_groups": [{"group": "brand|trailer|other", "tags": ["…"]}]?,
 *     "rules": [{"name", "enabled"?, …}]?    the rest of a rule is the automation's
 *     "approvals": {"discount", "invoice", "director", "accountant",
 *                   "discounts": {"<brand>": percent}}?   crm-approval.h (S3-9, S3-10)
 *   }
 *
 * Unknown keys are refused (a typo must not silently drop a pipeline). Every pipeline
 * has exactly one won and one lost stage; an unsorted stage may only come first.
 *
 * Applying writes one change set. Ids are UUIDv5 under CRM_UUID_NAMESPACE of
 *   "<name>/user/<user>", "<name>/pipeline/<pipeline>", "<name>/stage/<pipeline>/<stage>",
 *   "<name>/loss_reason/<pipeline>/<reason>", "<name>/field/<entity>/<key>",
 *   "<name>/tag/<tag>", "<name>/rule/<rule>",
 * so replicas made from one template agree on them without talking to each other.
 *
 * The check of a template's shape (every refusal above) is in crm-template-check.c. */
#define G_LOG_DOMAIN "voronka-template"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "crm-approval.h"
#include "crm-json.h"
#include "crm-template-private.h"
#include "crm-rights.h"
#include "crm-schedule.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* ───────────────────────────── where templates live ───────────────────────────── */

static char *
dup_templates_dir (void)
{
  const char *env = g_getenv ("VORONKA_TEMPLATES_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_file_test (VORONKA_TEMPLATES_DIR, G_FILE_TEST_IS_DIR))
    return g_strdup (VORONKA_TEMPLATES_DIR);
  return g_strdup (VORONKA_SOURCE_TEMPLATES_DIR);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GStrv
crm_template_list (void)
{
  g_autofree char *dir_path = dup_templates_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".json") && entry[0] != '.')
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".json")));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_steal (names, NULL);
}

/* Ids of template entities: see the top of this file. */
char *
_crm_template_id (const char *template_name,
                  const char *kind,
                  const char *name)
{
  g_autofree char *key = g_strconcat (template_name, "/", kind, "/", name, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, key);
}

/* ──────────────────────────────── loading and parsing ─────────────────────────── */

JsonNode *
crm_template_parse (const char  *json_text,
                    gssize       length,
                    const char  *source_name,
                    GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *source = source_name != NULL ? source_name : "template";

  g_return_val_if_fail (json_text != NULL, NULL);

  root = crm_json_parse_bounded (json_text, length < 0 ? strlen (json_text) : (gsize) length,
                                 CRM_TEMPLATE_MAX_BYTES, CRM_JSON_MAX_DEPTH, &parse_error);
  if (root == NULL)
    {
      /* "SOURCE:LINE:COLUMN: what" as compilers say it; "SOURCE: what" without a place */
      const char *what = parse_error->message;

      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "%s:%s%s", source, g_ascii_isdigit (what[0]) ? "" : " ", what);
      return NULL;
    }
  if (!_crm_template_check (root, source, error))
    return NULL;
  return g_steal_pointer (&root);
}

static gboolean
looks_like_path (const char *name_or_path)
{
  return strchr (name_or_path, G_DIR_SEPARATOR) != NULL ||
         strchr (name_or_path, '/') != NULL ||
         g_str_has_suffix (name_or_path, ".json") ||
         g_file_test (name_or_path, G_FILE_TEST_IS_REGULAR);
}

JsonNode *
crm_template_load (const char  *name_or_path,
                   GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GError) file_error = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (name_or_path != NULL, NULL);

  if (looks_like_path (name_or_path))
    {
      path = g_strdup (name_or_path);
      source = g_strdup (name_or_path);
    }
  else
    {
      g_autofree char *dir = dup_templates_dir ();
      g_autofree char *file = g_strconcat (name_or_path, ".json", NULL);

      path = g_build_filename (dir, file, NULL);
      source = g_steal_pointer (&file);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_auto(GStrv) names = crm_template_list ();
          g_autofree char *list = g_strjoinv (", ", names);

          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                       _("No template named “%s”; the shipped templates are: %s (in %s)"),
                       name_or_path, *list != '\0' ? list : "none", dir);
          return NULL;
        }
    }

  root = crm_json_load_file_bounded (path, CRM_TEMPLATE_MAX_BYTES, CRM_JSON_MAX_DEPTH,
                                     &file_error);
  if (root == NULL && file_error->domain == G_FILE_ERROR)
    {
      g_set_error (error, CRM_STORE_ERROR,
                   g_error_matches (file_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                   ? CRM_STORE_ERROR_NOT_FOUND : CRM_STORE_ERROR_FAILED,
                   _("Could not read the template: %s"), file_error->message);
      return NULL;
    }
  if (root == NULL)
    {
      const char *what = file_error->message;

      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "%s:%s%s", source, g_ascii_isdigit (what[0]) ? "" : " ", what);
      return NULL;
    }
  if (!_crm_template_check (root, source, error))
    return NULL;
  return g_steal_pointer (&root);
}

/* ──────────────────────────────────── applying ────────────────────────────────── */

static JsonArray *
dup_member_array (JsonObject *object,
                  const char *key)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return json_array_new ();
  return json_array_ref (json_node_get_array (node));
}

JsonNode *
_crm_template_role_rights (const char *template_name,
                           const char *like,
                           JsonNode   *rights)
{
  JsonNode *out = crm_rights_builtin_rights (like != NULL ? like : CRM_ROLE_REP);
  JsonObject *base = json_node_get_object (out);
  JsonObject *given = rights != NULL && JSON_NODE_HOLDS_OBJECT (rights)
                      ? json_node_get_object (rights) : NULL;
  g_autoptr(GList) members = given != NULL ? json_object_get_members (given) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (given, l->data);

      if (g_str_equal (l->data, "pipelines") && JSON_NODE_HOLDS_OBJECT (value))
        {
          JsonObject *by_id = json_object_new ();
          g_autoptr(GList) names = json_object_get_members (json_node_get_object (value));

          for (GList *n = names; n != NULL; n = n->next)
            {
              g_autofree char *id = _crm_template_id (template_name, "pipeline", n->data);

              json_object_set_member (by_id, id, json_node_copy (
                json_object_get_member (json_node_get_object (value), n->data)));
            }
          json_object_set_object_member (base, "pipelines", by_id);
        }
      else if (g_str_equal (l->data, "default") && JSON_NODE_HOLDS_OBJECT (value))
        {
          /* over the default of "like": what the template says, the rest as it is */
          JsonObject *fallback = json_object_get_object_member (base, "default");
          g_autoptr(GList) rights_of = json_object_get_members (json_node_get_object (value));

          for (GList *r = rights_of; r != NULL; r = r->next)
            json_object_set_member (fallback, r->data, json_node_copy (
              json_object_get_member (json_node_get_object (value), r->data)));
        }
      else
        json_object_set_member (base, l->data, json_node_copy (value));
    }
  return out;
}

/* The template's own roles, and what `user.role` says for each role name. */
static GHashTable *
add_roles (CrmChangeset *changeset,
           const char   *template_name,
           JsonArray    *roles)
{
  GHashTable *refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonObject *role = json_array_get_object_element (roles, i);
      const char *name = json_object_get_string_member (role, "name");
      char *id = _crm_template_id (template_name, "role", name);
      CrmChange *change = crm_changeset_create (changeset, "role", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_node (change, "rights", _crm_template_role_rights (
        template_name, json_object_get_string_member_with_default (role, "like", NULL),
        json_object_get_member (role, "rights")));
      g_hash_table_insert (refs, g_strdup (name), id);
    }
  return refs;
}

static void
add_users (CrmChangeset *changeset,
           const char   *template_name,
           JsonArray    *users,
           GHashTable   *roles)
{
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *name = json_object_get_string_member (user, "name");
      g_autofree char *id = _crm_template_id (template_name, "user", name);
      CrmChange *change = crm_changeset_create (changeset, "user", id);
      const char *role = json_object_get_string_member (user, "role");
      const char *own = g_hash_table_lookup (roles, role);

      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "role", own != NULL ? own : role);
      if (json_object_has_member (user, "group"))
        crm_change_set_string (change, "grp", json_object_get_string_member (user, "group"));
      else
        crm_change_set_null (change, "grp");
      if (json_object_has_member (user, "schedule"))
        crm_schedule_add_week_change (changeset, id,
                                      json_object_get_string_member (user, "schedule"));
    }
}

static void
add_pipelines (CrmChangeset *changeset,
               const char   *template_name,
               JsonArray    *pipelines,
               JsonArray    *top_reasons)
{
  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      const char *name = json_object_get_string_member (pipeline, "name");
      g_autofree char *pipeline_id = _crm_template_id (template_name, "pipeline", name);
      g_autoptr(JsonArray) stages = dup_member_array (pipeline, "stages");
      g_autoptr(JsonArray) reasons = json_object_has_member (pipeline, "loss_reasons")
                                     ? dup_member_array (pipeline, "loss_reasons")
                                     : json_array_ref (top_reasons);
      CrmChange *change = crm_changeset_create (changeset, "pipeline", pipeline_id);

      crm_change_set_string (change, "name", name);
      crm_change_set_int (change, "position", i);
      if (json_object_get_boolean_member_with_default (pipeline, "next_task_required", FALSE))
        crm_change_set_bool (change, "next_task_required", TRUE);

      for (guint j = 0; j < json_array_get_length (stages); j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);
          const char *stage_name = json_object_get_string_member (stage, "name");
          g_autofree char *id_name = g_strconcat (name, "/", stage_name, NULL);
          g_autofree char *id = _crm_template_id (template_name, "stage", id_name);

          change = crm_changeset_create (changeset, "stage", id);
          crm_change_set_string (change, "pipeline", pipeline_id);
          crm_change_set_string (change, "name", stage_name);
          crm_change_set_string (change, "kind", json_object_get_string_member (stage, "kind"));
          crm_change_set_int (change, "position", j);
          if (json_object_get_boolean_member_with_default (stage, "requires_attachment", FALSE))
            crm_change_set_bool (change, "requires_attachment", TRUE);
          if (json_object_get_boolean_member_with_default (stage, "requires_photo", FALSE))
            crm_change_set_bool (change, "requires_photo", TRUE);
        }

      for (guint j = 0; j < json_array_get_length (reasons); j++)
        {
          const char *reason = json_array_get_string_element (reasons, j);
          g_autofree char *id_name = g_strconcat (name, "/", reason, NULL);
          g_autofree char *id = _crm_template_id (template_name, "loss_reason", id_name);

          change = crm_changeset_create (changeset, "loss_reason", id);
          crm_change_set_string (change, "pipeline", pipeline_id);
          crm_change_set_string (change, "name", reason);
          crm_change_set_int (change, "position", j);
        }
    }
}

static void
add_fields (CrmChangeset *changeset,
            const char   *template_name,
            JsonArray    *fields)
{
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *entity = json_object_get_string_member (field, "entity");
      const char *key = json_object_get_string_member (field, "key");
      g_autofree char *id_name = g_strconcat (entity, "/", key, NULL);
      g_autofree char *id = _crm_template_id (template_name, "field", id_name);
      g_autoptr(JsonArray) choices = dup_member_array (field, "choices");
      g_autoptr(JsonArray) required_at = dup_member_array (field, "required_at");
      JsonArray *stage_ids = json_array_new ();
      JsonNode *node;
      CrmChange *change = crm_changeset_create (changeset, "field", id);

      for (guint j = 0; j < json_array_get_length (required_at); j++)
        {
          JsonObject *at = json_array_get_object_element (required_at, j);
          g_autofree char *stage_name =
            g_strconcat (json_object_get_string_member (at, "pipeline"), "/",
                         json_object_get_string_member (at, "stage"), NULL);
          g_autofree char *stage_id = _crm_template_id (template_name, "stage", stage_name);

          json_array_add_string_element (stage_ids, stage_id);
        }

      crm_change_set_string (change, "entity", entity);
      crm_change_set_string (change, "key", key);
      crm_change_set_string (change, "label", json_object_get_string_member (field, "label"));
      crm_change_set_string (change, "type", json_object_get_string_member (field, "type"));
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, choices);
      crm_change_set_node (change, "choices", node);
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, stage_ids);
      crm_change_set_node (change, "required_stages", node);
      crm_change_set_int (change, "position", i);
      crm_change_set_bool (change, "hidden",
                           json_object_get_boolean_member_with_default (field, "hidden", FALSE));
      if (json_object_get_boolean_member_with_default (field, "on_deals", FALSE))
        crm_change_set_bool (change, "on_deals", TRUE);
    }
}

/* RFM segments (S4-5), tried in the template's order. */
static void
add_rfm_segments (CrmChangeset *changeset,
                  const char   *template_name,
                  JsonArray    *segments)
{
  static const char *const bounds[] = {
    "recency_min", "recency_max", "frequency_min", "frequency_max", "monetary_min",
    "monetary_max", NULL
  };

  for (guint i = 0; segments != NULL && i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);
      const char *key = json_object_get_string_member (segment, "key");
      g_autofree char *id = _crm_template_id (template_name, "rfm_segment", key);
      CrmChange *change = crm_changeset_create (changeset, "rfm_segment", id);

      crm_change_set_string (change, "key", key);
      crm_change_set_string (change, "name", json_object_get_string_member (segment, "name"));
      crm_change_set_int (change, "position", i);
      for (guint b = 0; bounds[b] != NULL; b++)
        {
          JsonNode *node = json_object_get_member (segment, bounds[b]);
          gint64 value;

          if (node == NULL)
            continue;
          if (g_str_has_prefix (bounds[b], "monetary"))
            {
              if (crm_money_parse (json_node_get_string (node), &value))
                crm_change_set_int (change, bounds[b], value);
            }
          else
            crm_change_set_int (change, bounds[b], json_node_get_int (node));
        }
    }
}

static void
add_tags (CrmChangeset *changeset,
          const char   *template_name,
          JsonArray    *groups)
{
  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      JsonObject *group = json_array_get_object_element (groups, i);
      const char *group_name = json_object_get_string_member (group, "group");
      JsonArray *tags = json_object_get_array_member (group, "tags");

      for (guint j = 0; j < json_array_get_length (tags); j++)
        {
          const char *tag = json_array_get_string_element (tags, j);
          g_autofree char *id = _crm_template_id (template_name, "tag", tag);
          CrmChange *change = crm_changeset_create (changeset, "tag", id);

          crm_change_set_string (change, "name", tag);
          crm_change_set_string (change, "grp", group_name);
        }
    }
}

static void
add_rules (CrmChangeset *changeset,
           const char   *template_name,
           JsonArray    *rules)
{
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonNode *rule_node = json_array_get_element (rules, i);
      JsonObject *rule = json_node_get_object (rule_node);
      const char *name = json_object_get_string_member (rule, "name");
      g_autofree char *id = _crm_template_id (template_name, "rule", name);
      CrmChange *change = crm_changeset_create (changeset, "rule", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_node (change, "definition", json_node_copy (rule_node));
      crm_change_set_bool (change, "enabled",
                           json_object_get_boolean_member_with_default (rule, "enabled", TRUE));
      crm_change_set_int (change, "position", i);
    }
}

/* The approval settings, and the brands' first discounts onto their tags. */
static void
add_approvals (CrmChangeset *changeset,
               const char   *template_name,
               JsonNode     *approvals)
{
  JsonObject *discounts;
  g_autoptr(GList) brands = NULL;

  if (approvals == NULL)
    return;
  crm_approval_settings_fill (changeset, approvals);
  discounts = json_object_get_object_member (json_node_get_object (approvals), "discounts");
  if (discounts == NULL)
    return;
  brands = json_object_get_members (discounts);
  for (GList *l = brands; l != NULL; l = l->next)
    {
      g_autofree char *id = _crm_template_id (template_name, "tag", l->data);

      crm_change_set_int (crm_changeset_touch (changeset, "tag", id), "discount",
                          json_object_get_int_member (discounts, l->data));
    }
}

gboolean
crm_template_apply (CrmStore    *store,
                    JsonNode    *template_root,
                    GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_autoptr(JsonArray) roles = NULL;
  g_autoptr(GHashTable) role_refs = NULL;
  g_autoptr(JsonArray) pipelines = NULL;
  g_autoptr(JsonArray) reasons = NULL;
  g_autoptr(JsonArray) fields = NULL;
  g_autoptr(JsonArray) groups = NULL;
  g_autoptr(JsonArray) rules = NULL;
  g_autoptr(JsonArray) segments = NULL;
  g_autofree char *applied = NULL;
  JsonObject *root;
  const char *name, *currency;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The node may come from anywhere (a test, a merge of templates): check it again. */
  if (!_crm_template_check (template_root, "template", error))
    return FALSE;
  root = json_node_get_object (template_root);
  name = json_object_get_string_member (root, "name");
  currency = json_object_get_string_member_with_default (root, "currency", "RUB");

  /* Re-applying the same template only rewrites the same ids; another one would mix two
   * sets of pipelines into one account. */
  applied = crm_store_dup_meta (store, "template");
  if (applied != NULL && !g_str_equal (applied, name))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("This replica was made from template “%s”; it cannot take template “%s” "
                     "as well"), applied, name);
      return FALSE;
    }

  users = dup_member_array (root, "users");
  roles = dup_member_array (root, "roles");
  pipelines = dup_member_array (root, "pipelines");
  reasons = dup_member_array (root, "loss_reasons");
  fields = dup_member_array (root, "fields");
  groups = dup_member_array (root, "tag_groups");
  rules = dup_member_array (root, "rules");
  segments = dup_member_array (root, "rfm_segments");

  changeset = crm_changeset_new ();
  role_refs = add_roles (changeset, name, roles);
  add_users (changeset, name, users, role_refs);
  add_pipelines (changeset, name, pipelines, reasons);
  add_fields (changeset, name, fields);
  add_tags (changeset, name, groups);
  add_rules (changeset, name, rules);
  add_rfm_segments (changeset, name, segments);
  if (json_object_has_member (root, "time_zone"))
    crm_schedule_add_zone_change (changeset, json_object_get_string_member (root, "time_zone"));
  add_approvals (changeset, name, json_object_get_member (root, "approvals"));

  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (!crm_store_set_meta (store, "template", name, error) ||
      !crm_store_set_meta (store, "currency", currency, error))
    return FALSE;
  g_debug ("Applied template %s: %u entities", name,
           crm_changeset_get_n_changes (changeset));
  return TRUE;
}
