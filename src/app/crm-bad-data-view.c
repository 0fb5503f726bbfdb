/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-bad-data-view.c — «Данные на исправление» (crm-bad-data-view.h). Checking every
 * contact's and company's values takes a while on a large account: the list is read in a
 * GTask worker on a reading connection of its own (crm_store_open_reader), a reload while
 * one runs reads once more when it ends; the rows are built on the main loop. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-bad-data.h"
#include "crm-bad-data-view.h"
#include "crm-context.h"
#include "crm-describe.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmBadDataView
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  guint                n_rows;
  gboolean             running;
  gboolean             pending;
  gboolean             disposed;

  GtkStack            *stack;
  AdwStatusPage       *empty_page;
  GtkListBox          *list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmBadDataView, crm_bad_data_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

/* A manager sees everyone's cards, a head his group's (read_done_cb()), the others their
 * own. */
static const char *
scope (CrmBadDataView *self)
{
  return crm_context_is_manager (self->context) ? NULL : crm_context_get_user_id (self->context);
}

static GtkWidget *
item_row (CrmBadDataView *self,
          JsonObject     *item)
{
  CrmStore *store = crm_context_get_store (self->context);
  const char *entity = json_object_get_string_member_with_default (item, "entity", "contact");
  const char *hint = json_object_get_string_member_with_default (item, "hint", NULL);
  const char *responsible = json_object_get_string_member_with_default (item, "responsible", NULL);
  g_autofree char *field = crm_describe_field (store, entity,
                                               json_object_get_string_member_with_default (item, "field", ""));
  const char *value = json_object_get_string_member_with_default (item, "value", "");
  const char *problem = crm_bad_data_problem_words (
    json_object_get_string_member_with_default (item, "problem", ""));
  g_autoptr(GString) subtitle = g_string_new (NULL);
  gboolean company = g_str_equal (entity, "company");
  GtkWidget *row;
  GtkWidget *icon;

  if (hint != NULL)
    /* Translators: a value to fix: the field, the value as typed, what is wrong, and how
     * it reads to the standard: «Телефоны: «8 (912) 345-67-89» — телефон не по стандарту;
     * пишите +79123456789» */
    g_string_append_printf (subtitle, _("%s: «%s» — %s; write it as %s"), field, value, problem, hint);
  else
    /* Translators: a value to fix: the field, the value as typed, what is wrong */
    g_string_append_printf (subtitle, _("%s: «%s» — %s"), field, value, problem);
  if (scope (self) == NULL && responsible != NULL)
    /* Translators: after a value to fix, in a head's list: whose card it is */
    g_string_append_printf (subtitle, _(" · responsible: %s"), responsible);
  row = crm_text_row_new (json_object_get_string_member_with_default (item, "name", ""),
                          subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  icon = gtk_image_new_from_icon_name (company ? "system-users-symbolic" : "avatar-default-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  company ? _("Company") : _("Contact"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  crm_row_set_action (row, company ? "win.open-company" : "win.open-contact",
                      json_object_get_string_member_with_default (item, "id", ""));
  return row;
}

static void
show_items (CrmBadDataView *self,
            JsonArray      *items)
{
  g_autofree char *subtitle = NULL;

  crm_list_box_remove_all (self->list);
  self->n_rows = 0;
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      gtk_list_box_append (self->list, item_row (self, json_array_get_object_element (items, i)));
      self->n_rows++;
    }
  if (self->n_rows > 0)
    /* Translators: the subtitle of «Data to Fix» */
    subtitle = g_strdup_printf (ngettext ("%u value to fix", "%u values to fix", self->n_rows),
                                self->n_rows);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
  gtk_stack_set_visible_child_name (self->stack, self->n_rows > 0 ? "list" : "empty");
}

/* ---- reading in a worker ---- */

typedef struct {
  char *path;
  char *responsible;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_free (data->path);
  g_free (data->responsible);
  g_free (data);
}

static void
read_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ReadData *data = task_data;
  g_autoptr(CrmStore) reader = NULL;
  GError *error = NULL;
  JsonNode *items;

  reader = crm_store_open_reader (data->path, &error);
  /* a small cache and no mapped pages: the app's memory stays small */
  if (reader != NULL && !crm_store_set_memory_limits (reader, 2048, 0, &error))
    g_clear_object (&reader);
  if (reader == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  items = crm_bad_data_list (reader, data->responsible, &error);
  if (items == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, items, (GDestroyNotify) json_node_unref);
}

static void start_read (CrmBadDataView *self);

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CrmBadDataView *self = CRM_BAD_DATA_VIEW (source);
  g_autoptr(JsonNode) items = NULL;
  g_autoptr(GError) error = NULL;

  self->running = FALSE;
  items = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->disposed)
    return;
  if (self->pending)
    {
      start_read (self);
      return;
    }
  if (items == NULL)
    {
      /* the cause and what to do where the list would be: never «all in order» */
      crm_stack_show_read_error (self->stack, _("The Data to Fix Cannot Be Read"), error);
      crm_view_set_subtitle (CRM_VIEW (self), NULL);
      return;
    }
  /* everyone's cards of a head: his group's */
  if (scope (self) == NULL)
    crm_context_keep_overseen (self->context, json_node_get_array (items), "responsible_id");
  show_items (self, json_node_get_array (items));
}

static void
start_read (CrmBadDataView *self)
{
  ReadData *data;
  GTask *task;

  if (self->context == NULL || self->disposed)
    return;
  if (self->running)
    {
      self->pending = TRUE;
      return;
    }
  self->pending = FALSE;
  data = g_new0 (ReadData, 1);
  data->path = g_strdup (crm_store_get_path (crm_context_get_store (self->context)));
  data->responsible = g_strdup (scope (self));
  self->running = TRUE;
  if (self->n_rows == 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  task = g_task_new (self, NULL, read_done_cb, NULL);
  g_task_set_source_tag (task, start_read);
  g_task_set_task_data (task, data, (GDestroyNotify) read_data_free);
  g_task_run_in_thread (task, read_in_thread);
  g_object_unref (task);
}

static void
crm_bad_data_view_reload (CrmView *view)
{
  start_read (CRM_BAD_DATA_VIEW (view));
}

gboolean
crm_bad_data_view_is_loading (CrmBadDataView *self)
{
  g_return_val_if_fail (CRM_IS_BAD_DATA_VIEW (self), FALSE);
  return self->running || self->pending || crm_view_is_reload_queued (CRM_VIEW (self));
}

guint
crm_bad_data_view_get_n_rows (CrmBadDataView *self)
{
  g_return_val_if_fail (CRM_IS_BAD_DATA_VIEW (self), 0);
  return self->n_rows;
}

static void
crm_bad_data_view_dispose (GObject *object)
{
  CrmBadDataView *self = CRM_BAD_DATA_VIEW (object);

  self->disposed = TRUE;
  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_BAD_DATA_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_bad_data_view_parent_class)->dispose (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_bad_data_view_reload;
}

static void
crm_bad_data_view_class_init (CrmBadDataViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_bad_data_view_dispose;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmBadDataView, context),
                        N_("Data to Fix"), NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-bad-data-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmBadDataView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmBadDataView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CrmBadDataView, list);
}

static void
crm_bad_data_view_init (CrmBadDataView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
