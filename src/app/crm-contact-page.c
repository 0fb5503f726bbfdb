/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-contact-page.c — contact and company cards. The lists are short (one person's or
 * one company's deals), read with the card queries of crm-query-board.h; files are a
 * CrmFilesGroup. «Edit» turns the details into a form (crm-contact-page-form.c). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-contact-page.h"
#include "crm-contact-page-private.h"
#include "crm-company.h"
#include "crm-undo-actions.h"
#include "crm-deal-actions.h"
#include "crm-entity-picker.h"
#include "crm-field-editor.h"
#include "crm-files-group.h"
#include "crm-message.h"
#include "crm-messages-group.h"
#include "crm-format.h"
#include "crm-new-company-dialog.h"
#include "crm-new-deal-dialog.h"
#include "crm-phone.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-rfm.h"
#include "crm-task-row.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"


static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmContactPage, crm_contact_page, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))


static char *companies_field_label (CrmContactPage *self);
static void  start_segment_read    (CrmContactPage *self);

static GtkWidget *
add_detail (CrmContactPage *self,
            const char     *icon_name,
            const char     *title,
            const char     *subtitle,
            const char     *action,
            const char     *target)
{
  GtkWidget *row = crm_text_row_new (title, subtitle);

  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon_name));
  gtk_widget_add_css_class (row, "property");
  if (action != NULL)
    {
      crm_row_set_action (row, action, target);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
    }
  adw_preferences_group_add (self->details_group, row);
  g_ptr_array_add (self->detail_rows, row);
  return row;
}

/* A custom field's value as people read it. */
static char *
field_value_text (JsonObject *field,
                  JsonNode   *value)
{
  const char *type = json_object_get_string_member_with_default (field, "type", "text");

  if (value == NULL || JSON_NODE_HOLDS_NULL (value) || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;
  if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? _("yes") : _("no"));
  if (json_node_get_value_type (value) == G_TYPE_INT64)
    {
      if (g_strcmp0 (type, "money") == 0)
        return crm_format_money (json_node_get_int (value), "RUB");
      if (g_strcmp0 (type, "date") == 0)
        return crm_format_date (json_node_get_int (value));
      return g_strdup_printf ("%lld", (long long) json_node_get_int (value));
    }
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (value);
      gint64 ms = 0;

      if (*text == '\0')
        return NULL;
      if (g_strcmp0 (type, "date") == 0 && crm_time_parse (text, &ms))
        return crm_format_date (ms);
      return g_strdup (text);
    }
  return NULL;
}

static GtkWidget *
deal_row (CrmContext *context,
          JsonObject *card)
{
  g_autoptr(GString) subtitle = g_string_new (json_object_get_string_member_with_default (card, "stage", ""));
  JsonObject *pipeline = NULL;

  crm_context_find_stage (context, json_object_get_string_member_with_default (card, "stage_id", NULL),
                          &pipeline);
  if (pipeline != NULL)
    {
      g_string_prepend (subtitle, " › ");
      g_string_prepend (subtitle, json_object_get_string_member (pipeline, "name"));
    }
  if (!json_object_get_null_member (card, "amount"))
    {
      g_autofree char *amount = crm_format_money (json_object_get_int_member (card, "amount"),
                                                  json_object_get_string_member_with_default (card, "currency", "RUB"));

      g_string_append_printf (subtitle, " · %s", amount);
    }
  return crm_text_row_new (json_object_get_string_member_with_default (card, "title", ""),
                           subtitle->str);
}

static void
attach_clicked_cb (GtkButton      *button,
                   CrmContactPage *self)
{
  crm_contact_page_attach_deal (self, g_object_get_data (G_OBJECT (button), "deal-id"));
}

static void
deal_picked_cb (CrmContactPage *self,
                const char     *deal_id,
                const char     *title)
{
  crm_contact_page_attach_deal (self, deal_id);
}

gboolean
crm_contact_page_attach_deal (CrmContactPage *self,
                              const char     *deal_id)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autofree char *message = NULL;

  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), FALSE);

  if (_crm_contact_page_is_company (self) || self->id == NULL || deal_id == NULL)
    return FALSE;
  deal = crm_store_dup_entity (crm_context_get_store (self->context), "deal", deal_id);
  changeset = crm_changeset_new ();
  crm_changeset_set_link (changeset, "deal_contact", "deal", deal_id, "contact", self->id, TRUE);
  message = g_strdup_printf (_("Linked to «%s»"),
                             deal != NULL ? json_object_get_string_member_with_default (deal, "title", "")
                                          : "");
  return crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, message, NULL);
}

static void
fill_deals (CrmContactPage *self,
            const char     *company_id)
{
  g_autoptr(JsonArray) deals = NULL;
  g_autoptr(JsonArray) offers = NULL;
  g_autoptr(GHashTable) linked = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  CrmStore *store = crm_context_get_store (self->context);
  CrmCardFilter filter = { 0 };

  crm_list_box_remove_all (self->deal_list);
  crm_list_box_remove_all (self->offer_list);
  self->n_deals = self->n_offers = 0;

  if (_crm_contact_page_is_company (self))
    filter.company_id = self->id;
  else
    filter.contact_id = self->id;
  filter.limit = 200;
  deals = crm_query_deal_cards (store, &filter, NULL, &error);
  if (deals == NULL)
    gtk_list_box_append (self->deal_list,
                         crm_read_error_row_new (_("Could not read the deals"), error));
  for (guint i = 0; deals != NULL && i < json_array_get_length (deals); i++)
    {
      JsonObject *card = json_array_get_object_element (deals, i);
      GtkWidget *row = deal_row (self->context, card);

      crm_row_set_action (row, "win.open-deal", json_object_get_string_member (card, "id"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_append (self->deal_list, row);
      g_hash_table_add (linked, (gpointer) json_object_get_string_member (card, "id"));
      self->n_deals++;
    }
  if (self->n_deals == 0 && deals != NULL)
    gtk_list_box_append (self->deal_list,
                         crm_placeholder_row_new (_("No deals yet: «Create Deal» starts the first")));

  /* S4-4: the company's open deals this contact is not on yet, one click to attach. */
  gtk_widget_set_visible (GTK_WIDGET (self->attach_group), !_crm_contact_page_is_company (self));
  if (_crm_contact_page_is_company (self))
    return;
  if (company_id != NULL)
    {
      CrmCardFilter company_filter = { .company_id = company_id, .open_only = TRUE, .limit = 50 };

      g_clear_error (&error);
      offers = crm_query_deal_cards (store, &company_filter, NULL, &error);
      if (offers == NULL)
        {
          gtk_list_box_append (self->offer_list,
                               crm_read_error_row_new (_("Could not read the company's open deals"),
                                                       error));
          self->n_offers++;   /* the row shows */
        }
    }
  for (guint i = 0; offers != NULL && i < json_array_get_length (offers); i++)
    {
      JsonObject *card = json_array_get_object_element (offers, i);
      const char *deal_id = json_object_get_string_member (card, "id");
      GtkWidget *row;
      GtkWidget *button;

      if (g_hash_table_contains (linked, deal_id))
        continue;
      row = deal_row (self->context, card);
      button = gtk_button_new_with_mnemonic (_("_Link"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "deal-id", g_strdup (deal_id), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (attach_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->offer_list, row);
      self->n_offers++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->offer_list), self->n_offers > 0);
  adw_preferences_group_set_description (self->attach_group,
                                         self->n_offers > 0
                                         ? _("Open deals of the contact's company")
                                         : _("Find any open deal to put this contact on"));
}

static void
fill_tasks (CrmContactPage *self)
{
  g_autoptr(JsonArray) tasks = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = crm_context_now (self->context);

  crm_list_box_remove_all (self->task_list);
  gtk_widget_set_visible (GTK_WIDGET (self->tasks_group), !_crm_contact_page_is_company (self));
  if (_crm_contact_page_is_company (self))
    return;
  tasks = crm_query_contact_tasks (crm_context_get_store (self->context), self->id, TRUE, &error);
  if (tasks == NULL)
    gtk_list_box_append (self->task_list,
                         crm_read_error_row_new (_("Could not read the tasks"), error));
  for (guint i = 0; tasks != NULL && i < json_array_get_length (tasks); i++)
    gtk_list_box_append (self->task_list,
                         GTK_WIDGET (crm_task_row_new (json_array_get_object_element (tasks, i), TRUE, now)));
  gtk_widget_set_visible (GTK_WIDGET (self->task_list), tasks == NULL || json_array_get_length (tasks) > 0);
}

static void
fill_company_contacts (CrmContactPage *self)
{
  g_autoptr(JsonArray) contacts = NULL;
  g_autoptr(JsonArray) related = NULL;
  g_autoptr(GError) error = NULL;

  crm_list_box_remove_all (self->contact_list);
  gtk_widget_set_visible (GTK_WIDGET (self->contacts_group), _crm_contact_page_is_company (self));
  if (!_crm_contact_page_is_company (self))
    return;
  contacts = crm_query_company_contacts (crm_context_get_store (self->context), self->id, &error);
  if (contacts != NULL)
    related = crm_company_related_contacts (crm_context_get_store (self->context), self->id, &error);
  if (contacts == NULL || related == NULL)
    {
      gtk_list_box_append (self->contact_list,
                           crm_read_error_row_new (_("Could not read the company's contacts"),
                                                   error));
      return;
    }
  for (guint i = 0; related != NULL && i < json_array_get_length (related); i++)
    {
      JsonObject *contact = json_array_get_object_element (related, i);
      g_autofree char *label = companies_field_label (self);
      GtkWidget *row = crm_text_row_new (json_object_get_string_member_with_default (contact, "name", ""),
                                         label != NULL ? label : _("Related contact"));

      crm_row_set_action (row, "win.open-contact", json_object_get_string_member (contact, "id"));
      gtk_list_box_append (self->contact_list, row);
    }
  if ((contacts == NULL || json_array_get_length (contacts) == 0) &&
      (related == NULL || json_array_get_length (related) == 0))
    gtk_list_box_append (self->contact_list,
                         crm_placeholder_row_new (_("No contacts of this company yet")));
  for (guint i = 0; contacts != NULL && i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = json_array_get_object_element (contacts, i);
      JsonArray *phones = json_object_get_array_member (contact, "phones");
      const char *name = json_object_get_string_member_with_default (contact, "name", "");
      GtkWidget *row = crm_text_row_new (name, NULL);

      if (phones != NULL && json_array_get_length (phones) > 0)
        {
          g_autofree char *shown = crm_format_phone (json_array_get_string_element (phones, 0));

          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown);
        }
      crm_row_set_action (row, "win.open-contact", json_object_get_string_member (contact, "id"));
      gtk_list_box_append (self->contact_list, row);
    }
}

/* ---- S3-2 related companies of a contact, S3-7 a company's holding ---- */

/* The label of the contact field that links companies («Связан с компанией»); NULL when
 * the account has none or hides it. */
static char *
companies_field_label (CrmContactPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) fields = crm_query_fields (crm_context_get_store (self->context),
                                                  "contact", &error);

  if (fields == NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the contact fields"), error);

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL),
                     "companies") == 0 &&
          !json_object_get_boolean_member_with_default (field, "hidden", FALSE))
        return g_strdup (json_object_get_string_member_with_default (field, "label", NULL));
    }
  return NULL;
}

static gboolean
set_company_link (CrmContactPage *self,
                  const char     *company_id,
                  const char     *name,
                  gboolean        present)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *message = NULL;

  if (self->id == NULL || company_id == NULL)
    return FALSE;
  if (_crm_contact_page_is_company (self))
    {
      if (g_str_equal (company_id, self->id))
        {
          crm_widget_show_toast (GTK_WIDGET (self), _("A company cannot be linked to itself"));
          return FALSE;
        }
      crm_company_link_change (changeset, self->id, company_id, present);
      message = g_strdup_printf (present ? _("«%s» is in the holding now")
                                         : _("«%s» is no longer in the holding"), name);
    }
  else
    {
      crm_contact_company_change (changeset, self->id, company_id, present);
      message = g_strdup_printf (present ? _("Related to «%s»") : _("No longer related to «%s»"),
                                 name);
    }
  return crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, message, NULL);
}

gboolean
crm_contact_page_link_company (CrmContactPage *self,
                               const char     *company_id,
                               gboolean        present)
{
  g_autoptr(JsonObject) company = NULL;

  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), FALSE);

  if (self->context == NULL)
    return FALSE;
  company = crm_store_dup_entity (crm_context_get_store (self->context), "company", company_id);
  return set_company_link (self, company_id,
                           company != NULL ? json_object_get_string_member_with_default (company, "name", "")
                                           : "", present);
}

static void
link_picked_cb (CrmContactPage *self,
                const char     *company_id,
                const char     *name)
{
  set_company_link (self, company_id, name, TRUE);
}

static void
unlink_clicked_cb (GtkButton      *button,
                   CrmContactPage *self)
{
  set_company_link (self, g_object_get_data (G_OBJECT (button), "company-id"),
                    g_object_get_data (G_OBJECT (button), "company-name"), FALSE);
}

/* Notes written here and what happened to the card, newest first, with the box that
 * writes a note on it (the review: notes only existed on deals). */
static void
fill_history (CrmContactPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) history = crm_query_history (crm_context_get_store (self->context),
                                                    self->kind, self->id, &error);

  crm_note_box_set_target (self->note_box, self->context, self->kind, self->id);
  if (history == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read this card's history: %s"),
                                                  error->message);

      crm_widget_show_toast (GTK_WIDGET (self), message);
    }
  crm_timeline_set_history (self->timeline, self->context, history);
}

static void
fill_links (CrmContactPage *self)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autoptr(JsonArray) companies = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;

  crm_list_box_remove_all (self->link_list);
  self->n_links = 0;
  if (_crm_contact_page_is_company (self))
    {
      adw_preferences_group_set_title (self->links_group, _("Holding"));
      adw_preferences_group_set_description (self->links_group,
                                             _("Companies of the same group: a link shows on "
                                               "every one of them"));
      companies = crm_company_holding (store, self->id, &error);
    }
  else
    {
      label = companies_field_label (self);
      gtk_widget_set_visible (GTK_WIDGET (self->links_group), label != NULL);
      if (label == NULL)
        return;   /* the account does not use the field */
      adw_preferences_group_set_title (self->links_group, label);
      adw_preferences_group_set_description (self->links_group, NULL);
      companies = crm_contact_related_companies (store, self->id, &error);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->links_group), TRUE);
  if (companies == NULL)
    {
      gtk_list_box_append (self->link_list,
                           crm_read_error_row_new (_("Could not read the linked companies"), error));
      gtk_widget_set_visible (GTK_WIDGET (self->link_list), TRUE);
      return;
    }
  for (guint i = 0; companies != NULL && i < json_array_get_length (companies); i++)
    {
      JsonObject *company = json_array_get_object_element (companies, i);
      const char *id = json_object_get_string_member (company, "id");
      const char *name = json_object_get_string_member_with_default (company, "name", "");
      GtkWidget *row = crm_text_row_new (name, NULL);
      GtkWidget *button = gtk_button_new_from_icon_name ("list-remove-symbolic");

      gtk_widget_set_tooltip_text (button, _("Unlink"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "company-id", g_strdup (id), g_free);
      g_object_set_data_full (G_OBJECT (button), "company-name", g_strdup (name), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (unlink_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      crm_row_set_action (row, "win.open-company", id);
      gtk_list_box_append (self->link_list, row);
      self->n_links++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->link_list), self->n_links > 0);
}

guint
crm_contact_page_get_n_links (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), 0);
  return self->n_links;
}

static void
set_title (CrmContactPage *self,
           const char     *title)
{
  crm_view_set_title (CRM_VIEW (self), title);
}

static void
fill_custom_details (CrmContactPage *self,
                     JsonObject     *entity)
{
  g_autoptr(JsonArray) fields = crm_query_fields (crm_context_get_store (self->context),
                                                  self->kind, NULL);

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *key = json_object_get_string_member_with_default (field, "key", "");
      g_autofree char *value = NULL;

      if (json_object_get_boolean_member_with_default (field, "hidden", FALSE) ||
          g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL),
                     "companies") == 0)
        continue;
      value = field_value_text (field, json_object_get_member (entity, key));
      if (value != NULL)
        add_detail (self, "text-x-generic-symbolic", value,
                    json_object_get_string_member_with_default (field, "label", key), NULL, NULL);
    }
}

static void
crm_contact_page_reload (CrmView *view)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) entity = NULL;
  g_autoptr(JsonObject) company = NULL;
  const char *company_id = NULL;
  g_autofree char *avatar_name = NULL;
  const char *name;

  g_return_if_fail (CRM_IS_CONTACT_PAGE (self));

  if (self->context == NULL || self->id == NULL)
    return;
  /* «not found» only when it is gone; a read that failed says why */
  if (!crm_store_read_entity (crm_context_get_store (self->context), self->kind, self->id,
                              &entity, &error))
    {
      crm_stack_show_read_error (self->stack, _crm_contact_page_is_company (self)
                                              ? _("The Company Cannot Be Read")
                                              : _("The Contact Cannot Be Read"), error);
      set_title (self, _crm_contact_page_is_company (self) ? _("Company") : _("Contact"));
      return;
    }
  if (entity == NULL || json_object_get_boolean_member_with_default (entity, "deleted", FALSE))
    {
      gtk_stack_set_visible_child_name (self->stack, "missing");
      set_title (self, _crm_contact_page_is_company (self) ? _("Company") : _("Contact"));
      return;
    }
  /* an open form keeps what is being typed; Save compares with what it started from */
  if (!self->editing)
    {
      g_clear_pointer (&self->entity, json_object_unref);
      self->entity = json_object_ref (entity);
    }

  name = json_object_get_string_member_with_default (entity, "name", "");
  set_title (self, name);
  avatar_name = crm_format_avatar_name (name, _crm_contact_page_is_company (self));
  adw_avatar_set_text (self->avatar, avatar_name);
  adw_avatar_set_icon_name (self->avatar, _crm_contact_page_is_company (self) ? "system-users-symbolic" : NULL);
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->kind_label, _crm_contact_page_is_company (self) ? _("Company") : _("Contact"));

  crm_preferences_group_remove_rows (self->details_group, self->detail_rows);

  if (_crm_contact_page_is_company (self))
    {
      const char *inn = json_object_get_string_member_with_default (entity, "inn", NULL);
      gint64 total = 0;

      if (inn != NULL)
        add_detail (self, "x-office-document-symbolic", inn, _("INN"), NULL, NULL);
      /* S3-6: the sum of its won deals, counted from the deals themselves */
      if (crm_company_won_total (crm_context_get_store (self->context), self->id, &total, NULL, NULL))
        {
          g_autofree char *shown = crm_format_money (total, "RUB");

          add_detail (self, "emblem-ok-symbolic", shown, _("Total of won deals"), NULL, NULL);
        }
    }
  else
    {
      JsonArray *phones = json_object_has_member (entity, "phones") &&
                          JSON_NODE_HOLDS_ARRAY (json_object_get_member (entity, "phones"))
                          ? json_object_get_array_member (entity, "phones") : NULL;
      JsonArray *emails = json_object_has_member (entity, "emails") &&
                          JSON_NODE_HOLDS_ARRAY (json_object_get_member (entity, "emails"))
                          ? json_object_get_array_member (entity, "emails") : NULL;

      for (guint i = 0; phones != NULL && i < json_array_get_length (phones); i++)
        {
          const char *phone = json_array_get_string_element (phones, i);
          g_autofree char *shown = crm_format_phone (phone);
          GtkWidget *row = add_detail (self, "phone-symbolic", shown, _("Phone"), NULL, NULL);

          adw_action_row_add_suffix (ADW_ACTION_ROW (row), crm_phone_buttons_new (phone));
        }
      for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
        add_detail (self, "mail-unread-symbolic", json_array_get_string_element (emails, i),
                    _("E-mail"), NULL, NULL);
      {
        /* S4-9: the contact followed an e-mail's unsubscribe link */
        gint64 since = 0;

        if (crm_message_is_unsubscribed (crm_context_get_store (self->context), self->id, &since))
          {
            g_autofree char *when = crm_format_date (since);
            g_autofree char *title = g_strdup_printf (_("Unsubscribed from e-mails on %s"),
                                                      g_strstrip (when));

            add_detail (self, "mail-mark-junk-symbolic", title,
                        _("Write by phone, SMS or Telegram"), NULL, NULL);
          }
      }
      company_id = json_object_get_string_member_with_default (entity, "company", NULL);
      if (company_id != NULL)
        company = crm_store_dup_entity (crm_context_get_store (self->context), "company", company_id);
      if (company != NULL)
        add_detail (self, "system-users-symbolic",
                    json_object_get_string_member_with_default (company, "name", ""), _("Company"),
                    "win.open-company", company_id);
    }
  fill_custom_details (self, entity);
  start_segment_read (self);
  if (self->detail_rows->len == 0)
    {
      GtkWidget *row = crm_placeholder_row_new (_crm_contact_page_is_company (self)
                                                ? _("No INN or details yet: «Edit» adds them")
                                                : _("No phone or e-mail yet: «Edit» adds them"));

      adw_preferences_group_add (self->details_group, row);
      g_ptr_array_add (self->detail_rows, row);
    }

  fill_deals (self, company != NULL ? company_id : NULL);
  fill_tasks (self);
  fill_company_contacts (self);
  fill_links (self);
  crm_files_group_set_target (self->files_group, self->context, self->kind, self->id);
  crm_discounts_group_set_target (self->discounts_group, self->context, "company",
                                  _crm_contact_page_is_company (self) ? self->id : NULL);
  crm_messages_group_set_target (self->messages_group, self->context, self->kind, self->id);
  fill_history (self);
  gtk_stack_set_visible_child_name (self->stack, "card");
}

/* ---- the RFM segment (S4-5) ---- */

typedef struct {
  char   *path;
  char   *client_id;
  gint64  now;
  guint   generation;
} SegmentData;

static void
segment_data_free (SegmentData *data)
{
  g_free (data->path);
  g_free (data->client_id);
  g_free (data);
}

/* Scoring reads every won deal of the account: on a reading connection of its own, off
 * the main loop. */
static void
read_segment_in_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  SegmentData *data = task_data;
  g_autoptr(CrmStore) reader = NULL;
  GError *error = NULL;
  JsonObject *client;

  reader = crm_store_open_reader (data->path, &error);
  if (reader == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  crm_store_set_now (reader, data->now);
  client = crm_rfm_client (reader, data->client_id, &error);
  if (client == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, client, (GDestroyNotify) json_object_unref);
}

/* Where the RFM segment would be: that it could not be read, and why. */
static void
add_segment_read_error (CrmContactPage *self,
                        const GError   *error)
{
  g_message ("Could not read the RFM segment of %s: %s", self->id, error->message);
  self->segment_row = crm_read_error_row_new (_("Could not read the RFM segment"), error);
  adw_preferences_group_add (self->details_group, self->segment_row);
  g_ptr_array_add (self->detail_rows, self->segment_row);
}

static void
segment_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (source);
  SegmentData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) client = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GString) subtitle = g_string_new (_("RFM segment"));
  g_autofree char *title = NULL;
  JsonArray *history;

  if (data->generation != self->rfm_generation || self->details_group == NULL)
    return;
  if (client == NULL)
    {
      add_segment_read_error (self, error);
      return;
    }
  if (json_object_get_string_member_with_default (client, "segment", NULL) != NULL)
    {
      title = g_strdup (json_object_get_string_member (client, "segment"));
      /* Translators: the RFM scores on a client's card, «R 5 · F 3 · M 4» */
      g_string_append_printf (subtitle, " · R %" G_GINT64_FORMAT " · F %" G_GINT64_FORMAT
                              " · M %" G_GINT64_FORMAT,
                              json_object_get_int_member_with_default (client, "r", 0),
                              json_object_get_int_member_with_default (client, "f", 0),
                              json_object_get_int_member_with_default (client, "m", 0));
    }
  else
    title = g_strdup (json_object_get_int_member_with_default (client, "frequency", 0) > 0
                      ? _("No segment fits")
                      : _("No purchases yet"));
  history = json_object_has_member (client, "history") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (client, "history"))
            ? json_object_get_array_member (client, "history") : NULL;
  if (history != NULL && json_array_get_length (history) > 0)
    {
      JsonObject *last = json_array_get_object_element (history, json_array_get_length (history) - 1);
      const char *from = json_object_get_string_member_with_default (last, "from", NULL);
      gint64 at = 0;

      if (crm_time_parse (json_object_get_string_member_with_default (last, "at", ""), &at))
        {
          g_autofree char *date = crm_format_date (at);
          /* Translators: since when a client is in its RFM segment, «since 2 March 2026» */
          g_autofree char *since = g_strdup_printf (_("since %s"), date);

          g_string_append_printf (subtitle, " · %s", since);
          if (from != NULL)
            {
              /* Translators: the RFM segment a client had before, on its card */
              g_autofree char *was = g_strdup_printf (_("was «%s»"), from);

              g_string_append_printf (subtitle, ", %s", was);
            }
        }
    }
  self->segment_row = add_detail (self, "starred-symbolic", title, subtitle->str, NULL, NULL);

  /* every transition, oldest first: «2 March 2026: Спящий → Горячий» a line */
  if (history != NULL && json_array_get_length (history) > 0)
    {
      g_autoptr(GString) lines = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (history); i++)
        {
          JsonObject *step = json_array_get_object_element (history, i);
          const char *from = json_object_get_string_member_with_default (step, "from", NULL);
          const char *to = json_object_get_string_member_with_default (step, "to", NULL);
          g_autofree char *date = NULL;
          gint64 at = 0;

          if (!crm_time_parse (json_object_get_string_member_with_default (step, "at", ""), &at))
            continue;
          date = crm_format_date (at);
          if (lines->len > 0)
            g_string_append_c (lines, '\n');
          /* Translators: a line of a client's RFM segment history on its card,
           * «2 March 2026: Спящий → Горячий»; "no purchase" stands for a missing side */
          g_string_append_printf (lines, _("%s: %s → %s"), date,
                                  from != NULL ? from : _("no purchase"),
                                  to != NULL ? to : _("no purchase"));
        }
      if (lines->len > 0)
        self->segment_history_row = add_detail (self, "document-open-recent-symbolic",
                                                _("Segment History"), lines->str, NULL, NULL);
    }
}

static void
start_segment_read (CrmContactPage *self)
{
  g_autoptr(JsonArray) segments = NULL;
  g_autoptr(GError) error = NULL;
  CrmStore *store = crm_context_get_store (self->context);
  SegmentData *data;
  GTask *task;

  self->rfm_generation++;
  self->segment_row = NULL;
  self->segment_history_row = NULL;
  segments = crm_rfm_segments (store, &error);
  if (segments == NULL)
    {
      add_segment_read_error (self, error);
      return;
    }
  /* an account without segments (the truck dealer's) has nothing to show */
  if (json_array_get_length (segments) == 0 || crm_store_get_path (store) == NULL)
    return;
  data = g_new0 (SegmentData, 1);
  data->path = g_strdup (crm_store_get_path (store));
  data->client_id = g_strdup (self->id);
  data->now = crm_context_now (self->context);
  data->generation = self->rfm_generation;
  task = g_task_new (self, NULL, segment_read_cb, NULL);
  g_task_set_source_tag (task, start_segment_read);
  g_task_set_task_data (task, data, (GDestroyNotify) segment_data_free);
  g_task_run_in_thread (task, read_segment_in_thread);
  g_object_unref (task);
}

GtkWidget *
crm_contact_page_get_segment_row (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), NULL);
  return self->segment_row;
}

GtkWidget *
crm_contact_page_get_segment_history_row (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), NULL);

  return self->segment_history_row;
}

/* ---- a new deal for this client ---- */

CrmNewDealDialog *
crm_contact_page_new_deal (CrmContactPage *self)
{
  CrmNewDealDialog *dialog;
  GtkRoot *root;

  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), NULL);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (self->context == NULL || self->id == NULL || !GTK_IS_WINDOW (root))
    return NULL;
  dialog = crm_new_deal_dialog_new (GTK_WINDOW (root), self->context, NULL);
  if (_crm_contact_page_is_company (self))
    crm_new_deal_dialog_set_company (dialog, self->id);
  else
    crm_new_deal_dialog_set_contact (dialog, self->id);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
card_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (widget);

  if (g_str_equal (action_name, "card.edit"))
    crm_contact_page_begin_edit (self);
  else if (g_str_equal (action_name, "card.save"))
    crm_contact_page_save (self);
  else if (g_str_equal (action_name, "card.cancel-edit"))
    crm_contact_page_cancel_edit (self);
  else if (g_str_equal (action_name, "card.new-deal"))
    crm_contact_page_new_deal (self);
  else if (g_str_equal (action_name, "card.add-phone"))
    _crm_contact_page_focus_row (_crm_contact_page_add_form_row (self, self->phones_group, NULL));
  else if (g_str_equal (action_name, "card.add-email"))
    _crm_contact_page_focus_row (_crm_contact_page_add_form_row (self, self->emails_group, NULL));
  else if (g_str_equal (action_name, "card.delete") && self->id != NULL)
    {
      g_autofree char *id = g_strdup (self->id);
      g_autofree char *kind = g_strdup (self->kind);

      /* a company's people and deals stay, without it; the toast says how many */
      if (crm_delete_entity (widget, self->context, kind, id))
        gtk_widget_activate_action (widget, "win.go-back", NULL);
    }
}

static void
show (CrmContactPage *self,
      const char     *kind,
      const char     *id)
{
  g_free (self->kind);
  self->kind = g_strdup (kind);
  g_free (self->id);
  self->id = g_strdup (id);
  _crm_contact_page_set_editing (self, FALSE);
  g_clear_pointer (&self->entity, json_object_unref);
  crm_view_reload (CRM_VIEW (self));
}

void
crm_contact_page_set_contact (CrmContactPage *self,
                              const char     *contact_id)
{
  g_return_if_fail (CRM_IS_CONTACT_PAGE (self));
  show (self, "contact", contact_id);
}

void
crm_contact_page_set_company (CrmContactPage *self,
                              const char     *company_id)
{
  g_return_if_fail (CRM_IS_CONTACT_PAGE (self));
  show (self, "company", company_id);
}

guint
crm_contact_page_get_n_deals (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), 0);
  return self->n_deals;
}

guint
crm_contact_page_get_n_offers (CrmContactPage *self)
{
  g_return_val_if_fail (CRM_IS_CONTACT_PAGE (self), 0);
  return self->n_offers;
}

/* ---- GObject ---- */

/* The pickers search the new replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (view);

  if (context == NULL)
    return;
  crm_entity_picker_setup (self->deal_picker, context, "deal");
  crm_entity_picker_setup (self->company_picker, context, "company");
  crm_entity_picker_setup (self->link_picker, context, "company");
}

static void
crm_contact_page_dispose (GObject *object)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_CONTACT_PAGE);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_contact_page_parent_class)->dispose (object);
}

static void
crm_contact_page_finalize (GObject *object)
{
  CrmContactPage *self = CRM_CONTACT_PAGE (object);

  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->detail_rows, g_ptr_array_unref);
  g_clear_pointer (&self->entity, json_object_unref);
  g_clear_pointer (&self->edit_company_id, g_free);
  g_clear_pointer (&self->phone_rows, g_ptr_array_unref);
  g_clear_pointer (&self->email_rows, g_ptr_array_unref);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_contact_page_parent_class)->finalize (object);
}

static void
set_key (CrmView    *view,
         const char *key)
{
  if (g_str_has_prefix (key, "contact:"))
    crm_contact_page_set_contact (CRM_CONTACT_PAGE (view), key + strlen ("contact:"));
  else if (g_str_has_prefix (key, "company:"))
    crm_contact_page_set_company (CRM_CONTACT_PAGE (view), key + strlen ("company:"));
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_contact_page_reload;
  iface->set_key = set_key;
}

static void
crm_contact_page_class_init (CrmContactPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_contact_page_dispose;
  object_class->finalize = crm_contact_page_finalize;

  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmContactPage, context), NULL,
                        context_set);

  g_type_ensure (CRM_TYPE_ENTITY_PICKER);
  g_type_ensure (CRM_TYPE_FILES_GROUP);
  g_type_ensure (CRM_TYPE_MESSAGES_GROUP);
  g_type_ensure (CRM_TYPE_DISCOUNTS_GROUP);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-contact-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, kind_label);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, card_buttons);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, edit_box);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, edit_error);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, inn_row);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, company_row);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, company_clear_button);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, company_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, phones_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, emails_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, edit_fields_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, view_box);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, details_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, deals_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, deal_list);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, attach_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, offer_list);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, deal_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, links_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, link_button);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, link_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, link_list);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, contacts_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, contact_list);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, tasks_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, task_list);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, files_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, discounts_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, messages_group);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, note_box);
  gtk_widget_class_bind_template_child (widget_class, CrmContactPage, timeline);
  gtk_widget_class_bind_template_callback (widget_class, deal_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, link_picked_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "company_picked_cb",
                                                G_CALLBACK (_crm_contact_page_company_picked_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "company_cleared_cb",
                                                G_CALLBACK (_crm_contact_page_company_cleared_cb));

  gtk_widget_class_install_action (widget_class, "card.edit", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.save", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.cancel-edit", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.new-deal", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.add-phone", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.add-email", NULL, card_action);
  gtk_widget_class_install_action (widget_class, "card.delete", NULL, card_action);
  /* Ctrl+Enter saves the form, as it creates in the dialogs */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "card.save", NULL);
}

static void
crm_contact_page_init (CrmContactPage *self)
{
  self->kind = g_strdup ("contact");
  self->detail_rows = g_ptr_array_new ();
  self->phone_rows = g_ptr_array_new ();
  self->email_rows = g_ptr_array_new ();
  self->field_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
