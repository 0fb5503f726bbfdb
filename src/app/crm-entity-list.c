/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-list.c — a GtkListView over CrmPagedModel: the model counts the matches
 * and reads 100 rows at a time as the list scrolls, so 100 000 contacts scroll without
 * loading them all. The search and tag filter come from the window's context; a filter
 * expression and an RFM segment (S4-1, S4-5) narrow it through crm_filter_query(), and
 * the expression is saved as a list the team sees in the sidebar ("list:ID" keys). A
 * filtered list is read in a worker thread on a reading connection of its own (a filter
 * over a large account, and the RFM scores it may need, take a while), a spinner turning
 * meanwhile; the model then pages through the rows read. «Write to All…» reads its list
 * the same way and writes the messages on the main loop; «Create Deals…» takes the
 * companies the list shows (crm-mass-deals-dialog.c). A saved list of deals ("deal-list:ID",
 * kind "deal") shows its deals newest first, read the same way. In selection mode (S4-2, S4-3) a
 * check box shows on every row; a click, Space or Enter picks a row, Shift+click the rows
 * up to the last one picked, Ctrl+A all of them; the picked ids (crm-id-selection.c, never
 * positions) outlive a sync's refill, and a bar offers what applies to them: «Write to
 * Selected…» for contacts, «Create Deals…» for companies. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-context.h"
#include "crm-entity-list.h"
#include "crm-filter.h"
#include "crm-id-selection.h"
#include "crm-list-row.h"
#include "crm-mailing.h"
#include "crm-mass-deals-dialog.h"
#include "crm-message.h"
#include "crm-rfm.h"
#include "crm-undo.h"
#include "crm-undo-actions.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmEntityList
{
  GtkWidget       parent_instance;

  CrmContext     *context;
  char           *kind;
  CrmPagedModel  *model;

  char           *list_id;      /* the saved list shown, or NULL */
  char           *list_name;
  char           *list_filter;  /* its expression as last read */
  char           *filter;       /* the checked expression in the entry, or NULL */
  char           *segment_id;   /* the segment chosen, or NULL */
  GPtrArray      *segment_ids;  /* the dropdown's segments after «Any segment» */
  guint           filter_timeout_id;

  GtkEntry       *filter_entry;
  GtkLabel       *filter_error;
  GtkDropDown    *segment_dropdown;
  GtkWidget      *delete_button;
  GtkWidget      *mail_button;
  GtkWidget      *deals_button;
  GtkSpinner     *spinner;
  GtkStack       *stack;
  GtkWidget      *sort_bar;
  GtkDropDown    *sort_dropdown;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;

  /* S4-2, S4-3: selection mode */
  CrmIdSelection *selection;
  gboolean        selecting;
  guint           anchor;          /* the row last picked: Shift+click picks up to it */
  gboolean        has_anchor;
  GdkModifierType click_state;     /* the modifiers of the click being activated */
  GtkToggleButton *select_button;
  GtkActionBar   *selection_bar;
  GtkLabel       *selection_label;
  GtkWidget      *select_all_button;
  GtkWidget      *mail_selected_button;
  GtkWidget      *deals_selected_button;

  /* S4-5: every row shows its client's segment, read off the main loop */
  GHashTable     *segments;        /* client id → segment name; NULL until read */
  GHashTable     *bound_items;     /* GtkListItem* whose rows are shown */
  CrmStore       *reader;          /* the segments' connection, lent to the worker */
  gboolean        segments_running;
  gboolean        segments_pending;
  gboolean        disposed;

  /* S4-1: a filtered list, read off the main loop */
  JsonArray      *filtered_rows;   /* every row the filter leaves; NULL until read */
  CrmStore       *filter_reader;   /* the filter's connection, lent to one run at a time */
  GCancellable   *cancellable;     /* cancelled when the view goes */
  gboolean        filter_running;
  gboolean        filter_pending;
  guint           mailings_running;
  gboolean        worker_error;    /* the filter error shown came from the worker */

  /* S4-1: a list of deals reads each page's deals off the main loop too */
  GHashTable     *deal_pages;      /* offset → JsonArray of the page's deals, until shown */
  GQueue          page_queue;      /* offsets of the pages to read */
  CrmStore       *page_reader;     /* the pages' connection, lent to one read at a time */
  gboolean        page_running;
  guint           page_offset;     /* the page being read */
  guint           rows_serial;     /* bumped when filtered_rows is replaced */
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmEntityList, crm_entity_list, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

enum {
  PROP_0,
  PROP_KIND,
  N_PROPS,
  /* then CrmView's three, set up by crm_view_class_setup() */
};

static GParamSpec *properties[N_PROPS];

static void set_filtered_rows    (CrmEntityList *self,
                                  JsonArray     *rows,
                                  JsonArray     *first_page);
static gboolean ensure_reader    (CrmStore     **reader,
                                  const char    *path,
                                  GError       **error);
static void pick                 (CrmEntityList *self,
                                  guint          position,
                                  gboolean       extend);
static void selection_reset      (CrmEntityList *self);
static void update_selection_bar (CrmEntityList *self);

static gboolean
is_company (CrmEntityList *self)
{
  return g_strcmp0 (self->kind, "company") == 0;
}

/* A saved list of deals ("deal-list:ID", S4-1): always read through its filter */
static gboolean
is_deal (CrmEntityList *self)
{
  return g_strcmp0 (self->kind, "deal") == 0;
}

/* The sidebar key of the saved list @id in this view. */
static char *
dup_list_view (CrmEntityList *self,
               const char    *id)
{
  return g_strconcat (is_deal (self) ? "deal-list:" : is_company (self) ? "company-list:"
                                                                        : "list:", id, NULL);
}

static const char *
view_title (CrmEntityList *self)
{
  return is_deal (self) ? _("Deals") : is_company (self) ? _("Companies") : _("Contacts");
}

/* "tags all (A, B)" for the header's tag filter, or NULL when it is empty. */
static char *
dup_tag_expression (CrmEntityList *self)
{
  const char * const *tag_ids = crm_context_get_tag_filter (self->context);
  JsonArray *tags = crm_context_get_tags (self->context);
  g_autoptr(GString) text = NULL;

  if (tag_ids == NULL || tag_ids[0] == NULL)
    return NULL;
  text = g_string_new ("tags all (");
  for (guint i = 0; tag_ids[i] != NULL; i++)
    {
      const char *name = tag_ids[i];

      for (guint j = 0; j < json_array_get_length (tags); j++)
        {
          JsonObject *tag = json_array_get_object_element (tags, j);

          if (g_strcmp0 (json_object_get_string_member_with_default (tag, "id", ""), tag_ids[i]) == 0)
            name = json_object_get_string_member_with_default (tag, "name", tag_ids[i]);
        }
      g_string_append_printf (text, "%s«%s»", i > 0 ? ", " : "", name);
    }
  g_string_append_c (text, ')');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
crm_entity_list_dup_filter (CrmEntityList *self)
{
  g_autofree char *tags = NULL;

  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);

  /* the header's tag filter (hidden over deals) narrows contacts, never a list of deals */
  tags = self->context != NULL && !is_deal (self) ? dup_tag_expression (self) : NULL;
  if (self->filter != NULL && tags != NULL)
    return g_strdup_printf ("(%s) and %s", self->filter, tags);
  if (self->filter != NULL)
    return g_strdup (self->filter);
  return g_steal_pointer (&tags);
}

static gboolean
is_filtered (CrmEntityList *self)
{
  return self->filter != NULL || self->segment_id != NULL || self->list_id != NULL ||
         is_deal (self);
}

/* «Write to All…»: on a saved list (of contacts; of companies or deals, their contacts),
 * or on the contacts a filter, the tags or a segment narrowed (never on every contact at
 * once) */
static gboolean
mail_possible (CrmEntityList *self)
{
  g_autofree char *filter = NULL;

  if (self->list_id != NULL)
    return TRUE;
  if (is_company (self) || is_deal (self))
    return FALSE;
  if (is_filtered (self))
    return TRUE;
  filter = self->context != NULL ? crm_entity_list_dup_filter (self) : NULL;
  return filter != NULL;
}

static void ask_page (CrmEntityList *self,
                      guint          offset);

/* A page of a list of deals: the worker read the ids of every deal that matches, and the
 * deals of the first page; the deals of another page are read off the main loop when the
 * list shows one of its rows (show_row → ask_page), placeholders meanwhile — so a list of 20 000 deals holds
 * 20 000 ids, not 20 000 deals, and scrolling never waits for the replica. */
static JsonArray *
fetch_deals (CrmEntityList  *self,
             guint           offset,
             guint           limit,
             gint64         *out_total,
             GError        **error)
{
  guint n = json_array_get_length (self->filtered_rows);
  JsonArray *page = NULL;

  if (out_total != NULL)
    *out_total = n;
  if (g_hash_table_steal_extended (self->deal_pages, GUINT_TO_POINTER (offset), NULL,
                                   (gpointer *) &page))
    return page;
  page = json_array_new ();
  /* the list view asks for every row when the model is refilled: a page is read when one
   * of its rows is shown (show_row), not here */
  for (guint i = offset; i < n && (limit == 0 || i - offset < limit); i++)
    json_array_add_object_element (page, json_object_new ());
  return page;
}

/* A page of the rows the worker read (none until it is done). */
static JsonArray *
fetch_filtered (CrmEntityList  *self,
                guint           offset,
                guint           limit,
                gint64         *out_total,
                GError        **error)
{
  JsonArray *page;
  guint n = self->filtered_rows != NULL ? json_array_get_length (self->filtered_rows) : 0;

  if (is_deal (self) && n > 0)
    return fetch_deals (self, offset, limit, out_total, error);
  page = json_array_new ();

  for (guint i = offset; i < n && (limit == 0 || i - offset < limit); i++)
    json_array_add_object_element (page, json_object_ref (
      json_array_get_object_element (self->filtered_rows, i)));
  if (out_total != NULL)
    *out_total = n;
  return page;
}

static JsonArray *
fetch_rows (gpointer   user_data,
            guint      offset,
            guint      limit,
            gint64    *out_total,
            GError   **error)
{
  CrmEntityList *self = user_data;
  CrmStore *store;
  const char *search;
  g_autoptr(JsonNode) node = NULL;

  if (self->context == NULL)
    {
      if (out_total != NULL)
        *out_total = 0;
      return json_array_new ();
    }
  if (is_filtered (self))
    return fetch_filtered (self, offset, limit, out_total, error);
  store = crm_context_get_store (self->context);
  search = crm_context_get_search (self->context);
  if (is_company (self))
    return crm_query_companies_sorted (store, search, crm_entity_list_get_sort_by_total (self),
                                       limit, offset, out_total, error);

  node = crm_query_contacts (store, search, crm_context_get_tag_filter (self->context),
                             limit, offset, out_total, error);
  if (node == NULL)
    return NULL;
  return json_array_ref (json_node_get_array (node));
}

gboolean
crm_entity_list_get_sort_by_total (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);
  return is_company (self) && gtk_drop_down_get_selected (self->sort_dropdown) == 1;
}

void
crm_entity_list_set_sort_by_total (CrmEntityList *self,
                                   gboolean       by_total)
{
  g_return_if_fail (CRM_IS_ENTITY_LIST (self));
  gtk_drop_down_set_selected (self->sort_dropdown, by_total ? 1 : 0);
}

/* S3-6: companies by name or by the total of their won deals */
static void
sort_changed_cb (CrmEntityList *self)
{
  crm_view_reload (CRM_VIEW (self));
}

static void
set_subtitle (CrmEntityList *self,
              const char    *subtitle)
{
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

/* ---- the filter bar (S4-1, S4-5) ---- */

static void
set_filter_error (CrmEntityList *self,
                  const char    *message)
{
  gtk_label_set_label (self->filter_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->filter_error), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_entry), "error");
}

/* Checks what the entry says and, when it is a good expression (or nothing), lists by
 * it; a bad one is explained under the entry and the list stays as it was. */
static gboolean
apply_filter_text (CrmEntityList *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry))));
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  if (self->context == NULL)
    return FALSE;
  if (*text != '\0' &&
      !crm_filter_check (crm_context_get_store (self->context), self->kind, text, &error))
    {
      set_filter_error (self, error->message);
      return FALSE;
    }
  set_filter_error (self, NULL);
  if (g_strcmp0 (self->filter, *text != '\0' ? text : NULL) == 0)
    return TRUE;
  g_free (self->filter);
  self->filter = *text != '\0' ? g_steal_pointer (&text) : NULL;
  selection_reset (self);
  crm_view_reload (CRM_VIEW (self));
  return TRUE;
}

static gboolean
filter_timeout_cb (gpointer user_data)
{
  CrmEntityList *self = user_data;

  self->filter_timeout_id = 0;
  apply_filter_text (self);
  return G_SOURCE_REMOVE;
}

/* typing: the list follows a moment after the last key */
static void
filter_changed_cb (CrmEntityList *self)
{
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  self->filter_timeout_id = g_timeout_add (400, filter_timeout_cb, self);
}

static void
filter_activate_cb (CrmEntityList *self)
{
  apply_filter_text (self);
}

gboolean
crm_entity_list_set_filter (CrmEntityList *self,
                            const char    *text)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);

  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), text != NULL ? text : "");
  return apply_filter_text (self);
}

const char *
crm_entity_list_get_filter_error (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->filter_error))
         ? gtk_label_get_label (self->filter_error) : NULL;
}

/* The dropdown lists «Any segment» and the account's segments; rebuilt only when they
 * changed, keeping the one chosen. */
static void
update_segments (CrmEntityList *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) segments = crm_rfm_segments (crm_context_get_store (self->context), &error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GtkStringList) names = NULL;
  gboolean same;
  guint selected = 0;

  if (segments == NULL)
    {
      /* the filter's choices: said in a toast, the dropdown stays as it was */
      crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the RFM segments"), error);
      return;
    }
  names = gtk_string_list_new (NULL);
  /* Translators: the first choice of the RFM segment filter in the contacts list */
  gtk_string_list_append (names, _("Any segment"));
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);
      const char *id = json_object_get_string_member_with_default (segment, "id", "");

      g_ptr_array_add (ids, g_strdup (id));
      gtk_string_list_append (names, json_object_get_string_member_with_default (segment, "name", id));
      if (g_strcmp0 (id, self->segment_id) == 0)
        selected = i + 1;
    }
  same = self->segment_ids != NULL && self->segment_ids->len == ids->len;
  for (guint i = 0; same && i < ids->len; i++)
    same = g_str_equal (ids->pdata[i], self->segment_ids->pdata[i]);
  if (same)
    return;
  g_clear_pointer (&self->segment_ids, g_ptr_array_unref);
  self->segment_ids = g_steal_pointer (&ids);
  g_signal_handlers_block_matched (self->segment_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_drop_down_set_model (self->segment_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->segment_dropdown, selected);
  g_signal_handlers_unblock_matched (self->segment_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_widget_set_visible (GTK_WIDGET (self->segment_dropdown), self->segment_ids->len > 0);
  if (selected == 0)
    g_clear_pointer (&self->segment_id, g_free);
}

static void
segment_changed_cb (CrmEntityList *self)
{
  guint selected = gtk_drop_down_get_selected (self->segment_dropdown);

  g_clear_pointer (&self->segment_id, g_free);
  if (self->segment_ids != NULL && selected != GTK_INVALID_LIST_POSITION && selected > 0 &&
      selected <= self->segment_ids->len)
    self->segment_id = g_strdup (self->segment_ids->pdata[selected - 1]);
  selection_reset (self);
  crm_view_reload (CRM_VIEW (self));
}

gboolean
crm_entity_list_set_segment (CrmEntityList *self,
                             const char    *segment_id)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);

  if (self->segment_ids == NULL)
    return FALSE;
  for (guint i = 0; i < self->segment_ids->len; i++)
    if (g_strcmp0 (self->segment_ids->pdata[i], segment_id) == 0)
      {
        gtk_drop_down_set_selected (self->segment_dropdown, i + 1);
        return TRUE;
      }
  gtk_drop_down_set_selected (self->segment_dropdown, 0);
  return segment_id == NULL;
}

/* What «Save as List» stores: the expression, the header's tags and the segment. */
static char *
dup_saved_expression (CrmEntityList *self)
{
  g_autofree char *filter = crm_entity_list_dup_filter (self);
  g_autofree char *segment = NULL;

  if (self->segment_id != NULL && self->segment_ids != NULL)
    {
      guint selected = gtk_drop_down_get_selected (self->segment_dropdown);
      GListModel *names = gtk_drop_down_get_model (self->segment_dropdown);

      segment = g_strdup_printf ("segment = «%s»",
                                 gtk_string_list_get_string (GTK_STRING_LIST (names), selected));
    }
  if (filter != NULL && segment != NULL)
    return g_strdup_printf ("(%s) and %s", filter, segment);
  return filter != NULL ? g_steal_pointer (&filter) : g_steal_pointer (&segment);
}

char *
crm_entity_list_save_list (CrmEntityList  *self,
                           const char     *name,
                           GError        **error)
{
  g_autofree char *expression = NULL;
  g_autofree char *id = NULL;
  g_autofree char *change_set = NULL;
  g_autofree char *text = NULL;
  g_autofree char *view = NULL;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  g_return_val_if_fail (self->context != NULL, NULL);

  if (!apply_filter_text (self))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s",
                   crm_entity_list_get_filter_error (self));
      return NULL;
    }
  expression = dup_saved_expression (self);
  if (expression == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Type a filter, or choose tags or a segment, before saving it as a list"));
      return NULL;
    }
  store = crm_context_get_store (self->context);
  id = crm_saved_list_save (store, name, self->kind, expression,
                            crm_context_get_user_id (self->context), error);
  if (id == NULL)
    return NULL;
  change_set = crm_store_dup_last_change_set (store);
  crm_context_notify_changed (self->context);
  view = dup_list_view (self, id);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-view", "s", view);
  /* Translators: a toast after saving a filter as a list, «Обзвон VIP» */
  text = g_strdup_printf (_("Saved the list «%s»"), self->list_name != NULL ? self->list_name : name);
  crm_undo_toast_show (GTK_WIDGET (self), text, change_set);
  return g_steal_pointer (&id);
}

gboolean
crm_entity_list_delete_list (CrmEntityList  *self,
                             GError        **error)
{
  g_autofree char *change_set = NULL;
  g_autofree char *text = NULL;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);

  if (self->context == NULL || self->list_id == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, _("No saved list is shown"));
      return FALSE;
    }
  store = crm_context_get_store (self->context);
  if (!crm_saved_list_delete (store, self->list_id, crm_context_get_user_id (self->context), error))
    return FALSE;
  change_set = crm_store_dup_last_change_set (store);
  /* Translators: a toast after deleting a saved list; it has an «Undo» button */
  text = g_strdup_printf (_("Deleted the list «%s»"), self->list_name);
  crm_context_notify_changed (self->context);
  /* a list of deals has no whole view: the window falls back to the first board */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-view", "s",
                              is_deal (self) ? "deals" : is_company (self) ? "companies"
                                                                             : "contacts");
  crm_undo_toast_show (GTK_WIDGET (self), text, change_set);
  return TRUE;
}

static void
save_dialog_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         CrmEntityList    *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (!g_str_equal (response, "save"))
    return;
  id = crm_entity_list_save_list (self, gtk_editable_get_text (entry), &error);
  if (id == NULL)
    crm_undo_toast_show (GTK_WIDGET (self), error->message, NULL);
}

static void
save_list_clicked_cb (CrmEntityList *self)
{
  GtkWidget *entry = gtk_entry_new ();
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Save as List"),
                                                       _("The team sees the list in the sidebar after sync; new contacts that match the filter appear in it.")));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("List name"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("List name"), -1);
  if (self->list_name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), self->list_name);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (save_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
delete_list_clicked_cb (CrmEntityList *self)
{
  g_autoptr(GError) error = NULL;

  if (!crm_entity_list_delete_list (self, &error))
    crm_undo_toast_show (GTK_WIDGET (self), error->message, NULL);
}

/* ---- «Написать всем» on a saved list or the contacts a filter finds (S4-2) ---- */

static void update_spinner (CrmEntityList *self);

/* A mailing's list is read on a reading connection of its own, in a worker thread. */
typedef struct {
  char       *path;
  char       *list_id;
  char       *filter;
  char       *ids_of;      /* what ids are: "contact", "company" or "deal" */
  GStrv       ids;
  char       *template_name;
  gint64      now;
  gboolean    again;
  JsonObject *plan;
} MailData;

static void
mail_data_free (MailData *data)
{
  g_free (data->path);
  g_free (data->list_id);
  g_free (data->filter);
  g_free (data->ids_of);
  g_strfreev (data->ids);
  g_free (data->template_name);
  g_clear_pointer (&data->plan, json_object_unref);
  g_free (data);
}

static void
mail_plan_in_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  MailData *data = task_data;
  g_autoptr(CrmStore) reader = NULL;
  GError *error = NULL;

  if (!ensure_reader (&reader, data->path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  crm_store_set_now (reader, data->now);
  data->plan = crm_mailing_plan (reader, data->list_id, data->filter, data->ids_of,
                                 (const char * const *) data->ids, data->template_name,
                                 &error);
  if (data->plan == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Back on the main loop: the messages are written here, through the replica's own
 * connection, as the replica says now (who unsubscribed or got it meanwhile). */
static void
mail_planned_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (source);
  g_autoptr(GTask) outer = user_data;
  MailData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonObject) mailing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *change_set = NULL;
  g_autofree char *text = NULL;
  CrmStore *store;
  guint sent, skipped;

  self->mailings_running--;
  update_spinner (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }
  if (self->disposed || self->context == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("The list was closed before the mailing was written"));
      return;
    }
  store = crm_context_get_store (self->context);
  mailing = crm_mailing_send_plan (store, crm_context_get_user_id (self->context), data->plan,
                                   data->again ? CRM_MAILING_AGAIN : CRM_MAILING_NONE, &error);
  if (mailing == NULL)
    {
      if (g_error_matches (error, CRM_MESSAGE_ERROR, CRM_MESSAGE_ERROR_ALREADY_MAILED))
        {
          /* Translators: %s is «Nobody to write to: the 2 contacts found already got
           * «Семинар» or cannot get e-mail»; the quoted words are the check box of «Write
           * to All…» without its underline */
          char *message = g_strdup_printf (_("%s. To send it to them again, tick «Send again "
                                             "to those who already got it»."),
                                           error->message);

          g_free (error->message);
          error->message = message;
        }
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }
  change_set = crm_store_dup_last_change_set (store);
  sent = json_array_get_length (json_object_get_array_member (mailing, "sent"));
  skipped = json_array_get_length (json_object_get_array_member (mailing, "skipped"));
  if (skipped > 0)
    {
      g_autofree char *queued = g_strdup_printf (ngettext ("%u e-mail queued", "%u e-mails queued",
                                                           sent), sent);

      /* Translators: a toast after «Write to All…»: «5 писем в очереди; пропущено 2 (нет e-mail, отписались или уже получили)» */
      text = g_strdup_printf (ngettext ("%s; %u skipped (no e-mail, unsubscribed or already got it)",
                                        "%s; %u skipped (no e-mail, unsubscribed or already got it)",
                                        skipped),
                              queued, skipped);
    }
  else
    text = g_strdup_printf (ngettext ("%u e-mail queued; the server sends it after the next sync",
                                      "%u e-mails queued; the server sends them after the next sync",
                                      sent), sent);
  crm_context_notify_changed (self->context);
  crm_undo_toast_show (GTK_WIDGET (self), text, change_set);
  g_task_return_pointer (outer, g_steal_pointer (&mailing), (GDestroyNotify) json_object_unref);
}

/* Reads the plan of a mailing to the saved list @list_id, the filter @filter or the
 * rows @ids (contacts, or the contacts of companies or deals: the list's kind) — one of
 * them; taken — off the main loop; @outer gets the result. */
static void
start_mailing (CrmEntityList *self,
               GTask         *outer,
               const char    *list_id,
               char          *filter,
               GStrv          ids,
               const char    *template_name,
               gboolean       again)
{
  MailData *data = g_new0 (MailData, 1);
  GTask *task;

  data->path = g_strdup (crm_store_get_path (crm_context_get_store (self->context)));
  data->list_id = g_strdup (list_id);
  data->filter = filter;
  data->ids_of = ids != NULL ? g_strdup (self->kind) : NULL;
  data->ids = ids;
  data->template_name = g_strdup (template_name);
  data->now = crm_context_now (self->context);
  data->again = again;

  self->mailings_running++;
  update_spinner (self);
  task = g_task_new (self, self->cancellable, mail_planned_cb, outer);
  g_task_set_source_tag (task, mail_plan_in_thread);
  g_task_set_task_data (task, data, (GDestroyNotify) mail_data_free);
  g_task_run_in_thread (task, mail_plan_in_thread);
  g_object_unref (task);
}

void
crm_entity_list_mail_all (CrmEntityList       *self,
                          const char          *template_name,
                          gboolean             again,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autofree char *filter = NULL;

  g_return_if_fail (CRM_IS_ENTITY_LIST (self));
  g_return_if_fail (template_name != NULL);

  outer = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (outer, crm_entity_list_mail_all);
  /* a saved list, or what the filter, the tags and the segment leave now */
  if (self->context != NULL && self->list_id == NULL && !is_company (self) && !is_deal (self))
    filter = dup_saved_expression (self);
  if (self->context == NULL || (self->list_id == NULL && filter == NULL))
    {
      g_task_return_new_error (outer, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, "%s",
                               _("Filter the contacts or open a saved list to write to "
                                 "everyone in it"));
      return;
    }
  start_mailing (self, g_steal_pointer (&outer), self->list_id, g_steal_pointer (&filter), NULL,
                 template_name, again);
}

void
crm_entity_list_mail_selected (CrmEntityList       *self,
                               const char          *template_name,
                               gboolean             again,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;

  g_return_if_fail (CRM_IS_ENTITY_LIST (self));
  g_return_if_fail (template_name != NULL);

  outer = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (outer, crm_entity_list_mail_all);
  if (self->context == NULL || crm_id_selection_get_n_selected (self->selection) == 0)
    {
      g_task_return_new_error (outer, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND, "%s",
                               is_deal (self) ? _("Select the deals whose contacts to write to first")
                               : is_company (self) ? _("Select the companies whose contacts to write to first")
                               : _("Select the contacts to write to first"));
      return;
    }
  start_mailing (self, g_steal_pointer (&outer), NULL, NULL,
                 crm_id_selection_dup_ids (self->selection), template_name, again);
}

JsonObject *
crm_entity_list_mail_all_finish (CrmEntityList  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void present_mail_dialog (CrmEntityList *self,
                                 const char    *template_name,
                                 const char    *notice);

static void
mail_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (source);
  g_autofree char *template_name = user_data;
  g_autoptr(JsonObject) mailing = NULL;
  g_autoptr(GError) error = NULL;

  mailing = crm_entity_list_mail_all_finish (self, result, &error);
  if (mailing != NULL || self->disposed ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* everyone got it already: the dialog comes back saying so, its check box at hand */
  if (g_error_matches (error, CRM_MESSAGE_ERROR, CRM_MESSAGE_ERROR_ALREADY_MAILED))
    present_mail_dialog (self, template_name, error->message);
  else
    crm_undo_toast_show (GTK_WIDGET (self), error->message, NULL);
}

static void
mail_dialog_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         CrmEntityList    *self)
{
  GtkDropDown *dropdown = g_object_get_data (G_OBJECT (dialog), "template");
  GtkCheckButton *again = g_object_get_data (G_OBJECT (dialog), "again");
  GtkStringObject *chosen = gtk_drop_down_get_selected_item (dropdown);

  if (!g_str_equal (response, "send") || chosen == NULL)
    return;
  /* in selection mode the dialog was for the contacts selected */
  (self->selecting ? crm_entity_list_mail_selected : crm_entity_list_mail_all)
    (self, gtk_string_object_get_string (chosen), gtk_check_button_get_active (again),
     mail_done_cb, g_strdup (gtk_string_object_get_string (chosen)));
}

static void
mail_all_clicked_cb (CrmEntityList *self)
{
  present_mail_dialog (self, NULL, NULL);
}

/* «Write to All…»: the e-mail templates, the check box for those who got it already, and
 * @notice (or what the mailing does) as its text; @template_name chosen when given. */
static void
present_mail_dialog (CrmEntityList *self,
                     const char    *template_name,
                     const char    *notice)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(JsonNode) templates = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *dropdown;
  GtkWidget *again;
  GtkWidget *box;
  guint selected = 0;

  if (self->context == NULL ||
      (self->selecting ? crm_id_selection_get_n_selected (self->selection) == 0
                       : !mail_possible (self)))
    return;
  templates = crm_message_template_list (crm_context_get_store (self->context), &error);
  if (templates == NULL)
    {
      crm_undo_toast_show (GTK_WIDGET (self), error->message, NULL);
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (templates)); i++)
    {
      JsonObject *template = json_array_get_object_element (json_node_get_array (templates), i);

      if (g_strcmp0 (json_object_get_string_member_with_default (template, "channel", ""), "email") == 0)
        {
          const char *name = json_object_get_string_member_with_default (template, "name", "");

          if (g_strcmp0 (name, template_name) == 0)
            selected = g_list_model_get_n_items (G_LIST_MODEL (names));
          gtk_string_list_append (names, name);
        }
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (names)) == 0)
    {
      crm_undo_toast_show (GTK_WIDGET (self),
                           _("There are no e-mail templates yet; an administrator adds them"), NULL);
      return;
    }
  if (self->selecting)
    {
      guint n = crm_id_selection_get_n_selected (self->selection);

      if (is_deal (self))
        /* Translators: the heading of «Write to Selected…» in a list of deals, with how
         * many deals are selected */
        heading = g_strdup_printf (ngettext ("Write to the Contacts of %lld Selected Deal",
                                             "Write to the Contacts of %lld Selected Deals", n),
                                   (long long) n);
      else if (is_company (self))
        /* Translators: the heading of «Write to Selected…» in the companies list, with how
         * many companies are selected */
        heading = g_strdup_printf (ngettext ("Write to the Contacts of %lld Selected Company",
                                             "Write to the Contacts of %lld Selected Companies", n),
                                   (long long) n);
      else
        /* Translators: the heading of «Write to Selected…», with how many contacts are selected */
        heading = g_strdup_printf (ngettext ("Write to %lld Selected Contact",
                                             "Write to %lld Selected Contacts", n), (long long) n);
    }
  else if (self->list_id != NULL)
    /* Translators: the heading of «Write to All…» on a saved list, «Обзвон VIP» */
    heading = g_strdup_printf (_("Write to Everyone in «%s»"), self->list_name != NULL ? self->list_name : "");
  else
    /* Translators: the heading of «Write to All…» on the contacts a filter found */
    heading = g_strdup (_("Write to Everyone Found"));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       heading,
                                                       notice != NULL ? notice :
                                                       self->selecting && is_company (self) ?
                                                       _("Each contact of the selected companies (their people and those linked to them) gets one e-mail, however many of them it belongs to; those without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.") :
                                                       self->selecting && is_deal (self) ?
                                                       _("Each contact of the selected deals gets one e-mail, however many of them it is in; those without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.") :
                                                       self->selecting ?
                                                       _("Each selected contact gets one e-mail from the template; those without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.") :
                                                       is_company (self) ?
                                                       _("Each contact of the list's companies (their people and those linked to them) gets one e-mail from the template; contacts without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.") :
                                                       is_deal (self) ?
                                                       _("Each contact of the list's deals gets one e-mail from the template; contacts without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.") :
                                                       _("Each contact of the list gets one e-mail from the template; contacts without an e-mail, who unsubscribed or who already got this template are skipped. The server sends them after the next sync.")));
  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), selected);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Template"), -1);
  again = gtk_check_button_new_with_mnemonic (_("Send _again to those who already got it"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (box), dropdown);
  gtk_box_append (GTK_BOX (box), again);
  g_object_set_data (G_OBJECT (dialog), "template", dropdown);
  g_object_set_data (G_OBJECT (dialog), "again", again);
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "send", _("_Send"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "send", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "send");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (mail_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (notice != NULL ? again : dropdown);
}

/* ---- «Создать сделки…» for the companies shown (S4-3) ---- */

GtkWindow *
crm_entity_list_create_deals (CrmEntityList *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  CrmMassDealsDialog *dialog;
  guint n;

  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);

  if (self->selecting)
    {
      g_auto(GStrv) selected = NULL;

      /* the companies selected, however the list was narrowed */
      if (self->context == NULL || !is_company (self))
        return NULL;
      if (crm_id_selection_get_n_selected (self->selection) == 0)
        {
          crm_widget_show_toast (GTK_WIDGET (self), _("Select the companies to create deals for"));
          return NULL;
        }
      selected = crm_id_selection_dup_ids (self->selection);
      dialog = crm_mass_deals_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                          self->context, (const char * const *) selected, NULL,
                                          TRUE);
      gtk_window_present (GTK_WINDOW (dialog));
      return GTK_WINDOW (dialog);
    }
  /* the rows the filter, the segment or the saved list leave, as read for the list */
  if (self->context == NULL || !is_company (self) || !is_filtered (self) ||
      self->filter_running || self->filtered_rows == NULL)
    return NULL;
  n = json_array_get_length (self->filtered_rows);
  if (n == 0)
    {
      crm_widget_show_toast (GTK_WIDGET (self),
                             _("No company is shown; change the filter to create deals"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (ids, (gpointer) json_object_get_string_member_with_default (
      json_array_get_object_element (self->filtered_rows, i), "id", ""));
  g_ptr_array_add (ids, NULL);
  dialog = crm_mass_deals_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                      self->context, (const char * const *) ids->pdata,
                                      self->list_id != NULL ? self->list_name : NULL, FALSE);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
deals_clicked_cb (CrmEntityList *self)
{
  crm_entity_list_create_deals (self);
}

/* The saved list as the replica says now: its name is the title; an expression changed
 * by a colleague replaces the entry's unless it was edited here. */
static void
read_saved_list (CrmEntityList *self)
{
  g_autoptr(JsonObject) list = NULL;
  const char *filter;

  if (self->list_id == NULL || self->context == NULL)
    return;
  list = crm_saved_list_lookup (crm_context_get_store (self->context), self->list_id, NULL);
  if (list == NULL)
    return;
  g_free (self->list_name);
  self->list_name = g_strdup (json_object_get_string_member_with_default (list, "name", ""));
  filter = json_object_get_string_member_with_default (list, "filter", "");
  if (g_strcmp0 (filter, self->list_filter) != 0)
    {
      const char *shown = gtk_editable_get_text (GTK_EDITABLE (self->filter_entry));

      if (self->list_filter == NULL || g_str_equal (shown, self->list_filter))
        {
          gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), filter);
          g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
          set_filter_error (self, NULL);
          g_free (self->filter);
          self->filter = *filter != '\0' ? g_strdup (filter) : NULL;
        }
      g_free (self->list_filter);
      self->list_filter = g_strdup (filter);
    }
}

static void
crm_entity_list_set_key (CrmView    *view,
                         const char *key)
{
  CrmEntityList *self = CRM_ENTITY_LIST (view);
  const char *list_id = NULL;

  if (key != NULL && g_str_has_prefix (key, "list:"))
    list_id = key + strlen ("list:");
  else if (key != NULL && g_str_has_prefix (key, "company-list:"))
    list_id = key + strlen ("company-list:");
  else if (key != NULL && g_str_has_prefix (key, "deal-list:"))
    list_id = key + strlen ("deal-list:");
  if (g_strcmp0 (list_id, self->list_id) == 0)
    return;

  /* another list, or the whole view: it starts unfiltered, nothing selected */
  crm_entity_list_set_selection_mode (self, FALSE);
  g_free (self->list_id);
  self->list_id = g_strdup (list_id);
  g_clear_pointer (&self->list_name, g_free);
  g_clear_pointer (&self->list_filter, g_free);
  g_clear_pointer (&self->filter, g_free);
  g_clear_pointer (&self->segment_id, g_free);
  set_filtered_rows (self, NULL, NULL);
  self->worker_error = FALSE;
  g_signal_handlers_block_matched (self->filter_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_editable_set_text (GTK_EDITABLE (self->filter_entry), "");
  g_signal_handlers_unblock_matched (self->filter_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  set_filter_error (self, NULL);
  g_signal_handlers_block_matched (self->segment_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_drop_down_set_selected (self->segment_dropdown, 0);
  g_signal_handlers_unblock_matched (self->segment_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  read_saved_list (self);
  crm_view_reload (view);
}

const char *
crm_entity_list_get_list_id (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->list_id;
}

/* ---- the segment of every row (S4-5) ---- */

static void show_row (CrmEntityList *self,
                      GtkListItem   *item);

/* Scoring every client takes a while on a large account: a worker reads the segments
 * through a reading connection of its own (the view keeps it and lends it to one run at a
 * time), and the rows shown are filled in when it is done. */
typedef struct {
  char       *path;
  char       *kind;
  gint64      now;
  CrmStore   *reader;
  GHashTable *segments;
} SegmentsData;

static void
segments_data_free (SegmentsData *data)
{
  g_free (data->path);
  g_free (data->kind);
  g_clear_object (&data->reader);
  g_clear_pointer (&data->segments, g_hash_table_unref);
  g_free (data);
}

static void
segments_in_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  SegmentsData *data = task_data;
  GError *error = NULL;

  if (!ensure_reader (&data->reader, data->path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  crm_store_set_now (data->reader, data->now);
  data->segments = crm_rfm_segment_names (data->reader, data->kind, &error);
  if (data->segments == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_segments (CrmEntityList *self);

static void
segments_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (source);
  SegmentsData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer item;

  self->segments_running = FALSE;
  if (self->reader == NULL)
    self->reader = g_steal_pointer (&data->reader);
  if (self->disposed)
    return;
  if (self->segments_pending)
    {
      start_segments (self);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* the rows stay, without their segment badges: said in a toast */
      crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the clients' segments"),
                                  error);
      return;
    }
  g_clear_pointer (&self->segments, g_hash_table_unref);
  self->segments = g_steal_pointer (&data->segments);
  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    show_row (self, item);
}

static void
start_segments (CrmEntityList *self)
{
  CrmStore *store;
  SegmentsData *data;
  GTask *task;

  if (self->context == NULL || self->disposed)
    return;
  if (self->segments_running)
    {
      /* the running one ends first: the reading connection serves one run at a time */
      self->segments_pending = TRUE;
      return;
    }
  self->segments_pending = FALSE;
  store = crm_context_get_store (self->context);
  if (self->reader != NULL &&
      g_strcmp0 (crm_store_get_path (self->reader), crm_store_get_path (store)) != 0)
    g_clear_object (&self->reader);

  data = g_new0 (SegmentsData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->kind = g_strdup (is_company (self) ? "company" : "contact");
  data->now = crm_context_now (self->context);
  data->reader = g_steal_pointer (&self->reader);

  self->segments_running = TRUE;
  task = g_task_new (self, NULL, segments_done_cb, NULL);
  g_task_set_source_tag (task, start_segments);
  g_task_set_task_data (task, data, (GDestroyNotify) segments_data_free);
  g_task_run_in_thread (task, segments_in_thread);
  g_object_unref (task);
}

gboolean
crm_entity_list_is_reading_segments (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);
  return self->segments_running || self->segments == NULL;
}

/* ---- a filtered list, off the main loop (S4-1) ---- */

/* In a worker: *@reader, opened on @path when it is not yet, with a small cache and no
 * mapped pages (the app's memory stays small). */
static gboolean
ensure_reader (CrmStore   **reader,
               const char  *path,
               GError     **error)
{
  if (*reader != NULL)
    return TRUE;
  *reader = crm_store_open_reader (path, error);
  if (*reader != NULL && !crm_store_set_memory_limits (*reader, 8192, 0, error))
    g_clear_object (reader);
  return *reader != NULL;
}

/* The ids of @rows [@offset, @offset + @limit), NULL-terminated. */
static GStrv
dup_page_ids (JsonArray *rows,
              guint      offset,
              guint      limit)
{
  GPtrArray *ids = g_ptr_array_new ();
  guint n = json_array_get_length (rows);

  for (guint i = offset; i < n && i - offset < limit; i++)
    g_ptr_array_add (ids, g_strdup (json_object_get_string_member_with_default (
      json_array_get_object_element (rows, i), "id", "")));
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (ids, FALSE);
}

/* In a worker: the deals of @ids in full, newest first (two queries for a page). */
static JsonArray *
read_deal_page (CrmStore            *reader,
                const char * const  *ids,
                GError             **error)
{
  CrmFilterQuery query = { .entity = "deal", .ids = ids };

  return crm_filter_query (reader, &query, NULL, error);
}

/* @rows (taken; NULL: none read) as the rows of the list: the pages read of the rows before
 * go, and @first_page (taken, may be NULL) is the first page's deals. */
static void
set_filtered_rows (CrmEntityList *self,
                   JsonArray     *rows,
                   JsonArray     *first_page)
{
  g_clear_pointer (&self->filtered_rows, json_array_unref);
  self->filtered_rows = rows;
  self->rows_serial++;
  g_hash_table_remove_all (self->deal_pages);
  g_queue_clear (&self->page_queue);
  if (first_page != NULL)
    g_hash_table_insert (self->deal_pages, GUINT_TO_POINTER (0), first_page);
}

/* A list of deals without a filter would list every deal: it asks for one instead. */
static gboolean
lacks_deal_filter (CrmEntityList *self)
{
  return is_deal (self) && self->filter == NULL;
}

typedef struct {
  char       *path;
  gint64      now;
  CrmStore   *reader;
  GStrv       ids;
  guint       offset;
  guint       serial;
  JsonArray  *rows;
} PageData;

static void
page_data_free (PageData *data)
{
  g_free (data->path);
  g_clear_object (&data->reader);
  g_strfreev (data->ids);
  g_clear_pointer (&data->rows, json_array_unref);
  g_free (data);
}

static void
page_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PageData *data = task_data;
  GError *error = NULL;

  if (!ensure_reader (&data->reader, data->path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  crm_store_set_now (data->reader, data->now);
  data->rows = read_deal_page (data->reader, (const char * const *) data->ids, &error);
  if (data->rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_page     (CrmEntityList *self);
static void update_spinner (CrmEntityList *self);

/* Pages read and not shown (the list scrolled on) are kept at most this many. */
#define MAX_WAITING_PAGES 8

static void
page_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (source);
  PageData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->page_running = FALSE;
  if (self->page_reader == NULL)
    self->page_reader = g_steal_pointer (&data->reader);
  if (self->disposed)
    return;
  if (data->serial == self->rows_serial)
    {
      if (!g_task_propagate_boolean (G_TASK (result), &error))
        /* the page stays blank; scrolling back to it tries again */
        crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the list's deals"),
                                    error);
      else
        {
          if (g_hash_table_size (self->deal_pages) >= MAX_WAITING_PAGES)
            g_hash_table_remove_all (self->deal_pages);
          g_hash_table_replace (self->deal_pages, GUINT_TO_POINTER (data->offset),
                                g_steal_pointer (&data->rows));
          /* the model forgets the placeholders and asks again: fetch_deals has them now */
          crm_paged_model_refresh_page (self->model, data->offset);
        }
    }
  start_page (self);
  update_spinner (self);
}

static void
start_page (CrmEntityList *self)
{
  CrmStore *store;
  PageData *data;
  GTask *task;

  if (self->page_running || self->disposed || self->context == NULL ||
      self->filtered_rows == NULL || g_queue_is_empty (&self->page_queue))
    return;
  store = crm_context_get_store (self->context);
  if (self->page_reader != NULL &&
      g_strcmp0 (crm_store_get_path (self->page_reader), crm_store_get_path (store)) != 0)
    g_clear_object (&self->page_reader);

  data = g_new0 (PageData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->now = crm_context_now (self->context);
  data->reader = g_steal_pointer (&self->page_reader);
  data->offset = GPOINTER_TO_UINT (g_queue_pop_head (&self->page_queue));
  data->serial = self->rows_serial;
  data->ids = dup_page_ids (self->filtered_rows, data->offset,
                            crm_paged_model_get_page_size (self->model));

  self->page_running = TRUE;
  self->page_offset = data->offset;
  task = g_task_new (self, NULL, page_done_cb, NULL);
  g_task_set_source_tag (task, start_page);
  g_task_set_task_data (task, data, (GDestroyNotify) page_data_free);
  g_task_run_in_thread (task, page_in_thread);
  g_object_unref (task);
}

static gboolean
spinner_idle_cb (gpointer user_data)
{
  CrmEntityList *self = user_data;

  if (!self->disposed)
    update_spinner (self);
  return G_SOURCE_REMOVE;
}

/* The list shows a row of the page at @offset, not read yet: read it (once). */
static void
ask_page (CrmEntityList *self,
          guint          offset)
{
  if ((self->page_running && self->page_offset == offset) ||
      g_queue_find (&self->page_queue, GUINT_TO_POINTER (offset)) != NULL)
    return;
  g_queue_push_tail (&self->page_queue, GUINT_TO_POINTER (offset));
  start_page (self);
  /* called while the list reads its model: the spinner turns on the next turn of the loop */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, spinner_idle_cb, g_object_ref (self),
                   g_object_unref);
}

static void
update_spinner (CrmEntityList *self)
{
  gboolean busy = self->filter_running || self->mailings_running > 0 || self->page_running;

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  /* one mailing at a time: a second click would write to the same people twice */
  gtk_widget_set_sensitive (self->mail_button, self->mailings_running == 0);
  update_selection_bar (self);
  /* deals for the companies shown, once they are read */
  gtk_widget_set_sensitive (self->deals_button, !self->filter_running);
}

/* After a reload (a sync, an edit): the ids selected that the list no longer shows (a
 * colleague deleted the contact, the filter no longer matches it) are no longer selected.
 * A filtered list has its rows at hand; the whole one asks which of the ids are still
 * there, in one query bounded by the selection. */
static void
prune_selection (CrmEntityList *self)
{
  g_autoptr(GHashTable) present = NULL;
  g_autoptr(JsonArray) read = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *tags = NULL;
  JsonArray *rows;

  if (self->context == NULL || crm_id_selection_get_n_selected (self->selection) == 0)
    return;
  if (is_filtered (self))
    rows = self->filtered_rows;
  else
    {
      CrmFilterQuery query = { .entity = self->kind };

      /* the search matches names otherwise than a filter does: leave the ids as they are */
      if (crm_context_get_search (self->context) != NULL)
        return;
      ids = crm_id_selection_dup_ids (self->selection);
      tags = crm_entity_list_dup_filter (self);
      query.filter = tags;
      query.ids = (const char * const *) ids;
      rows = read = crm_filter_query (crm_context_get_store (self->context), &query, NULL, NULL);
    }
  if (rows == NULL)
    return;
  present = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_hash_table_add (present, (gpointer) json_object_get_string_member_with_default (
      json_array_get_object_element (rows, i), "id", ""));
  crm_id_selection_retain (self->selection, present);
}

/* The model over what is to be shown now: the count in the subtitle, the list or the
 * empty page, the segments of the rows. */
static void
show_rows (CrmEntityList *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;
  guint total;

  if (!crm_paged_model_reload (self->model, &error))
    {
      /* the cause and what to do where the rows would be: never «No Contacts» */
      crm_stack_show_read_error (self->stack, is_deal (self) ? _("The Deals Cannot Be Read")
                                              : is_company (self)
                                              ? _("The Companies Cannot Be Read")
                                              : _("The Contacts Cannot Be Read"), error);
      set_subtitle (self, NULL);
      return;
    }
  total = crm_paged_model_get_total (self->model);
  if (!is_deal (self))
    start_segments (self);
  prune_selection (self);

  if (is_deal (self))
    /* Translators: the subtitle of a saved list of deals: how many it holds now */
    subtitle = g_strdup_printf (ngettext ("%lld deal in the list", "%lld deals in the list",
                                          total), (long long) total);
  else if (is_company (self))
    subtitle = g_strdup_printf (ngettext ("%u company", "%u companies", total), total);
  else
    subtitle = g_strdup_printf (ngettext ("%u contact", "%u contacts", total), total);
  set_subtitle (self, subtitle);

  if (total == 0)
    {
      gboolean searching = self->context != NULL && crm_context_get_search (self->context) != NULL;

      adw_status_page_set_title (self->empty_page,
                                 lacks_deal_filter (self) ? _("Type a Filter")
                                 : searching || is_filtered (self) ? _("Nothing Found")
                                 : is_company (self) ? _("No Companies") : _("No Contacts"));
      adw_status_page_set_description (self->empty_page,
                                       lacks_deal_filter (self)
                                       ? _("A list of deals shows the deals its filter matches, not every deal; type the filter above")
                                       : searching && is_deal (self)
                                       ? _("In a list of deals, type the first letters of the title")
                                       : is_deal (self)
                                       ? _("No deal matches the list's filter now; change the filter")
                                       : searching && is_filtered (self)
                                       ? _("In a filtered list, type the first letters of the surname")
                                       : searching ? _("Try the first letters of another word of the name")
                                       : is_filtered (self) ? _("Nothing matches the filter; change it or choose another segment")
                                       : NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

typedef struct {
  char       *path;
  char       *entity;
  char       *filter;
  char       *segment;
  char       *surname;
  gint64      now;
  guint       page_size;
  CrmStore   *reader;
  JsonArray  *rows;
  JsonArray  *first_page;  /* a list of deals: the deals of its first page */
} FilterData;

static void
filter_data_free (FilterData *data)
{
  g_free (data->path);
  g_free (data->entity);
  g_free (data->filter);
  g_free (data->segment);
  g_free (data->surname);
  g_clear_object (&data->reader);
  g_clear_pointer (&data->rows, json_array_unref);
  g_clear_pointer (&data->first_page, json_array_unref);
  g_free (data);
}

static void
filter_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  FilterData *data = task_data;
  CrmFilterQuery query = {
    .entity = data->entity,
    .filter = data->filter,
    .segment = data->segment,
    .surname = data->surname,
    /* a list of deals reads each page's deals as it shows them (fetch_deals) */
    .ids_only = g_strcmp0 (data->entity, "deal") == 0,
  };
  GError *error = NULL;

  if (!ensure_reader (&data->reader, data->path, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  crm_store_set_now (data->reader, data->now);
  data->rows = crm_filter_query (data->reader, &query, NULL, &error);
  if (data->rows != NULL && query.ids_only)
    {
      /* the first screen comes with the ids: the list shows it without a wait */
      g_auto(GStrv) ids = dup_page_ids (data->rows, 0, data->page_size);

      data->first_page = read_deal_page (data->reader, (const char * const *) ids, &error);
      if (data->first_page == NULL)
        g_clear_pointer (&data->rows, json_array_unref);
    }
  if (data->rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_filter (CrmEntityList *self);

static void
filter_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (source);
  FilterData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->filter_running = FALSE;
  if (self->filter_reader == NULL)
    self->filter_reader = g_steal_pointer (&data->reader);
  if (self->disposed)
    return;
  if (self->filter_pending)
    {
      /* the view changed meanwhile: read it as it is now */
      start_filter (self);
      return;
    }
  update_spinner (self);
  /* the whole view was chosen meanwhile, which shows without a worker, or the filter of
   * a list of deals was cleared */
  if (!is_filtered (self) || lacks_deal_filter (self))
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* a saved list that no longer works says why where its filter is */
      set_filter_error (self, error->message);
      self->worker_error = TRUE;
      set_filtered_rows (self, json_array_new (), NULL);
    }
  else
    {
      if (self->worker_error)
        set_filter_error (self, NULL);
      self->worker_error = FALSE;
      set_filtered_rows (self, g_steal_pointer (&data->rows), g_steal_pointer (&data->first_page));
    }
  show_rows (self);
}

static void
start_filter (CrmEntityList *self)
{
  CrmStore *store;
  FilterData *data;
  GTask *task;

  if (self->context == NULL || self->disposed)
    return;
  if (self->filter_running)
    {
      /* the running one ends first: its connection serves one run at a time */
      self->filter_pending = TRUE;
      return;
    }
  self->filter_pending = FALSE;
  store = crm_context_get_store (self->context);
  if (self->filter_reader != NULL &&
      g_strcmp0 (crm_store_get_path (self->filter_reader), crm_store_get_path (store)) != 0)
    g_clear_object (&self->filter_reader);

  data = g_new0 (FilterData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->entity = g_strdup (self->kind);
  data->filter = crm_entity_list_dup_filter (self);
  data->segment = g_strdup (self->segment_id);
  data->surname = g_strdup (crm_context_get_search (self->context));
  data->now = crm_context_now (self->context);
  data->page_size = crm_paged_model_get_page_size (self->model);
  data->reader = g_steal_pointer (&self->filter_reader);

  self->filter_running = TRUE;
  update_spinner (self);
  task = g_task_new (self, self->cancellable, filter_done_cb, NULL);
  g_task_set_source_tag (task, start_filter);
  g_task_set_task_data (task, data, (GDestroyNotify) filter_data_free);
  /* the reading connection comes back even when the view went */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, filter_in_thread);
  g_object_unref (task);
}

gboolean
crm_entity_list_is_loading (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);
  return self->filter_running || self->filter_pending || self->mailings_running > 0 ||
         self->page_running || !g_queue_is_empty (&self->page_queue) ||
         self->filter_timeout_id != 0 || crm_view_is_reload_queued (CRM_VIEW (self));
}

static void
crm_entity_list_reload (CrmView *view)
{
  CrmEntityList *self = CRM_ENTITY_LIST (view);

  g_return_if_fail (CRM_IS_ENTITY_LIST (self));

  if (self->context != NULL)
    {
      if (!is_deal (self))
        update_segments (self);
      read_saved_list (self);
    }
  if (is_deal (self))
    gtk_widget_set_visible (GTK_WIDGET (self->segment_dropdown), FALSE);
  gtk_widget_set_visible (self->delete_button, self->list_id != NULL);
  gtk_widget_set_visible (self->mail_button, !self->selecting && mail_possible (self));
  gtk_widget_set_visible (self->deals_button,
                          !self->selecting && is_company (self) && is_filtered (self));
  update_selection_bar (self);
  if (self->list_id != NULL && self->list_name != NULL)
    crm_view_set_title (view, self->list_name);
  else
    crm_view_set_title (view, view_title (self));
  gtk_widget_set_visible (self->sort_bar, is_company (self) && !is_filtered (self));

  if (self->context != NULL && lacks_deal_filter (self))
    {
      /* never every deal of the account: the empty page asks for a filter */
      set_filtered_rows (self, json_array_new (), NULL);
      show_rows (self);
      return;
    }
  if (self->context != NULL && is_filtered (self))
    {
      /* the rows shown stay until the new ones are read; a list not read yet spins */
      if (self->filtered_rows == NULL)
        {
          crm_paged_model_reload (self->model, NULL);
          set_subtitle (self, NULL);
          gtk_stack_set_visible_child_name (self->stack, "loading");
        }
      start_filter (self);
      return;
    }
  set_filtered_rows (self, NULL, NULL);
  show_rows (self);
}

/* ---- rows ---- */

static void show_check (CrmEntityList *self,
                        GtkListItem   *item);

static void
item_selected_cb (GtkListItem   *item,
                  GParamSpec    *pspec,
                  CrmEntityList *self)
{
  show_check (self, item);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmEntityList            *self)
{
  GtkWidget *row = crm_list_row_new ();

  /* the row knows its item: Space on a focused row picks it */
  g_object_set_data (G_OBJECT (row), "crm-list-item", item);
  gtk_list_item_set_child (item, row);
  g_signal_connect_object (item, "notify::selected", G_CALLBACK (item_selected_cb), self, 0);
}

static void
show_row (CrmEntityList *self,
          GtkListItem   *item)
{
  CrmRecord *record = gtk_list_item_get_item (item);
  const char *id = record != NULL ? crm_record_get_id (record) : NULL;
  const char *segment = self->segments != NULL && id != NULL
                        ? g_hash_table_lookup (self->segments, id) : NULL;

  if (record != NULL)
    crm_list_row_set_record (CRM_LIST_ROW (gtk_list_item_get_child (item)), self->kind, record,
                             segment);
  /* a deal of a page not read yet: its page is read, off the main loop */
  if (record != NULL && id == NULL && is_deal (self) && self->filtered_rows != NULL &&
      gtk_list_item_get_position (item) < json_array_get_length (self->filtered_rows))
    {
      guint page_size = crm_paged_model_get_page_size (self->model);

      ask_page (self, gtk_list_item_get_position (item) / page_size * page_size);
    }
  show_check (self, item);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CrmEntityList            *self)
{
  g_hash_table_add (self->bound_items, item);
  show_row (self, item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               CrmEntityList            *self)
{
  g_hash_table_remove (self->bound_items, item);
}

static void
activate_cb (CrmEntityList *self,
             guint          position)
{
  g_autoptr(CrmRecord) record = NULL;
  GdkModifierType state = self->click_state;

  self->click_state = 0;
  if (self->selecting)
    {
      /* a click or Enter picks the row; with Shift, the rows up to the last one picked */
      pick (self, position, (state & GDK_SHIFT_MASK) != 0);
      return;
    }
  record = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (record == NULL || crm_record_get_id (record) == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self),
                              is_deal (self) ? "win.open-deal"
                              : is_company (self) ? "win.open-company" : "win.open-contact",
                              "s", crm_record_get_id (record));
}

/* ---- selection mode (S4-2, S4-3) ---- */

static void
show_check (CrmEntityList *self,
            GtkListItem   *item)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  if (CRM_IS_LIST_ROW (row))
    crm_list_row_set_check (CRM_LIST_ROW (row), self->selecting, gtk_list_item_get_selected (item));
}

static void
update_selection_bar (CrmEntityList *self)
{
  guint n = crm_id_selection_get_n_selected (self->selection);
  g_autofree char *text = NULL;

  /* Translators: how many rows are selected in the contacts or companies list, «Выбрано: 3» */
  text = g_strdup_printf (ngettext ("%lld selected", "%lld selected", n), (long long) n);
  gtk_label_set_label (self->selection_label, text);
  gtk_widget_set_tooltip_text (self->mail_selected_button,
                               is_deal (self) ? _("One e-mail from a template to each contact of the selected deals")
                               : is_company (self) ? _("One e-mail from a template to each contact of the selected companies")
                               : _("One e-mail from a template to each selected contact"));
  gtk_widget_set_visible (self->deals_selected_button, is_company (self));
  gtk_widget_set_sensitive (self->mail_selected_button, n > 0 && self->mailings_running == 0);
  gtk_widget_set_sensitive (self->deals_selected_button, n > 0);
}

static void
too_many_toast (CrmEntityList *self)
{
  g_autofree char *text = NULL;

  /* Translators: a toast when more rows are selected than a mailing takes */
  text = g_strdup_printf (_("At most %d rows can be selected; narrow the list with a filter"),
                          CRM_MAILING_MAX_CONTACTS);
  crm_widget_show_toast (GTK_WIDGET (self), text);
}

/* Picks the row at @position, or unpicks it; @extend: picks every row between it and the
 * row picked last. */
static void
pick (CrmEntityList *self,
      guint          position,
      gboolean       extend)
{
  gboolean ok;

  if (extend && self->has_anchor && self->anchor != position)
    ok = crm_id_selection_select_range (self->selection, MIN (self->anchor, position),
                                        MAX (self->anchor, position) - MIN (self->anchor, position) + 1,
                                        TRUE);
  else
    ok = crm_id_selection_toggle (self->selection, position, NULL);
  if (!ok)
    {
      g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (self->model), position);

      if (record != NULL && crm_record_get_id (record) != NULL)
        too_many_toast (self);
      return;
    }
  self->anchor = position;
  self->has_anchor = TRUE;
}

gboolean
crm_entity_list_get_selection_mode (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);
  return self->selecting;
}

void
crm_entity_list_set_selection_mode (CrmEntityList *self,
                                    gboolean       selecting)
{
  GHashTableIter iter;
  gpointer item;

  g_return_if_fail (CRM_IS_ENTITY_LIST (self));

  selecting = !!selecting;
  if (self->selecting == selecting)
    return;
  self->selecting = selecting;
  /* leaving it forgets what was picked */
  crm_id_selection_clear (self->selection);
  self->has_anchor = FALSE;
  g_signal_handlers_block_matched (self->select_button, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_toggle_button_set_active (self->select_button, selecting);
  g_signal_handlers_unblock_matched (self->select_button, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_action_bar_set_revealed (self->selection_bar, selecting);
  /* the whole list's actions make way for the selection's */
  gtk_widget_set_visible (self->mail_button, !selecting && mail_possible (self));
  gtk_widget_set_visible (self->deals_button, !selecting && is_company (self) && is_filtered (self));
  g_hash_table_iter_init (&iter, self->bound_items);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    show_check (self, item);
  update_selection_bar (self);
}

GStrv
crm_entity_list_dup_selected_ids (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return crm_id_selection_dup_ids (self->selection);
}

gboolean
crm_entity_list_select_all (CrmEntityList *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(JsonArray) read = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *rows;
  guint total;

  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);

  crm_entity_list_set_selection_mode (self, TRUE);
  if (self->context == NULL || crm_entity_list_is_loading (self))
    return FALSE;
  total = crm_paged_model_get_total (self->model);
  if (total > CRM_MAILING_MAX_CONTACTS)
    {
      too_many_toast (self);
      return FALSE;
    }
  /* the rows shown: a filtered list has them all; the whole list reads their ids in one
   * query, never row by row */
  if (is_filtered (self))
    rows = self->filtered_rows;
  else
    {
      gint64 n = 0;

      rows = read = fetch_rows (self, 0, MAX (total, 1), &n, &error);
      if (read == NULL)
        {
          crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the list"), error);
          return FALSE;
        }
    }
  for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++)
    g_ptr_array_add (ids, (gpointer) json_object_get_string_member_with_default (
      json_array_get_object_element (rows, i), "id", ""));
  g_ptr_array_add (ids, NULL);
  if (!crm_id_selection_set_ids (self->selection, (const char * const *) ids->pdata))
    {
      too_many_toast (self);
      return FALSE;
    }
  return TRUE;
}

/* A new filter, search, tag, segment or list: what was picked goes. */
static void
selection_reset (CrmEntityList *self)
{
  crm_id_selection_clear (self->selection);
  self->has_anchor = FALSE;
}

static void
select_toggled_cb (CrmEntityList *self)
{
  crm_entity_list_set_selection_mode (self, gtk_toggle_button_get_active (self->select_button));
}

static void
select_all_clicked_cb (CrmEntityList *self)
{
  crm_entity_list_select_all (self);
}

static void
mail_selected_clicked_cb (CrmEntityList *self)
{
  present_mail_dialog (self, NULL, NULL);
}

static void
deals_selected_clicked_cb (CrmEntityList *self)
{
  crm_entity_list_create_deals (self);
}

/* The position of the list's row that has the keyboard focus, or GTK_INVALID_LIST_POSITION. */
static guint
focused_position (CrmEntityList *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkListItem *item;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->list_view)))
    return GTK_INVALID_LIST_POSITION;
  for (GtkWidget *child = gtk_widget_get_first_child (focus); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if ((item = g_object_get_data (G_OBJECT (child), "crm-list-item")) != NULL)
      return gtk_list_item_get_position (item);
  return GTK_INVALID_LIST_POSITION;
}

/* Ctrl+A anywhere in the window showing the list selects every row (not in a text
 * entry, where it selects the text). */
static gboolean
select_all_shortcut_cb (GtkWidget *widget,
                        GVariant  *args,
                        gpointer   user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (widget);
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (widget));

  if (!gtk_widget_get_mapped (widget) || (focus != NULL && GTK_IS_EDITABLE (focus)))
    return FALSE;
  crm_entity_list_select_all (self);
  return TRUE;
}

/* Escape anywhere in the window leaves selection mode (before the window's «back»). */
static gboolean
leave_shortcut_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  CrmEntityList *self = CRM_ENTITY_LIST (widget);

  if (!gtk_widget_get_mapped (widget) || !self->selecting)
    return FALSE;
  crm_entity_list_set_selection_mode (self, FALSE);
  return TRUE;
}

/* Space on a focused row picks it (Shift+Space: the rows up to the last one picked),
 * before the list's own binding. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CrmEntityList         *self)
{
  GdkModifierType modifiers = state & gtk_accelerator_get_default_mod_mask ();
  guint position;

  self->click_state = 0;
  if ((keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Space) && self->selecting &&
      (modifiers & ~GDK_SHIFT_MASK) == 0 &&
      (position = focused_position (self)) != GTK_INVALID_LIST_POSITION)
    {
      pick (self, position, (modifiers & GDK_SHIFT_MASK) != 0);
      return TRUE;
    }
  return FALSE;
}

/* The modifiers of a click on a row, for the activation it ends in. */
static void
click_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  CrmEntityList   *self)
{
  self->click_state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
}

/* ---- GObject ---- */

/* The list follows the header's search and tag filter as well as the replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "notify::search", G_CALLBACK (selection_reset), view);
  g_signal_connect_swapped (context, "notify::tag-filter", G_CALLBACK (selection_reset), view);
  g_signal_connect_swapped (context, "notify::search", G_CALLBACK (crm_view_queue_reload), view);
  g_signal_connect_swapped (context, "notify::tag-filter", G_CALLBACK (crm_view_queue_reload), view);
}

static void
crm_entity_list_dispose (GObject *object)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  crm_view_set_context (CRM_VIEW (self), NULL);
  g_clear_handle_id (&self->filter_timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_ENTITY_LIST);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_entity_list_parent_class)->dispose (object);
}

static void
crm_entity_list_finalize (GObject *object)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->list_name, g_free);
  g_clear_pointer (&self->list_filter, g_free);
  g_clear_pointer (&self->filter, g_free);
  g_clear_pointer (&self->segment_id, g_free);
  g_clear_pointer (&self->segment_ids, g_ptr_array_unref);
  g_clear_pointer (&self->segments, g_hash_table_unref);
  g_clear_pointer (&self->bound_items, g_hash_table_unref);
  g_clear_object (&self->reader);
  g_clear_pointer (&self->filtered_rows, json_array_unref);
  g_clear_pointer (&self->deal_pages, g_hash_table_unref);
  g_queue_clear (&self->page_queue);
  g_clear_object (&self->page_reader);
  g_clear_object (&self->filter_reader);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (crm_entity_list_parent_class)->finalize (object);
}

static void
crm_entity_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_entity_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_free (self->kind);
      self->kind = g_value_dup_string (value);
      gtk_widget_set_visible (self->sort_bar, is_company (self));
      crm_view_set_title (CRM_VIEW (self), view_title (self));
      /* a list of deals has no RFM segments; its selection is written to (S4-2) */
      if (is_deal (self))
        gtk_entry_set_placeholder_text (self->filter_entry,
          /* Translators: an example of the filter language over deals; keep its English
           * keywords (tags any, and, stage) */
          _("tags any Volvo and stage = Invoice"));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_entity_list_reload;
  iface->set_key = crm_entity_list_set_key;
}

static void
crm_entity_list_class_init (CrmEntityListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_entity_list_dispose;
  object_class->finalize = crm_entity_list_finalize;
  object_class->get_property = crm_entity_list_get_property;
  object_class->set_property = crm_entity_list_set_property;

  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, "contact",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  crm_view_class_setup (object_class, N_PROPS, G_STRUCT_OFFSET (CrmEntityList, context), NULL,
                        context_set);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-entity-list.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, list_view);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, sort_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, filter_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, filter_error);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, segment_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, delete_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, mail_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, deals_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, spinner);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, select_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, selection_label);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, select_all_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, mail_selected_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, deals_selected_button);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, segment_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_list_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_list_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, mail_all_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, deals_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, sort_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, select_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, select_all_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, mail_selected_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, deals_selected_clicked_cb);
}

static void
crm_entity_list_init (CrmEntityList *self)
{
  GtkEventController *shortcuts;
  GtkEventController *keys;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bound_items = g_hash_table_new (NULL, NULL);
  self->deal_pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) json_array_unref);
  g_queue_init (&self->page_queue);
  self->cancellable = g_cancellable_new ();
  /* The model lives as long as the view; it reads through self without a reference. */
  self->model = crm_paged_model_new (fetch_rows, self, NULL);
  /* what a mailing takes at most; a mass deal refuses more than its own bound itself */
  self->selection = crm_id_selection_new (G_LIST_MODEL (self->model), CRM_MAILING_MAX_CONTACTS);
  g_signal_connect_object (self->selection, "notify::n-selected",
                           G_CALLBACK (update_selection_bar), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  /* before the list's own keys (its Ctrl+A, Space) and the window's Escape, wherever the
   * focus is in the window */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_a, GDK_CONTROL_MASK),
                      gtk_callback_action_new (select_all_shortcut_cb, NULL, NULL)));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                      gtk_callback_action_new (leave_shortcut_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));
  crm_view_mark_dirty (CRM_VIEW (self));
}

const char *
crm_entity_list_get_kind (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->kind;
}

CrmPagedModel *
crm_entity_list_get_model (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->model;
}

GtkListView *
crm_entity_list_get_view (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->list_view;
}
