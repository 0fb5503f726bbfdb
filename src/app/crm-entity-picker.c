/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-picker.c — search entry over a paged list; Enter or a click picks. Contacts
 * show their phone (two Петровы apart), and what was typed can become a new contact. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-entity-picker.h"
#include "crm-format.h"
#include "crm-new-contact-dialog.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-record.h"
#include "crm-time.h"

struct _CrmEntityPicker
{
  GtkPopover      parent_instance;

  CrmContext     *context;
  char           *kind;
  char           *search;
  CrmPagedModel  *model;

  GtkSearchEntry *search_entry;
  GtkWidget      *create_button;
  GtkLabel       *create_label;
  GtkLabel       *empty_label;
  GtkWidget      *scroller;
  GtkListView    *list_view;
};

G_DEFINE_FINAL_TYPE (CrmEntityPicker, crm_entity_picker, GTK_TYPE_POPOVER)

enum {
  PICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static JsonArray *
fetch_rows (gpointer   user_data,
            guint      offset,
            guint      limit,
            gint64    *out_total,
            GError   **error)
{
  CrmEntityPicker *self = user_data;
  CrmStore *store;

  if (self->context == NULL)
    {
      if (out_total != NULL)
        *out_total = 0;
      return json_array_new ();
    }
  store = crm_context_get_store (self->context);
  if (g_strcmp0 (self->kind, "company") == 0)
    return crm_query_companies (store, self->search, limit, offset, out_total, error);
  if (g_strcmp0 (self->kind, "deal") == 0)
    {
      CrmCardFilter filter = { .search = self->search, .open_only = TRUE,
                               .limit = limit, .offset = offset };

      return crm_query_deal_cards (store, &filter, out_total, error);
    }
  {
    g_autoptr(JsonNode) node = crm_query_contacts (store, self->search, NULL, limit, offset,
                                                   out_total, error);

    return node != NULL ? json_array_ref (json_node_get_array (node)) : NULL;
  }
}

static const char *
record_name (CrmRecord *record)
{
  return crm_record_get_string (record, "name", crm_record_get_string (record, "title", ""));
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          CrmEntityPicker          *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (item, box);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         CrmEntityPicker          *self)
{
  CrmRecord *record = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (title);
  const char *extra = crm_record_get_string (record, "company",
                                             crm_record_get_string (record, "stage", NULL));
  JsonObject *object = crm_record_get_object (record);
  JsonNode *phones = json_object_get_member (object, "phones");
  g_autofree char *phone = NULL;
  g_autofree char *text = NULL;

  /* the phone tells two people of one name apart */
  if (phones != NULL && JSON_NODE_HOLDS_ARRAY (phones) &&
      json_array_get_length (json_node_get_array (phones)) > 0)
    phone = crm_format_phone (json_array_get_string_element (json_node_get_array (phones), 0));
  if (phone != NULL && extra != NULL)
    text = g_strdup_printf ("%s · %s", phone, extra);
  else
    text = g_strdup (phone != NULL ? phone : extra);
  gtk_label_set_label (GTK_LABEL (title), record_name (record));
  gtk_label_set_label (GTK_LABEL (detail), text != NULL ? text : "");
  gtk_widget_set_visible (detail, text != NULL);
}

static gboolean
is_contact_picker (CrmEntityPicker *self)
{
  return g_strcmp0 (self->kind, "company") != 0 && g_strcmp0 (self->kind, "deal") != 0;
}

static gboolean
is_company_picker (CrmEntityPicker *self)
{
  return g_strcmp0 (self->kind, "company") == 0;
}

static void
update_extras (CrmEntityPicker *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  gboolean offer = self->search != NULL && (is_contact_picker (self) || is_company_picker (self));

  if (offer)
    {
      g_autofree char *label = NULL;

      if (is_company_picker (self))
        /* Translators: a button in the company picker; %s is what was typed */
        label = g_strdup_printf (_("Create Company “%s”"), self->search);
      else
        /* Translators: a button in the contact picker; %s is what was typed */
        label = g_strdup_printf (_("Create Contact “%s”"), self->search);
      gtk_label_set_label (self->create_label, label);
    }
  gtk_widget_set_visible (self->create_button, offer);
  if (n == 0)
    {
      g_autofree char *text = NULL;

      if (self->search == NULL)
        text = g_strdup (is_company_picker (self) ? _("No companies yet")
                         : g_strcmp0 (self->kind, "deal") == 0 ? _("No open deals")
                         : _("No contacts yet"));
      else if (is_contact_picker (self))
        text = g_strdup_printf (_("No contact has a name starting with «%s» or a phone "
                                  "with these digits"), self->search);
      else
        text = g_strdup_printf (_("Nothing starts with «%s»"), self->search);
      gtk_label_set_label (self->empty_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), n == 0);
  gtk_widget_set_visible (self->scroller, n > 0);
}

static void
entity_created_cb (CrmEntityDialog *dialog,
                   const char      *entity_id,
                   const char      *name,
                   CrmEntityPicker *self)
{
  g_signal_emit (self, signals[PICKED], 0, entity_id, name);
}

CrmEntityDialog *
crm_entity_picker_create (CrmEntityPicker *self)
{
  CrmEntityDialog *dialog;
  GtkRoot *root;
  g_autofree char *text = NULL;
  g_autofree char *phone = NULL;

  g_return_val_if_fail (CRM_IS_ENTITY_PICKER (self), NULL);

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (self->context == NULL || !GTK_IS_WINDOW (root) ||
      (!is_contact_picker (self) && !is_company_picker (self)))
    return NULL;
  text = g_strdup (self->search);
  gtk_popover_popdown (GTK_POPOVER (self));
  if (is_company_picker (self))
    {
      CrmNewCompanyDialog *company = crm_new_company_dialog_new (GTK_WINDOW (root), self->context);

      crm_new_company_dialog_fill (company, text, NULL);
      dialog = CRM_ENTITY_DIALOG (company);
    }
  else
    {
      CrmNewContactDialog *contact = crm_new_contact_dialog_new (GTK_WINDOW (root), self->context);

      /* digits typed are a phone number, letters a name */
      phone = text != NULL ? crm_phone_normalize (text) : NULL;
      if (phone != NULL)
        crm_new_contact_dialog_fill (contact, NULL, text, NULL);
      else
        crm_new_contact_dialog_fill (contact, text, NULL, NULL);
      dialog = CRM_ENTITY_DIALOG (contact);
    }
  g_signal_connect_object (dialog, "created", G_CALLBACK (entity_created_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

CrmNewContactDialog *
crm_entity_picker_create_contact (CrmEntityPicker *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_PICKER (self), NULL);
  g_return_val_if_fail (is_contact_picker (self), NULL);
  return CRM_NEW_CONTACT_DIALOG (crm_entity_picker_create (self));
}

static void
create_clicked_cb (CrmEntityPicker *self)
{
  crm_entity_picker_create (self);
}

void
crm_entity_picker_pick (CrmEntityPicker *self,
                        guint            position)
{
  g_autoptr(CrmRecord) record = NULL;

  g_return_if_fail (CRM_IS_ENTITY_PICKER (self));

  record = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (record == NULL || crm_record_get_id (record) == NULL)
    return;
  gtk_popover_popdown (GTK_POPOVER (self));
  g_signal_emit (self, signals[PICKED], 0, crm_record_get_id (record), record_name (record));
}

static void
activate_cb (CrmEntityPicker *self,
             guint            position)
{
  crm_entity_picker_pick (self, position);
}

static void
search_changed_cb (CrmEntityPicker *self)
{
  crm_entity_picker_set_search (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
search_activate_cb (CrmEntityPicker *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    crm_entity_picker_pick (self, 0);
}

static void
show_cb (CrmEntityPicker *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  crm_entity_picker_set_search (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
crm_entity_picker_set_search (CrmEntityPicker *self,
                              const char      *text)
{
  g_return_if_fail (CRM_IS_ENTITY_PICKER (self));

  g_free (self->search);
  self->search = text != NULL && *text != '\0' ? g_strdup (g_strstrip (g_strdup (text))) : NULL;
  if (self->search != NULL && *self->search == '\0')
    g_clear_pointer (&self->search, g_free);
  crm_paged_model_reload (self->model, NULL);
  update_extras (self);
}

void
crm_entity_picker_setup (CrmEntityPicker *self,
                         CrmContext      *context,
                         const char      *kind)
{
  g_return_if_fail (CRM_IS_ENTITY_PICKER (self));

  g_set_object (&self->context, context);
  g_free (self->kind);
  self->kind = g_strdup (kind);
  g_object_set (self->search_entry, "placeholder-text",
                g_strcmp0 (kind, "company") == 0 ? _("Find a company")
                : g_strcmp0 (kind, "deal") == 0 ? _("Find an open deal")
                : _("Find a contact"), NULL);
}

CrmPagedModel *
crm_entity_picker_get_model (CrmEntityPicker *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_PICKER (self), NULL);
  return self->model;
}

static void
crm_entity_picker_dispose (GObject *object)
{
  CrmEntityPicker *self = CRM_ENTITY_PICKER (object);

  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_ENTITY_PICKER);
  G_OBJECT_CLASS (crm_entity_picker_parent_class)->dispose (object);
}

static void
crm_entity_picker_finalize (GObject *object)
{
  CrmEntityPicker *self = CRM_ENTITY_PICKER (object);

  g_clear_object (&self->model);
  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->search, g_free);
  G_OBJECT_CLASS (crm_entity_picker_parent_class)->finalize (object);
}

static void
crm_entity_picker_class_init (CrmEntityPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_entity_picker_dispose;
  object_class->finalize = crm_entity_picker_finalize;

  /* A row was picked: its id and name. */
  signals[PICKED] = g_signal_new ("picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-entity-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, list_view);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, create_button);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, create_label);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, empty_label);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityPicker, scroller);
  gtk_widget_class_bind_template_callback (widget_class, setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
}

static void
crm_entity_picker_init (CrmEntityPicker *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->model = crm_paged_model_new (fetch_rows, self, NULL);
  crm_paged_model_set_page_size (self->model, 50);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}
