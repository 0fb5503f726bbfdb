/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-bad-data.c — «Данные на исправление» in the real app (S4-7): cards an old import
 * wrote off the input standard (written here through the store, as it did) are listed in
 * the sidebar's view with the value as typed and what is wrong — a head sees everyone's
 * with whose card it is, a rep only theirs —, a row opens its card, a card fixed leaves
 * the list, and with nothing left the view says all is in order; screenshots in English
 * and in Russian. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-bad-data-view.h"
#include "crm-test-store.h"
#include "crm-view.h"

static char *tmpdir;
static char *db_path;
static char *olga_id;

static JsonNode *
strings (const char *first,
         ...)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  va_list ap;

  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    json_array_add_string_element (array, s);
  va_end (ap);
  json_node_take_array (node, array);
  return node;
}

/* A card as an import made before the standard wrote it: values kept as typed. */
static char *
legacy_card (CrmStore   *store,
             const char *entity,
             const char *name,
             const char *responsible,
             JsonNode   *phones,
             JsonNode   *emails,
             const char *inn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user = crm_test_resolve (store, "user", responsible, NULL);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, entity, id);

  crm_change_set_string (change, "name", name);
  crm_change_set_string (change, "responsible", user);
  if (phones != NULL)
    crm_change_set_node (change, "phones", phones);
  if (emails != NULL)
    crm_change_set_node (change, "emails", emails);
  if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static char *
make_replica (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = crm_template_load ("event-organizer", &error);
  g_autoptr(CrmStore) store = NULL;
  char *path = g_build_filename (dir, "events.db", NULL);

  g_assert_no_error (error);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  g_assert_no_error (error);
  g_free (olga_id);
  olga_id = legacy_card (store, "contact", "Ольга Смирнова", "Олег Ильин",
                         strings ("8 (912) 345-67-89", "звонить после обеда", NULL),
                         strings ("olga@avtoboss", NULL), NULL);
  g_free (legacy_card (store, "contact", "Олег Петров", "Ксения Гусева", NULL,
                       strings ("Oleg.Petrov@Mail.ru", NULL), NULL));
  g_free (legacy_card (store, "contact", "Анна Белова", "Олег Ильин",
                       strings ("+79001112233", NULL), strings ("anna@avtoboss.ru", NULL), NULL));
  g_free (legacy_card (store, "company", "ООО «Старая база»", "Олег Ильин", NULL, NULL,
                       "7707083894"));
  return path;
}

static gboolean
view_loaded (gpointer view)
{
  return !crm_bad_data_view_is_loading (view);
}

/* The view shown, read. */
static CrmBadDataView *
show (CrmWindow *window)
{
  CrmBadDataView *view;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "bad-data"));
  view = CRM_BAD_DATA_VIEW (crm_window_get_page (window, "bad-data"));
  g_assert_nonnull (view);
  g_assert_true (crm_test_ui_wait_until (view_loaded, view, 20000));
  crm_test_ui_wait (100);
  return view;
}

/* The row of the list whose subtitle holds @text, or NULL. */
static GtkWidget *
row_with (GtkWidget  *root,
          const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_ACTION_ROW (child) && adw_action_row_get_subtitle (ADW_ACTION_ROW (child)) != NULL &&
          strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (child)), text) != NULL)
        return child;
      if ((found = row_with (child, text)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_view (void)
{
  CrmApplication *app = crm_test_ui_start (db_path);
  CrmWindow *window = crm_test_ui_main_window (app);
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autofree char *ksenia = crm_test_resolve (store, "user", "Ксения Гусева", NULL);
  g_autofree char *admin = crm_test_resolve (store, "user", "admin", NULL);
  CrmBadDataView *view;
  GtkWidget *row;

  /* the head (admin): everyone's — Ольга's three values, Олег's e-mail, the company's INN */
  view = show (window);
  g_assert_cmpuint (crm_bad_data_view_get_n_rows (view), ==, 5);
  row = row_with (GTK_WIDGET (view), "«звонить после обеда» — not a phone number");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Ольга Смирнова");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "responsible: Олег Ильин"));
  g_assert_nonnull (row_with (GTK_WIDGET (view), "«8 (912) 345-67-89» — a phone not written to the standard; write it as +79123456789"));
  g_assert_nonnull (row_with (GTK_WIDGET (view), "«7707083894» — an INN whose check digit does not match"));
  g_assert_null (row_with (GTK_WIDGET (view), "+79001112233"));
  {
    g_autofree char *subtitle = NULL;

    g_object_get (view, "subtitle", &subtitle, NULL);
    g_assert_cmpstr (subtitle, ==, "5 values to fix");
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "bad-data"));

  /* a row opens its card */
  {
    g_autofree char *card = g_strconcat ("contact:", olga_id, NULL);

    g_assert_true (gtk_widget_activate (row));
    crm_test_ui_wait (300);
    g_assert_cmpstr (crm_window_get_view (window), ==, card);
  }

  /* a rep: only their own card, without whose it is */
  crm_context_set_user (context, ksenia);
  view = show (window);
  g_assert_cmpuint (crm_bad_data_view_get_n_rows (view), ==, 1);
  row = row_with (GTK_WIDGET (view), "«Oleg.Petrov@Mail.ru» — an e-mail not written to the standard; write it as oleg.petrov@mail.ru");
  g_assert_nonnull (row);
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "responsible"));

  /* fixed: off the list, and all is in order */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *oleg = crm_test_resolve (store, "contact", "Олег Петров", NULL);
    CrmChange *change = crm_changeset_touch (changeset, "contact", oleg);

    crm_change_set_node (change, "emails", strings ("oleg.petrov@mail.ru", NULL));
    crm_changeset_set_actor (changeset, ksenia);
    g_assert_true (crm_context_apply (context, changeset, &error));
    g_assert_no_error (error);
  }
  crm_test_ui_wait (100);
  g_assert_true (crm_test_ui_wait_until (view_loaded, view, 20000));
  g_assert_cmpuint (crm_bad_data_view_get_n_rows (view), ==, 0);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE, "All Data Is in Order"));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE,
                                                          "All Data Is in Order")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "bad-data-empty"));
  crm_context_set_user (context, admin);
  crm_test_ui_stop (app);
}

static void
run_russian (void)
{
  CrmApplication *app;
  CrmWindow *window;
  CrmBadDataView *view;

  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  view = show (window);
  g_assert_cmpuint (crm_bad_data_view_get_n_rows (view), ==, 4);
  g_assert_nonnull (row_with (GTK_WIDGET (view), "«звонить после обеда» — не номер телефона"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "bad-data-ru"));
  crm_test_ui_stop (app);
}

static void
test_russian (void)
{
  crm_test_ui_in_russian ("Data to Fix", db_path, run_russian);
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
  g_test_add_func ("/ui/bad-data/view", test_view);
  g_test_add_func ("/ui/bad-data/russian", test_russian);
  status = g_test_run ();
  if (tmpdir != NULL)
    {
      crm_test_remove_tree (tmpdir);
      g_free (tmpdir);
    }
  g_free (db_path);
  g_free (olga_id);
  return status;
}
