/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-tasks.c — the Tasks view of the real app for a sales manager chosen in
 * Settings: overdue / today / upcoming as the replica has them, completing a task with a
 * result and the next task, and a call that cannot be completed without its result. */
#include "crm-test-ui.h"

#include "crm-format.h"
#include "crm-gate-dialog.h"
#include "crm-new-task-dialog.h"
#include "crm-query.h"
#include "crm-task-row.h"
#include "crm-tasks-view.h"
#include "crm-time.h"
#include "crm-view.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *user_id;

static JsonObject *
replica_task (const char *task_id)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

  return crm_store_dup_entity (store, "task", task_id);
}

static CrmTasksView *
tasks_view (void)
{
  return CRM_TASKS_VIEW (crm_window_get_page (window, "tasks"));
}

static GtkWidget *
find_primary_menu_button (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) &&
      g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), "open-menu-symbolic") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_primary_menu_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether the window's primary menu has an item for @action (with @target, if given). */
static gboolean
menu_has_action (GtkWidget  *root,
                 const char *action,
                 const char *target)
{
  GtkWidget *button = find_primary_menu_button (root);
  GMenuModel *menu;

  g_assert_nonnull (button);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *name = NULL;
          g_autofree char *value = NULL;

          if (!g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) ||
              g_strcmp0 (name, action) != 0)
            continue;
          if (target == NULL ||
              (g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_TARGET, "s", &value) &&
               g_strcmp0 (value, target) == 0))
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_work_as_manager (void)
{
  CrmContext *context = crm_window_get_context (window);
  GtkWidget *settings;
  GtkWidget *group;
  GtkWidget *row;
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  guint index = G_MAXUINT;
  JsonArray *users = crm_context_get_users (context);

  user_id = crm_query_resolve (store, "user", "Андрей Соколов", NULL, NULL);
  g_assert_nonnull (user_id);
  for (guint i = 0; i < json_array_get_length (users); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (users, i), "id"), user_id))
      index = i;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "settings"));
  crm_test_ui_wait (200);
  row = crm_test_ui_find (crm_window_get_page (window, "settings"), ADW_TYPE_COMBO_ROW, "_Work as");
  g_assert_nonnull (row);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings"));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), index);
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_context_get_user_id (context), ==, user_id);
  /* a manager keeps Settings (the way back to another user), without the admin's groups */
  g_assert_cmpstr (crm_window_get_view (window), ==, "settings");
  settings = crm_window_get_page (window, "settings");
  group = crm_test_ui_find (settings, ADW_TYPE_PREFERENCES_GROUP, "Users");
  g_assert_nonnull (group);
  g_assert_false (gtk_widget_get_visible (group));
  g_assert_true (gtk_widget_get_visible (crm_test_ui_find (settings, ADW_TYPE_COMBO_ROW, "_Work as")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "settings-manager"));
  /* and the primary menu leads there and to signing in, whoever one works as */
  g_assert_true (menu_has_action (GTK_WIDGET (window), "win.show-view", "settings"));
  g_assert_true (menu_has_action (GTK_WIDGET (window), "win.sign-in", NULL));
}

/* Picking a person in the Tasks view's «Tasks of» shows their tasks (it used to hang
 * the app at 100 % CPU: the reload refilled the dropdown, which notified again). */
static void
test_pick_user (void)
{
  CrmContext *context = crm_window_get_context (window);
  JsonArray *users = crm_context_get_users (context);
  GtkDropDown *dropdown;
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  guint index = G_MAXUINT;
  guint shown;
  g_autoptr(JsonNode) tasks = NULL;
  const char *other_id = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (200);
  dropdown = GTK_DROP_DOWN (crm_test_ui_find (GTK_WIDGET (tasks_view ()), GTK_TYPE_DROP_DOWN, NULL));
  g_assert_nonnull (dropdown);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  /* the first other user who has open tasks */
  for (guint i = 0; i < json_array_get_length (users) && other_id == NULL; i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (users, i), "id");
      g_autoptr(JsonNode) theirs = crm_query_tasks (store, NULL, TRUE, id, NULL);

      if (g_strcmp0 (id, user_id) != 0 && json_array_get_length (json_node_get_array (theirs)) > 0)
        {
          other_id = id;
          index = i + 1;  /* after «Everyone» */
        }
    }
  g_assert_nonnull (other_id);

  gtk_drop_down_set_selected (dropdown, index);
  crm_test_ui_wait (300);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, index);
  tasks = crm_query_tasks (store, NULL, TRUE, other_id, NULL);
  shown = crm_tasks_view_get_n_tasks (tasks_view (), "overdue") +
          crm_tasks_view_get_n_tasks (tasks_view (), "today") +
          crm_tasks_view_get_n_tasks (tasks_view (), "upcoming");
  g_assert_cmpuint (shown, ==, json_array_get_length (json_node_get_array (tasks)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-of-another-user"));

  /* «Everyone»: the whole team's open tasks, today's above the overdue ones */
  {
    g_autoptr(GtkStringObject) first = g_list_model_get_item (gtk_drop_down_get_model (dropdown), 0);

    g_assert_cmpstr (gtk_string_object_get_string (first), ==, _("Everyone"));
  }
  gtk_drop_down_set_selected (dropdown, 0);
  crm_test_ui_wait (300);
  g_clear_pointer (&tasks, json_node_unref);
  tasks = crm_query_tasks (store, NULL, TRUE, NULL, NULL);
  shown = crm_tasks_view_get_n_tasks (tasks_view (), "overdue") +
          crm_tasks_view_get_n_tasks (tasks_view (), "today") +
          crm_tasks_view_get_n_tasks (tasks_view (), "upcoming");
  g_assert_cmpuint (shown, ==, json_array_get_length (json_node_get_array (tasks)));
  g_assert_cmpuint (shown, >, 100);
  {
    GtkWidget *today = gtk_widget_get_ancestor (GTK_WIDGET (crm_tasks_view_get_row (tasks_view (), "today", 0)),
                                                ADW_TYPE_PREFERENCES_GROUP);
    GtkWidget *overdue = gtk_widget_get_ancestor (GTK_WIDGET (crm_tasks_view_get_row (tasks_view (), "overdue", 0)),
                                                  ADW_TYPE_PREFERENCES_GROUP);
    GtkWidget *after = today;

    /* the groups sit in one vertical box: «Today» comes first */
    g_assert_true (gtk_widget_get_parent (today) == gtk_widget_get_parent (overdue));
    while (after != NULL && after != overdue)
      after = gtk_widget_get_next_sibling (after);
    g_assert_true (after == overdue);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-everyone"));

  /* someone with no open task: the empty page says how to add one (it used to claim every
   * deal had its next step, and that tasks were added only on a deal), and «+» does */
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (users, i), "id");
      g_autoptr(JsonNode) theirs = crm_query_tasks (store, NULL, TRUE, id, NULL);

      if (json_array_get_length (json_node_get_array (theirs)) == 0)
        {
          gtk_drop_down_set_selected (dropdown, i + 1);
          break;
        }
    }
  crm_test_ui_wait (300);
  {
    GtkWidget *empty = crm_test_ui_find (GTK_WIDGET (tasks_view ()), ADW_TYPE_STATUS_PAGE, _("No Open Tasks"));
    CrmNewTaskDialog *dialog;

    g_assert_nonnull (empty);
    g_assert_true (gtk_widget_get_mapped (empty));
    g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (empty)), "«+»"));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-none"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
    dialog = CRM_NEW_TASK_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_TASK_DIALOG));
    g_assert_nonnull (dialog);
    gtk_window_destroy (GTK_WINDOW (dialog));
    crm_test_ui_wait (100);
  }

  /* and back to oneself */
  for (guint i = 0; i < json_array_get_length (users); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (users, i), "id"), user_id) == 0)
      gtk_drop_down_set_selected (dropdown, i + 1);
  crm_test_ui_wait (300);
  g_clear_pointer (&tasks, json_node_unref);
  tasks = crm_query_tasks (store, NULL, TRUE, user_id, NULL);
  shown = crm_tasks_view_get_n_tasks (tasks_view (), "overdue") +
          crm_tasks_view_get_n_tasks (tasks_view (), "today") +
          crm_tasks_view_get_n_tasks (tasks_view (), "upcoming");
  g_assert_cmpuint (shown, ==, json_array_get_length (json_node_get_array (tasks)));
}

static void
test_sections (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) tasks = crm_query_tasks (store, NULL, TRUE, user_id, NULL);
  JsonArray *array = json_node_get_array (tasks);
  gint64 now = crm_time_now_ms ();
  guint overdue = 0, today = 0, upcoming = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *due_text = json_object_get_string_member_with_default (json_array_get_object_element (array, i), "due", NULL);
      gint64 due = 0;

      if (due_text == NULL || !crm_time_parse (due_text, &due) || due >= crm_day_end (now))
        upcoming++;
      else if (due < crm_day_start (now))
        overdue++;
      else
        today++;
    }
  g_assert_cmpuint (overdue + today + upcoming, >, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (200);
  g_assert_cmpuint (crm_tasks_view_get_n_tasks (tasks_view (), "overdue"), ==, overdue);
  g_assert_cmpuint (crm_tasks_view_get_n_tasks (tasks_view (), "today"), ==, today);
  g_assert_cmpuint (crm_tasks_view_get_n_tasks (tasks_view (), "upcoming"), ==, upcoming);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks"));
}

static CrmTaskRow *
first_row_of_type (const char *type,
                   gboolean    wanted)
{
  const char *sections[] = { "overdue", "today", "upcoming" };

  for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
    for (guint i = 0; i < crm_tasks_view_get_n_tasks (tasks_view (), sections[s]); i++)
      {
        CrmTaskRow *row = crm_tasks_view_get_row (tasks_view (), sections[s], i);
        g_autoptr(JsonObject) task = replica_task (crm_task_row_get_task_id (row));
        gboolean is_type = g_strcmp0 (json_object_get_string_member_with_default (task, "type", NULL), type) == 0;

        if (is_type == wanted)
          return row;
      }
  return NULL;
}

static void
test_complete_with_result_and_next (void)
{
  CrmTaskRow *row = first_row_of_type ("call", FALSE);
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) deal_tasks = NULL;
  CrmGateDialog *dialog;
  const char *deal_id;
  JsonArray *array;

  g_assert_nonnull (row);
  task_id = g_strdup (crm_task_row_get_task_id (row));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "task.complete", NULL));
  dialog = CRM_GATE_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG));
  g_assert_cmpstr (crm_gate_dialog_get_gate (dialog), ==, "complete-task");
  crm_gate_dialog_set_result (dialog, "Клиент выбрал Scania, ждёт КП");
  crm_gate_dialog_set_next_task (dialog, "Отправить КП по Scania", crm_time_now_ms () + 2 * CRM_MS_PER_DAY);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "complete-task"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  crm_test_ui_wait (100);

  task = replica_task (task_id);
  g_assert_true (json_object_get_boolean_member (task, "done"));
  g_assert_cmpstr (json_object_get_string_member (task, "result"), ==, "Клиент выбрал Scania, ждёт КП");
  deal_id = json_object_get_string_member (task, "deal");
  store = crm_test_ui_open_replica (db_path);
  deal_tasks = crm_query_tasks (store, deal_id, TRUE, NULL, NULL);
  array = json_node_get_array (deal_tasks);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (array, i), "text"),
                     "Отправить КП по Scania"))
      next = json_object_ref (json_array_get_object_element (array, i));
  g_assert_nonnull (next);
  g_assert_cmpstr (json_object_get_string_member (next, "responsible"), ==, "Андрей Соколов");
  /* the row is gone from the open tasks */
  g_assert_null (crm_tasks_view_find_row (tasks_view (), task_id));
}

static void
test_call_needs_result (void)
{
  CrmTaskRow *row = first_row_of_type ("call", TRUE);
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;
  GtkWindow *dialog;

  if (row == NULL)
    {
      crm_test_fail_missing ("this user has no open call task");
      return;
    }
  task_id = g_strdup (crm_task_row_get_task_id (row));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "task.complete", NULL));
  dialog = crm_test_ui_wait_for_window (CRM_TYPE_GATE_DIALOG);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  crm_test_ui_wait (100);
  /* refused: still open, the dialog says what is missing */
  g_assert_nonnull (crm_test_ui_find_window (CRM_TYPE_GATE_DIALOG));
  g_assert_cmpstr (crm_gate_dialog_get_message (CRM_GATE_DIALOG (dialog)), !=, "");
  task = replica_task (task_id);
  g_assert_false (json_object_get_boolean_member (task, "done"));

  crm_gate_dialog_set_result (CRM_GATE_DIALOG (dialog), "Не дозвонился, перезвонить");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "gate.apply", NULL));
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_no_gate_dialog, NULL, 5000));
  g_clear_pointer (&task, json_object_unref);
  task = replica_task (task_id);
  g_assert_true (json_object_get_boolean_member (task, "done"));
}

/* Андрей heading his group with the built-in «head» role (issue 20; the app asked "is
 * this a manager?" by the role's name and made him a rep): he still picks people in
 * «Tasks of» — his group's, not the purchasing group's — and «Everyone» is his group's
 * open tasks (and nobody's). */
static void
test_head_sees_group (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) all = crm_query_tasks (store, NULL, TRUE, NULL, NULL);
  const char *group[] = { "Андрей Соколов", "Мария Кузнецова", "Денис Морозов", "Сергей Волков" };
  GtkDropDown *dropdown;
  GListModel *model;
  guint expected = 0, shown;

  crm_change_set_string (crm_changeset_touch (changeset, "user", user_id), "role", "head");
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  crm_context_notify_changed (crm_window_get_context (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_view_reload (CRM_VIEW (tasks_view ()));
  crm_test_ui_wait (300);
  g_assert_true (crm_context_is_manager (crm_window_get_context (window)));
  g_assert_cmpint (crm_context_get_team (crm_window_get_context (window)), ==, CRM_SCOPE_GROUP);

  dropdown = GTK_DROP_DOWN (crm_test_ui_find (GTK_WIDGET (tasks_view ()), GTK_TYPE_DROP_DOWN, NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  model = gtk_drop_down_get_model (dropdown);
  /* «Everyone», then the four of the sales group */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1 + G_N_ELEMENTS (group));
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);
      gboolean member = FALSE;

      for (guint g = 0; g < G_N_ELEMENTS (group); g++)
        member |= g_str_equal (gtk_string_object_get_string (item), group[g]);
      g_assert_true (member);
    }

  gtk_drop_down_set_selected (dropdown, 0);
  crm_test_ui_wait (300);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (all)); i++)
    {
      JsonObject *task = json_array_get_object_element (json_node_get_array (all), i);
      const char *name = json_object_get_string_member_with_default (task, "responsible", NULL);
      gboolean member = name == NULL;

      for (guint g = 0; g < G_N_ELEMENTS (group); g++)
        member |= g_strcmp0 (name, group[g]) == 0;
      expected += member;
    }
  shown = crm_tasks_view_get_n_tasks (tasks_view (), "overdue") +
          crm_tasks_view_get_n_tasks (tasks_view (), "today") +
          crm_tasks_view_get_n_tasks (tasks_view (), "upcoming");
  g_assert_cmpuint (shown, ==, expected);
  g_assert_cmpuint (shown, <, json_array_get_length (json_node_get_array (all)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "tasks-head-of-group"));

  /* a manager again, for what follows */
  g_clear_pointer (&changeset, crm_changeset_unref);
  changeset = crm_changeset_new ();
  crm_change_set_string (crm_changeset_touch (changeset, "user", user_id), "role", "manager");
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  crm_context_notify_changed (crm_window_get_context (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/tasks/work-as-manager", test_work_as_manager);
  g_test_add_func ("/ui/tasks/sections", test_sections);
  g_test_add_func ("/ui/tasks/complete-with-result", test_complete_with_result_and_next);
  g_test_add_func ("/ui/tasks/call-needs-result", test_call_needs_result);
  g_test_add_func ("/ui/tasks/pick-user", test_pick_user);
  g_test_add_func ("/ui/tasks/head-sees-group", test_head_sees_group);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (user_id);
  return status;
}
