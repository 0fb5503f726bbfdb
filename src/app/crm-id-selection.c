/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-id-selection.c — a list's picked rows as a set of ids (see the header). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include "crm-id-selection.h"
#include "crm-record.h"

struct _CrmIdSelection
{
  GObject     parent_instance;

  GListModel *model;
  guint       max;
  GHashTable *ids;      /* id (owned) → the order it was picked in */
  guint64     serial;
};

enum {
  PROP_0,
  PROP_N_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init      (GListModelInterface         *iface);
static void selection_model_iface_init (GtkSelectionModelInterface  *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmIdSelection, crm_id_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL,
                                                      selection_model_iface_init))

/* ---- GListModel: the rows of the model, as they are ---- */

static GType
get_item_type (GListModel *list)
{
  return CRM_TYPE_RECORD;
}

static guint
get_n_items (GListModel *list)
{
  return g_list_model_get_n_items (CRM_ID_SELECTION (list)->model);
}

static gpointer
get_item (GListModel *list,
          guint       position)
{
  return g_list_model_get_item (CRM_ID_SELECTION (list)->model, position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* ---- GtkSelectionModel: selected by id; the list's own picks refused ---- */

/* The id of the row at @position, or NULL (a placeholder, or past the end). */
static char *
dup_id_at (CrmIdSelection *self,
           guint           position)
{
  g_autoptr(CrmRecord) record = g_list_model_get_item (self->model, position);

  return record != NULL ? g_strdup (crm_record_get_id (record)) : NULL;
}

static gboolean
is_selected (GtkSelectionModel *model,
             guint              position)
{
  CrmIdSelection *self = CRM_ID_SELECTION (model);
  g_autofree char *id = NULL;

  if (g_hash_table_size (self->ids) == 0)
    return FALSE;
  id = dup_id_at (self, position);
  return id != NULL && g_hash_table_contains (self->ids, id);
}

static gboolean
refuse_item (GtkSelectionModel *model,
             guint              position,
             gboolean           unselect_rest)
{
  return FALSE;
}

static gboolean
refuse_unselect_item (GtkSelectionModel *model,
                      guint              position)
{
  return FALSE;
}

static gboolean
refuse_range (GtkSelectionModel *model,
              guint              position,
              guint              n_items,
              gboolean           unselect_rest)
{
  return FALSE;
}

static gboolean
refuse_unselect_range (GtkSelectionModel *model,
                       guint              position,
                       guint              n_items)
{
  return FALSE;
}

static gboolean
refuse_all (GtkSelectionModel *model)
{
  return FALSE;
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->select_item = refuse_item;
  iface->unselect_item = refuse_unselect_item;
  iface->select_range = refuse_range;
  iface->unselect_range = refuse_unselect_range;
  iface->select_all = refuse_all;
  iface->unselect_all = refuse_all;
}

/* ---- the view's side ---- */

static void
changed (CrmIdSelection *self,
         guint           position,
         guint           n_items)
{
  if (n_items > 0)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, n_items);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SELECTED]);
}

static void
add_id (CrmIdSelection *self,
        const char     *id)
{
  if (!g_hash_table_contains (self->ids, id))
    {
      g_hash_table_insert (self->ids, g_strdup (id), g_memdup2 (&self->serial, sizeof self->serial));
      self->serial++;
    }
}

guint
crm_id_selection_get_n_selected (CrmIdSelection *self)
{
  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), 0);
  return g_hash_table_size (self->ids);
}

gboolean
crm_id_selection_contains (CrmIdSelection *self,
                           const char     *id)
{
  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), FALSE);
  return id != NULL && g_hash_table_contains (self->ids, id);
}

static gint
compare_order (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  GHashTable *ids = user_data;
  guint64 order_a = *(guint64 *) g_hash_table_lookup (ids, *(const char * const *) a);
  guint64 order_b = *(guint64 *) g_hash_table_lookup (ids, *(const char * const *) b);

  return order_a < order_b ? -1 : order_a > order_b;
}

GStrv
crm_id_selection_dup_ids (CrmIdSelection *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer id;

  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), NULL);

  g_hash_table_iter_init (&iter, self->ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_ptr_array_add (ids, g_strdup (id));
  g_ptr_array_sort_with_data (ids, compare_order, self->ids);
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

gboolean
crm_id_selection_toggle (CrmIdSelection *self,
                         guint           position,
                         gboolean       *out_selected)
{
  g_autofree char *id = NULL;
  gboolean selected;

  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), FALSE);

  id = dup_id_at (self, position);
  if (id == NULL)
    return FALSE;
  selected = !g_hash_table_remove (self->ids, id);
  if (selected)
    {
      if (g_hash_table_size (self->ids) >= self->max)
        return FALSE;
      add_id (self, id);
    }
  if (out_selected != NULL)
    *out_selected = selected;
  changed (self, position, 1);
  return TRUE;
}

gboolean
crm_id_selection_select_range (CrmIdSelection *self,
                               guint           position,
                               guint           n_items,
                               gboolean        selected)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint total = get_n_items (G_LIST_MODEL (self));
  guint n_new = 0;

  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), FALSE);

  if (position >= total)
    return FALSE;
  n_items = MIN (n_items, total - position);
  if (selected && n_items > self->max)
    return FALSE;
  for (guint i = 0; i < n_items; i++)
    {
      char *id = dup_id_at (self, position + i);

      if (id == NULL)
        continue;
      if (!g_hash_table_contains (self->ids, id))
        n_new++;
      g_ptr_array_add (ids, id);
    }
  if (selected && g_hash_table_size (self->ids) + n_new > self->max)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      if (selected)
        add_id (self, ids->pdata[i]);
      else
        g_hash_table_remove (self->ids, ids->pdata[i]);
    }
  changed (self, position, n_items);
  return TRUE;
}

gboolean
crm_id_selection_set_ids (CrmIdSelection     *self,
                          const char * const *ids)
{
  g_return_val_if_fail (CRM_IS_ID_SELECTION (self), FALSE);

  if (ids != NULL && g_strv_length ((char **) ids) > self->max)
    return FALSE;
  g_hash_table_remove_all (self->ids);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    add_id (self, ids[i]);
  changed (self, 0, get_n_items (G_LIST_MODEL (self)));
  return TRUE;
}

void
crm_id_selection_clear (CrmIdSelection *self)
{
  g_return_if_fail (CRM_IS_ID_SELECTION (self));

  if (g_hash_table_size (self->ids) == 0)
    return;
  g_hash_table_remove_all (self->ids);
  changed (self, 0, get_n_items (G_LIST_MODEL (self)));
}

void
crm_id_selection_retain (CrmIdSelection *self,
                         GHashTable     *present)
{
  GHashTableIter iter;
  gpointer id;
  gboolean removed = FALSE;

  g_return_if_fail (CRM_IS_ID_SELECTION (self));

  g_hash_table_iter_init (&iter, self->ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (present, id))
      {
        g_hash_table_iter_remove (&iter);
        removed = TRUE;
      }
  /* the rows of those ids are not shown: only the count changes */
  if (removed)
    changed (self, 0, 0);
}

/* ---- GObject ---- */

static void
items_changed_cb (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  CrmIdSelection *self)
{
  /* the rows come and go; the ids stay picked */
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
crm_id_selection_dispose (GObject *object)
{
  CrmIdSelection *self = CRM_ID_SELECTION (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (crm_id_selection_parent_class)->dispose (object);
}

static void
crm_id_selection_finalize (GObject *object)
{
  CrmIdSelection *self = CRM_ID_SELECTION (object);

  g_clear_pointer (&self->ids, g_hash_table_unref);
  G_OBJECT_CLASS (crm_id_selection_parent_class)->finalize (object);
}

static void
crm_id_selection_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CrmIdSelection *self = CRM_ID_SELECTION (object);

  switch (prop_id)
    {
    case PROP_N_SELECTED:
      g_value_set_uint (value, g_hash_table_size (self->ids));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_id_selection_class_init (CrmIdSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_id_selection_dispose;
  object_class->finalize = crm_id_selection_finalize;
  object_class->get_property = crm_id_selection_get_property;

  properties[PROP_N_SELECTED] =
    g_param_spec_uint ("n-selected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
crm_id_selection_init (CrmIdSelection *self)
{
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

CrmIdSelection *
crm_id_selection_new (GListModel *model,
                      guint       max)
{
  CrmIdSelection *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (CRM_TYPE_ID_SELECTION, NULL);
  self->model = g_object_ref (model);
  self->max = max;
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), self);
  return self;
}
