/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-xlsx-import.h — moving in from XLSX (issue 20): the first worksheet of an Office
 * Open XML workbook (what Excel, LibreOffice, amoCRM and Bitrix24 write) read as the rows
 * crm_import_rows() takes, through libgsf (the zip and its relationships) and libxml2
 * (the sheet, its shared strings and styles, streamed). Bounded: the packed and unpacked
 * sizes, the rows and columns; a damaged or truncated file is refused naming the cause. */
#pragma once

#include <gio/gio.h>

#include "crm-import.h"

G_BEGIN_DECLS

/* The most bytes the parts read from one XLSX file may unpack to (a zip bomb stops here),
 * and the most columns a row may fill. */
#define CRM_XLSX_MAX_UNPACKED ((gsize) 1024 * 1024 * 1024)
#define CRM_XLSX_MAX_COLUMNS  1024

/* Whether @data starts like a zip file (an XLSX file is one). */
gboolean   crm_xlsx_is_zip    (const char    *data,
                               gsize          length);

/* The non-empty rows of the workbook's first worksheet as CrmImportRow (the line is the
 * sheet's row number; a title line above the header left out): shared and inline strings
 * as text, numbers as written ("150000.5",
 * "79161234567"), numbers formatted as dates as ISO 8601 ("2026-03-02", or
 * "2026-03-02T10:30:00" with a time), booleans as "true"/"false". */
GPtrArray *crm_xlsx_read_rows (const char    *data,
                               gsize          length,
                               GCancellable  *cancellable,
                               GError       **error);

/* crm_xlsx_read_rows() then crm_import_rows(): the same columns, checks, dry run and all
 * or nothing as a CSV file (see crm_import_csv()). */
gboolean   crm_import_xlsx    (CrmStore               *store,
                               const CrmImportOptions *options,
                               const char             *data,
                               gsize                   length,
                               JsonNode              **out_report,
                               GError                **error);

G_END_DECLS
