/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-store.h — helpers for tests that look into a replica directly: the state a
 * user would see, counted or checked with SQL on the real file. */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* The first column of the first row of @sql (one optional text parameter ?1), or -1
 * when there is no row; a statement SQLite refuses fails the test. */
gint64    crm_test_count_sql         (CrmStore   *store,
                                      const char *sql,
                                      const char *param);

/* The first column of every row of @sql (one optional text parameter ?1), as strings. */
GPtrArray *crm_test_column           (CrmStore   *store,
                                      const char *sql,
                                      const char *param);

/* crm_query_resolve() that fails the test on an error (NULL when not found). */
char     *crm_test_resolve           (CrmStore   *store,
                                      const char *entity,
                                      const char *name,
                                      const char *scope);

/* Opens the SQLite file at @path read-only on its own connection and asserts that
 * PRAGMA integrity_check says "ok". */
void      crm_test_assert_integrity  (const char *path);

/* Damages the table @table of the closed replica at @path, as a bad disk does: its root
 * page and its indexes' are overwritten with garbage (the WAL is checkpointed first).
 * The replica still opens; every read of that table fails as damaged. */
void      crm_test_damage_table      (const char *path,
                                      const char *table);

/* A new deal @title in «Продажи», stage «Новая заявка», 100 000 RUB, written through
 * crm_store_apply (failing the test on an error); its id. */
char     *crm_test_new_deal          (CrmStore   *store,
                                      const char *title);

/* A report (crm_report_run()) as text: its rows (sorted) and totals, each as its columns'
 * values in the columns' order, and the series when there is one. */
char     *crm_test_report_text       (JsonNode   *report);

/* The changelog of the replica at @path written as schema 26 stored it (each row's device
 * and actor as text, not as a number of clock_word), without schema 27's attachment_hash
 * index, and the file marked schema 26: what a replica of that version holds. The
 * replica must not be open. */
void      crm_test_write_schema_26   (const char *path);

/* The clocks of every row of the replica at @path written as schema 25 stored them (the
 * grouped JSON of @state, its dump), its clock_word dropped and the file marked schema 25
 * (after crm_test_write_schema_26): what a replica of that version holds. The replica
 * must not be open. */
void      crm_test_write_schema_25   (const char *path,
                                      const char *state);

/* Every op of @store's log as the protocol carries it (its device and author too), one
 * JSON object a line. */
char     *crm_test_log_lines         (CrmStore   *store);

/* The one integer @sql reads from the file at @path (opened by a connection of its own). */
gint64    crm_test_file_int          (const char *path,
                                      const char *sql);

G_END_DECLS
