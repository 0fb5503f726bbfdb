/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — voronkactl: global options, dispatch to the command groups, and the one
 * place that turns an error into output and an exit status (CLI.md: 0 done, 1 refused,
 * 2 usage error). */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "crm-cli.h"
#include "crm-error.h"
#include "crm-i18n.h"

G_DEFINE_QUARK (crm-cli-error-quark, crm_cli_error)

static gboolean not_available (CrmCli *cli, int argc, char **argv, GError **error) G_GNUC_UNUSED;

typedef struct {
  const char        *group;
  const char        *name;      /* NULL: the group is the command */
  CrmCliCommandFunc  func;
  const char        *summary;
} Command;

static const Command commands[] = {
  { "init", NULL, crm_cli_init, N_("Create a new replica, optionally from a template") },
  { "template", "list", crm_cli_template_list, N_("List the shipped templates") },
  { "pipelines", NULL, crm_cli_pipelines, N_("List pipelines and their stages") },
  { "user", "add", crm_cli_user_add, N_("Add a user") },
  { "user", "list", crm_cli_user_list, N_("List users") },
#ifdef VORONKA_WITH_SYNC
  { "user", "invite", crm_cli_user_invite,
    N_("Invite a new user: a one-time code they enter at sign-in (admins; through the server)") },
  { "user", "invites", crm_cli_user_invites,
    N_("List the invitations not yet used (admins; through the server)") },
  { "user", "uninvite", crm_cli_user_uninvite,
    N_("Withdraw a user's invitation: its code stops working (admins; through the server)") },
#else
  { "user", "invite", not_available,
    N_("Invite a new user: a one-time code they enter at sign-in (admins; through the server)") },
  { "user", "invites", not_available,
    N_("List the invitations not yet used (admins; through the server)") },
  { "user", "uninvite", not_available,
    N_("Withdraw a user's invitation: its code stops working (admins; through the server)") },
#endif
  { "user", "set", crm_cli_user_set, N_("Change a user: their role, group, extension (administrators)") },
  { "user", "deactivate", crm_cli_user_deactivate, N_("Deactivate a user; a colleague takes over their open deals and tasks (admins)") },
  { "user", "reactivate", crm_cli_user_reactivate, N_("Make a deactivated user active again (admins)") },
  { "role", "list", crm_cli_role_list, N_("List the roles and their rights per pipeline") },
  { "role", "add", crm_cli_role_add, N_("Add a role, like another one, with its rights (admins)") },
  { "role", "set", crm_cli_role_set, N_("Rename a role or change its rights per pipeline (admins)") },
  { "role", "remove", crm_cli_role_remove, N_("Remove a role nobody holds (admins)") },
  { "tag", "list", crm_cli_tag_list, N_("List tags") },
  { "tag", "add", crm_cli_tag_add, N_("Add a tag") },
  { "tag", "rename", crm_cli_tag_rename, N_("Rename a tag (admins)") },
  { "tag", "merge", crm_cli_tag_merge, N_("Merge one tag into another (admins)") },
  { "tag", "remove", crm_cli_tag_remove, N_("Remove a tag from the account and its deals (admins)") },
  { "pipeline", "add", crm_cli_pipeline_add, N_("Add a pipeline (admins)") },
  { "pipeline", "archive", crm_cli_pipeline_archive, N_("Archive a pipeline; its deals are kept (admins)") },
  { "pipeline", "rename", crm_cli_pipeline_rename, N_("Rename a pipeline (admins)") },
  { "pipeline", "restore", crm_cli_pipeline_restore, N_("Bring an archived pipeline back (admins)") },
  { "reason", "list", crm_cli_reason_list, N_("List a pipeline's loss reasons") },
  { "reason", "add", crm_cli_reason_add, N_("Add a loss reason to a pipeline (admins)") },
  { "reason", "rename", crm_cli_reason_rename, N_("Rename a loss reason (admins)") },
  { "reason", "remove", crm_cli_reason_remove, N_("Remove a loss reason; lost deals keep it (admins)") },
  { "stage", "add", crm_cli_stage_add, N_("Add a stage to a pipeline (admins)") },
  { "stage", "set", crm_cli_stage_set, N_("Change a stage's kind: open, won or lost (admins)") },
  { "stage", "remove", crm_cli_stage_remove, N_("Remove a stage; its deals go to another one (admins)") },
  { "stage", "rename", crm_cli_stage_rename, N_("Rename a stage (admins)") },
  { "stage", "move", crm_cli_stage_move, N_("Move a stage before or after another (admins)") },
  { "field", "add", crm_cli_field_add, N_("Add a custom field (admins)") },
  { "contact", "add", crm_cli_contact_add, N_("Add a contact") },
  { "contact", "list", crm_cli_contact_list, N_("List or search contacts") },
  { "company", "add", crm_cli_company_add, N_("Add a company") },
  { "contact", "duplicates", crm_cli_contact_duplicates, N_("Groups of likely duplicate contacts with their scores") },
  { "contact", "merge", crm_cli_contact_merge, N_("Merge contacts: OTHER become redirects to SURVIVOR") },
  { "company", "duplicates", crm_cli_company_duplicates, N_("Groups of likely duplicate companies with their scores") },
  { "company", "merge", crm_cli_company_merge, N_("Merge companies: OTHER become redirects to SURVIVOR") },
  { "company", "set", crm_cli_company_set, N_("Change a company: fields, holding links") },
  { "company", "show", crm_cli_company_show, N_("Show a company with its total and holding") },
  { "contact", "set", crm_cli_contact_set, N_("Change a contact: phones, e-mails, companies, fields") },
  { "contact", "show", crm_cli_contact_show, N_("Show a contact with its companies") },
  { "field", "set", crm_cli_field_set, N_("Hide, show or rename a custom field (admins)") },
  { "account", "show", crm_cli_account_show,
    N_("Show the account's settings: time zone, days of history kept in full") },
  { "account", "set", crm_cli_account_set,
    N_("Change the account's settings: days of history kept in full (admins)") },
  { "contact", "bad-data", crm_cli_contact_bad_data, N_("Data to fix: phones, e-mails and INNs off the input standard, per manager") },
  { "payer", "add", crm_cli_payer_add, N_("Add a payer (legal entity, INN, KPP) to the shared directory") },
  { "payer", "list", crm_cli_payer_list, N_("List the payers' directory") },
  { "participant", "add", crm_cli_participant_add, N_("Add a contact to an event deal's participants") },
  { "participant", "set", crm_cli_participant_set, N_("Change a participant: paid, guests, attended, NPS") },
  { "participant", "list", crm_cli_participant_list, N_("List an event deal's participants with totals") },
  { "participant", "checkin", crm_cli_participant_checkin, N_("Check in a participant by badge code") },
  { "participant", "badge", crm_cli_participant_badge, N_("Write a participant's badge with its QR code (PNG)") },
  { "participant", "certificates", crm_cli_participant_certificates, N_("Write thank-you certificates for those who attended (PDF)") },
  { "participant", "export", crm_cli_participant_export, N_("Write an event deal's participants as XLSX or CSV") },
  { "participant", "ask-nps", crm_cli_participant_ask_nps, N_("E-mail those who came asking for an NPS score (0-10)") },
  { "list", "save", crm_cli_list_save, N_("Save a call list (a named filter) for the team") },
  { "list", "list", crm_cli_list_list, N_("List the saved lists") },
  { "list", "delete", crm_cli_list_delete, N_("Remove a saved list") },
  { "rfm", "segments", crm_cli_rfm_segments, N_("List the RFM segments and their thresholds") },
  { "rfm", "segment", crm_cli_rfm_segment_set, N_("Set an RFM segment's thresholds: rfm segment set KEY (admins)") },
  { "rfm", "show", crm_cli_rfm_show, N_("A client's RFM scores, segment and its history") },
  { "deal", "add-many", crm_cli_deal_add_many, N_("Create one deal per company from a deal template") },
  { "deal", "add", crm_cli_deal_add, N_("Create a deal") },
  { "deal", "move", crm_cli_deal_move, N_("Move a deal to another stage") },
  { "deal", "set", crm_cli_deal_set, N_("Change a deal's fields and tags") },
  { "deal", "show", crm_cli_deal_show, N_("Show a deal with its tasks and history") },
  { "deal", "list", crm_cli_deal_list, N_("List deals by pipeline, stage and tags") },
  { "task", "add", crm_cli_task_add, N_("Add a task to a deal") },
  { "task", "list", crm_cli_task_list, N_("List tasks") },
  { "task", "done", crm_cli_task_done, N_("Complete a task, optionally setting the next one") },
  { "deal", "delete", crm_cli_deal_delete, N_("Delete a deal and its open tasks (undoable)") },
  { "contact", "delete", crm_cli_contact_delete, N_("Delete a contact (undoable)") },
  { "company", "delete", crm_cli_company_delete,
    N_("Delete a company; its contacts and deals stay (undoable)") },
  { "task", "delete", crm_cli_task_delete, N_("Delete a task (undoable)") },
  { "undo", NULL, crm_cli_undo, N_("Undo a change made on this replica, or list them") },
  { "search", NULL, crm_cli_search, N_("Find deals, contacts and companies by name or phone digits") },
  { "report", "list", crm_cli_report_list, N_("List the reports") },
  { "report", NULL, crm_cli_report, N_("Compute a report: tasks, conversion, sales, the head's dashboard…") },
  { "plan", "set", crm_cli_plan_set, N_("Set a manager's sales plan for a month (admins)") },
  { "plan", "list", crm_cli_plan_list, N_("List the sales plans") },
  { "export", NULL, crm_cli_export, N_("Write contacts, companies or deals to CSV, XLSX or vCard; the whole account to JSON") },
  { "import", NULL, crm_cli_import, N_("Import contacts, companies or deals from an XLSX or CSV file, or a whole account (all or nothing)") },
  { "log", NULL, crm_cli_log, N_("Show the local changelog") },
  { "rules", NULL, crm_cli_rules, N_("List the automation rules") },
  { "rule", "show", crm_cli_rule_show, N_("Show one automation rule") },
  { "rule", "enable", crm_cli_rule_enable, N_("Turn an automation rule on (admins)") },
  { "rule", "disable", crm_cli_rule_disable, N_("Turn an automation rule off (admins)") },
  { "rule", "import", crm_cli_rule_import, N_("Add or replace rules from a JSON file (admins)") },
  { "rule", "test", crm_cli_rule_test, N_("Show what a rule would do to a deal, writing nothing") },
  { "rule", "export", crm_cli_rule_export, N_("Write rules to a JSON file rule import reads") },
  { "tick", NULL, crm_cli_tick, N_("Run timer rules due at --now") },
  { "attach", NULL, crm_cli_attach, N_("Attach a file to a deal") },
  { "attachment", "list", crm_cli_attachment_list, N_("List the files attached to a deal") },
  { "attachment", "get", crm_cli_attachment_get,
    N_("Copy an attached file out, fetching it from the server if not here yet") },
  { "notification", "list", crm_cli_notification_list, N_("List notifications from rules") },
  { "call", "list", crm_cli_call_list, N_("List phone calls, missed ones first with --today") },
  { "call", "show", crm_cli_call_show, N_("Show a phone call with its recording") },
  { "message", "template", crm_cli_message_template,
    N_("Add, rename, remove (admins) or list message templates: message template "
       "add NAME|list|rename NAME NEW|remove NAME") },
  { "message", "send", crm_cli_message_send,
    N_("Queue an e-mail, SMS or Telegram message about a deal; the server sends it") },
  { "message", "list", crm_cli_message_list, N_("List messages and how their delivery went") },
  { "schedule", "set", crm_cli_schedule_set, N_("Set a user's weekly shifts (managers)") },
  { "schedule", "off", crm_cli_schedule_off, N_("Give a user days off: vacation, sick days") },
  { "schedule", "shift", crm_cli_schedule_shift, N_("Give a user a one-off shift on a day") },
  { "schedule", "show", crm_cli_schedule_show, N_("Show a user's work schedule") },
  { "schedule", "now", crm_cli_schedule_now, N_("List who is on shift at --now") },
  { "approval", "list", crm_cli_approval_list, N_("List approval requests: discounts and invoices") },
  { "approval", "show", crm_cli_approval_show, N_("Show an approval with its approval sheet") },
  { "approval", "request", crm_cli_approval_request, N_("Ask for a discount's or an invoice's approval") },
  { "approval", "approve", crm_cli_approval_approve, N_("Approve the step that waits for you") },
  { "approval", "reject", crm_cli_approval_reject, N_("Reject an approval, with a comment for its author") },
  { "approval", "discounts", crm_cli_approval_discounts, N_("List the discounts per brand") },
  { "approval", "discount", crm_cli_approval_discount, N_("Change a brand's discount (administrators)") },
  { "approval", "registry", crm_cli_approval_registry, N_("The registry of discount changes, as a table, CSV or XLSX") },
  { "approval", "settings", crm_cli_approval_settings, N_("Show or set who approves what") },
  { "status", NULL, crm_cli_status, N_("Show the device id and sync state") },
#ifdef VORONKA_WITH_SYNC
  { "sync", NULL, crm_cli_sync, N_("Synchronise with a server") },
  { "conflicts", NULL, crm_cli_conflicts, N_("List edits lost to concurrent ones and changes the server rejected") },
#else
  { "sync", NULL, not_available, N_("Synchronise with a server") },
  { "conflicts", NULL, not_available, N_("List edits lost to concurrent ones and changes the server rejected") },
#endif
};

static gboolean
not_available (CrmCli   *cli,
               int       argc,
               char    **argv,
               GError  **error)
{
  /* --help still answers (the man page is made from it) */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      {
        g_print ("%s\n  voronkactl %s\n\n%s\n", _("Usage:"), argv[0],
                 _("This command is not available in this build of voronkactl."));
        return TRUE;
      }

  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_FAILED,
               _("“%s” is not available yet in this version of voronkactl"), argv[0]);
  return FALSE;
}

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: voronkactl [--db PATH] [--as USER] [--now TIME] [--json] COMMAND [ARGS…]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *name = commands[i].name != NULL
                              ? g_strdup_printf ("%s %s", commands[i].group, commands[i].name)
                              : g_strdup (commands[i].group);
      glong pad = 20 - g_utf8_strlen (name, -1);

      /* at least two spaces: help2man and the man page's command list split on them */
      fprintf (out, "  %s%*s%s\n", name, (int) MAX (pad, 2), "", _(commands[i].summary));
    }
  fprintf (out, "\n%s\n", _("Global options:"));
  fprintf (out, "  --db PATH       %s\n", _("The replica file (default: $XDG_DATA_HOME/voronka/replica.db)"));
  fprintf (out, "  --as USER       %s\n", _("Acting user, by name or id (default: the first admin)"));
  fprintf (out, "  --now TIME      %s\n", _("The clock for this command, e.g. 2026-03-02T10:00:00Z"));
  fprintf (out, "  --json          %s\n", _("Print one JSON document on stdout"));
  fprintf (out, "  --version       %s\n", _("Print the version of voronkactl"));
  fprintf (out, "  -h, --help      %s\n", _("Print this help"));
  fprintf (out, "\n%s\n", _("Run “voronkactl COMMAND --help” for a command's options."));
}

/* Takes the value of a global option given as "--opt VALUE" or "--opt=VALUE". */
static gboolean
take_value (const char  *option,
            int          argc,
            char       **argv,
            int         *index,
            char       **out,
            GError     **error)
{
  const char *arg = argv[*index];
  gsize len = strlen (option);

  if (strncmp (arg, option, len) != 0)
    return FALSE;
  if (arg[len] == '=')
    {
      g_free (*out);
      *out = g_strdup (arg + len + 1);
      return TRUE;
    }
  if (arg[len] != '\0')
    return FALSE;
  if (*index + 1 >= argc)
    {
      crm_cli_usage_error (error, _("Option %s needs a value"), option);
      return TRUE;
    }
  g_free (*out);
  *out = g_strdup (argv[++(*index)]);
  return TRUE;
}

static int
report_error (CrmCli       *cli,
              const GError *error)
{
  if (g_error_matches (error, CRM_CLI_ERROR, CRM_CLI_ERROR_USAGE) ||
      error->domain == G_OPTION_ERROR)
    {
      g_printerr ("voronkactl: %s\n", error->message);
      g_printerr ("%s\n", _("Run “voronkactl --help” for the list of commands and options."));
      return 2;
    }

  if (cli->json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      JsonObject *body = json_object_new ();

      json_object_set_string_member (body, "code", crm_error_code_name (error));
      json_object_set_string_member (body, "message", error->message);
      if (cli->refusal != NULL)
        json_object_set_object_member (body, "gate", json_object_ref (cli->refusal));
      else
        json_object_set_null_member (body, "gate");
      json_object_set_object_member (root, "error", body);
      crm_cli_print_json_object (root);
    }
  else
    {
      JsonArray *fields = cli->refusal != NULL && json_object_has_member (cli->refusal, "fields")
                          ? json_object_get_array_member (cli->refusal, "fields") : NULL;

      g_printerr ("voronkactl: %s\n", error->message);
      /* the message names fields by their labels; the command line takes their keys */
      if (fields != NULL && json_array_get_length (fields) > 0)
        {
          g_autoptr(GString) keys = g_string_new (NULL);

          for (guint i = 0; i < json_array_get_length (fields); i++)
            g_string_append_printf (keys, "%s--field %s=…", i > 0 ? " " : "",
                                    json_object_get_string_member_with_default (
                                      json_array_get_object_element (fields, i), "key", "?"));
          /* Translators: under a refusal for missing fields: how to give them */
          g_printerr (_("Give them with: %s\n"), keys->str);
        }
    }
  return 1;
}

static gboolean
run (CrmCli   *cli,
     int       argc,
     char    **argv,
     GError  **error)
{
  const Command *command = NULL;
  const char *group;
  int first;
  int i;
  g_autofree char *prgname = NULL;
  g_autoptr(GPtrArray) args = NULL;

  /* global options come before the command (they are accepted after it too) */
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--"))
        {
          i++;
          break;
        }
      if (g_str_equal (arg, "--json"))
        cli->json = TRUE;
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        {
          print_help (stdout);
          return TRUE;
        }
      else if (g_str_equal (arg, "--version"))
        {
          g_print ("voronkactl %s\n", PACKAGE_VERSION);
          return TRUE;
        }
      else if (take_value ("--db", argc, argv, &i, &cli->db_path, error) ||
               take_value ("--as", argc, argv, &i, &cli->as, error) ||
               take_value ("--now", argc, argv, &i, &cli->now_text, error))
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          /* --db is a file name (any bytes); --as and --now are text */
          if (!g_str_has_prefix (arg, "--db") &&
              !g_utf8_validate (g_str_has_prefix (arg, "--as") ? cli->as : cli->now_text, -1, NULL))
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("%s: not valid UTF-8 text (is the terminal set to UTF-8?); "
                             "nothing was changed"),
                           g_str_has_prefix (arg, "--as") ? "--as" : "--now");
              return FALSE;
            }
        }
      else
        return crm_cli_usage_error (error, _("Unknown option %s"), arg);
    }

  if (!crm_cli_check_db_option (cli, error))
    return FALSE;
  if (i >= argc)
    return crm_cli_usage_error (error, _("No command given"));

  group = argv[i];
  first = i + 1;
  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      if (!g_str_equal (commands[c].group, group))
        continue;
      if (commands[c].name == NULL)
        {
          command = &commands[c];
          break;
        }
      if (first < argc && g_str_equal (commands[c].name, argv[first]))
        {
          command = &commands[c];
          first++;
          break;
        }
    }

  if (command == NULL)
    {
      g_autoptr(GString) known = g_string_new (NULL);
      gboolean group_known = FALSE;

      for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
        if (g_str_equal (commands[c].group, group) && commands[c].name != NULL)
          {
            group_known = TRUE;
            if (known->len > 0)
              g_string_append (known, ", ");
            g_string_append (known, commands[c].name);
          }
      if (!group_known)
        return crm_cli_usage_error (error, _("Unknown command «%s»"), group);
      if (first >= argc)
        return crm_cli_usage_error (error, _("“%s” needs a subcommand: %s"), group, known->str);
      return crm_cli_usage_error (error, _("Unknown command «%s %s»; “%s” has: %s"),
                                  group, argv[first], group, known->str);
    }

  prgname = command->name != NULL
            ? g_strdup_printf ("voronkactl %s %s", command->group, command->name)
            : g_strdup_printf ("voronkactl %s", command->group);
  g_set_prgname (prgname);

  /* argv for the command: its name, then its own arguments */
  args = g_ptr_array_new ();
  g_ptr_array_add (args, prgname + strlen ("voronkactl "));
  for (int a = first; a < argc; a++)
    g_ptr_array_add (args, argv[a]);
  g_ptr_array_add (args, NULL);

  return command->func (cli, (int) args->len - 1, (char **) args->pdata, error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  CrmCli cli = { 0 };
  int status = 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, crm_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("voronkactl");

  if (!run (&cli, argc, argv, &error))
    status = error != NULL ? report_error (&cli, error) : 1;

  g_clear_object (&cli.store);
  g_clear_pointer (&cli.refusal, json_object_unref);
  g_free (cli.actor_id);
  g_free (cli.db_path);
  g_free (cli.as);
  g_free (cli.now_text);
  return status;
}
