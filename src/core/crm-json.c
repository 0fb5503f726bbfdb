/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-json.c — canonical JSON: object members sorted by key, recursively. */
#include "crm-json-private.h"

#include <string.h>

JsonNode *
crm_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
crm_json_node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* json_node_copy() shares objects and arrays; this does not. Keys are sorted, which
 * is harmless for copies and what canonical text needs. */
static JsonNode *
sorted_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *sorted = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      members = g_list_sort (members, (GCompareFunc) strcmp);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (sorted, l->data,
                                sorted_copy (json_object_get_member (object, l->data)));
      return crm_json_node_take_object (sorted);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, sorted_copy (json_array_get_element (array, i)));
      return crm_json_node_take_array (copy);
    }
  return json_node_copy (node);
}

/* json-glib's own text of @node: the reference the fast writer below must match, and
 * what it falls back to for doubles and strings with control characters. */
char *
_crm_json_to_canonical_generated (JsonNode *node)
{
  g_autoptr(JsonNode) sorted = NULL;
  g_autoptr(JsonGenerator) generator = NULL;

  if (node == NULL)
    return g_strdup ("null");
  sorted = sorted_copy (node);
  generator = json_generator_new ();
  json_generator_set_root (generator, sorted);
  return json_generator_to_data (generator, NULL);
}

static gboolean
string_is_plain (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
append_generated (GString  *out,
                  JsonNode *node)
{
  g_autofree char *text = _crm_json_to_canonical_generated (node);

  g_string_append (out, text);
}

static void
append_plain_string (GString    *out,
                     const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The same bytes as json-glib's generator on a key-sorted copy (tests/test-store.c
 * compares them), written straight into @out: the changelog writes one per op. */
static void
append_canonical (GString  *out,
                  JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = g_list_sort (json_object_get_members (object),
                                                (GCompareFunc) strcmp);

        for (GList *l = members; l != NULL; l = l->next)
          if (!string_is_plain (l->data))
            {
              append_generated (out, node);
              return;
            }
        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            if (l != members)
              g_string_append_c (out, ',');
            append_plain_string (out, l->data);
            g_string_append_c (out, ':');
            append_canonical (out, json_object_get_member (object, l->data));
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < length; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_canonical (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          if (string_is_plain (json_node_get_string (node)))
            append_plain_string (out, json_node_get_string (node));
          else
            append_generated (out, node);
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          append_generated (out, node);
          break;
        }
      break;
    }
}

char *
crm_json_to_canonical (JsonNode *node)
{
  GString *out;

  if (node == NULL)
    return g_strdup ("null");
  out = g_string_sized_new (128);
  append_canonical (out, node);
  return g_string_free (out, FALSE);
}

char *
crm_json_object_to_canonical (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return crm_json_to_canonical (node);
}

JsonObject *
crm_json_object_deep_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;

  json_node_set_object (node, object);
  copy = sorted_copy (node);
  return json_object_ref (json_node_get_object (copy));
}
