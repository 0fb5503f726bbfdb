/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-company-dialog.c — a new company in one change set; an INN that is not one
 * is refused with a clear message and nothing is written. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-new-company-dialog.h"
#include "crm-widget-util.h"

struct _CrmNewCompanyDialog
{
  AdwWindow    parent_instance;

  CrmContext  *context;

  GtkLabel    *message_label;
  AdwEntryRow *name_row;
  AdwEntryRow *inn_row;
};

G_DEFINE_FINAL_TYPE (CrmNewCompanyDialog, crm_new_company_dialog, ADW_TYPE_WINDOW)

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

static void
set_message (CrmNewCompanyDialog *self,
             const char          *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static char *
create (CrmNewCompanyDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *inn = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->inn_row))));
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  CrmChange *change;

  if (*name == '\0')
    {
      set_message (self, _("Write the company's name"));
      return NULL;
    }
  if (*inn != '\0' && !crm_inn_is_valid (inn))
    {
      g_autofree char *text = g_strdup_printf (_("«%s» is not an INN: it has 10 digits "
                                                 "(a company) or 12 (a sole trader)"), inn);

      set_message (self, text);
      return NULL;
    }
  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "company", id);
  crm_change_set_string (change, "name", name);
  if (*inn != '\0')
    crm_change_set_string (change, "inn", inn);
  if (crm_context_get_user_id (self->context) != NULL)
    crm_change_set_string (change, "responsible", crm_context_get_user_id (self->context));
  crm_change_set_int (change, "created_at", crm_context_now (self->context));
  message = g_strdup_printf (_("%s added"), name);
  if (!crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))),
                         self->context, changeset, message, NULL))
    return NULL;
  return g_steal_pointer (&id);
}

char *
crm_new_company_dialog_create (CrmNewCompanyDialog *self,
                               const char          *name,
                               const char          *inn)
{
  g_return_val_if_fail (CRM_IS_NEW_COMPANY_DIALOG (self), NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->inn_row), inn != NULL ? inn : "");
  return create (self);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmNewCompanyDialog *self = CRM_NEW_COMPANY_DIALOG (widget);
  g_autofree char *id = create (self);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (id == NULL)
    return;
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-company", "s", id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
crm_new_company_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_NEW_COMPANY_DIALOG);
  G_OBJECT_CLASS (crm_new_company_dialog_parent_class)->dispose (object);
}

static void
crm_new_company_dialog_finalize (GObject *object)
{
  g_clear_object (&CRM_NEW_COMPANY_DIALOG (object)->context);
  G_OBJECT_CLASS (crm_new_company_dialog_parent_class)->finalize (object);
}

static void
crm_new_company_dialog_class_init (CrmNewCompanyDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_new_company_dialog_dispose;
  object_class->finalize = crm_new_company_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-new-company-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewCompanyDialog, inn_row);

  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_new_company_dialog_init (CrmNewCompanyDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmNewCompanyDialog *
crm_new_company_dialog_new (GtkWindow  *parent,
                            CrmContext *context)
{
  CrmNewCompanyDialog *self = g_object_new (CRM_TYPE_NEW_COMPANY_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  return self;
}
