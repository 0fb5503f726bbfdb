/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario-s1.c — the B2B distributor (SPEC.md S1, seed 001) through the real
 * voronkactl with the clock pinned: leads converted into deals (S1-1), required fields
 * bound to stages (S1-2), auto-tasks with checklists (S1-3), no open deal without an
 * open task (S1-4), repeat sales and lost clients (S1-5), the photo of the sample at the
 * meeting (S1-6), the NPS survey after the first delivery (S1-8) and the returning
 * client flagged to their manager (S1-9). */
#include <string.h>

#include "crm-test-util.h"

/* A Monday: "+1 working day" is Tuesday 03-03, "+3 working days" Thursday 03-05. */
#define NOW "2026-03-02T10:00:00Z"

#define LEADS  "Лиды"
#define DEALS  "Сделки"
#define REPEAT "Повторные продажи"
#define COLD   "Холодные продажи"

/* The fields S1-2 binds to «Квалифицирован» of Лиды and «Коммерческое предложение». */
#define QUALIFIED_FIELDS \
  "--field", "target_audience=Продуктовые магазины у дома", \
  "--field", "geography=Екатеринбург и область", \
  "--field", "business_type=Сеть"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) company = NULL;
  g_autoptr(JsonNode) contact = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "distributor.db", NULL);
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", "b2b-distributor", NULL);
  company = crm_test_ctl_ok (f->db, NOW, "company", "add", "--name", "ООО Ромашка", NULL);
  contact = crm_test_ctl_ok (f->db, NOW, "contact", "add", "--name", "Лебедева Ирина",
                             "--company", "ООО Ромашка", "--email", "irina@romashka.ru", NULL);
}

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

static guint
n_deals (Fixture    *f,
         const char *pipeline)
{
  g_autoptr(JsonNode) list = OK (f, "deal", "list", "--pipeline", pipeline);

  return json_array_get_length (json_node_get_array (list));
}

/* The open tasks of a deal. */
static JsonNode *
open_tasks (Fixture    *f,
            const char *deal_id)
{
  return OK (f, "task", "list", "--deal", deal_id, "--open");
}

/* The task of @deal_id with @text; it must be there exactly once. */
static JsonObject *
task_with_text (Fixture    *f,
                const char *deal_id,
                const char *text)
{
  g_autoptr(JsonNode) tasks = OK (f, "task", "list", "--deal", deal_id);
  JsonArray *array = json_node_get_array (tasks);
  JsonObject *task;

  if (crm_test_count_objects (array, "text", text) != 1)
    g_error ("deal %s: expected one task «%s», have %u", deal_id, text,
             crm_test_count_objects (array, "text", text));
  task = crm_test_find_object (array, "text", text);
  return json_object_ref (task);
}

/* The checklist of @task is exactly @items (NULL-terminated), none done. */
static void
assert_checklist (JsonObject         *task,
                  const char * const *items)
{
  JsonArray *checklist = json_object_get_array_member (task, "checklist");
  guint n = g_strv_length ((char **) items);

  g_assert_nonnull (checklist);
  g_assert_cmpuint (json_array_get_length (checklist), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = json_array_get_object_element (checklist, i);

      g_assert_cmpstr (str (item, "text"), ==, items[i]);
      g_assert_false (json_object_get_boolean_member (item, "done"));
    }
}

/* The one deal of @pipeline, which must be alone there. */

/* A deal in «Сделки» at @stage for ООО Ромашка, kept by Никита Орлов, with every field
 * the later stages need. */
static char *
add_client_deal (Fixture    *f,
                 const char *stage,
                 const char *title)
{
  g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", DEALS, "--stage", stage,
                                 "--title", title, "--company", "ООО Ромашка",
                                 "--contact", "Лебедева Ирина", "--tag", "Первый заказ",
                                 "--responsible", "Никита Орлов", "--amount", "350000.00",
                                 QUALIFIED_FIELDS, "--field", "order_volume=350000.00");

  return id_of (deal);
}

/* S1-1: a lead that converts opens a deal in «Сделки» with what the lead knew. */
static void
test_s1_1_lead_to_deal (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) lead_node = OK (f, "deal", "add", "--pipeline", LEADS,
                                      "--title", "Заявка с сайта: Ромашка",
                                      "--company", "ООО Ромашка", "--contact", "Лебедева Ирина",
                                      "--tag", "Образец", "--responsible", "Анна Белова",
                                      "--source", "Сайт", "--amount", "120000.00");
  g_autofree char *lead = id_of (lead_node);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) task = NULL;
  JsonObject *fields;

  g_assert_cmpstr (str (json_node_get_object (lead_node), "stage"), ==, "Неразобранное");
  node = OK (f, "deal", "move", lead, "--stage", "Квалифицирован", QUALIFIED_FIELDS);
  g_assert_cmpuint (n_deals (f, DEALS), ==, 0);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", lead, "--stage", "Сконвертирован в сделку");
  g_assert_cmpstr (str (json_node_get_object (node), "stage_kind"), ==, "won");

  deal = only_deal_in (f, DEALS);
  g_assert_cmpstr (str (deal, "id"), !=, lead);
  g_assert_cmpstr (str (deal, "stage"), ==, "Новая сделка");
  g_assert_cmpstr (str (deal, "title"), ==, "Заявка с сайта: Ромашка");
  g_assert_cmpstr (str (deal, "company"), ==, "ООО Ромашка");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (deal, "contacts"),
                                                  0), ==, "Лебедева Ирина");
  g_assert_true (has_string (json_object_get_array_member (deal, "tags"), "Образец"));
  g_assert_cmpstr (str (deal, "responsible"), ==, "Анна Белова");
  g_assert_cmpstr (str (deal, "amount"), ==, "120000.00");
  fields = json_object_get_object_member (deal, "fields");
  g_assert_cmpstr (str (fields, "target_audience"), ==, "Продуктовые магазины у дома");
  g_assert_cmpstr (str (fields, "geography"), ==, "Екатеринбург и область");
  g_assert_cmpstr (str (fields, "business_type"), ==, "Сеть");
  g_assert_cmpstr (str (fields, "source"), ==, "Сайт");

  /* the new deal starts with its first auto-task (S1-3) */
  task = task_with_text (f, str (deal, "id"), "Назначить встречу или звонок");
  g_assert_cmpstr (str (task, "responsible"), ==, "Анна Белова");
  /* the lead stays converted; one deal in «Сделки», nothing in the other pipelines */
  g_assert_cmpuint (n_deals (f, LEADS), ==, 1);
  g_assert_cmpuint (n_deals (f, REPEAT), ==, 0);
  g_assert_cmpuint (n_deals (f, COLD), ==, 0);
}

/* S1-2: the required fields are named when missing, and the move passes once given. */
static void
test_s1_2_required_fields (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(JsonNode) lead_node = OK (f, "deal", "add", "--pipeline", LEADS, "--stage",
                                      "Квалификация", "--title", "Сеть «Продукты 24»");
  g_autofree char *lead = id_of (lead_node);
  g_autofree char *deal = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *missing;
  gint64 before = log_length (f);

  crm_test_ctl (&run, f->db, NOW, "deal", "move", lead, "--stage", "Квалифицирован", NULL);
  message = crm_test_assert_refused (&run, "required-field");
  g_assert_nonnull (strstr (message, "Целевая аудитория клиента"));
  g_assert_nonnull (strstr (message, "География работы"));
  g_assert_nonnull (strstr (message, "Тип бизнеса"));
  g_assert_null (strstr (message, "Объём заказа"));
  error = crm_test_parse_json (run.out);
  missing = json_object_get_array_member (json_object_get_object_member (
              json_object_get_object_member (json_node_get_object (error), "error"), "gate"),
            "fields");
  g_assert_cmpuint (json_array_get_length (missing), ==, 3);
  g_assert_nonnull (crm_test_find_object (missing, "key", "business_type"));
  g_assert_cmpint (log_length (f), ==, before);
  /* people read labels; the command line's hint gives the keys to type */
  g_assert_null (strstr (message, "business_type"));
  {
    g_auto(CrmTestRun) plain = { 0 };

    crm_test_run_cli (&plain, "--db", f->db, "--now", NOW, "deal", "move", lead,
                      "--stage", "Квалифицирован", NULL);
    g_assert_cmpint (plain.status, ==, 1);
    g_assert_nonnull (strstr (plain.err, "--field business_type=…"));
  }

  /* one field given is not enough: the other two are still named */
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "deal", "move", lead, "--stage", "Квалифицирован",
                "--field", "business_type=Сеть", NULL);
  message = crm_test_assert_refused (&run, "required-field");
  g_assert_null (strstr (message, "Тип бизнеса"));
  g_assert_nonnull (strstr (message, "География работы"));
  g_assert_cmpint (log_length (f), ==, before);

  node = OK (f, "deal", "move", lead, "--stage", "Квалифицирован", QUALIFIED_FIELDS);
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "Квалифицирован");

  /* in «Сделки» «Коммерческое предложение» also needs the order volume */
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "add", "--pipeline", DEALS, "--stage", "Встреча", "--title", "КП",
             QUALIFIED_FIELDS);
  deal = id_of (node);
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "deal", "move", deal, "--stage", "Коммерческое предложение",
                NULL);
  message = crm_test_assert_refused (&run, "required-field");
  g_assert_nonnull (strstr (message, "Объём заказа"));
  g_assert_null (strstr (message, "География работы"));
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", deal, "--stage", "Коммерческое предложение",
             "--field", "order_volume=500000.00");
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "Коммерческое предложение");
}

/* S1-3: entering each working stage of «Сделки» sets its task with its checklist. */
static void
test_s1_3_auto_tasks (Fixture       *f,
                      gconstpointer  data)
{
  static const struct {
    const char *stage;
    const char *text;
    const char *due;
    const char *checklist[4];
  } expected[] = {
    { "Новая сделка", "Назначить встречу или звонок", "2026-03-03T10:00:00Z",
      { "Подтвердить контактное лицо", "Согласовать дату", NULL } },
    { "Выявление потребностей", "Выявить потребности клиента", "2026-03-05T10:00:00Z",
      { "Ассортимент", "Периодичность заказа", "Условия оплаты", NULL } },
    { "Встреча", "Провести встречу", "2026-03-05T10:00:00Z",
      { "Показать образцы", "Обсудить условия", "Записать итоги встречи", NULL } },
    { "Коммерческое предложение", "Отправить коммерческое предложение", "2026-03-04T10:00:00Z",
      { "Подготовить КП по ассортименту", "Согласовать цены с руководителем",
        "Отправить и созвониться", NULL } },
    { "Согласование условий", "Согласовать условия поставки", "2026-03-05T10:00:00Z",
      { "Отсрочка платежа", "Сроки поставки", "Минимальная партия", NULL } },
    { "Счёт выставлен", "Проконтролировать получение счёта", "2026-03-03T10:00:00Z",
      { "Убедиться, что счёт получен", "Уточнить дату оплаты", NULL } },
    { "Ожидание оплаты", "Проконтролировать оплату", "2026-03-05T10:00:00Z",
      { "Проверить поступление", "Напомнить клиенту при задержке", NULL } },
  };
  g_autofree char *deal = add_client_deal (f, "Новая сделка", "Ромашка: первый заказ");

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(JsonObject) task = NULL;
      g_autoptr(JsonNode) tasks = NULL;

      if (i > 0)
        {
          g_autoptr(JsonNode) node = OK (f, "deal", "move", deal, "--stage", expected[i].stage);
          g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, expected[i].stage);
        }
      task = task_with_text (f, deal, expected[i].text);
      g_assert_cmpstr (str (task, "due"), ==, expected[i].due);
      g_assert_cmpstr (str (task, "responsible"), ==, "Никита Орлов");
      g_assert_false (json_object_get_boolean_member (task, "done"));
      assert_checklist (task, expected[i].checklist);
      /* one task per stage entered so far, no more */
      tasks = OK (f, "task", "list", "--deal", deal);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, i + 1);
    }
  g_assert_cmpuint (n_tasks (f), ==, G_N_ELEMENTS (expected));
}

/* S1-4: an open deal never stays without an open task. */
static void
test_s1_4_next_task (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *deal = add_client_deal (f, "Новая сделка", "Ромашка: задачи");
  g_autoptr(JsonObject) first = task_with_text (f, deal, "Назначить встречу или звонок");
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) open = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autofree char *message = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);

  /* completing the last open task without the next one: refused, nothing written */
  crm_test_ctl (&run, f->db, NOW, "task", "done", str (first, "id"), "--result", "Дозвонились",
                NULL);
  message = crm_test_assert_refused (&run, "next-task-required");
  g_assert_nonnull (strstr (message, "Ромашка: задачи"));
  g_assert_cmpint (log_length (f), ==, before);
  open = open_tasks (f, deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (open)), ==, 1);

  /* with the next task in the same step it passes */
  done = OK (f, "task", "done", str (first, "id"), "--result", "Дозвонились",
             "--next-text", "Отправить каталог", "--next-due", "2026-03-04T12:00:00Z");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (done), "done"));
  next = task_with_text (f, deal, "Отправить каталог");
  g_assert_cmpstr (str (next, "due"), ==, "2026-03-04T12:00:00Z");
  g_assert_false (json_object_get_boolean_member (next, "done"));
  g_clear_pointer (&open, json_node_unref);
  open = open_tasks (f, deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (open)), ==, 1);

  /* a move keeps the deal with an open task: the stage's own task joins the open one */
  node = OK (f, "deal", "move", deal, "--stage", "Выявление потребностей");
  g_clear_pointer (&open, json_node_unref);
  open = open_tasks (f, deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (open)), ==, 2);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (open), "text",
                                          "Выявить потребности клиента"));
  g_assert_nonnull (crm_test_find_object (json_node_get_array (open), "text",
                                          "Отправить каталог"));

  /* with one of two done there is still one open: that passes without a next task */
  g_clear_pointer (&done, json_node_unref);
  done = OK (f, "task", "done", str (next, "id"), "--result", "Каталог отправлен");
  g_clear_pointer (&open, json_node_unref);
  open = open_tasks (f, deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (open)), ==, 1);
}

/* S1-5: a first delivery moves the client on to repeat sales; a lost client gets a task
 * to find out why, for the head of sales. */
static void
test_s1_5_repeat_and_lost (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *won = add_client_deal (f, "Ожидание оплаты", "Ромашка: первая поставка");
  g_autofree char *lost = add_client_deal (f, "Согласование условий", "Ромашка: не сложилось");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) repeat = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonObject) lost_deal = NULL;
  JsonArray *tasks;
  guint tasks_before;

  node = OK (f, "deal", "move", won, "--stage", "Первая поставка");
  repeat = only_deal_in (f, REPEAT);
  g_assert_cmpstr (str (repeat, "stage"), ==, "Действующий клиент");
  g_assert_cmpstr (str (repeat, "company"), ==, "ООО Ромашка");
  g_assert_cmpstr (str (repeat, "responsible"), ==, "Никита Орлов");
  g_assert_true (has_string (json_object_get_array_member (repeat, "contacts"),
                             "Лебедева Ирина"));
  g_assert_true (has_string (json_object_get_array_member (repeat, "tags"), "Первый заказ"));
  g_assert_cmpstr (str (json_object_get_object_member (repeat, "fields"), "business_type"), ==,
                   "Сеть");
  task = task_with_text (f, str (repeat, "id"), "Связаться по повторному заказу");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-16T10:00:00Z");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (repeat, "tasks")), ==, 1);

  /* lost: a call to find out why, for the head of the sales department; no repeat deal */
  tasks_before = n_tasks (f);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", lost, "--stage", "Закрыто и не реализовано",
             "--loss-reason", "Выбрал другого поставщика");
  g_clear_pointer (&task, json_object_unref);
  task = task_with_text (f, lost, "Выяснить причину потери");
  g_assert_cmpstr (str (task, "type"), ==, "call");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-03T10:00:00Z");
  g_assert_cmpstr (str (task, "responsible"), ==, "Ольга Смирнова");
  g_assert_cmpuint (n_tasks (f), ==, tasks_before + 1);
  g_assert_cmpuint (n_deals (f, REPEAT), ==, 1);
  g_assert_cmpuint (n_deals (f, DEALS), ==, 2);
  lost_deal = show (f, lost);
  tasks = json_object_get_array_member (lost_deal, "tasks");
  g_assert_nonnull (crm_test_find_object (tasks, "text", "Выяснить причину потери"));
}

static char *
sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static guint
n_files_in (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* S1-6: no «Встреча» in cold sales without the photo of the sample; the photo is kept
 * once by its content hash beside the replica. */
static void
test_s1_6_sample_photo (Fixture       *f,
                        gconstpointer  data)
{
  static const guchar jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
                                 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff,
                                 0xd9 };
  g_autoptr(JsonNode) deal_node = OK (f, "deal", "add", "--pipeline", COLD, "--stage",
                                      "Встреча назначена", "--title", "Магазин «У дома»",
                                      "--responsible", "Роман Зайцев");
  g_autoptr(JsonNode) other_node = OK (f, "deal", "add", "--pipeline", COLD, "--stage",
                                       "Встреча назначена", "--title", "Магазин «Угловой»");
  g_autofree char *deal = id_of (deal_node);
  g_autofree char *other = id_of (other_node);
  g_autofree char *photo = g_build_filename (f->dir, "образец.jpg", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "нет-такого.jpg", NULL);
  g_autofree char *folder = g_strconcat (f->db, ".files", NULL);
  g_autofree char *hash = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_contents = NULL;
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) attached = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *attachment;
  gsize stored_length = 0;
  gint64 before = log_length (f);

  g_assert_true (g_file_set_contents (photo, (const char *) jpeg, sizeof jpeg, NULL));
  hash = sha256_of_file (photo);

  crm_test_ctl (&run, f->db, NOW, "deal", "move", deal, "--stage", "Встреча", NULL);
  message = crm_test_assert_refused (&run, "attachment-required");
  g_assert_nonnull (strstr (message, "Встреча"));
  g_assert_cmpint (log_length (f), ==, before);

  /* a file that is not there is bad input, named */
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "attach", "--deal", deal, missing, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "нет-такого.jpg"));
  g_assert_cmpint (log_length (f), ==, before);

  attached = OK (f, "attach", "--deal", deal, photo, "--name", "Образец передан");
  attachment = json_node_get_object (attached);
  g_assert_cmpstr (str (attachment, "entity"), ==, "deal");
  g_assert_cmpstr (str (attachment, "entity_id"), ==, deal);
  g_assert_cmpstr (str (attachment, "name"), ==, "Образец передан");
  g_assert_cmpstr (str (attachment, "hash"), ==, hash);
  g_assert_cmpint (json_object_get_int_member (attachment, "size"), ==, sizeof jpeg);
  g_assert_cmpstr (str (attachment, "mime"), ==, "image/jpeg");
  g_assert_cmpstr (str (attachment, "created_at"), ==, NOW);
  stored = g_build_filename (folder, hash, NULL);
  g_assert_cmpstr (str (attachment, "path"), ==, stored);
  g_assert_true (g_file_get_contents (stored, &stored_contents, &stored_length, NULL));
  g_assert_cmpmem (stored_contents, stored_length, jpeg, sizeof jpeg);

  node = OK (f, "deal", "move", deal, "--stage", "Встреча");
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "Встреча");

  /* the same photo on another deal: a second attachment, one stored file */
  again = OK (f, "attach", "--deal", other, photo);
  g_assert_cmpstr (str (json_node_get_object (again), "hash"), ==, hash);
  g_assert_cmpstr (str (json_node_get_object (again), "name"), ==, "образец.jpg");
  g_assert_cmpstr (str (json_node_get_object (again), "id"), !=, str (attachment, "id"));
  g_assert_cmpuint (n_files_in (folder), ==, 1);

  list = OK (f, "attachment", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_true (json_object_get_boolean_member (
                   json_array_get_object_element (json_node_get_array (list), 0), "available"));
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", other, "--stage", "Встреча");
  g_assert_cmpstr (str (json_node_get_object (node), "stage"), ==, "Встреча");
}

/* S1-8: the first delivery sets the NPS survey with its three questions; the answers are
 * deal fields; later deliveries get no survey. */
static void
test_s1_8_nps (Fixture       *f,
               gconstpointer  data)
{
  static const char *const questions[] = {
    "Доставка заказа (0–10)", "Целостность упаковки (0–10)",
    "Сроки годности продукции (0–10)", "Записать оценки в поля NPS", NULL
  };
  const char *survey = "Провести NPS-опрос после первой поставки";
  g_autofree char *deal = add_client_deal (f, "Ожидание оплаты", "Ромашка: первая поставка");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonObject) repeat = NULL;
  g_autoptr(JsonNode) answered = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  JsonObject *fields;

  node = OK (f, "deal", "move", deal, "--stage", "Первая поставка");
  task = task_with_text (f, deal, survey);
  g_assert_cmpstr (str (task, "type"), ==, "call");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-05T10:00:00Z");
  g_assert_cmpstr (str (task, "responsible"), ==, "Никита Орлов");
  assert_checklist (task, questions);

  answered = OK (f, "deal", "set", deal, "--field", "nps_delivery=9", "--field",
                 "nps_packaging=10", "--field", "nps_shelf_life=8");
  fields = json_object_get_object_member (json_node_get_object (answered), "fields");
  g_assert_cmpint (json_object_get_int_member (fields, "nps_delivery"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (fields, "nps_packaging"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (fields, "nps_shelf_life"), ==, 8);

  /* the repeat-sales delivery that follows sets no survey */
  repeat = only_deal_in (f, REPEAT);
  g_clear_pointer (&node, json_node_unref);
  node = OK (f, "deal", "move", str (repeat, "id"), "--stage", "Поставка выполнена",
             "--field", "order_volume=200000.00");
  tasks = OK (f, "task", "list");
  g_assert_cmpuint (crm_test_count_objects (json_node_get_array (tasks), "text", survey), ==, 1);
  /* …and opens the next repeat-sales cycle */
  g_assert_cmpuint (n_deals (f, REPEAT), ==, 2);
}

/* S1-9: a client with a won deal who sends a new request is flagged to their manager. */
static void
test_s1_9_returning_client (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *won = add_client_deal (f, "Ожидание оплаты", "Ромашка: первая поставка");
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) lead = NULL;
  g_autoptr(JsonNode) stranger = NULL;
  g_autoptr(JsonNode) notes = NULL;
  g_autoptr(JsonNode) others = NULL;
  g_autoptr(JsonNode) everyone = NULL;
  JsonObject *note;

  node = OK (f, "deal", "move", won, "--stage", "Первая поставка");
  everyone = OK (f, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (everyone)), ==, 0);

  /* the same company writes in again, the lead falls to someone else */
  lead = OK (f, "deal", "add", "--pipeline", LEADS, "--title", "Ромашка: новая заявка с сайта",
             "--company", "ООО Ромашка", "--responsible", "Анна Белова");
  g_assert_true (has_string (json_object_get_array_member (json_node_get_object (lead), "tags"),
                             "Повторное обращение"));
  notes = OK (f, "notification", "list", "--user", "Никита Орлов");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 1);
  note = json_array_get_object_element (json_node_get_array (notes), 0);
  g_assert_cmpstr (str (note, "user"), ==, "Никита Орлов");
  g_assert_cmpstr (str (note, "deal"), ==, str (json_node_get_object (lead), "id"));
  g_assert_nonnull (strstr (str (note, "text"), "Ромашка: новая заявка с сайта"));
  g_assert_false (json_object_get_boolean_member (note, "read"));
  g_assert_cmpstr (str (note, "created_at"), ==, NOW);
  others = OK (f, "notification", "list", "--user", "Анна Белова");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (others)), ==, 0);

  /* a new client: no flag, no notification */
  stranger = OK (f, "deal", "add", "--pipeline", LEADS, "--title", "ИП Сидоров: заявка");
  g_assert_false (has_string (json_object_get_array_member (json_node_get_object (stranger),
                                                            "tags"), "Повторное обращение"));
  g_clear_pointer (&everyone, json_node_unref);
  everyone = OK (f, "notification", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (everyone)), ==, 1);

  /* a lead that was converted is not a purchase: its client's next lead is no repeat */
  {
    g_autoptr(JsonNode) company = OK (f, "company", "add", "--name", "ООО Лютик");
    g_autoptr(JsonNode) first = OK (f, "deal", "add", "--pipeline", LEADS, "--title",
                                    "Лютик: первая заявка", "--company", "ООО Лютик");
    g_autoptr(JsonNode) converted = OK (f, "deal", "move",
                                        str (json_node_get_object (first), "id"),
                                        "--stage", "Сконвертирован в сделку",
                                        "--field", "target_audience=Розница",
                                        "--field", "geography=Казань",
                                        "--field", "business_type=Сеть");
    g_autoptr(JsonNode) second = OK (f, "deal", "add", "--pipeline", LEADS, "--title",
                                     "Лютик: вторая заявка", "--company", "ООО Лютик");
    g_autoptr(JsonNode) after = OK (f, "notification", "list");

    g_assert_false (has_string (json_object_get_array_member (json_node_get_object (second),
                                                              "tags"),
                                "Повторное обращение"));
    g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/scenario/s1/" path, Fixture, NULL, fixture_set_up, func, \
              crm_test_replica_dir_tear_down)
  ADD ("S1-1-lead-to-deal", test_s1_1_lead_to_deal);
  ADD ("S1-2-required-fields", test_s1_2_required_fields);
  ADD ("S1-3-auto-tasks-with-checklists", test_s1_3_auto_tasks);
  ADD ("S1-4-next-task-required", test_s1_4_next_task);
  ADD ("S1-5-repeat-sales-and-lost", test_s1_5_repeat_and_lost);
  ADD ("S1-6-sample-photo", test_s1_6_sample_photo);
  ADD ("S1-8-nps-after-first-delivery", test_s1_8_nps);
  ADD ("S1-9-returning-client", test_s1_9_returning_client);
#undef ADD

  return g_test_run ();
}
