/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-server.h — a generated replica as a voronka-server account: what
 * `voronka-bench-generate --server-data` and the sync benchmark both do. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs `@server_bin --data @data ARGS…` with @password on its standard input (for
 * --password-stdin); FALSE with @error naming what failed and the server's message. */
gboolean    bench_server_admin           (const char  *server_bin,
                                          const char  *data,
                                          const char  *password,
                                          GError     **error,
                                          const char  *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;

/* The path of an account replica in @data that is not in @known (the one an `account
 * create` just made), added to @known; NULL when there is none. */
char       *bench_server_new_account_file (const char *data,
                                           GPtrArray  *known);

/* Replaces the account replica @account_file (just made by `account create` with an
 * admin user named @admin) by a copy of @replica: its history marked as pushed by devices
 * (made elsewhere, as on a server), the admin's user entity added, @name as its account. */
gboolean    bench_server_install_account (const char  *replica,
                                          const char  *account_file,
                                          const char  *admin,
                                          const char  *name,
                                          GError     **error);

/* `account create` of @name with the truck-dealer template and the admin @admin
 * (@password), then the generated @replica installed as its replica. */
gboolean    bench_server_write_account   (const char  *server_bin,
                                          const char  *data,
                                          const char  *replica,
                                          const char  *name,
                                          const char  *admin,
                                          const char  *password,
                                          GError     **error);

/* Starts `voronka-server` with @argv (NULL-terminated, argv[0] the binary; it must listen
 * on a port of its own choosing, `--listen 127.0.0.1:0`), its output in @log, and waits
 * (up to a minute) for the address it says it listens on, returned in @out_url. The
 * server dies with this process. NULL with @error naming @log when it did not start. */
GSubprocess *bench_server_start          (const char * const *argv,
                                          const char         *log,
                                          char              **out_url,
                                          GError            **error);

/* SIGTERM, up to 30 s for it to end (the default main context kept turning, for
 * callers with requests in flight), then SIGKILL; waits for it. */
void         bench_server_stop           (GSubprocess        *server);

G_END_DECLS
