/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-hlc.c — the hybrid logical clock, ids, times and money helpers. */
#include "crm-hlc.h"
#include "crm-time.h"
#include "crm-uuid.h"

#include <string.h>

static void
test_hlc_monotonic (void)
{
  CrmHlc clock;
  guint64 previous;

  crm_hlc_init (&clock, 0);
  previous = crm_hlc_now (&clock, 1000);
  g_assert_cmpint (crm_hlc_physical (previous), ==, 1000);
  g_assert_cmpuint (crm_hlc_counter (previous), ==, 0);

  /* the same millisecond, and a wall clock that goes backwards, still move forward */
  for (gint64 wall = 1000; wall > 900; wall--)
    {
      guint64 next = crm_hlc_now (&clock, wall);
      g_assert_cmpuint (next, >, previous);
      previous = next;
    }
  g_assert_cmpint (crm_hlc_physical (previous), ==, 1000);
  g_assert_cmpuint (crm_hlc_counter (previous), ==, 100);

  /* a later wall clock resets the counter */
  previous = crm_hlc_now (&clock, 2000);
  g_assert_cmpint (crm_hlc_physical (previous), ==, 2000);
  g_assert_cmpuint (crm_hlc_counter (previous), ==, 0);
}

static void
test_hlc_absorb (void)
{
  CrmHlc clock;
  guint64 remote = crm_hlc_make (50000, 7);
  guint64 next;

  crm_hlc_init (&clock, 0);
  crm_hlc_now (&clock, 1000);
  crm_hlc_absorb (&clock, remote, 1000);
  next = crm_hlc_now (&clock, 1000);
  g_assert_cmpuint (next, >, remote);
  g_assert_cmpint (crm_hlc_physical (next), ==, 50000);
  g_assert_cmpuint (crm_hlc_counter (next), ==, 8);

  /* an older remote clock changes nothing */
  crm_hlc_absorb (&clock, crm_hlc_make (10, 0), 1000);
  g_assert_cmpuint (crm_hlc_now (&clock, 1000), ==, next + 1);
}

static void
test_hlc_counter_overflow (void)
{
  CrmHlc clock;
  guint64 last = 0;

  crm_hlc_init (&clock, crm_hlc_make (5000, CRM_HLC_COUNTER_MAX - 2));
  for (int i = 0; i < 5; i++)
    {
      guint64 next = crm_hlc_now (&clock, 5000);
      g_assert_cmpuint (next, >, last);
      last = next;
    }
  /* the counter ran out: the clock moved into the next millisecond */
  g_assert_cmpint (crm_hlc_physical (last), ==, 5001);
  g_assert_cmpuint (crm_hlc_counter (last), ==, 2);
}

static void
test_hlc_string (void)
{
  guint64 value = crm_hlc_make (1767225600000, 42);
  g_autofree char *text = crm_hlc_to_string (value);
  guint64 parsed = 0;

  g_assert_cmpuint (strlen (text), ==, 16);
  g_assert_true (crm_hlc_parse (text, &parsed));
  g_assert_cmpuint (parsed, ==, value);
  g_assert_false (crm_hlc_parse ("xyz", &parsed));
  g_assert_false (crm_hlc_parse ("", &parsed));
  g_assert_false (crm_hlc_parse ("00000000000000000", &parsed));
}

static void
test_uuid (void)
{
  g_autofree char *a = crm_uuid_v7_new (1767225600000);
  g_autofree char *b = crm_uuid_v7_new (1767225600001);
  g_autofree char *v5a = crm_uuid_v5 (CRM_UUID_NAMESPACE, "deal_tag:x:y");
  g_autofree char *v5b = crm_uuid_link ("deal_tag", "x", "y");
  g_autofree char *v5c = crm_uuid_link ("deal_tag", "y", "x");

  g_assert_true (crm_uuid_is_valid (a));
  g_assert_cmpint (a[14], ==, '7');
  g_assert_cmpint (strcmp (a, b), <, 0);  /* time-ordered */
  g_assert_cmpint (v5a[14], ==, '5');
  g_assert_cmpstr (v5a, ==, v5b);
  g_assert_cmpstr (v5b, !=, v5c);
  g_assert_false (crm_uuid_is_valid ("not-a-uuid"));
  /* RFC 9562 example: UUIDv5 of "www.example.com" in the DNS namespace */
  {
    g_autofree char *dns = crm_uuid_v5 ("6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                                        "www.example.com");
    g_assert_cmpstr (dns, ==, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  }
}

static void
test_time_and_money (void)
{
  gint64 ms = 0;
  gint64 minor = 0;
  g_autofree char *formatted = NULL;
  g_autofree char *money = NULL;
  g_autofree char *negative = NULL;

  g_assert_true (crm_time_parse ("2026-03-02T10:00:00Z", &ms));
  formatted = crm_time_format (ms);
  g_assert_cmpstr (formatted, ==, "2026-03-02T10:00:00Z");
  g_assert_true (crm_time_parse ("2026-03-02T13:00:00+03:00", &minor));
  g_assert_cmpint (minor, ==, ms);
  g_assert_true (crm_time_parse ("2026-03-02", &minor));
  g_assert_cmpint (minor, ==, ms - 10 * 3600 * 1000);
  g_assert_false (crm_time_parse ("вчера", &ms));
  g_assert_false (crm_time_parse ("2026-13-45", &ms));

  g_assert_true (crm_money_parse ("1500000.00", &minor));
  g_assert_cmpint (minor, ==, 150000000);
  g_assert_true (crm_money_parse ("1 500 000,5", &minor));
  g_assert_cmpint (minor, ==, 150000050);
  g_assert_false (crm_money_parse ("12.345", &minor));
  g_assert_false (crm_money_parse ("много", &minor));
  g_assert_false (crm_money_parse ("", &minor));
  g_assert_false (crm_money_parse ("99999999999999999999", &minor));
  money = crm_money_format (150000050);
  g_assert_cmpstr (money, ==, "1500000.50");
  negative = crm_money_format (-5);
  g_assert_cmpstr (negative, ==, "-0.05");
}

static void
test_phone_and_fold (void)
{
  g_autofree char *a = crm_phone_normalize ("+7 (912) 345-67-89");
  g_autofree char *b = crm_phone_normalize ("89123456789");
  g_autofree char *c = crm_phone_normalize ("9123456789");
  g_autofree char *bad = crm_phone_normalize ("звоните завтра");
  g_autofree char *fold = crm_text_fold ("ИВАНОВ Пётр");
  /* the same name with ё as е and a combining diaeresis (NFD), and Latin with an accent
   * in both forms: what folds without normalizing and what needs it agree */
  g_autofree char *decomposed = crm_text_fold ("ИВАНОВ Пе\xCC\x88тр");
  g_autofree char *latin = crm_text_fold ("Ame\xCC\x81lie");
  g_autofree char *latin_composed = crm_text_fold ("Am\xC3\xA9lie");
  g_autofree char *broken = crm_text_fold ("\xD0");

  g_assert_cmpstr (a, ==, "+79123456789");
  g_assert_cmpstr (b, ==, "+79123456789");
  g_assert_cmpstr (c, ==, "+79123456789");
  g_assert_null (bad);
  g_assert_cmpstr (fold, ==, "иванов петр");
  g_assert_cmpstr (decomposed, ==, "иванов петр");
  g_assert_cmpstr (latin, ==, "am\xC3\xA9lie");
  g_assert_cmpstr (latin_composed, ==, "am\xC3\xA9lie");
  g_assert_cmpstr (broken, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hlc/monotonic", test_hlc_monotonic);
  g_test_add_func ("/hlc/absorb", test_hlc_absorb);
  g_test_add_func ("/hlc/counter-overflow", test_hlc_counter_overflow);
  g_test_add_func ("/hlc/string", test_hlc_string);
  g_test_add_func ("/uuid/v7-v5", test_uuid);
  g_test_add_func ("/time/parse-format-money", test_time_and_money);
  g_test_add_func ("/time/phone-fold", test_phone_and_fold);
  return g_test_run ();
}
