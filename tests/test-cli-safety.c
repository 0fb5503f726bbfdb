/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-safety.c — voronkactl's errors say what happened and leave nothing behind:
 * `--db ""` is a usage error (not the default replica); text that is not UTF-8 names its
 * option or argument and writes nothing; a read-only replica (file mode 0444, or a
 * read-only folder) still reads, and a write says "read-only", not "damaged"; a first
 * sync that fails (no server, a wrong password against a real voronka-server on
 * 127.0.0.1) leaves no replica file. Init killed midway is in test-crash.c. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "crm-store.h"
#include "crm-test-store.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define NOBODY 65534

static char *tmpdir;

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
  run->status = -1;
}

static void
drop_to_nobody (gpointer data)
{
  /* in the child, before exec: root is not stopped by file modes, nobody is */
  if (setgroups (0, NULL) != 0 || setgid (NOBODY) != 0 || setuid (NOBODY) != 0)
    _exit (125);
}

/* Runs $VORONKACTL @args with @input on stdin (NULL: none), as nobody when @as_nobody
 * and this test runs as root. */
static void
run_ctl (Run                *run,
         const char         *input,
         gboolean            as_nobody,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  run_clear (run);
  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKACTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (as_nobody && getuid () == 0)
    g_subprocess_launcher_set_child_setup (launcher, drop_to_nobody, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out,
                                 &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_assert_cmpint (run->status, !=, 125);
  g_assert_null (strstr (run->err, "CRITICAL"));
  g_assert_null (strstr (run->err, "WARNING"));
}

#define RUN(run, input, nobody, ...) \
  G_STMT_START { const char *args_[] = { __VA_ARGS__, NULL }; \
                 run_ctl ((run), (input), (nobody), args_); } G_STMT_END

/* The {"error": {"code", "message"}} of a --json refusal (exit 1); returns the message. */
static char *
refusal (const Run  *run,
         const char *code)
{
  g_autoptr(JsonNode) json = NULL;
  JsonObject *error;

  if (run->status != 1)
    g_test_message ("status %d, out: %s, err: %s", run->status, run->out, run->err);
  g_assert_cmpint (run->status, ==, 1);
  json = crm_test_parse_json (run->out);
  error = json_object_get_object_member (json_node_get_object (json), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  return g_strdup (json_object_get_string_member (error, "message"));
}

static gint64
log_length (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (path, &error);

  g_assert_no_error (error);
  return crm_store_get_log_length (store);
}

static char *
new_replica (const char *name)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  Run run = { 0 };

  RUN (&run, NULL, FALSE, "--db", path, "init", "--template", "truck-dealer");
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
  return path;
}

static void
test_db_empty (void)
{
  g_autofree char *data_home = g_build_filename (tmpdir, "data-home", NULL);
  g_autofree char *default_replica = g_build_filename (data_home, "voronka", "replica.db", NULL);
  const char *forms[][3] = {
    { "--db", "", "init" }, { "--db=", "init", NULL }, { "init", "--db", "" },
    { "init", "--db=", NULL }, { "--db", "", "pipelines" },
  };
  Run run = { 0 };

  /* where the default replica would be, were "" taken for it */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      const char *args[] = { forms[i][0], forms[i][1], forms[i][2], NULL };

      run_ctl (&run, NULL, FALSE, args);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "--db needs the path of a replica file"));
      g_assert_false (g_file_test (default_replica, G_FILE_TEST_EXISTS));
    }
  g_unsetenv ("XDG_DATA_HOME");
  run_clear (&run);
}

static void
test_bad_utf8 (void)
{
  g_autofree char *path = new_replica ("utf8.db");
  gint64 before = log_length (path);
  const struct { const char *args[8]; const char *names; } cases[] = {
    { { "contact", "add", "--name", "\xff\xfe", NULL }, "--name" },
    { { "contact", "add", "--name=Ив\xd0", NULL }, "--name" },
    { { "contact", "add", "--name", "Иван", "--phone", "+7 900 \xc3\x28", NULL }, "--phone" },
    { { "contact", "list", "--search", "\x80", NULL }, "--search" },
    { { "deal", "show", "\xff", NULL }, "argument 1" },
    { { "--as", "\xfe", "contact", "list", NULL }, "--as" },
  };
  Run run = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autofree char *message = NULL;

      g_ptr_array_add (args, "--db");
      g_ptr_array_add (args, path);
      g_ptr_array_add (args, "--json");
      for (guint a = 0; cases[i].args[a] != NULL; a++)
        g_ptr_array_add (args, (gpointer) cases[i].args[a]);
      g_ptr_array_add (args, NULL);
      run_ctl (&run, NULL, FALSE, (const char * const *) args->pdata);
      message = refusal (&run, "invalid-input");
      g_assert_true (g_utf8_validate (message, -1, NULL));
      g_assert_nonnull (strstr (message, cases[i].names));
      g_assert_nonnull (strstr (message, "UTF-8"));
    }
  g_assert_cmpint (log_length (path), ==, before);
  run_clear (&run);
}

/* Reads work and a write is refused as read-only, for a replica at @path that nobody
 * (or this non-root user) cannot write; nothing is left beside it. */
static void
check_read_only (const char *path)
{
  g_autofree char *message = NULL;
  Run run = { 0 };

  RUN (&run, NULL, TRUE, "--db", path, "--json", "pipelines");
  if (run.status != 0)
    g_test_message ("pipelines: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Продажи"));
  RUN (&run, NULL, TRUE, "--db", path, "--json", "user", "list");
  g_assert_cmpint (run.status, ==, 0);
  RUN (&run, NULL, TRUE, "--db", path, "--json", "contact", "add", "--name", "Иван Петров");
  message = refusal (&run, "read-only");
  g_assert_nonnull (strstr (message, "read-only"));
  g_assert_null (strstr (message, "damaged"));
  g_assert_nonnull (strstr (message, path));
  run_clear (&run);
  {
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);

    g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  }
}

static void
test_read_only (void)
{
  g_autofree char *file_dir = g_build_filename (tmpdir, "ro-file", NULL);
  g_autofree char *folder = g_build_filename (tmpdir, "ro-folder", NULL);
  g_autofree char *in_file_dir = NULL;
  g_autofree char *in_folder = NULL;
  gint64 before;

  if (getuid () == 0)
    g_test_message ("running as root: the voronkactl under test runs as nobody");
  /* the folders on the way must let nobody through */
  g_assert_cmpint (g_chmod (tmpdir, 0755), ==, 0);

  /* 1. the file is 0444, its folder writable */
  g_assert_cmpint (g_mkdir (file_dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (file_dir, 0777), ==, 0);
  in_file_dir = new_replica ("ro-file/replica.db");
  before = log_length (in_file_dir);
  g_assert_cmpint (g_chmod (in_file_dir, 0444), ==, 0);
  check_read_only (in_file_dir);
  g_assert_cmpint (g_chmod (in_file_dir, 0644), ==, 0);
  g_assert_cmpint (log_length (in_file_dir), ==, before);

  /* 2. the folder is read-only (the file itself not writable for nobody either when
   * root made it; for another user the folder alone makes it read-only) */
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  in_folder = new_replica ("ro-folder/replica.db");
  before = log_length (in_folder);
  if (getuid () != 0)
    g_assert_cmpint (g_chmod (in_folder, 0644), ==, 0);
  g_assert_cmpint (g_chmod (folder, 0555), ==, 0);
  check_read_only (in_folder);
  {
    g_autofree char *another = g_build_filename (folder, "another.db", NULL);
    g_autofree char *message = NULL;
    Run run = { 0 };

    /* nor can a new replica be made there; init says why */
    RUN (&run, NULL, TRUE, "--db", another, "--json", "init");
    message = refusal (&run, "read-only");
    g_assert_nonnull (strstr (message, "cannot be written"));
    g_assert_false (g_file_test (another, G_FILE_TEST_EXISTS));
    run_clear (&run);
  }
  g_assert_cmpint (g_chmod (folder, 0755), ==, 0);
  g_assert_cmpint (log_length (in_folder), ==, before);
}

/* `voronkactl --db @path ARGS…` in Russian fails (exit 1) saying that the damaged replica
 * could not be read, in Russian words only: nothing but the path and the program's name
 * is in Latin letters. */
#define assert_russian_read_failure(path, ...) \
  G_STMT_START { const char *args_[] = { "--db", (path), __VA_ARGS__, NULL }; \
                 check_russian_read_failure ((path), args_); } G_STMT_END

static void
check_russian_read_failure (const char         *path,
                            const char * const *args)
{
  g_autofree char *po_dir = crm_test_built_translations ();
  g_autofree char *words = NULL;
  Run run = { 0 };

  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return;
    }
  g_setenv ("VORONKA_LOCALEDIR", po_dir, TRUE);
  g_setenv ("LANGUAGE", "ru", TRUE);
  run_ctl (&run, NULL, FALSE, args);
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("VORONKA_LOCALEDIR");
  g_test_message ("in Russian: %s", run.err);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "повреждена"));
  g_assert_nonnull (strstr (run.err, "не удалось прочитать"));
  g_assert_nonnull (strstr (run.err, "резервной копии"));
  g_assert_null (strstr (run.err, "ничего не изменено"));
  g_assert_nonnull (strstr (run.err, path));
  words = g_strdup (run.err);
  g_strstrip (words);
  /* the path and "voronkactl:" aside, not one Latin letter */
  {
    g_autoptr(GString) rest = g_string_new (words);

    g_string_replace (rest, path, "", 0);
    g_string_replace (rest, "voronkactl", "", 0);
    for (const char *p = rest->str; *p != '\0'; p++)
      if (g_ascii_isalpha (*p))
        g_error ("an English fragment in «%s»", run.err);
  }
  run_clear (&run);
}

/* A read that fails (here: a damaged table) is an error that names the cause, never an
 * answer with the part that could not be read left out. */
static void
test_read_failure (void)
{
  g_autofree char *path = new_replica ("damaged-fields.db");
  g_autoptr(JsonNode) contact = NULL;
  g_autofree char *id = NULL;
  Run run = { 0 };

  RUN (&run, NULL, FALSE, "--db", path, "--json", "contact", "add", "--name", "Иван Петров");
  g_assert_cmpint (run.status, ==, 0);
  contact = crm_test_parse_json (run.out);
  id = g_strdup (json_object_get_string_member (json_node_get_object (contact), "id"));
  RUN (&run, NULL, FALSE, "--db", path, "contact", "show", id);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Иван Петров"));

  crm_test_damage_table (path, "field");
  RUN (&run, NULL, FALSE, "--db", path, "contact", "show", id);
  if (run.status != 1)
    g_test_message ("status %d, out: %s, err: %s", run.status, run.out, run.err);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "is damaged"));
  g_assert_nonnull (strstr (run.err, "could not be read"));
  g_assert_nonnull (strstr (run.err, "restore it from a backup"));
  g_assert_nonnull (strstr (run.err, path));
  /* a read changes nothing, so it does not say it changed nothing */
  g_assert_null (strstr (run.err, "nothing was changed"));
  /* not half a card that looks whole */
  g_assert_null (strstr (run.out, "Related companies"));

  /* in Russian, from the built catalog: Russian words only, no English fragment */
  assert_russian_read_failure (path, "contact", "show", id);
  run_clear (&run);
}

/* `sync` and `status` over a replica whose settings (meta: the server it syncs with, the
 * cursor) are damaged fail with exit 1 naming the damage and the file — not «Which
 * server?», not a status that looks like a replica that never synced. */
static void
test_damaged_sync_status (void)
{
  g_autofree char *path = new_replica ("damaged-meta.db");
  Run run = { 0 };

  RUN (&run, NULL, FALSE, "--db", path, "status");
  g_assert_cmpint (run.status, ==, 0);
  crm_test_damage_table (path, "meta");

  RUN (&run, NULL, FALSE, "--db", path, "sync");
  g_test_message ("sync: status %d, out: %s, err: %s", run.status, run.out, run.err);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "is damaged"));
  g_assert_nonnull (strstr (run.err, path));
  g_assert_null (strstr (run.err, "Which server"));

  RUN (&run, NULL, FALSE, "--db", path, "status");
  g_test_message ("status: status %d, out: %s, err: %s", run.status, run.out, run.err);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "is damaged"));
  g_assert_nonnull (strstr (run.err, "could not be read"));
  g_assert_nonnull (strstr (run.err, path));
  g_assert_null (strstr (run.out, "never"));

  assert_russian_read_failure (path, "sync");
  assert_russian_read_failure (path, "status");
  run_clear (&run);
}

static void
test_failed_first_sync (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "first-sync.db", NULL);
  g_autofree char *data = crm_test_server_make_data (tmpdir);
  g_autoptr(CrmTestServer) server = crm_test_server_start (data, TRUE, NULL);
  g_autofree char *message = NULL;
  Run run = { 0 };

  /* no server there */
  RUN (&run, "admin-pw\n", FALSE, "--db", path, "--json", "sync", "--server",
       "http://127.0.0.1:9", "--user", "admin", "--password-stdin", "--insecure");
  g_free (refusal (&run, "server-unreachable"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* a wrong password, against a real server */
  RUN (&run, "not-the-password\n", FALSE, "--db", path, "--json", "sync", "--server",
       server->url, "--user", "admin", "--password-stdin", "--insecure");
  message = refusal (&run, "auth-failed");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);

    g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  }

  /* the same through the sync client, as the app's sign-in runs it */
  {
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, "admin", "wrong-pw");
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmSyncReport) report = crm_sync_client_sync (client, NULL, &error);

    g_assert_null (report);
    g_assert_nonnull (error);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* the right one makes the replica */
  RUN (&run, "admin-pw\n", FALSE, "--db", path, "--json", "sync", "--server", server->url,
       "--user", "admin", "--password-stdin", "--insecure");
  if (run.status != 0)
    g_test_message ("sync: %s %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (log_length (path), >, 0);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  g_test_add_func ("/cli-safety/db-empty", test_db_empty);
  g_test_add_func ("/cli-safety/bad-utf8", test_bad_utf8);
  g_test_add_func ("/cli-safety/read-only", test_read_only);
  g_test_add_func ("/cli-safety/failed-first-sync", test_failed_first_sync);
  g_test_add_func ("/cli-safety/read-failure", test_read_failure);
  g_test_add_func ("/cli-safety/damaged-sync-status", test_damaged_sync_status);
  status = g_test_run ();
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
