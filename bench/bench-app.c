/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-app.c — `voronka-bench-app`: the real desktop app (CrmApplication, in this
 * process) opened on the large replica under the X display it is given. Prints the time
 * from the program's start to the first frame painted after the board's columns loaded
 * (GdkFrameClock "after-paint" of the board's frame clock) and the resident memory
 * (VmRSS) then. bench/run hands it a copy of the replica: the app may write to it. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "bench-util.h"
#include "crm-application.h"
/* the app's board widget; core has a crm-board.h of its own (the board queries) */
#include "../src/app/crm-board.h"

#define START_TIMEOUT_S 120
#define PAINT_TIMEOUT_S 10

typedef struct {
  gint64 painted_us;
} Frame;

/* The first CrmBoard under @root, breadth first. */
static GtkWidget *
find_board (GtkWidget *root)
{
  GQueue queue = G_QUEUE_INIT;
  GtkWidget *found = NULL;

  g_queue_push_tail (&queue, root);
  while (found == NULL && !g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (CRM_IS_BOARD (widget))
        found = widget;
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
    }
  g_queue_clear (&queue);
  return found;
}

static GtkWidget *
board_ready (CrmApplication *app)
{
  GtkWindow *window = crm_application_get_main_window (app);
  GtkWidget *board;

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return NULL;
  board = find_board (GTK_WIDGET (window));
  if (board == NULL || !gtk_widget_get_mapped (board) || gtk_widget_get_width (board) <= 0 ||
      crm_board_get_n_columns (CRM_BOARD (board)) == 0)
    return NULL;
  return board;
}

static void
after_paint (GdkFrameClock *clock,
             gpointer       user_data)
{
  Frame *frame = user_data;

  if (frame->painted_us == 0)
    frame->painted_us = bench_now_us ();
}

/* VmRSS of this process in kB (0 when unknown). */
static gint64
resident_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10);
}

static void
iterate_for (guint ms)
{
  gint64 end = bench_now_us () + (gint64) ms * 1000;

  while (bench_now_us () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

int
main (int    argc,
      char **argv)
{
  gint64 start = bench_now_us ();
  g_autoptr(GOptionContext) context = g_option_context_new ("REPLICA");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmApplication) app = NULL;
  char *app_path = NULL;
  GtkWidget *board = NULL;
  GdkFrameClock *clock;
  Frame frame = { 0 };
  gulong handler;
  gint64 deadline;
  const GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &app_path,
      "The voronka program (unused: the app runs in this process)", "PATH" },
    { NULL }
  };

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  textdomain (GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("usage: voronka-bench-app [--app PATH] REPLICA\n");
      return 2;
    }
  g_free (app_path);
  if (!g_file_test (argv[1], G_FILE_TEST_EXISTS))
    {
      g_printerr ("bench-app: %s does not exist\n", argv[1]);
      return 1;
    }
  if (!gtk_init_check ())
    {
      bench_skipped ("app.first_frame", "no display");
      bench_skipped ("app.memory", "no display");
      return 0;
    }

  app = crm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  crm_application_set_db_path (app, argv[1]);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("bench-app: %s\n", error->message);
      return 1;
    }
  g_application_activate (G_APPLICATION (app));

  deadline = start + START_TIMEOUT_S * G_USEC_PER_SEC;
  while ((board = board_ready (app)) == NULL && bench_now_us () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
    }
  if (board == NULL)
    {
      g_printerr ("bench-app: the board was not shown within %d s\n", START_TIMEOUT_S);
      return 1;
    }

  /* the first frame painted with the columns in it */
  clock = gtk_widget_get_frame_clock (board);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &frame);
  gtk_widget_queue_draw (board);
  deadline = bench_now_us () + PAINT_TIMEOUT_S * G_USEC_PER_SEC;
  while (frame.painted_us == 0 && bench_now_us () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  if (frame.painted_us == 0)
    {
      g_printerr ("bench-app: no frame was painted within %d s\n", PAINT_TIMEOUT_S);
      return 1;
    }
  g_printerr ("# board: %u columns\n", crm_board_get_n_columns (CRM_BOARD (board)));
  bench_figure ("app.first_frame", (frame.painted_us - start) / 1e3, "ms", "≤ 500 ms");
  bench_figure ("app.memory", resident_kb () / 1024.0, "MB", "≤ 150 MB, VmRSS at the first frame");
  iterate_for (1000);
  bench_figure ("app.memory_settled", resident_kb () / 1024.0, "MB", "VmRSS 1 s later");

  {
    g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

    for (GList *l = windows; l != NULL; l = l->next)
      gtk_window_destroy (l->data);
  }
  iterate_for (50);
  return 0;
}
