/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rights.c — roles as data and what they allow (crm-rights.h). */
#define G_LOG_DOMAIN "voronka-rights"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-rights.h"
#include "crm-error.h"
#include "crm-json.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-uuid.h"

/* The built-in roles and the rights they have until an administrator changes them (the
 * same as schema step 24 writes, with "team" and "approve" since: today's behaviour for
 * admin, manager and rep; a head a manager for his group). */
#define BUILTIN(changes, team, approve, see, edit, close, reopen, delete, export) \
  "{\"changes\":\"" changes "\",\"team\":\"" team "\",\"approve\":" approve \
  ",\"default\":{\"see\":\"" see "\",\"edit\":" edit ",\"move_won_lost\":" close \
  ",\"reopen\":" reopen ",\"delete\":" delete ",\"export\":" export "},\"pipelines\":{}}"
static const struct {
  const char *key;
  const char *label;
  const char *rights;
} builtins[] = {
  { CRM_ROLE_ADMIN, N_("Administrator"),
    BUILTIN ("all", "all", "true", "all", "true", "true", "true", "true", "true") },
  { CRM_ROLE_HEAD, N_("Head of group"),
    BUILTIN ("group", "group", "true", "group", "true", "true", "true", "true", "true") },
  { CRM_ROLE_MANAGER, N_("Manager"),
    BUILTIN ("all", "all", "true", "all", "true", "true", "true", "true", "true") },
  { CRM_ROLE_ACCOUNTANT, N_("Accountant"),
    BUILTIN ("own", "own", "false", "all", "false", "false", "false", "false", "true") },
  { CRM_ROLE_REP, N_("Sales rep"),
    BUILTIN ("own", "own", "false", "all", "true", "true", "true", "true", "true") },
};
#undef BUILTIN

/* The rights a role has once (crm-rights.h). */
static const CrmRoleRight role_rights[] = {
  { CRM_RIGHT_CHANGES, TRUE, N_("Changes"),
    N_("Whose deals, clients and tasks people of this role change"),
    { N_("Everyone’s deals"), N_("Their group’s deals"), N_("Their own deals") } },
  { CRM_RIGHT_TEAM, TRUE, N_("Oversees"),
    N_("Whose tasks, schedules, figures and cards to fix they see in the team views, and "
       "whose calls they take as managers"),
    { N_("Everyone’s work"), N_("Their group’s work"), N_("Only their own") } },
  { CRM_RIGHT_APPROVE, FALSE, N_("Approves"),
    N_("Decides the requests of their group’s members (discounts, invoices) as its head"),
    { NULL } },
  { NULL }
};

static const char *const builtin_keys[] = {
  CRM_ROLE_ADMIN, CRM_ROLE_HEAD, CRM_ROLE_MANAGER, CRM_ROLE_ACCOUNTANT, CRM_ROLE_REP, NULL
};

static const char *const right_names[] = {
  CRM_RIGHT_SEE, CRM_RIGHT_EDIT, CRM_RIGHT_MOVE_WON_LOST, CRM_RIGHT_REOPEN,
  CRM_RIGHT_DELETE, CRM_RIGHT_EXPORT, NULL
};

#define invalid(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, __VA_ARGS__)

const char * const *
crm_rights_builtin_keys (void)
{
  return builtin_keys;
}

const CrmRoleRight *
crm_rights_role_rights (void)
{
  return role_rights;
}

const CrmRoleRight *
crm_rights_role_right (const char *name)
{
  for (const CrmRoleRight *right = role_rights; name != NULL && right->name != NULL; right++)
    if (g_str_equal (right->name, name))
      return right;
  return NULL;
}

static int
builtin_index (const char *key)
{
  for (guint i = 0; key != NULL && i < G_N_ELEMENTS (builtins); i++)
    if (g_str_equal (builtins[i].key, key))
      return (int) i;
  return -1;
}

char *
crm_rights_role_id (const char *key)
{
  g_autofree char *name = g_strconcat ("role/", key, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

JsonNode *
crm_rights_builtin_rights (const char *key)
{
  int i = builtin_index (key);

  return i >= 0 ? json_from_string (builtins[i].rights, NULL) : NULL;
}

const char *
crm_rights_builtin_label (const char *key)
{
  int i = builtin_index (key);

  return i >= 0 ? _(builtins[i].label) : NULL;
}

char *
crm_rights_role_name (JsonObject *role)
{
  const char *name = crm_json_string (role, "name");
  const char *label;

  if (name != NULL && *name != '\0')
    return g_strdup (name);
  label = crm_rights_builtin_label (crm_json_string (role, "key"));
  return g_strdup (label != NULL ? label : crm_json_string_or (role, "id", ""));
}

const char *
crm_scope_to_string (CrmScope scope)
{
  switch (scope)
    {
    case CRM_SCOPE_ALL:
      return "all";
    case CRM_SCOPE_GROUP:
      return "group";
    case CRM_SCOPE_OWN:
    default:
      return "own";
    }
}

gboolean
crm_scope_from_string (const char *text,
                       CrmScope   *out_scope)
{
  CrmScope scope;

  if (g_strcmp0 (text, "all") == 0)
    scope = CRM_SCOPE_ALL;
  else if (g_strcmp0 (text, "group") == 0)
    scope = CRM_SCOPE_GROUP;
  else if (g_strcmp0 (text, "own") == 0)
    scope = CRM_SCOPE_OWN;
  else
    return FALSE;
  if (out_scope != NULL)
    *out_scope = scope;
  return TRUE;
}

gboolean
crm_rights_is_role_ref (const char *value)
{
  return value != NULL && (builtin_index (value) >= 0 || crm_uuid_is_valid (value));
}

/* ---- reading a role's rights ----------------------------------------------------------- */

/* The members of @entry that it has over @rights (a pipeline's entry over the default). */
static void
rights_overlay (CrmRights  *rights,
                JsonObject *entry)
{
  JsonNode *node;

  if (entry == NULL)
    return;
  crm_scope_from_string (crm_json_string (entry, CRM_RIGHT_SEE), &rights->see);
#define FLAG(member, name) \
  node = json_object_get_member (entry, name); \
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && \
      json_node_get_value_type (node) == G_TYPE_BOOLEAN) \
    rights->member = json_node_get_boolean (node);
  FLAG (edit, CRM_RIGHT_EDIT)
  FLAG (move_won_lost, CRM_RIGHT_MOVE_WON_LOST)
  FLAG (reopen, CRM_RIGHT_REOPEN)
  FLAG (delete, CRM_RIGHT_DELETE)
  FLAG (export, CRM_RIGHT_EXPORT)
#undef FLAG
}

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

struct _CrmUserRights {
  CrmStore   *store;
  char       *user_id;
  char       *role;        /* what user.role says */
  char       *role_name;
  char       *grp;
  gboolean    admin;
  CrmScope    changes;
  CrmScope    team;
  gboolean    approve;
  CrmRights   fallback;    /* the default */
  JsonObject *pipelines;   /* the role's "pipelines" (ref), or NULL */
  GStrv       group;       /* read when first asked */
};

void
crm_user_rights_free (CrmUserRights *rights)
{
  if (rights == NULL)
    return;
  g_clear_object (&rights->store);
  g_free (rights->user_id);
  g_free (rights->role);
  g_free (rights->role_name);
  g_free (rights->grp);
  g_clear_pointer (&rights->pipelines, json_object_unref);
  g_strfreev (rights->group);
  g_free (rights);
}

/* The live role row @role names (a key or an id), or NULL. */
static JsonObject *
dup_role_row (CrmStore   *store,
              const char *role)
{
  g_autofree char *id = NULL;
  JsonObject *row;

  if (role == NULL)
    return NULL;
  if (builtin_index (role) >= 0)
    id = crm_rights_role_id (role);
  else if (crm_uuid_is_valid (role))
    id = g_strdup (role);
  else
    return NULL;
  row = crm_store_dup_entity (store, "role", id);
  if (row != NULL && json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    g_clear_pointer (&row, json_object_unref);
  return row;
}

/* The rights a role has once, from @object over what @self has. */
static void
role_rights_overlay (CrmUserRights *self,
                     JsonObject    *object)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, CRM_RIGHT_APPROVE) : NULL;

  if (object == NULL)
    return;
  crm_scope_from_string (crm_json_string (object, CRM_RIGHT_CHANGES), &self->changes);
  crm_scope_from_string (crm_json_string (object, CRM_RIGHT_TEAM), &self->team);
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    self->approve = json_node_get_boolean (node);
}

/* Fills @self from the rights JSON @rights_object of a role whose key is @key (NULL: a
 * custom role). A right the role has once and @rights_object lacks (stored before it
 * existed) is the built-in role's, a custom role's the narrowest. */
static void
take_rights (CrmUserRights *self,
             const char    *key,
             JsonObject    *rights_object)
{
  int i = builtin_index (key);

  memset (&self->fallback, 0, sizeof self->fallback);
  self->fallback.see = CRM_SCOPE_OWN;
  self->changes = CRM_SCOPE_OWN;
  self->team = CRM_SCOPE_OWN;
  self->approve = FALSE;
  if (i >= 0)
    {
      g_autoptr(JsonNode) builtin = json_from_string (builtins[i].rights, NULL);

      role_rights_overlay (self, json_node_get_object (builtin));
    }
  if (rights_object == NULL)
    return;
  role_rights_overlay (self, rights_object);
  rights_overlay (&self->fallback, object_member (rights_object, "default"));
  self->pipelines = object_member (rights_object, "pipelines");
  if (self->pipelines != NULL)
    json_object_ref (self->pipelines);
}

CrmUserRights *
crm_user_rights_new_for_role (CrmStore    *store,
                              const char  *user_id,
                              const char  *role,
                              GError     **error)
{
  g_autoptr(CrmUserRights) self = g_new0 (CrmUserRights, 1);
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonNode) builtin = NULL;
  JsonNode *rights;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  self->store = g_object_ref (store);
  self->user_id = g_strdup (user_id);
  /* (a user the replica does not have yet is in no group) */
  if (user_id != NULL && !crm_store_read_entity (store, "user", user_id, &user, error))
    return NULL;
  self->grp = user != NULL ? g_strdup (crm_json_string (user, "grp")) : NULL;
  self->role = g_strdup (role != NULL ? role : CRM_ROLE_REP);
  self->admin = g_str_equal (self->role, CRM_ROLE_ADMIN);
  row = dup_role_row (store, self->role);
  if (row == NULL && builtin_index (self->role) < 0)
    {
      /* a role removed elsewhere meanwhile, or a text no role is: a sales rep's rights */
      g_free (self->role);
      self->role = g_strdup (CRM_ROLE_REP);
      row = dup_role_row (store, self->role);
    }
  if (row != NULL)
    {
      self->role_name = crm_rights_role_name (row);
      rights = json_object_get_member (row, "rights");
    }
  else
    {
      /* a built-in role the replica has no row of: its rights as step 24 writes them */
      int i = builtin_index (self->role);

      self->role_name = g_strdup (_(builtins[i].label));
      builtin = json_from_string (builtins[i].rights, NULL);
      rights = builtin;
    }
  take_rights (self, row != NULL ? crm_json_string (row, "key") : self->role,
               rights != NULL && JSON_NODE_HOLDS_OBJECT (rights)
               ? json_node_get_object (rights) : NULL);
  return g_steal_pointer (&self);
}

CrmUserRights *
crm_user_rights_new (CrmStore    *store,
                     const char  *user_id,
                     GError     **error)
{
  g_autoptr(JsonObject) user = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!crm_store_read_entity (store, "user", user_id, &user, error))
    return NULL;
  if (user == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no user with id %s in this replica"), user_id);
      return NULL;
    }
  return crm_user_rights_new_for_role (store, user_id, crm_json_string (user, "role"), error);
}

gboolean
crm_user_rights_is_admin (const CrmUserRights *rights)
{
  return rights->admin;
}

const char *
crm_user_rights_role (const CrmUserRights *rights)
{
  return rights->role;
}

const char *
crm_user_rights_role_name (const CrmUserRights *rights)
{
  return rights->role_name;
}

CrmScope
crm_user_rights_changes (const CrmUserRights *rights)
{
  return rights->admin ? CRM_SCOPE_ALL : rights->changes;
}

CrmScope
crm_user_rights_team (const CrmUserRights *rights)
{
  return rights->admin ? CRM_SCOPE_ALL : rights->team;
}

gboolean
crm_user_rights_approves (const CrmUserRights *rights)
{
  return rights->admin || rights->approve;
}

void
crm_user_rights_get (const CrmUserRights *rights,
                     const char          *pipeline_id,
                     CrmRights           *out_rights)
{
  g_return_if_fail (rights != NULL && out_rights != NULL);

  if (rights->admin)
    {
      *out_rights = (CrmRights) { CRM_SCOPE_ALL, TRUE, TRUE, TRUE, TRUE, TRUE };
      return;
    }
  *out_rights = rights->fallback;
  if (pipeline_id != NULL)
    rights_overlay (out_rights, object_member (rights->pipelines, pipeline_id));
}

const char * const *
crm_user_rights_group (const CrmUserRights *rights)
{
  CrmUserRights *self = (CrmUserRights *) rights;
  g_autoptr(GStrvBuilder) builder = NULL;
  sqlite3_stmt *stmt;

  if (self->group != NULL)
    return (const char * const *) self->group;
  builder = g_strv_builder_new ();
  if (self->user_id != NULL)
    g_strv_builder_add (builder, self->user_id);
  if (self->grp != NULL &&
      (stmt = _crm_store_prepare (self->store, "SELECT id FROM \"user\" WHERE grp = ?1"
                                  " AND deleted = 0 AND id IS NOT ?2 ORDER BY id", NULL)) != NULL)
    {
      _crm_sql_bind_text_or_null (stmt, 1, self->grp);
      _crm_sql_bind_text_or_null (stmt, 2, self->user_id);
      while (_crm_store_step (self->store, stmt) == SQLITE_ROW)
        g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  self->group = g_strv_builder_end (builder);
  return (const char * const *) self->group;
}

gboolean
crm_user_rights_within (const CrmUserRights *rights,
                        CrmScope             scope,
                        const char          *responsible)
{
  if (responsible == NULL || scope == CRM_SCOPE_ALL || rights->admin ||
      g_strcmp0 (responsible, rights->user_id) == 0)
    return TRUE;
  if (scope == CRM_SCOPE_GROUP)
    return g_strv_contains (crm_user_rights_group (rights), responsible);
  return FALSE;
}

gboolean
crm_user_rights_sees (const CrmUserRights *rights,
                      const char          *pipeline_id,
                      const char          *responsible)
{
  CrmRights in_pipeline;

  crm_user_rights_get (rights, pipeline_id, &in_pipeline);
  /* a deal nobody is responsible for (a new lead) only with «all» (crm-visibility.h) */
  if (responsible == NULL)
    return in_pipeline.see == CRM_SCOPE_ALL;
  return crm_user_rights_within (rights, in_pipeline.see, responsible);
}

char *
crm_rights_group_head (CrmStore   *store,
                       const char *group)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (group == NULL ||
      (stmt = _crm_store_prepare (store, "SELECT id, role FROM \"user\" WHERE grp = ?1"
                                  " AND deleted = 0 ORDER BY name, id", NULL)) == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, group);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (members, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (members, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < members->len; i += 2)
    {
      g_autoptr(CrmUserRights) rights = NULL;

      if (g_strcmp0 (members->pdata[i + 1], CRM_ROLE_ADMIN) == 0)
        continue;
      rights = crm_user_rights_new_for_role (store, members->pdata[i], members->pdata[i + 1],
                                             NULL);
      if (rights != NULL && crm_user_rights_team (rights) != CRM_SCOPE_OWN)
        return g_strdup (members->pdata[i]);
    }
  for (guint i = 0; i < members->len; i += 2)
    if (g_strcmp0 (members->pdata[i + 1], CRM_ROLE_ADMIN) == 0)
      return g_strdup (members->pdata[i]);
  return members->len > 0 ? g_strdup (members->pdata[0]) : NULL;
}

/* ---- one question at a time ------------------------------------------------------------ */

gboolean
crm_rights_for_user (CrmStore    *store,
                     const char  *user_id,
                     const char  *pipeline_id,
                     CrmRights   *out_rights,
                     GError     **error)
{
  g_autoptr(CrmUserRights) rights = crm_user_rights_new (store, user_id, error);

  if (rights == NULL)
    return FALSE;
  crm_user_rights_get (rights, pipeline_id, out_rights);
  return TRUE;
}

gboolean
crm_rights_deal_visible (CrmStore    *store,
                         const char  *user_id,
                         const char  *deal_id,
                         gboolean    *out_visible,
                         GError     **error)
{
  g_autoptr(CrmUserRights) rights = NULL;
  g_autoptr(JsonObject) deal = NULL;

  g_return_val_if_fail (out_visible != NULL, FALSE);

  if (!crm_store_read_entity (store, "deal", deal_id, &deal, error))
    return FALSE;
  if (deal == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no deal with id %s in this replica"), deal_id);
      return FALSE;
    }
  if ((rights = crm_user_rights_new (store, user_id, error)) == NULL)
    return FALSE;
  *out_visible = crm_user_rights_sees (rights, crm_json_string (deal, "pipeline"),
                                       crm_json_string (deal, "responsible"));
  return TRUE;
}

/* ---- refusals --------------------------------------------------------------------------- */

gboolean
crm_rights_deny (CrmStore            *store,
                 const CrmUserRights *rights,
                 const char          *right,
                 const char          *pipeline_id,
                 GError             **error)
{
  g_autofree char *pipeline = pipeline_id != NULL
                              ? _crm_store_dup_column (store, "pipeline", pipeline_id, "name")
                              : NULL;
  const char *role = rights->role_name;
  const char *where = pipeline != NULL ? pipeline : pipeline_id;
  const char *format;

  /* one sentence per right, so that each reads whole in every language */
  if (where == NULL)
    {
      if (g_str_equal (right, CRM_RIGHT_EXPORT))
        format = N_("Your role «%s» does not allow exporting (the right “export”); ask an "
                    "administrator for it");
      else
        format = N_("Your role «%s» does not allow this (the right “%s”); ask an "
                    "administrator for it");
      return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED,
                             _(format), role, right);
    }
  if (g_str_equal (right, CRM_RIGHT_EDIT))
    format = N_("Your role «%s» does not allow changing deals in the pipeline «%s» (the "
                "right “edit”); ask an administrator for it");
  else if (g_str_equal (right, CRM_RIGHT_MOVE_WON_LOST))
    format = N_("Your role «%s» does not allow closing deals as won or lost in the pipeline "
                "«%s» (the right “move_won_lost”); ask an administrator for it");
  else if (g_str_equal (right, CRM_RIGHT_REOPEN))
    format = N_("Your role «%s» does not allow reopening won or lost deals in the pipeline "
                "«%s» (the right “reopen”); ask an administrator for it");
  else if (g_str_equal (right, CRM_RIGHT_DELETE))
    format = N_("Your role «%s» does not allow deleting deals in the pipeline «%s» (the "
                "right “delete”); ask an administrator for it");
  else if (g_str_equal (right, CRM_RIGHT_EXPORT))
    format = N_("Your role «%s» does not allow exporting the deals of the pipeline «%s» "
                "(the right “export”); ask an administrator for it");
  else
    format = N_("Your role «%s» does not allow seeing these deals of the pipeline «%s» "
                "(the right “see”); ask an administrator for it");
  return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED,
                         _(format), role, where);
}

gboolean
crm_rights_check_export (CrmStore    *store,
                         const char  *user_id,
                         const char  *pipeline_id,
                         GError     **error)
{
  g_autoptr(CrmUserRights) rights = NULL;
  CrmRights in_pipeline;

  if (user_id == NULL)
    return TRUE;   /* the system's own */
  if ((rights = crm_user_rights_new (store, user_id, error)) == NULL)
    return FALSE;
  crm_user_rights_get (rights, pipeline_id, &in_pipeline);
  return in_pipeline.export || crm_rights_deny (store, rights, CRM_RIGHT_EXPORT, pipeline_id,
                                                error);
}

gboolean
crm_rights_check_export_all (CrmStore    *store,
                             const char  *user_id,
                             GError     **error)
{
  g_autoptr(CrmUserRights) rights = NULL;
  g_autofree char *refused = NULL;
  sqlite3_stmt *stmt;
  CrmRights in_pipeline;
  int rc;

  if (user_id == NULL)
    return TRUE;
  if ((rights = crm_user_rights_new (store, user_id, error)) == NULL)
    return FALSE;
  crm_user_rights_get (rights, NULL, &in_pipeline);
  if (!in_pipeline.export)
    return crm_rights_deny (store, rights, CRM_RIGHT_EXPORT, NULL, error);
  stmt = _crm_store_prepare (store, "SELECT id FROM pipeline WHERE deleted = 0 ORDER BY"
                             " position, id", error);
  if (stmt == NULL)
    return FALSE;
  while (refused == NULL && (rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      crm_user_rights_get (rights, id, &in_pipeline);
      if (!in_pipeline.export)
        refused = g_strdup (id);
    }
  sqlite3_reset (stmt);
  if (refused == NULL && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the pipelines");
      return FALSE;
    }
  if (refused != NULL)
    return crm_rights_deny (store, rights, CRM_RIGHT_EXPORT, refused, error);
  return TRUE;
}

/* ---- the shape of a role's rights -------------------------------------------------------- */

static gboolean
check_entry (JsonNode    *node,
             const char  *where,
             GError     **error)
{
  JsonObject *entry;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, _("The rights of a role for %s must be an object"), where);
  entry = json_node_get_object (node);
  members = json_object_get_members (entry);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (entry, name);

      if (!g_strv_contains (right_names, name))
        return invalid (error, _("“%.40s” is not a right of a role (%s); the rights are see, "
                                 "edit, move_won_lost, reopen, delete and export"), name, where);
      if (g_str_equal (name, CRM_RIGHT_SEE)
          ? !crm_scope_from_string (crm_json_node_string (value), NULL)
          : !(JSON_NODE_HOLDS_VALUE (value) &&
              json_node_get_value_type (value) == G_TYPE_BOOLEAN))
        return invalid (error, g_str_equal (name, CRM_RIGHT_SEE)
                               ? _("The right “see” of a role (%s) is all, group or own")
                               : _("A right of a role (%s) is true or false"), where);
    }
  return TRUE;
}

gboolean
crm_rights_check_shape (JsonNode  *rights,
                        GError   **error)
{
  JsonObject *object;
  JsonNode *node;
  JsonObject *pipelines;
  g_autoptr(GList) members = NULL;

  if (rights == NULL || JSON_NODE_HOLDS_NULL (rights))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (rights))
    return invalid (error, _("A role's rights must be an object {\"changes\", \"default\", "
                             "\"pipelines\"}"));
  object = json_node_get_object (rights);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const CrmRoleRight *once = crm_rights_role_right (l->data);

      if (once == NULL && !g_str_equal (l->data, "default") &&
          !g_str_equal (l->data, "pipelines"))
        return invalid (error, _("“%.40s” is not part of a role's rights (changes, team, "
                                 "approve, default, pipelines)"), (const char *) l->data);
      node = json_object_get_member (object, l->data);
      if (once != NULL && g_str_equal (once->name, CRM_RIGHT_CHANGES) &&
          !crm_scope_from_string (crm_json_node_string (node), NULL))
        return invalid (error, _("Whose deals a role changes is all, group or own"));
      if (once != NULL && once->scope &&
          !crm_scope_from_string (crm_json_node_string (node), NULL))
        return invalid (error, _("The right “%s” of a role is all, group or own"), once->name);
      if (once != NULL && !once->scope &&
          !(JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN))
        return invalid (error, _("The right “%s” of a role is true or false"), once->name);
    }
  node = json_object_get_member (object, "default");
  if (node != NULL && !check_entry (node, _("pipelines not listed"), error))
    return FALSE;
  node = json_object_get_member (object, "pipelines");
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, _("A role's rights per pipeline must be an object of pipeline ids"));
  pipelines = json_node_get_object (node);
  if (json_object_get_size (pipelines) > CRM_RIGHTS_MAX_PIPELINES)
    return invalid (error, _("A role has rights for at most %d pipelines"),
                    CRM_RIGHTS_MAX_PIPELINES);
  g_clear_pointer (&members, g_list_free);
  members = json_object_get_members (pipelines);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!crm_uuid_is_valid (l->data))
        return invalid (error, _("A role's rights name a pipeline by its id, not “%.40s”"),
                        (const char *) l->data);
      if (!check_entry (json_object_get_member (pipelines, l->data), l->data, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- roles as people pick them ------------------------------------------------------------ */

const char *
crm_rights_role_ref (JsonObject *role)
{
  const char *key = crm_json_string (role, "key");

  return builtin_index (key) >= 0 ? key : crm_json_string (role, "id");
}

guint
crm_rights_role_users (CrmStore   *store,
                       JsonObject *role)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT count(*) FROM \"user\" WHERE deleted = 0 AND role IN (?1, ?2)", NULL);
  guint n = 0;

  if (stmt == NULL)
    return 0;
  _crm_sql_bind_text_or_null (stmt, 1, crm_json_string (role, "id"));
  _crm_sql_bind_text_or_null (stmt, 2, crm_json_string (role, "key"));
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  g_autofree char *name_a = crm_rights_role_name (*(JsonObject **) a);
  g_autofree char *name_b = crm_rights_role_name (*(JsonObject **) b);

  return g_utf8_collate (name_a, name_b);
}

/* Gives the stored built-in role @row (of builtins[@k]) the rights it has once and its
 * "rights" lacks (written before they existed) as the built-in role has them, so that a
 * role made like it starts from what it has. */
static void
complete_builtin (JsonObject *row,
                  guint       k)
{
  JsonNode *stored = json_object_get_member (row, "rights");
  g_autoptr(JsonNode) builtin = json_from_string (builtins[k].rights, NULL);
  JsonObject *rights;

  if (stored == NULL || !JSON_NODE_HOLDS_OBJECT (stored))
    return;
  rights = json_node_get_object (stored);
  for (const CrmRoleRight *once = role_rights; once->name != NULL; once++)
    if (!json_object_has_member (rights, once->name))
      json_object_set_member (rights, once->name, json_node_copy (
        json_object_get_member (json_node_get_object (builtin), once->name)));
}

/* The live roles, built-in ones first in their order, then by name. */
static GPtrArray *
dup_roles (CrmStore  *store,
           GError   **error)
{
  g_autoptr(GPtrArray) roles = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) custom = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store, "SELECT id FROM role WHERE deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the roles");
      return NULL;
    }
  for (guint k = 0; builtin_keys[k] != NULL; k++)
    {
      g_autofree char *id = crm_rights_role_id (builtin_keys[k]);
      JsonObject *row = NULL;

      if (!crm_store_read_entity (store, "role", id, &row, error))
        return NULL;
      if (row != NULL && json_object_get_boolean_member_with_default (row, "deleted", FALSE))
        g_clear_pointer (&row, json_object_unref);
      if (row != NULL)
        complete_builtin (row, k);
      else
        {
          /* not written (yet): the built-in role as it comes */
          row = json_object_new ();
          json_object_set_string_member (row, "id", id);
          json_object_set_null_member (row, "name");
          json_object_set_string_member (row, "key", builtin_keys[k]);
          json_object_set_member (row, "rights", json_from_string (builtins[k].rights, NULL));
        }
      g_ptr_array_add (roles, row);
    }
  for (guint i = 0; i < ids->len; i++)
    {
      JsonObject *row = NULL;

      if (!crm_store_read_entity (store, "role", ids->pdata[i], &row, error))
        return NULL;
      if (row != NULL && builtin_index (crm_json_string (row, "key")) < 0)
        g_ptr_array_add (custom, row);
      else if (row != NULL)
        json_object_unref (row);
    }
  g_ptr_array_sort (custom, compare_by_name);
  for (guint i = 0; i < custom->len; i++)
    g_ptr_array_add (roles, json_object_ref (custom->pdata[i]));
  return g_steal_pointer (&roles);
}

JsonObject *
crm_rights_role_find (CrmStore    *store,
                      const char  *name_or_id,
                      GError     **error)
{
  g_autoptr(GPtrArray) roles = NULL;
  g_autofree char *folded = NULL;
  g_autoptr(GString) names = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((roles = dup_roles (store, error)) == NULL)
    return NULL;
  folded = g_utf8_casefold (name_or_id != NULL ? name_or_id : "", -1);
  for (guint i = 0; i < roles->len; i++)
    {
      JsonObject *role = roles->pdata[i];
      g_autofree char *name = crm_rights_role_name (role);
      g_autofree char *name_folded = g_utf8_casefold (name, -1);

      if (g_strcmp0 (crm_json_string (role, "key"), name_or_id) == 0 ||
          g_strcmp0 (crm_json_string (role, "id"), name_or_id) == 0 ||
          g_str_equal (name_folded, folded))
        return json_object_ref (role);
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < roles->len; i++)
    {
      g_autofree char *name = crm_rights_role_name (roles->pdata[i]);
      const char *key = crm_json_string (roles->pdata[i], "key");

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", key != NULL ? key : name);
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("There is no role «%s»; the roles are: %s"), name_or_id ? name_or_id : "",
               names->str);
  return NULL;
}

static JsonObject *
rights_entry (const CrmRights *rights)
{
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, CRM_RIGHT_SEE, crm_scope_to_string (rights->see));
  json_object_set_boolean_member (entry, CRM_RIGHT_EDIT, rights->edit);
  json_object_set_boolean_member (entry, CRM_RIGHT_MOVE_WON_LOST, rights->move_won_lost);
  json_object_set_boolean_member (entry, CRM_RIGHT_REOPEN, rights->reopen);
  json_object_set_boolean_member (entry, CRM_RIGHT_DELETE, rights->delete);
  json_object_set_boolean_member (entry, CRM_RIGHT_EXPORT, rights->export);
  return entry;
}

JsonArray *
crm_rights_role_list (CrmStore  *store,
                      GError   **error)
{
  g_autoptr(GPtrArray) roles = NULL;
  g_autoptr(GPtrArray) pipelines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonArray) out = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((roles = dup_roles (store, error)) == NULL)
    return NULL;
  stmt = _crm_store_prepare (store, "SELECT id, name FROM pipeline WHERE deleted = 0"
                             " ORDER BY position, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (pipelines, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (pipelines, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the pipelines");
      return NULL;
    }
  for (guint i = 0; i < roles->len; i++)
    {
      JsonObject *role = roles->pdata[i];
      JsonObject *row = json_object_new ();
      JsonArray *per_pipeline = json_array_new ();
      g_autoptr(CrmUserRights) rights = g_new0 (CrmUserRights, 1);
      JsonNode *stored = json_object_get_member (role, "rights");
      CrmRights values;
      const char *key = crm_json_string (role, "key");
      g_autofree char *name = crm_rights_role_name (role);

      rights->store = g_object_ref (store);
      rights->admin = g_strcmp0 (key, CRM_ROLE_ADMIN) == 0;
      take_rights (rights, key, stored != NULL && JSON_NODE_HOLDS_OBJECT (stored)
                                  ? json_node_get_object (stored) : NULL);
      json_object_set_string_member (row, "id", crm_json_string (role, "id"));
      crm_json_set_string_or_null (row, "key", key);
      json_object_set_string_member (row, "name", name);
      json_object_set_int_member (row, "users", crm_rights_role_users (store, role));
      json_object_set_string_member (row, CRM_RIGHT_CHANGES,
                                     crm_scope_to_string (crm_user_rights_changes (rights)));
      json_object_set_string_member (row, CRM_RIGHT_TEAM,
                                     crm_scope_to_string (crm_user_rights_team (rights)));
      json_object_set_boolean_member (row, CRM_RIGHT_APPROVE, crm_user_rights_approves (rights));
      crm_user_rights_get (rights, NULL, &values);
      json_object_set_object_member (row, "default", rights_entry (&values));
      for (guint p = 0; p < pipelines->len; p += 2)
        {
          JsonObject *entry;

          crm_user_rights_get (rights, pipelines->pdata[p], &values);
          entry = rights_entry (&values);
          json_object_set_string_member (entry, "id", pipelines->pdata[p]);
          json_object_set_string_member (entry, "name", pipelines->pdata[p + 1]);
          json_array_add_object_element (per_pipeline, entry);
        }
      json_object_set_array_member (row, "pipelines", per_pipeline);
      json_array_add_object_element (out, row);
    }
  return g_steal_pointer (&out);
}
