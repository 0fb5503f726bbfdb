/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-contacts.c — the Contacts and Companies views of the real app: the paged list,
 * search by the first letters while typing («ива», any case), quick add, the contact
 * card attaching the contact to a company deal (S4-4), a replica of 100 000 contacts
 * scrolled to its end without reading more than a few pages, and a list of 5 000
 * reloaded with rows on screen reading only the pages shown. */
#include "crm-test-ui.h"

#include <string.h>

#include "crm-contact-page.h"
#include "crm-entity-list.h"
#include "crm-format.h"
#include "crm-list-row.h"
#include "crm-new-contact-dialog.h"
#include "crm-paged-model.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-record.h"
#include "crm-view.h"

static char *tmpdir;
static char *db_path;
static CrmApplication *app;
static CrmWindow *window;

static gint64
count_contacts (const char *search)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) node = NULL;
  gint64 total = -1;

  node = crm_query_contacts (store, search, NULL, 1, 0, &total, NULL);
  g_assert_nonnull (node);
  return total;
}

static CrmEntityList *
contacts (void)
{
  return CRM_ENTITY_LIST (crm_window_get_page (window, "contacts"));
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
  /* the entry waits a moment after the last key before it searches (longer on a busy
   * machine): wait for the search to arrive, then for the list to reload */
  g_assert_true (crm_test_ui_wait_until (search_reached_context, (gpointer) text, 5000));
  crm_test_ui_wait (200);
}

static void
test_list (void)
{
  CrmPagedModel *model = crm_entity_list_get_model (contacts ());

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (200);
  g_assert_cmpstr (crm_window_get_view (window), ==, "contacts");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, count_contacts (NULL));
  g_assert_cmpuint (crm_paged_model_get_total (model), ==, 200);
  /* the view is remembered for the next start */
  {
    g_autofree char *last = g_settings_get_string (crm_application_get_settings (app), "last-view");

    g_assert_cmpstr (last, ==, "contacts");
  }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contacts"));
}

static void
test_search_by_first_letters (void)
{
  CrmPagedModel *model = crm_entity_list_get_model (contacts ());
  gint64 expected = count_contacts ("ива");
  guint n;

  g_assert_cmpint (expected, >, 0);
  search ("ива");
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, expected);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_true (crm_text_matches_words (crm_record_get_string (record, "name", ""), "ива"));
    }
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contacts-search"));

  /* any case */
  search ("ИВА");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, expected);
  search ("");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 200);
}

static void
test_quick_add (void)
{
  CrmNewContactDialog *dialog;
  g_autofree char *id = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) contact = NULL;
  JsonArray *phones;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  dialog = CRM_NEW_CONTACT_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_NEW_CONTACT_DIALOG));

  /* a wrong phone is refused and nothing is written */
  g_assert_null (crm_new_contact_dialog_create (dialog, "Ивашкин Тимур", "12-34", NULL));
  g_assert_cmpint (count_contacts ("ивашкин"), ==, 0);

  crm_new_contact_dialog_fill (dialog, "Ивашкин Тимур", "8 (912) 345-67-89", "t.ivashkin@example.ru");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.create", NULL));
  crm_test_ui_wait (200);
  g_assert_null (crm_test_ui_find_window (CRM_TYPE_NEW_CONTACT_DIALOG));
  g_assert_true (g_str_has_prefix (crm_window_get_view (window), "contact:"));
  id = g_strdup (crm_window_get_view (window) + strlen ("contact:"));
  store = crm_test_ui_open_replica (db_path);
  contact = crm_store_dup_entity (store, "contact", id);
  g_assert_cmpstr (json_object_get_string_member (contact, "name"), ==, "Ивашкин Тимур");
  phones = json_object_get_array_member (contact, "phones");
  g_assert_cmpstr (json_array_get_string_element (phones, 0), ==, "+79123456789");
  g_assert_cmpint (count_contacts ("ивашкин"), ==, 1);
}

/* A contact whose company has an open deal the contact is not on. */
static void
find_attachable (char **out_contact,
                 char **out_deal)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(JsonNode) node = crm_query_contacts (store, NULL, NULL, 0, 0, NULL, NULL);
  JsonArray *all = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *contact = json_array_get_object_element (all, i);
      const char *company = json_object_get_string_member_with_default (contact, "company_id", NULL);
      CrmCardFilter filter = { .company_id = company, .open_only = TRUE, .limit = 20 };
      g_autoptr(JsonArray) deals = NULL;

      if (company == NULL)
        continue;
      deals = crm_query_deal_cards (store, &filter, NULL, NULL);
      for (guint j = 0; j < json_array_get_length (deals); j++)
        {
          const char *deal_id = json_object_get_string_member (json_array_get_object_element (deals, j), "id");
          g_autoptr(JsonObject) deal = crm_query_deal (store, deal_id, NULL);
          JsonArray *ids = json_object_get_array_member (deal, "contact_ids");
          gboolean linked = FALSE;

          for (guint k = 0; k < json_array_get_length (ids); k++)
            linked |= g_str_equal (json_array_get_string_element (ids, k),
                                   json_object_get_string_member (contact, "id"));
          if (!linked)
            {
              *out_contact = g_strdup (json_object_get_string_member (contact, "id"));
              *out_deal = g_strdup (deal_id);
              return;
            }
        }
    }
  g_assert_not_reached ();
}

static void
test_card_attaches_to_company_deal (void)
{
  g_autofree char *contact_id = NULL;
  g_autofree char *deal_id = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) deal = NULL;
  CrmContactPage *page;
  GtkWidget *attach;
  JsonArray *ids;
  gboolean linked = FALSE;
  guint offers;

  find_attachable (&contact_id, &deal_id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s", contact_id));
  crm_test_ui_wait (200);
  page = CRM_CONTACT_PAGE (crm_window_get_page (window, "contact"));
  offers = crm_contact_page_get_n_offers (page);
  g_assert_cmpuint (offers, >, 0);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contact-card"));

  /* the first "Attach" button of the offered deals */
  attach = crm_test_ui_find (GTK_WIDGET (page), GTK_TYPE_BUTTON, "_Link");
  g_assert_nonnull (attach);
  deal_id = g_strdup (g_object_get_data (G_OBJECT (attach), "deal-id"));
  g_signal_emit_by_name (attach, "clicked");
  crm_test_ui_wait (200);

  store = crm_test_ui_open_replica (db_path);
  deal = crm_query_deal (store, deal_id, NULL);
  ids = json_object_get_array_member (deal, "contact_ids");
  for (guint i = 0; i < json_array_get_length (ids); i++)
    linked |= g_str_equal (json_array_get_string_element (ids, i), contact_id);
  g_assert_true (linked);
  g_assert_cmpuint (crm_contact_page_get_n_offers (page), ==, offers - 1);
}

static void
test_companies (void)
{
  CrmEntityList *companies = CRM_ENTITY_LIST (crm_window_get_page (window, "companies"));
  CrmPagedModel *model = crm_entity_list_get_model (companies);
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  gint64 expected = 0;
  g_autoptr(JsonArray) rows = crm_query_companies (store, "нева", 0, 0, &expected, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "companies"));
  crm_test_ui_wait (200);
  g_assert_cmpuint (crm_paged_model_get_total (model), ==, 60);
  search ("Нева");
  g_assert_cmpint (expected, >, 0);
  g_assert_cmpuint (crm_paged_model_get_total (model), ==, expected);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "companies"));
  search ("");
}

static void
collect_avatars (GtkWidget *root,
                 GPtrArray *out)
{
  if (ADW_IS_AVATAR (root) && gtk_widget_get_mapped (root))
    g_ptr_array_add (out, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_avatars (child, out);
}

/* Avatars read as people expect: Фамилия+Имя for a person, the name without its legal form
 * and quotes for a company (never «О«» for ООО «…»). */
static void
test_avatar_initials (void)
{
  g_autoptr(GPtrArray) avatars = g_ptr_array_new ();
  g_autofree char *person = crm_format_avatar_name ("Алексеев Дмитрий Петрович", FALSE);
  g_autofree char *company = crm_format_avatar_name ("ООО «Енисей Транс»", TRUE);
  g_autofree char *one_word = crm_format_avatar_name ("ИП «Фёдоров»", TRUE);
  g_autofree char *only_form = crm_format_avatar_name ("ООО", TRUE);

  g_assert_cmpstr (person, ==, "Алексеев Дмитрий");
  g_assert_cmpstr (company, ==, "Енисей Транс");
  g_assert_cmpstr (one_word, ==, "Фёдоров");
  g_assert_cmpstr (only_form, ==, "ООО");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "companies"));
  crm_test_ui_wait (300);
  collect_avatars (crm_window_get_page (window, "companies"), avatars);
  g_assert_cmpuint (avatars->len, >, 0);
  for (guint i = 0; i < avatars->len; i++)
    {
      const char *text = adw_avatar_get_text (avatars->pdata[i]);

      g_assert_false (g_str_has_prefix (text, "ООО "));
      g_assert_false (g_str_has_prefix (text, "ИП "));
      g_assert_null (strstr (text, "«"));
    }
}

/* ---- 100 000 contacts ---- */

static const char *const surnames[] = {
  "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
  "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
  "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
};
static const char *const names[] = {
  "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
  "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Арсений", "Иван",
};

static char *
make_big_replica (const char *file,
                  guint       n_contacts)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, file, NULL);
  g_autoptr(CrmStore) store = crm_store_create (path, &error);
  g_autoptr(JsonNode) root = crm_template_load ("truck-dealer", &error);

  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  for (guint done = 0; done < n_contacts;)
    {
      g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

      for (guint i = 0; i < 5000 && done < n_contacts; i++, done++)
        {
          g_autofree char *id = crm_store_new_id (store);
          g_autofree char *name = g_strdup_printf ("%s %s %u", surnames[done % G_N_ELEMENTS (surnames)],
                                                   names[(done / G_N_ELEMENTS (surnames)) % G_N_ELEMENTS (names)],
                                                   done);
          CrmChange *change = crm_changeset_create (changeset, "contact", id);

          crm_change_set_string (change, "name", name);
          crm_change_set_int (change, "created_at", crm_store_get_now (store));
        }
      g_assert_true (crm_store_apply (store, changeset, &error));
      g_assert_no_error (error);
    }
  return g_steal_pointer (&path);
}

/* The rows of @view drawn inside its scrolled window now. */
static GPtrArray *
rows_on_screen (GtkListView *view)
{
  GPtrArray *rows = g_ptr_array_new ();
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW);
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, view);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);
      graphene_rect_t bounds;

      if (CRM_IS_LIST_ROW (widget) && gtk_widget_get_mapped (widget) &&
          gtk_widget_compute_bounds (widget, scroller, &bounds) &&
          bounds.origin.y + bounds.size.height > 0 &&
          bounds.origin.y < gtk_widget_get_height (scroller))
        g_ptr_array_add (rows, widget);
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return rows;
}

static GtkListItem *
row_item (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "crm-list-item");
}

static gboolean
list_reloaded (gpointer list)
{
  return !crm_view_is_reload_queued (CRM_VIEW (list));
}

/* An edit while the list of 5 000 shows rows in its middle: the list reloads reading the
 * pages it shows, not all 50 (GTK asks the model for every row of a refilled list while it
 * looks for the rows it tracks), and the rows shown stay filled in. */
static void
test_reload_reads_shown_pages (void)
{
  g_autofree char *path = make_big_replica ("reload.db", 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) shown_pages = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *subtitle = NULL;
  CrmEntityList *list;
  CrmPagedModel *model;
  GtkAdjustment *adjustment;
  GtkWidget *focus;
  guint fetches;
  guint page_size;
  guint focused;
  gboolean renamed_shown = FALSE;

  window = CRM_WINDOW (crm_application_open_replica (app, path, &error));
  g_assert_no_error (error);
  window = crm_test_ui_main_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (300);
  list = contacts ();
  model = crm_entity_list_get_model (list);
  page_size = crm_paged_model_get_page_size (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5000);

  /* rows 2 500 or so on screen, one of them focused, as after scrolling and clicking */
  adjustment = gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (crm_entity_list_get_view (list)),
                                                  GTK_TYPE_SCROLLED_WINDOW)));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) / 2);
  crm_test_ui_wait (300);
  rows = rows_on_screen (crm_entity_list_get_view (list));
  g_assert_cmpuint (rows->len, >, 3);
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_add (shown_pages,
                      GUINT_TO_POINTER (gtk_list_item_get_position (row_item (rows->pdata[i])) / page_size));
  g_assert_false (g_hash_table_contains (shown_pages, GUINT_TO_POINTER (0)));
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (rows->pdata[rows->len / 2])));
  focused = gtk_list_item_get_position (row_item (rows->pdata[rows->len / 2]));

  /* an edit of a contact shown: the view reloads */
  id = g_strdup (crm_record_get_id (gtk_list_item_get_item (row_item (rows->pdata[rows->len / 2]))));
  name = g_strdup_printf ("%s (edited)", crm_list_row_get_title (rows->pdata[rows->len / 2]));
  crm_change_set_string (crm_changeset_touch (changeset, "contact", id), "name", name);
  fetches = crm_paged_model_get_n_fetches (model);
  g_assert_true (crm_context_apply (crm_window_get_context (window), changeset, &error));
  g_assert_no_error (error);
  g_assert_true (crm_test_ui_wait_until (list_reloaded, list, 5000));
  crm_test_ui_wait (300);

  /* the count and the first page, and the pages shown (a margin of two), not all 50 */
  g_assert_cmpuint (crm_paged_model_get_n_fetches (model) - fetches, <=,
                    1 + g_hash_table_size (shown_pages) + 2);
  subtitle = crm_view_dup_subtitle (CRM_VIEW (list));
  g_assert_cmpstr (subtitle, ==, "5000 contacts");
  /* the rows shown are read, the edited one with its new name; the focus stays in the list */
  g_ptr_array_unref (g_steal_pointer (&rows));
  rows = rows_on_screen (crm_entity_list_get_view (list));
  g_assert_cmpuint (rows->len, >, 3);
  for (guint i = 0; i < rows->len; i++)
    {
      CrmRecord *record = gtk_list_item_get_item (row_item (rows->pdata[i]));

      g_assert_nonnull (crm_record_get_id (record));
      g_assert_cmpstr (crm_list_row_get_title (rows->pdata[i]), ==,
                       crm_record_get_string (record, "name", ""));
      renamed_shown |= g_strcmp0 (crm_list_row_get_title (rows->pdata[i]), name) == 0;
    }
  g_assert_true (renamed_shown);
  /* the focus stays on the same row of the list, where the arrow keys go on from */
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (crm_entity_list_get_view (list))));
  g_assert_true (CRM_IS_LIST_ROW (gtk_widget_get_first_child (focus)));
  g_assert_cmpuint (gtk_list_item_get_position (row_item (gtk_widget_get_first_child (focus))), ==,
                    focused);
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contacts-reload"));
}

static void
test_hundred_thousand (void)
{
  g_autofree char *big = make_big_replica ("big.db", 100000);
  g_autoptr(GError) error = NULL;
  CrmEntityList *list;
  CrmPagedModel *model;
  GtkScrolledWindow *scroller;
  GtkAdjustment *adjustment;
  g_autoptr(CrmRecord) last = NULL;
  guint fetches;

  window = CRM_WINDOW (crm_application_open_replica (app, big, &error));
  g_assert_no_error (error);
  window = crm_test_ui_main_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", "contacts"));
  crm_test_ui_wait (300);

  list = CRM_ENTITY_LIST (crm_window_get_page (window, "contacts"));
  model = crm_entity_list_get_model (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 100000);

  /* scroll to the end, as dragging the scrollbar down does */
  scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (crm_entity_list_get_view (list)),
                                                          GTK_TYPE_SCROLLED_WINDOW));
  adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  fetches = crm_paged_model_get_n_fetches (model);
  for (int step = 1; step <= 4; step++)
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) * step / 4.0);
      crm_test_ui_wait (150);
    }
  /* a few pages around the positions shown, not a thousand pages */
  g_assert_cmpuint (crm_paged_model_get_n_fetches (model) - fetches, <=, 12);
  g_assert_cmpuint (crm_paged_model_get_n_cached (model), <=, 16);
  last = g_list_model_get_item (G_LIST_MODEL (model), 99999);
  g_assert_nonnull (crm_record_get_id (last));
  g_free (crm_test_ui_screenshot (GTK_WIDGET (window), "contacts-100k"));

  /* prefix search answers over the whole replica */
  search ("ива");
  {
    g_autoptr(CrmStore) store = crm_store_open (big, &error);
    g_autoptr(JsonNode) node = NULL;
    gint64 expected = 0;

    node = crm_query_contacts (store, "ива", NULL, 1, 0, &expected, &error);
    g_assert_no_error (error);
    g_assert_cmpint (expected, >, 4000);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, expected);
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  crm_test_ui_init (&argc, &argv);
  crm_test_ui_open_demo (&tmpdir, &db_path, &app, &window);

  g_test_add_func ("/ui/contacts/list", test_list);
  g_test_add_func ("/ui/contacts/search", test_search_by_first_letters);
  g_test_add_func ("/ui/contacts/quick-add", test_quick_add);
  g_test_add_func ("/ui/contacts/card-attach", test_card_attaches_to_company_deal);
  g_test_add_func ("/ui/contacts/companies", test_companies);
  g_test_add_func ("/ui/contacts/avatar-initials", test_avatar_initials);
  g_test_add_func ("/ui/contacts/reload-reads-shown-pages", test_reload_reads_shown_pages);
  g_test_add_func ("/ui/contacts/hundred-thousand", test_hundred_thousand);
  status = g_test_run ();

  crm_test_ui_close_demo (app, tmpdir, db_path);
  return status;
}
