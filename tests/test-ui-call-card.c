/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-call-card.c — the caller's card and missed-call notifications in the real app
 * (issue 18), against a real voronka-server on 127.0.0.1: the app is signed in as the rep
 * «Мария Кузнецова» with its live channel open; a scripted PBX POSTs
 * /api/v1/telephony/route and the card appears over the window (a new number: «New
 * Number», the number, «Open Deal» once the sync the call sets off brought the deal, which
 * it then opens); she answers, so the number becomes her client; the next call from it
 * shows the card with the open deal and its stage, and, missed, becomes a notification in
 * the bell's popover and a desktop notification (this test owns
 * org.freedesktop.Notifications on the session bus, as a desktop's daemon does).
 * Screenshots: call-card-new, call-card-known, call-missed-notification. */
#include "crm-test-ui.h"

#include "crm-call-card.h"
#include "crm-notification-button.h"
#include "crm-query.h"
#include "crm-sync-indicator.h"
#include "crm-test-http.h"
#include "crm-test-notify.h"
#include "crm-test-server.h"

#define REP          "Мария Кузнецова"
#define REP_PASSWORD "rep-password"
#define CALLER       "+79035550177"
#define WAIT_MS      30000

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static char *pbx_token;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

/* ---- the server and the PBX ---- */

/* `voronka-server --data DIR ARGS…`: its status and output. */
static void
server_admin (CrmTestRun *run,
              ...) G_GNUC_NULL_TERMINATED;

static void
server_admin (CrmTestRun *run,
              ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  crm_test_run_clear (run);
  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, data_dir);
  va_start (ap, run);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
}

/* POST @body to the telephony endpoint @name; the answer must be 200. */
static JsonObject *
pbx (const char *name,
     const char *body)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *path = g_strconcat ("/api/v1/telephony/", name, NULL);

  crm_test_http_request (server, &answer, "POST", path, pbx_token, body, -1);
  if (answer.status != 200)
    g_error ("POST %s %s: expected 200, got %u", path, body, answer.status);
  g_assert_nonnull (answer.body);
  return json_object_ref (answer.body);
}

static JsonObject *
route (const char *call_id)
{
  g_autofree char *body = g_strdup_printf ("{\"call_id\":\"%s\",\"from\":\"%s\","
                                           "\"to\":\"+74951234567\"}", call_id, CALLER);

  return pbx ("route", body);
}

static void
event (const char *call_id,
       const char *name,
       const char *user)
{
  g_autofree char *user_part = user != NULL ? g_strdup_printf (",\"user\":\"%s\"", user)
                                            : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"call_id\":\"%s\",\"event\":\"%s\"%s}",
                                           call_id, name, user_part);
  g_autoptr(JsonObject) answer = pbx ("event", body);

  g_assert_true (json_object_get_boolean_member (answer, "applied"));
}

/* ---- waiting for the app ---- */

static gboolean
live_open (gpointer data)
{
  return crm_sync_indicator_get_live (crm_window_get_sync_indicator (window));
}

static gboolean
window_inactive (gpointer data)
{
  return !gtk_window_is_active (GTK_WINDOW (window));
}

static gboolean
card_for_call (gpointer data)
{
  CrmCallCard *card = crm_call_card_get_shown (GTK_WINDOW (window));

  return card != NULL && g_strcmp0 (crm_call_card_get_call (card), data) == 0 &&
         crm_test_ui_widget_is_drawn (card);
}

static gboolean
deal_openable (gpointer data)
{
  CrmCallCard *card = crm_call_card_get_shown (GTK_WINDOW (window));

  return card != NULL &&
         adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (card), "deal");
}

static CrmCallCard *
wait_for_card (const char *call_id)
{
  if (!crm_test_ui_wait_until (card_for_call, (gpointer) call_id, WAIT_MS))
    g_error ("no caller's card for the call %s", call_id);
  return crm_call_card_get_shown (GTK_WINDOW (window));
}

static char *
card_text (CrmCallCard *card)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, card);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
        g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("«%s» is not in:\n%s", needle, text);
}

static CrmNotificationButton *
bell (void)
{
  GtkWidget *found = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_NOTIFICATION_BUTTON, NULL);

  g_assert_nonnull (found);
  return CRM_NOTIFICATION_BUTTON (found);
}

static gboolean
has_unread (gpointer data)
{
  return crm_notification_button_get_n_unread (bell ()) >= GPOINTER_TO_UINT (data);
}

/* ---- tests ---- */

static void
test_new_number (void)
{
  g_autoptr(JsonObject) answer = route ("ui-card-1");
  const char *call = json_object_get_string_member (answer, "call");
  const char *deal = json_object_get_string_member (answer, "deal");
  g_autofree char *view = g_strconcat ("deal:", deal, NULL);
  g_autofree char *text = NULL;
  GtkWidget *open_button;
  CrmCallCard *card;

  /* the route rang her: the card is over the window */
  g_assert_nonnull (deal);
  card = wait_for_card (call);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (card)), ==, "New Number");
  text = card_text (card);
  assert_has (text, "+7 903 555-01-77");
  g_assert_cmpstr (crm_call_card_get_deal (card), ==, deal);
  g_assert_false (gtk_window_get_modal (GTK_WINDOW (card)));

  /* the new deal comes with the sync the call set off; then one click opens it */
  if (!crm_test_ui_wait_until (deal_openable, NULL, WAIT_MS))
    g_error ("the new caller's deal never reached the app");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (card), "call-card-new"));
  open_button = crm_test_ui_find (GTK_WIDGET (card), GTK_TYPE_BUTTON, "Open _Deal");
  g_assert_nonnull (open_button);
  g_assert_true (gtk_widget_get_sensitive (open_button));
  gtk_widget_activate (open_button);
  crm_test_ui_wait (300);
  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_null (crm_call_card_get_shown (GTK_WINDOW (window)));

  /* she answers: the number is her client from now on */
  event ("ui-card-1", "answered", REP);
  event ("ui-card-1", "ended", NULL);
}

static void
test_known_caller_missed (void)
{
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *text = NULL;
  GtkWidget *popover;
  GtkWidget *other;
  CrmCallCard *card;
  guint unread;

  if (!crm_test_notify_require ())
    return;
  /* she is looking at another window: the app is not the active one when the call comes
   * (the card itself takes the focus once shown, so the app decides before that) */
  other = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (other), "Another application");
  gtk_window_present (GTK_WINDOW (other));
  if (!crm_test_ui_wait_until (window_inactive, NULL, WAIT_MS))
    g_error ("another window never took the focus from the app's window");

  /* her client calls again: the card names the deal and its stage, and the desktop hears */
  answer = route ("ui-card-2");
  card = wait_for_card (json_object_get_string_member (answer, "call"));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (card)), !=, "New Number");
  text = card_text (card);
  assert_has (text, "Новая заявка");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (card), "call-card-known"));
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_shows, "Incoming call: ", WAIT_MS));
  gtk_window_destroy (GTK_WINDOW (other));

  /* nobody answers: a notification for her, in the bell and on the desktop */
  unread = crm_notification_button_get_n_unread (bell ());
  event ("ui-card-2", "ended", NULL);
  if (!crm_test_ui_wait_until (has_unread, GUINT_TO_POINTER (unread + 1), WAIT_MS))
    g_error ("the missed call's notification never reached the bell");
  g_assert_true (crm_test_ui_wait_until (crm_test_notify_shows, "Missed call from +7 903 555-01-77",
                                         WAIT_MS));
  /* the live channel's notification event showed it at once; the sync's copy is not a
   * second one */
  g_assert_cmpuint (crm_test_notify_count ("Missed call from +7 903 555-01-77"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (card));
  popover = crm_notification_button_get_popover (bell ());
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (300);
  g_assert_nonnull (crm_test_ui_find (popover, ADW_TYPE_ACTION_ROW,
                                      "Missed call from +7 903 555-01-77"));
  g_free (crm_test_ui_screenshot (popover, "call-missed-notification"));
  gtk_popover_popdown (GTK_POPOVER (popover));
}

static void
set_up (void)
{
  g_auto(CrmTestRun) run = { 0 };
  CrmTestReplica laptop = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *token = NULL;

  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* plain HTTP on loopback: the app trusts http://127.0.0.1 as it is */
  server = crm_test_server_start (data_dir, TRUE, NULL);
  server_admin (&run, "telephony", "token", "acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  pbx_token = g_strdup (g_strstrip (run.out));
  server_admin (&run, "telephony", "set", "acme", "--hours", "00:00-24:00", "--days", "mon-sun",
                "--zone", "UTC", NULL);
  if (run.status != 0)
    g_error ("telephony set failed: %s%s", run.out, run.err);

  /* her laptop, signed in as the sign-in dialog leaves it */
  crm_test_replica_open (&laptop, server, tmpdir, "laptop.db", REP, REP_PASSWORD);
  token = crm_test_replica_sign_in_app (&laptop, server);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  crm_window_restart_sync (window, token);
  if (!crm_test_ui_wait_until (live_open, NULL, WAIT_MS))
    g_error ("the app's live channel never opened");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("VORONKA_SERVER"));
  crm_test_notify_start ();
  set_up ();

  g_test_add_func ("/ui/call-card/new-number", test_new_number);
  g_test_add_func ("/ui/call-card/known-caller-missed", test_known_caller_missed);
  status = g_test_run ();

  crm_test_ui_stop (app);
  crm_test_notify_stop ();
  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  g_free (db_path);
  g_free (pbx_token);
  return status;
}
