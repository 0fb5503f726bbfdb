/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-report-private.h — what the report figures (crm-report-figures.c) share with the
 * reports' frame (crm-report.c): the run's state, rows per employee, counting, shares,
 * percentiles and the binding of the period and filters into a query. */
#pragma once

#include <sqlite3.h>

#include "crm-report.h"

G_BEGIN_DECLS

/* SQL: the employee filter (:user, :grp) on a column holding a user id. */
#define FOR_EMPLOYEES(column) \
  " AND (:user IS NULL OR " column " = :user)" \
  " AND (:grp IS NULL OR " column " IN (SELECT id FROM \"user\" WHERE grp = :grp))"

typedef struct {
  CrmStore        *store;
  CrmReportFilter  filter;
  gint64           from;     /* the period [from, to) */
  gint64           to;
  gint64           now;      /* the store's clock */
  gint64           end;      /* MIN (to, now): what "by the end of the period" can know */
  JsonArray       *columns;
  GHashTable      *rows;     /* user id ("" for none) → JsonObject, owned by order */
  GPtrArray       *order;    /* JsonObject rows in the order shown */
  JsonObject      *totals;
  char            *owned_pipeline;  /* a pipeline the report chose itself (conversion) */
  GTimeZone       *zone;     /* the days' zone (crm_report_dup_zone) */
  JsonObject      *extra;    /* members added to the report ("series") */
  gboolean         from_rows;  /* count from the rows alone, not the day totals */
  gint64           range_from; /* :a, :b — a part of the period read from the rows */
  gint64           range_to;
  gint64           day_from;   /* :dlo, :dhi — the whole UTC days read from report_day */
  gint64           day_to;
  gboolean         months;     /* :dlo, :dhi are report_month's blocks of 32 days */
  char            *months_sql; /* the last query turned to them (_crm_report_days_sql) */
} CrmReport;

typedef void (*CrmReportRowFunc) (CrmReport  *report,
                                  JsonObject *row,
                                  gpointer    user_data);

/* Adds a column; returns it (to add e.g. the stage it stands for). */
JsonObject *_crm_report_add_column (CrmReport        *report,
                                    const char       *key,
                                    const char       *label,
                                    const char       *type);
/* The row of employee @user_id (NULL: "no responsible"), made on first use. */
JsonObject *_crm_report_row        (CrmReport        *report,
                                    const char       *user_id);
/* Adds @delta to @key of @row and of the totals. */
void        _crm_report_count      (CrmReport        *report,
                                    JsonObject       *row,
                                    const char       *key,
                                    gint64            delta);
/* links.@key of @object (a row or the totals), made when missing. */
JsonArray  *_crm_report_links      (JsonObject       *object,
                                    const char       *key);
/* Lists @id under links.@key of @row and of the totals (the deals behind a figure). */
void        _crm_report_link       (CrmReport        *report,
                                    JsonObject       *row,
                                    const char       *key,
                                    const char       *id);
/* Appends @id to a row's links @ids and to the totals' @all_ids. */
void        _crm_report_link_both  (JsonArray        *ids,
                                    JsonArray        *all_ids,
                                    const char       *id);
/* @key = 100 · @part / @whole with one decimal; null when @whole is 0. */
void        _crm_report_share      (JsonObject       *row,
                                    const char       *key,
                                    gint64            part,
                                    gint64            whole);
/* @key = the @percent-th percentile (50: the median) of @values (reordered in place);
 * null when there are none. */
void        _crm_report_percentile (JsonObject       *row,
                                    const char       *key,
                                    GArray           *values,
                                    guint             percent);
/* Every employee's row, then the totals. */
void        _crm_report_each_row   (CrmReport        *report,
                                    CrmReportRowFunc  func,
                                    gpointer          user_data);
/* Binds whichever of :from :to :now :user :grp :pipeline :a :b :dlo :dhi @stmt names. */
void        _crm_report_bind       (CrmReport        *report,
                                    sqlite3_stmt     *stmt);
/* TRUE for SQLITE_DONE; else the store's SQL error, naming @what. */
gboolean    _crm_report_step_error (CrmReport        *report,
                                    int               rc,
                                    const char       *what,
                                    GError          **error);

gboolean    _crm_report_dashboard      (CrmReport *report, GError **error);
gboolean    _crm_report_tasks          (CrmReport *report, GError **error);
gboolean    _crm_report_conversion     (CrmReport *report, GError **error);
gboolean    _crm_report_cold_activity  (CrmReport *report, GError **error);
gboolean    _crm_report_sales          (CrmReport *report, GError **error);
gboolean    _crm_report_samples        (CrmReport *report, GError **error);
gboolean    _crm_report_debts          (CrmReport *report, GError **error);
gboolean    _crm_report_nps            (CrmReport *report, GError **error);
gboolean    _crm_report_rfm            (CrmReport *report, GError **error);
gboolean    _crm_report_plan           (CrmReport *report, GError **error);
gboolean    _crm_report_calls          (CrmReport *report, GError **error);

G_END_DECLS
