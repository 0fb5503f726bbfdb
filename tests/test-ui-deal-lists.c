/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-deal-lists.c — saved lists of deals in the real app (S4-1), in English and in
 * Russian: the team's list of deals in the sidebar under the pipelines, one click opening
 * it with every deal that matches (newest first, title, pipeline · stage · amount,
 * company), the first letters of a title inside it, a bad expression explained under
 * the entry with the rows kept, «Save as List» saving another list of deals, a page past
 * the first read off the main loop (a blank row and the spinner, never a wait, then the
 * deals), a cleared filter asking for one instead of listing every deal, and a click on a
 * row opening the deal. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-entity-list.h"
#include "crm-filter.h"
#include "crm-list-row.h"
#include "crm-paged-model.h"
#include "crm-record.h"
#include "crm-sidebar.h"
#include "crm-sidebar-row.h"
#include "crm-view.h"

#define LIST_NAME "Volvo и Scania в работе"
#define FILTER "tags any (Volvo, Scania) and status = open"
#define ALL_DEALS "status = open or status = won or status = lost"

static CrmWindow *window;

static CrmEntityList *
deals (void)
{
  return CRM_ENTITY_LIST (crm_window_get_page (window, "deals"));
}

static guint
n_rows (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (deals ())));
}

static char *
row_title (guint position)
{
  g_autoptr(CrmRecord) record =
    g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (deals ())), position);

  return g_strdup (crm_record_get_string (record, "title", ""));
}

/* What core says @filter leaves of the deals, through the test's own connection. */
static JsonArray *
expected_rows (const char *db_path,
               const char *filter,
               const char *title_prefix)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  CrmFilterQuery query = { .entity = "deal", .filter = filter, .surname = title_prefix };
  JsonArray *rows = crm_filter_query (store, &query, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

/* The sidebar's rows in order; @view's position among them, or -1. */
static int
sidebar_position (const char *view)
{
  GtkWidget *sidebar = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_SIDEBAR, NULL);
  GtkWidget *list = crm_test_ui_find (sidebar, GTK_TYPE_LIST_BOX, NULL);
  int i = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child), i++)
    if (CRM_IS_SIDEBAR_ROW (child) &&
        g_strcmp0 (crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (child)), view) == 0)
      return i;
  return -1;
}

static GtkWidget *
sidebar_row (const char *view)
{
  GtkWidget *sidebar = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_SIDEBAR, NULL);
  GtkWidget *list = crm_test_ui_find (sidebar, GTK_TYPE_LIST_BOX, NULL);
  int position = sidebar_position (view);

  return position < 0 ? NULL
                      : GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), position));
}

static gboolean
list_loaded (gpointer list)
{
  return !crm_entity_list_is_loading (list);
}

static void
wait_loaded (void)
{
  g_assert_true (crm_test_ui_wait_until (list_loaded, deals (), 20000));
}

/* The deal @expected has at @position. */
static const char *
expected_at (JsonArray *expected,
             guint      position,
             const char *member)
{
  return json_object_get_string_member (json_array_get_object_element (expected, position),
                                        member);
}

static gboolean
last_row_shown (gpointer title)
{
  GtkWidget *list = GTK_WIDGET (crm_entity_list_get_view (deals ()));
  GQueue queue = G_QUEUE_INIT;
  gboolean found = FALSE;

  g_queue_push_tail (&queue, list);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_LIST_ROW (widget) && gtk_widget_get_mapped (widget) &&
          g_strcmp0 (crm_list_row_get_title (CRM_LIST_ROW (widget)), title) == 0)
        found = TRUE;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return found;
}

/* Pages past the first are read off the main loop, when the list shows them: asked for
 * the last row, the model answers at once with a blank row (no id), never reading the
 * replica on the main loop; scrolled to the end, the list shows that row's deal. */
static void
assert_page_read_aside (JsonArray  *expected,
                        const char *screenshot)
{
  GListModel *model = G_LIST_MODEL (crm_entity_list_get_model (deals ()));
  guint last = g_list_model_get_n_items (model) - 1;
  g_autoptr(CrmRecord) blank = g_list_model_get_item (model, last);
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *title = NULL;

  g_assert_nonnull (blank);
  g_assert_null (crm_record_get_id (blank));
  /* as End would: the list shows its last row */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (crm_entity_list_get_view (deals ())),
                                             "list.scroll-to-item", "u", last));
  g_assert_true (crm_test_ui_wait_until (last_row_shown,
                                         (gpointer) expected_at (expected, last, "title"), 20000));
  wait_loaded ();
  record = g_list_model_get_item (model, last);
  g_assert_cmpstr (crm_record_get_id (record), ==, expected_at (expected, last, "id"));
  title = row_title (last);
  g_assert_cmpstr (title, ==, expected_at (expected, last, "title"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), screenshot));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (crm_entity_list_get_view (deals ())),
                                             "list.scroll-to-item", "u", 0));
}

static gboolean
search_reached_context (gpointer text)
{
  const char *search = crm_context_get_search (crm_window_get_context (window));

  return g_strcmp0 (search != NULL ? search : "", text) == 0;
}

static void
search (const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (crm_window_get_search_entry (window)), text);
  g_assert_true (crm_test_ui_wait_until (search_reached_context, (gpointer) text, 5000));
  crm_test_ui_wait (100);
  wait_loaded ();
}

static gboolean
view_is_deal (gpointer data)
{
  return g_str_has_prefix (crm_window_get_view (window), "deal:");
}

static void
run (gboolean russian)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (dir);
  g_autofree char *list_id = NULL;
  g_autofree char *view = NULL;
  g_autofree char *first = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *subtitle_expected = NULL;
  g_autoptr(JsonArray) expected = expected_rows (db_path, FILTER, NULL);
  g_autoptr(JsonArray) found = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *shown_row;
  CrmApplication *app;
  guint n;

  /* a colleague saved it; this replica has it (after a sync, say) */
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    list_id = crm_saved_list_save (store, LIST_NAME, "deal", FILTER, NULL, &error);
    g_assert_no_error (error);
  }
  n = json_array_get_length (expected);
  /* the demo's open Volvo and Scania deals: some, not every deal */
  g_assert_cmpuint (n, >, 1);
  g_assert_cmpuint (n, <, 300);

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  /* under the pipelines, before «Contacts» */
  view = g_strconcat ("deal-list:", list_id, NULL);
  g_assert_cmpint (sidebar_position (view), >, 0);
  g_assert_cmpint (sidebar_position (view), <, sidebar_position ("contacts"));

  /* one click opens it with every deal that matches, newest first */
  gtk_widget_activate (sidebar_row (view));
  crm_test_ui_wait (200);
  wait_loaded ();
  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_cmpstr (crm_entity_list_get_list_id (deals ()), ==, list_id);
  g_assert_cmpuint (n_rows (), ==, n);
  first = row_title (0);
  g_assert_cmpstr (first, ==, json_object_get_string_member (json_array_get_object_element (expected, 0),
                                                             "title"));
  g_object_get (deals (), "title", &title, "subtitle", &subtitle, NULL);
  g_assert_cmpstr (title, ==, LIST_NAME);
  subtitle_expected = g_strdup_printf (russian ? "%u сделок в списке" : "%u deals in the list",
                                       n);
  if (russian && n % 10 >= 1 && n % 10 <= 4 && (n % 100 < 11 || n % 100 > 14))
    {
      g_free (subtitle_expected);
      subtitle_expected = g_strdup_printf (n % 10 == 1 ? "%u сделка в списке"
                                                       : "%u сделки в списке", n);
    }
  g_assert_cmpstr (subtitle, ==, subtitle_expected);
  /* a row: the title, then pipeline · stage · amount */
  shown_row = crm_test_ui_find (GTK_WIDGET (deals ()), CRM_TYPE_LIST_ROW, NULL);
  g_assert_nonnull (shown_row);
  {
    JsonObject *deal = crm_test_find_object (expected, "title",
                                             crm_list_row_get_title (CRM_LIST_ROW (shown_row)));
    g_autofree char *start = NULL;

    g_assert_nonnull (deal);
    start = g_strdup_printf ("%s · %s", json_object_get_string_member (deal, "pipeline"),
                             json_object_get_string_member (deal, "stage"));
    g_assert_true (g_str_has_prefix (crm_list_row_get_detail (CRM_LIST_ROW (shown_row)), start));
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), russian ? "deal-lists-ru" : "deal-lists"));

  /* the first letters of a title, inside the list */
  prefix = g_utf8_substring (first, 0, 3);
  search (prefix);
  found = expected_rows (db_path, FILTER, prefix);
  g_assert_cmpuint (json_array_get_length (found), >, 0);
  g_assert_cmpuint (n_rows (), ==, json_array_get_length (found));
  for (guint i = 0; i < n_rows (); i++)
    {
      g_autofree char *shown = row_title (i);
      g_autofree char *folded = g_utf8_casefold (shown, -1);
      g_autofree char *folded_prefix = g_utf8_casefold (prefix, -1);

      g_assert_true (g_str_has_prefix (folded, folded_prefix));
    }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window),
                                  russian ? "deal-lists-search-ru" : "deal-lists-search"));
  search ("");
  g_assert_cmpuint (n_rows (), ==, n);

  /* a bad expression is explained under the entry; the rows stay */
  g_assert_false (crm_entity_list_set_filter (deals (), "tags any (Volvo) and stage = Нетакой"));
  g_assert_nonnull (crm_entity_list_get_filter_error (deals ()));
  g_assert_nonnull (strstr (crm_entity_list_get_filter_error (deals ()), "Нетакой"));
  g_assert_cmpuint (n_rows (), ==, n);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window),
                                  russian ? "deal-lists-error-ru" : "deal-lists-error"));

  if (!russian)
    {
      g_autofree char *other_id = NULL;
      g_autofree char *other_view = NULL;
      g_autoptr(JsonArray) won = expected_rows (db_path, "status = won", NULL);

      /* another expression, saved as a list of deals of its own */
      g_assert_true (crm_entity_list_set_filter (deals (), "status = won"));
      crm_test_ui_wait (200);
      wait_loaded ();
      g_assert_cmpuint (n_rows (), ==, json_array_get_length (won));
      other_id = crm_entity_list_save_list (deals (), "Выигранные", &error);
      g_assert_no_error (error);
      crm_test_ui_wait (200);
      wait_loaded ();
      other_view = g_strconcat ("deal-list:", other_id, NULL);
      g_assert_cmpstr (crm_window_get_view (window), ==, other_view);
      g_assert_cmpint (sidebar_position (other_view), <, sidebar_position ("contacts"));
      {
        g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
        g_autoptr(JsonObject) saved = crm_saved_list_lookup (store, "Выигранные", &error);

        g_assert_no_error (error);
        g_assert_cmpstr (json_object_get_string_member (saved, "entity"), ==, "deal");
        g_assert_cmpstr (json_object_get_string_member (saved, "filter"), ==, "status = won");
      }
      g_assert_cmpuint (n_rows (), ==, json_array_get_length (won));
    }

  /* a list longer than a page: the second page is read off the main loop when shown */
  {
    g_autoptr(JsonArray) open = expected_rows (db_path, ALL_DEALS, NULL);
    guint page_size = crm_paged_model_get_page_size (crm_entity_list_get_model (deals ()));

    g_assert_cmpuint (json_array_get_length (open), >, 2 * page_size + 10);
    g_assert_true (crm_entity_list_set_filter (deals (), ALL_DEALS));
    crm_test_ui_wait (200);
    wait_loaded ();
    g_assert_cmpuint (n_rows (), ==, json_array_get_length (open));
    assert_page_read_aside (open, russian ? "deal-lists-last-page-ru" : "deal-lists-last-page");
    /* the first page is still there, read with the ids */
    g_free (first);
    first = row_title (0);
    g_assert_cmpstr (first, ==, expected_at (open, 0, "title"));
  }

  /* a cleared filter: never every deal of the account, the list asks for a filter */
  g_assert_true (crm_entity_list_set_filter (deals (), ""));
  crm_test_ui_wait (200);
  wait_loaded ();
  g_assert_cmpuint (n_rows (), ==, 0);
  {
    GtkWidget *status = crm_test_ui_find (GTK_WIDGET (deals ()), ADW_TYPE_STATUS_PAGE, NULL);

    g_assert_nonnull (status);
    g_assert_true (gtk_widget_is_drawable (status));
    g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==,
                     russian ? "Введите фильтр" : "Type a Filter");
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window),
                                  russian ? "deal-lists-no-filter-ru" : "deal-lists-no-filter"));
  g_assert_null (crm_entity_list_save_list (deals (), "Все сделки", &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_true (crm_entity_list_set_filter (deals (), FILTER));
  crm_test_ui_wait (200);
  wait_loaded ();
  g_assert_cmpuint (n_rows (), ==, n);

  /* a click on a row opens the deal */
  g_signal_emit_by_name (crm_entity_list_get_view (deals ()), "activate", 0);
  g_assert_true (crm_test_ui_wait_until (view_is_deal, NULL, 5000));

  crm_test_ui_stop (app);
  window = NULL;
  crm_test_remove_tree (dir);
}

static void
run_english (void)
{
  run (FALSE);
}

static void
run_russian (void)
{
  run (TRUE);
}

static void
test_english (void)
{
  crm_test_ui_in_subprocess (FALSE, run_english);
}

static void
test_russian (void)
{
  crm_test_ui_in_subprocess (TRUE, run_russian);
}

int
main (int    argc,
      char **argv)
{
  crm_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui/deal-lists/english", test_english);
  g_test_add_func ("/ui/deal-lists/russian", test_russian);
  return g_test_run ();
}
