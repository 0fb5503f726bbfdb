/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-undo.c — undoing a change set (crm-undo.h), on the truck-dealer template:
 *   - a deal shipped («Отгружено») makes rule S0-2 create a follow-up deal with a task;
 *     undoing the move brings the deal back to its stage and deletes both;
 *   - a deal closed as lost: undo restores the stage and clears the reason;
 *   - a later edit of the same field: the undo is refused, names the field and the deal,
 *     and changes nothing; undoing twice is refused;
 *   - delete of a deal (with its open task) and undo of the delete;
 *   - voronkactl deal/contact/task delete and undo (--list, exit codes, JSON);
 *   - an undo made on one laptop reaches another through a real voronka-server. */
#include <glib/gstdio.h>
#include <string.h>

#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-template.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-undo.h"

#define T0 "2026-03-02T10:00:00Z"

static char *tmpdir;
static CrmTestServer *server;

/* A name's id, failing the test on an error (crm-test-store.h). */
#define resolve crm_test_resolve

/* One number from SQL on the replica (crm-test-store.h). */
#define count_sql crm_test_count_sql

static gint64
live_deals_in (CrmStore   *store,
               const char *pipeline_name)
{
  g_autofree char *pipeline = resolve (store, "pipeline", pipeline_name, NULL);

  return count_sql (store, "SELECT count (*) FROM deal WHERE pipeline = ?1 AND deleted = 0",
                    pipeline);
}

static gint64
live_tasks (CrmStore *store)
{
  return count_sql (store, "SELECT count (*) FROM task WHERE deleted = 0", NULL);
}

static CrmStore *
make_store (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *file = g_build_filename (g_getenv ("VORONKA_TEMPLATES_DIR"),
                                            "truck-dealer.json", NULL);
  g_autofree char *text = NULL;
  CrmStore *store;
  gint64 now = 0;

  g_assert_true (g_file_get_contents (file, &text, NULL, &error));
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_time_parse (T0, &now));
  crm_store_set_now (store, now);
  root = crm_template_parse (text, -1, "truck-dealer", &error);
  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  return store;
}

static char *
new_deal (CrmStore   *store,
          const char *title,
          const char *stage_name,
          gboolean    with_task)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", stage_name, pipeline);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (with_task)
    {
      g_autofree char *task = crm_store_new_id (store);

      change = crm_changeset_create (changeset, "task", task);
      crm_change_set_string (change, "deal", id);
      crm_change_set_string (change, "text", "Позвонить клиенту");
      crm_change_set_string (change, "type", "call");
      crm_change_set_bool (change, "done", FALSE);
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

/* Moves @deal to @stage_name of Продажи; returns the change set's id. */
static char *
move_deal (CrmStore   *store,
           const char *deal,
           const char *stage_name,
           const char *loss_reason)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = resolve (store, "stage", stage_name, pipeline);
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (loss_reason != NULL)
    {
      g_autofree char *reason = resolve (store, "loss_reason", loss_reason, pipeline);

      crm_change_set_string (change, "loss_reason", reason);
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return crm_store_dup_last_change_set (store);
}

static char *
dup_stage_name (CrmStore   *store,
                const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);
  g_autoptr(JsonObject) stage = crm_store_dup_entity (store, "stage",
                                                      json_object_get_string_member (row, "stage"));

  return g_strdup (json_object_get_string_member (stage, "name"));
}

static void
test_move_and_rules (void)
{
  g_autoptr(CrmStore) store = make_store ("move.db");
  g_autofree char *deal = new_deal (store, "Volvo FH16 для ООО «Север»", "Ожидание отгрузки", FALSE);
  g_autofree char *change_set = NULL, *undo = NULL, *stage = NULL;
  g_autoptr(GError) error = NULL;
  gint64 buyers = live_deals_in (store, "База купивших клиентов");
  gint64 tasks = live_tasks (store);

  change_set = move_deal (store, deal, "Отгружено", NULL);
  g_assert_nonnull (change_set);
  /* S0-2 made a follow-up deal with a call task */
  g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==, buyers + 1);
  g_assert_cmpint (live_tasks (store), ==, tasks + 1);

  g_assert_true (crm_store_undo_change_set (store, change_set, NULL, &undo, &error));
  g_assert_no_error (error);
  g_assert_nonnull (undo);
  g_assert_cmpstr (undo, !=, change_set);

  stage = dup_stage_name (store, deal);
  g_assert_cmpstr (stage, ==, "Ожидание отгрузки");
  g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==, buyers);
  g_assert_cmpint (live_tasks (store), ==, tasks);

  /* once only */
  g_assert_false (crm_store_undo_change_set (store, change_set, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "undone already"));
  g_clear_error (&error);

  /* undoing the undo ships the deal again, and S0-2 runs again */
  g_assert_true (crm_store_undo_change_set (store, undo, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&stage, g_free);
  stage = dup_stage_name (store, deal);
  g_assert_cmpstr (stage, ==, "Отгружено");
  g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==, buyers + 1);
}

static void
test_lost (void)
{
  g_autoptr(CrmStore) store = make_store ("lost.db");
  g_autofree char *deal = new_deal (store, "Scania R450", "Квалифицирован", TRUE);
  g_autofree char *change_set = NULL, *stage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) row = NULL;
  gint64 refusers = live_deals_in (store, "Отказники");

  change_set = move_deal (store, deal, "Закрыто и не реализовано", "Дорого");
  /* S0-3: «Дорого» → a deal in «Отказники» (and S0-6 its task) */
  g_assert_cmpint (live_deals_in (store, "Отказники"), ==, refusers + 1);
  g_assert_true (crm_store_undo_change_set (store, change_set, NULL, NULL, &error));
  g_assert_no_error (error);
  stage = dup_stage_name (store, deal);
  g_assert_cmpstr (stage, ==, "Квалифицирован");
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_true (json_object_get_null_member (row, "loss_reason"));
  g_assert_cmpint (live_deals_in (store, "Отказники"), ==, refusers);
}

static void
test_later_edit (void)
{
  g_autoptr(CrmStore) store = make_store ("later.db");
  g_autofree char *deal = new_deal (store, "MAN TGX", "Квалифицирован", TRUE);
  g_autofree char *first = NULL, *second = NULL, *stage = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  gint64 log_length;

  first = move_deal (store, deal, "Встреча согласована", NULL);
  second = move_deal (store, deal, "Встреча проведена", NULL);
  before = crm_test_dump (store);
  log_length = crm_store_get_log_length (store);

  g_assert_false (crm_store_undo_change_set (store, first, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CHANGED_SINCE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "stage"));
  g_assert_nonnull (strstr (error->message, "MAN TGX"));
  g_assert_cmpstr (crm_error_code_name (error), ==, "changed-since");
  after = crm_test_dump (store);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (crm_store_get_log_length (store), ==, log_length);
  g_clear_error (&error);

  /* the later one can be undone, then the first one too */
  g_assert_true (crm_store_undo_change_set (store, second, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (crm_store_undo_change_set (store, first, NULL, NULL, &error));
  g_assert_no_error (error);
  stage = dup_stage_name (store, deal);
  g_assert_cmpstr (stage, ==, "Квалифицирован");

  /* an unknown change is not found */
  g_assert_false (crm_store_undo_change_set (store, "0190aaaa-0000-7000-8000-000000000000",
                                             NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
}

static void
test_delete (void)
{
  g_autoptr(CrmStore) store = make_store ("delete.db");
  g_autofree char *deal = new_deal (store, "DAF XF", "Квалифицирован", TRUE);
  g_autofree char *change_set = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) row = NULL;
  gint64 tasks = live_tasks (store);

  g_assert_true (crm_store_delete (store, "deal", deal, NULL, &change_set, &error));
  g_assert_no_error (error);
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_true (json_object_get_boolean_member (row, "deleted"));
  g_assert_cmpint (live_tasks (store), ==, tasks - 1);
  /* deleted twice: not found */
  g_assert_false (crm_store_delete (store, "deal", deal, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (crm_store_undo_change_set (store, change_set, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_false (json_object_get_boolean_member (row, "deleted"));
  g_assert_cmpint (live_tasks (store), ==, tasks);
}

/* A company deleted from the shell: its contact and deal stay, without it, and its link to
 * another company goes; the undo gives all of it back. A note and a file too. */
static void
test_delete_company (void)
{
  g_autoptr(CrmStore) store = make_store ("company.db");
  g_autofree char *deal = new_deal (store, "Volvo FH 460", "Квалифицирован", FALSE);
  g_autofree char *db = g_strdup (crm_store_get_path (store));
  g_autofree char *link = crm_store_new_id (store);
  g_autofree char *note = crm_store_new_id (store);
  g_autoptr(JsonNode) company = NULL, other = NULL, contact = NULL, deleted = NULL;
  g_autoptr(JsonNode) undone = NULL, shown = NULL, listed = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *change_set = NULL;
  const char *company_id, *other_id, *contact_id;
  CrmChange *change;

  company = crm_test_ctl_ok (db, T0, "company", "add", "--name", "ООО «Трак-Центр»", NULL);
  company_id = json_object_get_string_member (json_node_get_object (company), "id");
  other = crm_test_ctl_ok (db, T0, "company", "add", "--name", "АО «Лизинг-Сервис»", NULL);
  other_id = json_object_get_string_member (json_node_get_object (other), "id");
  contact = crm_test_ctl_ok (db, T0, "contact", "add", "--name", "Сидоров Олег",
                             "--company", company_id, NULL);
  contact_id = json_object_get_string_member (json_node_get_object (contact), "id");

  change = crm_changeset_touch (changeset, "deal", deal);
  crm_change_set_string (change, "company", company_id);
  change = crm_changeset_create (changeset, "company_link", link);
  crm_change_set_string (change, "company", company_id);
  crm_change_set_string (change, "other", other_id);
  crm_change_set_bool (change, "present", TRUE);
  change = crm_changeset_create (changeset, "note", note);
  crm_change_set_string (change, "entity", "deal");
  crm_change_set_string (change, "entity_id", deal);
  crm_change_set_string (change, "text", "Просит скидку");
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);

  /* a note is deleted and comes back */
  g_assert_true (crm_store_delete (store, "note", note, NULL, &change_set, &error));
  g_assert_no_error (error);
  row = crm_store_dup_entity (store, "note", note);
  g_assert_true (json_object_get_boolean_member (row, "deleted"));
  g_assert_true (crm_store_undo_change_set (store, change_set, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "note", note);
  g_assert_false (json_object_get_boolean_member (row, "deleted"));
  g_clear_pointer (&change_set, g_free);
  /* a pipeline is not for deleting */
  g_assert_false (crm_store_delete (store, "pipeline", deal, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_clear_object (&store);

  deleted = crm_test_ctl_ok (db, T0, "company", "delete", company_id, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (deleted), "entity"), ==,
                   "company");
  change_set = g_strdup (json_object_get_string_member (json_node_get_object (deleted), "change_set"));
  store = crm_store_open (db, &error);
  g_assert_no_error (error);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "company", company_id);
  g_assert_true (json_object_get_boolean_member (row, "deleted"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "contact", contact_id);
  g_assert_false (json_object_get_boolean_member (row, "deleted"));
  g_assert_true (json_object_get_null_member (row, "company"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_false (json_object_get_boolean_member (row, "deleted"));
  g_assert_true (json_object_get_null_member (row, "company"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "company_link", link);
  g_assert_false (json_object_get_boolean_member (row, "present"));
  g_clear_object (&store);
  /* twice: not found */
  crm_test_ctl (&run, db, T0, "company", "delete", company_id, NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);

  undone = crm_test_ctl_ok (db, T0, "undo", change_set, NULL);
  listed = crm_test_ctl_ok (db, T0, "contact", "list", "--search", "Сидоров", NULL);
  shown = json_node_ref (json_array_get_element (json_node_get_array (listed), 0));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "company_id"), ==,
                   company_id);
  store = crm_store_open (db, &error);
  g_assert_no_error (error);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "company", company_id);
  g_assert_false (json_object_get_boolean_member (row, "deleted"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "deal", deal);
  g_assert_cmpstr (json_object_get_string_member (row, "company"), ==, company_id);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store, "company_link", link);
  g_assert_true (json_object_get_boolean_member (row, "present"));
}

static void
test_cli (void)
{
  g_autoptr(CrmStore) store = make_store ("cli.db");
  g_autofree char *deal = new_deal (store, "КАМАЗ 54901", "Квалифицирован", TRUE);
  g_autofree char *db = g_strdup (crm_store_get_path (store));
  g_autoptr(JsonNode) contact = NULL, deleted = NULL, undone = NULL, list = NULL, shown = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  const char *contact_id, *task_id;
  g_autofree char *change_set = NULL, *task_change_set = NULL;

  g_clear_object (&store);

  /* a contact, deleted and brought back */
  contact = crm_test_ctl_ok (db, T0, "contact", "add", "--name", "Иванов Пётр",
                             "--phone", "+79827623041", NULL);
  contact_id = json_object_get_string_member (json_node_get_object (contact), "id");
  deleted = crm_test_ctl_ok (db, T0, "contact", "delete", contact_id, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (deleted), "deleted"), ==,
                   contact_id);
  change_set = g_strdup (json_object_get_string_member (json_node_get_object (deleted), "change_set"));
  g_assert_nonnull (change_set);
  crm_test_ctl (&run, db, T0, "contact", "delete", contact_id, NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);

  list = crm_test_ctl_ok (db, T0, "undo", "--list", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_node_get_array (list), 0), "id"), ==, change_set);

  undone = crm_test_ctl_ok (db, T0, "undo", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (undone), "undone"), ==,
                   change_set);
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (db, T0, "contact", "list", "--search", "Иванов", NULL);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (list), "id", contact_id));

  /* a task: delete and undo by id; the deal shows it again */
  tasks = crm_test_ctl_ok (db, T0, "task", "list", "--deal", deal, NULL);
  task_id = json_object_get_string_member (json_array_get_object_element (
                                             json_node_get_array (tasks), 0), "id");
  g_clear_pointer (&deleted, json_node_unref);
  deleted = crm_test_ctl_ok (db, T0, "task", "delete", task_id, NULL);
  task_change_set = g_strdup (json_object_get_string_member (json_node_get_object (deleted),
                                                             "change_set"));
  g_clear_pointer (&undone, json_node_unref);
  undone = crm_test_ctl_ok (db, T0, "undo", task_change_set, NULL);
  shown = crm_test_ctl_ok (db, T0, "deal", "show", deal, NULL);
  g_assert_nonnull (crm_test_find_object (json_object_get_array_member (
                      json_node_get_object (shown), "tasks"), "id", task_id));

  /* the deal: deleted, not listed; a later edit blocks nothing here since it is gone */
  g_clear_pointer (&deleted, json_node_unref);
  deleted = crm_test_ctl_ok (db, T0, "deal", "delete", deal, NULL);
  crm_test_ctl (&run, db, T0, "deal", "show", deal, NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);

  /* undoing a change twice: refused, exit 1 */
  crm_test_ctl (&run, db, T0, "undo", task_change_set, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "undone already"));
  crm_test_run_clear (&run);

  /* a later edit of the same field: changed-since, naming the field */
  g_clear_pointer (&undone, json_node_unref);
  undone = crm_test_ctl_ok (db, T0, "undo", NULL);
  {
    g_autoptr(JsonNode) moved = crm_test_ctl_ok (db, T0, "deal", "move", deal,
                                                 "--stage", "Встреча согласована", NULL);
    g_autoptr(JsonNode) moved_again = NULL;
    g_autoptr(JsonNode) sets = crm_test_ctl_ok (db, T0, "undo", "--list", NULL);
    const char *move_set = json_object_get_string_member (
      json_array_get_object_element (json_node_get_array (sets), 0), "id");
    g_autofree char *refused = NULL;

    moved_again = crm_test_ctl_ok (db, T0, "deal", "move", deal,
                                   "--stage", "Встреча проведена", NULL);
    crm_test_ctl (&run, db, T0, "undo", move_set, NULL);
    refused = crm_test_assert_refused (&run, "changed-since");
    g_assert_nonnull (strstr (refused, "stage"));
    g_assert_nonnull (strstr (refused, "КАМАЗ 54901"));
    crm_test_run_clear (&run);
  }

  /* usage */
  crm_test_ctl (&run, db, T0, "undo", "a", "b", NULL);
  g_assert_cmpint (run.status, ==, 2);
}

/* An undo made on laptop A reaches laptop B through the server. */
static void
test_sync (void)
{
  g_autofree char *path_a = g_build_filename (tmpdir, "sync-a.db", NULL);
  g_autofree char *path_b = g_build_filename (tmpdir, "sync-b.db", NULL);
  g_autoptr(CrmSyncClient) client_a = crm_test_client_new (server, path_a, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) client_b = crm_test_client_new (server, path_b, "manager", "manager-pw");
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(CrmStore) a = NULL, b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = NULL, *change_set = NULL, *stage = NULL;
  g_autofree char *state_a = NULL, *state_b = NULL;
  gint64 buyers;

  report = crm_test_sync (client_a);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (client_b);
  g_clear_pointer (&report, crm_sync_report_free);
  a = crm_test_open (path_a);
  b = crm_test_open (path_b);

  deal = new_deal (a, "Mercedes-Benz Actros", "Ожидание отгрузки", FALSE);
  buyers = live_deals_in (a, "База купивших клиентов");
  change_set = move_deal (a, deal, "Отгружено", NULL);
  report = crm_test_sync (client_a);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (client_b);
  g_clear_pointer (&report, crm_sync_report_free);
  stage = dup_stage_name (b, deal);
  g_assert_cmpstr (stage, ==, "Отгружено");
  g_assert_cmpint (live_deals_in (b, "База купивших клиентов"), ==, buyers + 1);

  crm_store_undo_change_set (a, change_set, NULL, NULL, &error);
  g_assert_no_error (error);
  report = crm_test_sync (client_a);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_sync (client_b);
  g_clear_pointer (&report, crm_sync_report_free);

  g_clear_pointer (&stage, g_free);
  stage = dup_stage_name (b, deal);
  g_assert_cmpstr (stage, ==, "Ожидание отгрузки");
  g_assert_cmpint (live_deals_in (b, "База купивших клиентов"), ==, buyers);
  state_a = crm_test_dump (a);
  state_b = crm_test_dump (b);
  g_assert_cmpstr (state_a, ==, state_b);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, NULL);

  g_test_add_func ("/undo/move-and-rules", test_move_and_rules);
  g_test_add_func ("/undo/lost", test_lost);
  g_test_add_func ("/undo/later-edit", test_later_edit);
  g_test_add_func ("/undo/delete", test_delete);
  g_test_add_func ("/undo/delete-company", test_delete_company);
  g_test_add_func ("/undo/cli", test_cli);
  g_test_add_func ("/undo/sync", test_sync);
  status = g_test_run ();

  crm_test_server_tear_down (server, tmpdir, status);
  return status;
}
