/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-undo-actions.c — «Undo» toasts and deleting, for every view (crm-undo-actions.h). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-undo-actions.h"
#include "crm-query.h"

/* A toast in @widget's window through its "win.show-action-toast" action (a dialog asks
 * the window it is transient for); with a button only when @action_name is not NULL. */
static void
show_action_toast (GtkWidget  *widget,
                   const char *text,
                   guint       timeout,
                   const char *button_label,
                   const char *action_name,
                   const char *target)
{
  GtkRoot *root = widget != NULL ? gtk_widget_get_root (widget) : NULL;
  const char *label = action_name != NULL ? button_label : "";
  const char *action = action_name != NULL ? action_name : "";

  if (widget == NULL)
    return;
  if (gtk_widget_activate_action (widget, "win.show-action-toast", "(sussms)", text, timeout,
                                  label, action, target))
    return;
  if (root != NULL && GTK_IS_WINDOW (root) && gtk_window_get_transient_for (GTK_WINDOW (root)) != NULL)
    gtk_widget_activate_action (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (root))),
                                "win.show-action-toast", "(sussms)", text, timeout, label,
                                action, target);
}

void
crm_undo_toast_show (GtkWidget  *widget,
                     const char *text,
                     const char *change_set_id)
{
  show_action_toast (widget, text, 6, _("_Undo"), change_set_id != NULL ? "win.undo-change" : NULL,
                     change_set_id);
}

void
crm_undo_toast_show_last (GtkWidget  *widget,
                          CrmContext *context,
                          const char *text)
{
  crm_undo_toast_show (widget, text,
                       context != NULL ? crm_context_get_last_change_set (context) : NULL);
}

gboolean
crm_delete_entity (GtkWidget  *widget,
                   CrmContext *context,
                   const char *entity,
                   const char *entity_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) row = crm_store_dup_entity (crm_context_get_store (context), entity,
                                                    entity_id);
  g_autofree char *message = NULL;
  const char *name = NULL;

  if (row != NULL)
    name = json_object_get_string_member_with_default (row, g_str_equal (entity, "deal") ? "title"
                                                       : g_str_equal (entity, "task") ? "text"
                                                       : "name", NULL);
  if (!crm_context_delete (context, entity, entity_id, &error))
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return FALSE;
    }
  if (g_str_equal (entity, "deal"))
    /* Translators: a toast; %s is the deal's title */
    message = g_strdup_printf (_("Deal «%s» deleted"), name != NULL ? name : "");
  else if (g_str_equal (entity, "contact"))
    /* Translators: a toast; %s is the contact's name */
    message = g_strdup_printf (_("Contact «%s» deleted"), name != NULL ? name : "");
  else
    /* Translators: a toast; %s is the task's text */
    message = g_strdup_printf (_("Task «%s» deleted"), name != NULL ? name : "");
  crm_undo_toast_show_last (widget, context, message);
  return TRUE;
}

static JsonArray *
open_tasks (CrmContext *context,
            const char *deal_id)
{
  g_autoptr(JsonNode) node = crm_query_tasks (crm_context_get_store (context), deal_id, TRUE,
                                              NULL, NULL);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_array_ref (json_node_get_array (node))
                                                      : json_array_new ();
}

void
crm_offer_close_tasks (GtkWidget  *widget,
                       CrmContext *context,
                       const char *deal_id)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonArray) tasks = NULL;
  g_autofree char *message = NULL;
  JsonObject *stage;
  const char *kind;
  guint n;

  if (widget == NULL || context == NULL || deal_id == NULL)
    return;
  deal = crm_store_dup_entity (crm_context_get_store (context), "deal", deal_id);
  if (deal == NULL)
    return;
  stage = crm_context_find_stage (context, json_object_get_string_member_with_default (deal, "stage", ""),
                                  NULL);
  kind = stage != NULL ? json_object_get_string_member_with_default (stage, "kind", "") : "";
  if (!g_str_equal (kind, "won") && !g_str_equal (kind, "lost"))
    return;
  tasks = open_tasks (context, deal_id);
  n = json_array_get_length (tasks);
  if (n == 0)
    return;
  message = g_strdup_printf (ngettext ("«%s» is closed and still has %u open task",
                                       "«%s» is closed and still has %u open tasks", n),
                             json_object_get_string_member_with_default (deal, "title", ""), n);
  show_action_toast (widget, message, 10, _("_Close Tasks"), "win.close-deal-tasks", deal_id);
}

gint
crm_close_deal_tasks (CrmContext  *context,
                      const char  *deal_id,
                      GError     **error)
{
  g_autoptr(JsonArray) tasks = open_tasks (context, deal_id);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  guint n = json_array_get_length (tasks);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *task = json_array_get_object_element (tasks, i);
      CrmChange *change = crm_changeset_touch (changeset, "task",
                                               json_object_get_string_member (task, "id"));

      crm_change_set_bool (change, "done", TRUE);
      crm_change_set_int (change, "done_at", crm_context_now (context));
      /* a call needs a result to be done: say what became of it */
      if (json_object_get_string_member_with_default (task, "result", NULL) == NULL)
        crm_change_set_string (change, "result", _("The deal was closed"));
    }
  if (n == 0)
    return 0;
  if (!crm_context_apply (context, changeset, error))
    return -1;
  return (gint) n;
}
