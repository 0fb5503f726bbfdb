/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-demo.c — demo data fills a truck-dealer replica the way a real account looks
 * (every pipeline, open tasks on open deals, overdue tasks, brand tags, Russian names
 * and phone numbers) and the same seed always gives the same replica. */
#include <string.h>

#include <glib/gstdio.h>

#include "crm-demo.h"
#include "crm-store-private.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-test-store.h"

#define DEMO_NOW "2026-03-02T10:00:00Z"

typedef struct {
  char     *dir;
  CrmStore *store;
} Fixture;

static const CrmDemoOptions default_options = {
  .seed = 42, .n_deals = 300, .n_contacts = 200, .n_companies = 60,
};

static CrmStore *
new_demo_store (const char           *dir,
                const char           *name,
                const CrmDemoOptions *options)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_create (path, &error);
  g_autoptr(JsonNode) template = NULL;
  gint64 now = 0;

  g_assert_no_error (error);
  g_assert_true (crm_time_parse (DEMO_NOW, &now));
  crm_store_set_now (store, now);
  template = crm_template_load ("truck-dealer", &error);
  g_assert_no_error (error);
  crm_template_apply (store, template, &error);
  g_assert_no_error (error);
  crm_demo_populate (store, options, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("voronka-demo-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = new_demo_store (fixture->dir, "replica.db", &default_options);
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

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

static void
test_deals (Fixture       *fixture,
            gconstpointer  data)
{
  CrmStore *store = fixture->store;

  /* 300 deals written by the demo itself; the template's rules add more (a won sale
   * opens a deal in «База купивших клиентов», some losses one in «Отказники»). */
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d WHERE NOT EXISTS (SELECT 1 FROM "
                               "changelog c WHERE c.entity_id = d.id AND c.rule IS NOT NULL "
                               "AND json_extract (c.fields, '$.title') IS NOT NULL)"), ==, 300);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d WHERE EXISTS (SELECT 1 FROM "
                               "changelog c WHERE c.entity_id = d.id AND c.rule IS NOT NULL "
                               "AND json_extract (c.fields, '$.title') IS NOT NULL)"), >, 0);
  g_assert_cmpint (count_rows (store, "SELECT COUNT(DISTINCT pipeline) FROM deal"), ==, 5);
  /* Each pipeline has open and lost deals; won ones stay only where no rule moves
   * them on (a won Лизинг deal goes to Продажи «Оплата получена», S0-4; «Передано в
   * продажи» goes to Продажи «Квалифицирован», S0-6). */
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM (SELECT d.pipeline FROM deal d JOIN "
                               "stage s ON s.id = d.stage GROUP BY d.pipeline HAVING "
                               "COUNT(DISTINCT CASE s.kind WHEN 'won' THEN NULL "
                               "WHEN 'unsorted' THEN 'open' ELSE s.kind END) = 2)"), ==, 5);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(DISTINCT p.name) FROM deal d JOIN stage s ON "
                               "s.id = d.stage JOIN pipeline p ON p.id = d.pipeline WHERE "
                               "s.kind = 'won' AND p.name IN ('Продажи', 'Отдел закупок')"),
                   ==, 2);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d JOIN stage s ON s.id = d.stage "
                               "JOIN pipeline p ON p.id = d.pipeline WHERE s.kind = 'won' AND "
                               "p.name IN ('Лизинг', 'Отказники', 'База купивших клиентов')"),
                   ==, 0);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d JOIN stage s ON s.id = d.stage "
                               "WHERE s.pipeline != d.pipeline"), ==, 0);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d JOIN stage s ON s.id = d.stage "
                               "JOIN loss_reason r ON r.id = d.loss_reason "
                               "AND r.pipeline = d.pipeline WHERE s.kind = 'lost'"), ==,
                   count_rows (store,
                               "SELECT COUNT(*) FROM deal d JOIN stage s ON s.id = d.stage "
                               "WHERE s.kind = 'lost'"));
  g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM deal WHERE amount <= 0 OR "
                                      "responsible IS NULL OR title NOT GLOB '*[0-9]*'"),
                   ==, 0);
  /* Fields keyed by the template's field keys, with the template's choices. */
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal WHERE source NOT IN ('Авито', "
                               "'Фарпост', 'Авто.ру', 'Рекомендация', 'Исходящий звонок', "
                               "'Входящий звонок', 'Сайт')"), ==, 0);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal WHERE json_extract(data, "
                               "'$.payment_type') = 'Лизинг'"), >, 50);
}

static void
test_tasks (Fixture       *fixture,
            gconstpointer  data)
{
  CrmStore *store = fixture->store;
  g_autofree char *overdue = g_strdup_printf ("SELECT COUNT(*) FROM task WHERE done = 0 "
                                              "AND due < %" G_GINT64_FORMAT,
                                              crm_store_get_now (store));

  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d JOIN stage s ON s.id = d.stage "
                               "WHERE s.kind IN ('unsorted', 'open') AND NOT EXISTS "
                               "(SELECT 1 FROM task t WHERE t.deal = d.id AND t.done = 0 "
                               "AND t.deleted = 0)"), ==, 0);
  g_assert_cmpint (count_rows (store, overdue), >, 10);
  g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM task WHERE done = 1"), >, 50);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM task WHERE done = 1 AND type = 'call' "
                               "AND (result IS NULL OR result = '')"), ==, 0);
}

static void
test_tags_and_people (Fixture       *fixture,
                      gconstpointer  data)
{
  CrmStore *store = fixture->store;
  g_autoptr(GRegex) phone = g_regex_new ("^\\[\"\\+79[0-9]{9}\"(,\"\\+79[0-9]{9}\")?\\]$",
                                         0, 0, NULL);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(DISTINCT dt.tag) FROM deal_tag dt JOIN tag t "
                               "ON t.id = dt.tag WHERE t.grp = 'brand' AND dt.present = 1"),
                   ==, 8);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d WHERE NOT EXISTS (SELECT 1 FROM "
                               "deal_tag dt WHERE dt.deal = d.id AND dt.present = 1)"), ==, 0);
  g_assert_cmpint (count_rows (store,
                               "SELECT COUNT(*) FROM deal d WHERE NOT EXISTS (SELECT 1 FROM "
                               "deal_contact dc WHERE dc.deal = d.id AND dc.present = 1)"),
                   ==, 0);

  g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM contact WHERE name LIKE "
                                      "'Иванов %' OR name LIKE 'Иванова %'"), >=, 3);
  g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM contact WHERE emails != '[]'"),
                   >, 50);
  g_assert_cmpint (count_rows (store, "SELECT COUNT(*) FROM company WHERE NOT ("
                                      "(name LIKE 'ООО «%' OR name LIKE 'АО «%') AND "
                                      "length(inn) = 10 OR name LIKE 'ИП %' AND "
                                      "length(inn) = 12)"), ==, 0);
  g_assert_cmpint (count_rows (store, "SELECT COUNT(DISTINCT name) FROM company"), ==, 60);

  /* Person names are «Surname Name Patronymic»; phones are normalized. */
  stmt = _crm_store_prepare (store, "SELECT name, phones FROM contact", &error);
  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      const char *phones = (const char *) sqlite3_column_text (stmt, 1);
      g_auto(GStrv) words = g_strsplit (name, " ", -1);

      g_assert_cmpuint (g_strv_length (words), ==, 3);
      if (!g_regex_match (phone, phones, 0, NULL))
        g_error ("%s has phones %s", name, phones);
    }
}

/* The state with the store's own device id (in every field clock) masked: two stores
 * are two devices, so only what they wrote and when can be compared. */
static char *
dup_state (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = crm_store_dump_state (store, &error);
  g_auto(GStrv) parts = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (state);
  parts = g_strsplit (state, crm_store_get_device_id (store), -1);
  return g_strjoinv ("DEVICE", parts);
}

static void
test_same_seed_same_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voronka-demo-XXXXXX", &error);
  CrmDemoOptions small = { .seed = 7, .n_deals = 120, .n_contacts = 60, .n_companies = 20 };
  CrmDemoOptions other_seed = small;
  g_autoptr(CrmStore) a = new_demo_store (dir, "a.db", &small);
  g_autoptr(CrmStore) b = new_demo_store (dir, "b.db", &small);
  g_autoptr(CrmStore) c = NULL;
  g_autofree char *state_a = dup_state (a);
  g_autofree char *state_b = dup_state (b);
  g_autofree char *state_c = NULL;

  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (state_a, state_b) == 0);

  other_seed.seed = 8;
  c = new_demo_store (dir, "c.db", &other_seed);
  state_c = dup_state (c);
  g_assert_true (g_strcmp0 (state_a, state_c) != 0);

  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  remove_dir (dir);
}

static void
test_needs_truck_dealer (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voronka-demo-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "studio.db", NULL);
  g_autoptr(CrmStore) store = crm_store_create (path, &error);
  g_autoptr(JsonNode) template = crm_template_load ("design-studio", &error);
  gint64 log_length;

  g_assert_no_error (error);
  crm_template_apply (store, template, &error);
  g_assert_no_error (error);
  log_length = crm_store_get_log_length (store);
  g_assert_false (crm_demo_populate (store, &default_options, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "truck-dealer"));
  g_assert_cmpint (crm_store_get_log_length (store), ==, log_length);

  g_clear_object (&store);
  remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/demo/deals", Fixture, NULL, fixture_setup, test_deals, fixture_teardown);
  g_test_add ("/demo/tasks", Fixture, NULL, fixture_setup, test_tasks, fixture_teardown);
  g_test_add ("/demo/tags-and-people", Fixture, NULL,
              fixture_setup, test_tags_and_people, fixture_teardown);
  g_test_add_func ("/demo/same-seed-same-state", test_same_seed_same_state);
  g_test_add_func ("/demo/needs-truck-dealer", test_needs_truck_dealer);
  return g_test_run ();
}
