/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participants-group.c — the participants of an event deal (crm-participants-group.h),
 * read with crm_participant_list() and written through core's crm_participant_*(): every
 * toggle is its own change set, and the page follows the replica's "changed". */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-entity-picker.h"
#include "crm-format.h"
#include "crm-participant.h"
#include "crm-participant-export.h"
#include "crm-participants-group.h"
#include "crm-report-export.h"
#include "crm-time.h"
#include "crm-undo.h"
#include "crm-undo-actions.h"
#include "crm-widget-util.h"

enum { COLUMN_PAID, COLUMN_GUESTS, COLUMN_ATTENDED, COLUMN_NPS, COLUMN_BADGE, N_COLUMNS };

struct _CrmParticipantsGroup
{
  AdwPreferencesGroup  parent_instance;

  CrmContext          *context;
  char                *deal_id;
  gboolean             updating;
  guint                n_participants;
  char                *totals_text;
  char                *focus_id;        /* the participant whose control had the focus */
  int                  focus_column;

  AdwEntryRow         *checkin_row;
  GtkLabel            *status_label;
  GtkListBox          *list;
  CrmEntityPicker     *picker;
  GtkSizeGroup        *columns[N_COLUMNS];
};

G_DEFINE_FINAL_TYPE (CrmParticipantsGroup, crm_participants_group, ADW_TYPE_PREFERENCES_GROUP)

static CrmStore *
store_of (CrmParticipantsGroup *self)
{
  return crm_context_get_store (self->context);
}

/* After a change set core wrote: every view follows. */
static void
written (CrmParticipantsGroup *self,
         const char           *toast)
{
  if (toast != NULL)
    {
      g_autofree char *change_set = crm_store_dup_last_change_set (store_of (self));

      crm_undo_toast_show (GTK_WIDGET (self), toast, change_set);
    }
  crm_context_notify_changed (self->context);
}

static void
set_value (CrmParticipantsGroup *self,
           GtkWidget            *widget,
           int                   column,
           int                   paid,
           int                   guests,
           int                   attended,
           int                   nps)
{
  const char *id = g_object_get_data (G_OBJECT (widget), "participant-id");
  g_autoptr(GError) error = NULL;

  if (self->updating || id == NULL)
    return;
  if (!crm_participant_set (store_of (self), id, paid, guests, attended, nps,
                            crm_context_get_user_id (self->context), &error))
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      crm_participants_group_reload (self);
      return;
    }
  /* the table is built anew: the focus comes back to this control */
  g_free (self->focus_id);
  self->focus_id = g_strdup (id);
  self->focus_column = column;
  written (self, NULL);
}

static void
paid_toggled_cb (GtkCheckButton       *button,
                 CrmParticipantsGroup *self)
{
  set_value (self, GTK_WIDGET (button), COLUMN_PAID, gtk_check_button_get_active (button),
             CRM_PARTICIPANT_UNSET, CRM_PARTICIPANT_UNSET, CRM_PARTICIPANT_UNSET);
}

static void
attended_toggled_cb (GtkCheckButton       *button,
                     CrmParticipantsGroup *self)
{
  set_value (self, GTK_WIDGET (button), COLUMN_ATTENDED, CRM_PARTICIPANT_UNSET,
             CRM_PARTICIPANT_UNSET, gtk_check_button_get_active (button), CRM_PARTICIPANT_UNSET);
}

static void
guests_changed_cb (GtkSpinButton        *spin,
                   CrmParticipantsGroup *self)
{
  set_value (self, GTK_WIDGET (spin), COLUMN_GUESTS, CRM_PARTICIPANT_UNSET,
             gtk_spin_button_get_value_as_int (spin), CRM_PARTICIPANT_UNSET, CRM_PARTICIPANT_UNSET);
}

static void
nps_selected_cb (GtkDropDown          *drop_down,
                 GParamSpec           *pspec,
                 CrmParticipantsGroup *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);

  /* item 0 is «—», no score: a score is never taken back by hand */
  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return;
  set_value (self, GTK_WIDGET (drop_down), COLUMN_NPS, CRM_PARTICIPANT_UNSET,
             CRM_PARTICIPANT_UNSET, CRM_PARTICIPANT_UNSET, (int) selected - 1);
}

/* ---- badges ---- */

static void
badge_chosen_cb (GtkNativeDialog      *chooser,
                 int                   response,
                 CrmParticipantsGroup *self)
{
  g_autofree char *id = g_strdup (g_object_get_data (G_OBJECT (chooser), "participant-id"));
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || self->context == NULL)
    return;
  if (g_file_peek_path (file) == NULL)
    {
      crm_widget_show_toast (GTK_WIDGET (self), _("Choose a folder on this computer"));
      return;
    }
  p = crm_participant_dup (store_of (self), id);
  if (p == NULL)
    return;
  if (!crm_participant_write_badge (p, g_file_peek_path (file), &error))
    crm_widget_show_toast (GTK_WIDGET (self), error->message);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Saved the badge of %s"),
                                               json_object_get_string_member (p, "name"));

      crm_widget_show_toast (GTK_WIDGET (self), text);
    }
}

static void
badge_clicked_cb (GtkButton            *button,
                  CrmParticipantsGroup *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *code = g_object_get_data (G_OBJECT (button), "code");
  g_autofree char *name = g_strdup_printf ("%s.png", code);
  GtkFileChooserNative *chooser;

  /* GtkFileDialog is GTK 4.10 */
  chooser = gtk_file_chooser_native_new (_("Save the Badge"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data_full (G_OBJECT (chooser), "participant-id",
                          g_strdup (g_object_get_data (G_OBJECT (button), "participant-id")), g_free);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (badge_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- the table ---- */

static GtkWidget *
cell_label (const char *text,
            gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.5);
  if (heading)
    gtk_widget_add_css_class (label, "caption-heading");
  return label;
}

static void
add_cell (CrmParticipantsGroup *self,
          GtkWidget            *box,
          GtkWidget            *cell,
          int                   column)
{
  gtk_widget_set_valign (cell, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (cell, GTK_ALIGN_CENTER);
  {
    /* each column as wide as its widest cell: a frame around every cell of a column */
    GtkWidget *slot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

    gtk_widget_set_hexpand (cell, TRUE);
    gtk_box_append (GTK_BOX (slot), cell);
    /* the name takes what is left: the columns line up from the right */
    gtk_widget_set_hexpand (slot, FALSE);
    gtk_size_group_add_widget (self->columns[column], slot);
    gtk_box_append (GTK_BOX (box), slot);
  }
}

static GtkWidget *
row_box (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  return box;
}

static GtkWidget *
name_cell (const char *name,
           const char *detail,
           gboolean    heading)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (name);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  if (heading)
    gtk_widget_add_css_class (title, "caption-heading");
  gtk_box_append (GTK_BOX (box), title);
  if (detail != NULL)
    {
      GtkWidget *sub = gtk_label_new (detail);

      gtk_label_set_xalign (GTK_LABEL (sub), 0);
      gtk_label_set_selectable (GTK_LABEL (sub), FALSE);
      gtk_widget_add_css_class (sub, "caption");
      gtk_widget_add_css_class (sub, "dim-label");
      gtk_widget_add_css_class (sub, "monospace");
      gtk_box_append (GTK_BOX (box), sub);
    }
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  return box;
}

static GtkWidget *
plain_row (GtkWidget *box)
{
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  return row;
}

static GtkWidget *
heading_row (CrmParticipantsGroup *self)
{
  GtkWidget *box = row_box ();

  gtk_box_append (GTK_BOX (box), name_cell (_("Participant"), NULL, TRUE));
  add_cell (self, box, cell_label (_("Paid"), TRUE), COLUMN_PAID);
  add_cell (self, box, cell_label (_("Guests"), TRUE), COLUMN_GUESTS);
  add_cell (self, box, cell_label (_("Attended"), TRUE), COLUMN_ATTENDED);
  add_cell (self, box, cell_label (_("NPS"), TRUE), COLUMN_NPS);
  add_cell (self, box, cell_label ("", TRUE), COLUMN_BADGE);
  return plain_row (box);
}

static void
tag_widget (GtkWidget  *widget,
            const char *id,
            const char *name,
            const char *what)
{
  g_autofree char *label = g_strdup_printf ("%s: %s", what, name);

  g_object_set_data_full (G_OBJECT (widget), "participant-id", g_strdup (id), g_free);
  gtk_widget_set_tooltip_text (widget, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GtkWidget *
participant_row (CrmParticipantsGroup *self,
                 JsonObject           *p,
                 GtkWidget           **out_widgets)
{
  const char *id = json_object_get_string_member (p, "id");
  const char *name = json_object_get_string_member_with_default (p, "name", "");
  const char *code = json_object_get_string_member (p, "code");
  const char *email = json_object_get_string_member_with_default (p, "email", NULL);
  g_autofree char *detail = email != NULL ? g_strdup_printf ("%s · %s", code, email) : g_strdup (code);
  GtkWidget *box = row_box ();
  GtkWidget *paid = gtk_check_button_new ();
  GtkWidget *guests = gtk_spin_button_new_with_range (0, 1000, 1);
  GtkWidget *attended = gtk_check_button_new ();
  GtkWidget *nps;
  GtkWidget *badge = gtk_button_new_from_icon_name ("printer-symbolic");
  GtkWidget *row;
  JsonNode *score = json_object_get_member (p, "nps");
  const char *scores[] = { "—", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", NULL };

  gtk_box_append (GTK_BOX (box), name_cell (name, detail, FALSE));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (paid), json_object_get_boolean_member (p, "paid"));
  tag_widget (paid, id, name, _("Paid"));
  g_signal_connect (paid, "toggled", G_CALLBACK (paid_toggled_cb), self);
  add_cell (self, box, paid, COLUMN_PAID);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (guests), (double) json_object_get_int_member (p, "guests"));
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (guests), TRUE);
  tag_widget (guests, id, name, _("Guests"));
  g_signal_connect (guests, "value-changed", G_CALLBACK (guests_changed_cb), self);
  add_cell (self, box, guests, COLUMN_GUESTS);

  gtk_check_button_set_active (GTK_CHECK_BUTTON (attended), json_object_get_boolean_member (p, "attended"));
  tag_widget (attended, id, name, _("Attended"));
  g_signal_connect (attended, "toggled", G_CALLBACK (attended_toggled_cb), self);
  add_cell (self, box, attended, COLUMN_ATTENDED);

  nps = gtk_drop_down_new_from_strings (scores);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (nps), score == NULL || json_node_is_null (score)
                                                   ? 0 : (guint) json_node_get_int (score) + 1);
  tag_widget (nps, id, name, _("NPS score (0–10), from a paper form"));
  g_signal_connect (nps, "notify::selected", G_CALLBACK (nps_selected_cb), self);
  add_cell (self, box, nps, COLUMN_NPS);

  gtk_widget_add_css_class (badge, "flat");
  tag_widget (badge, id, name, _("Save the badge with its QR code"));
  g_object_set_data_full (G_OBJECT (badge), "code", g_strdup (code), g_free);
  g_signal_connect (badge, "clicked", G_CALLBACK (badge_clicked_cb), self);
  add_cell (self, box, badge, COLUMN_BADGE);

  out_widgets[COLUMN_PAID] = paid;
  out_widgets[COLUMN_GUESTS] = guests;
  out_widgets[COLUMN_ATTENDED] = attended;
  out_widgets[COLUMN_NPS] = nps;
  out_widgets[COLUMN_BADGE] = badge;
  row = plain_row (box);
  g_object_set_data_full (G_OBJECT (row), "code", g_strdup (code), g_free);
  return row;
}

static GtkWidget *
totals_row (CrmParticipantsGroup *self,
            JsonObject           *totals)
{
  GtkWidget *box = row_box ();
  g_autofree char *all = g_strdup_printf (_("Total: %d"),
                                          (int) json_object_get_int_member (totals, "participants"));
  g_autofree char *paid = g_strdup_printf ("%d", (int) json_object_get_int_member (totals, "paid"));
  g_autofree char *guests = g_strdup_printf ("%d", (int) json_object_get_int_member (totals, "guests"));
  g_autofree char *attended = g_strdup_printf ("%d", (int) json_object_get_int_member (totals, "attended"));
  g_autofree char *nps = json_node_is_null (json_object_get_member (totals, "nps_score"))
                         ? g_strdup ("—")
                         : g_strdup_printf ("%d", (int) json_object_get_int_member (totals, "nps_score"));

  gtk_box_append (GTK_BOX (box), name_cell (all, NULL, TRUE));
  add_cell (self, box, cell_label (paid, TRUE), COLUMN_PAID);
  add_cell (self, box, cell_label (guests, TRUE), COLUMN_GUESTS);
  add_cell (self, box, cell_label (attended, TRUE), COLUMN_ATTENDED);
  add_cell (self, box, cell_label (nps, TRUE), COLUMN_NPS);
  add_cell (self, box, cell_label ("", TRUE), COLUMN_BADGE);
  return plain_row (box);
}

void
crm_participants_group_reload (CrmParticipantsGroup *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *focus_id = g_steal_pointer (&self->focus_id);
  GtkWidget *focus = NULL;
  JsonArray *participants;
  JsonObject *totals;

  g_return_if_fail (CRM_IS_PARTICIPANTS_GROUP (self));

  crm_list_box_remove_all (self->list);
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      g_clear_object (&self->columns[c]);
      self->columns[c] = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
    }
  self->n_participants = 0;
  g_clear_pointer (&self->totals_text, g_free);
  if (self->context == NULL || self->deal_id == NULL ||
      !crm_participant_check_event (store_of (self), self->deal_id, NULL))
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  list = crm_participant_list (store_of (self), self->deal_id, &error);
  if (list == NULL)
    {
      gtk_list_box_append (self->list,
                           crm_read_error_row_new (_("Could not read the participants"), error));
      return;
    }
  self->updating = TRUE;
  participants = json_object_get_array_member (json_node_get_object (list), "participants");
  totals = json_object_get_object_member (json_node_get_object (list), "totals");
  self->n_participants = json_array_get_length (participants);
  if (self->n_participants == 0)
    gtk_list_box_append (self->list,
                         crm_placeholder_row_new (_("No participants yet: «Add…» picks a contact, "
                                                    "who gets a badge code of their own")));
  else
    {
      gtk_list_box_append (self->list, heading_row (self));
      for (guint i = 0; i < self->n_participants; i++)
        {
          JsonObject *p = json_array_get_object_element (participants, i);
          GtkWidget *widgets[N_COLUMNS];

          gtk_list_box_append (self->list, participant_row (self, p, widgets));
          if (focus_id != NULL && g_str_equal (focus_id, json_object_get_string_member (p, "id")))
            focus = widgets[self->focus_column];
        }
      gtk_list_box_append (self->list, totals_row (self, totals));
    }
  /* Translators: the totals of an event's participants, under the group's title */
  self->totals_text = g_strdup_printf (_("Participants: %d · paid: %d · guests: %d · attended: %d"),
                                       (int) json_object_get_int_member (totals, "participants"),
                                       (int) json_object_get_int_member (totals, "paid"),
                                       (int) json_object_get_int_member (totals, "guests"),
                                       (int) json_object_get_int_member (totals, "attended"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), self->totals_text);
  self->updating = FALSE;
  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

void
crm_participants_group_set_deal (CrmParticipantsGroup *self,
                                 CrmContext           *context,
                                 const char           *deal_id)
{
  g_return_if_fail (CRM_IS_PARTICIPANTS_GROUP (self));

  if (context != self->context)
    {
      g_set_object (&self->context, context);
      crm_entity_picker_setup (self->picker, context, "contact");
    }
  if (g_strcmp0 (deal_id, self->deal_id) != 0)
    {
      g_free (self->deal_id);
      self->deal_id = g_strdup (deal_id);
      gtk_label_set_label (self->status_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
    }
  crm_participants_group_reload (self);
}

/* ---- adding ---- */

gboolean
crm_participants_group_add (CrmParticipantsGroup *self,
                            const char           *contact_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), FALSE);
  if (self->context == NULL || self->deal_id == NULL)
    return FALSE;
  id = crm_participant_add (store_of (self), self->deal_id, contact_id, CRM_PARTICIPANT_UNSET,
                            CRM_PARTICIPANT_UNSET, crm_context_get_user_id (self->context), &error);
  if (id == NULL)
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return FALSE;
    }
  p = crm_participant_dup (store_of (self), id);
  /* Translators: a toast after adding a participant to an event, with their badge code */
  text = g_strdup_printf (_("%s takes part, badge code %s"), json_object_get_string_member (p, "name"),
                          json_object_get_string_member (p, "code"));
  written (self, text);
  return TRUE;
}

static void
contact_picked_cb (CrmParticipantsGroup *self,
                   const char           *contact_id,
                   const char           *name)
{
  crm_participants_group_add (self, contact_id);
}

/* ---- check-in ---- */

static void
say (CrmParticipantsGroup *self,
     const char           *text,
     const char           *css_class)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), css_class);
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
}

gboolean
crm_participants_group_checkin (CrmParticipantsGroup *self,
                                const char           *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autofree char *text = NULL;
  CrmParticipantCheckin result;

  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), FALSE);
  if (self->context == NULL)
    return FALSE;
  if (!crm_participant_checkin (store_of (self), code, crm_context_get_user_id (self->context),
                                &result, &p, &error))
    {
      say (self, error->message, "error");
      return FALSE;
    }
  if (result == CRM_PARTICIPANT_ALREADY_CHECKED_IN)
    {
      gint64 at = 0;
      g_autofree char *when = NULL;

      if (!json_node_is_null (json_object_get_member (p, "attended_at")))
        crm_time_parse (json_object_get_string_member (p, "attended_at"), &at);
      when = crm_format_date_time (at);
      /* Translators: a badge scanned a second time: the participant and when they came */
      text = g_strdup_printf (_("%s was checked in already, %s: nothing changed"),
                              json_object_get_string_member (p, "name"), when);
      say (self, text, "warning");
      return TRUE;
    }
  /* Translators: a badge scanned at the entrance */
  text = g_strdup_printf (_("Checked in: %s"), json_object_get_string_member (p, "name"));
  say (self, text, "success");
  written (self, NULL);
  return TRUE;
}

static void
checkin_activated_cb (CrmParticipantsGroup *self)
{
  g_autofree char *code = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->checkin_row)));

  if (*g_strstrip (code) == '\0')
    return;
  crm_participants_group_checkin (self, code);
  /* ready for the next badge */
  gtk_editable_set_text (GTK_EDITABLE (self->checkin_row), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->checkin_row));
}

void
crm_participants_group_focus_checkin (CrmParticipantsGroup *self)
{
  g_return_if_fail (CRM_IS_PARTICIPANTS_GROUP (self));
  if (gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->checkin_row));
}

/* ---- files ---- */

gboolean
crm_participants_group_export (CrmParticipantsGroup  *self,
                               CrmParticipantsExport  what,
                               const char            *path,
                               GError               **error)
{
  g_autoptr(JsonNode) list = NULL;

  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), FALSE);
  list = crm_participant_list (store_of (self), self->deal_id, error);
  if (list == NULL)
    return FALSE;
  if (what == CRM_PARTICIPANTS_EXPORT_CERTIFICATES)
    return crm_participant_write_certificates (list, NULL, NULL, path, NULL, error);
  {
    g_autoptr(JsonNode) table = crm_participant_table (list);

    return crm_report_export (table, what == CRM_PARTICIPANTS_EXPORT_XLSX
                                     ? CRM_REPORT_FORMAT_XLSX : CRM_REPORT_FORMAT_CSV,
                              path, error);
  }
}

static void
export_chosen_cb (GtkNativeDialog      *chooser,
                  int                   response,
                  CrmParticipantsGroup *self)
{
  CrmParticipantsExport what = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "what"));
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || self->context == NULL)
    return;
  if (g_file_peek_path (file) == NULL)
    crm_widget_show_toast (GTK_WIDGET (self), _("Choose a folder on this computer"));
  else if (!crm_participants_group_export (self, what, g_file_peek_path (file), &error))
    crm_widget_show_toast (GTK_WIDGET (self), error->message);
  else
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *text = g_strdup_printf (_("Saved «%s»"), name);

      crm_widget_show_toast (GTK_WIDGET (self), text);
    }
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CrmParticipantsGroup *self = CRM_PARTICIPANTS_GROUP (widget);
  const char *kind = g_variant_get_string (parameter, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  CrmParticipantsExport what = CRM_PARTICIPANTS_EXPORT_XLSX;
  GtkFileChooserNative *chooser;
  const char *name = _("participants.xlsx");

  if (g_str_equal (kind, "csv"))
    {
      what = CRM_PARTICIPANTS_EXPORT_CSV;
      name = _("participants.csv");
    }
  else if (g_str_equal (kind, "certificates"))
    {
      what = CRM_PARTICIPANTS_EXPORT_CERTIFICATES;
      name = _("certificates.pdf");
    }
  if (self->context == NULL)
    return;
  chooser = gtk_file_chooser_native_new (what == CRM_PARTICIPANTS_EXPORT_CERTIFICATES
                                         ? _("Save the Certificates") : _("Save the Participants"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data (G_OBJECT (chooser), "what", GINT_TO_POINTER (what));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- NPS by e-mail ---- */

guint
crm_participants_group_ask_nps (CrmParticipantsGroup *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *text = NULL;
  guint n;

  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), 0);
  if (self->context == NULL || self->deal_id == NULL)
    return 0;
  if (!crm_participant_ask_nps (store_of (self), self->deal_id, NULL, NULL,
                                crm_context_get_user_id (self->context), &result, &error))
    {
      crm_widget_show_toast (GTK_WIDGET (self), error->message);
      return 0;
    }
  n = json_array_get_length (json_object_get_array_member (json_node_get_object (result), "sent"));
  text = g_strdup_printf (ngettext ("Queued %u e-mail asking for a score (0–10)",
                                    "Queued %u e-mails asking for a score (0–10)", n), n);
  written (self, text);
  return n;
}

static void
ask_nps_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  crm_participants_group_ask_nps (CRM_PARTICIPANTS_GROUP (widget));
}

/* ---- for tests ---- */

GtkWidget *
crm_participants_group_get_checkin_entry (CrmParticipantsGroup *self)
{
  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), NULL);
  return GTK_WIDGET (self->checkin_row);
}

const char *
crm_participants_group_get_checkin_status (CrmParticipantsGroup *self)
{
  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), NULL);
  return gtk_label_get_label (self->status_label);
}

const char *
crm_participants_group_get_totals_text (CrmParticipantsGroup *self)
{
  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), NULL);
  return self->totals_text;
}

guint
crm_participants_group_get_n_participants (CrmParticipantsGroup *self)
{
  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), 0);
  return self->n_participants;
}

GtkWidget *
crm_participants_group_find_row (CrmParticipantsGroup *self,
                                 const char           *code)
{
  g_return_val_if_fail (CRM_IS_PARTICIPANTS_GROUP (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "code"), code) == 0)
      return row;
  return NULL;
}

/* ---- the object ---- */

static void
crm_participants_group_dispose (GObject *object)
{
  CrmParticipantsGroup *self = CRM_PARTICIPANTS_GROUP (object);

  g_clear_object (&self->context);
  for (guint c = 0; c < N_COLUMNS; c++)
    g_clear_object (&self->columns[c]);
  G_OBJECT_CLASS (crm_participants_group_parent_class)->dispose (object);
}

static void
crm_participants_group_finalize (GObject *object)
{
  CrmParticipantsGroup *self = CRM_PARTICIPANTS_GROUP (object);

  g_free (self->deal_id);
  g_free (self->totals_text);
  g_free (self->focus_id);
  G_OBJECT_CLASS (crm_participants_group_parent_class)->finalize (object);
}

static void
crm_participants_group_class_init (CrmParticipantsGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_participants_group_dispose;
  object_class->finalize = crm_participants_group_finalize;
  gtk_widget_class_install_action (widget_class, "participants.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "participants.ask-nps", NULL, ask_nps_action);
}

static void
crm_participants_group_init (CrmParticipantsGroup *self)
{
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *add = gtk_menu_button_new ();
  GtkWidget *save = gtk_menu_button_new ();
  GtkWidget *checkin_list = gtk_list_box_new ();
  g_autoptr(GMenu) menu = g_menu_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Participants"));

  self->picker = g_object_new (CRM_TYPE_ENTITY_PICKER, NULL);
  g_signal_connect_swapped (self->picker, "picked", G_CALLBACK (contact_picked_cb), self);
  gtk_menu_button_set_label (GTK_MENU_BUTTON (add), _("_Add…"));
  gtk_menu_button_set_use_underline (GTK_MENU_BUTTON (add), TRUE);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (add), GTK_WIDGET (self->picker));
  gtk_widget_set_tooltip_text (add, _("Add a contact to the participants"));
  gtk_widget_add_css_class (add, "flat");

  g_menu_append (menu, _("Participants as a Spreadsheet (XLSX)…"), "participants.export::xlsx");
  g_menu_append (menu, _("Participants as CSV…"), "participants.export::csv");
  g_menu_append (menu, _("Thank-You Certificates (PDF)…"), "participants.export::certificates");
  g_menu_append (menu, _("Ask Those Who Came for a Score by E-mail"), "participants.ask-nps");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (save), G_MENU_MODEL (menu));
  gtk_menu_button_set_label (GTK_MENU_BUTTON (save), _("_Export"));
  gtk_menu_button_set_use_underline (GTK_MENU_BUTTON (save), TRUE);
  gtk_widget_set_tooltip_text (save, _("The list as a spreadsheet, or certificates for those who came"));
  gtk_widget_add_css_class (save, "flat");
  gtk_box_append (GTK_BOX (buttons), add);
  gtk_box_append (GTK_BOX (buttons), save);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), buttons);

  /* the check-in entry: a scanner types the code and Enter */
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (checkin_list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (checkin_list, "boxed-list");
  self->checkin_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->checkin_row),
                                 _("Check in: type or scan the badge code (Ctrl+K)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->checkin_row),
                               _("A scanner types the code and Enter; the same badge twice "
                                 "changes nothing"));
  g_signal_connect_swapped (self->checkin_row, "entry-activated",
                            G_CALLBACK (checkin_activated_cb), self);
  gtk_list_box_append (GTK_LIST_BOX (checkin_list), GTK_WIDGET (self->checkin_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), checkin_list);

  self->status_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->status_label), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->status_label), 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self->status_label), 12);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Check-in result"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->status_label));

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (self->list));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
