/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-account.c — the whole account as JSON (issue 20): `voronkactl export account` of
 * the truck dealer's demo (with a payer and a saved list of deals), `import account` into a
 * new account, and every list the CLI
 * prints (--json) the same, entity by entity; no rule acted on the imported records, and
 * the rules are on again. Refused, with nothing written: an account that already holds
 * records, a file cut short, one nested without end, one whose deal names a stage that
 * exists nowhere. */
#include <string.h>

#include "crm-test-util.h"

typedef struct {
  char *dir;
  char *db;
  char *file;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CrmTestRun) run = { 0 };

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  f->file = g_build_filename (f->dir, "account.json", NULL);
  crm_test_run_cli (&run, "--db", f->db, "--now", "2026-03-02T09:00:00Z", "init", "--template",
                    "truck-dealer", "--demo", NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  /* the payers' directory and a call list travel too */
  crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "payer", "add", "--name",
                    "ПАО Сбербанк", "--inn", "7707083893", NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "list", "save", "Обзвон Volvo",
                    "--entity", "deal", "--filter", "tags any (Volvo) and status = open", NULL);
  g_assert_cmpint (run.status, ==, 0);
  crm_test_run_clear (&run);
  crm_test_run_cli (&run, "--db", f->db, "--as", "admin", "export", "account", "--out", f->file,
                    NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->file);
}

static char *
new_account (Fixture    *f,
             const char *name,
             const char *template)
{
  char *db = g_build_filename (f->dir, name, NULL);
  g_auto(CrmTestRun) run = { 0 };

  crm_test_run_cli (&run, "--db", db, "init", "--template", template, NULL);
  g_assert_cmpint (run.status, ==, 0);
  return db;
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

/* A list the CLI prints, canonical: its items' JSON sorted, @drop members left out. */
static char *
listing (const char        *db,
         const char *const *args,
         const char *const *drop)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *items;

  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, (gpointer) db);
  g_ptr_array_add (argv, (gpointer) "--as");
  g_ptr_array_add (argv, (gpointer) "admin");
  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) argv->pdata);
  g_assert_cmpint (run.status, ==, 0);
  node = crm_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  items = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      g_autoptr(JsonGenerator) generator = json_generator_new ();

      for (guint d = 0; drop != NULL && drop[d] != NULL && JSON_NODE_HOLDS_OBJECT (item); d++)
        json_object_remove_member (json_node_get_object (item), drop[d]);
      json_generator_set_root (generator, item);
      g_ptr_array_add (lines, json_generator_to_data (generator, NULL));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s\n", (char *) lines->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n;
}

static void
assert_same (const char        *a,
             const char        *b,
             const char *const *args,
             const char *const *drop)
{
  g_autofree char *left = listing (a, args, drop);
  g_autofree char *right = listing (b, args, drop);

  if (g_strcmp0 (left, right) != 0)
    g_test_message ("`%s` differs", args[0]);
  g_assert_cmpstr (right, ==, left);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *fresh = new_account (f, "fresh.db", "truck-dealer");
  g_auto(CrmTestRun) run = { 0 };
  g_autoptr(JsonNode) report = NULL;
  JsonObject *entities;
  static const char *const no_number[] = { "number", "updated_at", NULL };
  static const char *const pipelines[] = { "pipelines", NULL };
  static const char *const users[] = { "user", "list", NULL };
  static const char *const tags[] = { "tag", "list", NULL };
  static const char *const reasons[] = { "reason", "list", "--pipeline", "Продажи", NULL };
  static const char *const rules[] = { "rules", NULL };
  static const char *const contacts[] = { "contact", "list", NULL };
  static const char *const deals[] = { "deal", "list", "--limit", "1000000", NULL };
  static const char *const tasks[] = { "task", "list", NULL };
  static const char *const payers[] = { "payer", "list", NULL };
  static const char *const lists[] = { "list", "list", NULL };
  g_autofree char *task_list = NULL;
  g_autofree char *deal_list = NULL;

  crm_test_run_cli (&run, "--db", fresh, "--as", "admin", "--json", "import", "account", f->file,
                    NULL);
  g_assert_cmpint (run.status, ==, 0);
  report = crm_test_parse_json (run.out);
  entities = json_object_get_object_member (json_node_get_object (report), "entities");
  g_assert_cmpint (json_object_get_int_member (entities, "contact"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (entities, "deal"), ==, 327);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (report), "rules_enabled"), >, 0);

  assert_same (f->db, fresh, pipelines, NULL);
  assert_same (f->db, fresh, users, NULL);
  assert_same (f->db, fresh, tags, NULL);
  assert_same (f->db, fresh, reasons, NULL);
  /* the rules as they were, on again */
  assert_same (f->db, fresh, rules, NULL);
  assert_same (f->db, fresh, contacts, NULL);
  /* the server gives deals their numbers; "updated_at" is when the import wrote them */
  assert_same (f->db, fresh, deals, no_number);
  /* no rule made a task for an imported deal */
  assert_same (f->db, fresh, tasks, NULL);
  assert_same (f->db, fresh, payers, NULL);
  assert_same (f->db, fresh, lists, NULL);
  g_assert_cmpint (json_object_get_int_member (entities, "payer"), ==, 1);
  g_assert_cmpuint (crm_test_take_length (crm_test_ctl_ok (fresh, NULL, "deal", "list",
                                                           "--list", "Обзвон Volvo", NULL)),
                    >, 0);
  task_list = listing (fresh, tasks, NULL);
  deal_list = listing (fresh, deals, NULL);
  g_assert_cmpuint (count_lines (deal_list), ==, 327);
  g_assert_cmpuint (count_lines (task_list), >, 0);

  /* a second time: the account holds records now; refused, nothing written */
  {
    g_auto(CrmTestRun) again = { 0 };
    g_autofree char *after = NULL;

    crm_test_run_cli (&again, "--db", fresh, "--as", "admin", "import", "account", f->file, NULL);
    g_assert_cmpint (again.status, ==, 1);
    g_assert_nonnull (strstr (again.err, "already holds contacts, companies or deals"));
    after = listing (fresh, deals, NULL);
    g_assert_cmpstr (after, ==, deal_list);
  }
}

/* Into an account made from another template: the truck dealer's pipelines and stages
 * are added by name beside the distributor's, and the deals sit in them. */
static void
test_other_template (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *other = new_account (f, "other.db", "b2b-distributor");
  g_auto(CrmTestRun) run = { 0 };
  static const char *const no_number[] = { "number", "updated_at", NULL };
  static const char *const deals[] = { "deal", "list", "--limit", "1000000", NULL };
  static const char *const contacts[] = { "contact", "list", NULL };
  g_autoptr(JsonNode) pipelines = NULL;

  crm_test_run_cli (&run, "--db", other, "--as", "admin", "import", "account", f->file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_same (f->db, other, deals, no_number);
  assert_same (f->db, other, contacts, NULL);
  pipelines = crm_test_ctl_ok (other, NULL, "pipelines", NULL);
  g_assert_nonnull (crm_test_find_object (json_node_get_array (pipelines), "name", "Сделки"));
  g_assert_nonnull (crm_test_find_object (json_node_get_array (pipelines), "name", "Продажи"));
}

static void
refused (Fixture    *f,
         const char *db,
         const char *bytes,
         gssize      length,
         const char *expected)
{
  g_autofree char *path = g_build_filename (f->dir, "bad.json", NULL);
  g_auto(CrmTestRun) run = { 0 };
  static const char *const deals[] = { "deal", "list", "--limit", "1000000", NULL };
  g_autofree char *before = listing (db, deals, NULL);
  g_autofree char *after = NULL;

  g_assert_true (g_file_set_contents (path, bytes, length, NULL));
  crm_test_run_cli (&run, "--db", db, "--as", "admin", "import", "account", path, NULL);
  g_assert_cmpint (run.status, ==, 1);
  if (strstr (run.err, expected) == NULL)
    g_test_message ("stderr: %s", run.err);
  g_assert_nonnull (strstr (run.err, expected));
  after = listing (db, deals, NULL);
  g_assert_cmpstr (after, ==, before);
}

static void
test_bad_files (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *fresh = new_account (f, "fresh.db", "truck-dealer");
  g_autofree char *text = NULL;
  g_autofree char *dangling = NULL;
  g_autoptr(GString) deep = g_string_new ("{\"voronka_account\": 1, \"entities\": ");
  gsize length = 0;
  const char *stage;

  g_assert_true (g_file_get_contents (f->file, &text, &length, NULL));
  refused (f, fresh, text, (gssize) (length / 2), "not valid JSON");
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  refused (f, fresh, deep->str, -1, "nests deeper than");
  refused (f, fresh, "{\"rows\": []}", -1, "not an account file");

  /* a deal whose stage is nowhere: the first deal's stage id made up */
  stage = strstr (strstr (text, "\"deal\":[{"), "\"stage\"");
  g_assert_nonnull (stage);
  dangling = g_strdup (text);
  {
    char *at = dangling + (stage - text);
    char *quote = strchr (at + strlen ("\"stage\""), '"');

    g_assert_nonnull (quote);
    memcpy (quote + 1, "ffffffff", 8);
  }
  refused (f, fresh, dangling, -1, "neither the file nor this account holds");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/account/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("round-trip", test_round_trip);
  ADD ("other-template", test_other_template);
  ADD ("bad-files", test_bad_files);
#undef ADD

  return g_test_run ();
}
