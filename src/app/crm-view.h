/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-view.h — what every view of the main window is (as gnome-calendar's GcalView): it
 * shows the replica through the window's CrmContext, has a title and a subtitle for the
 * header, and re-reads the replica later and once after a change, or when it is next
 * shown if it was hidden then. The window knows its views only through this interface;
 * a view asks the window for something with an action ("win.open-deal" and an id). */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_VIEW (crm_view_get_type ())
G_DECLARE_INTERFACE (CrmView, crm_view, CRM, VIEW, GtkWidget)

/**
 * CrmViewInterface:
 * @reload: re-reads the replica and rebuilds what the view shows (required). Called
 *   through crm_view_reload(), which also clears a queued or pending reload.
 * @set_key: tells the view which of its things to show, as the window's view key
 *   ("pipeline:ID", "deal:ID", "contact:ID", "company:ID"); optional.
 *
 * An implementation also overrides the properties "context" (read-write), "title" and
 * "subtitle" (read-only strings; NULL is no subtitle) with crm_view_class_override_properties()
 * and notifies the last two (g_object_notify()) when they change.
 */
struct _CrmViewInterface
{
  GTypeInterface parent_iface;

  void (*reload)  (CrmView    *self);
  void (*set_key) (CrmView    *self,
                   const char *key);
};

/* The window's context, borrowed (the view holds it). */
CrmContext *crm_view_get_context        (CrmView    *self);
void        crm_view_set_context        (CrmView    *self,
                                         CrmContext *context);
char       *crm_view_dup_title          (CrmView    *self);
char       *crm_view_dup_subtitle       (CrmView    *self);
void        crm_view_set_key            (CrmView    *self,
                                         const char *key);

/* Reloads now. */
void        crm_view_reload             (CrmView    *self);
/* Queues a reload (high idle priority: the change may come from a widget the reload
 * replaces, and several changes in a row cost one reload); while the view is not
 * shown, marks it dirty instead, and it reloads when it is shown again. */
void        crm_view_queue_reload       (CrmView    *self);
/* Marks the view to reload when it is next shown (a new context). */
void        crm_view_mark_dirty         (CrmView    *self);
gboolean    crm_view_is_dirty           (CrmView    *self);
/* A reload is queued and has not run yet. */
gboolean    crm_view_is_reload_queued   (CrmView    *self);

/* For implementations, in class_init: overrides "context", "title" and "subtitle" with
 * the property ids @prop_context, @prop_title and @prop_subtitle; the class's
 * get_property and set_property implement them. */
void        crm_view_class_override_properties (GObjectClass *object_class,
                                                guint         prop_context,
                                                guint         prop_title,
                                                guint         prop_subtitle);

/* Called after a view's context changed to @context (NULL when it is dropped): for what a
 * view connects to besides the context's "changed". */
typedef void (*CrmViewContextFunc) (CrmView    *self,
                                    CrmContext *context);

/* For implementations, in class_init, after setting get_property and set_property (or
 * leaving them unset when the view has no properties of its own): implements the three
 * CrmView properties for the class, so the view writes none of that code.
 * - "context" lives in the instance's `CrmContext *` field at @context_offset
 *   (G_STRUCT_OFFSET); setting it drops the old context's handlers, connects the new
 *   one's "changed" to crm_view_queue_reload(), marks the view dirty, then calls
 *   @context_set (may be NULL). The view's dispose calls crm_view_set_context (NULL).
 * - "title" is @title translated (mark it with N_()) or, when @title is NULL, what
 *   crm_view_set_title() last set.
 * - "subtitle" is what crm_view_set_subtitle() last set (NULL: none).
 * Their property ids are @first_prop_id and the two after it; the class's own
 * get_property and set_property get the other ids. */
void        crm_view_class_setup        (GObjectClass       *object_class,
                                         guint               first_prop_id,
                                         gsize               context_offset,
                                         const char         *title,
                                         CrmViewContextFunc  context_set);
/* For views set up with crm_view_class_setup(): the header's title and subtitle;
 * "notify" is emitted only when the text changes. */
void        crm_view_set_title          (CrmView    *self,
                                         const char *title);
void        crm_view_set_subtitle       (CrmView    *self,
                                         const char *subtitle);
/* What crm_view_set_title() / crm_view_set_subtitle() last set (borrowed), or NULL. */
const char *crm_view_get_title          (CrmView    *self);
const char *crm_view_get_subtitle       (CrmView    *self);

/* The context of the CrmView @widget is in (or is), or NULL: for rows and cards. */
CrmContext *crm_widget_get_context      (GtkWidget  *widget);

G_END_DECLS
