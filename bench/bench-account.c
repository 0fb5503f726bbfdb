/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-account.c — the large account: crm-demo.c's companies and contacts (the demo
 * generator itself, at issue 8's sizes), then deals of the same kind (its word lists,
 * crm-demo-data.h) with a fixed number of tasks and notes (bench-account-deals.c).
 *
 * Every id is a UUIDv5 of "bench/<seed>/<kind>/<n>" and every choice comes from one GRand,
 * so one seed at one pinned clock gives one replica. Deals are not created directly on
 * «Отдел закупок / Техника получена»: entering it runs S0-7, which makes a task for every
 * waiting «Продажи» deal of the brand — on this account a thousand tasks per deal, which
 * a real account would have made once per truck, not for years of history at once. */
#define G_LOG_DOMAIN "voronka-bench"

#include <string.h>

#include "bench-account-private.h"
#include "bench-util.h"
#include "crm-demo.h"
#include "crm-demo-data.h"
#include "crm-query.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* ─────────────────────────────── small helpers ─────────────────────────────── */

guint
pick (BenchAccount *account,
      guint         n)
{
  return n == 0 ? 0 : (guint) g_rand_int_range (account->rand, 0, (gint32) n);
}

gboolean
chance (BenchAccount *account,
        guint         percent)
{
  return pick (account, 100) < percent;
}

const char *
pick_string (BenchAccount *account,
             GPtrArray    *strings)
{
  return g_ptr_array_index (strings, pick (account, strings->len));
}

const char *
pick_weighted (BenchAccount   *account,
               const Weighted *choices,
               guint           n_choices)
{
  guint total = 0, roll;

  for (guint i = 0; i < n_choices; i++)
    total += choices[i].weight;
  roll = pick (account, total);
  for (guint i = 0; i < n_choices; i++)
    {
      if (roll < choices[i].weight)
        return choices[i].value;
      roll -= choices[i].weight;
    }
  return choices[n_choices - 1].value;
}

char *
bench_id (BenchAccount *account,
          const char   *kind,
          guint         n)
{
  g_autofree char *name = g_strdup_printf ("bench/%u/%s/%u", account->seed, kind, n);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

/* A working hour (09:00–17:00 Moscow, UTC+3) @min..@max days before (or, negative,
 * after) now. */
gint64
days_from_now (BenchAccount *account,
               gint          min_days,
               gint          max_days)
{
  gint64 days = min_days + (gint64) pick (account, (guint) (max_days - min_days + 1));
  gint64 moment = account->now - days * CRM_MS_PER_DAY;

  return moment / CRM_MS_PER_DAY * CRM_MS_PER_DAY +
         (6 + pick (account, 9)) * 60 * CRM_MS_PER_MINUTE;
}

/* How many of @total items fall on slot @i of @slots, spread evenly (Bresenham). */
guint
share_of (guint64 total,
          guint64 slots,
          guint64 i)
{
  return (guint) ((i + 1) * total / slots - i * total / slots);
}

/* ─────────────────────────────── the template, read back ─────────────────────── */

static void
pipeline_free (Pipeline *pipeline)
{
  g_free (pipeline->id);
  g_free (pipeline->name);
  g_ptr_array_unref (pipeline->working);
  g_ptr_array_unref (pipeline->reasons);
  g_free (pipeline);
}

static void
tag_free (CrmDemoTag *tag)
{
  g_free (tag->id);
  g_free (tag->name);
  g_free (tag);
}

static void
contact_free (Contact *contact)
{
  g_free (contact->id);
  g_free (contact->company);
  g_free (contact);
}

static gboolean
load_reasons (BenchAccount  *account,
              Pipeline      *pipeline,
              GError       **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (account->store,
    "SELECT id FROM loss_reason WHERE pipeline = ?1 AND deleted = 0 ORDER BY position, id",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pipeline->id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (pipeline->reasons, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (account->store, error, "reading loss reasons");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_pipelines (BenchAccount  *account,
                GError       **error)
{
  g_autoptr(JsonNode) root = crm_query_pipelines (account->store, error);
  JsonArray *array;

  if (root == NULL)
    return FALSE;
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      JsonArray *stages = json_object_get_array_member (object, "stages");
      Pipeline *pipeline = g_new0 (Pipeline, 1);

      pipeline->id = g_strdup (json_object_get_string_member (object, "id"));
      pipeline->name = g_strdup (json_object_get_string_member (object, "name"));
      pipeline->weight = 10;
      for (guint w = 0; w < G_N_ELEMENTS (pipeline_weights); w++)
        if (g_str_equal (pipeline->name, pipeline_weights[w].value))
          pipeline->weight = pipeline_weights[w].weight;
      pipeline->purchase = g_str_equal (pipeline->name, "Отдел закупок");
      pipeline->working = g_ptr_array_new ();
      pipeline->reasons = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (account->pipelines, pipeline);
      if (g_str_equal (pipeline->name, "Продажи"))
        account->sales = pipeline;

      for (guint s = 0; s < json_array_get_length (stages); s++)
        {
          JsonObject *stage = json_array_get_object_element (stages, s);
          const char *kind = json_object_get_string_member (stage, "kind");
          const char *name = json_object_get_string_member (stage, "name");
          char *id = g_strdup (json_object_get_string_member (stage, "id"));

          g_ptr_array_add (account->all_stages, id);
          if (g_str_equal (kind, "won"))
            pipeline->won = id;
          else if (g_str_equal (kind, "lost"))
            pipeline->lost = id;
          else if (!(pipeline->purchase && g_str_equal (name, "Техника получена")))
            g_ptr_array_add (pipeline->working, id);
        }
      if (!load_reasons (account, pipeline, error))
        return FALSE;
      if (pipeline->won == NULL || pipeline->lost == NULL || pipeline->working->len == 0 ||
          pipeline->reasons->len == 0)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       "Pipeline “%s” lacks working, won or lost stages or loss reasons",
                       pipeline->name);
          return FALSE;
        }
    }
  if (account->sales == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "The replica has no «Продажи» pipeline; make it from truck-dealer");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_users_and_tags (BenchAccount  *account,
                     GError       **error)
{
  g_autoptr(JsonNode) users = crm_query_users (account->store, error);
  g_autoptr(JsonNode) brands = NULL;
  g_autoptr(JsonNode) trailers = NULL;
  struct { JsonNode **node; const char *group; GPtrArray *into; } groups[] = {
    { &brands, "brand", account->brands }, { &trailers, "trailer", account->trailers },
  };
  JsonArray *array;

  if (users == NULL)
    return FALSE;
  array = json_node_get_array (users);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *user = json_array_get_object_element (array, i);
      const char *id = json_object_get_string_member (user, "id");
      const char *group = json_object_get_string_member_with_default (user, "group", "");

      if (account->admin == NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (user, "role", ""), "admin") == 0)
        account->admin = g_strdup (id);
      if (g_str_equal (group, "Отдел продаж"))
        g_ptr_array_add (account->sales_users, g_strdup (id));
      else if (g_str_equal (group, "Отдел закупок"))
        g_ptr_array_add (account->purchase_users, g_strdup (id));
    }

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      *groups[g].node = crm_query_tags (account->store, groups[g].group, error);
      if (*groups[g].node == NULL)
        return FALSE;
      array = json_node_get_array (*groups[g].node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *object = json_array_get_object_element (array, i);
          CrmDemoTag *tag = g_new0 (CrmDemoTag, 1);

          tag->id = g_strdup (json_object_get_string_member (object, "id"));
          tag->name = g_strdup (json_object_get_string_member (object, "name"));
          g_ptr_array_add (groups[g].into, tag);
        }
    }

  if (account->admin == NULL || account->sales_users->len == 0 ||
      account->purchase_users->len == 0 || account->brands->len == 0 ||
      account->trailers->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   "The replica lacks an admin, sales or purchase users, or brand and "
                   "trailer tags; make it from the truck-dealer template");
      return FALSE;
    }
  return TRUE;
}

void
bench_sizes_init (BenchSizes *sizes,
                  double      scale)
{
  sizes->n_companies = MAX (1, (guint) (30000 * scale));
  sizes->n_contacts = MAX (1, (guint) (100000 * scale));
  sizes->n_deals = MAX (1, (guint) (200000 * scale));
  sizes->n_tasks = MAX (1, (guint) (500000 * scale));
  sizes->n_notes = MAX (1, (guint) (150000 * scale));
}

BenchAccount *
bench_account_new (CrmStore    *store,
                   guint32      seed,
                   GError     **error)
{
  g_autoptr(BenchAccount) account = g_new0 (BenchAccount, 1);

  account->store = g_object_ref (store);
  account->seed = seed;
  account->rand = g_rand_new_with_seed (seed);
  account->now = crm_store_get_now (store);
  account->pipelines = g_ptr_array_new_with_free_func ((GDestroyNotify) pipeline_free);
  account->sales_users = g_ptr_array_new_with_free_func (g_free);
  account->purchase_users = g_ptr_array_new_with_free_func (g_free);
  account->brands = g_ptr_array_new_with_free_func ((GDestroyNotify) tag_free);
  account->trailers = g_ptr_array_new_with_free_func ((GDestroyNotify) tag_free);
  account->contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) contact_free);
  account->all_stages = g_ptr_array_new_with_free_func (g_free);

  if (!load_pipelines (account, error) || !load_users_and_tags (account, error))
    return NULL;
  return g_steal_pointer (&account);
}

void
bench_account_free (BenchAccount *account)
{
  if (account == NULL)
    return;
  g_clear_object (&account->store);
  g_clear_pointer (&account->rand, g_rand_free);
  g_free (account->admin);
  g_ptr_array_unref (account->pipelines);
  g_ptr_array_unref (account->sales_users);
  g_ptr_array_unref (account->purchase_users);
  g_ptr_array_unref (account->brands);
  g_ptr_array_unref (account->trailers);
  g_ptr_array_unref (account->contacts);
  g_ptr_array_unref (account->all_stages);
  g_free (account);
}

void
bench_account_set_verbose (BenchAccount *account,
                           gboolean      verbose)
{
  account->verbose = verbose;
}

/* ───────────────────────────────── change sets ─────────────────────────────────── */

CrmChangeset *
writer_changeset (Writer *writer)
{
  if (writer->changeset == NULL)
    {
      writer->changeset = crm_changeset_new ();
      crm_changeset_set_actor (writer->changeset, writer->account->admin);
    }
  return writer->changeset;
}

gboolean
writer_flush (Writer   *writer,
              gboolean  force,
              GError  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  guint n;

  if (writer->changeset == NULL)
    return TRUE;
  n = crm_changeset_get_n_changes (writer->changeset);
  if (n == 0 || (!force && n < writer->batch))
    return TRUE;
  changeset = g_steal_pointer (&writer->changeset);
  if (!crm_store_apply (writer->account->store, changeset, error))
    return FALSE;
  writer->changes += n;
  writer->ops += crm_store_get_last_ops (writer->account->store)->len;

  if (writer->account->verbose && (force || bench_now_us () - writer->reported > 5000000))
    {
      double seconds = (bench_now_us () - writer->started) / 1e6;

      writer->reported = bench_now_us ();
      g_printerr ("  %s %u/%u — %" G_GUINT64_FORMAT " ops in %.0f s (%.0f ops/s)\n",
                  writer->phase, writer->done, writer->total, writer->ops, seconds,
                  writer->ops / MAX (seconds, 1e-6));
    }
  return TRUE;
}

/* ─────────────────────────────── people and companies ─────────────────────────── */

static void
report_progress (const char *phase,
                 guint       done,
                 guint       total,
                 gpointer    user_data)
{
  Writer *writer = user_data;

  writer->phase = phase;
  writer->done = done;
  writer->total = total;
  if (bench_now_us () - writer->reported > 5000000 || done == total)
    {
      double seconds = (bench_now_us () - writer->started) / 1e6;

      writer->reported = bench_now_us ();
      g_printerr ("  %s %u/%u in %.0f s\n", phase, done, total, seconds);
    }
}

/* Companies and contacts are the demo's (crm-demo.c, the same generator as `voronkactl
 * init --demo`), at the account's sizes; the deals read the contacts back. */
static gboolean
add_people (Writer            *writer,
            const BenchSizes  *sizes,
            GError           **error)
{
  BenchAccount *account = writer->account;
  CrmDemoOptions options = {
    .seed = account->seed,
    .n_deals = 0,
    .n_contacts = sizes->n_contacts,
    .n_companies = sizes->n_companies,
    .batch = writer->batch,
    .progress = account->verbose ? report_progress : NULL,
    .progress_data = writer,
  };
  gint64 log_length = crm_store_get_log_length (account->store);
  sqlite3_stmt *stmt;
  int rc;

  if (!crm_demo_populate (account->store, &options, error))
    return FALSE;
  writer->changes += sizes->n_companies + MAX (sizes->n_contacts, 1);
  writer->ops += crm_store_get_log_length (account->store) - log_length;

  stmt = _crm_store_prepare (account->store,
    "SELECT id, company FROM contact WHERE deleted = 0 ORDER BY rowid", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Contact *contact = g_new0 (Contact, 1);
      const char *company = (const char *) sqlite3_column_text (stmt, 1);

      contact->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      contact->company = g_strdup (company);
      g_ptr_array_add (account->contacts, contact);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (account->store, error, "reading contacts");
      return FALSE;
    }
  return TRUE;
}

gboolean
bench_account_populate (BenchAccount      *account,
                        const BenchSizes  *sizes,
                        guint              batch,
                        guint64           *out_changes,
                        guint64           *out_ops,
                        GError           **error)
{
  Writer writer = { .account = account, .batch = MAX (batch, 1) };
  gboolean ok;

  writer.started = writer.reported = bench_now_us ();
  /* the ids of rule-made entities derive from op ids: seeded, so reproducible */
  crm_store_set_random_seed (account->store, account->seed);
  ok = add_people (&writer, sizes, error) &&
       (sizes->n_deals == 0 || add_deals (&writer, sizes, error));
  g_clear_pointer (&writer.changeset, crm_changeset_unref);
  if (out_changes != NULL)
    *out_changes = writer.changes;
  if (out_ops != NULL)
    *out_ops = writer.ops;
  return ok;
}
