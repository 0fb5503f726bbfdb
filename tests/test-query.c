/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-query.c — the read side (crm-query.c) over a replica built through
 * crm_store_apply(): name lookups, pipelines in order, deal paging with totals, tag and
 * open filters, Cyrillic prefix search. */
#include <string.h>

#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-search.h"
#include "crm-test-util.h"
#include "crm-time.h"

#define NOW_MS ((gint64) 1772445600000)  /* 2026-03-02T10:00:00Z */

typedef struct {
  char     *dir;
  CrmStore *store;
  char     *pipeline;
  char     *stage[3];      /* unsorted, open, won */
  char     *tag[3];        /* Volvo, Krone, MAN */
  GPtrArray *deals;        /* ids, in creation order */
} Fixture;

static void
apply (Fixture      *f,
       CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

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
  CrmChange *change = crm_changeset_create (changeset, entity, id);

  crm_change_set_string (change, "name", name);
  return id;
}

/* A deal in stage @stage_index with the given tags (a bit mask of f->tag). */
static char *
add_deal (Fixture    *f,
          const char *title,
          guint       stage_index,
          guint       tags)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  char *id = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", f->pipeline);
  crm_change_set_string (change, "stage", f->stage[stage_index]);
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "created_at", NOW_MS + f->deals->len);
  for (guint i = 0; i < G_N_ELEMENTS (f->tag); i++)
    if (tags & (1u << i))
      crm_changeset_set_link (changeset, "deal_tag", "deal", id, "tag", f->tag[i], TRUE);
  apply (f, changeset);
  g_ptr_array_add (f->deals, g_strdup (id));
  return id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char *const kinds[] = { "unsorted", "open", "won" };
  static const char *const stage_names[] = { "Неразобранное", "Новая заявка", "Отгружено" };
  static const char *const tag_names[] = { "Volvo", "Krone", "MAN" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *path = NULL;
  g_autofree char *admin = NULL;
  CrmChange *change;

  f->dir = crm_test_make_tmpdir ();
  path = g_build_filename (f->dir, "replica.db", NULL);
  f->store = crm_store_create (path, &error);
  g_assert_no_error (error);
  crm_store_set_now (f->store, NOW_MS);
  f->deals = g_ptr_array_new_with_free_func (g_free);

  admin = add_named (f, changeset, "user", "Админ");
  change = crm_changeset_touch (changeset, "user", admin);
  crm_change_set_string (change, "role", "admin");
  f->pipeline = add_named (f, changeset, "pipeline", "Продажи");
  crm_change_set_int (crm_changeset_touch (changeset, "pipeline", f->pipeline), "position", 0);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      f->stage[i] = add_named (f, changeset, "stage", stage_names[i]);
      change = crm_changeset_touch (changeset, "stage", f->stage[i]);
      crm_change_set_string (change, "pipeline", f->pipeline);
      crm_change_set_string (change, "kind", kinds[i]);
      /* positions out of creation order: the query must sort by position */
      crm_change_set_int (change, "position", (gint64) (G_N_ELEMENTS (kinds) - i) * 10);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tag_names); i++)
    {
      f->tag[i] = add_named (f, changeset, "tag", tag_names[i]);
      crm_change_set_string (crm_changeset_touch (changeset, "tag", f->tag[i]), "grp",
                             i == 1 ? "trailer" : "brand");
    }
  apply (f, changeset);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->pipeline);
  for (guint i = 0; i < 3; i++)
    {
      g_free (f->stage[i]);
      g_free (f->tag[i]);
    }
  g_ptr_array_unref (f->deals);
}

static void
test_resolve (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *by_name = crm_query_resolve (f->store, "stage", "Новая заявка", f->pipeline, &error);
  g_autofree char *by_id = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *admin = crm_query_default_user (f->store);
  g_autofree char *deal = add_deal (f, "Volvo FH", 1, 0);
  g_autofree char *deal_prefix = g_strndup (deal, 13);

  g_assert_no_error (error);
  g_assert_cmpstr (by_name, ==, f->stage[1]);
  by_id = crm_query_resolve (f->store, "tag", f->tag[2], NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_id, ==, f->tag[2]);
  prefix = crm_query_resolve (f->store, "deal", deal_prefix, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (prefix, ==, deal);
  g_assert_nonnull (admin);

  missing = crm_query_resolve (f->store, "stage", "Оплата получена", f->pipeline, &error);
  g_assert_null (missing);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
  /* the message names what was looked for and offers the pipeline's stages */
  g_assert_nonnull (strstr (error->message, "Оплата получена"));
  g_assert_nonnull (strstr (error->message, "Новая заявка"));
}

static void
test_pipelines (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = crm_query_pipelines (f->store, &error);
  JsonArray *stages;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  stages = json_object_get_array_member (json_array_get_object_element (json_node_get_array (node), 0),
                                         "stages");
  g_assert_cmpuint (json_array_get_length (stages), ==, 3);
  /* by position: won (10), open (20), unsorted (30) */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "kind"),
                   ==, "won");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 2), "name"),
                   ==, "Неразобранное");
}

static void
test_deal_paging (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CrmDealFilter filter = { .limit = 10, .offset = 20 };
  g_autoptr(JsonNode) page = NULL;
  gint64 total = 0;
  JsonObject *first;

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *title = g_strdup_printf ("Сделка %u", i);
      g_autofree char *id = add_deal (f, title, i % 3, 0);
    }
  page = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 25);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 5);
  /* newest first: the last page ends with the first deal made */
  first = json_array_get_object_element (json_node_get_array (page), 4);
  g_assert_cmpstr (json_object_get_string_member (first, "title"), ==, "Сделка 0");

  filter.offset = 0;
  filter.limit = 1;
  g_clear_pointer (&page, json_node_unref);
  page = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  first = json_array_get_object_element (json_node_get_array (page), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "title"), ==, "Сделка 24");
  g_assert_cmpstr (json_object_get_string_member (first, "amount"), ==, "1000.00");
  g_assert_cmpstr (json_object_get_string_member (first, "pipeline"), ==, "Продажи");
  g_assert_cmpint (total, ==, 25);

  /* by stage */
  filter.limit = 0;
  filter.stage_id = f->stage[2];
  g_clear_pointer (&page, json_node_unref);
  page = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 8);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 8);
}

static void
test_deal_tags_and_open (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *volvo_krone[] = { f->tag[0], f->tag[1], NULL };
  const char *krone[] = { f->tag[1], NULL };
  CrmDealFilter filter = { .tag_ids = volvo_krone };
  g_autoptr(JsonNode) both = NULL;
  g_autoptr(JsonNode) open = NULL;
  gint64 total = 0;
  g_autofree char *a = add_deal (f, "A", 0, 0x3);   /* Volvo, Krone; unsorted */
  g_autofree char *b = add_deal (f, "B", 1, 0x1);   /* Volvo; open */
  g_autofree char *c = add_deal (f, "C", 2, 0x3);   /* Volvo, Krone; won */
  g_autofree char *d = add_deal (f, "D", 1, 0x6);   /* Krone, MAN; open */

  both = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (both), 0), "id"), ==, c);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (both), 1), "id"), ==, a);

  /* a removed tag no longer matches */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_changeset_set_link (changeset, "deal_tag", "deal", c, "tag", f->tag[1], FALSE);
    apply (f, changeset);
  }
  g_clear_pointer (&both, json_node_unref);
  both = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 1);

  filter.tag_ids = krone;
  filter.open_only = TRUE;
  open = crm_query_deals (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 2);  /* A (unsorted) and D (open) */
  g_assert_cmpuint (json_array_get_length (json_node_get_array (open)), ==, 2);
  (void) b;
  (void) d;
}

static void
test_contact_search (Fixture       *f,
                     gconstpointer  data)
{
  static const char *const names[] = {
    "Иванов Иван", "Ивашкина Мария", "Петров Иван", "Сидоров Пётр", "Ёлкин Андрей",
    "Андреев Пётр Иванович",
  };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (add_named (f, changeset, "contact", names[i]));
  apply (f, changeset);

  {
    g_autoptr(JsonNode) found = crm_query_contacts (f->store, "ива", NULL, 0, 0, &total, &error);
    JsonArray *array = json_node_get_array (found);

    g_assert_no_error (error);
    /* surnames starting with «ива» first, then other words, each part by name */
    g_assert_cmpint (total, ==, 4);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0), "name"),
                     ==, "Иванов Иван");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "name"),
                     ==, "Ивашкина Мария");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 2), "name"),
                     ==, "Андреев Пётр Иванович");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 3), "name"),
                     ==, "Петров Иван");
  }
  {
    g_autoptr(JsonNode) upper = crm_query_contacts (f->store, "ИВАНОВ", NULL, 0, 0, &total, &error);

    /* Иванов Иван, and Андреев Пётр Иванович by his patronymic */
    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 2);
  }
  {
    g_autoptr(JsonNode) two_words = crm_query_contacts (f->store, "пет ив", NULL, 0, 0, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 2);
  }
  {
    /* ё and е are one letter */
    g_autoptr(JsonNode) yo = crm_query_contacts (f->store, "елк", NULL, 0, 0, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 1);
  }
  {
    g_autoptr(JsonNode) page = crm_query_contacts (f->store, NULL, NULL, 2, 5, &total, &error);

    g_assert_no_error (error);
    g_assert_cmpint (total, ==, 6);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 1);
  }
}

/* The names of a page of contacts, joined by «|». */
static char *
names_of (JsonNode *page)
{
  JsonArray *array = json_node_get_array (page);
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "|" : "",
                            json_object_get_string_member (json_array_get_object_element (array, i),
                                                           "name"));
  return g_string_free (names, FALSE);
}

/* A search by one or two letters (schema 28 keeps only the first three letters of each
 * word and reads the range of those that start with them): the contacts whose surname
 * starts so first, then those with another word starting so, each part by name; a
 * contact with two such words once; a two-letter word found as itself; the total and the
 * pages as the scan over every contact's words has them. */
static void
test_contact_search_short (Fixture       *f,
                           gconstpointer  data)
{
  static const char *const names[] = {
    "Иванов Иван", "Ивашкина Мария", "Ив Андрей", "Петров Иван Ильич",
    "Андреев Пётр Иванович", "Ильин Сергей", "Сидоров Пётр", "Исаев Ив", "Кузнецова Ирина",
  };
  static const struct {
    const char *query;
    gint64      total;
    const char *names;
  } cases[] = {
    { "и", 8, "Ив Андрей|Иванов Иван|Ивашкина Мария|Ильин Сергей|Исаев Ив"
              "|Андреев Пётр Иванович|Кузнецова Ирина|Петров Иван Ильич" },
    { "ИВ", 6, "Ив Андрей|Иванов Иван|Ивашкина Мария"
               "|Андреев Пётр Иванович|Исаев Ив|Петров Иван Ильич" },
    /* a further word narrows the candidates, the first one still ranks them */
    { "и пёт", 2, "Андреев Пётр Иванович|Петров Иван Ильич" },
    { "ив ил", 1, "Петров Иван Ильич" },
    { "ё", 0, "" },
  };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (add_named (f, changeset, "contact", names[i]));
  apply (f, changeset);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(JsonNode) all = NULL;
      g_autoptr(JsonNode) scan = NULL;
      g_autoptr(GString) paged = g_string_new (NULL);
      g_autofree char *all_names = NULL;
      g_autofree char *scan_names = NULL;
      gint64 total = -1, scan_total = -2;

      all = crm_query_contact_search (f->store, cases[c].query, 0, 0, &total, &error);
      g_assert_no_error (error);
      all_names = names_of (all);
      g_assert_cmpstr (all_names, ==, cases[c].names);
      g_assert_cmpint (total, ==, cases[c].total);
      scan = crm_query_contacts (f->store, cases[c].query, NULL, 0, 0, &scan_total, &error);
      g_assert_no_error (error);
      scan_names = names_of (scan);
      g_assert_cmpstr (scan_names, ==, all_names);
      g_assert_cmpint (scan_total, ==, total);

      /* three a page: the pages end to end are the whole answer, each with the total */
      for (guint offset = 0; offset < 12; offset += 3)
        {
          g_autoptr(JsonNode) page = NULL;
          g_autofree char *page_names = NULL;

          total = -1;
          page = crm_query_contact_search (f->store, cases[c].query, 3, offset, &total, &error);
          g_assert_no_error (error);
          g_assert_cmpint (total, ==, cases[c].total);
          page_names = names_of (page);
          if (*page_names != '\0')
            g_string_append_printf (paged, "%s%s", paged->len > 0 ? "|" : "", page_names);
        }
      g_assert_cmpstr (paged->str, ==, cases[c].names);
    }
}

/* A contact with phone numbers (as people type them), optionally at @company. */
static char *
add_contact (Fixture    *f,
             const char *name,
             const char *phone,
             const char *company)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  char *id = add_named (f, changeset, "contact", name);
  CrmChange *change = crm_changeset_touch (changeset, "contact", id);
  JsonArray *phones = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_array_add_string_element (phones, phone);
  json_node_take_array (node, phones);
  crm_change_set_node (change, "phones", node);   /* takes the node */
  if (company != NULL)
    crm_change_set_string (change, "company", company);
  apply (f, changeset);
  return id;
}

static guint
search_total (Fixture    *f,
              const char *text,
              const char *group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) found = crm_query_search (f->store, text, 0, &error);

  g_assert_no_error (error);
  return (guint) json_object_get_int_member (
    json_object_get_object_member (json_node_get_object (found), "totals"), group);
}

/* One search box finds a client by surname, company or any four digits of the phone,
 * with their deals; the board's filter finds the deals by contact and company too. */
static void
test_search_everything (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *company = add_named (f, changeset, "company", "ООО «ПриморьеТранс»");
  g_autofree char *ivanov = NULL;
  g_autofree char *petrov = NULL;
  g_autofree char *deal = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonArray) columns = NULL;
  g_autoptr(JsonArray) cards = NULL;
  CrmCardFilter filter = { .pipeline_id = f->pipeline, .search = "ива" };
  JsonObject *result;
  gint64 total = 0;
  gint64 counted = 0;

  apply (f, changeset);
  ivanov = add_contact (f, "Иванов Сергей", "+7 (982) 762-30-41", company);
  petrov = add_contact (f, "Петров Иван", "8 913 555-12-12", NULL);
  deal = add_deal (f, "Volvo FH 460, 2019", 1, 0);
  g_clear_pointer (&changeset, crm_changeset_unref);
  changeset = crm_changeset_new ();
  crm_changeset_set_link (changeset, "deal_contact", "deal", deal, "contact", ivanov, TRUE);
  crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "company", company);
  apply (f, changeset);
  g_free (add_deal (f, "Scania R 450", 1, 0));

  /* any four or more consecutive digits, with the separators people type */
  g_assert_cmpuint (search_total (f, "762-30", "contacts"), ==, 1);
  g_assert_cmpuint (search_total (f, "9827623041", "contacts"), ==, 1);
  g_assert_cmpuint (search_total (f, "+7 982 762", "contacts"), ==, 1);
  g_assert_cmpuint (search_total (f, "3041", "contacts"), ==, 1);
  g_assert_cmpuint (search_total (f, "5551212", "contacts"), ==, 1);
  g_assert_cmpuint (search_total (f, "4444", "contacts"), ==, 0);
  /* the digits find the client's deal too */
  g_assert_cmpuint (search_total (f, "762-30", "deals"), ==, 1);

  /* the first letters of a surname: both contacts (Петров Иван by his first name), the
   * deal through its contact, the company by nothing */
  found = crm_query_search (f->store, "ива", 0, &error);
  g_assert_no_error (error);
  result = json_node_get_object (found);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "contacts"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (result, "contacts"), 0), "name"), ==, "Иванов Сергей");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "totals"), "deals"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (result, "deals"), 0), "id"), ==, deal);
  g_assert_cmpuint (search_total (f, "ива", "companies"), ==, 0);

  /* a company's name finds it and its deal */
  g_assert_cmpuint (search_total (f, "примор", "companies"), ==, 1);
  g_assert_cmpuint (search_total (f, "примор", "deals"), ==, 1);
  /* nothing to look for finds nothing */
  g_assert_cmpuint (search_total (f, " - ", "contacts"), ==, 0);
  g_assert_cmpuint (search_total (f, "", "deals"), ==, 0);

  /* the board's filter: «ива» keeps the Volvo by its contact, in its column */
  cards = crm_query_deal_cards (f->store, &filter, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpint (total, ==, 1);
  columns = crm_query_board_columns (f->store, f->pipeline, NULL, "ива", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (columns); i++)
    counted += json_object_get_int_member (json_array_get_object_element (columns, i), "count");
  g_assert_cmpint (counted, ==, 1);

  /* a new number is found at once, an old one no more */
  {
    g_autoptr(CrmChangeset) edit = crm_changeset_new ();
    JsonArray *phones = json_array_new ();
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);

    json_array_add_string_element (phones, "+7 914 100-20-30");
    json_node_take_array (node, phones);
    crm_change_set_node (crm_changeset_touch (edit, "contact", ivanov), "phones", node);
    apply (f, edit);
  }
  g_assert_cmpuint (search_total (f, "762-30", "contacts"), ==, 0);
  g_assert_cmpuint (search_total (f, "100-20", "contacts"), ==, 1);
}

static void
test_deal_detail (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_deal (f, "Volvo FH", 1, 0x1);
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) missing = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *task = crm_store_new_id (f->store);
  CrmChange *change = crm_changeset_create (changeset, "task", task);

  crm_change_set_string (change, "deal", id);
  crm_change_set_string (change, "text", "Позвонить");
  crm_change_set_string (change, "type", "call");
  crm_change_set_int (change, "due", NOW_MS + CRM_MS_PER_DAY);
  crm_change_set_bool (change, "done", FALSE);
  apply (f, changeset);

  deal = crm_query_deal (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Новая заявка");
  g_assert_cmpstr (json_object_get_string_member (deal, "stage_kind"), ==, "open");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "tasks")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (deal, "tasks"), 0), "due"), ==, "2026-03-03T10:00:00Z");
  /* the deal, its tag link and its task */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "history")), ==, 3);

  missing = crm_query_deal (f->store, "00000000-0000-7000-8000-000000000000", &error);
  g_assert_null (missing);
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
}

static void
test_users_and_tags (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) users = crm_query_users (f->store, &error);
  g_autoptr(JsonNode) brands = crm_query_tags (f->store, "brand", &error);
  g_autoptr(JsonNode) all = crm_query_tags (f->store, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (users)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (users), 0), "role"),
                   ==, "admin");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (brands)), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (all)), ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/query/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("resolve", test_resolve);
  ADD ("pipelines", test_pipelines);
  ADD ("deal-paging", test_deal_paging);
  ADD ("deal-tags-and-open", test_deal_tags_and_open);
  ADD ("contact-search", test_contact_search);
  ADD ("contact-search-short", test_contact_search_short);
  ADD ("search-everything", test_search_everything);
  ADD ("deal-detail", test_deal_detail);
  ADD ("users-and-tags", test_users_and_tags);
#undef ADD

  return g_test_run ();
}
