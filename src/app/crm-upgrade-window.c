/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-upgrade-window.c — start-up over a replica of an older schema. Its migrations can
 * take long (schema 21 rebuilds the contact search tables: 21 s for 100 000 contacts), so
 * the store is opened in a worker thread (GTask, crm_store_open_full()) while this window
 * says what happens; the store the worker opened is handed to the main thread only once
 * the worker is done (a CrmStore keeps no thread or main context) and used there alone.
 *
 * Progress: the update tells its step (of how many) and, from SQLite's progress handler,
 * that a step works on; the bar pulses when it did since the last look (a step's share
 * of its work is not known: schema 20's fill is one INSERT … SELECT, and SQLite does not
 * say how far one statement got).
 *
 * Once the steps are done, opening gives back the space the old tables left free when it is
 * a large share of the file (crm_store_reclaim_space(): schema 27 rewrites the changelog,
 * 496 → 658 MB for a large replica otherwise): the update tells a step past the last, and
 * the window says the disk space is given back. It is the same worker, before the store is
 * handed over, so the copy's write lock never holds up a write of the app's.
 *
 * Closing the window while it works cancels the update: the step in progress is
 * interrupted and rolled back (each step is one transaction), and the app is held until
 * the worker has returned and its connection is closed.
 *
 * Tests: VORONKA_TEST_UPGRADE_HOLD names a file; the worker pauses before the first step
 * until it exists (at most a minute), so a test sees the window whatever the machine's
 * speed. It only pauses: the update that follows is the real one. VORONKA_TEST_RECLAIM_HOLD
 * does the same before the free space is given back. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-replica-file.h"
#include "crm-startup.h"
#include "crm-store.h"
#include "crm-upgrade-window.h"

#define HOLD_ENV "VORONKA_TEST_UPGRADE_HOLD"
#define RECLAIM_HOLD_ENV "VORONKA_TEST_RECLAIM_HOLD"
#define HOLD_LIMIT_US (60 * G_USEC_PER_SEC)

/* What the window and its worker share (an atomic reference-counted box): the numbers
 * the worker sets and the window's timer reads are atomic; the rest is set before the
 * worker starts, or only read and written in the main thread (held). */
typedef struct {
  char           *path;
  char           *hold_file;   /* the test's pause, or NULL */
  char           *reclaim_hold_file;  /* the test's pause before the space is given back */
  GCancellable   *cancellable;
  CrmApplication *app;
  GWeakRef        window;
  gint            step;        /* the step under way, from 1; 0 before the first;
                                * n_steps + 1: the free space is given back */
  gint            n_steps;
  gint            ticks;       /* times the update said it works on */
  gboolean        hold_done;   /* worker only */
  gboolean        reclaim_hold_done;  /* worker only */
  gboolean        held;        /* main thread: the app is held until the worker returns */
} Upgrade;

struct _CrmUpgradeWindow
{
  AdwApplicationWindow  parent_instance;

  Upgrade              *upgrade;      /* NULL once the worker returned */
  guint                 timer_id;
  gint                  last_ticks;
  gboolean              disposed;
  char                 *step_text;
  char                 *error_text;

  AdwStatusPage        *status_page;
  GtkProgressBar       *progress_bar;
  GtkLabel             *step_label;
  GtkLabel             *error_label;
  GtkWidget            *error_buttons;
};

G_DEFINE_FINAL_TYPE (CrmUpgradeWindow, crm_upgrade_window, ADW_TYPE_APPLICATION_WINDOW)

static void
upgrade_clear (gpointer data)
{
  Upgrade *upgrade = data;

  g_free (upgrade->path);
  g_free (upgrade->hold_file);
  g_free (upgrade->reclaim_hold_file);
  g_clear_object (&upgrade->cancellable);
  g_clear_object (&upgrade->app);
  g_weak_ref_clear (&upgrade->window);
}

static void
upgrade_unref (Upgrade *upgrade)
{
  g_atomic_rc_box_release_full (upgrade, upgrade_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Upgrade, upgrade_unref)

gboolean
crm_upgrade_window_needed (const char *path)
{
  gint schema;

  g_return_val_if_fail (path != NULL, FALSE);

  /* 0: an empty file or another program's database, which opening refuses at once */
  schema = crm_replica_file_schema (path, NULL);
  return schema > 0 && schema < CRM_SCHEMA_VERSION;
}

/* --- the worker ------------------------------------------------------------------- */

static void
hold_for_test (Upgrade    *upgrade,
               const char *hold_file)
{
  gint64 end = g_get_monotonic_time () + HOLD_LIMIT_US;

  while (!g_file_test (hold_file, G_FILE_TEST_EXISTS) &&
         !g_cancellable_is_cancelled (upgrade->cancellable) &&
         g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
}

/* In the worker: the update's step, or that it works on. */
static void
progress_cb (guint    step,
             guint    n_steps,
             gpointer data)
{
  Upgrade *upgrade = data;

  g_atomic_int_set (&upgrade->n_steps, (gint) n_steps);
  g_atomic_int_set (&upgrade->step, (gint) step + 1);
  g_atomic_int_inc (&upgrade->ticks);
  if (upgrade->hold_file != NULL && !upgrade->hold_done)
    {
      upgrade->hold_done = TRUE;
      hold_for_test (upgrade, upgrade->hold_file);
    }
  if (step == n_steps && upgrade->reclaim_hold_file != NULL && !upgrade->reclaim_hold_done)
    {
      upgrade->reclaim_hold_done = TRUE;
      hold_for_test (upgrade, upgrade->reclaim_hold_file);
    }
}

static void
open_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Upgrade *upgrade = task_data;
  GError *error = NULL;
  CrmStore *store = crm_store_open_full (upgrade->path, progress_cb, upgrade, cancellable,
                                         &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

/* --- the window ------------------------------------------------------------------- */

static void
stop_timer (CrmUpgradeWindow *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

static gboolean
timer_cb (gpointer data)
{
  CrmUpgradeWindow *self = data;
  Upgrade *upgrade = self->upgrade;
  gint step, ticks;

  if (upgrade == NULL)
    return G_SOURCE_CONTINUE;
  step = g_atomic_int_get (&upgrade->step);
  ticks = g_atomic_int_get (&upgrade->ticks);
  if (step > 0)
    {
      gint n_steps = g_atomic_int_get (&upgrade->n_steps);
      g_autofree char *text = NULL;

      if (step > n_steps)
        text = g_strdup (_("Giving back the disk space the old format took…"));
      else
        /* Translators: how far the update of the replica got, e.g. "Step 1 of 2" */
        text = g_strdup_printf (_("Step %d of %d"), step, n_steps);
      if (g_strcmp0 (text, self->step_text) != 0)
        {
          g_free (self->step_text);
          self->step_text = g_steal_pointer (&text);
          gtk_label_set_label (self->step_label, self->step_text);
        }
    }
  /* the bar moves when the update did */
  if (ticks != self->last_ticks)
    {
      self->last_ticks = ticks;
      gtk_progress_bar_pulse (self->progress_bar);
    }
  return G_SOURCE_CONTINUE;
}

static void
show_error (CrmUpgradeWindow *self,
            const char       *message)
{
  stop_timer (self);
  g_free (self->error_text);
  self->error_text = g_strdup (message);
  adw_status_page_set_title (self->status_page, _("Could Not Update the Data"));
  adw_status_page_set_description (self->status_page, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->step_label), FALSE);
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  gtk_widget_set_visible (self->error_buttons, TRUE);
}

/* In the main thread, once the worker returned. */
static void
opened_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(Upgrade) upgrade = data;
  g_autoptr(CrmUpgradeWindow) self = g_weak_ref_get (&upgrade->window);
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = g_task_propagate_pointer (G_TASK (result), &error);
  if (upgrade->held)
    {
      /* the window was closed: the store (if the update ended first) closes now */
      g_clear_object (&store);
      g_application_release (G_APPLICATION (upgrade->app));
      return;
    }
  if (self == NULL)
    return;
  g_clear_pointer (&self->upgrade, upgrade_unref);
  if (store == NULL)
    {
      g_message ("Could not update the replica %s: %s", upgrade->path, error->message);
      show_error (self, error->message);
      return;
    }
  stop_timer (self);
  crm_startup_mark ("replica opened");
  /* this closes the window */
  crm_application_show_store (upgrade->app, store);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         data)
{
  g_autoptr(CrmUpgradeWindow) self = data;
  g_autoptr(GFile) file = NULL;
  GtkApplication *app;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  app = gtk_window_get_application (GTK_WINDOW (self));
  if (file == NULL || g_file_peek_path (file) == NULL || !CRM_IS_APPLICATION (app))
    return;
  crm_application_set_db_path (CRM_APPLICATION (app), g_file_peek_path (file));
  /* a new upgrade window, or the main window, or the welcome window with its error: each
   * closes this one or stands beside it */
  crm_application_start_replica (CRM_APPLICATION (app), g_file_peek_path (file));
  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
open_other_clicked_cb (CrmUpgradeWindow *self)
{
  GtkFileChooserNative *chooser;

  /* GtkFileDialog is GTK 4.10 */
  chooser = gtk_file_chooser_native_new (_("Open a Replica"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
close_clicked_cb (CrmUpgradeWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

/* The window goes while the worker works: cancel it and keep the app until it returned. */
static void
abandon (CrmUpgradeWindow *self)
{
  Upgrade *upgrade = g_steal_pointer (&self->upgrade);

  if (upgrade == NULL)
    return;
  upgrade->held = TRUE;
  g_application_hold (G_APPLICATION (upgrade->app));
  g_cancellable_cancel (upgrade->cancellable);
  upgrade_unref (upgrade);
}

static void
crm_upgrade_window_dispose (GObject *object)
{
  CrmUpgradeWindow *self = CRM_UPGRADE_WINDOW (object);

  self->disposed = TRUE;
  stop_timer (self);
  abandon (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_UPGRADE_WINDOW);
  G_OBJECT_CLASS (crm_upgrade_window_parent_class)->dispose (object);
}

static void
crm_upgrade_window_finalize (GObject *object)
{
  CrmUpgradeWindow *self = CRM_UPGRADE_WINDOW (object);

  g_free (self->step_text);
  g_free (self->error_text);
  G_OBJECT_CLASS (crm_upgrade_window_parent_class)->finalize (object);
}

static void
crm_upgrade_window_class_init (CrmUpgradeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_upgrade_window_dispose;
  object_class->finalize = crm_upgrade_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-upgrade-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmUpgradeWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, CrmUpgradeWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CrmUpgradeWindow, step_label);
  gtk_widget_class_bind_template_child (widget_class, CrmUpgradeWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CrmUpgradeWindow, error_buttons);
  gtk_widget_class_bind_template_callback (widget_class, open_other_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_clicked_cb);
}

static void
crm_upgrade_window_init (CrmUpgradeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmUpgradeWindow *
crm_upgrade_window_new (CrmApplication *app,
                        const char     *path)
{
  CrmUpgradeWindow *self;
  g_autoptr(GTask) task = NULL;
  Upgrade *upgrade;
  const char *hold = g_getenv (HOLD_ENV);
  const char *reclaim_hold = g_getenv (RECLAIM_HOLD_ENV);

  g_return_val_if_fail (CRM_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (CRM_TYPE_UPGRADE_WINDOW, "application", app, NULL);
  upgrade = g_atomic_rc_box_new0 (Upgrade);
  upgrade->path = g_strdup (path);
  upgrade->hold_file = hold != NULL && *hold != '\0' ? g_strdup (hold) : NULL;
  upgrade->reclaim_hold_file = reclaim_hold != NULL && *reclaim_hold != '\0'
                               ? g_strdup (reclaim_hold) : NULL;
  upgrade->cancellable = g_cancellable_new ();
  upgrade->app = g_object_ref (app);
  g_weak_ref_init (&upgrade->window, self);
  self->upgrade = upgrade;

  task = g_task_new (NULL, upgrade->cancellable, opened_cb, g_atomic_rc_box_acquire (upgrade));
  g_task_set_source_tag (task, crm_upgrade_window_new);
  g_task_set_task_data (task, g_atomic_rc_box_acquire (upgrade), (GDestroyNotify) upgrade_unref);
  g_task_run_in_thread (task, open_in_thread);
  self->timer_id = g_timeout_add (100, timer_cb, self);
  return self;
}

const char *
crm_upgrade_window_get_error (CrmUpgradeWindow *self)
{
  g_return_val_if_fail (CRM_IS_UPGRADE_WINDOW (self), NULL);
  return self->error_text;
}

const char *
crm_upgrade_window_get_step (CrmUpgradeWindow *self)
{
  g_return_val_if_fail (CRM_IS_UPGRADE_WINDOW (self), NULL);
  return self->step_text;
}
