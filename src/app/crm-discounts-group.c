/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-discounts-group.c — the brands' discounts on a deal's or a company's page
 * (crm-discounts-group.h), read from core (crm_approval_discounts_for()) on each reload
 * of the page; an administrator's change goes through crm_approval_set_discount(). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-approval.h"
#include "crm-approval-dialog.h"
#include "crm-discounts-group.h"
#include "crm-widget-util.h"

struct _CrmDiscountsGroup
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *entity;
  char                *entity_id;
  GPtrArray           *rows;
};

G_DEFINE_FINAL_TYPE (CrmDiscountsGroup, crm_discounts_group, ADW_TYPE_PREFERENCES_GROUP)

/* ---- an administrator's change ---- */

typedef struct {
  CrmDiscountsGroup *group;
  char              *brand_id;
  GtkSpinButton     *spin;
  GtkEditable       *comment;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->group);
  g_free (change->brand_id);
  g_free (change);
}

static void
change_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    Change           *change)
{
  CrmDiscountsGroup *self = change->group;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "apply") != 0 || self->context == NULL)
    return;
  if (!crm_approval_set_discount (crm_context_get_store (self->context),
                                  crm_context_get_user_id (self->context), change->brand_id,
                                  gtk_spin_button_get_value_as_int (change->spin),
                                  gtk_editable_get_text (change->comment), &error))
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }
  g_signal_emit_by_name (self->context, "applied");
  crm_context_notify_changed (self->context);
  crm_widget_show_toast (GTK_WIDGET (self), _("Discount changed; the registry keeps the change"));
}

static GtkWindow *
ask_change (CrmDiscountsGroup *self,
            const char        *brand_id,
            const char        *brand,
            gint64             now)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new_with_mnemonic (_("New _discount, %"));
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 100, 1);
  GtkWidget *comment = gtk_entry_new ();
  g_autofree char *heading = g_strdup_printf (_("Discount of %s"), brand);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading,
                                              _("The new discount applies to the brand's deals "
                                                "and companies at once, for everyone"));
  Change *change = g_new0 (Change, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), now >= 0 ? (double) now : 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (line), label);
  gtk_box_append (GTK_BOX (line), spin);
  gtk_entry_set_placeholder_text (GTK_ENTRY (comment), _("Why (kept in the registry)"));
  gtk_entry_set_activates_default (GTK_ENTRY (comment), TRUE);
  gtk_box_append (GTK_BOX (box), line);
  gtk_box_append (GTK_BOX (box), comment);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "apply", _("C_hange"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "apply",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "apply");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  change->group = g_object_ref (self);
  change->brand_id = g_strdup (brand_id);
  change->spin = GTK_SPIN_BUTTON (spin);
  change->comment = GTK_EDITABLE (comment);
  g_signal_connect_data (dialog, "response", G_CALLBACK (change_response_cb), change,
                         (GClosureNotify) (void (*) (void)) change_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

GtkWindow *
crm_discounts_group_change (CrmDiscountsGroup *self,
                            const char        *brand_id)
{
  GtkRoot *root;
  CrmApprovalDialog *dialog;

  g_return_val_if_fail (CRM_IS_DISCOUNTS_GROUP (self), NULL);

  if (self->context == NULL || brand_id == NULL)
    return NULL;
  if (crm_context_is_admin (self->context))
    {
      for (guint i = 0; i < self->rows->len; i++)
        if (g_strcmp0 (g_object_get_data (self->rows->pdata[i], "brand-id"), brand_id) == 0)
          return ask_change (self, brand_id,
                             adw_preferences_row_get_title (self->rows->pdata[i]),
                             GPOINTER_TO_INT (g_object_get_data (self->rows->pdata[i],
                                                                 "discount")) - 1);
      return NULL;
    }
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = crm_approval_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                    self->context,
                                    g_strcmp0 (self->entity, "deal") == 0 ? self->entity_id : NULL,
                                    brand_id);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
change_clicked_cb (GtkButton         *button,
                   CrmDiscountsGroup *self)
{
  crm_discounts_group_change (self, g_object_get_data (G_OBJECT (button), "brand-id"));
}

/* ---- the rows ---- */

/* What waits for approval for @brand_id: "12 % asked, waiting for Татьяна Николаева". */
static char *
pending_text (JsonArray  *pending,
              const char *brand_id)
{
  for (guint i = 0; pending != NULL && i < json_array_get_length (pending); i++)
    {
      JsonObject *approval = json_array_get_object_element (pending, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (approval, "status", NULL), "pending") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (approval, "brand_id", NULL), brand_id) == 0)
        /* Translators: under a brand's discount: a change asked that waits: the percent
         * asked, who it waits for */
        return g_strdup_printf (_("%lld %% asked, waiting for %s"),
                                (long long) json_object_get_int_member_with_default (approval, "discount", 0),
                                json_object_get_string_member_with_default (approval, "approver", ""));
    }
  return NULL;
}

void
crm_discounts_group_set_target (CrmDiscountsGroup *self,
                                CrmContext        *context,
                                const char        *entity,
                                const char        *entity_id)
{
  CrmApprovalFilter filter = { CRM_APPROVAL_LIST_ALL, NULL, "discount", NULL };
  g_autoptr(JsonNode) discounts = NULL;
  g_autoptr(JsonNode) approvals = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  gboolean admin;

  g_return_if_fail (CRM_IS_DISCOUNTS_GROUP (self));

  g_set_object (&self->context, context);
  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_free (self->entity_id);
  self->entity_id = g_strdup (entity_id);
  crm_preferences_group_remove_rows (ADW_PREFERENCES_GROUP (self), self->rows);
  if (context == NULL || entity_id == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }
  discounts = crm_approval_discounts_for (crm_context_get_store (context), entity, entity_id,
                                          &error);
  array = discounts != NULL ? json_node_get_array (discounts) : NULL;
  if (array != NULL && json_array_get_length (array) > 0)
    approvals = crm_approval_list (crm_context_get_store (context), &filter, &error);
  if (error != NULL)
    {
      /* the discounts, or the requests waiting for approval, could not be read */
      GtkWidget *row = crm_read_error_row_new (_("Could not read the discounts"), error);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
      array = NULL;
    }
  admin = crm_context_is_admin (context);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *brand_id = json_object_get_string_member_with_default (item, "brand_id", NULL);
      JsonNode *discount = json_object_get_member (item, "discount");
      gint64 now = discount != NULL && JSON_NODE_HOLDS_VALUE (discount) ? json_node_get_int (discount) : -1;
      g_autofree char *value = now >= 0 ? g_strdup_printf ("%lld %%", (long long) now)
                                        : g_strdup (_("none"));
      g_autofree char *pending = pending_text (approvals != NULL ? json_node_get_array (approvals)
                                                                 : NULL, brand_id);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new (value);
      GtkWidget *button = gtk_button_new_with_mnemonic (admin ? _("C_hange…")
                                                              : _("Re_quest…"));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (item, "brand", ""));
      if (pending != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pending);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      g_object_set_data_full (G_OBJECT (button), "brand-id", g_strdup (brand_id), g_free);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, admin ? _("Change the brand's discount for everyone")
                                                 : _("Only an administrator changes a discount; "
                                                     "ask for the change to be approved"));
      g_signal_connect (button, "clicked", G_CALLBACK (change_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      g_object_set_data_full (G_OBJECT (row), "brand-id", g_strdup (brand_id), g_free);
      g_object_set_data (G_OBJECT (row), "discount", GINT_TO_POINTER ((int) now + 1));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), self->rows->len > 0);
}

guint
crm_discounts_group_get_n_brands (CrmDiscountsGroup *self)
{
  g_return_val_if_fail (CRM_IS_DISCOUNTS_GROUP (self), 0);
  return self->rows->len;
}

GtkWidget *
crm_discounts_group_find_row (CrmDiscountsGroup *self,
                              const char        *brand)
{
  g_return_val_if_fail (CRM_IS_DISCOUNTS_GROUP (self), NULL);

  for (guint i = 0; i < self->rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (self->rows->pdata[i]), brand) == 0)
      return self->rows->pdata[i];
  return NULL;
}

static void
crm_discounts_group_dispose (GObject *object)
{
  CrmDiscountsGroup *self = CRM_DISCOUNTS_GROUP (object);

  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_discounts_group_parent_class)->dispose (object);
}

static void
crm_discounts_group_finalize (GObject *object)
{
  CrmDiscountsGroup *self = CRM_DISCOUNTS_GROUP (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_free (self->entity);
  g_free (self->entity_id);
  G_OBJECT_CLASS (crm_discounts_group_parent_class)->finalize (object);
}

static void
crm_discounts_group_class_init (CrmDiscountsGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = crm_discounts_group_dispose;
  G_OBJECT_CLASS (klass)->finalize = crm_discounts_group_finalize;
}

static void
crm_discounts_group_init (CrmDiscountsGroup *self)
{
  self->rows = g_ptr_array_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Discounts"));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
