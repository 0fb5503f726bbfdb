/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rules-process.c — the engine features a sales process needs (SPEC S2, issue 15),
 * each on its own through the real voronkactl with the clock pinned, on a small account
 * whose template holds only the rules under test: the "task_completed" trigger's
 * "result", counter fields ("increment", the "counter" condition), "close_lost",
 * recipients "group:G" and "group_head" with the deal's "fields" in the text, the
 * invariant timers (not_taken, no_open_task, overdue_tasks: once per deadline), a
 * stage's auto-tasks following the deal, and rule definitions refused naming the bad
 * part. */
#include <string.h>

#include "crm-test-util.h"

/* A Monday */
#define NOW "2026-03-02T10:00:00Z"

#define TEMPLATE \
  "{\"name\": \"process-test\", \"title\": \"Process test\"," \
  " \"users\": [{\"name\": \"admin\", \"role\": \"admin\", \"group\": \"Руководство\"}," \
  "   {\"name\": \"Иван Петров\", \"role\": \"manager\", \"group\": \"Продажи\"}," \
  "   {\"name\": \"Пётр Сидоров\", \"role\": \"rep\", \"group\": \"Продажи\"}," \
  "   {\"name\": \"Анна Белова\", \"role\": \"rep\", \"group\": \"Сметы\"}," \
  "   {\"name\": \"Олег Козлов\", \"role\": \"rep\", \"group\": \"Сметы\"}]," \
  " \"pipelines\": [{\"name\": \"Продажи\", \"stages\": [" \
  "   {\"name\": \"Неразобранное\", \"kind\": \"unsorted\"}, {\"name\": \"Новая\", \"kind\": \"open\"}," \
  "   {\"name\": \"Работа\", \"kind\": \"open\"}, {\"name\": \"Успех\", \"kind\": \"won\"}," \
  "   {\"name\": \"Провал\", \"kind\": \"lost\"}]}]," \
  " \"loss_reasons\": [\"Пропал\", \"Дорого\"]," \
  " \"fields\": [{\"entity\": \"deal\", \"key\": \"attempts\", \"label\": \"Попытки\", \"type\": \"counter\"}," \
  "   {\"entity\": \"deal\", \"key\": \"area\", \"label\": \"Площадь\", \"type\": \"number\"}," \
  "   {\"entity\": \"deal\", \"key\": \"address\", \"label\": \"Адрес\", \"type\": \"text\"}]," \
  " \"rules\": %s}"

typedef CrmTestReplicaDir Fixture;

#define OK(f, now, ...) crm_test_ctl_ok ((f)->db, (now), __VA_ARGS__, NULL)
#define str(object, member) crm_test_get_string ((object), (member))

/* A replica of the test template with @rules (a JSON array). */
static void
make_account (Fixture    *f,
              const char *rules)
{
  g_autofree char *text = g_strdup_printf (TEMPLATE, rules);
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) init = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "process.db", NULL);
  path = g_build_filename (f->dir, "process-test.json", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", path, NULL);
}

static char *
add_deal (Fixture    *f,
          const char *now,
          const char *stage,
          const char *title)
{
  g_autoptr(JsonNode) contact = NULL;
  JsonNode *deal = OK (f, now, "deal", "add", "--pipeline", "Продажи", "--stage", stage,
                       "--title", title, "--responsible", "Пётр Сидоров");
  char *id = crm_test_dup_id (deal);

  json_node_unref (deal);
  return id;
}

static char *
add_task (Fixture    *f,
          const char *now,
          const char *deal,
          const char *type,
          const char *due)
{
  JsonNode *task = OK (f, now, "task", "add", "--deal", deal, "--text", "Позвонить", "--type",
                       type, "--due", due, "--responsible", "Пётр Сидоров");
  char *id = crm_test_dup_id (task);

  json_node_unref (task);
  return id;
}

static void
done (Fixture    *f,
      const char *now,
      const char *task,
      const char *result)
{
  json_node_unref (OK (f, now, "task", "done", task, "--result", result));
}

static JsonObject *
show (Fixture    *f,
      const char *deal)
{
  return crm_test_take_object (OK (f, NOW, "deal", "show", deal));
}

static guint
n_notifications (Fixture *f)
{
  return crm_test_take_length (OK (f, NOW, "notification", "list"));
}

static gint64
counter (Fixture    *f,
         const char *deal)
{
  g_autoptr(JsonObject) object = show (f, deal);
  JsonObject *fields = json_object_get_object_member (object, "fields");

  return fields != NULL ? json_object_get_int_member_with_default (fields, "attempts", 0) : 0;
}

static guint
fired (Fixture    *f,
       const char *now)
{
  g_autoptr(JsonObject) result = crm_test_take_object (OK (f, now, "tick"));

  return (guint) json_object_get_int_member (result, "fired");
}

/* --- the result of a call as a trigger ---------------------------------------------------- */

static void
test_task_result (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *other = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *busy = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *note;

  make_account (f, "[{\"name\": \"Недозвон\", \"trigger\": {\"type\": \"task_completed\","
                   " \"task_type\": \"call\", \"result\": [\"Не дозвонился\", \"Занято\"]},"
                   " \"actions\": [{\"type\": \"notify\", \"user\": \"deal\","
                   "  \"text\": \"Недозвон: {title}\"}]}]");
  deal = add_deal (f, NOW, "Новая", "Квартира на Лесной");
  other = add_task (f, NOW, deal, "call", "+1d");
  plain = add_task (f, NOW, deal, "task", "+1d");
  busy = add_task (f, NOW, deal, "call", "+1d");

  /* a call that went through, and a plain task with the words: nothing */
  done (f, NOW, other, "Договорились о встрече");
  done (f, NOW, plain, "Не дозвонился");
  g_assert_cmpuint (n_notifications (f), ==, 0);

  /* people type: case and spaces around do not matter */
  done (f, NOW, busy, "  не дозвонился ");
  list = OK (f, NOW, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  note = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (str (note, "user"), ==, "Пётр Сидоров");
  g_assert_cmpstr (str (note, "text"), ==, "Недозвон: Квартира на Лесной");
}

/* --- counters --------------------------------------------------------------------------- */

static void
test_counter (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) tasks = NULL;

  make_account (f, "[{\"name\": \"Считать\", \"trigger\": {\"type\": \"task_completed\","
                   " \"result\": \"Не дозвонился\"},"
                   " \"actions\": [{\"type\": \"increment\", \"field\": \"attempts\"}]},"
                   " {\"name\": \"Вторая\", \"trigger\": {\"type\": \"field_changed\","
                   "  \"field\": \"attempts\"},"
                   "  \"conditions\": [{\"type\": \"counter\", \"field\": \"attempts\","
                   "   \"equals\": 2}],"
                   "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Вторая попытка\"}]},"
                   " {\"name\": \"Много\", \"trigger\": {\"type\": \"field_changed\","
                   "  \"field\": \"attempts\"},"
                   "  \"conditions\": [{\"type\": \"counter\", \"field\": \"attempts\","
                   "   \"at_least\": 3}, {\"type\": \"counter\", \"field\": \"attempts\","
                   "   \"at_most\": 3}],"
                   "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Третья попытка\"}]}]");
  deal = add_deal (f, NOW, "Новая", "Дом в Истре");
  g_assert_cmpint (counter (f, deal), ==, 0);

  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *task = add_task (f, NOW, deal, "task", "+1d");

      done (f, NOW, task, "Не дозвонился");
      g_assert_cmpint (counter (f, deal), ==, i);
    }
  /* "equals 2" once, "3 … 3" once: one task each, open */
  tasks = OK (f, NOW, "task", "list", "--deal", deal, "--open");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 2);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (tasks), "text", "Вторая попытка"));
  g_assert_nonnull (crm_test_find_object (json_node_get_array (tasks), "text", "Третья попытка"));

  /* a counter counts from 0: a negative value is refused, naming the field */
  crm_test_ctl (&run, f->db, NOW, "deal", "set", deal, "--field", "attempts=-1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "Попытки"));
  g_assert_cmpint (counter (f, deal), ==, 4);
}

/* --- closing as lost ---------------------------------------------------------------------- */

static void
test_close_lost (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *by_hand = NULL;
  g_autofree char *won = NULL;
  g_autofree char *task = NULL;
  g_autoptr(JsonObject) closed = NULL;
  g_autoptr(JsonObject) manual = NULL;
  g_autoptr(JsonObject) still_won = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *history;

  make_account (f, "[{\"name\": \"Отказ по звонку\", \"trigger\": {\"type\": \"task_completed\","
                   " \"result\": \"Отказ\"},"
                   " \"actions\": [{\"type\": \"close_lost\", \"reason\": \"Пропал\"}]}]");
  deal = add_deal (f, NOW, "Работа", "Офис на Тверской");
  by_hand = add_deal (f, NOW, "Работа", "Офис на Арбате");
  won = add_deal (f, NOW, "Успех", "Продано");
  task = add_task (f, NOW, deal, "task", "+1d");
  done (f, NOW, task, "Отказ");

  /* as if closed by hand: the lost stage, the reason by name, the rule in the history */
  closed = show (f, deal);
  g_assert_cmpstr (str (closed, "stage"), ==, "Провал");
  g_assert_cmpstr (str (closed, "stage_kind"), ==, "lost");
  g_assert_cmpstr (str (closed, "loss_reason"), ==, "Пропал");
  history = json_object_get_array_member (closed, "history");
  g_assert_nonnull (crm_test_find_object (history, "by_rule", "Отказ по звонку"));
  moved = OK (f, NOW, "deal", "move", by_hand, "--stage", "Провал", "--loss-reason", "Пропал");
  manual = show (f, by_hand);
  g_assert_cmpstr (str (manual, "loss_reason"), ==, str (closed, "loss_reason"));
  crm_test_run_cli (&run, "--db", f->db, "deal", "show", deal, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Пропал"));

  /* a won deal is not closed again */
  {
    g_autofree char *won_task = add_task (f, NOW, won, "task", "+1d");
    done (f, NOW, won_task, "Отказ");
  }
  still_won = show (f, won);
  g_assert_cmpstr (str (still_won, "stage"), ==, "Успех");

  /* a reason the pipeline does not have: the change is refused, naming rule and reason */
  {
    g_autofree char *path = g_build_filename (f->dir, "bad.json", NULL);
    g_autofree char *open_deal = add_deal (f, NOW, "Работа", "Склад");
    g_autofree char *open_task = add_task (f, NOW, open_deal, "task", "+1d");
    g_autofree char *message = NULL;
    g_autoptr(JsonNode) imported = NULL;
    g_autoptr(JsonObject) unchanged = NULL;

    g_assert_true (g_file_set_contents (path,
      "{\"name\": \"Отказ по звонку\", \"trigger\": {\"type\": \"task_completed\","
      " \"result\": \"Отказ\"},"
      " \"actions\": [{\"type\": \"close_lost\", \"reason\": \"Нет такой\"}]}", -1, NULL));
    imported = OK (f, NOW, "rule", "import", path);
    crm_test_ctl (&run, f->db, NOW, "task", "done", open_task, "--result", "Отказ", NULL);
    message = crm_test_assert_refused (&run, "not-found");
    g_assert_nonnull (strstr (message, "Отказ по звонку"));
    g_assert_nonnull (strstr (message, "Нет такой"));
    unchanged = show (f, open_deal);
    g_assert_cmpstr (str (unchanged, "stage"), ==, "Работа");
    list = OK (f, NOW, "task", "list", "--deal", open_deal, "--open");
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  }
}

/* --- recipients: a group, the group head, the deal's fields -------------------------------- */

static void
test_group_recipients (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autoptr(JsonNode) messages = NULL;
  g_autoptr(JsonNode) notes = NULL;
  g_autoptr(JsonNode) set = NULL;
  JsonObject *anna;
  JsonObject *head;

  make_account (f, "[{\"name\": \"Нужна смета\", \"trigger\": {\"type\": \"field_changed\","
                   " \"field\": \"area\"},"
                   " \"actions\": [{\"type\": \"send_message\", \"to\": \"group:Сметы\","
                   "  \"channel\": \"telegram\", \"text\": \"Смета: {deal.title}\","
                   "  \"fields\": [\"area\", \"address\"]},"
                   "  {\"type\": \"notify\", \"user\": \"group_head\", \"text\": \"{user}: {title}\"}]}]");
  deal = add_deal (f, NOW, "Работа", "Квартира на Мира");
  set = OK (f, NOW, "deal", "set", deal, "--field", "address=Москва, пр. Мира, 1",
            "--field", "area=85");

  /* one message per member of «Сметы», the fields as people read them */
  messages = OK (f, NOW, "message", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (messages)), ==, 2);
  anna = crm_test_find_object (json_node_get_array (messages), "recipient_name", "Анна Белова");
  g_assert_nonnull (anna);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (messages), "recipient_name",
                                          "Олег Козлов"));
  g_assert_cmpstr (str (anna, "channel"), ==, "telegram");
  g_assert_cmpstr (str (anna, "status"), ==, "queued");
  g_assert_cmpstr (str (anna, "text"), ==,
                   "Смета: Квартира на Мира\nПлощадь: 85\nАдрес: Москва, пр. Мира, 1");

  /* the head of the deal's responsible's group: the manager of «Продажи» */
  notes = OK (f, NOW, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 1);
  head = json_array_get_object_element (json_node_get_array (notes), 0);
  g_assert_cmpstr (str (head, "user"), ==, "Иван Петров");
  g_assert_cmpstr (str (head, "text"), ==, "Пётр Сидоров: Квартира на Мира");
}

/* --- invariant timers --------------------------------------------------------------------- */

static void
test_timer_not_taken (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *waiting = NULL;
  g_autofree char *taken = NULL;
  g_autofree char *late = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) notes = NULL;
  JsonObject *note;

  make_account (f, "[{\"name\": \"Не взята\", \"trigger\": {\"type\": \"timer\","
                   " \"from\": \"not_taken\", \"stages\": [\"Неразобранное\", \"Новая\"],"
                   " \"after\": {\"minutes\": 10}},"
                   " \"actions\": [{\"type\": \"notify\", \"user\": \"Иван Петров\","
                   "  \"text\": \"Не взята: {title}\"}]}]");
  waiting = add_deal (f, NOW, "Неразобранное", "Ждёт");
  taken = add_deal (f, NOW, "Новая", "Взяли");
  late = add_deal (f, "2026-03-02T10:08:00Z", "Новая", "Позже");
  moved = OK (f, "2026-03-02T10:03:00Z", "deal", "move", waiting, "--stage", "Новая");
  g_clear_pointer (&moved, json_node_unref);
  moved = OK (f, "2026-03-02T10:05:00Z", "deal", "move", taken, "--stage", "Работа");

  g_assert_cmpuint (fired (f, "2026-03-02T10:09:59Z"), ==, 0);
  /* counted from creation, not from the move between the two waiting stages */
  g_assert_cmpuint (fired (f, "2026-03-02T10:10:00Z"), ==, 1);
  g_assert_cmpuint (fired (f, "2026-03-02T10:15:00Z"), ==, 0);
  g_assert_cmpuint (fired (f, "2026-03-02T10:18:00Z"), ==, 1);
  g_assert_cmpuint (fired (f, "2026-03-02T12:00:00Z"), ==, 0);

  notes = OK (f, NOW, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 2);
  note = crm_test_find_object (json_node_get_array (notes), "text", "Не взята: Ждёт");
  g_assert_nonnull (note);
  /* written as of its deadline: the server and a laptop write the same */
  g_assert_cmpstr (str (note, "created_at"), ==, "2026-03-02T10:10:00Z");
  g_assert_nonnull (crm_test_find_object (json_node_get_array (notes), "text", "Не взята: Позже"));
}

static void
test_timer_no_open_task (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *busy = NULL;
  g_autofree char *won = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *open = NULL;

  make_account (f, "[{\"name\": \"Без задачи\", \"trigger\": {\"type\": \"timer\","
                   " \"from\": \"no_open_task\", \"after\": {\"minutes\": 60}},"
                   " \"actions\": [{\"type\": \"notify\", \"user\": \"group_head\","
                   "  \"text\": \"Без задачи: {title}\"}]}]");
  deal = add_deal (f, NOW, "Работа", "Без задачи");
  busy = add_deal (f, NOW, "Работа", "С задачей");
  won = add_deal (f, NOW, "Успех", "Закрыта");
  first = add_task (f, NOW, deal, "task", "+1d");
  open = add_task (f, NOW, busy, "task", "+1d");
  done (f, "2026-03-02T10:05:00Z", first, "Сделано");

  /* an hour after its last task was done, not after it was created */
  g_assert_cmpuint (fired (f, "2026-03-02T11:04:00Z"), ==, 0);
  g_assert_cmpuint (fired (f, "2026-03-02T11:05:00Z"), ==, 1);
  g_assert_cmpuint (fired (f, "2026-03-02T11:30:00Z"), ==, 0);
  g_assert_cmpuint (n_notifications (f), ==, 1);

  /* a new task, done again: a new deadline, a new notification */
  second = add_task (f, "2026-03-02T12:00:00Z", deal, "task", "+1d");
  done (f, "2026-03-02T13:00:00Z", second, "Сделано");
  g_assert_cmpuint (fired (f, "2026-03-02T13:59:00Z"), ==, 0);
  g_assert_cmpuint (fired (f, "2026-03-02T14:00:00Z"), ==, 1);
  g_assert_cmpuint (n_notifications (f), ==, 2);
  {
    g_autoptr(JsonNode) notes = OK (f, NOW, "notification", "list", "--user", "Иван Петров");
    g_assert_cmpuint (crm_test_count_objects (json_node_get_array (notes), "text",
                                              "Без задачи: Без задачи"), ==, 2);
  }
}

static void
test_timer_overdue (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autoptr(JsonNode) notes = NULL;
  JsonObject *note;

  make_account (f, "[{\"name\": \"Просрочки\", \"trigger\": {\"type\": \"timer\","
                   " \"from\": \"overdue_tasks\", \"more_than\": 2},"
                   " \"actions\": [{\"type\": \"notify\", \"user\": \"group_head\","
                   "  \"text\": \"{user}: просрочено {overdue}\"}]}]");
  deal = add_deal (f, NOW, "Работа", "Много задач");
  g_free (add_task (f, NOW, deal, "task", "2026-03-02T11:00:00Z"));
  g_free (add_task (f, NOW, deal, "task", "2026-03-02T12:00:00Z"));
  g_free (add_task (f, NOW, deal, "task", "2026-03-02T13:00:00Z"));

  g_assert_cmpuint (fired (f, "2026-03-02T12:30:00Z"), ==, 0);
  g_assert_cmpuint (fired (f, "2026-03-02T13:00:00Z"), ==, 0);  /* due now is not overdue */
  g_assert_cmpuint (fired (f, "2026-03-02T13:01:00Z"), ==, 1);
  g_assert_cmpuint (fired (f, "2026-03-02T18:00:00Z"), ==, 0);

  notes = OK (f, NOW, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 1);
  note = json_array_get_object_element (json_node_get_array (notes), 0);
  g_assert_cmpstr (str (note, "user"), ==, "Иван Петров");
  g_assert_cmpstr (str (note, "text"), ==, "Пётр Сидоров: просрочено 3");
  g_assert_cmpstr (str (note, "created_at"), ==, "2026-03-02T13:00:00Z");
}

/* --- tasks follow the deal ------------------------------------------------------------------ */

static void
test_tasks_follow_deal (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *own = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  JsonObject *call;
  JsonObject *meeting;

  make_account (f, "[{\"name\": \"Звонок\", \"trigger\": {\"type\": \"stage_entered\","
                   " \"stage\": \"Новая\"},"
                   " \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить\","
                   "  \"task_type\": \"call\"}]},"
                   " {\"name\": \"Встреча\", \"trigger\": {\"type\": \"stage_entered\","
                   "  \"stage\": \"Работа\"},"
                   "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Встреча\"}]},"
                   " {\"name\": \"Выполнено\", \"trigger\": {\"type\": \"task_completed\"},"
                   "  \"actions\": [{\"type\": \"notify\", \"text\": \"Выполнено\"}]}]");
  deal = add_deal (f, NOW, "Новая", "Следует за сделкой");
  own = add_task (f, NOW, deal, "task", "+2d");

  /* leaving «Новая»: its call closes, the hand-made task stays, «Работа» brings its own */
  node = OK (f, NOW, "deal", "move", deal, "--stage", "Работа");
  tasks = OK (f, NOW, "task", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 3);
  call = crm_test_find_object (json_node_get_array (tasks), "text", "Позвонить");
  g_assert_true (json_object_get_boolean_member (call, "done"));
  g_assert_cmpstr (str (call, "result"), ==, "закрыта вместе с этапом");
  meeting = crm_test_find_object (json_node_get_array (tasks), "text", "Встреча");
  g_assert_false (json_object_get_boolean_member (meeting, "done"));
  /* nobody completed it: no "task_completed" rule ran */
  g_assert_cmpuint (n_notifications (f), ==, 0);

  /* won: every auto-task closes; the hand-made one is the person's to close */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, NOW, "deal", "move", deal, "--stage", "Успех");
  g_clear_pointer (&tasks, json_node_unref);
  tasks = OK (f, NOW, "task", "list", "--deal", deal, "--open");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (tasks), 0), "id"),
                   ==, own);
  g_clear_pointer (&tasks, json_node_unref);
  tasks = OK (f, NOW, "task", "list", "--deal", deal);
  meeting = crm_test_find_object (json_node_get_array (tasks), "text", "Встреча");
  g_assert_cmpstr (str (meeting, "result"), ==, "закрыта вместе с этапом");
  g_assert_cmpuint (n_notifications (f), ==, 0);
}

/* --- bad definitions ------------------------------------------------------------------------ */

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  static const struct {
    const char *rule;
    const char *position;
    const char *words;
  } cases[] = {
    { "\"trigger\": {\"type\": \"deal_created\"}, \"actions\": [{\"type\": \"increment\"}]",
      "actions[0]", "field" },
    { "\"trigger\": {\"type\": \"deal_created\"}, \"actions\": [{\"type\": \"increment\","
      " \"field\": \"attempts\", \"by\": \"two\"}]", "actions[0]", "by" },
    { "\"trigger\": {\"type\": \"deal_created\"}, \"actions\": [{\"type\": \"close_lost\"}]",
      "actions[0]", "reason" },
    { "\"trigger\": {\"type\": \"deal_created\"}, \"conditions\": [{\"type\": \"counter\","
      " \"field\": \"attempts\"}], \"actions\": []", "conditions[0]", "equals" },
    { "\"trigger\": {\"type\": \"timer\", \"from\": \"whenever\"}, \"actions\": []",
      "trigger", "whenever" },
    { "\"trigger\": {\"type\": \"timer\", \"from\": \"overdue_tasks\"}, \"actions\": []",
      "trigger", "more_than" },
    { "\"trigger\": {\"type\": \"timer\", \"from\": \"not_taken\"}, \"actions\": []",
      "trigger", "stages" },
    { "\"trigger\": {\"type\": \"task_completed\", \"result\": 5}, \"actions\": []",
      "trigger", "result" },
    { "\"trigger\": {\"type\": \"deal_created\"}, \"actions\": [{\"type\": \"notify\","
      " \"user\": \"group:\", \"text\": \"x\"}]", "actions[0]", "group" },
    { "\"trigger\": {\"type\": \"deal_created\"}, \"actions\": [{\"type\": \"send_message\","
      " \"to\": \"client\", \"text\": \"x\", \"fields\": \"area\"}]", "actions[0]", "fields" },
  };
  g_autofree char *path = NULL;

  make_account (f, "[]");
  path = g_build_filename (f->dir, "rule.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"name\": \"Плохое правило\", %s}",
                                               cases[i].rule);
      g_auto(CrmTestRun) run = { 0 };
      g_autofree char *message = NULL;
      g_autoptr(JsonNode) rules = NULL;

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      crm_test_ctl (&run, f->db, NOW, "rule", "import", path, NULL);
      message = crm_test_assert_refused (&run, "invalid-input");
      if (strstr (message, cases[i].position) == NULL || strstr (message, cases[i].words) == NULL)
        g_error ("case %u: «%s» does not name %s and %s", i, message, cases[i].position,
                 cases[i].words);
      rules = OK (f, NOW, "rules");
      g_assert_cmpuint (json_array_get_length (json_node_get_array (rules)), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/rules-process/" path, Fixture, NULL, NULL, func, crm_test_replica_dir_tear_down)
  ADD ("trigger/task-result", test_task_result);
  ADD ("counter", test_counter);
  ADD ("action/close-lost", test_close_lost);
  ADD ("recipients/group-and-fields", test_group_recipients);
  ADD ("timer/not-taken", test_timer_not_taken);
  ADD ("timer/no-open-task", test_timer_no_open_task);
  ADD ("timer/overdue-tasks", test_timer_overdue);
  ADD ("tasks-follow-the-deal", test_tasks_follow_deal);
  ADD ("validation", test_validation);
#undef ADD

  return g_test_run ();
}
