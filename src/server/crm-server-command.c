/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-command.c — the administration commands' shared option parsing and
 * messages (accounts, users, channels, mailboxes, telephony). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-server-command.h"

int
crm_server_command_fail (const GError *error)
{
  g_printerr ("voronka-server: %s\n", error->message);
  return 1;
}

int
crm_server_command_usage (const char *format,
                          ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("voronka-server: %s\n", message);
  g_printerr (_("Run “%s --help” for the options.\n"), g_get_prgname ());
  return 2;
}

GOptionContext *
crm_server_command_context (const char         *parameters,
                            const char         *summary,
                            const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context,
    _("Global option (before the command): --data DIR, the server's data folder."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

gboolean
crm_server_command_parse (GOptionContext  *context,
                          int             *argc,
                          char          ***argv,
                          int             *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = crm_server_command_usage ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_server_command_parse_options (const char          *parameters,
                                  const char          *summary,
                                  const GOptionEntry  *entries,
                                  int                 *argc,
                                  char              ***argv,
                                  int                 *status)
{
  g_autoptr(GOptionContext) context = crm_server_command_context (parameters, summary, entries);

  return crm_server_command_parse (context, argc, argv, status);
}
