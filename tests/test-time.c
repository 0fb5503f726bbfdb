/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-time.c — times and money as the CLI and the replicas write them: ISO 8601 in UTC
 * milliseconds and back, money as integer kopecks, phone numbers to one standard. */
#include "crm-time.h"

#define T0 G_GINT64_CONSTANT (1772445600000)   /* 2026-03-02T10:00:00Z */

static void
test_iso_times (void)
{
  gint64 ms = 0;
  g_autofree char *text = crm_time_format (T0);
  g_autofree char *with_ms = crm_time_format (T0 + 123);

  g_assert_cmpstr (text, ==, "2026-03-02T10:00:00Z");
  g_assert_cmpstr (with_ms, ==, "2026-03-02T10:00:00.123Z");
  g_assert_true (crm_time_parse ("2026-03-02T10:00:00Z", &ms));
  g_assert_cmpint (ms, ==, T0);
  /* a zone is turned into UTC */
  g_assert_true (crm_time_parse ("2026-03-02T13:00:00+03:00", &ms));
  g_assert_cmpint (ms, ==, T0);
  g_assert_true (crm_time_parse ("2026-03-02T10:00:00.123Z", &ms));
  g_assert_cmpint (ms, ==, T0 + 123);
  /* a plain date is midnight UTC */
  g_assert_true (crm_time_parse ("2026-03-02", &ms));
  g_assert_cmpint (ms, ==, T0 - 10 * 3600 * 1000);
  g_assert_false (crm_time_parse ("вчера", &ms));
  g_assert_false (crm_time_parse ("2026-13-02", &ms));
  g_assert_false (crm_time_parse ("", &ms));
}

static void
test_money (void)
{
  gint64 minor = 0;
  g_autofree char *text = crm_money_format (150000050);

  g_assert_true (crm_money_parse ("1500000.00", &minor));
  g_assert_cmpint (minor, ==, 150000000);
  g_assert_true (crm_money_parse ("1500000", &minor));
  g_assert_cmpint (minor, ==, 150000000);
  g_assert_true (crm_money_parse ("1 500 000,5", &minor));
  g_assert_cmpint (minor, ==, 150000050);
  g_assert_cmpstr (text, ==, "1500000.50");
  /* never floating point: three decimals or words are refused */
  g_assert_false (crm_money_parse ("1.005", &minor));
  g_assert_false (crm_money_parse ("много", &minor));
  g_assert_false (crm_money_parse ("", &minor));
}

static void
test_phones (void)
{
  g_autofree char *a = crm_phone_normalize ("+7 (912) 345-67-89");
  g_autofree char *b = crm_phone_normalize ("89123456789");
  g_autofree char *none = crm_phone_normalize ("позвонить завтра");

  g_assert_cmpstr (a, ==, "+79123456789");
  g_assert_cmpstr (b, ==, "+79123456789");
  g_assert_null (none);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/time/iso", test_iso_times);
  g_test_add_func ("/time/money", test_money);
  g_test_add_func ("/time/phones", test_phones);
  return g_test_run ();
}
