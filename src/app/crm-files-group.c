/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-files-group.c — the files attached to a deal, contact or company (crm-files-group.h).
 * The bytes are kept beside the replica by crm-attachment.c; a row is an `attachment`
 * entity, removed (soft, undoable) through crm_delete_entity().
 *
 * A file another laptop attached comes with the sync as its entity only; its bytes are
 * fetched from the server through the window's CrmSyncController (a worker thread and an
 * HTTP session of its own, so the UI never waits): pictures up to PREFETCH_MAX_BYTES as
 * soon as the page shows, one at a time, stopped when the page goes away; any file when
 * the user opens it. A fetch is kept per content (hash) in the group's table, so rows
 * made again by a reload show where it stands: the bytes so far in a progress bar (the
 * partial file's size, read every PROGRESS_INTERVAL_MS), «Cancel», or why it failed in
 * words. A fetch that failed for want of the server is tried again at the next reload
 * (a sync round that brought something, or an edit). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-attachment.h"
#include "crm-files-group.h"
#include "crm-format.h"
#include "crm-message.h"
#include "crm-sync-controller.h"
#include "crm-time.h"
#include "crm-undo-actions.h"
#include "crm-widget-util.h"

#ifdef VORONKA_HAVE_SYNC
#include "crm-protocol.h"
#endif

/* Pictures not here up to this size are fetched when the page shows. */
#define PREFETCH_MAX_BYTES   (10 * 1024 * 1024)
/* Images larger than this are not decoded for a thumbnail (the icon stays). */
#define THUMBNAIL_MAX_BYTES  (40 * 1024 * 1024)
#define THUMBNAIL_SIZE       48
#define ICON_SIZE            32
/* Decoded thumbnails kept for the whole app (by content), at most this many. */
#define THUMBNAIL_CACHE_MAX  256
#define PROGRESS_INTERVAL_MS 200

/* One fetch of a content from the server. */
typedef struct {
  char         *hash;
  gint64        size;
  gboolean      running;
  gboolean      automatic;    /* a picture fetched because the page showed */
  gboolean      open_after;   /* the user opened it: it opens once it is here */
  gboolean      restart;      /* opened again while a cancelled fetch was finishing */
  gboolean      stopped;      /* the user cancelled it: not fetched again by itself */
  GCancellable *cancellable;
  GError       *error;        /* why it failed (not running) */
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->hash);
  g_clear_object (&fetch->cancellable);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

/* What a row shows, kept on the row. */
typedef struct {
  char      *id;
  char      *hash;
  char      *name;
  char      *mime;
  char      *details;     /* "size · author · date" */
  gint64     size;
  GtkWidget *picture;     /* GtkImage: the type's icon, or the thumbnail */
  GtkWidget *progress;    /* GtkProgressBar while fetching */
  GtkWidget *cancel;      /* while fetching */
  GtkWidget *warning;     /* the last fetch failed */
  gboolean   thumbnail;   /* shows (or waits for) the thumbnail */
} RowData;

static void
row_data_free (RowData *data)
{
  g_free (data->id);
  g_free (data->hash);
  g_free (data->name);
  g_free (data->mime);
  g_free (data->details);
  g_free (data);
}

struct _CrmFilesGroup
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *entity;
  char                *entity_id;
  guint                n_files;
  GtkListBox          *list;

  GHashTable          *fetches;       /* hash → Fetch */
  GHashTable          *decoding;      /* hashes whose thumbnail is being read */
  GCancellable        *cancellable;   /* thumbnails and fetches, cancelled on dispose */
  guint                progress_id;
  gboolean             shown;         /* mapped: pictures are fetched */
  GError              *blocked;       /* the server cannot be had: prefetch waits */
};

G_DEFINE_FINAL_TYPE (CrmFilesGroup, crm_files_group, ADW_TYPE_PREFERENCES_GROUP)

static GHashTable *thumbnail_cache;   /* hash → GdkTexture */

static void update_rows_for  (CrmFilesGroup *self,
                              const char    *hash);
static void pump_prefetch    (CrmFilesGroup *self);

static RowData *
row_data (GtkWidget *row)
{
  return row != NULL ? g_object_get_data (G_OBJECT (row), "file-data") : NULL;
}

static gboolean
is_image (const RowData *data)
{
  return crm_attachment_mime_is_image (data->mime);
}

static CrmStore *
store_of (CrmFilesGroup *self)
{
  return self->context != NULL ? crm_context_get_store (self->context) : NULL;
}

static gboolean
is_here (CrmFilesGroup *self,
         const char    *hash)
{
  return store_of (self) != NULL && crm_attachment_has_file (store_of (self), hash);
}

/* ---- errors in words ---- */

/* A failure that goes away once the server can be reached (and signed in to). */
static gboolean
error_is_connection (const GError *error)
{
#ifdef VORONKA_HAVE_SYNC
  if (error->domain == CRM_SYNC_ERROR)
    return error->code == CRM_SYNC_ERROR_SERVER_UNREACHABLE ||
           error->code == CRM_SYNC_ERROR_AUTH_FAILED ||
           error->code == CRM_SYNC_ERROR_RATE_LIMITED ||
           error->code == CRM_SYNC_ERROR_SERVER_ERROR ||
           error->code == CRM_SYNC_ERROR_BAD_ANSWER;
#endif
  return FALSE;
}

static char *
describe_error (const GError *error)
{
#ifdef VORONKA_HAVE_SYNC
  if (error->domain == CRM_SYNC_ERROR)
    switch (error->code)
      {
      case CRM_SYNC_ERROR_SERVER_UNREACHABLE:
      case CRM_SYNC_ERROR_RATE_LIMITED:
      case CRM_SYNC_ERROR_SERVER_ERROR:
      case CRM_SYNC_ERROR_BAD_ANSWER:
        return g_strdup (_("The file is not on this computer yet. It will download once the "
                           "server can be reached."));
      case CRM_SYNC_ERROR_AUTH_FAILED:
        return g_strdup (_("Sign in to the server to get this file: main menu › Sign In to a "
                           "Server…"));
      case CRM_SYNC_ERROR_PERMISSION_DENIED:
        return g_strdup (_("The server does not give you this file; ask your administrator "
                           "for access."));
      case CRM_SYNC_ERROR_NOT_FOUND:
        return g_strdup (_("The server no longer has this file. Ask whoever attached it to "
                           "attach it again."));
      case CRM_SYNC_ERROR_HASH_MISMATCH:
        return g_strdup (_("What came from the server is not this file (damaged on the way) "
                           "and was thrown away. Open it to try again; if it happens again, "
                           "tell your administrator."));
      default:
        break;
      }
#endif
  return g_strdup_printf (_("Could not get the file: %s"), error->message);
}

/* ---- thumbnails ---- */

/* In a worker thread: the picture at the path (the task's data), scaled to fit the
 * thumbnail (twice its size: sharp on a HiDPI screen), as a texture. */
static void
thumbnail_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file_at_scale (task_data, THUMBNAIL_SIZE * 2,
                                                                   THUMBNAIL_SIZE * 2, TRUE, &error);

  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
show_thumbnail (RowData    *data,
                GdkTexture *texture)
{
  gtk_image_set_from_paintable (GTK_IMAGE (data->picture), GDK_PAINTABLE (texture));
  gtk_image_set_pixel_size (GTK_IMAGE (data->picture), THUMBNAIL_SIZE);
  gtk_widget_add_css_class (data->picture, "thumbnail");
  g_object_set_data (G_OBJECT (data->picture), "thumbnail-ready", GINT_TO_POINTER (TRUE));
}

static void
thumbnail_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (source);
  g_autofree char *hash = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (texture == NULL)
    {
      /* not a picture GTK can read (or gone): the icon stays */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail: %s", error->message);
      if (self->decoding != NULL)
        g_hash_table_remove (self->decoding, hash);
      return;
    }
  if (thumbnail_cache == NULL)
    thumbnail_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (g_hash_table_size (thumbnail_cache) >= THUMBNAIL_CACHE_MAX)
    g_hash_table_remove_all (thumbnail_cache);
  g_hash_table_replace (thumbnail_cache, g_strdup (hash), g_object_ref (texture));
  if (self->decoding == NULL)
    return;   /* disposed meanwhile */
  g_hash_table_remove (self->decoding, hash);
  update_rows_for (self, hash);
}

/* The row's picture: the thumbnail of a picture that is here (from the cache, or read in
 * a worker thread), else the icon of its type. */
static void
update_picture (CrmFilesGroup *self,
                RowData       *data,
                gboolean       here)
{
  GdkTexture *texture;
  g_autoptr(GTask) task = NULL;

  if (data->thumbnail)
    return;
  if (!here || !is_image (data) || data->size > THUMBNAIL_MAX_BYTES)
    return;
  texture = thumbnail_cache != NULL ? g_hash_table_lookup (thumbnail_cache, data->hash) : NULL;
  if (texture != NULL)
    {
      data->thumbnail = TRUE;
      show_thumbnail (data, texture);
      return;
    }
  if (!g_hash_table_add (self->decoding, g_strdup (data->hash)))
    return;   /* being read for another row */
  task = g_task_new (self, self->cancellable, thumbnail_done, g_strdup (data->hash));
  g_task_set_task_data (task, crm_attachment_dup_path (store_of (self), data->hash), g_free);
  g_task_run_in_thread (task, thumbnail_thread);
}

/* ---- rows ---- */

static void
update_row (CrmFilesGroup *self,
            GtkWidget     *row)
{
  RowData *data = row_data (row);
  Fetch *fetch;
  gboolean here;
  const GError *error;
  g_autofree char *subtitle = NULL;
  g_autofree char *words = NULL;

  if (data == NULL)
    return;
  here = is_here (self, data->hash);
  fetch = here ? NULL : g_hash_table_lookup (self->fetches, data->hash);
  error = fetch != NULL && !fetch->running ? fetch->error : NULL;
  if (error == NULL && !here && (fetch == NULL || !fetch->running) && self->blocked != NULL &&
      (fetch == NULL || !fetch->stopped))
    error = self->blocked;   /* the server cannot be had: it would say the same */

  gtk_widget_set_visible (data->progress, fetch != NULL && fetch->running);
  gtk_widget_set_visible (data->cancel, fetch != NULL && fetch->running);
  gtk_widget_set_visible (data->warning, error != NULL);
  if (here)
    subtitle = g_strdup (data->details);
  else if (fetch != NULL && fetch->running)
    {
      gint64 have = MIN (crm_attachment_partial_size (store_of (self), data->hash), data->size);
      g_autofree char *have_text = g_format_size ((guint64) have);
      g_autofree char *size_text = g_format_size ((guint64) data->size);

      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (data->progress),
                                     data->size > 0 ? (double) have / (double) data->size : 0);
      /* Translators: a file coming from the server: «1.2 MB of 3.4 MB» */
      subtitle = g_strdup_printf (_("Downloading: %s of %s"), have_text, size_text);
    }
  else if (error != NULL)
    {
      words = describe_error (error);
      subtitle = g_strdup_printf ("%s\n%s", data->details, words);
    }
  else
    /* Translators: a file another device attached, not copied to this one yet */
    subtitle = g_strdup_printf (_("%s · not on this computer yet: open it to download it"),
                                data->details);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_tooltip_text (data->warning, words);
  update_picture (self, data, here);
}

static void
update_rows_for (CrmFilesGroup *self,
                 const char    *hash)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = row_data (row);

      if (data != NULL && (hash == NULL || g_str_equal (data->hash, hash)))
        update_row (self, row);
    }
}

/* ---- opening and fetching ---- */

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

/* Opens the stored content @hash with the desktop's application for its type. */
static void
launch (CrmFilesGroup *self,
        const char    *hash)
{
  g_autofree char *path = crm_attachment_dup_path (store_of (self), hash);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GdkAppLaunchContext) context =
    gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));

  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           file_opened_cb, g_object_ref (self));
}

static gboolean
progress_cb (gpointer user_data)
{
  CrmFilesGroup *self = user_data;
  GHashTableIter iter;
  Fetch *fetch;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->fetches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &fetch))
    if (fetch->running)
      {
        any = TRUE;
        update_rows_for (self, fetch->hash);
      }
  if (any)
    return G_SOURCE_CONTINUE;
  self->progress_id = 0;
  return G_SOURCE_REMOVE;
}

static void start_fetch (CrmFilesGroup *self,
                         Fetch         *fetch);

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CrmFilesGroup) self = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = crm_sync_controller_fetch_file_finish (CRM_SYNC_CONTROLLER (source), result, &error);
  gpointer *pair = user_data;
  Fetch *fetch;

  self = pair[0];
  hash = pair[1];
  g_free (pair);
  if (self->fetches == NULL)
    return;   /* disposed */
  fetch = g_hash_table_lookup (self->fetches, hash);
  if (fetch == NULL)
    return;
  fetch->running = FALSE;
  if (ok)
    {
      gboolean open_after = fetch->open_after;

      g_clear_error (&self->blocked);
      g_hash_table_remove (self->fetches, hash);
      if (open_after)
        launch (self, hash);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (fetch->restart)
        {
          fetch->restart = FALSE;
          start_fetch (self, fetch);
          return;
        }
      if (!fetch->stopped)
        g_hash_table_remove (self->fetches, hash);  /* the page went away: again next time */
    }
  else
    {
      g_debug ("Could not fetch %s: %s", hash, error->message);
      if (error_is_connection (error))
        {
          /* every other file would fail the same way: the rows say so, and prefetching
           * waits for the next reload */
          g_clear_error (&self->blocked);
          self->blocked = g_error_copy (error);
        }
      g_clear_error (&fetch->error);
      fetch->error = g_steal_pointer (&error);
    }
  update_rows_for (self, hash);
  pump_prefetch (self);
}

static void
start_fetch (CrmFilesGroup *self,
             Fetch         *fetch)
{
  GObject *sync = self->context != NULL ? crm_context_get_sync (self->context) : NULL;
  gpointer *pair;

  g_clear_error (&fetch->error);
  g_clear_object (&fetch->cancellable);
  fetch->cancellable = g_cancellable_new ();
  fetch->running = TRUE;
  fetch->stopped = FALSE;
  if (sync == NULL)
    {
      fetch->running = FALSE;
      fetch->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                          _("this window does not sync with a server"));
      update_rows_for (self, fetch->hash);
      return;
    }
  pair = g_new (gpointer, 2);
  pair[0] = g_object_ref (self);
  pair[1] = g_strdup (fetch->hash);
  crm_sync_controller_fetch_file_async (CRM_SYNC_CONTROLLER (sync), fetch->hash,
                                        fetch->cancellable, fetched_cb, pair);
  if (self->progress_id == 0)
    self->progress_id = g_timeout_add (PROGRESS_INTERVAL_MS, progress_cb, self);
  update_rows_for (self, fetch->hash);
}

static Fetch *
fetch_for (CrmFilesGroup *self,
           RowData       *data)
{
  Fetch *fetch = g_hash_table_lookup (self->fetches, data->hash);

  if (fetch == NULL)
    {
      fetch = g_new0 (Fetch, 1);
      fetch->hash = g_strdup (data->hash);
      fetch->size = data->size;
      g_hash_table_insert (self->fetches, fetch->hash, fetch);
    }
  return fetch;
}

/* The next picture not here (newest first), unless one is on its way already. */
static void
pump_prefetch (CrmFilesGroup *self)
{
  GHashTableIter iter;
  Fetch *fetch;

  if (!self->shown || self->blocked != NULL || self->context == NULL)
    return;
  g_hash_table_iter_init (&iter, self->fetches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &fetch))
    if (fetch->running && fetch->automatic)
      return;
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      RowData *data = row_data (row);

      if (data == NULL || !is_image (data) || data->size > PREFETCH_MAX_BYTES ||
          g_hash_table_contains (self->fetches, data->hash) || is_here (self, data->hash))
        continue;
      fetch = fetch_for (self, data);
      fetch->automatic = TRUE;
      start_fetch (self, fetch);
      return;
    }
}

/* Stops the pictures fetched for the page (the user's own fetches go on). */
static void
stop_prefetch (CrmFilesGroup *self)
{
  GHashTableIter iter;
  Fetch *fetch;

  g_hash_table_iter_init (&iter, self->fetches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &fetch))
    if (fetch->running && fetch->automatic && !fetch->open_after)
      g_cancellable_cancel (fetch->cancellable);
}

static void
open_file (CrmFilesGroup *self,
           GtkWidget     *row)
{
  RowData *data = row_data (row);
  Fetch *fetch;

  if (data == NULL)
    return;
  if (is_here (self, data->hash))
    {
      launch (self, data->hash);
      return;
    }
  fetch = fetch_for (self, data);
  fetch->open_after = TRUE;
  if (fetch->running)
    {
      if (g_cancellable_is_cancelled (fetch->cancellable))
        fetch->restart = TRUE;
      return;
    }
  /* the user asks again: try the server again too */
  g_clear_error (&self->blocked);
  start_fetch (self, fetch);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (widget);

  open_file (self, crm_files_group_find_row (self, g_variant_get_string (parameter, NULL)));
}

static void
row_activated_cb (AdwActionRow  *row,
                  CrmFilesGroup *self)
{
  open_file (self, GTK_WIDGET (row));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (widget);
  Fetch *fetch = g_hash_table_lookup (self->fetches, g_variant_get_string (parameter, NULL));

  if (fetch == NULL || !fetch->running)
    return;
  fetch->stopped = TRUE;
  fetch->open_after = FALSE;
  fetch->restart = FALSE;
  g_cancellable_cancel (fetch->cancellable);
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

/* "size · author · date" of @file (the parts known). */
static char *
file_details (JsonObject *file)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *size = g_format_size ((guint64) json_object_get_int_member_with_default (file, "size", 0));
  const char *author = json_object_get_string_member_with_default (file, "author_name", NULL);
  gint64 at = 0;

  g_string_append (text, size);
  if (author != NULL && *author != '\0')
    g_string_append_printf (text, " · %s", author);
  if (crm_time_parse (json_object_get_string_member_with_default (file, "created_at", ""), &at))
    {
      g_autofree char *when = crm_format_date (at);

      g_string_append_printf (text, " · %s", g_strstrip (when));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* One file's row: a thumbnail of a picture here, else its type's icon; name, size, who
 * attached it and when (or how its fetch stands); «Open» (the row itself too, Enter
 * included: a file not here is fetched first), «Cancel» while it comes, «Remove»
 * (Delete on the row). */
static GtkWidget *
make_row (CrmFilesGroup *self,
          JsonObject    *file)
{
  RowData *data = g_new0 (RowData, 1);
  const char *mime;
  g_autoptr(GIcon) icon = NULL;
  GtkEventController *keys;
  GtkShortcut *shortcut;
  GtkWidget *row;
  GtkWidget *open;

  data->id = g_strdup (json_object_get_string_member_with_default (file, "id", ""));
  data->hash = g_strdup (json_object_get_string_member_with_default (file, "hash", ""));
  data->name = g_strdup (json_object_get_string_member_with_default (file, "name", ""));
  mime = json_object_get_string_member_with_default (file, "mime", NULL);
  data->mime = g_strdup (mime != NULL ? mime : "application/octet-stream");
  data->size = json_object_get_int_member_with_default (file, "size", 0);
  data->details = file_details (file);

  row = crm_text_row_new (data->name, NULL);
  g_object_set_data_full (G_OBJECT (row), "attachment-id", g_strdup (data->id), g_free);
  g_object_set_data_full (G_OBJECT (row), "file-data", data, (GDestroyNotify) row_data_free);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);

  icon = g_content_type_get_symbolic_icon (data->mime);
  data->picture = icon != NULL ? gtk_image_new_from_gicon (icon)
                               : gtk_image_new_from_icon_name ("mail-attachment-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (data->picture), ICON_SIZE);
  gtk_widget_set_size_request (data->picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), data->picture);

  data->warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_add_css_class (data->warning, "warning");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), data->warning);
  data->progress = gtk_progress_bar_new ();
  gtk_widget_set_valign (data->progress, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (data->progress, 96, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), data->progress);
  data->cancel = suffix_button ("process-stop-symbolic", _("Stop Downloading"), "files.cancel",
                                data->hash);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), data->cancel);
  open = suffix_button ("document-open-symbolic", _("Open the File"), "files.open", data->id);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button ("user-trash-symbolic", _("Remove the File (Delete)"),
                                            "files.remove", data->id));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), self);

  keys = gtk_shortcut_controller_new ();
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                               gtk_named_action_new ("files.remove"));
  gtk_shortcut_set_arguments (shortcut, g_variant_new_string (data->id));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys), shortcut);
  gtk_widget_add_controller (row, keys);
  update_row (self, row);
  return row;
}

void
crm_files_group_reload (CrmFilesGroup *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) again = g_ptr_array_new ();
  GHashTableIter iter;
  Fetch *fetch;
  JsonArray *files;

  g_return_if_fail (CRM_IS_FILES_GROUP (self));

  crm_list_box_remove_all (self->list);
  self->n_files = 0;
  /* the replica changed (a sync round brought something, or an edit): what failed for want
   * of the server is tried again */
  g_clear_error (&self->blocked);
  g_hash_table_iter_init (&iter, self->fetches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &fetch))
    if (!fetch->running && fetch->error != NULL && error_is_connection (fetch->error))
      {
        fetch->open_after = FALSE;
        if (fetch->automatic)
          g_hash_table_iter_remove (&iter);   /* prefetched again, one at a time */
        else
          g_ptr_array_add (again, fetch);
      }
  if (self->context == NULL || self->entity_id == NULL)
    return;
  node = crm_attachment_list (crm_context_get_store (self->context), self->entity,
                              self->entity_id, &error);
  files = node != NULL ? json_node_get_array (node) : NULL;
  if (error != NULL)
    gtk_list_box_append (self->list, crm_read_error_row_new (_("Could not read the files"),
                                                             error));
  /* newest first, as the history */
  for (guint i = files != NULL ? json_array_get_length (files) : 0; i > 0; i--)
    {
      gtk_list_box_append (self->list, make_row (self, json_array_get_object_element (files, i - 1)));
      self->n_files++;
    }
  if (self->n_files == 0 && error == NULL)
    gtk_list_box_append (self->list,
                         crm_placeholder_row_new (g_strcmp0 (self->entity, "deal") == 0
                                                  ? _("No files yet: a photo of the truck, the "
                                                      "contract, an invoice")
                                                  : _("No files yet: a contract, a card with "
                                                      "the bank details")));
  for (guint i = 0; i < again->len; i++)
    start_fetch (self, again->pdata[i]);
  pump_prefetch (self);
}

/* Cancels every fetch (another entity is shown, or the group goes away). */
static void
cancel_fetches (CrmFilesGroup *self)
{
  GHashTableIter iter;
  Fetch *fetch;

  g_hash_table_iter_init (&iter, self->fetches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &fetch))
    {
      fetch->open_after = FALSE;
      fetch->restart = FALSE;
      if (fetch->running)
        g_cancellable_cancel (fetch->cancellable);
      else
        g_hash_table_iter_remove (&iter);
    }
}

void
crm_files_group_set_target (CrmFilesGroup *self,
                            CrmContext    *context,
                            const char    *entity,
                            const char    *entity_id)
{
  g_return_if_fail (CRM_IS_FILES_GROUP (self));

  if (context != self->context || g_strcmp0 (entity, self->entity) != 0 ||
      g_strcmp0 (entity_id, self->entity_id) != 0)
    cancel_fetches (self);
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
  /* a template's files go with every e-mail from it: bounded as a mail is */
  if (g_strcmp0 (self->entity, "message_template") == 0 &&
      !crm_message_template_check_file (store, self->entity_id, path, error))
    return FALSE;
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

void
crm_files_group_open (CrmFilesGroup *self,
                      const char    *attachment_id)
{
  g_return_if_fail (CRM_IS_FILES_GROUP (self));
  open_file (self, crm_files_group_find_row (self, attachment_id));
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

gboolean
crm_files_group_has_thumbnail (CrmFilesGroup *self,
                               const char    *attachment_id)
{
  RowData *data;

  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), FALSE);

  data = row_data (crm_files_group_find_row (self, attachment_id));
  return data != NULL &&
         g_object_get_data (G_OBJECT (data->picture), "thumbnail-ready") != NULL;
}

gboolean
crm_files_group_is_fetching (CrmFilesGroup *self,
                             const char    *attachment_id)
{
  RowData *data;
  Fetch *fetch;

  g_return_val_if_fail (CRM_IS_FILES_GROUP (self), FALSE);

  data = row_data (crm_files_group_find_row (self, attachment_id));
  fetch = data != NULL ? g_hash_table_lookup (self->fetches, data->hash) : NULL;
  return fetch != NULL && fetch->running;
}

static void
crm_files_group_map (GtkWidget *widget)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (widget);

  GTK_WIDGET_CLASS (crm_files_group_parent_class)->map (widget);
  self->shown = TRUE;
  pump_prefetch (self);
}

static void
crm_files_group_unmap (GtkWidget *widget)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (widget);

  /* the page went away: its pictures are not fetched for it any more */
  self->shown = FALSE;
  stop_prefetch (self);
  GTK_WIDGET_CLASS (crm_files_group_parent_class)->unmap (widget);
}

static void
crm_files_group_dispose (GObject *object)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  if (self->fetches != NULL)
    {
      cancel_fetches (self);
      g_clear_pointer (&self->fetches, g_hash_table_unref);
    }
  g_clear_pointer (&self->decoding, g_hash_table_unref);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_files_group_parent_class)->dispose (object);
}

static void
crm_files_group_finalize (GObject *object)
{
  CrmFilesGroup *self = CRM_FILES_GROUP (object);

  g_clear_object (&self->cancellable);
  g_clear_error (&self->blocked);
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
  widget_class->map = crm_files_group_map;
  widget_class->unmap = crm_files_group_unmap;
  gtk_widget_class_install_action (widget_class, "files.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "files.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "files.cancel", "s", cancel_action);
  gtk_widget_class_install_action (widget_class, "files.remove", "s", remove_action);
}

static void
crm_files_group_init (CrmFilesGroup *self)
{
  GtkWidget *attach = gtk_button_new_with_mnemonic (_("_Attach File…"));

  self->fetches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fetch_free);
  self->decoding = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Files"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (attach), "files.attach");
  gtk_widget_add_css_class (attach, "flat");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), attach);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->list));
}
