/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-merge.c — a merge case of docs/merge.md in the real app's sync popover, in
 * Russian, against a real voronka-server on 127.0.0.1 (issue 24): the manager's app,
 * offline, moves a deal back to «Ожидание оплаты» while the admin, on his laptop, ships
 * it («Отгружено»); whichever reaches the server first, the close wins — the manager's
 * move is refused (or loses to the close) and the popover says why in words, «Сделка уже
 * закрыта: …», with the deal's title and the stage names, never an id; the deal is
 * shipped in the app with its one «База купивших клиентов» deal. Screenshot:
 * ui-merge-closed-popover.png. */
#include "crm-test-ui.h"

#include "crm-query.h"
#include "crm-sync-indicator.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-time.h"

#define WAIT_MS 60000
#define TITLE   "Volvo FH 500 для ООО «Кедр»"

static char *tmpdir;
static char *data_dir;
static CrmTestServer *server;
static CrmTestReplica admin;
static char *db_path;
static char *deal_id;
static CrmApplication *app;
static CrmWindow *window;
static const char *missing;   /* why the app cannot run in Russian here, or NULL */

static CrmStore *
app_store (void)
{
  return crm_context_get_store (crm_window_get_context (window));
}

/* Moves @deal in @store to @stage_name of «Продажи» at @at (ms; 0: now). */
static void
move (CrmStore   *store,
      const char *deal,
      const char *stage_name,
      gint64      at)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_test_resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = crm_test_resolve (store, "stage", stage_name, pipeline);
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_store_set_now (store, at);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  crm_store_set_now (store, 0);
}

static gboolean
deal_arrived (gpointer data)
{
  g_autoptr(JsonObject) deal = crm_store_dup_entity (app_store (), "deal", data);

  return deal != NULL;
}

/* The app's replica lists the manager's move as not held because the deal was closed. */
static gboolean
closed_listed (gpointer data)
{
  g_autoptr(JsonArray) items = crm_sync_state_list_conflicts (app_store (), TRUE, 0, NULL);

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *reason = json_object_get_string_member_with_default (item, "reason", NULL);

      if (g_strcmp0 (json_object_get_string_member_with_default (item, "entity_id", NULL),
                     deal_id) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (item, "field", NULL), "stage") == 0 &&
          reason != NULL && g_str_has_prefix (reason, "Сделка уже закрыта"))
        return TRUE;
    }
  return FALSE;
}

/* The app's replica has the deal shipped, with one «База купивших клиентов» deal. */
static gboolean
shipped_with_follow_up (gpointer data)
{
  g_autofree char *pipeline = crm_test_resolve (app_store (), "pipeline",
                                                "База купивших клиентов", NULL);
  g_autoptr(JsonObject) deal = crm_store_dup_entity (app_store (), "deal", deal_id);
  g_autoptr(JsonObject) stage = crm_store_dup_entity (app_store (), "stage",
                                                     json_object_get_string_member (deal, "stage"));
  g_autofree char *sql = g_strdup_printf (
    "SELECT count (*) FROM deal f WHERE f.pipeline = '%s' AND f.deleted = 0 AND f.id IN ("
    " SELECT e.entity_id FROM changelog e JOIN changelog t ON t.op_id = e.cause"
    " WHERE t.entity_id = ?1 AND e.rule IS NOT NULL AND e.entity = 'deal')", pipeline);

  return g_strcmp0 (json_object_get_string_member (stage, "name"), "Отгружено") == 0 &&
         crm_test_count_sql (app_store (), sql, deal_id) == 1;
}

static gboolean
problems_listed (gpointer data)
{
  return crm_sync_indicator_get_n_problems (crm_window_get_sync_indicator (window)) >= 1;
}

/* Every label's text under @root, one a line. */
static char *
labels_text (GtkWidget *root)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (!gtk_widget_get_visible (widget))
        continue;
      if (GTK_IS_LABEL (widget))
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
    g_error ("«%s» is not in the sync popover:\n%s", needle, text);
}

static void
test_close_wins_in_popover (void)
{
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);
  g_autofree char *text = NULL;
  GtkWidget *popover;
  gint64 now = crm_time_now_ms ();

  if (missing != NULL)
    {
      crm_test_fail_missing (missing);
      return;
    }

  /* the manager, offline for the moment, moves the deal back to waiting for payment; the
   * admin, not knowing, ships the truck on his laptop and syncs */
  move (app_store (), deal_id, "Ожидание оплаты", now + 60000);
  move (admin.store, deal_id, "Отгружено", now);
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&admin);
  }

  /* the manager's app syncs: the close wins, and the popover says why */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.sync-now", NULL);
  if (!crm_test_ui_wait_until (closed_listed, NULL, WAIT_MS))
    g_error ("the manager's move is not listed as lost to the close");
  if (!crm_test_ui_wait_until (shipped_with_follow_up, NULL, WAIT_MS))
    g_error ("the deal is not shipped with one follow-up deal in the manager's app");
  crm_sync_indicator_refresh (indicator);
  g_assert_true (crm_test_ui_wait_until (problems_listed, NULL, 5000));
  popover = crm_sync_indicator_get_popover (indicator);
  gtk_popover_popup (GTK_POPOVER (popover));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, popover, 5000));
  g_free (crm_test_ui_screenshot (popover, "merge-closed-popover"));

  text = labels_text (popover);
  assert_has (text, TITLE);
  assert_has (text, "Этап");
  assert_has (text, "Отгружено");
  assert_has (text, "Ожидание оплаты");
  assert_has (text, "Сделка уже закрыта");
  g_assert_null (strstr (text, deal_id));
  g_assert_null (strstr (text, "stage"));
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* the deal is shipped in the app, with its one follow-up deal */
  g_assert_true (shipped_with_follow_up (NULL));
}

static void
set_up (void)
{
  CrmTestReplica laptop = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  /* plain HTTP on loopback: the app trusts http://127.0.0.1 as it is */
  server = crm_test_server_start (data_dir, TRUE, NULL);

  /* the admin's laptop, with a deal about to be shipped */
  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", "admin-pw");
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autofree char *pipeline = crm_test_resolve (admin.store, "pipeline", "Продажи", NULL);
    g_autofree char *stage = crm_test_resolve (admin.store, "stage", "Ожидание отгрузки", pipeline);
    CrmChange *change;

    deal_id = crm_store_new_id (admin.store);
    change = crm_changeset_create (changeset, "deal", deal_id);
    crm_change_set_string (change, "title", TITLE);
    crm_change_set_string (change, "pipeline", pipeline);
    crm_change_set_string (change, "stage", stage);
    crm_change_set_string (change, "currency", "RUB");
    crm_change_set_int (change, "amount", 1250000000);
    crm_change_set_int (change, "created_at", crm_store_get_now (admin.store));
    crm_change_set_int (change, "stage_entered_at", crm_store_get_now (admin.store));
    g_assert_true (crm_store_apply (admin.store, changeset, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&admin);
  }

  /* the manager's laptop, signed in as the sign-in dialog leaves it */
  crm_test_replica_open (&laptop, server, tmpdir, "manager.db", "manager", "manager-pw");
  token = crm_test_replica_sign_in_app (&laptop, server);
  db_path = g_strdup (laptop.path);
  crm_test_replica_clear (&laptop);

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  crm_window_restart_sync (window, token);
  if (!crm_test_ui_wait_until (deal_arrived, deal_id, WAIT_MS))
    g_error ("the deal never reached the manager's app");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *po_dir = NULL;
  int status;

  crm_test_ui_init (&argc, &argv);
  g_assert_nonnull (g_getenv ("VORONKA_SERVER"));
  po_dir = crm_test_built_translations ();
  if (po_dir == NULL)
    missing = "the Russian translation is not built";
  else
    {
      /* the whole app in Russian, as a rep reads it */
      g_setenv ("LANGUAGE", "ru", TRUE);
      bindtextdomain (GETTEXT_PACKAGE, po_dir);
      if (g_strcmp0 (_("Contacts"), "Contacts") == 0)
        missing = "this system's C library ignores LANGUAGE here";
    }
  set_up ();

  g_test_add_func ("/ui/merge/close-wins-in-popover", test_close_wins_in_popover);
  status = g_test_run ();

  crm_test_ui_stop (app);
  crm_test_replica_clear (&admin);
  crm_test_server_tear_down (server, tmpdir, status);
  g_free (data_dir);
  g_free (db_path);
  g_free (deal_id);
  return status;
}
