/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-schedule.c — «График» in the real app on a design-studio replica (its reps
 * have weekly shifts, the account is in Europe/Moscow), at a fixed moment, Wednesday
 * 11 March 2026 12:00 Moscow time: the week grid shows each person's shifts, «day off»
 * and «—» for no schedule, today marked; the arrows move by a week and «This week» comes
 * back; a group without schedules shows the empty page; who is on shift now is listed by
 * group; a head changes a day in its popover (a shift, a day off, back to the usual
 * week), the replica says so, bad hours are refused in the popover and change nothing; a
 * rep sees the grid but cannot change it. The Automation view words the studio's rules
 * (results, counters, invariant timers, group recipients). Screenshots at 800×600, in
 * English and Russian. */
#include <string.h>

#include "crm-test-ui.h"

#include "crm-automation-view.h"
#include "crm-rules.h"
#include "crm-schedule.h"
#include "crm-schedule-view.h"
#include "crm-sidebar.h"
#include "crm-sidebar-row.h"
#include "crm-time.h"
#include "crm-view.h"

/* Wednesday 2026-03-11 09:00 UTC = 12:00 in Moscow */
#define NOW_ISO "2026-03-11T09:00:00Z"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static char *
make_studio (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) root = NULL;
  char *path = g_build_filename (dir, "studio.db", NULL);

  root = crm_template_load ("design-studio", &error);
  g_assert_no_error (error);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  g_assert_no_error (error);
  return path;
}

static CrmContext *
context (void)
{
  return crm_window_get_context (window);
}

static CrmScheduleView *
schedule_view (void)
{
  return CRM_SCHEDULE_VIEW (crm_window_get_page (window, "schedule"));
}

static void
fix_now (void)
{
  gint64 now;

  g_assert_true (crm_time_parse (NOW_ISO, &now));
  crm_store_set_now (crm_context_get_store (context ()), now);
}

static void
show_schedule (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "schedule"));
  crm_test_ui_wait (200);
  crm_view_reload (CRM_VIEW (schedule_view ()));
  crm_test_ui_wait (100);
}

static const char *
user_id (const char *name)
{
  JsonArray *users = crm_context_get_users (context ());

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "name"), name) == 0)
        return json_object_get_string_member (user, "id");
    }
  g_assert_not_reached ();
  return NULL;
}

static const char *
cell_text (const char *name,
           guint       day)
{
  return crm_schedule_view_get_cell_text (schedule_view (), user_id (name), day);
}

static gboolean
sidebar_has (const char *view)
{
  GtkWidget *sidebar = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_SIDEBAR, NULL);
  GQueue queue = G_QUEUE_INIT;
  gboolean found = FALSE;

  g_queue_push_tail (&queue, sidebar);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_SIDEBAR_ROW (widget) &&
          g_strcmp0 (crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (widget)), view) == 0)
        found = TRUE;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return found;
}

/* The exceptions the replica holds for @name, through a connection of the test's own. */
static guint
n_exceptions (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonObject) shown = crm_schedule_show (store, name, 0, &error);

  g_assert_no_error (error);
  return json_array_get_length (json_object_get_array_member (shown, "exceptions"));
}

static void
test_start (void)
{
  tmpdir = crm_test_make_tmpdir ();
  db_path = make_studio (tmpdir);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  fix_now ();
  crm_test_ui_wait (200);
  g_assert_true (crm_context_is_admin (context ()));
  g_assert_true (sidebar_has ("schedule"));
}

/* This week's grid: the people, their hours, days off, no schedule, today marked. */
static void
test_week_grid (void)
{
  GtkWidget *today;

  show_schedule ();
  g_assert_cmpstr (crm_schedule_view_get_state (schedule_view ()), ==, "week");
  g_assert_cmpstr (crm_schedule_view_get_monday (schedule_view ()), ==, "2026-03-09");
  g_assert_cmpuint (crm_schedule_view_get_n_people (schedule_view ()), ==, 6);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 0), ==, "09:00–18:00");
  g_assert_cmpstr (cell_text ("Дарья Васильева", 5), ==, "10:00–16:00");
  g_assert_cmpstr (cell_text ("Максим Павлов", 3), ==, "day off");
  g_assert_cmpstr (cell_text ("Юлия Семёнова", 0), ==, "12:00–21:00");
  g_assert_cmpstr (cell_text ("Юлия Семёнова", 1), ==, "day off");
  /* no schedule is not a day off */
  g_assert_cmpstr (cell_text ("Артём Голубев", 2), ==, "—");
  /* Wednesday is today */
  today = crm_schedule_view_get_cell (schedule_view (), user_id ("Дарья Васильева"), 2);
  g_assert_true (gtk_widget_has_css_class (today, "today"));
  g_assert_false (gtk_widget_has_css_class (crm_schedule_view_get_cell (schedule_view (),
                                                                        user_id ("Дарья Васильева"), 1),
                                            "today"));
  /* on shift at Wednesday noon: Дарья (9–18) and Максим (10–19), not Юлия (off) */
  g_assert_cmpuint (crm_schedule_view_get_n_on_shift (schedule_view ()), ==, 2);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_LABEL,
                                      "Дарья Васильева until 18:00, Максим Павлов until 19:00"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "schedule"));
}

/* The arrows move a week; «This week» returns; the header says which week. */
static void
test_move_weeks (void)
{
  GtkWidget *next, *button;

  show_schedule ();
  button = crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_BUTTON, "_This Week");
  g_assert_nonnull (button);
  /* next: the sibling after «This week» */
  next = gtk_widget_get_next_sibling (button);
  g_signal_emit_by_name (next, "clicked");
  crm_test_ui_wait (50);
  g_assert_cmpstr (crm_schedule_view_get_monday (schedule_view ()), ==, "2026-03-16");
  /* no day of that week is today */
  g_assert_false (gtk_widget_has_css_class (crm_schedule_view_get_cell (schedule_view (),
                                                                        user_id ("Дарья Васильева"), 2),
                                            "today"));
  g_signal_emit_by_name (gtk_widget_get_prev_sibling (button), "clicked");
  g_signal_emit_by_name (gtk_widget_get_prev_sibling (button), "clicked");
  crm_test_ui_wait (50);
  g_assert_cmpstr (crm_schedule_view_get_monday (schedule_view ()), ==, "2026-03-02");
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (50);
  g_assert_cmpstr (crm_schedule_view_get_monday (schedule_view ()), ==, "2026-03-09");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_LABEL,
                                      "9 Mar – 15 Mar 2026"));
}

/* A group of people without schedules: the empty page says what to do; its button shows
 * the grid anyway (a head sets days one by one). */
static void
test_group_and_empty (void)
{
  GtkWidget *button;

  show_schedule ();
  crm_schedule_view_set_group (schedule_view (), "Отдел продаж");
  g_assert_cmpuint (crm_schedule_view_get_n_people (schedule_view ()), ==, 4);
  g_assert_cmpuint (crm_schedule_view_get_n_on_shift (schedule_view ()), ==, 2);
  crm_schedule_view_set_group (schedule_view (), "Сметный отдел");
  g_assert_cmpuint (crm_schedule_view_get_n_people (schedule_view ()), ==, 1);
  g_assert_cmpuint (crm_schedule_view_get_n_on_shift (schedule_view ()), ==, 0);
  g_assert_cmpstr (crm_schedule_view_get_state (schedule_view ()), ==, "empty");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "schedule-empty"));
  button = crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_BUTTON, "_Set Shifts Day by Day");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (50);
  g_assert_cmpstr (crm_schedule_view_get_state (schedule_view ()), ==, "week");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_LABEL,
                                      "Nobody is on shift now"));
  crm_schedule_view_set_group (schedule_view (), NULL);
  g_assert_cmpuint (crm_schedule_view_get_n_people (schedule_view ()), ==, 6);
}

/* Opens the popover of a cell and returns it. */
static GtkWidget *
open_day (const char *name,
          guint       day)
{
  GtkWidget *cell = crm_schedule_view_get_cell (schedule_view (), user_id (name), day);
  GtkPopover *popover;

  g_assert_true (GTK_IS_MENU_BUTTON (cell));
  gtk_menu_button_popup (GTK_MENU_BUTTON (cell));
  crm_test_ui_wait (150);
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (cell));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  return GTK_WIDGET (popover);
}

static void
type_hours (GtkWidget  *popover,
            const char *hours)
{
  GtkWidget *entry = crm_test_ui_find (popover, GTK_TYPE_ENTRY, NULL);

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), hours);
  g_signal_emit_by_name (entry, "activate");
  crm_test_ui_wait (200);
}

/* A head changes days: a one-off shift, a day off, back to the usual week; bad hours are
 * refused in the popover, naming them, and the replica keeps what it had. */
static void
test_edit_day (void)
{
  GtkWidget *popover, *error_label, *button;
  guint before;

  show_schedule ();
  /* Юлия's Tuesday off becomes a shift */
  popover = open_day ("Юлия Семёнова", 1);
  g_free (crm_test_ui_screenshot (popover, "schedule-popover"));
  type_hours (popover, "10:00-19:00");
  g_assert_cmpstr (cell_text ("Юлия Семёнова", 1), ==, "10:00–19:00");
  g_assert_cmpuint (n_exceptions ("Юлия Семёнова"), ==, 1);

  /* bad hours: said in the popover, nothing written */
  before = n_exceptions ("Дарья Васильева");
  popover = open_day ("Дарья Васильева", 3);
  type_hours (popover, "25:00-18:00");
  g_assert_true (gtk_widget_get_visible (popover));
  error_label = crm_test_ui_find (popover, GTK_TYPE_LABEL, NULL);
  while (error_label != NULL && !gtk_widget_has_css_class (error_label, "error"))
    error_label = gtk_widget_get_next_sibling (error_label);
  g_assert_nonnull (error_label);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "25:00"));
  g_assert_cmpuint (n_exceptions ("Дарья Васильева"), ==, before);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 3), ==, "09:00–18:00");
  gtk_popover_popdown (GTK_POPOVER (popover));
  crm_test_ui_wait (50);

  /* Дарья's Friday off, then back to the usual week */
  popover = open_day ("Дарья Васильева", 4);
  button = crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Day Off");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (200);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 4), ==, "day off");
  g_assert_cmpuint (n_exceptions ("Дарья Васильева"), ==, before + 1);
  popover = open_day ("Дарья Васильева", 4);
  button = crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Usual Week");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (200);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 4), ==, "09:00–18:00");
  g_assert_cmpuint (n_exceptions ("Дарья Васильева"), ==, before);
}

/* A rep with a schedule finds the view and reads it; the cells are not buttons. */
static void
test_rep_reads_only (void)
{
  const char *admin = g_strdup (crm_context_get_user_id (context ()));

  crm_context_set_user (context (), user_id ("Дарья Васильева"));
  crm_test_ui_wait (200);
  g_assert_true (sidebar_has ("schedule"));
  show_schedule ();
  g_assert_true (GTK_IS_LABEL (crm_schedule_view_get_cell (schedule_view (),
                                                           user_id ("Дарья Васильева"), 0)));
  /* Артём has no schedule: no «График» for him */
  crm_context_set_user (context (), user_id ("Артём Голубев"));
  crm_test_ui_wait (200);
  g_assert_false (sidebar_has ("schedule"));
  crm_context_set_user (context (), admin);
  crm_test_ui_wait (200);
  g_free ((char *) admin);
}

/* Sets @name's role (and group, unless NULL) through a connection of the test's own. */
static void
set_role (const char *name,
          const char *role,
          const char *group)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  CrmChange *change = crm_changeset_touch (changeset, "user", user_id (name));

  crm_change_set_string (change, "role", role);
  if (group != NULL)
    crm_change_set_string (change, "grp", group);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  crm_context_notify_changed (context ());
}

/* A head of group (issue 20: the app asked whether one is a manager by the role's name,
 * so a head only read the grid): Виктория with the built-in «head» role changes a day of
 * Дарья, of her group, in its popover; Юлия, moved to another group, she only reads. */
static void
test_head_edits_group (void)
{
  const char *admin = g_strdup (crm_context_get_user_id (context ()));
  guint before = n_exceptions ("Дарья Васильева");
  GtkWidget *popover, *button;

  set_role ("Виктория Егорова", "head", NULL);
  set_role ("Юлия Семёнова", "rep", "Сметный отдел");
  crm_context_set_user (context (), user_id ("Виктория Егорова"));
  crm_test_ui_wait (200);
  g_assert_true (sidebar_has ("schedule"));
  show_schedule ();
  g_assert_false (GTK_IS_LABEL (crm_schedule_view_get_cell (schedule_view (),
                                                            user_id ("Дарья Васильева"), 0)));
  g_assert_true (GTK_IS_LABEL (crm_schedule_view_get_cell (schedule_view (),
                                                           user_id ("Юлия Семёнова"), 0)));
  g_assert_true (GTK_IS_LABEL (crm_schedule_view_get_cell (schedule_view (),
                                                           user_id ("Артём Голубев"), 0)));
  g_assert_false (GTK_IS_LABEL (crm_schedule_view_get_cell (schedule_view (),
                                                            user_id ("Максим Павлов"), 0)));
  popover = open_day ("Дарья Васильева", 4);
  button = crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Day Off");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (200);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 4), ==, "day off");
  g_assert_cmpuint (n_exceptions ("Дарья Васильева"), ==, before + 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "schedule-head-of-group"));
  popover = open_day ("Дарья Васильева", 4);
  button = crm_test_ui_find (popover, GTK_TYPE_BUTTON, "_Usual Week");
  g_signal_emit_by_name (button, "clicked");
  crm_test_ui_wait (200);
  g_assert_cmpstr (cell_text ("Дарья Васильева", 4), ==, "09:00–18:00");

  /* as it was, for what follows */
  set_role ("Виктория Егорова", "manager", NULL);
  set_role ("Юлия Семёнова", "rep", "Отдел продаж");
  crm_context_set_user (context (), admin);
  crm_test_ui_wait (200);
  g_free ((char *) admin);
}

static const char *
words_of (JsonArray  *rules,
          const char *name)
{
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (rules, i);

      if (g_strcmp0 (json_object_get_string_member (rule, "name"), name) == 0)
        {
          char *words = crm_automation_describe_rule (crm_context_get_store (context ()), rule);

          g_object_set_data_full (G_OBJECT (window), name, words, g_free);
          return words;
        }
    }
  g_assert_not_reached ();
  return NULL;
}

static void
assert_says (const char *text,
             const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("«%s» does not say «%s»", text, part);
}

/* A rule given as JSON in words, as the Automation view's row says it. */
static char *
describe_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  return crm_automation_describe_rule (crm_context_get_store (context ()),
                                       json_node_get_object (node));
}

#define OPENED_RULE \
  "{\"name\": \"Клиент открыл письмо: позвонить\", \"trigger\": {\"type\": \"message_opened\"}," \
  " \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить\"}]}"
#define OPENED_TEMPLATE_RULE \
  "{\"name\": \"Открыли приглашение\", \"trigger\": {\"type\": \"message_opened\"," \
  " \"template\": \"Приглашение на выставку\"}," \
  " \"actions\": [{\"type\": \"create_task\", \"text\": \"Позвонить\"}]}"

/* The studio's rules in words: results, counters and their conditions, closing as lost,
 * the invariant timers, distribution on shift, tasks off days off, group recipients. */
static void
test_automation_words (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = crm_rules_list (crm_context_get_store (context ()), &error);
  JsonArray *rules;
  GtkWidget *view;

  g_assert_no_error (error);
  rules = json_node_get_array (list);
  assert_says (words_of (rules, "Неудачная попытка дозвона"),
               "When a call is completed with the result «Не дозвонился» → add 1 to «");
  assert_says (words_of (rules, "2-я неудачная попытка: задача на перезвон"), ", if «");
  assert_says (words_of (rules, "2-я неудачная попытка: задача на перезвон"), "» is 2 → create a task");
  assert_says (words_of (rules, "3-я неудачная попытка: отказ «Перестал выходить на связь»"),
               "is at least 3 → close the deal as lost «Перестал выходить на связь»");
  assert_says (words_of (rules, "Заявка не взята в работу за 10 минут"),
               "When a new request is not taken into work within 10 min → message the head of «Отдел продаж» over Telegram");
  assert_says (words_of (rules, "Сделка без задачи"),
               "When an open deal has had no open task for 60 min → notify the head of the responsible's group");
  assert_says (words_of (rules, "Копятся просроченные задачи"), "someone has more than 3 overdue tasks");
  assert_says (words_of (rules, "Дизайн-проект готов: сметчикам нужна смета"),
               "message everyone in «Сметный отдел» over Telegram, notify everyone in «Сметный отдел»");
  assert_says (words_of (rules, "Новые заявки — менеджерам на смене"),
               "When a deal is created → give the deal to the next of «Отдел продаж» on shift, in turn");
  assert_says (words_of (rules, "Задача на выходной — на рабочий день менеджера"),
               "When a task gets a due time → move the task to the responsible's next working day");
  /* S4-9's trigger (the event organizer's «Клиент открыл письмо»), never «something happens» */
  {
    g_autofree char *opened = describe_json (OPENED_RULE);
    g_autofree char *opened_template = describe_json (OPENED_TEMPLATE_RULE);

    g_assert_cmpstr (opened, ==,
                     "When the client opens an e-mail from the deal for the first time → create a task");
    g_assert_cmpstr (opened_template, ==,
                     "When the client opens the e-mail «Приглашение на выставку» for the first time"
                     " → create a task");
  }
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      g_autofree char *words = crm_automation_describe_rule (crm_context_get_store (context ()),
                                                             json_array_get_object_element (rules, i));

      g_assert_null (strchr (words, '_'));
    }

  /* the view's rows say the same */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "automation"));
  crm_test_ui_wait (200);
  view = GTK_WIDGET (crm_window_get_page (window, "automation"));
  g_assert_nonnull (crm_test_ui_find (view, ADW_TYPE_ACTION_ROW, "Неудачная попытка дозвона"));
  {
    AdwActionRow *row = ADW_ACTION_ROW (crm_test_ui_find (view, ADW_TYPE_ACTION_ROW,
                                                          "Неудачная попытка дозвона"));

    assert_says (adw_action_row_get_subtitle (row), "with the result «Не дозвонился»");
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "automation-studio"));
}

static void
test_stop (void)
{
  crm_test_ui_stop (app);
  app = NULL;
}

/* In a process of its own (one application per process): the grid in Russian. */
static void
russian_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *words = NULL;

  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  g_assert_nonnull (db_path);
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  fix_now ();
  crm_test_ui_wait (200);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "График"));
  show_schedule ();
  g_assert_cmpstr (cell_text ("Максим Павлов", 3), ==, "выходной");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (schedule_view ()), GTK_TYPE_LABEL,
                                      "Сейчас на смене"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "schedule-ru"));
  g_free (crm_test_ui_screenshot (open_day ("Максим Павлов", 3), "schedule-popover-ru"));

  list = crm_rules_list (crm_context_get_store (context ()), &error);
  g_assert_no_error (error);
  words = g_strdup (words_of (json_node_get_array (list), "Неудачная попытка дозвона"));
  assert_says (words, "Когда выполнен звонок с результатом «Не дозвонился» → прибавить 1 к «");
  {
    g_autofree char *opened = describe_json (OPENED_RULE);
    g_autofree char *opened_template = describe_json (OPENED_TEMPLATE_RULE);

    g_assert_cmpstr (opened, ==, "Когда клиент впервые открыл письмо по сделке → создать задачу");
    g_assert_cmpstr (opened_template, ==,
                     "Когда клиент впервые открыл письмо «Приглашение на выставку» → создать задачу");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "automation"));
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "automation-studio-ru"));
  crm_test_ui_stop (app);
}

static void
test_russian (void)
{
  crm_test_ui_in_russian ("Schedule", db_path, russian_app);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/schedule/start", test_start);
  g_test_add_func ("/ui/schedule/week-grid", test_week_grid);
  g_test_add_func ("/ui/schedule/move-weeks", test_move_weeks);
  g_test_add_func ("/ui/schedule/group-and-empty", test_group_and_empty);
  g_test_add_func ("/ui/schedule/edit-day", test_edit_day);
  g_test_add_func ("/ui/schedule/rep-reads-only", test_rep_reads_only);
  g_test_add_func ("/ui/schedule/head-edits-group", test_head_edits_group);
  g_test_add_func ("/ui/schedule/automation-words", test_automation_words);
  g_test_add_func ("/ui/schedule/stop", test_stop);
  g_test_add_func ("/ui/schedule/russian", test_russian);
  status = g_test_run ();
  if (tmpdir != NULL)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (db_path);
  return status;
}
