/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-template.c — `init --template FILE.json`: crm_template_parse() checks a template's
 * shape; one that passes is applied to a new in-memory replica, which must then work
 * (the apply either succeeds or refuses with an error, never crashes). */
#include "fuzz-common.h"

#include "crm-template.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (size == 0)
    return 0;
  root = crm_template_parse ((const char *) data, (gssize) size, "fuzz.json", &error);
  if (root == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  store = crm_store_create (":memory:", &error);
  g_assert_no_error (error);
  crm_store_set_now (store, 1772445600000);   /* 2026-03-02T10:00:00Z */
  crm_store_set_random_seed (store, 1);
  if (!crm_template_apply (store, root, &error))
    g_assert_nonnull (error);
  return 0;
}
