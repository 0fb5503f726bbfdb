/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-import-dialog.c — the import mapping screen (issue 20): what the file holds, each
 * column with the field it fills (picked from the import's fields, custom ones included,
 * or «Ignore»), a dry run after every change of the mapping that lists the bad rows by
 * line, and the import itself with a progress bar. crm_import_csv() (or, for an XLSX
 * file, crm_import_xlsx()) runs in a GTask
 * worker thread on a connection of its own: a reader for the checks, a writer for the
 * import (all or nothing); the window's context then hears that the replica changed. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-import-dialog.h"
#include "crm-import.h"
#include "crm-xlsx-import.h"

struct _CrmImportDialog
{
  AdwWindow             parent_instance;

  CrmContext           *context;
  char                 *entity;
  char                 *path;
  GBytes               *data;
  JsonObject           *mapping;      /* header → field or null, as the person chose */
  JsonObject           *report;
  JsonArray            *fields;       /* crm_import_fields() of the entity */
  const char           *state;
  GCancellable         *cancellable;
  gint                  progress;     /* rows read ×1000 / all, from the worker */
  guint                 progress_id;
  gint                  hold;         /* tests: the worker waits at its first report */
  gint                  held;         /* … and is waiting there now */

  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  AdwComboRow          *entity_row;
  AdwActionRow         *file_row;
  AdwPreferencesGroup  *columns_group;
  AdwPreferencesGroup  *check_group;
  GPtrArray            *dynamic;      /* (group, row) pairs */
  GtkProgressBar       *progress_bar;
  GtkWidget            *import_button;
  GtkWidget            *cancel_button;
};

G_DEFINE_FINAL_TYPE (CrmImportDialog, crm_import_dialog, ADW_TYPE_WINDOW)

static const struct { const char *entity; const char *label; } entities[] = {
  { "contact", N_("Contacts") },
  { "company", N_("Companies") },
  { "deal", N_("Deals") },
};

static void check (CrmImportDialog *self);

/* ---- the worker ---- */

typedef struct {
  char       *db_path;
  char       *entity;
  char       *actor;
  GBytes     *data;
  JsonObject *mapping;
  gboolean    dry_run;
  gint       *progress;
  gint       *hold;
  gint       *held;
  GCancellable *cancellable;
} Job;

typedef struct {
  JsonNode *report;
  GError   *error;
} JobResult;

static void
job_free (Job *job)
{
  g_free (job->db_path);
  g_free (job->entity);
  g_free (job->actor);
  g_bytes_unref (job->data);
  json_object_unref (job->mapping);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static void
job_result_free (JobResult *result)
{
  g_clear_pointer (&result->report, json_node_unref);
  g_clear_error (&result->error);
  g_free (result);
}

static void
job_progress (guint    done,
              guint    total,
              gpointer user_data)
{
  Job *job = user_data;

  g_atomic_int_set (job->progress, total > 0 ? (gint) ((guint64) done * 1000 / total) : 1000);
  /* tests: wait here, part-way through the rows, until the import is cancelled (bounded
   * by the cancellation the test sends; the dialog's dispose cancels too) */
  if (!job->dry_run && g_atomic_int_get (job->hold))
    {
      g_atomic_int_set (job->held, 1);
      while (!g_cancellable_is_cancelled (job->cancellable))
        g_usleep (G_USEC_PER_SEC / 100);
      g_atomic_int_set (job->held, 0);
    }
}

static void
run_job (GTask        *task,
         gpointer      source,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  JobResult *result = g_new0 (JobResult, 1);
  g_autoptr(CrmStore) store = job->dry_run ? crm_store_open_reader (job->db_path, &result->error)
                                           : crm_store_open (job->db_path, &result->error);
  CrmImportOptions options = { 0 };
  gsize length = 0;
  const char *bytes = g_bytes_get_data (job->data, &length);

  /* the worker's own connection, closed after the job: room for the one change set */
  if (store != NULL && !job->dry_run &&
      !crm_store_set_memory_limits (store, CRM_IMPORT_CACHE_KIB, 0, &result->error))
    g_clear_object (&store);
  if (store != NULL)
    {
      options.entity = job->entity;
      options.dry_run = job->dry_run;
      options.actor_id = job->actor;
      options.mapping = job->mapping;
      options.progress = job_progress;
      options.progress_data = job;
      options.cancellable = job->cancellable;
      if (crm_xlsx_is_zip (bytes, length))
        crm_import_xlsx (store, &options, bytes, length, &result->report, &result->error);
      else
        crm_import_csv (store, &options, bytes, length, &result->report, &result->error);
    }
  g_task_return_pointer (task, result, (GDestroyNotify) job_result_free);
}

/* ---- showing the report ---- */

static void
clear_dynamic (CrmImportDialog *self)
{
  for (guint i = 0; i + 1 < self->dynamic->len; i += 2)
    adw_preferences_group_remove (g_ptr_array_index (self->dynamic, i),
                                  g_ptr_array_index (self->dynamic, i + 1));
  g_ptr_array_set_size (self->dynamic, 0);
}

static void
add_dynamic (CrmImportDialog     *self,
             AdwPreferencesGroup *group,
             GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->dynamic, group);
  g_ptr_array_add (self->dynamic, row);
}

static void
column_selected_cb (AdwComboRow     *row,
                    GParamSpec      *pspec,
                    CrmImportDialog *self)
{
  guint selected = adw_combo_row_get_selected (row);
  const char *header = g_object_get_data (G_OBJECT (row), "header");

  if (g_object_get_data (G_OBJECT (row), "building") != NULL)
    return;
  if (selected == 0 || self->fields == NULL || selected > json_array_get_length (self->fields))
    crm_import_dialog_map (self, header, NULL);
  else
    crm_import_dialog_map (self, header,
                           json_object_get_string_member (json_array_get_object_element (self->fields, selected - 1), "field"));
}

static void
show_report (CrmImportDialog *self,
             const char      *message)
{
  JsonObject *columns = self->report != NULL && json_object_has_member (self->report, "columns")
                        ? json_object_get_object_member (self->report, "columns") : NULL;
  JsonArray *errors = self->report != NULL && json_object_has_member (self->report, "errors")
                      ? json_object_get_array_member (self->report, "errors") : NULL;
  g_autoptr(GList) headers = columns != NULL ? json_object_get_members (columns) : NULL;
  gint64 rows = self->report != NULL ? json_object_get_int_member_with_default (self->report, "rows", 0) : 0;
  g_autofree char *summary = NULL;

  clear_dynamic (self);
  gtk_stack_set_visible_child_name (self->stack, self->path != NULL ? "mapping" : "empty");
  for (GList *l = headers; l != NULL; l = l->next)
    {
      const char *header = l->data;
      const char *field = json_object_get_null_member (columns, header)
                          ? NULL : json_object_get_string_member (columns, header);
      GtkStringList *names = gtk_string_list_new (NULL);
      GtkWidget *row = adw_combo_row_new ();
      guint selected = 0;

      gtk_string_list_append (names, _("Ignore this column"));
      for (guint i = 0; self->fields != NULL && i < json_array_get_length (self->fields); i++)
        {
          JsonObject *item = json_array_get_object_element (self->fields, i);

          gtk_string_list_append (names, json_object_get_string_member (item, "label"));
          if (g_strcmp0 (json_object_get_string_member (item, "field"), field) == 0 && selected == 0)
            selected = i + 1;
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), header);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      g_object_set_data (G_OBJECT (row), "building", GINT_TO_POINTER (TRUE));
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
      g_object_unref (names);
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
      g_object_set_data (G_OBJECT (row), "building", NULL);
      g_object_set_data_full (G_OBJECT (row), "header", g_strdup (header), g_free);
      g_signal_connect (row, "notify::selected", G_CALLBACK (column_selected_cb), self);
      add_dynamic (self, self->columns_group, row);
    }

  if (message != NULL)
    summary = g_strdup (message);
  else if (g_str_equal (self->state, "checking"))
    summary = g_strdup (_("Checking the rows…"));
  else if (g_str_equal (self->state, "importing"))
    summary = g_strdup (_("Importing…"));
  else if (g_str_equal (self->state, "imported"))
    summary = g_strdup_printf (ngettext ("%lld row imported", "%lld rows imported", rows), (long long) rows);
  else if (g_str_equal (self->state, "checked"))
    summary = g_strdup_printf (ngettext ("%lld row is ready to import", "%lld rows are ready to import", rows),
                               (long long) rows);
  adw_preferences_group_set_description (self->check_group, summary);
  for (guint i = 0; errors != NULL && i < json_array_get_length (errors); i++)
    {
      JsonObject *entry = json_array_get_object_element (errors, i);
      g_autofree char *title = g_strdup_printf (_("Line %lld"), (long long) json_object_get_int_member (entry, "line"));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), json_object_get_string_member (entry, "message"));
      gtk_widget_set_focusable (row, TRUE);
      add_dynamic (self, self->check_group, row);
    }
  gtk_widget_set_sensitive (self->import_button, g_str_equal (self->state, "checked") ||
                                                 g_str_equal (self->state, "cancelled"));
  gtk_widget_set_visible (self->import_button, !g_str_equal (self->state, "importing"));
  gtk_widget_set_visible (self->cancel_button, g_str_equal (self->state, "importing"));
  gtk_widget_set_sensitive (self->cancel_button, !g_cancellable_is_cancelled (self->cancellable));
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), g_str_equal (self->state, "importing"));
}

static gboolean
progress_tick_cb (gpointer data)
{
  CrmImportDialog *self = data;

  gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (&self->progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(CrmImportDialog) self = user_data;
  JobResult *result = g_task_propagate_pointer (G_TASK (res), NULL);
  gboolean importing = g_str_equal (self->state, "importing");
  const char *message = NULL;

  /* a job a newer one replaced: its result is of no use */
  if (result == NULL || g_task_get_cancellable (G_TASK (res)) != self->cancellable)
    {
      g_clear_pointer (&result, job_result_free);
      return;
    }
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (importing && g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* stopped before the one change set was written: the replica is as it was */
      self->state = "cancelled";
      show_report (self, _("Import cancelled: nothing was written"));
      job_result_free (result);
      return;
    }
  g_clear_pointer (&self->report, json_object_unref);
  if (result->report != NULL)
    self->report = json_object_ref (json_node_get_object (result->report));
  if (result->error != NULL)
    {
      gboolean bad_rows = self->report != NULL &&
                          json_object_get_int_member_with_default (self->report, "error_count", 0) > 0;

      self->state = bad_rows ? "bad-rows" : "failed";
      message = result->error->message;
    }
  else
    self->state = importing ? "imported" : "checked";
  show_report (self, message);
  if (importing && result->error == NULL)
    {
      crm_context_notify_changed (self->context);
      adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Imported: the new records are in their lists")));
    }
  job_result_free (result);
}

static void
start_job (CrmImportDialog *self,
           gboolean         dry_run)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->data == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  job = g_new0 (Job, 1);
  job->db_path = g_strdup (crm_store_get_path (crm_context_get_store (self->context)));
  job->entity = g_strdup (self->entity);
  job->actor = g_strdup (crm_context_get_user_id (self->context));
  job->data = g_bytes_ref (self->data);
  job->mapping = json_object_ref (self->mapping);
  job->dry_run = dry_run;
  job->progress = &self->progress;
  job->hold = &self->hold;
  job->held = &self->held;
  job->cancellable = g_object_ref (self->cancellable);
  /* the worker reads the mapping while the person may change it: its own copy */
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), self->mapping);
    g_autoptr(JsonNode) copy = json_node_copy (node);

    json_object_unref (job->mapping);
    job->mapping = json_object_ref (json_node_get_object (copy));
  }
  self->state = dry_run ? "checking" : "importing";
  g_atomic_int_set (&self->progress, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  if (!dry_run)
    self->progress_id = g_timeout_add (100, progress_tick_cb, self);
  show_report (self, NULL);
  task = g_task_new (NULL, self->cancellable, job_done_cb, g_object_ref (self));
  /* the worker's result comes back even when cancelled: it says whether the change set
   * was written before the cancellation arrived */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, run_job);
}

static void
check (CrmImportDialog *self)
{
  start_job (self, TRUE);
}

/* ---- picking the file ---- */

static void
file_chosen_cb (GtkNativeDialog *dialog,
                int              response,
                CrmImportDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      guint selected = adw_combo_row_get_selected (self->entity_row);

      if (path != NULL)
        crm_import_dialog_open_file (self, entities[MIN (selected, G_N_ELEMENTS (entities) - 1)].entity, path);
    }
  g_object_unref (dialog);
}

static void
choose_clicked_cb (CrmImportDialog *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Choose a Table to Import"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Tables (XLSX, CSV)"));
  gtk_file_filter_add_suffix (filter, "xlsx");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_add_suffix (filter, "txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
entity_selected_cb (CrmImportDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->entity_row);

  if (self->path != NULL && selected < G_N_ELEMENTS (entities) &&
      g_strcmp0 (entities[selected].entity, self->entity) != 0)
    {
      g_autofree char *path = g_strdup (self->path);

      crm_import_dialog_open_file (self, entities[selected].entity, path);
    }
}

static void
import_clicked_cb (CrmImportDialog *self)
{
  crm_import_dialog_import (self);
}

static void
cancel_clicked_cb (CrmImportDialog *self)
{
  crm_import_dialog_cancel (self);
}

/* ---- the object ---- */

static void
crm_import_dialog_dispose (GObject *object)
{
  CrmImportDialog *self = CRM_IMPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_import_dialog_parent_class)->dispose (object);
}

static void
crm_import_dialog_finalize (GObject *object)
{
  CrmImportDialog *self = CRM_IMPORT_DIALOG (object);

  g_free (self->entity);
  g_free (self->path);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->mapping, json_object_unref);
  g_clear_pointer (&self->report, json_object_unref);
  g_clear_pointer (&self->fields, json_array_unref);
  g_ptr_array_unref (self->dynamic);
  G_OBJECT_CLASS (crm_import_dialog_parent_class)->finalize (object);
}

static void
crm_import_dialog_class_init (CrmImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_import_dialog_dispose;
  object_class->finalize = crm_import_dialog_finalize;
}

static void
crm_import_dialog_init (CrmImportDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("_Choose File…"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *empty = adw_status_page_new ();
  GtkWidget *file_group = adw_preferences_group_new ();
  GtkStringList *entity_names = gtk_string_list_new (NULL);

  self->dynamic = g_ptr_array_new ();
  self->mapping = json_object_new ();
  self->state = "empty";
  gtk_window_set_title (GTK_WINDOW (self), _("Import"));
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 720);

  self->import_button = gtk_button_new_with_mnemonic (_("_Import"));
  gtk_widget_add_css_class (self->import_button, "suggested-action");
  gtk_widget_set_sensitive (self->import_button, FALSE);
  g_signal_connect_swapped (self->import_button, "clicked", G_CALLBACK (import_clicked_cb), self);
  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (choose_clicked_cb), self);
  self->cancel_button = gtk_button_new_with_mnemonic (_("_Stop Import"));
  gtk_widget_add_css_class (self->cancel_button, "destructive-action");
  gtk_widget_set_tooltip_text (self->cancel_button,
                               _("Stop before anything is written: the import is all or nothing"));
  gtk_widget_set_visible (self->cancel_button, FALSE);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), choose);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->import_button);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->cancel_button);
  gtk_box_append (GTK_BOX (box), header);

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    gtk_string_list_append (entity_names, _(entities[i].label));
  self->entity_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->entity_row), _("_The file holds"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->entity_row), TRUE);
  adw_combo_row_set_model (self->entity_row, G_LIST_MODEL (entity_names));
  g_object_unref (entity_names);
  g_signal_connect_swapped (self->entity_row, "notify::selected", G_CALLBACK (entity_selected_cb), self);
  self->file_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), _("File"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file_group), GTK_WIDGET (self->entity_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file_group), GTK_WIDGET (self->file_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (file_group));

  self->columns_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->columns_group, _("Columns"));
  adw_preferences_group_set_description (self->columns_group,
                                         _("The field each column fills; change one and the rows are checked again"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->columns_group);
  self->check_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->check_group, _("Check"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->check_group);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "document-open-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("Bring Your Clients In"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Choose an XLSX or CSV file, such as amoCRM's or Bitrix24's export: "
                                     "you see how its columns are read before anything is written"));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_add_named (self->stack, page, "mapping");
  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_margin_start (GTK_WIDGET (self->progress_bar), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->progress_bar), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->progress_bar), 12);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress_bar));
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, box);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->toasts));
}

CrmImportDialog *
crm_import_dialog_new (GtkWindow  *parent,
                       CrmContext *context)
{
  CrmImportDialog *self;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_IMPORT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->context = g_object_ref (context);
  return self;
}

void
crm_import_dialog_open_file (CrmImportDialog *self,
                             const char      *entity,
                             const char      *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  gsize length = 0;

  g_return_if_fail (CRM_IS_IMPORT_DIALOG (self));

  g_free (self->entity);
  self->entity = g_strdup (entity);
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (entities[i].entity, entity) && adw_combo_row_get_selected (self->entity_row) != i)
      {
        g_free (self->path);
        self->path = NULL;   /* no second read from the row's handler */
        adw_combo_row_set_selected (self->entity_row, i);
      }
  g_free (self->path);
  self->path = g_strdup (path);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_pointer (&self->report, json_object_unref);
  g_clear_pointer (&self->mapping, json_object_unref);
  self->mapping = json_object_new ();
  g_clear_pointer (&self->fields, json_array_unref);
  self->fields = crm_import_fields (crm_context_get_store (self->context), entity);
  name = g_path_get_basename (path);
  adw_action_row_set_subtitle (self->file_row, name);
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      self->state = "failed";
      show_report (self, error->message);
      return;
    }
  self->data = g_bytes_new_take (g_steal_pointer (&contents), length);
  check (self);
}

void
crm_import_dialog_map (CrmImportDialog *self,
                       const char      *header,
                       const char      *field)
{
  g_return_if_fail (CRM_IS_IMPORT_DIALOG (self));

  if (field != NULL)
    json_object_set_string_member (self->mapping, header, field);
  else
    json_object_set_null_member (self->mapping, header);
  check (self);
}

void
crm_import_dialog_import (CrmImportDialog *self)
{
  g_return_if_fail (CRM_IS_IMPORT_DIALOG (self));

  if (g_str_equal (self->state, "checked") || g_str_equal (self->state, "cancelled"))
    start_job (self, FALSE);
}

void
crm_import_dialog_cancel (CrmImportDialog *self)
{
  g_return_if_fail (CRM_IS_IMPORT_DIALOG (self));

  if (!g_str_equal (self->state, "importing") || g_cancellable_is_cancelled (self->cancellable))
    return;
  g_cancellable_cancel (self->cancellable);
  show_report (self, _("Stopping the import…"));
}

void
crm_import_dialog_hold_worker (CrmImportDialog *self,
                               gboolean         hold)
{
  g_return_if_fail (CRM_IS_IMPORT_DIALOG (self));
  g_atomic_int_set (&self->hold, hold ? 1 : 0);
}

gboolean
crm_import_dialog_worker_held (CrmImportDialog *self)
{
  g_return_val_if_fail (CRM_IS_IMPORT_DIALOG (self), FALSE);
  return g_atomic_int_get (&self->held) != 0;
}

const char *
crm_import_dialog_get_state (CrmImportDialog *self)
{
  g_return_val_if_fail (CRM_IS_IMPORT_DIALOG (self), NULL);
  return self->state;
}

JsonObject *
crm_import_dialog_get_report (CrmImportDialog *self)
{
  g_return_val_if_fail (CRM_IS_IMPORT_DIALOG (self), NULL);
  return self->report;
}
