/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-bad-data.c — `contact bad-data`: «Данные на исправление» (S4-7), the phones,
 * e-mails and INNs that do not meet the input standard, per manager, and the
 * notifications that tell the managers. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-bad-data.h"

gboolean
crm_cli_contact_bad_data (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  g_autofree char *responsible = NULL;
  gboolean notify = FALSE;
  const GOptionEntry entries[] = {
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible,
      N_("Only the cards of this manager"), N_("U") },
    { "notify", 0, 0, G_OPTION_ARG_NONE, &notify,
      N_("Also notify each manager of their cards to fix, and clear the notifications of cards fixed since"),
      NULL },
    { NULL }
  };
  const char *header[] = { _("RESPONSIBLE"), _("CARD"), _("FIELD"), _("VALUE"), _("PROBLEM"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *responsible_id = NULL;
  g_autoptr(JsonNode) list = NULL;
  guint sent = 0, cleared = 0;
  JsonArray *array;

  if (!crm_cli_parse (cli, "contact bad-data", "",
                      _("Data to fix: phones, e-mails and INNs of contacts and companies "
                        "that do not meet the input standard (entered before it or imported), kept "
                        "as typed. With --json: [{\"entity\", \"id\", \"name\", \"responsible\", "
                        "\"responsible_id\", \"field\", \"value\", \"problem\", \"hint\"}]; with "
                        "--notify: {\"items\": […], \"notified\": N, \"cleared\": N}."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (responsible != NULL)
    {
      responsible_id = crm_cli_resolve (cli, "user", responsible, NULL, error);
      if (responsible_id == NULL)
        return FALSE;
    }
  if (notify && !crm_bad_data_notify (cli->store, cli->actor_id, &sent, &cleared, error))
    return FALSE;
  list = crm_bad_data_list (cli->store, responsible_id, error);
  if (list == NULL)
    return FALSE;
  if (cli->json)
    {
      if (notify)
        {
          g_autoptr(JsonObject) out = json_object_new ();

          json_object_set_member (out, "items", json_node_ref (list));
          json_object_set_int_member (out, "notified", sent);
          json_object_set_int_member (out, "cleared", cleared);
          crm_cli_print_json_object (out);
        }
      else
        crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *hint = crm_cli_str (item, "hint", NULL);
      const char *problem = crm_cli_str (item, "problem", "");
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (crm_cli_str (item, "responsible", "—"));
      row[1] = g_strdup (crm_cli_str (item, "name", ""));
      row[2] = g_strdup (crm_cli_str (item, "field", ""));
      row[3] = g_strdup (crm_cli_str (item, "value", ""));
      if (hint != NULL)
        /* Translators: a value not written to the standard, and how it should read */
        row[4] = g_strdup_printf (_("write it as %s"), hint);
      else if (g_str_equal (problem, "not-a-phone"))
        row[4] = g_strdup (_("not a phone number"));
      else if (g_str_equal (problem, "not-an-email"))
        row[4] = g_strdup (_("not an e-mail address"));
      else
        row[4] = g_strdup (_("the INN's check digit does not match"));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print (_("No data to fix\n"));
  else
    crm_cli_print_table (header, rows);
  if (notify)
    g_print (_("Notified: %u, cleared: %u\n"), sent, cleared);
  return TRUE;
}
