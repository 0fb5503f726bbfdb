/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario-s2.c — the interior design studio (SPEC.md S2, seed 002) through the real
 * voronkactl with the clock pinned: one test per automation requirement of the
 * design-studio template — S2-2 (failed call attempts: a messenger message, a recall
 * task, closed as lost «Перестал выходить на связь»), S2-4 (a request not taken into
 * work in 10 minutes: the head of sales told over Telegram), S2-5 (a deal without a
 * task, overdue tasks piling up: the group head told), S2-6 (the estimators told, with
 * the deal's fields), S2-8 (any service sold: «Предложить комплектацию») — each
 * checking the tasks, messages and notifications made and that nothing else appeared.
 * Then the same processes on two laptops syncing through a real voronka-server that
 * runs its own timer ticks, in random orders: one effect each, everywhere. */
#include <string.h>

#include "crm-test-util.h"
#include "crm-message.h"
#include "crm-query.h"
#include "crm-test-server.h"
#include "crm-time.h"

/* A Monday */
#define NOW "2026-03-02T10:00:00Z"

#define DESIGN   "Дизайн"
#define REPAIR   "Ремонт"
#define FURNISH  "Комплектация"
#define LOST     "Закрыто и не реализовано"
#define HEAD     "Виктория Егорова"
#define DARIA    "Дарья Васильева"
#define MAXIM    "Максим Павлов"
#define ESTIMATOR "Артём Голубев"
#define CLIENT   "Анна Смирнова"
#define CLOSED_WITH_STAGE "закрыта вместе с этапом"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) contact = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "studio.db", NULL);
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", "design-studio", NULL);
  contact = crm_test_ctl_ok (f->db, NOW, "contact", "add", "--name", CLIENT,
                             "--phone", "+7 916 123-45-67", NULL);
}

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)
#define AT(f, now, ...) crm_test_ctl_ok ((f)->db, (now), __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

static char *
add_deal_at (const char *db,
             const char *now,
             const char *pipeline,
             const char *stage,
             const char *title,
             const char *responsible)
{
  g_autoptr(JsonNode) deal = crm_test_ctl_ok (db, now, "deal", "add", "--pipeline", pipeline,
                                              "--stage", stage, "--title", title, "--contact",
                                              CLIENT, "--responsible", responsible,
                                              /* what the later stages require */
                                              "--field", "object_type=Квартира",
                                              "--field", "area=60", NULL);

  return id_of (deal);
}

static char *
add_call_at (const char *db,
             const char *now,
             const char *deal,
             const char *responsible)
{
  g_autoptr(JsonNode) task = crm_test_ctl_ok (db, now, "task", "add", "--deal", deal, "--text",
                                              "Позвонить клиенту", "--type", "call", "--due",
                                              "+1h", "--responsible", responsible, NULL);

  return id_of (task);
}

static JsonArray *
take_array (JsonNode *node)
{
  JsonArray *array = json_array_ref (json_node_get_array (node));

  json_node_unref (node);
  return array;
}

static guint
n_messages (Fixture *f)
{
  return crm_test_take_length (OK (f, "message", "list"));
}

static guint
n_notifications (Fixture *f)
{
  return crm_test_take_length (OK (f, "notification", "list"));
}

static guint
tick (Fixture    *f,
      const char *now)
{
  g_autoptr(JsonObject) result = crm_test_take_object (AT (f, now, "tick"));

  return (guint) json_object_get_int_member (result, "fired");
}

static gint64
attempts (JsonObject *deal)
{
  JsonObject *fields = json_object_get_object_member (deal, "fields");

  return json_object_get_int_member_with_default (fields, "failed_call_attempts", 0);
}

/* --- S2-2 ---------------------------------------------------------------------------------- */

/* S2-2 (with S2-3's call result): the 1st failed call attempt sends the client a
 * messenger message, the 2nd sets a recall task, the 3rd closes the deal as lost
 * «Перестал выходить на связь»; the recall task closes with the deal. */
static void
test_s2_2_call_attempts (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *deal = add_deal_at (f->db, NOW, DESIGN, "Новая заявка",
                                       "Дизайн квартиры на Лесной", DARIA);
  g_autofree char *first = add_call_at (f->db, NOW, deal, DARIA);
  g_autofree char *reached = add_call_at (f->db, NOW, deal, DARIA);
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonArray) messages = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *message;
  JsonObject *recall;

  /* S2-3: no result, no completion */
  crm_test_ctl (&run, f->db, NOW, "task", "done", first, NULL);
  g_free (crm_test_assert_refused (&run, "call-result-required"));

  /* a call that went through counts nothing */
  node = OK (f, "task", "done", reached, "--result", "Дозвонился, ждёт КП");
  shown = show (f, deal);
  g_assert_cmpint (attempts (shown), ==, 0);
  g_assert_cmpuint (n_messages (f), ==, 0);

  /* 1st failed attempt: one messenger message to the client, queued for the server */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "task", "done", first, "--result", "Не дозвонился");
  g_clear_pointer (&shown, json_object_unref);
  shown = show (f, deal);
  g_assert_cmpint (attempts (shown), ==, 1);
  messages = take_array (OK (f, "message", "list", "--deal", deal));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  /* the client has no messenger (Telegram) chat: SMS to the phone instead */
  g_assert_cmpstr (str (message, "channel"), ==, "sms");
  g_assert_cmpstr (str (message, "to"), ==, "+79161234567");
  g_assert_cmpstr (str (message, "recipient_name"), ==, CLIENT);
  g_assert_cmpstr (str (message, "status"), ==, "queued");
  g_assert_nonnull (strstr (str (message, "text"), CLIENT ", здравствуйте!"));
  g_assert_nonnull (strstr (str (message, "text"), "«Дизайн квартиры на Лесной»"));
  g_assert_nonnull (strstr (str (message, "text"), DARIA));
  g_assert_cmpuint (n_tasks (f), ==, 2);

  /* 2nd: a recall task for the manager, tomorrow; no second message */
  second = add_call_at (f->db, NOW, deal, DARIA);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "task", "done", second, "--result", "не дозвонился");
  tasks = take_array (OK (f, "task", "list", "--deal", deal, "--open"));
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  recall = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (str (recall, "text"), ==, "Перезвонить клиенту: вторая попытка дозвона не удалась");
  g_assert_cmpstr (str (recall, "type"), ==, "call");
  g_assert_cmpstr (str (recall, "due"), ==, "2026-03-03T10:00:00Z");
  g_assert_cmpstr (str (recall, "responsible"), ==, DARIA);
  g_assert_cmpuint (n_messages (f), ==, 1);

  /* 3rd (another call, the recall still open): lost «Перестал выходить на связь», as if
   * closed by hand; the recall task closes with the stage */
  third = add_call_at (f->db, NOW, deal, DARIA);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "task", "done", third, "--result", "Не дозвонился");
  g_clear_pointer (&shown, json_object_unref);
  shown = show (f, deal);
  g_assert_cmpint (attempts (shown), ==, 3);
  g_assert_cmpstr (str (shown, "pipeline"), ==, DESIGN);
  g_assert_cmpstr (str (shown, "stage"), ==, LOST);
  g_assert_cmpstr (str (shown, "stage_kind"), ==, "lost");
  g_assert_cmpstr (str (shown, "loss_reason"), ==, "Перестал выходить на связь");
  g_assert_nonnull (crm_test_find_object (json_object_get_array_member (shown, "history"), "by_rule",
                                          "3-я неудачная попытка: отказ «Перестал выходить на связь»"));
  g_clear_pointer (&tasks, json_array_unref);
  tasks = take_array (OK (f, "task", "list", "--deal", deal));
  recall = crm_test_find_object (tasks, "text", "Перезвонить клиенту: вторая попытка дозвона не удалась");
  g_assert_true (json_object_get_boolean_member (recall, "done"));
  g_assert_cmpstr (str (recall, "result"), ==, CLOSED_WITH_STAGE);

  /* nothing else: 5 tasks (4 calls and the recall), 1 message, no notification, 1 deal */
  g_assert_cmpuint (n_tasks (f), ==, 5);
  g_assert_cmpuint (n_messages (f), ==, 1);
  g_assert_cmpuint (n_notifications (f), ==, 0);
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list")), ==, 1);

  /* and `deal show` says the reason like one set by hand */
  crm_test_run_cli (&run, "--db", f->db, "deal", "show", deal, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Перестал выходить на связь"));
}

/* S2-2: a client with a messenger chat gets the message there. */
static void
test_s2_2_messenger (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) contact = OK (f, "contact", "add", "--name", "Игорь Зайцев", "--phone",
                                    "+7 903 765-43-21");
  g_autofree char *contact_id = id_of (contact);
  g_autoptr(JsonNode) set = OK (f, "contact", "set", contact_id, "--field",
                                "telegram_chat_id=480012345");
  g_autoptr(JsonNode) added = OK (f, "deal", "add", "--pipeline", REPAIR, "--title",
                                  "Ремонт кухни", "--contact", "Игорь Зайцев",
                                  "--responsible", MAXIM);
  g_autofree char *deal = id_of (added);
  g_autofree char *call = add_call_at (f->db, NOW, deal, MAXIM);
  g_autoptr(JsonNode) node = OK (f, "task", "done", call, "--result", "Не дозвонился");
  g_autoptr(JsonArray) messages = take_array (OK (f, "message", "list", "--deal", deal));
  JsonObject *message;

  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (str (message, "channel"), ==, "telegram");
  g_assert_cmpstr (str (message, "to"), ==, "480012345");
  g_assert_cmpstr (str (message, "recipient_name"), ==, "Игорь Зайцев");
  g_assert_nonnull (strstr (str (message, "text"), "Игорь Зайцев, здравствуйте!"));
  g_assert_cmpuint (n_messages (f), ==, 1);
  g_assert_cmpuint (n_tasks (f), ==, 1);
}

/* --- S2-4 ---------------------------------------------------------------------------------- */

/* S2-4: a request still «Неразобранное» or «Новая заявка» 10 minutes after it came in:
 * the head of sales gets a Telegram message to reassign it; once per request. */
static void
test_s2_4_not_taken (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *waiting = add_deal_at (f->db, NOW, DESIGN, "Неразобранное",
                                          "Заявка с сайта", MAXIM);
  g_autofree char *taken = add_deal_at (f->db, NOW, REPAIR, "Новая заявка",
                                        "Ремонт ванной", DARIA);
  g_autofree char *later = add_deal_at (f->db, "2026-03-02T10:08:00Z", FURNISH, "Новая заявка",
                                        "Подбор кухни", MAXIM);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) messages = NULL;
  JsonObject *message;

  node = AT (f, "2026-03-02T10:04:00Z", "deal", "move", waiting, "--stage", "Новая заявка");
  g_clear_pointer (&node, json_node_unref);
  node = AT (f, "2026-03-02T10:06:00Z", "deal", "move", taken, "--stage", "Взято в работу");

  g_assert_cmpuint (tick (f, "2026-03-02T10:09:00Z"), ==, 0);
  g_assert_cmpuint (tick (f, "2026-03-02T10:10:00Z"), ==, 1);
  g_assert_cmpuint (tick (f, "2026-03-02T10:10:30Z"), ==, 0);
  g_assert_cmpuint (tick (f, "2026-03-02T10:18:00Z"), ==, 1);
  g_assert_cmpuint (tick (f, "2026-03-02T10:40:00Z"), ==, 0);

  messages = take_array (OK (f, "message", "list", "--deal", waiting));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (str (message, "channel"), ==, "telegram");
  g_assert_cmpstr (str (message, "recipient_name"), ==, HEAD);
  g_assert_cmpstr (str (message, "status"), ==, "queued");
  g_assert_cmpstr (str (message, "text"), ==,
                   "Заявку «Заявка с сайта» не взяли в работу за 10 минут (ответственный: "
                   MAXIM "). Передайте её другому менеджеру.");
  g_assert_cmpstr (str (message, "created_at"), ==, "2026-03-02T10:10:00Z");
  g_clear_pointer (&messages, json_array_unref);
  messages = take_array (OK (f, "message", "list", "--deal", later));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_clear_pointer (&messages, json_array_unref);
  messages = take_array (OK (f, "message", "list", "--deal", taken));
  g_assert_cmpuint (json_array_get_length (messages), ==, 0);

  /* nothing else */
  g_assert_cmpuint (n_messages (f), ==, 2);
  g_assert_cmpuint (n_notifications (f), ==, 0);
  g_assert_cmpuint (n_tasks (f), ==, 0);
}

/* --- S2-5 ---------------------------------------------------------------------------------- */

/* S2-5: a deal left an hour without a task, and a manager with more than three overdue
 * tasks: the group head (the head of sales) is told in the app and over Telegram. */
static void
test_s2_5_deviations (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *idle = add_deal_at (f->db, NOW, DESIGN, "Взято в работу",
                                       "Дизайн дома в Истре", DARIA);
  g_autofree char *busy = add_deal_at (f->db, NOW, REPAIR, "Взято в работу",
                                       "Ремонт офиса", MAXIM);
  g_autofree char *won = add_deal_at (f->db, NOW, FURNISH, "Оплачено", "Мебель для спальни",
                                      MAXIM);
  g_autofree char *call = add_call_at (f->db, NOW, idle, DARIA);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) notes = NULL;
  g_autoptr(JsonArray) messages = NULL;
  JsonObject *note;
  const char *dues[] = { "2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z",
                         "2026-03-02T12:00:00Z", "2026-03-02T12:30:00Z" };

  /* Максим's tasks on «Ремонт офиса» fall overdue one by one */
  for (guint i = 0; i < G_N_ELEMENTS (dues); i++)
    {
      g_autoptr(JsonNode) task = OK (f, "task", "add", "--deal", busy, "--text", "Выслать КП",
                                     "--due", dues[i], "--responsible", MAXIM);
    }
  node = AT (f, "2026-03-02T10:20:00Z", "task", "done", call, "--result", "Дозвонился");

  /* «Дизайн дома в Истре» has had no task since 10:20 */
  g_assert_cmpuint (tick (f, "2026-03-02T11:19:00Z"), ==, 0);
  g_assert_cmpuint (tick (f, "2026-03-02T11:20:00Z"), ==, 1);
  notes = take_array (OK (f, "notification", "list", "--user", HEAD));
  g_assert_cmpuint (json_array_get_length (notes), ==, 1);
  note = json_array_get_object_element (notes, 0);
  g_assert_cmpstr (str (note, "text"), ==,
                   "Сделка «Дизайн дома в Истре» час без задачи (ответственный: " DARIA ")");
  g_assert_cmpstr (str (note, "deal"), ==, idle);
  messages = take_array (OK (f, "message", "list", "--deal", idle));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (messages, 0), "recipient_name"), ==, HEAD);
  g_assert_cmpstr (str (json_array_get_object_element (messages, 0), "channel"), ==, "telegram");

  /* three overdue is not yet «piling up»; the fourth is */
  g_assert_cmpuint (tick (f, "2026-03-02T12:29:00Z"), ==, 0);
  g_assert_cmpuint (tick (f, "2026-03-02T12:31:00Z"), ==, 1);
  g_assert_cmpuint (tick (f, "2026-03-02T15:00:00Z"), ==, 0);
  g_clear_pointer (&notes, json_array_unref);
  notes = take_array (OK (f, "notification", "list", "--user", HEAD));
  g_assert_cmpuint (json_array_get_length (notes), ==, 2);
  note = crm_test_find_object (notes, "text",
                               "У менеджера " MAXIM " просрочено задач: 4. Перераспределите сделки.");
  g_assert_nonnull (note);
  g_assert_cmpstr (str (note, "created_at"), ==, "2026-03-02T12:30:00Z");

  /* nothing else: not for the deal with tasks, not for the won one */
  g_assert_cmpuint (n_notifications (f), ==, 2);
  g_assert_cmpuint (n_messages (f), ==, 2);
  g_clear_pointer (&messages, json_array_unref);
  messages = take_array (OK (f, "message", "list", "--deal", won));
  g_assert_cmpuint (json_array_get_length (messages), ==, 0);
  g_assert_cmpuint (n_tasks (f), ==, 5);
}

/* --- S2-6 ---------------------------------------------------------------------------------- */

/* S2-6: the design project is ready and needs an estimate (or a repair reaches «Подготовка
 * сметы»): the estimators get the deal's fields over Telegram and in the app. */
static void
test_s2_6_estimators (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *design = add_deal_at (f->db, NOW, DESIGN, "Встреча проведена",
                                         "Дизайн квартиры на Мира", DARIA);
  g_autofree char *repair = add_deal_at (f->db, NOW, REPAIR, "Замер", "Ремонт квартиры на Мира",
                                         MAXIM);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) messages = NULL;
  g_autoptr(JsonArray) notes = NULL;
  JsonObject *message;

  node = OK (f, "deal", "set", design, "--field", "object_type=Квартира", "--field", "area=85",
             "--field", "address=Москва, пр. Мира, 12", "--field", "budget=1500000.00",
             "--field", "design_project_status=В работе");
  g_assert_cmpuint (n_messages (f), ==, 0);

  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", design, "--field", "design_project_status=Готов, нужна смета");
  messages = take_array (OK (f, "message", "list", "--deal", design));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  message = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (str (message, "recipient_name"), ==, ESTIMATOR);
  g_assert_cmpstr (str (message, "channel"), ==, "telegram");
  g_assert_cmpstr (str (message, "text"), ==,
                   "Нужна смета по сделке «Дизайн квартиры на Мира» (менеджер " DARIA ").\n"
                   "Тип объекта: Квартира\n"
                   "Площадь, м²: 85\n"
                   "Адрес объекта: Москва, пр. Мира, 12\n"
                   "Статус дизайн-проекта: Готов, нужна смета\n"
                   /* money as people read it: narrow no-break spaces, a no-break space */
                   "Бюджет клиента: 1\xe2\x80\xaf" "500\xe2\x80\xaf" "000\xc2\xa0₽");
  notes = take_array (OK (f, "notification", "list", "--user", ESTIMATOR));
  g_assert_cmpuint (json_array_get_length (notes), ==, 1);
  g_assert_nonnull (strstr (str (json_array_get_object_element (notes, 0), "text"),
                            "Площадь, м²: 85"));

  /* the same status again changes nothing, tells nobody */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", design, "--field", "design_project_status=Готов, нужна смета");
  g_assert_cmpuint (n_messages (f), ==, 1);

  /* a repair reaching «Подготовка сметы» (its area required there) */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", repair, "--stage", "Подготовка сметы", "--field", "area=40",
             "--field", "address=Москва, ул. Лесная, 3");
  g_clear_pointer (&messages, json_array_unref);
  messages = take_array (OK (f, "message", "list", "--deal", repair));
  g_assert_cmpuint (json_array_get_length (messages), ==, 1);
  g_assert_nonnull (strstr (str (json_array_get_object_element (messages, 0), "text"),
                            "Площадь, м²: 40\nАдрес объекта: Москва, ул. Лесная, 3"));

  /* only the estimator: 2 messages, 2 notifications, no task */
  g_assert_cmpuint (n_messages (f), ==, 2);
  g_assert_cmpuint (n_notifications (f), ==, 2);
  g_assert_cmpuint (crm_test_take_length (OK (f, "notification", "list", "--user", ESTIMATOR)),
                    ==, 2);
  g_assert_cmpuint (n_tasks (f), ==, 0);
}

/* --- S2-8 ---------------------------------------------------------------------------------- */

/* S2-8: design or repair sold → «Предложить комплектацию» for the manager, tomorrow; not
 * when furnishing itself was sold, nor when it was offered already. */
static void
test_s2_8_upsell (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *design = add_deal_at (f->db, NOW, DESIGN, "Договор на согласовании",
                                         "Дизайн-проект дома", DARIA);
  g_autofree char *furnish = add_deal_at (f->db, NOW, FURNISH, "Счёт выставлен",
                                          "Мебель в гостиную", MAXIM);
  g_autofree char *offered = add_deal_at (f->db, NOW, REPAIR, "Договор на согласовании",
                                          "Ремонт с мебелью", MAXIM);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  JsonObject *task;

  node = OK (f, "deal", "move", design, "--stage", "Договор подписан");
  tasks = take_array (OK (f, "task", "list", "--deal", design));
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  task = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (str (task, "text"), ==, "Предложить комплектацию");
  g_assert_cmpstr (str (task, "type"), ==, "call");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-03T10:00:00Z");
  g_assert_cmpstr (str (task, "responsible"), ==, DARIA);
  g_assert_false (json_object_get_boolean_member (task, "done"));

  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", furnish, "--stage", "Оплачено");
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "set", offered, "--field", "furnishing_offered=yes");
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", offered, "--stage", "Договор подписан");

  g_assert_cmpuint (n_tasks (f), ==, 1);
  g_assert_cmpuint (n_messages (f), ==, 0);
  g_assert_cmpuint (n_notifications (f), ==, 0);
}

/* S2-1 stays: three pipelines, one per service, no «долгий ящик». */
static void
test_s2_1_pipelines (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonArray) pipelines = take_array (OK (f, "pipelines"));

  g_assert_cmpuint (json_array_get_length (pipelines), ==, 3);
  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonArray *stages = json_object_get_array_member (json_array_get_object_element (pipelines, i),
                                                        "stages");
      g_assert_null (crm_test_find_object (stages, "name", "Долгий ящик"));
    }
}

/* --- two laptops and the server ------------------------------------------------------------- */

typedef struct {
  char          *tmpdir;
  CrmTestServer *server;
  char          *a;   /* Дарья's laptop */
  char          *b;   /* Виктория's laptop */
  gint64         base;
} Synced;

static void
synced_sync (Synced     *s,
             const char *db)
{
  const char *user = db == s->a ? DARIA : HEAD;
  g_auto(CrmTestRun) run = { 0 };
  const char *args[] = { "--db", db, "--json", "sync", "--server", s->server->url, "--user", user,
                         "--password-stdin", "--ca-file", s->server->cert, NULL };

  crm_test_run_cli_input (&run, db == s->a ? "rep-password\n" : "head-password\n", args);
  if (run.status != 0)
    g_error ("sync of %s failed (%d): %s %s", user, run.status, run.out, run.err);
}

/* The pinned clock @minutes after the scenario's base (which is in the real past, so
 * the server's own ticks, on the real clock, find the same deadlines due). */
static char *
minutes (Synced *s,
         gint64  minutes)
{
  return crm_time_format (s->base + minutes * 60 * 1000);
}

static void
synced_set_up (Synced *s)
{
  const char *const extra[] = { "--tick-interval", "1", "--delivery-interval", "0", NULL };
  g_autofree char *data = NULL;
  gint64 now = g_get_real_time () / 1000;

  s->tmpdir = crm_test_make_tmpdir ();
  data = g_build_filename (s->tmpdir, "server", NULL);
  g_assert_cmpint (crm_test_server_admin (data, "admin-pw", "account", "create", "studio",
                                          "--template", "design-studio", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (data, "rep-password", "user", "add", "studio", DARIA,
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (data, "head-password", "user", "add", "studio", HEAD,
                                          "--role", "manager", "--password-stdin", NULL), ==, 0);
  s->server = crm_test_server_start (data, FALSE, extra);
  s->a = g_build_filename (s->tmpdir, "daria.db", NULL);
  s->b = g_build_filename (s->tmpdir, "victoria.db", NULL);
  /* 40 minutes ago, on the minute: S2-4's 10 minutes have passed, S2-5's hour has not */
  s->base = (now / 60000) * 60000 - 40 * 60000;
  synced_sync (s, s->a);
  json_node_unref (crm_test_ctl_ok (s->a, NULL, "contact", "add", "--name", CLIENT, "--phone",
                                    "+7 916 123-45-67", NULL));
  synced_sync (s, s->a);
  synced_sync (s, s->b);
}

static void
synced_tear_down (Synced *s)
{
  crm_test_server_tear_down (s->server, s->tmpdir, 0);
  g_free (s->a);
  g_free (s->b);
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Messages and notifications of @db as "recipient|text" lines, sorted: what each replica
 * must agree on. */
static char *
effects (const char *db)
{
  g_autoptr(JsonNode) messages = crm_test_ctl_ok (db, NULL, "message", "list", NULL);
  g_autoptr(JsonNode) notes = crm_test_ctl_ok (db, NULL, "notification", "list", NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array = json_node_get_array (messages);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *m = json_array_get_object_element (array, i);
      g_ptr_array_add (lines, g_strdup_printf ("message %s %s|%s", str (m, "channel"),
                                               str (m, "recipient_name"), str (m, "text")));
    }
  array = json_node_get_array (notes);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *n = json_array_get_object_element (array, i);
      g_ptr_array_add (lines, g_strdup_printf ("notification %s|%s", str (n, "user"),
                                               str (n, "text")));
    }
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static void
assert_no_rejections (const char *db)
{
  g_autoptr(JsonNode) conflicts = crm_test_ctl_ok (db, NULL, "conflicts", NULL);

  g_assert_cmpuint (crm_test_count_objects (json_node_get_array (conflicts), "kind", "rejected"),
                    ==, 0);
}

/* What the server refused of @db: nothing but the duplicate of the «1st attempt»
 * message, which another laptop had already sent for the same attempt count. */
static void
assert_only_duplicate_message_refused (const char *db)
{
  g_autoptr(JsonNode) conflicts = crm_test_ctl_ok (db, NULL, "conflicts", NULL);
  JsonArray *array = json_node_get_array (conflicts);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (g_strcmp0 (str (item, "kind"), "rejected") != 0)
        continue;
      g_assert_cmpstr (str (item, "code"), ==, "duplicate-automation");
      g_assert_cmpstr (str (item, "entity"), ==, "message");
    }
}

/* Waits (bounded) until the server's replica holds @count messages and notifications. */
static void
wait_for_server (Synced *s,
                 guint   count)
{
  /* at most 30 s: the server ticks every second */
  for (guint i = 0; i < 600; i++)
    {
      g_autoptr(CrmStore) store = crm_test_server_open_account (s->server);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) messages = crm_message_list (store, NULL, &error);
      guint n;

      g_assert_no_error (error);
      n = json_array_get_length (json_node_get_array (messages));
      if (n >= count)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("the server's replica never got its %u messages", count);
}

/* S2-4 and S2-5 on two laptops (each ticking offline) and the server (ticking every
 * second on the real clock), synced in random orders: each request not taken into work
 * gives one Telegram message, each pile of overdue tasks one notification and one
 * message — on every replica, with nothing rejected. */
static void
test_synced_timers (void)
{
  for (guint round = 0; round < 4; round++)
    {
      Synced s = { 0 };
      g_autofree char *created = NULL;
      g_autofree char *laptop_tick = NULL;
      g_autofree char *busy = NULL;
      g_autofree char *in_a = NULL;
      g_autofree char *in_b = NULL;
      g_autofree char *title = NULL;
      guint32 seed = g_test_rand_int ();
      GRand *rand = g_rand_new_with_seed (seed);
      enum { A_TICK, B_TICK, A_SYNC, B_SYNC, SERVER, N_STEPS };
      /* round 0: the server's tick first, then Дарья's laptop ticks offline and pushes
       * the same; round 1: the laptop first; then random orders */
      static const guint fixed[2][N_STEPS] = {
        { A_SYNC, SERVER, A_TICK, B_TICK, B_SYNC },
        { A_TICK, B_TICK, A_SYNC, SERVER, B_SYNC },
      };
      guint order[N_STEPS] = { A_TICK, B_TICK, A_SYNC, B_SYNC, SERVER };

      g_test_message ("round %u, seed %u", round, seed);
      synced_set_up (&s);
      created = minutes (&s, 0);
      laptop_tick = minutes (&s, 12);

      /* Дарья takes in two requests and has four tasks falling overdue on a third deal */
      title = g_strdup_printf ("Заявка %u-1", round);
      g_free (add_deal_at (s.a, created, DESIGN, "Новая заявка", title, DARIA));
      g_free (title);
      title = g_strdup_printf ("Заявка %u-2", round);
      g_free (add_deal_at (s.a, created, REPAIR, "Неразобранное", title, DARIA));
      busy = add_deal_at (s.a, created, FURNISH, "Взято в работу", "Кухня", DARIA);
      for (guint i = 1; i <= 4; i++)
        {
          g_autofree char *due = minutes (&s, i);
          g_autoptr(JsonNode) task = crm_test_ctl_ok (s.a, created, "task", "add", "--deal", busy,
                                                      "--text", "Выслать КП", "--due", due,
                                                      "--responsible", DARIA, NULL);
        }

      /* the laptops tick and sync, the server ticks on its own (SERVER: wait until it
       * holds the three messages, once the deals reached it) */
      if (round < G_N_ELEMENTS (fixed))
        memcpy (order, fixed[round], sizeof order);
      else
        for (guint i = N_STEPS - 1; i > 0; i--)
          {
            guint j = g_rand_int_range (rand, 0, i + 1);
            guint swap = order[i];
            order[i] = order[j];
            order[j] = swap;
          }
      for (guint i = 0; i < N_STEPS; i++)
        {
          if (order[i] == A_TICK)
            json_node_unref (crm_test_ctl_ok (s.a, laptop_tick, "tick", NULL));
          else if (order[i] == B_TICK)
            json_node_unref (crm_test_ctl_ok (s.b, laptop_tick, "tick", NULL));
          else if (order[i] == SERVER)
            {
              synced_sync (&s, s.a);
              wait_for_server (&s, 3);
            }
          else
            synced_sync (&s, order[i] == A_SYNC ? s.a : s.b);
        }
      if (round == 0)
        g_assert_cmpuint (crm_test_server_count_log (s.server, "tick:", NULL), >=, 1);
      /* the deals reached the server: its tick makes what no laptop pushed */
      synced_sync (&s, s.a);
      wait_for_server (&s, 3);
      synced_sync (&s, s.a);
      synced_sync (&s, s.b);
      synced_sync (&s, s.a);

      in_a = effects (s.a);
      in_b = effects (s.b);
      g_assert_cmpstr (in_a, ==, in_b);
      {
        g_autofree char *expected = g_strdup_printf (
          "message telegram " HEAD "|Заявку «Заявка %u-1» не взяли в работу за 10 минут "
          "(ответственный: " DARIA "). Передайте её другому менеджеру.\n"
          "message telegram " HEAD "|Заявку «Заявка %u-2» не взяли в работу за 10 минут "
          "(ответственный: " DARIA "). Передайте её другому менеджеру.\n"
          "message telegram " HEAD "|У менеджера " DARIA " просрочено задач: 4. "
          "Перераспределите сделки на других сотрудников.\n"
          "notification " HEAD "|У менеджера " DARIA " просрочено задач: 4. "
          "Перераспределите сделки.", round, round);
        g_assert_cmpstr (in_a, ==, expected);
      }
      assert_no_rejections (s.a);
      assert_no_rejections (s.b);

      g_rand_free (rand);
      synced_tear_down (&s);
    }
}

/* S2-2 on two laptops: each failed attempt is recorded on either laptop (after it synced
 * the previous one), with syncs in a random order between: one message, one recall
 * task, the deal lost — the same on both and on the server. */
static void
test_synced_call_attempts (void)
{
  Synced s = { 0 };
  g_autofree char *deal = NULL;
  g_autofree char *created = NULL;
  guint32 seed = g_test_rand_int ();
  GRand *rand = g_rand_new_with_seed (seed);

  g_test_message ("seed %u", seed);
  synced_set_up (&s);
  created = minutes (&s, 0);
  deal = add_deal_at (s.a, created, DESIGN, "Взято в работу", "Дизайн студии", DARIA);
  {
    g_autoptr(JsonNode) task = crm_test_ctl_ok (s.a, created, "task", "add", "--deal", deal,
                                                "--text", "Договориться о встрече", "--due",
                                                "+2d", NULL);
  }
  synced_sync (&s, s.a);

  for (guint attempt = 1; attempt <= 3; attempt++)
    {
      const char *db = g_rand_boolean (rand) ? s.a : s.b;
      g_autofree char *task = NULL;

      synced_sync (&s, db);
      task = add_call_at (db, created, deal, DARIA);
      json_node_unref (crm_test_ctl_ok (db, created, "task", "done", task, "--result",
                                        "Не дозвонился", NULL));
      if (g_rand_boolean (rand))
        synced_sync (&s, db == s.a ? s.b : s.a);
      synced_sync (&s, db);
    }
  synced_sync (&s, s.a);
  synced_sync (&s, s.b);

  for (guint r = 0; r < 2; r++)
    {
      const char *db = r == 0 ? s.a : s.b;
      g_autoptr(JsonNode) shown = crm_test_ctl_ok (db, NULL, "deal", "show", deal, NULL);
      g_autoptr(JsonNode) messages = crm_test_ctl_ok (db, NULL, "message", "list", NULL);
      g_autoptr(JsonNode) tasks = crm_test_ctl_ok (db, NULL, "task", "list", "--deal", deal, NULL);
      JsonObject *object = json_node_get_object (shown);

      g_assert_cmpstr (str (object, "stage"), ==, LOST);
      g_assert_cmpstr (str (object, "loss_reason"), ==, "Перестал выходить на связь");
      g_assert_cmpint (attempts (object), ==, 3);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (messages)), ==, 1);
      g_assert_cmpuint (crm_test_count_objects (json_node_get_array (tasks), "text",
                        "Перезвонить клиенту: вторая попытка дозвона не удалась"), ==, 1);
      /* 3 calls, the recall, the meeting task */
      g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 5);
      assert_no_rejections (db);
    }
  g_rand_free (rand);
  synced_tear_down (&s);
}

/* S2-2 on two laptops offline at once: Дарья and Виктория each fail to reach the client,
 * neither having seen the other's attempt. After the syncs, in either order: two
 * attempts everywhere, exactly one «1st attempt» message, and the 2nd attempt's recall
 * task once; a third attempt then closes the deal as lost on every replica. */
static void
test_synced_call_attempts_offline (void)
{
  for (guint round = 0; round < 2; round++)
    {
      Synced s = { 0 };
      g_autofree char *deal = NULL;
      g_autofree char *created = NULL;
      g_autofree char *call_a = NULL;
      g_autofree char *call_b = NULL;

      g_test_message ("round %u: %s pushes first", round, round == 0 ? DARIA : HEAD);
      synced_set_up (&s);
      created = minutes (&s, 0);
      deal = add_deal_at (s.a, created, DESIGN, "Взято в работу", "Дизайн студии", DARIA);
      json_node_unref (crm_test_ctl_ok (s.a, created, "task", "add", "--deal", deal, "--text",
                                        "Договориться о встрече", "--due", "+2d", NULL));
      call_a = add_call_at (s.a, created, deal, DARIA);
      call_b = add_call_at (s.a, created, deal, DARIA);
      synced_sync (&s, s.a);
      synced_sync (&s, s.b);

      /* offline, each laptop records a failed attempt: each counts 1 and queues its
       * «1st attempt» message */
      json_node_unref (crm_test_ctl_ok (s.a, created, "task", "done", call_a, "--result",
                                        "Не дозвонился", NULL));
      json_node_unref (crm_test_ctl_ok (s.b, created, "task", "done", call_b, "--result",
                                        "Не дозвонился", NULL));
      synced_sync (&s, round == 0 ? s.a : s.b);
      synced_sync (&s, round == 0 ? s.b : s.a);
      synced_sync (&s, round == 0 ? s.a : s.b);

      for (guint r = 0; r < 3; r++)
        {
          g_autoptr(CrmStore) account = r == 2 ? crm_test_server_open_account (s.server) : NULL;
          g_autoptr(JsonObject) shown = NULL;
          g_autoptr(JsonArray) messages = NULL;
          g_autoptr(JsonArray) tasks = NULL;

          if (r < 2)
            {
              const char *db = r == 0 ? s.a : s.b;

              shown = crm_test_take_object (crm_test_ctl_ok (db, NULL, "deal", "show", deal, NULL));
              messages = take_array (crm_test_ctl_ok (db, NULL, "message", "list", NULL));
              tasks = take_array (crm_test_ctl_ok (db, NULL, "task", "list", "--deal", deal, NULL));
              /* the laptop that synced first had nothing refused; the other's duplicate
               * «1st attempt» message was (listed to its author, DESIGN.md) */
              if (db == (round == 0 ? s.a : s.b))
                assert_no_rejections (db);
              else
                assert_only_duplicate_message_refused (db);
            }
          else
            {
              g_autoptr(GError) error = NULL;

              shown = crm_query_deal (account, deal, &error);
              g_assert_no_error (error);
              messages = take_array (crm_message_list (account, NULL, &error));
              g_assert_no_error (error);
              tasks = take_array (crm_query_tasks (account, deal, FALSE, NULL, &error));
              g_assert_no_error (error);
            }
          g_test_message ("replica %u", r);
          g_assert_cmpint (attempts (shown), ==, 2);
          g_assert_cmpuint (json_array_get_length (messages), ==, 1);
          g_assert_cmpuint (crm_test_count_objects (tasks, "text",
                            "Перезвонить клиенту: вторая попытка дозвона не удалась"), ==, 1);
        }

      /* the third attempt, on either laptop: lost everywhere */
      {
        const char *db = round == 0 ? s.b : s.a;
        g_autofree char *call_c = add_call_at (db, created, deal, DARIA);

        json_node_unref (crm_test_ctl_ok (db, created, "task", "done", call_c, "--result",
                                          "Не дозвонился", NULL));
      }
      synced_sync (&s, round == 0 ? s.b : s.a);
      synced_sync (&s, round == 0 ? s.a : s.b);
      for (guint r = 0; r < 2; r++)
        {
          const char *db = r == 0 ? s.a : s.b;
          g_autoptr(JsonObject) shown = crm_test_take_object (crm_test_ctl_ok (db, NULL, "deal",
                                                                               "show", deal, NULL));

          g_assert_cmpstr (str (shown, "stage"), ==, LOST);
          g_assert_cmpstr (str (shown, "loss_reason"), ==, "Перестал выходить на связь");
          g_assert_cmpint (attempts (shown), ==, 3);
          g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (db, NULL, "message", "list",
                                                                   NULL)), ==, 1);
          /* a third attempt each laptop saw counted as the third: nothing more refused */
          assert_only_duplicate_message_refused (db);
        }
      synced_tear_down (&s);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/scenario/s2/" path, Fixture, NULL, fixture_set_up, func, \
              crm_test_replica_dir_tear_down)
  ADD ("S2-1-pipelines", test_s2_1_pipelines);
  ADD ("S2-2-call-attempts", test_s2_2_call_attempts);
  ADD ("S2-2-messenger-first", test_s2_2_messenger);
  ADD ("S2-4-not-taken-in-10-minutes", test_s2_4_not_taken);
  ADD ("S2-5-deviations", test_s2_5_deviations);
  ADD ("S2-6-estimators", test_s2_6_estimators);
  ADD ("S2-8-upsell", test_s2_8_upsell);
#undef ADD
  g_test_add_func ("/scenario/s2/synced/S2-4-S2-5-timers", test_synced_timers);
  g_test_add_func ("/scenario/s2/synced/S2-2-call-attempts", test_synced_call_attempts);
  g_test_add_func ("/scenario/s2/synced/S2-2-offline-at-once", test_synced_call_attempts_offline);

  return g_test_run ();
}
