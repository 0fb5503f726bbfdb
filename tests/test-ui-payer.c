/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-payer.c — a deal's payer on the deal page of the real app (S4-11): the
 * «Плательщик» row shows the payer's name, INN and KPP instead of an id; its popover finds
 * payers of the directory by name or INN and picks one; a mistyped INN is explained under
 * the entries and nothing is written; an INN already in the directory picks that payer
 * instead of making a duplicate; a new payer joins the directory and pays for the deal;
 * «Undo» takes the change back. The replica is made with voronkactl. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-deal-page.h"
#include "crm-payer.h"
#include "crm-payer-picker.h"
#include "crm-undo.h"

#define NOW "2026-03-02T10:00:00Z"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *deal_id, *sber_id;

#define CTL(...) crm_test_ctl_ok (db_path, NOW, __VA_ARGS__, NULL)

static void
make_replica (void)
{
  tmpdir = crm_test_make_tmpdir ();
  db_path = g_build_filename (tmpdir, "events.db", NULL);
  json_node_unref (CTL ("init", "--template", "event-organizer"));
  json_node_unref (CTL ("company", "add", "--name", "Автосалон «Восток»"));
  sber_id = crm_test_dup_id (CTL ("payer", "add", "--name", "ПАО Сбербанк", "--inn", "7707083893",
                                  "--kpp", "773601001"));
  json_node_unref (CTL ("payer", "add", "--name", "ИП Петров", "--inn", "500100732259"));
  deal_id = crm_test_dup_id (CTL ("deal", "add", "--pipeline", "Мероприятия", "--title",
                                  "Семинар для дилеров", "--company", "Автосалон «Восток»"));
}

/* The deal's payer and the directory's size, as the replica says now. */
static char *
replica_payer (guint *n_payers)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonObject) deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_autoptr(JsonNode) payers = crm_payer_list (store, NULL);
  JsonNode *payer = json_object_get_member (deal, "payer");

  *n_payers = json_array_get_length (json_node_get_array (payers));
  if (payer == NULL || !JSON_NODE_HOLDS_OBJECT (payer))
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (payer), "id"));
}

static CrmDealPage *
page (void)
{
  return CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
}

/* The «payer» field's row (the popover's menu button is in it). */
static GtkWidget *
payer_row (void)
{
  GtkWidget *widget = GTK_WIDGET (crm_deal_page_get_payer_picker (page ()));

  while (widget != NULL && !ADW_IS_ACTION_ROW (widget))
    widget = gtk_widget_get_parent (widget);
  return widget;
}

static void
test_pick (void)
{
  CrmPayerPicker *picker;
  g_autofree char *payer = NULL;
  guint n = 0;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  crm_test_ui_wait (300);
  picker = crm_deal_page_get_payer_picker (page ());
  g_assert_nonnull (picker);
  /* no payer yet: the row says so, no id anywhere */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (payer_row ())), ==,
                   "Плательщик");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (payer_row ())),
                            "company pays"));

  /* found by the letters of its name, or the digits of its INN */
  gtk_popover_popup (GTK_POPOVER (picker));
  crm_test_ui_wait (200);
  crm_payer_picker_set_search (picker, "сбер");
  g_assert_cmpuint (crm_payer_picker_get_n_rows (picker), ==, 1);
  crm_payer_picker_set_search (picker, "5001");
  g_assert_cmpuint (crm_payer_picker_get_n_rows (picker), ==, 1);
  crm_payer_picker_set_search (picker, "");
  g_assert_cmpuint (crm_payer_picker_get_n_rows (picker), ==, 2);
  crm_payer_picker_set_search (picker, "сбер");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (picker), "payer-picker"));
  crm_payer_picker_pick (picker, 0);
  crm_test_ui_wait (300);

  payer = replica_payer (&n);
  g_assert_cmpstr (payer, ==, sber_id);
  g_assert_cmpuint (n, ==, 2);
  /* the row now names it, with INN and KPP */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (payer_row ())), ==,
                   "ПАО Сбербанк");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (payer_row ())),
                            "7707083893"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (payer_row ())),
                            "773601001"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "payer-chosen"));
}

static void
test_bad_inn (void)
{
  CrmPayerPicker *picker = crm_deal_page_get_payer_picker (page ());
  g_autofree char *payer = NULL;
  const char *error;
  guint n = 0;

  gtk_popover_popup (GTK_POPOVER (picker));
  crm_test_ui_wait (200);
  /* the last check digit is wrong: said under the entries, nothing written */
  g_assert_false (crm_payer_picker_add (picker, "ООО «Лютик»", "7736050004", NULL));
  error = crm_payer_picker_get_error (picker);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "7736050004"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (picker), "payer-bad-inn"));
  /* a KPP of the wrong form, and a payer without a name */
  g_assert_false (crm_payer_picker_add (picker, "ООО «Лютик»", "7736050003", "12"));
  g_assert_false (crm_payer_picker_add (picker, "", "7736050003", NULL));
  g_assert_nonnull (strstr (crm_payer_picker_get_error (picker), "name"));
  payer = replica_payer (&n);
  g_assert_cmpstr (payer, ==, sber_id);
  g_assert_cmpuint (n, ==, 2);
}

static void
test_existing_inn (void)
{
  CrmPayerPicker *picker = crm_deal_page_get_payer_picker (page ());
  g_autofree char *payer = NULL;
  g_autofree char *petrov = NULL;
  guint n = 0;

  /* Петров's INN typed as a new payer: Петров pays, the directory keeps one of him */
  gtk_popover_popup (GTK_POPOVER (picker));
  crm_test_ui_wait (200);
  g_assert_true (crm_payer_picker_add (picker, "Петров Пётр (ещё раз)", "500100732259", NULL));
  crm_test_ui_wait (300);
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    petrov = crm_payer_find_by_inn (store, "500100732259");
  }
  payer = replica_payer (&n);
  g_assert_cmpstr (payer, ==, petrov);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (payer_row ())), ==,
                   "ИП Петров");
}

static void
test_new_payer_and_undo (void)
{
  CrmPayerPicker *picker = crm_deal_page_get_payer_picker (page ());
  g_autofree char *payer = NULL;
  g_autofree char *change_set = NULL;
  g_autofree char *back = NULL;
  guint n = 0;

  gtk_popover_popup (GTK_POPOVER (picker));
  crm_test_ui_wait (200);
  g_assert_true (crm_payer_picker_add (picker, "ООО «Лютик»", "7736050003", "773601001"));
  crm_test_ui_wait (300);
  payer = replica_payer (&n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (payer_row ())), ==,
                   "ООО «Лютик»");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "payer-new"));

  /* «Undo» on the toast: the deal's payer and the directory as they were */
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    change_set = crm_store_dup_undoable_change_set (store, NULL, NULL);
  }
  g_assert_nonnull (change_set);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s", change_set));
  crm_test_ui_wait (300);
  back = replica_payer (&n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (payer_row ())), ==,
                   "ИП Петров");
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

  g_test_add_func ("/ui/payer/pick", test_pick);
  g_test_add_func ("/ui/payer/bad-inn", test_bad_inn);
  g_test_add_func ("/ui/payer/existing-inn", test_existing_inn);
  g_test_add_func ("/ui/payer/new-and-undo", test_new_payer_and_undo);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (deal_id);
  g_free (sber_id);
  return status;
}
