/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-fault-vfs.h — faults injected under SQLite, SQLite's own way: a VFS that wraps the
 * default one and fails the Nth write, sync or truncate of any file, and allocator
 * wrappers that fail the Nth allocation. Tests sweep N = 1, 2, … through one call. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CRM_FAULT_NONE,
  CRM_FAULT_WRITE,      /* xWrite of any file (replica, -wal, journal) */
  CRM_FAULT_SYNC,       /* xSync */
  CRM_FAULT_TRUNCATE,   /* xTruncate */
  CRM_FAULT_MALLOC,     /* sqlite3_malloc / sqlite3_realloc */
} CrmFaultKind;

/* Registers the fault VFS as SQLite's default and wraps SQLite's allocator. Call it
 * first thing in main(), before anything opens a database (it reinitializes SQLite).
 * The VFS never waits for the disk (xSync succeeds at once): fine for everything but a
 * test of power loss. */
void      crm_fault_install (void);

/* From now on the @n-th call of @kind (1 = the next one) fails with SQLite result @rc
 * (SQLITE_IOERR_WRITE, SQLITE_FULL…; ignored for CRM_FAULT_MALLOC, which returns NULL),
 * and with @persistent every later one too, until crm_fault_disarm() — as a full disk
 * stays full. */
void      crm_fault_arm     (CrmFaultKind kind,
                             int          rc,
                             guint        n,
                             gboolean     persistent);
/* Stops failing; returns how many calls failed since crm_fault_arm() (0: the call under
 * test never reached the @n-th call, i.e. it ran through without a fault). */
guint     crm_fault_disarm  (void);

/* The name of @kind, for messages. */
const char *crm_fault_kind_name (CrmFaultKind kind);

G_END_DECLS
