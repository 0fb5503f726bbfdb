/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-approval.c — approvals (issue 16) through the real voronkactl with the clock
 * pinned: the discounts per brand and their registry (S3-9), the invoice chain with
 * the accountant's task and the approval sheet (S3-10), who may decide what, bad input;
 * and through a real voronka-server on 127.0.0.1: one step decided on two devices at
 * once (the first decision to reach the server stands, the other author reads why in
 * `conflicts`, the chain advances once), and a decision the server refuses from someone
 * the step does not wait for. */
#include "config.h"

#include <string.h>

#include "crm-query.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

/* Friday 4 December 2026 */
#define NOW    "2026-12-04T10:00:00Z"
#define LATER  "2026-12-04T11:30:00Z"
#define LATEST "2026-12-04T15:45:00Z"

#define ADMIN      "admin"
#define DIRECTOR   "Михаил Романов"
#define HEAD       "Татьяна Николаева"
#define EVGENY     "Евгений Степанов"
#define SVETLANA   "Светлана Андреева"
#define ACCOUNTANT "Ирина Захарова"
#define EQUIPMENT  "Оборудование и ЗИП"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) company = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "supplier.db", NULL);
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", "equipment-supplier", NULL);
  company = crm_test_ctl_ok (f->db, NOW, "company", "add", "--name", "Кофейня «Зерно»", NULL);
}

static JsonObject *
take_object (JsonNode *node)
{
  return crm_test_take_object (node);
}

/* The discount of @brand in a `approval discounts --json` list (-1: none). */
static gint64
discount_of (JsonNode   *list,
             const char *brand)
{
  JsonObject *item = crm_test_find_object (json_node_get_array (list), "brand", brand);
  JsonNode *value;

  g_assert_nonnull (item);
  value = json_object_get_member (item, "discount");
  return JSON_NODE_HOLDS_NULL (value) ? -1 : json_node_get_int (value);
}

static gint64
brand_discount (Fixture    *f,
                const char *brand)
{
  g_autoptr(JsonNode) list = crm_test_ctl_ok (f->db, NOW, "approval", "discounts", NULL);

  return discount_of (list, brand);
}

static JsonObject *
step_of (JsonObject *approval,
         guint       index)
{
  JsonArray *steps = json_object_get_array_member (approval, "steps");

  g_assert_cmpuint (index, <, json_array_get_length (steps));
  return json_array_get_object_element (steps, index);
}

static guint
n_to_decide (Fixture    *f,
             const char *user)
{
  return crm_test_take_length (crm_test_ctl_ok (f->db, NOW, "--as", user, "approval", "list",
                                                "--to-decide", NULL));
}

static void
assert_contains (const char *text,
                 const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected «%s» in «%s»", needle, text ? text : "(null)");
}

/* S3-9: the brands' discounts, pulled into deals and companies; only an admin changes
 * one directly; anyone else asks, and the approvers depend on the size. */
static void
test_discounts (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) deal = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) big = NULL;
  g_autoptr(JsonObject) decided = NULL;
  g_autoptr(JsonNode) notifications = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *deal_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *big_id = NULL;
  g_autofree char *message = NULL;
  g_autofree char *file = g_build_filename (f->dir, "расчёт.pdf", NULL);
  JsonObject *notice;

  /* the reference list: the template's seven brands with their discounts */
  list = crm_test_ctl_ok (f->db, NOW, "approval", "discounts", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 7);
  g_assert_cmpint (discount_of (list, "Jura"), ==, 10);
  g_assert_cmpint (discount_of (list, "Saeco"), ==, 15);

  /* pulled into a deal of the brand and into its company */
  deal = crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "deal", "add", "--pipeline", EQUIPMENT,
                          "--title", "Jura GIGA X8 для «Зерна»", "--tag", "Jura",
                          "--company", "Кофейня «Зерно»", "--amount", "450000", NULL);
  deal_id = crm_test_dup_id (deal);
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (f->db, NOW, "approval", "discounts", "--deal", deal_id, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_cmpint (discount_of (list, "Jura"), ==, 10);
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (f->db, NOW, "approval", "discounts", "--company", "Кофейня «Зерно»",
                          NULL);
  g_assert_cmpint (discount_of (list, "Jura"), ==, 10);
  /* and shown by `deal show` and `company show` */
  {
    g_autoptr(JsonObject) shown = crm_test_take_object (crm_test_ctl_ok (f->db, NOW, "deal", "show",
                                                                         deal_id, NULL));
    g_autoptr(JsonObject) company = crm_test_take_object (crm_test_ctl_ok (f->db, NOW, "company",
                                                                           "show", "Кофейня «Зерно»",
                                                                           NULL));

    g_assert_cmpint (discount_of (json_object_get_member (shown, "discounts"), "Jura"), ==, 10);
    g_assert_cmpint (discount_of (json_object_get_member (company, "discounts"), "Jura"), ==, 10);
  }

  /* a rep (and a manager) cannot change it directly: the error names the route */
  crm_test_ctl (&run, f->db, NOW, "--as", EVGENY, "approval", "discount", "Jura", "12", NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  assert_contains (message, "Only an administrator");
  assert_contains (message, "approval request --kind discount --brand “Jura” --discount 12");
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "--as", HEAD, "approval", "discount", "Jura", "12", NULL);
  g_free (crm_test_assert_refused (&run, "permission-denied"));
  crm_test_run_clear (&run);
  g_assert_cmpint (brand_discount (f, "Jura"), ==, 10);

  /* a rep asks, with a reason and a file: 12 % goes to the head alone */
  g_assert_true (g_file_set_contents (file, "%PDF-1.4\n% расчёт скидки\n", -1, NULL));
  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "Jura",
                                          "--discount", "12", "--deal", deal_id,
                                          "--reason", "Сеть из пяти кофеен, годовой контракт",
                                          "--file", file, NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "status"), ==, "pending");
  g_assert_cmpstr (crm_test_get_string (request, "brand"), ==, "Jura");
  g_assert_cmpint (json_object_get_int_member (request, "old_discount"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (request, "discount"), ==, 12);
  g_assert_cmpstr (crm_test_get_string (request, "approver"), ==, HEAD);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (request, "steps")), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (
                     json_object_get_array_member (request, "files"), 0), "name"), ==, "расчёт.pdf");
  g_assert_cmpuint (n_to_decide (f, HEAD), ==, 1);
  g_assert_cmpuint (n_to_decide (f, DIRECTOR), ==, 0);
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval",
                                                          "list", "--mine", NULL)), ==, 1);
  g_assert_cmpint (brand_discount (f, "Jura"), ==, 10);

  /* the director is not the one it waits for */
  crm_test_ctl (&run, f->db, NOW, "--as", DIRECTOR, "approval", "approve", id, NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  assert_contains (message, HEAD);
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);

  /* the head approves: the discount is applied at once */
  decided = take_object (crm_test_ctl_ok (f->db, LATER, "--as", HEAD, "approval", "approve", id,
                                          "--comment", "Согласовано", NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "applied");
  g_assert_cmpstr (crm_test_get_string (decided, "applied_at"), ==, "2026-12-04T11:30:00Z");
  g_assert_cmpstr (crm_test_get_string (step_of (decided, 0), "decided_by"), ==, HEAD);
  g_assert_cmpint (brand_discount (f, "Jura"), ==, 12);
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (f->db, NOW, "approval", "discounts", "--deal", deal_id, NULL);
  g_assert_cmpint (discount_of (list, "Jura"), ==, 12);
  g_assert_cmpuint (n_to_decide (f, HEAD), ==, 0);

  /* deciding it again is refused, and changes nothing */
  crm_test_ctl (&run, f->db, LATER, "--as", HEAD, "approval", "reject", id, "--comment", "нет", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_contains (message, "already decided");
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);

  /* 20 % of Saeco: the head, then the director; the director rejects with a comment */
  big = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                      "--kind", "discount", "--brand", "Saeco", "--discount", "20",
                                      "--reason", "Конкурент даёт 20 %", NULL));
  big_id = g_strdup (crm_test_get_string (big, "id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (big, "steps")), ==, 2);
  g_assert_cmpstr (crm_test_get_string (step_of (big, 0), "approver"), ==, HEAD);
  g_assert_cmpstr (crm_test_get_string (step_of (big, 0), "role"), ==, "head");
  g_assert_cmpstr (crm_test_get_string (step_of (big, 1), "approver"), ==, DIRECTOR);
  g_clear_pointer (&decided, json_object_unref);
  decided = take_object (crm_test_ctl_ok (f->db, LATER, "--as", HEAD, "approval", "approve",
                                          big_id, NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "pending");
  g_assert_cmpstr (crm_test_get_string (decided, "approver"), ==, DIRECTOR);
  g_assert_cmpint (json_object_get_int_member (decided, "step"), ==, 1);
  g_assert_cmpuint (n_to_decide (f, DIRECTOR), ==, 1);
  g_assert_cmpint (brand_discount (f, "Saeco"), ==, 15);

  /* a rejection without a comment is a usage error; nothing is written */
  crm_test_ctl (&run, f->db, LATEST, "--as", DIRECTOR, "approval", "reject", big_id, NULL);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "--comment");
  crm_test_run_clear (&run);
  g_assert_cmpuint (n_to_decide (f, DIRECTOR), ==, 1);

  g_clear_pointer (&decided, json_object_unref);
  decided = take_object (crm_test_ctl_ok (f->db, LATEST, "--as", DIRECTOR, "approval", "reject",
                                          big_id, "--comment", "Не ниже 15 % для Saeco", NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "rejected");
  g_assert_cmpstr (crm_test_get_string (step_of (decided, 1), "decision"), ==, "rejected");
  g_assert_cmpstr (crm_test_get_string (step_of (decided, 1), "comment"), ==,
                   "Не ниже 15 % для Saeco");
  g_assert_cmpint (brand_discount (f, "Saeco"), ==, 15);
  /* the rejection goes back to the author with the comment */
  notifications = crm_test_ctl_ok (f->db, LATEST, "notification", "list", "--user", EVGENY, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 1);
  notice = json_array_get_object_element (json_node_get_array (notifications), 0);
  assert_contains (crm_test_get_string (notice, "text"), "Saeco");
  assert_contains (crm_test_get_string (notice, "text"), "Не ниже 15 % для Saeco");

  /* the admin changes one directly */
  g_clear_pointer (&list, json_node_unref);
  list = crm_test_ctl_ok (f->db, LATEST, "--as", ADMIN, "approval", "discount", "WMF", "9",
                          "--reason", "Новый прайс поставщика", NULL);
  g_assert_cmpint (discount_of (list, "WMF"), ==, 9);
}

/* S3-9: every change is kept — requested, approved, rejected, applied — with who, when
 * and why, listed and exported. */
static void
test_registry (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(JsonObject) registry = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *xlsx = g_build_filename (f->dir, "реестр.xlsx", NULL);
  g_autofree char *csv_path = g_build_filename (f->dir, "реестр.csv", NULL);
  g_autofree char *csv = NULL;
  JsonArray *rows;
  JsonObject *row;

  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", SVETLANA, "approval", "request",
                                          "--kind", "discount", "--brand", "Franke",
                                          "--discount", "11", "--reason", "Тендер", NULL));
  done = crm_test_ctl_ok (f->db, LATER, "--as", HEAD, "approval", "approve",
                          crm_test_get_string (request, "id"), "--comment", "Да", NULL);
  other = take_object (crm_test_ctl_ok (f->db, LATER, "--as", EVGENY, "approval", "request",
                                        "--kind", "discount", "--brand", "WMF",
                                        "--discount", "10", "--reason", "Просьба клиента", NULL));
  g_clear_pointer (&done, json_node_unref);
  done = crm_test_ctl_ok (f->db, LATEST, "--as", HEAD, "approval", "reject",
                          crm_test_get_string (other, "id"), "--comment", "Нет оснований", NULL);

  registry = take_object (crm_test_ctl_ok (f->db, LATEST, "approval", "registry", NULL));
  rows = json_object_get_array_member (registry, "rows");
  g_assert_cmpuint (json_array_get_length (rows), ==, 5);
  row = json_array_get_object_element (rows, 0);
  g_assert_cmpstr (crm_test_get_string (row, "when"), ==, "2026-12-04T10:00:00Z");
  g_assert_cmpstr (crm_test_get_string (row, "brand"), ==, "Franke");
  g_assert_cmpstr (crm_test_get_string (row, "event"), ==, "requested");
  g_assert_cmpstr (crm_test_get_string (row, "who"), ==, SVETLANA);
  g_assert_cmpstr (crm_test_get_string (row, "text"), ==, "Тендер");
  g_assert_cmpfloat (json_object_get_double_member (row, "old_discount"), ==, 8.0);
  g_assert_cmpfloat (json_object_get_double_member (row, "discount"), ==, 11.0);
  g_assert_cmpstr (crm_test_get_string (row, "status"), ==, "approved and applied");
  row = json_array_get_object_element (rows, 1);
  g_assert_cmpstr (crm_test_get_string (row, "event"), ==, "approved");
  g_assert_cmpstr (crm_test_get_string (row, "who"), ==, HEAD);
  g_assert_cmpstr (crm_test_get_string (row, "when"), ==, "2026-12-04T11:30:00Z");
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (rows, 2), "event"), ==,
                   "applied");
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (rows, 3), "brand"), ==,
                   "WMF");
  row = json_array_get_object_element (rows, 4);
  g_assert_cmpstr (crm_test_get_string (row, "event"), ==, "rejected");
  g_assert_cmpstr (crm_test_get_string (row, "text"), ==, "Нет оснований");
  g_assert_cmpstr (crm_test_get_string (row, "status"), ==, "rejected");

  /* the discount approvals themselves, as `approval list --kind discount --json` */
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (f->db, NOW, "approval", "list",
                                                          "--kind", "discount", NULL)), ==, 2);

  /* exported through the report export code: CSV and XLSX files */
  crm_test_run_cli (&run, "--db", f->db, "approval", "registry", "--out", csv_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  assert_contains (csv, "When,Brand,Event,Who,Discount before,Discount asked");
  assert_contains (csv, "Franke,requested," SVETLANA ",8.0,11.0,Тендер");
  crm_test_run_cli (&run, "--db", f->db, "approval", "registry", "--out", xlsx, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));
}

/* S3-10: the chain by the author's position, the type and the amount; the sheet; the
 * accountant's task; a rejection back to the author. */
static void
test_invoice_chain (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) deal = NULL;
  g_autoptr(JsonNode) small_deal = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) small = NULL;
  g_autoptr(JsonObject) decided = NULL;
  g_autoptr(JsonObject) sheet = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  g_autoptr(JsonNode) notifications = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *deal_id = NULL;
  g_autofree char *small_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  JsonObject *task;

  deal = crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "deal", "add", "--pipeline", EQUIPMENT,
                          "--title", "Три кофемашины Franke для «Зерна»", "--amount", "2500000",
                          "--field", "invoice_type=Оборудование", NULL);
  deal_id = crm_test_dup_id (deal);

  /* Svetlana invoices Evgeny's deal of 2 500 000: the responsible manager, her head,
   * the director — in that order */
  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", SVETLANA, "approval", "request",
                                          "--kind", "invoice", "--deal", deal_id,
                                          "--number", "СЧ-0412", NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "amount"), ==, "2500000.00");
  g_assert_cmpstr (crm_test_get_string (request, "invoice_type"), ==, "Оборудование");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (request, "steps")), ==, 3);
  g_assert_cmpstr (crm_test_get_string (step_of (request, 0), "approver"), ==, EVGENY);
  g_assert_cmpstr (crm_test_get_string (step_of (request, 0), "role"), ==, "manager");
  g_assert_cmpstr (crm_test_get_string (step_of (request, 1), "approver"), ==, HEAD);
  g_assert_cmpstr (crm_test_get_string (step_of (request, 2), "approver"), ==, DIRECTOR);
  g_assert_cmpuint (n_to_decide (f, EVGENY), ==, 1);
  g_assert_cmpuint (n_to_decide (f, HEAD), ==, 0);

  /* a second invoice of the deal waits for the first */
  crm_test_ctl (&run, f->db, NOW, "--as", SVETLANA, "approval", "request", "--kind", "invoice",
                "--deal", deal_id, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_contains (message, "already waits");
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);

  /* sequential: the head cannot jump the queue */
  crm_test_ctl (&run, f->db, NOW, "--as", HEAD, "approval", "approve", id, NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  assert_contains (message, EVGENY);
  crm_test_run_clear (&run);

  decided = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "approve", id,
                                          "--comment", "Цена сверена с КП", NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "approver"), ==, HEAD);
  g_clear_pointer (&decided, json_object_unref);
  decided = take_object (crm_test_ctl_ok (f->db, LATER, "--as", HEAD, "approval", "approve", id,
                                          NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "approver"), ==, DIRECTOR);
  /* no task for the accountant before the last step */
  tasks = crm_test_ctl_ok (f->db, LATER, "task", "list", "--responsible", ACCOUNTANT, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 0);
  g_clear_pointer (&tasks, json_node_unref);
  g_clear_pointer (&decided, json_object_unref);
  decided = take_object (crm_test_ctl_ok (f->db, LATEST, "--as", DIRECTOR, "approval", "approve",
                                          id, "--comment", "Оплатить до 10.12", NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "approved");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (decided, "approver")));

  /* then a task for the accountant, due the next day */
  tasks = crm_test_ctl_ok (f->db, LATEST, "task", "list", "--responsible", ACCOUNTANT, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  task = json_array_get_object_element (json_node_get_array (tasks), 0);
  g_assert_cmpstr (crm_test_get_string (task, "deal"), ==, deal_id);
  assert_contains (crm_test_get_string (task, "text"), "Три кофемашины Franke");
  assert_contains (crm_test_get_string (task, "text"), "Оборудование");
  g_assert_cmpstr (crm_test_get_string (task, "due"), ==, "2026-12-05T15:45:00Z");

  /* the approval sheet on the deal: who approved, when, with which comment */
  sheet = take_object (crm_test_ctl_ok (f->db, LATEST, "approval", "show", id, NULL));
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 0), "decided_by"), ==, EVGENY);
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 0), "decided_at"), ==,
                   "2026-12-04T10:00:00Z");
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 0), "comment"), ==, "Цена сверена с КП");
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 1), "decided_at"), ==,
                   "2026-12-04T11:30:00Z");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (step_of (sheet, 1), "comment")));
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 2), "decided_by"), ==, DIRECTOR);
  g_assert_cmpstr (crm_test_get_string (step_of (sheet, 2), "comment"), ==, "Оплатить до 10.12");
  g_assert_cmpstr (crm_test_get_string (sheet, "number"), ==, "СЧ-0412");
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (f->db, NOW, "approval", "list",
                                                          "--deal", deal_id, NULL)), ==, 1);
  crm_test_run_cli (&run, "--db", f->db, "approval", "show", id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_contains (run.out, "Approval sheet:");
  assert_contains (run.out, "3. " DIRECTOR " — approved 2026-12-04T15:45:00Z, " DIRECTOR
                   ": Оплатить до 10.12");
  crm_test_run_clear (&run);

  /* Evgeny's own invoice of 80 000: his position leaves him out, his head decides */
  small_deal = crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "deal", "add", "--pipeline", EQUIPMENT,
                                "--title", "ЗИП для Saeco", "--amount", "80000", NULL);
  small_id = crm_test_dup_id (small_deal);
  crm_test_ctl (&run, f->db, NOW, "--as", EVGENY, "approval", "request", "--kind", "invoice",
                "--deal", small_id, NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_contains (message, "Тип счёта");
  crm_test_run_clear (&run);
  small = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                        "--kind", "invoice", "--deal", small_id,
                                        "--invoice-type", "ЗИП", NULL));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (small, "steps")), ==, 1);
  g_assert_cmpstr (crm_test_get_string (step_of (small, 0), "approver"), ==, HEAD);

  /* rejected: back to the author with the comment, no task for the accountant */
  g_clear_pointer (&decided, json_object_unref);
  decided = take_object (crm_test_ctl_ok (f->db, LATER, "--as", HEAD, "approval", "reject",
                                          crm_test_get_string (small, "id"), "--comment",
                                          "Сначала согласуйте цену с клиентом", NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "rejected");
  notifications = crm_test_ctl_ok (f->db, LATER, "notification", "list", "--user", EVGENY, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 1);
  assert_contains (crm_test_get_string (json_array_get_object_element (
                     json_node_get_array (notifications), 0), "text"),
                   "Сначала согласуйте цену с клиентом");
  g_clear_pointer (&tasks, json_node_unref);
  tasks = crm_test_ctl_ok (f->db, LATER, "task", "list", "--responsible", ACCOUNTANT, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
}

/* Bad input is refused with a message that says what to do, and writes nothing. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonNode) log = crm_test_ctl_ok (f->db, NOW, "log", NULL);
  guint n_ops = json_array_get_length (json_node_get_array (log));

  crm_test_ctl (&run, f->db, NOW, "approval", "request", "--kind", "invoice", "--deal",
                "Нет такой сделки", NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "approval", "request", "--kind", "discount", "--brand",
                "Nespresso", "--discount", "5", "--reason", "x", NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);
  /* a tag that is not a brand */
  crm_test_ctl (&run, f->db, NOW, "approval", "request", "--kind", "discount", "--brand",
                "Холдинг", "--discount", "5", "--reason", "x", NULL);
  message = crm_test_assert_refused (&run, "not-found");
  assert_contains (message, "brand");
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "--as", EVGENY, "approval", "request", "--kind", "discount",
                "--brand", "Jura", "--discount", "150", "--reason", "x", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_contains (message, "0 to 100");
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "--as", EVGENY, "approval", "request", "--kind", "discount",
                "--brand", "Jura", "--discount", "12", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_contains (message, "--reason");
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "approval", "request", "--kind", "bonus", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "approval", "approve", "01234567-89ab-7def-8123-456789abcdef",
                NULL);
  g_free (crm_test_assert_refused (&run, "not-found"));
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "approval", "reject", "whatever", NULL);
  g_assert_cmpint (run.status, ==, 2);
  assert_contains (run.err, "--comment");
  crm_test_run_clear (&run);

  g_clear_pointer (&log, json_node_unref);
  log = crm_test_ctl_ok (f->db, NOW, "log", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (log)), ==, n_ops);
}

/* Issue 20: who heads a group for the approval chain is asked of the role's rights, not
 * its name. A custom role with the right "approve" heads its group (Svetlana, first by
 * name, decides a rep's discount and it is applied); one made like the sales rep's has
 * not (the manager decides, and Svetlana is refused in words naming her); a head of group
 * ("head", counted as a rep while the role's name was compared) heads it like a
 * manager. All offline, on one laptop. */
static void
test_custom_role (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) role = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) decided = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *id = NULL;

  role = take_object (crm_test_ctl_ok (f->db, NOW, "role", "add", "Старший продавец", "--like",
                                       "rep", "--right", "approve=yes", NULL));
  g_assert_true (json_object_get_boolean_member (role, "approve"));
  g_assert_cmpstr (crm_test_get_string (role, "team"), ==, "own");
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "user", "set", SVETLANA, "--role",
                                    "Старший продавец", NULL));

  /* Evgeny's 12 % of Jura waits for Svetlana, who heads the group by her role's right */
  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "Jura",
                                          "--discount", "12", "--reason", "Годовой контракт",
                                          NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "approver"), ==, SVETLANA);
  g_assert_cmpstr (crm_test_get_string (step_of (request, 0), "role"), ==, "head");
  decided = take_object (crm_test_ctl_ok (f->db, LATER, "--as", SVETLANA, "approval", "approve",
                                          id, NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "applied");
  g_assert_cmpint (brand_discount (f, "Jura"), ==, 12);

  /* a role like the sales rep's (no "approve"): the manager heads the group again, and
   * Svetlana deciding is refused in words */
  g_clear_pointer (&role, json_object_unref);
  role = take_object (crm_test_ctl_ok (f->db, NOW, "role", "add", "Стажёр", "--like", "rep",
                                       NULL));
  g_assert_false (json_object_get_boolean_member (role, "approve"));
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "user", "set", SVETLANA, "--role", "Стажёр",
                                    NULL));
  g_clear_pointer (&request, json_object_unref);
  g_free (id);
  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "WMF",
                                          "--discount", "12", "--reason", "Сеть кофеен", NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "approver"), ==, HEAD);
  crm_test_ctl (&run, f->db, LATER, "--as", SVETLANA, "approval", "approve", id, NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  assert_contains (message, "waits for " HEAD "'s decision");
  crm_test_run_clear (&run);
  g_assert_cmpuint (n_to_decide (f, HEAD), ==, 1);

  /* the head of group's role: she heads it as the manager did (the director otherwise) */
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "approval", "reject", id, "--comment",
                                    "Позже", NULL));
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "user", "set", HEAD, "--role", "head", NULL));
  g_clear_pointer (&request, json_object_unref);
  request = take_object (crm_test_ctl_ok (f->db, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "Saeco",
                                          "--discount", "16", "--reason", "Сеть кофеен", NULL));
  g_assert_cmpstr (crm_test_get_string (step_of (request, 0), "approver"), ==, HEAD);
  g_assert_cmpstr (crm_test_get_string (step_of (request, 0), "role"), ==, "head");
  g_assert_cmpstr (crm_test_get_string (step_of (request, 1), "approver"), ==, DIRECTOR);
}

/* ───────────────────────────── through a real server ───────────────────────────── */

static char *
make_supplier_data (const char *parent)
{
  char *dir = g_build_filename (parent, "server", NULL);

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "franko",
                                          "--template", "equipment-supplier", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "head-password", "user", "add", "franko", HEAD,
                                          "--role", "manager", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "rep-password", "user", "add", "franko", EVGENY,
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  return dir;
}

static JsonNode *
ctl_ok (const char *db,
        const char *now,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, (gpointer) "--now");
  g_ptr_array_add (args, (gpointer) now);
  g_ptr_array_add (args, (gpointer) "--json");
  va_start (ap, now);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl %s %s failed (%d): %s%s", (const char *) args->pdata[5],
             (const char *) args->pdata[6], run.status, run.out, run.err);
  return crm_test_parse_json (run.out);
}

static JsonObject *
approval_on (CrmTestReplica *replica,
             const char     *id)
{
  return crm_test_take_object (ctl_ok (replica->path, LATEST, "approval", "show", id, NULL));
}

/* The head decides one step on her laptop and on her phone, both offline: the laptop's
 * approval reaches the server first and stands; the phone's rejection is refused, the
 * phone reads why, and the chain advanced once (to the director). */
static void
test_concurrent_decisions (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *data = make_supplier_data (tmpdir);
  g_autoptr(CrmTestServer) server = crm_test_server_start (data, FALSE, NULL);
  CrmTestReplica rep = { 0 }, laptop = { 0 }, phone = { 0 }, admin = { 0 };
  g_autoptr(JsonNode) deal = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) on_laptop = NULL;
  g_autoptr(JsonObject) on_phone = NULL;
  g_autoptr(JsonObject) on_rep = NULL;
  g_autoptr(JsonNode) phone_view = NULL;
  g_autoptr(JsonNode) conflicts = NULL;
  g_autoptr(JsonNode) notifications = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_autofree char *deal_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *laptop_state = NULL;
  g_autofree char *phone_state = NULL;
  g_autofree char *rep_state = NULL;
  JsonArray *records;
  gboolean found = FALSE;

  crm_test_replica_open (&rep, server, tmpdir, "evgeny.db", EVGENY, "rep-password");
  crm_test_replica_open (&laptop, server, tmpdir, "head-laptop.db", HEAD, "head-password");
  crm_test_replica_open (&phone, server, tmpdir, "head-phone.db", HEAD, "head-password");

  /* Evgeny's invoice of 2 500 000: the head, then the director */
  deal = ctl_ok (rep.path, NOW, "--as", EVGENY, "deal", "add", "--pipeline", EQUIPMENT,
                 "--title", "Кофемашины для сети «Зерно»", "--amount", "2500000",
                 "--field", "invoice_type=Оборудование", NULL);
  deal_id = crm_test_dup_id (deal);
  request = crm_test_take_object (ctl_ok (rep.path, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "invoice", "--deal", deal_id, NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (request, "steps")), ==, 2);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&laptop);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&phone);

  /* both offline: approved on the laptop, rejected on the phone */
  on_laptop = crm_test_take_object (ctl_ok (laptop.path, LATER, "--as", HEAD, "approval",
                                            "approve", id, "--comment", "С ноутбука", NULL));
  g_assert_cmpstr (crm_test_get_string (on_laptop, "approver"), ==, DIRECTOR);
  on_phone = crm_test_take_object (ctl_ok (phone.path, LATEST, "--as", HEAD, "approval",
                                           "reject", id, "--comment", "С телефона", NULL));
  g_assert_cmpstr (crm_test_get_string (on_phone, "status"), ==, "rejected");

  /* the laptop reaches the server first; the phone's later clock does not win */
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&laptop);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&phone);
  g_assert_cmpuint (report->rejected, >, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&laptop);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);

  /* one decision stands everywhere: step 1 approved from the laptop, the chain at the
   * director once */
  g_clear_pointer (&on_laptop, json_object_unref);
  g_clear_pointer (&on_phone, json_object_unref);
  on_laptop = approval_on (&laptop, id);
  on_phone = approval_on (&phone, id);
  on_rep = approval_on (&rep, id);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *view = i == 0 ? on_laptop : i == 1 ? on_phone : on_rep;

      g_assert_cmpstr (crm_test_get_string (view, "status"), ==, "pending");
      g_assert_cmpint (json_object_get_int_member (view, "step"), ==, 1);
      g_assert_cmpstr (crm_test_get_string (view, "approver"), ==, DIRECTOR);
      g_assert_cmpstr (crm_test_get_string (step_of (view, 0), "decision"), ==, "approved");
      g_assert_cmpstr (crm_test_get_string (step_of (view, 0), "comment"), ==, "С ноутбука");
      g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (step_of (view, 1), "decision")));
    }
  laptop_state = crm_test_dump (laptop.store);
  phone_state = crm_test_dump (phone.store);
  rep_state = crm_test_dump (rep.store);
  g_assert_cmpstr (laptop_state, ==, phone_state);
  g_assert_cmpstr (laptop_state, ==, rep_state);
  /* the phone's rejection set off nothing: no notification went back to Evgeny */
  notifications = ctl_ok (rep.path, LATEST, "notification", "list", "--user", EVGENY, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 0);
  /* nothing waits for the head any more, on either device */
  phone_view = ctl_ok (phone.path, LATEST, "--as", HEAD, "approval", "list", "--to-decide", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (phone_view)), ==, 0);

  /* the phone's author reads why: one record, in words — which step, whose decision
   * stands, theirs refused — not one per field, and nothing of the notification the
   * rejection carried */
  conflicts = ctl_ok (phone.path, LATEST, "conflicts", NULL);
  records = json_node_get_array (conflicts);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      g_assert_cmpstr (crm_test_get_string (record, "kind"), ==, "rejected");
      g_assert_cmpstr (crm_test_get_string (record, "entity"), !=, "notification");
      if (g_strcmp0 (crm_test_get_string (record, "code"), "already-decided") == 0)
        {
          g_assert_false (found);
          assert_contains (crm_test_get_string (record, "reason"),
                           "Step 1 of this approval was already decided on another device: "
                           HEAD " approved it on ");
          assert_contains (crm_test_get_string (record, "reason"), "Your decision was not recorded");
          assert_contains (crm_test_get_string (record, "subject"), "Invoice approval of «");
          assert_contains (crm_test_get_string (record, "heading"), "decision on step 1");
          assert_contains (crm_test_get_string (record, "kept_line"),
                           "approved by " HEAD ", ");
          assert_contains (crm_test_get_string (record, "kept_line"), "(«С ноутбука»)");
          assert_contains (crm_test_get_string (record, "yours_line"),
                           "rejected by " HEAD ", ");
          assert_contains (crm_test_get_string (record, "yours_line"), "(«С телефона»)");
          found = TRUE;
        }
    }
  if (!found || json_array_get_length (records) != 1)
    {
      g_autofree char *text = json_to_string (conflicts, TRUE);

      g_error ("the phone's conflicts are not one record saying the step was decided "
               "elsewhere: %s", text);
    }
  {
    /* `status` counts it once */
    g_autoptr(JsonObject) status = crm_test_take_object (ctl_ok (phone.path, LATEST, "status", NULL));

    g_assert_cmpint (json_object_get_int_member (status, "rejected"), ==, 1);
  }

  /* a modified client deciding a step that waits for someone else: the server refuses
   * it as the laptop would (Evgeny pushes the director's decision) */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) after = NULL;
    CrmChange *change = crm_changeset_touch (changeset, "approval", id);

    crm_change_set_int (change, "decided_step", 1);
    crm_change_set_string (change, "status", "approved");
    crm_change_set_null (change, "approver");
    g_assert_true (crm_store_apply (rep.store, changeset, &error));
    g_assert_no_error (error);
    g_clear_pointer (&report, crm_sync_report_free);
    report = crm_test_replica_sync (&rep);
    g_assert_cmpuint (report->rejected, >, 0);
    after = approval_on (&rep, id);
    g_assert_cmpstr (crm_test_get_string (after, "status"), ==, "pending");
    g_assert_cmpstr (crm_test_get_string (after, "approver"), ==, DIRECTOR);
  }

  /* a modified client choosing its own approver: the server refuses the request, since
   * the settings choose the head and the director for a discount of 30 % */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *forged = crm_store_new_id (rep.store);
    g_autofree char *evgeny_id = crm_query_resolve (rep.store, "user", EVGENY, NULL, &error);
    g_autofree char *friend_id = crm_query_resolve (rep.store, "user", ACCOUNTANT, NULL, &error);
    g_autofree char *brand_id = crm_query_resolve (rep.store, "tag", "Jura", NULL, &error);
    g_autoptr(JsonNode) steps = json_from_string ("[{\"approver\": \"\", \"role\": \"user\"}]", NULL);
    g_autoptr(JsonNode) after = NULL;
    CrmChange *change = crm_changeset_create (changeset, "approval", forged);
    gboolean refused = FALSE;

    g_assert_no_error (error);
    json_object_set_string_member (json_array_get_object_element (json_node_get_array (steps), 0),
                                   "approver", friend_id);
    crm_change_set_string (change, "kind", "discount");
    crm_change_set_string (change, "entity", "tag");
    crm_change_set_string (change, "entity_id", brand_id);
    crm_change_set_string (change, "requested_by", evgeny_id);
    crm_change_set_string (change, "comment", "Подпишет свой человек");
    crm_change_set_int (change, "created_at", crm_store_get_now (rep.store));
    crm_change_set_int (change, "step", 0);
    crm_change_set_int (change, "discount", 30);
    crm_change_set_string (change, "status", "pending");
    crm_change_set_string (change, "approver", friend_id);
    crm_change_set_node (change, "steps", json_node_copy (steps));
    g_assert_true (crm_store_apply (rep.store, changeset, &error));
    g_assert_no_error (error);
    g_clear_pointer (&report, crm_sync_report_free);
    report = crm_test_replica_sync (&rep);
    g_assert_cmpuint (report->rejected, >, 0);
    after = ctl_ok (rep.path, LATEST, "conflicts", NULL);
    for (guint i = 0; i < json_array_get_length (json_node_get_array (after)); i++)
      {
        JsonObject *record = json_array_get_object_element (json_node_get_array (after), i);

        if (g_strcmp0 (crm_test_get_string (record, "entity_id"), forged) == 0 &&
            g_strcmp0 (crm_test_get_string (record, "code"), "permission-denied") == 0)
          {
            /* one record for the whole request, saying what to do: ask again */
            g_assert_false (refused);
            assert_contains (crm_test_get_string (record, "reason"),
                             "the account's approval settings changed before it arrived");
            assert_contains (crm_test_get_string (record, "reason"), "request it again");
            assert_contains (crm_test_get_string (record, "yours_line"), ACCOUNTANT);
            refused = TRUE;
          }
      }
    g_assert_true (refused);
  }

  /* the director finishes the chain from the admin's... own replica */
  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", "admin-pw");
  {
    g_autoptr(JsonObject) done = crm_test_take_object (ctl_ok (admin.path, LATEST, "--as", "admin",
                                                               "approval", "approve", id, NULL));
    g_autoptr(JsonNode) tasks = NULL;

    g_assert_cmpstr (crm_test_get_string (done, "status"), ==, "approved");
    g_clear_pointer (&report, crm_sync_report_free);
    report = crm_test_replica_sync (&admin);
    g_assert_cmpuint (report->rejected, ==, 0);
    g_clear_pointer (&report, crm_sync_report_free);
    report = crm_test_replica_sync (&rep);
    tasks = ctl_ok (rep.path, LATEST, "task", "list", "--responsible", ACCOUNTANT, NULL);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  }

  crm_test_replica_clear (&admin);
  crm_test_replica_clear (&rep);
  crm_test_replica_clear (&laptop);
  crm_test_replica_clear (&phone);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_remove_tree (tmpdir);
}

/* Issue 20 through a real server: Svetlana's custom role with the right "approve" (set
 * by the administrator at his laptop) makes her the head who decides Evgeny's discount;
 * her approval, made offline, is taken by the server and the discount applied everywhere.
 * Given a role like the sales rep's, she is refused on her laptop in words, and a
 * modified client pushing her decision anyway is refused by the server. */
static void
test_custom_role_server (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *data = make_supplier_data (tmpdir);
  g_autoptr(CrmTestServer) server = NULL;
  CrmTestReplica rep = { 0 }, svetlana = { 0 }, admin = { 0 };
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) decided = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(CrmSyncReport) report = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autofree char *id = NULL;

  g_assert_cmpint (crm_test_server_admin (data, "svetlana-pw", "user", "add", "franko", SVETLANA,
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  server = crm_test_server_start (data, FALSE, NULL);
  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", "admin-pw");
  crm_test_replica_open (&rep, server, tmpdir, "evgeny.db", EVGENY, "rep-password");
  crm_test_replica_open (&svetlana, server, tmpdir, "svetlana.db", SVETLANA, "svetlana-pw");

  json_node_unref (ctl_ok (admin.path, NOW, "role", "add", "Старший продавец", "--like", "rep",
                           "--right", "approve=yes", NULL));
  json_node_unref (ctl_ok (admin.path, NOW, "user", "set", SVETLANA, "--role",
                           "Старший продавец", NULL));
  report = crm_test_replica_sync (&admin);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);

  /* Evgeny asks on his laptop: the chain his laptop and the server choose is Svetlana */
  request = crm_test_take_object (ctl_ok (rep.path, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "Jura",
                                          "--discount", "12", "--reason", "Годовой контракт",
                                          NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "approver"), ==, SVETLANA);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 0);

  /* she approves offline; the server takes it, and Evgeny's laptop has the discount */
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&svetlana);
  decided = crm_test_take_object (ctl_ok (svetlana.path, LATER, "--as", SVETLANA, "approval",
                                          "approve", id, NULL));
  g_assert_cmpstr (crm_test_get_string (decided, "status"), ==, "applied");
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&svetlana);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  after = approval_on (&rep, id);
  g_assert_cmpstr (crm_test_get_string (after, "status"), ==, "applied");
  {
    g_autoptr(JsonNode) list = ctl_ok (rep.path, LATEST, "approval", "discounts", NULL);

    g_assert_cmpint (discount_of (list, "Jura"), ==, 12);
  }

  /* a role like the sales rep's: the manager decides; Svetlana is refused in words */
  json_node_unref (ctl_ok (admin.path, NOW, "role", "add", "Стажёр", "--like", "rep", NULL));
  json_node_unref (ctl_ok (admin.path, NOW, "user", "set", SVETLANA, "--role", "Стажёр", NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&admin);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_clear_pointer (&request, json_object_unref);
  g_free (id);
  request = crm_test_take_object (ctl_ok (rep.path, NOW, "--as", EVGENY, "approval", "request",
                                          "--kind", "discount", "--brand", "WMF",
                                          "--discount", "12", "--reason", "Сеть кофеен", NULL));
  id = g_strdup (crm_test_get_string (request, "id"));
  g_assert_cmpstr (crm_test_get_string (request, "approver"), ==, HEAD);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&svetlana);
  crm_test_ctl (&run, svetlana.path, LATER, "--as", SVETLANA, "approval", "approve", id, NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  assert_contains (message, "waits for " HEAD "'s decision");
  /* a modified client pushing her decision anyway: the server refuses it */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_touch (changeset, "approval", id);

    crm_change_set_int (change, "decided_step", 0);
    crm_change_set_string (change, "status", "applied");
    crm_change_set_null (change, "approver");
    g_assert_true (crm_store_apply (svetlana.store, changeset, &error));
    g_assert_no_error (error);
    g_clear_pointer (&report, crm_sync_report_free);
    report = crm_test_replica_sync (&svetlana);
    g_assert_cmpuint (report->rejected, >, 0);
    g_clear_pointer (&after, json_object_unref);
    after = approval_on (&svetlana, id);
    g_assert_cmpstr (crm_test_get_string (after, "status"), ==, "pending");
    g_assert_cmpstr (crm_test_get_string (after, "approver"), ==, HEAD);
  }

  crm_test_replica_clear (&admin);
  crm_test_replica_clear (&rep);
  crm_test_replica_clear (&svetlana);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/approval/discounts", Fixture, NULL, fixture_set_up, test_discounts,
              crm_test_replica_dir_tear_down);
  g_test_add ("/approval/registry", Fixture, NULL, fixture_set_up, test_registry,
              crm_test_replica_dir_tear_down);
  g_test_add ("/approval/invoice-chain", Fixture, NULL, fixture_set_up, test_invoice_chain,
              crm_test_replica_dir_tear_down);
  g_test_add ("/approval/bad-input", Fixture, NULL, fixture_set_up, test_bad_input,
              crm_test_replica_dir_tear_down);
  g_test_add ("/approval/custom-role", Fixture, NULL, fixture_set_up, test_custom_role,
              crm_test_replica_dir_tear_down);
  g_test_add_func ("/approval/concurrent-decisions", test_concurrent_decisions);
  g_test_add_func ("/approval/custom-role-server", test_custom_role_server);
  return g_test_run ();
}
