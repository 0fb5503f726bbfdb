/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli.c — voronkactl end to end, through the real binary, as scripts use it
 * (CLI.md): pipelines of the truck-dealer template, deals with tags, the loss-reason
 * gate, contact search, exit statuses and JSON shapes. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "crm-test-store.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  if (data == NULL)
    {
      crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "init", "--template", "truck-dealer", NULL);
      g_assert_cmpint (run.status, ==, 0);
    }
}

/* Runs `voronkactl --db DB --now NOW --json ARGS…` into @run. */
static void
run_json (Fixture    *f,
          CrmTestRun *run,
          ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, f->db);
  g_ptr_array_add (args, "--now");
  g_ptr_array_add (args, NOW);
  g_ptr_array_add (args, "--json");
  va_start (ap, run);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (run, (const char * const *) args->pdata);
}

/* The output of `voronkactl --db DB --now NOW [--json] ARGS…`, which must succeed. */
static char *
ok_output (Fixture  *f,
           gboolean  json,
           va_list   ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };

  g_ptr_array_add (args, "--db");
  g_ptr_array_add (args, f->db);
  g_ptr_array_add (args, "--now");
  g_ptr_array_add (args, NOW);
  if (json)
    g_ptr_array_add (args, "--json");
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl %s failed (%d): %s%s", (char *) args->pdata[json ? 5 : 4], run.status,
             run.out, run.err);
  return g_steal_pointer (&run.out);
}

/* Runs a command that must succeed and returns its JSON. */
#define OK_JSON(f, ...) ok_json (f, __VA_ARGS__, NULL)
static JsonNode *
ok_json (Fixture *f,
         ...)
{
  g_autofree char *out = NULL;
  va_list ap;

  va_start (ap, f);
  out = ok_output (f, TRUE, ap);
  va_end (ap);
  return crm_test_parse_json (out);
}

/* The same, its output as printed (--json among the ARGS, or a table). */
#define OK_TEXT(f, ...) ok_text (f, __VA_ARGS__, NULL)
static char *
ok_text (Fixture *f,
         ...)
{
  char *out;
  va_list ap;

  va_start (ap, f);
  out = ok_output (f, FALSE, ap);
  va_end (ap);
  return out;
}

/* Asserts a refusal: exit status 1, {"error": {"code": @code, "message", "gate"}}. */
static void
assert_refused (CrmTestRun *run,
                const char *code)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *error;

  g_assert_cmpint (run->status, ==, 1);
  node = crm_test_parse_json (run->out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  error = json_object_get_object_member (json_node_get_object (node), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_true (json_object_has_member (error, "message"));
  g_assert_true (json_object_has_member (error, "gate"));
  g_assert_cmpstr (json_object_get_string_member (error, "message"), !=, "");
}

static const char *
str (JsonObject *object,
     const char *member)
{
  return json_object_get_string_member (object, member);
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
deal_list_has (JsonNode   *list,
               const char *id)
{
  JsonArray *array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (str (json_array_get_object_element (array, i), "id"), id) == 0)
      return TRUE;
  return FALSE;
}

static char *
add_deal (Fixture    *f,
          const char *title,
          const char *tag1,
          const char *tag2)
{
  g_autoptr(JsonNode) deal = NULL;

  if (tag2 != NULL)
    deal = OK_JSON (f, "deal", "add", "--pipeline", "Продажи", "--title", title,
                    "--tag", tag1, "--tag", tag2);
  else if (tag1 != NULL)
    deal = OK_JSON (f, "deal", "add", "--pipeline", "Продажи", "--title", title, "--tag", tag1);
  else
    deal = OK_JSON (f, "deal", "add", "--pipeline", "Продажи", "--title", title);
  return g_strdup (str (json_node_get_object (deal), "id"));
}

static gint64
log_length (Fixture *f)
{
  g_autoptr(JsonNode) log = OK_JSON (f, "log");

  return json_array_get_length (json_node_get_array (log));
}

/* S0: five pipelines, stages in order, names exactly as the business spells them. */
static void
test_pipelines (Fixture       *f,
                gconstpointer  data)
{
  static const char *const expected[][13] = {
    { "Продажи", "Неразобранное", "Новая заявка", "Квалифицирован", "Встреча согласована",
      "Встреча проведена", "Согласование условий договора", "Договор согласован",
      "Ожидание оплаты", "Оплата получена", "Ожидание отгрузки", "Отгружено",
      "Закрыто и не реализовано" },
    { "Лизинг", "Неразобранное", "База клиентов на лизинг", "Подбор лизинговой компании",
      "Сбор документов", "Компания подобрана", "Условия согласованы с лизинговой компанией",
      "Внесен задаток", "Ожидание оплаты", "Полная оплата получена", "Закрыто и не реализовано" },
    { "База купивших клиентов", "Неразобранное", "База клиентов", "Взято в работу",
      "Передано в продажи", "Закрыто и не реализовано" },
    { "Отказники", "Неразобранное", "База отказников", "Взято в работу", "Передано в продажи",
      "Закрыто и не реализовано" },
    { "Отдел закупок", "Новая заявка", "Квалифицирован", "Поставщик интересен",
      "Документация получена", "Закупка/Комиссия", "Осмотр техники",
      "Согласование условий договора", "Условия согласованы", "Техника получена",
      "Техника продана", "Закрыто и не реализовано" },
  };
  g_autoptr(JsonNode) node = OK_JSON (f, "pipelines");
  JsonArray *pipelines = json_node_get_array (node);

  g_assert_cmpuint (json_array_get_length (pipelines), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");
      guint n = 0;

      g_assert_true (json_object_has_member (pipeline, "id"));
      g_assert_cmpstr (str (pipeline, "name"), ==, expected[i][0]);
      while (n + 1 < G_N_ELEMENTS (expected[i]) && expected[i][n + 1] != NULL)
        n++;
      g_assert_cmpuint (json_array_get_length (stages), ==, n);
      for (guint j = 0; j < n; j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);
          const char *kind = str (stage, "kind");

          g_assert_true (json_object_has_member (stage, "id"));
          g_assert_cmpstr (str (stage, "name"), ==, expected[i][j + 1]);
          /* the last stage is lost, the one before it won */
          if (j == n - 1)
            g_assert_cmpstr (kind, ==, "lost");
          else if (j == n - 2)
            g_assert_cmpstr (kind, ==, "won");
          else
            g_assert_true (g_str_equal (kind, "open") || g_str_equal (kind, "unsorted"));
        }
    }
}

static void
test_deal_add_move_set (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) added = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                       "--title", "Volvo FH 2019", "--amount", "1500000.00",
                                       "--tag", "Volvo", "--tag", "Krone",
                                       "--field", "payment_type=Лизинг", "--source", "Авито");
  JsonObject *deal = json_node_get_object (added);
  g_autofree char *id = g_strdup (str (deal, "id"));
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonNode) changed = NULL;
  g_autoptr(JsonNode) shown = NULL;
  JsonArray *tags;

  g_assert_cmpstr (str (deal, "title"), ==, "Volvo FH 2019");
  g_assert_cmpstr (str (deal, "pipeline"), ==, "Продажи");
  g_assert_cmpstr (str (deal, "stage"), ==, "Неразобранное");
  g_assert_cmpstr (str (deal, "stage_kind"), ==, "unsorted");
  g_assert_cmpstr (str (deal, "amount"), ==, "1500000.00");
  g_assert_cmpstr (str (deal, "currency"), ==, "RUB");
  g_assert_cmpstr (str (deal, "responsible"), ==, "admin");
  g_assert_cmpstr (str (deal, "created_at"), ==, NOW);
  g_assert_cmpstr (str (json_object_get_object_member (deal, "fields"), "payment_type"), ==, "Лизинг");
  tags = json_object_get_array_member (deal, "tags");
  g_assert_cmpuint (json_array_get_length (tags), ==, 2);
  g_assert_true (array_has_string (tags, "Volvo"));
  g_assert_true (array_has_string (tags, "Krone"));

  moved = OK_JSON (f, "deal", "move", id, "--stage", "Квалифицирован");
  g_assert_cmpstr (str (json_node_get_object (moved), "stage"), ==, "Квалифицирован");
  g_assert_cmpstr (str (json_node_get_object (moved), "stage_kind"), ==, "open");

  changed = OK_JSON (f, "deal", "set", id, "--tag", "-Volvo", "--tag", "+MAN",
                     "--amount", "1 750 000", "--title", "MAN TGX 2020",
                     "--field", "payment_type=Кредит");
  deal = json_node_get_object (changed);
  g_assert_cmpstr (str (deal, "title"), ==, "MAN TGX 2020");
  g_assert_cmpstr (str (deal, "amount"), ==, "1750000.00");
  g_assert_cmpstr (str (json_object_get_object_member (deal, "fields"), "payment_type"), ==, "Кредит");
  tags = json_object_get_array_member (deal, "tags");
  g_assert_cmpuint (json_array_get_length (tags), ==, 2);
  g_assert_true (array_has_string (tags, "MAN"));
  g_assert_true (array_has_string (tags, "Krone"));
  g_assert_false (array_has_string (tags, "Volvo"));

  /* show: the same deal with its tasks and a history of what happened */
  shown = OK_JSON (f, "deal", "show", id);
  deal = json_node_get_object (shown);
  g_assert_cmpstr (str (deal, "stage"), ==, "Квалифицирован");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (deal, "tasks")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "history")), >=, 3);
}

static void
test_deal_list_tags (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = add_deal (f, "A", "Volvo", "Krone");
  g_autofree char *b = add_deal (f, "B", "Volvo", NULL);
  g_autofree char *c = add_deal (f, "C", "Scania", "Krone");
  g_autoptr(JsonNode) volvo = OK_JSON (f, "deal", "list", "--tag", "Volvo");
  g_autoptr(JsonNode) both = OK_JSON (f, "deal", "list", "--tag", "Volvo", "--tag", "Krone");
  g_autoptr(JsonNode) all = OK_JSON (f, "deal", "list");
  g_autoptr(JsonNode) page = OK_JSON (f, "deal", "list", "--limit", "2", "--offset", "2");
  g_autoptr(JsonNode) moved = OK_JSON (f, "deal", "move", c, "--stage", "Отгружено");
  g_autoptr(JsonNode) open = OK_JSON (f, "deal", "list", "--open", "--tag", "Krone");

  g_assert_cmpuint (json_array_get_length (json_node_get_array (volvo)), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (both)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (both), 0), "id"), ==, a);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (all)), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 1);
  /* C is won, so no longer open (rules may have opened follow-up deals elsewhere) */
  g_assert_true (deal_list_has (open, a));
  g_assert_false (deal_list_has (open, c));
  (void) b;
}

/* S0-3: closing as lost needs a reason; a refusal writes nothing. */
static void
test_loss_reason_gate (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = add_deal (f, "Scania R450", "Scania", NULL);
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);
  g_autoptr(JsonNode) shown = NULL;
  g_autoptr(JsonNode) lost = NULL;

  run_json (f, &run, "deal", "move", id, "--stage", "Закрыто и не реализовано", NULL);
  assert_refused (&run, "loss-reason-required");
  g_assert_cmpint (log_length (f), ==, before);
  shown = OK_JSON (f, "deal", "show", id);
  g_assert_cmpstr (str (json_node_get_object (shown), "stage"), ==, "Неразобранное");

  /* without --json the message goes to stderr, nothing to stdout */
  crm_test_run_cli (&run, "--db", f->db, "deal", "move", id, "--stage", "Закрыто и не реализовано", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, "voronkactl: "));

  lost = OK_JSON (f, "deal", "move", id, "--stage", "Закрыто и не реализовано",
                  "--loss-reason", "Дорого");
  g_assert_cmpstr (str (json_node_get_object (lost), "stage"), ==, "Закрыто и не реализовано");
  g_assert_cmpstr (str (json_node_get_object (lost), "stage_kind"), ==, "lost");
  g_assert_cmpstr (str (json_node_get_object (lost), "loss_reason"), ==, "Дорого");
  g_assert_cmpint (log_length (f), >, before);
}

static void
test_contact_search (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) ivanov = OK_JSON (f, "contact", "add", "--name", "Иванов Иван",
                                        "--phone", "8 (912) 345-67-89");
  g_autoptr(JsonNode) petrov = OK_JSON (f, "contact", "add", "--name", "Петров Сергей");
  g_autoptr(JsonNode) found = OK_JSON (f, "contact", "list", "--search", "ива");
  g_autoptr(JsonNode) upper = OK_JSON (f, "contact", "list", "--search", "ИВАН");
  g_autoptr(JsonNode) none = OK_JSON (f, "contact", "list", "--search", "сидор");
  g_autoptr(JsonNode) all = OK_JSON (f, "contact", "list");
  JsonObject *contact;

  g_assert_cmpstr (str (json_node_get_object (ivanov), "name"), ==, "Иванов Иван");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
  contact = json_array_get_object_element (json_node_get_array (found), 0);
  g_assert_cmpstr (str (contact, "name"), ==, "Иванов Иван");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (contact, "phones"), 0),
                   ==, "+79123456789");
  g_assert_true (json_object_has_member (contact, "emails"));
  g_assert_true (json_object_has_member (contact, "company"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (upper)), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (none)), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (all)), ==, 2);
  (void) petrov;
}

/* `search`: one box for deals, contacts and companies, by letters or phone digits. */
static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) company = OK_JSON (f, "company", "add", "--name", "ООО «ПриморьеТранс»");
  g_autoptr(JsonNode) ivanov = OK_JSON (f, "contact", "add", "--name", "Иванов Сергей",
                                        "--phone", "+7 (982) 762-30-41",
                                        "--company", "ООО «ПриморьеТранс»");
  g_autoptr(JsonNode) deal = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                      "--title", "Volvo FH 460, 2019", "--amount", "5200000.00",
                                      "--contact", str (json_node_get_object (ivanov), "id"),
                                      "--company", "ООО «ПриморьеТранс»");
  g_autoptr(JsonNode) by_digits = OK_JSON (f, "search", "762-30");
  g_autoptr(JsonNode) by_name = OK_JSON (f, "search", "ИВА");
  g_autoptr(JsonNode) by_company = OK_JSON (f, "search", "примор");
  g_autoptr(JsonNode) nothing = OK_JSON (f, "search", "Сидоров");
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *result = json_node_get_object (by_digits);
  JsonObject *found_deal;

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "contacts")), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_object_get_array_member (result, "contacts"), 0),
                        "name"), ==, "Иванов Сергей");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "deals")), ==, 1);
  found_deal = json_array_get_object_element (json_object_get_array_member (result, "deals"), 0);
  g_assert_cmpstr (str (found_deal, "id"), ==, str (json_node_get_object (deal), "id"));
  /* money as the CLI writes it everywhere */
  g_assert_cmpstr (str (found_deal, "amount"), ==, "5200000.00");

  result = json_node_get_object (by_name);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "contacts"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "deals"), ==, 1);
  result = json_node_get_object (by_company);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "companies")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "deals"), ==, 1);
  result = json_node_get_object (nothing);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "contacts"), ==, 0);

  /* the table says what it found, and what to try when nothing */
  crm_test_run_cli (&run, "--db", f->db, "search", "Сидоров", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Nothing found for «Сидоров»"));
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "search", NULL);
  g_assert_cmpint (run.status, ==, 2);
  (void) company;
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };

  crm_test_run_cli (&run, "--db", f->db, "frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_cli (&run, "--db", f->db, "deal", "list", "--frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_cli (&run, "--frobnicate", "--db", f->db, "deal", "list", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_cli (&run, "--db", f->db, "deal", "add", "--title", "no pipeline", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_cli (&run, "--db", f->db, NULL);
  g_assert_cmpint (run.status, ==, 2);

  crm_test_run_cli (&run, "--db", f->db, "rule", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "import"));  /* names the subcommands */
  crm_test_run_cli (&run, "--db", f->db, "rule", "show", NULL);
  g_assert_cmpint (run.status, ==, 2);
  crm_test_run_cli (&run, "--db", f->db, "attach", "--deal", "x", NULL);
  g_assert_cmpint (run.status, ==, 2);
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = add_deal (f, "DAF XF", "DAF", NULL);
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  const char *message;

  run_json (f, &run, "deal", "move", id, "--stage", "Нет такой стадии", NULL);
  assert_refused (&run, "not-found");
  node = crm_test_parse_json (run.out);
  message = str (json_object_get_object_member (json_node_get_object (node), "error"), "message");
  g_assert_nonnull (strstr (message, "Нет такой стадии"));
  g_assert_nonnull (strstr (message, "Квалифицирован"));  /* lists the stages */

  run_json (f, &run, "deal", "add", "--pipeline", "Нет такой воронки", "--title", "x", NULL);
  assert_refused (&run, "not-found");
  run_json (f, &run, "deal", "show", "00000000-0000-7000-8000-000000000000", NULL);
  assert_refused (&run, "not-found");
  run_json (f, &run, "deal", "add", "--pipeline", "Продажи", "--title", "x", "--tag", "Tatra", NULL);
  assert_refused (&run, "not-found");
  run_json (f, &run, "--as", "nobody", "deal", "list", NULL);
  assert_refused (&run, "not-found");
}

static void
test_malformed_input (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = add_deal (f, "Iveco Stralis", "Iveco", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.db", NULL);
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);

  run_json (f, &run, "deal", "add", "--pipeline", "Продажи", "--title", "x", "--amount", "много", NULL);
  assert_refused (&run, "invalid-input");
  run_json (f, &run, "deal", "set", id, "--amount", "1.2.3", NULL);
  assert_refused (&run, "invalid-input");
  run_json (f, &run, "task", "add", "--deal", id, "--text", "call", "--due", "2026-13-45", NULL);
  assert_refused (&run, "invalid-input");
  run_json (f, &run, "deal", "set", id, "--field", "payment_type=Бартер", NULL);
  assert_refused (&run, "invalid-input");
  run_json (f, &run, "deal", "set", id, "--field", "no_such_field=1", NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "payment_type"));  /* lists the known keys */
  run_json (f, &run, "contact", "add", "--name", "x", "--phone", "12", NULL);
  assert_refused (&run, "invalid-input");
  g_assert_cmpint (log_length (f), ==, before);

  crm_test_run_cli (&run, "--db", f->db, "--now", "yesterday-ish", "--json", "deal", "list", NULL);
  assert_refused (&run, "invalid-input");

  crm_test_run_cli (&run, "--db", missing, "deal", "list", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "No replica at"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  crm_test_run_cli (&run, "--db", f->db, "--json", "init", NULL);
  assert_refused (&run, "invalid-input");
}

static void
test_json_shapes (Fixture       *f,
                  gconstpointer  data)
{
  static const char *const deal_keys[] = {
    "id", "number", "title", "pipeline", "stage", "stage_kind", "amount", "currency",
    "responsible", "contacts", "company", "tags", "fields", "loss_reason", "created_at",
    "updated_at", "pipeline_id", "stage_id", "responsible_id", "company_id", "contact_ids", NULL
  };
  static const char *const task_keys[] = {
    "id", "deal", "text", "type", "due", "responsible", "done", "result", "checklist", NULL
  };
  g_autoptr(JsonNode) contact = OK_JSON (f, "contact", "add", "--name", "Сидоров Олег");
  g_autoptr(JsonNode) company = OK_JSON (f, "company", "add", "--name", "ООО Грузовик", "--inn", "7701234567");
  g_autoptr(JsonNode) deal = OK_JSON (f, "deal", "add", "--pipeline", "Лизинг", "--title", "КАМАЗ 5490",
                                      "--contact", "Сидоров Олег", "--company", "ООО Грузовик",
                                      "--responsible", "Андрей Соколов");
  const char *deal_id = str (json_node_get_object (deal), "id");
  g_autoptr(JsonNode) task = OK_JSON (f, "task", "add", "--deal", deal_id, "--text", "Позвонить",
                                      "--due", "2026-03-05T09:00:00Z", "--type", "call");
  const char *task_id = str (json_node_get_object (task), "id");
  g_autoptr(JsonNode) done = OK_JSON (f, "task", "done", task_id, "--result", "Договорились",
                                      "--next-text", "Встреча", "--next-due", "2026-03-10");
  g_autoptr(JsonNode) tasks = OK_JSON (f, "task", "list", "--deal", deal_id, "--open");
  g_autoptr(JsonNode) shown = OK_JSON (f, "deal", "show", deal_id);
  g_autoptr(JsonNode) users = OK_JSON (f, "user", "list");
  g_autoptr(JsonNode) tags = OK_JSON (f, "tag", "list", "--group", "brand");
  g_autoptr(JsonNode) status = OK_JSON (f, "status");
  g_autoptr(JsonNode) log = OK_JSON (f, "log", "--since", "1");
  JsonObject *object = json_node_get_object (shown);
  JsonObject *history;

  for (guint i = 0; deal_keys[i] != NULL; i++)
    if (!json_object_has_member (object, deal_keys[i]))
      g_error ("deal JSON lacks “%s”", deal_keys[i]);
  g_assert_true (json_object_get_null_member (object, "number"));
  g_assert_cmpstr (str (object, "company"), ==, "ООО Грузовик");
  g_assert_cmpstr (str (object, "responsible"), ==, "Андрей Соколов");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (object, "contacts"), 0),
                   ==, "Сидоров Олег");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "tasks")), ==, 2);
  history = json_array_get_object_element (json_object_get_array_member (object, "history"), 0);
  g_assert_true (json_object_has_member (history, "at"));
  g_assert_true (json_object_has_member (history, "device"));
  g_assert_true (json_object_has_member (history, "fields"));
  g_assert_true (json_object_has_member (history, "by_rule"));
  g_assert_cmpstr (str (history, "actor"), ==, "admin");

  object = json_node_get_object (task);
  for (guint i = 0; task_keys[i] != NULL; i++)
    if (!json_object_has_member (object, task_keys[i]))
      g_error ("task JSON lacks “%s”", task_keys[i]);
  g_assert_cmpstr (str (object, "due"), ==, "2026-03-05T09:00:00Z");
  g_assert_true (json_object_get_boolean_member (json_node_get_object (done), "done"));
  g_assert_cmpstr (str (json_node_get_object (done), "result"), ==, "Договорились");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (tasks), 0), "text"), ==, "Встреча");

  object = json_array_get_object_element (json_node_get_array (users), 0);
  g_assert_cmpstr (str (object, "name"), ==, "admin");
  g_assert_cmpstr (str (object, "role"), ==, "admin");
  g_assert_true (json_object_has_member (object, "group"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tags)), ==, 8);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (tags), 7), "name"), ==, "КАМАЗ");

  object = json_node_get_object (status);
  g_assert_true (json_object_has_member (object, "device"));
  g_assert_cmpint (json_object_get_int_member (object, "waiting"), >, 0);
  g_assert_true (json_object_get_null_member (object, "last_sync"));
  g_assert_cmpint (json_object_get_int_member (object, "cursor"), ==, 0);

  object = json_array_get_object_element (json_node_get_array (log), 0);
  g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, 2);
  g_assert_true (json_object_has_member (object, "entity"));
  g_assert_true (json_object_has_member (object, "fields"));
  (void) contact;
  (void) company;
}

static void
test_init_and_templates (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *nested = g_build_filename (f->dir, "a", "b", "replica.db", NULL);
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) templates = NULL;

  crm_test_run_cli (&run, "--json", "template", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  templates = crm_test_parse_json (run.out);
  g_assert_true (array_has_string (json_node_get_array (templates), "truck-dealer"));
  g_assert_true (array_has_string (json_node_get_array (templates), "event-organizer"));

  /* an unknown template leaves no replica behind */
  crm_test_run_cli (&run, "--db", nested, "--json", "init", "--template", "no-such-template", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_false (g_file_test (nested, G_FILE_TEST_EXISTS));

  /* folders are created for a new replica */
  crm_test_run_cli (&run, "--db", nested, "init", "--template", "design-studio", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (nested, G_FILE_TEST_EXISTS));

  /* --demo: a truck-dealer replica full of deals and contacts */
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "init", "--demo", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) deals = OK_JSON (f, "deal", "list");
    g_autoptr(JsonNode) contacts = OK_JSON (f, "contact", "list");
    g_autoptr(JsonNode) volvo = OK_JSON (f, "deal", "list", "--tag", "Volvo");

    g_assert_cmpuint (json_array_get_length (json_node_get_array (deals)), >=, 300);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), >=, 200);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (volvo)), >, 0);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (volvo)), <,
                      json_array_get_length (json_node_get_array (deals)));
  }
}

/* ---- automation rules, timers, attachments, notifications ---- */

#define RULE_S0_2 "Отгружено → «База купивших клиентов»"

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static guint
n_rules (Fixture *f)
{
  g_autoptr(JsonNode) rules = OK_JSON (f, "rules");

  return json_array_get_length (json_node_get_array (rules));
}

static void
test_rules_list (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) rules = OK_JSON (f, "rules");
  g_autoptr(JsonNode) shown = NULL;
  JsonArray *array = json_node_get_array (rules);
  JsonObject *rule;
  gint64 last_position = -1;
  g_auto(CrmTestRun) run = { 0 };

  /* the truck-dealer template's nine rules, in the order they run */
  g_assert_cmpuint (json_array_get_length (array), ==, 9);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      rule = json_array_get_object_element (array, i);
      g_assert_true (json_object_has_member (rule, "id"));
      /* the requirement it implements is kept apart from the name people read */
      g_assert_true (g_str_has_prefix (str (rule, "spec"), "S0-"));
      g_assert_null (strstr (str (rule, "name"), "S0-"));
      g_assert_true (json_object_get_boolean_member (rule, "enabled"));
      g_assert_cmpint (json_object_get_int_member (rule, "position"), >, last_position);
      last_position = json_object_get_int_member (rule, "position");
      g_assert_true (json_object_has_member (rule, "trigger") ||
                     json_object_has_member (rule, "triggers"));
      g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (rule, "actions")));
      g_assert_cmpstr (str (rule, "summary"), !=, "");
    }
  rule = json_array_get_object_element (array, 1);
  g_assert_cmpstr (str (rule, "name"), ==, RULE_S0_2);
  g_assert_cmpstr (str (json_object_get_object_member (rule, "trigger"), "type"), ==, "deal_won");
  g_assert_cmpstr (str (rule, "summary"), ==, "deal won in Продажи");

  /* one rule, by name or by id */
  shown = OK_JSON (f, "rule", "show", str (rule, "id"));
  g_assert_cmpstr (str (json_node_get_object (shown), "name"), ==, RULE_S0_2);
  run_json (f, &run, "rule", "show", "S0-99 нет такого", NULL);
  assert_refused (&run, "not-found");

  /* the table for people names each rule and what sets it off */
  crm_test_run_cli (&run, "--db", f->db, "rules", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, RULE_S0_2));
  g_assert_nonnull (strstr (run.out, "deal lost in Лизинг from «Компания подобрана»"));
}

static void
test_rule_import (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *fax = write_file (f, "fax.json",
    "[{\"name\": \"Ок\", \"trigger\": {\"type\": \"deal_created\"}, \"actions\": []},"
    " {\"name\": \"Факс клиенту\", \"trigger\": {\"type\": \"deal_won\"},"
    "  \"actions\": [{\"type\": \"create_task\", \"text\": \"x\"},"
    "               {\"type\": \"send_fax\", \"to\": \"client\"}]}]");
  g_autofree char *broken = write_file (f, "broken.json", "{\"name\": \"x\", ");
  g_autofree char *nameless = write_file (f, "nameless.json",
    "{\"trigger\": {\"type\": \"deal_created\"}, \"actions\": []}");
  g_autofree char *good = write_file (f, "welcome.json",
    "{\"name\": \"Приветствие\","
    " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Продажи\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Поздороваться\","
    "               \"due\": {\"days\": 1}}]}");
  g_autofree char *changed = write_file (f, "welcome2.json",
    "{\"name\": \"Приветствие\","
    " \"trigger\": {\"type\": \"deal_created\", \"pipeline\": \"Продажи\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Поздороваться сразу\"}]}");
  g_autofree char *missing = g_build_filename (f->dir, "missing.json", NULL);
  g_autofree char *deal = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *actions = NULL;
  g_autoptr(JsonNode) imported = NULL;
  g_autoptr(JsonNode) replaced = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);
  JsonObject *rule;

  /* an unknown action is refused by name, and nothing of the file is written */
  run_json (f, &run, "rule", "import", fax, NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "send_fax"));
  g_assert_nonnull (strstr (run.out, "Факс клиенту"));
  g_assert_nonnull (strstr (run.out, "actions[1]"));
  run_json (f, &run, "rule", "import", broken, NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "broken.json"));
  run_json (f, &run, "rule", "import", nameless, NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "name"));
  run_json (f, &run, "rule", "import", missing, NULL);
  assert_refused (&run, "invalid-input");
  g_assert_cmpint (log_length (f), ==, before);
  g_assert_cmpuint (n_rules (f), ==, 9);

  /* a good rule is added after the template's, enabled, and runs */
  imported = OK_JSON (f, "rule", "import", good);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (imported)), ==, 1);
  rule = json_array_get_object_element (json_node_get_array (imported), 0);
  g_assert_cmpstr (str (rule, "name"), ==, "Приветствие");
  g_assert_true (json_object_get_boolean_member (rule, "enabled"));
  g_assert_cmpint (json_object_get_int_member (rule, "position"), ==, 9);
  first_id = g_strdup (str (rule, "id"));
  g_assert_cmpuint (n_rules (f), ==, 10);
  deal = add_deal (f, "Новый клиент", NULL, NULL);
  tasks = OK_JSON (f, "task", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  g_assert_cmpstr (str (json_array_get_object_element (json_node_get_array (tasks), 0), "due"),
                   ==, "2026-03-03T10:00:00Z");

  /* the same name again replaces it: same id, same count */
  replaced = OK_JSON (f, "rule", "import", changed);
  rule = json_array_get_object_element (json_node_get_array (replaced), 0);
  g_assert_cmpstr (str (rule, "id"), ==, first_id);
  g_assert_cmpuint (n_rules (f), ==, 10);
  node = OK_JSON (f, "rule", "show", "Приветствие");
  actions = json_to_string (json_object_get_member (json_node_get_object (node), "actions"), FALSE);
  g_assert_nonnull (strstr (actions, "Поздороваться сразу"));
}

/* Rules are the admins' business: a rep or a manager is refused, nothing written. */
static void
test_rule_permissions (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *good = write_file (f, "rule.json",
    "{\"name\": \"Чужое правило\", \"trigger\": {\"type\": \"deal_created\"}, \"actions\": []}");
  g_autofree char *deal = add_deal (f, "Volvo FH", "Volvo", NULL);
  g_autoptr(JsonNode) disabled = NULL;
  g_autoptr(JsonNode) enabled = NULL;
  g_autoptr(JsonNode) won = NULL;
  g_autoptr(JsonNode) bought = NULL;
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);

  run_json (f, &run, "--as", "Мария Кузнецова", "rule", "disable", RULE_S0_2, NULL);
  assert_refused (&run, "permission-denied");
  run_json (f, &run, "--as", "Андрей Соколов", "rule", "disable", RULE_S0_2, NULL);
  assert_refused (&run, "permission-denied");
  run_json (f, &run, "--as", "Денис Морозов", "rule", "import", good, NULL);
  assert_refused (&run, "permission-denied");
  g_assert_cmpint (log_length (f), ==, before);
  g_assert_cmpuint (n_rules (f), ==, 9);

  /* an admin turns S0-2 off: a won sale opens nothing; and on again */
  disabled = OK_JSON (f, "--as", "admin", "rule", "disable", RULE_S0_2);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (disabled), "enabled"));
  won = OK_JSON (f, "deal", "move", deal, "--stage", "Отгружено");
  bought = OK_JSON (f, "deal", "list", "--pipeline", "База купивших клиентов");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (bought)), ==, 0);
  enabled = OK_JSON (f, "rule", "enable", RULE_S0_2);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (enabled), "enabled"));
}

/* Issue 12: the laptop refuses what the server would (crm-validate.c): a rep changing
 * another rep's deal or task, an amount beyond the bound the board's totals keep exact.
 * Nothing is written by a refusal. */
static void
test_rep_rights (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) maria_deal = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                            "--title", "Сделка Марии", "--responsible",
                                            "Мария Кузнецова");
  g_autofree char *deal = g_strdup (str (json_node_get_object (maria_deal), "id"));
  g_autoptr(JsonNode) task = OK_JSON (f, "task", "add", "--deal", deal, "--text", "Позвонить",
                                      "--responsible", "Мария Кузнецова");
  g_autofree char *task_id = g_strdup (str (json_node_get_object (task), "id"));
  g_autoptr(JsonNode) own = NULL;
  g_autoptr(JsonNode) renamed = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  gint64 before = log_length (f);

  run_json (f, &run, "--as", "Денис Морозов", "deal", "set", deal, "--title", "Моя теперь", NULL);
  message = crm_test_assert_refused (&run, "permission-denied");
  g_assert_nonnull (strstr (message, "Сделка Марии"));
  run_json (f, &run, "--as", "Денис Морозов", "task", "done", task_id, NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "permission-denied");
  /* a rep cannot take a deal by making themselves responsible either */
  run_json (f, &run, "--as", "Денис Морозов", "deal", "set", deal, "--responsible",
            "Денис Морозов", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "permission-denied");
  g_assert_cmpint (log_length (f), ==, before);

  /* her own deal is hers to change; a rep's new deal is theirs */
  renamed = OK_JSON (f, "--as", "Мария Кузнецова", "deal", "set", deal, "--title", "Переименована");
  g_assert_cmpstr (str (json_node_get_object (renamed), "title"), ==, "Переименована");
  own = OK_JSON (f, "--as", "Денис Морозов", "deal", "add", "--pipeline", "Продажи",
                 "--title", "Своя");
  g_assert_cmpstr (str (json_node_get_object (own), "responsible"), ==, "Денис Морозов");

  /* an amount above 1 000 000 000.00 would let the stage totals overflow */
  before = log_length (f);
  run_json (f, &run, "deal", "add", "--pipeline", "Продажи", "--title", "Слишком дорогая",
            "--amount", "2000000000", NULL);
  g_clear_pointer (&message, g_free);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "1000000000.00"));
  g_assert_cmpint (log_length (f), ==, before);
}

static gint64
tick_at (Fixture    *f,
         const char *now)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;

  crm_test_run_cli (&run, "--db", f->db, "--now", now, "--json", "tick", NULL);
  g_assert_cmpint (run.status, ==, 0);
  node = crm_test_parse_json (run.out);
  return json_object_get_int_member (json_node_get_object (node), "fired");
}

static void
test_tick (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *timer = write_file (f, "timer.json",
    "{\"name\": \"Заявка без движения\", \"trigger\": {\"type\": \"timer\","
    " \"from\": \"stage_entered\", \"pipeline\": \"Продажи\", \"stage\": \"Новая заявка\","
    " \"after\": {\"days\": 1}},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Взять заявку в работу\"}]}");
  g_autoptr(JsonNode) imported = OK_JSON (f, "rule", "import", timer);
  g_autoptr(JsonNode) added = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                       "--stage", "Новая заявка", "--title", "MAN TGS");
  g_autoptr(JsonNode) tasks = NULL;
  g_auto(CrmTestRun) run = { 0 };
  const char *deal = str (json_node_get_object (added), "id");
  JsonObject *task;

  /* not due yet, then due once, then nothing new however often it runs */
  g_assert_cmpint (tick_at (f, NOW), ==, 0);
  g_assert_cmpint (tick_at (f, "2026-03-03T09:59:00Z"), ==, 0);
  g_assert_cmpint (tick_at (f, "2026-03-03T10:00:00Z"), ==, 1);
  g_assert_cmpint (tick_at (f, "2026-03-03T10:00:00Z"), ==, 0);
  g_assert_cmpint (tick_at (f, "2026-03-05T10:00:00Z"), ==, 0);

  tasks = OK_JSON (f, "task", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
  task = json_array_get_object_element (json_node_get_array (tasks), 0);
  g_assert_cmpstr (str (task, "text"), ==, "Взять заявку в работу");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-03T10:00:00Z");

  crm_test_run_cli (&run, "--db", f->db, "--now", "2026-03-06T10:00:00Z", "tick", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "0 timer rules fired at 2026-03-06T10:00:00Z"));
  (void) imported;
}

static void
test_attach (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *deal = add_deal (f, "DAF XF с фото", "DAF", NULL);
  g_autofree char *photo = write_file (f, "daf.png", "\x89PNG\r\n\x1a\n not really a picture");
  g_autofree char *copy = write_file (f, "daf-copy.png", "\x89PNG\r\n\x1a\n not really a picture");
  g_autofree char *folder = g_strconcat (f->db, ".files", NULL);
  g_autofree char *hash = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GDir) dir = NULL;
  g_auto(CrmTestRun) run = { 0 };
  guint n_files = 0;
  gint64 before;

  first = OK_JSON (f, "attach", "--deal", deal, photo);
  hash = g_strdup (str (json_node_get_object (first), "hash"));
  g_assert_cmpuint (strlen (hash), ==, 64);
  g_assert_cmpstr (str (json_node_get_object (first), "name"), ==, "daf.png");
  g_assert_cmpstr (str (json_node_get_object (first), "mime"), ==, "image/png");
  stored = g_build_filename (folder, hash, NULL);
  g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));

  /* the same bytes under another name: listed twice, stored once */
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "attach", "--deal", deal, copy,
                    "--name", "Ещё раз", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Already stored as"));
  dir = g_dir_open (folder, 0, NULL);
  while (g_dir_read_name (dir) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 1);
  list = OK_JSON (f, "attachment", "list", "--deal", deal);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (list), "name", "Ещё раз"));

  /* a folder or a missing file is bad input; a missing deal is not found */
  before = log_length (f);
  run_json (f, &run, "attach", "--deal", deal, f->dir, NULL);
  assert_refused (&run, "invalid-input");
  run_json (f, &run, "attach", "--deal", "00000000-0000-7000-8000-000000000000", photo, NULL);
  assert_refused (&run, "not-found");
  g_assert_cmpint (log_length (f), ==, before);
}

static void
test_notifications (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *notify = write_file (f, "notify.json",
    "{\"name\": \"Крупная сделка\", \"trigger\": {\"type\": \"deal_created\"},"
    " \"conditions\": [{\"type\": \"amount_range\", \"min\": \"10000000.00\"}],"
    " \"actions\": [{\"type\": \"notify\", \"user\": \"Андрей Соколов\","
    "               \"text\": \"Крупная сделка: {title}\"}]}");
  g_autoptr(JsonNode) imported = OK_JSON (f, "rule", "import", notify);
  g_autoptr(JsonNode) small = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                       "--title", "Прицеп", "--amount", "900000.00");
  g_autoptr(JsonNode) big = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                     "--title", "Парк из 5 тягачей", "--amount", "42000000.00");
  g_autoptr(JsonNode) mine = OK_JSON (f, "notification", "list", "--user", "Андрей Соколов");
  g_autoptr(JsonNode) theirs = OK_JSON (f, "notification", "list", "--user", "Мария Кузнецова");
  g_auto(CrmTestRun) run = { 0 };
  JsonObject *note;

  g_assert_cmpuint (json_array_get_length (json_node_get_array (mine)), ==, 1);
  note = json_array_get_object_element (json_node_get_array (mine), 0);
  g_assert_cmpstr (str (note, "text"), ==, "Крупная сделка: Парк из 5 тягачей");
  g_assert_cmpstr (str (note, "user"), ==, "Андрей Соколов");
  g_assert_cmpstr (str (note, "deal"), ==, str (json_node_get_object (big), "id"));
  g_assert_cmpstr (str (note, "deal_title"), ==, "Парк из 5 тягачей");
  g_assert_false (json_object_get_boolean_member (note, "read"));
  g_assert_cmpstr (str (note, "created_at"), ==, NOW);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (theirs)), ==, 0);

  /* the deal's history says the rule wrote it */
  crm_test_run_cli (&run, "--db", f->db, "notification", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Крупная сделка: Парк из 5 тягачей"));
  (void) imported;
  (void) small;
}

/* `user set NAME --telegram-chat-id ID` (administrators): the user's chat where the
 * server's delivery reads it (their field telegram_chat_id); a bad id, a rep, an unknown
 * user and nothing to set are refused naming the cause, and change nothing; "" clears. */
static void
test_user_set (Fixture       *f,
               gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) set = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *id = NULL;
  JsonObject *shown;

  set = OK_JSON (f, "user", "set", "Мария Кузнецова", "--telegram-chat-id", "480012345");
  shown = json_node_get_object (set);
  g_assert_cmpstr (str (shown, "name"), ==, "Мария Кузнецова");
  g_assert_cmpstr (str (shown, "telegram_chat_id"), ==, "480012345");
  id = g_strdup (str (shown, "id"));

  /* not a chat id: named, with what one looks like */
  run_json (f, &run, "user", "set", "Мария Кузнецова", "--telegram-chat-id", "Маша", NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "Маша"));
  g_assert_nonnull (strstr (run.out, "480012345"));
  crm_test_run_clear (&run);
  /* a rep may not */
  run_json (f, &run, "--as", "Мария Кузнецова", "user", "set", "Мария Кузнецова",
            "--telegram-chat-id", "1", NULL);
  assert_refused (&run, "permission-denied");
  crm_test_run_clear (&run);
  run_json (f, &run, "user", "set", "Никто", "--telegram-chat-id", "1", NULL);
  assert_refused (&run, "not-found");
  g_assert_nonnull (strstr (run.out, "Никто"));
  crm_test_run_clear (&run);
  run_json (f, &run, "user", "set", "Мария Кузнецова", NULL);
  assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (run.out, "--telegram-chat-id"));
  crm_test_run_clear (&run);

  store = crm_store_open (f->db, NULL);
  g_assert_nonnull (store);
  user = crm_store_dup_entity (store, "user", id);
  g_assert_cmpstr (json_object_get_string_member_with_default (user, "telegram_chat_id", NULL), ==,
                   "480012345");
  g_clear_pointer (&user, json_object_unref);
  g_clear_object (&store);

  /* a channel's @name, then cleared */
  json_node_unref (OK_JSON (f, "user", "set", "Мария Кузнецова", "--telegram-chat-id", "@studio_heads"));
  json_node_unref (set);
  set = OK_JSON (f, "user", "set", "Мария Кузнецова", "--telegram-chat-id", "");
  g_assert_true (json_object_get_null_member (json_node_get_object (set), "telegram_chat_id"));
}

/* `user list` shows who the office phone system rings at which extension: a column in the
 * text, "extension" in --json (null for a user without one); `user set --no-extension`
 * takes it away again. */
static void
test_user_list_extensions (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *users;
  guint with_extension = 0;
  gboolean row_found = FALSE;

  json_node_unref (OK_JSON (f, "user", "set", "Мария Кузнецова", "--extension", "104"));
  list = OK_JSON (f, "user", "list");
  users = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (users), >, 1);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      g_assert_true (json_object_has_member (user, "extension"));
      if (g_strcmp0 (str (user, "name"), "Мария Кузнецова") == 0)
        g_assert_cmpstr (str (user, "extension"), ==, "104");
      else
        g_assert_true (json_object_get_null_member (user, "extension"));
      with_extension += json_object_get_null_member (user, "extension") ? 0 : 1;
    }
  g_assert_cmpuint (with_extension, ==, 1);

  crm_test_run_cli (&run, "--db", f->db, "user", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "EXTENSION"));
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "Мария Кузнецова") != NULL)
      {
        row_found = TRUE;
        g_assert_true (g_str_has_suffix (g_strchomp (lines[i]), "104"));
      }
  g_assert_true (row_found);

  json_node_unref (OK_JSON (f, "user", "set", "Мария Кузнецова", "--no-extension"));
  after = OK_JSON (f, "user", "list");
  users = json_node_get_array (after);
  for (guint i = 0; i < json_array_get_length (users); i++)
    g_assert_true (json_object_get_null_member (json_array_get_object_element (users, i),
                                                "extension"));
}

/* Every command explains itself and its options (the man pages are made from this). */
static void
test_help (Fixture       *f,
           gconstpointer  data)
{
  /* command, subcommand, what the help must explain */
  static const char *const commands[][3] = {
    { "rules", NULL, "automation rules" },
    { "rule", "show", "trigger" },
    { "rule", "enable", "administrator" },
    { "rule", "disable", "administrator" },
    { "rule", "import", "unknown" },
    { "tick", NULL, "timer rules" },
    { "attach", NULL, "SHA-256" },
    { "attach", NULL, "--name" },
    { "attachment", "list", "--deal" },
    { "notification", "list", "--user" },
    { "user", "set", "--telegram-chat-id" },
  };
  g_auto(CrmTestRun) run = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (commands[i][1] != NULL)
        crm_test_run_cli (&run, commands[i][0], commands[i][1], "--help", NULL);
      else
        crm_test_run_cli (&run, commands[i][0], "--help", NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "Usage:"));
      g_assert_nonnull (strstr (run.out, "--json"));
      if (strstr (run.out, commands[i][2]) == NULL)
        g_error ("“%s %s --help” does not mention “%s”: %s", commands[i][0],
                 commands[i][1] ? commands[i][1] : "", commands[i][2], run.out);
    }
  crm_test_run_cli (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "notification list"));
  g_assert_nonnull (strstr (run.out, "rule import"));
}

/* Schema 27 names a changelog row's device and author by a number of the replica's
 * clock_word: a replica of schema 26 with history shows the same log and the same deal
 * history once upgraded, keeps no text column for them, and a change made afterwards is
 * logged as this device's and its author's like the older ones. */
static void
test_changelog_words_upgrade (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(JsonNode) added = OK_JSON (f, "deal", "add", "--pipeline", "Продажи",
                                       "--title", "Volvo FH 2019", "--tag", "Volvo");
  g_autofree char *id = g_strdup (str (json_node_get_object (added), "id"));
  g_autoptr(JsonNode) moved = OK_JSON (f, "deal", "move", id, "--stage", "Квалифицирован");
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(JsonNode) shown = NULL;
  g_autofree char *log_text = OK_TEXT (f, "log");
  g_autofree char *log_json = OK_TEXT (f, "--json", "log");
  g_autofree char *show_text = OK_TEXT (f, "deal", "show", id);
  g_autofree char *show_json = OK_TEXT (f, "--json", "deal", "show", id);
  g_autofree char *list_text = OK_TEXT (f, "deal", "list");
  JsonArray *ops, *history;
  JsonObject *first = NULL, *last;
  gint64 rows = crm_test_file_int (f->db, "SELECT count (*) FROM changelog");

  g_assert_cmpint (rows, >, 20);
  crm_test_write_schema_26 (f->db);
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA user_version"), ==, 26);
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (*) FROM changelog"
                                             " WHERE length (device) = 36"), ==, rows);
  /* (the template's ops have no author, the admin's changes have) */
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (*) FROM changelog"
                                             " WHERE actor IS NOT NULL"), >=, 3);

  /* the same words as before the upgrade */
  {
    g_autofree char *log_text_after = OK_TEXT (f, "log");
    g_autofree char *log_json_after = OK_TEXT (f, "--json", "log");
    g_autofree char *show_text_after = OK_TEXT (f, "deal", "show", id);
    g_autofree char *show_json_after = OK_TEXT (f, "--json", "deal", "show", id);
    g_autofree char *list_text_after = OK_TEXT (f, "deal", "list");

    g_assert_cmpstr (log_text_after, ==, log_text);
    g_assert_cmpstr (log_json_after, ==, log_json);
    g_assert_cmpstr (show_text_after, ==, show_text);
    g_assert_cmpstr (show_json_after, ==, show_json);
    g_assert_cmpstr (list_text_after, ==, list_text);
  }
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA user_version"), ==, CRM_SCHEMA_VERSION);
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (*) FROM pragma_table_info"
                                             " ('changelog') WHERE name IN ('device', 'actor')"),
                   ==, 0);
  /* one device, one author: each a word of its own, every row naming the device */
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (*) FROM changelog c"
                                             " JOIN clock_word d ON d.n = c.device_n"
                                             " WHERE d.word = (SELECT value FROM meta"
                                             " WHERE key = 'device_id')"), ==, rows);
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (DISTINCT actor_n) FROM changelog"), ==, 1);
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT count (*) FROM sqlite_master"
                                             " WHERE name = 'attachment_hash'"), ==, 1);

  /* a change after the upgrade: logged by the same device and author */
  g_clear_pointer (&moved, json_node_unref);
  moved = OK_JSON (f, "deal", "move", id, "--stage", "Отгружено");
  log = OK_JSON (f, "log");
  ops = json_node_get_array (log);
  /* (the move fires the template's rules: their ops follow it) */
  g_assert_cmpuint (json_array_get_length (ops), >, rows);
  /* the deal's creation, written before the upgrade */
  for (guint i = 0; i < rows; i++)
    if (g_strcmp0 (str (first = json_array_get_object_element (ops, i), "id"), id) == 0)
      break;
  last = json_array_get_object_element (ops, rows);
  g_assert_cmpstr (str (first, "id"), ==, id);
  g_assert_nonnull (str (first, "actor"));
  g_assert_cmpstr (str (last, "id"), ==, id);
  g_assert_true (json_object_get_null_member (last, "rule"));
  g_assert_cmpstr (str (last, "device"), ==, str (first, "device"));
  g_assert_cmpstr (str (last, "actor"), ==, str (first, "actor"));
  shown = OK_JSON (f, "deal", "show", id);
  history = json_object_get_array_member (json_node_get_object (shown), "history");
  g_assert_cmpuint (json_array_get_length (history), >=, 3);
  for (guint i = 0; i < json_array_get_length (history); i++)
    g_assert_cmpstr (str (json_array_get_object_element (history, i), "actor"), ==, "admin");
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* Issue 21: schema 27 copies the changelog into its new form and the old table's pages
 * stay free — a large replica grew by a third on the upgrade and stayed so. A schema-26
 * replica of 24 000 imported contacts (its changelog over 8 MiB), packed as a replica in
 * use is, ends smaller once voronkactl opened it than it was before, with no free pages
 * left, and shows the same: its contacts, its log, a phone search (the search tables
 * name contacts by rowid, which the packing keeps) and an intact file. */
static void
test_upgrade_gives_space_back (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GString) csv = g_string_new ("Имя;Телефон;Email\n");
  g_autofree char *csv_path = g_build_filename (f->dir, "contacts.csv", NULL);
  g_autofree char *list = NULL, *log = NULL, *found = NULL;
  g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);
  g_auto(CrmTestRun) run = { 0 };
  sqlite3 *db = NULL;
  gint64 before, after;

  for (guint i = 0; i < 24000; i++)
    g_string_append_printf (csv, "Клиентов Клиент Клиентович %u;+7 912 %03u-%02u-%02u;"
                            "client%u@example.ru\n", i, i / 100, i % 100, i % 97, i);
  g_assert_true (g_file_set_contents (csv_path, csv->str, csv->len, NULL));
  crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "import", "contacts", csv_path,
                    "--format=csv", NULL);
  g_assert_cmpint (run.status, ==, 0);
  list = OK_TEXT (f, "--json", "contact", "list", "--search", "клиентов");
  log = OK_TEXT (f, "--json", "log");
  found = OK_TEXT (f, "--json", "search", "239-39-");
  g_assert_nonnull (strstr (found, "Клиентов Клиент Клиентович 23939"));

  crm_test_write_schema_26 (f->db);
  /* (the writer's own copy of the changelog left pages free: packed, as in use) */
  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "VACUUM", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA user_version"), ==, 26);
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA freelist_count"), ==, 0);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  before = file_size (f->db);
  g_assert_cmpint (crm_test_file_int (f->db, "SELECT sum (pgsize) FROM dbstat"
                                             " WHERE name = 'changelog'"), >, 8 << 20);

  /* opened (and updated) by the first command */
  {
    g_autofree char *list_after = OK_TEXT (f, "--json", "contact", "list", "--search",
                                           "клиентов");
    g_autofree char *log_after = OK_TEXT (f, "--json", "log");
    g_autofree char *found_after = OK_TEXT (f, "--json", "search", "239-39-");

    g_assert_cmpstr (list_after, ==, list);
    g_assert_cmpstr (log_after, ==, log);
    g_assert_cmpstr (found_after, ==, found);
  }
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA user_version"), ==, CRM_SCHEMA_VERSION);
  after = file_size (f->db) + file_size (wal);
  g_test_message ("schema 26: %" G_GINT64_FORMAT " bytes; updated: %" G_GINT64_FORMAT,
                  before, after);
  g_assert_cmpint (after, <, before);
  g_assert_cmpint (crm_test_file_int (f->db, "PRAGMA freelist_count")
                   * crm_test_file_int (f->db, "PRAGMA page_size"), <, 1 << 20);
  crm_test_assert_integrity (f->db);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/cli/" path, Fixture, data, fixture_set_up, func, \
              crm_test_replica_dir_tear_down)
  ADD ("pipelines", test_pipelines, NULL);
  ADD ("deal-add-move-set", test_deal_add_move_set, NULL);
  ADD ("deal-list-tags", test_deal_list_tags, NULL);
  ADD ("changelog-words-upgrade", test_changelog_words_upgrade, NULL);
  ADD ("upgrade-gives-space-back", test_upgrade_gives_space_back, NULL);
  ADD ("loss-reason-gate", test_loss_reason_gate, NULL);
  ADD ("contact-search", test_contact_search, NULL);
  ADD ("search", test_search, NULL);
  ADD ("usage-errors", test_usage_errors, NULL);
  ADD ("not-found", test_not_found, NULL);
  ADD ("malformed-input", test_malformed_input, NULL);
  ADD ("json-shapes", test_json_shapes, NULL);
  ADD ("init-and-templates", test_init_and_templates, "empty");
  ADD ("rules-list", test_rules_list, NULL);
  ADD ("rule-import", test_rule_import, NULL);
  ADD ("rule-permissions", test_rule_permissions, NULL);
  ADD ("rep-rights", test_rep_rights, NULL);
  ADD ("tick", test_tick, NULL);
  ADD ("attach", test_attach, NULL);
  ADD ("notifications", test_notifications, NULL);
  ADD ("user-set", test_user_set, NULL);
  ADD ("user-list-extensions", test_user_list_extensions, NULL);
  ADD ("help", test_help, "empty");
#undef ADD

  return g_test_run ();
}
