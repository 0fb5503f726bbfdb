/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-contact-dialog.c — a new contact in one change set; the phone is brought to
 * one standard (S4-7) and a number that is not one is refused with a clear message.
 * What the «New …» dialogs share is crm-entity-dialog.c. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-entity-picker.h"
#include "crm-new-contact-dialog.h"
#include "crm-phone.h"
#include "crm-time.h"

struct _CrmNewContactDialog
{
  CrmEntityDialog  parent_instance;

  char            *company_id;

  AdwEntryRow     *name_row;
  AdwEntryRow     *phone_row;
  AdwEntryRow     *email_row;
  AdwActionRow    *company_row;
  CrmEntityPicker *company_picker;
  GtkLabel        *message_label;
};

G_DEFINE_FINAL_TYPE (CrmNewContactDialog, crm_new_contact_dialog, CRM_TYPE_ENTITY_DIALOG)

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
create (CrmEntityDialog  *dialog,
        char            **out_name)
{
  CrmNewContactDialog *self = CRM_NEW_CONTACT_DIALOG (dialog);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *phone_text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->phone_row))));
  g_autofree char *email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  g_autofree char *phone = NULL;
  g_autofree char *id = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  CrmChange *change;

  if (*name == '\0')
    {
      crm_entity_dialog_set_message (dialog, _("Write the contact's name"));
      return NULL;
    }
  if (*phone_text != '\0' && (phone = crm_phone_normalize (phone_text)) == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not a phone number; write it like "
                                                 "+7 912 345-67-89"), phone_text);

      crm_entity_dialog_set_message (dialog, text);
      return NULL;
    }
  if (*email != '\0' && (strchr (email, '@') == NULL || strchr (email, ' ') != NULL))
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not an e-mail address"), email);

      crm_entity_dialog_set_message (dialog, text);
      return NULL;
    }

  id = crm_context_new_id (crm_entity_dialog_get_context (dialog));
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "contact", id);
  crm_change_set_string (change, "name", name);
  crm_change_set_node (change, "phones", one_string_array (phone));
  crm_change_set_node (change, "emails", one_string_array (*email != '\0' ? email : NULL));
  if (self->company_id != NULL)
    crm_change_set_string (change, "company", self->company_id);
  *out_name = g_strdup (name);
  return crm_entity_dialog_apply (dialog, changeset, change, id, name);
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
  g_clear_pointer (&CRM_NEW_CONTACT_DIALOG (object)->company_id, g_free);
  G_OBJECT_CLASS (crm_new_contact_dialog_parent_class)->finalize (object);
}

static void
crm_new_contact_dialog_class_init (CrmNewContactDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  CrmEntityDialogClass *dialog_class = CRM_ENTITY_DIALOG_CLASS (klass);

  object_class->dispose = crm_new_contact_dialog_dispose;
  object_class->finalize = crm_new_contact_dialog_finalize;
  dialog_class->open_action = "win.open-contact";
  dialog_class->create = create;

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
}

static void
crm_new_contact_dialog_init (CrmNewContactDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_entity_dialog_set_message_label (CRM_ENTITY_DIALOG (self), self->message_label);
}

CrmNewContactDialog *
crm_new_contact_dialog_new (GtkWindow  *parent,
                            CrmContext *context)
{
  CrmNewContactDialog *self = g_object_new (CRM_TYPE_NEW_CONTACT_DIALOG, "transient-for", parent, NULL);

  crm_entity_dialog_set_context (CRM_ENTITY_DIALOG (self), context);
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
  return crm_entity_dialog_create (CRM_ENTITY_DIALOG (self), NULL);
}
