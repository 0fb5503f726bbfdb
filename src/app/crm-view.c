/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-view.c — the CrmView interface: its properties, and the "reload later and once, or
 * when shown again" every view shares. The reload state lives on the instance as qdata,
 * made the first time a reload is queued or the view marked dirty; from then on the
 * view's "map" flushes it and its "destroy" drops a queued reload. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include "crm-view.h"

G_DEFINE_INTERFACE (CrmView, crm_view, GTK_TYPE_WIDGET)

typedef struct
{
  CrmView  *view;       /* not a reference: the state lives and dies with the view */
  gboolean  dirty;      /* to reload when next mapped */
  guint     idle_id;    /* a reload is queued */
} ReloadState;

static GQuark reload_state_quark;

static void
crm_view_default_init (CrmViewInterface *iface)
{
  reload_state_quark = g_quark_from_static_string ("crm-view-reload-state");

  /**
   * CrmView:context:
   *
   * The window's context: the replica, the user, the header's search and tag filter.
   */
  g_object_interface_install_property (iface,
    g_param_spec_object ("context", NULL, NULL, CRM_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  /**
   * CrmView:title:
   *
   * What the header's title says while the view is shown.
   */
  g_object_interface_install_property (iface,
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  /**
   * CrmView:subtitle:
   *
   * The header's subtitle (counts, sums), or NULL.
   */
  g_object_interface_install_property (iface,
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
}

void
crm_view_class_override_properties (GObjectClass *object_class,
                                    guint         prop_context,
                                    guint         prop_title,
                                    guint         prop_subtitle)
{
  g_object_class_override_property (object_class, prop_context, "context");
  g_object_class_override_property (object_class, prop_title, "title");
  g_object_class_override_property (object_class, prop_subtitle, "subtitle");
}

CrmContext *
crm_view_get_context (CrmView *self)
{
  g_autoptr(CrmContext) context = NULL;

  g_return_val_if_fail (CRM_IS_VIEW (self), NULL);
  g_object_get (self, "context", &context, NULL);
  /* borrowed: the view keeps its own reference */
  return context;
}

void
crm_view_set_context (CrmView    *self,
                      CrmContext *context)
{
  g_return_if_fail (CRM_IS_VIEW (self));
  g_return_if_fail (context == NULL || CRM_IS_CONTEXT (context));
  g_object_set (self, "context", context, NULL);
}

char *
crm_view_dup_title (CrmView *self)
{
  char *title = NULL;

  g_return_val_if_fail (CRM_IS_VIEW (self), NULL);
  g_object_get (self, "title", &title, NULL);
  return title;
}

char *
crm_view_dup_subtitle (CrmView *self)
{
  char *subtitle = NULL;

  g_return_val_if_fail (CRM_IS_VIEW (self), NULL);
  g_object_get (self, "subtitle", &subtitle, NULL);
  return subtitle;
}

void
crm_view_set_key (CrmView    *self,
                  const char *key)
{
  CrmViewInterface *iface;

  g_return_if_fail (CRM_IS_VIEW (self));
  iface = CRM_VIEW_GET_IFACE (self);
  if (iface->set_key != NULL)
    iface->set_key (self, key);
}

/* ---- reload later and once ---- */

static ReloadState *
peek_reload_state (CrmView *self)
{
  return g_object_get_qdata (G_OBJECT (self), reload_state_quark);
}

static void
reload_state_free (gpointer data)
{
  ReloadState *state = data;

  g_clear_handle_id (&state->idle_id, g_source_remove);
  g_free (state);
}

static void
view_mapped_cb (CrmView *self)
{
  if (crm_view_is_dirty (self))
    crm_view_reload (self);
}

static void
view_destroyed_cb (CrmView *self)
{
  ReloadState *state = peek_reload_state (self);

  /* a reload queued now would run on a view whose template is gone */
  g_clear_handle_id (&state->idle_id, g_source_remove);
  state->dirty = FALSE;
}

static ReloadState *
ensure_reload_state (CrmView *self)
{
  ReloadState *state = peek_reload_state (self);

  if (state != NULL)
    return state;
  state = g_new0 (ReloadState, 1);
  state->view = self;
  g_object_set_qdata_full (G_OBJECT (self), reload_state_quark, state, reload_state_free);
  /* after the class's own map: the view is mapped when it reloads */
  g_signal_connect (self, "map", G_CALLBACK (view_mapped_cb), NULL);
  g_signal_connect (self, "destroy", G_CALLBACK (view_destroyed_cb), NULL);
  return state;
}

void
crm_view_reload (CrmView *self)
{
  ReloadState *state;

  g_return_if_fail (CRM_IS_VIEW (self));
  g_return_if_fail (CRM_VIEW_GET_IFACE (self)->reload != NULL);

  state = peek_reload_state (self);
  if (state != NULL)
    {
      state->dirty = FALSE;
      g_clear_handle_id (&state->idle_id, g_source_remove);
    }
  CRM_VIEW_GET_IFACE (self)->reload (self);
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  ReloadState *state = user_data;

  state->idle_id = 0;
  crm_view_reload (state->view);
  return G_SOURCE_REMOVE;
}

void
crm_view_queue_reload (CrmView *self)
{
  ReloadState *state;

  g_return_if_fail (CRM_IS_VIEW (self));

  state = ensure_reload_state (self);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    state->dirty = TRUE;
  else if (state->idle_id == 0)
    state->idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, reload_idle_cb, state, NULL);
}

void
crm_view_mark_dirty (CrmView *self)
{
  g_return_if_fail (CRM_IS_VIEW (self));
  ensure_reload_state (self)->dirty = TRUE;
}

gboolean
crm_view_is_dirty (CrmView *self)
{
  ReloadState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), FALSE);
  state = peek_reload_state (self);
  return state != NULL && state->dirty;
}

gboolean
crm_view_is_reload_queued (CrmView *self)
{
  ReloadState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), FALSE);
  state = peek_reload_state (self);
  return state != NULL && state->idle_id != 0;
}

/* ---- for rows and cards ---- */

CrmContext *
crm_widget_get_context (GtkWidget *widget)
{
  GtkWidget *view;

  g_return_val_if_fail (widget == NULL || GTK_IS_WIDGET (widget), NULL);
  view = widget != NULL ? gtk_widget_get_ancestor (widget, CRM_TYPE_VIEW) : NULL;
  return view != NULL ? crm_view_get_context (CRM_VIEW (view)) : NULL;
}
