/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-controller.c — glue between CrmSyncClient (which works in its own thread on
 * its own connection to the replica) and the window: when a round brings changes, the
 * views re-read the replica; the indicator follows the client's state. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-application.h"
#include "crm-attachment.h"
#include "crm-certificate.h"
#include "crm-sync-controller.h"

#define PUSH_DELAY_SECONDS 3
/* «Fetch images when syncing»: an image over this is left until its deal is opened (as
 * `voronkactl sync --fetch-images`) */
#define FETCH_IMAGE_MAX (10 * 1024 * 1024)

#ifdef VORONKA_HAVE_SYNC
#include "crm-client-config.h"
#include "crm-credentials.h"
#include "crm-live-client.h"
#include "crm-sync-client.h"
#include "crm-sync-state.h"
#endif

struct _CrmSyncController
{
  GObject           parent_instance;

  CrmContext       *context;
  CrmSyncIndicator *indicator;   /* weak */
  guint             interval;
  guint             push_id;
  GCancellable     *cancellable;
#ifdef VORONKA_HAVE_SYNC
  CrmSyncClient    *client;
  CrmLiveClient    *live;          /* the server says when there is something new */
  JsonArray        *images;        /* the images being fetched after a round */
  guint             image_index;
  guint             images_fetched;
  gint64            image_bytes;
  gint64            image_cap;
  gboolean          reachable;     /* the client is not offline: what Settings can change */
#endif
};

G_DEFINE_FINAL_TYPE (CrmSyncController, crm_sync_controller, G_TYPE_OBJECT)

enum {
  SIGNAL_CALL,
  SIGNAL_NOTIFICATION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#ifdef VORONKA_HAVE_SYNC

static void
state_changed_cb (CrmSyncController *self)
{
  CrmSyncState state = crm_sync_client_get_state (self->client);
  /* a round under way says nothing yet; one that failed with an answer reached it */
  gboolean reachable = state == CRM_SYNC_STATE_SYNCING ? self->reachable
                                                       : state != CRM_SYNC_STATE_OFFLINE;

  /* what can be changed on the server only while it can be asked (Settings' channels and
   * mailboxes) says so when that changes */
  if (reachable != self->reachable)
    {
      self->reachable = reachable;
      crm_context_notify_changed (self->context);
    }
  if (self->indicator != NULL)
    {
      crm_sync_indicator_set_error (self->indicator,
                                    state == CRM_SYNC_STATE_ERROR
                                    ? crm_sync_client_get_last_error (self->client) : NULL);
      crm_sync_indicator_set_syncing (self->indicator, state == CRM_SYNC_STATE_SYNCING);
    }
}

static void fetch_next_image (CrmSyncController *self);

static void
image_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CrmSyncController) self = user_data;
  g_autoptr(GError) error = NULL;

  if (crm_sync_client_fetch_file_finish (CRM_SYNC_CLIENT (source), result, &error))
    self->images_fetched++;
  else if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* the rest would fail the same way: they wait for the next round */
      g_debug ("Fetching images stopped: %s", error->message);
      if (self->images != NULL)
        self->image_index = json_array_get_length (self->images);
    }
  else
    g_message ("An image was not fetched: %s; the next sync tries again", error->message);
  fetch_next_image (self);
}

/* The next image of the list that fits the cap, or the end: the views show what came. */
static void
fetch_next_image (CrmSyncController *self)
{
  while (self->images != NULL && self->client != NULL &&
         self->image_index < json_array_get_length (self->images))
    {
      JsonObject *item = json_array_get_object_element (self->images, self->image_index++);
      const char *hash = json_object_get_string_member_with_default (item, "hash", NULL);
      gint64 size = json_object_get_int_member_with_default (item, "size", 0);

      if (hash == NULL || size > FETCH_IMAGE_MAX || self->image_bytes + size > self->image_cap)
        continue;
      self->image_bytes += MAX (size, 0);
      crm_sync_client_fetch_file_async (self->client, hash, self->cancellable, image_fetched_cb,
                                        g_object_ref (self));
      return;
    }
  g_clear_pointer (&self->images, json_array_unref);
  if (self->images_fetched > 0)
    crm_context_notify_changed (self->context);
  self->images_fetched = 0;
}

/* After a round, with «Fetch images when syncing» on: the images attached elsewhere that
 * are not here, newest first, up to the cap (the list is read once; a round while they
 * come adds nothing until they are done). */
static void
fetch_images (CrmSyncController *self)
{
  GApplication *app = g_application_get_default ();
  GSettings *settings = CRM_IS_APPLICATION (app)
    ? crm_application_get_settings (CRM_APPLICATION (app)) : NULL;
  g_autoptr(GError) error = NULL;

  if (settings == NULL || !g_settings_get_boolean (settings, "fetch-images") ||
      self->images != NULL || self->client == NULL)
    return;
  self->images = crm_attachment_list_missing (crm_context_get_store (self->context), TRUE,
                                              &error);
  if (self->images == NULL)
    {
      g_message ("Could not list the images to fetch: %s", error->message);
      return;
    }
  self->image_index = 0;
  self->images_fetched = 0;
  self->image_bytes = 0;
  self->image_cap = (gint64) g_settings_get_uint (settings, "fetch-images-mb") * 1024 * 1024;
  fetch_next_image (self);
}

static void
synced_cb (CrmSyncController *self)
{
  /* the round merged ops through its own connection: every view re-reads */
  crm_context_notify_changed (self->context);
  fetch_images (self);
}

/* The server has changes this replica has not pulled: a round now (the periodic ones stay
 * the fallback while the live connection is down). */
static void
live_sync_needed_cb (CrmSyncController *self)
{
  if (self->client != NULL)
    crm_sync_client_sync_now (self->client);
}

/* A call rings this user: the window shows the caller's card. */
static void
live_call_cb (CrmSyncController *self,
              JsonObject        *event)
{
  g_signal_emit (self, signals[SIGNAL_CALL], 0, event);
}

/* A rule made a notification for this user: the window announces it at once. */
static void
live_notification_cb (CrmSyncController *self,
                      JsonObject        *event)
{
  g_signal_emit (self, signals[SIGNAL_NOTIFICATION], 0, event);
}

static void
live_changed_cb (CrmSyncController *self)
{
  if (self->indicator != NULL && self->live != NULL)
    crm_sync_indicator_set_live (self->indicator, crm_live_client_get_connected (self->live));
}

static void
stop_client (CrmSyncController *self)
{
  if (self->live != NULL)
    {
      crm_live_client_stop (self->live);
      g_signal_handlers_disconnect_by_data (self->live, self);
      g_clear_object (&self->live);
    }
  if (self->client != NULL)
    {
      crm_sync_client_stop (self->client);
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
      self->reachable = FALSE;
    }
}

static void
start_client (CrmSyncController *self,
              const char        *token)
{
  CrmStore *store = crm_context_get_store (self->context);
  g_autofree char *server = crm_store_dup_meta (store, "sync.server");
  g_autofree char *user = crm_store_dup_meta (store, "sync.user");
  g_autofree char *ca_pem = crm_store_dup_meta (store, "sync.ca");
  g_autoptr(CrmClientPreset) preset = NULL;
  g_autofree char *ca_path = NULL;

  if (server == NULL || user == NULL)
    return;
  self->client = crm_sync_client_new (crm_store_get_path (store), server, user);
  /* the administrator's certificate for their server, else the one the replica remembers
   * (signed in here or with voronkactl), else the one accepted for this server */
  ca_path = crm_certificate_dup_path (server);
  preset = crm_client_preset_load (NULL);
  if (preset != NULL && preset->ca_file != NULL && crm_server_url_equal (server, preset->server) &&
      crm_sync_client_set_ca_file (self->client, preset->ca_file, NULL))
    g_debug ("Trusting %s, set by the administrator, for %s", preset->ca_file, server);
  else if (ca_pem != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!crm_sync_client_set_ca_pem (self->client, ca_pem, &error))
        g_message ("The replica's certificate for %s cannot be used: %s", server, error->message);
    }
  else if (ca_path != NULL && g_file_test (ca_path, G_FILE_TEST_EXISTS))
    crm_sync_client_set_ca_file (self->client, ca_path, NULL);
  crm_sync_client_set_allow_insecure (self->client, g_str_has_prefix (server, "http://127.0.0.1"));
  if (token != NULL)
    crm_sync_client_set_token (self->client, token);
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "notify::last-synced", G_CALLBACK (synced_cb), self,
                           G_CONNECT_SWAPPED);
  crm_sync_client_start (self->client, self->interval);

  /* connects in the background; until it does (or while it is down) rounds stay periodic */
  self->live = crm_live_client_new (self->client);
  crm_live_client_set_cursor (self->live, crm_sync_state_get_cursor (store));
  g_signal_connect_object (self->live, "sync-needed", G_CALLBACK (live_sync_needed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "notify::connected", G_CALLBACK (live_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "call", G_CALLBACK (live_call_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "notification", G_CALLBACK (live_notification_cb),
                           self, G_CONNECT_SWAPPED);
  crm_live_client_start (self->live);
}

static void
token_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CrmSyncController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = crm_credentials_lookup_token_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token == NULL && self->indicator != NULL)
    crm_sync_indicator_set_error (self->indicator,
                                  error != NULL ? error->message
                                  : _("Sign in again to sync: the keyring has no sign-in for this server"));
  start_client (self, token);
}

static gboolean
push_soon_cb (gpointer user_data)
{
  CrmSyncController *self = user_data;

  self->push_id = 0;
  if (self->client != NULL)
    {
      crm_sync_client_refresh (self->client);
      crm_sync_client_sync_now (self->client);
    }
  return G_SOURCE_REMOVE;
}

/* Something was written here: push it a moment later, once for a burst of edits. */
static void
applied_cb (CrmSyncController *self)
{
  if (self->client != NULL && self->push_id == 0)
    self->push_id = g_timeout_add_seconds (PUSH_DELAY_SECONDS, push_soon_cb, self);
}

#endif /* VORONKA_HAVE_SYNC */

void
crm_sync_controller_restart (CrmSyncController *self,
                             const char        *token)
{
#ifdef VORONKA_HAVE_SYNC
  CrmStore *store;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  stop_client (self);
  if (self->indicator != NULL)
    crm_sync_indicator_set_live (self->indicator, FALSE);

  store = crm_context_get_store (self->context);
  server = crm_store_dup_meta (store, "sync.server");
  user = crm_store_dup_meta (store, "sync.user");
  if (server == NULL || user == NULL)
    return;
  if (token != NULL)
    start_client (self, token);
  else
    crm_credentials_lookup_token_async (server, user, self->cancellable, token_found_cb,
                                        g_object_ref (self));
#endif
}

void
crm_sync_controller_sync_now (CrmSyncController *self)
{
  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));
#ifdef VORONKA_HAVE_SYNC
  if (self->client != NULL)
    crm_sync_client_sync_now (self->client);
#endif
}

#ifdef VORONKA_HAVE_SYNC
static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (crm_sync_client_fetch_file_finish (CRM_SYNC_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}
#endif

void
crm_sync_controller_fetch_file_async (CrmSyncController   *self,
                                      const char          *hash,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));
  g_return_if_fail (hash != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, crm_sync_controller_fetch_file_async);
#ifdef VORONKA_HAVE_SYNC
  if (self->client == NULL)
    {
      CrmStore *store = crm_context_get_store (self->context);
      g_autofree char *server = crm_store_dup_meta (store, "sync.server");
      g_autofree char *user = crm_store_dup_meta (store, "sync.user");

      if (server != NULL && user != NULL)
        /* the keyring has not answered yet: the next sync round tries again */
        g_task_return_new_error (task, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                                 _("Not connected to the server yet"));
      else
        g_task_return_new_error (task, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                                 _("This computer is not signed in to a server"));
      return;
    }
  crm_sync_client_fetch_file_async (self->client, hash, cancellable, fetched_cb,
                                    g_steal_pointer (&task));
#else
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This build of Voronka cannot sync, so it cannot fetch files"));
#endif
}

gboolean
crm_sync_controller_fetch_file_finish (CrmSyncController  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

#ifdef VORONKA_HAVE_SYNC
/* Whether the controller has a client to ask the server with; if not, @task is answered
 * with why (not connected yet, or the account is not on a server). */
static gboolean
has_client (CrmSyncController *self,
            GTask             *task)
{
  CrmStore *store;
  g_autofree char *server = NULL;

  if (self->client != NULL)
    return TRUE;
  store = crm_context_get_store (self->context);
  server = crm_store_dup_meta (store, "sync.server");
  if (server != NULL)
    g_task_return_new_error (task, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE,
                             _("Not connected to the server yet; try again in a moment"));
  else
    g_task_return_new_error (task, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                             _("This account is not on a server, so nobody else can join "
                               "it; sign in to your team's server first"));
  return FALSE;
}

/* The answer of the client's create / list / withdraw (the task's data is its _finish):
 * the object, with the server's address added. */
typedef JsonObject *(*InvitesFinish) (CrmSyncClient *client, GAsyncResult *result,
                                      GError **error);

static void
invites_answered_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InvitesFinish finish = (InvitesFinish) g_task_get_task_data (task);
  GError *error = NULL;
  JsonObject *answer = finish (CRM_SYNC_CLIENT (source), result, &error);

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  json_object_set_string_member (answer, "server",
                                 crm_sync_client_get_server_url (CRM_SYNC_CLIENT (source)));
  g_task_return_pointer (task, answer, (GDestroyNotify) json_object_unref);
}

#endif

/* A task for a request about invitations, to end with @finish (the client's); NULL when
 * it was answered already: no server to ask, or a build without sync. */
static GTask *
invites_task_new (CrmSyncController   *self,
                  gpointer             source_tag,
                  gpointer             finish,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
#ifdef VORONKA_HAVE_SYNC
  g_task_set_task_data (task, finish, NULL);
  if (has_client (self, task))
    return g_steal_pointer (&task);
#else
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("This build of Voronka cannot sync, so it cannot invite users"));
#endif
  return NULL;
}

#ifdef VORONKA_HAVE_SYNC
#define CLIENT_FINISH(function) ((gpointer) (function))
#else
#define CLIENT_FINISH(function) NULL
#endif

void
crm_sync_controller_invite_async (CrmSyncController   *self,
                                  const char          *name,
                                  const char          *role,
                                  guint                days,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));
  g_return_if_fail (name != NULL);

  task = invites_task_new (self, crm_sync_controller_invite_async,
                           CLIENT_FINISH (crm_sync_client_create_invite_finish), cancellable,
                           callback, user_data);
#ifdef VORONKA_HAVE_SYNC
  if (task != NULL)
    crm_sync_client_create_invite_async (self->client, name, role, days, cancellable,
                                         invites_answered_cb, task);
#endif
}

JsonObject *
crm_sync_controller_invite_finish (CrmSyncController  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
crm_sync_controller_list_invites_async (CrmSyncController   *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));

  task = invites_task_new (self, crm_sync_controller_list_invites_async,
                           CLIENT_FINISH (crm_sync_client_list_invites_finish), cancellable,
                           callback, user_data);
#ifdef VORONKA_HAVE_SYNC
  if (task != NULL)
    crm_sync_client_list_invites_async (self->client, cancellable, invites_answered_cb, task);
#endif
}

void
crm_sync_controller_withdraw_invite_async (CrmSyncController   *self,
                                           const char          *name,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));
  g_return_if_fail (name != NULL);

  task = invites_task_new (self, crm_sync_controller_withdraw_invite_async,
                           CLIENT_FINISH (crm_sync_client_withdraw_invite_finish), cancellable,
                           callback, user_data);
#ifdef VORONKA_HAVE_SYNC
  if (task != NULL)
    crm_sync_client_withdraw_invite_async (self->client, name, cancellable,
                                           invites_answered_cb, task);
#endif
}

void
crm_sync_controller_admin_request_async (CrmSyncController   *self,
                                         const char          *method,
                                         const char          *path,
                                         JsonObject          *body,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CRM_IS_SYNC_CONTROLLER (self));

  task = invites_task_new (self, crm_sync_controller_admin_request_async,
                           CLIENT_FINISH (crm_sync_client_admin_request_finish), cancellable,
                           callback, user_data);
#ifdef VORONKA_HAVE_SYNC
  if (task != NULL)
    crm_sync_client_admin_request_async (self->client, method, path, body, cancellable,
                                         invites_answered_cb, task);
#endif
}

char *
crm_sync_controller_dup_offline_reason (CrmSyncController *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_CONTROLLER (self), NULL);
#ifdef VORONKA_HAVE_SYNC
  if (self->client == NULL)
    {
      g_autofree char *server = crm_store_dup_meta (crm_context_get_store (self->context),
                                                    "sync.server");

      return g_strdup (server != NULL ? _("Not connected to the server yet")
                                      : _("This account is not on a server"));
    }
  if (!self->reachable)
    return g_strdup (crm_sync_client_get_state (self->client) == CRM_SYNC_STATE_OFFLINE
                     ? _("The server cannot be reached now")
                     : _("Not connected to the server yet"));
  return NULL;
#else
  return g_strdup (_("This build of Voronka cannot sync"));
#endif
}

gboolean
crm_sync_controller_is_active (CrmSyncController *self)
{
  g_return_val_if_fail (CRM_IS_SYNC_CONTROLLER (self), FALSE);
#ifdef VORONKA_HAVE_SYNC
  return self->client != NULL;
#else
  return FALSE;
#endif
}

static void
crm_sync_controller_dispose (GObject *object)
{
  CrmSyncController *self = CRM_SYNC_CONTROLLER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->push_id, g_source_remove);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
#ifdef VORONKA_HAVE_SYNC
  stop_client (self);
  g_clear_pointer (&self->images, json_array_unref);
  self->images_fetched = 0;
#endif
  g_clear_weak_pointer (&self->indicator);
  G_OBJECT_CLASS (crm_sync_controller_parent_class)->dispose (object);
}

static void
crm_sync_controller_finalize (GObject *object)
{
  CrmSyncController *self = CRM_SYNC_CONTROLLER (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_sync_controller_parent_class)->finalize (object);
}

static void
crm_sync_controller_class_init (CrmSyncControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_sync_controller_dispose;
  object_class->finalize = crm_sync_controller_finalize;

  /* The live channel says a call rings this user: {"type","call","deal","card"}
   * (src/server/crm-server-live.h). */
  signals[SIGNAL_CALL] =
    g_signal_new ("call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* The live channel announces a notification a rule made for this user:
   * {"type","id","text","deal","created_at"}, ahead of the sync that brings it. */
  signals[SIGNAL_NOTIFICATION] =
    g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
crm_sync_controller_init (CrmSyncController *self)
{
  self->cancellable = g_cancellable_new ();
}

CrmSyncController *
crm_sync_controller_new (CrmContext       *context,
                         CrmSyncIndicator *indicator,
                         guint             interval_seconds)
{
  CrmSyncController *self = g_object_new (CRM_TYPE_SYNC_CONTROLLER, NULL);

  self->context = g_object_ref (context);
  /* the files group fetches attached files through this controller */
  crm_context_set_sync (context, G_OBJECT (self));
  g_set_weak_pointer (&self->indicator, indicator);
  self->interval = interval_seconds > 0 ? interval_seconds : 300;
#ifdef VORONKA_HAVE_SYNC
  g_signal_connect_swapped (context, "applied", G_CALLBACK (applied_cb), self);
#endif
  crm_sync_controller_restart (self, NULL);
  return self;
}
