/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-page.c — the deal page. Every edit is saved at once as its own change set
 * (GNOME-style, no Save button); a stage change goes through the gate dialog like a
 * move on the board. Notes are `note` entities on the deal and show in its history;
 * files are `attachment` entities whose bytes crm-attachment.c keeps beside the replica.
 * The page re-reads the deal whenever the replica changes. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-approval-sheet.h"
#include "crm-date-button.h"
#include "crm-deal-actions.h"
#include "crm-deal-page.h"
#include "crm-discounts-group.h"
#include "crm-undo-actions.h"
#include "crm-entity-picker.h"
#include "crm-field-editor.h"
#include "crm-files-group.h"
#include "crm-messages-group.h"
#include "crm-format.h"
#include "crm-note-box.h"
#include "crm-payer.h"
#include "crm-payer-picker.h"
#include "crm-participants-group.h"
#include "crm-undo.h"
#include "crm-undo-actions.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-tag-chips.h"
#include "crm-task-row.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmDealPage
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  char                *deal_id;
  JsonObject          *deal;
  gboolean             updating;
  GPtrArray           *stage_ids;
  GPtrArray           *user_ids;
  GPtrArray           *field_rows;     /* rows in fields_group */
  GPtrArray           *contact_rows;   /* rows in contacts_group */

  GtkStack            *stack;
  GtkLabel            *title_label;
  GtkLabel            *stage_label;
  GtkLabel            *amount_label;
  AdwEntryRow         *title_row;
  AdwEntryRow         *amount_row;
  AdwComboRow         *stage_row;
  GtkStringList       *stage_names;
  AdwComboRow         *responsible_row;
  GtkStringList       *user_names;
  AdwActionRow        *company_row;
  CrmEntityPicker     *company_picker;
  CrmEntityPicker     *contact_picker;
  AdwPreferencesGroup *fields_group;
  CrmTagChips         *tag_chips;
  AdwPreferencesGroup *contacts_group;
  GtkListBox          *task_list;
  AdwEntryRow         *new_task_row;
  CrmDateButton       *new_task_due;
  CrmTimeline         *timeline;
  CrmFilesGroup       *files_group;
  CrmMessagesGroup    *messages_group;
  CrmDiscountsGroup   *discounts_group;
  CrmApprovalSheet    *approval_sheet;
  CrmNoteBox          *note_box;
  CrmPayerPicker      *payer_picker;   /* S4-11: in the «payer» field's row */
  CrmParticipantsGroup *participants_group;  /* S4-10: event deals only */
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmDealPage, crm_deal_page, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static void
set_titles (CrmDealPage *self,
            const char  *title,
            const char  *subtitle)
{
  crm_view_set_title (CRM_VIEW (self), title);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

static const char *
deal_string (CrmDealPage *self,
             const char  *member)
{
  return self->deal != NULL ? json_object_get_string_member_with_default (self->deal, member, NULL)
                            : NULL;
}

static void
apply (CrmDealPage  *self,
       CrmChangeset *changeset)
{
  crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, NULL, NULL);
}

/* ---- header rows ---- */

static void
fill_stages (CrmDealPage *self)
{
  JsonObject *pipeline = crm_context_find_pipeline (self->context, deal_string (self, "pipeline_id"));
  JsonArray *stages = pipeline != NULL ? json_object_get_array_member (pipeline, "stages") : NULL;

  adw_combo_row_set_selected (self->stage_row,
                              crm_fill_choices (self->stage_names, self->stage_ids, stages,
                                                deal_string (self, "stage_id"),
                                                GTK_INVALID_LIST_POSITION));
}

static void
fill_users (CrmDealPage *self)
{
  adw_combo_row_set_selected (self->responsible_row,
                              crm_fill_user_choices (self->user_names, self->user_ids,
                                                     crm_context_get_users (self->context),
                                                deal_string (self, "responsible_id"),
                                                GTK_INVALID_LIST_POSITION));
}

static void
stage_selected_cb (CrmDealPage *self)
{
  guint selected = adw_combo_row_get_selected (self->stage_row);
  CrmGateDialog *dialog = NULL;

  if (self->updating || selected >= self->stage_ids->len)
    return;
  if (!crm_move_deal (GTK_WIDGET (self), self->context, self->deal_id,
                      g_ptr_array_index (self->stage_ids, selected), &dialog) && dialog != NULL)
    /* Cancelled: show the stage the deal is really at. */
    g_signal_connect_object (dialog, "finished", G_CALLBACK (crm_view_reload), self,
                             G_CONNECT_SWAPPED);
}

static void
responsible_selected_cb (CrmDealPage *self)
{
  guint selected = adw_combo_row_get_selected (self->responsible_row);
  g_autoptr(CrmChangeset) changeset = NULL;

  if (self->updating || selected >= self->user_ids->len)
    return;
  changeset = crm_changeset_new ();
  crm_change_set_string (crm_changeset_touch (changeset, "deal", self->deal_id), "responsible",
                         g_ptr_array_index (self->user_ids, selected));
  apply (self, changeset);
}

static void
title_applied_cb (CrmDealPage *self)
{
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row))));
  g_autoptr(CrmChangeset) changeset = NULL;

  if (*title == '\0')
    {
      crm_widget_show_toast (GTK_WIDGET (self), _("A deal needs a title"));
      crm_view_reload (CRM_VIEW (self));
      return;
    }
  changeset = crm_changeset_new ();
  crm_change_set_string (crm_changeset_touch (changeset, "deal", self->deal_id), "title", title);
  apply (self, changeset);
}

static void
amount_applied_cb (CrmDealPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_row));
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  CrmChange *change = crm_changeset_touch (changeset, "deal", self->deal_id);
  gint64 minor = 0;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    crm_change_set_null (change, "amount");
  else if (crm_parse_money_input (stripped, &minor))
    crm_change_set_int (change, "amount", minor);
  else
    {
      g_autofree char *message = g_strdup_printf (_("«%s» is not an amount; write it like "
                                                    "1 500 000 or 1500000,50"), stripped);

      crm_widget_show_toast (GTK_WIDGET (self), message);
      return;
    }
  apply (self, changeset);
}

static void
company_picked_cb (CrmDealPage *self,
                   const char  *company_id,
                   const char  *name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  crm_change_set_string (crm_changeset_touch (changeset, "deal", self->deal_id), "company", company_id);
  apply (self, changeset);
}

static void
open_company_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmDealPage *self = CRM_DEAL_PAGE (widget);
  const char *company_id = deal_string (self, "company_id");

  if (company_id != NULL)
    gtk_widget_activate_action (widget, "win.open-company", "s", company_id);
}

/* ---- custom fields ---- */

static void
field_changed_cb (CrmFieldEditor *editor,
                  CrmDealPage    *self)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;

  if (!crm_field_editor_apply_to_change (editor, crm_changeset_touch (changeset, "deal", self->deal_id),
                                         &error))
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }
  apply (self, changeset);
}

/* ---- the payer (S4-11) ---- */

/* After the payer was set through core (one change set): the page follows, the toast
 * offers «Undo». */
static void
payer_written (CrmDealPage *self,
               const char  *text)
{
  g_autofree char *change_set = crm_store_dup_last_change_set (crm_context_get_store (self->context));

  crm_context_notify_changed (self->context);
  crm_undo_toast_show (GTK_WIDGET (self), text, change_set);
}

static char *
dup_payer_name (CrmDealPage *self,
                const char  *payer_id)
{
  g_autoptr(JsonObject) payer = crm_store_dup_entity (crm_context_get_store (self->context),
                                                      "payer", payer_id);

  return g_strdup (payer != NULL ? json_object_get_string_member_with_default (payer, "name", "")
                                 : "");
}

static void
payer_picked_cb (CrmPayerPicker *picker,
                 const char     *payer_id,
                 CrmDealPage    *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  id = crm_payer_set_on_deal (crm_context_get_store (self->context), self->deal_id, payer_id,
                              NULL, NULL, crm_context_get_user_id (self->context), NULL, &error);
  if (id == NULL)
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }
  name = dup_payer_name (self, id);
  /* Translators: a toast after choosing a deal's payer */
  text = g_strdup_printf (_("The payer is «%s»"), name);
  payer_written (self, text);
}

static void
payer_create_cb (CrmPayerPicker *picker,
                 const char     *name,
                 const char     *inn,
                 const char     *kpp,
                 CrmDealPage    *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *text = NULL;
  gboolean added = FALSE;

  /* the INN names the payer when the directory has it already: that one is offered
   * instead of a duplicate */
  id = crm_payer_set_on_deal (crm_context_get_store (self->context), self->deal_id, inn, name,
                              kpp, crm_context_get_user_id (self->context), &added, &error);
  if (id == NULL)
    {
      crm_payer_picker_set_error (picker, error->message);
      return;
    }
  gtk_popover_popdown (GTK_POPOVER (picker));
  shown = dup_payer_name (self, id);
  if (added)
    /* Translators: a toast after a new payer was typed on a deal */
    text = g_strdup_printf (_("Added the payer «%s» to the directory; it pays for this deal"), shown);
  else
    /* Translators: a toast when the INN typed for a new payer is in the directory already */
    text = g_strdup_printf (_("INN %s is in the directory already, as «%s»: that payer pays for this deal"),
                            inn, shown);
  payer_written (self, text);
}

/* The «payer» field's row: the payer's name, INN and KPP, and «Choose…». */
static GtkWidget *
payer_row (CrmDealPage *self,
           JsonObject  *field)
{
  JsonNode *node = json_object_get_member (self->deal, "payer");
  JsonObject *payer = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_menu_button_new ();
  g_autoptr(GString) subtitle = g_string_new (NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (payer != NULL)
    {
      const char *inn = json_object_get_string_member_with_default (payer, "inn", NULL);
      const char *kpp = json_object_get_string_member_with_default (payer, "kpp", NULL);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (payer, "name", ""));
      g_string_append (subtitle, json_object_get_string_member_with_default (field, "label", ""));
      if (inn != NULL)
        /* Translators: a payer's taxpayer number */
        g_string_append_printf (subtitle, " · %s %s", _("INN"), inn);
      if (kpp != NULL)
        /* Translators: a payer's tax registration reason code */
        g_string_append_printf (subtitle, " · %s %s", _("KPP"), kpp);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (field, "label", ""));
      g_string_append (subtitle, _("Not chosen: the deal's company pays"));
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);

  self->payer_picker = crm_payer_picker_new (self->context);
  g_signal_connect (self->payer_picker, "picked", G_CALLBACK (payer_picked_cb), self);
  g_signal_connect (self->payer_picker, "create", G_CALLBACK (payer_create_cb), self);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), GTK_WIDGET (self->payer_picker));
  gtk_menu_button_set_label (GTK_MENU_BUTTON (button), payer != NULL ? _("Change…") : _("Choose…"));
  gtk_menu_button_set_use_underline (GTK_MENU_BUTTON (button), TRUE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

CrmPayerPicker *
crm_deal_page_get_payer_picker (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);
  return self->payer_picker;
}

static void
fill_fields (CrmDealPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) fields = crm_query_fields (crm_context_get_store (self->context), "deal",
                                                  &error);
  JsonObject *values = json_object_get_object_member (self->deal, "fields");

  crm_preferences_group_remove_rows (self->fields_group, self->field_rows);
  self->payer_picker = NULL;
  if (fields == NULL)
    {
      GtkWidget *row = crm_read_error_row_new (_("Could not read the deal's fields"), error);

      adw_preferences_group_add (self->fields_group, row);
      g_ptr_array_add (self->field_rows, row);
    }

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *key = json_object_get_string_member_with_default (field, "key", "");
      GtkWidget *row;
      GtkWidget *editor;

      if (json_object_get_boolean_member_with_default (field, "hidden", FALSE))
        continue;
      /* S4-11: the payer is chosen from the directory, not typed as an id */
      if (g_str_equal (key, "payer"))
        {
          row = payer_row (self, field);
          adw_preferences_group_add (self->fields_group, row);
          g_ptr_array_add (self->field_rows, row);
          continue;
        }
      row = adw_action_row_new ();
      editor = crm_field_editor_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (field, "label", key));
      crm_field_editor_set_field (CRM_FIELD_EDITOR (editor), field,
                                  values != NULL ? json_object_get_member (values, key) : NULL);
      g_signal_connect (editor, "changed", G_CALLBACK (field_changed_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      adw_preferences_group_add (self->fields_group, row);
      g_ptr_array_add (self->field_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), self->field_rows->len > 0);
}

/* ---- tags and contacts ---- */

static void
tag_toggled_cb (CrmDealPage *self,
                const char  *tag_id)
{
  JsonArray *ids = json_object_get_array_member (self->deal, "tag_ids");
  gboolean present = FALSE;

  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    present |= g_strcmp0 (json_array_get_string_element (ids, i), tag_id) == 0;
  crm_set_deal_link (GTK_WIDGET (self), self->context, "deal_tag", self->deal_id, tag_id, !present);
}

static void
remove_contact_clicked_cb (GtkButton   *button,
                           CrmDealPage *self)
{
  crm_set_deal_link (GTK_WIDGET (self), self->context, "deal_contact", self->deal_id,
                     g_object_get_data (G_OBJECT (button), "contact-id"), FALSE);
}

static void
contact_picked_cb (CrmDealPage *self,
                   const char  *contact_id,
                   const char  *name)
{
  g_autofree char *message = g_strdup_printf (_("%s attached to the deal"), name);

  if (crm_set_deal_link (GTK_WIDGET (self), self->context, "deal_contact", self->deal_id,
                         contact_id, TRUE))
    crm_widget_show_toast (GTK_WIDGET (self), message);
}

static void
fill_contacts (CrmDealPage *self)
{
  JsonArray *ids = json_object_get_array_member (self->deal, "contact_ids");
  JsonArray *names = json_object_get_array_member (self->deal, "contacts");

  crm_preferences_group_remove_rows (self->contacts_group, self->contact_rows);

  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    {
      const char *id = json_array_get_string_element (ids, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
      g_autofree char *tooltip = NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), json_array_get_string_element (names, i));
      crm_row_set_action (row, "win.open-contact", id);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("avatar-default-symbolic"));
      tooltip = g_strdup_printf (_("Detach %s from the deal"), json_array_get_string_element (names, i));
      gtk_widget_set_tooltip_text (remove, tooltip);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      g_object_set_data_full (G_OBJECT (remove), "contact-id", g_strdup (id), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_contact_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (self->contacts_group, row);
      g_ptr_array_add (self->contact_rows, row);
    }
  if (self->contact_rows->len == 0)
    {
      GtkWidget *row = crm_placeholder_row_new (_("No contacts yet"));

      adw_preferences_group_add (self->contacts_group, row);
      g_ptr_array_add (self->contact_rows, row);
    }
}

/* ---- tasks ---- */

static void
fill_tasks (CrmDealPage *self)
{
  JsonArray *tasks = json_object_get_array_member (self->deal, "tasks");
  gint64 now = crm_context_now (self->context);

  crm_list_box_remove_all (self->task_list);
  /* open tasks first, by due date (the query's order), then the done ones */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; tasks != NULL && i < json_array_get_length (tasks); i++)
      {
        JsonObject *task = json_array_get_object_element (tasks, i);
        gboolean done = json_object_get_boolean_member_with_default (task, "done", FALSE);

        if (done == (pass == 0))
          continue;
        gtk_list_box_append (self->task_list, GTK_WIDGET (crm_task_row_new (task, FALSE, now)));
      }
  gtk_widget_set_visible (GTK_WIDGET (self->task_list),
                          tasks != NULL && json_array_get_length (tasks) > 0);
}

gboolean
crm_deal_page_add_task (CrmDealPage *self,
                        const char  *text)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), FALSE);

  if (*stripped == '\0' || self->deal_id == NULL)
    return FALSE;
  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_add_task_change (changeset, self->context, id, self->deal_id, stripped, "task",
                                FALSE, 0);
  crm_task_change_set_due (change, self->new_task_due, TRUE);
  if (!crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, _("Task added"), NULL))
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->new_task_row), "");
  return TRUE;
}

static void
new_task_applied_cb (CrmDealPage *self)
{
  crm_deal_page_add_task (self, gtk_editable_get_text (GTK_EDITABLE (self->new_task_row)));
}

/* ---- notes ---- */

gboolean
crm_deal_page_add_note (CrmDealPage *self,
                        const char  *text)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), FALSE);
  return crm_note_box_add (self->note_box, text);
}

static void
add_note_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  crm_note_box_add_typed (CRM_DEAL_PAGE (widget)->note_box);
}

/* ---- participants (S4-10) ---- */

static void
checkin_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  crm_participants_group_focus_checkin (CRM_DEAL_PAGE (widget)->participants_group);
}

CrmParticipantsGroup *
crm_deal_page_get_participants_group (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);
  return self->participants_group;
}

/* ---- files ---- */

gboolean
crm_deal_page_attach_file (CrmDealPage  *self,
                           const char   *path,
                           GError      **error)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), FALSE);
  return crm_files_group_attach (self->files_group, path, error);
}

guint
crm_deal_page_get_n_files (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), 0);
  return crm_files_group_get_n_files (self->files_group);
}

CrmFilesGroup *
crm_deal_page_get_files_group (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);
  return self->files_group;
}

void
crm_deal_page_show_files (CrmDealPage *self)
{
  GtkWidget *group;
  GtkWidget *scroller;
  graphene_point_t point;

  g_return_if_fail (CRM_IS_DEAL_PAGE (self));

  group = GTK_WIDGET (self->files_group);
  scroller = gtk_widget_get_ancestor (group, GTK_TYPE_SCROLLED_WINDOW);
  /* the page's box inside the viewport: its points do not move with the scrolling */
  if (scroller != NULL &&
      gtk_widget_compute_point (group, gtk_viewport_get_child (GTK_VIEWPORT (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)))),
                                &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                              point.y);
}

/* ---- loading ---- */

static void
crm_deal_page_reload (CrmView *view)
{
  CrmDealPage *self = CRM_DEAL_PAGE (view);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  JsonArray *tag_ids;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) selected = NULL;
  gint64 minor = 0;

  g_return_if_fail (CRM_IS_DEAL_PAGE (self));

  if (self->context == NULL || self->deal_id == NULL)
    return;
  g_clear_pointer (&self->deal, json_object_unref);
  self->deal = crm_query_deal (crm_context_get_store (self->context), self->deal_id, &error);
  if (self->deal == NULL)
    {
      /* «not found» only when it is gone; a read that failed says why */
      if (g_error_matches (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND))
        gtk_stack_set_visible_child_name (self->stack, "missing");
      else
        crm_stack_show_read_error (self->stack, _("The Deal Cannot Be Read"), error);
      set_titles (self, _("Deal"), NULL);
      return;
    }

  self->updating = TRUE;
  where = g_strdup_printf ("%s › %s", deal_string (self, "pipeline") ? deal_string (self, "pipeline") : "",
                           deal_string (self, "stage") ? deal_string (self, "stage") : "");
  set_titles (self, deal_string (self, "title"), where);
  gtk_label_set_label (self->title_label, deal_string (self, "title"));
  gtk_label_set_label (self->stage_label, where);
  gtk_editable_set_text (GTK_EDITABLE (self->title_row), deal_string (self, "title"));

  {
    /* The currency goes into the title («Сумма, ₽»): a suffix would sit after the row's
     * pencil, away from the number. */
    g_autofree char *amount_title =
      g_strdup_printf (C_("amount row title: currency symbol", "Amount, %s"),
                       crm_format_currency_symbol (deal_string (self, "currency")));

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->amount_row), amount_title);
  }

  if (deal_string (self, "amount") != NULL && crm_money_parse (deal_string (self, "amount"), &minor))
    {
      g_autofree char *amount = crm_format_money (minor, deal_string (self, "currency"));
      g_autofree char *input = crm_format_money_for_input (minor);

      gtk_label_set_label (self->amount_label, amount);
      gtk_editable_set_text (GTK_EDITABLE (self->amount_row), input);
    }
  else
    {
      gtk_label_set_label (self->amount_label, _("No amount"));
      gtk_editable_set_text (GTK_EDITABLE (self->amount_row), "");
    }

  fill_stages (self);
  fill_users (self);
  {
    /* S3-8: the company's fields shown on its deals (its category), as it has them now */
    JsonArray *company_fields = json_object_has_member (self->deal, "company_fields")
                                ? json_object_get_array_member (self->deal, "company_fields") : NULL;
    g_autoptr(GString) company = g_string_new (deal_string (self, "company") != NULL
                                               ? deal_string (self, "company") : _("None"));

    for (guint i = 0; company_fields != NULL && i < json_array_get_length (company_fields); i++)
      {
        JsonObject *field = json_array_get_object_element (company_fields, i);
        JsonNode *value = json_object_get_member (field, "value");

        if (value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
            json_node_get_value_type (value) == G_TYPE_STRING)
          g_string_append_printf (company, " · %s: %s",
                                  json_object_get_string_member_with_default (field, "label", ""),
                                  json_node_get_string (value));
      }
    adw_action_row_set_subtitle (self->company_row, company->str);
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "deal.open-company",
                                 deal_string (self, "company_id") != NULL);
  fill_fields (self);

  crm_tag_chips_set_tags (self->tag_chips, crm_context_get_tags (self->context));
  tag_ids = json_object_get_array_member (self->deal, "tag_ids");
  for (guint i = 0; tag_ids != NULL && i < json_array_get_length (tag_ids); i++)
    g_strv_builder_add (builder, json_array_get_string_element (tag_ids, i));
  selected = g_strv_builder_end (builder);
  crm_tag_chips_set_selected (self->tag_chips, (const char * const *) selected);

  fill_contacts (self);
  fill_tasks (self);
  crm_files_group_set_target (self->files_group, self->context, "deal", self->deal_id);
  crm_messages_group_set_target (self->messages_group, self->context, "deal", self->deal_id);
  crm_participants_group_set_deal (self->participants_group, self->context, self->deal_id);
  crm_discounts_group_set_target (self->discounts_group, self->context, "deal", self->deal_id);
  crm_approval_sheet_set_deal (self->approval_sheet, self->context, self->deal_id);
  crm_note_box_set_target (self->note_box, self->context, "deal", self->deal_id);
  crm_timeline_set_history (self->timeline, self->context,
                            json_object_get_array_member (self->deal, "history"));
  gtk_stack_set_visible_child_name (self->stack, "deal");
  self->updating = FALSE;
}

/* The stack that shows the page moves the focus into it, to its first focusable widget:
 * the title's field, with all its text selected, where one key would replace the title.
 * Once the page is up, the focus goes to the stage instead (arrows and Enter there change
 * nothing by themselves). */
static gboolean
settle_focus_cb (gpointer user_data)
{
  g_autoptr(CrmDealPage) self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      (focus == GTK_WIDGET (self->title_row) ||
       gtk_widget_is_ancestor (focus, GTK_WIDGET (self->title_row))))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->stage_row));
      gtk_editable_select_region (GTK_EDITABLE (self->title_row), 0, 0);
    }
  return G_SOURCE_REMOVE;
}

static void
crm_deal_page_map (GtkWidget *widget)
{
  CrmDealPage *self = CRM_DEAL_PAGE (widget);

  GTK_WIDGET_CLASS (crm_deal_page_parent_class)->map (widget);
  /* (a dirty page reloads right after this: CrmView's "map") then, right after the
   * stack's own focus move, before the frame is drawn */
  g_idle_add_full (G_PRIORITY_DEFAULT, settle_focus_cb, g_object_ref (self), NULL);
}

void
crm_deal_page_set_deal (CrmDealPage *self,
                        const char  *deal_id)
{
  g_return_if_fail (CRM_IS_DEAL_PAGE (self));

  g_free (self->deal_id);
  self->deal_id = g_strdup (deal_id);
  crm_view_reload (CRM_VIEW (self));
}

const char *
crm_deal_page_get_deal_id (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);
  return self->deal_id;
}

CrmTimeline *
crm_deal_page_get_timeline (CrmDealPage *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);
  return self->timeline;
}

GtkWidget *
crm_deal_page_get_field_editor (CrmDealPage *self,
                                const char  *key)
{
  g_return_val_if_fail (CRM_IS_DEAL_PAGE (self), NULL);

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *editor = crm_field_editor_find (g_ptr_array_index (self->field_rows, i), key);

      if (editor != NULL)
        return editor;
    }
  return NULL;
}

/* ---- GObject ---- */

/* The pickers search the new replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  CrmDealPage *self = CRM_DEAL_PAGE (view);

  if (context == NULL)
    return;
  crm_entity_picker_setup (self->company_picker, context, "company");
  crm_entity_picker_setup (self->contact_picker, context, "contact");
}

static void
crm_deal_page_dispose (GObject *object)
{
  CrmDealPage *self = CRM_DEAL_PAGE (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_DEAL_PAGE);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_deal_page_parent_class)->dispose (object);
}

static void
crm_deal_page_finalize (GObject *object)
{
  CrmDealPage *self = CRM_DEAL_PAGE (object);

  g_clear_pointer (&self->deal_id, g_free);
  g_clear_pointer (&self->deal, json_object_unref);
  g_clear_pointer (&self->stage_ids, g_ptr_array_unref);
  g_clear_pointer (&self->user_ids, g_ptr_array_unref);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);
  g_clear_pointer (&self->contact_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_deal_page_parent_class)->finalize (object);
}

static void
set_key (CrmView    *view,
         const char *key)
{
  if (g_str_has_prefix (key, "deal:"))
    crm_deal_page_set_deal (CRM_DEAL_PAGE (view), key + strlen ("deal:"));
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_deal_page_reload;
  iface->set_key = set_key;
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmDealPage *self = CRM_DEAL_PAGE (widget);
  g_autofree char *deal_id = g_strdup (self->deal_id);

  if (self->context == NULL || deal_id == NULL)
    return;
  if (crm_delete_entity (widget, self->context, "deal", deal_id))
    gtk_widget_activate_action (widget, "win.go-back", NULL);
}

static void
crm_deal_page_class_init (CrmDealPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_deal_page_dispose;
  object_class->finalize = crm_deal_page_finalize;
  widget_class->map = crm_deal_page_map;

  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmDealPage, context), NULL,
                        context_set);

  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  g_type_ensure (CRM_TYPE_ENTITY_PICKER);
  g_type_ensure (CRM_TYPE_FILES_GROUP);
  g_type_ensure (CRM_TYPE_MESSAGES_GROUP);
  g_type_ensure (CRM_TYPE_PARTICIPANTS_GROUP);
  g_type_ensure (CRM_TYPE_DISCOUNTS_GROUP);
  g_type_ensure (CRM_TYPE_APPROVAL_SHEET);
  g_type_ensure (CRM_TYPE_NOTE_BOX);
  g_type_ensure (CRM_TYPE_TAG_CHIPS);
  g_type_ensure (CRM_TYPE_TIMELINE);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-deal-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, stage_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, amount_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, title_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, amount_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, stage_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, stage_names);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, responsible_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, user_names);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, company_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, company_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, contact_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, fields_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, tag_chips);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, contacts_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, task_list);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, new_task_row);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, new_task_due);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, timeline);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, files_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, messages_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, participants_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, discounts_group);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, approval_sheet);
  gtk_widget_class_bind_template_child (widget_class, CrmDealPage, note_box);
  gtk_widget_class_bind_template_callback (widget_class, stage_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, responsible_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, title_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, amount_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, company_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, contact_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, tag_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_task_applied_cb);

  gtk_widget_class_install_action (widget_class, "deal.open-company", NULL, open_company_action);
  gtk_widget_class_install_action (widget_class, "deal.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "deal.add-note", NULL, add_note_action);
  /* S4-10: the check-in entry of an event's participants (a scanner types there) */
  gtk_widget_class_install_action (widget_class, "deal.checkin", NULL, checkin_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "deal.checkin", NULL);
}

static void
crm_deal_page_init (CrmDealPage *self)
{
  self->stage_ids = g_ptr_array_new_with_free_func (g_free);
  self->user_ids = g_ptr_array_new_with_free_func (g_free);
  self->field_rows = g_ptr_array_new ();
  self->contact_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_date_button_set_show_time (self->new_task_due, TRUE);
  /* «Закрыто и не реализовано» whole, not «Закрыто и не реализ…» */
  crm_combo_row_show_whole (self->stage_row);
  crm_combo_row_show_whole (self->responsible_row);
  crm_date_button_set_date (self->new_task_due, crm_time_now_ms () + CRM_MS_PER_DAY);
}
