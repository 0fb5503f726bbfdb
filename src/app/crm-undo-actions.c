/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-undo-actions.c — «Undo» toasts and deleting, for every view (crm-undo-actions.h). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-undo-actions.h"
#include "crm-query.h"
#include "crm-undo.h"
#include "crm-window.h"

static CrmWindow *
window_of (GtkWidget *widget)
{
  GtkRoot *root = widget != NULL ? gtk_widget_get_root (widget) : NULL;

  if (root != NULL && !CRM_IS_WINDOW (root) && GTK_IS_WINDOW (root))
    root = (GtkRoot *) gtk_window_get_transient_for (GTK_WINDOW (root));
  return root != NULL && CRM_IS_WINDOW (root) ? CRM_WINDOW (root) : NULL;
}

void
crm_undo_toast_show (GtkWidget  *widget,
                     const char *text,
                     const char *change_set_id)
{
  CrmWindow *window = window_of (widget);
  AdwToast *toast;

  if (window == NULL)
    return;
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 6);
  if (change_set_id != NULL)
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "win.undo-change");
      adw_toast_set_action_target_value (toast, g_variant_new_string (change_set_id));
      /* the newest change's «Undo» shows at once; an older toast waits behind it */
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
    }
  crm_window_add_toast (window, toast);
}

void
crm_undo_toast_show_last (GtkWidget  *widget,
                          CrmContext *context,
                          const char *text)
{
  crm_undo_toast_show (widget, text,
                       context != NULL ? crm_context_get_last_change_set (context) : NULL);
}

/* How many entities of @entity the change set @change_set_id touched besides its own. */
static guint
count_touched (CrmContext *context,
               const char *change_set_id,
               const char *entity)
{
  g_autoptr(JsonNode) sets = crm_store_list_change_sets (crm_context_get_store (context), NULL, 1,
                                                         NULL);
  JsonObject *set;
  JsonArray *changes;
  guint n = 0;

  if (sets == NULL || json_array_get_length (json_node_get_array (sets)) == 0)
    return 0;
  set = json_array_get_object_element (json_node_get_array (sets), 0);
  if (g_strcmp0 (json_object_get_string_member_with_default (set, "id", NULL), change_set_id) != 0)
    return 0;
  changes = json_object_get_array_member (set, "changes");
  for (guint i = 0; changes != NULL && i < json_array_get_length (changes); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (
                     json_array_get_object_element (changes, i), "entity", NULL), entity) == 0)
      n++;
  return n;
}

static char *
deleted_message (CrmContext *context,
                 const char *entity,
                 const char *name)
{
  if (g_str_equal (entity, "deal"))
    /* Translators: a toast; %s is the deal's title */
    return g_strdup_printf (_("Deal «%s» deleted"), name);
  if (g_str_equal (entity, "contact"))
    /* Translators: a toast; %s is the contact's name */
    return g_strdup_printf (_("Contact «%s» deleted"), name);
  if (g_str_equal (entity, "company"))
    {
      const char *change_set = crm_context_get_last_change_set (context);
      guint contacts = count_touched (context, change_set, "contact");
      guint deals = count_touched (context, change_set, "deal");

      if (contacts + deals == 0)
        /* Translators: a toast; %s is the company's name */
        return g_strdup_printf (_("Company «%s» deleted"), name);
      /* Translators: a toast; %s is the company's name, %u how many people and deals
       * it had: they are kept, without the company */
      return g_strdup_printf (ngettext ("Company «%s» deleted; its %u contact or deal stays, "
                                        "without the company",
                                        "Company «%s» deleted; its %u contacts and deals stay, "
                                        "without the company", contacts + deals),
                              name, contacts + deals);
    }
  if (g_str_equal (entity, "note"))
    return g_strdup (_("Note deleted"));
  if (g_str_equal (entity, "attachment"))
    /* Translators: a toast; %s is the file's name */
    return g_strdup_printf (_("File «%s» removed"), name);
  /* Translators: a toast; %s is the task's text */
  return g_strdup_printf (_("Task «%s» deleted"), name);
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
                                                       : g_str_equal (entity, "task") ||
                                                         g_str_equal (entity, "note") ? "text"
                                                       : "name", NULL);
  if (!crm_context_delete (context, entity, entity_id, &error))
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return FALSE;
    }
  message = deleted_message (context, entity, name != NULL ? name : "");
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
  CrmWindow *window = window_of (widget);
  JsonObject *stage;
  const char *kind;
  AdwToast *toast;
  guint n;

  if (window == NULL || context == NULL || deal_id == NULL)
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
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 10);
  adw_toast_set_button_label (toast, _("_Close Tasks"));
  adw_toast_set_action_name (toast, "win.close-deal-tasks");
  adw_toast_set_action_target_value (toast, g_variant_new_string (deal_id));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  crm_window_add_toast (window, toast);
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

static void
close_deal_tasks_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CrmContext *context = crm_window_get_context (CRM_WINDOW (widget));
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint n = crm_close_deal_tasks (context, g_variant_get_string (parameter, NULL), &error);

  if (n < 0)
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return;
    }
  message = g_strdup_printf (ngettext ("%d task closed", "%d tasks closed", n), n);
  crm_undo_toast_show_last (widget, context, message);
}

static void
undo_change_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmWindow *window = CRM_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!crm_context_undo (crm_window_get_context (window),
                         g_variant_get_string (parameter, NULL), &error))
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return;
    }
  crm_undo_toast_show (widget, _("Undone"), NULL);
}

static void
delete_entity_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  const char *entity = NULL;
  const char *entity_id = NULL;

  g_variant_get (parameter, "(&s&s)", &entity, &entity_id);
  crm_delete_entity (widget, crm_window_get_context (CRM_WINDOW (widget)), entity, entity_id);
}

void
crm_undo_install_actions (GtkWidgetClass *window_class)
{
  gtk_widget_class_install_action (window_class, "win.delete-entity", "(ss)",
                                   delete_entity_action);
  gtk_widget_class_install_action (window_class, "win.undo-change", "s", undo_change_action);
  gtk_widget_class_install_action (window_class, "win.close-deal-tasks", "s",
                                   close_deal_tasks_action);
}
