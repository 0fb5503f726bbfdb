/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-payer.c — the payers' directory (issue 17, S4-11) through real voronkactl
 * processes with a pinned clock: INNs checked by their check digits (10 and 12 digits,
 * valid and mistyped), KPPs by their shape, an INN already there refused naming the
 * payer that has it; a deal's payer apart from its company, a new payer typed on a deal
 * added to the directory, an existing INN used instead of a duplicate. */
#include "config.h"

#include <string.h>

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

static guint
n_payers (Fixture *f)
{
  return crm_test_take_length (OK (f, "payer", "list"));
}

/* A refused `payer add`: the error code, its message holds @needle, nothing added. */
static void
assert_add_refused (Fixture    *f,
                    const char *inn,
                    const char *kpp,
                    const char *needle)
{
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  guint before = n_payers (f);

  if (kpp != NULL)
    crm_test_ctl (&run, f->db, NOW, "payer", "add", "--name", "ООО «Проба»", "--inn", inn,
                  "--kpp", kpp, NULL);
  else
    crm_test_ctl (&run, f->db, NOW, "payer", "add", "--name", "ООО «Проба»", "--inn", inn, NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  if (strstr (message, needle) == NULL)
    g_error ("«%s» does not say «%s»", message, needle);
  g_assert_cmpuint (n_payers (f), ==, before);
}

static void
test_inn_and_kpp (Fixture       *f,
                  gconstpointer  user_data)
{
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonObject) added = NULL;
  JsonObject *payer;

  /* valid: an organization's 10 digits, an entrepreneur's 12 (spaces are dropped) */
  added = crm_test_take_object (OK (f, "payer", "add", "--name", "ПАО Сбербанк",
                                    "--inn", "7707 083 893", "--kpp", "773601001"));
  g_assert_cmpstr (crm_test_get_string (added, "inn"), ==, "7707083893");
  g_assert_cmpstr (crm_test_get_string (added, "kpp"), ==, "773601001");
  json_node_unref (OK (f, "payer", "add", "--name", "ИП Петров Пётр Петрович",
                       "--inn", "500100732259"));

  /* mistyped check digits, wrong lengths, letters, a bad KPP: refused, naming why */
  assert_add_refused (f, "7707083894", NULL, "check digit");
  assert_add_refused (f, "500100732258", NULL, "check digit");
  assert_add_refused (f, "500100732249", NULL, "check digit");
  assert_add_refused (f, "770708389", NULL, "9 digits");
  assert_add_refused (f, "77070838931", NULL, "11 digits");
  assert_add_refused (f, "77O7083893", NULL, "digits only");
  assert_add_refused (f, "7736050003", "77360100", "not a KPP");

  /* the same INN again: refused, naming the payer that has it */
  assert_add_refused (f, "7707083893", NULL, "ПАО Сбербанк");

  list = OK (f, "payer", "list");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  payer = crm_test_find_object (json_node_get_array (list), "inn", "500100732259");
  g_assert_nonnull (payer);
  g_assert_cmpstr (crm_test_get_string (payer, "name"), ==, "ИП Петров Пётр Петрович");
}

static void
test_deal_payer (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_auto(CrmTestRun) run = { 0 };
  g_autofree char *message = NULL;
  JsonObject *payer;

  json_node_unref (OK (f, "company", "add", "--name", "Автосалон «Восток»", "--inn", "7736050003"));
  json_node_unref (OK (f, "payer", "add", "--name", "ПАО Сбербанк", "--inn", "7707083893"));
  deal = crm_test_dup_id (OK (f, "deal", "add", "--pipeline", "Мероприятия", "--title",
                              "Семинар для дилеров", "--company", "Автосалон «Восток»"));

  /* the payer by INN, apart from the company */
  shown = crm_test_take_object (OK (f, "deal", "set", deal, "--payer", "7707083893"));
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  payer = json_object_get_object_member (shown, "payer");
  g_assert_cmpstr (crm_test_get_string (payer, "name"), ==, "ПАО Сбербанк");
  g_assert_cmpstr (crm_test_get_string (shown, "company"), ==, "Автосалон «Восток»");

  /* by name, case ignored */
  g_clear_pointer (&shown, json_object_unref);
  json_node_unref (OK (f, "deal", "set", deal, "--payer", "пао сбербанк"));

  /* a new payer typed on the deal joins the directory */
  json_node_unref (OK (f, "deal", "set", deal, "--payer", "500100732259",
                       "--payer-name", "ИП Петров", "--payer-kpp", ""));
  g_assert_cmpuint (n_payers (f), ==, 2);
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  g_assert_cmpstr (crm_test_get_string (json_object_get_object_member (shown, "payer"), "inn"),
                   ==, "500100732259");

  /* an INN already there is used, not duplicated, whatever name is typed with it */
  json_node_unref (OK (f, "deal", "set", deal, "--payer", "7707083893",
                       "--payer-name", "Сбер (ещё раз)"));
  g_assert_cmpuint (n_payers (f), ==, 2);
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  g_assert_cmpstr (crm_test_get_string (json_object_get_object_member (shown, "payer"), "name"),
                   ==, "ПАО Сбербанк");

  /* unknown, mistyped, half-given: refused with the cause, the deal keeps its payer */
  crm_test_ctl (&run, f->db, NOW, "deal", "set", deal, "--payer", "Рога и копыта", NULL);
  message = crm_test_assert_refused (&run, "not-found");
  g_assert_nonnull (strstr (message, "--payer-name"));
  crm_test_run_clear (&run);
  g_clear_pointer (&message, g_free);
  crm_test_ctl (&run, f->db, NOW, "deal", "set", deal, "--payer", "7736050004",
                "--payer-name", "ООО «Опечатка»", NULL);
  message = crm_test_assert_refused (&run, "invalid-input");
  g_assert_nonnull (strstr (message, "check digit"));
  crm_test_run_clear (&run);
  crm_test_ctl (&run, f->db, NOW, "deal", "set", deal, "--payer-name", "ООО «Без ИНН»", NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_cmpuint (n_payers (f), ==, 2);
  g_clear_pointer (&shown, json_object_unref);
  shown = crm_test_take_object (OK (f, "deal", "show", deal));
  g_assert_cmpstr (crm_test_get_string (json_object_get_object_member (shown, "payer"), "name"),
                   ==, "ПАО Сбербанк");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/payer/inn-and-kpp", Fixture, NULL, fixture_set_up, test_inn_and_kpp,
              crm_test_replica_dir_tear_down);
  g_test_add ("/payer/deal-payer", Fixture, NULL, fixture_set_up, test_deal_payer,
              crm_test_replica_dir_tear_down);
  return g_test_run ();
}
