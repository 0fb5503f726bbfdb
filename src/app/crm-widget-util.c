/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-widget-util.c — small helpers for the app's widget classes: what the views, pages
 * and dialogs would otherwise each write again. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include "crm-widget-util.h"

/* ---- reload later and once ---- */

void
crm_lazy_reload_init (CrmLazyReload *self,
                      GtkWidget     *widget,
                      CrmReloadFunc  reload)
{
  self->widget = widget;
  self->reload = reload;
  self->dirty = FALSE;
  self->idle_id = 0;
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  CrmLazyReload *self = user_data;

  self->idle_id = 0;
  self->reload (self->widget);
  return G_SOURCE_REMOVE;
}

void
crm_lazy_reload_queue (CrmLazyReload *self)
{
  if (!gtk_widget_get_mapped (self->widget))
    self->dirty = TRUE;
  else if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, reload_idle_cb, self, NULL);
}

gboolean
crm_lazy_reload_flush (CrmLazyReload *self)
{
  if (!self->dirty)
    return FALSE;
  self->reload (self->widget);
  return TRUE;
}

void
crm_lazy_reload_cancel (CrmLazyReload *self)
{
  g_clear_handle_id (&self->idle_id, g_source_remove);
}

/* ---- the "context" property ---- */

GParamSpec *
crm_context_param_spec (void)
{
  return g_param_spec_object ("context", NULL, NULL, CRM_TYPE_CONTEXT,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

GParamSpec *
crm_readable_string_param_spec (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

gboolean
crm_widget_swap_context (GtkWidget   *widget,
                         CrmContext **slot,
                         CrmContext  *context)
{
  if (*slot == context)
    return FALSE;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, widget);
  g_set_object (slot, context);
  return TRUE;
}

/* ---- lists and rows ---- */

void
crm_list_box_remove_all (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

void
crm_preferences_group_remove_rows (AdwPreferencesGroup *group,
                                   GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

GtkWidget *
crm_text_row_new (const char *title,
                  const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

void
crm_row_set_action (GtkWidget  *row,
                    const char *action_name,
                    const char *target)
{
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", target);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
}

GtkWidget *
crm_placeholder_row_new (const char *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  gtk_widget_add_css_class (row, "dim-label");
  return row;
}

guint
crm_fill_choices (GtkStringList *names,
                  GPtrArray     *ids,
                  JsonArray     *items,
                  const char    *selected_id,
                  guint          otherwise)
{
  guint selected = otherwise;

  g_ptr_array_set_size (ids, 0);
  gtk_string_list_splice (names, 0, g_list_model_get_n_items (G_LIST_MODEL (names)), NULL);
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      gtk_string_list_append (names, json_object_get_string_member (item, "name"));
      g_ptr_array_add (ids, g_strdup (json_object_get_string_member (item, "id")));
      if (g_strcmp0 (json_object_get_string_member (item, "id"), selected_id) == 0)
        selected = i;
    }
  return selected;
}

/* ---- dialogs ---- */

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gtk_window_destroy (GTK_WINDOW (widget));
}

void
crm_window_class_install_cancel (GtkWidgetClass *widget_class,
                                 const char     *action_name)
{
  gtk_widget_class_install_action (widget_class, action_name, NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, action_name, NULL);
}
