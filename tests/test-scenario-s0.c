/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario-s0.c — the used-truck dealer (SPEC.md S0, seed 000) through the real
 * voronkactl with the clock pinned: one test per automation requirement S0-1 … S0-7 of
 * the truck-dealer template, the loss-reason gate, and one client's deal end to end
 * (Продажи → Лизинг → won → Продажи «Оплата получена» → Отгружено → «База купивших
 * клиентов»). Each test checks what the rule made — pipeline, stage, tasks with their
 * due dates, copied contacts, company, tags and responsible — and that nothing else
 * appeared. */
#include <string.h>

#include "crm-test-util.h"

/* A Monday; "+30 days" is 2026-04-01, "+45 days" 2026-04-16, "+3 working days" Thursday. */
#define NOW "2026-03-02T10:00:00Z"

#define PIPELINE_SALES   "Продажи"
#define PIPELINE_LEASING "Лизинг"
#define PIPELINE_BOUGHT  "База купивших клиентов"
#define PIPELINE_REFUSED "Отказники"
#define PIPELINE_BUYING  "Отдел закупок"
#define STAGE_LOST       "Закрыто и не реализовано"

#define RULE_S0_1 "Лизинг или кредит → воронка «Лизинг»"
#define RULE_S0_4 "Лизинг: полная оплата → Продажи «Оплата получена»"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) contact = NULL;
  g_autoptr(JsonNode) company = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "dealer.db", NULL);
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", "truck-dealer", NULL);
  contact = crm_test_ctl_ok (f->db, NOW, "contact", "add", "--name", "Григорьев Пётр",
                             "--phone", "+7 912 345-67-89", NULL);
  company = crm_test_ctl_ok (f->db, NOW, "company", "add", "--name", "ООО Северный рейс",
                             "--inn", "7701234567", NULL);
}

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

static guint
n_deals (Fixture    *f,
         const char *pipeline)
{
  g_autoptr(JsonNode) list = pipeline != NULL ? OK (f, "deal", "list", "--pipeline", pipeline)
                                              : OK (f, "deal", "list");

  return json_array_get_length (json_node_get_array (list));
}

/* Deal counts of the five pipelines, to compare before and after. */
typedef struct {
  guint sales, leasing, bought, refused, buying;
} Counts;

static Counts
count_deals (Fixture *f)
{
  Counts counts;

  counts.sales = n_deals (f, PIPELINE_SALES);
  counts.leasing = n_deals (f, PIPELINE_LEASING);
  counts.bought = n_deals (f, PIPELINE_BOUGHT);
  counts.refused = n_deals (f, PIPELINE_REFUSED);
  counts.buying = n_deals (f, PIPELINE_BUYING);
  return counts;
}

static void
assert_counts (Counts counts,
               guint  sales,
               guint  leasing,
               guint  bought,
               guint  refused,
               guint  buying)
{
  g_assert_cmpuint (counts.sales, ==, sales);
  g_assert_cmpuint (counts.leasing, ==, leasing);
  g_assert_cmpuint (counts.bought, ==, bought);
  g_assert_cmpuint (counts.refused, ==, refused);
  g_assert_cmpuint (counts.buying, ==, buying);
}

/* A deal of the client (contact, company, two tags) kept by Мария Кузнецова. */
static char *
add_client_deal (Fixture    *f,
                 const char *pipeline,
                 const char *stage,
                 const char *title)
{
  g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", pipeline, "--stage", stage,
                                 "--title", title, "--contact", "Григорьев Пётр",
                                 "--company", "ООО Северный рейс", "--tag", "Volvo",
                                 "--tag", "Krone", "--responsible", "Мария Кузнецова",
                                 "--amount", "5200000.00");

  return id_of (deal);
}

static void
assert_at (Fixture    *f,
           const char *deal_id,
           const char *pipeline,
           const char *stage)
{
  g_autoptr(JsonObject) deal = show (f, deal_id);

  g_assert_cmpstr (str (deal, "pipeline"), ==, pipeline);
  g_assert_cmpstr (str (deal, "stage"), ==, stage);
}

/* The one deal of @pipeline, which must be alone there. */

/* The copy a rule made carries the client: contact, company, both tags, responsible. */
static void
assert_copies_client (JsonObject *deal)
{
  JsonArray *contacts = json_object_get_array_member (deal, "contacts");
  JsonArray *tags = json_object_get_array_member (deal, "tags");

  g_assert_cmpuint (json_array_get_length (contacts), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (contacts, 0), ==, "Григорьев Пётр");
  g_assert_cmpstr (str (deal, "company"), ==, "ООО Северный рейс");
  g_assert_cmpuint (json_array_get_length (tags), ==, 2);
  g_assert_true (has_string (tags, "Volvo"));
  g_assert_true (has_string (tags, "Krone"));
  g_assert_cmpstr (str (deal, "responsible"), ==, "Мария Кузнецова");
}

/* The one task of @deal, with its text, type, due time and responsible. */
static void
assert_only_task (JsonObject *deal,
                  const char *text,
                  const char *type,
                  const char *due,
                  const char *responsible)
{
  JsonArray *tasks = json_object_get_array_member (deal, "tasks");
  JsonObject *task;

  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  task = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (str (task, "text"), ==, text);
  g_assert_cmpstr (str (task, "type"), ==, type);
  g_assert_cmpstr (str (task, "due"), ==, due);
  g_assert_cmpstr (str (task, "responsible"), ==, responsible);
  g_assert_false (json_object_get_boolean_member (task, "done"));
}

/* Did a rule of that name write part of the deal's history? */
static gboolean
history_by_rule (JsonObject *deal,
                 const char *rule)
{
  JsonArray *history = json_object_get_array_member (deal, "history");

  return crm_test_find_object (history, "by_rule", rule) != NULL;
}

/* S0-1: at «Согласование условий договора», leasing or credit sends the deal to Лизинг. */
static void
test_s0_1_leasing (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cash = add_client_deal (f, PIPELINE_SALES, "Согласование условий договора",
                                           "Volvo FH 460, наличные");
  g_autofree char *early = add_client_deal (f, PIPELINE_SALES, "Квалифицирован",
                                            "Volvo FM, ещё рано");
  g_autofree char *credit = add_client_deal (f, PIPELINE_SALES, "Встреча проведена",
                                             "Volvo FH 500, кредит");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) moved = NULL;

  /* cash: stays */
  node = OK (f, "deal", "set", cash, "--field", "payment_type=Наличные");
  assert_at (f, cash, PIPELINE_SALES, "Согласование условий договора");

  /* leasing set at that stage: the deal itself moves, to the first working stage */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", cash, "--field", "payment_type=Лизинг");
  g_assert_cmpstr (str (json_node_get_object (node), "pipeline"), ==, PIPELINE_LEASING);
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "База клиентов на лизинг");
  moved = show (f, cash);
  g_assert_cmpstr (str (moved, "title"), ==, "Volvo FH 460, наличные");
  assert_copies_client (moved);
  g_assert_true (history_by_rule (moved, RULE_S0_1));

  /* leasing at an earlier stage: nothing yet */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", early, "--field", "payment_type=Лизинг");
  assert_at (f, early, PIPELINE_SALES, "Квалифицирован");

  /* credit already set, then the deal reaches the stage: it moves on arrival */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", credit, "--field", "payment_type=Кредит");
  assert_at (f, credit, PIPELINE_SALES, "Встреча проведена");
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", credit, "--stage", "Согласование условий договора");
  assert_at (f, credit, PIPELINE_LEASING, "База клиентов на лизинг");

  /* moved, not copied: three deals in all, no tasks */
  assert_counts (count_deals (f), 1, 2, 0, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 0);
}

/* S0-2: a won sale opens a deal in «База купивших клиентов» with a call in 30 days. */
static void
test_s0_2_bought (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *id = add_client_deal (f, PIPELINE_SALES, "Ожидание отгрузки",
                                         "Volvo FH 460 + Krone");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) follow_up = NULL;
  g_autoptr(JsonObject) won = NULL;

  assert_counts (count_deals (f), 1, 0, 0, 0, 0);
  node = OK (f, "deal", "move", id, "--stage", "Отгружено");
  g_assert_cmpstr (str (json_node_get_object (node), "stage_kind"), ==, "won");

  follow_up = only_deal_in (f, PIPELINE_BOUGHT);
  g_assert_cmpstr (str (follow_up, "stage"), ==, "База клиентов");
  g_assert_cmpstr (str (follow_up, "id"), !=, id);
  assert_copies_client (follow_up);
  assert_only_task (follow_up, "Связаться с клиентом и выявить новую потребность", "call",
                    "2026-04-01T10:00:00Z", "Мария Кузнецова");

  /* the sale itself stays won, without tasks; nothing else appeared */
  won = show (f, id);
  g_assert_cmpstr (str (won, "pipeline"), ==, PIPELINE_SALES);
  g_assert_cmpstr (str (won, "stage"), ==, "Отгружено");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (won, "tasks")), ==, 0);
  assert_counts (count_deals (f), 1, 0, 1, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 1);
}

/* S0-3: «Дорого» and «Не устраивает техника» send the client to Отказники; other reasons
 * create nothing. */
static void
test_s0_3_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *elsewhere = add_client_deal (f, PIPELINE_SALES, "Встреча проведена",
                                                "Купил у конкурента");
  g_autofree char *expensive = add_client_deal (f, PIPELINE_SALES, "Встреча проведена",
                                                "Дорого для клиента");
  g_autofree char *unsuitable = add_client_deal (f, PIPELINE_SALES, "Квалифицирован",
                                                 "Техника не подошла");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) refused = NULL;
  gint64 before = log_length (f);

  /* «Купил в другом месте»: the deal is closed and that is all — one op, no deal, no task */
  node = OK (f, "deal", "move", elsewhere, "--stage", STAGE_LOST,
             "--loss-reason", "Купил в другом месте");
  g_assert_cmpstr (str (json_node_get_object (node), "loss_reason"), ==, "Купил в другом месте");
  g_assert_cmpint (log_length (f), ==, before + 1);
  assert_counts (count_deals (f), 3, 0, 0, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 0);

  /* «Дорого»: a deal in Отказники «База отказников» for the same client */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", expensive, "--stage", STAGE_LOST, "--loss-reason", "Дорого");
  {
    g_autoptr(JsonObject) deal = only_deal_in (f, PIPELINE_REFUSED);

    g_assert_cmpstr (str (deal, "stage"), ==, "База отказников");
    g_assert_cmpstr (str (deal, "title"), ==, "Дорого для клиента");
    assert_copies_client (deal);
  }
  assert_counts (count_deals (f), 3, 0, 0, 1, 0);

  /* «Не устраивает техника»: one more */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", unsuitable, "--stage", STAGE_LOST,
             "--loss-reason", "Не устраивает техника");
  assert_counts (count_deals (f), 3, 0, 0, 2, 0);
  refused = OK (f, "deal", "list", "--pipeline", PIPELINE_REFUSED, "--stage", "База отказников");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (refused)), ==, 2);
  /* each refusal got its S0-6 call, nothing more */
  g_assert_cmpuint (n_tasks (f), ==, 2);
}

/* S0-4: a won Лизинг deal goes back to Продажи at «Оплата получена» (moved, not copied). */
static void
test_s0_4_leasing_paid (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *id = add_client_deal (f, PIPELINE_LEASING, "Ожидание оплаты",
                                         "Volvo FH в лизинг");
  g_autoptr(JsonNode) node = OK (f, "deal", "move", id, "--stage", "Полная оплата получена");
  g_autoptr(JsonObject) deal = show (f, id);

  g_assert_cmpstr (str (json_node_get_object (node), "pipeline"), ==, PIPELINE_SALES);
  g_assert_cmpstr (str (deal, "pipeline"), ==, PIPELINE_SALES);
  g_assert_cmpstr (str (deal, "stage"), ==, "Оплата получена");
  g_assert_cmpstr (str (deal, "stage_kind"), ==, "open");
  assert_copies_client (deal);
  g_assert_true (history_by_rule (deal, RULE_S0_4));
  /* «Оплата получена» is not a won sale: no «База купивших клиентов» deal yet */
  assert_counts (count_deals (f), 1, 0, 0, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 0);
}

/* S0-5: lost at «Компания подобрана» (terms unacceptable) → Отказники; lost elsewhere in
 * Лизинг → nothing; closing in Лизинг always needs a reason. */
static void
test_s0_5_leasing_lost (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *picked = add_client_deal (f, PIPELINE_LEASING, "Компания подобрана",
                                             "Условия лизинга не устроили");
  g_autofree char *early = add_client_deal (f, PIPELINE_LEASING, "Сбор документов",
                                            "Передумал");
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 before = log_length (f);

  crm_test_ctl (&run, f->db, NOW, "deal", "move", early, "--stage", STAGE_LOST, NULL);
  message = crm_test_assert_refused (&run, "loss-reason-required");
  g_assert_cmpint (log_length (f), ==, before);

  node = OK (f, "deal", "move", early, "--stage", STAGE_LOST, "--loss-reason", "Неактуально");
  assert_counts (count_deals (f), 0, 2, 0, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 0);

  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", picked, "--stage", STAGE_LOST,
             "--loss-reason", "Не устраивает техника");
  {
    g_autoptr(JsonObject) deal = only_deal_in (f, PIPELINE_REFUSED);

    g_assert_cmpstr (str (deal, "stage"), ==, "База отказников");
    assert_copies_client (deal);
  }
  assert_counts (count_deals (f), 0, 2, 0, 1, 0);
  assert_at (f, picked, PIPELINE_LEASING, STAGE_LOST);
}

/* S0-6: every new Отказники deal gets «Связаться с клиентом» in 45 days; «Передано в
 * продажи» (of Отказники and of «База купивших клиентов») puts the deal back in
 * Продажи at «Квалифицирован». */
static void
test_s0_6_refused_follow_up (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *refused = add_client_deal (f, PIPELINE_REFUSED, "База отказников",
                                              "Отказник из базы");
  g_autofree char *bought = add_client_deal (f, PIPELINE_BOUGHT, "Взято в работу",
                                             "Купивший клиент снова");
  g_autoptr(JsonObject) deal = show (f, refused);
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonNode) node = NULL;

  assert_only_task (deal, "Связаться с клиентом", "call", "2026-04-16T10:00:00Z",
                    "Мария Кузнецова");
  /* a «База купивших клиентов» deal added by hand gets no such task */
  g_clear_pointer (&deal, json_object_unref);
  deal = show (f, bought);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "tasks")), ==, 0);

  node = OK (f, "deal", "move", refused, "--stage", "Передано в продажи");
  g_assert_cmpstr (str (json_node_get_object (node), "pipeline"), ==, PIPELINE_SALES);
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "Квалифицирован");
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", bought, "--stage", "Передано в продажи");
  assert_at (f, bought, PIPELINE_SALES, "Квалифицирован");

  /* moved with their history and their task; no copies */
  again = show (f, refused);
  assert_copies_client (again);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (again, "tasks")), ==, 1);
  assert_counts (count_deals (f), 2, 0, 0, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 1);
}

/* The tasks of @deal_id with this text. */
static guint
n_tasks_with_text (Fixture    *f,
                   const char *deal_id,
                   const char *text)
{
  g_autoptr(JsonNode) tasks = OK (f, "task", "list", "--deal", deal_id);

  return crm_test_count_objects (json_node_get_array (tasks), "text", text);
}

/* S0-7: brand tags. Waiting clients get a re-check in 3 working days; when a truck of
 * their brand arrives in Отдел закупок, each open Продажи deal of that brand that waits
 * gets a call due today. */
static void
test_s0_7_stock_match (Fixture       *f,
                       gconstpointer  data)
{
  const char *recheck = "Проверить, не поступила ли нужная техника (фильтр по тегу марки)";
  const char *call = "Позвонить клиенту: поступила техника Volvo";
  g_autoptr(JsonNode) waiting_node = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                         "--title", "Ждёт Volvo FH", "--tag", "Volvo",
                                         "--responsible", "Денис Морозов");
  g_autoptr(JsonNode) other_node = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                       "--title", "Volvo, не ждёт", "--tag", "Volvo");
  g_autoptr(JsonNode) scania_node = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                        "--title", "Ждёт Scania", "--tag", "Scania",
                                        "--field", "waiting_for_stock=yes");
  g_autoptr(JsonNode) closed_node = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                        "--title", "Ждал Volvo, ушёл", "--tag", "Volvo",
                                        "--field", "waiting_for_stock=yes");
  g_autoptr(JsonNode) trailer_node = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                         "--title", "Ждёт полуприцеп Krone", "--tag", "Krone",
                                         "--field", "waiting_for_stock=yes");
  g_autoptr(JsonNode) stock_node = OK (f, "deal", "add", "--pipeline", PIPELINE_BUYING,
                                       "--title", "Volvo FH 460 от поставщика", "--tag", "Volvo",
                                       "--stage", "Осмотр техники");
  g_autofree char *waiting = id_of (waiting_node);
  g_autofree char *other = id_of (other_node);
  g_autofree char *scania = id_of (scania_node);
  g_autofree char *closed = id_of (closed_node);
  g_autofree char *stock = id_of (stock_node);
  g_autofree char *trailer = id_of (trailer_node);
  g_autoptr(JsonNode) trailer_stock = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) in_stock = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  JsonObject *task;

  /* «Ждёт технику» set: a re-check by tag in 3 working days (Monday → Thursday) */
  node = OK (f, "deal", "set", waiting, "--field", "waiting_for_stock=yes");
  tasks = OK (f, "task", "list", "--deal", waiting);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  task = json_array_get_object_element (json_node_get_array (tasks), 0);
  g_assert_cmpstr (str (task, "text"), ==, recheck);
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-05T10:00:00Z");
  g_assert_cmpstr (str (task, "responsible"), ==, "Денис Морозов");
  g_assert_cmpuint (n_tasks_with_text (f, other, recheck), ==, 0);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", closed, "--stage", STAGE_LOST,
             "--loss-reason", "Нет техники в наличии");

  /* the manager's filter: is a Volvo in stock? */
  in_stock = OK (f, "deal", "list", "--pipeline", PIPELINE_BUYING, "--tag", "Volvo");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (in_stock)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (in_stock), 0), "id"),
                   ==, stock);

  /* the truck arrives: only the open Volvo deal that waits gets the call, due today */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", stock, "--stage", "Техника получена");
  g_clear_pointer (&tasks, json_node_unref);
  tasks = OK (f, "task", "list", "--deal", waiting);
  task = crm_test_find_object (json_node_get_array (tasks), "text", call);
  g_assert_nonnull (task);
  g_assert_cmpstr (str (task, "due"), ==, NOW);
  g_assert_cmpstr (str (task, "type"), ==, "call");
  g_assert_cmpstr (str (task, "responsible"), ==, "Денис Морозов");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 2);
  g_assert_cmpuint (n_tasks_with_text (f, other, call), ==, 0);
  g_assert_cmpuint (n_tasks_with_text (f, closed, call), ==, 0);
  g_assert_cmpuint (n_tasks_with_text (f, scania, "Позвонить клиенту: поступила техника Scania"),
                    ==, 0);
  g_assert_cmpuint (n_tasks_with_text (f, stock, call), ==, 0);
  g_assert_cmpuint (n_tasks_with_text (f, trailer, "Позвонить клиенту: поступила техника Krone"),
                    ==, 0);
  /* four re-checks (the waiting deals) and one call; no deals appeared */
  g_assert_cmpuint (n_tasks (f), ==, 5);
  assert_counts (count_deals (f), 5, 0, 0, 0, 1);

  /* trailers are matched by their maker's tag the same way */
  trailer_stock = OK (f, "deal", "add", "--pipeline", PIPELINE_BUYING, "--title",
                      "Krone Profi Liner от поставщика", "--tag", "Krone",
                      "--stage", "Техника получена");
  g_assert_cmpuint (n_tasks_with_text (f, trailer, "Позвонить клиенту: поступила техника Krone"),
                    ==, 1);
  g_assert_cmpuint (n_tasks_with_text (f, waiting, "Позвонить клиенту: поступила техника Krone"),
                    ==, 0);
  g_assert_cmpuint (n_tasks (f), ==, 6);
}

/* S0-3's gate: no reason, no closing — refused, named, nothing written. */
static void
test_loss_reason_gate (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = add_client_deal (f, PIPELINE_SALES, "Встреча проведена", "Без причины");
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) error = NULL;
  g_autofree char *message = NULL;
  JsonObject *gate;
  JsonArray *choices;
  gint64 before = log_length (f);

  crm_test_ctl (&run, f->db, NOW, "deal", "move", id, "--stage", STAGE_LOST, NULL);
  message = crm_test_assert_refused (&run, "loss-reason-required");
  g_assert_nonnull (strstr (message, "Дорого"));
  error = crm_test_parse_json (run.out);
  gate = json_object_get_object_member (json_object_get_object_member (
           json_node_get_object (error), "error"), "gate");
  g_assert_cmpstr (str (gate, "name"), ==, "loss-reason-required");
  choices = json_object_get_array_member (gate, "choices");
  g_assert_cmpuint (json_array_get_length (choices), ==, 6);
  g_assert_true (has_string (choices, "Купил в другом месте"));

  /* nothing written: same log, same stage, no Отказники deal */
  g_assert_cmpint (log_length (f), ==, before);
  assert_at (f, id, PIPELINE_SALES, "Встреча проведена");
  assert_counts (count_deals (f), 1, 0, 0, 0, 0);

  /* a reason that is not in the list is refused the same way */
  crm_test_ctl (&run, f->db, NOW, "deal", "move", id, "--stage", STAGE_LOST,
                "--loss-reason", "Не понравился цвет", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpint (log_length (f), ==, before);
}

/* One client from the first call to the «База купивших клиентов» follow-up. */
static void
test_s0_flow (Fixture       *f,
              gconstpointer  data)
{
  static const char *const sales_path[] = {
    "Новая заявка", "Квалифицирован", "Встреча согласована", "Встреча проведена",
    "Согласование условий договора",
  };
  static const char *const leasing_path[] = {
    "Подбор лизинговой компании", "Сбор документов", "Компания подобрана",
    "Условия согласованы с лизинговой компанией", "Внесен задаток", "Ожидание оплаты",
  };
  g_autoptr(JsonNode) added = OK (f, "deal", "add", "--pipeline", PIPELINE_SALES,
                                  "--title", "Scania R450 + Schmitz", "--contact", "Григорьев Пётр",
                                  "--company", "ООО Северный рейс", "--tag", "Scania",
                                  "--tag", "Schmitz Cargobull", "--source", "Авито",
                                  "--responsible", "Сергей Волков", "--amount", "7400000.00");
  g_autofree char *id = id_of (added);
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) follow_up = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *tags;

  g_assert_cmpstr (str (json_node_get_object (added), "stage"), ==, "Неразобранное");
  for (guint i = 0; i < G_N_ELEMENTS (sales_path); i++)
    {
      g_clear_pointer (&node, json_node_unref);
      node = OK (f, "deal", "move", id, "--stage", sales_path[i]);
      assert_at (f, id, PIPELINE_SALES, sales_path[i]);
    }

  /* 95 % of sales are leasing: the client chooses it, the deal goes to Лизинг */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", id, "--field", "payment_type=Лизинг");
  assert_at (f, id, PIPELINE_LEASING, "База клиентов на лизинг");
  for (guint i = 0; i < G_N_ELEMENTS (leasing_path); i++)
    {
      g_clear_pointer (&node, json_node_unref);
      node = OK (f, "deal", "move", id, "--stage", leasing_path[i]);
      assert_at (f, id, PIPELINE_LEASING, leasing_path[i]);
    }

  /* the leasing company paid: back in Продажи at «Оплата получена» */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", id, "--stage", "Полная оплата получена");
  assert_at (f, id, PIPELINE_SALES, "Оплата получена");
  assert_counts (count_deals (f), 1, 0, 0, 0, 0);

  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", id, "--stage", "Ожидание отгрузки");
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", id, "--stage", "Отгружено");
  deal = show (f, id);
  g_assert_cmpstr (str (deal, "stage_kind"), ==, "won");
  g_assert_cmpstr (str (deal, "amount"), ==, "7400000.00");
  g_assert_cmpstr (str (json_object_get_object_member (deal, "fields"), "payment_type"), ==,
                   "Лизинг");
  g_assert_true (history_by_rule (deal, RULE_S0_1));
  g_assert_true (history_by_rule (deal, RULE_S0_4));

  /* the follow-up in «База купивших клиентов», with its call in 30 days */
  follow_up = only_deal_in (f, PIPELINE_BOUGHT);
  g_assert_cmpstr (str (follow_up, "stage"), ==, "База клиентов");
  g_assert_cmpstr (str (follow_up, "company"), ==, "ООО Северный рейс");
  g_assert_cmpstr (str (follow_up, "responsible"), ==, "Сергей Волков");
  tags = json_object_get_array_member (follow_up, "tags");
  g_assert_cmpuint (json_array_get_length (tags), ==, 2);
  g_assert_true (has_string (tags, "Scania"));
  g_assert_true (has_string (tags, "Schmitz Cargobull"));
  assert_only_task (follow_up, "Связаться с клиентом и выявить новую потребность", "call",
                    "2026-04-01T10:00:00Z", "Сергей Волков");
  assert_counts (count_deals (f), 1, 0, 1, 0, 0);
  g_assert_cmpuint (n_tasks (f), ==, 1);

  /* the history says which moves the rules made, for people too */
  crm_test_run_cli (&run, "--db", f->db, "deal", "show", id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "by rule «" RULE_S0_1 "»"));
  g_assert_nonnull (strstr (run.out, "by rule «" RULE_S0_4 "»"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/scenario/s0/" path, Fixture, NULL, fixture_set_up, func, \
              crm_test_replica_dir_tear_down)
  ADD ("S0-1-leasing-or-credit", test_s0_1_leasing);
  ADD ("S0-2-won-to-bought-clients", test_s0_2_bought);
  ADD ("S0-3-lost-to-refused", test_s0_3_refused);
  ADD ("S0-4-leasing-paid-back-to-sales", test_s0_4_leasing_paid);
  ADD ("S0-5-leasing-lost", test_s0_5_leasing_lost);
  ADD ("S0-6-refused-follow-up", test_s0_6_refused_follow_up);
  ADD ("S0-7-stock-match-by-brand", test_s0_7_stock_match);
  ADD ("loss-reason-gate", test_loss_reason_gate);
  ADD ("flow", test_s0_flow);
#undef ADD

  return g_test_run ();
}
