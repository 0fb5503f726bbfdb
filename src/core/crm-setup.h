/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-setup.h — the account's setup as an administrator changes it (issue 20): pipelines
 * and their stages, custom fields, tags, users' roles and groups. Each function checks its
 * input against the replica (names unique where people pick by name, a stage's kind, a
 * field's type and choices) and returns the change set that makes the change, for the
 * caller to write with crm_store_apply() (voronkactl) or crm_context_apply() (the app) as
 * the acting user: who may change the setup is the write path's rights check
 * (crm_validate_op_rights: administrators), the same on the laptop and on the server.
 * Invalid input is INVALID_INPUT (or NOT_FOUND) with a message that names the value. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* The types a custom field may have: "text", "choice", "bool", "number", "money",
 * "date", "companies", "counter" (NULL-terminated). */
const char * const *crm_setup_field_types (void);

/* A new pipeline @name with two closing stages, won and lost (named in the user's
 * language: «Успешно реализовано», «Закрыто и не реализовано»), after the others. */
CrmChangeset *crm_setup_pipeline_add    (CrmStore    *store,
                                         const char  *name,
                                         char       **out_id,
                                         GError     **error);
/* Renames a pipeline (its deals keep it). */
CrmChangeset *crm_setup_pipeline_rename (CrmStore    *store,
                                         const char  *pipeline_id,
                                         const char  *name,
                                         GError     **error);
/* Archives a pipeline (@archived TRUE) or brings it back (FALSE). An archived pipeline's
 * deals are kept and found as before; it leaves the sidebar and the pickers of new deals.
 * The last pipeline in use cannot be archived: INVALID_INPUT. */
CrmChangeset *crm_setup_pipeline_archive (CrmStore    *store,
                                          const char  *pipeline_id,
                                          gboolean     archived,
                                          GError     **error);
/* Loss reasons per pipeline: a new reason @name (unique in its pipeline, after the others),
 * a new name, or its removal — deals lost for it keep it in their history and cards. */
CrmChangeset *crm_setup_reason_add      (CrmStore    *store,
                                         const char  *pipeline_id,
                                         const char  *name,
                                         char       **out_id,
                                         GError     **error);
CrmChangeset *crm_setup_reason_rename   (CrmStore    *store,
                                         const char  *reason_id,
                                         const char  *name,
                                         GError     **error);
CrmChangeset *crm_setup_reason_remove   (CrmStore    *store,
                                         const char  *reason_id,
                                         GError     **error);
/* A new stage @name of @kind ("open", "won", "lost"; NULL: open) in @pipeline_id, before
 * the stage @before_id, or (NULL) before the pipeline's first won or lost stage — the
 * closing stages stay last — or last when it has none. The stages after it move one
 * place on. */
CrmChangeset *crm_setup_stage_add       (CrmStore    *store,
                                         const char  *pipeline_id,
                                         const char  *name,
                                         const char  *kind,
                                         const char  *before_id,
                                         char       **out_id,
                                         GError     **error);
CrmChangeset *crm_setup_stage_rename    (CrmStore    *store,
                                         const char  *stage_id,
                                         const char  *name,
                                         GError     **error);
/* Moves a stage @delta places (-1: one up, 1: one down) among its pipeline's stages;
 * INVALID_INPUT when it would leave the list. */
CrmChangeset *crm_setup_stage_move      (CrmStore    *store,
                                         const char  *stage_id,
                                         int          delta,
                                         GError     **error);
/* Sets a stage's @kind: "open" (deals work there), "won" or "lost" (a deal there is
 * closed). The incoming (unsorted) stage keeps its kind, and a pipeline keeps at least one
 * open stage: INVALID_INPUT. Deals at the stage stay where they are. */
CrmChangeset *crm_setup_stage_set_kind  (CrmStore    *store,
                                         const char  *stage_id,
                                         const char  *kind,
                                         GError     **error);
/* Removes a stage. One that holds deals needs @move_to_id, another stage of its pipeline:
 * the deals go there in the same change set (undone as one); without it INVALID_INPUT
 * says how many deals it holds. The stages after it move one place up; the pipeline's
 * last open stage cannot be removed. *@out_deals (optional) gets how many deals moved. */
CrmChangeset *crm_setup_stage_remove    (CrmStore    *store,
                                         const char  *stage_id,
                                         const char  *move_to_id,
                                         guint       *out_deals,
                                         GError     **error);

/* A new custom field of @entity ("deal", "contact", "company"): @key (latin letters,
 * digits and "_", unique for the entity), @label, @type (crm_setup_field_types()),
 * @choices (for "choice": at least one; NULL otherwise), @required_stage_ids (deal fields:
 * the stages a deal may enter only with the field filled; may be NULL). */
CrmChangeset *crm_setup_field_add       (CrmStore           *store,
                                         const char         *entity,
                                         const char         *key,
                                         const char         *label,
                                         const char         *type,
                                         const char * const *choices,
                                         const char * const *required_stage_ids,
                                         char              **out_id,
                                         GError            **error);
/* Changes a field: any of @label, @choices, @required_stage_ids that is non-NULL, and
 * @hidden when it is 0 or 1 (-1: unchanged). Renaming keeps the data: deals store the
 * value under the field's key, which never changes. */
CrmChangeset *crm_setup_field_update    (CrmStore           *store,
                                         const char         *field_id,
                                         const char         *label,
                                         const char * const *choices,
                                         const char * const *required_stage_ids,
                                         int                 hidden,
                                         GError            **error);

/* The colours a tag may have (NULL-terminated): "blue", "green", "yellow", "orange",
 * "red", "purple", "brown", "gray". */
const char * const *crm_setup_tag_colors (void);
/* A new tag @name in @group ("brand", "trailer", "other"; NULL: other) with @color (one
 * of crm_setup_tag_colors(), or NULL: none). */
CrmChangeset *crm_setup_tag_add         (CrmStore    *store,
                                         const char  *name,
                                         const char  *group,
                                         const char  *color,
                                         char       **out_id,
                                         GError     **error);
/* Changes a tag's @name, @group, @color (each NULL: unchanged; @color "" removes it). */
CrmChangeset *crm_setup_tag_update      (CrmStore    *store,
                                         const char  *tag_id,
                                         const char  *name,
                                         const char  *group,
                                         const char  *color,
                                         GError     **error);
/* Merges tag @from_id into @into_id: every deal tagged @from_id is tagged @into_id
 * instead (a deal with both keeps one), and @from_id is removed. *@out_deals (optional)
 * gets how many deals were retagged. */
CrmChangeset *crm_setup_tag_merge       (CrmStore    *store,
                                         const char  *from_id,
                                         const char  *into_id,
                                         guint       *out_deals,
                                         GError     **error);

/* Removes a tag: the deals tagged with it lose it (*@out_deals, optional, gets how many). */
CrmChangeset *crm_setup_tag_remove      (CrmStore    *store,
                                         const char  *tag_id,
                                         guint       *out_deals,
                                         GError     **error);

/* Changes a user's @role (a role as crm_rights_role_find() takes it: a built-in key, a
 * role's name or id; NULL: unchanged) and @group (NULL:
 * unchanged; "" takes them out of their group). The last administrator keeps the role:
 * INVALID_INPUT. */
CrmChangeset *crm_setup_user_update     (CrmStore    *store,
                                         const char  *user_id,
                                         const char  *role,
                                         const char  *group,
                                         GError     **error);

/* Roles (crm-rights.h). A new role @name (unique in any case among the roles' names, no
 * built-in key) with the rights of @like (a role as crm_rights_role_find() takes it;
 * NULL: the sales rep's; never the administrator's). *@out_id (optional) gets its id. */
CrmChangeset *crm_setup_role_add        (CrmStore           *store,
                                         const char         *name,
                                         const char         *like,
                                         char              **out_id,
                                         GError            **error);
/* Renames the role @role_id (@name NULL: unchanged) and sets each of @rights (NULL or
 * empty: none), "PIPELINE:RIGHT=VALUE" — PIPELINE a pipeline's name or id, or "*" for
 * the default; RIGHT see, edit, move_won_lost, reopen, delete or export; VALUE all,
 * group or own for see, yes or no (true/false, да/нет) for the others — or
 * "changes=all|group|own". A pipeline's first right of its own lists the pipeline: it
 * keeps the default's other rights as they are then, and a later change of the default
 * ("*") no longer moves it. The administrator's role cannot be changed: INVALID_INPUT. */
CrmChangeset *crm_setup_role_set        (CrmStore           *store,
                                         const char         *role_id,
                                         const char         *name,
                                         const char * const *rights,
                                         GError            **error);
/* Sets one right of @role_id (the app's grid): @pipeline_id NULL for the default, @right
 * a CRM_RIGHT_* or "changes" (with @pipeline_id NULL), @value (copied) a scope text for
 * "see" and "changes", a boolean for the others. */
CrmChangeset *crm_setup_role_set_right  (CrmStore           *store,
                                         const char         *role_id,
                                         const char         *pipeline_id,
                                         const char         *right,
                                         JsonNode           *value,
                                         GError            **error);
/* Removes a custom role; INVALID_INPUT naming who holds it while anyone does, and for a
 * built-in role. */
CrmChangeset *crm_setup_role_remove     (CrmStore           *store,
                                         const char         *role_id,
                                         GError            **error);

/* The field of a `user` that says they were deactivated (when, UTC ms); null or absent
 * for an active user. The server refuses a deactivated user's sign-in and sessions. */
#define CRM_SETUP_USER_DEACTIVATED "deactivated_at"

/* Deactivates @user_id: their open deals (not in a won or lost stage) and open tasks go to
 * @heir_id (an active colleague), and they are marked deactivated, in one change set
 * (undone as one). *@out_deals and *@out_tasks (optional) get how many moved. The only
 * active administrator cannot be deactivated: INVALID_INPUT, like a heir who is the user
 * or deactivated. */
CrmChangeset *crm_setup_user_deactivate (CrmStore    *store,
                                         const char  *user_id,
                                         const char  *heir_id,
                                         guint       *out_deals,
                                         guint       *out_tasks,
                                         GError     **error);
/* Makes a deactivated user active again (their deals stay with whoever has them). */
CrmChangeset *crm_setup_user_reactivate (CrmStore    *store,
                                         const char  *user_id,
                                         GError     **error);
/* Is @user_id a user of the replica who is not deactivated? */
gboolean      crm_setup_user_is_active  (CrmStore    *store,
                                         const char  *user_id);

/* The value of custom field @field (a row of crm_query_fields() or the `field` entity) from
 * the text a person or a file wrote: a list field's choice (any case, stored as spelled),
 * yes/no (да/нет), a whole number, money ("1500000.00" → minor units), a date
 * ("2026-03-02", "02.03.2026" → UTC ms), text; empty text is null. NULL with
 * INVALID_INPUT naming the field, the text and what was expected. */
JsonNode     *crm_setup_field_value_parse (JsonObject  *field,
                                           const char  *text,
                                           GError     **error);

G_END_DECLS
