/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-import.h — moving in (issue 20): contacts, companies and deals from the CSV files
 * people have, amoCRM's and Bitrix24's exports included (their Russian column names are
 * recognised; UTF-8 or Windows-1251; comma, semicolon or tab), all or nothing: one bad
 * row and nothing is written, every bad row listed with its line. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The largest file crm_import_csv() reads, and the most rows it takes. */
#define CRM_IMPORT_MAX_BYTES ((gsize) 256 * 1024 * 1024)
#define CRM_IMPORT_MAX_ROWS  1000000
/* The page cache (KiB) of a connection opened for one bulk import (voronkactl import, the
 * app's import worker): the one change set of 100 000 contacts and their search rows
 * outgrows the default 32 MiB, and SQLite then spills pages to the WAL mid-transaction
 * and reads them back (a third more CPU; bench/RESULTS.md). Used only as far as needed. */
#define CRM_IMPORT_CACHE_KIB ((gint64) 512 * 1024)

typedef struct {
  const char *entity;       /* "contact", "company" or "deal" */
  gboolean    dry_run;      /* check everything, write nothing */
  const char *actor_id;     /* the importing user: responsible when a row names none */
  /* The mapping a person chose (may be NULL): header → the field the column fills, a
   * built-in one as crm_import_fields() names it or a custom field's key (or label);
   * null ignores the column. Headers it does not name are matched by their name, custom
   * fields' labels and keys included. */
  JsonObject *mapping;
  /* Called now and then with the work done so far and all of it (from the thread that
   * imports; may be NULL): reading and checking the rows is the first tenth, writing them
   * the rest, the search indexes built after the commit included (a dry run: reading is
   * all of it). */
  void      (*progress) (guint    done,
                         guint    total,
                         gpointer user_data);
  gpointer    progress_data;
  /* Cancelled (from any thread): the import stops with G_IO_ERROR_CANCELLED and writes
   * nothing (may be NULL). */
  GCancellable *cancellable;
} CrmImportOptions;

/* One row of a table being imported: its cells (UTF-8) and the line (CSV) or row number
 * (XLSX) it starts at, which the errors name. */
typedef struct {
  GStrv cells;
  guint line;
} CrmImportRow;

CrmImportRow *crm_import_row_new  (GStrv         cells,
                                   guint         line);
void          crm_import_row_free (CrmImportRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmImportRow, crm_import_row_free)

/* The fields a column of an @entity import may fill, for a mapping screen:
 * [{"field", "label", "custom" (a custom field's)}], the built-in ones first. */
JsonArray *crm_import_fields (CrmStore   *store,
                              const char *entity);

/* Reads @data (@length bytes of CSV with a header row) and creates one entity per row in
 * one change set. *@out_report (always set once the header was read) is
 * {"entity", "rows", "created", "dry_run", "columns": {HEADER: field or null (ignored)},
 *  "errors": [{"line", "message"}], "error_count", "bad_rows"} — at most 100 errors
 * listed, "error_count" all of them, "bad_rows" the rows with one or more. With errors (a bad phone, an unknown stage or user, a duplicate of a contact
 * already there or earlier in the file…) nothing is written and the error is
 * INVALID_INPUT saying how many rows are wrong. */
gboolean crm_import_csv (CrmStore               *store,
                         const CrmImportOptions *options,
                         const char             *data,
                         gsize                   length,
                         JsonNode              **out_report,
                         GError                **error);

/* The same from a table already read (a sheet of an XLSX file, say): @rows holds
 * CrmImportRow, the header first. */
gboolean crm_import_rows (CrmStore               *store,
                          const CrmImportOptions *options,
                          GPtrArray              *rows,
                          JsonNode              **out_report,
                          GError                **error);

G_END_DECLS
