/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schema.h — what entity types exist, which fields are columns, and migrations.
 *
 * Every replicated entity type has a table with the same shape:
 *   id TEXT PRIMARY KEY, <typed columns…>, deleted INTEGER, data TEXT (JSON object of
 *   custom and unknown fields, canonical key order), clocks TEXT (JSON object
 *   field → "hlc16hex device"), hlc INTEGER (the greatest field clock: updated_at).
 * A field named in the descriptor is a column; any other field goes into `data`.
 * Derived tables (contact_token) are rebuilt from replicated facts, never replicated. */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef enum {
  CRM_COLUMN_TEXT,
  CRM_COLUMN_INT,     /* integers: money minor units, UTC ms, positions */
  CRM_COLUMN_BOOL,    /* stored as 0/1 */
  CRM_COLUMN_JSON,    /* arrays/objects stored as canonical JSON text */
} CrmColumnKind;

typedef struct {
  const char    *name;
  CrmColumnKind  kind;
} CrmColumn;

typedef struct {
  const char       *name;      /* entity type and table name: "deal" */
  const CrmColumn  *columns;   /* NULL-name terminated; excludes id/deleted/data/clocks/hlc */
} CrmEntityType;

/* NULL for an entity type this version does not know. */
const CrmEntityType *crm_schema_lookup       (const char *entity);
const CrmEntityType *const *crm_schema_types (void);
const CrmColumn     *crm_entity_type_column  (const CrmEntityType *type,
                                              const char          *field);

/* The condition of the deal_owing index (schema 22) on the deal data column @data:
 * a deferral or a debt above 0. */
#define CRM_SCHEMA_OWING_WHERE(data) \
  " (coalesce (json_extract (" data ", '$.payment_deferral_days'), 0) > 0" \
  " OR coalesce (json_extract (" data ", '$.debt'), 0) > 0)"

/* Bring the database to CRM_SCHEMA_VERSION (PRAGMA user_version), step by step. */
gboolean  crm_schema_migrate (sqlite3  *db,
                              GError  **error);

/* How far an update of the schema got, told in the thread that runs it: before each step
 * (@step of @n_steps, from 0) and now and then while one runs (SQLite's progress handler,
 * at most every 50 ms), so a front end can show that work goes on. */
typedef void (*CrmSchemaProgress) (guint    step,
                                   guint    n_steps,
                                   gpointer user_data);

/* A long statement's progress told to a front end and its cancellation: what
 * crm_schema_progress_handler() reads. @step of @n_steps is what it tells. */
typedef struct {
  CrmSchemaProgress  progress;
  gpointer           progress_data;
  GCancellable      *cancellable;
  guint              step;
  guint              n_steps;
  gint64             last_told;
} CrmSchemaRun;

/* SQLite's progress handler (sqlite3_progress_handler(), @data a CrmSchemaRun) for a
 * schema step or another long statement of the update (the VACUUM after it): tells the
 * run's progress at most every 50 ms, and interrupts the statement (non-zero) once the
 * run's cancellable is cancelled. */
int       crm_schema_progress_handler (void *data);

/* crm_schema_migrate() that tells @progress (may be NULL) how far it got and stops when
 * @cancellable (may be NULL) is cancelled: the step in progress is interrupted and rolled
 * back (each step is one transaction), the steps before it stay, and the error is
 * G_IO_ERROR_CANCELLED. */
gboolean  crm_schema_migrate_full (sqlite3            *db,
                                   CrmSchemaProgress   progress,
                                   gpointer            progress_data,
                                   GCancellable       *cancellable,
                                   GError            **error);

/* Appends to @sql the statements that compute every table the triggers keep
 * (deal_stage_total, deal_tag_total, report_day, report_month, deal_report,
 * deal_no_task, rfm_won) anew from the rows, set by set: what a bulk copy made with triggers off
 * runs before it turns them on again (crm-snapshot-install.c). contact_prefix is not
 * among them. */
void      crm_schema_append_totals_fill (GString *sql);

/* Appends to @sql the statements that compute report_day's and report_month's companies
 * and contacts anew from their rows, run with triggers off: what a bulk apply that wrote
 * only companies and contacts with triggers off runs before its commit
 * (crm-store-apply.c). Those two tables' only triggers keep these rows. */
void      crm_schema_append_people_totals_fill (GString *sql);

G_END_DECLS
