/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-remember.c — a laptop signs in once: after the first `voronkactl sync
 * --server … --user … --ca-file …` a plain `voronkactl sync` works, whatever spelling of
 * the same address is used later; an option given again overrides and is remembered. An
 * administrator's preset (/etc/voronka/client.conf under $VORONKA_SYSCONFDIR, or a
 * GSettings vendor override) lets `voronkactl sync --user U --password-stdin` sign in
 * with no --server and no --ca-file. A real voronka-server on 127.0.0.1, real voronkactl
 * processes and the real keyring (gnome-keyring under dbus-run-session, as in
 * test-credentials.c). */
#include <string.h>
#include <glib/gstdio.h>

#include "crm-client-config.h"
#include "crm-credentials.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

static char *tmpdir;

/* voronkactl ARGS… with @input on stdin and @env ("NAME=VALUE", …) added; its status. */
static int
run_cli (const char * const  *env,
         const char          *input,
         char               **out,
         char               **err,
         const char          *first_arg,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sysconfdir = g_build_filename (tmpdir, "no-etc", NULL);
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKACTL"));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  /* never the machine's own /etc/voronka */
  g_subprocess_launcher_setenv (launcher, "VORONKA_SYSCONFDIR", sysconfdir, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_free (*out);
  g_free (*err);
  g_subprocess_communicate_utf8 (process, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_null (strstr (*err, "CRITICAL"));
  g_test_message ("voronkactl %s: %s%s", first_arg, *out, *err);
  return g_subprocess_get_exit_status (process);
}

static char *
meta (const char *path,
      const char *key)
{
  g_autoptr(CrmStore) store = crm_test_open (path);

  return crm_store_dup_meta (store, key);
}

/* A server data folder of its own for each test. */
static char *
make_data (const char *name)
{
  g_autofree char *parent = g_build_filename (tmpdir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  return crm_test_server_make_data (parent);
}

static guint16
port_of (const char *url)
{
  return (guint16) g_ascii_strtoull (strrchr (url, ':') + 1, NULL, 10);
}

static void
test_normalize (void)
{
  const struct { const char *in; const char *out; } cases[] = {
    { "https://crm.example.ru:8443", "https://crm.example.ru:8443" },
    { "  HTTPS://Crm.Example.RU:8443/ ", "https://crm.example.ru:8443" },
    { "https://crm.example.ru:443/api/v1/", "https://crm.example.ru" },
    { "https://crm.example.ru/API/V1", "https://crm.example.ru" },
    { "http://127.0.0.1:80//", "http://127.0.0.1" },
    { "https://[::1]:8443/", "https://[::1]:8443" },
    { "https://example.ru/crm/api/v1?x=1#top", "https://example.ru/crm" },
    /* a different host is a different server, even on the same machine */
    { "https://localhost:18443", "https://localhost:18443" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *got = crm_server_url_normalize (cases[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, cases[i].out);
    }
  g_assert_true (crm_server_url_equal ("https://h:443/", "https://H"));
  g_assert_false (crm_server_url_equal ("https://localhost:18443", "https://127.0.0.1:18443"));
  for (guint i = 0; i < 3; i++)
    {
      const char *bad[] = { "crm.example.ru", "ftp://crm.example.ru", "" };
      g_autoptr(GError) error = NULL;

      g_assert_null (crm_server_url_normalize (bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "https://crm.example.com:8443"));
    }
}

/* Sign in once with every option; later syncs need none, whatever the spelling. */
static void
test_sign_in_once (void)
{
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "olga.db", NULL);
  g_autofree char *other = g_build_filename (tmpdir, "never.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *spelled = NULL;
  g_autofree char *localhost = NULL;
  g_autofree char *old_spelling = NULL;
  g_autofree char *value = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;

  if (!crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  data = make_data ("once");
  server = crm_test_server_start (data, FALSE, NULL);

  /* a replica that never synced, and no preset: the error says what to give */
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", other, "sync", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--server"));
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));

  /* the first sync, with everything */
  g_assert_cmpint (run_cli (NULL, "admin-pw\n", &out, &err, "--db", path, "sync", "--server",
                            server->url, "--user", "admin", "--password-stdin", "--ca-file",
                            server->cert, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Installed a copy"));
  g_assert_cmpuint (crm_test_server_count_log (server, "POST /api/v1/session 200", NULL), ==, 1);
  /* the replica remembers the server, the user and the certificate */
  value = meta (path, "sync.server");
  g_assert_cmpstr (value, ==, server->url);
  g_clear_pointer (&value, g_free);
  value = meta (path, "sync.user");
  g_assert_cmpstr (value, ==, "admin");
  g_clear_pointer (&value, g_free);
  g_assert_true (g_file_get_contents (server->cert, &cert_pem, NULL, NULL));
  value = meta (path, "sync.ca");
  g_assert_cmpstr (value, ==, cert_pem);
  g_clear_pointer (&value, g_free);

  /* a plain sync: no options, no password */
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "--json", "sync", NULL), ==, 0);
  json = crm_test_parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "server"), ==,
                   server->url);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "user"), ==, "admin");
  g_assert_cmpuint (crm_test_server_count_log (server, "POST /api/v1/session 200", NULL), ==, 1);

  /* another spelling of the same address finds the sign-in and the certificate */
  spelled = g_strdup_printf ("HTTPS://127.0.0.1:%u/api/v1/", port_of (server->url));
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", "--server", spelled,
                            NULL), ==, 0);
  g_assert_nonnull (strstr (out, "up to date"));
  value = meta (path, "sync.server");
  g_assert_cmpstr (value, ==, server->url);
  g_clear_pointer (&value, g_free);

  /* another host name is another server, even on this machine: not signed in there */
  localhost = g_strdup_printf ("https://localhost:%u", port_of (server->url));
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", "--server", localhost,
                            NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Not signed in to https://localhost"));
  g_assert_nonnull (strstr (err, "as admin"));

  /* an option given again overrides, and is remembered: the certificate file again, now
   * with the admin's comment on top (the same trust, another text) */
  {
    g_autofree char *ca2 = g_build_filename (tmpdir, "team-ca.pem", NULL);
    g_autofree char *ca2_pem = g_strconcat ("# the team's certificate\n", cert_pem, NULL);

    g_assert_true (g_file_set_contents (ca2, ca2_pem, -1, NULL));
    g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", "--ca-file", ca2,
                              NULL), ==, 0);
    value = meta (path, "sync.ca");
    g_assert_cmpstr (value, ==, ca2_pem);
    g_clear_pointer (&value, g_free);
    g_assert_cmpint (g_unlink (ca2), ==, 0);
    g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", NULL), ==, 0);
  }
  /* another user on this replica is refused (a device belongs to one user); it names the
   * way out and changes nothing remembered */
  g_assert_cmpint (run_cli (NULL, "manager-pw\n", &out, &err, "--db", path, "sync", "--user",
                            "manager", "--password-stdin", NULL), ==, 1);
  value = meta (path, "sync.user");
  g_assert_cmpstr (value, ==, "admin");
  g_clear_pointer (&value, g_free);

  /* a sign-in kept under an older spelling (before addresses were normalized) is found,
   * and kept under the normalized one from then on */
  token = crm_credentials_lookup_token (server->url, "admin", &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_true (crm_credentials_delete_token (server->url, "admin", &error));
  old_spelling = g_strconcat (server->url, "/", NULL);
  g_assert_true (crm_credentials_store_token (old_spelling, "admin", token, &error));
  {
    g_autoptr(CrmStore) store = crm_test_open (path);

    g_assert_true (crm_store_set_meta (store, "sync.server", old_spelling, &error));
  }
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", NULL), ==, 0);
  g_clear_pointer (&token, g_free);
  token = crm_credentials_lookup_token (server->url, "admin", &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  /* still the one sign-in of the first sync */
  g_assert_cmpuint (crm_test_server_count_log (server, "POST /api/v1/session 200", NULL), ==, 1);

  /* --forget needs no options either */
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", "--forget", NULL), ==, 0);
  g_clear_pointer (&token, g_free);
  token = crm_credentials_lookup_token (server->url, "admin", &error);
  g_assert_null (token);
  token = crm_credentials_lookup_token (old_spelling, "admin", &error);
  g_assert_null (token);
  g_assert_cmpint (run_cli (NULL, "", &out, &err, "--db", path, "sync", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--password-stdin"));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

/* The administrator's /etc/voronka/client.conf: the rep types only name and password. */
static void
test_preset_file (void)
{
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *etc = g_build_filename (tmpdir, "etc", NULL);
  g_autofree char *conf = g_build_filename (etc, "voronka", "client.conf", NULL);
  g_autofree char *ca = g_build_filename (etc, "voronka", "team-ca.pem", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "rep.db", NULL);
  g_autofree char *env_etc = g_strconcat ("VORONKA_SYSCONFDIR=", etc, NULL);
  const char *env[] = { env_etc, NULL };
  g_autofree char *cert_pem = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *value = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no session bus or gnome-keyring here (run under dbus-run-session)");
      return;
    }
  data = make_data ("preset-file");
  server = crm_test_server_start (data, FALSE, NULL);
  g_assert_true (g_file_get_contents (server->cert, &cert_pem, NULL, NULL));

  /* a broken file: named, ignored, and the CLI still says what to give */
  write_file (conf, "[server]\nca-file=team-ca.pem\n");
  g_assert_cmpint (run_cli (env, "rep-password\n", &out, &err, "--db", path, "sync", "--user",
                            "Мария Кузнецова", "--password-stdin", NULL), ==, 2);
  g_assert_nonnull (strstr (err, conf));
  g_assert_nonnull (strstr (err, "url"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* the CA next to the file, the address spelled the admin's way */
  write_file (ca, cert_pem);
  contents = g_strdup_printf ("# the team's server\n[server]\nurl=%s/\nca-file=team-ca.pem\n",
                              server->url);
  write_file (conf, contents);
  g_assert_cmpint (run_cli (env, "rep-password\n", &out, &err, "--db", path, "sync", "--user",
                            "Мария Кузнецова", "--password-stdin", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Installed a copy"));
  value = meta (path, "sync.server");
  g_assert_cmpstr (value, ==, server->url);
  g_clear_pointer (&value, g_free);
  value = meta (path, "sync.ca");
  g_assert_cmpstr (value, ==, cert_pem);
  g_clear_pointer (&value, g_free);

  /* later: nothing to type, even once the preset is gone (the replica remembers) */
  g_assert_cmpint (g_unlink (conf), ==, 0);
  g_assert_cmpint (g_unlink (ca), ==, 0);
  g_assert_cmpint (run_cli (env, "", &out, &err, "--db", path, "sync", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "up to date"));

  /* the server gets a new certificate: the administrator replaces the preset's file and
   * the replica follows with nothing to type, remembering the new one */
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  {
    g_autofree char *tls = g_build_filename (data, "tls", NULL);
    g_autofree char *new_pem = NULL;

    crm_test_remove_tree (tls);
    crm_test_server_restart (server);
    g_assert_true (g_file_get_contents (server->cert, &new_pem, NULL, NULL));
    g_assert_cmpstr (new_pem, !=, cert_pem);
    /* with only the old certificate the replica remembers: refused */
    g_assert_cmpint (run_cli (env, "", &out, &err, "--db", path, "sync", NULL), ==, 1);
    g_assert_nonnull (strstr (err, "--ca-file"));
    write_file (ca, new_pem);
    contents = (g_free (contents), g_strdup_printf ("[server]\nurl=%s\nca-file=team-ca.pem\n",
                                                     server->url));
    write_file (conf, contents);
    g_assert_cmpint (run_cli (env, "", &out, &err, "--db", path, "sync", NULL), ==, 0);
    value = meta (path, "sync.ca");
    g_assert_cmpstr (value, ==, new_pem);
    g_clear_pointer (&value, g_free);
  }

  /* a preset certificate that is not there: the error names it and the way out */
  contents = (g_free (contents), g_strdup_printf ("[server]\nurl=%s\nca-file=/etc/voronka/gone.pem\n",
                                                   server->url));
  write_file (conf, contents);
  {
    g_autofree char *fresh = g_build_filename (tmpdir, "fresh.db", NULL);
    g_autofree char *gone = g_build_filename (etc, "voronka", "gone.pem", NULL);

    g_assert_cmpint (run_cli (env, "rep-password\n", &out, &err, "--db", fresh, "sync", "--user",
                              "Денис Морозов", "--password-stdin", NULL), ==, 1);
    /* an absolute /etc/… path is read under VORONKA_SYSCONFDIR (or the Flatpak's /run/host/etc) */
    g_assert_nonnull (strstr (err, gone));
    g_assert_nonnull (strstr (err, "--ca-file"));
    g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpint (g_unlink (conf), ==, 0);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
}

/* The same preset from GSettings: a vendor override file next to the app's schema. */
static void
test_preset_gsettings (void)
{
  const char *schema = g_getenv ("VORONKA_GSCHEMA");
  g_autofree char *data = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autofree char *schemas = g_build_filename (tmpdir, "schemas", NULL);
  g_autofree char *copy = g_build_filename (schemas, "org.voronka.Voronka.gschema.xml", NULL);
  g_autofree char *override = g_build_filename (schemas, "50-team.gschema.override", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "vendor.db", NULL);
  g_autofree char *schema_xml = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *command = NULL;
  g_autofree char *env_dir = NULL;
  g_autofree char *value = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (schema == NULL || !crm_test_start_keyring (TRUE))
    {
      crm_test_fail_missing ("no schema, or no session bus or gnome-keyring here");
      return;
    }
  data = make_data ("preset-gsettings");
  server = crm_test_server_start (data, FALSE, NULL);

  g_assert_true (g_file_get_contents (schema, &schema_xml, NULL, NULL));
  write_file (copy, schema_xml);
  contents = g_strdup_printf ("[org.voronka.Voronka]\ndefault-server='%s'\ndefault-ca='%s'\n",
                              server->url, server->cert);
  write_file (override, contents);
  command = g_strdup_printf ("glib-compile-schemas %s", schemas);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  env_dir = g_strconcat ("GSETTINGS_SCHEMA_DIR=", schemas, NULL);
  {
    const char *env[] = { env_dir, "GSETTINGS_BACKEND=memory", NULL };

    g_assert_cmpint (run_cli (env, "rep-password\n", &out, &err, "--db", path, "sync", "--user",
                              "Денис Морозов", "--password-stdin", NULL), ==, 0);
  }
  value = meta (path, "sync.server");
  g_assert_cmpstr (value, ==, server->url);
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
  /* the certificates replicas remember are cached there, not in the real home */
  cache = g_build_filename (tmpdir, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_add_func ("/sync-remember/normalize", test_normalize);
  g_test_add_func ("/sync-remember/sign-in-once", test_sign_in_once);
  g_test_add_func ("/sync-remember/preset-file", test_preset_file);
  g_test_add_func ("/sync-remember/preset-gsettings", test_preset_gsettings);
  status = g_test_run ();
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
