/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-import.c — moving in (issue 20) through `voronkactl import`: files shaped like
 * amoCRM's and Bitrix24's exports (Russian headers, semicolons, a BOM, Windows-1251, a
 * cell over two lines), made here byte by byte, with deliberate errors. All or nothing:
 * after any refusal the replica holds exactly what it held before. */
#include <string.h>

#include <sqlite3.h>

#include <glib/gstdio.h>

#include "crm-import.h"
#include "crm-hlc.h"
#include "crm-merge-private.h"
#include "crm-query.h"
#include "crm-search.h"
#include "crm-store-private.h"
#include "crm-uuid.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  crm_test_run_cli (&run, "--db", f->db, "init", "--template", "b2b-distributor", NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *bytes,
            gssize      length)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, bytes, length, NULL));
  return path;
}

/* `import` as admin; its exit status, stdout and stderr in @run */
static void
import (Fixture    *f,
        CrmTestRun *run,
        const char *what,
        const char *path,
        const char *extra)
{
  crm_test_run_cli (run, "--db", f->db, "--as", "admin", "import", what, path,
                    extra != NULL ? extra : "--format=csv", NULL);
}

static guint
count (Fixture    *f,
       const char *what)
{
  return crm_test_take_length (crm_test_ctl_ok (f->db, NULL, what, "list", NULL));
}

/* amoCRM: «Полное имя»-less split names, kinds of phones and e-mails, a BOM, semicolons,
 * CRLF, a note over two lines in quotes, a company two contacts share */
static const char amo_contacts[] =
  "\xEF\xBB\xBF\"Фамилия\";\"Имя\";\"Рабочий телефон\";\"Мобильный телефон\";\"Рабочий email\";"
  "\"Компания\";\"Ответственный\";\"Примечание\"\r\n"
  "Иванов;Пётр;+7 (912) 345-67-89;;petr@romashka.ru;ООО Ромашка;Ольга Смирнова;\"звонить\r\nпосле обеда\"\r\n"
  "Сидорова;Анна;8 903 111 22 33;8 903 111 22 34;;ООО Ромашка;;\r\n";

static void
test_amocrm_contacts (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = write_file (f, "amocrm.csv", amo_contacts, -1);
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) again = { 0 };
  g_autoptr(JsonNode) contacts = NULL;
  JsonObject *ivanov, *sidorova;
  guint before = count (f, "contact");

  import (f, &run, "contacts", path, "--format=amocrm");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Примечание"));   /* said to be ignored */

  contacts = crm_test_ctl_ok (f->db, NULL, "contact", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, before + 2);
  ivanov = crm_test_find_object (json_node_get_array (contacts), "name", "Иванов Пётр");
  sidorova = crm_test_find_object (json_node_get_array (contacts), "name", "Сидорова Анна");
  g_assert_nonnull (ivanov);
  g_assert_nonnull (sidorova);
  g_assert_true (crm_test_has_string (json_object_get_array_member (ivanov, "phones"),
                                      "+79123456789"));
  g_assert_true (crm_test_has_string (json_object_get_array_member (ivanov, "emails"),
                                      "petr@romashka.ru"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sidorova, "phones")),
                    ==, 2);
  g_assert_cmpstr (json_object_get_string_member (sidorova, "company"), ==, "ООО Ромашка");
  /* the company both name was made once: the same one */
  g_assert_cmpstr (json_object_get_string_member (ivanov, "company_id"), ==,
                   json_object_get_string_member (sidorova, "company_id"));

  /* the same file again: every phone and e-mail is a duplicate; nothing written; the
   * errors name the lines (Сидорова's row starts on line 4: the note spans 2 and 3) */
  import (f, &again, "contacts", path, NULL);
  g_assert_cmpint (again.status, ==, 1);
  g_assert_nonnull (strstr (again.err, "line 2: Phone +79123456789 is already Иванов Пётр's"));
  g_assert_nonnull (strstr (again.err, "line 4: Phone +79031112233"));
  g_assert_nonnull (strstr (again.err, "2 rows are wrong; nothing was imported"));
  g_assert_cmpuint (count (f, "contact"), ==, before + 2);
}

static void
test_bitrix_windows_1251 (Fixture       *f,
                          gconstpointer  data)
{
  /* Bitrix24 writes Windows-1251: a good row, a bad phone, an unknown responsible */
  const char *utf8 = "Фамилия,Имя,Мобильный телефон,Ответственный\n"
                     "Петров,Иван,89161234567,Анна Белова\n"
                     "Кузнецов,Олег,12-34,\n"
                     "Орлова,Вера,89165554433,Нет Такого\n";
  gsize length = 0;
  g_autofree char *cp1251 = g_convert (utf8, -1, "WINDOWS-1251", "UTF-8", NULL, &length, NULL);
  g_autofree char *path = NULL;
  g_autofree char *good_path = NULL;
  g_autofree char *good = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) ok = { 0 };
  g_autoptr(JsonNode) contacts = NULL;
  guint before = count (f, "contact");

  g_assert_nonnull (cp1251);
  path = write_file (f, "bitrix.csv", cp1251, (gssize) length);
  import (f, &run, "contacts", path, "--format=bitrix24");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "line 3: «12-34» is not a phone number"));
  g_assert_nonnull (strstr (run.err, "line 4: Responsible:"));
  g_assert_nonnull (strstr (run.err, "Нет Такого"));
  g_assert_cmpuint (count (f, "contact"), ==, before);

  /* the good row alone goes in, decoded */
  good = g_convert ("Фамилия,Имя,Мобильный телефон,Ответственный\nПетров,Иван,89161234567,Анна Белова\n",
                    -1, "WINDOWS-1251", "UTF-8", NULL, &length, NULL);
  good_path = write_file (f, "bitrix-good.csv", good, (gssize) length);
  import (f, &ok, "contacts", good_path, NULL);
  g_assert_cmpint (ok.status, ==, 0);
  contacts = crm_test_ctl_ok (f->db, NULL, "contact", "list", NULL);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (contacts), "name", "Петров Иван"));
}

static void
test_deals (Fixture       *f,
            gconstpointer  data)
{
  static const char deals[] =
    "Название;Воронка;Этап;Бюджет;Теги;Основной контакт;Ответственный\n"
    "Поставка сыра;Сделки;Встреча;150 000,50;Новый бренд, Акция;;Анна Белова\n";
  static const char bad_deals[] =
    "Название;Воронка;Этап;Бюджет\n"
    "Поставка 2;Сделки;Нет такого этапа;100\n"
    "Поставка 3;Сделки;Встреча;сто рублей\n";
  g_autofree char *path = write_file (f, "deals.csv", deals, -1);
  g_autofree char *bad_path = write_file (f, "bad-deals.csv", bad_deals, -1);
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) dry = { 0 };
  g_auto(CrmTestRun) bad = { 0 };
  g_autoptr(JsonNode) found = NULL;
  JsonObject *deal;
  guint before = count (f, "deal");

  /* a dry run checks and writes nothing */
  import (f, &dry, "deals", path, "--dry-run");
  g_assert_cmpint (dry.status, ==, 0);
  g_assert_cmpuint (count (f, "deal"), ==, before);

  import (f, &run, "deals", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  found = crm_test_ctl_ok (f->db, NULL, "deal", "list", "--tag", "Новый бренд", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
  deal = json_array_get_object_element (json_node_get_array (found), 0);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Поставка сыра");
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Встреча");
  g_assert_cmpstr (json_object_get_string_member (deal, "amount"), ==, "150000.50");
  g_assert_cmpstr (json_object_get_string_member (deal, "responsible"), ==, "Анна Белова");
  g_assert_true (crm_test_has_string (json_object_get_array_member (deal, "tags"), "Акция"));

  import (f, &bad, "deals", bad_path, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "line 2: Stage:"));
  g_assert_nonnull (strstr (bad.err, "Нет такого этапа"));
  g_assert_nonnull (strstr (bad.err, "line 3: «сто рублей» is not an amount"));
  g_assert_cmpuint (count (f, "deal"), ==, before + 1);
}

/* Custom fields (issue 20): a column named like a custom field (label or key) fills it,
 * typed — a list field's choice as the account spells it, money, yes/no —; a bad value is
 * listed by line and nothing is written; a mapping chosen by hand (--map) fills a field
 * from a column of any name, or ignores one. */
static void
test_custom_fields (Fixture       *f,
                    gconstpointer  data)
{
  static const char deals[] =
    "Название;Воронка;Этап;Тип бизнеса;Объём заказа;Образец передан;Колонка X\n"
    "Поставка чая;Сделки;Встреча;сеть;250000.00;да;что-то\n";
  static const char bad_deals[] =
    "Название;Воронка;Этап;Тип бизнеса;order_volume\n"
    "Поставка 2;Сделки;Встреча;Киоск;1\n"
    "Поставка 3;Сделки;Встреча;Сеть;много\n";
  static const char other_names[] =
    "Название;Воронка;Этап;Формат точки\n"
    "Поставка кофе;Сделки;Встреча;HoReCa\n";
  g_autofree char *path = write_file (f, "custom.csv", deals, -1);
  g_autofree char *bad_path = write_file (f, "custom-bad.csv", bad_deals, -1);
  g_autofree char *other_path = write_file (f, "custom-other.csv", other_names, -1);
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) bad = { 0 };
  g_auto(CrmTestRun) unknown = { 0 };
  g_auto(CrmTestRun) mapped = { 0 };
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonObject) shown = NULL;
  JsonObject *columns, *fields;
  guint before = count (f, "deal");

  crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "--json", "import", "deals", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  report = crm_test_parse_json (run.out);
  columns = json_object_get_object_member (json_node_get_object (report), "columns");
  g_assert_cmpstr (json_object_get_string_member (columns, "Тип бизнеса"), ==, "business_type");
  g_assert_cmpstr (json_object_get_string_member (columns, "Объём заказа"), ==, "order_volume");
  g_assert_true (json_object_get_null_member (columns, "Колонка X"));
  found = crm_test_ctl_ok (f->db, NULL, "deal", "list", NULL);
  shown = crm_test_take_object (crm_test_ctl_ok (f->db, NULL, "deal", "show",
                                                 crm_test_get_string (crm_test_find_object (json_node_get_array (found), "title", "Поставка чая"), "id"),
                                                 NULL));
  fields = json_object_get_object_member (shown, "fields");
  g_assert_cmpstr (json_object_get_string_member (fields, "business_type"), ==, "Сеть");
  g_assert_cmpstr (json_object_get_string_member (fields, "order_volume"), ==, "250000.00");
  g_assert_true (json_object_get_boolean_member (fields, "sample_handed"));

  /* a value off the list and one that is no amount: both named with their lines */
  crm_test_run_cli (&bad, "--db", f->db, "--as", "admin", "import", "deals", bad_path, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "line 2: Field «Тип бизнеса»: «Киоск» is not one of the choices"));
  g_assert_nonnull (strstr (bad.err, "line 3: Field «Объём заказа»: «много»"));
  g_assert_cmpuint (count (f, "deal"), ==, before + 1);

  /* mapped by hand: a field no column is named after, a field that does not exist */
  crm_test_run_cli (&unknown, "--db", f->db, "--as", "admin", "import", "deals", other_path,
                    "--map", "Формат точки=format", NULL);
  g_assert_cmpint (unknown.status, ==, 1);
  g_assert_nonnull (strstr (unknown.err, "«format»"));
  g_assert_cmpuint (count (f, "deal"), ==, before + 1);
  crm_test_run_cli (&mapped, "--db", f->db, "--as", "admin", "import", "deals", other_path,
                    "--map", "Формат точки=Тип бизнеса", NULL);
  g_assert_cmpint (mapped.status, ==, 0);
  g_clear_pointer (&found, json_node_unref);
  g_clear_pointer (&shown, json_object_unref);
  found = crm_test_ctl_ok (f->db, NULL, "deal", "list", NULL);
  shown = crm_test_take_object (crm_test_ctl_ok (f->db, NULL, "deal", "show",
                                                 crm_test_get_string (crm_test_find_object (json_node_get_array (found), "title", "Поставка кофе"), "id"),
                                                 NULL));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (shown, "fields"),
                                                  "business_type"), ==, "HoReCa");
}

static void
test_not_csv (Fixture       *f,
              gconstpointer  data)
{
  /* a cut XLSX (a zip) given as CSV is read as XLSX, a header without a name column, an
   * unclosed quote */
  static const char zip[] = "PK\x03\x04\x14\x00\x00\x00\x08\x00";
  g_autofree char *xlsx = write_file (f, "contacts.xlsx", zip, sizeof zip - 1);
  g_autofree char *nameless = write_file (f, "nameless.csv", "Телефон;Email\n89161234567;a@b.ru\n", -1);
  g_autofree char *unclosed = write_file (f, "unclosed.csv", "Имя;Телефон\n\"Иван;89161234567\n", -1);
  g_auto(CrmTestRun) a = { 0 };
  g_auto(CrmTestRun) b = { 0 };
  g_auto(CrmTestRun) c = { 0 };
  guint before = count (f, "contact");

  import (f, &a, "contacts", xlsx, NULL);
  g_assert_cmpint (a.status, ==, 1);
  g_assert_nonnull (strstr (a.err, "The XLSX file is damaged or cut short"));
  import (f, &b, "contacts", nameless, NULL);
  g_assert_cmpint (b.status, ==, 1);
  g_assert_nonnull (strstr (b.err, "No column holds the name"));
  import (f, &c, "contacts", unclosed, NULL);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_nonnull (strstr (c.err, "Line 2: a quoted cell is never closed"));
  g_assert_cmpuint (count (f, "contact"), ==, before);
}

/* export → import into a new account gives the same contacts and deals */
static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  static const char deals[] =
    "Название;Воронка;Этап;Бюджет;Теги;Ответственный\n"
    "Поставка сыра;Сделки;Встреча;150 000,50;Новый бренд, Акция;Анна Белова\n"
    "Поставка молока;Сделки;Новая сделка;;;Ольга Смирнова\n";
  g_autofree char *amo = write_file (f, "amocrm.csv", amo_contacts, -1);
  g_autofree char *deals_in = write_file (f, "deals.csv", deals, -1);
  g_autofree char *contacts_out = g_build_filename (f->dir, "contacts-out.csv", NULL);
  g_autofree char *deals_out = g_build_filename (f->dir, "deals-out.csv", NULL);
  g_autofree char *vcf = g_build_filename (f->dir, "contacts.vcf", NULL);
  g_autofree char *fresh = g_build_filename (f->dir, "fresh.db", NULL);
  g_autofree char *vcard = NULL;
  g_autofree char *before_contacts = NULL, *before_deals = NULL;
  g_autofree char *after_contacts = NULL, *after_deals = NULL;
  g_auto(CrmTestRun) run = { 0 };

  import (f, &run, "contacts", amo, NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  import (f, &run, "deals", deals_in, NULL);
  g_assert_cmpint (run.status, ==, 0);

  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "export", "contacts", "--out", contacts_out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "export", "deals", "--out", deals_out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "export", "contacts", "--out", vcf, NULL);
  g_assert_cmpint (run.status, ==, 0);

  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", fresh, "init", "--template", "b2b-distributor", NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", fresh, "--as", "admin", "import", "contacts", contacts_out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", fresh, "--as", "admin", "import", "deals", deals_out, NULL);
  g_assert_cmpint (run.status, ==, 0);

  before_contacts = crm_test_list_summary (f->db, "contact");
  after_contacts = crm_test_list_summary (fresh, "contact");
  g_assert_cmpstr (after_contacts, ==, before_contacts);
  before_deals = crm_test_list_summary (f->db, "deal");
  after_deals = crm_test_list_summary (fresh, "deal");
  g_assert_cmpstr (after_deals, ==, before_deals);
  g_assert_nonnull (strstr (before_deals, "Поставка сыра|Сделки|Встреча|150000.50|Анна Белова|"));

  /* vCard: one card per contact, the phones and the company */
  g_assert_true (g_file_get_contents (vcf, &vcard, NULL, NULL));
  g_assert_nonnull (strstr (vcard, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Иванов Пётр\r\n"));
  g_assert_nonnull (strstr (vcard, "TEL;TYPE=VOICE:+79031112234\r\n"));
  g_assert_nonnull (strstr (vcard, "ORG:ООО Ромашка\r\n"));
}

/* contact_token, contact_prefix and contact_phone, every row as "token|contact|position",
 * "prefix|contact|rank|name" and "contact|digits", sorted */
static char *
search_rows (CrmStore *store)
{
  g_autoptr(GPtrArray) tokens = crm_test_column (store,
    "SELECT token || '|' || contact || '|' || position FROM contact_token"
    " ORDER BY token, contact", NULL);
  g_autoptr(GPtrArray) prefixes = crm_test_column (store,
    "SELECT prefix || '|' || contact || '|' || rank || '|' || ifnull (name, '')"
    " FROM contact_prefix ORDER BY prefix, contact", NULL);
  g_autoptr(GPtrArray) phones = crm_test_column (store,
    "SELECT rowid || '|' || digits FROM contact_phone ORDER BY rowid", NULL);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < tokens->len; i++)
    g_string_append_printf (out, "token %s\n", (char *) tokens->pdata[i]);
  for (guint i = 0; i < prefixes->len; i++)
    g_string_append_printf (out, "prefix %s\n", (char *) prefixes->pdata[i]);
  for (guint i = 0; i < phones->len; i++)
    g_string_append_printf (out, "phone %s\n", (char *) phones->pdata[i]);
  return g_string_free (out, FALSE);
}

/* the first contact a search finds, by name; "" when none */
static char *
first_found (CrmStore   *store,
             const char *query,
             gint64     *out_total)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) found = crm_query_contact_search (store, query, 10, 0, out_total, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (found);
  if (json_array_get_length (array) == 0)
    return g_strdup ("");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "name"));
}

/* the search rows name a contact by its rowid (schema 21); ?1 its id */
#define OF_CONTACT " WHERE contact = (SELECT rowid FROM contact WHERE id = ?1)"
#define SEARCH_INDEXES \
  "SELECT count (*) FROM sqlite_schema WHERE type = 'index'" \
  " AND name IN ('contact_prefix_page', 'contact_token_contact')"

/* An import writes the new contacts' search rows after them, set by set
 * (_crm_store_apply_bulk): they are exactly the rows the write path keeps for one contact
 * at a time — every name word with its place, every phone's digits and their tails of four
 * or more, the one-to-three-letter prefixes with the surname's rank —, so searching by the
 * first letters of a name or by four digits of a phone finds the imported contacts. */
static void
test_search_rows (Fixture       *f,
                  gconstpointer  data)
{
  static const char contacts[] =
    "Полное имя;Рабочий телефон;Мобильный телефон;Компания\n"
    "Иванов Пётр;+7 (912) 345-67-89;;ООО Ромашка\n"
    "Иванова Анна-Мария;8 903 111 22 33;8 903 222 67 89;\n"
    "Ёлкин Иван Иванович;;;ООО Ромашка\n"
    "Иван Иванов Иван;+7 912 000 67 89;;\n"
    "Ли Бо 2;+7 495 123-45-67;;\n"
    "O'Brien John;+44 20 7946 0958;;\n";
  g_autofree char *path = write_file (f, "contacts.csv", contacts, -1);
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) again = crm_changeset_new ();
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *ivanov = NULL;
  g_autofree char *bulk = NULL;
  g_autofree char *one_by_one = NULL;
  g_autofree char *found = NULL;
  gint64 total = 0;

  import (f, &run, "contacts", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);

  /* «Иванов Пётр», +79123456789: two words and the number's digits (schema 21: one row of
   * the trigram table, not a token for each tail); «ива», «ив», «и» as a surname (rank 0)
   * and «пет», «пе», «п» (ё folded to е) */
  ivanov = crm_test_resolve (store, "contact", "Иванов Пётр", NULL);
  g_assert_nonnull (ivanov);
  g_assert_cmpint (crm_test_count_sql (store,
                                      "SELECT count (*) FROM contact_token" OF_CONTACT,
                                      ivanov), ==, 2);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact_phone"
                                      " WHERE rowid = (SELECT rowid FROM contact WHERE id = ?1)"
                                      " AND digits = ' 79123456789'", ivanov), ==, 1);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT position FROM contact_token"
                                      OF_CONTACT " AND token = 'петр'", ivanov), ==, 1);
  g_assert_cmpint (crm_test_count_sql (store,
                                      "SELECT count (*) FROM contact_prefix" OF_CONTACT,
                                      ivanov), ==, 2);   /* «ива», «пет» (schema 28) */
  g_assert_cmpint (crm_test_count_sql (store, "SELECT rank FROM contact_prefix"
                                      OF_CONTACT " AND prefix = 'ива'", ivanov), ==, 0);

  /* the first letters of a name, and four digits from the middle of a number */
  found = first_found (store, "Ива", &total);
  g_assert_cmpstr (found, ==, "Иван Иванов Иван");   /* surnames first, then by name */
  g_assert_cmpint (total, ==, 4);   /* Иван, Иванов, Иванова, Ёлкин Иван Иванович */
  g_clear_pointer (&found, g_free);
  found = first_found (store, "Иванов", &total);
  g_assert_cmpstr (found, ==, "Иванов Пётр");
  g_assert_cmpint (total, ==, 4);
  g_clear_pointer (&found, g_free);
  found = first_found (store, "ёлк", &total);
  g_assert_cmpstr (found, ==, "Ёлкин Иван Иванович");
  g_clear_pointer (&found, g_free);
  found = first_found (store, "мари", &total);
  g_assert_cmpstr (found, ==, "Иванова Анна-Мария");
  g_clear_pointer (&found, g_free);
  found = first_found (store, "345-67-8", &total);
  g_assert_cmpstr (found, ==, "Иванов Пётр");
  g_assert_cmpint (total, ==, 1);
  g_clear_pointer (&found, g_free);
  found = first_found (store, "67 89", &total);
  g_assert_cmpint (total, ==, 3);   /* three numbers end in 67-89 */
  g_clear_pointer (&found, g_free);
  found = first_found (store, "7946", &total);
  g_assert_cmpstr (found, ==, "O'Brien John");

  /* a replica with fewer contacts than the file: the search tables' secondary indexes
   * were dropped for the rows and built anew once the import was committed */
  g_assert_cmpint (crm_test_count_sql (store, SEARCH_INDEXES, NULL), ==, 2);

  /* the same contacts written again one at a time by the write path (their names and
   * phones set anew, which rewrites their search rows): not a row more or less */
  bulk = search_rows (store);
  ids = crm_test_column (store, "SELECT id FROM contact WHERE deleted = 0", NULL);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(JsonObject) contact = crm_store_dup_entity (store, "contact", ids->pdata[i]);
      CrmChange *change = crm_changeset_touch (again, "contact", ids->pdata[i]);

      crm_change_set_node (change, "name",
                           json_node_copy (json_object_get_member (contact, "name")));
      crm_change_set_node (change, "phones",
                           json_node_copy (json_object_get_member (contact, "phones")));
    }
  crm_store_apply (store, again, &error);
  g_assert_no_error (error);
  one_by_one = search_rows (store);
  g_assert_cmpstr (bulk, ==, one_by_one);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact_token", NULL), >, 12);
  /* one row for each of the five contacts with a number */
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact_phone", NULL), ==, 5);

  /* an import cut off between its commit and building those indexes: the replica's next
   * opening builds them, and the search finds what it found */
  g_clear_object (&store);
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "DROP INDEX contact_prefix_page; DROP INDEX contact_token_contact",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (store, SEARCH_INDEXES, NULL), ==, 2);
  g_clear_pointer (&found, g_free);
  found = first_found (store, "Ива", &total);
  g_assert_cmpstr (found, ==, "Иван Иванов Иван");
  g_assert_cmpint (total, ==, 4);
}

static void
record_progress (guint    done,
                 guint    total,
                 gpointer user_data)
{
  GArray *seen = user_data;
  guint pair[2] = { done, total };

  g_array_append_vals (seen, pair, 2);
}

/* 1 200 contacts: the progress an import reports moves on while its rows are written (nine
 * tenths of the work, most of its time — the app's bar stood at the end through it), never
 * goes back, and ends at its whole; a dry run's ends when the rows are read. On a terminal
 * voronkactl shows it on one line of standard error; elsewhere it prints none. */
static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GString) csv = g_string_new ("Имя;Телефон\n");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_auto(CrmTestRun) run = { 0 };

  for (guint i = 0; i < 1200; i++)
    g_string_append_printf (csv, "Клиент %u;+7 912 %03u-%02u-%02u\n", i, i / 100, i % 100, 7);
  path = write_file (f, "many.csv", csv->str, -1);
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);

  for (guint dry = 0; dry < 2; dry++)
    {
      g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr(JsonNode) report = NULL;
      g_autoptr(GError) import_error = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;
      CrmImportOptions options = { 0 };
      guint total, last = 0;
      gboolean mid_write = FALSE;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      options.entity = "contact";
      options.dry_run = dry == 0;
      options.progress = record_progress;
      options.progress_data = seen;
      g_assert_true (crm_import_csv (store, &options, contents, length, &report,
                                     &import_error));
      g_assert_no_error (import_error);
      g_assert_cmpuint (seen->len, >=, 4);
      total = g_array_index (seen, guint, 1);
      g_assert_cmpuint (total, ==, options.dry_run ? 1200 : 12000);
      for (guint i = 0; i < seen->len; i += 2)
        {
          guint done = g_array_index (seen, guint, i);

          g_assert_cmpuint (g_array_index (seen, guint, i + 1), ==, total);
          g_assert_cmpuint (done, >=, last);
          g_assert_cmpuint (done, <=, total);
          if (done > 1200 && done < total)
            mid_write = TRUE;
          last = done;
        }
      g_assert_cmpuint (last, ==, total);
      g_assert_true (options.dry_run ? !mid_write : mid_write);
    }
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact WHERE deleted = 0",
                                       NULL), ==, 1200);

  /* voronkactl: nothing of it when standard error is not a terminal … */
  g_clear_object (&store);
  g_string_printf (csv, "Имя;Телефон\nВера Терминалова;+7 912 555-00-01\n");
  g_clear_pointer (&path, g_free);
  path = write_file (f, "one.csv", csv->str, -1);
  import (f, &run, "contacts", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.err, "Importing"));
  /* … and on one (a pseudo-terminal made by script(1)): up to 100 % */
  g_string_printf (csv, "Имя;Телефон\nГлеб Терминалов;+7 912 555-00-02\n");
  g_clear_pointer (&path, g_free);
  path = write_file (f, "two.csv", csv->str, -1);
  {
    g_autofree char *command = g_strdup_printf ("%s --db %s --as admin import contacts %s",
                                                g_getenv ("VORONKACTL"), f->db, path);
    g_autofree char *quoted = g_shell_quote (command);
    g_autofree char *out = NULL;
    g_autofree char *shell = g_strdup_printf ("script -q -e -c %s /dev/null", quoted);
    int status = -1;

    g_assert_true (g_spawn_command_line_sync (shell, &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "Importing… 100 %"));
  }
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact WHERE deleted = 0",
                                       NULL), ==, 1202);
}

/* What another connection to the replica sees at each call of the progress: the
 * contacts committed and how many of the two search indexes exist. */
typedef struct {
  sqlite3 *db;
  GArray  *calls; /* guint ×4: done, total, contacts, indexes */
} Watch;

static guint
watch_count (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  guint n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
watch_progress (guint    done,
                guint    total,
                gpointer user_data)
{
  Watch *watch = user_data;
  guint call[4] = {
    done, total, watch_count (watch->db, "SELECT count (*) FROM contact"),
    watch_count (watch->db, SEARCH_INDEXES),
  };

  g_array_append_vals (watch->calls, call, 4);
}

/* 1 500 contacts into a replica with none: the search indexes are dropped and built after
 * the commit (a tenth of a large import's time, when the app's bar stood at its end). The
 * progress counts that build: once the contacts are committed and the indexes are not all
 * there, it is short of its whole, and it reaches it only when both are built. */
static void
test_progress_counts_indexes (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GString) csv = g_string_new ("Имя;Телефон\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) report = NULL;
  Watch watch = { NULL, g_array_new (FALSE, FALSE, sizeof (guint)) };
  CrmImportOptions options = { 0 };
  guint committed_short = 0, last_done = 0;

  for (guint i = 0; i < 1500; i++)
    g_string_append_printf (csv, "Клиентка %u;+7 913 %03u-%02u-%02u\n", i, i / 100, i % 100, 5);
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (f->db, &watch.db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpuint (watch_count (watch.db, "SELECT count (*) FROM contact"), ==, 0);
  g_assert_cmpuint (watch_count (watch.db, SEARCH_INDEXES), ==, 2);

  options.entity = "contact";
  options.progress = watch_progress;
  options.progress_data = &watch;
  g_assert_true (crm_import_csv (store, &options, csv->str, csv->len, &report, &error));
  g_assert_no_error (error);
  sqlite3_close (watch.db);

  g_assert_cmpuint (watch.calls->len, >=, 4 * 4);
  for (guint i = 0; i < watch.calls->len; i += 4)
    {
      guint *call = &g_array_index (watch.calls, guint, i);

      g_assert_cmpuint (call[0], >=, last_done);
      g_assert_cmpuint (call[0], <=, call[1]);
      last_done = call[0];
      /* the whole only once everything is there to be searched */
      if (call[0] == call[1])
        {
          g_assert_cmpuint (call[2], ==, 1500);
          g_assert_cmpuint (call[3], ==, 2);
        }
      else if (call[2] == 1500 && call[3] < 2)
        committed_short++;
    }
  g_assert_cmpuint (last_done, ==, g_array_index (watch.calls, guint, 1));
  /* the build told at its start and between the two indexes */
  g_assert_cmpuint (committed_short, >=, 2);
  g_array_unref (watch.calls);
}


/* @sql's count in a copy of the replica's file alone, without its WAL: what a backup that
 * copies the file holds */
static guint
count_in_file_alone (Fixture    *f,
                     const char *sql)
{
  g_autofree char *copy = g_build_filename (f->dir, "alone.db", NULL);
  g_autofree char *bytes = NULL;
  gsize length = 0;
  sqlite3 *db = NULL;
  guint n;

  g_assert_true (g_file_get_contents (f->db, &bytes, &length, NULL));
  g_assert_true (g_file_set_contents (copy, bytes, (gssize) length, NULL));
  g_assert_cmpint (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  n = watch_count (db, sql);
  sqlite3_close (db);   /* the last connection: its empty WAL goes with it */
  g_assert_cmpint (g_remove (copy), ==, 0);
  return n;
}

/* 5 000 contacts into a replica with none: the search indexes are dropped and built after
 * the commit, three commits, and the WAL is copied back into the replica once, after the
 * last. When import returns the replica's file holds the contacts and both indexes, as it
 * did when SQLite copied after each commit. A store whose front end defers checkpoints
 * (the app's, data = TRUE) is left deferring them: the file holds the import once the
 * front end checkpoints, not before. */
static void
test_wal_copied_back (Fixture       *f,
                      gconstpointer  data)
{
  gboolean deferred = GPOINTER_TO_INT (data);
  g_autoptr(GString) csv = g_string_new ("Имя;Телефон;Компания\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) report = NULL;
  CrmImportOptions options = { 0 };

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (csv, "Клиент %u;+7 914 %03u-%02u-%02u;ООО «Лютик %u»\n", i,
                            i / 100, i % 100, 7, i % 500);
  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  if (deferred)
    crm_store_set_deferred_checkpoints (store, TRUE);
  options.entity = "contact";
  g_assert_true (crm_import_csv (store, &options, csv->str, csv->len, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (crm_test_count_sql (store, "SELECT count (*) FROM contact", NULL), ==, 5000);

  if (deferred)
    {
      g_assert_cmpuint (count_in_file_alone (f, "SELECT count (*) FROM contact"), ==, 0);
      g_assert_true (crm_store_checkpoint (store, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (count_in_file_alone (f, "SELECT count (*) FROM contact"), ==, 5000);
  g_assert_cmpuint (count_in_file_alone (f, "SELECT count (*) FROM company"), ==, 500);
  g_assert_cmpuint (count_in_file_alone (f, SEARCH_INDEXES), ==, 2);
}

/* A bulk apply's new contacts and companies get their field clocks without a clocks
 * object made for each (_crm_clocks_encode_fields): read back, every field of each op is
 * at that op's clock and no other field has one, as a change written alone gets; a later
 * change of one field moves that field's clock alone. */
static void
test_bulk_clocks (Fixture       *f,
                  gconstpointer  data)
{
  static const char csv[] = "Имя;Телефон;Email;Компания\n"
                            "Анна;+7 915 100-00-01;anna@example.ru;ООО Ромашка\n"
                            "Борис;+7 915 100-00-02;;ООО Лютик\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(CrmChangeset) rename = crm_changeset_new ();
  g_autoptr(JsonObject) renamed = NULL;
  g_autofree char *anna = NULL;
  g_autofree char *anna_clock = NULL;
  CrmImportOptions options = { 0 };
  GPtrArray *ops;
  guint n_people = 0;

  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  options.entity = "contact";
  g_assert_true (crm_import_csv (store, &options, csv, strlen (csv), &report, &error));
  g_assert_no_error (error);

  ops = crm_store_get_last_ops (store);
  for (guint i = 0; i < ops->len; i++)
    {
      CrmOp *op = ops->pdata[i];
      g_autofree char *hex = NULL;
      g_autofree char *clock = NULL;
      g_autoptr(JsonObject) clocks = NULL;
      g_autoptr(GList) fields = NULL;

      if (!g_str_equal (op->entity, "contact") && !g_str_equal (op->entity, "company"))
        continue;
      n_people++;
      hex = crm_hlc_to_string (op->hlc);
      clock = g_strconcat (hex, " ", op->device, NULL);
      clocks = _crm_store_dup_clocks (store, op->entity, op->entity_id);
      g_assert_nonnull (clocks);
      g_assert_cmpuint (json_object_get_size (clocks), ==, json_object_get_size (op->fields));
      fields = json_object_get_members (op->fields);
      for (GList *l = fields; l != NULL; l = l->next)
        g_assert_cmpstr (json_object_get_string_member_with_default (clocks, l->data, NULL),
                         ==, clock);
      if (g_str_equal (op->entity, "contact") &&
          g_strcmp0 (json_object_get_string_member_with_default (op->fields, "name", NULL),
                     "Анна") == 0)
        {
          anna = g_strdup (op->entity_id);
          anna_clock = g_steal_pointer (&clock);
        }
    }
  g_assert_cmpuint (n_people, ==, 4);   /* two contacts, their two companies */
  g_assert_nonnull (anna);

  crm_change_set_string (crm_changeset_touch (rename, "contact", anna), "name", "Анна Петровна");
  g_assert_true (crm_store_apply (store, rename, &error));
  g_assert_no_error (error);
  renamed = _crm_store_dup_clocks (store, "contact", anna);
  g_assert_cmpstr (json_object_get_string_member (renamed, "emails"), ==, anna_clock);
  g_assert_cmpstr (json_object_get_string_member (renamed, "phones"), ==, anna_clock);
  g_assert_cmpstr (json_object_get_string_member (renamed, "name"), !=, anna_clock);
}

/* The companies contacts name, by name in any case: into a replica with none, the file's
 * «ООО Ромашка» and «ооо ромашка» are one new company; into one that has it, a second file
 * naming it finds it (and makes only the company it does not have). */
static void
test_companies_by_name (Fixture       *f,
                        gconstpointer  data)
{
  static const char first[] = "Имя;Компания\n"
                              "Анна;ООО Ромашка\nБорис;ооо ромашка\nВера;ООО Ромашка\n";
  static const char second[] = "Имя;Компания\nГалина;ООО Ромашка\nДенис;ЗАО Лютик\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(JsonNode) again = NULL;
  CrmImportOptions options = { 0 };
  const char *same = "SELECT count (DISTINCT company) FROM contact WHERE company IS NOT NULL"
                     " AND name IN ('Анна', 'Борис', 'Вера', 'Галина')";

  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (crm_test_count_sql (store, "SELECT count (*) FROM company", NULL), ==, 0);
  options.entity = "contact";
  g_assert_true (crm_import_csv (store, &options, first, strlen (first), &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (crm_test_count_sql (store, "SELECT count (*) FROM company", NULL), ==, 1);

  g_assert_true (crm_import_csv (store, &options, second, strlen (second), &again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (crm_test_count_sql (store, "SELECT count (*) FROM company", NULL), ==, 2);
  g_assert_cmpuint (crm_test_count_sql (store, same, NULL), ==, 1);
}


/* A new contact naming @company (NULL: none) and @responsible (NULL: none) */
static void
add_contact (CrmChangeset *changeset,
             const char   *name,
             const char   *company,
             const char   *responsible)
{
  g_autofree char *id = crm_uuid_v7_new (g_get_real_time () / 1000);
  CrmChange *change = crm_changeset_touch (changeset, "contact", id);

  crm_change_set_string (change, "name", name);
  if (company != NULL)
    crm_change_set_string (change, "company", company);
  if (responsible != NULL)
    crm_change_set_string (change, "responsible", responsible);
}

/* A bulk apply (an import's) looks up each company, user… its contacts name once
 * (_crm_store_reference_known): 300 contacts of one new company go in; a contact naming
 * a company that is not there is still refused after 300 that named one that is, and so is
 * one whose company is the id of a user the others named as responsible (what was found
 * is found as what it was). Refused, nothing is written. */
static void
test_references_found_once (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) good = crm_changeset_new ();
  g_autoptr(CrmChangeset) missing = crm_changeset_new ();
  g_autoptr(CrmChangeset) user_as_company = crm_changeset_new ();
  g_autofree char *company = crm_uuid_v7_new (g_get_real_time () / 1000);
  g_autofree char *nowhere = crm_uuid_v7_new (g_get_real_time () / 1000);
  g_autofree char *admin = NULL;
  CrmChange *change;

  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  admin = crm_query_resolve (store, "user", "admin", NULL, &error);
  g_assert_no_error (error);

  change = crm_changeset_touch (good, "company", company);
  crm_change_set_string (change, "name", "ООО Ромашка");
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *name = g_strdup_printf ("Клиент %u", i);

      add_contact (good, name, company, admin);
    }
  g_assert_true (_crm_store_apply_bulk (store, good, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact WHERE company = ?1",
                                      company), ==, 300);

  for (guint i = 0; i < 300; i++)
    add_contact (missing, "Клиентка", company, admin);
  add_contact (missing, "Клиентка без компании", nowhere, NULL);
  g_assert_false (_crm_store_apply_bulk (store, missing, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);

  for (guint i = 0; i < 300; i++)
    add_contact (user_as_company, "Клиентка", company, admin);
  add_contact (user_as_company, "Клиентка пользователя", admin, admin);
  g_assert_false (_crm_store_apply_bulk (store, user_as_company, NULL, NULL, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "names a company"));
  g_assert_nonnull (strstr (error->message, admin));
  g_clear_error (&error);

  /* the two refused: nothing of theirs */
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact", NULL), ==, 300);
}

/* report_day and report_month of a replica, one text */
#define REPORT_TOTALS \
  "SELECT (SELECT group_concat (x, ';') FROM (SELECT what || '|' || day || '|' || pipeline" \
  " || '|' || employee || '|' || n || '|' || amount AS x FROM report_day ORDER BY 1))" \
  " || ' / ' || (SELECT group_concat (x, ';') FROM (SELECT what || '|' || month || '|'" \
  " || pipeline || '|' || employee || '|' || n || '|' || amount AS x FROM report_month" \
  " ORDER BY 1))"

static char *
report_totals (CrmStore *store)
{
  g_autoptr(GPtrArray) totals = crm_test_column (store, REPORT_TOTALS, NULL);

  g_assert_cmpuint (totals->len, ==, 1);
  return g_strdup (totals->pdata[0]);
}

/* @entity's rows of @from as one change set's changes with the same ids and @fields */
static void
copy_rows (CrmStore           *from,
           CrmChangeset       *changeset,
           const char         *entity,
           const char * const *fields)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM %s ORDER BY rowid", entity);
  g_autoptr(GPtrArray) ids = crm_test_column (from, sql, NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(JsonObject) row = crm_store_dup_entity (from, entity, ids->pdata[i]);
      CrmChange *change = crm_changeset_touch (changeset, entity, ids->pdata[i]);

      g_assert_nonnull (row);
      for (guint f = 0; fields[f] != NULL; f++)
        if (json_object_has_member (row, fields[f]) &&
            !JSON_NODE_HOLDS_NULL (json_object_get_member (row, fields[f])))
          crm_change_set_node (change, fields[f],
                               json_node_copy (json_object_get_member (row, fields[f])));
    }
}

/* Contacts and companies imported into a replica that holds fewer are written with the
 * connection's triggers off and the report totals computed once before the commit: the
 * same report_day and report_month as the same rows written one change at a time with
 * the triggers on, and the triggers are on again after the import. With a rule that
 * writes a notification for each new contact (data: TRUE), every total is computed. */
static void
test_bulk_totals (Fixture       *f,
                  gconstpointer  data)
{
  static const char *responsible[] = { "Ольга Смирнова", "Никита Орлов", "" };
  static const char * const company_fields[] = { "name", "inn", "responsible", "created_at", NULL };
  static const char * const contact_fields[] = { "name", "phones", "emails", "company",
                                                 "responsible", "created_at", NULL };
  g_autoptr(GString) csv = g_string_new ("Полное имя;Мобильный телефон;Компания;Ответственный\n");
  g_autofree char *copy = g_build_filename (f->dir, "one-by-one.db", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (f->db);
  g_autoptr(GFile) target = g_file_new_for_path (copy);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmStore) other = NULL;
  g_autoptr(CrmChangeset) same = crm_changeset_new ();
  g_autoptr(CrmChangeset) one_more = crm_changeset_new ();
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *admin = NULL;
  g_autofree char *bulk = NULL;
  g_autofree char *one_by_one = NULL;
  g_autofree char *more_id = crm_uuid_v7_new (g_get_real_time () / 1000);
  CrmImportOptions options = { 0 };
  CrmChange *more;

  if (GPOINTER_TO_INT (data))
    {
      /* a rule that writes something else for every new contact: a notification */
      g_autofree char *rules = write_file (f, "rules.json",
        "[{\"name\": \"Новый контакт\", \"trigger\": {\"type\": \"contact_created\"},"
        "  \"actions\": [{\"type\": \"notify\", \"user\": \"admin\","
        "                 \"text\": \"Новый контакт\"}]}]", -1);
      g_auto(CrmTestRun) run = { 0 };

      crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "rule", "import", rules, NULL);
      g_assert_cmpint (run.status, ==, 0);
    }
  g_assert_true (g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 60; i++)
    g_string_append_printf (csv, "Контактов Контакт %u;+7 900 %03u 11 22;ООО Фирма %u;%s\n",
                            i, i, i % 7, responsible[i % 3]);

  store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  admin = crm_query_resolve (store, "user", "admin", NULL, &error);
  g_assert_no_error (error);
  options.entity = "contact";
  options.actor_id = admin;
  g_assert_true (crm_import_csv (store, &options, csv->str, csv->len, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (report), "created"), ==, 60);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT sum (n) FROM report_day"
                                      " WHERE what = 'contact'", NULL), ==, 60);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT sum (n) FROM report_month"
                                      " WHERE what = 'company'", NULL), ==, 7);
  /* three people were responsible for them: a day's row each */
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM report_day"
                                      " WHERE what = 'contact'", NULL), ==, 3);

  /* the same companies and contacts, one change at a time into a copy made before */
  copy_rows (store, same, "company", company_fields);
  copy_rows (store, same, "contact", contact_fields);
  other = crm_store_open (copy, &error);
  g_assert_no_error (error);
  g_assert_true (crm_store_apply (other, same, &error));
  g_assert_no_error (error);
  bulk = report_totals (store);
  one_by_one = report_totals (other);
  g_assert_cmpstr (bulk, ==, one_by_one);
  if (GPOINTER_TO_INT (data))
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM notification", NULL),
                     ==, 60);

  /* the triggers work again on the connection that imported */
  more = crm_changeset_touch (one_more, "contact", more_id);
  crm_change_set_string (more, "name", "Ещё Один");
  crm_change_set_int (more, "created_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, one_more, &error));
  g_assert_no_error (error);
  g_assert_true (crm_store_apply (other, one_more, &error));
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT sum (n) FROM report_day"
                                      " WHERE what = 'contact'", NULL), ==, 61);
  g_clear_pointer (&bulk, g_free);
  g_clear_pointer (&one_by_one, g_free);
  bulk = report_totals (store);
  one_by_one = report_totals (other);
  g_assert_cmpstr (bulk, ==, one_by_one);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/import/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("amocrm-contacts", test_amocrm_contacts);
  ADD ("bitrix-windows-1251", test_bitrix_windows_1251);
  ADD ("deals", test_deals);
  ADD ("custom-fields", test_custom_fields);
  ADD ("not-csv", test_not_csv);
  ADD ("round-trip", test_round_trip);
  ADD ("search-rows", test_search_rows);
  ADD ("progress", test_progress);
  ADD ("progress-counts-indexes", test_progress_counts_indexes);
  ADD ("references-found-once", test_references_found_once);
  ADD ("companies-by-name", test_companies_by_name);
  ADD ("bulk-clocks", test_bulk_clocks);
  g_test_add ("/import/wal-copied-back", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_wal_copied_back, fixture_tear_down);
  g_test_add ("/import/wal-copied-back-deferred", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_wal_copied_back, fixture_tear_down);
  g_test_add ("/import/bulk-totals", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_bulk_totals, fixture_tear_down);
  g_test_add ("/import/bulk-totals-rule-writes", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_bulk_totals, fixture_tear_down);
#undef ADD

  return g_test_run ();
}
