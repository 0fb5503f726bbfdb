/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-lists.c — saved lists (call lists from filters, S4-1: `list save|list|delete`)
 * and RFM segmentation (S4-5: `rfm segments`, `rfm segment set`, `rfm show`). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-filter.h"
#include "crm-query.h"
#include "crm-rfm.h"
#include "crm-time.h"

gboolean
crm_cli_list_save (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *filter = NULL;
  g_autofree char *entity = NULL;
  const GOptionEntry entries[] = {
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, N_("The filter expression (FILTERS in voronkactl(1))"), N_("EXPR") },
    { "entity", 0, 0, G_OPTION_ARG_STRING, &entity, N_("What the list holds: contact (the default), company or deal"), N_("E") },
    { NULL }
  };
  g_autofree char *id = NULL;
  gint64 total = 0;

  if (!crm_cli_parse (cli, "list save", _("NAME"),
                      _("Save a call list: a named filter the whole team sees (after sync), "
                        "listed with «contact list --list NAME» (a list of deals: «deal list "
                        "--list NAME»). Saving an existing name "
                        "replaces its filter. With --json: {\"id\", \"name\", \"entity\", "
                        "\"filter\", \"count\"}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_require (filter, "--filter", error) ||
      !crm_cli_open (cli, error))
    return FALSE;

  id = crm_saved_list_save (cli->store, argv[1], entity, filter, cli->actor_id, error);
  if (id == NULL)
    return FALSE;
  {
    CrmFilterQuery query = { NULL, NULL, id, NULL, NULL, 1, 0 };
    g_autoptr(JsonArray) rows = crm_filter_query (cli->store, &query, &total, error);

    if (rows == NULL)
      return FALSE;
  }
  if (cli->json)
    {
      g_autoptr(JsonObject) list = crm_saved_list_lookup (cli->store, id, error);

      if (list == NULL)
        return FALSE;
      json_object_set_int_member (list, "count", total);
      crm_cli_print_json_object (list);
    }
  else
    /* Translators: "Saved list «Казахстан, VIP» (170 in it now)" */
    g_print (_("Saved list «%s» (%lld in it now)\n"), argv[1], (long long) total);
  return TRUE;
}

gboolean
crm_cli_list_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  const char *header[] = { _("NAME"), _("OF"), _("FILTER"), _("AUTHOR"), NULL };
  const char *members[] = { "name", "entity", "filter", "author", NULL };
  g_autoptr(JsonArray) lists = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!crm_cli_parse (cli, "list list", "",
                      _("List the saved lists of the account. With --json: [{\"id\", \"name\", "
                        "\"entity\", \"filter\", \"author\"}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  lists = crm_saved_list_all (cli->store, error);
  if (lists == NULL)
    return FALSE;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, lists);
  if (cli->json)
    crm_cli_print_json (node);
  else
    crm_cli_print_list (node, header, members);
  return TRUE;
}

gboolean
crm_cli_list_delete (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };

  if (!crm_cli_parse (cli, "list delete", _("NAME"),
                      _("Remove a saved list (for the whole team). With --json: "
                        "{\"deleted\": NAME}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error) ||
      !crm_saved_list_delete (cli->store, argv[1], cli->actor_id, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonObject) result = json_object_new ();

      json_object_set_string_member (result, "deleted", argv[1]);
      crm_cli_print_json_object (result);
    }
  else
    g_print (_("Removed the saved list «%s»\n"), argv[1]);
  return TRUE;
}

/* ---- RFM ---- */

gboolean
crm_cli_rfm_segments (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(JsonArray) segments = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  const char *header[] = { _("SEGMENT"), _("DAYS SINCE LAST"), _("WON DEALS"), _("WON AMOUNT"),
                           NULL };

  if (!crm_cli_parse (cli, "rfm segments", "",
                      _("List the RFM segments in the order they are tried (a client gets the "
                        "first whose thresholds it meets). With --json: [{\"id\", \"key\", "
                        "\"name\", \"position\", \"recency_min\", \"recency_max\", "
                        "\"frequency_min\", \"frequency_max\", \"monetary_min\", "
                        "\"monetary_max\"}] (null: no bound)."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  segments = crm_rfm_segments (cli->store, error);
  if (segments == NULL)
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, segments);
      crm_cli_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);
      const char *pairs[3][2] = {
        { "recency_min", "recency_max" }, { "frequency_min", "frequency_max" },
        { "monetary_min", "monetary_max" }
      };
      char **row = g_new0 (char *, 5);

      row[0] = g_strdup (crm_cli_str (segment, "name", ""));
      for (int p = 0; p < 3; p++)
        {
          JsonNode *low = json_object_get_member (segment, pairs[p][0]);
          JsonNode *high = json_object_get_member (segment, pairs[p][1]);
          g_autofree char *a = JSON_NODE_HOLDS_NULL (low) ? NULL
                               : p == 2 ? g_strdup (json_node_get_string (low))
                               : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (low));
          g_autofree char *b = JSON_NODE_HOLDS_NULL (high) ? NULL
                               : p == 2 ? g_strdup (json_node_get_string (high))
                               : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (high));

          row[p + 1] = a && b ? g_strdup_printf ("%s–%s", a, b)
                     : a ? g_strdup_printf ("≥ %s", a)
                     : b ? g_strdup_printf ("≤ %s", b) : g_strdup ("");
        }
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  return TRUE;
}

static gboolean
parse_bound (const char  *text,
             const char  *option,
             gboolean     money,
             gint64      *out,
             GError     **error)
{
  *out = -1;
  if (text == NULL || *text == '\0' || g_str_equal (text, "-"))
    return TRUE;
  if (money)
    return crm_cli_parse_money (text, option, out, error);
  if (!g_ascii_string_to_signed (text, 10, 0, 1000000, out, NULL))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s: «%s» is not a whole number of 0 or more («-» for no bound)"),
                   option, text);
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_cli_rfm_segment_set (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  g_autofree char *name = NULL;
  g_autofree char *texts[6] = { NULL };
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The name people see, e.g. VIP"), N_("N") },
    { "recency-min", 0, 0, G_OPTION_ARG_STRING, &texts[0], N_("At least this many days since the last won deal"), N_("DAYS") },
    { "recency-max", 0, 0, G_OPTION_ARG_STRING, &texts[1], N_("At most this many days since the last won deal"), N_("DAYS") },
    { "frequency-min", 0, 0, G_OPTION_ARG_STRING, &texts[2], N_("At least this many won deals"), N_("N") },
    { "frequency-max", 0, 0, G_OPTION_ARG_STRING, &texts[3], N_("At most this many won deals"), N_("N") },
    { "monetary-min", 0, 0, G_OPTION_ARG_STRING, &texts[4], N_("Won deals worth at least this in all"), N_("A") },
    { "monetary-max", 0, 0, G_OPTION_ARG_STRING, &texts[5], N_("Won deals worth at most this in all"), N_("A") },
    { NULL }
  };
  const char *options[6] = {
    "--recency-min", "--recency-max", "--frequency-min", "--frequency-max", "--monetary-min",
    "--monetary-max"
  };
  gint64 values[6];
  CrmRfmBounds bounds;

  if (!crm_cli_parse (cli, "rfm segment", _("set KEY"),
                      _("Set the thresholds of an RFM segment, or add it after the others "
                        "(administrators). Bounds not given are removed. With --json: the "
                        "segment as «rfm segments» prints it."),
                      entries, &argc, &argv, 2, error))
    return FALSE;
  if (!g_str_equal (argv[1], "set"))
    return crm_cli_usage_error (error, _("rfm segment: write «rfm segment set KEY»"));
  argv++;
  for (int i = 0; i < 6; i++)
    if (!parse_bound (texts[i], options[i], i >= 4, &values[i], error))
      return FALSE;
  bounds = (CrmRfmBounds) { values[0], values[1], values[2], values[3], values[4], values[5] };
  if (!crm_cli_open (cli, error) ||
      !crm_rfm_segment_set (cli->store, argv[1], name, &bounds, cli->actor_id, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonArray) segments = crm_rfm_segments (cli->store, error);

      if (segments == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (segments); i++)
        {
          JsonObject *segment = json_array_get_object_element (segments, i);

          if (g_strcmp0 (crm_cli_str (segment, "key", NULL), argv[1]) == 0 ||
              g_strcmp0 (crm_cli_str (segment, "name", NULL), argv[1]) == 0 ||
              (name != NULL && g_strcmp0 (crm_cli_str (segment, "name", NULL), name) == 0))
            {
              crm_cli_print_json_object (segment);
              return TRUE;
            }
        }
    }
  else
    g_print (_("Segment «%s» saved\n"), name != NULL ? name : argv[1]);
  return TRUE;
}

gboolean
crm_cli_rfm_show (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(JsonObject) client = NULL;
  g_autofree char *id = NULL;
  JsonArray *history;
  guint width = 16;

  if (!crm_cli_parse (cli, "rfm show", _("CLIENT"),
                      _("A client's RFM scores and segment at --now, and the history of its "
                        "segment transitions. CLIENT is a company or a contact (name or id). "
                        "With --json: {\"client\", \"kind\", \"name\", \"segment\", "
                        "\"recency_days\", \"frequency\", \"monetary\", \"r\", \"f\", \"m\", "
                        "\"last_won\", \"history\": [{\"at\", \"from\", \"to\"}]}."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  {
    g_autoptr(GError) local = NULL;

    id = crm_query_resolve (cli->store, "company", argv[1], NULL, &local);
    if (id == NULL)
      {
        g_clear_error (&local);
        id = crm_query_resolve (cli->store, "contact", argv[1], NULL, &local);
      }
    if (id == NULL)
      {
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                     _("There is no company or contact «%s»"), argv[1]);
        return FALSE;
      }
  }
  client = crm_rfm_client (cli->store, id, error);
  if (client == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (client);
      return TRUE;
    }
  crm_cli_print_pair (_("Client"), crm_cli_str (client, "name", ""), width);
  crm_cli_print_pair (_("Segment"), crm_cli_str (client, "segment", "—"), width);
  if (!json_object_get_null_member (client, "r"))
    {
      g_autofree char *scores = g_strdup_printf ("R%lld F%lld M%lld",
                                                 (long long) json_object_get_int_member (client, "r"),
                                                 (long long) json_object_get_int_member (client, "f"),
                                                 (long long) json_object_get_int_member (client, "m"));
      g_autofree char *facts = g_strdup_printf (
        /* Translators: RFM facts: days since the last purchase, won deals, their sum */
        _("last won deal %lld days ago; won deals: %lld; worth %s in all"),
        (long long) json_object_get_int_member (client, "recency_days"),
        (long long) json_object_get_int_member (client, "frequency"),
        crm_cli_str (client, "monetary", ""));

      crm_cli_print_pair (_("Scores"), scores, width);
      crm_cli_print_pair (_("Facts"), facts, width);
    }
  history = json_object_get_array_member (client, "history");
  if (json_array_get_length (history) > 0)
    g_print ("%s\n", _("History"));
  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *step = json_array_get_object_element (history, i);
      g_autofree char *text = g_strdup_printf ("%s → %s",
                                               crm_cli_str (step, "from", "—"),
                                               crm_cli_str (step, "to", "—"));

      g_print ("  %s  %s\n", crm_cli_str (step, "at", ""), text);
    }
  return TRUE;
}
