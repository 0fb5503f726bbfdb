/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mailbox.c — requests from a mailbox (S3-3) with real parts: a real IMAP server
 * (Debian's dovecot, started here with a configuration in the test's folder: IMAPS on
 * 127.0.0.1 with the certificate voronka-server made for itself, users and Maildir in the
 * folder), a real voronka-server and its `mailbox` commands, real voronkactl laptops.
 * E-mails are delivered by writing Maildir files. What an admin and a manager notice:
 * the requests in the right stage with their contacts and decoded notes, nothing taken
 * twice (again, after a restart, after UIDVALIDITY changed), a known sender's contact
 * reused, a request closed as «Спам» on a laptop blocking its sender, a wrong password
 * named in `mailbox list` with nothing lost, a malformed e-mail skipped, and the server's
 * own periodic check. The app's administrator tests a mailbox's sign-in and changes its
 * password through the server's API. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "config.h"

#include "crm-attachment.h"
#include "crm-protocol.h"
#include "crm-test-http.h"
#include "crm-test-pg.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define ADMIN_PW   "admin-pw"
#define MAIL_USER  "sales"
#define MAIL_PW    "mail-secret-1"
#define WAIT_S     20.0

static char *tmpdir;

/* --- running the programs ---------------------------------------------------------------- */

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
  if (!g_subprocess_get_if_exited (process))
    g_error ("%s %s crashed: %s", program, args[0], run->err);
  run->status = g_subprocess_get_exit_status (process);
  if (strstr (run->err, "CRITICAL") != NULL || strstr (run->err, "WARNING **") != NULL)
    g_error ("%s %s: a GLib warning on stderr: %s", program, args[0], run->err);
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
  /* under the PostgreSQL matrix: the data folder's database */
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

/* `mailbox check shop --json`: the one mailbox's object; the command must succeed. */
static JsonObject *
check_ok (const char *dir)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *boxes;

  admin (&run, dir, NULL, "mailbox", "check", "shop", "--json", NULL);
  if (run.status != 0)
    g_error ("mailbox check failed (%d): %s%s", run.status, run.out, run.err);
  node = crm_test_parse_json (run.out);
  boxes = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (boxes), ==, 1);
  return json_object_ref (json_array_get_object_element (boxes, 0));
}

static guint
n_taken (JsonObject *box)
{
  return json_array_get_length (json_object_get_array_member (box, "taken"));
}

static guint
n_skipped (JsonObject *box)
{
  return json_array_get_length (json_object_get_array_member (box, "skipped"));
}

static JsonObject *
mailbox_row (const char *dir)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;

  admin (&run, dir, NULL, "mailbox", "list", "shop", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  node = crm_test_parse_json (run.out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  return json_object_ref (json_array_get_object_element (json_node_get_array (node), 0));
}

/* `voronkactl --db @replica sync` as the account's admin. */
static void
laptop_sync (CrmTestServer *server,
             const char    *replica)
{
  g_auto(CrmTestRun) run = { 0 };
  const char *args[] = { "--db", replica, "sync", "--server", server->url, "--user", "admin",
                         "--password-stdin", "--ca-file", server->cert, NULL };

  run_argv (&run, g_getenv ("VORONKACTL"), ADMIN_PW "\n", args);
  if (run.status != 0)
    g_error ("voronkactl sync failed (%d): %s", run.status, run.err);
}

/* The laptop's requests, newest first. */
static JsonArray *
laptop_requests (const char *replica)
{
  g_autoptr(JsonNode) node = crm_test_ctl_ok (replica, NULL, "deal", "list", "--pipeline",
                                              "Заявки", NULL);

  return json_array_ref (json_node_get_array (node));
}

static JsonObject *
find_by_title (JsonArray  *deals,
               const char *title)
{
  JsonObject *deal = crm_test_find_object (deals, "title", title);

  if (deal == NULL)
    g_error ("no request «%s» on the laptop", title);
  return deal;
}

/* The texts of the notes on a deal, from `deal show`'s history. */
static char *
deal_notes (const char *replica,
            const char *deal_id)
{
  g_autoptr(JsonObject) deal = crm_test_take_object (crm_test_ctl_ok (replica, NULL, "deal",
                                                                      "show", deal_id, NULL));
  JsonArray *history = json_object_get_array_member (deal, "history");
  GString *notes = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *entry = json_array_get_object_element (history, i);
      JsonObject *fields = json_object_get_object_member (entry, "fields");

      if (g_strcmp0 (crm_test_get_string (entry, "entity"), "note") == 0 &&
          fields != NULL && crm_test_get_string (fields, "text") != NULL)
        g_string_append_printf (notes, "%s\n", crm_test_get_string (fields, "text"));
    }
  return g_string_free (notes, FALSE);
}

/* --- a real IMAP server ----------------------------------------------------------------- */

typedef struct {
  char        *dir;
  char        *maildir;    /* the user's Maildir */
  char        *log;
  guint16      port;
  guint16      starttls_port;   /* imap://: plain IMAP that must turn to TLS (STARTTLS) */
  uid_t        uid;        /* the mail user's (dovecot never serves mail as root) */
  gid_t        gid;
  GSubprocess *process;
  guint        delivered;
} Imap;

/* dovecot dies with the test, even when an assertion aborts it. */
static void
terminate_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
port_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 2);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

/* Whether @process has ended (its exit noticed by GLib's child watch). */
static gboolean
exited (GSubprocess *process)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return g_subprocess_get_identifier (process) == NULL;
}

static void
imap_free (Imap *imap)
{
  if (imap == NULL)
    return;
  if (imap->process != NULL)
    {
      /* SIGTERM lets dovecot end its own processes; bounded, then SIGKILL */
      g_subprocess_send_signal (imap->process, SIGTERM);
      for (guint i = 0; i < 200 && !exited (imap->process); i++)
        g_usleep (G_USEC_PER_SEC / 20);
      if (!exited (imap->process))
        g_subprocess_force_exit (imap->process);
      g_subprocess_wait (imap->process, NULL, NULL);
      g_object_unref (imap->process);
    }
  g_free (imap->dir);
  g_free (imap->maildir);
  g_free (imap->log);
  g_free (imap);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Imap, imap_free)

static void
make_dir (const char *path,
          int         mode,
          uid_t       uid,
          gid_t       gid)
{
  g_assert_cmpint (g_mkdir_with_parents (path, mode), ==, 0);
  g_assert_cmpint (chmod (path, mode), ==, 0);
  if (getuid () == 0)
    g_assert_cmpint (chown (path, uid, gid), ==, 0);
}

/* Starts dovecot on a free port of 127.0.0.1 with IMAPS only (the certificate @cert, key
 * @key), user MAIL_USER with MAIL_PW; NULL after crm_test_fail_missing() when it cannot run. */
/* dovecot on loopback; @tls FALSE: without TLS at all ("ssl = no"), so its plain port
 * offers no STARTTLS (an old or misconfigured mail server). */
static Imap *
imap_start_full (const char *cert,
                 const char *key,
                 gboolean    tls)
{
  g_autoptr(Imap) imap = g_new0 (Imap, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *passwd = NULL;
  g_autofree char *passwd_path = NULL;
  g_autofree char *dovecot = g_find_program_in_path ("dovecot");
  g_autofree char *mail_root = NULL;
  g_autofree char *user_lines = NULL;
  g_autofree char *imaps_listener = NULL;
  const char *login_user = "dovenull";
  const char *internal_user = "dovecot";
  gint64 deadline;

  if (dovecot == NULL && g_file_test ("/usr/sbin/dovecot", G_FILE_TEST_IS_EXECUTABLE))
    dovecot = g_strdup ("/usr/sbin/dovecot");
  if (dovecot == NULL)
    {
      crm_test_fail_missing ("dovecot is not installed (Debian's dovecot-imapd; build-aux/voronka "
                     "installs it)");
      return NULL;
    }
  if (getuid () == 0)
    {
      /* mail is never served as root: the unprivileged "nobody" owns the Maildir */
      struct passwd *nobody = getpwnam ("nobody");

      g_assert_nonnull (nobody);
      imap->uid = nobody->pw_uid;
      imap->gid = nobody->pw_gid;
    }
  else
    {
      imap->uid = getuid ();
      imap->gid = getgid ();
      login_user = internal_user = g_get_user_name ();
    }

  imap->dir = g_build_filename (tmpdir, "imap", NULL);
  mail_root = g_build_filename (imap->dir, "mail", NULL);
  imap->maildir = g_build_filename (mail_root, MAIL_USER, NULL);
  imap->log = g_build_filename (imap->dir, "dovecot.log", NULL);
  /* the mail user walks through the test's folder to its Maildir */
  g_assert_cmpint (chmod (tmpdir, 0711), ==, 0);
  make_dir (imap->dir, 0755, getuid (), getgid ());
  make_dir (mail_root, 0755, getuid (), getgid ());
  for (guint i = 0; i < 3; i++)
    {
      static const char *const sub[] = { "cur", "new", "tmp" };
      g_autofree char *path = g_build_filename (imap->maildir, sub[i], NULL);

      make_dir (imap->maildir, 0700, imap->uid, imap->gid);
      make_dir (path, 0700, imap->uid, imap->gid);
    }
  {
    g_autofree char *run_dir = g_build_filename (imap->dir, "run", NULL);
    g_autofree char *state_dir = g_build_filename (imap->dir, "state", NULL);

    make_dir (run_dir, 0755, getuid (), getgid ());
    make_dir (state_dir, 0755, getuid (), getgid ());
  }

  passwd_path = g_build_filename (imap->dir, "passwd", NULL);
  user_lines = g_strdup_printf ("%s:{PLAIN}%s:%u:%u::%s::\n", MAIL_USER, MAIL_PW,
                                (guint) imap->uid, (guint) imap->gid, imap->maildir);
  g_file_set_contents (passwd_path, user_lines, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (passwd_path, 0644), ==, 0);

  imap->port = crm_test_free_port ();
  do
    imap->starttls_port = crm_test_free_port ();
  while (imap->starttls_port == imap->port);
  imaps_listener = tls ? g_strdup_printf ("  inet_listener imaps {\n    port = %u\n"
                                          "    ssl = yes\n  }\n", (guint) imap->port)
                      : g_strdup ("");
  conf = g_strdup_printf (
    "base_dir = %s/run\n"
    "state_dir = %s/state\n"
    "instance_name = voronka-test-%d\n"
    "listen = 127.0.0.1\n"
    "protocols = imap\n"
    "%s"
    "ssl_cert = <%s\n"
    "ssl_key = <%s\n"
    "log_path = %s\n"
    "auth_mechanisms = plain login\n"
    "first_valid_uid = 1\n"
    "default_login_user = %s\n"
    "default_internal_user = %s\n"
    "mail_location = maildir:%s/%%u\n"
    "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN %s\n}\n"
    "userdb {\n  driver = passwd-file\n  args = %s\n}\n"
    "service imap-login {\n"
    "  inet_listener imap {\n    port = %u\n  }\n"
    "%s"
    "}\n",
    imap->dir, imap->dir, (int) getpid (), tls ? "ssl = required\n" : "ssl = no\n", cert, key,
    imap->log, login_user, internal_user, mail_root, passwd_path, passwd_path,
    (guint) imap->starttls_port, imaps_listener);
  conf_path = g_build_filename (imap->dir, "dovecot.conf", NULL);
  g_file_set_contents (conf_path, conf, -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, terminate_with_parent, NULL, NULL);
  imap->process = g_subprocess_launcher_spawn (launcher, &error, dovecot, "-F", "-c",
                                               conf_path, NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);
  while (!port_answers (tls ? imap->port : imap->starttls_port))
    {
      if (exited (imap->process) || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = NULL;

          g_file_get_contents (imap->log, &log, NULL, NULL);
          g_test_message ("dovecot did not start: %s", log ? log : "(no log)");
          crm_test_fail_missing ("dovecot could not be started here (see the test log)");
          return NULL;
        }
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return g_steal_pointer (&imap);
}

static Imap *
imap_start (const char *cert,
            const char *key)
{
  return imap_start_full (cert, key, TRUE);
}

/* Delivers @message (LF line ends) into the Maildir as a new e-mail. */
static void
deliver (Imap       *imap,
         const char *message)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT ".M%uP%d.voronka-test",
                                           g_get_real_time () / G_USEC_PER_SEC,
                                           ++imap->delivered, (int) getpid ());
  g_autofree char *tmp = g_build_filename (imap->maildir, "tmp", name, NULL);
  g_autofree char *final = g_build_filename (imap->maildir, "new", name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (tmp, message, -1, &error);
  g_assert_no_error (error);
  if (getuid () == 0)
    g_assert_cmpint (chown (tmp, imap->uid, imap->gid), ==, 0);
  g_assert_cmpint (g_rename (tmp, final), ==, 0);
}

/* --- e-mails ------------------------------------------------------------------------------ */

/* «Заявка на кофемашину» from «Иван Петров», all in KOI8-R: the name and subject as
 * encoded words, the text quoted-printable. */
static const char mail_koi8[] =
  "From: =?koi8-r?B?6dfBziDwxdTSz9c=?= <Ivan.Petrov@Example.RU>\n"
  "To: sales@franko.test\n"
  "Subject: =?koi8-r?Q?=FA=C1=D1=D7=CB=C1_=CE=C1_=CB=CF=C6=C5=CD=C1=DB=C9=CE=D5?=\n"
  "Message-ID: <request-1@example.ru>\n"
  "Date: Sat, 05 Dec 2026 10:00:00 +0300\n"
  "MIME-Version: 1.0\n"
  "Content-Type: text/plain; charset=koi8-r\n"
  "Content-Transfer-Encoding: quoted-printable\n"
  "\n"
  "=FA=C4=D2=C1=D7=D3=D4=D7=D5=CA=D4=C5! =EE=D5=D6=CE=C1 =CB=CF=C6=C5=CD=C1=DB=C9=CE=C1 Ju=\n"
  "ra =C4=CC=D1 =CF=C6=C9=D3=C1.\n";

/* «Ремонт кофемашины» from «Ольга», UTF-8 base64 in a multipart with a photo. */
static const char mail_utf8[] =
  "From: =?UTF-8?B?0J7Qu9GM0LPQsA==?= <olga@cafe.test>\n"
  "To: sales@franko.test\n"
  "Subject: =?UTF-8?B?0KDQtdC80L7QvdGCINC60L7RhNC10LzQsNGI0LjQvdGL?=\n"
  "Message-ID: <request-2@cafe.test>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: multipart/mixed; boundary=\"b1\"\n"
  "\n"
  "--b1\n"
  "Content-Type: text/plain; charset=utf-8\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "0KHQu9C+0LzQsNC70LDRgdGMIFNhZWNvLCDQvdGD0LbQtdC9INC80LDRgdGC0LXRgC4=\n"
  "--b1\n"
  "Content-Type: image/png; name=\"photo.png\"\n"
  "Content-Disposition: attachment; filename=\"photo.png\"\n"
  "Content-Transfer-Encoding: base64\n"
  "\n"
  "iVBORw0KGgo=\n"
  "--b1--\n";

/* A plain e-mail from @from (the address as written) with @subject and @message_id. */
static char *
plain_mail (const char *from,
            const char *subject,
            const char *message_id,
            const char *text)
{
  return g_strdup_printf ("From: %s\nTo: sales@franko.test\nSubject: %s\nMessage-ID: <%s>\n"
                          "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                          "Content-Transfer-Encoding: 8bit\n\n%s\n",
                          from, subject, message_id, text);
}

/* --- the test ------------------------------------------------------------------------------ */

static void
test_requests (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *dir = g_build_filename (tmpdir, "server", NULL);
  g_autofree char *laptop = g_build_filename (tmpdir, "laptop.db", NULL);
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ivan_contact = NULL;
  g_autofree char *ivan_deal = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(JsonObject) box = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonArray) deals = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *deal, *taken;

  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    return;
  url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", (guint) imap->port);

  /* bad settings are refused, naming what is wrong */
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Нет такой", "--ca-file", server->cert, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Нет такой"));
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--stage", "Сконвертирована в сделку",
         "--ca-file", server->cert, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Сконвертирована в сделку"));
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", "https://mail.example.com/",
         "--user", MAIL_USER, "--password-stdin", "--pipeline", "Заявки", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "not an IMAP mailbox"));
  admin (&run, dir, NULL, "mailbox", "list", "shop", "--json", NULL);
  g_assert_cmpstr (g_strstrip (run.out), ==, "[]");

  /* the mailbox, and two e-mails */
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  if (run.status != 0)
    g_error ("mailbox add: %s", run.err);
  g_assert_null (strstr (run.out, MAIL_PW));
  deliver (imap, mail_koi8);
  deliver (imap, mail_utf8);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 2);
  g_assert_cmpuint (n_skipped (box), ==, 0);
  taken = json_array_get_object_element (json_object_get_array_member (box, "taken"), 0);
  g_assert_cmpstr (crm_test_get_string (taken, "from"), ==, "ivan.petrov@example.ru");
  g_assert_true (json_object_get_boolean_member (taken, "new_contact"));
  ivan_contact = g_strdup (crm_test_get_string (taken, "contact"));
  ivan_deal = g_strdup (crm_test_get_string (taken, "deal"));
  g_clear_pointer (&box, json_object_unref);

  /* a laptop sees both requests, in the first stage, with their senders and texts */
  laptop_sync (server, laptop);
  deals = laptop_requests (laptop);
  g_assert_cmpuint (json_array_get_length (deals), ==, 2);
  deal = find_by_title (deals, "Заявка на кофемашину");
  g_assert_cmpstr (crm_test_get_string (deal, "stage"), ==, "Неразобранное");
  g_assert_true (crm_test_has_string (json_object_get_array_member (deal, "contacts"),
                                      "Иван Петров"));
  g_assert_false (json_object_get_null_member (deal, "number"));
  {
    g_autofree char *notes = deal_notes (laptop, crm_test_get_string (deal, "id"));

    g_assert_nonnull (strstr (notes, "Здравствуйте! Нужна кофемашина Jura для офиса."));
  }
  deal = find_by_title (deals, "Ремонт кофемашины");
  g_assert_true (crm_test_has_string (json_object_get_array_member (deal, "contacts"), "Ольга"));
  {
    g_autofree char *notes = deal_notes (laptop, crm_test_get_string (deal, "id"));
    g_autoptr(JsonNode) files = crm_test_ctl_ok (laptop, NULL, "attachment", "list", "--deal",
                                                 crm_test_get_string (deal, "id"), NULL);
    JsonObject *file;
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_autoptr(JsonNode) kept = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (strstr (notes, "Сломалась Saeco, нужен мастер."));
    /* the photo is the request's attachment; the server keeps its bytes */
    g_assert_cmpuint (json_array_get_length (json_node_get_array (files)), ==, 1);
    file = json_array_get_object_element (json_node_get_array (files), 0);
    g_assert_cmpstr (crm_test_get_string (file, "name"), ==, "photo.png");
    g_assert_cmpstr (crm_test_get_string (file, "mime"), ==, "image/png");
    g_assert_cmpint (json_object_get_int_member (file, "size"), ==, 8);
    kept = crm_attachment_list (account, "deal", crm_test_get_string (deal, "id"), &error);
    g_assert_no_error (error);
    g_assert_true (json_object_get_boolean_member (
      json_array_get_object_element (json_node_get_array (kept), 0), "available"));
  }
  {
    g_autoptr(JsonNode) contacts = crm_test_ctl_ok (laptop, NULL, "contact", "list", "--search",
                                                    "Петров", NULL);
    JsonObject *contact = json_array_get_object_element (json_node_get_array (contacts), 0);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, 1);
    g_assert_true (crm_test_has_string (json_object_get_array_member (contact, "emails"),
                                        "ivan.petrov@example.ru"));
  }
  g_clear_pointer (&deals, json_array_unref);

  /* nothing is taken twice: again, after a restart, after UIDVALIDITY changed */
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 0);
  g_clear_pointer (&box, json_object_unref);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_restart (server);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 0);
  g_clear_pointer (&box, json_object_unref);
  if (crm_test_server_database (dir) != NULL)
    {
      /* the same, in the PostgreSQL database the mailbox's state is kept in */
      g_autofree char *done = crm_test_pg_query (crm_test_server_database (dir),
        "UPDATE mailbox SET uidvalidity = 7, last_uid = 2");
    }
  else
  {
    g_autofree char *db_path = g_build_filename (dir, "server.db", NULL);
    sqlite3 *db = NULL;

    /* the folder as a mail server rebuilt it: the UIDs are the same numbers, the
     * UIDVALIDITY another one; the e-mails are known by their Message-ID */
    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 10000);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE mailbox SET uidvalidity = 7, last_uid = 2",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 0);
  g_clear_pointer (&box, json_object_unref);
  row = mailbox_row (dir);
  g_assert_cmpint (json_object_get_int_member (row, "taken"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row, "last_uid"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row, "uidvalidity"), !=, 7);
  g_clear_pointer (&row, json_object_unref);
  laptop_sync (server, laptop);
  deals = laptop_requests (laptop);
  g_assert_cmpuint (json_array_get_length (deals), ==, 2);
  g_clear_pointer (&deals, json_array_unref);

  /* the same sender again (the address spelled otherwise): a request on his contact */
  {
    g_autofree char *mail = plain_mail ("\"Иван Петров\" <IVAN.PETROV@example.ru>",
                                        "Ещё вопрос", "request-3@example.ru",
                                        "А есть ли зерно в наличии?");

    deliver (imap, mail);
  }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  taken = json_array_get_object_element (json_object_get_array_member (box, "taken"), 0);
  g_assert_false (json_object_get_boolean_member (taken, "new_contact"));
  g_assert_cmpstr (crm_test_get_string (taken, "contact"), ==, ivan_contact);
  g_clear_pointer (&box, json_object_unref);

  /* the manager closes his first request as spam on the laptop; after the sync, his
   * e-mail makes no request — someone else's still does */
  laptop_sync (server, laptop);
  {
    g_autoptr(JsonNode) moved = crm_test_ctl_ok (laptop, NULL, "deal", "move", ivan_deal,
                                                 "--stage", "Некачественная заявка",
                                                 "--loss-reason", "Спам", NULL);
  }
  laptop_sync (server, laptop);
  {
    g_autofree char *spam = plain_mail ("Иван Петров <ivan.petrov@example.ru>",
                                        "Купите наши услуги", "spam-4@example.ru",
                                        "Реклама.");
    g_autofree char *other = plain_mail ("Пётр <petr@bakery.test>", "Нужен сервис",
                                         "request-5@bakery.test", "Кофемашина течёт.");

    deliver (imap, spam);
    deliver (imap, other);
  }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  g_assert_cmpuint (n_skipped (box), ==, 1);
  taken = json_array_get_object_element (json_object_get_array_member (box, "taken"), 0);
  g_assert_cmpstr (crm_test_get_string (taken, "from"), ==, "petr@bakery.test");
  {
    JsonObject *skipped = json_array_get_object_element (
      json_object_get_array_member (box, "skipped"), 0);

    g_assert_cmpstr (crm_test_get_string (skipped, "from"), ==, "ivan.petrov@example.ru");
    g_assert_nonnull (strstr (crm_test_get_string (skipped, "reason"), "«Спам»"));
  }
  g_clear_pointer (&box, json_object_unref);
  admin (&run, dir, NULL, "mailbox", "blocked", "shop", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "ivan.petrov@example.ru"));

  /* a wrong password: a clear error in `mailbox list`, nothing lost */
  admin (&run, dir, "not-the-password", "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  g_assert_cmpint (run.status, ==, 0);
  deliver (imap, "From: Анна <anna@office.test>\nSubject: Test\nMessage-ID: <request-6@office.test>\n"
                 "\nНужны капсулы.\n");
  /* a malformed e-mail: no sender */
  deliver (imap, "Subject: no sender\n\ngarbage\n");
  admin (&run, dir, NULL, "mailbox", "check", "shop", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "refused user «" MAIL_USER "»"));
  row = mailbox_row (dir);
  g_assert_nonnull (strstr (crm_test_get_string (row, "last_error"), "refused user"));
  g_assert_nonnull (crm_test_get_string (row, "last_check"));
  g_clear_pointer (&row, json_object_unref);
  admin (&run, dir, NULL, "mailbox", "list", "shop", NULL);
  g_assert_nonnull (strstr (run.out, "refused user"));
  g_assert_null (strstr (run.out, "not-the-password"));
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  g_assert_cmpint (run.status, ==, 0);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  g_assert_cmpuint (n_skipped (box), ==, 1);
  {
    JsonObject *skipped = json_array_get_object_element (
      json_object_get_array_member (box, "skipped"), 0);

    g_assert_nonnull (strstr (crm_test_get_string (skipped, "reason"), "no sender"));
  }
  g_clear_pointer (&box, json_object_unref);
  row = mailbox_row (dir);
  g_assert_true (json_object_get_null_member (row, "last_error"));
  g_clear_pointer (&row, json_object_unref);

  /* the server's own check, every second here: a new e-mail becomes a request by itself */
  {
    const char *every_second[] = { "--tick-interval", "0", "--mail-interval", "1", NULL };
    g_autofree char *server_cert = g_strdup (server->cert);
    g_autofree char *mail = plain_mail ("Дмитрий <dmitry@hotel.test>", "Аренда кофемашины",
                                        "request-7@hotel.test", "На месяц.");

    g_assert_cmpint (crm_test_server_stop (server), ==, 0);
    crm_test_server_free (g_steal_pointer (&server));
    /* a wrong password while it serves: the log says so, and the server goes on */
    admin (&run, dir, "not-the-password", "mailbox", "add", "shop", url, "--user", MAIL_USER,
           "--password-stdin", "--pipeline", "Заявки", "--ca-file", server_cert, NULL);
    g_assert_cmpint (run.status, ==, 0);
    server = crm_test_server_start (dir, FALSE, every_second);
    deliver (imap, mail);
    g_assert_true (crm_test_server_wait_log (server, 1, WAIT_S, "refused user", NULL));
    admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
           "--password-stdin", "--pipeline", "Заявки", "--ca-file", server_cert, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (crm_test_server_wait_log (server, 1, WAIT_S, "became request", NULL));
  }
  laptop_sync (server, laptop);
  deals = laptop_requests (laptop);
  g_assert_cmpuint (json_array_get_length (deals), ==, 6);
  find_by_title (deals, "Аренда кофемашины");
  g_assert_null (crm_test_find_object (deals, "title", "Купите наши услуги"));
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);

  /* removed, the mailbox is gone (its requests stay); connected again with --new-only,
   * what waits in the folder is left alone and only new mail is taken */
  admin (&run, dir, NULL, "mailbox", "remove", "shop", url, NULL);
  g_assert_cmpint (run.status, ==, 0);
  admin (&run, dir, NULL, "mailbox", "check", "shop", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no mailboxes"));
  admin (&run, dir, NULL, "mailbox", "remove", "shop", url, NULL);
  g_assert_cmpint (run.status, ==, 1);
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, "--new-only",
         NULL);
  g_assert_cmpint (run.status, ==, 0);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 0);
  g_assert_cmpuint (n_skipped (box), ==, 0);
  g_clear_pointer (&box, json_object_unref);
  {
    g_autofree char *mail = plain_mail ("Ксения <ksenia@shop.test>", "Капучинатор",
                                        "request-8@shop.test", "Нужен капучинатор.");

    deliver (imap, mail);
  }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  g_clear_pointer (&box, json_object_unref);
}

/* The responsible's name of each of @replica's deals of the pipeline «Дизайн», by title. */
static char *
design_responsible (const char *replica,
                    const char *title)
{
  g_autoptr(JsonNode) node = crm_test_ctl_ok (replica, NULL, "deal", "list", "--pipeline",
                                              "Дизайн", NULL);
  JsonObject *deal = crm_test_find_object (json_node_get_array (node), "title", title);

  if (deal == NULL)
    g_error ("no request «%s» on %s", title, replica);
  return g_strdup (crm_test_get_string (deal, "responsible"));
}

/* S2-7 with mail-in requests (issue 15): leads that arrive at the server by e-mail are
 * distributed by the server, among the sales reps on shift now, in turn — never to one
 * who is off today — and every replica agrees on who got which. */
static void
test_distributed_on_shift (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(JsonObject) box = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *titles[] = { "Дизайн кухни", "Дизайн детской", "Дизайн офиса" };
  g_autofree char *names[G_N_ELEMENTS (titles)] = { NULL };

  /* a folder of its own: the IMAP server's files are named after it */
  tmpdir = g_build_filename (outer, "studio", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  laptop = g_build_filename (tmpdir, "head.db", NULL);

  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "design-studio",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", (guint) imap->port);

  /* the head's schedules, synced to the server: Дарья and Юлия on shift round the clock,
   * Максим off from yesterday to tomorrow (whatever the real day is) */
  {
    GDateTime *now = g_date_time_new_now_utc ();
    GDateTime *before = g_date_time_add_days (now, -1);
    GDateTime *after = g_date_time_add_days (now, 1);

    from = g_date_time_format (before, "%Y-%m-%d");
    to = g_date_time_format (after, "%Y-%m-%d");
    g_date_time_unref (now);
    g_date_time_unref (before);
    g_date_time_unref (after);
  }
  laptop_sync (server, laptop);
  json_node_unref (crm_test_ctl_ok (laptop, NULL, "schedule", "set", "Дарья Васильева", "--week",
                                    "mon=00:00-24:00,tue=00:00-24:00,wed=00:00-24:00,"
                                    "thu=00:00-24:00,fri=00:00-24:00,sat=00:00-24:00,"
                                    "sun=00:00-24:00", NULL));
  json_node_unref (crm_test_ctl_ok (laptop, NULL, "schedule", "set", "Юлия Семёнова", "--week",
                                    "mon=00:00-24:00,tue=00:00-24:00,wed=00:00-24:00,"
                                    "thu=00:00-24:00,fri=00:00-24:00,sat=00:00-24:00,"
                                    "sun=00:00-24:00", NULL));
  json_node_unref (crm_test_ctl_ok (laptop, NULL, "schedule", "off", "Максим Павлов", "--from",
                                    from, "--to", to, "--reason", "Отпуск", NULL));
  laptop_sync (server, laptop);

  /* three requests by e-mail, taken in by the server */
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Дизайн", "--ca-file", server->cert, NULL);
  if (run.status != 0)
    g_error ("mailbox add: %s", run.err);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autofree char *sender = g_strdup_printf ("Клиент %u <client%u@home.test>", i + 1, i + 1);
      g_autofree char *id = g_strdup_printf ("design-%u@home.test", i + 1);
      g_autofree char *mail = plain_mail (sender, titles[i], id, "Нужен дизайн-проект.");

      deliver (imap, mail);
    }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 3);

  /* the server gave them out: in turn among the two on shift, none to Максим; the
   * laptop, synced, shows the same */
  laptop_sync (server, laptop);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autoptr(JsonObject) shown = NULL;
      JsonArray *history;
      gboolean by_rule = FALSE;
      const char *deal_id;
      g_autoptr(JsonNode) list = crm_test_ctl_ok (laptop, NULL, "deal", "list", "--pipeline",
                                                  "Дизайн", NULL);

      names[i] = design_responsible (laptop, titles[i]);
      g_test_message ("«%s» → %s", titles[i], names[i]);
      g_assert_true (g_str_equal (names[i], "Дарья Васильева") ||
                     g_str_equal (names[i], "Юлия Семёнова"));
      if (i > 0)
        g_assert_cmpstr (names[i], !=, names[i - 1]);
      /* the server's rule gave it, once */
      deal_id = crm_test_get_string (crm_test_find_object (json_node_get_array (list), "title",
                                                           titles[i]), "id");
      shown = crm_test_take_object (crm_test_ctl_ok (laptop, NULL, "deal", "show", deal_id, NULL));
      history = json_object_get_array_member (shown, "history");
      for (guint h = 0; h < json_array_get_length (history); h++)
        {
          JsonObject *entry = json_array_get_object_element (history, h);
          JsonObject *fields = json_object_get_object_member (entry, "fields");

          if (json_object_has_member (fields, "responsible") &&
              g_strcmp0 (crm_test_get_string (entry, "by_rule"),
                         "Новые заявки — менеджерам на смене") == 0)
            {
              g_assert_false (by_rule);
              by_rule = TRUE;
            }
        }
      g_assert_true (by_rule);
    }
  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_clear_pointer (&server, crm_test_server_free);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

/* PostgreSQL only: two server processes in front of one database check the same mailbox
 * every second. The mailbox is leased with an advisory lock, so one process reads it at
 * a time, and its UIDVALIDITY/UID are the database's: each of six e-mails becomes one
 * request, logged once by whichever process took it, and none is taken again afterwards. */
static void
test_two_processes (void)
{
  const char *every_second[] = { "--tick-interval", "0", "--mail-interval", "1", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *dir_b = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(CrmTestServer) server_b = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(JsonArray) deals = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gint64 deadline;
  guint logged = 0;

  tmpdir = g_build_filename (outer, "two", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  dir_b = g_build_filename (tmpdir, "server-b", NULL);
  laptop = g_build_filename (tmpdir, "laptop.db", NULL);
  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (dir_b, 0700), ==, 0);
  crm_test_server_set_database (dir_b, crm_test_server_database (dir));
  server = crm_test_server_start (dir, FALSE, every_second);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", (guint) imap->port);
  /* set through one folder, checked by both processes */
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  if (run.status != 0)
    g_error ("mailbox add: %s", run.err);
  server_b = crm_test_server_start (dir_b, FALSE, every_second);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *from = g_strdup_printf ("Клиент %u <client-%u@two.test>", i, i);
      g_autofree char *subject = g_strdup_printf ("Заявка двух процессов %u", i);
      g_autofree char *id = g_strdup_printf ("two-%u@two.test", i);
      g_autofree char *mail = plain_mail (from, subject, id, "Нужна кофемашина.");

      deliver (imap, mail);
      g_usleep (300 * 1000);
    }
  deadline = g_get_monotonic_time () + (gint64) (3 * WAIT_S * G_USEC_PER_SEC);
  for (;;)
    {
      logged = crm_test_server_count_log (server, "became request", NULL) +
               crm_test_server_count_log (server_b, "became request", NULL);
      if (logged >= 6)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("%u of 6 e-mails became requests after %.0f s (logs: %s, %s)", logged,
                 3 * WAIT_S, server->log_path, server_b->log_path);
      g_usleep (200 * 1000);
    }
  /* a few checks of both later: still each e-mail once */
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpuint (crm_test_server_count_log (server, "became request", NULL) +
                    crm_test_server_count_log (server_b, "became request", NULL), ==, 6);
  laptop_sync (server_b, laptop);
  deals = laptop_requests (laptop);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Заявка двух процессов %u", i);
      guint found = 0;

      for (guint d = 0; d < json_array_get_length (deals); d++)
        found += g_strcmp0 (crm_test_get_string (json_array_get_object_element (deals, d),
                                                 "title"), subject) == 0;
      g_assert_cmpuint (found, ==, 1);
    }
  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server_b), ==, 0);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

/* An e-mail from «Склад» with a small photo and an archive of @size made-up bytes, both
 * base64 attachments. */
static char *
mail_with_archive (gsize size)
{
  g_autofree guchar *data = g_malloc (size);
  g_autofree char *encoded = NULL;
  GString *folded = g_string_new (NULL);
  GRand *rand = g_rand_new_with_seed (7);
  char *mail;

  for (gsize i = 0; i < size; i++)
    data[i] = (guchar) g_rand_int (rand);
  g_rand_free (rand);
  encoded = g_base64_encode (data, size);
  for (gsize i = 0, n = strlen (encoded); i < n; i += 76)
    {
      g_string_append_len (folded, encoded + i, MIN (76, n - i));
      g_string_append_c (folded, '\n');
    }
  mail = g_strdup_printf (
    "From: =?UTF-8?B?0KHQutC70LDQtA==?= <stock@sklad.test>\n"
    "To: sales@franko.test\n"
    "Subject: =?UTF-8?B?0J/RgNCw0LnRgS3Qu9C40YHRgg==?=\n"
    "Message-ID: <archive-1@sklad.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Прайс во вложении.\n"
    "--b1\n"
    "Content-Type: image/png; name=\"photo.png\"\n"
    "Content-Disposition: attachment; filename=\"photo.png\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--b1\n"
    "Content-Type: application/octet-stream; name=\"price.bin\"\n"
    "Content-Disposition: attachment; filename=\"price.bin\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "%s"
    "--b1--\n", folded->str);
  g_string_free (folded, TRUE);
  return mail;
}

/* Mail-in attachments count in the account's room for files (here its own 1 MB): an
 * e-mail whose archive does not fit still becomes a request, with the photo that fits,
 * and its note names what stayed in the mailbox and what the administrator can do; the
 * account's files stay within the room (`account usage`). */
static void
test_files_quota (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *mail = mail_with_archive (1536 * 1024);
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(JsonObject) box = NULL;
  g_autoptr(JsonArray) deals = NULL;
  g_autoptr(JsonNode) usage = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *files, *deal;

  tmpdir = g_build_filename (outer, "quota", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  /* the mail user walks through the outer folder too */
  g_assert_cmpint (chmod (outer, 0711), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  laptop = g_build_filename (tmpdir, "laptop.db", NULL);
  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  admin (&run, dir, NULL, "account", "set", "shop", "--files-quota-mb", "1", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", (guint) imap->port);
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  if (run.status != 0)
    g_error ("mailbox add: %s", run.err);
  deliver (imap, mail);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);

  admin (&run, dir, NULL, "account", "usage", "shop", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  usage = crm_test_parse_json (run.out);
  files = json_object_get_object_member (json_node_get_object (usage), "files");
  g_assert_cmpint (json_object_get_int_member (files, "quota"), ==, 1024 * 1024);
  g_assert_cmpstr (json_object_get_string_member (files, "quota_from"), ==, "account");
  g_assert_cmpint (json_object_get_int_member (files, "bytes"), >, 0);
  g_assert_cmpint (json_object_get_int_member (files, "bytes"), <=, 1024 * 1024);

  laptop_sync (server, laptop);
  deals = laptop_requests (laptop);
  deal = find_by_title (deals, "Прайс-лист");
  {
    g_autofree char *notes = deal_notes (laptop, crm_test_get_string (deal, "id"));
    g_autoptr(JsonNode) list = crm_test_ctl_ok (laptop, NULL, "attachment", "list", "--deal",
                                                crm_test_get_string (deal, "id"), NULL);
    JsonArray *attached = json_node_get_array (list);

    g_test_message ("%s", notes);
    g_assert_nonnull (strstr (notes, "Прайс во вложении."));
    g_assert_nonnull (strstr (notes, "«price.bin»"));
    g_assert_nonnull (strstr (notes, "--files-quota-mb"));
    g_assert_cmpuint (json_array_get_length (attached), ==, 1);
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (attached, 0), "name"),
                     ==, "photo.png");
  }
  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

/* «Счёт на оплату» from «Сергей Иванов», all in windows-1251: the name and subject as
 * encoded words, the text 8-bit. */
static const char mail_cp1251_head[] =
  "From: =?windows-1251?B?0eXw4+XpIMji4O3u4g==?= <sergey@zavod.test>\n"
  "To: sales@franko.test\n"
  "Subject: =?windows-1251?Q?=D1=F7=B8=F2_=ED=E0_=EE=EF=EB=E0=F2=F3?=\n"
  "Message-ID: <cp1251-1@zavod.test>\n"
  "MIME-Version: 1.0\n"
  "Content-Type: text/plain; charset=windows-1251\n"
  "Content-Transfer-Encoding: 8bit\n"
  "\n";

/* imap:// with STARTTLS (the port dovecot serves plain IMAP on, with ssl = required): the
 * mailbox is added and checked, the e-mail in windows-1251 becomes a request a person
 * reads — sender's name, subject and text in Russian. */
static void
test_starttls_cp1251 (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *mail = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(JsonObject) box = NULL;
  g_autoptr(JsonArray) deals = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *taken, *deal;

  tmpdir = g_build_filename (outer, "starttls", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  g_assert_cmpint (chmod (outer, 0711), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  laptop = g_build_filename (tmpdir, "laptop.db", NULL);
  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  url = g_strdup_printf ("imap://127.0.0.1:%u/INBOX", (guint) imap->starttls_port);
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  if (run.status != 0)
    g_error ("mailbox add %s: %s", url, run.err);

  body = g_convert ("Добрый день! Пришлите счёт на две кофемашины.\n", -1, "windows-1251",
                    "UTF-8", NULL, NULL, &error);
  g_assert_no_error (error);
  mail = g_strconcat (mail_cp1251_head, body, NULL);
  deliver (imap, mail);
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  taken = json_array_get_object_element (json_object_get_array_member (box, "taken"), 0);
  g_assert_cmpstr (crm_test_get_string (taken, "title"), ==, "Счёт на оплату");
  g_assert_cmpstr (crm_test_get_string (taken, "name"), ==, "Сергей Иванов");

  laptop_sync (server, laptop);
  deals = laptop_requests (laptop);
  deal = find_by_title (deals, "Счёт на оплату");
  g_assert_true (crm_test_has_string (json_object_get_array_member (deal, "contacts"),
                                      "Сергей Иванов"));
  {
    g_autofree char *notes = deal_notes (laptop, crm_test_get_string (deal, "id"));

    g_assert_nonnull (strstr (notes, "Добрый день! Пришлите счёт на две кофемашины."));
  }
  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

/* imap:// to a mail server without STARTTLS (dovecot with TLS off): the password is
 * never sent in the clear; `mailbox check` fails saying why and what to do, the mailbox's
 * row shows it to the admin, and nothing is taken. */
static void
test_no_starttls (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_auto(CrmTestRun) run = { 0 };

  tmpdir = g_build_filename (outer, "no-starttls", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  g_assert_cmpint (chmod (outer, 0711), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start_full (server->cert, key, FALSE);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  deliver (imap, "From: Сергей Иванов <sergey@client.example>\n"
                 "To: shop@example.com\nSubject: Test\n\nHello\n");
  url = g_strdup_printf ("imap://127.0.0.1:%u/INBOX", (guint) imap->starttls_port);
  admin (&run, dir, MAIL_PW, "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* the check refuses to go on without TLS */
  admin (&run, dir, NULL, "mailbox", "check", "shop", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "does not offer STARTTLS"));
  g_assert_nonnull (strstr (run.err, "imaps://"));
  /* the password never went out: dovecot saw no login */
  {
    g_autofree char *log = NULL;

    g_file_get_contents (imap->log, &log, NULL, NULL);
    g_assert_null (strstr (log != NULL ? log : "", "Login: user=<"));
  }
  /* the admin sees why in the list; nothing was taken */
  {
    g_autoptr(JsonObject) row = mailbox_row (dir);

    g_assert_nonnull (strstr (crm_test_get_string (row, "last_error"), "does not offer STARTTLS"));
    g_assert_cmpint (json_object_get_int_member (row, "taken"), ==, 0);
  }
  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

/* The app's administrator (POST /api/v1/mailboxes/test and /api/v1/mailboxes, issue 14):
 * «Test» signs in to the real IMAP server with the password kept (a wrong one: refused, in
 * the mail server's words) or with the one typed (signed in, nothing taken); saving the
 * right password keeps the CA file `mailbox add --ca-file` gave, and the next check takes
 * the e-mail. The password never comes back, nor reaches the server's log. */
static void
test_admin_api (void)
{
  const char *no_ticks[] = { "--tick-interval", "0", "--mail-interval", "0", NULL };
  g_autofree char *outer = g_strdup (tmpdir);
  g_autofree char *dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *log = NULL;
  g_autoptr(CrmTestServer) server = NULL;
  g_autoptr(Imap) imap = NULL;
  g_autoptr(CrmSyncClient) client = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonObject) box = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestAnswer) answer = { 0 };
  const char *token;

  tmpdir = g_build_filename (outer, "admin-api", NULL);
  g_assert_cmpint (g_mkdir (tmpdir, 0700), ==, 0);
  g_assert_cmpint (chmod (outer, 0711), ==, 0);
  dir = g_build_filename (tmpdir, "server", NULL);
  admin (&run, dir, ADMIN_PW, "account", "create", "shop", "--template", "equipment-supplier",
         "--admin", "admin", "--password-stdin", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server = crm_test_server_start (dir, FALSE, no_ticks);
  key = g_build_filename (dir, "tls", "key.pem", NULL);
  imap = imap_start (server->cert, key);
  if (imap == NULL)
    {
      g_free (tmpdir);
      tmpdir = g_steal_pointer (&outer);
      return;
    }
  url = g_strdup_printf ("imaps://127.0.0.1:%u/INBOX", (guint) imap->port);
  /* on the server machine: the CA, and a password that is wrong */
  admin (&run, dir, "wrong-password-1", "mailbox", "add", "shop", url, "--user", MAIL_USER,
         "--password-stdin", "--pipeline", "Заявки", "--ca-file", server->cert, NULL);
  g_assert_cmpint (run.status, ==, 0);
  laptop = g_build_filename (tmpdir, "admin.db", NULL);
  client = crm_test_client_new (server, laptop, "admin", ADMIN_PW);
  report = crm_test_sync (client);
  token = crm_sync_client_get_token (client);

  /* «Test» with the password kept: the mail server refuses it */
  body = g_strdup_printf ("{\"url\": \"%s\", \"user\": \"%s\"}", url, MAIL_USER);
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, token,
                         body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  g_test_message ("kept password: %s", crm_test_get_string (answer.body, "message"));
  g_assert_false (json_object_get_boolean_member (answer.body, "ok"));
  /* … with the one typed: signed in, nothing taken */
  {
    g_autofree char *mail = plain_mail ("Сергей Иванов <sergey@client.example>", "Нужен прайс",
                                        "price-1@client.example", "Пришлите прайс");

    deliver (imap, mail);
  }
  g_free (body);
  body = g_strdup_printf ("{\"url\": \"%s\", \"user\": \"%s\", \"password\": \"%s\"}", url,
                          MAIL_USER, MAIL_PW);
  crm_test_answer_clear (&answer);
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, token,
                         body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  g_test_message ("typed password: %s", crm_test_get_string (answer.body, "message"));
  g_assert_true (json_object_get_boolean_member (answer.body, "ok"));
  g_assert_nonnull (strstr (crm_test_get_string (answer.body, "message"), "Signed in"));
  box = mailbox_row (dir);
  g_assert_cmpint (json_object_get_int_member (box, "taken"), ==, 0);
  g_clear_pointer (&box, json_object_unref);

  /* saved: the CA file stays, and the next check takes the e-mail */
  g_free (body);
  body = g_strdup_printf ("{\"url\": \"%s\", \"user\": \"%s\", \"password\": \"%s\", "
                          "\"pipeline\": \"Заявки\"}", url, MAIL_USER, MAIL_PW);
  crm_test_answer_clear (&answer);
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_MAILBOXES, token, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_false (json_object_get_boolean_member (answer.body, "added"));
  {
    JsonObject *kept = json_array_get_object_element (
      json_object_get_array_member (answer.body, "mailboxes"), 0);
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), answer.body);
    g_autofree char *text = json_to_string (node, FALSE);

    g_assert_cmpstr (crm_test_get_string (kept, "ca_file"), ==, server->cert);
    g_assert_true (json_object_get_boolean_member (kept, "password"));
    g_assert_null (strstr (text, MAIL_PW));
  }
  box = check_ok (dir);
  g_assert_cmpuint (n_taken (box), ==, 1);
  g_assert_true (g_file_get_contents (server->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "audit: mailbox.test"));
  g_assert_null (strstr (log, MAIL_PW));
  g_assert_null (strstr (log, "wrong-password-1"));

  g_clear_pointer (&imap, imap_free);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  g_free (tmpdir);
  tmpdir = g_steal_pointer (&outer);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  g_test_add_func ("/mailbox/requests", test_requests);
  g_test_add_func ("/mailbox/distributed-on-shift", test_distributed_on_shift);
  g_test_add_func ("/mailbox/files-quota", test_files_quota);
  g_test_add_func ("/mailbox/starttls-cp1251", test_starttls_cp1251);
  g_test_add_func ("/mailbox/no-starttls", test_no_starttls);
  g_test_add_func ("/mailbox/admin-api", test_admin_api);
  /* several processes share mailboxes only on PostgreSQL (the -pg run of the matrix) */
  if (crm_test_pg_wanted ())
    g_test_add_func ("/mailbox/two-processes", test_two_processes);
  status = g_test_run ();
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
