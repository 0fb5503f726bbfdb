/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-channels.c — the accounts' channels and the messages' delivery records in
 * DIR/server.db (see crm-server-channels.h), and the `channel` admin commands. Its own
 * connection to server.db; the tables are made here (IF NOT EXISTS) so the storage's
 * numbered steps stay the accounts' and users'. */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "crm-message.h"
#include "crm-stdin.h"
#include "crm-server-channels.h"
#include "crm-server-admin.h"
#include "crm-server-command.h"
#include "crm-server-auth.h"
#include "crm-server-log.h"
#include "crm-server-sqlite.h"
#include "crm-server-pg.h"
#include "crm-error.h"
#include "crm-json.h"
#include "crm-protocol.h"
#include "crm-time.h"

struct _CrmServerChannels
{
  char        *path;
  sqlite3     *db;
  CrmServerPg *pg;   /* on PostgreSQL: its tables there, not server.db's */
  char        *process;   /* on PostgreSQL: this process's claims (a random token) */
  gint64       lease_ms;  /* how long a claim holds without being renewed */
};

static const char tables_sql[] =
  "CREATE TABLE IF NOT EXISTS channel (account TEXT NOT NULL, kind TEXT NOT NULL,"
  " url TEXT NOT NULL, sender TEXT, user TEXT, secret TEXT, updated_at INTEGER NOT NULL,"
  " ca_file TEXT, PRIMARY KEY (account, kind));"
  "CREATE TABLE IF NOT EXISTS delivery (account TEXT NOT NULL, message TEXT NOT NULL,"
  " state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER,"
  " reason TEXT, updated_at INTEGER NOT NULL, PRIMARY KEY (account, message));"
  "CREATE INDEX IF NOT EXISTS delivery_due ON delivery (state, next_at)"
  " WHERE state IN (1, 2);";

void
crm_server_channel_free (CrmServerChannel *channel)
{
  if (channel == NULL)
    return;
  g_free (channel->kind);
  g_free (channel->url);
  g_free (channel->from);
  g_free (channel->user);
  g_free (channel->ca_file);
  if (channel->secret != NULL)
    memset (channel->secret, 0, strlen (channel->secret));
  g_free (channel->secret);
  g_free (channel);
}

void
crm_delivery_record_free (CrmDeliveryRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->account);
  g_free (record->message);
  g_free (record);
}

static gboolean
failed (CrmServerChannels  *self,
        const char         *what,
        GError            **error)
{
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("The server database %s failed while %s: %s"), self->path, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

void
crm_server_channels_free (CrmServerChannels *self)
{
  if (self == NULL)
    return;
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_object (&self->pg);
  g_free (self->process);
  g_free (self->path);
  g_free (self);
}

CrmServerChannels *
crm_server_channels_open (const char  *data_dir,
                          GError     **error)
{
  g_autoptr(CrmServerChannels) self = g_new0 (CrmServerChannels, 1);

  self->path = g_build_filename (data_dir, "server.db", NULL);
  if (sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      failed (self, "opening it", error);
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 10000);
  if (sqlite3_exec (self->db, tables_sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      failed (self, "making the channel tables", error);
      return NULL;
    }
  /* --ca-file came later: a server.db of before gets the column (nothing else changes) */
  if (sqlite3_exec (self->db, "SELECT ca_file FROM channel LIMIT 0", NULL, NULL, NULL) != SQLITE_OK &&
      sqlite3_exec (self->db, "ALTER TABLE channel ADD COLUMN ca_file TEXT", NULL, NULL, NULL) != SQLITE_OK)
    {
      failed (self, "adding the channels' CA file", error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

CrmServerChannels *
crm_server_channels_open_for (CrmServerStorage  *storage,
                              const char        *data_dir,
                              GError           **error)
{
  CrmServerChannels *self;

  if (!CRM_IS_SERVER_PG (storage))
    return crm_server_channels_open (data_dir, error);
  /* the tables are the database's own schema steps (crm-server-pg.c) */
  self = g_new0 (CrmServerChannels, 1);
  self->pg = g_object_ref (CRM_SERVER_PG (storage));
  self->process = g_uuid_string_random ();
  self->lease_ms = CRM_DELIVERY_DEFAULT_LEASE_MS;
  return self;
}

/* --- on PostgreSQL ------------------------------------------------------------------------ */

static PGresult *
pg_rows (CrmServerChannels  *self,
         GError            **error,
         const char         *sql,
         int                 n,
         const char *const  *values)
{
  return crm_server_pg_run (self->pg, sql, n, values, error);
}


static char *
pg_account_id (CrmServerChannels  *self,
               const char         *name,
               GError            **error)
{
  const char *values[] = { name };
  PGresult *result = pg_rows (self, error, "SELECT id FROM account WHERE name = $1", 1, values);
  char *id = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    id = crm_server_pg_dup_value (result, 0, 0);
  PQclear (result);
  if (id == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no account «%s» on this server"), name);
  return id;
}

static gboolean
pg_set (CrmServerChannels       *self,
        const char              *account_id,
        const CrmServerChannel  *channel,
        GError                 **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  const char *values[] = { account_id, channel->kind, channel->url, channel->from,
                           channel->user, channel->secret, now, channel->ca_file };
  PGresult *result = pg_rows (self, error,
    "INSERT INTO channel (account, kind, url, sender, \"user\", secret, updated_at, ca_file)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account, kind) DO UPDATE SET"
    " url = excluded.url, sender = excluded.sender, \"user\" = excluded.\"user\","
    " secret = excluded.secret, updated_at = excluded.updated_at, ca_file = excluded.ca_file",
    G_N_ELEMENTS (values), values);

  PQclear (result);
  return result != NULL;
}

/* Rows of kind, url, sender, user, secret (or whether there is one), ca_file. */
static GPtrArray *
pg_channels (CrmServerChannels  *self,
             const char         *account_id,
             const char         *kind,
             GError            **error)
{
  const char *values[] = { account_id, kind };
  PGresult *result = pg_rows (self, error,
    "SELECT kind, url, sender, \"user\", CASE WHEN $2::text IS NULL THEN"
    " CASE WHEN coalesce (secret, '') = '' THEN NULL ELSE '' END ELSE secret END, ca_file,"
    " updated_at FROM channel"
    " WHERE account = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY kind",
    G_N_ELEMENTS (values), values);
  GPtrArray *list;

  if (result == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_channel_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      CrmServerChannel *channel = g_new0 (CrmServerChannel, 1);

      channel->kind = crm_server_pg_dup_value (result, i, 0);
      channel->url = crm_server_pg_dup_value (result, i, 1);
      channel->from = crm_server_pg_dup_value (result, i, 2);
      channel->user = crm_server_pg_dup_value (result, i, 3);
      channel->secret = crm_server_pg_dup_value (result, i, 4);
      channel->ca_file = crm_server_pg_dup_value (result, i, 5);
      channel->updated_at = crm_server_pg_get_int (result, i, 6);
      g_ptr_array_add (list, channel);
    }
  PQclear (result);
  return list;
}

static GPtrArray *
pg_records (PGresult *result)
{
  GPtrArray *list;

  if (result == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_delivery_record_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      CrmDeliveryRecord *record = g_new0 (CrmDeliveryRecord, 1);

      record->account = crm_server_pg_dup_value (result, i, 0);
      record->message = crm_server_pg_dup_value (result, i, 1);
      record->state = (CrmDeliveryState) crm_server_pg_get_int (result, i, 2);
      record->attempts = (gint) crm_server_pg_get_int (result, i, 3);
      record->next_at = crm_server_pg_get_int (result, i, 4);
      g_ptr_array_add (list, record);
    }
  PQclear (result);
  return list;
}

#define RECORD_COLUMNS "account, message, state, attempts, coalesce (next_at, 0)"

/* --- in server.db ------------------------------------------------------------------------- */

static sqlite3_stmt *
prepare (CrmServerChannels  *self,
         const char         *sql,
         GError            **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      failed (self, "preparing a query", error);
      return NULL;
    }
  return stmt;
}

static char *
dup_text (sqlite3_stmt *stmt,
          int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

char *
crm_server_channels_account_id (CrmServerChannels  *self,
                                const char         *name,
                                GError            **error)
{
  sqlite3_stmt *stmt;
  char *id = NULL;

  if (self->pg != NULL)
    return pg_account_id (self, name, error);
  if ((stmt = prepare (self, "SELECT id FROM account WHERE name = ?1", error)) == NULL)
    return NULL;
  bind_text (stmt, 1, name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = dup_text (stmt, 0);
  sqlite3_finalize (stmt);
  if (id == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no account «%s» on this server"), name);
  return id;
}

GPtrArray *
crm_server_channels_accounts (CrmServerChannels  *self,
                              GError            **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  if (self->pg != NULL)
    {
      PGresult *result = pg_rows (self, error, "SELECT id, name FROM account ORDER BY name", 0,
                                  NULL);

      if (result == NULL)
        return NULL;
      for (int i = 0; i < PQntuples (result); i++)
        {
          g_ptr_array_add (accounts, crm_server_pg_dup_value (result, i, 0));
          g_ptr_array_add (accounts, crm_server_pg_dup_value (result, i, 1));
        }
      PQclear (result);
      return g_steal_pointer (&accounts);
    }
  if ((stmt = prepare (self, "SELECT id, name FROM account ORDER BY name", error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (accounts, dup_text (stmt, 0));
      g_ptr_array_add (accounts, dup_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      failed (self, "listing accounts", error);
      return NULL;
    }
  return g_steal_pointer (&accounts);
}

gboolean
crm_server_channels_set (CrmServerChannels       *self,
                         const char              *account_id,
                         const CrmServerChannel  *channel,
                         GError                 **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (self->pg != NULL)
    return pg_set (self, account_id, channel, error);
  stmt = prepare (self,
    "INSERT INTO channel (account, kind, url, sender, user, secret, updated_at, ca_file)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (account, kind) DO UPDATE SET"
    " url = excluded.url, sender = excluded.sender, user = excluded.user,"
    " secret = excluded.secret, updated_at = excluded.updated_at, ca_file = excluded.ca_file",
    error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, account_id);
  bind_text (stmt, 2, channel->kind);
  bind_text (stmt, 3, channel->url);
  bind_text (stmt, 4, channel->from);
  bind_text (stmt, 5, channel->user);
  bind_text (stmt, 6, channel->secret);
  sqlite3_bind_int64 (stmt, 7, crm_time_now_ms ());
  bind_text (stmt, 8, channel->ca_file);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return failed (self, "saving a channel", error);
  return TRUE;
}

CrmServerChannel *
crm_server_channels_get (CrmServerChannels  *self,
                         const char         *account_id,
                         const char         *kind,
                         GError            **error)
{
  sqlite3_stmt *stmt;
  CrmServerChannel *channel = NULL;
  int rc;

  if (self->pg != NULL)
    {
      g_autoptr(GPtrArray) list = pg_channels (self, account_id, kind, error);

      return list != NULL && list->len > 0 ? g_ptr_array_steal_index (list, 0) : NULL;
    }
  stmt = prepare (self,
    "SELECT url, sender, user, secret, ca_file FROM channel WHERE account = ?1 AND kind = ?2",
    error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, account_id);
  bind_text (stmt, 2, kind);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      channel = g_new0 (CrmServerChannel, 1);
      channel->kind = g_strdup (kind);
      channel->url = dup_text (stmt, 0);
      channel->from = dup_text (stmt, 1);
      channel->user = dup_text (stmt, 2);
      channel->secret = dup_text (stmt, 3);
      channel->ca_file = dup_text (stmt, 4);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    failed (self, "reading a channel", error);
  return channel;
}

GPtrArray *
crm_server_channels_list (CrmServerChannels  *self,
                          const char         *account_id,
                          GError            **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_channel_free);
  sqlite3_stmt *stmt;
  int rc;

  if (self->pg != NULL)
    return pg_channels (self, account_id, NULL, error);
  stmt = prepare (self,
    "SELECT kind, url, sender, user, secret IS NOT NULL AND secret != '', ca_file, updated_at"
    " FROM channel WHERE account = ?1 ORDER BY kind", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmServerChannel *channel = g_new0 (CrmServerChannel, 1);

      channel->kind = dup_text (stmt, 0);
      channel->url = dup_text (stmt, 1);
      channel->from = dup_text (stmt, 2);
      channel->user = dup_text (stmt, 3);
      /* never the secret itself: whether there is one */
      channel->secret = sqlite3_column_int (stmt, 4) ? g_strdup ("") : NULL;
      channel->ca_file = dup_text (stmt, 5);
      channel->updated_at = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (list, channel);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      failed (self, "listing channels", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
crm_server_channels_remove (CrmServerChannels  *self,
                            const char         *account_id,
                            const char         *kind,
                            gboolean           *out_removed,
                            GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *out_removed = FALSE;
  if (self->pg != NULL)
    {
      const char *values[] = { account_id, kind };
      PGresult *result = pg_rows (self, error,
                                  "DELETE FROM channel WHERE account = $1 AND kind = $2",
                                  G_N_ELEMENTS (values), values);

      if (result == NULL)
        return FALSE;
      *out_removed = !g_str_equal (PQcmdTuples (result), "0");
      PQclear (result);
      return TRUE;
    }
  if ((stmt = prepare (self, "DELETE FROM channel WHERE account = ?1 AND kind = ?2",
                       error)) == NULL)
    return FALSE;
  bind_text (stmt, 1, account_id);
  bind_text (stmt, 2, kind);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return failed (self, "removing a channel", error);
  *out_removed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

JsonArray *
crm_server_channels_describe (CrmServerChannels  *self,
                              const char         *account_id,
                              GError            **error)
{
  g_autoptr(GPtrArray) list = crm_server_channels_list (self, account_id, error);
  JsonArray *array;

  if (list == NULL)
    return NULL;
  array = json_array_sized_new (list->len);
  for (guint i = 0; i < list->len; i++)
    {
      CrmServerChannel *channel = list->pdata[i];
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "kind", channel->kind);
      json_object_set_string_member (item, "url", channel->url);
      crm_json_set_string_or_null (item, "from", channel->from);
      crm_json_set_string_or_null (item, "user", channel->user);
      /* never the secret itself: whether there is one */
      json_object_set_boolean_member (item, "secret", channel->secret != NULL);
      crm_json_set_string_or_null (item, "ca_file", channel->ca_file);
      json_object_set_int_member (item, "updated_at", channel->updated_at);
      json_array_add_object_element (array, item);
    }
  return array;
}

/* --- what a channel may be ------------------------------------------------------------- */

static gboolean
url_has_scheme (const char        *url,
                const char *const *schemes)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         g_strv_contains (schemes, g_uri_get_scheme (uri));
}

static gboolean
is_address (const char *text)
{
  const char *at = text != NULL ? strchr (text, '@') : NULL;

  return at != NULL && at != text && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         strpbrk (text, " <>\r\n\t,;\"") == NULL;
}

/* what a channel may be is refused as bad input, saying what to change */
#define invalid(error, ...) \
  crm_error_fail (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT, __VA_ARGS__)

gboolean
crm_server_check_line (const char  *label,
                       const char  *text,
                       gsize        max,
                       GError     **error)
{
  if (text == NULL)
    return TRUE;
  if (strlen (text) > max)
    return invalid (error, _("The %s is longer than %lu characters; check what was pasted"),
                    label, (gulong) max);
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return invalid (error, _("The %s holds a line break or another control character; "
                               "type it on one line"), label);
  return TRUE;
}

gboolean
crm_server_channel_check (CrmServerChannel  *channel,
                          GError           **error)
{
  static const char *const smtp_schemes[] = { "smtp", "smtps", NULL };
  static const char *const http_schemes[] = { "http", "https", NULL };
  const char *kind = channel->kind;

  if (kind == NULL || (!g_str_equal (kind, "email") && !g_str_equal (kind, "sms") &&
                       !g_str_equal (kind, "telegram")))
    return invalid (error, _("“%s” is not a channel; choose email, sms or telegram"),
                    kind != NULL ? kind : "");
  if (!crm_server_check_line (_("URL"), channel->url, CRM_SERVER_CHANNEL_MAX_URL, error) ||
      !crm_server_check_line (_("sender's address"), channel->from,
                              CRM_SERVER_CHANNEL_MAX_TEXT, error) ||
      !crm_server_check_line (_("login"), channel->user, CRM_SERVER_CHANNEL_MAX_TEXT, error) ||
      !crm_server_check_line (_("password or token"), channel->secret,
                              CRM_SERVER_CHANNEL_MAX_SECRET, error))
    return FALSE;
  if (channel->user != NULL && *channel->user == '\0')
    g_clear_pointer (&channel->user, g_free);
  if (channel->from != NULL && *channel->from == '\0')
    g_clear_pointer (&channel->from, g_free);
  if (g_str_equal (kind, "email"))
    {
      if (channel->url == NULL || *channel->url == '\0')
        return invalid (error, _("E-mail needs its SMTP server: smtp://HOST[:PORT] or "
                                 "smtps://HOST[:PORT]"));
      if (!url_has_scheme (channel->url, smtp_schemes))
        return invalid (error, _("“%s” is not an SMTP server's URL; write smtp://HOST[:PORT] "
                                 "(STARTTLS) or smtps://HOST[:PORT] (TLS from the start)"),
                        channel->url);
      if (channel->user != NULL && (channel->secret == NULL || *channel->secret == '\0'))
        return invalid (error, _("The SMTP login %s needs its password"), channel->user);
      if (channel->user == NULL && channel->secret != NULL && *channel->secret != '\0')
        return invalid (error, _("A password goes with the SMTP login; give the login too"));
      if (channel->from == NULL && is_address (channel->user))
        channel->from = g_strdup (channel->user);
      if (channel->from == NULL)
        return invalid (error, _("E-mail needs the sender's address: the address the mail "
                                 "comes from"));
      if (!is_address (channel->from))
        return invalid (error, _("“%s” is not an e-mail address"), channel->from);
      return TRUE;
    }
  if (channel->url == NULL || *channel->url == '\0')
    return invalid (error, _("%s needs its URL"), crm_message_channel_label (kind));
  if (!url_has_scheme (channel->url, http_schemes))
    return invalid (error, _("“%s” is not an http:// or https:// URL"), channel->url);
  if (channel->from != NULL || channel->user != NULL || channel->ca_file != NULL)
    return invalid (error, _("A sender's address, a login and a CA file are for e-mail; %s "
                             "takes a URL and a token"), crm_message_channel_label (kind));
  if (g_str_equal (kind, "telegram") && (channel->secret == NULL || *channel->secret == '\0'))
    return invalid (error, _("Telegram needs the bot's token"));
  return TRUE;
}

gboolean
crm_server_delivery_get (CrmServerChannels  *self,
                         const char         *account_id,
                         const char         *message_id,
                         CrmDeliveryRecord  *out,
                         GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  memset (out, 0, sizeof *out);
  if (self->pg != NULL)
    {
      const char *values[] = { account_id, message_id };
      g_autoptr(GPtrArray) found = pg_records (pg_rows (self, error,
        "SELECT " RECORD_COLUMNS " FROM delivery WHERE account = $1 AND message = $2",
        G_N_ELEMENTS (values), values));
      CrmDeliveryRecord *record;

      if (found == NULL)
        return FALSE;
      if (found->len > 0)
        {
          record = found->pdata[0];
          out->state = record->state;
          out->attempts = record->attempts;
          out->next_at = record->next_at;
        }
      return TRUE;
    }
  stmt = prepare (self,
    "SELECT state, attempts, coalesce (next_at, 0) FROM delivery"
    " WHERE account = ?1 AND message = ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, account_id);
  bind_text (stmt, 2, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      out->state = sqlite3_column_int (stmt, 0);
      out->attempts = sqlite3_column_int (stmt, 1);
      out->next_at = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return failed (self, "reading a delivery record", error);
  return TRUE;
}

gboolean
crm_server_delivery_set (CrmServerChannels  *self,
                         const char         *account_id,
                         const char         *message_id,
                         CrmDeliveryState    state,
                         gint                attempts,
                         gint64              next_at,
                         const char         *reason,
                         GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (self->pg != NULL)
    {
      g_autofree char *state_text = g_strdup_printf ("%d", (int) state);
      g_autofree char *attempts_text = g_strdup_printf ("%d", attempts);
      g_autofree char *next_text = next_at > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, next_at)
                                               : NULL;
      g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
      const char *values[] = { account_id, message_id, state_text, attempts_text, next_text,
                               reason, now };
      PGresult *result = pg_rows (self, error,
        "INSERT INTO delivery (account, message, state, attempts, next_at, reason, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account, message) DO UPDATE SET"
        " state = excluded.state, attempts = excluded.attempts, next_at = excluded.next_at,"
        " reason = excluded.reason, updated_at = excluded.updated_at",
        G_N_ELEMENTS (values), values);

      PQclear (result);
      return result != NULL;
    }
  stmt = prepare (self,
    "INSERT INTO delivery (account, message, state, attempts, next_at, reason, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account, message) DO UPDATE SET"
    " state = excluded.state, attempts = excluded.attempts, next_at = excluded.next_at,"
    " reason = excluded.reason, updated_at = excluded.updated_at", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, account_id);
  bind_text (stmt, 2, message_id);
  sqlite3_bind_int (stmt, 3, state);
  sqlite3_bind_int (stmt, 4, attempts);
  if (next_at > 0)
    sqlite3_bind_int64 (stmt, 5, next_at);
  else
    sqlite3_bind_null (stmt, 5);
  bind_text (stmt, 6, reason);
  sqlite3_bind_int64 (stmt, 7, crm_time_now_ms ());
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return failed (self, "writing a delivery record", error);
  return TRUE;
}

GPtrArray *
crm_server_delivery_due (CrmServerChannels  *self,
                         gint64              now,
                         gboolean            interrupted,
                         GError            **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_delivery_record_free);
  sqlite3_stmt *stmt;
  int rc;

  if (self->pg != NULL)
    {
      /* SENDING records whose claim was not renewed for its lease: their process is gone
       * (or cut off from the database for that long), whenever; records of before leases
       * when their process's connection is gone */
      g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
      const char *values[] = { now_text };

      return pg_records (pg_rows (self, error,
        "SELECT " RECORD_COLUMNS " FROM delivery WHERE (state = 2 AND next_at <= $1)"
        " OR (state = 1 AND CASE WHEN lease_until IS NULL THEN NOT EXISTS (SELECT 1"
        "  FROM pg_stat_activity WHERE pid = delivery.claimed_by) ELSE lease_until < $1 END)"
        " ORDER BY next_at, message", 1, values));
    }
  stmt = prepare (self,
    "SELECT account, message, state, attempts, coalesce (next_at, 0) FROM delivery"
    " WHERE (state = 2 AND next_at <= ?1) OR (?2 AND state = 1)"
    " ORDER BY next_at, message", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int (stmt, 2, interrupted ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CrmDeliveryRecord *record = g_new0 (CrmDeliveryRecord, 1);

      record->account = dup_text (stmt, 0);
      record->message = dup_text (stmt, 1);
      record->state = sqlite3_column_int (stmt, 2);
      record->attempts = sqlite3_column_int (stmt, 3);
      record->next_at = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (list, record);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      failed (self, "reading due deliveries", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gboolean
crm_server_delivery_claim (CrmServerChannels        *self,
                           const char               *account_id,
                           const char               *message_id,
                           const CrmDeliveryRecord  *seen,
                           gint                      attempts,
                           gboolean                 *out_claimed,
                           GError                  **error)
{
  g_autofree char *state_text = g_strdup_printf ("%d", (int) seen->state);
  g_autofree char *seen_attempts = g_strdup_printf ("%d", seen->attempts);
  g_autofree char *attempts_text = g_strdup_printf ("%d", attempts);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  g_autofree char *lease = g_strdup_printf ("%" G_GINT64_FORMAT,
                                            crm_time_now_ms () + self->lease_ms);
  const char *values[] = { account_id, message_id, attempts_text, now, state_text,
                           seen_attempts, self->process, lease };
  const char *new_values[] = { account_id, message_id, attempts_text, now, self->process,
                               lease };
  PGresult *result;

  *out_claimed = FALSE;
  if (self->pg == NULL)
    {
      /* one process per data folder: nobody else claims it meanwhile */
      *out_claimed = TRUE;
      return crm_server_delivery_set (self, account_id, message_id, CRM_DELIVERY_SENDING,
                                      attempts, 0, NULL, error);
    }
  /* a new message: whoever inserts its record first; one with a record: whoever locks
   * it first while it is still as it was seen (the others skip it) */
  result = seen->state == CRM_DELIVERY_NONE
    ? pg_rows (self, error,
        "INSERT INTO delivery (account, message, state, attempts, updated_at, claimed_by,"
        " claim, lease_until) VALUES ($1, $2, 1, $3, $4, pg_backend_pid (), $5, $6)"
        " ON CONFLICT DO NOTHING", G_N_ELEMENTS (new_values), new_values)
    : pg_rows (self, error,
        "UPDATE delivery d SET state = 1, attempts = $3, next_at = NULL, updated_at = $4,"
        " claimed_by = pg_backend_pid (), claim = $7, lease_until = $8"
        " FROM (SELECT account, message FROM delivery"
        "  WHERE account = $1 AND message = $2 AND state = $5 AND attempts = $6"
        "  FOR UPDATE SKIP LOCKED) free WHERE d.account = free.account"
        " AND d.message = free.message", G_N_ELEMENTS (values), values);
  if (result == NULL)
    return FALSE;
  *out_claimed = g_str_equal (PQcmdTuples (result), "1");
  PQclear (result);
  return TRUE;
}

void
crm_server_delivery_set_lease (CrmServerChannels *self,
                               gint64             lease_ms)
{
  self->lease_ms = lease_ms;
}

gboolean
crm_server_delivery_renew (CrmServerChannels  *self,
                           GError            **error)
{
  g_autofree char *lease = NULL;
  PGresult *result;

  if (self->pg == NULL)
    return TRUE;
  lease = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms () + self->lease_ms);
  {
    const char *values[] = { self->process, lease };

    result = pg_rows (self, error,
                      "UPDATE delivery SET lease_until = $2 WHERE claim = $1 AND state = 1",
                      G_N_ELEMENTS (values), values);
  }
  PQclear (result);
  return result != NULL;
}

gboolean
crm_server_delivery_finish (CrmServerChannels  *self,
                            const char         *account_id,
                            const char         *message_id,
                            CrmDeliveryState    state,
                            gint                attempts,
                            gint64              next_at,
                            const char         *reason,
                            gboolean           *out_held,
                            GError            **error)
{
  g_autofree char *state_text = g_strdup_printf ("%d", (int) state);
  g_autofree char *attempts_text = g_strdup_printf ("%d", attempts);
  g_autofree char *next_text = next_at > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, next_at)
                                           : NULL;
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
  const char *values[] = { account_id, message_id, state_text, attempts_text, next_text,
                           reason, now, self->process };
  PGresult *result;

  *out_held = TRUE;
  if (self->pg == NULL)
    return crm_server_delivery_set (self, account_id, message_id, state, attempts, next_at,
                                    reason, error);
  /* only while this process's claim holds: once another process took the message over
   * (the lease ran out), that one writes what became of it */
  result = pg_rows (self, error,
    "UPDATE delivery SET state = $3, attempts = $4, next_at = $5, reason = $6,"
    " updated_at = $7, lease_until = NULL WHERE account = $1 AND message = $2 AND claim = $8",
    G_N_ELEMENTS (values), values);
  if (result == NULL)
    return FALSE;
  *out_held = g_str_equal (PQcmdTuples (result), "1");
  PQclear (result);
  return TRUE;
}

/* --- voronka-server channel set|list -------------------------------------------------- */

/* Opens the storage first: it makes (or updates) server.db. */
static CrmServerChannels *
open_channels (const char  *data_dir,
               char       **out_account_id,
               const char  *account,
               GError     **error)
{
  g_autoptr(CrmServerStorage) storage = NULL;
  g_autoptr(CrmServerChannels) channels = NULL;

  if (data_dir == NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("Say where the server keeps its data: voronka-server --data DIR …"));
      return NULL;
    }
  if ((storage = crm_server_admin_open_storage (data_dir, error)) == NULL ||
      (channels = crm_server_channels_open_for (storage, data_dir, error)) == NULL ||
      (*out_account_id = crm_server_channels_account_id (channels, account, error)) == NULL)
    return NULL;
  return g_steal_pointer (&channels);
}

int
crm_server_cmd_channel_set (const char  *data_dir,
                            int          argc,
                            char       **argv)
{
  g_autofree char *smtp = NULL;
  g_autofree char *url = NULL;
  g_autofree char *from = NULL;
  g_autofree char *user = NULL;
  g_autofree char *ca_file = NULL;
  gboolean password_stdin = FALSE;
  gboolean token_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "smtp", 0, 0, G_OPTION_ARG_STRING, &smtp,
      N_("email: the SMTP server, smtp://HOST[:PORT] (STARTTLS when the server offers it, "
         "required with --user) or smtps://HOST[:PORT] (TLS from the start)"), N_("URL") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from,
      N_("email: the sender's address (default: --user when it is an address)"), N_("ADDR") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user,
      N_("email: the SMTP user to sign in as"), N_("U") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("email: read the SMTP password from standard input"), NULL },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("email: the CA certificate (PEM) the SMTP server's certificate is signed by, when "
         "it is not one the system trusts (a company's own CA, a self-signed server)"),
      N_("PEM") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("sms: the gateway's URL (a JSON POST {\"to\", \"text\", \"id\"}); telegram: the Bot "
         "API's base URL, e.g. https://api.telegram.org"), N_("URL") },
    { "token-stdin", 0, 0, G_OPTION_ARG_NONE, &token_stdin,
      N_("sms: read the gateway's bearer token from standard input; telegram: the bot's "
         "token (required)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = crm_server_command_context (
    "ACCOUNT email|sms|telegram",
    _("Set how an account's messages leave the server: e-mail through an SMTP server, SMS "
      "through an HTTP gateway, Telegram through a bot. Passwords and tokens stay in the "
      "server's data folder; laptops never get them. Messages queued meanwhile go out at "
      "the next delivery round."), entries);
  g_autoptr(CrmServerChannels) channels = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *details = NULL;
  g_autoptr(CrmServerChannel) channel = g_new0 (CrmServerChannel, 1);
  const char *kind;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return crm_server_command_usage ("%s", error->message);
  if (argc != 3)
    return crm_server_command_usage (_("channel set takes an ACCOUNT and a channel: email, sms or telegram"));
  kind = argv[2];
  /* what goes with which channel is the options' business; what a channel may be is
   * crm_server_channel_check()'s, shared with the app's POST /api/v1/channels */
  if (g_str_equal (kind, "email"))
    {
      if (smtp == NULL)
        return crm_server_command_usage (_("channel set … email needs --smtp smtp://HOST[:PORT] or "
                        "smtps://HOST[:PORT]"));
      if (url != NULL || token_stdin)
        return crm_server_command_usage (_("--url and --token-stdin are for sms and telegram; e-mail takes "
                        "--smtp, --from, --user and --password-stdin"));
      if (password_stdin && user == NULL)
        return crm_server_command_usage (_("--password-stdin goes with --user"));
      if (user != NULL && !password_stdin)
        return crm_server_command_usage (_("--user needs --password-stdin (passwords never go on the command "
                        "line)"));
      if (from == NULL && user == NULL)
        return crm_server_command_usage (_("--from ADDR is required: the address the mail comes from"));
      if (ca_file != NULL)
        {
          g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);
          g_autofree char *absolute = NULL;

          if (database == NULL)
            return crm_server_command_usage (_("--ca-file: %s holds no certificate the server can "
                                               "use: %s"), ca_file, error->message);
          /* the server runs elsewhere (a service): the path as seen from anywhere */
          absolute = g_canonicalize_filename (ca_file, NULL);
          g_free (ca_file);
          ca_file = g_steal_pointer (&absolute);
        }
      channel->url = g_steal_pointer (&smtp);
      channel->from = g_steal_pointer (&from);
      channel->user = g_steal_pointer (&user);
      channel->ca_file = g_steal_pointer (&ca_file);
    }
  else if (g_str_equal (kind, "sms") || g_str_equal (kind, "telegram"))
    {
      if (url == NULL)
        return crm_server_command_usage (_("channel set … %s needs --url URL"), kind);
      if (smtp != NULL || from != NULL || user != NULL || password_stdin || ca_file != NULL)
        return crm_server_command_usage (_("--smtp, --from, --user, --password-stdin and --ca-file are for "
                                           "e-mail; %s takes --url and --token-stdin"), kind);
      if (g_str_equal (kind, "telegram") && !token_stdin)
        return crm_server_command_usage (_("telegram needs the bot's token: --token-stdin"));
      channel->url = g_steal_pointer (&url);
    }
  else
    return crm_server_command_usage (_("“%s” is not a channel; choose email, sms or telegram"), kind);
  channel->kind = g_strdup (kind);

  if ((password_stdin || token_stdin) &&
      (channel->secret = crm_read_password_stdin (&error)) == NULL)
    return crm_server_command_fail (error);
  if (!crm_server_channel_check (channel, &error))
    return crm_server_command_usage ("%s", error->message);
  if ((channels = open_channels (data_dir, &account_id, argv[1], &error)) == NULL ||
      !crm_server_channels_set (channels, account_id, channel, &error))
    return crm_server_command_fail (error);
  details = g_strdup_printf ("channel=%s url=%s", kind, channel->url);
  crm_server_audit ("channel.set", argv[1], NULL, details);
  g_print (_("Account «%s» now sends %s through %s\n"), argv[1], kind, channel->url);
  return 0;
}

int
crm_server_cmd_channel_list (const char  *data_dir,
                             int          argc,
                             char       **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print a JSON array: [{\"kind\", \"url\", \"from\", \"user\", \"secret\": true|false, "
         "\"ca_file\", \"updated_at\"}]"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = crm_server_command_context (
    "ACCOUNT", _("List an account's channels (the secrets only as set or not)."), entries);
  g_autoptr(CrmServerChannels) channels = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account_id = NULL;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return crm_server_command_usage ("%s", error->message);
  if (argc != 2)
    return crm_server_command_usage (_("channel list takes an ACCOUNT"));
  if ((channels = open_channels (data_dir, &account_id, argv[1], &error)) == NULL ||
      (list = crm_server_channels_list (channels, account_id, &error)) == NULL)
    return crm_server_command_fail (error);
  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *text = NULL;
      JsonArray *array = crm_server_channels_describe (channels, account_id, &error);

      if (array == NULL)
        return crm_server_command_fail (error);
      json_node_take_array (root, array);
      text = json_to_string (root, TRUE);
      g_print ("%s\n", text);
      return 0;
    }
  if (list->len == 0)
    g_print (_("Account «%s» has no channels: messages wait until “voronka-server channel "
               "set” gives one\n"), argv[1]);
  for (guint i = 0; i < list->len; i++)
    {
      CrmServerChannel *channel = list->pdata[i];

      g_print ("%s\t%s\t%s\t%s\n", channel->kind, channel->url,
               channel->from != NULL ? channel->from : "-",
               channel->secret != NULL ? _("secret set") : _("no secret"));
    }
  return 0;
}

int
crm_server_cmd_channel_remove (const char  *data_dir,
                               int          argc,
                               char       **argv)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(GOptionContext) context = crm_server_command_context (
    "ACCOUNT email|sms|telegram",
    _("Remove a channel of an account with its password or token: its messages wait on "
      "the server until the channel is set again."), entries);
  g_autoptr(CrmServerChannels) channels = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account_id = NULL;
  gboolean removed = FALSE;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return crm_server_command_usage ("%s", error->message);
  if (argc != 3)
    return crm_server_command_usage (_("channel remove takes an ACCOUNT and a channel: email, sms or telegram"));
  if ((channels = open_channels (data_dir, &account_id, argv[1], &error)) == NULL ||
      !crm_server_channels_remove (channels, account_id, argv[2], &removed, &error))
    return crm_server_command_fail (error);
  if (!removed)
    {
      g_printerr (_("voronka-server: account «%s» has no %s channel; “voronka-server channel "
                    "list %s” shows its channels\n"), argv[1], argv[2], argv[1]);
      return 1;
    }
  crm_server_audit ("channel.remove", argv[1], NULL, argv[2]);
  g_print (_("Removed the %s channel of account «%s»; its messages wait until it is set "
             "again\n"), argv[2], argv[1]);
  return 0;
}
