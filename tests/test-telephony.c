/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-telephony.c — telephony (issue 18, SPEC S0-8, S4-8) end to end: a scripted PBX
 * sends routing requests and call events to a real voronka-server on 127.0.0.1 (TLS)
 * with fixed times ("at"), and what a manager sees is read on a synced laptop through the
 * real voronkactl:
 *   - a new number: a contact and a deal (source «Входящий звонок») in the account's
 *     pipeline, the sales group rung for 20 s and then the managers; the first to answer
 *     becomes the deal's and the contact's responsible; a repeated route or event makes
 *     nothing twice; a missed new number is one task «Перезвонить» for the group's head;
 *   - a known caller with an active deal goes to the deal's responsible (missed: a task
 *     on them), a known caller without one to the contact's responsible (missed: a task);
 *   - outside the working hours the call goes to whoever is on duty, or to voicemail,
 *     and a responsible off shift is replaced by those on shift; the answer says why;
 *   - signed requests (HMAC over "TIMESTAMP.BODY"): a replay is 409 and changes nothing,
 *     a tampered body or a stale timestamp 401; `--require-signature yes` refuses the
 *     token alone;
 *   - the token: made once, the same afterwards; a missing or wrong token is 401, a
 *     malformed, oversized, too deep or incomplete request 400/413 naming the field, a
 *     replayed event or one for an unknown call changes nothing — and the server still
 *     serves; ten wrong tokens from one address and it waits (429, Retry-After);
 *   - a user's extension (`user set NAME --extension N`) comes with the name in the
 *     route answer;
 *   - the caller's card reaches the rung user's live client (the latency on loopback is
 *     printed, not asserted), and not a user the call does not ring. */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "crm-call.h"
#include "crm-live-client.h"
#include "crm-query.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define WAIT_S 30.0

/* Monday 7 December 2026, in the working hours 09:00–18:00 UTC the tests set */
#define MONDAY_10    "2026-12-07T10:00:00Z"
#define MONDAY_1001  "2026-12-07T10:00:05Z"
#define MONDAY_1002  "2026-12-07T10:02:05Z"
#define MONDAY_1003  "2026-12-07T10:00:25Z"
#define MONDAY_22    "2026-12-07T22:00:00Z"

typedef struct {
  char           *tmpdir;
  char           *data;
  CrmTestServer  *server;
  char           *token;
  CrmTestReplica  laptop;
} Fixture;

/* `voronka-server --data DIR ARGS…`: its status and output. */
static void
server_admin (CrmTestRun *run,
              const char *dir,
              ...) G_GNUC_NULL_TERMINATED;

static void
server_admin (CrmTestRun *run,
              const char *dir,
              ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  crm_test_run_clear (run);
  g_ptr_array_add (argv, (gpointer) g_getenv ("VORONKA_SERVER"));
  g_ptr_array_add (argv, "--data");
  g_ptr_array_add (argv, (gpointer) dir);
  /* under the PostgreSQL matrix: the data folder's database */
  if (crm_test_server_database (dir) != NULL)
    {
      g_ptr_array_add (argv, "--database");
      g_ptr_array_add (argv, (gpointer) crm_test_server_database (dir));
    }
  va_start (ap, dir);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_assert_null (strstr (run->err, "CRITICAL"));
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) again = { 0 };

  f->server = crm_test_server_set_up (&f->tmpdir, &f->data);
  server_admin (&run, f->data, "telephony", "token", "acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  f->token = g_strdup (g_strstrip (run.out));
  g_assert_true (g_str_has_prefix (f->token, "vrk_"));
  /* made once: the same token afterwards */
  server_admin (&again, f->data, "telephony", "token", "acme", NULL);
  g_assert_cmpint (again.status, ==, 0);
  g_assert_cmpstr (g_strstrip (again.out), ==, f->token);
  crm_test_run_clear (&run);
  server_admin (&run, f->data, "telephony", "set", "acme", "--hours", "09:00-18:00",
                "--days", "mon-fri", "--zone", "UTC", NULL);
  if (run.status != 0)
    g_error ("telephony set failed: %s%s", run.out, run.err);
  crm_test_replica_open (&f->laptop, f->server, f->tmpdir, "laptop.db", "admin", "admin-pw");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  crm_test_replica_clear (&f->laptop);
  crm_test_server_tear_down (f->server, f->tmpdir, 0);
  g_free (f->data);
  g_free (f->token);
}

/* POST @path with @body and @token; the answer must have @status; returns its body. */
static JsonObject *
pbx_as (Fixture    *f,
        const char *token,
        const char *path,
        guint       status,
        const char *body)
{
  g_auto(CrmTestAnswer) answer = { 0 };

  crm_test_http_request (f->server, &answer, "POST", path, token, body, -1);
  if (answer.status != status)
    g_error ("POST %s %s: expected %u, got %u", path, body, status, answer.status);
  g_assert_nonnull (answer.body);
  return json_object_ref (answer.body);
}

static JsonObject *
route (Fixture    *f,
       const char *call_id,
       const char *from,
       const char *at)
{
  g_autofree char *body = g_strdup_printf (
    "{\"call_id\":\"%s\",\"from\":\"%s\",\"to\":\"+74951234567\",\"at\":\"%s\"}",
    call_id, from, at);

  return pbx_as (f, f->token, "/api/v1/telephony/route", 200, body);
}

/* An event; returns whether it changed something. */
static gboolean
event (Fixture    *f,
       const char *call_id,
       const char *name,
       const char *user,
       const char *at)
{
  g_autofree char *user_part = user != NULL ? g_strdup_printf (",\"user\":\"%s\"", user)
                                            : g_strdup ("");
  g_autofree char *body = g_strdup_printf (
    "{\"call_id\":\"%s\",\"event\":\"%s\",\"from\":\"+79120000000\",\"to\":\"+74951234567\","
    "\"at\":\"%s\"%s}", call_id, name, at, user_part);
  g_autoptr(JsonObject) answer = pbx_as (f, f->token, "/api/v1/telephony/event", 200, body);

  return json_object_get_boolean_member (answer, "applied");
}

/* The names of ring step @i of a route answer, "a, b". */
static char *
ring_names (JsonObject *answer,
            guint       i)
{
  JsonArray *ring = json_object_get_array_member (answer, "ring");
  JsonArray *users;
  g_autoptr(GString) out = g_string_new (NULL);

  if (i >= json_array_get_length (ring))
    return g_strdup ("");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (ring, i),
                                               "seconds"), ==, 20);
  users = json_object_get_array_member (json_array_get_object_element (ring, i), "users");
  for (guint j = 0; j < json_array_get_length (users); j++)
    g_string_append_printf (out, "%s%s", j > 0 ? ", " : "",
                            json_array_get_string_element (users, j));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
laptop_sync (Fixture *f)
{
  g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&f->laptop);
}

static JsonArray *
ctl_array (Fixture *f,
           ...) G_GNUC_NULL_TERMINATED;

/* `voronkactl --db LAPTOP --json ARGS…`'s array. */
static JsonArray *
ctl_array (Fixture *f,
           ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  va_list ap;

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, f->laptop.path);
  g_ptr_array_add (args, "--json");
  va_start (ap, f);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl failed (%d): %s%s", run.status, run.out, run.err);
  node = crm_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

/* The open tasks «Перезвонить» on the laptop, as "responsible" names. */
static guint
callback_tasks (Fixture    *f,
                const char *responsible)
{
  g_autoptr(JsonArray) tasks = ctl_array (f, "task", "list", "--open", NULL);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonObject *task = json_array_get_object_element (tasks, i);

      if (g_strcmp0 (crm_test_get_string (task, "text"), "Перезвонить") == 0 &&
          (responsible == NULL ||
           g_strcmp0 (crm_test_get_string (task, "responsible"), responsible) == 0))
        n++;
    }
  return n;
}

static guint
contacts_with (Fixture    *f,
               const char *digits)
{
  g_autoptr(JsonArray) contacts = ctl_array (f, "contact", "list", "--search", digits, NULL);

  return json_array_get_length (contacts);
}

static JsonObject *
laptop_call (Fixture    *f,
             const char *call)
{
  g_auto(CrmTestRun) run = { 0 };
  const char *args[] = { "--db", f->laptop.path, "--json", "call", "show", call, NULL };

  crm_test_run_cli_argv (&run, args);
  if (run.status != 0)
    g_error ("call show failed (%d): %s%s", run.status, run.out, run.err);
  return crm_test_take_object (crm_test_parse_json (run.out));
}

static JsonObject *
laptop_deal (Fixture    *f,
             const char *deal)
{
  return crm_test_take_object (crm_test_ctl_ok (f->laptop.path, NULL, "deal", "show", deal,
                                                NULL));
}

/* --- S0-8: a new number ----------------------------------------------------------------- */

static void
test_new_number (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonObject) first = route (f, "pbx-1", "8 (912) 111-22-33", MONDAY_10);
  g_autoptr(JsonObject) again = route (f, "pbx-1", "8 (912) 111-22-33", MONDAY_10);
  g_autofree char *group = ring_names (first, 0);
  g_autofree char *managers = ring_names (first, 1);
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(JsonArray) calls = NULL;
  g_autoptr(JsonObject) missed = NULL;
  g_autoptr(JsonObject) missed_deal = NULL;
  const char *deal_id = crm_test_get_string (first, "deal");
  JsonObject *card = json_object_get_object_member (first, "card");

  g_test_message ("route: %s", crm_test_get_string (first, "reason"));
  /* the sales group first, then the managers not in it; 20 s each */
  g_assert_cmpstr (group, ==, "Андрей Соколов, Денис Морозов, Мария Кузнецова, Сергей Волков");
  g_assert_cmpstr (managers, ==, "manager, Игорь Лебедев");
  g_assert_nonnull (strstr (crm_test_get_string (first, "reason"), "new number"));
  g_assert_cmpstr (crm_test_get_string (card, "title"), ==, "Новый номер");
  g_assert_true (json_object_get_boolean_member (card, "new"));
  g_assert_nonnull (deal_id);
  /* asked again: the same answer, nothing new */
  g_assert_cmpstr (crm_test_get_string (again, "deal"), ==, deal_id);
  g_assert_cmpstr (crm_test_get_string (again, "contact"), ==,
                   crm_test_get_string (first, "contact"));

  g_assert_true (event (f, "pbx-1", "ringing", NULL, MONDAY_10));
  g_assert_true (event (f, "pbx-1", "answered", "Мария Кузнецова", MONDAY_1001));
  /* a second answer (a replay) changes nothing: the first to answer stays responsible */
  g_assert_false (event (f, "pbx-1", "answered", "Денис Морозов", MONDAY_1001));
  g_assert_true (event (f, "pbx-1", "ended", NULL, MONDAY_1002));
  g_assert_false (event (f, "pbx-1", "ended", NULL, MONDAY_1002));

  laptop_sync (f);
  g_assert_cmpuint (contacts_with (f, "79121112233"), ==, 1);
  deal = laptop_deal (f, deal_id);
  g_assert_cmpstr (crm_test_get_string (deal, "responsible"), ==, "Мария Кузнецова");
  g_assert_cmpstr (crm_test_get_string (deal, "pipeline"), ==, "Продажи");
  g_assert_cmpstr (crm_test_get_string (deal, "source"), ==, "Входящий звонок");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "calls")), ==, 1);
  call = laptop_call (f, "pbx-1");
  g_assert_cmpstr (crm_test_get_string (call, "status"), ==, "answered");
  g_assert_cmpstr (crm_test_get_string (call, "answered_by"), ==, "Мария Кузнецова");
  g_assert_cmpstr (crm_test_get_string (call, "from"), ==, "+79121112233");
  g_assert_cmpint (json_object_get_int_member (call, "duration"), ==, 120);
  g_assert_cmpstr (crm_test_get_string (call, "started_at"), ==, MONDAY_10);
  g_assert_cmpuint (callback_tasks (f, NULL), ==, 0);

  /* a new number nobody answers: one task for the group's head, also when the PBX
   * sends "ended" twice */
  missed = route (f, "pbx-2", "+7 912 444-55-66", MONDAY_1001);
  g_assert_true (event (f, "pbx-2", "ringing", NULL, MONDAY_1001));
  g_assert_true (event (f, "pbx-2", "ended", NULL, MONDAY_1003));
  g_assert_false (event (f, "pbx-2", "ended", NULL, MONDAY_1003));
  laptop_sync (f);
  g_assert_cmpuint (callback_tasks (f, "Андрей Соколов"), ==, 1);
  g_assert_cmpuint (callback_tasks (f, NULL), ==, 1);
  g_assert_cmpuint (contacts_with (f, "79124445566"), ==, 1);
  missed_deal = laptop_deal (f, crm_test_get_string (missed, "deal"));
  g_assert_null (crm_test_get_string (missed_deal, "responsible"));
  calls = ctl_array (f, "call", "list", "--missed", NULL);
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (calls, 0), "status"), ==,
                   "missed");
  {
    /* today's calls on Monday: the missed one first */
    g_autoptr(JsonArray) today = ctl_array (f, "--now", "2026-12-07T12:00:00Z", "call", "list",
                                            "--today", NULL);

    g_assert_cmpuint (json_array_get_length (today), ==, 2);
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (today, 0), "status"),
                     ==, "missed");
  }
  {
    g_autoptr(JsonArray) tuesday = ctl_array (f, "--now", "2026-12-08T12:00:00Z", "call", "list",
                                              "--today", NULL);

    g_assert_cmpuint (json_array_get_length (tuesday), ==, 0);
  }
}

/* --- S0-8: known callers ---------------------------------------------------------------- */

/* A contact with @phone, @contact_responsible, and (when @deal_responsible) an open deal
 * in «Продажи», written on the laptop and pushed. Returns the deal's id (or NULL). */
static char *
known_caller (Fixture    *f,
              const char *name,
              const char *phone,
              const char *contact_responsible,
              const char *deal_responsible)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contact = crm_store_new_id (f->laptop.store);
  g_autofree char *deal = NULL;
  JsonArray *phones = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  CrmChange *change = crm_changeset_create (changeset, "contact", contact);

  json_array_add_string_element (phones, phone);
  json_node_take_array (node, phones);
  crm_change_set_string (change, "name", name);
  crm_change_set_node (change, "phones", node);
  crm_change_set_int (change, "created_at", 1764000000000);
  if (contact_responsible != NULL)
    {
      g_autofree char *user = crm_query_resolve (f->laptop.store, "user", contact_responsible,
                                                 NULL, &error);

      g_assert_no_error (error);
      crm_change_set_string (change, "responsible", user);
    }
  if (deal_responsible != NULL)
    {
      g_autofree char *pipeline = crm_query_resolve (f->laptop.store, "pipeline", "Продажи",
                                                     NULL, &error);
      g_autofree char *stage = crm_query_resolve (f->laptop.store, "stage", "Новая заявка",
                                                  pipeline, &error);
      g_autofree char *user = crm_query_resolve (f->laptop.store, "user", deal_responsible,
                                                 NULL, &error);

      g_assert_no_error (error);
      deal = crm_store_new_id (f->laptop.store);
      change = crm_changeset_create (changeset, "deal", deal);
      crm_change_set_string (change, "title", "Седельный тягач");
      crm_change_set_string (change, "pipeline", pipeline);
      crm_change_set_string (change, "stage", stage);
      crm_change_set_string (change, "responsible", user);
      crm_change_set_string (change, "currency", "RUB");
      crm_change_set_int (change, "amount", 450000000);
      crm_change_set_int (change, "created_at", 1764000000000);
      crm_change_set_int (change, "stage_entered_at", 1764000000000);
      crm_changeset_set_link (changeset, "deal_contact", "deal", deal, "contact", contact, TRUE);
    }
  g_assert_true (crm_store_apply (f->laptop.store, changeset, &error));
  g_assert_no_error (error);
  laptop_sync (f);
  return g_steal_pointer (&deal);
}

static void
test_known_callers (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *deal = known_caller (f, "Петров Иван", "+79125550101", "Мария Кузнецова",
                                        "Денис Морозов");
  g_autofree char *none = known_caller (f, "Сидоров Олег", "+79125550202", "Мария Кузнецова",
                                        NULL);
  g_autoptr(JsonObject) to_deal = route (f, "pbx-10", "8 912 555-01-01", MONDAY_10);
  g_autoptr(JsonObject) to_contact = route (f, "pbx-11", "+7 (912) 555-02-02", MONDAY_10);
  g_autofree char *deal_ring = ring_names (to_deal, 0);
  g_autofree char *contact_ring = ring_names (to_contact, 0);
  JsonObject *card = json_object_get_object_member (to_deal, "card");
  JsonArray *deals = json_object_get_array_member (card, "deals");

  g_test_message ("known, deal: %s", crm_test_get_string (to_deal, "reason"));
  g_test_message ("known, no deal: %s", crm_test_get_string (to_contact, "reason"));
  /* S0-8: the deal's responsible, not the contact's */
  g_assert_cmpstr (deal_ring, ==, "Денис Морозов");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (to_deal, "ring")), ==, 1);
  g_assert_cmpstr (crm_test_get_string (to_deal, "deal"), ==, deal);
  g_assert_nonnull (strstr (crm_test_get_string (to_deal, "reason"), "deal's responsible"));
  /* the card: the name and the open deal with its stage and amount */
  g_assert_cmpstr (crm_test_get_string (card, "name"), ==, "Петров Иван");
  g_assert_false (json_object_get_boolean_member (card, "new"));
  g_assert_cmpuint (json_array_get_length (deals), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (deals, 0), "stage"), ==,
                   "Новая заявка");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (deals, 0),
                                               "amount"), ==, 450000000);
  g_assert_cmpstr (contact_ring, ==, "Мария Кузнецова");
  g_assert_nonnull (strstr (crm_test_get_string (to_contact, "reason"), "contact's responsible"));
  g_assert_null (crm_test_get_string (to_contact, "deal"));

  /* both missed: a task on each responsible; no new contact, no new deal */
  g_assert_true (event (f, "pbx-10", "ended", NULL, MONDAY_1003));
  g_assert_true (event (f, "pbx-11", "ended", NULL, MONDAY_1003));
  g_assert_false (event (f, "pbx-11", "ended", NULL, MONDAY_1003));
  laptop_sync (f);
  g_assert_cmpuint (callback_tasks (f, "Денис Морозов"), ==, 1);
  g_assert_cmpuint (callback_tasks (f, "Мария Кузнецова"), ==, 1);
  g_assert_cmpuint (callback_tasks (f, NULL), ==, 2);
  g_assert_cmpuint (contacts_with (f, "79125550101"), ==, 1);
  g_assert_cmpuint (contacts_with (f, "79125550202"), ==, 1);
  {
    g_autoptr(JsonArray) all = ctl_array (f, "deal", "list", NULL);

    g_assert_cmpuint (json_array_get_length (all), ==, 1);
  }
  {
    /* the contact's calls in `contact show` */
    g_autoptr(JsonObject) contact = crm_test_take_object (crm_test_ctl_ok (
      f->laptop.path, NULL, "contact", "show", crm_test_get_string (to_contact, "contact"), NULL));
    JsonArray *calls = json_object_get_array_member (contact, "calls");

    g_assert_cmpuint (json_array_get_length (calls), ==, 1);
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (calls, 0), "from"), ==,
                     "+79125550202");
  }
  {
    g_autoptr(JsonObject) shown = laptop_deal (f, deal);
    JsonArray *calls = json_object_get_array_member (shown, "calls");

    g_assert_cmpuint (json_array_get_length (calls), ==, 1);
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (calls, 0), "status"), ==,
                     "missed");
  }
}

/* --- S4-8: outside the working hours ------------------------------------------------------ */

static void
test_after_hours (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *deal = known_caller (f, "Петров Иван", "+79125550101", NULL, "Денис Морозов");
  g_autoptr(JsonObject) nobody = route (f, "pbx-20", "+79127770001", MONDAY_22);
  g_autoptr(JsonObject) duty = NULL;
  g_autoptr(JsonObject) off = NULL;
  g_autofree char *duty_ring = NULL;
  g_autofree char *off_ring = NULL;

  g_test_message ("after hours: %s", crm_test_get_string (nobody, "reason"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (nobody, "ring")), ==, 0);
  g_assert_nonnull (strstr (crm_test_get_string (nobody, "reason"), "outside the working hours"));
  g_assert_nonnull (strstr (crm_test_get_string (nobody, "reason"), "voicemail"));

  server_admin (&run, f->data, "telephony", "set", "acme", "--on-duty", "Сергей Волков", NULL);
  g_assert_cmpint (run.status, ==, 0);
  duty = route (f, "pbx-21", "+79127770002", MONDAY_22);
  duty_ring = ring_names (duty, 0);
  g_assert_cmpstr (duty_ring, ==, "Сергей Волков");
  g_assert_nonnull (strstr (crm_test_get_string (duty, "reason"), "on shift"));
  /* a known caller whose responsible is off shift: whoever is on shift */
  off = route (f, "pbx-22", "+79125550101", MONDAY_22);
  off_ring = ring_names (off, 0);
  g_test_message ("off shift: %s", crm_test_get_string (off, "reason"));
  g_assert_cmpstr (off_ring, ==, "Сергей Волков");
  g_assert_nonnull (strstr (crm_test_get_string (off, "reason"), "Денис Морозов is not on shift"));
  /* missed after hours: the task still goes to the deal's responsible */
  g_assert_true (event (f, "pbx-22", "ended", NULL, "2026-12-07T22:00:30Z"));
  laptop_sync (f);
  g_assert_cmpuint (callback_tasks (f, "Денис Морозов"), ==, 1);

  /* the rules in words for the admin */
  crm_test_run_clear (&run);
  server_admin (&run, f->data, "telephony", "show", "acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Отдел продаж"));
  g_assert_nonnull (strstr (run.out, "Андрей Соколов"));
  g_assert_nonnull (strstr (run.out, "Перезвонить"));
  crm_test_run_clear (&run);
  server_admin (&run, f->data, "telephony", "set", "acme", "--ring-group", "Нет такой", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "Нет такой"));
}

/* A responsible with a work schedule (S2-7) is off by it inside the account's telephony
 * hours: the ring group takes the call, and the routing says why; on his day he takes his
 * caller again. */
static void
test_schedule (Fixture       *f,
               gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *deal = known_caller (f, "Сидоров Пётр", "+79125550202", NULL, "Денис Морозов");
  const char *week[] = { "--db", f->laptop.path, "schedule", "set", "Денис Морозов",
                         "--week", "tue=09:00-18:00", NULL };
  g_autoptr(JsonObject) off = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autofree char *off_ring = NULL;
  g_autofree char *back_ring = NULL;

  crm_test_run_cli_argv (&run, week);
  g_assert_cmpint (run.status, ==, 0);
  laptop_sync (f);
  crm_test_run_clear (&run);
  server_admin (&run, f->data, "telephony", "set", "acme", "--on-duty", "Сергей Волков", NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Monday 10:00, inside the account's hours, but not his day */
  off = route (f, "pbx-40", "+79125550202", MONDAY_10);
  off_ring = ring_names (off, 0);
  g_test_message ("by schedule: %s", crm_test_get_string (off, "reason"));
  /* inside the hours those on shift are the sales group, which rings instead of him */
  g_assert_null (strstr (off_ring, "Денис Морозов"));
  g_assert_nonnull (strstr (off_ring, "Сергей Волков"));
  g_assert_nonnull (strstr (crm_test_get_string (off, "reason"), "Денис Морозов is not on shift"));

  /* Tuesday 10:00: his shift */
  back = route (f, "pbx-41", "+79125550202", "2026-12-08T10:00:00Z");
  back_ring = ring_names (back, 0);
  g_assert_cmpstr (back_ring, ==, "Денис Морозов");
}

/* --- refusals ------------------------------------------------------------------------------ */

static void
assert_refused (Fixture    *f,
                const char *token,
                const char *path,
                const char *body,
                guint       status,
                const char *code,
                const char *needle)
{
  g_auto(CrmTestAnswer) answer = { 0 };

  crm_test_http_request (f->server, &answer, "POST", path, token, body, -1);
  g_assert_cmpuint (answer.status, ==, status);
  g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, code);
  if (needle != NULL && strstr (crm_test_answer_error_message (&answer), needle) == NULL)
    g_error ("«%s» does not name «%s»", crm_test_answer_error_message (&answer), needle);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  const char *route_path = "/api/v1/telephony/route";
  const char *event_path = "/api/v1/telephony/event";
  const char *good = "{\"call_id\":\"pbx-30\",\"from\":\"+79128880000\",\"at\":\"" MONDAY_10 "\"}";
  g_autofree char *deep = NULL;
  g_autofree char *large = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(CrmTestAnswer) health = { 0 };
  g_autoptr(JsonObject) answer = NULL;

  assert_refused (f, NULL, route_path, good, 401, "auth-failed", "telephony token");
  assert_refused (f, "vrk_wrong", route_path, good, 401, "auth-failed", "wrong");
  assert_refused (f, f->token, route_path, "{\"call_id\":", 400, "invalid-input", "JSON");
  assert_refused (f, f->token, route_path, "[1,2]", 400, "invalid-input", "JSON object");
  assert_refused (f, f->token, route_path, "{\"from\":\"+79128880000\"}", 400, "invalid-input",
                  "call_id");
  assert_refused (f, f->token, route_path, "{\"call_id\":\"x\"}", 400, "invalid-input", "from");
  assert_refused (f, f->token, route_path, "{\"call_id\":7,\"from\":\"+79128880000\"}", 400,
                  "invalid-input", "call_id");
  assert_refused (f, f->token, route_path,
                  "{\"call_id\":\"x\",\"from\":\"+79128880000\",\"at\":\"yesterday\"}", 400,
                  "invalid-input", "at");
  deep = g_strdup_printf ("{\"call_id\":\"x\",\"from\":\"1\",\"extra\":%s1%s}",
                          "[[[[[[[[[[", "]]]]]]]]]]");
  assert_refused (f, f->token, route_path, deep, 400, "invalid-input", "deep");
  g_string_append (text, "{\"call_id\":\"x\",\"from\":\"");
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (text, '1');
  g_string_append (text, "\"}");
  assert_refused (f, f->token, route_path, text->str, 413, "too-large", NULL);
  assert_refused (f, f->token, event_path, "{\"call_id\":\"pbx-30\",\"event\":\"exploded\"}",
                  400, "invalid-input", "event");
  assert_refused (f, f->token, "/api/v1/telephony/hangup", good, 404, "not-found", NULL);

  /* an event for a call never routed: accepted, nothing changed */
  g_assert_false (event (f, "pbx-unknown", "ended", NULL, MONDAY_10));

  /* the server still serves: a good route, then its events */
  crm_test_http_request (f->server, &health, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (health.status, ==, 200);
  answer = pbx_as (f, f->token, route_path, 200, good);
  g_assert_nonnull (crm_test_get_string (answer, "deal"));
  assert_refused (f, f->token, event_path,
                  "{\"call_id\":\"pbx-30\",\"event\":\"answered\",\"at\":\"" MONDAY_1001 "\"}",
                  400, "invalid-input", "user");
  assert_refused (f, f->token, event_path,
                  "{\"call_id\":\"pbx-30\",\"event\":\"answered\",\"user\":\"Никто\"}",
                  400, "invalid-input", "user");
  assert_refused (f, f->token, event_path,
                  "{\"call_id\":\"pbx-30\",\"event\":\"recording\",\"recording_url\":\"file:///etc/passwd\"}",
                  400, "invalid-input", "recording_url");
  g_assert_true (event (f, "pbx-30", "ended", NULL, MONDAY_1003));
  {
    g_autoptr(JsonObject) rec = pbx_as (f, f->token, event_path, 200,
      "{\"call_id\":\"pbx-30\",\"event\":\"recording\","
      "\"recording_url\":\"https://pbx.example/rec/pbx-30.mp3\"}");
    g_autoptr(JsonObject) replay = pbx_as (f, f->token, event_path, 200,
      "{\"call_id\":\"pbx-30\",\"event\":\"recording\","
      "\"recording_url\":\"https://pbx.example/rec/other.mp3\"}");
    g_autoptr(JsonObject) call = NULL;

    g_assert_true (json_object_get_boolean_member (rec, "applied"));
    g_assert_false (json_object_get_boolean_member (replay, "applied"));
    g_assert_nonnull (strstr (crm_test_get_string (replay, "reason"), "recorded before"));
    laptop_sync (f);
    call = laptop_call (f, "pbx-30");
    g_assert_cmpstr (crm_test_get_string (call, "recording_url"), ==,
                     "https://pbx.example/rec/pbx-30.mp3");
    g_assert_cmpstr (crm_test_get_string (call, "status"), ==, "voicemail");
  }
  g_assert_cmpuint (callback_tasks (f, NULL), ==, 1);
}

/* --- signed requests ------------------------------------------------------------------------ */

/* POST @body to @path with the token and X-Voronka-Timestamp @timestamp (NULL: none) and
 * X-Voronka-Signature over "@timestamp.@signed_body" (NULL: @body) keyed with the token,
 * as docs/telephony.md says a PBX signs. */
static void
pbx_signed (Fixture       *f,
            CrmTestAnswer *answer,
            const char    *path,
            const char    *body,
            const char    *timestamp,
            const char    *signed_body)
{
  g_autoptr(SoupSession) session = crm_test_http_session_new (f->server);
  g_autoptr(SoupMessage) msg = crm_test_http_message_new (f->server, "POST", path, f->token,
                                                          body, -1);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *data = g_strconcat (timestamp != NULL ? timestamp : "", ".",
                                       signed_body != NULL ? signed_body : body, NULL);
  g_autofree char *hex = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) f->token,
                                                    strlen (f->token), data, -1);
  g_autofree char *signature = g_strconcat ("sha256=", hex, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (timestamp != NULL)
    soup_message_headers_replace (headers, "X-Voronka-Timestamp", timestamp);
  soup_message_headers_replace (headers, "X-Voronka-Signature", signature);
  crm_test_answer_clear (answer);
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (msg);
  answer->body = crm_protocol_parse_object (bytes, "answer", NULL);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
}

static void
assert_answer (CrmTestAnswer *answer,
               guint          status,
               const char    *code,
               const char    *needle)
{
  if (answer->status != status)
    g_error ("expected %u, got %u: %s", status, answer->status,
             answer->body != NULL && code != NULL ? crm_test_answer_error_message (answer) : "");
  if (code == NULL)
    return;
  g_assert_cmpstr (crm_test_answer_error_code (answer), ==, code);
  if (needle != NULL && strstr (crm_test_answer_error_message (answer), needle) == NULL)
    g_error ("«%s» does not name «%s»", crm_test_answer_error_message (answer), needle);
}

static char *
account_dump (Fixture *f)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (f->server);

  return crm_test_dump (account);
}

/* Signed requests (HMAC-SHA256 keyed with the token over "TIMESTAMP.BODY", the server's
 * real clock): a signed route is routed; the same request again is refused as a replay
 * and changes nothing, while the PBX's retry signed anew is answered as before; a
 * tampered body, a stale, future, missing or unreadable timestamp are 401 naming the
 * cause; with `telephony set --require-signature yes` a request with the token alone is
 * 401 and changes nothing, a signed one is applied; the server serves on throughout. */
static void
test_signed (Fixture       *f,
             gconstpointer  data)
{
  const char *route_path = "/api/v1/telephony/route";
  const char *event_path = "/api/v1/telephony/event";
  const char *body = "{\"call_id\":\"pbx-50\",\"from\":\"+79125550000\",\"at\":\"" MONDAY_10 "\"}";
  const char *ended = "{\"call_id\":\"pbx-50\",\"event\":\"ended\",\"at\":\"" MONDAY_1003 "\"}";
  const char *ringing = "{\"call_id\":\"pbx-50\",\"event\":\"ringing\",\"at\":\"" MONDAY_10 "\"}";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *ts = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  g_autofree char *ts_retry = g_strdup_printf ("%" G_GINT64_FORMAT, now + 1);
  g_autofree char *ts_stale = g_strdup_printf ("%" G_GINT64_FORMAT, now - 3600);
  g_autofree char *ts_future = g_strdup_printf ("%" G_GINT64_FORMAT, now + 3600);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *deal = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) shown = NULL;

  /* signed: routed */
  pbx_signed (f, &answer, route_path, body, ts, NULL);
  assert_answer (&answer, 200, NULL, NULL);
  deal = g_strdup (crm_test_get_string (answer.body, "deal"));
  g_assert_nonnull (deal);

  /* the same request again: a replay, refused, nothing changed */
  before = account_dump (f);
  pbx_signed (f, &answer, route_path, body, ts, NULL);
  assert_answer (&answer, 409, "replayed", "already received");
  after = account_dump (f);
  g_assert_cmpstr (after, ==, before);
  /* the PBX's retry, signed again with a new timestamp: the same answer as before */
  pbx_signed (f, &answer, route_path, body, ts_retry, NULL);
  assert_answer (&answer, 200, NULL, NULL);
  g_assert_cmpstr (crm_test_get_string (answer.body, "deal"), ==, deal);

  /* a tampered body, a stale or future or missing or unreadable timestamp: 401 */
  pbx_signed (f, &answer, event_path, ended, ts, ringing);
  assert_answer (&answer, 401, "auth-failed", "signature does not match");
  pbx_signed (f, &answer, event_path, ended, ts_stale, NULL);
  assert_answer (&answer, 401, "auth-failed", "too old or from the future");
  pbx_signed (f, &answer, event_path, ended, ts_future, NULL);
  assert_answer (&answer, 401, "auth-failed", "too old or from the future");
  pbx_signed (f, &answer, event_path, ended, NULL, NULL);
  assert_answer (&answer, 401, "auth-failed", "X-Voronka-Timestamp");
  pbx_signed (f, &answer, event_path, ended, "soon", NULL);
  assert_answer (&answer, 401, "auth-failed", "X-Voronka-Timestamp");
  g_free (after);
  after = account_dump (f);
  g_assert_cmpstr (after, ==, before);

  /* signatures optional: the token alone is enough */
  g_assert_true (event (f, "pbx-50", "ringing", NULL, MONDAY_10));

  /* required: the token alone is refused, nothing changes; a signed event is applied */
  server_admin (&run, f->data, "telephony", "set", "acme", "--require-signature", "maybe", NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "--require-signature"));
  server_admin (&run, f->data, "telephony", "set", "acme", "--require-signature", "yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  server_admin (&run, f->data, "telephony", "show", "acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  shown = crm_test_parse_json (run.out);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (shown),
                                                 "require_signature"));
  g_free (before);
  before = account_dump (f);
  assert_refused (f, f->token, event_path, ended, 401, "auth-failed", "requires signed");
  g_free (after);
  after = account_dump (f);
  g_assert_cmpstr (after, ==, before);
  pbx_signed (f, &answer, event_path, ended, ts, NULL);
  assert_answer (&answer, 200, NULL, NULL);
  g_assert_true (json_object_get_boolean_member (answer.body, "applied"));

  /* the server serves on; one contact, one deal, one task for the missed call */
  crm_test_http_request (f->server, &answer, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (answer.status, ==, 200);
  laptop_sync (f);
  g_assert_cmpuint (contacts_with (f, "79125550000"), ==, 1);
  g_assert_cmpuint (callback_tasks (f, NULL), ==, 1);
  g_assert_true (crm_test_server_wait_log (f->server, 1, WAIT_S,
                                           "a replayed signed request from 127.0.0.1", NULL));
}

/* Wrong tokens from one address: CRM_TELEPHONY_MAX_FAILURES (10) are 401, then every
 * request from it — the right token too, or a guess could still be told apart — is 429
 * with Retry-After and a message saying how long to wait and which token to send; nothing
 * is routed meanwhile, and the rest of the server serves on. */
static void
test_wrong_token_limit (Fixture       *f,
                        gconstpointer  data)
{
  const char *route_path = "/api/v1/telephony/route";
  const char *good = "{\"call_id\":\"pbx-40\",\"from\":\"+79128884444\",\"at\":\"" MONDAY_10 "\"}";
  g_autoptr(CrmStore) account = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_auto(CrmTestAnswer) limited = { 0 };
  g_auto(CrmTestAnswer) right = { 0 };
  g_auto(CrmTestAnswer) health = { 0 };
  const char *retry;
  guint64 seconds = 0;

  account = crm_test_server_open_account (f->server);
  before = crm_test_dump (account);
  g_clear_object (&account);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *token = g_strdup_printf ("vrk_guess%u", i);

      assert_refused (f, i % 2 == 0 ? token : NULL, route_path, good, 401, "auth-failed", NULL);
    }
  crm_test_http_request (f->server, &limited, "POST", route_path, "vrk_guess10", good, -1);
  g_assert_cmpuint (limited.status, ==, 429);
  g_assert_cmpstr (crm_test_answer_error_code (&limited), ==, "rate-limited");
  g_assert_nonnull (strstr (crm_test_answer_error_message (&limited), "wrong telephony token"));
  g_assert_nonnull (strstr (crm_test_answer_error_message (&limited), "telephony token ACCOUNT"));
  retry = soup_message_headers_get_one (limited.headers, "Retry-After");
  g_assert_nonnull (retry);
  g_assert_true (g_ascii_string_to_unsigned (retry, 10, 1, 60, &seconds, NULL));

  /* the right token waits as well: an answer would tell a right guess from a wrong one */
  crm_test_http_request (f->server, &right, "POST", route_path, f->token, good, -1);
  g_assert_cmpuint (right.status, ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (right.headers, "Retry-After"));

  /* nothing was routed, and the server serves everything else */
  account = crm_test_server_open_account (f->server);
  after = crm_test_dump (account);
  g_assert_cmpstr (after, ==, before);
  crm_test_http_request (f->server, &health, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (health.status, ==, 200);
  laptop_sync (f);
  g_assert_true (crm_test_server_wait_log (f->server, 5, WAIT_S,
                                           "a request with a wrong token from 127.0.0.1", NULL));
}

/* Extensions: `user set NAME --extension N` on a laptop (an admin's), synced; the route
 * answer gives each rung user's extension beside the name (null without one); an
 * extension that is no number, or another user's, is refused and nothing is written. */
static void
test_extensions (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) set = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *message = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonObject *step;
  JsonArray *users, *extensions;
  gboolean found = FALSE;

  set = crm_test_ctl_ok (f->laptop.path, NULL, "user", "set", "Мария Кузнецова",
                         "--extension", "101", NULL);
  g_assert_cmpstr (crm_test_get_string (json_node_get_object (set), "extension"), ==, "101");

  /* refused: another user's extension, no number, both options — the laptop unchanged */
  before = crm_test_dump (f->laptop.store);
  crm_test_ctl (&run, f->laptop.path, NULL, "user", "set", "Денис Морозов", "--extension",
                "101", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "Мария Кузнецова"));
  crm_test_ctl (&run, f->laptop.path, NULL, "user", "set", "Денис Морозов", "--extension",
                "10-2", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "10-2"));
  crm_test_ctl (&run, f->laptop.path, NULL, "user", "set", "Денис Морозов", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "--extension"));
  after = crm_test_dump (f->laptop.store);
  g_assert_cmpstr (after, ==, before);

  /* the server hears of it with the next sync; the PBX gets the extension with the name */
  laptop_sync (f);
  answer = route (f, "pbx-50", "+79128885050", MONDAY_10);
  step = json_array_get_object_element (json_object_get_array_member (answer, "ring"), 0);
  users = json_object_get_array_member (step, "users");
  extensions = json_object_get_array_member (step, "extensions");
  g_assert_nonnull (extensions);
  g_assert_cmpuint (json_array_get_length (extensions), ==, json_array_get_length (users));
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *extension = json_array_get_element (extensions, i);

      if (g_strcmp0 (json_array_get_string_element (users, i), "Мария Кузнецова") == 0)
        {
          g_assert_cmpstr (json_node_get_string (extension), ==, "101");
          found = TRUE;
        }
      else
        g_assert_true (JSON_NODE_HOLDS_NULL (extension));
    }
  g_assert_true (found);

  /* taken away again */
  g_clear_pointer (&set, json_node_unref);
  set = crm_test_ctl_ok (f->laptop.path, NULL, "user", "set", "Мария Кузнецова",
                         "--no-extension", NULL);
  g_assert_true (json_object_get_null_member (json_node_get_object (set), "extension"));
}

/* --- the caller's card over the live channel ---------------------------------------------- */

typedef struct {
  JsonObject *event;
  gint64      at;
  gboolean    synced;
} Heard;

static void
heard_call (CrmLiveClient *client,
            JsonObject    *event,
            Heard         *heard)
{
  if (heard->event == NULL)
    {
      heard->at = g_get_monotonic_time ();
      heard->event = json_object_ref (event);
    }
}

static void
heard_sync (CrmLiveClient *client,
            Heard         *heard)
{
  heard->synced = TRUE;
}

static gboolean
wait_for (gboolean *flag,
          gpointer  pointer)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

  while ((flag != NULL && !*flag) || (flag == NULL && *(gpointer *) pointer == NULL))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (5 * 1000);
    }
  return TRUE;
}

static void
test_card (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *maria_path = g_build_filename (f->tmpdir, "maria.db", NULL);
  g_autoptr(CrmSyncClient) maria = crm_test_client_new (f->server, maria_path, "Мария Кузнецова",
                                                        "rep-password");
  g_autoptr(CrmSyncReport) report = crm_test_sync (maria);
  g_autoptr(CrmLiveClient) live = crm_live_client_new (maria);
  g_autoptr(CrmLiveClient) admin_live = crm_live_client_new (f->laptop.client);
  g_autoptr(JsonObject) answer = NULL;
  Heard heard = { 0 }, admin_heard = { 0 };
  gboolean connected = FALSE;
  gint64 sent;
  JsonObject *card;

  g_signal_connect (live, "call", G_CALLBACK (heard_call), &heard);
  g_signal_connect (admin_live, "call", G_CALLBACK (heard_call), &admin_heard);
  g_signal_connect (admin_live, "sync-needed", G_CALLBACK (heard_sync), &admin_heard);
  crm_live_client_start (live);
  crm_live_client_start (admin_live);
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

    while (!(connected = crm_live_client_get_connected (live) &&
                         crm_live_client_get_connected (admin_live) &&
                         crm_live_client_get_head (live) > 0 &&
                         crm_live_client_get_head (admin_live) > 0) &&
           g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (5 * 1000);
  }
  g_assert_true (connected);
  admin_heard.synced = FALSE;

  sent = g_get_monotonic_time ();
  answer = route (f, "pbx-40", "+79126660001", MONDAY_10);
  g_assert_true (wait_for (NULL, &heard.event));
  g_print ("# caller card on loopback: %.1f ms from the routing request\n",
           (heard.at - sent) / 1000.0);
  g_assert_cmpstr (crm_test_get_string (heard.event, "call"), ==,
                   crm_test_get_string (answer, "call"));
  g_assert_cmpstr (crm_test_get_string (heard.event, "deal"), ==,
                   crm_test_get_string (answer, "deal"));
  card = json_object_get_object_member (heard.event, "card");
  g_assert_cmpstr (crm_test_get_string (card, "title"), ==, "Новый номер");
  g_assert_cmpstr (crm_test_get_string (card, "phone"), ==, "+7 912 666-00-01");
  /* the admin is not rung: the account's change reaches them, the card does not */
  g_assert_true (wait_for (&admin_heard.synced, NULL));
  g_assert_null (admin_heard.event);

  crm_live_client_stop (live);
  crm_live_client_stop (admin_live);
  g_clear_pointer (&heard.event, json_object_unref);
}

/* Starts @live and runs the main loop until it is connected and has the head. */
static void
start_live (CrmLiveClient *live)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);

  crm_live_client_start (live);
  while (!(crm_live_client_get_connected (live) && crm_live_client_get_head (live) > 0))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (5 * 1000);
    }
}

/* A call about a deal a rep may not see (her role shows her own deals only; the caller's
 * active deal is nobody's, seen with «all» only): the call rings the sales group and the
 * managers, the manager's screen shows the card with the deal, hers none — the account's
 * change reaches her, the card does not. */
static void
test_card_of_unseen_deal (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *maria_path = g_build_filename (f->tmpdir, "maria.db", NULL);
  g_autofree char *manager_path = g_build_filename (f->tmpdir, "manager.db", NULL);
  g_autofree char *deal = known_caller (f, "Петров Иван", "+79125550101", NULL,
                                        "Денис Морозов");
  g_autoptr(CrmSyncClient) maria = NULL;
  g_autoptr(CrmSyncClient) manager = NULL;
  g_autoptr(CrmLiveClient) live = NULL;
  g_autoptr(CrmLiveClient) manager_live = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autofree char *first = NULL;
  g_autofree char *then = NULL;
  Heard heard = { 0 }, manager_heard = { 0 };
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *deals;

  /* the sales department is rung (Мария's own role is not a built-in rep's any more) */
  server_admin (&run, f->data, "telephony", "set", "acme", "--ring-group", "Отдел продаж",
                NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_node_unref (crm_test_ctl_ok (f->laptop.path, NULL, "role", "add", "Свои сделки",
                                    "--like", "rep", "--right", "*:see=own", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop.path, NULL, "user", "set", "Мария Кузнецова",
                                    "--role", "Свои сделки", NULL));
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_null (crm_changeset_touch (changeset, "deal", deal), "responsible");
    g_assert_true (crm_store_apply (f->laptop.store, changeset, &error));
    g_assert_no_error (error);
  }
  laptop_sync (f);
  maria = crm_test_client_new (f->server, maria_path, "Мария Кузнецова", "rep-password");
  manager = crm_test_client_new (f->server, manager_path, "manager", "manager-pw");
  crm_sync_report_free (crm_test_sync (maria));
  crm_sync_report_free (crm_test_sync (manager));
  live = crm_live_client_new (maria);
  manager_live = crm_live_client_new (manager);
  g_signal_connect (live, "call", G_CALLBACK (heard_call), &heard);
  g_signal_connect (live, "sync-needed", G_CALLBACK (heard_sync), &heard);
  g_signal_connect (manager_live, "call", G_CALLBACK (heard_call), &manager_heard);
  start_live (live);
  start_live (manager_live);
  heard.synced = FALSE;

  answer = route (f, "pbx-50", "8 912 555-01-01", MONDAY_10);
  first = ring_names (answer, 0);
  then = ring_names (answer, 1);
  g_test_message ("unseen deal: %s", crm_test_get_string (answer, "reason"));
  g_assert_cmpstr (crm_test_get_string (answer, "deal"), ==, deal);
  g_assert_nonnull (strstr (first, "Мария Кузнецова"));
  g_assert_nonnull (strstr (then, "manager"));
  /* the manager sees the deal: the card names it */
  g_assert_true (wait_for (NULL, &manager_heard.event));
  g_assert_cmpstr (crm_test_get_string (manager_heard.event, "deal"), ==, deal);
  deals = json_object_get_array_member (json_object_get_object_member (manager_heard.event,
                                                                       "card"), "deals");
  g_assert_cmpuint (json_array_get_length (deals), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (deals, 0), "title"), ==,
                   "Седельный тягач");
  /* Мария does not: the change that follows the card reaches her, the card does not */
  g_assert_true (wait_for (&heard.synced, NULL));
  g_assert_null (heard.event);

  crm_live_client_stop (live);
  crm_live_client_stop (manager_live);
  g_clear_pointer (&manager_heard.event, json_object_unref);
}

/* A rep of «own» whose deal with a caller is older than five others' deals with him, her
 * note on it older than hundreds of the colleague's on his: her card shows her deal and
 * her note (the newest five deals and 250 notes of all are the colleague's). */
static void
test_card_own_deal_among_others (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *deal = known_caller (f, "Петров Иван", "+79125550101", NULL,
                                        "Мария Кузнецова");
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contact = crm_query_resolve (f->laptop.store, "contact", "Петров Иван",
                                                NULL, &error);
  g_autofree char *maria = crm_query_resolve (f->laptop.store, "user", "Мария Кузнецова",
                                              NULL, &error);
  g_autofree char *denis = crm_query_resolve (f->laptop.store, "user", "Денис Морозов", NULL,
                                              &error);
  g_autofree char *pipeline = crm_query_resolve (f->laptop.store, "pipeline", "Продажи", NULL,
                                                 &error);
  g_autofree char *stage = crm_query_resolve (f->laptop.store, "stage", "Новая заявка",
                                              pipeline, &error);
  g_autoptr(JsonObject) card = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *shown_deal = NULL;
  JsonArray *deals;

  g_assert_no_error (error);
  json_node_unref (crm_test_ctl_ok (f->laptop.path, NULL, "role", "add", "Свои сделки",
                                    "--like", "rep", "--right", "*:see=own", NULL));
  json_node_unref (crm_test_ctl_ok (f->laptop.path, NULL, "user", "set", "Мария Кузнецова",
                                    "--role", "Свои сделки", NULL));
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *id = crm_store_new_id (f->laptop.store);
      g_autofree char *title = g_strdup_printf ("Полуприцеп %d", i + 1);
      CrmChange *change = crm_changeset_create (changeset, "deal", id);

      crm_change_set_string (change, "title", title);
      crm_change_set_string (change, "pipeline", pipeline);
      crm_change_set_string (change, "stage", stage);
      crm_change_set_string (change, "responsible", denis);
      crm_change_set_string (change, "currency", "RUB");
      crm_change_set_int (change, "amount", 100000000);
      crm_change_set_int (change, "created_at", 1764000000000 + (i + 1) * 60000);
      crm_change_set_int (change, "stage_entered_at", 1764000000000 + (i + 1) * 60000);
      crm_changeset_set_link (changeset, "deal_contact", "deal", id, "contact", contact, TRUE);
      for (int n = 0; i == 0 && n < 250; n++)
        {
          g_autofree char *note = crm_store_new_id (f->laptop.store);
          CrmChange *on = crm_changeset_create (changeset, "note", note);

          crm_change_set_string (on, "entity", "deal");
          crm_change_set_string (on, "entity_id", id);
          crm_change_set_string (on, "text", "Клиент просит скидку");
          crm_change_set_int (on, "created_at", 1764000000000 + 3600000 + n * 1000);
        }
    }
  {
    g_autofree char *note = crm_store_new_id (f->laptop.store);
    CrmChange *on = crm_changeset_create (changeset, "note", note);

    crm_change_set_string (on, "entity", "deal");
    crm_change_set_string (on, "entity_id", deal);
    crm_change_set_string (on, "text", "Ждёт счёт на тягач");
    crm_change_set_int (on, "created_at", 1764000000000 + 1000);
  }
  g_assert_true (crm_store_apply (f->laptop.store, changeset, &error));
  g_assert_no_error (error);

  /* the card of all: the colleague's five newest */
  card = crm_call_card (f->laptop.store, contact, "+79125550101", &error);
  g_assert_no_error (error);
  deals = json_object_get_array_member (card, "deals");
  g_assert_cmpuint (json_array_get_length (deals), ==, 5);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (deals, 0), "title"), ==,
                   "Полуприцеп 5");
  g_assert_cmpstr (crm_test_get_string (card, "last_note"), ==, "Клиент просит скидку");
  /* hers: her own deal, the call's, and her note */
  json_object_set_string_member (answer, "deal", deal);
  json_object_set_object_member (answer, "card", json_object_ref (card));
  g_assert_true (crm_call_card_for_user (f->laptop.store, answer, maria, &shown, &shown_deal,
                                         &error));
  g_assert_no_error (error);
  g_assert_nonnull (shown);
  g_assert_cmpstr (shown_deal, ==, deal);
  deals = json_object_get_array_member (shown, "deals");
  g_assert_cmpuint (json_array_get_length (deals), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (deals, 0), "title"), ==,
                   "Седельный тягач");
  g_assert_cmpstr (crm_test_get_string (shown, "name"), ==, "Петров Иван");
  g_assert_cmpstr (crm_test_get_string (shown, "last_note"), ==, "Ждёт счёт на тягач");
}

/* --- the upgrade -------------------------------------------------------------------------- */

/* A replica of schema 12 (before calls) opens, gets the call table, lists no calls, and
 * takes one. */
static void
test_upgrade (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) calls = NULL;
  g_autofree char *id = crm_call_id ("old-1");
  g_auto(CrmTestRun) run = { 0 };
  CrmChange *change;
  sqlite3 *db = NULL;

  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE call; PRAGMA user_version = 13;", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  crm_test_run_cli (&run, "--db", path, "--json", "call", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (g_strstrip (run.out), ==, "[]");
  store = crm_store_open (path, &error);
  g_assert_no_error (error);
  change = crm_changeset_create (changeset, "call", id);
  crm_change_set_string (change, "from", "+79121112233");
  crm_change_set_string (change, "status", "missed");
  crm_change_set_int (change, "started_at", 1765101600000);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  calls = crm_call_list (store, TRUE, FALSE, 0, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_clear_object (&store);
  crm_test_remove_tree (dir);
}

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

/* The routing reaches the laptops for the app's Automation view (crm-server-publish.c):
 * what `telephony set` keeps is published when the server starts (and every delivery
 * interval), as the setting server.telephony: names, the working days and hours, who is
 * on duty; never the token. The app words it with crm_call_routing_rules(). */
static void
test_routing_published (Fixture       *f,
                        gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_S * G_USEC_PER_SEC);
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonObject) routing = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autofree char *wal = g_strconcat (f->laptop.path, "-wal", NULL);
  JsonArray *duty;

  server_admin (&run, f->data, "telephony", "set", "acme", "--ring-seconds", "33",
                "--on-duty", "Сергей Волков", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* a server that starts publishes at once */
  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  crm_test_server_restart (f->server);
  for (;;)
    {
      laptop_sync (f);
      g_clear_pointer (&routing, json_object_unref);
      routing = crm_call_dup_routing (f->laptop.store);
      if (routing != NULL && json_object_get_int_member_with_default (routing, "ring_seconds",
                                                                      0) == 33)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the laptop has no published routing with 33 s after %.0f s", WAIT_S);
      g_usleep (200 * 1000);
    }
  g_assert_cmpstr (crm_test_get_string (routing, "account"), ==, "acme");
  g_assert_null (crm_test_get_string (routing, "problem"));
  g_assert_nonnull (crm_test_get_string (routing, "pipeline"));
  g_assert_nonnull (crm_test_get_string (routing, "ring_group"));
  g_assert_cmpstr (crm_test_get_string (routing, "days"), ==, "mon-fri");
  g_assert_cmpint (json_object_get_int_member (routing, "working_days"), ==, 0x1f);
  g_assert_cmpstr (crm_test_get_string (routing, "zone"), ==, "UTC");
  duty = json_object_get_array_member (routing, "on_duty");
  g_assert_cmpuint (json_array_get_length (duty), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (duty, 0), ==, "Сергей Волков");
  /* the rules are worded where they are read, in that program's language */
  g_assert_false (json_object_has_member (routing, "rules"));
  rules = crm_call_routing_rules (routing);
  g_assert_cmpuint (rules->len, ==, 4);
  g_assert_nonnull (strstr (rules->pdata[0], "33 s"));
  g_assert_nonnull (strstr (rules->pdata[3], "Mon–Fri 09:00–18:00"));
  g_assert_nonnull (strstr (rules->pdata[3], "Сергей Волков"));
  /* the PBX's token stays in server.db */
  g_assert_false (file_has (f->laptop.path, f->token));
  g_assert_false (file_has (wal, f->token));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/telephony/new-number", Fixture, NULL, set_up, test_new_number, tear_down);
  g_test_add ("/telephony/known-callers", Fixture, NULL, set_up, test_known_callers, tear_down);
  g_test_add ("/telephony/after-hours", Fixture, NULL, set_up, test_after_hours, tear_down);
  g_test_add ("/telephony/schedule", Fixture, NULL, set_up, test_schedule, tear_down);
  g_test_add ("/telephony/refusals", Fixture, NULL, set_up, test_refusals, tear_down);
  g_test_add ("/telephony/signed", Fixture, NULL, set_up, test_signed, tear_down);
  g_test_add ("/telephony/wrong-token-limit", Fixture, NULL, set_up, test_wrong_token_limit,
              tear_down);
  g_test_add ("/telephony/extensions", Fixture, NULL, set_up, test_extensions, tear_down);
  g_test_add ("/telephony/card", Fixture, NULL, set_up, test_card, tear_down);
  g_test_add ("/telephony/card-of-unseen-deal", Fixture, NULL, set_up, test_card_of_unseen_deal,
              tear_down);
  g_test_add ("/telephony/card-own-deal-among-others", Fixture, NULL, set_up,
              test_card_own_deal_among_others, tear_down);
  g_test_add ("/telephony/routing-published", Fixture, NULL, set_up, test_routing_published,
              tear_down);
  g_test_add_func ("/telephony/upgrade", test_upgrade);
  return g_test_run ();
}
