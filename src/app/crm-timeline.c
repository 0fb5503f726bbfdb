/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-timeline.c — turns changelog ops of a deal, its tasks, links, notes and files into rows:
 * what happened, when, who; a badge when a rule made it or another device did. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-describe.h"
#include "crm-format.h"
#include "crm-query-board.h"
#include "crm-time.h"
#include "crm-timeline.h"
#include "crm-widget-util.h"

#define MAX_ENTRIES 100

struct _CrmTimeline
{
  GtkWidget   parent_instance;

  guint       n_entries;
  guint       n_by_rule;
  guint       n_remote;
  guint       n_notes;

  GtkListBox *list;
  GtkWidget  *empty_label;
};

G_DEFINE_FINAL_TYPE (CrmTimeline, crm_timeline, GTK_TYPE_WIDGET)

/* What one history entry did, in the words of crm_describe_change() (core): the same
 * words the rule editor's dry run shows. */
char *
crm_timeline_describe (CrmContext *context,
                       JsonObject *entry)
{
  JsonObject *fields = json_object_get_object_member (entry, "fields");

  if (fields == NULL)
    return g_strdup ("");
  return crm_describe_change (crm_context_get_store (context),
                              json_object_get_string_member_with_default (entry, "entity", ""),
                              json_object_get_string_member_with_default (entry, "id", NULL),
                              fields);
}

static GtkWidget *
badge (const char *text,
       const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "timeline-badge");
  gtk_widget_add_css_class (label, css_class);
  return label;
}

/* The row that wrote a note still there gets «Delete» (and Delete on the row), through
 * "win.delete-entity": an undo toast like every deletion. */
static void
add_remove_note (GtkWidget  *row,
                 CrmContext *context,
                 JsonObject *entry)
{
  const char *id = json_object_get_string_member_with_default (entry, "id", NULL);
  JsonObject *fields = json_object_get_object_member (entry, "fields");
  g_autoptr(JsonObject) note = NULL;
  GtkEventController *keys;
  GtkShortcut *shortcut;
  GtkWidget *button;
  GVariant *target;

  if (id == NULL || fields == NULL || !json_object_has_member (fields, "created_at"))
    return;
  note = crm_store_dup_entity (crm_context_get_store (context), "note", id);
  if (note == NULL || json_object_get_boolean_member_with_default (note, "deleted", FALSE))
    return;
  target = g_variant_ref_sink (g_variant_new ("(ss)", "note", id));
  button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_tooltip_text (button, _("Delete the Note (Delete)"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "note-delete");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.delete-entity");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  keys = gtk_shortcut_controller_new ();
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                               gtk_named_action_new ("win.delete-entity"));
  gtk_shortcut_set_arguments (shortcut, target);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys), shortcut);
  gtk_widget_add_controller (row, keys);
  g_variant_unref (target);
}

void
crm_timeline_set_history (CrmTimeline *self,
                          CrmContext  *context,
                          JsonArray   *history)
{
  const char *device = crm_store_get_device_id (crm_context_get_store (context));
  guint length;

  g_return_if_fail (CRM_IS_TIMELINE (self));

  crm_list_box_remove_all (self->list);
  self->n_entries = self->n_by_rule = self->n_remote = self->n_notes = 0;

  length = history != NULL ? json_array_get_length (history) : 0;
  for (guint i = length; i > 0 && self->n_entries < MAX_ENTRIES; i--)
    {
      JsonObject *entry = json_array_get_object_element (history, i - 1);
      g_autofree char *text = crm_timeline_describe (context, entry);
      g_autofree char *when = NULL;
      g_autofree char *subtitle = NULL;
      const char *actor = json_object_get_string_member_with_default (entry, "actor", NULL);
      const char *rule = json_object_get_string_member_with_default (entry, "by_rule", NULL);
      const char *op_device = json_object_get_string_member_with_default (entry, "device", NULL);
      GtkWidget *row;
      gint64 at = 0;

      /* bookkeeping nobody notices (a call's recording, say) has no row */
      if (*text == '\0')
        continue;
      row = adw_action_row_new ();
      crm_time_parse (json_object_get_string_member_with_default (entry, "at", ""), &at);
      when = crm_format_date_time (at);
      subtitle = actor != NULL ? g_strdup_printf ("%s · %s", g_strstrip (when), actor)
                               : g_strdup (g_strstrip (when));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (g_strcmp0 (json_object_get_string_member_with_default (entry, "entity", NULL), "note") == 0)
        {
          /* a note is what a person wrote: all of it, and marked as a note */
          adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                     gtk_image_new_from_icon_name ("document-edit-symbolic"));
          adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
          gtk_widget_add_css_class (row, "timeline-note");
          self->n_notes++;
          add_remove_note (row, context, entry);
        }
      else if (g_strcmp0 (json_object_get_string_member_with_default (entry, "entity", NULL),
                          "attachment") == 0)
        adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                   gtk_image_new_from_icon_name ("mail-attachment-symbolic"));
      if (rule != NULL)
        {
          g_autofree char *label = g_strdup_printf (_("by rule «%s»"), rule);

          adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge (label, "rule"));
          self->n_by_rule++;
        }
      if (op_device != NULL && *op_device != '\0' && g_strcmp0 (op_device, device) != 0)
        {
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge (_("from another device"), "remote"));
          self->n_remote++;
        }
      gtk_list_box_append (self->list, row);
      self->n_entries++;
    }
  gtk_widget_set_visible (self->empty_label, self->n_entries == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->list), self->n_entries > 0);
}

guint
crm_timeline_get_n_entries (CrmTimeline *self)
{
  g_return_val_if_fail (CRM_IS_TIMELINE (self), 0);
  return self->n_entries;
}

guint
crm_timeline_get_n_by_rule (CrmTimeline *self)
{
  g_return_val_if_fail (CRM_IS_TIMELINE (self), 0);
  return self->n_by_rule;
}

guint
crm_timeline_get_n_notes (CrmTimeline *self)
{
  g_return_val_if_fail (CRM_IS_TIMELINE (self), 0);
  return self->n_notes;
}

/* The title of the @index-th row, newest first (tests). */
const char *
crm_timeline_get_entry_text (CrmTimeline *self,
                             guint        index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (CRM_IS_TIMELINE (self), NULL);

  row = gtk_list_box_get_row_at_index (self->list, index);
  return row != NULL ? adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)) : NULL;
}

guint
crm_timeline_get_n_remote (CrmTimeline *self)
{
  g_return_val_if_fail (CRM_IS_TIMELINE (self), 0);
  return self->n_remote;
}

static void
crm_timeline_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_TIMELINE);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_timeline_parent_class)->dispose (object);
}

static void
crm_timeline_class_init (CrmTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_timeline_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmTimeline, list);
  gtk_widget_class_bind_template_child (widget_class, CrmTimeline, empty_label);
}

static void
crm_timeline_init (CrmTimeline *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
