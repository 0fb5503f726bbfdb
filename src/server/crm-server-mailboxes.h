/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-mailboxes.h — requests from mailboxes (S3-3): the mailboxes an account's
 * admins connect (`voronka-server mailbox …`, kept in server.db with their passwords),
 * the check that turns each new e-mail into a request (a deal) in the account, and the
 * senders blocked because their request was closed as «Спам». */
#pragma once

#include "crm-server-storage.h"

G_BEGIN_DECLS

/* server.db's step that adds the tables `mailbox` and `mailbox_blocked`
 * (crm-server-sqlite.c's migrations[] lists it). */
extern const char crm_server_mailboxes_migration[];

int  crm_server_cmd_mailbox_add     (const char  *data_dir,
                                     int          argc,
                                     char       **argv);
int  crm_server_cmd_mailbox_list    (const char  *data_dir,
                                     int          argc,
                                     char       **argv);
int  crm_server_cmd_mailbox_check   (const char  *data_dir,
                                     int          argc,
                                     char       **argv);
int  crm_server_cmd_mailbox_remove  (const char  *data_dir,
                                     int          argc,
                                     char       **argv);
int  crm_server_cmd_mailbox_blocked (const char  *data_dir,
                                     int          argc,
                                     char       **argv);

/* `serve`: checks every mailbox of every account each @interval_seconds (0: never) in a
 * worker thread; what it took is written on the main loop. */
typedef struct _CrmServerMailboxes CrmServerMailboxes;

/* @changed (may be NULL) is called on the main loop after a check wrote requests. */
CrmServerMailboxes *crm_server_mailboxes_start (CrmServerStorage   *storage,
                                                guint               interval_seconds,
                                                GCallback           changed,
                                                gpointer            user_data);
/* Stops checking; a check under way is cancelled and its mailboxes freed for the next
 * start (nothing of it is written). */
void                crm_server_mailboxes_stop  (CrmServerMailboxes *self);

G_END_DECLS
