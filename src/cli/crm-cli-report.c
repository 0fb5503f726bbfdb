/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-report.c — `report list` and `report NAME`: the head's figures (crm-report.c)
 * as a table, JSON or CSV, computed on this replica, offline; `plan set` and `plan list`:
 * the monthly sales plans the report "plan" sets against the fact (crm-plan.c). */
#define G_LOG_DOMAIN "voronka-cli"

#include <stdio.h>
#include <string.h>

#include "crm-cli.h"
#include "crm-format.h"
#include "crm-plan.h"
#include "crm-report.h"
#include "crm-report-export.h"
#include "crm-time.h"

gboolean
crm_cli_report_list (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  const char *header[] = { _("NAME"), _("REPORT"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonArray) list = json_array_new ();
  const CrmReportInfo *infos;
  guint n_infos;

  if (!crm_cli_parse (cli, "report list", "",
                      _("List the reports. With --json: [{\"name\", \"title\", \"description\"}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;

  infos = crm_report_list (&n_infos);
  g_ptr_array_add (rows, g_strdupv ((char **) header));
  for (guint i = 0; i < n_infos; i++)
    {
      JsonObject *info = json_object_new ();
      char *row[] = { (char *) infos[i].name, (char *) infos[i].title, NULL };

      json_object_set_string_member (info, "name", infos[i].name);
      json_object_set_string_member (info, "title", infos[i].title);
      json_object_set_string_member (info, "description", infos[i].description);
      json_array_add_object_element (list, info);
      g_ptr_array_add (rows, g_strdupv (row));
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, list);
      crm_cli_print_json (node);
    }
  else
    crm_cli_print_table (NULL, rows);
  return TRUE;
}

static GStrv
table_row (JsonArray  *columns,
           JsonObject *row)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv result;

  for (guint i = 0; i < json_array_get_length (columns); i++)
    {
      JsonObject *column = json_array_get_object_element (columns, i);
      g_autofree char *text =
        crm_report_format_value (json_object_get_member (row, json_object_get_string_member (column, "key")),
                                 json_object_get_string_member (column, "type"));

      g_strv_builder_add (builder, text);
    }
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

static void
print_human (JsonNode *node)
{
  JsonObject *report = json_node_get_object (node);
  g_autofree char *period = crm_report_format_period (node);
  JsonArray *columns = json_object_get_array_member (report, "columns");
  JsonArray *rows = json_object_get_array_member (report, "rows");
  g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GStrvBuilder *header = g_strv_builder_new ();

  /* Translators: a report's title and its period, e.g. "Sales, 2026-03-01 – 2026-03-31" */
  g_print (_("%s, %s\n\n"), json_object_get_string_member (report, "title"), period);
  for (guint i = 0; i < json_array_get_length (columns); i++)
    g_strv_builder_add (header, json_object_get_string_member (
                                  json_array_get_object_element (columns, i), "label"));
  g_ptr_array_add (table, g_strv_builder_end (header));
  g_strv_builder_unref (header);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_ptr_array_add (table, table_row (columns, json_array_get_object_element (rows, i)));
  g_ptr_array_add (table, table_row (columns, json_object_get_object_member (report, "totals")));
  crm_cli_print_table (NULL, table);
}

gboolean
crm_cli_report (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *user = NULL;
  g_autofree char *group = NULL;
  g_autofree char *pipeline = NULL;
  g_autofree char *out = NULL;
  gboolean csv = FALSE;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, N_("The period's first day or moment (default: the 1st of this month)"), N_("DATE") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, N_("The period's last day (included) or end (default: now)"), N_("DATE") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Only this employee"), N_("U") },
    { "group", 0, 0, G_OPTION_ARG_STRING, &group, N_("Only the employees of this group"), N_("G") },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("Only this pipeline"), N_("P") },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV (a header row of the column labels)"), NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("Save the report to FILE: .csv, .xlsx or .pdf"), N_("FILE") },
    { NULL }
  };
  g_autofree char *user_id = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autoptr(JsonNode) report = NULL;
  CrmReportFilter filter = { 0 };
  CrmReportFormat format = CRM_REPORT_FORMAT_CSV;
  g_autoptr(GTimeZone) zone = NULL;

  if (!crm_cli_parse (cli, "report", _("NAME"),
                      _("Compute a report on this replica (see “report list”). Dates are "
                        "days in the account's time zone (this computer's when the account has "
                        "none); --to includes its day. With --json: {\"report\", \"title\", "
                        "\"from\", \"to\", \"columns\": [{\"key\", \"label\", \"type\"}], "
                        "\"rows\": [{…}], \"totals\": {…}}."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (csv && cli->json)
    return crm_cli_usage_error (error, _("--csv and --json cannot be used together"));
  if (out != NULL && (csv || cli->json))
    return crm_cli_usage_error (error, _("--out saves the report in the format its name ends "
                                         "with; leave out --csv and --json"));
  if (out != NULL && !crm_report_format_for_path (out, &format, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;

  /* plain dates are days of the account's zone (crm_report_dup_zone) */
  zone = crm_report_dup_zone (cli->store);
  if (from_text != NULL)
    {
      if (!crm_report_parse_day (zone, from_text, FALSE, &filter.from) &&
          !crm_cli_parse_date (cli, from_text, "--from", &filter.from, error))
        return FALSE;
    }
  else
    filter.from = crm_report_month_of (zone, crm_cli_now (cli), 0);
  if (to_text != NULL)
    {
      if (!crm_report_parse_day (zone, to_text, TRUE, &filter.to) &&
          !crm_cli_parse_date (cli, to_text, "--to", &filter.to, error))
        return FALSE;
    }
  if (user != NULL && (user_id = crm_cli_resolve (cli, "user", user, NULL, error)) == NULL)
    return FALSE;
  if (pipeline != NULL &&
      (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL)
    return FALSE;
  filter.user_id = user_id;
  filter.group = group;
  filter.pipeline_id = pipeline_id;

  report = crm_report_run (cli->store, argv[1], &filter, error);
  if (report == NULL)
    return FALSE;
  if (out != NULL)
    {
      if (!crm_report_export (report, format, out, error))
        return FALSE;
      /* Translators: after `voronkactl report NAME --out FILE` */
      g_print (_("Saved to %s\n"), out);
    }
  else if (cli->json)
    crm_cli_print_json (report);
  else if (csv)
    {
      g_autofree char *text = crm_report_to_csv (report);

      fputs (text, stdout);
    }
  else
    print_human (report);
  return TRUE;
}

/* --- plans --------------------------------------------------------------------------- */

static JsonNode *
plans_for_output (JsonNode *plans)
{
  JsonNode *copy = json_node_copy (plans);
  JsonArray *list = json_node_get_array (copy);

  /* money as the contract prints it: "1500000.00" */
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *plan = json_array_get_object_element (list, i);
      g_autofree char *amount = crm_money_format (json_object_get_int_member (plan, "amount"));

      json_object_set_string_member (plan, "amount", amount);
    }
  return copy;
}

gboolean
crm_cli_plan_set (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *month = NULL;
  g_autofree char *amount_text = NULL;
  const GOptionEntry entries[] = {
    { "month", 0, 0, G_OPTION_ARG_STRING, &month, N_("The month planned, as 2026-12"), N_("MONTH") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount_text, N_("The amount to win that month (0: no plan)"), N_("A") },
    { NULL }
  };
  g_autofree char *user_id = NULL;
  g_autoptr(JsonNode) plans = NULL;
  g_autoptr(JsonNode) shown = NULL;
  gint64 amount = 0;

  if (!crm_cli_parse (cli, "plan set", _("USER"),
                      _("Set an employee's sales plan for a month: the amount of deals to win "
                        "(the report “plan” sets it against the fact). Administrators only. "
                        "With --json: the month's plans, [{\"user\", \"user_id\", \"month\", "
                        "\"amount\"}]."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (month == NULL || amount_text == NULL)
    return crm_cli_usage_error (error, _("plan set needs --month (as 2026-12) and --amount"));
  if (!crm_cli_parse_money (amount_text, "--amount", &amount, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;
  if ((user_id = crm_cli_resolve (cli, "user", argv[1], NULL, error)) == NULL)
    return FALSE;
  if (!crm_plan_set (cli->store, cli->actor_id, user_id, month, amount, error))
    return FALSE;
  plans = crm_plan_list (cli->store, month, error);
  if (plans == NULL)
    return FALSE;
  shown = plans_for_output (plans);
  if (cli->json)
    crm_cli_print_json (shown);
  else
    {
      const char *header[] = { _("EMPLOYEE"), _("MONTH"), _("PLAN"), NULL };
      const char *members[] = { "user", "month", "amount", NULL };

      crm_cli_print_list (shown, header, members);
    }
  return TRUE;
}

gboolean
crm_cli_plan_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *month = NULL;
  const GOptionEntry entries[] = {
    { "month", 0, 0, G_OPTION_ARG_STRING, &month, N_("Only this month, as 2026-12"), N_("MONTH") },
    { NULL }
  };
  g_autoptr(JsonNode) plans = NULL;
  g_autoptr(JsonNode) shown = NULL;

  if (!crm_cli_parse (cli, "plan list", "",
                      _("List the sales plans set, by month. With --json: [{\"user\", "
                        "\"user_id\", \"month\", \"amount\"}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;
  plans = crm_plan_list (cli->store, month, error);
  if (plans == NULL)
    return FALSE;
  shown = plans_for_output (plans);
  if (cli->json)
    crm_cli_print_json (shown);
  else
    {
      const char *header[] = { _("EMPLOYEE"), _("MONTH"), _("PLAN"), NULL };
      const char *members[] = { "user", "month", "amount", NULL };

      crm_cli_print_list (shown, header, members);
    }
  return TRUE;
}
