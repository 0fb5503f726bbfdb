/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-uuid.c — the ids every replica makes: UUIDv7 ordered by creation time, UUIDv5
 * and link ids the same on every device, and what counts as an id. */
#include <string.h>

#include "crm-uuid.h"

#define T0 G_GINT64_CONSTANT (1772445600000)   /* 2026-03-02T10:00:00Z */

static void
test_v7_ordered_and_valid (void)
{
  g_autofree char *first = crm_uuid_v7_new (T0);
  g_autofree char *later = crm_uuid_v7_new (T0 + 1);
  g_autofree char *much_later = crm_uuid_v7_new (T0 + 86400000);

  g_assert_true (crm_uuid_is_valid (first));
  g_assert_cmpuint (strlen (first), ==, 36);
  g_assert_cmpint (first[14], ==, '7');                        /* version */
  g_assert_true (strchr ("89ab", first[19]) != NULL);          /* variant */
  /* text order is creation order: newest-first lists sort ids as strings */
  g_assert_cmpint (strcmp (first, later), <, 0);
  g_assert_cmpint (strcmp (later, much_later), <, 0);
  /* two ids of the same millisecond differ */
  {
    g_autofree char *again = crm_uuid_v7_new (T0);

    g_assert_cmpstr (first, !=, again);
  }
}

static void
test_v7_reproducible_with_rand (void)
{
  g_autoptr(GRand) a = g_rand_new_with_seed (42);
  g_autoptr(GRand) b = g_rand_new_with_seed (42);
  g_autofree char *x = crm_uuid_v7_new_with_rand (T0, a);
  g_autofree char *y = crm_uuid_v7_new_with_rand (T0, b);

  g_assert_cmpstr (x, ==, y);
}

static void
test_v5_and_links_same_everywhere (void)
{
  g_autofree char *a = crm_uuid_v5 (CRM_UUID_NAMESPACE, "truck-dealer/rule/x");
  g_autofree char *b = crm_uuid_v5 (CRM_UUID_NAMESPACE, "truck-dealer/rule/x");
  g_autofree char *c = crm_uuid_v5 (CRM_UUID_NAMESPACE, "truck-dealer/rule/y");
  g_autofree char *deal = crm_uuid_v7_new (T0);
  g_autofree char *tag = crm_uuid_v7_new (T0 + 5);
  g_autofree char *link = crm_uuid_link ("deal_tag", deal, tag);
  g_autofree char *link_again = crm_uuid_link ("deal_tag", deal, tag);
  g_autofree char *other_kind = crm_uuid_link ("deal_contact", deal, tag);

  g_assert_true (crm_uuid_is_valid (a));
  g_assert_cmpint (a[14], ==, '5');
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  /* two devices linking the same deal and tag make one link entity */
  g_assert_cmpstr (link, ==, link_again);
  g_assert_cmpstr (link, !=, other_kind);
}

static void
test_validity (void)
{
  g_assert_false (crm_uuid_is_valid (NULL));
  g_assert_false (crm_uuid_is_valid (""));
  g_assert_false (crm_uuid_is_valid ("../../etc/passwd"));
  g_assert_false (crm_uuid_is_valid ("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5"));     /* short */
  g_assert_false (crm_uuid_is_valid ("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g"));    /* not hex */
  g_assert_false (crm_uuid_is_valid ("0190a1b2c3d4-7e5f-8a9b-0c1d2e3f4a5b6"));    /* dashes */
  g_assert_true (crm_uuid_is_valid ("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uuid/v7-ordered-and-valid", test_v7_ordered_and_valid);
  g_test_add_func ("/uuid/v7-reproducible", test_v7_reproducible_with_rand);
  g_test_add_func ("/uuid/v5-and-links", test_v5_and_links_same_everywhere);
  g_test_add_func ("/uuid/validity", test_validity);
  return g_test_run ();
}
