/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-invite.c — a new user joins with a one-time invitation code: an
 * administrator invites them (`voronka-server user invite`, or `voronkactl user invite`
 * through the server), they redeem the code with a password of their own (`voronkactl
 * sync --invite CODE --password-stdin`) and get the account's replica; the code works once,
 * expires, is kept only as a hash, and guessing codes is limited like guessing passwords.
 * An administrator lists and withdraws the codes waiting, on the server machine or at a
 * laptop (`voronkactl user invites`, `user uninvite`); an invitation takes any role of
 * the account, a custom one by its name too; "-pg" runs those last two parts on
 * PostgreSQL.
 * A real voronka-server on 127.0.0.1, real voronkactl processes, the real keyring. */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "crm-protocol.h"
#include "crm-query.h"
#include "crm-rights.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

static char *tmpdir;

/* @program (VORONKACTL or VORONKA_SERVER) ARGS… with @input on stdin; its status. */
static int
run (const char  *program,
     const char  *input,
     char       **out,
     char       **err,
     const char  *first_arg,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sysconfdir = g_build_filename (tmpdir, "no-etc", NULL);
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv (program));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "VORONKA_SYSCONFDIR", sysconfdir, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_free (*out);
  g_free (*err);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_null (strstr (*err, "CRITICAL"));
  g_test_message ("%s %s: %s%s", program, first_arg, *out, *err);
  return g_subprocess_get_exit_status (process);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* An invitation's "expires_at" (ISO 8601, as the CLIs print times) is @days from now. */
static void
expires_in_days (JsonObject *object,
                 int         days)
{
  g_autoptr(GDateTime) expires = g_date_time_new_from_iso8601 (
    json_object_get_string_member (object, "expires_at"), NULL);
  gint64 left = g_date_time_to_unix (expires) - g_get_real_time () / G_USEC_PER_SEC;

  g_assert_nonnull (expires);
  g_assert_false (json_object_has_member (object, "expires"));
  g_assert_cmpint (left, >, (gint64) days * 24 * 3600 - 600);
  g_assert_cmpint (left, <=, (gint64) days * 24 * 3600);
}

/* `voronka-server user invite acme NAME …`: the code it prints. */
static char *
invite (const char *data,
        const char *name,
        const char *role)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonObject) object = NULL;

  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invite",
                        "acme", name, "--role", role, "--json", NULL), ==, 0);
  object = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, name);
  g_assert_cmpstr (json_object_get_string_member (object, "role"), ==, role);
  expires_in_days (object, 7);
  return g_strdup (json_object_get_string_member (object, "code"));
}

/* `voronkactl --db PATH sync --server … --invite CODE --password-stdin`: its status. */
static int
redeem (CrmTestServer  *server,
        const char     *path,
        const char     *code,
        const char     *password,
        char          **out,
        char          **err)
{
  g_autofree char *input = g_strconcat (password, "\n", NULL);

  return run ("VORONKACTL", input, out, err, "--db", path, "sync", "--server", server->url,
              "--ca-file", server->cert, "--invite", code, "--password-stdin", NULL);
}

static gboolean
server_has_user (const char *data,
                 const char *name)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  return run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "list", "acme",
              name, NULL) == 0;
}

static void
test_invite (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "invite", NULL);
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *anna = g_build_filename (tmpdir, "anna.db", NULL);
  g_autofree char *again = g_build_filename (tmpdir, "again.db", NULL);
  g_autofree char *late = g_build_filename (tmpdir, "late.db", NULL);
  g_autofree char *anna2 = g_build_filename (tmpdir, "anna-laptop2.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *code = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(CrmStore) store = NULL;

  if (!crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  data = crm_test_server_make_data (parent);
  server = crm_test_server_start (data, FALSE, NULL);

  /* someone who can already sign in needs no invitation */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invite",
                        "acme", "manager", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "can already sign in"));
  /* a role the account does not have: the roles it has are listed */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invite",
                        "acme", "Кто-то", "--role", "стажёр", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "There is no role «стажёр»; the roles are: admin, head, "
                                 "manager, accountant, rep"));
  g_assert_cmpint (run ("VORONKA_SERVER", "kto-to-secret-1\n", &out, &err, "--data", data,
                        "user", "add",
                        "acme", "Кто-то", "--role", "стажёр", "--password-stdin", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "There is no role «стажёр»"));
  g_assert_false (server_has_user (data, "Кто-то"));

  /* the new user redeems the code with a password of their own and gets the account */
  code = invite (data, "Анна Петрова", "manager");
  g_assert_cmpuint (strlen (code), ==, 14);
  g_assert_false (server_has_user (data, "Анна Петрова"));
  /* too short a password is refused and leaves the code usable */
  g_assert_cmpint (redeem (server, anna, code, "short", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "8"));
  g_assert_false (g_file_test (anna, G_FILE_TEST_EXISTS));
  /* the code as people type it: lower case, without the dashes */
  {
    g_autofree char *typed = g_ascii_strdown (code, -1);
    char *dash;

    while ((dash = strchr (typed, '-')) != NULL)
      memmove (dash, dash + 1, strlen (dash));
    g_assert_cmpint (redeem (server, anna, typed, "anna-secret-1", &out, &err), ==, 0);
  }
  g_assert_nonnull (strstr (out, "Анна Петрова"));
  g_assert_nonnull (strstr (out, "Installed a copy of the account"));
  g_assert_true (server_has_user (data, "Анна Петрова"));
  store = crm_test_open (anna);
  stored = crm_store_dup_meta (store, "sync.user");
  g_assert_cmpstr (stored, ==, "Анна Петрова@acme");
  g_clear_object (&store);
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", anna, "--json", "user", "list",
                        NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Анна Петрова"));
  /* later syncs need nothing: the token is in the keyring */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", anna, "sync", NULL), ==, 0);

  /* the code works once */
  g_assert_cmpint (redeem (server, again, code, "someone-else-1", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "already used"));
  g_assert_nonnull (strstr (err, "Анна Петрова"));
  g_assert_false (g_file_test (again, G_FILE_TEST_EXISTS));
  /* … and the password chosen works as any other */
  g_assert_cmpint (run ("VORONKACTL", "anna-secret-1\n", &out, &err, "--db", anna2, "sync",
                        "--server", server->url, "--ca-file", server->cert, "--user",
                        "Анна Петрова", "--password-stdin", NULL), ==, 0);

  /* a code nobody made */
  g_assert_cmpint (redeem (server, late, "ABCD-EFGH-JKMN", "late-comer-1", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "no invitation with the code ABCD-EFGH-JKMN"));
  g_assert_cmpint (redeem (server, late, "hello", "late-comer-1", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "is not an invitation code"));

  /* an expired code: its days are over (the server's clock is past "expires_at") */
  {
    g_autofree char *old = invite (data, "Борис Ильин", "rep");
    g_autofree char *db_path = g_build_filename (data, "server.db", NULL);
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    /* only the hash is kept, never the code */
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM invite WHERE code_hash = ?1"
                                           " OR name = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, old, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
      sqlite3_finalize (stmt);
    }
    g_assert_cmpint (sqlite3_exec (db, "UPDATE invite SET expires_at = 1 WHERE name = 'Борис Ильин'",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
    sqlite3_close (db);
    g_assert_cmpint (redeem (server, late, old, "late-comer-1", &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "expired"));
    g_assert_nonnull (strstr (err, "ask your administrator for a new one"));
    g_assert_false (server_has_user (data, "Борис Ильин"));
    g_assert_false (g_file_test (late, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

/* `user invites ACCOUNT --json`: the invitation for @name, or NULL. */
static JsonObject *
listed_invite (const char *data,
               const char *name)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *invites;

  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invites",
                        "acme", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  invites = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (invites); i++)
    {
      JsonObject *invite = json_array_get_object_element (invites, i);

      if (g_strcmp0 (json_object_get_string_member (invite, "name"), name) == 0)
        return json_object_ref (invite);
    }
  return NULL;
}

/* An administrator lists the invitations (the codes are not kept, so never shown) and
 * withdraws one: its code stops working at once, with words that say to ask again. */
static void
test_list_and_withdraw (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "withdraw", NULL);
  g_autofree char *data = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *vera_code = NULL;
  g_autofree char *gleb_code = NULL;
  g_autofree char *vera = g_build_filename (tmpdir, "listed-vera.db", NULL);
  g_autofree char *gleb = g_build_filename (tmpdir, "listed-gleb.db", NULL);
  g_autoptr(CrmTestServer) server = NULL;

  if (!crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  data = crm_test_server_make_data (parent);

  /* none yet: said so, with the command that makes one */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invites",
                        "acme", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no invitations"));
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invites",
                        "nobody-inc", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "nobody-inc"));

  server = crm_test_server_start (data, FALSE, NULL);
  vera_code = invite (data, "Вера Соколова", "rep");
  gleb_code = invite (data, "Глеб Орлов", "manager");
  {
    g_autoptr(JsonObject) listed = listed_invite (data, "Глеб Орлов");

    g_assert_nonnull (listed);
    g_assert_cmpstr (json_object_get_string_member (listed, "role"), ==, "manager");
    g_assert_cmpstr (json_object_get_string_member (listed, "state"), ==, "pending");
    g_assert_true (json_object_get_null_member (listed, "used_at"));
    /* made on the server's command line, by no user */
    g_assert_true (json_object_has_member (listed, "invited_by"));
    g_assert_true (json_object_get_null_member (listed, "invited_by"));
  }
  /* the list for people: who, role, waiting, until when; never the code */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "invites",
                        "acme", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Вера Соколова\trep\tnot used yet\tuntil "));
  g_assert_nonnull (strstr (out, "\tinvited by a command on the server\n"));
  g_assert_null (strstr (out, vera_code));
  g_assert_null (strstr (out, gleb_code));

  /* Вера joins: her invitation shows as used */
  g_assert_cmpint (redeem (server, vera, vera_code, "vera-secret-1", &out, &err), ==, 0);
  {
    g_autoptr(JsonObject) listed = listed_invite (data, "Вера Соколова");

    g_assert_nonnull (listed);
    g_assert_cmpstr (json_object_get_string_member (listed, "state"), ==, "used");
    g_assert_nonnull (json_object_get_string_member (listed, "used_at"));
  }
  /* a used one cannot be withdrawn: nothing is waiting for her */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "uninvite",
                        "acme", "Вера Соколова", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no invitation waiting for «Вера Соколова»"));

  /* Глеб's is withdrawn before he uses it: his code is refused as expired */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "uninvite",
                        "acme", "Глеб Орлов", "--json", NULL), ==, 0);
  {
    g_autoptr(JsonObject) result = parse_object (out);

    g_assert_cmpint (json_object_get_int_member (result, "withdrawn"), ==, 1);
  }
  {
    g_autoptr(JsonObject) listed = listed_invite (data, "Глеб Орлов");

    g_assert_cmpstr (json_object_get_string_member (listed, "state"), ==, "expired");
  }
  g_assert_cmpint (redeem (server, gleb, gleb_code, "gleb-secret-1", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "ask your administrator for a new one"));
  g_assert_false (server_has_user (data, "Глеб Орлов"));
  g_assert_false (g_file_test (gleb, G_FILE_TEST_EXISTS));
  /* a second withdrawal finds nothing */
  g_assert_cmpint (run ("VORONKA_SERVER", NULL, &out, &err, "--data", data, "user", "uninvite",
                        "acme", "Глеб Орлов", NULL), ==, 1);
  /* a new invitation for him works again */
  g_clear_pointer (&gleb_code, g_free);
  gleb_code = invite (data, "Глеб Орлов", "manager");
  g_assert_cmpint (redeem (server, gleb, gleb_code, "gleb-secret-1", &out, &err), ==, 0);
  g_assert_true (server_has_user (data, "Глеб Орлов"));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

/* A server of the test's own (its data in @parent, *@out_data) and the administrator's
 * replica @admin signed in to it; NULL, the test failed as missing, without a keyring. */
static CrmTestServer *
start_signed_in (const char  *parent,
                 const char  *admin,
                 char       **out_data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  CrmTestServer *server;

  if (!crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return NULL;
    }
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  *out_data = crm_test_server_make_data (parent);
  server = crm_test_server_start (*out_data, FALSE, NULL);
  g_assert_cmpint (run ("VORONKACTL", "admin-pw\n", &out, &err, "--db", admin, "sync", "--server",
                        server->url, "--ca-file", server->cert, "--user", "admin",
                        "--password-stdin", NULL), ==, 0);
  return server;
}

/* An administrator's replica asks the server for a code; a rep's may not. */
static void
test_invite_from_replica (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "from-replica", NULL);
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *admin = g_build_filename (tmpdir, "admin.db", NULL);
  g_autofree char *rep = g_build_filename (tmpdir, "rep.db", NULL);
  g_autofree char *vera = g_build_filename (tmpdir, "vera.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonObject) object = NULL;

  if ((server = start_signed_in (parent, admin, &data)) == NULL)
    return;
  g_assert_cmpint (run ("VORONKACTL", "rep-password\n", &out, &err, "--db", rep, "sync",
                        "--server", server->url, "--ca-file", server->cert, "--user",
                        "Денис Морозов", "--password-stdin", NULL), ==, 0);

  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", rep, "user", "invite", "Вера",
                        NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Only an administrator"));

  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "user",
                        "invite", "Вера", "--role", "rep", NULL), ==, 0);
  object = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (object, "server"), ==, server->url);
  g_assert_cmpstr (json_object_get_string_member (object, "account"), ==, "acme");
  expires_in_days (object, 7);
  g_assert_cmpint (redeem (server, vera, json_object_get_string_member (object, "code"),
                           "vera-secret-1", &out, &err), ==, 0);
  g_assert_true (server_has_user (data, "Вера"));
  /* the text form names the code and the server to pass on */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invite",
                        "Глеб", NULL), ==, 0);
  g_assert_nonnull (strstr (out, server->url));
  g_assert_nonnull (strstr (out, "--invite"));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

/* `voronkactl --db DB --json user invites`: the array it prints. */
static JsonArray *
listed_through_server (const char *db)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", db, "--json", "user", "invites",
                        NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static JsonObject *
find_named (JsonArray  *array,
            const char *name)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
        return object;
    }
  return NULL;
}

/* A token of @user's, signed in with @password straight through the API. */
static char *
api_token (CrmTestServer *server,
           const char    *user,
           const char    *password)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"user\": \"%s\", \"password\": \"%s\"}", user,
                                           password);

  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

/* An administrator at a laptop sees the invitations still waiting and withdraws one
 * (`voronkactl user invites`, `user uninvite`; GET and DELETE /api/v1/invites): a
 * manager may do neither, the withdrawn code is refused at sign-in, the other still works.
 * Nothing here reads the server's database itself, so it runs on PostgreSQL too. */
static void
test_list_and_withdraw_through_server (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "through-server", NULL);
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *admin = g_build_filename (tmpdir, "ts-admin.db", NULL);
  g_autofree char *manager = g_build_filename (tmpdir, "ts-manager.db", NULL);
  g_autofree char *vera = g_build_filename (tmpdir, "ts-vera.db", NULL);
  g_autofree char *gleb = g_build_filename (tmpdir, "ts-gleb.db", NULL);
  g_autofree char *vera_code = NULL;
  g_autofree char *gleb_code = NULL;
  g_autofree char *token = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonArray) listed = NULL;
  JsonObject *object;

  if ((server = start_signed_in (parent, admin, &data)) == NULL)
    return;
  g_assert_cmpint (run ("VORONKACTL", "manager-pw\n", &out, &err, "--db", manager, "sync",
                        "--server", server->url, "--ca-file", server->cert, "--user", "manager",
                        "--password-stdin", NULL), ==, 0);

  /* none yet: said so, with the command that makes one */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invites", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "No invitation is waiting"));
  g_assert_nonnull (strstr (out, "user invite NAME"));

  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "user",
                        "invite", "Вера Соколова", NULL), ==, 0);
  {
    g_autoptr(JsonObject) made = parse_object (out);

    vera_code = g_strdup (json_object_get_string_member (made, "code"));
  }
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "user",
                        "invite", "Глеб Орлов", "--role", "manager", "--days", "30", NULL), ==, 0);
  {
    g_autoptr(JsonObject) made = parse_object (out);

    gleb_code = g_strdup (json_object_get_string_member (made, "code"));
  }

  /* both listed, newest first, with the role and the day the code stops working; no code */
  listed = listed_through_server (admin);
  g_assert_cmpuint (json_array_get_length (listed), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (listed, 0),
                                                  "name"), ==, "Глеб Орлов");
  object = find_named (listed, "Вера Соколова");
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "role"), ==, "rep");
  /* a built-in role: its key, and its name as the replica knows it */
  g_assert_cmpstr (json_object_get_string_member (object, "role_name"), ==, "Sales rep");
  g_assert_false (json_object_has_member (object, "code"));
  object = find_named (listed, "Глеб Орлов");
  g_assert_cmpstr (json_object_get_string_member (object, "role"), ==, "manager");
  /* who made it: the administrator signed in on that laptop */
  g_assert_cmpstr (json_object_get_string_member (object, "invited_by"), ==, "admin");
  {
    g_autoptr(GDateTime) expires = g_date_time_new_from_iso8601 (
      json_object_get_string_member (object, "expires_at"), NULL);
    g_autoptr(GDateTime) created = g_date_time_new_from_iso8601 (
      json_object_get_string_member (object, "created_at"), NULL);

    g_assert_nonnull (expires);
    g_assert_nonnull (created);
    /* the two are read from the clock one after the other: a few ms may part them */
    g_assert_cmpint (g_date_time_difference (expires, created), >,
                     30 * G_TIME_SPAN_DAY - G_TIME_SPAN_MINUTE);
    g_assert_cmpint (g_date_time_difference (expires, created), <=,
                     30 * G_TIME_SPAN_DAY + G_TIME_SPAN_MINUTE);
  }
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invites", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "Вера Соколова\trep\tuntil "));
  g_assert_nonnull (strstr (out, "Глеб Орлов\tmanager\tuntil "));
  g_assert_nonnull (strstr (out, "\tinvited by admin\n"));
  g_assert_null (strstr (out, vera_code));
  g_assert_null (strstr (out, gleb_code));

  /* a manager may neither see nor withdraw them: refused (1) in words that say who may */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", manager, "user", "invites",
                        NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Only an administrator of the account can see its "
                            "invitations"));
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", manager, "--json", "user",
                        "uninvite", "Глеб Орлов", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "\"permission-denied\""));
  g_assert_nonnull (strstr (out, "Only an administrator of the account can withdraw"));

  /* an unknown name: refused, saying nothing waits for it */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "uninvite",
                        "Никто Никакой", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "No invitation is waiting for «Никто Никакой»"));
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "uninvite",
                        NULL), ==, 2);
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "uninvite", "  ",
                        NULL), ==, 2);

  /* Глеб's withdrawn: one left; the audit line names the administrator */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "user",
                        "uninvite", "Глеб Орлов", NULL), ==, 0);
  {
    g_autoptr(JsonObject) result = parse_object (out);

    g_assert_cmpstr (json_object_get_string_member (result, "name"), ==, "Глеб Орлов");
    g_assert_cmpint (json_object_get_int_member (result, "withdrawn"), ==, 1);
  }
  g_assert_true (crm_test_server_wait_log (server, 1, 10, "audit: user.uninvite account «acme» "
                                           "user «Глеб Орлов»", "withdrawn=1 by=admin"));
  g_clear_pointer (&listed, json_array_unref);
  listed = listed_through_server (admin);
  g_assert_cmpuint (json_array_get_length (listed), ==, 1);
  g_assert_nonnull (find_named (listed, "Вера Соколова"));
  /* a second time there is nothing left to withdraw */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "uninvite",
                        "Глеб Орлов", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "No invitation is waiting for «Глеб Орлов»"));

  /* the withdrawn code is refused at sign-in; the one left still works */
  g_assert_cmpint (redeem (server, gleb, gleb_code, "gleb-secret-1", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "ask your administrator for a new one"));
  g_assert_false (g_file_test (gleb, G_FILE_TEST_EXISTS));
  g_assert_cmpint (redeem (server, vera, vera_code, "vera-secret-1", &out, &err), ==, 0);
  /* used: no longer waiting */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invites", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "No invitation is waiting"));

  /* the API itself: a withdrawal must name someone; other methods are not allowed */
  token = api_token (server, "admin", "admin-pw");
  {
    g_auto(CrmTestAnswer) answer = { 0 };

    crm_test_http_request (server, &answer, "DELETE", CRM_PROTOCOL_PATH_INVITES, token, "{}",
                           -1);
    g_assert_cmpuint (answer.status, ==, 400);
    g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "invalid-input");
    g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "name"));
  }
  {
    g_auto(CrmTestAnswer) answer = { 0 };

    crm_test_http_request (server, &answer, "DELETE", CRM_PROTOCOL_PATH_INVITES, token, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 400);
  }
  {
    g_auto(CrmTestAnswer) answer = { 0 };

    crm_test_http_request (server, &answer, "PUT", CRM_PROTOCOL_PATH_INVITES, token, "{}", -1);
    g_assert_cmpuint (answer.status, ==, 405);
  }
  {
    g_auto(CrmTestAnswer) answer = { 0 };

    crm_test_http_request (server, &answer, "GET", CRM_PROTOCOL_PATH_INVITES, NULL, NULL, 0);
    g_assert_cmpuint (answer.status, ==, 401);
  }
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

/* Guessing codes costs what guessing passwords costs: the same per-address budget. */
/* Invitations take any role of the account (issue 20): an administrator adds a role of
 * their own at a laptop, invites a new colleague with it by its name through the server,
 * and the new user signs in holding it (its rights theirs); a role the account does not
 * have is refused with words listing the roles. "-pg" runs it on PostgreSQL. */
static void
test_custom_role (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "custom-role", NULL);
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *admin = g_build_filename (tmpdir, "cr-admin.db", NULL);
  g_autofree char *vera = g_build_filename (tmpdir, "cr-vera.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *role_id = NULL;
  g_autofree char *vera_id = NULL;
  g_autoptr(JsonObject) made = NULL;
  g_autoptr(JsonArray) listed = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmUserRights) rights = NULL;

  if ((server = start_signed_in (parent, admin, &data)) == NULL)
    return;
  /* a role of the account's own, made at the laptop and pushed */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "role", "add",
                        "Старший продавец", "--like", "rep", "--right", "approve=yes", NULL), ==, 0);
  {
    g_autoptr(JsonObject) role = parse_object (out);

    role_id = g_strdup (json_object_get_string_member (role, "id"));
    g_assert_true (json_object_get_boolean_member (role, "approve"));
  }
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "sync", NULL), ==, 0);

  /* a role nobody made: refused, the roles listed */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invite", "Вера",
                        "--role", "Стажёр", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "There is no role «Стажёр»"));
  g_assert_nonnull (strstr (err, "manager"));
  g_assert_nonnull (strstr (err, "Старший продавец"));

  /* the role by its name, as people type it */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "--json", "user",
                        "invite", "Вера", "--role", "старший продавец", NULL), ==, 0);
  made = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (made, "role"), ==, role_id);
  g_assert_cmpstr (json_object_get_string_member (made, "role_name"), ==, "Старший продавец");
  /* the waiting invitation holds the role as a user's role names it: its id, and its name
   * beside it */
  listed = listed_through_server (admin);
  g_assert_cmpstr (json_object_get_string_member (find_named (listed, "Вера"), "role"), ==,
                   role_id);
  g_assert_cmpstr (json_object_get_string_member (find_named (listed, "Вера"), "role_name"), ==,
                   "Старший продавец");
  /* … which the text form names */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invites", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "Вера\tСтарший продавец\tuntil"));
  g_assert_cmpint (redeem (server, vera, json_object_get_string_member (made, "code"),
                           "vera-secret-1", &out, &err), ==, 0);

  /* Вера signs in with that role: her replica says so, and its rights are hers */
  store = crm_test_open (vera);
  vera_id = crm_query_resolve (store, "user", "Вера", NULL, NULL);
  g_assert_nonnull (vera_id);
  {
    g_autoptr(JsonObject) user = crm_store_dup_entity (store, "user", vera_id);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, role_id);
  }
  rights = crm_user_rights_new (store, vera_id, NULL);
  g_assert_nonnull (rights);
  g_assert_cmpstr (crm_user_rights_role_name (rights), ==, "Старший продавец");
  g_assert_true (crm_user_rights_approves (rights));
  g_assert_cmpint (crm_user_rights_changes (rights), ==, CRM_SCOPE_OWN);
  g_clear_object (&store);
  /* … and the server gives her that role at every request */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", vera, "sync", NULL), ==, 0);
  /* an invitation made for people names the role too, not its id */
  g_assert_cmpint (run ("VORONKACTL", NULL, &out, &err, "--db", admin, "user", "invite", "Гоша",
                        "--role", role_id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Invitation for «Гоша» (Старший продавец): "));
  g_assert_null (strstr (out, role_id));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

static void
test_guessing_limited (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "guessing", NULL);
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  gboolean limited = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  data = crm_test_server_make_data (parent);
  server = crm_test_server_start (data, FALSE, NULL);
  session = crm_test_http_session_new (server);
  for (guint i = 0; i < 400 && !limited; i++)
    {
      g_auto(CrmTestAnswer) answer = { 0 };
      g_autofree char *body = g_strdup_printf (
        "{\"invite\": \"ZZZZ-ZZZZ-%04u\", \"password\": \"guessing-1\"}", i % 10000);

      crm_test_http_send_on (session, server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL,
                             body, -1);
      if (answer.status == 429)
        {
          g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "rate-limited");
          limited = TRUE;
        }
      else
        {
          g_assert_cmpuint (answer.status, ==, 401);
          g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "auth-failed");
        }
    }
  g_assert_true (limited);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cache = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  cache = g_build_filename (tmpdir, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_add_func ("/server-invite/invite", test_invite);
  g_test_add_func ("/server-invite/from-replica", test_invite_from_replica);
  g_test_add_func ("/server-invite/guessing-limited", test_guessing_limited);
  g_test_add_func ("/server-invite/list-and-withdraw", test_list_and_withdraw);
  g_test_add_func ("/server-invite/through-server", test_list_and_withdraw_through_server);
  g_test_add_func ("/server-invite/custom-role", test_custom_role);
  status = g_test_run ();
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
