/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-record.c — a JSON object from a query, wrapped as a GObject for list models. */
#define G_LOG_DOMAIN "voronka-record"

#include "crm-record.h"

struct _CrmRecord
{
  GObject     parent_instance;
  JsonObject *object;
};

G_DEFINE_FINAL_TYPE (CrmRecord, crm_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
crm_record_finalize (GObject *object)
{
  CrmRecord *self = CRM_RECORD (object);

  g_clear_pointer (&self->object, json_object_unref);
  G_OBJECT_CLASS (crm_record_parent_class)->finalize (object);
}

static void
crm_record_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CrmRecord *self = CRM_RECORD (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, crm_record_get_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_record_class_init (CrmRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = crm_record_finalize;
  object_class->get_property = crm_record_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
crm_record_init (CrmRecord *self)
{
}

CrmRecord *
crm_record_new (JsonObject *object)
{
  CrmRecord *self = g_object_new (CRM_TYPE_RECORD, NULL);

  self->object = object != NULL ? json_object_ref (object) : json_object_new ();
  return self;
}

JsonObject *
crm_record_get_object (CrmRecord *self)
{
  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  return self->object;
}

const char *
crm_record_get_id (CrmRecord *self)
{
  return crm_record_get_string (self, "id", NULL);
}

static JsonNode *
get_value (CrmRecord  *self,
           const char *member,
           GType       type)
{
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_RECORD (self), NULL);
  node = json_object_get_member (self->object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
crm_record_get_string (CrmRecord  *self,
                       const char *member,
                       const char *default_value)
{
  JsonNode *node = get_value (self, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : default_value;
}

gint64
crm_record_get_int (CrmRecord  *self,
                    const char *member,
                    gint64      default_value)
{
  JsonNode *node = get_value (self, member, G_TYPE_INT64);

  return node != NULL ? json_node_get_int (node) : default_value;
}

gboolean
crm_record_get_boolean (CrmRecord  *self,
                        const char *member,
                        gboolean    default_value)
{
  JsonNode *node = get_value (self, member, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : default_value;
}

gboolean
crm_record_has (CrmRecord  *self,
                const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_RECORD (self), FALSE);
  node = json_object_get_member (self->object, member);
  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}
