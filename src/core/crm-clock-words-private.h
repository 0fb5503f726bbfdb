/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-clock-words-private.h — the words a replica's field clocks are written with
 * (schema 26): a row's clocks name each clock's device and each clock's list of fields
 * by a small number of the table clock_word, so the 36-character device id and the
 * field names are stored once per replica instead of once per row. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _CrmClockWords CrmClockWords;

/* The words of @schema's clock_word ("main", or an attached file's name) on @db.
 * @own_transaction: the caller holds one transaction for the object's whole life (a
 * schema step), so the words it adds may be remembered; otherwise a word this connection
 * added is remembered only once its transaction committed (commit and rollback must be
 * told through _crm_clock_words_committed and _crm_clock_words_rolled_back). */
CrmClockWords *_crm_clock_words_new          (sqlite3        *db,
                                              const char     *schema,
                                              gboolean        own_transaction);
void           _crm_clock_words_free         (CrmClockWords  *words);
void           _crm_clock_words_committed    (CrmClockWords  *words);
void           _crm_clock_words_rolled_back  (CrmClockWords  *words);
/* Forgets every remembered word (the file under the connection was replaced). */
void           _crm_clock_words_forget       (CrmClockWords  *words);

/* The number of @word, added to the table when it is not there (remembered as above);
 * 0 when SQLite failed (the connection's last error says why). The changelog names its
 * rows' device and actor so too (schema 27). */
gint64         _crm_clock_words_number       (CrmClockWords  *words,
                                              const char     *word);

/* A row's stored clocks → {field: "hlc device"}. Reads the compact form (with @words)
 * and both JSON forms of older schemas (grouped {clock: [fields]}, one clock per field).
 * NULL when a word could not be read (the connection's last error says why). */
JsonObject    *_crm_clocks_decode            (CrmClockWords  *words,
                                              const char     *text);
/* {field: "hlc device"} → the stored form: compact with @words ("hlc device# fields#" for
 * each clock, ";" between), the grouped JSON form without (@words NULL: the canonical
 * text a dump prints) or when a clock does not have the usual shape. NULL when a word
 * could not be read or written (the connection's last error says why). */
char          *_crm_clocks_encode            (CrmClockWords  *words,
                                              JsonObject     *clocks);
/* The same for a new row's clocks, every one of its @fields (const char*) at @clock:
 * what _crm_clocks_encode() makes of {field: @clock, …}, without the object. */
char          *_crm_clocks_encode_fields     (CrmClockWords  *words,
                                              const char     *clock,
                                              GPtrArray      *fields);

/* Every row of @table (the connection's main file's) read with @from and written with
 * @to, 500 rows to a statement; @what names the work in an error
 * ("updating its schema"). Inside the caller's transaction. */
gboolean       _crm_clocks_rewrite_table     (sqlite3        *db,
                                              const char     *table,
                                              CrmClockWords  *from,
                                              CrmClockWords  *to,
                                              const char     *what,
                                              GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmClockWords, _crm_clock_words_free)

G_END_DECLS
