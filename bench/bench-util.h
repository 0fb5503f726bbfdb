/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-util.h — what every benchmark program shares: a monotonic clock, samples with
 * percentiles, and the one way a figure is printed ("name: value unit (target …)"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Microseconds from a monotonic clock. */
gint64      bench_now_us         (void);
/* The CPU time this thread has used, in microseconds. */
gint64      bench_thread_cpu_us  (void);
/* utime + stime of process @pid (decimal) in µs, from /proc (0 when it is gone). */
gint64      bench_process_cpu_us (const char *pid);

/* Latencies in microseconds. */
typedef struct _BenchSamples BenchSamples;

BenchSamples *bench_samples_new     (void);
void          bench_samples_free    (BenchSamples *samples);
void          bench_samples_add     (BenchSamples *samples,
                                     gint64        microseconds);
guint         bench_samples_count   (BenchSamples *samples);
/* @percent in 0..100, nearest rank; milliseconds. */
double        bench_samples_ms      (BenchSamples *samples,
                                     double        percent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchSamples, bench_samples_free)

/* Prints "@name: @value @unit (target @target)" on a line of its own and flushes, so a
 * figure survives a later crash; @target NULL prints "(no target)". */
void        bench_figure         (const char *name,
                                  double      value,
                                  const char *unit,
                                  const char *target);
/* "@name: skipped: @reason" */
void        bench_skipped        (const char *name,
                                  const char *reason);

/* Size of a SQLite file with its -wal file, in bytes. */
gint64      bench_file_size      (const char *path);

/* Removes @path and its -wal/-shm/-journal files. */
void        bench_remove_db      (const char *path);

/* The clock the generator pinned in the replica (meta "bench.now"), 0 if none. */
gint64      bench_parse_now      (const char *text);

G_END_DECLS
