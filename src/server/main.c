/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — voronka-server: the global --data option and dispatch to the commands. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "crm-server-admin.h"
#include "crm-server-auth.h"
#include "crm-i18n.h"
#include "crm-server-backup.h"
#include "crm-server-mailboxes.h"
#include "crm-server-channels.h"
#include "crm-server-telephony.h"

typedef struct {
  const char *group;
  const char *name;
  int       (*func) (const char *data_dir, int argc, char **argv);
  const char *usage;
  const char *summary;
} Command;

static const Command commands[] = {
  { "account", "create", crm_server_cmd_account_create,
    "account create NAME [--template T] --admin USER --password-stdin",
    N_("Create an account with its first administrator") },
  { "account", "set", crm_server_cmd_account_set,
    "account set ACCOUNT --files-quota-mb MB|default",
    N_("Change an account's own settings: the room for its files on the server") },
  { "account", "usage", crm_server_cmd_account_usage,
    "account usage ACCOUNT [--json]",
    N_("Show what an account uses: files against their room, messages, devices") },
  { "user", "add", crm_server_cmd_user_add,
    "user add ACCOUNT NAME [--role R] --password-stdin", N_("Add a user to an account") },
  { "user", "invite", crm_server_cmd_user_invite,
    "user invite ACCOUNT NAME [--role R] [--days N] [--json]",
    N_("Invite a new user: a one-time code they enter at sign-in, with a password they "
       "choose") },
  { "user", "invites", crm_server_cmd_user_invites,
    "user invites ACCOUNT [--json]",
    N_("List an account's invitations: for whom, until when, used or not") },
  { "user", "uninvite", crm_server_cmd_user_uninvite,
    "user uninvite ACCOUNT NAME [--json]",
    N_("Withdraw the invitations waiting for a user: their codes stop working") },
  { "user", "list", crm_server_cmd_user_list,
    "user list ACCOUNT [NAME] [--json]",
    N_("List the users of an account: role, state, sessions, last sync") },
  { "user", "revoke", crm_server_cmd_user_revoke,
    "user revoke ACCOUNT NAME", N_("Sign a user out everywhere (revoke their tokens)") },
  { "user", "disable", crm_server_cmd_user_disable,
    "user disable ACCOUNT NAME", N_("Stop a user signing in; their sessions end at once") },
  { "user", "enable", crm_server_cmd_user_enable,
    "user enable ACCOUNT NAME", N_("Let a disabled user sign in again") },
  { "user", "password", crm_server_cmd_user_password,
    "user password ACCOUNT NAME --password-stdin",
    N_("Set a user's password (at least 8 characters); their sessions end") },
  { "user", "remove", crm_server_cmd_user_remove,
    "user remove ACCOUNT NAME --reassign-to NAME",
    N_("Remove a user who left; a colleague takes over their deals and tasks") },
  { "mailbox", "add", crm_server_cmd_mailbox_add,
    "mailbox add ACCOUNT URL --user U --password-stdin --pipeline P [--stage S] "
    "[--responsible U] [--ca-file PEM] [--new-only]",
    N_("Connect a mailbox: each new e-mail in it becomes a request") },
  { "mailbox", "list", crm_server_cmd_mailbox_list,
    "mailbox list ACCOUNT [--json]",
    N_("List an account's mailboxes: last check, e-mails taken, last error") },
  { "mailbox", "check", crm_server_cmd_mailbox_check,
    "mailbox check ACCOUNT [URL] [--json]",
    N_("Check an account's mailboxes now and print what was taken") },
  { "mailbox", "remove", crm_server_cmd_mailbox_remove,
    "mailbox remove ACCOUNT URL [--user U]",
    N_("Disconnect a mailbox (its requests stay)") },
  { "mailbox", "blocked", crm_server_cmd_mailbox_blocked,
    "mailbox blocked ACCOUNT [--json]",
    N_("List the senders blocked because a request of theirs was closed as spam") },
  { "channel", "set", crm_server_cmd_channel_set,
    "channel set ACCOUNT email --smtp URL [--from ADDR] [--user U --password-stdin] | "
    "sms|telegram --url URL [--token-stdin]",
    N_("Set how an account's messages go out: SMTP server, SMS gateway, Telegram bot") },
  { "telephony", "token", crm_server_cmd_telephony_token,
    "telephony token ACCOUNT", N_("Print the account's PBX bearer token (made once)") },
  { "telephony", "show", crm_server_cmd_telephony_show,
    "telephony show ACCOUNT [--json]", N_("Show how the account routes calls, in words") },
  { "telephony", "set", crm_server_cmd_telephony_set,
    "telephony set ACCOUNT [--pipeline P] [--stage S] [--ring-group G] [--ring-seconds N] "
    "[--hours HH:MM-HH:MM] [--days mon-fri] [--zone Z] [--on-duty U]… [--no-duty]",
    N_("Change how the account routes calls") },
  { "channel", "list", crm_server_cmd_channel_list,
    "channel list ACCOUNT [--json]", N_("List an account's message channels (secrets hidden)") },
  { "channel", "remove", crm_server_cmd_channel_remove,
    "channel remove ACCOUNT email|sms|telegram",
    N_("Remove an account's message channel with its password or token") },
  { "backup", NULL, crm_server_cmd_backup,
    "backup DEST_DIR", N_("Copy the data folder into a new folder (safe while serving)") },
  { "restore", NULL, crm_server_cmd_restore,
    "restore FROM_DIR", N_("Put a backup back into a stopped server's data folder") },
  { "migrate", NULL, crm_server_cmd_migrate,
    "migrate ACCOUNT --to postgresql://…",
    N_("Move an account from the data folder into PostgreSQL and verify it") },
  { "serve", NULL, crm_server_cmd_serve,
    "serve --listen HOST:PORT [--tls-cert PEM --tls-key PEM] [--tls-name DNS]… "
    "[--trusted-proxy ADDR]… [--metrics-listen HOST:PORT] [--log-level LEVEL] "
    "[--delivery-interval SECONDS]",
    N_("Serve the sync API (TLS; --insecure-http only for tests)") },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: voronka-server --data DIR COMMAND [OPTIONS…]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %s\n      %s\n", commands[i].usage, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Global options:"));
  fprintf (out, "  --data DIR   %s\n", _("The server's data folder (accounts, users, certificate)"));
  fprintf (out, "  --database sqlite|URL  %s\n",
           _("Where accounts are kept: the embedded SQLite in DIR (default) or PostgreSQL "
             "(postgresql://…); the commands account, user, channel and serve"));
  fprintf (out, "  --version    %s\n", _("Print the version"));
  fprintf (out, "\n%s\n", _("Run “voronka-server COMMAND --help” for a command's options."));
}

static gboolean
is_group (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].group, name) && commands[i].name != NULL)
      return TRUE;
  return FALSE;
}

static void
print_group_help (FILE       *out,
                  const char *group)
{
  g_autofree char *usage = g_strdup_printf ("voronka-server --data DIR %s COMMAND [OPTIONS…]",
                                            group);

  /* Translators: %s is "voronka-server --data DIR user COMMAND [OPTIONS…]" */
  fprintf (out, _("Usage: %s\n\n"), usage);
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].group, group))
      fprintf (out, "  %s\n      %s\n", commands[i].usage, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “voronka-server COMMAND --help” for a command's options."));
}

/* TLS 1.0 and 1.1 are refused. glib-networking's GnuTLS backend takes its priority
 * string from G_TLS_GNUTLS_PRIORITY when it makes its first connection (there is no
 * per-connection property); an administrator's own string is kept, minus the old
 * versions. */
static void
require_tls_1_2 (void)
{
  const char *priority = g_getenv ("G_TLS_GNUTLS_PRIORITY");
  g_autofree char *strict = g_strconcat (priority != NULL && *priority != '\0'
                                         ? priority : "NORMAL:%COMPAT",
                                         ":-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1", NULL);

  g_setenv ("G_TLS_GNUTLS_PRIORITY", strict, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *prgname = NULL;
  const Command *command = NULL;
  const char *database = NULL;
  int i;

  /* the data folder holds passwords' hashes, every account's data and the TLS key:
   * whatever the server creates is its user's alone (0600 files, 0700 folders) */
  umask (0077);
  require_tls_1_2 ();
  /* A statement's journal (the pages it changes) spills to a file in /var/tmp past
   * 64 KiB, and every later statement of the transaction then journals there, a write
   * call per page: 18 000 for 500 pushed ops (bench/RESULTS.md, issue 21). Up to 4 MiB
   * it stays in memory; a history compaction's large DELETE still spills. Set before
   * SQLite starts. */
  sqlite3_config (SQLITE_CONFIG_STMTJRNL_SPILL, 4 << 20);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, crm_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_set_prgname ("voronka-server");

  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          print_help (stdout);
          return 0;
        }
      if (g_str_equal (argv[i], "--version"))
        {
          g_print ("voronka-server %s\n", PACKAGE_VERSION);
          return 0;
        }
      if (g_str_equal (argv[i], "--data") && i + 1 < argc)
        {
          g_free (data_dir);
          data_dir = g_strdup (argv[++i]);
        }
      else if (g_str_equal (argv[i], "--database") && i + 1 < argc)
        database = argv[++i];
      else if (g_str_has_prefix (argv[i], "--database="))
        database = argv[i] + strlen ("--database=");
      else if (g_str_has_prefix (argv[i], "--data="))
        {
          g_free (data_dir);
          data_dir = g_strdup (argv[i] + strlen ("--data="));
        }
      else
        {
          g_printerr (_("voronka-server: unknown option %s\n"), argv[i]);
          print_help (stderr);
          return 2;
        }
    }
  if (i >= argc)
    {
      print_help (stderr);
      return 2;
    }

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    if (g_str_equal (commands[c].group, argv[i]) &&
        (commands[c].name == NULL || (i + 1 < argc && g_str_equal (commands[c].name, argv[i + 1]))))
      {
        command = &commands[c];
        break;
      }
  if (command == NULL && is_group (argv[i]) &&
      (i + 1 >= argc || g_str_equal (argv[i + 1], "--help") || g_str_equal (argv[i + 1], "-h")))
    {
      /* "voronka-server user --help": the commands of that group */
      gboolean asked = i + 1 < argc;

      print_group_help (asked ? stdout : stderr, argv[i]);
      return asked ? 0 : 2;
    }
  if (command == NULL)
    {
      if (is_group (argv[i]))
        {
          g_printerr (_("voronka-server: «%s» has no command «%s»\n"), argv[i], argv[i + 1]);
          print_group_help (stderr, argv[i]);
          return 2;
        }
      g_printerr (_("voronka-server: unknown command «%s»\n"), argv[i]);
      print_help (stderr);
      return 2;
    }
  /* accounts, users, message channels, telephony, mailboxes, backups, restores and serving
   * know PostgreSQL; the rest keep the data folder's */
  if (database != NULL && !g_str_equal (database, "sqlite") &&
      !g_str_equal (command->group, "account") && !g_str_equal (command->group, "user") &&
      !g_str_equal (command->group, "channel") && !g_str_equal (command->group, "serve") &&
      !g_str_equal (command->group, "telephony") && !g_str_equal (command->group, "mailbox") &&
      !g_str_equal (command->group, "backup") && !g_str_equal (command->group, "restore"))
    {
      g_printerr (_("voronka-server: %s works on the data folder's embedded storage only, not "
                    "with --database; leave --database out\n"), command->group);
      return 2;
    }
  crm_server_admin_set_database (database);
  i += command->name != NULL ? 2 : 1;

  prgname = command->name != NULL
            ? g_strdup_printf ("voronka-server %s %s", command->group, command->name)
            : g_strdup_printf ("voronka-server %s", command->group);
  g_set_prgname (prgname);
  args = g_ptr_array_new ();
  g_ptr_array_add (args, prgname);
  for (; i < argc; i++)
    {
      /* --data is accepted after the command too */
      if (g_str_equal (argv[i], "--data") && i + 1 < argc)
        {
          g_free (data_dir);
          data_dir = g_strdup (argv[++i]);
          continue;
        }
      g_ptr_array_add (args, argv[i]);
    }
  g_ptr_array_add (args, NULL);

  if (!crm_server_auth_init (&error))
    {
      g_printerr ("voronka-server: %s\n", error->message);
      return 1;
    }
  return command->func (data_dir, (int) args->len - 1, (char **) args->pdata);
}
