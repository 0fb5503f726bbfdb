/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-field-editor.h — the input for one custom field, by its type: text and numbers in
 * an entry, money in an entry read in the locale's format, choices as a drop-down,
 * yes/no as a switch, dates from a calendar. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "crm-op.h"

G_BEGIN_DECLS

#define CRM_TYPE_FIELD_EDITOR (crm_field_editor_get_type ())
G_DECLARE_FINAL_TYPE (CrmFieldEditor, crm_field_editor, CRM, FIELD_EDITOR, GtkWidget)

GtkWidget  *crm_field_editor_new             (void);
/* @definition: {"key","label","type","choices"}; @value: the stored value or NULL.
 * Does not emit "changed". */
void        crm_field_editor_set_field       (CrmFieldEditor *self,
                                              JsonObject     *definition,
                                              JsonNode       *value);
const char *crm_field_editor_get_key         (CrmFieldEditor *self);
const char *crm_field_editor_get_label       (CrmFieldEditor *self);
/* Nothing entered (an unset choice or date, an empty entry). */
gboolean    crm_field_editor_is_empty        (CrmFieldEditor *self);
/* Writes the value into @change (null when empty). INVALID_INPUT names the field when
 * the text is not a number or an amount. */
gboolean    crm_field_editor_apply_to_change (CrmFieldEditor  *self,
                                              CrmChange       *change,
                                              GError         **error);
/* The editor of @key in @root or below it, breadth first; NULL when there is none. */
GtkWidget  *crm_field_editor_find            (GtkWidget       *root,
                                              const char      *key);
/* Types text into an entry editor, or picks the choice with that text (tests, paste). */
void        crm_field_editor_set_text        (CrmFieldEditor *self,
                                              const char     *text);

G_END_DECLS
