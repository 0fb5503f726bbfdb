/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-error-private.h — turning an SQLite failure into the CRM_STORE_ERROR a person can
 * act on (disk full, I/O error, out of memory, locked, read-only, not a replica,
 * damaged), shared by every core file that talks to SQLite. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "crm-error.h"

G_BEGIN_DECLS

/* The CrmStoreError for SQLite result code @rc (primary or extended). Codes that say
 * nothing about the file or the machine (SQLITE_ERROR, a constraint…) give
 * CRM_STORE_ERROR_FAILED. */
CrmStoreError  _crm_sqlite_error_code  (int          rc);

/* Sets @error from @rc (0: @db's last extended error code) for the replica at @path
 * (may be NULL) while doing @what (a short English phrase, for the debug log only): the
 * code of _crm_sqlite_error_code() and a message that says what to do. This one words it
 * as a failed change («…, so nothing was changed»); _crm_sqlite_set_read_error() as a
 * read that could not be made (a query, a list, a report, opening the file). */
void           _crm_sqlite_set_error      (GError     **error,
                                           sqlite3     *db,
                                           int          rc,
                                           const char  *path,
                                           const char  *what);
void           _crm_sqlite_set_read_error (GError     **error,
                                           sqlite3     *db,
                                           int          rc,
                                           const char  *path,
                                           const char  *what);

G_END_DECLS
