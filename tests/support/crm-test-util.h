/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-util.h — helpers shared by the test programs: a temporary folder per test,
 * running the real voronkactl, parsing its JSON. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A new empty folder under the system temp dir; remove it with crm_test_remove_tree. */
char     *crm_test_make_tmpdir   (void);
void      crm_test_remove_tree   (const char *path);

typedef struct {
  int    status;    /* exit status */
  char  *out;       /* stdout */
  char  *err;       /* stderr */
} CrmTestRun;

void      crm_test_run_clear     (CrmTestRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrmTestRun, crm_test_run_clear)

/* Runs $VORONKACTL with @args (NULL-terminated), capturing its output. A crash (a
 * signal, or a GLib critical/trace on stderr) fails the test. */
void      crm_test_run_cli_argv  (CrmTestRun         *run,
                                  const char * const *args);
void      crm_test_run_cli       (CrmTestRun *run,
                                  const char *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;

/* Parses @text as JSON, failing the test when it is not. */
JsonNode *crm_test_parse_json    (const char *text);

G_END_DECLS
