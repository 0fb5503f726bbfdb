/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-pg.h — a real PostgreSQL for the tests of the server's PostgreSQL backend:
 * Debian's binaries (/usr/lib/postgresql/15/bin, or $VORONKA_PG_BIN) make a cluster in a
 * temporary folder (as the unprivileged user `postgres`, or `nobody`, when the tests run
 * as root), listening only on a unix socket in that folder. One cluster per test program,
 * started on first use and stopped when the program exits (or dies: it follows its
 * parent); each caller gets a database of its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the protocol tests run against PostgreSQL (VORONKA_TEST_DATABASE=postgresql,
 * set by the second registration of a test in tests/meson.build). */
gboolean  crm_test_pg_wanted        (void);

/* The URL (for voronka-server --database) of a new, empty database; NULL after
 * crm_test_fail_missing() when PostgreSQL cannot run here. */
char     *crm_test_pg_new_database  (void);

/* Like crm_test_pg_new_database(), but a test that cannot have one stops here (failed,
 * saying what was missing). */
char     *crm_test_pg_require_database (void);

/* What psql -At prints for @sql in the database @url, without the final newline. */
char     *crm_test_pg_query         (const char *url,
                                     const char *sql);

/* Stops the cluster as a crash would (@crash: SIGQUIT, immediate shutdown, recovery on
 * start) or cleanly (a fast shutdown, every session cut), from any thread; every
 * database keeps its data. */
void      crm_test_pg_stop          (gboolean    crash);
/* Starts the stopped cluster again and waits until it takes connections. Only from the
 * main thread: PostgreSQL goes when the thread that started it ends (PR_SET_PDEATHSIG
 * follows the thread, not the process). */
void      crm_test_pg_start         (void);

G_END_DECLS
