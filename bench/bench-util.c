/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-util.c — clock, percentiles and figure lines for the benchmark programs. */
#define G_LOG_DOMAIN "voronka-bench"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-util.h"
#include "crm-time.h"

struct _BenchSamples
{
  GArray   *values;   /* gint64 microseconds */
  gboolean  sorted;
};

gint64
bench_now_us (void)
{
  return g_get_monotonic_time ();
}

gint64
bench_thread_cpu_us (void)
{
  struct timespec now;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    return 0;
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

gint64
bench_process_cpu_us (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return 0;
  /* after the command: state is field 3, utime 14, stime 15 */
  fields = g_strsplit (after + 2, " ", 16);
  if (g_strv_length (fields) < 14)
    return 0;
  return (g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10)) *
         G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);
}

BenchSamples *
bench_samples_new (void)
{
  BenchSamples *samples = g_new0 (BenchSamples, 1);

  samples->values = g_array_new (FALSE, FALSE, sizeof (gint64));
  return samples;
}

void
bench_samples_free (BenchSamples *samples)
{
  if (samples == NULL)
    return;
  g_array_unref (samples->values);
  g_free (samples);
}

void
bench_samples_add (BenchSamples *samples,
                   gint64        microseconds)
{
  g_array_append_val (samples->values, microseconds);
  samples->sorted = FALSE;
}

guint
bench_samples_count (BenchSamples *samples)
{
  return samples->values->len;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

double
bench_samples_ms (BenchSamples *samples,
                  double        percent)
{
  guint n = samples->values->len;
  guint rank;

  if (n == 0)
    return 0;
  if (!samples->sorted)
    {
      g_array_sort (samples->values, compare_gint64);
      samples->sorted = TRUE;
    }
  /* nearest rank: the smallest value with at least @percent of the samples at or
   * below it */
  rank = (guint) (percent / 100.0 * n + 0.999999);
  rank = CLAMP (rank, 1, n);
  return g_array_index (samples->values, gint64, rank - 1) / 1000.0;
}

void
bench_figure (const char *name,
              double      value,
              const char *unit,
              const char *target)
{
  const char *format = value >= 100 ? "%s: %.0f %s" : value >= 10 ? "%s: %.1f %s"
                                                                  : "%s: %.2f %s";

  printf (format, name, value, unit);
  if (target != NULL)
    printf (" (target %s)\n", target);
  else
    printf (" (no target)\n");
  fflush (stdout);
}

void
bench_skipped (const char *name,
               const char *reason)
{
  printf ("%s: skipped: %s\n", name, reason);
  fflush (stdout);
}

gint64
bench_file_size (const char *path)
{
  static const char *const suffixes[] = { "", "-wal" };
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      GStatBuf buf;

      if (g_stat (file, &buf) == 0)
        total += buf.st_size;
    }
  return total;
}

void
bench_remove_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

gint64
bench_parse_now (const char *text)
{
  gint64 now = 0;

  if (text == NULL || !crm_time_parse (text, &now))
    return 0;
  return now;
}
