/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-task-dialog.c — a new task in one change set, for the current user (managers
 * and admins may choose another: the rights in crm-validate.c agree); a deal is
 * optional (core and the server take a task without one: crm-validate.c judges it by
 * its responsible). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-date-button.h"
#include "crm-deal-actions.h"
#include "crm-entity-picker.h"
#include "crm-new-task-dialog.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmNewTaskDialog
{
  AdwWindow        parent_instance;

  CrmContext      *context;
  char            *deal_id;
  GPtrArray       *user_ids;      /* of responsible_row's names */

  GtkLabel        *message_label;
  AdwEntryRow     *text_row;
  AdwComboRow     *type_row;
  AdwComboRow     *responsible_row;
  GtkStringList   *user_names;
  CrmDateButton   *due_button;
  AdwActionRow    *deal_row;
  GtkWidget       *deal_clear_button;
  CrmEntityPicker *deal_picker;
};

G_DEFINE_FINAL_TYPE (CrmNewTaskDialog, crm_new_task_dialog, ADW_TYPE_WINDOW)

/* The kinds in the order of the "Kind" row. */
static const char *const task_types[] = { "call", "meeting", "task" };

static void
set_message (CrmNewTaskDialog *self,
             const char       *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
show_deal (CrmNewTaskDialog *self,
           const char       *title)
{
  adw_action_row_set_subtitle (self->deal_row, title != NULL ? title : _("None: a task of its own"));
  gtk_widget_set_visible (self->deal_clear_button, self->deal_id != NULL);
}

static void
deal_picked_cb (CrmNewTaskDialog *self,
                const char       *deal_id,
                const char       *title)
{
  g_free (self->deal_id);
  self->deal_id = g_strdup (deal_id);
  show_deal (self, title);
}

static void
deal_cleared_cb (CrmNewTaskDialog *self)
{
  g_clear_pointer (&self->deal_id, g_free);
  show_deal (self, NULL);
}

void
crm_new_task_dialog_set_deal (CrmNewTaskDialog *self,
                              const char       *deal_id)
{
  g_autoptr(JsonObject) deal = NULL;

  g_return_if_fail (CRM_IS_NEW_TASK_DIALOG (self));

  if (deal_id != NULL)
    deal = crm_store_dup_entity (crm_context_get_store (self->context), "deal", deal_id);
  if (deal == NULL)
    {
      deal_cleared_cb (self);
      return;
    }
  deal_picked_cb (self, deal_id, json_object_get_string_member_with_default (deal, "title", ""));
}

const char *
crm_new_task_dialog_get_deal (CrmNewTaskDialog *self)
{
  g_return_val_if_fail (CRM_IS_NEW_TASK_DIALOG (self), NULL);
  return self->deal_id;
}

void
crm_new_task_dialog_set_responsible (CrmNewTaskDialog *self,
                                     const char       *user_id)
{
  guint position;

  g_return_if_fail (CRM_IS_NEW_TASK_DIALOG (self));

  for (position = 0; position < self->user_ids->len; position++)
    if (g_strcmp0 (self->user_ids->pdata[position], user_id) == 0)
      {
        adw_combo_row_set_selected (self->responsible_row, position);
        return;
      }
}

const char *
crm_new_task_dialog_get_responsible (CrmNewTaskDialog *self)
{
  guint selected;

  g_return_val_if_fail (CRM_IS_NEW_TASK_DIALOG (self), NULL);

  selected = adw_combo_row_get_selected (self->responsible_row);
  if (selected >= self->user_ids->len)
    return crm_context_get_user_id (self->context);
  return self->user_ids->pdata[selected];
}

static char *
create (CrmNewTaskDialog *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->text_row))));
  guint type = adw_combo_row_get_selected (self->type_row);
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  if (*text == '\0')
    {
      set_message (self, _("Write what to do, e.g. «Call about the leasing offer»"));
      gtk_widget_grab_focus (GTK_WIDGET (self->text_row));
      return NULL;
    }
  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_add_task_change (changeset, self->context, id, self->deal_id, text,
                                task_types[MIN (type, G_N_ELEMENTS (task_types) - 1)], FALSE, 0);
  crm_task_change_set_due (change, self->due_button, TRUE);
  if (crm_new_task_dialog_get_responsible (self) != NULL)
    crm_change_set_string (change, "responsible", crm_new_task_dialog_get_responsible (self));
  /* a refusal (the deal is a colleague's) is said in a toast by crm_apply_or_ask */
  if (!crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))), self->context,
                         changeset, _("Task added"), NULL))
    return NULL;
  return g_steal_pointer (&id);
}

char *
crm_new_task_dialog_create (CrmNewTaskDialog *self,
                            const char       *text)
{
  g_return_val_if_fail (CRM_IS_NEW_TASK_DIALOG (self), NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->text_row), text != NULL ? text : "");
  return create (self);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmNewTaskDialog *self = CRM_NEW_TASK_DIALOG (widget);
  g_autofree char *id = create (self);

  if (id != NULL)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
text_activated_cb (CrmNewTaskDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "dialog.create", NULL);
}

static void
crm_new_task_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_NEW_TASK_DIALOG);
  G_OBJECT_CLASS (crm_new_task_dialog_parent_class)->dispose (object);
}

static void
crm_new_task_dialog_finalize (GObject *object)
{
  CrmNewTaskDialog *self = CRM_NEW_TASK_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->deal_id, g_free);
  g_clear_pointer (&self->user_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_new_task_dialog_parent_class)->finalize (object);
}

static void
crm_new_task_dialog_class_init (CrmNewTaskDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_new_task_dialog_dispose;
  object_class->finalize = crm_new_task_dialog_finalize;

  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  g_type_ensure (CRM_TYPE_ENTITY_PICKER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-new-task-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, text_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, type_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, responsible_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, user_names);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, due_button);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, deal_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, deal_clear_button);
  gtk_widget_class_bind_template_child (widget_class, CrmNewTaskDialog, deal_picker);
  gtk_widget_class_bind_template_callback (widget_class, deal_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, deal_cleared_cb);
  gtk_widget_class_bind_template_callback (widget_class, text_activated_cb);

  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_new_task_dialog_init (CrmNewTaskDialog *self)
{
  self->user_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_date_button_set_show_time (self->due_button, TRUE);
}

CrmNewTaskDialog *
crm_new_task_dialog_new (GtkWindow  *parent,
                         CrmContext *context)
{
  CrmNewTaskDialog *self = g_object_new (CRM_TYPE_NEW_TASK_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  crm_entity_picker_setup (self->deal_picker, context, "deal");
  /* a call, due tomorrow as on the deal page: what a rep adds most from the Tasks view */
  adw_combo_row_set_selected (self->type_row, 0);
  crm_date_button_set_date (self->due_button, crm_context_now (context) + CRM_MS_PER_DAY);
  /* for me by default; an administrator or a head of sales may give it to someone else */
  adw_combo_row_set_selected (self->responsible_row,
                              crm_fill_user_choices (self->user_names, self->user_ids,
                                                     crm_context_get_users (context),
                                                crm_context_get_user_id (context), 0));
  gtk_widget_set_sensitive (GTK_WIDGET (self->responsible_row), crm_context_is_manager (context));
  gtk_widget_grab_focus (GTK_WIDGET (self->text_row));
  return self;
}
