/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-util.h — helpers shared by the test programs: a temporary folder per test,
 * running the real voronkactl, parsing its JSON. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "crm-store.h"

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
/* The same with @input on its standard input (a password for --password-stdin). */
void      crm_test_run_cli_input (CrmTestRun         *run,
                                  const char         *input,
                                  const char * const *args);
void      crm_test_run_cli       (CrmTestRun *run,
                                  const char *first_arg,
                                  ...) G_GNUC_NULL_TERMINATED;

/* The fixture of the tests that drive voronkactl: a temporary folder and the replica
 * file in it. */
typedef struct {
  char *dir;
  char *db;
} CrmTestReplicaDir;

/* Removes the folder and frees the fixture's strings (a g_test_add() tear-down). */
void      crm_test_replica_dir_tear_down (CrmTestReplicaDir *fixture,
                                          gconstpointer      data);

/* Parses @text as JSON, failing the test when it is not. */
JsonNode *crm_test_parse_json    (const char *text);

/* `voronkactl --db @db [--now @now] --json ARGS…` (@now may be NULL) into @run. */
void      crm_test_ctl           (CrmTestRun *run,
                                  const char *db,
                                  const char *now,
                                  ...) G_GNUC_NULL_TERMINATED;
/* The same for a command that must succeed: its JSON output. A failure fails the
 * test, naming the command and its output. */
JsonNode *crm_test_ctl_ok        (const char *db,
                                  const char *now,
                                  ...) G_GNUC_NULL_TERMINATED;
/* Asserts a refusal of a --json run: exit status 1 and
 * {"error": {"code": @code, "message": "…", "gate": …}}. Returns the message. */
char     *crm_test_assert_refused (const CrmTestRun *run,
                                   const char       *code);

/* The first object of @array whose string @member equals @value, or NULL. */
JsonObject *crm_test_find_object (JsonArray  *array,
                                  const char *member,
                                  const char *value);
/* How many objects of @array have the string @member equal to @value. */
guint     crm_test_count_objects (JsonArray  *array,
                                  const char *member,
                                  const char *value);

/* @member of @object when it is a string, else NULL. */
const char *crm_test_get_string  (JsonObject *object,
                                  const char *member);
/* The "id" of the object @node holds, newly allocated. */
char     *crm_test_dup_id        (JsonNode   *node);
/* Whether @array (may be NULL) has the string @value. */
gboolean  crm_test_has_string    (JsonArray  *array,
                                  const char *value);
/* The length of the array @node holds; takes @node (for "crm_test_take_length
 * (crm_test_ctl_ok (…))"). */
guint     crm_test_take_length   (JsonNode   *node);
/* The object @node holds, as a new reference; takes @node. */
JsonObject *crm_test_take_object (JsonNode   *node);
/* `deal show` of the one deal `deal list --pipeline @pipeline` lists; fails the test
 * when there is not exactly one. */
JsonObject *crm_test_only_deal_in (const char *db,
                                   const char *now,
                                   const char *pipeline);

/* The running test cannot run for @reason: it fails, saying what was missing, so nothing
 * the suite lists goes untested without anyone noticing (CI included). Nothing skips. */
void      crm_test_fail_missing          (const char *reason);

/* Sorted "name|phones|emails|company" lines of the contacts of the replica @db (@what
 * "contact"), or "title|pipeline|stage|amount|responsible|tags" of its deals ("deal"):
 * equal for two replicas that hold the same (an export imported elsewhere). */
char     *crm_test_list_summary          (const char *db,
                                          const char *what);

/* The folder of the build's translations (the po folder next to tests/), when its Russian
 * catalog is built; else NULL. For VORONKA_LOCALEDIR (voronkactl, voronka-server) or
 * bindtextdomain(). */
char     *crm_test_built_translations    (void);

/* An unlocked gnome-keyring (secrets only) on this session bus (RECIPES.md), started
 * before anything D-Bus-activates a locked one, whose unlock prompt would then sit on the
 * test display and take the pointer grab from the next tests' popovers. A daemon already
 * on the bus is kept (one per bus) unless @replace: take over from it (one another test
 * may have left locked). FALSE without a
 * session bus or gnome-keyring-daemon (what failed is a test message). */
gboolean  crm_test_start_keyring (gboolean    replace);

/* The ops of @store waiting to be pushed (crm_sync_state_count_waiting()); fails the
 * test when they cannot be counted. */
gint64    crm_test_count_waiting (CrmStore   *store);

G_END_DECLS
