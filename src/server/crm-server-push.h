/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-push.h — a push and a pull on an account replica, in the protocol's terms:
 * the decisions and every read and write of the replica are core's (crm-ledger.h); this
 * maps the signed-in user, the protocol's push results and the pull answer's text onto
 * them. Any backend that keeps an account as a CrmStore uses these. */
#pragma once

#include "crm-store.h"
#include "crm-server-storage.h"

G_BEGIN_DECLS

/* May @user push ops of @device? Called once per device of a push, for the ops that are
 * checked (not for an op the server stamped before); a device nobody has used yet
 * becomes @user's. */
typedef gboolean (*CrmServerDeviceFunc) (const CrmServerUser *user,
                                         const char          *device,
                                         gpointer             data);

/* crm_ledger_push() for @user: every op's author is @user's `user` entity, checked with
 * @user's role; @base is the client's pull cursor; @device_ok (may be NULL) tells the
 * devices of other users. @out_results: CrmPushResult*, one per op, in order. */
gboolean      crm_server_replica_push         (CrmStore             *store,
                                               const CrmServerUser  *user,
                                               CrmServerDeviceFunc   device_ok,
                                               gpointer              device_data,
                                               gint64                base,
                                               GPtrArray            *ops,
                                               GPtrArray           **out_results,
                                               gint64               *out_head,
                                               GError              **error);

/* Ops after @since, at most @limit, each with its sequence number and base: the pull
 * answer as JSON text (crm_pull_page_to_json()'s form), with "hlc" @hlc; the last page
 * with the withdrawals still pending of @actor's changes (the puller's `user` id). */
char         *crm_server_replica_pull         (CrmStore             *store,
                                               const char           *actor,
                                               gint64                since,
                                               guint                 limit,
                                               guint64               hlc,
                                               gsize                *out_length,
                                               GError              **error);

/* CrmServerStorage.check_cursor on the account's replica. */
gboolean      crm_server_replica_check_cursor (CrmStore             *store,
                                               gint64                seq,
                                               const char           *op_id,
                                               gboolean             *out_same,
                                               GError              **error);

/* The name (@name TRUE) or role of the `user` entity @id; NULL when it is gone. */
char         *crm_server_replica_user_field   (CrmStore             *store,
                                               const char           *id,
                                               gboolean              name);
/* The `user` entity of a server user: found by @name, given @role, created when missing
 * (a change set of the server's own); its id. */
char         *crm_server_replica_ensure_user  (CrmStore             *store,
                                               const char           *name,
                                               const char           *role,
                                               GError              **error);

/* Whether the account may take a push: its replica holds at most @quota bytes (0: no
 * limit); QUOTA_EXCEEDED, naming the account and the limit, otherwise. */
gboolean      crm_server_replica_check_quota  (CrmStore             *store,
                                               const CrmServerUser  *user,
                                               gint64                quota,
                                               GError              **error);

/* The `user` entity who takes over a removed user's work: @heir (the server user named
 * @reassign_to, NULL when there is none), or else whoever the replica knows by that name;
 * NOT_FOUND, saying why, when nobody active can. */
char         *crm_server_replica_heir         (CrmStore             *store,
                                               const CrmServerUser  *heir,
                                               const char           *reassign_to,
                                               const char           *account_name,
                                               GError              **error);

/* One user of `user list`: its role as the replica gives it now (@role when the entity
 * is gone); @last_seen 0: never. */
JsonObject   *crm_server_replica_user_row     (CrmStore             *store,
                                               const char           *name,
                                               const char           *role,
                                               const char           *crm_user,
                                               gint64                created_at,
                                               gboolean              disabled,
                                               gboolean              removed,
                                               gint64                sessions,
                                               gint64                last_seen);

/* CrmServerStorage.epoch on the account's replica. */
gboolean      crm_server_replica_epoch        (CrmStore             *store,
                                               const char           *client_epoch,
                                               char                **out_epoch,
                                               gint64               *out_shared,
                                               gint64               *out_head,
                                               char                **out_device,
                                               GError              **error);

/* The account's timer rules at @now, then numbers for deals they made. */
gboolean      crm_server_replica_tick         (CrmStore             *store,
                                               gint64                now,
                                               guint                *out_fired,
                                               GError              **error);

/* CrmServerStorage.snapshot_async/finish for the replica file @path (@cache: the folder
 * of made snapshots), for the user @actor (their `user` entity; NULL: the whole account):
 * only the deals they see (crm-visibility.h). */
void          crm_server_replica_snapshot_async  (gpointer             source_object,
                                                  CrmStore            *store,
                                                  const char          *path,
                                                  const char          *cache,
                                                  const char          *account_id,
                                                  const char          *actor,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
CrmServerSnapshot *crm_server_replica_snapshot_finish (GAsyncResult  *result,
                                                       GError       **error);

G_END_DECLS
