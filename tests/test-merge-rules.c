/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-merge-rules.c — the business's merge rules (docs/merge.md), decided by a real
 * voronka-server on 127.0.0.1 from what each laptop had seen, on real replicas of the
 * truck dealer's account:
 *   - a deal shipped on one laptop stays shipped when another, not knowing, moves it back
 *     to «Ожидание оплаты»: the move is refused, listed to its author as «already closed»,
 *     and there is one «База купивших клиентов» deal; once that laptop has seen the close
 *     it may reopen the deal;
 *   - the same when the stale move reaches the server first: the close wins;
 *   - a win and a loss at the same time: the first to reach the server stands, the other
 *     is refused with its rule's deal;
 *   - a move whose rule made tasks, overridden by a close made at the same time: the
 *     tasks are withdrawn on every replica (closed as cancelled);
 *   - a task done on one laptop and edited on another: done, with the edit;
 *   - a deal deleted on one laptop and edited on another: it stays deleted, the edit is
 *     listed to its author;
 *   - tags: one laptop adds one, another removes another: both apply;
 *   - a deal shipped, reopened and shipped again has one follow-up deal, which comes
 *     back when it was deleted meanwhile;
 *   - lost, reopened and lost again offline while the deal was shipped and reopened
 *     elsewhere: one «Отказники» deal, standing with the loss that holds; a refused loss
 *     followed by another laptop's loss: one «Отказники» deal, whole, everywhere;
 *   - two laptops move the deal to the same stage at once and a third loses it: both
 *     moves are listed to their authors as lost (the one taken over by the other's too); *   - a ship (or a loss) that reaches the server after an unseen write of the stage the
 *     deal already had wins over it and keeps its follow-up deal and task; its author's
 *     reopening made right after it holds;
 *   - a move that closed a stage's auto-task «закрыта вместе с этапом», overridden by a
 *     laptop that puts the deal back at that stage: the task is open again everywhere.
 * `voronkactl conflicts` shows why, in words, for each refusal and for the lost move.
 * Every case ends with every replica equal to the server. */
#include "config.h"

#include <string.h>

#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-sync-state.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-uuid.h"

static char *tmpdir;
static CrmTestServer *server;

#define resolve crm_test_resolve
#define count_sql crm_test_count_sql

static void
sync_all (CrmTestReplica *replicas,
          guint           n)
{
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&replicas[i]);
      }
}

static guint
sync_rejected (CrmTestReplica *replica)
{
  g_autoptr(CrmSyncReport) report = crm_test_replica_sync (replica);

  return report->rejected;
}

static void
assert_all_equal (CrmTestReplica *replicas,
                  guint           n)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);
  g_autofree char *expected = crm_test_dump (account);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *state = crm_test_dump (replicas[i].store);

      if (!g_str_equal (state, expected))
        {
          g_auto(GStrv) a = g_strsplit (state, "\n", -1);
          g_auto(GStrv) b = g_strsplit (expected, "\n", -1);

          for (guint l = 0; a[l] != NULL && b[l] != NULL; l++)
            if (!g_str_equal (a[l], b[l]))
              {
                g_test_message ("%s: %s\nserver: %s", replicas[i].name, a[l], b[l]);
                break;
              }
          g_error ("replica %s differs from the server", replicas[i].name);
        }
    }
}

static char *
stage_id (CrmStore   *store,
          const char *pipeline_name,
          const char *stage_name,
          char      **out_pipeline)
{
  g_autofree char *pipeline = resolve (store, "pipeline", pipeline_name, NULL);
  char *stage = resolve (store, "stage", stage_name, pipeline);

  if (out_pipeline != NULL)
    *out_pipeline = g_steal_pointer (&pipeline);
  return stage;
}

static char *
new_deal (CrmStore   *store,
          const char *pipeline_name,
          const char *title,
          const char *stage_name)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = stage_id (store, pipeline_name, stage_name, &pipeline);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 950000000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

/* Moves @deal (a deal of @pipeline_name) at local time @at (0: now); a loss takes
 * @reason. */
static void
move (CrmStore   *store,
      const char *deal,
      const char *pipeline_name,
      const char *stage_name,
      const char *reason,
      gint64      at)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = stage_id (store, pipeline_name, stage_name, &pipeline);
  CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

  crm_store_set_now (store, at);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  if (reason != NULL)
    {
      g_autofree char *reason_id = resolve (store, "loss_reason", reason, pipeline);
      crm_change_set_string (change, "loss_reason", reason_id);
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  crm_store_set_now (store, 0);
}

static gint64
live_deals_in (CrmStore   *store,
               const char *pipeline_name)
{
  g_autofree char *pipeline = resolve (store, "pipeline", pipeline_name, NULL);

  return count_sql (store, "SELECT count (*) FROM deal WHERE pipeline = ?1 AND deleted = 0",
                    pipeline);
}

static char *
stage_name_of (CrmStore   *store,
               const char *deal)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "deal", deal);
  g_autoptr(JsonObject) stage = crm_store_dup_entity (store, "stage",
                                                     json_object_get_string_member (row, "stage"));

  return g_strdup (json_object_get_string_member (stage, "name"));
}

static void
assert_stage (CrmStore   *store,
              const char *deal,
              const char *expected)
{
  g_autofree char *name = stage_name_of (store, deal);

  g_assert_cmpstr (name, ==, expected);
}

/* The conflicts list of @store has a record about @entity_id with @code (NULL: any) and a
 * reason starting with @reason_prefix (NULL: any); returns it (a new reference). */
static JsonObject *
find_listed (CrmStore   *store,
             const char *entity_id,
             const char *code,
             const char *reason_prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) items = crm_sync_state_list_conflicts (store, FALSE, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *reason = json_object_get_string_member_with_default (item, "reason", NULL);

      if (g_strcmp0 (json_object_get_string_member_with_default (item, "entity_id", NULL),
                     entity_id) != 0)
        continue;
      if (code != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (item, "code", NULL), code) != 0)
        continue;
      if (reason_prefix != NULL && (reason == NULL || !g_str_has_prefix (reason, reason_prefix)))
        continue;
      return json_object_ref (item);
    }
  return NULL;
}

/* `voronkactl conflicts` of @replica must show @needle. */
static void
assert_conflicts_show (CrmTestReplica *replica,
                       const char     *needle)
{
  g_auto(CrmTestRun) run = { 0 };

  crm_test_run_cli (&run, "--db", replica->path, "conflicts", NULL);
  g_assert_cmpint (run.status, ==, 0);
  if (strstr (run.out, needle) == NULL)
    g_error ("«%s» is not in `voronkactl conflicts`:\n%s", needle, run.out);
}

typedef struct {
  CrmTestReplica a, b;
} Pair;

static void
pair_open (Pair       *pair,
           const char *name)
{
  g_autofree char *a = g_strdup_printf ("%s-admin.db", name);
  g_autofree char *b = g_strdup_printf ("%s-manager.db", name);

  crm_test_replica_open (&pair->a, server, tmpdir, a, "admin", "admin-pw");
  crm_test_replica_open (&pair->b, server, tmpdir, b, "manager", "manager-pw");
}

static void
pair_clear (Pair *pair)
{
  crm_test_replica_clear (&pair->a);
  crm_test_replica_clear (&pair->b);
}

static char *
shared_deal (Pair       *pair,
             const char *title,
             const char *stage_name)
{
  char *deal = new_deal (pair->a.store, "Продажи", title, stage_name);

  sync_all (&pair->a, 2);
  return deal;
}

/* --- closing wins over a stale move ---------------------------------------------------- */

static void
test_close_wins_over_stale_move (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) listed = NULL;
  gint64 before;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "stale");
  deal = shared_deal (&pair, "Volvo FH 460 для ООО «Вектор»", "Ожидание отгрузки");
  before = live_deals_in (pair.a.store, "База купивших клиентов");

  /* the admin ships the truck; the manager, offline and a minute later by the clock,
   * moves the deal back to waiting for payment */
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, now);
  move (pair.b.store, deal, "Продажи", "Ожидание оплаты", NULL, now + 60000);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 1);
  sync_all (&pair.a, 2);

  assert_stage (pair.a.store, deal, "Отгружено");
  assert_stage (pair.b.store, deal, "Отгружено");
  g_assert_cmpint (live_deals_in (pair.a.store, "База купивших клиентов"), ==, before + 1);
  g_assert_cmpint (live_deals_in (pair.b.store, "База купивших клиентов"), ==, before + 1);
  listed = find_listed (pair.b.store, deal, "deal-closed", "The deal is already closed");
  g_assert_nonnull (listed);
  assert_conflicts_show (&pair.b, "Why: The deal is already closed");
  assert_all_equal (&pair.a, 2);

  /* the manager has seen the close now: reopening is his to do */
  move (pair.b.store, deal, "Продажи", "Ожидание оплаты", NULL, 0);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  sync_all (&pair.a, 2);
  assert_stage (pair.a.store, deal, "Ожидание оплаты");
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

static void
test_close_wins_when_second (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) listed = NULL;
  gint64 before;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "second");
  deal = shared_deal (&pair, "Scania R500 для ИП Сомов", "Ожидание отгрузки");
  before = live_deals_in (pair.a.store, "База купивших клиентов");

  /* the stale move is the later by the clock and reaches the server first */
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, now);
  move (pair.b.store, deal, "Продажи", "Ожидание оплаты", NULL, now + 60000);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  assert_stage (pair.a.store, deal, "Отгружено");
  assert_stage (pair.b.store, deal, "Отгружено");
  g_assert_cmpint (live_deals_in (pair.b.store, "База купивших клиентов"), ==, before + 1);
  /* the manager reads why his move did not hold */
  listed = find_listed (pair.b.store, deal, NULL, "The deal is already closed");
  g_assert_nonnull (listed);
  g_assert_cmpstr (json_object_get_string_member (listed, "field"), ==, "stage");
  assert_conflicts_show (&pair.b, "Why: The deal is already closed");
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* --- won against lost ---------------------------------------------------------------------- */

static void
won_against_lost (gboolean won_first)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) listed = NULL;
  gint64 bought, refused;
  CrmTestReplica *winner, *loser;

  pair_open (&pair, won_first ? "won-first" : "lost-first");
  deal = shared_deal (&pair, "MAN TGX 18.440 для ООО «Север»", "Ожидание отгрузки");
  bought = live_deals_in (pair.a.store, "База купивших клиентов");
  refused = live_deals_in (pair.a.store, "Отказники");

  /* the admin ships, the manager loses it as «Дорого» (S0-3: a deal in «Отказники») */
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, 0);
  move (pair.b.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", 0);
  g_assert_cmpint (live_deals_in (pair.b.store, "Отказники"), ==, refused + 1);

  winner = won_first ? &pair.a : &pair.b;
  loser = won_first ? &pair.b : &pair.a;
  g_assert_cmpuint (sync_rejected (winner), ==, 0);
  /* the loser's close and everything its rules made are refused */
  g_assert_cmpuint (sync_rejected (loser), >, 1);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, won_first ? "Отгружено" : "Закрыто и не реализовано");
      g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==,
                       bought + (won_first ? 1 : 0));
      g_assert_cmpint (live_deals_in (store, "Отказники"), ==, refused + (won_first ? 0 : 1));
    }
  listed = find_listed (loser->store, deal, "deal-closed", NULL);
  g_assert_nonnull (listed);
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

static void
test_won_first (void)
{
  won_against_lost (TRUE);
}

static void
test_lost_first (void)
{
  won_against_lost (FALSE);
}

/* --- rule effects follow their trigger ----------------------------------------------------- */

static void
set_waiting (CrmStore   *store,
             const char *deal,
             const char *brand)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = resolve (store, "tag", brand, NULL);

  crm_change_set_bool (crm_changeset_touch (changeset, "deal", deal), "waiting_for_stock", TRUE);
  crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", tag, TRUE);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

static void
test_effects_follow_trigger (void)
{
  Pair pair = { 0 };
  g_autofree char *waiting = NULL;
  g_autofree char *purchase = NULL;
  g_autofree char *tag = NULL;
  gint64 now = crm_time_now_ms ();
  const char *calls =
    "SELECT count (*) FROM task WHERE deal = ?1 AND deleted = 0 AND text LIKE 'Позвонить клиенту%'";
  const char *cancelled =
    "SELECT count (*) FROM task WHERE deal = ?1 AND deleted = 0 AND text LIKE 'Позвонить клиенту%'"
    " AND done = 1";

  pair_open (&pair, "effects");
  /* a client waits for a Volvo; a purchase of a Volvo is under way */
  waiting = new_deal (pair.a.store, "Продажи", "Volvo FH для ООО «Ждущий»", "Встреча проведена");
  set_waiting (pair.a.store, waiting, "Volvo");
  purchase = new_deal (pair.a.store, "Отдел закупок", "Закупка Volvo FH", "Осмотр техники");
  tag = resolve (pair.a.store, "tag", "Volvo", NULL);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_changeset_set_link (changeset, "deal_tag", "deal", purchase, "tag", tag, TRUE);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  sync_all (&pair.a, 2);

  /* the manager records the truck as received (S0-7: call the waiting client) a minute
   * later by the clock, and reaches the server first; the admin, not knowing, closes the
   * purchase as sold */
  move (pair.b.store, purchase, "Отдел закупок", "Техника получена", NULL, now + 60000);
  g_assert_cmpint (count_sql (pair.b.store, calls, waiting), ==, 1);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  move (pair.a.store, purchase, "Отдел закупок", "Техника продана", NULL, now);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  /* the close stands; the call its overridden move made is withdrawn everywhere */
  assert_stage (pair.b.store, purchase, "Техника продана");
  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      g_assert_cmpint (count_sql (store, calls, waiting), ==, 1);
      g_assert_cmpint (count_sql (store, cancelled, waiting), ==, 1);
    }
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_assert_cmpint (count_sql (account, cancelled, waiting), ==, 1);
  }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* --- tasks, deletions, sets ---------------------------------------------------------------- */

static void
test_task_done_against_edited (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autofree char *task = NULL;
  g_autoptr(JsonObject) row = NULL;

  pair_open (&pair, "task");
  deal = new_deal (pair.a.store, "Продажи", "DAF XF для ООО «Ромашка»", "Квалифицирован");
  task = crm_store_new_id (pair.a.store);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_create (changeset, "task", task);

    crm_change_set_string (change, "deal", deal);
    crm_change_set_string (change, "text", "Перезвонить");
    crm_change_set_string (change, "type", "call");
    crm_change_set_bool (change, "done", FALSE);
    crm_change_set_int (change, "due", crm_time_now_ms () + CRM_MS_PER_DAY);
    crm_change_set_int (change, "created_at", crm_time_now_ms ());
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  sync_all (&pair.a, 2);

  /* the admin completes the call; the manager, later by the clock, rewords and moves it */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_touch (changeset, "task", task);

    crm_change_set_bool (change, "done", TRUE);
    crm_change_set_int (change, "done_at", crm_time_now_ms ());
    crm_change_set_string (change, "result", "Договорились о встрече");
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *change = crm_changeset_touch (changeset, "task", task);

    crm_store_set_now (pair.b.store, crm_time_now_ms () + 60000);
    crm_change_set_string (change, "text", "Перезвонить по лизингу");
    crm_change_set_int (change, "due", crm_time_now_ms () + 2 * CRM_MS_PER_DAY);
    g_assert_true (crm_store_apply (pair.b.store, changeset, &error));
    g_assert_no_error (error);
    crm_store_set_now (pair.b.store, 0);
  }
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  row = crm_store_dup_entity (pair.b.store, "task", task);
  g_assert_true (json_object_get_boolean_member (row, "done"));
  g_assert_cmpstr (json_object_get_string_member (row, "result"), ==, "Договорились о встрече");
  g_assert_cmpstr (json_object_get_string_member (row, "text"), ==, "Перезвонить по лизингу");
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

static void
test_deleted_against_edited (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonObject) listed = NULL;

  pair_open (&pair, "deleted");
  deal = shared_deal (&pair, "КАМАЗ 54901 для ООО «Тракт»", "Квалифицирован");

  /* the admin deletes the deal; the manager, not knowing, renames it later by the clock */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_bool (crm_changeset_touch (changeset, "deal", deal), "deleted", TRUE);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_store_set_now (pair.b.store, crm_time_now_ms () + 60000);
    crm_change_set_string (crm_changeset_touch (changeset, "deal", deal), "title",
                           "КАМАЗ 54901 (два тягача)");
    g_assert_true (crm_store_apply (pair.b.store, changeset, &error));
    g_assert_no_error (error);
    crm_store_set_now (pair.b.store, 0);
  }
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 1);
  sync_all (&pair.a, 2);

  row = crm_store_dup_entity (pair.b.store, "deal", deal);
  g_assert_true (json_object_get_boolean_member (row, "deleted"));
  listed = find_listed (pair.b.store, deal, "deleted", NULL);
  g_assert_nonnull (listed);
  /* the manager's words are in the list, to type again after restoring it */
  g_assert_cmpstr (json_object_get_string_member (listed, "local_text"), ==,
                   "КАМАЗ 54901 (два тягача)");
  assert_conflicts_show (&pair.b, "Why: It was deleted on another device");
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

static void
test_sets_merge_as_sets (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autofree char *volvo = NULL, *scania = NULL, *man = NULL;
  const char *has = "SELECT count (*) FROM deal_tag WHERE deal = ?1 AND present = 1";

  pair_open (&pair, "sets");
  deal = new_deal (pair.a.store, "Продажи", "Тягачи для ООО «Флот»", "Квалифицирован");
  volvo = resolve (pair.a.store, "tag", "Volvo", NULL);
  scania = resolve (pair.a.store, "tag", "Scania", NULL);
  man = resolve (pair.a.store, "tag", "MAN", NULL);
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", volvo, TRUE);
    crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", scania, TRUE);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  sync_all (&pair.a, 2);

  /* one adds MAN, the other removes Scania */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", man, TRUE);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_changeset_set_link (changeset, "deal_tag", "deal", deal, "tag", scania, FALSE);
    g_assert_true (crm_store_apply (pair.b.store, changeset, &error));
    g_assert_no_error (error);
  }
  sync_all (&pair.a, 2);
  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;
      g_autofree char *sql_man = g_strdup_printf ("%s AND tag = '%s'", has, man);
      g_autofree char *sql_scania = g_strdup_printf ("%s AND tag = '%s'", has, scania);
      g_autofree char *sql_volvo = g_strdup_printf ("%s AND tag = '%s'", has, volvo);

      g_assert_cmpint (count_sql (store, sql_man, deal), ==, 1);
      g_assert_cmpint (count_sql (store, sql_scania, deal), ==, 0);
      g_assert_cmpint (count_sql (store, sql_volvo, deal), ==, 1);
    }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* Completes @task on @store with @result, as the store's user. */
static void
complete_call (CrmStore   *store,
               const char *task,
               const char *result)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  CrmChange *change = crm_changeset_touch (changeset, "task", task);

  crm_change_set_bool (change, "done", TRUE);
  crm_change_set_int (change, "done_at", crm_time_now_ms ());
  crm_change_set_string (change, "result", result);
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
}

static char *
new_call (CrmStore   *store,
          const char *deal)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  char *task = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "task", task);

  crm_change_set_string (change, "deal", deal);
  crm_change_set_string (change, "text", "Позвонить клиенту");
  crm_change_set_string (change, "type", "call");
  crm_change_set_bool (change, "done", FALSE);
  crm_change_set_int (change, "due", crm_time_now_ms () + CRM_MS_PER_DAY);
  crm_change_set_int (change, "created_at", crm_time_now_ms ());
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return task;
}

static gint64
failed_calls (CrmStore   *store,
              const char *deal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) shown = crm_query_deal (store, deal, &error);
  JsonObject *fields;

  g_assert_no_error (error);
  fields = json_object_get_object_member (shown, "fields");
  /* what people and scripts see is the total, never a device's part of it */
  {
    g_autoptr(GList) members = json_object_get_members (fields);

    for (GList *l = members; l != NULL; l = l->next)
      g_assert_null (strchr (l->data, '@'));
  }
  return json_object_get_int_member_with_default (fields, "failed_calls", 0);
}

static void
assert_counted (Pair       *pair,
                const char *deal,
                gint64      expected)
{
  g_autoptr(CrmStore) account = crm_test_server_open_account (server);

  g_assert_cmpint (failed_calls (pair->a.store, deal), ==, expected);
  g_assert_cmpint (failed_calls (pair->b.store, deal), ==, expected);
  g_assert_cmpint (failed_calls (account, deal), ==, expected);
}

/* A counter field counted up offline on two laptops at once counts both (S2-2: two
 * failed call attempts are two, whoever made them); then on, a count, and a value set by
 * hand, reach every replica alike; nobody is told of a lost edit. */
static void
test_counters_add_up (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autofree char *call_a = NULL;
  g_autofree char *call_b = NULL;
  g_autofree char *call_c = NULL;

  pair_open (&pair, "counter");
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *field = crm_store_new_id (pair.a.store);
    g_autofree char *rule = crm_store_new_id (pair.a.store);
    CrmChange *change = crm_changeset_create (changeset, "field", field);
    g_autoptr(JsonNode) definition = json_from_string (
      "{\"trigger\": {\"type\": \"task_completed\", \"task_type\": \"call\","
      " \"result\": \"Не дозвонился\"},"
      " \"actions\": [{\"type\": \"increment\", \"field\": \"failed_calls\"}]}", &error);

    g_assert_no_error (error);
    crm_change_set_string (change, "entity", "deal");
    crm_change_set_string (change, "key", "failed_calls");
    crm_change_set_string (change, "label", "Неудачные звонки");
    crm_change_set_string (change, "type", "counter");
    change = crm_changeset_create (changeset, "rule", rule);
    crm_change_set_string (change, "name", "Неудачный звонок");
    crm_change_set_node (change, "definition", json_node_copy (definition));
    crm_change_set_bool (change, "enabled", TRUE);
    crm_change_set_int (change, "position", 1000);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  deal = new_deal (pair.a.store, "Продажи", "Тягач для ООО «Вектор»", "Квалифицирован");
  call_a = new_call (pair.a.store, deal);
  call_b = new_call (pair.a.store, deal);
  call_c = new_call (pair.a.store, deal);
  sync_all (&pair.a, 2);
  assert_counted (&pair, deal, 0);

  /* offline, each laptop fails to reach the client once */
  complete_call (pair.a.store, call_a, "Не дозвонился");
  complete_call (pair.b.store, call_b, "Не дозвонился");
  g_assert_cmpint (failed_calls (pair.a.store, deal), ==, 1);
  g_assert_cmpint (failed_calls (pair.b.store, deal), ==, 1);
  {
    g_autoptr(CrmSyncReport) first = crm_test_replica_sync (&pair.b);
    g_autoptr(CrmSyncReport) second = crm_test_replica_sync (&pair.a);

    g_assert_cmpuint (first->rejected, ==, 0);
    g_assert_cmpuint (second->rejected, ==, 0);
    g_assert_cmpuint (second->conflicts, ==, 0);
  }
  sync_all (&pair.a, 2);
  assert_counted (&pair, deal, 2);
  assert_all_equal (&pair.a, 2);

  /* a third attempt on the first laptop: three */
  complete_call (pair.a.store, call_c, "Не дозвонился");
  sync_all (&pair.a, 2);
  assert_counted (&pair, deal, 3);

  /* the manager sets it back to 0 by hand: 0 everywhere, and counting goes on from there */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;

    crm_change_set_int (crm_changeset_touch (changeset, "deal", deal), "failed_calls", 0);
    g_assert_true (crm_store_apply (pair.b.store, changeset, &error));
    g_assert_no_error (error);
  }
  sync_all (&pair.a, 2);
  assert_counted (&pair, deal, 0);
  {
    g_autofree char *call_d = new_call (pair.a.store, deal);

    complete_call (pair.a.store, call_d, "Не дозвонился");
  }
  sync_all (&pair.a, 2);
  assert_counted (&pair, deal, 1);
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* --- a deal won again after a reopening --------------------------------------------------- */

static void
test_reopen_then_win (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  gint64 before;
  const char *follow_ups =
    "SELECT count (*) FROM deal f JOIN pipeline p ON p.id = f.pipeline"
    " WHERE p.name = 'База купивших клиентов' AND f.deleted = 0 AND f.id IN ("
    "  SELECT e.entity_id FROM changelog e JOIN changelog t ON t.op_id = e.cause"
    "  WHERE t.entity_id = ?1 AND e.rule IS NOT NULL AND e.entity = 'deal')";

  pair_open (&pair, "reopen");
  deal = shared_deal (&pair, "Mercedes Actros для ООО «Опора»", "Ожидание отгрузки");
  before = live_deals_in (pair.a.store, "База купивших клиентов");

  /* shipped (S0-2 opens the follow-up); the manager, who has seen it, reopens it — the
   * truck came back for repairs under the contract — and the admin ships it again */
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, 0);
  sync_all (&pair.a, 2);
  move (pair.b.store, deal, "Продажи", "Ожидание отгрузки", NULL, 0);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  sync_all (&pair.a, 2);
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, 0);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  /* one follow-up deal, the first win's, everywhere */
  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Отгружено");
      g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==, before + 1);
      g_assert_cmpint (count_sql (store, follow_ups, deal), ==, 1);
    }

  /* the follow-up deleted by hand, the deal reopened and shipped once more: the
   * follow-up comes back (one, the same deal) */
  {
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *follow_up = NULL;
    g_autofree char *sql = g_strdup_printf ("SELECT f.id FROM deal f WHERE f.deleted = 0 AND"
                                            " f.id IN (SELECT e.entity_id FROM changelog e"
                                            " JOIN changelog t ON t.op_id = e.cause"
                                            " WHERE t.entity_id = '%s' AND e.rule IS NOT NULL"
                                            " AND e.entity = 'deal')", deal);
    sqlite3_stmt *stmt = _crm_store_prepare (pair.a.store, sql, &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    follow_up = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
    crm_change_set_bool (crm_changeset_touch (changeset, "deal", follow_up), "deleted", TRUE);
    g_assert_true (crm_store_apply (pair.a.store, changeset, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (live_deals_in (pair.a.store, "База купивших клиентов"), ==, before);
  move (pair.a.store, deal, "Продажи", "Ожидание отгрузки", NULL, 0);
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, 0);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);
  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      g_assert_cmpint (live_deals_in (store, "База купивших клиентов"), ==, before + 1);
      g_assert_cmpint (count_sql (store, follow_ups, deal), ==, 1);
    }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* --- one follow-up for the close that stands (issue 24) ------------------------------------ */

/* The live follow-up deals of @deal in @pipeline_name (made by a rule in reaction to one
 * of its ops). */
static gint64
follow_ups_in (CrmStore   *store,
               const char *deal,
               const char *pipeline_name)
{
  g_autofree char *pipeline = resolve (store, "pipeline", pipeline_name, NULL);
  g_autofree char *sql = g_strdup_printf (
    "SELECT count (*) FROM deal f WHERE f.pipeline = '%s' AND f.deleted = 0 AND f.id IN ("
    " SELECT e.entity_id FROM changelog e JOIN changelog t ON t.op_id = e.cause"
    " WHERE t.entity_id = ?1 AND e.rule IS NOT NULL AND e.entity = 'deal')", pipeline);

  return count_sql (store, sql, deal);
}

/* Lost, reopened and lost again offline, while on the other laptop the deal was shipped
 * and reopened a moment after the first loss by the clock (seed 7's story): the first
 * loss reaches the server after a reopening it had not seen and wins over it (a close
 * takes the server's clock), the laptop's own reopening and second loss follow; the
 * second loss found the «Отказники» deal already made (its id comes from the rule and
 * the deal) and re-touched it. One «Отказники» deal everywhere, with the deal lost. */
static void
test_lost_again_keeps_follow_up (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "lost-again");
  deal = shared_deal (&pair, "Scania R450 для ООО «Север»", "Ожидание отгрузки");

  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, now);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  move (pair.a.store, deal, "Продажи", "Ожидание отгрузки", NULL, now + 2000);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);

  move (pair.b.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 1000);
  move (pair.b.store, deal, "Продажи", "Ожидание отгрузки", NULL, now + 1500);
  move (pair.b.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 3000);
  g_assert_cmpint (follow_ups_in (pair.b.store, deal, "Отказники"), ==, 1);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Закрыто и не реализовано");
      g_assert_cmpint (follow_ups_in (store, deal, "Отказники"), ==, 1);
    }
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_assert_cmpint (follow_ups_in (account, deal, "Отказники"), ==, 1);
  }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* A loss refused (the deal was shipped on another laptop meanwhile) leaves on the server
 * the empty, deleted row of its «Отказники» deal; the admin, who shipped it, reopens it
 * and loses it «Дорого» offline: his rule makes the «Отказники» deal of the same id,
 * which must not be taken for an edit of a deal someone deleted — it stands with the loss
 * that holds, whole, on every replica; the refused loss is in its author's list. */
static void
test_refused_loss_then_loss (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) listed = NULL;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "refused-loss");
  deal = shared_deal (&pair, "MAN TGX для ООО «Вектор»", "Ожидание отгрузки");

  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, now);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  move (pair.b.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 1000);
  move (pair.a.store, deal, "Продажи", "Ожидание отгрузки", NULL, now + 2000);
  move (pair.a.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 3000);
  g_assert_cmpuint (sync_rejected (&pair.b), >=, 1);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Закрыто и не реализовано");
      g_assert_cmpint (follow_ups_in (store, deal, "Отказники"), ==, 1);
      g_assert_cmpint (count_sql (store, "SELECT count (*) FROM deal f JOIN pipeline p"
                                  " ON p.id = f.pipeline WHERE p.name = 'Отказники'"
                                  " AND f.deleted = 0 AND f.title IS NULL", NULL), ==, 0);
    }
  listed = find_listed (pair.b.store, deal, "deal-closed", NULL);
  g_assert_nonnull (listed);
  assert_conflicts_show (&pair.b, "Why: The deal is already closed");
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* Two laptops move the deal to the same stage at once (both accepted: the same value; the
 * later clock holds), and a third, having seen neither, loses it: the loss wins. The
 * first laptop's move was taken over by the second's equal one before the loss came —
 * it is lost all the same, and listed to its author like the second's. */
static void
test_same_move_then_closed (void)
{
  Pair pair = { 0 };
  CrmTestReplica third = { 0 };
  g_autofree char *deal = NULL;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "same-move");
  crm_test_replica_open (&third, server, tmpdir, "same-move-third.db", "admin", "admin-pw");
  deal = shared_deal (&pair, "Volvo FH16 для ООО «Тайга»", "Новая заявка");
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&third);
  }

  move (pair.a.store, deal, "Продажи", "Ожидание оплаты", NULL, now);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  move (pair.b.store, deal, "Продажи", "Ожидание оплаты", NULL, now + 1000);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);      /* a gets b's equal move */
  move (third.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 500);
  g_assert_cmpuint (sync_rejected (&third), ==, 0);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmTestReplica *replica = i == 0 ? &pair.a : &pair.b;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) items = crm_sync_state_list_conflicts (replica->store, FALSE, 0,
                                                                  &error);
      guint stage_items = 0;

      g_assert_no_error (error);
      assert_stage (replica->store, deal, "Закрыто и не реализовано");
      for (guint k = 0; k < json_array_get_length (items); k++)
        {
          JsonObject *item = json_array_get_object_element (items, k);

          if (g_strcmp0 (json_object_get_string_member_with_default (item, "entity_id", NULL),
                         deal) == 0 &&
              g_strcmp0 (json_object_get_string_member_with_default (item, "field", NULL),
                         "stage") == 0)
            stage_items++;
        }
      if (stage_items != 1)
        g_error ("%s: %u conflicts about the deal's stage, expected its lost move", replica->path,
                 stage_items);
    }
  crm_test_replica_clear (&third);
  pair_clear (&pair);
}

/* A laptop moves the deal "again" to the stage it has (after a reopening, say), later by
 * the clock; another ships it, having seen the stage but not that move, and reaches the
 * server after it; a third ships it too, having seen neither (seed 257's story; 365, 512
 * and 553 are the same with a loss). The ship wins over the move it had not seen — the
 * close takes the server's clock — and keeps its «База купивших клиентов» deal and that
 * deal's task; the third's follow-up is the same deal, refused as a duplicate. Before,
 * the ship lost to the later clock of an equal move, its follow-up was withdrawn, and the
 * third's ship, which held, was left without one. */
static void
test_close_after_equal_move (void)
{
  Pair pair = { 0 };
  CrmTestReplica third = { 0 };
  CrmTestReplica *all[3] = { &pair.a, &pair.b, &third };
  g_autofree char *deal = NULL;
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(CrmStore) account = NULL;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "equal-move");
  crm_test_replica_open (&third, server, tmpdir, "equal-move-third.db", "admin", "admin-pw");
  deal = shared_deal (&pair, "DAF XF 480 для ООО «Омега»", "Ожидание отгрузки");
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&third);
  }

  move (pair.b.store, deal, "Продажи", "Ожидание отгрузки", NULL, now + 2000);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  move (pair.a.store, deal, "Продажи", "Отгружено", NULL, now + 1000);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  move (third.store, deal, "Продажи", "Отгружено", NULL, now + 3000);
  sync_rejected (&third);
  sync_all (&pair.a, 2);
  {
    g_autoptr(CrmSyncReport) report = crm_test_replica_sync (&third);
  }

  account = crm_test_server_open_account (server);
  for (guint i = 0; i < 4; i++)
    {
      CrmStore *store = i < 3 ? all[i]->store : account;

      assert_stage (store, deal, "Отгружено");
      g_assert_cmpint (follow_ups_in (store, deal, "База купивших клиентов"), ==, 1);
      /* the follow-up's task is open, not cancelled with a close that did not hold */
      g_assert_cmpint (count_sql (store,
                                  "SELECT count (*) FROM task t JOIN deal f ON f.id = t.deal"
                                  " WHERE f.id IN (SELECT e.entity_id FROM changelog e"
                                  " JOIN changelog c ON c.op_id = e.cause WHERE c.entity_id = ?1"
                                  " AND e.rule IS NOT NULL AND e.entity = 'deal')"
                                  " AND t.deleted = 0 AND t.done = 0", deal), >=, 1);
    }
  /* the manager's move did not hold: he reads why */
  listed = find_listed (pair.b.store, deal, NULL, "The deal is already closed");
  g_assert_nonnull (listed);
  g_assert_cmpstr (json_object_get_string_member (listed, "field"), ==, "stage");
  assert_all_equal (&pair.a, 2);
  crm_test_replica_clear (&third);
  pair_clear (&pair);
}

/* The same with the author's own reopening after the close, in one push: the loss wins
 * over the equal move it had not seen (the server's clock), and the reopening its author
 * made after it holds — it is later than the close, whatever the clocks now say; the
 * deal keeps the one «Отказники» deal of that loss. Lost again by the other laptop, now
 * knowing: still one «Отказники» deal, everywhere. */
static void
test_own_reopen_after_close_won (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  gint64 now = crm_time_now_ms ();

  pair_open (&pair, "own-reopen");
  deal = shared_deal (&pair, "Iveco S-Way для ИП Гладков", "Ожидание отгрузки");

  move (pair.b.store, deal, "Продажи", "Ожидание отгрузки", NULL, now + 2000);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  move (pair.a.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", now + 1000);
  move (pair.a.store, deal, "Продажи", "Ожидание оплаты", NULL, now + 1200);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Ожидание оплаты");
      g_assert_cmpint (follow_ups_in (store, deal, "Отказники"), <=, 1);
    }
  assert_all_equal (&pair.a, 2);

  move (pair.b.store, deal, "Продажи", "Закрыто и не реализовано", "Дорого", 0);
  g_assert_cmpuint (sync_rejected (&pair.b), ==, 0);
  sync_all (&pair.a, 2);
  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Закрыто и не реализовано");
      g_assert_cmpint (follow_ups_in (store, deal, "Отказники"), ==, 1);
    }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

/* --- auto-tasks given back with the stage -------------------------------------------------- */

/* A rule of the admin's: entering «Встреча согласована» in «Продажи» makes the task
 * «Провести встречу» (an auto-task of that stage). Added once, on the admin's laptop, and
 * synced; both stores are opened again so they read it. */
static void
add_meeting_rule (Pair *pair)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *rule_id = crm_uuid_v5 (CRM_UUID_NAMESPACE, "test/merge-rules/meeting");
  CrmChange *change = crm_changeset_create (changeset, "rule", rule_id);
  g_autoptr(JsonNode) definition = json_from_string (
    "{\"trigger\": {\"type\": \"stage_entered\", \"pipeline\": \"Продажи\","
    " \"stage\": \"Встреча согласована\"},"
    " \"actions\": [{\"type\": \"create_task\", \"text\": \"Провести встречу\","
    " \"due\": {\"days\": 2}, \"responsible\": \"deal\"}]}", &error);

  g_assert_no_error (error);
  crm_change_set_string (change, "name", "Встреча согласована: провести встречу");
  crm_change_set_node (change, "definition", json_node_copy (definition));
  crm_change_set_bool (change, "enabled", TRUE);
  crm_change_set_int (change, "position", 1000);
  g_assert_true (crm_store_apply (pair->a.store, changeset, &error));
  g_assert_no_error (error);
  sync_all (&pair->a, 2);
  for (guint i = 0; i < 2; i++)
    {
      CrmTestReplica *replica = i == 0 ? &pair->a : &pair->b;

      g_clear_object (&replica->store);
      replica->store = crm_test_open (replica->path);
    }
}

static void
test_auto_tasks_come_back (void)
{
  Pair pair = { 0 };
  g_autofree char *deal = NULL;
  gint64 now = crm_time_now_ms ();
  const char *meetings =
    "SELECT count (*) FROM task WHERE deal = ?1 AND deleted = 0 AND text = 'Провести встречу'";
  const char *open_meetings =
    "SELECT count (*) FROM task WHERE deal = ?1 AND deleted = 0 AND text = 'Провести встречу'"
    " AND done = 0 AND result IS NULL AND done_at IS NULL";

  pair_open (&pair, "auto-tasks");
  add_meeting_rule (&pair);
  deal = shared_deal (&pair, "DAF XF для ООО «Меридиан»", "Квалифицирован");

  /* the admin agrees the meeting (the rule makes its task), holds it and moves on to the
   * contract: the task is closed «закрыта вместе с этапом» */
  move (pair.a.store, deal, "Продажи", "Встреча согласована", NULL, now);
  g_assert_cmpint (count_sql (pair.a.store, open_meetings, deal), ==, 1);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);
  move (pair.a.store, deal, "Продажи", "Согласование условий договора", NULL, now + 1000);
  g_assert_cmpint (count_sql (pair.a.store, open_meetings, deal), ==, 0);
  g_assert_cmpint (count_sql (pair.a.store,
                              "SELECT count (*) FROM task WHERE deal = ?1 AND done = 1"
                              " AND result = 'закрыта вместе с этапом'", deal), ==, 1);
  g_assert_cmpuint (sync_rejected (&pair.a), ==, 0);

  /* the manager, offline since the deal was qualified, agrees the meeting too, a minute
   * later by the clock: his stage holds (he had seen neither move), his own copy of the
   * rule's task is a duplicate, and the admin's move to the contract is overridden — its
   * closing of the meeting task with it */
  move (pair.b.store, deal, "Продажи", "Встреча согласована", NULL, now + 60000);
  g_assert_cmpuint (sync_rejected (&pair.b), >=, 1);
  sync_all (&pair.a, 2);

  for (guint i = 0; i < 2; i++)
    {
      CrmStore *store = i == 0 ? pair.a.store : pair.b.store;

      assert_stage (store, deal, "Встреча согласована");
      /* one meeting task, open again: the deal is at its stage */
      g_assert_cmpint (count_sql (store, meetings, deal), ==, 1);
      g_assert_cmpint (count_sql (store, open_meetings, deal), ==, 1);
    }
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);
    g_assert_cmpint (count_sql (account, open_meetings, deal), ==, 1);
  }
  assert_all_equal (&pair.a, 2);
  pair_clear (&pair);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, NULL);

  g_test_add_func ("/merge-rules/close-wins-over-stale-move", test_close_wins_over_stale_move);
  g_test_add_func ("/merge-rules/close-wins-when-second", test_close_wins_when_second);
  g_test_add_func ("/merge-rules/won-first", test_won_first);
  g_test_add_func ("/merge-rules/lost-first", test_lost_first);
  g_test_add_func ("/merge-rules/effects-follow-trigger", test_effects_follow_trigger);
  g_test_add_func ("/merge-rules/task-done-against-edited", test_task_done_against_edited);
  g_test_add_func ("/merge-rules/deleted-against-edited", test_deleted_against_edited);
  g_test_add_func ("/merge-rules/sets-merge-as-sets", test_sets_merge_as_sets);
  g_test_add_func ("/merge-rules/counters-add-up", test_counters_add_up);
  g_test_add_func ("/merge-rules/reopen-then-win", test_reopen_then_win);
  g_test_add_func ("/merge-rules/lost-again-keeps-follow-up", test_lost_again_keeps_follow_up);
  g_test_add_func ("/merge-rules/refused-loss-then-loss", test_refused_loss_then_loss);
  g_test_add_func ("/merge-rules/same-move-then-closed", test_same_move_then_closed);
  g_test_add_func ("/merge-rules/close-after-equal-move", test_close_after_equal_move);
  g_test_add_func ("/merge-rules/own-reopen-after-close-won", test_own_reopen_after_close_won);
  /* last: its rule stays in the account */
  g_test_add_func ("/merge-rules/auto-tasks-come-back", test_auto_tasks_come_back);
  status = g_test_run ();
  crm_test_server_tear_down (server, tmpdir, status);
  return status;
}
