/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-report.c — the head's reports (crm-report.c) on a small fixed month of work: four
 * employees (one deleted later, one with nothing), deals moved through a pipeline on
 * known days, tasks done in time or late, notes. Every expected figure below is worked
 * out by hand from that data (the comments show how), not taken from an earlier run.
 * Then the same through `voronkactl report` (JSON, CSV, errors). */
#include <string.h>

#include <sqlite3.h>

#include "crm-plan.h"
#include "crm-replica-file.h"
#include "crm-report.h"
#include "crm-schedule.h"
#include "crm-store.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"

#define DAY     CRM_MS_PER_DAY
#define HOUR    ((gint64) 3600 * 1000)
#define MARCH_1 ((gint64) 1772323200000)          /* 2026-03-01T00:00:00Z */
#define AT(day, hour) (MARCH_1 + ((gint64) (day) - 1) * DAY + (gint64) (hour) * HOUR)
#define NOW     (AT (20, 12))                     /* 2026-03-20T12:00:00Z */
#define APRIL_1 (MARCH_1 + 31 * DAY)

typedef struct {
  char     *dir;
  char     *path;
  CrmStore *store;
  char     *anna, *boris, *vera, *dmitry;
  char     *sales, *service;                      /* pipelines */
  char     *fresh, *meeting, *offer, *won, *lost; /* stages of «Продажи» */
  char     *service_new, *service_won;
  char     *too_expensive;                        /* a loss reason */
} Fixture;

static void
apply_at (Fixture      *f,
          gint64        at,
          CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

  crm_store_set_now (f->store, at);
  crm_store_apply (f->store, changeset, &error);
  g_assert_no_error (error);
}

static char *
add_named (Fixture      *f,
           CrmChangeset *changeset,
           const char   *entity,
           const char   *name)
{
  char *id = crm_store_new_id (f->store);

  crm_change_set_string (crm_changeset_create (changeset, entity, id), "name", name);
  return id;
}

static char *
add_user (Fixture      *f,
          CrmChangeset *changeset,
          const char   *name,
          const char   *group)
{
  char *id = add_named (f, changeset, "user", name);
  CrmChange *change = crm_changeset_touch (changeset, "user", id);

  crm_change_set_string (change, "role", "manager");
  crm_change_set_string (change, "grp", group);
  return id;
}

static char *
add_stage (Fixture      *f,
           CrmChangeset *changeset,
           const char   *pipeline,
           const char   *name,
           const char   *kind,
           gint64        position)
{
  char *id = add_named (f, changeset, "stage", name);
  CrmChange *change = crm_changeset_touch (changeset, "stage", id);

  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "kind", kind);
  crm_change_set_int (change, "position", position);
  return id;
}

/* A deal created at @at; @fields "key=value" custom fields (NULL-terminated). */
static char *
add_deal (Fixture            *f,
          const char         *responsible,
          const char         *pipeline,
          const char         *stage,
          gint64              at,
          gint64              amount,
          const char * const *fields)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  char *id = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", "Сделка");
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "amount", amount);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "created_at", at);
  crm_change_set_int (change, "stage_entered_at", at);
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (fields[i], "=", 2);

      crm_change_set_string (change, pair[0], pair[1]);
    }
  apply_at (f, at, changeset);
  return id;
}

static void
move (Fixture    *f,
      const char *deal,
      const char *stage,
      gint64      at)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", at);
  if (g_strcmp0 (stage, f->lost) == 0)
    crm_change_set_string (change, "loss_reason", f->too_expensive);
  apply_at (f, at, changeset);
}

/* A task created at @created, due at @due, done at @done_at (0: open). */
static void
add_task (Fixture    *f,
          const char *responsible,
          const char *deal,
          gint64      created,
          gint64      due,
          gint64      done_at)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "task", id);

  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Позвонить");
  crm_change_set_string (change, "type", "task");
  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "created_at", created);
  crm_change_set_int (change, "due", due);
  crm_change_set_bool (change, "done", FALSE);
  apply_at (f, created, changeset);
  if (done_at > 0)
    {
      g_autoptr(CrmChangeset) done = crm_changeset_new ();

      change = crm_changeset_touch (done, "task", id);
      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_int (change, "done_at", done_at);
      apply_at (f, done_at, done);
    }
}

static void
add_created (Fixture    *f,
             const char *entity,
             const char *responsible,
             gint64      at)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = add_named (f, changeset, entity, "Клиент");
  CrmChange *change = crm_changeset_touch (changeset, entity, id);

  crm_change_set_string (change, "responsible", responsible);
  crm_change_set_int (change, "created_at", at);
  apply_at (f, at, changeset);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char *const both[] = { "budget=1 000 000", "city=Казань", NULL };
  static const char *const budget[] = { "budget=500 000", NULL };
  static const char *const city[] = { "city=Самара", NULL };
  g_autoptr(CrmChangeset) setup = crm_changeset_new ();
  g_autoptr(CrmChangeset) gone = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL, *d5 = NULL;
  g_autofree char *d6 = NULL, *d8 = NULL;
  static const char *const field_keys[] = { "budget", "city", "secret" };

  f->dir = crm_test_make_tmpdir ();
  f->path = g_build_filename (f->dir, "replica.db", NULL);
  f->store = crm_store_create (f->path, &error);
  g_assert_no_error (error);

  f->anna = add_user (f, setup, "Анна", "south");
  f->boris = add_user (f, setup, "Борис", "north");
  f->vera = add_user (f, setup, "Вера", "south");
  f->dmitry = add_user (f, setup, "Дмитрий", "north");
  f->sales = add_named (f, setup, "pipeline", "Продажи");
  crm_change_set_int (crm_changeset_touch (setup, "pipeline", f->sales), "position", 0);
  f->service = add_named (f, setup, "pipeline", "Сервис");
  crm_change_set_int (crm_changeset_touch (setup, "pipeline", f->service), "position", 1);
  f->fresh = add_stage (f, setup, f->sales, "Новая", "unsorted", 0);
  f->meeting = add_stage (f, setup, f->sales, "Встреча", "open", 10);
  f->offer = add_stage (f, setup, f->sales, "КП", "open", 20);
  f->won = add_stage (f, setup, f->sales, "Успех", "won", 30);
  f->lost = add_stage (f, setup, f->sales, "Отказ", "lost", 40);
  f->too_expensive = add_named (f, setup, "loss_reason", "Дорого");
  crm_change_set_string (crm_changeset_touch (setup, "loss_reason", f->too_expensive),
                         "pipeline", f->sales);
  f->service_new = add_stage (f, setup, f->service, "Заявка", "open", 0);
  f->service_won = add_stage (f, setup, f->service, "Выполнено", "won", 10);
  /* two visible custom fields of deals, and a hidden one that does not count */
  for (guint i = 0; i < G_N_ELEMENTS (field_keys); i++)
    {
      g_autofree char *id = crm_store_new_id (f->store);
      CrmChange *change = crm_changeset_create (setup, "field", id);

      crm_change_set_string (change, "entity", "deal");
      crm_change_set_string (change, "key", field_keys[i]);
      crm_change_set_string (change, "label", field_keys[i]);
      crm_change_set_string (change, "type", "text");
      crm_change_set_int (change, "position", i);
      crm_change_set_bool (change, "hidden", i == 2);
    }
  apply_at (f, MARCH_1 - 60 * DAY, setup);

  /* d1 Анна: answered by a move 2 h later; Встреча, КП, won on the 10th (1 000.00) */
  d1 = add_deal (f, f->anna, f->sales, f->fresh, AT (2, 9), 100000, both);
  move (f, d1, f->meeting, AT (2, 11));
  move (f, d1, f->offer, AT (5, 9));
  move (f, d1, f->won, AT (10, 9));
  /* d2 Анна: answered 30 min later (Встреча), lost on the 6th */
  d2 = add_deal (f, f->anna, f->sales, f->fresh, AT (3, 9), 50000, budget);
  move (f, d2, f->meeting, AT (3, 9) + HOUR / 2);
  move (f, d2, f->lost, AT (6, 9));
  /* d3 Анна: stays new, answered by a note 1 h later */
  d3 = add_deal (f, f->anna, f->sales, f->fresh, AT (4, 9), 0, NULL);
  {
    g_autoptr(CrmChangeset) note = crm_changeset_new ();
    g_autofree char *id = crm_store_new_id (f->store);
    CrmChange *change = crm_changeset_create (note, "note", id);

    crm_change_set_string (change, "entity", "deal");
    crm_change_set_string (change, "entity_id", d3);
    crm_change_set_string (change, "text", "Перезвонить");
    crm_change_set_string (change, "author", f->anna);
    crm_change_set_int (change, "created_at", AT (4, 10));
    apply_at (f, AT (4, 10), note);
  }
  /* d4 Борис: straight to КП 1 h later, lost on the 8th */
  d4 = add_deal (f, f->boris, f->sales, f->fresh, AT (5, 9), 0, city);
  move (f, d4, f->offer, AT (5, 10));
  move (f, d4, f->lost, AT (8, 9));
  /* d5 Борис: made in February, won on March 2nd (2 000.00) */
  d5 = add_deal (f, f->boris, f->sales, f->fresh, MARCH_1 - 9 * DAY, 200000, NULL);
  move (f, d5, f->won, AT (2, 12));
  /* d6 Дмитрий: never answered, no task; Дмитрий leaves the company later */
  d6 = add_deal (f, f->dmitry, f->sales, f->fresh, AT (6, 9), 0, NULL);
  /* d8 Анна, the other pipeline: won the next day (300.00) */
  d8 = add_deal (f, f->anna, f->service, f->service_new, AT (11, 9), 30000, NULL);
  move (f, d8, f->service_won, AT (12, 9));

  add_task (f, f->anna, d1, AT (2, 9), AT (3, 9), AT (3, 8));        /* t1: in time */
  add_task (f, f->anna, d2, AT (3, 9), AT (4, 9), AT (5, 9));        /* t2: late */
  add_task (f, f->anna, d3, AT (4, 9), AT (25, 9), 0);               /* t3: not due yet */
  add_task (f, f->anna, d3, MARCH_1 - 4 * DAY, AT (10, 9), 0);       /* t4: overdue, open */
  add_task (f, f->boris, d4, AT (5, 9), AT (6, 9), 0);               /* t5: overdue, open */
  add_task (f, f->boris, d4, MARCH_1 - 19 * DAY, MARCH_1 - 14 * DAY,
            MARCH_1 - 15 * DAY);                                     /* t6: February */

  add_created (f, "company", f->anna, AT (2, 10));
  add_created (f, "company", f->boris, MARCH_1 - 28 * DAY);
  add_created (f, "contact", f->anna, AT (3, 10));
  add_created (f, "contact", f->anna, AT (4, 10));
  add_created (f, "contact", f->vera, AT (5, 10));

  crm_change_set_bool (crm_changeset_touch (gone, "user", f->dmitry), "deleted", TRUE);
  apply_at (f, AT (15, 9), gone);
  crm_store_set_now (f->store, NOW);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->anna); g_free (f->boris); g_free (f->vera); g_free (f->dmitry);
  g_free (f->sales); g_free (f->service);
  g_free (f->fresh); g_free (f->meeting); g_free (f->offer); g_free (f->won); g_free (f->lost);
  g_free (f->service_new); g_free (f->service_won);
  g_free (f->too_expensive);
}

/* --- reading a report ---------------------------------------------------------------- */

static JsonNode *
run (Fixture               *f,
     const char            *name,
     const CrmReportFilter *filter)
{
  g_autoptr(GError) error = NULL;
  JsonNode *report = crm_report_run (f->store, name, filter, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static JsonObject *
row_of (JsonNode   *report,
        const char *user)
{
  JsonObject *object = json_node_get_object (report);

  if (g_str_equal (user, "Total"))
    return json_object_get_object_member (object, "totals");
  return crm_test_find_object (json_object_get_array_member (object, "rows"), "user", user);
}

static void
assert_int (JsonNode   *report,
            const char *user,
            const char *key,
            gint64      expected)
{
  JsonObject *row = row_of (report, user);

  g_assert_nonnull (row);
  g_assert_true (json_object_has_member (row, key));
  g_assert_false (json_object_get_null_member (row, key));
  g_assert_cmpint (json_object_get_int_member (row, key), ==, expected);
}

static void
assert_share (JsonNode   *report,
              const char *user,
              const char *key,
              double      expected)    /* < 0: null, no base */
{
  JsonObject *row = row_of (report, user);

  g_assert_nonnull (row);
  g_assert_true (json_object_has_member (row, key));
  if (expected < 0)
    g_assert_true (json_object_get_null_member (row, key));
  else
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (row, key), expected, 0.001);
}

static guint
n_rows (JsonNode *report)
{
  return json_array_get_length (json_object_get_array_member (json_node_get_object (report),
                                                              "rows"));
}

static const CrmReportFilter march = { MARCH_1, APRIL_1, NULL, NULL, NULL };

/* --- the reports --------------------------------------------------------------------- */

static void
test_tasks (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(JsonNode) report = run (f, "tasks", &march);
  CrmReportFilter only_anna = march;
  g_autoptr(JsonNode) anna = NULL;

  /* Анна: new t1 t2 t3 (t4 is February's); open at the end t3 t4; done in March t1 t2;
   * due by the 20th t1 t2 t4 (t3 is due on the 25th), of which t2 (late) and t4 (open)
   * are overdue: 2 of 3 */
  assert_int (report, "Анна", "new", 3);
  assert_int (report, "Анна", "in_progress", 2);
  assert_int (report, "Анна", "done", 2);
  assert_int (report, "Анна", "overdue", 2);
  assert_share (report, "Анна", "overdue_percent", 66.7);
  /* Борис: t5 new, open, overdue; t6 is all February */
  assert_int (report, "Борис", "new", 1);
  assert_int (report, "Борис", "in_progress", 1);
  assert_int (report, "Борис", "done", 0);
  assert_int (report, "Борис", "overdue", 1);
  assert_share (report, "Борис", "overdue_percent", 100.0);
  /* Вера had no tasks: a row of zeros, no share */
  assert_int (report, "Вера", "new", 0);
  assert_share (report, "Вера", "overdue_percent", -1);
  /* the deleted Дмитрий had no tasks: no row at all */
  g_assert_null (row_of (report, "Дмитрий (deleted)"));
  g_assert_cmpuint (n_rows (report), ==, 3);
  assert_int (report, "Total", "new", 4);
  assert_int (report, "Total", "overdue", 3);
  assert_share (report, "Total", "overdue_percent", 75.0);

  only_anna.user_id = f->anna;
  anna = run (f, "tasks", &only_anna);
  g_assert_cmpuint (n_rows (anna), ==, 1);
  assert_int (anna, "Total", "new", 3);
  assert_share (anna, "Total", "overdue_percent", 66.7);
}

static void
test_conversion (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) report = run (f, "conversion", &march);
  JsonArray *columns = json_object_get_array_member (json_node_get_object (report), "columns");
  JsonObject *row;

  /* the funnel of the first pipeline, without the lost stage: Новая Встреча КП Успех */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (columns, 2),
                                                  "label"), ==, "Новая");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (columns, 5),
                                                  "label"), ==, "Успех");
  g_assert_null (crm_test_find_object (columns, "label", "Отказ"));
  /* Анна's March deals: d1 reached Успех, d2 Встреча (before it was lost), d3 Новая */
  assert_int (report, "Анна", "deals", 3);
  assert_int (report, "Анна", "stage_1", 3);
  assert_int (report, "Анна", "stage_2", 2);
  assert_int (report, "Анна", "stage_3", 1);
  assert_int (report, "Анна", "stage_4", 1);
  assert_share (report, "Анна", "conversion", 33.3);
  /* 3 → 2 → 1 → 1: the smallest step is from Встреча (1 of 2 went on) */
  g_assert_cmpstr (json_object_get_string_member (row_of (report, "Анна"), "sags_at"), ==,
                   "Встреча");
  /* Борис: d4 went straight to КП, so it passed Встреча too; lost there */
  assert_int (report, "Борис", "stage_2", 1);
  assert_int (report, "Борис", "stage_3", 1);
  assert_int (report, "Борис", "stage_4", 0);
  g_assert_cmpstr (json_object_get_string_member (row_of (report, "Борис"), "sags_at"), ==, "КП");
  /* the deleted Дмитрий keeps his figures, marked */
  row = row_of (report, "Дмитрий (deleted)");
  g_assert_nonnull (row);
  assert_int (report, "Дмитрий (deleted)", "deals", 1);
  /* Вера: nothing to convert */
  assert_int (report, "Вера", "deals", 0);
  assert_share (report, "Вера", "conversion", -1);
  g_assert_true (json_object_get_null_member (row_of (report, "Вера"), "sags_at"));
  /* all: 5 → 3 → 2 → 1 */
  assert_int (report, "Total", "stage_2", 3);
  assert_share (report, "Total", "conversion", 20.0);
  g_assert_cmpstr (json_object_get_string_member (row_of (report, "Total"), "sags_at"), ==, "КП");
}

static void
test_sales (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(JsonNode) report = run (f, "sales", &march);
  g_autoptr(JsonNode) sales_only = NULL;
  g_autoptr(JsonNode) north = NULL;
  CrmReportFilter filter = march;

  /* closed in March: Анна won d1 (1 000) and d8 (300), lost d2; Борис won d5 (made in
   * February, 2 000) and lost d4 */
  assert_int (report, "Анна", "won", 2);
  assert_int (report, "Анна", "won_amount", 130000);
  assert_int (report, "Анна", "average", 65000);
  assert_int (report, "Анна", "lost", 1);
  assert_share (report, "Анна", "win_rate", 66.7);
  assert_int (report, "Борис", "won_amount", 200000);
  assert_share (report, "Борис", "win_rate", 50.0);
  g_assert_true (json_object_get_null_member (row_of (report, "Вера"), "average"));
  assert_int (report, "Total", "won_amount", 330000);

  /* over time, by day (31 points): Борис's d5 on the 2nd, Анна's d1 on the 10th and d8
   * on the 12th */
  {
    JsonObject *series = json_object_get_object_member (json_node_get_object (report), "series");
    JsonArray *points = json_object_get_array_member (series, "points");
    gint64 won = 0;

    g_assert_cmpstr (json_object_get_string_member (series, "bucket"), ==, "day");
    g_assert_cmpuint (json_array_get_length (points), ==, 31);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (points, 1),
                                                    "from"), ==, "2026-03-02T00:00:00Z");
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 1),
                                                 "won_amount"), ==, 200000);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 9),
                                                 "won_amount"), ==, 100000);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 11),
                                                 "won_amount"), ==, 30000);
    for (guint i = 0; i < json_array_get_length (points); i++)
      won += json_object_get_int_member (json_array_get_object_element (points, i), "won");
    g_assert_cmpint (won, ==, 3);
    /* the running totals per day: nothing on the 1st, 2 000 from the 2nd, 3 000 from the
     * 10th, 3 300 (three deals) from the 12th to the month's end */
    {
      static const struct { guint day; gint64 won, amount; } totals[] = {
        { 0, 0, 0 }, { 1, 1, 200000 }, { 8, 1, 200000 }, { 9, 2, 300000 },
        { 10, 2, 300000 }, { 11, 3, 330000 }, { 30, 3, 330000 },
      };

      for (guint i = 0; i < G_N_ELEMENTS (totals); i++)
        {
          JsonObject *point = json_array_get_object_element (points, totals[i].day);

          g_assert_cmpint (json_object_get_int_member (point, "won_total"), ==, totals[i].won);
          g_assert_cmpint (json_object_get_int_member (point, "won_amount_total"), ==,
                           totals[i].amount);
        }
    }
  }

  /* a longer period goes by week, from Monday: 2026 from 1 January (a Thursday) starts on
   * 29 December; d5 falls in the week of 2 March, d1 and d8 in that of 9 March */
  {
    CrmReportFilter quarter = { MARCH_1 - 59 * DAY, APRIL_1, NULL, NULL, NULL };
    g_autoptr(JsonNode) weekly = run (f, "sales", &quarter);
    JsonObject *series = json_object_get_object_member (json_node_get_object (weekly), "series");
    JsonArray *points = json_object_get_array_member (series, "points");
    guint checked = 0;

    g_assert_cmpstr (json_object_get_string_member (series, "bucket"), ==, "week");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (points, 0),
                                                    "from"), ==, "2025-12-29T00:00:00Z");
    for (guint i = 0; i < json_array_get_length (points); i++)
      {
        JsonObject *point = json_array_get_object_element (points, i);
        const char *from = json_object_get_string_member (point, "from");

        if (g_str_equal (from, "2026-03-02T00:00:00Z"))
          checked += json_object_get_int_member (point, "won_amount") == 200000;
        else if (g_str_equal (from, "2026-03-09T00:00:00Z"))
          checked += json_object_get_int_member (point, "won_amount") == 130000;
        else
          g_assert_cmpint (json_object_get_int_member (point, "won"), ==, 0);
      }
    g_assert_cmpuint (checked, ==, 2);
  }

  filter.pipeline_id = f->sales;
  sales_only = run (f, "sales", &filter);
  assert_int (sales_only, "Анна", "won", 1);
  assert_int (sales_only, "Анна", "won_amount", 100000);
  assert_share (sales_only, "Анна", "win_rate", 50.0);

  filter.pipeline_id = NULL;
  filter.group = "north";
  north = run (f, "sales", &filter);
  g_assert_cmpuint (n_rows (north), ==, 1);
  assert_int (north, "Борис", "won", 1);
  assert_int (north, "Total", "won_amount", 200000);
}

static void
test_dashboard (Fixture       *f,
                gconstpointer  data)
{
  CrmReportFilter filter = march;
  g_autoptr(JsonNode) report = NULL;
  JsonObject *links;

  filter.pipeline_id = f->sales;
  report = run (f, "dashboard", &filter);
  /* Анна answered d1 in 2 h (move), d2 in 30 min (move), d3 in 1 h (note):
   * median 1 h, 90th percentile (nearest rank, 3rd of 3) 2 h */
  assert_int (report, "Анна", "requests", 3);
  assert_int (report, "Анна", "response_median", 3600);
  assert_int (report, "Анна", "response_p90", 7200);
  assert_int (report, "Анна", "unanswered", 0);
  /* now: d3 is open with tasks; t4 is overdue (t3 is due on the 25th) */
  assert_int (report, "Анна", "without_tasks", 0);
  assert_int (report, "Анна", "overdue_tasks", 1);
  assert_int (report, "Борис", "response_median", 3600);
  assert_int (report, "Борис", "overdue_tasks", 1);
  /* d6 was never answered and has no task */
  assert_int (report, "Дмитрий (deleted)", "unanswered", 1);
  assert_int (report, "Дмитрий (deleted)", "without_tasks", 1);
  links = json_object_get_object_member (row_of (report, "Дмитрий (deleted)"), "links");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (links, "unanswered")),
                    ==, 1);
  /* all: 2 h, 30 min, 1 h, 1 h → median 1 h, 90th percentile 2 h */
  assert_int (report, "Total", "requests", 5);
  assert_int (report, "Total", "response_median", 3600);
  assert_int (report, "Total", "response_p90", 7200);
  assert_int (report, "Total", "overdue_tasks", 2);
}

static void
test_cold_activity (Fixture       *f,
                    gconstpointer  data)
{
  CrmReportFilter filter = march;
  g_autoptr(JsonNode) report = NULL;

  filter.pipeline_id = f->sales;
  report = run (f, "cold-activity", &filter);
  /* Анна: 1 company, 2 contacts, 3 deals with 2 visible fields each, 3 of 6 filled */
  assert_int (report, "Анна", "companies", 1);
  assert_int (report, "Анна", "contacts", 2);
  assert_int (report, "Анна", "deals", 3);
  assert_share (report, "Анна", "fields_filled", 50.0);
  /* Борис's company is February's; d4 has 1 of 2 */
  assert_int (report, "Борис", "companies", 0);
  assert_share (report, "Борис", "fields_filled", 50.0);
  assert_int (report, "Вера", "contacts", 1);
  assert_share (report, "Вера", "fields_filled", -1);
  /* 4 of 10 */
  assert_share (report, "Total", "fields_filled", 40.0);
}

static void
test_empty_period (Fixture       *f,
                   gconstpointer  data)
{
  const CrmReportFilter year_2025 = { MARCH_1 - 400 * DAY, MARCH_1 - 300 * DAY, NULL, NULL, NULL };
  guint n_infos;
  const CrmReportInfo *infos = crm_report_list (&n_infos);

  for (guint i = 0; i < n_infos; i++)
    {
      g_autoptr(JsonNode) report = NULL;

      /* this account has no deferral, debt or NPS fields and no RFM segments: those
       * reports say what to add */
      if (g_str_equal (infos[i].name, "debts") || g_str_equal (infos[i].name, "nps") ||
          g_str_equal (infos[i].name, "rfm"))
        {
          g_autoptr(GError) error = NULL;

          g_assert_null (crm_report_run (f->store, infos[i].name, &year_2025, &error));
          g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
          g_assert_nonnull (strstr (error->message, g_str_equal (infos[i].name, "nps") ? "nps_"
                                                    : g_str_equal (infos[i].name, "rfm")
                                                    ? "rfm segment set" : "debt"));
          continue;
        }
      report = run (f, infos[i].name, &year_2025);

      /* every active employee, nothing counted in the period; the dashboard's "as of
       * now" figures still show the deleted Дмитрий's open deal without a task */
      g_assert_nonnull (row_of (report, "Вера"));
      if (g_str_equal (infos[i].name, "dashboard"))
        {
          g_assert_cmpuint (n_rows (report), ==, 4);
          assert_int (report, "Total", "requests", 0);
          assert_int (report, "Total", "without_tasks", 1);
        }
      else
        g_assert_cmpuint (n_rows (report), ==, 3);
    }
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  const CrmReportFilter backwards = { APRIL_1, MARCH_1, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  JsonNode *report;

  report = crm_report_run (f->store, "salez", &march, &error);
  g_assert_null (report);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "sales"));
  g_clear_error (&error);

  report = crm_report_run (f->store, "sales", &backwards, &error);
  g_assert_null (report);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
}

/* Plan vs fact: monthly plans set against the deals won (the same deals "sales" counts),
 * in proportion to the part of a month a period covers, and the forecast at the pace so
 * far (now is 20 March 12:00: 19.5 of March's 31 days have passed). */
static void
test_plan (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) half = NULL;
  g_autoptr(JsonNode) plans = NULL;
  g_autoptr(JsonNode) listed = NULL;
  g_auto(CrmTestRun) bad = { 0 };
  g_autofree char *message = NULL;
  CrmReportFilter first_half = { MARCH_1, MARCH_1 + 31 * DAY / 2, NULL, NULL, NULL };

  crm_store_set_now (f->store, NOW);
  g_assert_true (crm_plan_set (f->store, NULL, f->anna, "2026-03", 200000, &error));
  g_assert_true (crm_plan_set (f->store, NULL, f->boris, "2026-03", 300000, &error));
  g_assert_true (crm_plan_set (f->store, NULL, f->boris, "2026-03", 400000, &error));
  g_assert_true (crm_plan_set (f->store, NULL, f->anna, "2026-04", 310000, &error));
  g_assert_no_error (error);
  /* bad input writes nothing and says why */
  g_assert_false (crm_plan_set (f->store, NULL, f->anna, "2026-13", 1, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (crm_plan_set (f->store, NULL, f->anna, "2026-03", -5, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  report = run (f, "plan", &march);
  /* Анна: plan 2 000.00, won 1 300.00 (d1, d8): 65 %; forecast 1 300 · 31 / 19.5 =
   * 2 066.67, 103.3 % of the plan */
  assert_int (report, "Анна", "plan", 200000);
  assert_int (report, "Анна", "fact", 130000);
  assert_share (report, "Анна", "done", 65.0);
  assert_int (report, "Анна", "forecast", 206667);
  assert_share (report, "Анна", "forecast_done", 103.3);
  /* Борис: the later plan 4 000.00 replaced 3 000.00; won 2 000.00: 50 %; forecast
   * 3 179.49, 79.5 % */
  assert_int (report, "Борис", "plan", 400000);
  assert_share (report, "Борис", "done", 50.0);
  assert_int (report, "Борис", "forecast", 317949);
  assert_share (report, "Борис", "forecast_done", 79.5);
  /* Вера has no plan: no share, not 0 % */
  assert_int (report, "Вера", "plan", 0);
  g_assert_true (json_object_get_null_member (row_of (report, "Вера"), "done"));
  /* all: 6 000.00 planned, 3 300.00 won (55 %), forecast 5 246.15 (87.4 %) */
  assert_int (report, "Total", "plan", 600000);
  assert_share (report, "Total", "done", 55.0);
  assert_int (report, "Total", "forecast", 524615);
  assert_share (report, "Total", "forecast_done", 87.4);

  /* the first 15.5 days of March: half of each plan (April's none); the period is over,
   * so the forecast is the fact (Анна won d1 on the 10th and d8 on the 12th) */
  half = run (f, "plan", &first_half);
  assert_int (half, "Анна", "plan", 100000);
  assert_int (half, "Борис", "plan", 200000);
  assert_int (half, "Анна", "fact", 130000);
  assert_int (half, "Анна", "forecast", 130000);

  /* through voronkactl: plan set prints the month's plans, money as text */
  g_clear_object (&f->store);
  plans = crm_test_ctl_ok (f->path, NULL, "plan", "set", "Вера", "--month", "2026-03",
                           "--amount", "1500.50", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (plans)), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (crm_test_find_object (json_node_get_array (plans),
                                                                        "user", "Вера"), "amount"),
                   ==, "1500.50");
  listed = crm_test_ctl_ok (f->path, NULL, "plan", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (listed)), ==, 4);
  crm_test_ctl (&bad, f->path, NULL, "plan", "set", "Вера", "--month", "март", "--amount", "1",
                NULL);
  message = crm_test_assert_refused (&bad, "invalid-input");
  g_assert_nonnull (strstr (message, "2026-12"));
}

/* Calls per employee: who answered, who missed, how long callers waited. */
static void
add_call (Fixture    *f,
          const char *status,
          const char *user,
          gint64      started,
          gint64      wait_seconds,
          gint64      duration)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "call", id);

  crm_change_set_string (change, "direction", "in");
  crm_change_set_string (change, "from", "+79001234567");
  crm_change_set_string (change, "status", status);
  crm_change_set_int (change, "started_at", started);
  crm_change_set_int (change, "duration", duration);
  if (g_str_equal (status, "answered"))
    {
      crm_change_set_string (change, "answered_by", user);
      crm_change_set_int (change, "answered_at", started + wait_seconds * 1000);
    }
  else
    crm_change_set_string (change, "missed_to", user);
  apply_at (f, started + 600000, changeset);
}

static void
test_calls (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(JsonNode) report = NULL;

  /* Анна answers after 10 s (talks 60 s) and 31 s (120 s), misses one, and one went to
   * voicemail; Борис misses one; one call in February is not March's */
  add_call (f, "answered", f->anna, AT (3, 9), 10, 60);
  add_call (f, "answered", f->anna, AT (4, 9), 31, 120);
  add_call (f, "missed", f->anna, AT (5, 9), 0, 0);
  add_call (f, "voicemail", f->anna, AT (6, 9), 0, 0);
  add_call (f, "missed", f->boris, AT (6, 10), 0, 0);
  add_call (f, "answered", f->boris, MARCH_1 - DAY, 5, 30);

  report = run (f, "calls", &march);
  assert_int (report, "Анна", "answered", 2);
  assert_int (report, "Анна", "missed", 2);
  assert_share (report, "Анна", "missed_percent", 50.0);
  /* (10 + 31) / 2 = 20.5 → 21 s */
  assert_int (report, "Анна", "average_wait", 21);
  assert_int (report, "Анна", "talk_time", 180);
  assert_int (report, "Борис", "answered", 0);
  assert_int (report, "Борис", "missed", 1);
  assert_share (report, "Борис", "missed_percent", 100.0);
  g_assert_true (json_object_get_null_member (row_of (report, "Борис"), "average_wait"));
  /* Вера had no calls: no share */
  g_assert_true (json_object_get_null_member (row_of (report, "Вера"), "missed_percent"));
  assert_int (report, "Total", "answered", 2);
  assert_int (report, "Total", "missed", 3);
  assert_share (report, "Total", "missed_percent", 60.0);
}

/* The same replica through voronkactl: JSON, CSV, a filter by name, an unknown report. */
static void
test_cli (Fixture       *f,
          gconstpointer  data)
{
  g_auto(CrmTestRun) csv = { 0 };
  g_auto(CrmTestRun) unknown = { 0 };
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *message = NULL;

  g_clear_object (&f->store);   /* the CLI opens the file itself */

  report = crm_test_ctl_ok (f->path, "2026-03-20T12:00:00Z", "report", "sales",
                            "--from", "2026-03-01", "--to", "2026-03-31",
                            "--pipeline", "Продажи", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (report), "to"), ==,
                   "2026-04-01T00:00:00Z");
  assert_int (report, "Анна", "won_amount", 100000);

  crm_test_run_cli (&csv, "--db", f->path, "--now", "2026-03-20T12:00:00Z", "report", "sales",
                    "--from", "2026-03-01", "--to", "2026-03-31", "--csv", NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_assert_true (g_str_has_prefix (csv.out, "Employee,Deals won,Amount won,Average won deal,Deals lost,"
                                            "\"Won of closed, %\"\r\n"));
  g_assert_nonnull (strstr (csv.out, "\r\nАнна,2,1300.00,650.00,1,66.7\r\n"));
  g_assert_nonnull (strstr (csv.out, "\r\nTotal,3,3300.00,1100.00,2,60.0\r\n"));

  list = crm_test_ctl_ok (f->path, NULL, "report", "list", NULL);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (list), "name", "dashboard"));

  crm_test_ctl (&unknown, f->path, NULL, "report", "funnel", NULL);
  message = crm_test_assert_refused (&unknown, "not-found");
  g_assert_nonnull (strstr (message, "conversion"));
}

static char *
capture (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

/* XLSX and PDF from voronkactl, read back by other programs: the cells (typed, with
 * number formats) and the PDF's text. */
static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *xlsx = g_build_filename (f->dir, "sales.xlsx", NULL);
  g_autofree char *pdf = g_build_filename (f->dir, "sales.pdf", NULL);
  g_autofree char *reader = g_test_build_filename (G_TEST_DIST, "support", "read-xlsx.py", NULL);
  const char *read_xlsx[] = { "/usr/bin/python3", reader, xlsx, NULL };
  const char *read_pdf[] = { "pdftotext", "-layout", pdf, "-", NULL };
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) bad = { 0 };
  g_autofree char *cells_text = NULL;
  g_autofree char *pdf_text = NULL;
  g_autoptr(JsonNode) cells_node = NULL;
  JsonObject *cells, *formats;

  g_clear_object (&f->store);
  crm_test_run_cli (&run, "--db", f->path, "--now", "2026-03-20T12:00:00Z", "report", "sales",
                    "--from", "2026-03-01", "--to", "2026-03-31", "--out", xlsx, NULL);
  g_assert_cmpint (run.status, ==, 0);
  cells_text = capture (read_xlsx);
  cells_node = crm_test_parse_json (cells_text);
  cells = json_node_get_object (cells_node);
  formats = json_object_get_object_member (cells, "_formats");
  g_assert_cmpstr (json_object_get_string_member (cells, "A1"), ==, "Sales, 2026-03-01 – 2026-03-31");
  g_assert_cmpstr (json_object_get_string_member (cells, "B3"), ==, "Deals won");
  /* Анна: 2 won for 1 300.00, average 650.00, 1 lost, 2 of 3 closed won */
  g_assert_cmpstr (json_object_get_string_member (cells, "A4"), ==, "Анна");
  g_assert_cmpfloat (json_object_get_double_member (cells, "B4"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (cells, "C4"), ==, 1300.0);
  g_assert_cmpstr (json_object_get_string_member (formats, "C4"), ==, "#,##0.00");
  g_assert_cmpfloat (json_object_get_double_member (cells, "D4"), ==, 650.0);
  g_assert_cmpfloat (json_object_get_double_member (cells, "E4"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cells, "F4"), 0.667, 0.0001);
  g_assert_cmpstr (json_object_get_string_member (formats, "F4"), ==, "0.0%");
  /* Вера won nothing: no average at all, not 0 */
  g_assert_cmpstr (json_object_get_string_member (cells, "A6"), ==, "Вера");
  g_assert_false (json_object_has_member (cells, "D6"));
  g_assert_cmpstr (json_object_get_string_member (cells, "A7"), ==, "Total");
  g_assert_cmpfloat (json_object_get_double_member (cells, "C7"), ==, 3300.0);
  g_assert_false (json_object_has_member (cells, "A8"));

  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->path, "--now", "2026-03-20T12:00:00Z", "report", "sales",
                    "--from", "2026-03-01", "--to", "2026-03-31", "--out", pdf, NULL);
  g_assert_cmpint (run.status, ==, 0);
  pdf_text = capture (read_pdf);
  g_assert_nonnull (strstr (pdf_text, "Sales, 2026-03-01 – 2026-03-31"));
  g_assert_true (g_regex_match_simple ("Анна +2 +1300\\.00 +650\\.00 +1 +66\\.7 %", pdf_text, 0, 0));
  g_assert_true (g_regex_match_simple ("Total +3 +3300\\.00", pdf_text, 0, 0));

  /* a name that says no format, and a folder that is not there: clear errors */
  crm_test_ctl (&bad, f->path, NULL, "report", "sales", "--out", "sales.doc", NULL);
  g_assert_cmpint (bad.status, !=, 0);
  crm_test_run_clear (&bad);
  crm_test_run_cli (&bad, "--db", f->path, "report", "sales", "--out", "/nonexistent/dir/s.pdf",
                    NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "/nonexistent/dir/s.pdf"));
}

/* The distributor's reports on its own template (S1-7, S1-8), made through voronkactl
 * with --now: a sample confirmed by a photo, a deferral and a debt, survey scores. */
static char *
ctl_id (const char *db,
        const char *now,
        const char *as,
        ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  g_ptr_array_add (args, (char *) "--db");
  g_ptr_array_add (args, (char *) db);
  g_ptr_array_add (args, (char *) "--now");
  g_ptr_array_add (args, (char *) now);
  g_ptr_array_add (args, (char *) "--as");
  g_ptr_array_add (args, (char *) as);
  g_ptr_array_add (args, (char *) "--json");
  va_start (ap, as);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl failed: %s%s", run.out, run.err);
  node = crm_test_parse_json (run.out);
  return crm_test_dup_id (node);
}

static void
test_distributor (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "distributor.db", NULL);
  g_autofree char *photo = g_build_filename (dir, "sample.png", NULL);
  g_autofree char *s1 = NULL, *s2 = NULL, *o1 = NULL, *o2 = NULL;
  g_autoptr(JsonNode) samples = NULL, debts = NULL, nps = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *olga = "Ольга Смирнова", *anna = "Анна Белова";
  static const char png[] = "\x89PNG\r\n\x1a\n0000000000000000";
  const char *won_fields[] = { "--field", "target_audience=Магазины", "--field", "geography=Казань",
                               "--field", "order_volume=50000", "--field", "business_type=Сеть" };

  g_assert_true (g_file_set_contents (photo, png, sizeof png - 1, NULL));
  crm_test_run_cli (&run, "--db", db, "init", "--template", "b2b-distributor", NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Ольга: a sample handed over at a meeting, photo attached (the stage wants one); a
   * second meeting without a photo is refused, so it is no sample */
  s1 = ctl_id (db, "2026-03-02T09:00:00Z", olga, "deal", "add", "--pipeline", "Холодные продажи",
               "--title", "Образец", "--field", "payment_deferral_days=30",
               "--field", "debt=15000.00", NULL);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", db, "--as", olga, "--now", "2026-03-03T08:00:00Z", "attach",
                    "--deal", s1, photo, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_free (ctl_id (db, "2026-03-03T09:00:00Z", olga, "deal", "move", s1, "--stage", "Встреча", NULL));
  s2 = ctl_id (db, "2026-03-04T09:00:00Z", olga, "deal", "add", "--pipeline", "Холодные продажи",
               "--title", "Без фото", "--field", "payment_deferral_days=14", NULL);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", db, "--as", olga, "--now", "2026-03-05T09:00:00Z", "deal", "move",
                    s2, "--stage", "Встреча", NULL);
  g_assert_cmpint (run.status, ==, 1);

  /* two first orders won in March with survey scores: Анна 10 9 5, Ольга 7 8 3 */
  o1 = ctl_id (db, "2026-03-02T09:00:00Z", anna, "deal", "add", "--pipeline", "Сделки", "--title",
               "Заказ А", "--amount", "1000", "--field", "nps_delivery=10",
               "--field", "nps_packaging=9", "--field", "nps_shelf_life=5", won_fields[0],
               won_fields[1], won_fields[2], won_fields[3], won_fields[4], won_fields[5],
               won_fields[6], won_fields[7], NULL);
  g_free (ctl_id (db, "2026-03-10T09:00:00Z", anna, "deal", "move", o1, "--stage",
                  "Первая поставка", NULL));
  o2 = ctl_id (db, "2026-03-02T09:00:00Z", olga, "deal", "add", "--pipeline", "Сделки", "--title",
               "Заказ О", "--amount", "1000", "--field", "nps_delivery=7",
               "--field", "nps_packaging=8", "--field", "nps_shelf_life=3", won_fields[0],
               won_fields[1], won_fields[2], won_fields[3], won_fields[4], won_fields[5],
               won_fields[6], won_fields[7], NULL);
  g_free (ctl_id (db, "2026-03-11T09:00:00Z", olga, "deal", "move", o2, "--stage",
                  "Первая поставка", NULL));

  /* a money field prints as a decimal string (CLI.md), not as kopecks */
  {
    g_autoptr(JsonNode) shown = crm_test_ctl_ok (db, NULL, "deal", "show", s1, NULL);
    JsonObject *fields = json_object_get_object_member (json_node_get_object (shown), "fields");

    g_assert_cmpstr (json_object_get_string_member (fields, "debt"), ==, "15000.00");
    g_assert_cmpint (json_object_get_int_member (fields, "payment_deferral_days"), ==, 30);
  }

  samples = crm_test_ctl_ok (db, "2026-03-20T12:00:00Z", "report", "samples", "--from",
                             "2026-03-01", "--to", "2026-03-31", NULL);
  assert_int (samples, olga, "samples", 1);
  assert_int (samples, olga, "photos", 1);
  assert_int (samples, "Total", "samples", 1);

  /* as of now: Ольга's two cold deals defer 30 and 14 days (22 on average), one owes 15 000 */
  debts = crm_test_ctl_ok (db, "2026-03-20T12:00:00Z", "report", "debts", NULL);
  assert_int (debts, olga, "deferred", 2);
  assert_int (debts, olga, "deferral_days", 22);
  assert_int (debts, olga, "debtors", 1);
  assert_int (debts, olga, "debt", 1500000);
  g_assert_true (json_object_get_null_member (row_of (debts, anna), "deferral_days"));

  /* a replica of schema 21 (no deal_owing index) is brought forward when opened, and the
   * report reads the same; a lost deal owes nothing, whatever its fields say */
  {
    sqlite3 *handle = NULL;
    char *err = NULL;
    g_autoptr(JsonNode) again = NULL;

    g_assert_cmpint (sqlite3_open (db, &handle), ==, SQLITE_OK);
    if (sqlite3_exec (handle, "DROP INDEX deal_owing; PRAGMA user_version = 21;", NULL, NULL,
                      &err) != SQLITE_OK)
      g_error ("%s", err);
    sqlite3_close (handle);
    crm_test_run_clear (&run);
    crm_test_run_cli (&run, "--db", db, "--as", olga, "--now", "2026-03-19T09:00:00Z", "deal",
                      "move", s2, "--stage", "Отказ", "--loss-reason", "Дорого", NULL);
    g_assert_cmpint (run.status, ==, 0);
    again = crm_test_ctl_ok (db, "2026-03-20T12:00:00Z", "report", "debts", NULL);
    assert_int (again, olga, "deferred", 1);
    assert_int (again, olga, "deferral_days", 30);
    assert_int (again, olga, "debtors", 1);
    assert_int (again, olga, "debt", 1500000);
    g_assert_cmpint (crm_replica_file_schema (db, NULL), ==, CRM_SCHEMA_VERSION);
  }

  /* Анна: 10 and 9 promote, 5 detracts: (2 − 1) / 3 → 33; Ольга: 7 and 8 passive, 3
   * detracts: −1 / 3 → −33; all six: (2 − 2) / 6 → 0; delivery: 10 and 7 → 50 */
  nps = crm_test_ctl_ok (db, "2026-03-20T12:00:00Z", "report", "nps", "--from", "2026-03-01",
                         "--to", "2026-03-31", NULL);
  assert_int (nps, anna, "answers", 3);
  assert_int (nps, anna, "nps", 33);
  assert_int (nps, olga, "nps", -33);
  assert_int (nps, "Total", "nps", 0);
  assert_int (nps, "Total", "nps_delivery", 50);
  assert_int (nps, "Total", "nps_shelf_life", -100);
  g_assert_true (json_object_get_null_member (row_of (nps, "Роман Зайцев"), "nps"));

  crm_test_remove_tree (dir);
}

/* Days are the account's days: a deal made at 23:30 in New York on 28 February (04:30 UTC on
 * 1 March) belongs to February for a computer in New York with no account zone, to March in
 * UTC; once the account says Europe/Moscow, a deal made at 00:30 Moscow time on 1 April
 * (21:30 UTC on 31 March) belongs to April whatever the computer's zone. */
static gint64
deals_created (const char *db,
               const char *tz,
               const char *from,
               const char *to,
               char      **zone,
               char      **human)
{
  g_autoptr(JsonNode) report = NULL;
  gint64 deals;

  g_setenv ("TZ", tz, TRUE);
  report = crm_test_ctl_ok (db, "2026-04-20T12:00:00Z", "report", "cold-activity",
                            "--from", from, "--to", to, NULL);
  deals = json_object_get_int_member (json_object_get_object_member (json_node_get_object (report),
                                                                     "totals"), "deals");
  if (zone != NULL)
    *zone = g_strdup (json_object_get_string_member (json_node_get_object (report), "zone"));
  if (human != NULL)
    {
      g_auto(CrmTestRun) run = { 0 };

      crm_test_run_cli (&run, "--db", db, "--now", "2026-04-20T12:00:00Z", "report",
                        "cold-activity", "--from", from, "--to", to, NULL);
      g_assert_cmpint (run.status, ==, 0);
      *human = g_strdup (run.out);
    }
  g_setenv ("TZ", "UTC", TRUE);
  return deals;
}

static void
test_zone (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "zone.db", NULL);
  g_autofree char *zone = NULL;
  g_autofree char *human = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *add[] = { "deal", "add", "--pipeline", "Продажи", "--title", NULL };

  crm_test_run_cli (&run, "--db", db, "init", "--template", "truck-dealer", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* 23:30 in New York on 28 February = 04:30 UTC on 1 March */
  json_node_unref (crm_test_ctl_ok (db, "2026-03-01T04:30:00Z", add[0], add[1], add[2], add[3],
                                    add[4], "Ночная", NULL));

  g_assert_cmpint (deals_created (db, "America/New_York", "2026-02-01", "2026-02-28", &zone, NULL),
                   ==, 1);
  g_assert_cmpstr (zone, ==, "America/New_York");
  g_assert_cmpint (deals_created (db, "America/New_York", "2026-03-01", "2026-03-31", NULL, NULL),
                   ==, 0);
  g_assert_cmpint (deals_created (db, "UTC", "2026-02-01", "2026-02-28", NULL, NULL), ==, 0);
  g_assert_cmpint (deals_created (db, "UTC", "2026-03-01", "2026-03-31", NULL, NULL), ==, 1);

  /* the account's zone wins over the computer's */
  store = crm_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (crm_schedule_set_zone (store, NULL, "Europe/Moscow", &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  /* 00:30 in Moscow on 1 April = 21:30 UTC on 31 March */
  json_node_unref (crm_test_ctl_ok (db, "2026-03-31T21:30:00Z", add[0], add[1], add[2], add[3],
                                    add[4], "Полночная", NULL));
  g_clear_pointer (&zone, g_free);
  g_assert_cmpint (deals_created (db, "America/New_York", "2026-03-01", "2026-03-31", &zone,
                                  &human), ==, 1);
  g_assert_cmpstr (zone, ==, "Europe/Moscow");
  /* the period people read is Moscow's days, not UTC's (28 Feb 21:00 – 31 Mar 21:00) */
  g_assert_nonnull (strstr (human, "2026-03-01 – 2026-03-31"));
  g_assert_cmpint (deals_created (db, "UTC", "2026-04-01", "2026-04-30", NULL, NULL), ==, 1);
  /* without dates: this month of Moscow's (now is 20 April) */
  {
    g_autoptr(JsonNode) month = crm_test_ctl_ok (db, "2026-04-20T12:00:00Z", "report",
                                                 "cold-activity", NULL);

    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (month), "from"), ==,
                     "2026-03-31T21:00:00Z");
  }
}

/* --- the day totals (schema 18) ------------------------------------------------------ */

static char *
read_day_totals (const char *path)
{
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "SELECT what, day, pipeline, employee, n, amount FROM report_day"
    " WHERE n != 0 OR amount != 0 ORDER BY 1, 2, 3, 4", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %lld %s %s %lld %lld\n",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (long long) sqlite3_column_int64 (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 2),
                            (const char *) sqlite3_column_text (stmt, 3),
                            (long long) sqlite3_column_int64 (stmt, 4),
                            (long long) sqlite3_column_int64 (stmt, 5));
  sqlite3_finalize (stmt);
  /* the 32-day blocks of schema 19 */
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "SELECT what, month, pipeline, employee, n, amount FROM report_month"
    " WHERE n != 0 OR amount != 0 ORDER BY 1, 2, 3, 4", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "month %s %lld %s %s %lld %lld\n",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (long long) sqlite3_column_int64 (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 2),
                            (const char *) sqlite3_column_text (stmt, 3),
                            (long long) sqlite3_column_int64 (stmt, 4),
                            (long long) sqlite3_column_int64 (stmt, 5));
  sqlite3_finalize (stmt);
  /* and the per-deal values of schema 19 */
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "SELECT deal, pipeline, employee, created_at, reach, responded FROM deal_report"
    " ORDER BY 1", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "deal %s %s %s %s %s %s\n",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (const char *) sqlite3_column_text (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 2),
                            (const char *) sqlite3_column_text (stmt, 3),
                            (const char *) sqlite3_column_text (stmt, 4),
                            (const char *) sqlite3_column_text (stmt, 5));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

/* The closed replica taken back to an older step by @sql (which ends by setting its
 * user_version), then opened again: the migrations bring it forward. */
static void
reopen_from_step (Fixture    *f,
                  const char *sql)
{
  g_autoptr(GError) error = NULL;
  char *err = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
    g_error ("%s", err);
  sqlite3_close (db);
  f->store = crm_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_replica_file_schema (f->path, &error), ==, CRM_SCHEMA_VERSION);
  g_assert_no_error (error);
}

/* The totals the triggers kept while the month was written hold what the rows say
 * (counted here by hand), and a replica of schema 17 gets the same totals from its rows
 * when it is opened. */
static void
test_day_totals (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *kept = NULL, *filled = NULL, *sql = NULL;

  g_clear_object (&f->store);
  kept = read_day_totals (f->path);
  /* won: d1 (1 000.00) and d5 (2 000.00) in «Продажи», d8 (300.00) in «Сервис» */
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'won'"), ==, 3);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (amount) FROM report_day WHERE what = 'won'"), ==, 330000);
  sql = g_strdup_printf ("SELECT sum (n) FROM report_day WHERE what = 'won' AND employee = '%s'"
                         " AND day = %" G_GINT64_FORMAT, f->anna, AT (10, 9) / DAY);
  g_assert_cmpint (crm_test_file_int (f->path, sql), ==, 1);
  /* lost: d2 and d4; seven deals made; six tasks, three of them done (t1, t2, t6);
   * late or open when due: t2, t3, t4, t5 */
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'lost'"), ==, 2);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'deal'"), ==, 7);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'task'"), ==, 6);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'task_closed'"), ==, 3);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'task_done'"), ==, 3);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'task_late'"), ==, 4);
  /* two companies, three contacts; the budget filled in d1 and d2, the city in d1 and d4 */
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'company'"), ==, 2);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'contact'"), ==, 3);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'field:budget'"), ==, 2);
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT sum (n) FROM report_day WHERE what = 'field:city'"), ==, 2);

  /* the 32-day blocks hold the days' sums */
  g_assert_cmpint (crm_test_file_int (f->path,
    "SELECT count (*) FROM (SELECT what, day / 32, pipeline, employee, sum (n) AS n,"
    " sum (amount) AS amount FROM report_day GROUP BY 1, 2, 3, 4"
    " EXCEPT SELECT what, month, pipeline, employee, n, amount FROM report_month)"), ==, 0);
  g_assert_cmpint (crm_test_file_int (f->path, "SELECT count (*) FROM report_month"), >, 0);
  /* one deal_report row per live deal (schema 19) */
  g_assert_cmpint (crm_test_file_int (f->path, "SELECT count (*) FROM deal_report"), ==,
                   crm_test_file_int (f->path, "SELECT count (*) FROM deal WHERE deleted = 0"));
  g_assert_cmpint (crm_test_file_int (f->path, "SELECT count (*) FROM deal_report"), >, 0);

  /* the same replica as schema 17 left it: no totals, no triggers */
  reopen_from_step (f,
        "DROP TABLE report_day; DROP INDEX deal_stage_entered; DROP INDEX task_created;"
        " DROP INDEX task_done_time; DROP INDEX task_due;"
        " DROP INDEX company_created; DROP INDEX contact_created;"
        " DROP TRIGGER report_day_company_insert; DROP TRIGGER report_day_company_update;"
        " DROP TRIGGER report_day_company_delete; DROP TRIGGER report_day_contact_insert;"
        " DROP TRIGGER report_day_contact_update; DROP TRIGGER report_day_contact_delete;"
        " DROP TRIGGER report_day_deal_insert; DROP TRIGGER report_day_deal_moved;"
        " DROP TRIGGER report_day_deal_closed; DROP TRIGGER report_day_deal_fields;"
        " DROP TABLE deal_report; DROP TABLE report_month;"
        " DROP TRIGGER report_day_deal_tasks; DROP TRIGGER report_day_deal_delete;"
        " DROP TRIGGER report_day_stage_insert; DROP TRIGGER report_day_stage_update;"
        " DROP TRIGGER report_day_stage_delete; DROP TRIGGER report_day_task_insert;"
        " DROP TRIGGER report_day_task_update; DROP TRIGGER report_day_task_delete;"
        " PRAGMA user_version = 17;");
  filled = read_day_totals (f->path);
  g_assert_cmpstr (filled, ==, kept);
}

/* The deals the dashboard's "open deals without a task" links to, in its order. */
static char *
without_task_links (Fixture *f)
{
  g_autoptr(JsonNode) report = run (f, "dashboard", NULL);
  JsonObject *totals = json_object_get_object_member (json_node_get_object (report), "totals");
  JsonObject *links = json_object_get_object_member (totals, "links");
  JsonArray *ids = json_object_get_array_member (links, "without_tasks");
  GString *text = g_string_new (NULL);

  g_assert_cmpint (json_object_get_int_member (totals, "without_tasks"), ==,
                   json_array_get_length (ids));
  for (guint i = 0; i < json_array_get_length (ids); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            json_array_get_string_element (ids, i));
  return g_string_free (text, FALSE);
}

/* The open deals without an open task (deal_no_task, schema 20): what the triggers kept
 * while the month was written, and what a replica of schema 19 fills from its rows when
 * it is opened — the same deals, the oldest first; the triggers keep it from then on. */
static void
test_no_task_upgrade (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *d9 = NULL, *d10 = NULL, *d11 = NULL, *expected = NULL;
  g_autofree char *kept = NULL, *filled = NULL, *after = NULL;
  g_autoptr(GPtrArray) d6 = NULL;
  g_autoptr(GPtrArray) d11_tasks = NULL;

  /* d9 Вера, the other pipeline: its one task done — no open task; d10 Вера, at the
   * meeting, no task at all; d11 Борис, at the offer, a task still open */
  d9 = add_deal (f, f->vera, f->service, f->service_new, AT (16, 9), 0, NULL);
  add_task (f, f->vera, d9, AT (16, 10), AT (17, 9), AT (16, 11));
  d10 = add_deal (f, f->vera, f->sales, f->meeting, AT (17, 9), 0, NULL);
  d11 = add_deal (f, f->boris, f->sales, f->offer, AT (18, 9), 0, NULL);
  add_task (f, f->boris, d11, AT (18, 10), AT (25, 9), 0);
  crm_store_set_now (f->store, NOW);

  /* with d6 of Дмитрий (made on the 6th); d1, d5, d8 won, d2, d4 lost, d3 with tasks */
  d6 = crm_test_column (f->store, "SELECT id FROM deal WHERE responsible = ?1", f->dmitry);
  g_assert_cmpuint (d6->len, ==, 1);
  expected = g_strdup_printf ("%s %s %s", (const char *) d6->pdata[0], d9, d10);
  kept = without_task_links (f);
  g_assert_cmpstr (kept, ==, expected);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM deal_no_task", NULL),
                   ==, 3);

  /* the same replica as schema 19 left it */
  reopen_from_step (f,
        "DROP TABLE deal_no_task; DROP TRIGGER deal_no_task_deal_insert;"
        " DROP TRIGGER deal_no_task_deal_update; DROP TRIGGER deal_no_task_deal_delete;"
        " DROP TRIGGER deal_no_task_task_insert; DROP TRIGGER deal_no_task_task_update;"
        " DROP TRIGGER deal_no_task_task_delete; DROP TRIGGER deal_no_task_stage_insert;"
        " DROP TRIGGER deal_no_task_stage_update; DROP TRIGGER deal_no_task_stage_delete;"
        " PRAGMA user_version = 19;");
  crm_store_set_now (f->store, NOW);
  filled = without_task_links (f);
  g_assert_cmpstr (filled, ==, expected);

  /* kept from then on: a task for d10 takes it out; d11's task done puts it in; «Заявка»
   * turned into a won stage takes d9 out, and back to an open one puts it in again */
  add_task (f, f->vera, d10, AT (19, 9), AT (21, 9), 0);
  crm_store_set_now (f->store, NOW);
  g_clear_pointer (&after, g_free);
  after = without_task_links (f);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s %s", (const char *) d6->pdata[0], d9);
  g_assert_cmpstr (after, ==, expected);

  d11_tasks = crm_test_column (f->store, "SELECT id FROM task WHERE deal = ?1", d11);
  g_assert_cmpuint (d11_tasks->len, ==, 1);
  {
    g_autoptr(CrmChangeset) done = crm_changeset_new ();
    CrmChange *change = crm_changeset_touch (done, "task", d11_tasks->pdata[0]);

    crm_change_set_bool (change, "done", TRUE);
    crm_change_set_int (change, "done_at", AT (19, 12));
    apply_at (f, AT (19, 12), done);
  }
  crm_store_set_now (f->store, NOW);
  g_clear_pointer (&after, g_free);
  after = without_task_links (f);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s %s %s", (const char *) d6->pdata[0], d9, d11);
  g_assert_cmpstr (after, ==, expected);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(CrmChangeset) kind = crm_changeset_new ();

      crm_change_set_string (crm_changeset_touch (kind, "stage", f->service_new), "kind",
                             i == 0 ? "won" : "open");
      apply_at (f, AT (19, 13 + i), kind);
      crm_store_set_now (f->store, NOW);
      g_clear_pointer (&after, g_free);
      after = without_task_links (f);
      g_clear_pointer (&expected, g_free);
      expected = i == 0 ? g_strdup_printf ("%s %s", (const char *) d6->pdata[0], d11)
                        : g_strdup_printf ("%s %s %s", (const char *) d6->pdata[0], d9, d11);
      g_assert_cmpstr (after, ==, expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/report/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("tasks", test_tasks);
  ADD ("conversion", test_conversion);
  ADD ("sales", test_sales);
  ADD ("dashboard", test_dashboard);
  ADD ("cold-activity", test_cold_activity);
  ADD ("empty-period", test_empty_period);
  ADD ("refusals", test_refusals);
  ADD ("cli", test_cli);
  ADD ("export", test_export);
  ADD ("plan", test_plan);
  ADD ("calls", test_calls);
  ADD ("day-totals", test_day_totals);
  ADD ("no-task-upgrade", test_no_task_upgrade);
#undef ADD
  g_test_add_func ("/report/distributor", test_distributor);
  g_test_add_func ("/report/zone", test_zone);

  return g_test_run ();
}
