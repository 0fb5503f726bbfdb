/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-pg.c — CrmServerStorage on PostgreSQL (see crm-server-pg.h).
 *
 * The database is the source of truth: accounts, users, sessions, devices, and each
 * account's log — every op the server accepted or wrote, with its server sequence, the
 * base its author had seen and, for a corrective op, the op it refused (crm-ledger.h
 * "The log"). Each process keeps its own SQLite replica of an account as a cache of that
 * log (the core code the embedded backend runs): before it answers, it imports the entries
 * past its cache's head. A write (a push, timer rules, an admin command) runs in one
 * PostgreSQL transaction holding the account's advisory lock: the cache is caught up under
 * the lock, the write is checked and merged there exactly as on the embedded backend, and
 * what it added goes into the log, with the account's head and last deal number moved in
 * the same transaction (so sequence numbers stay gapless and deal numbers unique across
 * processes). Should that transaction fail, the cache is thrown away and made again from
 * the log. Timer rules run in one process at a time (a session advisory lock). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "crm-server-pg.h"
#include "crm-server-backend.h"
#include "crm-server-push.h"
#include "crm-server-log.h"
#include "crm-server-snapshot.h"
#include "crm-attachment.h"
#include "crm-ledger.h"
#include "crm-rules.h"
#include "crm-stamp.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-user.h"
#include "crm-uuid.h"

/* pg_try_advisory_lock's key of the process that runs the timer rules: "VORONKA1" */
#define TICK_LOCK_KEY "6147765439117099313"

/* The account metadata every cache of it starts with. */
static const char *const account_meta_keys[] = {
  "server.account", "server.epoch", "server.epochs", "template", "currency", NULL
};

struct _CrmServerPg
{
  CrmServerBackend parent_instance;

  char       *data_dir;
  char       *cache_dir;   /* DIR/pg-cache/PID: this process's replicas */
  char       *url;
  PGconn     *conn;
  GHashTable *caches;      /* account id → CrmStore* */
  gboolean    ticker;      /* holds the timer rules' lock */
  GBytes     *new_key;     /* the stamp key of the account being made */

  /* crm_server_pg_listen(): the other processes' writes, as NOTIFY voronka_changes */
  PGconn     *listen_conn;
  guint       listen_source;
  guint       relisten_source;
  GCallback   changed;
  gpointer    changed_data;
  /* crm_server_pg_listen_live(): live events for sockets of other processes */
  CrmServerPgLive live;
  gpointer        live_data;
};

G_DEFINE_FINAL_TYPE (CrmServerPg, crm_server_pg, CRM_TYPE_SERVER_BACKEND)

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
crm_server_pg_finalize (GObject *object)
{
  CrmServerPg *self = CRM_SERVER_PG (object);

  g_clear_handle_id (&self->listen_source, g_source_remove);
  g_clear_handle_id (&self->relisten_source, g_source_remove);
  if (self->listen_conn != NULL)
    PQfinish (self->listen_conn);
  g_clear_pointer (&self->caches, g_hash_table_unref);
  if (self->conn != NULL)
    PQfinish (self->conn);
  if (self->cache_dir != NULL)
    remove_tree (self->cache_dir);
  g_free (self->cache_dir);
  g_free (self->data_dir);
  g_free (self->url);
  g_clear_pointer (&self->new_key, g_bytes_unref);
  G_OBJECT_CLASS (crm_server_pg_parent_class)->finalize (object);
}

static void
crm_server_pg_init (CrmServerPg *self)
{
  self->caches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* --- the database ------------------------------------------------------------------------ */

static gboolean
pg_failed (const char  *message,
           GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (message != NULL ? message : ""));

  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("The PostgreSQL database failed: %s"), text);
  return FALSE;
}

/* Every session of this process: warnings only, and a commit acknowledged only once it
 * is in PostgreSQL's log — an acknowledged push must survive PostgreSQL crashing right
 * after (a database whose default is synchronous_commit = off would lose it, and the
 * laptop would have been told it was kept). */
static void
set_up_session (CrmServerPg *self)
{
  PQclear (PQexec (self->conn, "SET client_min_messages = warning;"
                               " SET synchronous_commit = on"));
}

/* A new connection in place of a lost one; FALSE if PostgreSQL is still away. */
static gboolean
reconnect (CrmServerPg *self)
{
  PQreset (self->conn);
  /* an advisory lock (the timer rules' ticker) went with the old session */
  self->ticker = FALSE;
  if (PQstatus (self->conn) != CONNECTION_OK)
    return FALSE;
  set_up_session (self);
  return TRUE;
}

/* A connection lost (PostgreSQL restarted) is made again before the next statement. */
static gboolean
ensure_connected (CrmServerPg  *self,
                  GError      **error)
{
  if (PQstatus (self->conn) == CONNECTION_OK || reconnect (self))
    return TRUE;
  return pg_failed (PQerrorMessage (self->conn), error);
}

/* Whether @result failed because the connection is gone (PostgreSQL restarted or
 * crashed since the last statement). libpq does not always say so in PQstatus(): after
 * a backend ended by an immediate shutdown, the next statement fails with "server closed
 * the connection unexpectedly" while the status still reads CONNECTION_OK; such errors
 * come from libpq itself, without an SQLSTATE, or as class 08 (connection exception) or
 * 57P01–57P03 (the server shutting down or starting). */
static gboolean
connection_lost (CrmServerPg    *self,
                 const PGresult *result)
{
  const char *state = result != NULL ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;

  return PQstatus (self->conn) == CONNECTION_BAD || state == NULL ||
         g_str_has_prefix (state, "08") || g_str_equal (state, "57P01") ||
         g_str_equal (state, "57P02") || g_str_equal (state, "57P03");
}

/* Runs @sql with @n text parameters (NULL: SQL NULL). Returns the result, or NULL with
 * @error; @out_state (may be NULL) gets the SQLSTATE of a failure. */
static PGresult *
pg_run (CrmServerPg        *self,
        const char         *sql,
        int                 n,
        const char *const  *values,
        char              **out_state,
        GError            **error)
{
  PGresult *result = NULL;
  ExecStatusType status;

  if (!ensure_connected (self, error))
    return NULL;
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      gboolean idle = PQtransactionStatus (self->conn) == PQTRANS_IDLE;

      PQclear (result);
      /* without parameters: several statements may go at once (the schema's steps) */
      result = n == 0 ? PQexec (self->conn, sql)
                      : PQexecParams (self->conn, sql, n, NULL, values, NULL, NULL, 0);
      status = PQresultStatus (result);
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return result;
      /* PostgreSQL restarted since the last statement: outside a transaction, the
       * statement is run again on a new connection (inside one, the caller fails) */
      if (!idle || attempt > 0 || !connection_lost (self, result))
        break;
      if (!reconnect (self))
        break;
    }
  if (out_state != NULL)
    *out_state = g_strdup (PQresultErrorField (result, PG_DIAG_SQLSTATE));
  pg_failed (result != NULL ? PQresultErrorMessage (result) : PQerrorMessage (self->conn), error);
  PQclear (result);
  return NULL;
}

/* pg_run() with the NULL-terminated list of parameters that follows @sql (only for
 * parameters that are never NULL). */
static PGresult *
pg_query (CrmServerPg  *self,
          GError      **error,
          const char   *sql,
          ...)
{
  const char *values[16];
  const char *value;
  va_list args;
  int n = 0;

  va_start (args, sql);
  while ((value = va_arg (args, const char *)) != NULL && n < (int) G_N_ELEMENTS (values))
    values[n++] = value;
  va_end (args);
  return pg_run (self, sql, n, values, NULL, error);
}

static gboolean
pg_do (CrmServerPg  *self,
       const char   *sql,
       GError      **error)
{
  PGresult *result = pg_run (self, sql, 0, NULL, NULL, error);

  PQclear (result);
  return result != NULL;
}

static void
pg_rollback (CrmServerPg *self)
{
  PGresult *result;

  if (PQtransactionStatus (self->conn) == PQTRANS_IDLE)
    return;
  result = PQexec (self->conn, "ROLLBACK");
  /* the connection lost mid-transaction (PostgreSQL restarted): the next statement starts
   * on a new one rather than on one stuck in a transaction that is gone */
  if (PQresultStatus (result) != PGRES_COMMAND_OK && connection_lost (self, result))
    reconnect (self);
  PQclear (result);
}

char *
crm_server_pg_dup_value (PGresult *result,
                         int       row,
                         int       column)
{
  return PQgetisnull (result, row, column) ? NULL : g_strdup (PQgetvalue (result, row, column));
}

static const char *
get_value (PGresult *result,
           int       row,
           int       column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

gint64
crm_server_pg_get_int (PGresult *result,
                       int       row,
                       int       column)
{
  return PQgetisnull (result, row, column) ? 0
         : g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static char *
now_text (void)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, crm_time_now_ms ());
}

/* The schema: numbered steps, run under an advisory lock by whichever process comes
 * first; a database of a newer voronka-server is refused. */
static const char *const migrations[] = {
  "CREATE TABLE account (id text PRIMARY KEY, name text NOT NULL UNIQUE,"
  " device text NOT NULL, stamp_key bytea NOT NULL, meta text NOT NULL,"
  " head bigint NOT NULL DEFAULT 0, deal_number bigint NOT NULL DEFAULT 0,"
  " created_at bigint NOT NULL);"
  "CREATE TABLE account_user (id text PRIMARY KEY, account text NOT NULL REFERENCES account,"
  " name text NOT NULL, role text NOT NULL, crm_user text NOT NULL, password_hash text NOT NULL,"
  " created_at bigint NOT NULL, disabled_at bigint, removed_at bigint, UNIQUE (account, name));"
  "CREATE INDEX account_user_by_name ON account_user (name);"
  "CREATE TABLE session (token_hash text PRIMARY KEY, user_id text NOT NULL"
  " REFERENCES account_user, device text, device_name text, created_at bigint NOT NULL,"
  " expires_at bigint NOT NULL, revoked_at bigint);"
  "CREATE INDEX session_by_user ON session (user_id);"
  "CREATE TABLE device (account text NOT NULL, id text NOT NULL, user_id text, name text,"
  " first_seen bigint, last_seen bigint, PRIMARY KEY (account, id));"
  "CREATE TABLE op_log (account text NOT NULL REFERENCES account, seq bigint NOT NULL,"
  " op_id text NOT NULL, hlc bigint NOT NULL, device text NOT NULL, entity text NOT NULL,"
  " entity_id text NOT NULL, fields text NOT NULL, cause text, rule text, actor text,"
  " base bigint, stamp text, refused_op text, refused_code text, refused_message text,"
  " refused_device text, refused_at bigint, PRIMARY KEY (account, seq),"
  " UNIQUE (account, op_id));",
  /* 2: the accounts' channels and their messages' delivery records (crm-server-channels.c);
   * claimed_by: the backend pid of the process sending it (a SENDING record whose process
   * is gone is taken over) */
  "CREATE TABLE channel (account text NOT NULL REFERENCES account, kind text NOT NULL,"
  " url text NOT NULL, sender text, \"user\" text, secret text, updated_at bigint NOT NULL,"
  " ca_file text, PRIMARY KEY (account, kind));"
  "CREATE TABLE delivery (account text NOT NULL REFERENCES account, message text NOT NULL,"
  " state integer NOT NULL, attempts integer NOT NULL DEFAULT 0, next_at bigint,"
  " reason text, updated_at bigint NOT NULL, claimed_by integer,"
  " PRIMARY KEY (account, message));"
  "CREATE INDEX delivery_due ON delivery (state, next_at) WHERE state IN (1, 2);",
  /* 3: open tracking's tokens (crm-server-tracking.c) */
  "CREATE TABLE tracking (token text PRIMARY KEY, account text NOT NULL REFERENCES account,"
  " message text NOT NULL, created_at bigint NOT NULL, opened_at bigint,"
  " unsubscribed_at bigint, UNIQUE (account, message));",
  /* 4: telephony (crm-server-telephony.c) and mailboxes (crm-server-mailboxes.c) as in
   * server.db; a delivery's claim: the token of the one send that holds it and the time
   * until which nobody takes it over (crm_server_delivery_claim()) */
  "CREATE TABLE telephony (account text PRIMARY KEY REFERENCES account, token text NOT NULL,"
  " token_hash text NOT NULL UNIQUE, settings text NOT NULL DEFAULT '{}',"
  " created_at bigint NOT NULL);"
  "CREATE TABLE mailbox (id text PRIMARY KEY, account text NOT NULL REFERENCES account,"
  " url text NOT NULL, username text NOT NULL, password text NOT NULL, ca_file text,"
  " pipeline text NOT NULL, stage text NOT NULL, responsible text,"
  " new_only integer NOT NULL DEFAULT 0, uidvalidity bigint NOT NULL DEFAULT 0,"
  " last_uid bigint NOT NULL DEFAULT 0, taken bigint NOT NULL DEFAULT 0,"
  " skipped bigint NOT NULL DEFAULT 0, last_check_at bigint, last_error text,"
  " last_error_at bigint, busy_until bigint NOT NULL DEFAULT 0,"
  " busy_pid bigint NOT NULL DEFAULT 0, created_at bigint NOT NULL,"
  " UNIQUE (account, url, username));"
  "CREATE TABLE mailbox_blocked (account text NOT NULL REFERENCES account, email text NOT NULL,"
  " deal text, number bigint, blocked_at bigint NOT NULL, PRIMARY KEY (account, email));"
  "ALTER TABLE delivery ADD COLUMN claim text, ADD COLUMN lease_until bigint;",
  /* 5: one-time invitations (`user invite`), as in server.db: only the code's SHA-256 */
  "CREATE TABLE invite (code_hash text PRIMARY KEY, account text NOT NULL REFERENCES account,"
  " name text NOT NULL, role text NOT NULL, created_at bigint NOT NULL,"
  " expires_at bigint NOT NULL, used_at bigint);",
  /* 6: who made an invitation (a user's name; NULL: the server's command line) */
  "ALTER TABLE invite ADD COLUMN invited_by text;",
};

static gboolean
migrate (CrmServerPg  *self,
         GError      **error)
{
  PGresult *result;
  gint version;

  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  if (!pg_do (self, "SELECT pg_advisory_xact_lock (6147765439117099312)", error) ||
      !pg_do (self, "CREATE TABLE IF NOT EXISTS voronka_schema (version integer NOT NULL)",
              error) ||
      (result = pg_query (self, error, "SELECT max (version) FROM voronka_schema", NULL)) == NULL)
    goto fail;
  version = (gint) crm_server_pg_get_int (result, 0, 0);
  PQclear (result);
  if (version > (gint) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SCHEMA_TOO_NEW,
                   _("This data was written by a newer voronka-server (schema %d); install that "
                     "version or restore a backup"), version);
      goto fail;
    }
  for (; version < (gint) G_N_ELEMENTS (migrations); version++)
    {
      g_autofree char *step = g_strdup_printf ("%d", version + 1);

      if (!pg_do (self, migrations[version], error) ||
          (result = pg_query (self, error, "INSERT INTO voronka_schema (version) VALUES ($1)",
                              step, NULL)) == NULL)
        goto fail;
      PQclear (result);
    }
  return pg_do (self, "COMMIT", error);

fail:
  pg_rollback (self);
  return FALSE;
}

/* Caches left by processes that are gone. */
static void
remove_stale_caches (const char *parent)
{
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      gint64 pid = g_ascii_strtoll (name, NULL, 10);

      if (pid > 0 && kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
        {
          g_autofree char *path = g_build_filename (parent, name, NULL);

          remove_tree (path);
        }
    }
}

CrmServerStorage *
crm_server_pg_new (const char  *data_dir,
                   const char  *url,
                   GError     **error)
{
  g_autoptr(CrmServerPg) self = g_object_new (CRM_TYPE_SERVER_PG, NULL);
  g_autofree char *parent = g_build_filename (data_dir, "pg-cache", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree char *cache_dir = g_build_filename (parent, pid, NULL);

  self->data_dir = g_strdup (data_dir);
  crm_server_backend_set_data_dir (CRM_SERVER_BACKEND (self), data_dir);
  self->url = g_strdup (url);
  self->conn = PQconnectdb (url);
  if (PQstatus (self->conn) != CONNECTION_OK)
    {
      g_autofree char *why = g_strstrip (g_strdup (PQerrorMessage (self->conn)));

      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("Could not connect to the PostgreSQL database of --database: %s; check "
                     "the URL and that PostgreSQL runs"), why);
      return NULL;
    }
  set_up_session (self);
  if (!migrate (self, error))
    return NULL;
  remove_stale_caches (parent);
  remove_tree (cache_dir);
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the data folder %s: %s"), cache_dir, g_strerror (saved));
      return NULL;
    }
  self->cache_dir = g_steal_pointer (&cache_dir);
  return CRM_SERVER_STORAGE (g_steal_pointer (&self));
}

/* --- the caches: each account's replica, caught up from the log -------------------------- */

static char *
cache_path (CrmServerPg *self,
            const char  *account_id)
{
  g_autofree char *name = g_strconcat (account_id, ".db", NULL);

  return g_build_filename (self->cache_dir, name, NULL);
}

static void
drop_cache (CrmServerPg *self,
            const char  *account_id)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *path = cache_path (self, account_id);

  g_hash_table_remove (self->caches, account_id);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static gboolean
set_metas (CrmStore    *store,
           const char  *json,
           GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                       ? json_node_get_object (node) : NULL;

  for (guint i = 0; object != NULL && account_meta_keys[i] != NULL; i++)
    {
      const char *value = json_object_get_string_member_with_default (object,
                                                                      account_meta_keys[i], NULL);

      if (value != NULL && !crm_store_set_meta (store, account_meta_keys[i], value, error))
        return FALSE;
    }
  return TRUE;
}

static char *
dup_metas (CrmStore *store)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; account_meta_keys[i] != NULL; i++)
    {
      g_autofree char *value = crm_store_dup_meta (store, account_meta_keys[i]);

      if (value != NULL)
        json_object_set_string_member (object, account_meta_keys[i], value);
    }
  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* A new, empty replica that writes as the account's server device. */
static CrmStore *
make_cache (CrmServerPg  *self,
            const char   *account_id,
            const char   *device,
            GBytes       *key,
            const char   *metas,
            GError      **error)
{
  g_autofree char *path = cache_path (self, account_id);
  g_autoptr(CrmStore) store = NULL;

  drop_cache (self, account_id);
  store = crm_store_create (path, error);
  if (store == NULL)
    return NULL;
  if (device != NULL)
    {
      if (!crm_store_set_meta (store, "device_id", device, error))
        return NULL;
      g_clear_object (&store);
      if ((store = crm_store_open (path, error)) == NULL)
        return NULL;
    }
  if ((metas != NULL && !set_metas (store, metas, error)) ||
      !crm_store_enable_stamps (store, key, error))
    return NULL;
  g_hash_table_insert (self->caches, g_strdup (account_id), g_object_ref (store));
  return store;
}

static char *pg_files_folder (CrmServerBackend  *backend,
                              const char        *account_id,
                              GError           **error);

static CrmStore *
open_cache (CrmServerPg  *self,
            const char   *account_id,
            GError      **error)
{
  CrmStore *store = g_hash_table_lookup (self->caches, account_id);
  PGresult *result;
  g_autoptr(GBytes) key = NULL;
  unsigned char *raw;
  size_t length = 0;

  if (store != NULL)
    return store;
  result = pg_query (self, error, "SELECT device, stamp_key, meta FROM account WHERE id = $1",
                     account_id, NULL);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      PQclear (result);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("The account %s is not in the PostgreSQL database"), account_id);
      return NULL;
    }
  raw = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, 0, 1), &length);
  key = g_bytes_new (raw, length);
  PQfreemem (raw);
  store = make_cache (self, account_id, PQgetvalue (result, 0, 0), key,
                      PQgetvalue (result, 0, 2), error);
  PQclear (result);
  if (store != NULL)
    {
      /* files core stores beside the cache (a mailbox's attachments) go where every
       * process keeps the account's files: "<cache>.files" is DIR/files/ACCOUNT */
      g_autofree char *path = cache_path (self, account_id);
      g_autofree char *link = g_strconcat (path, ".files", NULL);
      g_autofree char *folder = pg_files_folder (CRM_SERVER_BACKEND (self), account_id, NULL);

      if (folder != NULL && !g_file_test (link, G_FILE_TEST_EXISTS) &&
          symlink (folder, link) != 0)
        g_warning ("Account %s: could not link %s to %s: %s", account_id, link, folder,
                   g_strerror (errno));
    }
  return store;
}

#define LOG_COLUMNS "seq, op_id, hlc, device, entity, entity_id, fields, cause, rule, actor," \
                    " base, stamp, refused_op, refused_code, refused_message, refused_device," \
                    " refused_at"
#define CATCH_UP_PAGE "2000"

/* Imports the log's entries past the cache's head. FALSE with a CRM_STORE_ERROR: the
 * cache does not fit the log (drop it). */
static gboolean
import_log (CrmServerPg  *self,
            const char   *account_id,
            CrmStore     *store,
            GError      **error)
{
  for (;;)
    {
      g_autofree char *head = g_strdup_printf ("%" G_GINT64_FORMAT, crm_ledger_head (store));
      g_autofree CrmLedgerEntry *entries = NULL;
      PGresult *result = pg_query (self, error,
        "SELECT " LOG_COLUMNS " FROM op_log WHERE account = $1 AND seq > $2 ORDER BY seq"
        " LIMIT " CATCH_UP_PAGE, account_id, head, NULL);
      int n;
      gboolean ok;

      if (result == NULL)
        return FALSE;
      n = PQntuples (result);
      entries = g_new0 (CrmLedgerEntry, MAX (n, 1));
      for (int i = 0; i < n; i++)
        {
          CrmLedgerEntry *entry = &entries[i];

          entry->op.seq = crm_server_pg_get_int (result, i, 0);
          entry->op.op_id = get_value (result, i, 1);
          entry->op.hlc = (guint64) crm_server_pg_get_int (result, i, 2);
          entry->op.device = get_value (result, i, 3);
          entry->op.entity = get_value (result, i, 4);
          entry->op.entity_id = get_value (result, i, 5);
          entry->op.fields = get_value (result, i, 6);
          entry->op.cause = get_value (result, i, 7);
          entry->op.rule = get_value (result, i, 8);
          entry->op.actor = get_value (result, i, 9);
          entry->op.base = PQgetisnull (result, i, 10) ? -1 : crm_server_pg_get_int (result, i, 10);
          entry->op.stamp = get_value (result, i, 11);
          entry->refused_op = get_value (result, i, 12);
          entry->refused_code = get_value (result, i, 13);
          entry->refused_message = get_value (result, i, 14);
          entry->refused_device = get_value (result, i, 15);
          entry->refused_at = crm_server_pg_get_int (result, i, 16);
        }
      ok = crm_ledger_import (store, entries, (guint) n, error);
      PQclear (result);
      if (!ok)
        return FALSE;
      if (n < atoi (CATCH_UP_PAGE))
        return TRUE;
    }
}

/* The account's replica with everything the log holds. */
static CrmStore *
get_replica (CrmServerPg  *self,
             const char   *account_id,
             GError      **error)
{
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      CrmStore *store = open_cache (self, account_id, error);

      if (store == NULL)
        return NULL;
      if (import_log (self, account_id, store, &local_error))
        return store;
      if (local_error->domain == CRM_SYNC_ERROR || attempt > 0)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      /* the cache went its own way (a write whose commit failed): made again */
      g_message ("Account %s: %s", account_id, local_error->message);
      drop_cache (self, account_id);
    }
  g_assert_not_reached ();
}

/* --- writes: one transaction under the account's lock ------------------------------------ */

#define LOG_VALUES 18       /* the account and LOG_COLUMNS */
#define LOG_ROWS_PER_INSERT 1000

typedef struct {
  CrmServerPg *self;
  const char  *account_id;
  GPtrArray   *values;     /* LOG_VALUES a row, the ones not yet inserted */
  GPtrArray   *owned;      /* the texts made for them */
  GError      *error;
} Export;

/* The rows gathered so far, in one INSERT (one round trip to PostgreSQL, not one a row). */
static void
export_flush (Export *export)
{
  g_autoptr(GString) sql = NULL;
  guint rows = export->values->len / LOG_VALUES;

  if (rows == 0 || export->error != NULL)
    return;
  sql = g_string_new ("INSERT INTO op_log (account, " LOG_COLUMNS ") VALUES ");
  for (guint r = 0; r < rows; r++)
    {
      g_string_append (sql, r > 0 ? ", (" : "(");
      for (guint c = 0; c < LOG_VALUES; c++)
        g_string_append_printf (sql, c > 0 ? ", $%u" : "$%u", r * LOG_VALUES + c + 1);
      g_string_append_c (sql, ')');
    }
  PQclear (pg_run (export->self, sql->str, (int) export->values->len,
                   (const char * const *) export->values->pdata, NULL, &export->error));
  g_ptr_array_set_size (export->values, 0);
  g_ptr_array_set_size (export->owned, 0);
}

static char *
int_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

/* A row of the log to insert: its texts copied (the ledger's are the statement's, valid
 * only while it stands on the row). */
static void
export_entry (const CrmLedgerEntry *entry,
              gpointer              data)
{
  Export *export = data;
  const CrmLedgerRow *row = &entry->op;
  char *values[] = {
    g_strdup (export->account_id), int_text (row->seq), g_strdup (row->op_id),
    int_text ((gint64) row->hlc), g_strdup (row->device), g_strdup (row->entity),
    g_strdup (row->entity_id), g_strdup (row->fields), g_strdup (row->cause),
    g_strdup (row->rule), g_strdup (row->actor), row->base >= 0 ? int_text (row->base) : NULL,
    g_strdup (row->stamp), g_strdup (entry->refused_op), g_strdup (entry->refused_code),
    g_strdup (entry->refused_message), g_strdup (entry->refused_device),
    entry->refused_op != NULL ? int_text (entry->refused_at) : NULL,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (values) == LOG_VALUES);
  for (guint i = 0; i < LOG_VALUES; i++)
    {
      g_ptr_array_add (export->values, values[i]);
      if (values[i] != NULL)
        g_ptr_array_add (export->owned, values[i]);
    }
  if (export->values->len / LOG_VALUES >= LOG_ROWS_PER_INSERT)
    export_flush (export);
}

/* What the cache holds past @old_head goes into the log, and the account's head and last
 * deal number follow, in the transaction that is open. */
static gboolean
export_log (CrmServerPg  *self,
            const char   *account_id,
            CrmStore     *store,
            gint64        old_head,
            GError      **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  Export export = { self, account_id, values, owned, NULL };
  g_autofree char *old = g_strdup_printf ("%" G_GINT64_FORMAT, old_head);
  g_autofree char *head = NULL;
  g_autofree char *number = crm_store_dup_meta (store, "server.deal_number");
  PGresult *result;
  gboolean moved;

  if (!crm_ledger_export (store, old_head, export_entry, &export, error))
    return FALSE;
  export_flush (&export);
  if (export.error != NULL)
    {
      g_propagate_error (error, export.error);
      return FALSE;
    }
  head = g_strdup_printf ("%" G_GINT64_FORMAT, crm_ledger_head (store));
  result = pg_query (self, error,
    "UPDATE account SET head = $3, deal_number = greatest (deal_number, $4) WHERE id = $1"
    " AND head = $2", account_id, old, head, number != NULL ? number : "0", NULL);
  if (result == NULL)
    return FALSE;
  moved = g_str_equal (PQcmdTuples (result), "1");
  PQclear (result);
  if (!moved)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("The account's log moved on while this process wrote to it; try again"));
      return FALSE;
    }
  /* the other processes hear of it when the transaction commits */
  result = pg_query (self, error, "SELECT pg_notify ('voronka_changes', $1)", account_id, NULL);
  PQclear (result);
  return result != NULL;
}

/* Runs @func on the caught-up replica of @account_id in one transaction holding the
 * account's lock; what it wrote goes into the log in that transaction (what it wrote
 * before failing too, so the log and the cache stay one). */
static gboolean
write_account (CrmServerPg         *self,
               const char          *account_id,
               CrmServerWriteFunc   func,
               gpointer             data,
               GError             **error)
{
  g_autoptr(GError) func_error = NULL;
  CrmStore *store;
  PGresult *result;
  gint64 old_head;
  gboolean ok;

  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  result = pg_query (self, error, "SELECT pg_advisory_xact_lock (hashtextextended ($1, 7))",
                     account_id, NULL);
  if (result == NULL)
    goto fail;
  PQclear (result);
  if ((store = get_replica (self, account_id, error)) == NULL)
    goto fail;
  g_object_ref (store);
  old_head = crm_ledger_head (store);
  ok = func (CRM_SERVER_BACKEND (self), store, data, &func_error);
  if (crm_ledger_head (store) != old_head &&
      !export_log (self, account_id, store, old_head, error))
    {
      g_object_unref (store);
      drop_cache (self, account_id);
      goto fail;
    }
  g_object_unref (store);
  if (!pg_do (self, "COMMIT", error))
    {
      drop_cache (self, account_id);
      pg_rollback (self);
      return FALSE;
    }
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&func_error));
      return FALSE;
    }
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

/* --- accounts and users ------------------------------------------------------------------ */

static char *
pg_lookup_account (CrmServerBackend  *backend,
                   const char        *name,
                   GError           **error)
{
  PGresult *result = pg_query (CRM_SERVER_PG (backend), error,
                               "SELECT id FROM account WHERE name = $1", name, NULL);
  char *id = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    id = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  if (id == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no account «%s» in the PostgreSQL database"), name);
  return id;
}

static GPtrArray *
pg_list_accounts (CrmServerBackend  *backend,
                  GError           **error)
{
  PGresult *result = pg_query (CRM_SERVER_PG (backend), error,
                               "SELECT id, name FROM account ORDER BY name", NULL);
  GPtrArray *accounts;

  if (result == NULL)
    return NULL;
  accounts = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      g_ptr_array_add (accounts, crm_server_pg_dup_value (result, i, 0));
      g_ptr_array_add (accounts, crm_server_pg_dup_value (result, i, 1));
    }
  PQclear (result);
  return accounts;
}

static gboolean
pg_insert_user (CrmServerBackend  *backend,
                const char        *account_id,
                const char        *name,
                const char        *role,
                const char        *crm_user,
                const char        *password_hash,
                GError           **error)
{
  g_autofree char *id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *now = now_text ();
  g_autofree char *state = NULL;
  const char *values[] = { id, account_id, name, role, crm_user, password_hash, now };
  PGresult *result = pg_run (CRM_SERVER_PG (backend),
    "INSERT INTO account_user (id, account, name, role, crm_user, password_hash, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)", G_N_ELEMENTS (values), values, &state, error);

  if (result == NULL && g_strcmp0 (state, "23505") == 0)
    {
      g_clear_error (error);
      crm_server_backend_user_exists (error, name);
    }
  PQclear (result);
  return result != NULL;
}

/* The account's stamp key as PostgreSQL's bytea text. */
static char *
escape_key (CrmServerPg *self,
            GBytes      *key)
{
  gsize length;
  const guint8 *raw = g_bytes_get_data (key, &length);
  size_t escaped_length;
  unsigned char *escaped = PQescapeByteaConn (self->conn, raw, length, &escaped_length);
  char *text = g_strdup ((const char *) escaped);

  PQfreemem (escaped);
  return text;
}

/* The account is made in this process's cache; insert_account puts its whole log in. */
static CrmStore *
pg_new_replica (CrmServerBackend  *backend,
                const char        *account_id,
                GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  guint8 raw[CRM_STAMP_KEY_SIZE];
  CrmStore *store;

  randombytes_buf (raw, sizeof raw);
  g_clear_pointer (&self->new_key, g_bytes_unref);
  self->new_key = g_bytes_new (raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  store = make_cache (self, account_id, NULL, self->new_key, NULL, error);
  return store != NULL ? g_object_ref (store) : NULL;
}

static void
pg_discard_replica (CrmServerBackend *backend,
                    const char       *account_id)
{
  drop_cache (CRM_SERVER_PG (backend), account_id);
}

/* The account's row (with its key, its metadata and, for an account moved here, its
 * first row's time @created_at) in the open transaction; a taken name is said so. */
static gboolean
insert_account_row (CrmServerPg  *self,
                    const char   *account_id,
                    const char   *name,
                    CrmStore     *store,
                    GBytes       *key,
                    const char   *created_at,
                    const char   *taken,
                    GError      **error)
{
  g_autofree char *epoch = NULL;
  g_autofree char *metas = NULL;
  g_autofree char *key_text = escape_key (self, key);
  g_autofree char *state = NULL;
  gint64 shared = 0;
  PGresult *result;

  /* the incarnation devices know it by goes along */
  if (!crm_ledger_epoch (store, NULL, &epoch, &shared, error))
    return FALSE;
  metas = dup_metas (store);
  {
    const char *values[] = { account_id, name, crm_store_get_device_id (store), key_text, metas,
                             created_at };

    result = pg_run (self, "INSERT INTO account (id, name, device, stamp_key, meta, created_at)"
                     " VALUES ($1, $2, $3, $4::bytea, $5, $6)", G_N_ELEMENTS (values), values,
                     &state, error);
  }
  if (result == NULL)
    {
      if (g_strcmp0 (state, "23505") == 0)
        {
          g_clear_error (error);
          g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT, taken);
        }
      return FALSE;
    }
  PQclear (result);
  return export_log (self, account_id, store, 0, error);
}

static gboolean
pg_insert_account (CrmServerBackend  *backend,
                   const char        *account_id,
                   const char        *name,
                   CrmStore          *store,
                   const char        *admin_name,
                   const char        *crm_user,
                   const char        *password_hash,
                   GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  g_autofree char *now = now_text ();
  g_autofree char *taken = g_strdup_printf (_("There is already an account «%s»"), name);

  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  if (!insert_account_row (self, account_id, name, store, self->new_key, now, taken, error) ||
      !pg_insert_user (backend, account_id, admin_name, "admin", crm_user, password_hash,
                       error) ||
      !pg_do (self, "COMMIT", error))
    {
      pg_rollback (self);
      return FALSE;
    }
  return TRUE;
}

#define USER_COLUMNS "u.id, u.account, a.name, u.name, u.role, u.crm_user, u.password_hash," \
                     " u.disabled_at, u.removed_at"

static CrmServerUser *
user_from_row (PGresult *result,
               int       row)
{
  CrmServerUser *user = g_new0 (CrmServerUser, 1);

  user->id = crm_server_pg_dup_value (result, row, 0);
  user->account_id = crm_server_pg_dup_value (result, row, 1);
  user->account_name = crm_server_pg_dup_value (result, row, 2);
  user->name = crm_server_pg_dup_value (result, row, 3);
  user->role = crm_server_pg_dup_value (result, row, 4);
  user->crm_user = crm_server_pg_dup_value (result, row, 5);
  user->password_hash = crm_server_pg_dup_value (result, row, 6);
  user->disabled = !PQgetisnull (result, row, 7);
  user->removed = !PQgetisnull (result, row, 8);
  return user;
}

static GPtrArray *
users_of (PGresult *result)
{
  GPtrArray *users;

  if (result == NULL)
    return NULL;
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_user_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (users, user_from_row (result, i));
  PQclear (result);
  return users;
}

static CrmServerUser *
pg_find_user (CrmServerBackend  *backend,
              const char        *account_id,
              const char        *name,
              GError           **error)
{
  g_autoptr(GPtrArray) users = users_of (pg_query (CRM_SERVER_PG (backend), error,
    "SELECT " USER_COLUMNS " FROM account_user u JOIN account a ON a.id = u.account"
    " WHERE u.account = $1 AND u.name = $2", account_id, name, NULL));

  return users != NULL && users->len > 0 ? g_ptr_array_steal_index (users, 0) : NULL;
}

static GPtrArray *
pg_find_users (CrmServerBackend  *backend,
               const char        *name,
               const char        *account_name,
               GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);

  /* removed users are no one's: their name may sign in nowhere and be added again */
  return users_of (account_name != NULL
    ? pg_query (self, error, "SELECT " USER_COLUMNS " FROM account_user u JOIN account a"
                " ON a.id = u.account WHERE u.name = $1 AND a.name = $2 AND u.removed_at IS NULL",
                name, account_name, NULL)
    : pg_query (self, error, "SELECT " USER_COLUMNS " FROM account_user u JOIN account a"
                " ON a.id = u.account WHERE u.name = $1 AND u.removed_at IS NULL", name, NULL));
}

/* A statement that returns no rows; -1 on an error, else the rows it changed. */
static gint
pg_change (CrmServerPg  *self,
           GError      **error,
           const char   *sql,
           ...)
{
  const char *values[8];
  const char *value;
  va_list args;
  int n = 0;
  PGresult *result;
  gint count;

  va_start (args, sql);
  while ((value = va_arg (args, const char *)) != NULL && n < (int) G_N_ELEMENTS (values))
    values[n++] = value;
  va_end (args);
  if ((result = pg_run (self, sql, n, values, NULL, error)) == NULL)
    return -1;
  count = atoi (PQcmdTuples (result));
  PQclear (result);
  return count;
}

static gboolean
pg_restore_user (CrmServerBackend  *backend,
                 const char        *user_id,
                 const char        *role,
                 const char        *crm_user,
                 const char        *password_hash,
                 GError           **error)
{
  return pg_change (CRM_SERVER_PG (backend), error,
                    "UPDATE account_user SET role = $2, crm_user = $3, password_hash = $4,"
                    " disabled_at = NULL, removed_at = NULL WHERE id = $1", user_id, role,
                    crm_user, password_hash, NULL) >= 0;
}

static gint
pg_revoke_sessions (CrmServerBackend  *backend,
                    const char        *user_id,
                    GError           **error)
{
  g_autofree char *now = now_text ();

  return pg_change (CRM_SERVER_PG (backend), error,
                    "UPDATE session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                    user_id, now, NULL);
}

static gint
pg_change_user (CrmServerBackend     *backend,
                const char           *user_id,
                CrmServerUserChange   change,
                const char           *value,
                GError              **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  static const char *const sql[] = {
    [CRM_SERVER_USER_DISABLE] = "UPDATE account_user SET disabled_at = coalesce (disabled_at,"
                                " $2::bigint) WHERE id = $1",
    [CRM_SERVER_USER_ENABLE] = "UPDATE account_user SET disabled_at = NULL WHERE id = $1",
    [CRM_SERVER_USER_PASSWORD] = "UPDATE account_user SET password_hash = $2 WHERE id = $1",
    [CRM_SERVER_USER_REMOVE] = "UPDATE account_user SET removed_at = $2 WHERE id = $1",
  };
  gint revoked = 0;

  if (!pg_do (self, "BEGIN", error))
    return -1;
  if (pg_change (self, error, sql[change], user_id, value, NULL) < 0 ||
      (change != CRM_SERVER_USER_ENABLE &&
       (revoked = pg_revoke_sessions (backend, user_id, error)) < 0) ||
      !pg_do (self, "COMMIT", error))
    {
      pg_rollback (self);
      return -1;
    }
  return revoked;
}

static JsonArray *
pg_list_users (CrmServerBackend  *backend,
               const char        *account_id,
               const char        *name,
               CrmStore          *store,
               GError           **error)
{
  g_autofree char *now = now_text ();
  g_autoptr(JsonArray) list = json_array_new ();
  const char *values[] = { account_id, now, name };
  PGresult *result = pg_run (CRM_SERVER_PG (backend),
    "SELECT u.name, u.role, u.crm_user, u.created_at, u.disabled_at, u.removed_at,"
    " (SELECT count(*) FROM session s WHERE s.user_id = u.id AND s.revoked_at IS NULL"
    "   AND s.expires_at > $2::bigint),"
    " (SELECT max (d.last_seen) FROM device d WHERE d.account = u.account AND d.user_id = u.id)"
    " FROM account_user u WHERE u.account = $1 AND ($3::text IS NULL OR u.name = $3)"
    " ORDER BY u.name COLLATE \"C\"", G_N_ELEMENTS (values), values, NULL, error);

  if (result == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      JsonObject *user = crm_server_replica_user_row (store, get_value (result, i, 0),
        get_value (result, i, 1), get_value (result, i, 2),
        crm_server_pg_get_int (result, i, 3), !PQgetisnull (result, i, 4),
        !PQgetisnull (result, i, 5), crm_server_pg_get_int (result, i, 6),
        crm_server_pg_get_int (result, i, 7));

      json_array_add_object_element (list, user);
    }
  PQclear (result);
  return g_steal_pointer (&list);
}

/* --- sessions and devices ---------------------------------------------------------------- */

static char *
pg_device_owner (CrmServerBackend  *backend,
                 const char        *account_id,
                 const char        *device,
                 GError           **error)
{
  PGresult *result = pg_query (CRM_SERVER_PG (backend), error,
    "SELECT user_id FROM device WHERE account = $1 AND id = $2", account_id, device, NULL);
  char *owner = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    owner = crm_server_pg_dup_value (result, 0, 0);
  PQclear (result);
  return owner;
}

static gboolean
pg_claim_device (CrmServerBackend  *backend,
                 const char        *account_id,
                 const char        *device,
                 const char        *user_id,
                 GError           **error)
{
  g_autofree char *now = now_text ();

  return pg_change (CRM_SERVER_PG (backend), error,
                    "INSERT INTO device (account, id, user_id, name, first_seen, last_seen)"
                    " VALUES ($1, $2, $3, '', $4, $4) ON CONFLICT DO NOTHING",
                    account_id, device, user_id, now, NULL) >= 0;
}

static gboolean
pg_insert_session (CrmServerBackend    *backend,
                   const CrmServerUser *user,
                   const char          *token_hash,
                   const char          *device,
                   const char          *device_name,
                   gint64               expires,
                   GError             **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  g_autofree char *now = now_text ();
  g_autofree char *expires_text = g_strdup_printf ("%" G_GINT64_FORMAT, expires);

  if (pg_change (self, error,
                 "INSERT INTO session (token_hash, user_id, created_at, expires_at, device,"
                 " device_name) VALUES ($1, $2, $3, $4, $5, $6)", token_hash, user->id, now,
                 expires_text, device ? device : "", device_name ? device_name : "", NULL) < 0)
    return FALSE;
  if (device == NULL)
    return TRUE;
  return pg_change (self, error,
                    "INSERT INTO device (account, id, user_id, name, first_seen, last_seen)"
                    " VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (account, id) DO UPDATE SET"
                    " name = excluded.name, last_seen = excluded.last_seen"
                    " WHERE device.user_id = excluded.user_id",
                    user->account_id, device, user->id, device_name ? device_name : "", now,
                    NULL) >= 0;
}

static CrmServerUser *
pg_session_user (CrmServerBackend  *backend,
                 const char        *token_hash,
                 gint64             now,
                 gboolean          *out_valid,
                 GError           **error)
{
  g_autofree char *now_string = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  PGresult *result = pg_query (CRM_SERVER_PG (backend), error,
    "SELECT " USER_COLUMNS ", s.revoked_at IS NULL AND s.expires_at > $2"
    " FROM session s JOIN account_user u ON u.id = s.user_id JOIN account a ON a.id = u.account"
    " WHERE s.token_hash = $1", token_hash, now_string, NULL);
  CrmServerUser *user = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    {
      user = user_from_row (result, 0);
      *out_valid = g_str_equal (PQgetvalue (result, 0, 9), "t");
    }
  PQclear (result);
  return user;
}

static gboolean
pg_revoke_session (CrmServerBackend  *backend,
                   const char        *token_hash,
                   GError           **error)
{
  g_autofree char *now = now_text ();

  return pg_change (CRM_SERVER_PG (backend), error,
                    "UPDATE session SET revoked_at = $2 WHERE token_hash = $1"
                    " AND revoked_at IS NULL", token_hash, now, NULL) >= 0;
}

/* --- invitations ------------------------------------------------------------------------- */

static gboolean
pg_insert_invite (CrmServerBackend  *backend,
                  const char        *account_id,
                  const char        *code_hash,
                  const char        *name,
                  const char        *role,
                  gint64             expires_at,
                  const char        *invited_by,
                  GError           **error)
{
  g_autofree char *now = now_text ();
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, expires_at);

  return pg_change (CRM_SERVER_PG (backend), error,
                    "INSERT INTO invite (code_hash, account, name, role, created_at, expires_at,"
                    " invited_by) VALUES ($1, $2, $3, $4, $5, $6, nullif ($7, ''))", code_hash,
                    account_id, name, role, now, expires, invited_by, NULL) >= 0;
}

static CrmServerInvite *
pg_find_invite (CrmServerBackend  *backend,
                const char        *code_hash,
                GError           **error)
{
  PGresult *result = pg_query (CRM_SERVER_PG (backend), error,
    "SELECT i.account, a.name, i.name, i.role, i.created_at, i.expires_at,"
    " coalesce (i.used_at, 0) FROM invite i JOIN account a ON a.id = i.account"
    " WHERE i.code_hash = $1", code_hash, NULL);
  CrmServerInvite *invite = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    {
      invite = g_new0 (CrmServerInvite, 1);
      invite->account_id = crm_server_pg_dup_value (result, 0, 0);
      invite->account_name = crm_server_pg_dup_value (result, 0, 1);
      invite->name = crm_server_pg_dup_value (result, 0, 2);
      invite->role = crm_server_pg_dup_value (result, 0, 3);
      invite->created_at = crm_server_pg_get_int (result, 0, 4);
      invite->expires_at = crm_server_pg_get_int (result, 0, 5);
      invite->used_at = crm_server_pg_get_int (result, 0, 6);
    }
  PQclear (result);
  return invite;
}

static gint
pg_use_invite (CrmServerBackend  *backend,
               const char        *code_hash,
               gint64             now,
               GError           **error)
{
  g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, now);

  return pg_change (CRM_SERVER_PG (backend), error,
                    "UPDATE invite SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
                    code_hash, when, NULL);
}

/* --- the replicas ------------------------------------------------------------------------ */

static CrmStore *
pg_get_replica (CrmServerBackend  *backend,
                const char        *account_id,
                GError           **error)
{
  return get_replica (CRM_SERVER_PG (backend), account_id, error);
}

static gboolean
pg_write_replica (CrmServerBackend   *backend,
                  const char         *account_id,
                  CrmServerWriteFunc  func,
                  gpointer            data,
                  GError            **error)
{
  return write_account (CRM_SERVER_PG (backend), account_id, func, data, error);
}

static char *
pg_replica_file (CrmServerBackend *backend,
                 const char       *account_id)
{
  return cache_path (CRM_SERVER_PG (backend), account_id);
}

/* Snapshots are made in this process, of its cache. */
static char *
pg_snapshot_folder (CrmServerBackend *backend)
{
  return g_build_filename (CRM_SERVER_PG (backend)->cache_dir, "snapshots", NULL);
}

/* The account's files are shared by the processes of a data folder: DIR/files/ACCOUNT. */
static char *
pg_files_folder (CrmServerBackend  *backend,
                 const char        *account_id,
                 GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  char *folder = g_build_filename (self->data_dir, "files", account_id, NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      crm_server_backend_folder_failed (error, folder, errno);
      g_free (folder);
      return NULL;
    }
  return folder;
}

/* Timer rules run in the one process that holds the timers' lock (it keeps it while
 * it lives; another takes it over when it is gone). */
static gboolean
pg_take_timers (CrmServerBackend  *backend,
                gboolean          *out_mine,
                GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (backend);
  PGresult *result;

  if (!ensure_connected (self, error))
    return FALSE;
  if (!self->ticker)
    {
      result = pg_query (self, error, "SELECT pg_try_advisory_lock (" TICK_LOCK_KEY ")", NULL);
      if (result == NULL)
        return FALSE;
      self->ticker = g_str_equal (PQgetvalue (result, 0, 0), "t");
      PQclear (result);
      if (self->ticker)
        crm_server_log (G_LOG_LEVEL_MESSAGE, "ticker",
                        "this process runs the timer rules now (it holds their lock in "
                        "PostgreSQL)", NULL);
    }
  *out_mine = self->ticker;
  return TRUE;
}

/* The database takes writes: not a standby in recovery. */
static void
pg_check_storage (CrmServerBackend *backend,
                  GPtrArray        *problems)
{
  g_autoptr(GError) error = NULL;
  PGresult *result = pg_query (CRM_SERVER_PG (backend), &error, "SELECT pg_is_in_recovery ()",
                               NULL);

  if (result == NULL)
    g_ptr_array_add (problems, g_strdup (error->message));
  else if (g_str_equal (PQgetvalue (result, 0, 0), "t"))
    g_ptr_array_add (problems, g_strdup (_("the PostgreSQL database is a standby in recovery "
                                           "and takes no writes; point --database at the "
                                           "primary")));
  PQclear (result);
}

static void
crm_server_pg_class_init (CrmServerPgClass *klass)
{
  CrmServerBackendClass *backend_class = CRM_SERVER_BACKEND_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = crm_server_pg_finalize;
  backend_class->lookup_account = pg_lookup_account;
  backend_class->list_accounts = pg_list_accounts;
  backend_class->new_replica = pg_new_replica;
  backend_class->insert_account = pg_insert_account;
  backend_class->discard_replica = pg_discard_replica;
  backend_class->get_replica = pg_get_replica;
  backend_class->write_replica = pg_write_replica;
  backend_class->replica_file = pg_replica_file;
  backend_class->snapshot_folder = pg_snapshot_folder;
  backend_class->files_folder = pg_files_folder;
  backend_class->find_user = pg_find_user;
  backend_class->find_users = pg_find_users;
  backend_class->insert_user = pg_insert_user;
  backend_class->restore_user = pg_restore_user;
  backend_class->change_user = pg_change_user;
  backend_class->revoke_sessions = pg_revoke_sessions;
  backend_class->list_users = pg_list_users;
  backend_class->insert_session = pg_insert_session;
  backend_class->session_user = pg_session_user;
  backend_class->revoke_session = pg_revoke_session;
  backend_class->device_owner = pg_device_owner;
  backend_class->claim_device = pg_claim_device;
  backend_class->take_timers = pg_take_timers;
  backend_class->check_storage = pg_check_storage;
  backend_class->insert_invite = pg_insert_invite;
  backend_class->find_invite = pg_find_invite;
  backend_class->use_invite = pg_use_invite;
}


/* --- an account moved from the embedded storage (voronka-server migrate) ---------------- */

/* Inserts @rows (arrays of text or null, in @sql's order), @account_id as the last
 * parameter of each. */
static gboolean
insert_rows (CrmServerPg  *self,
             const char   *sql,
             JsonArray    *rows,
             const char   *account_id,
             GError      **error)
{
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonArray *row = json_array_get_array_element (rows, i);
      guint n = json_array_get_length (row);
      g_autofree const char **values = g_new0 (const char *, n + 1);
      PGresult *result;

      for (guint j = 0; j < n; j++)
        values[j] = json_array_get_string_element (row, j);
      values[n] = account_id;
      result = pg_run (self, sql, (int) n + 1, values, NULL, error);
      if (result == NULL)
        return FALSE;
      PQclear (result);
    }
  return TRUE;
}

gboolean
crm_server_pg_import_account (CrmServerPg  *self,
                              const char   *name,
                              JsonObject   *rows,
                              CrmStore     *replica,
                              GBytes       *key,
                              GError      **error)
{
  const char *account_id = json_object_get_string_member (rows, "id");
  JsonArray *account = json_object_get_array_member (rows, "account");
  const char *created_at =
    json_array_get_string_element (json_array_get_array_element (account, 0), 0);
  g_autofree char *taken = g_strdup_printf (_("The PostgreSQL database already has an account "
                                              "«%s»; nothing was moved"), name);
  g_autofree char *expected = NULL;
  g_autofree char *copied = NULL;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_SERVER_PG (self), FALSE);

  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  if (!insert_account_row (self, account_id, name, replica, key, created_at, taken, error) ||
      !insert_rows (self, "INSERT INTO account_user (id, name, role, crm_user, password_hash,"
                    " created_at, disabled_at, removed_at, account) VALUES ($1, $2, $3, $4, $5,"
                    " $6, $7, $8, $9)", json_object_get_array_member (rows, "users"), account_id,
                    error) ||
      !insert_rows (self, "INSERT INTO session (token_hash, user_id, device, device_name,"
                    " created_at, expires_at, revoked_at) SELECT $1, $2, $3, $4, $5::bigint,"
                    " $6::bigint, $7::bigint WHERE $8::text IS NOT NULL",
                    json_object_get_array_member (rows, "sessions"), account_id, error) ||
      !insert_rows (self, "INSERT INTO device (id, user_id, name, first_seen, last_seen, account)"
                    " VALUES ($1, $2, $3, $4, $5, $6)",
                    json_object_get_array_member (rows, "devices"), account_id, error) ||
      !insert_rows (self, "INSERT INTO invite (code_hash, name, role, created_at, expires_at,"
                    " used_at, invited_by, account) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    json_object_get_array_member (rows, "invites"), account_id, error) ||
      !pg_do (self, "COMMIT", error))
    goto fail;

  /* verified: a replica made from the database alone holds what the account held */
  drop_cache (self, account_id);
  if ((store = get_replica (self, account_id, error)) == NULL ||
      (expected = crm_store_dump_state (replica, error)) == NULL ||
      (copied = crm_store_dump_state (store, error)) == NULL)
    return FALSE;
  if (!g_str_equal (expected, copied) || crm_ledger_head (store) != crm_ledger_head (replica))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                   _("The account «%s» was copied to PostgreSQL, but the copy differs from it; "
                     "keep serving it from the data folder and report this"), name);
      return FALSE;
    }
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

/* --- restore (`restore --database`, crm-server-backup.c) --------------------------------- */

/* The sign-in tables kept across a restore: who may sign in is the database's business as
 * it is now, not the backup's (a session revoked since stays revoked), as with server.db. */
static const char *const sign_in_tables[] = { "account_user", "session", "device", "invite" };

gint64
crm_server_pg_other_connections (CrmServerPg  *self,
                                 GError      **error)
{
  PGresult *result = pg_query (self, error,
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'", NULL);
  gint64 count;

  if (result == NULL)
    return -1;
  count = crm_server_pg_get_int (result, 0, 0);
  PQclear (result);
  return count;
}

gboolean
crm_server_pg_keep_sign_ins (CrmServerPg  *self,
                             GError      **error)
{
  PGresult *result = pg_query (self, error,
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'voronka_restore'",
    NULL);
  gint64 kept;

  if (result == NULL)
    return FALSE;
  kept = crm_server_pg_get_int (result, 0, 0);
  PQclear (result);
  /* a restore that stopped after pg_restore left the sign-ins of before it aside: they,
   * not the backup's now in the tables, are the ones to keep */
  if (kept == G_N_ELEMENTS (sign_in_tables))
    return TRUE;
  if (!pg_do (self, "BEGIN", error) ||
      !pg_do (self, "DROP SCHEMA IF EXISTS voronka_restore CASCADE", error) ||
      !pg_do (self, "CREATE SCHEMA voronka_restore", error))
    goto fail;
  for (guint i = 0; i < G_N_ELEMENTS (sign_in_tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("CREATE TABLE voronka_restore.%s AS TABLE %s",
                                              sign_in_tables[i], sign_in_tables[i]);

      if (!pg_do (self, sql, error))
        goto fail;
    }
  if (pg_do (self, "COMMIT", error))
    return TRUE;
fail:
  pg_rollback (self);
  return FALSE;
}

gboolean
crm_server_pg_finish_restore (CrmServerPg  *self,
                              guint        *out_accounts,
                              GError      **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  PGresult *result;

  /* the sign-ins as they were before the restore, for the accounts it holds (children
   * first out, parents first in) */
  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  for (guint i = G_N_ELEMENTS (sign_in_tables); i > 0; i--)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s", sign_in_tables[i - 1]);

      if (!pg_do (self, sql, error))
        goto fail;
    }
  if (!pg_do (self, "INSERT INTO account_user SELECT * FROM voronka_restore.account_user"
                    " WHERE account IN (SELECT id FROM account)", error) ||
      !pg_do (self, "INSERT INTO session SELECT * FROM voronka_restore.session"
                    " WHERE user_id IN (SELECT id FROM account_user)", error) ||
      !pg_do (self, "INSERT INTO device SELECT * FROM voronka_restore.device"
                    " WHERE account IN (SELECT id FROM account)", error) ||
      !pg_do (self, "INSERT INTO invite SELECT * FROM voronka_restore.invite"
                    " WHERE account IN (SELECT id FROM account)", error) ||
      (result = pg_query (self, error, "SELECT id, meta, head FROM account ORDER BY name",
                          NULL)) == NULL)
    goto fail;
  /* each account a new incarnation: a laptop that synced with the lost one is told how
   * much of its history this one shares and sends the rest again — reckoned from the
   * account's meta and head alone (crm_ledger_next_epoch), no replica built */
  for (int r = 0; r < PQntuples (result); r++)
    {
      g_autofree char *account_id = crm_server_pg_dup_value (result, r, 0);
      g_autofree char *meta = crm_server_pg_dup_value (result, r, 1);
      g_autoptr(JsonNode) node = meta != NULL ? json_from_string (meta, NULL) : NULL;
      g_autofree char *epoch = NULL;
      g_autofree char *epochs = NULL;
      g_autofree char *metas = NULL;
      JsonObject *object;
      PGresult *updated;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          PQclear (result);
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                       _("The account %s has no readable settings in the database"),
                       account_id);
          goto fail;
        }
      object = json_node_get_object (node);
      crm_ledger_next_epoch (json_object_get_string_member_with_default (object,
                                                                         "server.epoch", NULL),
                             json_object_get_string_member_with_default (object,
                                                                         "server.epochs", NULL),
                             crm_server_pg_get_int (result, r, 2), &epoch, &epochs);
      json_object_set_string_member (object, "server.epoch", epoch);
      json_object_set_string_member (object, "server.epochs", epochs);
      metas = json_to_string (node, FALSE);
      drop_cache (self, account_id);
      updated = pg_query (self, error, "UPDATE account SET meta = $2 WHERE id = $1", account_id,
                          metas, NULL);
      if (updated == NULL)
        {
          PQclear (result);
          goto fail;
        }
      PQclear (updated);
      g_ptr_array_add (ids, g_steal_pointer (&account_id));
    }
  PQclear (result);
  if (!pg_do (self, "DROP SCHEMA voronka_restore CASCADE", error) ||
      !pg_do (self, "COMMIT", error))
    goto fail;
  *out_accounts = ids->len;
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

/* --- live pokes from the other processes ----------------------------------------------- */

static gboolean relisten (gpointer user_data);

static void
listen_lost (CrmServerPg *self)
{
  g_clear_handle_id (&self->listen_source, g_source_remove);
  g_clear_pointer (&self->listen_conn, PQfinish);
  if (self->relisten_source == 0)
    self->relisten_source = g_timeout_add_seconds (2, relisten, self);
}

/* A live event another process published (crm_server_pg_publish_live()): {"a": account
 * id, "u": [user ids], "t": the text for their sockets}. */
static void
relay_heard (CrmServerPg *self,
             const char  *payload)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) users = g_ptr_array_new ();
  JsonObject *event;
  JsonArray *ids;
  const char *account, *text;

  if (self->live == NULL)
    return;
  if (!json_parser_load_from_data (parser, payload, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_message ("A live event from another process is not JSON; ignored");
      return;
    }
  event = json_node_get_object (json_parser_get_root (parser));
  account = json_object_get_string_member_with_default (event, "a", NULL);
  text = json_object_get_string_member_with_default (event, "t", NULL);
  ids = json_object_has_member (event, "u") &&
        JSON_NODE_HOLDS_ARRAY (json_object_get_member (event, "u"))
        ? json_object_get_array_member (event, "u") : NULL;
  if (account == NULL || text == NULL || ids == NULL)
    {
      g_message ("A live event from another process lacks its account, users or text; ignored");
      return;
    }
  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      JsonNode *id = json_array_get_element (ids, i);

      if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING)
        g_ptr_array_add (users, (gpointer) json_node_get_string (id));
    }
  g_ptr_array_add (users, NULL);
  self->live (account, (const char * const *) users->pdata, text, self->live_data);
}

static gboolean
heard (gint          fd,
       GIOCondition  condition,
       gpointer      user_data)
{
  CrmServerPg *self = user_data;
  gboolean any = FALSE;
  PGnotify *notify;

  if (!PQconsumeInput (self->listen_conn))
    {
      g_message ("Listening to PostgreSQL: %s", PQerrorMessage (self->listen_conn));
      self->listen_source = 0;
      listen_lost (self);
      return G_SOURCE_REMOVE;
    }
  while ((notify = PQnotifies (self->listen_conn)) != NULL)
    {
      /* this process's own writes and events told their devices already */
      if (notify->be_pid == PQbackendPID (self->conn))
        ;
      else if (g_str_equal (notify->relname, "voronka_live"))
        relay_heard (self, notify->extra);
      else
        any = TRUE;
      PQfreemem (notify);
    }
  if (any && self->changed != NULL)
    ((void (*) (gpointer)) self->changed) (self->changed_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_listening (CrmServerPg *self)
{
  PGresult *result;

  self->listen_conn = PQconnectdb (self->url);
  if (PQstatus (self->listen_conn) != CONNECTION_OK)
    {
      g_message ("Listening to PostgreSQL: %s", PQerrorMessage (self->listen_conn));
      return FALSE;
    }
  result = PQexec (self->listen_conn, "LISTEN voronka_changes; LISTEN voronka_live");
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      g_message ("Listening to PostgreSQL: %s", PQresultErrorMessage (result));
      PQclear (result);
      return FALSE;
    }
  PQclear (result);
  self->listen_source = g_unix_fd_add (PQsocket (self->listen_conn), G_IO_IN, heard, self);
  return TRUE;
}

static gboolean
relisten (gpointer user_data)
{
  CrmServerPg *self = user_data;

  self->relisten_source = 0;
  if (!start_listening (self))
    listen_lost (self);
  else if (self->changed != NULL)
    /* what was written meanwhile */
    ((void (*) (gpointer)) self->changed) (self->changed_data);
  return G_SOURCE_REMOVE;
}

void
crm_server_pg_listen (CrmServerPg *self,
                      GCallback    changed,
                      gpointer     user_data)
{
  g_return_if_fail (CRM_IS_SERVER_PG (self));
  self->changed = changed;
  self->changed_data = user_data;
  if (self->listen_conn == NULL && !start_listening (self))
    listen_lost (self);
}

void
crm_server_pg_listen_live (CrmServerPg     *self,
                           CrmServerPgLive  live,
                           gpointer         user_data)
{
  g_return_if_fail (CRM_IS_SERVER_PG (self));
  self->live = live;
  self->live_data = user_data;
}

/* PostgreSQL's NOTIFY carries at most 8 000 bytes */
#define LIVE_PAYLOAD_MAX 7900

void
crm_server_pg_publish_live (const char         *account_id,
                            const char * const *user_ids,
                            const char         *text,
                            gpointer            user_data)
{
  CrmServerPg *self = CRM_SERVER_PG (user_data);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = NULL;
  PGresult *result;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "a");
  json_builder_add_string_value (builder, account_id);
  json_builder_set_member_name (builder, "u");
  json_builder_begin_array (builder);
  for (guint i = 0; user_ids[i] != NULL; i++)
    json_builder_add_string_value (builder, user_ids[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  payload = json_to_string (root, FALSE);
  if (strlen (payload) > LIVE_PAYLOAD_MAX)
    {
      g_message ("A live event of %zu bytes is too long for the other processes; only this "
                 "process's devices get it", strlen (payload));
      return;
    }
  result = pg_query (self, &error, "SELECT pg_notify ('voronka_live', $1)", payload, NULL);
  if (result == NULL)
    g_message ("Could not pass a live event to the other processes: %s", error->message);
  PQclear (result);
}

PGresult *
crm_server_pg_run (CrmServerPg        *self,
                   const char         *sql,
                   int                 n,
                   const char *const  *values,
                   GError            **error)
{
  g_return_val_if_fail (CRM_IS_SERVER_PG (self), NULL);
  return pg_run (self, sql, n, values, NULL, error);
}

gboolean
crm_server_pg_is_url (const char *database)
{
  return database != NULL && (g_str_has_prefix (database, "postgresql://") ||
                              g_str_has_prefix (database, "postgres://"));
}
