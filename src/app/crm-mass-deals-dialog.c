/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mass-deals-dialog.c — «Создать сделки…» (S4-3): the deal template for a list of
 * companies, built by core (crm_mass_deals_build) and written in one change set through
 * the context, so the toast's «Undo» takes every deal back; then the deals made, each row
 * opening its card in the main window. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-field-editor.h"
#include "crm-format.h"
#include "crm-mass-deals.h"
#include "crm-mass-deals-dialog.h"
#include "crm-query-board.h"
#include "crm-tag-chips.h"
#include "crm-undo-actions.h"
#include "crm-widget-util.h"

/* The deals made are listed up to this many; the rest are on the board. */
#define MAX_DONE_ROWS 100

struct _CrmMassDealsDialog
{
  AdwWindow            parent_instance;

  CrmContext          *context;
  GPtrArray           *company_ids;     /* distinct, NULL-terminated */
  char                *list_name;
  GPtrArray           *pipeline_ids;
  GPtrArray           *stage_ids;
  GPtrArray           *tag_ids;         /* chosen tags */
  GPtrArray           *field_rows;
  GPtrArray           *field_editors;   /* the CrmFieldEditor of each field row */
  GPtrArray           *deal_ids;        /* after a create */
  gboolean             updating;

  GtkStack            *stack;
  GtkWidget           *create_button;
  GtkWidget           *cancel_button;
  GtkWidget           *close_button;
  GtkLabel            *summary_label;
  GtkLabel            *message_label;
  AdwPreferencesGroup *deals_group;
  AdwEntryRow         *title_row;
  AdwActionRow        *example_row;
  AdwEntryRow         *amount_row;
  AdwComboRow         *pipeline_row;
  GtkStringList       *pipeline_names;
  AdwComboRow         *stage_row;
  GtkStringList       *stage_names;
  AdwPreferencesGroup *fields_group;
  CrmTagChips         *tag_chips;
  AdwPreferencesGroup *done_group;
};

G_DEFINE_FINAL_TYPE (CrmMassDealsDialog, crm_mass_deals_dialog, ADW_TYPE_WINDOW)

static void
set_message (CrmMassDealsDialog *self,
             const char         *message)
{
  crm_problem_label_set (self->message_label, NULL, message);
}

static const char *
selected_id (GPtrArray   *ids,
             AdwComboRow *row)
{
  guint selected = adw_combo_row_get_selected (row);

  return selected < ids->len ? g_ptr_array_index (ids, selected) : NULL;
}

/* ---- the title pattern's example ---- */

static void
update_example (CrmMassDealsDialog *self)
{
  g_autoptr(JsonObject) company = NULL;
  g_autofree char *title = NULL;

  /* a refusal said is about what was typed before */
  set_message (self, NULL);
  if (self->company_ids->len > 1)
    company = crm_store_dup_entity (crm_context_get_store (self->context), "company",
                                    g_ptr_array_index (self->company_ids, 0));
  title = crm_mass_deals_title (gtk_editable_get_text (GTK_EDITABLE (self->title_row)), company);
  /* Translators: the example row of «Create Deals» when the title makes nothing yet */
  adw_action_row_set_subtitle (self->example_row, *title != '\0' ? title : _("(empty)"));
}

/* ---- the pipeline's stages and fields ---- */

static gboolean
required_in_pipeline (JsonObject *field,
                      GPtrArray  *stage_ids)
{
  JsonNode *node = json_object_get_member (field, "required_stages");
  JsonArray *stages = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      const char *stage = json_array_get_string_element (stages, i);

      if (stage != NULL && g_ptr_array_find_with_equal_func (stage_ids, stage, g_str_equal, NULL))
        return TRUE;
    }
  return FALSE;
}

/* The deal's date fields (an event's date) and the fields a stage of the pipeline
 * requires (the guest count the event rule waits for), each with its editor. */
static void
fill_fields (CrmMassDealsDialog *self,
             JsonArray          *stages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) fields = crm_query_fields (crm_context_get_store (self->context), "deal",
                                                  &error);
  g_autoptr(GPtrArray) all_stages = g_ptr_array_new ();

  crm_preferences_group_remove_rows (self->fields_group, self->field_rows);
  g_ptr_array_set_size (self->field_editors, 0);
  if (fields == NULL)
    {
      GtkWidget *row = crm_read_error_row_new (_("Could not read the deal's fields"), error);

      adw_preferences_group_add (self->fields_group, row);
      g_ptr_array_add (self->field_rows, row);
      gtk_widget_set_visible (GTK_WIDGET (self->fields_group), TRUE);
      return;
    }
  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    g_ptr_array_add (all_stages, (gpointer) json_object_get_string_member_with_default (
      json_array_get_object_element (stages, i), "id", ""));
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *key = json_object_get_string_member_with_default (field, "key", "");
      const char *type = json_object_get_string_member_with_default (field, "type", "");
      GtkWidget *row;
      GtkWidget *editor;

      if (json_object_get_boolean_member_with_default (field, "hidden", FALSE) ||
          g_str_equal (key, "payer") || g_str_equal (type, "companies") ||
          (!g_str_equal (type, "date") && !required_in_pipeline (field, all_stages)))
        continue;
      row = adw_action_row_new ();
      editor = crm_field_editor_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     json_object_get_string_member_with_default (field, "label", key));
      crm_field_editor_set_field (CRM_FIELD_EDITOR (editor), field, NULL);
      gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), editor);
      adw_preferences_group_add (self->fields_group, row);
      g_ptr_array_add (self->field_rows, row);
      g_ptr_array_add (self->field_editors, editor);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), self->field_rows->len > 0);
}

static void
fill_stages (CrmMassDealsDialog *self)
{
  const char *pipeline_id = selected_id (self->pipeline_ids, self->pipeline_row);
  JsonObject *pipeline = pipeline_id != NULL ? crm_context_find_pipeline (self->context, pipeline_id)
                                             : NULL;

  /* new deals start open; the rules close them (an event held today) */
  crm_fill_open_stages (self->stage_names, self->stage_ids, pipeline);
  adw_combo_row_set_selected (self->stage_row, 0);
  fill_fields (self, pipeline != NULL ? json_object_get_array_member (pipeline, "stages") : NULL);
}

static void
pipeline_selected_cb (CrmMassDealsDialog *self)
{
  if (!self->updating)
    fill_stages (self);
}

static void
tag_toggled_cb (CrmMassDealsDialog *self,
                const char         *tag_id)
{
  crm_tag_chips_toggle_choice (self->tag_chips, self->tag_ids, tag_id);
}

/* ---- the deals made ---- */

static void
done_row_activated_cb (AdwActionRow       *row,
                       CrmMassDealsDialog *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  const char *deal_id = g_object_get_data (G_OBJECT (row), "deal-id");

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-deal", "s", deal_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
show_done (CrmMassDealsDialog *self)
{
  CrmStore *store = crm_context_get_store (self->context);
  guint n = self->deal_ids->len;
  g_autofree char *title = NULL;
  GtkWidget *first = NULL;

  /* Translators: the heading of «Create Deals» once they are made */
  title = g_strdup_printf (ngettext ("Created %u Deal", "Created %u Deals", n), n);
  adw_preferences_group_set_title (self->done_group, title);
  for (guint i = 0; i < n && i < MAX_DONE_ROWS; i++)
    {
      const char *id = g_ptr_array_index (self->deal_ids, i);
      g_autoptr(JsonObject) deal = crm_store_dup_entity (store, "deal", id);
      JsonObject *stage = NULL;
      GtkWidget *row;

      if (deal == NULL)
        continue;
      stage = crm_context_find_stage (self->context,
                                      json_object_get_string_member_with_default (deal, "stage", ""),
                                      NULL);
      row = crm_text_row_new (json_object_get_string_member_with_default (deal, "title", ""),
                              stage != NULL ? json_object_get_string_member_with_default (stage, "name", "")
                                            : NULL);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data_full (G_OBJECT (row), "deal-id", g_strdup (id), g_free);
      g_signal_connect (row, "activated", G_CALLBACK (done_row_activated_cb), self);
      adw_preferences_group_add (self->done_group, row);
      if (first == NULL)
        first = row;
    }
  if (n > MAX_DONE_ROWS)
    {
      /* Translators: under the first 100 deals made: «…и ещё 250 — на доске» */
      g_autofree char *more = g_strdup_printf (ngettext ("…and %u more on the board",
                                                         "…and %u more on the board",
                                                         n - MAX_DONE_ROWS), n - MAX_DONE_ROWS);

      adw_preferences_group_add (self->done_group, crm_placeholder_row_new (more));
    }
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_set_visible (self->create_button, FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->close_button, TRUE);
  gtk_window_set_title (GTK_WINDOW (self), _("Deals Created"));
  gtk_window_set_default_widget (GTK_WINDOW (self), self->close_button);
  gtk_widget_grab_focus (first != NULL ? first : self->close_button);
}

/* ---- create ---- */

gboolean
crm_mass_deals_dialog_create (CrmMassDealsDialog *self)
{
  g_autofree char *amount = NULL;
  g_autoptr(CrmChangeset) values = crm_changeset_new ();
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(GPtrArray) deal_ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CrmChange *fields = crm_changeset_touch (values, "deal", "fields");
  CrmMassDeals spec = { 0 };
  GtkWindow *parent;

  g_return_val_if_fail (CRM_IS_MASS_DEALS_DIALOG (self), FALSE);
  g_return_val_if_fail (self->deal_ids == NULL, FALSE);

  amount = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->amount_row))));
  if (*amount != '\0' && !crm_parse_money_input (amount, &spec.amount))
    {
      set_message (self, _("The amount is not a number; write it like 5 200 000"));
      return FALSE;
    }
  spec.has_amount = *amount != '\0';
  spec.pipeline_id = selected_id (self->pipeline_ids, self->pipeline_row);
  spec.stage_id = selected_id (self->stage_ids, self->stage_row);
  if (spec.pipeline_id == NULL || spec.stage_id == NULL)
    {
      set_message (self, _("Choose a pipeline and a stage"));
      return FALSE;
    }
  for (guint i = 0; i < self->field_editors->len; i++)
    {
      CrmFieldEditor *editor = g_ptr_array_index (self->field_editors, i);

      if (crm_field_editor_is_empty (editor))
        continue;
      if (!crm_field_editor_apply_to_change (editor, fields, &error))
        {
          set_message (self, error->message);
          return FALSE;
        }
    }
  spec.title = gtk_editable_get_text (GTK_EDITABLE (self->title_row));
  /* Translators: what the errors about the title pattern of «Create Deals» start with */
  spec.title_place = C_("mass deals", "Title");
  g_ptr_array_add (self->tag_ids, NULL);
  spec.tag_ids = (const char * const *) self->tag_ids->pdata;
  spec.fields = fields->fields;
  changeset = crm_mass_deals_build (crm_context_get_store (self->context), &spec,
                                    crm_context_get_user_id (self->context),
                                    (const char * const *) self->company_ids->pdata, &deal_ids,
                                    &error);
  g_ptr_array_set_size (self->tag_ids, self->tag_ids->len - 1);
  /* gates (a field the stage requires) and rights are the write path's, in its words */
  if (changeset == NULL || !crm_context_apply (self->context, changeset, &error))
    {
      set_message (self, error->message);
      return FALSE;
    }
  set_message (self, NULL);
  self->deal_ids = g_steal_pointer (&deal_ids);
  /* Translators: a toast with «Undo» after «Create Deals» */
  text = g_strdup_printf (ngettext ("Created %u deal", "Created %u deals", self->deal_ids->len),
                          self->deal_ids->len);
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  crm_undo_toast_show_last (parent != NULL ? GTK_WIDGET (parent) : GTK_WIDGET (self),
                            self->context, text);
  show_done (self);
  return TRUE;
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmMassDealsDialog *self = CRM_MASS_DEALS_DIALOG (widget);

  if (self->deal_ids == NULL)
    crm_mass_deals_dialog_create (self);
}

/* ---- the widgets ---- */

static GtkWidget *
header_button (const char *label,
               const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  return button;
}

/* Enter in it creates the deals (the default button) */
static AdwEntryRow *
entry_row (const char *title)
{
  AdwEntryRow *row = crm_entry_row_new (title);

  adw_entry_row_set_activates_default (row, TRUE);
  return row;
}

static void
build (CrmMassDealsDialog *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *form = adw_preferences_page_new ();
  GtkWidget *done = adw_preferences_page_new ();
  AdwPreferencesGroup *top = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *where = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *tags = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  self->cancel_button = header_button (_("_Cancel"), "dialog.cancel");
  self->create_button = header_button (_("C_reate"), "dialog.create");
  self->close_button = header_button (_("_Close"), "dialog.cancel");
  gtk_widget_add_css_class (self->create_button, "suggested-action");
  gtk_widget_add_css_class (self->close_button, "suggested-action");
  gtk_widget_set_visible (self->close_button, FALSE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->cancel_button);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->create_button);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->close_button);
  gtk_box_append (GTK_BOX (toolbar), header);

  /* the summary, and what went wrong */
  self->summary_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  adw_preferences_group_add (top, GTK_WIDGET (self->summary_label));
  self->message_label = crm_problem_label_new ();
  adw_preferences_group_add (top, GTK_WIDGET (self->message_label));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form), top);

  /* the title pattern, its example, the amount */
  self->deals_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  /* Translators: under the title pattern of «Create Deals»; keep {company} and {inn} */
  adw_preferences_group_set_description (self->deals_group,
                                         _("In the title, {company} becomes each company's "
                                           "name and {inn} its INN, e.g. «Seminar on 20 March: "
                                           "{company}»."));
  self->title_row = entry_row (_("_Title pattern"));
  g_signal_connect_swapped (self->title_row, "changed", G_CALLBACK (update_example), self);
  self->example_row = ADW_ACTION_ROW (crm_text_row_new (_("First deal"), NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->example_row), "property");
  self->amount_row = entry_row (_("_Amount of each deal, ₽"));
  adw_entry_row_set_input_purpose (self->amount_row, GTK_INPUT_PURPOSE_NUMBER);
  adw_preferences_group_add (self->deals_group, GTK_WIDGET (self->title_row));
  adw_preferences_group_add (self->deals_group, GTK_WIDGET (self->example_row));
  adw_preferences_group_add (self->deals_group, GTK_WIDGET (self->amount_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form), self->deals_group);

  /* where they go, and their fields */
  self->pipeline_names = gtk_string_list_new (NULL);
  self->stage_names = gtk_string_list_new (NULL);
  self->pipeline_row = crm_combo_row_new (_("_Pipeline"), self->pipeline_names);
  self->stage_row = crm_combo_row_new (_("_Stage"), self->stage_names);
  g_signal_connect_swapped (self->pipeline_row, "notify::selected", G_CALLBACK (pipeline_selected_cb), self);
  adw_preferences_group_add (where, GTK_WIDGET (self->pipeline_row));
  adw_preferences_group_add (where, GTK_WIDGET (self->stage_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form), where);
  self->fields_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->fields_group, _("Fields of Each Deal"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form), self->fields_group);

  adw_preferences_group_set_title (tags, _("Tags"));
  self->tag_chips = CRM_TAG_CHIPS (crm_tag_chips_new ());
  g_signal_connect_swapped (self->tag_chips, "tag-toggled", G_CALLBACK (tag_toggled_cb), self);
  adw_preferences_group_add (tags, GTK_WIDGET (self->tag_chips));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (form), tags);

  /* the deals made */
  self->done_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_description (self->done_group,
                                         _("«Undo» in the main window takes them all back. "
                                           "Open a deal to work on it."));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (done), self->done_group);

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, form, "form");
  gtk_stack_add_named (self->stack, done, "done");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), toolbar);
}

static void
crm_mass_deals_dialog_finalize (GObject *object)
{
  CrmMassDealsDialog *self = CRM_MASS_DEALS_DIALOG (object);

  g_clear_object (&self->context);
  g_clear_object (&self->pipeline_names);
  g_clear_object (&self->stage_names);
  g_clear_pointer (&self->company_ids, g_ptr_array_unref);
  g_clear_pointer (&self->list_name, g_free);
  g_clear_pointer (&self->pipeline_ids, g_ptr_array_unref);
  g_clear_pointer (&self->stage_ids, g_ptr_array_unref);
  g_clear_pointer (&self->tag_ids, g_ptr_array_unref);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);
  g_clear_pointer (&self->field_editors, g_ptr_array_unref);
  g_clear_pointer (&self->deal_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (crm_mass_deals_dialog_parent_class)->finalize (object);
}

static void
crm_mass_deals_dialog_class_init (CrmMassDealsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = crm_mass_deals_dialog_finalize;
  gtk_widget_class_install_action (widget_class, "dialog.create", NULL, create_action);
  crm_window_class_install_cancel (widget_class, "dialog.cancel");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.create", NULL);
}

static void
crm_mass_deals_dialog_init (CrmMassDealsDialog *self)
{
  self->company_ids = g_ptr_array_new_with_free_func (g_free);
  self->pipeline_ids = g_ptr_array_new_with_free_func (g_free);
  self->stage_ids = g_ptr_array_new_with_free_func (g_free);
  self->tag_ids = g_ptr_array_new_with_free_func (g_free);
  self->field_rows = g_ptr_array_new ();
  self->field_editors = g_ptr_array_new ();
  build (self);
}

CrmMassDealsDialog *
crm_mass_deals_dialog_new (GtkWindow          *parent,
                           CrmContext         *context,
                           const char * const *company_ids,
                           const char         *list_name,
                           gboolean            selected)
{
  CrmMassDealsDialog *self;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *summary = NULL;
  JsonArray *pipelines;
  guint n;

  g_return_val_if_fail (CRM_IS_CONTEXT (context), NULL);

  self = g_object_new (CRM_TYPE_MASS_DEALS_DIALOG, "transient-for", parent, "modal", TRUE,
                       "destroy-with-parent", TRUE, "title", _("Create Deals"),
                       "default-width", 560, "default-height", 760, NULL);
  self->context = g_object_ref (context);
  self->list_name = g_strdup (list_name);
  for (guint i = 0; company_ids != NULL && company_ids[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) company_ids[i]))
      g_ptr_array_add (self->company_ids, g_strdup (company_ids[i]));
  n = self->company_ids->len;
  g_ptr_array_add (self->company_ids, NULL);

  if (list_name != NULL)
    /* Translators: the description of «Create Deals» on a saved list, «Крупные» */
    summary = g_strdup_printf (ngettext ("%u deal will be made, one for each company of «%s»; "
                                         "each gets its company's responsible.",
                                         "%u deals will be made, one for each company of «%s»; "
                                         "each gets its company's responsible.", n), n, list_name);
  else if (selected)
    /* Translators: the description of «Create Deals» on the companies selected in the list */
    summary = g_strdup_printf (ngettext ("%lld deal will be made, one for each company "
                                         "selected; each gets its company's responsible.",
                                         "%lld deals will be made, one for each company "
                                         "selected; each gets its company's responsible.", n),
                               (long long) n);
  else
    /* Translators: the description of «Create Deals» on the companies a filter found */
    summary = g_strdup_printf (ngettext ("%u deal will be made, one for each company found; "
                                         "each gets its company's responsible.",
                                         "%u deals will be made, one for each company found; "
                                         "each gets its company's responsible.", n), n);
  gtk_label_set_label (self->summary_label, summary);

  self->updating = TRUE;
  pipelines = crm_context_get_pipelines (context);
  for (guint i = 0; pipelines != NULL && i < json_array_get_length (pipelines); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (pipelines, i);

      if (json_object_get_boolean_member_with_default (pipeline, "archived", FALSE))
        continue;
      g_ptr_array_add (self->pipeline_ids, g_strdup (json_object_get_string_member (pipeline, "id")));
      gtk_string_list_append (self->pipeline_names, json_object_get_string_member (pipeline, "name"));
    }
  adw_combo_row_set_selected (self->pipeline_row, 0);
  self->updating = FALSE;
  fill_stages (self);
  crm_tag_chips_set_tags (self->tag_chips, crm_context_get_tags (context));
  update_example (self);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->create_button);
  gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
  return self;
}

guint
crm_mass_deals_dialog_get_n_deals (CrmMassDealsDialog *self)
{
  g_return_val_if_fail (CRM_IS_MASS_DEALS_DIALOG (self), 0);
  return self->company_ids->len - 1;
}

GPtrArray *
crm_mass_deals_dialog_get_deal_ids (CrmMassDealsDialog *self)
{
  g_return_val_if_fail (CRM_IS_MASS_DEALS_DIALOG (self), NULL);
  return self->deal_ids;
}

const char *
crm_mass_deals_dialog_get_message (CrmMassDealsDialog *self)
{
  g_return_val_if_fail (CRM_IS_MASS_DEALS_DIALOG (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
         ? gtk_label_get_label (self->message_label) : NULL;
}
