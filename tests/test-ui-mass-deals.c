/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-mass-deals.c — «Создать сделки…» in the real app (S4-3) on an event organizer's
 * replica: the companies a filter shows get one deal each from the dialog (the title
 * pattern, the stage, the amount, the tag and the event's date), each with its company's
 * responsible, checked in the replica through the test's own connection; one «Undo»
 * removes them all; a deal whose event is today is closed as won by the template's rule
 * as it is made; the deals made open their card; an empty title is refused in the
 * dialog's words with nothing written; a saved list of companies names itself in the
 * dialog; screenshots in English and in Russian. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-date-button.h"
#include "crm-entity-list.h"
#include "crm-field-editor.h"
#include "crm-mass-deals-dialog.h"
#include "crm-tag-chips.h"
#include "crm-test-store.h"
#include "crm-time.h"

/* 2026-03-02T10:00:00Z and that day's midnight (UTC) */
#define NOW G_GINT64_CONSTANT (1772445600000)
#define TODAY G_GINT64_CONSTANT (1772409600000)
#define FILTER "field.employees >= 100"

static char *tmpdir;
static char *db_path;

static char *
add_company (CrmStore   *store,
             const char *admin,
             const char *name,
             const char *responsible,
             gint64      employees)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user = responsible != NULL ? crm_test_resolve (store, "user", responsible, NULL)
                                              : NULL;
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "company", id);

  crm_change_set_string (change, "name", name);
  if (user != NULL)
    crm_change_set_string (change, "responsible", user);
  crm_change_set_int (change, "employees", employees);
  crm_changeset_set_actor (changeset, admin);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

/* An event organizer's replica with four companies, two of them of 100 people or more. */
static char *
make_replica (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = crm_template_load ("event-organizer", &error);
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *admin = NULL;
  char *path = g_build_filename (dir, "events.db", NULL);

  g_assert_no_error (error);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  crm_store_set_now (store, NOW - CRM_MS_PER_DAY);
  g_assert_true (crm_template_apply (store, root, &error));
  g_assert_no_error (error);
  admin = crm_test_resolve (store, "user", "admin", NULL);
  g_free (add_company (store, admin, "ООО Автомир", "Олег Ильин", 250));
  g_free (add_company (store, admin, "АО Дилер Плюс", NULL, 40));
  g_free (add_company (store, admin, "ИП Новиков", "Ксения Гусева", 120));
  g_free (add_company (store, admin, "ООО Малый бизнес", "Олег Ильин", 5));
  return path;
}

/* ---- the app ---- */

typedef struct {
  CrmApplication *app;
  CrmWindow      *window;
} App;

static CrmEntityList *
companies (App *a)
{
  return CRM_ENTITY_LIST (crm_window_get_page (a->window, "companies"));
}

static gboolean
list_loaded (gpointer list)
{
  return !crm_entity_list_is_loading (list);
}

static void
start (App *a)
{
  a->app = crm_test_ui_start (db_path);
  a->window = crm_test_ui_main_window (a->app);
  /* the rules count «today» by the app's clock: pinned */
  crm_store_set_now (crm_context_get_store (crm_window_get_context (a->window)), NOW);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (a->window), "win.show-view", "s",
                                             "companies"));
  crm_test_ui_wait (200);
  g_assert_true (crm_entity_list_set_filter (companies (a), FILTER));
  g_assert_true (crm_test_ui_wait_until (list_loaded, companies (a), 20000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (companies (a)))),
                    ==, 2);
}

/* Clicks «Create Deals…» as a person does and returns the dialog. */
static CrmMassDealsDialog *
open_dialog (App        *a,
             const char *label)
{
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (companies (a)), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  return CRM_MASS_DEALS_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_MASS_DEALS_DIALOG));
}

static void
type_title (CrmMassDealsDialog *dialog,
            const char         *row_title,
            const char         *text)
{
  GtkWidget *row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, row_title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
choose (CrmMassDealsDialog *dialog,
        const char         *row_title,
        const char         *item)
{
  AdwComboRow *row = ADW_COMBO_ROW (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW,
                                                      row_title));
  GListModel *model;

  g_assert_nonnull (row);
  model = adw_combo_row_get_model (row);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) string = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (string), item) == 0)
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }
  g_error ("«%s» is not among the choices of «%s»", item, row_title);
}

static void
set_event (CrmMassDealsDialog *dialog,
           gint64              date,
           const char         *guests)
{
  GtkWidget *editor = crm_field_editor_find (GTK_WIDGET (dialog), "event_date");
  GtkWidget *date_button;

  g_assert_nonnull (editor);
  date_button = crm_test_ui_find (editor, CRM_TYPE_DATE_BUTTON, NULL);
  g_assert_nonnull (date_button);
  crm_date_button_set_date (CRM_DATE_BUTTON (date_button), date);
  editor = crm_field_editor_find (GTK_WIDGET (dialog), "guest_count");
  g_assert_nonnull (editor);
  crm_field_editor_set_text (CRM_FIELD_EDITOR (editor), guests);
}

static void
click (CrmMassDealsDialog *dialog,
       const char         *label)
{
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (100);
}

static gint64
n_event_deals (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

  return crm_test_count_sql (store,
                             "SELECT count(*) FROM deal d JOIN pipeline p ON p.id = d.pipeline"
                             " WHERE d.deleted = 0 AND p.name = 'Мероприятия'", NULL);
}

static gboolean
has_string (JsonArray  *array,
            const char *text)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), text) == 0)
      return TRUE;
  return FALSE;
}

/* The replica's deal of @company among @ids. */
static JsonObject *
deal_of (GPtrArray  *ids,
         const char *company)
{
  for (guint i = 0; i < ids->len; i++)
    {
      JsonObject *deal = crm_test_ui_replica_deal (db_path, ids->pdata[i]);

      if (g_strcmp0 (json_object_get_string_member_with_default (deal, "company", ""), company) == 0)
        return deal;
      json_object_unref (deal);
    }
  g_error ("no deal of «%s»", company);
  return NULL;
}

static gboolean
deals_made (gpointer dialog)
{
  return crm_mass_deals_dialog_get_deal_ids (dialog) != NULL;
}

static gboolean
window_gone (gpointer data)
{
  return crm_test_ui_find_window (CRM_TYPE_MASS_DEALS_DIALOG) == NULL;
}

/* ---- English ---- */

static void
test_create (void)
{
  App a = { 0 };
  CrmMassDealsDialog *dialog;
  GPtrArray *ids;
  g_autoptr(JsonObject) automir = NULL;
  g_autoptr(JsonObject) novikov = NULL;
  g_autofree char *change_set = NULL;
  GtkWidget *example;
  const char *subtitle;

  start (&a);
  dialog = open_dialog (&a, "Create _Deals…");
  g_assert_cmpuint (crm_mass_deals_dialog_get_n_deals (dialog), ==, 2);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL,
                                      "2 deals will be made, one for each company found; each "
                                      "gets its company's responsible."));

  /* an empty title is refused in the dialog's words; nothing is written */
  type_title (dialog, "_Title pattern", "  ");
  click (dialog, "C_reate");
  g_assert_nonnull (crm_mass_deals_dialog_get_message (dialog));
  g_assert_nonnull (strstr (crm_mass_deals_dialog_get_message (dialog), "need a title"));
  g_assert_null (crm_mass_deals_dialog_get_deal_ids (dialog));
  g_assert_cmpint (n_event_deals (), ==, 0);

  type_title (dialog, "_Title pattern", "Семинар «Автобосс»: {company}");
  example = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "First deal");
  g_assert_nonnull (example);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (example));
  g_assert_true (g_str_equal (subtitle, "Семинар «Автобосс»: ООО Автомир") ||
                 g_str_equal (subtitle, "Семинар «Автобосс»: ИП Новиков"));
  type_title (dialog, "_Amount of each deal, ₽", "15 000");
  choose (dialog, "_Pipeline", "Мероприятия");
  choose (dialog, "_Stage", "Приглашение отправлено");
  set_event (dialog, TODAY + 10 * CRM_MS_PER_DAY, "");
  g_signal_emit_by_name (crm_tag_chips_get_chip (CRM_TAG_CHIPS (crm_test_ui_find (GTK_WIDGET (dialog), CRM_TYPE_TAG_CHIPS, NULL)),
                                                 "Семинар"), "clicked");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "mass-deals-dialog"));

  click (dialog, "C_reate");
  g_assert_null (crm_mass_deals_dialog_get_message (dialog));
  ids = crm_mass_deals_dialog_get_deal_ids (dialog);
  g_assert_nonnull (ids);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (n_event_deals (), ==, 2);
  automir = deal_of (ids, "ООО Автомир");
  g_assert_cmpstr (json_object_get_string_member (automir, "title"), ==,
                   "Семинар «Автобосс»: ООО Автомир");
  g_assert_cmpstr (json_object_get_string_member (automir, "responsible"), ==, "Олег Ильин");
  g_assert_cmpstr (json_object_get_string_member (automir, "stage"), ==, "Приглашение отправлено");
  g_assert_cmpstr (json_object_get_string_member (automir, "amount"), ==, "15000.00");
  g_assert_true (has_string (json_object_get_array_member (automir, "tags"), "Семинар"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (automir, "fields"),
                                               "event_date"), ==, TODAY + 10 * CRM_MS_PER_DAY);
  novikov = deal_of (ids, "ИП Новиков");
  g_assert_cmpstr (json_object_get_string_member (novikov, "title"), ==, "Семинар «Автобосс»: ИП Новиков");
  g_assert_cmpstr (json_object_get_string_member (novikov, "responsible"), ==, "Ксения Гусева");
  /* the deals made, listed in the dialog */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW,
                                      "Семинар «Автобосс»: ИП Новиков"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "mass-deals-done"));

  /* one «Undo» takes both back */
  change_set = g_strdup (crm_context_get_last_change_set (crm_window_get_context (a.window)));
  g_assert_nonnull (change_set);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (a.window), "win.undo-change", "s", change_set));
  crm_test_ui_wait (100);
  g_assert_cmpint (n_event_deals (), ==, 0);

  /* Escape closes the dialog */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.cancel", NULL));
  g_assert_true (crm_test_ui_wait_until (window_gone, NULL, 5000));

  /* today's event: won as it is made, by the template's rule */
  dialog = open_dialog (&a, "Create _Deals…");
  set_event (dialog, TODAY, "3");
  type_title (dialog, "_Title pattern", "Семинар сегодня: {company}");
  {
    /* Enter in the title creates them: the default button (a button activated from the
     * keyboard clicks itself a moment later) */
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "_Title pattern");

    g_signal_emit_by_name (crm_test_ui_find (row, GTK_TYPE_TEXT, NULL), "activate");
    g_assert_true (crm_test_ui_wait_until (deals_made, dialog, 5000));
  }
  ids = crm_mass_deals_dialog_get_deal_ids (dialog);
  g_assert_nonnull (ids);
  g_assert_cmpuint (ids->len, ==, 2);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(JsonObject) deal = crm_test_ui_replica_deal (db_path, ids->pdata[i]);

      g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Успешно реализовано");
      g_assert_cmpstr (json_object_get_string_member (deal, "stage_kind"), ==, "won");
    }
  {
    /* the list says so, and a row opens its deal in the main window */
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW,
                                       "Семинар сегодня: ООО Автомир");

    g_assert_nonnull (row);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Успешно реализовано");
    g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "mass-deals-won"));
    g_signal_emit_by_name (row, "activated");
    g_assert_true (crm_test_ui_wait_until (window_gone, NULL, 5000));
    crm_test_ui_wait (200);
    g_assert_true (g_str_has_prefix (crm_window_get_view (a.window), "deal:"));
  }
  crm_test_ui_stop (a.app);
}

/* ---- Russian, on a saved list ---- */

static void
run_russian (void)
{
  App a = { 0 };
  CrmMassDealsDialog *dialog;
  g_autoptr(GError) error = NULL;
  g_autofree char *list_id = NULL;
  GPtrArray *ids;

  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  start (&a);
  list_id = crm_entity_list_save_list (companies (&a), "Крупные", &error);
  g_assert_no_error (error);
  crm_test_ui_wait (200);
  g_assert_true (crm_test_ui_wait_until (list_loaded, companies (&a), 20000));
  g_assert_cmpstr (crm_entity_list_get_list_id (companies (&a)), ==, list_id);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (a.window), "mass-deals-list-ru"));

  dialog = open_dialog (&a, "Создать с_делки…");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Создать сделки");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL,
                                      "Будет создано 2 сделки, по одной на каждую компанию "
                                      "списка «Крупные»; ответственный у каждой — ответственный "
                                      "компании."));
  type_title (dialog, "_Название по образцу", "Клуб руководителей: {company}");
  set_event (dialog, TODAY + 7 * CRM_MS_PER_DAY, "2");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "mass-deals-dialog-ru"));
  click (dialog, "_Создать");
  ids = crm_mass_deals_dialog_get_deal_ids (dialog);
  g_assert_nonnull (ids);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Сделки созданы");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "mass-deals-done-ru"));
  crm_test_ui_stop (a.app);
}

static void
test_russian (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *path = make_replica (dir);

  crm_test_ui_in_russian ("Create Deals", path, run_russian);
  crm_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  int status;

  crm_test_ui_init (&argc, &argv);
  if (!g_test_subprocess ())
    {
      tmpdir = crm_test_make_tmpdir ();
      db_path = make_replica (tmpdir);
    }
  g_test_add_func ("/ui/mass-deals/create", test_create);
  g_test_add_func ("/ui/mass-deals/russian", test_russian);
  status = g_test_run ();
  if (tmpdir != NULL)
    {
      crm_test_remove_tree (tmpdir);
      g_free (tmpdir);
      g_free (db_path);
    }
  return status;
}
