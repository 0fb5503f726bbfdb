/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval-sheet.c — the approval sheet on a deal's page (crm-approval-sheet.h). */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-approval.h"
#include "crm-approval-dialog.h"
#include "crm-approval-sheet.h"
#include "crm-format.h"
#include "crm-time.h"
#include "crm-widget-util.h"
#include "crm-json.h"

struct _CrmApprovalSheet
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *deal_id;
  GPtrArray           *rows;
};

G_DEFINE_FINAL_TYPE (CrmApprovalSheet, crm_approval_sheet, ADW_TYPE_PREFERENCES_GROUP)

static char *
when_text (const char *iso)
{
  gint64 ms = 0;

  if (iso == NULL || !crm_time_parse (iso, &ms))
    return NULL;
  return crm_format_date_time (ms);
}

char *
crm_approval_step_text (JsonObject *step)
{
  const char *decision = crm_json_string (step, "decision");
  g_autofree char *when = when_text (crm_json_string (step, "decided_at"));

  if (decision == NULL)
    /* Translators: an approval step that waits: who it waits for */
    return g_strdup_printf (_("%s · waiting"), crm_json_string_or (step, "approver", ""));
  if (g_str_equal (decision, "approved"))
    /* Translators: an approval step: who approved it, when */
    return g_strdup_printf (_("%s · approved %s"), crm_json_string (step, "decided_by"),
                            when ? when : "");
  /* Translators: an approval step: who rejected it, when */
  return g_strdup_printf (_("%s · rejected %s"), crm_json_string (step, "decided_by"),
                          when ? when : "");
}

char *
crm_approval_subject_text (JsonObject *approval)
{
  if (g_strcmp0 (crm_json_string (approval, "kind"), "discount") == 0)
    {
      JsonNode *old = json_object_get_member (approval, "old_discount");
      gint64 discount = json_object_get_int_member_with_default (approval, "discount", 0);

      if (old != NULL && JSON_NODE_HOLDS_VALUE (old))
        /* Translators: a discount approval: the brand, the discount before → asked */
        return g_strdup_printf (_("Discount %s: %lld %% → %lld %%"),
                                crm_json_string (approval, "brand"),
                                (long long) json_node_get_int (old), (long long) discount);
      return g_strdup_printf (_("Discount %s: %lld %%"), crm_json_string (approval, "brand"),
                              (long long) discount);
    }
  else
    {
      gint64 minor = 0;
      g_autofree char *money = NULL;

      if (crm_json_string (approval, "amount") != NULL)
        crm_money_parse (crm_json_string (approval, "amount"), &minor);
      money = crm_format_money (minor, "RUB");
      /* Translators: an invoice approval: its type and amount, the deal's title */
      return g_strdup_printf (_("Invoice %s, %s — «%s»"),
                              crm_json_string_or (approval, "invoice_type", ""),
                              money, crm_json_string_or (approval, "deal_title", ""));
    }
}

char *
crm_approval_status_text (JsonObject *approval)
{
  const char *status = crm_json_string (approval, "status");

  if (g_strcmp0 (status, "pending") == 0)
    return g_strdup_printf (_("Waiting for %s"), crm_json_string_or (approval, "approver", ""));
  if (g_strcmp0 (status, "applied") == 0)
    return g_strdup (_("Approved and applied"));
  if (g_strcmp0 (status, "approved") == 0)
    return g_strdup (_("Approved"));
  return g_strdup (_("Rejected"));
}

static void
clear_rows (CrmApprovalSheet *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
}

void
crm_approval_sheet_set_deal (CrmApprovalSheet *self,
                             CrmContext       *context,
                             const char       *deal_id)
{
  CrmApprovalFilter filter = { CRM_APPROVAL_LIST_ALL, NULL, NULL, deal_id };
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  g_return_if_fail (CRM_IS_APPROVAL_SHEET (self));

  g_set_object (&self->context, context);
  g_free (self->deal_id);
  self->deal_id = g_strdup (deal_id);
  clear_rows (self);
  if (context != NULL && deal_id != NULL)
    list = crm_approval_list (crm_context_get_store (context), &filter, &error);
  if (error != NULL)
    {
      GtkWidget *row = crm_read_error_row_new (_("Could not read the deal's approvals"), error);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
  array = list != NULL ? json_node_get_array (list) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *approval = json_array_get_object_element (array, i);
      JsonArray *steps = json_object_get_array_member (approval, "steps");
      g_autofree char *subject = crm_approval_subject_text (approval);
      g_autofree char *status = crm_approval_status_text (approval);
      GtkWidget *row = adw_expander_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), status);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      for (guint s = 0; steps != NULL && s < json_array_get_length (steps); s++)
        {
          JsonObject *step = json_array_get_object_element (steps, s);
          g_autofree char *text = crm_approval_step_text (step);
          g_autofree char *title = g_strdup_printf ("%u. %s", s + 1, text);
          GtkWidget *line = adw_action_row_new ();

          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (line), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (line), title);
          if (crm_json_string (step, "comment") != NULL)
            adw_action_row_set_subtitle (ADW_ACTION_ROW (line), crm_json_string (step, "comment"));
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), line);
        }
      /* the one that waits is open: its sheet is what one looks for */
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                     g_strcmp0 (crm_json_string (approval, "status"),
                                                "pending") == 0 || i == 0);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
  /* on an account with approvals the sheet is where one asks for one */
  gtk_widget_set_visible (GTK_WIDGET (self),
                          self->rows->len > 0 ||
                          (context != NULL && deal_id != NULL &&
                           crm_approval_in_use (crm_context_get_store (context))));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         self->rows->len == 0
                                         ? _("Nothing of this deal was asked for approval yet")
                                         : NULL);
}

GtkWindow *
crm_approval_sheet_request (CrmApprovalSheet *self,
                            const char       *brand_id)
{
  GtkRoot *root;
  CrmApprovalDialog *dialog;

  g_return_val_if_fail (CRM_IS_APPROVAL_SHEET (self), NULL);

  if (self->context == NULL || self->deal_id == NULL)
    return NULL;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = crm_approval_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                    self->context, self->deal_id, brand_id);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
request_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  crm_approval_sheet_request (CRM_APPROVAL_SHEET (widget), NULL);
}

guint
crm_approval_sheet_get_n_approvals (CrmApprovalSheet *self)
{
  g_return_val_if_fail (CRM_IS_APPROVAL_SHEET (self), 0);
  return self->rows->len;
}

static void
crm_approval_sheet_finalize (GObject *object)
{
  CrmApprovalSheet *self = CRM_APPROVAL_SHEET (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->context);
  g_free (self->deal_id);
  G_OBJECT_CLASS (crm_approval_sheet_parent_class)->finalize (object);
}

static void
crm_approval_sheet_class_init (CrmApprovalSheetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = crm_approval_sheet_finalize;
  gtk_widget_class_install_action (GTK_WIDGET_CLASS (klass), "approvals.request", NULL,
                                   request_action);
}

static void
crm_approval_sheet_init (CrmApprovalSheet *self)
{
  GtkWidget *request = gtk_button_new_with_mnemonic (_("_Request Approval…"));

  self->rows = g_ptr_array_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Approval Sheet"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (request), "approvals.request");
  gtk_widget_set_tooltip_text (request, _("Ask for a brand's discount or the deal's invoice to "
                                          "be approved"));
  gtk_widget_add_css_class (request, "flat");
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), request);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
