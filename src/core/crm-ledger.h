/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger.h — the server's side of an account replica: the server keeps each account
 * as an ordinary replica (a CrmStore) whose changelog sequence is the server's sequence,
 * plus its own bookkeeping in the same file (schema step 9): the base each pushed op was
 * made on (`server_op`), the ops it refused (`server_rejected`), the last deal number and
 * the account's incarnations (meta "server.*"). Everything the server does with an
 * account replica goes through these calls; it never reads the replica's tables itself.
 *
 * crm_ledger_push() decides about a pushed batch (the checks the laptop ran, the role's
 * rights, duplicate automation, clocks too far ahead, deal numbers, corrective ops for
 * what it refuses) in one transaction; crm_ledger_read() gives a pull page's rows. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* What the server decided about one pushed op. */
typedef struct {
  char        *op_id;
  gboolean     accepted;
  gint64       seq;         /* accepted: its sequence number in the account */
  guint64      hlc;         /* accepted: its clock as stored (the server's when re-stamped) */
  char        *stamp;       /* accepted: the server's seal (crm-stamp.h), or NULL */
  char        *actor;       /* accepted: the author recorded */
  char        *code;        /* rejected: the error code ("permission-denied", …) */
  char        *message;     /* rejected: why, for a person */
  JsonObject  *values;      /* rejected: the server's values of the op's fields */
  CrmOp       *corrective;  /* rejected: the server's op restoring them */
} CrmLedgerResult;

void       crm_ledger_result_free (CrmLedgerResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmLedgerResult, crm_ledger_result_free)

/* May the pusher push ops of @device? Asked once per device of a push, for the ops that
 * are checked (not for an op the server stamped before). */
typedef gboolean (*CrmLedgerDeviceFunc) (const char *device,
                                         gpointer    data);

/* Who pushes, and on what. */
typedef struct {
  const char          *actor;          /* the pusher's `user` entity: every op's author */
  const char          *role;           /* admin | manager | rep: what the pusher may do */
  gint64               base;           /* the pusher's pull cursor */
  gint64               max_ahead_ms;   /* a clock further ahead of the server's takes the
                                        * server's clock */
  CrmLedgerDeviceFunc  device_ok;      /* may be NULL: every device is the pusher's */
  gpointer             device_data;
} CrmLedgerPush;

/* One transaction: every op of @ops is accepted (merged, or already known) or rejected
 * with a code, the server's values and a corrective op; deals that arrive without a
 * number get the next one. A database error rolls everything back.
 * @out_results: CrmLedgerResult*, one per op, in order; @out_head: the head after it. */
gboolean   crm_ledger_push          (CrmStore             *store,
                                     const CrmLedgerPush  *push,
                                     GPtrArray            *ops,
                                     GPtrArray           **out_results,
                                     gint64               *out_head,
                                     GError              **error);

/* Rule effects of overridden changes whose withdrawal failed after a push (the disk full,
 * an I/O error): the push stands, and the deals it touched are recorded (in memory, and
 * in the meta "server.withdraw_pending_from" where it can still be written) and tried
 * again with every later push and by this call (the server's tick) until the
 * withdrawal is made. TRUE when nothing is left pending; *@out_withdrawn: the changes
 * written. */
gboolean   crm_ledger_retry_withdrawals (CrmStore          *store,
                                         guint             *out_withdrawn,
                                         GError           **error);
/* Is a withdrawal pending (see above)? */
gboolean   crm_ledger_withdrawal_pending (CrmStore         *store);
/* The withdrawals still pending (see above) of the changes @actor (a `user` id; NULL:
 * anyone) made: one {"op", "deal", "stage", "effects"} per overridden stage write whose
 * rule effects still stand — what its author is told with every pull until they are
 * withdrawn. Empty when nothing is pending. */
JsonArray *crm_ledger_pending_withdrawals (CrmStore        *store,
                                           const char      *actor,
                                           GError         **error);

/* The greatest sequence number (0 for an empty account). */
gint64     crm_ledger_head          (CrmStore             *store);
/* The first sequence number the account still holds history after (meta
 * "server.horizon"; 0: all of it). */
gint64     crm_ledger_horizon       (CrmStore             *store);

/* The id of the op numbered @seq (*@out_op_id NULL when the account holds none). */
gboolean   crm_ledger_op_at         (CrmStore             *store,
                                     gint64                seq,
                                     char                **out_op_id,
                                     GError              **error);

/* One op of a pull page, as stored: @fields is its canonical JSON text, @base what its
 * author had seen of the server. The strings live until the callback returns. */
typedef struct {
  gint64       seq;
  const char  *op_id;
  guint64      hlc;
  const char  *device;
  const char  *entity;
  const char  *entity_id;
  const char  *fields;
  const char  *cause;
  const char  *rule;
  const char  *actor;
  gint64       base;
  const char  *stamp;
} CrmLedgerRow;

typedef void (*CrmLedgerRowFunc) (const CrmLedgerRow *row,
                                  gpointer            data);

/* Calls @func for the ops after @since, at most @limit, in sequence order. */
gboolean   crm_ledger_read          (CrmStore             *store,
                                     gint64                since,
                                     guint                 limit,
                                     CrmLedgerRowFunc      func,
                                     gpointer              data,
                                     GError              **error);

/* Calls @func for every op before @before of the deal's dependent @entity_id (a task, a
 * note, an approval…) and of what hangs off it — a task's approvals, the notes and files
 * on it and on those approvals —, in sequence order: the whole of a dependent put on a deal
 * a device sees, which it did not see until now (as crm_visibility_forget() takes it). */
gboolean   crm_ledger_read_dependent (CrmStore            *store,
                                      const char          *entity_id,
                                      gint64               before,
                                      CrmLedgerRowFunc     func,
                                      gpointer             data,
                                      GError             **error);

/* Calls @func for every op before @before of the deal @deal_id and of its dependents as
 * the replica holds them now (crm-visibility.h), in sequence order: the whole of a deal
 * for a device that did not see it until now. */
gboolean   crm_ledger_read_deal     (CrmStore             *store,
                                     const char           *deal_id,
                                     gint64                before,
                                     CrmLedgerRowFunc      func,
                                     gpointer              data,
                                     GError              **error);

/* Gives every deal without a number the next one of the account (its own transaction). */
gboolean   crm_ledger_number_deals  (CrmStore             *store,
                                     GError              **error);

/* A new clock reading from the account's clock (for answers). */
guint64    crm_ledger_next_hlc      (CrmStore             *store);

/* The `user` entity named @name (not deleted): its id and role; NULL when none. */
char      *crm_ledger_find_user     (CrmStore             *store,
                                     const char           *name,
                                     char                **out_role);
/* The name and role of the `user` entity @user_id; FALSE when it is gone (deleted). */
gboolean   crm_ledger_lookup_user   (CrmStore             *store,
                                     const char           *user_id,
                                     char                **out_name,
                                     char                **out_role);

/* The bytes the replica holds (its pages in use). */
gint64     crm_ledger_size          (CrmStore             *store);

/* The account's incarnation (meta "server.epoch", made the first time) and how many of
 * its first sequence numbers it shares with @client_epoch (@out_shared: the whole head
 * when they are the same; 0 when @client_epoch is unknown or NULL). */
gboolean   crm_ledger_epoch         (CrmStore             *store,
                                     const char           *client_epoch,
                                     char                **out_epoch,
                                     gint64               *out_shared,
                                     GError              **error);
/* A restored account starts a new incarnation; the ones before it share its history up
 * to its head (meta "server.epochs" = {"epoch": shared head, …}). */
gboolean   crm_ledger_new_epoch     (CrmStore             *store,
                                     GError              **error);
/* The same reckoning without a replica (a server keeping the account's meta and head
 * elsewhere, the PostgreSQL backend): from the incarnation @epoch (may be NULL) and
 * @epochs (the "server.epochs" JSON, may be NULL) of an account whose history ends at
 * @head, a new incarnation and the epochs to keep beside it. */
void       crm_ledger_next_epoch    (const char           *epoch,
                                     const char           *epochs,
                                     gint64                head,
                                     char                **out_epoch,
                                     char                **out_epochs);

/* --- The log: the account's history as another server process takes it over ---------
 * The PostgreSQL backend of voronka-server keeps these entries in the database, and each
 * server process's replica of the account as a cache of them: a process that wrote
 * (a push, timer rules, an admin command) exports what the write added; the others
 * import it before they answer, so every process checks ops on the same state. */

/* One op of the log and the server's bookkeeping about it. */
typedef struct {
  CrmLedgerRow  op;               /* op.base: -1 when the op was not pushed by a client */
  const char   *refused_op;       /* the op is the corrective of this refused op, or NULL */
  const char   *refused_code;
  const char   *refused_message;
  const char   *refused_device;
  gint64        refused_at;
} CrmLedgerEntry;

typedef void (*CrmLedgerEntryFunc) (const CrmLedgerEntry *entry,
                                    gpointer              data);

/* Calls @func for every entry after @since, in sequence order. */
gboolean   crm_ledger_export        (CrmStore             *store,
                                     gint64                since,
                                     CrmLedgerEntryFunc    func,
                                     gpointer              data,
                                     GError              **error);
/* Takes @entries (sequence order, the first one right after this replica's head) in one
 * transaction, each merged as it was and given the same sequence number; an entry that
 * does not fit (a gap, a number taken otherwise) fails it all. */
gboolean   crm_ledger_import        (CrmStore             *store,
                                     const CrmLedgerEntry *entries,
                                     guint                 n_entries,
                                     GError              **error);

G_END_DECLS
