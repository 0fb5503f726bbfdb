/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-board-column.c — a stage column. Its first page of cards comes with the board
 * (crm_query_board); later pages, and every page under a text search, from
 * crm_query_deal_cards() ("Show more" reads the next page), so a stage with thousands of
 * deals costs what is on screen. Card widgets below the first screen may be built
 * after the window's first frame (crm_board_column_build_pending). A GtkDropTarget takes
 * a deal id and asks the board to move it. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-board-column.h"
#include "crm-board.h"
#include "crm-format.h"
#include "crm-query-board.h"
#include "crm-widget-util.h"

#define CARDS_PER_PAGE CRM_BOARD_COLUMN_PAGE

struct _CrmBoardColumn
{
  GtkWidget    parent_instance;

  char        *stage_id;
  char        *kind;
  gint64       count;
  guint        limit;
  CrmContext  *context;   /* weak: the board owns it */
  JsonArray   *cards;     /* the cards read, while some have no widget yet */
  guint        n_built;   /* … of which have one */
  gint64       total;

  GtkLabel    *name_label;
  GtkLabel    *count_label;
  GtkLabel    *sum_label;
  GtkListBox  *card_list;
  GtkButton   *more_button;
  GtkWidget   *empty_label;
};

G_DEFINE_FINAL_TYPE (CrmBoardColumn, crm_board_column, GTK_TYPE_WIDGET)

static gboolean
drop_cb (GtkDropTarget  *target,
         const GValue   *value,
         double          x,
         double          y,
         CrmBoardColumn *self)
{
  const char *deal_id = G_VALUE_HOLDS_STRING (value) ? g_value_get_string (value) : NULL;

  if (deal_id == NULL)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "board.move-deal", "(ss)", deal_id,
                              self->stage_id);
  return TRUE;
}

static void
card_activated_cb (CrmBoardColumn *self,
                   GtkListBoxRow  *row)
{
  if (CRM_IS_DEAL_CARD (row))
    gtk_widget_activate_action (GTK_WIDGET (row), "card.open", NULL);
}

static void
clear_cards (CrmBoardColumn *self)
{
  crm_list_box_remove_all (self->card_list);
}

/* What a card shows: its JSON and the day (“Today”, “Tomorrow” and overdue marks change
 * with the local day, nothing else with time). */
static char *
card_signature (JsonObject *card,
                gint64      now)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, card);
  text = json_to_string (node, FALSE);
  return g_strdup_printf ("%" G_GINT64_FORMAT " %s", crm_day_start (now), text);
}

static CrmDealCard *
new_card (JsonObject *card,
          gint64      now)
{
  g_autoptr(CrmRecord) record = crm_record_new (card);
  CrmDealCard *widget = crm_deal_card_new (record, now);

  g_object_set_data_full (G_OBJECT (widget), "crm-card-signature", card_signature (card, now),
                          g_free);
  return widget;
}

/* Refills a column whose cards are all built: a card whose deal shows the same keeps its
 * widget (moved if its place changed), so a move or an edit rebuilds only the cards it
 * touched — and keyboard focus stays where it was. */
static void
refill_cards (CrmBoardColumn *self,
              JsonArray      *cards)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                      g_object_unref);
  guint n_cards = json_array_get_length (cards);
  gint64 now = crm_context_now (self->context);
  GtkListBoxRow *row;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->card_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (CRM_IS_DEAL_CARD (child))
      g_hash_table_insert (rows, (gpointer) crm_deal_card_get_deal_id (CRM_DEAL_CARD (child)),
                           g_object_ref (child));

  for (guint i = 0; i < n_cards; i++)
    {
      JsonObject *card = json_array_get_object_element (cards, i);
      const char *id = json_object_get_string_member_with_default (card, "id", "");
      GtkWidget *kept = g_hash_table_lookup (rows, id);
      g_autofree char *signature = card_signature (card, now);

      row = gtk_list_box_get_row_at_index (self->card_list, i);
      if (kept != NULL &&
          g_strcmp0 (g_object_get_data (G_OBJECT (kept), "crm-card-signature"), signature) == 0)
        {
          if (GTK_WIDGET (row) != kept)
            {
              gtk_list_box_remove (self->card_list, kept);
              gtk_list_box_insert (self->card_list, kept, (int) i);
            }
          continue;
        }
      if (kept != NULL)
        gtk_list_box_remove (self->card_list, kept);
      gtk_list_box_insert (self->card_list, GTK_WIDGET (new_card (card, now)), (int) i);
    }
  while ((row = gtk_list_box_get_row_at_index (self->card_list, n_cards)) != NULL)
    gtk_list_box_remove (self->card_list, GTK_WIDGET (row));
}

/* Builds card widgets up to the @upto-th; once all are built, the "Show more" button
 * and the empty label follow. */
static void
build_cards (CrmBoardColumn *self,
             guint           upto)
{
  guint n_cards, n_shown;
  gint64 now;

  if (self->cards == NULL)
    return;
  n_cards = json_array_get_length (self->cards);
  now = crm_context_now (self->context);
  for (; self->n_built < MIN (upto, n_cards); self->n_built++)
    gtk_list_box_append (self->card_list,
                         GTK_WIDGET (new_card (json_array_get_object_element (self->cards,
                                                                             self->n_built),
                                               now)));
  if (self->n_built < n_cards)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
      gtk_widget_set_visible (self->empty_label, FALSE);
      return;
    }
  g_clear_pointer (&self->cards, json_array_unref);
  n_shown = self->n_built;

  if (self->total > n_shown)
    {
      gint64 rest = self->total - n_shown;
      g_autofree char *label = g_strdup_printf (ngettext ("Show %lld More",
                                                          "Show %lld More",
                                                          MIN (rest, CARDS_PER_PAGE)),
                                                (long long) MIN (rest, CARDS_PER_PAGE));

      gtk_button_set_label (self->more_button, label);
      gtk_widget_set_visible (GTK_WIDGET (self->more_button), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
  gtk_widget_set_visible (self->empty_label, self->total == 0);
}

static void
show_cards (CrmBoardColumn *self,
            CrmContext     *context,
            JsonArray      *cards,
            gint64          total,
            guint           n_now)
{
  gboolean built = self->cards == NULL &&
                   gtk_widget_get_first_child (GTK_WIDGET (self->card_list)) != NULL;

  self->context = context;
  self->total = total;
  if (built && n_now == G_MAXUINT)
    {
      /* the same column again (a reload after a change): only what changed */
      refill_cards (self, cards);
      self->cards = json_array_ref (cards);
      self->n_built = json_array_get_length (cards);
      build_cards (self, G_MAXUINT);
      return;
    }
  clear_cards (self);
  g_clear_pointer (&self->cards, json_array_unref);
  self->cards = json_array_ref (cards);
  self->n_built = 0;
  build_cards (self, n_now);
}

void
crm_board_column_load (CrmBoardColumn *self,
                       CrmContext     *context)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) cards = NULL;
  CrmCardFilter filter = { 0 };
  gint64 total = 0;

  g_return_if_fail (CRM_IS_BOARD_COLUMN (self));

  self->context = context;
  filter.stage_id = self->stage_id;
  filter.tag_ids = crm_context_get_tag_filter (context);
  filter.search = crm_context_get_search (context);
  filter.limit = self->limit;
  {
    /* the board's «Mine» */
    GtkWidget *board = gtk_widget_get_ancestor (GTK_WIDGET (self), CRM_TYPE_BOARD);

    filter.responsible_id = board != NULL ? crm_board_get_responsible (CRM_BOARD (board)) : NULL;
  }
  cards = crm_query_deal_cards (crm_context_get_store (context), &filter, &total, &error);
  if (cards == NULL)
    {
      /* in the column, where its cards would be: never an empty stage */
      clear_cards (self);
      g_clear_pointer (&self->cards, json_array_unref);
      gtk_list_box_append (self->card_list,
                           crm_read_error_row_new (_("Could not read the deals of this stage"),
                                                   error));
      gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
      gtk_widget_set_visible (self->empty_label, FALSE);
      return;
    }
  show_cards (self, context, cards, total, G_MAXUINT);
}

gboolean
crm_board_column_set_cards (CrmBoardColumn *self,
                            CrmContext     *context,
                            JsonArray      *cards,
                            gint64          total,
                            guint           n_now)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), FALSE);
  g_return_val_if_fail (cards != NULL, FALSE);

  if (self->limit != CARDS_PER_PAGE)
    return FALSE;
  show_cards (self, context, cards, total, n_now);
  return TRUE;
}

gboolean
crm_board_column_has_pending (CrmBoardColumn *self)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), FALSE);
  return self->cards != NULL;
}

gboolean
crm_board_column_build_pending (CrmBoardColumn *self)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), FALSE);

  if (self->cards == NULL)
    return FALSE;
  build_cards (self, G_MAXUINT);
  return TRUE;
}

static void
more_clicked_cb (CrmBoardColumn *self)
{
  GtkListBoxRow *last = gtk_list_box_get_row_at_index (self->card_list, self->limit - 1);
  g_autofree char *focus_id = last != NULL && CRM_IS_DEAL_CARD (last)
                              ? g_strdup (crm_deal_card_get_deal_id (CRM_DEAL_CARD (last))) : NULL;
  CrmDealCard *card;

  self->limit += CARDS_PER_PAGE;
  if (self->context != NULL)
    crm_board_column_load (self, self->context);
  /* keep the keyboard where it was: on the last card seen before */
  card = focus_id != NULL ? crm_board_column_find_card (self, focus_id) : NULL;
  if (card != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (card));
}

void
crm_board_column_update (CrmBoardColumn *self,
                         JsonObject     *column)
{
  g_autofree char *count = NULL;
  g_autofree char *sum = NULL;

  g_return_if_fail (CRM_IS_BOARD_COLUMN (self));

  g_free (self->stage_id);
  g_free (self->kind);
  self->stage_id = g_strdup (json_object_get_string_member (column, "id"));
  self->kind = g_strdup (json_object_get_string_member_with_default (column, "kind", "open"));
  self->count = json_object_get_int_member_with_default (column, "count", 0);
  count = g_strdup_printf ("%" G_GINT64_FORMAT, self->count);
  sum = crm_format_money (json_object_get_int_member_with_default (column, "sum", 0), "RUB");

  gtk_label_set_label (self->name_label, json_object_get_string_member_with_default (column, "name", ""));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label),
                               json_object_get_string_member_with_default (column, "name", ""));
  gtk_label_set_label (self->count_label, count);
  gtk_label_set_label (self->sum_label, sum);

  gtk_widget_remove_css_class (GTK_WIDGET (self), "won");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "lost");
  if (g_str_equal (self->kind, "won") || g_str_equal (self->kind, "lost"))
    gtk_widget_add_css_class (GTK_WIDGET (self), self->kind);
}

const char *
crm_board_column_get_kind (CrmBoardColumn *self)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), NULL);
  return self->kind;
}

const char *
crm_board_column_get_stage_id (CrmBoardColumn *self)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), NULL);
  return self->stage_id;
}

CrmDealCard *
crm_board_column_find_card (CrmBoardColumn *self,
                            const char     *deal_id)
{
  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), NULL);

  build_cards (self, G_MAXUINT);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->card_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (CRM_IS_DEAL_CARD (child) &&
        g_strcmp0 (crm_deal_card_get_deal_id (CRM_DEAL_CARD (child)), deal_id) == 0)
      return CRM_DEAL_CARD (child);
  return NULL;
}

guint
crm_board_column_get_n_cards (CrmBoardColumn *self)
{
  guint n = 0;

  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), 0);
  build_cards (self, G_MAXUINT);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->card_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    n += CRM_IS_DEAL_CARD (child) ? 1 : 0;
  return n;
}

CrmDealCard *
crm_board_column_get_card (CrmBoardColumn *self,
                           guint           index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (CRM_IS_BOARD_COLUMN (self), NULL);
  build_cards (self, G_MAXUINT);
  row = gtk_list_box_get_row_at_index (self->card_list, index);
  return row != NULL && CRM_IS_DEAL_CARD (row) ? CRM_DEAL_CARD (row) : NULL;
}

static void
crm_board_column_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CRM_TYPE_BOARD_COLUMN);
  crm_widget_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (crm_board_column_parent_class)->dispose (object);
}

static void
crm_board_column_finalize (GObject *object)
{
  CrmBoardColumn *self = CRM_BOARD_COLUMN (object);

  g_clear_pointer (&self->stage_id, g_free);
  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->cards, json_array_unref);
  G_OBJECT_CLASS (crm_board_column_parent_class)->finalize (object);
}

static void
crm_board_column_class_init (CrmBoardColumnClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_board_column_dispose;
  object_class->finalize = crm_board_column_finalize;

  gtk_widget_class_set_css_name (widget_class, "boardcolumn");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-board-column.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, name_label);
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, count_label);
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, sum_label);
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, card_list);
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, more_button);
  gtk_widget_class_bind_template_child (widget_class, CrmBoardColumn, empty_label);
  gtk_widget_class_bind_template_callback (widget_class, card_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, more_clicked_cb);
}

static void
crm_board_column_init (CrmBoardColumn *self)
{
  GtkDropTarget *target;

  self->limit = CARDS_PER_PAGE;
  gtk_widget_init_template (GTK_WIDGET (self));

  target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

void
crm_board_column_set_compact (CrmBoardColumn *self,
                              gboolean        compact)
{
  g_return_if_fail (CRM_IS_BOARD_COLUMN (self));
  gtk_widget_set_size_request (GTK_WIDGET (self), compact ? 196 : 272, -1);
}

CrmBoardColumn *
crm_board_column_new (JsonObject *column)
{
  CrmBoardColumn *self = g_object_new (CRM_TYPE_BOARD_COLUMN, NULL);

  crm_board_column_update (self, column);
  return self;
}
