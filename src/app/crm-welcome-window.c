/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-welcome-window.c — the first-run window. A local account is a new replica made
 * from a template in one change set (demo data optional for the truck dealer), written by a
 * worker while the window shows it is busy; signing
 * in hands over to CrmSigninDialog, whose first sync creates the replica. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "crm-demo.h"
#include "crm-signin-dialog.h"
#include "crm-template.h"
#include "crm-welcome-window.h"
#include "crm-window.h"

#define DEMO_TEMPLATE "truck-dealer"

struct _CrmWelcomeWindow
{
  AdwApplicationWindow  parent_instance;

  char                 *path;
  GHashTable           *checks;        /* template name → GtkCheckButton (borrowed) */

  AdwPreferencesGroup  *template_group;
  AdwActionRow         *demo_row;
  GtkSwitch            *demo_switch;
  GtkLabel             *error_label;
  GtkLabel             *path_label;
  GtkWidget            *create_button;
  GtkSpinner           *create_spinner;
};

G_DEFINE_FINAL_TYPE (CrmWelcomeWindow, crm_welcome_window, ADW_TYPE_APPLICATION_WINDOW)

static char *
chosen_template (CrmWelcomeWindow *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->checks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (value)))
      return g_strdup (key);
  return NULL;
}

static void
template_toggled_cb (CrmWelcomeWindow *self)
{
  g_autofree char *name = chosen_template (self);
  gboolean demo = g_strcmp0 (name, DEMO_TEMPLATE) == 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_row), demo);
  if (!demo)
    gtk_switch_set_active (self->demo_switch, FALSE);
}

static void
fill_templates (CrmWelcomeWindow *self)
{
  g_auto(GStrv) names = crm_template_list ();
  GtkCheckButton *first = NULL;

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(JsonNode) root = crm_template_load (names[i], NULL);
      JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     object != NULL ? json_object_get_string_member_with_default (object, "title", names[i])
                                                    : names[i]);
      if (object != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                     json_object_get_string_member_with_default (object, "description", ""));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (first != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), first);
      else
        first = GTK_CHECK_BUTTON (check);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (template_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->template_group, row);
      g_hash_table_insert (self->checks, g_strdup (names[i]), check);
    }
  if (!crm_welcome_window_choose_template (self, DEMO_TEMPLATE) && first != NULL)
    gtk_check_button_set_active (first, TRUE);
}

static void
remove_replica (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", NULL };

  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

/* What a new local account is made of, for the worker that writes it. */
typedef struct {
  char     *path;
  char     *template_name;
  gboolean  demo;
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_free (data->path);
  g_free (data->template_name);
  g_free (data);
}

/* In a worker: the replica from the template (and the demo data), written and closed. */
static void
create_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CreateData *data = task_data;
  g_autofree char *dir = g_path_get_dirname (data->path);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                               _("Cannot create the folder %s: %s"), dir,
                               g_strerror (saved_errno));
      return;
    }
  if ((root = crm_template_load (data->template_name, &error)) == NULL ||
      (store = crm_store_create (data->path, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ok = crm_template_apply (store, root, &error);
  if (ok && data->demo)
    {
      CrmDemoOptions options = { .seed = 1, .n_deals = 300, .n_contacts = 200, .n_companies = 60 };

      ok = crm_demo_populate (store, &options, &error);
    }
  g_clear_object (&store);
  if (!ok)
    {
      remove_replica (data->path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
set_busy (CrmWelcomeWindow *self,
          gboolean          busy)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->template_group), !busy);
  gtk_widget_set_sensitive (self->create_button, !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->create_spinner), busy);
  gtk_spinner_set_spinning (self->create_spinner, busy);
  gtk_button_set_label (GTK_BUTTON (self->create_button),
                        busy ? _("Creating the Account…") : _("_Create Account"));
}

void
crm_welcome_window_create_async (CrmWelcomeWindow    *self,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CreateData *data;

  g_return_if_fail (CRM_IS_WELCOME_WINDOW (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, crm_welcome_window_create_async);
  data = g_new0 (CreateData, 1);
  data->template_name = chosen_template (self);
  if (data->template_name == NULL)
    {
      create_data_free (data);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Choose a template"));
      return;
    }
  data->path = g_strdup (self->path);
  data->demo = gtk_switch_get_active (self->demo_switch);
  g_task_set_task_data (task, data, (GDestroyNotify) create_data_free);
  crm_welcome_window_show_error (self, NULL);
  set_busy (self, TRUE);
  g_task_run_in_thread (task, create_thread);
}

gboolean
crm_welcome_window_create_finish (CrmWelcomeWindow  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  GtkApplication *app;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  set_busy (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  /* a new replica of the current schema: it opens at once (this destroys the window) */
  app = gtk_window_get_application (GTK_WINDOW (self));
  if (CRM_IS_APPLICATION (app))
    return crm_application_open_replica (CRM_APPLICATION (app), self->path, error) != NULL;
  return TRUE;
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  CrmWelcomeWindow *self = CRM_WELCOME_WINDOW (object);
  g_autoptr(GError) error = NULL;

  if (!crm_welcome_window_create_finish (self, result, &error))
    crm_welcome_window_show_error (self, error->message);
}

static void
create_clicked_cb (CrmWelcomeWindow *self)
{
  crm_welcome_window_create_async (self, created_cb, NULL);
}

static void
signed_in_cb (CrmWelcomeWindow *self,
              const char       *path,
              CrmSigninDialog  *dialog)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!CRM_IS_APPLICATION (app))
    return;
  /* as start-up opens it: a copy an older server wrote is updated behind the upgrade
   * window, not on this window's main loop; an error comes back to this window */
  crm_application_set_sign_in_token (CRM_APPLICATION (app),
                                     crm_signin_dialog_get_token (dialog));
  crm_application_start_replica (CRM_APPLICATION (app), path);
}

GtkWindow *
crm_welcome_window_sign_in (CrmWelcomeWindow *self)
{
  CrmSigninDialog *dialog;

  g_return_val_if_fail (CRM_IS_WELCOME_WINDOW (self), NULL);

  dialog = crm_signin_dialog_new (GTK_WINDOW (self), self->path, NULL);
  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (signed_in_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
sign_in_clicked_cb (CrmWelcomeWindow *self)
{
  crm_welcome_window_sign_in (self);
}

static void
crm_welcome_window_finalize (GObject *object)
{
  CrmWelcomeWindow *self = CRM_WELCOME_WINDOW (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->checks, g_hash_table_unref);
  G_OBJECT_CLASS (crm_welcome_window_parent_class)->finalize (object);
}

static void
crm_welcome_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_WELCOME_WINDOW);
  G_OBJECT_CLASS (crm_welcome_window_parent_class)->dispose (object);
}

static void
crm_welcome_window_class_init (CrmWelcomeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_welcome_window_dispose;
  object_class->finalize = crm_welcome_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-welcome-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, template_group);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, demo_row);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, demo_switch);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, path_label);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, create_button);
  gtk_widget_class_bind_template_child (widget_class, CrmWelcomeWindow, create_spinner);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
}

static void
crm_welcome_window_init (CrmWelcomeWindow *self)
{
  self->checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

CrmWelcomeWindow *
crm_welcome_window_new (CrmApplication *app,
                        const char     *path)
{
  CrmWelcomeWindow *self = g_object_new (CRM_TYPE_WELCOME_WINDOW, "application", app, NULL);
  g_autofree char *where = NULL;

  self->path = g_strdup (path);
  /* Translators: where the new account's replica will be kept */
  where = g_strdup_printf (_("Your data will be kept in %s"), path);
  gtk_label_set_label (self->path_label, where);
  fill_templates (self);
  return self;
}

void
crm_welcome_window_show_error (CrmWelcomeWindow *self,
                               const char       *message)
{
  g_return_if_fail (CRM_IS_WELCOME_WINDOW (self));
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

gboolean
crm_welcome_window_choose_template (CrmWelcomeWindow *self,
                                    const char       *name)
{
  GtkCheckButton *check;

  g_return_val_if_fail (CRM_IS_WELCOME_WINDOW (self), FALSE);
  check = g_hash_table_lookup (self->checks, name);
  if (check == NULL)
    return FALSE;
  gtk_check_button_set_active (check, TRUE);
  return TRUE;
}
