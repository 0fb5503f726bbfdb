/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-filter-bar.c — follows the context's tag filter; shown only while it is on. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-filter-bar.h"
#include "crm-widget-util.h"

struct _CrmFilterBar
{
  GtkWidget    parent_instance;

  CrmContext  *context;

  GtkRevealer *revealer;
  GtkBox      *chip_box;
};

G_DEFINE_FINAL_TYPE (CrmFilterBar, crm_filter_bar, GTK_TYPE_WIDGET)

static void
chip_clicked_cb (GtkButton    *button,
                 CrmFilterBar *self)
{
  crm_context_toggle_tag_filter (self->context, g_object_get_data (G_OBJECT (button), "tag-id"));
}

static void
update (CrmFilterBar *self)
{
  const char * const *filter = crm_context_get_tag_filter (self->context);
  JsonArray *tags = crm_context_get_tags (self->context);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chip_box))) != NULL)
    gtk_box_remove (self->chip_box, child);

  for (guint i = 0; filter[i] != NULL; i++)
    for (guint j = 0; j < json_array_get_length (tags); j++)
      {
        JsonObject *tag = json_array_get_object_element (tags, j);
        g_autofree char *tooltip = NULL;
        const char *name;
        GtkWidget *chip;

        if (g_strcmp0 (json_object_get_string_member (tag, "id"), filter[i]) != 0)
          continue;
        name = json_object_get_string_member_with_default (tag, "name", "");
        chip = gtk_button_new_with_label (name);
        tooltip = g_strdup_printf (_("Stop filtering by %s"), name);
        gtk_widget_set_tooltip_text (chip, tooltip);
        gtk_widget_add_css_class (chip, "tag-chip");
        gtk_widget_add_css_class (chip, "active");
        g_object_set_data_full (G_OBJECT (chip), "tag-id", g_strdup (filter[i]), g_free);
        g_signal_connect (chip, "clicked", G_CALLBACK (chip_clicked_cb), self);
        gtk_box_append (self->chip_box, chip);
      }
  gtk_revealer_set_reveal_child (self->revealer, filter[0] != NULL);
}

void
crm_filter_bar_set_context (CrmFilterBar *self,
                            CrmContext   *context)
{
  g_return_if_fail (CRM_IS_FILTER_BAR (self));

  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "notify::tag-filter", G_CALLBACK (update), self);
  g_signal_connect_swapped (context, "changed", G_CALLBACK (update), self);
  update (self);
}

static void
crm_filter_bar_dispose (GObject *object)
{
  CrmFilterBar *self = CRM_FILTER_BAR (object);

  crm_filter_bar_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_FILTER_BAR);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_filter_bar_parent_class)->dispose (object);
}

static void
crm_filter_bar_class_init (CrmFilterBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_filter_bar_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/voronka/Voronka/crm-filter-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmFilterBar, revealer);
  gtk_widget_class_bind_template_child (widget_class, CrmFilterBar, chip_box);
}

static void
crm_filter_bar_init (CrmFilterBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
