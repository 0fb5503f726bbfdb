/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-store.h — the local replica: one SQLite file, the one write path, merge. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "crm-error.h"
#include "crm-op.h"
#include "crm-schema.h"

G_BEGIN_DECLS

#define CRM_SCHEMA_VERSION 28

#define CRM_TYPE_STORE (crm_store_get_type ())
G_DECLARE_FINAL_TYPE (CrmStore, crm_store, CRM, STORE, GObject)

/* Open an existing replica. Errors: NOT_FOUND (no file), DATABASE_CORRUPT (not a
 * replica or unreadable), SCHEMA_TOO_NEW (made by a newer Voronka). Older schemas are
 * migrated in place. */
CrmStore    *crm_store_open           (const char  *path,
                                       GError     **error);
/* crm_store_open() for a replica whose schema update may be long (a front end opens it in
 * a worker thread, crm_replica_file_schema() below CRM_SCHEMA_VERSION): @progress (may be
 * NULL) is told each step of the update and, now and then, that one runs, in the calling
 * thread; @cancellable (may be NULL) stops the update: the step in progress is rolled back,
 * the file stays at the step before, and the error is G_IO_ERROR_CANCELLED. The store keeps
 * no thread or main context: opened in one thread, it may be handed to another once this
 * returns, and used there (one thread at a time, as every store).
 * Once an update of the schema has run, opening (either) gives the file's free pages back
 * when they are a tenth of it and 8 MiB (step 27 rewrites the changelog, leaving its old
 * pages free): VACUUM, then the WAL it went through emptied; it needs as much free disk
 * again as the replica. While that runs, @progress is told @step == @n_steps, and
 * @cancellable stops it (the store is returned updated, only not packed; so does a
 * failure, e.g. a full disk). */
CrmStore    *crm_store_open_full      (const char         *path,
                                       CrmSchemaProgress   progress,
                                       gpointer            progress_data,
                                       GCancellable       *cancellable,
                                       GError            **error);
/* A second connection to an existing replica that only reads, for work off the main
 * thread next to a connection that writes (the app's reports): it never migrates, and
 * every write fails with CRM_STORE_ERROR_READ_ONLY (crm_store_is_read_only() is TRUE).
 * An older schema is READ_ONLY, asking to open the replica in Voronka first. Use it
 * from one thread at a time. */
CrmStore    *crm_store_open_reader    (const char  *path,
                                       GError     **error);
/* What is at @path, for `init`: nothing; a replica that opens; a file that holds
 * nothing (what an interrupted init leaves: empty, or no device id yet); a Voronka
 * replica SQLite cannot read whole; or something else. Reads only, never migrates. */
typedef enum {
  CRM_REPLICA_MISSING,
  CRM_REPLICA_USABLE,
  CRM_REPLICA_UNFINISHED,
  CRM_REPLICA_DAMAGED,
  CRM_REPLICA_FOREIGN,
} CrmReplicaState;

CrmReplicaState crm_store_probe      (const char  *path);

/* Create a new, empty replica (schema only, a new device id). Fails if @path exists. */
CrmStore    *crm_store_create         (const char  *path,
                                       GError     **error);

const char  *crm_store_get_path       (CrmStore *self);
/* TRUE when this process cannot write the replica's file or folder: it was opened for
 * reading, and every write fails with CRM_STORE_ERROR_READ_ONLY. */
gboolean     crm_store_is_read_only   (CrmStore *self);
const char  *crm_store_get_device_id  (CrmStore *self);

/* The clock: 0 means the real clock; anything else pins "now" (UTC ms) — used by
 * `voronkactl --now` and scenario tests. */
void         crm_store_set_now        (CrmStore *self,
                                       gint64    now_ms);
gint64       crm_store_get_now        (CrmStore *self);
/* Make the ids this store hands out reproducible from @seed (demo data, tests); a
 * replica in use never calls this. */
void         crm_store_set_random_seed (CrmStore *self,
                                        guint32   seed);
/* Interactive front ends: SQLite's automatic WAL checkpoint makes an occasional write
 * wait for the whole log to be copied back; with deferred checkpoints writes never do,
 * and the front end calls crm_store_checkpoint() when the user is idle. */
void         crm_store_set_deferred_checkpoints (CrmStore *self,
                                                 gboolean  deferred);
/* How much memory the replica's connection may hold: a page cache of @cache_kib KiB
 * and up to @mmap_bytes of the file memory-mapped (0: plain reads). Opened stores have
 * 32 MiB and 256 MiB, right for voronkactl, the server and bulk work; mapped pages
 * count in a process's resident memory, so the desktop app maps none. */
gboolean     crm_store_set_memory_limits (CrmStore  *self,
                                          gint64     cache_kib,
                                          gint64     mmap_bytes,
                                          GError   **error);
/* Every commit reaches the disk before it returns (PRAGMA synchronous = FULL), so a
 * power cut cannot lose it: the server's accounts, whose commits are acknowledgements
 * laptops rely on. A laptop's replica keeps NORMAL (a power cut may lose its last
 * seconds, never its integrity). */
gboolean     crm_store_set_durable     (CrmStore  *self,
                                        GError   **error);
/* Copy what the WAL holds back into the replica without waiting for readers. */
gboolean     crm_store_checkpoint      (CrmStore  *self,
                                        GError   **error);
/* A new UUIDv7 at the store's clock. */
char        *crm_store_new_id         (CrmStore *self);

/* The one write path. In one transaction: stamps one op per touched entity, writes
 * rows and per-field clocks, appends the ops to the changelog, checks the gates, runs
 * the automation rules. A refused change set writes nothing; the GError names the gate
 * (CRM_STORE_ERROR_LOSS_REASON_REQUIRED, …) and crm_store_dup_refusal() describes it. */
gboolean     crm_store_apply          (CrmStore     *self,
                                       CrmChangeset *changeset,
                                       GError      **error);
/* Details of the last refusal of crm_store_apply: {"name": gate code, …gate data}
 * (stage, choices, fields…), or NULL. */
JsonObject  *crm_store_dup_refusal    (CrmStore *self);

/* The ops crm_store_apply() wrote in its last successful call (borrowed). */
GPtrArray   *crm_store_get_last_ops   (CrmStore *self);

/* Merge ops made elsewhere: per-field last-writer-wins on (hlc, device); an op already
 * known (by op id) is skipped; unknown fields and entity types are kept. Never runs
 * rules. All or nothing. */
gboolean     crm_store_merge_ops      (CrmStore   *self,
                                       GPtrArray  *ops,
                                       GError    **error);

/* The current state of one entity as a JSON object of all its fields (known columns,
 * custom and unknown fields), plus "id". NULL when the entity does not exist — or could not
 * be read: inside a write that failure is kept and fails the write (nothing is decided on
 * a lookup SQLite could not answer); a front end that must tell "gone" from "unreadable"
 * uses crm_store_read_entity(). */
JsonObject  *crm_store_dup_entity     (CrmStore   *self,
                                       const char *entity,
                                       const char *entity_id);
/* The same row (deleted or not) in *@out, NULL when there is none; FALSE with @error (the
 * store's words: damaged, locked, …) when SQLite could not read it. */
gboolean     crm_store_read_entity    (CrmStore    *self,
                                       const char  *entity,
                                       const char  *entity_id,
                                       JsonObject **out,
                                       GError     **error);

/* The changelog, oldest first, from local sequence @since (exclusive). */
GPtrArray   *crm_store_dup_log        (CrmStore   *self,
                                       gint64      since,
                                       GError    **error);
/* The changelog ops about one entity (oldest first). */
GPtrArray   *crm_store_dup_entity_log (CrmStore   *self,
                                       const char *entity_id,
                                       GError    **error);
gint64       crm_store_get_log_length (CrmStore *self);
/* The same, FALSE with @error when the changelog could not be read (not taken for 0). */
gboolean     crm_store_read_log_length (CrmStore  *self,
                                        gint64    *out_length,
                                        GError   **error);

/* History past the horizon, compacted (issue 21): an op the server has acknowledged
 * (pulled, or pushed and answered) whose clock is older than the horizon — meta
 * "history.keep_days" days (CRM_STORE_HISTORY_KEEP_DAYS when unset) before the replica's
 * clock — no longer stores the fields its entity's row still holds under its clock: they
 * are read back from the row (crm_store_dup_entity_log(), crm_store_dup_log(), a restored
 * server's resend), and a later write that overwrites one first moves the old value back
 * into the op, so the history reads the same. The fields SQL reads from the log (a deal
 * op's stage, stage_entered_at, responsible) stay. A compacted change set is not undone.
 * One call is one transaction over at most @max_ops ops in log order, from where the
 * last one stopped; it stops early at the first op not yet acknowledged or not yet past
 * the horizon. *@out_more: ops remain that a later call may compact. */
#define CRM_STORE_HISTORY_KEEP_DAYS 90
/* The whole history of the replica file @path compacted, batch after batch (a copy
 * nobody else has open: the server's snapshot for new devices); @hurry (may be NULL)
 * cancelled: done after the batch it is at (what is done stays done). */
gboolean     crm_store_compact_file   (const char    *path,
                                       GCancellable  *hurry,
                                       guint         *out_compacted,
                                       GError       **error);
/* The horizon in days (0 … 36 500; 0: all that is acknowledged): this replica's meta
 * "history.keep_days" when set, else the account's setting (crm-setting.h, "history",
 * which administrators set: `voronkactl account set --history-days N`), else the default. */
gint64       crm_store_get_history_keep_days (CrmStore *self);
gboolean     crm_store_compact_history (CrmStore   *self,
                                        guint       max_ops,
                                        guint      *out_compacted,
                                        gboolean   *out_more,
                                        GError    **error);

/* Every replicated entity's state, canonical: equal replicas give equal strings. */
char        *crm_store_dump_state     (CrmStore  *self,
                                       GError   **error);

/* Small key/value settings kept in the replica (not replicated): "template",
 * "sync.cursor", … */
char        *crm_store_dup_meta       (CrmStore   *self,
                                       const char *key);
/* @key's value in *@out (NULL when it has none); FALSE with @error when the replica could
 * not be read (damaged, locked…), which crm_store_dup_meta() cannot tell from "none". */
gboolean     crm_store_read_meta      (CrmStore    *self,
                                       const char  *key,
                                       char       **out,
                                       GError     **error);
gboolean     crm_store_set_meta       (CrmStore   *self,
                                       const char *key,
                                       const char *value,
                                       GError    **error);

G_END_DECLS
