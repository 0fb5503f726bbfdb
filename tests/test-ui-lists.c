/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-lists.c — call lists in the real app (S4-1, S4-5): a filter expression in the
 * Contacts view (a bad one explained under the entry, the list unchanged), the RFM
 * segment filter with the segment on each row (of the whole list too) and on the contact's card, «Save as List» putting the list in the
 * sidebar under Contacts for the team, one click opening it with every matching row and
 * the surname search inside it, and deleting it with «Undo» bringing it back; a filtered
 * list read off the main loop (a spinner meanwhile, cancelled when the view goes);
 * «Write to All…» and its repeat-mailing refusal in the app's words. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-contact-page.h"
#include "crm-entity-list.h"
#include "crm-filter.h"
#include "crm-list-row.h"
#include "crm-message.h"
#include "crm-paged-model.h"
#include "crm-record.h"
#include "crm-rfm.h"
#include "crm-sidebar.h"
#include "crm-sidebar-row.h"
#include "crm-undo.h"
#include "crm-view.h"

#define LIST_NAME "Обзвон VIP"
#define FILTER "company is not empty"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;
static char *vip_id;
static char *list_id;

static CrmEntityList *
contacts (void)
{
  return CRM_ENTITY_LIST (crm_window_get_page (window, "contacts"));
}

static guint
n_rows (void)
{
  return g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (contacts ())));
}

/* What core says the filter leaves, through the test's own connection. */
static gint64
expected_total (const char *filter,
                const char *segment,
                const char *surname)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = NULL;
  CrmFilterQuery query = { .entity = "contact", .filter = filter, .segment = segment,
                           .surname = surname, .limit = 1 };
  gint64 total = -1;

  rows = crm_filter_query (store, &query, &total, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return total;
}

/* The sidebar's row of @view, or NULL. */
static GtkWidget *
sidebar_row (const char *view)
{
  GtkWidget *sidebar = crm_test_ui_find (GTK_WIDGET (window), CRM_TYPE_SIDEBAR, NULL);
  GtkWidget *list = crm_test_ui_find (sidebar, GTK_TYPE_LIST_BOX, NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (CRM_IS_SIDEBAR_ROW (child) &&
        g_strcmp0 (crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (child)), view) == 0)
      return child;
  return NULL;
}

static gboolean
list_loaded (gpointer list)
{
  return !crm_entity_list_is_loading (list);
}

/* A filtered list is read off the main loop: wait until it is shown. */
static void
wait_loaded (void)
{
  g_assert_true (crm_test_ui_wait_until (list_loaded, contacts (), 20000));
}

static gboolean
search_reached_context (gpointer text)
{
  const char *search = crm_context_get_search (crm_window_get_context (window));

  return g_strcmp0 (search != NULL ? search : "", text) == 0;
}

static void
search (const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (crm_window_get_search_entry (window)), text);
  g_assert_true (crm_test_ui_wait_until (search_reached_context, (gpointer) text, 5000));
  wait_loaded ();
}

static void
test_filter (void)
{
  CrmEntityList *list = contacts ();
  const char *error;
  gint64 expected = expected_total (FILTER, NULL, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (200);
  g_assert_cmpuint (n_rows (), ==, 200);

  /* a malformed expression is explained where it went wrong; the list stays whole */
  g_assert_false (crm_entity_list_set_filter (list, "tags some VIP"));
  error = crm_entity_list_get_filter_error (list);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "6"));
  g_assert_nonnull (strstr (error, "«some»"));
  g_assert_cmpuint (n_rows (), ==, 200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-filter-error"));

  /* a good one lists exactly what core's filter leaves, read off the main loop: the
   * spinner turns until the rows are there */
  g_assert_cmpint (expected, >, 0);
  g_assert_cmpint (expected, <, 200);
  g_assert_true (crm_entity_list_set_filter (list, FILTER));
  g_assert_null (crm_entity_list_get_filter_error (list));
  g_assert_true (crm_entity_list_is_loading (list));
  {
    /* the filter bar's: beside the entry */
    GtkWidget *entry = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_ENTRY, NULL);
    GtkWidget *spinner = crm_test_ui_find (gtk_widget_get_parent (entry), GTK_TYPE_SPINNER, NULL);

    g_assert_nonnull (spinner);
    g_assert_true (gtk_widget_get_visible (spinner));
    g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
    wait_loaded ();
    g_assert_false (gtk_widget_get_visible (spinner));
  }
  g_assert_cmpuint (n_rows (), ==, expected);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-filter"));
}

static gboolean
segment_row_shown (gpointer page)
{
  return crm_contact_page_get_segment_row (page) != NULL;
}

static void
test_segment (void)
{
  CrmEntityList *list = contacts ();
  gint64 expected = expected_total (FILTER, vip_id, NULL);
  guint n;

  g_assert_cmpint (expected, >, 0);
  g_assert_true (crm_entity_list_set_segment (list, vip_id));
  wait_loaded ();
  n = n_rows ();
  g_assert_cmpuint (n, ==, expected);
  /* each row says its segment */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (list)), i);

      g_assert_cmpstr (crm_record_get_string (record, "segment", ""), ==, "VIP");
    }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-segment"));

  /* the card says the segment too (read off the main loop), and back keeps the filter */
  {
    g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (list)), 0);
    CrmContactPage *page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
    GtkWidget *row;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                                               crm_record_get_id (record)));
    g_assert_true (crm_test_ui_wait_until (segment_row_shown, page, 10000));
    row = crm_contact_page_get_segment_row (page);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "VIP");
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "R "));
    /* and how it got there: every transition, the last one into VIP */
    row = crm_contact_page_get_segment_history_row (page);
    g_assert_nonnull (row);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Segment History");
    g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "→ VIP"));
    g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-card-segment"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
    crm_test_ui_wait (200);
    wait_loaded ();
    g_assert_cmpstr (crm_window_get_view (window), ==, "contacts");
    g_assert_cmpuint (n_rows (), ==, expected);
  }
}

/* The row of @name in the Contacts list shows the segment «VIP» (the whole list, not
 * filtered: the segments are read off the main loop and filled in). */
static gboolean
row_shows_vip (gpointer name)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, contacts ());
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_LIST_ROW (widget) &&
          g_strcmp0 (crm_list_row_get_title (CRM_LIST_ROW (widget)), name) == 0 &&
          strstr (crm_list_row_get_detail (CRM_LIST_ROW (widget)), "VIP") != NULL)
        {
          g_queue_clear (&queue);
          return TRUE;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return FALSE;
}

static gboolean
segments_read (gpointer list)
{
  return !crm_entity_list_is_reading_segments (list);
}

/* S4-5: the segment column shows on the whole list too, unfiltered. */
static void
test_segment_column (void)
{
  CrmEntityList *list = contacts ();
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *name = NULL;
  g_autofree char *surname = NULL;

  /* a VIP contact, as core scores it through the test's own connection */
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) segments = crm_rfm_segment_names (store, "contact", &error);
    g_autoptr(JsonObject) contact = NULL;
    GHashTableIter iter;
    gpointer id, segment;

    g_assert_no_error (error);
    g_hash_table_iter_init (&iter, segments);
    while (name == NULL && g_hash_table_iter_next (&iter, &id, &segment))
      if (g_str_equal (segment, "VIP"))
        {
          contact = crm_store_dup_entity (store, "contact", id);
          name = g_strdup (json_object_get_string_member (contact, "name"));
        }
    g_assert_nonnull (name);
  }
  surname = g_strndup (name, strcspn (name, " "));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_context_set_search (context, surname);
  g_assert_null (crm_entity_list_dup_filter (list));
  g_assert_true (crm_test_ui_wait_until (row_shows_vip, name, 10000));
  g_assert_true (crm_test_ui_wait_until (segments_read, list, 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-segment-column"));
  crm_context_set_search (context, NULL);
}

static void
test_save (void)
{
  CrmEntityList *list = contacts ();
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_BUTTON, "_Save as List…");
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *view = NULL;
  AdwMessageDialog *dialog;
  gint64 expected = expected_total (FILTER, vip_id, NULL);

  /* an empty name is refused and nothing is saved */
  g_assert_null (crm_entity_list_save_list (list, "  ", &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_nonnull (button);
  gtk_widget_activate (button);
  dialog = ADW_MESSAGE_DIALOG (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)), LIST_NAME);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-save-dialog"));
  crm_test_ui_respond (GTK_WINDOW (dialog), "_Save");
  g_assert_null (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG));
  wait_loaded ();

  /* the replica has the list with the filter and the segment */
  store = crm_test_ui_open_replica (db_path);
  saved = crm_saved_list_lookup (store, LIST_NAME, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (saved, "entity"), ==, "contact");
  g_assert_cmpstr (json_object_get_string_member (saved, "filter"), ==,
                   "(" FILTER ") and segment = «VIP»");
  list_id = g_strdup (json_object_get_string_member (saved, "id"));

  /* the window shows it, and the sidebar lists it under Contacts */
  view = g_strconcat ("list:", list_id, NULL);
  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_cmpstr (crm_entity_list_get_list_id (list), ==, list_id);
  g_assert_nonnull (sidebar_row (view));
  g_assert_cmpuint (n_rows (), ==, expected_total ("(" FILTER ") and segment = VIP", NULL, NULL));
  g_assert_cmpuint (n_rows (), ==, expected);
  {
    g_autofree char *title = NULL;

    g_object_get (list, "title", &title, NULL);
    g_assert_cmpstr (title, ==, LIST_NAME);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-sidebar"));
}

static void
test_open_from_sidebar (void)
{
  g_autofree char *view = g_strconcat ("list:", list_id, NULL);
  g_autofree char *prefix = NULL;
  g_autoptr(CrmRecord) first = NULL;
  const char *name;
  gint64 expected = expected_total ("(" FILTER ") and segment = VIP", NULL, NULL);
  guint n;

  /* the whole view again: unfiltered */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (200);
  g_assert_null (crm_entity_list_get_list_id (contacts ()));
  g_assert_cmpuint (n_rows (), ==, 200);

  /* one click on the list's row */
  gtk_widget_activate (sidebar_row (view));
  crm_test_ui_wait (200);
  wait_loaded ();
  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_cmpuint (n_rows (), ==, expected);

  /* the first letters of a surname inside the list */
  first = g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (contacts ())), 0);
  name = crm_record_get_string (first, "name", "");
  prefix = g_utf8_substring (name, 0, 3);
  search (prefix);
  n = n_rows ();
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, ==, expected_total ("(" FILTER ") and segment = VIP", NULL, prefix));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (contacts ())), i);
      g_autofree char *folded = g_utf8_casefold (crm_record_get_string (record, "name", ""), -1);
      g_autofree char *folded_prefix = g_utf8_casefold (prefix, -1);

      g_assert_true (g_str_has_prefix (folded, folded_prefix));
    }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-search"));
  search ("");
}

/* S4-2: «Write to All…» on the saved list: one e-mail from the template chosen to each
 * contact of the list that has an e-mail address, queued for the server. */
static guint count_subject (const char *subject);

static guint
count_mailing (void)
{
  return count_subject ("Приглашение на семинар");
}

/* The e-mails with @subject in the replica's outbox. */
static guint
count_subject (const char *subject)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) messages = crm_message_list (store, NULL, &error);
  guint count = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (messages)); i++)
    {
      JsonObject *message = json_array_get_object_element (json_node_get_array (messages), i);

      if (g_strcmp0 (json_object_get_string_member_with_default (message, "subject", ""),
                     subject) == 0)
        count++;
    }
  return count;
}

static gboolean
mailing_queued (gpointer expected)
{
  return count_mailing () == GPOINTER_TO_UINT (expected);
}

static gboolean
widget_visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

typedef struct {
  gboolean    done;
  JsonObject *result;
  GError     *error;
} MailOutcome;

static void
mail_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  MailOutcome *outcome = user_data;

  outcome->result = crm_entity_list_mail_all_finish (CRM_ENTITY_LIST (source), result,
                                                     &outcome->error);
  outcome->done = TRUE;
}

static gboolean
mail_finished (gpointer outcome)
{
  return ((MailOutcome *) outcome)->done;
}

/* The «Write to All…» dialog shown that says everyone got it already and how to send
 * again, or NULL. */
static GtkWindow *
find_already_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkWindow *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      {
        const char *body = adw_message_dialog_get_body (l->data);

        if (body != NULL && strstr (body, "already got «Семинар»") != NULL &&
            strstr (body, "tick «Send again to those who already got it»") != NULL)
          found = l->data;
      }
  g_list_free (toplevels);
  return found;
}

static gboolean
mail_dialog_says_already (gpointer unused)
{
  return find_already_dialog () != NULL;
}

static void
test_mail_all (void)
{
  g_autofree char *view = g_strconcat ("list:", list_id, NULL);
  g_autoptr(GError) error = NULL;
  guint expected = 0;
  GtkWidget *button;
  GtkWidget *again;
  GtkWindow *dialog;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = crm_message_template_add (store, NULL, "Семинар", "email",
                                                    "Приглашение на семинар",
                                                    "Здравствуйте, {contact.name}!", &error);
    CrmFilterQuery query = { .entity = "contact", .list = list_id };
    g_autoptr(JsonArray) rows = NULL;

    g_assert_no_error (error);
    rows = crm_filter_query (store, &query, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (rows); i++)
      {
        JsonObject *row = json_array_get_object_element (rows, i);

        if (json_array_get_length (json_object_get_array_member (row, "emails")) > 0)
          expected++;
      }
  }
  g_assert_cmpuint (expected, >, 0);
  crm_context_notify_changed (crm_window_get_context (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  button = crm_test_ui_find (GTK_WIDGET (contacts ()), GTK_TYPE_BUTTON, "_Write to All…");
  g_assert_nonnull (button);
  /* shown once the list is */
  g_assert_true (crm_test_ui_wait_until (widget_visible, button, 10000));
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-mail-all-dialog"));
  /* «Send» closes the dialog: nothing is left over the list */
  crm_test_ui_respond (dialog, "_Send");
  g_assert_null (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (crm_test_ui_wait_until (mailing_queued, GUINT_TO_POINTER (expected), 10000));
  crm_test_ui_wait (300);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-mail-all"));

  /* the same mailing again writes to nobody who got it, and says so in the app's words
   * (its check box, not the command line's option) */
  {
    MailOutcome outcome = { 0 };

    crm_entity_list_mail_all (contacts (), "Семинар", FALSE, mail_done_cb, &outcome);
    /* the list is read off the main loop, the spinner turning */
    g_assert_true (crm_entity_list_is_loading (contacts ()));
    g_assert_true (crm_test_ui_wait_until (mail_finished, &outcome, 20000));
    g_assert_null (outcome.result);
    error = g_steal_pointer (&outcome.error);
  }
  g_assert_error (error, CRM_MESSAGE_ERROR, CRM_MESSAGE_ERROR_ALREADY_MAILED);
  g_assert_nonnull (strstr (error->message, "already got «Семинар»"));
  g_assert_nonnull (strstr (error->message, "tick «Send again to those who already got it»"));
  g_assert_null (strstr (error->message, "--again"));
  g_assert_cmpuint (count_mailing (), ==, expected);

  /* through the dialog: it comes back with those words and the check box; on purpose, to all */
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  crm_test_ui_respond (dialog, "_Send");
  g_assert_true (crm_test_ui_wait_until (mail_dialog_says_already, NULL, 10000));
  dialog = find_already_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, dialog, 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-mail-all-already"));
  g_assert_cmpuint (count_mailing (), ==, expected);
  again = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_CHECK_BUTTON,
                            "Send _again to those who already got it");
  g_assert_nonnull (again);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (again), TRUE);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-mail-all-again"));
  crm_test_ui_respond (dialog, "_Send");
  g_assert_null (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (crm_test_ui_wait_until (mailing_queued, GUINT_TO_POINTER (2 * expected), 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-mail-all-sent-again"));
}

static gboolean
webinar_queued (gpointer expected)
{
  return count_subject ("Вебинар для клиентов") == GPOINTER_TO_UINT (expected);
}

/* S4-2: «Write to All…» on the contacts a filter found, without saving a list first;
 * never on every contact at once */
static void
test_mail_filtered (void)
{
  g_autofree char *view = g_strconcat ("list:", list_id, NULL);
  CrmEntityList *list;
  GtkWidget *button;
  GtkWindow *dialog;
  guint expected = 0;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = crm_message_template_add (store, NULL, "Вебинар", "email",
                                                    "Вебинар для клиентов",
                                                    "Здравствуйте, {contact.name}!", &error);
    CrmFilterQuery query = { .entity = "contact", .filter = FILTER };
    g_autoptr(JsonArray) rows = NULL;

    g_assert_no_error (error);
    rows = crm_filter_query (store, &query, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (rows); i++)
      if (json_array_get_length (json_object_get_array_member (json_array_get_object_element (rows, i),
                                                               "emails")) > 0)
        expected++;
  }
  g_assert_cmpuint (expected, >, 0);
  crm_context_notify_changed (crm_window_get_context (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  list = contacts ();
  g_assert_null (crm_entity_list_get_list_id (list));
  button = crm_test_ui_find (GTK_WIDGET (list), GTK_TYPE_BUTTON, "_Write to All…");
  g_assert_nonnull (button);
  /* every contact: not offered */
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_hidden, button, 10000));

  g_assert_true (crm_entity_list_set_filter (list, FILTER));
  g_assert_true (crm_test_ui_wait_until (widget_visible, button, 10000));
  wait_loaded ();
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Write to Everyone Found");
  {
    GtkWidget *dropdown = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL);
    GListModel *names = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));

    for (guint i = 0; i < g_list_model_get_n_items (names); i++)
      if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), "Вебинар"))
        gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
    g_assert_cmpstr (gtk_string_object_get_string (gtk_drop_down_get_selected_item (GTK_DROP_DOWN (dropdown))),
                     ==, "Вебинар");
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-mail-filtered-dialog"));
  crm_test_ui_respond (dialog, "_Send");
  g_assert_null (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (crm_test_ui_wait_until (webinar_queued, GUINT_TO_POINTER (expected), 10000));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-mail-filtered"));

  /* back to the saved list for the tests after this one */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  g_assert_cmpstr (crm_entity_list_get_list_id (list), ==, list_id);
  wait_loaded ();
}

static gboolean
offer_queued (gpointer expected)
{
  return count_subject ("Предложение для компаний") == GPOINTER_TO_UINT (expected);
}

/* S4-2 on a saved list of companies: «Write to All…» writes to their contacts */
static void
test_mail_company_list (void)
{
  g_autofree char *list = NULL;
  g_autofree char *view = NULL;
  CrmEntityList *companies;
  GtkWidget *button;
  GtkWindow *dialog;
  guint expected = 0;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = crm_message_template_add (store, NULL, "Компаниям", "email",
                                                    "Предложение для компаний",
                                                    "Здравствуйте, {contact.name}!", &error);
    CrmFilterQuery query = { .entity = "company" };
    g_autoptr(JsonArray) rows = NULL;
    g_autoptr(GPtrArray) ids = g_ptr_array_new ();
    g_auto(GStrv) contact_ids = NULL;
    g_autoptr(JsonArray) contacts = NULL;

    g_assert_no_error (error);
    list = crm_saved_list_save (store, "Компании с людьми", "company", "responsible is not empty",
                                NULL, &error);
    g_assert_no_error (error);
    query.list = list;
    rows = crm_filter_query (store, &query, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (rows); i++)
      g_ptr_array_add (ids, (gpointer) json_object_get_string_member (
                         json_array_get_object_element (rows, i), "id"));
    g_ptr_array_add (ids, NULL);
    contact_ids = crm_filter_contacts_of (store, "company", (const char * const *) ids->pdata,
                                          &error);
    g_assert_no_error (error);
    query = (CrmFilterQuery) { .entity = "contact", .ids = (const char * const *) contact_ids };
    contacts = crm_filter_query (store, &query, NULL, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < json_array_get_length (contacts); i++)
      if (json_array_get_length (json_object_get_array_member (
                                   json_array_get_object_element (contacts, i), "emails")) > 0)
        expected++;
  }
  g_assert_cmpuint (expected, >, 0);
  crm_context_notify_changed (crm_window_get_context (window));
  view = g_strconcat ("company-list:", list, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", view));
  companies = CRM_ENTITY_LIST (crm_window_get_page (window, "companies"));
  button = crm_test_ui_find (GTK_WIDGET (companies), GTK_TYPE_BUTTON, "_Write to All…");
  g_assert_nonnull (button);
  g_assert_true (crm_test_ui_wait_until (widget_visible, button, 10000));
  g_signal_emit_by_name (button, "clicked");
  dialog = crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "list's companies"));
  {
    GtkWidget *dropdown = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_DROP_DOWN, NULL);
    GListModel *names = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));

    for (guint i = 0; i < g_list_model_get_n_items (names); i++)
      if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), "Компаниям"))
        gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), i);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "lists-mail-companies-dialog"));
  crm_test_ui_respond (dialog, "_Send");
  g_assert_true (crm_test_ui_wait_until (offer_queued, GUINT_TO_POINTER (expected), 10000));
}

static void
test_delete_and_undo (void)
{
  g_autofree char *view = g_strconcat ("list:", list_id, NULL);
  g_autofree char *change_set = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (crm_entity_list_delete_list (contacts (), &error));
  g_assert_no_error (error);
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "contacts");
  g_assert_null (sidebar_row (view));
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(JsonObject) gone = crm_saved_list_lookup (store, list_id, &error);

    g_assert_null (gone);
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    change_set = crm_store_dup_undoable_change_set (store, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (change_set);
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "lists-deleted"));

  /* «Undo» on the toast brings it back, for the sidebar too */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s", change_set));
  crm_test_ui_wait (200);
  g_assert_nonnull (sidebar_row (view));
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(JsonObject) back = crm_saved_list_lookup (store, list_id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (back, "name"), ==, LIST_NAME);
  }
}

/* The scores the list shows follow a change made on another connection (a sync, say):
 * the app keeps a minute's scores only while nothing is written. */
static void
test_segment_follows_changes (void)
{
  CrmEntityList *list = contacts ();
  CrmRfmBounds bounds = { -1, -1, 2, -1, -1, -1 };
  gint64 before, after;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (200);
  g_assert_true (crm_entity_list_set_filter (list, FILTER));
  g_assert_true (crm_entity_list_set_segment (list, vip_id));
  wait_loaded ();
  before = expected_total (FILTER, vip_id, NULL);
  g_assert_cmpuint (n_rows (), ==, before);
  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(GError) error = NULL;

    g_assert_true (crm_rfm_segment_set (store, "vip", NULL, &bounds, NULL, &error));
    g_assert_no_error (error);
  }
  crm_context_notify_changed (crm_window_get_context (window));
  crm_test_ui_wait (300);
  wait_loaded ();
  after = expected_total (FILTER, vip_id, NULL);
  g_assert_cmpint (after, <, before);
  g_assert_cmpuint (n_rows (), ==, after);
}

/* A view that goes while its filtered list is read: the read is cancelled, its rows are
 * never shown, and nothing is left running. */
static void
test_cancel_when_view_goes (void)
{
  CrmEntityList *list = g_object_ref_sink (g_object_new (CRM_TYPE_ENTITY_LIST, "kind", "contact",
                                                         NULL));

  crm_view_set_context (CRM_VIEW (list), crm_window_get_context (window));
  g_assert_true (crm_entity_list_set_filter (list, FILTER));
  g_assert_true (crm_entity_list_is_loading (list));
  g_object_run_dispose (G_OBJECT (list));
  g_assert_true (crm_test_ui_wait_until (list_loaded, list, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_list_get_model (list))), ==, 0);
  g_object_unref (list);
}

/* A VIP segment for clients with a won deal, set before the app opens. */
static void
add_segment (void)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) segments = NULL;
  CrmRfmBounds bounds = { -1, -1, 1, -1, -1, -1 };

  g_assert_true (crm_rfm_segment_set (store, "vip", "VIP", &bounds, NULL, &error));
  g_assert_no_error (error);
  segments = crm_rfm_segments (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (segments), ==, 1);
  vip_id = g_strdup (json_object_get_string_member (json_array_get_object_element (segments, 0), "id"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  tmpdir = crm_test_make_tmpdir ();
  db_path = crm_test_ui_make_demo (tmpdir);
  add_segment ();
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);

  g_test_add_func ("/ui/lists/segment-column", test_segment_column);
  g_test_add_func ("/ui/lists/filter", test_filter);
  g_test_add_func ("/ui/lists/segment", test_segment);
  g_test_add_func ("/ui/lists/save", test_save);
  g_test_add_func ("/ui/lists/open-from-sidebar", test_open_from_sidebar);
  g_test_add_func ("/ui/lists/mail-all", test_mail_all);
  g_test_add_func ("/ui/lists/mail-filtered", test_mail_filtered);
  g_test_add_func ("/ui/lists/mail-company-list", test_mail_company_list);
  g_test_add_func ("/ui/lists/delete-and-undo", test_delete_and_undo);
  g_test_add_func ("/ui/lists/segment-follows-changes", test_segment_follows_changes);
  g_test_add_func ("/ui/lists/cancel-when-view-goes", test_cancel_when_view_goes);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  g_free (vip_id);
  g_free (list_id);
  return status;
}
