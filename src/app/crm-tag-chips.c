/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-tag-chips.c — tags as toggle buttons in flow boxes, one per tag group. A click
 * emits "tag-toggled" with the tag id; the owner decides what that means (filter the
 * lists, or add/remove the tag on a deal) and calls crm_tag_chips_set_selected(). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-tag-chips.h"
#include "crm-widget-util.h"

struct _CrmTagChips
{
  GtkWidget   parent_instance;

  GHashTable *chips;        /* tag id → GtkToggleButton (borrowed) */
  gboolean    updating;

  GtkBox     *groups_box;
};

G_DEFINE_FINAL_TYPE (CrmTagChips, crm_tag_chips, GTK_TYPE_WIDGET)

enum {
  TAG_TOGGLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
group_title (const char *group)
{
  if (g_strcmp0 (group, "brand") == 0)
    return _("Brands");
  if (g_strcmp0 (group, "trailer") == 0)
    return _("Trailers");
  return _("Other Tags");
}

static void
chip_toggled_cb (GtkToggleButton *chip,
                 CrmTagChips     *self)
{
  if (self->updating)
    return;
  g_signal_emit (self, signals[TAG_TOGGLED], 0, g_object_get_data (G_OBJECT (chip), "tag-id"));
}

static GtkFlowBox *
add_group (CrmTagChips *self,
           const char  *group)
{
  GtkWidget *label = gtk_label_new (group_title (group));
  GtkWidget *flow = gtk_flow_box_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 8);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 6);
  gtk_widget_add_css_class (flow, "tag-chip-box");
  gtk_box_append (self->groups_box, label);
  gtk_box_append (self->groups_box, flow);
  return GTK_FLOW_BOX (flow);
}

void
crm_tag_chips_set_tags (CrmTagChips *self,
                        JsonArray   *tags)
{
  static const char *const known_groups[] = { "brand", "trailer", NULL };
  GtkWidget *child;

  g_return_if_fail (CRM_IS_TAG_CHIPS (self));

  g_hash_table_remove_all (self->chips);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->groups_box))) != NULL)
    gtk_box_remove (self->groups_box, child);

  /* brands, then trailers, then everything else in one group */
  for (int pass = 0; pass < 3; pass++)
    {
      GtkFlowBox *flow = NULL;

      for (guint i = 0; tags != NULL && i < json_array_get_length (tags); i++)
        {
          JsonObject *tag = json_array_get_object_element (tags, i);
          const char *group = json_object_get_string_member_with_default (tag, "group", NULL);
          const char *id = json_object_get_string_member_with_default (tag, "id", NULL);
          gboolean in_pass = pass < 2 ? g_strcmp0 (group, known_groups[pass]) == 0
                                      : group == NULL || !g_strv_contains (known_groups, group);
          GtkWidget *chip;

          if (!in_pass || id == NULL)
            continue;
          if (flow == NULL)
            flow = add_group (self, pass < 2 ? known_groups[pass] : NULL);
          chip = gtk_toggle_button_new_with_label (json_object_get_string_member_with_default (tag, "name", ""));
          gtk_widget_set_halign (chip, GTK_ALIGN_START);
          gtk_widget_add_css_class (chip, "tag-chip");
          g_object_set_data_full (G_OBJECT (chip), "tag-id", g_strdup (id), g_free);
          g_signal_connect (chip, "toggled", G_CALLBACK (chip_toggled_cb), self);
          gtk_flow_box_append (flow, chip);
          /* the button takes the focus, not the flow box child around it */
          gtk_widget_set_focusable (gtk_widget_get_parent (chip), FALSE);
          g_hash_table_insert (self->chips, g_strdup (id), chip);
        }
    }
  /* One group needs no heading: the chips say it all. */
  {
    guint n_groups = 0;
    GtkWidget *heading = NULL;

    for (child = gtk_widget_get_first_child (GTK_WIDGET (self->groups_box)); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_LABEL (child))
        {
          n_groups++;
          heading = child;
        }
    if (n_groups == 1)
      gtk_widget_set_visible (heading, FALSE);
  }
  if (g_hash_table_size (self->chips) == 0)
    {
      GtkWidget *empty = gtk_label_new (_("This account has no tags yet"));

      gtk_widget_add_css_class (empty, "dim-label");
      gtk_box_append (self->groups_box, empty);
    }
}

void
crm_tag_chips_set_selected (CrmTagChips        *self,
                            const char * const *tag_ids)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (CRM_IS_TAG_CHIPS (self));

  self->updating = TRUE;
  g_hash_table_iter_init (&iter, self->chips);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gboolean on = tag_ids != NULL && g_strv_contains (tag_ids, key);

      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (value), on);
      if (on)
        gtk_widget_add_css_class (GTK_WIDGET (value), "active");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (value), "active");
    }
  self->updating = FALSE;
}

void
crm_tag_chips_toggle_choice (CrmTagChips *self,
                             GPtrArray   *tag_ids,
                             const char  *tag_id)
{
  guint index;

  g_return_if_fail (CRM_IS_TAG_CHIPS (self));

  if (g_ptr_array_find_with_equal_func (tag_ids, tag_id, g_str_equal, &index))
    g_ptr_array_remove_index (tag_ids, index);
  else
    g_ptr_array_add (tag_ids, g_strdup (tag_id));
  g_ptr_array_add (tag_ids, NULL);
  crm_tag_chips_set_selected (self, (const char * const *) tag_ids->pdata);
  g_ptr_array_set_size (tag_ids, tag_ids->len - 1);
}

GtkWidget *
crm_tag_chips_get_chip (CrmTagChips *self,
                        const char  *tag_name)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (CRM_IS_TAG_CHIPS (self), NULL);

  g_hash_table_iter_init (&iter, self->chips);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (value)), tag_name) == 0)
      return value;
  return NULL;
}

static void
crm_tag_chips_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_TAG_CHIPS);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_tag_chips_parent_class)->dispose (object);
}

static void
crm_tag_chips_finalize (GObject *object)
{
  g_clear_pointer (&CRM_TAG_CHIPS (object)->chips, g_hash_table_unref);
  G_OBJECT_CLASS (crm_tag_chips_parent_class)->finalize (object);
}

static void
crm_tag_chips_class_init (CrmTagChipsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_tag_chips_dispose;
  object_class->finalize = crm_tag_chips_finalize;

  /* A chip was clicked: the tag id. */
  signals[TAG_TOGGLED] = g_signal_new ("tag-toggled", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-tag-chips.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmTagChips, groups_box);
}

static void
crm_tag_chips_init (CrmTagChips *self)
{
  self->chips = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
crm_tag_chips_new (void)
{
  return g_object_new (CRM_TYPE_TAG_CHIPS, NULL);
}
