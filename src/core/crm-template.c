/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template.c — account templates: find, parse, validate and apply them.
 *
 * A template is one JSON object (data/templates/NAME.json; see README.md there):
 *
 *   {
 *     "name": "truck-dealer",             lowercase latin, digits, "-"; seeds the ids
 *     "title": "…",                       what the account is, for people
 *     "description": "…",                 optional
 *     "currency": "RUB",                  optional, ISO 4217 (default RUB)
 *     "users": [{"name", "role": "admin|manager|rep", "group"?}],  one admin at least
 *     "pipelines": [{"name",
 *                    "stages": [{"name", "kind": "unsorted|open|won|lost",
 *                                "requires_attachment": false?}],   S1-6
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
 *   }
 *
 * Unknown keys are refused (a typo must not silently drop a pipeline). Every pipeline
 * has exactly one won and one lost stage; an unsorted stage may only come first.
 *
 * Applying writes one change set. Ids are UUIDv5 under CRM_UUID_NAMESPACE of
 *   "<name>/user/<user>", "<name>/pipeline/<pipeline>", "<name>/stage/<pipeline>/<stage>",
 *   "<name>/loss_reason/<pipeline>/<reason>", "<name>/field/<entity>/<key>",
 *   "<name>/tag/<tag>", "<name>/rule/<rule>",
 * so replicas made from one template agree on them without talking to each other. */
#define G_LOG_DOMAIN "voronka-template"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdarg.h>
#include <string.h>

#include "crm-json.h"
#include "crm-rules.h"
#include "crm-template.h"
#include "crm-uuid.h"

static const char *const root_keys[] = {
  "name", "title", "description", "currency", "users", "pipelines", "loss_reasons",
  "fields", "tag_groups", "rules", NULL
};
static const char *const user_keys[] = { "name", "role", "group", NULL };
static const char *const user_roles[] = { "admin", "manager", "rep", NULL };
static const char *const pipeline_keys[] = {
  "name", "stages", "loss_reasons", "next_task_required", NULL
};
static const char *const stage_keys[] = { "name", "kind", "requires_attachment", NULL };
static const char *const stage_kinds[] = { "unsorted", "open", "won", "lost", NULL };
static const char *const field_keys[] = {
  "entity", "key", "label", "type", "choices", "required_at", "hidden", NULL
};
static const char *const field_entities[] = { "deal", "contact", "company", NULL };
static const char *const field_types[] = {
  "text", "choice", "bool", "number", "money", "date", NULL
};
static const char *const required_at_keys[] = { "pipeline", "stage", NULL };
static const char *const tag_group_keys[] = { "group", "tags", NULL };
static const char *const tag_groups[] = { "brand", "trailer", "other", NULL };

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

/* ─────────────────────────────────── checking ─────────────────────────────────── */

typedef struct {
  const char  *source;     /* "truck-dealer.json", a path, or the template's name */
  const char  *name;       /* the template's name, once known */
  GHashTable  *ids;        /* id → key path that made it: catches id collisions */
  GHashTable  *pipelines;  /* pipeline name → GHashTable of its stage names */
  GError     **error;
} Check;

static gboolean G_GNUC_PRINTF (3, 4)
check_fail (Check      *c,
            const char *path,
            const char *format,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (path != NULL && *path != '\0')
    g_set_error (c->error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                 "%s: %s: %s", c->source, path, what);
  else
    g_set_error (c->error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                 "%s: %s", c->source, what);
  return FALSE;
}

static char *
path_key (const char *path,
          const char *key)
{
  if (path == NULL || *path == '\0')
    return g_strdup (key);
  return g_strdup_printf ("%s.%s", path, key);
}

static char *
path_index (const char *path,
            const char *key,
            guint       index)
{
  if (path == NULL || *path == '\0')
    return g_strdup_printf ("%s[%u]", key, index);
  return g_strdup_printf ("%s.%s[%u]", path, key, index);
}

static const char *
describe_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "true/false";
    default:
      return "a number";
    }
}

static gboolean
is_blank (const char *value)
{
  for (const char *p = value; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

static gboolean
string_in (const char        *value,
           const char *const *allowed)
{
  return value != NULL && g_strv_contains (allowed, value);
}

static gboolean
check_one_of (Check             *c,
              const char        *path,
              const char        *value,
              const char *const *allowed)
{
  g_autofree char *list = NULL;

  if (string_in (value, allowed))
    return TRUE;
  list = g_strjoinv (", ", (char **) allowed);
  return check_fail (c, path, "expected one of %s, not “%s”", list, value);
}

static gboolean
check_keys (Check             *c,
            JsonObject        *object,
            const char        *path,
            const char *const *allowed)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!string_in (l->data, allowed))
      {
        g_autofree char *where = path_key (path, l->data);
        g_autofree char *list = g_strjoinv (", ", (char **) allowed);

        return check_fail (c, where, "unknown key; expected one of %s", list);
      }
  return TRUE;
}

static gboolean
check_object (Check       *c,
              JsonNode    *node,
              const char  *path,
              JsonObject **out)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return check_fail (c, path, "expected an object, got %s",
                       node != NULL ? describe_node (node) : "nothing");
  *out = json_node_get_object (node);
  return TRUE;
}

/* A member that must be a non-empty string (or may be missing, *out = NULL). */
static gboolean
get_string (Check       *c,
            JsonObject  *object,
            const char  *path,
            const char  *key,
            gboolean     required,
            const char **out)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autofree char *where = path_key (path, key);
  const char *value;

  *out = NULL;
  if (node == NULL)
    return required ? check_fail (c, where, "is required") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return check_fail (c, where, "expected a string, got %s", describe_node (node));
  value = json_node_get_string (node);
  if (is_blank (value))
    return check_fail (c, where, "must not be empty");
  *out = value;
  return TRUE;
}

static gboolean
get_array (Check       *c,
           JsonObject  *object,
           const char  *path,
           const char  *key,
           gboolean     required,
           JsonArray  **out)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autofree char *where = path_key (path, key);

  *out = NULL;
  if (node == NULL)
    return required ? check_fail (c, where, "is required") : TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return check_fail (c, where, "expected an array, got %s", describe_node (node));
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
check_optional_bool (Check      *c,
                     JsonObject *object,
                     const char *path,
                     const char *key)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autofree char *where = path_key (path, key);

  if (node != NULL &&
      (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN))
    return check_fail (c, where, "expected true or false, got %s", describe_node (node));
  return TRUE;
}

/* Non-empty strings, each listed once; @seen (optional) is shared between lists. */
static gboolean
check_string_list (Check      *c,
                   JsonArray  *array,
                   const char *path,
                   GHashTable *seen)
{
  g_autoptr(GHashTable) local = NULL;

  if (seen == NULL)
    seen = local = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *where = g_strdup_printf ("%s[%u]", path, i);
      const char *value;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return check_fail (c, where, "expected a string, got %s", describe_node (node));
      value = json_node_get_string (node);
      if (is_blank (value))
        return check_fail (c, where, "must not be empty");
      if (g_hash_table_contains (seen, value))
        return check_fail (c, where, "“%s” is listed twice", value);
      g_hash_table_add (seen, (gpointer) value);
    }
  return TRUE;
}

static char *
template_id (const char *template_name,
             const char *kind,
             const char *name)
{
  g_autofree char *key = g_strconcat (template_name, "/", kind, "/", name, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, key);
}

/* Names may contain "/", so two different names could in theory map to one id. */
static gboolean
check_id (Check      *c,
          const char *path,
          const char *kind,
          const char *name)
{
  char *id = template_id (c->name, kind, name);
  const char *other = g_hash_table_lookup (c->ids, id);

  if (other != NULL)
    {
      g_free (id);
      return check_fail (c, path, "gets the same id as %s; rename one of them", other);
    }
  g_hash_table_insert (c->ids, id, g_strdup (path));
  return TRUE;
}

static gboolean
check_users (Check     *c,
             JsonArray *users)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean have_admin = FALSE;

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      g_autofree char *path = path_index (NULL, "users", i);
      g_autofree char *role_path = path_key (path, "role");
      JsonObject *user = NULL;
      const char *name = NULL, *role = NULL, *group = NULL;

      if (!check_object (c, json_array_get_element (users, i), path, &user) ||
          !check_keys (c, user, path, user_keys) ||
          !get_string (c, user, path, "name", TRUE, &name) ||
          !get_string (c, user, path, "role", TRUE, &role) ||
          !check_one_of (c, role_path, role, user_roles) ||
          !get_string (c, user, path, "group", FALSE, &group))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) name))
        return check_fail (c, path, "a second user named “%s”", name);
      if (!check_id (c, path, "user", name))
        return FALSE;
      have_admin |= g_str_equal (role, "admin");
    }
  if (!have_admin)
    return check_fail (c, "users", "no user with role “admin”; someone must be able to "
                                   "change the pipelines and rules");
  return TRUE;
}

static gboolean
check_stages (Check      *c,
              const char *path,
              const char *pipeline_name,
              JsonArray  *stages,
              GHashTable *stage_names)
{
  g_autofree char *stages_path = path_key (path, "stages");
  const char *won = NULL, *lost = NULL;

  if (json_array_get_length (stages) == 0)
    return check_fail (c, stages_path, "a pipeline needs stages");
  for (guint i = 0; i < json_array_get_length (stages); i++)
    {
      g_autofree char *stage_path = path_index (path, "stages", i);
      g_autofree char *kind_path = path_key (stage_path, "kind");
      g_autofree char *id_name = NULL;
      JsonObject *stage = NULL;
      const char *name = NULL, *kind = NULL;

      if (!check_object (c, json_array_get_element (stages, i), stage_path, &stage) ||
          !check_keys (c, stage, stage_path, stage_keys) ||
          !get_string (c, stage, stage_path, "name", TRUE, &name) ||
          !get_string (c, stage, stage_path, "kind", TRUE, &kind) ||
          !check_one_of (c, kind_path, kind, stage_kinds) ||
          !check_optional_bool (c, stage, stage_path, "requires_attachment"))
        return FALSE;
      if (!g_hash_table_add (stage_names, (gpointer) name))
        return check_fail (c, stage_path, "a second stage named “%s” in pipeline “%s”",
                           name, pipeline_name);
      id_name = g_strconcat (pipeline_name, "/", name, NULL);
      if (!check_id (c, stage_path, "stage", id_name))
        return FALSE;

      if (g_str_equal (kind, "unsorted") && i != 0)
        return check_fail (c, kind_path, "an “unsorted” stage must be the first stage of "
                                         "its pipeline");
      if (g_str_equal (kind, "won"))
        {
          if (won != NULL)
            return check_fail (c, kind_path, "pipeline “%s” already has a won stage (“%s”); "
                               "exactly one is allowed", pipeline_name, won);
          won = name;
        }
      if (g_str_equal (kind, "lost"))
        {
          if (lost != NULL)
            return check_fail (c, kind_path, "pipeline “%s” already has a lost stage "
                               "(“%s”); exactly one is allowed", pipeline_name, lost);
          lost = name;
        }
    }
  if (won == NULL)
    return check_fail (c, stages_path, "pipeline “%s” has no stage of kind “won”; exactly "
                       "one is required", pipeline_name);
  if (lost == NULL)
    return check_fail (c, stages_path, "pipeline “%s” has no stage of kind “lost”; exactly "
                       "one is required", pipeline_name);
  return TRUE;
}

static gboolean
check_pipelines (Check     *c,
                 JsonArray *pipelines,
                 JsonArray *top_reasons)
{
  if (json_array_get_length (pipelines) == 0)
    return check_fail (c, "pipelines", "a template needs at least one pipeline");

  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      g_autofree char *path = path_index (NULL, "pipelines", i);
      g_autofree char *reasons_path = path_key (path, "loss_reasons");
      GHashTable *stage_names;
      JsonObject *pipeline = NULL;
      JsonArray *stages = NULL, *reasons = NULL;
      const char *name;

      if (!check_object (c, json_array_get_element (pipelines, i), path, &pipeline) ||
          !check_keys (c, pipeline, path, pipeline_keys) ||
          !get_string (c, pipeline, path, "name", TRUE, &name) ||
          !get_array (c, pipeline, path, "stages", TRUE, &stages) ||
          !get_array (c, pipeline, path, "loss_reasons", FALSE, &reasons) ||
          !check_optional_bool (c, pipeline, path, "next_task_required"))
        return FALSE;
      if (g_hash_table_contains (c->pipelines, name))
        return check_fail (c, path, "a second pipeline named “%s”", name);
      if (!check_id (c, path, "pipeline", name))
        return FALSE;

      stage_names = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (c->pipelines, (gpointer) name, stage_names);
      if (!check_stages (c, path, name, stages, stage_names))
        return FALSE;

      if (reasons == NULL)
        reasons = top_reasons;
      if (reasons == NULL || json_array_get_length (reasons) == 0)
        return check_fail (c, reasons_path, "pipeline “%s” has no loss reasons, so none of "
                           "its deals could be closed as lost; list them here or in the "
                           "top-level “loss_reasons”", name);
      if (!check_string_list (c, reasons, reasons_path, NULL))
        return FALSE;
      for (guint j = 0; j < json_array_get_length (reasons); j++)
        {
          g_autofree char *id_name =
            g_strconcat (name, "/", json_array_get_string_element (reasons, j), NULL);

          if (!check_id (c, reasons_path, "loss_reason", id_name))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_field_key (Check      *c,
                 const char *path,
                 const char *key)
{
  gboolean ok = g_ascii_islower (key[0]);

  for (const char *p = key; ok && *p != '\0'; p++)
    ok = g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_';
  if (!ok)
    return check_fail (c, path, "“%s” is not a valid key: use lowercase latin letters, "
                       "digits and “_”, starting with a letter", key);
  return TRUE;
}

static gboolean
check_required_at (Check      *c,
                   const char *path,
                   JsonArray  *required_at)
{
  for (guint i = 0; i < json_array_get_length (required_at); i++)
    {
      g_autofree char *where = path_index (path, "required_at", i);
      g_autofree char *stage_path = path_key (where, "stage");
      g_autofree char *pipeline_path = path_key (where, "pipeline");
      GHashTable *stage_names;
      JsonObject *at = NULL;
      const char *pipeline = NULL, *stage = NULL;

      if (!check_object (c, json_array_get_element (required_at, i), where, &at) ||
          !check_keys (c, at, where, required_at_keys) ||
          !get_string (c, at, where, "pipeline", TRUE, &pipeline) ||
          !get_string (c, at, where, "stage", TRUE, &stage))
        return FALSE;
      stage_names = g_hash_table_lookup (c->pipelines, pipeline);
      if (stage_names == NULL)
        return check_fail (c, pipeline_path, "no pipeline named “%s” in this template",
                           pipeline);
      if (!g_hash_table_contains (stage_names, stage))
        return check_fail (c, stage_path, "no stage named “%s” in pipeline “%s”",
                           stage, pipeline);
    }
  return TRUE;
}

static gboolean
check_fields (Check     *c,
              JsonArray *fields)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      g_autofree char *path = path_index (NULL, "fields", i);
      g_autofree char *entity_path = path_key (path, "entity");
      g_autofree char *key_path = path_key (path, "key");
      g_autofree char *type_path = path_key (path, "type");
      g_autofree char *choices_path = path_key (path, "choices");
      g_autofree char *required_path = path_key (path, "required_at");
      char *id_name;
      JsonObject *field = NULL;
      JsonArray *choices = NULL, *required_at = NULL;
      const char *entity = NULL, *key = NULL, *label = NULL, *type = NULL;

      if (!check_object (c, json_array_get_element (fields, i), path, &field) ||
          !check_keys (c, field, path, field_keys) ||
          !get_string (c, field, path, "entity", TRUE, &entity) ||
          !check_one_of (c, entity_path, entity, field_entities) ||
          !get_string (c, field, path, "key", TRUE, &key) ||
          !check_field_key (c, key_path, key) ||
          !get_string (c, field, path, "label", TRUE, &label) ||
          !get_string (c, field, path, "type", TRUE, &type) ||
          !check_one_of (c, type_path, type, field_types) ||
          !get_array (c, field, path, "choices", FALSE, &choices) ||
          !get_array (c, field, path, "required_at", FALSE, &required_at) ||
          !check_optional_bool (c, field, path, "hidden"))
        return FALSE;

      id_name = g_strconcat (entity, "/", key, NULL);
      if (!g_hash_table_add (seen, id_name))
        return check_fail (c, key_path, "a second %s field with key “%s”", entity, key);
      if (!check_id (c, path, "field", id_name))
        return FALSE;

      if (g_str_equal (type, "choice"))
        {
          if (choices == NULL || json_array_get_length (choices) == 0)
            return check_fail (c, choices_path, "a field of type “choice” needs a "
                               "non-empty list of choices");
          if (!check_string_list (c, choices, choices_path, NULL))
            return FALSE;
        }
      else if (choices != NULL)
        return check_fail (c, choices_path, "only fields of type “choice” have choices "
                           "(this one is “%s”)", type);

      if (required_at != NULL && !g_str_equal (entity, "deal"))
        return check_fail (c, required_path, "only deal fields can be required at a stage");
      if (required_at != NULL && !check_required_at (c, path, required_at))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_tag_groups (Check     *c,
                  JsonArray *groups)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (groups); i++)
    {
      g_autofree char *path = path_index (NULL, "tag_groups", i);
      g_autofree char *group_path = path_key (path, "group");
      g_autofree char *tags_path = path_key (path, "tags");
      JsonObject *group = NULL;
      JsonArray *tags = NULL;
      const char *name;

      if (!check_object (c, json_array_get_element (groups, i), path, &group) ||
          !check_keys (c, group, path, tag_group_keys) ||
          !get_string (c, group, path, "group", TRUE, &name) ||
          !check_one_of (c, group_path, name, tag_groups) ||
          !get_array (c, group, path, "tags", TRUE, &tags) ||
          !check_string_list (c, tags, tags_path, seen))
        return FALSE;
      for (guint j = 0; j < json_array_get_length (tags); j++)
        if (!check_id (c, tags_path, "tag", json_array_get_string_element (tags, j)))
          return FALSE;
    }
  return TRUE;
}

/* The automation engine checks what a rule does; here only what applying needs. */
static gboolean
check_rules (Check     *c,
             JsonArray *rules)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      g_autofree char *path = path_index (NULL, "rules", i);
      g_autoptr(GError) rule_error = NULL;
      JsonObject *rule = NULL;
      const char *name;

      if (!check_object (c, json_array_get_element (rules, i), path, &rule) ||
          !get_string (c, rule, path, "name", TRUE, &name) ||
          !check_optional_bool (c, rule, path, "enabled"))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) name))
        return check_fail (c, path, "a second rule named “%s”", name);
      if (!check_id (c, path, "rule", name))
        return FALSE;
      if (!crm_rule_validate (json_array_get_element (rules, i), &rule_error))
        return check_fail (c, path, "%s", rule_error->message);
    }
  return TRUE;
}

static gboolean
check_template_name (Check      *c,
                     const char *name)
{
  gboolean ok = g_ascii_islower (name[0]) || g_ascii_isdigit (name[0]);

  for (const char *p = name; ok && *p != '\0'; p++)
    ok = g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-';
  if (!ok)
    return check_fail (c, "name", "“%s” is not a valid template name: use lowercase latin "
                       "letters, digits and “-”", name);
  return TRUE;
}

static gboolean
check_template (JsonNode    *root,
                const char  *source,
                GError     **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) pipelines =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                           (GDestroyNotify) g_hash_table_unref);
  Check c = { source, NULL, ids, pipelines, error };
  JsonObject *object = NULL;
  JsonArray *users = NULL, *pipeline_list = NULL, *reasons = NULL;
  JsonArray *fields = NULL, *groups = NULL, *rules = NULL;
  const char *title = NULL, *currency = NULL, *description = NULL;

  if (root == NULL)
    return check_fail (&c, NULL, "the template is empty");
  if (!check_object (&c, root, NULL, &object) ||
      !check_keys (&c, object, NULL, root_keys) ||
      !get_string (&c, object, NULL, "name", TRUE, &c.name) ||
      !check_template_name (&c, c.name) ||
      !get_string (&c, object, NULL, "title", TRUE, &title) ||
      !get_string (&c, object, NULL, "description", FALSE, &description) ||
      !get_string (&c, object, NULL, "currency", FALSE, &currency) ||
      !get_array (&c, object, NULL, "users", TRUE, &users) ||
      !get_array (&c, object, NULL, "pipelines", TRUE, &pipeline_list) ||
      !get_array (&c, object, NULL, "loss_reasons", FALSE, &reasons) ||
      !get_array (&c, object, NULL, "fields", FALSE, &fields) ||
      !get_array (&c, object, NULL, "tag_groups", FALSE, &groups) ||
      !get_array (&c, object, NULL, "rules", FALSE, &rules))
    return FALSE;

  if (currency != NULL &&
      (strlen (currency) != 3 || !g_ascii_isupper (currency[0]) ||
       !g_ascii_isupper (currency[1]) || !g_ascii_isupper (currency[2])))
    return check_fail (&c, "currency", "“%s” is not a currency code; expected three "
                       "capital letters such as RUB", currency);

  if (!check_users (&c, users) ||
      (reasons != NULL && !check_string_list (&c, reasons, "loss_reasons", NULL)) ||
      !check_pipelines (&c, pipeline_list, reasons) ||
      (fields != NULL && !check_fields (&c, fields)) ||
      (groups != NULL && !check_tag_groups (&c, groups)) ||
      (rules != NULL && !check_rules (&c, rules)))
    return FALSE;
  return TRUE;
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
  if (!check_template (root, source, error))
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
  if (!check_template (root, source, error))
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

static void
add_users (CrmChangeset *changeset,
           const char   *template_name,
           JsonArray    *users)
{
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *name = json_object_get_string_member (user, "name");
      g_autofree char *id = template_id (template_name, "user", name);
      CrmChange *change = crm_changeset_create (changeset, "user", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "role", json_object_get_string_member (user, "role"));
      if (json_object_has_member (user, "group"))
        crm_change_set_string (change, "grp", json_object_get_string_member (user, "group"));
      else
        crm_change_set_null (change, "grp");
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
      g_autofree char *pipeline_id = template_id (template_name, "pipeline", name);
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
          g_autofree char *id = template_id (template_name, "stage", id_name);

          change = crm_changeset_create (changeset, "stage", id);
          crm_change_set_string (change, "pipeline", pipeline_id);
          crm_change_set_string (change, "name", stage_name);
          crm_change_set_string (change, "kind", json_object_get_string_member (stage, "kind"));
          crm_change_set_int (change, "position", j);
          if (json_object_get_boolean_member_with_default (stage, "requires_attachment", FALSE))
            crm_change_set_bool (change, "requires_attachment", TRUE);
        }

      for (guint j = 0; j < json_array_get_length (reasons); j++)
        {
          const char *reason = json_array_get_string_element (reasons, j);
          g_autofree char *id_name = g_strconcat (name, "/", reason, NULL);
          g_autofree char *id = template_id (template_name, "loss_reason", id_name);

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
      g_autofree char *id = template_id (template_name, "field", id_name);
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
          g_autofree char *stage_id = template_id (template_name, "stage", stage_name);

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
          g_autofree char *id = template_id (template_name, "tag", tag);
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
      g_autofree char *id = template_id (template_name, "rule", name);
      CrmChange *change = crm_changeset_create (changeset, "rule", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_node (change, "definition", json_node_copy (rule_node));
      crm_change_set_bool (change, "enabled",
                           json_object_get_boolean_member_with_default (rule, "enabled", TRUE));
      crm_change_set_int (change, "position", i);
    }
}

gboolean
crm_template_apply (CrmStore    *store,
                    JsonNode    *template_root,
                    GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_autoptr(JsonArray) pipelines = NULL;
  g_autoptr(JsonArray) reasons = NULL;
  g_autoptr(JsonArray) fields = NULL;
  g_autoptr(JsonArray) groups = NULL;
  g_autoptr(JsonArray) rules = NULL;
  g_autofree char *applied = NULL;
  JsonObject *root;
  const char *name, *currency;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The node may come from anywhere (a test, a merge of templates): check it again. */
  if (!check_template (template_root, "template", error))
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
  pipelines = dup_member_array (root, "pipelines");
  reasons = dup_member_array (root, "loss_reasons");
  fields = dup_member_array (root, "fields");
  groups = dup_member_array (root, "tag_groups");
  rules = dup_member_array (root, "rules");

  changeset = crm_changeset_new ();
  add_users (changeset, name, users);
  add_pipelines (changeset, name, pipelines, reasons);
  add_fields (changeset, name, fields);
  add_tags (changeset, name, groups);
  add_rules (changeset, name, rules);

  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (!crm_store_set_meta (store, "template", name, error) ||
      !crm_store_set_meta (store, "currency", currency, error))
    return FALSE;
  g_debug ("Applied template %s: %u entities", name,
           crm_changeset_get_n_changes (changeset));
  return TRUE;
}
