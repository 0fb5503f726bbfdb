/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report.h — the head's figures (S1-7, S2-9), computed on the local replica, offline.
 * One API for the CLI, the app and exports: a report is a list of typed columns and rows.
 *
 * The JSON of a report:
 *   {"report": NAME, "title", "from", "to" (ISO 8601, "to" exclusive), "zone" (the
 *    days' time zone, crm_report_dup_zone),
 *    "columns": [{"key", "label", "type"}],   type: text | int | percent | money | duration
 *    "rows": [{key: value, …, "user_id"?}],    percent: 0–100 with one decimal or null
 *    "totals": {key: value, …},                 (null when the share has no base);
 *    rows and totals may hold "links": {key: [id…]}: what is behind a figure — deals
 *    (dashboard), tasks ("overdue_tasks"), calls ("calls": "answered", "missed");
 *    "series"?: {"bucket": "day"|"week"|"month", "points": [{"from", "won",
 *                "won_amount", "won_total", "won_amount_total"}]}}
 *                ("sales": the deals won over time; *_total: the running totals from the
 *                period's start through the point's bucket);
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

/* The zone a report's days, weeks and months are counted in: the account's (the
 * `account_setting` "time_zone" work schedules read) when one is set, else this
 * computer's. */
GTimeZone           *crm_report_dup_zone      (CrmStore   *store);
/* The first moment (UTC milliseconds) of the day @year-@month-@day in @zone; @month and
 * @day may run over (month 13 is January of the next year, day 0 the month's eve). */
gint64               crm_report_day_start     (GTimeZone  *zone,
                                               int         year,
                                               int         month,
                                               int         day);
/* The first moment of the local day (in @zone) that holds @at, moved by @days days. */
gint64               crm_report_day_of        (GTimeZone  *zone,
                                               gint64      at,
                                               int         days);
/* The first moment of the local month that holds @at, moved by @months months. */
gint64               crm_report_month_of      (GTimeZone  *zone,
                                               gint64      at,
                                               int         months);
/* "2026-03-02" → that day's first moment in @zone; with @end, the first moment of the
 * day after (a period's end that includes the day). FALSE when @text is not such a date. */
gboolean             crm_report_parse_day     (GTimeZone  *zone,
                                               const char *text,
                                               gboolean    end,
                                               gint64     *out_ms);

/* The reports there are, in the order a head reads them. */
const CrmReportInfo *crm_report_list   (guint                 *n_reports);

/* Runs report @name over @filter (may be NULL: everything up to now). Unknown names
 * are NOT_FOUND listing the known ones; a bad period (from ≥ to) is INVALID_INPUT. */
JsonNode            *crm_report_run    (CrmStore              *store,
                                        const char            *name,
                                        const CrmReportFilter *filter,
                                        GError               **error);

/* The same report counted from the rows alone, as before the day totals (schema 18)
 * kept by the write path: slower on a large account; what crm_report_run() must always
 * equal (tests and benchmarks compare them). */
JsonNode            *crm_report_run_from_rows (CrmStore              *store,
                                               const char            *name,
                                               const CrmReportFilter *filter,
                                               GError               **error);

/* A value of a column of @type as people read it: "1500000.00", "12.5 %", "1 h 05 min",
 * "—" for null (translated units). */
char                *crm_report_format_value (JsonNode   *value,
                                              const char *type);

/* The report's period for people: "2026-03-01 – 2026-03-31" (the last day included),
 * in the report's zone (its "zone" member; UTC without one), times shown only when the
 * period does not fall on that zone's midnights. */
char                *crm_report_format_period (JsonNode *report);

/* The report as CSV (RFC 4180, UTF-8, a header row of the column labels; money as
 * "1500.00", percent as "12.5", duration in whole seconds, null as empty). */
char                *crm_report_to_csv (JsonNode              *report);

G_END_DECLS
