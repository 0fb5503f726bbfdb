/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-publish.c — the accounts' channels and mailboxes, without secrets, into
 * their replicas (see crm-server-publish.h). Reads the channels through
 * crm-server-channels.c (server.db's or the PostgreSQL database's) and server.db's
 * `mailbox` table (crm-server-mailboxes.c owns it; it may not exist yet) on the main loop;
 * writes through core's crm_message_publish_transport(), which writes nothing when
 * nothing changed, as the storage writes (on PostgreSQL into the account's log). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <json-glib/json-glib.h>

#include "crm-message.h"
#include "crm-server-channels.h"
#include "crm-server-publish.h"
#include "crm-server-db.h"
#include "crm-server-telephony.h"

struct _CrmServerPublish
{
  CrmServerBackend  *storage;
  CrmServerChannels *channels;
  guint              timer;
  GCallback        changed;
  gpointer         changed_data;
};

/* @url as it may be shown: scheme, host, port and path; no user, password or query
 * (a gateway's URL may carry its key there). */
static char *
public_url (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  if (uri == NULL)
    return g_strdup ("?");
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);
}

static void
set_string (JsonObject *object,
            const char *member,
            const char *value)
{
  if (value == NULL)
    json_object_set_null_member (object, member);
  else
    json_object_set_string_member (object, member, value);
}

static JsonArray *
read_channels (CrmServerPublish *self,
               const char       *account_id)
{
  JsonArray *list = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) channels = self->channels != NULL
    ? crm_server_channels_list (self->channels, account_id, &error) : NULL;

  for (guint i = 0; channels != NULL && i < channels->len; i++)
    {
      CrmServerChannel *channel = channels->pdata[i];
      JsonObject *item = json_object_new ();
      g_autofree char *url = public_url (channel->url);

      set_string (item, "kind", channel->kind);
      json_object_set_string_member (item, "url", url);
      set_string (item, "from", channel->from);
      set_string (item, "user", channel->user);
      json_object_set_boolean_member (item, "has_secret", channel->secret != NULL);
      json_object_set_int_member (item, "updated_at", channel->updated_at);
      json_array_add_object_element (list, item);
    }
  return list;
}

/* The mailboxes (server.db's or the PostgreSQL database's; server.db may not have the
 * table yet: then none). */
static JsonArray *
read_mailboxes (CrmServerPublish *self,
                const char       *account_id)
{
  JsonArray *list = json_array_new ();
  const char *values[] = { account_id };
  g_autoptr(CrmServerRows) rows = crm_server_db_run (CRM_SERVER_STORAGE (self->storage),
    "reading the mailboxes",
    "SELECT url, username, pipeline, stage, taken, last_error, last_error_at FROM mailbox"
    " WHERE account = $1 ORDER BY url, username", 1, values, NULL);

  for (guint i = 0; rows != NULL && i < crm_server_rows_count (rows); i++)
    {
      JsonObject *item = json_object_new ();
      g_autofree char *url = public_url (crm_server_rows_text (rows, i, 0));

      json_object_set_string_member (item, "url", url);
      set_string (item, "user", crm_server_rows_text (rows, i, 1));
      set_string (item, "pipeline", crm_server_rows_text (rows, i, 2));
      set_string (item, "stage", crm_server_rows_text (rows, i, 3));
      json_object_set_int_member (item, "taken", crm_server_rows_int (rows, i, 4));
      set_string (item, "last_error", crm_server_rows_text (rows, i, 5));
      if (crm_server_rows_text (rows, i, 6) == NULL)
        json_object_set_null_member (item, "last_error_at");
      else
        json_object_set_int_member (item, "last_error_at", crm_server_rows_int (rows, i, 6));
      json_array_add_object_element (list, item);
    }
  return list;
}

typedef struct {
  const char *account_id;
  const char *account_name;
  gboolean    changed;
} Routing;

static gboolean
write_routing (CrmServerBackend  *storage,
               CrmStore          *store,
               gpointer           data,
               GError           **error)
{
  Routing *routing = data;

  return crm_server_telephony_publish (CRM_SERVER_STORAGE (storage), routing->account_id,
                                       routing->account_name, store, &routing->changed, error);
}

typedef struct {
  JsonObject *state;
  gboolean    changed;
} Transport;

static gboolean
write_transport (CrmServerBackend  *storage,
                 CrmStore          *store,
                 gpointer           data,
                 GError           **error)
{
  Transport *transport = data;

  return crm_message_publish_transport (store, transport->state, &transport->changed, error);
}

/* Publishes the routing, channels and mailboxes of the account @id (@name) into its
 * replica; TRUE in *@changed when that wrote anything. */
static void
publish_account (CrmServerPublish *self,
                 const char       *id,
                 const char       *name,
                 gboolean         *changed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) state = json_object_new ();
  CrmStore *store = crm_server_backend_get_replica (self->storage, id, &error);
  Transport transport = { state, FALSE };
  Routing routing = { id, name, FALSE };

  if (store == NULL)
    return;   /* an account that does not open is said elsewhere (readyz) */
  /* the call routing, for the app's Automation view */
  if (!crm_server_backend_write (self->storage, id, write_routing, &routing, &error))
    {
      g_warning ("Account %s: the call routing could not be published: %s", name,
                 error->message);
      g_clear_error (&error);
    }
  *changed |= routing.changed;
  json_object_set_string_member (state, "account", name);
  json_object_set_array_member (state, "channels", read_channels (self, id));
  json_object_set_array_member (state, "mailboxes", read_mailboxes (self, id));
  /* an account that never had a channel or a mailbox gets no op for it: the app says
   * «not reported» either way; one that had them learns they are gone */
  if (json_array_get_length (json_object_get_array_member (state, "channels")) == 0 &&
      json_array_get_length (json_object_get_array_member (state, "mailboxes")) == 0)
    {
      g_autoptr(JsonObject) before = crm_message_dup_transport (store);

      if (before == NULL)
        return;
    }
  if (!crm_server_backend_write (self->storage, id, write_transport, &transport, &error))
    g_warning ("Account %s: the channels could not be published: %s", name, error->message);
  *changed |= transport.changed;
}

/* Every account, or only @only_id when it is given. */
static void
publish (CrmServerPublish *self,
         const char       *only_id)
{
  g_autoptr(GError) list_error = NULL;
  g_autoptr(GPtrArray) accounts = crm_server_backend_list_accounts (self->storage, &list_error);
  gboolean any = FALSE;

  if (accounts == NULL)
    {
      g_warning ("Publishing the channels: %s", list_error->message);
      return;
    }
  for (guint i = 0; i + 1 < accounts->len; i += 2)
    if (only_id == NULL || g_str_equal (only_id, accounts->pdata[i]))
      publish_account (self, accounts->pdata[i], accounts->pdata[i + 1], &any);
  if (any && self->changed != NULL)
    ((void (*) (gpointer)) self->changed) (self->changed_data);
}

void
crm_server_publish_now (CrmServerPublish *self)
{
  publish (self, NULL);
}

void
crm_server_publish_account (CrmServerPublish *self,
                            const char       *account_id)
{
  publish (self, account_id);
}

static gboolean
publish_timer (gpointer user_data)
{
  crm_server_publish_now (user_data);
  return G_SOURCE_CONTINUE;
}

CrmServerPublish *
crm_server_publish_start (CrmServerBackend *storage,
                          guint             interval_s,
                          GCallback         changed,
                          gpointer          user_data)
{
  CrmServerPublish *self = g_new0 (CrmServerPublish, 1);
  g_autoptr(GError) error = NULL;

  self->storage = g_object_ref (storage);
  self->channels = crm_server_channels_open_for (CRM_SERVER_STORAGE (storage),
                                                 crm_server_backend_get_data_dir (storage),
                                                 &error);
  if (self->channels == NULL)
    g_warning ("Publishing the channels: %s", error->message);
  self->changed = changed;
  self->changed_data = user_data;
  crm_server_publish_now (self);
  self->timer = g_timeout_add_seconds (MAX (interval_s, 1), publish_timer, self);
  return self;
}

void
crm_server_publish_stop (CrmServerPublish *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_pointer (&self->channels, crm_server_channels_free);
  g_object_unref (self->storage);
  g_free (self);
}
