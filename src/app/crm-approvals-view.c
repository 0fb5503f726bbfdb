/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approvals-view.c — «На согласовании» (crm-approvals-view.h). The lists are short
 * (what waits for one person), read whole from core (crm-approval.h) on each reload. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "crm-approval.h"
#include "crm-approval-sheet.h"
#include "crm-approvals-view.h"
#include "crm-context.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-view.h"
#include "crm-widget-util.h"

struct _CrmApprovalsView
{
  GtkWidget            parent_instance;

  CrmContext          *context;

  GtkStack            *stack;
  AdwPreferencesGroup *decide_group;
  GtkListBox          *decide_list;
  AdwPreferencesGroup *waiting_group;
  GtkListBox          *waiting_list;
};

static void view_iface_init (CrmViewInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CrmApprovalsView, crm_approvals_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (CRM_TYPE_VIEW, view_iface_init))

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

gboolean
crm_approvals_view_decide (CrmApprovalsView *self,
                           const char       *id,
                           gboolean          approve,
                           const char       *comment)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CRM_IS_APPROVALS_VIEW (self), FALSE);

  if (!crm_approval_decide (crm_context_get_store (self->context),
                            crm_context_get_user_id (self->context), id, approve, comment,
                            &error))
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return FALSE;
    }
  /* the sync controller pushes after a change, as after any other */
  g_signal_emit_by_name (self->context, "applied");
  crm_context_notify_changed (self->context);
  crm_widget_show_toast (GTK_WIDGET (self), approve ? _("Approved") : _("Rejected"));
  return TRUE;
}

typedef struct {
  CrmApprovalsView *view;
  char             *id;
  gboolean          approve;
  GtkEditable      *entry;
} Decision;

static void
decision_free (Decision *decision)
{
  g_object_unref (decision->view);
  g_free (decision->id);
  g_free (decision);
}

static void
comment_changed_cb (GtkEditable     *entry,
                    AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "reject", *text != '\0');
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             Decision         *decision)
{
  if (g_strcmp0 (response, "approve") == 0 || g_strcmp0 (response, "reject") == 0)
    crm_approvals_view_decide (decision->view, decision->id, decision->approve,
                               gtk_editable_get_text (decision->entry));
}

static void
ask_decision (CrmApprovalsView *self,
              const char       *id,
              const char       *subject,
              gboolean          approve)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();
  Decision *decision = g_new0 (Decision, 1);

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   approve ? _("Approve?") : _("Reject?"), subject);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry),
                                  approve ? _("Comment (optional)")
                                          : _("Why: the author reads it"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (approve)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "approve", _("_Approve"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "approve",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "approve");
    }
  else
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "reject", _("_Reject"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reject",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "reject", FALSE);
      g_signal_connect (entry, "changed", G_CALLBACK (comment_changed_cb), dialog);
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  decision->view = g_object_ref (self);
  decision->id = g_strdup (id);
  decision->approve = approve;
  decision->entry = GTK_EDITABLE (entry);
  g_signal_connect_data (dialog, "response", G_CALLBACK (response_cb), decision,
                         (GClosureNotify) (void (*) (void)) decision_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
decide_clicked_cb (GtkButton *button,
                   gpointer   user_data)
{
  CrmApprovalsView *self = CRM_APPROVALS_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (button),
                                                                        CRM_TYPE_APPROVALS_VIEW));
  const char *id = g_object_get_data (G_OBJECT (button), "approval");
  const char *subject = g_object_get_data (G_OBJECT (button), "subject");

  ask_decision (self, id, subject, GPOINTER_TO_INT (user_data));
}

static void
row_activated_cb (AdwActionRow *row)
{
  const char *deal = g_object_get_data (G_OBJECT (row), "deal");

  if (deal != NULL)
    gtk_widget_activate_action (GTK_WIDGET (row), "win.open-deal", "s", deal);
}

static GtkWidget *
decide_button (const char *label,
               const char *css_class,
               const char *id,
               const char *subject,
               gboolean    approve)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, css_class);
  g_object_set_data_full (G_OBJECT (button), "approval", g_strdup (id), g_free);
  g_object_set_data_full (G_OBJECT (button), "subject", g_strdup (subject), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (decide_clicked_cb), GINT_TO_POINTER (approve));
  return button;
}

static GtkWidget *
approval_row (JsonObject *approval,
              gboolean    to_decide)
{
  g_autofree char *subject = crm_approval_subject_text (approval);
  g_autofree char *subtitle = NULL;
  const char *id = json_object_get_string_member (approval, "id");
  const char *deal = json_object_get_string_member_with_default (approval, "deal", NULL);
  const char *comment = json_object_get_string_member_with_default (approval, "comment", NULL);
  JsonArray *steps = json_object_get_array_member (approval, "steps");
  gint64 step = json_object_get_int_member_with_default (approval, "step", 0);
  GtkWidget *row = adw_action_row_new ();

  if (to_decide)
    /* Translators: a request waiting for my decision: who asked, which step of how
     * many, their reason */
    subtitle = g_strdup_printf (_("From %s · step %lld of %u%s%s"),
                                json_object_get_string_member_with_default (approval, "requested_by", ""),
                                (long long) step + 1, steps ? json_array_get_length (steps) : 1,
                                comment ? " · " : "", comment ? comment : "");
  else
    subtitle = crm_approval_status_text (approval);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  if (deal != NULL)
    {
      g_object_set_data_full (G_OBJECT (row), "deal", g_strdup (deal), g_free);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), NULL);
    }
  if (to_decide)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      gtk_box_append (GTK_BOX (box), decide_button (_("_Reject"), "destructive-action", id,
                                                    subject, FALSE));
      gtk_box_append (GTK_BOX (box), decide_button (_("_Approve"), "suggested-action", id,
                                                    subject, TRUE));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
    }
  gtk_widget_set_name (row, id);
  return row;
}

/* FALSE when the list could not be read: @list then says so in its one row. */
static gboolean
fill (CrmApprovalsView     *self,
      GtkListBox           *list,
      CrmApprovalListScope  scope)
{
  CrmApprovalFilter filter = { scope, crm_context_get_user_id (self->context), NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) approvals = crm_approval_list (crm_context_get_store (self->context),
                                                     &filter, &error);
  JsonArray *array;

  crm_list_box_remove_all (list);
  if (approvals == NULL)
    {
      gtk_list_box_append (list, crm_read_error_row_new (_("Could not read the approvals"),
                                                         error));
      return FALSE;
    }
  array = json_node_get_array (approvals);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *approval = json_array_get_object_element (array, i);

      /* my requests: those still waiting for someone */
      if (scope == CRM_APPROVAL_LIST_MINE &&
          g_strcmp0 (json_object_get_string_member (approval, "status"), "pending") != 0)
        continue;
      gtk_list_box_append (list, approval_row (approval, scope == CRM_APPROVAL_LIST_TO_DECIDE));
    }
  return TRUE;
}

static void
crm_approvals_view_reload (CrmView *view)
{
  CrmApprovalsView *self = CRM_APPROVALS_VIEW (view);
  g_autofree char *subtitle = NULL;
  guint n_decide, n_waiting;
  gboolean read;

  if (self->context == NULL)
    return;
  read = fill (self, self->decide_list, CRM_APPROVAL_LIST_TO_DECIDE);
  read &= fill (self, self->waiting_list, CRM_APPROVAL_LIST_MINE);
  n_decide = count_rows (self->decide_list);
  n_waiting = count_rows (self->waiting_list);
  gtk_widget_set_visible (GTK_WIDGET (self->decide_group), n_decide > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_group), n_waiting > 0);
  gtk_stack_set_visible_child_name (self->stack, n_decide + n_waiting > 0 ? "list" : "empty");
  if (read)
    /* Translators: the approvals view's subtitle: how many wait for my decision */
    subtitle = g_strdup_printf (ngettext ("%u to decide", "%u to decide", n_decide), n_decide);
  crm_view_set_subtitle (CRM_VIEW (self), subtitle);   /* no count when it could not be read */
}

guint
crm_approvals_view_get_n_rows (CrmApprovalsView *self,
                               const char       *section)
{
  g_return_val_if_fail (CRM_IS_APPROVALS_VIEW (self), 0);
  return count_rows (g_strcmp0 (section, "waiting") == 0 ? self->waiting_list : self->decide_list);
}

static void
crm_approvals_view_dispose (GObject *object)
{
  CrmApprovalsView *self = CRM_APPROVALS_VIEW (object);

  crm_view_set_context (CRM_VIEW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_APPROVALS_VIEW);
  crm_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (crm_approvals_view_parent_class)->dispose (object);
}

static void
view_iface_init (CrmViewInterface *iface)
{
  iface->reload = crm_approvals_view_reload;
}

static void
crm_approvals_view_class_init (CrmApprovalsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_approvals_view_dispose;
  crm_view_class_setup (object_class, 1, G_STRUCT_OFFSET (CrmApprovalsView, context),
                        N_("Awaiting Approval"), NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voronka/Voronka/crm-approvals-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmApprovalsView, stack);
  gtk_widget_class_bind_template_child (widget_class, CrmApprovalsView, decide_group);
  gtk_widget_class_bind_template_child (widget_class, CrmApprovalsView, decide_list);
  gtk_widget_class_bind_template_child (widget_class, CrmApprovalsView, waiting_group);
  gtk_widget_class_bind_template_child (widget_class, CrmApprovalsView, waiting_list);
}

static void
crm_approvals_view_init (CrmApprovalsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
