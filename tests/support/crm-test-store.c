/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-store.c — see crm-test-store.h. */
#include "crm-test-store.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "crm-query.h"
#include "crm-store-private.h"

gint64
crm_test_count_sql (CrmStore   *store,
                    const char *sql,
                    const char *param)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, &error);
  gint64 count = -1;

  g_assert_no_error (error);
  g_assert_nonnull (stmt);
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

GPtrArray *
crm_test_column (CrmStore   *store,
                 const char *sql,
                 const char *param)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stmt);
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (values, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return values;
}

char *
crm_test_resolve (CrmStore   *store,
                  const char *entity,
                  const char *name,
                  const char *scope)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, entity, name, scope, &error);

  g_assert_no_error (error);
  return id;
}

void
crm_test_assert_integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

void
crm_test_damage_table (const char *path,
                       const char *table)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *garbage = NULL;
  gint64 page_size;
  int fd;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA page_size", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  page_size = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rootpage FROM sqlite_schema"
                                           " WHERE tbl_name = ?1 AND rootpage > 0",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 page = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (pages, page);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_cmpuint (pages->len, >, 0);

  garbage = g_malloc (page_size);
  memset (garbage, 0xff, page_size);
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < pages->len; i++)
    g_assert_cmpint (pwrite (fd, garbage, page_size,
                             (g_array_index (pages, gint64, i) - 1) * page_size), ==, page_size);
  g_assert_cmpint (fsync (fd), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
}

char *
crm_test_new_deal (CrmStore   *store,
                   const char *title)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_test_resolve (store, "pipeline", "Продажи", NULL);
  g_autofree char *stage = crm_test_resolve (store, "stage", "Новая заявка", pipeline);
  char *id = crm_store_new_id (store);
  CrmChange *change = crm_changeset_create (changeset, "deal", id);

  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline);
  crm_change_set_string (change, "stage", stage);
  crm_change_set_string (change, "currency", "RUB");
  crm_change_set_int (change, "amount", 100000);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  crm_change_set_int (change, "stage_entered_at", crm_store_get_now (store));
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char *
crm_test_report_text (JsonNode *report)
{
  JsonObject *object = json_node_get_object (report);
  JsonArray *columns = json_object_get_array_member (object, "columns");
  JsonArray *rows = json_object_get_array_member (object, "rows");
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i <= json_array_get_length (rows); i++)
    {
      JsonObject *row = i < json_array_get_length (rows)
                          ? json_array_get_object_element (rows, i)
                          : json_object_get_object_member (object, "totals");
      GString *line = g_string_new (i < json_array_get_length (rows) ? "row" : "totals");

      for (guint c = 0; c < json_array_get_length (columns); c++)
        {
          const char *key = json_object_get_string_member (
            json_array_get_object_element (columns, c), "key");
          g_autofree char *value = json_to_string (json_object_get_member (row, key), FALSE);

          g_string_append_printf (line, " %s=%s", key, value);
        }
      if (json_object_has_member (row, "links"))
        {
          g_autofree char *links = json_to_string (json_object_get_member (row, "links"), FALSE);

          g_string_append_printf (line, " links=%s", links);
        }
      g_ptr_array_add (lines, g_string_free (line, FALSE));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) lines->pdata[i]);
  if (json_object_has_member (object, "series"))
    {
      g_autofree char *series = json_to_string (json_object_get_member (object, "series"), FALSE);

      g_string_append_printf (text, "series %s\n", series);
    }
  return g_string_free (text, FALSE);
}

void
crm_test_write_schema_26 (const char *path)
{
  g_autoptr(GPtrArray) creates = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  /* the changelog's own indexes and triggers, made again over the old layout */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master"
                                           " WHERE tbl_name = 'changelog' AND sql IS NOT NULL"
                                           " AND type IN ('index', 'trigger')", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (creates, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  g_assert_cmpuint (creates->len, >, 3);
  g_assert_cmpint (sqlite3_exec (db,
    "CREATE TEMP TABLE high AS SELECT seq FROM sqlite_sequence WHERE name = 'changelog';"
    /* schema 1's table and the two columns a later step added */
    "CREATE TABLE changelog_26 (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " op_id TEXT NOT NULL UNIQUE, hlc INTEGER NOT NULL, device TEXT NOT NULL,"
    " entity TEXT NOT NULL, entity_id TEXT NOT NULL, fields TEXT NOT NULL,"
    " cause TEXT, rule TEXT, actor TEXT, local INTEGER NOT NULL DEFAULT 1,"
    " pushed INTEGER NOT NULL DEFAULT 0, stamp TEXT, server_seq INTEGER);"
    "INSERT INTO changelog_26 SELECT seq, op_id, hlc,"
    " (SELECT word FROM clock_word WHERE n = device_n), entity, entity_id, fields, cause,"
    " rule, (SELECT word FROM clock_word WHERE n = actor_n), local, pushed, stamp,"
    " server_seq FROM changelog ORDER BY seq;"
    "DROP TABLE changelog;"
    "PRAGMA legacy_alter_table = ON;"
    "ALTER TABLE changelog_26 RENAME TO changelog;"
    "PRAGMA legacy_alter_table = OFF;"
    "UPDATE sqlite_sequence SET seq = (SELECT seq FROM temp.high) WHERE name = 'changelog';"
    "DROP INDEX attachment_hash;", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < creates->len; i++)
    g_assert_cmpint (sqlite3_exec (db, creates->pdata[i], NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 26; COMMIT", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
}

/* The clocks of every row as schema 25 stored them (the grouped JSON a dump prints) and
 * the file marked schema 25: what a replica of that version holds. */
void
crm_test_write_schema_25 (const char *path,
                          const char *state)
{
  g_auto(GStrv) lines = g_strsplit (state, "\n", -1);
  sqlite3 *db = NULL;
  guint n_rows = 0;

  crm_test_write_schema_26 (path);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');
      g_autofree char *type = space ? g_strndup (lines[i], space - lines[i]) : NULL;
      g_autoptr(JsonNode) row = space ? json_from_string (space + 1, NULL) : NULL;
      g_autofree char *sql = NULL;
      sqlite3_stmt *stmt = NULL;

      if (row == NULL || !JSON_NODE_HOLDS_OBJECT (row))
        continue;
      sql = g_strdup_printf ("UPDATE \"%s\" SET clocks = ?1 WHERE id = ?2", type);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, json_object_get_string_member (json_node_get_object (row),
                                                                 "@clocks"), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, json_object_get_string_member (json_node_get_object (row), "id"),
                         -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      g_assert_cmpint (sqlite3_changes (db), ==, 1);
      sqlite3_finalize (stmt);
      n_rows++;
    }
  g_assert_cmpuint (n_rows, >, 10);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE clock_word; PRAGMA user_version = 25; COMMIT",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

char *
crm_test_log_lines (CrmStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ops = crm_store_dup_log (store, 0, &error);
  GString *text = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < ops->len; i++)
    {
      g_autoptr(JsonNode) node = crm_op_to_json (g_ptr_array_index (ops, i));
      g_autofree char *line = json_to_string (node, FALSE);

      g_string_append_printf (text, "%s\n", line);
    }
  return g_string_free (text, FALSE);
}

gint64
crm_test_file_int (const char *path,
                   const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}
