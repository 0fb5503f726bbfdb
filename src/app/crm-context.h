/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-context.h — what every view of a window shares: the open replica, the user the
 * app works as, the header's tag filter and search text, and the one place writes go
 * through (crm_context_apply), which tells every view that the replica changed. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "crm-rights.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_CONTEXT (crm_context_get_type ())
G_DECLARE_FINAL_TYPE (CrmContext, crm_context, CRM, CONTEXT, GObject)

CrmContext   *crm_context_new               (CrmStore   *store);

CrmStore     *crm_context_get_store         (CrmContext *self);
gint64        crm_context_now               (CrmContext *self);
char         *crm_context_new_id            (CrmContext *self);

/* The user the app works as: the replica's meta "app.user", else the signed-in user
 * ("sync.user"), else the first admin. */
const char   *crm_context_get_user_id       (CrmContext *self);
const char   *crm_context_get_user_name     (CrmContext *self);
void          crm_context_set_user          (CrmContext *self,
                                             const char *user_id);
gboolean      crm_context_is_admin          (CrmContext *self);
/* The rights of the user's role as they are now (crm-rights.h), or NULL when the replica
 * has no such user. */
CrmUserRights *crm_context_dup_rights       (CrmContext *self);
/* Whose work the user oversees in the team views (their role's right "team"): everyone's
 * (an administrator, a manager), their group's (a head), only their own. */
CrmScope      crm_context_get_team          (CrmContext *self);
/* Does the user oversee more than their own work (admins, managers, heads of group): they
 * see other people's tasks, the reports and the stock view and edit schedules. */
gboolean      crm_context_is_manager        (CrmContext *self);
/* Takes out of @items (objects) those whose @member (a user's id; null: nobody's, kept)
 * names someone whose work the user does not oversee: a head keeps his group's. */
void          crm_context_keep_overseen     (CrmContext *self,
                                             JsonArray  *items,
                                             const char *member);

/* Writes @changeset as the current user. On success every view hears "changed"; a
 * refusal leaves the replica as it was and the GError names the gate (see
 * crm_store_dup_refusal for its details). */
gboolean      crm_context_apply             (CrmContext    *self,
                                             CrmChangeset  *changeset,
                                             GError       **error);
/* The id of the change set the last crm_context_apply() wrote (for «Undo»), or NULL. */
const char   *crm_context_get_last_change_set (CrmContext *self);
/* Undoes change set @change_set_id as the current user (crm_store_undo_change_set()):
 * views hear "changed"; the GError says why it could not be undone. */
gboolean      crm_context_undo              (CrmContext    *self,
                                             const char    *change_set_id,
                                             GError       **error);
/* Deletes a "deal" (with its open tasks), "contact" or "task" as the current user
 * (crm_store_delete()); crm_context_get_last_change_set() then names the change. */
gboolean      crm_context_delete            (CrmContext    *self,
                                             const char    *entity,
                                             const char    *entity_id,
                                             GError       **error);
/* The window's CrmSyncController (kept weakly; NULL without one): the files group
 * fetches attached files through it. A GObject here, as crm-sync-controller.h includes
 * this header. */
void          crm_context_set_sync          (CrmContext *self,
                                             GObject    *sync);
GObject      *crm_context_get_sync          (CrmContext *self);
/* Something else changed the replica (sync): views reload. */
void          crm_context_notify_changed    (CrmContext *self);

/* Pipelines with their stages, as crm_query_pipelines() gives them (cached until the
 * next change). */
JsonArray    *crm_context_get_pipelines     (CrmContext *self);
JsonObject   *crm_context_find_pipeline     (CrmContext *self,
                                             const char *pipeline_id);
/* The stage object and, in @out_pipeline (optional), the pipeline it belongs to. */
JsonObject   *crm_context_find_stage        (CrmContext  *self,
                                             const char  *stage_id,
                                             JsonObject **out_pipeline);
/* A pipeline id by its name (the templates' Russian names), or NULL. */
const char   *crm_context_find_pipeline_by_name (CrmContext *self,
                                                 const char *name);
/* Users [{"id","name","role","group"}] and tags [{"id","name","group"}] (cached). */
JsonArray    *crm_context_get_users         (CrmContext *self);
JsonArray    *crm_context_get_tags          (CrmContext *self);

/* The header's filters: tag ids every list must have, and the search text. */
const char * const *crm_context_get_tag_filter (CrmContext         *self);
void          crm_context_set_tag_filter    (CrmContext         *self,
                                             const char * const *tag_ids);
void          crm_context_toggle_tag_filter (CrmContext *self,
                                             const char *tag_id);
const char   *crm_context_get_search        (CrmContext *self);
void          crm_context_set_search        (CrmContext *self,
                                             const char *search);

G_END_DECLS
