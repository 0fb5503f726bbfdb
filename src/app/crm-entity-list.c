/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-list.c — a GtkListView over CrmPagedModel: the model counts the matches
 * and reads 100 rows at a time as the list scrolls, so 100 000 contacts scroll without
 * loading them all. The search and tag filter come from the window's context. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-entity-list.h"
#include "crm-list-row.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmEntityList
{
  GtkWidget       parent_instance;

  CrmContext     *context;
  char           *kind;
  CrmPagedModel  *model;

  GtkStack       *stack;
  GtkWidget      *sort_bar;
  GtkDropDown    *sort_dropdown;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmEntityList, crm_entity_list, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

enum {
  PROP_0,
  PROP_KIND,
  N_PROPS,
  /* then CrmView's three, set up by crm_view_class_setup() */
};

static GParamSpec *properties[N_PROPS];

static gboolean
is_company (CrmEntityList *self)
{
  return g_strcmp0 (self->kind, "company") == 0;
}

static JsonArray *
fetch_rows (gpointer   user_data,
            guint      offset,
            guint      limit,
            gint64    *out_total,
            GError   **error)
{
  CrmEntityList *self = user_data;
  CrmStore *store;
  const char *search;
  g_autoptr(JsonNode) node = NULL;

  if (self->context == NULL)
    {
      if (out_total != NULL)
        *out_total = 0;
      return json_array_new ();
    }
  store = crm_context_get_store (self->context);
  search = crm_context_get_search (self->context);
  if (is_company (self))
    return crm_query_companies_sorted (store, search, crm_entity_list_get_sort_by_total (self),
                                       limit, offset, out_total, error);

  node = crm_query_contacts (store, search, crm_context_get_tag_filter (self->context),
                             limit, offset, out_total, error);
  if (node == NULL)
    return NULL;
  return json_array_ref (json_node_get_array (node));
}

gboolean
crm_entity_list_get_sort_by_total (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), FALSE);
  return is_company (self) && gtk_drop_down_get_selected (self->sort_dropdown) == 1;
}

void
crm_entity_list_set_sort_by_total (CrmEntityList *self,
                                   gboolean       by_total)
{
  g_return_if_fail (CRM_IS_ENTITY_LIST (self));
  gtk_drop_down_set_selected (self->sort_dropdown, by_total ? 1 : 0);
}

/* S3-6: companies by name or by the total of their won deals */
static void
sort_changed_cb (CrmEntityList *self)
{
  crm_view_reload (CRM_VIEW (self));
}

static void
set_subtitle (CrmEntityList *self,
              const char    *subtitle)
{
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

static void
crm_entity_list_reload (CrmView *view)
{
  CrmEntityList *self = CRM_ENTITY_LIST (view);
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;
  guint total;

  g_return_if_fail (CRM_IS_ENTITY_LIST (self));

  if (!crm_paged_model_reload (self->model, &error))
    g_warning ("Could not read the list: %s", error->message);
  total = crm_paged_model_get_total (self->model);

  if (is_company (self))
    subtitle = g_strdup_printf (ngettext ("%u company", "%u companies", total), total);
  else
    subtitle = g_strdup_printf (ngettext ("%u contact", "%u contacts", total), total);
  set_subtitle (self, subtitle);

  if (total == 0)
    {
      gboolean searching = self->context != NULL && crm_context_get_search (self->context) != NULL;

      adw_status_page_set_title (self->empty_page,
                                 searching ? _("Nothing Found")
                                 : is_company (self) ? _("No Companies") : _("No Contacts"));
      adw_status_page_set_description (self->empty_page,
                                       searching ? _("Try the first letters of another word of the name")
                                       : NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

/* ---- rows ---- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CrmEntityList            *self)
{
  gtk_list_item_set_child (item, crm_list_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             CrmEntityList            *self)
{
  crm_list_row_set_record (CRM_LIST_ROW (gtk_list_item_get_child (item)), self->kind,
                           gtk_list_item_get_item (item));
}

static void
activate_cb (CrmEntityList *self,
             guint          position)
{
  g_autoptr(CrmRecord) record = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (record == NULL || crm_record_get_id (record) == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self),
                              is_company (self) ? "win.open-company" : "win.open-contact",
                              "s", crm_record_get_id (record));
}

/* ---- GObject ---- */

/* The list follows the header's search and tag filter as well as the replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "notify::search", G_CALLBACK (crm_view_queue_reload), view);
  g_signal_connect_swapped (context, "notify::tag-filter", G_CALLBACK (crm_view_queue_reload), view);
}

static void
crm_entity_list_dispose (GObject *object)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_ENTITY_LIST);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_entity_list_parent_class)->dispose (object);
}

static void
crm_entity_list_finalize (GObject *object)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  g_clear_object (&self->model);
  g_clear_pointer (&self->kind, g_free);
  G_OBJECT_CLASS (crm_entity_list_parent_class)->finalize (object);
}

static void
crm_entity_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_entity_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CrmEntityList *self = CRM_ENTITY_LIST (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_free (self->kind);
      self->kind = g_value_dup_string (value);
      gtk_widget_set_visible (self->sort_bar, is_company (self));
      crm_view_set_title (CRM_VIEW (self), is_company (self) ? _("Companies") : _("Contacts"));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_entity_list_reload;
}

static void
crm_entity_list_class_init (CrmEntityListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_entity_list_dispose;
  object_class->finalize = crm_entity_list_finalize;
  object_class->get_property = crm_entity_list_get_property;
  object_class->set_property = crm_entity_list_set_property;

  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL, "contact",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  crm_view_class_setup (object_class, N_PROPS, G_STRUCT_OFFSET (CrmEntityList, context), NULL,
                        context_set);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-entity-list.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, list_view);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, sort_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmEntityList, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, sort_changed_cb);
}

static void
crm_entity_list_init (CrmEntityList *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The model lives as long as the view; it reads through self without a reference. */
  self->model = crm_paged_model_new (fetch_rows, self, NULL);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  crm_view_mark_dirty (CRM_VIEW (self));
}

const char *
crm_entity_list_get_kind (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->kind;
}

CrmPagedModel *
crm_entity_list_get_model (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->model;
}

GtkListView *
crm_entity_list_get_view (CrmEntityList *self)
{
  g_return_val_if_fail (CRM_IS_ENTITY_LIST (self), NULL);
  return self->list_view;
}
