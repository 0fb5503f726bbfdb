/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-request.c — requests from outside (crm-request.c) on a real replica made by
 * `voronkactl init --template truck-dealer`: e-mail addresses compared normalized, the
 * sender's contact found whatever the spelling of the address, one request per key,
 * «Спам» added to a pipeline that lacks it, and the senders of requests closed with it. */
#include <string.h>

#include "crm-query.h"
#include "crm-request.h"
#include "crm-test-store.h"
#include "crm-test-util.h"

#define NOW_MS ((gint64) 1772445600000)  /* 2026-03-02T10:00:00Z */

typedef struct {
  char     *dir;
  char     *db;
  CrmStore *store;
  char     *pipeline;
  char     *stage;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "replica.db", NULL);
  done = crm_test_ctl_ok (f->db, NULL, "init", "--template", "truck-dealer", NULL);
  f->store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  crm_store_set_now (f->store, NOW_MS);
  f->pipeline = crm_test_resolve (f->store, "pipeline", "Продажи", NULL);
  f->stage = crm_test_resolve (f->store, "stage", "Новая заявка", f->pipeline);
  g_assert_nonnull (f->stage);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->store);
  crm_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->pipeline);
  g_free (f->stage);
}

static void
test_normalize (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "Ivan.Petrov@Example.RU", "ivan.petrov@example.ru" },
    { "  <sales@franko.test> ", "sales@franko.test" },
    { "mailto:Olga@Cafe.test", "olga@cafe.test" },
    { "Почта@Пример.рф", "почта@пример.рф" },
    { "no-at.example.ru", NULL },
    { "two@at@example.ru", NULL },
    { "@example.ru", NULL },
    { "user@", NULL },
    { "user@localhost", NULL },
    { "user@.example.ru", NULL },
    { "us er@example.ru", NULL },
    { "a@b.ru, c@d.ru", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *normal = crm_email_normalize (cases[i].in);

      g_assert_cmpstr (normal, ==, cases[i].out);
    }
  g_assert_null (crm_email_normalize (NULL));
  g_assert_null (crm_email_normalize ("bad\xff@example.ru"));
}

static char *
take (Fixture    *f,
      const char *key,
      const char *email,
      const char *name,
      gboolean   *out_created,
      char      **out_contact,
      gboolean   *out_new_contact)
{
  CrmRequest request = { 0 };
  g_autoptr(GError) error = NULL;
  char *deal;

  request.key = key;
  request.pipeline_id = f->pipeline;
  request.stage_id = f->stage;
  request.sender_email = email;
  request.sender_name = name;
  request.title = "Нужен тягач";
  request.text = "Здравствуйте!\nНужен тягач Volvo FH.";
  deal = crm_request_take (f->store, &request, out_created, out_contact, out_new_contact,
                           &error);
  g_assert_no_error (error);
  g_assert_nonnull (deal);
  return deal;
}

static void
test_take (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *deal1 = NULL, *deal2 = NULL, *again = NULL;
  g_autofree char *contact1 = NULL, *contact2 = NULL, *found = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE, new_contact = FALSE;

  deal1 = take (f, "message-id:a@example.ru", "ivan.petrov@example.ru", "Иван\tПетров\n",
                &created, &contact1, &new_contact);
  g_assert_true (created);
  g_assert_true (new_contact);
  shown = crm_query_deal (f->store, deal1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (crm_test_get_string (shown, "title"), ==, "Нужен тягач");
  g_assert_cmpstr (crm_test_get_string (shown, "stage"), ==, "Новая заявка");
  g_assert_true (crm_test_has_string (json_object_get_array_member (shown, "contacts"),
                                      "Иван Петров"));

  /* the same key again: nothing written */
  again = take (f, "message-id:a@example.ru", "ivan.petrov@example.ru", NULL, &created, NULL,
                NULL);
  g_assert_false (created);
  g_assert_cmpstr (again, ==, deal1);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM deal", NULL), ==, 1);

  /* a contact added by hand with the address spelled otherwise is the sender */
  found = crm_query_contact_by_email (f->store, "ivan.petrov@example.ru", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, contact1);
  deal2 = take (f, "message-id:b@example.ru", "ivan.petrov@example.ru", "Другое имя",
                &created, &contact2, &new_contact);
  g_assert_true (created);
  g_assert_false (new_contact);
  g_assert_cmpstr (contact2, ==, contact1);
  g_assert_cmpint (crm_test_count_sql (f->store, "SELECT count (*) FROM contact", NULL), ==, 1);
  {
    g_autofree char *none = crm_query_contact_by_email (f->store, "petrov@example.ru", &error);

    g_assert_no_error (error);
    g_assert_null (none);
  }
  {
    g_autoptr(JsonNode) added = crm_test_ctl_ok (f->db, NULL, "contact", "add", "--name",
                                                 "Ольга", "--email", "Olga@Cafe.Test", NULL);
    g_autofree char *olga = crm_test_dup_id (added);
    g_autofree char *by_mail = crm_query_contact_by_email (f->store, "olga@cafe.test", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (by_mail, ==, olga);
  }
}

static void
test_spam (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *deal = NULL;
  g_autofree char *other = NULL;
  g_autoptr(JsonArray) senders = NULL;
  g_autoptr(JsonNode) moved = NULL;
  g_autoptr(GError) error = NULL;
  gboolean added = FALSE;

  /* truck-dealer has no «Спам»: the pipeline gets it, once */
  g_assert_null (crm_query_resolve (f->store, "loss_reason", CRM_SPAM_REASON, f->pipeline, NULL));
  g_assert_true (crm_request_ensure_spam_reason (f->store, f->pipeline, &added, &error));
  g_assert_no_error (error);
  g_assert_true (added);
  g_assert_true (crm_request_ensure_spam_reason (f->store, f->pipeline, &added, &error));
  g_assert_false (added);

  deal = take (f, "message-id:spam@example.ru", "spam@example.ru", "Реклама", NULL, NULL,
               NULL);
  other = take (f, "message-id:ok@example.ru", "client@example.ru", "Клиент", NULL, NULL,
                NULL);
  senders = crm_request_spam_senders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (senders), ==, 0);
  g_clear_pointer (&senders, json_array_unref);

  /* closed as spam by a person, through voronkactl */
  g_clear_object (&f->store);
  moved = crm_test_ctl_ok (f->db, NULL, "deal", "move", deal, "--stage", "Закрыто и не реализовано",
                           "--loss-reason", CRM_SPAM_REASON, NULL);
  f->store = crm_store_open (f->db, &error);
  g_assert_no_error (error);
  senders = crm_request_spam_senders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (senders), ==, 1);
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (senders, 0), "email"),
                   ==, "spam@example.ru");
  g_assert_cmpstr (crm_test_get_string (json_array_get_object_element (senders, 0), "deal"),
                   ==, deal);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/request/normalize", test_normalize);
  g_test_add ("/request/take", Fixture, NULL, setup, test_take, teardown);
  g_test_add ("/request/spam", Fixture, NULL, setup, test_spam, teardown);
  return g_test_run ();
}
