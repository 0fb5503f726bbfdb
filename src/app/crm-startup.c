/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-startup.c — start-up time marks (see crm-startup.h). A fixed array: start-up
 * makes a handful of marks, and nothing is recorded once the first frame is painted. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include "crm-startup.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MARKS 32

static CrmStartupMark marks[MAX_MARKS];
static guint n_marks;
static gboolean done;
static gboolean record_memory;

static gint64
status_kb (const char *status,
           const char *key)
{
  const char *line = status != NULL ? strstr (status, key) : NULL;

  return line != NULL ? strtoll (line + strlen (key), NULL, 10) : 0;
}

void
crm_startup_record_memory (gboolean record)
{
  record_memory = record;
}

void
crm_startup_mark (const char *name)
{
  gint64 now;

  if (done || n_marks == MAX_MARKS)
    return;
  now = g_get_monotonic_time ();
  marks[n_marks].name = name;
  marks[n_marks].time_us = now;
  if (record_memory)
    {
      g_autofree char *status = NULL;

      g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
      marks[n_marks].rss_kb = status_kb (status, "\nVmRSS:");
      marks[n_marks].file_kb = status_kb (status, "\nRssFile:");
    }
  n_marks++;
  done = g_str_equal (name, CRM_STARTUP_FIRST_FRAME);
  g_debug ("start-up: %s at %.1f ms", name, (now - marks[0].time_us) / 1e3);
}

const CrmStartupMark *
crm_startup_get_marks (guint *out_n_marks)
{
  if (out_n_marks != NULL)
    *out_n_marks = n_marks;
  return marks;
}

gboolean
crm_startup_is_done (void)
{
  return done;
}
