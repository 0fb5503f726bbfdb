/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-message.c — `message template add|list|rename|remove`, `message send`, `message list`:
 * messages to a deal's client or a colleague, delivered by the server after the next
 * sync (its e-mail, SMS or Telegram channel), and their delivery state. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>

#include "crm-cli.h"
#include "crm-mailing.h"
#include "crm-message.h"

static gboolean
template_add (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *channel = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *html_path = NULL;
  g_auto(GStrv) attach = NULL;
  const GOptionEntry entries[] = {
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel,
      N_("email, sms or telegram (required)"), N_("C") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject,
      N_("The subject (required for e-mail)"), N_("S") },
    { "body", 0, 0, G_OPTION_ARG_STRING, &body, N_("The text (required)"), N_("B") },
    { "html", 0, 0, G_OPTION_ARG_FILENAME, &html_path,
      N_("An e-mail's HTML body, read from FILE (UTF-8)"), N_("FILE") },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &attach,
      N_("A file an e-mail carries, e.g. the offer as a PDF (repeat for more)"), N_("FILE") },
    { NULL }
  };
  g_autofree char *id = NULL;
  g_autofree char *html = NULL;
  CrmTemplateSpec spec;

  if (!crm_cli_parse (cli, "message template add", "NAME",
                      _("Add a message template, or replace the one of that name, with its "
                        "HTML body and files (administrators). Subject, text and HTML may "
                        "hold the placeholders {deal.number} {deal.title} {contact.name} "
                        "{user.name} {company.name}, filled when a message is sent (escaped "
                        "in the HTML). An e-mail template may have an HTML body (--html) and "
                        "files (--attach, 10 MiB in all), which every e-mail from it carries; "
                        "the files given replace those it had. With --json: {\"id\", "
                        "\"name\"}."),
                      entries, &argc, &argv, 2, error))
    return FALSE;
  if (!g_str_equal (argv[1], "add"))
    return crm_cli_usage_error (error, _("“message template %s”: the commands are “message "
                                         "template add NAME”, “list”, “rename NAME NEW” and "
                                         "“remove NAME”"),
                                argv[1]);
  if (!crm_cli_require (channel, "--channel", error) ||
      !crm_cli_require (body, "--body", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (html_path != NULL)
    {
      g_autofree char *shown = g_filename_display_name (html_path);
      GStatBuf st;

      /* bounded before it is read */
      if (g_stat (html_path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("There is no file “%s” (--html); give the path of the HTML body"),
                       shown);
          return FALSE;
        }
      if (st.st_size > CRM_MESSAGE_MAX_HTML_BYTES)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("The HTML body of «%s» is %lld KiB, more than the %d KiB a "
                         "template may have; move pictures and long text into the "
                         "attached file"), argv[2], (long long) ((st.st_size + 1023) / 1024),
                       CRM_MESSAGE_MAX_HTML_BYTES / 1024);
          return FALSE;
        }
      if (!g_file_get_contents (html_path, &html, NULL, error))
        return FALSE;
    }
  spec = (CrmTemplateSpec) { argv[2], channel, subject, body, html, NULL,
                             (const char *const *) attach, NULL };
  id = crm_message_template_save (cli->store, cli->actor_id, &spec, error);
  if (id == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "id", id);
      json_object_set_string_member (object, "name", argv[2]);
      crm_cli_print_json_object (object);
    }
  else
    g_print (_("Saved the template «%s»\n"), argv[2]);
  return TRUE;
}

static gboolean
template_list (CrmCli   *cli,
               int       argc,
               char    **argv,
               GError  **error)
{
  const char *header[] = { _("NAME"), _("CHANNEL"), _("SUBJECT"), _("FILES"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) list = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "message template list", "",
                      _("List the message templates with the files e-mails from them "
                        "carry. With --json: [{\"id\", \"name\", \"channel\", "
                        "\"subject\", \"body\", \"html\", \"attachments\"}] "
                        "(\"attachments\" as “attachment list” shows them)."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if ((list = crm_message_template_list (cli->store, error)) == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      JsonArray *files = json_object_get_array_member (item, "attachments");
      g_autoptr(GString) names = g_string_new (NULL);
      char **row = g_new0 (char *, 5);

      for (guint f = 0; f < json_array_get_length (files); f++)
        {
          JsonObject *file = json_array_get_object_element (files, f);
          g_autofree char *size = g_format_size ((guint64) json_object_get_int_member_with_default (
                                                   file, "size", 0));

          if (names->len > 0)
            g_string_append (names, ", ");
          /* Translators: a template's file in “message template list”: «КП.pdf (1,2 МБ)» */
          g_string_append_printf (names, _("%s (%s)"), crm_cli_str (file, "name", ""), size);
        }
      row[0] = g_strdup (crm_cli_str (item, "name", ""));
      row[1] = g_strdup (crm_cli_str (item, "channel", ""));
      row[2] = g_strdup (crm_cli_str (item, "subject", ""));
      row[3] = g_strdup (names->str);
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No message templates."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}

/* `message template rename NAME NEW` and `message template remove NAME` (administrators) */
static gboolean
template_rename_or_remove (CrmCli   *cli,
                           gboolean  rename,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  if (!crm_cli_parse (cli, rename ? "message template rename" : "message template remove",
                      rename ? "NAME NEW" : "NAME",
                      rename ? _("Rename a message template (administrators); the rules that "
                                 "send it are changed with it. With --json: {\"name\"}.")
                             : _("Remove a message template and its files (administrators); "
                                 "refused while a rule sends it. With --json: {\"name\"}."),
                      NULL, &argc, &argv, rename ? 3 : 2, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  crm_changeset_set_actor (changeset, cli->actor_id);
  if (rename ? !crm_message_template_rename (cli->store, changeset, argv[2], argv[3], error)
             : !crm_message_template_remove (cli->store, changeset, argv[2], error))
    return FALSE;
  if (!crm_store_apply (cli->store, changeset, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "name", rename ? argv[3] : argv[2]);
      crm_cli_print_json_object (object);
    }
  else if (rename)
    g_print (_("Renamed the template «%s» to «%s»\n"), argv[2], argv[3]);
  else
    g_print (_("Removed the template «%s»\n"), argv[2]);
  return TRUE;
}

gboolean
crm_cli_message_template (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "list"))
        return template_list (cli, argc, argv, error);
      if (g_str_equal (argv[i], "rename") || g_str_equal (argv[i], "remove"))
        return template_rename_or_remove (cli, g_str_equal (argv[i], "rename"), argc, argv,
                                          error);
      if (argv[i][0] != '-')
        break;
    }
  return template_add (cli, argc, argv, error);
}

/* The items of --companies / --deals: each option's text split at commas, each item a name or
 * an id resolved as @entity; NULL (and @error) at the first that is not there. */
static GPtrArray *
resolve_selection (CrmCli      *cli,
                   const char  *entity,
                   GStrv        values,
                   GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_auto(GStrv) items = g_strsplit (values[i], ",", -1);

      for (guint j = 0; items[j] != NULL; j++)
        {
          char *id;

          g_strstrip (items[j]);
          if (*items[j] == '\0')
            continue;
          if (ids->len >= CRM_MAILING_MAX_CONTACTS)
            {
              crm_cli_usage_error (error, g_str_equal (entity, "deal")
                                   ? _("At most %d deals in --deals; for more, save them as "
                                       "a list (list save NAME --entity deal) and write to "
                                       "--list")
                                   : _("At most %d companies in --companies; for more, save "
                                       "them as a list (list save NAME --entity company) and "
                                       "write to --list"),
                                   CRM_MAILING_MAX_CONTACTS);
              return NULL;
            }
          if ((id = crm_cli_resolve (cli, entity, items[j], NULL, error)) == NULL)
            return NULL;
          g_ptr_array_add (ids, id);
        }
    }
  g_ptr_array_add (ids, NULL);
  return g_steal_pointer (&ids);
}

/* S4-2: `message send --list NAME | --filter EXPR | --contact C… | --companies C,… |
 * --deals D,… --template T` */
static gboolean
send_to_many (CrmCli      *cli,
              const char  *list,
              const char  *filter,
              GStrv        contacts,
              GStrv        companies,
              GStrv        deals,
              const char  *template_name,
              gboolean     again,
              gboolean     other_options,
              GError     **error)
{
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  const char *ids_of = contacts != NULL ? "contact" : companies != NULL ? "company"
                       : deals != NULL ? "deal" : NULL;
  JsonArray *sent;
  JsonArray *skipped;

  if ((list != NULL) + (filter != NULL) + (contacts != NULL) + (companies != NULL) +
      (deals != NULL) > 1)
    return crm_cli_usage_error (error, _("Give one of --list, --filter, --contact, --companies "
                                         "or --deals"));
  if (other_options)
    return crm_cli_usage_error (error, _("A mailing to --list, --filter or --contact takes "
                                         "only --template (no --deal, --to, --subject, --body "
                                         "or --channel)"));
  if (template_name == NULL)
    return crm_cli_usage_error (error, _("A mailing to --list, --filter or --contact needs "
                                         "--template NAME, an e-mail template"));
  if (contacts != NULL && g_strv_length (contacts) > CRM_MAILING_MAX_CONTACTS)
    return crm_cli_usage_error (error, _("At most %d --contact; for more, write to a saved "
                                         "list (--list) or a filter (--filter)"),
                                CRM_MAILING_MAX_CONTACTS);
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (contacts != NULL)
    {
      /* names or ids, as everywhere; one that is no contact stops it before anything is
       * written */
      ids = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; contacts[i] != NULL; i++)
        {
          char *id = crm_cli_resolve (cli, "contact", contacts[i], NULL, error);

          if (id == NULL)
            return FALSE;
          g_ptr_array_add (ids, id);
        }
      g_ptr_array_add (ids, NULL);
    }
  else if (ids_of != NULL &&
           (ids = resolve_selection (cli, ids_of, companies != NULL ? companies : deals,
                                     error)) == NULL)
    return FALSE;
  result = crm_mailing_send (cli->store, cli->actor_id, list, filter, ids_of,
                             ids != NULL ? (const char * const *) ids->pdata : NULL,
                             template_name, again ? CRM_MAILING_AGAIN : CRM_MAILING_NONE,
                             error);
  if (result == NULL)
    {
      /* core says who got it already; how to send again is the command line's option */
      if (error != NULL &&
          g_error_matches (*error, CRM_MESSAGE_ERROR, CRM_MESSAGE_ERROR_ALREADY_MAILED))
        {
          /* Translators: %s is «Nobody to write to: the 2 contacts found already got «Семинар»
           * or cannot get e-mail»; keep --again as it is */
          char *message = g_strdup_printf (_("%s; to send it to them again, add --again"),
                                           (*error)->message);

          g_free ((*error)->message);
          (*error)->message = message;
        }
      return FALSE;
    }
  if (cli->json)
    {
      crm_cli_print_json_object (result);
      return TRUE;
    }
  sent = json_object_get_array_member (result, "sent");
  skipped = json_object_get_array_member (result, "skipped");
  g_print (ngettext ("Queued %u e-mail; the server sends it after the next sync\n",
                     "Queued %u e-mails; the server sends them after the next sync\n",
                     json_array_get_length (sent)), json_array_get_length (sent));
  for (guint i = 0; i < json_array_get_length (skipped); i++)
    {
      JsonObject *item = json_array_get_object_element (skipped, i);

      /* Translators: a contact a mailing skipped, and why («нет адреса e-mail») */
      g_print (_("Skipped %s: %s\n"), crm_cli_str (item, "name", ""),
               crm_cli_str (item, "reason", ""));
    }
  return TRUE;
}

gboolean
crm_cli_message_send (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *template_name = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *channel = NULL;
  g_autofree char *to = NULL;
  g_autofree char *list = NULL;
  g_autofree char *filter = NULL;
  g_auto(GStrv) contacts = NULL;
  g_auto(GStrv) companies = NULL;
  g_auto(GStrv) deals = NULL;
  gboolean again = FALSE;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal,
      N_("The deal the message is about (required, unless --list, --filter or --contact)"),
      N_("ID") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_name,
      N_("Compose it from this template"), N_("NAME") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject,
      N_("The subject (e-mail), without --template"), N_("S") },
    { "body", 0, 0, G_OPTION_ARG_STRING, &body, N_("The text, without --template"), N_("B") },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel,
      N_("email, sms or telegram (default: the template's, else email)"), N_("C") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to,
      N_("A colleague to write to (name or id; default: the deal's contact)"), N_("USER") },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list,
      N_("Instead of --deal: e-mail every contact of this saved list (of companies or deals: their contacts) (with --template)"),
      N_("NAME") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter,
      N_("Instead of --deal: e-mail every contact this filter leaves (with --template)"),
      N_("EXPR") },
    { "contact", 0, 0, G_OPTION_ARG_STRING_ARRAY, &contacts,
      N_("Instead of --deal: e-mail this contact (name or id; repeatable, with --template)"),
      N_("C") },
    { "companies", 0, 0, G_OPTION_ARG_STRING_ARRAY, &companies,
      N_("Instead of --deal: e-mail the contacts of these companies, their people and those linked to them (names or ids, comma-separated; with --template)"),
      N_("C,…") },
    { "deals", 0, 0, G_OPTION_ARG_STRING_ARRAY, &deals,
      N_("Instead of --deal: e-mail the contacts of these deals (ids or titles, comma-separated; with --template)"),
      N_("D,…") },
    { "again", 0, 0, G_OPTION_ARG_NONE, &again,
      N_("With --list, --filter or --contact: write also to contacts who already got this "
         "template in an earlier mailing"), NULL },
    { NULL }
  };
  g_autofree char *deal_id = NULL;
  g_autofree char *to_id = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "message send", "",
                      _("Queue a message about a deal to its contact (or to a colleague with "
                        "--to). The server sends it after the next sync, by the account's "
                        "e-mail, SMS or Telegram channel; “message list” shows how it went. "
                        "With --json: the message as “message list” prints it. With --list, "
                        "--filter, --contact, --companies or --deals instead of --deal, an "
                        "e-mail template goes to every contact they name (of companies: their "
                        "people and those linked to them; of deals: their contacts), once each; those without an e-mail, who "
                        "unsubscribed, or who already got that template in an earlier mailing "
                        "(unless --again) are skipped and listed. With --json: {\"template\", "
                        "\"sent\": [{\"contact\", \"name\", \"email\", \"message\"}], "
                        "\"skipped\": [{\"contact\", \"name\", \"reason\", "
                        "\"sent_at\"?}]}."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (list != NULL || filter != NULL || contacts != NULL || companies != NULL || deals != NULL)
    return send_to_many (cli, list, filter, contacts, companies, deals, template_name, again,
                         deal != NULL || to != NULL || subject != NULL || body != NULL ||
                         channel != NULL, error);
  if (again)
    return crm_cli_usage_error (error, _("--again is for a mailing to --list, --filter or "
                                         "--contact"));
  if (!crm_cli_require (deal, "--deal", error))
    return FALSE;
  if (template_name != NULL && (subject != NULL || body != NULL))
    return crm_cli_usage_error (error, _("Give either --template or --subject and --body, "
                                         "not both"));
  if (template_name == NULL && body == NULL)
    return crm_cli_usage_error (error, _("Give --template NAME, or the text with --body "
                                         "(and --subject for e-mail)"));
  if (!crm_cli_open (cli, error) ||
      (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL ||
      (to != NULL && (to_id = crm_cli_resolve (cli, "user", to, NULL, error)) == NULL))
    return FALSE;
  id = crm_message_send (cli->store, cli->actor_id, deal_id, template_name, subject, body,
                         channel, to_id, error);
  if (id == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) list = crm_message_list (cli->store, deal_id, error);
      JsonArray *array;

      if (list == NULL)
        return FALSE;
      array = json_node_get_array (list);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *item = json_array_get_object_element (array, i);

          if (g_strcmp0 (json_object_get_string_member_with_default (item, "id", NULL), id) == 0)
            crm_cli_print_json_object (item);
        }
    }
  else
    g_print (_("Queued message %s; the server sends it after the next sync\n"), id);
  return TRUE;
}

gboolean
crm_cli_message_list (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *deal = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("Only the messages of this deal"),
      N_("ID") },
    { NULL }
  };
  const char *header[] = { _("WHEN"), _("CHANNEL"), _("TO"), _("STATUS"), _("TEXT"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *deal_id = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "message list", "",
                      _("List messages, newest first, with their delivery status: queued, "
                        "sending, sent, failed (with the reason) or opened. With --json: "
                        "[{\"id\", \"deal\", \"channel\", \"recipient\", \"recipient_name\", "
                        "\"to\", \"subject\", \"text\", \"status\", \"error\", \"author\", "
                        "\"created_at\", \"sent_at\", \"opened_at\"}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (deal != NULL && (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  if ((list = crm_message_list (cli->store, deal_id, error)) == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *status = crm_cli_str (item, "status", "");
      const char *reason = crm_cli_str (item, "error", NULL);
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (crm_cli_str (item, "created_at", ""));
      row[1] = g_strdup (crm_cli_str (item, "channel", ""));
      row[2] = g_strdup (crm_cli_str (item, "to", crm_cli_str (item, "recipient_name", "")));
      row[3] = reason != NULL ? g_strdup_printf ("%s (%s)", status, reason) : g_strdup (status);
      row[4] = g_strdup (crm_cli_str (item, "subject", crm_cli_str (item, "text", "")));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No messages."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}
