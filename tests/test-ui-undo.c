/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-undo.c — the real app on a demo replica: a card moved on the board and its
 * toast's «Undo» (the deal back in its stage); the won and lost drop zones while a card is
 * dragged, a drop on lost asking for the reason, the lost card showing it, its open tasks
 * closed from the toast and both changes undone; a deal deleted from its page and brought
 * back; the board's «Mine». Every check reads the replica through its own connection. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-board.h"
#include "crm-deal-page.h"
#include "crm-gate-dialog.h"
#include "crm-pipeline-board.h"
#include "crm-query.h"
#include "crm-undo-actions.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static JsonObject *
replica_deal (const char *deal_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
  JsonObject *deal;

  g_assert_no_error (error);
  deal = crm_query_deal (store, deal_id, &error);
  if (deal == NULL)
    g_clear_error (&error);
  return deal;
}

static gint64
open_tasks_of (const char *deal_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
  g_autoptr(JsonNode) tasks = crm_query_tasks (store, deal_id, TRUE, NULL, &error);

  g_assert_no_error (error);
  return json_array_get_length (json_node_get_array (tasks));
}

static CrmBoard *
board (void)
{
  return CRM_BOARD (crm_window_get_page (window, "board"));
}

static void
show_sales (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *view = g_strconcat ("pipeline:",
                                       crm_context_find_pipeline_by_name (context, "Продажи"), NULL);

  crm_window_show_view (window, view);
  crm_test_ui_wait (200);
}

/* What the toast's «Undo» button does: "win.undo-change" with the change's id. */
static void
press_undo (void)
{
  const char *change_set = crm_context_get_last_change_set (crm_window_get_context (window));
  g_autofree char *id = NULL;

  g_assert_nonnull (change_set);
  id = g_strdup (change_set);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s", id));
  crm_test_ui_wait (150);
}

static void
test_undo_move (void)
{
  CrmBoardColumn *from, *to;
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) moved = NULL, back = NULL;

  show_sales ();
  from = crm_test_ui_column_named (window, "Новая заявка");
  to = crm_test_ui_column_named (window, "Квалифицирован");
  deal_id = g_strdup (crm_deal_card_get_deal_id (crm_board_column_get_card (from, 0)));
  g_assert_true (crm_board_move_deal (board (), deal_id, crm_board_column_get_stage_id (to), NULL));
  crm_test_ui_wait (150);
  moved = replica_deal (deal_id);
  g_assert_cmpstr (json_object_get_string_member (moved, "stage"), ==, "Квалифицирован");
  /* the toast «… moved to …» with «Undo» */
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "undo-move-toast"));

  press_undo ();
  back = replica_deal (deal_id);
  g_assert_cmpstr (json_object_get_string_member (back, "stage"), ==, "Новая заявка");
  g_assert_nonnull (crm_board_column_find_card (crm_test_ui_column_named (window, "Новая заявка"), deal_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "undo-move-undone"));
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;
    }
  return NULL;
}

/* A card dragged: the zones show; dropped on lost: the reason is asked, the lost card
 * says it; the toast closes its open tasks; both are undone. */
static void
test_drop_on_lost_and_undo (void)
{
  CrmBoardColumn *from;
  CrmDealCard *card;
  GtkWidget *lost_zone, *won_zone, *row;
  GtkEventController *target;
  g_autofree char *deal_id = NULL, *stage_before = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(JsonObject) lost = NULL, back = NULL;
  CrmGateDialog *dialog;
  gboolean accepted = FALSE;
  gint64 tasks_before;

  show_sales ();
  from = crm_test_ui_column_named (window, "Встреча согласована");
  card = crm_board_column_get_card (from, 0);
  deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  stage_before = g_strdup ("Встреча согласована");
  tasks_before = open_tasks_of (deal_id);
  g_assert_cmpint (tasks_before, >, 0);

  /* the card's drag begins: won and lost show at the bottom */
  g_assert_false (crm_board_get_dragging (board ()));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "board.drag-begin", NULL));
  crm_test_ui_wait (100);
  g_assert_true (crm_board_get_dragging (board ()));
  won_zone = crm_test_ui_find (GTK_WIDGET (board ()), GTK_TYPE_LABEL, "Won");
  lost_zone = crm_test_ui_find (GTK_WIDGET (board ()), GTK_TYPE_LABEL, "Lost");
  g_assert_nonnull (won_zone);
  g_assert_nonnull (lost_zone);
  g_assert_true (gtk_widget_get_mapped (won_zone) && gtk_widget_get_mapped (lost_zone));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "drop-zones"));

  /* dropped on lost: the loss-reason dialog, as Ctrl+M's lost */
  target = find_controller (lost_zone, GTK_TYPE_DROP_TARGET);
  g_assert_nonnull (target);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, deal_id);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
  g_assert_false (crm_board_get_dragging (board ()));
  dialog = CRM_GATE_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG));
  g_assert_cmpstr (crm_gate_dialog_get_gate (dialog), ==, "loss-reason-required");
  row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "Купил в другом месте");
  adw_action_row_activate (ADW_ACTION_ROW (row));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  crm_test_ui_wait (150);

  lost = replica_deal (deal_id);
  g_assert_cmpstr (json_object_get_string_member (lost, "stage_kind"), ==, "lost");
  g_assert_cmpstr (json_object_get_string_member (lost, "loss_reason"), ==, "Купил в другом месте");
  {
    const char *lost_change = crm_context_get_last_change_set (crm_window_get_context (window));
    g_autofree char *lost_change_id = g_strdup (lost_change);
    CrmDealCard *lost_card = crm_board_column_find_card (crm_test_ui_column_named (window, "Закрыто и не реализовано"),
                                                         deal_id);

    /* the lost card says why */
    g_assert_nonnull (lost_card);
    g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (lost_card), GTK_TYPE_LABEL,
                                        "Lost: Купил в другом месте"));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (lost_card), "lost-card-reason"));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lost-toast"));

    /* the toast's «Close Tasks» closes its open tasks in one change… */
    g_assert_cmpint (open_tasks_of (deal_id), ==, tasks_before);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.close-deal-tasks", "s",
                                               deal_id));
    crm_test_ui_wait (150);
    g_assert_cmpint (open_tasks_of (deal_id), ==, 0);
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-closed-toast"));
    /* …which «Undo» takes back */
    press_undo ();
    g_assert_cmpint (open_tasks_of (deal_id), ==, tasks_before);

    /* and the lost close is undone too: the stage it had, no reason */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s",
                                               lost_change_id));
    crm_test_ui_wait (150);
  }
  back = replica_deal (deal_id);
  g_assert_cmpstr (json_object_get_string_member (back, "stage"), ==, stage_before);
  g_assert_true (json_object_get_null_member (back, "loss_reason"));
  g_assert_nonnull (crm_board_column_find_card (crm_test_ui_column_named (window, stage_before), deal_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "undo-lost-undone"));
}

static void
test_delete_and_undo (void)
{
  CrmBoardColumn *from;
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) gone = NULL, back = NULL;
  GtkWidget *page;

  show_sales ();
  from = crm_test_ui_column_named (window, "Квалифицирован");
  deal_id = g_strdup (crm_deal_card_get_deal_id (crm_board_column_get_card (from, 0)));
  crm_window_open_deal (window, deal_id);
  crm_test_ui_wait (200);
  page = crm_window_get_page (window, "deal");
  g_assert_nonnull (crm_test_ui_find (page, GTK_TYPE_BUTTON, "_Delete"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-page-delete"));
  g_assert_true (gtk_widget_activate_action (page, "deal.delete", NULL));
  crm_test_ui_wait (500);
  gone = replica_deal (deal_id);
  g_assert_null (gone);
  /* back on the board, without the deal */
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, board (), 5000));
  g_assert_null (crm_board_column_find_card (crm_test_ui_column_named (window, "Квалифицирован"), deal_id));

  press_undo ();
  back = replica_deal (deal_id);
  g_assert_nonnull (back);
  show_sales ();
  g_assert_nonnull (crm_board_column_find_card (crm_test_ui_column_named (window, "Квалифицирован"), deal_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "delete-undone"));
}

static void
test_mine (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *admin = g_strdup (crm_context_get_user_id (context));
  g_autofree char *me = NULL;
  g_autoptr(JsonArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *toggle;

  show_sales ();
  /* work as the rep responsible for the first qualified deal */
  {
    CrmDealCard *card = crm_board_column_get_card (crm_test_ui_column_named (window, "Квалифицирован"), 0);
    g_autoptr(JsonObject) deal = crm_store_dup_entity (crm_context_get_store (context), "deal",
                                                       crm_deal_card_get_deal_id (card));

    me = g_strdup (json_object_get_string_member (deal, "responsible"));
    crm_context_set_user (context, me);
    crm_test_ui_wait (200);
  }
  toggle = crm_test_ui_find (GTK_WIDGET (board ()), GTK_TYPE_TOGGLE_BUTTON, "_Mine");
  g_assert_nonnull (toggle);
  g_assert_false (crm_board_get_mine (board ()));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  crm_test_ui_wait (300);
  g_assert_true (crm_board_get_mine (board ()));
  g_assert_cmpstr (crm_board_get_responsible (board ()), ==, me);

  expected = crm_query_board_for (crm_context_get_store (context), crm_board_get_pipeline (board ()),
                                  NULL, me, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < crm_board_get_n_columns (board ()); i++)
    {
      CrmBoardColumn *column = crm_board_get_column (board (), i);
      JsonObject *stage = json_array_get_object_element (expected, i);

      g_assert_cmpuint (crm_board_column_get_n_cards (column), ==,
                        MIN (json_object_get_int_member (stage, "count"), 25));
    }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-mine"));
  g_assert_cmpuint (crm_board_column_get_n_cards (crm_test_ui_column_named (window, "Квалифицирован")), >, 0);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), FALSE);
  crm_test_ui_wait (200);
  g_assert_null (crm_board_get_responsible (board ()));
  crm_context_set_user (context, admin);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/undo/move", test_undo_move);
  g_test_add_func ("/ui/undo/drop-on-lost", test_drop_on_lost_and_undo);
  g_test_add_func ("/ui/undo/delete", test_delete_and_undo);
  g_test_add_func ("/ui/undo/mine", test_mine);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
