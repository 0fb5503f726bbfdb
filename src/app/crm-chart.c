/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-chart.c — bars and a funnel drawn with GtkSnapshot: a label column on the left
 * (ellipsized past a third of the width), the bars on a faint track, and each value as
 * text beside its bar; a line through points over time (cairo, inside the snapshot),
 * the first and last labels under it. Colours are libadwaita's named colours looked up
 * from the widget's style, so a change to dark mode (a new style sheet) redraws them
 * right. The keyboard moves a focus between bars or points. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "crm-chart.h"

#define ROW_HEIGHT 30
#define ROW_GAP    6
#define PADDING    6
#define COLUMN_GAP 12
#define MIN_BAR    3
#define PLOT_HEIGHT 160   /* a line chart's plot */
#define AXIS_HEIGHT 24    /* … and its labels under it */
#define DOT         3.5

typedef struct {
  char         *label;
  double        value;
  char         *value_text;
  char         *text;       /* "label: value_text" */
  CrmChartTone  tone;
} Bar;

struct _CrmChart
{
  GtkWidget     parent_instance;

  CrmChartKind  kind;
  char         *title;
  GArray       *bars;        /* of Bar */
  char         *description;
  int           focus;       /* the bar or point the keyboard is on; -1: none */
};

G_DEFINE_FINAL_TYPE (CrmChart, crm_chart, GTK_TYPE_WIDGET)

enum {
  BAR_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
bar_clear (gpointer data)
{
  Bar *bar = data;

  g_free (bar->label);
  g_free (bar->value_text);
  g_free (bar->text);
}

/* ---- colours ---- */

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
lookup_color (CrmChart   *self,
              const char *name,
              const char *fallback,
              GdkRGBA    *out)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  if (!gtk_style_context_lookup_color (context, name, out))
    gdk_rgba_parse (out, fallback);
}

static void
foreground_color (CrmChart *self,
                  GdkRGBA  *out)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), out);
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
tone_color (CrmChart     *self,
            CrmChartTone  tone,
            GdkRGBA      *out)
{
  switch (tone)
    {
    case CRM_CHART_SUCCESS:
      lookup_color (self, "success_bg_color", "#2ec27e", out);
      break;
    case CRM_CHART_WARNING:
      lookup_color (self, "warning_bg_color", "#e5a50a", out);
      break;
    case CRM_CHART_ERROR:
      lookup_color (self, "error_bg_color", "#e01b24", out);
      break;
    case CRM_CHART_ACCENT:
    default:
      lookup_color (self, "accent_bg_color", "#3584e4", out);
      break;
    }
}

/* ---- geometry ---- */

static int
text_width (CrmChart   *self,
            const char *text)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int width = 0;

  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

typedef struct {
  int label_width;  /* the label column */
  int value_width;  /* the widest value text */
  int bar_start;
  int bar_end;
  double max;
} Geometry;

static void
compute_geometry (CrmChart *self,
                  int       width,
                  Geometry *g)
{
  int widest_label = 0;

  g->value_width = 0;
  g->max = 0;
  for (guint i = 0; i < self->bars->len; i++)
    {
      Bar *bar = &g_array_index (self->bars, Bar, i);

      widest_label = MAX (widest_label, text_width (self, bar->label));
      g->value_width = MAX (g->value_width, text_width (self, bar->value_text));
      if (bar->value > g->max)
        g->max = bar->value;
    }
  if (g->max <= 0)
    g->max = 1;
  g->label_width = CLAMP (widest_label, 40, MAX (40, width / 3));
  g->bar_start = g->label_width + COLUMN_GAP;
  g->bar_end = MAX (g->bar_start + 20, width - g->value_width - COLUMN_GAP);
}

/* A line chart's point @index: its x and y in the plot. */
static void
point_position (CrmChart *self,
                guint     index,
                int       width,
                double    max,
                double   *x,
                double   *y)
{
  Bar *bar = &g_array_index (self->bars, Bar, index);
  double span = width - 2 * (PADDING + DOT);
  double value = MAX (bar->value, 0);

  *x = PADDING + DOT + (self->bars->len > 1 ? span * index / (self->bars->len - 1) : span / 2);
  *y = PADDING + PLOT_HEIGHT - (PLOT_HEIGHT - 2 * DOT) * value / max - DOT;
}

static double
line_max (CrmChart *self)
{
  double max = 0;

  for (guint i = 0; i < self->bars->len; i++)
    max = MAX (max, g_array_index (self->bars, Bar, i).value);
  return max > 0 ? max : 1;
}

/* The point nearest to @x, for a line chart. */
static int
point_at (CrmChart *self,
          double    x)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  double span = width - 2 * (PADDING + DOT);
  int index;

  if (self->bars->len == 0)
    return -1;
  if (self->bars->len == 1 || span <= 0)
    return 0;
  index = (int) ((x - PADDING - DOT) * (self->bars->len - 1) / span + 0.5);
  return CLAMP (index, 0, (int) self->bars->len - 1);
}

static int
row_at (CrmChart *self,
        double    y)
{
  int index;

  if (y < PADDING)
    return -1;
  index = (int) ((y - PADDING) / (ROW_HEIGHT + ROW_GAP));
  if (index < 0 || (guint) index >= self->bars->len ||
      y - PADDING - index * (ROW_HEIGHT + ROW_GAP) > ROW_HEIGHT)
    return -1;
  return index;
}

/* ---- drawing ---- */

static void
append_text (CrmChart        *self,
             GtkSnapshot     *snapshot,
             const char      *text,
             int              x,
             int              y,
             int              max_width,
             const GdkRGBA   *color,
             PangoWeight      weight)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int height = 0;

  if (max_width > 0)
    {
      pango_layout_set_width (layout, max_width * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  if (weight != PANGO_WEIGHT_NORMAL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (weight));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_size (layout, NULL, &height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y + (ROW_HEIGHT - height) / 2));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
append_rounded (GtkSnapshot   *snapshot,
                float          x,
                float          y,
                float          width,
                float          height,
                const GdkRGBA *color)
{
  GskRoundedRect rounded;
  graphene_rect_t rect = GRAPHENE_RECT_INIT (x, y, width, height);

  gsk_rounded_rect_init_from_rect (&rounded, &rect, MIN (4.f, height / 2));
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, color, &rect);
  gtk_snapshot_pop (snapshot);
}

static void
append_focus_ring (CrmChart    *self,
                   GtkSnapshot *snapshot,
                   float        x,
                   float        y,
                   float        width,
                   float        height)
{
  GdkRGBA accent;
  GskRoundedRect ring;
  const float widths[4] = { 2, 2, 2, 2 };

  lookup_color (self, "accent_color", "#1c71d8", &accent);
  gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (x, y, width, height), 6);
  gtk_snapshot_append_border (snapshot, &ring, widths,
                              (const GdkRGBA[4]) { accent, accent, accent, accent });
}

static gboolean
shows_focus (CrmChart *self)
{
  return self->focus >= 0 && (guint) self->focus < self->bars->len &&
         gtk_widget_has_focus (GTK_WIDGET (self));
}

static void
snapshot_line (CrmChart    *self,
               GtkSnapshot *snapshot,
               int          width,
               const GdkRGBA *fg,
               const GdkRGBA *track,
               const GdkRGBA *dim)
{
  double max = line_max (self);
  guint highest = 0;
  GdkRGBA color;
  cairo_t *cr;
  double x, y;

  tone_color (self, g_array_index (self->bars, Bar, 0).tone, &color);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width,
                                                                 PADDING * 2 + PLOT_HEIGHT));
  /* the baseline, then the line and its dots */
  gdk_cairo_set_source_rgba (cr, track);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, PADDING, PADDING + PLOT_HEIGHT + 0.5);
  cairo_line_to (cr, width - PADDING, PADDING + PLOT_HEIGHT + 0.5);
  cairo_stroke (cr);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->bars->len; i++)
    {
      point_position (self, i, width, max, &x, &y);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
      if (g_array_index (self->bars, Bar, i).value > g_array_index (self->bars, Bar, highest).value)
        highest = i;
    }
  cairo_stroke (cr);
  for (guint i = 0; i < self->bars->len; i++)
    {
      double radius = shows_focus (self) && (guint) self->focus == i ? DOT * 2 : DOT;

      if (self->bars->len > 62 && radius == DOT)
        continue;   /* too many to tell apart: the line alone */
      point_position (self, i, width, max, &x, &y);
      cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  if (shows_focus (self))
    {
      /* a guide down to the axis under the focused point */
      point_position (self, self->focus, width, max, &x, &y);
      gdk_cairo_set_source_rgba (cr, dim);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, floor (x) + 0.5, y + DOT * 2);
      cairo_line_to (cr, floor (x) + 0.5, PADDING + PLOT_HEIGHT);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

  /* the labels of the first and last points under the axis; the highest point's value
   * (or the focused point's "label: value") above the plot */
  {
    Bar *first = &g_array_index (self->bars, Bar, 0);
    Bar *last = &g_array_index (self->bars, Bar, self->bars->len - 1);
    Bar *shown = &g_array_index (self->bars, Bar, shows_focus (self) ? (guint) self->focus
                                                                      : highest);
    int axis_y = PADDING + PLOT_HEIGHT + (AXIS_HEIGHT - ROW_HEIGHT) / 2 + 4;
    const char *text = shows_focus (self) ? shown->text : shown->value_text;
    int text_x;

    append_text (self, snapshot, first->label, PADDING, axis_y, width / 3, dim, PANGO_WEIGHT_NORMAL);
    if (self->bars->len > 1)
      append_text (self, snapshot, last->label, width - PADDING - text_width (self, last->label),
                   axis_y, 0, dim, PANGO_WEIGHT_NORMAL);
    point_position (self, shown - first, width, max, &x, &y);
    text_x = CLAMP ((int) x - text_width (self, text) / 2, PADDING,
                    MAX (PADDING, width - PADDING - text_width (self, text)));
    append_text (self, snapshot, text, text_x, MAX (0, (int) y - ROW_HEIGHT - 2), 0, fg,
                 PANGO_WEIGHT_BOLD);
  }
}

static void
crm_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  CrmChart *self = CRM_CHART (widget);
  int width = gtk_widget_get_width (widget);
  GdkRGBA fg, track, dim;
  Geometry g;

  if (self->bars->len == 0 || width <= 0)
    return;
  foreground_color (self, &fg);
  track = fg;
  track.alpha *= 0.08f;
  dim = fg;
  dim.alpha *= 0.75f;
  if (self->kind == CRM_CHART_LINE)
    {
      track.alpha = fg.alpha * 0.3f;
      snapshot_line (self, snapshot, width, &fg, &track, &dim);
      return;
    }
  compute_geometry (self, width, &g);
  if (shows_focus (self))
    append_focus_ring (self, snapshot, 1, PADDING + self->focus * (ROW_HEIGHT + ROW_GAP) - 2,
                       width - 2, ROW_HEIGHT + 4);

  for (guint i = 0; i < self->bars->len; i++)
    {
      Bar *bar = &g_array_index (self->bars, Bar, i);
      int y = PADDING + i * (ROW_HEIGHT + ROW_GAP);
      int area = g.bar_end - g.bar_start;
      int length = 0;
      int bar_x = g.bar_start;
      int bar_y = y + 4;
      int bar_h = ROW_HEIGHT - 8;
      GdkRGBA color;

      append_text (self, snapshot, bar->label, 0, y, g.label_width, &dim, PANGO_WEIGHT_NORMAL);
      append_rounded (snapshot, g.bar_start, bar_y, area, bar_h, &track);
      if (bar->value >= 0)
        {
          length = (int) (area * bar->value / g.max + 0.5);
          if (bar->value > 0)
            length = MAX (length, MIN_BAR);
        }
      if (self->kind == CRM_CHART_FUNNEL)
        bar_x = g.bar_start + (area - length) / 2;
      if (length > 0)
        {
          tone_color (self, bar->tone, &color);
          append_rounded (snapshot, bar_x, bar_y, length, bar_h, &color);
        }
      /* bars: the value follows the bar; a funnel keeps its values in a column */
      append_text (self, snapshot, bar->value_text,
                   self->kind == CRM_CHART_FUNNEL ? g.bar_end + COLUMN_GAP
                                                  : g.bar_start + length + COLUMN_GAP / 2,
                   y, 0, &fg, PANGO_WEIGHT_BOLD);
    }
}

static void
crm_chart_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  CrmChart *self = CRM_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 560;
    }
  else if (self->kind == CRM_CHART_LINE)
    *minimum = *natural = PADDING * 2 + PLOT_HEIGHT + AXIS_HEIGHT;
  else
    {
      guint rows = MAX (self->bars->len, 1);

      *minimum = *natural = PADDING * 2 + rows * ROW_HEIGHT + (rows - 1) * ROW_GAP;
    }
}

static void
crm_chart_css_changed (GtkWidget         *widget,
                       GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (crm_chart_parent_class)->css_changed (widget, change);
  /* a new style sheet (dark mode) brings new named colours */
  gtk_widget_queue_draw (widget);
}

/* ---- tooltips and clicks ---- */

static gboolean
query_tooltip_cb (CrmChart   *self,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  int index;

  if (keyboard)
    index = shows_focus (self) ? self->focus : -1;
  else
    index = self->kind == CRM_CHART_LINE ? point_at (self, x) : row_at (self, y);
  if (index < 0)
    {
      if (self->description == NULL)
        return FALSE;
      gtk_tooltip_set_text (tooltip, self->description);
      return TRUE;
    }
  gtk_tooltip_set_text (tooltip, g_array_index (self->bars, Bar, index).text);
  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            CrmChart        *self)
{
  int index = self->kind == CRM_CHART_LINE ? point_at (self, x) : row_at (self, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (index >= 0)
    {
      crm_chart_set_focus_index (self, index);
      g_signal_emit (self, signals[BAR_ACTIVATED], 0, (guint) index);
    }
}

/* ---- keyboard ---- */

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CrmChart              *self)
{
  int last = (int) self->bars->len - 1;
  int focus = self->focus;

  if (last < 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up: case GDK_KEY_KP_Up: case GDK_KEY_Left: case GDK_KEY_KP_Left:
      focus = focus < 0 ? 0 : MAX (focus - 1, 0);
      break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down: case GDK_KEY_Right: case GDK_KEY_KP_Right:
      focus = focus < 0 ? 0 : MIN (focus + 1, last);
      break;
    case GDK_KEY_Home: case GDK_KEY_KP_Home:
      focus = 0;
      break;
    case GDK_KEY_End: case GDK_KEY_KP_End:
      focus = last;
      break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_ISO_Enter: case GDK_KEY_space:
      if (focus >= 0)
        g_signal_emit (self, signals[BAR_ACTIVATED], 0, (guint) focus);
      return focus >= 0;
    default:
      return FALSE;
    }
  /* the arrows stay on the chart (Tab moves on) */
  crm_chart_set_focus_index (self, focus);
  return TRUE;
}

static void update_accessible (CrmChart *self);

static void
focus_changed_cb (CrmChart *self)
{
  if (gtk_widget_has_focus (GTK_WIDGET (self)) && self->focus < 0 && self->bars->len > 0)
    self->focus = 0;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- accessibility ---- */

static void
update_accessible (CrmChart *self)
{
  g_autoptr(GString) description = g_string_new (NULL);

  for (guint i = 0; i < self->bars->len; i++)
    {
      if (i > 0)
        g_string_append (description, "; ");
      g_string_append (description, g_array_index (self->bars, Bar, i).text);
    }
  g_free (self->description);
  self->description = description->len > 0 ? g_strdup (description->str) : NULL;
  /* with the keyboard on a bar or point, that one is what a screen reader reads */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->title != NULL ? self->title : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  shows_focus (self) ? g_array_index (self->bars, Bar, self->focus).text
                                  : self->description != NULL ? self->description : "",
                                  -1);
}

/* ---- API ---- */

GtkWidget *
crm_chart_new (void)
{
  return g_object_new (CRM_TYPE_CHART, NULL);
}

void
crm_chart_set_kind (CrmChart     *self,
                    CrmChartKind  kind)
{
  g_return_if_fail (CRM_IS_CHART (self));
  self->kind = kind;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

CrmChartKind
crm_chart_get_kind (CrmChart *self)
{
  g_return_val_if_fail (CRM_IS_CHART (self), CRM_CHART_BARS);
  return self->kind;
}

void
crm_chart_set_title (CrmChart   *self,
                     const char *title)
{
  g_return_if_fail (CRM_IS_CHART (self));
  g_free (self->title);
  self->title = g_strdup (title);
  update_accessible (self);
}

const char *
crm_chart_get_title (CrmChart *self)
{
  g_return_val_if_fail (CRM_IS_CHART (self), NULL);
  return self->title;
}

void
crm_chart_clear (CrmChart *self)
{
  g_return_if_fail (CRM_IS_CHART (self));
  g_array_set_size (self->bars, 0);
  self->focus = -1;
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
crm_chart_add_bar (CrmChart     *self,
                   const char   *label,
                   double        value,
                   const char   *value_text,
                   CrmChartTone  tone)
{
  Bar bar;

  g_return_if_fail (CRM_IS_CHART (self));
  bar.label = g_strdup (label != NULL ? label : "");
  bar.value = isfinite (value) ? value : -1;
  bar.value_text = g_strdup (value_text != NULL ? value_text : "");
  /* Translators: a chart's bar read aloud and in its tooltip: "Anna Smirnova: 3" */
  bar.text = g_strdup_printf (_("%s: %s"), bar.label, bar.value_text);
  bar.tone = tone;
  g_array_append_val (self->bars, bar);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
crm_chart_get_n_bars (CrmChart *self)
{
  g_return_val_if_fail (CRM_IS_CHART (self), 0);
  return self->bars->len;
}

const char *
crm_chart_get_bar_label (CrmChart *self,
                         guint     index)
{
  g_return_val_if_fail (CRM_IS_CHART (self), NULL);
  g_return_val_if_fail (index < self->bars->len, NULL);
  return g_array_index (self->bars, Bar, index).label;
}

const char *
crm_chart_get_bar_text (CrmChart *self,
                        guint     index)
{
  g_return_val_if_fail (CRM_IS_CHART (self), NULL);
  g_return_val_if_fail (index < self->bars->len, NULL);
  return g_array_index (self->bars, Bar, index).text;
}

const char *
crm_chart_get_description (CrmChart *self)
{
  g_return_val_if_fail (CRM_IS_CHART (self), NULL);
  return self->description;
}

int
crm_chart_get_focus_index (CrmChart *self)
{
  g_return_val_if_fail (CRM_IS_CHART (self), -1);
  return self->focus;
}

void
crm_chart_set_focus_index (CrmChart *self,
                           int       index)
{
  g_return_if_fail (CRM_IS_CHART (self));
  self->focus = index >= 0 && (guint) index < self->bars->len ? index : -1;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
crm_chart_finalize (GObject *object)
{
  CrmChart *self = CRM_CHART (object);

  g_clear_pointer (&self->bars, g_array_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->description, g_free);
  G_OBJECT_CLASS (crm_chart_parent_class)->finalize (object);
}

static void
crm_chart_class_init (CrmChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_chart_finalize;
  widget_class->snapshot = crm_chart_snapshot;
  widget_class->measure = crm_chart_measure;
  widget_class->css_changed = crm_chart_css_changed;

  /* A bar was clicked: its index. */
  signals[BAR_ACTIVATED] = g_signal_new ("bar-activated", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
crm_chart_init (CrmChart *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *key;

  self->bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  g_array_set_clear_func (self->bars, bar_clear);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  self->focus = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect (self, "notify::has-focus", G_CALLBACK (focus_changed_cb), NULL);
}
