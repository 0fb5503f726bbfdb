/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay.c — the main() a fuzz harness gets in the normal test suite (gcc, no libFuzzer):
 * feeds every file of the directories and files named on the command line to
 * LLVMFuzzerTestOneInput once, so the committed corpus and the inputs of crashes found
 * and fixed are replayed on every test run. Prints one TAP line per file. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"

static guint n_run;

static void
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("replay: %s\n", error->message);
      exit (1);
    }
  /* the input without its terminating NUL, as libFuzzer passes it: a copy of the exact
   * size, so a read past the end is not hidden by the NUL g_file_get_contents adds */
  {
    g_autofree guint8 *copy = g_memdup2 (contents, length);

    LLVMFuzzerTestOneInput (copy, length);
  }
  n_run++;
  printf ("ok %u %s\n", n_run, path);
  fflush (stdout);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
replay_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        replay_file (names->pdata[i]);
    }
  else
    replay_file (path);
}

int
main (int    argc,
      char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s DIR|FILE…\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    replay_path (argv[i]);
  if (n_run == 0)
    {
      g_printerr ("replay: no input found\n");
      return 1;
    }
  printf ("1..%u\n", n_run);
  return 0;
}
