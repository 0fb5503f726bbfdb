/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-dialog.c — the shared part of the «New …» dialogs (crm-entity-dialog.h). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-entity-dialog.h"
#include "crm-widget-util.h"

typedef struct
{
  CrmContext *context;
  GtkLabel   *message_label;
} CrmEntityDialogPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (CrmEntityDialog, crm_entity_dialog, ADW_TYPE_WINDOW)

enum {
  CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

CrmContext *
crm_entity_dialog_get_context (CrmEntityDialog *self)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (self);

  g_return_val_if_fail (CRM_IS_ENTITY_DIALOG (self), NULL);
  return priv->context;
}

void
crm_entity_dialog_set_context (CrmEntityDialog *self,
                               CrmContext      *context)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (self);

  g_return_if_fail (CRM_IS_ENTITY_DIALOG (self));
  g_set_object (&priv->context, context);
}

void
crm_entity_dialog_set_message_label (CrmEntityDialog *self,
                                     GtkLabel        *label)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (self);

  g_return_if_fail (CRM_IS_ENTITY_DIALOG (self));
  priv->message_label = label;
}

void
crm_entity_dialog_set_message (CrmEntityDialog *self,
                               const char      *message)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (self);

  g_return_if_fail (CRM_IS_ENTITY_DIALOG (self));
  if (priv->message_label == NULL)
    return;
  gtk_label_set_label (priv->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (priv->message_label), message != NULL);
}

char *
crm_entity_dialog_apply (CrmEntityDialog *self,
                         CrmChangeset    *changeset,
                         CrmChange       *change,
                         const char      *id,
                         const char      *name)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (self);
  g_autofree char *message = NULL;

  g_return_val_if_fail (CRM_IS_ENTITY_DIALOG (self), NULL);

  if (crm_context_get_user_id (priv->context) != NULL)
    crm_change_set_string (change, "responsible", crm_context_get_user_id (priv->context));
  crm_change_set_int (change, "created_at", crm_context_now (priv->context));
  message = g_strdup_printf (_("%s added"), name);
  if (!crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))),
                         priv->context, changeset, message, NULL))
    return NULL;
  return g_strdup (id);
}

char *
crm_entity_dialog_create (CrmEntityDialog  *self,
                          char            **out_name)
{
  g_autofree char *name = NULL;
  char *id;

  g_return_val_if_fail (CRM_IS_ENTITY_DIALOG (self), NULL);

  id = CRM_ENTITY_DIALOG_GET_CLASS (self)->create (self, &name);
  if (id != NULL)
    crm_entity_dialog_set_message (self, NULL);
  if (out_name != NULL)
    *out_name = g_steal_pointer (&name);
  return id;
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmEntityDialog *self = CRM_ENTITY_DIALOG (widget);
  g_autofree char *name = NULL;
  g_autofree char *id = crm_entity_dialog_create (self, &name);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (id == NULL)
    return;
  /* asked for by a picker: it is picked there; else its page opens */
  if (g_signal_has_handler_pending (self, signals[CREATED], 0, FALSE))
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      g_signal_emit (self, signals[CREATED], 0, id, name);
    }
  else if (parent != NULL && CRM_ENTITY_DIALOG_GET_CLASS (self)->open_action != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), CRM_ENTITY_DIALOG_GET_CLASS (self)->open_action,
                                "s", id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
crm_entity_dialog_dispose (GObject *object)
{
  CrmEntityDialogPrivate *priv = crm_entity_dialog_get_instance_private (CRM_ENTITY_DIALOG (object));

  g_clear_object (&priv->context);
  priv->message_label = NULL;
  G_OBJECT_CLASS (crm_entity_dialog_parent_class)->dispose (object);
}

static void
crm_entity_dialog_class_init (CrmEntityDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_entity_dialog_dispose;

  /* The entity was added: its id and name. With a handler connected the dialog does not
   * open the entity's page. */
  signals[CREATED] = g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_entity_dialog_init (CrmEntityDialog *self)
{
}
