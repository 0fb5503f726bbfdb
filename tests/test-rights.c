/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rights.c — roles as data (issue 20, crm-rights.h), through real voronkactl
 * processes on a truck-dealer replica and a real voronka-server on 127.0.0.1:
 * - the five built-in roles with today's rights; a replica of schema 23 upgraded keeps
 *   every user's role and what each may do;
 * - each right of a custom role, offline: a rep holding it is refused with the right's
 *   words (and in Russian), and allowed once the administrator grants it; other pipelines
 *   keep the default; a head works on their group's deals only; seeing (crm-rights.h's
 *   API, which the server's pull filter uses) follows "see";
 * - roles are the administrator's: a rep may not change one, a role someone holds is not
 *   removed, a built-in one never;
 * - a modified client pushing a forbidden op to the server: refused with the same words
 *   the laptop gives, the deal as it was everywhere. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "crm-call.h"
#include "crm-query.h"
#include "crm-replica-file.h"
#include "crm-rights.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define NOW     "2026-12-07T10:00:00Z"
#define REP     "Денис Морозов"
#define REP2    "Мария Кузнецова"
#define BUYER   "Павел Новиков"
#define MANAGER "Андрей Соколов"
#define SALES   "Продажи"
#define LEASING "Лизинг"
#define WON     "Отгружено"
#define OPEN    "Новая заявка"
#define TRAINEE "Стажёр"

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "init", "--template", "truck-dealer", NULL));
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected «%s» in «%s»", needle, text ? text : "(null)");
}

static gint64
log_length (Fixture *f)
{
  return crm_test_take_length (crm_test_ctl_ok (f->db, NOW, "log", NULL));
}

/* `voronkactl --as @user ARGS…` refused with permission-denied; its message (nothing
 * written). */
#define refused(f, user, ...) \
  refused_argv ((f), (user), (const char *[]) { __VA_ARGS__, NULL })

static char *
refused_argv (Fixture     *f,
              const char  *user,
              const char **args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  gint64 before = log_length (f);
  char *message;

  for (const char *first[] = { "--db", f->db, "--now", NOW, "--json", "--as", user, NULL },
       **p = first; *p != NULL; p++)
    g_ptr_array_add (argv, (gpointer) *p);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) argv->pdata);
  message = crm_test_assert_refused (&run, "permission-denied");
  g_assert_cmpint (log_length (f), ==, before);
  return message;
}

#define ok(f, user, ...) \
  json_node_unref (crm_test_ctl_ok ((f)->db, NOW, "--as", (user), __VA_ARGS__, NULL))

static char *
add_deal (Fixture    *f,
          const char *user,
          const char *pipeline,
          const char *title)
{
  g_autoptr(JsonNode) deal = crm_test_ctl_ok (f->db, NOW, "--as", user, "deal", "add",
                                              "--pipeline", pipeline, "--title", title, NULL);

  return crm_test_dup_id (deal);
}

static JsonObject *
rights_in (JsonObject *role,
           const char *pipeline)
{
  JsonArray *pipelines = json_object_get_array_member (role, "pipelines");
  JsonObject *entry = crm_test_find_object (pipelines, "name", pipeline);

  g_assert_nonnull (entry);
  return entry;
}

/* The five built-in roles, with the rights of today's behaviour. */
static void
test_builtin (Fixture       *f,
              gconstpointer  data)
{
  static const char *const keys[] = { "admin", "head", "manager", "accountant", "rep" };
  g_autoptr(JsonNode) roles = crm_test_ctl_ok (f->db, NOW, "role", "list", NULL);
  JsonArray *array = json_node_get_array (roles);
  JsonObject *role;

  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (array, i), "key"), ==,
                     keys[i]);
  role = crm_test_find_object (array, "key", "rep");
  g_assert_cmpint (json_object_get_int_member (role, "users"), ==, 5);
  g_assert_cmpstr (crm_test_get_string (role, "changes"), ==, "own");
  g_assert_cmpstr (crm_test_get_string (rights_in (role, SALES), "see"), ==, "all");
  g_assert_true (json_object_get_boolean_member (rights_in (role, SALES), "reopen"));
  role = crm_test_find_object (array, "key", "manager");
  g_assert_cmpint (json_object_get_int_member (role, "users"), ==, 2);
  g_assert_cmpstr (crm_test_get_string (role, "changes"), ==, "all");
  role = crm_test_find_object (array, "key", "accountant");
  g_assert_false (json_object_get_boolean_member (rights_in (role, LEASING), "edit"));
  g_assert_true (json_object_get_boolean_member (rights_in (role, LEASING), "export"));
  role = crm_test_find_object (array, "key", "head");
  g_assert_cmpstr (crm_test_get_string (rights_in (role, LEASING), "see"), ==, "group");

  /* the rights a role has once: the built-in rows (written by step 24, before "team" and
   * "approve" existed) have them as the code gives them, a head his group's */
  {
    static const struct { const char *key, *changes, *team; gboolean approve; } once[] = {
      { "admin", "all", "all", TRUE }, { "head", "group", "group", TRUE },
      { "manager", "all", "all", TRUE }, { "accountant", "own", "own", FALSE },
      { "rep", "own", "own", FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (once); i++)
      {
        role = crm_test_find_object (array, "key", once[i].key);
        g_assert_cmpstr (crm_test_get_string (role, "changes"), ==, once[i].changes);
        g_assert_cmpstr (crm_test_get_string (role, "team"), ==, once[i].team);
        g_assert_cmpint (json_object_get_boolean_member (role, "approve"), ==, once[i].approve);
      }
  }
  {
    g_autofree char *stored = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rights FROM role WHERE key = 'manager'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    stored = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_assert_nonnull (strstr (stored, "\"changes\""));
    g_assert_null (strstr (stored, "approve"));
  }
}

/* What today's roles may do, on a replica just made or one upgraded from schema 23. */
static void
assert_todays_behaviour (Fixture *f)
{
  g_autofree char *mine = add_deal (f, REP, SALES, "Седельный тягач для «Вектора»");
  g_autofree char *hers = add_deal (f, REP2, SALES, "Самосвал для карьера");
  g_autofree char *message = NULL;

  ok (f, REP, "deal", "set", mine, "--title", "Два седельных тягача для «Вектора»");
  ok (f, REP, "deal", "move", mine, "--stage", WON);
  ok (f, REP, "deal", "move", mine, "--stage", OPEN);
  message = refused (f, REP, "deal", "set", hers, "--title", "Чужая");
  assert_has (message, "belongs to another sales rep");
  ok (f, MANAGER, "deal", "set", hers, "--title", "Самосвал для карьера «Гранит»");
  g_free (message);
  message = refused (f, MANAGER, "stage", "add", "--pipeline", SALES, "Замер");
  assert_has (message, "Only an administrator");
}

/* A replica of schema 23 (no role table, user_version 23) opened by this version: the
 * built-in roles appear, every user keeps their role, and each may do what they did. */
static void
test_upgrade (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) before = crm_test_ctl_ok (f->db, NOW, "user", "list", NULL);
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) roles = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE role; PRAGMA user_version = 23;", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (crm_replica_file_schema (f->db, NULL), ==, 23);

  after = crm_test_ctl_ok (f->db, NOW, "user", "list", NULL);
  g_assert_cmpint (crm_replica_file_schema (f->db, NULL), ==, CRM_SCHEMA_VERSION);
  g_assert_true (json_node_equal (before, after));
  roles = crm_test_ctl_ok (f->db, NOW, "role", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (roles)), ==, 5);
  g_assert_cmpint (json_object_get_int_member (crm_test_find_object (json_node_get_array (roles),
                                                                     "key", "rep"), "users"),
                   ==, 5);
  assert_todays_behaviour (f);
}

static void
test_unchanged (Fixture       *f,
                gconstpointer  data)
{
  assert_todays_behaviour (f);
}

/* The administrator sets one right of the trainee's role. */
static void
set_right (Fixture    *f,
           const char *right)
{
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "set", TRAINEE, "--right", right, NULL));
}

/* Each right of a custom role, one at a time: refused with its words, allowed once
 * granted; the other pipelines keep the default. */
static void
test_each_right (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) role = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *leasing = NULL;
  g_autofree char *message = NULL;
  g_autofree char *out = g_build_filename (f->dir, "deals.csv", NULL);
  g_autofree char *po_dir = crm_test_built_translations ();
  g_auto(CrmTestRun) run = { 0 };

  role = crm_test_ctl_ok (f->db, NOW, "role", "add", TRAINEE, "--like", "rep",
                          "--right", SALES ":edit=no", NULL);
  g_assert_cmpstr (crm_test_get_string (json_node_get_object (role), "name"), ==, TRAINEE);
  g_assert_false (json_object_get_boolean_member (
    rights_in (json_node_get_object (role), SALES), "edit"));
  g_assert_true (json_object_get_boolean_member (
    rights_in (json_node_get_object (role), LEASING), "edit"));
  ok (f, "admin", "user", "set", REP, "--role", TRAINEE);

  /* edit: a new deal, a change, a task on one */
  message = refused (f, REP, "deal", "add", "--pipeline", SALES, "--title", "Тягач");
  assert_has (message, "Your role «" TRAINEE "» does not allow changing deals in the "
                       "pipeline «" SALES "» (the right “edit”)");
  leasing = add_deal (f, REP, LEASING, "Тягач в лизинг");
  set_right (f, SALES ":edit=yes");
  deal = add_deal (f, REP, SALES, "Тягач для «Вектора»");
  set_right (f, SALES ":edit=no");
  g_free (message);
  message = refused (f, REP, "deal", "set", deal, "--title", "Тягач для «Вектора», 2 шт.");
  assert_has (message, "the right “edit”");
  g_free (message);
  message = refused (f, REP, "task", "add", "--deal", deal, "--text", "Позвонить");
  assert_has (message, "the right “edit”");
  ok (f, REP, "deal", "set", leasing, "--title", "Тягач в лизинг, 2 шт.");
  set_right (f, SALES ":edit=yes");
  ok (f, REP, "deal", "set", deal, "--title", "Тягач для «Вектора», 2 шт.");

  /* move_won_lost */
  set_right (f, SALES ":move_won_lost=no");
  g_free (message);
  message = refused (f, REP, "deal", "move", deal, "--stage", WON);
  assert_has (message, "does not allow closing deals as won or lost in the pipeline «" SALES
                       "» (the right “move_won_lost”)");
  set_right (f, SALES ":move_won_lost=yes");
  ok (f, REP, "deal", "move", deal, "--stage", WON);

  /* reopen, in Russian too */
  set_right (f, SALES ":reopen=no");
  g_free (message);
  message = refused (f, REP, "deal", "move", deal, "--stage", OPEN);
  assert_has (message, "does not allow reopening won or lost deals in the pipeline «" SALES
                       "» (the right “reopen”)");
  if (po_dir == NULL)
    crm_test_fail_missing ("the Russian translation is not built");
  g_setenv ("VORONKA_LOCALEDIR", po_dir, TRUE);
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_free (message);
  message = refused (f, REP, "deal", "move", deal, "--stage", OPEN);
  assert_has (message, "Ваша роль «" TRAINEE "» не позволяет возвращать в работу закрытые "
                       "сделки в воронке «" SALES "»");
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("VORONKA_LOCALEDIR");
  set_right (f, SALES ":reopen=yes");
  ok (f, REP, "deal", "move", deal, "--stage", OPEN);

  /* export */
  set_right (f, SALES ":export=no");
  g_free (message);
  message = refused (f, REP, "export", "deals", "--out", out);
  assert_has (message, "does not allow exporting the deals of the pipeline «" SALES
                       "» (the right “export”)");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  /* only leasing's deals: allowed */
  crm_test_ctl (&run, f->db, NOW, "--as", REP, "export", "deals", "--filter",
                "pipeline = \"" LEASING "\"", "--out", out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
  g_remove (out);
  set_right (f, SALES ":export=yes");
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "--as", REP, "export", "deals", "--out", out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));

  /* delete */
  set_right (f, SALES ":delete=no");
  g_free (message);
  message = refused (f, REP, "deal", "delete", deal);
  assert_has (message, "does not allow deleting deals in the pipeline «" SALES
                       "» (the right “delete”)");
  set_right (f, SALES ":delete=yes");
  ok (f, REP, "deal", "delete", deal);

  /* a bad right, said in words */
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "role", "set", TRAINEE, "--right", SALES ":reopen=maybe",
                NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_has (message, "is yes or no");
}

/* "see" and whose deals a role changes: a head works on their group's deals; a role that
 * changes everyone's but sees only its own in a pipeline cannot change the others'. The
 * API the server's pull filter uses answers the same. */
static void
test_see (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *reps = add_deal (f, REP, SALES, "Тягач Дениса");
  g_autofree char *buyers = add_deal (f, BUYER, SALES, "Прицеп Павла");
  g_autofree char *message = NULL;
  g_autofree char *maria = NULL;
  g_autoptr(GError) error = NULL;
  gboolean visible = TRUE;
  CrmRights rights;

  /* Maria heads the sales department (Denis's group, not Pavel's) */
  ok (f, "admin", "user", "set", REP2, "--role", "head");
  ok (f, REP2, "deal", "set", reps, "--title", "Тягач Дениса, согласовано");
  message = refused (f, REP2, "deal", "set", buyers, "--title", "Чужой прицеп");
  assert_has (message, "(the right “see”)");

  store = crm_test_open (f->db);
  maria = crm_query_resolve (store, "user", REP2, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (crm_rights_deal_visible (store, maria, reps, &visible, &error));
  g_assert_no_error (error);
  g_assert_true (visible);
  g_assert_true (crm_rights_deal_visible (store, maria, buyers, &visible, &error));
  g_assert_false (visible);
  g_assert_true (crm_rights_for_user (store, maria, NULL, &rights, &error));
  g_assert_cmpint (rights.see, ==, CRM_SCOPE_GROUP);
  g_clear_object (&store);

  /* a senior who changes everyone's deals but sees only their own in sales */
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "add", "Старший", "--like", "manager",
                                    "--right", SALES ":see=own", NULL));
  ok (f, "admin", "user", "set", REP, "--role", "Старший");
  g_free (message);
  message = refused (f, REP, "deal", "set", buyers, "--title", "Чужой прицеп");
  assert_has (message, "does not allow seeing these deals of the pipeline «" SALES "»");
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "set", "Старший", "--right",
                                    SALES ":see=all", NULL));
  ok (f, REP, "deal", "set", buyers, "--title", "Прицеп Павла, проверено");
}

/* Roles are the administrator's; a role someone holds stays, a built-in one always. */
static void
test_roles_admin (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) roles = NULL;
  g_autofree char *message = NULL;

  message = refused (f, REP, "role", "add", "Логист");
  assert_has (message, "Only an administrator can change roles");
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "add", "Логист", NULL));
  g_free (message);
  message = refused (f, MANAGER, "role", "set", "Логист", "--right", "*:delete=no");
  assert_has (message, "Only an administrator can change roles");
  g_free (message);
  message = refused (f, REP, "user", "set", REP, "--role", "manager");
  assert_has (message, "Only an administrator");

  ok (f, "admin", "user", "set", BUYER, "--role", "Логист");
  crm_test_ctl (&run, f->db, NOW, "role", "remove", "Логист", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_has (message, "is the role of " BUYER);
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "role", "remove", "rep", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  assert_has (message, "built-in role");
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "role", "set", "admin", "--right", "*:delete=no", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "invalid-input");
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "user", "set", BUYER, "--role", "Снабженец", NULL);
  g_free (message);
  message = crm_test_assert_refused (&run, "not-found");
  assert_has (message, "Логист");

  ok (f, "admin", "user", "set", BUYER, "--role", "rep");
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "remove", "Логист", NULL));
  roles = crm_test_ctl_ok (f->db, NOW, "role", "list", NULL);
  g_assert_null (crm_test_find_object (json_node_get_array (roles), "name", "Логист"));
}

/* A template of the truck dealer with @change applied to its parsed JSON, written to
 * @dir; its path. */
static char *
write_template (const char *dir,
                const char *name,
                void      (*change) (JsonObject *root))
{
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "..", "data", "templates",
                                                   "truck-dealer.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (json_parser_load_from_file (parser, source, &error));
  g_assert_no_error (error);
  change (json_node_get_object (json_parser_get_root (parser)));
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (generator, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
set_role (JsonObject *root,
          const char *user,
          const char *role)
{
  JsonArray *users = json_object_get_array_member (root, "users");

  json_object_set_string_member (crm_test_find_object (users, "name", user), "role", role);
}

static void
with_roles (JsonObject *root)
{
  g_autoptr(JsonNode) roles = json_from_string (
    "[{\"name\": \"Логист\", \"like\": \"rep\","
    "  \"rights\": {\"pipelines\": {\"" SALES "\": {\"reopen\": false, \"see\": \"own\"}}}}]",
    NULL);

  json_object_set_member (root, "roles", g_steal_pointer (&roles));
  set_role (root, REP, "Логист");
  set_role (root, REP2, "head");
  set_role (root, BUYER, "accountant");
}

static void
with_admin_like_role (JsonObject *root)
{
  json_object_set_member (root, "roles", json_from_string (
    "[{\"name\": \"Почти админ\", \"like\": \"admin\"}]", NULL));
}

static void
with_unknown_pipeline (JsonObject *root)
{
  json_object_set_member (root, "roles", json_from_string (
    "[{\"name\": \"Логист\", \"rights\": {\"pipelines\": {\"Склад\": {\"edit\": false}}}}]",
    NULL));
}

static void
with_unknown_role (JsonObject *root)
{
  set_role (root, REP, "Снабженец");
}

/* A template gives users the built-in roles head and accountant and roles of its own,
 * with rights per pipeline by name; one that is wrong is refused saying where. */
static void
test_template (void)
{
  g_autofree char *dir = crm_test_make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "replica.db", NULL);
  g_autofree char *good = write_template (dir, "roles.json", with_roles);
  g_autoptr(JsonNode) roles = NULL;
  g_autoptr(JsonNode) users = NULL;
  JsonObject *role;
  struct {
    void      (*change) (JsonObject *root);
    const char *words;
  } bad[] = {
    { with_admin_like_role, "roles[0].like" },
    { with_unknown_pipeline, "“Склад” is not a pipeline of the template" },
    { with_unknown_role, "users[3].role" },
  };

  json_node_unref (crm_test_ctl_ok (db, NOW, "init", "--template", good, NULL));
  roles = crm_test_ctl_ok (db, NOW, "role", "list", NULL);
  role = crm_test_find_object (json_node_get_array (roles), "name", "Логист");
  g_assert_nonnull (role);
  g_assert_cmpint (json_object_get_int_member (role, "users"), ==, 1);
  g_assert_false (json_object_get_boolean_member (rights_in (role, SALES), "reopen"));
  g_assert_cmpstr (crm_test_get_string (rights_in (role, SALES), "see"), ==, "own");
  g_assert_true (json_object_get_boolean_member (rights_in (role, LEASING), "reopen"));
  g_assert_cmpint (json_object_get_int_member (crm_test_find_object (json_node_get_array (roles),
                                                                     "key", "head"), "users"),
                   ==, 1);
  users = crm_test_ctl_ok (db, NOW, "user", "list", NULL);
  g_assert_cmpstr (crm_test_get_string (crm_test_find_object (json_node_get_array (users),
                                                              "name", BUYER), "role"),
                   ==, "accountant");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%u.json", i);
      g_autofree char *path = write_template (dir, name, bad[i].change);
      g_autofree char *other = g_strdup_printf ("%s/bad-%u.db", dir, i);
      g_auto(CrmTestRun) run = { 0 };
      g_autofree char *message = NULL;

      crm_test_ctl (&run, other, NOW, "init", "--template", path, NULL);
      message = crm_test_assert_refused (&run, "invalid-input");
      assert_has (message, bad[i].words);
    }
  crm_test_remove_tree (dir);
}

/* ---- through the server ------------------------------------------------------------------ */

static char *
make_dealer_data (const char *parent)
{
  char *dir = g_build_filename (parent, "server", NULL);

  g_assert_cmpint (crm_test_server_admin (dir, "admin-pw", "account", "create", "dealer",
                                          "--template", "truck-dealer", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  g_assert_cmpint (crm_test_server_admin (dir, "rep-password", "user", "add", "dealer", REP,
                                          "--role", "rep", "--password-stdin", NULL), ==, 0);
  return dir;
}

static JsonNode *
replica_ctl (CrmTestReplica *replica,
             const char     *user,
             ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  for (const char *first[] = { "--db", replica->path, "--now", NOW, "--json", "--as", user, NULL },
       **p = first; *p != NULL; p++)
    g_ptr_array_add (args, (gpointer) *p);
  va_start (ap, user);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl failed (%d): %s%s", run.status, run.out, run.err);
  return crm_test_parse_json (run.out);
}

/* The message of the server's refusal with @code in the account of the data folder
 * @data (its replica keeps each refused op with its code and message). */
static char *
server_refusal (const char *data,
                const char *code)
{
  g_autofree char *accounts = g_build_filename (data, "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (accounts, 0, NULL);
  const char *name;
  char *message = NULL;

  g_assert_nonnull (dir);
  while (message == NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db"))
      {
        g_autofree char *path = g_build_filename (accounts, name, NULL);
        sqlite3 *db = NULL;
        sqlite3_stmt *stmt = NULL;

        g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT message FROM server_rejected"
                                             " WHERE code = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
        sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_ROW)
          message = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
        sqlite3_finalize (stmt);
        sqlite3_close (db);
      }
  g_assert_nonnull (message);
  return message;
}

/* The stage of deal @id on @store, by name. */
static char *
stage_name (CrmStore   *store,
            const char *id)
{
  g_autoptr(JsonObject) deal = crm_store_dup_entity (store, "deal", id);
  g_autoptr(JsonObject) stage = NULL;

  g_assert_nonnull (deal);
  stage = crm_store_dup_entity (store, "stage", json_object_get_string_member (deal, "stage"));
  return g_strdup (json_object_get_string_member (stage, "name"));
}

/* A modified client (it writes without the gates, as the system would) reopening a won
 * deal its role may not reopen: the server refuses the op with the words the laptop
 * gives, and the deal stays won on the server and on the laptop after the next sync. */
static void
test_server_refuses (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  g_autofree char *data = make_dealer_data (tmpdir);
  g_autoptr(CrmTestServer) server = crm_test_server_start (data, FALSE, NULL);
  CrmTestReplica admin = { 0 }, rep = { 0 };
  g_autoptr(CrmSyncReport) report = NULL;
  g_autoptr(JsonNode) deal = NULL;
  g_autoptr(JsonNode) conflicts = NULL;
  g_autoptr(CrmStore) account = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *open_id = NULL;
  g_autofree char *offline = NULL;
  g_autofree char *stage = NULL;
  gboolean found = FALSE;

  crm_test_replica_open (&admin, server, tmpdir, "admin.db", "admin", "admin-pw");
  crm_test_replica_open (&rep, server, tmpdir, "rep.db", REP, "rep-password");

  /* the administrator makes Denis a trainee who may not reopen closed sales deals */
  json_node_unref (replica_ctl (&admin, "admin", "role", "add", TRAINEE, "--like", "rep",
                                "--right", SALES ":reopen=no", NULL));
  json_node_unref (replica_ctl (&admin, "admin", "user", "set", REP, "--role", TRAINEE, NULL));
  report = crm_test_replica_sync (&admin);
  g_assert_cmpuint (report->rejected, ==, 0);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);

  /* Denis wins a deal (allowed) and it reaches the server */
  deal = replica_ctl (&rep, REP, "deal", "add", "--pipeline", SALES, "--title",
                      "Тягач для «Вектора»", NULL);
  id = crm_test_dup_id (deal);
  json_node_unref (replica_ctl (&rep, REP, "deal", "move", id, "--stage", WON, NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 0);

  /* the laptop refuses to reopen it, offline */
  crm_test_ctl (&run, rep.path, NOW, "--as", REP, "deal", "move", id, "--stage", OPEN, NULL);
  offline = crm_test_assert_refused (&run, "permission-denied");
  assert_has (offline, "the right “reopen”");

  /* a modified client writes the move anyway and pushes it */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(JsonObject) row = crm_store_dup_entity (rep.store, "deal", id);

    open_id = crm_query_resolve (rep.store, "stage", OPEN,
                                 json_object_get_string_member (row, "pipeline"), &error);
    g_assert_no_error (error);
    crm_change_set_string (crm_changeset_touch (changeset, "deal", id), "stage", open_id);
    g_assert_true (crm_store_apply (rep.store, changeset, &error));
    g_assert_no_error (error);
  }
  g_free (stage);
  stage = stage_name (rep.store, id);
  g_assert_cmpstr (stage, ==, OPEN);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 1);

  /* refused in the laptop's words (the server keeps them with the refusal); the laptop
   * lists the refusal; the deal won on the server and back on the laptop */
  {
    g_autofree char *message = server_refusal (data, "permission-denied");

    g_assert_cmpstr (message, ==, offline);
  }
  conflicts = replica_ctl (&rep, REP, "conflicts", NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (conflicts)); i++)
    {
      JsonObject *record = json_array_get_object_element (json_node_get_array (conflicts), i);

      if (g_strcmp0 (crm_test_get_string (record, "code"), "permission-denied") == 0)
        {
          g_assert_cmpstr (crm_test_get_string (record, "entity_id"), ==, id);
          /* (a change without its author, as this one: the laptop cannot say which
           * right; see below for one with it) */
          g_assert_nonnull (crm_test_get_string (record, "reason"));
          found = TRUE;
        }
    }
  g_assert_true (found);
  g_free (stage);
  stage = stage_name (rep.store, id);
  g_assert_cmpstr (stage, ==, WON);
  account = crm_test_server_open_account (server);
  g_free (stage);
  stage = stage_name (account, id);
  g_assert_cmpstr (stage, ==, WON);
  g_clear_object (&account);

  /* the role changes while Denis works offline: he reopens the deal as his role allowed
   * then; the administrator's change reaches the server first, so the server refuses
   * the move, and his laptop says why in the words it would use itself now */
  json_node_unref (replica_ctl (&admin, "admin", "role", "set", TRAINEE, "--right",
                                SALES ":reopen=yes", NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&admin);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  json_node_unref (replica_ctl (&rep, REP, "deal", "move", id, "--stage", OPEN, NULL));
  json_node_unref (replica_ctl (&admin, "admin", "role", "set", TRAINEE, "--right",
                                SALES ":reopen=no", NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&admin);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 1);
  g_free (stage);
  stage = stage_name (rep.store, id);
  g_assert_cmpstr (stage, ==, WON);
  g_clear_pointer (&conflicts, json_node_unref);
  conflicts = replica_ctl (&rep, REP, "conflicts", NULL);
  {
    JsonObject *record = json_array_get_object_element (json_node_get_array (conflicts), 0);

    g_assert_cmpstr (crm_test_get_string (record, "code"), ==, "permission-denied");
    g_assert_cmpstr (crm_test_get_string (record, "reason"), ==, offline);
  }

  /* granted: the same move goes through */
  json_node_unref (replica_ctl (&admin, "admin", "role", "set", TRAINEE, "--right",
                                SALES ":reopen=yes", NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&admin);
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  json_node_unref (replica_ctl (&rep, REP, "deal", "move", id, "--stage", OPEN, NULL));
  g_clear_pointer (&report, crm_sync_report_free);
  report = crm_test_replica_sync (&rep);
  g_assert_cmpuint (report->rejected, ==, 0);
  account = crm_test_server_open_account (server);
  g_free (stage);
  stage = stage_name (account, id);
  g_assert_cmpstr (stage, ==, OPEN);
  g_clear_object (&account);

  crm_test_replica_clear (&admin);
  crm_test_replica_clear (&rep);
  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_remove_tree (tmpdir);
}

/* A rep who sees only their own deals may not put their task (or a note on their deal) on
 * a deal they cannot see: refused for the deal it goes to, and nothing written; onto
 * another deal of theirs it goes. */
static void
test_move_onto_unseen (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *mine = NULL;
  g_autofree char *other_mine = NULL;
  g_autofree char *hers = NULL;
  g_autoptr(JsonNode) task = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rep_id = NULL;
  const char *task_id;

  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "add", TRAINEE, "--like", "rep",
                                    "--right", "*:see=own", NULL));
  ok (f, "admin", "user", "set", REP, "--role", TRAINEE);
  mine = add_deal (f, REP, SALES, "Тягач Volvo FH для «Вектора»");
  other_mine = add_deal (f, REP, SALES, "Полуприцеп Krone для «Вектора»");
  hers = add_deal (f, REP2, SALES, "Самосвал для карьера");
  task = crm_test_ctl_ok (f->db, NOW, "--as", REP, "task", "add", "--deal", mine, "--text",
                          "Позвонить в «Вектор»", NULL);
  task_id = crm_test_get_string (json_node_get_object (task), "id");

  store = crm_test_open (f->db);
  rep_id = crm_query_resolve (store, "user", REP, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_changeset_set_actor (changeset, rep_id);
    crm_change_set_string (crm_changeset_touch (changeset, "task", task_id), "deal", hers);
    g_assert_false (crm_store_apply (store, changeset, &error));
    g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED);
    assert_has (error->message, TRAINEE);
    g_clear_error (&error);
  }
  {
    g_autoptr(JsonObject) stored = crm_store_dup_entity (store, "task", task_id);

    g_assert_cmpstr (json_object_get_string_member (stored, "deal"), ==, mine);
  }
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    crm_changeset_set_actor (changeset, rep_id);
    crm_change_set_string (crm_changeset_touch (changeset, "task", task_id), "deal", other_mine);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
}

/* Applies @changeset as @user_id on @store: refused with permission-denied naming the
 * role and the right "see" (the deal's pipeline), nothing written. */
static void
assert_refused_unseen (Fixture      *f,
                       CrmStore     *store,
                       CrmChangeset *changeset,
                       const char   *user_id,
                       const char   *role)
{
  g_autoptr(GError) error = NULL;
  gint64 before = log_length (f);

  crm_changeset_set_actor (changeset, user_id);
  g_assert_false (crm_store_apply (store, changeset, &error));
  g_assert_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED);
  assert_has (error->message, role);
  assert_has (error->message, "does not allow seeing these deals of the pipeline «" SALES "»");
  g_assert_cmpint (log_length (f), ==, before);
}

/* What hangs off a deal a user does not see is not theirs to write, offline: a call
 * logged on it, a notification about it, a note or a file on one of its tasks — refused
 * with the words of the right "see" (a role that changes everyone's deals but sees only
 * its own in «Продажи» too); on a deal they see, each goes. */
static void
test_hanging_on_unseen (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *mine = add_deal (f, REP, SALES, "Тягач Volvo FH для «Вектора»");
  g_autofree char *hers = add_deal (f, REP2, SALES, "Самосвал для карьера");
  g_autoptr(JsonNode) task = crm_test_ctl_ok (f->db, NOW, "--as", REP2, "task", "add", "--deal",
                                              hers, "--text", "Выслать КП карьеру", NULL);
  const char *task_id = crm_test_get_string (json_node_get_object (task), "id");
  const char *roles[] = { TRAINEE, "Старший" };
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rep_id = NULL;

  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "add", TRAINEE, "--like", "rep",
                                    "--right", "*:see=own", NULL));
  json_node_unref (crm_test_ctl_ok (f->db, NOW, "role", "add", "Старший", "--like", "manager",
                                    "--right", SALES ":see=own", NULL));
  for (guint r = 0; r < G_N_ELEMENTS (roles); r++)
    {
      ok (f, "admin", "user", "set", REP, "--role", roles[r]);
      store = crm_test_open (f->db);
      g_free (rep_id);
      rep_id = crm_query_resolve (store, "user", REP, NULL, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < 2; i++)
        {
          /* the deal he does not see, then his own */
          const char *deal = i == 0 ? hers : mine;
          g_autoptr(CrmChangeset) call = crm_changeset_new ();
          g_autoptr(CrmChangeset) notification = crm_changeset_new ();
          g_autoptr(CrmChangeset) note = crm_changeset_new ();
          g_autofree char *call_id = crm_store_new_id (store);
          g_autofree char *notification_id = crm_store_new_id (store);
          g_autofree char *note_id = crm_store_new_id (store);
          CrmChange *change = crm_changeset_create (call, "call", call_id);

          crm_change_set_string (change, "direction", "out");
          crm_change_set_string (change, "from", "+74951234567");
          crm_change_set_string (change, "to", "+79125550101");
          crm_change_set_string (change, "status", "answered");
          crm_change_set_int (change, "started_at", 1796637600000);
          crm_change_set_string (change, "deal", deal);
          change = crm_changeset_create (notification, "notification", notification_id);
          crm_change_set_string (change, "user", rep_id);
          crm_change_set_string (change, "text", "Перезвонить карьеру");
          crm_change_set_string (change, "deal", deal);
          crm_change_set_bool (change, "read", FALSE);
          crm_change_set_int (change, "created_at", 1796637600000);
          change = crm_changeset_create (note, "note", note_id);
          if (i == 0)
            {
              crm_change_set_string (change, "entity", "task");
              crm_change_set_string (change, "entity_id", task_id);
            }
          else
            {
              crm_change_set_string (change, "entity", "deal");
              crm_change_set_string (change, "entity_id", deal);
            }
          crm_change_set_string (change, "text", "Карьер просит скидку");
          crm_change_set_int (change, "created_at", 1796637600000);
          if (i == 0)
            {
              assert_refused_unseen (f, store, call, rep_id, roles[r]);
              assert_refused_unseen (f, store, notification, rep_id, roles[r]);
              assert_refused_unseen (f, store, note, rep_id, roles[r]);
              continue;
            }
          crm_changeset_set_actor (call, rep_id);
          crm_changeset_set_actor (notification, rep_id);
          crm_changeset_set_actor (note, rep_id);
          g_assert_true (crm_store_apply (store, call, &error));
          g_assert_no_error (error);
          g_assert_true (crm_store_apply (store, notification, &error));
          g_assert_no_error (error);
          g_assert_true (crm_store_apply (store, note, &error));
          g_assert_no_error (error);
        }
      g_clear_object (&store);
    }
}

/* Issue 20: who heads a group, who takes calls as a manager and which group is rung
 * first are asked of the roles' rights, not their names: Андрей heading the sales group
 * with the built-in «head» role is its head (the manager of another group was, when only
 * "manager" counted) and his group the one rung first; a custom role overseeing
 * everyone's work takes calls as a manager; a custom role like the sales rep's heads
 * nothing. The telephony's description and the rules' "group_head:G" read the replica
 * (a real SQLite file). */
static void
test_heads_and_custom (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonObject) described = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  g_autofree char *manager_id = NULL;
  g_autofree char *first_id = NULL;
  CrmCallSettings settings = { 0 };
  JsonArray *managers;

  ok (f, "admin", "user", "set", MANAGER, "--role", "head");
  ok (f, "admin", "role", "add", "Дежурный", "--like", "rep", "--right", "team=all");
  ok (f, "admin", "user", "set", "Сергей Волков", "--role", "Дежурный");
  ok (f, "admin", "role", "add", TRAINEE, "--like", "rep");
  ok (f, "admin", "user", "set", "Игорь Лебедев", "--role", TRAINEE);
  store = crm_test_open (f->db);
  described = crm_call_describe_settings (store, &settings, &error);
  g_assert_no_error (error);
  /* four who work deals in sales (a head among them), two in purchasing */
  g_assert_cmpstr (crm_test_get_string (described, "ring_group"), ==, "Отдел продаж");
  g_assert_cmpstr (crm_test_get_string (described, "head"), ==, MANAGER);
  managers = json_object_get_array_member (described, "managers");
  g_assert_cmpuint (json_array_get_length (managers), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (managers, 0), ==, "Сергей Волков");

  manager_id = crm_query_resolve (store, "user", MANAGER, NULL, &error);
  g_assert_no_error (error);
  head = crm_rights_group_head (store, "Отдел продаж");
  g_assert_cmpstr (head, ==, manager_id);
  g_free (head);
  /* the trainee's role heads nothing: the purchasing group's head is its first member */
  head = crm_rights_group_head (store, "Отдел закупок");
  first_id = crm_query_resolve (store, "user", "Елена Фёдорова", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (head, ==, first_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, crm_test_replica_dir_tear_down)
  ADD ("/rights/builtin", test_builtin);
  ADD ("/rights/unchanged", test_unchanged);
  ADD ("/rights/upgrade-from-23", test_upgrade);
  ADD ("/rights/each-right", test_each_right);
  ADD ("/rights/see-and-group", test_see);
  ADD ("/rights/roles-are-the-admins", test_roles_admin);
  ADD ("/rights/move-onto-unseen-deal", test_move_onto_unseen);
  ADD ("/rights/hanging-on-unseen-deal", test_hanging_on_unseen);
  ADD ("/rights/heads-and-custom-roles", test_heads_and_custom);
#undef ADD
  g_test_add_func ("/rights/template", test_template);
  g_test_add_func ("/rights/server-refuses", test_server_refuses);
  return g_test_run ();
}
