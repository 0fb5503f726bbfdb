/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-views.c — the window's views as CrmViews, in the real app on a demo replica:
 * every view the sidebar and the pages reach implements CrmView, shares the window's
 * context and puts its own title in the header; a view hidden while the replica changes
 * shows the change when it is shown again; deals and contacts opened from inside the
 * views (search rows, a task's deal, a contact's deals) go through the window's actions
 * and open the page a user expects, with the back button returning; a message a view
 * shows appears as a toast in the window. */
#include "crm-test-ui.h"

#include "crm-board.h"
#include "crm-contact-page.h"
#include "crm-deal-actions.h"
#include "crm-deal-page.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-search-view.h"
#include "crm-task-row.h"
#include "crm-tasks-view.h"
#include "crm-undo-actions.h"
#include "crm-uuid.h"
#include "crm-view.h"
#include "crm-widget-util.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *added_task_id;   /* the task test_hidden_view_reloads_when_shown adds */
static char *added_deal_id;   /* and its deal */

static void
show (const char *view)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  crm_test_ui_wait (200);
}

/* The header's title as the user reads it: the AdwWindowTitle over the views. */
static const char *
header_title (void)
{
  GtkWidget *stack = GTK_WIDGET (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_STACK, NULL));
  GtkWidget *content = stack;

  /* the content column's box holds the header bar and the views */
  while (content != NULL && crm_test_ui_find (content, ADW_TYPE_HEADER_BAR, NULL) == NULL)
    content = gtk_widget_get_parent (content);
  g_assert_nonnull (content);
  return adw_window_title_get_title (ADW_WINDOW_TITLE (crm_test_ui_find (content,
                                                                         ADW_TYPE_WINDOW_TITLE,
                                                                         NULL)));
}

/* A label showing exactly @text, drawn, anywhere under @root. */
static gboolean
label_drawn (GtkWidget  *root,
             const char *text)
{
  GtkWidget *label = crm_test_ui_find (root, GTK_TYPE_LABEL, text);

  return label != NULL && gtk_widget_get_mapped (label);
}

/* The deal page is shown, for @deal_id, and says the deal's title. */
static void
assert_deal_page_shows (const char *deal_id)
{
  g_autofree char *view = g_strconcat ("deal:", deal_id, NULL);
  g_autoptr(JsonObject) deal = crm_test_ui_replica_deal (db_path, deal_id);
  GtkWidget *page = crm_window_get_page (window, "deal");
  GtkWidget *title;

  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_true (gtk_widget_get_mapped (page));
  g_assert_cmpstr (crm_deal_page_get_deal_id (CRM_DEAL_PAGE (page)), ==, deal_id);
  title = crm_test_ui_find (page, ADW_TYPE_ENTRY_ROW, "Title");
  g_assert_nonnull (title);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (title)), ==,
                   json_object_get_string_member (deal, "title"));
  g_assert_cmpstr (header_title (), ==, json_object_get_string_member (deal, "title"));
}

static void
go_back (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  crm_test_ui_wait (200);
}

/* ---- every view is a CrmView ---- */

static void
test_every_view_is_a_view (void)
{
  static const struct {
    const char *key;
    const char *page;
  } views[] = {
    { "contacts", "contacts" },
    { "companies", "companies" },
    { "tasks", "tasks" },
    { "calls", "calls" },
    { "bad-data", "bad-data" },
    { "stock", "stock" },
    { "automation", "automation" },
    { "schedule", "schedule" },
    { "settings", "settings" },
    { "search", "search" },
  };
  CrmContext *context = crm_window_get_context (window);
  GtkWidget *board = crm_window_get_page (window, "board");
  g_autofree char *board_view = g_strdup (crm_window_get_view (window));

  g_assert_true (g_str_has_prefix (board_view, "pipeline:"));
  g_assert_true (CRM_IS_VIEW (board));
  g_assert_true (crm_view_get_context (CRM_VIEW (board)) == context);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkWidget *page;
      g_autofree char *title = NULL;

      show (views[i].key);
      g_assert_cmpstr (crm_window_get_view (window), ==, views[i].key);
      page = crm_window_get_page (window, views[i].page);
      g_assert_true (CRM_IS_VIEW (page));
      g_assert_true (gtk_widget_get_mapped (page));
      g_assert_true (crm_view_get_context (CRM_VIEW (page)) == context);
      /* shown means read: nothing waits to be reloaded */
      g_assert_false (crm_view_is_dirty (CRM_VIEW (page)));
      /* the header says what the view calls itself */
      title = crm_view_dup_title (CRM_VIEW (page));
      g_assert_nonnull (title);
      g_assert_cmpstr (header_title (), ==, title);
    }

  /* the two pages opened from the views are CrmViews too */
  g_assert_true (CRM_IS_VIEW (crm_window_get_page (window, "deal")));
  g_assert_true (CRM_IS_VIEW (crm_window_get_page (window, "contact")));

  show (board_view);
  g_assert_true (gtk_widget_get_mapped (board));
  {
    g_autofree char *title = crm_view_dup_title (CRM_VIEW (board));
    JsonObject *pipeline = crm_context_find_pipeline (context, board_view + strlen ("pipeline:"));

    g_assert_cmpstr (title, ==, json_object_get_string_member (pipeline, "name"));
    g_assert_cmpstr (header_title (), ==, title);
  }
}

/* ---- a hidden view reloads when shown ---- */

static void
test_hidden_view_reloads_when_shown (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmTasksView *tasks;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *task_id = crm_uuid_v7_new (crm_context_now (context));
  CrmBoard *board;
  CrmDealCard *card = NULL;
  guint before;

  show ("tasks");
  tasks = CRM_TASKS_VIEW (crm_window_get_page (window, "tasks"));
  before = crm_tasks_view_get_n_tasks (tasks, "upcoming");

  /* the user goes to the board; meanwhile a task for the day after tomorrow is added
   * (not due yet: a task falling due would also raise a desktop notification) */
  show ("pipeline:");
  board = CRM_BOARD (crm_window_get_page (window, "board"));
  for (guint i = 0; card == NULL && i < crm_board_get_n_columns (board); i++)
    card = crm_board_column_get_card (crm_board_get_column (board, i), 0);
  g_assert_nonnull (card);
  added_deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  added_task_id = g_strdup (task_id);
  crm_add_task_change (changeset, context, task_id, added_deal_id, "Позвонить насчёт лизинга", "call",
                       TRUE, crm_context_now (context) + 2 * 24 * 3600 * G_GINT64_CONSTANT (1000));
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  crm_test_ui_wait (200);

  /* the hidden view did not read the replica: it waits to be shown */
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (tasks)));
  g_assert_true (crm_view_is_dirty (CRM_VIEW (tasks)));
  g_assert_cmpuint (crm_tasks_view_get_n_tasks (tasks, "upcoming"), ==, before);

  show ("tasks");
  g_assert_false (crm_view_is_dirty (CRM_VIEW (tasks)));
  g_assert_cmpuint (crm_tasks_view_get_n_tasks (tasks, "upcoming"), ==, before + 1);
  g_assert_nonnull (crm_tasks_view_find_row (tasks, task_id));
  g_assert_true (label_drawn (GTK_WIDGET (tasks), "Позвонить насчёт лизинга"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "views-tasks-reloaded"));
}

/* ---- opening deals and contacts from the views ---- */

static void
test_open_deal_from_task (void)
{
  CrmTasksView *tasks;
  CrmTaskRow *row;

  g_assert_nonnull (added_task_id);
  show ("tasks");
  tasks = CRM_TASKS_VIEW (crm_window_get_page (window, "tasks"));
  row = crm_tasks_view_find_row (tasks, added_task_id);
  g_assert_nonnull (row);

  /* the row's "Open deal" asks the window through win.open-deal */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "task.open-deal", NULL));
  crm_test_ui_wait (200);
  assert_deal_page_shows (added_deal_id);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "views-deal-from-task"));

  go_back ();
  g_assert_cmpstr (crm_window_get_view (window), ==, "tasks");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (tasks)));
}

/* The first activatable row under @root that runs @action_name. */
static GtkWidget *
find_action_row (GtkWidget  *root,
                 const char *action_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LIST_BOX_ROW (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action_name) == 0)
        return child;
      if ((found = find_action_row (child, action_name)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
search_found_deal (gpointer data)
{
  CrmSearchView *search = CRM_SEARCH_VIEW (crm_window_get_page (window, "search"));

  return crm_search_view_get_n_rows (search, "deals") > 0;
}

static void
test_open_deal_and_contact_from_search (void)
{
  CrmSearchView *search;
  GtkWidget *search_entry = crm_window_get_search_entry (window);
  GtkWidget *row;
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autofree char *other_deal_id = NULL;
  GtkWidget *deal_row;
  const char *contact_id;

  show ("search");
  gtk_editable_set_text (GTK_EDITABLE (search_entry), "ива");
  g_assert_true (crm_test_ui_wait_until (search_found_deal, NULL, 5000));
  search = CRM_SEARCH_VIEW (crm_window_get_page (window, "search"));

  row = crm_search_view_get_row (search, "deals", 0);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (row)), ==, "win.open-deal");
  deal_id = g_variant_dup_string (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (row)),
                                  NULL);
  g_signal_emit_by_name (row, "activate");
  crm_test_ui_wait (200);
  assert_deal_page_shows (deal_id);

  /* the deal's contact opens the contact page, again through an action */
  deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deal, "contact_ids")), >, 0);
  contact_id = json_array_get_string_element (json_object_get_array_member (deal, "contact_ids"), 0);
  g_assert_true (gtk_widget_activate_action (crm_window_get_page (window, "deal"),
                                             "win.open-contact", "s", contact_id));
  crm_test_ui_wait (200);
  {
    g_autofree char *view = g_strconcat ("contact:", contact_id, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
    g_autoptr(JsonObject) contact = crm_store_dup_entity (store, "contact", contact_id);
    GtkWidget *page = crm_window_get_page (window, "contact");

    g_assert_no_error (error);
    g_assert_cmpstr (crm_window_get_view (window), ==, view);
    g_assert_true (gtk_widget_get_mapped (page));
    g_assert_cmpstr (header_title (), ==, json_object_get_string_member (contact, "name"));
    /* the contact's deals are listed, and one opens its deal */
    g_assert_cmpuint (crm_contact_page_get_n_deals (CRM_CONTACT_PAGE (page)), >, 0);
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "views-contact-from-deal"));

    /* a deal row of the contact page is a win.open-deal with the deal's id */
    deal_row = find_action_row (page, "win.open-deal");
    g_assert_nonnull (deal_row);
    other_deal_id = g_variant_dup_string (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (deal_row)),
                                          NULL);
    g_signal_emit_by_name (deal_row, "activate");
    crm_test_ui_wait (200);
    assert_deal_page_shows (other_deal_id);
    go_back ();
    g_assert_cmpstr (crm_window_get_view (window), ==, view);
  }

  /* back twice: the deal, then the search page */
  go_back ();
  assert_deal_page_shows (deal_id);
  go_back ();
  g_assert_cmpstr (crm_window_get_view (window), ==, "search");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (search)));
}

/* ---- toasts ---- */

static void
test_toast_from_a_view (void)
{
  GtkWidget *tasks;

  show ("tasks");
  tasks = crm_window_get_page (window, "tasks");
  /* a view shows a message without knowing the window: win.show-toast */
  crm_widget_show_toast (tasks, "Задача перенесена на завтра");
  crm_test_ui_wait (300);
  g_assert_true (label_drawn (GTK_WIDGET (window), "Задача перенесена на завтра"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "views-toast"));
}

static gboolean
undo_toast_drawn (gpointer data)
{
  return label_drawn (GTK_WIDGET (window), "Название сделки изменено");
}

/* A change's toast with «Undo» from a view: through win.show-action-toast, the view knows
 * no window type; the button undoes the change set it names (win.undo-change). */
static void
test_undo_toast_from_a_view (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) undone = NULL;
  g_autofree char *deal_id = NULL;
  GtkWidget *tasks;
  GtkWidget *button;

  {
    g_autoptr(JsonNode) deals = crm_query_deals (crm_context_get_store (context),
                                                 &(CrmDealFilter) { .limit = 1 }, NULL, &error);

    g_assert_no_error (error);
    deal_id = g_strdup (json_object_get_string_member (
      json_array_get_object_element (json_node_get_array (deals), 0), "id"));
  }
  before = crm_test_ui_replica_deal (db_path, deal_id);
  crm_change_set_string (crm_changeset_touch (changeset, "deal", deal_id), "title",
                         "Volvo FH 500, отменяемое изменение");
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);

  show ("tasks");
  tasks = crm_window_get_page (window, "tasks");
  crm_undo_toast_show_last (tasks, context, "Название сделки изменено");
  /* (libadwaita shows toasts one after another: the previous test's goes first) */
  g_assert_true (crm_test_ui_wait_until (undo_toast_drawn, NULL, 15000));
  button = crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "_Undo");
  g_assert_nonnull (button);
  after = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (after, "title"), ==,
                   "Volvo FH 500, отменяемое изменение");

  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (300);
  undone = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (undone, "title"), ==,
                   json_object_get_string_member (before, "title"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/views/every-view-is-a-view", test_every_view_is_a_view);
  g_test_add_func ("/ui/views/hidden-view-reloads-when-shown", test_hidden_view_reloads_when_shown);
  g_test_add_func ("/ui/views/open-deal-from-task", test_open_deal_from_task);
  g_test_add_func ("/ui/views/open-deal-and-contact-from-search",
                   test_open_deal_and_contact_from_search);
  g_test_add_func ("/ui/views/toast-from-a-view", test_toast_from_a_view);
  g_test_add_func ("/ui/views/undo-toast-from-a-view", test_undo_toast_from_a_view);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (added_task_id);
  g_free (added_deal_id);
  return status;
}
