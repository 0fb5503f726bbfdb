/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h — what every fuzz harness shares: a GLib critical or warning is a bug
 * (a g_return_if_fail reached from outside input), so it aborts like a crash. */
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "crm-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static inline void
fuzz_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
      g_once_init_leave (&done, 1);
    }
}

/* Every string and member name of @node is UTF-8, and it nests at most @depth deep. */
static inline void
fuzz_assert_clean (JsonNode *node,
                   guint     depth)
{
  g_assert_cmpuint (depth, <=, CRM_JSON_MAX_DEPTH + 1);   /* + 1: a scalar inside */
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_assert_true (g_utf8_validate (name, -1, NULL));
          fuzz_assert_clean (member, depth + 1);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        fuzz_assert_clean (json_array_get_element (array, i), depth + 1);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_assert_true (g_utf8_validate (json_node_get_string (node), -1, NULL));
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    g_assert_true (isfinite (json_node_get_double (node)));
}

/* The input as JSON read from outside is read (crm_json_parse_bounded(), as the server
 * and `rule import` do), or NULL when it is refused; what it accepts is clean UTF-8. */
static inline JsonNode *
fuzz_parse_json (const uint8_t *data,
                 size_t         size)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = crm_json_parse_bounded ((const char *) data, size, 1024 * 1024,
                                           CRM_JSON_MAX_DEPTH, &error);

  if (root == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return NULL;
    }
  fuzz_assert_clean (root, 1);
  return root;
}
