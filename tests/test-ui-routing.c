/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-routing.c — the call routing where an administrator looks for automation
 * (issue 18, "routing as rules the admin can see"), against a real voronka-server on
 * 127.0.0.1: the server's `telephony set` is published into the account's replica
 * (crm-server-publish.c), the admin's app syncs it and its Automation view says in
 * Russian whom a new number rings and for how long, the working days, hours and zone, who
 * is on duty, and the users' extensions; a second `telephony set` while the app runs
 * shows after the sync it sets off. Screenshot: automation-routing-ru. */
#include "crm-test-ui.h"

#include "crm-automation-view.h"
#include "crm-call.h"
#include "crm-query.h"
#include "crm-routing-group.h"
#include "crm-sync-indicator.h"
#include "crm-test-server.h"

#define ADMIN          "admin"
#define ADMIN_PASSWORD "admin-pw"
#define WAIT_MS        30000

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

/* `voronka-server --data DIR ARGS…`, which must succeed. */
static void
server_admin (const char *first_arg,
              ...) G_GNUC_NULL_TERMINATED;

static void
server_admin (const char *first_arg,
              ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, data_dir);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("voronka-server %s … failed: %s%s", first_arg, out, err);
}

static gboolean
live_open (gpointer data)
{
  return crm_sync_indicator_get_live (crm_window_get_sync_indicator (window));
}

static CrmRoutingGroup *
routing_group (void)
{
  GtkWidget *view = crm_window_get_page (window, "automation");

  g_assert_nonnull (view);
  return crm_automation_view_get_routing_group (CRM_AUTOMATION_VIEW (view));
}

static const char *
row_says (const char *which)
{
  GtkWidget *row = crm_routing_group_get_row (routing_group (), which);

  return row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;
}

/* The row @which of the routing group says the NULL-terminated texts in data. */
static gboolean
row_says_all (gpointer data)
{
  const char * const *texts = data;
  const char *subtitle = row_says (texts[0]);

  if (subtitle == NULL)
    return FALSE;
  for (guint i = 1; texts[i] != NULL; i++)
    if (strstr (subtitle, texts[i]) == NULL)
      return FALSE;
  return TRUE;
}

static void
wait_for_row (const char * const *texts)
{
  if (!crm_test_ui_wait_until (row_says_all, (gpointer) texts, WAIT_MS))
    g_error ("the routing row «%s» does not say «%s» after %d ms; it says: %s", texts[0],
             texts[1], WAIT_MS, row_says (texts[0]) != NULL ? row_says (texts[0]) : "(no row)");
}

static void
set_up (void)
{
  const char *extra[] = { "--delivery-interval", "1", NULL };
  CrmTestReplica laptop = { 0 };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *rep_id = NULL;

  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* plain HTTP on loopback; the server publishes what changed every second */
  server = crm_test_server_start (data_dir, TRUE, extra);
  server_admin ("telephony", "token", "acme", NULL);
  server_admin ("telephony", "set", "acme", "--ring-seconds", "25", "--hours", "08:30-19:00",
                "--days", "mon-sat", "--zone", "Europe/Samara", "--on-duty", "Денис Морозов",
                NULL);

  /* the admin's laptop, signed in; Мария gets extension 104 there (a user field) */
  crm_test_replica_open (&laptop, server, tmpdir, "admin.db", ADMIN, ADMIN_PASSWORD);
  token = crm_test_replica_sign_in_app (&laptop, server);
  rep_id = crm_query_resolve (laptop.store, "user", "Мария Кузнецова", NULL, &error);
  g_assert_nonnull (rep_id);
  g_assert_true (crm_call_set_extension (laptop.store, changeset, rep_id, "104", &error));
  g_assert_true (crm_store_apply (laptop.store, changeset, &error));
  g_assert_no_error (error);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  crm_window_restart_sync (window, token);
  if (!crm_test_ui_wait_until (live_open, NULL, WAIT_MS))
    g_error ("the app's live channel never opened");
}

static void
test_routing_shown (void)
{
  static const char *const new_number[] = { "new", "25 с", "Входящий звонок", "Перезвонить",
                                            NULL };
  static const char *const hours[] = { "hours", "Пн–Сб 08:30–19:00", "Europe/Samara",
                                       "Денис Морозов", NULL };
  static const char *const extensions[] = { "extensions", "Мария Кузнецова — 104", NULL };
  static const char *const changed[] = { "new", "40 с", NULL };
  static const char *const no_duty[] = { "hours", "Пн–Пт", "никто не дежурит", NULL };
  g_autofree char *po_dir = crm_test_built_translations ();
  GtkWidget *row;

  /* the app in Russian, from the built translation (as test-ui-locale) */
  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return;
    }
  g_setenv ("LANGUAGE", "ru", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  if (g_strcmp0 (_("Contacts"), "Contacts") == 0)
    {
      crm_test_fail_missing ("this system's C library ignores LANGUAGE here");
      return;
    }
  set_up ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                             "automation"));
  /* what `telephony set` said before the app started comes with its first syncs */
  wait_for_row (new_number);
  wait_for_row (hours);
  wait_for_row (extensions);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (routing_group ())));
  g_assert_nonnull (crm_routing_group_get_row (routing_group (), "deal"));
  g_assert_nonnull (crm_routing_group_get_row (routing_group (), "contact"));
  /* the way to change it: the server's command, on a button */
  row = crm_routing_group_get_row (routing_group (), "hours");
  g_assert_nonnull (strstr (g_object_get_data (G_OBJECT (row), "command"),
                            "telephony set acme --hours"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Рабочее время");
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "automation-routing-ru"));

  /* the admin changes it on the server while the app runs: the view follows */
  server_admin ("telephony", "set", "acme", "--ring-seconds", "40", "--days", "mon-fri",
                "--no-duty", NULL);
  wait_for_row (changed);
  wait_for_row (no_duty);
  g_assert_null (strstr (row_says ("hours"), "Денис Морозов"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("VORONKA_SERVER"));
  g_test_add_func ("/ui/routing/shown", test_routing_shown);
  status = g_test_run ();

  if (app != NULL)
    crm_test_ui_stop (app);
  if (server != NULL)
    crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  g_free (db_path);
  return status;
}
