/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-test-ui.h — what the UI tests share: a demo replica in a temporary folder, the
 * real application started on it (non-unique, so tests never meet a running Voronka),
 * waiting for the main loop, finding widgets, and PNG screenshots of real windows
 * (gtk_widget_paintable → GskRenderer → gdk_texture_save_to_png, RECIPES.md).
 * Also the fixtures most UI tests share: the demo opened in the app, the replica read
 * through a connection of the test's own, the built Russian catalog, the board's columns.
 * Header-only: each UI test program includes it once. */
#pragma once

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "config.h"
#include "crm-application.h"
#include "crm-board.h"
#include "crm-context.h"
#include "crm-demo.h"
#include "crm-gate-dialog.h"
#include "crm-query.h"
#include "crm-store.h"
#include "crm-template.h"
#include "crm-test-util.h"
#include "crm-window.h"

/* Quiet, memory-only settings and no accessibility bus: tests see only their own noise. */
static inline void
crm_test_ui_init (int    *argc,
                  char ***argv)
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  textdomain (GETTEXT_PACKAGE);
  g_test_init (argc, argv, NULL);
}

/* A truck-dealer replica with the demo data at @dir/demo.db; returns its path. */
static inline char *
crm_test_ui_make_demo (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) root = NULL;
  CrmDemoOptions options = { .seed = 1, .n_deals = 300, .n_contacts = 200, .n_companies = 60 };
  char *path = g_build_filename (dir, "demo.db", NULL);

  root = crm_template_load ("truck-dealer", &error);
  g_assert_no_error (error);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  g_assert_no_error (error);
  g_assert_true (crm_demo_populate (store, &options, &error));
  g_assert_no_error (error);
  return path;
}

/* Runs the main loop for @ms milliseconds. */
static inline void
crm_test_ui_wait (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

typedef gboolean (*CrmTestUiCondition) (gpointer data);

/* Runs the main loop until @condition holds (TRUE) or @timeout_ms passes (FALSE). */
static inline gboolean
crm_test_ui_wait_until (CrmTestUiCondition condition,
                        gpointer           data,
                        guint              timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static inline gboolean
crm_test_ui_widget_is_drawn (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* The real application on @db_path (the welcome window when it does not exist). */
static inline CrmApplication *
crm_test_ui_start (const char *db_path)
{
  g_autoptr(GError) error = NULL;
  CrmApplication *app;

  /* The app may store a sign-in: an unlocked keyring first (without a session bus the app
   * keeps it in a file). Not in crm_test_ui_init(): a GLib call translated there, before a
   * test chose its language, would fix GLib's "translate or not" for the whole process. */
  crm_test_start_keyring (FALSE);
  app = crm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  crm_application_set_db_path (app, db_path);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* Transitions finish at once: a screenshot shows the page, not a crossfade. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_application_activate (G_APPLICATION (app));
  return app;
}

/* The main window of @app once it is on screen. */
static inline CrmWindow *
crm_test_ui_main_window (CrmApplication *app)
{
  GtkWindow *window = crm_application_get_main_window (app);

  g_assert_nonnull (window);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, window, 10000));
  crm_test_ui_wait (200);
  return CRM_WINDOW (window);
}

/* Closes every window and lets the app go. */
static inline void
crm_test_ui_stop (CrmApplication *app)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  crm_test_ui_wait (50);
  g_object_unref (app);
}

/* A toplevel window of @type other than the main one (a dialog), or NULL. */
static inline GtkWindow *
crm_test_ui_find_window (GType type)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

typedef struct {
  GType type;
} CrmTestUiWindowQuery;

static inline gboolean
crm_test_ui_window_shown (gpointer data)
{
  CrmTestUiWindowQuery *query = data;
  GtkWindow *window = crm_test_ui_find_window (query->type);

  return window != NULL && crm_test_ui_widget_is_drawn (window);
}

/* Waits for a window of @type to be drawn and returns it. */
static inline GtkWindow *
crm_test_ui_wait_for_window (GType type)
{
  CrmTestUiWindowQuery query = { type };

  g_assert_true (crm_test_ui_wait_until (crm_test_ui_window_shown, &query, 10000));
  crm_test_ui_wait (150);
  return crm_test_ui_find_window (type);
}

static inline gboolean
crm_test_ui_widget_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

/* The first descendant of @root of @type whose "title" or "label" is @text (any when
 * @text is NULL), breadth first. */
static inline GtkWidget *
crm_test_ui_find (GtkWidget  *root,
                  GType       type,
                  const char *text)
{
  GQueue queue = G_QUEUE_INIT;

  g_queue_push_tail (&queue, root);
  while (!g_queue_is_empty (&queue))
    {
      GtkWidget *widget = g_queue_pop_head (&queue);

      if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
        {
          g_autofree char *value = NULL;

          if (text == NULL)
            goto found;
          if (g_object_class_find_property (G_OBJECT_GET_CLASS (widget), "title") != NULL)
            g_object_get (widget, "title", &value, NULL);
          if (value == NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (widget), "label") != NULL)
            g_object_get (widget, "label", &value, NULL);
          if (g_strcmp0 (value, text) == 0)
            goto found;
        }
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_queue_push_tail (&queue, child);
      continue;
    found:
      g_queue_clear (&queue);
      return widget;
    }
  return NULL;
}

/* Clicks the response button labelled @label (its mnemonic label, "_Send") of the
 * AdwMessageDialog @dialog as a person does, and waits until the dialog is gone. (A
 * clicked response closes the dialog; adw_message_dialog_response() alone does not in
 * libadwaita 1.2, so a test that calls it leaves the dialog on screen.) */
static inline void
crm_test_ui_respond (GtkWindow  *dialog,
                     const char *label)
{
  g_autoptr(GtkWidget) held = g_object_ref (GTK_WIDGET (dialog));
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_hidden, held, 10000));
}

/* Saves what @widget shows to $VORONKA_SCREENSHOT_DIR/@name.png (skipped without the
 * variable). Returns the path, or NULL. */
static inline char *
crm_test_ui_screenshot (GtkWidget  *widget,
                        const char *name)
{
  const char *dir = g_getenv ("VORONKA_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  graphene_rect_t bounds;
  int width = 0, height = 0;
  char *path;

  if (dir == NULL || *dir == '\0')
    return NULL;
  g_mkdir_with_parents (dir, 0755);
  crm_test_ui_wait (300);  /* let transitions and idle layouts settle */

  /* A widget not laid out yet, or with a redraw queued, has no picture until the next
   * frame (a busy machine paints late): wait for one, a bounded number of times. */
  for (guint attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      if (attempt > 0)
        crm_test_ui_wait (100);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      if (width <= 0)
        continue;
      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_cmpint (width, >, 0);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  gsk_render_node_get_bounds (node, &bounds);
  bounds.origin.x = MAX (bounds.origin.x, 0);
  bounds.origin.y = MAX (bounds.origin.y, 0);
  bounds.size.width = width;
  bounds.size.height = height;
  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return path;
}

/* A demo replica in a new temporary folder and the real app open on it, its main window
 * on screen; crm_test_ui_close_demo() undoes it all. */
static inline void
crm_test_ui_open_demo (char           **tmpdir,
                       char           **db_path,
                       CrmApplication **app,
                       CrmWindow      **window)
{
  *tmpdir = crm_test_make_tmpdir ();
  *db_path = crm_test_ui_make_demo (*tmpdir);
  *app = crm_test_ui_start (*db_path);
  *window = crm_test_ui_main_window (*app);
}

/* Closes the app, removes the folder and frees both names. */
static inline void
crm_test_ui_close_demo (CrmApplication *app,
                        char           *tmpdir,
                        char           *db_path)
{
  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (db_path);
}

/* The replica at @db_path through a connection of the test's own. */
static inline CrmStore *
crm_test_ui_open_replica (const char *db_path)
{
  g_autoptr(GError) error = NULL;
  CrmStore *store = crm_store_open (db_path, &error);

  g_assert_no_error (error);
  return store;
}

/* What the replica at @db_path says now of the deal @deal_id (which must exist). */
static inline JsonObject *
crm_test_ui_replica_deal (const char *db_path,
                          const char *deal_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  JsonObject *deal = crm_query_deal (store, deal_id, &error);

  g_assert_no_error (error);
  return deal;
}

/* This process in Russian, from the built catalog: returns its folder (owned), or fails
 * the test saying the translation is not built and returns NULL. */
static inline char *
crm_test_ui_use_russian (void)
{
  char *po_dir = crm_test_built_translations ();

  if (po_dir == NULL)
    {
      crm_test_fail_missing ("the Russian translation is not built");
      return NULL;
    }
  g_setenv ("LANGUAGE", "ru", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  return po_dir;
}

/* A test that runs @run in Russian in a process of its own (one application per
 * process), on the replica at @db_path: in that process, @run finds the replica's path
 * in the environment variable VORONKA_TEST_UI_DB. @probe is a message the app
 * translates: the test fails when it comes back untranslated (a C library that ignores
 * LANGUAGE). */
static inline void
crm_test_ui_in_russian (const char  *probe,
                        const char  *db_path,
                        void       (*run) (void))
{
  g_autofree char *po_dir = NULL;

  if (g_test_subprocess ())
    {
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("VORONKA_TEST_PO_DIR"));
      run ();
      return;
    }
  po_dir = crm_test_ui_use_russian ();
  if (po_dir == NULL)
    return;
  if (g_strcmp0 (_(probe), probe) == 0)
    {
      g_unsetenv ("LANGUAGE");
      crm_test_fail_missing ("this system's C library ignores LANGUAGE here, or a message "
                             "of the app is not translated");
      return;
    }
  g_setenv ("VORONKA_TEST_UI_DB", db_path, TRUE);
  g_setenv ("VORONKA_TEST_PO_DIR", po_dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                   G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_unsetenv ("LANGUAGE");
}

/* A test that runs @run in a process of its own: in Russian when @russian, else in
 * English (no LANGUAGE). */
static inline void
crm_test_ui_in_subprocess (gboolean   russian,
                           void     (*run) (void))
{
  g_autofree char *po_dir = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  if (!russian)
    g_unsetenv ("LANGUAGE");
  else if ((po_dir = crm_test_ui_use_russian ()) == NULL)
    return;
  run ();
}

/* A CrmTestUiCondition: no gate dialog is open (any more). */
static inline gboolean
crm_test_ui_no_gate_dialog (gpointer data)
{
  return crm_test_ui_find_window (CRM_TYPE_GATE_DIALOG) == NULL;
}

/* The column of the stage named @name on @window's board (which must have it). */
static inline CrmBoardColumn *
crm_test_ui_column_named (CrmWindow  *window,
                          const char *name)
{
  CrmBoard *board = CRM_BOARD (crm_window_get_page (window, "board"));
  CrmContext *context = crm_window_get_context (window);

  for (guint i = 0; i < crm_board_get_n_columns (board); i++)
    {
      CrmBoardColumn *column = crm_board_get_column (board, i);
      JsonObject *stage = crm_context_find_stage (context, crm_board_column_get_stage_id (column), NULL);

      if (g_strcmp0 (json_object_get_string_member (stage, "name"), name) == 0)
        return column;
    }
  g_assert_not_reached ();
  return NULL;
}

/* ---- real input: xdotool through the X server's XTEST (the UI tests run under Xvfb) ---- */

/* @window's X window id, as xdotool's --window takes it; NULL, failing the test as a
 * missing part, when the display is not X11. */
static inline char *
crm_test_ui_xid (GtkWindow *window)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  if (GDK_IS_X11_SURFACE (surface))
    return g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (surface));
#endif
  crm_test_fail_missing ("the display is not X11 (the UI tests run under Xvfb)");
  return NULL;
}

/* Where @widget's point (@x, @y) is in the coordinates of @window's X window (what
 * xdotool's --window takes): widget coordinates plus the surface's own offset (CSD
 * shadows). */
static inline void
crm_test_ui_window_point (GtkWindow *window,
                          GtkWidget *widget,
                          double     x,
                          double     y,
                          int       *out_x,
                          int       *out_y)
{
  graphene_point_t in = GRAPHENE_POINT_INIT (x, y);
  graphene_point_t out;
  double sx = 0, sy = 0;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (window), &in, &out));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &sx, &sy);
  *out_x = (int) (out.x + sx);
  *out_y = (int) (out.y + sy);
}

static inline void
crm_test_ui_xdotool_done_cb (GPid     pid,
                             int      status,
                             gpointer data)
{
  int *out = data;

  *out = g_spawn_check_wait_status (status, NULL) ? 0 : 1;
  g_spawn_close_pid (pid);
}

static inline gboolean
crm_test_ui_xdotool_finished (gpointer data)
{
  return *(int *) data >= 0;
}

/* Runs xdotool with the arguments @args (its commands: "mousemove", "--window", XID, …)
 * and waits, the main loop running, until it is done; the app's own controllers see real
 * events. FALSE, failing the test as a missing part, without xdotool. */
static inline gboolean
crm_test_ui_xdotool (GPtrArray *args)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int finished = -1;
  GPid pid;

  if (xdotool == NULL)
    {
      crm_test_fail_missing ("xdotool is not installed (build-aux/voronka installs it)");
      return FALSE;
    }
  g_ptr_array_add (argv, xdotool);
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, args->pdata[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  g_child_watch_add (pid, crm_test_ui_xdotool_done_cb, &finished);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_xdotool_finished, &finished, 20000));
  g_assert_cmpint (finished, ==, 0);
  return TRUE;
}
