/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rfm.c — RFM segmentation (crm-rfm.h): every client scored (one pass over rfm_won,
 * the won deals' rows per client the write path keeps (schema 23), the scores and
 * segments in C) into a temporary table of the connection
 * (nothing stored, nothing replicated: each replica computes the same from the same won
 * deals and thresholds), one client's history of segment
 * transitions derived from its won deals, the segments' thresholds, and the «rfm»
 * report (segments per manager at the end of a period, flows between them in it). */
#define G_LOG_DOMAIN "voronka-rfm"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-report-private.h"
#include "crm-rfm.h"
#include "crm-rfm-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* A won deal's time: when it entered the won stage (its creation for older rows). */
#define WON_AT "coalesce (d.stage_entered_at, d.created_at, 0)"

/* ---- segments ---- */

typedef struct {
  char   *id;
  char   *key;
  char   *name;
  gint64  bound[6];     /* recency_min, recency_max, frequency_min/max, monetary_min/max; -1 */
  gint64  position;
} Segment;

static void
segment_free (gpointer data)
{
  Segment *segment = data;

  g_free (segment->id);
  g_free (segment->key);
  g_free (segment->name);
  g_free (segment);
}

static const char *const bound_names[6] = {
  "recency_min", "recency_max", "frequency_min", "frequency_max", "monetary_min",
  "monetary_max"
};

static GPtrArray *
load_segments (CrmStore  *store,
               GError   **error)
{
  g_autoptr(GPtrArray) segments = g_ptr_array_new_with_free_func (segment_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, key, name, recency_min, recency_max, frequency_min, frequency_max,"
    " monetary_min, monetary_max, coalesce (position, 0) FROM rfm_segment WHERE deleted = 0"
    " ORDER BY position, id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Segment *segment = g_new0 (Segment, 1);

      segment->id = _crm_sql_dup_column_text (stmt, 0);
      segment->key = _crm_sql_dup_column_text (stmt, 1);
      segment->name = _crm_sql_dup_column_text (stmt, 2);
      for (int i = 0; i < 6; i++)
        segment->bound[i] = sqlite3_column_type (stmt, 3 + i) == SQLITE_NULL
                            ? -1 : sqlite3_column_int64 (stmt, 3 + i);
      segment->position = sqlite3_column_int64 (stmt, 9);
      g_ptr_array_add (segments, segment);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the RFM segments");
      return NULL;
    }
  return g_steal_pointer (&segments);
}

/* The first segment (by position) whose bounds hold for these facts as of @as_of;
 * recency in whole days. */
static const Segment *
segment_for (GPtrArray *segments,
             gint64     as_of,
             gint64     last_won,
             gint64     frequency,
             gint64     monetary)
{
  gint64 days = (as_of - last_won) / CRM_MS_PER_DAY;

  if (frequency == 0)
    return NULL;
  for (guint i = 0; i < segments->len; i++)
    {
      const Segment *s = segments->pdata[i];
      const gint64 *b = s->bound;

      if ((b[0] < 0 || days >= b[0]) && (b[1] < 0 || days <= b[1]) &&
          (b[2] < 0 || frequency >= b[2]) && (b[3] < 0 || frequency <= b[3]) &&
          (b[4] < 0 || monetary >= b[4]) && (b[5] < 0 || monetary <= b[5]))
        return s;
    }
  return NULL;
}

/* ---- scoring every client ---- */

/* A won deal: its company and what it counts for. */
typedef struct {
  char   *company;
  gint64  amount;
  gint64  at;
} Won;

static void
won_free (gpointer data)
{
  Won *won = data;

  g_free (won->company);
  g_free (won);
}

/* A client's facts as of one time. */
typedef struct {
  gint64 last_won;
  gint64 frequency;
  gint64 monetary;
} Facts;

/* The times a scoring gathers facts as of (the report's period: its start and end). */
#define MAX_TIMES 2

/* A client's facts as of each time, and then its scores as of one of them. */
typedef struct {
  char          *client;
  const char    *kind;
  gboolean       standalone;
  char          *manager;
  Facts          at[MAX_TIMES];
  Facts          facts;         /* the facts scored: at[] of the time being scored */
  int            score[3];      /* r, f, m */
  const Segment *segment;
} Client;

static void
client_free (gpointer data)
{
  Client *client = data;

  g_free (client->client);
  g_free (client->manager);
  g_free (client);
}

/* Adds @won to the facts as of each of the @n_times @times it was won by. */
static void
facts_add (Client       *client,
           const Won    *won,
           const gint64 *times,
           guint         n_times)
{
  for (guint i = 0; i < n_times; i++)
    {
      Facts *facts = &client->at[i];

      if (won->at > times[i])
        continue;
      facts->last_won = facts->frequency == 0 ? won->at : MAX (facts->last_won, won->at);
      facts->frequency++;
      facts->monetary += won->amount;
    }
}

static gint
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gint
compare_pointers (gconstpointer a,
                  gconstpointer b)
{
  guintptr x = (guintptr) *(gconstpointer const *) a;
  guintptr y = (guintptr) *(gconstpointer const *) b;

  return x < y ? -1 : x > y;
}

static gint
compare_clients (gconstpointer a,
                 gconstpointer b)
{
  return strcmp ((*(Client * const *) a)->client, (*(Client * const *) b)->client);
}

/* How many of the sorted @values (@n of them) are at most @value. */
static gsize
count_at_most (const gint64 *values,
               gsize         n,
               gint64        value)
{
  gsize low = 0, high = n;

  while (low < high)
    {
      gsize middle = low + (high - low) / 2;

      if (values[middle] <= value)
        low = middle + 1;
      else
        high = middle;
    }
  return low;
}

/* Scores 1–5 of the clients of one kind: the share of clients of the kind at or below
 * the client's value, in fifths rounded up (ties score alike; the best scores 5). */
static void
score_kind (GPtrArray  *clients,
            const char *kind)
{
  g_autofree gint64 *values[3] = { NULL, NULL, NULL };
  gsize n = 0;

  for (guint i = 0; i < clients->len; i++)
    n += ((Client *) clients->pdata[i])->kind == kind;
  if (n == 0)
    return;
  for (int v = 0; v < 3; v++)
    values[v] = g_new (gint64, n);
  for (guint i = 0, j = 0; i < clients->len; i++)
    {
      Client *client = clients->pdata[i];

      if (client->kind != kind)
        continue;
      values[0][j] = client->facts.last_won;
      values[1][j] = client->facts.frequency;
      values[2][j] = client->facts.monetary;
      j++;
    }
  for (int v = 0; v < 3; v++)
    qsort (values[v], n, sizeof (gint64), compare_int64);
  for (guint i = 0; i < clients->len; i++)
    {
      Client *client = clients->pdata[i];
      const gint64 mine[3] = { client->facts.last_won, client->facts.frequency,
                               client->facts.monetary };

      if (client->kind != kind)
        continue;
      for (int v = 0; v < 3; v++)
        client->score[v] = (5 * count_at_most (values[v], n, mine[v]) + n - 1) / n;
    }
}

static const char kind_company[] = "company";
static const char kind_contact[] = "contact";

/* The company @id's facts in @companies, made if it has none yet. */
static Client *
company_facts (GHashTable *companies,
               const char *id)
{
  Client *company = g_hash_table_lookup (companies, id);

  if (company == NULL)
    {
      company = g_new0 (Client, 1);
      company->client = g_strdup (id);
      company->kind = kind_company;
      company->standalone = TRUE;
      g_hash_table_insert (companies, company->client, company);
    }
  return company;
}

/* The won deals from the rows (crm_report_run_from_rows): every won deal, found by its
 * won stage (the deal_stage index), and every link of a contact to one, in the links'
 * table order (cheaper than two lookups per won deal once deals are many). */
static gboolean
read_won_deals (CrmStore     *store,
                gint64        last_time,
                const gint64 *times,
                guint         n_times,
                GPtrArray    *owned,
                GHashTable   *companies,
                GHashTable   *links,
                GError      **error)
{
  /* deal id → Won */
  g_autoptr(GHashTable) won = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT d.id, d.company, coalesce (d.amount, 0), " WON_AT
    " FROM stage s CROSS JOIN deal d ON d.stage = s.id"
    " WHERE s.kind = 'won' AND d.deleted = 0 AND " WON_AT " <= ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, last_time);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Won *deal = g_new0 (Won, 1);

      deal->company = _crm_sql_dup_column_text (stmt, 1);
      deal->amount = sqlite3_column_int64 (stmt, 2);
      deal->at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (owned, deal);
      g_hash_table_insert (won, _crm_sql_dup_column_text (stmt, 0), deal);
      if (deal->company != NULL)
        facts_add (company_facts (companies, deal->company), deal, times, n_times);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the won deals (RFM)");
      return FALSE;
    }

  stmt = _crm_store_prepare (store,
    "SELECT deal, contact FROM deal_contact NOT INDEXED"
    " WHERE present = 1 AND deleted = 0 AND contact IS NOT NULL", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *contact = (const char *) sqlite3_column_text (stmt, 1);
      Won *deal = g_hash_table_lookup (won, sqlite3_column_text (stmt, 0));
      GPtrArray *deals;

      if (deal == NULL)
        continue;
      deals = g_hash_table_lookup (links, contact);
      if (deals == NULL)
        {
          deals = g_ptr_array_new ();
          g_hash_table_insert (links, g_strdup (contact), deals);
        }
      g_ptr_array_add (deals, deal);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the contacts of the won deals (RFM)");
      return FALSE;
    }
  return TRUE;
}

/* The same from rfm_won (schema 23, kept by the write path): a row for each client a won
 * deal counts for, the company's own (client = company) and each linked contact's. */
static gboolean
read_won_rows (CrmStore     *store,
               gint64        last_time,
               const gint64 *times,
               guint         n_times,
               GPtrArray    *owned,
               GHashTable   *companies,
               GHashTable   *links,
               GError      **error)
{
  sqlite3_stmt *stmt;
  GPtrArray *deals = NULL;
  const char *deals_of = NULL;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT client, company, won_at, amount FROM rfm_won WHERE won_at <= ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, last_time);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *client = (const char *) sqlite3_column_text (stmt, 0);
      const char *company = (const char *) sqlite3_column_text (stmt, 1);
      Won *deal;

      if (company != NULL && strcmp (client, company) == 0)
        {
          Won own = { NULL, sqlite3_column_int64 (stmt, 3), sqlite3_column_int64 (stmt, 2) };

          facts_add (company_facts (companies, client), &own, times, n_times);
          continue;
        }
      deal = g_new0 (Won, 1);
      deal->company = g_strdup (company);
      deal->amount = sqlite3_column_int64 (stmt, 3);
      deal->at = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (owned, deal);
      /* the rows come in the clients' order: a contact's rows one after another */
      if (deals == NULL || strcmp (deals_of, client) != 0)
        {
          gpointer key;

          if (!g_hash_table_lookup_extended (links, client, &key, (gpointer *) &deals))
            {
              key = g_strdup (client);
              deals = g_ptr_array_new ();
              g_hash_table_insert (links, key, deals);
            }
          deals_of = key;
        }
      g_ptr_array_add (deals, deal);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the won deals (RFM)");
      return FALSE;
    }
  return TRUE;
}

/* Moves the live companies (those @sql lists: id, responsible) out of @companies (id →
 * Client, the companies with won deals) into @clients, each with its manager. */
static gboolean
take_live_companies (CrmStore    *store,
                     const char  *sql,
                     GHashTable  *companies,
                     GPtrArray   *clients,
                     GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gpointer key, value;

      if (!g_hash_table_lookup_extended (companies, sqlite3_column_text (stmt, 0), &key, &value))
        continue;
      g_hash_table_steal (companies, key);
      ((Client *) value)->manager = _crm_sql_dup_column_text (stmt, 1);
      g_ptr_array_add (clients, value);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the companies (RFM)");
      return FALSE;
    }
  return TRUE;
}

/* The live companies in @companies and the live contacts without a company among those
 * in @links: the clients the «rfm» report counts (a company's people count with it),
 * read from two small partial indexes (schema 23) instead of the contacts and companies
 * tables. */
static GPtrArray *
standalone_clients (CrmStore      *store,
                    GHashTable    *companies,
                    GHashTable    *links,
                    const gint64  *times,
                    guint          n_times,
                    GError       **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (client_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store,
    "SELECT id, responsible FROM contact INDEXED BY contact_alone"
    " WHERE company IS NULL AND deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GPtrArray *deals = g_hash_table_lookup (links, sqlite3_column_text (stmt, 0));
      Client *client;

      if (deals == NULL)
        continue;
      client = g_new0 (Client, 1);
      client->client = _crm_sql_dup_column_text (stmt, 0);
      client->kind = kind_contact;
      client->standalone = TRUE;
      client->manager = _crm_sql_dup_column_text (stmt, 1);
      /* (rfm_won holds a deal once for each client) */
      for (guint i = 0; i < deals->len; i++)
        facts_add (client, deals->pdata[i], times, n_times);
      g_ptr_array_add (clients, client);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the contacts (RFM)");
      return NULL;
    }

  if (!take_live_companies (store,
        "SELECT id, responsible FROM company INDEXED BY company_live WHERE deleted = 0",
        companies, clients, error))
    return NULL;
  return g_steal_pointer (&clients);
}

/* Every client's facts as of each of the @n_times @times (at most MAX_TIMES), in one
 * pass over the won deals (with the contacts linked to each) and one over the live
 * contacts and companies: a company's facts are its won deals; a contact's, those of its
 * company and the won deals linked to it that are not its company's (each deal once).
 * A client with no purchase as of one of the times has a frequency of 0 then. Only the
 * companies and the contacts without one when @standalone_only (the rows of rfm_won then
 * tell which to read, unless @from_rows). */
static GPtrArray *
gather_clients (CrmStore      *store,
                gboolean       from_rows,
                gboolean       standalone_only,
                const gint64  *times,
                guint          n_times,
                GError       **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (client_free);
  /* every Won; company id → Client (its facts, whether or not it is live); contact id →
   * the Won deals linked to it */
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (won_free);
  g_autoptr(GHashTable) companies = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           client_free);
  g_autoptr(GHashTable) links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
  gint64 last_time = times[0];
  sqlite3_stmt *stmt;
  int rc;

  g_assert (n_times >= 1 && n_times <= MAX_TIMES);
  for (guint i = 1; i < n_times; i++)
    last_time = MAX (last_time, times[i]);
  if (!(from_rows ? read_won_deals : read_won_rows) (store, last_time, times, n_times, owned,
                                                     companies, links, error))
    return NULL;
  if (standalone_only && !from_rows)
    return standalone_clients (store, companies, links, times, n_times, error);

  /* the live contacts: of a company with won deals, or linked to a won deal */
  stmt = _crm_store_prepare (store,
    "SELECT id, company, responsible FROM contact NOT INDEXED WHERE deleted = 0", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *company_id = (const char *) sqlite3_column_text (stmt, 1);
      Client *company = company_id != NULL ? g_hash_table_lookup (companies, company_id) : NULL;
      GPtrArray *deals = g_hash_table_lookup (links, id);
      Client *client;

      if (company == NULL && deals == NULL)
        continue;
      client = g_new0 (Client, 1);
      client->client = g_strdup (id);
      client->kind = kind_contact;
      client->standalone = company_id == NULL;
      client->manager = _crm_sql_dup_column_text (stmt, 2);
      if (company != NULL)
        memcpy (client->at, company->at, sizeof client->at);
      if (deals != NULL)
        {
          g_ptr_array_sort (deals, compare_pointers);
          for (guint i = 0; i < deals->len; i++)
            {
              const Won *deal = deals->pdata[i];

              /* linked twice, or its company's deal: counted already */
              if ((i > 0 && deals->pdata[i - 1] == deal) ||
                  (company_id != NULL && g_strcmp0 (deal->company, company_id) == 0))
                continue;
              facts_add (client, deal, times, n_times);
            }
        }
      g_ptr_array_add (clients, client);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the contacts (RFM)");
      return NULL;
    }

  /* the live companies among those with won deals, with their managers */
  if (!take_live_companies (store,
        "SELECT id, responsible FROM company NOT INDEXED WHERE deleted = 0",
        companies, clients, error))
    return NULL;
  return g_steal_pointer (&clients);
}

/* Writes the scored @clients into temp.@table (one of a few fixed names),
 * in the order of the table's key. */
static gboolean
write_scores (CrmStore    *store,
              const char  *table,
              GPtrArray   *clients,
              gboolean     scores,
              GError     **error)
{
  g_autofree char *create = g_strdup_printf (
    "CREATE TEMP TABLE IF NOT EXISTS %s (client TEXT PRIMARY KEY NOT NULL, kind TEXT,"
    " standalone INTEGER, manager TEXT, last_won INTEGER, frequency INTEGER,"
    " monetary INTEGER, r INTEGER, f INTEGER, m INTEGER, segment TEXT) WITHOUT ROWID", table);
  g_autofree char *clear = g_strdup_printf ("DELETE FROM temp.%s", table);
  g_autofree char *insert = g_strdup_printf (
    "INSERT INTO temp.%s (client, kind, standalone, manager, last_won, frequency, monetary,"
    " r, f, m, segment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", table);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;

  if (!_crm_sql_exec (store, create, "prepare the RFM scores", error) ||
      !_crm_sql_exec (store, "SAVEPOINT rfm_scores", "write the RFM scores", error))
    return FALSE;
  if (!_crm_sql_exec (store, clear, "write the RFM scores", error) ||
      sqlite3_prepare_v2 (_crm_store_get_db (store), insert, -1, &stmt, NULL) != SQLITE_OK)
    ok = FALSE;
  for (guint i = 0; ok && i < clients->len; i++)
    {
      Client *client = clients->pdata[i];

      sqlite3_bind_text (stmt, 1, client->client, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, client->kind, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, client->standalone);
      _crm_sql_bind_text_or_null (stmt, 4, client->manager);
      sqlite3_bind_int64 (stmt, 5, client->facts.last_won);
      sqlite3_bind_int64 (stmt, 6, client->facts.frequency);
      sqlite3_bind_int64 (stmt, 7, client->facts.monetary);
      for (int v = 0; v < 3; v++)
        if (scores)
          sqlite3_bind_int (stmt, 8 + v, client->score[v]);
        else
          sqlite3_bind_null (stmt, 8 + v);
      _crm_sql_bind_text_or_null (stmt, 11, client->segment != NULL ? client->segment->id : NULL);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
      sqlite3_reset (stmt);
    }
  if (!ok)
    _crm_store_set_sql_error (store, error, "write the RFM scores");
  sqlite3_finalize (stmt);
  if (!ok)
    {
      sqlite3_exec (_crm_store_get_db (store), "ROLLBACK TO rfm_scores; RELEASE rfm_scores",
                    NULL, NULL, NULL);
      return FALSE;
    }
  return _crm_sql_exec (store, "RELEASE rfm_scores", "write the RFM scores", error);
}

/* Scores every client as of each of the @n_times @times into temp.@tables[i]: the facts
 * as of all of them gathered in one pass (from rfm_won, or from the deals when
 * @from_rows), scored and segmented here; a client with no purchase by a time is not
 * among that time's clients. Only the standalone clients' segments when
 * @standalone_only (the report's: no 1–5 scores, which need every client). */
static gboolean
score_into (CrmStore            *store,
            gboolean             from_rows,
            gboolean             standalone_only,
            const char *const   *tables,
            const gint64        *times,
            guint                n_times,
            GError             **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GPtrArray) clients = NULL;

  segments = load_segments (store, error);
  if (segments == NULL)
    return FALSE;
  clients = gather_clients (store, from_rows, standalone_only, times, n_times, error);
  if (clients == NULL)
    return FALSE;
  g_ptr_array_sort (clients, compare_clients);
  for (guint t = 0; t < n_times; t++)
    {
      g_autoptr(GPtrArray) scored = g_ptr_array_sized_new (clients->len);

      for (guint i = 0; i < clients->len; i++)
        {
          Client *client = clients->pdata[i];

          if (client->at[t].frequency == 0 || (standalone_only && !client->standalone))
            continue;
          client->facts = client->at[t];
          client->segment = segment_for (segments, times[t], client->facts.last_won,
                                         client->facts.frequency, client->facts.monetary);
          g_ptr_array_add (scored, client);
        }
      if (!standalone_only)
        {
          score_kind (scored, kind_company);
          score_kind (scored, kind_contact);
        }
      if (!write_scores (store, tables[t], scored, !standalone_only, error))
        return FALSE;
    }
  return TRUE;
}

/* What temp.rfm_client was last scored from: the connection's changes and the
 * database's version then, and the time it was scored as of. */
typedef struct {
  gint64 changes;
  gint64 data_version;
  gint64 as_of;
} Scored;

#define SCORED_KEY "crm-rfm-scored"
/* Scores this much older than "now" still serve: the app's filtered list asks for a page
 * at a time, each at a new now, and must not rescore every client for each one. */
#define SCORED_FRESH_MS (60 * 1000)

static gint64
data_version (CrmStore *store)
{
  sqlite3_stmt *stmt = NULL;
  gint64 version = -1;

  if (sqlite3_prepare_v2 (_crm_store_get_db (store), "PRAGMA data_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
_crm_rfm_refresh (CrmStore  *store,
                  GError   **error)
{
  gint64 as_of = crm_store_get_now (store);
  Scored *scored = g_object_get_data (G_OBJECT (store), SCORED_KEY);
  gint64 version = data_version (store);

  /* nothing written since (here or by another connection), and scored less than a
   * minute before: the scores stand */
  if (scored != NULL && version >= 0 && scored->data_version == version &&
      scored->changes == sqlite3_total_changes64 (_crm_store_get_db (store)) &&
      as_of >= scored->as_of && as_of - scored->as_of < SCORED_FRESH_MS)
    return TRUE;
  g_object_set_data (G_OBJECT (store), SCORED_KEY, NULL);
  if (!score_into (store, FALSE, FALSE, (const char *const[]) { "rfm_client" }, &as_of, 1, error))
    return FALSE;
  scored = g_new0 (Scored, 1);
  scored->changes = sqlite3_total_changes64 (_crm_store_get_db (store));
  scored->data_version = version;
  scored->as_of = as_of;
  g_object_set_data_full (G_OBJECT (store), SCORED_KEY, scored, g_free);
  return TRUE;
}

gint64
crm_rfm_score_all (CrmStore  *store,
                   GError   **error)
{
  sqlite3_stmt *stmt;
  gint64 n = -1;

  g_return_val_if_fail (CRM_IS_STORE (store), -1);

  /* scored afresh, whatever was scored before: what bench/ times */
  g_object_set_data (G_OBJECT (store), SCORED_KEY, NULL);
  if (!_crm_rfm_refresh (store, error))
    return -1;
  if (sqlite3_prepare_v2 (_crm_store_get_db (store), "SELECT count (*) FROM temp.rfm_client",
                          -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    _crm_store_set_read_error (store, error, "count the scored clients");
  sqlite3_finalize (stmt);
  return n;
}

GHashTable *
crm_rfm_segment_names (CrmStore    *store,
                       const char  *kind,
                       GError     **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (kind != NULL, NULL);

  if (!_crm_rfm_refresh (store, error))
    return NULL;
  if (sqlite3_prepare_v2 (_crm_store_get_db (store),
                          "SELECT r.client, s.name FROM temp.rfm_client r"
                          " JOIN rfm_segment s ON s.id = r.segment AND s.deleted = 0"
                          " WHERE r.kind = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_store_set_read_error (store, error, "read the clients' segments");
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  if (rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "read the clients' segments");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? g_steal_pointer (&names) : NULL;
}

char *
_crm_rfm_resolve_segment (CrmStore    *store,
                          const char  *name,
                          GError     **error)
{
  g_autoptr(GPtrArray) segments = load_segments (store, error);
  g_autofree char *folded = NULL;
  g_autoptr(GString) known = g_string_new (NULL);

  if (segments == NULL)
    return NULL;
  folded = crm_text_fold (name);
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *segment = segments->pdata[i];
      g_autofree char *folded_name = crm_text_fold (segment->name ? segment->name : "");

      if (g_strcmp0 (segment->id, name) == 0 || g_strcmp0 (segment->key, name) == 0 ||
          g_str_equal (folded_name, folded))
        return g_strdup (segment->id);
      g_string_append_printf (known, "%s«%s»", known->len > 0 ? ", " : "", segment->name);
    }
  if (segments->len == 0)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("There is no RFM segment «%s»: this account has no segments yet; an "
                   "administrator adds them with «voronkactl rfm segment set»"), name);
  else
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("There is no RFM segment «%s»; the segments are %s"), name, known->str);
  return NULL;
}

static void
set_bound_member (JsonObject *object,
                  const char *member,
                  gint64      value,
                  gboolean    money)
{
  if (value < 0)
    json_object_set_null_member (object, member);
  else if (money)
    {
      g_autofree char *text = crm_money_format (value);

      json_object_set_string_member (object, member, text);
    }
  else
    json_object_set_int_member (object, member, value);
}

JsonArray *
crm_rfm_segments (CrmStore  *store,
                  GError   **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  JsonArray *result;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  segments = load_segments (store, error);
  if (segments == NULL)
    return NULL;
  result = json_array_new ();
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *segment = segments->pdata[i];
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", segment->id);
      json_object_set_string_member (object, "key", segment->key);
      json_object_set_string_member (object, "name", segment->name);
      json_object_set_int_member (object, "position", i);
      for (int b = 0; b < 6; b++)
        set_bound_member (object, bound_names[b], segment->bound[b], b >= 4);
      json_array_add_object_element (result, object);
    }
  return result;
}

gboolean
crm_rfm_segment_set (CrmStore            *store,
                     const char          *key_or_name,
                     const char          *name,
                     const CrmRfmBounds  *bounds,
                     const char          *actor,
                     GError             **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  const gint64 values[6] = {
    bounds->recency_min, bounds->recency_max, bounds->frequency_min, bounds->frequency_max,
    bounds->monetary_min, bounds->monetary_max
  };
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (key_or_name == NULL || *key_or_name == '\0')
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("A segment needs a name"));
  if ((values[0] >= 0 && values[1] >= 0 && values[0] > values[1]) ||
      (values[2] >= 0 && values[3] >= 0 && values[2] > values[3]) ||
      (values[4] >= 0 && values[5] >= 0 && values[4] > values[5]))
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("A segment's lower bound is above its upper bound; no client "
                             "could ever be in it"));
  segments = load_segments (store, error);
  if (segments == NULL)
    return FALSE;

  changeset = crm_changeset_new ();
  if (actor != NULL)
    crm_changeset_set_actor (changeset, actor);
  for (guint i = 0; i < segments->len && id == NULL; i++)
    {
      Segment *segment = segments->pdata[i];
      g_autofree char *a = crm_text_fold (segment->name ? segment->name : "");
      g_autofree char *b = crm_text_fold (key_or_name);

      if (g_strcmp0 (segment->key, key_or_name) == 0 || g_str_equal (a, b) ||
          g_strcmp0 (segment->id, key_or_name) == 0)
        id = g_strdup (segment->id);
    }
  if (id != NULL)
    change = crm_changeset_touch (changeset, "rfm_segment", id);
  else
    {
      g_autofree char *folded = crm_text_fold (key_or_name);
      g_autofree char *seed = g_strdup_printf ("rfm_segment/%s", folded);

      id = crm_uuid_v5 (CRM_UUID_NAMESPACE, seed);
      change = crm_changeset_create (changeset, "rfm_segment", id);
      crm_change_set_string (change, "key", key_or_name);
      crm_change_set_string (change, "name", name != NULL ? name : key_or_name);
      crm_change_set_int (change, "position", segments->len);
    }
  if (name != NULL)
    crm_change_set_string (change, "name", name);
  for (int b = 0; b < 6; b++)
    {
      if (values[b] >= 0)
        crm_change_set_int (change, bound_names[b], values[b]);
      else
        crm_change_set_null (change, bound_names[b]);
    }
  return crm_store_apply (store, changeset, error);
}

/* ---- one client ---- */

static gint
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

JsonObject *
crm_rfm_client (CrmStore    *store,
                const char  *client_id,
                GError     **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonArray) history = json_array_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) amounts = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *kind = NULL;
  g_autofree char *name = NULL;
  gint64 now = crm_store_get_now (store);
  const Segment *current = NULL;
  gint64 frequency = 0, monetary = 0;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  name = _crm_store_dup_column (store, "company", client_id, "name");
  if (name != NULL)
    kind = g_strdup ("company");
  else if ((name = _crm_store_dup_column (store, "contact", client_id, "name")) != NULL)
    kind = g_strdup ("contact");
  else
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no company or contact %s"), client_id);
      return NULL;
    }
  segments = load_segments (store, error);
  if (segments == NULL || !_crm_rfm_refresh (store, error))
    return NULL;

  json_object_set_string_member (result, "client", client_id);
  json_object_set_string_member (result, "kind", kind);
  json_object_set_string_member (result, "name", name);

  /* the won deals that make up its facts, oldest first */
  stmt = _crm_store_prepare (store,
    "SELECT " WON_AT ", coalesce (d.amount, 0) FROM deal d"
    " JOIN stage s ON s.id = d.stage AND s.kind = 'won'"
    " WHERE d.deleted = 0 AND " WON_AT " <= ?2 AND (d.company = ?1"
    "  OR d.id IN (SELECT deal FROM deal_contact WHERE contact = ?1 AND present = 1"
    "   AND deleted = 0)"
    "  OR (d.company IS NOT NULL AND d.company = (SELECT company FROM contact"
    "   WHERE id = ?1 AND deleted = 0)))"
    " ORDER BY 1, d.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 at = sqlite3_column_int64 (stmt, 0);
      gint64 amount = sqlite3_column_int64 (stmt, 1);

      g_array_append_val (times, at);
      g_array_append_val (amounts, amount);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the client's won deals");
      return NULL;
    }

  /* the segment can change only at a purchase, or when the days since the last one
   * cross a segment's recency bound before the next purchase */
  for (guint i = 0; i < times->len; i++)
    {
      gint64 at = g_array_index (times, gint64, i);
      gint64 next = i + 1 < times->len ? g_array_index (times, gint64, i + 1) : now + 1;
      g_autoptr(GArray) moments = g_array_new (FALSE, FALSE, sizeof (gint64));

      frequency++;
      monetary += g_array_index (amounts, gint64, i);
      g_array_append_val (moments, at);
      for (guint s = 0; s < segments->len; s++)
        {
          const Segment *segment = segments->pdata[s];
          gint64 candidates[2] = {
            segment->bound[0] >= 0 ? at + segment->bound[0] * CRM_MS_PER_DAY : -1,
            segment->bound[1] >= 0 ? at + (segment->bound[1] + 1) * CRM_MS_PER_DAY : -1,
          };

          for (int c = 0; c < 2; c++)
            if (candidates[c] > at && candidates[c] < next && candidates[c] <= now)
              g_array_append_val (moments, candidates[c]);
        }
      g_array_sort (moments, compare_times);
      for (guint m = 0; m < moments->len; m++)
        {
          gint64 moment = g_array_index (moments, gint64, m);
          const Segment *segment = segment_for (segments, moment, at, frequency, monetary);
          g_autofree char *when = NULL;
          JsonObject *step;

          if (segment == current)
            continue;
          when = crm_time_format (moment);
          step = json_object_new ();
          json_object_set_string_member (step, "at", when);
          if (current != NULL)
            json_object_set_string_member (step, "from", current->name);
          else
            json_object_set_null_member (step, "from");
          if (segment != NULL)
            json_object_set_string_member (step, "to", segment->name);
          else
            json_object_set_null_member (step, "to");
          json_array_add_object_element (history, step);
          current = segment;
        }
    }

  stmt = NULL;
  if (sqlite3_prepare_v2 (_crm_store_get_db (store),
                          "SELECT r.last_won, r.frequency, r.monetary, r.r, r.f, r.m, s.name, s.key"
                          " FROM temp.rfm_client r LEFT JOIN rfm_segment s ON s.id = r.segment"
                          " WHERE r.client = ?1", -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_store_set_read_error (store, error, "read the client's scores");
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *money = crm_money_format (sqlite3_column_int64 (stmt, 2));

      _crm_json_set_time_column (result, "last_won", stmt, 0);
      json_object_set_int_member (result, "recency_days",
                                  (now - sqlite3_column_int64 (stmt, 0)) / CRM_MS_PER_DAY);
      json_object_set_int_member (result, "frequency", sqlite3_column_int64 (stmt, 1));
      json_object_set_string_member (result, "monetary", money);
      json_object_set_int_member (result, "r", sqlite3_column_int64 (stmt, 3));
      json_object_set_int_member (result, "f", sqlite3_column_int64 (stmt, 4));
      json_object_set_int_member (result, "m", sqlite3_column_int64 (stmt, 5));
      _crm_json_set_text_column (result, "segment", stmt, 6);
      _crm_json_set_text_column (result, "segment_key", stmt, 7);
    }
  else
    {
      json_object_set_null_member (result, "last_won");
      json_object_set_null_member (result, "recency_days");
      json_object_set_int_member (result, "frequency", 0);
      json_object_set_string_member (result, "monetary", "0.00");
      json_object_set_null_member (result, "r");
      json_object_set_null_member (result, "f");
      json_object_set_null_member (result, "m");
      json_object_set_null_member (result, "segment");
      json_object_set_null_member (result, "segment_key");
    }
  sqlite3_finalize (stmt);
  json_object_set_array_member (result, "history", g_steal_pointer (&history));
  return g_steal_pointer (&result);
}

/* ---- the report ---- */

/* A flow column's label: from one segment (NULL: no purchase yet) to another. */
static char *
flow_label (const char *from,
            const char *to)
{
  /* Translators: a column of the RFM report: clients that moved from one
   * segment to another in the period, e.g. «Новый → Горячий» */
  return g_strdup_printf (_("%s → %s"), from != NULL ? from : _("no purchase"), to);
}

/* A cell of the «rfm» report counted here: a manager's clients in segment @to, or (a
 * flow) those that moved from @from (NULL: no purchase) to @to in the period. */
typedef struct {
  const char    *manager;   /* NULL: none */
  const Segment *from;
  const Segment *to;
  gint64         n;
} Tally;

/* Counts a client in @tallies (key → Tally), a new Tally in @order. */
static void
tally_add (GHashTable    *tallies,
           GPtrArray     *order,
           const char    *manager,
           const Segment *from,
           const Segment *to)
{
  g_autofree char *key = g_strdup_printf ("%s\x1f%s\x1f%s", manager != NULL ? manager : "",
                                          from != NULL ? from->id : "", to->id);
  Tally *tally = g_hash_table_lookup (tallies, key);

  if (tally == NULL)
    {
      tally = g_new0 (Tally, 1);
      tally->manager = manager;
      tally->from = from;
      tally->to = to;
      g_hash_table_insert (tallies, g_steal_pointer (&key), tally);
      g_ptr_array_add (order, tally);
    }
  tally->n++;
}

/* NULL (no manager) first, as SQLite orders them */
static gint
compare_managers (const char *a,
                  const char *b)
{
  if (a == NULL || b == NULL)
    return (a != NULL) - (b != NULL);
  return strcmp (a, b);
}

/* by manager, then segment key (the counts) */
static gint
compare_counts (gconstpointer a,
                gconstpointer b)
{
  const Tally *x = *(Tally * const *) a;
  const Tally *y = *(Tally * const *) b;
  gint c = compare_managers (x->manager, y->manager);

  return c != 0 ? c : strcmp (x->to->key, y->to->key);
}

/* by the segment moved from (none first), the one moved to, then manager (the flows) */
static gint
compare_flows (gconstpointer a,
               gconstpointer b)
{
  const Tally *x = *(Tally * const *) a;
  const Tally *y = *(Tally * const *) b;
  gint64 from_x = x->from != NULL ? x->from->position : -1;
  gint64 from_y = y->from != NULL ? y->from->position : -1;

  if (from_x != from_y)
    return from_x < from_y ? -1 : 1;
  if (x->to->position != y->to->position)
    return x->to->position < y->to->position ? -1 : 1;
  return compare_managers (x->manager, y->manager);
}

/* The «rfm» report from rfm_won (schema 23): the standalone clients' facts at both ends
 * of the period in one pass, their segments and the managers' counts and flows summed
 * here — what the from-rows path (crm_report_run_from_rows) counts in SQL over two
 * temporary tables of every client's scores. */
static gboolean
report_rfm_counted (CrmReport  *report,
                    GPtrArray  *segments,
                    GError    **error)
{
  const gint64 times[2] = { report->from, report->end };
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(GHashTable) group = NULL;
  /* the counts and the flows (one from no purchase has the key of a count) */
  g_autoptr(GHashTable) count_tallies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               g_free);
  g_autoptr(GHashTable) flow_tallies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              g_free);
  g_autoptr(GHashTable) columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) counts = g_ptr_array_new ();
  g_autoptr(GPtrArray) flows = g_ptr_array_new ();

  clients = gather_clients (report->store, FALSE, TRUE, times, 2, error);
  if (clients == NULL)
    return FALSE;
  /* the employees of the group filter (FOR_EMPLOYEES) */
  if (report->filter.group != NULL)
    {
      sqlite3_stmt *stmt = _crm_store_prepare (report->store,
                                               "SELECT id FROM \"user\" WHERE grp = ?1", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      group = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      sqlite3_bind_text (stmt, 1, report->filter.group, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (sqlite3_column_text (stmt, 0) != NULL)
          g_hash_table_add (group, _crm_sql_dup_column_text (stmt, 0));
      sqlite3_reset (stmt);
      if (!_crm_report_step_error (report, rc, "read the group's employees", error))
        return FALSE;
    }

  for (guint i = 0; i < clients->len; i++)
    {
      const Client *client = clients->pdata[i];
      const Segment *start, *end;

      if ((report->filter.user_id != NULL && g_strcmp0 (client->manager, report->filter.user_id) != 0) ||
          (group != NULL && (client->manager == NULL ||
                             !g_hash_table_contains (group, client->manager))) ||
          client->at[1].frequency == 0)
        continue;
      end = segment_for (segments, times[1], client->at[1].last_won, client->at[1].frequency,
                         client->at[1].monetary);
      if (end == NULL)
        continue;
      start = client->at[0].frequency == 0 ? NULL
              : segment_for (segments, times[0], client->at[0].last_won,
                             client->at[0].frequency, client->at[0].monetary);
      tally_add (count_tallies, counts, client->manager, NULL, end);
      if (start != end)
        tally_add (flow_tallies, flows, client->manager, start, end);
    }

  /* the segments at the end of the period */
  g_ptr_array_sort (counts, compare_counts);
  for (guint i = 0; i < counts->len; i++)
    {
      const Tally *tally = counts->pdata[i];
      g_autofree char *key = g_strdup_printf ("segment_%s", tally->to->key);

      _crm_report_count (report, _crm_report_row (report, tally->manager), key, tally->n);
    }
  /* the flows: a column per pair of segments some client moved between */
  g_ptr_array_sort (flows, compare_flows);
  for (guint i = 0; i < flows->len; i++)
    {
      const Tally *tally = flows->pdata[i];
      g_autofree char *key = g_strdup_printf ("flow_%s_%s",
                                              tally->from != NULL ? tally->from->key : "none",
                                              tally->to->key);

      if (!g_hash_table_contains (columns, key))
        {
          g_autofree char *label = flow_label (tally->from != NULL ? tally->from->name : NULL,
                                               tally->to->name);

          _crm_report_add_column (report, key, label, "int");
          g_hash_table_add (columns, g_strdup (key));
        }
      _crm_report_count (report, _crm_report_row (report, tally->manager), key, tally->n);
    }
  return TRUE;
}

/* Per manager (the client's responsible): the clients of each segment at the end of
 * the period, and the clients that moved from one segment to another in it. A client
 * is a company, or a contact without a company (a company's people count with it). */
gboolean
_crm_report_rfm (CrmReport  *report,
                 GError    **error)
{
  g_autoptr(GPtrArray) segments = load_segments (report->store, error);
  g_autofree char *flows_sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (segments == NULL)
    return FALSE;
  if (segments->len == 0)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                           _("This account has no RFM segments: an administrator adds them "
                             "with «voronkactl rfm segment set» to use this report"));
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *segment = segments->pdata[i];
      g_autofree char *key = g_strdup_printf ("segment_%s", segment->key);

      _crm_report_add_column (report, key, segment->name, "int");
    }
  if (!report->from_rows)
    return report_rfm_counted (report, segments, error);
  /* from the rows: every client scored as of the period's start and its end */
  if (!score_into (report->store, report->from_rows, TRUE,
                   (const char *const[]) { "rfm_start", "rfm_end" },
                   (const gint64[]) { report->from, report->end }, 2, error))
    return FALSE;

  /* the segments at the end of the period */
  if (sqlite3_prepare_v2 (_crm_store_get_db (report->store),
        "SELECT e.manager, s.key, count (*) FROM temp.rfm_end e"
        " JOIN rfm_segment s ON s.id = e.segment WHERE e.standalone = 1"
        FOR_EMPLOYEES ("e.manager") " GROUP BY 1, 2 ORDER BY 1, 2", -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_store_set_read_error (report->store, error, "count the segments");
      return FALSE;
    }
  _crm_report_bind (report, stmt);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *key = g_strdup_printf ("segment_%s", sqlite3_column_text (stmt, 1));

      _crm_report_count (report, _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0)),
                         key, sqlite3_column_int64 (stmt, 2));
    }
  sqlite3_finalize (stmt);
  if (!_crm_report_step_error (report, rc, "count the segments", error))
    return FALSE;

  /* the flows: a column per pair of segments some client moved between */
  flows_sql = g_strdup (
    "SELECT e.manager, coalesce (a.key, ''), coalesce (a.name, ''), b.key, b.name, count (*)"
    " FROM temp.rfm_end e JOIN rfm_segment b ON b.id = e.segment"
    " LEFT JOIN temp.rfm_start st ON st.client = e.client"
    " LEFT JOIN rfm_segment a ON a.id = st.segment"
    " WHERE e.standalone = 1 AND st.segment IS NOT e.segment" FOR_EMPLOYEES ("e.manager")
    " GROUP BY 1, 2, 4 ORDER BY coalesce (a.position, -1), b.position, 1");
  if (sqlite3_prepare_v2 (_crm_store_get_db (report->store), flows_sql, -1, &stmt, NULL)
      != SQLITE_OK)
    {
      _crm_store_set_read_error (report->store, error, "count the flows between segments");
      return FALSE;
    }
  _crm_report_bind (report, stmt);
  {
    g_autoptr(GHashTable) columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        const char *from_key = (const char *) sqlite3_column_text (stmt, 1);
        const char *from_name = (const char *) sqlite3_column_text (stmt, 2);
        g_autofree char *key = g_strdup_printf ("flow_%s_%s", *from_key ? from_key : "none",
                                                sqlite3_column_text (stmt, 3));

        if (!g_hash_table_contains (columns, key))
          {
            g_autofree char *label = flow_label (*from_name ? from_name : NULL,
                                                 (const char *) sqlite3_column_text (stmt, 4));

            _crm_report_add_column (report, key, label, "int");
            g_hash_table_add (columns, g_strdup (key));
          }
        _crm_report_count (report,
                           _crm_report_row (report, (const char *) sqlite3_column_text (stmt, 0)),
                           key, sqlite3_column_int64 (stmt, 5));
      }
  }
  sqlite3_finalize (stmt);
  return _crm_report_step_error (report, rc, "count the flows between segments", error);
}
