/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rules.c — the automation engine on its own: each trigger, condition and action,
 * the loop guard, timers and their idempotence, and one entity when two replicas run
 * the same rule on the same op. Each test builds a small account from a template that
 * holds only the rules under test. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "crm-message.h"
#include "crm-query.h"
#include "crm-rules.h"
#include "crm-store.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-undo.h"

#define T0 "2026-03-06T10:00:00Z" /* a Friday */

static const char *base_template =
  "{\"name\": \"rules-test\", \"title\": \"Rules test\","
  " \"users\": [{\"name\": \"admin\", \"role\": \"admin\", \"group\": \"Руководство\"},"
  "            {\"name\": \"Иван Петров\", \"role\": \"manager\", \"group\": \"Продажи\"},"
  "            {\"name\": \"Пётр Сидоров\", \"role\": \"rep\", \"group\": \"Продажи\"}],"
  " \"pipelines\": ["
  "  {\"name\": \"Продажи\", \"stages\": [{\"name\": \"Неразобранное\", \"kind\": \"unsorted\"},"
  "    {\"name\": \"Новая\", \"kind\": \"open\"}, {\"name\": \"Переговоры\", \"kind\": \"open\"},"
  "    {\"name\": \"Договор\", \"kind\": \"open\"}, {\"name\": \"Успех\", \"kind\": \"won\"},"
  "    {\"name\": \"Провал\", \"kind\": \"lost\"}]},"
  "  {\"name\": \"Повтор\", \"stages\": [{\"name\": \"Новая\", \"kind\": \"open\"},"
  "    {\"name\": \"Работа\", \"kind\": \"open\"}, {\"name\": \"Успех\", \"kind\": \"won\"},"
  "    {\"name\": \"Провал\", \"kind\": \"lost\"}]}],"
  " \"loss_reasons\": [\"Дорого\", \"Другое\"],"
  " \"fields\": [{\"entity\": \"deal\", \"key\": \"payment_type\", \"label\": \"Тип оплаты\","
  "   \"type\": \"choice\", \"choices\": [\"Наличные\", \"Лизинг\"]},"
  "  {\"entity\": \"deal\", \"key\": \"vip\", \"label\": \"VIP\", \"type\": \"bool\"}],"
  " \"tag_groups\": [{\"group\": \"brand\", \"tags\": [\"Volvo\", \"MAN\"]},"
  "                 {\"group\": \"other\", \"tags\": [\"Срочно\"]}],"
  " \"rules\": %s}";

typedef struct {
  char     *dir;
  CrmStore *store;
} Account;

static gint64
at (const char *iso)
{
  gint64 ms = 0;

  g_assert_true (crm_time_parse (iso, &ms));
  return ms;
}

static CrmStore *
make_store (Account    *account,
            const char *name,
            const char *rules_json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf (base_template, rules_json);
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) template_root = NULL;
  CrmStore *store;

  if (account->dir == NULL)
    account->dir = g_dir_make_tmp ("voronka-rules-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (account->dir, name, NULL);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  crm_store_set_now (store, at (T0));
  template_root = crm_template_parse (text, -1, "test", &error);
  g_assert_no_error (error);
  crm_template_apply (store, template_root, &error);
  g_assert_no_error (error);
  return store;
}

static void
account_clear (Account *account)
{
  g_clear_object (&account->store);
  if (account->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (account->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (account->dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (account->dir);
      g_clear_pointer (&account->dir, g_free);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Account, account_clear)

static char *
id_of (CrmStore   *store,
       const char *entity,
       const char *name,
       const char *scope)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, entity, name, scope, &error);

  g_assert_no_error (error);
  return id;
}

/* A deal with optional tag, contact and field (NULL to skip). */
static char *
add_deal_full (CrmStore   *store,
               const char *title,
               const char *pipeline,
               const char *stage,
               const char *tag,
               const char *field,
               const char *value,
               GError    **error)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *pipeline_id = id_of (store, "pipeline", pipeline, NULL);
  g_autofree char *stage_ref = id_of (store, "stage", stage, pipeline_id);
  g_autofree char *responsible = id_of (store, "user", "Пётр Сидоров", NULL);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (cs, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "stage", stage_ref);
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "amount", 100000000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (field != NULL)
    crm_change_set_string (change, field, value);
  if (tag != NULL)
    {
      g_autofree char *tag_id = id_of (store, "tag", tag, NULL);
      crm_changeset_set_link (cs, "deal_tag", "deal", id, "tag", tag_id, TRUE);
    }
  if (!crm_store_apply (store, cs, error))
    g_clear_pointer (&id, g_free);
  return id;
}

static char *
add_deal (CrmStore   *store,
          const char *title,
          const char *pipeline,
          const char *stage)
{
  g_autoptr(GError) error = NULL;
  char *id = add_deal_full (store, title, pipeline, stage, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static gboolean
move (CrmStore    *store,
      const char  *deal,
      const char  *pipeline,
      const char  *stage,
      const char  *reason,
      GError     **error)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *pipeline_id = id_of (store, "pipeline", pipeline, NULL);
  g_autofree char *stage_ref = id_of (store, "stage", stage, pipeline_id);
  CrmChange *change = crm_changeset_touch (cs, "deal", deal);

  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "stage", stage_ref);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (reason != NULL)
    {
      g_autofree char *reason_id = id_of (store, "loss_reason", reason, pipeline_id);
      crm_change_set_string (change, "loss_reason", reason_id);
    }
  return crm_store_apply (store, cs, error);
}

static void
set_field (CrmStore   *store,
           const char *deal,
           const char *field,
           const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();

  crm_change_set_string (crm_changeset_touch (cs, "deal", deal), field, value);
  g_assert_true (crm_store_apply (store, cs, &error));
  g_assert_no_error (error);
}

static JsonArray *
deals_in (CrmStore   *store,
          const char *pipeline)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline_id = id_of (store, "pipeline", pipeline, NULL);
  CrmDealFilter filter = { 0 };
  JsonNode *node;
  JsonArray *array;

  filter.pipeline_id = pipeline_id;
  node = crm_query_deals (store, &filter, NULL, &error);
  g_assert_no_error (error);
  array = json_array_ref (json_node_get_array (node));
  json_node_unref (node);
  return array;
}

static JsonArray *
tasks_of (CrmStore   *store,
          const char *deal)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = crm_query_tasks (store, deal, FALSE, NULL, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_array_ref (json_node_get_array (node));
  json_node_unref (node);
  return array;
}

static const char *
deal_stage_name (CrmStore   *store,
                 const char *deal,
                 char      **owned)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = crm_query_deal (store, deal, &error);

  g_assert_no_error (error);
  *owned = g_strdup_printf ("%s/%s", json_object_get_string_member (object, "pipeline"),
                            json_object_get_string_member (object, "stage"));
  return *owned;
}

#define assert_deal_at(store, deal, expected) \
  G_STMT_START { \
    g_autofree char *_where = NULL; \
    g_assert_cmpstr (deal_stage_name (store, deal, &_where), ==, expected); \
  } G_STMT_END

/* --- triggers and actions ---------------------------------------------------------------- */

static void
test_field_changed_moves_deal (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Лизинг\", \"triggers\": ["
    "   {\"type\": \"field_changed\", \"pipeline\": \"Продажи\", \"stage\": \"Договор\","
    "    \"field\": \"payment_type\", \"to\": [\"Лизинг\"]},"
    "   {\"type\": \"stage_entered\", \"pipeline\": \"Продажи\", \"stage\": \"Договор\"}],"
    "  \"conditions\": [{\"type\": \"field_in\", \"field\": \"payment_type\","
    "                    \"values\": [\"Лизинг\"]}],"
    "  \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Повтор\", \"stage\": \"Работа\"}]}]");
  g_autofree char *deal = add_deal (store, "Volvo FH", "Продажи", "Новая");
  g_autofree char *other = add_deal (store, "MAN TGX", "Продажи", "Договор");
  g_autoptr(GError) error = NULL;

  /* the field alone, at another stage, moves nothing */
  set_field (store, deal, "payment_type", "Лизинг");
  assert_deal_at (store, deal, "Продажи/Новая");
  /* entering the stage with the field set does */
  g_assert_true (move (store, deal, "Продажи", "Договор", NULL, &error));
  assert_deal_at (store, deal, "Повтор/Работа");

  /* at the stage, a change to another value does nothing; to «Лизинг» moves */
  set_field (store, other, "payment_type", "Наличные");
  assert_deal_at (store, other, "Продажи/Договор");
  set_field (store, other, "payment_type", "Лизинг");
  assert_deal_at (store, other, "Повтор/Работа");
}

static void
test_won_creates_deal_with_task (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Повторная продажа\", \"trigger\": {\"type\": \"deal_won\","
    "   \"pipeline\": \"Продажи\"},"
    "  \"actions\": [{\"type\": \"create_deal\", \"pipeline\": \"Повтор\", \"stage\": \"Новая\","
    "    \"copy\": [\"tags\", \"responsible\", \"contacts\", \"company\"],"
    "    \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить\", \"task_type\": \"call\","
    "                   \"due\": {\"days\": 30}, \"checklist\": [\"Узнать потребность\"]}]}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = add_deal_full (store, "Volvo FH", "Продажи", "Договор", "Volvo",
                                         NULL, NULL, &error);
  g_autoptr(JsonArray) repeat = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  JsonObject *created;
  JsonObject *task;
  g_autofree char *due = NULL;

  g_assert_no_error (error);
  repeat = deals_in (store, "Повтор");
  g_assert_cmpuint (json_array_get_length (repeat), ==, 0);

  g_assert_true (move (store, deal, "Продажи", "Успех", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&repeat, json_array_unref);
  repeat = deals_in (store, "Повтор");
  g_assert_cmpuint (json_array_get_length (repeat), ==, 1);
  created = json_array_get_object_element (repeat, 0);
  g_assert_cmpstr (json_object_get_string_member (created, "title"), ==, "Volvo FH");
  g_assert_cmpstr (json_object_get_string_member (created, "stage"), ==, "Новая");
  g_assert_cmpstr (json_object_get_string_member (created, "responsible"), ==, "Пётр Сидоров");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (created, "tags"),
                                                  0), ==, "Volvo");

  tasks = tasks_of (store, json_object_get_string_member (created, "id"));
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  task = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (json_object_get_string_member (task, "text"), ==, "Позвонить");
  g_assert_cmpstr (json_object_get_string_member (task, "type"), ==, "call");
  due = crm_time_format (at (T0) + 30 * CRM_MS_PER_DAY);
  g_assert_cmpstr (json_object_get_string_member (task, "due"), ==, due);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (task, "checklist")),
                    ==, 1);
}

static void
test_lost_with_reason_and_from_stage (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Дорого → повтор\", \"trigger\": {\"type\": \"deal_lost\","
    "   \"pipeline\": \"Продажи\"},"
    "  \"conditions\": [{\"type\": \"loss_reason_in\", \"reasons\": [\"Дорого\"]}],"
    "  \"actions\": [{\"type\": \"create_deal\", \"pipeline\": \"Повтор\", \"stage\": \"Новая\"}]},"
    " {\"name\": \"Провал на переговорах\", \"trigger\": {\"type\": \"deal_lost\","
    "   \"pipeline\": \"Повтор\", \"from_stage\": \"Работа\"},"
    "  \"actions\": [{\"type\": \"create_deal\", \"pipeline\": \"Продажи\", \"stage\": \"Новая\","
    "                 \"title\": \"Вернуть: {title}\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *cheap = add_deal (store, "A", "Продажи", "Новая");
  g_autofree char *other = add_deal (store, "B", "Продажи", "Новая");
  g_autofree char *early = add_deal (store, "C", "Повтор", "Новая");
  g_autofree char *late = add_deal (store, "D", "Повтор", "Работа");
  g_autoptr(JsonArray) repeat = NULL;
  g_autoptr(JsonArray) sales = NULL;

  g_assert_true (move (store, other, "Продажи", "Провал", "Другое", &error));
  g_assert_true (move (store, early, "Повтор", "Провал", "Другое", &error));
  repeat = deals_in (store, "Повтор");
  g_assert_cmpuint (json_array_get_length (repeat), ==, 2); /* C and D only */
  sales = deals_in (store, "Продажи");
  g_assert_cmpuint (json_array_get_length (sales), ==, 2);  /* A and B only */

  /* a minute later, so the deal the rule makes is the newest by its time, not by the
   * order of its (random) id among deals made at the same instant */
  crm_store_set_now (store, at (T0) + CRM_MS_PER_MINUTE);
  g_assert_true (move (store, cheap, "Продажи", "Провал", "Дорого", &error));
  g_assert_true (move (store, late, "Повтор", "Провал", "Другое", &error));
  g_assert_no_error (error);
  g_clear_pointer (&repeat, json_array_unref);
  g_clear_pointer (&sales, json_array_unref);
  repeat = deals_in (store, "Повтор");
  sales = deals_in (store, "Продажи");
  g_assert_cmpuint (json_array_get_length (repeat), ==, 3);
  g_assert_cmpuint (json_array_get_length (sales), ==, 3);
  /* newest first */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sales, 0),
                                                  "title"), ==, "Вернуть: D");
}

static void
test_conditions (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"VIP Volvo\", \"trigger\": {\"type\": \"deal_created\"},"
    "  \"conditions\": [{\"type\": \"has_tag\", \"tag\": \"Volvo\"},"
    "    {\"type\": \"has_tag_group\", \"group\": \"brand\"},"
    "    {\"type\": \"pipeline\", \"pipeline\": \"Продажи\"},"
    "    {\"type\": \"stage\", \"stage\": \"Новая\"},"
    "    {\"type\": \"amount_range\", \"min\": \"500000\", \"max\": \"2000000\"},"
    "    {\"type\": \"responsible_group\", \"group\": \"Продажи\"},"
    "    {\"type\": \"not\", \"condition\": {\"type\": \"field_equals\", \"field\": \"vip\","
    "                                       \"value\": true}}],"
    "  \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Срочно\"},"
    "               {\"type\": \"set_field\", \"field\": \"vip\", \"value\": true}]},"
    " {\"name\": \"Старый клиент\", \"trigger\": {\"type\": \"deal_created\","
    "   \"pipeline\": \"Повтор\"},"
    "  \"conditions\": [{\"type\": \"client_has_won_deal\"}],"
    "  \"actions\": [{\"type\": \"notify\", \"user\": \"group_head:Продажи\","
    "                 \"text\": \"Клиент вернулся: {title}\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *volvo = add_deal_full (store, "Volvo", "Продажи", "Новая", "Volvo", NULL,
                                          NULL, &error);
  g_autofree char *man = add_deal_full (store, "MAN", "Продажи", "Новая", "MAN", NULL, NULL,
                                        &error);
  g_autoptr(JsonObject) volvo_deal = crm_query_deal (store, volvo, &error);
  g_autoptr(JsonObject) man_deal = crm_query_deal (store, man, &error);
  JsonArray *tags;

  g_assert_no_error (error);
  tags = json_object_get_array_member (volvo_deal, "tags");
  g_assert_cmpuint (json_array_get_length (tags), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (volvo_deal,
                                                                                "fields"),
                                                 "vip"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (man_deal, "tags")), ==,
                    1);

  /* client_has_won_deal: share a contact with a won deal */
  {
    g_autoptr(CrmChangeset) cs = crm_changeset_new ();
    g_autofree char *contact = crm_store_new_id (store);
    g_autofree char *again = NULL;
    g_autofree char *stranger = NULL;
    g_autofree char *head = id_of (store, "user", "Иван Петров", NULL);
    g_autoptr(JsonNode) list = NULL;
    CrmChange *change = crm_changeset_create (cs, "contact", contact);

    crm_change_set_string (change, "name", "Иванов Иван");
    crm_changeset_set_link (cs, "deal_contact", "deal", volvo, "contact", contact, TRUE);
    g_assert_true (crm_store_apply (store, cs, &error));
    g_assert_true (move (store, volvo, "Продажи", "Успех", NULL, &error));

    stranger = add_deal (store, "Новый клиент", "Повтор", "Новая");
    {
      g_autoptr(CrmChangeset) cs2 = crm_changeset_new ();
      g_autofree char *pipeline = id_of (store, "pipeline", "Повтор", NULL);
      g_autofree char *stage = id_of (store, "stage", "Новая", pipeline);
      CrmChange *c;

      again = crm_store_new_id (store);
      c = crm_changeset_create (cs2, "deal", again);
      crm_change_set_string (c, "title", "Иванов снова");
      crm_change_set_string (c, "pipeline", pipeline);
      crm_change_set_string (c, "stage", stage);
      crm_changeset_set_link (cs2, "deal_contact", "deal", again, "contact", contact, TRUE);
      g_assert_true (crm_store_apply (store, cs2, &error));
    }
    /* one notification, to the group's manager, about the returning client only */
    {
      g_autoptr(GPtrArray) log = crm_store_dup_log (store, 0, &error);
      guint notifications = 0;

      for (guint i = 0; i < log->len; i++)
        {
          CrmOp *op = log->pdata[i];
          if (g_str_equal (op->entity, "notification"))
            {
              notifications++;
              g_assert_cmpstr (json_object_get_string_member (op->fields, "user"), ==, head);
              g_assert_cmpstr (json_object_get_string_member (op->fields, "text"), ==,
                               "Клиент вернулся: Иванов снова");
              g_assert_cmpstr (json_object_get_string_member (op->fields, "deal"), ==, again);
              g_assert_nonnull (op->rule);
              g_assert_nonnull (op->cause);
            }
        }
      g_assert_cmpuint (notifications, ==, 1);
    }
  }
}

static void
test_task_completed_and_messages (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"После звонка\", \"trigger\": {\"type\": \"task_completed\","
    "   \"task_type\": \"call\"},"
    "  \"actions\": [{\"type\": \"send_message\", \"to\": \"client\", \"channel\": \"sms\","
    "                 \"text\": \"Спасибо за разговор\"},"
    "               {\"type\": \"remove_tag\", \"tag\": \"Срочно\"}]},"
    " {\"name\": \"Новый контакт\", \"trigger\": {\"type\": \"contact_created\"},"
    "  \"actions\": [{\"type\": \"notify\", \"user\": \"admin\", \"text\": \"Новый контакт\"}]},"
    " {\"name\": \"Новая компания\", \"trigger\": {\"type\": \"company_created\"},"
    "  \"actions\": [{\"type\": \"notify\", \"user\": \"admin\", \"text\": \"Новая компания\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autofree char *deal = add_deal_full (store, "Volvo", "Продажи", "Новая", "Срочно", NULL,
                                         NULL, &error);
  g_autofree char *contact = crm_store_new_id (store);
  g_autofree char *company = crm_store_new_id (store);
  g_autofree char *task = crm_store_new_id (store);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GPtrArray) log = NULL;
  guint messages = 0, notifications = 0;
  CrmChange *change;

  change = crm_changeset_create (cs, "contact", contact);
  crm_change_set_string (change, "name", "Смирнова Анна");
  change = crm_changeset_create (cs, "company", company);
  crm_change_set_string (change, "name", "ООО «Ромашка»");
  crm_changeset_set_link (cs, "deal_contact", "deal", deal, "contact", contact, TRUE);
  change = crm_changeset_create (cs, "task", task);
  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Позвонить");
  crm_change_set_string (change, "type", "call");
  crm_change_set_bool (change, "done", FALSE);
  g_assert_true (crm_store_apply (store, cs, &error));
  g_assert_no_error (error);

  /* a call task without a result cannot be completed (S2-3) */
  {
    g_autoptr(CrmChangeset) done = crm_changeset_new ();
    crm_change_set_bool (crm_changeset_touch (done, "task", task), "done", TRUE);
    g_assert_false (crm_store_apply (store, done, &error));
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_CALL_RESULT_REQUIRED);
    g_clear_error (&error);
    crm_change_set_string (crm_changeset_touch (done, "task", task), "result", "Договорились");
    g_assert_true (crm_store_apply (store, done, &error));
    g_assert_no_error (error);
  }

  object = crm_query_deal (store, deal, &error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "tags")), ==, 0);
  log = crm_store_dup_log (store, 0, &error);
  for (guint i = 0; i < log->len; i++)
    {
      CrmOp *op = log->pdata[i];

      if (g_str_equal (op->entity, "message"))
        {
          messages++;
          g_assert_cmpstr (json_object_get_string_member (op->fields, "recipient"), ==, contact);
          g_assert_cmpstr (json_object_get_string_member (op->fields, "status"), ==, "queued");
        }
      if (g_str_equal (op->entity, "notification"))
        notifications++;
    }
  g_assert_cmpuint (messages, ==, 1);
  g_assert_cmpuint (notifications, ==, 2);
}

/* "send template T to the deal's contact": the template's channel, subject and text with
 * the placeholders filled (the deal's number left for the server), the author set. */
static void
test_send_template (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Спасибо\", \"trigger\": {\"type\": \"task_completed\"},"
    "  \"actions\": [{\"type\": \"send_message\", \"to\": \"client\", \"template\": \"thanks\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(CrmChangeset) done = crm_changeset_new ();
  g_autofree char *deal = add_deal (store, "Volvo FH", "Продажи", "Новая");
  g_autofree char *contact = crm_store_new_id (store);
  g_autofree char *task = crm_store_new_id (store);
  g_autofree char *price = NULL;
  g_autofree char *template_id = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonObject) stored = NULL;
  JsonObject *message;
  CrmChange *change;
  int fd = g_file_open_tmp ("Прайс-XXXXXX.txt", &price, &error);

  /* its HTML and its file go with the e-mail a rule sends too */
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (price, "Volvo FH16: 9 800 000 ₽\n", -1, &error));
  close (fd);
  {
    const char *const attach[] = { price, NULL };
    const CrmTemplateSpec spec = {
      .name = "thanks",
      .channel = "email",
      .subject = "Сделка {deal.number}: {deal.title}",
      .body = "{contact.name}, спасибо!",
      .html = "<p>{contact.name}, спасибо за «{deal.title}»!</p>",
      .attach = attach,
    };

    template_id = crm_message_template_save (store, NULL, &spec, &error);
  }
  g_assert_no_error (error);
  g_assert_nonnull (template_id);
  change = crm_changeset_create (cs, "contact", contact);
  crm_change_set_string (change, "name", "Смирнова Анна");
  crm_changeset_set_link (cs, "deal_contact", "deal", deal, "contact", contact, TRUE);
  change = crm_changeset_create (cs, "task", task);
  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Отправить КП");
  crm_change_set_string (change, "type", "task");
  crm_change_set_bool (change, "done", FALSE);
  g_assert_true (crm_store_apply (store, cs, &error));
  crm_change_set_bool (crm_changeset_touch (done, "task", task), "done", TRUE);
  g_assert_true (crm_store_apply (store, done, &error));
  g_assert_no_error (error);

  list = crm_message_list (store, deal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  message = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (json_object_get_string_member (message, "channel"), ==, "email");
  g_assert_cmpstr (json_object_get_string_member (message, "recipient"), ==, contact);
  g_assert_cmpstr (json_object_get_string_member (message, "subject"), ==,
                   "Сделка {deal.number}: Volvo FH");
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, "Смирнова Анна, спасибо!");
  g_assert_cmpstr (json_object_get_string_member (message, "status"), ==, "queued");
  g_assert_false (json_object_get_null_member (message, "author"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (message, "attachments")),
                    ==, 1);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (
                   json_object_get_array_member (message, "attachments"), 0), "Прайс-"));
  stored = crm_store_dup_entity (store, "message", json_object_get_string_member (message, "id"));
  g_assert_cmpstr (json_object_get_string_member (stored, "html"), ==,
                   "<p>Смирнова Анна, спасибо за «Volvo FH»!</p>");
  g_unlink (price);
}

static void
test_for_each_deal_stock_match (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Техника пришла\", \"trigger\": {\"type\": \"stage_entered\","
    "   \"pipeline\": \"Повтор\", \"stage\": \"Успех\"},"
    "  \"actions\": [{\"type\": \"for_each_deal\", \"pipeline\": \"Продажи\","
    "    \"shares_tag_group\": \"brand\","
    "    \"conditions\": [{\"type\": \"field_equals\", \"field\": \"vip\", \"value\": \"yes\"}],"
    "    \"actions\": [{\"type\": \"create_task\", \"text\": \"Поступила техника {tag}\","
    "                   \"due\": {\"today\": true}}]}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *stock = add_deal_full (store, "Volvo FH на складе", "Повтор", "Работа",
                                          "Volvo", NULL, NULL, &error);
  g_autofree char *waiting = NULL;
  g_autofree char *not_waiting = NULL;
  g_autofree char *other_brand = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  g_autoptr(JsonArray) none1 = NULL;
  g_autoptr(JsonArray) none2 = NULL;

  {
    g_autoptr(CrmChangeset) cs = crm_changeset_new ();
    /* vip stands for "waiting for stock" here; stored as a boolean */
    waiting = add_deal_full (store, "Ждёт Volvo", "Продажи", "Новая", "Volvo", NULL, NULL,
                             &error);
    crm_change_set_bool (crm_changeset_touch (cs, "deal", waiting), "vip", TRUE);
    g_assert_true (crm_store_apply (store, cs, &error));
  }
  not_waiting = add_deal_full (store, "Volvo просто так", "Продажи", "Новая", "Volvo", NULL,
                               NULL, &error);
  {
    g_autoptr(CrmChangeset) cs = crm_changeset_new ();
    other_brand = add_deal_full (store, "Ждёт MAN", "Продажи", "Новая", "MAN", NULL, NULL,
                                 &error);
    crm_change_set_bool (crm_changeset_touch (cs, "deal", other_brand), "vip", TRUE);
    g_assert_true (crm_store_apply (store, cs, &error));
  }
  g_assert_no_error (error);

  g_assert_true (move (store, stock, "Повтор", "Успех", NULL, &error));
  g_assert_no_error (error);
  tasks = tasks_of (store, waiting);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tasks, 0),
                                                  "text"), ==, "Поступила техника Volvo");
  none1 = tasks_of (store, not_waiting);
  none2 = tasks_of (store, other_brand);
  g_assert_cmpuint (json_array_get_length (none1), ==, 0);
  g_assert_cmpuint (json_array_get_length (none2), ==, 0);
}

/* --- loops, timers, replicas ------------------------------------------------------------ */

static void
test_loop_is_refused (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Туда\", \"trigger\": {\"type\": \"stage_entered\", \"pipeline\": \"Продажи\","
    "   \"stage\": \"Переговоры\"},"
    "  \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Продажи\", \"stage\": \"Договор\"}]},"
    " {\"name\": \"Обратно\", \"trigger\": {\"type\": \"stage_entered\", \"pipeline\": \"Продажи\","
    "   \"stage\": \"Договор\"},"
    "  \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Продажи\","
    "                 \"stage\": \"Переговоры\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = add_deal (store, "Volvo", "Продажи", "Новая");
  g_autofree char *before = crm_store_dump_state (store, NULL);
  g_autofree char *after = NULL;
  gint64 log_length = crm_store_get_log_length (store);

  g_assert_false (move (store, deal, "Продажи", "Переговоры", NULL, &error));
  g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_LOOP);
  g_assert_cmpstr (crm_error_code_name (error), ==, "rule-loop");
  g_assert_cmpint (crm_store_get_log_length (store), ==, log_length);
  after = crm_store_dump_state (store, NULL);
  g_assert_cmpstr (after, ==, before);
  assert_deal_at (store, deal, "Продажи/Новая");
}

/* A rule that names a stage the replica does not have refuses the change that set it off,
 * names itself, and writes nothing. */
static void
test_unknown_target_is_refused (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"В никуда\", \"trigger\": {\"type\": \"stage_entered\","
    "   \"pipeline\": \"Продажи\", \"stage\": \"Переговоры\"},"
    "  \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Продажи\","
    "                 \"stage\": \"Склад на Луне\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = add_deal (store, "Volvo", "Продажи", "Новая");
  g_autofree char *before = crm_store_dump_state (store, NULL);
  g_autofree char *after = NULL;

  g_assert_false (move (store, deal, "Продажи", "Переговоры", NULL, &error));
  g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET);
  g_assert_cmpstr (crm_error_code_name (error), ==, "not-found");
  g_assert_nonnull (strstr (error->message, "В никуда"));
  g_assert_nonnull (strstr (error->message, "Склад на Луне"));
  after = crm_store_dump_state (store, NULL);
  g_assert_cmpstr (after, ==, before);
  assert_deal_at (store, deal, "Продажи/Новая");
}

static void
test_timers (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"SLA 10 минут\", \"trigger\": {\"type\": \"timer\", \"from\": \"stage_entered\","
    "   \"pipeline\": \"Продажи\", \"stage\": \"Неразобранное\", \"after\": {\"minutes\": 10}},"
    "  \"actions\": [{\"type\": \"notify\", \"user\": \"group_head:Продажи\","
    "                 \"text\": \"Заявку не взяли в работу: {title}\"}]},"
    " {\"name\": \"Через рабочий день\", \"trigger\": {\"type\": \"timer\","
    "   \"from\": \"stage_entered\", \"pipeline\": \"Продажи\", \"stage\": \"Новая\","
    "   \"after\": {\"working_days\": 1}},"
    "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Напомнить\","
    "                 \"due\": {\"days\": 0}}]},"
    " {\"name\": \"Просроченная задача\", \"trigger\": {\"type\": \"timer\","
    "   \"from\": \"task_due\", \"after\": {\"days\": 2}},"
    "  \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Продажи\","
    "                 \"stage\": \"Переговоры\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *fresh = add_deal (store, "Новая заявка", "Продажи", "Неразобранное");
  g_autofree char *friday = add_deal (store, "Пятничная", "Продажи", "Новая");
  g_autofree char *state = NULL;
  g_autofree char *state_again = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  guint fired = 0;

  /* nothing is due yet */
  crm_store_set_now (store, at ("2026-03-06T10:09:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_cmpuint (fired, ==, 0);

  /* ten minutes: the head is told once, however often tick runs */
  crm_store_set_now (store, at ("2026-03-06T10:10:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_cmpuint (fired, ==, 1);
  state = crm_store_dump_state (store, NULL);
  crm_store_set_now (store, at ("2026-03-06T12:00:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_cmpuint (fired, ==, 0);
  state_again = crm_store_dump_state (store, NULL);
  g_assert_cmpstr (state, ==, state_again);

  /* one working day after Friday is Monday, not Saturday */
  crm_store_set_now (store, at ("2026-03-08T10:00:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_cmpuint (fired, ==, 0);
  crm_store_set_now (store, at ("2026-03-09T10:00:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_cmpuint (fired, ==, 1);
  tasks = tasks_of (store, friday);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);

  /* that task was due at once; two days later the deal is moved on */
  crm_store_set_now (store, at ("2026-03-11T10:00:00Z"));
  g_assert_true (crm_rules_tick (store, &fired, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fired, ==, 1);
  assert_deal_at (store, friday, "Продажи/Переговоры");
  assert_deal_at (store, fresh, "Продажи/Неразобранное");
}

static void
test_same_rule_same_op_two_replicas (void)
{
  g_auto(Account) account = { 0 };
  const char *rules =
    "[{\"name\": \"Задача на входе\", \"trigger\": {\"type\": \"stage_entered\","
    "   \"pipeline\": \"Продажи\", \"stage\": \"Переговоры\"},"
    "  \"actions\": [{\"type\": \"create_task\", \"text\": \"Подготовить КП\","
    "                 \"due\": {\"days\": 1}}]}]";
  g_autoptr(CrmStore) a = make_store (&account, "a.db", rules);
  g_autoptr(CrmStore) b = make_store (&account, "b.db", rules);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) a_log = NULL;
  g_autoptr(GPtrArray) b_log = NULL;
  g_autoptr(GPtrArray) trigger = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autofree char *deal = add_deal (a, "Volvo", "Продажи", "Новая");
  g_autofree char *a_state = NULL;
  g_autofree char *b_state = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  gint64 seq_before_move;

  a_log = crm_store_dup_log (a, 0, &error);
  g_assert_true (crm_store_merge_ops (b, a_log, &error));
  g_clear_pointer (&a_log, g_ptr_array_unref);
  seq_before_move = crm_store_get_log_length (a);

  /* A moves the deal; its rule makes a task. B gets only the move and runs the same
   * rule on the same op itself (as a server would). */
  g_assert_true (move (a, deal, "Продажи", "Переговоры", NULL, &error));
  a_log = crm_store_dup_log (a, seq_before_move, &error);
  for (guint i = 0; i < a_log->len; i++)
    if (((CrmOp *) a_log->pdata[i])->rule == NULL)
      g_ptr_array_add (trigger, crm_op_copy (a_log->pdata[i]));
  g_assert_cmpuint (trigger->len, ==, 1);
  g_assert_true (crm_store_merge_ops (b, trigger, &error));
  g_assert_true (crm_rules_run_for_ops (b, trigger, &error));
  g_assert_no_error (error);

  /* then they exchange everything */
  b_log = crm_store_dup_log (b, 0, &error);
  g_clear_pointer (&a_log, g_ptr_array_unref);
  a_log = crm_store_dup_log (a, 0, &error);
  g_assert_true (crm_store_merge_ops (a, b_log, &error));
  g_assert_true (crm_store_merge_ops (b, a_log, &error));
  g_assert_no_error (error);

  tasks = tasks_of (a, deal);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  g_clear_pointer (&tasks, json_array_unref);
  tasks = tasks_of (b, deal);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  a_state = crm_store_dump_state (a, NULL);
  b_state = crm_store_dump_state (b, NULL);
  g_assert_cmpstr (a_state, ==, b_state);
}

static void
test_validation_names_unknown_things (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) bad_action = json_from_string (
    "{\"trigger\": {\"type\": \"deal_won\"}, \"actions\": [{\"type\": \"move_deal\","
    " \"pipeline\": \"A\", \"stage\": \"B\"}, {\"type\": \"send_fax\"}]}", NULL);
  g_autoptr(JsonNode) bad_trigger = json_from_string (
    "{\"trigger\": {\"type\": \"deal_teleported\"}, \"actions\": []}", NULL);
  g_autoptr(JsonNode) bad_condition = json_from_string (
    "{\"trigger\": {\"type\": \"deal_won\"}, \"conditions\": [{\"type\": \"moon_phase\"}],"
    " \"actions\": []}", NULL);
  g_autoptr(JsonNode) good = json_from_string (
    "{\"trigger\": {\"type\": \"deal_won\"}, \"actions\": [{\"type\": \"create_task\","
    " \"text\": \"x\"}]}", NULL);

  g_assert_false (crm_rule_validate (bad_action, &error));
  g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID);
  g_assert_cmpstr (crm_error_code_name (error), ==, "invalid-input");
  g_assert_nonnull (strstr (error->message, "send_fax"));
  g_assert_nonnull (strstr (error->message, "actions[1]"));
  g_clear_error (&error);
  g_assert_false (crm_rule_validate (bad_trigger, &error));
  g_assert_nonnull (strstr (error->message, "deal_teleported"));
  g_clear_error (&error);
  g_assert_false (crm_rule_validate (bad_condition, &error));
  g_assert_nonnull (strstr (error->message, "moon_phase"));
  g_clear_error (&error);
  g_assert_true (crm_rule_validate (good, &error));
  g_assert_no_error (error);
}

/* --- the catalogue, the dry run, writing and exporting rules (the editor's core) ---------- */

/* Every row of every table of the replica file, as bytes: equal strings, equal files'
 * contents. Read through a connection of its own, as another program would. */
static char *
dump_tables (const char *path)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " ORDER BY name", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_assert_cmpuint (tables->len, >, 10);
  for (guint t = 0; t < tables->len; t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY rowid",
                                              (const char *) tables->pdata[t]);

      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          /* a WITHOUT ROWID table */
          g_free (sql);
          sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY 1", (const char *) tables->pdata[t]);
          g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
        }
      g_string_append_printf (out, "== %s\n", (const char *) tables->pdata[t]);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              const void *bytes = sqlite3_column_blob (stmt, c);
              int n = sqlite3_column_bytes (stmt, c);

              g_string_append_printf (out, "%d:", sqlite3_column_type (stmt, c));
              if (bytes != NULL)
                g_string_append_len (out, bytes, n);
              g_string_append_c (out, '\x1f');
            }
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  return node;
}

static const char *
change_text (JsonObject *result,
             guint       index)
{
  JsonArray *changes = json_object_get_array_member (result, "changes");

  g_assert_cmpuint (index, <, json_array_get_length (changes));
  return json_object_get_string_member (json_array_get_object_element (changes, index), "text");
}

static void
test_dry_run (void)
{
  g_auto(Account) account = { 0 };
  /* a stored rule the tried one sets off: VIP set → tell the manager */
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"VIP → руководителю\", \"trigger\": {\"type\": \"field_changed\","
    "   \"field\": \"vip\", \"to\": true},"
    "  \"actions\": [{\"type\": \"notify\", \"user\": \"Иван Петров\","
    "                 \"text\": \"VIP: {title}\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autofree char *deal = add_deal_full (store, "Volvo FH", "Продажи", "Новая", "Volvo", NULL,
                                         NULL, &error);
  g_autofree char *path = g_build_filename (account.dir, "a.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *state_before = NULL;
  g_autofree char *state_after = NULL;
  gint64 log_before;
  g_autoptr(JsonNode) rule = parse (
    "{\"name\": \"Volvo в работу\", \"trigger\": {\"type\": \"stage_entered\","
    "  \"pipeline\": \"Продажи\", \"stage\": \"Новая\"},"
    " \"conditions\": [{\"type\": \"has_tag\", \"tag\": \"Volvo\"},"
    "   {\"type\": \"amount_range\", \"min\": \"500000\"}],"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить: {title}\","
    "   \"due\": {\"days\": 1}},"
    "  {\"type\": \"add_tag\", \"tag\": \"Срочно\"},"
    "  {\"type\": \"set_field\", \"field\": \"vip\", \"value\": true},"
    "  {\"type\": \"move_deal\", \"pipeline\": \"Продажи\", \"stage\": \"Переговоры\"}]}");
  g_autoptr(JsonObject) result = NULL;
  JsonArray *changes;

  g_assert_no_error (error);
  g_assert_true (crm_store_checkpoint (store, NULL));
  before = dump_tables (path);
  state_before = crm_store_dump_state (store, &error);
  g_assert_no_error (error);
  log_before = crm_store_get_log_length (store);

  /* it fires: every change in the words of the deal's history, placeholders filled, the
   * rule it sets off included */
  result = crm_rule_dry_run (store, rule, deal, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (result, "fires"));
  g_assert_false (json_object_has_member (result, "failed"));
  g_assert_false (json_object_has_member (result, "refused"));
  changes = json_object_get_array_member (result, "changes");
  g_assert_cmpuint (json_array_get_length (changes), ==, 5);
  g_assert_cmpstr (change_text (result, 0), ==, "Task «Позвонить: Volvo FH» added");
  g_assert_cmpstr (change_text (result, 1), ==, "Tag «Срочно» added");
  g_assert_cmpstr (change_text (result, 2), ==, "VIP: yes");
  g_assert_cmpstr (change_text (result, 3), ==, "Moved to «Переговоры» in «Продажи»");
  g_assert_cmpstr (change_text (result, 4), ==, "Notification to Иван Петров: VIP: Volvo FH");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (changes, 4),
                                                  "rule"), ==, "VIP → руководителю");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (changes, 0),
                                                  "rule"), ==, "Volvo в работу");

  /* and nothing was written: the file's tables byte for byte, the state, the log */
  g_assert_true (crm_store_checkpoint (store, NULL));
  after = dump_tables (path);
  g_assert_true (g_str_equal (before, after));
  state_after = crm_store_dump_state (store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (state_before, ==, state_after);
  g_assert_cmpint (crm_store_get_log_length (store), ==, log_before);
  assert_deal_at (store, deal, "Продажи/Новая");

  /* a condition that does not hold is named */
  {
    g_autoptr(JsonNode) mismatch = parse (
      "{\"name\": \"MAN\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"conditions\": [{\"type\": \"pipeline\", \"pipeline\": \"Продажи\"},"
      "   {\"type\": \"has_tag\", \"tag\": \"MAN\"}],"
      " \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Срочно\"}]}");
    g_autoptr(JsonObject) no = crm_rule_dry_run (store, mismatch, deal, NULL, &error);
    JsonObject *failed;

    g_assert_no_error (error);
    g_assert_false (json_object_get_boolean_member (no, "fires"));
    failed = json_object_get_object_member (no, "failed");
    g_assert_cmpstr (json_object_get_string_member (failed, "at"), ==, "conditions[1]");
    g_assert_nonnull (strstr (json_object_get_string_member (failed, "message"), "MAN"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (no, "changes")), ==, 0);
  }
  /* a trigger the deal is not at says where the deal is */
  {
    g_autoptr(JsonNode) elsewhere = parse (
      "{\"name\": \"Договор\", \"trigger\": {\"type\": \"stage_entered\", \"stage\": \"Договор\"},"
      " \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Срочно\"}]}");
    g_autoptr(JsonObject) no = crm_rule_dry_run (store, elsewhere, deal, NULL, &error);
    JsonObject *failed;

    g_assert_no_error (error);
    g_assert_false (json_object_get_boolean_member (no, "fires"));
    failed = json_object_get_object_member (no, "failed");
    g_assert_cmpstr (json_object_get_string_member (failed, "at"), ==, "trigger");
    g_assert_nonnull (strstr (json_object_get_string_member (failed, "message"), "Продажи › Новая"));
    g_assert_nonnull (strstr (json_object_get_string_member (failed, "message"), "Договор"));
  }
  /* what the engine would refuse is said, and still nothing is written */
  {
    g_autoptr(JsonNode) broken = parse (
      "{\"name\": \"Куда?\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Срочно\"},"
      "   {\"type\": \"move_deal\", \"pipeline\": \"Продажи\", \"stage\": \"Нет такой\"}]}");
    g_autoptr(JsonObject) refused = crm_rule_dry_run (store, broken, deal, NULL, &error);
    JsonObject *why;

    g_assert_no_error (error);
    why = json_object_get_object_member (refused, "refused");
    g_assert_nonnull (why);
    g_assert_cmpstr (json_object_get_string_member (why, "code"), ==, "not-found");
    g_assert_nonnull (strstr (json_object_get_string_member (why, "message"), "Нет такой"));
  }
  /* a missing deal and an invalid rule are errors */
  g_assert_null (crm_rule_dry_run (store, rule, "no-such-deal", NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autoptr(JsonNode) invalid = parse ("{\"trigger\": {\"type\": \"deal_created\"},"
                                         " \"actions\": [{\"type\": \"add_tag\"}]}");

    g_assert_null (crm_rule_dry_run (store, invalid, deal, NULL, &error));
    g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_true (crm_store_checkpoint (store, NULL));
  g_free (after);
  after = dump_tables (path);
  g_assert_true (g_str_equal (before, after));
}

/* @node as the only trigger, condition or action of a rule, checked as `rule import` does */
static gboolean
validate_one (CrmRulePart  part,
              JsonNode    *node,
              GError     **error)
{
  g_autoptr(JsonObject) rule = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *trigger = json_object_new ();
  JsonArray *one = json_array_new ();

  json_object_set_string_member (trigger, "type", "deal_created");
  json_array_add_element (one, json_node_copy (node));
  if (part == CRM_RULE_PART_TRIGGER)
    {
      json_object_set_member (rule, "trigger", json_node_copy (node));
      json_object_unref (trigger);
    }
  else
    json_object_set_object_member (rule, "trigger", trigger);
  json_object_set_array_member (rule, "conditions", part == CRM_RULE_PART_CONDITION
                                                    ? json_array_ref (one) : json_array_new ());
  json_object_set_array_member (rule, "actions", part == CRM_RULE_PART_ACTION
                                                 ? json_array_ref (one) : json_array_new ());
  json_array_unref (one);
  json_node_set_object (root, rule);
  return crm_rule_validate (root, error);
}

static void
test_catalog (void)
{
  g_autoptr(JsonNode) json = crm_rule_catalog_to_json ();
  JsonObject *root = json_node_get_object (json);
  const CrmRulePart parts[] = { CRM_RULE_PART_TRIGGER, CRM_RULE_PART_CONDITION,
                                CRM_RULE_PART_ACTION };
  const char *keys[] = { "triggers", "conditions", "actions" };

  /* the catalogue is what the checks accept: each type with its required parameters
   * filled is valid, and without one it is refused naming the parameter */
  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      guint n = 0;
      const CrmRuleSpec *specs = crm_rule_catalog_list (parts[p], &n);

      g_assert_cmpuint (n, ==, json_array_get_length (json_object_get_array_member (root, keys[p])));
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(JsonObject) item = json_object_new ();
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
          g_autoptr(GError) error = NULL;
          const char *required = NULL;

          g_assert_true (crm_rule_catalog_lookup (parts[p], specs[i].type) == &specs[i]);
          json_object_set_string_member (item, "type", specs[i].type);
          for (guint k = 0; specs[i].params[k].key != NULL; k++)
            {
              const CrmRuleParam *param = &specs[i].params[k];

              if (!param->required)
                continue;
              required = param->key;
              if (param->kind == CRM_RULE_PARAM_CONDITION)
                {
                  JsonObject *inner = json_object_new ();
                  json_object_set_string_member (inner, "type", "field_empty");
                  json_object_set_string_member (inner, "field", "vip");
                  json_object_set_object_member (item, param->key, inner);
                }
              else if (param->kind == CRM_RULE_PARAM_REASONS)
                {
                  JsonArray *list = json_array_new ();
                  json_array_add_string_element (list, "Дорого");
                  json_object_set_array_member (item, param->key, list);
                }
              else
                json_object_set_string_member (item, param->key, "x");
            }
          if (g_str_equal (specs[i].type, "create_task") || g_str_equal (specs[i].type, "notify"))
            json_object_set_string_member (item, "text", "x");
          if (g_str_equal (specs[i].type, "counter"))
            json_object_set_int_member (item, "equals", 1);
          if (g_str_equal (specs[i].type, "send_message"))
            json_object_set_string_member (item, "text", "x");
          json_node_set_object (node, item);
          g_assert_true (validate_one (parts[p], node, &error));
          g_assert_no_error (error);
          if (required != NULL && parts[p] != CRM_RULE_PART_CONDITION)
            {
              json_object_remove_member (item, required);
              g_assert_false (validate_one (parts[p], node, &error));
              g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_INVALID);
              g_assert_nonnull (strstr (error->message, required));
            }
        }
    }
  /* a parameter's kind tells an editor what to offer */
  g_assert_cmpstr (crm_rule_param_kind_name (crm_rule_spec_find_param (
    crm_rule_catalog_lookup (CRM_RULE_PART_ACTION, "move_deal"), "stage")->kind), ==, "stage");
  g_assert_cmpstr (crm_rule_param_kind_name (crm_rule_spec_find_param (
    crm_rule_catalog_lookup (CRM_RULE_PART_ACTION, "create_task"), "due")->kind), ==, "duration");
  g_assert_null (crm_rule_catalog_lookup (CRM_RULE_PART_ACTION, "send_fax"));
}

static void
test_check_against_replica (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db", "[]");
  g_autoptr(GError) error = NULL;
  g_autofree char *at = NULL;
  g_autoptr(JsonNode) good = parse (
    "{\"name\": \"x\", \"trigger\": {\"type\": \"stage_entered\", \"pipeline\": \"Продажи\","
    "  \"stage\": \"Договор\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"x\", \"responsible\": \"deal\"}]}");
  g_autoptr(JsonNode) bad_stage = parse (
    "{\"name\": \"x\", \"trigger\": {\"type\": \"deal_created\"},"
    " \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Volvo\"},"
    "   {\"type\": \"move_deal\", \"pipeline\": \"Продажи\", \"stage\": \"Отгружено\"}]}");
  g_autoptr(JsonNode) bad_shape = parse (
    "{\"name\": \"x\", \"trigger\": {\"type\": \"deal_created\"},"
    " \"conditions\": [{\"type\": \"has_tag\"}], \"actions\": []}");

  g_assert_true (crm_rule_check (store, good, &at, &error));
  g_assert_no_error (error);
  g_assert_null (at);
  g_assert_false (crm_rule_check (store, bad_stage, &at, &error));
  g_assert_cmpstr (at, ==, "actions[1]");
  g_assert_nonnull (strstr (error->message, "Отгружено"));
  g_clear_error (&error);
  g_clear_pointer (&at, g_free);
  g_assert_false (crm_rule_check (store, bad_shape, &at, &error));
  g_assert_cmpstr (at, ==, "conditions[0]");
  g_assert_nonnull (strstr (error->message, "\"tag\""));
  g_clear_error (&error);
  g_clear_pointer (&at, g_free);

  /* assign_on_shift's roles: a built-in key or a role's name pass, one the account lacks
   * is named with the roles it has */
  {
    g_autoptr(JsonNode) roles_ok = parse (
      "{\"name\": \"x\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Продажи\","
      "   \"roles\": [\"rep\", \"Manager\"]}]}");
    g_autoptr(JsonNode) roles_bad = parse (
      "{\"name\": \"x\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Продажи\","
      "   \"roles\": [\"rep\", \"Стажёр\"]}]}");

    g_assert_true (crm_rule_check (store, roles_ok, &at, &error));
    g_assert_no_error (error);
    g_assert_false (crm_rule_check (store, roles_bad, &at, &error));
    g_assert_error (error, CRM_RULE_ERROR, CRM_RULE_ERROR_UNKNOWN_TARGET);
    g_assert_cmpstr (at, ==, "actions[0]");
    g_assert_nonnull (strstr (error->message, "There is no role «Стажёр»"));
    g_assert_nonnull (strstr (error->message, "manager"));
  }
}

static void
test_import_export_round_trip (void)
{
  g_auto(Account) account = { 0 };
  CrmStore *store = account.store = make_store (&account, "a.db",
    "[{\"name\": \"Первое\", \"trigger\": {\"type\": \"deal_created\"},"
    "  \"actions\": [{\"type\": \"add_tag\", \"tag\": \"Срочно\"}]}]");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(JsonNode) rule = parse (
    "{\"name\": \"Второе\", \"enabled\": false, \"trigger\": {\"type\": \"deal_won\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Спасибо\", \"due\": {\"days\": 3}}]}");
  g_autoptr(JsonNode) exported = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *id = NULL;
  g_autofree char *change_set = NULL;
  gboolean created = FALSE;
  JsonArray *rules;

  g_assert_true (crm_rules_stage_import (store, cs, rule, &id, &created, &error));
  g_assert_no_error (error);
  g_assert_true (created);
  g_assert_true (crm_store_apply (store, cs, &error));
  g_assert_no_error (error);

  exported = crm_rules_export (store, NULL, &error);
  g_assert_no_error (error);
  rules = json_node_get_array (exported);
  g_assert_cmpuint (json_array_get_length (rules), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rules, 1), "name"),
                   ==, "Второе");
  g_assert_true (json_node_equal (json_array_get_element (rules, 1), rule));

  /* renamed by id (the editor), then removed; undo brings it back */
  {
    g_autoptr(CrmChangeset) rename = crm_changeset_new ();
    g_autoptr(JsonNode) renamed = json_node_copy (rule);
    g_autofree char *same = NULL;

    json_object_set_string_member (json_node_get_object (renamed), "name", "Третье");
    json_object_set_string_member (json_node_get_object (renamed), "id", id);
    g_assert_true (crm_rules_stage_import (store, rename, renamed, &same, &created, &error));
    g_assert_false (created);
    g_assert_cmpstr (same, ==, id);
    g_assert_true (crm_store_apply (store, rename, &error));
    g_assert_no_error (error);

    json_object_set_string_member (json_node_get_object (renamed), "name", "Первое");
    g_assert_false (crm_rules_stage_import (store, rename, renamed, NULL, NULL, &error));
    g_assert_nonnull (strstr (error->message, "Первое"));
    g_clear_error (&error);
  }
  {
    g_autoptr(CrmChangeset) removal = crm_changeset_new ();

    crm_rules_stage_delete (removal, id);
    g_assert_true (crm_store_apply (store, removal, &error));
    g_assert_no_error (error);
    list = crm_rules_list (store, &error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
    change_set = crm_store_dup_last_change_set (store);
    g_assert_true (crm_store_undo_change_set (store, change_set, NULL, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&list, json_node_unref);
    list = crm_rules_list (store, &error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  }
  g_clear_pointer (&exported, json_node_unref);
  exported = crm_rules_export (store, "Третье", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (exported)), ==, 1);
  g_assert_null (crm_rules_export (store, "Нет такого", &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rules/trigger/field-changed-and-stage-entered",
                   test_field_changed_moves_deal);
  g_test_add_func ("/rules/trigger/won-creates-deal-with-task", test_won_creates_deal_with_task);
  g_test_add_func ("/rules/trigger/lost-reason-and-from-stage",
                   test_lost_with_reason_and_from_stage);
  g_test_add_func ("/rules/trigger/task-completed-contact-company",
                   test_task_completed_and_messages);
  g_test_add_func ("/rules/send-template", test_send_template);
  g_test_add_func ("/rules/conditions", test_conditions);
  g_test_add_func ("/rules/action/for-each-deal", test_for_each_deal_stock_match);
  g_test_add_func ("/rules/loop-refused", test_loop_is_refused);
  g_test_add_func ("/rules/unknown-target-refused", test_unknown_target_is_refused);
  g_test_add_func ("/rules/timers", test_timers);
  g_test_add_func ("/rules/same-rule-same-op-two-replicas", test_same_rule_same_op_two_replicas);
  g_test_add_func ("/rules/validation", test_validation_names_unknown_things);
  g_test_add_func ("/rules/catalog", test_catalog);
  g_test_add_func ("/rules/check-against-replica", test_check_against_replica);
  g_test_add_func ("/rules/dry-run", test_dry_run);
  g_test_add_func ("/rules/import-export", test_import_export_round_trip);
  return g_test_run ();
}
