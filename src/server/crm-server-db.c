/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-db.c — the server's own tables on either storage (see crm-server-db.h). */
#define G_LOG_DOMAIN "voronka-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "crm-server-db.h"
#include "crm-server-pg.h"
#include "crm-server-sqlite.h"

struct _CrmServerRows
{
  guint      columns;
  guint      changed;
  GPtrArray *values;   /* row-major texts, NULL for SQL NULL */
};

void
crm_server_rows_free (CrmServerRows *rows)
{
  if (rows == NULL)
    return;
  g_ptr_array_unref (rows->values);
  g_free (rows);
}

static CrmServerRows *
rows_new (guint columns)
{
  CrmServerRows *rows = g_new0 (CrmServerRows, 1);

  rows->columns = columns;
  rows->values = g_ptr_array_new_with_free_func (g_free);
  return rows;
}

guint
crm_server_rows_count (CrmServerRows *rows)
{
  return rows->columns > 0 ? rows->values->len / rows->columns : 0;
}

guint
crm_server_rows_changed (CrmServerRows *rows)
{
  return rows->changed;
}

const char *
crm_server_rows_text (CrmServerRows *rows,
                      guint          row,
                      guint          column)
{
  g_return_val_if_fail (column < rows->columns && row < crm_server_rows_count (rows), NULL);
  return rows->values->pdata[row * rows->columns + column];
}

char *
crm_server_rows_dup (CrmServerRows *rows,
                     guint          row,
                     guint          column)
{
  return g_strdup (crm_server_rows_text (rows, row, column));
}

gint64
crm_server_rows_int (CrmServerRows *rows,
                     guint          row,
                     guint          column)
{
  const char *text = crm_server_rows_text (rows, row, column);

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
}

gboolean
crm_server_db_is_shared (CrmServerStorage *storage)
{
  return CRM_IS_SERVER_PG (storage);
}

static CrmServerRows *
sqlite_run (sqlite3            *db,
            const char         *what,
            const char         *sql,
            int                 n,
            const char *const  *values,
            GError            **error)
{
  g_autoptr(CrmServerRows) rows = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    goto fail;
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("$%d", i + 1);
      int index = sqlite3_bind_parameter_index (stmt, name);

      if (index == 0)
        continue;
      if (values[i] != NULL)
        sqlite3_bind_text (stmt, index, values[i], -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (stmt, index);
    }
  rows = rows_new ((guint) sqlite3_column_count (stmt));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (guint i = 0; i < rows->columns; i++)
      {
        const unsigned char *text = sqlite3_column_text (stmt, (int) i);

        g_ptr_array_add (rows->values, text != NULL ? g_strdup ((const char *) text) : NULL);
      }
  if (rc != SQLITE_DONE)
    goto fail;
  rows->changed = (guint) sqlite3_changes (db);
  sqlite3_finalize (stmt);
  return g_steal_pointer (&rows);

fail:
  g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_SERVER_ERROR,
               _("The server database server.db failed while %s: %s"), what,
               sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return NULL;
}

static CrmServerRows *
pg_run (CrmServerPg        *pg,
        const char         *what,
        const char         *sql,
        int                 n,
        const char *const  *values,
        GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  PGresult *result = crm_server_pg_run (pg, sql, n, values, &local_error);
  CrmServerRows *rows;

  if (result == NULL)
    {
      /* it says "The PostgreSQL database failed: …" already */
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  rows = rows_new ((guint) PQnfields (result));
  rows->changed = (guint) g_ascii_strtoull (PQcmdTuples (result), NULL, 10);
  for (int r = 0; r < PQntuples (result); r++)
    for (guint c = 0; c < rows->columns; c++)
      g_ptr_array_add (rows->values, crm_server_pg_dup_value (result, r, (int) c));
  PQclear (result);
  return rows;
}

CrmServerRows *
crm_server_db_run (CrmServerStorage   *storage,
                   const char         *what,
                   const char         *sql,
                   int                 n,
                   const char *const  *values,
                   GError            **error)
{
  if (CRM_IS_SERVER_PG (storage))
    return pg_run (CRM_SERVER_PG (storage), what, sql, n, values, error);
  g_return_val_if_fail (CRM_IS_SERVER_SQLITE (storage), NULL);
  return sqlite_run (crm_server_sqlite_get_db (CRM_SERVER_SQLITE (storage)), what, sql, n,
                     values, error);
}

CrmServerRows *
crm_server_db_query (CrmServerStorage  *storage,
                     const char        *what,
                     GError           **error,
                     const char        *sql,
                     ...)
{
  const char *values[16];
  const char *value;
  va_list args;
  int n = 0;

  va_start (args, sql);
  while ((value = va_arg (args, const char *)) != NULL)
    {
      g_assert (n < (int) G_N_ELEMENTS (values));
      values[n++] = value;
    }
  va_end (args);
  return crm_server_db_run (storage, what, sql, n, values, error);
}
