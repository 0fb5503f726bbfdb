/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-note-box.c — a note written on a page (crm-note-box.h). The note is a `note`
 * entity; where it shows (the deal's history) is the page's business. */
#define G_LOG_DOMAIN "voronka-app"

#include "config.h"

#include <glib/gi18n.h>

#include "crm-deal-actions.h"
#include "crm-note-box.h"

struct _CrmNoteBox
{
  GtkWidget    parent_instance;

  CrmContext  *context;
  char        *entity;
  char        *entity_id;

  GtkTextView *note_view;
  GtkWidget   *note_hint;
};

G_DEFINE_FINAL_TYPE (CrmNoteBox, crm_note_box, GTK_TYPE_WIDGET)

void
crm_note_box_set_target (CrmNoteBox *self,
                         CrmContext *context,
                         const char *entity,
                         const char *entity_id)
{
  g_return_if_fail (CRM_IS_NOTE_BOX (self));

  g_set_object (&self->context, context);
  g_free (self->entity);
  self->entity = g_strdup (entity);
  g_free (self->entity_id);
  self->entity_id = g_strdup (entity_id);
}

gboolean
crm_note_box_add (CrmNoteBox *self,
                  const char *text)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *id = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_NOTE_BOX (self), FALSE);

  if (*stripped == '\0' || self->context == NULL || self->entity_id == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->note_view));
      return FALSE;
    }
  id = crm_context_new_id (self->context);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "note", id);
  crm_change_set_string (change, "entity", self->entity);
  crm_change_set_string (change, "entity_id", self->entity_id);
  crm_change_set_string (change, "text", stripped);
  if (crm_context_get_user_id (self->context) != NULL)
    crm_change_set_string (change, "author", crm_context_get_user_id (self->context));
  crm_change_set_int (change, "created_at", crm_context_now (self->context));
  if (!crm_apply_or_ask (GTK_WIDGET (self), self->context, changeset, _("Note added"), NULL))
    return FALSE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->note_view), "", -1);
  return TRUE;
}

gboolean
crm_note_box_add_typed (CrmNoteBox *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CRM_IS_NOTE_BOX (self), FALSE);

  buffer = gtk_text_view_get_buffer (self->note_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return crm_note_box_add (self, text);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  crm_note_box_add_typed (CRM_NOTE_BOX (widget));
}

static void
note_changed_cb (CrmNoteBox *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->note_view);

  gtk_widget_set_visible (self->note_hint, gtk_text_buffer_get_char_count (buffer) == 0);
}

static void
crm_note_box_dispose (GObject *object)
{
  CrmNoteBox *self = CRM_NOTE_BOX (object);
  GtkWidget *child;

  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), CRM_TYPE_NOTE_BOX);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (crm_note_box_parent_class)->dispose (object);
}

static void
crm_note_box_finalize (GObject *object)
{
  CrmNoteBox *self = CRM_NOTE_BOX (object);

  g_free (self->entity);
  g_free (self->entity_id);
  G_OBJECT_CLASS (crm_note_box_parent_class)->finalize (object);
}

static void
crm_note_box_class_init (CrmNoteBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = crm_note_box_dispose;
  object_class->finalize = crm_note_box_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/voronka/Voronka/crm-note-box.ui");
  gtk_widget_class_bind_template_child (widget_class, CrmNoteBox, note_view);
  gtk_widget_class_bind_template_child (widget_class, CrmNoteBox, note_hint);
  gtk_widget_class_install_action (widget_class, "note.add", NULL, add_action);
}

static void
crm_note_box_init (CrmNoteBox *self)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (gtk_text_view_get_buffer (self->note_view), "changed",
                           G_CALLBACK (note_changed_cb), self, G_CONNECT_SWAPPED);
  /* Ctrl+Enter in the note adds it */
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                      gtk_named_action_new ("note.add")));
  gtk_widget_add_controller (GTK_WIDGET (self->note_view), shortcuts);
}
