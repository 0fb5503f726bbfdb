/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-schedule.c — work schedules (S2-7) with real parts: `voronkactl schedule
 * set|off|shift|show|now` with the clock pinned (--now), a shift across midnight and
 * across the week's end, a daylight-saving change in the account's zone (Europe/Berlin's
 * last Sunday of March), days off and a swapped shift; deals distributed among the group
 * members on shift (round robin, least loaded), a rep's own deal staying theirs; a task
 * due on a day off moved to the next working day with a note in the deal's history, and
 * the group's head notified when the responsible is off more than two days; two replicas
 * and a real voronka-server agreeing on who got which deal after syncing in either order;
 * bad input refused with the cause named and nothing written. */
#include <string.h>
#include <sqlite3.h>

#include "crm-query.h"
#include "crm-schedule.h"
#include "crm-setting.h"
#include "crm-test-server.h"
#include "crm-test-util.h"
#include "crm-uuid.h"

/* Monday 2 March 2026, 10:00 in Moscow (UTC+3 all year). */
#define NOW "2026-03-02T07:00:00Z"
#define GROUP "Смена"

typedef CrmTestReplicaDir Fixture;

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)
#define OK_AT(f, now, ...) crm_test_ctl_ok ((f)->db, (now), __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

/* A replica of the design-studio template with a group of our own: Анна, Борис, Вера
 * (reps) and their head Глеб (manager), in GROUP. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *reps[] = { "Анна", "Борис", "Вера" };

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "studio.db", NULL);
  json_node_unref (OK (f, "init", "--template", "design-studio"));
  for (guint i = 0; i < G_N_ELEMENTS (reps); i++)
    json_node_unref (OK (f, "user", "add", reps[i], "--role", "rep", "--group", GROUP));
  json_node_unref (OK (f, "user", "add", "Глеб", "--role", "manager", "--group", GROUP));
  /* the template's own rules stay out of these tests: each imports the rule it tests */
  {
    g_autoptr(JsonNode) rules = OK (f, "rules");
    JsonArray *array = json_node_get_array (rules);

    for (guint i = 0; i < json_array_get_length (array); i++)
      json_node_unref (OK (f, "rule", "disable",
                           str (json_array_get_object_element (array, i), "id")));
  }
}

static JsonObject *
show_at (Fixture    *f,
         const char *now,
         const char *user)
{
  return crm_test_take_object (OK_AT (f, now, "schedule", "show", user));
}

static void
assert_on_shift (Fixture    *f,
                 const char *now,
                 const char *user,
                 gboolean    expected)
{
  g_autoptr(JsonObject) shown = show_at (f, now, user);

  if (json_object_get_boolean_member (shown, "on_shift") != expected)
    g_error ("%s at %s: expected %s shift", user, now, expected ? "on" : "off");
}

/* The names `schedule now --group GROUP` lists at @now, joined with ",". */
static char *
on_shift_now (Fixture    *f,
              const char *now)
{
  g_autoptr(JsonNode) list = OK_AT (f, now, "schedule", "now", "--group", GROUP);
  JsonArray *array = json_node_get_array (list);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "," : "",
                            str (json_array_get_object_element (array, i), "user"));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
import_rule (Fixture    *f,
             const char *json)
{
  g_autofree char *path = g_build_filename (f->dir, "rule.json", NULL);

  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  json_node_unref (OK (f, "rule", "import", path));
}

/* --- schedule set / show / now ---------------------------------------------------------- */

static void
test_set_show_now (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *now = NULL;
  JsonArray *week;

  shown = crm_test_take_object (OK (f, "schedule", "set", "Анна", "--week",
                                    "mon=09:00-18:00, tue=09:00-18:00,пт=10:00-14:00+15:00-19:00",
                                    "--zone", "Europe/Moscow"));
  g_assert_cmpstr (str (shown, "user"), ==, "Анна");
  g_assert_cmpstr (str (shown, "group"), ==, GROUP);
  g_assert_cmpstr (str (shown, "zone"), ==, "Europe/Moscow");
  week = json_object_get_array_member (shown, "week");
  g_assert_cmpuint (json_array_get_length (week), ==, 4);
  g_assert_cmpstr (str (json_array_get_object_element (week, 2), "day"), ==, "fri");
  g_assert_cmpstr (str (json_array_get_object_element (week, 3), "start"), ==, "15:00");
  /* Monday 10:00 in Moscow: on shift until 18:00 (15:00 UTC) */
  g_assert_true (json_object_get_boolean_member (shown, "on_shift"));
  g_assert_cmpstr (str (shown, "until"), ==, "2026-03-02T15:00:00Z");
  g_clear_pointer (&shown, json_object_unref);

  /* Monday 19:00: off, next shift Tuesday 09:00 Moscow */
  shown = show_at (f, "2026-03-02T16:00:00Z", "Анна");
  g_assert_false (json_object_get_boolean_member (shown, "on_shift"));
  g_assert_cmpstr (str (shown, "next_shift"), ==, "2026-03-03T06:00:00Z");
  g_clear_pointer (&shown, json_object_unref);
  /* Friday 14:30, between its two shifts: off until 15:00 */
  shown = show_at (f, "2026-03-06T11:30:00Z", "Анна");
  g_assert_false (json_object_get_boolean_member (shown, "on_shift"));
  g_assert_cmpstr (str (shown, "next_shift"), ==, "2026-03-06T12:00:00Z");

  json_node_unref (OK (f, "schedule", "set", "Борис", "--week", "mon=12:00-20:00"));
  now = on_shift_now (f, NOW);
  g_assert_cmpstr (now, ==, "Анна");
  g_free (now);
  now = on_shift_now (f, "2026-03-02T10:00:00Z");
  g_assert_cmpstr (now, ==, "Анна,Борис");
  g_free (now);
  /* Вера has no schedule: never on shift; she is not listed */
  now = on_shift_now (f, "2026-03-02T16:30:00Z");
  g_assert_cmpstr (now, ==, "Борис");

  /* the plain text output names them too */
  {
    g_autofree char *text = NULL;
    g_autofree char *err = NULL;
    g_autofree char *cmd = g_strdup_printf ("%s --db %s --now 2026-03-02T10:00:00Z schedule now",
                                            g_getenv ("VORONKACTL"), f->db);
    int status = 0;

    g_assert_true (g_spawn_command_line_sync (cmd, &text, &err, &status, NULL));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (text, "Анна"));
    g_assert_nonnull (strstr (text, "Борис"));
  }
}

static void
test_midnight (Fixture       *f,
               gconstpointer  data)
{
  json_node_unref (OK (f, "schedule", "set", "Борис", "--week",
                       "fri=20:00-04:00,sun=22:00-06:00", "--zone", "Europe/Moscow"));
  /* Saturday 00:30 Moscow is Friday's night shift */
  assert_on_shift (f, "2026-03-06T21:30:00Z", "Борис", TRUE);
  {
    g_autoptr(JsonObject) shown = show_at (f, "2026-03-06T21:30:00Z", "Борис");
    g_assert_cmpstr (str (shown, "until"), ==, "2026-03-07T01:00:00Z");
  }
  /* Saturday 04:30: over */
  assert_on_shift (f, "2026-03-07T01:30:00Z", "Борис", FALSE);
  /* Sunday's night shift runs into Monday, across the week's end */
  assert_on_shift (f, "2026-03-09T02:00:00Z", "Борис", TRUE);
  assert_on_shift (f, "2026-03-09T03:30:00Z", "Борис", FALSE);
}

static void
test_dst (Fixture       *f,
          gconstpointer  data)
{
  /* Berlin: clocks go from 02:00 CET to 03:00 CEST on Sunday 29 March 2026 */
  json_node_unref (OK (f, "schedule", "set", "Вера", "--week",
                       "sat=22:00-06:00,mon=09:00-18:00", "--zone", "Europe/Berlin"));
  /* the night shift starts at 22:00 CET (21:00 UTC) and ends at 06:00 CEST (04:00 UTC) */
  assert_on_shift (f, "2026-03-28T20:30:00Z", "Вера", FALSE);
  assert_on_shift (f, "2026-03-28T21:30:00Z", "Вера", TRUE);
  assert_on_shift (f, "2026-03-29T03:30:00Z", "Вера", TRUE);
  assert_on_shift (f, "2026-03-29T04:30:00Z", "Вера", FALSE);
  /* Monday 09:00 is 08:00 UTC before the change and 07:00 UTC after it */
  assert_on_shift (f, "2026-03-23T07:30:00Z", "Вера", FALSE);
  assert_on_shift (f, "2026-03-23T08:30:00Z", "Вера", TRUE);
  assert_on_shift (f, "2026-03-30T07:30:00Z", "Вера", TRUE);
  {
    g_autoptr(JsonObject) shown = show_at (f, "2026-03-29T05:00:00Z", "Вера");
    g_assert_cmpstr (str (shown, "next_shift"), ==, "2026-03-30T07:00:00Z");
  }
}

static void
test_exceptions (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonObject) shown = NULL;
  JsonArray *exceptions;

  json_node_unref (OK (f, "schedule", "set", "Анна", "--week",
                       "mon=09:00-18:00,tue=09:00-18:00", "--zone", "Europe/Moscow"));
  shown = crm_test_take_object (OK (f, "schedule", "off", "Анна", "--from", "2026-03-09",
                                    "--to", "2026-03-10", "--reason", "Отпуск"));
  exceptions = json_object_get_array_member (shown, "exceptions");
  g_assert_cmpuint (json_array_get_length (exceptions), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (exceptions, 0), "reason"), ==, "Отпуск");
  g_clear_pointer (&shown, json_object_unref);

  assert_on_shift (f, "2026-03-09T07:00:00Z", "Анна", FALSE);
  assert_on_shift (f, "2026-03-10T07:00:00Z", "Анна", FALSE);
  shown = show_at (f, "2026-03-09T07:00:00Z", "Анна");
  g_assert_cmpstr (str (shown, "next_shift"), ==, "2026-03-16T06:00:00Z");
  g_clear_pointer (&shown, json_object_unref);

  /* a swapped shift: Wednesday 11 March 10:00–19:00 instead of the vacation's Tuesday */
  json_node_unref (OK (f, "schedule", "shift", "Анна", "--date", "2026-03-11", "--hours",
                       "10:00-19:00", "--reason", "Обмен сменами"));
  assert_on_shift (f, "2026-03-11T08:00:00Z", "Анна", TRUE);
  assert_on_shift (f, "2026-03-11T06:30:00Z", "Анна", FALSE);
  shown = show_at (f, "2026-03-09T07:00:00Z", "Анна");
  g_assert_cmpstr (str (shown, "next_shift"), ==, "2026-03-11T07:00:00Z");
}

/* --- bad input ----------------------------------------------------------------------------- */

static void
assert_refused_naming (Fixture    *f,
                       const char *code,
                       const char *needle,
                       const char *first,
                       ...)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *message = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, f->db);
  g_ptr_array_add (args, (gpointer) "--now");
  g_ptr_array_add (args, (gpointer) NOW);
  g_ptr_array_add (args, (gpointer) "--json");
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  message = crm_test_assert_refused (&run, code);
  if (strstr (message, needle) == NULL)
    g_error ("the refusal «%s» does not name «%s»", message, needle);
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  gint64 log_before, log_after;

  json_node_unref (OK (f, "schedule", "set", "Анна", "--week", "mon=09:00-18:00",
                       "--zone", "Europe/Moscow"));
  before = show_at (f, NOW, "Анна");
  log_before = log_length (f);

  assert_refused_naming (f, "invalid-input", "mon 17:00-20:00", "schedule", "set", "Анна",
                         "--week", "mon=09:00-18:00,mon=17:00-20:00", NULL);
  /* across midnight and across the week's end */
  assert_refused_naming (f, "invalid-input", "sun 22:00-06:00", "schedule", "set", "Анна",
                         "--week", "mon=05:00-10:00,sun=22:00-06:00", NULL);
  assert_refused_naming (f, "not-found", "Никто", "schedule", "set", "Никто",
                         "--week", "mon=09:00-18:00", NULL);
  assert_refused_naming (f, "invalid-input", "25:00", "schedule", "set", "Анна",
                         "--week", "mon=09:00-25:00", NULL);
  assert_refused_naming (f, "invalid-input", "9 утра", "schedule", "set", "Анна",
                         "--week", "mon=9 утра-18:00", NULL);
  assert_refused_naming (f, "invalid-input", "xyz", "schedule", "set", "Анна",
                         "--week", "xyz=09:00-18:00", NULL);
  assert_refused_naming (f, "invalid-input", "Mars/Olympus", "schedule", "set", "Анна",
                         "--week", "mon=09:00-18:00", "--zone", "Mars/Olympus", NULL);
  assert_refused_naming (f, "invalid-input", "2026-13-01", "schedule", "off", "Анна",
                         "--from", "2026-13-01", NULL);
  assert_refused_naming (f, "invalid-input", "2026-03-09", "schedule", "off", "Анна",
                         "--from", "2026-03-10", "--to", "2026-03-09", NULL);
  assert_refused_naming (f, "not-found", "Никто", "schedule", "off", "Никто",
                         "--from", "2026-03-10", NULL);
  assert_refused_naming (f, "invalid-input", "10:00-10:00", "schedule", "shift", "Анна",
                         "--date", "2026-03-11", "--hours", "10:00-10:00", NULL);
  /* a rep does not change schedules, not even their own */
  assert_refused_naming (f, "permission-denied", "schedules", "--as", "Анна", "schedule",
                         "set", "Анна", "--week", "mon=08:00-12:00", NULL);

  after = show_at (f, NOW, "Анна");
  log_after = log_length (f);
  g_assert_cmpint (log_after, ==, log_before);
  g_assert_cmpstr (str (after, "zone"), ==, "Europe/Moscow");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (after, "week")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (after, "exceptions")),
                    ==, 0);

  /* a distribution rule without a group is refused when imported */
  {
    g_autofree char *path = g_build_filename (f->dir, "bad-rule.json", NULL);

    g_assert_true (g_file_set_contents (path,
      "{\"name\": \"Без группы\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"actions\": [{\"type\": \"assign_on_shift\", \"mode\": \"round_robin\"}]}", -1, NULL));
    assert_refused_naming (f, "invalid-input", "group", "rule", "import", path, NULL);
    g_assert_true (g_file_set_contents (path,
      "{\"name\": \"Плохой режим\", \"trigger\": {\"type\": \"deal_created\"},"
      " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Смена\", \"mode\": \"lottery\"}]}",
      -1, NULL));
    assert_refused_naming (f, "invalid-input", "lottery", "rule", "import", path, NULL);
  }
}

/* --- distribution ------------------------------------------------------------------------- */

static char *
new_deal (Fixture    *f,
          const char *now,
          const char *as,
          const char *title)
{
  g_autoptr(JsonNode) deal = crm_test_ctl_ok (f->db, now, "--as", as, "deal", "add",
                                              "--pipeline", "Дизайн", "--title", title, NULL);
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *id = id_of (deal);

  shown = crm_test_take_object (crm_test_ctl_ok (f->db, now, "deal", "show", id, NULL));
  return g_strdup (str (shown, "responsible"));
}

static void
set_up_shifts (Fixture *f)
{
  json_node_unref (OK (f, "schedule", "set", "Анна", "--week", "mon=09:00-18:00",
                       "--zone", "Europe/Moscow"));
  json_node_unref (OK (f, "schedule", "set", "Борис", "--week", "mon=09:00-18:00"));
  json_node_unref (OK (f, "schedule", "set", "Вера", "--week", "tue=09:00-18:00"));
}

static void
test_round_robin (Fixture       *f,
                  gconstpointer  data)
{
  const char *expected[] = { "Анна", "Борис", "Анна", "Борис" };

  set_up_shifts (f);
  import_rule (f, "{\"name\": \"Новые заявки по сменам\","
                  " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Дизайн\"},"
                  " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Смена\","
                  " \"mode\": \"round_robin\"}]}");
  /* Monday: Анна and Борис are on shift, Вера is not */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *title = g_strdup_printf ("Заявка %u", i + 1);
      g_autofree char *who = new_deal (f, NOW, "admin", title);

      g_assert_cmpstr (who, ==, expected[i]);
    }
  /* Tuesday: only Вера */
  {
    g_autofree char *who = new_deal (f, "2026-03-03T07:00:00Z", "Глеб", "Вторник");
    g_assert_cmpstr (who, ==, "Вера");
  }
  /* a rep's own deal stays theirs, whoever is on shift */
  {
    g_autofree char *who = new_deal (f, "2026-03-03T07:00:00Z", "Борис", "Своя сделка");
    g_assert_cmpstr (who, ==, "Борис");
  }
  /* at night nobody is on shift: the one whose shift starts first (Tuesday: Вера) */
  {
    g_autofree char *who = new_deal (f, "2026-03-02T20:00:00Z", "admin", "Ночная");
    g_assert_cmpstr (who, ==, "Вера");
  }
}

static void
test_least_loaded (Fixture       *f,
                   gconstpointer  data)
{
  set_up_shifts (f);
  /* Анна already has two open deals, Борис one */
  g_free (new_deal (f, NOW, "Анна", "Анна 1"));
  g_free (new_deal (f, NOW, "Анна", "Анна 2"));
  g_free (new_deal (f, NOW, "Борис", "Борис 1"));
  import_rule (f, "{\"name\": \"Наименее загруженному\","
                  " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Дизайн\"},"
                  " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Смена\","
                  " \"mode\": \"least_loaded\"}]}");
  {
    g_autofree char *first = new_deal (f, NOW, "admin", "Первая");
    g_autofree char *second = new_deal (f, NOW, "admin", "Вторая");
    g_autofree char *third = new_deal (f, NOW, "admin", "Третья");

    g_assert_cmpstr (first, ==, "Борис");   /* 1 < 2 */
    g_assert_cmpstr (second, ==, "Анна");   /* 2 = 2: the first by name */
    g_assert_cmpstr (third, ==, "Борис");   /* 3 > 2 */
  }
}

/* --- tasks off days off ------------------------------------------------------------------------ */

static JsonObject *
only_task (Fixture    *f,
           const char *deal_id)
{
  g_autoptr(JsonNode) tasks = OK (f, "task", "list", "--deal", deal_id);
  JsonArray *array = json_node_get_array (tasks);

  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_object_ref (json_array_get_object_element (array, 0));
}

static guint
notes_containing (JsonObject *deal,
                  const char *needle)
{
  JsonArray *history = json_object_get_array_member (deal, "history");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *entry = json_array_get_object_element (history, i);
      JsonObject *fields = json_object_get_object_member (entry, "fields");

      if (g_strcmp0 (str (entry, "entity"), "note") == 0 &&
          strstr (json_object_get_string_member_with_default (fields, "text", ""), needle))
        n++;
    }
  return n;
}

static guint
notifications_of (Fixture    *f,
                  const char *user)
{
  return crm_test_take_length (OK (f, "notification", "list", "--user", user));
}

static void
test_task_moved (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) deal = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *deal_id = NULL;

  json_node_unref (OK (f, "schedule", "set", "Анна", "--week",
                       "mon=09:00-18:00,tue=09:00-18:00,wed=09:00-18:00,thu=09:00-18:00,"
                       "fri=09:00-18:00", "--zone", "Europe/Moscow"));
  import_rule (f, "{\"name\": \"Задачи на рабочий день\", \"trigger\": {\"type\": \"task_due_set\"},"
                  " \"actions\": [{\"type\": \"task_to_working_day\", \"max_days_off\": 2}]}");
  deal = OK (f, "deal", "add", "--pipeline", "Дизайн", "--title", "Квартира на Тверской",
             "--responsible", "Анна");
  deal_id = id_of (deal);

  /* due Saturday 15:00 Moscow: moves to Monday 15:00, two days off: nobody notified */
  json_node_unref (OK (f, "task", "add", "--deal", deal_id, "--text", "Позвонить клиенту",
                       "--due", "2026-03-07T12:00:00Z", "--responsible", "Анна"));
  task = only_task (f, deal_id);
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-09T12:00:00Z");
  shown = show (f, deal_id);
  g_assert_cmpuint (notes_containing (shown, "«Позвонить клиенту»"), ==, 1);
  g_assert_cmpuint (notes_containing (shown, "09.03.2026 15:00"), ==, 1);
  g_assert_cmpuint (notifications_of (f, "Глеб"), ==, 0);
  g_clear_pointer (&task, json_object_unref);
  g_clear_pointer (&shown, json_object_unref);

  /* due on a working day: stays, no new note */
  task = only_task (f, deal_id);
  json_node_unref (OK (f, "task", "delete", str (task, "id")));
  g_clear_pointer (&task, json_object_unref);
  json_node_unref (OK (f, "task", "add", "--deal", deal_id, "--text", "Отправить смету",
                       "--due", "2026-03-04T08:00:00Z", "--responsible", "Анна"));
  task = only_task (f, deal_id);
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-04T08:00:00Z");
  shown = show (f, deal_id);
  g_assert_cmpuint (notes_containing (shown, "«Отправить смету»"), ==, 0);
  g_clear_pointer (&shown, json_object_unref);

  /* a vacation Tuesday to Friday: a task due Tuesday 10:00 moves to Monday 16 March
   * 10:00; six days off in a row: the head of the group is told to hand it over */
  json_node_unref (OK (f, "schedule", "off", "Анна", "--from", "2026-03-10", "--to",
                       "2026-03-13", "--reason", "Отпуск"));
  json_node_unref (OK (f, "task", "delete", str (task, "id")));
  g_clear_pointer (&task, json_object_unref);
  json_node_unref (OK (f, "task", "add", "--deal", deal_id, "--text", "Обсудить планировку",
                       "--due", "2026-03-10T07:00:00Z", "--responsible", "Анна"));
  task = only_task (f, deal_id);
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-16T07:00:00Z");
  shown = show (f, deal_id);
  g_assert_cmpuint (notes_containing (shown, "16.03.2026 10:00"), ==, 1);
  g_assert_cmpuint (notifications_of (f, "Глеб"), ==, 1);
  {
    g_autoptr(JsonNode) list = OK (f, "notification", "list", "--user", "Глеб");
    JsonObject *notification = json_array_get_object_element (json_node_get_array (list), 0);

    g_assert_nonnull (strstr (str (notification, "text"), "Анна"));
    g_assert_nonnull (strstr (str (notification, "text"), "«Обсудить планировку»"));
  }
  /* nobody else was told */
  g_assert_cmpuint (crm_test_take_length (OK (f, "notification", "list")), ==, 1);
}

/* --- the zone among the account's settings ---------------------------------------------------- */

/* One text answer of @sql on the replica (NULL: no row). */
static char *
sql_text (Fixture    *f,
          const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

/* The zone is one of the account's settings (`setting` "time_zone"): the template writes
 * it there; an older replica whose zone is in `account_setting` keeps it; a manager's new
 * zone goes to `setting` and `account_setting` is no longer written; a rep is refused. */
static void
test_zone_setting (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *zone_id = crm_setting_id (CRM_SETTING_TIME_ZONE);
  g_autofree char *sql = g_strdup_printf ("SELECT json_extract (value, '$.zone') FROM setting"
                                          " WHERE id = '%s' AND deleted = 0", zone_id);
  g_autofree char *stored = sql_text (f, sql);
  g_autofree char *old = NULL;
  g_autoptr(JsonObject) shown = show_at (f, NOW, "Анна");

  g_assert_cmpstr (stored, ==, "Europe/Moscow");
  g_assert_cmpstr (str (shown, "zone"), ==, "Europe/Moscow");
  old = sql_text (f, "SELECT count(*) FROM account_setting");
  g_assert_cmpstr (old, ==, "0");

  /* an older replica: its zone in account_setting, none in setting */
  {
    sqlite3 *db = NULL;
    g_autofree char *delete = g_strdup_printf ("DELETE FROM setting WHERE id = '%s'", zone_id);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmStore) store = NULL;
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *old_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, "account_setting/time_zone");
    CrmChange *change;

    g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, delete, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
    store = crm_store_open (f->db, &error);
    g_assert_no_error (error);
    change = crm_changeset_create (changeset, "account_setting", old_id);
    crm_change_set_string (change, "key", "time_zone");
    crm_change_set_string (change, "value", "Asia/Yekaterinburg");
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&shown, json_object_unref);
  shown = show_at (f, NOW, "Анна");
  g_assert_cmpstr (str (shown, "zone"), ==, "Asia/Yekaterinburg");

  /* a rep does not change the zone; the head does, into `setting` */
  assert_refused_naming (f, "permission-denied", "schedules", "--as", "Анна", "schedule",
                         "set", "Анна", "--week", "mon=08:00-12:00", "--zone", "Europe/Berlin",
                         NULL);
  json_node_unref (OK (f, "--as", "Глеб", "schedule", "set", "Анна", "--week",
                       "mon=09:00-18:00", "--zone", "Europe/Berlin"));
  g_clear_pointer (&shown, json_object_unref);
  shown = show_at (f, NOW, "Анна");
  g_assert_cmpstr (str (shown, "zone"), ==, "Europe/Berlin");
  g_clear_pointer (&stored, g_free);
  stored = sql_text (f, sql);
  g_assert_cmpstr (stored, ==, "Europe/Berlin");
  g_clear_pointer (&old, g_free);
  old = sql_text (f, "SELECT value FROM account_setting");
  g_assert_cmpstr (old, ==, "Asia/Yekaterinburg");
}

/* Days off given later move the open tasks already due inside them, as the rule
 * task_to_working_day moves a task whose due time is set: to the next working day, with
 * a note on the deal; tasks outside them, or of someone else, stay; giving the same days
 * again moves nothing twice. */
static void
test_days_off_move_tasks (Fixture       *f,
                          gconstpointer  data)
{
  const char *week = "mon=09:00-18:00,tue=09:00-18:00,wed=09:00-18:00,thu=09:00-18:00,"
                     "fri=09:00-18:00";
  g_autofree char *deal_a = NULL;
  g_autofree char *deal_b = NULL;
  g_autofree char *deal_c = NULL;
  g_autofree char *deal_d = NULL;
  const struct { char **deal; const char *user; const char *due; const char *after; } tasks[] = {
    /* Wednesday 15:00 → Friday 15:00 (in Friday's shift: the same time) */
    { &deal_a, "Анна", "2026-03-11T12:00:00Z", "2026-03-13T12:00:00Z" },
    /* Thursday 09:30 → Friday 09:30 */
    { &deal_b, "Анна", "2026-03-12T06:30:00Z", "2026-03-13T06:30:00Z" },
    /* Борис is not off */
    { &deal_c, "Борис", "2026-03-11T12:00:00Z", "2026-03-11T12:00:00Z" },
    /* after the days off */
    { &deal_d, "Анна", "2026-03-16T12:00:00Z", "2026-03-16T12:00:00Z" },
  };

  json_node_unref (OK (f, "schedule", "set", "Анна", "--week", week, "--zone", "Europe/Moscow"));
  json_node_unref (OK (f, "schedule", "set", "Борис", "--week", week));
  import_rule (f, "{\"name\": \"Задачи на рабочий день\", \"trigger\": {\"type\": \"task_due_set\"},"
                  " \"actions\": [{\"type\": \"task_to_working_day\", \"max_days_off\": 2}]}");
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", "Дизайн", "--title", tasks[i].due,
                                     "--responsible", tasks[i].user);
      g_autoptr(JsonObject) task = NULL;

      *tasks[i].deal = id_of (deal);
      json_node_unref (OK (f, "task", "add", "--deal", *tasks[i].deal, "--text", "Позвонить клиенту",
                           "--due", tasks[i].due, "--responsible", tasks[i].user));
      task = only_task (f, *tasks[i].deal);
      g_assert_cmpstr (str (task, "due"), ==, tasks[i].due);
    }

  /* Анна is ill on Wednesday and Thursday */
  for (guint round = 0; round < 2; round++)
    {
      json_node_unref (OK (f, "schedule", "off", "Анна", "--from", "2026-03-11", "--to",
                           "2026-03-12", "--reason", "Больничный"));
      for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
        {
          g_autoptr(JsonObject) task = only_task (f, *tasks[i].deal);
          g_autoptr(JsonObject) shown = show (f, *tasks[i].deal);
          gboolean moved = g_strcmp0 (tasks[i].due, tasks[i].after) != 0;

          if (g_strcmp0 (str (task, "due"), tasks[i].after) != 0)
            g_error ("round %u: the task due %s is due %s, not %s", round, tasks[i].due,
                     str (task, "due"), tasks[i].after);
          /* one note, however many times the days off are given */
          g_assert_cmpuint (notes_containing (shown, "«Позвонить клиенту»"), ==, moved ? 1 : 0);
        }
    }
  {
    g_autoptr(JsonObject) shown = show (f, deal_a);

    g_assert_cmpuint (notes_containing (shown, "13.03.2026 15:00"), ==, 1);
  }
  /* two days off in a row: the head is not asked to hand anything over */
  g_assert_cmpuint (notifications_of (f, "Глеб"), ==, 0);
}

/* --- roles as data ---------------------------------------------------------------------------- */

/* Issue 20: what a role may do is asked of its rights, not its name. Глеб heading the
 * group with the built-in «head» role changes his group's schedules (not another group's:
 * refused in words) and is the head told to hand over the tasks of a long absence (a
 * head counted as nobody's head while role names were compared); a custom role like the
 * sales rep's keeps its own new deal as a rep does, a head's goes to whoever is on shift. */
static void
test_roles (Fixture       *f,
            gconstpointer  data)
{
  const char *week = "mon=09:00-18:00,tue=09:00-18:00,wed=09:00-18:00,thu=09:00-18:00,"
                     "fri=09:00-18:00";
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *deal_id = NULL;

  json_node_unref (OK (f, "user", "set", "Глеб", "--role", "head"));
  json_node_unref (OK (f, "--as", "Глеб", "schedule", "set", "Анна", "--week", week));
  json_node_unref (OK (f, "--as", "Глеб", "schedule", "set", "Борис", "--week", week));
  shown = show_at (f, NOW, "Анна");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (shown, "week")), ==, 5);
  assert_refused_naming (f, "permission-denied", "the head of the person's group", "--as",
                         "Глеб", "schedule", "set", "Дарья Васильева", "--week",
                         "mon=08:00-12:00", NULL);
  /* the account's zone is for those who oversee everyone's work */
  assert_refused_naming (f, "permission-denied", "schedules", "--as", "Глеб", "schedule", "set",
                         "Анна", "--week", week, "--zone", "Europe/Samara", NULL);

  /* a vacation of six days: the head of the group is told */
  import_rule (f, "{\"name\": \"Задачи на рабочий день\", \"trigger\": {\"type\": \"task_due_set\"},"
                  " \"actions\": [{\"type\": \"task_to_working_day\", \"max_days_off\": 2}]}");
  json_node_unref (OK (f, "--as", "Глеб", "schedule", "off", "Анна", "--from", "2026-03-10",
                       "--to", "2026-03-13", "--reason", "Отпуск"));
  deal_id = id_of (OK (f, "deal", "add", "--pipeline", "Дизайн", "--title", "Квартира на Тверской",
                       "--responsible", "Анна"));
  json_node_unref (OK (f, "task", "add", "--deal", deal_id, "--text", "Обсудить планировку",
                       "--due", "2026-03-10T07:00:00Z", "--responsible", "Анна"));
  g_assert_cmpuint (notifications_of (f, "Глеб"), ==, 1);
  g_assert_cmpuint (notifications_of (f, "Анна"), ==, 0);

  /* a deal made by a rep-like custom role stays hers; the head's own is distributed */
  json_node_unref (OK (f, "role", "add", "Стажёр", "--like", "rep"));
  json_node_unref (OK (f, "user", "set", "Вера", "--role", "Стажёр"));
  import_rule (f, "{\"name\": \"Новые заявки по сменам\","
                  " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Дизайн\"},"
                  " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Смена\","
                  " \"mode\": \"round_robin\"}]}");
  {
    g_autofree char *own = new_deal (f, NOW, "Вера", "Своя сделка");
    g_autofree char *heads = new_deal (f, NOW, "Глеб", "Заявка с выставки");

    g_assert_cmpstr (own, ==, "Вера");
    g_assert_true (g_strcmp0 (heads, "Анна") == 0 || g_strcmp0 (heads, "Борис") == 0);
  }
}

/* The rule «Стажёрам по сменам»: a new deal of «Дизайн» to whoever of «Смена» is on shift,
 * in turn, of the roles @roles (a JSON array's members). */
static void
import_shift_rule (Fixture    *f,
                   const char *roles)
{
  g_autofree char *json = g_strdup_printf (
    "{\"name\": \"Стажёрам по сменам\","
    " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Дизайн\"},"
    " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"Смена\","
    " \"mode\": \"round_robin\", \"roles\": [%s]}]}", roles);

  import_rule (f, json);
}

/* assign_on_shift's "roles" goes by the role its users hold, not by comparing names as
 * text: a custom role named in the rule (its users hold its id), then renamed; the
 * built-in sales rep's role renamed, named by its key and by its new name; a role nobody of
 * the group holds is said so, and one the account lacks is refused by the rule check. */
static void
test_roles_filter (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;

  set_up_shifts (f);  /* Monday: Анна and Борис on shift */
  json_node_unref (OK (f, "role", "add", "Стажёр", "--like", "rep"));
  json_node_unref (OK (f, "user", "set", "Борис", "--role", "Стажёр"));
  import_shift_rule (f, "\"стажёр\"");
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *title = g_strdup_printf ("Заявка %u", i + 1);
      g_autofree char *who = new_deal (f, NOW, "admin", title);

      g_assert_cmpstr (who, ==, "Борис");
    }

  /* the built-in sales rep's role renamed: named by its key, and by its new name */
  json_node_unref (OK (f, "role", "set", "rep", "--name", "Продавец"));
  import_shift_rule (f, "\"rep\"");
  {
    g_autofree char *who = new_deal (f, NOW, "admin", "Заявка 3");

    g_assert_cmpstr (who, ==, "Анна");
  }
  import_shift_rule (f, "\"Продавец\", \"Стажёр\"");
  {
    g_autofree char *first = new_deal (f, NOW, "admin", "Заявка 4");
    g_autofree char *second = new_deal (f, NOW, "admin", "Заявка 5");

    /* in turn among both (whoever the rule chose last goes second) */
    g_assert_true ((g_strcmp0 (first, "Анна") == 0 && g_strcmp0 (second, "Борис") == 0) ||
                   (g_strcmp0 (first, "Борис") == 0 && g_strcmp0 (second, "Анна") == 0));
  }

  /* a role nobody of the group holds: the deal is refused saying so */
  json_node_unref (OK (f, "role", "add", "Архитектор", "--like", "rep"));
  import_shift_rule (f, "\"Архитектор\"");
  crm_test_ctl (&run, f->db, NOW, "deal", "add", "--pipeline", "Дизайн", "--title", "Заявка 6",
                NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.out, "nobody of the group holds one"));
  g_assert_nonnull (strstr (run.out, "«Архитектор»"));
}

/* --- the upgrade ------------------------------------------------------------------------------ */

/* A replica of schema 12 (before schedules) opens as 13: its deals stay, schedules work. */
static void
test_upgrade (Fixture       *f,
              gconstpointer  data)
{
  sqlite3 *db = NULL;
  g_autofree char *deal_id = id_of (OK (f, "deal", "add", "--pipeline", "Дизайн", "--title",
                                        "Старая сделка", "--responsible", "Анна"));

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
    "DROP TABLE schedule; DROP TABLE schedule_exception; DROP TABLE account_setting;"
    " PRAGMA user_version = 14;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  {
    g_autoptr(JsonObject) deal = show (f, deal_id);
    g_assert_cmpstr (str (deal, "title"), ==, "Старая сделка");
    g_assert_cmpstr (str (deal, "responsible"), ==, "Анна");
  }
  json_node_unref (OK (f, "schedule", "set", "Анна", "--week", "mon=09:00-18:00",
                       "--zone", "Europe/Moscow"));
  assert_on_shift (f, NOW, "Анна", TRUE);
  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, CRM_SCHEMA_VERSION);
    sqlite3_finalize (stmt);
  }
  sqlite3_close (db);
}

/* --- two replicas and a server ------------------------------------------------------------ */

#define ADMIN_PW "admin-pw"
#define REP_PW   "rep-password"
#define SALES    "Отдел продаж"
#define SYNC_NOW (G_GINT64_CONSTANT (1772434800000))  /* 2026-03-02T07:00:00Z, a Monday */

static char *
user_id (CrmStore   *store,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, "user", name, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static char *
add_deal (CrmTestReplica *replica,
          const char     *title,
          gint64          now)
{
  g_autoptr(CrmChangeset) cs = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *actor = user_id (replica->store, replica->user);
  g_autofree char *pipeline = crm_query_resolve (replica->store, "pipeline", "Продажи", NULL,
                                                 &error);
  g_autofree char *stage = NULL;
  char *id = crm_store_new_id (replica->store);
  CrmChange *change;

  g_assert_no_error (error);
  stage = crm_query_resolve (replica->store, "stage", "Новая заявка", pipeline, &error);
  g_assert_no_error (error);
  change = crm_changeset_create (cs, "deal", id);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_string (change, "responsible", actor);
  crm_change_set_int (change, "created_at", now);
  crm_change_set_int (change, "stage_entered_at", now);
  crm_changeset_set_actor (cs, actor);
  crm_store_set_now (replica->store, now);
  g_assert_true (crm_store_apply (replica->store, cs, &error));
  g_assert_no_error (error);
  return id;
}

static char *
responsible_name (CrmStore   *store,
                  const char *deal_id)
{
  g_autoptr(JsonObject) deal = crm_store_dup_entity (store, "deal", deal_id);
  g_autoptr(JsonObject) user = NULL;

  g_assert_nonnull (deal);
  user = crm_store_dup_entity (store, "user",
                               json_object_get_string_member (deal, "responsible"));
  g_assert_nonnull (user);
  return g_strdup (json_object_get_string_member (user, "name"));
}

static void
test_sync_agrees (gconstpointer data)
{
  gboolean rep_first = GPOINTER_TO_INT (data);
  g_autofree char *tmpdir = NULL;
  g_autoptr(GError) error = NULL;
  CrmTestServer *server = crm_test_server_set_up (&tmpdir, NULL);
  CrmTestReplica admin = { 0 }, rep = { 0 };
  g_autoptr(CrmStore) account = NULL;
  g_autofree char *admin_id = NULL;
  g_autofree char *a1 = NULL, *a2 = NULL, *a3 = NULL, *r1 = NULL;
  const char *deals[4];

  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", ADMIN_PW);
  crm_test_replica_open (&rep, server, tmpdir, "rep.db", "Мария Кузнецова", REP_PW);
  admin_id = user_id (admin.store, "admin");

  /* the head's set-up on the admin's laptop: schedules and the distribution rule */
  crm_store_set_now (admin.store, SYNC_NOW);
  g_assert_true (crm_schedule_set_week (admin.store, admin_id, "Мария Кузнецова",
                                        "mon=09:00-18:00", "Europe/Moscow", &error));
  g_assert_true (crm_schedule_set_week (admin.store, admin_id, "Денис Морозов",
                                        "mon=09:00-18:00", NULL, &error));
  g_assert_true (crm_schedule_set_week (admin.store, admin_id, "Сергей Волков",
                                        "mon=09:00-18:00", NULL, &error));
  {
    g_autoptr(CrmChangeset) cs = crm_changeset_new ();
    g_autofree char *rule_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, "test/rule/distribution");
    CrmChange *change = crm_changeset_create (cs, "rule", rule_id);
    g_autoptr(JsonNode) definition = json_from_string (
      "{\"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Продажи\"},"
      " \"actions\": [{\"type\": \"assign_on_shift\", \"group\": \"" SALES "\","
      " \"mode\": \"round_robin\"}]}", &error);

    g_assert_no_error (error);
    crm_change_set_string (change, "name", "Распределение по сменам");
    crm_change_set_node (change, "definition", json_node_copy (definition));
    crm_change_set_bool (change, "enabled", TRUE);
    crm_change_set_int (change, "position", 1000);
    crm_changeset_set_actor (cs, admin_id);
    g_assert_true (crm_store_apply (admin.store, cs, &error));
  }
  g_assert_no_error (error);
  g_clear_object (&admin.store);
  crm_sync_report_free (crm_test_replica_sync (&admin));
  crm_sync_report_free (crm_test_replica_sync (&rep));
  admin.store = crm_test_open (admin.path);
  g_clear_object (&rep.store);
  rep.store = crm_test_open (rep.path);

  /* offline: the admin enters three leads (distributed in turn), the rep makes her own */
  a1 = add_deal (&admin, "Лид 1", SYNC_NOW);
  a2 = add_deal (&admin, "Лид 2", SYNC_NOW + 60000);
  a3 = add_deal (&admin, "Лид 3", SYNC_NOW + 120000);
  r1 = add_deal (&rep, "Своя сделка Марии", SYNC_NOW + 30000);
  {
    g_autofree char *n1 = responsible_name (admin.store, a1);
    g_autofree char *n2 = responsible_name (admin.store, a2);
    g_autofree char *n3 = responsible_name (admin.store, a3);
    g_autofree char *nr = responsible_name (rep.store, r1);

    g_assert_cmpstr (n1, ==, "Денис Морозов");
    g_assert_cmpstr (n2, ==, "Мария Кузнецова");
    g_assert_cmpstr (n3, ==, "Сергей Волков");
    g_assert_cmpstr (nr, ==, "Мария Кузнецова");
  }
  g_clear_object (&admin.store);
  g_clear_object (&rep.store);

  /* sync in one order or the other, then once more each */
  for (guint round = 0; round < 2; round++)
    {
      crm_sync_report_free (crm_test_replica_sync (rep_first ? &rep : &admin));
      crm_sync_report_free (crm_test_replica_sync (rep_first ? &admin : &rep));
    }
  admin.store = crm_test_open (admin.path);
  rep.store = crm_test_open (rep.path);
  account = crm_test_server_open_account (server);

  deals[0] = a1, deals[1] = a2, deals[2] = a3, deals[3] = r1;
  for (guint i = 0; i < G_N_ELEMENTS (deals); i++)
    {
      g_autofree char *on_admin = responsible_name (admin.store, deals[i]);
      g_autofree char *on_rep = responsible_name (rep.store, deals[i]);
      g_autofree char *on_server = responsible_name (account, deals[i]);

      g_assert_cmpstr (on_admin, ==, on_rep);
      g_assert_cmpstr (on_admin, ==, on_server);
    }
  {
    g_autofree char *n1 = responsible_name (account, a1);
    g_autofree char *nr = responsible_name (account, r1);

    g_assert_cmpstr (n1, ==, "Денис Морозов");
    g_assert_cmpstr (nr, ==, "Мария Кузнецова");
  }
  /* the whole replicas agree too */
  {
    g_autofree char *admin_state = crm_test_dump (admin.store);
    g_autofree char *rep_state = crm_test_dump (rep.store);
    g_autofree char *server_state = crm_test_dump (account);

    g_assert_cmpstr (admin_state, ==, rep_state);
    g_assert_cmpstr (admin_state, ==, server_state);
  }

  g_clear_object (&account);
  crm_test_replica_clear (&admin);
  crm_test_replica_clear (&rep);
  crm_test_server_tear_down (server, g_steal_pointer (&tmpdir), 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/schedule/" path, Fixture, NULL, fixture_set_up, func, \
              crm_test_replica_dir_tear_down)
  ADD ("cli/set-show-now", test_set_show_now);
  ADD ("cli/midnight", test_midnight);
  ADD ("cli/dst", test_dst);
  ADD ("cli/exceptions", test_exceptions);
  ADD ("cli/bad-input", test_bad_input);
  ADD ("distribution/round-robin", test_round_robin);
  ADD ("distribution/least-loaded", test_least_loaded);
  ADD ("tasks/moved-off-days-off", test_task_moved);
  ADD ("zone-setting", test_zone_setting);
  ADD ("tasks/days-off-move-due-tasks", test_days_off_move_tasks);
  ADD ("upgrade-from-12", test_upgrade);
  ADD ("roles", test_roles);
  ADD ("distribution/roles-by-id", test_roles_filter);
#undef ADD
  g_test_add_data_func ("/schedule/sync/admin-first", GINT_TO_POINTER (FALSE), test_sync_agrees);
  g_test_add_data_func ("/schedule/sync/rep-first", GINT_TO_POINTER (TRUE), test_sync_agrees);
  return g_test_run ();
}
