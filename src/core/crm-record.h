/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-record.h — one row of a query result as a GObject, so lists of deals, contacts,
 * companies and tasks can live in a GListModel (see crm-paged-model.h). */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CRM_TYPE_RECORD (crm_record_get_type ())
G_DECLARE_FINAL_TYPE (CrmRecord, crm_record, CRM, RECORD, GObject)

/* Takes a reference on @object; NULL makes a placeholder record (no id). */
CrmRecord   *crm_record_new          (JsonObject *object);

JsonObject  *crm_record_get_object   (CrmRecord  *self);
/* The "id" member, or NULL for a placeholder. */
const char  *crm_record_get_id       (CrmRecord  *self);
/* A string member, or @default_value when missing, null or not a string. */
const char  *crm_record_get_string   (CrmRecord  *self,
                                      const char *member,
                                      const char *default_value);
gint64       crm_record_get_int      (CrmRecord  *self,
                                      const char *member,
                                      gint64      default_value);
gboolean     crm_record_get_boolean  (CrmRecord  *self,
                                      const char *member,
                                      gboolean    default_value);
/* TRUE when @member is present and not null. */
gboolean     crm_record_has          (CrmRecord  *self,
                                      const char *member);

G_END_DECLS
