/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stdin.c — a password read from standard input (crm-stdin.h). */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "crm-stdin.h"
#include "crm-store.h"

char *
crm_read_password_stdin (GError **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    {
      if (line->len >= CRM_PASSWORD_MAX_BYTES)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("The password on standard input is longer than 1024 bytes"));
          return NULL;
        }
      g_string_append_c (line, (char) c);
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  if (line->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("No password on standard input (--password-stdin reads one line)"));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}
