/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-signin.c — first run of the real app: the welcome window offers the shipped
 * templates; signing in to a real voronka-server on loopback (self-signed certificate)
 * shows the server's SHA-256 fingerprint, asks once to trust it, then the first sync
 * fills the replica and the main window opens on it. A local account from a template
 * is tested too. Without voronka-server built the sign-in part is skipped. */
#include "crm-test-ui.h"

#include <signal.h>
#include <sys/prctl.h>

#include "crm-deal-actions.h"
#include "crm-field-editor.h"
#include "crm-gate-dialog.h"
#include "crm-new-deal-dialog.h"
#include "crm-query.h"
#include "crm-time.h"
#include "crm-signin-dialog.h"
#include "crm-welcome-window.h"

static char *tmpdir;
static CrmApplication *app;
static GSubprocess *server;
static char *server_url;
static char *server_fingerprint;
static char *preset_token;
static char *preset_last_sync;

static char *
server_binary (void)
{
  const char *env = g_getenv ("VORONKA_SERVER");
  g_autofree char *self = NULL;
  g_autofree char *dir = NULL;
  char *path;

  if (env != NULL && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (env);
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    return NULL;
  dir = g_path_get_dirname (self);
  path = g_build_filename (dir, "..", "src", "server", "voronka-server", NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return path;
  g_free (path);
  return NULL;
}

/* The server dies with the test, even when the test aborts. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static guint16
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* Creates an account on a fresh server and starts it with its own self-signed
 * certificate; FALSE when voronka-server is not built. */
static gboolean
start_server (void)
{
  g_autofree char *binary = server_binary ();
  g_autofree char *data = g_build_filename (tmpdir, "server", NULL);
  g_autofree char *listen = NULL;
  g_autoptr(GSubprocess) create = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (binary == NULL)
    return FALSE;
  create = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                             binary, "--data", data, "account", "create", "demo", "--template",
                             "truck-dealer", "--admin", "anna", "--password-stdin", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (create, "secret123", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (create));

  port = free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server = g_subprocess_launcher_spawn (launcher, &error, binary, "--data", data, "serve", "--listen",
                                        listen, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      const char *mark;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if ((mark = strstr (line, "fingerprint ")) != NULL)
        server_fingerprint = g_strdup (mark + strlen ("fingerprint "));
      if (strstr (line, "listening on ") != NULL)
        break;
    }
  g_assert_nonnull (server_fingerprint);
  server_url = g_strdup_printf ("https://127.0.0.1:%u", port);
  return TRUE;
}

static CrmWelcomeWindow *
welcome (void)
{
  return CRM_WELCOME_WINDOW (crm_test_ui_wait_for_window (CRM_TYPE_WELCOME_WINDOW));
}

static void
test_welcome (void)
{
  CrmWelcomeWindow *window = welcome ();

  g_assert_null (crm_application_get_main_window (app));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW,
                                      "Дилер грузовой техники с пробегом"));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW, "B2B-дистрибьютор"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "welcome"));

  /* on a small screen the way in to the team's server is in sight without scrolling
   * (the review: the sign-in button could be below the fold) */
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  crm_test_ui_wait (400);
  {
    GtkWidget *button = crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, _("Sign _In…"));
    graphene_rect_t bounds;

    g_assert_nonnull (button);
    g_assert_true (gtk_widget_get_mapped (button));
    g_assert_true (gtk_widget_compute_bounds (button, GTK_WIDGET (window), &bounds));
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (window)));
    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), <=, 600);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "welcome-800x600"));
}

static gboolean
fingerprint_shown (gpointer dialog)
{
  return crm_signin_dialog_get_fingerprint (dialog) != NULL;
}

static gboolean
main_window_shown (gpointer data)
{
  GtkWindow *window = crm_application_get_main_window (app);

  return window != NULL && crm_test_ui_widget_is_drawn (window);
}

static gboolean
status_shown (gpointer dialog)
{
  const char *status = crm_signin_dialog_get_status (dialog);

  return strstr (status, "127.0.0.1:9") != NULL;
}

static void
test_sign_in (void)
{
  CrmSigninDialog *dialog = CRM_SIGNIN_DIALOG (crm_welcome_window_sign_in (welcome ()));
  g_autofree char *replica = g_build_filename (tmpdir, "new.db", NULL);
  g_autofree char *accepted = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) pipelines = NULL;
  g_autofree char *meta_server = NULL;
  GtkWidget *trust;

  crm_test_ui_wait_for_window (CRM_TYPE_SIGNIN_DIALOG);
  g_assert_true (crm_signin_dialog_is_available () == (g_getenv ("VORONKA_NO_SYNC") == NULL) ||
                 crm_signin_dialog_is_available ());
  if (!crm_signin_dialog_is_available ())
    {
      /* the dialog says why it cannot sign in, and does nothing */
      g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, NULL));
      g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin"));
      crm_test_fail_missing ("sync is not built");
      return;
    }

  /* a server that is not there, written without https://: the address gets it, the
   * message says what it means in words (not the network library's), nothing created */
  crm_signin_dialog_fill (dialog, "127.0.0.1:9", "anna", "secret123");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (crm_test_ui_find (GTK_WIDGET (dialog),
                                                                          ADW_TYPE_ENTRY_ROW,
                                                                          "Server address"))),
                   ==, "https://127.0.0.1:9");
  g_assert_true (crm_test_ui_wait_until (status_shown, dialog, 10000));
  g_assert_nonnull (strstr (crm_signin_dialog_get_status (dialog), "does not answer"));
  g_assert_null (strstr (crm_signin_dialog_get_status (dialog), "refused"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin-unreachable"));
  g_assert_false (g_file_test (replica, G_FILE_TEST_EXISTS));

  if (!start_server ())
    {
      g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin"));
      crm_test_fail_missing ("voronka-server is not built");
      return;
    }
  crm_signin_dialog_fill (dialog, server_url, "anna", "secret123");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_true (crm_test_ui_wait_until (fingerprint_shown, dialog, 15000));
  /* the fingerprint the server printed is the one shown */
  g_assert_cmpstr (crm_signin_dialog_get_fingerprint (dialog), ==, server_fingerprint);
  g_assert_false (g_file_test (replica, G_FILE_TEST_EXISTS));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin"));

  /* without ticking "trust", nothing happens */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  crm_test_ui_wait (100);
  g_assert_null (crm_application_get_main_window (app));

  trust = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "_Trust this certificate");
  adw_action_row_activate (ADW_ACTION_ROW (trust));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_true (crm_test_ui_wait_until (main_window_shown, NULL, 30000));
  crm_test_ui_wait (300);

  /* the first sync filled the replica, which knows its server */
  store = crm_store_open (replica, &error);
  g_assert_no_error (error);
  meta_server = crm_store_dup_meta (store, "sync.server");
  g_assert_cmpstr (meta_server, ==, server_url);
  pipelines = crm_query_pipelines (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (pipelines)), ==, 5);
  /* and the certificate is trusted from now on */
  accepted = g_build_filename (g_get_user_data_dir (), "voronka", "certificates", NULL);
  g_assert_true (g_file_test (accepted, G_FILE_TEST_IS_DIR));
  /* the header says the replica is in sync with its server */
  {
    CrmWindow *window = CRM_WINDOW (crm_application_get_main_window (app));
    CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);

    crm_sync_indicator_refresh (indicator);
    g_assert_true (g_str_has_prefix (crm_sync_indicator_get_label (indicator), "Synced"));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "after-sign-in"));
  }
}

static void
signed_in_cb (CrmSigninDialog *dialog,
              const char      *path,
              gboolean        *done)
{
  *done = TRUE;
}

static gboolean
flag_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* A dialog opened with no server, as the welcome window does. */
static CrmSigninDialog *
preset_dialog (const char *replica)
{
  CrmSigninDialog *dialog = crm_signin_dialog_new (NULL, replica, NULL);

  gtk_window_present (GTK_WINDOW (dialog));
  crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 5000);
  return dialog;
}

/* The administrator pre-set the server and its certificate (/etc/voronka/client.conf,
 * here under $VORONKA_SYSCONFDIR): the dialog comes filled in, says so, and signs in
 * with only a user name and password — no certificate question. */
static void
test_preset_server (void)
{
  g_autofree char *etc = g_build_filename (tmpdir, "etc", NULL);
  g_autofree char *conf_dir = g_build_filename (etc, "voronka", NULL);
  g_autofree char *conf = g_build_filename (conf_dir, "client.conf", NULL);
  g_autofree char *cert = g_build_filename (tmpdir, "server", "tls", "cert.pem", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *pinned = g_build_filename (g_get_user_data_dir (), "voronka", "certificates", NULL);
  g_autofree char *replica = g_build_filename (tmpdir, "preset.db", NULL);
  g_autofree char *po_dir = crm_test_built_translations ();
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *meta_ca = NULL;
  g_autofree char *meta_server = NULL;
  g_autoptr(CrmSigninDialog) keep = NULL;
  CrmSigninDialog *dialog;
  GtkWidget *url_row;
  GtkWidget *preset_row;
  gboolean signed_in = FALSE;

  if (!crm_signin_dialog_is_available () || server_url == NULL)
    {
      crm_test_fail_missing ("sync or voronka-server is not built");
      return;
    }
  g_assert_true (g_file_get_contents (cert, &cert_pem, NULL, NULL));
  g_assert_cmpint (g_mkdir_with_parents (conf_dir, 0755), ==, 0);
  /* the admin's spelling; the certificate by an absolute /etc path */
  contents = g_strdup_printf ("[server]\nurl=%s/\nca-file=/etc/voronka/team-ca.pem\n", server_url);
  g_assert_true (g_file_set_contents (conf, contents, -1, NULL));
  g_clear_pointer (&contents, g_free);
  contents = g_build_filename (conf_dir, "team-ca.pem", NULL);
  g_assert_true (g_file_set_contents (contents, cert_pem, -1, NULL));
  g_setenv ("VORONKA_SYSCONFDIR", etc, TRUE);
  /* nothing accepted by hand on this computer: only the preset can make it trusted */
  crm_test_remove_tree (pinned);

  dialog = preset_dialog (replica);
  url_row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Server address");
  g_assert_nonnull (url_row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, server_url);
  preset_row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW,
                                 "Set up by your administrator");
  g_assert_nonnull (preset_row);
  g_assert_true (gtk_widget_get_visible (preset_row));
  crm_signin_dialog_fill (dialog, server_url, "anna", "");
  crm_test_ui_wait (100);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin-preset"));

  /* another address: the note goes away (the preset is for the admin's server only) */
  crm_signin_dialog_fill (dialog, "https://crm.example.ru", "anna", "");
  g_assert_false (gtk_widget_get_visible (preset_row));
  crm_signin_dialog_fill (dialog, server_url, "anna", "secret123");
  g_assert_true (gtk_widget_get_visible (preset_row));

  /* it closes itself once signed in: keep it to ask it afterwards */
  keep = g_object_ref (dialog);
  g_signal_connect (dialog, "signed-in", G_CALLBACK (signed_in_cb), &signed_in);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  if (!crm_test_ui_wait_until (flag_set, &signed_in, 30000))
    g_error ("not signed in: %s", crm_signin_dialog_get_status (dialog));
  /* never asked about the certificate */
  g_assert_null (crm_signin_dialog_get_fingerprint (dialog));
  g_assert_false (g_file_test (pinned, G_FILE_TEST_EXISTS));

  /* the replica remembers the server and the certificate, for the app and voronkactl */
  store = crm_store_open (replica, &error);
  g_assert_no_error (error);
  meta_server = crm_store_dup_meta (store, "sync.server");
  g_assert_cmpstr (meta_server, ==, server_url);
  meta_ca = crm_store_dup_meta (store, "sync.ca");
  g_assert_cmpstr (meta_ca, ==, cert_pem);
  preset_token = g_strdup (crm_signin_dialog_get_token (keep));
  g_assert_nonnull (preset_token);
  preset_last_sync = crm_store_dup_meta (store, "sync.last");

  /* the same dialog in Russian */
  if (po_dir != NULL)
    {
      g_setenv ("LANGUAGE", "ru", TRUE);
      bindtextdomain (GETTEXT_PACKAGE, po_dir);
      if (g_strcmp0 (_("Set up by your administrator"), "Set up by your administrator") != 0)
        {
          g_autofree char *other = g_build_filename (tmpdir, "preset-ru.db", NULL);

          dialog = preset_dialog (other);
          g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW,
                                              _("Set up by your administrator")));
          crm_signin_dialog_fill (dialog, server_url, "Мария Кузнецова", "");
          crm_test_ui_wait (100);
          g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin-preset-ru"));
          gtk_window_destroy (GTK_WINDOW (dialog));
        }
      g_unsetenv ("LANGUAGE");
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    }
  g_unsetenv ("VORONKA_SYSCONFDIR");
}

static gboolean
synced_again (gpointer replica)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (replica, &error);
  g_autofree char *last = store != NULL ? crm_store_dup_meta (store, "sync.last") : NULL;

  if (error != NULL)
    g_test_message ("%s: %s", (char *) replica, error->message);
  return last != NULL && g_strcmp0 (last, preset_last_sync) != 0;
}

static gboolean
indicator_synced (gpointer indicator)
{
  crm_sync_indicator_refresh (indicator);
  g_test_message ("indicator: %s", crm_sync_indicator_get_label (indicator));
  return g_str_has_prefix (crm_sync_indicator_get_label (indicator), "Synced");
}

/* The main window on that replica syncs in the background with the certificate the
 * replica remembers: no preset any more, nothing accepted by hand on this computer. */
static void
test_remembered_certificate (void)
{
  g_autofree char *replica = g_build_filename (tmpdir, "preset.db", NULL);
  g_autofree char *pinned = g_build_filename (g_get_user_data_dir (), "voronka", "certificates", NULL);
  GtkWindow *main_window = crm_application_get_main_window (app);
  CrmWindow *window;
  CrmSyncIndicator *indicator;

  if (preset_token == NULL)
    {
      crm_test_fail_missing ("the preset sign-in did not run");
      return;
    }
  g_assert_null (g_getenv ("VORONKA_SYSCONFDIR"));
  g_assert_false (g_file_test (pinned, G_FILE_TEST_EXISTS));
  if (main_window != NULL)
    gtk_window_destroy (main_window);
  crm_application_set_db_path (app, replica);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (crm_test_ui_wait_until (main_window_shown, NULL, 10000));
  window = CRM_WINDOW (crm_application_get_main_window (app));
  /* the token the sign-in gave (this test's keyring may be locked) */
  crm_window_restart_sync (window, preset_token);
  g_assert_true (crm_test_ui_wait_until (synced_again, replica, 30000));
  indicator = crm_window_get_sync_indicator (window);
  g_assert_true (crm_test_ui_wait_until (indicator_synced, indicator, 10000));
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Created;

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Created *created = user_data;

  created->ok = crm_welcome_window_create_finish (CRM_WELCOME_WINDOW (object), result,
                                                  &created->error);
  created->done = TRUE;
}

static gboolean
created_done (gpointer data)
{
  return ((Created *) data)->done;
}

static void
test_local_account_from_template (void)
{
  static Created created;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "local.db", NULL);
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) pipelines = NULL;
  CrmWelcomeWindow *window;
  GtkWindow *main_window = crm_application_get_main_window (app);

  /* the same app, started again on a replica that does not exist yet */
  if (main_window != NULL)
    gtk_window_destroy (main_window);
  crm_application_set_db_path (app, path);
  g_application_activate (G_APPLICATION (app));
  window = welcome ();
  g_assert_true (crm_welcome_window_choose_template (window, "b2b-distributor"));
  created.done = FALSE;
  crm_welcome_window_create_async (window, created_cb, &created);
  /* the account is written by a worker: the window stays drawn and says it is busy */
  g_assert_false (created.done);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_BUTTON,
                                      "Creating the Account…"));
  g_assert_true (crm_test_ui_wait_until (created_done, &created, 30000));
  g_assert_true (created.ok);
  g_assert_no_error (created.error);
  main_window = crm_application_get_main_window (app);
  g_assert_nonnull (main_window);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, main_window, 10000));

  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  pipelines = crm_query_pipelines (store, &error);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (pipelines), 0), "name"),
                   ==, "Лиды");
}

/* In the B2B account «Квалифицирован» needs the lead's audience, geography and business
 * type (S1-2), and an open deal always keeps an open task (S1-4): the move asks for the
 * fields, completing the last task asks for the next one, and each goes through once
 * answered. */
static void
test_required_fields_and_next_task (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "local.db", NULL);
  CrmWindow *window = CRM_WINDOW (crm_application_get_main_window (app));
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonNode) open_tasks = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *deal_id = NULL;
  g_autofree char *qualified = NULL;
  g_autofree char *leads = NULL;
  CrmNewDealDialog *new_deal;
  CrmGateDialog *gate;
  JsonObject *fields;
  JsonArray *tasks;
  const char *last_task;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-deal", NULL));
  new_deal = CRM_NEW_DEAL_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_DEAL_DIALOG));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (new_deal), "new-deal"));
  deal_id = crm_new_deal_dialog_create (new_deal, "Сеть «Продукты 24»", "350 000");
  g_assert_nonnull (deal_id);
  gtk_window_destroy (GTK_WINDOW (new_deal));
  crm_test_ui_wait (100);

  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  leads = crm_query_resolve (store, "pipeline", "Лиды", NULL, &error);
  qualified = crm_query_resolve (store, "stage", "Квалифицирован", leads, &error);
  g_assert_no_error (error);

  /* the move asks for the fields */
  g_assert_false (crm_move_deal (GTK_WIDGET (window), context, deal_id, qualified, &gate));
  g_assert_nonnull (gate);
  g_assert_cmpstr (crm_gate_dialog_get_gate (gate), ==, "required-field");
  crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG);
  crm_field_editor_set_text (CRM_FIELD_EDITOR (crm_gate_dialog_get_field_editor (gate, "target_audience")), "Розничные сети");
  crm_field_editor_set_text (CRM_FIELD_EDITOR (crm_gate_dialog_get_field_editor (gate, "geography")), "Москва и область");
  crm_field_editor_set_text (CRM_FIELD_EDITOR (crm_gate_dialog_get_field_editor (gate, "business_type")), "Сеть");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (gate), "gate-required-fields"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gate), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  deal = crm_query_deal (store, deal_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Квалифицирован");
  fields = json_object_get_object_member (deal, "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "target_audience"), ==, "Розничные сети");
  g_assert_cmpstr (json_object_get_string_member (fields, "business_type"), ==, "Сеть");

  /* Leave one open task (the rules gave the deal its stage tasks), then complete it. */
  open_tasks = crm_query_tasks (store, deal_id, TRUE, NULL, &error);
  tasks = json_node_get_array (open_tasks);
  g_assert_cmpuint (json_array_get_length (tasks), >, 0);
  for (guint i = 1; i < json_array_get_length (tasks); i++)
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      CrmChange *change = crm_changeset_touch (changeset, "task",
                                               json_object_get_string_member (json_array_get_object_element (tasks, i), "id"));

      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_string (change, "result", "Сделано");
      g_assert_true (crm_context_apply (context, changeset, &error));
      g_assert_no_error (error);
    }
  last_task = json_object_get_string_member (json_array_get_object_element (tasks, 0), "id");
  gate = crm_complete_task (GTK_WIDGET (window), context, last_task);
  crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG);
  crm_gate_dialog_set_result (gate, "Закупщик ждёт прайс");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gate), "gate.apply", NULL));
  crm_test_ui_wait (100);
  /* refused: the same dialog now asks for the next task */
  g_assert_nonnull (crm_test_ui_find_window (CRM_TYPE_GATE_DIALOG));
  g_assert_cmpstr (crm_gate_dialog_get_gate (gate), ==, "next-task-required");
  crm_gate_dialog_set_next_task (gate, "Отправить прайс", crm_time_now_ms () + CRM_MS_PER_DAY);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (gate), "gate-next-task"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gate), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));

  after = crm_query_tasks (store, deal_id, TRUE, NULL, &error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (after), 0), "text"),
                   ==, "Отправить прайс");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = NULL;
  g_autofree char *cache_home = NULL;
  g_autofree char *db_path = NULL;
  int status;

  tmpdir = crm_test_make_tmpdir ();
  /* accepted certificates and keyring-less fallbacks stay in the test's folder */
  data_home = g_build_filename (tmpdir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  cache_home = g_build_filename (tmpdir, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  crm_test_ui_init (&argc, &argv);

  db_path = g_build_filename (tmpdir, "new.db", NULL);
  app = crm_test_ui_start (db_path);

  g_test_add_func ("/ui/signin/welcome", test_welcome);
  g_test_add_func ("/ui/signin/sign-in", test_sign_in);
  g_test_add_func ("/ui/signin/preset-server", test_preset_server);
  g_test_add_func ("/ui/signin/remembered-certificate", test_remembered_certificate);
  g_test_add_func ("/ui/signin/local-account", test_local_account_from_template);
  g_test_add_func ("/ui/signin/required-fields-and-next-task", test_required_fields_and_next_task);
  status = g_test_run ();

  crm_test_ui_stop (app);
  if (server != NULL)
    {
      g_subprocess_send_signal (server, SIGTERM);
      g_subprocess_wait (server, NULL, NULL);
      g_clear_object (&server);
    }
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (server_url);
  g_free (server_fingerprint);
  g_free (preset_token);
  g_free (preset_last_sync);
  return status;
}
