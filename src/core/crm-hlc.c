/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-hlc.c — hybrid logical clock (Kulkarni et al.), packed into 64 bits. */
#include "crm-hlc.h"

void
crm_hlc_init (CrmHlc  *clock,
              guint64  last)
{
  clock->last = last;
}

/* The smallest timestamp strictly greater than @hlc: the counter goes up, and when it
 * is full the physical part moves on by one millisecond with the counter at 0. */
static guint64
successor (guint64 hlc)
{
  if (crm_hlc_counter (hlc) == CRM_HLC_COUNTER_MAX)
    return crm_hlc_make (crm_hlc_physical (hlc) + 1, 0);
  return hlc + 1;
}

guint64
crm_hlc_now (CrmHlc *clock,
             gint64  physical_ms)
{
  guint64 wall = crm_hlc_make (MAX (physical_ms, 0), 0);

  clock->last = wall > clock->last ? wall : successor (clock->last);
  return clock->last;
}

void
crm_hlc_absorb (CrmHlc  *clock,
                guint64  remote,
                gint64   physical_ms)
{
  guint64 wall = crm_hlc_make (MAX (physical_ms, 0), 0);
  guint64 high = MAX (clock->last, remote);

  clock->last = wall > high ? wall : high;
}

char *
crm_hlc_to_string (guint64 hlc)
{
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (17);

  for (int i = 15; i >= 0; i--, hlc >>= 4)
    text[i] = hex[hlc & 0xf];
  text[16] = '\0';
  return text;
}

gboolean
crm_hlc_parse (const char *text,
               guint64    *out)
{
  guint64 value = 0;

  if (text == NULL || *text == '\0')
    return FALSE;
  for (guint i = 0; text[i] != '\0'; i++)
    {
      if (i >= 16 || !g_ascii_isxdigit (text[i]))
        return FALSE;
      value = (value << 4) | (guint64) g_ascii_xdigit_value (text[i]);
    }
  *out = value;
  return TRUE;
}
