/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-bad-data.c — «Данные на исправление» (issue 17, S4-7) through real voronkactl
 * processes with a pinned clock: phones, e-mails and INNs written before the input
 * standard (here through the store, as an old import did) are kept as typed and listed
 * per manager; each manager is notified of theirs; fixing the card clears the list and
 * the notification. */
#include "config.h"

#include <string.h>

#include "crm-store.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"
#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)

typedef CrmTestReplicaDir Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  json_node_unref (OK (f, "init", "--template", "event-organizer"));
}

static JsonNode *
strings (const char *first,
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

/* A card as an import made before the standard wrote it: values kept as typed. */
static char *
legacy_card (Fixture    *f,
             const char *entity,
             const char *name,
             const char *responsible,
             JsonNode   *phones,
             JsonNode   *emails,
             const char *inn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_store_open (f->db, &error);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user = crm_test_resolve (store, "user", responsible, NULL);
  char *id;
  CrmChange *change;

  g_assert_no_error (error);
  crm_store_set_now (store, 1772445600000);
  id = crm_store_new_id (store);
  change = crm_changeset_create (changeset, entity, id);
  crm_change_set_string (change, "name", name);
  crm_change_set_string (change, "responsible", user);
  if (phones != NULL)
    crm_change_set_node (change, "phones", phones);
  if (emails != NULL)
    crm_change_set_node (change, "emails", emails);
  if (inn != NULL)
    crm_change_set_string (change, "inn", inn);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static guint
count_for (JsonArray  *items,
           const char *id)
{
  return crm_test_count_objects (items, "id", id);
}

static void
test_flagged_and_cleared (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autofree char *olga = NULL, *oleg = NULL, *good = NULL, *firm = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) mine = NULL;
  g_autoptr(JsonNode) notified = NULL;
  g_autoptr(JsonNode) notes = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonObject) shown = NULL;
  JsonArray *items;
  JsonObject *item;

  olga = legacy_card (f, "contact", "Ольга Смирнова", "Олег Ильин",
                      strings ("8 (912) 345-67-89", "звонить после обеда", NULL),
                      strings ("olga@avtoboss", NULL), NULL);
  oleg = legacy_card (f, "contact", "Олег Петров", "Ксения Гусева", NULL,
                      strings ("Oleg.Petrov@Mail.ru", NULL), NULL);
  good = legacy_card (f, "contact", "Анна Белова", "Олег Ильин", strings ("+79001112233", NULL),
                      strings ("anna@avtoboss.ru", NULL), NULL);
  firm = legacy_card (f, "company", "ООО «Старая база»", "Олег Ильин", NULL, NULL, "7707083894");

  /* kept as typed */
  shown = crm_test_take_object (OK (f, "contact", "show", olga));
  g_assert_true (crm_test_has_string (json_object_get_array_member (shown, "phones"),
                                      "звонить после обеда"));

  /* everyone's list: Olga's three values, Oleg's e-mail, the company's INN; not Anna */
  all = OK (f, "contact", "bad-data");
  items = json_node_get_array (all);
  g_assert_cmpuint (count_for (items, olga), ==, 3);
  g_assert_cmpuint (count_for (items, oleg), ==, 1);
  g_assert_cmpuint (count_for (items, firm), ==, 1);
  g_assert_cmpuint (count_for (items, good), ==, 0);
  item = crm_test_find_object (items, "value", "8 (912) 345-67-89");
  g_assert_cmpstr (crm_test_get_string (item, "problem"), ==, "phone-not-standard");
  g_assert_cmpstr (crm_test_get_string (item, "hint"), ==, "+79123456789");
  item = crm_test_find_object (items, "value", "звонить после обеда");
  g_assert_cmpstr (crm_test_get_string (item, "problem"), ==, "not-a-phone");
  item = crm_test_find_object (items, "value", "olga@avtoboss");
  g_assert_cmpstr (crm_test_get_string (item, "problem"), ==, "not-an-email");
  item = crm_test_find_object (items, "value", "Oleg.Petrov@Mail.ru");
  g_assert_cmpstr (crm_test_get_string (item, "hint"), ==, "oleg.petrov@mail.ru");
  item = crm_test_find_object (items, "value", "7707083894");
  g_assert_cmpstr (crm_test_get_string (item, "problem"), ==, "inn-invalid");

  /* per manager */
  mine = OK (f, "contact", "bad-data", "--responsible", "Ксения Гусева");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (mine)), ==, 1);

  /* each manager notified of their cards, once */
  notified = OK (f, "contact", "bad-data", "--notify");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (notified), "notified"), ==, 3);
  notes = OK (f, "notification", "list", "--user", "Олег Ильин", "--unread");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 2);
  json_node_unref (notes);
  notes = OK (f, "notification", "list", "--user", "Ксения Гусева", "--unread");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 1);
  g_assert_nonnull (strstr (crm_test_get_string (json_array_get_object_element (
                      json_node_get_array (notes), 0), "text"), "Oleg.Petrov@Mail.ru"));
  again = OK (f, "contact", "bad-data", "--notify");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (again), "notified"), ==, 0);

  /* Oleg's e-mail fixed: off the list, his manager's notification cleared */
  {
    /* (through the store: `contact set --email -X` looks X up written to the standard,
     * so it cannot take away a value written otherwise) */
    g_autoptr(GError) error = NULL;
    g_autoptr(CrmStore) store = crm_store_open (f->db, &error);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

    g_assert_no_error (error);
    crm_change_set_node (crm_changeset_touch (changeset, "contact", oleg), "emails",
                         strings ("oleg.petrov@mail.ru", NULL));
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  json_node_unref (again);
  again = OK (f, "contact", "bad-data", "--notify");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (again), "cleared"), ==, 1);
  g_assert_cmpuint (count_for (json_object_get_array_member (json_node_get_object (again), "items"),
                               oleg), ==, 0);
  json_node_unref (notes);
  notes = OK (f, "notification", "list", "--user", "Ксения Гусева", "--unread");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 0);
  json_node_unref (notes);
  notes = OK (f, "notification", "list", "--user", "Олег Ильин", "--unread");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (notes)), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/bad-data/flagged-and-cleared", Fixture, NULL, fixture_set_up,
              test_flagged_and_cleared, crm_test_replica_dir_tear_down);
  return g_test_run ();
}
