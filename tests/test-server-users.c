/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-users.c — a user's whole life on a real voronka-server on 127.0.0.1, driven
 * by its admin commands while it serves, with real voronkactl processes and sync clients:
 * list, disable (sign-in and an existing token refused with a message that says so) and
 * enable, a password change, removal with the deals going to a colleague's laptop, the
 * shortest password, unknown names; and upgrades: a data folder of the previous server.db
 * layout upgraded in place, data written by a newer server refused at start, --version. */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "config.h"

#include "crm-query.h"
#include "crm-setup.h"
#include "crm-test-pg.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

static char *tmpdir;

/* --- running the programs ---------------------------------------------------------------- */

/* Runs @program with @args (NULL-terminated) and @input on stdin. */
static void
run_argv (CrmTestRun         *run,
          const char         *program,
          const char         *input,
          const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  crm_test_run_clear (run);
  /* no keyring here: voronkactl signs in with the password every time */
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", tmpdir, TRUE);
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  if (strstr (run->err, "CRITICAL") != NULL || strstr (run->err, "WARNING") != NULL)
    g_error ("%s %s: a warning on stderr: %s", program, args[0], run->err);
}

/* `voronka-server --data @dir ARGS…` with @password (or nothing) on stdin. */
static void
admin (CrmTestRun *run,
       const char *dir,
       const char *password,
       ...) G_GNUC_NULL_TERMINATED;

static void
admin (CrmTestRun *run,
       const char *dir,
       const char *password,
       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *input = password ? g_strconcat (password, "\n", NULL) : NULL;
  va_list ap;

  g_ptr_array_add (args, "--data");
  g_ptr_array_add (args, (gpointer) dir);
  /* the -pg run of the matrix: the data folder's database (crm-test-server.c) */
  if (crm_test_server_database (dir) != NULL)
    {
      g_ptr_array_add (args, "--database");
      g_ptr_array_add (args, (gpointer) crm_test_server_database (dir));
    }
  va_start (ap, password);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  run_argv (run, g_getenv ("VORONKA_SERVER"), input, (const char * const *) args->pdata);
}

/* `voronkactl --db REPLICA sync` signing in as @user with @password. */
static void
ctl_sync (CrmTestRun    *run,
          CrmTestServer *server,
          const char    *replica,
          const char    *user,
          const char    *password)
{
  g_autofree char *path = g_build_filename (tmpdir, replica, NULL);
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  const char *args[] = { "--db", path, "sync", "--server", server->url, "--user", user,
                         "--password-stdin", "--ca-file", server->cert, NULL };

  run_argv (run, g_getenv ("VORONKACTL"), input, args);
}

static void
assert_ctl_sync_ok (CrmTestServer *server,
                    const char    *replica,
                    const char    *user,
                    const char    *password)
{
  g_auto(CrmTestRun) run = { 0 };

  ctl_sync (&run, server, replica, user, password);
  if (run.status != 0)
    g_error ("voronkactl sync as %s failed (%d): %s", user, run.status, run.err);
}

/* voronkactl sync refused: exit 1, and stderr says @needle. */
static void
assert_ctl_sync_refused (CrmTestServer *server,
                         const char    *replica,
                         const char    *user,
                         const char    *password,
                         const char    *needle)
{
  g_auto(CrmTestRun) run = { 0 };

  ctl_sync (&run, server, replica, user, password);
  g_assert_cmpint (run.status, ==, 1);
  if (strstr (run.err, needle) == NULL)
    g_error ("voronkactl sync as %s: expected «%s» in: %s", user, needle, run.err);
}

/* A sync client holding only @token (no password), as a laptop after its first sync. */
static GError *
sync_with_token (CrmTestServer *server,
                 const char    *replica,
                 const char    *user,
                 const char    *token)
{
  g_autofree char *path = g_build_filename (tmpdir, replica, NULL);
  g_autoptr(CrmSyncClient) client = crm_sync_client_new (path, server->url, user);
  g_autoptr(CrmSyncReport) report = NULL;
  GError *error = NULL;

  g_assert_true (crm_sync_client_set_ca_file (client, server->cert, NULL));
  crm_sync_client_set_token (client, token);
  report = crm_sync_client_sync (client, NULL, &error);
  g_assert_true ((report == NULL) == (error != NULL));
  return error;
}

/* The first sync of a laptop with the library: returns its token. */
static char *
first_sync (CrmTestServer *server,
            const char    *replica,
            const char    *user,
            const char    *password)
{
  g_autofree char *path = g_build_filename (tmpdir, replica, NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, user, password);
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);

  g_assert_nonnull (report->token);
  return g_strdup (report->token);
}

static JsonArray *
user_list (const char *dir)
{
  g_auto(CrmTestRun) run = { 0 };
  JsonNode *node;
  JsonArray *array;

  admin (&run, dir, NULL, "user", "list", "acme", "--json", NULL);
  if (run.status != 0)
    g_error ("user list failed (%d): %s", run.status, run.err);
  node = crm_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  array = json_array_ref (json_node_get_array (node));
  json_node_unref (node);
  return array;
}

static const char *
state_of (JsonArray  *users,
          const char *name)
{
  JsonObject *user = crm_test_find_object (users, "name", name);

  g_assert_nonnull (user);
  return json_object_get_string_member (user, "state");
}

/* --- the fixture: a data folder per test ------------------------------------------------- */

static void
setup (void)
{
  tmpdir = crm_test_make_tmpdir ();
}

static void
teardown (void)
{
  crm_test_remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* --- tests ------------------------------------------------------------------------------- */

static void
test_list_and_unknown (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_auto(CrmTestRun) run = { 0 };
  static const char *const commands[][2] = {
    { "revoke", NULL }, { "disable", NULL }, { "enable", NULL }, { "remove", "--reassign-to" },
    { "password", "--password-stdin" },
  };

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  users = user_list (dir);
  g_assert_cmpuint (json_array_get_length (users), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (crm_test_find_object (users, "name", "manager"),
                                                  "role"), ==, "manager");
  g_assert_cmpstr (json_object_get_string_member (crm_test_find_object (users, "name", "admin"),
                                                  "role"), ==, "admin");
  g_assert_cmpstr (state_of (users, "Мария Кузнецова"), ==, "active");
  g_assert_true (json_object_has_member (crm_test_find_object (users, "name", "admin"),
                                         "last_seen"));

  /* the text form names everyone too */
  admin (&run, dir, NULL, "user", "list", "acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Денис Морозов"));
  g_assert_nonnull (strstr (run.out, "manager"));

  /* a mistyped name is an error (exit 1) that says who is not there, for every command */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (commands[i][1] != NULL && g_str_equal (commands[i][1], "--reassign-to"))
        admin (&run, dir, NULL, "user", commands[i][0], "acme", "nobody", "--reassign-to",
               "manager", NULL);
      else
        admin (&run, dir, "a-long-password", "user", commands[i][0], "acme", "nobody",
               commands[i][1], NULL);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, "«nobody»"));
    }
  admin (&run, dir, NULL, "user", "list", "acme", "nobody", NULL);
  g_assert_cmpint (run.status, ==, 1);
  admin (&run, dir, NULL, "user", "list", "no-such-account", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no-such-account"));

  /* the shortest password is refused, clearly, and nothing is added */
  admin (&run, dir, "short", "user", "add", "acme", "olga", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "at least 8 characters"));
  admin (&run, dir, "1234567", "user", "password", "acme", "manager", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "at least 8 characters"));
  g_clear_pointer (&users, json_array_unref);
  users = user_list (dir);
  g_assert_cmpuint (json_array_get_length (users), ==, 4);

  /* help for a group of commands, like every command's */
  admin (&run, dir, NULL, "account", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "account create"));
  admin (&run, dir, NULL, "user", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "user remove ACCOUNT NAME --reassign-to NAME"));
  teardown ();
}

static void
test_disable_enable (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_auto(CrmTestRun) run = { 0 };

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (dir, FALSE, NULL);

  /* a laptop signed in and synced */
  token = first_sync (server, "denis.db", "Денис Морозов", "rep-password");
  error = sync_with_token (server, "denis.db", "Денис Морозов", token);
  g_assert_no_error (error);

  /* disabled while the server runs: the very next request with his token is refused, and
   * so is his password, both with a message that says why */
  admin (&run, dir, NULL, "user", "disable", "acme", "Денис Морозов", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "audit: user.disable account «acme» user «Денис Морозов»"));
  error = sync_with_token (server, "denis.db", "Денис Морозов", token);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Your account has been disabled; ask your administrator");
  g_clear_error (&error);
  assert_ctl_sync_refused (server, "denis-ctl.db", "Денис Морозов", "rep-password",
                           "Your account has been disabled; ask your administrator");
  /* a wrong password says nothing about the account */
  assert_ctl_sync_refused (server, "denis-ctl.db", "Денис Морозов", "wrong-password",
                           "Wrong user name or password");
  users = user_list (dir);
  g_assert_cmpstr (state_of (users, "Денис Морозов"), ==, "disabled");
  g_assert_cmpstr (state_of (users, "Мария Кузнецова"), ==, "active");
  /* the others work on */
  assert_ctl_sync_ok (server, "maria-ctl.db", "Мария Кузнецова", "rep-password");

  /* enabled: the password signs in again; the old token stays ended */
  admin (&run, dir, NULL, "user", "enable", "acme", "Денис Морозов", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_ctl_sync_ok (server, "denis-ctl.db", "Денис Морозов", "rep-password");
  error = sync_with_token (server, "denis.db", "Денис Морозов", token);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED);
  g_clear_pointer (&users, json_array_unref);
  users = user_list (dir);
  g_assert_cmpstr (state_of (users, "Денис Морозов"), ==, "active");

  /* someone hired while the server runs signs in without a restart */
  admin (&run, dir, "olga-password", "user", "add", "acme", "olga", "--role", "manager",
         "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_ctl_sync_ok (server, "olga.db", "olga", "olga-password");

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  /* nothing went wrong on the server but the failed sign-ins the test made */
  g_assert_cmpuint (crm_test_server_count_log (server, "WARNING", NULL), ==,
                    crm_test_server_count_log (server, "WARNING", "sign-in failed", NULL));
  teardown ();
}

static void
test_password (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CrmTestRun) run = { 0 };

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (dir, FALSE, NULL);
  token = first_sync (server, "manager.db", "manager", "manager-pw");

  admin (&run, dir, "a new long password", "user", "password", "acme", "manager",
         "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "«manager»"));
  assert_ctl_sync_refused (server, "manager-ctl.db", "manager", "manager-pw",
                           "Wrong user name or password");
  assert_ctl_sync_ok (server, "manager-ctl.db", "manager", "a new long password");
  /* the sessions of the old password ended */
  error = sync_with_token (server, "manager.db", "manager", token);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED);

  /* a refused change leaves the password as it was */
  admin (&run, dir, "short", "user", "password", "acme", "manager", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_ctl_sync_ok (server, "manager-ctl.db", "manager", "a new long password");

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  teardown ();
}

static char *
add_deal (CrmStore   *store,
          const char *title,
          const char *responsible)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, NULL);
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, NULL);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  g_assert_nonnull (stage);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static void
add_task (CrmStore   *store,
          const char *deal,
          const char *text,
          const char *responsible,
          gboolean    done)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "task", id);

  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", text);
  crm_change_set_string (change, "type", "call");
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "due", crm_store_get_now (store) + 86400000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_bool (change, "done", done);
  if (done)
    {
      crm_change_set_string (change, "result", "Договорились о встрече");
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* The deals of `voronkactl deal list --json` on @replica responsible for @name. */
static guint
count_deals_of (const char *replica,
                const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, replica, NULL);
  g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "deal", "list", "--limit", "1000",
                                              NULL);
  JsonArray *deals = JSON_NODE_HOLDS_ARRAY (node)
                     ? json_node_get_array (node)
                     : json_object_get_array_member (json_node_get_object (node), "deals");

  return crm_test_count_objects (deals, "responsible", name);
}

static void
test_remove (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *admin_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_auto(CrmTestRun) run = { 0 };

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (dir, FALSE, NULL);
  token = first_sync (server, "maria.db", "Мария Кузнецова", "rep-password");
  admin_path = g_build_filename (tmpdir, "admin.db", NULL);
  g_free (first_sync (server, "admin.db", "admin", "admin-pw"));

  /* Мария's three deals, an open task and a done one; the manager's laptop has them */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autofree char *maria = crm_query_resolve (store, "user", "Мария Кузнецова", NULL, NULL);
    g_autofree char *deal = NULL;
    g_autoptr(CrmSyncClient) client = NULL;
    g_autoptr(CrmSyncReport) report = NULL;

    g_assert_nonnull (maria);
    deal = add_deal (store, "MAN TGX для Логистик-Сервис", maria);
    g_free (add_deal (store, "Volvo FH для ТрансСибири", maria));
    g_free (add_deal (store, "КАМАЗ 54901 для АвтоЛайн", maria));
    add_task (store, deal, "Позвонить о лизинге", maria, FALSE);
    add_task (store, deal, "Первый звонок", maria, TRUE);
    g_clear_object (&store);
    client = crm_test_client_new (server, admin_path, "admin", "admin-pw");
    report = crm_test_sync (client);
    g_assert_cmpuint (report->pushed, >=, 5);
  }
  assert_ctl_sync_ok (server, "manager.db", "manager", "manager-pw");
  g_assert_cmpuint (count_deals_of ("manager.db", "Мария Кузнецова"), ==, 3);
  g_assert_cmpuint (count_deals_of ("manager.db", "manager"), ==, 0);

  /* she leaves: the manager takes over, while the server runs */
  admin (&run, dir, NULL, "user", "remove", "acme", "Мария Кузнецова", "--reassign-to",
         "manager", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) node = crm_test_parse_json (run.out);
    JsonObject *result = json_node_get_object (node);

    g_assert_cmpint (json_object_get_int_member (result, "deals"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (result, "tasks"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (result, "reassigned_to"), ==, "manager");
  }
  g_assert_nonnull (strstr (run.err, "audit: user.remove account «acme» user «Мария Кузнецова»"));

  /* the manager's laptop gets her deals with its next sync */
  assert_ctl_sync_ok (server, "manager.db", "manager", "manager-pw");
  g_assert_cmpuint (count_deals_of ("manager.db", "manager"), ==, 3);
  g_assert_cmpuint (count_deals_of ("manager.db", "Мария Кузнецова"), ==, 0);
  {
    g_autofree char *path = g_build_filename (tmpdir, "manager.db", NULL);
    g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "task", "list", NULL);
    JsonArray *tasks = JSON_NODE_HOLDS_ARRAY (node)
                       ? json_node_get_array (node)
                       : json_object_get_array_member (json_node_get_object (node), "tasks");
    JsonObject *open = crm_test_find_object (tasks, "text", "Позвонить о лизинге");
    JsonObject *done = crm_test_find_object (tasks, "text", "Первый звонок");

    g_assert_nonnull (open);
    g_assert_cmpstr (json_object_get_string_member (open, "responsible"), ==, "manager");
    /* what she did stays hers */
    if (done != NULL)
      g_assert_cmpstr (json_object_get_string_member (done, "responsible"), ==,
                       "Мария Кузнецова");
  }

  /* her laptop's token and her password are refused, her token with the reason */
  error = sync_with_token (server, "maria.db", "Мария Кузнецова", token);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Your account has been removed; ask your administrator");
  g_clear_error (&error);
  assert_ctl_sync_refused (server, "maria-ctl.db", "Мария Кузнецова", "rep-password",
                           "Wrong user name or password");
  users = user_list (dir);
  g_assert_cmpstr (state_of (users, "Мария Кузнецова"), ==, "removed");
  /* and nothing more can be done to her but adding her again */
  admin (&run, dir, NULL, "user", "enable", "acme", "Мария Кузнецова", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "was removed"));
  admin (&run, dir, NULL, "user", "remove", "acme", "manager", "--reassign-to",
         "Мария Кузнецова", NULL);
  g_assert_cmpint (run.status, ==, 1);
  admin (&run, dir, NULL, "user", "remove", "acme", "manager", "--reassign-to", "manager", NULL);
  g_assert_cmpint (run.status, ==, 1);
  admin (&run, dir, NULL, "user", "remove", "acme", "manager", NULL);
  g_assert_cmpint (run.status, ==, 2);

  admin (&run, dir, "maria-is-back", "user", "add", "acme", "Мария Кузнецова",
         "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_ctl_sync_ok (server, "maria-ctl.db", "Мария Кузнецова", "maria-is-back");

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  /* nothing went wrong on the server but the failed sign-ins the test made */
  g_assert_cmpuint (crm_test_server_count_log (server, "WARNING", NULL), ==,
                    crm_test_server_count_log (server, "WARNING", "sign-in failed", NULL));
  teardown ();
}

/* An admin deactivates a rep in the app (core's change set, written on the admin's laptop
 * and pushed by sync, as the app does): her open deals and tasks are the manager's on every
 * replica that syncs, her token and her password are refused with words that say so, and
 * a manager cannot do it (refused on his laptop, offline). Reactivated, she signs in. */
static void
test_deactivate_in_app (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *admin_path = NULL;
  g_autofree char *manager_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *refusal = "An administrator deactivated your account; your open deals and "
                        "tasks went to a colleague. Ask your administrator if this is a mistake";

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (dir, FALSE, NULL);
  token = first_sync (server, "maria.db", "Мария Кузнецова", "rep-password");
  admin_path = g_build_filename (tmpdir, "admin.db", NULL);
  manager_path = g_build_filename (tmpdir, "manager.db", NULL);
  g_free (first_sync (server, "admin.db", "admin", "admin-pw"));
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autofree char *maria = crm_query_resolve (store, "user", "Мария Кузнецова", NULL, NULL);
    g_autofree char *deal = NULL;
    g_autoptr(CrmSyncClient) client = NULL;
    g_autoptr(CrmSyncReport) report = NULL;

    deal = add_deal (store, "MAN TGX для Логистик-Сервис", maria);
    g_free (add_deal (store, "Volvo FH для ТрансСибири", maria));
    add_task (store, deal, "Позвонить о лизинге", maria, FALSE);
    g_clear_object (&store);
    client = crm_test_client_new (server, admin_path, "admin", "admin-pw");
    report = crm_test_sync (client);
  }
  assert_ctl_sync_ok (server, "manager.db", "manager", "manager-pw");
  g_assert_cmpuint (count_deals_of ("manager.db", "Мария Кузнецова"), ==, 2);

  /* a manager may not deactivate anyone: refused on his laptop, nothing written */
  crm_test_ctl (&run, manager_path, NULL, "--as", "manager", "user", "deactivate",
                "Мария Кузнецова", "--reassign-to", "manager", NULL);
  g_free (crm_test_assert_refused (&run, "permission-denied"));
  g_assert_cmpuint (count_deals_of ("manager.db", "Мария Кузнецова"), ==, 2);

  /* the admin deactivates her on the laptop and syncs */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autofree char *maria = crm_query_resolve (store, "user", "Мария Кузнецова", NULL, NULL);
    g_autofree char *manager = crm_query_resolve (store, "user", "manager", NULL, NULL);
    g_autofree char *admin_id = crm_query_resolve (store, "user", "admin", NULL, NULL);
    g_autoptr(CrmChangeset) changeset = NULL;
    g_autoptr(CrmSyncClient) client = NULL;
    g_autoptr(CrmSyncReport) report = NULL;
    guint deals = 0, tasks = 0;

    changeset = crm_setup_user_deactivate (store, maria, manager, &deals, &tasks, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (deals, ==, 2);
    g_assert_cmpuint (tasks, ==, 1);
    crm_changeset_set_actor (changeset, admin_id);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
    g_assert_false (crm_setup_user_is_active (store, maria));
    g_clear_object (&store);
    client = crm_test_client_new (server, admin_path, "admin", "admin-pw");
    report = crm_test_sync (client);
    g_assert_cmpuint (report->rejected, ==, 0);
  }

  /* the deals and the task moved on the manager's laptop too */
  assert_ctl_sync_ok (server, "manager.db", "manager", "manager-pw");
  g_assert_cmpuint (count_deals_of ("manager.db", "manager"), ==, 2);
  g_assert_cmpuint (count_deals_of ("manager.db", "Мария Кузнецова"), ==, 0);
  {
    g_autoptr(JsonNode) node = crm_test_ctl_ok (manager_path, NULL, "task", "list", NULL);
    JsonArray *tasks = JSON_NODE_HOLDS_ARRAY (node)
                       ? json_node_get_array (node)
                       : json_object_get_array_member (json_node_get_object (node), "tasks");
    JsonObject *open = crm_test_find_object (tasks, "text", "Позвонить о лизинге");

    g_assert_nonnull (open);
    g_assert_cmpstr (json_object_get_string_member (open, "responsible"), ==, "manager");
  }
  /* her next sync is refused, with the reason; her password too */
  error = sync_with_token (server, "maria.db", "Мария Кузнецова", token);
  g_assert_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, refusal);
  g_clear_error (&error);
  assert_ctl_sync_refused (server, "maria-ctl.db", "Мария Кузнецова", "rep-password", refusal);
  users = user_list (dir);
  g_assert_cmpstr (state_of (users, "Мария Кузнецова"), ==, "deactivated");
  g_assert_cmpstr (state_of (users, "Денис Морозов"), ==, "active");

  /* reactivated (voronkactl, as the admin): she signs in again; the deals stay moved */
  crm_test_ctl (&run, admin_path, NULL, "user", "reactivate", "Мария Кузнецова", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_ctl_sync_ok (server, "admin.db", "admin", "admin-pw");
  assert_ctl_sync_ok (server, "maria-ctl.db", "Мария Кузнецова", "rep-password");
  g_assert_cmpuint (count_deals_of ("maria-ctl.db", "manager"), ==, 2);

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (server, "WARNING", NULL), ==,
                    crm_test_server_count_log (server, "WARNING", "sign-in failed", NULL));
  teardown ();
}

/* --- upgrades ---------------------------------------------------------------------------- */

/* server.db exactly as the servers before its schema version made it (user_version 0). */
static const char previous_layout[] =
  "PRAGMA journal_mode = WAL;"
  "PRAGMA application_id = 1448233811;"
  "CREATE TABLE IF NOT EXISTS account (id TEXT PRIMARY KEY NOT NULL,"
  " name TEXT NOT NULL UNIQUE, file TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS user (id TEXT PRIMARY KEY NOT NULL,"
  " account TEXT NOT NULL REFERENCES account (id), name TEXT NOT NULL,"
  " role TEXT NOT NULL, crm_user TEXT NOT NULL, password_hash TEXT NOT NULL,"
  " created_at INTEGER NOT NULL, UNIQUE (account, name));"
  "CREATE INDEX IF NOT EXISTS user_name ON user (name);"
  "CREATE TABLE IF NOT EXISTS session (token_hash TEXT PRIMARY KEY NOT NULL,"
  " user TEXT NOT NULL REFERENCES user (id), device TEXT, device_name TEXT,"
  " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);"
  "CREATE INDEX IF NOT EXISTS session_user ON session (user);"
  "CREATE TABLE IF NOT EXISTS device (account TEXT NOT NULL, id TEXT NOT NULL,"
  " user TEXT, name TEXT, first_seen INTEGER, last_seen INTEGER,"
  " PRIMARY KEY (account, id));";

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint
user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint version = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}

static void
set_user_version (const char *path,
                  gint        version)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_ok (db, sql);
  sqlite3_close (db);
}

/* The one account file in @dir/accounts. */
static char *
account_path (const char *dir)
{
  g_autofree char *accounts = g_build_filename (dir, "accounts", NULL);
  g_autoptr(GDir) handle = g_dir_open (accounts, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      return g_build_filename (accounts, name, NULL);
  g_error ("no account in %s", accounts);
  return NULL;
}

/* `serve` on @dir must refuse to start: exit 1 before listening, saying @needle. */
static void
assert_serve_refused (const char *dir,
                      const char *needle)
{
  g_auto(CrmTestRun) run = { 0 };

  admin (&run, dir, NULL, "serve", "--listen", "127.0.0.1:0", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_null (strstr (run.out, "listening on"));
  if (strstr (run.err, needle) == NULL)
    g_error ("serve: expected «%s» in: %s", needle, run.err);
}

static void
test_upgrade_previous_layout (void)
{
  g_autofree char *made = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *old_account = NULL;
  g_autofree char *account_file = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *crm_user = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *old_token_hash = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) users = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *old_token = "vrk_a-token-the-previous-server-gave-out-before-the-upgrade";
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  setup ();
  /* an account replica and a password hash, made the ordinary way in a scratch folder */
  made = crm_test_server_make_data (tmpdir);
  old_account = account_path (made);
  db_path = g_build_filename (made, "server.db", NULL);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT u.password_hash, u.crm_user, a.id FROM user u"
                                           " JOIN account a ON a.id = u.account"
                                           " WHERE u.name = 'admin'", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  hash = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  crm_user = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  account_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_clear_pointer (&db_path, g_free);

  /* the data folder of a previous server: its server.db layout, a user, a session */
  dir = g_build_filename (tmpdir, "previous", NULL);
  accounts = g_build_filename (dir, "accounts", NULL);
  g_assert_cmpint (g_mkdir_with_parents (accounts, 0700), ==, 0);
  {
    g_autofree char *name = g_path_get_basename (old_account);
    g_autofree char *contents = NULL;
    gsize length = 0;

    account_file = g_build_filename (accounts, name, NULL);
    g_assert_true (g_file_get_contents (old_account, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (account_file, contents, length, NULL));
  }
  db_path = g_build_filename (dir, "server.db", NULL);
  old_token_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, old_token, -1);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  exec_ok (db, previous_layout);
  {
    char *insert = sqlite3_mprintf (
      "INSERT INTO account VALUES (%Q, 'acme', %Q, 1764547200000);"
      "INSERT INTO user VALUES ('u-admin', %Q, 'admin', 'admin', %Q, %Q, 1764547200000);"
      "INSERT INTO session (token_hash, user, device, device_name, created_at, expires_at)"
      " VALUES (%Q, 'u-admin', '', 'laptop', 1764547200000, 4102444800000);",
      account_id, account_file, account_id, crm_user, hash, old_token_hash);

    exec_ok (db, insert);
    sqlite3_free (insert);
  }
  sqlite3_close (db);
  g_assert_cmpint (user_version (db_path), ==, 0);

  /* the guide's upgrade: the new server starts on it; the user signs in and syncs, and a
   * laptop's token from before the upgrade still works */
  server = crm_test_server_start (dir, FALSE, NULL);
  /* every step up to the newest (5: who made an invitation) */
  g_assert_cmpint (user_version (db_path), ==, 5);
  g_assert_cmpuint (crm_test_server_count_log (server, "server.db to schema 2", NULL), ==, 1);
  assert_ctl_sync_ok (server, "admin.db", "admin", "admin-pw");
  error = sync_with_token (server, "laptop.db", "admin", old_token);
  g_assert_no_error (error);
  {
    g_autofree char *path = g_build_filename (tmpdir, "admin.db", NULL);
    g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "pipelines", NULL);
    g_autofree char *text = json_to_string (node, FALSE);

    g_assert_nonnull (strstr (text, "Продажи"));
  }
  users = user_list (dir);
  g_assert_cmpuint (json_array_get_length (users), ==, 1);
  g_assert_cmpstr (state_of (users, "admin"), ==, "active");
  /* the new columns work on the upgraded file */
  admin (&run, dir, NULL, "user", "disable", "acme", "admin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_ctl_sync_refused (server, "admin.db", "admin", "admin-pw", "has been disabled");
  admin (&run, dir, NULL, "user", "invite", "acme", "Вера Соколова", NULL);
  g_assert_cmpint (run.status, ==, 0);
  admin (&run, dir, NULL, "user", "invites", "acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"invited_by\" : null"));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);

  /* a second start finds nothing to do */
  crm_test_server_restart (server);
  g_assert_cmpuint (crm_test_server_count_log (server, "to schema", NULL), ==, 5);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  teardown ();
}

static void
test_newer_schema_refused (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *account = NULL;
  g_auto(CrmTestRun) run = { 0 };

  setup ();
  dir = crm_test_server_make_data (tmpdir);
  db_path = g_build_filename (dir, "server.db", NULL);
  account = account_path (dir);

  /* server.db of a newer server: serve and the admin commands refuse, saying so */
  set_user_version (db_path, 99);
  assert_serve_refused (dir, "This data was written by a newer voronka-server (schema 99); "
                             "install that version or restore a backup");
  admin (&run, dir, NULL, "user", "list", "acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "newer voronka-server (schema 99)"));
  g_assert_null (strstr (run.err, "password"));
  /* and leave it as it was */
  g_assert_cmpint (user_version (db_path), ==, 99);
  set_user_version (db_path, 5);

  /* an account written by a newer server: the same, never "wrong password" */
  set_user_version (account, 98);
  assert_serve_refused (dir, "This data was written by a newer voronka-server (schema 98); "
                             "install that version or restore a backup");
  assert_serve_refused (dir, "acme");
  g_assert_cmpint (user_version (account), ==, 98);
  teardown ();
}

static void
test_version (void)
{
  g_auto(CrmTestRun) run = { 0 };
  const char *args[] = { "--version", NULL };
  g_autofree char *server = g_strconcat ("voronka-server ", PACKAGE_VERSION, "\n", NULL);
  g_autofree char *ctl = g_strconcat ("voronkactl ", PACKAGE_VERSION, "\n", NULL);

  setup ();
  run_argv (&run, g_getenv ("VORONKA_SERVER"), NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, server);
  run_argv (&run, g_getenv ("VORONKACTL"), NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, ctl);
  teardown ();
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *own_tmp = NULL;
  int status;

  /* our folders in a folder of our own: nothing that cleans up /tmp/voronka-test-*
   * behind other programs removes them while a server runs in them */
  own_tmp = g_build_filename (g_getenv ("TMPDIR") ? g_getenv ("TMPDIR") : "/tmp",
                              "voronka-users-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (own_tmp));
  g_setenv ("TMPDIR", own_tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server-users/list-and-unknown", test_list_and_unknown);
  g_test_add_func ("/server-users/disable-enable", test_disable_enable);
  g_test_add_func ("/server-users/password", test_password);
  g_test_add_func ("/server-users/remove", test_remove);
  g_test_add_func ("/server-users/deactivate-in-app", test_deactivate_in_app);
  /* the embedded storage's files on disk (the -pg run keeps accounts in PostgreSQL) */
  if (!crm_test_pg_wanted ())
    {
      g_test_add_func ("/server-users/upgrade-previous-layout", test_upgrade_previous_layout);
      g_test_add_func ("/server-users/newer-schema-refused", test_newer_schema_refused);
    }
  g_test_add_func ("/server-users/version", test_version);
  status = g_test_run ();
  g_rmdir (own_tmp);
  return status;
}
