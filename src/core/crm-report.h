/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report.h — the head's figures (S1-7, S2-9), computed on the local replica, offline.
 * One API for the CLI, the app and exports: a report is a list of typed columns and rows.
 *
 * The JSON of a report:
 *   {"report": NAME, "title", "from", "to" (ISO 8601, "to" exclusive),
 *    "columns": [{"key", "label", "type"}],   type: text | int | percent | money | duration
 *    "rows": [{key: value, …, "user_id"?}],    percent: 0–100 with one decimal or null
 *    "totals": {key: value, …}}                 (null when the share has no base);
 *                                              money: minor units; duration: seconds. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct {
  gint64      from;         /* UTC milliseconds, inclusive; 0: from the beginning */
  gint64      to;           /* UTC milliseconds, exclusive; 0: the store's now */
  const char *user_id;      /* one employee; NULL: everybody */
  const char *group;        /* the employees of one group (user.grp); NULL: every group */
  const char *pipeline_id;  /* one pipeline; NULL: all (conversion: the first one) */
} CrmReportFilter;

typedef struct {
  const char *name;         /* "tasks", "conversion", … as `voronkactl report NAME` takes */
  const char *title;        /* translated */
  const char *description;  /* translated: what is counted, one or two sentences */
} CrmReportInfo;

/* The reports there are, in the order a head reads them. */
const CrmReportInfo *crm_report_list   (guint                 *n_reports);

/* Runs report @name over @filter (may be NULL: everything up to now). Unknown names
 * are NOT_FOUND listing the known ones; a bad period (from ≥ to) is INVALID_INPUT. */
JsonNode            *crm_report_run    (CrmStore              *store,
                                        const char            *name,
                                        const CrmReportFilter *filter,
                                        GError               **error);

/* A value of a column of @type as people read it: "1500000.00", "12.5 %", "1 h 05 min",
 * "—" for null (translated units). */
char                *crm_report_format_value (JsonNode   *value,
                                              const char *type);

/* The report's period for people: "2026-03-01 – 2026-03-31" (the last day included),
 * times shown only when the period does not fall on midnights (UTC). */
char                *crm_report_format_period (JsonNode *report);

/* The report as CSV (RFC 4180, UTF-8, a header row of the column labels; money as
 * "1500.00", percent as "12.5", duration in whole seconds, null as empty). */
char                *crm_report_to_csv (JsonNode              *report);

G_END_DECLS
