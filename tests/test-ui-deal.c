/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-deal.c — the deal page of the real app: opened from the board, a choice field
 * set from its drop-down, a tag added from the chips, a task added with its due date,
 * the timeline naming rule-made changes and changes from another device. Checks read
 * the replica through a connection of their own. */
#include "crm-test-ui.h"

#include "crm-board.h"
#include "crm-deal-page.h"
#include "crm-field-editor.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-tag-chips.h"
#include "crm-time.h"
#include "crm-timeline.h"
#include "crm-sync-indicator.h"
#include "crm-sync-state.h"

#include <sqlite3.h>

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *deal_id;

static CrmDealPage *
page (void)
{
  return CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
}

static gboolean
has_tag (JsonObject *deal,
         const char *name)
{
  JsonArray *tags = json_object_get_array_member (deal, "tags");

  for (guint i = 0; i < json_array_get_length (tags); i++)
    if (g_str_equal (json_array_get_string_element (tags, i), name))
      return TRUE;
  return FALSE;
}

static void
test_open_deal_from_board (void)
{
  CrmBoard *board = CRM_BOARD (crm_window_get_page (window, "board"));
  CrmBoardColumn *column = crm_board_get_column (board, 2);
  CrmDealCard *card = crm_board_column_get_card (column, 0);
  g_autoptr(JsonObject) deal = NULL;
  GtkWidget *title;

  g_assert_nonnull (card);
  deal_id = g_strdup (crm_deal_card_get_deal_id (card));
  /* Enter on a focused card activates its row, which runs this action */
  gtk_widget_grab_focus (GTK_WIDGET (card));
  crm_test_ui_wait (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "card.open", NULL));
  crm_test_ui_wait (200);
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
  g_assert_cmpstr (crm_deal_page_get_deal_id (page ()), ==, deal_id);

  deal = crm_test_ui_replica_deal (db_path, deal_id);
  title = crm_test_ui_find (GTK_WIDGET (page ()), GTK_TYPE_LABEL, json_object_get_string_member (deal, "title"));
  g_assert_nonnull (title);
  g_assert_cmpuint (crm_timeline_get_n_entries (crm_deal_page_get_timeline (page ())), >, 0);

  /* the page opens to be read: the title's field is not focused with its text selected,
   * where one key would replace it */
  {
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (page ()), ADW_TYPE_ENTRY_ROW, "Title");
    GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (window));

    g_assert_nonnull (row);
    g_assert_false (focus != NULL && (focus == row || gtk_widget_is_ancestor (focus, row)));
    g_assert_false (gtk_editable_get_selection_bounds (GTK_EDITABLE (row), NULL, NULL));
    /* nor the heading, shown in the selection's blue (the review's screenshot) */
    g_assert_false (gtk_label_get_selectable (GTK_LABEL (title)) &&
                    gtk_label_get_selection_bounds (GTK_LABEL (title), NULL, NULL));
    g_assert_false (focus == title);
  }
  /* the amount reads grouped by thousands, and is taken back as it is written; the
   * currency is in the row's title, not after its pencil (the review's «₽» after the
   * pencil) */
  {
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (page ()), ADW_TYPE_ENTRY_ROW, "Amount, ₽");
    const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
    JsonNode *amount = json_object_get_member (deal, "amount");
    gint64 minor = 0;

    if (amount == NULL || JSON_NODE_HOLDS_NULL (amount))
      g_assert_cmpstr (text, ==, "");
    else
      {
        gint64 stored = 0;

        /* crm_query_deal() writes money as the CLI does: "5200000.00" */
        g_assert_true (crm_money_parse (json_node_get_string (amount), &stored));
        /* the demo's trucks cost millions: «5 200 000» */
        g_assert_cmpint (stored, >=, 100000);
        g_assert_nonnull (strstr (text, "\u202f"));
        g_assert_true (crm_parse_money_input (text, &minor));
        g_assert_cmpint (minor, ==, stored);
      }
  }
}

static void
test_choice_field (void)
{
  CrmFieldEditor *editor = CRM_FIELD_EDITOR (crm_deal_page_get_field_editor (page (), "payment_type"));
  g_autoptr(JsonObject) deal = NULL;
  const char *current;
  const char *wanted;

  g_assert_nonnull (editor);
  deal = crm_test_ui_replica_deal (db_path, deal_id);
  current = json_object_get_string_member_with_default (json_object_get_object_member (deal, "fields"),
                                                        "payment_type", "");
  wanted = g_str_equal (current, "Кредит") ? "Наличные" : "Кредит";
  /* picks the drop-down item, as a click does */
  crm_field_editor_set_text (editor, wanted);
  crm_test_ui_wait (100);
  g_clear_pointer (&deal, json_object_unref);
  deal = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (deal, "fields"), "payment_type"),
                   ==, wanted);
}

static void
test_tag_editor (void)
{
  GtkWidget *chips = crm_test_ui_find (GTK_WIDGET (page ()), CRM_TYPE_TAG_CHIPS, NULL);
  g_autoptr(JsonObject) before = crm_test_ui_replica_deal (db_path, deal_id);
  g_autoptr(JsonObject) after = NULL;
  const char *tag = has_tag (before, "Krone") ? "Kögel" : "Krone";

  g_signal_emit_by_name (crm_tag_chips_get_chip (CRM_TAG_CHIPS (chips), tag), "clicked");
  crm_test_ui_wait (100);
  after = crm_test_ui_replica_deal (db_path, deal_id);
  g_assert_true (has_tag (after, tag));
  /* the chip shows the tag as on after the page re-read the deal */
  chips = crm_test_ui_find (GTK_WIDGET (page ()), CRM_TYPE_TAG_CHIPS, NULL);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (crm_tag_chips_get_chip (CRM_TAG_CHIPS (chips), tag))));
}

static void
test_add_task (void)
{
  g_autoptr(JsonObject) deal = NULL;
  JsonArray *tasks;
  gboolean found = FALSE;

  g_assert_true (crm_deal_page_add_task (page (), "Отправить фото техники"));
  crm_test_ui_wait (100);
  deal = crm_test_ui_replica_deal (db_path, deal_id);
  tasks = json_object_get_array_member (deal, "tasks");
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonObject *task = json_array_get_object_element (tasks, i);

      if (g_str_equal (json_object_get_string_member (task, "text"), "Отправить фото техники"))
        {
          found = TRUE;
          g_assert_false (json_object_get_boolean_member (task, "done"));
          g_assert_false (json_object_get_null_member (task, "due"));
          g_assert_cmpstr (json_object_get_string_member (task, "responsible"), ==, "admin");
        }
    }
  g_assert_true (found);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal"));
  /* and the lower half: tags, contacts, tasks, history */
  {
    GtkWidget *scroller = crm_test_ui_find (GTK_WIDGET (page ()), GTK_TYPE_SCROLLED_WINDOW, NULL);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) * 0.45);
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-tasks"));
    gtk_adjustment_set_value (adjustment, 0);
  }
}

/* A deal one of whose changes a rule made (the demo's Отказники deals get a task from
 * rule S0-6). */
static char *
find_deal_touched_by_rule (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (db_path, &error);
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Отказники", NULL, &error);
  CrmCardFilter filter = { .pipeline_id = pipeline, .limit = 50 };
  g_autoptr(JsonArray) cards = crm_query_deal_cards (store, &filter, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (cards); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (cards, i), "id");
      g_autoptr(JsonObject) deal = crm_query_deal (store, id, NULL);
      JsonArray *history = json_object_get_array_member (deal, "history");

      for (guint j = 0; j < json_array_get_length (history); j++)
        if (!json_object_get_null_member (json_array_get_object_element (history, j), "by_rule"))
          return g_strdup (id);
    }
  return NULL;
}

static void
test_timeline_marks_rules_and_devices (void)
{
  g_autofree char *ruled = find_deal_touched_by_rule ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) other = NULL;
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  g_autoptr(JsonObject) deal = NULL;
  CrmTimeline *timeline;
  CrmOp *op;

  g_assert_nonnull (ruled);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", ruled));
  crm_test_ui_wait (100);
  timeline = crm_deal_page_get_timeline (page ());
  g_assert_cmpuint (crm_timeline_get_n_by_rule (timeline), >, 0);
  g_assert_cmpuint (crm_timeline_get_n_remote (timeline), ==, 0);

  /* Another device renames the deal; the op arrives as sync would merge it. */
  other = crm_store_open (db_path, &error);
  g_assert_no_error (error);
  op = crm_op_new ();
  op->op_id = crm_store_new_id (other);
  op->hlc = ((guint64) (crm_store_get_now (other) + 1000) << 16);
  op->device = g_strdup ("0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee");
  op->entity = g_strdup ("deal");
  op->entity_id = g_strdup (ruled);
  op->fields = json_object_new ();
  json_object_set_string_member (op->fields, "title", "Volvo FH 500, переименовано на планшете");
  g_ptr_array_add (ops, op);
  g_assert_true (crm_store_merge_ops (other, ops, &error));
  g_assert_no_error (error);

  /* F5 re-reads the replica */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.refresh", NULL));
  crm_test_ui_wait (100);
  g_assert_cmpuint (crm_timeline_get_n_remote (timeline), ==, 1);
  deal = crm_test_ui_replica_deal (db_path, ruled);
  g_assert_cmpstr (json_object_get_string_member (deal, "title"), ==, "Volvo FH 500, переименовано на планшете");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (page ()), GTK_TYPE_LABEL,
                                      "Volvo FH 500, переименовано на планшете"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "deal-timeline"));

  /* back to where we came from */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "deal:"));
}

/* A conflict merge recorded and a change the server refused show in the header's sync
 * state, one click away; marking them seen clears both. The rows are written the way
 * core records them (the local `conflict` table; a rejection's remote_actor is
 * "rejected:CODE" and its changelog row pushed = -1). */
static void
test_sync_problems_one_click_away (void)
{
  CrmSyncIndicator *indicator = crm_window_get_sync_indicator (window);
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  GtkWidget *popover;

  g_assert_cmpuint (crm_sync_indicator_get_n_problems (indicator), ==, 0);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sql = g_strdup_printf ("INSERT INTO conflict (entity, entity_id, field, local_value, remote_value,"
                         " remote_device, created_at) VALUES ('deal', '%s', 'amount', '5000000',"
                         " '5200000', 'tablet', %" G_GINT64_FORMAT ");"
                         "INSERT INTO conflict (entity, entity_id, field, local_value, remote_value,"
                         " local_hlc, remote_device, remote_actor, created_at) VALUES ('deal', '%s',"
                         " 'title', '\"Мой заголовок\"', '\"Заголовок сервера\"', 1, 'server',"
                         " 'rejected:permission-denied', %" G_GINT64_FORMAT ");"
                         "UPDATE changelog SET pushed = -1 WHERE seq = (SELECT max (seq) FROM changelog"
                         " WHERE local = 1 AND entity = 'deal');", deal_id, crm_time_now_ms (), deal_id,
                         crm_time_now_ms ());
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  crm_sync_indicator_refresh (indicator);
  g_assert_cmpuint (crm_sync_indicator_get_n_problems (indicator), ==, 2);
  popover = crm_sync_indicator_get_popover (indicator);
  gtk_popover_popup (GTK_POPOVER (popover));
  crm_test_ui_wait (200);
  /* one row per record, worded by core (crm-describe.c): ui-sync checks the words */
  g_assert_nonnull (crm_test_ui_find (popover, GTK_TYPE_LIST_BOX_ROW, NULL));
  g_free (crm_test_ui_screenshot (popover, "sync-popover"));

  g_signal_emit_by_name (crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Mark All as Seen"), "clicked");
  crm_test_ui_wait (50);
  g_assert_cmpuint (crm_sync_indicator_get_n_problems (indicator), ==, 0);
  gtk_popover_popdown (GTK_POPOVER (popover));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/deal/open-from-board", test_open_deal_from_board);
  g_test_add_func ("/ui/deal/choice-field", test_choice_field);
  g_test_add_func ("/ui/deal/tag-editor", test_tag_editor);
  g_test_add_func ("/ui/deal/add-task", test_add_task);
  g_test_add_func ("/ui/deal/timeline", test_timeline_marks_rules_and_devices);
  g_test_add_func ("/ui/deal/sync-problems", test_sync_problems_one_click_away);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (deal_id);
  return status;
}
