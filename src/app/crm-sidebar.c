/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-sidebar.c — a navigation-sidebar list box of CrmSidebarRow; activating an entry
 * emits "view-activated" with the view key the window shows. Entries depend on the
 * user's role, so they are rebuilt when the replica or the user changes. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-approval.h"
#include "crm-filter.h"
#include "crm-schedule.h"
#include "crm-sidebar.h"
#include "crm-sidebar-row.h"
#include "crm-widget-util.h"

#define PURCHASING_PIPELINE "Отдел закупок"

struct _CrmSidebar
{
  GtkWidget   parent_instance;

  CrmContext *context;
  char       *selected;

  GtkListBox *list;
};

G_DEFINE_FINAL_TYPE (CrmSidebar, crm_sidebar, GTK_TYPE_WIDGET)

enum {
  VIEW_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
add_row (CrmSidebar *self,
         const char *view,
         const char *icon_name,
         const char *title)
{
  gtk_list_box_append (self->list, GTK_WIDGET (crm_sidebar_row_new (view, icon_name, title)));
}

/* S4-1: the team's saved @lists of @entity, indented under their view ("list:ID" opens
 * one in the Contacts view, "company-list:ID" in the Companies view, "deal-list:ID" — under
 * the pipelines — in a list of deals). */
static void
add_saved_lists (CrmSidebar *self,
                 JsonArray  *lists,
                 const char *entity,
                 const char *prefix)
{
  for (guint i = 0; lists != NULL && i < json_array_get_length (lists); i++)
    {
      JsonObject *list = json_array_get_object_element (lists, i);
      g_autofree char *view = NULL;
      CrmSidebarRow *row;

      if (g_strcmp0 (json_object_get_string_member_with_default (list, "entity", "contact"),
                     entity) != 0)
        continue;
      view = g_strconcat (prefix, json_object_get_string_member (list, "id"), NULL);
      row = crm_sidebar_row_new (view, "view-list-symbolic",
                                 json_object_get_string_member_with_default (list, "name", ""));
      gtk_widget_add_css_class (GTK_WIDGET (row), "saved-list");
      gtk_list_box_append (self->list, GTK_WIDGET (row));
    }
}

static void
rebuild (CrmSidebar *self)
{
  JsonArray *pipelines = crm_context_get_pipelines (self->context);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) lists = crm_saved_list_all (crm_context_get_store (self->context), &error);

  /* the views stay; their saved lists are missing, and a toast says why */
  if (lists == NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the saved lists"), error);
  crm_list_box_remove_all (self->list);

  for (guint i = 0; i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);
      g_autofree char *view = g_strconcat ("pipeline:",
                                           json_object_get_string_member (pipeline, "id"), NULL);

      /* an archived pipeline's deals are found by search and their links */
      if (json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        continue;
      add_row (self, view, "view-paged-symbolic",
               json_object_get_string_member_with_default (pipeline, "name", ""));
    }
  add_saved_lists (self, lists, "deal", "deal-list:");
  add_row (self, "contacts", "avatar-default-symbolic", _("Contacts"));
  add_saved_lists (self, lists, "contact", "list:");
  add_row (self, "companies", "system-users-symbolic", _("Companies"));
  add_saved_lists (self, lists, "company", "company-list:");
  /* S4-6: likely duplicate contacts and companies, merged into one */
  add_row (self, "duplicates", "edit-copy-symbolic", _("Duplicates"));
  /* S4-7: phones, e-mails and INNs of one's cards off the input standard */
  add_row (self, "bad-data", "dialog-warning-symbolic", _("Data to Fix"));
  add_row (self, "tasks", "task-due-symbolic", _("Tasks"));
  add_row (self, "calls", "call-start-symbolic", _("Calls"));
  /* «На согласовании» (S3-9, S3-10): accounts that work with approvals */
  if (crm_approval_in_use (crm_context_get_store (self->context)))
    add_row (self, "approvals", "object-select-symbolic", _("Awaiting Approval"));
  /* the stock view reads the truck dealer's purchasing pipeline (S0-7) */
  if (crm_context_is_manager (self->context) &&
      crm_context_find_pipeline_by_name (self->context, PURCHASING_PIPELINE) != NULL)
    add_row (self, "stock", "crm-tag-symbolic", _("Stock"));
  /* the head's figures: heads and admins */
  if (crm_context_is_manager (self->context))
    add_row (self, "reports", "crm-report-symbolic", _("Reports"));
  /* work schedules: heads always, others when they have one (S2-7) */
  if (crm_context_is_manager (self->context) ||
      crm_schedule_has_schedule (crm_context_get_store (self->context),
                                 crm_context_get_user_id (self->context)))
    add_row (self, "schedule", "x-office-calendar-symbolic", _("Schedule"));
  if (crm_context_is_admin (self->context))
    add_row (self, "automation", "emblem-system-symbolic", _("Automation"));
  /* everyone keeps Settings: it is where one works as someone else or signs in, and a
   * local account switched to a rep must find its way back (its admin groups hide) */
  add_row (self, "settings", "preferences-system-symbolic", _("Settings"));
  if (self->selected != NULL)
    {
      g_autofree char *view = g_strdup (self->selected);

      crm_sidebar_select (self, view);
    }
}

void
crm_sidebar_select (CrmSidebar *self,
                    const char *view)
{
  g_return_if_fail (CRM_IS_SIDEBAR (self));

  g_free (self->selected);
  self->selected = g_strdup (view);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (CRM_IS_SIDEBAR_ROW (child) &&
        g_strcmp0 (crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (child)), view) == 0)
      {
        gtk_list_box_select_row (self->list, GTK_LIST_BOX_ROW (child));
        return;
      }
  /* the search page is no place of the sidebar's (a deal page keeps its board selected) */
  if (g_strcmp0 (view, "search") == 0)
    gtk_list_box_unselect_all (self->list);
}

static void
row_activated_cb (CrmSidebar    *self,
                  GtkListBoxRow *row)
{
  if (CRM_IS_SIDEBAR_ROW (row))
    g_signal_emit (self, signals[VIEW_ACTIVATED], 0, crm_sidebar_row_get_view (CRM_SIDEBAR_ROW (row)));
}

gboolean
crm_sidebar_activate_nth (CrmSidebar *self,
                          guint       index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (CRM_IS_SIDEBAR (self), FALSE);
  row = gtk_list_box_get_row_at_index (self->list, index);
  if (row == NULL)
    return FALSE;
  row_activated_cb (self, row);
  return TRUE;
}

void
crm_sidebar_set_context (CrmSidebar *self,
                         CrmContext *context)
{
  g_return_if_fail (CRM_IS_SIDEBAR (self));

  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_set_object (&self->context, context);
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "changed", G_CALLBACK (rebuild), self);
  rebuild (self);
}

static void
crm_sidebar_dispose (GObject *object)
{
  CrmSidebar *self = CRM_SIDEBAR (object);

  crm_sidebar_set_context (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_SIDEBAR);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_sidebar_parent_class)->dispose (object);
}

static void
crm_sidebar_finalize (GObject *object)
{
  g_clear_pointer (&CRM_SIDEBAR (object)->selected, g_free);
  G_OBJECT_CLASS (crm_sidebar_parent_class)->finalize (object);
}

static void
crm_sidebar_class_init (CrmSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_sidebar_dispose;
  object_class->finalize = crm_sidebar_finalize;

  /* An entry was activated: the view key. */
  signals[VIEW_ACTIVATED] = g_signal_new ("view-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/voronka/Voronka/crm-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmSidebar, list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
}

static void
crm_sidebar_init (CrmSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
