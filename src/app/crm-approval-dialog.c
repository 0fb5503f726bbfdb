/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval-dialog.c — «Request Approval» from a deal's page (crm-approval-dialog.h).
 * The chain is core's (crm_approval_preview(), the same computation the request and
 * both sides' checks make), and so is the request (crm_approval_request()). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-approval.h"
#include "crm-approval-dialog.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmApprovalDialog
{
  AdwWindow            parent_instance;

  CrmContext          *context;
  char                *deal_id;
  char                *problem;
  char                *chain;
  GPtrArray           *brand_ids;
  GArray              *brand_discounts;   /* gint64: -1 none */
  GPtrArray           *chain_rows;

  GtkLabel            *message_label;
  AdwComboRow         *kind_row;
  AdwPreferencesGroup *discount_group;
  AdwComboRow         *brand_row;
  GtkStringList       *brand_names;
  GtkSpinButton       *discount_spin;
  AdwPreferencesGroup *invoice_group;
  AdwEntryRow         *amount_row;
  AdwComboRow         *type_row;
  GtkStringList       *type_names;
  AdwEntryRow         *number_row;
  AdwEntryRow         *reason_row;
  AdwPreferencesGroup *chain_group;
};

G_DEFINE_FINAL_TYPE (CrmApprovalDialog, crm_approval_dialog, ADW_TYPE_WINDOW)

static gboolean
is_discount (CrmApprovalDialog *self)
{
  return adw_combo_row_get_selected (self->kind_row) == 0;
}

static void
set_problem (CrmApprovalDialog *self,
             const char        *problem)
{
  crm_problem_label_set (self->message_label, &self->problem, problem);
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->message_label),
                                                   ADW_TYPE_PREFERENCES_GROUP),
                          problem != NULL);
}

const char *
crm_approval_dialog_get_problem (CrmApprovalDialog *self)
{
  g_return_val_if_fail (CRM_IS_APPROVAL_DIALOG (self), NULL);
  return self->problem;
}

const char *
crm_approval_dialog_get_chain (CrmApprovalDialog *self)
{
  g_return_val_if_fail (CRM_IS_APPROVAL_DIALOG (self), NULL);
  return self->chain != NULL ? self->chain : "";
}

static const char *
selected_brand (CrmApprovalDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->brand_row);

  return selected < self->brand_ids->len ? self->brand_ids->pdata[selected] : NULL;
}

static char *
selected_type (CrmApprovalDialog *self)
{
  GObject *item = adw_combo_row_get_selected_item (self->type_row);

  return item != NULL ? g_strdup (gtk_string_object_get_string (GTK_STRING_OBJECT (item))) : NULL;
}

/* The form as a request; FALSE with @out_message when the amount cannot be read. */
static gboolean
read_form (CrmApprovalDialog  *self,
           CrmApprovalRequest *request,
           char              **out_type,
           char              **out_message)
{
  request->kind = is_discount (self) ? "discount" : "invoice";
  request->deal_id = self->deal_id;
  request->comment = gtk_editable_get_text (GTK_EDITABLE (self->reason_row));
  request->amount = -1;
  if (is_discount (self))
    {
      request->brand_id = selected_brand (self);
      request->discount = gtk_spin_button_get_value_as_int (self->discount_spin);
    }
  else
    {
      g_autofree char *amount = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->amount_row))));
      gint64 minor = 0;

      if (*amount != '\0' && !crm_parse_money_input (amount, &minor))
        {
          *out_message = g_strdup_printf (_("«%s» is not an amount; write it like 1 500 000 "
                                            "or 1500000,50"), amount);
          return FALSE;
        }
      request->amount = *amount != '\0' ? minor : -1;
      *out_type = selected_type (self);
      request->invoice_type = *out_type;
      request->number = gtk_editable_get_text (GTK_EDITABLE (self->number_row));
    }
  return TRUE;
}

static const char *
role_text (const char *role)
{
  if (g_strcmp0 (role, "manager") == 0)
    return _("The deal's responsible manager");
  if (g_strcmp0 (role, "head") == 0)
    return _("Head of your group");
  if (g_strcmp0 (role, "director") == 0)
    return _("Director");
  return _("Named in the account's settings");
}

/* Shows the chain the settings choose for the form as it is now. */
static void
update_chain (CrmApprovalDialog *self)
{
  CrmApprovalRequest request = { 0 };
  g_autofree char *type = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) steps = NULL;
  g_autoptr(GString) chain = g_string_new (NULL);
  JsonArray *array;
  guint n;

  gtk_widget_set_visible (GTK_WIDGET (self->discount_group), is_discount (self));
  gtk_widget_set_visible (GTK_WIDGET (self->invoice_group), !is_discount (self));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->reason_row),
                                 is_discount (self) ? _("_Reason") : _("_Comment (optional)"));
  crm_preferences_group_remove_rows (self->chain_group, self->chain_rows);
  g_clear_pointer (&self->chain, g_free);

  if (is_discount (self))
    {
      guint selected = adw_combo_row_get_selected (self->brand_row);
      gint64 now = selected < self->brand_discounts->len
                   ? g_array_index (self->brand_discounts, gint64, selected) : -1;
      g_autofree char *subtitle = now >= 0
        /* Translators: the brand's discount now, under the brand in the request dialog */
        ? g_strdup_printf (_("Now %lld %%"), (long long) now)
        : g_strdup (_("No discount yet"));

      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->brand_row), subtitle);
    }

  if (!read_form (self, &request, &type, &message))
    {
      adw_preferences_group_set_description (self->chain_group, message);
      return;
    }
  steps = crm_approval_preview (crm_context_get_store (self->context),
                                crm_context_get_user_id (self->context), &request, &error);
  if (steps == NULL)
    {
      crm_preferences_group_set_text (self->chain_group, error->message);
      return;
    }
  array = json_node_get_array (steps);
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *step = json_array_get_object_element (array, i);
      const char *name = json_object_get_string_member_with_default (step, "approver", "");
      g_autofree char *title = g_strdup_printf ("%u. %s", i + 1, name);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   role_text (json_object_get_string_member_with_default (step, "role", NULL)));
      adw_preferences_group_add (self->chain_group, row);
      g_ptr_array_add (self->chain_rows, row);
      if (i > 0)
        g_string_append (chain, " → ");
      g_string_append (chain, name);
    }
  self->chain = g_string_free (g_steal_pointer (&chain), FALSE);
  adw_preferences_group_set_description (self->chain_group,
                                         n == 0 ? _("Nobody needs to decide it: it is approved "
                                                    "as soon as it is sent")
                                                : _("They decide one after another; you are told "
                                                    "when it is decided"));
}

char *
crm_approval_dialog_send (CrmApprovalDialog *self)
{
  CrmApprovalRequest request = { 0 };
  g_autofree char *type = NULL;
  g_autofree char *message = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *done = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) approval = NULL;
  char *id;

  g_return_val_if_fail (CRM_IS_APPROVAL_DIALOG (self), NULL);

  set_problem (self, NULL);
  if (!read_form (self, &request, &type, &message))
    {
      set_problem (self, message);
      gtk_widget_grab_focus (GTK_WIDGET (self->amount_row));
      return NULL;
    }
  reason = g_strstrip (g_strdup (request.comment));
  /* what core would say with the command's flags, said about this form */
  if (is_discount (self) && request.brand_id == NULL)
    {
      set_problem (self, _("The account has no brands to discount: an administrator adds "
                           "them as tags of the brand group"));
      return NULL;
    }
  if (is_discount (self) && *reason == '\0')
    {
      set_problem (self, _("Say why the discount should change: the approvers and the "
                           "registry read it"));
      gtk_widget_grab_focus (GTK_WIDGET (self->reason_row));
      return NULL;
    }
  if (!is_discount (self) && (type == NULL || *type == '\0'))
    {
      set_problem (self, _("Choose the invoice's type: it decides who approves it"));
      return NULL;
    }
  if (!is_discount (self) && request.amount < 0)
    {
      set_problem (self, _("Write the invoice's amount"));
      gtk_widget_grab_focus (GTK_WIDGET (self->amount_row));
      return NULL;
    }
  id = crm_approval_request (crm_context_get_store (self->context),
                             crm_context_get_user_id (self->context), &request, &error);
  if (id == NULL)
    {
      set_problem (self, error->message);
      return NULL;
    }
  /* the sync controller pushes after a change, as after any other */
  g_signal_emit_by_name (self->context, "applied");
  crm_context_notify_changed (self->context);
  approval = crm_approval_get (crm_context_get_store (self->context), id, NULL);
  if (approval != NULL &&
      g_strcmp0 (json_object_get_string_member_with_default (approval, "status", NULL), "pending") == 0)
    /* Translators: a toast once a request is sent: who decides first */
    done = g_strdup_printf (_("Sent for approval: it waits for %s"),
                            json_object_get_string_member_with_default (approval, "approver", ""));
  else
    done = g_strdup (_("Approved at once: nobody needs to decide it"));
  crm_widget_show_toast (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))), done);
  return id;
}

void
crm_approval_dialog_set_kind (CrmApprovalDialog *self,
                              const char        *kind)
{
  g_return_if_fail (CRM_IS_APPROVAL_DIALOG (self));
  if (self->deal_id == NULL)
    return;
  adw_combo_row_set_selected (self->kind_row, g_strcmp0 (kind, "invoice") == 0 ? 1 : 0);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CrmApprovalDialog *self = CRM_APPROVAL_DIALOG (widget);
  g_autofree char *id = crm_approval_dialog_send (self);

  if (id != NULL)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
crm_approval_dialog_finalize (GObject *object)
{
  CrmApprovalDialog *self = CRM_APPROVAL_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->brand_ids, g_ptr_array_unref);
  g_clear_pointer (&self->brand_discounts, g_array_unref);
  g_clear_pointer (&self->chain_rows, g_ptr_array_unref);
  g_free (self->deal_id);
  g_free (self->problem);
  g_free (self->chain);
  G_OBJECT_CLASS (crm_approval_dialog_parent_class)->finalize (object);
}

static void
crm_approval_dialog_class_init (CrmApprovalDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_approval_dialog_finalize;
  gtk_widget_class_install_action (widget_class, "dialog.send", NULL, send_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.send", NULL);
}

static void
crm_approval_dialog_init (CrmApprovalDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *send_button = gtk_button_new_with_mnemonic (_("_Send"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *problem = adw_preferences_group_new ();
  GtkWidget *top = adw_preferences_group_new ();
  GtkWidget *reason = adw_preferences_group_new ();
  GtkWidget *discount_row = adw_action_row_new ();
  GtkStringList *kinds = gtk_string_list_new (NULL);

  self->brand_ids = g_ptr_array_new_with_free_func (g_free);
  self->brand_discounts = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->chain_rows = g_ptr_array_new ();
  self->brand_names = gtk_string_list_new (NULL);
  self->type_names = gtk_string_list_new (NULL);

  gtk_window_set_title (GTK_WINDOW (self), _("Request Approval"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 520, 640);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "dialog.cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (send_button), "dialog.send");
  gtk_widget_add_css_class (send_button, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), send_button);
  gtk_box_append (GTK_BOX (box), header);

  self->message_label = crm_problem_label_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (problem), GTK_WIDGET (self->message_label));
  gtk_widget_set_visible (problem, FALSE);

  gtk_string_list_append (kinds, _("A brand's discount"));
  gtk_string_list_append (kinds, _("The deal's invoice"));
  self->kind_row = crm_combo_row_new (_("_What"), kinds);
  g_object_unref (kinds);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->kind_row));

  self->discount_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->brand_row = crm_combo_row_new (_("_Brand"), self->brand_names);
  adw_preferences_group_add (self->discount_group, GTK_WIDGET (self->brand_row));
  self->discount_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 100, 1));
  gtk_widget_set_valign (GTK_WIDGET (self->discount_spin), GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (discount_row), _("New _discount, %"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (discount_row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (discount_row), GTK_WIDGET (self->discount_spin));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (discount_row),
                                         GTK_WIDGET (self->discount_spin));
  adw_preferences_group_add (self->discount_group, discount_row);

  self->invoice_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  self->amount_row = crm_entry_row_new (_("_Amount"));
  self->type_row = crm_combo_row_new (_("Invoice _type"), self->type_names);
  self->number_row = crm_entry_row_new (_("Invoice _number (optional)"));
  adw_preferences_group_add (self->invoice_group, GTK_WIDGET (self->amount_row));
  adw_preferences_group_add (self->invoice_group, GTK_WIDGET (self->type_row));
  adw_preferences_group_add (self->invoice_group, GTK_WIDGET (self->number_row));

  self->reason_row = crm_entry_row_new (_("_Reason"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (reason), GTK_WIDGET (self->reason_row));

  self->chain_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->chain_group, _("Who Decides"));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (problem));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (top));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->discount_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->invoice_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (reason));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->chain_group);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

/* The deal's brands first, then the account's others. */
static void
fill_brands (CrmApprovalDialog *self,
             CrmStore          *store,
             const char        *brand_id)
{
  g_autoptr(JsonNode) mine = self->deal_id != NULL
    ? crm_approval_discounts_for (store, "deal", self->deal_id, NULL) : NULL;
  g_autoptr(JsonNode) all = crm_approval_discounts (store, NULL);
  JsonNode *lists[] = { mine, all };
  guint position = 0;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *array = lists[l] != NULL && JSON_NODE_HOLDS_ARRAY (lists[l])
                         ? json_node_get_array (lists[l]) : NULL;

      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          JsonObject *item = json_array_get_object_element (array, i);
          const char *id = json_object_get_string_member_with_default (item, "brand_id", NULL);
          JsonNode *discount = json_object_get_member (item, "discount");
          gint64 now = discount != NULL && JSON_NODE_HOLDS_VALUE (discount)
                       ? json_node_get_int (discount) : -1;

          if (id == NULL || g_ptr_array_find_with_equal_func (self->brand_ids, id, g_str_equal, NULL))
            continue;
          if (g_strcmp0 (id, brand_id) == 0)
            position = self->brand_ids->len;
          g_ptr_array_add (self->brand_ids, g_strdup (id));
          g_array_append_val (self->brand_discounts, now);
          gtk_string_list_append (self->brand_names,
                                  json_object_get_string_member_with_default (item, "brand", ""));
        }
    }
  adw_combo_row_set_selected (self->brand_row, position);
  if (position < self->brand_discounts->len &&
      g_array_index (self->brand_discounts, gint64, position) >= 0)
    gtk_spin_button_set_value (self->discount_spin,
                               (double) g_array_index (self->brand_discounts, gint64, position));
}

/* The deal's amount and invoice type, and the types the field offers. */
static void
fill_invoice (CrmApprovalDialog *self,
              CrmStore          *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) deal = crm_query_deal (store, self->deal_id, crm_first_error (&error));
  g_autoptr(JsonArray) fields = crm_query_fields (store, "deal", crm_first_error (&error));
  JsonObject *values = deal != NULL && json_object_has_member (deal, "fields")
                       ? json_object_get_object_member (deal, "fields") : NULL;
  const char *current = values != NULL
    ? json_object_get_string_member_with_default (values, "invoice_type", NULL) : NULL;
  const char *amount = deal != NULL
    ? json_object_get_string_member_with_default (deal, "amount", NULL) : NULL;
  gint64 minor = 0;
  guint position = GTK_INVALID_LIST_POSITION;

  if (error != NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the deal"), error);
  if (amount != NULL && crm_money_parse (amount, &minor))
    {
      g_autofree char *input = crm_format_money_for_input (minor);

      gtk_editable_set_text (GTK_EDITABLE (self->amount_row), input);
    }
  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      JsonArray *choices;

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "key", NULL),
                     "invoice_type") != 0 || !json_object_has_member (field, "choices"))
        continue;
      choices = json_object_get_array_member (field, "choices");
      for (guint c = 0; choices != NULL && c < json_array_get_length (choices); c++)
        {
          const char *choice = json_array_get_string_element (choices, c);

          if (g_strcmp0 (choice, current) == 0)
            position = c;
          gtk_string_list_append (self->type_names, choice);
        }
    }
  /* a type the deal has that the field no longer offers is still offered */
  if (current != NULL && position == GTK_INVALID_LIST_POSITION)
    {
      position = g_list_model_get_n_items (G_LIST_MODEL (self->type_names));
      gtk_string_list_append (self->type_names, current);
    }
  adw_combo_row_set_selected (self->type_row, position != GTK_INVALID_LIST_POSITION ? position : 0);
}

CrmApprovalDialog *
crm_approval_dialog_new (GtkWindow  *parent,
                         CrmContext *context,
                         const char *deal_id,
                         const char *brand_id)
{
  CrmApprovalDialog *self = g_object_new (CRM_TYPE_APPROVAL_DIALOG, "transient-for", parent, NULL);
  CrmStore *store = crm_context_get_store (context);

  self->context = g_object_ref (context);
  self->deal_id = g_strdup (deal_id);
  fill_brands (self, store, brand_id);
  if (deal_id != NULL)
    fill_invoice (self, store);
  adw_combo_row_set_selected (self->kind_row, 0);
  /* from a company's page: a brand's discount, not an invoice (that is a deal's) */
  gtk_widget_set_sensitive (GTK_WIDGET (self->kind_row), deal_id != NULL);
  update_chain (self);
  g_signal_connect_swapped (self->kind_row, "notify::selected", G_CALLBACK (update_chain), self);
  g_signal_connect_swapped (self->brand_row, "notify::selected", G_CALLBACK (update_chain), self);
  g_signal_connect_swapped (self->discount_spin, "value-changed", G_CALLBACK (update_chain), self);
  g_signal_connect_swapped (self->amount_row, "changed", G_CALLBACK (update_chain), self);
  g_signal_connect_swapped (self->type_row, "notify::selected", G_CALLBACK (update_chain), self);
  return self;
}
