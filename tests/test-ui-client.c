/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-client.c — the client is actionable (issue 23): a contact's and a company's
 * card edited and saved as one change set (a wrong phone or INN named in the form,
 * nothing written), call and copy buttons on phones (the card, task rows), «Create
 * Deal» with the client filled in, a note on a deal on top of its history, the deal's
 * Files group, the contact picker's phones and «Create Contact “…”», lists that open on
 * one click; notes, files and companies removed with «Undo»; «Create Company “…”» in
 * the company picker; the new task's responsible (a manager may choose, a rep may not),
 * and a person's own task list without their name on every row. Runs in Russian when the translation is built, so the screenshots show
 * what a Russian rep sees. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-attachment.h"
#include "crm-contact-page.h"
#include "crm-date-button.h"
#include "crm-deal-page.h"
#include "crm-entity-list.h"
#include "crm-entity-picker.h"
#include "crm-files-group.h"
#include "crm-format.h"
#include "crm-new-company-dialog.h"
#include "crm-note-box.h"
#include "crm-new-contact-dialog.h"
#include "crm-new-deal-dialog.h"
#include "crm-new-task-dialog.h"
#include "crm-paged-model.h"
#include "crm-phone.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-record.h"
#include "crm-task-row.h"
#include "crm-tasks-view.h"
#include "crm-timeline.h"
#include "crm-validate.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static CrmStore *
store (void)
{
  return crm_context_get_store (crm_window_get_context (window));
}

static void
collect_by_class (GtkWidget  *root,
                  const char *css_class,
                  GPtrArray  *out)
{
  if (gtk_widget_has_css_class (root, css_class) && gtk_widget_get_visible (root))
    g_ptr_array_add (out, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_by_class (child, css_class, out);
}

/* Visible widgets under @root with @css_class, depth first. */
static GPtrArray *
find_by_class (GtkWidget  *root,
               const char *css_class)
{
  GPtrArray *found = g_ptr_array_new ();

  collect_by_class (root, css_class, found);
  return found;
}

static gboolean
has_label_containing (GtkWidget  *root,
                      const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_visible (root) &&
      strstr (gtk_label_get_label (GTK_LABEL (root)), text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_containing (child, text))
      return TRUE;
  return FALSE;
}

/* A contact of the demo with exactly one phone and a company. */
static char *
find_contact_with_phone (void)
{
  g_autoptr(JsonNode) node = crm_query_contacts (store (), NULL, NULL, 0, 0, NULL, NULL);
  JsonArray *all = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *contact = json_array_get_object_element (all, i);
      JsonArray *phones = json_object_get_array_member (contact, "phones");

      if (phones != NULL && json_array_get_length (phones) == 1 &&
          json_object_get_string_member_with_default (contact, "company_id", NULL) != NULL)
        return g_strdup (json_object_get_string_member (contact, "id"));
    }
  g_assert_not_reached ();
}

static CrmContactPage *
open_contact (const char *contact_id)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s", contact_id));
  crm_test_ui_wait (200);
  return CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
}

/* The @n-th entry row titled «Phone» of the card's form, breadth first. */
static GtkWidget *
nth_phone_row (CrmContactPage *page,
               guint           n)
{
  GQueue queue = G_QUEUE_INIT;
  guint seen = 0;

  g_queue_push_tail (&queue, page);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (ADW_IS_ENTRY_ROW (widget) && gtk_widget_get_mapped (widget) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), _("Phone")) == 0 &&
          seen++ == n)
        {
          g_queue_clear (&queue);
          return widget;
        }
      for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_queue_push_tail (&queue, c);
    }
  return NULL;
}

static void
test_edit_contact (void)
{
  g_autofree char *contact_id = find_contact_with_phone ();
  g_autoptr(JsonObject) before = crm_store_dup_entity (store (), "contact", contact_id);
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) copies = NULL;
  CrmContactPage *page = open_contact (contact_id);
  GtkWidget *row;
  gint64 log_length;

  /* the card: call and copy on its one phone */
  calls = find_by_class (GTK_WIDGET (page), "phone-call");
  copies = find_by_class (GTK_WIDGET (page), "phone-copy");
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpuint (copies->len, ==, 1);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-contact-card"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "card.edit", NULL));
  crm_test_ui_wait (100);
  g_assert_true (crm_contact_page_is_editing (page));
  row = nth_phone_row (page, 0);
  g_assert_nonnull (row);

  /* a wrong number is named in the form; nothing is written */
  log_length = crm_store_get_log_length (store ());
  gtk_editable_set_text (GTK_EDITABLE (row), "12-34");
  g_assert_false (crm_contact_page_save (page));
  g_assert_nonnull (crm_contact_page_get_edit_error (page));
  g_assert_nonnull (strstr (crm_contact_page_get_edit_error (page), "12-34"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_cmpint (crm_store_get_log_length (store ()), ==, log_length);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-contact-edit-error"));

  /* a good one, and a second number: saved as one op of one change set */
  gtk_editable_set_text (GTK_EDITABLE (row), "8 (999) 111-22-33");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "card.add-phone", NULL));
  crm_test_ui_wait (50);
  gtk_editable_set_text (GTK_EDITABLE (nth_phone_row (page, 1)), "+7 912 000-11-22");
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-contact-edit"));
  g_assert_true (crm_contact_page_save (page));
  g_assert_false (crm_contact_page_is_editing (page));
  g_assert_cmpint (crm_store_get_log_length (store ()), ==, log_length + 1);
  after = crm_store_dup_entity (store (), "contact", contact_id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (after, "phones")), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (after, "phones"), 0),
                   ==, "+79991112233");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (after, "phones"), 1),
                   ==, "+79120001122");
  /* what was not touched is not rewritten */
  g_assert_cmpstr (json_object_get_string_member (after, "name"), ==,
                   json_object_get_string_member (before, "name"));
  g_assert_cmpuint (crm_store_get_last_ops (store ())->len, ==, 1);
  g_assert_false (json_object_has_member (((CrmOp *) g_ptr_array_index (crm_store_get_last_ops (store ()), 0))->fields,
                                          "name"));

  /* reopened, the card shows the new number with its buttons */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (100);
  page = open_contact (contact_id);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "+7 999 111-22-33"));
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = find_by_class (GTK_WIDGET (page), "phone-call");
  g_assert_cmpuint (calls->len, ==, 2);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-contact-saved"));
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **out = user_data;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*out == NULL)
    *out = g_strdup ("");
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_call_and_copy (void)
{
  g_autofree char *contact_id = find_contact_with_phone ();
  g_autoptr(JsonObject) contact = crm_store_dup_entity (store (), "contact", contact_id);
  const char *phone = json_array_get_string_element (json_object_get_array_member (contact, "phones"), 0);
  g_autofree char *shown = crm_format_phone (phone);
  g_autofree char *uri = crm_phone_dup_uri (phone);
  g_autofree char *expected_uri = g_strconcat ("tel:", phone, NULL);
  g_autofree char *copied = NULL;
  g_autoptr(GPtrArray) copies = NULL;
  CrmContactPage *page = open_contact (contact_id);

  /* the call button opens tel:+7…, digits only */
  g_assert_cmpstr (uri, ==, expected_uri);
  g_assert_null (crm_phone_dup_uri ("нет"));
  {
    g_autofree char *typed = crm_phone_dup_uri ("+7 (912) 345-67-89");

    g_assert_cmpstr (typed, ==, "tel:+79123456789");
  }

  copies = find_by_class (GTK_WIDGET (page), "phone-copy");
  g_assert_cmpuint (copies->len, >=, 1);
  g_signal_emit_by_name (g_ptr_array_index (copies, 0), "clicked");
  crm_test_ui_wait (50);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (window)), NULL,
                                 clipboard_read_cb, &copied);
  g_assert_true (crm_test_ui_wait_until (is_set, &copied, 5000));
  g_assert_cmpstr (copied, ==, shown);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-phone-copied"));
}

static void
test_new_deal_prefilled (void)
{
  g_autofree char *contact_id = find_contact_with_phone ();
  g_autoptr(JsonObject) contact = crm_store_dup_entity (store (), "contact", contact_id);
  const char *company_id = json_object_get_string_member (contact, "company");
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;
  CrmContactPage *page = open_contact (contact_id);
  CrmNewDealDialog *dialog;
  JsonArray *ids;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "card.new-deal", NULL));
  dialog = CRM_NEW_DEAL_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_DEAL_DIALOG));
  g_assert_cmpstr (crm_new_deal_dialog_get_contact_id (dialog), ==, contact_id);
  g_assert_cmpstr (crm_new_deal_dialog_get_company_id (dialog), ==, company_id);
  g_assert_true (has_label_containing (GTK_WIDGET (dialog), json_object_get_string_member (contact, "name")));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-new-deal-prefilled"));

  deal_id = crm_new_deal_dialog_create (dialog, "Scania R 450, 2020", "6 100 000");
  g_assert_nonnull (deal_id);
  crm_test_ui_wait (200);
  deal = crm_query_deal (store (), deal_id, NULL);
  g_assert_cmpstr (json_object_get_string_member (deal, "company_id"), ==, company_id);
  ids = json_object_get_array_member (deal, "contact_ids");
  g_assert_cmpuint (json_array_get_length (ids), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, contact_id);
  if (crm_test_ui_find_window (CRM_TYPE_NEW_DEAL_DIALOG) != NULL)
    gtk_window_destroy (crm_test_ui_find_window (CRM_TYPE_NEW_DEAL_DIALOG));
  crm_test_ui_wait (100);

  /* the company's card offers it too, with the company filled in */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-company", "s", company_id));
  crm_test_ui_wait (200);
  dialog = crm_contact_page_new_deal (CRM_CONTACT_PAGE (crm_window_get_page (window, "contact")));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (crm_new_deal_dialog_get_company_id (dialog), ==, company_id);
  g_assert_null (crm_new_deal_dialog_get_contact_id (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (100);
}

static void
test_edit_company (void)
{
  g_autoptr(JsonArray) companies = crm_query_companies (store (), NULL, 1, 0, NULL, NULL);
  const char *company_id = json_object_get_string_member (json_array_get_object_element (companies, 0), "id");
  g_autoptr(JsonObject) saved = NULL;
  CrmContactPage *page;
  GtkWidget *inn;
  gint64 log_length;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-company", "s", company_id));
  crm_test_ui_wait (200);
  page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
  crm_contact_page_begin_edit (page);
  crm_test_ui_wait (100);
  inn = crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_ENTRY_ROW, _("INN"));
  g_assert_nonnull (inn);
  g_assert_true (gtk_widget_get_mapped (inn));

  log_length = crm_store_get_log_length (store ());
  gtk_editable_set_text (GTK_EDITABLE (inn), "77-01");
  g_assert_false (crm_contact_page_save (page));
  g_assert_nonnull (strstr (crm_contact_page_get_edit_error (page), "77-01"));
  g_assert_cmpint (crm_store_get_log_length (store ()), ==, log_length);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-company-edit-error"));

  gtk_editable_set_text (GTK_EDITABLE (inn), "7701234567");
  g_assert_true (crm_contact_page_save (page));
  saved = crm_store_dup_entity (store (), "company", company_id);
  g_assert_cmpstr (json_object_get_string_member (saved, "inn"), ==, "7701234567");
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "7701234567"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-company-card"));
}

/* An open deal of the demo. */
static char *
find_open_deal (void)
{
  CrmCardFilter filter = { .open_only = TRUE, .limit = 1 };
  g_autoptr(JsonArray) cards = crm_query_deal_cards (store (), &filter, NULL, NULL);

  g_assert_cmpuint (json_array_get_length (cards), ==, 1);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (cards, 0), "id"));
}

static CrmDealPage *
open_deal (const char *deal_id)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s", deal_id));
  crm_test_ui_wait (200);
  return CRM_DEAL_PAGE (crm_window_get_page (window, "deal"));
}

static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller));
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, gtk_viewport_get_child (GTK_VIEWPORT (viewport)),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                            MAX (point.y - 60, 0));
  crm_test_ui_wait (100);
}

static void
test_note (void)
{
  g_autofree char *deal_id = find_open_deal ();
  CrmDealPage *page = open_deal (deal_id);
  CrmTimeline *timeline = crm_deal_page_get_timeline (page);
  GtkWidget *view = crm_test_ui_find (GTK_WIDGET (page), GTK_TYPE_TEXT_VIEW, NULL);
  const char *text = "Клиент просит перезвонить в понедельник после 14:00";
  g_autoptr(GtkTextBuffer) kept = NULL;
  g_autoptr(JsonObject) deal = NULL;
  JsonArray *history;
  JsonObject *last;
  guint notes = crm_timeline_get_n_notes (timeline);

  g_assert_nonnull (view);
  /* an empty note is not added */
  g_assert_false (crm_deal_page_add_note (page, "   "));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "deal.add-note", NULL));
  crm_test_ui_wait (200);

  /* on top of the history, the box emptied for the next one */
  g_assert_cmpuint (crm_timeline_get_n_notes (timeline), ==, notes + 1);
  g_assert_cmpstr (crm_timeline_get_entry_text (timeline, 0), ==, text);
  g_assert_cmpint (gtk_text_buffer_get_char_count (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view))), ==, 0);
  deal = crm_query_deal (store (), deal_id, NULL);
  history = json_object_get_array_member (deal, "history");
  last = json_array_get_object_element (history, json_array_get_length (history) - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "entity"), ==, "note");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "fields"), "text"),
                   ==, text);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "fields"), "entity_id"),
                   ==, deal_id);
  scroll_to (view);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-deal-note"));
}

/* Notes on contacts and companies (the review: only deals had them): the box writes a
 * note on the card, it tops the card's history, and the history says what changed on
 * the card itself in words. */
static void
test_party_notes (void)
{
  g_autoptr(JsonArray) companies = crm_query_companies (store (), NULL, 1, 0, NULL, NULL);
  const char *company_id = json_object_get_string_member (json_array_get_object_element (companies, 0), "id");
  g_autoptr(JsonNode) contacts = crm_query_contacts (store (), NULL, NULL, 1, 0, NULL, NULL);
  const char *contact_id = json_object_get_string_member (json_array_get_object_element (json_node_get_array (contacts), 0), "id");
  const char *kinds[] = { "contact", "company" };
  const char *ids[] = { contact_id, company_id };
  const char *texts[] = { "Предпочитает звонки после 16:00, в WhatsApp не пишет",
                          "Закупки только через тендер на площадке, бюджет утверждают в январе" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *action = g_strdup_printf ("win.open-%s", kinds[i]);
      g_autofree char *shot = g_strdup_printf ("client-%s-history", kinds[i]);
      g_autoptr(JsonArray) history = NULL;
      CrmContactPage *page;
      CrmTimeline *timeline;
      CrmNoteBox *box;
      JsonObject *last;
      guint notes;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, "s", ids[i]));
      crm_test_ui_wait (300);
      page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
      timeline = CRM_TIMELINE (crm_test_ui_find (GTK_WIDGET (page), CRM_TYPE_TIMELINE, NULL));
      box = CRM_NOTE_BOX (crm_test_ui_find (GTK_WIDGET (page), CRM_TYPE_NOTE_BOX, NULL));
      g_assert_nonnull (timeline);
      g_assert_nonnull (box);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (box)));
      notes = crm_timeline_get_n_notes (timeline);
      /* the card's own creation is in its history, worded */
      g_assert_cmpuint (crm_timeline_get_n_entries (timeline), >=, 1);

      g_assert_false (crm_note_box_add (box, "  "));
      g_assert_true (crm_note_box_add (box, texts[i]));
      crm_test_ui_wait (400);
      g_assert_cmpuint (crm_timeline_get_n_notes (timeline), ==, notes + 1);
      g_assert_cmpstr (crm_timeline_get_entry_text (timeline, 0), ==, texts[i]);

      history = crm_query_history (store (), kinds[i], ids[i], NULL);
      g_assert_nonnull (history);
      last = json_array_get_object_element (history, json_array_get_length (history) - 1);
      g_assert_cmpstr (json_object_get_string_member (last, "entity"), ==, "note");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (last, "fields"), "entity"),
                       ==, kinds[i]);
      scroll_to (GTK_WIDGET (timeline));
      g_free (crm_test_ui_screenshot (GTK_WIDGET (window), shot));
    }
}

static void
test_files (void)
{
  g_autofree char *deal_id = find_open_deal ();
  g_autofree char *path = g_build_filename (tmpdir, "Акт приёмки Volvo FH.pdf", NULL);
  g_autofree char *missing = g_build_filename (tmpdir, "нет-такого.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  CrmDealPage *page = open_deal (deal_id);
  guint before = crm_deal_page_get_n_files (page);
  JsonObject *file;

  /* a file that is not there: said so, nothing written */
  g_assert_false (crm_deal_page_attach_file (page, missing, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpuint (crm_deal_page_get_n_files (page), ==, before);

  g_assert_true (g_file_set_contents (path, "%PDF-1.4 акт", -1, NULL));
  g_assert_true (crm_deal_page_attach_file (page, path, &error));
  g_assert_no_error (error);
  crm_test_ui_wait (200);
  g_assert_cmpuint (crm_deal_page_get_n_files (page), ==, before + 1);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (page), ADW_TYPE_ACTION_ROW, "Акт приёмки Volvo FH.pdf"));

  list = crm_attachment_list (store (), "deal", deal_id, &error);
  g_assert_no_error (error);
  file = json_array_get_object_element (json_node_get_array (list), json_array_get_length (json_node_get_array (list)) - 1);
  g_assert_cmpstr (json_object_get_string_member (file, "name"), ==, "Акт приёмки Volvo FH.pdf");
  g_assert_true (json_object_get_boolean_member (file, "available"));
  /* the history says so too */
  g_assert_nonnull (strstr (crm_timeline_get_entry_text (crm_deal_page_get_timeline (page), 0),
                            "Акт приёмки Volvo FH.pdf"));
  crm_deal_page_show_files (page);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-deal-files"));
}

static char *
add_contact (const char *name,
             const char *phone)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  char *id = crm_store_new_id (store ());
  CrmChange *change = crm_changeset_create (changeset, "contact", id);
  JsonArray *phones = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GError) error = NULL;

  json_array_add_string_element (phones, phone);
  json_node_take_array (node, phones);
  crm_change_set_string (change, "name", name);
  crm_change_set_node (change, "phones", node);
  crm_change_set_int (change, "created_at", crm_store_get_now (store ()));
  g_assert_true (crm_context_apply (crm_window_get_context (window), changeset, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_picker (void)
{
  g_autofree char *first = add_contact ("Петров Илья Сергеевич", "+79161112233");
  g_autofree char *second = add_contact ("Петров Илья Андреевич", "+79034445566");
  CrmNewDealDialog *dialog;
  CrmEntityPicker *picker;
  CrmNewContactDialog *contact_dialog;
  GtkWidget *menu_button;
  g_autofree char *view = NULL;
  g_autoptr(JsonNode) found = NULL;
  const char *new_id;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-deal", NULL));
  dialog = CRM_NEW_DEAL_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_DEAL_DIALOG));
  picker = CRM_ENTITY_PICKER (crm_test_ui_find (GTK_WIDGET (dialog), CRM_TYPE_ENTITY_PICKER, NULL));
  /* the first picker of the dialog is the contact's */
  g_assert_nonnull (picker);
  menu_button = gtk_widget_get_parent (GTK_WIDGET (picker));
  g_assert_true (GTK_IS_MENU_BUTTON (menu_button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  crm_test_ui_wait (200);

  /* two Петровы Ильи, told apart by their phones */
  crm_entity_picker_set_search (picker, "петров илья");
  crm_test_ui_wait (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_picker_get_model (picker))), ==, 2);
  g_assert_true (has_label_containing (GTK_WIDGET (picker), "+7 916 111-22-33"));
  g_assert_true (has_label_containing (GTK_WIDGET (picker), "+7 903 444-55-66"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (picker), "client-picker-phones"));

  /* nobody of that name: said so, and offered to create */
  crm_entity_picker_set_search (picker, "Тимофеев Пётр");
  crm_test_ui_wait (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_picker_get_model (picker))), ==, 0);
  g_assert_true (has_label_containing (GTK_WIDGET (picker), "Тимофеев Пётр"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (picker), "client-picker-create"));

  view = g_strdup (crm_window_get_view (window));
  contact_dialog = crm_entity_picker_create_contact (picker);
  g_assert_nonnull (contact_dialog);
  crm_test_ui_wait_for_window (CRM_TYPE_NEW_CONTACT_DIALOG);
  crm_new_contact_dialog_fill (contact_dialog, "Тимофеев Пётр", "+7 921 765-43-21", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (contact_dialog), "dialog.create", NULL));
  crm_test_ui_wait (200);

  /* the new contact is the deal's contact; the window stayed where it was */
  found = crm_query_contacts (store (), "Тимофеев", NULL, 0, 0, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (found)), ==, 1);
  new_id = json_object_get_string_member (json_array_get_object_element (json_node_get_array (found), 0), "id");
  g_assert_cmpstr (crm_new_deal_dialog_get_contact_id (dialog), ==, new_id);
  g_assert_cmpstr (crm_window_get_view (window), ==, view);
  g_assert_true (has_label_containing (GTK_WIDGET (dialog), "Тимофеев Пётр"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-picker-created"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (100);
}

static void
test_one_click (void)
{
  CrmEntityList *list = CRM_ENTITY_LIST (crm_window_get_page (window, "contacts"));
  g_autoptr(CrmRecord) record = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (200);
  g_assert_true (gtk_list_view_get_single_click_activate (crm_entity_list_get_view (list)));
  record = g_list_model_get_item (G_LIST_MODEL (crm_entity_list_get_model (list)), 0);
  expected = g_strconcat ("contact:", crm_record_get_id (record), NULL);
  g_signal_emit_by_name (crm_entity_list_get_view (list), "activate", 0);
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, expected);

  list = CRM_ENTITY_LIST (crm_window_get_page (window, "companies"));
  g_assert_true (gtk_list_view_get_single_click_activate (crm_entity_list_get_view (list)));
}

static void
test_task_rows_call (void)
{
  GtkWidget *tasks;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) copies = NULL;

  g_autoptr(JsonNode) open = crm_query_tasks (store (), NULL, TRUE, NULL, NULL);
  const char *user_id = NULL;

  /* someone whose open tasks have a client with a phone */
  for (guint i = 0; i < json_array_get_length (json_node_get_array (open)) && user_id == NULL; i++)
    {
      JsonObject *task = json_array_get_object_element (json_node_get_array (open), i);

      if (json_object_get_string_member_with_default (task, "client_phone", NULL) != NULL)
        user_id = json_object_get_string_member (task, "responsible_id");
    }
  g_assert_nonnull (user_id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (300);
  tasks = crm_window_get_page (window, "tasks");
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), user_id);
  crm_test_ui_wait (300);
  calls = find_by_class (tasks, "phone-call");
  copies = find_by_class (tasks, "phone-copy");
  g_assert_cmpuint (calls->len, >, 0);
  g_assert_cmpuint (calls->len, ==, copies->len);
  g_assert_true (CRM_IS_TASK_ROW (gtk_widget_get_ancestor (g_ptr_array_index (calls, 0), CRM_TYPE_TASK_ROW)));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-tasks-phones"));
}

/* The ids of the first two reps of the template (owned). */
static void
find_reps (char **out_first,
           char **out_second)
{
  JsonArray *users = crm_context_get_users (crm_window_get_context (window));

  *out_first = *out_second = NULL;
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (user, "role", NULL), "rep") != 0)
        continue;
      if (*out_first == NULL)
        *out_first = g_strdup (json_object_get_string_member (user, "id"));
      else if (*out_second == NULL)
        *out_second = g_strdup (json_object_get_string_member (user, "id"));
    }
  g_assert_nonnull (*out_second);
}

static void
test_new_task_without_deal (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *admin = g_strdup (crm_context_get_user_id (context));
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmOp) other = crm_op_new ();
  g_autofree char *rep = NULL;
  g_autofree char *colleague = NULL;
  CrmNewTaskDialog *dialog;
  CrmOp *written;
  GtkWidget *tasks;

  /* as a rep, on the Tasks view: «+» makes a task, and no deal is needed */
  find_reps (&rep, &colleague);
  crm_context_set_user (context, rep);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (200);
  tasks = crm_window_get_page (window, "tasks");
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), rep);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_TASK_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_TASK_DIALOG));
  g_assert_null (crm_new_task_dialog_get_deal (dialog));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-new-task"));

  /* nothing to do is refused, nothing written */
  g_assert_null (crm_new_task_dialog_create (dialog, "  "));
  task_id = crm_new_task_dialog_create (dialog, "Позвонить в «Трак-Центр» насчёт лизинга");
  g_assert_nonnull (task_id);
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (300);

  task = crm_store_dup_entity (store (), "task", task_id);
  g_assert_true (json_object_get_null_member (task, "deal"));
  g_assert_cmpstr (json_object_get_string_member (task, "responsible"), ==, rep);
  g_assert_cmpstr (json_object_get_string_member (task, "type"), ==, "call");
  g_assert_nonnull (crm_tasks_view_find_row (CRM_TASKS_VIEW (tasks), task_id));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-tasks-without-deal"));

  /* the server's checks take it as they are (the same functions)… */
  written = g_ptr_array_index (crm_store_get_last_ops (store ()), 0);
  g_assert_cmpstr (written->entity, ==, "task");
  g_assert_true (crm_validate_op_shape (written, &error));
  g_assert_true (crm_validate_op_references (store (), written, &error));
  g_assert_true (crm_validate_op_rights (store (), written, rep, "rep", &error));
  g_assert_true (crm_validate_op_gates (store (), written, &error));
  g_assert_no_error (error);
  /* …and another rep may not change it */
  other->entity = g_strdup ("task");
  other->entity_id = g_strdup (task_id);
  other->fields = json_object_new ();
  json_object_set_string_member (other->fields, "text", "Чужая правка");
  g_assert_false (crm_validate_op_rights (store (), other, colleague, "rep", &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED);

  crm_context_set_user (context, admin);
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), admin);
  crm_test_ui_wait (100);
}

static void
test_new_company (void)
{
  CrmNewCompanyDialog *dialog;
  g_autofree char *expected = NULL;
  g_autoptr(JsonArray) found = NULL;
  gint64 log_length;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "companies"));
  crm_test_ui_wait (200);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_COMPANY_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_COMPANY_DIALOG));

  log_length = crm_store_get_log_length (store ());
  g_assert_null (crm_new_company_dialog_create (dialog, "ООО «Сибтранслогистик»", "54-06"));
  g_assert_cmpint (crm_store_get_log_length (store ()), ==, log_length);
  g_assert_true (has_label_containing (GTK_WIDGET (dialog), "54-06"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-new-company-error"));

  crm_new_company_dialog_create (dialog, "", "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.cancel", NULL));
  crm_test_ui_wait (100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_COMPANY_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_COMPANY_DIALOG));
  g_free (crm_new_company_dialog_create (dialog, "ООО «Сибтранслогистик»", "5406123456"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (100);
  found = crm_query_companies (store (), "Сибтранслогистик", 0, 0, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (found), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (found, 0), "inn"),
                   ==, "5406123456");
}

/* The button under @root whose action is @action_name, depth first (visible ones). */
static GtkWidget *
find_action_button (GtkWidget  *root,
                    const char *action_name)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_visible (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
entity_deleted (const char *entity,
                const char *id)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store (), entity, id);

  g_assert_nonnull (row);
  return json_object_get_boolean_member_with_default (row, "deleted", FALSE);
}

/* What the last toast's «Undo» does. */
static void
undo_last (void)
{
  const char *change_set = crm_context_get_last_change_set (crm_window_get_context (window));

  g_assert_nonnull (change_set);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo-change", "s", change_set));
  crm_test_ui_wait (300);
}

typedef struct {
  GtkWidget *timeline;
  guint      n;
} NoteButtons;

static gboolean
has_n_note_buttons (gpointer data)
{
  NoteButtons *wanted = data;
  g_autoptr(GPtrArray) buttons = find_by_class (wanted->timeline, "note-delete");

  return buttons->len == wanted->n;
}

static gboolean
timeline_shows_note (gpointer data)
{
  CrmTimeline *timeline = crm_deal_page_get_timeline (CRM_DEAL_PAGE (crm_window_get_page (window, "deal")));

  return crm_timeline_get_n_entries (timeline) > 0 &&
         g_strcmp0 (crm_timeline_get_entry_text (timeline, 0), data) == 0;
}

static void
test_remove_note (void)
{
  g_autofree char *deal_id = find_open_deal ();
  CrmDealPage *page = open_deal (deal_id);
  CrmTimeline *timeline = crm_deal_page_get_timeline (page);
  const char *text = "Перезвонить после выставки — ошибочная запись";
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(GPtrArray) buttons = NULL;
  g_autofree char *note_id = NULL;
  JsonArray *history;
  GtkWidget *button;
  guint n_buttons;

  g_assert_true (crm_deal_page_add_note (page, text));
  g_assert_true (crm_test_ui_wait_until (timeline_shows_note, (gpointer) text, 3000));
  deal = crm_query_deal (store (), deal_id, NULL);
  history = json_object_get_array_member (deal, "history");
  note_id = g_strdup (json_object_get_string_member (
                        json_array_get_object_element (history, json_array_get_length (history) - 1), "id"));
  buttons = find_by_class (GTK_WIDGET (timeline), "note-delete");
  n_buttons = buttons->len;
  g_assert_cmpuint (n_buttons, >=, 1);
  /* the newest note's «Delete» is the first: the note goes, the history says so */
  button = g_ptr_array_index (buttons, 0);
  g_assert_nonnull (gtk_widget_get_tooltip_text (button));
  gtk_widget_activate (button);
  g_assert_true (crm_test_ui_wait_until (has_n_note_buttons,
                                         &(NoteButtons) { GTK_WIDGET (timeline), n_buttons - 1 },
                                         3000));
  g_assert_true (entity_deleted ("note", note_id));
  g_assert_nonnull (strstr (crm_timeline_get_entry_text (timeline, 0), text));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-note-removed"));

  /* «Undo» brings it back, with its «Delete» */
  undo_last ();
  g_assert_false (entity_deleted ("note", note_id));
  g_assert_true (crm_test_ui_wait_until (has_n_note_buttons,
                                         &(NoteButtons) { GTK_WIDGET (timeline), n_buttons },
                                         3000));
}

static gboolean
attachment_deleted (gpointer id)
{
  return entity_deleted ("attachment", id);
}

static void
test_remove_file (void)
{
  g_autofree char *deal_id = find_open_deal ();
  g_autofree char *path = g_build_filename (tmpdir, "Счёт 17-24.pdf", NULL);
  CrmDealPage *page = open_deal (deal_id);
  CrmFilesGroup *files = crm_deal_page_get_files_group (page);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *file_id = NULL;
  GtkWidget *row;
  guint before;

  g_assert_true (g_file_set_contents (path, "%PDF-1.4 счёт", -1, NULL));
  g_assert_true (crm_deal_page_attach_file (page, path, &error));
  g_assert_no_error (error);
  crm_test_ui_wait (300);
  before = crm_deal_page_get_n_files (page);
  list = crm_attachment_list (store (), "deal", deal_id, &error);
  g_assert_no_error (error);
  file_id = g_strdup (json_object_get_string_member (
                        json_array_get_object_element (json_node_get_array (list),
                                                       json_array_get_length (json_node_get_array (list)) - 1), "id"));
  row = crm_files_group_find_row (files, file_id);
  g_assert_nonnull (row);

  /* the row's «Remove»: gone from the list and the replica, undoable (the list is
   * rebuilt when the replica changes: the row is looked up once it settled) */
  crm_test_ui_wait (300);
  row = crm_files_group_find_row (files, file_id);
  g_assert_nonnull (row);
  gtk_widget_activate (find_action_button (row, "files.remove"));
  g_assert_true (crm_test_ui_wait_until (attachment_deleted, file_id, 3000));
  g_assert_cmpuint (crm_deal_page_get_n_files (page), ==, before - 1);
  g_assert_null (crm_files_group_find_row (files, file_id));
  crm_deal_page_show_files (page);
  crm_test_ui_wait (200);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-file-removed"));
  undo_last ();
  g_assert_false (entity_deleted ("attachment", file_id));
  g_assert_nonnull (crm_files_group_find_row (files, file_id));

  /* a company keeps files too */
  {
    g_autofree char *company_id = NULL;
    g_autoptr(JsonArray) companies = crm_query_companies (store (), NULL, 1, 0, NULL, NULL);
    CrmContactPage *company_page;
    CrmFilesGroup *company_files;

    company_id = g_strdup (json_object_get_string_member (json_array_get_object_element (companies, 0), "id"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-company", "s", company_id));
    crm_test_ui_wait (300);
    company_page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
    company_files = CRM_FILES_GROUP (crm_test_ui_find (GTK_WIDGET (company_page), CRM_TYPE_FILES_GROUP, NULL));
    g_assert_nonnull (company_files);
    g_assert_true (crm_files_group_attach (company_files, path, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (crm_files_group_get_n_files (company_files), ==, 1);
  }
}

/* A company with two people and a deal: deleted from its page, the people and the deal
 * stay without it; «Undo» gives it back. */
static void
test_delete_company (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *company_id = crm_store_new_id (store ());
  g_autofree char *first = crm_store_new_id (store ());
  g_autofree char *second = crm_store_new_id (store ());
  g_autofree char *deal_id = find_open_deal ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) row = NULL;
  CrmChange *change;
  GtkWidget *page;

  change = crm_changeset_create (changeset, "company", company_id);
  crm_change_set_string (change, "name", "ООО «Уралтягач»");
  crm_change_set_int (change, "created_at", crm_store_get_now (store ()));
  change = crm_changeset_create (changeset, "contact", first);
  crm_change_set_string (change, "name", "Зайцев Роман");
  crm_change_set_string (change, "company", company_id);
  change = crm_changeset_create (changeset, "contact", second);
  crm_change_set_string (change, "name", "Зайцева Ольга");
  crm_change_set_string (change, "company", company_id);
  crm_change_set_string (crm_changeset_touch (changeset, "deal", deal_id), "company", company_id);
  g_assert_true (crm_context_apply (context, changeset, &error));
  g_assert_no_error (error);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-company", "s", company_id));
  crm_test_ui_wait (300);
  page = crm_window_get_page (window, "contact");
  g_assert_nonnull (find_action_button (page, "card.delete"));
  g_assert_true (gtk_widget_activate_action (page, "card.delete", NULL));
  crm_test_ui_wait (300);
  g_assert_true (entity_deleted ("company", company_id));
  g_assert_false (entity_deleted ("contact", first));
  row = crm_store_dup_entity (store (), "contact", second);
  g_assert_true (json_object_get_null_member (row, "company"));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store (), "deal", deal_id);
  g_assert_true (json_object_get_null_member (row, "company"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-company-deleted"));

  undo_last ();
  g_assert_false (entity_deleted ("company", company_id));
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store (), "contact", second);
  g_assert_cmpstr (json_object_get_string_member (row, "company"), ==, company_id);
  g_clear_pointer (&row, json_object_unref);
  row = crm_store_dup_entity (store (), "deal", deal_id);
  g_assert_cmpstr (json_object_get_string_member (row, "company"), ==, company_id);
}

/* «New Contact»'s company picker offers «Create Company “…”»; the new company is picked. */
static void
test_picker_company (void)
{
  CrmNewContactDialog *dialog;
  CrmEntityPicker *picker;
  CrmEntityDialog *company_dialog;
  g_autoptr(JsonArray) found = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-contact", NULL));
  dialog = CRM_NEW_CONTACT_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_CONTACT_DIALOG));
  picker = CRM_ENTITY_PICKER (crm_test_ui_find (GTK_WIDGET (dialog), CRM_TYPE_ENTITY_PICKER, NULL));
  g_assert_nonnull (picker);
  gtk_menu_button_popup (GTK_MENU_BUTTON (gtk_widget_get_parent (GTK_WIDGET (picker))));
  crm_test_ui_wait (200);
  crm_entity_picker_set_search (picker, "Северный Тягач");
  crm_test_ui_wait (200);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (crm_entity_picker_get_model (picker))), ==, 0);
  g_assert_true (has_label_containing (GTK_WIDGET (picker), "Северный Тягач"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (picker), "client-picker-create-company"));

  company_dialog = crm_entity_picker_create (picker);
  g_assert_true (CRM_IS_NEW_COMPANY_DIALOG (company_dialog));
  crm_test_ui_wait_for_window (CRM_TYPE_NEW_COMPANY_DIALOG);
  /* the typed name is there; Ctrl+Enter's action adds it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (company_dialog), "dialog.create", NULL));
  crm_test_ui_wait (300);
  found = crm_query_companies (store (), "Северный", 0, 0, NULL, NULL);
  g_assert_cmpuint (json_array_get_length (found), ==, 1);
  g_assert_true (has_label_containing (GTK_WIDGET (dialog), "Северный Тягач"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-picker-created-company"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (100);
}

/* The new task's «Responsible»: me by default; an admin gives it to a rep; a rep cannot
 * choose. On one person's own list their name is not repeated on each row. */
static void
test_task_responsible (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *admin = g_strdup (crm_context_get_user_id (context));
  g_autofree char *rep = NULL;
  g_autofree char *colleague = NULL;
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autofree char *rep_name = NULL;
  JsonArray *users = crm_context_get_users (context);
  CrmNewTaskDialog *dialog;
  CrmTaskRow *row;
  GtkWidget *tasks;
  GtkWidget *responsible_row;

  find_reps (&rep, &colleague);
  for (guint i = 0; i < json_array_get_length (users); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (users, i), "id"), rep) == 0)
      rep_name = g_strdup (json_object_get_string_member (json_array_get_object_element (users, i), "name"));
  g_assert_nonnull (rep_name);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (200);
  tasks = crm_window_get_page (window, "tasks");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_TASK_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_TASK_DIALOG));
  g_assert_cmpstr (crm_new_task_dialog_get_responsible (dialog), ==, admin);
  responsible_row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, _("_Responsible"));
  g_assert_nonnull (responsible_row);
  g_assert_true (gtk_widget_get_sensitive (responsible_row));
  crm_new_task_dialog_set_responsible (dialog, rep);
  crm_test_ui_wait (100);
  g_assert_true (has_label_containing (GTK_WIDGET (dialog), rep_name));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (dialog), "client-new-task-responsible"));
  task_id = crm_new_task_dialog_create (dialog, "Подготовить КП на два тягача");
  g_assert_nonnull (task_id);
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (200);
  task = crm_store_dup_entity (store (), "task", task_id);
  g_assert_cmpstr (json_object_get_string_member (task, "responsible"), ==, rep);

  /* the rep's own list: the task is there, without «· <their name>» */
  crm_context_set_user (context, rep);
  crm_test_ui_wait (300);
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), rep);
  crm_test_ui_wait (600);
  row = crm_tasks_view_find_row (CRM_TASKS_VIEW (tasks), task_id);
  g_assert_nonnull (row);
  g_test_message ("row detail: %s", crm_task_row_get_detail (row));
  g_assert_null (strstr (crm_task_row_get_detail (row), rep_name));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-own-tasks"));

  /* as a rep: for me, and no choice */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_TASK_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_TASK_DIALOG));
  g_assert_cmpstr (crm_new_task_dialog_get_responsible (dialog), ==, rep);
  responsible_row = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, _("_Responsible"));
  g_assert_false (gtk_widget_get_sensitive (responsible_row));
  gtk_window_destroy (GTK_WINDOW (dialog));

  crm_context_set_user (context, admin);
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), admin);
  crm_test_ui_wait (100);
}

/* The label of the first date button under @root (what the person reads on it). */
static const char *
date_button_label (GtkWidget *root)
{
  GtkWidget *date = crm_test_ui_find (root, CRM_TYPE_DATE_BUTTON, NULL);
  GtkWidget *button = date != NULL ? crm_test_ui_find (date, GTK_TYPE_MENU_BUTTON, NULL) : NULL;

  g_assert_nonnull (button);
  return gtk_menu_button_get_label (GTK_MENU_BUTTON (button));
}

/* A task may have a time of day (the review: «rows have no time»): typed in the date's
 * popover, it makes the task due at that local moment, the row says «Завтра, 14:30»,
 * and a task without one stays a whole day. */
static void
test_task_time (void)
{
  CrmContext *context = crm_window_get_context (window);
  g_autofree char *task_id = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) expected = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                         g_date_time_get_month (tomorrow),
                                                         g_date_time_get_day_of_month (tomorrow),
                                                         14, 30, 0);
  CrmNewTaskDialog *dialog;
  GtkWidget *date, *menu, *entry, *tasks;
  CrmTaskRow *row;
  const char *label;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "tasks"));
  crm_test_ui_wait (200);
  tasks = crm_window_get_page (window, "tasks");
  crm_tasks_view_set_user (CRM_TASKS_VIEW (tasks), crm_context_get_user_id (context));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_TASK_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_TASK_DIALOG));
  date = crm_test_ui_find (GTK_WIDGET (dialog), CRM_TYPE_DATE_BUTTON, NULL);
  menu = crm_test_ui_find (date, GTK_TYPE_MENU_BUTTON, NULL);
  entry = crm_test_ui_find (date, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  /* without a time: tomorrow, the whole day, as before */
  label = date_button_label (GTK_WIDGET (dialog));
  g_assert_null (strchr (label, ':'));
  g_assert_false (crm_date_button_get_has_time (CRM_DATE_BUTTON (date)));

  gtk_menu_button_popup (GTK_MENU_BUTTON (menu));
  crm_test_ui_wait (200);
  g_assert_true (gtk_widget_get_visible (entry) && gtk_widget_get_mapped (entry));
  /* not a time: marked, and the date stays as it was */
  gtk_editable_set_text (GTK_EDITABLE (entry), "25:00");
  g_signal_emit_by_name (entry, "activate");
  crm_test_ui_wait (100);
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_false (crm_date_button_get_has_time (CRM_DATE_BUTTON (date)));
  /* 14:30, then a day: tomorrow at 14:30 */
  gtk_editable_set_text (GTK_EDITABLE (entry), "14:30");
  g_free (crm_test_ui_screenshot (crm_test_ui_find (date, GTK_TYPE_POPOVER, NULL),
                                  "client-task-time-popover"));
  {
    GtkWidget *tomorrow_button = crm_test_ui_find (date, GTK_TYPE_BUTTON, _("T_omorrow"));

    g_assert_nonnull (tomorrow_button);
    g_signal_emit_by_name (tomorrow_button, "clicked");
  }
  crm_test_ui_wait (200);
  g_assert_true (crm_date_button_get_has_time (CRM_DATE_BUTTON (date)));
  label = date_button_label (GTK_WIDGET (dialog));
  g_test_message ("due: %s", label);
  g_assert_nonnull (strstr (label, "14:30"));
  g_assert_false (gtk_widget_has_css_class (entry, "error"));

  task_id = crm_new_task_dialog_create (dialog, "Перезвонить Иванову после обеда");
  g_assert_nonnull (task_id);
  gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (300);

  task = crm_store_dup_entity (store (), "task", task_id);
  g_assert_cmpint (json_object_get_int_member (task, "due"), ==,
                   g_date_time_to_unix (expected) * 1000);
  g_assert_true (json_object_get_boolean_member_with_default (task, "due_has_time", FALSE));

  /* the row in the list says the time too */
  crm_test_ui_wait (300);
  row = crm_tasks_view_find_row (CRM_TASKS_VIEW (tasks), task_id);
  g_assert_nonnull (row);
  label = date_button_label (GTK_WIDGET (row));
  g_test_message ("row due: %s", label);
  g_assert_nonnull (strstr (label, "14:30"));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "client-task-time-row"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *po_dir = NULL;
  int status;

  crm_test_ui_init (&argc, &argv);
  /* in Russian when the translation is built: the screenshots are what a rep sees */
  po_dir = crm_test_built_translations ();
  if (po_dir != NULL)
    {
      g_setenv ("LANGUAGE", "ru", TRUE);
      bindtextdomain (GETTEXT_PACKAGE, po_dir);
    }
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/client/edit-contact", test_edit_contact);
  g_test_add_func ("/ui/client/call-and-copy", test_call_and_copy);
  g_test_add_func ("/ui/client/new-deal-prefilled", test_new_deal_prefilled);
  g_test_add_func ("/ui/client/edit-company", test_edit_company);
  g_test_add_func ("/ui/client/note", test_note);
  g_test_add_func ("/ui/client/party-notes", test_party_notes);
  g_test_add_func ("/ui/client/files", test_files);
  g_test_add_func ("/ui/client/picker", test_picker);
  g_test_add_func ("/ui/client/one-click", test_one_click);
  g_test_add_func ("/ui/client/task-rows-call", test_task_rows_call);
  g_test_add_func ("/ui/client/new-task-without-deal", test_new_task_without_deal);
  g_test_add_func ("/ui/client/new-company", test_new_company);
  g_test_add_func ("/ui/client/remove-note", test_remove_note);
  g_test_add_func ("/ui/client/remove-file", test_remove_file);
  g_test_add_func ("/ui/client/delete-company", test_delete_company);
  g_test_add_func ("/ui/client/picker-company", test_picker_company);
  g_test_add_func ("/ui/client/task-responsible", test_task_responsible);
  g_test_add_func ("/ui/client/task-time", test_task_time);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
