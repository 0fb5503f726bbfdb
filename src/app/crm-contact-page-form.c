/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-contact-page-form.c — the contact or company page's edit form: «Edit» fills it from
 * the entity as last read; «Save» writes the fields that changed as one change set, and
 * what is wrong (a phone that is not one, a refusal) shows above the form. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-contact-page-private.h"
#include "crm-field-editor.h"
#include "crm-format.h"
#include "crm-new-company-dialog.h"
#include "crm-phone.h"
#include "crm-query-board.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

static void
remove_form_row_clicked_cb (GtkButton      *button,
                            CrmContactPage *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "row");
  AdwPreferencesGroup *group = g_object_get_data (G_OBJECT (button), "group");
  GPtrArray *rows = group == self->phones_group ? self->phone_rows : self->email_rows;

  g_ptr_array_remove (rows, row);
  adw_preferences_group_remove (group, row);
}

GtkWidget *
_crm_contact_page_add_form_row (CrmContactPage      *self,
                                AdwPreferencesGroup *group,
                                const char          *text)
{
  gboolean phone = group == self->phones_group;
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), phone ? _("Phone") : _("E-mail"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row),
                                   phone ? GTK_INPUT_PURPOSE_PHONE : GTK_INPUT_PURPOSE_EMAIL);
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  gtk_widget_set_tooltip_text (remove, phone ? _("Remove the Phone") : _("Remove the E-mail"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data (G_OBJECT (remove), "row", row);
  g_object_set_data (G_OBJECT (remove), "group", group);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_form_row_clicked_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (phone ? self->phone_rows : self->email_rows, row);
  return row;
}

static void
clear_form_rows (AdwPreferencesGroup *group,
                 GPtrArray           *rows)
{
  crm_preferences_group_remove_rows (group, rows);
}

/* Focuses an entry row with the cursor at the end: focusing selects all the text, and
 * GTK 4.8 then warns about a blinking cursor over a selection. */
void
_crm_contact_page_focus_row (GtkWidget *row)
{
  gtk_widget_grab_focus (row);
  if (GTK_IS_EDITABLE (row))
    gtk_editable_set_position (GTK_EDITABLE (row), -1);
}

static void
set_edit_error (CrmContactPage *self,
                const char     *message,
                GtkWidget      *row)
{
  gtk_label_set_label (self->edit_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->edit_error), message != NULL);
  if (row != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      _crm_contact_page_focus_row (row);
    }
}

static void
clear_error_marks (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    gtk_widget_remove_css_class (g_ptr_array_index (rows, i), "error");
}

static void
show_edit_company (CrmContactPage *self)
{
  g_autoptr(JsonObject) company = NULL;

  if (self->edit_company_id != NULL)
    company = crm_store_dup_entity (crm_context_get_store (self->context), "company",
                                    self->edit_company_id);
  adw_action_row_set_subtitle (self->company_row,
                               company != NULL
                               ? json_object_get_string_member_with_default (company, "name", "")
                               : _("None"));
  gtk_widget_set_visible (self->company_clear_button, company != NULL);
}

void
_crm_contact_page_company_picked_cb (CrmContactPage *self,
                                     const char     *company_id,
                                     const char     *name)
{
  g_free (self->edit_company_id);
  self->edit_company_id = g_strdup (company_id);
  show_edit_company (self);
}

void
_crm_contact_page_company_cleared_cb (CrmContactPage *self)
{
  g_clear_pointer (&self->edit_company_id, g_free);
  show_edit_company (self);
}

static void
fill_form_fields (CrmContactPage *self)
{
  g_autoptr(JsonArray) fields = crm_query_fields (crm_context_get_store (self->context),
                                                  self->kind, NULL);

  crm_preferences_group_remove_rows (self->edit_fields_group, self->field_rows);
  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *key = json_object_get_string_member_with_default (field, "key", "");
      GtkWidget *row;
      GtkWidget *editor;

      /* hidden ones are not used here; company links are picked on the card */
      if (json_object_get_boolean_member_with_default (field, "hidden", FALSE) ||
          g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL),
                     "companies") == 0)
        continue;
      row = adw_action_row_new ();
      editor = crm_field_editor_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (field, "label", key));
      crm_field_editor_set_field (CRM_FIELD_EDITOR (editor), field,
                                  json_object_get_member (self->entity, key));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      g_object_set_data (G_OBJECT (row), "editor", editor);
      adw_preferences_group_add (self->edit_fields_group, row);
      g_ptr_array_add (self->field_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->edit_fields_group), self->field_rows->len > 0);
}

static JsonArray *
entity_strings (JsonObject *entity,
                const char *member)
{
  JsonNode *node = entity != NULL ? json_object_get_member (entity, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

void
_crm_contact_page_set_editing (CrmContactPage *self,
                               gboolean        editing)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  self->editing = editing;
  gtk_widget_set_visible (self->card_buttons, !editing);
  /* the focus leaves the form before it hides: a hidden entry that keeps it gets it back,
   * all selected, when the page is shown again */
  if (!editing && focus != NULL && gtk_widget_is_ancestor (focus, self->edit_box))
    gtk_widget_grab_focus (gtk_widget_get_first_child (self->card_buttons));
  gtk_widget_set_visible (self->edit_box, editing);
  gtk_widget_set_visible (self->view_box, !editing);
  if (!editing)
    {
      clear_form_rows (self->phones_group, self->phone_rows);
      clear_form_rows (self->emails_group, self->email_rows);
      crm_preferences_group_remove_rows (self->edit_fields_group, self->field_rows);
    }
}

void
crm_contact_page_begin_edit (CrmContactPage *self)
{
  JsonArray *phones;
  JsonArray *emails;

  g_return_if_fail (CRM_IS_CONTACT_PAGE (self));

  if (self->entity == NULL || self->editing)
    return;
  set_edit_error (self, NULL, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         json_object_get_string_member_with_default (self->entity, "name", ""));
  gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->inn_row), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->inn_row), _crm_contact_page_is_company (self));
  gtk_widget_set_visible (GTK_WIDGET (self->company_row), !_crm_contact_page_is_company (self));
  gtk_widget_set_visible (GTK_WIDGET (self->phones_group), !_crm_contact_page_is_company (self));
  gtk_widget_set_visible (GTK_WIDGET (self->emails_group), !_crm_contact_page_is_company (self));

  clear_form_rows (self->phones_group, self->phone_rows);
  clear_form_rows (self->emails_group, self->email_rows);
  if (_crm_contact_page_is_company (self))
    gtk_editable_set_text (GTK_EDITABLE (self->inn_row),
                           json_object_get_string_member_with_default (self->entity, "inn", ""));
  else
    {
      phones = entity_strings (self->entity, "phones");
      emails = entity_strings (self->entity, "emails");
      for (guint i = 0; phones != NULL && i < json_array_get_length (phones); i++)
        {
          g_autofree char *shown = crm_format_phone (json_array_get_string_element (phones, i));

          _crm_contact_page_add_form_row (self, self->phones_group, shown);
        }
      if (self->phone_rows->len == 0)
        _crm_contact_page_add_form_row (self, self->phones_group, NULL);
      for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
        _crm_contact_page_add_form_row (self, self->emails_group, json_array_get_string_element (emails, i));
      if (self->email_rows->len == 0)
        _crm_contact_page_add_form_row (self, self->emails_group, NULL);
      g_free (self->edit_company_id);
      self->edit_company_id = g_strdup (json_object_get_string_member_with_default (self->entity,
                                                                                   "company", NULL));
      show_edit_company (self);
    }
  fill_form_fields (self);
  _crm_contact_page_set_editing (self, TRUE);
  _crm_contact_page_focus_row (GTK_WIDGET (self->name_row));
}

void
crm_contact_page_cancel_edit (CrmContactPage *self)
{
  g_return_if_fail (CRM_IS_CONTACT_PAGE (self));

  if (!self->editing)
    return;
  _crm_contact_page_set_editing (self, FALSE);
  crm_view_reload (CRM_VIEW (self));
}

/* The text of a form row, trimmed (owned). */
static char *
row_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static JsonNode *
string_array_node (GPtrArray *strings)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < strings->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (strings, i));
  json_node_take_array (node, array);
  return node;
}

/* Puts @value into @updates unless @entity holds that value already. Takes @value. */
static void
update_if_changed (JsonObject *updates,
                   JsonObject *entity,
                   const char *member,
                   JsonNode   *value)
{
  JsonNode *before = json_object_get_member (entity, member);
  gboolean empty_before = before == NULL || JSON_NODE_HOLDS_NULL (before);

  if ((empty_before && JSON_NODE_HOLDS_NULL (value)) ||
      (!empty_before && json_node_equal (before, value)))
    {
      json_node_unref (value);
      return;
    }
  json_object_set_member (updates, member, value);
}

static JsonNode *
string_or_null (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_NULL);

  if (text != NULL && *text != '\0')
    {
      json_node_init_string (node, text);
    }
  return node;
}

/* Reads the form into @updates (the fields that changed); FALSE with the error shown. */
static gboolean
collect_form (CrmContactPage *self,
              JsonObject     *updates)
{
  g_autofree char *name = row_text (self->name_row);
  g_autoptr(CrmChangeset) scratch = crm_changeset_new ();
  CrmChange *fields_change = crm_changeset_touch (scratch, self->kind, self->id);

  gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->inn_row), "error");
  clear_error_marks (self->phone_rows);
  clear_error_marks (self->email_rows);
  if (*name == '\0')
    {
      set_edit_error (self, _crm_contact_page_is_company (self) ? _("Write the company's name")
                                              : _("Write the contact's name"),
                      GTK_WIDGET (self->name_row));
      return FALSE;
    }
  update_if_changed (updates, self->entity, "name", string_or_null (name));

  if (_crm_contact_page_is_company (self))
    {
      g_autofree char *inn = row_text (self->inn_row);

      if (*inn != '\0' && !crm_inn_is_valid (inn))
        {
          g_autofree char *message = g_strdup_printf (_("«%s» is not an INN: it has 10 digits "
                                                        "(a company) or 12 (a sole trader)"), inn);

          set_edit_error (self, message, GTK_WIDGET (self->inn_row));
          return FALSE;
        }
      update_if_changed (updates, self->entity, "inn", string_or_null (inn));
    }
  else
    {
      g_autoptr(GPtrArray) phones = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < self->phone_rows->len; i++)
        {
          GtkWidget *row = g_ptr_array_index (self->phone_rows, i);
          g_autofree char *text = row_text (row);
          char *phone;

          if (*text == '\0')
            continue;
          phone = crm_phone_normalize (text);
          if (phone == NULL)
            {
              g_autofree char *message = g_strdup_printf (_("«%s» is not a phone number; write it "
                                                            "like +7 912 345-67-89"), text);

              set_edit_error (self, message, row);
              return FALSE;
            }
          if (g_ptr_array_find_with_equal_func (phones, phone, g_str_equal, NULL))
            g_free (phone);
          else
            g_ptr_array_add (phones, phone);
        }
      for (guint i = 0; i < self->email_rows->len; i++)
        {
          GtkWidget *row = g_ptr_array_index (self->email_rows, i);
          char *email = row_text (row);

          if (*email == '\0')
            {
              g_free (email);
              continue;
            }
          if (strchr (email, '@') == NULL || strchr (email, ' ') != NULL)
            {
              g_autofree char *message = g_strdup_printf (_("«%s» is not an e-mail address; write "
                                                            "it like ivanov@example.ru"), email);

              g_free (email);
              set_edit_error (self, message, row);
              return FALSE;
            }
          g_ptr_array_add (emails, email);
        }
      /* an empty list and no list are the same to a person */
      if (phones->len > 0 || entity_strings (self->entity, "phones") != NULL)
        update_if_changed (updates, self->entity, "phones", string_array_node (phones));
      if (emails->len > 0 || entity_strings (self->entity, "emails") != NULL)
        update_if_changed (updates, self->entity, "emails", string_array_node (emails));
      update_if_changed (updates, self->entity, "company", string_or_null (self->edit_company_id));
    }

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      GtkWidget *editor = g_object_get_data (G_OBJECT (row), "editor");
      g_autoptr(GError) error = NULL;
      const char *key;

      if (editor == NULL)
        continue;
      key = crm_field_editor_get_key (CRM_FIELD_EDITOR (editor));
      if (!crm_field_editor_apply_to_change (CRM_FIELD_EDITOR (editor), fields_change, &error))
        {
          set_edit_error (self, error->message, row);
          return FALSE;
        }
      if (json_object_has_member (fields_change->fields, key))
        update_if_changed (updates, self->entity, key,
                           json_node_copy (json_object_get_member (fields_change->fields, key)));
    }
  return TRUE;
}

gboolean
crm_contact_page_save (CrmContactPage *self)
{
  g_autoptr(JsonObject) updates = json_object_new ();
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) members = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), FALSE);

  if (!self->editing)
    return FALSE;
  set_edit_error (self, NULL, NULL);
  if (!collect_form (self, updates))
    return FALSE;
  if (json_object_get_size (updates) > 0)
    {
      changeset = crm_changeset_new ();
      change = crm_changeset_touch (changeset, self->kind, self->id);
      members = json_object_get_members (updates);
      for (GList *l = members; l != NULL; l = l->next)
        crm_change_set_node (change, l->data, json_node_copy (json_object_get_member (updates, l->data)));
      if (!crm_context_apply (self->context, changeset, &error))
        {
          /* a refusal (rights, a value out of range) names what is wrong; nothing was written */
          set_edit_error (self, error->message, NULL);
          return FALSE;
        }
      crm_widget_show_toast (GTK_WIDGET (self), _crm_contact_page_is_company (self) ? _("Company saved")
                                                                  : _("Contact saved"));
    }
  _crm_contact_page_set_editing (self, FALSE);
  g_clear_pointer (&self->entity, json_object_unref);
  crm_view_reload (CRM_VIEW (self));
  return TRUE;
}

const char *
crm_contact_page_get_edit_error (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->edit_error)))
    return NULL;
  return gtk_label_get_label (self->edit_error);
}

gboolean
crm_contact_page_is_editing (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), FALSE);
  return self->editing;
}

