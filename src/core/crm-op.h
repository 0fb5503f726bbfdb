/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-op.h — changelog ops and change sets, the values every write is made of. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One replicated fact: a set of field values on one entity, stamped with a clock.
 * Values are JSON scalars (string, integer, boolean, null) or arrays/objects for
 * list-valued fields (phones, checklist). */
typedef struct {
  char       *op_id;      /* UUIDv7 */
  guint64     hlc;
  char       *device;     /* device id that made the op */
  char       *entity;     /* entity type: "deal", "deal_tag", … */
  char       *entity_id;
  JsonObject *fields;     /* name → value */
  char       *cause;      /* op id that triggered this op (rules), or NULL */
  char       *rule;       /* rule id that made this op, or NULL */
  char       *actor;      /* user id on whose behalf the op was made, or NULL */
  gint64      seq;        /* position in the local changelog; 0 when not stored */
  char       *stamp;      /* the server's seal on an op it accepted (crm-stamp.h), or NULL;
                           * travels with pulls and push answers, kept in the changelog */
  /* Local only, set when the op is written here (never replicated): */
  gboolean    created;    /* this op brought the entity into existence */
  JsonObject *previous;   /* the values this op replaced, by field (NULL: none) */
} CrmOp;

#define CRM_TYPE_OP (crm_op_get_type ())
GType       crm_op_get_type       (void) G_GNUC_CONST;
CrmOp      *crm_op_new            (void);
CrmOp      *crm_op_copy           (const CrmOp *op);
void        crm_op_free           (CrmOp *op);
/* {"op","hlc","device","entity","id","fields","cause","rule","actor"[,"stamp"]} — hlc as
 * 16 hex; "stamp" only when the op has one. */
JsonNode   *crm_op_to_json        (const CrmOp *op);
CrmOp      *crm_op_from_json      (JsonNode *node,
                                   GError  **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmOp, crm_op_free)

/* One entity touched by a change set, before it is stamped. */
typedef struct {
  char       *entity;
  char       *entity_id;
  JsonObject *fields;
  gboolean    is_new;     /* the change creates the entity (for gates and rules) */
} CrmChange;

typedef struct _CrmChangeset CrmChangeset;

#define CRM_TYPE_CHANGESET (crm_changeset_get_type ())
GType          crm_changeset_get_type   (void) G_GNUC_CONST;
CrmChangeset  *crm_changeset_new        (void);
CrmChangeset  *crm_changeset_ref        (CrmChangeset *self);
void           crm_changeset_unref      (CrmChangeset *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmChangeset, crm_changeset_unref)

/* The user on whose behalf the change set is made (permissions, "responsible"). */
void           crm_changeset_set_actor  (CrmChangeset *self,
                                         const char   *user_id);
const char    *crm_changeset_get_actor  (CrmChangeset *self);

/* Touch an entity: returns the change for (@entity, @entity_id), creating it the first
 * time; touching the same entity again returns the same change (one op per entity). */
CrmChange     *crm_changeset_touch      (CrmChangeset *self,
                                         const char   *entity,
                                         const char   *entity_id);
/* Same, marking the change as creating the entity. */
CrmChange     *crm_changeset_create     (CrmChangeset *self,
                                         const char   *entity,
                                         const char   *entity_id);
guint          crm_changeset_get_n_changes (CrmChangeset *self);
CrmChange     *crm_changeset_get_change (CrmChangeset *self,
                                         guint         index);

void           crm_change_set_string    (CrmChange *change, const char *field, const char *value);
void           crm_change_set_int       (CrmChange *change, const char *field, gint64 value);
void           crm_change_set_bool      (CrmChange *change, const char *field, gboolean value);
void           crm_change_set_null      (CrmChange *change, const char *field);
/* Takes ownership of @value. */
void           crm_change_set_node      (CrmChange *change, const char *field, JsonNode *value);

/* Set (@present TRUE) or clear a set-link entity such as deal↔tag: @kind "deal_tag",
 * ends @a_field="deal" @a and @b_field="tag" @b. Its id is crm_uuid_link (kind, a, b). */
CrmChange     *crm_changeset_set_link   (CrmChangeset *self,
                                         const char   *kind,
                                         const char   *a_field,
                                         const char   *a,
                                         const char   *b_field,
                                         const char   *b,
                                         gboolean      present);

G_END_DECLS
