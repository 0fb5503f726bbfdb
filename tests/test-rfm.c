/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rfm.c — RFM scoring (S4-5) checked against scores this test computes itself, the
 * plain way, from a small fixed set of deals made through the real voronkactl: every
 * client's frequency, monetary value, recency, its 1–5 scores among the clients of its
 * kind and its segment, as `rfm show` and `contact list --segment` print them. The set
 * holds what a wrong aggregate gets wrong: a contact linked to a deal of its own company
 * (counted once), a contact linked to another company's deal (counted for both), a
 * contact without a company, a deal without an amount, ties, and deals that must not
 * count (open, deleted, won after "now"). The same after a replica of schema 22 (no
 * rfm_won: the clients' facts were read from every won deal) is brought forward. */
#include <string.h>

#include <sqlite3.h>

#include "crm-replica-file.h"
#include "crm-test-util.h"

#define NOW "2026-03-02T10:00:00Z"
#define MS_PER_DAY G_GINT64_CONSTANT (86400000)

typedef CrmTestReplicaDir Fixture;

#define OK(f, ...) crm_test_ctl_ok ((f)->db, NOW, __VA_ARGS__, NULL)
#define OK_AT(f, now, ...) crm_test_ctl_ok ((f)->db, (now), __VA_ARGS__, NULL)

#include "crm-test-scenario.h"

/* The clients: companies, then contacts with their company (NULL: none). */
static const struct {
  const char *name;
  const char *company;   /* for a contact */
  gboolean    is_company;
} clients[] = {
  { "ООО Альфа", NULL, TRUE },
  { "АО Бета", NULL, TRUE },
  { "ИП Гамма", NULL, TRUE },
  { "ООО Дельта", NULL, TRUE },
  { "ООО Эпсилон", NULL, TRUE },           /* only an open deal */
  { "Алексеев Антон", "ООО Альфа", FALSE },
  { "Андреева Алла", "ООО Альфа", FALSE },
  { "Борисов Борис", "АО Бета", FALSE },
  { "Галкин Глеб", "ИП Гамма", FALSE },
  { "Соколова Софья", NULL, FALSE },
  { "Никитин Назар", NULL, FALSE },        /* no deal at all */
};

typedef enum {
  WON,
  OPEN,
  WON_DELETED,
} DealKind;

/* The deals: company, linked contacts, when won (or made), amount (NULL: none). */
static const struct {
  const char *company;
  const char *contacts[3];
  const char *at;
  const char *amount;
  DealKind    kind;
} deals[] = {
  /* Альфа: two; Антон linked to his own company's deal (once, not twice) */
  { "ООО Альфа", { "Алексеев Антон" }, "2025-06-01T10:00:00Z", "100000.00", WON },
  { "ООО Альфа", { NULL }, "2026-02-20T10:00:00Z", "300000.00", WON },
  /* Бета: five in the last year, over 500 000 together (VIP); one without an amount */
  { "АО Бета", { "Борисов Борис" }, "2025-04-01T10:00:00Z", "200000.00", WON },
  { "АО Бета", { NULL }, "2025-09-01T10:00:00Z", "200000.00", WON },
  { "АО Бета", { NULL }, "2025-10-01T10:00:00Z", "100000.00", WON },
  { "АО Бета", { NULL }, "2025-12-01T10:00:00Z", "50000.00", WON },
  { "АО Бета", { NULL }, "2026-02-25T10:00:00Z", NULL, WON },
  /* no company: for Соколова alone, and for Андреева beside her company's two */
  { NULL, { "Соколова Софья", "Андреева Алла" }, "2026-01-15T10:00:00Z", "70000.00", WON },
  /* Гамма: once, long ago (asleep) */
  { "ИП Гамма", { NULL }, "2024-12-01T10:00:00Z", "40000.00", WON },
  /* Дельта: once, 213 days ago, with Соколова linked to it (she counts it too) */
  { "ООО Дельта", { "Соколова Софья" }, "2025-08-01T10:00:00Z", "70000.00", WON },
  /* none of these counts */
  { "ООО Эпсилон", { "Никитин Назар" }, "2026-02-01T10:00:00Z", "999999.00", OPEN },
  { "ООО Альфа", { "Алексеев Антон" }, "2026-03-01T10:00:00Z", "900000.00", WON_DELETED },
  { "ИП Гамма", { "Галкин Глеб" }, "2026-03-05T10:00:00Z", "800000.00", WON },   /* after now */
};

/* The event organizer's thresholds (data/templates/event-organizer.json), in order:
 * recency days min/max, frequency min/max, monetary min/max in kopecks; -1: none. */
static const struct {
  const char *name;
  gint64      bound[6];
} segments[] = {
  { "VIP", { -1, 365, 5, -1, 50000000, -1 } },
  { "Горячий", { -1, 90, 2, -1, -1, -1 } },
  { "Новый", { -1, 90, -1, 1, -1, -1 } },
  { "Тёплый", { -1, 365, -1, -1, -1, -1 } },
  { "Спящий", { 366, -1, -1, -1, -1, -1 } },
};

typedef struct {
  gint64      last_won;
  gint64      frequency;
  gint64      monetary;     /* kopecks */
  int         score[3];
  const char *segment;
} Expected;

static gint64
parse_time (const char *iso)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time) * 1000;
}

static gint64
parse_kopecks (const char *amount)
{
  return amount != NULL ? (gint64) (g_ascii_strtod (amount, NULL) * 100 + 0.5) : 0;
}

/* Whether deal @d counts for client @c: won by now and not deleted; the company's own,
 * or (for a contact) its company's or linked to it. */
static gboolean
deal_counts_for (guint d,
                 guint c)
{
  if (deals[d].kind != WON || parse_time (deals[d].at) > parse_time (NOW))
    return FALSE;
  if (clients[c].is_company)
    return g_strcmp0 (deals[d].company, clients[c].name) == 0;
  if (clients[c].company != NULL && g_strcmp0 (deals[d].company, clients[c].company) == 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (deals[d].contacts) && deals[d].contacts[i] != NULL; i++)
    if (g_str_equal (deals[d].contacts[i], clients[c].name))
      return TRUE;
  return FALSE;
}

/* Every client's facts, scores and segment, computed here the plain way. */
static void
compute_expected (Expected *expected)
{
  gint64 now = parse_time (NOW);

  for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
    {
      memset (&expected[c], 0, sizeof expected[c]);
      for (guint d = 0; d < G_N_ELEMENTS (deals); d++)
        if (deal_counts_for (d, c))
          {
            expected[c].last_won = MAX (expected[c].last_won, parse_time (deals[d].at));
            expected[c].frequency++;
            expected[c].monetary += parse_kopecks (deals[d].amount);
          }
    }
  /* a score: the share of the clients of the same kind (with a purchase) at or below
   * this one's value, in fifths rounded up */
  for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
    {
      const gint64 mine[3] = { expected[c].last_won, expected[c].frequency, expected[c].monetary };

      if (expected[c].frequency == 0)
        continue;
      for (int v = 0; v < 3; v++)
        {
          guint n = 0, at_most = 0;

          for (guint o = 0; o < G_N_ELEMENTS (clients); o++)
            {
              const gint64 theirs[3] = { expected[o].last_won, expected[o].frequency,
                                         expected[o].monetary };

              if (expected[o].frequency == 0 || clients[o].is_company != clients[c].is_company)
                continue;
              n++;
              at_most += theirs[v] <= mine[v];
            }
          expected[c].score[v] = (5 * at_most + n - 1) / n;
        }
      for (guint s = 0; s < G_N_ELEMENTS (segments) && expected[c].segment == NULL; s++)
        {
          const gint64 *b = segments[s].bound;
          gint64 days = (now - expected[c].last_won) / MS_PER_DAY;
          const gint64 value[6] = { days, days, expected[c].frequency, expected[c].frequency,
                                    expected[c].monetary, expected[c].monetary };
          gboolean in = TRUE;

          for (int i = 0; i < 6; i++)
            if (b[i] >= 0)
              in = in && (i % 2 == 0 ? value[i] >= b[i] : value[i] <= b[i]);
          if (in)
            expected[c].segment = segments[s].name;
        }
    }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = crm_test_make_tmpdir ();
  f->db = g_build_filename (f->dir, "rfm.db", NULL);
  json_node_unref (OK (f, "init", "--template", "event-organizer"));
  for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
    {
      if (clients[c].is_company)
        json_node_unref (OK (f, "company", "add", "--name", clients[c].name));
      else if (clients[c].company != NULL)
        json_node_unref (OK (f, "contact", "add", "--name", clients[c].name,
                             "--company", clients[c].company));
      else
        json_node_unref (OK (f, "contact", "add", "--name", clients[c].name));
    }
  for (guint d = 0; d < G_N_ELEMENTS (deals); d++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(JsonNode) deal = NULL;

      g_auto(CrmTestRun) run = { 0 };

      g_ptr_array_add (args, "--db");
      g_ptr_array_add (args, f->db);
      g_ptr_array_add (args, "--now");
      g_ptr_array_add (args, (gpointer) deals[d].at);
      g_ptr_array_add (args, "--json");
      g_ptr_array_add (args, "deal");
      g_ptr_array_add (args, "add");
      g_ptr_array_add (args, "--pipeline");
      g_ptr_array_add (args, "Консалтинг");
      g_ptr_array_add (args, "--title");
      g_ptr_array_add (args, "Консалтинг");
      g_ptr_array_add (args, "--stage");
      g_ptr_array_add (args, deals[d].kind == OPEN ? "Новая заявка" : "Успешно реализовано");
      if (deals[d].company != NULL)
        {
          g_ptr_array_add (args, "--company");
          g_ptr_array_add (args, (gpointer) deals[d].company);
        }
      if (deals[d].amount != NULL)
        {
          g_ptr_array_add (args, "--amount");
          g_ptr_array_add (args, (gpointer) deals[d].amount);
        }
      for (guint i = 0; i < G_N_ELEMENTS (deals[d].contacts) && deals[d].contacts[i] != NULL; i++)
        {
          g_ptr_array_add (args, "--contact");
          g_ptr_array_add (args, (gpointer) deals[d].contacts[i]);
        }
      g_ptr_array_add (args, NULL);
      crm_test_run_cli_argv (&run, (const char * const *) args->pdata);
      if (run.status != 0)
        g_error ("deal add failed (%d): %s%s", run.status, run.out, run.err);
      deal = crm_test_parse_json (run.out);
      if (deals[d].kind == WON_DELETED)
        {
          g_autofree char *id = id_of (deal);

          json_node_unref (OK (f, "deal", "delete", id));
        }
    }
}

/* Each client's `rfm show` against what this test computed. */
static void
check_scores (Fixture *f)
{
  Expected expected[G_N_ELEMENTS (clients)];
  gint64 now = parse_time (NOW);

  compute_expected (expected);
  /* the set means what it says: the cases it is made of come out as intended */
  g_assert_cmpstr (expected[1].segment, ==, "VIP");                     /* Бета */
  g_assert_cmpint (expected[5].frequency, ==, 2);                        /* Антон: once */
  g_assert_cmpint (expected[6].frequency, ==, 3);                        /* Алла */
  g_assert_cmpint (expected[9].frequency, ==, 2);                        /* Соколова */
  g_assert_cmpint (expected[8].frequency, ==, 1);                        /* Глеб */
  g_assert_cmpstr (expected[8].segment, ==, "Спящий");
  g_assert_cmpstr (expected[3].segment, ==, "Тёплый");                  /* Дельта */
  g_assert_null (expected[4].segment);                                   /* Эпсилон */

  for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
    {
      g_autoptr(JsonObject) shown = crm_test_take_object (OK (f, "rfm", "show", clients[c].name));
      g_autofree char *monetary = g_strdup_printf ("%" G_GINT64_FORMAT ".%02d",
                                                   expected[c].monetary / 100,
                                                   (int) (expected[c].monetary % 100));
      const char *names[3] = { "r", "f", "m" };

      g_test_message ("%s: %s, F %" G_GINT64_FORMAT ", M %s", clients[c].name,
                      expected[c].segment ? expected[c].segment : "—", expected[c].frequency,
                      monetary);
      g_assert_cmpstr (str (shown, "kind"), ==, clients[c].is_company ? "company" : "contact");
      g_assert_cmpint (json_object_get_int_member (shown, "frequency"), ==, expected[c].frequency);
      g_assert_cmpstr (str (shown, "monetary"), ==, monetary);
      g_assert_cmpstr (str (shown, "segment"), ==, expected[c].segment);
      if (expected[c].frequency == 0)
        {
          g_assert_true (json_object_get_null_member (shown, "r"));
          continue;
        }
      g_assert_cmpint (json_object_get_int_member (shown, "recency_days"), ==,
                       (now - expected[c].last_won) / MS_PER_DAY);
      for (int v = 0; v < 3; v++)
        if (json_object_get_int_member (shown, names[v]) != expected[c].score[v])
          g_error ("%s: %s is %" G_GINT64_FORMAT ", expected %d", clients[c].name, names[v],
                   json_object_get_int_member (shown, names[v]), expected[c].score[v]);
    }

  /* the call lists by segment: exactly the contacts computed to be in it */
  for (guint s = 0; s < G_N_ELEMENTS (segments); s++)
    {
      g_autoptr(JsonNode) listed = OK (f, "contact", "list", "--segment", segments[s].name);
      JsonArray *rows = json_node_get_array (listed);
      guint n = 0;

      for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
        {
          if (clients[c].is_company || g_strcmp0 (expected[c].segment, segments[s].name) != 0)
            continue;
          n++;
          if (crm_test_find_object (rows, "name", clients[c].name) == NULL)
            g_error ("«%s» is not listed in segment «%s»", clients[c].name, segments[s].name);
        }
      g_assert_cmpuint (json_array_get_length (rows), ==, n);
    }
}

static void
test_scores (Fixture       *f,
             gconstpointer  data)
{
  check_scores (f);
}

/* A replica of schema 22 (before rfm_won, the won deals' rows per client) is brought
 * forward when opened: the same scores and segments, and its triggers keep the facts
 * from then on (a won deal added counts). */
static void
test_migration_from_schema_22 (Fixture       *f,
                               gconstpointer  data)
{
  static const char *const triggers[] = {
    "deal_insert", "deal_update", "deal_delete", "link_insert", "link_update",
    "link_delete", "stage_insert", "stage_update", "stage_delete",
  };
  g_autoptr(GString) sql = g_string_new ("DROP TABLE rfm_won;");
  g_autoptr(JsonObject) shown = NULL;
  sqlite3 *handle = NULL;
  char *err = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (triggers); i++)
    g_string_append_printf (sql, " DROP TRIGGER rfm_won_%s;", triggers[i]);
  g_string_append (sql, " PRAGMA user_version = 22;");
  g_assert_cmpint (sqlite3_open (f->db, &handle), ==, SQLITE_OK);
  if (sqlite3_exec (handle, sql->str, NULL, NULL, &err) != SQLITE_OK)
    g_error ("%s", err);
  sqlite3_close (handle);
  g_assert_cmpint (crm_replica_file_schema (f->db, NULL), ==, 22);

  check_scores (f);
  g_assert_cmpint (crm_replica_file_schema (f->db, NULL), ==, CRM_SCHEMA_VERSION);

  /* Дельта wins again the day before now: twice, 70 000 + 30 000 */
  json_node_unref (OK_AT (f, "2026-03-01T10:00:00Z", "deal", "add", "--pipeline", "Консалтинг",
                          "--title", "Консалтинг", "--stage", "Успешно реализовано",
                          "--company", "ООО Дельта", "--amount", "30000.00"));
  shown = crm_test_take_object (OK (f, "rfm", "show", "ООО Дельта"));
  g_assert_cmpint (json_object_get_int_member (shown, "frequency"), ==, 2);
  g_assert_cmpstr (str (shown, "monetary"), ==, "100000.00");
  g_assert_cmpint (json_object_get_int_member (shown, "recency_days"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/rfm/scores", Fixture, NULL, fixture_set_up, test_scores,
              crm_test_replica_dir_tear_down);
  g_test_add ("/rfm/migration-from-schema-22", Fixture, NULL, fixture_set_up,
              test_migration_from_schema_22, crm_test_replica_dir_tear_down);
  return g_test_run ();
}
