/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-field-editor.c — one editor per field type in a stack; "changed" is emitted when
 * the person commits a value (Enter or leaving an entry, a choice, a switch, a date). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-date-button.h"
#include "crm-error.h"
#include "crm-field-editor.h"
#include "crm-format.h"
#include "crm-widget-util.h"

struct _CrmFieldEditor
{
  GtkWidget      parent_instance;

  char          *key;
  char          *label;
  char          *type;
  gboolean       updating;

  GtkStack      *stack;
  GtkEntry      *entry;
  GtkDropDown   *dropdown;
  GtkStringList *choices;
  GtkSwitch     *toggle;
  CrmDateButton *date_button;
};

G_DEFINE_FINAL_TYPE (CrmFieldEditor, crm_field_editor, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (CrmFieldEditor *self)
{
  if (!self->updating)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
entry_activate_cb (CrmFieldEditor *self)
{
  emit_changed (self);
}

static void
entry_focus_leave_cb (CrmFieldEditor *self)
{
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->entry), "edited")))
    {
      g_object_set_data (G_OBJECT (self->entry), "edited", NULL);
      emit_changed (self);
    }
}

static void
entry_changed_cb (CrmFieldEditor *self)
{
  if (!self->updating)
    g_object_set_data (G_OBJECT (self->entry), "edited", GINT_TO_POINTER (1));
}

static void
dropdown_selected_cb (CrmFieldEditor *self)
{
  emit_changed (self);
}

static void
switch_active_cb (CrmFieldEditor *self)
{
  emit_changed (self);
}

static void
date_changed_cb (CrmFieldEditor *self)
{
  emit_changed (self);
}

static char *
value_to_text (JsonNode   *value,
               const char *type)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value) || !JSON_NODE_HOLDS_VALUE (value))
    return g_strdup ("");
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (json_node_get_value_type (value) == G_TYPE_INT64)
    {
      if (g_strcmp0 (type, "money") == 0)
        return crm_format_money_for_input (json_node_get_int (value));
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    }
  if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
    return g_strdup_printf ("%g", json_node_get_double (value));
  return g_strdup ("");
}

void
crm_field_editor_set_field (CrmFieldEditor *self,
                            JsonObject     *definition,
                            JsonNode       *value)
{
  const char *type;

  g_return_if_fail (CRM_IS_FIELD_EDITOR (self));
  g_return_if_fail (definition != NULL);

  self->updating = TRUE;
  g_free (self->key);
  g_free (self->label);
  g_free (self->type);
  self->key = g_strdup (json_object_get_string_member_with_default (definition, "key", ""));
  self->label = g_strdup (json_object_get_string_member_with_default (definition, "label",
                                                                      self->key));
  self->type = g_strdup (json_object_get_string_member_with_default (definition, "type", "text"));
  type = self->type;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->label, -1);

  if (g_str_equal (type, "choice"))
    {
      JsonNode *choices = json_object_get_member (definition, "choices");
      JsonArray *array = choices != NULL && JSON_NODE_HOLDS_ARRAY (choices)
                         ? json_node_get_array (choices) : NULL;
      g_autofree char *current = value_to_text (value, type);
      guint selected = 0;

      gtk_string_list_splice (self->choices, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (self->choices)), NULL);
      /* Translators: a drop-down with nothing chosen */
      gtk_string_list_append (self->choices, _("—"));
      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          const char *choice = json_array_get_string_element (array, i);

          if (choice == NULL)
            continue;
          gtk_string_list_append (self->choices, choice);
          if (g_strcmp0 (choice, current) == 0)
            selected = g_list_model_get_n_items (G_LIST_MODEL (self->choices)) - 1;
        }
      gtk_drop_down_set_selected (self->dropdown, selected);
      gtk_stack_set_visible_child_name (self->stack, "choice");
    }
  else if (g_str_equal (type, "bool"))
    {
      gtk_switch_set_active (self->toggle,
                             value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
                             json_node_get_value_type (value) == G_TYPE_BOOLEAN &&
                             json_node_get_boolean (value));
      gtk_stack_set_visible_child_name (self->stack, "bool");
    }
  else if (g_str_equal (type, "date"))
    {
      if (value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_INT64)
        crm_date_button_set_date (self->date_button, json_node_get_int (value));
      else
        crm_date_button_clear (self->date_button);
      gtk_stack_set_visible_child_name (self->stack, "date");
    }
  else
    {
      g_autofree char *text = value_to_text (value, type);

      gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
      gtk_entry_set_input_purpose (self->entry,
                                   g_str_equal (type, "number") || g_str_equal (type, "counter")
                                   ? GTK_INPUT_PURPOSE_NUMBER
                                   : g_str_equal (type, "money") ? GTK_INPUT_PURPOSE_NUMBER
                                   : GTK_INPUT_PURPOSE_FREE_FORM);
      gtk_entry_set_placeholder_text (self->entry,
                                      g_str_equal (type, "money") ? _("Amount, e.g. 1 500 000")
                                      : g_str_equal (type, "number") ? _("A number") : NULL);
      g_object_set_data (G_OBJECT (self->entry), "edited", NULL);
      gtk_stack_set_visible_child_name (self->stack, "entry");
    }
  self->updating = FALSE;
}

const char *
crm_field_editor_get_key (CrmFieldEditor *self)
{
  g_return_val_if_fail (CRM_IS_FIELD_EDITOR (self), NULL);
  return self->key;
}

const char *
crm_field_editor_get_label (CrmFieldEditor *self)
{
  g_return_val_if_fail (CRM_IS_FIELD_EDITOR (self), NULL);
  return self->label;
}

gboolean
crm_field_editor_is_empty (CrmFieldEditor *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_FIELD_EDITOR (self), TRUE);

  if (g_strcmp0 (self->type, "choice") == 0)
    return gtk_drop_down_get_selected (self->dropdown) == 0;
  if (g_strcmp0 (self->type, "bool") == 0)
    return FALSE;
  if (g_strcmp0 (self->type, "date") == 0)
    return !crm_date_button_get_date (self->date_button, NULL);
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  return *text == '\0';
}

gboolean
crm_field_editor_apply_to_change (CrmFieldEditor  *self,
                                  CrmChange       *change,
                                  GError         **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_FIELD_EDITOR (self), FALSE);
  g_return_val_if_fail (change != NULL, FALSE);

  if (g_strcmp0 (self->type, "bool") == 0)
    {
      crm_change_set_bool (change, self->key, gtk_switch_get_active (self->toggle));
      return TRUE;
    }
  if (crm_field_editor_is_empty (self))
    {
      crm_change_set_null (change, self->key);
      return TRUE;
    }
  if (g_strcmp0 (self->type, "choice") == 0)
    {
      guint selected = gtk_drop_down_get_selected (self->dropdown);

      crm_change_set_string (change, self->key,
                             gtk_string_list_get_string (self->choices, selected));
      return TRUE;
    }
  if (g_strcmp0 (self->type, "date") == 0)
    {
      gint64 ms = 0;

      crm_date_button_get_date (self->date_button, &ms);
      crm_change_set_int (change, self->key, ms);
      return TRUE;
    }

  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  if (g_strcmp0 (self->type, "money") == 0)
    {
      gint64 minor;

      if (!crm_parse_money_input (text, &minor))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("«%s»: «%s» is not an amount; write it like 1 500 000 or 1500000,50"),
                       self->label, text);
          return FALSE;
        }
      crm_change_set_int (change, self->key, minor);
    }
  else if (g_strcmp0 (self->type, "number") == 0 || g_strcmp0 (self->type, "counter") == 0)
    {
      gint64 number;

      if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &number, NULL))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("«%s»: «%s» is not a whole number"), self->label, text);
          return FALSE;
        }
      crm_change_set_int (change, self->key, number);
    }
  else
    crm_change_set_string (change, self->key, text);
  return TRUE;
}

void
crm_field_editor_set_text (CrmFieldEditor *self,
                           const char     *text)
{
  g_return_if_fail (CRM_IS_FIELD_EDITOR (self));

  if (g_strcmp0 (self->type, "choice") == 0)
    {
      for (guint i = 1; i < g_list_model_get_n_items (G_LIST_MODEL (self->choices)); i++)
        if (g_strcmp0 (gtk_string_list_get_string (self->choices, i), text) == 0)
          gtk_drop_down_set_selected (self->dropdown, i);
    }
  else if (g_strcmp0 (self->type, "bool") != 0 && g_strcmp0 (self->type, "date") != 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
      g_signal_emit_by_name (self->entry, "activate");
    }
}

static void
crm_field_editor_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_FIELD_EDITOR);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_field_editor_parent_class)->dispose (object);
}

static void
crm_field_editor_finalize (GObject *object)
{
  CrmFieldEditor *self = CRM_FIELD_EDITOR (object);

  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->type, g_free);
  G_OBJECT_CLASS (crm_field_editor_parent_class)->finalize (object);
}

static void
crm_field_editor_class_init (CrmFieldEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_field_editor_dispose;
  object_class->finalize = crm_field_editor_finalize;

  /* The person committed a new value. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (CRM_TYPE_DATE_BUTTON);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-field-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, entry);
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, choices);
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, toggle);
  gtk_widget_class_bind_template_child (widget_class, CrmFieldEditor, date_button);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, dropdown_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, switch_active_cb);
  gtk_widget_class_bind_template_callback (widget_class, date_changed_cb);
}

static void
crm_field_editor_init (CrmFieldEditor *self)
{
  GtkEventController *focus;

  gtk_widget_init_template (GTK_WIDGET (self));
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (entry_focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), focus);
}

GtkWidget *
crm_field_editor_new (void)
{
  return g_object_new (CRM_TYPE_FIELD_EDITOR, NULL);
}

GtkWidget *
crm_field_editor_find (GtkWidget  *root,
                       const char *key)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_FIELD_EDITOR (widget) &&
          g_strcmp0 (crm_field_editor_get_key (CRM_FIELD_EDITOR (widget)), key) == 0)
        {
          g_queue_clear (&queue);
          return widget;
        }
      for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
           c = gtk_widget_get_next_sibling (c))
        g_queue_push_tail (&queue, c);
    }
  return NULL;
}
