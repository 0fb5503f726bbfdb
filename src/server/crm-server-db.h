/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-db.h — the server's own tables (telephony, mailboxes: never an account's
 * replica) on either storage: DIR/server.db on the embedded backend, the database on
 * PostgreSQL. One statement text serves both: parameters are written $1, $2 … (SQLite
 * reads them as named parameters) and passed as text (NULL: SQL NULL); every value
 * comes back as text. Main thread only (it uses the storage's own connection). */
#pragma once

#include "crm-server-storage.h"

G_BEGIN_DECLS

typedef struct _CrmServerRows CrmServerRows;

/* Runs @sql with @n text parameters; the rows it returned, or NULL with @error (which
 * says the server's database failed while @what). */
CrmServerRows *crm_server_db_run      (CrmServerStorage   *storage,
                                       const char         *what,
                                       const char         *sql,
                                       int                 n,
                                       const char *const  *values,
                                       GError            **error);
/* crm_server_db_run() with the NULL-terminated list of non-NULL parameters after @sql. */
CrmServerRows *crm_server_db_query    (CrmServerStorage   *storage,
                                       const char         *what,
                                       GError            **error,
                                       const char         *sql,
                                       ...) G_GNUC_NULL_TERMINATED;
/* Whether the storage is PostgreSQL (several processes may share its tables). */
gboolean       crm_server_db_is_shared (CrmServerStorage  *storage);

guint          crm_server_rows_count   (CrmServerRows     *rows);
/* Rows a statement changed (UPDATE, INSERT, DELETE). */
guint          crm_server_rows_changed (CrmServerRows     *rows);
/* The text of a value (NULL: SQL NULL), or a whole number (0 for NULL). */
const char    *crm_server_rows_text    (CrmServerRows     *rows,
                                        guint              row,
                                        guint              column);
char          *crm_server_rows_dup     (CrmServerRows     *rows,
                                        guint              row,
                                        guint              column);
gint64         crm_server_rows_int     (CrmServerRows     *rows,
                                        guint              row,
                                        guint              column);
void           crm_server_rows_free    (CrmServerRows     *rows);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmServerRows, crm_server_rows_free)

G_END_DECLS
