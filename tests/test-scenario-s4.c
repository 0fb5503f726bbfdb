/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario-s4.c — the event organizer (SPEC.md S4, seed 004) through the real
 * voronkactl with the clock pinned: call lists from complex filters and saved lists
 * (S4-1: every kind of test, 170 rows when 170 match, the first letters of a surname
 * inside a list, malformed expressions refused naming the place, a saved list seen on a
 * second replica after sync through a real voronka-server; the same over deals: pipeline,
 * stage, status, contact, amount, dates, a saved list of deals, export --filter), mass
 * deal creation as one
 * undoable change and the deal whose event is today closed as won (S4-3) — on creation,
 * on a change of its date, and by the timer on the day itself —, RFM segments,
 * their transitions and the report (S4-5); «Написать всем» on a saved list or a selection
 * of contacts, companies or deals (S4-2); `export --json`. */
#include <string.h>

#include "crm-mailing.h"
#include "crm-message.h"
#include "crm-test-server.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"

typedef CrmTestReplicaDir Fixture;

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)
#define OK_AT(f, now, ...) crm_test_ctl_ok ((f)->db, (now), __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

static CrmTestServer *server;
static char *server_tmpdir;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "events.db", NULL);
  json_node_unref (OK (f, "init", "--template", "event-organizer"));
  json_node_unref (OK (f, "company", "add", "--name", "ООО Автомир", "--field", "employees=250",
                       "--as", "Олег Ильин"));
  json_node_unref (OK (f, "company", "add", "--name", "АО Дилер Плюс", "--field", "employees=40"));
  json_node_unref (OK (f, "company", "add", "--name", "ИП Новиков", "--as", "Ксения Гусева"));
  json_node_unref (OK (f, "contact", "add", "--name", "Петров Иван", "--company", "ООО Автомир",
                       "--tag", "VIP", "--field", "country=Казахстан",
                       "--field", "birthday=1985-06-01", "--as", "Олег Ильин"));
  json_node_unref (OK (f, "contact", "add", "--name", "Петрова Анна", "--tag", "Семинар",
                       "--tag", "VIP", "--field", "country=Россия",
                       "--field", "position=Директор"));
  json_node_unref (OK (f, "contact", "add", "--name", "Сидоров Олег", "--company", "АО Дилер Плюс",
                       "--tag", "Юристы", "--field", "country=Казахстан",
                       "--field", "birthday=1972-01-15"));
  json_node_unref (OK (f, "contact", "add", "--name", "Кузнецова Мария"));
  json_node_unref (OK_AT (f, "2026-01-10T09:00:00Z", "contact", "add", "--name", "Орлова Вера"));
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The @member of each row `ENTITY list ARGS…` prints, sorted, joined by ", ". */
static char *
listed_valist (Fixture    *f,
               const char *entity,
               const char *member,
               const char *first,
               va_list     ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  const char *arg;
  JsonArray *array;

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, f->db);
  g_ptr_array_add (args, "--now");
  g_ptr_array_add (args, NOW);
  g_ptr_array_add (args, "--json");
  g_ptr_array_add (args, (gpointer) entity);
  g_ptr_array_add (args, "list");
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("%s list failed (%d): %s%s", entity, run.status, run.out, run.err);
  node = crm_test_parse_json (run.out);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (names, (gpointer) str (json_array_get_object_element (array, i), member));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

/* The names `contact list ARGS…` prints, sorted, joined by ", ". */
static char *
names_of (Fixture    *f,
          const char *first,
          ...)
{
  va_list ap;
  char *names;

  va_start (ap, first);
  names = listed_valist (f, "contact", "name", first, ap);
  va_end (ap);
  return names;
}

/* The titles `deal list ARGS…` prints, sorted, joined by ", ". */
static char *
titles_of (Fixture    *f,
           const char *first,
           ...)
{
  va_list ap;
  char *titles;

  va_start (ap, first);
  titles = listed_valist (f, "deal", "title", first, ap);
  va_end (ap);
  return titles;
}

#define assert_filter(f, expr, expected) \
  G_STMT_START { \
    g_autofree char *found_ = names_of ((f), "--filter", (expr), NULL); \
    if (g_strcmp0 (found_, (expected)) != 0) \
      g_error ("filter «%s»: expected [%s], got [%s]", (expr), (expected), found_); \
  } G_STMT_END

/* S4-1: every kind of test, alone and combined. */
static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  /* a deal of Сидоров (activity on 02-20) and a won deal of Автомир's (02-25) */
  json_node_unref (OK_AT (f, "2026-02-20T12:00:00Z", "deal", "add", "--pipeline", "Консалтинг",
                          "--title", "Аудит отдела продаж", "--contact", "Сидоров Олег"));
  json_node_unref (OK_AT (f, "2026-02-25T12:00:00Z", "deal", "add", "--pipeline", "Консалтинг",
                          "--stage", "Успешно реализовано", "--title", "Консалтинг Автомир",
                          "--company", "ООО Автомир", "--amount", "150000.00"));

  /* tags: all, any, none, one */
  assert_filter (f, "tags all (VIP, Семинар)", "Петрова Анна");
  assert_filter (f, "tags any (VIP, Юристы)", "Петров Иван, Петрова Анна, Сидоров Олег");
  assert_filter (f, "tags none (VIP)", "Кузнецова Мария, Орлова Вера, Сидоров Олег");
  assert_filter (f, "tag = Юристы", "Сидоров Олег");
  assert_filter (f, "tag != VIP and tag != Юристы", "Кузнецова Мария, Орлова Вера");
  /* company and responsible */
  assert_filter (f, "company = «ООО Автомир»", "Петров Иван");
  assert_filter (f, "company is empty", "Кузнецова Мария, Орлова Вера, Петрова Анна");
  assert_filter (f, "responsible = \"Олег Ильин\"", "Петров Иван");
  /* custom fields: equals (as people type it), range, empty, not empty */
  assert_filter (f, "field.country = казахстан", "Петров Иван, Сидоров Олег");
  assert_filter (f, "field.birthday between 1980-01-01 and 1990-12-31", "Петров Иван");
  assert_filter (f, "field.birthday < 1980-01-01", "Сидоров Олег");
  assert_filter (f, "field.position is not empty", "Петрова Анна");
  assert_filter (f, "field.position is empty and field.country is empty",
                 "Кузнецова Мария, Орлова Вера");
  /* dates: created, last activity, last won deal (a contact's company's counts) */
  assert_filter (f, "created < 2026-02-01", "Орлова Вера");
  assert_filter (f, "created = 2026-01-10", "Орлова Вера");
  assert_filter (f, "last_activity >= -30d", "Сидоров Олег");
  assert_filter (f, "last_activity is empty and created >= today",
                 "Кузнецова Мария, Петров Иван, Петрова Анна");
  assert_filter (f, "last_won >= 2026-02-01", "Петров Иван");
  /* the RFM segment: one purchase 5 days ago is «Новый» */
  assert_filter (f, "segment = Новый", "Петров Иван");
  {
    g_autofree char *by_option = names_of (f, "--segment", "Новый", NULL);

    g_assert_cmpstr (by_option, ==, "Петров Иван");
  }
  /* and binds tighter than or; not and parentheses */
  assert_filter (f, "tags any Юристы or tags any VIP and field.country = Россия",
                 "Петрова Анна, Сидоров Олег");
  assert_filter (f, "(tags any VIP or field.country = Казахстан) and not company is empty",
                 "Петров Иван, Сидоров Олег");
}

/* S4-1: the old tool showed 50 of 170; every row comes back, and a saved list answers
 * the first three letters of a surname. */
static void
test_all_rows (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->dir, "contacts.csv", NULL);
  g_autoptr(GString) text = g_string_new ("name,company\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (text, i % 10 == 0 ? "Смирнов%03u Иван,%s\n" : "Иванов%03u Семён,%s\n",
                            i, i < 170 ? "ООО Массовая" : "ООО Другая");
  g_file_set_contents (csv, text->str, -1, &error);
  g_assert_no_error (error);
  json_node_unref (OK (f, "import", "contacts", csv));

  g_assert_cmpuint (crm_test_take_length (OK (f, "contact", "list", "--filter",
                                              "company = «ООО Массовая»")), ==, 170);
  list = OK (f, "list", "save", "Обзвон Массовая", "--filter", "company = «ООО Массовая»");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "count"), ==, 170);
  g_assert_cmpstr (str (json_node_get_object (list), "entity"), ==, "contact");
  g_assert_cmpuint (crm_test_take_length (OK (f, "contact", "list", "--list", "Обзвон Массовая")),
                    ==, 170);
  /* the first three letters of the surname, inside the list: the 17 Смирновы of the
   * 170, not the Семёны (a first name) nor the Смирновы of the other company */
  g_assert_cmpuint (crm_test_take_length (OK (f, "contact", "list", "--list", "Обзвон Массовая",
                                              "--search", "Сми")), ==, 17);
  g_assert_cmpuint (crm_test_take_length (OK (f, "contact", "list", "--list", "Обзвон Массовая",
                                              "--search", "Сем")), ==, 0);
  /* paging still works when asked for */
  g_assert_cmpuint (crm_test_take_length (OK (f, "contact", "list", "--list", "Обзвон Массовая",
                                              "--limit", "50", "--offset", "150")), ==, 20);
}

/* S4-1: a malformed expression is refused saying where and what was expected, and a
 * list with one is not saved. */
static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  const struct {
    const char *expr;
    const char *where;
    const char *what;
  } cases[] = {
    { "tags some VIP", "at character 6", "«all», «any» or «none»" },
    { "field.country =", "at character 16", "a value" },
    { "(tags any VIP", "at character 14", "«)»" },
    { "created >= yesterday", "at character 12", "a date" },
    { "company = \"ООО Автомир", "at character 11", "never closed" },
    { "field.nosuch = 1", "at character 1", "country" },
    { "tags any VIP and", "at character 17", "a test" },
    { "tags any Нетакого", "at character 10", "Нетакого" },
    { "field.birthday between 1980-01-01 or 1990-01-01", "at character 35", "«and»" },
    { "tag == VIP", "at character 6", "a tag's name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CrmTestRun) run = { 0 };
      g_autofree char *message = NULL;

      crm_test_ctl (&run, f->db, NOW, "contact", "list", "--filter", cases[i].expr, NULL);
      message = crm_test_assert_refused (&run, strstr (cases[i].expr, "Нетакого") != NULL
                                                ? "not-found" : "invalid-input");
      if (strstr (message, cases[i].where) == NULL || strstr (message, cases[i].what) == NULL)
        g_error ("«%s»: expected «%s» and «%s» in «%s»", cases[i].expr, cases[i].where,
                 cases[i].what, message);
    }
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, f->db, NOW, "list", "save", "Плохой", "--filter", "tags any", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "at character 9"));
    g_assert_cmpuint (crm_test_take_length (OK (f, "list", "list")), ==, 0);
  }
}

#define assert_deal_filter(f, expr, expected) \
  G_STMT_START { \
    g_autofree char *found_ = titles_of ((f), "--filter", (expr), NULL); \
    if (g_strcmp0 (found_, (expected)) != 0) \
      g_error ("deal filter «%s»: expected [%s], got [%s]", (expr), (expected), found_); \
  } G_STMT_END

/* Four deals of the event organizer for the deal filters: Форум А (Автомир, VIP, an
 * invoice moved to «Оплачено» on 02-25), Форум Д (Дилер Плюс, Семинар, at «Счёт
 * выставлен»), Семинар юристов (won on 01-15, Сидоров, VIP and Юристы) and Аудит
 * (Консалтинг, no amount, today). */
static void
add_filter_deals (Fixture *f)
{
  g_autoptr(JsonNode) forum = NULL;

  forum = OK_AT (f, "2026-02-10T12:00:00Z", "deal", "add", "--pipeline", "Мероприятия",
                 "--stage", "Счёт выставлен", "--title", "Форум А", "--company", "ООО Автомир",
                 "--contact", "Петров Иван", "--tag", "VIP", "--amount", "120000.00",
                 "--field", "event_date=2026-04-15", "--field", "guest_count=3",
                 "--responsible", "Олег Ильин");
  json_node_unref (OK_AT (f, "2026-02-25T12:00:00Z", "deal", "move",
                          str (json_node_get_object (forum), "id"), "--stage", "Оплачено"));
  json_node_unref (OK_AT (f, "2026-02-20T12:00:00Z", "deal", "add", "--pipeline", "Мероприятия",
                          "--stage", "Счёт выставлен", "--title", "Форум Д",
                          "--company", "АО Дилер Плюс", "--tag", "Семинар",
                          "--amount", "60000.00", "--field", "event_date=2026-04-15",
                          "--field", "guest_count=1"));
  json_node_unref (OK_AT (f, "2026-01-15T12:00:00Z", "deal", "add", "--pipeline", "Мероприятия",
                          "--stage", "Успешно реализовано", "--title", "Семинар юристов",
                          "--contact", "Сидоров Олег", "--tag", "Юристы", "--tag", "VIP",
                          "--amount", "30000.00", "--field", "event_date=2026-01-20",
                          "--field", "guest_count=12"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Консалтинг", "--title", "Аудит"));
}

/* S4-1 over deals: every kind of test, alone and combined; a saved list of deals; the
 * first letters of a title inside it; the export of what a filter leaves. */
static void
test_deal_filters (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->dir, "deals.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) lists = NULL;
  g_auto(CrmTestRun) run = { 0 };

  add_filter_deals (f);
  /* pipeline, stage, status */
  assert_deal_filter (f, "pipeline = Консалтинг", "Аудит");
  assert_deal_filter (f, "stage = «Счёт выставлен»", "Форум Д");
  assert_deal_filter (f, "stage != «Счёт выставлен» and pipeline = Мероприятия",
                      "Семинар юристов, Форум А");
  assert_deal_filter (f, "status = won", "Семинар юристов");
  assert_deal_filter (f, "status = open", "Аудит, Форум А, Форум Д");
  assert_deal_filter (f, "status = lost", "");
  /* tags: all, any, none, one */
  assert_deal_filter (f, "tags all (VIP, Юристы)", "Семинар юристов");
  assert_deal_filter (f, "tags any (VIP, Семинар)", "Семинар юристов, Форум А, Форум Д");
  assert_deal_filter (f, "tags none (VIP)", "Аудит, Форум Д");
  assert_deal_filter (f, "tag = Семинар", "Форум Д");
  /* responsible, company, contact */
  assert_deal_filter (f, "responsible = \"Олег Ильин\"", "Форум А");
  assert_deal_filter (f, "company = «ООО Автомир»", "Форум А");
  assert_deal_filter (f, "company is empty", "Аудит, Семинар юристов");
  assert_deal_filter (f, "contact = «Сидоров Олег»", "Семинар юристов");
  assert_deal_filter (f, "contact is empty", "Аудит, Форум Д");
  /* the amount: range, comparison, empty */
  assert_deal_filter (f, "amount between 50000 and 150000", "Форум А, Форум Д");
  assert_deal_filter (f, "amount >= 100000.00", "Форум А");
  assert_deal_filter (f, "amount is empty", "Аудит");
  /* custom fields: the event date, a number, empty */
  assert_deal_filter (f, "field.event_date = 2026-04-15", "Форум А, Форум Д");
  assert_deal_filter (f, "field.event_date between 2026-04-01 and 2026-04-30 and "
                         "field.guest_count > 2", "Форум А");
  assert_deal_filter (f, "field.event_date is empty", "Аудит");
  assert_deal_filter (f, "field.guest_count is not empty and field.event_date < 2026-03-01",
                      "Семинар юристов");
  /* dates: created, stage entered, won, closed */
  assert_deal_filter (f, "created < 2026-02-01", "Семинар юристов");
  assert_deal_filter (f, "created = 2026-02-20", "Форум Д");
  assert_deal_filter (f, "stage_entered between 2026-02-21 and 2026-02-28", "Форум А");
  assert_deal_filter (f, "won >= 2026-01-01", "Семинар юристов");
  assert_deal_filter (f, "closed is empty", "Аудит, Форум А, Форум Д");
  assert_deal_filter (f, "title = «семинар юристов»", "Семинар юристов");
  /* and, or, not, parentheses */
  assert_deal_filter (f, "(tags any VIP or pipeline = Консалтинг) and not status = won",
                      "Аудит, Форум А");
  assert_deal_filter (f, "tags any Семинар or tags any VIP and amount < 100000",
                      "Семинар юристов, Форум Д");

  /* a saved list of deals: listed with its entity, every row, the title's first letters */
  list = OK (f, "list", "save", "Форумы к оплате", "--entity", "deal",
             "--filter", "field.event_date >= 2026-04-01 and status = open");
  g_assert_cmpstr (str (json_node_get_object (list), "entity"), ==, "deal");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (list), "count"), ==, 2);
  {
    g_autofree char *all = titles_of (f, "--list", "Форумы к оплате", NULL);
    g_autofree char *found = titles_of (f, "--list", "форумы к оплате", "--search", "фор", NULL);
    g_autofree char *none = titles_of (f, "--list", "Форумы к оплате", "--search", "Ауд", NULL);

    g_assert_cmpstr (all, ==, "Форум А, Форум Д");
    g_assert_cmpstr (found, ==, "Форум А, Форум Д");
    g_assert_cmpstr (none, ==, "");
  }
  lists = OK (f, "list", "list");
  g_assert_cmpstr (str (crm_test_find_object (json_node_get_array (lists), "name",
                                              "Форумы к оплате"), "entity"), ==, "deal");
  /* a deal that starts matching appears in the list */
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Форум Н",
                       "--field", "event_date=2026-05-20"));
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list", "--list", "Форумы к оплате")),
                    ==, 3);
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list", "--list", "Форумы к оплате",
                                              "--limit", "2")), ==, 2);

  /* export deals --filter writes only those */
  {
    g_auto(CrmTestRun) export = { 0 };

    crm_test_run_cli (&export, "--db", f->db, "--now", NOW, "export", "deals", "--out", csv,
                      "--filter", "tags any VIP", NULL);
    g_assert_cmpint (export.status, ==, 0);
    g_assert_nonnull (strstr (export.out, "2 written"));
  }
  g_file_get_contents (csv, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "Форум А"));
  g_assert_nonnull (strstr (text, "Семинар юристов"));
  g_assert_null (strstr (text, "Форум Д"));
  g_assert_null (strstr (text, "Аудит"));

  /* a list of contacts is not listed as deals */
  json_node_unref (OK (f, "list", "save", "VIP-клиенты", "--filter", "tags any VIP"));
  crm_test_ctl (&run, f->db, NOW, "deal", "list", "--list", "VIP-клиенты", NULL);
  g_free (crm_test_assert_refused (&run, "invalid-input"));
}

/* S4-1 over deals: a malformed expression or an unknown name is refused saying where,
 * and what was expected or which names there are. */
static void
test_deal_malformed (Fixture       *f,
                     gconstpointer  data)
{
  const struct {
    const char *expr;
    const char *code;
    const char *where;
    const char *what;
  } cases[] = {
    { "stage = Нетакой", "not-found", "at character 9", "Нетакой" },
    { "pipeline = Нетакая", "not-found", "at character 12", "Нетакая" },
    { "contact = «Никто Никак»", "not-found", "at character 11", "Никто Никак" },
    { "status = closed", "invalid-input", "at character 10", "open, won or lost" },
    { "amount > 12abc", "invalid-input", "at character 10", "an amount" },
    { "segment = VIP", "invalid-input", "at character 1", "a deal test" },
    { "field.nosuch = 1", "invalid-input", "at character 1", "event_date" },
    { "tags any (VIP", "invalid-input", "at character 14", "«,» or «)»" },
    { "won >= вчера", "invalid-input", "at character 8", "a date" },
    { "amount between 1 or 2", "invalid-input", "at character 18", "«and»" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CrmTestRun) run = { 0 };
      g_autofree char *message = NULL;

      crm_test_ctl (&run, f->db, NOW, "deal", "list", "--filter", cases[i].expr, NULL);
      message = crm_test_assert_refused (&run, cases[i].code);
      if (strstr (message, cases[i].where) == NULL || strstr (message, cases[i].what) == NULL)
        g_error ("«%s»: expected «%s» and «%s» in «%s»", cases[i].expr, cases[i].where,
                 cases[i].what, message);
    }
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    /* a list of deals is checked as one before it is saved */
    crm_test_ctl (&run, f->db, NOW, "list", "save", "Плохой", "--entity", "deal",
                  "--filter", "last_won >= -30d", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "a deal test"));
    g_assert_cmpuint (crm_test_take_length (OK (f, "list", "list")), ==, 0);
  }
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    /* an empty filter would hold every deal: no list */
    crm_test_ctl (&run, f->db, NOW, "list", "save", "Все", "--entity", "deal",
                  "--filter", "  ", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "every deal"));
    g_assert_cmpuint (crm_test_take_length (OK (f, "list", "list")), ==, 0);
  }
  {
    g_auto(CrmTestRun) run = { 0 };

    /* the old options and a filter do not mix */
    crm_test_ctl (&run, f->db, NOW, "deal", "list", "--filter", "status = open",
                  "--stage", "Оплачено", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "write them into the filter"));
  }
}

/* S4-3: one deal per company from a template, in one change; one undo takes them all
 * back; each gets its company's responsible. */
static void
test_add_many (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) deals = NULL;
  g_autoptr(JsonNode) undo = NULL;
  JsonArray *array;
  JsonObject *automir;
  JsonObject *fields;
  guint before = log_length (f);

  deals = OK (f, "deal", "add-many", "--company", "ООО Автомир", "--company", "АО Дилер Плюс",
              "--company", "ИП Новиков", "--pipeline", "Мероприятия",
              "--title", "Семинар «Автобосс» 20 марта: {company}",
              "--field", "event_date=2026-03-20", "--tag", "Семинар");
  array = json_node_get_array (deals);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  automir = crm_test_find_object (array, "title", "Семинар «Автобосс» 20 марта: ООО Автомир");
  g_assert_nonnull (automir);
  g_assert_cmpstr (str (automir, "company"), ==, "ООО Автомир");
  g_assert_cmpstr (str (automir, "responsible"), ==, "Олег Ильин");
  g_assert_cmpstr (str (automir, "stage"), ==, "Неразобранное");
  g_assert_true (has_string (json_object_get_array_member (automir, "tags"), "Семинар"));
  fields = json_object_get_object_member (automir, "fields");
  g_assert_cmpstr (str (fields, "event_date"), ==, "2026-03-20T00:00:00Z");
  g_assert_cmpstr (str (crm_test_find_object (array, "company", "ИП Новиков"), "responsible"),
                   ==, "Ксения Гусева");
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list", "--pipeline", "Мероприятия")),
                    ==, 3);

  /* one undo takes all three back */
  undo = OK (f, "undo");
  g_assert_nonnull (str (json_node_get_object (undo), "undone"));
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list", "--pipeline", "Мероприятия")),
                    ==, 0);
  g_assert_cmpuint (log_length (f), >, before);

  /* from a saved list of companies; a company named twice gets one deal */
  json_node_unref (OK (f, "list", "save", "Крупные", "--entity", "company",
                       "--filter", "field.employees >= 100"));
  g_clear_pointer (&deals, json_node_unref);
  deals = OK (f, "deal", "add-many", "--list", "Крупные", "--company", "ООО Автомир",
              "--pipeline", "Мероприятия", "--title", "Клуб руководителей: {company}",
              "--field", "event_date=2026-04-15");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), ==, 1);
}

/* S4-3: a deal whose event date is today closes as won (the template's rule, with the
 * condition "date is today"); tomorrow's stays open until its date is moved to today. */
static void
test_event_today (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) today = NULL;
  g_autoptr(JsonNode) later = NULL;
  g_autoptr(JsonObject) moved = NULL;
  g_autofree char *later_id = NULL;
  JsonArray *array;

  today = OK (f, "deal", "add-many", "--company", "ООО Автомир", "--company", "АО Дилер Плюс",
              "--pipeline", "Мероприятия", "--title", "Семинар сегодня: {company}",
              "--field", "event_date=2026-03-02", "--field", "guest_count=3");
  array = json_node_get_array (today);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *deal = json_array_get_object_element (array, i);

      g_assert_cmpstr (str (deal, "stage"), ==, "Успешно реализовано");
      g_assert_cmpstr (str (deal, "stage_kind"), ==, "won");
    }

  later = OK (f, "deal", "add-many", "--company", "ИП Новиков", "--pipeline", "Мероприятия",
              "--title", "Семинар в среду: {company}", "--field", "event_date=2026-03-04",
              "--field", "guest_count=2");
  later_id = g_strdup (str (json_array_get_object_element (json_node_get_array (later), 0), "id"));
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (later), 0), "stage"),
                   ==, "Неразобранное");
  /* the date moved to today: the same rule closes it */
  json_node_unref (OK (f, "deal", "set", later_id, "--field", "event_date=2026-03-02"));
  moved = show (f, later_id);
  g_assert_cmpstr (str (moved, "stage"), ==, "Успешно реализовано");
  /* nothing else was created */
  g_assert_cmpuint (crm_test_take_length (OK (f, "deal", "list", "--pipeline", "Мероприятия")),
                    ==, 3);
}

/* The rule's timer side: a deal whose event date comes closes as won on that day
 * through the engine's timer (crm_rules_tick, as voronka-server ticks every minute), not
 * a day late, not twice, and two replicas that tick at different moments of the day
 * write the same op; a date already past when set is not closed late. */
static void
test_event_day_timer (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) later = NULL;
  g_autoptr(JsonNode) past = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(JsonObject) tick = NULL;
  g_autoptr(JsonNode) log_a = NULL;
  g_autoptr(JsonNode) log_b = NULL;
  g_autofree char *later_id = NULL;
  g_autofree char *past_id = NULL;
  g_autofree char *copy = g_build_filename (f->dir, "laptop.db", NULL);
  g_autofree char *contents = NULL;
  JsonObject *last_a, *last_b;
  gsize length;

  later = OK (f, "deal", "add-many", "--company", "ИП Новиков", "--pipeline", "Мероприятия",
              "--title", "Семинар в среду: {company}", "--field", "event_date=2026-03-04",
              "--field", "guest_count=2");
  later_id = g_strdup (str (json_array_get_object_element (json_node_get_array (later), 0), "id"));
  past = OK (f, "deal", "add-many", "--company", "АО Дилер Плюс", "--pipeline", "Мероприятия",
             "--title", "Семинар прошёл: {company}", "--field", "event_date=2026-02-20",
             "--field", "guest_count=4");
  past_id = g_strdup (str (json_array_get_object_element (json_node_get_array (past), 0), "id"));
  /* a deal without its guest count cannot be won (the stage requires it): it stays
   * open, and the timer does not stop the others */
  json_node_unref (OK (f, "deal", "add-many", "--company", "ООО Автомир", "--pipeline", "Мероприятия",
                       "--title", "Без числа гостей: {company}", "--field", "event_date=2026-03-04"));
  /* a second replica with the same state (the server's copy, say) */
  g_assert_true (g_file_get_contents (f->db, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, length, NULL));

  /* the eve: nothing */
  tick = crm_test_take_object (OK_AT (f, "2026-03-03T23:59:00Z", "tick"));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 0);
  g_clear_pointer (&tick, json_object_unref);
  deal = show (f, later_id);
  g_assert_cmpstr (str (deal, "stage"), ==, "Неразобранное");
  g_clear_pointer (&deal, json_object_unref);

  /* the day itself: closed as won, once */
  tick = crm_test_take_object (OK_AT (f, "2026-03-04T00:01:00Z", "tick"));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 1);
  g_clear_pointer (&tick, json_object_unref);
  deal = show (f, later_id);
  g_assert_cmpstr (str (deal, "stage"), ==, "Успешно реализовано");
  tick = crm_test_take_object (OK_AT (f, "2026-03-04T12:00:00Z", "tick"));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 0);
  g_clear_pointer (&tick, json_object_unref);
  /* the date set in the past stays as it is */
  old = show (f, past_id);
  g_assert_cmpstr (str (old, "stage"), ==, "Неразобранное");

  /* the other replica ticks later that day and writes the very same op */
  tick = crm_test_take_object (crm_test_ctl_ok (copy, "2026-03-04T15:30:00Z", "tick", NULL));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 1);
  log_a = OK_AT (f, "2026-03-04T16:00:00Z", "log");
  log_b = crm_test_ctl_ok (copy, "2026-03-04T16:00:00Z", "log", NULL);
  last_a = json_array_get_object_element (json_node_get_array (log_a),
                                          json_array_get_length (json_node_get_array (log_a)) - 1);
  last_b = json_array_get_object_element (json_node_get_array (log_b),
                                          json_array_get_length (json_node_get_array (log_b)) - 1);
  g_assert_cmpstr (str (last_a, "id"), ==, later_id);
  g_assert_cmpstr (str (last_a, "id"), ==, str (last_b, "id"));
  /* the same rule, the same cause (which is what keeps a replica from firing it again
   * once the other's op arrived), the same fields */
  g_assert_cmpstr (str (last_a, "rule"), ==, str (last_b, "rule"));
  g_assert_nonnull (str (last_a, "cause"));
  g_assert_true (g_str_has_prefix (str (last_a, "cause"), "timer:"));
  g_assert_cmpstr (str (last_a, "cause"), ==, str (last_b, "cause"));
  {
    g_autoptr(JsonNode) fields_a = json_node_ref (json_object_get_member (last_a, "fields"));
    g_autoptr(JsonNode) fields_b = json_node_ref (json_object_get_member (last_b, "fields"));
    g_autofree char *text_a = json_to_string (fields_a, FALSE);
    g_autofree char *text_b = json_to_string (fields_b, FALSE);

    g_assert_cmpstr (text_a, ==, text_b);
  }
}

/* The "id" of the object @node holds; takes @node. */
static char *
take_id (JsonNode *node)
{
  g_autoptr(JsonNode) owned = node;

  return crm_test_dup_id (owned);
}

/* A timer rule whose run a gate refuses for one deal (the stage it moves to requires a
 * field that deal lacks) changes nothing of that deal, stops no other deal's run, is
 * listed by `tick` and left as a notification to the deal's responsible — once: the
 * next ticks do not try it again every minute. */
static void
test_timer_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *rule = g_build_filename (f->dir, "registered.json", NULL);
  g_autoptr(JsonObject) tick = NULL;
  g_autoptr(JsonObject) ready = NULL;
  g_autoptr(JsonObject) lacking = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonNode) notifications = NULL;
  g_autofree char *ready_id = NULL;
  g_autofree char *lacking_id = NULL;
  JsonArray *refused;
  JsonObject *item;
  const char *text;

  g_assert_true (g_file_set_contents (rule,
    "{\"name\": \"Оплатили: участник зарегистрирован\","
    " \"trigger\": {\"type\": \"timer\", \"from\": \"stage_entered\", \"pipeline\": \"Мероприятия\","
    "               \"stage\": \"Оплачено\", \"after\": {\"days\": 1}},"
    " \"actions\": [{\"type\": \"move_deal\", \"pipeline\": \"Мероприятия\","
    "               \"stage\": \"Участник зарегистрирован\"}]}", -1, NULL));
  json_node_unref (OK (f, "rule", "import", rule));
  ready_id = take_id (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "С гостями",
                                  "--stage", "Оплачено", "--field", "event_date=2026-04-10",
                                  "--field", "guest_count=3", "--responsible", "Олег Ильин"));
  lacking_id = take_id (OK (f, "deal", "add", "--pipeline", "Мероприятия",
                                    "--title", "Без числа гостей", "--stage", "Оплачено",
                                    "--field", "event_date=2026-04-10",
                                    "--responsible", "Ксения Гусева"));

  before = show (f, lacking_id);
  tick = crm_test_take_object (OK_AT (f, "2026-03-03T10:00:01Z", "tick"));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 1);
  refused = json_object_get_array_member (tick, "refused");
  g_assert_cmpuint (json_array_get_length (refused), ==, 1);
  item = json_array_get_object_element (refused, 0);
  g_assert_cmpstr (str (item, "rule"), ==, "Оплатили: участник зарегистрирован");
  g_assert_cmpstr (str (item, "deal"), ==, lacking_id);
  g_assert_cmpstr (str (item, "code"), ==, "required-field");
  g_assert_nonnull (strstr (str (item, "message"), "Количество гостей"));

  /* the other deal's run happened; the refused one is as it was */
  ready = show (f, ready_id);
  g_assert_cmpstr (str (ready, "stage"), ==, "Участник зарегистрирован");
  lacking = show (f, lacking_id);
  g_assert_cmpstr (str (lacking, "stage"), ==, "Оплачено");
  g_assert_cmpstr (str (lacking, "updated_at"), ==, str (before, "updated_at"));

  /* its responsible reads why, on the deal */
  notifications = OK_AT (f, "2026-03-03T10:05:00Z", "notification", "list", "--user", "Ксения Гусева");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 1);
  item = json_array_get_object_element (json_node_get_array (notifications), 0);
  g_assert_cmpstr (str (item, "deal"), ==, lacking_id);
  text = str (item, "text");
  g_assert_nonnull (strstr (text, "Оплатили: участник зарегистрирован"));
  g_assert_nonnull (strstr (text, "Количество гостей"));

  g_clear_pointer (&tick, json_object_unref);
  /* later ticks neither retry it nor notify again */
  tick = crm_test_take_object (OK_AT (f, "2026-03-03T10:01:01Z", "tick"));
  g_assert_cmpint (json_object_get_int_member (tick, "fired"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (tick, "refused")), ==, 0);
  json_node_unref (notifications);
  notifications = OK_AT (f, "2026-03-03T10:05:00Z", "notification", "list", "--user", "Ксения Гусева");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notifications)), ==, 1);
}

/* S4-2 and S4-9: an e-mail of a mailing to a list (no deal) that its contact opens makes
 * the template's rule give the contact's manager a task to call, on that contact. */
static void
test_mailing_opened (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  g_autofree char *message = NULL;
  JsonObject *task;

  json_node_unref (OK (f, "message", "template", "add", "Приглашение", "--channel", "email",
                       "--subject", "Приглашение на семинар",
                       "--body", "Здравствуйте, {contact.name}!"));
  json_node_unref (OK (f, "contact", "add", "--name", "Лебедев Павел", "--email",
                       "pavel@client.test", "--as", "Олег Ильин"));
  result = OK (f, "message", "send", "--filter", "name = «Лебедев Павел»", "--template",
               "Приглашение");
  message = g_strdup (str (json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (result), "sent"), 0), "message"));
  g_assert_nonnull (message);
  /* the server sent it and its tracking image was fetched */
  {
    g_autoptr(CrmStore) store = crm_test_open (f->db);
    g_autoptr(GError) error = NULL;
    gboolean changed = FALSE;

    crm_store_set_now (store, 1772445600000);  /* 2026-03-02T10:00:00Z */
    g_assert_true (crm_message_set_status (store, message, "sent", NULL, &error));
    g_assert_no_error (error);
    g_assert_true (crm_message_mark_opened (store, message, &changed, &error));
    g_assert_no_error (error);
    g_assert_true (changed);
  }
  tasks = OK (f, "task", "list", "--responsible", "Олег Ильин");
  task = crm_test_find_object (json_node_get_array (tasks), "text",
                               "Позвонить: клиент открыл письмо");
  g_assert_nonnull (task);
  g_assert_cmpstr (str (task, "type"), ==, "call");
}

/* S4-2: a second mailing of the same template to the same list writes only to whom it
 * did not reach: the others are skipped and listed with when they got it; nobody left to
 * write to is a refusal that says how to send again; --again writes to everyone. */
static void
test_mailing_again (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) again = NULL;
  JsonObject *item;

  json_node_unref (OK (f, "message", "template", "add", "Семинар", "--channel", "email",
                       "--subject", "Приглашение на семинар",
                       "--body", "Здравствуйте, {contact.name}!"));
  json_node_unref (OK (f, "contact", "add", "--name", "Орлов Степан", "--email",
                       "stepan@client.test", "--tag", "Семинар"));
  json_node_unref (OK (f, "contact", "add", "--name", "Осипова Юлия", "--email",
                       "julia@client.test", "--tag", "Семинар"));
  json_node_unref (OK (f, "list", "save", "Гости семинара", "--filter", "tags any (Семинар)"));
  first = OK_AT (f, "2026-03-02T09:00:00Z", "message", "send", "--list", "Гости семинара",
                 "--template", "Семинар");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (first), "sent")), ==, 2);

  /* the same mailing again: nobody left, and nothing queued */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--list", "Гости семинара",
                  "--template", "Семинар", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "already got «Семинар»"));
    /* the command line names its own option */
    g_assert_true (g_str_has_suffix (message, "; to send it to them again, add --again"));
  }

  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 2);

  /* a newcomer to the list gets it; the two others are listed with when they got it */
  json_node_unref (OK (f, "contact", "add", "--name", "Остапов Глеб", "--email",
                       "gleb@client.test", "--tag", "Семинар"));
  second = OK (f, "message", "send", "--list", "Гости семинара", "--template", "Семинар");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (second), "sent")), ==, 1);
  g_assert_nonnull (crm_test_find_object (json_object_get_array_member (
    json_node_get_object (second), "sent"), "email", "gleb@client.test"));
  item = crm_test_find_object (json_object_get_array_member (json_node_get_object (second),
                                                             "skipped"), "name", "Орлов Степан");
  g_assert_nonnull (item);
  g_assert_true (g_str_has_prefix (str (item, "reason"), "already got this e-mail on "));
  g_assert_cmpstr (str (item, "sent_at"), ==, "2026-03-02T09:00:00Z");

  /* on purpose: everyone again */
  again = OK (f, "message", "send", "--list", "Гости семинара", "--template", "Семинар",
              "--again");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
    json_node_get_object (again), "sent")), ==, 3);
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 6);

  /* --again is for mailings only */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--deal", "1", "--template", "Семинар",
                  "--again", NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
}

/* The "email" of each item of @array, sorted, joined by ", ". */
static char *
emails_of (JsonArray *array)
{
  g_autoptr(GPtrArray) emails = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (emails, (gpointer) str (json_array_get_object_element (array, i), "email"));
  g_ptr_array_sort (emails, compare_names);
  g_ptr_array_add (emails, NULL);
  return g_strjoinv (", ", (char **) emails->pdata);
}

/* S4-2 «Написать всем» on a saved list of companies (their people and the contacts linked
 * to them) and of deals (their contacts): one e-mail per contact, those without an e-mail
 * listed; a list whose rows have no contacts is refused, naming it. */
static void
test_mailing_companies_deals (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(JsonNode) companies = NULL;
  g_autoptr(JsonNode) deals = NULL;
  g_autofree char *sent = NULL;
  JsonObject *result;
  JsonObject *item;

  json_node_unref (OK (f, "message", "template", "add", "КП", "--channel", "email",
                       "--subject", "Предложение", "--body", "Здравствуйте, {contact.name}!"));
  json_node_unref (OK (f, "contact", "add", "--name", "Ильина Ольга", "--company", "ООО Автомир",
                       "--email", "olga@avtomir.test"));
  json_node_unref (OK (f, "contact", "add", "--name", "Гусев Пётр", "--company", "АО Дилер Плюс",
                       "--email", "petr@diler.test"));
  json_node_unref (OK (f, "contact", "add", "--name", "Зайцева Нина", "--email",
                       "nina@partner.test"));
  json_node_unref (OK (f, "contact", "set", "Зайцева Нина", "--company", "+ООО Автомир"));
  json_node_unref (OK (f, "list", "save", "Крупные", "--entity", "company",
                       "--filter", "field.employees >= 100"));

  /* ООО Автомир: its own Ильина and Петров (no e-mail), and Зайцева linked to it */
  companies = OK (f, "message", "send", "--list", "Крупные", "--template", "КП");
  result = json_node_get_object (companies);
  sent = emails_of (json_object_get_array_member (result, "sent"));
  g_assert_cmpstr (sent, ==, "nina@partner.test, olga@avtomir.test");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "skipped")),
                    ==, 1);
  item = json_array_get_object_element (json_object_get_array_member (result, "skipped"), 0);
  g_assert_cmpstr (str (item, "name"), ==, "Петров Иван");
  g_assert_cmpstr (str (item, "reason"), ==, "no e-mail address");

  /* a list of deals: the contacts of the deals it holds */
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Форум",
                       "--amount", "2000000.00", "--contact", "Гусев Пётр"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Семинар",
                       "--amount", "5000.00", "--contact", "Кузнецова Мария"));
  json_node_unref (OK (f, "list", "save", "Крупные сделки", "--entity", "deal",
                       "--filter", "amount >= 1000000"));
  deals = OK (f, "message", "send", "--list", "Крупные сделки", "--template", "КП");
  g_clear_pointer (&sent, g_free);
  sent = emails_of (json_object_get_array_member (json_node_get_object (deals), "sent"));
  g_assert_cmpstr (sent, ==, "petr@diler.test");

  /* companies without contacts: nobody to write to, and the list is named */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    json_node_unref (OK (f, "list", "save", "Без людей", "--entity", "company",
                         "--filter", "field.employees >= 100000"));
    crm_test_ctl (&run, f->db, NOW, "message", "send", "--list", "Без людей",
                  "--template", "КП", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "«Без людей»"));
  }
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 3);
}

/* S4-2 «Написать всем» on a selection not saved as a list (`message send --companies` /
 * `--deals`, what the app's company and deal lists send): the companies' people and the
 * contacts linked to them, the deals' contacts, each contact once however many of the rows
 * it belongs to; a name that is no company is refused before anything is written, so are
 * companies without contacts, and a selection with another kind of recipients. */
static void
test_mailing_selection (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) companies = NULL;
  g_autoptr(JsonNode) deals = NULL;
  g_autoptr(JsonNode) deal = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *ids = NULL;
  JsonObject *result;

  json_node_unref (OK (f, "message", "template", "add", "КП", "--channel", "email",
                       "--subject", "Предложение", "--body", "Здравствуйте, {contact.name}!"));
  json_node_unref (OK (f, "contact", "add", "--name", "Ильина Ольга", "--company", "ООО Автомир",
                       "--email", "olga@avtomir.test"));
  json_node_unref (OK (f, "contact", "add", "--name", "Гусев Пётр", "--company", "АО Дилер Плюс",
                       "--email", "petr@diler.test"));
  /* of ИП Новиков, and linked to ООО Автомир too: one e-mail */
  json_node_unref (OK (f, "contact", "add", "--name", "Зайцева Нина", "--company", "ИП Новиков",
                       "--email", "nina@partner.test"));
  json_node_unref (OK (f, "contact", "set", "Зайцева Нина", "--company", "+ООО Автомир"));

  /* ООО Автомир and ИП Новиков: Ильина, Зайцева once, Петров (no e-mail) skipped; not
   * Гусев of АО Дилер Плюс */
  companies = OK (f, "message", "send", "--companies", "ООО Автомир,ИП Новиков",
                  "--template", "КП");
  result = json_node_get_object (companies);
  sent = emails_of (json_object_get_array_member (result, "sent"));
  g_assert_cmpstr (sent, ==, "nina@partner.test, olga@avtomir.test");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "skipped")),
                    ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_object_get_array_member (result,
                                                                                      "skipped"),
                                                       0), "name"), ==, "Петров Иван");

  /* two deals sharing Гусев, a third with Кузнецова (no e-mail): Гусев once; the option
   * may be repeated, ids given as the app gives them */
  deal = OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Форум",
             "--contact", "Гусев Пётр");
  ids = g_strdup (str (json_node_get_object (deal), "id"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Выставка",
                       "--contact", "Гусев Пётр", "--contact", "Ильина Ольга"));
  json_node_unref (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title", "Семинар",
                       "--contact", "Кузнецова Мария"));
  deals = OK (f, "message", "send", "--deals", ids, "--deals", "Выставка,Семинар",
              "--template", "КП", "--again");
  result = json_node_get_object (deals);
  g_clear_pointer (&sent, g_free);
  sent = emails_of (json_object_get_array_member (result, "sent"));
  g_assert_cmpstr (sent, ==, "olga@avtomir.test, petr@diler.test");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "skipped")),
                    ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_object_get_array_member (result,
                                                                                      "skipped"),
                                                       0), "name"), ==, "Кузнецова Мария");
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 4);

  /* a name that is no company: refused, naming it; nothing written */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--companies", "ООО Автомир,ООО Нетакая",
                  "--template", "КП", "--again", NULL);
    message = crm_test_assert_refused (&run, "not-found");
    g_assert_nonnull (strstr (message, "ООО Нетакая"));
  }
  /* a company without contacts: nobody to write to */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    json_node_unref (OK (f, "company", "add", "--name", "ООО Пустая"));
    crm_test_ctl (&run, f->db, NOW, "message", "send", "--companies", "ООО Пустая",
                  "--template", "КП", NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "no contacts"));
  }
  /* one kind of recipients at a time */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--companies", "ООО Автомир",
                  "--contact", "Гусев Пётр", "--template", "КП", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--companies"));
  }
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 4);
}

/* `export … --json` prints what it wrote — {"file", "entity", "format", "rows"} — and a
 * file it cannot write as the JSON error every command prints. */
static void
test_export_json (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->dir, "contacts.csv", NULL);
  g_autofree char *xlsx = g_build_filename (f->dir, "vip.xlsx", NULL);
  g_autofree char *account = g_build_filename (f->dir, "account.json", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "no-such-dir", "x.csv", NULL);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *summary;

  node = OK (f, "export", "contacts", "--out", csv);
  summary = json_node_get_object (node);
  g_assert_cmpstr (str (summary, "file"), ==, csv);
  g_assert_cmpstr (str (summary, "entity"), ==, "contact");
  g_assert_cmpstr (str (summary, "format"), ==, "csv");
  g_assert_cmpint (json_object_get_int_member (summary, "rows"), ==, 5);
  g_assert_true (g_file_test (csv, G_FILE_TEST_EXISTS));
  g_clear_pointer (&node, json_node_unref);

  node = OK (f, "export", "contacts", "--out", xlsx, "--filter", "tags any (VIP)");
  summary = json_node_get_object (node);
  g_assert_cmpstr (str (summary, "format"), ==, "xlsx");
  g_assert_cmpint (json_object_get_int_member (summary, "rows"), ==, 2);
  g_clear_pointer (&node, json_node_unref);

  node = OK (f, "export", "account", "--out", account);
  summary = json_node_get_object (node);
  g_assert_cmpstr (str (summary, "entity"), ==, "account");
  g_assert_cmpstr (str (summary, "format"), ==, "json");
  g_assert_cmpint (json_object_get_int_member (summary, "rows"), >, 5);
  g_clear_pointer (&node, json_node_unref);

  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, f->db, NOW, "export", "companies", "--out", missing, NULL);
    message = crm_test_assert_refused (&run, "failed");
    g_assert_nonnull (strstr (message, "no-such-dir"));
  }
}

/* The "contact" of each item of @array, sorted, joined by ", ". */
static char *
contacts_of (JsonArray *array)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (ids, (gpointer) str (json_array_get_object_element (array, i), "contact"));
  g_ptr_array_sort (ids, compare_names);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (", ", (char **) ids->pdata);
}

/* S4-2: a mailing to contacts picked one by one (`message send --contact`, what the app's
 * selection sends): each contact named gets one e-mail however often it is named, one
 * without an e-mail is skipped and listed as for a list, the output is a list mailing's;
 * a --contact that is no contact is refused before anything is written. In core, an id
 * that is no contact (never was, or deleted since it was picked) is listed as skipped
 * while the others get theirs; more than CRM_MAILING_MAX_CONTACTS ids are refused. */
static void
test_mailing_contacts (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *anton = NULL, *vera = NULL, *oleg = NULL, *ivan = NULL;
  g_autofree char *expected = NULL, *got = NULL;
  JsonArray *sent, *skipped;
  JsonObject *item;

  json_node_unref (OK (f, "message", "template", "add", "Акция", "--channel", "email",
                       "--subject", "Весенняя акция", "--body", "Здравствуйте, {contact.name}!"));
  anton = take_id (OK (f, "contact", "add", "--name", "Зуев Антон", "--email", "anton@client.test"));
  vera = take_id (OK (f, "contact", "add", "--name", "Зорина Вера", "--email", "vera@client.test"));
  oleg = take_id (OK (f, "contact", "add", "--name", "Зимин Олег"));
  ivan = take_id (OK (f, "contact", "add", "--name", "Зотов Иван", "--email", "ivan@client.test"));

  /* by name or id, one named twice */
  result = OK (f, "message", "send", "--contact", "Зуев Антон", "--contact", vera,
               "--contact", "Зимин Олег", "--contact", anton, "--template", "Акция");
  g_assert_cmpstr (str (json_node_get_object (result), "template"), ==, "Акция");
  sent = json_object_get_array_member (json_node_get_object (result), "sent");
  skipped = json_object_get_array_member (json_node_get_object (result), "skipped");
  expected = g_strjoin (", ", g_strcmp0 (anton, vera) < 0 ? anton : vera,
                        g_strcmp0 (anton, vera) < 0 ? vera : anton, NULL);
  got = contacts_of (sent);
  g_assert_cmpstr (got, ==, expected);
  g_assert_nonnull (crm_test_find_object (sent, "email", "vera@client.test"));
  g_assert_nonnull (str (crm_test_find_object (sent, "email", "anton@client.test"), "message"));
  g_assert_cmpuint (json_array_get_length (skipped), ==, 1);
  item = json_array_get_object_element (skipped, 0);
  g_assert_cmpstr (str (item, "contact"), ==, oleg);
  g_assert_cmpstr (str (item, "name"), ==, "Зимин Олег");
  g_assert_cmpstr (str (item, "reason"), ==, "no e-mail address");
  /* only those two are in the outbox */
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 2);

  /* the words of a list's mailing, without --json */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "message", "send", "--contact",
                      "Зотов Иван", "--contact", "Зимин Олег", "--template", "Акция", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Queued 1 e-mail; the server sends it after the next sync\n"));
    g_assert_nonnull (strstr (run.out, "Skipped Зимин Олег: no e-mail address\n"));
  }
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 3);

  /* a name that is no contact: refused, nothing written */
  {
    g_auto(CrmTestRun) run = { 0 };
    g_autofree char *message = NULL;

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--contact", "Зуев Антон", "--contact",
                  "Никитин Никита", "--template", "Акция", "--again", NULL);
    message = crm_test_assert_refused (&run, "not-found");
    g_assert_nonnull (strstr (message, "Никитин Никита"));
  }
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 3);
  /* one way of saying whom at a time */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_ctl (&run, f->db, NOW, "message", "send", "--contact", "Зуев Антон", "--filter",
                  "name = «Зорина Вера»", "--template", "Акция", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--contact"));
  }

  /* core: an id deleted since it was picked, and one that never was, are listed as
   * skipped; the others get theirs */
  {
    g_autoptr(CrmStore) store = crm_test_open (f->db);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) mailing = NULL;
    g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
    const char *ids[] = { ivan, vera, "01900000-0000-7000-8000-000000000000", NULL };
    JsonObject *missing;

    crm_change_set_bool (crm_changeset_touch (changeset, "contact", ivan), "deleted", TRUE);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
    mailing = crm_mailing_send (store, NULL, NULL, NULL, NULL, ids, "Акция", CRM_MAILING_AGAIN,
                                &error);
    g_assert_no_error (error);
    sent = json_object_get_array_member (mailing, "sent");
    g_assert_cmpuint (json_array_get_length (sent), ==, 1);
    g_assert_cmpstr (str (json_array_get_object_element (sent, 0), "contact"), ==, vera);
    skipped = json_object_get_array_member (mailing, "skipped");
    g_assert_cmpuint (json_array_get_length (skipped), ==, 2);
    missing = crm_test_find_object (skipped, "contact", ivan);
    g_assert_nonnull (missing);
    g_assert_cmpstr (str (missing, "name"), ==, "");
    g_assert_cmpstr (str (missing, "reason"), ==, "no such contact; it may have been deleted");
    g_assert_nonnull (crm_test_find_object (skipped, "contact",
                                            "01900000-0000-7000-8000-000000000000"));

    /* only ids that are no contact: nobody to write to, nothing written */
    g_clear_pointer (&mailing, json_object_unref);
    mailing = crm_mailing_send (store, NULL, NULL, NULL, NULL, ids + 2, "Акция", CRM_MAILING_AGAIN,
                                &error);
    g_assert_null (mailing);
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
    g_clear_error (&error);

    /* a bounded number of ids */
    for (guint i = 0; i <= CRM_MAILING_MAX_CONTACTS; i++)
      g_ptr_array_add (many, g_strdup_printf ("01900000-0000-7000-8000-%012u", i));
    g_ptr_array_add (many, NULL);
    mailing = crm_mailing_send (store, NULL, NULL, NULL, NULL, (const char * const *) many->pdata,
                                "Акция", CRM_MAILING_NONE, &error);
    g_assert_null (mailing);
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "at most 10000"));
  }
  g_assert_cmpuint (crm_test_take_length (OK (f, "message", "list")), ==, 4);
}

/* A won deal of @company at @when worth @amount. */
static void
won_deal (Fixture    *f,
          const char *when,
          const char *company,
          const char *amount)
{
  json_node_unref (OK_AT (f, when, "deal", "add", "--pipeline", "Консалтинг",
                          "--stage", "Успешно реализовано", "--title", "Консалтинг",
                          "--company", company, "--amount", amount));
}

/* S4-5: segments from won deals, the history of transitions, filters by segment, VIP
 * per manager and the flows between segments in the report. */
static void
test_rfm (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(JsonObject) automir = NULL;
  g_autoptr(JsonObject) dealer = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) segments = NULL;
  JsonArray *history;
  JsonArray *rows;
  JsonObject *oleg;
  JsonObject *admin;
  JsonObject *step;

  segments = OK (f, "rfm", "segments");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (segments)), ==, 5);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (segments), 0), "name"),
                   ==, "VIP");

  /* Автомир bought once, long ago: new, then warm after 90 days, asleep after a year */
  won_deal (f, "2025-01-10T10:00:00Z", "ООО Автомир", "100000.00");
  automir = crm_test_take_object (OK_AT (f, "2026-02-01T00:00:00Z", "rfm", "show", "ООО Автомир"));
  g_assert_cmpstr (str (automir, "segment"), ==, "Спящий");
  history = json_object_get_array_member (automir, "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 3);
  step = json_array_get_object_element (history, 0);
  g_assert_true (json_object_get_null_member (step, "from"));
  g_assert_cmpstr (str (step, "to"), ==, "Новый");
  g_assert_cmpstr (str (step, "at"), ==, "2025-01-10T10:00:00Z");
  step = json_array_get_object_element (history, 1);
  g_assert_cmpstr (str (step, "from"), ==, "Новый");
  g_assert_cmpstr (str (step, "to"), ==, "Тёплый");
  g_assert_cmpstr (str (step, "at"), ==, "2025-04-11T10:00:00Z");
  step = json_array_get_object_element (history, 2);
  g_assert_cmpstr (str (step, "from"), ==, "Тёплый");
  g_assert_cmpstr (str (step, "to"), ==, "Спящий");
  g_assert_cmpstr (str (step, "at"), ==, "2026-01-11T10:00:00Z");

  /* it buys again today: hot, and the transition is recorded */
  won_deal (f, NOW, "ООО Автомир", "120000.00");
  g_clear_pointer (&automir, json_object_unref);
  automir = crm_test_take_object (OK (f, "rfm", "show", "ООО Автомир"));
  g_assert_cmpstr (str (automir, "segment"), ==, "Горячий");
  g_assert_cmpint (json_object_get_int_member (automir, "frequency"), ==, 2);
  g_assert_cmpstr (str (automir, "monetary"), ==, "220000.00");
  g_assert_cmpint (json_object_get_int_member (automir, "recency_days"), ==, 0);
  history = json_object_get_array_member (automir, "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 4);
  step = json_array_get_object_element (history, 3);
  g_assert_cmpstr (str (step, "from"), ==, "Спящий");
  g_assert_cmpstr (str (step, "to"), ==, "Горячий");
  g_assert_cmpstr (str (step, "at"), ==, NOW);

  /* Дилер Плюс: five purchases worth a million in the last year: VIP */
  won_deal (f, "2025-05-05T10:00:00Z", "АО Дилер Плюс", "200000.00");
  won_deal (f, "2025-07-05T10:00:00Z", "АО Дилер Плюс", "200000.00");
  won_deal (f, "2025-09-05T10:00:00Z", "АО Дилер Плюс", "200000.00");
  won_deal (f, "2025-11-05T10:00:00Z", "АО Дилер Плюс", "200000.00");
  won_deal (f, "2026-01-05T10:00:00Z", "АО Дилер Плюс", "200000.00");
  dealer = crm_test_take_object (OK (f, "rfm", "show", "АО Дилер Плюс"));
  g_assert_cmpstr (str (dealer, "segment"), ==, "VIP");
  g_assert_cmpint (json_object_get_int_member (dealer, "m"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (dealer, "f"), ==, 5);

  /* the company's people are in its segment for the call lists */
  {
    g_autofree char *vip = names_of (f, "--segment", "VIP", NULL);
    g_autofree char *hot = names_of (f, "--filter", "segment = Горячий", NULL);

    g_assert_cmpstr (vip, ==, "Сидоров Олег");
    g_assert_cmpstr (hot, ==, "Петров Иван");
  }

  /* the report: VIP per manager at the end of the period and who moved in it */
  report = OK (f, "report", "rfm", "--from", "2026-03-01", "--to", "2026-03-03");
  rows = json_object_get_array_member (json_node_get_object (report), "rows");
  oleg = crm_test_find_object (rows, "user", "Олег Ильин");
  admin = crm_test_find_object (rows, "user", "admin");
  g_assert_nonnull (oleg);
  g_assert_nonnull (admin);
  g_assert_cmpint (json_object_get_int_member (oleg, "segment_hot"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (oleg, "segment_vip"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (oleg, "flow_sleeping_hot"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (admin, "segment_vip"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (json_node_get_object (report), "totals"),
                     "segment_vip"), ==, 1);

  /* thresholds are the admin's: a rep may not change them */
  {
    g_auto(CrmTestRun) run = { 0 };

    crm_test_ctl (&run, f->db, NOW, "rfm", "segment", "set", "vip", "--frequency-min", "3",
                  "--as", "Олег Ильин", NULL);
    g_free (crm_test_assert_refused (&run, "permission-denied"));
  }
  json_node_unref (OK (f, "rfm", "segment", "set", "vip", "--frequency-min", "2",
                       "--recency-max", "90"));
  g_clear_pointer (&automir, json_object_unref);
  automir = crm_test_take_object (OK (f, "rfm", "show", "ООО Автомир"));
  g_assert_cmpstr (str (automir, "segment"), ==, "VIP");
}

/* S4-1: a list saved on one laptop is the team's: another replica lists it after sync
 * through a real voronka-server. */
static void
test_saved_list_sync (void)
{
  g_autofree char *path_a = g_build_filename (server_tmpdir, "lists-a.db", NULL);
  g_autofree char *path_b = g_build_filename (server_tmpdir, "lists-b.db", NULL);
  g_autoptr(CrmSyncClient) client_a = crm_test_client_new (server, path_a, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) client_b = crm_test_client_new (server, path_b, "manager",
                                                           "manager-pw");
  g_autoptr(JsonNode) lists = NULL;
  g_autoptr(JsonNode) contacts = NULL;
  JsonObject *list;

  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));

  json_node_unref (crm_test_ctl_ok (path_a, NULL, "company", "add", "--name", "ООО Север", NULL));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "contact", "add", "--name", "Зайцев Пётр",
                                    "--company", "ООО Север", NULL));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "contact", "add", "--name", "Волкова Ольга",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "list", "save", "Север на обзвон",
                                    "--filter", "company = «ООО Север»", NULL));
  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));

  lists = crm_test_ctl_ok (path_b, NULL, "list", "list", NULL);
  list = crm_test_find_object (json_node_get_array (lists), "name", "Север на обзвон");
  g_assert_nonnull (list);
  g_assert_cmpstr (str (list, "filter"), ==, "company = «ООО Север»");
  g_assert_cmpstr (str (list, "author"), ==, "admin");
  contacts = crm_test_ctl_ok (path_b, NULL, "contact", "list", "--list", "Север на обзвон", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (contacts), 0), "name"),
                   ==, "Зайцев Пётр");
}

/* S4-1: a saved list of deals is the team's too: another replica lists it, with the
 * deals it holds, after sync through a real voronka-server. */
static void
test_deal_list_sync (void)
{
  g_autofree char *path_a = g_build_filename (server_tmpdir, "deal-lists-a.db", NULL);
  g_autofree char *path_b = g_build_filename (server_tmpdir, "deal-lists-b.db", NULL);
  g_autoptr(CrmSyncClient) client_a = crm_test_client_new (server, path_a, "admin", "admin-pw");
  g_autoptr(CrmSyncClient) client_b = crm_test_client_new (server, path_b, "manager",
                                                           "manager-pw");
  g_autoptr(JsonNode) pipelines = NULL;
  g_autoptr(JsonNode) lists = NULL;
  g_autoptr(JsonNode) deals = NULL;
  const char *pipeline;
  JsonObject *list;

  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));

  pipelines = crm_test_ctl_ok (path_a, NULL, "pipelines", NULL);
  pipeline = str (json_array_get_object_element (json_node_get_array (pipelines), 0), "name");
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "deal", "add", "--pipeline", pipeline,
                                    "--title", "Крупная поставка", "--amount", "2500000.00",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "deal", "add", "--pipeline", pipeline,
                                    "--title", "Мелкий заказ", "--amount", "9000.00", NULL));
  json_node_unref (crm_test_ctl_ok (path_a, NULL, "list", "save", "Крупные сделки",
                                    "--entity", "deal", "--filter", "amount >= 1000000", NULL));
  crm_sync_report_free (crm_test_sync (client_a));
  crm_sync_report_free (crm_test_sync (client_b));

  lists = crm_test_ctl_ok (path_b, NULL, "list", "list", NULL);
  list = crm_test_find_object (json_node_get_array (lists), "name", "Крупные сделки");
  g_assert_nonnull (list);
  g_assert_cmpstr (str (list, "entity"), ==, "deal");
  g_assert_cmpstr (str (list, "filter"), ==, "amount >= 1000000");
  deals = crm_test_ctl_ok (path_b, NULL, "deal", "list", "--list", "Крупные сделки", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (deals), 0), "title"),
                   ==, "Крупная поставка");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&server_tmpdir, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, crm_test_replica_dir_tear_down)
  ADD ("/s4/filters", test_filters);
  ADD ("/s4/all-rows", test_all_rows);
  ADD ("/s4/malformed", test_malformed);
  ADD ("/s4/deal-filters", test_deal_filters);
  ADD ("/s4/deal-malformed", test_deal_malformed);
  ADD ("/s4/add-many", test_add_many);
  ADD ("/s4/event-today", test_event_today);
  ADD ("/s4/event-day-timer", test_event_day_timer);
  ADD ("/s4/timer-refused", test_timer_refused);
  ADD ("/s4/mailing-opened", test_mailing_opened);
  ADD ("/s4/mailing-again", test_mailing_again);
  ADD ("/s4/mailing-contacts", test_mailing_contacts);
  ADD ("/s4/mailing-companies-deals", test_mailing_companies_deals);
  ADD ("/s4/mailing-selection", test_mailing_selection);
  ADD ("/s4/export-json", test_export_json);
  ADD ("/s4/rfm", test_rfm);
#undef ADD
  g_test_add_func ("/s4/saved-list-sync", test_saved_list_sync);
  g_test_add_func ("/s4/deal-list-sync", test_deal_list_sync);
  status = g_test_run ();

  crm_test_server_tear_down (server, server_tmpdir, status);
  return status;
}
