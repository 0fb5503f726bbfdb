/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-company-dialog.c — a new company in one change set; an INN that is not one
 * is refused with a clear message and nothing is written. What the «New …» dialogs share
 * is crm-entity-dialog.c. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-new-company-dialog.h"

struct _CrmNewCompanyDialog
{
  CrmEntityDialog  parent_instance;

  GtkLabel        *message_label;
  AdwEntryRow     *name_row;
  AdwEntryRow     *inn_row;
};

G_DEFINE_FINAL_TYPE (CrmNewCompanyDialog, crm_new_company_dialog, CRM_TYPE_ENTITY_DIALOG)

gboolean
crm_inn_is_valid (const char *text)
{
  size_t length = text != NULL ? strlen (text) : 0;

  if (length != 10 && length != 12)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static char *
create (CrmEntityDialog  *dialog,
        char            **out_name)
{
  CrmNewCompanyDialog *self = CRM_NEW_COMPANY_DIALOG (dialog);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *inn = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->inn_row))));
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  if (*name == '\0')
    {
      crm_entity_dialog_set_message (dialog, _("Write the company's name"));
      return NULL;
    }
  if (*inn != '\0' && !crm_inn_is_valid (inn))
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not an INN: it has 10 digits "
                                                 "(a company) or 12 (a sole trader)"), inn);

      crm_entity_dialog_set_message (dialog, text);
      return NULL;
    }
  id = crm_context_new_id (crm_entity_dialog_get_context (dialog));
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "company", id);
  crm_change_set_string (change, "name", name);
  if (*inn != '\0')
    crm_change_set_string (change, "inn", inn);
  *out_name = g_strdup (name);
  return crm_entity_dialog_apply (dialog, changeset, change, id, name);
}

void
crm_new_company_dialog_fill (CrmNewCompanyDialog *self,
                             const char          *name,
                             const char          *inn)
{
  g_return_if_fail (CRM_IS_NEW_COMPANY_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->inn_row), inn != NULL ? inn : "");
}

char *
crm_new_company_dialog_create (CrmNewCompanyDialog *self,
                               const char          *name,
                               const char          *inn)
{
  g_return_val_if_fail (CRM_IS_NEW_COMPANY_DIALOG (self), NULL);

  crm_new_company_dialog_fill (self, name, inn);
  return crm_entity_dialog_create (CRM_ENTITY_DIALOG (self), NULL);
}

static void
crm_new_company_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_NEW_COMPANY_DIALOG);
  G_OBJECT_CLASS (crm_new_company_dialog_parent_class)->dispose (object);
}

static void
crm_new_company_dialog_class_init (CrmNewCompanyDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  CrmEntityDialogClass *dialog_class = CRM_ENTITY_DIALOG_CLASS (klass);

  object_class->dispose = crm_new_company_dialog_dispose;
  dialog_class->open_action = "win.open-company";
  dialog_class->create = create;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-new-company-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, inn_row);
}

static void
crm_new_company_dialog_init (CrmNewCompanyDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_entity_dialog_set_message_label (CRM_ENTITY_DIALOG (self), self->message_label);
}

CrmNewCompanyDialog *
crm_new_company_dialog_new (GtkWindow  *parent,
                            CrmContext *context)
{
  CrmNewCompanyDialog *self = g_object_new (CRM_TYPE_NEW_COMPANY_DIALOG, "transient-for", parent, NULL);

  crm_entity_dialog_set_context (CRM_ENTITY_DIALOG (self), context);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  return self;
}
