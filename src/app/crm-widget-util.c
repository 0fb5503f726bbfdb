/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-widget-util.c — small helpers for the app's widget classes: what the views, pages
 * and dialogs would otherwise each write again. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-widget-util.h"

/* ---- the "context" property ---- */

gboolean
crm_widget_swap_context (GtkWidget   *widget,
                         CrmContext **slot,
                         CrmContext  *context)
{
  if (*slot == context)
    return FALSE;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, widget);
  g_set_object (slot, context);
  return TRUE;
}

/* ---- lists and rows ---- */

GtkLabel *
crm_problem_label_new (void)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_xalign (label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
  return label;
}

void
crm_problem_label_set (GtkLabel    *label,
                       char       **slot,
                       const char  *problem)
{
  if (slot != NULL)
    {
      g_free (*slot);
      *slot = g_strdup (problem);
    }
  gtk_label_set_label (label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (label), problem != NULL);
}

void
crm_list_box_remove_all (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

void
crm_preferences_group_remove_rows (AdwPreferencesGroup *group,
                                   GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

GtkWidget *
crm_text_row_new (const char *title,
                  const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

void
crm_row_set_action (GtkWidget  *row,
                    const char *action_name,
                    const char *target)
{
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", target);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
}

GtkWidget *
crm_placeholder_row_new (const char *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  gtk_widget_add_css_class (row, "dim-label");
  return row;
}

GtkWidget *
crm_read_error_row_new (const char   *title,
                        const GError *error)
{
  GtkWidget *row = crm_text_row_new (title, error != NULL ? error->message : NULL);

  gtk_widget_add_css_class (row, "error");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "dialog-error-symbolic");
  return row;
}

void
crm_status_page_set_text (AdwStatusPage *page,
                          const char    *text)
{
  g_autofree char *markup = text != NULL ? g_markup_escape_text (text, -1) : NULL;

  adw_status_page_set_description (page, markup);
}

void
crm_preferences_group_set_text (AdwPreferencesGroup *group,
                                const char          *text)
{
  g_autofree char *markup = text != NULL ? g_markup_escape_text (text, -1) : NULL;

  adw_preferences_group_set_description (group, markup);
}

void
crm_stack_show_read_error (GtkStack     *stack,
                           const char   *title,
                           const GError *error)
{
  GtkWidget *page = gtk_stack_get_child_by_name (stack, "read-error");

  g_return_if_fail (GTK_IS_STACK (stack));

  if (page == NULL)
    {
      page = adw_status_page_new ();
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "dialog-error-symbolic");
      gtk_stack_add_named (stack, page, "read-error");
    }
  adw_status_page_set_title (ADW_STATUS_PAGE (page), title);
  crm_status_page_set_text (ADW_STATUS_PAGE (page),
                            error != NULL ? error->message : _("unknown error"));
  g_message ("%s: %s", title, error != NULL ? error->message : "?");
  gtk_stack_set_visible_child (stack, page);
}

static void
whole_label_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
whole_label_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item)
{
  GObject *string = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       GTK_IS_STRING_OBJECT (string) ? gtk_string_object_get_string (GTK_STRING_OBJECT (string))
                                                     : "");
}

void
crm_combo_row_show_whole (AdwComboRow *row)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (whole_label_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (whole_label_bind_cb), NULL);
  adw_combo_row_set_factory (row, factory);
}

AdwComboRow *
crm_combo_row_new (const char    *title,
                   GtkStringList *names)
{
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_combo_row_set_model (row, G_LIST_MODEL (names));
  crm_combo_row_show_whole (row);
  return row;
}

AdwEntryRow *
crm_entry_row_new (const char *title)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (adw_entry_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  return row;
}

guint
crm_fill_open_stages (GtkStringList *names,
                      GPtrArray     *ids,
                      JsonObject    *pipeline)
{
  JsonArray *stages = pipeline != NULL ? json_object_get_array_member (pipeline, "stages") : NULL;

  g_ptr_array_set_size (ids, 0);
  gtk_string_list_splice (names, 0, g_list_model_get_n_items (G_LIST_MODEL (names)), NULL);
  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = json_array_get_object_element (stages, i);
      const char *kind = json_object_get_string_member_with_default (stage, "kind", "");

      /* a new deal starts open; closing it is a move */
      if (!g_str_equal (kind, "open") && !g_str_equal (kind, "unsorted"))
        continue;
      g_ptr_array_add (ids, g_strdup (json_object_get_string_member (stage, "id")));
      gtk_string_list_append (names, json_object_get_string_member (stage, "name"));
    }
  return ids->len;
}

guint
crm_fill_choices (GtkStringList *names,
                  GPtrArray     *ids,
                  JsonArray     *items,
                  const char    *selected_id,
                  guint          otherwise)
{
  guint selected = otherwise;

  g_ptr_array_set_size (ids, 0);
  gtk_string_list_splice (names, 0, g_list_model_get_n_items (G_LIST_MODEL (names)), NULL);
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      gtk_string_list_append (names, json_object_get_string_member (item, "name"));
      g_ptr_array_add (ids, g_strdup (json_object_get_string_member (item, "id")));
      if (g_strcmp0 (json_object_get_string_member (item, "id"), selected_id) == 0)
        selected = i;
    }
  return selected;
}

char *
crm_deactivated_user_name (const char *name)
{
  /* Translators: a user an administrator deactivated, in a list to pick people from */
  return g_strdup_printf (_("%s (deactivated)"), name);
}

guint
crm_fill_user_choices (GtkStringList *names,
                       GPtrArray     *ids,
                       JsonArray     *users,
                       const char    *selected_id,
                       guint          otherwise)
{
  g_autoptr(JsonArray) shown = json_array_new ();

  for (guint i = 0; users != NULL && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *id = json_object_get_string_member_with_default (user, "id", NULL);

      if (json_object_get_boolean_member_with_default (user, "active", TRUE))
        json_array_add_element (shown, json_node_copy (json_array_get_element (users, i)));
      else if (g_strcmp0 (id, selected_id) == 0)
        {
          JsonObject *marked = json_object_new ();
          g_autofree char *name = crm_deactivated_user_name (
            json_object_get_string_member_with_default (user, "name", ""));

          json_object_set_string_member (marked, "id", id);
          json_object_set_string_member (marked, "name", name);
          json_array_add_object_element (shown, marked);
        }
    }
  return crm_fill_choices (names, ids, shown, selected_id, otherwise);
}

/* ---- the window ---- */

void
crm_widget_show_toast (GtkWidget  *widget,
                       const char *text)
{
  GtkRoot *root;

  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));
  if (widget == NULL || gtk_widget_activate_action (widget, "win.show-toast", "s", text))
    return;
  /* a dialog: the toast goes to the window it belongs to */
  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root) && gtk_window_get_transient_for (GTK_WINDOW (root)) != NULL)
    gtk_widget_activate_action (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (root))),
                                "win.show-toast", "s", text);
}

void
crm_widget_show_read_error (GtkWidget    *widget,
                            const char   *title,
                            const GError *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", title,
                                           error != NULL ? error->message : _("unknown error"));

  g_message ("%s", text);
  crm_widget_show_toast (widget, text);
}

/* ---- dialogs ---- */

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gtk_window_destroy (GTK_WINDOW (widget));
}

void
crm_window_class_install_cancel (GtkWidgetClass *widget_class,
                                 const char     *action_name)
{
  gtk_widget_class_install_action (widget_class, action_name, NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, action_name, NULL);
}
