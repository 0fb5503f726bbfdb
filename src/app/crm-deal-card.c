/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-card.c — a board card. Its actions (card.move-previous, card.move-next,
 * card.move-menu, card.open) hand the work to the board's actions up the widget tree
 * (board.move-deal, board.move-deal-by); a drag carries the deal id as a string. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-context.h"
#include "crm-deal-card.h"
#include "crm-undo-actions.h"
#include "crm-format.h"
#include "crm-view.h"

struct _CrmDealCard
{
  GtkListBoxRow  parent_instance;

  CrmRecord     *card;

  GtkLabel      *title_label;
  GtkImage      *warning_icon;
  GtkMenuButton *move_button;
  GtkLabel      *amount_label;
  GtkLabel      *contact_label;
  GtkBox        *tag_box;
  GtkWidget     *task_box;
  GtkImage      *task_icon;
  GtkLabel      *task_label;
  GtkLabel      *loss_label;
};

G_DEFINE_FINAL_TYPE (CrmDealCard, crm_deal_card, GTK_TYPE_LIST_BOX_ROW)

static void
move_by (CrmDealCard *self,
         int          direction)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "board.move-deal-by", "(si)",
                              crm_deal_card_get_deal_id (self), direction);
}

static void
move_previous_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  move_by (CRM_DEAL_CARD (widget), -1);
}

static void
move_next_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  move_by (CRM_DEAL_CARD (widget), 1);
}

static void
move_menu_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gtk_menu_button_popup (CRM_DEAL_CARD (widget)->move_button);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  gtk_widget_activate_action (widget, "win.open-deal", "s",
                              crm_deal_card_get_deal_id (CRM_DEAL_CARD (widget)));
}

static void
collect_focusable (GtkWidget *widget,
                   GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (gtk_widget_get_focusable (child) && gtk_widget_get_visible (child) &&
          gtk_widget_get_sensitive (child))
        g_ptr_array_add (found, child);
      collect_focusable (child, found);
    }
}

/* Home and End in the stage menu go to its first and last stage, as in any list
 * (GtkPopoverMenu of GTK 4.8 knows only the arrows). */
static gboolean
menu_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     GtkWidget             *popover)
{
  g_autoptr(GPtrArray) items = NULL;

  if (keyval != GDK_KEY_Home && keyval != GDK_KEY_End && keyval != GDK_KEY_KP_Home &&
      keyval != GDK_KEY_KP_End)
    return FALSE;
  items = g_ptr_array_new ();
  collect_focusable (popover, items);
  if (items->len == 0)
    return FALSE;
  gtk_widget_grab_focus (g_ptr_array_index (items, keyval == GDK_KEY_Home ||
                                                   keyval == GDK_KEY_KP_Home ? 0 : items->len - 1));
  return TRUE;
}

/* "Move to…": the other stages of the deal's pipeline, built when opened. */
static void
create_move_menu (GtkMenuButton *button,
                  gpointer       user_data)
{
  CrmDealCard *self = user_data;
  CrmContext *context = crm_widget_get_context (GTK_WIDGET (self));
  g_autoptr(GMenu) menu = g_menu_new ();
  const char *stage_id = crm_record_get_string (self->card, "stage_id", NULL);
  JsonObject *pipeline = NULL;
  JsonArray *stages;

  if (context == NULL)
    return;
  crm_context_find_stage (context, stage_id, &pipeline);
  stages = pipeline != NULL ? json_object_get_array_member (pipeline, "stages") : NULL;
  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = json_array_get_object_element (stages, i);
      const char *id = json_object_get_string_member (stage, "id");
      g_autoptr(GMenuItem) item = NULL;

      if (g_strcmp0 (id, stage_id) == 0)
        continue;
      item = g_menu_item_new (json_object_get_string_member_with_default (stage, "name", ""), NULL);
      g_menu_item_set_action_and_target_value (item, "board.move-deal",
                                               g_variant_new ("(ss)",
                                                              crm_deal_card_get_deal_id (self), id));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
  {
    GtkPopover *popover = gtk_menu_button_get_popover (button);

    if (popover != NULL && g_object_get_data (G_OBJECT (popover), "crm-home-end") == NULL)
      {
        GtkEventController *keys = gtk_event_controller_key_new ();

        gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
        g_signal_connect (keys, "key-pressed", G_CALLBACK (menu_key_pressed_cb), popover);
        gtk_widget_add_controller (GTK_WIDGET (popover), keys);
        g_object_set_data (G_OBJECT (popover), "crm-home-end", GINT_TO_POINTER (1));
      }
  }
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmContext *context = crm_widget_get_context (widget);

  if (context != NULL)
    crm_delete_entity (widget, context, "deal", crm_deal_card_get_deal_id (CRM_DEAL_CARD (widget)));
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 CrmDealCard   *self)
{
  return gdk_content_provider_new_typed (G_TYPE_STRING, crm_deal_card_get_deal_id (self));
}

static void
drag_begin_cb (GtkDragSource *source,
               GdkDrag       *drag,
               CrmDealCard   *self)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (self));

  gtk_drag_source_set_icon (source, paintable, 20, 20);
  gtk_widget_add_css_class (GTK_WIDGET (self), "dragged");
  gtk_widget_activate_action (GTK_WIDGET (self), "board.drag-begin", NULL);
}

static void
drag_end_cb (GtkDragSource *source,
             GdkDrag       *drag,
             gboolean       delete_data,
             CrmDealCard   *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self), "dragged");
  gtk_widget_activate_action (GTK_WIDGET (self), "board.drag-end", NULL);
}

static void
add_tag_chip (CrmDealCard *self,
              JsonObject  *tag)
{
  GtkWidget *label = gtk_label_new (json_object_get_string_member_with_default (tag, "name", ""));
  const char *group = json_object_get_string_member_with_default (tag, "group", "other");
  g_autofree char *group_class = g_strconcat ("tag-", group != NULL ? group : "other", NULL);

  gtk_widget_add_css_class (label, "tag-label");
  gtk_widget_add_css_class (label, group_class);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_box_append (self->tag_box, label);
}

static void
fill (CrmDealCard *self,
      gint64       now_ms)
{
  JsonObject *object = crm_record_get_object (self->card);
  JsonArray *tags = json_object_get_array_member (object, "tags");
  const char *contact = crm_record_get_string (self->card, "contact", NULL);
  const char *company = crm_record_get_string (self->card, "company", NULL);
  const char *kind = crm_record_get_string (self->card, "stage_kind", "open");
  gboolean open = g_strcmp0 (kind, "open") == 0 || g_strcmp0 (kind, "unsorted") == 0;
  g_autofree char *who = NULL;

  gtk_label_set_label (self->title_label, crm_record_get_string (self->card, "title", ""));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label),
                               crm_record_get_string (self->card, "title", ""));

  if (crm_record_has (self->card, "amount"))
    {
      g_autofree char *amount = crm_format_money (crm_record_get_int (self->card, "amount", 0),
                                                  crm_record_get_string (self->card, "currency", "RUB"));

      gtk_label_set_label (self->amount_label, amount);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->amount_label), crm_record_has (self->card, "amount"));

  if (contact != NULL && company != NULL)
    who = g_strdup_printf ("%s · %s", contact, company);
  else
    who = g_strdup (contact != NULL ? contact : company);
  gtk_label_set_label (self->contact_label, who != NULL ? who : "");
  gtk_widget_set_visible (GTK_WIDGET (self->contact_label), who != NULL);

  for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
    add_tag_chip (self, json_array_get_object_element (tags, i));
  gtk_widget_set_visible (GTK_WIDGET (self->tag_box), tags != NULL && json_array_get_length (tags) > 0);

  if (crm_record_has (self->card, "next_task"))
    {
      g_autofree char *text = NULL;

      if (crm_record_has (self->card, "next_due"))
        {
          gint64 due = crm_record_get_int (self->card, "next_due", 0);
          g_autofree char *when = crm_format_due (due, now_ms);

          /* Translators: the next task on a card: when · what */
          text = g_strdup_printf (_("%s · %s"), g_strstrip (when),
                                  crm_record_get_string (self->card, "next_task", ""));
          if (due < crm_day_start (now_ms))
            {
              gtk_widget_add_css_class (self->task_box, "overdue");
              gtk_image_set_from_icon_name (self->task_icon, "task-past-due-symbolic");
            }
        }
      else
        text = g_strdup (crm_record_get_string (self->card, "next_task", ""));
      gtk_label_set_label (self->task_label, text);
      gtk_widget_set_visible (self->task_box, TRUE);
    }
  else
    gtk_widget_set_visible (self->task_box, FALSE);

  /* a lost deal says why */
  if (crm_record_has (self->card, "loss_reason"))
    {
      /* Translators: on a lost deal's card: its loss reason */
      g_autofree char *reason = g_strdup_printf (_("Lost: %s"),
                                                 crm_record_get_string (self->card, "loss_reason", ""));

      gtk_label_set_label (self->loss_label, reason);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->loss_label), reason);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->loss_label), crm_record_has (self->card, "loss_reason"));

  gtk_widget_set_visible (GTK_WIDGET (self->warning_icon),
                          open && crm_record_get_int (self->card, "open_tasks", 0) == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  crm_record_get_string (self->card, "title", ""), -1);
}

static void
crm_deal_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_DEAL_CARD);
  G_OBJECT_CLASS (crm_deal_card_parent_class)->dispose (object);
}

static void
crm_deal_card_finalize (GObject *object)
{
  g_clear_object (&CRM_DEAL_CARD (object)->card);
  G_OBJECT_CLASS (crm_deal_card_parent_class)->finalize (object);
}

static void
crm_deal_card_class_init (CrmDealCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_deal_card_dispose;
  object_class->finalize = crm_deal_card_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-deal-card.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, loss_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, warning_icon);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, move_button);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, amount_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, contact_label);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, tag_box);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, task_box);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, task_icon);
  gtk_widget_class_bind_template_child (widget_class, CrmDealCard, task_label);

  gtk_widget_class_install_action (widget_class, "card.move-previous", NULL, move_previous_action);
  gtk_widget_class_install_action (widget_class, "card.move-next", NULL, move_next_action);
  gtk_widget_class_install_action (widget_class, "card.move-menu", NULL, move_menu_action);
  gtk_widget_class_install_action (widget_class, "card.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "card.delete", NULL, delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "card.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "card.move-previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK,
                                       "card.move-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK,
                                       "card.move-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "card.move-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "card.move-menu", NULL);
}

static void
crm_deal_card_init (CrmDealCard *self)
{
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (self->move_button, create_move_menu, self, NULL);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (source, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (source));
}

CrmDealCard *
crm_deal_card_new (CrmRecord *card,
                   gint64     now_ms)
{
  CrmDealCard *self;

  g_return_val_if_fail (CRM_IS_RECORD (card), NULL);

  self = g_object_new (CRM_TYPE_DEAL_CARD, NULL);
  self->card = g_object_ref (card);
  fill (self, now_ms);
  return self;
}

const char *
crm_deal_card_get_deal_id (CrmDealCard *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_CARD (self), NULL);
  return crm_record_get_id (self->card);
}

const char *
crm_deal_card_get_title (CrmDealCard *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_CARD (self), NULL);
  return crm_record_get_string (self->card, "title", "");
}

gboolean
crm_deal_card_get_needs_task (CrmDealCard *self)
{
  g_return_val_if_fail (CRM_IS_DEAL_CARD (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->warning_icon));
}
