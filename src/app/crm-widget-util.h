/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-widget-util.h — small helpers for the app's widget classes. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A GtkWidget subclass whose template has one plain child (a box, a stack) must unparent
 * it in dispose: gtk_widget_dispose_template() only clears bound children. */
static inline void
crm_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

G_END_DECLS
