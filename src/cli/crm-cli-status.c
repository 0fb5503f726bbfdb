/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-status.c — `status`: this replica's device id and where it stands with the
 * server (ops waiting to push, last sync, pull cursor, conflicts and rejected changes). */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-sync-state.h"

/* how many of the unseen conflicts and rejections the human output names */
#define STATUS_LISTED 5

gboolean
crm_cli_status (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *last_sync = NULL;
  g_autofree char *waiting_text = NULL;
  g_autofree char *cursor_shown = NULL;
  g_autofree char *conflicts_text = NULL;
  g_autofree char *rejected_text = NULL;
  g_autofree char *server = NULL;
  g_autofree char *cursor_text = NULL;
  gint64 log_length = 0;
  gint64 waiting = 0;
  gint64 cursor = 0;
  gint64 conflicts = 0;
  gint64 rejected = 0;

  if (!crm_cli_parse (cli, "status", "",
                      _("Show the device id and sync state. With --json: {\"device\", \"path\", "
                        "\"waiting\", \"last_sync\", \"cursor\", \"conflicts\", \"rejected\", "
                        "\"server\", …}."),
                      NULL,
                      &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error) ||
      !crm_sync_state_count_waiting (cli->store, &waiting, error) ||
      !crm_sync_state_count_conflicts (cli->store, TRUE, &conflicts, error) ||
      !crm_sync_state_count_rejected (cli->store, TRUE, &rejected, error) ||
      !crm_store_read_meta (cli->store, "sync.last", &last_sync, error) ||
      !crm_store_read_meta (cli->store, "sync.server", &server, error) ||
      !crm_store_read_meta (cli->store, "sync.cursor", &cursor_text, error) ||
      !crm_store_read_log_length (cli->store, &log_length, error))
    return FALSE;
  cursor = cursor_text != NULL ? MAX (g_ascii_strtoll (cursor_text, NULL, 10), 0) : 0;

  if (cli->json)
    {
      g_autoptr(JsonObject) status = json_object_new ();

      json_object_set_string_member (status, "device", crm_store_get_device_id (cli->store));
      json_object_set_string_member (status, "path", crm_store_get_path (cli->store));
      json_object_set_int_member (status, "waiting", waiting);
      if (last_sync != NULL)
        json_object_set_string_member (status, "last_sync", last_sync);
      else
        json_object_set_null_member (status, "last_sync");
      json_object_set_int_member (status, "cursor", cursor);
      json_object_set_int_member (status, "log_length", log_length);
      json_object_set_int_member (status, "conflicts", conflicts);
      json_object_set_int_member (status, "rejected", rejected);
      if (server != NULL)
        json_object_set_string_member (status, "server", server);
      else
        json_object_set_null_member (status, "server");
      crm_cli_print_json_object (status);
      return TRUE;
    }

  waiting_text = g_strdup_printf ("%" G_GINT64_FORMAT, waiting);
  cursor_shown = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  crm_cli_print_pair (_("Replica"), crm_store_get_path (cli->store), 16);
  crm_cli_print_pair (_("Device"), crm_store_get_device_id (cli->store), 16);
  crm_cli_print_pair (_("Waiting to push"), waiting_text, 16);
  crm_cli_print_pair (_("Last sync"), last_sync != NULL ? last_sync : _("never"), 16);
  crm_cli_print_pair (_("Cursor"), cursor_shown, 16);
  if (server != NULL)
    crm_cli_print_pair (_("Server"), server, 16);
  conflicts_text = g_strdup_printf ("%" G_GINT64_FORMAT, conflicts);
  rejected_text = g_strdup_printf ("%" G_GINT64_FORMAT, rejected);
  crm_cli_print_pair (_("Conflicts"), conflicts_text, 16);
  crm_cli_print_pair (_("Rejected"), rejected_text, 16);
  if (conflicts + rejected > 0)
    {
      /* the newest ones as `conflicts` and the app's popover say them (crm-describe.h) */
      g_autoptr(JsonArray) listed = crm_sync_state_list_conflicts (cli->store, TRUE,
                                                                   STATUS_LISTED, error);

      if (listed == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (listed); i++)
        {
          JsonObject *item = json_array_get_object_element (listed, i);

          g_print ("  %s\n", crm_cli_str (item, "heading", ""));
        }
      g_print (_("Run “voronkactl conflicts” to see what was rejected or overwritten.\n"));
    }
  return TRUE;
}
