/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report-export.h — a report (crm-report.h) as a file a head sends on: an XLSX
 * workbook (libxlsxwriter) with typed cells, or a PDF (cairo, pango) with the title,
 * the period, a bar chart of the first figure and the table. CSV is crm_report_to_csv(). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  CRM_REPORT_FORMAT_CSV,
  CRM_REPORT_FORMAT_XLSX,
  CRM_REPORT_FORMAT_PDF,
} CrmReportFormat;

/* The format a file name asks for by its extension (.csv, .xlsx, .pdf, any case);
 * INVALID_INPUT (CRM_STORE_ERROR) naming the three otherwise. */
gboolean crm_report_format_for_path (const char       *path,
                                     CrmReportFormat  *out_format,
                                     GError          **error);

/* Writes @report to @path in @format, replacing the file; on failure the error says
 * what went wrong with the file (no space, no permission, …) and nothing half-written
 * is left at @path. */
gboolean crm_report_export          (JsonNode         *report,
                                     CrmReportFormat   format,
                                     const char       *path,
                                     GError          **error);

G_END_DECLS
