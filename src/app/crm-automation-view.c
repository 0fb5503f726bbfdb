/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-automation-view.c — the call routing the server follows (crm-routing-group.h), then
 * the rules listed from crm_rules_list(); turning one off is a change set on the rule
 * entity, which only an administrator may make (the store's gate). Administrators add
 * and edit rules in the rule editor (crm-rule-editor.h). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-automation-view.h"
#include "crm-deal-actions.h"
#include "crm-describe.h"
#include "crm-routing-group.h"
#include "crm-rules.h"
#include "crm-view.h"
#include "crm-widget-util.h"
#include "crm-json.h"

struct _CrmAutomationView
{
  GtkWidget      parent_instance;

  CrmContext    *context;
  guint          n_rules;

  GtkStack        *stack;
  CrmRoutingGroup *routing_group;
  GtkWidget       *rules_group;
  GtkListBox      *rule_list;
  GtkWidget       *new_rule_button;
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
    { "task_due_set", N_("a task gets a due time") },
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
    { "increment", N_("count up a counter") },
    { "close_lost", N_("close the deal as lost") },
    { "assign_on_shift", N_("give the deal to someone on shift") },
    { "task_to_working_day", N_("move the task to the responsible's next working day") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (phrases); i++)
    if (g_strcmp0 (type, phrases[i].type) == 0)
      return _(phrases[i].phrase);
  return _("do something");
}

static gboolean
int_of (JsonObject *object,
        const char *member,
        gint64     *out)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* A string or a list of strings as «a» or «b». */
static char *
quoted_choices (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GString) text = g_string_new (NULL);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *value = json_node_get_string (json_array_get_element (array, i));

          if (value == NULL)
            continue;
          if (text->len > 0)
            g_string_append (text, _(" or "));
          g_string_append_printf (text, "«%s»", value);
        }
    }
  else if (crm_json_string (object, member) != NULL)
    g_string_append_printf (text, "«%s»", crm_json_string (object, member));
  return text->len > 0 ? g_strdup (text->str) : NULL;
}

/* «Label» of a deal field (a custom field's label). */
static char *
field_label (CrmStore   *store,
             JsonObject *object)
{
  const char *field = crm_json_string (object, "field");
  g_autofree char *label = NULL;

  if (field == NULL)
    return NULL;
  label = store != NULL ? crm_describe_field (store, "deal", field) : g_strdup (field);
  return g_strdup_printf ("«%s»", label);
}

/* {"minutes": 10} or {"hours": 2}… as "10 min", "2 h", "3 days". */
static char *
duration_text (JsonObject *rule_part)
{
  JsonNode *after = json_object_get_member (rule_part, "after");
  JsonObject *object;
  gint64 n;

  if (after == NULL || !JSON_NODE_HOLDS_OBJECT (after))
    return NULL;
  object = json_node_get_object (after);
  if (int_of (object, "days", &n) && n > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld day", "%lld days", n), (long long) n);
  if (int_of (object, "hours", &n) && n > 0)
    /* Translators: a duration in hours */
    return g_strdup_printf (_("%lld h"), (long long) n);
  if (int_of (object, "minutes", &n) && n > 0)
    /* Translators: a duration in minutes */
    return g_strdup_printf (_("%lld min"), (long long) n);
  return NULL;
}

/* The trigger with what it names: «a call is completed with the result «Не дозвонился»». */
static char *
describe_trigger (CrmStore   *store,
                  JsonObject *trigger)
{
  const char *type = crm_json_string (trigger, "type");
  const char *from = crm_json_string (trigger, "from");
  g_autofree char *result = NULL;
  g_autofree char *field = NULL;
  g_autofree char *to = NULL;
  g_autofree char *after = NULL;
  gint64 n;

  if (g_strcmp0 (type, "task_completed") == 0 && (result = quoted_choices (trigger, "result")) != NULL)
    return g_strdup_printf (g_strcmp0 (crm_json_string (trigger, "task_type"), "call") == 0
                            /* Translators: a rule's trigger; %s is «Не дозвонился» */
                            ? _("a call is completed with the result %s")
                            : _("a task is completed with the result %s"), result);
  if (g_strcmp0 (type, "field_changed") == 0 && (field = field_label (store, trigger)) != NULL)
    {
      if ((to = quoted_choices (trigger, "to")) != NULL)
        /* Translators: a rule's trigger: "«Статус проекта» becomes «Готов»" */
        return g_strdup_printf (_("%s becomes %s"), field, to);
      /* Translators: a rule's trigger: "«Неудачные попытки» changes" */
      return g_strdup_printf (_("%s changes"), field);
    }
  if (g_strcmp0 (type, "message_opened") == 0 && crm_json_string (trigger, "template") != NULL)
    /* Translators: a rule's trigger; %s is an e-mail template's name */
    return g_strdup_printf (_("the client opens the e-mail «%s» for the first time"),
                            crm_json_string (trigger, "template"));
  if (g_strcmp0 (type, "message_opened") == 0)
    /* Translators: a rule's trigger (S4-9: the server sees the mail's tracking image fetched) */
    return g_strdup (_("the client opens an e-mail from the deal for the first time"));
  if (g_strcmp0 (type, "timer") == 0)
    {
      after = duration_text (trigger);
      if (g_strcmp0 (from, "not_taken") == 0)
        return after != NULL ? g_strdup_printf (_("a new request is not taken into work within %s"), after)
                             : g_strdup (_("a new request is not taken into work"));
      if (g_strcmp0 (from, "no_open_task") == 0)
        return after != NULL ? g_strdup_printf (_("an open deal has had no open task for %s"), after)
                             : g_strdup (_("an open deal has no open task"));
      if (g_strcmp0 (from, "overdue_tasks") == 0 && int_of (trigger, "more_than", &n))
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "someone has more than %lld overdue task",
                                             "someone has more than %lld overdue tasks", n),
                                (long long) n);
    }
  return g_strdup (trigger_phrase (type));
}

/* A recipient of notify / send_message as people say it. */
static char *
describe_recipient (const char *to)
{
  if (to == NULL)
    return NULL;
  if (g_str_equal (to, "client"))
    return g_strdup (_("the client"));
  if (g_str_equal (to, "group_head"))
    return g_strdup (_("the head of the responsible's group"));
  if (g_str_has_prefix (to, "group_head:"))
    /* Translators: a message's recipient: "the head of «Отдел продаж»" */
    return g_strdup_printf (_("the head of «%s»"), to + strlen ("group_head:"));
  if (g_str_has_prefix (to, "group:"))
    /* Translators: a message's recipients: "everyone in «Сметный отдел»" */
    return g_strdup_printf (_("everyone in «%s»"), to + strlen ("group:"));
  if (g_str_equal (to, "deal") || g_str_equal (to, "responsible"))
    return g_strdup (_("the deal's responsible"));
  return g_strdup_printf ("«%s»", to);
}

static char *
describe_channels (JsonObject *action)
{
  JsonNode *node = json_object_get_member (action, "channel");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonArray) single = NULL;
  JsonArray *array;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_ARRAY (node))
    array = json_node_get_array (node);
  else if (crm_json_string (action, "channel") != NULL)
    {
      single = json_array_new ();
      json_array_add_string_element (single, crm_json_string (action, "channel"));
      array = single;
    }
  else
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *channel = json_node_get_string (json_array_get_element (array, i));
      const char *name = g_strcmp0 (channel, "telegram") == 0 ? "Telegram"
                         : g_strcmp0 (channel, "sms") == 0 ? _("SMS")
                         : g_strcmp0 (channel, "email") == 0 ? _("e-mail") : channel;

      if (name == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, _(" or "));
      g_string_append (text, name);
    }
  return text->len > 0 ? g_strdup (text->str) : NULL;
}

static char *
describe_action (CrmStore   *store,
                 JsonObject *action)
{
  const char *type = crm_json_string (action, "type");
  g_autofree char *field = NULL;
  g_autofree char *who = NULL;
  g_autofree char *channels = NULL;
  gint64 n = 1;

  if (g_strcmp0 (type, "increment") == 0 && (field = field_label (store, action)) != NULL)
    {
      int_of (action, "by", &n);
      /* Translators: a rule's action: "add 1 to «Неудачные попытки дозвона»" */
      return g_strdup_printf (_("add %lld to %s"), (long long) n, field);
    }
  if (g_strcmp0 (type, "close_lost") == 0 && crm_json_string (action, "reason") != NULL)
    /* Translators: a rule's action; %s is a loss reason */
    return g_strdup_printf (_("close the deal as lost «%s»"), crm_json_string (action, "reason"));
  if (g_strcmp0 (type, "assign_on_shift") == 0 && crm_json_string (action, "group") != NULL)
    return g_strdup_printf (g_strcmp0 (crm_json_string (action, "mode"), "least_loaded") == 0
                            /* Translators: a rule's action; %s is a group */
                            ? _("give the deal to the least loaded of «%s» on shift")
                            : _("give the deal to the next of «%s» on shift, in turn"),
                            crm_json_string (action, "group"));
  if (g_strcmp0 (type, "notify") == 0 &&
      (who = describe_recipient (crm_json_string (action, "user"))) != NULL)
    /* Translators: a rule's action: "notify everyone in «Сметный отдел»" */
    return g_strdup_printf (_("notify %s"), who);
  if (g_strcmp0 (type, "send_message") == 0 &&
      (who = describe_recipient (crm_json_string (action, "to"))) != NULL)
    {
      if ((channels = describe_channels (action)) != NULL)
        /* Translators: a rule's action: "message the client over Telegram or SMS" */
        return g_strdup_printf (_("message %s over %s"), who, channels);
      return g_strdup_printf (_("message %s"), who);
    }
  return g_strdup (action_phrase (type));
}

/* A counter condition as words: "«Неудачные попытки» is 2". Other conditions stay
 * unsaid (the rule's name says them). */
static char *
describe_condition (CrmStore   *store,
                    JsonObject *condition)
{
  g_autofree char *field = NULL;
  gint64 n;

  if (g_strcmp0 (crm_json_string (condition, "type"), "counter") != 0 ||
      (field = field_label (store, condition)) == NULL)
    return NULL;
  if (int_of (condition, "equals", &n))
    /* Translators: a rule's condition: "«Неудачные попытки дозвона» is 2" */
    return g_strdup_printf (_("%s is %lld"), field, (long long) n);
  if (int_of (condition, "at_least", &n))
    return g_strdup_printf (_("%s is at least %lld"), field, (long long) n);
  if (int_of (condition, "at_most", &n))
    return g_strdup_printf (_("%s is at most %lld"), field, (long long) n);
  return NULL;
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

static JsonObject *
object_of (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* "When a call is completed with the result «Не дозвонился» → add 1 to «…»": the rule's
 * triggers, counter conditions and actions in words, never its JSON type names. */
char *
crm_automation_describe_rule (CrmStore   *store,
                              JsonObject *rule)
{
  JsonArray *triggers = json_object_has_member (rule, "triggers")
                        ? json_object_get_array_member (rule, "triggers") : NULL;
  JsonArray *actions = json_object_has_member (rule, "actions")
                       ? json_object_get_array_member (rule, "actions") : NULL;
  JsonArray *conditions = json_object_has_member (rule, "conditions")
                          ? json_object_get_array_member (rule, "conditions") : NULL;
  g_autoptr(GString) when = g_string_new (NULL);
  g_autoptr(GString) given = g_string_new (NULL);
  g_autoptr(GString) then = g_string_new (NULL);
  /* Translators: between two triggers of one rule: "a field changes or a deal is won" */
  const char *or = _(" or ");
  /* Translators: between two conditions of one rule */
  const char *and = _(" and ");
  JsonObject *part;

  if ((part = object_of (json_object_get_member (rule, "trigger"))) != NULL)
    {
      g_autofree char *phrase = describe_trigger (store, part);
      append_phrase (when, or, phrase);
    }
  for (guint i = 0; triggers != NULL && i < json_array_get_length (triggers); i++)
    if ((part = object_of (json_array_get_element (triggers, i))) != NULL)
      {
        g_autofree char *phrase = describe_trigger (store, part);
        append_phrase (when, or, phrase);
      }
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    if ((part = object_of (json_array_get_element (conditions, i))) != NULL)
      {
        g_autofree char *phrase = describe_condition (store, part);
        if (phrase != NULL)
          append_phrase (given, and, phrase);
      }
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    if ((part = object_of (json_array_get_element (actions, i))) != NULL)
      {
        g_autofree char *phrase = describe_action (store, part);
        append_phrase (then, ", ", phrase);
      }
  if (when->len == 0)
    g_string_append (when, trigger_phrase (NULL));
  if (given->len > 0)
    /* Translators: a rule with conditions: "When «…» changes, if «…» is 2 → create a task" */
    return g_strdup_printf (_("When %s, if %s → %s"), when->str, given->str, then->str);
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

CrmRuleEditor *
crm_automation_view_open_editor (CrmAutomationView *self,
                                 const char        *rule_id)
{
  CrmRuleEditor *editor;

  g_return_val_if_fail (CRM_IS_AUTOMATION_VIEW (self), NULL);
  g_return_val_if_fail (self->context != NULL, NULL);

  editor = crm_rule_editor_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                self->context, rule_id);
  gtk_window_present (GTK_WINDOW (editor));
  return editor;
}

static void
new_rule_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  crm_automation_view_open_editor (CRM_AUTOMATION_VIEW (widget), NULL);
}

static void
edit_rule_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  crm_automation_view_open_editor (CRM_AUTOMATION_VIEW (widget),
                                   g_variant_get_string (parameter, NULL));
}

static void
crm_automation_view_reload (CrmView *view)
{
  CrmAutomationView *self = CRM_AUTOMATION_VIEW (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) rules = NULL;
  gboolean admin;
  JsonArray *array;

  g_return_if_fail (CRM_IS_AUTOMATION_VIEW (self));

  if (self->context == NULL)
    return;
  crm_routing_group_reload (self->routing_group, self->context);
  rules = crm_rules_list (crm_context_get_store (self->context), &error);
  crm_list_box_remove_all (self->rule_list);
  if (rules == NULL)
    {
      /* where the rules would be, never «no rules yet» */
      self->n_rules = 0;
      gtk_list_box_append (self->rule_list,
                           crm_read_error_row_new (_("Could not read the rules"), error));
      gtk_widget_set_visible (self->rules_group, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "rules");
      return;
    }
  admin = crm_context_is_admin (self->context);
  gtk_widget_set_visible (self->new_rule_button, admin);

  array = json_node_get_array (rules);
  self->n_rules = json_array_get_length (array);
  for (guint i = 0; i < self->n_rules; i++)
    {
      JsonObject *rule = json_array_get_object_element (array, i);
      g_autofree char *summary = crm_automation_describe_rule (crm_context_get_store (self->context), rule);
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
      if (admin)
        {
          GtkWidget *edit = gtk_button_new_from_icon_name ("document-edit-symbolic");

          gtk_widget_set_valign (edit, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (edit, "flat");
          /* Translators: the tooltip of a rule's edit button: the rule's name */
          gtk_widget_set_tooltip_text (edit, _("Edit the Rule"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (edit), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name, -1);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (edit), "automation.edit-rule");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (edit), "s",
                                            json_object_get_string_member (rule, "id"));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      gtk_list_box_append (self->rule_list, row);
    }
  gtk_widget_set_visible (self->rules_group, self->n_rules > 0 || admin);
  gtk_stack_set_visible_child_name (self->stack,
                                    self->n_rules > 0 || admin ||
                                    crm_routing_group_has_routing (self->routing_group)
                                    ? "rules" : "empty");
}

CrmRoutingGroup *
crm_automation_view_get_routing_group (CrmAutomationView *self)
{
  g_return_val_if_fail (CRM_IS_AUTOMATION_VIEW (self), NULL);
  return self->routing_group;
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
  g_type_ensure (CRM_TYPE_ROUTING_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-automation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, routing_group);
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, rules_group);
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, rule_list);
  gtk_widget_class_bind_template_child (widget_class, CrmAutomationView, new_rule_button);
  gtk_widget_class_install_action (widget_class, "automation.new-rule", NULL, new_rule_action);
  gtk_widget_class_install_action (widget_class, "automation.edit-rule", "s", edit_rule_action);
}

static void
crm_automation_view_init (CrmAutomationView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
