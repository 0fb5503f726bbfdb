/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-delivery.c — messages leave the account (issue 14): a message queued on a laptop
 * with `voronkactl message send` syncs to a real voronka-server on 127.0.0.1, whose
 * delivery sends it to a real SMTP server (python3-aiosmtpd, tests/support/smtp-sink.py)
 * started by the test; the mail is read back as a mail reader decodes it (recipient,
 * Russian subject and body, {deal.number} filled, Message-ID), and the laptop shows
 * «sent» after its next sync. The same push repeated (a laptop whose push answer was
 * lost) and a server restart send nothing again; a mailbox refused for now (451) is
 * retried and sent once; a mailbox refused for good (550) makes the message «failed»
 * with the server's words and tells its author. A server killed during a slow send sends
 * that one again and says so. SMS through an HTTP gateway and Telegram through the Bot
 * API go to a SoupServer on 127.0.0.1 in the test: a 503 retried and sent once, a 400
 * failed with the gateway's words, a bot's sendMessage to the user's chat id. The app's
 * administrators set, test and remove channels and mailboxes through the API
 * (/api/v1/channels, /api/v1/mailboxes); managers are refused, bad bodies get a 400 saying
 * why, and no password or token comes back, reaches a laptop or is logged. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "config.h"

#include <libsoup/soup.h>

#include "crm-attachment.h"
#include "crm-message.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-test-http.h"
#include "crm-test-pdf.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-time.h"

#define WAIT_S 30.0

static char *tmpdir;

typedef struct {
  char          *dir;        /* the test's folder */
  char          *mail_dir;   /* what the SMTP server received */
  char          *laptop;     /* the admin's replica */
  GSubprocess   *smtp;
  guint16        smtp_port;
  const char *const *smtp_args;  /* smtp-sink.py's options (--tls, --auth), or NULL */
  CrmTestServer *server;
  CrmSyncClient *client;
} Fixture;

static gboolean
has_aiosmtpd (void)
{
  g_autoptr(GSubprocess) check = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                   G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                                                   "/usr/bin/python3", "-c", "import aiosmtpd",
                                                   NULL);

  return check != NULL && g_subprocess_wait_check (check, NULL, NULL);
}

/* A test that fails (abort) must not leave its SMTP server behind. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_smtp (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *log = g_build_filename (f->dir, "smtp.log", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *port = NULL;
  g_autofree char *ready = g_build_filename (f->mail_dir, "ready", NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  port = g_strdup_printf ("%u", f->smtp_port);
  g_unlink (ready);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  {
    g_autoptr(GPtrArray) argv = g_ptr_array_new ();

    g_ptr_array_add (argv, "/usr/bin/python3");
    g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SMTP_SINK"));
    g_ptr_array_add (argv, f->mail_dir);
    g_ptr_array_add (argv, port);
    for (guint i = 0; f->smtp_args != NULL && f->smtp_args[i] != NULL; i++)
      g_ptr_array_add (argv, (gpointer) f->smtp_args[i]);
    g_ptr_array_add (argv, NULL);
    f->smtp = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  }
  g_assert_no_error (error);
  while (!g_file_test (ready, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the SMTP server (smtp-sink.py) did not start within 10 s");
      g_usleep (50 * 1000);
    }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  const char *args[] = { "--delivery-interval", "1", NULL, NULL, NULL, NULL, NULL };
  g_autofree char *smtp_url = NULL;
  g_autoptr(CrmSyncReport) report = NULL;

  f->dir = g_dir_make_tmp ("voronka-delivery-XXXXXX", NULL);
  f->mail_dir = g_build_filename (f->dir, "mail", NULL);
  g_assert_cmpint (g_mkdir (f->mail_dir, 0700), ==, 0);
  f->laptop = g_build_filename (f->dir, "laptop.db", NULL);
  if (!has_aiosmtpd ())
    return;
  f->smtp_port = crm_test_free_port ();
  start_smtp (f);
  if (data != NULL)
    {
      /* open tracking: the server's address is known before it starts */
      guint16 port = crm_test_free_port ();

      listen = g_strdup_printf ("127.0.0.1:%u", port);
      public_url = g_strdup_printf ("http://127.0.0.1:%u/", port);
      args[2] = "--listen";
      args[3] = listen;
      args[4] = "--public-url";
      args[5] = public_url;
    }

  {
    g_autofree char *data_dir = crm_test_server_make_data (f->dir);

    smtp_url = g_strdup_printf ("smtp://127.0.0.1:%u", f->smtp_port);
    g_assert_cmpint (crm_test_server_admin (data_dir, NULL, "channel", "set", "acme", "email",
                                            "--smtp", smtp_url, "--from", "crm@acme.test",
                                            NULL), ==, 0);
    f->server = crm_test_server_start (data_dir, TRUE, args);
  }
  f->client = crm_test_client_new (f->server, f->laptop, "admin", "admin-pw");
  report = crm_test_sync (f->client);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->client);
  g_clear_pointer (&f->server, crm_test_server_free);
  if (f->smtp != NULL)
    {
      g_subprocess_force_exit (f->smtp);
      g_subprocess_wait (f->smtp, NULL, NULL);
      g_clear_object (&f->smtp);
    }
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->mail_dir);
  g_free (f->laptop);
}

static gboolean
skipped (Fixture *f)
{
  if (f->server != NULL)
    return FALSE;
  crm_test_fail_missing ("python3-aiosmtpd is not installed (build-aux/voronka installs it)");
  return TRUE;
}

/* --- the laptop -------------------------------------------------------------------------- */

static void
sync_laptop (Fixture *f)
{
  g_autoptr(CrmSyncReport) report = crm_test_sync (f->client);
}

/* A deal with a contact whose e-mail is @email; returns the deal's id. */
static char *
add_deal (Fixture    *f,
          const char *contact,
          const char *email)
{
  g_autoptr(JsonNode) made = crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", contact,
                                              "--email", email, NULL);
  g_autoptr(JsonNode) deal = crm_test_ctl_ok (f->laptop, NULL, "deal", "add", "--pipeline",
                                              "Продажи", "--title", "Тягач Volvo FH16",
                                              "--contact", contact, NULL);

  return crm_test_dup_id (deal);
}

static char *
send_message (Fixture    *f,
              const char *deal)
{
  g_autoptr(JsonNode) message = crm_test_ctl_ok (
    f->laptop, NULL, "message", "send", "--deal", deal,
    "--subject", "Ваша заявка № {deal.number} принята",
    "--body", "Здравствуйте, {contact.name}!\nЗаявка «{deal.title}» принята, ответим сегодня.",
    NULL);
  JsonObject *object = json_node_get_object (message);

  g_assert_cmpstr (crm_test_get_string (object, "status"), ==, "queued");
  return crm_test_dup_id (message);
}

/* The message @id as `message list` on the laptop shows it. */
static JsonObject *
laptop_message (Fixture    *f,
                const char *id)
{
  g_autoptr(JsonNode) list = crm_test_ctl_ok (f->laptop, NULL, "message", "list", NULL);
  JsonObject *found = crm_test_find_object (json_node_get_array (list), "id", id);

  g_assert_nonnull (found);
  return json_object_ref (found);
}

/* Syncs until the laptop shows @status for message @id (bounded); returns it. */
static JsonObject *
wait_status (Fixture    *f,
             const char *id,
             const char *status)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

  for (;;)
    {
      JsonObject *message;

      sync_laptop (f);
      message = laptop_message (f, id);
      if (g_strcmp0 (crm_test_get_string (message, "status"), status) == 0)
        return message;
      if (g_get_monotonic_time () > deadline)
        g_error ("message %s is still «%s» («%s»), not «%s», after %.0f s (the server's log: "
                 "%s)", id, crm_test_get_string (message, "status"),
                 crm_test_get_string (message, "error"), status, WAIT_S, f->server->log_path);
      json_object_unref (message);
      g_usleep (200 * 1000);
    }
}

/* The mails the SMTP server kept, in the order received. */
static GPtrArray *
mails (Fixture *f)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint n = 1;; n++)
    {
      g_autofree char *name = g_strdup_printf ("mail-%u.json", n);
      g_autofree char *path = g_build_filename (f->mail_dir, name, NULL);
      g_autofree char *text = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        break;
      g_ptr_array_add (list, crm_test_take_object (crm_test_parse_json (text)));
    }
  return list;
}

static GPtrArray *
wait_mails (Fixture *f,
            guint    count)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

  for (;;)
    {
      GPtrArray *list = mails (f);

      if (list->len >= count)
        return list;
      if (g_get_monotonic_time () > deadline)
        g_error ("%u mail(s) arrived, not %u, within %.0f s", list->len, count, WAIT_S);
      g_ptr_array_unref (list);
      g_usleep (100 * 1000);
    }
}

static guint
mails_to (GPtrArray  *list,
          const char *address)
{
  guint count = 0;

  for (guint i = 0; i < list->len; i++)
    {
      JsonArray *rcpt = json_object_get_array_member (list->pdata[i], "rcpt_tos");

      if (crm_test_has_string (rcpt, address))
        count++;
    }
  return count;
}

static gint64
deal_number (Fixture    *f,
             const char *deal)
{
  g_autoptr(JsonObject) shown = crm_test_take_object (
    crm_test_ctl_ok (f->laptop, NULL, "deal", "show", deal, NULL));

  g_assert_false (json_object_get_null_member (shown, "number"));
  return json_object_get_int_member (shown, "number");
}

/* --- tests ------------------------------------------------------------------------------- */

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  if (!g_file_get_contents (from, &data, &length, NULL))
    return;
  g_assert_true (g_file_set_contents (to, data, length, NULL));
}

static void
test_email_sent_once (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *expected_subject = NULL;
  g_autofree char *id_in_header = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) sent = NULL;
  JsonObject *mail;

  if (skipped (f))
    return;
  deal = add_deal (f, "Иван Петров", "ivan.petrov@client.test");
  id = send_message (f, deal);

  /* a copy of the laptop before its push: the same ops, pushed again later */
  copy = g_build_filename (f->dir, "laptop-copy.db", NULL);
  {
    g_autofree char *wal = g_strconcat (f->laptop, "-wal", NULL);
    g_autofree char *copy_wal = g_strconcat (copy, "-wal", NULL);

    copy_file (f->laptop, copy);
    copy_file (wal, copy_wal);
  }

  sync_laptop (f);
  list = wait_mails (f, 1);
  sent = wait_status (f, id, "sent");
  g_assert_nonnull (crm_test_get_string (sent, "sent_at"));
  g_assert_true (json_object_get_null_member (sent, "error"));

  /* the mail as a mail reader reads it */
  mail = list->pdata[0];
  g_assert_cmpuint (mails_to (list, "ivan.petrov@client.test"), ==, 1);
  g_assert_cmpstr (crm_test_get_string (mail, "mail_from"), ==, "crm@acme.test");
  expected_subject = g_strdup_printf ("Ваша заявка № %lld принята",
                                      (long long) deal_number (f, deal));
  g_assert_cmpstr (crm_test_get_string (mail, "subject"), ==, expected_subject);
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "Здравствуйте, Иван Петров!"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"),
                            "Заявка «Тягач Volvo FH16» принята, ответим сегодня."));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "to"), "ivan.petrov@client.test"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "to"), "Иван Петров"));
  g_assert_cmpstr (crm_test_get_string (mail, "charset"), ==, "utf-8");
  id_in_header = g_strdup_printf ("<%s@acme.test>", id);
  g_assert_cmpstr (crm_test_get_string (mail, "message_id"), ==, id_in_header);
  g_assert_cmpstr (crm_test_get_string (mail, "date"), !=, "None");
  /* no 8-bit text travels raw: the subject is encoded (RFC 2047) */
  g_assert_null (strstr (crm_test_get_string (mail, "raw"), "Ваша"));

  /* the same ops again, from the copy (a push whose answer was lost) */
  {
    g_autoptr(CrmSyncClient) again = crm_test_client_new (f->server, copy, "admin", "admin-pw");
    g_autoptr(CrmSyncReport) report = crm_test_sync (again);
  }
  /* a server restart */
  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  crm_test_server_restart (f->server);

  /* a second message goes out after both: by then the first would have gone again */
  {
    g_autofree char *deal2 = add_deal (f, "Ольга Смирнова", "olga@client.test");
    g_autofree char *id2 = send_message (f, deal2);
    g_autoptr(GPtrArray) after = NULL;
    g_autoptr(JsonObject) second = NULL;

    sync_laptop (f);
    after = wait_mails (f, 2);
    second = wait_status (f, id2, "sent");
    g_assert_cmpuint (after->len, ==, 2);
    g_assert_cmpuint (mails_to (after, "ivan.petrov@client.test"), ==, 1);
    g_assert_cmpuint (mails_to (after, "olga@client.test"), ==, 1);
  }
  g_assert_cmpuint (crm_test_server_count_log (f->server, "may have been sent twice", NULL), ==, 0);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "sent by e-mail to", NULL), ==, 2);
}

static void
test_email_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonNode) notes = NULL;
  g_autoptr(GPtrArray) list = NULL;
  JsonArray *array;
  gboolean told = FALSE;

  if (skipped (f))
    return;
  deal = add_deal (f, "Пётр Нет", "reject.me@client.test");
  id = send_message (f, deal);
  sync_laptop (f);
  failed = wait_status (f, id, "failed");
  /* the server's words, so the author knows what to fix */
  g_assert_nonnull (strstr (crm_test_get_string (failed, "error"), "550"));
  g_assert_nonnull (strstr (crm_test_get_string (failed, "error"), "Recipient address rejected"));
  list = mails (f);
  g_assert_cmpuint (list->len, ==, 0);

  /* the author (admin: who sent it) is told */
  notes = crm_test_ctl_ok (f->laptop, NULL, "notification", "list", "--user", "admin", NULL);
  array = json_node_get_array (notes);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *text = crm_test_get_string (json_array_get_object_element (array, i), "text");

      if (strstr (text, "Пётр Нет") != NULL && strstr (text, "550") != NULL)
        told = TRUE;
    }
  g_assert_true (told);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "failed:", "550", NULL), ==, 1);
}

static void
test_email_retried (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (skipped (f))
    return;
  deal = add_deal (f, "Анна Позже", "later@client.test");
  id = send_message (f, deal);
  sync_laptop (f);
  sent = wait_status (f, id, "sent");
  list = mails (f);
  g_assert_cmpuint (mails_to (list, "later@client.test"), ==, 1);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "failed for now", "451", NULL), ==, 1);
}

/* No mail server listening: retried, the message waits as «sending», nothing lost. */
static void
test_email_unreachable (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) sending = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (skipped (f))
    return;
  g_subprocess_force_exit (f->smtp);
  g_subprocess_wait (f->smtp, NULL, NULL);
  g_clear_object (&f->smtp);

  deal = add_deal (f, "Игорь Ждёт", "igor@client.test");
  id = send_message (f, deal);
  sync_laptop (f);
  g_assert_true (crm_test_server_wait_log (f->server, 1, WAIT_S, "failed for now", NULL));
  sending = wait_status (f, id, "sending");

  /* the mail server is back: the retry delivers it */
  start_smtp (f);
  sent = wait_status (f, id, "sent");
  list = wait_mails (f, 1);
  g_assert_cmpuint (mails_to (list, "igor@client.test"), ==, 1);
}

/* A server killed while a mail server takes its time over one message: at the next start
 * it sends that message again and its log says it may have gone twice; nothing else
 * repeats. */
static void
test_killed_mid_send (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) sending = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (skipped (f))
    return;
  deal = add_deal (f, "Павел Медленный", "slow@client.test");
  id = send_message (f, deal);
  sync_laptop (f);
  sending = wait_status (f, id, "sending");
  crm_test_server_kill (f->server);
  crm_test_server_restart (f->server);
  g_assert_true (crm_test_server_wait_log (f->server, 1, WAIT_S, "may have been sent twice", id));
  sent = wait_status (f, id, "sent");
  list = wait_mails (f, 1);
  /* at most that one message twice */
  g_assert_cmpuint (mails_to (list, "slow@client.test"), >=, 1);
  g_assert_cmpuint (mails_to (list, "slow@client.test"), <=, 2);
}

/* Bad input at the admin's command: a clear error, nothing saved. */
static void
test_channel_set_refused (void)
{
  g_autofree char *parent = g_build_filename (tmpdir, "refused", NULL);
  g_autofree char *dir = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  dir = crm_test_server_make_data (parent);
  g_assert_cmpint (crm_test_server_admin (dir, NULL, "channel", "set", "acme", "email",
                                          "--smtp", "http://mail.example.com", "--from",
                                          "crm@acme.test", NULL), ==, 2);
  g_assert_cmpint (crm_test_server_admin (dir, NULL, "channel", "set", "acme", "email",
                                          "--smtp", "smtp://mail.example.com", NULL), ==, 2);
  g_assert_cmpint (crm_test_server_admin (dir, NULL, "channel", "set", "acme", "fax",
                                          "--url", "https://x.example.com", NULL), ==, 2);
  g_assert_cmpint (crm_test_server_admin (dir, NULL, "channel", "set", "nosuch", "email",
                                          "--smtp", "smtp://mail.example.com", "--from",
                                          "crm@acme.test", NULL), ==, 1);
  g_assert_cmpint (crm_test_server_admin (dir, "secret-pw", "channel", "set", "acme", "email",
                                          "--smtp", "smtps://mail.example.com:465", "--user",
                                          "crm@acme.test", "--password-stdin", NULL), ==, 0);
}

/* --- an SMS gateway and the Telegram Bot API on 127.0.0.1 (SoupServer in a thread) ------ */

typedef struct {
  GMutex        lock;
  GCond         ready;
  GPtrArray    *requests;     /* "PATH|AUTHORIZATION|BODY" */
  GHashTable   *refused_once; /* numbers answered 503 already */
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  guint16       port;
} Gateway;

static void
gateway_handle (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Gateway *gateway = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  const char *to = NULL;
  const char *answer = "{\"ok\": true}";
  guint status = 200;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    to = json_object_get_string_member_with_default (json_node_get_object (node), "to", NULL);
  g_mutex_lock (&gateway->lock);
  g_ptr_array_add (gateway->requests, g_strdup_printf ("%s|%s|%s", path, auth ? auth : "", text));
  if (to != NULL && strstr (to, "900500") != NULL && !g_hash_table_contains (gateway->refused_once, to))
    {
      g_hash_table_add (gateway->refused_once, g_strdup (to));
      status = 503;
      answer = "{\"error\": \"gateway busy\"}";
    }
  else if (to != NULL && strstr (to, "900400") != NULL)
    {
      status = 400;
      answer = "{\"error\": \"invalid number\"}";
    }
  g_mutex_unlock (&gateway->lock);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer,
                                    strlen (answer));
}

static gpointer
gateway_run (gpointer user_data)
{
  Gateway *gateway = user_data;
  g_autoptr(SoupServer) soup = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *listeners;

  g_main_context_push_thread_default (gateway->context);
  soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup, NULL, gateway_handle, gateway, NULL);
  g_assert_true (soup_server_listen (soup, address, 0, &error));
  listeners = soup_server_get_listeners (soup);
  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, &error);

    g_mutex_lock (&gateway->lock);
    gateway->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    g_cond_signal (&gateway->ready);
    g_mutex_unlock (&gateway->lock);
  }
  g_slist_free (listeners);
  g_main_loop_run (gateway->loop);
  soup_server_disconnect (soup);
  g_main_context_pop_thread_default (gateway->context);
  return NULL;
}

static Gateway *
gateway_start (void)
{
  Gateway *gateway = g_new0 (Gateway, 1);

  g_mutex_init (&gateway->lock);
  g_cond_init (&gateway->ready);
  gateway->requests = g_ptr_array_new_with_free_func (g_free);
  gateway->refused_once = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gateway->context = g_main_context_new ();
  gateway->loop = g_main_loop_new (gateway->context, FALSE);
  g_mutex_lock (&gateway->lock);
  gateway->thread = g_thread_new ("gateway", gateway_run, gateway);
  while (gateway->port == 0)
    g_cond_wait (&gateway->ready, &gateway->lock);
  g_mutex_unlock (&gateway->lock);
  return gateway;
}

static void
gateway_stop (Gateway *gateway)
{
  g_main_loop_quit (gateway->loop);
  g_thread_join (gateway->thread);
  g_main_loop_unref (gateway->loop);
  g_main_context_unref (gateway->context);
  g_ptr_array_unref (gateway->requests);
  g_hash_table_unref (gateway->refused_once);
  g_mutex_clear (&gateway->lock);
  g_cond_clear (&gateway->ready);
  g_free (gateway);
}

/* Requests whose text holds every one of @a and @b (@b may be NULL). */
static guint
gateway_count (Gateway    *gateway,
               const char *a,
               const char *b)
{
  guint count = 0;

  g_mutex_lock (&gateway->lock);
  for (guint i = 0; i < gateway->requests->len; i++)
    if (strstr (gateway->requests->pdata[i], a) != NULL &&
        (b == NULL || strstr (gateway->requests->pdata[i], b) != NULL))
      count++;
  g_mutex_unlock (&gateway->lock);
  return count;
}

static char *
add_phone_deal (Fixture    *f,
                const char *contact,
                const char *phone)
{
  g_autoptr(JsonNode) made = crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", contact,
                                              "--phone", phone, NULL);

  return crm_test_dup_id (crm_test_ctl_ok (f->laptop, NULL, "deal", "add", "--pipeline",
                                           "Продажи", "--title", "Полуприцеп", "--contact",
                                           contact, NULL));
}

static char *
send_text (Fixture    *f,
           const char *deal,
           const char *channel,
           const char *to_user)
{
  return crm_test_dup_id (crm_test_ctl_ok (f->laptop, NULL, "message", "send", "--deal", deal,
                                           "--channel", channel, "--body",
                                           "Заявка «{deal.title}» принята", to_user ? "--to" : NULL,
                                           to_user, NULL));
}

static void
test_sms_telegram (Fixture       *f,
                   gconstpointer  data)
{
  Gateway *gateway;
  g_autofree char *sms_url = NULL;
  g_autofree char *bot_url = NULL;
  g_autofree char *busy_deal = NULL;
  g_autofree char *bad_deal = NULL;
  g_autofree char *busy = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *bot = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) delivered = NULL;

  if (skipped (f))
    return;
  gateway = gateway_start ();
  sms_url = g_strdup_printf ("http://127.0.0.1:%u/sms/send", gateway->port);
  bot_url = g_strdup_printf ("http://127.0.0.1:%u", gateway->port);
  g_assert_cmpint (crm_test_server_admin (f->server->dir, "sms-token", "channel", "set", "acme",
                                          "sms", "--url", sms_url, "--token-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (f->server->dir, "42:bot-token", "channel", "set",
                                          "acme", "telegram", "--url", bot_url, "--token-stdin",
                                          NULL), ==, 0);

  /* the admin's Telegram chat id, as an administrator sets it */
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "user", "set", "admin",
                                    "--telegram-chat-id", "100200300", NULL));

  busy_deal = add_phone_deal (f, "Сергей Занят", "+7 900 500-00-01");
  bad_deal = add_phone_deal (f, "Олег Неверный", "+7 900 400-00-02");
  busy = send_text (f, busy_deal, "sms", NULL);
  bad = send_text (f, bad_deal, "sms", NULL);
  bot = send_text (f, busy_deal, "telegram", "admin");
  sync_laptop (f);

  /* 503, then sent on the retry: two requests, one message sent */
  sent = wait_status (f, busy, "sent");
  g_assert_cmpuint (gateway_count (gateway, "79005000001", NULL), ==, 2);
  g_assert_cmpuint (gateway_count (gateway, "/sms/send|Bearer sms-token|",
                                   "Заявка «Полуприцеп» принята"), ==, 3);
  /* 400: failed with the gateway's words, tried once */
  failed = wait_status (f, bad, "failed");
  g_assert_nonnull (strstr (crm_test_get_string (failed, "error"), "invalid number"));
  g_assert_cmpuint (gateway_count (gateway, "79004000002", NULL), ==, 1);
  /* Telegram: sendMessage of the bot, to the user's chat */
  delivered = wait_status (f, bot, "sent");
  g_assert_cmpuint (gateway_count (gateway, "/bot42:bot-token/sendMessage|", "100200300"), ==, 1);
  gateway_stop (gateway);
}

/* Templates on a laptop: what is refused at `template add`, and a message from one. */
static void
test_templates (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "templates", NULL);
  g_autofree char *db = g_build_filename (dir, "laptop.db", NULL);
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *deal = NULL;
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) contact = NULL;
  g_autoptr(JsonNode) made = NULL;
  g_autoptr(JsonNode) sent = NULL;
  JsonObject *object;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  init = crm_test_ctl_ok (db, NULL, "init", "--template", "truck-dealer", NULL);

  /* an e-mail template needs a subject */
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "welcome", "--channel", "email",
                "--body", "Здравствуйте!", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "--subject"));
  g_clear_pointer (&message, g_free);
  /* an unknown placeholder is named */
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "welcome", "--channel", "sms",
                "--body", "Ваш заказ {deal.sum}", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "{deal.sum}"));
  g_clear_pointer (&message, g_free);
  /* admins only */
  crm_test_ctl (&run, db, NULL, "--as", "Мария Кузнецова", "message", "template", "add",
                "welcome", "--channel", "sms", "--body", "Здравствуйте!", NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  g_clear_pointer (&message, g_free);
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (db, NULL, "message", "template",
                                                           "list", NULL)), ==, 0);

  made = crm_test_ctl_ok (db, NULL, "message", "template", "add", "welcome", "--channel",
                          "email", "--subject", "Заявка «{deal.title}» № {deal.number}",
                          "--body", "{contact.name}, ваш менеджер — {user.name}.", NULL);
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (db, NULL, "message", "template",
                                                           "list", NULL)), ==, 1);
  contact = crm_test_ctl_ok (db, NULL, "contact", "add", "--name", "Иван Петров", "--email",
                             "ivan@client.test", NULL);
  deal = crm_test_dup_id (crm_test_ctl_ok (db, NULL, "deal", "add", "--pipeline", "Продажи",
                                           "--title", "Самосвал", "--contact", "Иван Петров",
                                           "--responsible", "Мария Кузнецова", NULL));
  sent = crm_test_ctl_ok (db, NULL, "message", "send", "--deal", deal, "--template", "welcome",
                          NULL);
  object = json_node_get_object (sent);
  g_assert_cmpstr (crm_test_get_string (object, "status"), ==, "queued");
  g_assert_cmpstr (crm_test_get_string (object, "channel"), ==, "email");
  g_assert_cmpstr (crm_test_get_string (object, "to"), ==, "ivan@client.test");
  /* the number is the server's: filled when it delivers */
  g_assert_cmpstr (crm_test_get_string (object, "subject"), ==, "Заявка «Самосвал» № {deal.number}");
  g_assert_cmpstr (crm_test_get_string (object, "text"), ==,
                   "Иван Петров, ваш менеджер — Мария Кузнецова.");
  crm_test_ctl (&run, db, NULL, "message", "send", "--deal", deal, "--template", "nosuch", NULL);
  message = crm_test_assert_refused (&run, "not-found");
}


/* An administrator renames a template — the rules that send it or wait for it to be opened
 * follow — and removes it with its files, which is refused while a rule turned on sends it. */
static void
test_template_rename_remove (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "template-rename", NULL);
  g_autofree char *db = g_build_filename (dir, "laptop.db", NULL);
  g_autofree char *offer = g_build_filename (dir, "КП.pdf", NULL);
  g_autofree char *rules_file = g_build_filename (dir, "rules.json", NULL);
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *rule_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) rule = NULL;
  g_autoptr(JsonNode) files = NULL;
  JsonObject *item;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  json_node_unref (crm_test_ctl_ok (db, NULL, "init", "--template", "truck-dealer", NULL));
  g_assert_true (g_file_set_contents (offer, "%PDF-1.4 коммерческое предложение\n", -1,
                                      &error));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "add", "welcome",
                                    "--channel", "email", "--subject", "Заявка {deal.title}",
                                    "--body", "{contact.name}, спасибо!", "--attach", offer,
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "add", "reminder",
                                    "--channel", "sms", "--body", "Напоминаем о встрече",
                                    NULL));
  g_assert_true (g_file_set_contents (rules_file,
    "[{\"name\": \"Письмо клиенту\","
    "  \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Продажи\"},"
    "  \"actions\": [{\"type\": \"send_message\", \"to\": \"client\","
    "                 \"template\": \"welcome\"}]},"
    " {\"name\": \"Позвонить после письма\","
    "  \"trigger\": {\"type\": \"message_opened\", \"template\": \"welcome\"},"
    "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить\"}]}]", -1, &error));
  g_assert_no_error (error);
  json_node_unref (crm_test_ctl_ok (db, NULL, "rule", "import", rules_file, NULL));

  /* only administrators; another template's name is taken; an unknown one is named */
  crm_test_ctl (&run, db, NULL, "--as", "Мария Кузнецова", "message", "template", "rename",
                "welcome", "Приветствие", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "permission-denied");
  crm_test_ctl (&run, db, NULL, "message", "template", "rename", "welcome", "reminder", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "reminder"));
  crm_test_ctl (&run, db, NULL, "message", "template", "rename", "nosuch", "x", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "not-found");
  g_assert_nonnull (strstr (message, "nosuch"));

  /* renamed: the template keeps its file, both rules name it anew */
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "rename", "welcome",
                                    "Приветствие", NULL));
  list = crm_test_ctl_ok (db, NULL, "message", "template", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  item = json_array_get_object_element (json_node_get_array (list), 1);
  g_assert_cmpstr (crm_test_get_string (item, "name"), ==, "Приветствие");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "attachments")),
                    ==, 1);
  rule = crm_test_ctl_ok (db, NULL, "rule", "show", "Письмо клиенту", NULL);
  rule_text = json_to_string (rule, FALSE);
  g_assert_nonnull (strstr (rule_text, "\"template\":\"Приветствие\""));
  g_assert_null (strstr (rule_text, "welcome"));
  g_clear_pointer (&rule, json_node_unref);
  g_clear_pointer (&rule_text, g_free);
  rule = crm_test_ctl_ok (db, NULL, "rule", "show", "Позвонить после письма", NULL);
  rule_text = json_to_string (rule, FALSE);
  g_assert_nonnull (strstr (rule_text, "\"template\":\"Приветствие\""));

  /* a new deal's rule still finds it: the message is queued from it */
  json_node_unref (crm_test_ctl_ok (db, NULL, "contact", "add", "--name", "Иван Петров",
                                    "--email", "ivan@client.test", NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "deal", "add", "--pipeline", "Продажи",
                                    "--title", "Самосвал", "--contact", "Иван Петров", NULL));
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (db, NULL, "message", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (
                                          json_node_get_array (list), 0), "subject"),
                   ==, "Заявка Самосвал");

  /* a mailing made under one name still counts under the next: who got it is not
   * written to again */
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "send", "--contact", "Иван Петров",
                                    "--template", "Приветствие", NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "rename", "Приветствие",
                                    "Здравствуйте", NULL));
  crm_test_ctl (&run, db, NULL, "message", "send", "--contact", "Иван Петров", "--template",
                "Здравствуйте", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "already got"));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "rename", "Здравствуйте",
                                    "Приветствие", NULL));

  /* removing it is refused while a rule turned on sends it, naming the rule */
  crm_test_ctl (&run, db, NULL, "message", "template", "remove", "Приветствие", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "Письмо клиенту"));
  json_node_unref (crm_test_ctl_ok (db, NULL, "rule", "disable", "Письмо клиенту", NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "rule", "disable", "Позвонить после письма",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "remove", "Приветствие",
                                    NULL));
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (db, NULL, "message", "template", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (
                                          json_node_get_array (list), 0), "name"),
                   ==, "reminder");
  crm_test_ctl (&run, db, NULL, "message", "template", "remove", "Приветствие", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "not-found");
}

/* --- open tracking and unsubscribing (S4-9) ---------------------------------------------- */

/* @method @url (the whole address) on a session trusting the test server: its status,
 * Content-Type and body. */
static GBytes *
fetch (Fixture     *f,
       const char  *method,
       const char  *url,
       const char  *body,
       gsize        body_length,
       guint       *out_status,
       char       **out_type)
{
  g_autoptr(SoupSession) session = crm_test_http_session_new (f->server);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *answer;

  g_assert_nonnull (message);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_length);

      soup_message_set_request_body_from_bytes (message, "application/x-www-form-urlencoded",
                                                bytes);
    }
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  *out_status = soup_message_get_status (message);
  if (out_type != NULL)
    *out_type = g_strdup (soup_message_headers_get_content_type (
                            soup_message_get_response_headers (message), NULL));
  return answer;
}

/* The address after @marker up to the next quote, space or line end in @text. */
static char *
url_after (const char *text,
           const char *marker)
{
  const char *start = strstr (text, marker);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (marker);
  end = start + strcspn (start, "\"' \r\n<>");
  return g_strndup (start, end - start);
}

static JsonObject *
laptop_contact (Fixture    *f,
                const char *id)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = crm_store_open (f->laptop, &error);
  g_assert_no_error (error);
  return crm_store_dup_entity (store, "contact", id);
}

static guint
deal_tasks_with (Fixture    *f,
                 const char *deal,
                 const char *text)
{
  g_autoptr(JsonObject) shown = crm_test_take_object (
    crm_test_ctl_ok (f->laptop, NULL, "deal", "show", deal, NULL));
  JsonArray *tasks = json_object_get_array_member (shown, "tasks");

  return crm_test_count_objects (tasks, "text", text);
}

static void
test_open_tracking (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *id = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *pixel = NULL;
  g_autofree char *unsubscribe = NULL;
  g_autofree char *type = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *bogus = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) sent = NULL;
  g_autoptr(JsonObject) opened = NULL;
  g_autoptr(JsonObject) person = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *mail;
  guint status = 0;
  guint limited = 0;

  if (skipped (f))
    return;
  /* a rule: an opened offer makes a call task (S4-9) */
  rules = g_build_filename (f->dir, "opened.json", NULL);
  g_assert_true (g_file_set_contents (rules,
    "{\"name\": \"Открыл письмо — позвонить\", \"trigger\": {\"type\": \"message_opened\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить: клиент открыл письмо\","
    " \"task_type\": \"call\", \"due\": {\"days\": 1}, \"responsible\": \"deal\"}]}", -1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&rules, g_free);
  {
    g_autofree char *path = g_build_filename (f->dir, "opened.json", NULL);
    g_autoptr(JsonNode) imported = crm_test_ctl_ok (f->laptop, NULL, "rule", "import", path, NULL);
  }
  deal = add_deal (f, "Иван Петров", "ivan.petrov@client.test");
  id = send_message (f, deal);
  sync_laptop (f);
  list = wait_mails (f, 1);
  sent = wait_status (f, id, "sent");
  mail = list->pdata[0];

  /* the text is whole, with a way out; the HTML twin carries the image and the link */
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "Здравствуйте, Иван Петров!"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "/u/"));
  g_assert_nonnull (crm_test_get_string (mail, "html"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "html"), "Здравствуйте, Иван Петров!"));
  pixel = url_after (crm_test_get_string (mail, "html"), "<img src=\"");
  unsubscribe = url_after (crm_test_get_string (mail, "list_unsubscribe"), "<");
  g_assert_true (g_str_has_prefix (pixel, f->server->url));
  g_assert_true (g_str_has_suffix (pixel, ".gif"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), unsubscribe));
  g_assert_cmpstr (crm_test_get_string (mail, "list_unsubscribe_post"), ==,
                   "List-Unsubscribe=One-Click");
  /* unguessable: 43 characters of 32 random bytes, not the message's id */
  g_assert_cmpuint (strlen (strrchr (unsubscribe, '/') + 1), ==, 43);
  g_assert_null (strstr (pixel, id));

  /* a wrong token: the same image, nothing changes */
  bogus = g_strdup_printf ("%s/t/%s.gif", f->server->url, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  answer = fetch (f, "GET", bogus, NULL, 0, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "image/gif");
  g_clear_pointer (&answer, g_bytes_unref);
  g_clear_pointer (&type, g_free);
  sync_laptop (f);
  g_assert_cmpstr (crm_test_get_string (sent, "status"), ==, "sent");
  {
    g_autoptr(JsonObject) still = laptop_message (f, id);

    g_assert_cmpstr (crm_test_get_string (still, "status"), ==, "sent");
  }

  /* the reader opens the mail: the image is fetched (twice: a second look changes nothing) */
  for (guint i = 0; i < 2; i++)
    {
      answer = fetch (f, "GET", pixel, NULL, 0, &status, &type);
      g_assert_cmpuint (status, ==, 200);
      g_assert_cmpstr (type, ==, "image/gif");
      g_assert_true (g_str_has_prefix (g_bytes_get_data (answer, NULL), "GIF89a"));
      g_clear_pointer (&answer, g_bytes_unref);
      g_clear_pointer (&type, g_free);
    }
  opened = wait_status (f, id, "opened");
  g_assert_nonnull (crm_test_get_string (opened, "opened_at"));
  /* the rule ran once, on the server, and its task synced */
  g_assert_cmpuint (deal_tasks_with (f, deal, "Позвонить: клиент открыл письмо"), ==, 1);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "opened by its recipient", NULL), ==, 1);

  /* the unsubscribe link: the page alone (a mail scanner) changes nothing */
  {
    g_autoptr(JsonNode) message = crm_test_ctl_ok (f->laptop, NULL, "message", "list", NULL);

    contact = g_strdup (crm_test_get_string (crm_test_find_object (json_node_get_array (message),
                                                                   "id", id), "recipient"));
  }
  answer = fetch (f, "GET", unsubscribe, NULL, 0, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "text/html");
  g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "<form method=\"post\""));
  g_clear_pointer (&answer, g_bytes_unref);
  g_clear_pointer (&type, g_free);
  sync_laptop (f);
  person = laptop_contact (f, contact);
  g_assert_false (json_object_get_boolean_member_with_default (person, "unsubscribed", FALSE));
  g_clear_pointer (&person, json_object_unref);

  /* a body larger than a form's: refused, nothing changes */
  {
    g_autofree char *big = g_strnfill (4096, 'x');

    answer = fetch (f, "POST", unsubscribe, big, 4096, &status, NULL);
    g_assert_cmpuint (status, ==, 413);
    g_clear_pointer (&answer, g_bytes_unref);
  }
  /* a wrong token: a page that says so */
  {
    g_autofree char *wrong = g_strdup_printf ("%s/u/nope", f->server->url);

    answer = fetch (f, "POST", wrong, "List-Unsubscribe=One-Click", 26, &status, NULL);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&answer, g_bytes_unref);
  }
  /* the button (or a mail client's one click) */
  answer = fetch (f, "POST", unsubscribe, "List-Unsubscribe=One-Click", 26, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&answer, g_bytes_unref);
  sync_laptop (f);
  person = laptop_contact (f, contact);
  g_assert_true (json_object_get_boolean_member_with_default (person, "unsubscribed", FALSE));
  g_assert_cmpint (json_object_get_int_member_with_default (person, "unsubscribed_at", 0), >, 0);

  /* no more e-mail to that contact: refused on the laptop, with the reason */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *said = NULL;

    crm_test_ctl (&run, f->laptop, NULL, "message", "send", "--deal", deal, "--subject",
                  "Ещё предложение", "--body", "Текст", NULL);
    said = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (said, "Иван Петров unsubscribed from e-mails"));
  }

  /* the links have no sign-in, so a rate per address: a flood is slowed down */
  for (guint i = 0; i < 60 && limited == 0; i++)
    {
      answer = fetch (f, "GET", bogus, NULL, 0, &status, NULL);
      g_clear_pointer (&answer, g_bytes_unref);
      if (status == 429)
        limited++;
    }
  g_assert_cmpuint (limited, ==, 1);
}


/* S4-10: NPS by e-mail — `participant ask-nps` e-mails those who came; the mail carries the
 * 11 rating links of voronka-server; the link's page alone (a mail scanner) records
 * nothing, its button records the score once (a second click, or another score, changes
 * nothing and says so); the laptop gets the score with its next sync. A score typed from a
 * paper form is `participant set --nps`. */
static void
test_nps_rating (Fixture       *f,
                 gconstpointer  data)
{
  const char *event = "Семинар «Продажи 2026»";
  g_autoptr(JsonObject) ivan = NULL;
  g_autoptr(JsonObject) oleg = NULL;
  g_autoptr(JsonObject) asked = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(GPtrArray) received = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *link8 = NULL;
  g_autofree char *link3 = NULL;
  g_autofree char *type = NULL;
  JsonObject *mail, *p;
  guint status = 0;

  if (skipped (f))
    return;
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "pipeline", "add", "Мероприятия", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "stage", "add", "Участник зарегистрирован",
                                    "--pipeline", "Мероприятия", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "deal", "add", "--pipeline", "Мероприятия",
                                    "--title", event, NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Иван Петров",
                                    "--email", "ivan.petrov@client.test", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Анна Сидорова",
                                    "--email", "anna@client.test", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Олег Без Почты",
                                    NULL));
  ivan = crm_test_take_object (crm_test_ctl_ok (f->laptop, NULL, "participant", "add", "--deal",
                                                event, "--contact", "Иван Петров", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "participant", "add", "--deal", event,
                                    "--contact", "Анна Сидорова", NULL));
  oleg = crm_test_take_object (crm_test_ctl_ok (f->laptop, NULL, "participant", "add", "--deal",
                                                event, "--contact", "Олег Без Почты", NULL));
  /* nobody came yet: nobody to ask, nothing queued */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *said = NULL;

    crm_test_ctl (&run, f->laptop, NULL, "participant", "ask-nps", "--deal", event, NULL);
    said = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (said, "did not come"));
  }
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "participant", "checkin",
                                    crm_test_get_string (ivan, "code"), NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "participant", "set",
                                    crm_test_get_string (oleg, "code"), "--attended", "yes", NULL));
  asked = crm_test_take_object (crm_test_ctl_ok (f->laptop, NULL, "participant", "ask-nps",
                                                 "--deal", event, NULL));
  /* Иван is asked; Анна did not come, Олег has no e-mail address */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (asked, "sent")), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (
                     json_object_get_array_member (asked, "sent"), 0), "name"), ==, "Иван Петров");
  g_assert_nonnull (crm_test_find_object (json_object_get_array_member (asked, "skipped"), "name",
                                          "Анна Сидорова"));
  g_assert_cmpstr (crm_test_get_string (crm_test_find_object (
                     json_object_get_array_member (asked, "skipped"), "name", "Олег Без Почты"),
                     "reason"), ==, "has no e-mail address");
  sync_laptop (f);
  received = wait_mails (f, 1);
  mail = received->pdata[0];
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "Иван Петров"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), event));
  /* the 11 links, in the text and the HTML */
  link8 = url_after (crm_test_get_string (mail, "body"), " 8: ");
  link3 = url_after (crm_test_get_string (mail, "body"), " 3: ");
  g_assert_true (g_str_has_prefix (link8, f->server->url));
  g_assert_true (g_str_has_suffix (link8, "/8"));
  g_assert_nonnull (strstr (link8, "/r/"));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "html"), link8));
  g_assert_nonnull (strstr (crm_test_get_string (mail, "html"), "/r/"));

  /* the page alone records nothing */
  answer = fetch (f, "GET", link8, NULL, 0, &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "<form method=\"post\""));
  g_clear_pointer (&answer, g_bytes_unref);
  sync_laptop (f);
  list = crm_test_take_object (crm_test_ctl_ok (f->laptop, NULL, "participant", "list", "--deal",
                                                event, NULL));
  p = crm_test_find_object (json_object_get_array_member (list, "participants"), "name",
                            "Иван Петров");
  g_assert_true (json_object_get_null_member (p, "nps"));
  g_clear_pointer (&list, json_object_unref);

  /* a score out of 0…10: the link does not work */
  {
    g_autofree char *eleven = g_strndup (link8, strlen (link8) - 1);
    g_autofree char *bad = g_strconcat (eleven, "11", NULL);

    answer = fetch (f, "POST", bad, "", 0, &status, NULL);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&answer, g_bytes_unref);
  }
  /* the button: 8, once; then 3 changes nothing and says the score they gave */
  answer = fetch (f, "POST", link8, "", 0, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "recorded"));
  g_clear_pointer (&answer, g_bytes_unref);
  answer = fetch (f, "POST", link3, "", 0, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "8 out of 10"));
  g_clear_pointer (&answer, g_bytes_unref);
  sync_laptop (f);
  list = crm_test_take_object (crm_test_ctl_ok (f->laptop, NULL, "participant", "list", "--deal",
                                                event, NULL));
  p = crm_test_find_object (json_object_get_array_member (list, "participants"), "name",
                            "Иван Петров");
  g_assert_cmpint (json_object_get_int_member (p, "nps"), ==, 8);
  g_assert_cmpstr (crm_test_get_string (p, "nps_source"), ==, "email");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (list, "totals"),
                                               "nps_answers"), ==, 1);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "rated it 8", NULL), ==, 1);
}

/* The channels the server has, without their secrets, reach the laptop for the app's
 * Settings (crm-server-publish.c): a channel set while serving shows within a sync or
 * two; neither the SMS token nor a key in the gateway's URL is in the laptop's file. */
static gboolean
file_has (const char *path,
          const char *needle)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &data, &length, NULL))
    return FALSE;
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (data + i, needle, strlen (needle)) == 0)
      return TRUE;
  return FALSE;
}

static void
test_channels_published (Fixture       *f,
                         gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);
  g_autoptr(JsonObject) state = NULL;
  g_autofree char *smtp = NULL;
  g_autofree char *wal = NULL;
  JsonArray *channels;
  JsonObject *email = NULL;
  JsonObject *sms = NULL;

  if (skipped (f))
    return;
  g_assert_cmpint (crm_test_server_admin (f->server->dir, "sms-token-4f9a", "channel", "set",
                                          "acme", "sms", "--url",
                                          "http://127.0.0.1:9/send?key=url-key-77c1",
                                          "--token-stdin", NULL), ==, 0);
  for (;;)
    {
      g_autoptr(CrmStore) store = NULL;
      g_autoptr(GError) error = NULL;

      sync_laptop (f);
      store = crm_store_open (f->laptop, &error);
      g_assert_no_error (error);
      g_clear_pointer (&state, json_object_unref);
      state = crm_message_dup_transport (store);
      channels = state != NULL ? json_object_get_array_member (state, "channels") : NULL;
      if (channels != NULL && json_array_get_length (channels) == 2)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the laptop does not show both channels after %.0f s", WAIT_S);
      g_usleep (200 * 1000);
    }
  g_assert_cmpstr (crm_test_get_string (state, "account"), ==, "acme");
  email = crm_test_find_object (channels, "kind", "email");
  sms = crm_test_find_object (channels, "kind", "sms");
  g_assert_nonnull (email);
  g_assert_nonnull (sms);
  smtp = g_strdup_printf ("smtp://127.0.0.1:%u", f->smtp_port);
  g_assert_cmpstr (crm_test_get_string (email, "url"), ==, smtp);
  g_assert_cmpstr (crm_test_get_string (email, "from"), ==, "crm@acme.test");
  g_assert_false (json_object_get_boolean_member (email, "has_secret"));
  /* what can be known, not the secret: a token is set; the URL without its query */
  g_assert_true (json_object_get_boolean_member (sms, "has_secret"));
  g_assert_cmpstr (crm_test_get_string (sms, "url"), ==, "http://127.0.0.1:9/send");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (state, "mailboxes")), ==, 0);
  wal = g_strconcat (f->laptop, "-wal", NULL);
  g_assert_false (file_has (f->laptop, "sms-token-4f9a"));
  g_assert_false (file_has (wal, "sms-token-4f9a"));
  g_assert_false (file_has (f->laptop, "url-key-77c1"));
  g_assert_false (file_has (wal, "url-key-77c1"));
}


/* --- the app's administrators set channels and mailboxes through the API (issue 14) ----- */

/* @method @path as @token with @body; the answer's body as text too (to look for secrets). */
static void
api (Fixture       *f,
     CrmTestAnswer *answer,
     GString       *seen,
     const char    *method,
     const char    *path,
     const char    *token,
     const char    *body)
{
  crm_test_answer_clear (answer);
  crm_test_http_request (f->server, answer, method, path, token, body, body != NULL ? -1 : 0);
  if (answer->body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), answer->body);
      g_autofree char *text = json_to_string (node, FALSE);

      g_string_append (seen, text);
      g_string_append_c (seen, '\n');
    }
}

static void
assert_refused (CrmTestAnswer *answer,
                guint          status,
                const char    *words)
{
  g_test_message ("%u: %s", answer->status, crm_test_answer_error_message (answer));
  g_assert_cmpuint (answer->status, ==, status);
  g_assert_nonnull (strstr (crm_test_answer_error_message (answer), words));
}

static JsonArray *
answer_list (CrmTestAnswer *answer,
             const char    *member)
{
  g_assert_cmpuint (answer->status, ==, 200);
  g_assert_cmpstr (crm_test_get_string (answer->body, "account"), ==, "acme");
  return json_object_get_array_member (answer->body, member);
}

static void
test_admin_api (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(CrmSyncClient) manager = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(GPtrArray) received = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *manager_db = NULL;
  g_autofree char *admin_token = NULL;
  g_autofree char *manager_token = NULL;
  g_autofree char *body = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *large = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *log = NULL;
  g_autoptr(JsonObject) state = NULL;
  Gateway *gateway;
  JsonObject *channel;
  JsonObject *box;
  JsonArray *list;
  /* what must never come back, be published or be logged */
  const char *const secrets[] = { "sms-api-token-5d2e", "smtp-pw-91ab", "imap-pw-3c7d",
                                  "bot-77:tok-e1f0", NULL };

  if (skipped (f))
    return;
  gateway = gateway_start ();
  admin_token = g_strdup (crm_sync_client_get_token (f->client));
  manager_db = g_build_filename (f->dir, "manager.db", NULL);
  manager = crm_test_client_new (f->server, manager_db, "manager", "manager-pw");
  report = crm_test_sync (manager);
  manager_token = g_strdup (crm_sync_client_get_token (manager));

  /* a manager may neither read nor change them */
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_CHANNELS, manager_token, NULL);
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, manager_token,
       "{\"kind\": \"sms\", \"url\": \"http://127.0.0.1:9/\", \"secret\": \"x\"}");
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, manager_token,
       "{\"url\": \"imaps://127.0.0.1/\", \"user\": \"u\", \"password\": \"p\", "
       "\"pipeline\": \"Продажи\"}");
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, manager_token,
       "{\"kind\": \"email\", \"to\": \"boss@acme.test\"}");
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "DELETE", CRM_PROTOCOL_PATH_CHANNELS, manager_token,
       "{\"kind\": \"email\"}");
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_MAILBOXES, manager_token, NULL);
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, manager_token,
       "{\"url\": \"imaps://127.0.0.1/\", \"user\": \"u\", \"password\": \"p\"}");
  assert_refused (&answer, 403, "administrator");
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_CHANNELS, NULL, NULL);
  g_assert_cmpuint (answer.status, ==, 401);

  /* the administrator: the e-mail channel the fixture set, without a secret */
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_CHANNELS, admin_token, NULL);
  list = answer_list (&answer, "channels");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  channel = crm_test_find_object (list, "kind", "email");
  g_assert_cmpstr (crm_test_get_string (channel, "from"), ==, "crm@acme.test");
  g_assert_false (json_object_get_boolean_member (channel, "secret"));

  /* an SMS gateway with its token: the answer says only that a token is kept */
  body = g_strdup_printf ("{\"kind\": \"sms\", \"url\": \"http://127.0.0.1:%u/sms/send\", "
                          "\"secret\": \"sms-api-token-5d2e\"}", gateway->port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  list = answer_list (&answer, "channels");
  channel = crm_test_find_object (list, "kind", "sms");
  g_assert_nonnull (channel);
  g_assert_true (json_object_get_boolean_member (channel, "secret"));
  /* the URL changed, the token left out: the token kept stays */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"sms\", \"url\": \"http://127.0.0.1:%u/sms/v2\"}",
                          gateway->port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  channel = crm_test_find_object (answer_list (&answer, "channels"), "kind", "sms");
  g_assert_true (json_object_get_boolean_member (channel, "secret"));
  g_assert_nonnull (strstr (crm_test_get_string (channel, "url"), "/sms/v2"));

  /* null removes the token; typed again, it is kept again */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"sms\", \"url\": \"http://127.0.0.1:%u/sms/v2\", "
                          "\"secret\": null}", gateway->port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  channel = crm_test_find_object (answer_list (&answer, "channels"), "kind", "sms");
  g_assert_false (json_object_get_boolean_member (channel, "secret"));
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"sms\", \"url\": \"http://127.0.0.1:%u/sms/v2\", "
                          "\"secret\": \"sms-api-token-5d2e\"}", gateway->port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  channel = crm_test_find_object (answer_list (&answer, "channels"), "kind", "sms");
  g_assert_true (json_object_get_boolean_member (channel, "secret"));

  /* «Проверить»: a test SMS through the kept settings reaches the gateway with the token */
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, admin_token,
       "{\"kind\": \"sms\", \"to\": \"79001112233\"}");
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_true (json_object_get_boolean_member (answer.body, "ok"));
  g_assert_nonnull (strstr (crm_test_get_string (answer.body, "message"), "79001112233"));
  g_assert_cmpuint (gateway_count (gateway, "/sms/v2|Bearer sms-api-token-5d2e|",
                                   "79001112233"), ==, 1);
  /* a gateway that refuses: its words, not an error of the request */
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, admin_token,
       "{\"kind\": \"sms\", \"to\": \"79009004001\"}");
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_false (json_object_get_boolean_member (answer.body, "ok"));
  g_assert_nonnull (strstr (crm_test_get_string (answer.body, "message"), "invalid number"));
  /* Telegram tested before it is saved: the bot's token goes into the URL, never back */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"telegram\", \"url\": \"http://127.0.0.1:%u\", "
                          "\"secret\": \"bot-77:tok-e1f0\", \"to\": \"100200300\"}",
                          gateway->port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, admin_token, body);
  g_assert_true (json_object_get_boolean_member (answer.body, "ok"));
  g_assert_cmpuint (gateway_count (gateway, "/botbot-77:tok-e1f0/sendMessage|", "100200300"),
                    ==, 1);
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_CHANNELS, admin_token, NULL);
  g_assert_null (crm_test_find_object (answer_list (&answer, "channels"), "kind", "telegram"));
  /* a test e-mail through the real SMTP server */
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS_TEST, admin_token,
       "{\"kind\": \"email\", \"to\": \"boss@acme.test\"}");
  g_assert_true (json_object_get_boolean_member (answer.body, "ok"));
  received = wait_mails (f, 1);
  g_assert_cmpuint (mails_to (received, "boss@acme.test"), ==, 1);

  /* an SMTP login with its password; saved again without it, the password stays */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"email\", \"url\": \"smtp://127.0.0.1:%u\", "
                          "\"from\": \"crm@acme.test\", \"user\": \"crm-login\", "
                          "\"secret\": \"smtp-pw-91ab\"}", f->smtp_port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  channel = crm_test_find_object (answer_list (&answer, "channels"), "kind", "email");
  g_assert_cmpstr (crm_test_get_string (channel, "user"), ==, "crm-login");
  g_assert_true (json_object_get_boolean_member (channel, "secret"));
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"email\", \"url\": \"smtp://127.0.0.1:%u\", "
                          "\"from\": \"sales@acme.test\", \"user\": \"crm-login\"}",
                          f->smtp_port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  channel = crm_test_find_object (answer_list (&answer, "channels"), "kind", "email");
  g_assert_cmpstr (crm_test_get_string (channel, "from"), ==, "sales@acme.test");
  g_assert_true (json_object_get_boolean_member (channel, "secret"));
  /* … but another login needs its own */
  g_free (body);
  body = g_strdup_printf ("{\"kind\": \"email\", \"url\": \"smtp://127.0.0.1:%u\", "
                          "\"from\": \"sales@acme.test\", \"user\": \"other-login\"}",
                          f->smtp_port);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, body);
  assert_refused (&answer, 400, "needs its password");

  /* bad bodies: each a 400 (413) saying what is wrong, nothing changed */
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, "{\"kind\": ");
  assert_refused (&answer, 400, "not valid JSON");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, "[1, 2]");
  assert_refused (&answer, 400, "JSON object");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"fax\", \"url\": \"http://127.0.0.1/\"}");
  assert_refused (&answer, 400, "not a channel");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"sms\", \"url\": \"ftp://127.0.0.1/\"}");
  assert_refused (&answer, 400, "http://");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"email\", \"url\": \"smtp://127.0.0.1\", \"from\": \"a@b.c\\r\\nBcc: x@y.z\"}");
  assert_refused (&answer, 400, "line break");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"telegram\", \"url\": \"https://api.telegram.org\"}");
  assert_refused (&answer, 400, "bot's token");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": 5, \"url\": \"http://127.0.0.1/\"}");
  assert_refused (&answer, 400, "must be a string");
  deep = g_strnfill (5000, '[');
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, deep);
  g_assert_cmpuint (answer.status, ==, 400);
  large = g_strdup_printf ("{\"kind\": \"sms\", \"url\": \"http://127.0.0.1/%0*d\"}",
                           70 * 1024, 7);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_CHANNELS, admin_token, large);
  assert_refused (&answer, 413, "larger than");
  api (f, &answer, seen, "PUT", CRM_PROTOCOL_PATH_CHANNELS, admin_token, "{}");
  g_assert_cmpuint (answer.status, ==, 405);

  /* removing */
  api (f, &answer, seen, "DELETE", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"telegram\"}");
  assert_refused (&answer, 404, "no telegram channel");

  /* mailboxes: added with a password, changed without it, tested, removed */
  api (f, &answer, seen, "GET", CRM_PROTOCOL_PATH_MAILBOXES, admin_token, NULL);
  g_assert_cmpuint (json_array_get_length (answer_list (&answer, "mailboxes")), ==, 0);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\"}");
  assert_refused (&answer, 400, "pipeline");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\", "
       "\"pipeline\": \"Продажи\"}");
  assert_refused (&answer, 400, "needs its password");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"pop3://127.0.0.1:9/\", \"user\": \"requests@acme.test\", "
       "\"password\": \"imap-pw-3c7d\", \"pipeline\": \"Продажи\"}");
  g_assert_cmpuint (answer.status, ==, 400);
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\", "
       "\"password\": \"imap-pw-3c7d\", \"pipeline\": \"Нет такой\"}");
  assert_refused (&answer, 404, "Нет такой");
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\", "
       "\"password\": \"imap-pw-3c7d\", \"pipeline\": \"Продажи\"}");
  g_assert_true (json_object_get_boolean_member (answer.body, "added"));
  box = crm_test_find_object (answer_list (&answer, "mailboxes"), "user", "requests@acme.test");
  g_assert_cmpstr (crm_test_get_string (box, "pipeline"), ==, "Продажи");
  g_assert_true (json_object_get_boolean_member (box, "password"));
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\", "
       "\"pipeline\": \"Продажи\", \"responsible\": \"manager\"}");
  g_assert_false (json_object_get_boolean_member (answer.body, "added"));
  box = crm_test_find_object (answer_list (&answer, "mailboxes"), "user", "requests@acme.test");
  g_assert_cmpstr (crm_test_get_string (box, "responsible"), ==, "manager");
  g_assert_true (json_object_get_boolean_member (box, "password"));
  /* a sign-in to a mail server that is not there: the answer says so in words */
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"requests@acme.test\"}");
  g_assert_cmpuint (answer.status, ==, 200);
  g_assert_false (json_object_get_boolean_member (answer.body, "ok"));
  g_test_message ("mailbox test: %s", crm_test_get_string (answer.body, "message"));
  g_assert_nonnull (strstr (crm_test_get_string (answer.body, "message"), "127.0.0.1"));
  api (f, &answer, seen, "POST", CRM_PROTOCOL_PATH_MAILBOXES_TEST, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\", \"user\": \"nobody@acme.test\"}");
  assert_refused (&answer, 400, "password");

  /* the replica learns of them at once, without any secret */
  sync_laptop (f);
  store = crm_test_open (f->laptop);
  state = crm_message_dup_transport (store);
  g_assert_nonnull (state);
  g_assert_nonnull (crm_test_find_object (json_object_get_array_member (state, "channels"),
                                          "kind", "sms"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (state, "mailboxes")),
                    ==, 1);
  g_clear_object (&store);

  api (f, &answer, seen, "DELETE", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\"}");
  g_assert_cmpuint (json_array_get_length (answer_list (&answer, "mailboxes")), ==, 0);
  api (f, &answer, seen, "DELETE", CRM_PROTOCOL_PATH_MAILBOXES, admin_token,
       "{\"url\": \"imaps://127.0.0.1:9/INBOX\"}");
  assert_refused (&answer, 404, "no mailbox");
  api (f, &answer, seen, "DELETE", CRM_PROTOCOL_PATH_CHANNELS, admin_token,
       "{\"kind\": \"sms\"}");
  g_assert_null (crm_test_find_object (answer_list (&answer, "channels"), "kind", "sms"));
  sync_laptop (f);
  store = crm_test_open (f->laptop);
  g_clear_pointer (&state, json_object_unref);
  state = crm_message_dup_transport (store);
  g_assert_null (crm_test_find_object (json_object_get_array_member (state, "channels"),
                                       "kind", "sms"));
  g_clear_object (&store);

  /* no secret in any answer, in the laptop's replica, or in the server's log (which has
   * the audit lines of the changes) */
  g_assert_cmpuint (crm_test_server_count_log (f->server, "audit: channel.set", NULL), >=, 3);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "audit: mailbox.add", NULL), ==, 1);
  g_assert_cmpuint (crm_test_server_count_log (f->server, "audit: channel.test", NULL), ==, 4);
  wal = g_strconcat (f->laptop, "-wal", NULL);
  g_assert_true (g_file_get_contents (f->server->log_path, &log, NULL, NULL));
  for (guint i = 0; secrets[i] != NULL; i++)
    {
      g_assert_null (strstr (seen->str, secrets[i]));
      g_assert_null (strstr (log, secrets[i]));
      g_assert_false (file_has (f->laptop, secrets[i]));
      g_assert_false (file_has (wal, secrets[i]));
    }
  gateway_stop (gateway);
}

/* --- an SMTP server with STARTTLS and a login (issue 14) --------------------------------- */

static JsonObject *
message_until_done (Fixture    *f,
                    const char *id)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

  for (;;)
    {
      JsonObject *message;
      const char *status;

      sync_laptop (f);
      message = laptop_message (f, id);
      status = crm_test_get_string (message, "status");
      if (g_strcmp0 (status, "sent") == 0 || g_strcmp0 (status, "failed") == 0)
        return message;
      if (g_get_monotonic_time () > deadline)
        g_error ("message %s is still «%s» after %.0f s (the server's log: %s)", id, status,
                 WAIT_S, f->server->log_path);
      json_object_unref (message);
      g_usleep (200 * 1000);
    }
}

/* An SMTP server on 127.0.0.1 that takes mail only after STARTTLS, with a certificate of
 * its own (the one voronka-server made for itself: self-signed), from a client signed in
 * as crm-user: without --ca-file the message fails naming the certificate and the option,
 * with a wrong password it fails with the server's 535, then it goes out encrypted and
 * signed in. */
static void
test_smtp_starttls_auth (void)
{
  const char *const args[] = { "--delivery-interval", "1", NULL };
  g_autofree char *data_dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *smtp_url = NULL;
  g_autofree char *deal = NULL;
  const char *smtp_args[] = { "--tls", NULL, NULL, "--auth", "crm-user", "Пароль-42", NULL };
  Fixture fixture = { 0 };
  Fixture *f = &fixture;

  if (!has_aiosmtpd ())
    {
      crm_test_fail_missing ("python3-aiosmtpd is not installed (build-aux/voronka installs it)");
      return;
    }
  f->dir = g_dir_make_tmp ("voronka-delivery-XXXXXX", NULL);
  f->mail_dir = g_build_filename (f->dir, "mail", NULL);
  g_assert_cmpint (g_mkdir (f->mail_dir, 0700), ==, 0);
  f->laptop = g_build_filename (f->dir, "laptop.db", NULL);
  data_dir = crm_test_server_make_data (f->dir);
  /* over TLS: the server makes its certificate, which the SMTP server then uses too */
  f->server = crm_test_server_start (data_dir, FALSE, args);
  key = g_build_filename (data_dir, "tls", "key.pem", NULL);
  smtp_args[1] = f->server->cert;
  smtp_args[2] = key;
  f->smtp_args = smtp_args;
  f->smtp_port = crm_test_free_port ();
  start_smtp (f);
  f->client = crm_test_client_new (f->server, f->laptop, "admin", "admin-pw");
  sync_laptop (f);
  smtp_url = g_strdup_printf ("smtp://127.0.0.1:%u", f->smtp_port);
  deal = add_deal (f, "Иван Петров", "ivan.petrov@client.test");

  /* a CA file that is not one is refused at once, and the channel stays as it was */
  {
    g_autofree char *bogus = g_build_filename (f->dir, "not-a-cert.pem", NULL);

    g_assert_true (g_file_set_contents (bogus, "hello", -1, NULL));
    g_assert_cmpint (crm_test_server_admin (data_dir, "Пароль-42", "channel", "set", "acme",
                                            "email", "--smtp", smtp_url, "--from", "crm@acme.test",
                                            "--user", "crm-user", "--password-stdin",
                                            "--ca-file", bogus, NULL), !=, 0);
  }

  /* the server's certificate is not trusted without --ca-file */
  g_assert_cmpint (crm_test_server_admin (data_dir, "Пароль-42", "channel", "set", "acme", "email",
                                          "--smtp", smtp_url, "--from", "crm@acme.test", "--user",
                                          "crm-user", "--password-stdin", NULL), ==, 0);
  {
    g_autofree char *id = send_message (f, deal);
    g_autoptr(JsonObject) done = message_until_done (f, id);

    g_assert_cmpstr (crm_test_get_string (done, "status"), ==, "failed");
    g_assert_nonnull (strstr (crm_test_get_string (done, "error"), "certificate"));
    g_assert_nonnull (strstr (crm_test_get_string (done, "error"), "--ca-file"));
  }

  /* trusted, but a wrong password: the mail server's own words */
  g_assert_cmpint (crm_test_server_admin (data_dir, "не-тот", "channel", "set", "acme", "email",
                                          "--smtp", smtp_url, "--from", "crm@acme.test", "--user",
                                          "crm-user", "--password-stdin", "--ca-file",
                                          f->server->cert, NULL), ==, 0);
  {
    g_autofree char *id = send_message (f, deal);
    g_autoptr(JsonObject) done = message_until_done (f, id);

    g_assert_cmpstr (crm_test_get_string (done, "status"), ==, "failed");
    g_assert_nonnull (strstr (crm_test_get_string (done, "error"), "535"));
  }
  {
    g_autoptr(GPtrArray) none = mails (f);

    g_assert_cmpuint (none->len, ==, 0);
  }

  /* the right password: sent over STARTTLS, signed in */
  g_assert_cmpint (crm_test_server_admin (data_dir, "Пароль-42", "channel", "set", "acme", "email",
                                          "--smtp", smtp_url, "--from", "crm@acme.test", "--user",
                                          "crm-user", "--password-stdin", "--ca-file",
                                          f->server->cert, NULL), ==, 0);
  {
    g_autofree char *id = send_message (f, deal);
    g_autoptr(JsonObject) done = message_until_done (f, id);
    g_autoptr(GPtrArray) list = NULL;
    JsonObject *mail;

    g_assert_cmpstr (crm_test_get_string (done, "status"), ==, "sent");
    list = wait_mails (f, 1);
    mail = list->pdata[0];
    g_assert_true (json_object_get_boolean_member (mail, "tls"));
    g_assert_cmpstr (crm_test_get_string (mail, "auth_user"), ==, "crm-user");
    g_assert_cmpuint (mails_to (list, "ivan.petrov@client.test"), ==, 1);
    g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "Здравствуйте, Иван Петров!"));
  }
  /* the password is nowhere in the log */
  g_assert_cmpuint (crm_test_server_count_log (f->server, "Пароль-42", NULL), ==, 0);
  fixture_tear_down (f, NULL);
}

/* --- a mailing to a saved list (S4-2) ---------------------------------------------------- */

/* «Написать всем» on a saved list: one e-mail from the template per contact of the list,
 * delivered by the real server to the real SMTP server once each; a contact without an
 * e-mail and one who unsubscribed get nothing and are listed with the reason. */
static void
test_mailing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *unsubscribed = NULL;
  JsonArray *sent;
  JsonArray *left_out;
  JsonObject *item;

  if (skipped (f))
    return;
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "message", "template", "add", "Семинар",
                                    "--channel", "email", "--subject", "Приглашение на семинар",
                                    "--body", "Здравствуйте, {contact.name}! Ждём вас 12 марта.",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "company", "add", "--name", "ООО Рассылка",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Антонов Пётр",
                                    "--company", "ООО Рассылка", "--email", "petr@client.test",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Борисова Анна",
                                    "--company", "ООО Рассылка", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Власов Игорь",
                                    "--company", "ООО Рассылка", "--email", "igor@client.test",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Громова Ольга",
                                    "--company", "ООО Рассылка", "--email", "olga@client.test",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "list", "save", "Рассылка",
                                    "--filter", "company = «ООО Рассылка»", NULL));
  /* Власов unsubscribed (through a mail's link: the server's change, synced) */
  {
    g_autoptr(CrmStore) store = crm_test_open (f->laptop);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *id = crm_query_resolve (store, "contact", "Власов Игорь", NULL, &error);
    CrmChange *change;

    g_assert_no_error (error);
    change = crm_changeset_touch (changeset, "contact", id);
    crm_change_set_bool (change, "unsubscribed", TRUE);
    crm_change_set_int (change, "unsubscribed_at", crm_time_now_ms ());
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }

  result = crm_test_ctl_ok (f->laptop, NULL, "message", "send", "--list", "Рассылка",
                            "--template", "Семинар", NULL);
  sent = json_object_get_array_member (json_node_get_object (result), "sent");
  left_out = json_object_get_array_member (json_node_get_object (result), "skipped");
  g_assert_cmpuint (json_array_get_length (sent), ==, 2);
  g_assert_nonnull (crm_test_find_object (sent, "email", "petr@client.test"));
  g_assert_nonnull (crm_test_find_object (sent, "email", "olga@client.test"));
  g_assert_cmpuint (json_array_get_length (left_out), ==, 2);
  item = crm_test_find_object (left_out, "name", "Борисова Анна");
  g_assert_nonnull (item);
  g_assert_cmpstr (crm_test_get_string (item, "reason"), ==, "no e-mail address");
  item = crm_test_find_object (left_out, "name", "Власов Игорь");
  g_assert_nonnull (item);
  g_assert_true (g_str_has_prefix (crm_test_get_string (item, "reason"), "unsubscribed on "));

  sync_laptop (f);
  list = wait_mails (f, 2);
  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      g_autoptr(JsonObject) message = wait_status (f, crm_test_get_string (
                                                      json_array_get_object_element (sent, i),
                                                      "message"), "sent");

      g_assert_true (json_object_get_null_member (message, "deal"));
    }
  g_ptr_array_unref (list);
  list = mails (f);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (mails_to (list, "petr@client.test"), ==, 1);
  g_assert_cmpuint (mails_to (list, "olga@client.test"), ==, 1);
  g_assert_cmpuint (mails_to (list, "igor@client.test"), ==, 0);
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *mail = list->pdata[i];

      g_assert_cmpstr (crm_test_get_string (mail, "subject"), ==, "Приглашение на семинар");
      g_assert_nonnull (strstr (crm_test_get_string (mail, "body"), "Ждём вас 12 марта."));
    }
  /* each mail is to its contact, by name */
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *mail = list->pdata[i];
      gboolean to_petr = strstr (crm_test_get_string (mail, "to"), "petr@client.test") != NULL;

      g_assert_nonnull (strstr (crm_test_get_string (mail, "body"),
                                to_petr ? "Здравствуйте, Антонов Пётр!"
                                        : "Здравствуйте, Громова Ольга!"));
    }

  /* a list that leaves nobody to write to writes nothing */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_ctl (&run, f->laptop, NULL, "message", "send", "--filter",
                  "name = «Борисова Анна»", "--template", "Семинар", NULL);
    g_free (crm_test_assert_refused (&run, "invalid-input"));
  }
}

/* --- an e-mail template with an HTML body and the commercial offer (issue 17, S4-2) ------ */

#define OFFER_NAME "Коммерческое предложение 2027.pdf"

static char *
make_offer_pdf (const char *dir)
{
  return crm_test_make_pdf (dir, OFFER_NAME, "Стенд 12 м² на выставке «Грузовики 2027»: 480 000 ₽");
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

/* The admin's template «КП»: a subject and text with placeholders, the HTML body of
 * @dir/offer.html and the PDF; returns the PDF's path. */
static char *
add_offer_template (const char *db,
                    const char *dir)
{
  g_autofree char *html = g_build_filename (dir, "offer.html", NULL);
  char *pdf = make_offer_pdf (dir);
  g_autoptr(JsonNode) made = NULL;

  g_assert_true (g_file_set_contents (html,
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
    "<h1>Коммерческое предложение</h1>\n"
    "<p>Здравствуйте, <b>{contact.name}</b>!</p>\n"
    "<p>Стенд на выставке «Грузовики 2027» — в приложенном файле.</p>\n"
    "</BODY></html>\n", -1, NULL));
  made = crm_test_ctl_ok (db, NULL, "message", "template", "add", "КП", "--channel", "email",
                          "--subject", "Предложение для {contact.name}",
                          "--body", "Здравствуйте, {contact.name}! Предложение — в файле.",
                          "--html", html, "--attach", pdf, NULL);
  return pdf;
}

/* The file of @mail, checked: one PDF named OFFER_NAME (decoded from RFC 2231) holding
 * the bytes of @pdf. */
static void
assert_offer_attached (JsonObject *mail,
                       GBytes     *pdf)
{
  JsonArray *files = json_object_get_array_member (mail, "attachments");
  JsonObject *file;
  g_autofree guchar *data = NULL;
  gsize length = 0;

  g_assert_cmpuint (json_array_get_length (files), ==, 1);
  file = json_array_get_object_element (files, 0);
  g_assert_cmpstr (crm_test_get_string (file, "filename"), ==, OFFER_NAME);
  g_assert_cmpstr (crm_test_get_string (file, "content_type"), ==, "application/pdf");
  g_assert_cmpstr (crm_test_get_string (file, "disposition"), ==, "attachment");
  data = g_base64_decode (crm_test_get_string (file, "base64"), &length);
  g_assert_cmpmem (data, length, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf));
  /* the Russian name as RFC 2231 writes it, not raw UTF-8 in the header */
  g_assert_nonnull (strstr (crm_test_get_string (mail, "raw"), "filename*0*=UTF-8''"));
}

static void
test_template_offer (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *pdf_path = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(JsonNode) templates = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  JsonObject *template;
  JsonArray *files;
  JsonArray *sent;

  if (skipped (f))
    return;
  pdf_path = add_offer_template (f->laptop, f->dir);
  pdf = read_bytes (pdf_path);
  templates = crm_test_ctl_ok (f->laptop, NULL, "message", "template", "list", NULL);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП");
  g_assert_nonnull (template);
  g_assert_nonnull (strstr (crm_test_get_string (template, "html"), "<b>{contact.name}</b>"));
  files = json_object_get_array_member (template, "attachments");
  g_assert_cmpuint (json_array_get_length (files), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (files, 0), "name"), ==,
                   OFFER_NAME);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (files, 0), "size"),
                   ==, (gint64) g_bytes_get_size (pdf));

  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Антонов Пётр",
                                    "--email", "petr@client.test", NULL));
  /* a name HTML would take for markup: escaped in the HTML, as it is in the text */
  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name",
                                    "Громова <Ольга> & Co", "--email", "olga@client.test", NULL));
  result = crm_test_ctl_ok (f->laptop, NULL, "message", "send", "--contact", "Антонов Пётр",
                            "--contact", "Громова <Ольга> & Co", "--template", "КП", NULL);
  sent = json_object_get_array_member (json_node_get_object (result), "sent");
  g_assert_cmpuint (json_array_get_length (sent), ==, 2);

  sync_laptop (f);
  g_ptr_array_unref (wait_mails (f, 2));
  for (guint i = 0; i < json_array_get_length (sent); i++)
    {
      g_autoptr(JsonObject) message = wait_status (f, crm_test_get_string (
                                                      json_array_get_object_element (sent, i),
                                                      "message"), "sent");
      JsonArray *names = json_object_get_array_member (message, "attachments");

      g_assert_cmpuint (json_array_get_length (names), ==, 1);
      g_assert_cmpstr (json_array_get_string_element (names, 0), ==, OFFER_NAME);
    }
  list = mails (f);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (mails_to (list, "petr@client.test"), ==, 1);
  g_assert_cmpuint (mails_to (list, "olga@client.test"), ==, 1);
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *mail = list->pdata[i];
      gboolean to_olga = strstr (crm_test_get_string (mail, "to"), "olga@client.test") != NULL;
      const char *html = crm_test_get_string (mail, "html");
      const char *body = crm_test_get_string (mail, "body");
      g_autofree char *pixel = NULL;

      g_assert_cmpstr (crm_test_get_string (mail, "content_type"), ==, "multipart/mixed");
      assert_offer_attached (mail, pdf);
      /* the author's HTML, placeholders filled and escaped, the tracking image inside */
      g_assert_nonnull (html);
      g_assert_nonnull (strstr (html, "<h1>Коммерческое предложение</h1>"));
      g_assert_nonnull (strstr (html, to_olga ? "<b>Громова &lt;Ольга&gt; &amp; Co</b>"
                                               : "<b>Антонов Пётр</b>"));
      g_assert_null (strstr (html, "<Ольга>"));
      g_assert_null (strstr (html, "{contact.name}"));
      pixel = url_after (html, "<img src=\"");
      g_assert_true (g_str_has_prefix (pixel, f->server->url));
      g_assert_true (g_str_has_suffix (pixel, ".gif"));
      /* before the author's </BODY>: the page ends as it did */
      g_assert_true (strstr (html, "<img src=\"") < strstr (html, "</BODY>"));
      /* the text and the subject as they are, unescaped */
      g_assert_nonnull (strstr (body, to_olga ? "Здравствуйте, Громова <Ольга> & Co!"
                                              : "Здравствуйте, Антонов Пётр!"));
      g_assert_nonnull (strstr (body, "/u/"));
      g_assert_cmpstr (crm_test_get_string (mail, "subject"), ==,
                       to_olga ? "Предложение для Громова <Ольга> & Co"
                               : "Предложение для Антонов Пётр");
    }
}

/* A server that lacks the template's file (its files folder restored later than its
 * database) keeps the message queued, says why, and sends it once the file is back —
 * never without it, and once. */
static void
test_template_file_waits (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *pdf_path = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *away = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(JsonNode) templates = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) queued = NULL;
  g_autoptr(JsonObject) sent = NULL;
  JsonObject *template;
  const char *hash;

  if (skipped (f))
    return;
  pdf_path = add_offer_template (f->laptop, f->dir);
  pdf = read_bytes (pdf_path);
  sync_laptop (f);   /* the file is uploaded with the template */
  templates = crm_test_ctl_ok (f->laptop, NULL, "message", "template", "list", NULL);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП");
  hash = crm_test_get_string (json_array_get_object_element (
                                json_object_get_array_member (template, "attachments"), 0), "hash");
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (f->server);

    stored = crm_attachment_dup_path (account, hash);
  }
  g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));
  away = g_strconcat (stored, ".away", NULL);
  g_assert_cmpint (g_rename (stored, away), ==, 0);

  json_node_unref (crm_test_ctl_ok (f->laptop, NULL, "contact", "add", "--name", "Антонов Пётр",
                                    "--email", "petr@client.test", NULL));
  result = crm_test_ctl_ok (f->laptop, NULL, "message", "send", "--contact", "Антонов Пётр",
                            "--template", "КП", NULL);
  id = g_strdup (crm_test_get_string (json_array_get_object_element (
                   json_object_get_array_member (json_node_get_object (result), "sent"), 0),
                   "message"));
  sync_laptop (f);
  g_assert_true (crm_test_server_wait_log (f->server, 1, WAIT_S, "waits for its file", id));
  /* two more scans (every second): still nothing went, the message is still queued */
  g_usleep (2500 * 1000);
  sync_laptop (f);
  queued = laptop_message (f, id);
  g_assert_cmpstr (crm_test_get_string (queued, "status"), ==, "queued");
  list = mails (f);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  /* said once, not every scan */
  g_assert_cmpuint (crm_test_server_count_log (f->server, "waits for its file", id, NULL), ==, 1);

  /* the file is back: the message goes, with it, once */
  g_assert_cmpint (g_rename (away, stored), ==, 0);
  g_ptr_array_unref (wait_mails (f, 1));
  sent = wait_status (f, id, "sent");
  g_usleep (2500 * 1000);
  list = mails (f);
  g_assert_cmpuint (list->len, ==, 1);
  assert_offer_attached (list->pdata[0], pdf);
}

/* What a template's HTML body and files may not be: clear refusals, nothing written. */
static void
test_template_refusals (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "template-refusals", NULL);
  g_autofree char *db = g_build_filename (dir, "laptop.db", NULL);
  g_autofree char *big = g_build_filename (dir, "Каталог.pdf", NULL);
  g_autofree char *long_html = g_build_filename (dir, "long.html", NULL);
  g_autofree char *missing = g_build_filename (dir, "нет такого.pdf", NULL);
  g_autofree char *pdf = NULL;
  g_autoptr(GString) html = g_string_new ("<html><body>");
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) templates = NULL;
  g_autofree char *message = NULL;
  JsonObject *template;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  init = crm_test_ctl_ok (db, NULL, "init", "--template", "truck-dealer", NULL);
  pdf = make_offer_pdf (dir);

  /* a path that is no file */
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "КП", "--channel", "email",
                "--subject", "КП", "--body", "Здравствуйте!", "--attach", missing, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "нет такого.pdf"));
  g_clear_pointer (&message, g_free);
  crm_test_run_clear (&run);

  /* more than an e-mail may carry: refused before anything is copied */
  fd = g_open (big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 11 * 1024 * 1024), ==, 0);
  close (fd);
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "КП", "--channel", "email",
                "--subject", "КП", "--body", "Здравствуйте!", "--attach", pdf, "--attach", big,
                NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  /* g_format_size() puts a no-break space before the unit */
  g_assert_nonnull (strstr (message, "11.0\u00a0MiB"));
  g_assert_nonnull (strstr (message, "more than the 10.0\u00a0MiB"));
  g_clear_pointer (&message, g_free);
  crm_test_run_clear (&run);

  /* an HTML body over the limit */
  while (html->len <= CRM_MESSAGE_MAX_HTML_BYTES)
    g_string_append (html, "<p>Стенд на выставке «Грузовики 2027».</p>\n");
  g_string_append (html, "</body></html>\n");
  g_assert_true (g_file_set_contents (long_html, html->str, html->len, NULL));
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "КП", "--channel", "email",
                "--subject", "КП", "--body", "Здравствуйте!", "--html", long_html, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "32 KiB"));
  g_clear_pointer (&message, g_free);
  crm_test_run_clear (&run);

  /* an SMS carries no file */
  crm_test_ctl (&run, db, NULL, "message", "template", "add", "КП", "--channel", "sms",
                "--body", "Здравствуйте!", "--attach", pdf, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "e-mail"));
  g_clear_pointer (&message, g_free);
  crm_test_run_clear (&run);
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (db, NULL, "message", "template",
                                                           "list", NULL)), ==, 0);

  /* replaced without --attach: the file goes with the old version */
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "add", "КП", "--channel",
                                    "email", "--subject", "КП", "--body", "Здравствуйте!",
                                    "--attach", pdf, NULL));
  json_node_unref (crm_test_ctl_ok (db, NULL, "message", "template", "add", "КП", "--channel",
                                    "email", "--subject", "КП", "--body", "Добрый день!", NULL));
  templates = crm_test_ctl_ok (db, NULL, "message", "template", "list", NULL);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП");
  g_assert_cmpstr (crm_test_get_string (template, "body"), ==, "Добрый день!");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (template,
                                                                         "attachments")), ==, 0);
  g_assert_true (json_object_get_null_member (template, "html"));

  /* a template's files are its administrators' as the template is: a manager's or a
   * rep's attachment to it is refused (a pushed one too: the same check) */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmStore) store = crm_test_open (db);
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *user = crm_query_resolve (store, "user", i == 0 ? "Андрей Соколов"
                                                                       : "Мария Кузнецова",
                                                 NULL, &error);
      g_autofree char *attachment_id = crm_store_new_id (store);
      g_auto(CrmAttachmentFile) file = { 0 };

      g_assert_no_error (error);
      g_assert_true (crm_attachment_store_file (store, pdf, &file, &error));
      crm_attachment_fill_change (changeset, attachment_id, "message_template",
                                  crm_test_get_string (template, "id"), "Каталог.pdf", &file,
                                  crm_time_now_ms ());
      crm_changeset_set_actor (changeset, user);
      g_assert_false (crm_store_apply (store, changeset, &error));
      g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "administrator"));
    }
  g_clear_pointer (&templates, json_node_unref);
  templates = crm_test_ctl_ok (db, NULL, "message", "template", "list", NULL);
  template = crm_test_find_object (json_node_get_array (templates), "name", "КП");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (template,
                                                                         "attachments")), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("voronka-delivery-XXXXXX", NULL);
  g_test_add ("/delivery/email-sent-once", Fixture, NULL, fixture_set_up,
              test_email_sent_once, fixture_tear_down);
  g_test_add ("/delivery/email-refused", Fixture, NULL, fixture_set_up,
              test_email_refused, fixture_tear_down);
  g_test_add ("/delivery/email-retried", Fixture, NULL, fixture_set_up,
              test_email_retried, fixture_tear_down);
  g_test_add ("/delivery/email-unreachable", Fixture, NULL, fixture_set_up,
              test_email_unreachable, fixture_tear_down);
  g_test_add ("/delivery/killed-mid-send", Fixture, NULL, fixture_set_up, test_killed_mid_send,
              fixture_tear_down);
  g_test_add ("/delivery/open-tracking", Fixture, "tracking", fixture_set_up, test_open_tracking,
              fixture_tear_down);
  g_test_add ("/delivery/nps-rating", Fixture, "tracking", fixture_set_up, test_nps_rating,
              fixture_tear_down);
  g_test_add ("/delivery/channels-published", Fixture, NULL, fixture_set_up,
              test_channels_published, fixture_tear_down);
  g_test_add_func ("/delivery/smtp-starttls-auth", test_smtp_starttls_auth);
  g_test_add_func ("/delivery/channel-set-refused", test_channel_set_refused);
  g_test_add ("/delivery/sms-telegram", Fixture, NULL, fixture_set_up, test_sms_telegram,
              fixture_tear_down);
  g_test_add ("/delivery/admin-api", Fixture, NULL, fixture_set_up, test_admin_api,
              fixture_tear_down);
  g_test_add_func ("/delivery/templates", test_templates);
  g_test_add ("/delivery/template-offer", Fixture, "tracking", fixture_set_up,
              test_template_offer, fixture_tear_down);
  g_test_add ("/delivery/template-file-waits", Fixture, NULL, fixture_set_up,
              test_template_file_waits, fixture_tear_down);
  g_test_add_func ("/delivery/template-refusals", test_template_refusals);
  g_test_add_func ("/delivery/template-rename-remove", test_template_rename_remove);
  g_test_add ("/delivery/mailing", Fixture, NULL, fixture_set_up, test_mailing,
              fixture_tear_down);
  status = g_test_run ();
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
