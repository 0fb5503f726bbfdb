/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sidebar-row.c — an icon and a title that open a view when activated. */
#define G_LOG_DOMAIN "voronka-app"

#include "crm-sidebar-row.h"

struct _CrmSidebarRow
{
  GtkListBoxRow  parent_instance;

  char          *view;

  GtkImage      *icon;
  GtkLabel      *title_label;
};

G_DEFINE_FINAL_TYPE (CrmSidebarRow, crm_sidebar_row, GTK_TYPE_LIST_BOX_ROW)

static void
crm_sidebar_row_finalize (GObject *object)
{
  CrmSidebarRow *self = CRM_SIDEBAR_ROW (object);

  g_clear_pointer (&self->view, g_free);
  G_OBJECT_CLASS (crm_sidebar_row_parent_class)->finalize (object);
}

static void
crm_sidebar_row_class_init (CrmSidebarRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_sidebar_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-sidebar-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSidebarRow, icon);
  gtk_widget_class_bind_template_child (widget_class, CrmSidebarRow, title_label);
}

static void
crm_sidebar_row_init (CrmSidebarRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmSidebarRow *
crm_sidebar_row_new (const char *view,
                     const char *icon_name,
                     const char *title)
{
  CrmSidebarRow *self = g_object_new (CRM_TYPE_SIDEBAR_ROW, NULL);

  self->view = g_strdup (view);
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_label_set_label (self->title_label, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), title);
  return self;
}

const char *
crm_sidebar_row_get_view (CrmSidebarRow *self)
{
  g_return_val_if_fail (CRM_IS_SIDEBAR_ROW (self), NULL);
  return self->view;
}
