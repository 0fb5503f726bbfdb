/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-replica-file.h — a replica's file as a whole, through SQLite connections of their
 * own (so any thread may call these, and a server may be writing the file meanwhile):
 * its schema step, a consistent copy for a backup, what a backup's manifest names, and
 * the snapshot the server sends a new device. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The schema step of the SQLite file at @path (PRAGMA user_version); -1 with @error set
 * (what SQLite said) when it cannot be read. */
gint       crm_replica_file_schema  (const char           *path,
                                     GError              **error);

/* A consistent copy of the SQLite database @from (which a server may be writing) in
 * @to, as one file (no -wal beside it); a writer's lock is waited out. */
gboolean   crm_replica_file_copy    (const char           *from,
                                     const char           *to,
                                     GError              **error);

/* The head and incarnation of the account replica at @path (0 and NULL when it has
 * none or cannot be read). */
void       crm_replica_file_summary (const char           *path,
                                     gint64               *out_head,
                                     char                **out_epoch);

/* A snapshot for a new device: a consistent copy of the account replica at
 * @replica_path in @copy_path without the server's bookkeeping (its tables emptied, its
 * meta dropped, every op "made elsewhere"); *@out_seq is the sequence it is valid at. */
gboolean   crm_replica_file_make_snapshot (const char     *replica_path,
                                           const char     *copy_path,
                                           gint64         *out_seq,
                                           GError        **error);

G_END_DECLS
