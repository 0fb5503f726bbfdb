/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-pg.h — the PostgreSQL storage backend (serve --database postgresql://…):
 * accounts, users, sessions, devices and each account's log of ops in the database, so
 * several voronka-server processes serve the same accounts; each process keeps its own
 * replica of an account in DIR/pg-cache/PID/ as a cache of the log. */
#pragma once

#include <libpq-fe.h>

#include "crm-server-backend.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_TYPE_SERVER_PG (crm_server_pg_get_type ())
G_DECLARE_FINAL_TYPE (CrmServerPg, crm_server_pg, CRM, SERVER_PG, CrmServerBackend)

/* Connects to @url (a libpq connection URI, postgresql://…) and brings its schema up to
 * date; @data_dir holds this process's caches and the accounts' files. */
CrmServerStorage *crm_server_pg_new (const char  *data_dir,
                                     const char  *url,
                                     GError     **error);

/* A live event (a caller's card) for @account_id's users @user_ids, as its text. */
typedef void (*CrmServerPgLive) (const char         *account_id,
                                 const char * const *user_ids,
                                 const char         *text,
                                 gpointer            user_data);

/* Calls @live on the main loop with the live events the other processes publish (LISTEN
 * voronka_live), so the sockets they are for hear them wherever they are connected. */
void              crm_server_pg_listen_live       (CrmServerPg     *self,
                                                   CrmServerPgLive  live,
                                                   gpointer         user_data);
/* Publishes a live event to the other processes (NOTIFY voronka_live); @user_data is the
 * CrmServerPg (a CrmServerLiveRelay). Too long an event (over 7 900 bytes) or a database
 * that fails stays with this process's sockets, and says so in the log. */
void              crm_server_pg_publish_live      (const char         *account_id,
                                                   const char * const *user_ids,
                                                   const char         *text,
                                                   gpointer            user_data);

/* Calls @changed (with @user_data) on the main loop whenever another process wrote to an
 * account (LISTEN/NOTIFY), so this process's live sockets hear of it too. */
void              crm_server_pg_listen            (CrmServerPg *self,
                                                   GCallback    changed,
                                                   gpointer     user_data);

/* `migrate`: the account @name of the embedded storage — its server.db rows (@rows, see
 * crm_server_sqlite_export_account()), its replica and its stamp key — into the database
 * in one transaction, then verified (a replica made from the database alone holds the
 * same state and head); the account stays in the data folder as it was. */
gboolean          crm_server_pg_import_account    (CrmServerPg *self,
                                                   const char  *name,
                                                   JsonObject  *rows,
                                                   CrmStore    *replica,
                                                   GBytes      *key,
                                                   GError     **error);

/* For the files of src/server that keep tables of their own in the database
 * (crm-server-channels.c): runs @sql with @n text parameters (NULL: SQL NULL) on the
 * storage's connection (main thread only); NULL with @error when it fails. */
PGresult         *crm_server_pg_run               (CrmServerPg        *self,
                                                   const char         *sql,
                                                   int                 n,
                                                   const char *const  *values,
                                                   GError            **error);

/* A value of @result: a copy of the text (NULL for SQL NULL), or a whole number (0). */
char             *crm_server_pg_dup_value         (PGresult           *result,
                                                   int                 row,
                                                   int                 column);
gint64            crm_server_pg_get_int           (PGresult           *result,
                                                   int                 row,
                                                   int                 column);

/* `restore --database` (crm-server-backup.c): the other client connections to the
 * database (-1 on an error); the sign-in tables copied aside (schema voronka_restore)
 * before pg_restore replaces the database; and afterwards, in one transaction, the
 * sign-ins put back as they were and every account given a new incarnation
 * (@out_accounts: how many). */
gint64            crm_server_pg_other_connections (CrmServerPg  *self,
                                                   GError      **error);
gboolean          crm_server_pg_keep_sign_ins     (CrmServerPg  *self,
                                                   GError      **error);
gboolean          crm_server_pg_finish_restore    (CrmServerPg  *self,
                                                   guint        *out_accounts,
                                                   GError      **error);

/* Whether @database (the --database option) names PostgreSQL. */
gboolean          crm_server_pg_is_url (const char *database);

G_END_DECLS
