/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-write.c — `voronka-bench-write`: the cost of the one write path. The same deals
 * (with their tag and contact links) are written through crm_store_apply() — gates,
 * per-field clocks, changelog, rules — and as raw SQLite inserts of the same rows into
 * the same tables, in the same transactions, interleaved in rounds so both see the same
 * machine. The figure is the first rate as a share of the second (issue 8: ≥ 30 %).
 * A third side writes the raw rows plus one changelog row each: the floor of any
 * design that logs every change, which shows how much of the gap is the log itself. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "bench-account.h"
#include "bench-util.h"
#include "crm-store-private.h"
#include "crm-template.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* The deals are written in ROUNDS slices; each slice goes all three ways, in an order
 * that rotates, and the share is the median of the slices' shares: a checkpoint's
 * fsync landing on one side in one slice does not decide the figure. */
#define ROUNDS 8

typedef struct {
  sqlite3      *db;
  sqlite3_stmt *deal;
  sqlite3_stmt *tag;
  sqlite3_stmt *contact;
  sqlite3_stmt *log;      /* NULL: rows only; else a changelog row per row too */
  GRand        *rand;
  guint64       hlc;
} Raw;

static void
raw_clear (Raw *raw)
{
  sqlite3_finalize (raw->deal);
  sqlite3_finalize (raw->tag);
  sqlite3_finalize (raw->contact);
  sqlite3_finalize (raw->log);
  g_clear_pointer (&raw->rand, g_rand_free);
  if (raw->db != NULL)
    sqlite3_close (raw->db);
}

static gboolean
raw_exec (Raw         *raw,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (raw->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql, sqlite3_errmsg (raw->db));
      return FALSE;
    }
  return TRUE;
}

/* A replica file for its schema and indexes, then a plain connection with the
 * replica's settings: what an app without a changelog would have. */
static gboolean
raw_open (Raw         *raw,
          const char  *path,
          gboolean     with_log,
          GError     **error)
{
  g_autoptr(CrmStore) schema_only = crm_store_create (path, error);

  if (schema_only == NULL)
    return FALSE;
  g_clear_object (&schema_only);
  if (sqlite3_open_v2 (path, &raw->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, sqlite3_errmsg (raw->db));
      return FALSE;
    }
  if (!raw_exec (raw, "PRAGMA journal_mode = WAL", error) ||
      !raw_exec (raw, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  if (sqlite3_prepare_v2 (raw->db,
        "INSERT INTO deal (id, title, pipeline, stage, amount, currency, responsible, company,"
        " loss_reason, source, created_at, stage_entered_at, data)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1, &raw->deal,
        NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (raw->db,
        "INSERT INTO deal_tag (id, deal, tag, present) VALUES (?1, ?2, ?3, 1)", -1, &raw->tag,
        NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (raw->db,
        "INSERT INTO deal_contact (id, deal, contact, present) VALUES (?1, ?2, ?3, 1)", -1,
        &raw->contact, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "prepare: %s", sqlite3_errmsg (raw->db));
      return FALSE;
    }
  if (with_log &&
      sqlite3_prepare_v2 (raw->db,
        "INSERT INTO changelog (op_id, hlc, device_n, entity, entity_id, fields, actor_n, local)"
        " VALUES (?1, ?2, 1, ?3, ?4, ?5, NULL, 1)", -1, &raw->log, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "prepare: %s", sqlite3_errmsg (raw->db));
      return FALSE;
    }
  raw->rand = g_rand_new_with_seed (8);
  return TRUE;
}

/* The changelog row of one written row, when @raw keeps one: the floor of any design
 * that logs every change (what the write path adds beyond it is its own cost). */
static gboolean
raw_log (Raw         *raw,
         const char  *entity,
         const char  *entity_id,
         const char  *fields,
         GError     **error)
{
  g_autofree char *op_id = NULL;
  int rc;

  if (raw->log == NULL)
    return TRUE;
  op_id = crm_uuid_v7_new_with_rand (1772445600000, raw->rand);
  sqlite3_bind_text (raw->log, 1, op_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (raw->log, 2, (gint64) ++raw->hlc);
  sqlite3_bind_text (raw->log, 3, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (raw->log, 4, entity_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (raw->log, 5, fields, -1, SQLITE_STATIC);
  rc = sqlite3_step (raw->log);
  sqlite3_reset (raw->log);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "log: %s", sqlite3_errmsg (raw->db));
      return FALSE;
    }
  return TRUE;
}

static void
bind (sqlite3_stmt *stmt,
      int           index,
      const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

static gboolean
step (Raw           *raw,
      sqlite3_stmt  *stmt,
      GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "insert: %s", sqlite3_errmsg (raw->db));
      return FALSE;
    }
  return TRUE;
}

static gboolean
raw_insert (Raw              *raw,
            const BenchDeal  *deal,
            GError          **error)
{
  g_autofree char *data = NULL;

  /* custom fields go to `data` as the store keeps them */
  data = g_strdup_printf ("{\"payment_type\":\"%s\",\"waiting_for_stock\":%s}",
                          deal->payment_type ? deal->payment_type : "",
                          deal->waiting_for_stock ? "true" : "false");
  bind (raw->deal, 1, deal->id);
  bind (raw->deal, 2, deal->title);
  bind (raw->deal, 3, deal->pipeline);
  bind (raw->deal, 4, deal->stage);
  sqlite3_bind_int64 (raw->deal, 5, deal->amount);
  bind (raw->deal, 6, deal->currency);
  bind (raw->deal, 7, deal->responsible);
  bind (raw->deal, 8, deal->company);
  bind (raw->deal, 9, deal->loss_reason);
  bind (raw->deal, 10, deal->source);
  sqlite3_bind_int64 (raw->deal, 11, deal->created_at);
  sqlite3_bind_int64 (raw->deal, 12, deal->stage_entered_at);
  bind (raw->deal, 13, data);
  if (!step (raw, raw->deal, error))
    return FALSE;
  if (raw->log != NULL)
    {
      g_autofree char *fields = g_strdup_printf (
        "{\"amount\":%" G_GINT64_FORMAT ",\"created_at\":%" G_GINT64_FORMAT ","
        "\"currency\":\"%s\",\"payment_type\":\"%s\",\"pipeline\":\"%s\","
        "\"responsible\":\"%s\",\"source\":\"%s\",\"stage\":\"%s\","
        "\"stage_entered_at\":%" G_GINT64_FORMAT ",\"title\":\"%s\","
        "\"waiting_for_stock\":false}",
        deal->amount, deal->created_at, deal->currency, deal->payment_type, deal->pipeline,
        deal->responsible, deal->source, deal->stage, deal->stage_entered_at, deal->title);

      if (!raw_log (raw, "deal", deal->id, fields, error))
        return FALSE;
    }
  for (guint i = 0; i < deal->n_tags; i++)
    {
      bind (raw->tag, 1, deal->tag_links[i]);
      bind (raw->tag, 2, deal->id);
      bind (raw->tag, 3, deal->tags[i]);
      if (!step (raw, raw->tag, error))
        return FALSE;
      if (raw->log != NULL)
        {
          g_autofree char *fields = g_strdup_printf (
            "{\"deal\":\"%s\",\"present\":true,\"tag\":\"%s\"}", deal->id, deal->tags[i]);

          if (!raw_log (raw, "deal_tag", deal->tag_links[i], fields, error))
            return FALSE;
        }
    }
  if (deal->contact != NULL)
    {
      bind (raw->contact, 1, deal->contact_link);
      bind (raw->contact, 2, deal->id);
      bind (raw->contact, 3, deal->contact);
      if (!step (raw, raw->contact, error))
        return FALSE;
      if (raw->log != NULL)
        {
          g_autofree char *fields = g_strdup_printf (
            "{\"contact\":\"%s\",\"deal\":\"%s\",\"present\":true}", deal->contact,
            deal->id);

          if (!raw_log (raw, "deal_contact", deal->contact_link, fields, error))
            return FALSE;
        }
    }
  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values)
{
  qsort (values, ROUNDS, sizeof (double), compare_double);
  return (values[ROUNDS / 2 - 1] + values[ROUNDS / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  int n_deals = 20000;
  int per_changeset = 100;
  gboolean quick = FALSE;
  int n_contacts = 2000;
  const GOptionEntry entries[] = {
    { "contacts", 'c', 0, G_OPTION_ARG_INT, &n_contacts,
      "Contacts the deals link to, written first, untimed (2 000)", "N" },
    { "deals", 'n', 0, G_OPTION_ARG_INT, &n_deals, "Deals to write each way (20 000)", "N" },
    { "per-changeset", 'b', 0, G_OPTION_ARG_INT, &per_changeset,
      "Deals per change set and per raw transaction (100)", "N" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "A few hundred deals: does it run", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— write path vs raw SQLite");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *raw_path = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) template = NULL;
  g_autoptr(BenchAccount) account = NULL;
  g_autoptr(GArray) deals = NULL;
  BenchSizes sizes = { 0 };
  Raw raw = { 0 };
  Raw logged = { 0 };
  g_autofree char *logged_path = NULL;
  gint64 path_us = 0, raw_us = 0, logged_us = 0, now = 0;
  double shares[ROUNDS], logged_shares[ROUNDS];
  guint64 path_ops = 0, rows = 0;
  int status = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_deals <= 0 ||
      per_changeset <= 0 || n_contacts <= 0)
    {
      g_printerr ("%s\n", error ? error->message : "--deals and --per-changeset must be > 0");
      return 2;
    }
  sizes.n_contacts = quick ? MIN (n_contacts, 100) : n_contacts;
  sizes.n_companies = MAX (sizes.n_contacts / 4, 1);
  if (quick)
    n_deals = MIN (n_deals, 400);

  dir = g_dir_make_tmp ("voronka-bench-write-XXXXXX", &error);
  if (dir == NULL)
    goto out;
  store_path = g_build_filename (dir, "replica.db", NULL);
  raw_path = g_build_filename (dir, "raw.db", NULL);
  logged_path = g_build_filename (dir, "raw-logged.db", NULL);

  /* untimed: the template and the people the deals link to */
  crm_time_parse ("2026-03-02T10:00:00Z", &now);
  store = crm_store_create (store_path, &error);
  if (store == NULL)
    goto out;
  crm_store_set_now (store, now);
  template = crm_template_load ("truck-dealer", &error);
  if (template == NULL || !crm_template_apply (store, template, &error))
    goto out;
  account = bench_account_new (store, 8, &error);
  if (account == NULL || !bench_account_populate (account, &sizes, 1000, NULL, NULL, &error))
    goto out;
  if (!raw_open (&raw, raw_path, FALSE, &error) ||
      !raw_open (&logged, logged_path, TRUE, &error))
    goto out;

  deals = g_array_new (FALSE, TRUE, sizeof (BenchDeal));
  g_array_set_clear_func (deals, (GDestroyNotify) bench_deal_clear);
  g_array_set_size (deals, n_deals);
  for (int i = 0; i < n_deals; i++)
    {
      BenchDeal *deal = &g_array_index (deals, BenchDeal, i);

      bench_account_make_deal (account, i, TRUE, deal);
      rows += 1 + deal->n_tags + (deal->contact != NULL);
    }

  /* Rounds rotate which side goes first, so none gets the warmer cache. */
  for (int round = 0; round < ROUNDS; round++)
    {
      int first = n_deals * round / ROUNDS, last = n_deals * (round + 1) / ROUNDS;
      gint64 round_us[3] = { 0, 0, 0 };

      for (int side = 0; side < 3; side++)
        {
          int mode = (side + round) % 3;   /* 0 the store, 1 raw rows, 2 raw rows + log */
          Raw *target = mode == 1 ? &raw : &logged;
          gint64 started = bench_now_us ();

          for (int i = first; i < last; i += per_changeset)
            {
              int end = MIN (i + per_changeset, last);

              if (mode == 0)
                {
                  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

                  for (int k = i; k < end; k++)
                    bench_deal_add_changes (&g_array_index (deals, BenchDeal, k), changeset);
                  if (!crm_store_apply (store, changeset, &error))
                    goto out;
                  path_ops += crm_store_get_last_ops (store)->len;
                }
              else
                {
                  if (!raw_exec (target, "BEGIN IMMEDIATE", &error))
                    goto out;
                  for (int k = i; k < end; k++)
                    if (!raw_insert (target, &g_array_index (deals, BenchDeal, k), &error))
                      goto out;
                  if (!raw_exec (target, "COMMIT", &error))
                    goto out;
                }
            }
          round_us[mode] = bench_now_us () - started;
        }
      path_us += round_us[0];
      raw_us += round_us[1];
      logged_us += round_us[2];
      shares[round] = 100.0 * round_us[1] / MAX (round_us[0], 1);
      logged_shares[round] = 100.0 * round_us[1] / MAX (round_us[2], 1);
    }

  if (path_ops != rows)
    g_printerr ("note: the write path made %" G_GUINT64_FORMAT " ops for %" G_GUINT64_FORMAT
                " rows (rules fired)\n", path_ops, rows);
  bench_figure ("write.deals", n_deals, "deals", NULL);
  bench_figure ("write.rows_per_deal", (double) rows / n_deals, "rows", NULL);
  bench_figure ("write.path_rate", n_deals / (path_us / 1e6), "deals/s", NULL);
  bench_figure ("write.raw_rate", n_deals / (raw_us / 1e6), "deals/s", NULL);
  bench_figure ("write.raw_logged_rate", n_deals / (logged_us / 1e6), "deals/s", NULL);
  bench_figure ("write.raw_logged_vs_raw", median (logged_shares), "%", NULL);
  bench_figure ("write.path_vs_raw", median (shares), "%", "≥ 30 %");
  status = 0;

out:
  if (error != NULL)
    g_printerr ("bench-write: %s\n", error->message);
  raw_clear (&raw);
  raw_clear (&logged);
  g_clear_pointer (&account, bench_account_free);
  g_clear_object (&store);
  if (store_path != NULL)
    bench_remove_db (store_path);
  if (raw_path != NULL)
    bench_remove_db (raw_path);
  if (logged_path != NULL)
    bench_remove_db (logged_path);
  if (dir != NULL)
    g_rmdir (dir);
  return status;
}
