/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-server.h — a generated replica as a voronka-server account: what
 * `voronka-bench-generate --server-data` and the sync benchmark both do. */
#pragma once

#include <glib.h>

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

G_END_DECLS
