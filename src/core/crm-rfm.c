/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rfm.c — RFM segmentation (crm-rfm.h): every client scored in SQL into a temporary
 * table of the connection (nothing stored, nothing replicated: each replica computes the
 * same from the same won deals and thresholds), one client's history of segment
 * transitions derived from its won deals, the segments' thresholds, and the «rfm»
 * report (segments per manager at the end of a period, flows between them in it). */
#define G_LOG_DOMAIN "voronka-rfm"

#include "config.h"

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

/* The first segment (by position) whose bounds hold for the row's last_won, frequency
 * and monetary as of :asof; recency in whole days. */
#define SEGMENT_OF \
  "(SELECT s.id FROM rfm_segment s WHERE s.deleted = 0" \
  " AND (s.recency_max IS NULL OR (:asof - last_won) / 86400000 <= s.recency_max)" \
  " AND (s.recency_min IS NULL OR (:asof - last_won) / 86400000 >= s.recency_min)" \
  " AND (s.frequency_min IS NULL OR frequency >= s.frequency_min)" \
  " AND (s.frequency_max IS NULL OR frequency <= s.frequency_max)" \
  " AND (s.monetary_min IS NULL OR monetary >= s.monetary_min)" \
  " AND (s.monetary_max IS NULL OR monetary <= s.monetary_max)" \
  " ORDER BY s.position, s.id LIMIT 1)"

static gboolean
run (CrmStore    *store,
     const char  *sql,
     gint64       as_of,
     GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int index;
  int rc;

  if (sqlite3_prepare_v2 (_crm_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "prepare the RFM scoring");
      return FALSE;
    }
  index = sqlite3_bind_parameter_index (stmt, ":asof");
  if (index > 0)
    sqlite3_bind_int64 (stmt, index, as_of);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "score the clients (RFM)");
      return FALSE;
    }
  return TRUE;
}

/* Scores every client as of @as_of into temp.@table (one of a few fixed names). */
static gboolean
score_into (CrmStore    *store,
            const char  *table,
            gint64       as_of,
            GError     **error)
{
  g_autofree char *create = g_strdup_printf (
    "CREATE TEMP TABLE IF NOT EXISTS %s (client TEXT PRIMARY KEY NOT NULL, kind TEXT,"
    " standalone INTEGER, manager TEXT, last_won INTEGER, frequency INTEGER,"
    " monetary INTEGER, r INTEGER, f INTEGER, m INTEGER, segment TEXT) WITHOUT ROWID", table);
  g_autofree char *clear = g_strdup_printf ("DELETE FROM temp.%s", table);
  g_autofree char *companies = g_strdup_printf (
    "INSERT INTO temp.%s (client, kind, standalone, manager, last_won, frequency, monetary)"
    " SELECT w.company, 'company', 1, co.responsible, max (w.at), count (*), sum (w.amount)"
    " FROM temp.rfm_won w JOIN company co ON co.id = w.company AND co.deleted = 0"
    " GROUP BY w.company", table);
  g_autofree char *contacts = g_strdup_printf (
    "INSERT INTO temp.%s (client, kind, standalone, manager, last_won, frequency, monetary)"
    " SELECT x.contact, 'contact', c.company IS NULL, c.responsible, max (x.at), count (*),"
    "  sum (x.amount) FROM ("
    "  SELECT dc.contact AS contact, w.id AS deal, w.at AS at, w.amount AS amount"
    "   FROM temp.rfm_won w JOIN deal_contact dc ON dc.deal = w.id AND dc.present = 1"
    "   AND dc.deleted = 0"
    "  UNION SELECT k.id, w.id, w.at, w.amount FROM temp.rfm_won w"
    "   JOIN contact k ON k.company = w.company AND k.deleted = 0) x"
    " JOIN contact c ON c.id = x.contact AND c.deleted = 0 GROUP BY x.contact", table);
  /* scores 1–5: the share of clients of the same kind at or below the client's value,
   * in fifths rounded up (ties score alike; the best scores 5) */
  g_autofree char *scores = g_strdup_printf (
    "UPDATE temp.%s AS t SET r = x.r, f = x.f, m = x.m, segment = x.segment FROM ("
    " SELECT client,"
    "  (5 * count (*) OVER (PARTITION BY kind ORDER BY last_won)"
    "   + count (*) OVER (PARTITION BY kind) - 1) / count (*) OVER (PARTITION BY kind) AS r,"
    "  (5 * count (*) OVER (PARTITION BY kind ORDER BY frequency)"
    "   + count (*) OVER (PARTITION BY kind) - 1) / count (*) OVER (PARTITION BY kind) AS f,"
    "  (5 * count (*) OVER (PARTITION BY kind ORDER BY monetary)"
    "   + count (*) OVER (PARTITION BY kind) - 1) / count (*) OVER (PARTITION BY kind) AS m,"
    "  " SEGMENT_OF " AS segment"
    " FROM temp.%s) x WHERE x.client = t.client", table, table);

  return run (store, create, as_of, error) &&
         run (store, clear, as_of, error) &&
         run (store, "CREATE TEMP TABLE IF NOT EXISTS rfm_won (id TEXT PRIMARY KEY NOT NULL,"
                     " company TEXT, amount INTEGER, at INTEGER) WITHOUT ROWID", as_of, error) &&
         run (store, "CREATE INDEX IF NOT EXISTS temp.rfm_won_company ON rfm_won (company)",
              as_of, error) &&
         run (store, "DELETE FROM temp.rfm_won", as_of, error) &&
         run (store, "INSERT INTO temp.rfm_won SELECT d.id, d.company, coalesce (d.amount, 0), "
                     WON_AT " FROM deal d JOIN stage s ON s.id = d.stage AND s.kind = 'won'"
                     " WHERE d.deleted = 0 AND " WON_AT " <= :asof", as_of, error) &&
         run (store, companies, as_of, error) &&
         run (store, contacts, as_of, error) &&
         run (store, scores, as_of, error);
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
  if (!score_into (store, "rfm_client", as_of, error))
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
    _crm_store_set_sql_error (store, error, "count the scored clients");
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
      _crm_store_set_sql_error (store, error, "read the clients' segments");
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  if (rc != SQLITE_DONE)
    _crm_store_set_sql_error (store, error, "read the clients' segments");
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? g_steal_pointer (&names) : NULL;
}

/* ---- segments ---- */

typedef struct {
  char   *id;
  char   *key;
  char   *name;
  gint64  bound[6];     /* recency_min, recency_max, frequency_min/max, monetary_min/max; -1 */
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
    " monetary_min, monetary_max FROM rfm_segment WHERE deleted = 0"
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
      g_ptr_array_add (segments, segment);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_sql_error (store, error, "read the RFM segments");
      return NULL;
    }
  return g_steal_pointer (&segments);
}

/* The same choice as SEGMENT_OF, in C (the history). */
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
      _crm_store_set_sql_error (store, error, "read the client's won deals");
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
      _crm_store_set_sql_error (store, error, "read the client's scores");
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
  if (!score_into (report->store, "rfm_start", report->from, error) ||
      !score_into (report->store, "rfm_end", report->end, error))
    return FALSE;

  /* the segments at the end of the period */
  if (sqlite3_prepare_v2 (_crm_store_get_db (report->store),
        "SELECT e.manager, s.key, count (*) FROM temp.rfm_end e"
        " JOIN rfm_segment s ON s.id = e.segment WHERE e.standalone = 1"
        FOR_EMPLOYEES ("e.manager") " GROUP BY 1, 2 ORDER BY 1, 2", -1, &stmt, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (report->store, error, "count the segments");
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
      _crm_store_set_sql_error (report->store, error, "count the flows between segments");
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
            /* Translators: a column of the RFM report: clients that moved from one
             * segment to another in the period, e.g. «Новый → Горячий» */
            g_autofree char *label = g_strdup_printf (_("%s → %s"),
                                                      *from_name ? from_name : _("no purchase"),
                                                      sqlite3_column_text (stmt, 4));

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
