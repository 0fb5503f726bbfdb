/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-call-card.c — the caller's card: an AdwMessageDialog over the window, not modal (the
 * rep keeps working while it rings), made from what the live channel said; it reads the
 * replica only to know whether the contact and deal are there yet to open. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-call-card.h"
#include "crm-format.h"
#include "crm-notification-button.h"
#include "crm-widget-util.h"
#include "crm-json.h"

#define SHOWN_KEY "crm-call-card"

struct _CrmCallCard
{
  AdwMessageDialog  parent_instance;

  CrmContext       *context;
  GtkWindow        *parent;     /* weak */
  char             *call;
  char             *deal;
  char             *contact;
};

G_DEFINE_FINAL_TYPE (CrmCallCard, crm_call_card, ADW_TYPE_MESSAGE_DIALOG)

static gboolean
entity_here (CrmCallCard *self,
             const char  *entity,
             const char  *id)
{
  g_autoptr(JsonObject) row = NULL;

  if (id == NULL || self->context == NULL)
    return FALSE;
  row = crm_store_dup_entity (crm_context_get_store (self->context), entity, id);
  return row != NULL && !json_object_get_boolean_member_with_default (row, "deleted", FALSE);
}

/* The buttons open what the replica has: a new caller's contact and deal arrive with the
 * sync the call set off. */
static void
update_responses (CrmCallCard *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);

  adw_message_dialog_set_response_enabled (dialog, "contact",
                                           entity_here (self, "contact", self->contact));
  adw_message_dialog_set_response_enabled (dialog, "deal", entity_here (self, "deal", self->deal));
}

static void
response_cb (CrmCallCard *self,
             const char  *response)
{
  if (self->parent == NULL)
    return;
  if (g_str_equal (response, "deal") && self->deal != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->parent), "win.open-deal", "s", self->deal);
  else if (g_str_equal (response, "contact") && self->contact != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->parent), "win.open-contact", "s",
                                self->contact);
  else
    return;
  gtk_window_present (self->parent);
}

static GtkWidget *
deals_list (JsonArray *deals)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Open deals"), -1);
  for (guint i = 0; i < json_array_get_length (deals); i++)
    {
      JsonObject *deal = json_array_get_object_element (deals, i);
      const char *stage = crm_json_string (deal, "stage");
      g_autofree char *amount = NULL;
      g_autofree char *subtitle = NULL;

      if (json_object_has_member (deal, "amount") && !json_object_get_null_member (deal, "amount"))
        amount = crm_format_money (json_object_get_int_member (deal, "amount"),
                                   crm_json_string_or (deal, "currency", "RUB"));
      if (stage != NULL && amount != NULL)
        /* Translators: a deal on the caller's card: its stage and amount */
        subtitle = g_strdup_printf (_("%s · %s"), stage, amount);
      else
        subtitle = g_strdup (stage != NULL ? stage : amount);
      gtk_list_box_append (GTK_LIST_BOX (list),
                           crm_text_row_new (crm_json_string_or (deal, "title", ""), subtitle));
    }
  return list;
}

static GtkWidget *
extra_child (JsonObject *card)
{
  JsonArray *deals = json_object_has_member (card, "deals") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (card, "deals"))
                     ? json_object_get_array_member (card, "deals") : NULL;
  const char *note = crm_json_string (card, "last_note");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gboolean any = FALSE;

  if (deals != NULL && json_array_get_length (deals) > 0)
    {
      gtk_box_append (GTK_BOX (box), deals_list (deals));
      any = TRUE;
    }
  if (note != NULL)
    {
      GtkWidget *heading = gtk_label_new (_("Last Note"));
      GtkWidget *text = gtk_label_new (note);

      gtk_widget_add_css_class (heading, "heading");
      gtk_label_set_xalign (GTK_LABEL (heading), 0);
      gtk_label_set_xalign (GTK_LABEL (text), 0);
      gtk_label_set_wrap (GTK_LABEL (text), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (text), 4);
      gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
      gtk_label_set_selectable (GTK_LABEL (text), TRUE);
      gtk_box_append (GTK_BOX (box), heading);
      gtk_box_append (GTK_BOX (box), text);
      any = TRUE;
    }
  if (!any)
    {
      g_object_ref_sink (box);
      g_object_unref (box);
      return NULL;
    }
  return box;
}

/* "+7 912 111-22-33 · ООО «Енисей»" */
static char *
body_text (JsonObject *card,
           const char *title,
           gboolean    is_new)
{
  const char *phone = crm_json_string (card, "phone");
  const char *company = crm_json_string (card, "company");
  g_autoptr(GString) text = g_string_new (NULL);

  /* a caller whose contact is named by the number: the number is said once */
  if (phone == NULL)
    g_string_append (text, _("Hidden number"));
  else if (g_strcmp0 (phone, title) != 0)
    g_string_append (text, phone);
  if (company != NULL)
    g_string_append_printf (text, "%s%s", text->len > 0 ? " · " : "", company);
  if (is_new)
    g_string_append_printf (text, "\n%s", _("No contact has this number: a contact and a deal "
                                            "were made for it, and the first to answer becomes "
                                            "responsible."));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The desktop hears of it too when the rep looks at another window. */
static void
notify_desktop (CrmCallCard *self,
                const char  *title,
                JsonObject  *card)
{
  const char *phone = crm_json_string (card, "phone");
  const char *company = crm_json_string (card, "company");
  g_autofree char *heading = g_strdup_printf (_("Incoming call: %s"), title);
  g_autofree char *id = g_strconcat ("call-", self->call != NULL ? self->call : "", NULL);
  g_autofree char *body = company != NULL && phone != NULL
    ? g_strdup_printf (_("%s · %s"), phone, company) : g_strdup (phone != NULL ? phone : company);

  if (self->deal != NULL)
    crm_notification_send_desktop (id, heading, body, "app.open-deal", self->deal);
  else
    crm_notification_send_desktop (id, heading, body,
                                   self->contact != NULL ? "app.open-contact" : NULL,
                                   self->contact);
}

CrmCallCard *
crm_call_card_show (GtkWindow  *parent,
                    CrmContext *context,
                    JsonObject *event)
{
  JsonObject *card = NULL;
  CrmCallCard *self;
  CrmCallCard *previous;
  GtkWidget *extra;
  g_autofree char *body = NULL;
  const char *title;
  gboolean is_new;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (event != NULL, NULL);

  if (json_object_has_member (event, "card") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (event, "card")))
    card = json_object_get_object_member (event, "card");
  if (card == NULL)
    return NULL;

  previous = crm_call_card_get_shown (parent);
  if (previous != NULL)
    gtk_window_destroy (GTK_WINDOW (previous));

  is_new = json_object_get_boolean_member_with_default (card, "new", FALSE);
  /* the server's words for a new number are data ("Новый номер"): shown translated here */
  title = is_new ? _("New Number") : crm_json_string (card, "title");
  if (title == NULL)
    title = _("Unknown Caller");
  self = g_object_new (CRM_TYPE_CALL_CARD, "transient-for", parent, "modal", FALSE,
                       "heading", title, NULL);
  self->context = g_object_ref (context);
  g_set_weak_pointer (&self->parent, parent);
  self->call = g_strdup (crm_json_string (event, "call"));
  self->deal = g_strdup (crm_json_string (event, "deal"));
  self->contact = g_strdup (crm_json_string (card, "contact"));
  if (self->deal == NULL && json_object_has_member (card, "deals"))
    {
      JsonArray *deals = json_object_get_array_member (card, "deals");

      if (deals != NULL && json_array_get_length (deals) > 0)
        self->deal = g_strdup (crm_json_string (json_array_get_object_element (deals, 0), "id"));
    }

  body = body_text (card, title, is_new);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  extra = extra_child (card);
  if (extra != NULL)
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), extra);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "close", _("_Dismiss"),
                                    "contact", _("Open _Contact"),
                                    "deal", _("Open _Deal"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "deal",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self),
                                           self->deal != NULL ? "deal" : "contact");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "close");
  update_responses (self);
  g_signal_connect_object (context, "changed", G_CALLBACK (update_responses), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);

  g_object_set_data (G_OBJECT (parent), SHOWN_KEY, self);
  if (!gtk_window_is_active (parent))
    notify_desktop (self, title, card);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

CrmCallCard *
crm_call_card_get_shown (GtkWindow *parent)
{
  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  return g_object_get_data (G_OBJECT (parent), SHOWN_KEY);
}

const char *
crm_call_card_get_call (CrmCallCard *self)
{
  g_return_val_if_fail (CRM_IS_CALL_CARD (self), NULL);
  return self->call;
}

const char *
crm_call_card_get_deal (CrmCallCard *self)
{
  g_return_val_if_fail (CRM_IS_CALL_CARD (self), NULL);
  return self->deal;
}

const char *
crm_call_card_get_contact (CrmCallCard *self)
{
  g_return_val_if_fail (CRM_IS_CALL_CARD (self), NULL);
  return self->contact;
}

static void
crm_call_card_dispose (GObject *object)
{
  CrmCallCard *self = CRM_CALL_CARD (object);

  if (self->parent != NULL && g_object_get_data (G_OBJECT (self->parent), SHOWN_KEY) == self)
    g_object_set_data (G_OBJECT (self->parent), SHOWN_KEY, NULL);
  g_clear_weak_pointer (&self->parent);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (crm_call_card_parent_class)->dispose (object);
}

static void
crm_call_card_finalize (GObject *object)
{
  CrmCallCard *self = CRM_CALL_CARD (object);

  g_free (self->call);
  g_free (self->deal);
  g_free (self->contact);
  G_OBJECT_CLASS (crm_call_card_parent_class)->finalize (object);
}

static void
crm_call_card_class_init (CrmCallCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = crm_call_card_dispose;
  object_class->finalize = crm_call_card_finalize;
}

static void
crm_call_card_init (CrmCallCard *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "call-card");
}
