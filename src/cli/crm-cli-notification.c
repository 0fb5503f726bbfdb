/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-notification.c — `notification list`: what the automation rules told people
 * («your client left a new request», «a request waits for 10 minutes»). */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include "crm-cli.h"
#include "crm-notification.h"

gboolean
crm_cli_notification_list (CrmCli   *cli,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autofree char *user = NULL;
  gboolean unread = FALSE;
  const GOptionEntry entries[] = {
    { "user", 0, 0, G_OPTION_ARG_STRING, &user,
      N_("Only the notifications of this user (name or id; default: everyone's)"), N_("U") },
    { "unread", 0, 0, G_OPTION_ARG_NONE, &unread, N_("Only the notifications not read yet"), NULL },
    { NULL }
  };
  const char *header[] = { _("WHEN"), _("USER"), _("READ"), _("TEXT"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *user_id = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "notification list", "",
                      _("List the notifications automation rules created, newest first. "
                        "With --json: [{\"id\", \"user\", \"user_id\", \"text\", \"deal\", "
                        "\"deal_title\", \"read\", \"created_at\"}]."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (user != NULL && (user_id = crm_cli_resolve (cli, "user", user, NULL, error)) == NULL)
    return FALSE;
  list = crm_notification_list (cli->store, user_id, unread, error);
  if (list == NULL)
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
      char **row = g_new0 (char *, 5);

      row[0] = g_strdup (crm_cli_str (item, "created_at", ""));
      row[1] = g_strdup (crm_cli_str (item, "user", ""));
      row[2] = g_strdup (json_object_get_boolean_member_with_default (item, "read", FALSE)
                         ? _("yes") : _("no"));
      row[3] = g_strdup (crm_cli_str (item, "text", ""));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No notifications."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}
