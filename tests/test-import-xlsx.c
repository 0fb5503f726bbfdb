/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-import-xlsx.c — moving in from XLSX (issue 20) through `voronkactl import`: tables
 * shaped like amoCRM's and Bitrix24's exports (Russian headers, phones saved as numbers,
 * dates as day serials under a date format, shared and inline strings), written here with
 * libxlsxwriter, with deliberate errors; a truncated file; and an XLSX export read back
 * into a new account. All or nothing: after a refusal the replica holds what it held. */
#include <string.h>

#include <xlsxwriter.h>

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

static void
import (Fixture    *f,
        CrmTestRun *run,
        const char *what,
        const char *path,
        const char *extra)
{
  crm_test_run_cli (run, "--db", f->db, "--as", "admin", "import", what, path,
                    extra != NULL ? extra : "--format=xlsx", NULL);
}

static guint
count (Fixture    *f,
       const char *what)
{
  return crm_test_take_length (crm_test_ctl_ok (f->db, NULL, what, "list", NULL));
}

/* A cell: a string, a number ("#79123456789"), a date ("@2026-03-02") or empty (NULL). */
static void
write_cell (lxw_worksheet *sheet,
            lxw_format    *date_format,
            lxw_row_t      row,
            lxw_col_t      col,
            const char    *cell)
{
  if (cell == NULL)
    return;
  if (cell[0] == '#')
    g_assert_cmpint (worksheet_write_number (sheet, row, col, g_ascii_strtod (cell + 1, NULL), NULL),
                     ==, LXW_NO_ERROR);
  else if (cell[0] == '@')
    {
      lxw_datetime when = { 0 };

      g_assert_cmpint (sscanf (cell + 1, "%d-%d-%d", &when.year, &when.month, &when.day), ==, 3);
      g_assert_cmpint (worksheet_write_datetime (sheet, row, col, &when, date_format), ==,
                       LXW_NO_ERROR);
    }
  else
    g_assert_cmpint (worksheet_write_string (sheet, row, col, cell, NULL), ==, LXW_NO_ERROR);
}

/* Writes @rows (@n_columns cells each, the header first) to @name in the test's folder.
 * @inline_strings: libxlsxwriter's constant-memory mode, which writes every text inline
 * (<is>) as some exporters do, instead of the shared strings Excel writes. */
static char *
write_xlsx (Fixture           *f,
            const char        *name,
            gboolean           inline_strings,
            const char *const *rows,
            guint              n_columns)
{
  char *path = g_build_filename (f->dir, name, NULL);
  lxw_workbook_options options = { .constant_memory = inline_strings, .tmpdir = f->dir };
  lxw_workbook *book = workbook_new_opt (path, &options);
  lxw_worksheet *sheet = workbook_add_worksheet (book, "Лист1");
  lxw_format *date_format = workbook_add_format (book);

  format_set_num_format (date_format, "dd.mm.yyyy");
  for (guint i = 0; rows[i * n_columns] != NULL || i == 0; i++)
    for (guint c = 0; c < n_columns; c++)
      write_cell (sheet, date_format, i, c, rows[i * n_columns + c]);
  g_assert_cmpint (workbook_close (book), ==, LXW_NO_ERROR);
  return path;
}

/* amoCRM's contact export: «Полное имя», phones by kind (one saved as a number), an
 * e-mail, a company two contacts share, the responsible, a birthday under a date format
 * (a custom field the account adds), a column no field takes */
static const char *const amo_contacts[] = {
  "Полное имя", "Рабочий телефон", "Мобильный телефон", "Рабочий email", "Компания",
    "Ответственный", "Дата рождения", "Примечание",
  "Иванов Пётр", "#79123456789", NULL, "petr@romashka.ru", "ООО Ромашка",
    "Ольга Смирнова", "@1985-07-14", "звонить после обеда",
  "Сидорова Анна", "8 903 111 22 33", "#89031112234", NULL, "ООО Ромашка",
    NULL, NULL, NULL,
  NULL,
};

static void
test_amocrm_contacts (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_auto(CrmTestRun) field = { 0 };
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) again = { 0 };
  g_autoptr(JsonNode) contacts = NULL;
  g_autoptr(JsonObject) shown = NULL;
  JsonObject *ivanov, *sidorova;
  guint before = count (f, "contact");

  crm_test_run_cli (&field, "--db", f->db, "--as", "admin", "field", "add", "birthday",
                    "--entity", "contact", "--label", "Дата рождения", "--type", "date", NULL);
  g_assert_cmpint (field.status, ==, 0);
  path = write_xlsx (f, "amocrm.xlsx", FALSE, amo_contacts, 8);

  import (f, &run, "contacts", path, "--format=amocrm");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Column «Примечание» ignored"));
  g_assert_nonnull (strstr (run.out, "2 imported"));

  contacts = crm_test_ctl_ok (f->db, NULL, "contact", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (contacts)), ==, before + 2);
  ivanov = crm_test_find_object (json_node_get_array (contacts), "name", "Иванов Пётр");
  sidorova = crm_test_find_object (json_node_get_array (contacts), "name", "Сидорова Анна");
  g_assert_nonnull (ivanov);
  g_assert_nonnull (sidorova);
  /* a phone saved as a number is still the phone */
  g_assert_true (crm_test_has_string (json_object_get_array_member (ivanov, "phones"),
                                      "+79123456789"));
  g_assert_true (crm_test_has_string (json_object_get_array_member (ivanov, "emails"),
                                      "petr@romashka.ru"));
  g_assert_true (crm_test_has_string (json_object_get_array_member (sidorova, "phones"),
                                      "+79031112234"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sidorova, "phones")),
                    ==, 2);
  g_assert_cmpstr (json_object_get_string_member (ivanov, "company_id"), ==,
                   json_object_get_string_member (sidorova, "company_id"));
  /* the day serial under «dd.mm.yyyy» is the day */
  shown = crm_test_take_object (crm_test_ctl_ok (f->db, NULL, "contact", "show",
                                                 crm_test_get_string (ivanov, "id"), NULL));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (shown, "fields"),
                                                                  "birthday"), "1985-07-14"));

  /* the same table again: duplicates, named by the sheet's row numbers; nothing written */
  import (f, &again, "contacts", path, NULL);
  g_assert_cmpint (again.status, ==, 1);
  g_assert_nonnull (strstr (again.err, "line 2: Phone +79123456789 is already Иванов Пётр's"));
  g_assert_nonnull (strstr (again.err, "line 3: Phone +79031112233"));
  g_assert_nonnull (strstr (again.err, "2 rows are wrong; nothing was imported"));
  g_assert_cmpuint (count (f, "contact"), ==, before + 2);
}

/* Bitrix24's deal export, every text inline: «Название сделки», «Направление», «Стадия
 * сделки», «Сумма» as a number, the responsible, tags */
static const char *const bitrix_deals[] = {
  "Название сделки", "Направление", "Стадия сделки", "Сумма", "Ответственный", "Теги",
  "Поставка сыра", "Сделки", "Встреча", "#150000.5", "Анна Белова", "Новый бренд, Акция",
  "Поставка молока", "Сделки", "Новая сделка", NULL, "Ольга Смирнова", NULL,
  NULL,
};

static const char *const bitrix_bad_deals[] = {
  "Название сделки", "Направление", "Стадия сделки", "Сумма",
  "Поставка 2", "Сделки", "Нет такого этапа", "#100",
  "Поставка 3", "Сделки", "Встреча", "сто рублей",
  "Поставка 4", "Сделки", "Встреча", "#200",
  NULL,
};

static void
test_bitrix_deals (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = write_xlsx (f, "bitrix.xlsx", TRUE, bitrix_deals, 6);
  g_autofree char *bad_path = write_xlsx (f, "bitrix-bad.xlsx", TRUE, bitrix_bad_deals, 4);
  g_auto(CrmTestRun) dry = { 0 };
  g_auto(CrmTestRun) run = { 0 };
  g_auto(CrmTestRun) bad = { 0 };
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonNode) report = NULL;
  JsonObject *deal;
  guint before = count (f, "deal");

  /* a dry run reads and checks the table and writes nothing */
  crm_test_run_cli (&dry, "--db", f->db, "--as", "admin", "--json", "import", "deals", path,
                    "--format=bitrix24", "--dry-run", NULL);
  g_assert_cmpint (dry.status, ==, 0);
  report = crm_test_parse_json (dry.out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (report), "rows"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (report), "columns"),
                                                  "Стадия сделки"), ==, "stage");
  g_assert_cmpuint (count (f, "deal"), ==, before);

  import (f, &run, "deals", path, "--format=bitrix24");
  g_assert_cmpint (run.status, ==, 0);
  found = crm_test_ctl_ok (f->db, NULL, "deal", "list", "--tag", "Новый бренд", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
  deal = json_array_get_object_element (json_node_get_array (found), 0);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Поставка сыра");
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Встреча");
  g_assert_cmpstr (json_object_get_string_member (deal, "amount"), ==, "150000.50");
  g_assert_cmpstr (json_object_get_string_member (deal, "responsible"), ==, "Анна Белова");
  g_assert_cmpuint (count (f, "deal"), ==, before + 2);

  /* an unknown stage and an amount in words: both rows named, the good third not written */
  import (f, &bad, "deals", bad_path, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "line 2: Stage:"));
  g_assert_nonnull (strstr (bad.err, "Нет такого этапа"));
  g_assert_nonnull (strstr (bad.err, "line 3: «сто рублей» is not an amount"));
  g_assert_nonnull (strstr (bad.err, "2 rows are wrong; nothing was imported"));
  g_assert_cmpuint (count (f, "deal"), ==, before + 2);
}

/* A file cut short in the middle (a download that stopped), a CSV named as XLSX, a zip
 * that holds no spreadsheet: each refused with its cause, nothing written. */
static void
test_damaged (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = write_xlsx (f, "whole.xlsx", FALSE, amo_contacts, 8);
  g_autofree char *bytes = NULL;
  g_autofree char *cut = g_build_filename (f->dir, "cut.xlsx", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "table.csv", NULL);
  g_autofree char *empty_zip = g_build_filename (f->dir, "empty.zip", NULL);
  /* a zip with no entries: its end-of-directory record alone */
  static const char zip_end[] = "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
  static const char zip_head[] = "PK\x03\x04";
  g_auto(CrmTestRun) a = { 0 };
  g_auto(CrmTestRun) b = { 0 };
  g_auto(CrmTestRun) c = { 0 };
  gsize length = 0;
  guint before = count (f, "contact");

  g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
  g_assert_true (g_file_set_contents (cut, bytes, (gssize) (length / 2), NULL));
  import (f, &a, "contacts", cut, NULL);
  g_assert_cmpint (a.status, ==, 1);
  g_assert_nonnull (strstr (a.err, "The XLSX file is damaged or cut short"));
  g_assert_nonnull (strstr (a.err, "save it again"));

  g_assert_true (g_file_set_contents (csv, "Имя;Телефон\nИван;89161234567\n", -1, NULL));
  import (f, &b, "contacts", csv, "--format=xlsx");
  g_assert_cmpint (b.status, ==, 1);
  g_assert_nonnull (strstr (b.err, "This is not an XLSX file"));

  {
    /* starts like a zip entry, so it is taken as XLSX; then only the directory's end */
    g_autoptr(GByteArray) zip = g_byte_array_new ();

    g_byte_array_append (zip, (const guint8 *) zip_head, sizeof zip_head - 1);
    g_byte_array_append (zip, (const guint8 *) zip_end, sizeof zip_end - 1);
    g_assert_true (g_file_set_contents (empty_zip, (const char *) zip->data, zip->len, NULL));
  }
  import (f, &c, "contacts", empty_zip, NULL);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_null (strstr (c.err, "imported"));
  g_assert_true (strstr (c.err, "damaged or cut short") != NULL ||
                 strstr (c.err, "holds no spreadsheet") != NULL);

  g_assert_cmpuint (count (f, "contact"), ==, before);
}

/* `export … --out FILE.xlsx` (a title line, then the header) read back by `import` into a
 * new account, told to be XLSX by its content alone (no --format): the same contacts and
 * deals */
static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *contacts_in = write_xlsx (f, "amocrm.xlsx", FALSE, amo_contacts, 8);
  g_autofree char *deals_in = write_xlsx (f, "bitrix.xlsx", TRUE, bitrix_deals, 6);
  g_autofree char *contacts_out = g_build_filename (f->dir, "contacts-out.xlsx", NULL);
  g_autofree char *deals_out = g_build_filename (f->dir, "deals-out.xlsx", NULL);
  g_autofree char *fresh = g_build_filename (f->dir, "fresh.db", NULL);
  g_autofree char *before_contacts = NULL, *before_deals = NULL;
  g_autofree char *after_contacts = NULL, *after_deals = NULL;
  g_auto(CrmTestRun) run = { 0 };

  import (f, &run, "contacts", contacts_in, NULL);
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
  g_assert_nonnull (strstr (before_contacts, "Иванов Пётр|+79123456789,|petr@romashka.ru,|ООО Ромашка|"));
  before_deals = crm_test_list_summary (f->db, "deal");
  after_deals = crm_test_list_summary (fresh, "deal");
  g_assert_cmpstr (after_deals, ==, before_deals);
  g_assert_nonnull (strstr (before_deals, "Поставка сыра|Сделки|Встреча|150000.50|Анна Белова|"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/import-xlsx/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("amocrm-contacts", test_amocrm_contacts);
  ADD ("bitrix24-deals", test_bitrix_deals);
  ADD ("damaged", test_damaged);
  ADD ("round-trip", test_round_trip);
#undef ADD

  return g_test_run ();
}
