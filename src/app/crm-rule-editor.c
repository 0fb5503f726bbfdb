/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rule-editor.c — an automation rule as a form (see crm-rule-editor.h). The form
 * edits the rule's JSON in place (keys it does not show, such as "spec", stay as they
 * are); every row is made from core's catalogue (crm-rule-catalog.h), so the editor never
 * keeps a list of its own; core checks each part (crm_rule_check_part()) and runs the dry
 * run. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-entity-picker.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-rule-editor.h"
#include "crm-rules.h"
#include "crm-time.h"
#include "crm-widget-util.h"

struct _CrmRuleEditor
{
  AdwWindow            parent_instance;

  CrmContext          *context;
  char                *rule_id;       /* NULL: a new rule */
  JsonObject          *definition;    /* the rule being edited */
  JsonArray           *rules;         /* the stored ones, for names */
  JsonArray           *pipelines;
  JsonArray           *users;
  JsonArray           *tags;
  JsonArray           *fields;
  JsonArray           *reasons;
  GHashTable          *bad_input;     /* "at\x1fkey" → what is wrong with the text typed */
  char                *problem;
  char                *problem_at;
  GPtrArray           *dry_run_lines;
  gboolean             building;

  GtkLabel            *problem_label;
  AdwEntryRow         *name_row;
  AdwPreferencesGroup *trigger_group;
  AdwPreferencesGroup *conditions_group;
  AdwPreferencesGroup *actions_group;
  AdwPreferencesGroup *dry_run_group;
  GPtrArray           *trigger_rows;
  GPtrArray           *condition_rows;  /* AdwExpanderRow per condition */
  GPtrArray           *action_rows;
  GPtrArray           *dry_run_rows;
  GtkWidget           *save_button;
  GtkWidget           *try_button;
  GtkWidget           *duplicate_button;
  GtkWidget           *delete_button;
  CrmEntityPicker     *deal_picker;
  guint                rebuild_source;  /* rows rebuilt once the signal that asked is over */
  gboolean             rebuild_parts[3];
};

G_DEFINE_FINAL_TYPE (CrmRuleEditor, crm_rule_editor, ADW_TYPE_WINDOW)

static void validate (CrmRuleEditor *self);
static void clear_dry_run (CrmRuleEditor *self);
static void rebuild_trigger (CrmRuleEditor *self);
static void rebuild_items (CrmRuleEditor *self, CrmRulePart part);

/* A combo's own "notify::selected" must not destroy the combo (the trigger's type, the
 * pipeline a stage list follows): the rows of @part are rebuilt when the main loop is
 * next idle, or before anything reads them (flush_rebuild()). */
static void
run_rebuild (CrmRuleEditor *self)
{
  if (self->rebuild_parts[CRM_RULE_PART_TRIGGER])
    rebuild_trigger (self);
  if (self->rebuild_parts[CRM_RULE_PART_CONDITION])
    rebuild_items (self, CRM_RULE_PART_CONDITION);
  if (self->rebuild_parts[CRM_RULE_PART_ACTION])
    rebuild_items (self, CRM_RULE_PART_ACTION);
  memset (self->rebuild_parts, 0, sizeof self->rebuild_parts);
  validate (self);
}

static gboolean
rebuild_idle_cb (gpointer data)
{
  CrmRuleEditor *self = data;

  self->rebuild_source = 0;
  run_rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
queue_rebuild (CrmRuleEditor *self,
               CrmRulePart    part)
{
  self->rebuild_parts[part] = TRUE;
  if (self->rebuild_source == 0)
    self->rebuild_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, rebuild_idle_cb, self, NULL);
}

static void
flush_rebuild (CrmRuleEditor *self)
{
  if (self->rebuild_source == 0)
    return;
  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  run_rebuild (self);
}

/* ---- the rule's JSON ---- */

static const char *
str (JsonObject *object,
     const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static const char *
items_key (CrmRulePart part)
{
  return part == CRM_RULE_PART_CONDITION ? "conditions" : "actions";
}

static JsonArray *
items_of (CrmRuleEditor *self,
          CrmRulePart    part)
{
  const char *key = items_key (part);

  if (!json_object_has_member (self->definition, key) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (self->definition, key)))
    json_object_set_array_member (self->definition, key, json_array_new ());
  return json_object_get_array_member (self->definition, key);
}

static JsonObject *
trigger_of (CrmRuleEditor *self)
{
  JsonNode *many = json_object_get_member (self->definition, "triggers");

  if (many != NULL && JSON_NODE_HOLDS_ARRAY (many) &&
      json_array_get_length (json_node_get_array (many)) > 0)
    return json_array_get_object_element (json_node_get_array (many), 0);
  if (!json_object_has_member (self->definition, "trigger") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (self->definition, "trigger")))
    {
      JsonObject *trigger = json_object_new ();

      json_object_set_string_member (trigger, "type", "stage_entered");
      json_object_set_object_member (self->definition, "trigger", trigger);
    }
  return json_object_get_object_member (self->definition, "trigger");
}

/* "trigger", "conditions[2]", "actions[0]" → the object, its part and index */
static JsonObject *
part_at (CrmRuleEditor *self,
         const char    *at,
         CrmRulePart   *out_part,
         guint         *out_index)
{
  guint index = 0;
  CrmRulePart part;
  JsonArray *items;

  if (g_str_equal (at, "trigger"))
    {
      if (out_part != NULL)
        *out_part = CRM_RULE_PART_TRIGGER;
      return trigger_of (self);
    }
  if (g_str_has_prefix (at, "conditions["))
    part = CRM_RULE_PART_CONDITION;
  else if (g_str_has_prefix (at, "actions["))
    part = CRM_RULE_PART_ACTION;
  else
    return NULL;
  index = (guint) g_ascii_strtoull (strchr (at, '[') + 1, NULL, 10);
  items = items_of (self, part);
  if (index >= json_array_get_length (items))
    return NULL;
  if (out_part != NULL)
    *out_part = part;
  if (out_index != NULL)
    *out_index = index;
  return json_array_get_object_element (items, index);
}

/* ---- what a picker offers ---- */

static const char *
choice_label (const char *value)
{
  static const struct { const char *value; const char *label; } labels[] = {
    { "call", N_("Call") },
    { "meeting", N_("Meeting") },
    { "task", N_("Task") },
    { "email", N_("E-mail") },
    { "sms", N_("SMS") },
    { "telegram", "Telegram" },
    { "round_robin", N_("In turn") },
    { "least_loaded", N_("The least loaded") },
    { "stage_entered", N_("Entering the stage") },
    { "task_due", N_("A task's due time") },
    { "not_taken", N_("Not taken into work") },
    { "no_open_task", N_("No open task") },
    { "overdue_tasks", N_("Overdue tasks") },
    { "date_field", N_("A date field") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].value, value))
      return g_str_equal (value, "telegram") ? labels[i].label : _(labels[i].label);
  return value;
}

static void
add_choice (GPtrArray  *values,
            GPtrArray  *labels,
            const char *value,
            const char *label)
{
  for (guint i = 0; i < values->len; i++)
    if (g_str_equal (g_ptr_array_index (values, i), value))
      return;
  g_ptr_array_add (values, g_strdup (value));
  g_ptr_array_add (labels, g_strdup (label != NULL ? label : value));
}

static void
add_names (GPtrArray  *values,
           GPtrArray  *labels,
           JsonArray  *items,
           const char *member)
{
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      const char *name = str (json_array_get_object_element (items, i), member);

      if (name != NULL && *name != '\0')
        add_choice (values, labels, name, NULL);
    }
}

/* Users to pick by name: a deactivated one only when @current names them, marked so. */
static void
add_user_names (GPtrArray  *values,
                GPtrArray  *labels,
                JsonArray  *users,
                const char *current)
{
  for (guint i = 0; users != NULL && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *name = str (user, "name");

      if (name == NULL || *name == '\0')
        continue;
      if (json_object_get_boolean_member_with_default (user, "active", TRUE))
        add_choice (values, labels, name, NULL);
      else if (g_strcmp0 (name, current) == 0)
        {
          g_autofree char *label = crm_deactivated_user_name (name);

          add_choice (values, labels, name, label);
        }
    }
}

/* The values (and their labels) a picker of @param offers for @item. */
static void
fill_choices (CrmRuleEditor      *self,
              JsonObject         *item,
              const CrmRuleParam *param,
              GPtrArray          *values,
              GPtrArray          *labels)
{
  const char *pipeline_name = str (item, "pipeline");

  switch (param->kind)
    {
    case CRM_RULE_PARAM_PIPELINE:
      add_names (values, labels, self->pipelines, "name");
      break;
    case CRM_RULE_PARAM_STAGE:
      for (guint i = 0; self->pipelines != NULL && i < json_array_get_length (self->pipelines); i++)
        {
          JsonObject *pipeline = json_array_get_object_element (self->pipelines, i);

          if (pipeline_name == NULL || g_strcmp0 (str (pipeline, "name"), pipeline_name) == 0)
            add_names (values, labels, json_object_get_array_member (pipeline, "stages"), "name");
        }
      break;
    case CRM_RULE_PARAM_USER:
      if (g_str_equal (param->key, "to"))
        add_choice (values, labels, "client", _("The client"));
      add_choice (values, labels, "deal", _("The deal's responsible"));
      add_choice (values, labels, "group_head", _("The head of the responsible's group"));
      add_choice (values, labels, "client_manager", _("Who won the client's last deal"));
      for (guint i = 0; self->users != NULL && i < json_array_get_length (self->users); i++)
        {
          const char *group = str (json_array_get_object_element (self->users, i), "group");
          g_autofree char *value = NULL;
          g_autofree char *label = NULL;

          if (group == NULL || *group == '\0')
            continue;
          value = g_strconcat ("group_head:", group, NULL);
          /* Translators: whom a rule writes to: "The head of «Продажи»" */
          label = g_strdup_printf (_("The head of «%s»"), group);
          add_choice (values, labels, value, label);
          if (g_str_equal (param->key, "user") || g_str_equal (param->key, "to"))
            {
              g_free (value);
              g_free (label);
              value = g_strconcat ("group:", group, NULL);
              /* Translators: whom a rule writes to: "Everyone in «Продажи»" */
              label = g_strdup_printf (_("Everyone in «%s»"), group);
              add_choice (values, labels, value, label);
            }
        }
      add_user_names (values, labels, self->users, str (item, param->key));
      break;
    case CRM_RULE_PARAM_GROUP:
      add_names (values, labels, self->users, "group");
      break;
    case CRM_RULE_PARAM_TAG:
      add_names (values, labels, self->tags, "name");
      break;
    case CRM_RULE_PARAM_TAG_GROUP:
      add_names (values, labels, self->tags, "group");
      break;
    case CRM_RULE_PARAM_REASON:
      add_names (values, labels, self->reasons, "name");
      break;
    case CRM_RULE_PARAM_FIELD:
      add_choice (values, labels, "amount", _("Amount"));
      add_choice (values, labels, "title", _("Title"));
      add_choice (values, labels, "responsible", _("Responsible"));
      for (guint i = 0; self->fields != NULL && i < json_array_get_length (self->fields); i++)
        {
          JsonObject *field = json_array_get_object_element (self->fields, i);

          if (str (field, "key") != NULL)
            add_choice (values, labels, str (field, "key"), str (field, "label"));
        }
      break;
    case CRM_RULE_PARAM_CHOICE:
      for (guint i = 0; param->choices[i] != NULL; i++)
        add_choice (values, labels, param->choices[i], choice_label (param->choices[i]));
      break;
    default:
      break;
    }
}

static gboolean
is_picker (CrmRuleParamKind kind)
{
  switch (kind)
    {
    case CRM_RULE_PARAM_PIPELINE:
    case CRM_RULE_PARAM_STAGE:
    case CRM_RULE_PARAM_USER:
    case CRM_RULE_PARAM_GROUP:
    case CRM_RULE_PARAM_TAG:
    case CRM_RULE_PARAM_TAG_GROUP:
    case CRM_RULE_PARAM_REASON:
    case CRM_RULE_PARAM_FIELD:
    case CRM_RULE_PARAM_CHOICE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- text typed → JSON ---- */

static char *
bad_key (const char *at,
         const char *key)
{
  return g_strconcat (at, "\x1f", key, NULL);
}

/* What a text row's @text means for @param; NULL with *out_problem when it cannot be. */
static JsonNode *
parse_text (const CrmRuleParam  *param,
            const char          *text,
            char               **out_problem)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  JsonNode *node = NULL;

  *out_problem = NULL;
  if (*stripped == '\0')
    return NULL;
  switch (param->kind)
    {
    case CRM_RULE_PARAM_NUMBER:
      {
        gint64 n = 0;

        if (!g_ascii_string_to_signed (stripped, 10, 0, G_MAXINT32, &n, NULL))
          {
            /* Translators: a rule's parameter needs a whole number: «By» */
            *out_problem = g_strdup_printf (_("«%s» must be a whole number, such as 2"),
                                            _(param->label));
            return NULL;
          }
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_int (node, n);
        return node;
      }
    case CRM_RULE_PARAM_MONEY:
      {
        gint64 minor = 0;

        if (!crm_money_parse (stripped, &minor))
          {
            *out_problem = g_strdup_printf (_("«%s» must be an amount, such as 1500000.00"),
                                            _(param->label));
            return NULL;
          }
        break;
      }
    case CRM_RULE_PARAM_VALUE:
      {
        gint64 n = 0;

        node = json_node_new (JSON_NODE_VALUE);
        if (g_str_equal (stripped, "true") || g_str_equal (stripped, "false"))
          json_node_set_boolean (node, g_str_equal (stripped, "true"));
        else if (g_ascii_string_to_signed (stripped, 10, G_MININT64, G_MAXINT64, &n, NULL))
          json_node_set_int (node, n);
        else
          json_node_set_string (node, stripped);
        return node;
      }
    case CRM_RULE_PARAM_VALUES:
    case CRM_RULE_PARAM_TEXTS:
    case CRM_RULE_PARAM_STAGES:
    case CRM_RULE_PARAM_PIPELINES:
    case CRM_RULE_PARAM_REASONS:
    case CRM_RULE_PARAM_FIELDS:
      {
        g_auto(GStrv) parts = g_strsplit (stripped, ",", -1);
        JsonArray *array = json_array_new ();

        for (guint i = 0; parts[i] != NULL; i++)
          {
            g_strstrip (parts[i]);
            if (*parts[i] != '\0')
              json_array_add_string_element (array, parts[i]);
          }
        if (param->kind == CRM_RULE_PARAM_VALUES && json_array_get_length (array) == 1)
          {
            node = json_node_new (JSON_NODE_VALUE);
            json_node_set_string (node, json_array_get_string_element (array, 0));
            json_array_unref (array);
            return node;
          }
        node = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (node, array);
        return node;
      }
    case CRM_RULE_PARAM_CONDITION:
    case CRM_RULE_PARAM_CONDITIONS:
    case CRM_RULE_PARAM_ACTIONS:
      {
        g_autoptr(GError) error = NULL;

        node = json_from_string (stripped, &error);
        if (node == NULL || (param->kind == CRM_RULE_PARAM_CONDITION) != JSON_NODE_HOLDS_OBJECT (node))
          {
            g_clear_pointer (&node, json_node_unref);
            *out_problem = g_strdup_printf (param->kind == CRM_RULE_PARAM_CONDITION
                                            ? _("«%s» must be a condition in JSON, such as "
                                                "{\"type\": \"has_tag\", \"tag\": \"VIP\"}")
                                            : _("«%s» must be a list in JSON, such as "
                                                "[{\"type\": \"add_tag\", \"tag\": \"VIP\"}]"),
                                            _(param->label));
          }
        return node;
      }
    default:
      break;
    }
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, stripped);
  return node;
}

/* The text a row shows for @value. */
static char *
text_of (JsonNode *value)
{
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);
      g_autoptr(GString) out = g_string_new (NULL);
      gboolean plain = TRUE;

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            plain = FALSE;
          else
            g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", json_node_get_string (item));
        }
      if (plain)
        return g_string_free (g_steal_pointer (&out), FALSE);
    }
  return json_to_string (value, FALSE);
}

/* ---- rows ---- */

static void
param_text_changed_cb (GtkEditable   *editable,
                       CrmRuleEditor *self)
{
  const char *at = g_object_get_data (G_OBJECT (editable), "at");
  const CrmRuleParam *param = g_object_get_data (G_OBJECT (editable), "param");
  JsonObject *item = part_at (self, at, NULL, NULL);
  g_autofree char *key = bad_key (at, param->key);
  g_autofree char *problem = NULL;
  JsonNode *node;

  if (self->building || item == NULL)
    return;
  node = parse_text (param, gtk_editable_get_text (editable), &problem);
  if (problem != NULL)
    g_hash_table_insert (self->bad_input, g_steal_pointer (&key), g_steal_pointer (&problem));
  else
    g_hash_table_remove (self->bad_input, key);
  if (node != NULL)
    json_object_set_member (item, param->key, node);
  else if (problem == NULL && json_object_has_member (item, param->key))
    json_object_remove_member (item, param->key);
  validate (self);
}

static void
param_choice_changed_cb (AdwComboRow   *row,
                         GParamSpec    *pspec,
                         CrmRuleEditor *self)
{
  const char *at = g_object_get_data (G_OBJECT (row), "at");
  const CrmRuleParam *param = g_object_get_data (G_OBJECT (row), "param");
  GPtrArray *values = g_object_get_data (G_OBJECT (row), "values");
  guint selected = adw_combo_row_get_selected (row);
  CrmRulePart part = CRM_RULE_PART_TRIGGER;
  JsonObject *item = part_at (self, at, &part, NULL);
  const char *value;

  if (self->building || item == NULL || selected >= values->len)
    return;
  value = g_ptr_array_index (values, selected);
  if (*value == '\0')
    json_object_remove_member (item, param->key);
  else
    json_object_set_string_member (item, param->key, value);
  if (g_str_equal (param->key, "pipeline"))
    {
      /* the stages offered are the pipeline's: a stage of another one goes */
      if (json_object_has_member (item, "stage"))
        json_object_remove_member (item, "stage");
      queue_rebuild (self, part);
    }
  validate (self);
}

static void
duration_changed_cb (GtkWidget     *widget,
                     GParamSpec    *pspec,
                     CrmRuleEditor *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (widget), "row");
  const char *at = g_object_get_data (G_OBJECT (row), "at");
  const CrmRuleParam *param = g_object_get_data (G_OBJECT (row), "param");
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (row), "spin");
  GtkDropDown *unit = g_object_get_data (G_OBJECT (row), "unit");
  static const char *const units[] = { "minutes", "days", "working_days" };
  JsonObject *item = part_at (self, at, NULL, NULL);
  gint n = gtk_spin_button_get_value_as_int (spin);

  if (self->building || item == NULL)
    return;
  if (n <= 0)
    json_object_remove_member (item, param->key);
  else
    {
      JsonObject *duration = json_object_new ();

      json_object_set_int_member (duration, units[MIN (gtk_drop_down_get_selected (unit), 2)], n);
      json_object_set_object_member (item, param->key, duration);
    }
  validate (self);
}

static void
flag_changed_cb (GtkSwitch     *toggle,
                 GParamSpec    *pspec,
                 CrmRuleEditor *self)
{
  const char *at = g_object_get_data (G_OBJECT (toggle), "at");
  const CrmRuleParam *param = g_object_get_data (G_OBJECT (toggle), "param");
  JsonObject *item = part_at (self, at, NULL, NULL);

  if (self->building || item == NULL)
    return;
  json_object_set_boolean_member (item, param->key, gtk_switch_get_active (toggle));
  validate (self);
}

static void
set_row_data (GObject            *object,
              const char         *at,
              const CrmRuleParam *param)
{
  g_object_set_data_full (object, "at", g_strdup (at), g_free);
  g_object_set_data (object, "param", (gpointer) param);
}

static char *
param_title (const CrmRuleParam *param)
{
  if (param->required)
    return g_strdup (_(param->label));
  /* Translators: an optional parameter of a rule: "Stage (optional)" */
  return g_strdup_printf (_("%s (optional)"), _(param->label));
}

/* One row for @param of @item at @at, as the parameter's kind calls for. */
static GtkWidget *
param_row (CrmRuleEditor      *self,
           const char         *at,
           JsonObject         *item,
           const CrmRuleParam *param)
{
  JsonNode *value = json_object_get_member (item, param->key);
  g_autofree char *title = param_title (param);

  if (is_picker (param->kind))
    {
      GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
      AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
      const char *current = str (item, param->key);
      guint selected = 0;

      add_choice (values, labels, "", "—");
      fill_choices (self, item, param, values, labels);
      if (current != NULL)
        add_choice (values, labels, current, NULL);   /* a name the account lacks shows too */
      for (guint i = 0; i < values->len; i++)
        {
          gtk_string_list_append (names, g_ptr_array_index (labels, i));
          if (current != NULL && g_str_equal (g_ptr_array_index (values, i), current))
            selected = i;
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_combo_row_set_model (row, G_LIST_MODEL (names));
      adw_combo_row_set_selected (row, selected);
      crm_combo_row_show_whole (row);
      set_row_data (G_OBJECT (row), at, param);
      g_object_set_data_full (G_OBJECT (row), "values", values, (GDestroyNotify) g_ptr_array_unref);
      g_signal_connect (row, "notify::selected", G_CALLBACK (param_choice_changed_cb), self);
      return GTK_WIDGET (row);
    }
  if (param->kind == CRM_RULE_PARAM_DURATION)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin = gtk_spin_button_new_with_range (0, 9999, 1);
      const char *const unit_names[] = { _("minutes"), _("days"), _("working days"), NULL };
      GtkWidget *unit = gtk_drop_down_new_from_strings (unit_names);
      JsonObject *duration = value != NULL && JSON_NODE_HOLDS_OBJECT (value)
                             ? json_node_get_object (value) : NULL;

      if (duration != NULL && json_object_has_member (duration, "minutes"))
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin),
                                   json_object_get_int_member (duration, "minutes"));
      else if (duration != NULL && json_object_has_member (duration, "working_days"))
        {
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin),
                                     json_object_get_int_member (duration, "working_days"));
          gtk_drop_down_set_selected (GTK_DROP_DOWN (unit), 2);
        }
      else
        {
          if (duration != NULL && json_object_has_member (duration, "days"))
            gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin),
                                       json_object_get_int_member (duration, "days"));
          gtk_drop_down_set_selected (GTK_DROP_DOWN (unit), 1);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (unit, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), unit);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
      set_row_data (G_OBJECT (row), at, param);
      g_object_set_data (G_OBJECT (row), "spin", spin);
      g_object_set_data (G_OBJECT (row), "unit", unit);
      g_object_set_data (G_OBJECT (spin), "row", row);
      g_object_set_data (G_OBJECT (unit), "row", row);
      g_signal_connect (spin, "notify::value", G_CALLBACK (duration_changed_cb), self);
      g_signal_connect (unit, "notify::selected", G_CALLBACK (duration_changed_cb), self);
      return row;
    }
  if (param->kind == CRM_RULE_PARAM_FLAG)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();

      gtk_switch_set_active (GTK_SWITCH (toggle),
                             value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
                             json_node_get_boolean (value));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(param->label));
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      set_row_data (G_OBJECT (toggle), at, param);
      g_signal_connect (toggle, "notify::active", G_CALLBACK (flag_changed_cb), self);
      return row;
    }
  {
    GtkWidget *row = adw_entry_row_new ();
    g_autofree char *text = text_of (value);

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
    gtk_editable_set_text (GTK_EDITABLE (row), text);
    if (param->kind == CRM_RULE_PARAM_PLACEHOLDER_TEXT)
      gtk_widget_set_tooltip_text (row, _("Placeholders: {title} the deal's title, {user} its "
                                          "responsible, {deal.number}, {contact.name}, "
                                          "{company.name}"));
    else if (param->kind == CRM_RULE_PARAM_TEXTS || param->kind == CRM_RULE_PARAM_VALUES ||
             param->kind == CRM_RULE_PARAM_STAGES || param->kind == CRM_RULE_PARAM_REASONS ||
             param->kind == CRM_RULE_PARAM_PIPELINES || param->kind == CRM_RULE_PARAM_FIELDS)
      gtk_widget_set_tooltip_text (row, _("Several, separated by commas"));
    set_row_data (G_OBJECT (row), at, param);
    g_signal_connect (row, "changed", G_CALLBACK (param_text_changed_cb), self);
    return row;
  }
}

/* A combo of the catalogue's types of @part, showing @type. */
static AdwComboRow *
type_row (CrmRulePart  part,
          const char  *title,
          const char  *type)
{
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (part, &n);
  guint selected = 0;

  for (guint i = 0; i < n; i++)
    {
      gtk_string_list_append (names, _(specs[i].label));
      if (g_strcmp0 (specs[i].type, type) == 0)
        selected = i;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_combo_row_set_model (row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (row, selected);
  crm_combo_row_show_whole (row);
  return row;
}

static void
type_changed_cb (AdwComboRow   *row,
                 GParamSpec    *pspec,
                 CrmRuleEditor *self)
{
  const char *at = g_object_get_data (G_OBJECT (row), "at");
  CrmRulePart part = CRM_RULE_PART_TRIGGER;
  guint n = 0;
  const CrmRuleSpec *specs;
  JsonObject *item;
  guint selected = adw_combo_row_get_selected (row);

  if (self->building || (item = part_at (self, at, &part, NULL)) == NULL)
    return;
  specs = crm_rule_catalog_list (part, &n);
  if (selected >= n || g_strcmp0 (str (item, "type"), specs[selected].type) == 0)
    return;
  /* another type: its own parameters, none of the old one's */
  {
    g_autoptr(GList) members = json_object_get_members (item);

    for (GList *l = members; l != NULL; l = l->next)
      json_object_remove_member (item, l->data);
  }
  json_object_set_string_member (item, "type", specs[selected].type);
  queue_rebuild (self, part);
  validate (self);
}

static void
add_params (CrmRuleEditor *self,
            const char    *at,
            JsonObject    *item,
            CrmRulePart    part,
            GtkWidget     *container,
            GPtrArray     *rows)
{
  const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, str (item, "type"));

  for (guint i = 0; spec != NULL && spec->params[i].key != NULL; i++)
    {
      GtkWidget *row = param_row (self, at, item, &spec->params[i]);

      g_object_set_data_full (G_OBJECT (row), "key", g_strdup (spec->params[i].key), g_free);
      if (ADW_IS_EXPANDER_ROW (container))
        adw_expander_row_add_row (ADW_EXPANDER_ROW (container), row);
      else
        {
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (container), row);
          g_ptr_array_add (rows, row);
        }
    }
}

static void
rebuild_trigger (CrmRuleEditor *self)
{
  JsonObject *trigger = trigger_of (self);
  AdwComboRow *row;
  JsonNode *many = json_object_get_member (self->definition, "triggers");

  self->building = TRUE;
  crm_preferences_group_remove_rows (self->trigger_group, self->trigger_rows);
  row = type_row (CRM_RULE_PART_TRIGGER, _("_Trigger"), str (trigger, "type"));
  g_object_set_data_full (G_OBJECT (row), "at", g_strdup ("trigger"), g_free);
  g_signal_connect (row, "notify::selected", G_CALLBACK (type_changed_cb), self);
  adw_preferences_group_add (self->trigger_group, GTK_WIDGET (row));
  g_ptr_array_add (self->trigger_rows, row);
  add_params (self, "trigger", trigger, CRM_RULE_PART_TRIGGER, GTK_WIDGET (self->trigger_group),
              self->trigger_rows);
  if (many != NULL && JSON_NODE_HOLDS_ARRAY (many))
    {
      JsonArray *triggers = json_node_get_array (many);

      /* the form edits the first; the others are kept as they are */
      for (guint i = 1; i < json_array_get_length (triggers); i++)
        {
          g_autofree char *words = crm_rule_describe_part (CRM_RULE_PART_TRIGGER,
                                                           json_array_get_object_element (triggers, i));
          GtkWidget *note = crm_text_row_new (_("Also when"), words);

          adw_preferences_group_add (self->trigger_group, note);
          g_ptr_array_add (self->trigger_rows, note);
        }
    }
  self->building = FALSE;
}

static void
remove_item_cb (GtkButton     *button,
                CrmRuleEditor *self)
{
  const char *at = g_object_get_data (G_OBJECT (button), "at");
  CrmRulePart part = CRM_RULE_PART_ACTION;
  guint index = 0;

  if (part_at (self, at, &part, &index) == NULL)
    return;
  json_array_remove_element (items_of (self, part), index);
  queue_rebuild (self, part);
  validate (self);
}

static void
rebuild_items (CrmRuleEditor *self,
               CrmRulePart    part)
{
  AdwPreferencesGroup *group = part == CRM_RULE_PART_CONDITION ? self->conditions_group
                                                               : self->actions_group;
  GPtrArray *rows = part == CRM_RULE_PART_CONDITION ? self->condition_rows : self->action_rows;
  JsonArray *items = items_of (self, part);
  g_autoptr(GArray) expanded = g_array_new (FALSE, FALSE, sizeof (gboolean));

  for (guint i = 0; i < rows->len; i++)
    {
      gboolean open = adw_expander_row_get_expanded (g_ptr_array_index (rows, i));
      g_array_append_val (expanded, open);
    }
  self->building = TRUE;
  crm_preferences_group_remove_rows (group, rows);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_autofree char *at = g_strdup_printf ("%s[%u]", items_key (part), i);
      GtkWidget *expander = adw_expander_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, str (item, "type"));
      AdwComboRow *kind = type_row (part, part == CRM_RULE_PART_CONDITION ? _("_Condition")
                                                                         : _("_Action"),
                                    str (item, "type"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander),
                                     spec != NULL ? _(spec->label) : str (item, "type"));
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, part == CRM_RULE_PART_CONDITION
                                           ? _("Remove the condition")
                                           : _("Remove the action"));
      g_object_set_data_full (G_OBJECT (remove), "at", g_strdup (at), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_item_cb), self);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), remove);
      g_object_set_data_full (G_OBJECT (kind), "at", g_strdup (at), g_free);
      g_signal_connect (kind, "notify::selected", G_CALLBACK (type_changed_cb), self);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (kind));
      add_params (self, at, item, part, expander, NULL);
      /* a new row, and a row that was open, are open */
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander),
                                     i >= expanded->len || g_array_index (expanded, gboolean, i));
      g_object_set_data_full (G_OBJECT (expander), "at", g_strdup (at), g_free);
      adw_preferences_group_add (group, expander);
      g_ptr_array_add (rows, expander);
    }
  self->building = FALSE;
}

/* ---- checking as you type ---- */

static char *
part_problem (CrmRuleEditor *self,
              CrmRulePart    part,
              const char    *at,
              JsonObject    *item)
{
  const CrmRuleSpec *spec = crm_rule_catalog_lookup (part, str (item, "type"));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; spec != NULL && spec->params[i].key != NULL; i++)
    {
      g_autofree char *key = bad_key (at, spec->params[i].key);
      const char *bad = g_hash_table_lookup (self->bad_input, key);

      if (bad != NULL)
        return g_strdup (bad);
      if (spec->params[i].required && !json_object_has_member (item, spec->params[i].key))
        return g_strdup_printf (is_picker (spec->params[i].kind)
                                /* Translators: a rule's row lacks a parameter: «Stage» */
                                ? _("Choose the «%s»") : _("Fill in «%s»"),
                                _(spec->params[i].label));
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, item);
  if (!crm_rule_check_part (crm_context_get_store (self->context), part, node, &error))
    return g_strdup (error->message);
  return NULL;
}

static void
note_problem (CrmRuleEditor *self,
              const char    *at,
              const char    *problem)
{
  if (problem == NULL || self->problem != NULL)
    return;
  self->problem = g_strdup (problem);
  self->problem_at = g_strdup (at);
}

static void
mark_row (GtkWidget  *row,
          const char *problem)
{
  if (problem != NULL)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

static void
validate (CrmRuleEditor *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *trigger_problem = NULL;

  g_clear_pointer (&self->problem, g_free);
  g_clear_pointer (&self->problem_at, g_free);
  /* a dry run tells of the rule as it was tried: a change makes it old */
  clear_dry_run (self);
  gtk_widget_set_visible (GTK_WIDGET (self->dry_run_group), FALSE);

  if (*name == '\0')
    note_problem (self, "name", _("Give the rule a name"));
  for (guint i = 0; self->rules != NULL && i < json_array_get_length (self->rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (self->rules, i);

      if (g_strcmp0 (str (rule, "name"), name) == 0 && g_strcmp0 (str (rule, "id"), self->rule_id) != 0)
        {
          g_autofree char *message = g_strdup_printf (_("Another rule is already called «%s»; "
                                                        "choose another name"), name);
          note_problem (self, "name", message);
        }
    }
  mark_row (GTK_WIDGET (self->name_row), self->problem);

  trigger_problem = part_problem (self, CRM_RULE_PART_TRIGGER, "trigger", trigger_of (self));
  note_problem (self, "trigger", trigger_problem);
  adw_preferences_group_set_description (self->trigger_group, trigger_problem);
  if (self->trigger_rows->len > 0)
    mark_row (g_ptr_array_index (self->trigger_rows, 0), trigger_problem);

  for (CrmRulePart part = CRM_RULE_PART_CONDITION; part <= CRM_RULE_PART_ACTION; part++)
    {
      GPtrArray *rows = part == CRM_RULE_PART_CONDITION ? self->condition_rows : self->action_rows;
      JsonArray *items = items_of (self, part);

      for (guint i = 0; i < rows->len && i < json_array_get_length (items); i++)
        {
          GtkWidget *row = g_ptr_array_index (rows, i);
          JsonObject *item = json_array_get_object_element (items, i);
          const char *at = g_object_get_data (G_OBJECT (row), "at");
          g_autofree char *problem = part_problem (self, part, at, item);
          g_autofree char *words = crm_rule_describe_part (part, item);

          const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
          const char *params = words;

          /* the row's title says the type already: the subtitle says its parameters */
          if (g_str_has_prefix (words, title) && g_str_has_prefix (words + strlen (title), " — "))
            params = words + strlen (title) + strlen (" — ");
          else if (g_str_equal (words, title))
            params = "";
          note_problem (self, at, problem);
          adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), problem != NULL ? problem : params);
          mark_row (row, problem);
        }
    }
  if (json_array_get_length (items_of (self, CRM_RULE_PART_ACTION)) == 0)
    note_problem (self, "actions", _("Add an action: a rule without one does nothing"));

  gtk_label_set_label (self->problem_label, self->problem != NULL ? self->problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), self->problem != NULL);
  gtk_widget_set_sensitive (self->save_button, self->problem == NULL);
  /* a dry run needs a rule the engine can run; its name may wait */
  gtk_widget_set_sensitive (self->try_button,
                            self->problem == NULL || g_str_equal (self->problem_at, "name"));
}

/* ---- the dry run ---- */

static void
clear_dry_run (CrmRuleEditor *self)
{
  crm_preferences_group_remove_rows (self->dry_run_group, self->dry_run_rows);
  g_ptr_array_set_size (self->dry_run_lines, 0);
}

static void
add_dry_run_line (CrmRuleEditor *self,
                  const char    *text,
                  const char    *detail)
{
  GtkWidget *row = crm_text_row_new (text, detail);

  adw_preferences_group_add (self->dry_run_group, row);
  g_ptr_array_add (self->dry_run_rows, row);
  g_ptr_array_add (self->dry_run_lines, g_strdup (text));
}

void
crm_rule_editor_try_on_deal (CrmRuleEditor *self,
                             const char    *deal_id)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  JsonArray *changes;

  g_return_if_fail (CRM_IS_RULE_EDITOR (self));
  flush_rebuild (self);

  clear_dry_run (self);
  definition = crm_rule_editor_dup_definition (self);
  result = crm_rule_dry_run (crm_context_get_store (self->context), definition, deal_id,
                             crm_context_get_user_id (self->context), &error);
  gtk_widget_set_visible (GTK_WIDGET (self->dry_run_group), TRUE);
  if (result == NULL)
    {
      adw_preferences_group_set_title (self->dry_run_group, _("Tried on a Deal"));
      adw_preferences_group_set_description (self->dry_run_group, NULL);
      add_dry_run_line (self, error->message, NULL);
      return;
    }
  /* Translators: the heading of a rule's dry run: «Deal “Volvo FH”» */
  title = g_strdup_printf (_("What It Would Do to %s"), str (result, "deal_text"));
  adw_preferences_group_set_title (self->dry_run_group, title);
  adw_preferences_group_set_description (self->dry_run_group,
                                         _("Nothing is written: this is what the rule would do "
                                           "now."));
  changes = json_object_get_array_member (result, "changes");
  if (json_object_has_member (result, "failed"))
    {
      JsonObject *failed = json_object_get_object_member (result, "failed");

      add_dry_run_line (self, _("It would not fire"), str (failed, "message"));
    }
  else if (json_object_has_member (result, "refused"))
    {
      JsonObject *refused = json_object_get_object_member (result, "refused");

      add_dry_run_line (self, _("It would be refused, and nothing would change"),
                        str (refused, "message"));
    }
  else if (changes == NULL || json_array_get_length (changes) == 0)
    add_dry_run_line (self, _("It would fire and change nothing"), NULL);
  for (guint i = 0; !json_object_has_member (result, "refused") && changes != NULL &&
                    i < json_array_get_length (changes); i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);
      g_autofree char *by = NULL;

      if (g_strcmp0 (str (change, "rule"), str (result, "rule")) != 0)
        /* Translators: a change of a dry run another rule, set off, would make */
        by = g_strdup_printf (_("by the rule «%s»"), str (change, "rule"));
      add_dry_run_line (self, str (change, "text"), by);
    }
}

GPtrArray *
crm_rule_editor_get_dry_run_lines (CrmRuleEditor *self)
{
  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), NULL);
  return self->dry_run_lines->len > 0 ? self->dry_run_lines : NULL;
}

static void
deal_picked_cb (CrmEntityPicker *picker,
                const char      *id,
                const char      *name,
                CrmRuleEditor   *self)
{
  gtk_popover_popdown (GTK_POPOVER (picker));
  crm_rule_editor_try_on_deal (self, id);
}

/* ---- the rule as a whole ---- */

JsonNode *
crm_rule_editor_dup_definition (CrmRuleEditor *self)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  JsonNode *node;
  JsonObject *copy;

  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), NULL);

  {
    g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (root, self->definition);
    text = json_to_string (root, FALSE);
  }
  node = json_from_string (text, NULL);
  copy = json_node_get_object (node);
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  json_object_set_string_member (copy, "name", name);
  if (self->rule_id != NULL)
    json_object_set_string_member (copy, "id", self->rule_id);
  else if (json_object_has_member (copy, "id"))
    json_object_remove_member (copy, "id");
  if (json_object_has_member (copy, "conditions") &&
      json_array_get_length (json_object_get_array_member (copy, "conditions")) == 0)
    json_object_remove_member (copy, "conditions");
  return node;
}

gboolean
crm_rule_editor_save (CrmRuleEditor *self)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE;

  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), FALSE);
  flush_rebuild (self);

  validate (self);
  if (self->problem != NULL)
    return FALSE;
  definition = crm_rule_editor_dup_definition (self);
  if (!crm_rules_stage_import (crm_context_get_store (self->context), changeset, definition,
                               NULL, &created, &error))
    {
      gtk_label_set_label (self->problem_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->problem_label), TRUE);
      return FALSE;
    }
  if (!crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset,
                         created ? _("Rule added") : _("Rule saved"), NULL))
    return FALSE;
  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  crm_rule_editor_save (CRM_RULE_EDITOR (widget));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (widget);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  if (self->rule_id == NULL)
    return;
  crm_rules_stage_delete (changeset, self->rule_id);
  if (crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, _("Rule deleted"), NULL))
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
set_new (CrmRuleEditor *self,
         gboolean       is_new)
{
  gtk_window_set_title (GTK_WINDOW (self), is_new ? _("New Rule") : _("Edit Rule"));
  gtk_widget_set_visible (self->duplicate_button, !is_new);
  gtk_widget_set_visible (self->delete_button, !is_new);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (widget);
  g_autofree char *name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  g_autofree char *copy = NULL;

  /* Translators: the name of a duplicated rule */
  copy = g_strdup_printf (_("%s (copy)"), name);
  g_clear_pointer (&self->rule_id, g_free);
  set_new (self, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), copy);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  validate (self);
}

static guint
add_item (CrmRuleEditor *self,
          CrmRulePart    part,
          const char    *type)
{
  JsonArray *items = items_of (self, part);
  JsonObject *item = json_object_new ();
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (part, &n);

  json_object_set_string_member (item, "type", type != NULL ? type : specs[0].type);
  json_array_add_object_element (items, item);
  rebuild_items (self, part);
  validate (self);
  return json_array_get_length (items) - 1;
}

static void
add_condition_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (widget);
  guint index = add_item (self, CRM_RULE_PART_CONDITION, "has_tag");

  gtk_widget_grab_focus (g_ptr_array_index (self->condition_rows, index));
}

static void
add_action_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (widget);
  guint index = add_item (self, CRM_RULE_PART_ACTION, "create_task");

  gtk_widget_grab_focus (g_ptr_array_index (self->action_rows, index));
}

/* ---- the public calls ---- */

void
crm_rule_editor_set_trigger (CrmRuleEditor *self,
                             const char    *type)
{
  guint n = 0;
  const CrmRuleSpec *specs = crm_rule_catalog_list (CRM_RULE_PART_TRIGGER, &n);

  g_return_if_fail (CRM_IS_RULE_EDITOR (self));
  flush_rebuild (self);
  for (guint i = 0; i < n; i++)
    if (g_str_equal (specs[i].type, type))
      adw_combo_row_set_selected (g_ptr_array_index (self->trigger_rows, 0), i);
}

guint
crm_rule_editor_add_condition (CrmRuleEditor *self,
                               const char    *type)
{
  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), 0);
  return add_item (self, CRM_RULE_PART_CONDITION, type);
}

guint
crm_rule_editor_add_action (CrmRuleEditor *self,
                            const char    *type)
{
  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), 0);
  return add_item (self, CRM_RULE_PART_ACTION, type);
}

void
crm_rule_editor_remove_action (CrmRuleEditor *self,
                               guint          index)
{
  g_return_if_fail (CRM_IS_RULE_EDITOR (self));
  flush_rebuild (self);
  if (index >= json_array_get_length (items_of (self, CRM_RULE_PART_ACTION)))
    return;
  json_array_remove_element (items_of (self, CRM_RULE_PART_ACTION), index);
  rebuild_items (self, CRM_RULE_PART_ACTION);
  validate (self);
}

/* The row of @key under @at, through the rows as a user would reach them. */
static GtkWidget *
find_param_row (CrmRuleEditor *self,
                const char    *at,
                const char    *key)
{
  GPtrArray *rows = NULL;
  GtkWidget *expander = NULL;

  if (g_str_equal (at, "trigger"))
    rows = self->trigger_rows;
  else
    {
      GPtrArray *items = g_str_has_prefix (at, "conditions") ? self->condition_rows
                                                              : self->action_rows;

      for (guint i = 0; i < items->len; i++)
        if (g_strcmp0 (g_object_get_data (G_OBJECT (g_ptr_array_index (items, i)), "at"), at) == 0)
          expander = g_ptr_array_index (items, i);
    }
  if (rows != NULL)
    {
      for (guint i = 0; i < rows->len; i++)
        if (g_strcmp0 (g_object_get_data (G_OBJECT (g_ptr_array_index (rows, i)), "key"), key) == 0)
          return g_ptr_array_index (rows, i);
      return NULL;
    }
  if (expander == NULL)
    return NULL;
  /* the expander's rows live in a list inside it */
  for (GtkWidget *child = gtk_widget_get_first_child (expander); child != NULL; )
    {
      if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "key"), key) == 0)
        return child;
      if (gtk_widget_get_first_child (child) != NULL)
        child = gtk_widget_get_first_child (child);
      else
        {
          while (child != NULL && child != expander && gtk_widget_get_next_sibling (child) == NULL)
            child = gtk_widget_get_parent (child);
          if (child == NULL || child == expander)
            break;
          child = gtk_widget_get_next_sibling (child);
        }
    }
  return NULL;
}

void
crm_rule_editor_set_param (CrmRuleEditor *self,
                           const char    *at,
                           const char    *key,
                           const char    *value)
{
  GtkWidget *row;

  g_return_if_fail (CRM_IS_RULE_EDITOR (self));
  flush_rebuild (self);
  row = find_param_row (self, at, key);
  g_return_if_fail (row != NULL);
  if (ADW_IS_COMBO_ROW (row))
    {
      GPtrArray *values = g_object_get_data (G_OBJECT (row), "values");

      for (guint i = 0; i < values->len; i++)
        if (g_str_equal (g_ptr_array_index (values, i), value))
          adw_combo_row_set_selected (ADW_COMBO_ROW (row), i);
    }
  else if (ADW_IS_ENTRY_ROW (row))
    gtk_editable_set_text (GTK_EDITABLE (row), value);
  else if (g_object_get_data (G_OBJECT (row), "spin") != NULL)
    gtk_spin_button_set_value (g_object_get_data (G_OBJECT (row), "spin"), g_ascii_strtod (value, NULL));
}

const char *
crm_rule_editor_get_problem (CrmRuleEditor *self)
{
  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), NULL);
  flush_rebuild (self);
  return self->problem;
}

const char *
crm_rule_editor_get_problem_at (CrmRuleEditor *self)
{
  g_return_val_if_fail (CRM_IS_RULE_EDITOR (self), NULL);
  flush_rebuild (self);
  return self->problem_at;
}

/* ---- the window ---- */

static void
name_changed_cb (GtkEditable   *editable,
                 CrmRuleEditor *self)
{
  if (!self->building)
    validate (self);
}

static GtkWidget *
header_button (const char *label,
               const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
build (CrmRuleEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *problem = adw_preferences_group_new ();
  GtkWidget *top = adw_preferences_group_new ();
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 720, 760);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "dialog.cancel");
  self->save_button = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->save_button), "dialog.save");
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->save_button);
  gtk_box_append (GTK_BOX (box), header);

  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "error");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (problem), GTK_WIDGET (self->problem_label));

  self->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("_Name"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->name_row), TRUE);
  g_signal_connect (self->name_row, "changed", G_CALLBACK (name_changed_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->name_row));

  self->trigger_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->trigger_group, _("When"));

  self->conditions_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->conditions_group, _("If"));
  adw_preferences_group_set_description (self->conditions_group,
                                         _("Every condition must hold; none: always."));
  adw_preferences_group_set_header_suffix (self->conditions_group,
                                           header_button (_("Add C_ondition"),
                                                          "dialog.add-condition"));

  self->actions_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->actions_group, _("Then"));
  adw_preferences_group_set_header_suffix (self->actions_group,
                                           header_button (_("Add _Action"), "dialog.add-action"));

  self->dry_run_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->dry_run_group), FALSE);

  self->try_button = gtk_menu_button_new ();
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->try_button), _("_Try on a Deal…"));
  gtk_menu_button_set_use_underline (GTK_MENU_BUTTON (self->try_button), TRUE);
  self->deal_picker = g_object_new (CRM_TYPE_ENTITY_PICKER, NULL);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->try_button), GTK_WIDGET (self->deal_picker));
  g_signal_connect (self->deal_picker, "picked", G_CALLBACK (deal_picked_cb), self);
  self->duplicate_button = gtk_button_new_with_mnemonic (_("D_uplicate"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->duplicate_button), "dialog.duplicate");
  self->delete_button = gtk_button_new_with_mnemonic (_("_Delete"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->delete_button), "dialog.delete");
  gtk_widget_add_css_class (self->delete_button, "destructive-action");
  /* «Try on a Deal…» in the header, its answer at the top of the form: always in view */
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->try_button);
  gtk_widget_set_halign (bottom, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (bottom), self->duplicate_button);
  gtk_box_append (GTK_BOX (bottom), self->delete_button);
  {
    GtkWidget *bottom_group = adw_preferences_group_new ();

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (bottom_group), bottom);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (problem));
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->dry_run_group);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (top));
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->trigger_group);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->conditions_group);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->actions_group);
    adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (bottom_group));
  }
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

static void
crm_rule_editor_dispose (GObject *object)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (object);

  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_rule_editor_parent_class)->dispose (object);
}

static void
crm_rule_editor_finalize (GObject *object)
{
  CrmRuleEditor *self = CRM_RULE_EDITOR (object);

  g_free (self->rule_id);
  g_free (self->problem);
  g_free (self->problem_at);
  g_clear_pointer (&self->definition, json_object_unref);
  g_clear_pointer (&self->rules, json_array_unref);
  g_clear_pointer (&self->pipelines, json_array_unref);
  g_clear_pointer (&self->users, json_array_unref);
  g_clear_pointer (&self->tags, json_array_unref);
  g_clear_pointer (&self->fields, json_array_unref);
  g_clear_pointer (&self->reasons, json_array_unref);
  g_hash_table_unref (self->bad_input);
  g_ptr_array_unref (self->trigger_rows);
  g_ptr_array_unref (self->condition_rows);
  g_ptr_array_unref (self->action_rows);
  g_ptr_array_unref (self->dry_run_rows);
  g_ptr_array_unref (self->dry_run_lines);
  G_OBJECT_CLASS (crm_rule_editor_parent_class)->finalize (object);
}

static void
crm_rule_editor_class_init (CrmRuleEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_rule_editor_dispose;
  object_class->finalize = crm_rule_editor_finalize;
  gtk_widget_class_install_action (widget_class, "dialog.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "dialog.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "dialog.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "dialog.add-condition", NULL,
                                   add_condition_action);
  gtk_widget_class_install_action (widget_class, "dialog.add-action", NULL, add_action_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "dialog.save",
                                       NULL);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
}

static void
crm_rule_editor_init (CrmRuleEditor *self)
{
  self->bad_input = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->trigger_rows = g_ptr_array_new ();
  self->condition_rows = g_ptr_array_new ();
  self->action_rows = g_ptr_array_new ();
  self->dry_run_rows = g_ptr_array_new ();
  self->dry_run_lines = g_ptr_array_new_with_free_func (g_free);
  build (self);
}

static JsonArray *
array_or_empty (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_clear_pointer (&node, json_node_unref);
      return json_array_new ();
    }
  {
    JsonArray *array = json_array_ref (json_node_get_array (node));

    json_node_unref (node);
    return array;
  }
}

CrmRuleEditor *
crm_rule_editor_new (GtkWindow  *parent,
                     CrmContext *context,
                     const char *rule_id)
{
  g_autoptr(GError) error = NULL;
  CrmRuleEditor *self;
  CrmStore *store;
  const char *name = "";

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_RULE_EDITOR, NULL);
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  self->context = g_object_ref (context);
  store = crm_context_get_store (context);
  self->rules = array_or_empty (crm_rules_list (store, crm_first_error (&error)));
  self->pipelines = array_or_empty (crm_query_pipelines (store, crm_first_error (&error)));
  self->users = array_or_empty (crm_query_users (store, crm_first_error (&error)));
  self->tags = array_or_empty (crm_query_tags (store, NULL, crm_first_error (&error)));
  self->fields = crm_query_fields (store, "deal", crm_first_error (&error));
  self->reasons = crm_query_loss_reasons (store, NULL, crm_first_error (&error));
  if (error != NULL)
    crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the account's setup"),
                                error);
  if (self->fields == NULL)
    self->fields = json_array_new ();
  if (self->reasons == NULL)
    self->reasons = json_array_new ();

  for (guint i = 0; rule_id != NULL && i < json_array_get_length (self->rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (self->rules, i);

      if (g_strcmp0 (str (rule, "id"), rule_id) == 0)
        {
          g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
          g_autofree char *text = NULL;
          g_autoptr(JsonNode) copy = NULL;

          json_node_set_object (root, rule);
          text = json_to_string (root, FALSE);
          copy = json_from_string (text, NULL);
          self->definition = json_object_ref (json_node_get_object (copy));
          self->rule_id = g_strdup (rule_id);
          name = str (rule, "name");
          /* what crm_rules_list() adds is not the definition's */
          json_object_remove_member (self->definition, "position");
          json_object_remove_member (self->definition, "id");
        }
    }
  if (self->definition == NULL)
    {
      self->definition = json_object_new ();
      json_object_set_boolean_member (self->definition, "enabled", TRUE);
    }
  crm_entity_picker_setup (self->deal_picker, context, "deal");
  set_new (self, self->rule_id == NULL);
  self->building = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  self->building = FALSE;
  rebuild_trigger (self);
  rebuild_items (self, CRM_RULE_PART_CONDITION);
  rebuild_items (self, CRM_RULE_PART_ACTION);
  validate (self);
  return self;
}
