/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-context.c — the replica a window works on, its current user, the shared filters,
 * and the write path that keeps every view in step. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-context.h"
#include "crm-json.h"
#include "crm-query.h"
#include "crm-undo.h"

struct _CrmContext
{
  GObject     parent_instance;

  CrmStore   *store;
  char       *user_id;
  char       *user_name;
  char       *user_role;
  char       *last_change_set;  /* what the last write here was, for «Undo» */

  JsonArray  *pipelines;   /* cache, NULL until asked */
  JsonArray  *users;
  JsonArray  *tags;

  GStrv       tag_filter;
  char       *search;

  guint       checkpoint_id;  /* idle checkpoint after writes */
  GObject    *sync;           /* weak: the window's CrmSyncController */
};

G_DEFINE_FINAL_TYPE (CrmContext, crm_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_USER_ID,
  PROP_TAG_FILTER,
  PROP_SEARCH,
  N_PROPS
};

enum {
  CHANGED,
  APPLIED,
  READ_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
forget_caches (CrmContext *self)
{
  g_clear_pointer (&self->pipelines, json_array_unref);
  g_clear_pointer (&self->users, json_array_unref);
  g_clear_pointer (&self->tags, json_array_unref);
}

static JsonArray *
array_or_empty (JsonNode *node)
{
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_array_ref (json_node_get_array (node));
  return json_array_new ();
}

/* A read of what the views share failed: they show nothing of it, so the window says why
 * ("read-failed"). */
static void
read_failed (CrmContext   *self,
             const char   *title,
             const GError *error)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", title, error->message);

  g_message ("%s", message);
  g_signal_emit (self, signals[READ_FAILED], 0, message);
}

static void
load_user (CrmContext *self,
           const char *user_id)
{
  g_autoptr(JsonObject) user = NULL;

  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->user_name, g_free);
  g_clear_pointer (&self->user_role, g_free);

  if (user_id != NULL)
    user = crm_store_dup_entity (self->store, "user", user_id);
  if (user == NULL || json_object_get_boolean_member_with_default (user, "deleted", FALSE))
    {
      g_autofree char *admin = crm_query_default_user (self->store);

      g_clear_pointer (&user, json_object_unref);
      if (admin != NULL)
        user = crm_store_dup_entity (self->store, "user", admin);
    }
  if (user == NULL)
    return;
  self->user_id = g_strdup (json_object_get_string_member_with_default (user, "id", NULL));
  self->user_name = g_strdup (json_object_get_string_member_with_default (user, "name", ""));
  self->user_role = g_strdup (json_object_get_string_member_with_default (user, "role", ""));
}

static void
crm_context_constructed (GObject *object)
{
  CrmContext *self = CRM_CONTEXT (object);
  g_autofree char *user_id = NULL;

  G_OBJECT_CLASS (crm_context_parent_class)->constructed (object);

  user_id = crm_store_dup_meta (self->store, "app.user");
  if (user_id == NULL)
    user_id = crm_store_dup_meta (self->store, "sync.user_id");
  load_user (self, user_id);
}

static void
crm_context_finalize (GObject *object)
{
  CrmContext *self = CRM_CONTEXT (object);

  forget_caches (self);
  g_clear_weak_pointer (&self->sync);
  if (self->checkpoint_id != 0 && self->store != NULL)
    crm_store_checkpoint (self->store, NULL);
  g_clear_handle_id (&self->checkpoint_id, g_source_remove);
  g_clear_object (&self->store);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->user_name, g_free);
  g_clear_pointer (&self->user_role, g_free);
  g_clear_pointer (&self->last_change_set, g_free);
  g_clear_pointer (&self->tag_filter, g_strfreev);
  g_clear_pointer (&self->search, g_free);
  G_OBJECT_CLASS (crm_context_parent_class)->finalize (object);
}

static void
crm_context_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CrmContext *self = CRM_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_TAG_FILTER:
      g_value_set_boxed (value, self->tag_filter);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_context_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  CrmContext *self = CRM_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      /* writes never wait for a checkpoint; it runs when the user pauses. Reads go
       * through the page cache, not a memory map: mapped pages of a 2 GB replica
       * would count in the app's resident memory (bench/RESULTS.md, section 9) */
      if (self->store != NULL)
        {
          g_autoptr(GError) error = NULL;

          crm_store_set_deferred_checkpoints (self->store, TRUE);
          if (!crm_store_set_memory_limits (self->store, 32768, 0, &error))
            g_warning ("Could not set the replica's memory limits: %s", error->message);
        }
      break;
    case PROP_USER_ID:
      crm_context_set_user (self, g_value_get_string (value));
      break;
    case PROP_TAG_FILTER:
      crm_context_set_tag_filter (self, g_value_get_boxed (value));
      break;
    case PROP_SEARCH:
      crm_context_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_context_class_init (CrmContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = crm_context_constructed;
  object_class->finalize = crm_context_finalize;
  object_class->get_property = crm_context_get_property;
  object_class->set_property = crm_context_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, CRM_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TAG_FILTER] =
    g_param_spec_boxed ("tag-filter", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The replica changed (a write here, or ops merged from the server). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A change set made here was written (sync pushes it soon); "changed" follows. */
  signals[APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A read of pipelines, users or tags failed; the argument says so in words (the cause
   * and what to do). The views get empty lists meanwhile. */
  signals[READ_FAILED] = g_signal_new ("read-failed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
crm_context_init (CrmContext *self)
{
  self->tag_filter = g_new0 (char *, 1);
}

CrmContext *
crm_context_new (CrmStore *store)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  return g_object_new (CRM_TYPE_CONTEXT, "store", store, NULL);
}

CrmStore *
crm_context_get_store (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->store;
}

gint64
crm_context_now (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), 0);
  return crm_store_get_now (self->store);
}

char *
crm_context_new_id (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return crm_store_new_id (self->store);
}

const char *
crm_context_get_user_id (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->user_id;
}

const char *
crm_context_get_user_name (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->user_name != NULL ? self->user_name : "";
}

void
crm_context_set_user (CrmContext *self,
                      const char *user_id)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CRM_IS_CONTEXT (self));

  if (g_strcmp0 (self->user_id, user_id) == 0)
    return;
  load_user (self, user_id);
  if (self->user_id != NULL &&
      !crm_store_set_meta (self->store, "app.user", self->user_id, &error))
    g_warning ("Could not remember the current user: %s", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_ID]);
  g_signal_emit (self, signals[CHANGED], 0);
}

gboolean
crm_context_is_admin (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);
  return g_strcmp0 (self->user_role, CRM_ROLE_ADMIN) == 0;
}

CrmUserRights *
crm_context_dup_rights (CrmContext *self)
{
  g_autoptr(GError) error = NULL;
  CrmUserRights *rights;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);

  if (self->user_id == NULL)
    return NULL;
  /* (read anew: an administrator may change the role's rights while the app runs) */
  rights = crm_user_rights_new (self->store, self->user_id, &error);
  if (rights == NULL)
    g_debug ("The rights of %s cannot be read: %s", self->user_id, error->message);
  return rights;
}

CrmScope
crm_context_get_team (CrmContext *self)
{
  g_autoptr(CrmUserRights) rights = crm_context_dup_rights (self);

  return rights != NULL ? crm_user_rights_team (rights) : CRM_SCOPE_OWN;
}

gboolean
crm_context_is_manager (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);
  return crm_context_get_team (self) != CRM_SCOPE_OWN;
}

void
crm_context_keep_overseen (CrmContext *self,
                           JsonArray  *items,
                           const char *member)
{
  g_autoptr(CrmUserRights) rights = crm_context_dup_rights (self);
  CrmScope team = rights != NULL ? crm_user_rights_team (rights) : CRM_SCOPE_OWN;

  if (team == CRM_SCOPE_ALL)
    return;
  for (guint i = json_array_get_length (items); i > 0; i--)
    {
      JsonNode *node = json_array_get_element (items, i - 1);
      const char *user = JSON_NODE_HOLDS_OBJECT (node)
                         ? crm_json_string (json_node_get_object (node), member) : NULL;

      if (rights == NULL ? user != NULL && g_strcmp0 (user, self->user_id) != 0
                         : !crm_user_rights_within (rights, team, user))
        json_array_remove_element (items, i - 1);
    }
}

static gboolean
checkpoint_when_idle (gpointer user_data)
{
  CrmContext *self = user_data;
  g_autoptr(GError) error = NULL;

  self->checkpoint_id = 0;
  if (!crm_store_checkpoint (self->store, &error))
    g_debug ("Checkpoint postponed: %s", error->message);
  return G_SOURCE_REMOVE;
}

gboolean
crm_context_apply (CrmContext    *self,
                   CrmChangeset  *changeset,
                   GError       **error)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (changeset != NULL, FALSE);

  crm_changeset_set_actor (changeset, self->user_id);
  if (!crm_store_apply (self->store, changeset, error))
    return FALSE;
  g_free (self->last_change_set);
  self->last_change_set = crm_store_dup_last_change_set (self->store);
  g_signal_emit (self, signals[APPLIED], 0);
  crm_context_notify_changed (self);
  return TRUE;
}

const char *
crm_context_get_last_change_set (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->last_change_set;
}

gboolean
crm_context_undo (CrmContext  *self,
                  const char  *change_set_id,
                  GError     **error)
{
  g_autofree char *new_id = NULL;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (change_set_id != NULL, FALSE);

  if (!crm_store_undo_change_set (self->store, change_set_id, self->user_id, &new_id, error))
    return FALSE;
  g_free (self->last_change_set);
  self->last_change_set = g_steal_pointer (&new_id);
  g_signal_emit (self, signals[APPLIED], 0);
  crm_context_notify_changed (self);
  return TRUE;
}

gboolean
crm_context_delete (CrmContext  *self,
                    const char  *entity,
                    const char  *entity_id,
                    GError     **error)
{
  g_autofree char *change_set = NULL;

  g_return_val_if_fail (CRM_IS_CONTEXT (self), FALSE);

  if (!crm_store_delete (self->store, entity, entity_id, self->user_id, &change_set, error))
    return FALSE;
  g_free (self->last_change_set);
  self->last_change_set = g_steal_pointer (&change_set);
  g_signal_emit (self, signals[APPLIED], 0);
  crm_context_notify_changed (self);
  return TRUE;
}

/* The replica changed (an edit here, a sync round's merge on its own connection): the
 * WAL is folded back two seconds after the last change. */
void
crm_context_set_sync (CrmContext *self,
                      GObject    *sync)
{
  g_return_if_fail (CRM_IS_CONTEXT (self));
  g_set_weak_pointer (&self->sync, sync);
}

GObject *
crm_context_get_sync (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->sync;
}

void
crm_context_notify_changed (CrmContext *self)
{
  g_return_if_fail (CRM_IS_CONTEXT (self));

  g_clear_handle_id (&self->checkpoint_id, g_source_remove);
  if (self->store != NULL)
    self->checkpoint_id = g_timeout_add_seconds (2, checkpoint_when_idle, self);
  forget_caches (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

JsonArray *
crm_context_get_pipelines (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);

  if (self->pipelines == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = crm_query_pipelines (self->store, &error);

      if (node == NULL)
        read_failed (self, _("Could not read the pipelines"), error);
      self->pipelines = array_or_empty (node);
    }
  return self->pipelines;
}

JsonObject *
crm_context_find_pipeline (CrmContext *self,
                           const char *pipeline_id)
{
  JsonArray *pipelines = crm_context_get_pipelines (self);

  for (guint i = 0; pipeline_id != NULL && i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);

      if (g_strcmp0 (json_object_get_string_member (pipeline, "id"), pipeline_id) == 0)
        return pipeline;
    }
  return NULL;
}

const char *
crm_context_find_pipeline_by_name (CrmContext *self,
                                   const char *name)
{
  JsonArray *pipelines = crm_context_get_pipelines (self);

  for (guint i = 0; name != NULL && i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (pipeline, "name", NULL),
                     name) == 0)
        return json_object_get_string_member (pipeline, "id");
    }
  return NULL;
}

JsonObject *
crm_context_find_stage (CrmContext  *self,
                        const char  *stage_id,
                        JsonObject **out_pipeline)
{
  JsonArray *pipelines = crm_context_get_pipelines (self);

  for (guint i = 0; stage_id != NULL && i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");

      for (guint j = 0; stages != NULL && j < json_array_get_length (stages); j++)
        {
          JsonObject *stage = json_array_get_object_element (stages, j);

          if (g_strcmp0 (json_object_get_string_member (stage, "id"), stage_id) == 0)
            {
              if (out_pipeline != NULL)
                *out_pipeline = pipeline;
              return stage;
            }
        }
    }
  if (out_pipeline != NULL)
    *out_pipeline = NULL;
  return NULL;
}

JsonArray *
crm_context_get_users (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);

  if (self->users == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = crm_query_users (self->store, &error);

      if (node == NULL)
        read_failed (self, _("Could not read the users"), error);
      self->users = array_or_empty (node);
    }
  return self->users;
}

JsonArray *
crm_context_get_tags (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);

  if (self->tags == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = crm_query_tags (self->store, NULL, &error);

      if (node == NULL)
        read_failed (self, _("Could not read the tags"), error);
      self->tags = array_or_empty (node);
    }
  return self->tags;
}

const char * const *
crm_context_get_tag_filter (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return (const char * const *) self->tag_filter;
}

void
crm_context_set_tag_filter (CrmContext         *self,
                            const char * const *tag_ids)
{
  static const char *const none[] = { NULL };

  g_return_if_fail (CRM_IS_CONTEXT (self));

  if (tag_ids == NULL)
    tag_ids = none;
  if (g_strv_equal ((const char * const *) self->tag_filter, tag_ids))
    return;
  g_strfreev (self->tag_filter);
  self->tag_filter = g_strdupv ((char **) tag_ids);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAG_FILTER]);
}

void
crm_context_toggle_tag_filter (CrmContext *self,
                               const char *tag_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) filter = NULL;
  gboolean found = FALSE;

  g_return_if_fail (CRM_IS_CONTEXT (self));
  g_return_if_fail (tag_id != NULL);

  for (guint i = 0; self->tag_filter[i] != NULL; i++)
    {
      if (g_str_equal (self->tag_filter[i], tag_id))
        found = TRUE;
      else
        g_strv_builder_add (builder, self->tag_filter[i]);
    }
  if (!found)
    g_strv_builder_add (builder, tag_id);
  filter = g_strv_builder_end (builder);
  crm_context_set_tag_filter (self, (const char * const *) filter);
}

const char *
crm_context_get_search (CrmContext *self)
{
  g_return_val_if_fail (CRM_IS_CONTEXT (self), NULL);
  return self->search;
}

void
crm_context_set_search (CrmContext *self,
                        const char *search)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (CRM_IS_CONTEXT (self));

  stripped = g_strstrip (g_strdup (search != NULL ? search : ""));
  if (*stripped == '\0')
    g_clear_pointer (&stripped, g_free);
  if (g_strcmp0 (self->search, stripped) == 0)
    return;
  g_free (self->search);
  self->search = g_steal_pointer (&stripped);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}
