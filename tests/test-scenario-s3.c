/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-scenario-s3.c — the equipment supplier (SPEC.md S3, seed 003) through the real
 * voronkactl with the clock pinned: contacts and companies edited with their custom
 * fields and «Связан с компанией» (S3-2), the request's confirmation with its own
 * number (S3-4: made offline, numbered and composed by a real voronka-server at the next
 * sync), the assignment escalation (S3-5, timer rules run by `tick`), the company's
 * total of won deals (S3-6), holdings (S3-7: also a link removed on one replica and made
 * again on another merging to one answer) and the company's category on its deals
 * (S3-8). */
#include <string.h>
#include <sqlite3.h>

#include "crm-message.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

/* A Monday. */
#define NOW "2026-03-02T10:00:00Z"

#define EQUIPMENT "Оборудование и ЗИП"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) init = NULL;
  g_autoptr(JsonNode) company = NULL;
  g_autoptr(JsonNode) contact = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "supplier.db", NULL);
  init = crm_test_ctl_ok (f->db, NOW, "init", "--template", "equipment-supplier", NULL);
  company = crm_test_ctl_ok (f->db, NOW, "company", "add", "--name", "ООО Кофейня Франко",
                             NULL);
  contact = crm_test_ctl_ok (f->db, NOW, "contact", "add", "--name", "Соколова Анна",
                             "--company", "ООО Кофейня Франко", "--phone", "+7 912 000-11-22",
                             NULL);
}

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

static char *
add_company (Fixture    *f,
             const char *name)
{
  g_autoptr(JsonNode) company = OK (f, "company", "add", "--name", name);

  return id_of (company);
}

/* The names of an array of {"id","name"}, sorted, joined with ", ". */
static char *
names_of (JsonObject *object,
          const char *member)
{
  JsonArray *list = json_object_get_array_member (object, member);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_nonnull (list);
  for (guint i = 0; i < json_array_get_length (list); i++)
    g_ptr_array_add (names, (gpointer) str (json_array_get_object_element (list, i), "name"));
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", (char *) names->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonObject *
company_show (Fixture    *f,
              const char *company)
{
  return crm_test_take_object (OK (f, "company", "show", company));
}

/* S3-2: a contact's phones, e-mails, custom fields and related companies are edited
 * after it was made, and both sides show the link; a company's fields too. */
static void
test_contact_and_company_fields (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *holding = add_company (f, "АО Кофе Холдинг");
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) company = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  JsonObject *fields;
  JsonArray *phones;

  contact = crm_test_take_object (OK (f, "contact", "set", "Соколова Анна",
                                      "--name", "Соколова Анна Петровна",
                                      "--phone", "8 (912) 333-44-55",
                                      "--phone=-+7 912 000-11-22",
                                      "--email", "+anna@franko.ru",
                                      "--field", "position=Закупщик",
                                      "--company", "+АО Кофе Холдинг"));
  g_assert_cmpstr (str (contact, "name"), ==, "Соколова Анна Петровна");
  phones = json_object_get_array_member (contact, "phones");
  g_assert_cmpuint (json_array_get_length (phones), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (phones, 0), ==, "+79123334455");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (contact, "emails"), 0),
                   ==, "anna@franko.ru");
  fields = json_object_get_object_member (contact, "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "position"), ==, "Закупщик");
  /* its own company stays; the holding is a related company, picked by name */
  g_assert_cmpstr (str (contact, "company"), ==, "ООО Кофейня Франко");
  {
    g_autofree char *names = names_of (contact, "companies");
    g_assert_cmpstr (names, ==, "АО Кофе Холдинг");
  }

  /* the other side: the holding lists the contact among its related contacts */
  company = company_show (f, holding);
  {
    g_autofree char *names = names_of (company, "related_contacts");
    g_autofree char *own = names_of (company, "contacts");
    g_assert_cmpstr (names, ==, "Соколова Анна Петровна");
    g_assert_cmpstr (own, ==, "");
  }

  /* «Связан с компанией» is picked, never typed */
  crm_test_ctl (&run, f->db, NOW, "contact", "set", "Соколова Анна Петровна", "--field",
                "related_companies=АО Кофе Холдинг", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "--company +COMPANY"));
  crm_test_run_clear (&run);

  /* removing the link: gone on both sides */
  g_clear_pointer (&contact, json_object_unref);
  contact = crm_test_take_object (OK (f, "contact", "set", "Соколова Анна Петровна",
                                      "--company=-АО Кофе Холдинг"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (contact, "companies")),
                    ==, 0);
  g_clear_pointer (&company, json_object_unref);
  company = company_show (f, holding);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (company, "related_contacts")),
                    ==, 0);

  /* company fields: a choice by its spelling, a hidden field kept out of the human view */
  other = crm_test_take_object (OK (f, "company", "set", "ООО Кофейня Франко",
                                    "--field", "company_category=horeca",
                                    "--field", "fax=+7 812 000-00-00"));
  fields = json_object_get_object_member (other, "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "company_category"), ==, "HoReCa");
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "company", "show",
                    "ООО Кофейня Франко", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "HoReCa"));
  g_assert_null (strstr (run.out, "000-00-00"));
  crm_test_run_clear (&run);

  /* a value outside the choices lists them, and nothing is written */
  crm_test_ctl (&run, f->db, NOW, "company", "set", "ООО Кофейня Франко", "--field",
                "company_category=Космос", NULL);
  g_free (crm_test_assert_refused (&run, "invalid-input"));
  g_clear_pointer (&other, json_object_unref);
  other = company_show (f, "ООО Кофейня Франко");
  fields = json_object_get_object_member (other, "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "company_category"), ==, "HoReCa");
  crm_test_run_clear (&run);

  /* the account's admin hides a field nobody uses, or shows one again; a rep may not */
  {
    g_autoptr(JsonObject) field = crm_test_take_object (OK (f, "field", "set", "fax", "--entity",
                                                            "company", "--hidden", "no"));
    g_assert_false (json_object_get_boolean_member (field, "hidden"));
  }
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "company", "show",
                    "ООО Кофейня Франко", NULL);
  g_assert_nonnull (strstr (run.out, "000-00-00"));
  crm_test_run_clear (&run);
  {
    g_autoptr(JsonNode) hidden = OK (f, "field", "set", "position", "--entity", "contact",
                                     "--hidden", "yes");
  }
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "contact", "show",
                    "Соколова Анна Петровна", NULL);
  g_assert_null (strstr (run.out, "Закупщик"));
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "--as", "Евгений Степанов", "field", "set", "position",
                "--entity", "contact", "--hidden", "no", NULL);
  g_free (crm_test_assert_refused (&run, "permission-denied"));
}

static char *
add_won_deal (Fixture    *f,
              const char *title,
              const char *company,
              const char *amount)
{
  g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", EQUIPMENT,
                                 "--stage", "Отгрузка", "--title", title,
                                 "--company", company, "--amount", amount,
                                 "--field", "invoice_type=Оборудование");
  g_autofree char *id = id_of (deal);
  g_autoptr(JsonNode) moved = OK (f, "deal", "move", id, "--stage", "Закрыта успешно");

  return g_steal_pointer (&id);
}

static const char *
total_of (Fixture    *f,
          const char *company,
          JsonObject **out)
{
  *out = company_show (f, company);
  return str (*out, "total");
}

/* S3-6: «Общая сумма компании» is the sum of the company's won deals; a won deal
 * reopened or deleted takes its amount back out; open deals never count. */
static void
test_company_total (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *first = add_won_deal (f, "Кофемашина Jura", "ООО Кофейня Франко", "150000.00");
  g_autofree char *second = add_won_deal (f, "ЗИП для Franke", "ООО Кофейня Франко", "25000.50");
  g_autoptr(JsonNode) open = OK (f, "deal", "add", "--pipeline", EQUIPMENT, "--title",
                                 "Ещё одна кофемашина", "--company", "ООО Кофейня Франко",
                                 "--amount", "999999.00");
  g_autoptr(JsonObject) company = NULL;
  g_autoptr(JsonNode) reopened = NULL;
  g_autoptr(JsonNode) deleted = NULL;
  g_auto(CrmTestRun) run = { 0 };

  g_assert_cmpstr (total_of (f, "ООО Кофейня Франко", &company), ==, "175000.50");
  g_assert_cmpint (json_object_get_int_member (company, "won_deals"), ==, 2);
  g_clear_pointer (&company, json_object_unref);

  /* reopened: out of the total */
  reopened = OK (f, "deal", "move", first, "--stage", "Отгрузка");
  g_assert_cmpstr (total_of (f, "ООО Кофейня Франко", &company), ==, "25000.50");
  g_clear_pointer (&company, json_object_unref);

  /* won again, then the other deleted */
  g_clear_pointer (&reopened, json_node_unref);
  reopened = OK (f, "deal", "move", first, "--stage", "Закрыта успешно");
  deleted = OK (f, "deal", "delete", second);
  g_assert_cmpstr (total_of (f, "ООО Кофейня Франко", &company), ==, "150000.00");
  g_clear_pointer (&company, json_object_unref);

  /* the human view says it too */
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "company", "show",
                    "ООО Кофейня Франко", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "150000.00"));
}

/* S3-7: a link made on one company shows on every company of the holding, both ways,
 * one entity per pair whichever side made it; unlinking splits the holding. */
static void
test_holding (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *a = add_company (f, "АО Кофе Холдинг");
  g_autofree char *b = add_company (f, "ООО Кофе Север");
  g_autofree char *c = add_company (f, "ООО Кофе Юг");
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_auto(CrmTestRun) run = { 0 };

  shown = crm_test_take_object (OK (f, "company", "set", a, "--link", "+ООО Кофе Север"));
  {
    g_autofree char *names = names_of (shown, "holding");
    g_assert_cmpstr (names, ==, "ООО Кофе Север");
  }
  g_clear_pointer (&shown, json_object_unref);
  /* made from the other side: the same link, no second one */
  shown = crm_test_take_object (OK (f, "company", "set", c, "--link", "+ООО Кофе Север",
                                    "--link", "+АО Кофе Холдинг"));
  {
    g_autofree char *names = names_of (shown, "holding");
    g_assert_cmpstr (names, ==, "АО Кофе Холдинг, ООО Кофе Север");
  }
  g_clear_pointer (&shown, json_object_unref);
  again = OK (f, "company", "set", b, "--link", "+АО Кофе Холдинг");
  {
    g_autoptr(CrmStore) store = crm_store_open (f->db, NULL);

    g_assert_nonnull (store);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM company_link", NULL), ==, 3);
  }

  /* every member lists the whole holding */
  shown = company_show (f, b);
  {
    g_autofree char *names = names_of (shown, "holding");
    g_assert_cmpstr (names, ==, "АО Кофе Холдинг, ООО Кофе Юг");
  }
  g_clear_pointer (&shown, json_object_unref);

  /* unlinking the south from both others leaves it alone, the other two together */
  g_clear_pointer (&again, json_node_unref);
  again = OK (f, "company", "set", c, "--link=-ООО Кофе Север", "--link=-АО Кофе Холдинг");
  shown = company_show (f, c);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (shown, "holding")), ==, 0);
  g_clear_pointer (&shown, json_object_unref);
  shown = company_show (f, a);
  {
    g_autofree char *names = names_of (shown, "holding");
    g_assert_cmpstr (names, ==, "ООО Кофе Север");
  }

  /* a company is not its own holding */
  crm_test_ctl (&run, f->db, NOW, "company", "set", a, "--link", "+АО Кофе Холдинг", NULL);
  g_free (crm_test_assert_refused (&run, "invalid-input"));
}

/* S3-8: each deal of a company shows the company's category as the company has it
 * now: changed on the company, changed on every deal. */
static void
test_category_on_deals (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) set = OK (f, "company", "set", "ООО Кофейня Франко", "--field",
                                "company_category=HoReCa");
  g_autoptr(JsonNode) deal = OK (f, "deal", "add", "--pipeline", EQUIPMENT, "--title",
                                 "Кофемашина WMF", "--company", "ООО Кофейня Франко");
  g_autofree char *deal_id = id_of (deal);
  g_autoptr(JsonObject) shown = show (f, deal_id);
  g_autoptr(JsonNode) changed = NULL;
  g_auto(CrmTestRun) run = { 0 };
  JsonArray *company_fields = json_object_get_array_member (shown, "company_fields");
  JsonObject *category;

  g_assert_nonnull (company_fields);
  g_assert_cmpuint (json_array_get_length (company_fields), ==, 1);
  category = json_array_get_object_element (company_fields, 0);
  g_assert_cmpstr (str (category, "label"), ==, "Категория компании");
  g_assert_cmpstr (str (category, "value"), ==, "HoReCa");

  changed = OK (f, "company", "set", "ООО Кофейня Франко", "--field", "company_category=Дилер");
  g_clear_pointer (&shown, json_object_unref);
  shown = show (f, deal_id);
  category = json_array_get_object_element (json_object_get_array_member (shown, "company_fields"), 0);
  g_assert_cmpstr (str (category, "value"), ==, "Дилер");
  /* the deal itself holds no copy that could go stale */
  g_assert_false (json_object_has_member (json_object_get_object_member (shown, "fields"),
                                          "company_category"));
  crm_test_run_cli (&run, "--db", f->db, "--now", NOW, "deal", "show", deal_id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Категория компании"));
  g_assert_nonnull (strstr (run.out, "Дилер"));
}

/* The tasks of @deal_id whose text starts with @prefix. */
static guint
n_tasks_starting (Fixture    *f,
                  const char *now,
                  const char *deal_id,
                  const char *prefix,
                  JsonObject **out_last)
{
  g_autoptr(JsonNode) tasks = crm_test_ctl_ok (f->db, now, "task", "list", "--deal", deal_id, NULL);
  JsonArray *array = json_node_get_array (tasks);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *task = json_array_get_object_element (array, i);

      if (g_str_has_prefix (str (task, "text"), prefix))
        {
          n++;
          if (out_last != NULL)
            {
              g_clear_pointer (out_last, json_object_unref);
              *out_last = json_object_ref (task);
            }
        }
    }
  return n;
}

static guint
n_director_notifications (Fixture    *f,
                          const char *now)
{
  g_autoptr(JsonNode) list = crm_test_ctl_ok (f->db, now, "notification", "list", "--user",
                                              "Михаил Романов", NULL);

  return json_array_get_length (json_node_get_array (list));
}

#define TICK(f, at) G_STMT_START { \
    g_autoptr(JsonNode) ticked = crm_test_ctl_ok ((f)->db, (at), "tick", NULL); \
  } G_STMT_END

#define ASSIGN "Назначьте ответственного менеджера"
#define REMIND "Заявка «Не работает кофемашина» не обработана за сутки"

/* S3-5: a request in «Новая заявка» gives the head of the client department the task to
 * assign a manager; a request the manager has not moved on within a day of being assigned
 * gives the head a reminder; a reminder left undone a day notifies the executive director.
 * A request moved on in time sets off nothing. */
static void
test_escalation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) late = OK (f, "deal", "add", "--pipeline", "Заявки", "--stage",
                                 "Новая заявка", "--title", "Не работает кофемашина",
                                 "--contact", "Соколова Анна");
  g_autoptr(JsonNode) quick = OK (f, "deal", "add", "--pipeline", "Заявки", "--stage",
                                  "Новая заявка", "--title", "Нужен ЗИП для Jura");
  g_autofree char *late_id = id_of (late);
  g_autofree char *quick_id = id_of (quick);
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonNode) step = NULL;

  /* the head's task, due in a day */
  g_assert_cmpuint (n_tasks_starting (f, NOW, late_id, ASSIGN, &task), ==, 1);
  g_assert_cmpstr (str (task, "responsible"), ==, "Татьяна Николаева");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-03T10:00:00Z");
  g_assert_cmpuint (n_tasks_starting (f, NOW, quick_id, ASSIGN, NULL), ==, 1);

  /* the head assigns both at 11:00; the quick one is taken into work the next morning */
  step = crm_test_ctl_ok (f->db, "2026-03-02T11:00:00Z", "deal", "set", late_id,
                          "--responsible", "Евгений Степанов", NULL);
  g_clear_pointer (&step, json_node_unref);
  step = crm_test_ctl_ok (f->db, "2026-03-02T11:00:00Z", "deal", "move", late_id, "--stage",
                          "Назначен ответственный", NULL);
  g_clear_pointer (&step, json_node_unref);
  step = crm_test_ctl_ok (f->db, "2026-03-02T11:00:00Z", "deal", "move", quick_id, "--stage",
                          "Назначен ответственный", NULL);
  g_clear_pointer (&step, json_node_unref);
  step = crm_test_ctl_ok (f->db, "2026-03-03T09:00:00Z", "deal", "move", quick_id, "--stage",
                          "В обработке", NULL);

  /* a day is not over yet */
  TICK (f, "2026-03-03T10:59:00Z");
  g_assert_cmpuint (n_tasks_starting (f, NOW, late_id, "Заявка", NULL), ==, 0);

  /* a day after the assignment: the head is reminded, once, about the late one only */
  TICK (f, "2026-03-03T11:00:00Z");
  TICK (f, "2026-03-03T11:30:00Z");
  g_clear_pointer (&task, json_object_unref);
  g_assert_cmpuint (n_tasks_starting (f, NOW, late_id, REMIND, &task), ==, 1);
  g_assert_cmpstr (str (task, "responsible"), ==, "Татьяна Николаева");
  g_assert_cmpstr (str (task, "due"), ==, "2026-03-04T11:00:00Z");
  g_assert_cmpuint (n_tasks_starting (f, NOW, quick_id, "Заявка", NULL), ==, 0);
  g_assert_cmpuint (n_director_notifications (f, NOW), ==, 0);

  /* the head ignores it: the next day the executive director hears of it, once */
  TICK (f, "2026-03-04T10:59:00Z");
  g_assert_cmpuint (n_director_notifications (f, NOW), ==, 0);
  TICK (f, "2026-03-04T11:00:00Z");
  TICK (f, "2026-03-04T12:00:00Z");
  g_assert_cmpuint (n_director_notifications (f, NOW), ==, 1);
  {
    g_autoptr(JsonNode) list = crm_test_ctl_ok (f->db, NOW, "notification", "list", "--user",
                                                "Михаил Романов", NULL);
    JsonObject *note = json_array_get_object_element (json_node_get_array (list), 0);

    g_assert_nonnull (strstr (str (note, "text"), "«Не работает кофемашина»"));
  }
}

/* Schema step 12: a replica of step 11 (no contact_company table, none of the indexes)
 * opens, and what S3 shows works on its data: the total of a deal won before, a related
 * company linked after. */
static void
test_upgrade_from_11 (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *won = add_won_deal (f, "Кофемашина Jura", "ООО Кофейня Франко", "150000.00");
  g_autofree char *other = add_company (f, "АО Кофе Холдинг");
  g_autoptr(JsonObject) company = NULL;
  g_autoptr(JsonObject) contact = NULL;
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, "DROP TABLE contact_company; DROP INDEX company_link_company;"
                        " DROP INDEX company_link_other; DROP INDEX deal_company;"
                        " PRAGMA user_version = 11;", NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s", message);
  sqlite3_close (db);

  g_assert_cmpstr (total_of (f, "ООО Кофейня Франко", &company), ==, "150000.00");
  contact = crm_test_take_object (OK (f, "contact", "set", "Соколова Анна", "--company",
                                      "+АО Кофе Холдинг"));
  {
    g_autofree char *names = names_of (contact, "companies");
    g_assert_cmpstr (names, ==, "АО Кофе Холдинг");
  }
  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, CRM_SCHEMA_VERSION);
    sqlite3_finalize (stmt);
  }
  sqlite3_close (db);
}

/* --- with a real voronka-server ---------------------------------------------------------- */

typedef struct {
  char          *dir;
  CrmTestServer *server;
  char          *laptop;     /* the admin's replica, written by voronkactl */
  char          *other;      /* a second replica of the account */
  CrmSyncClient *laptop_client;
  CrmSyncClient *other_client;
} ServerFixture;

static void
server_set_up (ServerFixture *f,
               gconstpointer  data)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(CrmSyncReport) first = NULL;
  g_autoptr(CrmSyncReport) second = NULL;

  f->dir = crm_test_make_tmpdir ();
  data_dir = g_build_filename (f->dir, "server", NULL);
  g_assert_cmpint (crm_test_server_admin (data_dir, "admin-pw", "account", "create", "franko",
                                          "--template", "equipment-supplier", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  f->server = crm_test_server_start (data_dir, FALSE, NULL);
  f->laptop = g_build_filename (f->dir, "laptop.db", NULL);
  f->other = g_build_filename (f->dir, "other.db", NULL);
  f->laptop_client = crm_test_client_new (f->server, f->laptop, "admin", "admin-pw");
  first = crm_test_sync (f->laptop_client);
  f->other_client = crm_test_client_new (f->server, f->other, "admin", "admin-pw");
  second = crm_test_sync (f->other_client);
}

static void
server_tear_down (ServerFixture *f,
                  gconstpointer  data)
{
  g_clear_object (&f->laptop_client);
  g_clear_object (&f->other_client);
  g_assert_cmpint (crm_test_server_stop (f->server), ==, 0);
  crm_test_server_free (f->server);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->laptop);
  g_free (f->other);
}

static void
sync_client (CrmSyncClient *client)
{
  g_autoptr(CrmSyncReport) report = crm_test_sync (client);
}

#define LAPTOP(f, ...) crm_test_ctl_ok ((f)->laptop, NOW, __VA_ARGS__, NULL)
#define OTHER(f, ...)  crm_test_ctl_ok ((f)->other, NOW, __VA_ARGS__, NULL)

/* S3-4: a request taken offline is confirmed to the client with its own number: the
 * laptop queues the confirmation when the request enters «Новая заявка», the server
 * numbers the request at the next sync and composes the message with that number;
 * every replica, and what goes out, reads «Номер N» — never a placeholder. */
static void
test_confirmation_offline (ServerFixture *f,
                           gconstpointer  data)
{
  g_autoptr(JsonNode) contact = LAPTOP (f, "contact", "add", "--name", "Волков Олег",
                                        "--phone", "+7 921 555-66-77");
  g_autoptr(JsonNode) mailed = LAPTOP (f, "contact", "add", "--name", "Орлова Вера",
                                       "--email", "vera@example.ru");
  g_autoptr(JsonNode) deal = LAPTOP (f, "deal", "add", "--pipeline", "Заявки", "--stage",
                                     "Новая заявка", "--title", "Ремонт кофемашины Saeco",
                                     "--contact", "Волков Олег");
  g_autoptr(JsonNode) second = LAPTOP (f, "deal", "add", "--pipeline", "Заявки", "--stage",
                                       "Неразобранное", "--title", "Заявка с сайта",
                                       "--contact", "Орлова Вера");
  g_autofree char *deal_id = id_of (deal);
  g_autofree char *second_id = id_of (second);
  g_autoptr(JsonNode) before = LAPTOP (f, "message", "list", "--deal", deal_id);
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *message;
  gint64 number;

  /* offline: queued, waiting for its number; nothing in «Неразобранное» is confirmed */
  g_assert_cmpuint (json_array_get_length (json_node_get_array (before)), ==, 1);
  message = json_array_get_object_element (json_node_get_array (before), 0);
  g_assert_cmpstr (str (message, "channel"), ==, "sms");
  g_assert_cmpstr (str (message, "status"), ==, "queued");
  g_assert_true (crm_test_take_length (LAPTOP (f, "message", "list", "--deal", second_id)) == 0);
  /* taken from the inbox into work: confirmed by e-mail, the client having no phone */
  moved = LAPTOP (f, "deal", "move", second_id, "--stage", "Новая заявка");

  sync_client (f->laptop_client);
  shown = crm_test_take_object (LAPTOP (f, "deal", "show", deal_id));
  g_assert_false (json_object_get_null_member (shown, "number"));
  number = json_object_get_int_member (shown, "number");

  /* every replica reads the real number */
  sync_client (f->other_client);
  for (guint r = 0; r < 2; r++)
    {
      g_autoptr(JsonNode) list = crm_test_ctl_ok (r == 0 ? f->laptop : f->other, NOW, "message",
                                                  "list", NULL);
      g_autofree char *expected = g_strdup_printf ("Ваша заявка принята в работу. Номер %lld",
                                                   (long long) number);
      JsonObject *sms = crm_test_find_object (json_node_get_array (list), "deal", deal_id);
      JsonObject *mail = crm_test_find_object (json_node_get_array (list), "deal", second_id);

      g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
      g_assert_nonnull (sms);
      g_assert_cmpstr (str (sms, "text"), ==, expected);
      g_assert_nonnull (mail);
      g_assert_cmpstr (str (mail, "channel"), ==, "email");
      g_assert_null (strchr (str (mail, "text"), '{'));
      g_assert_cmpstr (str (mail, "subject"), ==, "Ваша заявка принята в работу");
    }

  /* what the server's delivery sends: the number, to the client's phone */
  account = crm_test_server_open_account (f->server);
  {
    g_autoptr(GPtrArray) queued = crm_message_list_queued (account, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (queued->len, ==, 2);
    for (guint i = 0; i < queued->len; i++)
      {
        g_autoptr(CrmMessageDraft) draft = crm_message_draft_load (account, queued->pdata[i],
                                                                   &error);

        g_assert_no_error (error);
        g_assert_null (strchr (draft->body, '{'));
        g_assert_true (g_str_has_prefix (draft->body, "Ваша заявка принята в работу. Номер "));
        if (g_strcmp0 (draft->deal, deal_id) == 0)
          {
            g_autofree char *expected = g_strdup_printf ("Ваша заявка принята в работу. Номер %lld",
                                                         (long long) number);

            g_assert_cmpstr (draft->body, ==, expected);
            g_assert_cmpstr (draft->address, ==, "+79215556677");
          }
        else
          g_assert_cmpstr (draft->address, ==, "vera@example.ru");
      }
  }
  /* and no conflict is reported about the server composing it */
  g_assert_true (crm_test_take_length (LAPTOP (f, "conflicts")) == 0);
}

/* The holding's names on @db for @company, joined. */
static char *
holding_on (const char *db,
            const char *company)
{
  g_autoptr(JsonObject) shown = crm_test_take_object (crm_test_ctl_ok (db, NOW, "company", "show",
                                                                      company, NULL));

  return names_of (shown, "holding");
}

/* S3-7 across replicas: one laptop removes the link while another makes it again from the
 * other company: the pair's one entity merges to one answer, the same on both laptops and
 * on both companies of the pair. */
static void
test_holding_merge (ServerFixture *f,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) north = LAPTOP (f, "company", "add", "--name", "ООО Кофе Север");
  g_autoptr(JsonNode) south = LAPTOP (f, "company", "add", "--name", "ООО Кофе Юг");
  g_autoptr(JsonNode) linked = LAPTOP (f, "company", "set", "ООО Кофе Север", "--link",
                                       "+ООО Кофе Юг");
  g_autoptr(JsonNode) removed = NULL;
  g_autoptr(JsonNode) relinked = NULL;
  g_autofree char *laptop_north = NULL, *laptop_south = NULL;
  g_autofree char *other_north = NULL, *other_south = NULL;

  sync_client (f->laptop_client);
  sync_client (f->other_client);
  {
    g_autofree char *names = holding_on (f->other, "ООО Кофе Юг");
    g_assert_cmpstr (names, ==, "ООО Кофе Север");
  }

  /* both offline: the laptop unlinks, the other links again from the south */
  removed = LAPTOP (f, "company", "set", "ООО Кофе Север", "--link=-ООО Кофе Юг");
  relinked = OTHER (f, "company", "set", "ООО Кофе Юг", "--link", "+ООО Кофе Север");
  sync_client (f->laptop_client);
  sync_client (f->other_client);
  sync_client (f->laptop_client);

  laptop_north = holding_on (f->laptop, "ООО Кофе Север");
  laptop_south = holding_on (f->laptop, "ООО Кофе Юг");
  other_north = holding_on (f->other, "ООО Кофе Север");
  other_south = holding_on (f->other, "ООО Кофе Юг");
  /* one answer everywhere (whichever edit the clocks order last), symmetric */
  g_assert_true (g_str_equal (laptop_north, "ООО Кофе Юг") ? g_str_equal (laptop_south, "ООО Кофе Север")
                                                          : *laptop_south == '\0' && *laptop_north == '\0');
  g_assert_cmpstr (other_north, ==, laptop_north);
  g_assert_cmpstr (other_south, ==, laptop_south);
  {
    g_autoptr(CrmStore) store = crm_store_open (f->laptop, NULL);

    g_assert_nonnull (store);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM company_link", NULL), ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, crm_test_replica_dir_tear_down)
  ADD ("/scenario-s3/s3-2-contact-and-company-fields", test_contact_and_company_fields);
  ADD ("/scenario-s3/s3-5-escalation", test_escalation);
  ADD ("/scenario-s3/s3-6-company-total", test_company_total);
  ADD ("/scenario-s3/s3-7-holding", test_holding);
  ADD ("/scenario-s3/s3-8-category-on-deals", test_category_on_deals);
  ADD ("/scenario-s3/upgrade-from-schema-11", test_upgrade_from_11);
#undef ADD
  g_test_add ("/scenario-s3/s3-4-confirmation-offline", ServerFixture, NULL, server_set_up,
              test_confirmation_offline, server_tear_down);
  g_test_add ("/scenario-s3/s3-7-holding-merge", ServerFixture, NULL, server_set_up,
              test_holding_merge, server_tear_down);

  return g_test_run ();
}
