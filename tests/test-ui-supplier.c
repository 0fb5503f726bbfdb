/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-supplier.c — the equipment supplier's clients in the real app (SPEC.md S3): a
 * company page with the total of its won deals (S3-6) and its holding, linked from the
 * page and shown on every member (S3-7); a contact's «Связан с компанией» picked on its
 * card and shown on the company (S3-2); the companies list sorted by the total; the
 * company's category on its deal's page (S3-8). The replica is made with voronkactl. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-company.h"
#include "crm-contact-page.h"
#include "crm-entity-list.h"
#include "crm-format.h"
#include "crm-paged-model.h"
#include "crm-query.h"
#include "crm-record.h"

#define NOW "2026-03-02T10:00:00Z"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *north, *south, *holding, *anna, *north_deal;

#define CTL(...) crm_test_ctl_ok (db_path, NOW, __VA_ARGS__, NULL)

static char *
ctl_id (JsonNode *node)
{
  char *id = crm_test_dup_id (node);

  json_node_unref (node);
  return id;
}

static void
won_deal (const char  *company,
          const char  *title,
          const char  *amount,
          char       **out_id)
{
  char *id = ctl_id (CTL ("deal", "add", "--pipeline", "Оборудование и ЗИП", "--stage", "Отгрузка",
                          "--title", title, "--company", company, "--amount", amount,
                          "--field", "invoice_type=Оборудование"));

  json_node_unref (CTL ("deal", "move", id, "--stage", "Закрыта успешно"));
  if (out_id != NULL)
    *out_id = id;
  else
    g_free (id);
}

static void
make_replica (void)
{
  tmpdir = crm_test_make_tmpdir ();
  db_path = g_build_filename (tmpdir, "supplier.db", NULL);
  json_node_unref (CTL ("init", "--template", "equipment-supplier"));
  holding = ctl_id (CTL ("company", "add", "--name", "АО Кофе Холдинг"));
  north = ctl_id (CTL ("company", "add", "--name", "ООО Кофе Север", "--inn", "7801234567"));
  south = ctl_id (CTL ("company", "add", "--name", "ООО Кофе Юг"));
  json_node_unref (CTL ("company", "set", north, "--field", "company_category=HoReCa",
                        "--link", "+АО Кофе Холдинг"));
  anna = ctl_id (CTL ("contact", "add", "--name", "Соколова Анна", "--company", "ООО Кофе Юг",
                      "--phone", "+7 912 000-11-22"));
  won_deal (north, "Кофемашины Jura для сети", "150000.00", &north_deal);
  won_deal (south, "Франшиза: 4 кофемашины Franke", "300000.00", NULL);
}

static CrmContactPage *
open_page (const char *action,
           const char *id,
           const char *page_name)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, "s", id));
  crm_test_ui_wait (300);
  return CRM_CONTACT_PAGE (crm_window_get_page (window, page_name));
}

static char *
holding_names (const char *company)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonArray) list = crm_company_holding (store, company, NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_nonnull (list);
  for (guint i = 0; i < json_array_get_length (list); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "",
                            json_object_get_string_member (json_array_get_object_element (list, i),
                                                           "name"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The first action row under @root whose subtitle is @subtitle. */
static GtkWidget *
find_row_with_subtitle (GtkWidget  *root,
                        const char *subtitle)
{
  if (ADW_IS_ACTION_ROW (root) &&
      g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (root)), subtitle) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row_with_subtitle (child, subtitle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The company page: the total of won deals, the holding; a company linked from the page
 * is in the holding of every member. */
static void
test_company_page (void)
{
  CrmContactPage *page = open_page ("win.open-company", north, "contact");
  GtkWidget *total;

  total = find_row_with_subtitle (GTK_WIDGET (page), "Total of won deals");
  g_assert_nonnull (total);
  {
    g_autofree char *expected = crm_format_money (15000000, "RUB");

    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (total)), ==, expected);
  }
  g_assert_cmpuint (crm_contact_page_get_n_links (page), ==, 1);

  g_assert_true (crm_contact_page_link_company (page, south, TRUE));
  crm_test_ui_wait (300);
  g_assert_cmpuint (crm_contact_page_get_n_links (page), ==, 2);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "supplier-company"));
  {
    g_autofree char *names = holding_names (south);

    g_assert_cmpstr (names, ==, "АО Кофе Холдинг, ООО Кофе Север");
  }
  /* a company is not linked to itself, and nothing is written */
  g_assert_false (crm_contact_page_link_company (page, north, TRUE));
}

/* The contact card: «Связан с компанией» picked, and the company lists the contact. */
static void
test_contact_related (void)
{
  CrmContactPage *page = open_page ("win.open-contact", anna, "contact");
  GtkWidget *group;

  group = crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_PREFERENCES_GROUP, "Связан с компанией");
  g_assert_nonnull (group);
  g_assert_true (gtk_widget_get_visible (group));
  g_assert_cmpuint (crm_contact_page_get_n_links (page), ==, 0);
  g_assert_true (crm_contact_page_link_company (page, holding, TRUE));
  crm_test_ui_wait (300);
  g_assert_cmpuint (crm_contact_page_get_n_links (page), ==, 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "supplier-contact"));

  page = open_page ("win.open-company", holding, "contact");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "Соколова Анна"));
}

/* The companies list sorted by the total of won deals, biggest first. */
static void
test_companies_by_total (void)
{
  CrmEntityList *companies = CRM_ENTITY_LIST (crm_window_get_page (window, "companies"));
  CrmPagedModel *model = crm_entity_list_get_model (companies);
  g_autoptr(CrmRecord) first = NULL;
  g_autoptr(CrmRecord) second = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "companies"));
  crm_test_ui_wait (300);
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (crm_record_get_string (first, "name", ""), ==, "АО Кофе Холдинг");
  g_clear_object (&first);

  crm_entity_list_set_sort_by_total (companies, TRUE);
  crm_test_ui_wait (300);
  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  second = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_assert_cmpstr (crm_record_get_string (first, "name", ""), ==, "ООО Кофе Юг");
  g_assert_cmpint (crm_record_get_int (first, "total", 0), ==, 30000000);
  g_assert_cmpstr (crm_record_get_string (second, "name", ""), ==, "ООО Кофе Север");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "supplier-companies-by-total"));
  crm_entity_list_set_sort_by_total (companies, FALSE);
}

/* The deal page shows its company's category, the company's current one. */
static void
test_deal_category (void)
{
  GtkWidget *page;
  GtkWidget *row;

  json_node_unref (CTL ("company", "set", north, "--field", "company_category=Дилер"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", north_deal));
  crm_test_ui_wait (500);
  page = crm_window_get_page (window, "deal");
  row = crm_test_ui_find (page, ADW_TYPE_ACTION_ROW, "Company");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "ООО Кофе Север · Категория компании: Дилер");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "supplier-deal"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  make_replica ();
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/supplier/company-page", test_company_page);
  g_test_add_func ("/ui/supplier/contact-related", test_contact_related);
  g_test_add_func ("/ui/supplier/companies-by-total", test_companies_by_total);
  g_test_add_func ("/ui/supplier/deal-category", test_deal_category);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (north);
  g_free (south);
  g_free (holding);
  g_free (anna);
  g_free (north_deal);
  return status;
}
