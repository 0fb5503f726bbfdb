/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-app.c — `voronka-bench-app`: the real desktop app (CrmApplication, in this
 * process) opened on the large replica under the X display it is given. Prints the time
 * from the program's start to the first frame painted after the board's columns loaded
 * (GdkFrameClock "after-paint" of the board's frame clock) and the resident memory
 * (VmRSS) then. bench/run hands it a copy of the replica: the app may write to it.
 *
 * In the same run, first, a child of this program (`--baseline`) measures the floor the
 * app stands on: an AdwApplication with an empty AdwApplicationWindow of the app's
 * default size, same display, same renderer, same environment, timed the same way
 * (app.baseline_first_frame, app.baseline_memory). What is above that is Voronka's.
 * After the figures it prints the app's start-up phases (crm-startup.h) as comments,
 * and the GSK renderer both used and why: the app's own choice (crm-renderer.h: cairo
 * when OpenGL is a software rasterizer, as under Xvfb; GTK's GL renderer otherwise),
 * unless the caller set GSK_RENDERER.
 *
 * With --reloads N it then shows the contacts (or each --reload-view), scrolls the list to
 * its middle and reloads it N times, as an edit or a sync does: the CPU and the wall time of
 * a reload (the main loop waits for all of it) and the pages the model read for it. */
#define G_LOG_DOMAIN "voronka-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "bench-util.h"
#include "crm-application.h"
#include "crm-renderer.h"
#include "crm-startup.h"
#include "crm-board.h"
#include "crm-entity-list.h"
#include "crm-paged-model.h"
#include "crm-view.h"
#include "crm-window.h"

#define START_TIMEOUT_S 120
#define PAINT_TIMEOUT_S 10
/* the main window's default size (crm-window.ui, the gschema): the baseline's too */
#define WINDOW_WIDTH 1280
#define WINDOW_HEIGHT 800

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

/* The next frame @widget's frame clock paints, in bench_now_us () time (0: none within
 * PAINT_TIMEOUT_S). */
static gint64
wait_for_next_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  Frame frame = { 0 };
  gulong handler;
  gint64 deadline;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &frame);
  gtk_widget_queue_draw (widget);
  deadline = bench_now_us () + PAINT_TIMEOUT_S * G_USEC_PER_SEC;
  while (frame.painted_us == 0 && bench_now_us () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  return frame.painted_us;
}

/* A field of /proc/self/status in kB (0 when unknown). */
static gint64
status_kb (const char *field)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, key)) == NULL)
    return 0;
  return g_ascii_strtoll (line + strlen (key), NULL, 10);
}

/* What VmRSS is made of: anonymous memory (heap, GL buffers), file pages (libraries,
 * fonts, a memory-mapped replica) and shared memory (X shm images). */
static void
print_memory_parts (const char *who)
{
  printf ("# %s memory: RssAnon %.0f MB, RssFile %.0f MB, RssShmem %.0f MB\n", who,
          status_kb ("RssAnon") / 1024.0, status_kb ("RssFile") / 1024.0,
          status_kb ("RssShmem") / 1024.0);
  fflush (stdout);
}

/* CPU time this process used so far: on a busy machine the wall clock also counts
 * waiting for a core, this does not. */
static void
print_cpu_time (const char *who)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return;
  printf ("# %s CPU time: %.0f ms user, %.0f ms system\n", who,
          usage.ru_utime.tv_sec * 1e3 + usage.ru_utime.tv_usec / 1e3,
          usage.ru_stime.tv_sec * 1e3 + usage.ru_stime.tv_usec / 1e3);
  fflush (stdout);
}

static void
print_renderer (const char *who,
                GtkWidget  *widget)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  const char *chosen = g_getenv ("GSK_RENDERER");
  g_autofree char *why = NULL;

  if (chosen != NULL && *chosen != '\0')
    why = g_strdup_printf ("GSK_RENDERER=%s set by the caller", chosen);
  else if (crm_renderer_get_choice () != NULL)
    why = g_strdup_printf ("the app's choice: %s", crm_renderer_get_choice ());
  else
    why = g_strdup ("GTK's default");
  printf ("# %s renderer: %s (%s)\n", who,
          renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "none", why);
  fflush (stdout);
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

/* The list of view @name scrolled to its middle, reloaded @n times. */
static void
time_reloads (CrmApplication *app,
              const char     *name,
              guint           n)
{
  CrmWindow *window = CRM_WINDOW (crm_application_get_main_window (app));
  g_autoptr(BenchSamples) cpu = bench_samples_new ();
  g_autoptr(BenchSamples) wall = bench_samples_new ();
  g_autofree char *cpu_name = g_strdup_printf ("app.%s_reload_cpu", name);
  g_autofree char *wall_name = g_strdup_printf ("app.%s_reload_wall", name);
  g_autofree char *pages_name = g_strdup_printf ("app.%s_reload_pages", name);
  CrmEntityList *list;
  CrmPagedModel *model;
  GtkAdjustment *adjustment;
  guint pages = 0;

  if (window == NULL ||
      !gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s", name))
    {
      bench_skipped (cpu_name, "no such view");
      return;
    }
  iterate_for (1000);
  list = CRM_ENTITY_LIST (crm_window_get_page (window, name));
  model = crm_entity_list_get_model (list);
  adjustment = gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (crm_entity_list_get_view (list)),
                                                  GTK_TYPE_SCROLLED_WINDOW)));
  /* the list may still settle (its segments are read in a worker): until it stays there */
  for (guint i = 0; i < 10 && gtk_adjustment_get_value (adjustment) == 0; i++)
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) / 2);
      iterate_for (500);
    }
  g_printerr ("# %s: %u rows, scrolled to %.0f of %.0f px\n", name,
              g_list_model_get_n_items (G_LIST_MODEL (model)),
              gtk_adjustment_get_value (adjustment), gtk_adjustment_get_upper (adjustment));

  for (guint i = 0; i < n; i++)
    {
      guint fetches = crm_paged_model_get_n_fetches (model);
      gint64 cpu_start = bench_thread_cpu_us ();
      gint64 start = bench_now_us ();

      crm_view_reload (CRM_VIEW (list));
      bench_samples_add (wall, bench_now_us () - start);
      bench_samples_add (cpu, bench_thread_cpu_us () - cpu_start);
      pages += crm_paged_model_get_n_fetches (model) - fetches;
      iterate_for (300);
    }
  g_printerr ("# %s reload: CPU p50 %.1f ms, wall p50 %.1f ms\n", name,
              bench_samples_ms (cpu, 50), bench_samples_ms (wall, 50));
  bench_figure (cpu_name, bench_samples_ms (cpu, 95), "ms",
                "p95, the main thread's CPU time of one reload with rows in the middle shown");
  bench_figure (wall_name, bench_samples_ms (wall, 95), "ms",
                "p95, the main loop's stall for one reload");
  bench_figure (pages_name, (double) pages / n, "pages", "read per reload: the pages shown");
}

static void
destroy_windows (GtkApplication *app)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  iterate_for (50);
}

static void
print_phases (const char *who,
              gint64      start)
{
  guint n_marks = 0;
  const CrmStartupMark *marks = crm_startup_get_marks (&n_marks);
  gint64 previous = start;

  for (guint i = 0; i < n_marks; i++)
    {
      printf ("# %s phase: %-32s at %7.1f ms (+%.1f), VmRSS %.0f MB (files %.0f)\n", who,
              marks[i].name, (marks[i].time_us - start) / 1e3,
              (marks[i].time_us - previous) / 1e3, marks[i].rss_kb / 1024.0,
              marks[i].file_kb / 1024.0);
      previous = marks[i].time_us;
    }
  fflush (stdout);
}

/* ---- the baseline: GTK and libadwaita alone ---- */

static void
baseline_activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, WINDOW_HEIGHT);
  crm_startup_mark ("window built");
  gtk_window_present (GTK_WINDOW (window));
  crm_startup_mark ("window presented");
}

static int
run_baseline (void)
{
  gint64 start = bench_now_us ();
  g_autoptr(AdwApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *window = NULL;
  gint64 deadline, painted;

  crm_startup_record_memory (TRUE);
  crm_startup_mark ("main");
  if (!gtk_init_check ())
    {
      bench_skipped ("app.baseline_first_frame", "no display");
      bench_skipped ("app.baseline_memory", "no display");
      return 0;
    }
  app = adw_application_new ("org.voronka.Voronka.BenchBaseline", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (baseline_activate_cb), NULL);
  /* the renderer the app would choose here (crm-renderer.h), so that the difference
   * between the two is the app's own */
  crm_renderer_choose (gdk_display_get_default ());
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("bench-app: baseline: %s\n", error->message);
      return 1;
    }
  crm_startup_mark ("GTK and libadwaita started");
  g_application_activate (G_APPLICATION (app));

  deadline = start + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (((window = gtk_application_get_active_window (GTK_APPLICATION (app))) == NULL ||
          !gtk_widget_get_mapped (GTK_WIDGET (window))) && bench_now_us () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
    }
  if (window == NULL || (painted = wait_for_next_frame (GTK_WIDGET (window))) == 0)
    {
      g_printerr ("bench-app: baseline: no frame was painted\n");
      return 1;
    }
  crm_startup_mark (CRM_STARTUP_FIRST_FRAME);
  bench_figure ("app.baseline_first_frame", (painted - start) / 1e3, "ms",
                "none: an empty AdwApplicationWindow, GTK and libadwaita's floor here");
  bench_figure ("app.baseline_memory", status_kb ("VmRSS") / 1024.0, "MB",
                "none: VmRSS of the empty window at its first frame");
  print_memory_parts ("baseline");
  print_cpu_time ("baseline");
  print_renderer ("baseline", GTK_WIDGET (window));
  print_phases ("baseline", start);
  destroy_windows (GTK_APPLICATION (app));
  return 0;
}

/* Runs this program again with --baseline, its figures going to our stdout. */
static void
spawn_baseline (void)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_path, "--baseline", NULL };
  int status = 0;

  fflush (stdout);
  if (self_path == NULL ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("bench-app: the baseline did not run: %s\n",
                  error != NULL ? error->message : "no /proc/self/exe");
      bench_skipped ("app.baseline_first_frame", "the baseline did not run");
      bench_skipped ("app.baseline_memory", "the baseline did not run");
    }
}

/* ---- a picture of the window ---- */

static gboolean
save_screenshot (GtkWidget   *widget,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* ---- the app ---- */

int
main (int    argc,
      char **argv)
{
  gint64 start;
  g_autoptr(GOptionContext) context = g_option_context_new ("REPLICA");
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmApplication) app = NULL;
  char *app_path = NULL;
  char *screenshot = NULL;
  char *locale_dir = NULL;
  gboolean baseline = FALSE;
  int reloads = 0;
  g_auto(GStrv) reload_views = NULL;
  GtkWidget *board = NULL;
  gint64 deadline, painted;
  const GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &app_path,
      "The voronka program (unused: the app runs in this process)", "PATH" },
    { "baseline", 0, 0, G_OPTION_ARG_NONE, &baseline,
      "Measure an empty AdwApplicationWindow instead (run by the program itself)", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot,
      "Also save the window as a PNG after the figures", "FILE" },
    { "locale-dir", 0, 0, G_OPTION_ARG_FILENAME, &locale_dir,
      "Translations from here (an uninstalled build's po folder; with LANGUAGE=ru)", "DIR" },
    { "reloads", 0, 0, G_OPTION_ARG_INT, &reloads,
      "Then reload a list N times, scrolled to its middle", "N" },
    { "reload-view", 0, 0, G_OPTION_ARG_STRING_ARRAY, &reload_views,
      "The list to reload: contacts (the default) or companies; repeatable", "VIEW" },
    { NULL }
  };

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      (baseline ? argc != 1 : argc != 2))
    {
      g_printerr ("usage: voronka-bench-app [--app PATH] [--screenshot FILE] [--reloads N [--reload-view VIEW]] REPLICA\n");
      return 2;
    }
  g_free (app_path);
  if (locale_dir != NULL)
    bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  g_free (locale_dir);
  if (baseline)
    return run_baseline ();
  if (!g_file_test (argv[1], G_FILE_TEST_EXISTS))
    {
      g_printerr ("bench-app: %s does not exist\n", argv[1]);
      return 1;
    }

  /* the floor first, in a process of its own; then the app's clock starts */
  spawn_baseline ();
  start = bench_now_us ();
  crm_startup_record_memory (TRUE);
  crm_startup_mark ("main");

  if (!gtk_init_check ())
    {
      bench_skipped ("app.first_frame", "no display");
      bench_skipped ("app.memory", "no display");
      bench_skipped ("app.memory_settled", "no display");
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
  painted = wait_for_next_frame (board);
  if (painted == 0)
    {
      g_printerr ("bench-app: no frame was painted within %d s\n", PAINT_TIMEOUT_S);
      return 1;
    }
  g_printerr ("# board: %u columns\n", crm_board_get_n_columns (CRM_BOARD (board)));
  bench_figure ("app.first_frame", (painted - start) / 1e3, "ms", "≤ 500 ms");
  bench_figure ("app.memory", status_kb ("VmRSS") / 1024.0, "MB",
                "≤ 150 MB, VmRSS at the first frame");
  print_memory_parts ("app");
  print_cpu_time ("app");
  print_renderer ("app", board);
  print_phases ("app", start);
  iterate_for (1000);
  bench_figure ("app.memory_settled", status_kb ("VmRSS") / 1024.0, "MB", "VmRSS 1 s later");

  if (screenshot != NULL)
    {
      GtkWindow *window = crm_application_get_main_window (app);

      if (window == NULL || !save_screenshot (GTK_WIDGET (window), screenshot, &error))
        g_printerr ("bench-app: no screenshot: %s\n", error != NULL ? error->message : "no window");
      else
        g_printerr ("# screenshot: %s\n", screenshot);
      g_free (screenshot);
    }
  if (reloads > 0)
    {
      const char *const contacts_only[] = { "contacts", NULL };
      const char *const *views = reload_views != NULL ? (const char *const *) reload_views
                                                      : contacts_only;

      for (guint i = 0; views[i] != NULL; i++)
        time_reloads (app, views[i], (guint) MIN (reloads, 100));
    }

  destroy_windows (GTK_APPLICATION (app));
  return 0;
}
