/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-contact-dialog.c — a new contact in one change set; the phone is brought to
 * one standard (S4-7) and a number that is not one is refused with a clear message. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-entity-picker.h"
#include "crm-new-contact-dialog.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmNewContactDialog
{
  AdwWindow        parent_instance;

  CrmContext      *context;
  char            *company_id;

  AdwEntryRow     *name_row;
  AdwEntryRow     *phone_row;
  AdwEntryRow     *email_row;
  AdwActionRow    *company_row;
  CrmEntityPicker *company_picker;
  GtkLabel        *message_label;
};

G_DEFINE_FINAL_TYPE (CrmNewContactDialog, crm_new_contact_dialog, ADW_TYPE_WINDOW)

enum {
  CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_message (CrmNewContactDialog *self,
             const char          *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
company_picked_cb (CrmNewContactDialog *self,
                   const char          *company_id,
                   const char          *name)
{
  g_free (self->company_id);
  self->company_id = g_strdup (company_id);
  adw_action_row_set_subtitle (self->company_row, name);
}

static JsonNode *
one_string_array (const char *text)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  if (text != NULL)
    json_array_add_string_element (array, text);
  json_node_take_array (node, array);
  return node;
}

static char *
create (CrmNewContactDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *phone_text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->phone_row))));
  g_autofree char *email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  g_autofree char *phone = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  CrmChange *change;

  if (*name == '\0')
    {
      set_message (self, _("Write the contact's name"));
      return NULL;
    }
  if (*phone_text != '\0' && (phone = crm_phone_normalize (phone_text)) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not a phone number; write it like "
                                                 "+7 912 345-67-89"), phone_text);

      set_message (self, text);
      return NULL;
    }
  if (*email != '\0' && (strchr (email, '@') == NULL || strchr (email, ' ') != NULL))
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not an e-mail address"), email);

      set_message (self, text);
      return NULL;
    }

  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "contact", id);
  crm_change_set_string (change, "name", name);
  crm_change_set_node (change, "phones", one_string_array (phone));
  crm_change_set_node (change, "emails", one_string_array (*email != '\0' ? email : NULL));
  if (self->company_id != NULL)
    crm_change_set_string (change, "company", self->company_id);
  if (crm_context_get_user_id (self->context) != NULL)
    crm_change_set_string (change, "responsible", crm_context_get_user_id (self->context));
  crm_change_set_int (change, "created_at", crm_context_now (self->context));
  message = g_strdup_printf (_("%s added"), name);
  if (!crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))),
                         self->context, changeset, message, NULL))
    return NULL;
  return g_steal_pointer (&id);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmNewContactDialog *self = CRM_NEW_CONTACT_DIALOG (widget);
  g_autofree char *id = create (self);
  g_autofree char *name = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (id == NULL)
    return;
  /* asked for by a picker: the contact is picked there; else its page opens */
  if (g_signal_has_handler_pending (self, signals[CREATED], 0, FALSE))
    {
      name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      g_signal_emit (self, signals[CREATED], 0, id, name);
    }
  else if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-contact", "s", id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
crm_new_contact_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_NEW_CONTACT_DIALOG);
  G_OBJECT_CLASS (crm_new_contact_dialog_parent_class)->dispose (object);
}

static void
crm_new_contact_dialog_finalize (GObject *object)
{
  CrmNewContactDialog *self = CRM_NEW_CONTACT_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->company_id, g_free);
  G_OBJECT_CLASS (crm_new_contact_dialog_parent_class)->finalize (object);
}

static void
crm_new_contact_dialog_class_init (CrmNewContactDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_new_contact_dialog_dispose;
  object_class->finalize = crm_new_contact_dialog_finalize;

  /* The contact was added: its id and name. With a handler connected the dialog does
   * not open the contact's page. */
  signals[CREATED] = g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (CRM_TYPE_ENTITY_PICKER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-new-contact-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, email_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, company_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, company_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmNewContactDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, company_picked_cb);

  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_new_contact_dialog_init (CrmNewContactDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmNewContactDialog *
crm_new_contact_dialog_new (GtkWindow  *parent,
                            CrmContext *context)
{
  CrmNewContactDialog *self = g_object_new (CRM_TYPE_NEW_CONTACT_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  crm_entity_picker_setup (self->company_picker, context, "company");
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  return self;
}

void
crm_new_contact_dialog_fill (CrmNewContactDialog *self,
                             const char          *name,
                             const char          *phone,
                             const char          *email)
{
  g_return_if_fail (CRM_IS_NEW_CONTACT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->phone_row), phone != NULL ? phone : "");
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email != NULL ? email : "");
}

char *
crm_new_contact_dialog_create (CrmNewContactDialog *self,
                               const char          *name,
                               const char          *phone,
                               const char          *email)
{
  g_return_val_if_fail (CRM_IS_NEW_CONTACT_DIALOG (self), NULL);

  crm_new_contact_dialog_fill (self, name, phone, email);
  return create (self);
}
