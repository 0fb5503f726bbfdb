/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-format.c — locale-aware formatting of money (integer minor units, never floating
 * point) and of dates (UTC milliseconds shown in the local time zone). */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-format.h"
#include "crm-time.h"

#define NARROW_NBSP "\u202f"

void
crm_number_style_get_locale (CrmNumberStyle *out_style)
{
  const struct lconv *conv = localeconv ();

  out_style->decimal_mark = conv->decimal_point != NULL && *conv->decimal_point != '\0'
                            ? conv->decimal_point : ".";
  out_style->thousands_separator = conv->thousands_sep != NULL && *conv->thousands_sep != '\0'
                                   ? conv->thousands_sep : NARROW_NBSP;
  out_style->group_size = conv->grouping != NULL && conv->grouping[0] > 0 &&
                          conv->grouping[0] != CHAR_MAX ? (guint) conv->grouping[0] : 3;
}

const char *
crm_format_currency_symbol (const char *currency)
{
  if (currency == NULL || g_str_equal (currency, "RUB"))
    return "₽";
  if (g_str_equal (currency, "USD"))
    return "$";
  if (g_str_equal (currency, "EUR"))
    return "€";
  return currency;
}

char *
crm_format_money_with (gint64                minor,
                       const char           *currency,
                       gboolean              always_minor,
                       const CrmNumberStyle *style)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *digits = NULL;
  guint64 magnitude = minor < 0 ? (guint64) -(minor + 1) + 1 : (guint64) minor;
  guint64 units = magnitude / 100;
  guint cents = magnitude % 100;
  gsize n_digits;

  if (minor < 0)
    g_string_append (out, "−");
  digits = g_strdup_printf ("%" G_GUINT64_FORMAT, units);
  n_digits = strlen (digits);
  for (gsize i = 0; i < n_digits; i++)
    {
      if (i > 0 && style->group_size > 0 && (n_digits - i) % style->group_size == 0)
        g_string_append (out, style->thousands_separator);
      g_string_append_c (out, digits[i]);
    }
  if (cents != 0 || always_minor)
    g_string_append_printf (out, "%s%02u", style->decimal_mark, cents);
  g_string_append (out, "\u00a0");
  g_string_append (out, crm_format_currency_symbol (currency));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
crm_format_money (gint64      minor,
                  const char *currency)
{
  CrmNumberStyle style;

  crm_number_style_get_locale (&style);
  return crm_format_money_with (minor, currency, FALSE, &style);
}

char *
crm_format_money_for_input (gint64 minor)
{
  CrmNumberStyle style;
  CrmNumberStyle grouped;
  g_autofree char *text = NULL;
  gsize length;

  /* grouped by thousands with narrow no-break spaces, which crm_parse_money_input()
   * skips, so «5 200 000» reads at a glance and is taken back as typed; the locale's
   * own separator (a comma in English) would read as a decimal mark */
  crm_number_style_get_locale (&style);
  grouped = (CrmNumberStyle) { style.decimal_mark, "\u202f", 3 };
  text = crm_format_money_with (minor, NULL, FALSE, &grouped);
  /* crm_format_money_with() ends with a no-break space and the currency: drop them */
  length = strlen (text);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) == 0x00a0)
      {
        length = p - text;
        break;
      }
  if (minor < 0)
    {
      /* "−" (U+2212) for people; the input keeps the ASCII minus */
      g_autofree char *rest = g_strndup (text + strlen ("−"), length - strlen ("−"));

      return g_strconcat ("-", rest, NULL);
    }
  return g_strndup (text, length);
}

gboolean
crm_parse_money_input (const char *text,
                       gint64     *out_minor)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  gboolean negative = FALSE;
  const char *last_mark;
  guint n_marks = 0;

  if (text == NULL)
    return FALSE;
  /* Keep digits and the marks "," and "."; spaces of any kind and the currency go. */
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || c == 0x00a0 || c == 0x202f || c == 0x2009 || c == '\'' ||
          c == 0x20bd /* ₽ */)
        continue;
      if ((c == '-' || c == 0x2212) && clean->len == 0 && !negative)
        {
          negative = TRUE;
          continue;
        }
      if (c == ',' || c == '.')
        {
          g_string_append_c (clean, '.');
          n_marks++;
          continue;
        }
      if (!g_ascii_isdigit (c))
        return FALSE;
      g_string_append_c (clean, (char) c);
    }
  if (clean->len == 0)
    return FALSE;

  /* The last mark is the decimal one when at most two digits follow it and it is the
   * only one or the other marks group thousands; every other mark groups thousands. */
  last_mark = strrchr (clean->str, '.');
  if (last_mark != NULL)
    {
      gsize after = strlen (last_mark + 1);
      gboolean decimal = after <= 2 && (n_marks == 1 || after != 3);
      g_autoptr(GString) digits = g_string_new (NULL);

      gsize group = 0;
      gboolean first_group = TRUE;

      /* Grouping marks split the whole part into 1–3 digits, then groups of three. */
      for (const char *p = clean->str; *p != '\0'; p++)
        {
          if (decimal && p == last_mark)
            {
              if (!first_group && group != 3)
                return FALSE;
              g_string_append (digits, p);
              break;
            }
          if (*p == '.')
            {
              if (group == 0 || group > 3 || (!first_group && group != 3))
                return FALSE;
              first_group = FALSE;
              group = 0;
              continue;
            }
          g_string_append_c (digits, *p);
          group++;
        }
      if (!decimal && !first_group && group != 3)
        return FALSE;
      g_string_assign (clean, digits->str);
    }
  if (!crm_money_parse (clean->str, out_minor))
    return FALSE;
  if (negative)
    *out_minor = -*out_minor;
  return TRUE;
}

static GDateTime *
local_time (gint64 ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);

  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

/* Month names come from the translation, not from the C library's locale: the app reads
 * right in Russian even where the system has no Russian locale (a minimal Flatpak
 * runtime, a server-ish laptop). */
static const char *
month_name (const char        *context,
            const char *const  names[12],
            int                month)
{
  g_autofree char *key = NULL;
  const char *translated;

  if (month < 1 || month > 12)
    return "?";
  /* the C library's dgettext, not GLib's C_(): g_dgettext() decides at its first call in
   * a process whether to translate at all, and keeps to it after the language changes
   * (a process that formats a date in English first, then switches to Russian) */
  key = g_strconcat (context, "\004", names[month - 1], NULL);
  translated = dgettext (GETTEXT_PACKAGE, key);
  return translated != key ? translated : names[month - 1];
}

static const char *
month_abbreviation (int month)
{
  static const char *const names[] = {
    NC_("abbreviated month", "Jan"), NC_("abbreviated month", "Feb"),
    NC_("abbreviated month", "Mar"), NC_("abbreviated month", "Apr"),
    NC_("abbreviated month", "May"), NC_("abbreviated month", "Jun"),
    NC_("abbreviated month", "Jul"), NC_("abbreviated month", "Aug"),
    NC_("abbreviated month", "Sep"), NC_("abbreviated month", "Oct"),
    NC_("abbreviated month", "Nov"), NC_("abbreviated month", "Dec"),
  };

  return month_name ("abbreviated month", names, month);
}

/* The month as it stands after a day's number ("2 March"; in Russian the genitive, «2 марта»). */
static const char *
month_in_date (int month)
{
  static const char *const names[] = {
    NC_("month after a day", "January"), NC_("month after a day", "February"),
    NC_("month after a day", "March"), NC_("month after a day", "April"),
    NC_("month after a day", "May"), NC_("month after a day", "June"),
    NC_("month after a day", "July"), NC_("month after a day", "August"),
    NC_("month after a day", "September"), NC_("month after a day", "October"),
    NC_("month after a day", "November"), NC_("month after a day", "December"),
  };

  return month_name ("month after a day", names, month);
}

char *
crm_format_day (GDateTime *dt,
                gboolean   with_year)
{
  if (with_year)
    /* Translators: day, abbreviated month, year: "2 Mar 2025" */
    return g_strdup_printf (_("%d %s %d"), g_date_time_get_day_of_month (dt),
                            month_abbreviation (g_date_time_get_month (dt)),
                            g_date_time_get_year (dt));
  /* Translators: day and abbreviated month: "2 Mar" */
  return g_strdup_printf (_("%d %s"), g_date_time_get_day_of_month (dt),
                          month_abbreviation (g_date_time_get_month (dt)));
}

char *
crm_format_day_long (GDateTime *dt,
                     gboolean   with_year)
{
  if (with_year)
    /* Translators: day, month, year: "2 March 2025" (the month as "month after a day") */
    return g_strdup_printf (_("%d %s %d"), g_date_time_get_day_of_month (dt),
                            month_in_date (g_date_time_get_month (dt)),
                            g_date_time_get_year (dt));
  /* Translators: day and month: "2 March" (the month as "month after a day") */
  return g_strdup_printf (_("%d %s"), g_date_time_get_day_of_month (dt),
                          month_in_date (g_date_time_get_month (dt)));
}

char *
crm_format_date_long (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_time (ms);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (dt == NULL)
    return g_strdup ("");
  return crm_format_day_long (dt, g_date_time_get_year (dt) != g_date_time_get_year (now));
}

char *
crm_format_date (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_time (ms);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (dt == NULL)
    return g_strdup ("");
  return crm_format_day (dt, g_date_time_get_year (dt) != g_date_time_get_year (now));
}

char *
crm_format_date_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_time (ms);
  g_autofree char *day = NULL;

  if (dt == NULL)
    return g_strdup ("");
  day = crm_format_day (dt, TRUE);
  /* Translators: a date and a time: "2 Mar 2026, 14:05" */
  return g_strdup_printf (_("%s, %02d:%02d"), day, g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt));
}

gint64
crm_day_start (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_time (ms);
  g_autoptr(GDateTime) start = NULL;

  if (dt == NULL)
    return ms;
  start = g_date_time_new_local (g_date_time_get_year (dt), g_date_time_get_month (dt),
                                 g_date_time_get_day_of_month (dt), 0, 0, 0);
  return g_date_time_to_unix (start) * 1000;
}

gint64
crm_day_end (gint64 ms)
{
  g_autoptr(GDateTime) dt = local_time (crm_day_start (ms));
  g_autoptr(GDateTime) next = NULL;

  if (dt == NULL)
    return ms;
  next = g_date_time_add_days (dt, 1);
  return g_date_time_to_unix (next) * 1000;
}

char *
crm_format_due (gint64 due_ms,
                gint64 now_ms)
{
  gint64 today = crm_day_start (now_ms);
  gint64 tomorrow = crm_day_end (now_ms);

  if (due_ms >= today && due_ms < tomorrow)
    return g_strdup (_("Today"));
  if (due_ms >= tomorrow && due_ms < crm_day_end (tomorrow))
    return g_strdup (_("Tomorrow"));
  if (due_ms < today && due_ms >= crm_day_start (today - 1))
    return g_strdup (_("Yesterday"));
  return crm_format_date (due_ms);
}

/* Legal forms that open a Russian company's name; an avatar skips them. */
static const char *const legal_forms[] = {
  "ООО", "ИП", "АО", "ЗАО", "ОАО", "ПАО", "НАО", "ТОО", "НКО", "ГК", "ФГУП", "МУП",
  "LLC", "Ltd", "Inc", "GmbH", NULL
};

char *
crm_format_avatar_name (const char *name,
                        gboolean    company)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) words = NULL;
  g_autofree char *plain = NULL;
  guint n = 0;

  if (name == NULL)
    return g_strdup ("");
  /* quotes and dots are not letters of a name: «Енисей-Транс» → Енисей-Транс */
  plain = g_strdup (name);
  for (char *p = plain; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char *end = g_utf8_next_char (p);

      if (g_unichar_ispunct (c) && c != '-')
        memset (p, ' ', end - p);
    }
  words = g_strsplit (plain, " ", -1);
  for (guint i = 0; words[i] != NULL && n < 2; i++)
    {
      if (*words[i] == '\0')
        continue;
      if (company && n == 0 && g_strv_contains (legal_forms, words[i]))
        continue;
      g_string_append_printf (out, "%s%s", n > 0 ? " " : "", words[i]);
      n++;
    }
  if (out->len == 0)
    return g_strdup (name);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
crm_format_phone (const char *phone)
{
  if (phone == NULL)
    return g_strdup ("");
  /* the one standard of S4-7 for Russian numbers: +7 and ten digits */
  if (strlen (phone) == 12 && g_str_has_prefix (phone, "+7"))
    {
      for (int i = 2; i < 12; i++)
        if (!g_ascii_isdigit (phone[i]))
          return g_strdup (phone);
      return g_strdup_printf ("+7 %.3s %.3s-%.2s-%.2s", phone + 2, phone + 5, phone + 8, phone + 10);
    }
  return g_strdup (phone);
}
