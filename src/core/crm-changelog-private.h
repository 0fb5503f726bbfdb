/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-changelog-private.h — the changelog and the explicit write transactions the sync
 * state, the server's ledger and undo build on, beyond the public API: a write
 * transaction of their own (so a pulled page, the pull cursor and conflict records, or a
 * pushed batch and the server's bookkeeping, commit together), reading changelog rows,
 * and the clock.
 *
 * The changelog's `pushed` column, as sync uses it: 0 — made here and not yet
 * acknowledged (the outbox); N > 0 — accepted by the server as its sequence number N;
 * -1 — rejected by the server (the server's corrective op restored its values). Only
 * rows with local = 1 are ever pushed. */
#pragma once

#include <sqlite3.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* Since schema 27 a changelog row names its device and its actor (columns device_n and
 * actor_n) by a number of the table clock_word, the words the field clocks are written
 * with (crm-clock-words.c): the device ids are mostly there already, and 36 bytes of
 * text in every row become one or two. The numbers are the file's own and never leave
 * it: every statement reads the text with CRM_CHANGELOG_WORD (@n: a column or a value,
 * as SQL) and compares a text with CRM_CHANGELOG_WORD_N (NULL when the file holds no
 * such word: no row names it; compare with IS / IS NOT where that matters); a row is
 * written with the numbers of _crm_clock_words_number(). */
#define CRM_CHANGELOG_WORD(n) "(SELECT cw.word FROM clock_word cw WHERE cw.n = " n ")"
#define CRM_CHANGELOG_WORD_N(text) "(SELECT cw.n FROM clock_word cw WHERE cw.word = " text ")"

/* The changelog columns an op is read from, in the order _crm_op_from_changelog_row()
 * expects; "stamp" may follow them, and a statement may stop after "fields". */
#define CRM_CHANGELOG_OP_COLUMNS \
  "seq, op_id, hlc, " CRM_CHANGELOG_WORD ("device_n") ", entity, entity_id, fields, cause," \
  " rule, " CRM_CHANGELOG_WORD ("actor_n")

/* The number of @word in the replica's clock_word, added when new: what a changelog row
 * stores for its device or actor @word. 0 when it could not be read or written (the
 * connection's last error says why). */
gint64    _crm_changelog_word_number (CrmStore     *self,
                                      const char   *word);

CrmOp    *_crm_op_from_changelog_row (sqlite3_stmt *stmt);
/* Is @op (as read from its row) a compacted one (crm_store_compact_history())? */
gboolean  _crm_op_is_compacted       (const CrmOp  *op);
/* Gives a compacted @op the fields it no longer stores, from its entity's row (the fields
 * the row holds under the op's clock); other ops are left as they are. */
void      _crm_store_restore_op      (CrmStore     *self,
                                      CrmOp        *op);
/* The number of ops in the changelog; FALSE with @error when it could not be read. */
gboolean  _crm_store_count_log       (CrmStore     *self,
                                      gint64       *out_count,
                                      GError      **error);

/* BEGIN IMMEDIATE. Ops written inside with _crm_store_merge_op() (or
 * _crm_store_write_change()) do not run the automation rules or the gates. The clock is
 * brought up to the stored one first, so several connections to one replica never stamp
 * an op behind one they can see. */
gboolean  _crm_store_begin           (CrmStore     *self,
                                      GError      **error);
/* _crm_store_begin() for a transaction of many ops merged (a pulled page): its statement
 * journals stay in memory, each only as long as its statement runs. It drops the
 * connection's TEMP objects (PRAGMA temp_store): never on the server's, whose stamp
 * triggers are TEMP. */
gboolean  _crm_store_begin_merge     (CrmStore     *self,
                                      GError      **error);
/* Saves the clock and commits; on failure (or when a lookup inside failed) everything is
 * rolled back. */
gboolean  _crm_store_commit          (CrmStore     *self,
                                      GError      **error);
void      _crm_store_rollback        (CrmStore     *self);
/* Prepares the cached ROLLBACK anew (outside a transaction): after something marked
 * every statement to be prepared again (sqlite3_db_config), so that undoing still needs
 * no memory. */
gboolean  _crm_store_renew_rollback  (CrmStore     *self,
                                      GError      **error);

/* A new stamp from this replica's clock (for ops the server makes by hand). */
guint64   _crm_store_next_hlc        (CrmStore     *self);
/* Moves the clock past @hlc (the server's clock in every answer). */
void      _crm_store_absorb_hlc      (CrmStore     *self,
                                      guint64       hlc);

G_END_DECLS
