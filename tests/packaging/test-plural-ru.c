/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-plural-ru.c — Russian plural forms through gettext, as voronkactl and the app get
 * them: the catalogue compiled from po/ru.po into the build folder (VORONKA_TEST_LOCALEDIR),
 * LANGUAGE=ru. Russian has three forms: 1 сделка, 2 сделки, 5 сделок (and 21 сделка,
 * 11 сделок, 111 сделок); a wrong Plural-Forms header or a missing form shows here. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gi18n.h>

/* The count line under `voronkactl deal list` (src/cli/crm-cli-deal.c). */
static char *
deals_line (gulong total)
{
  return g_strdup_printf (ngettext ("%u of %lld deal\n", "%u of %lld deals\n", total),
                          1u, (long long) total);
}

static void
assert_deals_word (gulong      total,
                   const char *word)
{
  g_autofree char *line = deals_line (total);
  g_autofree char *expected = g_strdup_printf (" %lu %s\n", total, word);

  g_test_message ("%lu → %s", total, line);
  if (!g_str_has_suffix (line, expected))
    g_error ("for %lu deals expected a line ending in “%s”, got “%s”", total, expected, line);
}

static void
test_deals_plural (void)
{
  assert_deals_word (1, "сделка");
  assert_deals_word (2, "сделки");
  assert_deals_word (4, "сделки");
  assert_deals_word (5, "сделок");
  assert_deals_word (11, "сделок");
  assert_deals_word (12, "сделок");
  assert_deals_word (21, "сделка");
  assert_deals_word (22, "сделки");
  assert_deals_word (111, "сделок");
  assert_deals_word (300, "сделок");
}

/* The delays of timer rules in `voronkactl pipelines` (src/cli/crm-cli-pipelines.c). */
static void
test_days_plural (void)
{
  const struct { gulong n; const char *expected; } cases[] = {
    { 1, "1 день" }, { 3, "3 дня" }, { 5, "5 дней" }, { 11, "11 дней" }, { 21, "21 день" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%lu day", "%lu days", cases[i].n),
                                               cases[i].n);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

/* A plain string comes out in Russian too: the catalogue is the one being tested. */
static void
test_plain_string (void)
{
  g_assert_cmpstr (_("Create a deal"), !=, "Create a deal");
  g_assert_true (g_utf8_validate (_("Create a deal"), -1, NULL));
}

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("VORONKA_TEST_LOCALEDIR");

  g_test_init (&argc, &argv, NULL);

  /* LANGUAGE picks the catalogue; gettext ignores it only under the plain "C" locale. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  if (g_strcmp0 (setlocale (LC_ALL, ""), "C") == 0)
    setlocale (LC_ALL, "C.UTF-8");
  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_func ("/plural-ru/deals", test_deals_plural);
  g_test_add_func ("/plural-ru/days", test_days_plural);
  g_test_add_func ("/plural-ru/plain-string", test_plain_string);
  return g_test_run ();
}
