/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-fault-vfs.c — see crm-fault-vfs.h. The VFS "crm-fault" forwards every call to the
 * VFS that was the default (unix) and every file method to the real file, counting the
 * calls of the armed kind; the allocator wrappers forward to SQLite's own allocator. */
#include "crm-fault-vfs.h"

#include <string.h>
#include <sqlite3.h>

typedef struct {
  sqlite3_file  base;
  sqlite3_file *real;   /* the real VFS's file, allocated right after this struct */
} FaultFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static sqlite3_mem_methods real_mem;

/* the armed fault; the sweep tests are single-threaded, but SQLite may allocate from
 * other threads of the process (none in these tests), so plain ints do */
static CrmFaultKind armed_kind;
static int armed_rc;
static guint armed_n;
static gboolean armed_persistent;
static guint seen;
static guint failed;

/* Whether this call of @kind fails. */
static gboolean
fault_hit (CrmFaultKind kind)
{
  if (armed_kind != kind)
    return FALSE;
  seen++;
  if (seen == armed_n || (armed_persistent && seen > armed_n))
    {
      failed++;
      return TRUE;
    }
  return FALSE;
}

void
crm_fault_arm (CrmFaultKind kind,
               int          rc,
               guint        n,
               gboolean     persistent)
{
  g_assert (real_vfs != NULL);
  g_assert (n >= 1);
  seen = 0;
  failed = 0;
  armed_rc = rc;
  armed_n = n;
  armed_persistent = persistent;
  armed_kind = kind;
}

guint
crm_fault_disarm (void)
{
  armed_kind = CRM_FAULT_NONE;
  return failed;
}

const char *
crm_fault_kind_name (CrmFaultKind kind)
{
  switch (kind)
    {
    case CRM_FAULT_WRITE:    return "write";
    case CRM_FAULT_SYNC:     return "sync";
    case CRM_FAULT_TRUNCATE: return "truncate";
    case CRM_FAULT_MALLOC:   return "malloc";
    case CRM_FAULT_NONE:
    default:                 return "none";
    }
}

/* --- files ------------------------------------------------------------------------------ */

#define REAL(file) (((FaultFile *) (file))->real)

static int
fault_close (sqlite3_file *file)
{
  return REAL (file)->pMethods->xClose (REAL (file));
}

static int
fault_read (sqlite3_file  *file,
            void          *buf,
            int            amount,
            sqlite3_int64  offset)
{
  return REAL (file)->pMethods->xRead (REAL (file), buf, amount, offset);
}

static int
fault_write (sqlite3_file  *file,
             const void    *buf,
             int            amount,
             sqlite3_int64  offset)
{
  if (fault_hit (CRM_FAULT_WRITE))
    return armed_rc;
  return REAL (file)->pMethods->xWrite (REAL (file), buf, amount, offset);
}

static int
fault_truncate (sqlite3_file  *file,
                sqlite3_int64  size)
{
  if (fault_hit (CRM_FAULT_TRUNCATE))
    return armed_rc;
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
fault_sync (sqlite3_file *file,
            int           flags)
{
  if (fault_hit (CRM_FAULT_SYNC))
    return armed_rc;
  /* no test here pulls the power: the sweeps open and close replicas thousands of
   * times, and waiting for the disk each time would make them take minutes */
  (void) flags;
  return SQLITE_OK;
}

static int
fault_file_size (sqlite3_file  *file,
                 sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
fault_lock (sqlite3_file *file,
            int           lock)
{
  return REAL (file)->pMethods->xLock (REAL (file), lock);
}

static int
fault_unlock (sqlite3_file *file,
              int           lock)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), lock);
}

static int
fault_check_reserved_lock (sqlite3_file *file,
                           int          *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
fault_file_control (sqlite3_file *file,
                    int           op,
                    void         *arg)
{
  int rc = REAL (file)->pMethods->xFileControl (REAL (file), op, arg);

  /* the VFS name SQLite reports is ours on top of the real one */
  if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK)
    {
      char *name = *(char **) arg;

      *(char **) arg = sqlite3_mprintf ("crm-fault/%z", name);
    }
  return rc;
}

static int
fault_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
fault_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

static int
fault_shm_map (sqlite3_file  *file,
               int            page,
               int            page_size,
               int            extend,
               void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), page, page_size, extend, out);
}

static int
fault_shm_lock (sqlite3_file *file,
                int           offset,
                int           n,
                int           flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
fault_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
fault_shm_unmap (sqlite3_file *file,
                 int           delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
fault_fetch (sqlite3_file   *file,
             sqlite3_int64   offset,
             int             amount,
             void          **out)
{
  return REAL (file)->pMethods->xFetch (REAL (file), offset, amount, out);
}

static int
fault_unfetch (sqlite3_file  *file,
               sqlite3_int64  offset,
               void          *page)
{
  return REAL (file)->pMethods->xUnfetch (REAL (file), offset, page);
}

/* one table per version of the real file's methods, so SQLite calls only what exists */
static sqlite3_io_methods fault_io_methods[3];

static void
init_io_methods (void)
{
  for (int v = 1; v <= 3; v++)
    {
      sqlite3_io_methods *m = &fault_io_methods[v - 1];

      m->iVersion = v;
      m->xClose = fault_close;
      m->xRead = fault_read;
      m->xWrite = fault_write;
      m->xTruncate = fault_truncate;
      m->xSync = fault_sync;
      m->xFileSize = fault_file_size;
      m->xLock = fault_lock;
      m->xUnlock = fault_unlock;
      m->xCheckReservedLock = fault_check_reserved_lock;
      m->xFileControl = fault_file_control;
      m->xSectorSize = fault_sector_size;
      m->xDeviceCharacteristics = fault_device_characteristics;
      if (v >= 2)
        {
          m->xShmMap = fault_shm_map;
          m->xShmLock = fault_shm_lock;
          m->xShmBarrier = fault_shm_barrier;
          m->xShmUnmap = fault_shm_unmap;
        }
      if (v >= 3)
        {
          m->xFetch = fault_fetch;
          m->xUnfetch = fault_unfetch;
        }
    }
}

/* --- the VFS ------------------------------------------------------------------------------- */

static int
fault_open (sqlite3_vfs  *vfs,
            const char   *name,
            sqlite3_file *file,
            int           flags,
            int          *out_flags)
{
  FaultFile *self = (FaultFile *) file;
  int rc;

  (void) vfs;
  self->real = (sqlite3_file *) &self[1];
  rc = real_vfs->xOpen (real_vfs, name, self->real, flags, out_flags);
  if (self->real->pMethods != NULL)
    {
      int version = self->real->pMethods->iVersion;

      self->base.pMethods = &fault_io_methods[CLAMP (version, 1, 3) - 1];
    }
  else
    self->base.pMethods = NULL;
  return rc;
}

static int
fault_delete (sqlite3_vfs *vfs, const char *name, int sync_dir)
{
  (void) vfs;
  return real_vfs->xDelete (real_vfs, name, sync_dir);
}

static int
fault_access (sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  (void) vfs;
  return real_vfs->xAccess (real_vfs, name, flags, out);
}

static int
fault_full_pathname (sqlite3_vfs *vfs, const char *name, int n, char *out)
{
  (void) vfs;
  return real_vfs->xFullPathname (real_vfs, name, n, out);
}

static void *
fault_dl_open (sqlite3_vfs *vfs, const char *name)
{
  (void) vfs;
  return real_vfs->xDlOpen (real_vfs, name);
}

static void
fault_dl_error (sqlite3_vfs *vfs, int n, char *out)
{
  (void) vfs;
  real_vfs->xDlError (real_vfs, n, out);
}

static void (*fault_dl_sym (sqlite3_vfs *vfs, void *handle, const char *symbol)) (void)
{
  (void) vfs;
  return real_vfs->xDlSym (real_vfs, handle, symbol);
}

static void
fault_dl_close (sqlite3_vfs *vfs, void *handle)
{
  (void) vfs;
  real_vfs->xDlClose (real_vfs, handle);
}

static int
fault_randomness (sqlite3_vfs *vfs, int n, char *out)
{
  (void) vfs;
  return real_vfs->xRandomness (real_vfs, n, out);
}

static int
fault_sleep (sqlite3_vfs *vfs, int microseconds)
{
  (void) vfs;
  return real_vfs->xSleep (real_vfs, microseconds);
}

static int
fault_current_time (sqlite3_vfs *vfs, double *out)
{
  (void) vfs;
  return real_vfs->xCurrentTime (real_vfs, out);
}

static int
fault_get_last_error (sqlite3_vfs *vfs, int n, char *out)
{
  (void) vfs;
  return real_vfs->xGetLastError (real_vfs, n, out);
}

static int
fault_current_time_int64 (sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  (void) vfs;
  return real_vfs->xCurrentTimeInt64 (real_vfs, out);
}

/* --- the allocator ------------------------------------------------------------------------- */

static void *
fault_malloc (int size)
{
  if (fault_hit (CRM_FAULT_MALLOC))
    return NULL;
  return real_mem.xMalloc (size);
}

static void *
fault_realloc (void *old,
               int   size)
{
  if (fault_hit (CRM_FAULT_MALLOC))
    return NULL;
  return real_mem.xRealloc (old, size);
}

void
crm_fault_install (void)
{
  sqlite3_mem_methods mem;

  if (real_vfs != NULL)
    return;

  /* the allocator can only be changed while SQLite is not initialized */
  sqlite3_shutdown ();
  g_assert_cmpint (sqlite3_config (SQLITE_CONFIG_GETMALLOC, &real_mem), ==, SQLITE_OK);
  mem = real_mem;
  mem.xMalloc = fault_malloc;
  mem.xRealloc = fault_realloc;
  g_assert_cmpint (sqlite3_config (SQLITE_CONFIG_MALLOC, &mem), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_initialize (), ==, SQLITE_OK);

  real_vfs = sqlite3_vfs_find (NULL);
  g_assert_nonnull (real_vfs);
  init_io_methods ();
  fault_vfs.iVersion = MIN (real_vfs->iVersion, 2);
  fault_vfs.szOsFile = sizeof (FaultFile) + real_vfs->szOsFile;
  fault_vfs.mxPathname = real_vfs->mxPathname;
  fault_vfs.zName = "crm-fault";
  fault_vfs.xOpen = fault_open;
  fault_vfs.xDelete = fault_delete;
  fault_vfs.xAccess = fault_access;
  fault_vfs.xFullPathname = fault_full_pathname;
  fault_vfs.xDlOpen = fault_dl_open;
  fault_vfs.xDlError = fault_dl_error;
  fault_vfs.xDlSym = fault_dl_sym;
  fault_vfs.xDlClose = fault_dl_close;
  fault_vfs.xRandomness = fault_randomness;
  fault_vfs.xSleep = fault_sleep;
  fault_vfs.xCurrentTime = fault_current_time;
  fault_vfs.xGetLastError = fault_get_last_error;
  fault_vfs.xCurrentTimeInt64 = fault_current_time_int64;
  g_assert_cmpint (sqlite3_vfs_register (&fault_vfs, 1), ==, SQLITE_OK);
}
