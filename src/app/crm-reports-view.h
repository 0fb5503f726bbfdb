/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-reports-view.h — the head's reports (heads and admins): a report, a period, an
 * employee and a pipeline; the figures as a chart (bars per employee, or the conversion
 * funnel) and as a table, computed off the main thread on a second, reading connection
 * to the replica (crm_store_open_reader). The head's dashboard comes first. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-report.h"
#include "crm-report-export.h"

G_BEGIN_DECLS

#define CRM_TYPE_REPORTS_VIEW (crm_reports_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmReportsView, crm_reports_view, CRM, REPORTS_VIEW, GtkWidget)

/* Shows report @name (as crm_report_list() names it). */
void        crm_reports_view_set_report  (CrmReportsView  *self,
                                          const char      *name);
/* A custom period: from the day of @from_ms to the day of @to_ms, both included. */
void        crm_reports_view_set_period  (CrmReportsView  *self,
                                          gint64           from_ms,
                                          gint64           to_ms);
/* Whether a report is being computed (or waits to be). */
gboolean    crm_reports_view_is_busy     (CrmReportsView  *self);
/* "loading", "error", "empty" or "report": what the view shows. */
const char *crm_reports_view_get_state   (CrmReportsView  *self);
/* The report shown (NULL before the first one), with the filter and the moment it was
 * computed for; the filter's strings belong to the view. */
JsonNode   *crm_reports_view_get_report  (CrmReportsView  *self,
                                          CrmReportFilter *out_filter,
                                          gint64          *out_now);
GtkWidget  *crm_reports_view_get_chart   (CrmReportsView  *self);
/* The line of amounts won over time under the bars (sales), hidden for other reports. */
GtkWidget      *crm_reports_view_get_line_chart (CrmReportsView *self);
/* The table under the chart: a GtkGrid, a header row, a row per employee, totals. */
GtkWidget  *crm_reports_view_get_table   (CrmReportsView  *self);
/* Writes the report shown to @path as CSV, XLSX or PDF (crm_report_export). */
gboolean    crm_reports_view_save        (CrmReportsView  *self,
                                          const char      *path,
                                          CrmReportFormat  format,
                                          GError         **error);

/* A report's value as the app shows it: "—" for none, money and shares in the locale's
 * style ("1 500 000 ₽", "12,5 %"), durations as crm_report_format_value ("1 h 05 min"). */
char       *crm_reports_format_value     (JsonNode        *value,
                                          const char      *type);

G_END_DECLS
