/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-stock-view.c — the brand's purchasing deals (pipeline «Отдел закупок») grouped by
 * stage, and the open sales deals («Продажи») with «Ждёт технику» set and the same tag.
 * A waiting deal gets a "check again" task in one click when nothing is in stock. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-format.h"
#include "crm-query-board.h"
#include "crm-stock-view.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

#define PURCHASING_PIPELINE "Отдел закупок"
#define SALES_PIPELINE "Продажи"
#define WAITING_FIELD "waiting_for_stock"
#define RECHECK_DAYS 3

struct _CrmStockView
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  gboolean             updating;
  GPtrArray           *tag_ids;
  guint                n_stock;
  guint                n_waiting;

  GtkDropDown         *brand_dropdown;
  GtkStringList       *brand_names;
  AdwPreferencesGroup *stock_group;
  GtkListBox          *stock_list;
  AdwPreferencesGroup *demand_group;
  GtkListBox          *demand_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmStockView, crm_stock_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static GtkWidget *
deal_row (JsonObject *card)
{
  GtkWidget *row;
  g_autoptr(GString) subtitle = g_string_new (NULL);
  const char *contact = json_object_get_string_member_with_default (card, "contact", NULL);

  if (!json_object_get_null_member (card, "amount"))
    {
      g_autofree char *amount = crm_format_money (json_object_get_int_member (card, "amount"),
                                                  json_object_get_string_member_with_default (card, "currency", "RUB"));

      g_string_append (subtitle, amount);
    }
  if (contact != NULL)
    g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", contact);
  row = crm_text_row_new (json_object_get_string_member_with_default (card, "title", ""),
                          subtitle->str);
  crm_row_set_action (row, "win.open-deal", json_object_get_string_member (card, "id"));
  return row;
}

static const char *
selected_tag (CrmStockView *self)
{
  guint selected = gtk_drop_down_get_selected (self->brand_dropdown);

  return selected < self->tag_ids->len ? g_ptr_array_index (self->tag_ids, selected) : NULL;
}

static void
recheck_clicked_cb (GtkButton    *button,
                    CrmStockView *self)
{
  const char *deal_id = g_object_get_data (G_OBJECT (button), "deal-id");
  guint selected = gtk_drop_down_get_selected (self->brand_dropdown);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *id = crm_context_new_id (self->context);
  g_autofree char *text = NULL;

  /* Translators: a follow-up task: %s is a truck or trailer brand */
  text = g_strdup_printf (_("Check whether a %s has arrived"),
                          gtk_string_list_get_string (self->brand_names, selected));
  crm_add_task_change (changeset, self->context, id, deal_id, text, "task", TRUE,
                       crm_context_now (self->context) + RECHECK_DAYS * CRM_MS_PER_DAY);
  crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset,
                    _("A re-check is planned in three days"), NULL);
}

static void
fill_stock (CrmStockView *self,
            const char   *tag_id)
{
  const char *pipeline_id = crm_context_find_pipeline_by_name (self->context, PURCHASING_PIPELINE);
  JsonObject *pipeline = crm_context_find_pipeline (self->context, pipeline_id);
  JsonArray *stages = pipeline != NULL ? json_object_get_array_member (pipeline, "stages") : NULL;
  const char *tags[] = { tag_id, NULL };

  crm_list_box_remove_all (self->stock_list);
  self->n_stock = 0;
  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = json_array_get_object_element (stages, i);
      CrmCardFilter filter = { .stage_id = json_object_get_string_member (stage, "id"),
                               .tag_ids = tags, .limit = 100 };
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) cards = crm_query_deal_cards (crm_context_get_store (self->context),
                                                         &filter, NULL, &error);
      g_autofree char *count = NULL;
      GtkWidget *expander;

      if (cards == NULL)
        {
          gtk_list_box_append (self->stock_list,
                               crm_read_error_row_new (_("Could not read the stock"), error));
          return;
        }
      if (json_array_get_length (cards) == 0)
        continue;
      expander = adw_expander_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander),
                                     json_object_get_string_member (stage, "name"));
      count = g_strdup_printf (ngettext ("%u deal", "%u deals", json_array_get_length (cards)),
                               json_array_get_length (cards));
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), count);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander),
                                     g_strcmp0 (json_object_get_string_member (stage, "kind"), "lost") != 0);
      for (guint j = 0; j < json_array_get_length (cards); j++)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                  deal_row (json_array_get_object_element (cards, j)));
      gtk_list_box_append (self->stock_list, expander);
      self->n_stock += json_array_get_length (cards);
    }
  if (self->n_stock == 0)
    gtk_list_box_append (self->stock_list,
                         crm_placeholder_row_new (_("Nothing of this brand in purchasing")));
}

static void
fill_demand (CrmStockView *self,
             const char   *tag_id)
{
  const char *tags[] = { tag_id, NULL };
  CrmCardFilter filter = { .pipeline_id = crm_context_find_pipeline_by_name (self->context, SALES_PIPELINE),
                           .tag_ids = tags, .flag_field = WAITING_FIELD, .open_only = TRUE,
                           .limit = 200 };
  g_autoptr(JsonArray) cards = NULL;
  g_autoptr(GError) error = NULL;

  crm_list_box_remove_all (self->demand_list);
  self->n_waiting = 0;
  if (filter.pipeline_id != NULL &&
      (cards = crm_query_deal_cards (crm_context_get_store (self->context), &filter, NULL,
                                     &error)) == NULL)
    {
      gtk_list_box_append (self->demand_list,
                           crm_read_error_row_new (_("Could not read the waiting deals"), error));
      return;
    }
  for (guint i = 0; cards != NULL && i < json_array_get_length (cards); i++)
    {
      JsonObject *card = json_array_get_object_element (cards, i);
      GtkWidget *row = deal_row (card);
      GtkWidget *button = gtk_button_new_from_icon_name ("alarm-symbolic");

      gtk_widget_set_tooltip_text (button, _("Plan a Re-check in Three Days"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "deal-id",
                              g_strdup (json_object_get_string_member (card, "id")), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (recheck_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->demand_list, row);
      self->n_waiting++;
    }
  if (self->n_waiting == 0)
    gtk_list_box_append (self->demand_list,
                         crm_placeholder_row_new (_("No sales deal is waiting for this brand")));
}

static void
crm_stock_view_reload (CrmView *view)
{
  CrmStockView *self = CRM_STOCK_VIEW (view);
  JsonArray *tags;
  g_autofree char *previous = NULL;
  guint selected = 0;

  g_return_if_fail (CRM_IS_STOCK_VIEW (self));

  if (self->context == NULL)
    return;

  previous = g_strdup (selected_tag (self));
  self->updating = TRUE;
  g_ptr_array_set_size (self->tag_ids, 0);
  gtk_string_list_splice (self->brand_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->brand_names)), NULL);
  tags = crm_context_get_tags (self->context);
  for (guint i = 0; i < json_array_get_length (tags); i++)
    {
      JsonObject *tag = json_array_get_object_element (tags, i);
      const char *group = json_object_get_string_member_with_default (tag, "group", NULL);

      if (g_strcmp0 (group, "brand") != 0 && g_strcmp0 (group, "trailer") != 0)
        continue;
      if (g_strcmp0 (json_object_get_string_member (tag, "id"), previous) == 0)
        selected = self->tag_ids->len;
      g_ptr_array_add (self->tag_ids, g_strdup (json_object_get_string_member (tag, "id")));
      gtk_string_list_append (self->brand_names, json_object_get_string_member (tag, "name"));
    }
  gtk_drop_down_set_selected (self->brand_dropdown, selected);
  self->updating = FALSE;

  if (selected_tag (self) == NULL)
    return;
  fill_stock (self, selected_tag (self));
  fill_demand (self, selected_tag (self));
}

static void
brand_selected_cb (CrmStockView *self)
{
  if (!self->updating && selected_tag (self) != NULL)
    {
      fill_stock (self, selected_tag (self));
      fill_demand (self, selected_tag (self));
    }
}

gboolean
crm_stock_view_set_brand (CrmStockView *self,
                          const char   *tag_name)
{
  g_return_val_if_fail (CRM_IS_STOCK_VIEW (self), FALSE);

  if (crm_view_is_dirty (CRM_VIEW (self)))
    crm_view_reload (CRM_VIEW (self));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->brand_names)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->brand_names, i), tag_name) == 0)
      {
        gtk_drop_down_set_selected (self->brand_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

guint
crm_stock_view_get_n_stock (CrmStockView *self)
{
  g_return_val_if_fail (CRM_IS_STOCK_VIEW (self), 0);
  return self->n_stock;
}

guint
crm_stock_view_get_n_waiting (CrmStockView *self)
{
  g_return_val_if_fail (CRM_IS_STOCK_VIEW (self), 0);
  return self->n_waiting;
}

static void
crm_stock_view_dispose (GObject *object)
{
  CrmStockView *self = CRM_STOCK_VIEW (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_STOCK_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_stock_view_parent_class)->dispose (object);
}

static void
crm_stock_view_finalize (GObject *object)
{
  g_clear_pointer (&CRM_STOCK_VIEW (object)->tag_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_stock_view_parent_class)->finalize (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_stock_view_reload;
}

static void
crm_stock_view_class_init (CrmStockViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_stock_view_dispose;
  object_class->finalize = crm_stock_view_finalize;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmStockView, context), N_("Stock"),
                        NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-stock-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, brand_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, brand_names);
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, stock_group);
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, stock_list);
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, demand_group);
  gtk_widget_class_bind_template_child (widget_class, CrmStockView, demand_list);
  gtk_widget_class_bind_template_callback (widget_class, brand_selected_cb);
}

static void
crm_stock_view_init (CrmStockView *self)
{
  self->tag_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
