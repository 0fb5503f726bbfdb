/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sync-client.c — CrmSyncClient: settings, state properties, rounds in a worker
 * thread (GTask), and background syncing driven by a timer, GNetworkMonitor and an
 * exponential backoff with jitter. The rounds themselves are in crm-sync-round.c. */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-client-config.h"
#include "crm-sync-client.h"
#include "crm-sync-round-private.h"
#include "crm-sync-files-private.h"
#include "crm-time.h"

#define DEFAULT_BATCH      500
#define DEFAULT_PAGE       1000
#define BACKOFF_BASE_MS    5000
#define BACKOFF_MAX_MS     (15 * 60 * 1000)

G_DEFINE_ENUM_TYPE (CrmSyncState, crm_sync_state,
  G_DEFINE_ENUM_VALUE (CRM_SYNC_STATE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (CRM_SYNC_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (CRM_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (CRM_SYNC_STATE_ERROR, "error"))

G_DEFINE_BOXED_TYPE (CrmSyncReport, crm_sync_report, crm_sync_report_copy, crm_sync_report_free)

CrmSyncReport *
crm_sync_report_copy (const CrmSyncReport *report)
{
  CrmSyncReport *copy = g_memdup2 (report, sizeof *report);

  copy->token = g_strdup (report->token);
  copy->session = NULL;
  if (report->session != NULL)
    {
      copy->session = g_new0 (CrmSession, 1);
      copy->session->token = g_strdup (report->session->token);
      copy->session->expires = report->session->expires;
      copy->session->account_id = g_strdup (report->session->account_id);
      copy->session->account_name = g_strdup (report->session->account_name);
      copy->session->user_id = g_strdup (report->session->user_id);
      copy->session->user_name = g_strdup (report->session->user_name);
      copy->session->role = g_strdup (report->session->role);
      copy->session->server_device = g_strdup (report->session->server_device);
      copy->session->hlc = report->session->hlc;
    }
  return copy;
}

void
crm_sync_report_free (CrmSyncReport *report)
{
  if (report == NULL)
    return;
  g_free (report->token);
  if (report->session != NULL)
    {
      crm_session_clear (report->session);
      g_free (report->session);
    }
  g_free (report);
}

struct _CrmSyncClient
{
  GObject          parent_instance;

  char            *replica_path;
  char            *server_url;
  char            *user;
  char            *token;
  char            *password;
  GTlsDatabase    *tls_database;
  SoupSession     *http;            /* kept across rounds: one connection, one handshake */
  GTlsDatabase    *http_database;   /* the database @http was made with */
  gboolean         allow_insecure;
  guint            batch_size;
  guint            page_size;

  CrmSyncState     state;
  gint64           ops_waiting;
  gint64           last_synced;
  gint64           cursor;           /* of the last complete round */
  char            *last_error;

  /* background syncing */
  GMainContext    *context;      /* where properties change and timers run */
  gboolean         running;
  gboolean         in_round;
  gboolean         again;        /* sync_now() during a round */
  guint            interval;
  guint            attempt;      /* failed rounds in a row */
  GSource         *timer;
  GRand           *rand;
  GNetworkMonitor *monitor;
  gulong           monitor_handler;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (CrmSyncClient, crm_sync_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REPLICA_PATH,
  PROP_SERVER_URL,
  PROP_USER,
  PROP_STATE,
  PROP_OPS_WAITING,
  PROP_LAST_SYNCED,
  PROP_LAST_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
crm_sync_client_dispose (GObject *object)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (object);

  crm_sync_client_stop (self);
  G_OBJECT_CLASS (crm_sync_client_parent_class)->dispose (object);
}

static void
crm_sync_client_finalize (GObject *object)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (object);

  g_free (self->replica_path);
  g_free (self->server_url);
  g_free (self->user);
  g_free (self->token);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->http);
  g_clear_object (&self->http_database);
  g_free (self->last_error);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (crm_sync_client_parent_class)->finalize (object);
}

static void
crm_sync_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_REPLICA_PATH: g_value_set_string (value, self->replica_path); break;
    case PROP_SERVER_URL:   g_value_set_string (value, self->server_url); break;
    case PROP_USER:         g_value_set_string (value, self->user); break;
    case PROP_STATE:        g_value_set_enum (value, self->state); break;
    case PROP_OPS_WAITING:  g_value_set_int64 (value, self->ops_waiting); break;
    case PROP_LAST_SYNCED:  g_value_set_int64 (value, self->last_synced); break;
    case PROP_LAST_ERROR:   g_value_set_string (value, self->last_error); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_sync_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_REPLICA_PATH: self->replica_path = g_value_dup_string (value); break;
    case PROP_SERVER_URL:
      /* one spelling per server (an invalid one is kept for the round's error) */
      self->server_url = crm_server_url_normalize (g_value_get_string (value), NULL);
      if (self->server_url == NULL)
        self->server_url = g_value_dup_string (value);
      break;
    case PROP_USER:         self->user = g_value_dup_string (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
crm_sync_client_class_init (CrmSyncClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_sync_client_dispose;
  object_class->finalize = crm_sync_client_finalize;
  object_class->get_property = crm_sync_client_get_property;
  object_class->set_property = crm_sync_client_set_property;

  properties[PROP_REPLICA_PATH] =
    g_param_spec_string ("replica-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] =
    g_param_spec_string ("user", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CRM_TYPE_SYNC_STATE, CRM_SYNC_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPS_WAITING] =
    g_param_spec_int64 ("ops-waiting", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SYNCED] =
    g_param_spec_int64 ("last-synced", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
crm_sync_client_init (CrmSyncClient *self)
{
  self->batch_size = DEFAULT_BATCH;
  self->page_size = DEFAULT_PAGE;
  self->state = CRM_SYNC_STATE_IDLE;
  self->context = g_main_context_ref_thread_default ();
  self->rand = g_rand_new ();
  self->cancellable = g_cancellable_new ();
}

CrmSyncClient *
crm_sync_client_new (const char *replica_path,
                     const char *server_url,
                     const char *user)
{
  return g_object_new (CRM_TYPE_SYNC_CLIENT, "replica-path", replica_path,
                       "server-url", server_url, "user", user, NULL);
}

const char *
crm_sync_client_get_replica_path (CrmSyncClient *self)
{
  return self->replica_path;
}

const char *
crm_sync_client_get_server_url (CrmSyncClient *self)
{
  return self->server_url;
}

const char *
crm_sync_client_get_user (CrmSyncClient *self)
{
  return self->user;
}

void
crm_sync_client_set_token (CrmSyncClient *self,
                           const char    *token)
{
  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
crm_sync_client_get_token (CrmSyncClient *self)
{
  return self->token;
}

void
crm_sync_client_set_password (CrmSyncClient *self,
                              const char    *password)
{
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);
}

gboolean
crm_sync_client_set_ca_file (CrmSyncClient  *self,
                             const char     *pem_path,
                             GError        **error)
{
  /* GTlsFileDatabase wants an absolute path */
  g_autofree char *absolute = g_canonicalize_filename (pem_path, NULL);
  GTlsDatabase *database;

  if (!g_file_test (absolute, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("No such file: %s"), absolute);
      return FALSE;
    }
  database = g_tls_file_database_new (absolute, error);

  if (database == NULL)
    return FALSE;
  g_clear_object (&self->tls_database);
  self->tls_database = database;
  return TRUE;
}

gboolean
crm_sync_client_set_ca_pem (CrmSyncClient  *self,
                            const char     *pem,
                            GError        **error)
{
  /* GTlsFileDatabase reads a file, again at each handshake: keep a copy, named by its
   * content, in the user's cache */
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, pem, -1);
  g_autofree char *name = g_strconcat (sum, ".pem", NULL);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "voronka", "certificates", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not create %s: %s"), dir, g_strerror (saved));
          return FALSE;
        }
      if (!g_file_set_contents_full (path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
        return FALSE;
    }
  return crm_sync_client_set_ca_file (self, path, error);
}

void
crm_sync_client_set_allow_insecure (CrmSyncClient *self,
                                    gboolean       allow)
{
  self->allow_insecure = allow;
}

gboolean
crm_sync_client_get_allow_insecure (CrmSyncClient *self)
{
  return self->allow_insecure;
}

GTlsDatabase *
crm_sync_client_get_tls_database (CrmSyncClient *self)
{
  return self->tls_database;
}

void
crm_sync_client_set_batch_size (CrmSyncClient *self,
                                guint          ops)
{
  self->batch_size = CLAMP (ops, 1, CRM_PROTOCOL_MAX_PUSH_OPS);
}

void
crm_sync_client_set_page_size (CrmSyncClient *self,
                               guint          ops)
{
  self->page_size = CLAMP (ops, 1, CRM_PROTOCOL_MAX_PULL);
}

CrmSyncState
crm_sync_client_get_state (CrmSyncClient *self)
{
  return self->state;
}

gint64
crm_sync_client_get_ops_waiting (CrmSyncClient *self)
{
  return self->ops_waiting;
}

gint64
crm_sync_client_get_last_synced (CrmSyncClient *self)
{
  return self->last_synced;
}

gint64
crm_sync_client_get_cursor (CrmSyncClient *self)
{
  return self->cursor;
}

const char *
crm_sync_client_get_last_error (CrmSyncClient *self)
{
  return self->last_error;
}

/* --- state ------------------------------------------------------------------------------- */

static void
set_state (CrmSyncClient *self,
           CrmSyncState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_ops_waiting (CrmSyncClient *self,
                 gint64         waiting)
{
  if (self->ops_waiting == waiting)
    return;
  self->ops_waiting = waiting;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPS_WAITING]);
}

static void
set_last_error (CrmSyncClient *self,
                const char    *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

/* What a finished round means for the properties (on the client's thread). */
static void
round_finished (CrmSyncClient       *self,
                const CrmSyncReport *report,
                const GError        *error)
{
  if (report != NULL)
    {
      if (report->token != NULL)
        crm_sync_client_set_token (self, report->token);
      self->cursor = report->cursor;
      self->last_synced = crm_time_now_ms ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SYNCED]);
      set_ops_waiting (self, report->waiting);
      set_last_error (self, NULL);
      set_state (self, CRM_SYNC_STATE_IDLE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_state (self, CRM_SYNC_STATE_IDLE);
      return;
    }
  set_last_error (self, error->message);
  set_state (self, g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_UNREACHABLE)
                   ? CRM_SYNC_STATE_OFFLINE : CRM_SYNC_STATE_ERROR);
}

static CrmSyncRound *
new_round (CrmSyncClient *self)
{
  CrmSyncRound *round = g_new0 (CrmSyncRound, 1);

  round->replica_path = g_strdup (self->replica_path);
  round->server_url = g_strdup (self->server_url);
  round->user = g_strdup (self->user);
  round->token = g_strdup (self->token);
  round->password = g_strdup (self->password);
  round->tls_database = self->tls_database ? g_object_ref (self->tls_database) : NULL;
  /* made here, in the client's thread, before any request; rounds send from theirs */
  if (self->http == NULL || self->http_database != self->tls_database)
    {
      g_clear_object (&self->http);
      g_set_object (&self->http_database, self->tls_database);
      self->http = crm_sync_round_new_session (self->tls_database);
    }
  round->session = g_object_ref (self->http);
  round->allow_insecure = self->allow_insecure;
  round->batch_size = self->batch_size;
  round->page_size = self->page_size;
  return round;
}

/* --- attached files ----------------------------------------------------------------------- */

/* In any thread: the round's own connection to the replica, its own HTTP session. */
static gboolean
fetch_in_round (CrmSyncRound  *round,
                SoupSession   *session,
                const char    *hash,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!crm_sync_round_check_url (round->server_url, round->allow_insecure, error) ||
      (store = crm_store_open (round->replica_path, error)) == NULL)
    return FALSE;
  if (round->token == NULL)
    {
      CrmSession *signed_in = crm_sync_round_sign_in (round, cancellable, error);

      if (signed_in == NULL)
        return FALSE;
      crm_session_free (signed_in);
    }
  if (crm_sync_files_fetch (round, session, store, hash, cancellable, &local_error))
    return TRUE;
  if (g_error_matches (local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) &&
      round->password != NULL)
    {
      CrmSession *signed_in;

      g_clear_pointer (&round->token, g_free);
      signed_in = crm_sync_round_sign_in (round, cancellable, error);
      if (signed_in == NULL)
        return FALSE;
      crm_session_free (signed_in);
      return crm_sync_files_fetch (round, session, store, hash, cancellable, error);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

gboolean
crm_sync_client_fetch_file (CrmSyncClient  *self,
                            const char     *hash,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_autoptr(CrmSyncRound) round = NULL;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_SYNC_CLIENT (self), FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  round = new_round (self);
  ok = fetch_in_round (round, round->session, hash, cancellable, error);
  if (round->token != NULL && g_strcmp0 (round->token, self->token) != 0)
    crm_sync_client_set_token (self, round->token);
  return ok;
}

typedef struct {
  CrmSyncRound *round;
  SoupSession  *session;
  char         *hash;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  crm_sync_round_free (data->round);
  g_clear_object (&data->session);
  g_free (data->hash);
  g_free (data);
}

static void
fetch_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  FetchData *data = task_data;
  GError *error = NULL;

  if (fetch_in_round (data->round, data->session, data->hash, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
crm_sync_client_fetch_file_async (CrmSyncClient       *self,
                                  const char          *hash,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  FetchData *data = g_new0 (FetchData, 1);

  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));
  data->round = new_round (self);
  /* a session of its own, so a fetch never waits for (or disturbs) a sync round */
  data->session = crm_sync_round_new_session (self->tls_database);
  data->hash = g_strdup (hash);
  g_task_set_source_tag (task, crm_sync_client_fetch_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);
  g_task_run_in_thread (task, fetch_thread);
}

gboolean
crm_sync_client_fetch_file_finish (CrmSyncClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- sign-in ------------------------------------------------------------------------------ */

CrmSession *
crm_sync_client_sign_in (CrmSyncClient  *self,
                         const char     *password,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(CrmSyncRound) round = new_round (self);
  CrmSession *session;

  g_free (round->password);
  round->password = g_strdup (password);
  g_clear_pointer (&round->token, g_free);
  session = crm_sync_round_sign_in (round, cancellable, error);
  if (session != NULL)
    crm_sync_client_set_token (self, session->token);
  return session;
}

static void
sign_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  CrmSession *session = crm_sync_round_sign_in (task_data, cancellable, &error);

  if (session == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, session, (GDestroyNotify) crm_session_free);
}

void
crm_sync_client_sign_in_async (CrmSyncClient       *self,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CrmSyncRound *round = new_round (self);

  g_free (round->password);
  round->password = g_strdup (password);
  g_clear_pointer (&round->token, g_free);
  g_task_set_source_tag (task, crm_sync_client_sign_in_async);
  g_task_set_task_data (task, round, (GDestroyNotify) crm_sync_round_free);
  g_task_run_in_thread (task, sign_in_thread);
}

CrmSession *
crm_sync_client_sign_in_finish (CrmSyncClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  CrmSession *session = g_task_propagate_pointer (G_TASK (result), error);

  if (session != NULL)
    crm_sync_client_set_token (self, session->token);
  return session;
}

/* --- invitations ------------------------------------------------------------------------- */

static void
take_invited_session (CrmSyncClient *self,
                      CrmSession    *session,
                      const char    *password)
{
  crm_sync_client_set_token (self, session->token);
  crm_sync_client_set_password (self, password);
  g_free (self->user);
  self->user = g_strdup_printf ("%s@%s", session->user_name, session->account_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
}

static CrmSyncRound *
new_invite_round (CrmSyncClient *self,
                  const char    *code,
                  const char    *password)
{
  CrmSyncRound *round = new_round (self);

  g_free (round->password);
  round->password = g_strdup (password);
  round->invite = g_strdup (code);
  g_clear_pointer (&round->token, g_free);
  return round;
}

CrmSession *
crm_sync_client_redeem_invite (CrmSyncClient  *self,
                               const char     *code,
                               const char     *password,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(CrmSyncRound) round = NULL;
  CrmSession *session;

  g_return_val_if_fail (CRM_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (code != NULL && password != NULL, NULL);

  round = new_invite_round (self, code, password);
  session = crm_sync_round_sign_in (round, cancellable, error);
  if (session != NULL)
    take_invited_session (self, session, password);
  return session;
}

typedef struct {
  CrmSyncRound *round;
  char         *password;
} InviteData;

static void
invite_data_free (InviteData *data)
{
  crm_sync_round_free (data->round);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data);
}

static void
redeem_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  InviteData *data = task_data;
  GError *error = NULL;
  CrmSession *session = crm_sync_round_sign_in (data->round, cancellable, &error);

  if (session == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, session, (GDestroyNotify) crm_session_free);
}

void
crm_sync_client_redeem_invite_async (CrmSyncClient       *self,
                                     const char          *code,
                                     const char          *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  InviteData *data = g_new0 (InviteData, 1);

  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));
  data->round = new_invite_round (self, code, password);
  data->password = g_strdup (password);
  g_task_set_source_tag (task, crm_sync_client_redeem_invite_async);
  g_task_set_task_data (task, data, (GDestroyNotify) invite_data_free);
  g_task_run_in_thread (task, redeem_thread);
}

CrmSession *
crm_sync_client_redeem_invite_finish (CrmSyncClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  InviteData *data = g_task_get_task_data (G_TASK (result));
  CrmSession *session = g_task_propagate_pointer (G_TASK (result), error);

  if (session != NULL)
    take_invited_session (self, session, data->password);
  return session;
}

/* An administrator's request about the account's invitations (create, list, withdraw): one
 * request in a round, its answer a JSON object. */
typedef struct {
  CrmSyncRound *round;
  const char   *method;
  const char   *path;     /* CRM_PROTOCOL_PATH_INVITES, or an admin request's */
  GBytes       *body;     /* NULL: none */
  const char   *what;     /* the answer, for error messages */
  const char   *member;   /* a member the answer must have */
} InvitesRequest;

static void
invites_request_free (InvitesRequest *request)
{
  crm_sync_round_free (request->round);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (InvitesRequest, invites_request_free)

static GBytes *
invite_request_body (const char *name,
                     const char *role,
                     guint       days)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "name", name);
  if (role != NULL)
    json_object_set_string_member (object, "role", role);
  if (days > 0)
    json_object_set_int_member (object, "days", days);
  json_node_take_object (node, object);
  return crm_protocol_to_bytes (node);
}

/* @async: the request runs in a thread of its own, on a session of its own, so it never
 * waits for (or disturbs) a sync round. */
static InvitesRequest *
invites_request_new (CrmSyncClient *self,
                     const char    *method,
                     GBytes        *body,
                     const char    *what,
                     const char    *member,
                     gboolean       async)
{
  InvitesRequest *request = g_new0 (InvitesRequest, 1);

  request->round = new_round (self);
  if (async)
    {
      g_clear_object (&request->round->session);
      request->round->session = crm_sync_round_new_session (self->tls_database);
    }
  request->method = method;
  request->path = CRM_PROTOCOL_PATH_INVITES;
  request->body = body;
  request->what = what;
  request->member = member;
  return request;
}

static JsonObject *
invites_request_send (InvitesRequest  *request,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_autoptr(GBytes) answer = crm_sync_round_request (request->round, request->method,
                                                     request->path, request->body,
                                                     cancellable, error);
  g_autoptr(JsonObject) object = NULL;

  if (answer == NULL)
    return NULL;
  object = crm_protocol_parse_object (answer, request->what, error);
  if (object == NULL)
    return NULL;
  if (!json_object_has_member (object, request->member))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The server's %s has no “%s”; is it a Voronka server?"), request->what,
                   request->member);
      return NULL;
    }
  return g_steal_pointer (&object);
}

/* The token a request renewed becomes the client's. */
static void
invites_request_done (CrmSyncClient  *self,
                      InvitesRequest *request)
{
  if (request->round->token != NULL && g_strcmp0 (request->round->token, self->token) != 0)
    crm_sync_client_set_token (self, request->round->token);
}

static JsonObject *
invites_request_run (CrmSyncClient   *self,
                     InvitesRequest  *request,
                     GCancellable    *cancellable,
                     GError         **error)
{
  JsonObject *object = invites_request_send (request, cancellable, error);

  invites_request_done (self, request);
  return object;
}

static void
invites_request_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  GError *error = NULL;
  JsonObject *object = invites_request_send (task_data, cancellable, &error);

  if (object == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

static void
invites_request_start (CrmSyncClient       *self,
                       InvitesRequest      *request,
                       gpointer             source_tag,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) invites_request_free);
  g_task_run_in_thread (task, invites_request_thread);
}

static JsonObject *
invites_request_finish (CrmSyncClient  *self,
                        GAsyncResult   *result,
                        GError        **error)
{
  JsonObject *object = g_task_propagate_pointer (G_TASK (result), error);

  invites_request_done (self, g_task_get_task_data (G_TASK (result)));
  return object;
}

JsonObject *
crm_sync_client_create_invite (CrmSyncClient  *self,
                               const char     *name,
                               const char     *role,
                               guint           days,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(InvitesRequest) request = NULL;

  g_return_val_if_fail (CRM_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  request = invites_request_new (self, "POST", invite_request_body (name, role, days),
                                 "invitation", "code", FALSE);
  return invites_request_run (self, request, cancellable, error);
}

void
crm_sync_client_create_invite_async (CrmSyncClient       *self,
                                     const char          *name,
                                     const char          *role,
                                     guint                days,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));
  g_return_if_fail (name != NULL);

  invites_request_start (self, invites_request_new (self, "POST",
                                                    invite_request_body (name, role, days),
                                                    "invitation", "code", TRUE),
                         crm_sync_client_create_invite_async, cancellable, callback, user_data);
}

JsonObject *
crm_sync_client_create_invite_finish (CrmSyncClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return invites_request_finish (self, result, error);
}

JsonObject *
crm_sync_client_list_invites (CrmSyncClient  *self,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autoptr(InvitesRequest) request = NULL;

  g_return_val_if_fail (CRM_IS_SYNC_CLIENT (self), NULL);

  request = invites_request_new (self, "GET", NULL, "list of invitations", "invites", FALSE);
  return invites_request_run (self, request, cancellable, error);
}

void
crm_sync_client_list_invites_async (CrmSyncClient       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));

  invites_request_start (self, invites_request_new (self, "GET", NULL, "list of invitations",
                                                    "invites", TRUE),
                         crm_sync_client_list_invites_async, cancellable, callback, user_data);
}

JsonObject *
crm_sync_client_list_invites_finish (CrmSyncClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return invites_request_finish (self, result, error);
}

static GBytes *
withdraw_request_body (const char *name)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "name", name);
  json_node_take_object (node, object);
  return crm_protocol_to_bytes (node);
}

JsonObject *
crm_sync_client_withdraw_invite (CrmSyncClient  *self,
                                 const char     *name,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  g_autoptr(InvitesRequest) request = NULL;

  g_return_val_if_fail (CRM_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  request = invites_request_new (self, "DELETE", withdraw_request_body (name), "withdrawal",
                                 "withdrawn", FALSE);
  return invites_request_run (self, request, cancellable, error);
}

void
crm_sync_client_withdraw_invite_async (CrmSyncClient       *self,
                                       const char          *name,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));
  g_return_if_fail (name != NULL);

  invites_request_start (self, invites_request_new (self, "DELETE", withdraw_request_body (name),
                                                    "withdrawal", "withdrawn", TRUE),
                         crm_sync_client_withdraw_invite_async, cancellable, callback,
                         user_data);
}

JsonObject *
crm_sync_client_withdraw_invite_finish (CrmSyncClient  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return invites_request_finish (self, result, error);
}

/* --- rounds -------------------------------------------------------------------------------- */

CrmSyncReport *
crm_sync_client_sync (CrmSyncClient  *self,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(CrmSyncRound) round = new_round (self);
  g_autoptr(GError) local_error = NULL;
  CrmSyncReport *report;

  set_state (self, CRM_SYNC_STATE_SYNCING);
  report = crm_sync_round_run (round, cancellable, &local_error);
  round_finished (self, report, local_error);
  if (report == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return report;
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  CrmSyncReport *report = crm_sync_round_run (task_data, cancellable, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) crm_sync_report_free);
}

static void
inner_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (source);
  g_autoptr(GTask) outer = user_data;
  GError *error = NULL;
  CrmSyncReport *report = g_task_propagate_pointer (G_TASK (result), &error);

  round_finished (self, report, error);
  if (report == NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, report, (GDestroyNotify) crm_sync_report_free);
}

void
crm_sync_client_sync_async (CrmSyncClient       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) inner = g_task_new (self, cancellable, inner_done, outer);

  g_task_set_source_tag (outer, crm_sync_client_sync_async);
  g_task_set_task_data (inner, new_round (self), (GDestroyNotify) crm_sync_round_free);
  set_state (self, CRM_SYNC_STATE_SYNCING);
  g_task_run_in_thread (inner, sync_thread);
}

CrmSyncReport *
crm_sync_client_sync_finish (CrmSyncClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
count_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  gint64 waiting = crm_sync_round_count_waiting (task_data, &error);

  if (waiting < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, waiting);
}

static void
count_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gssize waiting = g_task_propagate_int (G_TASK (result), &error);

  /* the count shown stays what it was: an unreadable replica is not "all sent" */
  if (waiting < 0)
    g_message ("Could not count the changes waiting to be sent: %s", error->message);
  else
    set_ops_waiting (CRM_SYNC_CLIENT (source), waiting);
}

void
crm_sync_client_refresh (CrmSyncClient *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, count_done, NULL);

  g_task_set_task_data (task, g_strdup (self->replica_path), g_free);
  g_task_run_in_thread (task, count_thread);
}

/* --- background ---------------------------------------------------------------------------- */

guint
crm_sync_backoff_delay_ms (guint  attempt,
                           GRand *rand)
{
  guint64 delay = BACKOFF_BASE_MS;

  for (guint i = 1; i < attempt && delay < BACKOFF_MAX_MS; i++)
    delay *= 2;
  delay = MIN (delay, BACKOFF_MAX_MS);
  /* ±50 %: many clients that lost the server at once do not come back at once */
  return (guint) (delay / 2 + g_rand_int_range (rand, 0, (gint32) MIN (delay, G_MAXINT32)));
}

static void schedule (CrmSyncClient *self, guint delay_ms);

static void
background_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CrmSyncClient *self = CRM_SYNC_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmSyncReport) report = crm_sync_client_sync_finish (self, result, &error);

  self->in_round = FALSE;
  if (!self->running)
    return;
  if (report != NULL)
    {
      self->attempt = 0;
      schedule (self, self->again ? 0 : self->interval * 1000);
    }
  else if (g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED) ||
           g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED) ||
           g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SCHEMA_TOO_NEW) ||
           g_error_matches (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_UPDATE_REQUIRED))
    {
      /* retrying cannot help: wait for the user (sign in, update) or "Sync now" */
      if (self->again)
        schedule (self, 0);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->attempt++;
      schedule (self, self->again ? 0 : crm_sync_backoff_delay_ms (self->attempt, self->rand));
    }
  self->again = FALSE;
  g_object_unref (self);
}

static gboolean
on_timer (gpointer user_data)
{
  CrmSyncClient *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  if (self->in_round)
    {
      self->again = TRUE;
      return G_SOURCE_REMOVE;
    }
  if (self->monitor != NULL && !g_network_monitor_get_network_available (self->monitor))
    {
      set_state (self, CRM_SYNC_STATE_OFFLINE);
      return G_SOURCE_REMOVE;   /* "network-changed" starts the next round */
    }
  self->in_round = TRUE;
  self->again = FALSE;
  crm_sync_client_sync_async (self, self->cancellable, background_done, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
schedule (CrmSyncClient *self,
          guint          delay_ms)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->timer = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, self->context);
}

static void
network_changed (GNetworkMonitor *monitor,
                 gboolean         available,
                 CrmSyncClient   *self)
{
  if (!available)
    {
      if (!self->in_round)
        set_state (self, CRM_SYNC_STATE_OFFLINE);
      return;
    }
  if (self->state == CRM_SYNC_STATE_OFFLINE || self->attempt > 0)
    {
      self->attempt = 0;
      schedule (self, 0);
    }
}

void
crm_sync_client_start (CrmSyncClient *self,
                       guint          interval_seconds)
{
  self->interval = MAX (interval_seconds, 1);
  if (!self->running)
    {
      self->running = TRUE;
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      self->monitor = g_network_monitor_get_default ();
      self->monitor_handler = g_signal_connect (self->monitor, "network-changed",
                                                G_CALLBACK (network_changed), self);
    }
  schedule (self, 0);
}

void
crm_sync_client_stop (CrmSyncClient *self)
{
  self->running = FALSE;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->monitor != NULL)
    {
      g_clear_signal_handler (&self->monitor_handler, self->monitor);
      self->monitor = NULL;
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
crm_sync_client_sync_now (CrmSyncClient *self)
{
  if (self->in_round)
    {
      self->again = TRUE;
      return;
    }
  if (!self->running)
    {
      self->running = TRUE;
      self->interval = self->interval ? self->interval : 300;
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  self->attempt = 0;
  schedule (self, 0);
}

void
crm_sync_client_admin_request_async (CrmSyncClient       *self,
                                     const char          *method,
                                     const char          *path,
                                     JsonObject          *body,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  gboolean test = g_str_has_suffix (path, "/test");
  InvitesRequest *request;
  GBytes *bytes = NULL;

  g_return_if_fail (CRM_IS_SYNC_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL);

  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, body);
      bytes = crm_protocol_to_bytes (node);
    }
  /* a test's answer says how it went; the others give the account's list */
  request = invites_request_new (self, method, bytes, test ? "test's answer" : "answer",
                                 test ? "ok" : "account", TRUE);
  request->path = path;
  invites_request_start (self, request, crm_sync_client_admin_request_async, cancellable,
                         callback, user_data);
}

JsonObject *
crm_sync_client_admin_request_finish (CrmSyncClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return invites_request_finish (self, result, error);
}
