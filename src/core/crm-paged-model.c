/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-paged-model.c — rows of an offset/limit query as a lazily filled GListModel. Pages
 * are fetched on the first get_item() that falls on them and kept in a small LRU cache;
 * the views keep references to the items they show, so dropping a page costs nothing.
 *
 * A reload is the exception: GTK 4.8's list views, told that every row was replaced while
 * they track rows (the focus, the selection, the anchor of the rows shown), ask for every
 * item of the new list looking for the ones they tracked. So while a reload announces
 * the change, a row of a page not cached is a placeholder, and the page is not read; once
 * the views took the rows they show, the pages whose placeholders someone still holds are
 * read and announced again, before the window draws: the pages shown, not all of them. */
#define G_LOG_DOMAIN "voronka-paged-model"

#include "crm-paged-model.h"
#include "crm-record.h"

/* Enough for a tall window scrolled back and forth without refetching. */
#define MAX_CACHED_PAGES 16

struct _CrmPagedModel
{
  GObject            parent_instance;

  CrmPagedFetchFunc  fetch;
  gpointer           user_data;
  GDestroyNotify     destroy;

  guint              page_size;
  guint              n_items;
  GHashTable        *pages;      /* page index → GPtrArray of CrmRecord */
  GQueue             lru;        /* page indexes, most recent first */
  guint              n_fetches;

  /* while a reload announces its change: page index → GPtrArray of the placeholders
   * handed out for the rows of that page (NULL where none was asked for) */
  GHashTable        *placeholders;
};

static void crm_paged_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmPagedModel, crm_paged_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      crm_paged_model_list_model_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GPtrArray *
records_from_rows (JsonArray *rows)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++)
    {
      JsonNode *row = json_array_get_element (rows, i);

      g_ptr_array_add (records,
                       crm_record_new (JSON_NODE_HOLDS_OBJECT (row) ? json_node_get_object (row)
                                                                    : NULL));
    }
  return records;
}

static void
touch_page (CrmPagedModel *self,
            guint          page)
{
  GList *link = g_queue_find (&self->lru, GUINT_TO_POINTER (page));

  if (link != NULL)
    g_queue_delete_link (&self->lru, link);
  g_queue_push_head (&self->lru, GUINT_TO_POINTER (page));

  while (g_queue_get_length (&self->lru) > MAX_CACHED_PAGES)
    {
      guint oldest = GPOINTER_TO_UINT (g_queue_pop_tail (&self->lru));

      g_hash_table_remove (self->pages, GUINT_TO_POINTER (oldest));
    }
}

static void
store_page (CrmPagedModel *self,
            guint          page,
            GPtrArray     *records)
{
  g_hash_table_replace (self->pages, GUINT_TO_POINTER (page), records);
  touch_page (self, page);
}

static GPtrArray *
get_page (CrmPagedModel *self,
          guint          page)
{
  GPtrArray *records = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = NULL;

  if (records != NULL)
    {
      touch_page (self, page);
      return records;
    }

  self->n_fetches++;
  rows = self->fetch (self->user_data, page * self->page_size, self->page_size, NULL, &error);
  if (rows == NULL)
    g_warning ("Could not read rows %u–%u: %s", page * self->page_size,
               (page + 1) * self->page_size, error != NULL ? error->message : "unknown error");
  records = records_from_rows (rows);
  store_page (self, page, records);
  return records;
}

static void
unref_placeholder (gpointer placeholder)
{
  if (placeholder != NULL)
    g_object_unref (placeholder);
}

/* A row of a page not read, during a reload's announcement: the same placeholder for the
 * same row (a view asked twice sees one item), kept to learn afterwards whether a view
 * held on to it. */
static gpointer
dup_placeholder (CrmPagedModel *self,
                 guint          page,
                 guint          index)
{
  GPtrArray *slots = g_hash_table_lookup (self->placeholders, GUINT_TO_POINTER (page));

  if (slots == NULL)
    {
      slots = g_ptr_array_new_full (self->page_size, unref_placeholder);
      g_ptr_array_set_size (slots, self->page_size);
      g_hash_table_insert (self->placeholders, GUINT_TO_POINTER (page), slots);
    }
  if (g_ptr_array_index (slots, index) == NULL)
    g_ptr_array_index (slots, index) = crm_record_new (NULL);
  return g_object_ref (g_ptr_array_index (slots, index));
}

/* Whether something besides @slots holds one of its placeholders: a view shows or tracks
 * that row (a view that only looked at it let it go). */
static gboolean
placeholders_held (GPtrArray *slots)
{
  for (guint i = 0; i < slots->len; i++)
    {
      GObject *placeholder = g_ptr_array_index (slots, i);

      if (placeholder != NULL && g_atomic_int_get ((gint *) &placeholder->ref_count) > 1)
        return TRUE;
    }
  return FALSE;
}

static GType
crm_paged_model_get_item_type (GListModel *model)
{
  return CRM_TYPE_RECORD;
}

static guint
crm_paged_model_get_n_items (GListModel *model)
{
  return CRM_PAGED_MODEL (model)->n_items;
}

static gpointer
crm_paged_model_get_item (GListModel *model,
                          guint       position)
{
  CrmPagedModel *self = CRM_PAGED_MODEL (model);
  GPtrArray *records;
  guint index;

  if (position >= self->n_items)
    return NULL;
  index = position % self->page_size;
  if (self->placeholders != NULL &&
      !g_hash_table_contains (self->pages, GUINT_TO_POINTER (position / self->page_size)))
    return dup_placeholder (self, position / self->page_size, index);
  records = get_page (self, position / self->page_size);
  /* Rows removed since the count: a placeholder until the next reload. */
  if (index >= records->len)
    return crm_record_new (NULL);
  return g_object_ref (g_ptr_array_index (records, index));
}

static void
crm_paged_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = crm_paged_model_get_item_type;
  iface->get_n_items = crm_paged_model_get_n_items;
  iface->get_item = crm_paged_model_get_item;
}

static void
crm_paged_model_finalize (GObject *object)
{
  CrmPagedModel *self = CRM_PAGED_MODEL (object);

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->placeholders, g_hash_table_unref);
  g_queue_clear (&self->lru);
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  G_OBJECT_CLASS (crm_paged_model_parent_class)->finalize (object);
}

static void
crm_paged_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CrmPagedModel *self = CRM_PAGED_MODEL (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_paged_model_class_init (CrmPagedModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_paged_model_finalize;
  object_class->get_property = crm_paged_model_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
crm_paged_model_init (CrmPagedModel *self)
{
  self->page_size = CRM_PAGED_MODEL_DEFAULT_PAGE_SIZE;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->lru);
}

CrmPagedModel *
crm_paged_model_new (CrmPagedFetchFunc fetch,
                     gpointer          user_data,
                     GDestroyNotify    destroy)
{
  CrmPagedModel *self;

  g_return_val_if_fail (fetch != NULL, NULL);

  self = g_object_new (CRM_TYPE_PAGED_MODEL, NULL);
  self->fetch = fetch;
  self->user_data = user_data;
  self->destroy = destroy;
  return self;
}

void
crm_paged_model_set_page_size (CrmPagedModel *self,
                               guint          page_size)
{
  g_return_if_fail (CRM_IS_PAGED_MODEL (self));
  g_return_if_fail (page_size > 0);

  if (self->page_size == page_size)
    return;
  self->page_size = page_size;
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);
}

guint
crm_paged_model_get_page_size (CrmPagedModel *self)
{
  g_return_val_if_fail (CRM_IS_PAGED_MODEL (self), 0);
  return self->page_size;
}

gboolean
crm_paged_model_reload (CrmPagedModel  *self,
                        GError        **error)
{
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(GHashTable) placeholders = NULL;
  g_autoptr(GArray) held = NULL;
  GHashTableIter iter;
  gpointer page, slots;
  guint old_n_items;
  gint64 total = 0;

  g_return_val_if_fail (CRM_IS_PAGED_MODEL (self), FALSE);
  /* a view that reloads the model while it is told of a reload: read once */
  g_return_val_if_fail (self->placeholders == NULL, FALSE);

  old_n_items = self->n_items;
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->lru);

  /* The count and the first page in one go: that is what a view shows first. */
  self->n_fetches++;
  rows = self->fetch (self->user_data, 0, self->page_size, &total, error);
  self->n_items = rows != NULL ? (guint) CLAMP (total, 0, G_MAXUINT) : 0;
  if (rows != NULL)
    store_page (self, 0, records_from_rows (rows));

  /* the views walk the new rows: placeholders for the pages not read */
  self->placeholders = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n_items, self->n_items);
  placeholders = g_steal_pointer (&self->placeholders);

  /* the pages of the placeholders the views kept, read and announced before the window
   * draws: the rows shown never blink empty */
  held = g_array_new (FALSE, FALSE, sizeof (guint));
  g_hash_table_iter_init (&iter, placeholders);
  while (g_hash_table_iter_next (&iter, &page, &slots))
    if (placeholders_held (slots))
      {
        guint index = GPOINTER_TO_UINT (page);

        g_array_append_val (held, index);
      }
  g_debug ("Reloaded %u rows: %u pages asked for while announced, %u of them shown",
           self->n_items, g_hash_table_size (placeholders), held->len);
  g_clear_pointer (&placeholders, g_hash_table_unref);
  for (guint i = 0; i < held->len; i++)
    {
      guint start = g_array_index (held, guint, i) * self->page_size;
      guint n = MIN (self->page_size, self->n_items - start);

      get_page (self, g_array_index (held, guint, i));
      g_list_model_items_changed (G_LIST_MODEL (self), start, n, n);
    }

  if (old_n_items != self->n_items)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  return rows != NULL;
}

void
crm_paged_model_refresh_page (CrmPagedModel *self,
                              guint          position)
{
  guint page;
  guint start;
  GList *link;

  g_return_if_fail (CRM_IS_PAGED_MODEL (self));

  page = position / self->page_size;
  start = page * self->page_size;
  g_hash_table_remove (self->pages, GUINT_TO_POINTER (page));
  if ((link = g_queue_find (&self->lru, GUINT_TO_POINTER (page))) != NULL)
    g_queue_delete_link (&self->lru, link);
  if (start < self->n_items)
    g_list_model_items_changed (G_LIST_MODEL (self), start,
                                MIN (self->page_size, self->n_items - start),
                                MIN (self->page_size, self->n_items - start));
}

guint
crm_paged_model_get_total (CrmPagedModel *self)
{
  g_return_val_if_fail (CRM_IS_PAGED_MODEL (self), 0);
  return self->n_items;
}

guint
crm_paged_model_get_n_fetches (CrmPagedModel *self)
{
  g_return_val_if_fail (CRM_IS_PAGED_MODEL (self), 0);
  return self->n_fetches;
}

guint
crm_paged_model_get_n_cached (CrmPagedModel *self)
{
  g_return_val_if_fail (CRM_IS_PAGED_MODEL (self), 0);
  return g_hash_table_size (self->pages);
}
