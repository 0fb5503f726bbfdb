/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rights.h — roles as data (issue 20): what a user may see and do with the deals of
 * each pipeline, read from their role. The one place that answers "may this user…?" for
 * deals: crm_validate_op_rights() (the laptop's gates and the server's push checks, the
 * same code), `voronkactl export` and the app's export, and the server's pull and
 * snapshot filter all ask here.
 *
 * A role is a replicated `role` entity (schema step 24): "name" (null for a built-in
 * role that was never renamed: its name is then the translated label of its key), "key"
 * (a built-in role's key, CRM_ROLE_*, or null for a custom role) and "rights", JSON:
 *
 *   {"changes": "all" | "group" | "own", "team": "all" | "group" | "own", "approve": bool,
 *    "default": {"see": "all" | "group" | "own", "edit": bool, "move_won_lost": bool,
 *                "reopen": bool, "delete": bool, "export": bool},
 *    "pipelines": {"<pipeline id>": {the same members, each optional}}}
 *
 * "default" holds for every pipeline "pipelines" does not name, and for a member a
 * pipeline's entry leaves out; a member missing from both is the narrowest (see own, no).
 * "changes" says whose deals (and clients and tasks) the role changes at all: everyone's
 * (a manager), their own and their group's (a head), their own or nobody's (a sales rep,
 * the rules of crm_validate_op_rights()). "team": whose work the role oversees — their
 * tasks, schedules, cards to fix and figures in the team views, and who takes a group's
 * calls as its managers —: everyone's (a manager), their group's (a head), only their
 * own (a sales rep). "approve": whether the role approves requests as the head of its
 * group (the approval chain's "head" step picks a member of the author's group whose
 * role approves). These three are the role's once, for every pipeline (the table
 * crm_rights_role_rights() lists them); a stored role without one of them (written
 * before it existed) has a built-in role's value for it, a custom role's the narrowest
 * (own, false). "see": all deals of the pipeline, "group" —
 * the user's and their group's members' (users with the same `user.grp`), "own" — the
 * user's; a deal nobody is responsible for (a new lead) only with "all" (the rules of
 * crm-visibility.h, which filters what a replica holds by them).
 *
 * `user.role` names a role by its built-in key ("admin", "head", "manager",
 * "accountant", "rep") or by the id of a custom role. The built-in roles' ids are
 * crm_rights_role_id (key). A user whose role names no role the replica has (removed
 * elsewhere meanwhile) has the rights of CRM_ROLE_REP. The administrator's role
 * (CRM_ROLE_ADMIN) may do everything; its rights are not read. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_ROLE_ADMIN      "admin"
#define CRM_ROLE_HEAD       "head"
#define CRM_ROLE_MANAGER    "manager"
#define CRM_ROLE_ACCOUNTANT "accountant"
#define CRM_ROLE_REP        "rep"

/* Whose deals: all, the user's and their group's, the user's own. */
typedef enum {
  CRM_SCOPE_OWN,
  CRM_SCOPE_GROUP,
  CRM_SCOPE_ALL,
} CrmScope;

/* The rights of a role in one pipeline. */
typedef struct {
  CrmScope see;
  gboolean edit;            /* create and change deals (and what hangs off them) */
  gboolean move_won_lost;   /* move a deal into a won or lost stage */
  gboolean reopen;          /* move a won or lost deal out of its stage */
  gboolean delete;          /* delete a deal (or bring a deleted one back) */
  gboolean export;          /* export the pipeline's deals */
} CrmRights;

/* The names of the rights, as in the JSON above and `--right PIPELINE:RIGHT=VALUE`. */
#define CRM_RIGHT_SEE           "see"
#define CRM_RIGHT_EDIT          "edit"
#define CRM_RIGHT_MOVE_WON_LOST "move_won_lost"
#define CRM_RIGHT_REOPEN        "reopen"
#define CRM_RIGHT_DELETE        "delete"
#define CRM_RIGHT_EXPORT        "export"
/* The rights a role has once, for every pipeline. */
#define CRM_RIGHT_CHANGES       "changes"
#define CRM_RIGHT_TEAM          "team"
#define CRM_RIGHT_APPROVE       "approve"

/* A right a role has once (not per pipeline): its name (CRM_RIGHT_CHANGES, …), whether
 * it is a scope (all, group, own) or a flag (true, false), the Roles page's title and
 * subtitle for it and, for a scope, the words for all, group and own (all N_()). */
typedef struct {
  const char *name;
  gboolean    scope;
  const char *title;
  const char *subtitle;
  const char *scopes[3];
} CrmRoleRight;

/* The rights a role has once — changes, team, approve —, ending with {NULL}: the one
 * table the shape check, the editors, `role list` and the Roles page read. */
const CrmRoleRight *crm_rights_role_rights (void);
/* The entry of @name in that table, or NULL. */
const CrmRoleRight *crm_rights_role_right  (const char *name);

/* The built-in keys, NULL-terminated: admin, head, manager, accountant, rep. */
const char * const *crm_rights_builtin_keys   (void);
/* The id of the built-in role @key (UUIDv5 "role/<key>"). */
char               *crm_rights_role_id        (const char  *key);
/* The name people read for a role row (its "name", else its key's translated label). */
char               *crm_rights_role_name      (JsonObject  *role);
/* The rights a built-in role @key has until an administrator changes them (a new JSON
 * object), or NULL for anything else. */
JsonNode           *crm_rights_builtin_rights (const char  *key);
/* The label of a built-in key («Администратор», «Руководитель группы»…), or NULL. */
const char         *crm_rights_builtin_label  (const char  *key);
/* "all", "group", "own" and back; FALSE for anything else. */
const char         *crm_scope_to_string       (CrmScope     scope);
gboolean            crm_scope_from_string     (const char  *text,
                                               CrmScope    *out_scope);

/* ---- one user's rights, read once ------------------------------------------------------ */

typedef struct _CrmUserRights CrmUserRights;

/* The rights of the user @user_id as their role gives them now (the role and the user's
 * group are read once: ask about as many deals and pipelines as needed). A user the
 * replica does not have: NOT_FOUND. A failure to read: the store's read error. */
CrmUserRights *crm_user_rights_new      (CrmStore            *store,
                                         const char          *user_id,
                                         GError             **error);
/* The same for the role named @role (a key or a custom role's id) of @user_id (NULL, or
 * a user the replica does not have: in no group). */
CrmUserRights *crm_user_rights_new_for_role (CrmStore        *store,
                                         const char          *user_id,
                                         const char          *role,
                                         GError             **error);
void           crm_user_rights_free     (CrmUserRights       *rights);
/* Is the user an administrator (everything allowed, the setup theirs)? */
gboolean       crm_user_rights_is_admin (const CrmUserRights *rights);
/* What `user.role` says (a key or an id) and the role's name as people read it. */
const char    *crm_user_rights_role     (const CrmUserRights *rights);
const char    *crm_user_rights_role_name (const CrmUserRights *rights);
/* Whose deals, clients and tasks the role changes ("changes"). */
CrmScope       crm_user_rights_changes  (const CrmUserRights *rights);
/* Whose work the role oversees in the team views ("team"; an administrator: everyone's). */
CrmScope       crm_user_rights_team     (const CrmUserRights *rights);
/* Does the role approve requests as the head of its group ("approve")? */
gboolean       crm_user_rights_approves (const CrmUserRights *rights);
/* The rights in pipeline @pipeline_id (NULL: the role's default). */
void           crm_user_rights_get      (const CrmUserRights *rights,
                                         const char          *pipeline_id,
                                         CrmRights           *out_rights);
/* The ids of the users in the user's group, the user included (only them when they are
 * in no group). NULL-terminated, owned by @rights. */
const char * const *crm_user_rights_group (const CrmUserRights *rights);
/* Is a user responsible for a deal or a client within @scope of this user: the user
 * themselves, a member of their group (CRM_SCOPE_GROUP), anyone (CRM_SCOPE_ALL)?
 * @responsible NULL (nobody's) is within every scope. */
gboolean       crm_user_rights_within   (const CrmUserRights *rights,
                                         CrmScope             scope,
                                         const char          *responsible);
/* May the user see a deal of @pipeline_id whose responsible is @responsible (NULL:
 * nobody's, seen only with "all")? */
gboolean       crm_user_rights_sees     (const CrmUserRights *rights,
                                         const char          *pipeline_id,
                                         const char          *responsible);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmUserRights, crm_user_rights_free)

/* The head of the group @group (a `user.grp`): its first member by name whose role
 * oversees more than their own work ("team": a head, a manager), else its first
 * administrator, else its first member; NULL for a group nobody is in. */
char          *crm_rights_group_head    (CrmStore            *store,
                                         const char          *group);

/* ---- one question at a time -------------------------------------------------------------- */

/* The rights of @user_id in @pipeline_id (NULL: the role's default). */
gboolean crm_rights_for_user     (CrmStore    *store,
                                  const char  *user_id,
                                  const char  *pipeline_id,
                                  CrmRights   *out_rights,
                                  GError     **error);
/* May @user_id see the deal @deal_id (*@out_visible)? A deal the replica does not have:
 * NOT_FOUND. */
gboolean crm_rights_deal_visible (CrmStore    *store,
                                  const char  *user_id,
                                  const char  *deal_id,
                                  gboolean    *out_visible,
                                  GError     **error);
/* May @user_id export the deals of @pipeline_id (NULL: the contacts and companies, which
 * the role's default decides)? FALSE with PERMISSION_DENIED naming the role and the
 * pipeline when not. @user_id NULL (the system's own) may. */
gboolean crm_rights_check_export (CrmStore    *store,
                                  const char  *user_id,
                                  const char  *pipeline_id,
                                  GError     **error);
/* The same for the whole account (a backup): the default and every pipeline. */
gboolean crm_rights_check_export_all (CrmStore    *store,
                                      const char  *user_id,
                                      GError     **error);

/* ---- the op check (crm_validate_op_rights) ---------------------------------------------- */

/* Refuses with PERMISSION_DENIED: the role of @rights lacks @right (one of CRM_RIGHT_*)
 * in the pipeline @pipeline_id (NULL: the role's default) — «Ваша роль «…» не позволяет
 * … в воронке «…»», naming the right. Returns FALSE. */
gboolean crm_rights_deny         (CrmStore            *store,
                                  const CrmUserRights *rights,
                                  const char          *right,
                                  const char          *pipeline_id,
                                  GError             **error);
/* Is @rights a valid "rights" value of a role (the shape above, at most
 * CRM_RIGHTS_MAX_PIPELINES pipelines)? INVALID_INPUT saying what is wrong. */
#define CRM_RIGHTS_MAX_PIPELINES 500
gboolean crm_rights_check_shape  (JsonNode            *rights,
                                  GError             **error);

/* ---- roles as people pick them (the editors are crm_setup_role_*, crm-setup.h) -------- */

/* The roles, built-in first then by name: [{"id", "key" (or null), "name", "users" (how
 * many hold it), "changes", "team", "approve", "default" and "pipelines": [{"id",
 * "name", rights…}] — every
 * live pipeline of the account with the rights the role has in it}]. */
JsonArray    *crm_rights_role_list   (CrmStore    *store,
                                      GError     **error);
/* The live role row named @name_or_id: a built-in key, a role's name as people read it
 * (any case) or its id. NULL with NOT_FOUND saying which roles there are. */
JsonObject   *crm_rights_role_find   (CrmStore    *store,
                                      const char  *name_or_id,
                                      GError     **error);
/* What `user.role` says for a role row: its key for a built-in role, else its id. */
const char   *crm_rights_role_ref    (JsonObject  *role);
/* How many live users hold the role row @role. */
guint         crm_rights_role_users  (CrmStore    *store,
                                      JsonObject  *role);
/* Is @value something `user.role` may say: a built-in key or an id? */
gboolean      crm_rights_is_role_ref (const char  *value);

G_END_DECLS
