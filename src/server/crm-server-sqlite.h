/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-sqlite.h — the embedded storage backend: DIR/server.db for accounts, users,
 * sessions and devices, and one replica file per account in DIR/accounts/. */
#pragma once

#include "crm-server-backend.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* The schema of DIR/server.db (its PRAGMA user_version); see HACKING.md "Add a migration". */
#define CRM_SERVER_DB_VERSION 5

#define CRM_TYPE_SERVER_SQLITE (crm_server_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (CrmServerSqlite, crm_server_sqlite, CRM, SERVER_SQLITE, CrmServerBackend)

/* Opens (creating when missing) the data folder @data_dir. */
CrmServerStorage *crm_server_sqlite_new (const char  *data_dir,
                                         GError     **error);

/* For the files of src/server that keep tables of their own in server.db
 * (crm-server-mailboxes.c): the connection (main thread only) and an account's replica,
 * opened once and kept. */
struct sqlite3;
struct sqlite3 *crm_server_sqlite_get_db      (CrmServerSqlite  *self);
CrmStore       *crm_server_sqlite_get_replica (CrmServerSqlite  *self,
                                               const char       *account_id,
                                               GError          **error);

/* An account's rows of server.db, for `migrate` (crm-server-pg.c takes them): {"id",
 * "account": [[created_at]], "users", "sessions", "devices", "invites": [[column, …], …]} with the
 * columns below (text or null). */
#define CRM_SERVER_EXPORT_USER_COLUMNS \
  "SELECT id, name, role, crm_user, password_hash, created_at, disabled_at, removed_at"
#define CRM_SERVER_EXPORT_SESSION_COLUMNS \
  "SELECT token_hash, user, device, device_name, created_at, expires_at, revoked_at"
#define CRM_SERVER_EXPORT_DEVICE_COLUMNS \
  "SELECT id, user, name, first_seen, last_seen"
#define CRM_SERVER_EXPORT_INVITE_COLUMNS \
  "SELECT code_hash, name, role, created_at, expires_at, used_at, invited_by"
JsonObject     *crm_server_sqlite_export_account (CrmServerSqlite  *self,
                                                  const char       *name,
                                                  GError          **error);
const char     *crm_server_sqlite_get_data_dir   (CrmServerSqlite  *self);

G_END_DECLS
