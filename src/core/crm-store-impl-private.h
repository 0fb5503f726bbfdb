/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store-impl-private.h — what the store's own files share (crm-store.c,
 * crm-store-apply.c, crm-merge.c, crm-changelog.c): the CrmStore object's fields and the
 * steps one of them takes for another. The rest of core uses crm-store-private.h,
 * crm-changelog-private.h and crm-merge-private.h. */
#pragma once

#include "crm-clock-words-private.h"
#include "crm-hlc.h"
#include "crm-store-private.h"

G_BEGIN_DECLS

/* SQLite's automatic checkpoint: the WAL is copied back once it holds this many pages
 * (SQLite's own default, which the store keeps unless checkpoints are deferred) */
#define CRM_STORE_AUTOCHECKPOINT_PAGES 1000

struct _CrmStore
{
  GObject       parent_instance;

  sqlite3      *db;
  char         *path;
  char         *device_id;
  CrmHlc        clock;
  gint64        now_ms;
  GRand        *rand;          /* NULL: ids from the system's randomness */

  GHashTable   *statements;    /* SQL text → sqlite3_stmt* */
  GArray       *gates;         /* CrmGateFunc, checked before the rules run */
  GArray       *final_gates;   /* CrmGateFunc, checked after the rules ran */
  GArray       *recorders;     /* CrmGateFunc, run last, once per transaction's ops */
  CrmRulesHook  rules_hook;
  JsonObject   *refusal;
  GPtrArray    *pending_ops;   /* CrmOp*, written by the apply in progress */
  GPtrArray    *last_ops;      /* CrmOp*, written by the last successful apply */
  gboolean      in_apply;
  gboolean      memory_journals; /* the transaction keeps its statement journals in
                                  * memory (_crm_store_begin_merge) */
  gboolean      read_only;     /* the file or its folder cannot be written */
  int           sql_failure;   /* the first SQLite failure of the apply in progress */
  JsonObject   *capture_clocks; /* sync: field → clock an op overwrote, or NULL */
  GPtrArray    *bulk_contacts; /* new contacts whose search rows are not yet written
                                * (CrmBulkContact*): a bulk apply's, a pulled page's, a
                                * pushed pass's; NULL when rows are written at once */
  GHashTable   *bulk_contact_ids; /* id → its CrmBulkContact in bulk_contacts */
  GHashTable   *known_references; /* a bulk apply's: CrmEntityType* → set of the ids
                                  * its gates found (crm-validate.c), or NULL */
  gboolean      bulk_triggers_off; /* a bulk apply writes its companies and contacts
                                   * with the connection's triggers off (crm-store-apply.c) */
  gboolean      search_indexes_dropped; /* a bulk apply dropped the search tables'
                                        * secondary indexes (built after its commit) */
  int           bulk_wal_pages; /* the WAL's pages after a bulk apply's last commit */
  gboolean      checkpoints_deferred; /* crm_store_set_deferred_checkpoints(): the
                                      * front end copies the WAL back when idle */
  CrmBulkProgress bulk_progress; /* told how far a bulk apply's writing got, or NULL */
  gpointer      bulk_progress_data;
  guint         bulk_n_changes; /* the changes of the bulk apply in progress */
  gint64        bulk_contacts_before; /* the replica's contacts before it (-1: unknown) */
  GPtrArray    *changelog_batch; /* CrmOp* (pending_ops'), rows not yet written, or NULL */
  GPtrArray    *changelog_batch_fields; /* their fields' canonical texts */
  GPtrArray    *row_batch;     /* new rows waiting for their INSERT (crm-merge.c), or NULL */
  GHashTable   *row_batch_ids; /* their ids */
  char         *row_batch_sql; /* their single-row INSERT (all of one shape) */
  guint64       compacted_hlc; /* the newest clock of a compacted op (meta
                                * "history.compacted_hlc"), 0: none; reread with the
                                * clock at the start of every write transaction */
  CrmClockWords *clock_words;  /* NULL until a row's clocks are first read or written */
};

/* crm-changelog.c: the clock saved in meta "hlc", and the stored one taken into account
 * (another connection may have moved it on) at the start of every write transaction. */
gboolean      _crm_store_save_clock          (CrmStore     *self,
                                              GError      **error);
void          _crm_store_reload_clock        (CrmStore     *self);
/* Rereads meta "history.compacted_hlc" (another connection may have compacted). */
void          _crm_store_reload_compacted    (CrmStore     *self);
/* A field of a row is about to be overwritten: when its clock, @old_clock, is a compacted
 * op's whose fields no longer hold the field's value (it was read from the row), the
 * value @old_value moves into that op's fields first, so its history and undo still read
 * it. Cheap when nothing that old was compacted. */
gboolean      _crm_store_keep_compacted_value (CrmStore    *self,
                                               const char  *entity_id,
                                               const char  *old_clock,
                                               const char  *field,
                                               JsonNode    *old_value,
                                               GError     **error);
/* Appends @op (its seq is set) to the changelog; @local: made on this replica; @fields
 * (taken; NULL: made here) the canonical text of its fields. While a batch is open, a
 * local contact's or company's op's row waits (its seq 0) until a hundred wait, the
 * batch is flushed or another op's row is written. */
gboolean      _crm_store_append_to_changelog (CrmStore     *self,
                                              CrmOp        *op,
                                              gboolean      local,
                                              char         *fields,
                                              GError      **error);
/* Opens (@batch) or drops, unwritten, the batch of changelog rows (a bulk apply's: no
 * contact's or company's write reads the log, so their rows can wait until it is
 * flushed, before anything else runs). */
void          _crm_store_batch_changelog     (CrmStore     *self,
                                              gboolean      batch);
/* Writes the rows waiting in the batch (their ops' seq set); the batch stays open. */
gboolean      _crm_store_flush_changelog     (CrmStore     *self,
                                              GError      **error);

/* crm-merge.c: a bulk apply's new contacts and companies, written 100 rows to an INSERT.
 * Opens (@batch) or drops, unwritten, the batch of new rows. */
void          _crm_store_batch_rows          (CrmStore     *self,
                                              gboolean      batch);
/* Writes the rows waiting in the batch; the batch stays open. */
gboolean      _crm_store_flush_rows          (CrmStore     *self,
                                              GError      **error);
/* Before any write of @entity_id: the waiting rows are written when it is one of them or
 * of a kind that does not wait (anything it reads must be there). */
gboolean      _crm_store_rows_before_write   (CrmStore     *self,
                                              const char   *entity,
                                              const char   *entity_id,
                                              GError      **error);
/* The ops @stmt selects (CRM_CHANGELOG_OP_COLUMNS), stepped to its end. */
GPtrArray    *_crm_store_collect_ops         (CrmStore     *self,
                                              sqlite3_stmt *stmt,
                                              GError      **error);
gboolean      _crm_store_op_is_known         (CrmStore     *self,
                                              const char   *op_id,
                                              gboolean     *out_known,
                                              GError      **error);

/* crm-store.c: the words this connection's field clocks are written with
 * (crm-clock-words-private.h), made when first needed. */
CrmClockWords *_crm_store_clock_words        (CrmStore     *self);

/* crm-merge.c: writing the fields of @op whose clock beats the stored one. */
gboolean      _crm_store_apply_op_fields     (CrmStore     *self,
                                              CrmOp        *op,
                                              GError      **error);

/* crm-store-apply.c: reading a row. */
const char   *_crm_store_select_by_id_sql    (const CrmEntityType *type);
JsonObject   *_crm_store_row_to_object       (const CrmEntityType *type,
                                              sqlite3_stmt        *stmt);
/* The row of @entity_id (a known @type), deleted or not, in *@out (NULL when there is
 * none) and, when @out_clocks is given, its field clocks (field → clock); FALSE with
 * @error when SQLite could not read it. */
gboolean      _crm_store_read_row           (CrmStore             *self,
                                             const CrmEntityType  *type,
                                             const char           *entity_id,
                                             JsonObject          **out,
                                             JsonObject          **out_clocks,
                                             GError              **error);

G_END_DECLS
