/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-server.c — a real voronka-server for the sync tests (see crm-test-server.h). */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "crm-test-server.h"
#include "crm-query.h"
#include "crm-test-pg.h"
#include "crm-test-util.h"

#define START_TIMEOUT_S 20.0
#define STOP_TIMEOUT_S  20.0

static const char *
server_binary (void)
{
  const char *path = g_getenv ("VORONKA_SERVER");

  g_assert_nonnull (path);
  return path;
}

/* Under VORONKA_TEST_DATABASE=postgresql every data folder gets a PostgreSQL database of
 * its own, which its admin commands and servers name with --database. */
static GHashTable *urls;

void
crm_test_server_set_database (const char *dir,
                              const char *url)
{
  if (urls == NULL)
    urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (urls, g_strdup (dir), g_strdup (url));
}

static const char *
database_of (const char *dir)
{
  const char *url;

  if (!crm_test_pg_wanted ())
    return NULL;
  if (urls == NULL)
    urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  url = g_hash_table_lookup (urls, dir);
  if (url == NULL)
    {
      url = crm_test_pg_require_database ();
      g_hash_table_insert (urls, g_strdup (dir), (char *) url);
    }
  return url;
}

const char *
crm_test_server_database (const char *dir)
{
  return database_of (dir);
}

static void
add_database (GPtrArray  *argv,
              const char *dir)
{
  const char *url = database_of (dir);

  if (url != NULL)
    {
      g_ptr_array_add (argv, "--database");
      g_ptr_array_add (argv, (gpointer) url);
    }
}

static int
run_admin_argv (const char  *dir,
                const char  *password,
                GPtrArray   *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (password ? password : "", "\n", NULL);
  g_autofree char *input_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int fd;

  /* the password comes from a file, not a pipe: a command that ends without reading it
   * (one that refuses at once) left the test writing into a closed pipe (EPIPE) */
  fd = g_file_open_tmp ("voronka-admin-input-XXXXXX", &input_path, &error);
  g_assert_no_error (error);
  g_close (fd, NULL);
  g_assert_true (g_file_set_contents (input_path, input, -1, NULL));
  g_subprocess_launcher_set_stdin_file_path (launcher, input_path);

  g_ptr_array_add (argv, (gpointer) server_binary ());
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, (gpointer) dir);
  add_database (argv, dir);
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, args->pdata[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_unlink (input_path);
  if (!g_subprocess_get_if_exited (process))
    g_error ("voronka-server %s crashed: %s", (char *) args->pdata[0], err);
  if (g_subprocess_get_exit_status (process) != 0)
    g_test_message ("voronka-server %s: %s", (char *) args->pdata[0], err);
  return g_subprocess_get_exit_status (process);
}

int
crm_test_server_admin (const char *dir,
                       const char *password,
                       const char *first_arg,
                       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  return run_admin_argv (dir, password, args);
}

char *
crm_test_server_make_data (const char *parent)
{
  char *dir = g_build_filename (parent, "server", NULL);

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "acme",
                                          "--template", "truck-dealer", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "manager-pw", "user", "add", "acme", "manager",
                                          "--role", "manager", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "rep-password", "user", "add", "acme",
                                          "Мария Кузнецова", "--role", "rep", "--password-stdin",
                                          NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "rep-password", "user", "add", "acme",
                                          "Денис Морозов", "--role", "rep", "--password-stdin",
                                          NULL), ==, 0);
  return dir;
}

static char *
read_logs (CrmTestServer *server)
{
  GString *all = g_string_new (NULL);

  for (guint n = 0;; n++)
    {
      g_autofree char *path = n == 0 ? g_strdup (server->log_path)
                                     : g_strdup_printf ("%s.%u", server->log_path, n);
      g_autofree char *text = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        break;
      g_string_append (all, text);
    }
  return g_string_free (all, FALSE);
}

/* A test that fails (abort) must not leave its server behind: it dies with the test. */
static void
die_with_parent (gpointer user_data)
{
  CrmTestServer *server = user_data;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (server->max_files > 0)
    {
      struct rlimit limit = { server->max_files, server->max_files };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static void
launch (CrmTestServer *server,
        const char    *listen,
        guint          generation)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *log = generation == 0 ? g_strdup (server->log_path)
                                         : g_strdup_printf ("%s.%u", server->log_path, generation);
  /* VORONKA_TEST_SERVER_START_S: a longer wait, for a niced bench on a loaded machine */
  const char *wait_text = g_getenv ("VORONKA_TEST_SERVER_START_S");
  double wait_s = wait_text != NULL && g_ascii_strtod (wait_text, NULL) > 0
                  ? g_ascii_strtod (wait_text, NULL) : START_TIMEOUT_S;
  gint64 deadline = g_get_monotonic_time () + (gint64) (wait_s * G_USEC_PER_SEC);

  /* the child truncates the file only once it runs: a log left by an earlier server in
   * this folder must not be taken for this one's "listening on" */
  g_unlink (log);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, server, NULL);
  g_ptr_array_add (argv, (gpointer) server_binary ());
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, server->dir);
  add_database (argv, server->dir);
  g_ptr_array_add (argv, "serve");
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, (gpointer) listen);
  if (server->insecure)
    g_ptr_array_add (argv, "--insecure-http");
  for (guint i = 0; server->extra_args != NULL && server->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, server->extra_args[i]);
  g_ptr_array_add (argv, NULL);
  g_clear_object (&server->process);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);

  for (;;)
    {
      g_autofree char *text = NULL;
      const char *line;

      if (g_file_get_contents (log, &text, NULL, NULL) &&
          (line = strstr (text, "listening on ")) != NULL)
        {
          const char *end = strchr (line, '\n');

          if (end != NULL)
            {
              g_free (server->url);
              server->url = g_strndup (line + strlen ("listening on "),
                                       end - line - strlen ("listening on "));
              return;
            }
        }
      if (g_subprocess_get_identifier (server->process) == NULL)
        g_error ("voronka-server exited before listening: %s", text ? text : "");
      if (g_get_monotonic_time () > deadline)
        g_error ("voronka-server did not start within %.0f s: %s", wait_s,
                 text ? text : "");
      g_usleep (20 * 1000);
    }
}

CrmTestServer *
crm_test_server_start (const char         *dir,
                       gboolean            insecure,
                       const char * const *extra_args)
{
  return crm_test_server_start_with_file_limit (dir, insecure, extra_args, 0);
}

CrmTestServer *
crm_test_server_start_with_file_limit (const char         *dir,
                                       gboolean            insecure,
                                       const char * const *extra_args,
                                       guint               max_files)
{
  CrmTestServer *server = g_new0 (CrmTestServer, 1);

  server->dir = g_strdup (dir);
  server->max_files = max_files;
  server->insecure = insecure;
  server->extra_args = g_strdupv ((char **) extra_args);
  server->log_path = g_build_filename (dir, "serve.log", NULL);
  for (guint n = 1;; n++)
    {
      g_autofree char *old = g_strdup_printf ("%s.%u", server->log_path, n);
      if (g_unlink (old) != 0)
        break;
    }
  launch (server, "127.0.0.1:0", 0);
  if (!insecure)
    server->cert = g_build_filename (dir, "tls", "cert.pem", NULL);
  return server;
}

void
crm_test_server_restart (CrmTestServer *server)
{
  const char *port = strrchr (server->url, ':');
  g_autofree char *listen = g_strconcat ("127.0.0.1", port, NULL);
  guint generation = 1;

  for (;; generation++)
    {
      g_autofree char *path = g_strdup_printf ("%s.%u", server->log_path, generation);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        break;
    }
  launch (server, listen, generation);
}

static gboolean
wait_exit (GSubprocess *process,
           double       seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  return g_subprocess_wait (process, NULL, NULL);
}

int
crm_test_server_stop (CrmTestServer *server)
{
  int status;

  if (server->process == NULL)
    return 0;
  g_subprocess_send_signal (server->process, SIGTERM);
  if (!wait_exit (server->process, STOP_TIMEOUT_S))
    {
      g_subprocess_force_exit (server->process);
      g_subprocess_wait (server->process, NULL, NULL);
      g_error ("voronka-server did not stop within %.0f s of SIGTERM", STOP_TIMEOUT_S);
    }
  status = g_subprocess_get_if_exited (server->process)
           ? g_subprocess_get_exit_status (server->process) : -1;
  g_clear_object (&server->process);
  return status;
}

void
crm_test_server_kill (CrmTestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

void
crm_test_server_free (CrmTestServer *server)
{
  if (server == NULL)
    return;
  if (server->process != NULL)
    crm_test_server_kill (server);
  g_free (server->dir);
  g_free (server->url);
  g_free (server->cert);
  g_free (server->log_path);
  g_strfreev (server->extra_args);
  g_free (server);
}

static guint
count_lines (CrmTestServer       *server,
             const char * const  *needles)
{
  g_autofree char *text = read_logs (server);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean all = TRUE;

      for (guint n = 0; needles[n] != NULL && all; n++)
        all = strstr (lines[i], needles[n]) != NULL;
      count += all;
    }
  return count;
}

guint
crm_test_server_count_log (CrmTestServer *server,
                           const char    *first_needle,
                           ...)
{
  g_autoptr(GPtrArray) needles = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first_needle);
  for (const char *n = first_needle; n != NULL; n = va_arg (ap, const char *))
    g_ptr_array_add (needles, (gpointer) n);
  va_end (ap);
  g_ptr_array_add (needles, NULL);
  return count_lines (server, (const char * const *) needles->pdata);
}

gboolean
crm_test_server_wait_log (CrmTestServer *server,
                          guint          count,
                          double         seconds,
                          const char    *needle,
                          const char    *needle2)
{
  const char *needles[] = { needle, needle2, NULL };
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (count_lines (server, needles) < count)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (5 * 1000);
    }
  return TRUE;
}

CrmStore *
crm_test_server_open_account (CrmTestServer *server)
{
  g_autofree char *accounts = g_build_filename (server->dir, "accounts", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* on PostgreSQL: the running server's own replica, its cache of the account's log */
  if (crm_test_pg_wanted () && server->process != NULL)
    {
      g_free (accounts);
      accounts = g_build_filename (server->dir, "pg-cache",
                                   g_subprocess_get_identifier (server->process), NULL);
    }
  dir = g_dir_open (accounts, 0, NULL);

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      {
        g_autofree char *path = g_build_filename (accounts, name, NULL);
        return crm_test_open (path);
      }
  g_error ("no account replica in %s", accounts);
  return NULL;
}

CrmSyncClient *
crm_test_client_new (CrmTestServer *server,
                     const char    *path,
                     const char    *user,
                     const char    *password)
{
  CrmSyncClient *client = crm_sync_client_new (path, server->url, user);
  g_autoptr(GError) error = NULL;

  if (server->insecure)
    crm_sync_client_set_allow_insecure (client, TRUE);
  else
    {
      crm_sync_client_set_ca_file (client, server->cert, &error);
      g_assert_no_error (error);
    }
  crm_sync_client_set_password (client, password);
  return client;
}

CrmSyncReport *
crm_test_sync (CrmSyncClient *client)
{
  g_autoptr(GError) error = NULL;
  CrmSyncReport *report = crm_sync_client_sync (client, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

char *
crm_test_dump (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  char *state = crm_store_dump_state (store, &error);

  g_assert_no_error (error);
  return state;
}

CrmStore *
crm_test_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  CrmStore *store = crm_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

void
crm_test_replica_open (CrmTestReplica *replica,
                       CrmTestServer  *server,
                       const char     *dir,
                       const char     *name,
                       const char     *user,
                       const char     *password)
{
  g_autoptr(CrmSyncReport) report = NULL;

  replica->name = name;
  replica->user = user;
  replica->password = password;
  replica->path = g_build_filename (dir, name, NULL);
  replica->client = crm_test_client_new (server, replica->path, user, password);
  report = crm_test_sync (replica->client);
  g_assert_true (report->snapshot);
  g_assert_false (report->server_restored);
  replica->store = crm_test_open (replica->path);
}

char *
crm_test_replica_sign_in_app (CrmTestReplica *replica,
                              CrmTestServer  *server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;
  char *token = g_strdup (crm_sync_client_get_token (replica->client));

  g_assert_nonnull (token);
  g_assert_true (crm_store_set_meta (replica->store, "sync.server", server->url, &error));
  g_assert_true (crm_store_set_meta (replica->store, "sync.user", replica->user, &error));
  user_id = crm_query_resolve (replica->store, "user", replica->user, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user_id);
  g_assert_true (crm_store_set_meta (replica->store, "app.user", user_id, &error));
  g_assert_no_error (error);
  return token;
}

CrmSyncReport *
crm_test_replica_sync (CrmTestReplica *replica)
{
  return crm_test_sync (replica->client);
}

void
crm_test_replica_clear (CrmTestReplica *replica)
{
  g_clear_object (&replica->store);
  g_clear_object (&replica->client);
  g_clear_pointer (&replica->path, g_free);
}

CrmTestServer *
crm_test_server_set_up (char **tmpdir,
                        char **data_dir)
{
  g_autofree char *data = NULL;
  CrmTestServer *server;

  *tmpdir = crm_test_make_tmpdir ();
  data = crm_test_server_make_data (*tmpdir);
  server = crm_test_server_start (data, FALSE, NULL);
  if (data_dir != NULL)
    *data_dir = g_steal_pointer (&data);
  return server;
}

void
crm_test_server_tear_down (CrmTestServer *server,
                           char          *tmpdir,
                           int            status)
{
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
}

guint16
crm_test_free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}
