/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-rules.c — the rule editor in the real app (issue 20) on a demo replica: the
 * Automation view offers «New Rule» and a row's «Edit» to administrators only; a new rule
 * is built from the catalogue's pickers (a stage of the chosen pipeline, a task with a
 * placeholder and a due time), a row left without what it needs is marked with words that
 * say what to do and «Save» stays insensitive; «Try on a Deal» lists what the rule would do
 * to a demo deal in the history's words and writes nothing (the changelog is as long as
 * before); «Save» writes it as `rule import` would (the rule is in the replica, enabled,
 * and undo takes it back); an existing rule opens with its trigger and actions, is
 * duplicated and deleted. The same in Russian. Screenshots: rule-editor-new,
 * rule-editor-invalid, rule-editor-dry-run, rule-editor-ru. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-automation-view.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-rule-editor.h"
#include "crm-rules.h"
#include "crm-view.h"

#define WAIT_MS 10000

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmStore *
replica (void)
{
  return crm_test_ui_open_replica (db_path);
}

static CrmAutomationView *
automation_view (void)
{
  GtkWidget *view;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                             "automation"));
  view = crm_window_get_page (window, "automation");
  g_assert_nonnull (view);
  crm_view_reload (CRM_VIEW (view));
  return CRM_AUTOMATION_VIEW (view);
}

/* An open deal of the demo in «Продажи» (the picker offers open deals). */
static char *
open_sales_deal (void)
{
  g_autoptr(CrmStore) store = replica ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Продажи", NULL, &error);
  CrmCardFilter filter = { .open_only = TRUE, .limit = 1, .pipeline_id = pipeline };
  g_autoptr(JsonArray) cards = NULL;

  g_assert_no_error (error);
  cards = crm_query_deal_cards (store, &filter, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (cards), ==, 1);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (cards, 0), "id"));
}

static gint64
log_length (void)
{
  g_autoptr(CrmStore) store = replica ();

  return crm_store_get_log_length (store);
}

static JsonObject *
stored_rule (const char *name)
{
  g_autoptr(CrmStore) store = replica ();
  g_autoptr(JsonNode) rules = crm_rules_list (store, NULL);

  for (guint i = 0; i < json_array_get_length (json_node_get_array (rules)); i++)
    {
      JsonObject *rule = json_array_get_object_element (json_node_get_array (rules), i);

      if (g_strcmp0 (json_object_get_string_member (rule, "name"), name) == 0)
        return json_object_ref (rule);
    }
  return NULL;
}

static gboolean
rule_stored (gpointer name)
{
  g_autoptr(JsonObject) rule = stored_rule (name);

  return rule != NULL;
}

static gboolean
rule_gone (gpointer name)
{
  return !rule_stored (name);
}

static gboolean
window_gone (gpointer data)
{
  GtkWidget **slot = data;

  return *slot == NULL;
}

static CrmRuleEditor *
open_editor (const char *rule_id)
{
  CrmRuleEditor *editor = crm_automation_view_open_editor (automation_view (), rule_id);

  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, editor, WAIT_MS));
  return editor;
}

/* The row of the editor titled @title (a mnemonic's underscore included). */
static GtkWidget *
editor_row (CrmRuleEditor *editor,
            GType          type,
            const char    *title)
{
  return crm_test_ui_find (GTK_WIDGET (editor), type, title);
}

static void
test_admins_only (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *admin = g_strdup (crm_context_get_user_id (context));
  g_autoptr(CrmStore) store = replica ();
  g_autofree char *rep = crm_query_resolve (store, "user", "Денис Морозов", NULL, NULL);
  CrmAutomationView *view = automation_view ();
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (view), GTK_TYPE_BUTTON, "_New Rule");

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  crm_context_set_user (context, rep);
  crm_view_reload (CRM_VIEW (view));
  g_assert_false (gtk_widget_is_visible (button));
  crm_context_set_user (context, admin);
  crm_view_reload (CRM_VIEW (view));
  g_assert_true (gtk_widget_is_visible (button));
}

static void
test_new_rule (void)
{
  CrmRuleEditor *editor = open_editor (NULL);
  g_autofree char *deal = open_sales_deal ();
  g_autoptr(JsonObject) rule = NULL;
  gint64 before;
  GPtrArray *lines;
  JsonObject *definition;
  JsonArray *actions;

  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  /* nothing typed yet: the name is what to do first, and Save waits */
  g_assert_cmpstr (crm_rule_editor_get_problem_at (editor), ==, "name");
  g_assert_false (gtk_widget_get_sensitive (crm_test_ui_find (GTK_WIDGET (editor),
                                                              GTK_TYPE_BUTTON, "_Save")));
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, ADW_TYPE_ENTRY_ROW, "_Name")),
                         "Переговоры: позвонить");
  crm_rule_editor_set_trigger (editor, "stage_entered");
  crm_rule_editor_set_param (editor, "trigger", "pipeline", "Продажи");
  crm_rule_editor_set_param (editor, "trigger", "stage", "Переговоры");
  g_assert_cmpuint (crm_rule_editor_add_action (editor, "create_task"), ==, 0);

  /* the task has no text yet: its row says so, and Save stays off */
  g_assert_cmpstr (crm_rule_editor_get_problem_at (editor), ==, "actions[0]");
  g_assert_nonnull (strstr (crm_rule_editor_get_problem (editor), "Text"));
  g_assert_false (gtk_widget_get_sensitive (crm_test_ui_find (GTK_WIDGET (editor),
                                                              GTK_TYPE_BUTTON, "_Save")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (editor), "rule-editor-invalid"));

  crm_rule_editor_set_param (editor, "actions[0]", "text", "Позвонить по «{title}»");
  crm_rule_editor_set_param (editor, "actions[0]", "due", "2");
  g_assert_cmpuint (crm_rule_editor_add_action (editor, "add_tag"), ==, 1);
  crm_rule_editor_set_param (editor, "actions[1]", "tag", "MAN");
  /* a money condition typed wrong is named; typed right it holds */
  g_assert_cmpuint (crm_rule_editor_add_condition (editor, "amount_range"), ==, 0);
  crm_rule_editor_set_param (editor, "conditions[0]", "min", "много");
  g_assert_cmpstr (crm_rule_editor_get_problem_at (editor), ==, "conditions[0]");
  crm_rule_editor_set_param (editor, "conditions[0]", "min", "1.00");
  g_assert_null (crm_rule_editor_get_problem (editor));
  g_assert_true (gtk_widget_get_sensitive (crm_test_ui_find (GTK_WIDGET (editor),
                                                             GTK_TYPE_BUTTON, "_Save")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (editor), "rule-editor-new"));

  /* the dry run on a deal of «Продажи»: the trigger waits for «Переговоры», so it says
   * where the deal is; made to fire on entering any stage, it lists its changes */
  before = log_length ();
  crm_rule_editor_set_param (editor, "trigger", "stage", "");
  crm_rule_editor_try_on_deal (editor, deal);
  lines = crm_rule_editor_get_dry_run_lines (editor);
  g_assert_nonnull (lines);
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (lines, 0), "Task «Позвонить по «"));
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "Tag «MAN» added");
  g_assert_cmpint (log_length (), ==, before);
  {
    GtkWidget *row = crm_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_ACTION_ROW,
                                       "Tag «MAN» added");

    g_assert_nonnull (row);
    g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, row, WAIT_MS));
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (editor), "rule-editor-dry-run"));

  /* saved as `rule import` writes it: one op on a new rule entity, enabled, undoable */
  definition = json_node_get_object (crm_rule_editor_dup_definition (editor));
  actions = json_object_get_array_member (definition, "actions");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (actions, 0),
                                                  "text"), ==, "Позвонить по «{title}»");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_array_get_object_element (actions, 0), "due"), "days"), ==, 2);
  json_object_unref (definition);
  g_assert_true (crm_rule_editor_save (editor));
  g_assert_true (crm_test_ui_wait_until (window_gone, &editor, WAIT_MS));
  g_assert_true (crm_test_ui_wait_until (rule_stored, "Переговоры: позвонить", WAIT_MS));
  rule = stored_rule ("Переговоры: позвонить");
  g_assert_true (json_object_get_boolean_member (rule, "enabled"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rule, "trigger"),
                                                  "pipeline"), ==, "Продажи");
  g_assert_cmpuint (crm_automation_view_get_n_rules (automation_view ()), >, 0);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (automation_view ()), ADW_TYPE_ACTION_ROW,
                                      "Переговоры: позвонить"));

  /* «Undo» on its toast takes it back */
  {
    const char *change_set = crm_context_get_last_change_set (crm_window_get_context (window));

    g_assert_nonnull (change_set);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s",
                                               change_set));
    g_assert_true (crm_test_ui_wait_until (rule_gone, "Переговоры: позвонить", WAIT_MS));
  }
}

static void
test_edit_duplicate_delete (void)
{
  g_autoptr(JsonObject) stored = stored_rule ("Отгружено → «База купивших клиентов»");
  const char *id;
  CrmRuleEditor *editor;
  GtkWidget *name_row;
  JsonNode *definition;

  g_assert_nonnull (stored);
  id = json_object_get_string_member (stored, "id");
  editor = open_editor (id);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
  /* the stored rule as it is: valid, its trigger and actions shown */
  g_assert_null (crm_rule_editor_get_problem (editor));
  name_row = editor_row (editor, ADW_TYPE_ENTRY_ROW, "_Name");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name_row)), ==,
                   "Отгружено → «База купивших клиентов»");
  definition = crm_rule_editor_dup_definition (editor);
  g_assert_true (json_node_equal (json_object_get_member (json_node_get_object (definition), "actions"),
                                  json_object_get_member (stored, "actions")));
  json_node_unref (definition);

  /* a second rule of the same name is refused as you type */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "dialog.duplicate", NULL));
  g_assert_null (crm_rule_editor_get_problem (editor));
  gtk_editable_set_text (GTK_EDITABLE (name_row), "Отгружено → «База купивших клиентов»");
  g_assert_cmpstr (crm_rule_editor_get_problem_at (editor), ==, "name");
  gtk_editable_set_text (GTK_EDITABLE (name_row), "Отгружено: копия");
  g_assert_true (crm_rule_editor_save (editor));
  g_assert_true (crm_test_ui_wait_until (window_gone, &editor, WAIT_MS));
  g_assert_true (crm_test_ui_wait_until (rule_stored, "Отгружено: копия", WAIT_MS));
  g_assert_true (rule_stored ("Отгружено → «База купивших клиентов»"));

  /* deleted from its editor */
  {
    g_autoptr(JsonObject) copy = stored_rule ("Отгружено: копия");

    editor = open_editor (json_object_get_string_member (copy, "id"));
    g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &editor);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "dialog.delete", NULL));
    g_assert_true (crm_test_ui_wait_until (window_gone, &editor, WAIT_MS));
    g_assert_true (crm_test_ui_wait_until (rule_gone, "Отгружено: копия", WAIT_MS));
  }
}

/* In a process of its own (one application per process): the editor in Russian. */
static void
russian_editor (void)
{
  CrmRuleEditor *editor;
  g_autofree char *deal = NULL;
  GPtrArray *lines;

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  deal = open_sales_deal ();
  editor = open_editor (NULL);
  gtk_editable_set_text (GTK_EDITABLE (editor_row (editor, ADW_TYPE_ENTRY_ROW, "_Название")),
                         "Новая сделка: задача и тег");
  crm_rule_editor_set_trigger (editor, "stage_entered");
  crm_rule_editor_set_param (editor, "trigger", "pipeline", "Продажи");
  crm_rule_editor_add_condition (editor, "has_tag");
  crm_rule_editor_add_action (editor, "create_task");
  crm_rule_editor_set_param (editor, "actions[0]", "text", "Позвонить: {title}");
  crm_rule_editor_add_action (editor, "add_tag");
  crm_rule_editor_set_param (editor, "actions[1]", "tag", "MAN");
  /* the condition has no tag yet: said in Russian */
  g_assert_cmpstr (crm_rule_editor_get_problem_at (editor), ==, "conditions[0]");
  g_assert_nonnull (strstr (crm_rule_editor_get_problem (editor), "Тег"));
  crm_rule_editor_set_param (editor, "conditions[0]", "tag", "MAN");
  crm_rule_editor_try_on_deal (editor, deal);
  lines = crm_rule_editor_get_dry_run_lines (editor);
  g_assert_nonnull (lines);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "Правило не сработает");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_PREFERENCES_GROUP, "Когда"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (editor), "rule-editor-ru"));
  gtk_window_destroy (GTK_WINDOW (editor));
  crm_test_ui_stop (app);
}

static void
test_russian (void)
{
  g_autofree char *po_dir = NULL;

  if (g_test_subprocess ())
    {
      db_path = g_strdup (g_getenv ("VORONKA_TEST_RULES_DB"));
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("VORONKA_TEST_PO_DIR"));
      russian_editor ();
      return;
    }
  po_dir = crm_test_built_translations ();
  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return;
    }
  g_setenv ("LANGUAGE", "ru", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  if (g_strcmp0 (_("New Rule"), "New Rule") == 0)
    {
      g_unsetenv ("LANGUAGE");
      crm_test_fail_missing ("this system's C library ignores LANGUAGE here, or «New Rule» is not translated");
      return;
    }
  g_setenv ("VORONKA_TEST_RULES_DB", db_path, TRUE);
  g_setenv ("VORONKA_TEST_PO_DIR", po_dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_unsetenv ("LANGUAGE");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  if (!g_test_subprocess ())
    crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/rules/admins-only", test_admins_only);
  g_test_add_func ("/ui/rules/new-rule", test_new_rule);
  g_test_add_func ("/ui/rules/edit-duplicate-delete", test_edit_duplicate_delete);
  g_test_add_func ("/ui/rules/russian", test_russian);
  status = g_test_run ();

  if (!g_test_subprocess ())
    crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
