/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-message-dialog.c — composing a message to a contact (crm-message-dialog.h). The
 * message is written by core (crm_message_compose(): placeholders filled, the template's
 * channel, the checks `voronkactl message send` makes) and applied as the app's user, so
 * «Undo» takes it back while it is still queued. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-message.h"
#include "crm-message-dialog.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-widget-util.h"

struct _CrmMessageDialog
{
  AdwWindow      parent_instance;

  CrmContext    *context;
  GPtrArray     *deal_ids;
  GPtrArray     *contact_ids;
  GPtrArray     *template_names;   /* [0] NULL: own text */
  GPtrArray     *template_files;   /* the names of each one's files, or NULL: none */
  char          *problem;

  GtkLabel      *message_label;
  AdwComboRow   *to_row;
  AdwComboRow   *deal_row;
  AdwComboRow   *template_row;
  AdwComboRow   *channel_row;
  AdwEntryRow   *subject_row;
  GtkTextView   *body_view;
  GtkLabel      *files_label;
  GtkStringList *contact_names;
  GtkStringList *deal_names;
  GtkStringList *template_labels;
};

G_DEFINE_FINAL_TYPE (CrmMessageDialog, crm_message_dialog, ADW_TYPE_WINDOW)

/* The channels in the order of the "Channel" row. */
static const char *const channels[] = { "email", "sms", "telegram" };

static void
set_problem (CrmMessageDialog *self,
             const char       *problem)
{
  crm_problem_label_set (self->message_label, &self->problem, problem);
}

const char *
crm_message_dialog_get_files (CrmMessageDialog *self)
{
  g_return_val_if_fail (CRM_IS_MESSAGE_DIALOG (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->files_label))
         ? gtk_label_get_label (self->files_label) : NULL;
}

const char *
crm_message_dialog_get_problem (CrmMessageDialog *self)
{
  g_return_val_if_fail (CRM_IS_MESSAGE_DIALOG (self), NULL);
  return self->problem;
}

guint
crm_message_dialog_get_n_deals (CrmMessageDialog *self)
{
  g_return_val_if_fail (CRM_IS_MESSAGE_DIALOG (self), 0);
  return self->deal_ids->len;
}

static const char *
selected_id (AdwComboRow *row,
             GPtrArray   *ids)
{
  guint selected = adw_combo_row_get_selected (row);

  return selected < ids->len ? ids->pdata[selected] : NULL;
}

static const char *
selected_channel (CrmMessageDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->channel_row);

  return channels[MIN (selected, G_N_ELEMENTS (channels) - 1)];
}

void
crm_message_dialog_set_channel (CrmMessageDialog *self,
                                const char       *channel)
{
  g_return_if_fail (CRM_IS_MESSAGE_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    if (g_strcmp0 (channels[i], channel) == 0)
      adw_combo_row_set_selected (self->channel_row, i);
}

/* A subject only an e-mail has. */
static void
channel_changed_cb (CrmMessageDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->subject_row),
                          g_str_equal (selected_channel (self), "email"));
}

/* A template shows its text (placeholders are filled when it is sent) and fixes the
 * channel; own text is typed. */
static void
template_changed_cb (CrmMessageDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->template_row);
  const char *name = selected < self->template_names->len ? self->template_names->pdata[selected]
                                                          : NULL;
  g_autofree char *channel = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  gboolean own = TRUE;

  if (name != NULL &&
      crm_message_template_lookup (crm_context_get_store (self->context), name, &channel,
                                   &subject, &body))
    {
      own = FALSE;
      crm_message_dialog_set_channel (self, channel);
      gtk_editable_set_text (GTK_EDITABLE (self->subject_row), subject != NULL ? subject : "");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                                body != NULL ? body : "", -1);
    }
  else if (!gtk_text_view_get_editable (self->body_view))
    {
      /* back to own text: start empty, not with the template's words */
      gtk_editable_set_text (GTK_EDITABLE (self->subject_row), "");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), "", -1);
    }
  /* an e-mail from a template carries its files (the offer as a PDF) */
  {
    const char *files = selected < self->template_files->len
                        ? self->template_files->pdata[selected] : NULL;

    /* Translators: under the text of an e-mail from a template: «С файлами: КП.pdf (48 kB)» */
    g_autofree char *text = files != NULL ? g_strdup_printf (_("With the files: %s"), files)
                                          : NULL;

    gtk_label_set_label (self->files_label, text != NULL ? text : "");
    gtk_widget_set_visible (GTK_WIDGET (self->files_label), text != NULL);
  }
  gtk_widget_set_sensitive (GTK_WIDGET (self->channel_row), own);
  gtk_editable_set_editable (GTK_EDITABLE (self->subject_row), own);
  gtk_text_view_set_editable (self->body_view, own);
  gtk_text_view_set_cursor_visible (self->body_view, own);
}

gboolean
crm_message_dialog_set_template (CrmMessageDialog *self,
                                 const char       *name)
{
  g_return_val_if_fail (CRM_IS_MESSAGE_DIALOG (self), FALSE);

  for (guint i = 0; i < self->template_names->len; i++)
    if (g_strcmp0 (self->template_names->pdata[i], name) == 0)
      {
        adw_combo_row_set_selected (self->template_row, i);
        template_changed_cb (self);
        return TRUE;
      }
  return FALSE;
}

static char *
send (CrmMessageDialog *self)
{
  CrmStore *store = crm_context_get_store (self->context);
  guint selected = adw_combo_row_get_selected (self->template_row);
  const char *template_name = selected < self->template_names->len
                              ? self->template_names->pdata[selected] : NULL;
  const char *deal_id = selected_id (self->deal_row, self->deal_ids);
  const char *contact_id = selected_id (self->to_row, self->contact_ids);
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autofree char *done = NULL;
  GtkTextIter start, end;

  set_problem (self, NULL);
  if (contact_id == NULL)
    {
      set_problem (self, _("The deal has no contact to write to: attach one on the deal page"));
      return NULL;
    }
  if (deal_id == NULL)
    {
      set_problem (self, _("A message is about a deal, and this contact has none yet: «Create "
                           "Deal» on the contact's page starts one"));
      return NULL;
    }
  if (template_name == NULL)
    {
      gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (self->body_view), &start, &end);
      body = g_strstrip (gtk_text_buffer_get_text (gtk_text_view_get_buffer (self->body_view),
                                                   &start, &end, FALSE));
      if (*body == '\0')
        {
          set_problem (self, _("Write the text of the message, or choose a template"));
          gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
          return NULL;
        }
    }
  /* a template fixed the channel row to its own channel */
  if (!crm_message_has_address (store, contact_id, selected_channel (self)))
    {
      const char *channel = selected_channel (self);

      set_problem (self, g_str_equal (channel, "email")
                         ? _("The contact has no e-mail address: add one on the contact's "
                             "page, or choose another channel")
                         : g_str_equal (channel, "sms")
                         ? _("The contact has no phone number: add one on the contact's page, "
                             "or choose another channel")
                         : _("The contact has no Telegram chat: choose another channel"));
      return NULL;
    }
  id = crm_message_compose (store, changeset, crm_context_get_user_id (self->context), deal_id,
                            template_name,
                            template_name == NULL
                            ? gtk_editable_get_text (GTK_EDITABLE (self->subject_row)) : NULL,
                            body, template_name == NULL ? selected_channel (self) : NULL,
                            contact_id, &error);
  if (id == NULL)
    {
      set_problem (self, error->message);
      return NULL;
    }
  done = g_strdup (_("Message queued: it goes out after the next sync"));
  if (!crm_apply_or_ask (GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self))),
                         self->context, changeset, done, NULL))
    {
      set_problem (self, _("The message was not queued: see the message in the window"));
      return NULL;
    }
  return g_steal_pointer (&id);
}

char *
crm_message_dialog_send (CrmMessageDialog *self,
                         const char       *subject,
                         const char       *body)
{
  g_return_val_if_fail (CRM_IS_MESSAGE_DIALOG (self), NULL);

  if (gtk_text_view_get_editable (self->body_view))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->subject_row), subject != NULL ? subject : "");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                                body != NULL ? body : "", -1);
    }
  return send (self);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CrmMessageDialog *self = CRM_MESSAGE_DIALOG (widget);
  g_autofree char *id = send (self);

  if (id != NULL)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
crm_message_dialog_finalize (GObject *object)
{
  CrmMessageDialog *self = CRM_MESSAGE_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->deal_ids, g_ptr_array_unref);
  g_clear_pointer (&self->contact_ids, g_ptr_array_unref);
  g_clear_pointer (&self->template_names, g_ptr_array_unref);
  g_clear_pointer (&self->template_files, g_ptr_array_unref);
  g_free (self->problem);
  G_OBJECT_CLASS (crm_message_dialog_parent_class)->finalize (object);
}

static void
crm_message_dialog_class_init (CrmMessageDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_message_dialog_finalize;
  gtk_widget_class_install_action (widget_class, "dialog.send", NULL, send_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.send", NULL);
}

static void
crm_message_dialog_init (CrmMessageDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *send_button = gtk_button_new_with_mnemonic (_("_Send"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *top = adw_preferences_group_new ();
  GtkWidget *what = adw_preferences_group_new ();
  GtkWidget *text = adw_preferences_group_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkStringList *channel_names = gtk_string_list_new (NULL);

  self->deal_ids = g_ptr_array_new_with_free_func (g_free);
  self->contact_ids = g_ptr_array_new_with_free_func (g_free);
  self->template_names = g_ptr_array_new_with_free_func (g_free);
  self->template_files = g_ptr_array_new_with_free_func (g_free);
  self->deal_names = gtk_string_list_new (NULL);
  self->contact_names = gtk_string_list_new (NULL);
  self->template_labels = gtk_string_list_new (NULL);

  gtk_window_set_title (GTK_WINDOW (self), _("New Message"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 560);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "dialog.cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (send_button), "dialog.send");
  gtk_widget_add_css_class (send_button, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), send_button);
  gtk_box_append (GTK_BOX (box), header);

  self->message_label = crm_problem_label_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->message_label));

  self->to_row = crm_combo_row_new (_("_To"), self->contact_names);
  self->deal_row = crm_combo_row_new (_("_About the deal"), self->deal_names);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->to_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->deal_row));

  gtk_string_list_append (self->template_labels, _("Own text"));
  g_ptr_array_add (self->template_names, NULL);
  g_ptr_array_add (self->template_files, NULL);
  self->template_row = crm_combo_row_new (_("_Template"), self->template_labels);
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    gtk_string_list_append (channel_names, crm_message_channel_label (channels[i]));
  self->channel_row = crm_combo_row_new (_("C_hannel"), channel_names);
  g_object_unref (channel_names);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (what), GTK_WIDGET (self->template_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (what), GTK_WIDGET (self->channel_row));

  self->subject_row = crm_entry_row_new (_("_Subject"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (text), GTK_WIDGET (self->subject_row));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (text),
                                         _("Placeholders such as {contact.name} and "
                                           "{deal.number} are filled in when it is sent"));
  self->body_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_wrap_mode (self->body_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (self->body_view, 8);
  gtk_text_view_set_bottom_margin (self->body_view, 8);
  gtk_text_view_set_left_margin (self->body_view, 8);
  gtk_text_view_set_right_margin (self->body_view, 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->body_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Text of the message"), -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->body_view));
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 160);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);
  gtk_widget_set_margin_top (frame, 12);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (text), frame);
  self->files_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->files_label, TRUE);
  gtk_label_set_xalign (self->files_label, 0);
  gtk_widget_set_margin_top (GTK_WIDGET (self->files_label), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->files_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->files_label), FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (text), GTK_WIDGET (self->files_label));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (top));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (what));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (text));
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);

  g_signal_connect_swapped (self->channel_row, "notify::selected",
                            G_CALLBACK (channel_changed_cb), self);
  g_signal_connect_swapped (self->template_row, "notify::selected",
                            G_CALLBACK (template_changed_cb), self);
}

static void
add_choice (GPtrArray     *ids,
            GtkStringList *names,
            const char    *id,
            const char    *name)
{
  g_ptr_array_add (ids, g_strdup (id));
  gtk_string_list_append (names, name != NULL && *name != '\0' ? name : "—");
}

CrmMessageDialog *
crm_message_dialog_new (GtkWindow  *parent,
                        CrmContext *context,
                        const char *deal_id,
                        const char *contact_id)
{
  CrmMessageDialog *self = g_object_new (CRM_TYPE_MESSAGE_DIALOG, "transient-for", parent, NULL);
  CrmStore *store = crm_context_get_store (context);
  g_autoptr(JsonNode) templates = NULL;
  guint deal_position = 0;

  self->context = g_object_ref (context);
  if (contact_id != NULL)
    {
      /* to this contact, about one of its deals (the newest first) */
      g_autoptr(JsonObject) contact = crm_store_dup_entity (store, "contact", contact_id);
      CrmCardFilter filter = { .contact_id = contact_id, .limit = 200 };
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) deals = crm_query_deal_cards (store, &filter, NULL, &error);

      if (deals == NULL)
        crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the contact's deals"),
                                    error);

      if (contact != NULL)
        add_choice (self->contact_ids, self->contact_names, contact_id,
                    json_object_get_string_member_with_default (contact, "name", ""));
      for (guint i = 0; deals != NULL && i < json_array_get_length (deals); i++)
        {
          JsonObject *card = json_array_get_object_element (deals, i);
          const char *id = json_object_get_string_member (card, "id");

          if (g_strcmp0 (id, deal_id) == 0)
            deal_position = i;
          add_choice (self->deal_ids, self->deal_names, id,
                      json_object_get_string_member_with_default (card, "title", ""));
        }
      gtk_widget_set_sensitive (GTK_WIDGET (self->to_row), FALSE);
    }
  else
    {
      /* about this deal, to one of its contacts */
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) deal = crm_query_deal (store, deal_id, &error);
      JsonArray *ids = deal != NULL ? json_object_get_array_member (deal, "contact_ids") : NULL;
      JsonArray *names = deal != NULL ? json_object_get_array_member (deal, "contacts") : NULL;

      if (deal == NULL)
        crm_widget_show_read_error (GTK_WIDGET (self), _("Could not read the deal"), error);

      if (deal != NULL)
        add_choice (self->deal_ids, self->deal_names, deal_id,
                    json_object_get_string_member_with_default (deal, "title", ""));
      for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
        add_choice (self->contact_ids, self->contact_names, json_array_get_string_element (ids, i),
                    json_array_get_string_element (names, i));
      gtk_widget_set_sensitive (GTK_WIDGET (self->deal_row), FALSE);
    }
  adw_combo_row_set_selected (self->deal_row, deal_position);

  templates = crm_message_template_list (store, NULL);
  for (guint i = 0; templates != NULL && i < json_array_get_length (json_node_get_array (templates)); i++)
    {
      JsonObject *item = json_array_get_object_element (json_node_get_array (templates), i);
      const char *name = json_object_get_string_member_with_default (item, "name", "");
      /* Translators: a message template in the list: its name and its channel */
      g_autofree char *label = g_strdup_printf (_("%s (%s)"), name,
                                                crm_message_channel_label (
                                                  json_object_get_string_member_with_default (item, "channel", "")));

      JsonArray *files = json_object_get_array_member (item, "attachments");
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint f = 0; files != NULL && f < json_array_get_length (files); f++)
        {
          JsonObject *file = json_array_get_object_element (files, f);
          g_autofree char *size = g_format_size ((guint64) json_object_get_int_member_with_default (
                                                   file, "size", 0));

          if (names->len > 0)
            g_string_append (names, ", ");
          g_string_append_printf (names, _("%s (%s)"),
                                  json_object_get_string_member_with_default (file, "name", ""),
                                  size);
        }
      g_ptr_array_add (self->template_names, g_strdup (name));
      g_ptr_array_add (self->template_files, names->len > 0 ? g_strdup (names->str) : NULL);
      gtk_string_list_append (self->template_labels, label);
    }
  adw_combo_row_set_selected (self->template_row, 0);
  template_changed_cb (self);
  channel_changed_cb (self);
  if (self->contact_ids->len == 0 || self->deal_ids->len == 0)
    send (self);   /* says at once what is missing */
  return self;
}
