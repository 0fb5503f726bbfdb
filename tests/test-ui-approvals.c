/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-approvals.c — «На согласовании» in the app (issue 16): the head sees the
 * discount waiting for her and her own invoice waiting for others, approves, and the
 * deal page shows the approval sheet; someone with nothing to decide sees the empty
 * state. In Russian, with screenshots (approvals-inbox, approvals-deal-sheet,
 * approvals-empty). */
#include "config.h"

#include <glib/gi18n.h>

#include "crm-test-ui.h"

#include "crm-approval.h"
#include "crm-approval-dialog.h"
#include "crm-approval-sheet.h"
#include "crm-approvals-view.h"
#include "crm-discounts-group.h"
#include "crm-context.h"
#include "crm-query.h"
#include "crm-view.h"

#define HEAD   "Татьяна Николаева"
#define EVGENY "Евгений Степанов"

typedef struct {
  char *deal_id;
  char *discount_id;
  char *invoice_id;
} Made;

static char *
user_id (CrmStore   *store,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  char *id = crm_query_resolve (store, "user", name, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static char *
add_deal (CrmStore   *store,
          const char *responsible,
          const char *title,
          gint64      amount,
          const char *brand_tag)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pipeline = crm_query_resolve (store, "pipeline", "Оборудование и ЗИП", NULL, &error);
  g_autofree char *stage = crm_query_resolve (store, "stage", "Новая сделка", pipeline, &error);
  char *id = crm_store_new_id (store);
  CrmChange *deal = crm_changeset_create (changeset, "deal", id);

  g_assert_no_error (error);
  crm_changeset_set_actor (changeset, responsible);
  crm_change_set_string (deal, "title", title);
  crm_change_set_string (deal, "pipeline", pipeline);
  crm_change_set_string (deal, "stage", stage);
  crm_change_set_int (deal, "amount", amount);
  crm_change_set_string (deal, "currency", "RUB");
  crm_change_set_string (deal, "responsible", responsible);
  crm_change_set_int (deal, "created_at", crm_store_get_now (store));
  crm_change_set_string (deal, "invoice_type", "Оборудование");
  if (brand_tag != NULL)
    {
      g_autofree char *tag = crm_query_resolve (store, "tag", brand_tag, NULL, &error);

      g_assert_no_error (error);
      crm_changeset_set_link (changeset, "deal_tag", "deal", id, "tag", tag, TRUE);
    }
  g_assert_true (crm_store_apply (store, changeset, &error));
  g_assert_no_error (error);
  return id;
}

static char *
make_supplier (const char *dir,
               Made       *made)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CrmStore) store = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *evgeny = NULL;
  g_autofree char *head = NULL;
  g_autofree char *brand = NULL;
  g_autofree char *other_deal = NULL;
  CrmApprovalRequest discount = { 0 }, invoice = { 0 };
  char *path = g_build_filename (dir, "supplier.db", NULL);

  root = crm_template_load ("equipment-supplier", &error);
  g_assert_no_error (error);
  store = crm_store_create (path, &error);
  g_assert_no_error (error);
  g_assert_true (crm_template_apply (store, root, &error));
  g_assert_no_error (error);
  evgeny = user_id (store, EVGENY);
  head = user_id (store, HEAD);
  brand = crm_query_resolve (store, "tag", "Jura", NULL, &error);

  made->deal_id = add_deal (store, evgeny, "Jura GIGA X8 для кофейни «Зерно»", 45000000, "Jura");
  discount.kind = "discount";
  discount.brand_id = brand;
  discount.discount = 12;
  discount.deal_id = made->deal_id;
  discount.comment = "Сеть из пяти кофеен, годовой контракт";
  made->discount_id = crm_approval_request (store, evgeny, &discount, &error);
  g_assert_no_error (error);

  other_deal = add_deal (store, evgeny, "Franke A600 для офиса «Север»", 50000000, NULL);
  invoice.kind = "invoice";
  invoice.deal_id = other_deal;
  invoice.amount = -1;
  made->invoice_id = crm_approval_request (store, head, &invoice, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
view_read (gpointer data)
{
  return crm_approvals_view_get_n_rows (data, "to-decide") +
         crm_approvals_view_get_n_rows (data, "waiting") > 0;
}

static gboolean
nothing_to_decide (gpointer data)
{
  return crm_approvals_view_get_n_rows (data, "to-decide") == 0 &&
         !crm_view_is_reload_queued (data);
}

static const char *
status_of (const char *db_path,
           const char *approval_id)
{
  static char status[32];
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) approval = crm_approval_get (store, approval_id, &error);

  g_assert_no_error (error);
  g_strlcpy (status, json_object_get_string_member (approval, "status"), sizeof status);
  return status;
}

/* Scrolls the page @widget is on so that @widget is at the top (for a screenshot). */
static void
scroll_into_view (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  graphene_point_t point;

  if (scroller != NULL &&
      gtk_widget_compute_point (widget, scroller, &GRAPHENE_POINT_INIT (0, 0), &point))
    {
      GtkAdjustment *adjustment =
        gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + point.y - 24);
    }
}

/* Presses the row's button @label (a mnemonic as the row shows it), fills the dialog's
 * comment and answers @response, as a person with the keyboard does. */
static void
decide_through_dialog (GtkWidget  *view,
                       const char *label,
                       const char *comment,
                       const char *response)
{
  GtkWidget *button = crm_test_ui_find (view, GTK_TYPE_BUTTON, label);
  GtkWidget *dialog;
  GtkWidget *entry;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_focusable (button) || gtk_widget_get_can_focus (button));
  gtk_widget_activate (button);
  dialog = GTK_WIDGET (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  entry = crm_test_ui_find (dialog, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);
  if (g_str_equal (response, "reject"))
    /* a rejection goes back to its author with the reason: not without one */
    g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), response));
  gtk_editable_set_text (GTK_EDITABLE (entry), comment);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), response));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  if (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  crm_test_ui_wait (100);
}

/* The head's inbox in @language ("ru" or "en"): the discount waiting for her decision
 * and her invoice waiting for others; she approves (Russian) or rejects with a reason
 * (English) through the row's dialog; the deal page's sheet shows the chain; the
 * director with nothing to decide sees the empty state. */
static void
run_inbox (const char *language)
{
  gboolean russian = g_str_equal (language, "ru");
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  Made made = { 0 };
  g_autofree char *db_path = make_supplier (tmpdir, &made);
  g_autofree char *head = NULL;
  g_autofree char *director = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *name = NULL;
  CrmApplication *app;
  CrmWindow *window;
  CrmContext *context;
  CrmApprovalsView *view;
  CrmApprovalSheet *sheet;
  GtkWidget *deal_page;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    head = user_id (store, HEAD);
    director = user_id (store, "Михаил Романов");
  }

  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  context = crm_window_get_context (window);
  crm_context_set_user (context, head);

  /* the sidebar offers «На согласовании» on an account with approvals */
  crm_window_show_view (window, "approvals");
  g_assert_cmpstr (crm_window_get_view (window), ==, "approvals");
  view = CRM_APPROVALS_VIEW (crm_window_get_page (window, "approvals"));
  g_assert_true (crm_test_ui_wait_until (view_read, view, 10000));
  g_assert_cmpuint (crm_approvals_view_get_n_rows (view, "to-decide"), ==, 1);
  g_assert_cmpuint (crm_approvals_view_get_n_rows (view, "waiting"), ==, 1);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_PREFERENCES_GROUP,
                                      _("To Decide")));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_PREFERENCES_GROUP,
                                      _("My Requests")));
  if (russian)
    g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_PREFERENCES_GROUP,
                                        "Мои запросы"));
  name = g_strconcat ("approvals-inbox-", language, NULL);
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), name);

  if (russian)
    {
      /* approving from the row: nothing waits for her any more, the brand's discount moved */
      decide_through_dialog (GTK_WIDGET (view), _("_Approve"), "Согласовано, сеть важна",
                             "approve");
      g_assert_cmpstr (status_of (db_path, made.discount_id), ==, "applied");
    }
  else
    {
      decide_through_dialog (GTK_WIDGET (view), _("_Reject"), "Too deep for this brand",
                             "reject");
      g_assert_cmpstr (status_of (db_path, made.discount_id), ==, "rejected");
    }
  g_assert_true (crm_test_ui_wait_until (nothing_to_decide, view, 10000));
  g_assert_cmpuint (crm_approvals_view_get_n_rows (view, "waiting"), ==, 1);

  /* the deal page shows the approval sheet: the chain and who decided, with the comment */
  crm_window_open_deal (window, made.deal_id);
  crm_test_ui_wait (200);
  deal_page = crm_window_get_page (window, "deal");
  sheet = CRM_APPROVAL_SHEET (crm_test_ui_find (deal_page, CRM_TYPE_APPROVAL_SHEET, NULL));
  g_assert_nonnull (sheet);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, sheet, 10000));
  g_assert_cmpuint (crm_approval_sheet_get_n_approvals (sheet), ==, 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (sheet)));
  gtk_widget_grab_focus (GTK_WIDGET (sheet));
  scroll_into_view (GTK_WIDGET (sheet));
  g_clear_pointer (&shot, g_free);
  g_clear_pointer (&name, g_free);
  name = g_strconcat ("approvals-deal-sheet-", language, NULL);
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), name);

  /* the director has nothing to decide and asked nothing: the empty state */
  crm_context_set_user (context, director);
  crm_window_show_view (window, "approvals");
  crm_view_reload (CRM_VIEW (view));
  g_assert_cmpuint (crm_approvals_view_get_n_rows (view, "to-decide"), ==, 0);
  g_assert_cmpuint (crm_approvals_view_get_n_rows (view, "waiting"), ==, 0);
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE,
                                      _("Nothing Awaits Approval")));
  g_clear_pointer (&shot, g_free);
  g_clear_pointer (&name, g_free);
  name = g_strconcat ("approvals-empty-", language, NULL);
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), name);

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (made.deal_id);
  g_free (made.discount_id);
  g_free (made.invoice_id);
}

static guint
approvals_of_deal (const char *db_path,
                   const char *deal_id,
                   char      **out_newest_status)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  CrmApprovalFilter filter = { CRM_APPROVAL_LIST_ALL, NULL, NULL, deal_id };
  g_autoptr(JsonNode) list = crm_approval_list (store, &filter, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (list);
  if (out_newest_status != NULL && json_array_get_length (array) > 0)
    *out_newest_status = g_strdup (json_object_get_string_member (
                                     json_array_get_object_element (array, 0), "status"));
  return json_array_get_length (array);
}

typedef struct {
  CrmApprovalSheet *sheet;
  guint             n;
} SheetCount;

static gboolean
sheet_has (gpointer data)
{
  SheetCount *count = data;

  return crm_approval_sheet_get_n_approvals (count->sheet) == count->n &&
         crm_test_ui_widget_is_drawn (count->sheet);
}

static gboolean
no_request_dialog (gpointer data)
{
  return crm_test_ui_find_window (CRM_TYPE_APPROVAL_DIALOG) == NULL;
}

/* Is there an expander row under @root whose subtitle is @text? */
static gboolean
expander_with_subtitle (GtkWidget  *root,
                        const char *text)
{
  if (ADW_IS_EXPANDER_ROW (root) &&
      g_strcmp0 (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (root)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (expander_with_subtitle (child, text))
      return TRUE;
  return FALSE;
}

static CrmApprovalDialog *
open_request_dialog (CrmApprovalSheet *sheet)
{
  /* the sheet's own button, as a person presses it */
  GtkWidget *button = crm_test_ui_find (GTK_WIDGET (sheet), GTK_TYPE_BUTTON,
                                        _("_Request Approval…"));

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button) && gtk_widget_get_focusable (button));
  gtk_widget_activate (button);
  return CRM_APPROVAL_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_APPROVAL_DIALOG));
}

/* The rep asks from the deal's page: the dialog shows the chain the settings choose
 * (the head up to 15 %, then also the director; an invoice of the deal: the head, the
 * director above 1 000 000), a discount without a reason is refused inside the dialog
 * with nothing written, and the request sent shows on the sheet as waiting for the
 * head. */
static void
run_request (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  Made made = { 0 };
  g_autofree char *db_path = make_supplier (tmpdir, &made);
  g_autofree char *evgeny = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *status = NULL;
  CrmApplication *app;
  CrmWindow *window;
  CrmApprovalSheet *sheet;
  CrmApprovalDialog *dialog;
  GtkSpinButton *spin;
  GtkWidget *reason;
  GtkWidget *amount;
  SheetCount count;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);

    evgeny = user_id (store, EVGENY);
  }
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  crm_context_set_user (crm_window_get_context (window), evgeny);
  crm_window_open_deal (window, made.deal_id);
  sheet = CRM_APPROVAL_SHEET (crm_test_ui_find (crm_window_get_page (window, "deal"),
                                                CRM_TYPE_APPROVAL_SHEET, NULL));
  g_assert_nonnull (sheet);
  count.sheet = sheet;
  count.n = 1;
  g_assert_true (crm_test_ui_wait_until (sheet_has, &count, 10000));

  dialog = open_request_dialog (sheet);
  g_assert_nonnull (dialog);
  /* the deal's brand, Jura, at its discount now: the head decides alone */
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, _("_Brand")));
  g_assert_cmpstr (crm_approval_dialog_get_chain (dialog), ==, HEAD);
  spin = GTK_SPIN_BUTTON (crm_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_SPIN_BUTTON, NULL));
  g_assert_nonnull (spin);
  gtk_spin_button_set_value (spin, 20);
  /* over 15 %: the director after the head, shown before anything is sent */
  g_assert_cmpstr (crm_approval_dialog_get_chain (dialog), ==, HEAD " → Михаил Романов");

  /* no reason: said in the dialog, nothing written */
  g_assert_null (crm_approval_dialog_send (dialog));
  g_assert_nonnull (crm_approval_dialog_get_problem (dialog));
  g_assert_cmpstr (crm_approval_dialog_get_problem (dialog), ==,
                   _("Say why the discount should change: the approvers and the registry "
                     "read it"));
  g_assert_cmpuint (approvals_of_deal (db_path, made.deal_id, NULL), ==, 1);
  shot = crm_test_ui_screenshot (GTK_WIDGET (dialog), "approvals-request-ru");

  reason = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, _("_Reason"));
  g_assert_nonnull (reason);
  gtk_editable_set_text (GTK_EDITABLE (reason), "Тендер сети «Зерно»: конкурент даёт 18 %");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.send", NULL);
  g_assert_true (crm_test_ui_wait_until (no_request_dialog, NULL, 10000));
  /* written as an op (it syncs later like any other), and the sheet shows it waiting */
  g_assert_cmpuint (approvals_of_deal (db_path, made.deal_id, &status), ==, 2);
  g_assert_cmpstr (status, ==, "pending");
  count.n = 2;
  g_assert_true (crm_test_ui_wait_until (sheet_has, &count, 10000));
  {
    g_autofree char *waiting = g_strdup_printf (_("Waiting for %s"), HEAD);

    g_assert_true (expander_with_subtitle (GTK_WIDGET (sheet), waiting));
  }
  scroll_into_view (GTK_WIDGET (sheet));
  g_clear_pointer (&shot, g_free);
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), "approvals-request-sheet-ru");

  /* the deal's invoice: 450 000 ₽; the rep is the responsible manager, so the head
   * decides; above 1 000 000 the director too */
  dialog = open_request_dialog (sheet);
  crm_approval_dialog_set_kind (dialog, "invoice");
  g_assert_cmpstr (crm_approval_dialog_get_chain (dialog), ==, HEAD);
  amount = crm_test_ui_find (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, _("_Amount"));
  g_assert_nonnull (amount);
  gtk_editable_set_text (GTK_EDITABLE (amount), "1 500 000");
  g_assert_cmpstr (crm_approval_dialog_get_chain (dialog), ==, HEAD " → Михаил Романов");
  g_clear_pointer (&shot, g_free);
  shot = crm_test_ui_screenshot (GTK_WIDGET (dialog), "approvals-request-invoice-ru");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.cancel", NULL);
  g_assert_true (crm_test_ui_wait_until (no_request_dialog, NULL, 10000));
  g_assert_cmpuint (approvals_of_deal (db_path, made.deal_id, NULL), ==, 2);

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (made.deal_id);
  g_free (made.discount_id);
  g_free (made.invoice_id);
}

typedef struct {
  GtkWidget  *root;
  GType       type;
  const char *text;
} Shown;

static gboolean
widget_shown (gpointer data)
{
  Shown *shown = data;
  GtkWidget *widget = crm_test_ui_find (shown->root, shown->type, shown->text);

  return widget != NULL && crm_test_ui_widget_is_drawn (widget);
}

static gint64
jura_discount (const char *db_path)
{
  g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = crm_approval_discounts (store, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (item, "brand"), "Jura") == 0)
        return json_object_get_int_member (item, "discount");
    }
  g_assert_not_reached ();
}

/* Discounts on the deal's and the company's page: the rep reads the brand's discount and
 * the change that waits under it, with no way to edit it, and asks through «Request
 * Approval»; the administrator changes it there directly, and every page shows the new
 * one. */
static void
run_discounts (void)
{
  g_autofree char *tmpdir = crm_test_make_tmpdir ();
  Made made = { 0 };
  g_autofree char *db_path = make_supplier (tmpdir, &made);
  g_autofree char *evgeny = NULL;
  g_autofree char *admin = NULL;
  g_autofree char *company_id = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *asked = NULL;
  CrmApplication *app;
  CrmWindow *window;
  CrmDiscountsGroup *group;
  CrmApprovalDialog *request;
  GtkWidget *row;
  GtkWidget *button;
  GtkWidget *dialog;
  GtkWidget *spin;
  GtkWidget *company_page;
  Shown shown;

  {
    g_autoptr(CrmStore) store = crm_test_ui_open_replica (db_path);
    g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
    g_autoptr(GError) error = NULL;
    CrmChange *company;

    evgeny = user_id (store, EVGENY);
    admin = user_id (store, "admin");
    /* the deal's company: the company's page shows the brands of its deals */
    company_id = crm_store_new_id (store);
    crm_changeset_set_actor (changeset, evgeny);
    company = crm_changeset_create (changeset, "company", company_id);
    crm_change_set_string (company, "name", "Кофейня «Зерно»");
    crm_change_set_int (company, "created_at", crm_store_get_now (store));
    crm_change_set_string (crm_changeset_touch (changeset, "deal", made.deal_id), "company",
                           company_id);
    g_assert_true (crm_store_apply (store, changeset, &error));
    g_assert_no_error (error);
  }
  app = crm_test_ui_start (db_path);
  window = crm_test_ui_main_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  crm_context_set_user (crm_window_get_context (window), evgeny);
  crm_window_open_deal (window, made.deal_id);
  group = CRM_DISCOUNTS_GROUP (crm_test_ui_find (crm_window_get_page (window, "deal"),
                                                 CRM_TYPE_DISCOUNTS_GROUP, NULL));
  g_assert_nonnull (group);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, group, 10000));
  g_assert_cmpuint (crm_discounts_group_get_n_brands (group), ==, 1);
  row = crm_discounts_group_find_row (group, "Jura");
  g_assert_nonnull (row);
  /* the percent as the reference list has it, and the change that waits */
  g_assert_nonnull (crm_test_ui_find (row, GTK_TYPE_LABEL, "10 %"));
  asked = g_strdup_printf (_("%lld %% asked, waiting for %s"), 12LL, HEAD);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, asked);
  /* read-only for a rep: nothing to edit, only a request */
  g_assert_null (crm_test_ui_find (GTK_WIDGET (group), GTK_TYPE_SPIN_BUTTON, NULL));
  g_assert_null (crm_test_ui_find (GTK_WIDGET (group), GTK_TYPE_BUTTON, _("C_hange…")));
  scroll_into_view (GTK_WIDGET (group));
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), "approvals-discounts-deal-ru");
  button = crm_test_ui_find (row, GTK_TYPE_BUTTON, _("Re_quest…"));
  g_assert_nonnull (button);
  gtk_widget_activate (button);
  request = CRM_APPROVAL_DIALOG (crm_test_ui_wait_for_window (CRM_TYPE_APPROVAL_DIALOG));
  g_assert_nonnull (request);
  g_assert_cmpstr (crm_approval_dialog_get_chain (request), ==, HEAD);
  gtk_widget_activate_action (GTK_WIDGET (request), "dialog.cancel", NULL);
  g_assert_true (crm_test_ui_wait_until (no_request_dialog, NULL, 10000));

  /* the company's page: the brands of its deals */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-company", "s",
                                             company_id));
  company_page = crm_window_get_page (window, "contact");
  group = CRM_DISCOUNTS_GROUP (crm_test_ui_find (company_page, CRM_TYPE_DISCOUNTS_GROUP, NULL));
  g_assert_nonnull (group);
  g_assert_true (crm_test_ui_wait_until (crm_test_ui_widget_is_drawn, group, 10000));
  g_assert_nonnull (crm_discounts_group_find_row (group, "Jura"));
  g_assert_nonnull (crm_test_ui_find (GTK_WIDGET (group), GTK_TYPE_BUTTON, _("Re_quest…")));

  /* the administrator changes it right there */
  crm_context_set_user (crm_window_get_context (window), admin);
  crm_view_reload (CRM_VIEW (company_page));
  shown.root = GTK_WIDGET (group);
  shown.type = GTK_TYPE_BUTTON;
  shown.text = _("C_hange…");
  g_assert_true (crm_test_ui_wait_until (widget_shown, &shown, 10000));
  gtk_widget_activate (crm_test_ui_find (GTK_WIDGET (group), GTK_TYPE_BUTTON, _("C_hange…")));
  dialog = GTK_WIDGET (crm_test_ui_wait_for_window (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  spin = crm_test_ui_find (dialog, GTK_TYPE_SPIN_BUTTON, NULL);
  g_assert_nonnull (spin);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==, 10);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 14);
  gtk_editable_set_text (GTK_EDITABLE (crm_test_ui_find (dialog, GTK_TYPE_ENTRY, NULL)),
                         "Новый договор с дистрибьютором");
  g_clear_pointer (&shot, g_free);
  shot = crm_test_ui_screenshot (dialog, "approvals-discounts-change-ru");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "apply");
  if (crm_test_ui_find_window (ADW_TYPE_MESSAGE_DIALOG) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_cmpint (jura_discount (db_path), ==, 14);
  shown.type = GTK_TYPE_LABEL;
  shown.text = "14 %";
  g_assert_true (crm_test_ui_wait_until (widget_shown, &shown, 10000));
  scroll_into_view (GTK_WIDGET (group));
  g_clear_pointer (&shot, g_free);
  shot = crm_test_ui_screenshot (GTK_WIDGET (window), "approvals-discounts-company-ru");

  crm_test_ui_stop (app);
  crm_test_remove_tree (tmpdir);
  g_free (made.deal_id);
  g_free (made.discount_id);
  g_free (made.invoice_id);
}

static void
test_discounts_russian (void)
{
  crm_test_ui_in_subprocess (TRUE, run_discounts);
}

static void
test_request_russian (void)
{
  crm_test_ui_in_subprocess (TRUE, run_request);
}

static void
run_inbox_russian (void)
{
  run_inbox ("ru");
}

static void
run_inbox_english (void)
{
  run_inbox ("en");
}

/* The app registers once per process: each language runs in a process of its own. */
static void
test_inbox_russian (void)
{
  crm_test_ui_in_subprocess (TRUE, run_inbox_russian);
}

static void
test_inbox_english (void)
{
  crm_test_ui_in_subprocess (FALSE, run_inbox_english);
}

int
main (int    argc,
      char **argv)
{
  crm_test_ui_init (&argc, &argv);
  g_test_add_func ("/ui-approvals/inbox/russian", test_inbox_russian);
  g_test_add_func ("/ui-approvals/inbox/english", test_inbox_english);
  g_test_add_func ("/ui-approvals/request/russian", test_request_russian);
  g_test_add_func ("/ui-approvals/discounts/russian", test_discounts_russian);
  return g_test_run ();
}
