/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-application.c — the AdwApplication: --db, the first-run welcome window or the main
 * window over an open replica, app actions (quit, about, shortcuts) and settings. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-application.h"
#include "crm-renderer.h"
#include "crm-startup.h"
#include "crm-store.h"
#include "crm-upgrade-window.h"
#include "crm-welcome-window.h"
#include "crm-window.h"

#define SCHEMA_ID "org.voronka.Voronka"

struct _CrmApplication
{
  AdwApplication  parent_instance;

  char           *db_path;
  GSettings      *settings;
  gboolean        settings_looked_up;
  GtkWindow      *main_window;     /* weak */
  GtkWindow      *welcome_window;  /* weak */
  GtkWindow      *upgrade_window;  /* weak */
  char           *sign_in_token;   /* a fresh sign-in's, for the next window's sync */
};

G_DEFINE_FINAL_TYPE (CrmApplication, crm_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "db", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The replica to open (default: your own under ~/.local/share/voronka/)"), N_("PATH") },
  { NULL }
};

char *
crm_application_dup_default_db_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "voronka", "replica.db", NULL);
}

static void
show_welcome (CrmApplication *self,
              const GError   *error)
{
  CrmWelcomeWindow *welcome;
  g_autofree char *path = self->db_path != NULL ? g_strdup (self->db_path)
                                                : crm_application_dup_default_db_path ();

  if (self->welcome_window != NULL)
    {
      if (error != NULL)
        crm_welcome_window_show_error (CRM_WELCOME_WINDOW (self->welcome_window), error->message);
      gtk_window_present (self->welcome_window);
      return;
    }
  welcome = crm_welcome_window_new (self, path);
  if (error != NULL)
    crm_welcome_window_show_error (welcome, error->message);
  self->welcome_window = GTK_WINDOW (welcome);
  g_object_add_weak_pointer (G_OBJECT (welcome), (gpointer *) &self->welcome_window);
  gtk_window_present (GTK_WINDOW (welcome));
}

static void
crm_application_activate (GApplication *application)
{
  CrmApplication *self = CRM_APPLICATION (application);
  g_autofree char *path = NULL;

  crm_startup_mark ("activate");
  if (self->main_window != NULL || self->upgrade_window != NULL)
    {
      /* an update under way goes on */
      gtk_window_present (self->main_window != NULL ? self->main_window : self->upgrade_window);
      return;
    }
  path = self->db_path != NULL ? g_strdup (self->db_path) : crm_application_dup_default_db_path ();
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      show_welcome (self, NULL);
      return;
    }
  crm_application_start_replica (self, path);
}

void
crm_application_start_replica (CrmApplication *self,
                               const char     *path)
{
  g_autoptr(GError) error = NULL;
  CrmUpgradeWindow *upgrade;

  g_return_if_fail (CRM_IS_APPLICATION (self));
  g_return_if_fail (path != NULL);

  if (!crm_upgrade_window_needed (path))
    {
      if (crm_application_open_replica (self, path, &error) == NULL)
        show_welcome (self, error);
      return;
    }
  /* an update of the schema may take long: the window says so while a worker opens it */
  if (self->upgrade_window != NULL)
    gtk_window_destroy (self->upgrade_window);
  upgrade = crm_upgrade_window_new (self, path);
  self->upgrade_window = GTK_WINDOW (upgrade);
  g_object_add_weak_pointer (G_OBJECT (upgrade), (gpointer *) &self->upgrade_window);
  gtk_window_present (GTK_WINDOW (upgrade));
  crm_startup_mark ("upgrade window presented");
}

static gint
crm_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  CrmApplication *self = CRM_APPLICATION (application);
  const char *db = NULL;

  if (g_variant_dict_lookup (options, "db", "^&ay", &db) && db != NULL && *db != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (db);

      crm_application_set_db_path (self, g_file_peek_path (file));
    }
  return -1;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CrmApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Close the windows so they save their size before the app goes. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Voronka authors", NULL };
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_name (about, _("Voronka"));
  adw_about_window_set_application_icon (about, APPLICATION_ID);
  adw_about_window_set_version (about, PACKAGE_VERSION);
  adw_about_window_set_developers (about, developers);
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  adw_about_window_set_comments (about, _("An offline-first CRM: your deals, contacts and "
                                          "tasks on your laptop, synced when there is a network"));
  /* Translators: put your names here, one a line */
  adw_about_window_set_translator_credits (about, _("translator-credits"));
  gtk_window_set_transient_for (GTK_WINDOW (about), gtk_application_get_active_window (app));
  gtk_window_present (GTK_WINDOW (about));
}

/* A desktop notification was clicked: its deal opens in the app's window. */
static void
open_deal_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window == NULL)
    return;
  gtk_window_present (window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-deal", "s",
                              g_variant_get_string (parameter, NULL));
}

/* The same for a contact (a caller's card with no deal). */
static void
open_contact_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window == NULL)
    return;
  gtk_window_present (window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-contact", "s",
                              g_variant_get_string (parameter, NULL));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "open-deal", open_deal_activated, "s" },
  { "open-contact", open_contact_activated, "s" },
};

static void
crm_application_startup (GApplication *application)
{
  GtkApplication *app = GTK_APPLICATION (application);
  GdkDisplay *display;

  G_APPLICATION_CLASS (crm_application_parent_class)->startup (application);

  /* before any window is realized: its renderer is made then */
  display = gdk_display_get_default ();
  if (display != NULL && crm_renderer_choose (display) != NULL)
    g_debug ("Drawing with cairo: %s", crm_renderer_get_choice ());

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (app, "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (app, "win.show-help-overlay",
                                         (const char *[]) { "<Control>question", NULL });
  gtk_window_set_default_icon_name (APPLICATION_ID);
  crm_startup_mark ("GTK and libadwaita started");
}

static void
crm_application_finalize (GObject *object)
{
  CrmApplication *self = CRM_APPLICATION (object);

  g_clear_pointer (&self->db_path, g_free);
  g_clear_pointer (&self->sign_in_token, g_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (crm_application_parent_class)->finalize (object);
}

static void
crm_application_class_init (CrmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = crm_application_finalize;
  app_class->activate = crm_application_activate;
  app_class->startup = crm_application_startup;
  app_class->handle_local_options = crm_application_handle_local_options;
}

static void
crm_application_init (CrmApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Voronka — an offline-first CRM"));
}

CrmApplication *
crm_application_new (void)
{
  return g_object_new (CRM_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "resource-base-path", "/org/voronka/Voronka",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

void
crm_application_set_db_path (CrmApplication *self,
                             const char     *path)
{
  g_return_if_fail (CRM_IS_APPLICATION (self));

  g_free (self->db_path);
  self->db_path = g_strdup (path);
}

const char *
crm_application_get_db_path (CrmApplication *self)
{
  g_return_val_if_fail (CRM_IS_APPLICATION (self), NULL);
  return self->db_path;
}

GtkWindow *
crm_application_open_replica (CrmApplication  *self,
                              const char      *path,
                              GError         **error)
{
  g_autoptr(CrmStore) store = NULL;

  g_return_val_if_fail (CRM_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  store = crm_store_open (path, error);
  if (store == NULL)
    return NULL;
  crm_startup_mark ("replica opened");
  return crm_application_show_store (self, store);
}

GtkWindow *
crm_application_show_store (CrmApplication *self,
                            CrmStore       *store)
{
  CrmWindow *window;

  g_return_val_if_fail (CRM_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (self->main_window != NULL)
    gtk_window_destroy (self->main_window);
  window = crm_window_new (self, store);
  self->main_window = GTK_WINDOW (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->main_window);
  crm_startup_mark ("window built");
  gtk_window_present (GTK_WINDOW (window));
  crm_startup_mark ("window presented");
  /* the keyring may be locked or missing: sync this session with the fresh token */
  if (self->sign_in_token != NULL)
    {
      g_autofree char *token = g_steal_pointer (&self->sign_in_token);

      crm_window_restart_sync (window, token);
    }

  if (self->welcome_window != NULL)
    gtk_window_destroy (self->welcome_window);
  if (self->upgrade_window != NULL)
    gtk_window_destroy (self->upgrade_window);
  return GTK_WINDOW (window);
}

void
crm_application_set_sign_in_token (CrmApplication *self,
                                   const char     *token)
{
  g_return_if_fail (CRM_IS_APPLICATION (self));
  g_free (self->sign_in_token);
  self->sign_in_token = g_strdup (token);
}

GtkWindow *
crm_application_get_main_window (CrmApplication *self)
{
  g_return_val_if_fail (CRM_IS_APPLICATION (self), NULL);
  return self->main_window;
}

/* The installed schema, else the one compiled into the build folder (running from the
 * build tree and the tests), else none: then nothing is remembered. */
static GSettings *
new_settings (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, SCHEMA_ID, TRUE);
#ifdef VORONKA_SCHEMA_BUILD_DIR
  if (schema == NULL && g_file_test (VORONKA_SCHEMA_BUILD_DIR "/gschemas.compiled",
                                     G_FILE_TEST_EXISTS))
    {
      g_autoptr(GSettingsSchemaSource) build =
        g_settings_schema_source_new_from_directory (VORONKA_SCHEMA_BUILD_DIR, installed,
                                                     FALSE, NULL);

      if (build != NULL)
        schema = g_settings_schema_source_lookup (build, SCHEMA_ID, FALSE);
    }
#endif
  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed; window size and the last view "
                 "will not be remembered", SCHEMA_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

GSettings *
crm_application_get_settings (CrmApplication *self)
{
  g_return_val_if_fail (CRM_IS_APPLICATION (self), NULL);

  if (!self->settings_looked_up)
    {
      self->settings = new_settings ();
      self->settings_looked_up = TRUE;
    }
  return self->settings;
}
