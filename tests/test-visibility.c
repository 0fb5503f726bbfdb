/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-visibility.c — a rep's replica holds only the deals the rep may see (issue 20),
 * through a real voronka-server on 127.0.0.1: pulls and snapshots filtered by the see-scope
 * (group, own, all), a deal moved to a rep comes whole, one moved away is forgotten (gone
 * from the SQLite file too), and a client that asks the API directly gets nothing more. */
#include "config.h"

#include <string.h>
#include <utime.h>
#include <glib/gstdio.h>
#include <zstd.h>

#include "crm-attachment.h"
#include "crm-demo.h"
#include "crm-hlc.h"
#include "crm-protocol.h"
#include "crm-query.h"
#include "crm-report.h"
#include "crm-store.h"
#include "crm-sync-state.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-uuid.h"
#include "crm-visibility.h"
#include "crm-store-private.h"
#include <sqlite3.h>

static char *tmpdir;
static CrmTestServer *server;

#define MARIA "Мария Кузнецова"   /* Отдел продаж, scope «group» */
#define DENIS "Денис Морозов"     /* Отдел продаж, scope «own» */
#define PAVEL "Павел Новиков"     /* Отдел закупок, scope «group» */

#define TITLE_MARIA "Volvo FH16 для Северного Логиста"
#define TITLE_DENIS "Scania R450 для Уралтрансснаба"
#define TITLE_PAVEL "КАМАЗ 65115 для Агроснаба"
#define TITLE_ADMIN "MAN TGS для Балтийских перевозок"
#define TASK_PAVEL  "Согласовать выкуп КАМАЗа с Агроснабом"
#define NOTE_PAVEL  "Агроснаб просит рассрочку на полгода"
#define CONTRACT_TEXT "Договор поставки КАМАЗ 65115, Агроснаб, 4 200 000 ₽\n"
#define PRICES_TEXT   "Прайс-лист на грузовики, декабрь\n"
#define DISCOUNT_REASON "Скидка Уралтрансснабу: обещано при покупке второго тягача"

static char *
path_of (const char *replica)
{
  return g_build_filename (tmpdir, replica, NULL);
}

static CrmSyncReport *
sync_as (const char *replica,
         const char *user,
         const char *password)
{
  g_autofree char *path = path_of (replica);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, user, password);

  return crm_test_sync (client);
}

static void
sync_ok (const char *replica,
         const char *user,
         const char *password)
{
  g_autoptr(CrmSyncReport) report = sync_as (replica, user, password);

  g_assert_nonnull (report);
}

static char *
resolve (CrmStore   *store,
         const char *entity,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, entity, name, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
apply (CrmStore     *store,
       CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* The roles the tests give: each a sales rep's rights but for what it sees. */
#define ROLE_OWN   "Свои сделки"
#define ROLE_GROUP "Сделки группы"

/* `voronkactl --db admin.db ARGS…` (the administrator's laptop), which must succeed. */
#define ADMIN_CTL(...) \
  G_STMT_START { \
    g_autofree char *admin_db_ = path_of ("admin.db"); \
    json_node_unref (crm_test_ctl_ok (admin_db_, NULL, __VA_ARGS__, NULL)); \
  } G_STMT_END

static void
add_roles (void)
{
  ADMIN_CTL ("role", "add", ROLE_OWN, "--like", "rep", "--right", "*:see=own");
  ADMIN_CTL ("role", "add", ROLE_GROUP, "--like", "rep", "--right", "*:see=group");
}

static char *
add_deal (CrmStore   *store,
          const char *title,
          const char *responsible)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи");
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая заявка", pipeline, NULL);
  g_autofree char *user = resolve (store, "user", responsible);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_string (change, "responsible", user);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  apply (store, changeset);
  return id;
}

static void
set_responsible (CrmStore   *store,
                 const char *deal,
                 const char *user_name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user = resolve (store, "user", user_name);

  crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "responsible", user);
  apply (store, changeset);
}

static gint
compare_texts (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The titles of `voronkactl deal list --json` on @replica, sorted (bytes: Latin before
 * Cyrillic), joined by «|». */
static char *
deal_titles (const char *replica)
{
  g_autofree char *path = path_of (replica);
  g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "deal", "list", "--limit", "1000",
                                              NULL);
  JsonArray *deals = JSON_NODE_HOLDS_ARRAY (node)
                     ? json_node_get_array (node)
                     : json_object_get_array_member (json_node_get_object (node), "deals");
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (deals); i++)
    g_ptr_array_add (titles, (gpointer) json_object_get_string_member (
                       json_array_get_object_element (deals, i), "title"));
  g_ptr_array_sort (titles, compare_texts);
  g_ptr_array_add (titles, NULL);
  return g_strjoinv ("|", (char **) titles->pdata);
}

/* How many deals `voronkactl search TEXT --json` finds on @replica. */
static guint
search_count (const char *replica,
              const char *text)
{
  g_autofree char *path = path_of (replica);
  g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "search", text, NULL);
  JsonArray *found = json_object_get_array_member (json_node_get_object (node), "deals");

  return json_array_get_length (found);
}

/* The texts of `voronkactl task list --json` on @replica joined by «|». */
static char *
task_texts (const char *replica)
{
  g_autofree char *path = path_of (replica);
  g_autoptr(JsonNode) node = crm_test_ctl_ok (path, NULL, "task", "list", NULL);
  JsonArray *tasks = JSON_NODE_HOLDS_ARRAY (node)
                     ? json_node_get_array (node)
                     : json_object_get_array_member (json_node_get_object (node), "tasks");
  g_autoptr(GString) texts = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (tasks); i++)
    g_string_append_printf (texts, "%s|", json_object_get_string_member (
                              json_array_get_object_element (tasks, i), "text"));
  return g_string_free (g_steal_pointer (&texts), FALSE);
}

/* Whether @text is anywhere in the bytes of @data. */
static gboolean
bytes_hold (GBytes     *data,
            const char *text)
{
  gsize size = 0, length = strlen (text);
  const char *bytes = g_bytes_get_data (data, &size);

  for (gsize i = 0; i + length <= size; i++)
    if (bytes[i] == text[0] && memcmp (bytes + i, text, length) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @text is in the replica's SQLite file or its WAL, byte for byte. */
static gboolean
file_holds (const char *replica,
            const char *text)
{
  g_autofree char *path = path_of (replica);
  const char *const suffixes[] = { "", "-wal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autoptr(GBytes) bytes = NULL;

      if (!g_file_get_contents (file, &contents, &length, NULL))
        continue;
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      if (bytes_hold (bytes, text))
        return TRUE;
    }
  return FALSE;
}

/* --- raw requests, as a modified client would send them ---------------------------------- */

static char *
sign_in (const char *user,
         const char *password)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\"}", user,
                                           password);

  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

static GBytes *
get_raw (const char *path,
         const char *token,
         guint      *out_status)
{
  g_autoptr(SoupSession) session = crm_test_http_session_new (server);
  g_autoptr(SoupMessage) msg = crm_test_http_message_new (server, "GET", path, token, NULL, 0);
  g_autoptr(GError) error = NULL;
  GBytes *bytes = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  *out_status = soup_message_get_status (msg);
  return bytes;
}

/* The snapshot @token's user gets, decompressed: an SQLite file's bytes. */
static GBytes *
get_snapshot (const char *token)
{
  guint status = 0;
  g_autoptr(GBytes) packed = get_raw (CRM_PROTOCOL_PATH_SNAPSHOT, token, &status);
  ZSTD_DCtx *dctx = ZSTD_createDCtx ();
  GByteArray *out = g_byte_array_new ();
  gsize size = 0;
  ZSTD_inBuffer in = { g_bytes_get_data (packed, &size), 0, 0 };
  guint8 chunk[65536];

  g_assert_cmpuint (status, ==, 200);
  in.size = size;
  while (in.pos < in.size)
    {
      ZSTD_outBuffer buffer = { chunk, sizeof chunk, 0 };
      size_t rc = ZSTD_decompressStream (dctx, &buffer, &in);

      g_assert_false (ZSTD_isError (rc));
      g_byte_array_append (out, chunk, buffer.pos);
    }
  ZSTD_freeDCtx (dctx);
  g_assert_cmpuint (out->len, >, 4096);
  g_assert_cmpmem (out->data, 15, "SQLite format 3", 15);
  return g_byte_array_free_to_bytes (out);
}

/* --- the test ------------------------------------------------------------------------------ */

static void
test_reps_see_their_deals (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_deal = NULL;
  g_autofree char *denis_deal = NULL;
  g_autofree char *maria_deal = NULL;
  g_autofree char *titles = NULL;
  g_autofree char *tasks = NULL;
  g_autofree char *token = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", MARIA, "--role", ROLE_GROUP);
  ADMIN_CTL ("user", "set", DENIS, "--role", ROLE_OWN);
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *pavel = resolve (store, "user", PAVEL);
    g_autofree char *task = crm_store_new_id (store);
    g_autofree char *note = crm_store_new_id (store);
    CrmChange *change;

    maria_deal = add_deal (store, TITLE_MARIA, MARIA);
    denis_deal = add_deal (store, TITLE_DENIS, DENIS);
    pavel_deal = add_deal (store, TITLE_PAVEL, PAVEL);
    g_free (add_deal (store, TITLE_ADMIN, "admin"));
    /* what goes with Павел's deal: a task and a note */
    change = crm_changeset_create (changeset, "task", task);
    crm_change_set_string (change, "deal", pavel_deal);
    crm_change_set_string (change, "text", TASK_PAVEL);
    crm_change_set_string (change, "type", "call");
    crm_change_set_string (change, "responsible", pavel);
    crm_change_set_int (change, "due", crm_store_get_now (store) + 86400000);
    crm_change_set_int (change, "created_at", crm_store_get_now (store));
    change = crm_changeset_create (changeset, "note", note);
    crm_change_set_string (change, "entity", "deal");
    crm_change_set_string (change, "entity_id", pavel_deal);
    crm_change_set_string (change, "text", NOTE_PAVEL);
    crm_change_set_int (change, "created_at", crm_store_get_now (store));
    apply (store, changeset);
  }
  {
    g_autoptr(CrmSyncReport) pushed = sync_as ("admin.db", "admin", "admin-pw");

    g_assert_cmpuint (pushed->pushed, >=, 9);
  }

  /* each rep's first sync: what their scope shows, nothing else in the file */
  sync_ok ("maria.db", MARIA, "rep-password");
  sync_ok ("denis.db", DENIS, "rep-password");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("maria.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS "|" TITLE_MARIA);
  g_clear_pointer (&titles, g_free);
  titles = deal_titles ("denis.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS);
  g_clear_pointer (&titles, g_free);
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  titles = deal_titles ("admin.db");
  g_assert_cmpstr (titles, ==, TITLE_ADMIN "|" TITLE_DENIS "|" TITLE_MARIA "|" TITLE_PAVEL);
  g_assert_cmpuint (search_count ("maria.db", "КАМАЗ"), ==, 0);
  g_assert_cmpuint (search_count ("pavel.db", "КАМАЗ"), ==, 1);
  g_assert_cmpuint (search_count ("admin.db", "КАМАЗ"), ==, 1);
  g_assert_false (file_holds ("maria.db", TITLE_PAVEL));
  g_assert_false (file_holds ("maria.db", TASK_PAVEL));
  g_assert_false (file_holds ("maria.db", NOTE_PAVEL));
  g_assert_false (file_holds ("denis.db", TITLE_MARIA));
  g_assert_false (file_holds ("pavel.db", TITLE_ADMIN));
  g_assert_true (file_holds ("pavel.db", TASK_PAVEL));
  tasks = task_texts ("pavel.db");
  g_assert_nonnull (strstr (tasks, TASK_PAVEL));
  g_clear_pointer (&tasks, g_free);

  /* the deal is given to Денис: it comes whole to him (the task and note of before) and to
   * his group; Павел's laptop forgets it, bytes and all — and what he typed on it offline
   * meanwhile is refused, as his role's rights say */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    set_responsible (store, pavel_deal, DENIS);
  }
  {
    g_autofree char *path = path_of ("pavel.db");
    g_autoptr(CrmStore) store = crm_test_open (path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_int (crm_changeset_touch (changeset, "deal", pavel_deal), "amount",
                        450000000);
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("denis.db", DENIS, "rep-password");
  sync_ok ("maria.db", MARIA, "rep-password");
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_cmpuint (report->rejected, ==, 1);
  }
  titles = deal_titles ("denis.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  tasks = task_texts ("denis.db");
  g_assert_nonnull (strstr (tasks, TASK_PAVEL));
  g_clear_pointer (&tasks, g_free);
  g_assert_true (file_holds ("denis.db", NOTE_PAVEL));
  titles = deal_titles ("maria.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS "|" TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, "");
  g_clear_pointer (&titles, g_free);
  tasks = task_texts ("pavel.db");
  g_assert_null (strstr (tasks, TASK_PAVEL));
  g_clear_pointer (&tasks, g_free);
  g_assert_cmpuint (search_count ("pavel.db", "КАМАЗ"), ==, 0);
  g_assert_false (file_holds ("pavel.db", TITLE_PAVEL));
  g_assert_false (file_holds ("pavel.db", TASK_PAVEL));
  g_assert_false (file_holds ("pavel.db", NOTE_PAVEL));
  {
    /* forgotten without a trace going back */
    g_autofree char *path = path_of ("pavel.db");
    g_autoptr(CrmStore) store = crm_test_open (path);

    gint64 conflicts = -1;

    gint64 rejected = -1;

    /* nothing waits to be sent, no conflict; his refused change is listed to him */
    g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
    g_assert_true (crm_sync_state_count_conflicts (store, FALSE, &conflicts, NULL));
    g_assert_true (crm_sync_state_count_rejected (store, FALSE, &rejected, NULL));
    g_assert_cmpint (conflicts, ==, 0);
    g_assert_cmpint (rejected, ==, 1);
  }

  /* Денис's deal taken away from him (to the administrator): gone from both reps of the
   * group; the administrator's replica holds every deal */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    set_responsible (store, denis_deal, "admin");
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("denis.db", DENIS, "rep-password");
  titles = deal_titles ("denis.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  g_assert_false (file_holds ("denis.db", TITLE_DENIS));
  titles = deal_titles ("admin.db");
  g_assert_cmpstr (titles, ==, TITLE_ADMIN "|" TITLE_DENIS "|" TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);

  /* a modified client: it asks for everything since the start and for a snapshot, as
   * Павел; the others' deals are in neither */
  token = sign_in (PAVEL, "rep-password");
  {
    guint status = 0;
    g_autoptr(GBytes) pull = get_raw (CRM_PROTOCOL_PATH_PULL "?since=0&limit=5000", token,
                                      &status);
    g_autoptr(GBytes) snapshot = get_snapshot (token);

    g_assert_cmpuint (status, ==, 200);
    g_assert_true (bytes_hold (pull, "Новая заявка"));   /* the setup is shared */
    g_assert_false (bytes_hold (pull, TITLE_PAVEL));
    g_assert_false (bytes_hold (pull, TASK_PAVEL));
    g_assert_false (bytes_hold (pull, TITLE_DENIS));
    g_assert_false (bytes_hold (pull, TITLE_MARIA));
    g_assert_false (bytes_hold (snapshot, TITLE_PAVEL));
    g_assert_false (bytes_hold (snapshot, NOTE_PAVEL));
    g_assert_false (bytes_hold (snapshot, TITLE_MARIA));
    g_assert_true (bytes_hold (snapshot, "Новая заявка"));
  }
  {
    /* …and pushes a change to Мария's deal, whose id it got somehow: refused (the role's
     * «see», crm-validate.c), and the refusal shows nothing of the deal: no values, no
     * corrective op, its title not in the words */
    g_autoptr(CrmOp) op = crm_op_new ();
    g_autoptr(GPtrArray) ops = g_ptr_array_new ();
    g_autoptr(JsonNode) request = NULL;
    g_autofree char *body = NULL;
    g_auto(CrmTestAnswer) answer = { 0 };
    JsonObject *result;

    op->op_id = crm_uuid_v7_new (g_get_real_time () / 1000);
    op->hlc = crm_hlc_make (g_get_real_time () / 1000, 0);
    op->device = crm_uuid_v7_new (g_get_real_time () / 1000);
    op->entity = g_strdup ("deal");
    op->entity_id = g_strdup (maria_deal);
    op->fields = json_object_new ();
    json_object_set_string_member (op->fields, "title", "Чужая сделка");
    g_ptr_array_add (ops, op);
    request = crm_push_request_to_json (0, ops);
    body = json_to_string (request, FALSE);
    crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, body, -1);
    g_assert_cmpuint (answer.status, ==, 200);
    result = json_array_get_object_element (json_object_get_array_member (answer.body,
                                                                          "results"), 0);
    g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "rejected");
    g_assert_cmpstr (json_object_get_string_member (result, "code"), ==, "permission-denied");
    g_assert_null (strstr (json_object_get_string_member (result, "message"), TITLE_MARIA));
    g_assert_false (json_object_has_member (result, "corrective"));
    g_assert_cmpuint (json_object_get_size (json_object_get_object_member (result, "values")),
                      ==, 0);
  }
  g_clear_pointer (&token, g_free);
  /* …while Денис's snapshot has his deal */
  token = sign_in (DENIS, "rep-password");
  {
    g_autoptr(GBytes) snapshot = get_snapshot (token);

    g_assert_true (bytes_hold (snapshot, TITLE_PAVEL));
    g_assert_true (bytes_hold (snapshot, NOTE_PAVEL));
    g_assert_false (bytes_hold (snapshot, TITLE_MARIA));
    g_assert_false (bytes_hold (snapshot, TITLE_DENIS));
  }
  /* an administrator's new laptop (the account's snapshot, then a pull) holds every deal */
  sync_ok ("admin2.db", "admin", "admin-pw");
  titles = deal_titles ("admin2.db");
  g_assert_cmpstr (titles, ==, TITLE_ADMIN "|" TITLE_DENIS "|" TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);

  /* a new laptop of Мария's starts from her snapshot: her group's deals */
  sync_ok ("maria2.db", MARIA, "rep-password");
  titles = deal_titles ("maria2.db");
  g_assert_cmpstr (titles, ==, TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  g_assert_false (file_holds ("maria2.db", TITLE_ADMIN));
}

/* The scope widened: Павел sees every deal after the administrator changes his role's
 * rights — his next sync takes a fresh copy that holds them all; narrowed again; then his
 * group and role change. */
static void
test_scope_changes (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *titles = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_OWN);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    g_free (add_deal (store, TITLE_MARIA, MARIA));
    g_free (add_deal (store, TITLE_PAVEL, PAVEL));
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  ADMIN_CTL ("role", "set", ROLE_OWN, "--right", "*:see=all");
  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_true (report->snapshot);
  }
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);

  /* and narrowed again: the next copy has his deal only */
  ADMIN_CTL ("role", "set", ROLE_OWN, "--right", "*:see=own");
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  g_assert_false (file_holds ("pavel.db", TITLE_MARIA));

  /* he moves to Мария's group with a role that sees the group's deals: hers come too;
   * a reassignment of them inside the group changes nothing for him */
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP, "--group", "Отдел продаж");
  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_true (report->snapshot);
  }
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  /* …and the rep who stays behind in Отдел закупок is not concerned: Елена has no deals,
   * her group changes, Павел's next sync is a plain pull */
  ADMIN_CTL ("user", "set", "Елена Фёдорова", "--group", "Отдел кадров");
  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_false (report->snapshot);
  }
}

/* A built-in role narrowed: the sales reps' role («rep», which sees every deal as schema
 * step 24 writes it, with no op) set to see only their own deals by the administrator's
 * first change of it; Павел's next sync takes a fresh copy without Мария's deal, and
 * without the file of hers he had fetched. */
static void
test_builtin_role_narrowed (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_path = path_of ("pavel.db");
  g_autofree char *contract = path_of ("договор.txt");
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, CONTRACT_TEXT, -1);
  g_autofree char *stored = g_strconcat (pavel_path, ".files/", hash, NULL);
  g_autofree char *maria_deal = NULL;
  g_autofree char *titles = NULL;
  g_autoptr(JsonNode) attached = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    maria_deal = add_deal (store, TITLE_MARIA, MARIA);
    g_free (add_deal (store, TITLE_PAVEL, PAVEL));
  }
  g_assert_true (g_file_set_contents (contract, CONTRACT_TEXT, -1, NULL));
  attached = crm_test_ctl_ok (admin_path, NULL, "attach", "--deal", maria_deal, contract, NULL);
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_MARIA "|" TITLE_PAVEL);
  g_clear_pointer (&titles, g_free);
  {
    /* the app fetches the file when Павел opens it */
    g_autoptr(CrmSyncClient) client = crm_test_client_new (server, pavel_path, PAVEL,
                                                           "rep-password");
    g_autoptr(GError) error = NULL;

    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (attached), "hash"),
                     ==, hash);
    g_assert_true (crm_sync_client_fetch_file (client, hash, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_true (g_file_test (stored, G_FILE_TEST_EXISTS));

  ADMIN_CTL ("role", "set", "rep", "--right", "*:see=own");
  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_true (report->snapshot);
  }
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_assert_false (file_holds ("pavel.db", TITLE_MARIA));
  g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
}

/* The start of a test: the roles, Павел given @role, the administrator's two deals @title_a
 * (of @user_a) and @title_b (of @user_b) pushed, Павел's first sync. */
static void
two_deals (const char  *role,
           const char  *title_a,
           const char  *user_a,
           char       **out_a,
           const char  *title_b,
           const char  *user_b,
           char       **out_b)
{
  g_autofree char *admin_path = path_of ("admin.db");

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", role);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    *out_a = add_deal (store, title_a, user_a);
    *out_b = add_deal (store, title_b, user_b);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
}

/* The contract and the price list, files to attach: where they are, their SHA-256, and
 * where Павел's replica keeps them once it has them (pavel.db.files/HASH). */
typedef struct {
  char *contract;
  char *prices;
  char *contract_hash;
  char *prices_hash;
  char *contract_kept;
  char *prices_kept;
} DealFiles;

static void
deal_files_clear (DealFiles *files)
{
  g_free (files->contract);
  g_free (files->prices);
  g_free (files->contract_hash);
  g_free (files->prices_hash);
  g_free (files->contract_kept);
  g_free (files->prices_kept);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DealFiles, deal_files_clear)

/* two_deals(), and the contract and the price list written into @files. */
static void
two_deals_and_files (const char  *role,
                     const char  *title_a,
                     const char  *user_a,
                     char       **out_a,
                     const char  *title_b,
                     const char  *user_b,
                     char       **out_b,
                     DealFiles   *files)
{
  g_autofree char *pavel_path = path_of ("pavel.db");

  two_deals (role, title_a, user_a, out_a, title_b, user_b, out_b);
  files->contract = path_of ("договор.txt");
  files->prices = path_of ("прайс.txt");
  files->contract_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, CONTRACT_TEXT, -1);
  files->prices_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, PRICES_TEXT, -1);
  files->contract_kept = g_strconcat (pavel_path, ".files/", files->contract_hash, NULL);
  files->prices_kept = g_strconcat (pavel_path, ".files/", files->prices_hash, NULL);
  g_assert_true (g_file_set_contents (files->contract, CONTRACT_TEXT, -1, NULL));
  g_assert_true (g_file_set_contents (files->prices, PRICES_TEXT, -1, NULL));
}

/* A deal taken away takes its files with it: the contract Павел attached to his deal is
 * gone from his replica's folder once the deal is handed to Мария; a price list attached
 * to it and to a deal he keeps stays (one file per content). */
static void
test_forgotten_deal_files (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_path = path_of ("pavel.db");
  g_auto(DealFiles) files = { 0 };
  g_autofree char *taken = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *titles = NULL;

  two_deals_and_files (ROLE_OWN, TITLE_PAVEL, PAVEL, &taken, TITLE_DENIS, PAVEL, &kept,
                       &files);
  json_node_unref (crm_test_ctl_ok (pavel_path, NULL, "attach", "--deal", taken,
                                    files.contract, NULL));
  json_node_unref (crm_test_ctl_ok (pavel_path, NULL, "attach", "--deal", taken,
                                    files.prices, NULL));
  json_node_unref (crm_test_ctl_ok (pavel_path, NULL, "attach", "--deal", kept,
                                    files.prices, NULL));
  g_assert_true (g_file_test (files.contract_kept, G_FILE_TEST_EXISTS));
  sync_ok ("pavel.db", PAVEL, "rep-password");

  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    set_responsible (store, taken, MARIA);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS);
  g_assert_false (g_file_test (files.contract_kept, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (files.prices_kept, G_FILE_TEST_EXISTS));
}

/* A brand's discount asked for on a deal goes with the deal (its comment says what the
 * client was promised): a rep who does not see the deal gets neither from a pull nor in
 * the replica, and the deal handed to him later brings it. */
static void
test_discount_goes_with_deal (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *deal = NULL;
  g_autofree char *token = NULL;
  guint status = 0;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    deal = add_deal (store, TITLE_DENIS, DENIS);
  }
  ADMIN_CTL ("approval", "request", "--kind", "discount", "--deal", deal, "--brand", "Scania",
             "--discount", "7", "--reason", DISCOUNT_REASON);
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  g_assert_false (file_holds ("pavel.db", DISCOUNT_REASON));
  token = sign_in (PAVEL, "rep-password");
  {
    g_autoptr(GBytes) pull = get_raw (CRM_PROTOCOL_PATH_PULL "?since=0&limit=5000", token,
                                      &status);

    g_assert_cmpuint (status, ==, 200);
    g_assert_false (bytes_hold (pull, DISCOUNT_REASON));
  }

  /* handed to Павел: the deal comes whole, its discount's reason with it */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    set_responsible (store, deal, PAVEL);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  g_assert_true (file_holds ("pavel.db", DISCOUNT_REASON));
}

/* The answer to a raw pull as a JSON object. */
static JsonObject *
pull_object (const char *token,
             gint64      since,
             guint       limit)
{
  g_autofree char *path = g_strdup_printf (CRM_PROTOCOL_PATH_PULL "?since=%" G_GINT64_FORMAT
                                           "&limit=%u", since, limit);
  guint status = 0;
  g_autoptr(GBytes) bytes = get_raw (path, token, &status);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_cmpuint (status, ==, 200);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

/* A rep who sees few deals of a long log: one pull reads at most 64 pages of the size
 * asked for, and answers an empty page that says more is coming and where to go on from,
 * rather than reading the whole log for one request; the rep's sync goes through it. */
static void
test_filtered_pull_bounded (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) whole = NULL;
  g_autoptr(JsonObject) page = NULL;
  g_autofree char *titles = NULL;
  gint64 head, since;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    for (guint i = 0; i < 70; i++)
      {
        g_autofree char *title = g_strdup_printf ("Тягач №%u для Балтийских перевозок", i);

        g_free (add_deal (store, title, "admin"));
      }
  }
  sync_ok ("admin.db", "admin", "admin-pw");

  token = sign_in (PAVEL, "rep-password");
  whole = pull_object (token, 0, 5000);
  head = json_object_get_int_member (whole, "head");
  since = head - 70;
  page = pull_object (token, since, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "ops")), ==, 0);
  g_assert_true (json_object_get_boolean_member (page, "more"));
  g_assert_cmpint (json_object_get_int_member (page, "next"), ==, since + 64);

  /* and Павел's laptop, pulling a page at a time, holds none of them */
  sync_ok ("pavel.db", PAVEL, "rep-password");
  titles = deal_titles ("pavel.db");
  g_assert_null (strstr (titles, "Тягач"));
}

/* The rest of a forget that kept an edit in the outbox: the next sync pushes it, the server
 * refuses it (the rep no longer sees the deal) and the rep's refusals list it; the deal
 * does not come back. */
static void
test_forgotten_edit_refused (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_path = path_of ("pavel.db");
  g_autofree char *deal = NULL;
  g_autofree char *titles = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    deal = add_deal (store, TITLE_PAVEL, PAVEL);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    set_responsible (store, deal, DENIS);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  /* Павел's edit, then the pull's forget before any push took it */
  {
    g_autoptr(CrmStore) store = crm_test_open (pavel_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GPtrArray) ids = g_ptr_array_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_int (crm_changeset_touch (changeset, "deal", deal), "amount", 450000000);
    apply (store, changeset);
    g_ptr_array_add (ids, deal);
    g_assert_true (crm_visibility_forget (store, ids, NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmSyncReport) report = sync_as ("pavel.db", PAVEL, "rep-password");

    g_assert_nonnull (report);
    g_assert_cmpuint (report->rejected, ==, 1);
  }
  {
    g_autoptr(JsonNode) conflicts = crm_test_ctl_ok (pavel_path, NULL, "conflicts", NULL);
    g_autofree char *text = json_to_string (conflicts, FALSE);

    g_assert_nonnull (strstr (text, "rejected"));
  }
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, "");
}

/* A task moved from a deal a rep does not see onto one he does comes whole (its text, its
 * note), not as a row holding only its new deal. */
static void
test_task_moved_in (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_deal = NULL;
  g_autofree char *denis_deal = NULL;
  g_autofree char *task = NULL;
  g_autofree char *tasks = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", PAVEL, "--role", ROLE_GROUP);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *note = crm_store_new_id (store);
    CrmChange *change;

    pavel_deal = add_deal (store, TITLE_PAVEL, PAVEL);
    denis_deal = add_deal (store, TITLE_DENIS, DENIS);
    task = crm_store_new_id (store);
    change = crm_changeset_create (changeset, "task", task);
    crm_change_set_string (change, "deal", denis_deal);
    crm_change_set_string (change, "text", TASK_PAVEL);
    crm_change_set_string (change, "type", "call");
    change = crm_changeset_create (changeset, "note", note);
    crm_change_set_string (change, "entity", "task");
    crm_change_set_string (change, "entity_id", task);
    crm_change_set_string (change, "text", NOTE_PAVEL);
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  g_assert_false (file_holds ("pavel.db", TASK_PAVEL));

  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_string (crm_changeset_touch (changeset, "task", task), "deal", pavel_deal);
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  tasks = task_texts ("pavel.db");
  g_assert_nonnull (strstr (tasks, TASK_PAVEL));
  g_assert_true (file_holds ("pavel.db", NOTE_PAVEL));
}

/* GET /api/v1/files/HASH as @token's user: its status, and in *@out_text the body. */
static guint
get_file (const char  *token,
          const char  *hash,
          char       **out_text)
{
  g_autofree char *path = g_strconcat (CRM_PROTOCOL_PATH_FILES, hash, NULL);
  guint status = 0;
  g_autoptr(GBytes) bytes = get_raw (path, token, &status);

  *out_text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return status;
}

/* A raw push of one op by @token's user (a modified client): its result. */
static JsonObject *
push_raw (const char *token,
          CrmOp      *op)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autofree char *body = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };

  op->op_id = crm_uuid_v7_new (g_get_real_time () / 1000);
  op->hlc = crm_hlc_make (g_get_real_time () / 1000, 0);
  op->device = crm_uuid_v7_new (g_get_real_time () / 1000);
  g_ptr_array_add (ops, op);
  request = crm_push_request_to_json (0, ops);
  body = json_to_string (request, FALSE);
  crm_test_http_request (server, &answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, body, -1);
  g_assert_cmpuint (answer.status, ==, 200);
  return json_object_ref (json_array_get_object_element (
    json_object_get_array_member (answer.body, "results"), 0));
}

/* A task moved out of a rep's sight (re-attached to a deal he does not see) leaves his
 * laptop on his next pull, with its note and its file — rows, ops, bytes; his deal stays.
 * The file is then one the server does not have to him (GET /files/HASH: 404) and is
 * given to the administrator and to the rep who sees the deal; a modified client of his logging a call
 * on that deal is refused for the right "see". */
static void
test_task_moved_out (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_path = path_of ("pavel.db");
  g_autofree char *contract = path_of ("договор.txt");
  g_autofree char *contract_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                                  CONTRACT_TEXT, -1);
  g_autofree char *contract_file = g_strconcat (pavel_path, ".files/", contract_hash, NULL);
  g_autofree char *pavel_deal = NULL;
  g_autofree char *denis_deal = NULL;
  g_autofree char *task = NULL;
  g_autofree char *tasks = NULL;
  g_autofree char *titles = NULL;
  g_autofree char *token = NULL;
  g_autofree char *text = NULL;

  two_deals (ROLE_GROUP, TITLE_PAVEL, PAVEL, &pavel_deal, TITLE_DENIS, DENIS, &denis_deal);
  /* Павел's task on his deal, a note and the contract on it */
  g_assert_true (g_file_set_contents (contract, CONTRACT_TEXT, -1, NULL));
  {
    g_autoptr(CrmStore) store = crm_test_open (pavel_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *pavel = resolve (store, "user", PAVEL);
    g_autofree char *note = crm_store_new_id (store);
    g_autofree char *attachment = crm_store_new_id (store);
    g_auto(CrmAttachmentFile) file = { 0 };
    g_autoptr(GError) error = NULL;
    CrmChange *change;

    task = crm_store_new_id (store);
    crm_changeset_set_actor (changeset, pavel);
    change = crm_changeset_create (changeset, "task", task);
    crm_change_set_string (change, "deal", pavel_deal);
    crm_change_set_string (change, "text", TASK_PAVEL);
    crm_change_set_string (change, "type", "call");
    crm_change_set_string (change, "responsible", pavel);
    change = crm_changeset_create (changeset, "note", note);
    crm_change_set_string (change, "entity", "task");
    crm_change_set_string (change, "entity_id", task);
    crm_change_set_string (change, "text", NOTE_PAVEL);
    g_assert_true (crm_attachment_store_file (store, contract, &file, &error));
    g_assert_no_error (error);
    crm_attachment_fill_change (changeset, attachment, "task", task, "договор.txt", &file,
                                crm_store_get_now (store));
    apply (store, changeset);
  }
  sync_ok ("pavel.db", PAVEL, "rep-password");
  g_assert_true (g_file_test (contract_file, G_FILE_TEST_EXISTS));
  tasks = task_texts ("pavel.db");
  g_assert_nonnull (strstr (tasks, TASK_PAVEL));
  g_clear_pointer (&tasks, g_free);
  token = sign_in (PAVEL, "rep-password");
  g_assert_cmpuint (get_file (token, contract_hash, &text), ==, 200);
  g_assert_cmpstr (text, ==, CONTRACT_TEXT);
  g_clear_pointer (&text, g_free);

  /* the administrator puts the task on Денис's deal */
  sync_ok ("admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_string (crm_changeset_touch (changeset, "task", task), "deal", denis_deal);
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  tasks = task_texts ("pavel.db");
  g_assert_null (strstr (tasks, TASK_PAVEL));
  g_clear_pointer (&tasks, g_free);
  titles = deal_titles ("pavel.db");
  g_assert_cmpstr (titles, ==, TITLE_PAVEL);
  g_assert_false (file_holds ("pavel.db", TASK_PAVEL));
  g_assert_false (file_holds ("pavel.db", NOTE_PAVEL));
  g_assert_false (file_holds ("pavel.db", "договор.txt"));
  g_assert_false (g_file_test (contract_file, G_FILE_TEST_EXISTS));
  {
    g_autoptr(CrmStore) store = crm_test_open (pavel_path);
    gint64 conflicts = -1;

    g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
    g_assert_true (crm_sync_state_count_conflicts (store, FALSE, &conflicts, NULL));
    g_assert_cmpint (conflicts, ==, 0);
  }
  /* …and it comes to Денис's group, note and all */
  sync_ok ("maria.db", MARIA, "rep-password");
  tasks = task_texts ("maria.db");
  g_assert_nonnull (strstr (tasks, TASK_PAVEL));
  g_assert_true (file_holds ("maria.db", NOTE_PAVEL));

  /* the file: refused to Павел, given to the administrator and to Мария */
  {
    g_autoptr(JsonNode) node = NULL;
    JsonObject *failure;

    /* as a file the server does not have: he learns nothing of it (test-files
     * /files/unseen-file-unknown asks every way) */
    g_assert_cmpuint (get_file (token, contract_hash, &text), ==, 404);
    g_assert_null (strstr (text, "Агроснаб"));
    node = json_from_string (text, NULL);
    g_assert_nonnull (node);
    failure = json_object_get_object_member (json_node_get_object (node), "error");
    g_assert_cmpstr (json_object_get_string_member (failure, "code"), ==, "not-found");
    g_clear_pointer (&text, g_free);
  }
  {
    g_autofree char *admin_token = sign_in ("admin", "admin-pw");
    g_autofree char *maria_token = sign_in (MARIA, "rep-password");

    g_assert_cmpuint (get_file (admin_token, contract_hash, &text), ==, 200);
    g_assert_cmpstr (text, ==, CONTRACT_TEXT);
    g_clear_pointer (&text, g_free);
    g_assert_cmpuint (get_file (maria_token, contract_hash, &text), ==, 200);
    g_assert_cmpstr (text, ==, CONTRACT_TEXT);
    g_clear_pointer (&text, g_free);
  }

  /* a call logged on Денис's deal by a modified client of Павел's: refused */
  {
    CrmOp *op = crm_op_new ();
    g_autoptr(JsonObject) result = NULL;

    op->entity = g_strdup ("call");
    op->entity_id = crm_uuid_v7_new (g_get_real_time () / 1000);
    op->fields = json_object_new ();
    json_object_set_string_member (op->fields, "direction", "out");
    json_object_set_string_member (op->fields, "from", "+74951234567");
    json_object_set_string_member (op->fields, "status", "answered");
    json_object_set_int_member (op->fields, "started_at", g_get_real_time () / 1000);
    json_object_set_string_member (op->fields, "deal", denis_deal);
    result = push_raw (token, op);
    crm_op_free (op);
    g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "rejected");
    g_assert_cmpstr (json_object_get_string_member (result, "code"), ==, "permission-denied");
    g_assert_nonnull (strstr (json_object_get_string_member (result, "message"),
                              "(the right “see”)"));
  }
}

/* A task moved onto a rep's deal from one he does not see brings everything that hangs off
 * it, as a deal taken away takes it: the task's file, an approval asked for on the task,
 * the approval's note and file — rows on his laptop, the files given to him. */
static void
test_approval_moved_in (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *pavel_path = path_of ("pavel.db");
  g_auto(DealFiles) files = { 0 };
  g_autofree char *pavel_deal = NULL;
  g_autofree char *denis_deal = NULL;
  g_autofree char *task = NULL;
  g_autofree char *approval = NULL;
  g_autofree char *token = NULL;
  g_autofree char *text = NULL;

  two_deals_and_files (ROLE_GROUP, TITLE_PAVEL, PAVEL, &pavel_deal, TITLE_DENIS, DENIS,
                       &denis_deal, &files);
  /* on Денис's deal, out of Павел's sight: a task with the price list, an approval asked
   * for on the task, with a note and the contract */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *admin = resolve (store, "user", "admin");
    g_autofree char *note = crm_store_new_id (store);
    g_autofree char *task_file = crm_store_new_id (store);
    g_autofree char *approval_file = crm_store_new_id (store);
    g_auto(CrmAttachmentFile) prices_file = { 0 };
    g_auto(CrmAttachmentFile) contract_file = { 0 };
    g_autoptr(GError) error = NULL;
    CrmChange *change;

    task = crm_store_new_id (store);
    approval = crm_store_new_id (store);
    crm_changeset_set_actor (changeset, admin);
    change = crm_changeset_create (changeset, "task", task);
    crm_change_set_string (change, "deal", denis_deal);
    crm_change_set_string (change, "text", TASK_PAVEL);
    crm_change_set_string (change, "type", "task");
    g_assert_true (crm_attachment_store_file (store, files.prices, &prices_file, &error));
    g_assert_no_error (error);
    crm_attachment_fill_change (changeset, task_file, "task", task, "прайс.txt", &prices_file,
                                crm_store_get_now (store));
    change = crm_changeset_create (changeset, "approval", approval);
    crm_change_set_string (change, "kind", "invoice");
    crm_change_set_string (change, "entity", "task");
    crm_change_set_string (change, "entity_id", task);
    crm_change_set_string (change, "status", "pending");
    crm_change_set_string (change, "requested_by", admin);
    crm_change_set_string (change, "approver", admin);
    crm_change_set_int (change, "created_at", crm_store_get_now (store));
    change = crm_changeset_create (changeset, "note", note);
    crm_change_set_string (change, "entity", "approval");
    crm_change_set_string (change, "entity_id", approval);
    crm_change_set_string (change, "text", NOTE_PAVEL);
    g_assert_true (crm_attachment_store_file (store, files.contract, &contract_file, &error));
    g_assert_no_error (error);
    crm_attachment_fill_change (changeset, approval_file, "approval", approval, "договор.txt",
                                &contract_file, crm_store_get_now (store));
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  g_assert_false (file_holds ("pavel.db", TASK_PAVEL));
  g_assert_false (file_holds ("pavel.db", NOTE_PAVEL));
  token = sign_in (PAVEL, "rep-password");
  g_assert_cmpuint (get_file (token, files.contract_hash, &text), ==, 404);
  g_clear_pointer (&text, g_free);

  /* the administrator puts the task on Павел's deal: all of it comes to his laptop */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_change_set_string (crm_changeset_touch (changeset, "task", task), "deal", pavel_deal);
    apply (store, changeset);
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("pavel.db", PAVEL, "rep-password");
  {
    g_autoptr(CrmStore) store = crm_test_open (pavel_path);

    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM approval WHERE"
                                         " entity = 'task' AND entity_id = ?1"
                                         " AND status = 'pending'", task), ==, 1);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM note WHERE"
                                         " entity = 'approval' AND entity_id = ?1", approval),
                     ==, 1);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM attachment WHERE"
                                         " entity = 'approval' AND entity_id = ?1", approval),
                     ==, 1);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM attachment WHERE"
                                         " entity = 'task' AND entity_id = ?1", task), ==, 1);
  }
  g_assert_true (file_holds ("pavel.db", NOTE_PAVEL));
  g_assert_true (file_holds ("pavel.db", "договор.txt"));
  g_assert_cmpuint (get_file (token, files.contract_hash, &text), ==, 200);
  g_assert_cmpstr (text, ==, CONTRACT_TEXT);
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (get_file (token, files.prices_hash, &text), ==, 200);
  g_assert_cmpstr (text, ==, PRICES_TEXT);
}

/* A deal taken away while the rep's edit of it waited to be pushed (made between a sync's
 * push and its pull): the deal leaves the replica, the edit stays in the outbox for the
 * next push (whose refusal the rep is then shown), the acknowledged ops go. */
static void
test_forget_keeps_outbox (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "replica.db", NULL);
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_auto(CrmTestRun) show = { 0 };
  gint64 waiting = -1;

  json_node_unref (crm_test_ctl_ok (db, NULL, "init", "--template", "truck-dealer", NULL));
  deal = crm_test_take_object (crm_test_ctl_ok (db, NULL, "deal", "add", "--pipeline",
                                                "Продажи", "--title", TITLE_DENIS, NULL));
  store = crm_store_open (db, &error);
  g_assert_no_error (error);
  /* everything so far acknowledged by the server, then the rep's edit */
  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (store),
                                 "UPDATE changelog SET pushed = seq WHERE local = 1", NULL,
                                 NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&store);
  json_node_unref (crm_test_ctl_ok (db, NULL, "deal", "set",
                                    crm_test_get_string (deal, "id"), "--title",
                                    "Scania R450, скидка 5 %", NULL));
  store = crm_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (crm_sync_state_count_waiting (store, &waiting, &error));
  g_assert_cmpint (waiting, ==, 1);

  g_ptr_array_add (ids, (gpointer) crm_test_get_string (deal, "id"));
  g_assert_true (crm_visibility_forget (store, ids, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (crm_sync_state_count_waiting (store, &waiting, &error));
  g_assert_cmpint (waiting, ==, 1);
  outbox = crm_sync_state_dup_outbox (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (((CrmOp *) outbox->pdata[0])->entity_id, ==, crm_test_get_string (deal, "id"));
  g_clear_object (&store);
  crm_test_run_cli (&show, "--db", db, "--json", "deal", "show", crm_test_get_string (deal, "id"), NULL);
  g_free (crm_test_assert_refused (&show, "not-found"));
  crm_test_remove_tree (dir);
}

/* What the reports read besides the rows (the tables the triggers keep: crm-schema.h,
 * crm_schema_append_totals_fill), one line a row; a total that came down to nothing (a
 * trigger leaves it at 0, computing anew leaves none) is no row. */
static char *
totals_text (CrmStore *store)
{
  static const char *const queries[] = {
    "SELECT 'stage ' || quote (stage) || ' ' || deals || ' ' || amount FROM deal_stage_total"
    " WHERE deals != 0 OR amount != 0",
    "SELECT 'tag ' || quote (tag) || ' ' || deals FROM deal_tag_total WHERE deals != 0",
    "SELECT 'day ' || quote (what) || ' ' || day || ' ' || quote (pipeline) || ' '"
    " || quote (employee) || ' ' || n || ' ' || amount FROM report_day"
    " WHERE n != 0 OR amount != 0",
    "SELECT 'month ' || quote (what) || ' ' || month || ' ' || quote (pipeline) || ' '"
    " || quote (employee) || ' ' || n || ' ' || amount FROM report_month"
    " WHERE n != 0 OR amount != 0",
    "SELECT 'deal ' || quote (deal) || ' ' || quote (pipeline) || ' ' || quote (employee)"
    " || ' ' || quote (created_at) || ' ' || quote (reach) || ' ' || quote (responded)"
    " FROM deal_report",
    "SELECT 'no-task ' || quote (deal) || ' ' || quote (pipeline) || ' '"
    " || quote (responsible) || ' ' || quote (created_at) FROM deal_no_task",
    "SELECT 'rfm ' || quote (client) || ' ' || quote (deal) || ' ' || quote (company)"
    " || ' ' || won_at || ' ' || amount FROM rfm_won",
  };
  GString *text = g_string_new (NULL);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autofree char *sql = g_strconcat (queries[q], " ORDER BY 1", NULL);
      g_autoptr(GPtrArray) lines = crm_test_column (store, sql, NULL);

      for (guint i = 0; i < lines->len; i++)
        g_string_append_printf (text, "%s\n", (const char *) lines->pdata[i]);
    }
  return g_string_free (text, FALSE);
}

/* A new laptop of @user (@replica) starts from the snapshot the server filtered for them:
 * every report on it, and every total it holds, equals those of the administrator's
 * replica (its copy @admin_copy) after the same deals were forgotten there with the
 * triggers keeping each table (crm_visibility_forget, as a pull does), and each report
 * equals the same counted from the rows. @most_go: whether the user sees fewer than half
 * of the deals (the filter then computes the tables and indexes anew, else its triggers
 * keep them). */
static void
check_rep_totals (const char *admin_copy,
                  const char *replica,
                  const char *user,
                  gboolean    most_go)
{
  g_autofree char *rows_path = g_strconcat (admin_copy, ".", replica, NULL);
  g_autofree char *rep_path = path_of (replica);
  g_autofree char *user_id = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autoptr(CrmStore) by_rows = NULL;
  g_autoptr(CrmStore) rep = NULL;
  g_autoptr(GError) error = NULL;
  const CrmReportInfo *infos;
  guint n_reports = 0, compared = 0, unseen = 0, deals;
  g_autoptr(GFile) from = g_file_new_for_path (admin_copy);
  g_autoptr(GFile) to = g_file_new_for_path (rows_path);

  g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  sync_ok (replica, user, "rep-password");
  by_rows = crm_test_open (rows_path);
  user_id = resolve (by_rows, "user", user);
  {
    g_autoptr(CrmVisibility) visibility = crm_visibility_new (by_rows, user_id);
    g_autoptr(GPtrArray) ids = crm_test_column (by_rows, "SELECT id FROM deal", NULL);
    g_autoptr(GPtrArray) forget = g_ptr_array_new ();

    for (guint i = 0; i < ids->len; i++)
      if (!crm_visibility_sees_deal (visibility, by_rows, ids->pdata[i]))
        g_ptr_array_add (forget, ids->pdata[i]);
    unseen = forget->len;
    deals = ids->len;
    g_assert_true (crm_visibility_forget (by_rows, forget, NULL, &error));
    g_assert_no_error (error);
  }
  rep = crm_test_open (rep_path);
  /* the user has some of the deals, and only those */
  g_assert_cmpuint (unseen, >, 0);
  g_assert_cmpuint (unseen > deals / 2, ==, most_go);
  g_assert_cmpint (crm_test_count_sql (rep, "SELECT count (*) FROM deal", NULL), ==,
                   deals - unseen);
  g_assert_cmpint (crm_test_count_sql (rep, "SELECT count (*) FROM deal", NULL), >, 0);
  g_assert_cmpint (crm_test_count_sql (rep, "SELECT count (*) FROM task", NULL), >, 0);

  /* the indexes (made again from what stays when most deals went) whole */
  crm_test_assert_integrity (rep_path);
  {
    const char *sql = "SELECT group_concat (name, ' ') FROM (SELECT name FROM sqlite_master"
                      " WHERE type = 'index' ORDER BY name)";
    g_autoptr(GPtrArray) his = crm_test_column (rep, sql, NULL);
    g_autoptr(GPtrArray) theirs = crm_test_column (by_rows, sql, NULL);

    g_assert_cmpstr (his->pdata[0], ==, theirs->pdata[0]);
    g_assert_nonnull (strstr (his->pdata[0], "task_open_due"));
  }
  expected = totals_text (by_rows);
  got = totals_text (rep);
  g_assert_cmpstr (got, ==, expected);
  g_assert_nonnull (strstr (got, "day 'won'"));
  g_assert_nonnull (strstr (got, "day 'task_done'"));

  infos = crm_report_list (&n_reports);
  for (guint r = 0; r < n_reports; r++)
    {
      CrmReportFilter filter = { 0 };
      g_autoptr(GError) rows_error = NULL;
      g_autoptr(JsonNode) his = crm_report_run (rep, infos[r].name, &filter, &error);
      g_autoptr(JsonNode) theirs = crm_report_run (by_rows, infos[r].name, &filter, NULL);
      g_autoptr(JsonNode) counted = crm_report_run_from_rows (rep, infos[r].name, &filter,
                                                              &rows_error);
      g_autofree char *his_text = NULL, *theirs_text = NULL, *counted_text = NULL;

      if (his == NULL)
        {
          /* the same refusal both ways (no such fields in the account) */
          g_assert_null (theirs);
          g_assert_null (counted);
          g_clear_error (&error);
          continue;
        }
      his_text = crm_test_report_text (his);
      theirs_text = crm_test_report_text (theirs);
      counted_text = crm_test_report_text (counted);
      g_assert_cmpstr (his_text, ==, theirs_text);
      g_assert_cmpstr (his_text, ==, counted_text);
      compared++;
    }
  g_assert_cmpuint (compared, >=, 5);
}

/* New laptops of a rep of «own» (most deals left out of his copy) and of one of «group»
 * (most kept) start from snapshots whose totals and reports are right. */
static void
test_filtered_snapshot_totals (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *copy_path = path_of ("admin-copy.db");
  g_autoptr(GError) error = NULL;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", DENIS, "--role", ROLE_OWN);
  ADMIN_CTL ("user", "set", MARIA, "--role", ROLE_GROUP);
  {
    /* deals of every stage with tasks, notes, tags, contacts, over the sales reps */
    g_autoptr(CrmStore) store = crm_test_open (admin_path);
    CrmDemoOptions options = { .seed = 20, .n_deals = 120, .n_contacts = 50,
                               .n_companies = 15 };
    g_autofree char *sql = g_strdup_printf ("VACUUM INTO '%s'", copy_path);

    /* (the account was made from the template on the server; this replica got it by sync) */
    g_assert_true (crm_store_set_meta (store, "template", "truck-dealer", &error));
    g_assert_true (crm_demo_populate (store, &options, &error));
    g_assert_no_error (error);
    g_clear_object (&store);
    sync_ok ("admin.db", "admin", "admin-pw");
    store = crm_test_open (admin_path);
    g_assert_cmpint (crm_test_count_waiting (store), ==, 0);
    g_assert_cmpint (sqlite3_exec (_crm_store_get_db (store), sql, NULL, NULL, NULL), ==,
                     SQLITE_OK);
  }
  check_rep_totals (copy_path, "denis.db", DENIS, TRUE);
  check_rep_totals (copy_path, "maria.db", MARIA, FALSE);
}

/* The names of the snapshots in the server's folder: the filtered ones (ACCOUNT-vKEY-SEQ)
 * or the whole account's (ACCOUNT-SEQ), sorted. */
static GPtrArray *
cached_snapshots (gboolean filtered)
{
  g_autofree char *folder = g_build_filename (server->dir, "snapshots", NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GRegex) any = g_regex_new ("-[0-9]+\\.db\\.zst$", 0, 0, NULL);
  g_autoptr(GRegex) key = g_regex_new ("-v[0-9a-f]{16}-[0-9]+\\.db\\.zst$", 0, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_regex_match (any, name, 0, NULL) && g_regex_match (key, name, 0, NULL) == filtered)
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_texts);
  return names;
}

static gboolean
snapshot_cached (const char *name)
{
  g_autofree char *path = g_build_filename (server->dir, "snapshots", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Filtered snapshots no device is to get leave the server's folder: the one of what Денис
 * saw before his role changed (no user sees that now), and one older than a newer copy of
 * the whole account; a new laptop of his still gets his group's deals. */
static void
test_stale_snapshots_removed (void)
{
  g_autofree char *admin_path = path_of ("admin.db");
  g_autofree char *titles = NULL;
  g_autofree char *own_file = NULL;
  g_autofree char *group_file = NULL;
  g_autoptr(GPtrArray) whole = NULL;
  g_autoptr(GPtrArray) filtered = NULL;
  gint64 deadline;

  sync_ok ("admin.db", "admin", "admin-pw");
  add_roles ();
  ADMIN_CTL ("user", "set", DENIS, "--role", ROLE_OWN);
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    g_free (add_deal (store, TITLE_MARIA, MARIA));
    g_free (add_deal (store, TITLE_DENIS, DENIS));
    g_free (add_deal (store, TITLE_PAVEL, PAVEL));
  }
  sync_ok ("admin.db", "admin", "admin-pw");

  /* Денис, «own»: his snapshot is kept */
  sync_ok ("denis.db", DENIS, "rep-password");
  titles = deal_titles ("denis.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS);
  g_clear_pointer (&titles, g_free);
  filtered = cached_snapshots (TRUE);
  g_assert_cmpuint (filtered->len, ==, 1);
  own_file = g_strdup (filtered->pdata[0]);
  g_clear_pointer (&filtered, g_ptr_array_unref);

  /* …his role now shows his group's deals: nobody sees what the kept one holds, and his
   * next new laptop's request removes it */
  ADMIN_CTL ("user", "set", DENIS, "--role", ROLE_GROUP);
  sync_ok ("admin.db", "admin", "admin-pw");
  sync_ok ("denis2.db", DENIS, "rep-password");
  titles = deal_titles ("denis2.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS "|" TITLE_MARIA);
  g_clear_pointer (&titles, g_free);
  g_assert_false (snapshot_cached (own_file));
  filtered = cached_snapshots (TRUE);
  g_assert_cmpuint (filtered->len, ==, 1);
  g_assert_cmpstr (filtered->pdata[0], !=, own_file);
  group_file = g_strdup (filtered->pdata[0]);
  g_clear_pointer (&filtered, g_ptr_array_unref);

  /* a newer copy of the whole account: the account's cached one is old (an hour), so the
   * administrator's new laptop that gets it has a new one made in the background; the
   * filtered copy older than that goes when it is ready */
  {
    g_autoptr(CrmStore) store = crm_test_open (admin_path);

    g_free (add_deal (store, TITLE_ADMIN, "admin"));
  }
  sync_ok ("admin.db", "admin", "admin-pw");
  whole = cached_snapshots (FALSE);
  g_assert_cmpuint (whole->len, >=, 1);
  for (guint i = 0; i < whole->len; i++)
    {
      g_autofree char *path = g_build_filename (server->dir, "snapshots", whole->pdata[i], NULL);
      struct utimbuf old = { time (NULL) - 3600, time (NULL) - 3600 };

      g_assert_cmpint (g_utime (path, &old), ==, 0);
    }
  sync_ok ("admin2.db", "admin", "admin-pw");
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (snapshot_cached (group_file) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_false (snapshot_cached (group_file));
  {
    g_autoptr(GPtrArray) newer = cached_snapshots (FALSE);

    g_assert_cmpuint (newer->len, >=, 1);
    g_assert_cmpstr (newer->pdata[newer->len - 1], !=, whole->pdata[whole->len - 1]);
  }

  /* …and Денис's next new laptop gets his group's deals, from a copy made anew */
  sync_ok ("denis3.db", DENIS, "rep-password");
  titles = deal_titles ("denis3.db");
  g_assert_cmpstr (titles, ==, TITLE_DENIS "|" TITLE_MARIA);
  g_assert_false (file_holds ("denis3.db", TITLE_PAVEL));
  g_assert_false (file_holds ("denis3.db", TITLE_ADMIN));
  filtered = cached_snapshots (TRUE);
  g_assert_cmpuint (filtered->len, ==, 1);
}

static void
set_up (gconstpointer data)
{
  g_autofree char *dir = NULL;

  server = crm_test_server_set_up (&tmpdir, &dir);
  g_assert_cmpint (crm_test_server_admin (dir, "rep-password", "user", "add", "acme", PAVEL,
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
}

static void
run (gconstpointer data)
{
  set_up (data);
  ((GTestFunc) data) ();
  crm_test_server_tear_down (g_steal_pointer (&server), g_steal_pointer (&tmpdir), 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/visibility/reps-see-their-deals", (gconstpointer) test_reps_see_their_deals,
                        run);
  g_test_add_data_func ("/visibility/scope-changes", (gconstpointer) test_scope_changes, run);
  g_test_add_data_func ("/visibility/builtin-role-narrowed",
                        (gconstpointer) test_builtin_role_narrowed, run);
  g_test_add_func ("/visibility/forget-keeps-outbox", test_forget_keeps_outbox);
  g_test_add_data_func ("/visibility/task-moved-in", (gconstpointer) test_task_moved_in, run);
  g_test_add_data_func ("/visibility/task-moved-out", (gconstpointer) test_task_moved_out, run);
  g_test_add_data_func ("/visibility/approval-moved-in", (gconstpointer) test_approval_moved_in,
                        run);
  g_test_add_data_func ("/visibility/forgotten-edit-refused",
                        (gconstpointer) test_forgotten_edit_refused, run);
  g_test_add_data_func ("/visibility/discount-goes-with-deal",
                        (gconstpointer) test_discount_goes_with_deal, run);
  g_test_add_data_func ("/visibility/filtered-pull-bounded",
                        (gconstpointer) test_filtered_pull_bounded, run);
  g_test_add_data_func ("/visibility/forgotten-deal-files",
                        (gconstpointer) test_forgotten_deal_files, run);
  g_test_add_data_func ("/visibility/filtered-snapshot-totals",
                        (gconstpointer) test_filtered_snapshot_totals, run);
  g_test_add_data_func ("/visibility/stale-snapshots-removed",
                        (gconstpointer) test_stale_snapshots_removed, run);
  return g_test_run ();
}
