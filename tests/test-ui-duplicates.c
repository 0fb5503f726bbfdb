/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-duplicates.c — the Duplicates view of the real app (S4-6): the groups with
 * their score and why they match, the survivor chosen by its radio button, «Merge…»
 * offering the differing fields with the card to take each from, the merge through core
 * (the other card becomes a redirect, its phone joins the survivor, the chosen name
 * wins), the group gone afterwards, and «Undo» bringing both cards back. The replica is
 * made with voronkactl. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-duplicates.h"
#include "crm-duplicates-view.h"
#include "crm-undo.h"

#define NOW "2026-03-02T10:00:00Z"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *ivanov, *ivan, *oleg;

#define CTL(...) crm_test_ctl_ok (db_path, NOW, __VA_ARGS__, NULL)

static void
make_replica (void)
{
  tmpdir = crm_test_make_tmpdir ();
  db_path = g_build_filename (tmpdir, "events.db", NULL);
  json_node_unref (CTL ("init", "--template", "event-organizer"));
  ivanov = crm_test_dup_id (CTL ("contact", "add", "--name", "Иванов Иван Петрович",
                                 "--phone", "+7 (912) 345-67-89"));
  ivan = crm_test_dup_id (CTL ("contact", "add", "--name", "Иван Иванов",
                               "--phone", "8 912 345 67 89", "--phone", "+7 900 555-44-33",
                               "--email", "ivanov@avtoboss.ru"));
  oleg = crm_test_dup_id (CTL ("contact", "add", "--name", "Олег Ильин", "--phone", "+7 900 111-22-33"));
}

static CrmDuplicatesView *
view (void)
{
  return CRM_DUPLICATES_VIEW (crm_window_get_page (window, "duplicates"));
}

static gboolean
loaded (gpointer data)
{
  return crm_duplicates_view_is_loaded (view ());
}

static JsonObject *
replica_contact (const char *id)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

  return crm_store_dup_entity (store, "contact", id);
}

static void
test_groups (void)
{
  JsonArray *groups;
  JsonObject *group;
  JsonArray *members;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "duplicates"));
  g_assert_true (crm_test_ui_wait_until (loaded, NULL, 20000));
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "duplicates");
  groups = crm_duplicates_view_get_groups (view ());
  g_assert_nonnull (groups);
  /* the two Ivanovs, by name and phone; Oleg is nobody's duplicate */
  g_assert_cmpuint (json_array_get_length (groups), ==, 1);
  group = json_array_get_object_element (groups, 0);
  g_assert_cmpint (json_object_get_int_member (group, "score"), ==, 90);
  members = json_object_get_array_member (group, "members");
  g_assert_cmpuint (json_array_get_length (members), ==, 2);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view ()), ADW_TYPE_PREFERENCES_GROUP,
                                      "Score 90: same name, phone"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "duplicates"));
}

static void
test_merge_and_undo (void)
{
  g_autoptr(JsonObject) survivor = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_autoptr(GHashTable) take = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *change_set = NULL;
  g_autofree char *redirect = NULL;
  GtkWindow *dialog;
  JsonArray *phones;

  /* keep the second card, but the first one's full name */
  g_assert_true (crm_duplicates_view_set_survivor (view (), 0, ivan));
  dialog = crm_duplicates_view_open_merge (view (), 0);
  g_assert_nonnull (dialog);
  crm_test_ui_wait (300);
  /* the names differ: a choice of the card to take it from */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "duplicates-merge"));
  gtk_window_destroy (dialog);

  g_hash_table_insert (take, (gpointer) "name", ivanov);
  g_assert_true (crm_duplicates_view_merge (view (), 0, take, &error));
  g_assert_no_error (error);
  crm_test_ui_wait (200);

  survivor = replica_contact (ivan);
  g_assert_cmpstr (json_object_get_string_member (survivor, "name"), ==, "Иванов Иван Петрович");
  phones = json_object_get_array_member (survivor, "phones");
  g_assert_cmpuint (json_array_get_length (phones), ==, 2);
  merged = replica_contact (ivanov);
  g_assert_true (json_object_get_boolean_member_with_default (merged, "deleted", FALSE));
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    redirect = crm_duplicates_dup_survivor (store, "contact", ivanov);
    change_set = crm_store_dup_undoable_change_set (store, NULL, NULL);
  }
  g_assert_cmpstr (redirect, ==, ivan);

  /* scanned again: no group left */
  g_assert_true (crm_test_ui_wait_until (loaded, NULL, 20000));
  crm_test_ui_wait (200);
  g_assert_cmpuint (json_array_get_length (crm_duplicates_view_get_groups (view ())), ==, 0);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "duplicates-merged"));

  /* «Undo»: both cards as they were, and the group is back */
  g_assert_nonnull (change_set);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s", change_set));
  crm_test_ui_wait (200);
  g_clear_pointer (&survivor, json_object_unref);
  g_clear_pointer (&merged, json_object_unref);
  survivor = replica_contact (ivan);
  merged = replica_contact (ivanov);
  g_assert_cmpstr (json_object_get_string_member (survivor, "name"), ==, "Иван Иванов");
  g_assert_false (json_object_get_boolean_member_with_default (merged, "deleted", FALSE));
  g_assert_true (crm_test_ui_wait_until (loaded, NULL, 20000));
  g_assert_cmpuint (json_array_get_length (crm_duplicates_view_get_groups (view ())), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  make_replica ();
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/duplicates/groups", test_groups);
  g_test_add_func ("/ui/duplicates/merge-and-undo", test_merge_and_undo);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (ivanov);
  g_free (ivan);
  g_free (oleg);
  return status;
}
