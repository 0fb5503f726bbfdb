/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-locale.c — money and dates as people read them: grouping and decimal marks
 * for any number style, amounts typed in any common way, day-month dates; and the real
 * app in Russian from the built translation (LANGUAGE=ru), month names included. */
#include "crm-test-ui.h"

#include "crm-format.h"
#include "crm-time.h"

#define NBSP "\u00a0"
#define NNBSP "\u202f"

static void
test_money_styles (void)
{
  const CrmNumberStyle russian = { ",", NNBSP, 3 };
  const CrmNumberStyle english = { ".", ",", 3 };
  g_autofree char *a = crm_format_money_with (150000000, "RUB", FALSE, &russian);
  g_autofree char *b = crm_format_money_with (150000050, "RUB", FALSE, &russian);
  g_autofree char *c = crm_format_money_with (150000000, "RUB", TRUE, &english);
  g_autofree char *d = crm_format_money_with (-99, "EUR", FALSE, &english);
  g_autofree char *e = crm_format_money_with (0, NULL, FALSE, &russian);
  g_autofree char *f = crm_format_money_with (G_MININT64 + 1, "RUB", FALSE, &english);

  g_assert_cmpstr (a, ==, "1" NNBSP "500" NNBSP "000" NBSP "₽");
  g_assert_cmpstr (b, ==, "1" NNBSP "500" NNBSP "000,50" NBSP "₽");
  g_assert_cmpstr (c, ==, "1,500,000.00" NBSP "₽");
  g_assert_cmpstr (d, ==, "−0.99" NBSP "€");
  g_assert_cmpstr (e, ==, "0" NBSP "₽");
  g_assert_true (g_str_has_prefix (f, "−92,233,720,368,547,758"));
}

static void
test_money_input (void)
{
  static const struct {
    const char *text;
    gint64      minor;
  } good[] = {
    { "1500000", 150000000 },
    { "1 500 000", 150000000 },
    { "1" NNBSP "500" NNBSP "000 ₽", 150000000 },
    { "1500000,5", 150000050 },
    { "1500000.50", 150000050 },
    { "1.500.000", 150000000 },
    { "1,500,000.25", 150000025 },
    { "1 500 000,25", 150000025 },
    { "-1 000", -100000 },
  };
  static const char *const bad[] = { "", "abc", "12-34", "1,2,3,4.5.6", "₽", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 minor = 0;

      g_assert_true (crm_parse_money_input (good[i].text, &minor));
      g_assert_cmpint (minor, ==, good[i].minor);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      gint64 minor = 0;

      g_assert_false (crm_parse_money_input (bad[i], &minor));
    }
}

static void
test_dates (void)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (2025, 3, 2, 14, 5, 0);
  g_autofree char *with_year = crm_format_day (dt, TRUE);
  g_autofree char *without = crm_format_day (dt, FALSE);
  gint64 now = crm_time_now_ms ();
  g_autofree char *today = crm_format_due (now, now);
  g_autofree char *tomorrow = crm_format_due (now + CRM_MS_PER_DAY, now);
  g_autofree char *yesterday = crm_format_due (now - CRM_MS_PER_DAY, now);

  g_assert_cmpstr (with_year, ==, "2 Mar 2025");
  g_assert_cmpstr (without, ==, "2 Mar");
  {
    g_autofree char *long_with_year = crm_format_day_long (dt, TRUE);
    g_autofree char *long_without = crm_format_day_long (dt, FALSE);

    g_assert_cmpstr (long_with_year, ==, "2 March 2025");
    g_assert_cmpstr (long_without, ==, "2 March");
  }
  g_assert_cmpstr (today, ==, "Today");
  g_assert_cmpstr (tomorrow, ==, "Tomorrow");
  g_assert_cmpstr (yesterday, ==, "Yesterday");
  g_assert_cmpint (crm_day_end (now) - crm_day_start (now), ==, CRM_MS_PER_DAY);
}

static void
test_phones (void)
{
  g_autofree char *ru = crm_format_phone ("+79123456789");
  g_autofree char *other = crm_format_phone ("+4930123456");

  g_assert_cmpstr (ru, ==, "+7 912 345-67-89");
  g_assert_cmpstr (other, ==, "+4930123456");
}

static void
test_russian_window (void)
{
  g_autofree char *po_dir = crm_test_built_translations ();
  g_autofree char *tmpdir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *march = NULL;
  CrmApplication *app;
  CrmWindow *window;

  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return;
    }
  g_setenv ("LANGUAGE", "ru", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  if (g_strcmp0 (_("Contacts"), "Contacts") == 0)
    {
      g_unsetenv ("LANGUAGE");
      crm_test_fail_missing ("this system's C library ignores LANGUAGE here");
      return;
    }

  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "Контакты"));
  g_assert_null (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "Contacts"));
  {
    g_autoptr(GDateTime) dt = g_date_time_new_utc (2025, 3, 2, 0, 0, 0);

    march = crm_format_day (dt, FALSE);
    /* once the catalog has the month names, dates read in Russian too */
    if (g_strcmp0 (C_("abbreviated month", "Mar"), "Mar") != 0)
      g_assert_cmpstr (march, !=, "2 Mar");
    /* a date in a sentence: the month in the genitive */
    {
      g_autofree char *in_sentence = crm_format_day_long (dt, FALSE);

      g_assert_cmpstr (in_sentence, ==, "2 марта");
    }
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-ru"));

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_unsetenv ("LANGUAGE");
}

int
main (int   argc,
      char *argv[])
{
  crm_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/locale/money-styles", test_money_styles);
  g_test_add_func ("/ui/locale/money-input", test_money_input);
  g_test_add_func ("/ui/locale/dates", test_dates);
  g_test_add_func ("/ui/locale/phones", test_phones);
  g_test_add_func ("/ui/locale/russian-window", test_russian_window);
  return g_test_run ();
}
