/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-participant.c — `participant add|set|list|checkin|badge|certificates|export`
 * (S4-10): the participants of an event deal, check-in by badge code, badges with a QR
 * code, thank-you certificates and the list as a spreadsheet. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-format.h"
#include "crm-participant.h"
#include "crm-participant-export.h"
#include "crm-report.h"
#include "crm-report-export.h"
#include "crm-time.h"

/* "yes"/"no" (and their kin) of @option into 1/0; NULL stays UNSET. */
static gboolean
parse_yes_no (const char  *text,
              const char  *option,
              int         *out,
              GError     **error)
{
  static const char *const yes[] = { "yes", "true", "1", "да", NULL };
  static const char *const no[] = { "no", "false", "0", "нет", NULL };
  g_autofree char *lower = NULL;

  *out = CRM_PARTICIPANT_UNSET;
  if (text == NULL)
    return TRUE;
  lower = g_utf8_strdown (text, -1);
  if (g_strv_contains (yes, lower))
    *out = 1;
  else if (g_strv_contains (no, lower))
    *out = 0;
  else
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s takes yes or no, not «%s»"), option, text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_number (const char  *text,
              const char  *option,
              const char  *what,
              int         *out,
              GError     **error)
{
  gint64 value;

  *out = CRM_PARTICIPANT_UNSET;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (g_strstrip ((char *) text), 10, -1000000, 1000000, &value, NULL))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s takes %s, a whole number, not «%s»"), option, what, text);
      return FALSE;
    }
  if (value < 0)
    {
      /* UNSET is -1: a negative number is refused by name, never taken for "unset" */
      if (g_str_equal (option, "--nps"))
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                     _("An NPS score is a whole number from 0 (would not recommend) to 10 "
                       "(would recommend), not %d"), (int) value);
      else
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                     _("The number of guests is 0 or more (a participant's own guests, "
                       "at most 10 000)"));
      return FALSE;
    }
  *out = (int) value;
  return TRUE;
}

static char *
resolve_event (CrmCli      *cli,
               const char  *deal,
               GError     **error)
{
  g_autofree char *id = crm_cli_resolve (cli, "deal", deal, NULL, error);

  if (id == NULL || !crm_participant_check_event (cli->store, id, error))
    return NULL;
  return g_steal_pointer (&id);
}

static void
print_participant (CrmCli     *cli,
                   JsonObject *p)
{
  if (cli->json)
    crm_cli_print_json_object (p);
}

gboolean
crm_cli_participant_add (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *paid_text = NULL;
  g_autofree char *guests_text = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The event deal (number, id or title)"), N_("DEAL") },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, N_("The participant, a contact (name or id)"), N_("CONTACT") },
    { "paid", 0, 0, G_OPTION_ARG_STRING, &paid_text, N_("Whether they paid: yes or no (no)"), N_("yes|no") },
    { "guests", 0, 0, G_OPTION_ARG_STRING, &guests_text, N_("How many guests they bring (0)"), N_("N") },
    { NULL }
  };
  g_autofree char *deal_id = NULL;
  g_autofree char *contact_id = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) p = NULL;
  int paid, guests;

  if (!crm_cli_parse (cli, "participant add", "",
                      _("Add a contact to an event deal's participants, with a badge code of "
                        "their own. With --json: the participant {\"id\", \"code\", \"name\", "
                        "\"paid\", \"guests\", \"attended\", \"nps\", …}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_require (contact, "--contact", error) ||
      !parse_yes_no (paid_text, "--paid", &paid, error) ||
      !parse_number (guests_text, "--guests", _("the number of guests"), &guests, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = resolve_event (cli, deal, error);
  if (deal_id == NULL)
    return FALSE;
  contact_id = crm_cli_resolve (cli, "contact", contact, NULL, error);
  if (contact_id == NULL)
    return FALSE;
  id = crm_participant_add (cli->store, deal_id, contact_id, paid, guests, cli->actor_id, error);
  if (id == NULL)
    return FALSE;
  p = crm_participant_dup (cli->store, id);
  if (cli->json)
    print_participant (cli, p);
  else
    g_print (_("Added participant %s to «%s», badge code %s\n"),
             crm_cli_str (p, "name", ""), crm_cli_str (p, "deal_title", ""),
             crm_cli_str (p, "code", ""));
  return TRUE;
}

gboolean
crm_cli_participant_set (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autofree char *paid_text = NULL;
  g_autofree char *guests_text = NULL;
  g_autofree char *attended_text = NULL;
  g_autofree char *nps_text = NULL;
  const GOptionEntry entries[] = {
    { "paid", 0, 0, G_OPTION_ARG_STRING, &paid_text, N_("Whether they paid: yes or no"), N_("yes|no") },
    { "guests", 0, 0, G_OPTION_ARG_STRING, &guests_text, N_("How many guests they bring"), N_("N") },
    { "attended", 0, 0, G_OPTION_ARG_STRING, &attended_text, N_("Whether they came: yes or no"), N_("yes|no") },
    { "nps", 0, 0, G_OPTION_ARG_STRING, &nps_text, N_("Their NPS score from a paper form, 0 to 10"), N_("0-10") },
    { NULL }
  };
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) p = NULL;
  int paid, guests, attended, nps;

  if (!crm_cli_parse (cli, "participant set", _("ID|CODE"),
                      _("Change a participant, named by id or badge code. With --json: the "
                        "participant."),
                      entries, &argc, &argv, 1, error) ||
      !parse_yes_no (paid_text, "--paid", &paid, error) ||
      !parse_number (guests_text, "--guests", _("the number of guests"), &guests, error) ||
      !parse_yes_no (attended_text, "--attended", &attended, error) ||
      !parse_number (nps_text, "--nps", _("a score from 0 to 10"), &nps, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (paid_text == NULL && guests_text == NULL && attended_text == NULL && nps_text == NULL)
    return crm_cli_usage_error (error, _("Say what to change: --paid, --guests, --attended or "
                                         "--nps"));
  id = crm_participant_resolve (cli->store, argv[1], error);
  if (id == NULL ||
      !crm_participant_set (cli->store, id, paid, guests, attended, nps, cli->actor_id, error))
    return FALSE;
  p = crm_participant_dup (cli->store, id);
  if (cli->json)
    print_participant (cli, p);
  else
    g_print (_("Changed participant %s (%s)\n"), crm_cli_str (p, "name", ""),
             crm_cli_str (p, "code", ""));
  return TRUE;
}

static char *
time_text (JsonObject *p,
           const char *member)
{
  gint64 ms;

  if (json_node_is_null (json_object_get_member (p, member)) ||
      !crm_time_parse (json_object_get_string_member (p, member), &ms))
    return g_strdup ("");
  return crm_format_date_time (ms);
}

gboolean
crm_cli_participant_list (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  g_autofree char *deal = NULL;
  gboolean csv = FALSE;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The event deal (number, id or title)"), N_("DEAL") },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print the list as CSV"), NULL },
    { NULL }
  };
  const char *header[] = { _("CODE"), _("NAME"), _("PAID"), _("GUESTS"), _("ATTENDED"), _("NPS"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *totals;
  JsonArray *array;

  if (!crm_cli_parse (cli, "participant list", "",
                      _("List an event deal's participants with the totals: paid, guests, "
                        "attended. With --json: {\"deal\", \"participants\": [{\"id\", \"code\", "
                        "\"contact\", \"name\", \"email\", \"paid\", \"guests\", \"attended\", "
                        "\"attended_at\", \"nps\", \"nps_source\"}], \"totals\": "
                        "{\"participants\", \"paid\", \"guests\", \"attended\", \"nps_answers\", "
                        "\"nps_score\"}}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = resolve_event (cli, deal, error);
  if (deal_id == NULL || (list = crm_participant_list (cli->store, deal_id, error)) == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  if (csv)
    {
      g_autoptr(JsonNode) table = crm_participant_table (list);
      g_autofree char *text = crm_report_to_csv (table);

      g_print ("%s", text);
      return TRUE;
    }
  array = json_object_get_array_member (json_node_get_object (list), "participants");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *p = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 7);

      row[0] = g_strdup (crm_cli_str (p, "code", ""));
      row[1] = g_strdup (crm_cli_str (p, "name", ""));
      row[2] = g_strdup (json_object_get_boolean_member (p, "paid") ? _("yes") : _("no"));
      row[3] = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (p, "guests"));
      row[4] = json_object_get_boolean_member (p, "attended") ? time_text (p, "attended_at")
                                                                : g_strdup (_("no"));
      row[5] = json_node_is_null (json_object_get_member (p, "nps"))
               ? g_strdup ("")
               : g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (p, "nps"));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  totals = json_object_get_object_member (json_node_get_object (list), "totals");
  g_print (_("Participants: %d, paid: %d, guests: %d, attended: %d\n"),
           (int) json_object_get_int_member (totals, "participants"),
           (int) json_object_get_int_member (totals, "paid"),
           (int) json_object_get_int_member (totals, "guests"),
           (int) json_object_get_int_member (totals, "attended"));
  if (!json_node_is_null (json_object_get_member (totals, "nps_score")))
    g_print (_("NPS: %d (%d answers)\n"), (int) json_object_get_int_member (totals, "nps_score"),
             (int) json_object_get_int_member (totals, "nps_answers"));
  return TRUE;
}

gboolean
crm_cli_participant_checkin (CrmCli   *cli,
                             int       argc,
                             char    **argv,
                             GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(JsonObject) p = NULL;
  g_autofree char *when = NULL;
  CrmParticipantCheckin result;

  if (!crm_cli_parse (cli, "participant checkin", _("CODE"),
                      _("Check in the participant with this badge code (typed, or from a "
                        "scanner). Checking in twice changes nothing and says so. With --json: "
                        "the participant and \"already\": true when they were checked in "
                        "before."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      !crm_participant_checkin (cli->store, argv[1], cli->actor_id, &result, &p, error))
    return FALSE;
  if (cli->json)
    {
      json_object_set_boolean_member (p, "already", result == CRM_PARTICIPANT_ALREADY_CHECKED_IN);
      crm_cli_print_json_object (p);
      return TRUE;
    }
  when = time_text (p, "attended_at");
  if (result == CRM_PARTICIPANT_ALREADY_CHECKED_IN)
    g_print (_("%s was checked in already (%s), «%s»; nothing changed\n"),
             crm_cli_str (p, "name", ""), when, crm_cli_str (p, "deal_title", ""));
  else
    g_print (_("Checked in: %s, «%s»\n"), crm_cli_str (p, "name", ""),
             crm_cli_str (p, "deal_title", ""));
  return TRUE;
}

static gboolean
require_extension (const char  *path,
                   const char  *extension,
                   GError     **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, extension))
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("«%s»: this file is written as %s; end its name with %s"), path, extension,
               extension);
  return FALSE;
}

gboolean
crm_cli_participant_badge (CrmCli   *cli,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autofree char *out = NULL;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("The PNG file to write"), N_("FILE.png") },
    { NULL }
  };
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) p = NULL;

  if (!crm_cli_parse (cli, "participant badge", _("ID|CODE"),
                      _("Write a participant's badge: their code as a QR code, their name and "
                        "the code under it, as a PNG image."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (out, "--out", error) ||
      !require_extension (out, ".png", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = crm_participant_resolve (cli->store, argv[1], error);
  if (id == NULL)
    return FALSE;
  p = crm_participant_dup (cli->store, id);
  if (!crm_participant_write_badge (p, out, error))
    return FALSE;
  if (cli->json)
    {
      json_object_set_string_member (p, "file", out);
      crm_cli_print_json_object (p);
    }
  else
    g_print (_("Wrote the badge of %s (%s) to %s\n"), crm_cli_str (p, "name", ""),
             crm_cli_str (p, "code", ""), out);
  return TRUE;
}

gboolean
crm_cli_participant_certificates (CrmCli   *cli,
                                  int       argc,
                                  char    **argv,
                                  GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *out = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *text = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The event deal (number, id or title)"), N_("DEAL") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("The PDF file to write"), N_("FILE.pdf") },
    { "heading", 0, 0, G_OPTION_ARG_STRING, &heading, N_("The certificate's heading instead of the built-in one"), N_("TEXT") },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, N_("The text under the name; {name}, {event} and {date} are filled in"), N_("TEXT") },
    { NULL }
  };
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonNode) list = NULL;
  guint pages = 0;

  if (!crm_cli_parse (cli, "participant certificates", "",
                      _("Write thank-you certificates, one page per participant who attended, "
                        "as a PDF."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_require (out, "--out", error) ||
      !require_extension (out, ".pdf", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = resolve_event (cli, deal, error);
  if (deal_id == NULL || (list = crm_participant_list (cli->store, deal_id, error)) == NULL ||
      !crm_participant_write_certificates (list, heading, text, out, &pages, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "file", out);
      json_object_set_int_member (result, "pages", pages);
      crm_cli_print_json_object (result);
    }
  else
    g_print (ngettext ("Wrote %u certificate to %s\n",
                          "Wrote %u certificates to %s\n", pages), pages, out);
  return TRUE;
}

gboolean
crm_cli_participant_export (CrmCli   *cli,
                            int       argc,
                            char    **argv,
                            GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *out = NULL;
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The event deal (number, id or title)"), N_("DEAL") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("The file to write"), N_("FILE") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("xlsx or csv (from the file's name when not given)"), N_("xlsx|csv") },
    { NULL }
  };
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) table = NULL;
  CrmReportFormat format;

  if (!crm_cli_parse (cli, "participant export", "",
                      _("Write an event deal's participants with the totals as a spreadsheet "
                        "(XLSX) or CSV."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_require (out, "--out", error))
    return FALSE;
  if (format_text != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (format_text, -1);

      if (g_str_equal (lower, "xlsx"))
        format = CRM_REPORT_FORMAT_XLSX;
      else if (g_str_equal (lower, "csv"))
        format = CRM_REPORT_FORMAT_CSV;
      else
        return crm_cli_usage_error (error, _("--format takes xlsx or csv, not «%s»"), format_text);
    }
  else if (!crm_report_format_for_path (out, &format, error))
    return FALSE;
  else if (format == CRM_REPORT_FORMAT_PDF)
    return crm_cli_usage_error (error, _("The participants list is written as .xlsx or .csv; "
                                         "certificates as PDF come from “participant "
                                         "certificates”"));
  if (!crm_cli_open (cli, error))
    return FALSE;
  deal_id = resolve_event (cli, deal, error);
  if (deal_id == NULL || (list = crm_participant_list (cli->store, deal_id, error)) == NULL)
    return FALSE;
  table = crm_participant_table (list);
  if (!crm_report_export (table, format, out, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "file", out);
      json_object_set_int_member (result, "participants",
                                  json_object_get_int_member (json_object_get_object_member (
                                    json_node_get_object (list), "totals"), "participants"));
      crm_cli_print_json_object (result);
    }
  else
    g_print (_("Wrote the participants of «%s» to %s\n"),
             json_object_get_string_member (json_object_get_object_member (
               json_node_get_object (list), "deal"), "title"), out);
  return TRUE;
}

gboolean
crm_cli_participant_ask_nps (CrmCli   *cli,
                             int       argc,
                             char    **argv,
                             GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The event deal (number, id or title)"), N_("DEAL") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, N_("The e-mail's subject instead of the built-in one"), N_("TEXT") },
    { "body", 0, 0, G_OPTION_ARG_STRING, &body, N_("The e-mail's text instead of the built-in one (placeholders as in “message send”)"), N_("TEXT") },
    { NULL }
  };
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonNode) result = NULL;
  JsonArray *sent, *skipped;

  if (!crm_cli_parse (cli, "participant ask-nps", "",
                      _("E-mail each participant who came, has an e-mail address and no score "
                        "yet, asking for an NPS score: voronka-server adds links 0 to 10 "
                        "(with serve --public-url) and records the first score followed. With "
                        "--json: {\"sent\": [{\"participant\", \"name\", \"message\"}], "
                        "\"skipped\": [{\"participant\", \"name\", \"reason\"}]}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (deal, "--deal", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = resolve_event (cli, deal, error);
  if (deal_id == NULL ||
      !crm_participant_ask_nps (cli->store, deal_id, subject, body, cli->actor_id, &result, error))
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (result);
      return TRUE;
    }
  sent = json_object_get_array_member (json_node_get_object (result), "sent");
  skipped = json_object_get_array_member (json_node_get_object (result), "skipped");
  g_print (ngettext ("Queued %u e-mail asking for a score; it goes out with the next sync\n",
                     "Queued %u e-mails asking for a score; they go out with the next sync\n",
                     json_array_get_length (sent)), json_array_get_length (sent));
  for (guint i = 0; i < json_array_get_length (skipped); i++)
    {
      JsonObject *item = json_array_get_object_element (skipped, i);

      /* Translators: a participant not asked for a score, and why */
      g_print (_("Not asked: %s — %s\n"), crm_cli_str (item, "name", ""),
               crm_cli_str (item, "reason", ""));
    }
  return TRUE;
}
