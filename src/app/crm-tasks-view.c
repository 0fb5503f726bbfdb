/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-tasks-view.c — open tasks of one user split by local day: before today, today,
 * later (and those without a date). One user's open tasks are a short list, read whole. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-format.h"
#include "crm-json.h"
#include "crm-query.h"
#include "crm-tasks-view.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

/* The dropdown's first item for managers: every user's open tasks together. */
#define EVERYONE "*everyone*"

struct _CrmTasksView
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  char                *user_id;      /* NULL: the current user */
  gboolean             updating;
  GPtrArray           *user_ids;

  GtkStack            *stack;
  GtkWidget           *user_box;
  GtkDropDown         *user_dropdown;
  GtkStringList       *user_names;
  AdwPreferencesGroup *overdue_group;
  GtkListBox          *overdue_list;
  AdwPreferencesGroup *today_group;
  GtkListBox          *today_list;
  AdwPreferencesGroup *upcoming_group;
  GtkListBox          *upcoming_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmTasksView, crm_tasks_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static GtkListBox *
section_list (CrmTasksView *self,
              const char   *section)
{
  if (g_strcmp0 (section, "overdue") == 0)
    return self->overdue_list;
  if (g_strcmp0 (section, "today") == 0)
    return self->today_list;
  return self->upcoming_list;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

/* Whether the dropdown already lists exactly @users, in order. */
static gboolean
users_listed (CrmTasksView *self,
              JsonArray    *users)
{
  guint n = users != NULL ? json_array_get_length (users) : 0;

  if (n != self->user_ids->len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "id"), self->user_ids->pdata[i]) != 0 ||
          g_strcmp0 (json_object_get_string_member (user, "name"),
                     gtk_string_list_get_string (self->user_names, i)) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Refills the user dropdown only when the users changed: refilling it from its own
 * "selected" handler (choosing a person reloads the view) made GtkDropDown select and
 * notify again, which reloaded again — the app hung at 100 % CPU. */
static void
fill_users (CrmTasksView *self)
{
  const char *shown = self->user_id != NULL ? self->user_id : crm_context_get_user_id (self->context);
  g_autoptr(JsonArray) users = json_array_new ();
  JsonArray *known = crm_context_get_users (self->context);
  JsonObject *everyone = json_object_new ();
  g_autoptr(CrmUserRights) rights = crm_context_dup_rights (self->context);
  guint selected = 0;

  /* «Everyone» first (managers see the dropdown at all), then the users whose work the
   * user oversees (a head: his group's) */
  json_object_set_string_member (everyone, "id", EVERYONE);
  json_object_set_string_member (everyone, "name", _("Everyone"));
  json_array_add_object_element (users, everyone);
  for (guint i = 0; known != NULL && i < json_array_get_length (known); i++)
    if (rights == NULL ||
        crm_user_rights_within (rights, crm_user_rights_team (rights),
                                crm_json_string (json_array_get_object_element (known, i), "id")))
      json_array_add_element (users, json_node_copy (json_array_get_element (known, i)));

  self->updating = TRUE;
  if (!users_listed (self, users))
    selected = crm_fill_user_choices (self->user_names, self->user_ids, users, shown, 0);
  else
    for (guint i = 0; i < self->user_ids->len; i++)
      if (g_strcmp0 (self->user_ids->pdata[i], shown) == 0)
        selected = i;
  if (gtk_drop_down_get_selected (self->user_dropdown) != selected)
    gtk_drop_down_set_selected (self->user_dropdown, selected);
  gtk_widget_set_visible (self->user_box, crm_context_is_manager (self->context));
  self->updating = FALSE;
}

static void
user_selected_cb (CrmTasksView *self)
{
  guint selected = gtk_drop_down_get_selected (self->user_dropdown);

  if (self->updating || selected >= self->user_ids->len ||
      g_strcmp0 (g_ptr_array_index (self->user_ids, selected), self->user_id) == 0)
    return;
  crm_tasks_view_set_user (self, g_ptr_array_index (self->user_ids, selected));
}

static void
crm_tasks_view_reload (CrmView *view)
{
  CrmTasksView *self = CRM_TASKS_VIEW (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) tasks = NULL;
  g_autofree char *subtitle = NULL;
  const char *user_id;
  JsonArray *array;
  gint64 now, today, tomorrow;
  guint n_overdue, n_today, n_upcoming;

  g_return_if_fail (CRM_IS_TASKS_VIEW (self));

  if (self->context == NULL)
    return;
  fill_users (self);
  user_id = self->user_id != NULL ? self->user_id : crm_context_get_user_id (self->context);
  /* only managers choose «Everyone»; anyone else keeps their own list */
  if (g_strcmp0 (user_id, EVERYONE) == 0)
    user_id = crm_context_is_manager (self->context) ? NULL : crm_context_get_user_id (self->context);
  tasks = crm_query_tasks (crm_context_get_store (self->context), NULL, TRUE, user_id, &error);
  if (tasks == NULL)
    {
      crm_stack_show_read_error (self->stack, _("The Tasks Cannot Be Read"), error);
      crm_view_set_subtitle (CRM_VIEW (self), NULL);
      return;
    }

  crm_list_box_remove_all (self->overdue_list);
  crm_list_box_remove_all (self->today_list);
  crm_list_box_remove_all (self->upcoming_list);
  now = crm_context_now (self->context);
  today = crm_day_start (now);
  tomorrow = crm_day_end (now);
  array = json_node_get_array (tasks);
  /* «Everyone» of a head: his group's */
  if (user_id == NULL)
    crm_context_keep_overseen (self->context, array, "responsible_id");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *task = json_array_get_object_element (array, i);
      const char *due_text = json_object_get_string_member_with_default (task, "due", NULL);
      GtkListBox *list = self->upcoming_list;
      gint64 due = 0;

      if (due_text != NULL && crm_time_parse (due_text, &due))
        list = due < today ? self->overdue_list : due < tomorrow ? self->today_list
                                                                 : self->upcoming_list;
      /* one person's list names them once, in «Tasks of»: not on every row */
      if (user_id != NULL)
        json_object_remove_member (task, "responsible");
      gtk_list_box_append (list, GTK_WIDGET (crm_task_row_new (task, TRUE, now)));
    }

  n_overdue = count_rows (self->overdue_list);
  n_today = count_rows (self->today_list);
  n_upcoming = count_rows (self->upcoming_list);
  gtk_widget_set_visible (GTK_WIDGET (self->overdue_group), n_overdue > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->today_group), n_today > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->upcoming_group), n_upcoming > 0);
  gtk_stack_set_visible_child_name (self->stack,
                                    n_overdue + n_today + n_upcoming > 0 ? "tasks" : "empty");

  /* Translators: the Tasks view's subtitle: today's and overdue counts */
  subtitle = g_strdup_printf (_("%u today · %u overdue"), n_today, n_overdue);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

void
crm_tasks_view_set_user (CrmTasksView *self,
                         const char   *user_id)
{
  g_return_if_fail (CRM_IS_TASKS_VIEW (self));

  g_free (self->user_id);
  self->user_id = g_strdup (user_id);
  crm_view_reload (CRM_VIEW (self));
}

guint
crm_tasks_view_get_n_tasks (CrmTasksView *self,
                            const char   *section)
{
  g_return_val_if_fail (CRM_IS_TASKS_VIEW (self), 0);
  return count_rows (section_list (self, section));
}

CrmTaskRow *
crm_tasks_view_get_row (CrmTasksView *self,
                        const char   *section,
                        guint         index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (CRM_IS_TASKS_VIEW (self), NULL);
  row = gtk_list_box_get_row_at_index (section_list (self, section), index);
  return row != NULL && CRM_IS_TASK_ROW (row) ? CRM_TASK_ROW (row) : NULL;
}

CrmTaskRow *
crm_tasks_view_find_row (CrmTasksView *self,
                         const char   *task_id)
{
  GtkListBox *lists[] = { self->overdue_list, self->today_list, self->upcoming_list };

  g_return_val_if_fail (CRM_IS_TASKS_VIEW (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (lists[i])); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (CRM_IS_TASK_ROW (child) &&
          g_strcmp0 (crm_task_row_get_task_id (CRM_TASK_ROW (child)), task_id) == 0)
        return CRM_TASK_ROW (child);
  return NULL;
}

/* ---- GObject ---- */

static void
crm_tasks_view_dispose (GObject *object)
{
  CrmTasksView *self = CRM_TASKS_VIEW (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_TASKS_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_tasks_view_parent_class)->dispose (object);
}

static void
crm_tasks_view_finalize (GObject *object)
{
  CrmTasksView *self = CRM_TASKS_VIEW (object);

  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->user_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_tasks_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_tasks_view_reload;
}

static void
crm_tasks_view_class_init (CrmTasksViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_tasks_view_dispose;
  object_class->finalize = crm_tasks_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmTasksView, context), N_("Tasks"),
                        NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-tasks-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, user_box);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, user_names);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, overdue_group);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, overdue_list);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, today_group);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, today_list);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, upcoming_group);
  gtk_widget_class_bind_template_child (widget_class, CrmTasksView, upcoming_list);
  gtk_widget_class_bind_template_callback (widget_class, user_selected_cb);
}

static void
crm_tasks_view_init (CrmTasksView *self)
{
  self->user_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
