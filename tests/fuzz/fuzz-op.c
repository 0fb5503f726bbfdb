/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-op.c — one changelog op as JSON (crm_op_from_json, what every pushed or pulled op
 * goes through), and the canonical JSON writer every stored op goes through: its fast
 * path must give exactly json-glib's text of the same value. */
#include <string.h>

#include "fuzz-common.h"

#include "crm-op.h"
#include "crm-json-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CrmOp) op = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *generated = NULL;

  fuzz_init ();
  root = fuzz_parse_json (data, size);
  if (root == NULL)
    return 0;

  canonical = crm_json_to_canonical (root);
  generated = _crm_json_to_canonical_generated (root);
  g_assert_cmpstr (canonical, ==, generated);

  op = crm_op_from_json (root, &error);
  if (op == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  {
    g_autoptr(JsonNode) encoded = crm_op_to_json (op);
    g_autoptr(CrmOp) again = crm_op_from_json (encoded, &error);
    g_autofree char *text = NULL;
    g_autofree char *text_again = NULL;

    if (again == NULL)
      g_error ("a decoded op does not decode again: %s", error->message);
    text = crm_json_to_canonical (encoded);
    {
      g_autoptr(JsonNode) encoded_again = crm_op_to_json (again);

      text_again = crm_json_to_canonical (encoded_again);
    }
    g_assert_cmpstr (text, ==, text_again);
  }
  return 0;
}
