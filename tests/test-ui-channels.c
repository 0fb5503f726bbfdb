/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-channels.c — an administrator changes the account's channels and mailboxes in
 * the real app against a real voronka-server on 127.0.0.1 (issue 14): Settings › «Messages
 * and Mail», a channel's «Change…» reads its settings from the server, «Test» sends a test
 * Telegram message through a Bot API endpoint the test serves (a sent one and a refused one,
 * in the gateway's words), «Save» keeps the token on the server (never shown again, never
 * in the replica); the server's refusal of a bad URL is shown and nothing saved; a mailbox
 * is added (its sign-in tested against a mail server that is not there), then removed.
 * With the server gone the rows are read-only and say why. Screenshots in English and
 * Russian. */
#include "crm-test-ui.h"

#include <libsoup/soup.h>

#include "crm-channels-group.h"
#include "crm-message.h"
#include "crm-sync-controller.h"
#include "crm-test-server.h"
#include "crm-transport-dialog.h"

#define WAIT_MS 30000
#define BOT_TOKEN "bot-ui:tok-4c2a"

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static char *db_path;
static char *token;
static CrmApplication *app;
static CrmWindow *window;
static SoupServer *bot_api;
static char *bot_url;
static GPtrArray *bot_requests;   /* "PATH|BODY" */
static guint16 no_imap_port;

/* The Bot API: sendMessage to chat 404 is refused as Telegram refuses it. */
static void
bot_handle (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  gboolean refuse = strstr (text, "\"404\"") != NULL;
  const char *answer = refuse ? "{\"ok\": false, \"description\": \"Bad Request: chat not found\"}"
                              : "{\"ok\": true}";

  g_ptr_array_add (bot_requests, g_strdup_printf ("%s|%s", path, text));
  soup_server_message_set_status (msg, refuse ? 400 : 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer,
                                    strlen (answer));
}

static void
start_bot_api (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *listeners;

  bot_requests = g_ptr_array_new_with_free_func (g_free);
  bot_api = soup_server_new (NULL, NULL);
  soup_server_add_handler (bot_api, NULL, bot_handle, NULL, NULL);
  g_assert_true (soup_server_listen (bot_api, address, 0, &error));
  g_assert_no_error (error);
  listeners = soup_server_get_listeners (bot_api);
  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, &error);

    bot_url = g_strdup_printf ("http://127.0.0.1:%u",
                               g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }
  g_slist_free (listeners);
}

static gboolean
sync_ready (gpointer data)
{
  GObject *sync = crm_context_get_sync (crm_window_get_context (window));
  g_autofree char *reason = NULL;

  if (sync == NULL || !crm_sync_controller_is_active (CRM_SYNC_CONTROLLER (sync)))
    return FALSE;
  reason = crm_sync_controller_dup_offline_reason (CRM_SYNC_CONTROLLER (sync));
  return reason == NULL;
}

static CrmChannelsGroup *
open_settings (void)
{
  GtkWidget *view;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                             "settings"));
  crm_test_ui_wait (300);
  view = crm_window_get_page (window, "settings");
  return CRM_CHANNELS_GROUP (crm_test_ui_find (view, CRM_TYPE_CHANNELS_GROUP, NULL));
}

static gboolean
can_change (gpointer data)
{
  GtkWidget *row = crm_channels_group_get_channel_row (data, "telegram");

  return row != NULL && g_object_get_data (G_OBJECT (row), "change") != NULL;
}

static gboolean
not_busy (gpointer data)
{
  return !crm_transport_dialog_is_busy (data);
}

static gboolean
gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Clicks @row's «Change…» and waits for the dialog to have read the server. */
static CrmTransportDialog *
open_dialog (GtkWidget *row)
{
  GtkWidget *button = g_object_get_data (G_OBJECT (row), "change");
  CrmTransportDialog *dialog;

  g_assert_nonnull (button);
  /* reachable from the keyboard */
  g_assert_true (gtk_widget_get_focusable (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = CRM_TRANSPORT_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_TRANSPORT_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  return dialog;
}

static void
wait_closed (CrmTransportDialog *dialog)
{
  gpointer weak = dialog;

  g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
  g_assert_true (crm_test_ui_wait_until (gone, &weak, WAIT_MS));
}

static const char *
status_of (CrmTransportDialog *dialog)
{
  const char *status = crm_transport_dialog_get_status (dialog);

  g_test_message ("the dialog says: %s", status != NULL ? status : "(nothing)");
  return status != NULL ? status : "";
}

typedef struct {
  CrmChannelsGroup *group;
  const char       *kind;
  const char       *words;
  guint             mailboxes;
} RowWait;

/* The replica (synced) shows what was saved. */
static gboolean
row_says (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row;

  crm_sync_controller_sync_now (CRM_SYNC_CONTROLLER (crm_context_get_sync (
    crm_window_get_context (window))));
  if (wait->kind == NULL)
    return crm_channels_group_get_n_mailboxes (wait->group) == wait->mailboxes;
  row = crm_channels_group_get_channel_row (wait->group, wait->kind);
  return row != NULL &&
         strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), wait->words) != NULL;
}

static void
test_channel (void)
{
  CrmChannelsGroup *group;
  CrmTransportDialog *dialog;
  RowWait saved = { NULL, "telegram", "password or token kept on the server", 0 };
  g_autofree char *out = NULL;

  g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
  group = open_settings ();
  g_assert_nonnull (group);
  g_assert_true (crm_test_ui_wait_until (can_change, group, WAIT_MS));
  saved.group = group;

  dialog = open_dialog (crm_channels_group_get_channel_row (group, "telegram"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Telegram Channel");
  g_assert_nonnull (strstr (status_of (dialog), "Not set up yet"));
  crm_transport_dialog_set_field (dialog, "url", bot_url);
  crm_transport_dialog_set_field (dialog, "secret", BOT_TOKEN);
  /* «Test» before saving: a message to the chat, through the server */
  crm_transport_dialog_set_field (dialog, "to", "100200300");
  crm_transport_dialog_test (dialog);
  g_assert_true (crm_transport_dialog_is_busy (dialog));
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "Sent a test message to 100200300"));
  g_assert_cmpuint (bot_requests->len, ==, 1);
  g_assert_nonnull (strstr (bot_requests->pdata[0], "/bot" BOT_TOKEN "/sendMessage|"));
  /* a chat Telegram does not know: its words */
  crm_transport_dialog_set_field (dialog, "to", "404");
  crm_transport_dialog_test (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "The test failed"));
  g_assert_nonnull (strstr (status_of (dialog), "chat not found"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "settings-channel-dialog"));
  crm_transport_dialog_save (dialog);
  wait_closed (dialog);
  g_assert_true (crm_test_ui_wait_until (row_says, &saved, WAIT_MS));
  /* the server keeps the token, the laptop never got it */
  g_assert_cmpint (crm_test_server_admin (data_dir, NULL, "channel", "list", "acme", "--json",
                                          NULL), ==, 0);
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(JsonObject) state = crm_message_dup_transport (store);
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), state);

    out = json_to_string (node, FALSE);
    g_assert_nonnull (strstr (out, "telegram"));
    g_assert_null (strstr (out, BOT_TOKEN));
  }

  /* again: the URL read from the server, the token not shown; a bad URL is refused in the
   * server's words and the dialog stays */
  dialog = open_dialog (crm_channels_group_get_channel_row (group, "telegram"));
  crm_transport_dialog_set_field (dialog, "url", "ftp://127.0.0.1/");
  crm_transport_dialog_save (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "is not an http:// or https:// URL"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "settings-channel-refused"));
  /* Escape cancels */
  {
    gpointer weak = dialog;

    g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "transport.cancel", NULL));
    g_assert_true (crm_test_ui_wait_until (gone, &weak, WAIT_MS));
  }
}

static void
test_mailbox (void)
{
  CrmChannelsGroup *group = open_settings ();
  CrmTransportDialog *dialog;
  RowWait one = { group, NULL, NULL, 1 };
  RowWait none = { group, NULL, NULL, 0 };
  g_autofree char *url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", no_imap_port);

  g_assert_nonnull (crm_channels_group_get_add_mailbox_row (group));
  dialog = open_dialog (crm_channels_group_get_add_mailbox_row (group));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "New Mailbox");
  crm_transport_dialog_set_field (dialog, "url", url);
  crm_transport_dialog_set_field (dialog, "user", "requests@acme.test");
  /* no password yet: the server says a new mailbox needs one */
  crm_transport_dialog_save (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "needs its password"));
  crm_transport_dialog_set_field (dialog, "secret", "imap-ui-pw-8e1b");
  crm_transport_dialog_set_field (dialog, "pipeline", "Продажи");
  crm_transport_dialog_set_field (dialog, "responsible", "manager");
  crm_transport_dialog_test (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "The test failed"));
  g_assert_nonnull (strstr (status_of (dialog), "127.0.0.1"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "settings-mailbox-dialog"));
  crm_transport_dialog_save (dialog);
  wait_closed (dialog);
  g_assert_true (crm_test_ui_wait_until (row_says, &one, WAIT_MS));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (
    crm_channels_group_get_mailbox_row (group, 0))), "Продажи"));
  crm_test_ui_wait (5500);   /* the toasts go: a screenshot of the rows */
  gtk_widget_grab_focus (crm_channels_group_get_mailbox_row (group, 0));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-channels-editable"));

  /* the server has who is responsible for its requests */
  {
    g_autoptr(GSubprocess) list = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL,
                                                    g_getenv ("VORONKA_SERVER"), "--data",
                                                    data_dir, "mailbox", "list", "acme",
                                                    "--json", NULL);
    g_autofree char *out = NULL;
    g_autoptr(JsonNode) node = NULL;

    g_assert_nonnull (list);
    g_assert_true (g_subprocess_communicate_utf8 (list, NULL, NULL, &out, NULL, NULL));
    g_assert_true (g_subprocess_get_successful (list));
    node = crm_test_parse_json (out);
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (
      json_node_get_array (node), 0), "responsible"), ==, "manager");
    g_assert_null (strstr (out, "imap-ui-pw-8e1b"));
  }

  /* removed, asked first */
  dialog = open_dialog (crm_channels_group_get_mailbox_row (group, 0));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Mailbox");
  g_signal_emit_by_name (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON,
                                           "_Remove Mailbox"), "clicked");
  {
    GtkWindow *ask = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);

    g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (ask)), ==,
                     "Remove the Mailbox?");
    crm_test_ui_respond (ask, "_Remove");
  }
  wait_closed (dialog);
  g_assert_true (crm_test_ui_wait_until (row_says, &none, WAIT_MS));
}

static gboolean
read_only (gpointer data)
{
  return !can_change (data);
}

/* The server gone: the rows stay, read-only, and the group says why. */
static void
test_offline (void)
{
  CrmChannelsGroup *group = open_settings ();

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_sync_controller_sync_now (CRM_SYNC_CONTROLLER (crm_context_get_sync (
    crm_window_get_context (window))));
  g_assert_true (crm_test_ui_wait_until (read_only, group, WAIT_MS));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group)),
                            "Read-only. The server cannot be reached now:"));
  g_assert_null (crm_channels_group_get_add_mailbox_row (group));
  g_assert_nonnull (crm_channels_group_get_channel_row (group, "telegram"));
  crm_test_ui_wait (5500);   /* the toast of the removal goes */
  gtk_widget_grab_focus (crm_channels_group_get_channel_row (group, "telegram"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-channels-offline"));
  crm_test_server_restart (server);
  crm_sync_controller_sync_now (CRM_SYNC_CONTROLLER (crm_context_get_sync (
    crm_window_get_context (window))));
  g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
  g_assert_true (crm_test_ui_wait_until (can_change, group, WAIT_MS));
}

/* In a process of its own: the dialog and the rows in Russian. */
static void
russian_dialog (void)
{
  CrmApplication *ru_app = crm_test_ui_start (g_getenv ("VORONKA_TEST_UI_DB"));
  CrmChannelsGroup *group;
  CrmTransportDialog *dialog;

  window = crm_test_ui_main_window (ru_app);
  crm_window_restart_sync (window, g_getenv ("VORONKA_TEST_CHANNELS_TOKEN"));
  g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
  group = open_settings ();
  g_assert_true (crm_test_ui_wait_until (can_change, group, WAIT_MS));
  g_assert_nonnull (crm_test_ui_find (crm_channels_group_get_channel_row (group, "email"),
                                      GTK_TYPE_BUTTON, "_Изменить…"));
  crm_test_ui_wait (300);
  gtk_widget_grab_focus (crm_channels_group_get_channel_row (group, "email"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-channels-editable-ru"));
  dialog = open_dialog (crm_channels_group_get_channel_row (group, "telegram"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Канал Telegram");
  /* this process's own Bot API (the first one's waits for this process to end) */
  start_bot_api ();
  crm_transport_dialog_set_field (dialog, "url", bot_url);
  crm_transport_dialog_set_field (dialog, "to", "404");
  crm_transport_dialog_test (dialog);
  g_assert_true (crm_test_ui_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_nonnull (strstr (status_of (dialog), "Проверка не прошла"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "settings-channel-dialog-ru"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  dialog = open_dialog (crm_channels_group_get_add_mailbox_row (group));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "settings-mailbox-dialog-ru"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_stop (ru_app);
}

static void
test_russian (void)
{
  if (!g_test_subprocess ())
    g_setenv ("VORONKA_TEST_CHANNELS_TOKEN", token, TRUE);
  crm_test_ui_in_russian ("Messages and Mail", db_path, russian_dialog);
}

static void
set_up (void)
{
  CrmTestReplica laptop = { 0 };

  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* an e-mail channel the rows show from the start */
  g_assert_cmpint (crm_test_server_admin (data_dir, NULL, "channel", "set", "acme", "email",
                                          "--smtp", "smtp://127.0.0.1:9", "--from",
                                          "crm@acme.test", NULL), ==, 0);
  server = crm_test_server_start (data_dir, TRUE, NULL);
  crm_test_replica_open (&laptop, server, tmpdir, "admin.db", "admin", "admin-pw");
  token = crm_test_replica_sign_in_app (&laptop, server);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);
  no_imap_port = crm_test_free_port ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("VORONKA_SERVER"));
  if (!g_test_subprocess ())
    {
      set_up ();
      start_bot_api ();
      app = crm_test_ui_start (db_path);
      window = crm_test_ui_main_window (app);
      crm_window_restart_sync (window, token);
    }

  g_test_add_func ("/ui/channels/channel", test_channel);
  g_test_add_func ("/ui/channels/mailbox", test_mailbox);
  g_test_add_func ("/ui/channels/offline", test_offline);
  g_test_add_func ("/ui/channels/russian", test_russian);
  status = g_test_run ();

  if (!g_test_subprocess ())
    {
      crm_test_ui_stop (app);
      crm_test_server_tear_down (server, tmpdir, status);
      soup_server_disconnect (bot_api);
      g_clear_object (&bot_api);
      g_ptr_array_unref (bot_requests);
    }
  g_free (bot_url);
  g_free (data_dir);
  g_free (db_path);
  g_free (token);
  return status;
}
