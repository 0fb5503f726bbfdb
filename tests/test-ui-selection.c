/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-selection.c — selection mode in the contacts and companies lists (S4-2, S4-3)
 * in the real app under Xvfb, with real input (xdotool through XTEST): «Select» puts a
 * check box on every row; a click picks a row, Down and Space the next one, Shift+click
 * the rows up to the last one picked, a click again unpicks; a sync's refill keeps what
 * was picked; «Write to Selected…» queues exactly one e-mail per contact picked (checked
 * in the replica's outbox); Escape leaves the mode and forgets the rows, Ctrl+A picks them
 * all, a new filter forgets them, a contact deleted by a sync is no longer picked; on
 * companies, «Create Deals…» makes exactly one deal for each company picked and «Write to
 * Selected…» one e-mail to each of their contacts (their people and those linked to them,
 * each once); on a saved list of deals, «Write to Selected…» one e-mail to each contact of
 * the deals picked, each once. Screenshots of the mode in English and Russian. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-entity-list.h"
#include "crm-filter.h"
#include "crm-list-row.h"
#include "crm-mass-deals-dialog.h"
#include "crm-message.h"
#include "crm-test-store.h"

#define CONTACTS_FILTER "company = «ООО Выборка»"
#define COMPANIES_FILTER "name = «Выбор Альфа» or name = «Выбор Бета» or name = «Выбор Гамма»"
#define SUBJECT "Письмо выбранным"
#define SUBJECT_COMPANIES "Письмо компаниям"
#define SUBJECT_DEALS "Письмо по сделкам"
#define DEALS_FILTER "contact = «Альфин Дмитрий» or contact = «Бетов Кирилл»"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmEntityList *
page (const char *name)
{
  return CRM_ENTITY_LIST (crm_window_get_page (window, name));
}

static gboolean
list_loaded (gpointer list)
{
  return !crm_entity_list_is_loading (list);
}

static guint
n_selected (CrmEntityList *list)
{
  g_auto(GStrv) ids = crm_entity_list_dup_selected_ids (list);

  return g_strv_length (ids);
}

/* The row of @list showing @name, or NULL. */
static CrmListRow *
row_named (CrmEntityList *list,
           const char    *name)
{
  GQueue queue = G_QUEUE_INIT;
  GtkWidget *found = NULL;

  g_queue_push_tail (&queue, crm_entity_list_get_view (list));
  while (found == NULL && !g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_LIST_ROW (widget) && gtk_widget_get_mapped (widget) &&
          g_strcmp0 (crm_list_row_get_title (CRM_LIST_ROW (widget)), name) == 0)
        found = widget;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  g_queue_clear (&queue);
  return (CrmListRow *) found;
}

/* The id of @name (a contact or company) in the replica. */
static char *
id_of (const char *entity,
       const char *name)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

  return crm_test_resolve (store, entity, name, NULL);
}

static gboolean
selected_ids_are (CrmEntityList *list,
                  const char    *first,
                  ...)
{
  g_auto(GStrv) ids = crm_entity_list_dup_selected_ids (list);
  guint n = 0;
  va_list ap;

  va_start (ap, first);
  for (const char *name = first; name != NULL; name = va_arg (ap, const char *), n++)
    {
      g_autofree char *id = id_of (g_str_equal (crm_entity_list_get_kind (list), "company")
                                   ? "company" : "contact", name);

      if (!g_strv_contains ((const char * const *) ids, id))
        {
          va_end (ap);
          return FALSE;
        }
    }
  va_end (ap);
  return g_strv_length (ids) == n;
}

/* Real input on the main window: xdotool's @commands (strings), "XID" standing for the
 * window's id. */
static void
input (const char *first,
       ...)
{
  g_autofree char *xid = crm_test_ui_xid (GTK_WINDOW (window));
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  g_assert_nonnull (xid);
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (g_str_equal (arg, "XID") ? xid : arg));
  va_end (ap);
  g_assert_true (crm_test_ui_xdotool (args));
  crm_test_ui_wait (300);
}

/* Clicks the middle of @row with the pointer, holding Shift when @shift. */
static void
click_row (CrmListRow *row,
           gboolean    shift)
{
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  int wx, wy;

  g_assert_nonnull (row);
  crm_test_ui_window_point (GTK_WINDOW (window), GTK_WIDGET (row),
                            gtk_widget_get_width (GTK_WIDGET (row)) / 2.0,
                            gtk_widget_get_height (GTK_WIDGET (row)) / 2.0, &wx, &wy);
  x = g_strdup_printf ("%d", wx);
  y = g_strdup_printf ("%d", wy);
  if (shift)
    input ("mousemove", "--window", "XID", x, y, "sleep", "0.2", "keydown", "shift",
           "click", "1", "keyup", "shift", NULL);
  else
    input ("mousemove", "--window", "XID", x, y, "sleep", "0.2", "click", "1", NULL);
}

static void
show_filtered (const char *view,
               const char *filter,
               guint       expected)
{
  CrmEntityList *list = page (view);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  g_assert_true (crm_entity_list_set_filter (list, filter));
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  crm_test_ui_wait (300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (list))),
                    ==, expected);
}

/* The button labelled @label in the selection bar of @list. */
static GtkWidget *
bar_button (CrmEntityList *list,
            const char    *label)
{
  GtkWidget *bar = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_ACTION_BAR, NULL);

  g_assert_nonnull (bar);
  return crm_test_ui_find (bar, GTK_TYPE_BUTTON, label);
}

static const char *
bar_text (CrmEntityList *list)
{
  GtkWidget *bar = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_ACTION_BAR, NULL);

  return gtk_label_get_label (GTK_LABEL (crm_test_ui_find (bar, GTK_TYPE_LABEL, NULL)));
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names of the contacts the e-mails with @subject go to, sorted, joined by ", ". */
static char *
mailed_with (const char *subject)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) messages = crm_message_list (store, NULL, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (messages)); i++)
    {
      JsonObject *message = json_array_get_object_element (json_node_get_array (messages), i);

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "subject", ""),
                     subject) == 0)
        g_ptr_array_add (names, (gpointer) json_object_get_string_member_with_default (
          message, "recipient_name", ""));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static char *
mailed (void)
{
  return mailed_with (SUBJECT);
}

static gboolean
some_mailed (gpointer subject)
{
  g_autofree char *names = mailed_with (subject);

  return *names != '\0';
}

static gboolean
two_mailed (gpointer unused)
{
  return some_mailed (SUBJECT);
}

/* «Write to Selected…» of @list's bar: the dialog says @heading; the template @template
 * is sent. */
static void
write_to_selected (CrmEntityList *list,
                   const char    *heading,
                   const char    *template,
                   const char    *screenshot)
{
  GtkWidget *button = bar_button (list, "_Write to Selected…");
  GtkWindow *dialog;
  GtkWidget *dropdown;
  GListModel *templates;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, heading);
  dropdown = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL);
  templates = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (templates); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (templates), i), template))
      gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), screenshot));
  crm_test_ui_respond (dialog, "_Send");
}

/* Deletes the contact @name through a connection of the test's own, as a sync would
 * bring a colleague's deletion, and lets the list follow. */
static void
delete_contact (const char *name)
{
  g_autofree char *id = id_of ("contact", name);
  gint64 total = crm_paged_model_get_total (crm_entity_list_get_model (page ("contacts")));

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_bool (crm_changeset_touch (changeset, "contact", id), "deleted", TRUE);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  g_assert_true (crm_test_ui_wait_until (list_loaded, page ("contacts"), 20000));
  crm_test_ui_wait (300);
  g_assert_cmpint (crm_paged_model_get_total (crm_entity_list_get_model (page ("contacts"))), ==,
                   total - 1);
}

static void
test_contacts (void)
{
  CrmEntityList *list = page ("contacts");
  GtkWidget *select_button;
  GtkWidget *button;
  GtkWindow *dialog;
  g_autofree char *names = NULL;

  show_filtered ("contacts", CONTACTS_FILTER, 3);
  select_button = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_TOGGLE_BUTTON, "Se_lect");
  g_assert_nonnull (select_button);
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборнов Глеб")));

  /* Ctrl+A: the mode, every row picked; Escape leaves it and forgets them, the window's
   * «back» untouched */
  input ("key", "ctrl+a", NULL);
  g_assert_true (crm_entity_list_get_selection_mode (list));
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", "Выборов Антон", "Выборова Вера", NULL));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (select_button)));
  input ("key", "Escape", NULL);
  g_assert_false (crm_entity_list_get_selection_mode (list));
  g_assert_cmpuint (n_selected (list), ==, 0);
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборова Вера")));
  g_assert_cmpstr (crm_window_get_view (window), ==, "contacts");

  g_signal_emit_by_name (select_button, "clicked");
  g_assert_true (crm_entity_list_get_selection_mode (list));
  crm_test_ui_wait (300);
  g_assert_cmpstr (bar_text (list), ==, "0 selected");

  /* the pointer picks the first row; Down and Space the second; the third stays */
  click_row (row_named (list, "Выборнов Глеб"), FALSE);
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", NULL));
  g_assert_true (crm_list_row_get_checked (row_named (list, "Выборнов Глеб")));
  input ("key", "Down", "sleep", "0.2", "key", "space", NULL);
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", "Выборов Антон", NULL));
  g_assert_true (crm_list_row_get_checked (row_named (list, "Выборов Антон")));
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборова Вера")));
  g_assert_cmpstr (bar_text (list), ==, "2 selected");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-contacts"));

  /* Shift+click: up to the last one picked; a click again unpicks */
  click_row (row_named (list, "Выборова Вера"), TRUE);
  g_assert_cmpuint (n_selected (list), ==, 3);
  click_row (row_named (list, "Выборова Вера"), FALSE);
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", "Выборов Антон", NULL));
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборова Вера")));

  /* a sync refills the model: what was picked stays, by id */
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  crm_test_ui_wait (300);
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", "Выборов Антон", NULL));
  g_assert_true (crm_list_row_get_checked (row_named (list, "Выборов Антон")));
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборова Вера")));

  /* «Write to Selected…»: one e-mail to each of the two, none to the third */
  g_assert_false (gtk_widget_get_visible (bar_button (list, "Create _Deals…")));
  button = bar_button (list, "_Write to Selected…");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Write to 2 Selected Contacts");
  {
    GtkWidget *dropdown = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL);
    GListModel *templates = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));

    for (guint i = 0; i < g_list_model_get_n_items (templates); i++)
      if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (templates), i), "Выборка"))
        gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "selection-mail-dialog"));
  crm_test_ui_respond (dialog, "_Send");
  g_assert_true (crm_test_ui_wait_until (two_mailed, NULL, 20000));
  names = mailed ();
  g_assert_cmpstr (names, ==, "Выборнов Глеб, Выборов Антон");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-mailed"));

  /* leaving the mode forgets the rows */
  g_signal_emit_by_name (select_button, "clicked");
  g_assert_false (crm_entity_list_get_selection_mode (list));
  g_assert_cmpuint (n_selected (list), ==, 0);
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выборнов Глеб")));

  /* a new filter forgets them too */
  g_assert_true (crm_entity_list_select_all (list));
  g_assert_cmpuint (n_selected (list), ==, 3);
  g_assert_true (crm_entity_list_set_filter (list, "name = «Выборова Вера»"));
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  g_assert_cmpuint (n_selected (list), ==, 0);

  /* the whole list: all of its rows in one read */
  g_assert_true (crm_entity_list_set_filter (list, ""));
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  g_assert_true (crm_entity_list_select_all (list));
  g_assert_cmpuint (n_selected (list), ==,
                    crm_paged_model_get_total (crm_entity_list_get_model (list)));
  g_assert_cmpuint (n_selected (list), >, 200);

  /* a colleague deletes a contact selected; after the sync it is no longer selected */
  {
    g_autofree char *vera = id_of ("contact", "Выборова Вера");
    g_auto(GStrv) ids = NULL;

    delete_contact ("Выборова Вера");
    g_assert_cmpuint (n_selected (list), ==,
                      crm_paged_model_get_total (crm_entity_list_get_model (list)));
    ids = crm_entity_list_dup_selected_ids (list);
    g_assert_false (g_strv_contains ((const char * const *) ids, vera));
  }
  crm_entity_list_set_selection_mode (list, FALSE);
  g_assert_cmpuint (n_selected (list), ==, 0);

  /* the same in a filtered list */
  show_filtered ("contacts", CONTACTS_FILTER, 2);
  g_assert_true (crm_entity_list_select_all (list));
  delete_contact ("Выборов Антон");
  g_assert_true (selected_ids_are (list, "Выборнов Глеб", NULL));
  g_assert_cmpstr (bar_text (list), ==, "1 selected");
  crm_entity_list_set_selection_mode (list, FALSE);
}

static void
test_companies (void)
{
  CrmEntityList *list = page ("companies");
  g_autofree char *alpha = id_of ("company", "Выбор Альфа");
  g_autofree char *beta = id_of ("company", "Выбор Бета");
  g_autofree char *gamma = id_of ("company", "Выбор Гамма");
  CrmMassDealsDialog *dialog;
  GPtrArray *deal_ids;
  GtkWidget *title;

  show_filtered ("companies", COMPANIES_FILTER, 3);
  g_signal_emit_by_name (crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_TOGGLE_BUTTON, "Se_lect"),
                         "clicked");
  crm_test_ui_wait (300);
  click_row (row_named (list, "Выбор Альфа"), FALSE);
  click_row (row_named (list, "Выбор Гамма"), FALSE);
  g_assert_true (selected_ids_are (list, "Выбор Альфа", "Выбор Гамма", NULL));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-companies"));

  /* «Write to Selected…»: Альфин of Альфа (linked to Гамма too) once, Гаммова of Гамма;
   * not Бетов of Бета, not picked */
  write_to_selected (list, "Write to the Contacts of 2 Selected Companies", "Выборка компаний",
                     "selection-mail-companies-dialog");
  g_assert_true (crm_test_ui_wait_until (some_mailed, SUBJECT_COMPANIES, 20000));
  {
    g_autofree char *names = mailed_with (SUBJECT_COMPANIES);

    g_assert_cmpstr (names, ==, "Альфин Дмитрий, Гаммова Ирина");
  }
  g_assert_true (selected_ids_are (list, "Выбор Альфа", "Выбор Гамма", NULL));

  g_signal_emit_by_name (bar_button (list, "Create _Deals…"), "clicked");
  dialog = CRM_MASS_DEALS_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_MASS_DEALS_DIALOG));
  g_assert_cmpuint (crm_mass_deals_dialog_get_n_deals (dialog), ==, 2);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_LABEL,
                                      "2 deals will be made, one for each company selected; "
                                      "each gets its company's responsible."));
  title = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, "_Title pattern");
  g_assert_nonnull (title);
  gtk_editable_set_text (GTK_EDITABLE (title), "Выставка: {company}");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "selection-deals-dialog"));
  g_assert_true (crm_mass_deals_dialog_create (dialog));
  deal_ids = crm_mass_deals_dialog_get_deal_ids (dialog);
  g_assert_cmpuint (deal_ids->len, ==, 2);
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM deal WHERE deleted = 0"
                                         " AND title LIKE 'Выставка: %'", NULL), ==, 2);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM deal WHERE deleted = 0"
                                         " AND company = ?1", alpha), ==, 1);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM deal WHERE deleted = 0"
                                         " AND company = ?1", gamma), ==, 1);
    g_assert_cmpint (crm_test_count_sql (store, "SELECT count(*) FROM deal WHERE deleted = 0"
                                         " AND company = ?1", beta), ==, 0);
  }
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_entity_list_set_selection_mode (list, FALSE);
}

/* A saved list of deals: the deals picked, their contacts written to, each once. */
static void
test_deals (void)
{
  CrmEntityList *list = page ("deals");
  g_autofree char *view = NULL;
  g_autofree char *names = NULL;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = crm_saved_list_save (store, "Выбор сделок", "deal", DEALS_FILTER,
                                               NULL, &error);

    g_assert_no_error (error);
    view = g_strconcat ("deal-list:", id, NULL);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  crm_test_ui_wait (200);
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  crm_test_ui_wait (300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (list))),
                    ==, 3);

  g_signal_emit_by_name (crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_TOGGLE_BUTTON, "Se_lect"),
                         "clicked");
  crm_test_ui_wait (300);
  g_assert_true (crm_entity_list_get_selection_mode (list));
  click_row (row_named (list, "Выбор: выставка"), FALSE);
  click_row (row_named (list, "Выбор: форум"), FALSE);
  g_assert_cmpuint (n_selected (list), ==, 2);
  g_assert_true (crm_list_row_get_checked (row_named (list, "Выбор: форум")));
  g_assert_false (crm_list_row_get_checked (row_named (list, "Выбор: семинар")));
  g_assert_false (gtk_widget_get_visible (bar_button (list, "Create _Deals…")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-deals"));

  /* Альфин is in both deals: one e-mail; Гаммова of the forum; not Бетов of the seminar */
  write_to_selected (list, "Write to the Contacts of 2 Selected Deals", "Выборка сделок",
                     "selection-mail-deals-dialog");
  g_assert_true (crm_test_ui_wait_until (some_mailed, SUBJECT_DEALS, 20000));
  names = mailed_with (SUBJECT_DEALS);
  g_assert_cmpstr (names, ==, "Альфин Дмитрий, Гаммова Ирина");
  crm_entity_list_set_selection_mode (list, FALSE);
}

/* Selection mode in Russian: the bar's words, the check boxes, the buttons. */
static void
run_in_russian (void)
{
  CrmEntityList *list;
  GtkWindow *dialog;

  db_path = g_strdup (g_getenv ("VORONKA_TEST_UI_DB"));
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  list = page ("contacts");
  /* the one of the three the contacts test left */
  show_filtered ("contacts", CONTACTS_FILTER, 1);
  /* no pointer here: the parent's window may lie over this one */
  g_assert_true (crm_entity_list_select_all (list));
  crm_test_ui_wait (300);
  g_assert_cmpuint (n_selected (list), ==, 1);
  g_assert_cmpstr (bar_text (list), ==, "Выбрано: 1");
  g_assert_true (crm_list_row_get_checked (row_named (list, "Выборнов Глеб")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-contacts-ru"));
  list = page ("companies");
  show_filtered ("companies", COMPANIES_FILTER, 3);
  g_assert_true (crm_entity_list_select_all (list));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "selection-companies-ru"));
  dialog = crm_entity_list_create_deals (list);
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "selection-deals-dialog-ru"));
  gtk_window_destroy (dialog);
  crm_test_ui_stop (app);
}

static void
test_russian (void)
{
  crm_test_ui_in_russian ("Se_lect", db_path, run_in_russian);
}

/* Three contacts of one company and three companies to pick from, and an e-mail template. */
static void
add_rows (void)
{
  const char *contacts[][2] = {
    { "Выборов Антон", "anton@vybor.test" },
    { "Выборова Вера", "vera@vybor.test" },
    { "Выборнов Глеб", "gleb@vybor.test" },
  };

  json_node_unref (crm_test_ctl_ok (db_path, NULL, "company", "add", "--name", "ООО Выборка", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (contacts); i++)
    json_node_unref (crm_test_ctl_ok (db_path, NULL, "contact", "add", "--name", contacts[i][0],
                                      "--email", contacts[i][1], "--company", "ООО Выборка",
                                      NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "company", "add", "--name", "Выбор Альфа", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "company", "add", "--name", "Выбор Бета", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "company", "add", "--name", "Выбор Гамма", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "message", "template", "add", "Выборка",
                                    "--channel", "email", "--subject", SUBJECT,
                                    "--body", "Здравствуйте, {contact.name}!", NULL));
  /* the companies' people: Альфин of Альфа, linked to Гамма too; Гаммова; Бетов */
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "contact", "add", "--name", "Альфин Дмитрий",
                                    "--email", "dmitry@alfa.test", "--company", "Выбор Альфа",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "contact", "set", "Альфин Дмитрий",
                                    "--company", "+Выбор Гамма", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "contact", "add", "--name", "Гаммова Ирина",
                                    "--email", "irina@gamma.test", "--company", "Выбор Гамма",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "contact", "add", "--name", "Бетов Кирилл",
                                    "--email", "kirill@beta.test", "--company", "Выбор Бета",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "message", "template", "add",
                                    "Выборка компаний", "--channel", "email",
                                    "--subject", SUBJECT_COMPANIES,
                                    "--body", "Здравствуйте, {contact.name}!", NULL));
  /* deals: Альфин in two of them */
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "deal", "add", "--pipeline", "Продажи",
                                    "--title", "Выбор: выставка",
                                    "--contact", "Альфин Дмитрий", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "deal", "add", "--pipeline", "Продажи",
                                    "--title", "Выбор: форум",
                                    "--contact", "Альфин Дмитрий", "--contact", "Гаммова Ирина",
                                    NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "deal", "add", "--pipeline", "Продажи",
                                    "--title", "Выбор: семинар",
                                    "--contact", "Бетов Кирилл", NULL));
  json_node_unref (crm_test_ctl_ok (db_path, NULL, "message", "template", "add",
                                    "Выборка сделок", "--channel", "email",
                                    "--subject", SUBJECT_DEALS,
                                    "--body", "Здравствуйте, {contact.name}!", NULL));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  if (!g_test_subprocess ())
    {
      tmpdir = crm_test_make_tmpdir ();
      db_path = crm_test_ui_make_demo (tmpdir);
      add_rows ();
      app = crm_test_ui_start (db_path);
      window = crm_test_ui_main_window (app);
    }
  g_test_add_func ("/ui/selection/contacts", test_contacts);
  g_test_add_func ("/ui/selection/companies", test_companies);
  g_test_add_func ("/ui/selection/deals", test_deals);
  /* last: it binds the Russian catalog in this process too */
  g_test_add_func ("/ui/selection/russian", test_russian);
  status = g_test_run ();

  if (!g_test_subprocess ())
    crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
