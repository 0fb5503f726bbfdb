/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-automation-view.c — rules listed from crm_rules_list(); turning one off is a change
 * set on the rule entity, which only an administrator may make (the store's gate). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-automation-view.h"
#include "crm-deal-actions.h"
#include "crm-rules.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmAutomationView
{
  GtkWidget      parent_instance;

  CrmContext    *context;
  guint          n_rules;

  GtkStack      *stack;
  GtkListBox    *rule_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmAutomationView, crm_automation_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

/* What a trigger type means, as people say it (the types of crm-rules.c). */
static const char *
trigger_phrase (const char *type)
{
  static const struct { const char *type; const char *phrase; } phrases[] = {
    { "deal_created", N_("a deal is created") },
    { "stage_entered", N_("a deal enters a stage") },
    { "field_changed", N_("a field changes") },
    { "deal_won", N_("a deal is won") },
    { "deal_lost", N_("a deal is lost") },
    { "task_completed", N_("a task is completed") },
    { "contact_created", N_("a contact is created") },
    { "company_created", N_("a company is created") },
    { "timer", N_("time has passed") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (phrases); i++)
    if (g_strcmp0 (type, phrases[i].type) == 0)
      return _(phrases[i].phrase);
  return _("something happens");
}

static const char *
action_phrase (const char *type)
{
  static const struct { const char *type; const char *phrase; } phrases[] = {
    { "move_deal", N_("move the deal") },
    { "create_deal", N_("create a deal") },
    { "create_task", N_("create a task") },
    { "set_field", N_("set a field") },
    { "add_tag", N_("add a tag") },
    { "remove_tag", N_("remove a tag") },
    { "notify", N_("notify someone") },
    { "send_message", N_("send a message") },
    { "for_each_deal", N_("go through matching deals") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (phrases); i++)
    if (g_strcmp0 (type, phrases[i].type) == 0)
      return _(phrases[i].phrase);
  return _("do something");
}

static const char *
type_of (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node)
         ? json_object_get_string_member_with_default (json_node_get_object (node), "type", NULL)
         : NULL;
}

/* Appends @phrase to @text after @separator unless @text already says it (two
 * "stage_entered" triggers read as one). */
static void
append_phrase (GString    *text,
               const char *separator,
               const char *phrase)
{
  g_autofree char *framed = g_strconcat (separator, phrase, separator, NULL);
  g_autofree char *within = g_strconcat (separator, text->str, separator, NULL);

  if (text->len > 0 && strstr (within, framed) != NULL)
    return;
  if (text->len > 0)
    g_string_append (text, separator);
  g_string_append (text, phrase);
}

/* "When a deal enters a stage → create a task, notify someone": the rule's triggers
 * and actions in words, never its JSON type names. */
static char *
describe_rule (JsonObject *rule)
{
  JsonArray *triggers = json_object_has_member (rule, "triggers")
                        ? json_object_get_array_member (rule, "triggers") : NULL;
  JsonArray *actions = json_object_has_member (rule, "actions")
                       ? json_object_get_array_member (rule, "actions") : NULL;
  g_autoptr(GString) when = g_string_new (NULL);
  g_autoptr(GString) then = g_string_new (NULL);
  /* Translators: between two triggers of one rule: "a field changes or a deal is won" */
  const char *or = _(" or ");

  if (json_object_has_member (rule, "trigger"))
    append_phrase (when, or, trigger_phrase (type_of (json_object_get_member (rule, "trigger"))));
  for (guint i = 0; triggers != NULL && i < json_array_get_length (triggers); i++)
    append_phrase (when, or, trigger_phrase (type_of (json_array_get_element (triggers, i))));
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    append_phrase (then, ", ", action_phrase (type_of (json_array_get_element (actions, i))));
  /* Translators: a rule in the Automation view: "When a field changes → move the deal" */
  return g_strdup_printf (_("When %s → %s"), when->str, then->str);
}

static void
enabled_changed_cb (GtkSwitch         *toggle,
                    GParamSpec        *pspec,
                    CrmAutomationView *self)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "updating")))
    return;
  crm_change_set_bool (crm_changeset_touch (changeset, "rule",
                                            g_object_get_data (G_OBJECT (toggle), "rule-id")),
                       "enabled", gtk_switch_get_active (toggle));
  if (!crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset,
                         gtk_switch_get_active (toggle) ? _("Rule turned on") : _("Rule turned off"),
                         NULL))
    crm_view_reload (CRM_VIEW (self));
}

static void
crm_automation_view_reload (CrmView *view)
{
  CrmAutomationView *self = CRM_AUTOMATION_VIEW (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) rules = NULL;
  JsonArray *array;

  g_return_if_fail (CRM_IS_AUTOMATION_VIEW (self));

  if (self->context == NULL)
    return;
  rules = crm_rules_list (crm_context_get_store (self->context), &error);
  if (rules == NULL)
    {
      g_warning ("Could not read the rules: %s", error->message);
      return;
    }
  crm_list_box_remove_all (self->rule_list);

  array = json_node_get_array (rules);
  self->n_rules = json_array_get_length (array);
  for (guint i = 0; i < self->n_rules; i++)
    {
      JsonObject *rule = json_array_get_object_element (array, i);
      g_autofree char *summary = describe_rule (rule);
      const char *name = json_object_get_string_member_with_default (rule, "name", "");
      GtkWidget *row = crm_text_row_new (name, summary);
      GtkWidget *toggle = gtk_switch_new ();

      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (toggle), "updating", GINT_TO_POINTER (1));
      gtk_switch_set_active (GTK_SWITCH (toggle),
                             json_object_get_boolean_member_with_default (rule, "enabled", TRUE));
      g_object_set_data (G_OBJECT (toggle), "updating", NULL);
      g_object_set_data_full (G_OBJECT (toggle), "rule-id",
                              g_strdup (json_object_get_string_member (rule, "id")), g_free);
      g_signal_connect (toggle, "notify::active", G_CALLBACK (enabled_changed_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      gtk_list_box_append (self->rule_list, row);
    }
  gtk_stack_set_visible_child_name (self->stack, self->n_rules > 0 ? "rules" : "empty");
}

guint
crm_automation_view_get_n_rules (CrmAutomationView *self)
{
  g_return_val_if_fail (CRM_IS_AUTOMATION_VIEW (self), 0);
  return self->n_rules;
}

static void
crm_automation_view_dispose (GObject *object)
{
  crm_view_set_context (CRM_VIEW (CRM_AUTOMATION_VIEW (object)), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_AUTOMATION_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_automation_view_parent_class)->dispose (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_automation_view_reload;
}

static void
crm_automation_view_class_init (CrmAutomationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_automation_view_dispose;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmAutomationView, context), N_("Automation"),
                        NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-automation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, rule_list);
}

static void
crm_automation_view_init (CrmAutomationView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
