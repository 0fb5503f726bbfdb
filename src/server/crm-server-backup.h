/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-backup.h — what lets an account survive going back in time: its stamp key,
 * its incarnation ("epoch"), the lock a serving server holds on its data folder, and the
 * `backup` and `restore` commands (CLI.md). */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* The account's stamp key (DATA/accounts/ID.key, made the first time; kept in backups). */
GBytes   *crm_server_account_key        (const char  *data_dir,
                                         const char  *account_id,
                                         GError     **error);

/* The account's incarnation (meta "server.epoch", made the first time) and how many of
 * its first sequence numbers it shares with @client_epoch (@out_shared: the whole head
 * when they are the same; 0 when @client_epoch is unknown or NULL). */
gboolean  crm_server_replica_epoch      (CrmStore    *store,
                                         const char  *client_epoch,
                                         char       **out_epoch,
                                         gint64      *out_shared,
                                         GError     **error);
/* A restored account starts a new incarnation; the ones before it share its history up
 * to its head (meta "server.epochs" = {"epoch": shared head, …}). */
gboolean  crm_server_replica_new_epoch  (CrmStore    *store,
                                         GError     **error);

/* Takes DATA/serve.lock (held until the process exits): FALSE, naming the process, when
 * a server serves @data_dir already. */
gboolean  crm_server_lock_data          (const char  *data_dir,
                                         GError     **error);

int       crm_server_cmd_backup         (const char  *data_dir,
                                         int          argc,
                                         char       **argv);
int       crm_server_cmd_restore        (const char  *data_dir,
                                         int          argc,
                                         char       **argv);

G_END_DECLS
