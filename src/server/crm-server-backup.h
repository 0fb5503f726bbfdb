/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-backup.h — what lets an account survive going back in time: its stamp key,
 * the lock a serving server holds on its data folder, and the `backup` and `restore`
 * commands (CLI.md). The account's incarnations are core's (crm_ledger_epoch()). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The account's stamp key (DATA/accounts/ID.key, made the first time; kept in backups). */
GBytes   *crm_server_account_key        (const char  *data_dir,
                                         const char  *account_id,
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
