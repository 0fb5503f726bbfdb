/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-board.c — the real app on a demo replica: the board of «Продажи» with counts
 * and sums (cards below the first screen built after the first frame, without being
 * asked for), a card moved with its keyboard action, a move to the lost stage that opens
 * the loss-reason dialog (cancelled: nothing changes; filled: the deal is lost with that
 * reason), and the brand tag filter. Every check reads the replica through its own
 * connection afterwards. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-board.h"
#include "crm-gate-dialog.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-automation-view.h"
#include "crm-rules.h"
#include "crm-stock-view.h"
#include "crm-tag-chips.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmBoard *
board (void)
{
  return CRM_BOARD (crm_window_get_page (window, "board"));
}

static gboolean
board_has_pending_cards (gpointer data)
{
  for (guint i = 0; i < crm_board_get_n_columns (board ()); i++)
    if (crm_board_column_has_pending (crm_board_get_column (board (), i)))
      return TRUE;
  return FALSE;
}

static gboolean
board_is_complete (gpointer data)
{
  return crm_test_ui_widget_is_drawn (board ()) && crm_board_get_n_columns (board ()) > 0 &&
         !board_has_pending_cards (NULL);
}

/* The window opens with only the first screen of cards built; the rest follow after the
 * first frame by themselves, on the first board and on one shown later. */
static void
test_board_fills_after_first_frame (void)
{
  CrmContext *context = crm_window_get_context (window);
  const char *leasing = crm_context_find_pipeline_by_name (context, "Лизинг");
  g_autofree char *view = NULL;

  g_assert_true (crm_test_ui_wait_until (board_is_complete, NULL, 10000));
  g_assert_nonnull (leasing);
  view = g_strconcat ("pipeline:", leasing, NULL);
  crm_window_show_view (window, view);
  g_assert_cmpstr (crm_board_get_pipeline (board ()), ==, leasing);
  g_assert_true (crm_test_ui_wait_until (board_is_complete, NULL, 10000));
  for (guint i = 0; i < crm_board_get_n_columns (board ()); i++)
    {
      CrmBoardColumn *column = crm_board_get_column (board (), i);
      g_autoptr(JsonArray) columns =
        crm_query_board_columns (crm_context_get_store (context), leasing, NULL, NULL, NULL);
      gint64 count = json_object_get_int_member (json_array_get_object_element (columns, i),
                                                 "count");

      g_assert_cmpuint (crm_board_column_get_n_cards (column), ==, MIN (count, 25));
    }
}

static void
test_board_shows_pipeline (void)
{
  CrmContext *context = crm_window_get_context (window);
  const char *sales = crm_context_find_pipeline_by_name (context, "Продажи");
  g_autoptr(JsonArray) columns = NULL;
  gint64 total_cards = 0;

  g_assert_nonnull (sales);
  {
    g_autofree char *view = g_strconcat ("pipeline:", sales, NULL);

    crm_window_show_view (window, view);
  }
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_board_get_pipeline (board ()), ==, sales);
  g_assert_cmpuint (crm_board_get_n_columns (board ()), ==, 12);

  /* Each column shows its stage's deals (a page of them) and the count the replica has. */
  columns = crm_query_board_columns (crm_context_get_store (context), sales, NULL, NULL, NULL);
  for (guint i = 0; i < json_array_get_length (columns); i++)
    {
      JsonObject *expected = json_array_get_object_element (columns, i);
      CrmBoardColumn *column = crm_board_get_column (board (), i);
      gint64 count = json_object_get_int_member (expected, "count");

      g_assert_cmpstr (crm_board_column_get_stage_id (column), ==, json_object_get_string_member (expected, "id"));
      g_assert_cmpuint (crm_board_column_get_n_cards (column), ==, MIN (count, 25));
      total_cards += count;
    }
  g_assert_cmpint (total_cards, >, 50);
}

static gboolean
card_needs_task (gpointer deal_id)
{
  CrmDealCard *card = crm_board_column_find_card (crm_test_ui_column_named (window, "Новая заявка"), deal_id);

  return card != NULL && crm_deal_card_get_needs_task (card);
}

/* A deal left without an open task shows a warning on its card. */
static void
test_warning_without_task (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmBoardColumn *column = crm_test_ui_column_named (window, "Новая заявка");
  CrmDealCard *card = crm_board_column_get_card (column, 1);
  g_autofree char *deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  g_autoptr(JsonNode) tasks = crm_query_tasks (crm_context_get_store (context), deal_id, TRUE, NULL, NULL);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array = json_node_get_array (tasks);

  CrmDealCard *neighbour = crm_board_column_get_card (column, 0);
  g_autofree char *neighbour_id = g_strdup (crm_deal_card_get_deal_id (neighbour));

  g_assert_false (crm_deal_card_get_needs_task (card));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CrmChange *change = crm_changeset_touch (changeset, "task",
                                               json_object_get_string_member (json_array_get_object_element (array, i), "id"));

      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_string (change, "result", "Клиент думает");
    }
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);
  /* the board reloads when idle, its first screen first: wait (bounded) for the card */
  g_assert_true (crm_test_ui_wait_until (card_needs_task, (gpointer) deal_id, 5000));
  card = crm_board_column_find_card (column, deal_id);
  g_assert_true (crm_deal_card_get_needs_task (card));
  /* only the card of the changed deal was built again: its neighbour is the same widget
   * (what keeps keyboard focus and scrolling where they were) */
  g_assert_true (crm_board_column_find_card (column, neighbour_id) == neighbour);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board"));
}

static GtkWidget *
find_popover (GtkWidget *widget)
{
  if (GTK_IS_POPOVER (widget) && gtk_widget_get_visible (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_popover (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; !handled && i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  return handled;
}

/* The card's stage menu (Ctrl+M) goes to its first and last stage with Home and End. */
static void
test_stage_menu_home_end (void)
{
  CrmDealCard *card = crm_board_column_get_card (crm_test_ui_column_named (window, "Новая заявка"), 0);
  GtkWidget *popover;
  GtkWidget *first = NULL, *last = NULL;

  g_assert_nonnull (card);
  gtk_widget_grab_focus (GTK_WIDGET (card));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "card.move-menu", NULL));
  crm_test_ui_wait (300);
  popover = find_popover (GTK_WIDGET (card));
  g_assert_nonnull (popover);
  g_free (crm_test_ui_screenshot (popover, "stage-menu"));

  g_assert_true (press_key (popover, GDK_KEY_End));
  crm_test_ui_wait (50);
  last = gtk_window_get_focus (GTK_WINDOW (window));
  g_assert_true (last != NULL && gtk_widget_is_ancestor (last, popover));
  g_assert_true (press_key (popover, GDK_KEY_Home));
  crm_test_ui_wait (50);
  first = gtk_window_get_focus (GTK_WINDOW (window));
  g_assert_true (first != NULL && gtk_widget_is_ancestor (first, popover));
  g_assert_true (first != last);
  /* the last item is below the first */
  {
    graphene_point_t a = GRAPHENE_POINT_INIT (0, 0), b;

    g_assert_true (gtk_widget_compute_point (last, first, &a, &b));
    g_assert_cmpfloat (b.y, >, 0);
  }
  gtk_popover_popdown (GTK_POPOVER (popover));
  crm_test_ui_wait (100);
}

static void
test_move_card_with_keyboard (void)
{
  CrmBoardColumn *from = crm_test_ui_column_named (window, "Новая заявка");
  CrmDealCard *card = crm_board_column_get_card (from, 0);
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;

  g_assert_nonnull (card);
  deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  gtk_widget_grab_focus (GTK_WIDGET (card));
  /* Alt+Right is bound to this action */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "card.move-next", NULL));
  crm_test_ui_wait (100);

  deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Квалифицирован");
  /* the card is in its new column, and keeps the keyboard focus */
  card = crm_board_column_find_card (crm_test_ui_column_named (window, "Квалифицирован"), deal_id);
  g_assert_nonnull (card);
  g_assert_null (crm_board_column_find_card (crm_test_ui_column_named (window, "Новая заявка"), deal_id));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (card)));
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

/* Drag and drop, without a pointer: what the card's drag source offers is what the
 * target column's drop target receives. */
static void
test_drag_and_drop (void)
{
  CrmBoardColumn *from = crm_test_ui_column_named (window, "Неразобранное");
  CrmBoardColumn *to = crm_test_ui_column_named (window, "Новая заявка");
  CrmDealCard *card = crm_board_column_get_card (from, 0);
  g_autofree char *deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  GtkEventController *source = find_controller (GTK_WIDGET (card), GTK_TYPE_DRAG_SOURCE);
  GtkEventController *target = find_controller (GTK_WIDGET (to), GTK_TYPE_DROP_TARGET);
  g_autoptr(GdkContentProvider) content = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) deal = NULL;
  gboolean accepted = FALSE;

  g_assert_nonnull (source);
  g_assert_nonnull (target);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_nonnull (content);
  g_value_init (&value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&value), ==, deal_id);

  g_signal_emit_by_name (target, "drop", &value, 40.0, 80.0, &accepted);
  g_assert_true (accepted);
  crm_test_ui_wait (100);
  deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Новая заявка");
  g_assert_nonnull (crm_board_column_find_card (to, deal_id));
}

/* A real pointer drag (the review: no test drags with a pointer): xdotool presses the
 * mouse on a card through the X server's XTEST, moves it over the next column in steps
 * and lets go; the app's own gestures see real events, and the deal moves. */
static void
test_pointer_drag (void)
{
  CrmBoardColumn *from = crm_test_ui_column_named (window, "Неразобранное");
  CrmBoardColumn *to = crm_test_ui_column_named (window, "Новая заявка");
  CrmDealCard *card = crm_board_column_get_card (from, 0);
  g_autofree char *deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  g_autofree char *xid = crm_test_ui_xid (GTK_WINDOW (window));
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) deal = NULL;
  int x1, y1, x2, y2;

  if (xid == NULL)
    return;
  gtk_window_present (GTK_WINDOW (window));
  crm_test_ui_wait (200);
  /* the card by its title; the column low enough to miss the won/lost zones that
   * slide in above the columns while a card is dragged */
  crm_test_ui_window_point (GTK_WINDOW (window), GTK_WIDGET (card),
                            gtk_widget_get_width (GTK_WIDGET (card)) / 2.0,
                            MIN (gtk_widget_get_height (GTK_WIDGET (card)) / 2.0, 30.0), &x1, &y1);
  crm_test_ui_window_point (GTK_WINDOW (window), GTK_WIDGET (to),
                            gtk_widget_get_width (GTK_WIDGET (to)) / 2.0,
                            gtk_widget_get_height (GTK_WIDGET (to)) * 0.6, &x2, &y2);
  g_test_message ("drag %s from %d,%d to %d,%d", deal_id, x1, y1, x2, y2);

#define ADD(...) g_ptr_array_add (argv, g_strdup_printf (__VA_ARGS__))
  ADD ("mousemove"); ADD ("--window"); ADD ("%s", xid); ADD ("%d", x1); ADD ("%d", y1);
  ADD ("sleep"); ADD ("0.3");
  ADD ("mousedown"); ADD ("1");
  ADD ("sleep"); ADD ("0.2");
  /* past GTK's drag threshold, then across in steps, as a hand does */
  for (int step = 1; step <= 8; step++)
    {
      ADD ("mousemove"); ADD ("--window"); ADD ("%s", xid);
      ADD ("%d", x1 + (x2 - x1) * step / 8); ADD ("%d", y1 + (y2 - y1) * step / 8 + (step == 1 ? 12 : 0));
      ADD ("sleep"); ADD ("0.15");
    }
  ADD ("sleep"); ADD ("0.3");
  ADD ("mouseup"); ADD ("1");
#undef ADD
  if (!crm_test_ui_xdotool (argv))
    return;
  crm_test_ui_wait (500);

  deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (deal, "stage"), ==, "Новая заявка");
  g_assert_nonnull (crm_board_column_find_card (to, deal_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-pointer-drag"));
}

static void
test_move_to_lost_asks_for_reason (void)
{
  CrmBoardColumn *from = crm_test_ui_column_named (window, "Встреча согласована");
  CrmBoardColumn *lost = crm_test_ui_column_named (window, "Закрыто и не реализовано");
  CrmDealCard *card = crm_board_column_get_card (from, 0);
  g_autofree char *deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  CrmGateDialog *dialog;
  g_autoptr(JsonObject) before = crm_test_ui_replica_deal (db_path, deal_id);
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonObject) after = NULL;
  GtkWidget *row;
  GtkWidget *close_button;
  GtkWidget *comment;
  JsonArray *history;
  gboolean noted = FALSE;

  /* the same action a drop on the column runs */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "board.move-deal", "(ss)", deal_id,
                                             crm_board_column_get_stage_id (lost)));
  dialog = CRM_GATE_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG));
  g_assert_cmpstr (crm_gate_dialog_get_gate (dialog), ==, "loss-reason-required");
  /* the reasons of the pipeline are offered */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "Дорого"));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "Купил в другом месте"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "gate-dialog"));

  /* nothing written while the dialog is open; «Close Deal» waits for a reason (and the
   * action itself refuses without one) */
  cancelled = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "stage"), ==,
                   json_object_get_string_member (before, "stage"));
  close_button = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, "C_lose Deal");
  g_assert_nonnull (close_button);
  g_assert_false (gtk_widget_get_sensitive (close_button));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  g_assert_cmpstr (crm_gate_dialog_get_message (dialog), !=, "");
  g_assert_nonnull (crm_test_ui_find_window (CRM_TYPE_GATE_DIALOG));

  /* pick «Дорого» by activating its row, as a click or Space does; add a comment */
  row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ACTION_ROW, "Дорого");
  adw_action_row_activate (ADW_ACTION_ROW (row));
  g_assert_true (gtk_widget_get_sensitive (close_button));
  comment = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "Comment (optional)");
  g_assert_nonnull (comment);
  gtk_editable_set_text (GTK_EDITABLE (comment), "  Нашёл на 300 тыс. дешевле у дилера в Казани ");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "gate-dialog-reason"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  crm_test_ui_wait (100);

  after = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (after, "stage"), ==, "Закрыто и не реализовано");
  g_assert_cmpstr (json_object_get_string_member (after, "stage_kind"), ==, "lost");
  g_assert_cmpstr (json_object_get_string_member (after, "loss_reason"), ==, "Дорого");
  g_assert_nonnull (crm_board_column_find_card (lost, deal_id));
  /* the comment is in the deal's history, trimmed */
  history = json_node_get_array (json_object_get_member (after, "history"));
  for (guint i = 0; history != NULL && i < json_array_get_length (history); i++)
    {
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_root (gen, json_array_get_element (history, i));
      text = json_generator_to_data (gen, NULL);
      if (strstr (text, "\"Нашёл на 300 тыс. дешевле у дилера в Казани\"") != NULL)
        noted = TRUE;
    }
  g_assert_true (noted);
}

static void
test_cancelled_gate_changes_nothing (void)
{
  CrmBoardColumn *from = crm_test_ui_column_named (window, "Квалифицирован");
  CrmBoardColumn *lost = crm_test_ui_column_named (window, "Закрыто и не реализовано");
  g_autofree char *deal_id = g_strdup (crm_deal_card_get_deal_id (crm_board_column_get_card (from, 0)));
  g_autoptr(JsonObject) after = NULL;
  GtkWindow *dialog;

  crm_board_move_deal (board (), deal_id, crm_board_column_get_stage_id (lost), NULL);
  dialog = crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.cancel", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  crm_test_ui_wait (100);

  after = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (after, "stage"), ==, "Квалифицирован");
  g_assert_true (json_object_get_null_member (after, "loss_reason"));
  g_assert_nonnull (crm_board_column_find_card (from, deal_id));
}

static void
test_brand_filter (void)
{
  CrmContext *context = crm_window_get_context (window);
  GtkWidget *chips = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_TAG_CHIPS, NULL);
  GtkWidget *volvo = crm_tag_chips_get_chip (CRM_TAG_CHIPS (chips), "Volvo");
  g_autofree char *volvo_id = crm_query_resolve (crm_context_get_store (context), "tag", "Volvo", NULL, NULL);
  const char *tags[] = { volvo_id, NULL };
  g_autoptr(JsonArray) columns = NULL;
  guint shown = 0;

  g_assert_nonnull (volvo);
  /* the chip in the header's tag popover, clicked */
  g_signal_emit_by_name (volvo, "clicked");
  crm_test_ui_wait (100);
  g_assert_cmpstr (crm_context_get_tag_filter (context)[0], ==, volvo_id);

  columns = crm_query_board_columns (crm_context_get_store (context),
                                     crm_board_get_pipeline (board ()), tags, NULL, NULL);
  for (guint i = 0; i < crm_board_get_n_columns (board ()); i++)
    {
      CrmBoardColumn *column = crm_board_get_column (board (), i);
      gint64 expected = json_object_get_int_member (json_array_get_object_element (columns, i), "count");

      g_assert_cmpuint (crm_board_column_get_n_cards (column), ==, MIN (expected, 25));
      for (guint j = 0; j < crm_board_column_get_n_cards (column); j++)
        {
          g_autoptr(JsonObject) deal = crm_test_ui_replica_deal (db_path, crm_deal_card_get_deal_id (crm_board_column_get_card (column, j)));
          JsonArray *deal_tags = json_object_get_array_member (deal, "tags");
          gboolean has_volvo = FALSE;

          for (guint k = 0; k < json_array_get_length (deal_tags); k++)
            has_volvo |= g_str_equal (json_array_get_string_element (deal_tags, k), "Volvo");
          g_assert_true (has_volvo);
          shown++;
        }
    }
  g_assert_cmpuint (shown, >, 0);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "board-volvo"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-filter", NULL));
  g_assert_null (crm_context_get_tag_filter (context)[0]);
}

/* S0-7: the brand's purchasing deals by stage, and the sales deals waiting for it. */
static void
test_stock_view (void)
{
  CrmContext *context = crm_window_get_context (window);
  CrmStore *store = crm_context_get_store (context);
  CrmStockView *stock = CRM_STOCK_VIEW (crm_window_get_page (window, "stock"));
  g_autofree char *scania = crm_query_resolve (store, "tag", "Scania", NULL, NULL);
  const char *tags[] = { scania, NULL };
  CrmCardFilter purchasing = { .pipeline_id = crm_context_find_pipeline_by_name (context, "Отдел закупок"),
                               .tag_ids = tags };
  CrmCardFilter waiting = { .pipeline_id = crm_context_find_pipeline_by_name (context, "Продажи"),
                            .tag_ids = tags, .flag_field = "waiting_for_stock", .open_only = TRUE };
  gint64 n_purchasing = 0, n_waiting = 0;
  g_autoptr(JsonArray) a = crm_query_deal_cards (store, &purchasing, &n_purchasing, NULL);
  g_autoptr(JsonArray) b = crm_query_deal_cards (store, &waiting, &n_waiting, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "stock"));
  crm_test_ui_wait (200);
  g_assert_true (crm_stock_view_set_brand (stock, "Scania"));
  crm_test_ui_wait (100);
  g_assert_cmpint (n_purchasing, >, 0);
  g_assert_cmpuint (crm_stock_view_get_n_stock (stock), ==, n_purchasing);
  g_assert_cmpuint (crm_stock_view_get_n_waiting (stock), ==, n_waiting);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "stock"));
}

/* Admins see the account's rules; turning one off is written to the replica. */
static void
test_automation_view (void)
{
  CrmAutomationView *automation = CRM_AUTOMATION_VIEW (crm_window_get_page (window, "automation"));
  GtkWidget *toggle;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) rules = NULL;
  gboolean found_off = FALSE;
  JsonArray *array;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "automation"));
  crm_test_ui_wait (200);
  g_assert_cmpuint (crm_automation_view_get_n_rules (automation), >, 3);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "automation"));
  {
    /* a rule reads as words: no requirement id in its name, no type names in its line */
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (automation), ADW_TYPE_ACTION_ROW, NULL);
    const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
    const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));

    g_assert_null (strstr (title, "S0-"));
    g_assert_true (g_str_has_prefix (subtitle, "When "));
    g_assert_null (strchr (subtitle, '_'));
  }

  toggle = crm_test_ui_find (GTK_WIDGET (automation), GTK_TYPE_SWITCH, NULL);
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  crm_test_ui_wait (100);
  store = crm_store_open (db_path, NULL);
  rules = crm_rules_list (store, NULL);
  array = json_node_get_array (rules);
  for (guint i = 0; i < json_array_get_length (array); i++)
    found_off |= !json_object_get_boolean_member_with_default (json_array_get_object_element (array, i), "enabled", TRUE);
  g_assert_true (found_off);
}

static void
test_shortcuts_window (void)
{
  GtkWindow *shortcuts;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  shortcuts = crm_test_ui_wait_for_window (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (shortcuts), GTK_TYPE_SHORTCUTS_SHORTCUT,
                                      "Move the card to the next stage"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (shortcuts), "shortcuts"));
  gtk_window_close (shortcuts);
  crm_test_ui_wait (100);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/board/fills-after-first-frame", test_board_fills_after_first_frame);
  g_test_add_func ("/ui/board/shows-pipeline", test_board_shows_pipeline);
  g_test_add_func ("/ui/board/warning-without-task", test_warning_without_task);
  g_test_add_func ("/ui/board/stage-menu-home-end", test_stage_menu_home_end);
  g_test_add_func ("/ui/board/move-card-keyboard", test_move_card_with_keyboard);
  g_test_add_func ("/ui/board/drag-and-drop", test_drag_and_drop);
  g_test_add_func ("/ui/board/pointer-drag", test_pointer_drag);
  g_test_add_func ("/ui/board/lost-needs-reason", test_move_to_lost_asks_for_reason);
  g_test_add_func ("/ui/board/cancel-changes-nothing", test_cancelled_gate_changes_nothing);
  g_test_add_func ("/ui/board/brand-filter", test_brand_filter);
  g_test_add_func ("/ui/board/stock-view", test_stock_view);
  g_test_add_func ("/ui/board/automation-view", test_automation_view);
  g_test_add_func ("/ui/board/shortcuts-window", test_shortcuts_window);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
