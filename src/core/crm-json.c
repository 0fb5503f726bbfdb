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

char *
crm_json_to_canonical (JsonNode *node)
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
