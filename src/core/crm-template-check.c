/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template-check.c — checks a template's shape before anything is written: known
 * keys only, required members and their types, one won and one lost stage per pipeline,
 * fields bound to stages that exist, rules that crm_rule_validate() accepts, no two
 * names that make one id. Each refusal names the file and the key path
 * ("truck-dealer.json: pipelines[1].stages[0]: …"). The format is in crm-template.c. */
#define G_LOG_DOMAIN "voronka-template"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdarg.h>
#include <string.h>

#include "crm-approval.h"
#include "crm-rights.h"
#include "crm-rules.h"
#include "crm-schedule.h"
#include "crm-time.h"
#include "crm-template-private.h"

static const char *const root_keys[] = {
  "name", "title", "description", "currency", "users", "pipelines", "loss_reasons",
  "fields", "tag_groups", "rules", "rfm_segments", "time_zone", "approvals", "roles", NULL
};
static const char *const role_keys[] = { "name", "like", "rights", NULL };
static const char *const rfm_segment_keys[] = {
  "key", "name", "recency_min", "recency_max", "frequency_min", "frequency_max",
  "monetary_min", "monetary_max", NULL
};
static const char *const user_keys[] = { "name", "role", "group", "schedule", NULL };
static const char *const pipeline_keys[] = {
  "name", "stages", "loss_reasons", "next_task_required", NULL
};
static const char *const stage_keys[] = { "name", "kind", "requires_attachment", "requires_photo",
                                           NULL };
static const char *const stage_kinds[] = { "unsorted", "open", "won", "lost", NULL };
static const char *const field_keys[] = {
  "entity", "key", "label", "type", "choices", "required_at", "hidden", "on_deals", NULL
};
static const char *const field_entities[] = { "deal", "contact", "company", NULL };
static const char *const field_types[] = {
  "text", "choice", "bool", "number", "money", "date", "companies", "counter", NULL
};
static const char *const required_at_keys[] = { "pipeline", "stage", NULL };
static const char *const tag_group_keys[] = { "group", "tags", NULL };
static const char *const tag_groups[] = { "brand", "trailer", "other", NULL };

/* ─────────────────────────────────── checking ─────────────────────────────────── */

typedef struct {
  const char  *source;     /* "truck-dealer.json", a path, or the template's name */
  const char  *name;       /* the template's name, once known */
  GHashTable  *ids;        /* id → key path that made it: catches id collisions */
  GHashTable  *pipelines;  /* pipeline name → GHashTable of its stage names */
  GHashTable  *roles;      /* the template's own roles' names */
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

/* Names may contain "/", so two different names could in theory map to one id. */
static gboolean
check_id (Check      *c,
          const char *path,
          const char *kind,
          const char *name)
{
  char *id = _crm_template_id (c->name, kind, name);
  const char *other = g_hash_table_lookup (c->ids, id);

  if (other != NULL)
    {
      g_free (id);
      return check_fail (c, path, "gets the same id as %s; rename one of them", other);
    }
  g_hash_table_insert (c->ids, id, g_strdup (path));
  return TRUE;
}

/* "roles": [{"name", "like"? (a built-in role but the administrator's; default rep),
 * "rights"? (crm-rights.h's shape, "pipelines" named by the template's pipeline names)}].
 * Checked after the pipelines. */
static gboolean
check_roles (Check     *c,
             JsonArray *roles)
{
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      g_autofree char *path = path_index (NULL, "roles", i);
      g_autofree char *like_path = path_key (path, "like");
      g_autofree char *rights_path = path_key (path, "rights");
      JsonObject *role = NULL;
      const char *name = NULL, *like = NULL;
      JsonNode *rights;

      if (!check_object (c, json_array_get_element (roles, i), path, &role) ||
          !check_keys (c, role, path, role_keys) ||
          !get_string (c, role, path, "name", TRUE, &name) ||
          !get_string (c, role, path, "like", FALSE, &like))
        return FALSE;
      if (g_strv_contains (crm_rights_builtin_keys (), name))
        return check_fail (c, path, "“%s” is a built-in role; give the template's role "
                           "another name", name);
      if (like != NULL && (g_str_equal (like, "admin") ||
                           !check_one_of (c, like_path, like, crm_rights_builtin_keys ())))
        return c->error != NULL && *c->error != NULL ? FALSE
               : check_fail (c, like_path, "a role is not like the administrator's");
      if (!g_hash_table_add (c->roles, (gpointer) name))
        return check_fail (c, path, "a second role named “%s”", name);
      if (!check_id (c, path, "role", name))
        return FALSE;
      rights = json_object_get_member (role, "rights");
      if (rights != NULL)
        {
          g_autoptr(JsonNode) by_id = NULL;
          g_autoptr(GError) local = NULL;
          JsonObject *pipelines;

          if (!JSON_NODE_HOLDS_OBJECT (rights))
            return check_fail (c, rights_path, "expected an object");
          pipelines = json_object_get_object_member (json_node_get_object (rights), "pipelines");
          if (pipelines != NULL)
            {
              g_autoptr(GList) names = json_object_get_members (pipelines);

              for (GList *l = names; l != NULL; l = l->next)
                if (!g_hash_table_contains (c->pipelines, l->data))
                  return check_fail (c, rights_path, "“%s” is not a pipeline of the template",
                                     (const char *) l->data);
            }
          by_id = _crm_template_role_rights (c->name, like, rights);
          if (!crm_rights_check_shape (by_id, &local))
            return check_fail (c, rights_path, "%s", local->message);
        }
    }
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
      const char *name = NULL, *role = NULL, *group = NULL, *schedule = NULL;

      if (!check_object (c, json_array_get_element (users, i), path, &user) ||
          !check_keys (c, user, path, user_keys) ||
          !get_string (c, user, path, "name", TRUE, &name) ||
          !get_string (c, user, path, "role", TRUE, &role) ||
          (!g_hash_table_contains (c->roles, role) &&
           !check_one_of (c, role_path, role, crm_rights_builtin_keys ())) ||
          !get_string (c, user, path, "group", FALSE, &group) ||
          !get_string (c, user, path, "schedule", FALSE, &schedule))
        return FALSE;
      if (schedule != NULL)
        {
          g_autoptr(GError) week_error = NULL;
          g_autoptr(JsonNode) week = crm_schedule_parse_week (schedule, &week_error);
          g_autofree char *schedule_path = path_key (path, "schedule");

          if (week == NULL)
            return check_fail (c, schedule_path, "%s", week_error->message);
        }
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
          !check_optional_bool (c, stage, stage_path, "requires_attachment") ||
          !check_optional_bool (c, stage, stage_path, "requires_photo"))
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
          !check_optional_bool (c, field, path, "hidden") ||
          !check_optional_bool (c, field, path, "on_deals"))
        return FALSE;
      if (g_str_equal (type, "companies") && !g_str_equal (entity, "contact"))
        return check_fail (c, type_path, "only contact fields link companies (type "
                           "“companies”)");
      if (json_object_has_member (field, "on_deals") && !g_str_equal (entity, "company"))
        {
          g_autofree char *on_deals_path = path_key (path, "on_deals");

          return check_fail (c, on_deals_path, "only company fields are shown on the "
                             "company's deals");
        }

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

/* RFM segments (S4-5): a key and a name, bounds as whole numbers of days and deals and
 * money strings. */
static gboolean
check_rfm_segments (Check     *c,
                    JsonArray *segments)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      g_autofree char *path = path_index (NULL, "rfm_segments", i);
      JsonObject *segment = NULL;
      const char *key, *name;

      if (!check_object (c, json_array_get_element (segments, i), path, &segment) ||
          !check_keys (c, segment, path, rfm_segment_keys) ||
          !get_string (c, segment, path, "key", TRUE, &key) ||
          !get_string (c, segment, path, "name", TRUE, &name))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) key))
        return check_fail (c, path, "a second segment with the key “%s”", key);
      for (guint k = 2; rfm_segment_keys[k] != NULL; k++)
        {
          JsonNode *node = json_object_get_member (segment, rfm_segment_keys[k]);
          g_autofree char *where = path_key (path, rfm_segment_keys[k]);
          gboolean money = g_str_has_prefix (rfm_segment_keys[k], "monetary");
          gint64 minor;

          if (node == NULL)
            continue;
          if (money && (!JSON_NODE_HOLDS_VALUE (node) ||
                        json_node_get_value_type (node) != G_TYPE_STRING ||
                        !crm_money_parse (json_node_get_string (node), &minor)))
            return check_fail (c, where, "expected an amount as a string such as “500000.00”");
          if (!money && (!JSON_NODE_HOLDS_VALUE (node) ||
                         json_node_get_value_type (node) != G_TYPE_INT64 ||
                         json_node_get_int (node) < 0))
            return check_fail (c, where, "expected a whole number of 0 or more");
        }
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

/* "approvals": the account's approval settings (crm-approval.h), with "discounts" of
 * brands the template's brand group has. */
static gboolean
check_approvals (Check      *c,
                 JsonObject *object,
                 JsonArray  *groups)
{
  JsonNode *node = json_object_get_member (object, "approvals");
  JsonNode *discounts;
  g_autofree char *message = NULL;
  g_autoptr(GList) brands = NULL;

  if (node == NULL)
    return TRUE;
  if (!crm_approval_check_settings (node, &message))
    return check_fail (c, "approvals", "%s", message);
  discounts = json_object_get_member (json_node_get_object (node), "discounts");
  if (discounts == NULL)
    return TRUE;
  brands = json_object_get_members (json_node_get_object (discounts));
  for (GList *l = brands; l != NULL; l = l->next)
    {
      gboolean found = FALSE;

      for (guint i = 0; groups != NULL && i < json_array_get_length (groups); i++)
        {
          JsonObject *group = json_array_get_object_element (groups, i);
          JsonArray *tags = json_object_get_array_member (group, "tags");

          if (g_strcmp0 (json_object_get_string_member (group, "group"), "brand") != 0)
            continue;
          for (guint j = 0; j < json_array_get_length (tags); j++)
            if (g_strcmp0 (json_array_get_string_element (tags, j), l->data) == 0)
              found = TRUE;
        }
      if (!found)
        {
          g_autofree char *path = path_key ("approvals.discounts", l->data);

          return check_fail (c, path, "“%s” is not a tag of the brand group",
                             (const char *) l->data);
        }
    }
  return TRUE;
}

gboolean
_crm_template_check (JsonNode    *root,
                     const char  *source,
                     GError     **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) pipelines =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                           (GDestroyNotify) g_hash_table_unref);
  g_autoptr(GHashTable) role_names = g_hash_table_new (g_str_hash, g_str_equal);
  Check c = { source, NULL, ids, pipelines, role_names, error };
  JsonObject *object = NULL;
  JsonArray *users = NULL, *pipeline_list = NULL, *reasons = NULL;
  JsonArray *fields = NULL, *groups = NULL, *rules = NULL, *segments = NULL;
  JsonArray *roles = NULL;
  const char *title = NULL, *currency = NULL, *description = NULL, *zone = NULL;

  if (root == NULL)
    return check_fail (&c, NULL, "the template is empty");
  if (!check_object (&c, root, NULL, &object) ||
      !check_keys (&c, object, NULL, root_keys) ||
      !get_string (&c, object, NULL, "name", TRUE, &c.name) ||
      !check_template_name (&c, c.name) ||
      !get_string (&c, object, NULL, "title", TRUE, &title) ||
      !get_string (&c, object, NULL, "description", FALSE, &description) ||
      !get_string (&c, object, NULL, "currency", FALSE, &currency) ||
      !get_string (&c, object, NULL, "time_zone", FALSE, &zone) ||
      !get_array (&c, object, NULL, "users", TRUE, &users) ||
      !get_array (&c, object, NULL, "pipelines", TRUE, &pipeline_list) ||
      !get_array (&c, object, NULL, "loss_reasons", FALSE, &reasons) ||
      !get_array (&c, object, NULL, "fields", FALSE, &fields) ||
      !get_array (&c, object, NULL, "tag_groups", FALSE, &groups) ||
      !get_array (&c, object, NULL, "rules", FALSE, &rules) ||
      !get_array (&c, object, NULL, "rfm_segments", FALSE, &segments) ||
      !get_array (&c, object, NULL, "roles", FALSE, &roles))
    return FALSE;

  if (currency != NULL &&
      (strlen (currency) != 3 || !g_ascii_isupper (currency[0]) ||
       !g_ascii_isupper (currency[1]) || !g_ascii_isupper (currency[2])))
    return check_fail (&c, "currency", "“%s” is not a currency code; expected three "
                       "capital letters such as RUB", currency);

  if (zone != NULL)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);

      if (tz == NULL)
        return check_fail (&c, "time_zone", "“%s” is not a time zone this system knows; use "
                           "a name such as Europe/Moscow", zone);
    }

  if ((reasons != NULL && !check_string_list (&c, reasons, "loss_reasons", NULL)) ||
      !check_pipelines (&c, pipeline_list, reasons) ||
      (roles != NULL && !check_roles (&c, roles)) ||
      !check_users (&c, users) ||
      (fields != NULL && !check_fields (&c, fields)) ||
      (groups != NULL && !check_tag_groups (&c, groups)) ||
      (rules != NULL && !check_rules (&c, rules)) ||
      (segments != NULL && !check_rfm_segments (&c, segments)) ||
      !check_approvals (&c, object, groups))
    return FALSE;
  return TRUE;
}
