/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-new-deal-dialog.c — a new deal as one change set: the deal (with its company), its
 * tag links and contact link, through the gate dialog when the chosen stage needs more. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-entity-picker.h"
#include "crm-format.h"
#include "crm-new-deal-dialog.h"
#include "crm-tag-chips.h"
#include "crm-widget-util.h"

struct _CrmNewDealDialog
{
  AdwWindow        parent_instance;

  CrmContext      *context;
  GPtrArray       *pipeline_ids;
  GPtrArray       *stage_ids;
  GPtrArray       *tag_ids;        /* chosen tags */
  char            *contact_id;
  char            *company_id;
  gboolean         updating;

  AdwComboRow     *pipeline_row;
  GtkStringList   *pipeline_names;
  AdwComboRow     *stage_row;
  GtkStringList   *stage_names;
  AdwEntryRow     *title_row;
  AdwEntryRow     *amount_row;
  AdwActionRow    *contact_row;
  CrmEntityPicker *contact_picker;
  AdwActionRow    *company_row;
  CrmEntityPicker *company_picker;
  CrmTagChips     *tag_chips;
  GtkLabel        *message_label;
};

G_DEFINE_FINAL_TYPE (CrmNewDealDialog, crm_new_deal_dialog, ADW_TYPE_WINDOW)

static void
fill_stages (CrmNewDealDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->pipeline_row);
  JsonObject *pipeline = selected < self->pipeline_ids->len
                         ? crm_context_find_pipeline (self->context, g_ptr_array_index (self->pipeline_ids, selected))
                         : NULL;

  adw_combo_row_set_selected (self->stage_row,
                              crm_fill_open_stages (self->stage_names, self->stage_ids, pipeline) > 0
                              ? 0 : GTK_INVALID_LIST_POSITION);
}

static void
pipeline_selected_cb (CrmNewDealDialog *self)
{
  if (!self->updating)
    fill_stages (self);
}

static void
company_picked_cb (CrmNewDealDialog *self,
                   const char       *company_id,
                   const char       *name)
{
  g_free (self->company_id);
  self->company_id = g_strdup (company_id);
  adw_action_row_set_subtitle (self->company_row, name);
}

static void
contact_picked_cb (CrmNewDealDialog *self,
                   const char       *contact_id,
                   const char       *name)
{
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) company = NULL;
  const char *company_id;

  g_free (self->contact_id);
  self->contact_id = g_strdup (contact_id);
  adw_action_row_set_subtitle (self->contact_row, name);
  /* the contact's company comes along unless one was chosen */
  contact = crm_store_dup_entity (crm_context_get_store (self->context), "contact", contact_id);
  company_id = contact != NULL ? json_object_get_string_member_with_default (contact, "company", NULL)
                               : NULL;
  if (self->company_id == NULL && company_id != NULL)
    company = crm_store_dup_entity (crm_context_get_store (self->context), "company", company_id);
  if (company != NULL)
    company_picked_cb (self, company_id, json_object_get_string_member_with_default (company, "name", ""));
}

void
crm_new_deal_dialog_set_contact (CrmNewDealDialog *self,
                                 const char       *contact_id)
{
  g_autoptr(JsonObject) contact = NULL;

  g_return_if_fail (CRM_IS_NEW_DEAL_DIALOG (self));

  contact = crm_store_dup_entity (crm_context_get_store (self->context), "contact", contact_id);
  if (contact != NULL)
    contact_picked_cb (self, contact_id, json_object_get_string_member_with_default (contact, "name", ""));
}

void
crm_new_deal_dialog_set_company (CrmNewDealDialog *self,
                                 const char       *company_id)
{
  g_autoptr(JsonObject) company = NULL;

  g_return_if_fail (CRM_IS_NEW_DEAL_DIALOG (self));

  company = crm_store_dup_entity (crm_context_get_store (self->context), "company", company_id);
  if (company != NULL)
    company_picked_cb (self, company_id, json_object_get_string_member_with_default (company, "name", ""));
}

const char *
crm_new_deal_dialog_get_contact_id (CrmNewDealDialog *self)
{
  g_return_val_if_fail (CRM_IS_NEW_DEAL_DIALOG (self), NULL);
  return self->contact_id;
}

const char *
crm_new_deal_dialog_get_company_id (CrmNewDealDialog *self)
{
  g_return_val_if_fail (CRM_IS_NEW_DEAL_DIALOG (self), NULL);
  return self->company_id;
}

static void
tag_toggled_cb (CrmNewDealDialog *self,
                const char       *tag_id)
{
  crm_tag_chips_toggle_choice (self->tag_chips, self->tag_ids, tag_id);
}

static void
set_message (CrmNewDealDialog *self,
             const char       *message)
{
  gtk_label_set_label (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
open_and_close (CrmNewDealDialog *self,
                const char       *deal_id)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-deal", "s", deal_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
gate_finished_cb (CrmGateDialog    *gate,
                  gboolean          applied,
                  CrmNewDealDialog *self)
{
  if (applied)
    open_and_close (self, g_object_get_data (G_OBJECT (gate), "deal-id"));
}

static char *
create (CrmNewDealDialog *self)
{
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row))));
  g_autofree char *amount = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->amount_row))));
  guint pipeline = adw_combo_row_get_selected (self->pipeline_row);
  guint stage = adw_combo_row_get_selected (self->stage_row);
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  CrmGateDialog *gate = NULL;
  CrmChange *change;
  gint64 minor = 0;
  gint64 now = crm_context_now (self->context);

  if (*title == '\0')
    {
      set_message (self, _("A deal needs a title, e.g. the truck: «Volvo FH 460, 2019»"));
      return NULL;
    }
  if (*amount != '\0' && !crm_parse_money_input (amount, &minor))
    {
      set_message (self, _("The amount is not a number; write it like 5 200 000"));
      return NULL;
    }
  if (pipeline >= self->pipeline_ids->len || stage >= self->stage_ids->len)
    {
      set_message (self, _("Choose a pipeline and a stage"));
      return NULL;
    }

  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "deal", id);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", g_ptr_array_index (self->pipeline_ids, pipeline));
  crm_change_set_string (change, "stage", g_ptr_array_index (self->stage_ids, stage));
  if (*amount != '\0')
    crm_change_set_int (change, "amount", minor);
  crm_change_set_string (change, "currency", "RUB");
  if (crm_context_get_user_id (self->context) != NULL)
    crm_change_set_string (change, "responsible", crm_context_get_user_id (self->context));
  if (self->company_id != NULL)
    crm_change_set_string (change, "company", self->company_id);
  crm_change_set_int (change, "created_at", now);
  crm_change_set_int (change, "stage_entered_at", now);
  for (guint i = 0; i < self->tag_ids->len; i++)
    crm_changeset_set_link (changeset, "deal_tag", "deal", id, "tag",
                            g_ptr_array_index (self->tag_ids, i), TRUE);
  if (self->contact_id != NULL)
    crm_changeset_set_link (changeset, "deal_contact", "deal", id, "contact", self->contact_id, TRUE);

  message = g_strdup_printf (_("Deal «%s» created"), title);
  if (crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))), self->context,
                        changeset, message, &gate))
    return g_steal_pointer (&id);
  if (gate != NULL)
    {
      /* The stage asks for more (a next task, required fields): when that is filled in
       * the deal exists and this dialog's work is done. */
      gtk_window_set_transient_for (GTK_WINDOW (gate), GTK_WINDOW (self));
      g_object_set_data_full (G_OBJECT (gate), "deal-id", g_steal_pointer (&id), g_free);
      g_signal_connect_object (gate, "finished", G_CALLBACK (gate_finished_cb), self, 0);
    }
  return NULL;
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmNewDealDialog *self = CRM_NEW_DEAL_DIALOG (widget);
  g_autofree char *id = create (self);

  if (id != NULL)
    open_and_close (self, id);
}

static void
crm_new_deal_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_NEW_DEAL_DIALOG);
  G_OBJECT_CLASS (crm_new_deal_dialog_parent_class)->dispose (object);
}

static void
crm_new_deal_dialog_finalize (GObject *object)
{
  CrmNewDealDialog *self = CRM_NEW_DEAL_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->pipeline_ids, g_ptr_array_unref);
  g_clear_pointer (&self->stage_ids, g_ptr_array_unref);
  g_clear_pointer (&self->tag_ids, g_ptr_array_unref);
  g_clear_pointer (&self->contact_id, g_free);
  g_clear_pointer (&self->company_id, g_free);
  G_OBJECT_CLASS (crm_new_deal_dialog_parent_class)->finalize (object);
}

static void
crm_new_deal_dialog_class_init (CrmNewDealDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_new_deal_dialog_dispose;
  object_class->finalize = crm_new_deal_dialog_finalize;

  g_type_ensure (CRM_TYPE_ENTITY_PICKER);
  g_type_ensure (CRM_TYPE_TAG_CHIPS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-new-deal-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, pipeline_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, pipeline_names);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, stage_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, stage_names);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, title_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, contact_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, contact_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, company_row);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, company_picker);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, tag_chips);
  gtk_widget_class_bind_template_child (widget_class, CrmNewDealDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, pipeline_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, contact_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, company_picked_cb);
  gtk_widget_class_bind_template_callback (widget_class, tag_toggled_cb);

  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_new_deal_dialog_init (CrmNewDealDialog *self)
{
  self->pipeline_ids = g_ptr_array_new_with_free_func (g_free);
  self->stage_ids = g_ptr_array_new_with_free_func (g_free);
  self->tag_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmNewDealDialog *
crm_new_deal_dialog_new (GtkWindow  *parent,
                         CrmContext *context,
                         const char *pipeline_id)
{
  CrmNewDealDialog *self = g_object_new (CRM_TYPE_NEW_DEAL_DIALOG, "transient-for", parent, NULL);
  JsonArray *pipelines = crm_context_get_pipelines (context);
  guint selected = 0;

  self->context = g_object_ref (context);
  self->updating = TRUE;
  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      gboolean here = g_strcmp0 (json_object_get_string_member (pipeline, "id"), pipeline_id) == 0;

      /* new deals go into the pipelines in use (or the archived one they are opened from) */
      if (!here && json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        continue;
      if (here)
        selected = self->pipeline_ids->len;
      g_ptr_array_add (self->pipeline_ids, g_strdup (json_object_get_string_member (pipeline, "id")));
      gtk_string_list_append (self->pipeline_names, json_object_get_string_member (pipeline, "name"));
    }
  adw_combo_row_set_selected (self->pipeline_row, selected);
  self->updating = FALSE;
  fill_stages (self);
  crm_entity_picker_setup (self->contact_picker, context, "contact");
  crm_entity_picker_setup (self->company_picker, context, "company");
  crm_tag_chips_set_tags (self->tag_chips, crm_context_get_tags (context));
  gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
  return self;
}

char *
crm_new_deal_dialog_create (CrmNewDealDialog *self,
                            const char       *title,
                            const char       *amount)
{
  g_return_val_if_fail (CRM_IS_NEW_DEAL_DIALOG (self), NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->title_row), title);
  gtk_editable_set_text (GTK_EDITABLE (self->amount_row), amount != NULL ? amount : "");
  return create (self);
}
