/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-server.h — for the sync tests: a real voronka-server ($VORONKA_SERVER) on
 * 127.0.0.1 with a throwaway data folder and certificate, its admin commands, and sync
 * clients pointed at it. Every wait is bounded; a server that does not come up fails the
 * test instead of hanging it. */
#pragma once

#include <gio/gio.h>

#include "crm-store.h"
#include "crm-sync-client.h"

G_BEGIN_DECLS

typedef struct {
  char        *dir;        /* the server's --data folder */
  char        *url;        /* https://127.0.0.1:PORT (or http:// with insecure) */
  char        *cert;       /* the generated certificate (NULL for plain HTTP) */
  char        *log_path;   /* stdout and stderr of the server */
  char       **extra_args;
  gboolean     insecure;
  guint        max_files;  /* RLIMIT_NOFILE (soft and hard) of the server; 0: inherited */
  GSubprocess *process;
} CrmTestServer;

/* A data folder under @parent with account "acme" (truck-dealer template), its admin
 * "admin" (password "admin-pw"), a manager "manager" ("manager-pw") and two reps,
 * "Мария Кузнецова" and "Денис Морозов" ("rep-password"), who are users of the template. */
char          *crm_test_server_make_data     (const char         *parent);
/* Runs `voronka-server --data DIR ARGS…` with @password on stdin; returns its status. */
int            crm_test_server_admin         (const char         *dir,
                                              const char         *password,
                                              const char         *first_arg,
                                              ...) G_GNUC_NULL_TERMINATED;

/* Starts `serve --listen 127.0.0.1:0` (TLS unless @insecure) plus @extra_args, and waits
 * until it listens. */
CrmTestServer *crm_test_server_start         (const char         *dir,
                                              gboolean            insecure,
                                              const char * const *extra_args);
/* The same, with the server's open-file limit (soft and hard) set to @max_files. */
CrmTestServer *crm_test_server_start_with_file_limit (const char         *dir,
                                                      gboolean            insecure,
                                                      const char * const *extra_args,
                                                      guint               max_files);
/* Starts it again on the same port (after a stop or a kill). */
void           crm_test_server_restart       (CrmTestServer      *server);
/* SIGTERM and wait: returns the exit status (the server stops cleanly). */
int            crm_test_server_stop          (CrmTestServer      *server);
void           crm_test_server_kill          (CrmTestServer      *server);
void           crm_test_server_free          (CrmTestServer      *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmTestServer, crm_test_server_free)

/* Lines of the server's log that contain every one of the NULL-terminated needles. */
guint          crm_test_server_count_log     (CrmTestServer      *server,
                                              const char         *first_needle,
                                              ...) G_GNUC_NULL_TERMINATED;
/* Waits (at most @seconds) until the count of such lines reaches @count. */
gboolean       crm_test_server_wait_log      (CrmTestServer      *server,
                                              guint               count,
                                              double              seconds,
                                              const char         *needle,
                                              const char         *needle2);

/* The account replica on the server (opened next to the running server). */
CrmStore      *crm_test_server_open_account  (CrmTestServer      *server);

/* A client of @server for the replica @path, signing in as @user with @password. */
CrmSyncClient *crm_test_client_new           (CrmTestServer      *server,
                                              const char         *path,
                                              const char         *user,
                                              const char         *password);
/* One round that must succeed. */
CrmSyncReport *crm_test_sync                 (CrmSyncClient      *client);

/* A laptop of the account for the sync tests: its file, its store and its client. */
typedef struct {
  const char    *name;
  const char    *user;
  const char    *password;
  char          *path;
  CrmStore      *store;
  CrmSyncClient *client;
} CrmTestReplica;

/* @replica as file @name in @dir, signed in to @server as @user: its first sync must
 * install the server's snapshot (and not find the server restored). */
void           crm_test_replica_open         (CrmTestReplica     *replica,
                                              CrmTestServer      *server,
                                              const char         *dir,
                                              const char         *name,
                                              const char         *user,
                                              const char         *password);
/* @replica (crm_test_replica_open()'d) made as the app's sign-in dialog leaves it: it
 * remembers @server and its user, and the app works as that user. Returns the sign-in's
 * token (for crm_window_restart_sync()). */
char          *crm_test_replica_sign_in_app  (CrmTestReplica     *replica,
                                              CrmTestServer      *server);
/* One sync round of @replica that must succeed. */
CrmSyncReport *crm_test_replica_sync         (CrmTestReplica     *replica);
void           crm_test_replica_clear        (CrmTestReplica     *replica);

/* What most sync tests start from: a new temporary folder (@tmpdir), the account's data
 * folder in it (@data_dir, NULL: not wanted) and a TLS server on it. */
CrmTestServer *crm_test_server_set_up        (char              **tmpdir,
                                              char              **data_dir);
/* Stops @server (it must stop cleanly) and frees it; removes @tmpdir when @status is 0
 * (a failed test leaves its files to look at); frees @tmpdir. */
void           crm_test_server_tear_down     (CrmTestServer      *server,
                                              char               *tmpdir,
                                              int                 status);

/* crm_store_dump_state, failing the test on error. */
char          *crm_test_dump                 (CrmStore           *store);
/* Opens a replica, failing the test on error. */
CrmStore      *crm_test_open                 (const char         *path);

/* Under VORONKA_TEST_DATABASE=postgresql: the database of the data folder @dir (made on
 * first use), and another folder's servers sharing it (several processes, one database). */
const char    *crm_test_server_database      (const char         *dir);
void           crm_test_server_set_database  (const char         *dir,
                                              const char         *url);

/* A TCP port on 127.0.0.1 that nothing listens on now (for a server the test starts). */
guint16        crm_test_free_port            (void);

G_END_DECLS
