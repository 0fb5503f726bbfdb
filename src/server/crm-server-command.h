/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-command.h — what every `voronka-server --data DIR COMMAND …` administration
 * command shares: its options' parsing and help, and how it says it failed. Exit
 * statuses: 0 done, 1 refused or failed, 2 usage error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints @error's message; returns 1. */
int             crm_server_command_fail    (const GError       *error);
/* Prints the message and where the options are explained; returns 2. */
int             crm_server_command_usage   (const char         *format,
                                            ...) G_GNUC_PRINTF (1, 2);
/* A command's options: @parameters after its name in --help, @summary what it does,
 * and the global --data option in the description. */
GOptionContext *crm_server_command_context (const char         *parameters,
                                            const char         *summary,
                                            const GOptionEntry *entries);
/* Parses @argc/@argv with @context (on return they hold the positional arguments after
 * argv[0]); FALSE with *@status set to 2 and the error printed. */
gboolean        crm_server_command_parse   (GOptionContext     *context,
                                            int                *argc,
                                            char             ***argv,
                                            int                *status);
/* crm_server_command_context() and crm_server_command_parse() at once. */
gboolean        crm_server_command_parse_options (const char          *parameters,
                                                  const char          *summary,
                                                  const GOptionEntry  *entries,
                                                  int                 *argc,
                                                  char              ***argv,
                                                  int                 *status);

G_END_DECLS
