/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-conflicts.c — conflicts and refused changes as a person reads them, through a real
 * voronka-server on 127.0.0.1 and real voronkactl processes: two laptops edit the same deal
 * offline (a custom field, the amount, the stage); the one whose edits lost runs
 * `voronkactl conflicts` and reads the field's label, the stage names, the money, who made
 * the kept value and when in local time — in English and in Russian — while `--json`
 * keeps the raw keys and ids next to the same words. A rep's change to a colleague's deal,
 * refused by the server, reads the same way with its reason. */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-format.h"
#include "crm-query.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"

#define TITLE "MAN TGX 18.440 для ООО «Север»"

static char *tmpdir;
static CrmTestServer *server;

typedef struct {
  char          *path;
  CrmSyncClient *client;
} Laptop;

static void
laptop_open (Laptop     *laptop,
             const char *name,
             const char *user,
             const char *password)
{
  g_autoptr(CrmSyncReport) report = NULL;

  laptop->path = g_build_filename (tmpdir, name, NULL);
  laptop->client = crm_test_client_new (server, laptop->path, user, password);
  report = crm_test_sync (laptop->client);
  g_assert_true (report->snapshot);
}

static guint
laptop_sync (Laptop *laptop)
{
  g_autoptr(CrmSyncReport) report = crm_test_sync (laptop->client);

  return report->conflicts;
}

static void
laptop_clear (Laptop *laptop)
{
  g_clear_object (&laptop->client);
  g_clear_pointer (&laptop->path, g_free);
}

/* `voronkactl --db @path ARGS…` that must succeed; its stdout. */
static char *
ctl (const char *path,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CrmTestRun) run = { 0 };
  va_list ap;

  g_ptr_array_add (args, (gpointer) "--db");
  g_ptr_array_add (args, (gpointer) path);
  va_start (ap, path);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
  if (run.status != 0)
    g_error ("voronkactl %s failed (%d): %s%s", (const char *) args->pdata[2], run.status,
             run.out, run.err);
  return g_steal_pointer (&run.out);
}

static void
assert_has (const char *text,
            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("«%s» is not in:\n%s", needle, text);
}

static void
assert_lacks (const char *text,
              const char *needle)
{
  if (strstr (text, needle) != NULL)
    g_error ("«%s» should not be in:\n%s", needle, text);
}

/* The record of `conflicts --json` about @field. */
static JsonObject *
record_of (JsonArray  *records,
           const char *field)
{
  JsonObject *record = crm_test_find_object (records, "field", field);

  if (record == NULL)
    g_error ("no conflict about %s", field);
  return record;
}

/* "when" (ISO, UTC) read in Moscow: its "HH:MM", three hours on. */
static char *
moscow_time_of (JsonObject *record,
                const char *member)
{
  gint64 ms = 0;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) moscow = NULL;

  g_assert_true (crm_time_parse (json_object_get_string_member (record, member), &ms));
  utc = g_date_time_new_from_unix_utc (ms / 1000);
  moscow = g_date_time_add_hours (utc, 3);
  return g_date_time_format (moscow, "%H:%M");
}

static void
test_readable_conflicts (void)
{
  Laptop maria = { 0 }, manager = { 0 };
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autofree char *po_dir = crm_test_built_translations ();
  g_autofree char *deal_id = NULL;
  g_autofree char *number = NULL;
  g_autofree char *qualified = NULL;
  g_autofree char *meeting = NULL;
  g_autofree char *text = NULL;
  g_autofree char *status = NULL;
  g_autofree char *when_kept = NULL;
  g_autofree char *when_mine = NULL;
  JsonArray *records;
  JsonObject *record;

  laptop_open (&maria, "maria.db", "Мария Кузнецова", "rep-password");
  laptop_open (&manager, "manager.db", "manager", "manager-pw");

  /* Мария's deal reaches the manager's laptop */
  json = crm_test_parse_json (text = ctl (maria.path, "--as", "Мария Кузнецова", "--json", "deal", "add",
                                          "--pipeline", "Продажи", "--title", TITLE,
                                          "--stage", "Новая заявка", "--amount", "9500000",
                                          "--field", "payment_type=Наличные", NULL));
  deal_id = g_strdup (json_object_get_string_member (json_node_get_object (json), "id"));
  g_clear_pointer (&json, json_node_unref);
  g_clear_pointer (&text, g_free);
  laptop_sync (&maria);
  laptop_sync (&manager);

  /* offline, both change the payment, the amount and the stage: the manager first… */
  g_free (ctl (manager.path, "deal", "set", deal_id, "--field", "payment_type=Кредит",
               "--amount", "9000000", NULL));
  g_free (ctl (manager.path, "deal", "move", deal_id, "--stage", "Квалифицирован", NULL));
  /* …then Мария, whose later edits win everywhere */
  g_free (ctl (maria.path, "--as", "Мария Кузнецова", "deal", "set", deal_id, "--field", "payment_type=Лизинг",
               "--amount", "9400000", NULL));
  g_free (ctl (maria.path, "--as", "Мария Кузнецова", "deal", "move", deal_id, "--stage", "Встреча согласована", NULL));
  laptop_sync (&maria);
  g_assert_cmpuint (laptop_sync (&manager), >=, 3);

  store = crm_test_open (manager.path);
  deal = crm_store_dup_entity (store, "deal", deal_id);
  number = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (deal, "number"));
  qualified = crm_test_resolve (store, "stage", "Квалифицирован",
                                json_object_get_string_member (deal, "pipeline"));
  meeting = crm_test_resolve (store, "stage", "Встреча согласована",
                              json_object_get_string_member (deal, "pipeline"));
  g_clear_object (&store);

  /* local time is Moscow's for the programs this test runs */
  g_setenv ("TZ", "Europe/Moscow", TRUE);

  /* --json: the raw keys and ids stay, the words come next to them */
  json = crm_test_parse_json (text = ctl (manager.path, "--json", "conflicts", NULL));
  g_clear_pointer (&text, g_free);
  records = json_node_get_array (json);
  record = record_of (records, "payment_type");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "conflict");
  g_assert_cmpstr (json_object_get_string_member (record, "field_label"), ==, "Тип оплаты");
  g_assert_cmpstr (json_object_get_string_member (record, "local"), ==, "Кредит");
  g_assert_cmpstr (json_object_get_string_member (record, "remote"), ==, "Лизинг");
  g_assert_cmpstr (json_object_get_string_member (record, "by"), ==, "Мария Кузнецова");
  g_assert_nonnull (json_object_get_string_member (record, "actor"));
  when_kept = moscow_time_of (record, "when");
  when_mine = moscow_time_of (record, "local_when");
  assert_has (json_object_get_string_member (record, "when_text"), when_kept);
  assert_has (json_object_get_string_member (record, "local_when_text"), when_mine);
  record = record_of (records, "stage");
  g_assert_cmpstr (json_object_get_string_member (record, "local"), ==, qualified);
  g_assert_cmpstr (json_object_get_string_member (record, "remote"), ==, meeting);
  g_assert_cmpstr (json_object_get_string_member (record, "local_text"), ==, "Квалифицирован");
  g_assert_cmpstr (json_object_get_string_member (record, "remote_text"), ==,
                   "Встреча согласована");
  g_assert_cmpstr (json_object_get_string_member (record, "field_label"), ==, "Stage");
  g_clear_pointer (&json, json_node_unref);

  /* what a person reads: labels, names, money, who and when in local time */
  text = ctl (manager.path, "conflicts", NULL);
  {
    g_autofree char *subject = g_strdup_printf ("Conflict: Deal #%s «%s» · ", number, TITLE);
    g_autofree char *kept = g_strdup_printf ("Kept: Лизинг — Мария Кузнецова, ");

    assert_has (text, subject);
    assert_has (text, "· Тип оплаты\n");
    assert_has (text, kept);
    assert_has (text, "Yours, set aside: Кредит — ");
    assert_has (text, "· Stage\n");
    assert_has (text, "Kept: Встреча согласована — Мария Кузнецова, ");
    assert_has (text, "Yours, set aside: Квалифицирован — ");
    assert_has (text, "· Amount\n");
    assert_has (text, "Kept: 9\u202f400\u202f000\u00a0₽ — Мария Кузнецова, ");
    assert_has (text, "Yours, set aside: 9\u202f000\u202f000\u00a0₽ — ");
    assert_has (text, when_kept);
    assert_has (text, when_mine);
  }
  /* no key, id, JSON or UTC time reaches the reader */
  assert_lacks (text, "payment_type");
  assert_lacks (text, qualified);
  assert_lacks (text, deal_id);
  assert_lacks (text, "\"");
  assert_lacks (text, "Z\n");
  status = ctl (manager.path, "status", NULL);
  assert_has (status, "Тип оплаты");
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&status, g_free);

  /* in Russian, from the build's translations */
  if (po_dir == NULL)
    crm_test_fail_missing ("the Russian translation is not built");
  else
    {
      g_autofree char *subject = g_strdup_printf ("Конфликт: Сделка №%s «%s» · ", number, TITLE);
      const char *when_text;

      g_setenv ("VORONKA_LOCALEDIR", po_dir, TRUE);
      g_setenv ("LANGUAGE", "ru", TRUE);
      json = crm_test_parse_json (text = ctl (manager.path, "--json", "conflicts", NULL));
      g_clear_pointer (&text, g_free);
      record = record_of (json_node_get_array (json), "stage");
      g_assert_cmpstr (json_object_get_string_member (record, "field_label"), ==, "Этап");
      when_text = json_object_get_string_member (record, "when_text");

      text = ctl (manager.path, "conflicts", NULL);
      assert_has (text, subject);
      assert_has (text, "· Тип оплаты\n");
      assert_has (text, "Сохранено: Лизинг — Мария Кузнецова, ");
      assert_has (text, "Ваше, отложено: Кредит — ");
      assert_has (text, "· Этап\n");
      assert_has (text, "Сохранено: Встреча согласована — Мария Кузнецова, ");
      assert_has (text, "Ваше, отложено: Квалифицирован — ");
      assert_has (text, "· Сумма\n");
      assert_has (text, when_text);
      assert_has (text, when_kept);
      assert_lacks (text, "Kept");
      assert_lacks (text, "Stage");
      g_clear_pointer (&json, json_node_unref);
      g_unsetenv ("LANGUAGE");
      g_unsetenv ("VORONKA_LOCALEDIR");
    }
  g_unsetenv ("TZ");

  /* seen: gone from the list, kept with --all */
  g_free (ctl (manager.path, "conflicts", "--mark-seen", NULL));
  g_clear_pointer (&text, g_free);
  text = ctl (manager.path, "conflicts", NULL);
  assert_has (text, "No conflicts.");
  g_clear_pointer (&text, g_free);
  text = ctl (manager.path, "conflicts", "--all", NULL);
  assert_has (text, "· Тип оплаты\n");

  laptop_clear (&maria);
  laptop_clear (&manager);
}

/* A rep changes a colleague's deal offline; the server refuses it and keeps its values:
 * the rep reads which deal, which field, the value kept, theirs and why. */
static void
test_readable_rejection (void)
{
  Laptop maria = { 0 }, denis = { 0 };
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *deal_id = NULL;
  g_autofree char *text = NULL;
  JsonObject *record;

  laptop_open (&maria, "maria-2.db", "Мария Кузнецова", "rep-password");
  laptop_open (&denis, "denis.db", "Денис Морозов", "rep-password");
  json = crm_test_parse_json (text = ctl (maria.path, "--as", "Мария Кузнецова", "--json", "deal", "add",
                                          "--pipeline", "Продажи", "--title", "Scania R450",
                                          "--amount", "7000000", NULL));
  deal_id = g_strdup (json_object_get_string_member (json_node_get_object (json), "id"));
  g_clear_pointer (&json, json_node_unref);
  g_clear_pointer (&text, g_free);
  laptop_sync (&maria);
  laptop_sync (&denis);

  /* an app that does not check rights locally (an old or modified one) */
  store = crm_test_open (denis.path);
  crm_change_set_int (crm_changeset_touch (changeset, "deal", deal_id), "amount", 100);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  laptop_sync (&denis);

  json = crm_test_parse_json (text = ctl (denis.path, "--json", "conflicts", NULL));
  g_clear_pointer (&text, g_free);
  record = record_of (json_node_get_array (json), "amount");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "rejected");
  g_assert_cmpstr (json_object_get_string_member (record, "code"), ==, "permission-denied");
  g_assert_cmpstr (json_object_get_string_member (record, "field_label"), ==, "Amount");

  text = ctl (denis.path, "conflicts", NULL);
  assert_has (text, "Refused by the server: Deal #");
  assert_has (text, "«Scania R450» · Amount\n");
  assert_has (text, "Kept: 7\u202f000\u202f000\u00a0₽ — the server's value");
  assert_has (text, "Yours, refused: 1\u00a0₽ — ");
  assert_has (text, "Why: The deal belongs to another sales rep");
  assert_lacks (text, "1970");
  laptop_clear (&maria);
  laptop_clear (&denis);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  tmpdir = crm_test_make_tmpdir ();
  data_dir = crm_test_server_make_data (tmpdir);
  server = crm_test_server_start (data_dir, FALSE, NULL);

  g_test_add_func ("/conflicts/readable", test_readable_conflicts);
  g_test_add_func ("/conflicts/rejection", test_readable_rejection);
  status = g_test_run ();

  g_assert_cmpint (crm_test_server_stop (server), ==, 0);
  crm_test_server_free (server);
  if (status == 0)
    crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
