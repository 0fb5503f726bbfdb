/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-report-totals.c — the reports read from the day totals (report_day, schema 18,
 * kept by triggers in the write's own transaction), the per-deal values (deal_report,
 * schema 19: how far a deal got, its first response) and the open deals without an open
 * task (deal_no_task, schema 20) equal the same reports counted from the rows
 * (crm_report_run_from_rows), after random work on two laptops of one account synced
 * through a real voronka-server: deals made, moved, won and lost, their amounts, owners
 * and pipelines changed, tasks made, done, reopened and moved to another deal (or off
 * one), deals and tasks deleted, notes written and deleted, change sets undone, a
 * stage's kind (open, unsorted, won) and position changed, contacts linked to deals and
 * unlinked, a deal's company and a contact's company changed (the RFM report's facts,
 * rfm_won, schema 23); both laptops edit the same deals between syncs. Checked on both laptops and on the server's replica, after every
 * round, for periods of whole days and of odd hours, with each filter. */
#include <string.h>

#include "crm-replica-file.h"
#include "crm-report.h"
#include "crm-rfm.h"
#include "crm-sync-state.h"
#include "crm-store-private.h"
#include "crm-test-server.h"
#include "crm-test-store.h"
#include "crm-test-util.h"
#include "crm-time.h"
#include "crm-undo.h"

#define DAY  CRM_MS_PER_DAY
#define HOUR ((gint64) 3600 * 1000)

static char *tmpdir;
static CrmTestServer *server;

/* The ids SQL @sql gives (one column), never NULL. */
static GPtrArray *
list_ids (CrmStore   *store,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

static const char *
pick (GRand     *rand,
      GPtrArray *ids)
{
  if (ids->len == 0)
    return NULL;
  return ids->pdata[g_rand_int_range (rand, 0, ids->len)];
}

/* Lines of "id value…" SQL @sql gives (one text column), one string. */
static char *
lines_of (CrmStore   *store,
          const char *sql)
{
  g_autoptr(GPtrArray) lines = list_ids (store, sql);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) lines->pdata[i]);
  return g_string_free (text, FALSE);
}

/* Every client's RFM facts as `rfm show` prints them (frequency, monetary, last won;
 * crm_rfm_score_all reads them from rfm_won, kept by the write path) equal those this
 * test counts from the deals and links: a company's won deals; a contact's, its
 * company's and those linked to it, each once. */
static void
check_rfm_facts (CrmStore   *store,
                 const char *where)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL, *counted = NULL;
  g_autofree char *sql = g_strdup_printf (
    "WITH won AS (SELECT d.id, d.company, coalesce (d.amount, 0) AS amount,"
    "  coalesce (d.stage_entered_at, d.created_at, 0) AS at FROM deal d"
    "  JOIN stage s ON s.id = d.stage WHERE s.kind = 'won' AND d.deleted = 0"
    "  AND coalesce (d.stage_entered_at, d.created_at, 0) <= %" G_GINT64_FORMAT "),"
    " facts AS (SELECT c.id AS client, w.* FROM company c JOIN won w ON w.company = c.id"
    "  WHERE c.deleted = 0"
    "  UNION SELECT p.id, w.* FROM contact p JOIN won w ON w.company = p.company"
    "  WHERE p.deleted = 0"
    "  UNION SELECT p.id, w.* FROM contact p JOIN deal_contact l ON l.contact = p.id"
    "  AND l.present = 1 AND l.deleted = 0 JOIN won w ON w.id = l.deal WHERE p.deleted = 0)"
    " SELECT client || ' ' || count (*) || ' ' || sum (amount) || ' ' || max (at)"
    " FROM facts GROUP BY client ORDER BY client", crm_store_get_now (store));

  g_assert_cmpint (crm_rfm_score_all (store, &error), >=, 0);
  g_assert_no_error (error);
  kept = lines_of (store, "SELECT client || ' ' || frequency || ' ' || monetary || ' ' ||"
                          " last_won FROM temp.rfm_client ORDER BY client");
  counted = lines_of (store, sql);
  if (g_strcmp0 (kept, counted) != 0)
    g_error ("%s: the RFM facts kept\n%s\ncounted from the deals\n%s", where, kept, counted);
}

/* Every report over several periods and filters: from the totals as from the rows. */
static guint
check_reports (CrmStore   *store,
               const char *where)
{
  g_autoptr(GPtrArray) users = list_ids (store, "SELECT id FROM \"user\" ORDER BY id");
  g_autoptr(GPtrArray) pipelines = list_ids (store, "SELECT id FROM pipeline ORDER BY id");
  gint64 now = crm_store_get_now (store);
  const gint64 periods[][2] = {
    { 0, 0 },                                              /* everything */
    { now - 30 * DAY, 0 },                                 /* the last 30 days, odd hours */
    { (now / DAY - 20) * DAY, (now / DAY - 3) * DAY },     /* whole UTC days */
    { (now / DAY - 40) * DAY + 21 * HOUR, (now / DAY - 1) * DAY + 21 * HOUR },  /* Moscow's */
    { now - 5 * HOUR, now + 2 * DAY },                     /* within a day, into the future */
    { now - 400 * DAY, now - 200 * DAY },                  /* before anything */
  };
  guint n_reports;
  const CrmReportInfo *infos = crm_report_list (&n_reports);
  guint checked = 0;

  check_rfm_facts (store, where);
  for (guint r = 0; r < n_reports; r++)
    for (guint p = 0; p < G_N_ELEMENTS (periods); p++)
      for (guint f = 0; f < 4; f++)
        {
          CrmReportFilter filter = { periods[p][0], periods[p][1], NULL, NULL, NULL };
          g_autoptr(GError) error = NULL;
          g_autoptr(GError) rows_error = NULL;
          g_autoptr(JsonNode) totals = NULL;
          g_autoptr(JsonNode) rows = NULL;
          g_autofree char *totals_text = NULL, *rows_text = NULL;

          if (f == 1 && users->len > 1)
            filter.user_id = users->pdata[1];
          else if (f == 2 && pipelines->len > 0)
            filter.pipeline_id = pipelines->pdata[0];
          else if (f == 3)
            filter.group = "nobody's";
          totals = crm_report_run (store, infos[r].name, &filter, &error);
          rows = crm_report_run_from_rows (store, infos[r].name, &filter, &rows_error);
          if (totals == NULL || rows == NULL)
            {
              /* the same refusal both ways (no such fields in the account) */
              g_assert_null (totals);
              g_assert_null (rows);
              g_assert_cmpstr (error->message, ==, rows_error->message);
              continue;
            }
          totals_text = crm_test_report_text (totals);
          rows_text = crm_test_report_text (rows);
          if (g_strcmp0 (totals_text, rows_text) != 0)
            g_error ("%s: report %s, period %u, filter %u: from the totals\n%s\nfrom the rows\n%s",
                     where, infos[r].name, p, f, totals_text, rows_text);
          checked++;
        }
  return checked;
}

typedef struct {
  CrmStore   *store;
  GRand      *rand;
  const char *name;
  gboolean    admin;
  GPtrArray  *change_sets;   /* this laptop's, to undo */
} Laptop;

static void
apply (Laptop       *laptop,
       CrmChangeset *changeset)
{
  g_autoptr(GError) error = NULL;

  /* a refused change (a rule, a role) is part of random work: it changes nothing */
  if (crm_store_apply (laptop->store, changeset, &error))
    g_ptr_array_add (laptop->change_sets, crm_store_dup_last_change_set (laptop->store));
}

/* A time near @now: up to @back days before it, at any minute; one time in ten up to
 * three hours after it (a laptop whose clock runs ahead: a period that ends now must not
 * count what its last day holds after the end). */
static gint64
some_time (Laptop *laptop,
           gint64  now,
           int     back)
{
  if (g_rand_int_range (laptop->rand, 0, 10) == 0)
    return now + (gint64) g_rand_int_range (laptop->rand, 1, 3 * 60) * 60 * 1000;
  return now - (gint64) g_rand_int_range (laptop->rand, 0, back * 24 * 60) * 60 * 1000;
}

static void
random_change (Laptop *laptop)
{
  CrmStore *store = laptop->store;
  GRand *rand = laptop->rand;
  g_autoptr(GPtrArray) users = list_ids (store, "SELECT id FROM \"user\" WHERE deleted = 0");
  g_autoptr(GPtrArray) pipelines = list_ids (store,
    "SELECT id FROM pipeline WHERE deleted = 0 AND name IN ('Продажи', 'Сервис',"
    " 'База купивших клиентов', 'Отказники')");
  g_autoptr(GPtrArray) deals = list_ids (store, "SELECT id FROM deal WHERE deleted = 0");
  g_autoptr(GPtrArray) tasks = list_ids (store, "SELECT id FROM task WHERE deleted = 0");
  g_autoptr(GPtrArray) companies = list_ids (store, "SELECT id FROM company WHERE deleted = 0");
  g_autoptr(GPtrArray) contacts = list_ids (store, "SELECT id FROM contact WHERE deleted = 0");
  g_autoptr(GPtrArray) won = list_ids (store,
    "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage WHERE d.deleted = 0"
    " AND s.kind = 'won'");
  g_autoptr(GPtrArray) without = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  gint64 now = crm_store_get_now (store);
  const char *deal = pick (rand, deals);
  const char *task = pick (rand, tasks);
  int what = g_rand_int_range (rand, 0, 27);

  if (deal == NULL)
    what = 0;
  /* often one of the few open deals without an open task (the dashboard's figure): its
   * owner, pipeline or stage changed, a task given to it */
  if (what == 20 || what == 21)
    {
      without = list_ids (store,
        "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage"
        " WHERE d.deleted = 0 AND coalesce (s.kind, 'open') IN ('unsorted', 'open')"
        " AND NOT EXISTS (SELECT 1 FROM task t WHERE t.deal = d.id AND t.deleted = 0"
        " AND coalesce (t.done, 0) = 0)");

      if (without->len == 0)
        return;
      deal = pick (rand, without);
      what = what == 20 ? 5 : g_rand_boolean (rand) ? 2 : 6;
    }
  switch (what)
    {
    case 0: case 1:   /* a new deal, created some days ago, in any stage of a pipeline */
      {
        const char *pipeline = pick (rand, pipelines);
        g_autofree char *sql = g_strdup_printf (
          "SELECT id FROM stage WHERE deleted = 0 AND pipeline = '%s'", pipeline);
        g_autoptr(GPtrArray) stages = list_ids (store, sql);
        g_autofree char *id = crm_store_new_id (store);
        CrmChange *change = crm_changeset_create (changeset, "deal", id);
        gint64 created = some_time (laptop, now, 60);

        crm_change_set_string (change, "title", "Сделка");
        crm_change_set_string (change, "pipeline", pipeline);
        crm_change_set_string (change, "stage", pick (rand, stages));
        crm_change_set_string (change, "currency", "RUB");
        crm_change_set_int (change, "amount", g_rand_int_range (rand, 0, 5) * 150000);
        crm_change_set_int (change, "created_at", created);
        crm_change_set_int (change, "stage_entered_at", created + g_rand_int_range (rand, 0, 3) * HOUR);
        if (g_rand_boolean (rand))
          crm_change_set_string (change, "responsible", pick (rand, users));
        /* a client's: its company's, a contact's, or both */
        if (g_rand_int_range (rand, 0, 3) > 0 && companies->len > 0)
          crm_change_set_string (change, "company", pick (rand, companies));
        if (g_rand_boolean (rand) && contacts->len > 0)
          crm_changeset_set_link (changeset, "deal_contact", "deal", id, "contact",
                                  pick (rand, contacts), TRUE);
        break;
      }
    case 2: case 3: case 4:   /* a move: to any stage of its pipeline, won and lost too */
      {
        /* often a close: won or lost */
        g_autofree char *sql = g_strdup_printf (
          "SELECT s.id FROM stage s JOIN deal d ON d.pipeline = s.pipeline"
          " WHERE d.id = '%s' AND s.deleted = 0%s", deal,
          g_rand_int_range (rand, 0, 5) < 2 ? " AND s.kind IN ('won', 'lost')" : "");
        g_autoptr(GPtrArray) stages = list_ids (store, sql);
        g_autofree char *reasons_sql = g_strdup_printf (
          "SELECT r.id FROM loss_reason r JOIN deal d ON d.pipeline = r.pipeline"
          " WHERE d.id = '%s' AND r.deleted = 0", deal);
        g_autoptr(GPtrArray) reasons = list_ids (store, reasons_sql);
        CrmChange *change = crm_changeset_touch (changeset, "deal", deal);

        if (stages->len == 0)
          return;
        crm_change_set_string (change, "stage", pick (rand, stages));
        crm_change_set_int (change, "stage_entered_at", some_time (laptop, now, 20));
        if (reasons->len > 0)
          crm_change_set_string (change, "loss_reason", pick (rand, reasons));
        break;
      }
    case 5:   /* the amount (often a won deal's), the owner, or another pipeline */
      {
        int which = g_rand_int_range (rand, 0, 3);
        CrmChange *change;

        if (which == 0 && won->len > 0 && g_rand_boolean (rand))
          deal = pick (rand, won);
        change = crm_changeset_touch (changeset, "deal", deal);
        switch (which)
          {
          case 0:
            crm_change_set_int (change, "amount", g_rand_int_range (rand, 0, 9) * 70000);
            break;
          case 1:
            crm_change_set_string (change, "responsible", pick (rand, users));
            break;
          default:
            {
              const char *pipeline = pick (rand, pipelines);
              g_autofree char *sql = g_strdup_printf (
                "SELECT id FROM stage WHERE deleted = 0 AND pipeline = '%s'", pipeline);
              g_autoptr(GPtrArray) stages = list_ids (store, sql);

              crm_change_set_string (change, "pipeline", pipeline);
              crm_change_set_string (change, "stage", pick (rand, stages));
            }
          }
        break;
      }
    case 6: case 7:   /* a task, for a deal or not, made some days ago, due around now */
      {
        g_autofree char *id = crm_store_new_id (store);
        CrmChange *change = crm_changeset_create (changeset, "task", id);

        crm_change_set_string (change, "text", "Позвонить");
        crm_change_set_string (change, "type", "call");
        if (g_rand_int_range (rand, 0, 5) > 0)
          crm_change_set_string (change, "deal", deal);
        crm_change_set_string (change, "responsible", pick (rand, users));
        crm_change_set_int (change, "created_at", some_time (laptop, now, 30));
        crm_change_set_int (change, "due", some_time (laptop, now + 10 * DAY, 25));
        crm_change_set_bool (change, "done", FALSE);
        break;
      }
    case 8: case 9: case 14:
    case 26:   /* a task done (sometimes without a time), or reopened */
      {
        CrmChange *change;

        if (task == NULL)
          return;
        change = crm_changeset_touch (changeset, "task", task);
        if (g_rand_int_range (rand, 0, 4) == 0)
          crm_change_set_bool (change, "done", FALSE);
        else
          {
            crm_change_set_bool (change, "done", TRUE);
            if (g_rand_int_range (rand, 0, 6) > 0)
              crm_change_set_int (change, "done_at", some_time (laptop, now, 15));
          }
        break;
      }
    case 10:   /* a deal or a task deleted */
      if (task != NULL && g_rand_boolean (rand))
        crm_change_set_bool (crm_changeset_touch (changeset, "task", task), "deleted", TRUE);
      else
        crm_change_set_bool (crm_changeset_touch (changeset, "deal", deal), "deleted", TRUE);
      break;
    case 11: case 12:   /* one of this laptop's change sets undone */
      {
        g_autoptr(GError) error = NULL;
        const char *change_set = pick (rand, laptop->change_sets);

        if (change_set != NULL)
          crm_store_undo_change_set (store, change_set, NULL, NULL, &error);
        return;
      }
    case 13:   /* the admin turns an open (or unsorted) stage into a won one, or back */
      {
        g_autoptr(GPtrArray) stages = list_ids (store,
          "SELECT id FROM stage WHERE deleted = 0"
          " AND coalesce (kind, 'open') IN ('open', 'unsorted', 'won')"
          " AND name NOT LIKE 'Отгружено%'");
        const char *stage = pick (rand, stages);

        if (!laptop->admin || stage == NULL)
          return;
        crm_change_set_string (crm_changeset_touch (changeset, "stage", stage), "kind",
                               crm_test_count_sql (store,
                                 "SELECT count (*) FROM stage WHERE id = ?1 AND kind = 'won'",
                                 stage) == 0 ? "won"
                               : g_rand_boolean (rand) ? "open" : "unsorted");
        break;
      }
    case 15:   /* a note on a deal (the first response), some days ago */
      {
        g_autofree char *id = crm_store_new_id (store);
        CrmChange *change = crm_changeset_create (changeset, "note", id);

        crm_change_set_string (change, "entity", "deal");
        crm_change_set_string (change, "entity_id", deal);
        crm_change_set_string (change, "text", "Перезвонить");
        crm_change_set_int (change, "created_at", some_time (laptop, now, 30));
        break;
      }
    case 16:   /* a note deleted */
      {
        g_autoptr(GPtrArray) notes = list_ids (store, "SELECT id FROM note WHERE deleted = 0");
        const char *note = pick (rand, notes);

        if (note == NULL)
          return;
        crm_change_set_bool (crm_changeset_touch (changeset, "note", note), "deleted", TRUE);
        break;
      }
    case 18: case 19:   /* a task moved to another deal, or off its deal */
      {
        CrmChange *change;

        if (task == NULL)
          return;
        change = crm_changeset_touch (changeset, "task", task);
        if (g_rand_int_range (rand, 0, 5) > 0)
          crm_change_set_string (change, "deal", deal);
        else
          crm_change_set_null (change, "deal");
        break;
      }
    case 22: case 23:   /* a contact linked to a deal (often a won one), or unlinked */
      {
        g_autofree char *sql = NULL;
        g_autoptr(GPtrArray) linked = NULL;

        if (won->len > 0 && g_rand_int_range (rand, 0, 3) > 0)
          deal = pick (rand, won);
        sql = g_strdup_printf (
          "SELECT contact FROM deal_contact WHERE deal = '%s' AND present = 1"
          " AND deleted = 0", deal);
        linked = list_ids (store, sql);

        if (linked->len > 0 && g_rand_boolean (rand))
          crm_changeset_set_link (changeset, "deal_contact", "deal", deal, "contact",
                                  pick (rand, linked), FALSE);
        else if (contacts->len > 0)
          crm_changeset_set_link (changeset, "deal_contact", "deal", deal, "contact",
                                  pick (rand, contacts), TRUE);
        else
          return;
        break;
      }
    case 24:   /* a deal's company (often a won deal's) changed, or taken off it */
      {
        CrmChange *change;

        if (won->len > 0 && g_rand_boolean (rand))
          deal = pick (rand, won);
        change = crm_changeset_touch (changeset, "deal", deal);

        if (companies->len > 0 && g_rand_int_range (rand, 0, 4) > 0)
          crm_change_set_string (change, "company", pick (rand, companies));
        else
          crm_change_set_null (change, "company");
        break;
      }
    case 25:   /* a contact moved to another company, or off its company */
      {
        const char *contact = pick (rand, contacts);
        CrmChange *change;

        if (contact == NULL)
          return;
        change = crm_changeset_touch (changeset, "contact", contact);
        if (companies->len > 0 && g_rand_boolean (rand))
          crm_change_set_string (change, "company", pick (rand, companies));
        else
          crm_change_set_null (change, "company");
        break;
      }
    case 17:   /* the admin moves a stage elsewhere in its funnel */
      {
        g_autoptr(GPtrArray) stages = list_ids (store,
          "SELECT id FROM stage WHERE deleted = 0 AND name NOT LIKE 'Отгружено%'");
        const char *stage = pick (rand, stages);

        if (!laptop->admin || stage == NULL)
          return;
        crm_change_set_int (crm_changeset_touch (changeset, "stage", stage), "position",
                            g_rand_int_range (rand, 0, 12));
        break;
      }
    }
  apply (laptop, changeset);
}

/* The RFM report's segments (its facts: rfm_won, schema 23) and the clients the deals are
 * for: companies, contacts of a company and on their own, each with a manager; and deals
 * they bought in the last two months (won in «База купивших клиентов»), each of a
 * company, with contacts linked, or both, for the random work to change. */
static void
add_clients (Laptop *laptop)
{
  static const struct {
    const char   *name;
    CrmRfmBounds  bounds;
  } segments[] = {
    { "VIP", { -1, 365, 3, -1, 30000000, -1 } },
    { "Горячий", { -1, 10, 2, -1, -1, -1 } },
    { "Новый", { -1, 10, -1, 1, -1, -1 } },
    { "Тёплый", { -1, 30, -1, -1, -1, -1 } },
    { "Спящий", { 31, -1, -1, -1, -1, -1 } },
  };
  g_autoptr(GPtrArray) users = list_ids (laptop->store,
                                         "SELECT id FROM \"user\" WHERE deleted = 0");
  g_autoptr(GPtrArray) companies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) contacts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pipeline = list_ids (laptop->store,
    "SELECT id FROM pipeline WHERE deleted = 0 AND name = 'База купивших клиентов'");
  g_autoptr(GPtrArray) won = list_ids (laptop->store,
    "SELECT s.id FROM stage s JOIN pipeline p ON p.id = s.pipeline WHERE s.deleted = 0"
    " AND s.kind = 'won' AND p.name = 'База купивших клиентов'");
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  gint64 now = crm_store_get_now (laptop->store);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      g_assert_true (crm_rfm_segment_set (laptop->store, segments[i].name, NULL,
                                          &segments[i].bounds, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 8; i++)
    {
      char *id = crm_store_new_id (laptop->store);
      g_autofree char *name = g_strdup_printf ("ООО Клиент %u", i + 1);
      CrmChange *change = crm_changeset_create (changeset, "company", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "responsible", pick (laptop->rand, users));
      g_ptr_array_add (companies, id);
    }
  for (guint i = 0; i < 16; i++)
    {
      char *id = crm_store_new_id (laptop->store);
      g_autofree char *name = g_strdup_printf ("Покупатель %u", i + 1);
      CrmChange *change = crm_changeset_create (changeset, "contact", id);

      crm_change_set_string (change, "name", name);
      crm_change_set_string (change, "responsible", pick (laptop->rand, users));
      /* half of them work at one of the companies */
      if (i % 2 != 0)
        crm_change_set_string (change, "company", pick (laptop->rand, companies));
      g_ptr_array_add (contacts, id);
    }
  g_assert_cmpuint (pipeline->len, ==, 1);
  g_assert_cmpuint (won->len, ==, 1);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = crm_store_new_id (laptop->store);
      CrmChange *change = crm_changeset_create (changeset, "deal", id);
      gint64 at = some_time (laptop, now, 60);

      crm_change_set_string (change, "title", "Покупка");
      crm_change_set_string (change, "pipeline", pipeline->pdata[0]);
      crm_change_set_string (change, "stage", won->pdata[0]);
      crm_change_set_string (change, "currency", "RUB");
      crm_change_set_int (change, "amount", g_rand_int_range (laptop->rand, 1, 9) * 2500000);
      crm_change_set_int (change, "created_at", at - 5 * DAY);
      crm_change_set_int (change, "stage_entered_at", at);
      crm_change_set_string (change, "responsible", pick (laptop->rand, users));
      if (i % 3 != 2)
        crm_change_set_string (change, "company", pick (laptop->rand, companies));
      if (i % 3 != 0)
        for (guint n = 0; n < 2; n++)
          crm_changeset_set_link (changeset, "deal_contact", "deal", id, "contact",
                                  pick (laptop->rand, contacts), TRUE);
    }
  g_assert_true (crm_store_apply (laptop->store, changeset, &error));
  g_assert_no_error (error);
}

static void
test_random_work (void)
{
  CrmTestReplica a = { 0 }, b = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (19);
  Laptop laptops[2];
  gint64 now = 0;
  guint checked = 0;

  crm_test_replica_open (&a, server, tmpdir, "a.db", "admin", "admin-pw");
  crm_test_replica_open (&b, server, tmpdir, "b.db", "manager", "manager-pw");
  laptops[0] = (Laptop) { a.store, rand, "laptop A", TRUE,
                          g_ptr_array_new_with_free_func (g_free) };
  laptops[1] = (Laptop) { b.store, rand, "laptop B", FALSE,
                          g_ptr_array_new_with_free_func (g_free) };
  g_assert_true (crm_time_parse ("2026-03-10T09:30:00Z", &now));
  crm_store_set_now (a.store, now);
  add_clients (&laptops[0]);

  for (guint round = 0; round < 6; round++)
    {
      g_autofree char *where = NULL;

      /* both laptops work offline on the same deals, with their own clocks */
      for (guint i = 0; i < 2; i++)
        {
          crm_store_set_now (laptops[i].store, now + i * 7 * 60 * 1000);
          for (guint n = 0; n < 30; n++)
            random_change (&laptops[i]);
          where = g_strdup_printf ("%s, round %u, offline", laptops[i].name, round);
          checked += check_reports (laptops[i].store, where);
          g_clear_pointer (&where, g_free);
        }
      /* then sync in a random order: the second one pulls the first one's work */
      {
        CrmTestReplica *first = g_rand_boolean (rand) ? &a : &b;
        CrmTestReplica *second = first == &a ? &b : &a;
        CrmSyncReport *report;

        report = crm_test_replica_sync (first);
        crm_sync_report_free (report);
        report = crm_test_replica_sync (second);
        crm_sync_report_free (report);
        report = crm_test_replica_sync (first);
        crm_sync_report_free (report);
      }
      for (guint i = 0; i < 2; i++)
        {
          where = g_strdup_printf ("%s, round %u, synced", laptops[i].name, round);
          checked += check_reports (laptops[i].store, where);
          g_clear_pointer (&where, g_free);
        }
      now += DAY + 3 * HOUR;
    }

  /* the server's replica, written by its own path (merged pushes) */
  {
    g_autoptr(CrmStore) account = crm_test_server_open_account (server);

    crm_store_set_now (account, now);
    checked += check_reports (account, "the server's replica");

    /* the server's copy installed into laptop A, which has unpushed work of its own (a
     * replica back after the server's history horizon): the copy runs without the
     * triggers and computes every total once from the rows it ends with */
    {
      g_autofree char *snapshot = g_build_filename (tmpdir, "snapshot.db", NULL);
      g_autoptr(GError) error = NULL;
      gint64 seq = 0;

      /* what laptop B pushed since is in the copy, not yet in laptop A's totals */
      crm_store_set_now (b.store, now);
      for (guint n = 0; n < 30; n++)
        random_change (&laptops[1]);
      crm_sync_report_free (crm_test_replica_sync (&b));
      crm_store_set_now (a.store, now);
      for (guint n = 0; n < 30; n++)
        random_change (&laptops[0]);
      g_assert_true (crm_replica_file_make_snapshot (crm_store_get_path (account), snapshot,
                                                     &seq, &error));
      g_assert_no_error (error);
      g_assert_cmpint (crm_store_get_log_length (a.store), >, 0);
      g_assert_true (crm_sync_state_install_snapshot (&a.store, snapshot, seq, 0, &error));
      g_assert_no_error (error);
      g_assert_true (a.store == laptops[0].store);
      checked += check_reports (a.store, "laptop A, the server's copy installed");
    }
  }
  g_test_message ("%u reports compared", checked);
  g_assert_cmpuint (checked, >, 500);

  /* the work was real: deals won and lost, tasks done and overdue, on laptop A (most
     * wins were undone, reopened or lost again by then) */
  {
    g_autoptr(JsonNode) sales = crm_report_run (a.store, "sales", NULL, NULL);
    g_autoptr(JsonNode) tasks = crm_report_run (a.store, "tasks", NULL, NULL);
    JsonObject *sold = json_object_get_object_member (json_node_get_object (sales), "totals");
    JsonObject *done = json_object_get_object_member (json_node_get_object (tasks), "totals");
    g_autofree char *before = crm_test_report_text (sales);
    g_autofree char *after = NULL;
    g_autoptr(JsonNode) wrong = NULL;
    sqlite3_stmt *stmt;

    g_test_message ("laptop A: %" G_GINT64_FORMAT " won, %" G_GINT64_FORMAT " lost, %"
                    G_GINT64_FORMAT " tasks done, %" G_GINT64_FORMAT " overdue",
                    json_object_get_int_member (sold, "won"),
                    json_object_get_int_member (sold, "lost"),
                    json_object_get_int_member (done, "done"),
                    json_object_get_int_member (done, "overdue"));
    g_assert_cmpint (json_object_get_int_member (sold, "won"), >, 0);
    g_assert_cmpint (json_object_get_int_member (sold, "lost"), >, 0);
    g_assert_cmpint (json_object_get_int_member (done, "done"), >, 2);
    g_assert_cmpint (json_object_get_int_member (done, "overdue"), >, 2);
    /* and deals answered (notes, done tasks, moves) */
    {
      g_autoptr(JsonNode) dashboard = crm_report_run (a.store, "dashboard", NULL, NULL);
      JsonObject *all = json_object_get_object_member (json_node_get_object (dashboard),
                                                       "totals");

      g_assert_false (json_object_get_null_member (all, "response_median"));
      g_assert_cmpint (json_object_get_int_member (all, "response_median"), >, 0);
      /* and open deals with and without an open task */
      g_test_message ("laptop A: %" G_GINT64_FORMAT " open deals without a task",
                      json_object_get_int_member (all, "without_tasks"));
      g_assert_cmpint (json_object_get_int_member (all, "without_tasks"), >, 0);
      g_assert_cmpint (crm_test_count_sql (a.store,
        "SELECT count (DISTINCT d.id) FROM deal d JOIN stage s ON s.id = d.stage"
        " JOIN task t ON t.deal = d.id AND t.deleted = 0 AND t.done = 0"
        " WHERE d.deleted = 0 AND coalesce (s.kind, 'open') IN ('unsorted', 'open')", NULL),
        >, 0);
    }

    /* and the comparison sees a wrong total */
    stmt = _crm_store_prepare (a.store,
      "UPDATE report_day SET n = n + 1 WHERE what = 'won'", NULL);
    g_assert_nonnull (stmt);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    sqlite3_reset (stmt);
    wrong = crm_report_run (a.store, "sales", NULL, NULL);
    after = crm_test_report_text (wrong);
    g_assert_cmpstr (before, !=, after);

    /* and a wrong per-deal value (deal_report, schema 19): every deal as won, none
     * answered; an open deal without a task missing (deal_no_task, schema 20) */
    for (guint i = 0; i < 3; i++)
      {
        const char *name = i == 0 ? "conversion" : "dashboard";
        g_autoptr(JsonNode) right = crm_report_run (a.store, name, NULL, NULL);
        g_autoptr(JsonNode) changed = NULL;
        g_autofree char *right_text = crm_test_report_text (right);
        g_autofree char *changed_text = NULL;

        stmt = _crm_store_prepare (a.store, i == 0
          ? "UPDATE deal_report SET reach = 1000000"
          : i == 1 ? "UPDATE deal_report SET responded = NULL"
          : "DELETE FROM deal_no_task WHERE deal = (SELECT max (deal) FROM deal_no_task)", NULL);
        g_assert_nonnull (stmt);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
        sqlite3_reset (stmt);
        changed = crm_report_run (a.store, name, NULL, NULL);
        changed_text = crm_test_report_text (changed);
        g_assert_cmpstr (right_text, !=, changed_text);
      }

    /* and clients in the RFM report's segments; a company's won deals missing from its
     * facts (rfm_won, schema 23) is seen */
    {
      g_autoptr(JsonNode) right = crm_report_run (a.store, "rfm", NULL, NULL);
      g_autoptr(JsonNode) changed = NULL;
      g_autofree char *right_text = NULL, *changed_text = NULL;
      JsonObject *object = json_node_get_object (right);
      JsonArray *columns = json_object_get_array_member (object, "columns");
      JsonObject *all = json_object_get_object_member (object, "totals");
      gint64 clients = 0;

      for (guint c = 0; c < json_array_get_length (columns); c++)
        {
          const char *key = json_object_get_string_member (
            json_array_get_object_element (columns, c), "key");

          if (g_str_has_prefix (key, "segment_") && json_object_has_member (all, key) &&
              !json_object_get_null_member (all, key))
            clients += json_object_get_int_member (all, key);
        }
      g_test_message ("laptop A: %" G_GINT64_FORMAT " clients in RFM segments, %"
                      G_GINT64_FORMAT " contacts linked to won deals", clients,
                      crm_test_count_sql (a.store, "SELECT count (*) FROM rfm_won"
                                          " WHERE client IS NOT company", NULL));
      g_assert_cmpint (clients, >, 0);
      right_text = crm_test_report_text (right);
      stmt = _crm_store_prepare (a.store, "DELETE FROM rfm_won WHERE client = company", NULL);
      g_assert_nonnull (stmt);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
      changed = crm_report_run (a.store, "rfm", NULL, NULL);
      changed_text = crm_test_report_text (changed);
      g_assert_cmpstr (right_text, !=, changed_text);
    }
  }

  for (guint i = 0; i < 2; i++)
    g_ptr_array_unref (laptops[i].change_sets);
  crm_test_replica_clear (&a);
  crm_test_replica_clear (&b);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = crm_test_server_set_up (&tmpdir, NULL);
  g_test_add_func ("/report-totals/random-work", test_random_work);
  status = g_test_run ();
  crm_test_server_tear_down (server, tmpdir, status);
  return status;
}
