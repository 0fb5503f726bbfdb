/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store-private.h — what the files of libvoronka-core share about the store:
 * the SQLite handle, cached statements, the gate and rule hooks. */
#pragma once

#include <sqlite3.h>

#include "crm-store.h"
#include "crm-schema.h"

G_BEGIN_DECLS

sqlite3      *_crm_store_get_db        (CrmStore    *self);

/* A cached prepared statement for @sql, reset and with cleared bindings. It stays
 * owned by the store: do not finalize it. Bind parameters only; never build SQL from
 * user data. */
sqlite3_stmt *_crm_store_prepare       (CrmStore    *self,
                                        const char  *sql,
                                        GError     **error);

/* Sets the CRM_STORE_ERROR of the connection's last SQLite failure (disk full, I/O
 * error, out of memory, locked, read-only, damaged…: crm-error-private.h). */
void          _crm_store_set_sql_error (CrmStore    *self,
                                        GError     **error,
                                        const char  *what);
/* The same for a read (a query, a list, a report): the message says the replica could not
 * be read, not that nothing was changed. Inside a change (crm_store_apply(), a
 * transaction) it is worded as the change's failure. @what is for the debug log only. */
void          _crm_store_set_read_error (CrmStore    *self,
                                         GError     **error,
                                         const char  *what);

/* The references a bulk apply's gates found (crm-validate.c): a company that 5 000 new
 * contacts name is looked up once, not 5 000 times. Only during a bulk apply, which
 * removes no row (an entity deleted is a row marked so); a part of it undone
 * (_crm_store_savepoint_rollback()) or the apply's end forgets them. Elsewhere
 * _crm_store_reference_known() is always FALSE and _crm_store_reference_found() keeps
 * nothing. */
gboolean      _crm_store_reference_known (CrmStore            *self,
                                          const CrmEntityType *type,
                                          const char          *id);
void          _crm_store_reference_found (CrmStore            *self,
                                          const CrmEntityType *type,
                                          const char          *id);

/* sqlite3_step() for a lookup that has no GError to fill (a gate asking "does this stage
 * exist?"): a failure is remembered, and the write in progress then fails with what
 * SQLite said (disk full, out of memory…) instead of the refusal the lookup's empty
 * answer would lead to. */
int           _crm_store_step          (CrmStore     *self,
                                        sqlite3_stmt *stmt);

/* Text/int of a column of @entity (NULL/0 when the entity or column is missing or
 * the entity is deleted). Looks at columns only, not `data`. */
char         *_crm_store_dup_column    (CrmStore    *self,
                                        const char  *entity,
                                        const char  *entity_id,
                                        const char  *column);
/* The same, deleted or not (a deleted task of a deal still belongs to it). */
char         *_crm_store_dup_column_any (CrmStore   *self,
                                         const char *entity,
                                         const char *entity_id,
                                         const char *column);
gboolean      _crm_store_get_int_column (CrmStore   *self,
                                        const char  *entity,
                                        const char  *entity_id,
                                        const char  *column,
                                        gint64      *out);

/* Write one change as an op inside the open transaction of crm_store_apply():
 * stamps it (op id, hlc, device), writes rows and clocks, appends it to the changelog
 * and to the list of ops the rules look at. @cause/@rule are NULL for user changes. */
CrmOp        *_crm_store_write_change  (CrmStore        *self,
                                        const CrmChange *change,
                                        const char      *actor,
                                        const char      *cause,
                                        const char      *rule,
                                        GError         **error);

/* A gate looks at one op the transaction wrote (after it is written, before commit;
 * op->created tells a new entity, op->previous what it replaced) and refuses it by
 * returning FALSE with a CRM_STORE_ERROR naming the gate; it may describe the refusal
 * for the UI with _crm_store_set_refusal(). */
typedef gboolean (*CrmGateFunc) (CrmStore        *store,
                                 const CrmOp     *op,
                                 GError         **error);

void          _crm_store_add_gate      (CrmStore    *self,
                                        CrmGateFunc  gate);
/* A gate checked after the rules ran (e.g. "an open deal keeps an open task", which a
 * rule creating the next task may satisfy). */
void          _crm_store_add_final_gate (CrmStore    *self,
                                         CrmGateFunc  gate);
/* Not a check: runs once over every op of a transaction that passed its gates, last
 * (undo's memory of change sets). */
void          _crm_store_add_recorder  (CrmStore    *self,
                                        CrmGateFunc  recorder);
/* Takes ownership of @refusal. */
void          _crm_store_set_refusal   (CrmStore    *self,
                                        JsonObject  *refusal);

/* Called inside crm_store_apply() after the gates with the ops written so far; may
 * write more ops with _crm_store_write_change(). The automation engine installs it. */
typedef gboolean (*CrmRulesHook) (CrmStore   *store,
                                  GPtrArray  *ops,
                                  GError    **error);
void          _crm_store_set_rules_hook (CrmStore    *self,
                                         CrmRulesHook hook);

/* crm_store_apply() for a change set that brings many records in at once (the importers:
 * crm-import.c, crm-account.c): the same rows, ops, gates and rules, all or nothing, but
 * the search rows of the contacts it creates are written once after its rows, set by set
 * in key order, instead of contact by contact (bench/RESULTS.md, issue 20). */
/* @progress (may be NULL) is called now and then, in the calling thread, with the work
 * done so far and all of it: the changes written (three fifths), then the search rows,
 * the gates, rules and commit, and the search indexes built after the commit;
 * (total, total) only when everything is done. */
typedef void (*CrmBulkProgress) (guint    done,
                                 guint    total,
                                 gpointer user_data);
gboolean      _crm_store_apply_bulk    (CrmStore        *self,
                                        CrmChangeset    *changeset,
                                        CrmBulkProgress  progress,
                                        gpointer         progress_data,
                                        GError         **error);

/* Run @func inside a write transaction like crm_store_apply() does for a change set:
 * ops it writes with _crm_store_write_change() go through the rules, and everything
 * commits or nothing does. Used by timer rules. */
typedef gboolean (*CrmTransactFunc) (CrmStore  *store,
                                     gpointer   user_data,
                                     GError   **error);
gboolean      _crm_store_transact      (CrmStore        *self,
                                        CrmTransactFunc  func,
                                        gpointer         user_data,
                                        GError         **error);

/* A part of the transaction in progress that can be given up alone (a timer rule's run
 * for one deal): _crm_store_savepoint() starts it (*out_mark: where its ops begin);
 * _crm_store_savepoint_check() runs the gates, final ones too, over the ops written since
 * (a lookup SQLite could not answer is reported as the storage failure it is);
 * _crm_store_savepoint_release() keeps the part, _crm_store_savepoint_rollback() undoes its
 * rows and forgets its ops. */
gboolean      _crm_store_savepoint          (CrmStore   *self,
                                             guint      *out_mark,
                                             GError    **error);
gboolean      _crm_store_savepoint_check    (CrmStore   *self,
                                             guint       mark,
                                             GError    **error);
gboolean      _crm_store_savepoint_release  (CrmStore   *self,
                                             GError    **error);
gboolean      _crm_store_savepoint_rollback (CrmStore   *self,
                                             guint       mark,
                                             GError    **error);

/* The contact search tables (contact_token, contact_prefix) brought up to date with the
 * contact @contact_id's name and phones (crm-search.c); @created: a new contact. */
gboolean      _crm_store_refresh_contact_tokens (CrmStore   *self,
                                                 const char *contact_id,
                                                 gboolean    created,
                                                 GError    **error);
/* crm_validate_op_shape() with the canonical text of @op's fields made already (the
 * write path gives the same text to the changelog). */
gboolean      _crm_validate_op_shape_text (const CrmOp  *op,
                                           const char   *canonical,
                                           GError      **error);
/* A contact a bulk apply created, its search rows not yet written: its id, and the name
 * and phones its op set (NULL: none), which its new row holds as they are. */
typedef struct {
  char     *id;
  char     *name;
  JsonNode *phones;
  gboolean  rewritten;   /* written again since: its rows are made from the row itself */
} CrmBulkContact;

/* The contact @op (a bulk apply's) created, for its search rows */
CrmBulkContact *_crm_bulk_contact_new  (const CrmOp    *op);
void            _crm_bulk_contact_free (CrmBulkContact *contact);

/* From now until _crm_store_write_deferred_search_rows() (or a rollback), the search rows
 * of the contacts @self's writes create wait and are written together, sorted (a bulk
 * apply, a pulled page, a pushed pass: bench/RESULTS.md); nothing may search contacts
 * in between. A contact created and written again meanwhile has its rows made from its
 * row at the end. */
void          _crm_store_defer_search_rows (CrmStore  *self);
/* Whether @contact_id's search rows wait (it was created while they were deferred);
 * marks them to be made from the row, which has just been written again. */
gboolean      _crm_store_search_rows_wait  (CrmStore    *self,
                                            const char  *contact_id);
/* The waiting contacts' search rows written, and deferring ended. */
gboolean      _crm_store_write_deferred_search_rows (CrmStore  *self,
                                                     GError   **error);
/* Deferring ended: the waiting contacts (CrmBulkContact*, for
 * _crm_store_write_contact_tokens_bulk()), or NULL when none waited. */
GPtrArray    *_crm_store_end_deferred_search_rows (CrmStore *self);
/* Deferring ended with nothing written (the rows' contacts are rolled back). */
void          _crm_store_drop_deferred_search_rows (CrmStore *self);
/* Adds the contact @op created to the waiting ones. */
void          _crm_store_search_rows_add   (CrmStore     *self,
                                            const CrmOp  *op);

/* The search rows of @contacts (CrmBulkContact*), which a bulk apply created without them:
 * the rows _crm_store_refresh_contact_tokens() writes for each, made from the name and
 * phones their ops set rather than read back and parsed from their rows (only each row's
 * rowid is looked up; a contact written again since is read whole), written set by set in
 * the order of each table's key (crm-search.c). */
gboolean      _crm_store_write_contact_tokens_bulk (CrmStore   *self,
                                                    GPtrArray  *contacts,
                                                    GError    **error);
/* Before the search rows of @n_new contacts a bulk apply created: when they are at least
 * as many as the @n_before the replica held before it (counted once for the apply; -1:
 * unknown, nothing dropped), the search tables' two secondary indexes
 * (contact_prefix_page, contact_token_contact) are dropped (*@out_dropped), to be built
 * once the apply is committed (_crm_search_build_indexes): one sorted pass instead of a
 * random insert into each for every row. Every statement of the store must be reset. */
gboolean      _crm_search_drop_indexes (CrmStore   *store,
                                        guint       n_new,
                                        gint64      n_before,
                                        gboolean   *out_dropped,
                                        GError    **error);
/* The search tables' secondary indexes of schema 21, built when @db lacks them: after a
 * bulk apply that dropped them, and when a replica is opened (an import cut off between
 * its commit and this left them missing). @progress (may be NULL) is told (i, n) after
 * each of the n indexes. */
gboolean      _crm_search_build_indexes (sqlite3          *db,
                                         CrmBulkProgress   progress,
                                         gpointer          progress_data,
                                         GError          **error);
/* Both contact search tables anew from every live contact of @db (crm-search.c): schema
 * 21's migration (@store NULL: before the store is open), and a snapshot of an older
 * schema copied row by row. */
gboolean      _crm_search_rebuild      (sqlite3    *db,
                                        CrmStore   *store,
                                        GError    **error);
/* contact_prefix anew from contact_token, in schema 28's form (only the three-letter
 * prefixes): schema 28's migration (@store NULL) and a snapshot of schema 21 to 27 copied
 * row by row, whose contact_token is as ours. */
gboolean      _crm_search_rebuild_prefixes (sqlite3    *db,
                                            CrmStore   *store,
                                            GError    **error);
/* The patterns (crm-search.c) that find the digits @word among a contact's phone numbers
 * in contact_phone as the search finds them; bound at ?@like and ?@glob (NULL both when
 * @word is not all digits). */
void          _crm_search_phone_patterns (const char   *word,
                                          char        **like,
                                          char        **glob);
void          _crm_search_bind_phone_word (sqlite3_stmt *stmt,
                                           int           like,
                                           int           glob,
                                           const char   *word);
/* The built-in gates (crm-gates.c) and the automation engine (crm-rules.c). */
void          _crm_gates_install       (CrmStore *self);
void          _crm_rules_install       (CrmStore *self);
/* Remembers the ops of every change set written, for undo (crm-undo.c); called by
 * _crm_gates_install(). */
void          _crm_undo_install        (CrmStore *self);

G_END_DECLS
