/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-board.c — the board of one pipeline. Columns and their first page of cards come
 * from crm_query_board() in one read (counts and sums under the header's tag filter);
 * under a text search, from crm_query_board_columns(), each column reading its own
 * cards. When the columns are new (the first board shown, another pipeline), only the
 * cards of the first screen are built before a frame is painted; the rest right after.
 * Moves go through crm_move_deal(); after a keyboard move the card keeps the focus in
 * its new column. The board reloads when the replica changes, or when it is next shown
 * if it was hidden then. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-board.h"
#include "crm-application.h"
#include "crm-deal-actions.h"
#include "crm-format.h"
#include "crm-query-board.h"
#include "crm-startup.h"
/* core's crm-board.h (crm_query_board): the app's own crm-board.h shadows that name */
#include "crm-pipeline-board.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmBoard
{
  GtkWidget       parent_instance;

  CrmContext     *context;
  char           *pipeline_id;
  char           *focus_deal_id;   /* a moved card to focus after the next reload */
  GdkFrameClock  *paint_clock;     /* waiting for a frame to build the pending cards */
  gulong          painted_id;
  guint           pending_id;      /* building the pending cards */
  GPtrArray      *columns;    /* CrmBoardColumn, borrowed from columns_box */

  gboolean        mine;            /* «Mine»: only the current user's deals */
  GtkToggleButton *mine_button;
  gboolean        compact;         /* narrow columns: more stages on a screen */
  GtkToggleButton *compact_button;
  GtkRevealer    *drop_revealer;   /* won and lost, while a card is dragged */
  GtkWidget      *won_zone;
  GtkWidget      *lost_zone;

  GtkStack       *stack;
  AdwStatusPage  *no_match_page;
  AdwStatusPage  *error_page;
  GtkScrolledWindow *scroller;
  GtkBox         *columns_box;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmBoard, crm_board, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static void
set_titles (CrmBoard   *self,
            const char *title,
            const char *subtitle)
{
  crm_view_set_title (CRM_VIEW (self), title);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);
}

static gboolean
same_stages (CrmBoard  *self,
             JsonArray *columns)
{
  if (self->columns->len != json_array_get_length (columns))
    return FALSE;
  for (guint i = 0; i < self->columns->len; i++)
    if (g_strcmp0 (crm_board_column_get_stage_id (g_ptr_array_index (self->columns, i)),
                   json_object_get_string_member (json_array_get_object_element (columns, i), "id")) != 0)
      return FALSE;
  return TRUE;
}

/* ---- the cards below the first screen ---- */

/* About what the first screen shows, erring on the side of more: a column is 272 px wide
 * (+ 12 between), a card about 130 px high (counted as 100). Before the board has a
 * size, the window's default size stands in for it. */
#define COLUMN_STEP 284
#define CARD_STEP 100
/* Compact: 196 px columns 6 px apart (crm_board_column_set_compact), so a 1 920 px
 * screen with the sidebar shows eight stages. */
#define COMPACT_COLUMN_STEP 202
#define COMPACT_SPACING 6
#define SPACING 12

static void
first_screen (CrmBoard *self,
              guint    *n_columns,
              guint    *n_cards)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if ((width <= 0 || height <= 0) && GTK_IS_WINDOW (root))
    gtk_window_get_default_size (GTK_WINDOW (root), &width, &height);
  if (width <= 0 || height <= 0)
    {
      *n_columns = *n_cards = G_MAXUINT;
      return;
    }
  *n_columns = (guint) width / (self->compact ? COMPACT_COLUMN_STEP : COLUMN_STEP) + 1;
  *n_cards = (guint) height / CARD_STEP + 1;
}

static void
stop_pending (CrmBoard *self)
{
  if (self->paint_clock != NULL)
    g_clear_signal_handler (&self->painted_id, self->paint_clock);
  g_clear_object (&self->paint_clock);
  g_clear_handle_id (&self->pending_id, g_source_remove);
}

/* All at once: the next frame shows the whole board (about 0.1 s of work for 12 columns
 * of 25 cards on the benchmark machine); a column per idle would keep the board
 * changing for a dozen frames. */
static gboolean
build_pending_cb (gpointer user_data)
{
  CrmBoard *self = user_data;

  self->pending_id = 0;
  for (guint i = 0; i < self->columns->len; i++)
    crm_board_column_build_pending (g_ptr_array_index (self->columns, i));
  return G_SOURCE_REMOVE;
}

static void
painted_cb (CrmBoard *self)
{
  stop_pending (self);
  /* below the frame clock's priority: the painted frame goes out first */
  self->pending_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, build_pending_cb, self, NULL);
}

/* After the next frame is painted: the first screen goes up before the rest is built. */
static void
schedule_pending (CrmBoard *self)
{
  gboolean pending = FALSE;

  for (guint i = 0; !pending && i < self->columns->len; i++)
    pending = crm_board_column_has_pending (g_ptr_array_index (self->columns, i));
  if (!pending || self->pending_id != 0 || self->painted_id != 0 ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  self->paint_clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->painted_id = g_signal_connect_swapped (self->paint_clock, "after-paint",
                                               G_CALLBACK (painted_cb), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- reading ---- */

static gboolean
board_is_empty (JsonArray *columns)
{
  for (guint i = 0; i < json_array_get_length (columns); i++)
    if (json_object_get_int_member_with_default (json_array_get_object_element (columns, i),
                                                 "count", 0) > 0)
      return FALSE;
  return TRUE;
}

static void
crm_board_reload (CrmView *view)
{
  CrmBoard *self = CRM_BOARD (view);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) columns = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *sum_text = NULL;
  JsonObject *pipeline;
  GtkAdjustment *hadjustment;
  double scroll;
  gint64 n_open = 0, open_sum = 0;
  const char *search;
  guint n_columns_now, n_cards_now;

  g_return_if_fail (CRM_IS_BOARD (self));

  pipeline = self->context != NULL ? crm_context_find_pipeline (self->context, self->pipeline_id) : NULL;
  if (pipeline == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      set_titles (self, _("Board"), NULL);
      return;
    }
  /* without a text search, one read gives the columns and their first cards */
  search = crm_context_get_search (self->context);
  if (search == NULL)
    columns = crm_query_board_for (crm_context_get_store (self->context), self->pipeline_id,
                                   crm_context_get_tag_filter (self->context),
                                   crm_board_get_responsible (self),
                                   CRM_BOARD_COLUMN_PAGE, &error);
  else
    columns = crm_query_board_columns_for (crm_context_get_store (self->context),
                                           self->pipeline_id,
                                           crm_context_get_tag_filter (self->context), search,
                                           crm_board_get_responsible (self), &error);
  if (columns == NULL)
    {
      /* the cause and what to do, where the columns would be: never an empty board */
      g_message ("Could not read the board: %s", error->message);
      crm_status_page_set_text (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      set_titles (self, json_object_get_string_member_with_default (pipeline, "name", ""), NULL);
      return;
    }
  crm_startup_mark ("board: columns read");

  hadjustment = gtk_scrolled_window_get_hadjustment (self->scroller);
  scroll = gtk_adjustment_get_value (hadjustment);
  /* Columns refilled in place may be scrolled, sideways or down: they get all their
   * cards at once, so nothing jumps. New columns start at the top left. */
  n_columns_now = n_cards_now = G_MAXUINT;
  if (!same_stages (self, columns))
    {
      GtkWidget *child;

      g_ptr_array_set_size (self->columns, 0);
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->columns_box))) != NULL)
        gtk_box_remove (self->columns_box, child);
      for (guint i = 0; i < json_array_get_length (columns); i++)
        {
          CrmBoardColumn *column = crm_board_column_new (json_array_get_object_element (columns, i));

          crm_board_column_set_compact (column, self->compact);
          gtk_box_append (self->columns_box, GTK_WIDGET (column));
          g_ptr_array_add (self->columns, column);
        }
      scroll = 0;
      first_screen (self, &n_columns_now, &n_cards_now);
    }

  for (guint i = 0; i < self->columns->len; i++)
    {
      CrmBoardColumn *widget = g_ptr_array_index (self->columns, i);
      JsonObject *column = json_array_get_object_element (columns, i);
      const char *kind = json_object_get_string_member_with_default (column, "kind", "");
      /* a searched board's columns come without cards: each column reads its own */
      JsonArray *cards = json_object_has_member (column, "cards")
                         ? json_object_get_array_member (column, "cards") : NULL;

      crm_board_column_update (widget, column);
      if (cards == NULL ||
          !crm_board_column_set_cards (widget, self->context, cards,
                                       json_object_get_int_member_with_default (column, "count", 0),
                                       i < n_columns_now ? n_cards_now : 0))
        crm_board_column_load (widget, self->context);
      if (g_str_equal (kind, "open") || g_str_equal (kind, "unsorted"))
        {
          n_open += json_object_get_int_member_with_default (column, "count", 0);
          open_sum += json_object_get_int_member_with_default (column, "sum", 0);
        }
    }
  gtk_adjustment_set_value (hadjustment, scroll);
  crm_startup_mark ("board: cards read and built");
  schedule_pending (self);

  sum_text = crm_format_money (open_sum, "RUB");
  /* Translators: the board's subtitle: open deals and their sum */
  subtitle = g_strdup_printf (ngettext ("%lld open deal · %s",
                                        "%lld open deals · %s", n_open),
                              (long long) n_open, sum_text);
  set_titles (self, json_object_get_string_member_with_default (pipeline, "name", ""), subtitle);
  /* a search that empties every column says so once, and where else to look */
  if (search != NULL && board_is_empty (columns))
    {
      /* Translators: the board when the header's search matches none of its deals */
      g_autofree char *title = g_strdup_printf (_("No Deals Match «%s»"), search);

      adw_status_page_set_title (self->no_match_page, title);
      gtk_stack_set_visible_child_name (self->stack, "no-match");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "columns");

  if (self->focus_deal_id != NULL)
    {
      CrmDealCard *card = crm_board_find_card (self, self->focus_deal_id);

      if (card != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (card));
      g_clear_pointer (&self->focus_deal_id, g_free);
    }
}

static void
crm_board_map (GtkWidget *widget)
{
  CrmBoard *self = CRM_BOARD (widget);

  GTK_WIDGET_CLASS (crm_board_parent_class)->map (widget);
  /* a dirty board reloads right after this (CrmView's "map"), and schedules then */
  if (!crm_view_is_dirty (CRM_VIEW (self)))
    schedule_pending (self);
}

static void
crm_board_unmap (GtkWidget *widget)
{
  /* the frame clock may change; map schedules again */
  stop_pending (CRM_BOARD (widget));
  GTK_WIDGET_CLASS (crm_board_parent_class)->unmap (widget);
}

void
crm_board_set_pipeline (CrmBoard   *self,
                        const char *pipeline_id)
{
  g_return_if_fail (CRM_IS_BOARD (self));

  if (g_strcmp0 (self->pipeline_id, pipeline_id) == 0 && !crm_view_is_dirty (CRM_VIEW (self)) &&
      self->columns->len > 0)
    return;
  g_free (self->pipeline_id);
  self->pipeline_id = g_strdup (pipeline_id);
  g_ptr_array_set_size (self->columns, 0);
  crm_view_reload (CRM_VIEW (self));
}

const char *
crm_board_get_pipeline (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), NULL);
  return self->pipeline_id;
}

guint
crm_board_get_n_columns (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), 0);
  return self->columns->len;
}

CrmBoardColumn *
crm_board_get_column (CrmBoard *self,
                      guint     index)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), NULL);
  return index < self->columns->len ? g_ptr_array_index (self->columns, index) : NULL;
}

CrmBoardColumn *
crm_board_find_column (CrmBoard   *self,
                       const char *stage_id)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), NULL);

  for (guint i = 0; i < self->columns->len; i++)
    if (g_strcmp0 (crm_board_column_get_stage_id (g_ptr_array_index (self->columns, i)),
                   stage_id) == 0)
      return g_ptr_array_index (self->columns, i);
  return NULL;
}

CrmDealCard *
crm_board_find_card (CrmBoard   *self,
                     const char *deal_id)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), NULL);

  for (guint i = 0; i < self->columns->len; i++)
    {
      CrmDealCard *card = crm_board_column_find_card (g_ptr_array_index (self->columns, i), deal_id);

      if (card != NULL)
        return card;
    }
  return NULL;
}

/* The card is rebuilt by the reload the move causes: focus it then. */
static void
focus_card (CrmBoard   *self,
            const char *deal_id)
{
  g_free (self->focus_deal_id);
  self->focus_deal_id = g_strdup (deal_id);
  if (!crm_view_is_reload_queued (CRM_VIEW (self)))
    {
      CrmDealCard *card = crm_board_find_card (self, deal_id);

      if (card != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (card));
    }
}

static void
gate_finished_cb (CrmGateDialog *dialog,
                  gboolean       applied,
                  CrmBoard      *self)
{
  const char *deal_id = g_object_get_data (G_OBJECT (dialog), "deal-id");

  if (deal_id != NULL)
    focus_card (self, deal_id);
}

gboolean
crm_board_move_deal (CrmBoard       *self,
                     const char     *deal_id,
                     const char     *stage_id,
                     CrmGateDialog **out_dialog)
{
  CrmGateDialog *dialog = NULL;
  gboolean moved;

  g_return_val_if_fail (CRM_IS_BOARD (self), FALSE);
  g_return_val_if_fail (self->context != NULL, FALSE);

  moved = crm_move_deal (GTK_WIDGET (self), self->context, deal_id, stage_id, &dialog);
  if (moved)
    focus_card (self, deal_id);
  if (dialog != NULL)
    {
      g_object_set_data_full (G_OBJECT (dialog), "deal-id", g_strdup (deal_id), g_free);
      g_signal_connect_object (dialog, "finished", G_CALLBACK (gate_finished_cb), self, 0);
    }
  if (out_dialog != NULL)
    *out_dialog = dialog;
  return moved;
}

static void
move_deal_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  const char *deal_id = NULL, *stage_id = NULL;

  g_variant_get (parameter, "(&s&s)", &deal_id, &stage_id);
  crm_board_move_deal (CRM_BOARD (widget), deal_id, stage_id, NULL);
}

/* Alt+Left/Right: the neighbouring column of the card's own. */
static void
move_deal_by_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmBoard *self = CRM_BOARD (widget);
  const char *deal_id = NULL;
  int direction = 0;

  g_variant_get (parameter, "(&si)", &deal_id, &direction);
  for (guint i = 0; i < self->columns->len; i++)
    {
      int target = (int) i + direction;

      if (crm_board_column_find_card (g_ptr_array_index (self->columns, i), deal_id) == NULL)
        continue;
      if (target < 0 || target >= (int) self->columns->len)
        {
          gtk_widget_error_bell (widget);
          return;
        }
      crm_board_move_deal (self, deal_id,
                           crm_board_column_get_stage_id (g_ptr_array_index (self->columns, target)),
                           NULL);
      return;
    }
}

const char *
crm_board_get_responsible (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), NULL);
  return self->mine && self->context != NULL ? crm_context_get_user_id (self->context) : NULL;
}

static GSettings *
board_settings (void)
{
  GApplication *app = g_application_get_default ();

  return app != NULL && CRM_IS_APPLICATION (app) ? crm_application_get_settings (CRM_APPLICATION (app))
                                                 : NULL;
}

static void
mine_toggled_cb (CrmBoard *self)
{
  gboolean mine = gtk_toggle_button_get_active (self->mine_button);
  GSettings *settings = board_settings ();

  if (mine == self->mine)
    return;
  self->mine = mine;
  if (settings != NULL)
    g_settings_set_boolean (settings, "board-mine-only", mine);
  crm_view_queue_reload (CRM_VIEW (self));
}

static void
apply_compact (CrmBoard *self)
{
  if (self->compact)
    gtk_widget_add_css_class (GTK_WIDGET (self->columns_box), "compact");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->columns_box), "compact");
  gtk_box_set_spacing (self->columns_box, self->compact ? COMPACT_SPACING : SPACING);
  for (guint i = 0; i < self->columns->len; i++)
    crm_board_column_set_compact (g_ptr_array_index (self->columns, i), self->compact);
}

static void
compact_toggled_cb (CrmBoard *self)
{
  gboolean compact = gtk_toggle_button_get_active (self->compact_button);
  GSettings *settings = board_settings ();

  if (compact == self->compact)
    return;
  self->compact = compact;
  if (settings != NULL)
    g_settings_set_boolean (settings, "board-compact", compact);
  apply_compact (self);
}

void
crm_board_set_compact (CrmBoard *self,
                       gboolean  compact)
{
  g_return_if_fail (CRM_IS_BOARD (self));
  gtk_toggle_button_set_active (self->compact_button, compact);
}

gboolean
crm_board_get_compact (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), FALSE);
  return self->compact;
}

void
crm_board_set_mine (CrmBoard *self,
                    gboolean  mine)
{
  g_return_if_fail (CRM_IS_BOARD (self));
  gtk_toggle_button_set_active (self->mine_button, mine);
}

gboolean
crm_board_get_mine (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), FALSE);
  return self->mine;
}

/* The stage of this pipeline of @kind ("won", "lost"): the first, as the columns are. */
static const char *
stage_of_kind (CrmBoard   *self,
               const char *kind)
{
  for (guint i = 0; i < self->columns->len; i++)
    {
      CrmBoardColumn *column = g_ptr_array_index (self->columns, i);

      if (g_strcmp0 (crm_board_column_get_kind (column), kind) == 0)
        return crm_board_column_get_stage_id (column);
    }
  return NULL;
}

void
crm_board_set_dragging (CrmBoard *self,
                        gboolean  dragging)
{
  g_return_if_fail (CRM_IS_BOARD (self));
  for (guint z = 0; z < 2; z++)
    {
      GtkWidget *zone = z == 0 ? self->won_zone : self->lost_zone;
      const char *stage_id = stage_of_kind (self, z == 0 ? "won" : "lost");
      JsonObject *stage = stage_id != NULL && self->context != NULL
        ? crm_context_find_stage (self->context, stage_id, NULL) : NULL;

      gtk_widget_set_visible (zone, stage_id != NULL);
      /* the zone's stage, for the pointer */
      gtk_widget_set_tooltip_text (zone, stage != NULL ? json_object_get_string_member_with_default (stage, "name", NULL)
                                                       : NULL);
    }
  gtk_revealer_set_reveal_child (self->drop_revealer, dragging);
}

gboolean
crm_board_get_dragging (CrmBoard *self)
{
  g_return_val_if_fail (CRM_IS_BOARD (self), FALSE);
  return gtk_revealer_get_reveal_child (self->drop_revealer);
}

gboolean
crm_board_drop_on_zone (CrmBoard   *self,
                        const char *deal_id,
                        const char *kind)
{
  const char *stage_id;

  g_return_val_if_fail (CRM_IS_BOARD (self), FALSE);

  crm_board_set_dragging (self, FALSE);
  stage_id = stage_of_kind (self, kind);
  if (stage_id == NULL || deal_id == NULL)
    return FALSE;
  /* lost asks for the reason in the gate dialog, as Ctrl+M's lost does */
  crm_board_move_deal (self, deal_id, stage_id, NULL);
  return TRUE;
}

static gboolean
zone_drop_cb (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              CrmBoard      *self)
{
  GtkWidget *zone = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));

  if (!G_VALUE_HOLDS_STRING (value))
    return FALSE;
  return crm_board_drop_on_zone (self, g_value_get_string (value),
                                 zone == self->won_zone ? "won" : "lost");
}

static void
drag_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  crm_board_set_dragging (CRM_BOARD (widget), g_str_equal (action_name, "board.drag-begin"));
}

static void
add_zone_target (CrmBoard  *self,
                 GtkWidget *zone)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);

  g_signal_connect (target, "drop", G_CALLBACK (zone_drop_cb), self);
  gtk_widget_add_controller (zone, GTK_EVENT_CONTROLLER (target));
}

/* The board follows the header's tag filter and search as well as the replica. */
static void
context_set (CrmView    *view,
             CrmContext *context)
{
  if (context == NULL)
    return;
  g_signal_connect_swapped (context, "notify::tag-filter", G_CALLBACK (crm_view_queue_reload), view);
  g_signal_connect_swapped (context, "notify::search", G_CALLBACK (crm_view_queue_reload), view);
}

static void
crm_board_dispose (GObject *object)
{
  CrmBoard *self = CRM_BOARD (object);

  stop_pending (self);
  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_BOARD);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_board_parent_class)->dispose (object);
}

static void
crm_board_finalize (GObject *object)
{
  CrmBoard *self = CRM_BOARD (object);

  g_clear_pointer (&self->pipeline_id, g_free);
  g_clear_pointer (&self->focus_deal_id, g_free);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_board_parent_class)->finalize (object);
}

static void
set_key (CrmView    *view,
         const char *key)
{
  if (g_str_has_prefix (key, "pipeline:"))
    crm_board_set_pipeline (CRM_BOARD (view), key + strlen ("pipeline:"));
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_board_reload;
  iface->set_key = set_key;
}

static void
crm_board_class_init (CrmBoardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_board_dispose;
  object_class->finalize = crm_board_finalize;
  widget_class->map = crm_board_map;
  widget_class->unmap = crm_board_unmap;

  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmBoard, context), NULL,
                        context_set);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/voronka/Voronka/crm-board.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, no_match_page);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, error_page);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, scroller);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, columns_box);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, mine_button);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, compact_button);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, drop_revealer);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, won_zone);
  gtk_widget_class_bind_template_child (widget_class, CrmBoard, lost_zone);
  gtk_widget_class_bind_template_callback (widget_class, mine_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, compact_toggled_cb);
  gtk_widget_class_install_action (widget_class, "board.drag-begin", NULL, drag_action);
  gtk_widget_class_install_action (widget_class, "board.drag-end", NULL, drag_action);

  gtk_widget_class_install_action (widget_class, "board.move-deal", "(ss)", move_deal_action);
  gtk_widget_class_install_action (widget_class, "board.move-deal-by", "(si)", move_deal_by_action);
}

static void
crm_board_init (CrmBoard *self)
{
  self->columns = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  add_zone_target (self, self->won_zone);
  add_zone_target (self, self->lost_zone);
  {
    GSettings *settings = board_settings ();

    /* «Mine» stays as it was left */
    if (settings != NULL && g_settings_get_boolean (settings, "board-mine-only"))
      gtk_toggle_button_set_active (self->mine_button, TRUE);
    /* so do narrow columns */
    if (settings != NULL && g_settings_get_boolean (settings, "board-compact"))
      gtk_toggle_button_set_active (self->compact_button, TRUE);
  }
}
