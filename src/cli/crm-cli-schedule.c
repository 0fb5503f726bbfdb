/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-schedule.c — `schedule set|off|shift|show|now`: work schedules (S2-7), through
 * crm-schedule.h. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include "crm-cli.h"
#include "crm-schedule.h"
#include "crm-time.h"

/* An ISO 8601 time of the JSON as people read it: in the account's zone. */
static char *
local_text (CrmCli     *cli,
            const char *iso)
{
  gint64 ms = 0;

  if (iso == NULL || !crm_time_parse (iso, &ms))
    return g_strdup ("");
  return crm_schedule_format_local (cli->store, ms);
}

static gboolean
print_schedule (CrmCli      *cli,
                const char  *user,
                GError     **error)
{
  g_autoptr(JsonObject) shown = crm_schedule_show (cli->store, user, crm_cli_now (cli), error);
  JsonArray *week, *exceptions;

  if (shown == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (shown);
      return TRUE;
    }
  week = json_object_get_array_member (shown, "week");
  exceptions = json_object_get_array_member (shown, "exceptions");
  crm_cli_print_pair (_("User"), crm_cli_str (shown, "user", ""), 12);
  crm_cli_print_pair (_("Group"), crm_cli_str (shown, "group", "—"), 12);
  crm_cli_print_pair (_("Time zone"), crm_cli_str (shown, "zone", ""), 12);
  if (json_array_get_length (week) == 0)
    crm_cli_print_pair (_("Week"), _("no shifts"), 12);
  for (guint i = 0; i < json_array_get_length (week); i++)
    {
      JsonObject *shift = json_array_get_object_element (week, i);
      g_autofree char *text = g_strdup_printf ("%s %s-%s", crm_cli_str (shift, "day", ""),
                                               crm_cli_str (shift, "start", ""),
                                               crm_cli_str (shift, "end", ""));

      crm_cli_print_pair (i == 0 ? _("Week") : "", text, 12);
    }
  for (guint i = 0; i < json_array_get_length (exceptions); i++)
    {
      JsonObject *item = json_array_get_object_element (exceptions, i);
      const char *reason = crm_cli_str (item, "reason", NULL);
      g_autofree char *text = NULL;

      if (g_strcmp0 (crm_cli_str (item, "kind", ""), "off") == 0)
        text = g_strdup_printf (_("off %s … %s%s%s"), crm_cli_str (item, "from", ""),
                                crm_cli_str (item, "to", ""), reason ? " — " : "",
                                reason ? reason : "");
      else
        text = g_strdup_printf (_("shift %s %s%s%s"), crm_cli_str (item, "from", ""),
                                crm_cli_str (item, "hours", ""), reason ? " — " : "",
                                reason ? reason : "");
      crm_cli_print_pair (i == 0 ? _("Exceptions") : "", text, 12);
    }
  if (json_object_get_boolean_member (shown, "on_shift"))
    {
      g_autofree char *local = local_text (cli, crm_cli_str (shown, "until", NULL));
      g_autofree char *until = g_strdup_printf (_("on shift until %s"), local);
      crm_cli_print_pair (_("Now"), until, 12);
    }
  else
    {
      const char *next = crm_cli_str (shown, "next_shift", NULL);
      g_autofree char *local = local_text (cli, next);
      g_autofree char *text = next != NULL ? g_strdup_printf (_("off; next shift %s"), local)
                                           : g_strdup (_("off; no shift within a year"));
      crm_cli_print_pair (_("Now"), text, 12);
    }
  return TRUE;
}

gboolean
crm_cli_schedule_set (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *week = NULL;
  g_autofree char *zone = NULL;
  const GOptionEntry entries[] = {
    { "week", 0, 0, G_OPTION_ARG_STRING, &week,
      N_("The shifts of each day: \"mon=09:00-18:00,tue=09:00-18:00,sat=20:00-04:00\" (a "
         "shift ending before it starts ends the next day; several shifts of a day joined "
         "with +; days left out are days off)"), N_("WEEK") },
    { "zone", 0, 0, G_OPTION_ARG_STRING, &zone,
      N_("The account's time zone the schedules are read in, e.g. Europe/Moscow"), N_("ZONE") },
    { NULL }
  };

  if (!crm_cli_parse (cli, "schedule set", "USER",
                      _("Set a user's weekly pattern of shifts (managers and admins). With "
                        "--json: the schedule as “schedule show” prints it."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (week, "--week", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (!crm_schedule_set_week (cli->store, cli->actor_id, argv[1], week, zone, error))
    return FALSE;
  return print_schedule (cli, argv[1], error);
}

gboolean
crm_cli_schedule_off (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *id = NULL;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_("The first day off (YYYY-MM-DD)"), N_("DATE") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to,
      N_("The last day off, included (YYYY-MM-DD; default: the first)"), N_("DATE") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why: vacation, sick day, swapped shift…"), N_("R") },
    { NULL }
  };

  if (!crm_cli_parse (cli, "schedule off", "USER",
                      _("Give a user days off (vacation, sick days): no shift starting on "
                        "those days counts. With --json: the schedule as “schedule show” "
                        "prints it."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (from, "--from", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = crm_schedule_add_off (cli->store, cli->actor_id, argv[1], from, to, reason, error);
  if (id == NULL)
    return FALSE;
  return print_schedule (cli, argv[1], error);
}

gboolean
crm_cli_schedule_shift (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *date = NULL;
  g_autofree char *hours = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *id = NULL;
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, N_("The day (YYYY-MM-DD)"), N_("DATE") },
    { "hours", 0, 0, G_OPTION_ARG_STRING, &hours,
      N_("The shift, e.g. 10:00-19:00 (several joined with +)"), N_("HOURS") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why, e.g. a swapped shift"), N_("R") },
    { NULL }
  };

  if (!crm_cli_parse (cli, "schedule shift", "USER",
                      _("Give a user a one-off shift on a day (a swapped shift); it replaces "
                        "that day's shifts of the week. With --json: the schedule as "
                        "“schedule show” prints it."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (date, "--date", error) ||
      !crm_cli_require (hours, "--hours", error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = crm_schedule_add_shift (cli->store, cli->actor_id, argv[1], date, hours, reason, error);
  if (id == NULL)
    return FALSE;
  return print_schedule (cli, argv[1], error);
}

gboolean
crm_cli_schedule_show (CrmCli   *cli,
               int       argc,
               char    **argv,
               GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };

  if (!crm_cli_parse (cli, "schedule show", "USER",
                      _("Show a user's shifts, days off and whether they are on shift at "
                        "--now. With --json: {\"user\", \"user_id\", \"group\", \"zone\", "
                        "\"week\": [{\"day\", \"start\", \"end\"}], \"exceptions\": [{\"id\", "
                        "\"kind\", \"from\", \"to\", \"hours\", \"reason\"}], \"on_shift\", "
                        "\"until\", \"next_shift\"}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  return print_schedule (cli, argv[1], error);
}

gboolean
crm_cli_schedule_now (CrmCli   *cli,
              int       argc,
              char    **argv,
              GError  **error)
{
  g_autofree char *group = NULL;
  const GOptionEntry entries[] = {
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("Only this group"), N_("G") },
    { NULL }
  };
  const char *header[] = { _("USER"), _("GROUP"), _("UNTIL"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonArray) list = NULL;

  if (!crm_cli_parse (cli, "schedule now", "",
                      _("List who is on shift at --now (default: now). With --json: "
                        "[{\"user\", \"user_id\", \"group\", \"until\"}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  list = crm_schedule_now (cli->store, crm_cli_now (cli), group, error);
  if (list == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, list);
      crm_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *item = json_array_get_object_element (list, i);
      char **row = g_new0 (char *, 4);

      row[0] = g_strdup (crm_cli_str (item, "user", ""));
      row[1] = g_strdup (crm_cli_str (item, "group", ""));
      row[2] = local_text (cli, crm_cli_str (item, "until", NULL));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("Nobody is on shift."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}
