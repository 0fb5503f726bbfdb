/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-time.c — UTC milliseconds, money in minor units, phone numbers, search keys. */
#include "crm-time.h"

#include <string.h>

gint64
crm_time_now_ms (void)
{
  return g_get_real_time () / 1000;
}

gboolean
crm_time_parse (const char *text,
                gint64     *out_ms)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (text == NULL || *text == '\0')
    return FALSE;

  /* a plain date: midnight UTC */
  if (strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    {
      g_autofree char *full = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (full, utc);
    }
  else
    dt = g_date_time_new_from_iso8601 (text, utc);

  if (dt == NULL)
    return FALSE;
  *out_ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
  return TRUE;
}

char *
crm_time_format (gint64 ms)
{
  gint64 seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  gint64 rest = ms - seconds * 1000;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (seconds);

  if (dt == NULL)
    return g_strdup ("");
  if (rest != 0)
    {
      g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
      return g_strdup_printf ("%s.%03" G_GINT64_FORMAT "Z", base, rest);
    }
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
crm_money_parse (const char *text,
                 gint64     *out_minor)
{
  gint64 units = 0;
  gint64 minor = 0;
  int decimals = -1;
  gboolean negative = FALSE;
  gboolean any_digit = FALSE;
  const char *p = text;

  if (text == NULL)
    return FALSE;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          any_digit = TRUE;
          if (decimals < 0)
            {
              if (units > (G_MAXINT64 / 100 - 9) / 10)
                return FALSE;
              units = units * 10 + (*p - '0');
            }
          else
            {
              if (decimals >= 2)
                return FALSE;
              minor = minor * 10 + (*p - '0');
              decimals++;
            }
        }
      else if ((*p == '.' || *p == ',') && decimals < 0)
        decimals = 0;
      else if (*p == ' ' && decimals < 0)
        continue;
      else if ((guchar) p[0] == 0xC2 && (guchar) p[1] == 0xA0 && decimals < 0)
        p++;  /* no-break space as a thousands separator */
      else if ((guchar) p[0] == 0xE2 && (guchar) p[1] == 0x80 && (guchar) p[2] == 0xAF &&
               decimals < 0)
        p += 2;  /* narrow no-break space */
      else
        return FALSE;
    }
  if (!any_digit)
    return FALSE;
  if (decimals == 1)
    minor *= 10;
  *out_minor = (units * 100 + minor) * (negative ? -1 : 1);
  return TRUE;
}

char *
crm_money_format (gint64 minor)
{
  guint64 abs_minor = minor < 0 ? (guint64) -(minor + 1) + 1 : (guint64) minor;

  return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%02u", minor < 0 ? "-" : "",
                          abs_minor / 100, (guint) (abs_minor % 100));
}

char *
crm_phone_normalize (const char *text)
{
  /* digits on the stack: the duplicates scan normalizes every phone of every card */
  char digits[16];
  gsize n = 0;
  gboolean plus = FALSE;
  char *result;

  if (text == NULL)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (n < sizeof digits)
            digits[n] = *p;
          n++;
        }
      else if (*p == '+' && n == 0 && !plus)
        plus = TRUE;
      else if (*p != ' ' && *p != '(' && *p != ')' && *p != '-' && *p != '.')
        return NULL;
    }

  /* Russian numbers: 8XXXXXXXXXX and bare 10 digits become +7XXXXXXXXXX */
  if (!plus && n == 11 && digits[0] == '8')
    digits[0] = '7';
  else if (!plus && n == 10)
    {
      memmove (digits + 1, digits, n);
      digits[0] = '7';
      n++;
    }

  if (n < 10 || n > 15)
    return NULL;
  result = g_malloc (n + 2);
  result[0] = '+';
  memcpy (result + 1, digits, n);
  result[n + 1] = '\0';
  return result;
}

/* Whether @text is valid UTF-8 of ASCII and Cyrillic letters only (U+0400–U+04FF but
 * the combining marks U+0483–U+0489): text that NFC leaves as it is, so its normalizing
 * (a third of folding a name, and names are folded for every contact written) can go. */
static gboolean
already_composed (const char *text)
{
  const guchar *p = (const guchar *) text;

  while (*p != '\0')
    {
      if (*p < 0x80)
        p++;
      else if ((*p == 0xD0 || *p == 0xD1 || *p == 0xD3) && (p[1] & 0xC0) == 0x80)
        p += 2;
      else if (*p == 0xD2 && (p[1] & 0xC0) == 0x80 && (p[1] < 0x83 || p[1] > 0x89))
        p += 2;
      else
        return FALSE;
    }
  return TRUE;
}

char *
crm_text_fold (const char *text)
{
  g_autofree char *normal = NULL;
  char *folded;

  if (text == NULL)
    return g_strdup ("");
  if (already_composed (text))
    folded = g_utf8_casefold (text, -1);
  else
    {
      normal = g_utf8_normalize (text, -1, G_NORMALIZE_DEFAULT_COMPOSE);
      if (normal == NULL)
        return g_strdup ("");
      folded = g_utf8_casefold (normal, -1);
    }

  /* ё and е are one letter for searching people's names: U+0451 (D1 91) becomes U+0435
   * (D0 B5) in place, the same two bytes */
  for (char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    if ((guchar) p[0] == 0xD1 && (guchar) p[1] == 0x91)
      {
        p[0] = (char) 0xD0;
        p[1] = (char) 0xB5;
      }
  return folded;
}
