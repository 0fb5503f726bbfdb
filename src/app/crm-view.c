/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-view.c — the CrmView interface: its properties (implemented once here for every view
 * class set up with crm_view_class_setup()), and the "reload later and once, or when
 * shown again" every view shares. The reload state, title and subtitle live on the
 * instance as qdata, made the first time they are needed; once a reload was queued or the
 * view marked dirty, the view's "map" flushes it and its "destroy" drops a queued reload. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-view.h"
#include "crm-widget-util.h"

G_DEFINE_INTERFACE (CrmView, crm_view, GTK_TYPE_WIDGET)

typedef struct
{
  CrmView  *view;       /* not a reference: the state lives and dies with the view */
  gboolean  dirty;      /* to reload when next mapped */
  guint     idle_id;    /* a reload is queued */
  gboolean  watching;   /* "map" and "destroy" are connected */
  char     *title;      /* crm_view_set_title() */
  char     *subtitle;   /* crm_view_set_subtitle() */
} ViewState;

/* What crm_view_class_setup() was told, kept on the class's type. */
typedef struct
{
  guint               first_prop_id;
  gsize               context_offset;
  const char         *title;
  CrmViewContextFunc  context_set;
  void              (*get_property) (GObject *, guint, GValue *, GParamSpec *);
  void              (*set_property) (GObject *, guint, const GValue *, GParamSpec *);
} ClassSetup;

static GQuark view_state_quark;
static GQuark class_setup_quark;

static void
crm_view_default_init (CrmViewInterface *iface)
{
  view_state_quark = g_quark_from_static_string ("crm-view-state");
  class_setup_quark = g_quark_from_static_string ("crm-view-class-setup");

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

static ViewState *
peek_state (CrmView *self)
{
  return g_object_get_qdata (G_OBJECT (self), view_state_quark);
}

static void
view_state_free (gpointer data)
{
  ViewState *state = data;

  g_clear_handle_id (&state->idle_id, g_source_remove);
  g_free (state->title);
  g_free (state->subtitle);
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
  ViewState *state = peek_state (self);

  /* a reload queued now would run on a view whose template is gone */
  g_clear_handle_id (&state->idle_id, g_source_remove);
  state->dirty = FALSE;
}

static ViewState *
ensure_state (CrmView *self)
{
  ViewState *state = peek_state (self);

  if (state != NULL)
    return state;
  state = g_new0 (ViewState, 1);
  state->view = self;
  g_object_set_qdata_full (G_OBJECT (self), view_state_quark, state, view_state_free);
  return state;
}

static ViewState *
ensure_reload_state (CrmView *self)
{
  ViewState *state = ensure_state (self);

  if (state->watching)
    return state;
  state->watching = TRUE;
  /* after the class's own map: the view is mapped when it reloads */
  g_signal_connect (self, "map", G_CALLBACK (view_mapped_cb), NULL);
  g_signal_connect (self, "destroy", G_CALLBACK (view_destroyed_cb), NULL);
  return state;
}

void
crm_view_reload (CrmView *self)
{
  ViewState *state;

  g_return_if_fail (CRM_IS_VIEW (self));
  g_return_if_fail (CRM_VIEW_GET_IFACE (self)->reload != NULL);

  state = peek_state (self);
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
  ViewState *state = user_data;

  state->idle_id = 0;
  crm_view_reload (state->view);
  return G_SOURCE_REMOVE;
}

void
crm_view_queue_reload (CrmView *self)
{
  ViewState *state;

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
  ViewState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), FALSE);
  state = peek_state (self);
  return state != NULL && state->dirty;
}

gboolean
crm_view_is_reload_queued (CrmView *self)
{
  ViewState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), FALSE);
  state = peek_state (self);
  return state != NULL && state->idle_id != 0;
}

/* ---- the properties, implemented once ---- */

static const ClassSetup *
lookup_class_setup (GObject *object)
{
  for (GType type = G_OBJECT_TYPE (object); type != 0; type = g_type_parent (type))
    {
      const ClassSetup *setup = g_type_get_qdata (type, class_setup_quark);

      if (setup != NULL)
        return setup;
    }
  g_assert_not_reached ();
  return NULL;
}

static void
swap_context (CrmView          *self,
              const ClassSetup *setup,
              CrmContext       *context)
{
  CrmContext **slot = G_STRUCT_MEMBER_P (self, setup->context_offset);

  if (!crm_widget_swap_context (GTK_WIDGET (self), slot, context))
    return;
  if (context != NULL)
    g_signal_connect_swapped (context, "changed", G_CALLBACK (crm_view_queue_reload), self);
  crm_view_mark_dirty (self);
  if (setup->context_set != NULL)
    setup->context_set (self, context);
  g_object_notify (G_OBJECT (self), "context");
}

static void
view_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  const ClassSetup *setup = lookup_class_setup (object);
  ViewState *state = peek_state (CRM_VIEW (object));

  if (prop_id == setup->first_prop_id)
    g_value_set_object (value, G_STRUCT_MEMBER (CrmContext *, object, setup->context_offset));
  else if (prop_id == setup->first_prop_id + 1)
    g_value_set_string (value, setup->title != NULL ? gettext (setup->title)
                               : state != NULL ? state->title : NULL);
  else if (prop_id == setup->first_prop_id + 2)
    g_value_set_string (value, state != NULL ? state->subtitle : NULL);
  else if (setup->get_property != NULL)
    setup->get_property (object, prop_id, value, pspec);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
view_set_property (GObject      *object,
                   guint         prop_id,
                   const GValue *value,
                   GParamSpec   *pspec)
{
  const ClassSetup *setup = lookup_class_setup (object);

  if (prop_id == setup->first_prop_id)
    swap_context (CRM_VIEW (object), setup, g_value_get_object (value));
  else if (setup->set_property != NULL)
    setup->set_property (object, prop_id, value, pspec);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

void
crm_view_class_setup (GObjectClass       *object_class,
                      guint               first_prop_id,
                      gsize               context_offset,
                      const char         *title,
                      CrmViewContextFunc  context_set)
{
  ClassSetup *setup = g_new0 (ClassSetup, 1);   /* lives as long as the class */

  /* the interface's quarks exist once a CrmView type was made */
  g_type_default_interface_unref (g_type_default_interface_ref (CRM_TYPE_VIEW));

  setup->first_prop_id = first_prop_id;
  setup->context_offset = context_offset;
  setup->title = title;
  setup->context_set = context_set;
  setup->get_property = object_class->get_property;
  setup->set_property = object_class->set_property;
  g_type_set_qdata (G_OBJECT_CLASS_TYPE (object_class), class_setup_quark, setup);

  object_class->get_property = view_get_property;
  object_class->set_property = view_set_property;
  crm_view_class_override_properties (object_class, first_prop_id, first_prop_id + 1,
                                      first_prop_id + 2);
}

static void
set_text (CrmView     *self,
          char       **slot,
          const char  *text,
          const char  *property)
{
  if (g_strcmp0 (*slot, text) == 0)
    return;
  g_free (*slot);
  *slot = g_strdup (text);
  g_object_notify (G_OBJECT (self), property);
}

void
crm_view_set_title (CrmView    *self,
                    const char *title)
{
  g_return_if_fail (CRM_IS_VIEW (self));
  set_text (self, &ensure_state (self)->title, title, "title");
}

void
crm_view_set_subtitle (CrmView    *self,
                       const char *subtitle)
{
  g_return_if_fail (CRM_IS_VIEW (self));
  set_text (self, &ensure_state (self)->subtitle, subtitle, "subtitle");
}

const char *
crm_view_get_title (CrmView *self)
{
  ViewState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), NULL);
  state = peek_state (self);
  return state != NULL ? state->title : NULL;
}

const char *
crm_view_get_subtitle (CrmView *self)
{
  ViewState *state;

  g_return_val_if_fail (CRM_IS_VIEW (self), NULL);
  state = peek_state (self);
  return state != NULL ? state->subtitle : NULL;
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
