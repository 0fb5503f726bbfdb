/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-upgrade.c — the app started on a replica of an older schema (the demo turned
 * back into schema 20: user_version 20, schema 22's index dropped, the search tables
 * emptied, which the migration to 21 fills anew from the contacts) shows the upgrade window
 * first, «Обновляем данные…» with what happens and a step of two, while the update runs
 * in a worker (VORONKA_TEST_UPGRADE_HOLD pauses it before the first step, so the window
 * is caught on any machine; the update after it is the real one); then the main window
 * over the same data, a phone number found through the search tables the migration
 * rebuilt. A damaged old replica says why in that window, with a way out, and no main
 * window; a window closed while it works cancels the update and leaves the file whole at
 * its old schema. A replica of schema 26 with a large history (24 000 contacts imported)
 * gives back the space its old changelog took once updated: the window says so while the
 * main loop runs on (VORONKA_TEST_RECLAIM_HOLD pauses the worker there), and the file
 * ends smaller than it was. Screenshots: upgrade.png (English), upgrade-ru.png,
 * upgrade-error-ru.png, upgrade-reclaim-ru.png. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "crm-import.h"
#include "crm-search.h"
#include "crm-search-view.h"
#include "crm-test-store.h"
#include "crm-test-ui.h"
#include "crm-upgrade-window.h"

#define HOLD_ENV "VORONKA_TEST_UPGRADE_HOLD"
#define RECLAIM_HOLD_ENV "VORONKA_TEST_RECLAIM_HOLD"

static gint64
file_count (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* The replica at @path as schema 20 left it for the steps after it to redo. */
static void
make_schema_20 (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX deal_owing;"
                                     " DELETE FROM contact_token; DELETE FROM contact_prefix;"
                                     " DELETE FROM contact_phone;"
                                     " PRAGMA user_version = 20;"
                                     " PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_cmpint (file_count (path, "PRAGMA user_version"), ==, 20);
  g_assert_cmpint (file_count (path, "SELECT count (*) FROM contact_phone"), ==, 0);
}

/* A demo contact with a phone, and five digits from the middle of the number. */
static void
pick_phone (const char  *path,
            char       **out_contact_id,
            char       **out_digits)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) all = crm_query_contact_search (store, "", 50, 0, NULL, &error);
  JsonArray *contacts;

  g_assert_no_error (error);
  contacts = json_node_get_array (all);
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = json_array_get_object_element (contacts, i);
      JsonArray *phones = json_object_get_array_member (contact, "phones");
      const char *phone = phones != NULL && json_array_get_length (phones) > 0
                          ? json_array_get_string_element (phones, 0) : NULL;

      if (phone == NULL || strlen (phone) < 12)
        continue;
      *out_contact_id = g_strdup (json_object_get_string_member (contact, "id"));
      /* "+79317525242" → "317-52" */
      *out_digits = g_strdup_printf ("%.3s-%.2s", phone + 4, phone + 7);
      return;
    }
  g_assert_not_reached ();
}

static gboolean
main_window_up (gpointer app)
{
  GtkWindow *window = crm_application_get_main_window (app);

  return window != NULL && crm_test_ui_widget_is_drawn (window);
}

static gboolean
step_shown (gpointer window)
{
  return crm_upgrade_window_get_step (window) != NULL;
}

static gboolean
error_shown (gpointer window)
{
  return crm_upgrade_window_get_error (window) != NULL;
}

static gboolean
search_shows_contact (gpointer data)
{
  CrmWindow *window = data;
  CrmSearchView *view = CRM_SEARCH_VIEW (crm_window_get_page (window, "search"));
  const char *contact_id = g_object_get_data (G_OBJECT (window), "test-contact");

  for (guint i = 0; view != NULL && i < crm_search_view_get_n_rows (view, "contacts"); i++)
    {
      GtkWidget *row = crm_search_view_get_row (view, "contacts", i);
      GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (row));

      if (target != NULL && g_strcmp0 (g_variant_get_string (target, NULL), contact_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
run_upgrade (void)
{
  gboolean russian = g_getenv ("LANGUAGE") != NULL;
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *hold = g_build_filename (tmpdir, "release", NULL);
  g_autofree char *contact_id = NULL;
  g_autofree char *digits = NULL;
  gint64 n_contacts, n_deals;
  CrmApplication *app;
  GtkWindow *upgrade;
  GtkWidget *status, *entry;
  CrmWindow *window;
  CrmStore *store;

  pick_phone (db_path, &contact_id, &digits);
  n_contacts = file_count (db_path, "SELECT count (*) FROM contact WHERE deleted = 0");
  n_deals = file_count (db_path, "SELECT count (*) FROM deal WHERE deleted = 0");
  g_assert_cmpint (n_contacts, >, 100);
  make_schema_20 (db_path);

  g_setenv (HOLD_ENV, hold, TRUE);
  app = crm_test_ui_start (db_path);
  upgrade = crm_test_ui_wait_for_window (CRM_TYPE_UPGRADE_WINDOW);
  g_assert_nonnull (upgrade);
  g_assert_true (crm_test_ui_wait_until (step_shown, upgrade, 10000));
  /* the main loop runs (this waited on it) and no main window yet */
  g_assert_null (crm_application_get_main_window (app));
  if (russian)
    {
      /* every step after schema 20 */
      g_autofree char *step = g_strdup_printf ("Шаг 1 из %d", CRM_SCHEMA_VERSION - 20);

      status = crm_test_ui_find (GTK_WIDGET (upgrade), ADW_TYPE_STATUS_PAGE, "Обновляем данные…");
      g_assert_nonnull (status);
      g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), ==,
                       "Voronka обновилась; данные этого компьютера переводятся в новый "
                       "формат. Это делается один раз.");
      g_assert_cmpstr (crm_upgrade_window_get_step (CRM_UPGRADE_WINDOW (upgrade)), ==, step);
    }
  else
    {
      g_autofree char *step = g_strdup_printf ("Step 1 of %d", CRM_SCHEMA_VERSION - 20);

      status = crm_test_ui_find (GTK_WIDGET (upgrade), ADW_TYPE_STATUS_PAGE, "Updating Data…");
      g_assert_nonnull (status);
      g_assert_cmpstr (crm_upgrade_window_get_step (CRM_UPGRADE_WINDOW (upgrade)), ==, step);
    }
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade),
                                                          GTK_TYPE_PROGRESS_BAR, NULL)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (upgrade), russian ? "upgrade-ru" : "upgrade"));
  /* still held: the file is as it was */
  g_assert_cmpint (file_count (db_path, "PRAGMA user_version"), ==, 20);

  /* the update goes on: the main window takes over */
  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  g_assert_true (crm_test_ui_wait_until (main_window_up, app, 60000));
  crm_test_ui_wait (200);
  g_assert_null (crm_test_ui_find_window (CRM_TYPE_UPGRADE_WINDOW));
  window = CRM_WINDOW (crm_application_get_main_window (app));
  store = crm_context_get_store (crm_window_get_context (window));
  g_assert_cmpint (crm_test_count_sql (store, "PRAGMA user_version", NULL), ==,
                   CRM_SCHEMA_VERSION);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM contact WHERE deleted = 0",
                                       NULL), ==, n_contacts);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM deal WHERE deleted = 0",
                                       NULL), ==, n_deals);
  g_assert_cmpint (crm_test_count_sql (store, "SELECT count (*) FROM sqlite_master"
                                       " WHERE name = 'deal_owing'", NULL), ==, 1);

  /* a piece of a phone number finds its contact: the search rows were rebuilt */
  g_object_set_data_full (G_OBJECT (window), "test-contact", g_strdup (contact_id), g_free);
  entry = crm_window_get_search_entry (window);
  gtk_editable_set_text (GTK_EDITABLE (entry), digits);
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (crm_test_ui_wait_until (search_shows_contact, window, 10000));

  crm_test_ui_stop (app);
  g_unsetenv (HOLD_ENV);
  crm_test_assert_integrity (db_path);
  crm_test_remove_tree (tmpdir);
}

/* A damaged replica of schema 20 (its contacts, which the migration to 21 reads): the
 * window says so in the store's words, offers another replica or Close, and no main
 * window opens; the file keeps its schema. */
static void
run_error (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  CrmApplication *app;
  GtkWindow *upgrade;
  const char *message;

  make_schema_20 (db_path);
  crm_test_damage_table (db_path, "contact");
  g_unsetenv (HOLD_ENV);
  app = crm_test_ui_start (db_path);
  upgrade = crm_test_ui_wait_for_window (CRM_TYPE_UPGRADE_WINDOW);
  g_assert_true (crm_test_ui_wait_until (error_shown, upgrade, 30000));
  message = crm_upgrade_window_get_error (CRM_UPGRADE_WINDOW (upgrade));
  g_test_message ("it says: %s", message);
  g_assert_nonnull (strstr (message, "повреждена"));
  g_assert_nonnull (strstr (message, db_path));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (upgrade), ADW_TYPE_STATUS_PAGE,
                                      "Не удалось обновить данные"));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade), GTK_TYPE_LABEL,
                                                          message)));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade), GTK_TYPE_BUTTON,
                                                          "_Открыть другую реплику…")));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade), GTK_TYPE_BUTTON,
                                                          "_Закрыть")));
  g_assert_null (crm_application_get_main_window (app));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (upgrade), "upgrade-error-ru"));
  crm_test_ui_stop (app);
  g_assert_cmpint (file_count (db_path, "PRAGMA user_version"), ==, 20);
  crm_test_remove_tree (tmpdir);
}

/* Closed while the update is held before its first step: the update is cancelled, the
 * file stays whole at schema 20, and the next start updates it. */
static void
run_close (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *hold = g_build_filename (tmpdir, "release", NULL);
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  CrmApplication *app;
  GtkWindow *upgrade;

  make_schema_20 (db_path);
  g_setenv (HOLD_ENV, hold, TRUE);
  app = crm_test_ui_start (db_path);
  upgrade = crm_test_ui_wait_for_window (CRM_TYPE_UPGRADE_WINDOW);
  g_assert_true (crm_test_ui_wait_until (step_shown, upgrade, 10000));
  gtk_window_close (upgrade);
  crm_test_ui_wait (300);
  g_assert_null (crm_test_ui_find_window (CRM_TYPE_UPGRADE_WINDOW));
  g_assert_null (crm_application_get_main_window (app));
  crm_test_ui_stop (app);
  g_unsetenv (HOLD_ENV);
  g_assert_cmpint (file_count (db_path, "PRAGMA user_version"), ==, 20);
  crm_test_assert_integrity (db_path);
  store = crm_store_open (db_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crm_test_count_sql (store, "PRAGMA user_version", NULL), ==,
                   CRM_SCHEMA_VERSION);
  crm_test_remove_tree (tmpdir);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

static gboolean
reclaim_shown (gpointer window)
{
  return g_strcmp0 (crm_upgrade_window_get_step (window),
                    "Возвращаем место на диске, занятое старым форматом…") == 0;
}

/* The demo with 24 000 contacts more (their history over 8 MiB), as schema 26 kept it,
 * packed as a replica in use is; its size. */
static gint64
make_large_schema_26 (const char *path)
{
  g_autoptr(GString) csv = g_string_new ("Имя;Телефон\n");
  g_autoptr(GError) error = NULL;
  CrmImportOptions options = { .entity = "contact" };
  sqlite3 *db = NULL;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (path);
    g_autoptr(JsonNode) report = NULL;

    for (guint i = 0; i < 24000; i++)
      g_string_append_printf (csv, "Клиентов Клиент Клиентович %u;+7 913 %03u-%02u-%02u\n",
                              i, i / 100, i % 100, i % 97);
    g_assert_true (crm_import_csv (store, &options, csv->str, csv->len, &report, &error));
    g_assert_no_error (error);
  }
  crm_test_write_schema_26 (path);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "VACUUM", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_cmpint (file_count (path, "PRAGMA user_version"), ==, 26);
  return file_size (path);
}

/* The update of a large schema-26 replica, held where it gives the space back: the window
 * says so, the app's main loop runs, no main window yet, the file already updated and
 * larger; released, the main window opens over a file smaller than before the update, a
 * phone number still found (the search tables' rowids kept). */
static void
run_reclaim (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *db_path = crm_test_ui_make_demo (tmpdir);
  g_autofree char *hold = g_build_filename (tmpdir, "release", NULL);
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  g_autofree char *contact_id = NULL;
  g_autofree char *digits = NULL;
  gint64 before, n_contacts;
  CrmApplication *app;
  GtkWindow *upgrade;
  GtkWidget *entry;
  CrmWindow *window;
  guint ticks = 0;

  pick_phone (db_path, &contact_id, &digits);
  before = make_large_schema_26 (db_path);
  n_contacts = file_count (db_path, "SELECT count (*) FROM contact WHERE deleted = 0");
  g_assert_cmpint (n_contacts, >, 24000);

  g_unsetenv (HOLD_ENV);
  g_setenv (RECLAIM_HOLD_ENV, hold, TRUE);
  app = crm_test_ui_start (db_path);
  upgrade = crm_test_ui_wait_for_window (CRM_TYPE_UPGRADE_WINDOW);
  g_assert_nonnull (upgrade);
  g_assert_true (crm_test_ui_wait_until (reclaim_shown, upgrade, 60000));
  /* the main loop goes on while the worker is there: frames are drawn */
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (upgrade));
    gint64 frame = gdk_frame_clock_get_frame_counter (clock);

    gtk_widget_queue_draw (GTK_WIDGET (upgrade));
    crm_test_ui_wait (300);
    ticks = (guint) (gdk_frame_clock_get_frame_counter (clock) - frame);
  }
  g_assert_cmpuint (ticks, >, 0);
  g_assert_null (crm_application_get_main_window (app));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade), GTK_TYPE_LABEL,
                                                          "Возвращаем место на диске, занятое"
                                                          " старым форматом…")));
  g_assert_true (gtk_widget_get_mapped (crm_test_ui_find (GTK_WIDGET (upgrade),
                                                          GTK_TYPE_PROGRESS_BAR, NULL)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (upgrade), "upgrade-reclaim-ru"));
  /* updated, the old changelog's pages still free */
  g_assert_cmpint (file_count (db_path, "PRAGMA user_version"), ==, CRM_SCHEMA_VERSION);
  g_assert_cmpint (file_size (db_path) + file_size (wal), >, before);

  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  g_assert_true (crm_test_ui_wait_until (main_window_up, app, 120000));
  g_test_message ("schema 26: %" G_GINT64_FORMAT " bytes; %d: %" G_GINT64_FORMAT, before,
                  CRM_SCHEMA_VERSION, file_size (db_path) + file_size (wal));
  g_assert_cmpint (file_size (db_path) + file_size (wal), <, before);
  window = CRM_WINDOW (crm_application_get_main_window (app));
  g_assert_cmpint (crm_test_count_sql (crm_context_get_store (crm_window_get_context (window)),
                                       "SELECT count (*) FROM contact WHERE deleted = 0", NULL),
                   ==, n_contacts);
  g_object_set_data_full (G_OBJECT (window), "test-contact", g_strdup (contact_id), g_free);
  entry = crm_window_get_search_entry (window);
  gtk_editable_set_text (GTK_EDITABLE (entry), digits);
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (crm_test_ui_wait_until (search_shows_contact, window, 10000));

  crm_test_ui_stop (app);
  g_unsetenv (RECLAIM_HOLD_ENV);
  crm_test_assert_integrity (db_path);
  crm_test_remove_tree (tmpdir);
}

/* One application per process. */
static void
test_upgrade_english (void)
{
  crm_test_ui_in_subprocess (FALSE, run_upgrade);
}

static void
test_upgrade_russian (void)
{
  crm_test_ui_in_subprocess (TRUE, run_upgrade);
}

static void
test_error (void)
{
  crm_test_ui_in_subprocess (TRUE, run_error);
}

static void
test_close (void)
{
  crm_test_ui_in_subprocess (FALSE, run_close);
}

static void
test_reclaim (void)
{
  crm_test_ui_in_subprocess (TRUE, run_reclaim);
}

int
main (int   argc,
      char *argv[])
{
  crm_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui/upgrade/english", test_upgrade_english);
  g_test_add_func ("/ui/upgrade/russian", test_upgrade_russian);
  g_test_add_func ("/ui/upgrade/damaged", test_error);
  g_test_add_func ("/ui/upgrade/closed", test_close);
  g_test_add_func ("/ui/upgrade/gives-space-back", test_reclaim);
  return g_test_run ();
}
