/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-server-mailboxes.h — requests from mailboxes (S3-3): the mailboxes an account's
 * admins connect (`voronka-server mailbox …`, kept in server.db with their passwords),
 * the check that turns each new e-mail into a request (a deal) in the account, and the
 * senders blocked because their request was closed as «Спам». */
#pragma once

#include <json-glib/json-glib.h>

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

/* The longest URL, login (or pipeline, stage, user name) and password a mailbox takes. */
#define CRM_SERVER_MAILBOX_MAX_URL     2048
#define CRM_SERVER_MAILBOX_MAX_TEXT    320
#define CRM_SERVER_MAILBOX_MAX_SECRET  4096

/* A mailbox as `mailbox add` and POST /api/v1/mailboxes give it. */
typedef struct {
  const char *url;          /* imaps://HOST[:PORT][/FOLDER] (crm_mail_check_url) */
  const char *user;
  const char *password;     /* NULL or empty: keep the one kept (a new mailbox needs one) */
  const char *pipeline;     /* a name or id */
  const char *stage;        /* NULL: the pipeline's first open stage */
  const char *responsible;  /* a user's name or id; NULL: nobody */
  const char *ca_file;      /* an absolute path the caller checked, or NULL */
  gboolean    keep_ca_file; /* leave the CA file kept as it is (the API sets none) */
  gboolean    new_only;     /* a new mailbox: take only e-mail that arrives from now on */
} CrmServerMailboxSettings;

/* Adds the mailbox (url, user) to the account, or changes its settings: the pipeline's
 * stage resolved (an open one), the pipeline given the spam loss reason when it has none
 * (@out_added_reason), the last error forgotten. One implementation for the command and
 * the app (POST /api/v1/mailboxes). INVALID_INPUT / NOT_FOUND saying what to change. */
gboolean    crm_server_mailbox_save        (CrmServerStorage                *storage,
                                            const char                      *account_id,
                                            const CrmServerMailboxSettings  *settings,
                                            gboolean                        *out_existed,
                                            gboolean                        *out_added_reason,
                                            char                           **out_pipeline_name,
                                            GError                         **error);
/* Removes the mailbox @url (of the login @user; NULL: the only one at @url): NOT_FOUND,
 * or INVALID_INPUT when several logins use @url; @out_user: whose it was. */
gboolean    crm_server_mailbox_remove      (CrmServerStorage  *storage,
                                            const char        *account_id,
                                            const char        *url,
                                            const char        *user,
                                            char             **out_user,
                                            GError           **error);
/* The kept password and CA file of a mailbox; FALSE (no error) when there is none. */
gboolean    crm_server_mailbox_lookup      (CrmServerStorage  *storage,
                                            const char        *account_id,
                                            const char        *url,
                                            const char        *user,
                                            char             **out_password,
                                            char             **out_ca_file,
                                            GError           **error);
/* The mailboxes as `mailbox list --json` prints them and GET /api/v1/mailboxes answers,
 * with "pipeline_id", "stage_id", "responsible_id", "new_only" and "password": true|false
 * (whether one is kept — never the password). */
JsonArray  *crm_server_mailboxes_describe  (CrmServerStorage  *storage,
                                            const char        *account_id,
                                            GError           **error);
/* Signs in to the mailbox and opens its folder, taking nothing (a test of the settings).
 * Blocking: a worker thread. FALSE with the mail server's words. */
gboolean    crm_server_mailbox_try         (const char        *url,
                                            const char        *user,
                                            const char        *password,
                                            const char        *ca_file,
                                            guint              timeout_s,
                                            GError           **error);

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
