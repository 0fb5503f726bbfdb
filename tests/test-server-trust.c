/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-trust.c — the server trusts no client (issue 12). A modified client pushes
 * hand-built ops to a real voronka-server on 127.0.0.1: a rep editing another rep's deal
 * by naming a rule, completing or deleting another rep's task, editing a client that is
 * not theirs, forging the author and the device, naming things that do not exist, closing
 * a deal as lost without a reason, an attachment "hash" that is a path, an amount that
 * would overflow the stage totals, an oversized op, an oversized push, a full account.
 * After each: the server answers, the bad op is rejected with its code, the rest of the
 * push is accepted, and another replica that syncs sees the server's valid data (and
 * both files pass PRAGMA integrity_check). */
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "crm-hlc.h"
#include "crm-protocol.h"
#include "crm-query.h"
#include "crm-rules.h"
#include "crm-sync-state.h"
#include "crm-test-http.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-validate.h"
#include "crm-test-store.h"

#define REP      "Денис Морозов"
#define OTHER    "Мария Кузнецова"

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static CrmHlc test_clock;

/* --- raw HTTP ---------------------------------------------------------------------------- */

/* Signs in as @user, naming @device (NULL: none); asserts @status. */
static char *
sign_in_with_device (CrmTestServer *srv,
                     const char    *user,
                     const char    *password,
                     const char    *device,
                     guint          status)
{
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, user);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  if (device != NULL)
    {
      json_builder_set_member_name (builder, "device");
      json_builder_add_string_value (builder, device);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  crm_test_http_request (srv, &answer, "POST", CRM_PROTOCOL_PATH_SESSION, NULL, body, -1);
  g_assert_cmpuint (answer.status, ==, status);
  if (status != 200)
    return g_strdup (crm_test_answer_error_code (&answer));
  return g_strdup (json_object_get_string_member (answer.body, "token"));
}

/* --- hand-built ops -------------------------------------------------------------------- */

static CrmOp *
op_new (const char *device,
        const char *entity,
        const char *entity_id,
        const char *fields_json)
{
  CrmOp *op = crm_op_new ();
  g_autoptr(JsonNode) fields = json_from_string (fields_json, NULL);

  g_assert_nonnull (fields);
  op->op_id = crm_uuid_v7_new (crm_time_now_ms ());
  op->hlc = crm_hlc_now (&test_clock, crm_time_now_ms ());
  op->device = g_strdup (device);
  op->entity = g_strdup (entity);
  op->entity_id = g_strdup (entity_id);
  json_object_unref (op->fields);
  op->fields = json_object_ref (json_node_get_object (fields));
  return op;
}

static CrmOp *
op_printf (const char *device,
           const char *entity,
           const char *entity_id,
           const char *format,
           ...) G_GNUC_PRINTF (4, 5);

static CrmOp *
op_printf (const char *device,
           const char *entity,
           const char *entity_id,
           const char *format,
           ...)
{
  g_autofree char *fields = NULL;
  va_list args;

  va_start (args, format);
  fields = g_strdup_vprintf (format, args);
  va_end (args);
  return op_new (device, entity, entity_id, fields);
}

static void
push (const char    *token,
      GPtrArray     *ops,
      CrmTestAnswer *answer)
{
  g_autoptr(JsonNode) node = crm_push_request_to_json (0, ops);
  g_autofree char *body = json_to_string (node, FALSE);

  crm_test_http_request (server, answer, "POST", CRM_PROTOCOL_PATH_PUSH, token, body, -1);
}

/* The result of op @op_id in a push answer: its status, and its code when rejected. */
static const char *
result_of (CrmTestAnswer  *answer,
           const CrmOp    *op,
           const char    **out_code)
{
  JsonArray *results;

  g_assert_cmpuint (answer->status, ==, 200);
  results = json_object_get_array_member (answer->body, "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *item = json_array_get_object_element (results, i);

      if (g_str_equal (json_object_get_string_member (item, "op"), op->op_id))
        {
          if (out_code != NULL)
            *out_code = json_object_get_string_member_with_default (item, "code", NULL);
          return json_object_get_string_member (item, "status");
        }
    }
  g_assert_not_reached ();
  return NULL;
}

static void
assert_rejected (CrmTestAnswer *answer,
                 const CrmOp   *op,
                 const char    *code)
{
  const char *got = NULL;

  g_assert_cmpstr (result_of (answer, op, &got), ==, "rejected");
  g_assert_cmpstr (got, ==, code);
}

static void
assert_accepted (CrmTestAnswer *answer,
                 const CrmOp   *op)
{
  const char *code = NULL;
  const char *status = result_of (answer, op, &code);

  if (!g_str_equal (status, "accepted"))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), answer->body);
      g_autofree char *text = json_to_string (node, TRUE);

      g_error ("op on %s %s was rejected: %s\n%s", op->entity, op->entity_id, code, text);
    }
}

/* --- replicas ---------------------------------------------------------------------------- */

static char *
replica_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static CrmSyncReport *
sync_as (const char *name,
         const char *user,
         const char *password)
{
  g_autofree char *path = replica_path (name);
  g_autoptr(CrmSyncClient) client = crm_test_client_new (server, path, user, password);

  return crm_test_sync (client);
}

static CrmStore *
replica (const char *name,
         const char *user,
         const char *password)
{
  g_autofree char *path = replica_path (name);
  g_autoptr(CrmSyncReport) report = sync_as (name, user, password);

  return crm_test_open (path);
}

/* The manager's replica syncs: it holds exactly what the server holds, and both files
 * are sound. Returns the manager's replica. */
static CrmStore *
second_replica_agrees (void)
{
  g_autofree char *path = replica_path ("manager.db");
  g_autoptr(CrmSyncReport) report = sync_as ("manager.db", "manager", "manager-pw");
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  g_autoptr(CrmStore) store = crm_test_open (path);
  g_autofree char *mine = crm_test_dump (store);
  g_autofree char *theirs = crm_test_dump (account);

  g_assert_cmpstr (mine, ==, theirs);
  crm_test_assert_integrity (path);
  crm_test_assert_integrity (crm_store_get_path (account));
  return g_steal_pointer (&store);
}

/* A name's id, failing the test on an error (crm-test-store.h). */
#define resolve crm_test_resolve

static void
apply (CrmStore     *store,
       CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

/* A deal on the first open stage of "Продажи", made by the admin for @responsible. */
static char *
admin_deal (CrmStore   *admin,
            const char *title,
            const char *responsible_name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *pipeline = resolve (admin, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (admin, "stage", "Новая заявка", pipeline);
  g_autofree char *responsible = resolve (admin, "user", responsible_name, NULL);
  char *id = crm_store_new_id (admin);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "created_at", crm_time_now_ms ());
  apply (admin, changeset);
  return id;
}

static const char *
field (JsonObject *object,
       const char *member)
{
  return json_object_get_string_member_with_default (object, member, NULL);
}

/* A deal of the rep's own, as a hand-built op (accepted: the rest of a push). */
static CrmOp *
own_deal_op (CrmStore   *rep,
             const char *title)
{
  g_autofree char *pipeline = resolve (rep, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (rep, "stage", "Новая заявка", pipeline);
  g_autofree char *me = resolve (rep, "user", REP, NULL);
  g_autofree char *id = crm_uuid_v7_new (crm_time_now_ms ());

  return op_printf (crm_store_get_device_id (rep), "deal", id,
                    "{\"title\":\"%s\",\"pipeline\":\"%s\",\"stage\":\"%s\","
                    "\"responsible\":\"%s\",\"created_at\":%" G_GINT64_FORMAT "}",
                    title, pipeline, stage, me, crm_time_now_ms ());
}

typedef struct {
  CrmStore *admin;
  CrmStore *rep;
  char     *token;     /* the rep's session, signed in from the rep's replica */
  char     *device;    /* the rep's device */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->admin = replica ("admin.db", "admin", "admin-pw");
  f->rep = replica ("rep.db", REP, "rep-password");
  f->device = g_strdup (crm_store_get_device_id (f->rep));
  f->token = sign_in_with_device (server, REP, "rep-password", f->device, 200);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->admin);
  g_clear_object (&f->rep);
  g_free (f->token);
  g_free (f->device);
}

static void
admin_sync (Fixture *f)
{
  g_autoptr(CrmSyncReport) report = sync_as ("admin.db", "admin", "admin-pw");
  g_autoptr(CrmSyncReport) again = sync_as ("rep.db", REP, "rep-password");
}

/* --- the defect classes ------------------------------------------------------------------ */

/* A rep edits another rep's deal and says a rule did it: rules give no rights, and a
 * rule's op needs its trigger in the push. */
static void
test_rule_named_edit (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *deal = admin_deal (f->admin, "Сделка Марии", OTHER);
  g_autoptr(JsonNode) rules = NULL;
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  g_autofree char *fake_cause = crm_uuid_v7_new (crm_time_now_ms ());
  const char *rule_id;
  CrmOp *own, *by_rule, *by_rule_with_trigger, *own_by_rule;

  admin_sync (f);
  rules = crm_rules_list (f->admin, NULL);
  rule_id = field (json_array_get_object_element (json_node_get_array (rules), 0), "id");

  own = own_deal_op (f->rep, "Своя сделка");
  by_rule = op_new (f->device, "deal", deal, "{\"title\":\"Моя теперь\"}");
  by_rule->rule = g_strdup (rule_id);
  by_rule->cause = g_strdup (fake_cause);
  by_rule_with_trigger = op_new (f->device, "deal", deal, "{\"amount\":100}");
  by_rule_with_trigger->rule = g_strdup (rule_id);
  by_rule_with_trigger->cause = g_strdup (own->op_id);
  /* on the rep's own deal, a rule's op without its trigger is refused too */
  own_by_rule = op_new (f->device, "deal", own->entity_id, "{\"title\":\"Правило без повода\"}");
  own_by_rule->rule = g_strdup (rule_id);
  own_by_rule->cause = g_strdup (fake_cause);
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, by_rule);
  g_ptr_array_add (ops, by_rule_with_trigger);
  g_ptr_array_add (ops, own_by_rule);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, by_rule, "permission-denied");
  assert_rejected (&answer, by_rule_with_trigger, "permission-denied");
  assert_rejected (&answer, own_by_rule, "permission-denied");

  manager = second_replica_agrees ();
  row = crm_store_dup_entity (manager, "deal", deal);
  g_assert_cmpstr (field (row, "title"), ==, "Сделка Марии");
  g_assert_true (json_node_is_null (json_object_get_member (row, "amount")));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (manager, "deal", own->entity_id);
  g_assert_cmpstr (field (row, "title"), ==, "Своя сделка");
}

/* Completing or deleting another rep's task. */
static void
test_other_task (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *deal = admin_deal (f->admin, "Сделка с задачей", OTHER);
  g_autofree char *maria = resolve (f->admin, "user", OTHER, NULL);
  g_autofree char *task = crm_store_new_id (f->admin);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmChange *change = crm_changeset_create (changeset, "task", task);
  CrmOp *own, *done, *deleted;

  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Позвонить клиенту");
  crm_change_set_string (change, "type", "meeting");
  crm_change_set_string (change, "responsible", maria);
  crm_change_set_bool (change, "done", FALSE);
  apply (f->admin, changeset);
  admin_sync (f);

  own = own_deal_op (f->rep, "Своя, рядом с задачей");
  done = op_new (f->device, "task", task, "{\"done\":true,\"result\":\"сделано\"}");
  deleted = op_new (f->device, "task", task, "{\"deleted\":true}");
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, done);
  g_ptr_array_add (ops, deleted);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, done, "permission-denied");
  assert_rejected (&answer, deleted, "permission-denied");

  manager = second_replica_agrees ();
  row = crm_store_dup_entity (manager, "task", task);
  g_assert_false (json_object_get_boolean_member (row, "done"));
  g_assert_false (json_object_get_boolean_member (row, "deleted"));

  /* the rep's own app, outdated, lets him complete it: the sync undoes it on his replica
   * and says why */
  {
    g_autoptr(CrmChangeset) done_here = crm_changeset_new ();
    g_autoptr(CrmSyncReport) report = NULL;
    g_autoptr(JsonArray) conflicts = NULL;
    g_autoptr(JsonObject) mine = NULL;
    JsonObject *item;

    crm_change_set_bool (crm_changeset_touch (done_here, "task", task), "done", TRUE);
    apply (f->rep, done_here);
    report = sync_as ("rep.db", REP, "rep-password");
    g_assert_cmpuint (report->rejected, ==, 1);
    mine = crm_store_dup_entity (f->rep, "task", task);
    g_assert_false (json_object_get_boolean_member (mine, "done"));
    conflicts = crm_sync_state_list_conflicts (f->rep, TRUE, 0, NULL);
    item = crm_test_find_object (conflicts, "entity", "task");
    g_assert_nonnull (item);
    g_assert_cmpstr (field (item, "code"), ==, "permission-denied");
    g_assert_nonnull (strstr (field (item, "reason"), "another sales rep"));
  }
}

/* Contacts are the shared client base: a rep adds new ones and edits their own (or
 * nobody's), not another rep's. */
static void
test_other_contact (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *maria = resolve (f->admin, "user", OTHER, NULL);
  g_autofree char *contact = crm_store_new_id (f->admin);
  g_autofree char *unowned = crm_store_new_id (f->admin);
  g_autofree char *fresh = crm_uuid_v7_new (crm_time_now_ms ());
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmChange *change = crm_changeset_create (changeset, "contact", contact);
  CrmOp *edit, *edit_unowned, *created;

  crm_change_set_string (change, "name", "Клиент Марии");
  crm_change_set_string (change, "responsible", maria);
  change = crm_changeset_create (changeset, "contact", unowned);
  crm_change_set_string (change, "name", "Ничей клиент");
  apply (f->admin, changeset);
  admin_sync (f);

  edit = op_new (f->device, "contact", contact, "{\"name\":\"Переписал\",\"phones\":[\"+7 900 000 00 00\"]}");
  edit_unowned = op_new (f->device, "contact", unowned, "{\"phones\":[\"+7 900 111 22 33\"]}");
  created = op_new (f->device, "contact", fresh, "{\"name\":\"Новый клиент\"}");
  g_ptr_array_add (ops, edit);
  g_ptr_array_add (ops, edit_unowned);
  g_ptr_array_add (ops, created);
  push (f->token, ops, &answer);
  assert_rejected (&answer, edit, "permission-denied");
  assert_accepted (&answer, edit_unowned);
  assert_accepted (&answer, created);

  manager = second_replica_agrees ();
  row = crm_store_dup_entity (manager, "contact", contact);
  g_assert_cmpstr (field (row, "name"), ==, "Клиент Марии");
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (manager, "contact", fresh);
  g_assert_cmpstr (field (row, "name"), ==, "Новый клиент");
}

/* The author is the session's user whatever the op says; another user's device is not
 * the rep's to push from, nor to sign in with. */
static void
test_forged_identity (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(CrmStore) maria_store = replica ("maria.db", OTHER, "rep-password");
  g_autofree char *maria = resolve (f->admin, "user", OTHER, NULL);
  g_autofree char *me = resolve (f->admin, "user", REP, NULL);
  g_autofree char *maria_device = g_strdup (crm_store_get_device_id (maria_store));
  g_autofree char *refused = NULL;
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *as_maria, *from_her_device;

  /* Maria's replica pushes once: its device is hers from then on */
  {
    g_autofree char *deal = NULL;
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(CrmSyncReport) report = NULL;
    g_autofree char *id = crm_store_new_id (maria_store);

    crm_change_set_string (crm_changeset_create (changeset, "contact", id), "name", "Её клиент");
    apply (maria_store, changeset);
    report = sync_as ("maria.db", OTHER, "rep-password");
    g_assert_cmpuint (report->rejected, ==, 0);
  }

  as_maria = own_deal_op (f->rep, "Подписано чужим именем");
  as_maria->actor = g_strdup (maria);
  from_her_device = own_deal_op (f->rep, "С чужого устройства");
  g_free (from_her_device->device);
  from_her_device->device = g_strdup (maria_device);
  g_ptr_array_add (ops, as_maria);
  g_ptr_array_add (ops, from_her_device);
  push (f->token, ops, &answer);
  assert_accepted (&answer, as_maria);
  assert_rejected (&answer, from_her_device, "permission-denied");

  /* the server recorded the rep as the author */
  account = crm_test_server_open_account (server);
  log = crm_store_dup_entity_log (account, as_maria->entity_id, NULL);
  g_assert_cmpuint (log->len, >=, 1);
  g_assert_cmpstr (((CrmOp *) log->pdata[0])->actor, ==, me);

  /* signing in with Maria's device is refused, and says why */
  refused = sign_in_with_device (server, REP, "rep-password", maria_device, 403);
  g_assert_cmpstr (refused, ==, "permission-denied");

  manager = second_replica_agrees ();
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (manager, "deal",
                                                      from_her_device->entity_id);
    g_assert_true (row == NULL || json_object_get_boolean_member (row, "deleted"));
  }
}

/* Names of things that do not exist: a stage, a user, a deal, a tag. */
static void
test_missing_references (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *nowhere = crm_uuid_v7_new (crm_time_now_ms () - 1000);
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autofree char *task = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *link = crm_uuid_v7_new (crm_time_now_ms ());
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *own, *bad_stage, *bad_user, *bad_deal, *bad_tag, *bad_choice, *good_choice;

  own = own_deal_op (f->rep, "Сделка со ссылками");
  bad_stage = op_printf (f->device, "deal", own->entity_id, "{\"stage\":\"%s\"}", nowhere);
  bad_user = op_printf (f->device, "deal", own->entity_id, "{\"responsible\":\"%s\"}", nowhere);
  bad_deal = op_printf (f->device, "task", task,
                        "{\"deal\":\"%s\",\"text\":\"Позвонить\",\"done\":false}", nowhere);
  bad_tag = op_printf (f->device, "deal_tag", link,
                       "{\"deal\":\"%s\",\"tag\":\"%s\",\"present\":true}", own->entity_id,
                       nowhere);
  /* a choice field holds one of its choices, a custom field the account defines */
  bad_choice = op_new (f->device, "deal", own->entity_id, "{\"payment_type\":\"Бартер\"}");
  good_choice = op_new (f->device, "deal", own->entity_id, "{\"payment_type\":\"Лизинг\"}");
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, bad_stage);
  g_ptr_array_add (ops, bad_user);
  g_ptr_array_add (ops, bad_deal);
  g_ptr_array_add (ops, bad_tag);
  g_ptr_array_add (ops, bad_choice);
  g_ptr_array_add (ops, good_choice);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, bad_stage, "not-found");
  assert_rejected (&answer, bad_user, "not-found");
  assert_rejected (&answer, bad_deal, "not-found");
  assert_rejected (&answer, bad_tag, "not-found");
  assert_rejected (&answer, bad_choice, "invalid-input");
  assert_accepted (&answer, good_choice);

  manager = second_replica_agrees ();
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (manager, "deal", own->entity_id);
    g_autofree char *me = resolve (manager, "user", REP, NULL);

    g_assert_cmpstr (field (row, "responsible"), ==, me);
    /* (the later good choice lost to the corrective op of the bad one: a rejection's
     * corrective op takes a fresh server clock) */
    g_assert_cmpstr (field (row, "payment_type"), !=, "Бартер");
    g_assert_false (json_object_get_boolean_member (row, "deleted"));
  }
}

/* A lost stage without a loss reason: the laptop's gate, on the server. */
static void
test_lost_without_reason (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *pipeline = resolve (f->rep, "pipeline", "Продажи", NULL);
  g_autofree char *lost = resolve (f->rep, "stage", "Закрыто и не реализовано", pipeline);
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *own, *close, *retitle;

  own = own_deal_op (f->rep, "Закроется без причины");
  close = op_printf (f->device, "deal", own->entity_id, "{\"stage\":\"%s\",\"pipeline\":\"%s\"}",
                     lost, pipeline);
  retitle = op_new (f->device, "deal", own->entity_id, "{\"title\":\"Переименована\"}");
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, close);
  g_ptr_array_add (ops, retitle);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, close, "loss-reason-required");
  assert_accepted (&answer, retitle);

  manager = second_replica_agrees ();
  row = crm_store_dup_entity (manager, "deal", own->entity_id);
  g_assert_cmpstr (field (row, "title"), ==, "Переименована");
  g_assert_cmpstr (field (row, "stage"), !=, lost);
}

/* Uploads @content as the file its SHA-256 names, as a laptop does before its push: the
 * server takes an attachment op only for content it holds. */
static void
upload_file (const char *token,
             const char *content)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
  g_autofree char *path = g_strconcat (CRM_PROTOCOL_PATH_FILES, hash, NULL);
  g_autofree char *length = g_strdup_printf ("%zu", strlen (content));
  g_autoptr(SoupSession) session = crm_test_http_session_new (server);
  g_autoptr(SoupMessage) msg = crm_test_http_message_new (server, "PATCH", path, token, NULL, 0);
  g_autoptr(GBytes) body = g_bytes_new (content, strlen (content));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_OFFSET_HEADER, "0");
  soup_message_headers_replace (headers, CRM_PROTOCOL_UPLOAD_LENGTH_HEADER, length);
  soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", body);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_get_status (msg), >=, 200);
  g_assert_cmpint (soup_message_get_status (msg), <, 300);
}

/* An attachment whose "hash" is a path: every replica would read and write files by it. */
static void
test_attachment_path (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autofree char *good_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *bad_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autoptr(CrmStore) manager = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *own, *bad, *good;

  upload_file (f->token, "test");
  own = own_deal_op (f->rep, "Сделка с файлом");
  bad = op_printf (f->device, "attachment", bad_id,
                   "{\"entity\":\"deal\",\"entity_id\":\"%s\",\"name\":\"passwd\","
                   "\"hash\":\"../../etc/passwd\",\"size\":10}", own->entity_id);
  good = op_printf (f->device, "attachment", good_id,
                    "{\"entity\":\"deal\",\"entity_id\":\"%s\",\"name\":\"фото.jpg\","
                    "\"hash\":\"%s\",\"size\":4}", own->entity_id,
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, bad);
  g_ptr_array_add (ops, good);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, bad, "invalid-input");
  assert_accepted (&answer, good);

  manager = second_replica_agrees ();
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (manager, "attachment", bad_id);
    g_assert_true (row == NULL || json_object_get_boolean_member (row, "deleted"));
  }
}

static gint64
stage_total (CrmStore   *store,
             const char *stage,
             char      **out_type)
{
  g_autofree char *path = g_strdup (crm_store_get_path (store));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 total = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT amount, typeof (amount) FROM deal_stage_total"
                                       " WHERE stage = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, stage, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      total = sqlite3_column_int64 (stmt, 0);
      *out_type = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return total;
}

/* Amounts that would push a stage's total out of the integers. */
static void
test_amount_overflow (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autofree char *type = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *big, *huge, *negative, *max;
  g_autofree char *stage = NULL;

  big = own_deal_op (f->rep, "Очень дорогая");
  max = op_printf (f->device, "deal", big->entity_id, "{\"amount\":%" G_GINT64_FORMAT "}",
                   CRM_MONEY_MAX);
  huge = op_printf (f->device, "deal", big->entity_id, "{\"amount\":%" G_GINT64_FORMAT "}",
                    G_MAXINT64 - 10);
  negative = op_printf (f->device, "deal", big->entity_id, "{\"amount\":%" G_GINT64_FORMAT "}",
                        G_MININT64 + 10);
  g_ptr_array_add (ops, big);
  g_ptr_array_add (ops, max);
  g_ptr_array_add (ops, huge);
  g_ptr_array_add (ops, negative);
  push (f->token, ops, &answer);
  assert_accepted (&answer, big);
  assert_accepted (&answer, max);
  assert_rejected (&answer, huge, "invalid-input");
  assert_rejected (&answer, negative, "invalid-input");

  manager = second_replica_agrees ();
  {
    g_autofree char *pipeline = resolve (manager, "pipeline", "Продажи", NULL);
    stage = resolve (manager, "stage", "Новая заявка", pipeline);
  }
  /* the board's total stays an integer, and holds the largest amount exactly */
  g_assert_cmpint (stage_total (manager, stage, &type), >=, CRM_MONEY_MAX);
  g_assert_cmpstr (type, ==, "integer");
}

/* One op larger than an op may be; the rest of the push goes through. */
static void
test_oversized_op (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autofree char *note = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *text = g_strnfill (CRM_OP_MAX_BYTES + 10, 'x');
  g_autofree char *long_title = g_strnfill (CRM_TEXT_MAX_CHARS + 1, 'y');
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *own, *big, *title;

  own = own_deal_op (f->rep, "Сделка с длинной заметкой");
  big = op_printf (f->device, "note", note,
                   "{\"entity\":\"deal\",\"entity_id\":\"%s\",\"text\":\"%s\"}",
                   own->entity_id, text);
  title = op_printf (f->device, "deal", own->entity_id, "{\"title\":\"%s\"}", long_title);
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, big);
  g_ptr_array_add (ops, title);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_rejected (&answer, big, "too-large");
  assert_rejected (&answer, title, "invalid-input");

  manager = second_replica_agrees ();
  {
    g_autoptr(JsonObject) row = crm_store_dup_entity (manager, "deal", own->entity_id);
    g_assert_cmpstr (field (row, "title"), ==, "Сделка с длинной заметкой");
  }
}

/* A push of more ops than a push may carry: refused whole, with a code, nothing kept. */
static void
test_oversized_push (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  gint64 before = crm_store_get_log_length (account);
  g_auto(CrmTestAnswer) answer = { 0 };

  for (guint i = 0; i <= CRM_PROTOCOL_MAX_PUSH_OPS; i++)
    g_ptr_array_add (ops, own_deal_op (f->rep, "Одна из многих"));
  push (f->token, ops, &answer);
  g_assert_cmpuint (answer.status, ==, 413);
  g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "too-large");
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "batches"));
  g_assert_cmpint (crm_store_get_log_length (account), ==, before);
  g_clear_object (&account);
  g_clear_object (&f->rep);   /* the manager's replica agrees; so does the server */
  g_object_unref (second_replica_agrees ());
}

/* A full account: pushes are refused with quota-exceeded until the administrator raises
 * the quota; the server keeps serving and nothing is half-written. */
static void
test_quota (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *quota_data = crm_test_server_make_data (dir);
  const char *args[] = { "--account-quota-mb", "1", NULL };
  g_autoptr(CrmTestServer) small = crm_test_server_start (quota_data, FALSE, args);
  g_autofree char *token = sign_in_with_device (small, REP, "rep-password", NULL, 200);
  g_autofree char *device = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *text = g_strnfill (60 * 1024, 'z');
  CrmTestServer *saved = server;
  gboolean full = FALSE;
  guint accepted = 0;
  g_auto(CrmTestAnswer) answer = { 0 };

  server = small;
  /* at most 2 MB of notes go in before the 1 MB quota says no */
  for (guint round = 0; round < 40 && !full; round++)
    {
      g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
      g_autofree char *contact = crm_uuid_v7_new (crm_time_now_ms ());

      g_ptr_array_add (ops, op_new (device, "contact", contact, "{\"name\":\"Клиент\"}"));
      for (guint i = 0; i < 4; i++)
        {
          g_autofree char *note = crm_uuid_v7_new (crm_time_now_ms ());
          g_ptr_array_add (ops, op_printf (device, "note", note,
                                           "{\"entity\":\"contact\",\"entity_id\":\"%s\","
                                           "\"text\":\"%s\"}", contact, text));
        }
      push (token, ops, &answer);
      if (answer.status == 507)
        full = TRUE;
      else
        {
          g_assert_cmpuint (answer.status, ==, 200);
          accepted++;
        }
    }
  g_assert_true (full);
  g_assert_cmpuint (accepted, >, 0);
  g_assert_cmpstr (crm_test_answer_error_code (&answer), ==, "quota-exceeded");
  g_assert_nonnull (strstr (crm_test_answer_error_message (&answer), "--account-quota-mb"));
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (small);
    crm_test_assert_integrity (crm_store_get_path (account));
  }
  /* still answering everything else */
  {
    g_autofree char *again = sign_in_with_device (small, "admin", "admin-pw", NULL, 200);
    g_assert_nonnull (again);
  }
  server = saved;
  g_assert_cmpint (crm_test_server_stop (small), ==, 0);
  crm_test_remove_tree (dir);
}

/* The account's setup is the administrators' (issue 20): a rep's modified client pushes
 * a stage's new name, a tag's new name, a new custom field and himself made an
 * administrator; each is rejected, naming the rule, while his own deal and a new brand's
 * tag (anyone may add one) are accepted, and the other replica sees the setup unchanged. */
static void
test_setup_by_rep (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *pipeline = resolve (f->rep, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (f->rep, "stage", "Новая заявка", pipeline);
  g_autofree char *tag = resolve (f->rep, "tag", "Volvo", NULL);
  g_autofree char *me = resolve (f->rep, "user", REP, NULL);
  g_autofree char *field_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *new_tag = crm_uuid_v7_new (crm_time_now_ms ());
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(CrmStore) manager = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_auto(CrmTestAnswer) answer = { 0 };
  CrmOp *own, *stage_op, *tag_op, *field_op, *role_op, *tag_add;
  JsonArray *results;

  own = own_deal_op (f->rep, "Своя сделка");
  stage_op = op_new (f->device, "stage", stage, "{\"name\":\"Моя стадия\"}");
  tag_op = op_new (f->device, "tag", tag, "{\"name\":\"Вольво\"}");
  field_op = op_new (f->device, "field", field_id,
                     "{\"entity\":\"deal\",\"key\":\"vin\",\"label\":\"VIN\",\"type\":\"text\"}");
  role_op = op_new (f->device, "user", me, "{\"role\":\"admin\"}");
  tag_add = op_new (f->device, "tag", new_tag, "{\"name\":\"Sitrak\",\"grp\":\"brand\"}");
  g_ptr_array_add (ops, own);
  g_ptr_array_add (ops, stage_op);
  g_ptr_array_add (ops, tag_op);
  g_ptr_array_add (ops, field_op);
  g_ptr_array_add (ops, role_op);
  g_ptr_array_add (ops, tag_add);
  push (f->token, ops, &answer);
  assert_accepted (&answer, own);
  assert_accepted (&answer, tag_add);
  assert_rejected (&answer, stage_op, "permission-denied");
  assert_rejected (&answer, tag_op, "permission-denied");
  assert_rejected (&answer, field_op, "permission-denied");
  assert_rejected (&answer, role_op, "permission-denied");
  results = json_object_get_array_member (answer.body, "results");
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *item = json_array_get_object_element (results, i);
      const char *message = field (item, "message");

      if (g_strcmp0 (field (item, "status"), "rejected") == 0 &&
          (message == NULL || strstr (message, "Only an administrator") == NULL))
        g_error ("a rejection does not name the rule: %s", message ? message : "(none)");
    }

  manager = second_replica_agrees ();
  row = crm_store_dup_entity (manager, "stage", stage);
  g_assert_cmpstr (field (row, "name"), ==, "Новая заявка");
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (manager, "tag", tag);
  g_assert_cmpstr (field (row, "name"), ==, "Volvo");
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (manager, "user", me);
  g_assert_cmpstr (field (row, "role"), ==, "rep");
  g_clear_pointer (&row, json_object_unref);
  /* the refused field is nowhere to be seen: gone, or held deleted by the correction */
  row = crm_store_dup_entity (manager, "field", field_id);
  g_assert_true (row == NULL || json_object_get_boolean_member (row, "deleted"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (manager, "tag", new_tag);
  g_assert_cmpstr (field (row, "name"), ==, "Sitrak");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *own_tmp = NULL;
  int status;

  /* a folder of our own for the temporary ones: something on a shared test machine
   * cleans up /tmp/voronka-test-* behind other programs (as test-server-ops.c found) */
  own_tmp = g_build_filename (g_getenv ("TMPDIR") ? g_getenv ("TMPDIR") : "/tmp",
                              "voronka-trust-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (own_tmp));
  g_setenv ("TMPDIR", own_tmp, TRUE);
  g_test_init (&argc, &argv, NULL);
  crm_hlc_init (&test_clock, 0);
  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (data_dir, FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/server-trust/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("rule-named-edit", test_rule_named_edit);
  ADD ("other-task", test_other_task);
  ADD ("other-contact", test_other_contact);
  ADD ("forged-identity", test_forged_identity);
  ADD ("missing-references", test_missing_references);
  ADD ("lost-without-reason", test_lost_without_reason);
  ADD ("attachment-path", test_attachment_path);
  ADD ("amount-overflow", test_amount_overflow);
  ADD ("oversized-op", test_oversized_op);
  ADD ("oversized-push", test_oversized_push);
  ADD ("setup-by-rep", test_setup_by_rep);
#undef ADD
  g_test_add_func ("/server-trust/quota", test_quota);
  status = g_test_run ();

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  if (status == 0)
    {
      crm_test_remove_tree (tmpdir);
      g_rmdir (own_tmp);
    }
  g_free (data_dir);
  g_free (tmpdir);
  return status;
}
