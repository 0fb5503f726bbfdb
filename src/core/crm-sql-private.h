/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sql-private.h — small helpers the files of libvoronka-core share: binding
 * optional text, running a statement, reading result columns (text, times, JSON) into
 * JSON members, tag lists for json_each(), and the words of a name as the search tables
 * index them. Code in src/core that binds or steps SQL uses these rather than a copy of
 * its own. */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Binds @text, or NULL when @text is NULL. */
void       _crm_sql_bind_text_or_null  (sqlite3_stmt        *stmt,
                                        int                  index,
                                        const char          *text);

/* Runs a cached statement of @store that returns no rows (or the first row is all that
 * matters) and resets it; on failure sets the store's SQL error, saying @what. */
gboolean   _crm_sql_step_done          (CrmStore            *store,
                                        sqlite3_stmt        *stmt,
                                        const char          *what,
                                        GError             **error);
/* Runs @sql (no parameters, no rows); the error names @what, or else the SQL. */
gboolean   _crm_sql_exec               (CrmStore            *store,
                                        const char          *sql,
                                        const char          *what,
                                        GError             **error);

/* The first column of the first row of @sql (a PRAGMA, a count) on @db, read outside the
 * store's statement cache; @if_none when it cannot be read or gives no row. */
gint64     _crm_sql_read_int64         (sqlite3             *db,
                                        const char          *sql,
                                        gint64               if_none);

/* The column's text, newly allocated, or NULL. */
char      *_crm_sql_dup_column_text    (sqlite3_stmt        *stmt,
                                        int                  column);

/* Sets @member to the column's text, or to null. */
void       _crm_json_set_text_column   (JsonObject          *object,
                                        const char          *member,
                                        sqlite3_stmt        *stmt,
                                        int                  column);
/* Sets @member to the column's integer, or to null. */
void       _crm_json_set_int_column    (JsonObject          *object,
                                        const char          *member,
                                        sqlite3_stmt        *stmt,
                                        int                  column);

/* Sets @member to the column's time (UTC milliseconds) as ISO 8601, or to null. */
void       _crm_json_set_time_column   (JsonObject          *object,
                                        const char          *member,
                                        sqlite3_stmt        *stmt,
                                        int                  column);
/* The column's JSON text parsed; NULL when the column is NULL, empty or not JSON. */
JsonNode  *_crm_json_parse_column      (sqlite3_stmt        *stmt,
                                        int                  column);
/* The column's JSON array (a new reference); an empty array for anything else. */
JsonArray *_crm_json_array_column      (sqlite3_stmt        *stmt,
                                        int                  column);

/* The distinct ids of @tag_ids as a JSON array text for json_each(), *out_count their
 * number; NULL (and 0) when there are none. */
char      *_crm_tags_to_json           (const char * const  *tag_ids,
                                        gint64              *out_count);

/* The words of @text as search keys: runs of letters and digits of crm_text_fold(). */
GStrv      _crm_text_fold_words        (const char          *text);

/* A phone number is found by any CRM_PHONE_DIGITS_MIN consecutive digits of it. */
#define CRM_PHONE_DIGITS_MIN 4
/* contact_phone @f's numbers hold a word (schema 21): ?@l its LIKE pattern, ?@g its GLOB
 * pattern, both bound by _crm_search_bind_phone_word() (crm-store-private.h) */
#define CRM_SEARCH_PHONE_MATCHES(f, l, g) \
  "(" f ".digits LIKE ?" l " OR " f ".digits GLOB ?" g ")"

/* The digits of @text when it reads as (part of) a phone number — only digits, spaces
 * and + - ( ) . — with at least CRM_PHONE_DIGITS_MIN digits («762-30», «+7 982 762»);
 * else NULL. */
char      *_crm_text_phone_digits      (const char          *text);

G_END_DECLS
