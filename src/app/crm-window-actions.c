/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-window-actions.c — the main window's actions ("win.…") and their shortcuts (as
 * gnome-text-editor's editor-window-actions.c). Views, rows and dialogs ask the window for
 * something only through these: "win.open-deal" with a deal's id, "win.show-toast" with
 * a message, "win.show-action-toast" with a toast's button, … — none of them includes
 * crm-window.h. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "crm-new-company-dialog.h"
#include "crm-new-contact-dialog.h"
#include "crm-new-deal-dialog.h"
#include "crm-new-task-dialog.h"
#include "crm-signin-dialog.h"
#include "crm-undo-actions.h"
#include "crm-window-private.h"

static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  g_ptr_array_set_size (self->back_stack, 0);
  crm_window_show_view (self, g_variant_get_string (parameter, NULL));
}

static void
show_nth_view_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  crm_sidebar_activate_nth (CRM_WINDOW (widget)->sidebar, g_variant_get_int32 (parameter));
}

static void
open_deal_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  crm_window_open_deal (CRM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
open_contact_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  crm_window_open_contact (CRM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
open_company_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_autofree char *view = g_strconcat ("company:", g_variant_get_string (parameter, NULL), NULL);

  _crm_window_push_view (CRM_WINDOW (widget), view);
}

static void
signed_in_cb (CrmWindow       *self,
              const char      *path,
              CrmSigninDialog *dialog)
{
  crm_context_notify_changed (self->context);
  if (self->sync != NULL)
    crm_sync_controller_restart (self->sync, crm_signin_dialog_get_token (dialog));
  crm_window_show_toast (self, _("Signed in: this account now syncs with the server"));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  CrmStore *store = crm_context_get_store (self->context);
  g_autofree char *server = crm_store_dup_meta (store, "sync.server");
  CrmSigninDialog *dialog = crm_signin_dialog_new (GTK_WINDOW (self), crm_store_get_path (store),
                                                   server);

  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (signed_in_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (self->sync != NULL && crm_sync_controller_is_active (self->sync))
    crm_sync_controller_sync_now (self->sync);
  else
    crm_window_show_toast (self, crm_signin_dialog_is_available ()
                                 ? _("Sign in to a server first")
                                 : _("Sync is not built into this copy of Voronka"));
}

/* What GtkApplication does for gtk/help-overlay.ui, but on the first Ctrl+? instead of
 * with every window. */
static void
show_help_overlay_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (self->help_overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource ("/org/voronka/Voronka/crm-shortcuts-window.ui");

      self->help_overlay = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_window_set_transient_for (self->help_overlay, GTK_WINDOW (self));
      gtk_window_set_hide_on_close (self->help_overlay, TRUE);
      g_object_add_weak_pointer (G_OBJECT (self->help_overlay), (gpointer *) &self->help_overlay);
    }
  gtk_window_present (self->help_overlay);
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  g_autofree char *view = NULL;

  if (self->back_stack->len == 0)
    return;
  view = g_ptr_array_steal_index (self->back_stack, self->back_stack->len - 1);
  crm_window_show_view (self, view);
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  /* where the header has no search (a deal, Settings), Ctrl+F opens the search page */
  if (!gtk_widget_get_visible (GTK_WIDGET (self->search_entry)))
    crm_window_show_view (self, "search");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
tag_filter_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (gtk_widget_get_visible (GTK_WIDGET (self->tag_filter_button)))
    gtk_menu_button_popup (self->tag_filter_button);
}

static void
clear_filter_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  crm_context_set_tag_filter (CRM_WINDOW (widget)->context, NULL);
}

static void
new_deal_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  const char *pipeline_id = NULL;
  CrmNewDealDialog *dialog;

  if (self->view != NULL && g_str_has_prefix (self->view, "pipeline:"))
    pipeline_id = self->view + strlen ("pipeline:");
  dialog = crm_new_deal_dialog_new (GTK_WINDOW (self), self->context, pipeline_id);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_contact_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  CrmNewContactDialog *dialog = crm_new_contact_dialog_new (GTK_WINDOW (self), self->context);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_task_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  CrmNewTaskDialog *dialog = crm_new_task_dialog_new (GTK_WINDOW (self), self->context);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_company_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);
  CrmNewCompanyDialog *dialog = crm_new_company_dialog_new (GTK_WINDOW (self), self->context);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* The header's «+» and Ctrl+N make what the view shows. */
static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CrmWindow *self = CRM_WINDOW (widget);

  if (g_strcmp0 (self->view, "contacts") == 0)
    new_contact_action (widget, action_name, parameter);
  else if (g_strcmp0 (self->view, "companies") == 0)
    new_company_action (widget, action_name, parameter);
  else if (g_strcmp0 (self->view, "tasks") == 0)
    new_task_action (widget, action_name, parameter);
  else
    new_deal_action (widget, action_name, parameter);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  crm_context_notify_changed (CRM_WINDOW (widget)->context);
}
static void
show_toast_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  crm_window_show_toast (CRM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* "win.show-action-toast" (text, seconds, button label, action, its string target or
 * nothing): a toast whose button runs the action; an empty action: a plain toast. */
static void
show_action_toast_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  const char *text, *label, *action, *target;
  guint32 timeout;
  AdwToast *toast;

  g_variant_get (parameter, "(&su&s&sm&s)", &text, &timeout, &label, &action, &target);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, timeout);
  if (*action != '\0')
    {
      adw_toast_set_button_label (toast, label);
      adw_toast_set_action_name (toast, action);
      if (target != NULL)
        adw_toast_set_action_target_value (toast, g_variant_new_string (target));
    }
  crm_window_add_toast (CRM_WINDOW (widget), toast);
}

/* "win.close-deal-tasks" (a deal's id): crm_close_deal_tasks() with an «Undo» toast. */
static void
close_deal_tasks_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CrmContext *context = CRM_WINDOW (widget)->context;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint n = crm_close_deal_tasks (context, g_variant_get_string (parameter, NULL), &error);

  if (n < 0)
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return;
    }
  message = g_strdup_printf (ngettext ("%d task closed", "%d tasks closed", n), n);
  crm_undo_toast_show_last (widget, context, message);
}

/* "win.undo-change" (a change set's id): undoes it; what went wrong is toasted. */
static void
undo_change_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr(GError) error = NULL;

  if (!crm_context_undo (CRM_WINDOW (widget)->context, g_variant_get_string (parameter, NULL),
                         &error))
    {
      crm_undo_toast_show (widget, error->message, NULL);
      return;
    }
  crm_undo_toast_show (widget, _("Undone"), NULL);
}

/* "win.delete-entity" ((entity, id)): crm_delete_entity() for the window, with its
 * «Undo» toast. */
static void
delete_entity_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  const char *entity = NULL;
  const char *entity_id = NULL;

  g_variant_get (parameter, "(&s&s)", &entity, &entity_id);
  crm_delete_entity (widget, CRM_WINDOW (widget)->context, entity, entity_id);
}

void
_crm_window_class_actions_init (CrmWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);
  gtk_widget_class_install_action (widget_class, "win.show-nth-view", "i", show_nth_view_action);
  gtk_widget_class_install_action (widget_class, "win.open-deal", "s", open_deal_action);
  gtk_widget_class_install_action (widget_class, "win.open-contact", "s", open_contact_action);
  gtk_widget_class_install_action (widget_class, "win.open-company", "s", open_company_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, sync_now_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL,
                                   show_help_overlay_action);
  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_action);
  gtk_widget_class_install_action (widget_class, "win.tag-filter", NULL, tag_filter_action);
  gtk_widget_class_install_action (widget_class, "win.clear-filter", NULL, clear_filter_action);
  gtk_widget_class_install_action (widget_class, "win.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "win.new-deal", NULL, new_deal_action);
  gtk_widget_class_install_action (widget_class, "win.new-contact", NULL, new_contact_action);
  gtk_widget_class_install_action (widget_class, "win.new-company", NULL, new_company_action);
  gtk_widget_class_install_action (widget_class, "win.new-task", NULL, new_task_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
  gtk_widget_class_install_action (widget_class, "win.show-action-toast", "(sussms)",
                                   show_action_toast_action);
  gtk_widget_class_install_action (widget_class, "win.undo-change", "s", undo_change_action);
  gtk_widget_class_install_action (widget_class, "win.delete-entity", "(ss)",
                                   delete_entity_action);
  gtk_widget_class_install_action (widget_class, "win.close-deal-tasks", "s",
                                   close_deal_tasks_action);

  /* Bubble-phase bindings: a focused card's own Alt+arrows win over these. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK,
                                       "win.tag-filter", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.new-contact", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                       "win.go-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.go-back", NULL);
  for (int i = 0; i < 9; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-nth-view", "i", i);}
