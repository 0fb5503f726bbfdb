/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-rule.c — automation rules as `rule import` and templates read them: one rule
 * object or an array of them, each checked by crm_rule_validate(). */
#include "fuzz-common.h"

#include "crm-rules.h"

static void
validate (JsonNode *node)
{
  g_autoptr(GError) error = NULL;

  if (!crm_rule_validate (node, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) root = NULL;

  fuzz_init ();
  root = fuzz_parse_json (data, size);
  if (root == NULL)
    return 0;
  if (JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        validate (json_array_get_element (array, i));
    }
  else
    validate (root);
  return 0;
}
