/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-pg.c — a real PostgreSQL for the tests (see crm-test-pg.h). */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "crm-test-pg.h"
#include "crm-test-util.h"

#define START_TIMEOUT_S 30
#define STOP_TIMEOUT_S  20

typedef struct {
  char        *dir;        /* the temporary folder: data/ and the socket */
  char        *bin;
  GSubprocess *postgres;
  uid_t        uid;        /* who runs PostgreSQL (root only hands it over) */
  gid_t        gid;
  gboolean     as_other;
  guint        databases;
  guint        starts;
  char        *failure;    /* why it cannot run here */
} Cluster;

static Cluster cluster;

gboolean
crm_test_pg_wanted (void)
{
  return g_strcmp0 (g_getenv ("VORONKA_TEST_DATABASE"), "postgresql") == 0;
}

/* GSpawnChildSetupFunc: the unprivileged user, and gone with the test program. */
static void
child_setup (gpointer data)
{
  if (cluster.as_other &&
      (setgid (cluster.gid) != 0 || setuid (cluster.uid) != 0))
    _exit (126);
  /* after setuid(), which clears it */
  prctl (PR_SET_PDEATHSIG, SIGQUIT);
}

static gboolean
run_tool (const char  *tool,
          char       **out_err,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = -1;
  va_list ap;

  g_ptr_array_add (argv, g_build_filename (cluster.bin, tool, NULL));
  va_start (ap, out_err);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (cluster.dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, child_setup,
                     NULL, &out, out_err, &status, &error))
    {
      if (out_err != NULL)
        *out_err = g_strdup (error->message);
      return FALSE;
    }
  return g_spawn_check_wait_status (status, NULL);
}

static void
stop_cluster (void)
{
  if (cluster.postgres != NULL)
    {
      /* a fast shutdown, and no waiting past the bound */
      g_subprocess_send_signal (cluster.postgres, SIGINT);
      for (guint i = 0; i < STOP_TIMEOUT_S * 10 &&
                        g_subprocess_get_identifier (cluster.postgres) != NULL; i++)
        g_usleep (100 * 1000);
      if (g_subprocess_get_identifier (cluster.postgres) != NULL)
        g_subprocess_force_exit (cluster.postgres);
      g_clear_object (&cluster.postgres);
    }
  if (cluster.dir != NULL)
    crm_test_remove_tree (cluster.dir);
}

/* Starts the server process on the cluster's folder (made by initdb). */
static gboolean
launch_postgres (void)
{
  g_autofree char *postgres = g_build_filename (cluster.bin, "postgres", NULL);
  g_autofree char *data = g_build_filename (cluster.dir, "data", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_strdup_printf ("%s/postgres-%u.log", cluster.dir, ++cluster.starts);

  /* its log in its folder, one file a start */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_cwd (launcher, cluster.dir);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  cluster.postgres = g_subprocess_launcher_spawn (launcher, &error, postgres, "-D", data,
                                                  "-k", cluster.dir, "-c", "listen_addresses=",
                                                  "-c", "fsync=off", "-c",
                                                  "synchronous_commit=off", "-c",
                                                  "full_page_writes=off", "-c",
                                                  "max_connections=50", NULL);
  if (cluster.postgres == NULL)
    {
      cluster.failure = g_strdup_printf ("postgres did not start: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Waits (bounded) until the server takes connections. */
static gboolean
wait_ready (void)
{
  for (guint i = 0; i < START_TIMEOUT_S * 10; i++)
    {
      if (run_tool ("pg_isready", NULL, "-q", "-h", cluster.dir, "-U", "voronka", "-d",
                    "postgres", NULL))
        return TRUE;
      if (g_subprocess_get_identifier (cluster.postgres) == NULL)
        break;
      g_usleep (100 * 1000);
    }
  cluster.failure = g_strdup_printf ("PostgreSQL did not get ready within %d s", START_TIMEOUT_S);
  return FALSE;
}

static gboolean
start_cluster (void)
{
  g_autofree char *data = NULL;
  g_autofree char *initdb = NULL;
  g_autofree char *err = NULL;
  g_autofree char *postgres = NULL;

  cluster.bin = g_strdup (g_getenv ("VORONKA_PG_BIN") ? g_getenv ("VORONKA_PG_BIN")
                                                      : "/usr/lib/postgresql/15/bin");
  initdb = g_build_filename (cluster.bin, "initdb", NULL);
  postgres = g_build_filename (cluster.bin, "postgres", NULL);
  if (!g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (postgres, G_FILE_TEST_IS_EXECUTABLE))
    {
      cluster.failure = g_strdup_printf ("PostgreSQL's programs are not in %s (Debian package "
                                         "postgresql)", cluster.bin);
      return FALSE;
    }
  if (getuid () == 0)
    {
      /* PostgreSQL refuses to run as root */
      struct passwd *user = getpwnam ("postgres");

      if (user == NULL)
        user = getpwnam ("nobody");
      if (user == NULL)
        {
          cluster.failure = g_strdup ("running as root, and there is no user postgres or "
                                      "nobody to run PostgreSQL as");
          return FALSE;
        }
      cluster.as_other = TRUE;
      cluster.uid = user->pw_uid;
      cluster.gid = user->pw_gid;
    }
  /* in /tmp itself: a test's own TMPDIR may be closed to PostgreSQL's user */
  cluster.dir = g_build_filename (cluster.as_other ? "/tmp" : g_get_tmp_dir (),
                                  "voronka-pg-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (cluster.dir));
  if (cluster.as_other && chown (cluster.dir, cluster.uid, cluster.gid) != 0)
    {
      cluster.failure = g_strdup_printf ("cannot hand %s to the PostgreSQL user: %s",
                                         cluster.dir, g_strerror (errno));
      return FALSE;
    }
  data = g_build_filename (cluster.dir, "data", NULL);
  if (!run_tool ("initdb", &err, "-D", data, "-U", "voronka", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync", NULL))
    {
      cluster.failure = g_strdup_printf ("initdb failed: %s", err ? err : "");
      return FALSE;
    }
  if (!launch_postgres ())
    return FALSE;
  atexit (stop_cluster);
  return wait_ready ();
}

char *
crm_test_pg_new_database (void)
{
  g_autofree char *name = NULL;
  g_autofree char *err = NULL;

  if (cluster.bin == NULL && !start_cluster () && cluster.failure == NULL)
    cluster.failure = g_strdup ("PostgreSQL did not start");
  if (cluster.failure != NULL)
    {
      crm_test_fail_missing (cluster.failure);
      return NULL;
    }
  name = g_strdup_printf ("voronka_%u", ++cluster.databases);
  if (!run_tool ("createdb", &err, "-h", cluster.dir, "-U", "voronka", name, NULL))
    {
      crm_test_fail_missing (err ? err : "createdb failed");
      return NULL;
    }
  return g_strdup_printf ("postgresql:///%s?host=%s&user=voronka", name, cluster.dir);
}

char *
crm_test_pg_require_database (void)
{
  char *url = crm_test_pg_new_database ();

  if (url == NULL)
    {
      g_printerr ("PostgreSQL cannot run here: %s\n", cluster.failure ? cluster.failure : "?");
      exit (g_test_failed () ? 1 : 77);
    }
  return url;
}

char *
crm_test_pg_query (const char *url,
                   const char *sql)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;

  g_assert_nonnull (cluster.bin);
  g_ptr_array_add (argv, g_build_filename (cluster.bin, "psql", NULL));
  g_ptr_array_add (argv, g_strdup ("-At"));
  g_ptr_array_add (argv, g_strdup ("-d"));
  g_ptr_array_add (argv, g_strdup (url));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup (sql));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (cluster.dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, child_setup, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("psql %s: %s", sql, err);
  return g_strstrip (out);
}

void
crm_test_pg_stop (gboolean crash)
{
  g_assert_nonnull (cluster.postgres);
  /* SIGQUIT: immediate shutdown, as a crash (recovery from the log on start);
   * SIGINT: fast shutdown (sessions cut, a checkpoint) */
  g_subprocess_send_signal (cluster.postgres, crash ? SIGQUIT : SIGINT);
  for (guint i = 0; i < STOP_TIMEOUT_S * 10 &&
                    g_subprocess_get_identifier (cluster.postgres) != NULL; i++)
    g_usleep (100 * 1000);
  g_assert_null (g_subprocess_get_identifier (cluster.postgres));
  g_clear_object (&cluster.postgres);
}

void
crm_test_pg_start (void)
{
  g_assert_null (cluster.postgres);
  if (!launch_postgres () || !wait_ready ())
    g_error ("PostgreSQL did not start again: %s", cluster.failure);
}
