/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-task-row.c — one task. Completing opens the "Complete task" dialog (result, next
 * task); ticking a checklist item and picking a new due date write at once through the
 * window's context. In lists of many deals it names the client, with call and copy
 * buttons on the client's phone. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-date-button.h"
#include "crm-deal-actions.h"
#include "crm-format.h"
#include "crm-phone.h"
#include "crm-task-row.h"
#include "crm-undo-actions.h"
#include "crm-time.h"
#include "crm-view.h"

struct _CrmTaskRow
{
  GtkListBoxRow  parent_instance;

  JsonObject    *task;
  gboolean       updating;

  GtkButton     *complete_button;
  GtkLabel      *text_label;
  GtkLabel      *detail_label;
  GtkBox        *checklist_box;
  GtkLabel      *result_label;
  GtkWidget     *deal_button;
  GtkBox        *phone_box;
  CrmDateButton *due_button;
};

G_DEFINE_FINAL_TYPE (CrmTaskRow, crm_task_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
type_label (const char *type)
{
  if (g_strcmp0 (type, "call") == 0)
    return _("Call");
  if (g_strcmp0 (type, "meeting") == 0)
    return _("Meeting");
  return _("Task");
}

static void
complete_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmTaskRow *self = CRM_TASK_ROW (widget);
  CrmContext *context = crm_widget_get_context (widget);

  if (context != NULL && !json_object_get_boolean_member_with_default (self->task, "done", FALSE))
    crm_complete_task (widget, context, crm_task_row_get_task_id (self));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmContext *context = crm_widget_get_context (widget);

  if (context != NULL)
    crm_delete_entity (widget, context, "task", crm_task_row_get_task_id (CRM_TASK_ROW (widget)));
}

static void
open_deal_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmTaskRow *self = CRM_TASK_ROW (widget);
  const char *deal_id = json_object_get_string_member_with_default (self->task, "deal", NULL);

  if (deal_id != NULL)
    gtk_widget_activate_action (widget, "win.open-deal", "s", deal_id);
}

static void
due_changed_cb (CrmTaskRow *self)
{
  CrmContext *context = crm_widget_get_context (GTK_WIDGET (self));
  g_autoptr(CrmChangeset) changeset = NULL;
  CrmChange *change;

  if (context == NULL || self->updating)
    return;
  changeset = crm_changeset_new ();
  change = crm_changeset_touch (changeset, "task", crm_task_row_get_task_id (self));
  crm_task_change_set_due (change, self->due_button, FALSE);
  crm_apply_or_ask (GTK_WIDGET (self), context, changeset, _("Task rescheduled"), NULL);
}

/* Writes the whole checklist with the items as the check buttons show them. */
static void
item_toggled_cb (CrmTaskRow *self)
{
  CrmContext *context = crm_widget_get_context (GTK_WIDGET (self));
  g_autoptr(CrmChangeset) changeset = NULL;
  JsonArray *items;
  JsonNode *node;

  if (context == NULL || self->updating)
    return;
  items = json_array_new ();
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->checklist_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "text", gtk_check_button_get_label (GTK_CHECK_BUTTON (child)));
      json_object_set_boolean_member (item, "done", gtk_check_button_get_active (GTK_CHECK_BUTTON (child)));
      json_array_add_object_element (items, item);
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, items);
  changeset = crm_changeset_new ();
  crm_change_set_node (crm_changeset_touch (changeset, "task", crm_task_row_get_task_id (self)),
                       "checklist", node);
  crm_apply_or_ask (GTK_WIDGET (self), context, changeset, NULL, NULL);
}

static void
fill (CrmTaskRow *self,
      gboolean    show_deal,
      gint64      now_ms)
{
  gboolean done = json_object_get_boolean_member_with_default (self->task, "done", FALSE);
  const char *due_text = json_object_get_string_member_with_default (self->task, "due", NULL);
  const char *deal = json_object_get_string_member_with_default (self->task, "deal_title", NULL);
  const char *who = json_object_get_string_member_with_default (self->task, "responsible", NULL);
  const char *result = json_object_get_string_member_with_default (self->task, "result", NULL);
  const char *client = json_object_get_string_member_with_default (self->task, "client", NULL);
  const char *phone = json_object_get_string_member_with_default (self->task, "client_phone", NULL);
  JsonArray *checklist = json_object_has_member (self->task, "checklist")
                         ? json_object_get_array_member (self->task, "checklist") : NULL;
  g_autoptr(GString) detail = g_string_new (type_label (json_object_get_string_member_with_default (self->task, "type", NULL)));
  gint64 due = 0;

  self->updating = TRUE;
  gtk_label_set_label (self->text_label, json_object_get_string_member_with_default (self->task, "text", ""));
  if (show_deal && deal != NULL)
    g_string_append_printf (detail, " · %s", deal);
  /* in lists of many deals: whom to call, with the number one click away */
  if (show_deal && client != NULL)
    {
      g_string_append_printf (detail, " · %s", client);
      if (phone != NULL)
        {
          g_autofree char *shown = crm_format_phone (phone);

          g_string_append_printf (detail, " %s", shown);
          if (!done)
            {
              gtk_box_append (self->phone_box, crm_phone_buttons_new (phone));
              gtk_widget_set_visible (GTK_WIDGET (self->phone_box), TRUE);
            }
        }
    }
  if (who != NULL)
    g_string_append_printf (detail, " · %s", who);
  gtk_label_set_label (self->detail_label, detail->str);

  if (due_text != NULL && crm_time_parse (due_text, &due))
    {
      crm_date_button_set_date_time (self->due_button, due,
                                     json_object_get_boolean_member_with_default (self->task,
                                                                                  "due_has_time",
                                                                                  FALSE));
      if (!done && due < crm_day_start (now_ms))
        gtk_widget_add_css_class (GTK_WIDGET (self), "overdue");
    }
  else
    crm_date_button_clear (self->due_button);

  for (guint i = 0; checklist != NULL && i < json_array_get_length (checklist); i++)
    {
      JsonNode *node = json_array_get_element (checklist, i);
      const char *text = NULL;
      gboolean item_done = FALSE;
      GtkWidget *check;

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          text = json_object_get_string_member_with_default (json_node_get_object (node), "text", "");
          item_done = json_object_get_boolean_member_with_default (json_node_get_object (node), "done", FALSE);
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        text = json_node_get_string (node);
      if (text == NULL)
        continue;
      check = gtk_check_button_new_with_label (text);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), item_done);
      gtk_widget_set_sensitive (check, !done);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (item_toggled_cb), self);
      gtk_box_append (self->checklist_box, check);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checklist_box),
                          gtk_widget_get_first_child (GTK_WIDGET (self->checklist_box)) != NULL);

  if (result != NULL && *result != '\0')
    {
      g_autofree char *text = g_strdup_printf (_("Result: %s"), result);

      gtk_label_set_label (self->result_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->result_label), result != NULL && *result != '\0');

  gtk_widget_set_visible (self->deal_button,
                          show_deal && json_object_get_string_member_with_default (self->task, "deal", NULL) != NULL);
  if (done)
    {
      gtk_button_set_icon_name (self->complete_button, "checkbox-checked-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->complete_button), _("Done"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->due_button), FALSE);
      gtk_widget_add_css_class (GTK_WIDGET (self), "done");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "task.complete", FALSE);
    }
  self->updating = FALSE;
}

static void
crm_task_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_TASK_ROW);
  G_OBJECT_CLASS (crm_task_row_parent_class)->dispose (object);
}

static void
crm_task_row_finalize (GObject *object)
{
  g_clear_pointer (&CRM_TASK_ROW (object)->task, json_object_unref);
  G_OBJECT_CLASS (crm_task_row_parent_class)->finalize (object);
}

static void
crm_task_row_class_init (CrmTaskRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_task_row_dispose;
  object_class->finalize = crm_task_row_finalize;

  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-task-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, complete_button);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, checklist_box);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, result_label);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, deal_button);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, phone_box);
  gtk_widget_class_bind_template_child (widget_class, CrmTaskRow, due_button);
  gtk_widget_class_bind_template_callback (widget_class, due_changed_cb);

  gtk_widget_class_install_action (widget_class, "task.complete", NULL, complete_action);
  gtk_widget_class_install_action (widget_class, "task.open-deal", NULL, open_deal_action);
  gtk_widget_class_install_action (widget_class, "task.delete", NULL, delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "task.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "task.complete", NULL);
}

static void
crm_task_row_init (CrmTaskRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  crm_date_button_set_show_time (self->due_button, TRUE);
}

CrmTaskRow *
crm_task_row_new (JsonObject *task,
                  gboolean    show_deal,
                  gint64      now_ms)
{
  CrmTaskRow *self;

  g_return_val_if_fail (task != NULL, NULL);

  self = g_object_new (CRM_TYPE_TASK_ROW, NULL);
  self->task = json_object_ref (task);
  fill (self, show_deal, now_ms);
  return self;
}

const char *
crm_task_row_get_detail (CrmTaskRow *self)
{
  g_return_val_if_fail (CRM_IS_TASK_ROW (self), NULL);
  return gtk_label_get_label (self->detail_label);
}

const char *
crm_task_row_get_task_id (CrmTaskRow *self)
{
  g_return_val_if_fail (CRM_IS_TASK_ROW (self), NULL);
  return json_object_get_string_member_with_default (self->task, "id", NULL);
}

const char *
crm_task_row_get_text (CrmTaskRow *self)
{
  g_return_val_if_fail (CRM_IS_TASK_ROW (self), NULL);
  return json_object_get_string_member_with_default (self->task, "text", "");
}
