/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-invite.c — inviting a colleague in the real app, against a real voronka-server
 * on 127.0.0.1: the administrator's Account Setup, Users page, «Invite…» asks for a name
 * and a role and shows the server's one-time code with the server's address; the new
 * user's sign-in dialog, «I have an invitation code», takes the address, the code and a
 * password typed twice, makes the user on the server and downloads the account; the same
 * code a second time is refused in words that say so. The codes still waiting are listed
 * under the people (role, expiry) and one is withdrawn, asked first: its code is then
 * refused at sign-in. An invitation takes a role of the account's own too. Screenshots in
 * English and Russian. */
#include "crm-test-ui.h"

#include <sqlite3.h>

#include "crm-query.h"
#include "crm-setup.h"
#include "crm-setup-window.h"
#include "crm-signin-dialog.h"
#include "crm-sync-controller.h"
#include "crm-test-server.h"

#define WAIT_MS 30000

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static char *db_path;
static char *token;
static CrmApplication *app;
static CrmWindow *window;
static CrmSetupWindow *setup;
static char *invite_code;

/* The first descendant of @root of @type named @name (gtk_widget_set_name). */
static GtkWidget *
find_named (GtkWidget  *root,
            GType       type,
            const char *name)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
          g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
        {
          g_queue_clear (&queue);
          return widget;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return NULL;
}

static CrmSetupWindow *
open_users (void)
{
  if (setup == NULL)
    {
      setup = crm_setup_window_new (GTK_WINDOW (window), crm_window_get_context (window));
      g_object_add_weak_pointer (G_OBJECT (setup), (gpointer *) &setup);
      gtk_window_present (GTK_WINDOW (setup));
      g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, setup, 10000));
    }
  crm_setup_window_show_page (setup, CRM_SETUP_PAGE_USERS);
  return setup;
}

/* The users page's «Invite…» button, clicked: the dialog asking for a name and a role. */
static AdwMessageDialog *
open_invite_dialog (void)
{
  GtkWidget *button = find_named (GTK_WIDGET (open_users ()), GTK_TYPE_BUTTON, "invite");
  AdwMessageDialog *dialog;

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  return dialog;
}

static gboolean
sync_ready (gpointer data)
{
  GObject *sync = crm_context_get_sync (crm_window_get_context (window));

  return sync != NULL && crm_sync_controller_is_active (CRM_SYNC_CONTROLLER (sync));
}

static gboolean
code_made (gpointer data)
{
  return crm_setup_window_get_last_invite_code (setup) != NULL;
}

/* The invitation for @name the server keeps (`voronka-server user invites --json`, as the
 * administrator reads it there). */
static JsonObject *
server_invite (const char *name)
{
  const char *argv[] = { g_getenv ("VORONKA_SERVER"), "--data", data_dir, "user", "invites",
                         "acme", "--json", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *invite;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  node = crm_test_parse_json (out);
  invite = crm_test_find_object (json_node_get_array (node), "name", name);
  g_assert_nonnull (invite);
  return json_object_ref (invite);
}

/* The administrator makes a code for «Анна Петрова», a manager. */
static void
test_invite_dialog (void)
{
  AdwMessageDialog *dialog;
  GtkWidget *name;
  GtkWidget *role;
  GtkWidget *days;
  GtkWidget *shown;

  g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
  dialog = open_invite_dialog ();
  name = find_named (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, "invite-name");
  role = find_named (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, "invite-role");
  g_assert_nonnull (name);
  g_assert_nonnull (role);
  /* no name, no code */
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "invite"));
  gtk_editable_set_text (GTK_EDITABLE (name), "Анна Петрова");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "invite"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (role), 1);   /* Manager */
  /* 7 days unless chosen otherwise; this code works for 14 */
  days = find_named (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, "invite-days");
  g_assert_nonnull (days);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "7 days"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (days), 3);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "14 days"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "setup-invite-dialog"));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Make a Code");

  g_assert_true (crm_test_ui_wait_until (code_made, NULL, WAIT_MS));
  invite_code = g_strdup (crm_setup_window_get_last_invite_code (setup));
  g_assert_cmpuint (strlen (invite_code), ==, 14);
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  /* the code and the address to pass on, as the administrator reads them */
  shown = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, invite_code);
  g_assert_nonnull (shown);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, server->url));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "setup-invite-code"));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Close");

  /* the server keeps it for the 14 days chosen (`user invites`, as the administrator
   * reads it there) */
  {
    g_autoptr(JsonObject) invite = server_invite ("Анна Петрова");
    g_autoptr(GDateTime) expires = NULL;
    gint64 days_left;

    expires = g_date_time_new_from_iso8601 (crm_test_get_string (invite, "expires_at"), NULL);
    g_assert_nonnull (expires);
    days_left = (g_date_time_to_unix (expires) - g_get_real_time () / G_USEC_PER_SEC) / 3600;
    g_assert_cmpint (days_left, >, 14 * 24 - 2);
    g_assert_cmpint (days_left, <=, 14 * 24);
  }
}

typedef struct {
  CrmSigninDialog *dialog;
  char            *replica;
} SignedIn;

static void
signed_in_cb (CrmSigninDialog *dialog,
              const char      *path,
              SignedIn        *signed_in)
{
  signed_in->replica = g_strdup (path);
}

static gboolean
status_contains (gpointer data)
{
  SignedIn *signed_in = data;

  return signed_in->replica == NULL &&
         strstr (crm_signin_dialog_get_status (signed_in->dialog), "already used") != NULL;
}

static gboolean
has_replica (gpointer data)
{
  return ((SignedIn *) data)->replica != NULL;
}

static CrmSigninDialog *
new_signin (const char *file,
            SignedIn   *signed_in)
{
  g_autofree char *path = g_build_filename (tmpdir, file, NULL);
  CrmSigninDialog *dialog = crm_signin_dialog_new (GTK_WINDOW (window), path, NULL);

  signed_in->dialog = dialog;
  g_signal_connect (dialog, "signed-in", G_CALLBACK (signed_in_cb), signed_in);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  return dialog;
}

/* The new user joins with the code; the code then works no more. */
static void
test_signin_invite (void)
{
  SignedIn first = { NULL, NULL };
  SignedIn second = { NULL, NULL };
  CrmSigninDialog *dialog;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *user = NULL;
  g_autofree char *anna = NULL;

  g_assert_nonnull (invite_code);
  dialog = new_signin ("anna.db", &first);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &first.dialog);
  /* the passwords must match, before anything is sent */
  crm_signin_dialog_fill_invite (dialog, server->url, invite_code, "anna-secret-1",
                                 "anna-secret-2");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_nonnull (strstr (crm_signin_dialog_get_status (dialog), "differ"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin-invite"));
  crm_signin_dialog_fill_invite (dialog, server->url, invite_code, "anna-secret-1",
                                 "anna-secret-1");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_true (crm_test_ui_wait_until (has_replica, &first, WAIT_MS));

  store = crm_test_ui_open_replica (first.replica);
  user = crm_store_dup_meta (store, "sync.user");
  g_assert_cmpstr (user, ==, "Анна Петрова@acme");
  anna = crm_query_resolve (store, "user", "Анна Петрова", NULL, NULL);
  g_assert_nonnull (anna);
  g_clear_object (&store);
  g_free (first.replica);

  /* the same code again: refused, saying it was used */
  dialog = new_signin ("again.db", &second);
  crm_signin_dialog_fill_invite (dialog, server->url, invite_code, "other-secret-1",
                                 "other-secret-1");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "signin.sign-in", NULL));
  g_assert_true (crm_test_ui_wait_until (status_contains, &second, WAIT_MS));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "signin-invite-used"));
  g_assert_null (strstr (crm_signin_dialog_get_status (dialog), "Cannot reach"));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The row of the invitation waiting for @name in the Users page's list, or NULL. */
static GtkWidget *
invite_row (const char *name)
{
  g_autofree char *id = g_strconcat ("invite:", name, NULL);

  return crm_setup_window_get_row (setup, id);
}

typedef struct {
  const char *listed;     /* must be in the list, or NULL */
  const char *unlisted;   /* must not be, or NULL */
} Listed;

static gboolean
list_shows (gpointer data)
{
  Listed *listed = data;

  return setup != NULL && (listed->listed == NULL || invite_row (listed->listed) != NULL) &&
         (listed->unlisted == NULL || invite_row (listed->unlisted) == NULL);
}

#define NO_INVITES "No invitation is waiting: «Invite…» makes a one-time code for a new colleague"

static gboolean
shows_empty_list (gpointer data)
{
  return crm_test_ui_find (GTK_WIDGET (setup), ADW_TYPE_ACTION_ROW, NO_INVITES) != NULL;
}

#define INVITES_UNREADABLE "The invitations are kept on the server and could not be read"

static gboolean
shows_unreadable_list (gpointer data)
{
  return crm_test_ui_find (GTK_WIDGET (setup), ADW_TYPE_ACTION_ROW, INVITES_UNREADABLE) != NULL;
}

static gboolean
code_changed (gpointer data)
{
  return g_strcmp0 (crm_setup_window_get_last_invite_code (setup), data) != 0;
}

/* The administrator invites @name as @role (what «Make a Code» activates) and closes the
 * dialog showing the code; the code. */
static char *
invite_through_app (const char *name,
                    const char *role)
{
  g_autofree char *before = g_strdup (crm_setup_window_get_last_invite_code (setup));
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.invite", "(ssu)", name,
                                             role, 7));
  g_assert_true (crm_test_ui_wait_until (code_changed, before, WAIT_MS));
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  crm_test_ui_respond (dialog, "_Close");
  return g_strdup (crm_setup_window_get_last_invite_code (setup));
}

static gboolean
status_says_expired (gpointer data)
{
  SignedIn *signed_in = data;

  return signed_in->replica == NULL &&
         strstr (crm_signin_dialog_get_status (signed_in->dialog), "expired") != NULL;
}

/* The invitations waiting, under the people: two made, both listed with their role and
 * expiry; one withdrawn (asked first), one left; the withdrawn code refused at sign-in. */
static void
test_withdraw (void)
{
  g_autofree char *boris_code = NULL;
  g_autofree char *vera_code = NULL;
  Listed both = { "Борис Ильин", NULL };
  Listed one_left = { "Борис Ильин", "Вера Соколова" };
  SignedIn refused = { NULL, NULL };
  AdwMessageDialog *dialog;
  GtkWidget *row;
  GtkWidget *withdraw;

  g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
  open_users ();
  /* Анна used hers: it is no longer waiting, and nobody else is invited yet */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.invites-refresh", NULL));
  g_assert_true (crm_test_ui_wait_until (shows_empty_list, NULL, WAIT_MS));
  {
    /* the page scrolled down to the empty list, for the picture */
    GtkWidget *scrolled = gtk_widget_get_ancestor (
      crm_test_ui_find (GTK_WIDGET (setup), ADW_TYPE_ACTION_ROW, NO_INVITES),
      GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (setup), "setup-invites-none"));
  boris_code = invite_through_app ("Борис Ильин", "rep");
  vera_code = invite_through_app ("Вера Соколова", "manager");
  both.listed = "Вера Соколова";
  g_assert_true (crm_test_ui_wait_until (list_shows, &both, WAIT_MS));
  g_assert_nonnull (invite_row ("Борис Ильин"));
  g_assert_null (invite_row ("Анна Петрова"));
  /* each with its role and the day its code expires */
  row = invite_row ("Вера Соколова");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   "Manager · expires "));
  /* and who made it: the administrator signed in to this app */
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   " · invited by admin"));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (
                                     ADW_ACTION_ROW (invite_row ("Борис Ильин"))),
                                   "Sales rep · expires "));
  /* the keyboard reaches the list (and the page scrolls to it) */
  g_assert_true (gtk_widget_grab_focus (row));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (setup), "setup-invites"));

  /* «Withdraw» on Вера's row: asked first; «Cancel» keeps it */
  withdraw = find_named (row, GTK_TYPE_BUTTON, "invite-withdraw");
  g_assert_nonnull (withdraw);
  /* reachable from the keyboard */
  g_assert_true (gtk_widget_get_focusable (withdraw));
  g_assert_true (gtk_widget_grab_focus (withdraw));
  g_signal_emit_by_name (withdraw, "clicked");
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==,
                   "Withdraw the Invitation for Вера Соколова?");
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Cancel");
  crm_test_ui_wait (500);
  g_assert_nonnull (invite_row ("Вера Соколова"));
  g_signal_emit_by_name (find_named (invite_row ("Вера Соколова"), GTK_TYPE_BUTTON,
                                     "invite-withdraw"), "clicked");
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "setup-invite-withdraw"));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Withdraw the Invitation");
  g_assert_true (crm_test_ui_wait_until (list_shows, &one_left, WAIT_MS));
  g_assert_nonnull (strstr (crm_setup_window_get_last_toast (setup),
                            "Invitation for Вера Соколова withdrawn"));

  /* her code no longer works */
  new_signin ("vera.db", &refused);
  crm_signin_dialog_fill_invite (refused.dialog, server->url, vera_code, "vera-secret-1",
                                 "vera-secret-1");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (refused.dialog), "signin.sign-in",
                                             NULL));
  g_assert_true (crm_test_ui_wait_until (status_says_expired, &refused, WAIT_MS));
  g_assert_nonnull (strstr (crm_signin_dialog_get_status (refused.dialog),
                            "ask your administrator for a new one"));
  gtk_window_destroy (GTK_WINDOW (refused.dialog));

  /* the server away: the list says it lives there and could not be read, and why — not
   * an empty list; back once the server is */
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.invites-refresh", NULL));
  g_assert_true (crm_test_ui_wait_until (shows_unreadable_list, NULL, WAIT_MS));
  {
    GtkWidget *error_row = crm_test_ui_find (GTK_WIDGET (setup), ADW_TYPE_ACTION_ROW,
                                             INVITES_UNREADABLE);

    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (error_row)),
                              "Could not reach the server"));
    g_assert_null (invite_row ("Борис Ильин"));
    g_assert_false (shows_empty_list (NULL));
    gtk_widget_grab_focus (gtk_widget_get_parent (error_row));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (setup), "setup-invites-offline"));
  }
  crm_test_server_restart (server);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.invites-refresh", NULL));
  g_assert_true (crm_test_ui_wait_until (list_shows, &one_left, WAIT_MS));
}

/* In a process of its own: both dialogs in Russian. */
static void
russian_dialogs (void)
{
  CrmApplication *ru_app = crm_test_ui_start (g_getenv ("VORONKA_TEST_UI_DB"));
  AdwMessageDialog *dialog;
  CrmSigninDialog *signin;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "voronka-invite-ru.db", NULL);

  window = crm_test_ui_main_window (ru_app);
  crm_window_restart_sync (window, g_getenv ("VORONKA_TEST_INVITE_TOKEN"));
  dialog = open_invite_dialog ();
  gtk_editable_set_text (GTK_EDITABLE (find_named (GTK_WIDGET (dialog), GTK_TYPE_ENTRY,
                                                   "invite-name")), "Анна Петрова");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "setup-invite-dialog-ru"));
  g_assert_null (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "_Full Name"));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL, "_Имя"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  signin = crm_signin_dialog_new (GTK_WINDOW (window), path, NULL);
  gtk_window_present (GTK_WINDOW (signin));
  crm_signin_dialog_fill_invite (signin, "https://crm.example.ru:8443", "K7QM-3XRD-W9TB",
                                 "", "");
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, signin, 10000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (signin), "signin.sign-in", NULL));
  g_assert_null (strstr (crm_signin_dialog_get_status (signin), "password"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (signin), "signin-invite-ru"));
  gtk_window_destroy (GTK_WINDOW (signin));

  /* the invitation left waiting (test_withdraw), in Russian */
  {
    Listed boris = { "Борис Ильин", NULL };
    GtkWidget *row;

    g_assert_true (crm_test_ui_wait_until (sync_ready, NULL, WAIT_MS));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (setup), "setup.invites-refresh",
                                               NULL));
    g_assert_true (crm_test_ui_wait_until (list_shows, &boris, WAIT_MS));
    row = invite_row ("Борис Ильин");
    g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                     "Менеджер по продажам · истекает "));
    /* «истекает 14 декабря · пригласил(а): admin»: the month written out, in the genitive
     * (every one ends in «я»), and who made it */
    g_assert_nonnull (g_strrstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                 "я · пригласил(а): admin"));
    g_assert_nonnull (crm_test_ui_find (row, GTK_TYPE_BUTTON, "_Отозвать"));
    g_assert_true (gtk_widget_grab_focus (row));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (setup), "setup-invites-ru"));
  }
  if (setup != NULL)
    gtk_window_destroy (GTK_WINDOW (setup));
  crm_test_ui_stop (ru_app);
}

static void
test_russian (void)
{
  /* the Russian process signs its app in with the administrator's token */
  if (!g_test_subprocess ())
    g_setenv ("VORONKA_TEST_INVITE_TOKEN", token, TRUE);
  crm_test_ui_in_russian ("Invite a User", db_path, russian_dialogs);
}

/* Whether the replica's changes all reached the server (asking it to sync meanwhile). */
static gboolean
all_pushed (gpointer data)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int left = -1;

  crm_sync_controller_sync_now (CRM_SYNC_CONTROLLER (crm_context_get_sync (
    crm_window_get_context (window))));
  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM changelog WHERE local = 1 AND pushed = 0",
                          -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    left = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return left == 0;
}

/* An invitation with a role of the account's own (issue 20): the administrator adds
 * «Старший продавец» in the app; the invite dialog lists it after the built-in roles (the
 * sales rep's chosen unless one picks another), and the server keeps the invitation with
 * that role. */
static void
test_custom_role (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *role_id = NULL;
  g_autofree char *before = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) invite = NULL;
  g_autoptr(GtkStringObject) last = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *name;
  GtkWidget *role;
  GListModel *model;
  guint n;

  changeset = crm_setup_role_add (crm_context_get_store (context), "Старший продавец", "rep",
                                  &role_id, &error);
  g_assert_no_error (error);
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  g_assert_true (crm_test_ui_wait_until (all_pushed, NULL, WAIT_MS));

  dialog = open_invite_dialog ();
  name = find_named (GTK_WIDGET (dialog), GTK_TYPE_ENTRY, "invite-name");
  role = find_named (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, "invite-role");
  model = gtk_drop_down_get_model (GTK_DROP_DOWN (role));
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, ==, 6);
  last = g_list_model_get_item (model, n - 1);
  g_assert_cmpstr (gtk_string_object_get_string (last), ==, "Старший продавец");
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (role)), ==, 4);
  gtk_editable_set_text (GTK_EDITABLE (name), "Ольга Смирнова");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (role), n - 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "setup-invite-custom-role"));
  before = g_strdup (crm_setup_window_get_last_invite_code (setup));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Make a Code");
  g_assert_true (crm_test_ui_wait_until (code_changed, before, WAIT_MS));
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Close");

  invite = server_invite ("Ольга Смирнова");
  g_assert_cmpstr (crm_test_get_string (invite, "role"), ==, role_id);
}

static void
set_up (void)
{
  CrmTestReplica laptop = { 0 };
  g_autoptr(GError) error = NULL;

  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* plain HTTP on loopback: the app trusts http://127.0.0.1 as it is */
  server = crm_test_server_start (data_dir, TRUE, NULL);

  /* the administrator's laptop, signed in as the sign-in dialog leaves it */
  crm_test_replica_open (&laptop, server, tmpdir, "admin.db", "admin", "admin-pw");
  token = crm_test_replica_sign_in_app (&laptop, server);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);
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
      app = crm_test_ui_start (db_path);
      window = crm_test_ui_main_window (app);
      crm_window_restart_sync (window, token);
    }

  g_test_add_func ("/ui/invite/invite-dialog", test_invite_dialog);
  g_test_add_func ("/ui/invite/signin-invite", test_signin_invite);
  g_test_add_func ("/ui/invite/withdraw", test_withdraw);
  g_test_add_func ("/ui/invite/custom-role", test_custom_role);
  g_test_add_func ("/ui/invite/russian", test_russian);
  status = g_test_run ();

  if (!g_test_subprocess ())
    {
      if (setup != NULL)
        gtk_window_destroy (GTK_WINDOW (setup));
      crm_test_ui_stop (app);
      crm_test_server_tear_down (server, tmpdir, status);
    }
  g_free (data_dir);
  g_free (db_path);
  g_free (token);
  g_free (invite_code);
  return status;
}
