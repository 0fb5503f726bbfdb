/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-files-group.c — the files attached to a deal, contact or company (crm-files-group.h).
 * The bytes are kept beside the replica by crm-attachment.c; a row is an `attachment`
 * entity, removed (soft, undoable) through crm_delete_entity(). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-attachment.h"
#include "crm-files-group.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-undo-actions.h"
#include "crm-widget-util.h"

struct _CrmFilesGroup
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *entity;
  char                *entity_id;
  guint                n_files;
  GtkListBox          *list;
};

G_DEFINE_FINAL_TYPE (CrmFilesGroup, crm_files_group, ADW_TYPE_PREFERENCES_GROUP)

static void
file_opened_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the file: %s"), error->message);

      crm_widget_show_toast (widget, message);
    }
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GdkAppLaunchContext) context =
    gdk_display_get_app_launch_context (gtk_widget_get_display (widget));

  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           file_opened_cb, g_object_ref (widget));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  crm_files_group_remove (CRM_FILES_GROUP (widget), g_variant_get_string (parameter, NULL));
}

static GtkWidget *
suffix_button (const char *icon_name,
               const char *tooltip,
               const char *action_name,
               const char *target)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_string (target));
  return button;
}

/* Images larger than this are not decoded for a thumbnail (the icon stays). */
#define THUMBNAIL_MAX_BYTES (40 * 1024 * 1024)
#define THUMBNAIL_SIZE      48

/* In a worker thread: the picture at the path (the task's data), scaled to fit the
 * thumbnail (twice its size: sharp on a HiDPI screen). */
static void
thumbnail_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file_at_scale (task_data, THUMBNAIL_SIZE * 2,
                                                         THUMBNAIL_SIZE * 2, TRUE, &error);

  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

static void
thumbnail_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GtkImage *image = GTK_IMAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GdkTexture) texture = NULL;

  if (pixbuf == NULL)
    {
      /* not a picture GTK can read (or gone): the icon stays */
      g_debug ("No thumbnail: %s", error->message);
      return;
    }
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
  gtk_widget_add_css_class (GTK_WIDGET (image), "thumbnail");
  g_object_set_data (G_OBJECT (image), "thumbnail-ready", GINT_TO_POINTER (TRUE));
}

/* The row's picture: the attachment icon, replaced by a thumbnail of an image file here,
 * read off the main loop. */
static GtkWidget *
file_picture (JsonObject *file,
              gboolean    available)
{
  const char *mime = json_object_get_string_member_with_default (file, "mime", "");
  const char *path = json_object_get_string_member_with_default (file, "path", NULL);
  GtkWidget *image = gtk_image_new_from_icon_name ("mail-attachment-symbolic");
  g_autoptr(GTask) task = NULL;

  if (!available || path == NULL || !g_str_has_prefix (mime, "image/") ||
      json_object_get_int_member_with_default (file, "size", 0) > THUMBNAIL_MAX_BYTES)
    return image;
  gtk_image_set_pixel_size (GTK_IMAGE (image), THUMBNAIL_SIZE);
  gtk_widget_set_size_request (image, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  task = g_task_new (image, NULL, thumbnail_done, NULL);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, thumbnail_thread);
  return image;
}

/* One file's row: a thumbnail of a picture (else the icon), name, size and date (or that
 * it is still on its way), «Open», «Remove»; Delete on the row removes it. */
static GtkWidget *
make_row (JsonObject *file)
{
  const char *id = json_object_get_string_member_with_default (file, "id", "");
  gboolean available = json_object_get_boolean_member_with_default (file, "available", FALSE);
  g_autofree char *size = g_format_size (json_object_get_int_member_with_default (file, "size", 0));
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  GtkEventController *keys;
  GtkShortcut *shortcut;
  GtkWidget *row;
  gint64 at = 0;

  if (crm_time_parse (json_object_get_string_member_with_default (file, "created_at", ""), &at))
    when = crm_format_date (at);
  if (available)
    subtitle = when != NULL ? g_strdup_printf ("%s · %s", size, g_strstrip (when)) : g_strdup (size);
  else
    /* Translators: a file another device attached, not copied to this one yet */
    subtitle = g_strdup_printf (_("%s · not on this computer yet; it comes with the next sync"), size);
  row = crm_text_row_new (json_object_get_string_member_with_default (file, "name", ""), subtitle);
  g_object_set_data_full (G_OBJECT (row), "attachment-id", g_strdup (id), g_free);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), file_picture (file, available));
  if (available)
    {
      GtkWidget *open = suffix_button ("document-open-symbolic", _("Open the File"), "files.open",
                                       json_object_get_string_member_with_default (file, "path", ""));

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), open);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button ("user-trash-symbolic", _("Remove the File (Delete)"),
                                            "files.remove", id));
  keys = gtk_shortcut_controller_new ();
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                               gtk_named_action_new ("files.remove"));
  gtk_shortcut_set_arguments (shortcut, g_variant_new_string (id));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys), shortcut);
  gtk_widget_add_controller (row, keys);
  return row;
}

void
crm_files_group_reload (CrmFilesGroup *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *files;

  g_return_if_fail (CRM_IS_FILES_GROUP (self));

  crm_list_box_remove_all (self->list);
  self->n_files = 0;
  if (self->context == NULL || self->entity_id == NULL)
    return;
  node = crm_attachment_list (crm_context_get_store (self->context), self->entity,
                              self->entity_id, &error);
  files = node != NULL ? json_node_get_array (node) : NULL;
  if (error != NULL)
    g_warning ("Could not read the files of %s %s: %s", self->entity, self->entity_id,
               error->message);
  /* newest first, as the history */
  for (guint i = files != NULL ? json_array_get_length (files) : 0; i > 0; i--)
    {
      gtk_list_box_append (self->list, make_row (json_array_get_object_element (files, i - 1)));
      self->n_files++;
    }
  if (self->n_files == 0)
    gtk_list_box_append (self->list,
                         crm_placeholder_row_new (g_strcmp0 (self->entity, "deal") == 0
                                                  ? _("No files yet: a photo of the truck, the "
                                                      "contract, an invoice")
                                                  : _("No files yet: a contract, a card with "
                                                      "the bank details")));
}

void
crm_files_group_set_target (CrmFilesGroup *self,
                            CrmContext    *context,
                            const char    *entity,
                            const char    *entity_id)
{
  g_return_if_fail (CRM_IS_FILES_GROUP (self));

  g_set_object (&self->context, context);
  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_free (self->entity_id);
  self->entity_id = g_strdup (entity_id);
  crm_files_group_reload (self);
}

gboolean
crm_files_group_attach (CrmFilesGroup  *self,
                        const char     *path,
                        GError        **error)
{
  g_auto(CrmAttachmentFile) file = { 0 };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  CrmStore *store;

  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (self->context != NULL && self->entity_id != NULL, FALSE);

  store = crm_context_get_store (self->context);
  if (!crm_attachment_store_file (store, path, &file, error))
    return FALSE;
  id = crm_context_new_id (self->context);
  name = g_path_get_basename (path);
  changeset = crm_changeset_new ();
  crm_attachment_fill_change (changeset, id, self->entity, self->entity_id, name, &file,
                              crm_context_now (self->context));
  if (!crm_context_apply (self->context, changeset, error))
    {
      crm_attachment_discard_file (store, &file);
      return FALSE;
    }
  crm_files_group_reload (self);
  message = g_strdup_printf (_("File «%s» attached"), name);
  crm_undo_toast_show_last (GTK_WIDGET (self), self->context, message);
  return TRUE;
}

gboolean
crm_files_group_remove (CrmFilesGroup *self,
                        const char    *attachment_id)
{
  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), FALSE);

  if (self->context == NULL || attachment_id == NULL ||
      !crm_delete_entity (GTK_WIDGET (self), self->context, "attachment", attachment_id))
    return FALSE;
  crm_files_group_reload (self);
  return TRUE;
}

static void
file_chosen_cb (GtkNativeDialog *chooser,
                int              response,
                CrmFilesGroup   *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL)
    return;
  if (g_file_peek_path (file) == NULL)
    crm_widget_show_toast (GTK_WIDGET (self), _("Only files on this computer can be attached"));
  else if (!crm_files_group_attach (self, g_file_peek_path (file), &error))
    crm_widget_show_toast (GTK_WIDGET (self), error->message);
}

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  /* GtkFileDialog is GTK 4.10 */
  chooser = gtk_file_chooser_native_new (_("Attach a File"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

guint
crm_files_group_get_n_files (CrmFilesGroup *self)
{
  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), 0);
  return self->n_files;
}

GtkWidget *
crm_files_group_find_row (CrmFilesGroup *self,
                          const char    *attachment_id)
{
  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "attachment-id"), attachment_id) == 0)
      return row;
  return NULL;
}

static gboolean
has_thumbnail (GtkWidget *widget)
{
  if (g_object_get_data (G_OBJECT (widget), "thumbnail-ready") != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_thumbnail (child))
      return TRUE;
  return FALSE;
}

gboolean
crm_files_group_has_thumbnail (CrmFilesGroup *self,
                               const char    *attachment_id)
{
  GtkWidget *row;

  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), FALSE);

  row = crm_files_group_find_row (self, attachment_id);
  return row != NULL && has_thumbnail (row);
}

static void
crm_files_group_dispose (GObject *object)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (object);

  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_files_group_parent_class)->dispose (object);
}

static void
crm_files_group_finalize (GObject *object)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (object);

  g_free (self->entity);
  g_free (self->entity_id);
  G_OBJECT_CLASS (crm_files_group_parent_class)->finalize (object);
}

static void
crm_files_group_class_init (CrmFilesGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_files_group_dispose;
  object_class->finalize = crm_files_group_finalize;
  gtk_widget_class_install_action (widget_class, "files.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "files.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "files.remove", "s", remove_action);
}

static void
crm_files_group_init (CrmFilesGroup *self)
{
  GtkWidget *attach = gtk_button_new_with_mnemonic (_("_Attach File…"));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Files"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (attach), "files.attach");
  gtk_widget_add_css_class (attach, "flat");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), attach);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->list));
}
