/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-calls.c — the Calls view («Звонки», issue 18) in the real app on a demo replica:
 * with no call it says so (an empty state, not an empty list); calls routed and ended
 * through core's telephony (crm_call_route / crm_call_event, what voronka-server runs for
 * the PBX) show as today's list with the missed ones first — the caller's name or number,
 * the direction, who answered and how long, the deal —, a missed row has «Call Back», a
 * row opens its deal (or its contact), the «Missed» filter lists the missed calls of the
 * last seven days and not the answered ones; the list is read off the main loop, and when
 * the local day changes the view reads today's list again by itself (the clock pinned just
 * before midnight, then moved past it). Screenshots: calls-empty, calls-today,
 * calls-missed, calls-next-day and, in Russian, calls-today-ru. */
#include "crm-test-ui.h"

#include "crm-call.h"
#include "crm-calls-view.h"
#include "crm-context.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-time.h"
#include "crm-view.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

#define KNOWN_PHONE   "+79161234567"
#define NEW_PHONE     "+79035550101"
#define OLD_PHONE     "+79035550202"
#define HOUR_MS       ((gint64) 60 * 60 * 1000)

static CrmCallsView *
calls_view (void)
{
  GtkWidget *page = crm_window_get_page (window, "calls");

  g_assert_nonnull (page);
  return CRM_CALLS_VIEW (page);
}

static gboolean
calls_loaded (gpointer data)
{
  return !crm_calls_view_is_loading (calls_view ());
}

/* The view's worker has read what it was asked to. */
static void
wait_loaded (void)
{
  if (!crm_test_ui_wait_until (calls_loaded, NULL, 30000))
    g_error ("the Calls view is still reading after 30 s");
}

static void
show_calls (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "calls"));
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "calls");
  wait_loaded ();
}

static void
set_missed_only (gboolean missed_only)
{
  crm_calls_view_set_missed_only (calls_view (), missed_only);
  wait_loaded ();
}

/* The row whose title is @title, and all its labels joined by newlines. */
static GtkWidget *
row_titled (const char *title)
{
  return crm_test_ui_find (GTK_WIDGET (calls_view ()), ADW_TYPE_ACTION_ROW, title);
}

static char *
row_text (GtkWidget *row)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, row);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
        g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("«%s» is not in:\n%s", needle, text);
}

/* The list's rows in order: their titles. */
static GPtrArray *
row_titles (void)
{
  GtkWidget *list = crm_test_ui_find (GTK_WIDGET (calls_view ()), GTK_TYPE_LIST_BOX, NULL);
  GPtrArray *titles = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (list);
  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_ACTION_ROW (child))
      g_ptr_array_add (titles, g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child))));
  return titles;
}

/* ---- calls made as the PBX makes them ---- */

static const CrmCallSettings around_the_clock = { .ring_seconds = 20, .zone = "UTC" };

static void
route (const char *external_id,
       const char *from,
       gint64      at)
{
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = crm_call_route (crm_context_get_store (context),
                                                 &around_the_clock, external_id, from,
                                                 "+74951234567", at, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
}

static void
event (const char *external_id,
       const char *name,
       const char *user,
       const char *url,
       gint64      at)
{
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  gboolean applied = FALSE;

  g_assert_true (crm_call_event (crm_context_get_store (context), external_id, name, user, url,
                                 at, &applied, &reason, &error));
  g_assert_no_error (error);
  g_assert_true (applied);
}

/* A client «Алексей Петров» with KNOWN_PHONE on an open demo deal; returns the deal's id. */
static char *
known_client (char **out_title)
{
  CrmContext *context = crm_window_get_context (window);
  CrmDealFilter filter = { .open_only = TRUE, .limit = 1 };
  g_autoptr(JsonNode) deals = crm_query_deals (crm_context_get_store (context), &filter, NULL, NULL);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contact_id = crm_context_new_id (context);
  g_autoptr(JsonArray) phones = json_array_new ();
  g_autoptr(JsonNode) phones_node = json_node_new (JSON_NODE_ARRAY);
  JsonObject *deal;
  CrmChange *change;

  g_assert_nonnull (deals);
  deal = json_array_get_object_element (json_node_get_array (deals), 0);
  change = crm_changeset_create (changeset, "contact", contact_id);
  crm_change_set_string (change, "name", "Алексей Петров");
  json_array_add_string_element (phones, KNOWN_PHONE);
  json_node_set_array (phones_node, phones);
  crm_change_set_node (change, "phones", json_node_copy (phones_node));
  crm_changeset_set_link (changeset, "deal_contact", "deal",
                          json_object_get_string_member (deal, "id"), "contact", contact_id, TRUE);
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  *out_title = g_strdup (json_object_get_string_member (deal, "title"));
  return g_strdup (json_object_get_string_member (deal, "id"));
}

/* ---- tests ---- */

static void
test_empty (void)
{
  AdwStatusPage *page;

  show_calls ();
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 0);
  page = ADW_STATUS_PAGE (crm_test_ui_find (GTK_WIDGET (calls_view ()), ADW_TYPE_STATUS_PAGE, NULL));
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Calls Today");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "calls-empty"));

  set_missed_only (TRUE);
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Missed Calls");
  set_missed_only (FALSE);
}

static void
test_today_and_missed (void)
{
  CrmContext *context = crm_window_get_context (window);
  gint64 today = crm_day_start (crm_context_now (context));
  gint64 old = today - 3 * CRM_MS_PER_DAY + 10 * HOUR_MS;
  g_autofree char *deal_title = NULL;
  g_autofree char *deal_id = known_client (&deal_title);
  g_autofree char *new_number = crm_format_phone (NEW_PHONE);
  g_autofree char *old_number = crm_format_phone (OLD_PHONE);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) titles = NULL;
  GtkWidget *row;
  GtkWidget *call_back;

  /* the known client, answered by Мария Кузнецова for 2:05, with a recording */
  route ("pbx-1", "8 (916) 123-45-67", today + 9 * HOUR_MS);
  event ("pbx-1", "answered", "Мария Кузнецова", NULL, today + 9 * HOUR_MS + 5000);
  event ("pbx-1", "ended", NULL, NULL, today + 9 * HOUR_MS + 130000);
  event ("pbx-1", "recording", NULL, "https://pbx.example/rec/1.mp3",
         today + 9 * HOUR_MS + 140000);
  /* a new number nobody answered */
  route ("pbx-2", NEW_PHONE, today + 10 * HOUR_MS);
  event ("pbx-2", "ended", NULL, NULL, today + 10 * HOUR_MS + 25000);
  /* three days ago, missed: only in the «Missed» list */
  route ("pbx-3", OLD_PHONE, old);
  event ("pbx-3", "ended", NULL, NULL, old + 25000);
  crm_context_notify_changed (context);

  show_calls ();
  g_assert_false (crm_calls_view_get_missed_only (calls_view ()));
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 2);
  /* the missed one first */
  titles = row_titles ();
  g_assert_cmpuint (titles->len, ==, 2);
  g_assert_cmpstr (titles->pdata[0], ==, new_number);
  g_assert_cmpstr (titles->pdata[1], ==, "Алексей Петров");

  /* the answered call: the caller's name, number, direction, who answered and how long,
   * the deal; no «Call Back», a recording to play */
  row = row_titled ("Алексей Петров");
  g_assert_nonnull (row);
  text = row_text (row);
  assert_has (text, "+7 916 123-45-67");
  assert_has (text, "Incoming");
  assert_has (text, "Answered by Мария Кузнецова, 2:05");
  assert_has (text, deal_title);
  g_assert_null (crm_test_ui_find (row, GTK_TYPE_BUTTON, "Call _Back"));
  g_clear_pointer (&text, g_free);

  /* the missed one: «Missed» and a «Call Back» button */
  row = row_titled (new_number);
  g_assert_nonnull (row);
  text = row_text (row);
  assert_has (text, "Missed");
  call_back = crm_test_ui_find (row, GTK_TYPE_BUTTON, "Call _Back");
  g_assert_nonnull (call_back);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (call_back), "phone"), ==, NEW_PHONE);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "calls-today"));

  /* «Missed»: today's and the one of three days ago, not the answered call */
  set_missed_only (TRUE);
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 2);
  g_assert_nonnull (row_titled (new_number));
  g_assert_nonnull (row_titled (old_number));
  g_assert_null (row_titled ("Алексей Петров"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "calls-missed"));
  set_missed_only (FALSE);

  /* a row opens its deal */
  row = row_titled ("Алексей Петров");
  g_assert_true (gtk_widget_activate (row));
  crm_test_ui_wait (300);
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
  g_assert_true (g_str_has_suffix (crm_window_get_view (window), deal_id));
}

/* The day the list was read for has ended, then a new one began. */
static gboolean
shows_day (gpointer data)
{
  return crm_calls_view_get_shown_day (calls_view ()) == *(gint64 *) data &&
         !crm_calls_view_is_loading (calls_view ());
}

/* At midnight today's list becomes the new day's, with nothing else happening: no change,
 * no sync, no click. The clock is pinned half a second before the next local midnight,
 * the view reads (today's two calls), then the clock passes midnight and the view's
 * own timer reads the new, empty day. */
static void
test_midnight (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmStore *store = crm_context_get_store (context);
  gint64 today = crm_day_start (crm_context_now (context));
  gint64 midnight = crm_day_end (crm_context_now (context));
  AdwStatusPage *page;

  show_calls ();
  crm_store_set_now (store, midnight - 500);
  crm_view_reload (CRM_VIEW (calls_view ()));
  wait_loaded ();
  g_assert_cmpint (crm_calls_view_get_shown_day (calls_view ()), ==, today);
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 2);

  /* the clock passes midnight: the view notices by itself */
  crm_store_set_now (store, midnight + 2000);
  if (!crm_test_ui_wait_until (shows_day, &midnight, 30000))
    g_error ("the Calls view still shows the day before midnight after 30 s");
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 0);
  page = ADW_STATUS_PAGE (crm_test_ui_find (GTK_WIDGET (calls_view ()), ADW_TYPE_STATUS_PAGE, NULL));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Calls Today");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "calls-next-day"));

  /* the real clock again */
  crm_store_set_now (store, 0);
  crm_view_reload (CRM_VIEW (calls_view ()));
  wait_loaded ();
}

/* In a process of its own (one application per process): the list in Russian. */
static void
russian_app (void)
{
  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  g_assert_nonnull (db_path);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  show_calls ();
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "Звонки"));
  g_assert_cmpuint (crm_calls_view_get_n_calls (calls_view ()), ==, 2);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (calls_view ()), GTK_TYPE_BUTTON, "_Перезвонить"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "calls-today-ru"));
  crm_test_ui_stop (app);
}

static void
test_russian (void)
{
  /* one application per replica: this process's lets it go first */
  if (!g_test_subprocess ())
    g_clear_pointer (&app, crm_test_ui_stop);
  crm_test_ui_in_russian ("Calls", db_path, russian_app);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui/calls/empty", test_empty);
  g_test_add_func ("/ui/calls/today-and-missed", test_today_and_missed);
  g_test_add_func ("/ui/calls/midnight", test_midnight);
  g_test_add_func ("/ui/calls/russian", test_russian);
  if (g_test_subprocess ())
    return g_test_run ();

  tmpdir = g_dir_make_tmp ("voronka-test-calls-XXXXXX", NULL);
  db_path = crm_test_ui_make_demo (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  status = g_test_run ();

  if (app != NULL)
    crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (db_path);
  g_free (tmpdir);
  return status;
}
