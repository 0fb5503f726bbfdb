/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-payer-picker.c — the payer popover of the deal page: the directory's payers found
 * by the letters of the name or the digits of the INN, and a new payer typed below them,
 * checked (INN check digits, KPP form) before anything is written. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-payer-picker.h"
#include "crm-payer.h"
#include "crm-time.h"
#include "crm-widget-util.h"

#define MAX_ROWS 50

struct _CrmPayerPicker
{
  GtkPopover   parent_instance;

  CrmContext  *context;
  GPtrArray   *ids;          /* the payer of each row shown */

  GtkEditable *search_entry;
  GtkListBox  *list;
  GtkLabel    *empty_label;
  GtkEditable *name_entry;
  GtkEditable *inn_entry;
  GtkEditable *kpp_entry;
  GtkLabel    *error_label;
};

G_DEFINE_FINAL_TYPE (CrmPayerPicker, crm_payer_picker, GTK_TYPE_POPOVER)

enum {
  PICKED,
  CREATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
matches (JsonObject *payer,
         const char *folded_text)
{
  g_autofree char *name = NULL;
  const char *inn = json_object_get_string_member_with_default (payer, "inn", "");

  if (*folded_text == '\0')
    return TRUE;
  if (g_str_has_prefix (inn, folded_text))
    return TRUE;
  name = crm_text_fold (json_object_get_string_member_with_default (payer, "name", ""));
  return strstr (name, folded_text) != NULL;
}

/* «ИНН 7707083893 · КПП 773601001» */
static char *
describe (JsonObject *payer)
{
  const char *inn = json_object_get_string_member_with_default (payer, "inn", NULL);
  const char *kpp = json_object_get_string_member_with_default (payer, "kpp", NULL);
  GString *text = g_string_new (NULL);

  if (inn != NULL)
    /* Translators: a payer's taxpayer number */
    g_string_append_printf (text, _("INN %s"), inn);
  if (kpp != NULL)
    {
      /* Translators: a payer's tax registration reason code (КПП) */
      g_autofree char *part = g_strdup_printf (_("KPP %s"), kpp);

      g_string_append_printf (text, "%s%s", text->len > 0 ? " · " : "", part);
    }
  return g_string_free (text, FALSE);
}

static void search_changed_cb (CrmPayerPicker *self);

static void
row_activated_cb (CrmPayerPicker *self,
                  GtkListBoxRow  *row)
{
  crm_payer_picker_pick (self, gtk_list_box_row_get_index (row));
}

void
crm_payer_picker_set_search (CrmPayerPicker *self,
                             const char     *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) payers = NULL;
  g_autofree char *folded = NULL;
  JsonArray *array;

  g_return_if_fail (CRM_IS_PAYER_PICKER (self));

  if (g_strcmp0 (gtk_editable_get_text (self->search_entry), text != NULL ? text : "") != 0)
    {
      /* not again, a moment later, from the entry's "search-changed" */
      g_signal_handlers_block_by_func (self->search_entry, search_changed_cb, self);
      gtk_editable_set_text (self->search_entry, text != NULL ? text : "");
      g_signal_handlers_unblock_by_func (self->search_entry, search_changed_cb, self);
    }
  folded = g_strstrip (crm_text_fold (text != NULL ? text : ""));
  crm_list_box_remove_all (self->list);
  g_ptr_array_set_size (self->ids, 0);
  payers = crm_payer_list (crm_context_get_store (self->context), &error);
  if (payers == NULL)
    {
      /* a row that cannot be picked (the ids stay empty): the cause, not «nothing found» */
      GtkWidget *row = crm_read_error_row_new (_("Could not read the payers"), error);

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->list, row);
      gtk_widget_set_visible (GTK_WIDGET (self->empty_label), FALSE);
      return;
    }
  array = json_node_get_array (payers);
  for (guint i = 0; i < json_array_get_length (array) && self->ids->len < MAX_ROWS; i++)
    {
      JsonObject *payer = json_array_get_object_element (array, i);
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      if (!matches (payer, folded))
        continue;
      subtitle = describe (payer);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (payer, "name", ""));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_list_box_append (self->list, row);
      g_ptr_array_add (self->ids, g_strdup (json_object_get_string_member (payer, "id")));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), self->ids->len == 0);
  gtk_label_set_label (self->empty_label,
                       json_array_get_length (array) == 0
                       ? _("The directory has no payers yet: add the first below")
                       : _("No payer has this name or INN: add it below"));
}

static void
search_changed_cb (CrmPayerPicker *self)
{
  crm_payer_picker_set_search (self, gtk_editable_get_text (self->search_entry));
}

guint
crm_payer_picker_get_n_rows (CrmPayerPicker *self)
{
  g_return_val_if_fail (CRM_IS_PAYER_PICKER (self), 0);
  return self->ids->len;
}

void
crm_payer_picker_pick (CrmPayerPicker *self,
                       guint           index)
{
  g_autofree char *id = NULL;

  g_return_if_fail (CRM_IS_PAYER_PICKER (self));
  if (index >= self->ids->len)
    return;
  id = g_strdup (self->ids->pdata[index]);
  gtk_popover_popdown (GTK_POPOVER (self));
  g_signal_emit (self, signals[PICKED], 0, id);
}

void
crm_payer_picker_set_error (CrmPayerPicker *self,
                            const char     *message)
{
  g_return_if_fail (CRM_IS_PAYER_PICKER (self));
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

const char *
crm_payer_picker_get_error (CrmPayerPicker *self)
{
  g_return_val_if_fail (CRM_IS_PAYER_PICKER (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_label (self->error_label) : NULL;
}

/* The new payer's entries as they are: the first thing wrong with them, or NULL. */
static char *
dup_entries_error (CrmPayerPicker *self,
                   gboolean        complete)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (self->name_entry)));
  g_autofree char *inn = g_strstrip (g_strdup (gtk_editable_get_text (self->inn_entry)));
  g_autofree char *kpp = g_strstrip (g_strdup (gtk_editable_get_text (self->kpp_entry)));
  g_autoptr(GError) error = NULL;

  if (*inn != '\0' && !crm_inn_validate (inn, NULL, &error))
    return g_strdup (error->message);
  if (*kpp != '\0' && !crm_kpp_validate (kpp, NULL, &error))
    return g_strdup (error->message);
  if (complete && *name == '\0')
    return g_strdup (_("Type the payer's name (the legal entity, as on its invoices)"));
  if (complete && *inn == '\0')
    return g_strdup (_("Type the payer's INN: 10 digits for an organization, 12 for a person"));
  return NULL;
}

/* as one types: the INN once it has its length, the KPP once it has its 9 characters */
static void
entries_changed_cb (CrmPayerPicker *self)
{
  const char *inn = gtk_editable_get_text (self->inn_entry);
  const char *kpp = gtk_editable_get_text (self->kpp_entry);
  g_autofree char *message = NULL;

  if (strlen (inn) >= 10 || strlen (kpp) >= 9)
    message = dup_entries_error (self, FALSE);
  crm_payer_picker_set_error (self, message);
}

static void
add_clicked_cb (CrmPayerPicker *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (self->name_entry)));
  g_autofree char *inn = g_strstrip (g_strdup (gtk_editable_get_text (self->inn_entry)));
  g_autofree char *kpp = g_strstrip (g_strdup (gtk_editable_get_text (self->kpp_entry)));
  g_autofree char *message = dup_entries_error (self, TRUE);

  crm_payer_picker_set_error (self, message);
  if (message != NULL)
    return;
  /* the deal page writes it; a refusal comes back through crm_payer_picker_set_error() */
  g_signal_emit (self, signals[CREATE], 0, name, inn, *kpp != '\0' ? kpp : NULL);
}

gboolean
crm_payer_picker_add (CrmPayerPicker *self,
                      const char     *name,
                      const char     *inn,
                      const char     *kpp)
{
  g_return_val_if_fail (CRM_IS_PAYER_PICKER (self), FALSE);

  gtk_editable_set_text (self->name_entry, name != NULL ? name : "");
  gtk_editable_set_text (self->inn_entry, inn != NULL ? inn : "");
  gtk_editable_set_text (self->kpp_entry, kpp != NULL ? kpp : "");
  add_clicked_cb (self);
  return crm_payer_picker_get_error (self) == NULL;
}

/* ---- GObject ---- */

static void
show_cb (CrmPayerPicker *self)
{
  crm_payer_picker_set_error (self, NULL);
  crm_payer_picker_set_search (self, gtk_editable_get_text (self->search_entry));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
crm_payer_picker_dispose (GObject *object)
{
  CrmPayerPicker *self = CRM_PAYER_PICKER (object);

  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_payer_picker_parent_class)->dispose (object);
}

static void
crm_payer_picker_finalize (GObject *object)
{
  g_clear_pointer (&CRM_PAYER_PICKER (object)->ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_payer_picker_parent_class)->finalize (object);
}

static void
crm_payer_picker_class_init (CrmPayerPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_payer_picker_dispose;
  object_class->finalize = crm_payer_picker_finalize;

  /* A payer of the directory was chosen: its id. */
  signals[PICKED] = g_signal_new ("picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A new payer was typed and passed the checks: name, INN, KPP (or NULL). */
  signals[CREATE] = g_signal_new ("create", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                  G_TYPE_STRING, G_TYPE_STRING);
}

static GtkEditable *
add_entry (GtkBox     *box,
           const char *label,
           const char *placeholder)
{
  GtkWidget *title = gtk_label_new_with_mnemonic (label);
  GtkWidget *entry = gtk_entry_new ();

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "dim-label");
  gtk_label_set_mnemonic_widget (GTK_LABEL (title), entry);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_box_append (box, title);
  gtk_box_append (box, entry);
  return GTK_EDITABLE (entry);
}

static void
crm_payer_picker_init (CrmPayerPicker *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *search = gtk_search_entry_new ();
  GtkWidget *header = gtk_label_new (_("New Payer"));
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Add and Choose"));

  self->ids = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_set_size_request (box, 340, -1);
  self->search_entry = GTK_EDITABLE (search);
  g_object_set (search, "placeholder-text", _("Name or INN"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (search), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Find a payer by name or INN"), -1);
  g_signal_connect_swapped (search, "search-changed", G_CALLBACK (search_changed_cb), self);
  gtk_box_append (GTK_BOX (box), search);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 260);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list));
  gtk_box_append (GTK_BOX (box), scrolled);
  self->empty_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->empty_label, TRUE);
  gtk_label_set_max_width_chars (self->empty_label, 40);
  gtk_label_set_xalign (self->empty_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->empty_label), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->empty_label));

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_set_margin_top (header, 6);
  gtk_box_append (GTK_BOX (box), header);
  self->name_entry = add_entry (GTK_BOX (box), _("_Name"), _("The legal entity, as on its invoices"));
  self->inn_entry = add_entry (GTK_BOX (box), _("_INN"), _("10 or 12 digits"));
  self->kpp_entry = add_entry (GTK_BOX (box), _("_KPP"), _("9 characters, if it has one"));
  g_signal_connect_swapped (self->inn_entry, "changed", G_CALLBACK (entries_changed_cb), self);
  g_signal_connect_swapped (self->kpp_entry, "changed", G_CALLBACK (entries_changed_cb), self);
  g_signal_connect_swapped (self->kpp_entry, "activate", G_CALLBACK (add_clicked_cb), self);
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_max_width_chars (self->error_label, 40);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (add_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), button);

  gtk_popover_set_child (GTK_POPOVER (self), box);
  g_signal_connect (self, "show", G_CALLBACK (show_cb), NULL);
}

CrmPayerPicker *
crm_payer_picker_new (CrmContext *context)
{
  CrmPayerPicker *self = g_object_new (CRM_TYPE_PAYER_PICKER, NULL);

  self->context = g_object_ref (context);
  return self;
}
