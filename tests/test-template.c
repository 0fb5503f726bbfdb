/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-template.c — shipped templates load and apply with the names SPEC.md gives;
 * broken templates are refused with a message naming the line:column or the key path,
 * and leave the replica untouched. */
#include <string.h>

#include <glib/gstdio.h>

#include "crm-store-private.h"
#include "crm-template.h"
#include "crm-uuid.h"
#include "crm-test-store.h"

typedef struct {
  char     *dir;
  CrmStore *store;
} Fixture;

static CrmStore *
new_store (Fixture    *fixture,
           const char *name)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  CrmStore *store = crm_store_create (path, &error);

  g_assert_no_error (error);
  return store;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("voronka-template-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = new_store (fixture, "replica.db");
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_dir (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->store);
  remove_dir (fixture->dir);
  g_free (fixture->dir);
}

/* One number from SQL on the replica (crm-test-store.h). */
#define count_rows(store, sql) crm_test_count_sql ((store), (sql), NULL)

/* "Pipeline: stage (kind) > stage (kind) …" for every pipeline, in order. */
static GPtrArray *
describe_pipelines (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT p.name, s.name, s.kind FROM stage s JOIN pipeline p ON p.id = s.pipeline "
    "ORDER BY p.position, s.position", &error);
  GString *line = NULL;
  g_autofree char *current = NULL;

  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *pipeline = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (current, pipeline) != 0)
        {
          if (line != NULL)
            g_ptr_array_add (lines, g_string_free (line, FALSE));
          line = g_string_new (pipeline);
          g_string_append (line, ":");
          g_free (current);
          current = g_strdup (pipeline);
        }
      g_string_append_printf (line, " %s (%s)", sqlite3_column_text (stmt, 1),
                              sqlite3_column_text (stmt, 2));
    }
  if (line != NULL)
    g_ptr_array_add (lines, g_string_free (line, FALSE));
  return lines;
}

static void
apply_shipped (CrmStore   *store,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = crm_template_load (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  crm_template_apply (store, root, &error);
  g_assert_no_error (error);
}

static void
test_list (void)
{
  g_auto(GStrv) names = crm_template_list ();
  const char *expected[] = {
    "b2b-distributor", "design-studio", "equipment-supplier", "event-organizer",
    "truck-dealer", NULL
  };

  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char *const *) names, expected[i]));
}

static void
test_truck_dealer (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char *const expected[] = {
    "Продажи: Неразобранное (unsorted) Новая заявка (open) Квалифицирован (open) "
    "Встреча согласована (open) Встреча проведена (open) Согласование условий договора "
    "(open) Договор согласован (open) Ожидание оплаты (open) Оплата получена (open) "
    "Ожидание отгрузки (open) Отгружено (won) Закрыто и не реализовано (lost)",
    "Лизинг: Неразобранное (unsorted) База клиентов на лизинг (open) Подбор лизинговой "
    "компании (open) Сбор документов (open) Компания подобрана (open) Условия согласованы "
    "с лизинговой компанией (open) Внесен задаток (open) Ожидание оплаты (open) Полная "
    "оплата получена (won) Закрыто и не реализовано (lost)",
    "База купивших клиентов: Неразобранное (unsorted) База клиентов (open) Взято в работу "
    "(open) Передано в продажи (won) Закрыто и не реализовано (lost)",
    "Отказники: Неразобранное (unsorted) База отказников (open) Взято в работу (open) "
    "Передано в продажи (won) Закрыто и не реализовано (lost)",
    "Отдел закупок: Новая заявка (open) Квалифицирован (open) Поставщик интересен (open) "
    "Документация получена (open) Закупка/Комиссия (open) Осмотр техники (open) "
    "Согласование условий договора (open) Условия согласованы (open) Техника получена "
    "(open) Техника продана (won) Закрыто и не реализовано (lost)",
  };
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonObject) pipeline = NULL;
  g_autoptr(JsonObject) field = NULL;
  g_autofree char *pipeline_id = NULL;
  g_autofree char *field_id = NULL;
  g_autofree char *template = NULL;
  g_autofree char *currency = NULL;
  g_autofree char *choices = NULL;

  apply_shipped (fixture->store, "truck-dealer");

  lines = describe_pipelines (fixture->store);
  g_assert_cmpuint (lines->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (lines, i), ==, expected[i]);

  /* Six reasons on each of the five pipelines, in the order CLI.md lists them. */
  g_assert_cmpint (count_rows (fixture->store, "SELECT COUNT(*) FROM loss_reason"), ==, 30);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM loss_reason WHERE position = 0 AND "
                               "name = 'Дорого'"), ==, 5);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM tag WHERE grp = 'brand'"), ==, 8);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM tag WHERE grp = 'trailer' AND "
                               "name IN ('Schmitz Cargobull', 'Kögel', 'Krone', 'Wielton', "
                               "'Тонар')"), ==, 5);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM \"user\" WHERE role = 'admin' AND "
                               "name = 'admin'"), ==, 1);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM \"user\" WHERE grp = 'Отдел закупок'"),
                   >=, 2);

  /* Ids are UUIDv5 of the names, so every replica agrees on them. */
  pipeline_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, "truck-dealer/pipeline/Продажи");
  pipeline = crm_store_dup_entity (fixture->store, "pipeline", pipeline_id);
  g_assert_nonnull (pipeline);
  g_assert_cmpstr (json_object_get_string_member (pipeline, "name"), ==, "Продажи");

  field_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, "truck-dealer/field/deal/source");
  field = crm_store_dup_entity (fixture->store, "field", field_id);
  g_assert_nonnull (field);
  g_assert_cmpstr (json_object_get_string_member (field, "label"), ==, "Источник");
  choices = json_to_string (json_object_get_member (field, "choices"), FALSE);
  g_assert_cmpstr (choices, ==, "[\"Авито\",\"Фарпост\",\"Авто.ру\",\"Рекомендация\","
                                "\"Исходящий звонок\",\"Входящий звонок\",\"Сайт\"]");

  template = crm_store_dup_meta (fixture->store, "template");
  currency = crm_store_dup_meta (fixture->store, "currency");
  g_assert_cmpstr (template, ==, "truck-dealer");
  g_assert_cmpstr (currency, ==, "RUB");
}

static void
test_all_shipped (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(GStrv) names = crm_template_list ();

  g_assert_cmpuint (g_strv_length (names), >=, 5);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (names[i], ".db", NULL);
      g_autoptr(CrmStore) store = new_store (fixture, file);

      g_test_message ("template %s", names[i]);
      apply_shipped (store, names[i]);
      /* Exactly one won and one lost stage per pipeline, and reasons for the lost one. */
      g_assert_cmpint (count_rows (store,
                                   "SELECT COUNT(*) FROM pipeline p WHERE "
                                   "(SELECT COUNT(*) FROM stage s WHERE s.pipeline = p.id "
                                   "AND s.kind = 'won') != 1 OR "
                                   "(SELECT COUNT(*) FROM stage s WHERE s.pipeline = p.id "
                                   "AND s.kind = 'lost') != 1 OR "
                                   "(SELECT COUNT(*) FROM loss_reason r WHERE "
                                   "r.pipeline = p.id) = 0"), ==, 0);
      g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM \"user\" WHERE "
                                          "role = 'admin'"), >=, 1);
    }
}

static void
test_b2b_required_fields (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *stage_id = NULL;
  g_autofree char *sql = NULL;

  apply_shipped (fixture->store, "b2b-distributor");
  stage_id = crm_uuid_v5 (CRM_UUID_NAMESPACE,
                          "b2b-distributor/stage/Сделки/Коммерческое предложение");
  sql = g_strdup_printf ("SELECT COUNT(*) FROM field WHERE entity = 'deal' AND key IN "
                         "('target_audience', 'geography', 'order_volume', 'business_type')"
                         " AND required_stages LIKE '%%%s%%'", stage_id);
  g_assert_cmpint (count_rows (fixture->store, sql), ==, 4);
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM pipeline WHERE name IN ('Лиды', "
                               "'Сделки', 'Повторные продажи', 'Холодные продажи')"), ==, 4);
}

static void
test_same_ids_everywhere (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char *const tables[] = {
    "\"user\"", "pipeline", "stage", "loss_reason", "field", "tag"
  };
  g_autoptr(CrmStore) other = new_store (fixture, "other.db");
  g_autofree char *attach = g_strdup_printf ("ATTACH DATABASE '%s/other.db' AS other",
                                             fixture->dir);

  apply_shipped (fixture->store, "truck-dealer");
  apply_shipped (other, "truck-dealer");
  g_clear_object (&other);

  g_assert_cmpint (sqlite3_exec (_crm_store_get_db (fixture->store), attach, NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *one = g_strdup_printf ("SELECT COUNT(*) FROM main.%s", tables[i]);
      g_autofree char *both = g_strdup_printf ("SELECT COUNT(*) FROM (SELECT id FROM main.%s "
                                               "UNION SELECT id FROM other.%s)",
                                               tables[i], tables[i]);

      g_assert_cmpint (count_rows (fixture->store, one), >, 0);
      g_assert_cmpint (count_rows (fixture->store, both), ==,
                       count_rows (fixture->store, one));
    }
  g_assert_cmpint (count_rows (fixture->store,
                               "SELECT COUNT(*) FROM (SELECT id, pipeline, name, kind, position "
                               "FROM main.stage EXCEPT SELECT id, pipeline, name, kind, "
                               "position FROM other.stage)"), ==, 0);
}

/* ─────────────────────────────── broken templates ─────────────────────────────── */

static const char base_template[] =
  "{\n"
  "  \"name\": \"mini\",\n"
  "  \"title\": \"Мини\",\n"
  "  \"users\": [{\"name\": \"admin\", \"role\": \"admin\"}],\n"
  "  \"pipelines\": [\n"
  "    {\"name\": \"Продажи\", \"stages\": [\n"
  "      {\"name\": \"Новая\", \"kind\": \"open\"},\n"
  "      {\"name\": \"Успех\", \"kind\": \"won\"},\n"
  "      {\"name\": \"Отказ\", \"kind\": \"lost\"}]},\n"
  "    {\"name\": \"Закупки\", \"stages\": [\n"
  "      {\"name\": \"Заявка\", \"kind\": \"open\"},\n"
  "      {\"name\": \"Куплено\", \"kind\": \"won\"},\n"
  "      {\"name\": \"Отказ\", \"kind\": \"lost\"}]}\n"
  "  ],\n"
  "  \"loss_reasons\": [\"Дорого\"],\n"
  "  \"fields\": [{\"entity\": \"deal\", \"key\": \"budget\", \"label\": \"Бюджет\",\n"
  "              \"type\": \"money\",\n"
  "              \"required_at\": [{\"pipeline\": \"Продажи\", \"stage\": \"Успех\"}]}],\n"
  "  \"rules\": []\n"
  "}\n";

typedef struct {
  const char *name;
  const char *from;        /* replaced once in base_template… */
  const char *to;          /* …by this */
  const char *message[3];  /* the refusal names these */
} Broken;

static const Broken broken_templates[] = {
  { "bad-json", "\"title\": \"Мини\",", "\"title\": \"Мини\"",
    { "broken.json:3:", NULL } },
  { "trailing-garbage", "\"rules\": []\n}", "\"rules\": []\n}}", { "broken.json:20:", NULL } },
  { "wrong-kind", "{\"name\": \"Куплено\", \"kind\": \"won\"}",
    "{\"name\": \"Куплено\", \"kind\": \"done\"}",
    { "pipelines[1].stages[1].kind",
      "expected one of unsorted, open, won, lost", "done" } },
  { "no-won-stage", "{\"name\": \"Успех\", \"kind\": \"won\"}",
    "{\"name\": \"Успех\", \"kind\": \"open\"}",
    { "pipelines[0].stages", "won", NULL } },
  { "two-lost-stages", "{\"name\": \"Заявка\", \"kind\": \"open\"}",
    "{\"name\": \"Заявка\", \"kind\": \"lost\"}",
    { "pipelines[1].stages[2].kind", "lost", NULL } },
  { "unknown-stage", "\"stage\": \"Успех\"", "\"stage\": \"Победа\"",
    { "fields[0].required_at[0].stage", "Победа", "Продажи" } },
  { "unknown-pipeline", "\"pipeline\": \"Продажи\"", "\"pipeline\": \"Аренда\"",
    { "fields[0].required_at[0].pipeline", "Аренда", NULL } },
  { "duplicate-stage", "{\"name\": \"Успех\", \"kind\": \"won\"}",
    "{\"name\": \"Новая\", \"kind\": \"won\"}",
    { "pipelines[0].stages[1]", "Новая", NULL } },
  { "duplicate-pipeline", "{\"name\": \"Закупки\"", "{\"name\": \"Продажи\"",
    { "pipelines[1]", "Продажи", NULL } },
  { "choice-without-choices", "\"type\": \"money\"", "\"type\": \"choice\"",
    { "fields[0].choices", NULL } },
  { "unknown-key", "\"loss_reasons\":", "\"loss_reasonz\":", { "loss_reasonz", NULL } },
  { "no-admin", "\"role\": \"admin\"", "\"role\": \"rep\"", { "users", "admin", NULL } },
  { "wrong-type", "\"title\": \"Мини\"", "\"title\": 5",
    { "title", "expected a string, got a number", NULL } },
  { "bad-rule", "\"rules\": []",
    "\"rules\": [{\"name\": \"Звонок\", \"trigger\": {\"type\": \"no_such_trigger\"},"
    " \"actions\": []}]",
    { "rules[0]", "no_such_trigger", NULL } },
  { "no-loss-reasons", "\"loss_reasons\": [\"Дорого\"],", "",
    { "pipelines[0].loss_reasons", NULL } },
};

static char *
make_broken (const Broken *broken)
{
  const char *at = strstr (base_template, broken->from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - base_template), base_template, broken->to,
                          at + strlen (broken->from));
}

static void
test_base_is_valid (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = crm_template_parse (base_template, -1, "base.json", &error);

  g_assert_no_error (error);
  crm_template_apply (fixture->store, root, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (fixture->store, "SELECT COUNT(*) FROM stage"), ==, 6);
  /* The top-level reason applies to both pipelines. */
  g_assert_cmpint (count_rows (fixture->store, "SELECT COUNT(*) FROM loss_reason"), ==, 2);
}

static void
test_broken (Fixture       *fixture,
             gconstpointer  data)
{
  const Broken *broken = data;
  g_autofree char *text = make_broken (broken);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) parsed = crm_template_parse (text, -1, "broken.json", &error);
  g_autoptr(JsonNode) raw = NULL;
  gint64 log_length = crm_store_get_log_length (fixture->store);

  g_assert_null (parsed);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_test_message ("%s → %s", broken->name, error->message);
  for (guint i = 0; i < G_N_ELEMENTS (broken->message) && broken->message[i]; i++)
    if (strstr (error->message, broken->message[i]) == NULL)
      g_error ("“%s” does not name “%s”", error->message, broken->message[i]);

  /* A tree that skipped parsing is checked again by apply, and nothing is written. */
  raw = json_from_string (text, NULL);
  if (raw != NULL)
    {
      g_clear_error (&error);
      g_assert_false (crm_template_apply (fixture->store, raw, &error));
      g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, broken->message[0]));
    }
  g_assert_cmpint (crm_store_get_log_length (fixture->store), ==, log_length);
  g_assert_cmpint (count_rows (fixture->store, "SELECT COUNT(*) FROM pipeline"), ==, 0);
  g_assert_null (crm_store_dup_meta (fixture->store, "template"));
}

static void
test_load_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) missing = crm_template_load ("no-such-template", &error);
  g_autofree char *path = g_build_filename (fixture->dir, "custom.json", NULL);
  g_autoptr(JsonNode) custom = NULL;

  g_assert_null (missing);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "truck-dealer"));
  g_clear_error (&error);

  /* A file of one's own, by path. */
  g_assert_true (g_file_set_contents (path, base_template, -1, NULL));
  custom = crm_template_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (custom);
}

static void
test_second_template_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) other = crm_template_load ("design-studio", &error);
  gint64 log_length;

  apply_shipped (fixture->store, "truck-dealer");
  log_length = crm_store_get_log_length (fixture->store);
  g_assert_false (crm_template_apply (fixture->store, other, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_cmpint (crm_store_get_log_length (fixture->store), ==, log_length);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/template/list", test_list);
  g_test_add ("/template/truck-dealer", Fixture, NULL,
              fixture_setup, test_truck_dealer, fixture_teardown);
  g_test_add ("/template/all-shipped", Fixture, NULL,
              fixture_setup, test_all_shipped, fixture_teardown);
  g_test_add ("/template/b2b-required-fields", Fixture, NULL,
              fixture_setup, test_b2b_required_fields, fixture_teardown);
  g_test_add ("/template/same-ids-everywhere", Fixture, NULL,
              fixture_setup, test_same_ids_everywhere, fixture_teardown);
  g_test_add ("/template/base-is-valid", Fixture, NULL,
              fixture_setup, test_base_is_valid, fixture_teardown);
  g_test_add ("/template/load-errors", Fixture, NULL,
              fixture_setup, test_load_errors, fixture_teardown);
  g_test_add ("/template/second-template-refused", Fixture, NULL,
              fixture_setup, test_second_template_refused, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (broken_templates); i++)
    {
      g_autofree char *path = g_strdup_printf ("/template/broken/%s",
                                               broken_templates[i].name);

      g_test_add (path, Fixture, &broken_templates[i],
                  fixture_setup, test_broken, fixture_teardown);
    }
  return g_test_run ();
}
