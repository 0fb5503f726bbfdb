/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-read-errors.c — a read the app cannot make says so, in Russian, where the list
 * would be: a contact card whose deals cannot be read (the table of deal↔contact links
 * damaged, as a bad disk does) shows «Не удалось прочитать сделки» and the store's words
 * (damaged, restore from a backup), never «no deals yet»; the board, which reads them
 * too, says the same where its columns would be. The tasks view and the contacts list over
 * a damaged table, a contact's files and messages, and a deal that cannot be read say it
 * the same way, and so does «Data to Fix» over a damaged contact table. Screenshots:
 * board-read-error.png, contact-read-error.png, tasks-read-error.png,
 * contacts-read-error.png, bad-data-read-error.png, contact-files-read-error.png,
 * deal-read-error.png. The replica of the first case lies in a folder named «R&D <отдел>»:
 * the board's status page shows the path as it is (escaped markup). A contact whose RFM
 * segment cannot be read says so (contact-segment-read-error.png), and a contact's card
 * over a damaged contact table says it cannot be read, not «Не найдено»
 * (contact-card-read-error.png). */
#include <string.h>

#include "crm-contact-page.h"
#include "crm-query-board.h"
#include "crm-test-store.h"
#include "crm-test-ui.h"
#include "crm-view.h"

/* A contact of the demo that is on at least one deal. */
static char *
contact_with_deals (const char *db_path)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = crm_query_contacts (store, NULL, NULL, 0, 0, NULL, &error);
  JsonArray *all;

  g_assert_no_error (error);
  all = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (all, i), "id");
      CrmCardFilter filter = { .contact_id = id, .limit = 5 };
      g_autoptr(JsonArray) deals = crm_query_deal_cards (store, &filter, NULL, &error);

      g_assert_no_error (error);
      if (json_array_get_length (deals) > 0)
        return g_strdup (id);
    }
  g_assert_not_reached ();
}

typedef struct {
  GtkWidget  *page;
  const char *title;
} Find;

static gboolean
row_shown (gpointer data)
{
  Find *find = data;
  GtkWidget *row = crm_test_ui_find (find->page, ADW_TYPE_ACTION_ROW, find->title);

  return row != NULL && gtk_widget_get_mapped (row);
}

/* The text @status shows as its description: its markup must parse (a message naming a
 * path with «&» or «<» is escaped, not shown empty with a warning). */
static char *
status_text (AdwStatusPage *status)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (pango_parse_markup (adw_status_page_get_description (status), -1, 0, NULL,
                                     &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

/* A status page titled @title shown in @page, and the text of its description (owned by
 * @page). */
static const char *
status_shown (GtkWidget  *page,
              const char *title)
{
  GtkWidget *status = crm_test_ui_find (page, ADW_TYPE_STATUS_PAGE, title);

  if (status == NULL || !gtk_widget_get_mapped (status))
    return NULL;
  g_object_set_data_full (G_OBJECT (status), "test-text", status_text (ADW_STATUS_PAGE (status)),
                          g_free);
  return g_object_get_data (G_OBJECT (status), "test-text");
}

/* The damaged store's words, in Russian, naming the file: never an empty view. A read
 * says it could not read, not that nothing was changed, and has no English fragment:
 * the path aside, not one Latin letter. */
static void
assert_store_words (const char *text,
                    const char *db_path)
{
  g_autoptr(GString) rest = g_string_new (text);

  g_test_message ("it says: %s", text);
  g_assert_nonnull (strstr (text, "повреждена"));
  g_assert_nonnull (strstr (text, "не удалось прочитать"));
  g_assert_nonnull (strstr (text, "резервной копии"));
  g_assert_null (strstr (text, "ничего не изменено"));
  g_assert_nonnull (strstr (text, db_path));
  g_string_replace (rest, db_path, "", 0);
  for (const char *p = rest->str; *p != '\0'; p++)
    if (g_ascii_isalpha (*p))
      g_error ("an English fragment in «%s»", text);
}

static void
run_contact_deals (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  /* a folder whose name is not markup: the messages name the path as it is */
  g_autofree char *folder = g_build_filename (tmpdir, "R&D <отдел>", NULL);
  g_autofree char *db_path = NULL;
  g_autofree char *contact_id = NULL;
  CrmApplication *app;
  CrmWindow *window;
  Find find = { .title = "Не удалось прочитать сделки" };
  GtkWidget *board, *error_page, *row;
  const char *subtitle;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  db_path = crm_test_ui_make_demo (folder);
  contact_id = contact_with_deals (db_path);
  crm_test_damage_table (db_path, "deal_contact");
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  /* the board reads the links too: it says so where its columns would be */
  board = crm_window_get_page (window, "board");
  error_page = crm_test_ui_find (board, ADW_TYPE_STATUS_PAGE, "Не удаётся прочитать доску");
  g_assert_nonnull (error_page);
  g_assert_true (gtk_widget_get_mapped (error_page));
  assert_store_words (status_shown (board, "Не удаётся прочитать доску"), db_path);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-read-error"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                                             contact_id));
  find.page = crm_window_get_page (window, "contact");
  g_assert_nonnull (find.page);
  g_assert_true (crm_test_ui_wait_until (row_shown, &find, 10000));
  row = crm_test_ui_find (find.page, ADW_TYPE_ACTION_ROW, find.title);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  /* the cause and what to do, in Russian, naming the file */
  assert_store_words (subtitle, db_path);
  /* not an empty list */
  g_assert_null (crm_test_ui_find (find.page, ADW_TYPE_ACTION_ROW,
                                   "Сделок пока нет: первую начинает «Создать сделку»"));
  g_assert_cmpuint (crm_contact_page_get_n_deals (CRM_CONTACT_PAGE (find.page)), ==, 0);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-read-error"));

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
}

typedef struct {
  CrmWindow  *window;
  const char *view;
  const char *title;
} ViewFind;

static gboolean
view_status_shown (gpointer data)
{
  ViewFind *find = data;
  GtkWidget *page = crm_window_get_page (find->window, find->view);

  return page != NULL && status_shown (page, find->title) != NULL;
}

/* The tasks view over a damaged task table: «Не удаётся прочитать задачи» and the cause,
 * not «No Open Tasks»; the contacts list over a damaged contact table: «Не удаётся
 * прочитать контакты», not «No Contacts» and «0 contacts». */
static void
run_views (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *contact_id = contact_with_deals (db_path);
  CrmApplication *app;
  CrmWindow *window;
  ViewFind find;
  GtkWidget *page;

  crm_test_damage_table (db_path, "task");
  crm_test_damage_table (db_path, "contact");
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  find = (ViewFind) { window, "tasks", "Не удаётся прочитать задачи" };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  g_assert_true (crm_test_ui_wait_until (view_status_shown, &find, 10000));
  page = crm_window_get_page (window, "tasks");
  assert_store_words (status_shown (page, find.title), db_path);
  g_assert_null (status_shown (page, "Открытых задач нет"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-read-error"));

  find = (ViewFind) { window, "contacts", "Не удаётся прочитать контакты" };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                             "contacts"));
  g_assert_true (crm_test_ui_wait_until (view_status_shown, &find, 10000));
  page = crm_window_get_page (window, "contacts");
  assert_store_words (status_shown (page, find.title), db_path);
  g_assert_null (crm_view_get_subtitle (CRM_VIEW (page)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contacts-read-error"));

  /* a contact's card over the damaged table: not «Не найдено» */
  find = (ViewFind) { window, "contact", "Не удаётся прочитать контакт" };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                                             contact_id));
  g_assert_true (crm_test_ui_wait_until (view_status_shown, &find, 10000));
  page = crm_window_get_page (window, "contact");
  assert_store_words (status_shown (page, find.title), db_path);
  g_assert_null (status_shown (page, "Не найдено"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-card-read-error"));

  /* «Data to Fix» reads every contact: not «Всё в порядке» */
  find = (ViewFind) { window, "bad-data", "Не удаётся прочитать данные на исправление" };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                             "bad-data"));
  g_assert_true (crm_test_ui_wait_until (view_status_shown, &find, 10000));
  page = crm_window_get_page (window, "bad-data");
  assert_store_words (status_shown (page, find.title), db_path);
  g_assert_null (crm_view_get_subtitle (CRM_VIEW (page)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "bad-data-read-error"));

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
}

/* A contact whose files and messages cannot be read says so in both groups, not «No files
 * yet» and «No messages yet»; a deal that cannot be read (its files are part of it) says
 * so, not «Deal Not Found». */
static void
run_files_messages (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *contact_id = contact_with_deals (db_path);
  g_autofree char *deal_id = NULL;
  CrmApplication *app;
  CrmWindow *window;
  Find find = { .title = "Не удалось прочитать файлы" };
  ViewFind deal_find;
  const char *subtitle;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    CrmCardFilter filter = { .limit = 1 };
    g_autoptr(JsonArray) deals = crm_query_deal_cards (store, &filter, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (deals), ==, 1);
    deal_id = g_strdup (json_object_get_string_member (json_array_get_object_element (deals, 0),
                                                       "id"));
  }
  crm_test_damage_table (db_path, "attachment");
  crm_test_damage_table (db_path, "message");
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                                             contact_id));
  find.page = crm_window_get_page (window, "contact");
  g_assert_nonnull (find.page);
  g_assert_true (crm_test_ui_wait_until (row_shown, &find, 10000));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (crm_test_ui_find (find.page,
                                                                            ADW_TYPE_ACTION_ROW,
                                                                            find.title)));
  assert_store_words (subtitle, db_path);
  find.title = "Не удалось прочитать сообщения";
  g_assert_true (crm_test_ui_wait_until (row_shown, &find, 10000));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (crm_test_ui_find (find.page,
                                                                            ADW_TYPE_ACTION_ROW,
                                                                            find.title)));
  assert_store_words (subtitle, db_path);
  g_assert_null (crm_test_ui_find (find.page, ADW_TYPE_ACTION_ROW,
                                   "Файлов пока нет: договор, карточка с реквизитами"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-files-read-error"));

  deal_find = (ViewFind) { window, "deal", "Не удаётся прочитать сделку" };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  g_assert_true (crm_test_ui_wait_until (view_status_shown, &deal_find, 10000));
  assert_store_words (status_shown (crm_window_get_page (window, "deal"), deal_find.title),
                      db_path);
  g_assert_null (status_shown (crm_window_get_page (window, "deal"), "Сделка не найдена"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-read-error"));

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
}

/* A contact whose RFM segment cannot be read (the segments' table damaged) says so where
 * the segment would be, not nothing at all. */
static void
run_segment (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *contact_id = contact_with_deals (db_path);
  CrmApplication *app;
  CrmWindow *window;
  Find find = { .title = "Не удалось прочитать RFM-сегмент" };
  const char *subtitle;

  crm_test_damage_table (db_path, "rfm_segment");
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                                             contact_id));
  find.page = crm_window_get_page (window, "contact");
  g_assert_nonnull (find.page);
  g_assert_true (crm_test_ui_wait_until (row_shown, &find, 10000));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (crm_test_ui_find (find.page,
                                                                            ADW_TYPE_ACTION_ROW,
                                                                            find.title)));
  assert_store_words (subtitle, db_path);
  g_assert_true (crm_contact_page_get_segment_row (CRM_CONTACT_PAGE (find.page)) ==
                 crm_test_ui_find (find.page, ADW_TYPE_ACTION_ROW, find.title));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-segment-read-error"));

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
}

/* One application per process: each case in a process of its own, in Russian. */
static void
test_contact_deals (void)
{
  crm_test_ui_in_subprocess (TRUE, run_contact_deals);
}

static void
test_views (void)
{
  crm_test_ui_in_subprocess (TRUE, run_views);
}

static void
test_files_messages (void)
{
  crm_test_ui_in_subprocess (TRUE, run_files_messages);
}

static void
test_segment (void)
{
  crm_test_ui_in_subprocess (TRUE, run_segment);
}

int
main (int   argc,
      char *argv[])
{
  crm_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui/read-errors/contact-deals", test_contact_deals);
  g_test_add_func ("/ui/read-errors/views", test_views);
  g_test_add_func ("/ui/read-errors/files-messages", test_files_messages);
  g_test_add_func ("/ui/read-errors/segment", test_segment);
  return g_test_run ();
}
