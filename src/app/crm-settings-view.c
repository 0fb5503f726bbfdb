/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-settings-view.c — read mostly: the current user (changeable on a local account),
 * the replica's file, device and template, the server, pipelines and users. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-application.h"
#include "crm-channels-group.h"
#include "crm-settings-view.h"
#include "crm-rights.h"
#include "crm-setup-window.h"
#include "crm-template.h"
#include "crm-template-dialog.h"
#include "crm-import-dialog.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmSettingsView
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  gboolean             updating;
  GPtrArray           *user_ids;
  GPtrArray           *dynamic_rows;   /* (group, row) pairs */

  AdwComboRow         *user_row;
  GtkStringList       *user_names;
  AdwActionRow        *path_row;
  AdwActionRow        *device_row;
  AdwActionRow        *template_row;
  AdwActionRow        *server_row;
  AdwPreferencesGroup *pipelines_group;
  AdwPreferencesGroup *users_group;
  CrmChannelsGroup    *channels_group;
  AdwActionRow        *fetch_images_row;
  GtkSwitch           *fetch_images_switch;
  AdwActionRow        *fetch_cap_row;
  GtkSpinButton       *fetch_cap_spin;
  AdwPreferencesGroup *setup_group;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmSettingsView, crm_settings_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static void
add_row (CrmSettingsView     *self,
         AdwPreferencesGroup *group,
         const char          *title,
         const char          *subtitle)
{
  GtkWidget *row = crm_text_row_new (title, subtitle);

  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->dynamic_rows, group);
  g_ptr_array_add (self->dynamic_rows, row);
}

/* The name of the role @role (a built-in key or a role's id) as people read it. */
static char *
role_label (CrmStore   *store,
            const char *role)
{
  g_autoptr(JsonObject) found = role != NULL ? crm_rights_role_find (store, role, NULL) : NULL;

  if (found != NULL)
    return crm_rights_role_name (found);
  return g_strdup (crm_rights_builtin_label (CRM_ROLE_REP));
}

/* The template's own title ("Дилер грузовой техники с пробегом", the one the welcome
 * window offered) rather than its file name: the name is for voronkactl. A template no
 * longer shipped, or unreadable, shows its name, which still tells support which it was. */
static char *
dup_template_title (const char *name)
{
  g_autoptr(JsonNode) root = crm_template_load (name, NULL);
  const char *title = NULL;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    title = json_object_get_string_member_with_default (json_node_get_object (root), "title", NULL);
  return g_strdup (title != NULL && *title != '\0' ? title : name);
}

static void
crm_settings_view_reload (CrmView *view)
{
  CrmSettingsView *self = CRM_SETTINGS_VIEW (view);
  JsonArray *users;
  JsonArray *pipelines;
  CrmStore *store;
  g_autofree char *template = NULL;
  g_autofree char *server = NULL;

  g_return_if_fail (CRM_IS_SETTINGS_VIEW (self));

  if (self->context == NULL)
    return;
  store = crm_context_get_store (self->context);

  for (guint i = 0; i + 1 < self->dynamic_rows->len; i += 2)
    adw_preferences_group_remove (g_ptr_array_index (self->dynamic_rows, i),
                                  g_ptr_array_index (self->dynamic_rows, i + 1));
  g_ptr_array_set_size (self->dynamic_rows, 0);

  self->updating = TRUE;
  users = crm_context_get_users (self->context);
  adw_combo_row_set_selected (self->user_row,
                              crm_fill_user_choices (self->user_names, self->user_ids, users,
                                                     crm_context_get_user_id (self->context), 0));
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      g_autofree char *subtitle = NULL;
      const char *group = json_object_get_string_member_with_default (user, "group", NULL);

      g_autofree char *role = role_label (store, json_object_get_string_member_with_default (user, "role", NULL));

      subtitle = group != NULL ? g_strdup_printf ("%s · %s", role, group) : g_strdup (role);
      add_row (self, self->users_group, json_object_get_string_member (user, "name"), subtitle);
    }
  self->updating = FALSE;

  /* what only an administrator may change is not shown to anyone else */
  gtk_widget_set_visible (GTK_WIDGET (self->users_group), crm_context_is_admin (self->context));
  gtk_widget_set_visible (GTK_WIDGET (self->pipelines_group), crm_context_is_admin (self->context));
  gtk_widget_set_visible (GTK_WIDGET (self->setup_group), crm_context_is_admin (self->context));

  pipelines = crm_context_get_pipelines (self->context);
  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint j = 0; stages != NULL && j < json_array_get_length (stages); j++)
        g_string_append_printf (names, "%s%s", j > 0 ? " › " : "",
                                json_object_get_string_member (json_array_get_object_element (stages, j), "name"));
      add_row (self, self->pipelines_group, json_object_get_string_member (pipeline, "name"), names->str);
    }

  crm_channels_group_reload (self->channels_group, self->context);

  template = crm_store_dup_meta (store, "template");
  server = crm_store_dup_meta (store, "sync.server");
  adw_action_row_set_subtitle (self->path_row, crm_store_get_path (store));
  adw_action_row_set_subtitle (self->device_row, crm_store_get_device_id (store));
  if (template != NULL)
    {
      g_autofree char *title = dup_template_title (template);

      adw_action_row_set_subtitle (self->template_row, title);
    }
  else
    adw_action_row_set_subtitle (self->template_row, _("None"));
  adw_action_row_set_subtitle (self->server_row,
                               server != NULL ? server : _("Not connected: this account is local"));
}

static void
user_selected_cb (CrmSettingsView *self)
{
  guint selected = adw_combo_row_get_selected (self->user_row);

  if (self->updating || selected >= self->user_ids->len)
    return;
  crm_context_set_user (self->context, g_ptr_array_index (self->user_ids, selected));
}

/* A row of «Account Setup» opens the setup window at its page (issue 20). */
static void
setup_row_activated_cb (AdwActionRow    *row,
                        CrmSettingsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  CrmSetupWindow *window;

  if (self->context == NULL || !crm_context_is_admin (self->context))
    return;
  if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "page"), "templates") == 0)
    {
      CrmTemplateDialog *dialog = crm_template_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                           self->context, NULL);

      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "page"), "import") == 0)
    {
      CrmImportDialog *dialog = crm_import_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       self->context);

      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  window = crm_setup_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->context);
  crm_setup_window_show_page (window, g_object_get_data (G_OBJECT (row), "page"));
  gtk_window_present (GTK_WINDOW (window));
}

static void
add_setup_rows (CrmSettingsView *self)
{
  static const struct { const char *page; const char *title; const char *subtitle; } rows[] = {
    { CRM_SETUP_PAGE_PIPELINES, N_("P_ipelines and Stages"), N_("Add, rename and order stages") },
    { CRM_SETUP_PAGE_FIELDS, N_("_Fields"), N_("Custom fields of deals, contacts and companies") },
    { CRM_SETUP_PAGE_TAGS, N_("_Tags"), N_("Brands and other tags: add, rename, colour, merge") },
    { CRM_SETUP_PAGE_USERS, N_("Us_ers and Roles"), N_("Who is an administrator, a manager or a sales rep") },
    { "import", N_("I_mport from a File…"), N_("Contacts, companies and deals from a CSV file, amoCRM's and Bitrix24's exports included") },
    { "templates", N_("Message _Templates"), N_("E-mail, SMS and Telegram texts with placeholders; an e-mail's HTML and files") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(rows[i].title));
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(rows[i].subtitle));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "page", (gpointer) rows[i].page);
      g_signal_connect (row, "activated", G_CALLBACK (setup_row_activated_cb), self);
      adw_preferences_group_add (self->setup_group, row);
    }
}

/* «Fetch images when syncing» (this computer's, in GSettings; the sync controller reads
 * it after each round): without the settings schema the rows are not offered. */
static void
bind_fetch_images (CrmSettingsView *self)
{
  GApplication *app = g_application_get_default ();
  GSettings *settings = CRM_IS_APPLICATION (app)
    ? crm_application_get_settings (CRM_APPLICATION (app)) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->fetch_images_row), settings != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->fetch_cap_row), settings != NULL);
  if (settings == NULL)
    return;
  g_settings_bind (settings, "fetch-images", self->fetch_images_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "fetch-images-mb", self->fetch_cap_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->fetch_images_switch, "active", self->fetch_cap_row, "sensitive",
                          G_BINDING_SYNC_CREATE);
}

static void
crm_settings_view_dispose (GObject *object)
{
  crm_view_set_context (CRM_VIEW (CRM_SETTINGS_VIEW (object)), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_SETTINGS_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_settings_view_parent_class)->dispose (object);
}

static void
crm_settings_view_finalize (GObject *object)
{
  CrmSettingsView *self = CRM_SETTINGS_VIEW (object);

  g_clear_pointer (&self->user_ids, g_ptr_array_unref);
  g_clear_pointer (&self->dynamic_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_settings_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_settings_view_reload;
}

static void
crm_settings_view_class_init (CrmSettingsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_settings_view_dispose;
  object_class->finalize = crm_settings_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmSettingsView, context), N_("Settings"),
                        NULL);

  g_type_ensure (CRM_TYPE_CHANNELS_GROUP);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-settings-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, user_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, user_names);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, path_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, device_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, template_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, server_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, fetch_images_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, fetch_images_switch);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, fetch_cap_row);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, fetch_cap_spin);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, pipelines_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, users_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, channels_group);
  gtk_widget_class_bind_template_child (widget_class, CrmSettingsView, setup_group);
  gtk_widget_class_bind_template_callback (widget_class, user_selected_cb);
}

static void
crm_settings_view_init (CrmSettingsView *self)
{
  self->user_ids = g_ptr_array_new_with_free_func (g_free);
  self->dynamic_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  add_setup_rows (self);
  bind_fetch_images (self);
}

GtkSwitch *
crm_settings_view_get_fetch_images_switch (CrmSettingsView *self)
{
  g_return_val_if_fail (CRM_IS_SETTINGS_VIEW (self), NULL);
  return self->fetch_images_switch;
}
