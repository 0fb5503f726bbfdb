/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-template-dialog.c — editing message templates (crm-template-dialog.h). The fields are
 * written by core (crm_message_template_compose(): the checks `voronkactl message template
 * add` makes) and applied as the app's user; the files are the template's attachments,
 * shown and changed by the same «Files» group a deal has, bounded by
 * crm_message_template_check_file() as an e-mail is. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-attachment.h"
#include "crm-message.h"
#include "crm-template-dialog.h"
#include "crm-undo-actions.h"
#include "crm-widget-util.h"

struct _CrmTemplateDialog
{
  AdwWindow      parent_instance;

  CrmContext    *context;
  GPtrArray     *template_names;   /* [0] NULL: a new one */
  char          *template_id;      /* the one shown, NULL: a new one */
  char          *problem;
  gboolean       loading;

  GtkLabel      *message_label;
  AdwComboRow   *template_row;
  AdwEntryRow   *name_row;
  AdwComboRow   *channel_row;
  AdwEntryRow   *subject_row;
  GtkTextView   *body_view;
  GtkTextView   *html_view;
  GtkWidget     *html_group;
  GtkWidget     *remove_group;
  CrmFilesGroup *files_group;
  GtkStringList *template_labels;
};

G_DEFINE_FINAL_TYPE (CrmTemplateDialog, crm_template_dialog, ADW_TYPE_WINDOW)

/* The channels in the order of the «Channel» row. */
static const char *const channels[] = { "email", "sms", "telegram" };

static void
set_problem (CrmTemplateDialog *self,
             const char        *problem)
{
  crm_problem_label_set (self->message_label, &self->problem, problem);
}

const char *
crm_template_dialog_get_problem (CrmTemplateDialog *self)
{
  g_return_val_if_fail (CRM_IS_TEMPLATE_DIALOG (self), NULL);
  return self->problem;
}

CrmFilesGroup *
crm_template_dialog_get_files (CrmTemplateDialog *self)
{
  g_return_val_if_fail (CRM_IS_TEMPLATE_DIALOG (self), NULL);
  return self->files_group;
}

static const char *
selected_channel (CrmTemplateDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->channel_row);

  return channels[MIN (selected, G_N_ELEMENTS (channels) - 1)];
}

static char *
view_text (GtkTextView *view)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (view), &start, &end);
  return gtk_text_buffer_get_text (gtk_text_view_get_buffer (view), &start, &end, FALSE);
}

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

/* A subject, an HTML body and files only an e-mail has; files once the template is saved. */
static void
update_sensitivity (CrmTemplateDialog *self)
{
  gboolean email = g_str_equal (selected_channel (self), "email");

  gtk_widget_set_visible (GTK_WIDGET (self->subject_row), email);
  gtk_widget_set_visible (self->html_group, email);
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), email);
  gtk_widget_set_sensitive (GTK_WIDGET (self->files_group), self->template_id != NULL);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->files_group),
                                         self->template_id != NULL
                                         ? _("Every e-mail from this template carries these "
                                             "files, up to 10 MiB in all")
                                         : _("Save the template to attach files to it"));
  gtk_widget_set_visible (self->remove_group, self->template_id != NULL);
}

/* The name of the template shown, as saved (NULL: a new one). */
static const char *
shown_name (CrmTemplateDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->template_row);

  if (self->template_id == NULL || selected >= self->template_names->len)
    return NULL;
  return self->template_names->pdata[selected];
}

static void
fill_template_list (CrmTemplateDialog *self,
                    const char        *selected_name)
{
  g_autoptr(JsonNode) templates = crm_message_template_list (crm_context_get_store (self->context),
                                                             NULL);
  guint selected = 0;

  self->loading = TRUE;
  g_ptr_array_set_size (self->template_names, 0);
  g_ptr_array_add (self->template_names, NULL);
  gtk_string_list_splice (self->template_labels, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->template_labels)), NULL);
  gtk_string_list_append (self->template_labels, _("New Template"));
  for (guint i = 0; templates != NULL && i < json_array_get_length (json_node_get_array (templates)); i++)
    {
      JsonObject *item = json_array_get_object_element (json_node_get_array (templates), i);
      const char *name = json_object_get_string_member_with_default (item, "name", "");
      /* Translators: a message template in the list: its name and its channel */
      g_autofree char *label = g_strdup_printf (_("%s (%s)"), name,
                                                crm_message_channel_label (
                                                  json_object_get_string_member_with_default (item, "channel", "")));

      if (g_strcmp0 (name, selected_name) == 0)
        selected = self->template_names->len;
      g_ptr_array_add (self->template_names, g_strdup (name));
      gtk_string_list_append (self->template_labels, label);
    }
  adw_combo_row_set_selected (self->template_row, selected);
  self->loading = FALSE;
}

/* Shows the template @name (NULL: empty fields for a new one). */
static gboolean
show_template (CrmTemplateDialog *self,
               const char        *name)
{
  g_autoptr(JsonNode) templates = crm_message_template_list (crm_context_get_store (self->context),
                                                             NULL);
  JsonObject *found = NULL;

  for (guint i = 0; name != NULL && templates != NULL &&
                    i < json_array_get_length (json_node_get_array (templates)); i++)
    {
      JsonObject *item = json_array_get_object_element (json_node_get_array (templates), i);

      if (g_strcmp0 (json_object_get_string_member_with_default (item, "name", ""), name) == 0)
        found = item;
    }
  if (name != NULL && found == NULL)
    return FALSE;
  set_problem (self, NULL);
  g_clear_pointer (&self->template_id, g_free);
  if (found != NULL)
    self->template_id = g_strdup (json_object_get_string_member (found, "id"));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    if (g_strcmp0 (channels[i], found != NULL ? json_object_get_string_member_with_default (
                                                  found, "channel", "") : "email") == 0)
      adw_combo_row_set_selected (self->channel_row, i);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_row),
                         found != NULL ? json_object_get_string_member_with_default (found, "subject", "")
                                       : "");
  set_view_text (self->body_view,
                 found != NULL ? json_object_get_string_member_with_default (found, "body", "") : "");
  set_view_text (self->html_view,
                 found != NULL ? json_object_get_string_member_with_default (found, "html", "") : "");
  crm_files_group_set_target (self->files_group, self->context, "message_template",
                              self->template_id);
  update_sensitivity (self);
  return TRUE;
}

static void
template_changed_cb (CrmTemplateDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->template_row);

  if (self->loading)
    return;
  show_template (self, selected < self->template_names->len ? self->template_names->pdata[selected]
                                                            : NULL);
}

gboolean
crm_template_dialog_select (CrmTemplateDialog *self,
                            const char        *name)
{
  g_return_val_if_fail (CRM_IS_TEMPLATE_DIALOG (self), FALSE);

  for (guint i = 0; i < self->template_names->len; i++)
    if (g_strcmp0 (self->template_names->pdata[i], name) == 0)
      {
        adw_combo_row_set_selected (self->template_row, i);
        return show_template (self, name);
      }
  return FALSE;
}

void
crm_template_dialog_set_fields (CrmTemplateDialog *self,
                                const char        *name,
                                const char        *channel,
                                const char        *subject,
                                const char        *body,
                                const char        *html)
{
  g_return_if_fail (CRM_IS_TEMPLATE_DIALOG (self));

  if (name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  for (guint i = 0; channel != NULL && i < G_N_ELEMENTS (channels); i++)
    if (g_str_equal (channels[i], channel))
      adw_combo_row_set_selected (self->channel_row, i);
  if (subject != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_row), subject);
  if (body != NULL)
    set_view_text (self->body_view, body);
  if (html != NULL)
    set_view_text (self->html_view, html);
}

gboolean
crm_template_dialog_save (CrmTemplateDialog *self)
{
  CrmStore *store;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) files = NULL;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *html = NULL;
  g_autofree char *id = NULL;
  CrmTemplateSpec spec;
  g_autofree char *done = NULL;
  gboolean email;

  g_return_val_if_fail (CRM_IS_TEMPLATE_DIALOG (self), FALSE);

  store = crm_context_get_store (self->context);
  email = g_str_equal (selected_channel (self), "email");
  set_problem (self, NULL);
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  body = view_text (self->body_view);
  html = email ? g_strstrip (view_text (self->html_view)) : NULL;
  if (*name == '\0')
    {
      set_problem (self, _("Give the template a name"));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return FALSE;
    }
  stripped = g_strstrip (g_strdup (body));
  if (*stripped == '\0')
    {
      set_problem (self, _("Write the text of the template: it goes out as the plain text "
                           "of an e-mail, or as the SMS"));
      gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
      return FALSE;
    }
  /* the files it has stay (removing one is its row's) */
  if (self->template_id != NULL &&
      (files = crm_attachment_list (store, "message_template", self->template_id, &error)) == NULL)
    {
      set_problem (self, error->message);
      return FALSE;
    }
  for (guint i = 0; files != NULL && i < json_array_get_length (json_node_get_array (files)); i++)
    g_ptr_array_add (keep, g_strdup (json_object_get_string_member (
                                       json_array_get_object_element (json_node_get_array (files), i),
                                       "id")));
  g_ptr_array_add (keep, NULL);
  crm_changeset_set_actor (changeset, crm_context_get_user_id (self->context));
  spec = (CrmTemplateSpec) {
    .name = name,
    .channel = selected_channel (self),
    .subject = email ? gtk_editable_get_text (GTK_EDITABLE (self->subject_row)) : NULL,
    .body = body,
    .html = html,
    .keep = (const char *const *) keep->pdata,
    /* a saved template given a new name is renamed, with the rules that send it */
    .was = shown_name (self),
  };
  id = crm_message_template_compose (store, changeset, &spec, &error);
  if (id == NULL || !crm_context_apply (self->context, changeset, &error))
    {
      set_problem (self, error->message);
      return FALSE;
    }
  done = g_strdup_printf (_("Template «%s» saved"), name);
  crm_undo_toast_show_last (GTK_WIDGET (self), self->context, done);
  fill_template_list (self, name);
  show_template (self, name);
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  crm_template_dialog_save (CRM_TEMPLATE_DIALOG (widget));
}

gboolean
crm_template_dialog_remove (CrmTemplateDialog *self)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *done = NULL;

  g_return_val_if_fail (CRM_IS_TEMPLATE_DIALOG (self), FALSE);

  if ((name = g_strdup (shown_name (self))) == NULL)
    return FALSE;
  crm_changeset_set_actor (changeset, crm_context_get_user_id (self->context));
  if (!crm_message_template_remove (crm_context_get_store (self->context), changeset, name,
                                    &error) ||
      !crm_context_apply (self->context, changeset, &error))
    {
      set_problem (self, error->message);
      return FALSE;
    }
  done = g_strdup_printf (_("Template «%s» removed"), name);
  crm_undo_toast_show_last (GTK_WIDGET (self), self->context, done);
  fill_template_list (self, NULL);
  show_template (self, NULL);
  return TRUE;
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  crm_template_dialog_remove (CRM_TEMPLATE_DIALOG (widget));
}

static void
crm_template_dialog_finalize (GObject *object)
{
  CrmTemplateDialog *self = CRM_TEMPLATE_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->template_names, g_ptr_array_unref);
  g_clear_object (&self->template_labels);
  g_free (self->template_id);
  g_free (self->problem);
  G_OBJECT_CLASS (crm_template_dialog_parent_class)->finalize (object);
}

static void
crm_template_dialog_class_init (CrmTemplateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_template_dialog_finalize;
  gtk_widget_class_install_action (widget_class, "dialog.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "dialog.remove", NULL, remove_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "dialog.save", NULL);
}

/* A framed text view of @min_height for @group, read by screen readers as @label. */
static GtkTextView *
add_text_view (GtkWidget  *group,
               const char *label,
               int         min_height,
               gboolean    monospace)
{
  GtkTextView *view = GTK_TEXT_VIEW (gtk_text_view_new ());
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_text_view_set_wrap_mode (view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (view, 8);
  gtk_text_view_set_bottom_margin (view, 8);
  gtk_text_view_set_left_margin (view, 8);
  gtk_text_view_set_right_margin (view, 8);
  gtk_text_view_set_monospace (view, monospace);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (view));
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), min_height);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), frame);
  return view;
}

static void
crm_template_dialog_init (CrmTemplateDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *close = gtk_button_new_with_mnemonic (_("_Close"));
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *top = adw_preferences_group_new ();
  GtkWidget *text = adw_preferences_group_new ();
  GtkStringList *channel_names = gtk_string_list_new (NULL);
  GtkWidget *remove = gtk_button_new_with_mnemonic (_("_Remove Template"));

  self->template_names = g_ptr_array_new_with_free_func (g_free);
  self->template_labels = gtk_string_list_new (NULL);

  gtk_window_set_title (GTK_WINDOW (self), _("Message Templates"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 820);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (close), "dialog.cancel");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "dialog.save");
  gtk_widget_add_css_class (save, "suggested-action");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), close);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_box_append (GTK_BOX (box), header);

  self->message_label = crm_problem_label_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->message_label));

  self->template_row = crm_combo_row_new (_("_Template"), self->template_labels);
  self->name_row = crm_entry_row_new (_("_Name"));
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    gtk_string_list_append (channel_names, crm_message_channel_label (channels[i]));
  self->channel_row = crm_combo_row_new (_("C_hannel"), channel_names);
  g_object_unref (channel_names);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->template_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->name_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (top), GTK_WIDGET (self->channel_row));

  self->subject_row = crm_entry_row_new (_("_Subject"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (text), GTK_WIDGET (self->subject_row));
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (text), _("Text"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (text),
                                         _("Placeholders such as {contact.name} and "
                                           "{deal.number} are filled in when it is sent"));
  self->body_view = add_text_view (text, _("Text of the template"), 120, FALSE);
  gtk_widget_set_margin_top (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->body_view))), 12);

  self->html_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->html_group), _("HTML"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->html_group),
                                         _("The e-mail as a web page, in your own markup "
                                           "(up to 32 KiB); the values of placeholders are "
                                           "escaped. Empty: the text is sent as it is"));
  self->html_view = add_text_view (self->html_group, _("HTML of the template"), 140, TRUE);

  self->files_group = g_object_new (CRM_TYPE_FILES_GROUP, NULL);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->files_group), _("Attachments"));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (top));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (text));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->html_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->files_group));
  /* removing it: undone from the toast, refused while a rule sends it */
  self->remove_group = adw_preferences_group_new ();
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "dialog.remove");
  gtk_widget_add_css_class (remove, "destructive-action");
  gtk_widget_set_halign (remove, GTK_ALIGN_CENTER);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->remove_group), remove);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->remove_group));
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);

  g_signal_connect_swapped (self->channel_row, "notify::selected",
                            G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->template_row, "notify::selected",
                            G_CALLBACK (template_changed_cb), self);
}

CrmTemplateDialog *
crm_template_dialog_new (GtkWindow  *parent,
                         CrmContext *context,
                         const char *name)
{
  CrmTemplateDialog *self = g_object_new (CRM_TYPE_TEMPLATE_DIALOG, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  fill_template_list (self, name);
  if (!show_template (self, name))
    show_template (self, NULL);
  return self;
}
