/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-credentials.c — the sign-in token in the keyring. Under dbus-run-session (suite
 * "keyring") the test starts gnome-keyring-daemon itself, then stores, reads and deletes a
 * token, and runs voronkactl sync so that only the first sync needs the password. Without
 * a session bus the calls fail with a clear CRM_CREDENTIALS_ERROR and the CLI says what
 * to do, instead of crashing or hanging. */
#include <string.h>
#include <glib/gstdio.h>

#include "crm-credentials.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

static char *tmpdir;

static int
run_cli (gboolean     with_bus,
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
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKACTL"));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (!with_bus)
    {
      g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", tmpdir, TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_null (strstr (*err, "CRITICAL"));
  return g_subprocess_get_exit_status (process);
}

static void
test_no_session_bus (void)
{
  g_autofree char *saved_bus = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_autofree char *saved_runtime = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) json = NULL;
  JsonObject *detail;

  /* in this process (before anything here talked to a bus) */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_setenv ("XDG_RUNTIME_DIR", tmpdir, TRUE);
  token = crm_credentials_lookup_token ("https://crm.example.com", "admin", &error);
  g_assert_null (token);
  g_assert_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "keyring"));
  g_clear_error (&error);
  g_assert_false (crm_credentials_store_token ("https://crm.example.com", "admin", "vrk_x", &error));
  g_assert_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING);
  g_clear_error (&error);
  g_assert_false (crm_credentials_delete_token ("https://crm.example.com", "admin", &error));
  g_assert_error (error, CRM_CREDENTIALS_ERROR, CRM_CREDENTIALS_ERROR_NO_KEYRING);
  if (saved_bus != NULL)
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved_bus, TRUE);
  if (saved_runtime != NULL)
    g_setenv ("XDG_RUNTIME_DIR", saved_runtime, TRUE);
  else
    g_unsetenv ("XDG_RUNTIME_DIR");

  /* the CLI: a refusal naming the way out, not a crash */
  g_assert_cmpint (run_cli (FALSE, "", &out, &err, "--json", "sync", "--server",
                            "https://127.0.0.1:9", "--user", "admin", NULL), ==, 1);
  json = crm_test_parse_json (out);
  detail = json_object_get_object_member (json_node_get_object (json), "error");
  g_assert_cmpstr (json_object_get_string_member (detail, "code"), ==, "auth-failed");
  g_assert_nonnull (strstr (json_object_get_string_member (detail, "message"), "--password-stdin"));
}

static void
test_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  const char *server = "https://crm.example.com:8443";

  if (!crm_test_start_keyring (FALSE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  g_assert_true (crm_credentials_store_token (server, "admin", "vrk_first", &error));
  g_assert_no_error (error);
  /* one entry per server and user: storing again replaces it */
  g_assert_true (crm_credentials_store_token (server, "admin", "vrk_second", &error));
  g_assert_true (crm_credentials_store_token (server, "manager", "vrk_manager", &error));
  token = crm_credentials_lookup_token (server, "admin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "vrk_second");
  g_clear_pointer (&token, g_free);
  token = crm_credentials_lookup_token ("https://other.example.com", "admin", &error);
  g_assert_no_error (error);
  g_assert_null (token);

  g_assert_true (crm_credentials_delete_token (server, "admin", &error));
  g_assert_no_error (error);
  token = crm_credentials_lookup_token (server, "admin", &error);
  g_assert_no_error (error);
  g_assert_null (token);
  token = crm_credentials_lookup_token (server, "manager", &error);
  g_assert_cmpstr (token, ==, "vrk_manager");
  g_assert_true (crm_credentials_delete_token (server, "manager", &error));
  /* deleting what is not there is fine */
  g_assert_true (crm_credentials_delete_token (server, "manager", &error));
  g_assert_no_error (error);
}

static void
test_cli_signs_in_once (void)
{
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "cli.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  if (!crm_test_start_keyring (FALSE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  data = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (data, FALSE, NULL);

  /* without the server's own certificate: the refusal names the option that fixes it */
  g_assert_cmpint (run_cli (TRUE, "admin-pw\n", &out, &err, "--db", path, "sync", "--server",
                            server->url, "--user", "admin", "--password-stdin", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--ca-file"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the first sync signs in and keeps the token */
  g_assert_cmpint (run_cli (TRUE, "admin-pw\n", &out, &err, "--db", path, "sync", "--server",
                            server->url, "--user", "admin", "--password-stdin", "--ca-file",
                            server->cert, NULL), ==, 0);
  g_assert_null (strstr (err, "not saved"));
  token = crm_credentials_lookup_token (server->url, "admin", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (token, "vrk_"));
  /* no secret in any plain file next to the replica */
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    g_assert_null (g_strstr_len (contents, length, token));
  }

  /* later syncs need no password */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (TRUE, "", &out, &err, "--db", path, "sync", "--server", server->url,
                            "--user", "admin", "--ca-file", server->cert, NULL), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (server, "POST /api/v1/session 200", NULL), ==, 1);

  /* a revoked token: a clear refusal, and the password fixes it */
  g_assert_cmpint (crm_test_server_admin (data, NULL, "user", "revoke", "acme", "admin", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (TRUE, "", &out, &err, "--db", path, "sync", "--server", server->url,
                            "--user", "admin", "--ca-file", server->cert, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "sign in again"));

  /* forgetting removes it */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (TRUE, "", &out, &err, "sync", "--server", server->url, "--user",
                            "admin", "--forget", NULL), ==, 0);
  g_clear_pointer (&token, g_free);
  token = crm_credentials_lookup_token (server->url, "admin", &error);
  g_assert_no_error (error);
  g_assert_null (token);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  /* first: it checks this process before anything here used the bus */
  g_test_add_func ("/credentials/no-session-bus", test_no_session_bus);
  g_test_add_func ("/credentials/keyring", test_keyring);
  g_test_add_func ("/credentials/cli-signs-in-once", test_cli_signs_in_once);
  status = g_test_run ();
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
