/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-duplicates.c — duplicates found and merged (issue 17, S4-6), through real
 * voronkactl processes with a pinned clock and a real voronka-server on 127.0.0.1:
 * groups of likely duplicates with their scores; a merge moving deals, tasks, notes
 * and tags to the survivor and leaving a redirect; bad merges refused naming the cause;
 * an edit made offline on a second laptop to the merged-away contact landing on the
 * survivor after sync; two laptops merging the same contacts in opposite directions at
 * once ending with one survivor on both. */
#include "config.h"

#include <string.h>

#include "crm-store.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"
#define LATER "2026-03-02T11:00:00Z"

typedef struct {
  char          *dir;
  char          *data;
  CrmTestServer *server;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  f->dir = crm_test_make_tmpdir ();
  f->data = g_build_filename (f->dir, "server", NULL);
  g_assert_cmpint (crm_test_server_admin (f->data, "admin-pw", "account", "create", "events",
                                          "--template", "event-organizer", "--admin", "admin",
                                          "--password-stdin", NULL), ==, 0);
  f->server = crm_test_server_start (f->data, FALSE, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  g_clear_pointer (&f->server, crm_test_server_free);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->data);
}

/* voronkactl --db DB --now NOW --json ARGS… with @input on stdin. */
static void
ctl (CrmTestRun  *run,
     const char  *db,
     const char  *input,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, (gpointer) "--now");
  g_ptr_array_add (args, (gpointer) NOW);
  g_ptr_array_add (args, (gpointer) "--json");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_input (run, input, (const char * const *) args->pdata);
}

static JsonNode *
ok (CrmTestRun *run)
{
  if (run->status != 0)
    g_error ("voronkactl failed (%d): %s %s", run->status, run->out, run->err);
  return crm_test_parse_json (run->out);
}

#define OK(db, ...) crm_test_ctl_ok ((db), NOW, __VA_ARGS__, NULL)

static void
sync_replica (Fixture    *f,
              const char *db)
{
  g_auto(CrmTestRun) run = { 0 };

  ctl (&run, db, "admin-pw\n", "sync", "--server", f->server->url, "--user", "admin",
       "--password-stdin", "--ca-file", f->server->cert, NULL);
  json_node_unref (ok (&run));
}

static char *
add_contact (const char *db,
             const char *name,
             const char *phone,
             const char *email)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) db);
  g_ptr_array_add (args, (gpointer) "--now");
  g_ptr_array_add (args, (gpointer) NOW);
  g_ptr_array_add (args, (gpointer) "--json");
  g_ptr_array_add (args, (gpointer) "contact");
  g_ptr_array_add (args, (gpointer) "add");
  g_ptr_array_add (args, (gpointer) "--name");
  g_ptr_array_add (args, (gpointer) name);
  if (phone != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--phone");
      g_ptr_array_add (args, (gpointer) phone);
    }
  if (email != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--email");
      g_ptr_array_add (args, (gpointer) email);
    }
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  return crm_test_dup_id (ok (&run));
}

/* A change the command line has no command for (a note, a task on a contact, a phone
 * typed on the contact), written through the store's one write path. */
static void
store_write (const char *db,
             const char *entity,
             const char *id,
             const char *field,
             JsonNode   *value,
             const char *field2,
             const char *value2)
{
  g_autoptr(CrmStore) store = crm_test_open (db);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  CrmChange *change = crm_changeset_touch (changeset, entity, id);

  crm_store_set_now (store, 1772446000000);
  crm_change_set_node (change, field, value);
  if (field2 != NULL)
    crm_change_set_string (change, field2, value2);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

static JsonObject *
contact_row (const char *db,
             const char *id)
{
  g_autoptr(CrmStore) store = crm_test_open (db);

  return crm_store_dup_entity (store, "contact", id);
}

static gboolean
row_deleted (JsonObject *row)
{
  JsonNode *node = json_object_get_member (row, "deleted");

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_BOOLEAN ? json_node_get_boolean (node)
                                                             : json_node_get_int (node) != 0);
}

static gint64
count (const char *db,
       const char *sql)
{
  g_autoptr(CrmStore) store = crm_test_open (db);

  return crm_test_count_sql (store, sql, NULL);
}

/* The two replicas hold the same state; the lines that differ are printed when not. */
static void
assert_same_state (const char *a,
                   const char *b)
{
  g_autoptr(CrmStore) sa = crm_test_open (a);
  g_autoptr(CrmStore) sb = crm_test_open (b);
  g_autofree char *da = crm_test_dump (sa);
  g_autofree char *dbs = crm_test_dump (sb);
  g_auto(GStrv) la = NULL;
  g_auto(GStrv) lb = NULL;

  if (g_str_equal (da, dbs))
    return;
  la = g_strsplit (da, "\n", -1);
  lb = g_strsplit (dbs, "\n", -1);
  for (guint i = 0; la[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) lb, la[i]))
      g_printerr ("only in %s: %s\n", a, la[i]);
  for (guint i = 0; lb[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) la, lb[i]))
      g_printerr ("only in %s: %s\n", b, lb[i]);
  g_error ("the replicas differ");
}

static JsonNode *
string_array (const char *first,
              ...)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  va_list ap;

  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    json_array_add_string_element (array, s);
  va_end (ap);
  json_node_take_array (node, array);
  return node;
}

static void
test_find_and_merge (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autofree char *db = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *ivanov = NULL, *ivan = NULL, *maria = NULL, *oleg = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *task = NULL;
  g_autofree char *note = NULL;
  g_autoptr(JsonNode) groups = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonObject) survivor = NULL;
  g_autoptr(JsonObject) merged = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  JsonObject *group;
  JsonArray *pairs;
  JsonArray *members;

  json_node_unref (OK (db, "init", "--template", "event-organizer"));
  ivanov = add_contact (db, "Иванов Иван Петрович", "+7 (912) 345-67-89", NULL);
  ivan = add_contact (db, "Иван Иванов", "8 912 345 67 89", "ivanov@avtoboss.ru");
  maria = add_contact (db, "Мария Петрова", NULL, "IVANOV@avtoboss.ru");
  oleg = add_contact (db, "Олег Ильин", "+7 900 111-22-33", "oleg@mail.ru");

  /* one group: the Ivanovs by name and phone (90), the second Ivanov and Maria by
   * e-mail (50); Oleg is nobody's duplicate */
  groups = OK (db, "contact", "duplicates");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (groups)), ==, 1);
  group = json_array_get_object_element (json_node_get_array (groups), 0);
  g_assert_cmpint (json_object_get_int_member (group, "score"), ==, 90);
  members = json_object_get_array_member (group, "members");
  g_assert_cmpuint (json_array_get_length (members), ==, 3);
  g_assert_null (crm_test_find_object (members, "id", oleg));
  pairs = json_object_get_array_member (group, "pairs");
  g_assert_cmpuint (json_array_get_length (pairs), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (pairs, 0), "score"),
                   ==, 90);
  g_assert_true (crm_test_has_string (json_object_get_array_member (
                   json_array_get_object_element (pairs, 0), "reasons"), "phone"));
  g_assert_true (crm_test_has_string (json_object_get_array_member (
                   json_array_get_object_element (pairs, 0), "reasons"), "name"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (pairs, 1), "score"),
                   ==, 50);
  /* a stricter threshold keeps only the strong pair */
  json_node_unref (groups);
  groups = OK (db, "contact", "duplicates", "--min-score", "60");
  group = json_array_get_object_element (json_node_get_array (groups), 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (group, "members")), ==, 2);

  /* what the merged-away card has: a deal, a task, a note, a tag */
  deal = crm_test_dup_id (OK (db, "deal", "add", "--pipeline", "Мероприятия", "--title",
                              "Семинар в Казани", "--contact", ivan));
  task = g_strdup ("0190a000-0000-7000-8000-00000000aa01");
  {
    g_autoptr(CrmStore) store = crm_test_open (db);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change;

    crm_store_set_now (store, 1772446000000);
    change = crm_changeset_create (changeset, "task", task);
    crm_change_set_string (change, "deal", deal);
    crm_change_set_string (change, "contact", ivan);
    crm_change_set_string (change, "text", "Позвонить про семинар");
    crm_change_set_string (change, "type", "call");
    crm_change_set_int (change, "due", 1772460000000);
    crm_change_set_bool (change, "done", FALSE);
    note = crm_store_new_id (store);
    change = crm_changeset_create (changeset, "note", note);
    crm_change_set_string (change, "entity", "contact");
    crm_change_set_string (change, "entity_id", ivan);
    crm_change_set_string (change, "text", "Просил счёт на ООО");
    change = crm_changeset_touch (changeset, "contact", ivan);
    crm_change_set_node (change, "tags", string_array ("vip-tag", NULL));
    crm_change_set_string (change, "position", "Директор");
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }

  /* bad merges are refused and change nothing */
  ctl (&run, db, NULL, "contact", "merge", ivanov, ivanov, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "survivor"));
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);
  ctl (&run, db, NULL, "contact", "merge", ivanov, ivan, "--take", "position=" , NULL);
  g_assert_cmpint (run.status, !=, 0);
  crm_test_run_clear (&run);
  ctl (&run, db, NULL, "contact", "merge", ivanov, ivan, "--take", "birthday=" "x", NULL);
  g_assert_cmpint (run.status, !=, 0);
  crm_test_run_clear (&run);
  {
    g_autofree char *take = g_strconcat ("position=", oleg, NULL);

    ctl (&run, db, NULL, "contact", "merge", ivanov, ivan, "--take", take, NULL);
    message = crm_test_assert_refused (&run, "invalid-input");
    g_assert_nonnull (strstr (message, "not one of the cards"));
    crm_test_run_clear (&run);
    g_clear_pointer (&message, g_free);
  }
  g_assert_cmpint (count (db, "SELECT count (*) FROM contact WHERE deleted = 0"), ==, 4);

  /* the merge: Ivan into Ivanov, Maria's e-mail taken too */
  survivor = crm_test_take_object (OK (db, "contact", "merge", ivanov, ivan));
  g_assert_cmpstr (json_object_get_string_member (survivor, "name"), ==, "Иванов Иван Петрович");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (survivor, "phones")), ==, 1);
  g_assert_true (crm_test_has_string (json_object_get_array_member (survivor, "emails"),
                                      "ivanov@avtoboss.ru"));
  g_assert_true (crm_test_has_string (json_object_get_array_member (survivor, "tags"), "vip-tag"));
  g_assert_cmpstr (json_object_get_string_member (survivor, "position"), ==, "Директор");

  merged = contact_row (db, ivan);
  g_assert_true (row_deleted (merged));
  g_assert_cmpstr (json_object_get_string_member (merged, "merged_into"), ==, ivanov);
  {
    g_autofree char *sql = NULL;

    sql = g_strdup_printf ("SELECT count (*) FROM task WHERE id = '%s' AND contact = '%s'", task, ivanov);
    g_assert_cmpint (count (db, sql), ==, 1);
    g_free (sql);
    sql = g_strdup_printf ("SELECT count (*) FROM note WHERE id = '%s' AND entity_id = '%s'", note, ivanov);
    g_assert_cmpint (count (db, sql), ==, 1);
    g_free (sql);
    sql = g_strdup_printf ("SELECT count (*) FROM deal_contact WHERE deal = '%s' AND contact = '%s'"
                           " AND present = 1 AND deleted = 0", deal, ivanov);
    g_assert_cmpint (count (db, sql), ==, 1);
    g_free (sql);
    sql = g_strdup_printf ("SELECT count (*) FROM deal_contact WHERE contact = '%s'"
                           " AND present = 1 AND deleted = 0", ivan);
    g_assert_cmpint (count (db, sql), ==, 0);
  }
  {
    g_autoptr(JsonObject) shown = crm_test_take_object (OK (db, "deal", "show", deal));
    JsonArray *ids = json_object_get_array_member (shown, "contact_ids");

    g_assert_true (crm_test_has_string (ids, ivanov));
    g_assert_false (crm_test_has_string (ids, ivan));
  }
  /* merged twice: the error says where it went */
  ctl (&run, db, NULL, "contact", "merge", maria, ivan, NULL);
  g_assert_cmpint (run.status, !=, 0);
  crm_test_run_clear (&run);

  /* the contact list has one Ivanov; the remaining group is the e-mail pair */
  after = OK (db, "contact", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (after)), ==, 3);
  json_node_unref (groups);
  groups = OK (db, "contact", "duplicates");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (groups)), ==, 1);
  group = json_array_get_object_element (json_node_get_array (groups), 0);
  g_assert_cmpint (json_object_get_int_member (group, "score"), ==, 50);

  /* undo brings the merged card back with its deal */
  json_node_unref (OK (db, "undo"));
  g_clear_pointer (&merged, json_object_unref);
  merged = contact_row (db, ivan);
  g_assert_false (row_deleted (merged));
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM deal_contact WHERE contact = '%s'"
                                            " AND present = 1 AND deleted = 0", ivan);
    g_assert_cmpint (count (db, sql), ==, 1);
  }
}

/* Names match whatever their case, «ё» or «е», and letters outside Russian and English
 * (the scan folds the usual ones fast and the rest through Unicode case folding); phones
 * typed in any form and e-mails in any case match too. */
static void
test_names_folded (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *db = g_build_filename (f->dir, "names.db", NULL);
  g_autofree char *yolkina = NULL, *elkina = NULL, *muller = NULL, *mueller = NULL;
  g_autofree char *first = NULL, *second = NULL;
  g_autoptr(JsonNode) groups = NULL;
  JsonArray *array;

  json_node_unref (OK (db, "init", "--template", "event-organizer"));
  yolkina = add_contact (db, "Ёлкина Анна Сергеевна", NULL, NULL);
  elkina = add_contact (db, "ЕЛКИНА анна", NULL, NULL);
  muller = add_contact (db, "Müller Hans", NULL, NULL);
  mueller = add_contact (db, "hans MÜLLER", NULL, NULL);
  first = add_contact (db, "Соколов Пётр", "8 (912) 000-11-22", "Sokolov@Mail.RU");
  second = add_contact (db, "Дмитрий Орлов", "+7 912 000 11 22", "sokolov@mail.ru");
  json_node_unref (OK (db, "contact", "add", "--name", "Никто Никакой"));

  groups = OK (db, "contact", "duplicates");
  array = json_node_get_array (groups);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *group = json_array_get_object_element (array, i);
      JsonArray *members = json_object_get_array_member (group, "members");
      JsonArray *reasons = json_object_get_array_member (
        json_array_get_object_element (json_object_get_array_member (group, "pairs"), 0), "reasons");

      g_assert_cmpuint (json_array_get_length (members), ==, 2);
      if (crm_test_find_object (members, "id", first) != NULL)
        {
          g_assert_nonnull (crm_test_find_object (members, "id", second));
          g_assert_true (crm_test_has_string (reasons, "phone"));
          g_assert_true (crm_test_has_string (reasons, "email"));
          g_assert_false (crm_test_has_string (reasons, "name"));
        }
      else if (crm_test_find_object (members, "id", yolkina) != NULL)
        {
          g_assert_nonnull (crm_test_find_object (members, "id", elkina));
          g_assert_true (crm_test_has_string (reasons, "name"));
        }
      else
        {
          g_assert_nonnull (crm_test_find_object (members, "id", muller));
          g_assert_nonnull (crm_test_find_object (members, "id", mueller));
          g_assert_true (crm_test_has_string (reasons, "name"));
        }
    }
}

static void
test_offline_edit_lands_on_survivor (Fixture       *f,
                                     gconstpointer  user_data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.db", NULL);
  g_autofree char *ivanov = NULL, *ivan = NULL;
  g_autofree char *task = g_strdup ("0190a000-0000-7000-8000-00000000bb01");
  g_autoptr(JsonObject) on_a = NULL;
  g_autoptr(JsonObject) on_b = NULL;
  g_autofree char *sql = NULL;

  sync_replica (f, a);
  ivanov = add_contact (a, "Иванов Иван", "+7 912 345-67-89", NULL);
  ivan = add_contact (a, "Иван Иванов", "+7 912 345-67-89", "ivan@avtoboss.ru");
  json_node_unref (OK (a, "company", "add", "--name", "Автобосс"));
  sync_replica (f, a);
  sync_replica (f, b);

  /* laptop B, offline: a second phone typed on the card that is about to be merged
   * away, and a call task on it */
  json_node_unref (OK (b, "contact", "set", ivan, "--phone", "+7 900 111-22-33",
                       "--field", "position=Коммерческий директор", "--company", "+Автобосс"));
  {
    g_autoptr(CrmStore) store = crm_test_open (b);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_create (changeset, "task", task);

    crm_store_set_now (store, 1772446000000);
    crm_change_set_string (change, "contact", ivan);
    crm_change_set_string (change, "text", "Перезвонить по новому номеру");
    crm_change_set_string (change, "type", "call");
    crm_change_set_int (change, "due", 1772460000000);
    crm_change_set_bool (change, "done", FALSE);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }

  /* laptop A merges meanwhile and syncs first */
  json_node_unref (OK (a, "contact", "merge", ivanov, ivan));
  sync_replica (f, a);
  sync_replica (f, b);
  sync_replica (f, a);

  on_a = contact_row (a, ivanov);
  on_b = contact_row (b, ivanov);
  for (int i = 0; i < 2; i++)
    {
      JsonObject *row = i == 0 ? on_a : on_b;
      JsonArray *phones = json_object_get_array_member (row, "phones");

      g_assert_true (crm_test_has_string (phones, "+79001112233"));
      g_assert_true (crm_test_has_string (phones, "+79123456789"));
      g_assert_cmpstr (json_object_get_string_member (row, "position"), ==, "Коммерческий директор");
      g_assert_true (crm_test_has_string (json_object_get_array_member (row, "emails"),
                                          "ivan@avtoboss.ru"));
    }
  sql = g_strdup_printf ("SELECT count (*) FROM task WHERE id = '%s' AND contact = '%s'", task, ivanov);
  g_assert_cmpint (count (a, sql), ==, 1);
  g_assert_cmpint (count (b, sql), ==, 1);
  g_free (sql);
  /* the company the merged-away card was related to offline is the survivor's */
  sql = g_strdup_printf ("SELECT count (*) FROM contact_company WHERE contact = '%s'"
                         " AND present = 1 AND deleted = 0", ivanov);
  g_assert_cmpint (count (a, sql), ==, 1);
  g_assert_cmpint (count (b, sql), ==, 1);
  g_assert_cmpint (count (a, "SELECT count (*) FROM contact WHERE deleted = 0"), ==, 1);
  g_assert_cmpint (count (b, "SELECT count (*) FROM contact WHERE deleted = 0"), ==, 1);
  assert_same_state (a, b);

  /* an edit to the merged-away card after the merge, on B, synced: lands too */
  /* (written through the store: it stands for a program that still shows the old card) */
  store_write (b, "contact", ivan, "position", json_node_init_string (json_node_alloc (), "Владелец"),
               NULL, NULL);
  sync_replica (f, b);
  sync_replica (f, a);
  g_clear_pointer (&on_a, json_object_unref);
  on_a = contact_row (a, ivanov);
  g_assert_cmpstr (json_object_get_string_member (on_a, "position"), ==, "Владелец");
}

static void
test_concurrent_merges (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autofree char *a = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.db", NULL);
  g_autofree char *one = NULL, *two = NULL, *three = NULL;
  g_autoptr(JsonNode) list_a = NULL;
  g_autoptr(JsonNode) list_b = NULL;

  sync_replica (f, a);
  one = add_contact (a, "Гусева Ксения", "+7 912 000-00-01", NULL);
  two = add_contact (a, "Ксения Гусева", NULL, "gusewa@avtoboss.ru");
  three = add_contact (a, "Гусева Ксения Андреевна", "+7 912 000-00-01", NULL);
  sync_replica (f, a);
  sync_replica (f, b);

  /* the same cards merged on both laptops at once, in opposite directions */
  json_node_unref (OK (a, "contact", "merge", one, two));
  json_node_unref (crm_test_ctl_ok (b, LATER, "contact", "merge", two, one, three, NULL));
  sync_replica (f, a);
  sync_replica (f, b);
  sync_replica (f, a);

  list_a = OK (a, "contact", "list");
  list_b = OK (b, "contact", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list_a)), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list_b)), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (json_node_get_array (list_a), 0), "id"),
                   ==,
                   crm_test_get_string (json_array_get_object_element (json_node_get_array (list_b), 0), "id"));
  {
    JsonObject *only = json_array_get_object_element (json_node_get_array (list_a), 0);

    g_assert_true (crm_test_has_string (json_object_get_array_member (only, "emails"),
                                        "gusewa@avtoboss.ru"));
    g_assert_true (crm_test_has_string (json_object_get_array_member (only, "phones"),
                                        "+79120000001"));
  }
  /* the visible state agrees (the clocks of the fields the loop's undoing wrote may
   * differ by the order the merges came in) */
  {
    g_autofree char *ja = json_to_string (list_a, FALSE);
    g_autofree char *jb = json_to_string (list_b, FALSE);

    g_assert_cmpstr (ja, ==, jb);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/duplicates/find-and-merge", Fixture, NULL, fixture_set_up, test_find_and_merge,
              fixture_tear_down);
  g_test_add ("/duplicates/names-folded", Fixture, NULL, fixture_set_up, test_names_folded,
              fixture_tear_down);
  g_test_add ("/duplicates/offline-edit-lands-on-survivor", Fixture, NULL, fixture_set_up,
              test_offline_edit_lands_on_survivor, fixture_tear_down);
  g_test_add ("/duplicates/concurrent-merges", Fixture, NULL, fixture_set_up,
              test_concurrent_merges, fixture_tear_down);
  return g_test_run ();
}
