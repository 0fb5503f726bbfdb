/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-files.c — attached files travel (issue 14, S1-6): a real voronka-server on
 * 127.0.0.1, real replicas and real voronkactl processes. A photo attached offline on
 * one laptop, required by the «Встреча» stage, reaches the other laptop byte for byte;
 * the server keeps one copy per content; a file over the server's limit is refused with
 * the limit named and the laptop loses nothing; a text calling itself a PNG is no photo;
 * an upload broken off half-way goes on where it stopped; a content that is not its
 * name, and another account's file, are refused. */
#include "config.h"

#include <string.h>
#include <utime.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include "crm-protocol.h"
#include "crm-store.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define COLD "Холодные продажи"

typedef struct {
  char          *dir;
  char          *data;
  CrmTestServer *server;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  const char *args[] = { "--max-file-mb", "1", NULL };

  f->dir = crm_test_make_tmpdir ();
  f->data = g_build_filename (f->dir, "server", NULL);
  g_assert_cmpint (crm_test_server_admin (f->data, "admin-pw", "account", "create", "dist",
                                          "--template", "b2b-distributor", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (f->data, "boss-password", "account", "create", "other",
                                          "--template", "b2b-distributor", "--admin", "boss",
                                          "--password-stdin", NULL), ==, 0);
  f->server = crm_test_server_start (f->data, FALSE, args);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  g_clear_pointer (&f->server, crm_test_server_free);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->data);
}

/* voronkactl --db DB --json ARGS… with @input on stdin. */
static void
ctl (CrmTestRun  *run,
     const char  *db,
     const char  *input,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, (gpointer) "--json");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_input (run, input, (const char * const *) args->pdata);
}

static JsonNode *
ok (CrmTestRun *run)
{
  if (run->status != 0)
    g_error ("voronkactl failed (%d): %s %s", run->status, run->out, run->err);
  return crm_test_parse_json (run->out);
}

static void
sync_replica (Fixture    *f,
              const char *db,
              const char *user,
              const char *password)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *input = g_strconcat (password, "\n", NULL);

  ctl (&run, db, input, "sync", "--server", f->server->url, "--user", user,
       "--password-stdin", "--ca-file", f->server->cert, NULL);
  json_node_unref (ok (&run));
}

static char *
add_deal (const char *db,
          const char *title)
{
  g_auto(CrmTestRun) run = { 0 };

  ctl (&run, db, NULL, "deal", "add", "--pipeline", COLD, "--stage", "Встреча назначена",
       "--title", title, NULL);
  return crm_test_dup_id (ok (&run));
}

/* A PNG: its signature and a header chunk, then @size bytes in all of made-up pixels. */
static GBytes *
make_png (gsize   size,
          guint32 seed)
{
  static const guchar head[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
  guchar *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i++)
    data[i] = (guchar) g_rand_int (rand);
  memcpy (data, head, MIN (size, sizeof head));
  g_rand_free (rand);
  return g_bytes_new_take (data, size);
}

static char *
write_file (const char *dir,
            const char *name,
            GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  g_assert_true (g_file_set_contents (path, data, (gssize) size, NULL));
  return path;
}

static char *
sha256_of (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* The folders the server keeps each account's files in: DATA/accounts/ID.db.files beside
 * an account's replica, or DATA/files/ID when the accounts live in PostgreSQL (the test
 * runs against both: VORONKA_TEST_DATABASE). */
static GPtrArray *
account_folders (Fixture *f)
{
  gboolean pg = g_strcmp0 (g_getenv ("VORONKA_TEST_DATABASE"), "postgresql") == 0;
  g_autofree char *parent = g_build_filename (f->data, pg ? "files" : "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  GPtrArray *folders = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  /* on PostgreSQL, DATA/files appears with the first file */
  if (!pg)
    g_assert_nonnull (dir);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *folder = g_build_filename (parent, name, NULL);

      if ((pg || g_str_has_suffix (name, ".files")) && g_file_test (folder, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (folders, g_steal_pointer (&folder));
    }
  return folders;
}

/* The contents the server keeps (every account), counted by their files; @partial:
 * the unfinished uploads instead. */
static guint
server_files (Fixture  *f,
              gboolean  partial)
{
  g_autoptr(GPtrArray) folders = account_folders (f);
  guint count = 0;

  for (guint i = 0; i < folders->len; i++)
    {
      g_autoptr(GDir) files = g_dir_open (folders->pdata[i], 0, NULL);
      const char *file;

      while (files != NULL && (file = g_dir_read_name (files)) != NULL)
        if (partial ? g_str_has_prefix (file, ".upload-") : file[0] != '.')
          count++;
    }
  return count;
}

static JsonObject *
only_attachment (const char *db,
                 const char *deal)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) list = NULL;
  JsonArray *array;

  ctl (&run, db, NULL, "attachment", "list", "--deal", deal, NULL);
  list = ok (&run);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_object_ref (json_array_get_object_element (array, 0));
}

/* --- raw requests, as a broken or hostile client would send them ------------------------ */

typedef struct {
  SoupSession *session;
  char        *token;
} Raw;

static void
raw_init (Raw        *raw,
          Fixture    *f,
          const char *user,
          const char *password)
{
  g_autofree char *path = g_build_filename (f->dir, "raw-sign-in.db", NULL);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (f->server, path, user, password);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (f->server->cert, &error);
  CrmSession *session;

  g_assert_no_error (error);
  session = crm_sync_client_sign_in (client, password, NULL, &error);
  g_assert_no_error (error);
  raw->token = g_strdup (session->token);
  crm_session_free (session);
  raw->session = soup_session_new ();
  soup_session_set_tls_database (raw->session, database);
}

static void
raw_clear (Raw *raw)
{
  g_clear_object (&raw->session);
  g_clear_pointer (&raw->token, g_free);
}

/* METHOD /api/v1/files/HASH; returns the status, the answer's error code in *@code. */
static guint
raw_file (Raw         *raw,
          Fixture     *f,
          const char  *method,
          const char  *hash,
          gint64       offset,
          gint64       length,
          const char  *mime,
          GBytes      *body,
          gint64      *out_offset,
          char       **out_message)
{
  g_autofree char *url = g_strconcat (f->server->url, CRM_PROTOCOL_PATH_FILES, hash, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *bearer = g_strconcat ("Bearer ", raw->token, NULL);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;

  soup_message_headers_replace (headers, "Authorization", bearer);
  soup_message_headers_replace (headers, CRM_PROTOCOL_SCHEMA_HEADER, schema);
  if (body != NULL)
    {
      g_autofree char *offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
      g_autofree char *length_text = g_strdup_printf ("%" G_GINT64_FORMAT, length);

      soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_OFFSET_HEADER, offset_text);
      soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_LENGTH_HEADER, length_text);
      if (mime != NULL)
        soup_message_headers_replace (headers, CRM_PROTOCOL_FILE_TYPE_HEADER, mime);
      soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", body);
    }
  answer = soup_session_send_and_read (raw->session, msg, NULL, &error);
  g_assert_no_error (error);
  text = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                       CRM_PROTOCOL_UPLOAD_OFFSET_HEADER);
  if (out_offset != NULL)
    *out_offset = text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
  if (out_message != NULL)
    {
      g_autoptr(GError) refusal = NULL;

      crm_protocol_set_http_error (&refusal, soup_message_get_status (msg), NULL, answer);
      *out_message = g_strdup_printf ("%s: %s",
                                      crm_sync_error_to_code (refusal ? refusal->code : 0),
                                      refusal ? refusal->message : "");
    }
  return soup_message_get_status (msg);
}

/* --- the tests ---------------------------------------------------------------------------- */

/* S1-6 across two laptops: attached offline on A, the «Встреча» stage passed, synced;
 * B gets the entity, then the bytes on demand, identical; the same photo attached on B
 * is not uploaded again and the server keeps one copy. */
static void
test_photo_travels (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.db", NULL);
  g_autoptr(GBytes) png = make_png (300 * 1024, 1);
  g_autofree char *photo = write_file (f->dir, "образец.png", png);
  g_autofree char *hash = sha256_of (png);
  g_autofree char *out = g_build_filename (f->dir, "получено.png", NULL);
  g_autofree char *deal = NULL;
  g_autofree char *other = NULL;
  g_autofree char *got = NULL;
  g_autoptr(JsonObject) on_b = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gsize got_length = 0;

  sync_replica (f, a, "admin", "admin-pw");
  sync_replica (f, b, "admin", "admin-pw");

  /* offline on A: the photo, then the stage that needs it */
  deal = add_deal (a, "Магазин «У дома»");
  ctl (&run, a, NULL, "deal", "move", deal, "--stage", "Встреча", NULL);
  g_free (crm_test_assert_refused (&run, "attachment-required"));
  ctl (&run, a, NULL, "attach", "--deal", deal, photo, "--name", "Образец передан", NULL);
  node = ok (&run);
  g_assert_cmpstr (crm_test_get_string (json_node_get_object (node), "mime"), ==, "image/png");
  g_clear_pointer (&node, json_node_unref);
  ctl (&run, a, NULL, "deal", "move", deal, "--stage", "Встреча", NULL);
  json_node_unref (ok (&run));
  g_assert_cmpuint (server_files (f, FALSE), ==, 0);

  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);

  /* B: the attachment and the stage arrive; the bytes stay on the server until asked */
  sync_replica (f, b, "admin", "admin-pw");
  on_b = only_attachment (b, deal);
  g_assert_cmpstr (crm_test_get_string (on_b, "hash"), ==, hash);
  g_assert_false (json_object_get_boolean_member (on_b, "available"));
  ctl (&run, b, NULL, "deal", "show", deal, NULL);
  node = ok (&run);
  g_assert_cmpstr (crm_test_get_string (json_node_get_object (node), "stage"), ==, "Встреча");
  g_clear_pointer (&node, json_node_unref);

  ctl (&run, b, "admin-pw\n", "attachment", "get", crm_test_get_string (on_b, "id"),
       "--out", out, "--password-stdin", NULL);
  node = ok (&run);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (node), "fetched"));
  g_clear_pointer (&node, json_node_unref);
  g_assert_true (g_file_get_contents (out, &got, &got_length, NULL));
  g_assert_cmpmem (got, got_length, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  g_clear_pointer (&on_b, json_object_unref);
  on_b = only_attachment (b, deal);
  g_assert_true (json_object_get_boolean_member (on_b, "available"));

  /* a second get copies the local file: no server needed, no password asked */
  g_unlink (out);
  ctl (&run, b, NULL, "attachment", "get", crm_test_get_string (on_b, "id"), "--out", out,
       NULL);
  node = ok (&run);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (node), "fetched"));
  g_clear_pointer (&node, json_node_unref);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));

  /* the same content attached on the other laptop: still one copy on the server */
  {
    g_autofree char *b_photo = NULL;
    g_autoptr(GBytes) again = make_png (300 * 1024, 1);

    b_photo = write_file (f->dir, "тот-же.png", again);
    other = add_deal (b, "Магазин «Угловой»");
    ctl (&run, b, NULL, "attach", "--deal", other, b_photo, NULL);
    json_node_unref (ok (&run));
    sync_replica (f, b, "admin", "admin-pw");
    g_assert_cmpuint (server_files (f, FALSE), ==, 1);
    g_assert_cmpuint (crm_test_server_count_log (f->server, "PATCH /api/v1/files/", hash, NULL),
                      ==, 1);
  }
}

/* A file over the server's limit (here 1 MB): the sync is refused naming the limit; the
 * laptop keeps the file, the attachment and its waiting change. */
static void
test_oversize (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autoptr(GBytes) big = make_png (1536 * 1024, 2);
  g_autofree char *path = write_file (f->dir, "большое.png", big);
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonObject) attachment = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_auto(CrmTestRun) run = { 0 };

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Сеть «Большая»");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, NULL);
  json_node_unref (ok (&run));

  ctl (&run, a, "admin-pw\n", "sync", "--password-stdin", NULL);
  message = crm_test_assert_refused (&run, "too-large");
  g_assert_nonnull (strstr (message, "limit of 1 MB"));
  g_assert_nonnull (strstr (message, "1.5 MB"));
  g_assert_nonnull (strstr (message, "большое.png"));
  g_assert_cmpuint (server_files (f, FALSE), ==, 0);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);

  attachment = only_attachment (a, deal);
  g_assert_true (json_object_get_boolean_member (attachment, "available"));
  store = crm_test_open (a);
  g_assert_cmpint (crm_test_count_waiting (store), >, 0);
}

/* A text that calls itself photo.png: the laptop records it as text, so the photo stage
 * refuses it; a client claiming image/png for it is refused by the server. */
static void
test_not_an_image (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("это не фотография, а текст\n", 49);
  g_autofree char *path = write_file (f->dir, "photo.png", text);
  g_autofree char *hash = sha256_of (text);
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  Raw raw = { 0 };

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Киоск");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, NULL);
  node = ok (&run);
  g_assert_false (g_str_has_prefix (crm_test_get_string (json_node_get_object (node), "mime"),
                                    "image/"));
  ctl (&run, a, NULL, "deal", "move", deal, "--stage", "Встреча", NULL);
  message = crm_test_assert_refused (&run, "attachment-required");
  g_assert_nonnull (strstr (message, "photo"));

  raw_init (&raw, f, "admin", "admin-pw");
  g_clear_pointer (&message, g_free);
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", hash, 0, (gint64) g_bytes_get_size (text),
                              "image/png", text, NULL, &message), ==, 415);
  g_assert_true (g_str_has_prefix (message, "file-type"));
  g_assert_cmpuint (server_files (f, FALSE), ==, 0);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);
  raw_clear (&raw);
}

/* Half a file sent, then the connection gone: the laptop's sync goes on from the half. A
 * content that does not hash to its name is refused; another account cannot read this
 * one's file; a piece at a wrong offset is told where to go on. */
static void
test_resume_and_refusals (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autoptr(GBytes) png = make_png (900 * 1024, 3);
  g_autofree char *path = write_file (f->dir, "снимок.png", png);
  g_autofree char *hash = sha256_of (png);
  gint64 size = (gint64) g_bytes_get_size (png);
  g_autoptr(GBytes) half = g_bytes_new_from_bytes (png, 0, (gsize) size / 2);
  g_autoptr(GBytes) wrong = make_png (1000, 4);
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(JsonObject) attachment = NULL;
  g_auto(CrmTestRun) run = { 0 };
  Raw raw = { 0 }, stranger = { 0 };
  gint64 offset = -1;

  sync_replica (f, a, "admin", "admin-pw");
  raw_init (&raw, f, "admin", "admin-pw");

  /* a hash that is not the content's: refused, nothing kept */
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", hash, 0, 1000, "image/png", wrong, NULL,
                              &message), ==, 422);
  g_assert_true (g_str_has_prefix (message, "hash-mismatch"));
  g_assert_cmpuint (server_files (f, FALSE), ==, 0);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);

  /* the first half arrives, then nothing */
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", hash, 0, size, "image/png", half, &offset,
                              NULL), ==, 204);
  g_assert_cmpint (offset, ==, size / 2);
  g_assert_cmpuint (raw_file (&raw, f, "HEAD", hash, 0, 0, NULL, NULL, &offset, NULL), ==, 404);
  g_assert_cmpint (offset, ==, size / 2);
  /* a piece at the wrong place is told where the server is */
  g_clear_pointer (&message, g_free);
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", hash, 0, size, "image/png", half, &offset,
                              &message), ==, 409);
  g_assert_true (g_str_has_prefix (message, "upload-offset"));
  g_assert_cmpint (offset, ==, size / 2);

  /* the laptop attaches the same file and syncs: only the second half travels */
  deal = add_deal (a, "Сеть «Полдень»");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, NULL);
  json_node_unref (ok (&run));
  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);
  {
    g_autofree char *created = g_strconcat (hash, " 201 ", NULL);
    g_autofree char *moved = g_strconcat (hash, " 409 ", NULL);

    /* one piece from the laptop (the rest), and only the test's own misplaced piece was
     * sent to the wrong offset */
    g_assert_cmpuint (crm_test_server_count_log (f->server, "PATCH", created, NULL), ==, 1);
    g_assert_cmpuint (crm_test_server_count_log (f->server, "PATCH", moved, NULL), ==, 1);
  }
  g_assert_cmpuint (raw_file (&raw, f, "HEAD", hash, 0, 0, NULL, NULL, &offset, NULL), ==, 200);
  g_assert_cmpint (offset, ==, size);
  attachment = only_attachment (a, deal);
  g_assert_cmpstr (crm_test_get_string (attachment, "hash"), ==, hash);

  /* another account's admin does not see it */
  raw_init (&stranger, f, "boss", "boss-password");
  g_clear_pointer (&message, g_free);
  g_assert_cmpuint (raw_file (&stranger, f, "GET", hash, 0, 0, NULL, NULL, NULL, &message), ==,
                    404);
  g_assert_cmpuint (raw_file (&raw, f, "GET", hash, 0, 0, NULL, NULL, NULL, NULL), ==, 200);
  raw_clear (&stranger);
  raw_clear (&raw);
}

/* A raw push of @db's outbox by @raw's user, its attachments' ops carrying @stamp when
 * given (as a device sends an op the server accepted before a restore): the status, the
 * refusal in *@out_refusal. */
static guint
push_outbox_stamped (Fixture     *f,
                     Raw         *raw,
                     const char  *db,
                     const char  *stamp,
                     GError     **out_refusal)
{
  g_autoptr(CrmStore) store = crm_test_open (db);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = crm_sync_state_dup_outbox (store, 100, &error);
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *url = g_strconcat (f->server->url, CRM_PROTOCOL_PATH_PUSH, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", raw->token, NULL);
  g_autofree char *schema = g_strdup_printf ("%d", CRM_SCHEMA_VERSION);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  guint status;

  g_assert_no_error (error);
  for (guint i = 0; stamp != NULL && i < ops->len; i++)
    if (g_str_equal (((CrmOp *) ops->pdata[i])->entity, "attachment"))
      {
        g_free (((CrmOp *) ops->pdata[i])->stamp);
        ((CrmOp *) ops->pdata[i])->stamp = g_strdup (stamp);
      }
  request = crm_push_request_to_json (MAX (crm_sync_state_get_cursor (store), 0), ops);
  body = crm_protocol_to_bytes (request);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                CRM_PROTOCOL_SCHEMA_HEADER, schema);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (raw->session, msg, NULL, &error);
  g_assert_no_error (error);
  status = soup_message_get_status (msg);
  if (status != 200)
    crm_protocol_set_http_error (out_refusal, status, NULL, answer);
  return status;
}

/* A raw push of @db's outbox by @raw's user: the status, the refusal in *@out_refusal. */
static guint
push_outbox (Fixture     *f,
             Raw         *raw,
             const char  *db,
             GError     **out_refusal)
{
  return push_outbox_stamped (f, raw, db, NULL, out_refusal);
}

/* A push that describes a file the server never received is refused whole, naming the
 * file; the laptop's next sync uploads it and the push goes through. */
static void
test_push_without_file (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autoptr(GBytes) png = make_png (2000, 5);
  g_autofree char *path = write_file (f->dir, "забытое.png", png);
  g_autofree char *deal = NULL;
  g_autoptr(GError) refusal = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_auto(CrmTestRun) run = { 0 };
  Raw raw = { 0 };

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Магазин «Забытый»");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, "--name", "забытое", NULL);
  json_node_unref (ok (&run));

  raw_init (&raw, f, "admin", "admin-pw");
  g_assert_cmpuint (push_outbox (f, &raw, a, &refusal), ==, 409);
  g_assert_error (refusal, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_MISSING);
  g_assert_nonnull (strstr (refusal->message, "забытое"));
  raw_clear (&raw);

  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  store = crm_test_open (a);
  g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
}


/* The stored content @hash on the server (whichever account), or NULL. */
static char *
server_file (Fixture    *f,
             const char *hash)
{
  g_autoptr(GPtrArray) folders = account_folders (f);

  for (guint i = 0; i < folders->len; i++)
    {
      g_autofree char *path = g_build_filename (folders->pdata[i], hash, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}


/* Issue 20's rep «Олег», whose role sees only his own deals, and the administrator's deal
 * with @path attached as @name, synced from the administrator's replica @a. */
static void
attach_unseen (Fixture    *f,
               const char *a,
               const char *path,
               const char *name)
{
  g_autofree char *deal = NULL;
  g_auto(CrmTestRun) run = { 0 };

  g_assert_cmpint (crm_test_server_admin (f->data, "rep-password", "user", "add", "dist",
                                          "Олег", "--role", "rep", "--password-stdin", NULL),
                   ==, 0);
  sync_replica (f, a, "admin", "admin-pw");
  ctl (&run, a, NULL, "role", "add", "Свои сделки", "--like", "rep", "--right", "*:see=own",
       NULL);
  json_node_unref (ok (&run));
  ctl (&run, a, NULL, "user", "set", "Олег", "--role", "Свои сделки", NULL);
  json_node_unref (ok (&run));
  deal = add_deal (a, "Магазин «Центральный»");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, "--name", name, NULL);
  json_node_unref (ok (&run));
  sync_replica (f, a, "admin", "admin-pw");
}

/* Issue 20: to a rep who may not see a file (his role sees his own deals; the contract is
 * on the administrator's deal) every way of asking about it answers as for content the
 * server never had, so knowing its hash tells him nothing: HEAD 404 from offset 0, GET
 * 404 not-found in the same words, nor how far the administrator got sending another
 * content (each upload its sender's own), his upload of the same content taken piece by piece
 * and stored as new (201, never «already stored»), and a push attaching it to his own deal
 * without uploading it refused as a file not uploaded (it would have given him the
 * administrator's file). Once he uploads it himself it is his to attach and to get; the
 * server still keeps one copy; the administrator gets it as before. */
static void
test_unseen_file (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *r = g_build_filename (f->dir, "r.db", NULL);
  g_autoptr(GBytes) png = make_png (3000, 21);
  g_autoptr(GBytes) never = make_png (3000, 22);
  g_autofree char *path = write_file (f->dir, "договор.png", png);
  g_autofree char *hash = sha256_of (png);
  g_autofree char *never_hash = sha256_of (never);
  g_autofree char *own = NULL;
  g_autofree char *message = NULL;
  g_autofree char *never_message = NULL;
  g_autoptr(GError) refusal = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gint64 offset = -2, never_offset = -2;
  Raw rep = { 0 };
  Raw admin = { 0 };

  attach_unseen (f, a, path, "договор");
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);

  /* HEAD and GET: what a content never uploaded gets */
  raw_init (&rep, f, "Олег", "rep-password");
  g_assert_cmpuint (raw_file (&rep, f, "HEAD", hash, 0, 0, NULL, NULL, &offset, NULL), ==, 404);
  g_assert_cmpuint (raw_file (&rep, f, "HEAD", never_hash, 0, 0, NULL, NULL, &never_offset,
                              NULL), ==, 404);
  g_assert_cmpint (offset, ==, 0);
  g_assert_cmpint (never_offset, ==, 0);
  g_assert_cmpuint (raw_file (&rep, f, "GET", hash, 0, 0, NULL, NULL, NULL, &message), ==, 404);
  g_assert_cmpuint (raw_file (&rep, f, "GET", never_hash, 0, 0, NULL, NULL, NULL,
                              &never_message), ==, 404);
  g_assert_cmpstr (message, ==, never_message);
  g_assert_true (g_str_has_prefix (message, "not-found: "));

  /* nor how far the administrator got with a content he is sending: each upload is its
   * sender's own */
  raw_init (&admin, f, "admin", "admin-pw");
  {
    g_autoptr(GBytes) half = g_bytes_new_from_bytes (never, 0, 1500);

    g_assert_cmpuint (raw_file (&admin, f, "PATCH", never_hash, 0, 3000, "image/png", half,
                                &offset, NULL), ==, 204);
    g_assert_cmpuint (raw_file (&rep, f, "HEAD", never_hash, 0, 0, NULL, NULL, &offset, NULL),
                      ==, 404);
    g_assert_cmpint (offset, ==, 0);
    g_assert_cmpuint (raw_file (&rep, f, "PATCH", never_hash, 0, 3000, "image/png", half,
                                &offset, NULL), ==, 204);
    g_assert_cmpint (offset, ==, 1500);
    g_assert_cmpuint (raw_file (&admin, f, "HEAD", never_hash, 0, 0, NULL, NULL, &offset,
                                NULL), ==, 404);
    g_assert_cmpint (offset, ==, 1500);
    g_assert_cmpuint (server_files (f, TRUE), ==, 2);
  }

  /* a push attaching it to his own deal without sending it: as if it were not there */
  sync_replica (f, r, "Олег", "rep-password");
  ctl (&run, r, NULL, "--as", "Олег", "deal", "add", "--pipeline", COLD, "--title",
       "Магазин «Олега»", NULL);
  own = crm_test_dup_id (ok (&run));
  ctl (&run, r, NULL, "--as", "Олег", "attach", "--deal", own, path, "--name", "мой договор",
       NULL);
  json_node_unref (ok (&run));
  g_assert_cmpuint (push_outbox (f, &rep, r, &refusal), ==, 409);
  g_assert_error (refusal, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_MISSING);
  g_assert_nonnull (strstr (refusal->message, "мой договор"));

  /* his upload of it is a new upload's: in two pieces, the last one stores it */
  g_clear_pointer (&message, g_free);
  {
    g_autoptr(GBytes) head = g_bytes_new_from_bytes (png, 0, 1000);
    g_autoptr(GBytes) rest = g_bytes_new_from_bytes (png, 1000, 2000);

    g_assert_cmpuint (raw_file (&rep, f, "PATCH", hash, 0, 3000, "image/png", head, &offset,
                                &message), ==, 204);
    g_assert_cmpint (offset, ==, 1000);
    g_clear_pointer (&message, g_free);
    g_assert_cmpuint (raw_file (&rep, f, "PATCH", hash, 1000, 3000, "image/png", rest, &offset,
                                &message), ==, 201);
  }
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  g_assert_cmpuint (server_files (f, TRUE), ==, 2);  /* the two halves of the other content */
  /* …and his sync then goes through: the attachment is his, so is the file */
  sync_replica (f, r, "Олег", "rep-password");
  {
    g_autoptr(CrmStore) store = crm_test_open (r);

    g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
  }
  g_assert_cmpuint (raw_file (&rep, f, "HEAD", hash, 0, 0, NULL, NULL, &offset, NULL), ==, 200);
  g_assert_cmpuint (raw_file (&rep, f, "GET", hash, 0, 0, NULL, NULL, NULL, NULL), ==, 200);

  /* the administrator's file is whole, as it was */
  g_assert_cmpuint (raw_file (&admin, f, "HEAD", hash, 0, 0, NULL, NULL, &offset, NULL), ==, 200);
  g_assert_cmpint (offset, ==, 3000);
  {
    g_autofree char *stored = server_file (f, hash);
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (stored, &contents, &length, NULL));
    g_assert_cmpmem (contents, length, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  }
  raw_clear (&admin);
  raw_clear (&rep);
}

/* Issue 20: an attachment op whose stamp is not the server's is no op accepted before a
 * restore: a rep who sends the administrator's file's hash with a made-up stamp, without
 * the file, is refused as for any file not uploaded — the stamp let the op past the check
 * that the file is here and his to name, and then GET gave him the administrator's file. */
static void
test_unseen_file_forged_stamp (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *r = g_build_filename (f->dir, "r.db", NULL);
  g_autoptr(GBytes) png = make_png (3000, 23);
  g_autofree char *path = write_file (f->dir, "смета.png", png);
  g_autofree char *hash = sha256_of (png);
  g_autofree char *own = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) refusal = NULL;
  g_auto(CrmTestRun) run = { 0 };
  Raw rep = { 0 };

  attach_unseen (f, a, path, "смета");

  sync_replica (f, r, "Олег", "rep-password");
  ctl (&run, r, NULL, "--as", "Олег", "deal", "add", "--pipeline", COLD, "--title",
       "Магазин «Олега»", NULL);
  own = crm_test_dup_id (ok (&run));
  ctl (&run, r, NULL, "--as", "Олег", "attach", "--deal", own, path, "--name", "моя смета",
       NULL);
  json_node_unref (ok (&run));

  raw_init (&rep, f, "Олег", "rep-password");
  g_assert_cmpuint (push_outbox_stamped (f, &rep, r, "0123456789abcdef", &refusal), ==, 409);
  g_assert_error (refusal, CRM_SYNC_ERROR, CRM_SYNC_ERROR_FILE_MISSING);
  g_assert_nonnull (strstr (refusal->message, "моя смета"));
  /* nothing of the push was taken: the file is still not his to get */
  g_assert_cmpuint (raw_file (&rep, f, "GET", hash, 0, 0, NULL, NULL, NULL, &message), ==, 404);
  raw_clear (&rep);
}

/* Whether the replica @db keeps the content @hash, byte for byte @bytes. */
static gboolean
has_content (const char *db,
             GBytes     *bytes)
{
  g_autofree char *hash = sha256_of (bytes);
  g_autofree char *name = g_strconcat (db, ".files", NULL);
  g_autofree char *path = g_build_filename (name, hash, NULL);
  g_autofree char *got = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &got, &length, NULL))
    return FALSE;
  g_assert_cmpmem (got, length, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return TRUE;
}

static JsonObject *
sync_fetching (Fixture    *f,
               const char *db,
               CrmTestRun *run,
               const char *cap_mb)
{
  g_autoptr(JsonNode) node = NULL;

  if (cap_mb != NULL)
    ctl (run, db, "admin-pw\n", "sync", "--server", f->server->url, "--user", "admin",
         "--password-stdin", "--ca-file", f->server->cert, "--fetch-images",
         "--fetch-images-mb", cap_mb, NULL);
  else
    ctl (run, db, "admin-pw\n", "sync", "--server", f->server->url, "--user", "admin",
         "--password-stdin", "--ca-file", f->server->cert, "--fetch-images", NULL);
  node = ok (run);
  return json_object_ref (json_object_get_object_member (json_node_get_object (node), "images"));
}

/* `sync --fetch-images`: laptop A attaches two photos and a PDF; B's sync brings both
 * photos (their right content) and not the PDF; C, capped at 1 MB, gets the newest photo
 * and leaves the other for the next sync; a photo the server lost is told in words and
 * the sync still succeeds. */
static void
test_fetch_images (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.db", NULL);
  g_autofree char *c = g_build_filename (f->dir, "c.db", NULL);
  g_autoptr(GBytes) first = make_png (500 * 1024, 11);
  g_autoptr(GBytes) second = make_png (700 * 1024, 12);
  g_autoptr(GBytes) pdf = g_bytes_new_static ("%PDF-1.4\n% счёт на оплату\n%%EOF\n", 37);
  g_autofree char *first_path = write_file (f->dir, "склад.png", first);
  g_autofree char *second_path = write_file (f->dir, "образец.png", second);
  g_autofree char *pdf_path = write_file (f->dir, "счёт.pdf", pdf);
  g_autofree char *first_hash = sha256_of (first);
  g_autofree char *lost = NULL;
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) images = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Магазин «Три фото»");
  ctl (&run, a, NULL, "attach", "--deal", deal, first_path, NULL);
  json_node_unref (ok (&run));
  ctl (&run, a, NULL, "attach", "--deal", deal, pdf_path, NULL);
  node = ok (&run);
  g_assert_cmpstr (crm_test_get_string (json_node_get_object (node), "mime"), ==,
                   "application/pdf");
  g_clear_pointer (&node, json_node_unref);
  ctl (&run, a, NULL, "attach", "--deal", deal, second_path, NULL);
  json_node_unref (ok (&run));
  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 3);

  /* B: both photos, byte for byte; the PDF stays on the server */
  images = sync_fetching (f, b, &run, NULL);
  g_assert_cmpint (json_object_get_int_member (images, "fetched"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (images, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (images, "bytes"), ==, 1200 * 1024);
  g_assert_true (has_content (b, first));
  g_assert_true (has_content (b, second));
  g_assert_false (has_content (b, pdf));
  g_assert_nonnull (strstr (run.err, "склад.png"));
  g_clear_pointer (&images, json_object_unref);

  /* C, at most 1 MB: the newest photo; the other waits */
  images = sync_fetching (f, c, &run, "1");
  g_assert_cmpint (json_object_get_int_member (images, "fetched"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (images, "over_cap"), ==, 1);
  g_assert_true (has_content (c, second));
  g_assert_false (has_content (c, first));
  g_clear_pointer (&images, json_object_unref);

  /* the server lost the other photo: C's sync says so and succeeds */
  lost = server_file (f, first_hash);
  g_assert_nonnull (lost);
  g_assert_cmpint (g_unlink (lost), ==, 0);
  images = sync_fetching (f, c, &run, NULL);
  g_assert_cmpint (json_object_get_int_member (images, "fetched"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (images, "failed"), ==, 1);
  g_assert_nonnull (strstr (run.err, "склад.png"));
  g_assert_nonnull (strstr (run.err, "not fetched"));
  g_assert_false (has_content (c, first));
  g_clear_pointer (&images, json_object_unref);

  /* the summary line for people */
  {
    g_auto(CrmTestRun) text = { 0 };
    const char *args[] = { "--db", c, "sync", "--password-stdin", "--fetch-images", NULL };

    crm_test_run_cli_input (&text, "admin-pw\n", args);
    g_assert_cmpint (text.status, ==, 0);
    g_assert_nonnull (strstr (text.out, "Fetched 0 images"));
    g_assert_nonnull (strstr (text.out, "1 not fetched"));
  }
}

/* voronka-server --data DATA ARGS… (the server stopped or running); its output in @run. */
static void
server_command (CrmTestRun *run,
                Fixture    *f,
                const char *first,
                ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  g_ptr_array_add (args, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (args, (gpointer) "--data");
  g_ptr_array_add (args, f->data);
  if (crm_test_server_database (f->data) != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--database");
      g_ptr_array_add (args, (gpointer) crm_test_server_database (f->data));
    }
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_clear (run);
  process = g_subprocess_newv ((const char * const *) args->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (process);
}

/* The server's attached files are in its backup: a photo attached, the server backed up
 * while serving, its files folder lost, the backup restored — a new laptop fetches the
 * photo, byte for byte. */
static void
test_backup_keeps_files (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.db", NULL);
  g_autofree char *backup = g_build_filename (f->dir, "backup", NULL);
  g_autoptr(GBytes) png = make_png (400 * 1024, 21);
  g_autofree char *path = write_file (f->dir, "витрина.png", png);
  g_autofree char *hash = sha256_of (png);
  g_autofree char *stored = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) images = NULL;
  g_auto(CrmTestRun) run = { 0 };

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Магазин «Витрина»");
  ctl (&run, a, NULL, "attach", "--deal", deal, path, NULL);
  json_node_unref (ok (&run));
  sync_replica (f, a, "admin", "admin-pw");

  server_command (&run, f, "backup", backup, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "1 attached file"));

  /* the disk with the files is lost */
  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  stored = server_file (f, hash);
  g_assert_nonnull (stored);
  folder = g_path_get_dirname (stored);
  crm_test_remove_tree (folder);
  g_assert_cmpuint (server_files (f, FALSE), ==, 0);

  server_command (&run, f, "restore", backup, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Put back 1 attached file"));
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  crm_test_server_restart (f->server);

  images = sync_fetching (f, b, &run, NULL);
  g_assert_cmpint (json_object_get_int_member (images, "fetched"), ==, 1);
  g_assert_true (has_content (b, png));
}

/* The unfinished upload of @hash on the server (".upload-HASH-UPLOADER", whoever sends
 * it), or NULL. */
static char *
server_partial (Fixture    *f,
                const char *hash)
{
  g_autoptr(GPtrArray) folders = account_folders (f);
  g_autofree char *prefix = g_strconcat (".upload-", hash, "-", NULL);

  for (guint i = 0; i < folders->len; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (folders->pdata[i], 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_prefix (name, prefix))
          return g_build_filename (folders->pdata[i], name, NULL);
    }
  return NULL;
}

/* An upload begun and never finished is removed once nothing was added to it for a day
 * (here: its time set back 25 hours, then the server's start sweeps); a fresh one stays;
 * the laptop that comes back starts the removed one from the beginning. */
static void
test_abandoned_upload (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) old_png = make_png (200 * 1024, 31);
  g_autoptr(GBytes) new_png = make_png (200 * 1024, 32);
  g_autoptr(GBytes) old_half = g_bytes_new_from_bytes (old_png, 0, 100 * 1024);
  g_autoptr(GBytes) new_half = g_bytes_new_from_bytes (new_png, 0, 100 * 1024);
  g_autofree char *old_hash = sha256_of (old_png);
  g_autofree char *new_hash = sha256_of (new_png);
  g_autofree char *old_part = NULL;
  g_autofree char *new_part = NULL;
  gint64 offset = -1;
  gint64 day_ago = g_get_real_time () - (gint64) 25 * 3600 * G_USEC_PER_SEC;
  struct utimbuf times = { (time_t) (day_ago / G_USEC_PER_SEC),
                           (time_t) (day_ago / G_USEC_PER_SEC) };
  Raw raw = { 0 };

  raw_init (&raw, f, "admin", "admin-pw");
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", old_hash, 0, 200 * 1024, "image/png", old_half,
                              &offset, NULL), ==, 204);
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", new_hash, 0, 200 * 1024, "image/png", new_half,
                              &offset, NULL), ==, 204);
  raw_clear (&raw);
  old_part = server_partial (f, old_hash);
  new_part = server_partial (f, new_hash);
  g_assert_nonnull (old_part);
  g_assert_nonnull (new_part);
  g_assert_cmpint (g_utime (old_part, &times), ==, 0);

  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  crm_test_server_restart (f->server);
  g_assert_true (crm_test_server_wait_log (f->server, 1, 30, "file.abandoned", old_hash));
  g_assert_false (g_file_test (old_part, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_part, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (crm_test_server_count_log (f->server, "file.abandoned", new_hash, NULL), ==,
                    0);

  /* the laptop that comes back is told to start from the beginning */
  raw_init (&raw, f, "admin", "admin-pw");
  g_assert_cmpuint (raw_file (&raw, f, "HEAD", old_hash, 0, 0, NULL, NULL, &offset, NULL), ==,
                    404);
  g_assert_cmpint (offset, ==, 0);
  g_assert_cmpuint (raw_file (&raw, f, "HEAD", new_hash, 0, 0, NULL, NULL, &offset, NULL), ==,
                    404);
  g_assert_cmpint (offset, ==, 100 * 1024);
  raw_clear (&raw);
}

/* The server's room for an account's files (here 1 MB): a photo that does not fit is
 * refused in words naming the file and the administrator; the laptop keeps the photo, its
 * attachment and its waiting changes; once the administrator gives the account more room
 * (`account set --files-quota-mb`, the server running) the next sync sends it. */
static void
test_files_quota (Fixture       *f,
                  gconstpointer  data)
{
  const char *small[] = { "--max-file-mb", "1", "--files-quota-mb", "1", NULL };
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autoptr(GBytes) first = make_png (600 * 1024, 41);
  g_autoptr(GBytes) second = make_png (600 * 1024, 42);
  g_autofree char *first_path = write_file (f->dir, "первое.png", first);
  g_autofree char *second_path = write_file (f->dir, "второе.png", second);
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *array;

  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  g_strfreev (f->server->extra_args);
  f->server->extra_args = g_strdupv ((char **) small);
  crm_test_server_restart (f->server);

  sync_replica (f, a, "admin", "admin-pw");
  deal = add_deal (a, "Магазин «Тесный»");
  ctl (&run, a, NULL, "attach", "--deal", deal, first_path, NULL);
  json_node_unref (ok (&run));
  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);

  ctl (&run, a, NULL, "attach", "--deal", deal, second_path, NULL);
  json_node_unref (ok (&run));
  ctl (&run, a, "admin-pw\n", "sync", "--password-stdin", NULL);
  message = crm_test_assert_refused (&run, "quota-exceeded");
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "no room left on the server for this company's files"));
  g_assert_nonnull (strstr (message, "второе.png"));
  g_assert_nonnull (strstr (message, "Ask your administrator"));
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  g_assert_cmpuint (server_files (f, TRUE), ==, 0);

  /* nothing lost on the laptop */
  ctl (&run, a, NULL, "attachment", "list", "--deal", deal, NULL);
  list = ok (&run);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_true (json_object_get_boolean_member (json_array_get_object_element (array, i),
                                                   "available"));
  store = crm_test_open (a);
  g_assert_cmpint (crm_test_count_waiting (store), >, 0);
  g_clear_object (&store);

  /* the administrator gives this account more room, while the server runs: the waiting
   * photo goes */
  server_command (&run, f, "account", "set", "dist", "--files-quota-mb", "lots", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "“lots”"));
  server_command (&run, f, "account", "set", "dist", "--files-quota-mb", "2", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "2 MB"));
  sync_replica (f, a, "admin", "admin-pw");
  g_assert_cmpuint (server_files (f, FALSE), ==, 2);
  store = crm_test_open (a);
  g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
}

/* `voronka-server account usage dist --json`'s "files" object; its devices in *@devices. */
static JsonObject *
files_usage (Fixture *f,
             gint64  *devices)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;

  server_command (&run, f, "account", "usage", "dist", "--json", NULL);
  if (run.status != 0)
    g_error ("account usage failed (%d): %s%s", run.status, run.out, run.err);
  node = crm_test_parse_json (run.out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "account"), ==,
                   "dist");
  g_assert_true (json_object_has_member (
    json_object_get_object_member (json_node_get_object (node), "messages"), "sent"));
  if (devices != NULL)
    *devices = json_object_get_int_member (json_node_get_object (node), "devices");
  return json_object_ref (json_object_get_object_member (json_node_get_object (node),
                                                          "files"));
}

/* Two uploads that start together (room for one: 1 MB, two photos of 600 KB) cannot both
 * pass the room check: the first reserves its whole length with its first piece, so the
 * second is refused at once, naming the limit, however little of the first has arrived;
 * once the first is stored the account's usage shows it and nothing is reserved. */
static void
test_quota_race (Fixture       *f,
                 gconstpointer  data)
{
  const char *small[] = { "--max-file-mb", "1", "--files-quota-mb", "1", NULL };
  g_autoptr(GBytes) first = make_png (600 * 1024, 51);
  g_autoptr(GBytes) second = make_png (600 * 1024, 52);
  g_autofree char *first_hash = sha256_of (first);
  g_autofree char *second_hash = sha256_of (second);
  g_autoptr(GBytes) first_head = g_bytes_new_from_bytes (first, 0, 100 * 1024);
  g_autoptr(GBytes) first_rest = g_bytes_new_from_bytes (first, 100 * 1024, 500 * 1024);
  g_autoptr(GBytes) second_head = g_bytes_new_from_bytes (second, 0, 100 * 1024);
  g_autoptr(JsonObject) usage = NULL;
  g_autofree char *message = NULL;
  g_autofree char *laptop = g_build_filename (f->dir, "laptop.db", NULL);
  gint64 offset = -1, devices = -1;
  Raw raw = { 0 };

  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  g_strfreev (f->server->extra_args);
  f->server->extra_args = g_strdupv ((char **) small);
  crm_test_server_restart (f->server);
  raw_init (&raw, f, "admin", "admin-pw");

  usage = files_usage (f, NULL);
  g_assert_cmpint (json_object_get_int_member (usage, "bytes"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (usage, "quota"), ==, 1024 * 1024);
  g_assert_cmpstr (json_object_get_string_member (usage, "quota_from"), ==, "serve");
  g_clear_pointer (&usage, json_object_unref);

  /* the first upload has sent 100 KB of its 600 KB */
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", first_hash, 0, 600 * 1024, "image/png",
                              first_head, &offset, NULL), ==, 204);
  g_assert_cmpint (offset, ==, 100 * 1024);
  usage = files_usage (f, NULL);
  g_assert_cmpint (json_object_get_int_member (usage, "reserved"), ==, 600 * 1024);
  g_clear_pointer (&usage, json_object_unref);

  /* the second does not fit beside it, and nothing of it is kept */
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", second_hash, 0, 600 * 1024, "image/png",
                              second_head, &offset, &message), >=, 400);
  g_test_message ("%s", message);
  g_assert_true (g_str_has_prefix (message, "quota-exceeded: "));
  g_assert_nonnull (strstr (message, "--files-quota-mb"));
  g_assert_cmpuint (server_files (f, TRUE), ==, 1);

  /* the first goes on and is stored: usage shows it, nothing reserved */
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", first_hash, 100 * 1024, 600 * 1024,
                              "image/png", first_rest, &offset, NULL), ==, 201);
  g_assert_cmpuint (server_files (f, FALSE), ==, 1);
  usage = files_usage (f, NULL);
  g_assert_cmpint (json_object_get_int_member (usage, "bytes"), ==, 600 * 1024);
  g_assert_cmpint (json_object_get_int_member (usage, "reserved"), ==, 0);
  g_clear_pointer (&usage, json_object_unref);

  /* and the second still does not fit */
  g_clear_pointer (&message, g_free);
  g_assert_cmpuint (raw_file (&raw, f, "PATCH", second_hash, 0, 600 * 1024, "image/png",
                              second_head, &offset, &message), >=, 400);
  g_assert_true (g_str_has_prefix (message, "quota-exceeded: "));
  raw_clear (&raw);

  /* a laptop that synced is one of the account's devices */
  sync_replica (f, laptop, "admin", "admin-pw");
  usage = files_usage (f, &devices);
  g_assert_cmpint (devices, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/files/s1-6-photo-travels", test_photo_travels);
  ADD ("/files/oversize-refused", test_oversize);
  ADD ("/files/not-an-image", test_not_an_image);
  ADD ("/files/resume-and-refusals", test_resume_and_refusals);
  ADD ("/files/push-without-file", test_push_without_file);
  ADD ("/files/unseen-file-unknown", test_unseen_file);
  ADD ("/files/unseen-file-forged-stamp", test_unseen_file_forged_stamp);
  ADD ("/files/sync-fetch-images", test_fetch_images);
  ADD ("/files/backup-keeps-files", test_backup_keeps_files);
  ADD ("/files/abandoned-upload-removed", test_abandoned_upload);
  ADD ("/files/files-quota", test_files_quota);
  ADD ("/files/quota-two-uploads", test_quota_race);
  return g_test_run ();
}
