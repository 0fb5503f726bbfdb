/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-admin.h — voronka-server's administration commands (accounts, users,
 * sessions) and `serve`. Each returns the process exit status: 0 done, 1 refused or
 * failed, 2 usage error. */
#pragma once

#include <glib.h>

#include "crm-server-storage.h"

G_BEGIN_DECLS

/* The global --database option (before the command); a command's own overrides it. */
void crm_server_admin_set_database (const char *database);
/* The PostgreSQL URL --database named (NULL: the data folder's embedded storage). */
const char *crm_server_admin_database (void);
/* The storage --database names (the data folder's own by default), made or updated. */
CrmServerStorage *crm_server_admin_open_storage (const char  *data_dir,
                                                 GError     **error);

int  crm_server_cmd_account_create (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_account_set    (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_account_usage  (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_add       (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_invite    (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_invites   (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_uninvite  (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_revoke    (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_list      (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_disable   (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_enable    (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_password  (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_user_remove    (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_migrate       (const char *data_dir, int argc, char **argv);
int  crm_server_cmd_serve          (const char *data_dir, int argc, char **argv);

G_END_DECLS
