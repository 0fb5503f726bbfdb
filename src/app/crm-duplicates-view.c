/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-duplicates-view.c — the Duplicates view (S4-6). The scan reads every card of the
 * account, so it runs in a GTask worker on a reading connection of its own
 * (crm_store_open_reader), as the Reports view does; the groups are shown when it ends.
 * Merging is core's crm_duplicates_merge(): one change set, undoable from the toast. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-describe.h"
#include "crm-duplicates.h"
#include "crm-duplicates-view.h"
#include "crm-format.h"
#include "crm-undo.h"
#include "crm-undo-actions.h"
#include "crm-view.h"
#include "crm-widget-util.h"

/* more groups than this are counted, not all shown: merge some and scan again */
#define MAX_GROUPS 100
#define MIN_SCORE 40

struct _CrmDuplicatesView
{
  GtkWidget           parent_instance;

  CrmContext         *context;
  char               *kind;
  JsonArray          *groups;
  GPtrArray          *survivors;     /* the card kept in each group shown */
  GPtrArray          *group_widgets; /* AdwPreferencesGroup of each group shown */
  gboolean            loaded;
  gboolean            running;
  gboolean            pending;
  gboolean            disposed;

  GtkDropDown        *kind_dropdown;
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  AdwPreferencesPage *page;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmDuplicatesView, crm_duplicates_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static gboolean
is_company (CrmDuplicatesView *self)
{
  return g_strcmp0 (self->kind, "company") == 0;
}

/* ---- the groups ---- */

/* «phone, name» from a pair's reasons. */
static char *
describe_reasons (JsonArray *reasons)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; reasons != NULL && i < json_array_get_length (reasons); i++)
    {
      const char *reason = json_array_get_string_element (reasons, i);
      const char *word = g_strcmp0 (reason, "name") == 0 ? _("name")
                         : g_strcmp0 (reason, "phone") == 0 ? _("phone")
                         : g_strcmp0 (reason, "email") == 0 ? _("e-mail")
                         : g_strcmp0 (reason, "inn") == 0 ? _("INN") : reason;

      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", word);
    }
  return g_string_free (text, FALSE);
}

static const char *
first_string (JsonObject *member,
              const char *name)
{
  JsonNode *node = json_object_get_member (member, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  return json_array_get_length (array) > 0 ? json_array_get_string_element (array, 0) : NULL;
}

static char *
describe_member (JsonObject *member)
{
  const char *phone = first_string (member, "phones");
  const char *email = first_string (member, "emails");
  const char *inn = json_object_get_string_member_with_default (member, "inn", NULL);
  GString *text = g_string_new (NULL);

  if (phone != NULL)
    {
      g_autofree char *shown = crm_format_phone (phone);

      g_string_append (text, shown);
    }
  if (email != NULL)
    g_string_append_printf (text, "%s%s", text->len > 0 ? " · " : "", email);
  if (inn != NULL)
    {
      /* Translators: a taxpayer number on a card of the duplicates view */
      g_autofree char *shown = g_strdup_printf (_("INN %s"), inn);

      g_string_append_printf (text, "%s%s", text->len > 0 ? " · " : "", shown);
    }
  return g_string_free (text, FALSE);
}

static void
survivor_toggled_cb (GtkCheckButton    *button,
                     CrmDuplicatesView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "group")) - 1;

  if (!gtk_check_button_get_active (button) || index >= self->survivors->len)
    return;
  g_free (self->survivors->pdata[index]);
  self->survivors->pdata[index] = g_strdup (g_object_get_data (G_OBJECT (button), "card"));
}

static void
merge_clicked_cb (GtkButton         *button,
                  CrmDuplicatesView *self)
{
  crm_duplicates_view_open_merge (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "group")) - 1);
}

static void
open_clicked_cb (GtkButton         *button,
                 CrmDuplicatesView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self),
                              is_company (self) ? "win.open-company" : "win.open-contact",
                              "s", g_object_get_data (G_OBJECT (button), "card"));
}

static GtkWidget *
group_widget (CrmDuplicatesView *self,
              guint              index,
              JsonObject        *group)
{
  JsonArray *members = json_object_get_array_member (group, "members");
  JsonArray *pairs = json_object_get_array_member (group, "pairs");
  JsonObject *best = json_array_get_length (pairs) > 0 ? json_array_get_object_element (pairs, 0) : NULL;
  g_autofree char *reasons = describe_reasons (best != NULL ? json_object_get_array_member (best, "reasons") : NULL);
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  GtkWidget *widget = adw_preferences_group_new ();
  GtkWidget *merge = gtk_button_new_with_mnemonic (_("_Merge…"));
  GtkCheckButton *first = NULL;

  /* Translators: a group of the duplicates view: its score out of 100 and what matches */
  title = g_strdup_printf (_("Score %d: same %s"),
                           (int) json_object_get_int_member_with_default (group, "score", 0), reasons);
  description = g_strdup_printf (ngettext ("%u card; the one chosen stays",
                                           "%u cards; the one chosen stays",
                                           json_array_get_length (members)),
                                 json_array_get_length (members));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (widget), title);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (widget), description);
  g_object_set_data (G_OBJECT (merge), "group", GUINT_TO_POINTER (index + 1));
  gtk_widget_set_valign (merge, GTK_ALIGN_CENTER);
  g_signal_connect (merge, "clicked", G_CALLBACK (merge_clicked_cb), self);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (widget), merge);

  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *member = json_array_get_object_element (members, i);
      const char *id = json_object_get_string_member (member, "id");
      g_autofree char *subtitle = describe_member (member);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *radio = gtk_check_button_new ();
      GtkWidget *open = gtk_button_new_from_icon_name ("go-next-symbolic");

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (member, "name", ""));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (first != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (radio), first);
      else
        first = GTK_CHECK_BUTTON (radio);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (radio),
                                   g_strcmp0 (id, self->survivors->pdata[index]) == 0);
      g_object_set_data_full (G_OBJECT (radio), "card", g_strdup (id), g_free);
      g_object_set_data (G_OBJECT (radio), "group", GUINT_TO_POINTER (index + 1));
      gtk_widget_set_tooltip_text (radio, _("Keep this card"));
      g_signal_connect (radio, "toggled", G_CALLBACK (survivor_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), radio);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), radio);
      g_object_set_data_full (G_OBJECT (open), "card", g_strdup (id), g_free);
      gtk_widget_set_tooltip_text (open, is_company (self) ? _("Open the company") : _("Open the contact"));
      gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (open, "flat");
      g_signal_connect (open, "clicked", G_CALLBACK (open_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (widget), row);
    }
  return widget;
}

static void
show_groups (CrmDuplicatesView *self)
{
  guint n = json_array_get_length (self->groups);
  g_autofree char *subtitle = NULL;

  for (guint i = 0; i < self->group_widgets->len; i++)
    adw_preferences_page_remove (self->page, self->group_widgets->pdata[i]);
  g_ptr_array_set_size (self->group_widgets, 0);
  g_ptr_array_set_size (self->survivors, 0);

  if (n > MAX_GROUPS)
    /* Translators: the duplicates view's subtitle when it shows only some groups */
    subtitle = g_strdup_printf (_("%u groups, the first %u shown"), n, MAX_GROUPS);
  else
    subtitle = g_strdup_printf (ngettext ("%u group", "%u groups", n), n);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
  for (guint i = 0; i < n && i < MAX_GROUPS; i++)
    {
      JsonObject *group = json_array_get_object_element (self->groups, i);
      JsonArray *members = json_object_get_array_member (group, "members");
      GtkWidget *widget;

      /* the oldest card stays unless another is chosen */
      g_ptr_array_add (self->survivors,
                       g_strdup (json_object_get_string_member (json_array_get_object_element (members, 0), "id")));
      widget = group_widget (self, i, group);
      adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (widget));
      g_ptr_array_add (self->group_widgets, widget);
    }
  if (n == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Duplicates"));
      adw_status_page_set_description (self->empty_page,
                                       is_company (self)
                                       ? _("No two companies share a name, phone, e-mail or INN")
                                       : _("No two contacts share a name, phone, e-mail or INN"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

/* ---- the scan, off the main loop ---- */

typedef struct {
  char   *path;
  char   *kind;
  gint64  now;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_free (data->path);
  g_free (data->kind);
  g_free (data);
}

static void
scan_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ScanData *data = task_data;
  g_autoptr(CrmStore) reader = NULL;
  GError *error = NULL;
  JsonNode *groups;

  reader = crm_store_open_reader (data->path, &error);
  if (reader == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  crm_store_set_now (reader, data->now);
  groups = crm_duplicates_find (reader, data->kind, MIN_SCORE, &error);
  if (groups == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, groups, (GDestroyNotify) json_node_unref);
}

static void start_scan (CrmDuplicatesView *self);

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmDuplicatesView *self = CRM_DUPLICATES_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) groups = g_task_propagate_pointer (G_TASK (result), &error);

  self->running = FALSE;
  if (self->disposed)
    return;
  if (self->pending)
    {
      start_scan (self);
      return;
    }
  if (groups == NULL)
    {
      adw_status_page_set_title (self->empty_page, _("Could Not Look for Duplicates"));
      crm_status_page_set_text (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  g_clear_pointer (&self->groups, json_array_unref);
  self->groups = json_array_ref (json_node_get_array (groups));
  self->loaded = TRUE;
  show_groups (self);
}

static void
start_scan (CrmDuplicatesView *self)
{
  CrmStore *store;
  ScanData *data;
  GTask *task;

  if (self->context == NULL || self->disposed)
    return;
  self->loaded = FALSE;
  if (self->running)
    {
      self->pending = TRUE;
      return;
    }
  self->pending = FALSE;
  gtk_stack_set_visible_child_name (self->stack, "loading");
  store = crm_context_get_store (self->context);
  data = g_new0 (ScanData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->kind = g_strdup (self->kind);
  data->now = crm_context_now (self->context);
  self->running = TRUE;
  task = g_task_new (self, NULL, scan_done_cb, NULL);
  g_task_set_source_tag (task, start_scan);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_in_thread);
  g_object_unref (task);
}

static void
crm_duplicates_view_reload (CrmView *view)
{
  start_scan (CRM_DUPLICATES_VIEW (view));
}

/* ---- merging ---- */

static gboolean
is_merged_anyway (const char *field)
{
  /* joined from every card, or the bookkeeping of a row */
  static const char *const fields[] = {
    "id", "deleted", "merged_into", "merged_seen", "phones", "emails", "tags", "created_at",
    "author", NULL
  };

  return g_strv_contains (fields, field);
}

static gboolean
is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return *json_node_get_string (node) == '\0';
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  return FALSE;
}

static gboolean
same_value (JsonNode *a,
            JsonNode *b)
{
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;

  if (is_empty (a) || is_empty (b))
    return is_empty (a) == is_empty (b);
  text_a = json_to_string (a, FALSE);
  text_b = json_to_string (b, FALSE);
  return g_strcmp0 (text_a, text_b) == 0;
}

gboolean
crm_duplicates_view_merge (CrmDuplicatesView  *self,
                           guint               index,
                           GHashTable         *take,
                           GError            **error)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new ();
  g_autofree char *change_set = NULL;
  g_autofree char *text = NULL;
  g_autofree char *survivor_name = NULL;
  JsonArray *members;
  const char *survivor;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_DUPLICATES_VIEW (self), FALSE);

  if (self->groups == NULL || index >= self->survivors->len)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("That group is no longer shown: look for duplicates again"));
      return FALSE;
    }
  survivor = self->survivors->pdata[index];
  members = json_object_get_array_member (json_array_get_object_element (self->groups, index), "members");
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *member = json_array_get_object_element (members, i);
      const char *id = json_object_get_string_member (member, "id");

      if (g_strcmp0 (id, survivor) != 0)
        g_ptr_array_add (others, (gpointer) id);
      else
        survivor_name = g_strdup (json_object_get_string_member_with_default (member, "name", ""));
    }
  g_ptr_array_add (others, NULL);
  store = crm_context_get_store (self->context);
  if (!crm_duplicates_merge (store, self->kind, survivor, (const char * const *) others->pdata,
                             take, crm_context_get_user_id (self->context), error))
    return FALSE;
  change_set = crm_store_dup_last_change_set (store);
  /* Translators: a toast after merging duplicates; it has an «Undo» button */
  text = g_strdup_printf (ngettext ("Merged %u card into «%s»", "Merged %u cards into «%s»",
                                    others->len - 1),
                          others->len - 1, survivor_name != NULL ? survivor_name : "");
  crm_context_notify_changed (self->context);
  crm_undo_toast_show (GTK_WIDGET (self), text, change_set);
  return TRUE;
}

typedef struct {
  char      *field;
  GPtrArray *cards;     /* the card each choice of the dropdown takes the value from */
  GtkWidget *dropdown;
} FieldChoice;

static void
field_choice_free (FieldChoice *choice)
{
  g_free (choice->field);
  g_ptr_array_unref (choice->cards);
  g_free (choice);
}

static void
merge_response_cb (AdwMessageDialog  *dialog,
                   const char        *response,
                   CrmDuplicatesView *self)
{
  GPtrArray *choices = g_object_get_data (G_OBJECT (dialog), "choices");
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "group")) - 1;
  g_autoptr(GHashTable) take = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "merge"))
    return;
  for (guint i = 0; choices != NULL && i < choices->len; i++)
    {
      FieldChoice *choice = choices->pdata[i];
      guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (choice->dropdown));

      if (selected < choice->cards->len)
        g_hash_table_replace (take, g_strdup (choice->field), g_strdup (choice->cards->pdata[selected]));
    }
  if (!crm_duplicates_view_merge (self, index, take, &error))
    crm_undo_toast_show (GTK_WIDGET (self), error->message, NULL);
}

GtkWindow *
crm_duplicates_view_open_merge (CrmDuplicatesView *self,
                                guint              index)
{
  g_autoptr(GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *choices = g_ptr_array_new_with_free_func ((GDestroyNotify) field_choice_free);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  CrmStore *store;
  JsonArray *members;
  GtkWidget *box;
  AdwMessageDialog *dialog;
  guint survivor_at = 0;

  g_return_val_if_fail (CRM_IS_DUPLICATES_VIEW (self), NULL);
  if (self->groups == NULL || index >= self->survivors->len)
    {
      g_ptr_array_unref (choices);
      return NULL;
    }
  store = crm_context_get_store (self->context);
  members = json_object_get_array_member (json_array_get_object_element (self->groups, index), "members");
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *member = json_array_get_object_element (members, i);
      JsonObject *card = crm_store_dup_entity (store, self->kind, json_object_get_string_member (member, "id"));

      if (card == NULL)
        continue;
      if (g_strcmp0 (json_object_get_string_member (member, "id"), self->survivors->pdata[index]) == 0)
        survivor_at = cards->len;
      g_ptr_array_add (cards, card);
      g_ptr_array_add (names, (gpointer) json_object_get_string_member_with_default (member, "name", ""));
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  /* each field whose values differ: a choice of the card to take it from, the kept
   * card's value first chosen (or the first card that has one) */
  for (guint c = 0; c < cards->len; c++)
    {
      g_autoptr(GList) fields = json_object_get_members (cards->pdata[c]);

      for (GList *l = fields; l != NULL; l = l->next)
        {
          const char *field = l->data;
          g_autoptr(GtkStringList) labels = NULL;
          g_autofree char *label = NULL;
          FieldChoice *choice;
          GtkWidget *title;
          gboolean differ = FALSE;
          guint selected = 0;

          if (is_merged_anyway (field) || g_hash_table_contains (seen, field))
            continue;
          g_hash_table_add (seen, (gpointer) field);
          for (guint k = 1; k < cards->len; k++)
            if (!same_value (json_object_get_member (cards->pdata[0], field),
                             json_object_get_member (cards->pdata[k], field)))
              differ = TRUE;
          if (!differ)
            continue;
          choice = g_new0 (FieldChoice, 1);
          choice->field = g_strdup (field);
          choice->cards = g_ptr_array_new_with_free_func (g_free);
          labels = gtk_string_list_new (NULL);
          for (guint k = 0; k < cards->len; k++)
            {
              JsonNode *value = json_object_get_member (cards->pdata[k], field);
              g_autofree char *shown = NULL;
              g_autofree char *item = NULL;

              if (is_empty (value))
                continue;
              shown = crm_describe_value (store, self->kind,
                                          json_object_get_string_member (cards->pdata[k], "id"),
                                          field, value);
              /* Translators: a value to take when merging, and the card it is on: «+7 912… — from «Иванов Иван»» */
              item = g_strdup_printf (_("%s — from «%s»"), shown != NULL ? shown : "",
                                      (const char *) names->pdata[k]);
              if (k == survivor_at || (selected == 0 && choice->cards->len == 0))
                selected = choice->cards->len;
              gtk_string_list_append (labels, item);
              g_ptr_array_add (choice->cards,
                               g_strdup (json_object_get_string_member (cards->pdata[k], "id")));
            }
          if (choice->cards->len < 2)
            {
              /* only one card has it: the merge fills it anyway */
              field_choice_free (choice);
              continue;
            }
          label = crm_describe_field (store, self->kind, field);
          title = gtk_label_new (label);
          gtk_label_set_xalign (GTK_LABEL (title), 0);
          gtk_widget_add_css_class (title, "heading");
          choice->dropdown = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&labels)), NULL);
          gtk_drop_down_set_selected (GTK_DROP_DOWN (choice->dropdown), selected);
          gtk_accessible_update_relation (GTK_ACCESSIBLE (choice->dropdown),
                                          GTK_ACCESSIBLE_RELATION_LABELLED_BY, title, NULL, -1);
          gtk_box_append (GTK_BOX (box), title);
          gtk_box_append (GTK_BOX (box), choice->dropdown);
          g_ptr_array_add (choices, choice);
        }
    }

  heading = g_strdup_printf (ngettext ("Merge %u Card", "Merge %u Cards", cards->len), cards->len);
  body = g_strdup_printf (_("«%s» stays; the other cards become links to it, and their deals, tasks, "
                            "notes, phones and e-mails move to it.%s"),
                          cards->len > 0 ? (const char *) names->pdata[survivor_at] : "",
                          choices->len > 0 ? _(" Where the cards differ, choose the value to keep.") : "");
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       heading, body));
  if (choices->len > 0)
    adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data_full (G_OBJECT (dialog), "choices", choices, (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (dialog), "group", GUINT_TO_POINTER (index + 1));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "merge", _("_Merge"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "merge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "merge");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (merge_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

/* ---- public ---- */

void
crm_duplicates_view_set_kind (CrmDuplicatesView *self,
                              const char        *kind)
{
  g_return_if_fail (CRM_IS_DUPLICATES_VIEW (self));

  if (g_strcmp0 (kind, "company") != 0)
    kind = "contact";
  if (g_strcmp0 (self->kind, kind) == 0)
    return;
  g_free (self->kind);
  self->kind = g_strdup (kind);
  gtk_drop_down_set_selected (self->kind_dropdown, is_company (self) ? 1 : 0);
  start_scan (self);
}

static void
kind_changed_cb (CrmDuplicatesView *self)
{
  crm_duplicates_view_set_kind (self, gtk_drop_down_get_selected (self->kind_dropdown) == 1
                                      ? "company" : "contact");
}

gboolean
crm_duplicates_view_is_loaded (CrmDuplicatesView *self)
{
  g_return_val_if_fail (CRM_IS_DUPLICATES_VIEW (self), FALSE);
  return self->loaded && !self->running;
}

JsonArray *
crm_duplicates_view_get_groups (CrmDuplicatesView *self)
{
  g_return_val_if_fail (CRM_IS_DUPLICATES_VIEW (self), NULL);
  return self->loaded ? self->groups : NULL;
}

gboolean
crm_duplicates_view_set_survivor (CrmDuplicatesView *self,
                                  guint              index,
                                  const char        *survivor_id)
{
  GtkWidget *widget;

  g_return_val_if_fail (CRM_IS_DUPLICATES_VIEW (self), FALSE);
  if (index >= self->group_widgets->len)
    return FALSE;
  /* through its radio button, as a click does */
  widget = self->group_widgets->pdata[index];
  for (GQueue queue = G_QUEUE_INIT; widget != NULL; widget = g_queue_pop_head (&queue))
    {
      if (GTK_IS_CHECK_BUTTON (widget) &&
          g_strcmp0 (g_object_get_data (G_OBJECT (widget), "card"), survivor_id) == 0)
        {
          g_queue_clear (&queue);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (widget), TRUE);
          return g_strcmp0 (self->survivors->pdata[index], survivor_id) == 0;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  return FALSE;
}

/* ---- GObject ---- */

static void
crm_duplicates_view_dispose (GObject *object)
{
  CrmDuplicatesView *self = CRM_DUPLICATES_VIEW (object);

  self->disposed = TRUE;
  crm_view_set_context (CRM_VIEW (self), NULL);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_duplicates_view_parent_class)->dispose (object);
}

static void
crm_duplicates_view_finalize (GObject *object)
{
  CrmDuplicatesView *self = CRM_DUPLICATES_VIEW (object);

  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->groups, json_array_unref);
  g_clear_pointer (&self->survivors, g_ptr_array_unref);
  g_clear_pointer (&self->group_widgets, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_duplicates_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_duplicates_view_reload;
}

static void
crm_duplicates_view_class_init (CrmDuplicatesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_duplicates_view_dispose;
  object_class->finalize = crm_duplicates_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmDuplicatesView, context),
                        N_("Duplicates"), NULL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
crm_duplicates_view_init (CrmDuplicatesView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("_Look among"));
  GtkWidget *spinner = gtk_spinner_new ();
  const char *const kinds[] = { _("Contacts"), _("Companies"), NULL };

  self->kind = g_strdup ("contact");
  self->survivors = g_ptr_array_new_with_free_func (g_free);
  self->group_widgets = g_ptr_array_new ();

  gtk_widget_set_halign (bar, GTK_ALIGN_END);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_end (bar, 12);
  gtk_widget_add_css_class (label, "dim-label");
  self->kind_dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (kinds));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->kind_dropdown));
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected", G_CALLBACK (kind_changed_cb), self);
  gtk_box_append (GTK_BOX (bar), label);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->kind_dropdown));
  gtk_box_append (GTK_BOX (box), bar);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_stack_add_named (self->stack, spinner, "loading");
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "edit-copy-symbolic");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");
  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->page), "list");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  crm_view_mark_dirty (CRM_VIEW (self));
}
