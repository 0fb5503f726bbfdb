/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-chart.h — a small chart drawn with GtkSnapshot in libadwaita's colours: horizontal
 * bars (one per employee), a funnel (one centred bar per stage, narrowing), or a line
 * (one point per day, week or month, left to right). Every bar or point carries its
 * value as text, drawn beside it (a line: the highest and the focused one), as its
 * tooltip, and in the chart's accessible description ("Anna: 3; Boris: 5"). The chart
 * takes keyboard focus: the arrow keys, Home and End move between bars or points (the
 * focused one is outlined and read out as the description), Enter or Space activates
 * it; clicking a bar or point emits "bar-activated" too. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_CHART (crm_chart_get_type ())
G_DECLARE_FINAL_TYPE (CrmChart, crm_chart, CRM, CHART, GtkWidget)

typedef enum {
  CRM_CHART_BARS,
  CRM_CHART_FUNNEL,
  CRM_CHART_LINE,
} CrmChartKind;

/* Which of libadwaita's named colours a bar is filled with. */
typedef enum {
  CRM_CHART_ACCENT,
  CRM_CHART_SUCCESS,
  CRM_CHART_WARNING,
  CRM_CHART_ERROR,
} CrmChartTone;

GtkWidget    *crm_chart_new             (void);
void          crm_chart_set_kind        (CrmChart     *self,
                                         CrmChartKind  kind);
CrmChartKind  crm_chart_get_kind        (CrmChart     *self);
/* What the chart shows ("Overdue tasks by employee"): its accessible label. */
void          crm_chart_set_title       (CrmChart     *self,
                                         const char   *title);
const char   *crm_chart_get_title       (CrmChart     *self);
void          crm_chart_clear           (CrmChart     *self);
/* A bar: @label (an employee, a stage), @value (negative: no bar, e.g. no data) and
 * @value_text, the value as people read it ("3", "12.5 %", "1 h 05 min"). */
void          crm_chart_add_bar         (CrmChart     *self,
                                         const char   *label,
                                         double        value,
                                         const char   *value_text,
                                         CrmChartTone  tone);
guint         crm_chart_get_n_bars      (CrmChart     *self);
const char   *crm_chart_get_bar_label   (CrmChart     *self,
                                         guint         index);
/* "label: value_text", the bar's tooltip */
const char   *crm_chart_get_bar_text    (CrmChart     *self,
                                         guint         index);
/* Every bar's text, joined: the chart's accessible description. */
const char   *crm_chart_get_description (CrmChart     *self);
/* The bar or point the keyboard is on; -1: none. */
int           crm_chart_get_focus_index (CrmChart     *self);
void          crm_chart_set_focus_index (CrmChart     *self,
                                         int           index);

G_END_DECLS
