/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-call.c — `call list` and `call show`: the phone calls voronka-server recorded
 * from the PBX's events (issue 18), with the contact and deal each belongs to and the
 * recording's URL. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include "crm-cli.h"
#include "crm-call.h"
#include "crm-format.h"

static const char *
status_label (const char *status)
{
  if (g_strcmp0 (status, "answered") == 0)
    return _("answered");
  if (g_strcmp0 (status, "missed") == 0)
    return _("missed");
  if (g_strcmp0 (status, "voicemail") == 0)
    return _("voicemail");
  if (g_strcmp0 (status, "ringing") == 0)
    return _("ringing");
  return status != NULL ? status : "";
}

static char *
phone_text (JsonObject *call,
            const char *member)
{
  const char *phone = crm_cli_str (call, member, NULL);
  char *formatted = phone != NULL ? crm_format_phone (phone) : NULL;

  return formatted != NULL ? formatted : g_strdup (phone != NULL ? phone : "");
}

/* The local midnight before @now_ms, and the next one, in UTC ms. */
static void
today_range (gint64  now_ms,
             gint64 *out_from,
             gint64 *out_to)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_ms / 1000);
  g_autoptr(GDateTime) start = g_date_time_new_local (g_date_time_get_year (now),
                                                      g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now),
                                                      0, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_add_days (start, 1);

  *out_from = g_date_time_to_unix (start) * 1000;
  *out_to = g_date_time_to_unix (end) * 1000;
}

gboolean
crm_cli_call_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  gboolean missed = FALSE, today = FALSE;
  g_autofree char *contact = NULL, *deal = NULL;
  g_autofree char *contact_id = NULL, *deal_id = NULL;
  const GOptionEntry entries[] = {
    { "missed", 0, 0, G_OPTION_ARG_NONE, &missed,
      N_("Only the calls nobody answered (missed, voicemail)"), NULL },
    { "today", 0, 0, G_OPTION_ARG_NONE, &today,
      N_("Only today's calls (local time), the missed ones first"), NULL },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, N_("Only the calls of this contact"), N_("C") },
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("Only the calls of this deal"), N_("ID") },
    { NULL }
  };
  const char *header[] = { _("ID"), _("STARTED"), _("FROM"), _("STATUS"), _("ANSWERED BY"),
                           _("SECONDS"), _("CONTACT"), _("DEAL"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonArray) calls = NULL;
  gint64 from = 0, to = 0;

  if (!crm_cli_parse (cli, "call list", "",
                      _("List the phone calls the PBX reported, newest first (with --today "
                        "the missed ones first). With --json: [{\"id\", \"direction\", "
                        "\"from\", \"to\", \"started_at\", \"answered_at\", \"answered_by\", "
                        "\"duration\", \"status\", \"recording_url\", \"contact\", "
                        "\"contact_name\", \"deal\", \"deal_title\", \"reason\", …}]; "
                        "\"status\" is answered, missed, voicemail or ringing."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (contact != NULL &&
      (contact_id = crm_cli_resolve (cli, "contact", contact, NULL, error)) == NULL)
    return FALSE;
  if (deal != NULL && (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  if (today)
    today_range (crm_cli_now (cli), &from, &to);
  calls = crm_call_list (cli->store, missed, today, from, to, contact_id, deal_id, error);
  if (calls == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, calls);
      crm_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);
      char **row = g_new0 (char *, 9);

      row[0] = crm_cli_display_id (crm_cli_str (call, "id", ""));
      row[1] = g_strdup (crm_cli_str (call, "started_at", ""));
      row[2] = phone_text (call, "from");
      row[3] = g_strdup (status_label (crm_cli_str (call, "status", NULL)));
      row[4] = g_strdup (crm_cli_str (call, "answered_by", "—"));
      row[5] = g_strdup_printf ("%lld", (long long) json_object_get_int_member_with_default (
                                          call, "duration", 0));
      row[6] = g_strdup (crm_cli_str (call, "contact_name", "—"));
      row[7] = g_strdup (crm_cli_str (call, "deal_title", "—"));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", missed ? _("No missed calls.") : _("No calls."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}

gboolean
crm_cli_call_show (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autoptr(JsonObject) call = NULL;
  g_autofree char *from = NULL, *to = NULL, *duration = NULL;
  guint width = 14;

  if (!crm_cli_parse (cli, "call show", "ID",
                      _("Show one call: numbers, times, who answered, status, the recording's "
                        "URL, its contact and deal, and why it was routed so. ID: the call's "
                        "id (or its first 8 characters) or the PBX's call id. With --json: "
                        "the call as `call list --json` gives it."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  call = crm_call_show (cli->store, argv[1], error);
  if (call == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (call);
      return TRUE;
    }
  from = phone_text (call, "from");
  to = phone_text (call, "to");
  duration = g_strdup_printf ("%lld", (long long) json_object_get_int_member_with_default (
                                        call, "duration", 0));
  crm_cli_print_pair (_("Call"), crm_cli_str (call, "id", ""), width);
  crm_cli_print_pair (_("From"), from, width);
  crm_cli_print_pair (_("To"), to, width);
  crm_cli_print_pair (_("Status"), status_label (crm_cli_str (call, "status", NULL)), width);
  crm_cli_print_pair (_("Started"), crm_cli_str (call, "started_at", "—"), width);
  crm_cli_print_pair (_("Answered"), crm_cli_str (call, "answered_at", "—"), width);
  crm_cli_print_pair (_("Answered by"), crm_cli_str (call, "answered_by", "—"), width);
  crm_cli_print_pair (_("Seconds"), duration, width);
  crm_cli_print_pair (_("Contact"), crm_cli_str (call, "contact_name", "—"), width);
  crm_cli_print_pair (_("Deal"), crm_cli_str (call, "deal_title", "—"), width);
  crm_cli_print_pair (_("Recording"), crm_cli_str (call, "recording_url", "—"), width);
  crm_cli_print_pair (_("Routing"), crm_cli_str (call, "reason", "—"), width);
  return TRUE;
}

gboolean
crm_cli_add_calls (CrmCli      *cli,
                   JsonObject  *object,
                   const char  *contact_id,
                   const char  *deal_id,
                   GError     **error)
{
  JsonArray *calls = crm_call_list (cli->store, FALSE, FALSE, 0, 0, contact_id, deal_id, error);

  if (calls == NULL)
    return FALSE;
  json_object_set_array_member (object, "calls", calls);
  return TRUE;
}

void
crm_cli_print_calls (JsonArray *calls)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  if (calls == NULL || json_array_get_length (calls) == 0)
    return;
  g_print ("\n%s\n", _("Calls"));
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonObject *call = json_array_get_object_element (calls, i);
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup_printf ("  %s", crm_cli_str (call, "started_at", ""));
      row[1] = phone_text (call, "from");
      row[2] = g_strdup (status_label (crm_cli_str (call, "status", NULL)));
      row[3] = g_strdup (crm_cli_str (call, "answered_by", "—"));
      row[4] = g_strdup (crm_cli_str (call, "recording_url", ""));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (NULL, rows);
}
