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
  GObject     parent_instance;

  char       *data_dir;
  char       *cache_dir;   /* DIR/pg-cache/PID: this process's replicas */
  char       *url;
  PGconn     *conn;
  GHashTable *caches;      /* account id → CrmStore* */
  gboolean    ticker;      /* holds the timer rules' lock */
  gint64      account_quota;  /* bytes; 0: none */

  /* crm_server_pg_listen(): the other processes' writes, as NOTIFY voronka_changes */
  PGconn     *listen_conn;
  guint       listen_source;
  guint       relisten_source;
  GCallback   changed;
  gpointer    changed_data;
};

static void storage_iface_init (CrmServerStorageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmServerPg, crm_server_pg, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_SERVER_STORAGE, storage_iface_init))

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
  G_OBJECT_CLASS (crm_server_pg_parent_class)->finalize (object);
}

static void
crm_server_pg_class_init (CrmServerPgClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_server_pg_finalize;
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

/* A connection lost (PostgreSQL restarted) is made again before the next statement. */
static gboolean
ensure_connected (CrmServerPg  *self,
                  GError      **error)
{
  if (PQstatus (self->conn) == CONNECTION_OK)
    return TRUE;
  PQreset (self->conn);
  if (PQstatus (self->conn) == CONNECTION_OK)
    {
      self->ticker = FALSE;
      return TRUE;
    }
  return pg_failed (PQerrorMessage (self->conn), error);
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
      if (!idle || PQstatus (self->conn) != CONNECTION_BAD || attempt > 0)
        break;
      PQreset (self->conn);
      self->ticker = FALSE;
      if (PQstatus (self->conn) != CONNECTION_OK)
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
  if (PQtransactionStatus (self->conn) != PQTRANS_IDLE)
    PQclear (PQexec (self->conn, "ROLLBACK"));
}

static char *
dup_value (PGresult *result,
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

static gint64
get_int (PGresult *result,
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
  version = (gint) get_int (result, 0, 0);
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
  PQclear (PQexec (self->conn, "SET client_min_messages = warning"));
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

          entry->op.seq = get_int (result, i, 0);
          entry->op.op_id = get_value (result, i, 1);
          entry->op.hlc = (guint64) get_int (result, i, 2);
          entry->op.device = get_value (result, i, 3);
          entry->op.entity = get_value (result, i, 4);
          entry->op.entity_id = get_value (result, i, 5);
          entry->op.fields = get_value (result, i, 6);
          entry->op.cause = get_value (result, i, 7);
          entry->op.rule = get_value (result, i, 8);
          entry->op.actor = get_value (result, i, 9);
          entry->op.base = PQgetisnull (result, i, 10) ? -1 : get_int (result, i, 10);
          entry->op.stamp = get_value (result, i, 11);
          entry->refused_op = get_value (result, i, 12);
          entry->refused_code = get_value (result, i, 13);
          entry->refused_message = get_value (result, i, 14);
          entry->refused_device = get_value (result, i, 15);
          entry->refused_at = get_int (result, i, 16);
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

typedef gboolean (*WriteFunc) (CrmServerPg  *self,
                               CrmStore     *store,
                               gpointer      data,
                               GError      **error);

typedef struct {
  CrmServerPg *self;
  const char  *account_id;
  GError      *error;
} Export;

static void
export_entry (const CrmLedgerEntry *entry,
              gpointer              data)
{
  Export *export = data;
  const CrmLedgerRow *row = &entry->op;
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, row->seq);
  g_autofree char *hlc = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) row->hlc);
  g_autofree char *base = row->base >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, row->base)
                                         : NULL;
  g_autofree char *refused_at = entry->refused_op != NULL
    ? g_strdup_printf ("%" G_GINT64_FORMAT, entry->refused_at) : NULL;
  const char *values[] = {
    export->account_id, seq, row->op_id, hlc, row->device, row->entity, row->entity_id,
    row->fields, row->cause, row->rule, row->actor, base, row->stamp, entry->refused_op,
    entry->refused_code, entry->refused_message, entry->refused_device, refused_at,
  };

  if (export->error != NULL)
    return;
  PQclear (pg_run (export->self,
    "INSERT INTO op_log (account, " LOG_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
    " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)", G_N_ELEMENTS (values), values, NULL,
    &export->error));
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
  Export export = { self, account_id, NULL };
  g_autofree char *old = g_strdup_printf ("%" G_GINT64_FORMAT, old_head);
  g_autofree char *head = NULL;
  g_autofree char *number = crm_store_dup_meta (store, "server.deal_number");
  PGresult *result;
  gboolean moved;

  if (!crm_ledger_export (store, old_head, export_entry, &export, error))
    return FALSE;
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
write_account (CrmServerPg  *self,
               const char   *account_id,
               WriteFunc     func,
               gpointer      data,
               GError      **error)
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
  ok = func (self, store, data, &func_error);
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
lookup_account (CrmServerPg  *self,
                const char   *name,
                GError      **error)
{
  PGresult *result = pg_query (self, error, "SELECT id FROM account WHERE name = $1", name,
                               NULL);
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

static gboolean
insert_user (CrmServerPg  *self,
             const char   *account_id,
             const char   *name,
             const char   *role,
             const char   *crm_user,
             const char   *password_hash,
             GError      **error)
{
  g_autofree char *id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *now = now_text ();
  g_autofree char *state = NULL;
  const char *values[] = { id, account_id, name, role, crm_user, password_hash, now };
  PGresult *result = pg_run (self,
    "INSERT INTO account_user (id, account, name, role, crm_user, password_hash, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)", G_N_ELEMENTS (values), values, &state, error);

  if (result == NULL && g_strcmp0 (state, "23505") == 0)
    {
      g_clear_error (error);
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("The account already has a user named «%s»"), name);
    }
  PQclear (result);
  return result != NULL;
}

static gboolean
pg_create_account (CrmServerStorage  *storage,
                   const char        *name,
                   JsonNode          *template_root,
                   const char        *admin_name,
                   const char        *password_hash,
                   GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *account_id = crm_uuid_v7_new (crm_time_now_ms ());
  g_autofree char *now = now_text ();
  g_autofree char *crm_user = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *metas = NULL;
  g_autofree char *key_text = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 raw[CRM_STAMP_KEY_SIZE];
  unsigned char *escaped;
  size_t escaped_length;
  gint64 shared = 0;
  CrmStore *store;
  PGresult *result;

  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 100)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("An account name must be 1 to 100 characters long"));
      return FALSE;
    }
  existing = lookup_account (self, name, NULL);
  if (existing != NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("There is already an account «%s»"), name);
      return FALSE;
    }

  /* the account is made in this process's cache, then its whole log goes in at once */
  randombytes_buf (raw, sizeof raw);
  key = g_bytes_new (raw, sizeof raw);
  escaped = PQescapeByteaConn (self->conn, raw, sizeof raw, &escaped_length);
  key_text = g_strdup ((const char *) escaped);
  PQfreemem (escaped);
  sodium_memzero (raw, sizeof raw);
  store = make_cache (self, account_id, NULL, key, NULL, error);
  if (store == NULL)
    return FALSE;
  if ((template_root != NULL && !crm_template_apply (store, template_root, &local_error)) ||
      (crm_user = crm_server_replica_ensure_user (store, admin_name, "admin",
                                                  &local_error)) == NULL ||
      !crm_store_set_meta (store, "server.account", name, &local_error) ||
      !crm_ledger_number_deals (store, &local_error) ||
      !crm_ledger_epoch (store, NULL, &epoch, &shared, &local_error))
    goto fail;
  metas = dup_metas (store);
  if (!pg_do (self, "BEGIN", &local_error))
    goto fail;
  {
    const char *values[] = { account_id, name, crm_store_get_device_id (store), key_text, metas,
                             now };

    result = pg_run (self, "INSERT INTO account (id, name, device, stamp_key, meta, created_at)"
                     " VALUES ($1, $2, $3, $4::bytea, $5, $6)", G_N_ELEMENTS (values), values,
                     &state, &local_error);
  }
  if (result == NULL)
    {
      if (g_strcmp0 (state, "23505") == 0)
        {
          g_clear_error (&local_error);
          g_set_error (&local_error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("There is already an account «%s»"), name);
        }
      pg_rollback (self);
      goto fail;
    }
  PQclear (result);
  if (!export_log (self, account_id, store, 0, &local_error) ||
      !insert_user (self, account_id, admin_name, "admin", crm_user, password_hash,
                    &local_error) ||
      !pg_do (self, "COMMIT", &local_error))
    {
      pg_rollback (self);
      goto fail;
    }
  return TRUE;

fail:
  drop_cache (self, account_id);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

#define USER_COLUMNS "u.id, u.account, a.name, u.name, u.role, u.crm_user, u.password_hash," \
                     " u.disabled_at, u.removed_at"

static CrmServerUser *
user_from_row (PGresult *result,
               int       row)
{
  CrmServerUser *user = g_new0 (CrmServerUser, 1);

  user->id = dup_value (result, row, 0);
  user->account_id = dup_value (result, row, 1);
  user->account_name = dup_value (result, row, 2);
  user->name = dup_value (result, row, 3);
  user->role = dup_value (result, row, 4);
  user->crm_user = dup_value (result, row, 5);
  user->password_hash = dup_value (result, row, 6);
  user->disabled = !PQgetisnull (result, row, 7);
  user->removed = !PQgetisnull (result, row, 8);
  return user;
}

/* The role the account replica gives the user now (see crm-server-sqlite.c). */
static gboolean
refresh_role (CrmServerPg    *self,
              CrmServerUser  *user,
              GError        **error)
{
  CrmStore *store = get_replica (self, user->account_id, error);
  char *role;

  if (store == NULL)
    return FALSE;
  role = crm_server_replica_user_field (store, user->crm_user, FALSE);
  if (role == NULL)
    return FALSE;
  g_free (user->role);
  user->role = role;
  return TRUE;
}

static CrmServerUser *
lookup_user (CrmServerPg  *self,
             const char   *account_id,
             const char   *account_name,
             const char   *name,
             GError      **error)
{
  PGresult *result = pg_query (self, error,
    "SELECT " USER_COLUMNS " FROM account_user u JOIN account a ON a.id = u.account"
    " WHERE u.account = $1 AND u.name = $2", account_id, name, NULL);
  CrmServerUser *user = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    user = user_from_row (result, 0);
  PQclear (result);
  if (user == NULL)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                 _("There is no user «%s» in account «%s»; “voronka-server user list %s” "
                   "shows who there is"), name, account_name, account_name);
  return user;
}

static CrmServerUser *
lookup_current_user (CrmServerPg  *self,
                     const char   *account_name,
                     const char   *name,
                     char        **out_account_id,
                     GError      **error)
{
  g_autofree char *account_id = lookup_account (self, account_name, error);
  CrmServerUser *user;

  if (account_id == NULL ||
      (user = lookup_user (self, account_id, account_name, name, error)) == NULL)
    return NULL;
  if (user->removed)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("«%s» was removed from account «%s»; “user add” makes them a user again"),
                   name, account_name);
      crm_server_user_free (user);
      return NULL;
    }
  if (out_account_id != NULL)
    *out_account_id = g_steal_pointer (&account_id);
  return user;
}

static gint
revoke_sessions_of (CrmServerPg  *self,
                    const char   *user_id,
                    GError      **error)
{
  g_autofree char *now = now_text ();
  PGresult *result = pg_query (self, error,
    "UPDATE session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    user_id, now, NULL);
  gint count;

  if (result == NULL)
    return -1;
  count = atoi (PQcmdTuples (result));
  PQclear (result);
  return count;
}

typedef struct {
  const char *name;
  const char *role;
  char       *crm_user;
} EnsureUser;

static gboolean
ensure_user (CrmServerPg  *self,
             CrmStore     *store,
             gpointer      data,
             GError      **error)
{
  EnsureUser *ensure = data;

  ensure->crm_user = crm_server_replica_ensure_user (store, ensure->name, ensure->role, error);
  return ensure->crm_user != NULL;
}

static gboolean
pg_add_user (CrmServerStorage  *storage,
             const char        *account_name,
             const char        *name,
             const char        *role,
             const char        *password_hash,
             GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *account_id = lookup_account (self, account_name, error);
  g_autoptr(CrmServerUser) previous = NULL;
  EnsureUser ensure = { name, role, NULL };
  g_autofree char *crm_user = NULL;
  PGresult *result;

  if (account_id == NULL)
    return FALSE;
  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 200)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("A user name must be 1 to 200 characters long"));
      return FALSE;
    }
  if (!write_account (self, account_id, ensure_user, &ensure, error))
    return FALSE;
  crm_user = ensure.crm_user;
  previous = lookup_user (self, account_id, account_name, name, NULL);
  if (previous != NULL && previous->removed)
    {
      /* someone removed comes back: the same row, a new password, no old session */
      result = pg_query (self, error,
        "UPDATE account_user SET role = $2, crm_user = $3, password_hash = $4,"
        " disabled_at = NULL, removed_at = NULL WHERE id = $1", previous->id, role, crm_user,
        password_hash, NULL);
      PQclear (result);
      return result != NULL;
    }
  return insert_user (self, account_id, name, role, crm_user, password_hash, error);
}

static GPtrArray *
pg_find_users (CrmServerStorage  *storage,
               const char        *name,
               const char        *account_name,
               GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_server_user_free);
  g_autoptr(GError) local_error = NULL;
  /* removed users are no one's: their name may sign in nowhere and be added again */
  PGresult *result = account_name != NULL
    ? pg_query (self, error, "SELECT " USER_COLUMNS " FROM account_user u JOIN account a"
                " ON a.id = u.account WHERE u.name = $1 AND a.name = $2 AND u.removed_at IS NULL",
                name, account_name, NULL)
    : pg_query (self, error, "SELECT " USER_COLUMNS " FROM account_user u JOIN account a"
                " ON a.id = u.account WHERE u.name = $1 AND u.removed_at IS NULL", name, NULL);

  if (result == NULL)
    return NULL;
  for (int i = 0; local_error == NULL && i < PQntuples (result); i++)
    {
      CrmServerUser *user = user_from_row (result, i);

      if (refresh_role (self, user, &local_error))
        g_ptr_array_add (users, user);
      else
        crm_server_user_free (user);
    }
  PQclear (result);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&users);
}

static char *
device_owner (CrmServerPg          *self,
              const CrmServerUser  *user,
              const char           *device,
              GError              **error)
{
  PGresult *result = pg_query (self, error,
    "SELECT user_id FROM device WHERE account = $1 AND id = $2", user->account_id, device, NULL);
  char *owner = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    owner = dup_value (result, 0, 0);
  PQclear (result);
  return owner;
}

/* CrmServerDeviceFunc: is @device @user's? One nobody has used yet becomes @user's. */
static gboolean
device_of_user (const CrmServerUser *user,
                const char          *device,
                gpointer             data)
{
  CrmServerPg *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = device_owner (self, user, device, &error);
  g_autofree char *now = NULL;
  PGresult *result;

  if (error != NULL)
    {
      g_warning ("Checking device %s: %s", device, error->message);
      return FALSE;
    }
  if (owner != NULL)
    return g_str_equal (owner, user->id);
  now = now_text ();
  result = pg_query (self, &error,
    "INSERT INTO device (account, id, user_id, name, first_seen, last_seen)"
    " VALUES ($1, $2, $3, '', $4, $4) ON CONFLICT DO NOTHING",
    user->account_id, device, user->id, now, NULL);
  if (result == NULL)
    g_warning ("Recording device %s: %s", device, error->message);
  PQclear (result);
  return TRUE;
}

static gboolean
pg_create_session (CrmServerStorage    *storage,
                   const CrmServerUser *user,
                   const char          *token_hash,
                   const char          *device,
                   const char          *device_name,
                   gint64               expires,
                   GError             **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *now = now_text ();
  g_autofree char *expires_text = g_strdup_printf ("%" G_GINT64_FORMAT, expires);
  PGresult *result;

  if (device != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *owner = device_owner (self, user, device, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (owner != NULL && !g_str_equal (owner, user->id))
        {
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_PERMISSION_DENIED,
                       _("This replica already syncs as another user of the account, so %s "
                         "cannot sign in with it; sign in with a new replica file (the account "
                         "is copied from the server)"), user->name);
          return FALSE;
        }
    }
  result = pg_query (self, error,
    "INSERT INTO session (token_hash, user_id, created_at, expires_at, device, device_name)"
    " VALUES ($1, $2, $3, $4, $5, $6)", token_hash, user->id, now, expires_text,
    device ? device : "", device_name ? device_name : "", NULL);
  if (result == NULL)
    return FALSE;
  PQclear (result);
  if (device == NULL)
    return TRUE;
  result = pg_query (self, error,
    "INSERT INTO device (account, id, user_id, name, first_seen, last_seen)"
    " VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (account, id) DO UPDATE SET"
    " name = excluded.name, last_seen = excluded.last_seen"
    " WHERE device.user_id = excluded.user_id",
    user->account_id, device, user->id, device_name ? device_name : "", now, NULL);
  PQclear (result);
  return result != NULL;
}

static CrmServerUser *
pg_lookup_session (CrmServerStorage  *storage,
                   const char        *token_hash,
                   gint64             now,
                   GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *now_string = g_strdup_printf ("%" G_GINT64_FORMAT, now);
  PGresult *result = pg_query (self, error,
    "SELECT " USER_COLUMNS ", s.revoked_at IS NULL AND s.expires_at > $2"
    " FROM session s JOIN account_user u ON u.id = s.user_id JOIN account a ON a.id = u.account"
    " WHERE s.token_hash = $1", token_hash, now_string, NULL);
  CrmServerUser *user = NULL;
  gboolean valid = FALSE;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    {
      user = user_from_row (result, 0);
      valid = g_str_equal (PQgetvalue (result, 0, 9), "t");
    }
  PQclear (result);
  if (user == NULL)
    return NULL;
  g_clear_pointer (&user->password_hash, g_free);
  if (user->disabled || user->removed)
    return user;
  if (!valid || !refresh_role (self, user, error))
    g_clear_pointer (&user, crm_server_user_free);
  return user;
}

static gboolean
pg_revoke_session (CrmServerStorage  *storage,
                   const char        *token_hash,
                   GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *now = now_text ();
  PGresult *result = pg_query (self, error,
    "UPDATE session SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
    token_hash, now, NULL);

  PQclear (result);
  return result != NULL;
}

static gint
pg_revoke_user (CrmServerStorage  *storage,
                const char        *account_name,
                const char        *name,
                GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);

  return user != NULL ? revoke_sessions_of (self, user->id, error) : -1;
}

static JsonArray *
pg_list_users (CrmServerStorage  *storage,
               const char        *account_name,
               const char        *name,
               GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *account_id = lookup_account (self, account_name, error);
  g_autofree char *now = now_text ();
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(CrmServerUser) one = NULL;
  CrmStore *store;
  PGresult *result;

  if (account_id == NULL || (store = get_replica (self, account_id, error)) == NULL)
    return NULL;
  if (name != NULL && (one = lookup_user (self, account_id, account_name, name, error)) == NULL)
    return NULL;
  {
    const char *values[] = { account_id, now, name };

    result = pg_run (self,
      "SELECT u.name, u.role, u.crm_user, u.created_at, u.disabled_at, u.removed_at,"
      " (SELECT count(*) FROM session s WHERE s.user_id = u.id AND s.revoked_at IS NULL"
      "   AND s.expires_at > $2::bigint),"
      " (SELECT max (d.last_seen) FROM device d WHERE d.account = u.account AND d.user_id = u.id)"
      " FROM account_user u WHERE u.account = $1 AND ($3::text IS NULL OR u.name = $3)"
      " ORDER BY u.name COLLATE \"C\"", G_N_ELEMENTS (values), values, NULL, error);
  }
  if (result == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      JsonObject *user = crm_server_replica_user_row (store, get_value (result, i, 0),
        get_value (result, i, 1), get_value (result, i, 2), get_int (result, i, 3),
        !PQgetisnull (result, i, 4), !PQgetisnull (result, i, 5), get_int (result, i, 6),
        get_int (result, i, 7));

      json_array_add_object_element (list, user);
    }
  PQclear (result);
  return g_steal_pointer (&list);
}

/* An UPDATE of one user and the revocation of their sessions, in one transaction. */
static gint
change_user (CrmServerPg  *self,
             const char   *sql,
             const char   *user_id,
             const char   *value,
             gboolean      revoke,
             GError      **error)
{
  PGresult *result;
  gint revoked = 0;

  if (!pg_do (self, "BEGIN", error))
    return -1;
  result = value != NULL ? pg_query (self, error, sql, user_id, value, NULL)
                         : pg_query (self, error, sql, user_id, NULL);
  if (result == NULL || (revoke && (revoked = revoke_sessions_of (self, user_id, error)) < 0) ||
      !pg_do (self, "COMMIT", error))
    {
      PQclear (result);
      pg_rollback (self);
      return -1;
    }
  PQclear (result);
  return revoked;
}

static gint
pg_set_user_disabled (CrmServerStorage  *storage,
                      const char        *account_name,
                      const char        *name,
                      gboolean           disabled,
                      GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);
  g_autofree char *now = now_text ();

  if (user == NULL)
    return -1;
  return disabled
    ? change_user (self, "UPDATE account_user SET disabled_at = coalesce (disabled_at, $2::bigint)"
                   " WHERE id = $1", user->id, now, TRUE, error)
    : change_user (self, "UPDATE account_user SET disabled_at = NULL WHERE id = $1", user->id,
                   NULL, FALSE, error);
}

static gint
pg_set_password (CrmServerStorage  *storage,
                 const char        *account_name,
                 const char        *name,
                 const char        *password_hash,
                 GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, NULL, error);

  if (user == NULL)
    return -1;
  return change_user (self, "UPDATE account_user SET password_hash = $2 WHERE id = $1",
                      user->id, password_hash, TRUE, error);
}

typedef struct {
  const char        *account_name;
  const char        *reassign_to;
  CrmServerUser     *user;
  CrmReassignCounts *counts;
} Removal;

static gboolean
reassign_work (CrmServerPg  *self,
               CrmStore     *store,
               gpointer      data,
               GError      **error)
{
  Removal *removal = data;
  g_autoptr(CrmServerUser) heir = lookup_user (self, removal->user->account_id,
                                               removal->account_name, removal->reassign_to,
                                               NULL);
  g_autofree char *heir_entity = crm_server_replica_heir (store, heir, removal->reassign_to,
                                                          removal->account_name, error);

  if (heir_entity == NULL)
    return FALSE;
  return crm_user_reassign (store, removal->user->crm_user, heir_entity, NULL, removal->counts,
                            error);
}

static gboolean
pg_remove_user (CrmServerStorage   *storage,
                const char         *account_name,
                const char         *name,
                const char         *reassign_to,
                CrmReassignCounts  *out_counts,
                GError            **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autofree char *account_id = NULL;
  g_autoptr(CrmServerUser) user = lookup_current_user (self, account_name, name, &account_id,
                                                       error);
  g_autofree char *now = now_text ();
  Removal removal = { account_name, reassign_to, user, out_counts };

  if (user == NULL)
    return FALSE;
  if (g_str_equal (name, reassign_to))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                   _("--reassign-to names the user being removed; name a colleague who "
                     "takes over «%s»'s deals and tasks"), name);
      return FALSE;
    }
  /* the work first (laptops get it by sync), then the sign-in */
  if (!write_account (self, account_id, reassign_work, &removal, error))
    return FALSE;
  return change_user (self, "UPDATE account_user SET removed_at = $2 WHERE id = $1", user->id,
                      now, TRUE, error) >= 0;
}

/* --- sync -------------------------------------------------------------------------------- */

static guint64
pg_now_hlc (CrmServerStorage    *storage,
            const CrmServerUser *user)
{
  CrmStore *store = get_replica (CRM_SERVER_PG (storage), user->account_id, NULL);

  return store != NULL ? crm_ledger_next_hlc (store) : 0;
}

/* The account's files are shared by the processes of a data folder: DIR/files/ACCOUNT. */
static char *
pg_files_folder (CrmServerStorage    *storage,
                 const CrmServerUser *user,
                 GError             **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  char *folder = g_build_filename (self->data_dir, "files", user->account_id, NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the data folder %s: %s"), folder, g_strerror (saved));
      g_free (folder);
      return NULL;
    }
  return folder;
}

typedef struct {
  const CrmServerUser  *user;
  gint64                base;
  GPtrArray            *ops;
  GPtrArray           **out_results;
  gint64               *out_head;
} Push;

static gboolean
push_ops (CrmServerPg  *self,
          CrmStore     *store,
          gpointer      data,
          GError      **error)
{
  Push *push = data;

  return crm_server_replica_check_quota (store, push->user, self->account_quota, error) &&
         crm_server_replica_push (store, push->user, device_of_user, self, push->base,
                                  push->ops, push->out_results, push->out_head, error);
}

static gboolean
pg_push (CrmServerStorage    *storage,
         const CrmServerUser *user,
         gint64               base,
         GPtrArray           *ops,
         GPtrArray          **out_results,
         gint64              *out_head,
         GError             **error)
{
  Push push = { user, base, ops, out_results, out_head };

  return write_account (CRM_SERVER_PG (storage), user->account_id, push_ops, &push, error);
}

static char *
pg_pull (CrmServerStorage    *storage,
         const CrmServerUser *user,
         gint64               since,
         guint                limit,
         guint64              hlc,
         gsize               *out_length,
         GError             **error)
{
  CrmStore *store = get_replica (CRM_SERVER_PG (storage), user->account_id, error);

  return store != NULL ? crm_server_replica_pull (store, since, limit, hlc, out_length, error)
                       : NULL;
}

static gboolean
pg_epoch (CrmServerStorage    *storage,
          const CrmServerUser *user,
          const char          *client_epoch,
          char               **out_epoch,
          gint64              *out_shared,
          gint64              *out_head,
          char               **out_device,
          GError             **error)
{
  CrmStore *store = get_replica (CRM_SERVER_PG (storage), user->account_id, error);

  return store != NULL && crm_server_replica_epoch (store, client_epoch, out_epoch, out_shared,
                                                    out_head, out_device, error);
}

static void
pg_snapshot_async (CrmServerStorage    *storage,
                   const CrmServerUser *user,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = cache_path (self, user->account_id);
  g_autofree char *cache = g_build_filename (self->cache_dir, "snapshots", NULL);
  CrmStore *store = get_replica (self, user->account_id, &error);

  if (store == NULL)
    g_task_report_error (self, callback, user_data, NULL, g_steal_pointer (&error));
  else
    crm_server_replica_snapshot_async (self, store, path, cache, user->account_id, cancellable,
                                       callback, user_data);
}

static CrmServerSnapshot *
pg_snapshot_finish (CrmServerStorage  *storage,
                    GAsyncResult      *result,
                    GError           **error)
{
  return crm_server_replica_snapshot_finish (result, error);
}

static GPtrArray *
account_ids (CrmServerPg  *self,
             gboolean      with_names,
             GError      **error)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  PGresult *result = pg_query (self, error, "SELECT id, name FROM account ORDER BY name", NULL);

  if (result == NULL)
    {
      g_ptr_array_unref (ids);
      return NULL;
    }
  for (int i = 0; i < PQntuples (result); i++)
    {
      g_ptr_array_add (ids, dup_value (result, i, 0));
      if (with_names)
        g_ptr_array_add (ids, dup_value (result, i, 1));
    }
  PQclear (result);
  return ids;
}

/* Keeps a recent snapshot of the account ready in this process (made in the background),
 * so a new device downloads one instead of waiting while it is made. */
static void
prepare_snapshot (CrmServerPg *self,
                  const char  *account_id)
{
  g_autofree char *path = cache_path (self, account_id);
  g_autofree char *cache = g_build_filename (self->cache_dir, "snapshots", NULL);
  CrmStore *store = g_hash_table_lookup (self->caches, account_id);

  if (store != NULL)
    crm_server_snapshot_make_async (path, cache, account_id, crm_ledger_head (store),
                                    CRM_SERVER_SNAPSHOT_MAX_AGE - 60, 0, NULL, NULL, NULL);
}

static void
pg_prepare_snapshots (CrmServerStorage *storage)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = account_ids (self, FALSE, &error);

  if (ids == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) account_error = NULL;

      if (get_replica (self, ids->pdata[i], &account_error) != NULL)
        prepare_snapshot (self, ids->pdata[i]);
      else
        g_warning ("Account %s: %s", (char *) ids->pdata[i], account_error->message);
    }
}

static gboolean
tick_account (CrmServerPg  *self,
              CrmStore     *store,
              gpointer      data,
              GError      **error)
{
  gint64 *now_and_fired = data;
  guint fired = 0;
  gboolean ok = crm_server_replica_tick (store, now_and_fired[0], &fired, error);

  now_and_fired[1] += fired;
  return ok;
}

/* Timer rules run in the one process that holds the timers' lock (it keeps it while
 * it lives; another takes it over when it is gone). */
static gboolean
pg_tick (CrmServerStorage  *storage,
         gint64             now,
         guint             *out_fired,
         GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(GPtrArray) ids = NULL;
  gboolean ok = TRUE;

  *out_fired = 0;
  if (!ensure_connected (self, error))
    return FALSE;
  if (!self->ticker)
    {
      PGresult *result = pg_query (self, error,
                                   "SELECT pg_try_advisory_lock (" TICK_LOCK_KEY ")", NULL);

      if (result == NULL)
        return FALSE;
      self->ticker = g_str_equal (PQgetvalue (result, 0, 0), "t");
      PQclear (result);
      if (!self->ticker)
        return TRUE;
      crm_server_log (G_LOG_LEVEL_MESSAGE, "ticker",
                      "this process runs the timer rules now (it holds their lock in "
                      "PostgreSQL)", NULL);
    }
  if ((ids = account_ids (self, FALSE, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 now_and_fired[2] = { now, 0 };

      if (!write_account (self, ids->pdata[i], tick_account, now_and_fired, &local_error))
        {
          /* one account's failure must not stop the others' timers */
          g_warning ("Timer rules of account %s failed: %s", (char *) ids->pdata[i],
                     local_error->message);
          ok = FALSE;
          continue;
        }
      *out_fired += (guint) now_and_fired[1];
      prepare_snapshot (self, ids->pdata[i]);
    }
  if (!ok)
    g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
                 _("Timer rules failed in some accounts (see the log)"));
  return ok;
}

static gboolean
pg_check (CrmServerStorage  *storage,
          GError           **error)
{
  CrmServerPg *self = CRM_SERVER_PG (storage);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) local_error = NULL;

  /* the database takes writes: not a standby in recovery */
  {
    PGresult *result = pg_query (self, &local_error, "SELECT pg_is_in_recovery ()", NULL);

    if (result == NULL)
      {
        g_ptr_array_add (problems, g_strdup (local_error->message));
        g_clear_error (&local_error);
      }
    else if (g_str_equal (PQgetvalue (result, 0, 0), "t"))
      g_ptr_array_add (problems, g_strdup (_("the PostgreSQL database is a standby in recovery "
                                             "and takes no writes; point --database at the "
                                             "primary")));
    PQclear (result);
  }
  accounts = account_ids (self, TRUE, &local_error);
  if (accounts == NULL)
    g_ptr_array_add (problems, g_strdup (local_error->message));
  for (guint i = 0; accounts != NULL && i + 1 < accounts->len; i += 2)
    {
      g_autoptr(GError) account_error = NULL;

      if (get_replica (self, accounts->pdata[i], &account_error) == NULL)
        g_ptr_array_add (problems, g_strdup_printf (_("account «%s»: %s"),
                                                    (char *) accounts->pdata[i + 1],
                                                    account_error->message));
    }
  if (problems->len == 0)
    return TRUE;
  g_ptr_array_add (problems, NULL);
  {
    g_autofree char *all = g_strjoinv ("; ", (char **) problems->pdata);

    g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR, all);
  }
  return FALSE;
}

static void
storage_iface_init (CrmServerStorageInterface *iface)
{
  iface->create_account = pg_create_account;
  iface->add_user = pg_add_user;
  iface->find_users = pg_find_users;
  iface->create_session = pg_create_session;
  iface->lookup_session = pg_lookup_session;
  iface->revoke_session = pg_revoke_session;
  iface->revoke_user = pg_revoke_user;
  iface->list_users = pg_list_users;
  iface->set_user_disabled = pg_set_user_disabled;
  iface->set_password = pg_set_password;
  iface->remove_user = pg_remove_user;
  iface->now_hlc = pg_now_hlc;
  iface->push = pg_push;
  iface->pull = pg_pull;
  iface->snapshot_async = pg_snapshot_async;
  iface->snapshot_finish = pg_snapshot_finish;
  iface->tick = pg_tick;
  iface->prepare_snapshots = pg_prepare_snapshots;
  iface->check = pg_check;
  iface->epoch = pg_epoch;
  iface->files_folder = pg_files_folder;
}

void
crm_server_pg_set_account_quota (CrmServerPg *self,
                                 gint64       bytes)
{
  g_return_if_fail (CRM_IS_SERVER_PG (self));
  self->account_quota = MAX (bytes, 0);
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
  g_autofree char *epoch = NULL;
  g_autofree char *metas = NULL;
  g_autofree char *key_text = NULL;
  g_autofree char *state = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *copied = NULL;
  gint64 shared = 0;
  unsigned char *escaped;
  size_t escaped_length;
  gsize key_length;
  const guint8 *raw = g_bytes_get_data (key, &key_length);
  PGresult *result;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_SERVER_PG (self), FALSE);

  /* the incarnation devices know it by goes along */
  if (!crm_ledger_epoch (replica, NULL, &epoch, &shared, error))
    return FALSE;
  metas = dup_metas (replica);
  escaped = PQescapeByteaConn (self->conn, raw, key_length, &escaped_length);
  key_text = g_strdup ((const char *) escaped);
  PQfreemem (escaped);
  if (!pg_do (self, "BEGIN", error))
    return FALSE;
  {
    const char *values[] = {
      account_id, name, crm_store_get_device_id (replica), key_text, metas,
      json_array_get_string_element (json_array_get_array_element (account, 0), 0),
    };

    result = pg_run (self, "INSERT INTO account (id, name, device, stamp_key, meta, created_at)"
                     " VALUES ($1, $2, $3, $4::bytea, $5, $6)", G_N_ELEMENTS (values), values,
                     &state, error);
  }
  if (result == NULL)
    {
      if (g_strcmp0 (state, "23505") == 0)
        {
          g_clear_error (error);
          g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT,
                       _("The PostgreSQL database already has an account «%s»; nothing was "
                         "moved"), name);
        }
      goto fail;
    }
  PQclear (result);
  if (!export_log (self, account_id, replica, 0, error) ||
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
      /* this process's own writes told their devices already */
      if (notify->be_pid != PQbackendPID (self->conn))
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
  result = PQexec (self->listen_conn, "LISTEN voronka_changes");
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

gboolean
crm_server_pg_is_url (const char *database)
{
  return database != NULL && (g_str_has_prefix (database, "postgresql://") ||
                              g_str_has_prefix (database, "postgres://"));
}
