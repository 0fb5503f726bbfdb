/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-admin.c — the commands of voronka-server (CLI.md "Server"): creating
 * accounts and users, revoking a user's sessions, and serving. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "crm-server-admin.h"
#include "crm-server.h"
#include "crm-server-auth.h"
#include "crm-server-log.h"
#include "crm-server-ops.h"
#include "crm-server-sqlite.h"
#include "crm-server-tls.h"
#include "crm-template.h"

static const char *const roles[] = { "admin", "manager", "rep", NULL };

static int
fail (const GError *error)
{
  g_printerr ("voronka-server: %s\n", error->message);
  return 1;
}

static int
usage (GOptionContext *context,
       const char     *format,
       ...) G_GNUC_PRINTF (2, 3);

static int
usage (GOptionContext *context,
       const char     *format,
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

/* Parses @entries; on return argv holds the positional arguments after argv[0]. */
static gboolean
parse (GOptionContext  *context,
       int             *argc,
       char          ***argv,
       int             *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = usage (context, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static GOptionContext *
command_context (const char         *parameters,
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

static CrmServerStorage *
open_storage (const char *data_dir,
              GError    **error)
{
  if (data_dir == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Say where the server keeps its data: voronka-server --data DIR …"));
      return NULL;
    }
  return crm_server_sqlite_new (data_dir, error);
}

int
crm_server_cmd_account_create (const char  *data_dir,
                               int          argc,
                               char       **argv)
{
  g_autofree char *template_name = NULL;
  g_autofree char *admin = NULL;
  gboolean password_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "template", 't', 0, G_OPTION_ARG_STRING, &template_name,
      N_("Set the account up from a shipped template or a template JSON file"), N_("NAME|FILE") },
    { "admin", 0, 0, G_OPTION_ARG_STRING, &admin,
      N_("The account's first administrator (required)"), N_("USER") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the administrator's password from standard input (required)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (
    "NAME", _("Create an account, optionally from a template, with its first administrator."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  int status = 0;

  if (!parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage (context, _("account create takes one account NAME"));
  if (admin == NULL)
    return usage (context, _("--admin USER is required"));
  if (!password_stdin)
    return usage (context, _("--password-stdin is required (passwords never go on the command line)"));

  if ((template_name != NULL && (root = crm_template_load (template_name, &error)) == NULL) ||
      (password = crm_server_read_password_stdin (&error)) == NULL ||
      (hash = crm_server_hash_password (password, &error)) == NULL ||
      (storage = open_storage (data_dir, &error)) == NULL ||
      !crm_server_storage_create_account (storage, argv[1], root, admin, hash, &error))
    return fail (error);
  {
    g_autofree char *details = template_name ? g_strdup_printf ("template=%s", template_name)
                                             : NULL;
    crm_server_audit ("account.create", argv[1], admin, details);
  }
  g_print (_("Created account «%s» with administrator «%s»\n"), argv[1], admin);
  return 0;
}

int
crm_server_cmd_user_add (const char  *data_dir,
                         int          argc,
                         char       **argv)
{
  g_autofree char *role = NULL;
  gboolean password_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("admin, manager or rep (default: rep)"), N_("ROLE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the user's password from standard input (required)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (
    "ACCOUNT NAME", _("Add a user who can sign in to an account. A user of the account's "
                      "replica with that name becomes this user; otherwise one is created."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  int status = 0;

  if (!parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return usage (context, _("user add takes an ACCOUNT and a user NAME"));
  if (role != NULL && !g_strv_contains (roles, role))
    return usage (context, _("--role: «%s» is not a role; choose admin, manager or rep"), role);
  if (!password_stdin)
    return usage (context, _("--password-stdin is required (passwords never go on the command line)"));

  if ((password = crm_server_read_password_stdin (&error)) == NULL ||
      (hash = crm_server_hash_password (password, &error)) == NULL ||
      (storage = open_storage (data_dir, &error)) == NULL ||
      !crm_server_storage_add_user (storage, argv[1], argv[2], role ? role : "rep", hash, &error))
    return fail (error);
  {
    g_autofree char *details = g_strdup_printf ("role=%s", role ? role : "rep");
    crm_server_audit ("user.add", argv[1], argv[2], details);
  }
  g_print (_("Added user «%s» (%s) to account «%s»\n"), argv[2], role ? role : "rep", argv[1]);
  return 0;
}

int
crm_server_cmd_user_revoke (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(GOptionContext) context = command_context (
    "ACCOUNT NAME", _("Sign a user out everywhere: every session token of theirs stops working."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  int count;

  if (!parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return usage (context, _("user revoke takes an ACCOUNT and a user NAME"));
  if ((storage = open_storage (data_dir, &error)) == NULL ||
      (count = crm_server_storage_revoke_user (storage, argv[1], argv[2], &error)) < 0)
    return fail (error);
  {
    g_autofree char *details = g_strdup_printf ("sessions=%d", count);
    crm_server_audit ("user.revoke", argv[1], argv[2], details);
  }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Revoked %d session of «%s»\n",
                        "Revoked %d sessions of «%s»\n", count), count, argv[2]);
  return 0;
}

/* --- serve ---------------------------------------------------------------------------------- */

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
crm_server_cmd_serve (const char  *data_dir,
                      int          argc,
                      char       **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *database = NULL;
  gboolean insecure_http = FALSE;
  gint tick_seconds = 60;
  gint64 max_body = CRM_SERVER_DEFAULT_MAX_BODY;
  double rate = CRM_SERVER_DEFAULT_RATE;
  double burst = CRM_SERVER_DEFAULT_BURST;
  gint session_days = CRM_SERVER_DEFAULT_SESSION_DAYS;
  gint64 quota_mb = CRM_SERVER_DEFAULT_ACCOUNT_QUOTA_MB;
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      N_("Address and port to listen on (default 127.0.0.1:8443; port 0 picks a free one)"),
      N_("HOST:PORT") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      N_("TLS certificate (PEM); without it a self-signed one is made in DIR/tls/"), N_("PEM") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
      N_("The certificate's private key (PEM)"), N_("PEM") },
    { "insecure-http", 0, 0, G_OPTION_ARG_NONE, &insecure_http,
      N_("Serve plain HTTP without TLS (tests on loopback only)"), NULL },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database,
      N_("Storage: sqlite (default, in DIR) or postgresql://…"), N_("sqlite|URL") },
    { "tick-interval", 0, 0, G_OPTION_ARG_INT, &tick_seconds,
      N_("Run timer rules every SECONDS (default 60; 0 turns them off)"), N_("SECONDS") },
    { "max-body", 0, 0, G_OPTION_ARG_INT64, &max_body,
      N_("Largest request body accepted, in bytes (default 16 MiB)"), N_("BYTES") },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate,
      N_("Requests per second allowed per session (default 50)"), N_("N") },
    { "burst", 0, 0, G_OPTION_ARG_DOUBLE, &burst,
      N_("Requests a session may make at once before the rate applies (default 500)"), N_("N") },
    { "session-days", 0, 0, G_OPTION_ARG_INT, &session_days,
      N_("Days a sign-in stays valid (default 30)"), N_("DAYS") },
    { "account-quota-mb", 0, 0, G_OPTION_ARG_INT64, &quota_mb,
      N_("Storage an account may use on the server, in MB (default 10240; 0: no limit); "
         "pushes to a full account are refused"), N_("MB") },
    { NULL }
  };
  g_auto(CrmServerOps) ops = { 0 };
  g_autoptr(GOptionContext) context = command_context (
    "", _("Serve the sync API over HTTPS until stopped with SIGTERM or SIGINT; SIGHUP reloads "
          "the certificate. Prints the certificate's fingerprint, the address, then one line "
          "per request. GET /healthz answers while the process runs, GET /readyz while every "
          "account opens."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(CrmServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  CrmServerLimits limits;
  int status = 0;

  g_option_context_add_main_entries (context, crm_server_ops_entries (&ops), GETTEXT_PACKAGE);
  if (!parse (context, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return usage (context, _("serve takes no arguments besides its options"));
  if (!crm_server_ops_prepare (&ops, &error))
    return usage (context, "%s", error->message);
  /* before anything is announced: a SIGTERM right after "listening" stops cleanly */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  if ((tls_cert == NULL) != (tls_key == NULL))
    return usage (context, _("--tls-cert and --tls-key go together"));
  if (insecure_http && tls_cert != NULL)
    return usage (context, _("--insecure-http and --tls-cert exclude each other"));
  if (tick_seconds < 0 || max_body < 1024 || rate <= 0 || burst < 1 || session_days < 1)
    return usage (context, _("--tick-interval, --max-body, --rate, --burst and --session-days "
                             "need sensible positive values"));
  if (quota_mb < 0 || quota_mb > G_MAXINT64 / (1024 * 1024))
    return usage (context, _("--account-quota-mb takes a number of megabytes, 0 for no limit"));
  if (database != NULL && !g_str_equal (database, "sqlite"))
    {
      g_printerr (_("voronka-server: --database %s: this build has only the embedded SQLite "
                    "storage; PostgreSQL support is not built in\n"), database);
      return 1;
    }

  limits.max_body = (gsize) max_body;
  limits.rate = rate;
  limits.burst = burst;
  limits.session_ttl_ms = (gint64) session_days * 24 * 3600 * 1000;

  if (!crm_server_auth_init (&error) ||
      (storage = open_storage (data_dir, &error)) == NULL ||
      !crm_server_ops_check_storage (&ops, data_dir, storage, &error))
    return fail (error);
  crm_server_sqlite_set_account_quota (CRM_SERVER_SQLITE (storage), quota_mb * 1024 * 1024);
  g_print (_("voronka-server: data folder %s\n"), data_dir);
  if (!insecure_http &&
      (certificate = crm_server_ops_load_certificate (&ops, data_dir, tls_cert, tls_key,
                                                      &error)) == NULL)
    return fail (error);

  server = crm_server_new (storage, &limits);
  if (!crm_server_listen (server, listen ? listen : "127.0.0.1:8443", certificate, &url, &error))
    return fail (error);
  g_print (_("voronka-server: listening on %s\n"), url);
  fflush (stdout);
  if (!crm_server_ops_started (&ops, server, certificate != NULL, &error))
    return fail (error);
  crm_server_start_ticks (server, (guint) tick_seconds);
  /* the first new device of an account finds its snapshot ready */
  crm_server_storage_prepare_snapshots (storage);

  g_main_loop_run (loop);

  crm_server_ops_stopping (&ops);
  crm_server_stop (server);
  g_print (_("voronka-server: stopped\n"));
  return 0;
}
