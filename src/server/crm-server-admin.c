/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-admin.c — the commands of voronka-server (CLI.md "Server"): creating
 * accounts and users, revoking a user's sessions, and serving. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "crm-stdin.h"
#include "crm-json.h"
#include "crm-server-admin.h"
#include "crm-server-channels.h"
#include "crm-server-command.h"
#include "crm-server-db.h"
#include "crm-server-files.h"
#include "crm-server-invites.h"
#include "crm-server.h"
#include "crm-server-auth.h"
#include "crm-server-backup.h"
#include "crm-server-connections.h"
#include "crm-server-delivery.h"
#include "crm-server-live.h"
#include "crm-server-log.h"
#include "crm-server-mailboxes.h"
#include "crm-server-publish.h"
#include "crm-server-net.h"
#include "crm-server-ops.h"
#include "crm-server-pg.h"
#include "crm-server-sqlite.h"
#include "crm-server-tls.h"
#include "crm-template.h"
#include "crm-ledger.h"
#include "crm-time.h"

/* A live event another process published, to this process's sockets (CrmServerPgLive). */
static void
deliver_live (const char         *account_id,
              const char * const *user_ids,
              const char         *text,
              gpointer            user_data)
{
  crm_server_live_deliver (user_data, account_id, user_ids, text);
}


/* --database: the global option before the command, or the command's own */
static char *database_option;

void
crm_server_admin_set_database (const char *database)
{
  g_free (database_option);
  database_option = g_strdup (database);
}

/* A command's options, with --database. */
static GOptionContext *
admin_context (const char         *parameters,
               const char         *summary,
               const GOptionEntry *entries)
{
  const GOptionEntry database_entries[] = {
    { "database", 0, 0, G_OPTION_ARG_STRING, &database_option,
      N_("Storage: sqlite (default, in DIR) or postgresql://…"), N_("sqlite|URL") },
    { NULL }
  };
  GOptionContext *context = crm_server_command_context (parameters, summary, entries);

  g_option_context_add_main_entries (context, database_entries, GETTEXT_PACKAGE);
  return context;
}

/* The data folder's storage (*@storage) and the id of the account @name in it; NULL with
 * @error (an unknown account named) when either fails. */
static char *
open_account (const char         *data_dir,
              const char         *name,
              CrmServerStorage  **storage,
              GError            **error)
{
  if ((*storage = crm_server_admin_open_storage (data_dir, error)) == NULL)
    return NULL;
  return CRM_SERVER_BACKEND_GET_CLASS (*storage)->lookup_account (CRM_SERVER_BACKEND (*storage),
                                                                  name, error);
}

const char *
crm_server_admin_database (void)
{
  return crm_server_pg_is_url (database_option) ? database_option : NULL;
}

CrmServerStorage *
crm_server_admin_open_storage (const char  *data_dir,
                               GError     **error)
{
  if (data_dir == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Say where the server keeps its data: voronka-server --data DIR …"));
      return NULL;
    }
  if (crm_server_pg_is_url (database_option))
    return crm_server_pg_new (data_dir, database_option, error);
  if (database_option != NULL && !g_str_equal (database_option, "sqlite"))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("--database takes “sqlite” or a PostgreSQL URL "
                     "(postgresql://USER@HOST/DATABASE), not “%s”"), database_option);
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
  g_autoptr(GOptionContext) context = admin_context (
    "NAME", _("Create an account, optionally from a template, with its first administrator."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("account create takes one account NAME"));
  if (admin == NULL)
    return crm_server_command_usage (_("--admin USER is required"));
  if (!password_stdin)
    return crm_server_command_usage (_("--password-stdin is required (passwords never go on the command line)"));

  if ((template_name != NULL && (root = crm_template_load (template_name, &error)) == NULL) ||
      (password = crm_read_password_stdin (&error)) == NULL ||
      (hash = crm_server_hash_password (password, &error)) == NULL ||
      (storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      !crm_server_storage_create_account (storage, argv[1], root, admin, hash, &error))
    return crm_server_command_fail (error);
  {
    g_autofree char *details = template_name ? g_strdup_printf ("template=%s", template_name)
                                             : NULL;
    crm_server_audit ("account.create", argv[1], admin, details);
  }
  g_print (_("Created account «%s» with administrator «%s»\n"), argv[1], admin);
  return 0;
}

int
crm_server_cmd_account_set (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  g_autofree char *files_quota = NULL;
  const GOptionEntry entries[] = {
    { "files-quota-mb", 0, 0, G_OPTION_ARG_STRING, &files_quota,
      N_("Room for the account's attached files on the server, in MB (0: no limit; "
         "“default”: serve --files-quota-mb's)"), N_("MB|default") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT", _("Change an account's own settings on the server."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  guint64 mb = 0;
  gint64 bytes = -1;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("account set takes one ACCOUNT"));
  if (files_quota == NULL)
    return crm_server_command_usage (_("Say what to change: --files-quota-mb MB"));
  if (!g_str_equal (files_quota, "default"))
    {
      if (!g_ascii_string_to_unsigned (files_quota, 10, 0, G_MAXINT64 / (1024 * 1024), &mb,
                                       NULL))
        return crm_server_command_usage (_("--files-quota-mb takes a number of megabytes (0 "
                                           "for no limit) or “default”, not “%s”"),
                                         files_quota);
      bytes = (gint64) mb * 1024 * 1024;
    }
  if ((account = open_account (data_dir, argv[1], &storage, &error)) == NULL ||
      !crm_server_files_set_account_quota (storage, account, bytes, &error))
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("files-quota-mb=%s", files_quota);

    crm_server_audit ("account.set", argv[1], NULL, details);
  }
  if (bytes < 0)
    g_print (_("Account «%s»: its files have the room serve --files-quota-mb gives every "
               "account\n"), argv[1]);
  else if (bytes == 0)
    g_print (_("Account «%s»: no limit on the room for its files\n"), argv[1]);
  else
    g_print (_("Account «%s»: its files may take %llu MB on the server; it applies to "
               "uploads from now on, also while the server runs\n"), argv[1],
             (unsigned long long) mb);
  return 0;
}

static void print_json_object (JsonObject *object);

/* `account usage`: the messages of @account_id by delivery state. */
static gboolean
count_messages (CrmServerStorage  *storage,
                const char        *data_dir,
                const char        *account_id,
                JsonObject        *messages,
                GError           **error)
{
  g_autoptr(CrmServerChannels) channels = NULL;
  g_autoptr(CrmServerRows) rows = NULL;
  gint64 sent = 0, failed = 0, waiting = 0;

  /* the delivery table is made by the channels' first use */
  if ((channels = crm_server_channels_open_for (storage, data_dir, error)) == NULL ||
      (rows = crm_server_db_query (storage, "counting the account's messages", error,
                                   "SELECT state, COUNT(*) FROM delivery WHERE account = $1"
                                   " GROUP BY state", account_id, NULL)) == NULL)
    return FALSE;
  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    {
      gint64 state = crm_server_rows_int (rows, i, 0);
      gint64 n = crm_server_rows_int (rows, i, 1);

      if (state == CRM_DELIVERY_SENT)
        sent += n;
      else if (state == CRM_DELIVERY_FAILED)
        failed += n;
      else
        waiting += n;
    }
  json_object_set_int_member (messages, "sent", sent);
  json_object_set_int_member (messages, "failed", failed);
  json_object_set_int_member (messages, "waiting", waiting);
  json_object_set_int_member (messages, "total", sent + failed + waiting);
  return TRUE;
}

int
crm_server_cmd_account_usage (const char  *data_dir,
                              int          argc,
                              char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"account\", \"files\": {\"bytes\", \"reserved\", \"quota\", \"quota_from\"}, "
         "\"messages\": {\"sent\", \"failed\", \"waiting\", \"total\"}, \"devices\"}"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT", _("Show what an account uses on the server: files against their room, "
                 "messages, devices."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmServerRows) own = NULL;
  g_autoptr(CrmServerRows) devices = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonObject) files = json_object_new ();
  g_autoptr(JsonObject) messages = json_object_new ();
  g_autofree char *account = NULL;
  g_autofree char *folder = NULL;
  gint64 quota, stored = 0, reserved = 0;
  gboolean own_quota;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("account usage takes one ACCOUNT"));
  if ((account = open_account (data_dir, argv[1], &storage, &error)) == NULL ||
      (folder = CRM_SERVER_BACKEND_GET_CLASS (storage)->files_folder (
         CRM_SERVER_BACKEND (storage), account, &error)) == NULL ||
      !crm_server_files_account_usage (storage, account, folder, &stored, &reserved,
                                       &error) ||
      (quota = crm_server_files_account_quota (storage, account, 0, &error)) < 0 ||
      !count_messages (storage, data_dir, account, messages, &error) ||
      (devices = crm_server_db_query (storage, "counting the account's devices", &error,
                                      "SELECT COUNT(*) FROM device WHERE account = $1",
                                      account, NULL)) == NULL)
    return crm_server_command_fail (error);
  /* fallback 0 above only tells whether the account has a room of its own */
  {
    const char *values[] = { account };

    own = crm_server_db_run (storage, "reading the account's room for files",
                             "SELECT 1 FROM account_limit WHERE account = $1"
                             " AND files_quota IS NOT NULL", 1, values, &error);
    if (own == NULL)
      return crm_server_command_fail (error);
    own_quota = crm_server_rows_count (own) > 0;
    if (!own_quota && (quota = crm_server_files_serve_quota (storage, &error)) < 0)
      return crm_server_command_fail (error);
  }

  json_object_set_string_member (result, "account", argv[1]);
  json_object_set_int_member (files, "bytes", stored);
  json_object_set_int_member (files, "reserved", reserved);
  if (quota > 0)
    json_object_set_int_member (files, "quota", quota);
  else
    json_object_set_null_member (files, "quota");
  json_object_set_string_member (files, "quota_from", own_quota ? "account" : "serve");
  json_object_set_object_member (result, "files", json_object_ref (files));
  json_object_set_object_member (result, "messages", json_object_ref (messages));
  json_object_set_int_member (result, "devices", crm_server_rows_int (devices, 0, 0));
  if (json)
    {
      print_json_object (result);
      return 0;
    }
  {
    g_autofree char *used_text = g_format_size ((guint64) stored);
    g_autofree char *reserved_text = g_format_size ((guint64) reserved);
    g_autofree char *quota_text = g_format_size ((guint64) quota);

    g_print (_("Account «%s»\n"), argv[1]);
    if (quota == 0)
      g_print (_("  Files: %s, no limit\n"), used_text);
    else if (own_quota)
      g_print (_("  Files: %s of %s (the account's own limit)\n"), used_text, quota_text);
    else
      g_print (_("  Files: %s of %s (serve --files-quota-mb)\n"), used_text, quota_text);
    if (reserved > 0)
      g_print (_("  Uploads under way: %s reserved\n"), reserved_text);
    g_print (_("  Messages: %lld sent, %lld failed, %lld waiting\n"),
             (long long) json_object_get_int_member (messages, "sent"),
             (long long) json_object_get_int_member (messages, "failed"),
             (long long) json_object_get_int_member (messages, "waiting"));
    g_print (_("  Devices: %lld\n"), (long long) crm_server_rows_int (devices, 0, 0));
  }
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
      N_("Any role of the account: admin, head, manager, accountant, rep or a "
         "custom role's name (default: rep)"), N_("ROLE") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the user's password from standard input (required)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Add a user who can sign in to an account. A user of the account's "
                      "replica with that name becomes this user; otherwise one is created."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user add takes an ACCOUNT and a user NAME"));
  if (!password_stdin)
    return crm_server_command_usage (_("--password-stdin is required (passwords never go on the command line)"));

  if ((password = crm_read_password_stdin (&error)) == NULL ||
      (hash = crm_server_hash_password (password, &error)) == NULL ||
      (storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      !crm_server_storage_add_user (storage, argv[1], argv[2], role ? role : "rep", hash, &error))
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("role=%s", role ? role : "rep");
    crm_server_audit ("user.add", argv[1], argv[2], details);
  }
  g_print (_("Added user «%s» (%s) to account «%s»\n"), argv[2], role ? role : "rep", argv[1]);
  return 0;
}

/* Days an invitation is valid by default (also POST /api/v1/invites). */
#define INVITE_DEFAULT_DAYS 7
#define INVITE_MAX_DAYS     90

static void print_json_object (JsonObject *object);

int
crm_server_cmd_user_invite (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  g_autofree char *role = NULL;
  gint days = INVITE_DEFAULT_DAYS;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("Any role of the account: admin, head, manager, accountant, rep or a "
         "custom role's name (default: rep)"), N_("ROLE") },
    { "days", 0, 0, G_OPTION_ARG_INT, &days,
      N_("How many days the code works (default 7, at most 90)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"code\", \"name\", \"role\", \"account\", \"expires_at\"} (an ISO 8601 UTC time)"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Invite a new user: prints a one-time code. They choose «I have an "
                      "invitation code» when signing in (or run “voronkactl sync --server URL "
                      "--invite CODE --password-stdin”), enter the server's address, the code "
                      "and a password of their own; the code then stops working. Only the "
                      "code's hash is kept."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *when = NULL;
  g_autoptr(GDateTime) expires_time = NULL;
  gint64 expires;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user invite takes an ACCOUNT and a user NAME"));
  if (days < 1 || days > INVITE_MAX_DAYS)
    return crm_server_command_usage (_("--days takes 1 to %d"), INVITE_MAX_DAYS);

  expires = crm_time_now_ms () + (gint64) days * 24 * 3600 * 1000;
  if ((storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      (code = crm_server_storage_create_invite (storage, argv[1], argv[2],
                                                role ? role : "rep", expires, NULL,
                                                &error)) == NULL)
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("role=%s days=%d", role ? role : "rep", days);
    crm_server_audit ("user.invite", argv[1], argv[2], details);
  }
  if (json)
    {
      JsonObject *object = json_object_new ();
      g_autofree char *expires_at = crm_time_format (expires);

      json_object_set_string_member (object, "code", code);
      json_object_set_string_member (object, "name", argv[2]);
      json_object_set_string_member (object, "role", role ? role : "rep");
      json_object_set_string_member (object, "account", argv[1]);
      json_object_set_string_member (object, "expires_at", expires_at);
      print_json_object (object);
      json_object_unref (object);
      return 0;
    }
  expires_time = g_date_time_new_from_unix_local (expires / 1000);
  when = g_date_time_format (expires_time, "%Y-%m-%d %H:%M");
  /* Translators: "Invitation for «Анна» (rep) to account «acme»: K7QM-3XRD-W9TB" */
  g_print (_("Invitation for «%s» (%s) to account «%s»: %s\n"), argv[2], role ? role : "rep",
           argv[1], code);
  g_print (_("It works once, until %s. Give it to them with the server's address; they "
             "choose «I have an invitation code» when signing in.\n"), when);
  return 0;
}

static void print_json (JsonNode *node);

/* What became of an invitation: "used", "expired" or "pending" (as of @now). */
static const char *
invite_state (CrmServerRows *rows,
              guint          row,
              gint64         now)
{
  if (crm_server_rows_text (rows, row, 4) != NULL)
    return "used";
  if (crm_server_rows_int (rows, row, 3) <= now)
    return "expired";
  return "pending";
}

static const char *
invite_state_label (const char *state)
{
  if (g_str_equal (state, "used"))
    return _("used");
  if (g_str_equal (state, "expired"))
    return _("expired or withdrawn");
  return _("not used yet");
}

static char *
format_ms (CrmServerRows *rows,
           guint          row,
           guint          column)
{
  return crm_server_rows_text (rows, row, column) != NULL
         ? crm_time_format (crm_server_rows_int (rows, row, column)) : NULL;
}

int
crm_server_cmd_user_invites (const char  *data_dir,
                             int          argc,
                             char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array: [{\"name\", \"role\", \"state\": \"pending\"|\"used\"|"
         "\"expired\", \"created_at\", \"expires_at\", \"used_at\", \"invited_by\" (null: "
         "made on the server)}]"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT", _("List an account's invitations, newest first: whom they are for, the role, "
                 "when they were made and until when they work, and whether they were used. "
                 "The codes themselves are not kept, so they cannot be shown again; "
                 "“user uninvite” withdraws one."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(CrmServerRows) rows = NULL;
  g_autoptr(JsonArray) invites = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  gint64 now = crm_time_now_ms ();
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("user invites takes one ACCOUNT"));
  if ((account = open_account (data_dir, argv[1], &storage, &error)) == NULL ||
      (rows = crm_server_invites_list (storage, account, FALSE, now, 0, &error)) == NULL)
    return crm_server_command_fail (error);

  for (guint i = 0; i < crm_server_rows_count (rows); i++)
    {
      JsonObject *invite = json_object_new ();
      g_autofree char *created = format_ms (rows, i, 2);
      g_autofree char *expires = format_ms (rows, i, 3);
      g_autofree char *used = format_ms (rows, i, 4);

      json_object_set_string_member (invite, "name", crm_server_rows_text (rows, i, 0));
      json_object_set_string_member (invite, "role", crm_server_rows_text (rows, i, 1));
      json_object_set_string_member (invite, "state", invite_state (rows, i, now));
      json_object_set_string_member (invite, "created_at", created);
      json_object_set_string_member (invite, "expires_at", expires);
      if (used != NULL)
        json_object_set_string_member (invite, "used_at", used);
      else
        json_object_set_null_member (invite, "used_at");
      crm_json_set_string_or_null (invite, "invited_by",
                                   crm_server_rows_text (rows, i, CRM_SERVER_INVITE_INVITED_BY));
      json_array_add_object_element (invites, invite);
    }
  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, json_array_ref (invites));
      print_json (node);
      return 0;
    }
  if (json_array_get_length (invites) == 0)
    {
      g_print (_("Account «%s» has no invitations; “user invite %s NAME” makes one\n"),
               argv[1], argv[1]);
      return 0;
    }
  for (guint i = 0; i < json_array_get_length (invites); i++)
    {
      JsonObject *invite = json_array_get_object_element (invites, i);
      const char *state = json_object_get_string_member (invite, "state");
      const char *by = crm_json_string (invite, "invited_by");

      if (g_str_equal (state, "used"))
        /* Translators: user invites: name, role, "used", when */
        g_print (_("%s\t%s\t%s %s\n"), json_object_get_string_member (invite, "name"),
                 json_object_get_string_member (invite, "role"), invite_state_label (state),
                 json_object_get_string_member (invite, "used_at"));
      else
        /* Translators: user invites: name, role, state, "until" the expiry */
        g_print (_("%s\t%s\t%s\tuntil %s\n"), json_object_get_string_member (invite, "name"),
                 json_object_get_string_member (invite, "role"), invite_state_label (state),
                 json_object_get_string_member (invite, "expires_at"));
      /* Translators: user invites, under an invitation: who made it (a user's name) */
      g_print (_("\tinvited by %s\n"), by != NULL ? by
               /* Translators: user invites: made with this command, not by a user */
               : _("a command on the server"));
    }
  return 0;
}

int
crm_server_cmd_user_uninvite (const char  *data_dir,
                              int          argc,
                              char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"name\", \"withdrawn\": N}"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Withdraw the invitations not yet used for NAME: their codes stop "
                      "working at once (whoever tries one is told it expired and to ask for a "
                      "new one)."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  gint withdrawn;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user uninvite takes an ACCOUNT and the NAME the "
                                       "invitation is for"));
  if ((account = open_account (data_dir, argv[1], &storage, &error)) == NULL ||
      (withdrawn = crm_server_invites_withdraw (storage, account, argv[2], crm_time_now_ms (),
                                                &error)) < 0)
    return crm_server_command_fail (error);
  if (withdrawn == 0)
    {
      g_printerr (_("Account «%s» has no invitation waiting for «%s»; “user invites %s” "
                    "lists them\n"), argv[1], argv[2], argv[1]);
      return 1;
    }
  {
    g_autofree char *details = g_strdup_printf ("withdrawn=%d", withdrawn);
    crm_server_audit ("user.uninvite", argv[1], argv[2], details);
  }
  if (json)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "name", argv[2]);
      json_object_set_int_member (object, "withdrawn", withdrawn);
      print_json_object (object);
      return 0;
    }
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "Withdrew %u invitation for «%s» in account «%s»: its code no "
                        "longer works\n",
                        "Withdrew %u invitations for «%s» in account «%s»: their codes no "
                        "longer work\n", withdrawn),
           (guint) withdrawn, argv[2], argv[1]);
  return 0;
}

int
crm_server_cmd_user_revoke (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Sign a user out everywhere: every session token of theirs stops working."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  int count;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user revoke takes an ACCOUNT and a user NAME"));
  if ((storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      (count = crm_server_storage_revoke_user (storage, argv[1], argv[2], &error)) < 0)
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("sessions=%d", count);
    crm_server_audit ("user.revoke", argv[1], argv[2], details);
  }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Revoked %d session of «%s»\n",
                        "Revoked %d sessions of «%s»\n", count), count, argv[2]);
  return 0;
}

int
crm_server_cmd_migrate (const char  *data_dir,
                        int          argc,
                        char       **argv)
{
  g_autofree char *to = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &to,
      N_("The PostgreSQL database to move the account to (required)"), N_("URL") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = crm_server_command_context (
    "ACCOUNT", _("Move an account from the data folder's embedded storage into PostgreSQL, "
                 "with its users, sessions, devices and invitations, and verify the copy; the data folder "
                 "keeps the account as it was. The server must be stopped."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(CrmServerStorage) target = NULL;
  g_autoptr(JsonObject) rows = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;
  CrmStore *replica;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return crm_server_command_usage (_("migrate takes the name of an ACCOUNT"));
  if (!crm_server_pg_is_url (to))
    return crm_server_command_usage (_("migrate needs --to postgresql://USER@HOST/DATABASE"));
  /* a stopped server: the account does not change while it is copied */
  if (data_dir == NULL)
    return crm_server_command_usage (_("Say where the server keeps its data: voronka-server "
                                       "--data DIR …"));
  if (!crm_server_lock_data (data_dir, &error) ||
      (storage = crm_server_sqlite_new (data_dir, &error)) == NULL ||
      (rows = crm_server_sqlite_export_account (CRM_SERVER_SQLITE (storage), argv[1],
                                                &error)) == NULL ||
      (replica = crm_server_sqlite_get_replica (CRM_SERVER_SQLITE (storage),
                                                json_object_get_string_member (rows, "id"),
                                                &error)) == NULL ||
      (key = crm_server_account_key (data_dir, json_object_get_string_member (rows, "id"),
                                     &error)) == NULL ||
      (target = crm_server_pg_new (data_dir, to, &error)) == NULL ||
      !crm_server_pg_import_account (CRM_SERVER_PG (target), argv[1], rows, replica, key,
                                     &error))
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("to=postgresql users=%u changes=%" G_GINT64_FORMAT,
                                                json_array_get_length (
                                                  json_object_get_array_member (rows, "users")),
                                                crm_ledger_head (replica));
    crm_server_audit ("account.migrate", argv[1], NULL, details);
  }
  g_print (_("Moved account «%s» to PostgreSQL and verified it: %lld changes, %u users. Serve "
             "it with --database and that URL; the data folder still holds the old copy\n"),
           argv[1], (long long) crm_ledger_head (replica),
           json_array_get_length (json_object_get_array_member (rows, "users")));
  return 0;
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static void
print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  print_json (node);
}

static const char *
state_label (const char *state)
{
  if (g_str_equal (state, "disabled"))
    return _("disabled");
  if (g_str_equal (state, "removed"))
    return _("removed");
  if (g_str_equal (state, "deactivated"))
    return _("deactivated in the app");
  return _("active");
}

int
crm_server_cmd_user_list (const char  *data_dir,
                          int          argc,
                          char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array: [{\"name\", \"role\", \"state\": \"active\"|\"disabled\"|"
         "\"removed\"|\"deactivated\", \"sessions\", \"last_seen\", \"created_at\"}]"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT [NAME]", _("List the users of an account (or one of them): role, state "
                        "(active, disabled, removed, or deactivated by an administrator in the "
                        "app), signed-in sessions, last sync."),
    entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2 && argc != 3)
    return crm_server_command_usage (_("user list takes an ACCOUNT and optionally a user NAME"));
  if ((storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      (users = crm_server_storage_list_users (storage, argv[1], argc == 3 ? argv[2] : NULL,
                                              &error)) == NULL)
    return crm_server_command_fail (error);
  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, users);
      print_json (node);
      return 0;
    }
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *seen = json_object_get_string_member_with_default (user, "last_seen", NULL);
      gint64 sessions = json_object_get_int_member (user, "sessions");
      g_autofree char *sessions_text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%lld session", "%lld sessions", sessions),
        (long long) sessions);

      /* Translators: user list: name, role, state, sessions, last sync */
      g_print (_("%s\t%s\t%s\t%s\tlast sync %s\n"),
               json_object_get_string_member (user, "name"),
               json_object_get_string_member (user, "role"),
               state_label (json_object_get_string_member (user, "state")),
               sessions_text, seen != NULL ? seen : _("never"));
    }
  return 0;
}

static int
set_disabled (const char  *data_dir,
              int          argc,
              char       **argv,
              gboolean     disabled)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"user\", \"state\", \"revoked_sessions\"}"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME",
    disabled ? _("Disable a user: their password no longer signs in, and every session of "
                 "theirs ends at once (the laptop says the account is disabled). Their data "
                 "stays; “user enable” lets them sign in again.")
             : _("Enable a disabled user: their password signs in again (their old sessions "
                 "stay ended; they sign in once more)."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  gint revoked;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (disabled ? _("user disable takes an ACCOUNT and a user NAME")
                                    : _("user enable takes an ACCOUNT and a user NAME"));
  if ((storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      (revoked = crm_server_storage_set_user_disabled (storage, argv[1], argv[2], disabled,
                                                       &error)) < 0)
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("sessions=%d", revoked);
    crm_server_audit (disabled ? "user.disable" : "user.enable", argv[1], argv[2],
                      disabled ? details : NULL);
  }
  if (json)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "user", argv[2]);
      json_object_set_string_member (object, "state", disabled ? "disabled" : "active");
      json_object_set_int_member (object, "revoked_sessions", revoked);
      print_json_object (object);
    }
  else if (disabled)
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "Disabled «%s» in account «%s» and ended %d session\n",
                          "Disabled «%s» in account «%s» and ended %d sessions\n", revoked),
             argv[2], argv[1], revoked);
  else
    g_print (_("Enabled «%s» in account «%s»: they can sign in again\n"), argv[2], argv[1]);
  return 0;
}

int
crm_server_cmd_user_disable (const char  *data_dir,
                             int          argc,
                             char       **argv)
{
  return set_disabled (data_dir, argc, argv, TRUE);
}

int
crm_server_cmd_user_enable (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  return set_disabled (data_dir, argc, argv, FALSE);
}

int
crm_server_cmd_user_password (const char  *data_dir,
                              int          argc,
                              char       **argv)
{
  gboolean password_stdin = FALSE;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the new password from standard input (required)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"user\", \"revoked_sessions\"}"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Set a user's password (at least 8 characters). Their sessions end: "
                      "each laptop asks for the new password once."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autofree char *hash = NULL;
  int status = 0;
  gint revoked;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user password takes an ACCOUNT and a user NAME"));
  if (!password_stdin)
    return crm_server_command_usage (_("--password-stdin is required (passwords never go on the command line)"));
  if ((password = crm_read_password_stdin (&error)) == NULL ||
      (hash = crm_server_hash_password (password, &error)) == NULL ||
      (storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      (revoked = crm_server_storage_set_password (storage, argv[1], argv[2], hash, &error)) < 0)
    return crm_server_command_fail (error);
  {
    g_autofree char *details = g_strdup_printf ("sessions=%d", revoked);
    crm_server_audit ("user.password", argv[1], argv[2], details);
  }
  if (json)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "user", argv[2]);
      json_object_set_int_member (object, "revoked_sessions", revoked);
      print_json_object (object);
    }
  else
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "Changed the password of «%s» and ended %d session\n",
                          "Changed the password of «%s» and ended %d sessions\n", revoked),
             argv[2], revoked);
  return 0;
}

int
crm_server_cmd_user_remove (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  g_autofree char *reassign_to = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "reassign-to", 0, 0, G_OPTION_ARG_STRING, &reassign_to,
      N_("The colleague who takes over the user's deals, open tasks, contacts and companies "
         "(required)"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print {\"user\", \"reassigned_to\", \"deals\", \"tasks\", \"contacts\", "
         "\"companies\"}"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = admin_context (
    "ACCOUNT NAME", _("Remove a user who left: their deals, open tasks, contacts and companies "
                      "go to a colleague (the laptops get that with their next sync), their "
                      "password no longer signs in and every session of theirs ends. Their "
                      "name stays in the history."), entries);
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  CrmReassignCounts counts = { 0 };
  int status = 0;

  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return crm_server_command_usage (_("user remove takes an ACCOUNT and a user NAME"));
  if (reassign_to == NULL)
    return crm_server_command_usage (_("--reassign-to NAME is required: who takes over their deals and "
                             "tasks"));
  if ((storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      !crm_server_storage_remove_user (storage, argv[1], argv[2], reassign_to, &counts, &error))
    return crm_server_command_fail (error);
  detail = g_strdup_printf ("reassign_to=%s deals=%u tasks=%u contacts=%u companies=%u",
                            reassign_to, counts.deals, counts.tasks, counts.contacts,
                            counts.companies);
  crm_server_audit ("user.remove", argv[1], argv[2], detail);
  if (json)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "user", argv[2]);
      json_object_set_string_member (object, "reassigned_to", reassign_to);
      json_object_set_int_member (object, "deals", counts.deals);
      json_object_set_int_member (object, "tasks", counts.tasks);
      json_object_set_int_member (object, "contacts", counts.contacts);
      json_object_set_int_member (object, "companies", counts.companies);
      print_json_object (object);
    }
  else
    g_print (_("Removed «%s» from account «%s»; «%s» takes over (deals: %u, open tasks: %u, "
               "contacts: %u, companies: %u)\n"), argv[2], argv[1], reassign_to,
             counts.deals, counts.tasks, counts.contacts, counts.companies);
  return 0;
}

/* --- serve ---------------------------------------------------------------------------------- */

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Whether --listen HOST:PORT names a loopback address. An address that is no address at
 * all says yes: crm_server_listen() refuses it with a better message. */
static gboolean
listens_on_loopback (const char *address)
{
  g_autoptr(GSocketAddress) parsed = crm_server_net_parse_listen (address, "--listen", NULL);

  return parsed == NULL ||
         g_inet_address_get_is_loopback (
           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (parsed)));
}

int
crm_server_cmd_serve (const char  *data_dir,
                      int          argc,
                      char       **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  gboolean insecure_http = FALSE;
  gint tick_seconds = 60;
  gint delivery_seconds = 30;
  gint delivery_timeout = 30;
  gint64 max_body = CRM_SERVER_DEFAULT_MAX_BODY;
  double rate = CRM_SERVER_DEFAULT_RATE;
  double burst = CRM_SERVER_DEFAULT_BURST;
  gint session_days = CRM_SERVER_DEFAULT_SESSION_DAYS;
  gint64 quota_mb = CRM_SERVER_DEFAULT_ACCOUNT_QUOTA_MB;
  gint max_connections = CRM_SERVER_DEFAULT_MAX_CONNECTIONS;
  gint idle_timeout = CRM_SERVER_DEFAULT_IDLE_TIMEOUT;
  gint64 max_file_mb = CRM_SERVER_DEFAULT_MAX_FILE_MB;
  gint abandoned_hours = CRM_SERVER_DEFAULT_ABANDONED_UPLOAD_HOURS;
  gint64 files_quota_mb = CRM_SERVER_DEFAULT_FILES_QUOTA_MB;
  gint mail_interval = 60;
  g_autofree char *public_url = NULL;
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
    { "tick-interval", 0, 0, G_OPTION_ARG_INT, &tick_seconds,
      N_("Run timer rules every SECONDS (default 60; 0 turns them off)"), N_("SECONDS") },
    { "delivery-interval", 0, 0, G_OPTION_ARG_INT, &delivery_seconds,
      N_("Look for messages to deliver every SECONDS, besides right after each push; the "
         "first retry of a temporary failure waits as long, each next one twice as long "
         "(default 30; 0 delivers no messages)"), N_("SECONDS") },
    { "delivery-timeout", 0, 0, G_OPTION_ARG_INT, &delivery_timeout,
      N_("Seconds an SMS or Telegram gateway has to answer (an SMTP session four times "
         "that) before the try counts as failed for now (default 30)"), N_("SECONDS") },
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
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      N_("Connections open at once (default 4096, and always below the open-file limit); "
         "at the limit the longest idle one is closed"), N_("N") },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      N_("Seconds a client has to send its next request, or for any read or write to "
         "progress (default 60)"), N_("SECONDS") },
    { "max-file-mb", 0, 0, G_OPTION_ARG_INT64, &max_file_mb,
      N_("Largest attached file (a photo, a document) accepted, in MB (default 25)"),
      N_("MB") },
    { "files-quota-mb", 0, 0, G_OPTION_ARG_INT64, &files_quota_mb,
      N_("Room for each account's attached files on the server, in MB (default 20480; 0: no "
         "limit); an upload that does not fit is refused and waits on its laptop"), N_("MB") },
    { "abandoned-upload-hours", 0, 0, G_OPTION_ARG_INT, &abandoned_hours,
      N_("Remove a file upload begun and not finished when nothing was added to it for "
         "HOURS (default 24; 0: keep them); the laptop starts that file again"), N_("HOURS") },
    { "mail-interval", 0, 0, G_OPTION_ARG_INT, &mail_interval,
      N_("Check the accounts' mailboxes every SECONDS (default 60; 0: only “mailbox check”)"),
      N_("SECONDS") },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &public_url,
      N_("The address mail readers reach this server at (https://…): e-mails then carry an "
         "unsubscribe link and an image that tells when they are opened (default: neither)"),
      N_("URL") },
    { NULL }
  };
  g_auto(CrmServerOps) ops = { 0 };
  g_autoptr(GOptionContext) context = admin_context (
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
  CrmServerMailboxes *mailboxes = NULL;
  CrmServerPublish *publish = NULL;
  g_autoptr(CrmServerDelivery) delivery = NULL;
  CrmServerLimits limits;
  guint64 open_files;
  int status = 0;

  g_option_context_add_main_entries (context, crm_server_ops_entries (&ops), GETTEXT_PACKAGE);
  if (!crm_server_command_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return crm_server_command_usage (_("serve takes no arguments besides its options"));
  if (!crm_server_ops_prepare (&ops, &error))
    return crm_server_command_usage ("%s", error->message);
  /* before anything is announced: a SIGTERM right after "listening" stops cleanly */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  if ((tls_cert == NULL) != (tls_key == NULL))
    return crm_server_command_usage (_("--tls-cert and --tls-key go together"));
  if (insecure_http && tls_cert != NULL)
    return crm_server_command_usage (_("--insecure-http and --tls-cert exclude each other"));
  if (tick_seconds < 0 || max_body < 1024 || rate <= 0 || burst < 1 || session_days < 1)
    return crm_server_command_usage (_("--tick-interval, --max-body, --rate, --burst and --session-days "
                             "need sensible positive values"));
  if (delivery_seconds < 0 || delivery_timeout < 1)
    return crm_server_command_usage (_("--delivery-interval takes 0 or more seconds, --delivery-timeout "
                             "1 or more"));
  if (quota_mb < 0 || quota_mb > G_MAXINT64 / (1024 * 1024))
    return crm_server_command_usage (_("--account-quota-mb takes a number of megabytes, 0 for no limit"));
  if (max_file_mb < 1 || max_file_mb > G_MAXINT64 / (1024 * 1024))
    return crm_server_command_usage (_("--max-file-mb takes a positive number of megabytes"));
  if (files_quota_mb < 0 || files_quota_mb > G_MAXINT64 / (1024 * 1024))
    return crm_server_command_usage (_("--files-quota-mb takes a number of megabytes, 0 for no "
                                       "limit"));
  if (abandoned_hours < 0)
    return crm_server_command_usage (_("--abandoned-upload-hours takes a number of hours, 0 to "
                                       "keep unfinished uploads"));
  if (mail_interval < 0)
    return crm_server_command_usage (_("--mail-interval takes a number of seconds, 0 to check only on "
                             "demand"));
  if (public_url != NULL &&
      !g_str_has_prefix (public_url, "https://") && !g_str_has_prefix (public_url, "http://"))
    return crm_server_command_usage (_("--public-url takes the address people reach the server "
                                       "at, such as https://crm.example.ru, not “%s”"), public_url);
  if (max_connections < 1 || idle_timeout < 1)
    return crm_server_command_usage (_("--max-connections and --idle-timeout need positive values"));
  if (insecure_http && !listens_on_loopback (listen ? listen : "127.0.0.1:8443"))
    return crm_server_command_usage (_("--insecure-http serves passwords and data unencrypted, so it "
                             "listens on loopback only (127.0.0.1 or ::1), not on “%s”; "
                             "leave it out to serve HTTPS"), listen);
  limits.max_body = (gsize) max_body;
  limits.rate = rate;
  limits.burst = burst;
  limits.session_ttl_ms = (gint64) session_days * 24 * 3600 * 1000;
  limits.idle_timeout_s = (guint) idle_timeout;
  limits.max_file = (gsize) max_file_mb * 1024 * 1024;
  limits.abandoned_upload_ms = (gint64) abandoned_hours * 3600 * 1000;
  limits.files_quota = files_quota_mb * 1024 * 1024;
  /* every connection is a descriptor: the cap stays below the open-file limit, so
   * accept() never fails for want of one */
  open_files = crm_server_raise_file_limit ();
  limits.max_connections = crm_server_connection_cap (open_files, (guint) max_connections);

  /* `restore` refuses while the folder is served */
  if (!crm_server_auth_init (&error) ||
      (data_dir != NULL && !crm_server_lock_data (data_dir, &error)) ||
      (storage = crm_server_admin_open_storage (data_dir, &error)) == NULL ||
      !crm_server_ops_check_storage (&ops, data_dir, storage, &error))
    return crm_server_command_fail (error);
  crm_server_backend_set_account_quota (CRM_SERVER_BACKEND (storage), quota_mb * 1024 * 1024);
  /* the commands beside serve (account usage, mailbox check) know its room for files */
  if (!crm_server_files_set_serve_quota (storage, limits.files_quota, &error))
    return crm_server_command_fail (error);
  g_print (_("voronka-server: data folder %s\n"), data_dir);
  if (!insecure_http &&
      (certificate = crm_server_ops_load_certificate (&ops, data_dir, tls_cert, tls_key,
                                                      &error)) == NULL)
    return crm_server_command_fail (error);

  server = crm_server_new (storage, &limits);
  if (!crm_server_listen (server, listen ? listen : "127.0.0.1:8443", certificate, &url, &error))
    return crm_server_command_fail (error);
  g_print (_("voronka-server: listening on %s\n"), url);
  g_print (_("voronka-server: at most %u connections (open-file limit %lu)\n"),
           limits.max_connections, (gulong) open_files);
  fflush (stdout);
  if (!crm_server_ops_started (&ops, server, certificate != NULL, &error))
    return crm_server_command_fail (error);
  crm_server_start_ticks (server, (guint) tick_seconds);
  /* mailboxes: server.db's tables, or the PostgreSQL database's */
  mailboxes = crm_server_mailboxes_start (storage, (guint) mail_interval,
                                          G_CALLBACK (crm_server_changed), server);
  /* the other processes' pushes reach this one's live sockets */
  if (CRM_IS_SERVER_PG (storage))
    {
      crm_server_pg_listen (CRM_SERVER_PG (storage), G_CALLBACK (crm_server_changed), server);
      /* a caller's card from a PBX request to another process reaches this one's sockets,
       * and this one's to theirs */
      crm_server_pg_listen_live (CRM_SERVER_PG (storage), deliver_live,
                                 crm_server_get_live (server));
      crm_server_live_set_relay (crm_server_get_live (server), crm_server_pg_publish_live,
                                 storage);
    }
  if (delivery_seconds > 0)
    {
      delivery = crm_server_delivery_new (CRM_SERVER_BACKEND (storage), data_dir,
                                          (guint) delivery_seconds, &error);
      if (delivery == NULL)
        return crm_server_command_fail (error);
      crm_server_delivery_set_timeout (delivery, (guint) delivery_timeout);
      crm_server_delivery_set_public_url (delivery, public_url);
      crm_server_set_push_hook (server, (CrmServerPushHook) crm_server_delivery_kick, delivery);
      crm_server_delivery_set_changed (delivery, (CrmServerDeliveryChanged) crm_server_changed,
                                       server);
    }
  /* the app's Settings shows the channels and mailboxes, never their secrets */
  publish = crm_server_publish_start (CRM_SERVER_BACKEND (storage),
                                      delivery_seconds > 0 ? (guint) delivery_seconds : 30,
                                      G_CALLBACK (crm_server_changed), server);
  /* what an administrator changes in the app shows in the replicas at once */
  crm_server_set_settings_hook (server, (CrmServerSettingsHook) crm_server_publish_account,
                                publish);
  /* the first new device of an account finds its snapshot ready */
  crm_server_storage_prepare_snapshots (storage);

  g_main_loop_run (loop);

  crm_server_publish_stop (publish);
  crm_server_mailboxes_stop (mailboxes);
  crm_server_ops_stopping (&ops);
  crm_server_stop (server);
  g_print (_("voronka-server: stopped\n"));
  return 0;
}
