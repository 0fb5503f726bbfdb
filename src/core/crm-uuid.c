/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-uuid.c — UUIDv7 (RFC 9562, time-ordered) and UUIDv5 (SHA-1, name-based). */
#include "crm-uuid.h"

#include <string.h>

static char *
format_uuid (const guint8 b[16])
{
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (37);
  char *p = text;

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *p++ = '-';
      *p++ = hex[b[i] >> 4];
      *p++ = hex[b[i] & 0xf];
    }
  *p = '\0';
  return text;
}

static gboolean
parse_uuid (const char *text,
            guint8      out[16])
{
  guint n = 0;

  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (const char *p = text; *p != '\0' && n < 16; )
    {
      if (*p == '-')
        {
          p++;
          continue;
        }
      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return FALSE;
      out[n++] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      p += 2;
    }
  return n == 16;
}

gboolean
crm_uuid_is_valid (const char *text)
{
  guint8 b[16];

  if (text == NULL || strlen (text) != 36 ||
      text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
    return FALSE;
  return parse_uuid (text, b);
}

char *
crm_uuid_v7_new (gint64 unix_ms)
{
  return crm_uuid_v7_new_with_rand (unix_ms, NULL);
}

char *
crm_uuid_v7_new_with_rand (gint64  unix_ms,
                           GRand  *rand)
{
  guint8 b[16];
  guint64 ms = (guint64) MAX (unix_ms, 0);

  for (guint i = 0; i < 16; i += 4)
    {
      guint32 r = rand != NULL ? g_rand_int (rand) : g_random_int ();
      memcpy (b + i, &r, 4);
    }
  b[0] = (guint8) (ms >> 40);
  b[1] = (guint8) (ms >> 32);
  b[2] = (guint8) (ms >> 24);
  b[3] = (guint8) (ms >> 16);
  b[4] = (guint8) (ms >> 8);
  b[5] = (guint8) ms;
  b[6] = (b[6] & 0x0F) | 0x70;
  b[8] = (b[8] & 0x3F) | 0x80;
  return format_uuid (b);
}

char *
crm_uuid_v5 (const char *namespace_uuid,
             const char *name)
{
  guint8 ns[16];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);

  g_return_val_if_fail (name != NULL, NULL);
  if (!parse_uuid (namespace_uuid, ns))
    g_return_val_if_reached (NULL);

  g_checksum_update (sha1, ns, sizeof ns);
  g_checksum_update (sha1, (const guchar *) name, strlen (name));
  g_checksum_get_digest (sha1, digest, &digest_len);
  digest[6] = (digest[6] & 0x0F) | 0x50;
  digest[8] = (digest[8] & 0x3F) | 0x80;
  return format_uuid (digest);
}

char *
crm_uuid_link (const char *kind,
               const char *a,
               const char *b)
{
  g_autofree char *name = g_strdup_printf ("%s:%s:%s", kind, a, b);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}
