/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-startup.h — named time marks on the way from main() to the first frame of the
 * main window, so start-up can be measured by phase (voronka-bench-app prints them;
 * G_MESSAGES_DEBUG=voronka-app logs them). Marks after the first frame are ignored. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;      /* a static string */
  gint64      time_us;   /* g_get_monotonic_time () */
  gint64      rss_kb;    /* VmRSS then, when crm_startup_record_memory () asked; else 0 */
  gint64      file_kb;   /* … of which file pages (libraries, a memory-mapped replica) */
} CrmStartupMark;

/* Records @name (a static string) now, unless the first frame was already marked. */
void                  crm_startup_mark       (const char *name);
/* The marks so far, in order (borrowed). */
const CrmStartupMark *crm_startup_get_marks  (guint      *n_marks);
/* Also record the resident memory at each mark (a read of /proc/self/status each). */
void                  crm_startup_record_memory (gboolean record);
/* Has the first frame of the main window been marked? */
gboolean              crm_startup_is_done    (void);

#define CRM_STARTUP_FIRST_FRAME "first frame"

G_END_DECLS
