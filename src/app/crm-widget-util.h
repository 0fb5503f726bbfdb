/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-widget-util.h — small helpers for the app's widget classes: swapping a view's
 * context, rows and lists built the same way in several places, toasts. (A view's
 * "reload later and once" is part of CrmView, crm-view.h.) */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "crm-context.h"

G_BEGIN_DECLS

/* A GtkWidget subclass whose template has one plain child (a box, a stack) must unparent
 * it in dispose: gtk_widget_dispose_template() only clears bound children. */
static inline void
crm_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

/* ---- the "context" property ---- */

/* Makes *@slot hold @context, disconnecting whatever @widget connected on the old one.
 * FALSE when *@slot held @context already (nothing changed). */
gboolean    crm_widget_swap_context       (GtkWidget   *widget,
                                           CrmContext **slot,
                                           CrmContext  *context);

/* ---- a dialog's problem ---- */

/* The label a dialog says what is wrong in (wrapped, left-aligned, in the "error" style),
 * hidden until crm_problem_label_set() gives it a problem. */
GtkLabel   *crm_problem_label_new         (void);
/* Shows @problem in @label (NULL: hides it) and keeps a copy in *@slot (what the dialog's
 * get_problem() returns to tests). */
void        crm_problem_label_set         (GtkLabel    *label,
                                           char       **slot,
                                           const char  *problem);

/* ---- lists and rows ---- */

/* gtk_list_box_remove_all() is GTK 4.12. */
void       crm_list_box_remove_all           (GtkListBox          *list);
/* Removes @rows (added by the caller) from @group and empties @rows. */
void       crm_preferences_group_remove_rows (AdwPreferencesGroup *group,
                                              GPtrArray           *rows);
/* An AdwActionRow showing @title and @subtitle (when not NULL) as plain text, not markup. */
GtkWidget *crm_text_row_new                  (const char          *title,
                                              const char          *subtitle);
/* Makes @row activatable, activating @action_name with the string @target ("win.open-deal"
 * and a deal's id). */
void       crm_row_set_action                (GtkWidget           *row,
                                              const char          *action_name,
                                              const char          *target);
/* A dimmed row that only says @text: what an empty list shows. */
GtkWidget *crm_placeholder_row_new           (const char          *text);
/* What a list shows instead of its rows when reading them failed: @title («Could not read
 * the deals») and, below it, @error's message (the store's words: the cause and what to
 * do), so a failed read never looks like an empty list. */
GtkWidget *crm_read_error_row_new            (const char          *title,
                                              const GError        *error);
/* Sets @page's description to @text as it is (escaped: the description is markup, and a
 * message may name a path holding a «&» or a «<»). */
void       crm_status_page_set_text          (AdwStatusPage       *page,
                                              const char          *text);
/* The same for a preferences group's description (markup too). */
void       crm_preferences_group_set_text    (AdwPreferencesGroup *group,
                                              const char          *text);
/* Shows, as @stack's page "read-error" (added the first time), a status page saying
 * @title («The Tasks Cannot Be Read») and @error's message: what a view shows instead of
 * its lists, or of its «nothing here yet» page, when reading them failed. */
void       crm_stack_show_read_error         (GtkStack            *stack,
                                              const char          *title,
                                              const GError        *error);
/* Refills a combo's @names and the matching @ids from @items ({"id","name"} objects);
 * returns the position of @selected_id, or @otherwise when it is not among them. */
/* Makes @row show its chosen string whole when there is room (AdwComboRow's own label
 * stops at 20 characters: «Закрыто и не реализ…» with 500 px free), cut at the end only
 * when there is not. The row's model holds GtkStringObjects. */
void       crm_combo_row_show_whole          (AdwComboRow         *row);
/* An AdwComboRow titled @title (its underlined letter a mnemonic) over @names, showing
 * the chosen string whole (crm_combo_row_show_whole). */
AdwComboRow *crm_combo_row_new               (const char          *title,
                                              GtkStringList       *names);
/* An AdwEntryRow titled @title, its underlined letter a mnemonic. */
AdwEntryRow *crm_entry_row_new               (const char          *title);
/* Refills @names and the matching @ids with the stages of @pipeline ({"stages": [{"id",
 * "name","kind"}]}) a new deal may start in (unsorted and open ones); how many. */
guint      crm_fill_open_stages              (GtkStringList       *names,
                                              GPtrArray           *ids,
                                              JsonObject          *pipeline);
/* crm_fill_choices() for people to pick (responsible, assignee, a filter's user): a user
 * deactivated by an administrator ("active": false) is left out, unless @selected_id is
 * theirs (a deal still assigned to them), then their name is marked «(deactivated)». */
guint      crm_fill_user_choices             (GtkStringList       *names,
                                              GPtrArray           *ids,
                                              JsonArray           *users,
                                              const char          *selected_id,
                                              guint                otherwise);
/* @name marked as a deactivated user's: "Павел Новиков (deactivated)". */
char      *crm_deactivated_user_name         (const char          *name);
guint      crm_fill_choices                  (GtkStringList       *names,
                                              GPtrArray           *ids,
                                              JsonArray           *items,
                                              const char          *selected_id,
                                              guint                otherwise);

/* ---- the window ---- */

/* A toast in the window of @widget, or of the window a dialog @widget is in belongs to
 * (through "win.show-toast"; nothing when there is no such window). */
void       crm_widget_show_toast             (GtkWidget           *widget,
                                              const char          *text);
/* A toast «@title: @error's message» for a read that failed where no list can show it
 * (a picker's choices, a dialog's fields), and the same on the log. */
void       crm_widget_show_read_error        (GtkWidget           *widget,
                                              const char          *title,
                                              const GError        *error);
/* @error while it holds nothing, else NULL: several reads in a row keep their first
 * failure, the one the user is told about. */
static inline GError **
crm_first_error (GError **error)
{
  return *error == NULL ? error : NULL;
}

/* ---- dialogs ---- */

/* Installs @action_name closing the window, bound to Escape. */
void       crm_window_class_install_cancel   (GtkWidgetClass      *widget_class,
                                              const char          *action_name);

G_END_DECLS
