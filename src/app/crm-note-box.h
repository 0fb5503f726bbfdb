/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-note-box.h — writing a note on a deal (or any entity a `note` may name): a text
 * box with a hint while empty, «Add Note» and Ctrl+Enter; the note is one change set,
 * undoable from its toast. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_NOTE_BOX (crm_note_box_get_type ())
G_DECLARE_FINAL_TYPE (CrmNoteBox, crm_note_box, CRM, NOTE_BOX, GtkWidget)

/* Notes go to @entity @entity_id (NULL: none). */
void     crm_note_box_set_target (CrmNoteBox *self,
                                  CrmContext *context,
                                  const char *entity,
                                  const char *entity_id);
/* Adds @text as a note (FALSE and the box focused when it is empty); the box empties. */
gboolean crm_note_box_add        (CrmNoteBox *self,
                                  const char *text);
/* Adds what is typed, as «Add Note» does. */
gboolean crm_note_box_add_typed  (CrmNoteBox *self);

G_END_DECLS
