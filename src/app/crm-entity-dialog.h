/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-entity-dialog.h — what «New Contact» and «New Company» share: the context, the
 * message above the form that says what is wrong, «Create» (Ctrl+Enter) and «Cancel»
 * (Escape), and what happens once the entity is added: a picker that asked for it picks
 * it ("created"), else its page opens. A subclass fills in the form and its create(). */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_ENTITY_DIALOG (crm_entity_dialog_get_type ())
G_DECLARE_DERIVABLE_TYPE (CrmEntityDialog, crm_entity_dialog, CRM, ENTITY_DIALOG, AdwWindow)

struct _CrmEntityDialogClass
{
  AdwWindowClass parent_class;

  /* The window action that opens the new entity's page ("win.open-contact"). */
  const char    *open_action;
  /* Adds the entity from the form: its id and name (@out_name), or NULL after
   * crm_entity_dialog_set_message() said what is wrong. */
  char        *(*create) (CrmEntityDialog  *self,
                          char            **out_name);
};

CrmContext *crm_entity_dialog_get_context (CrmEntityDialog *self);
void        crm_entity_dialog_set_context (CrmEntityDialog *self,
                                           CrmContext      *context);
/* The subclass's label above the form (from its template). */
void        crm_entity_dialog_set_message_label (CrmEntityDialog *self,
                                                 GtkLabel        *label);
/* Shows @message there (NULL hides it). */
void        crm_entity_dialog_set_message (CrmEntityDialog *self,
                                           const char      *message);
/* Finishes the new entity's @change (the current user responsible, created now) and
 * writes @changeset, saying «@name added»; a refusal is asked about or toasted. Returns
 * @id (transfer: a copy) or NULL. */
char       *crm_entity_dialog_apply       (CrmEntityDialog *self,
                                           CrmChangeset    *changeset,
                                           CrmChange       *change,
                                           const char      *id,
                                           const char      *name);
/* The class's create(); the id or NULL (tests, and «Create»). */
char       *crm_entity_dialog_create      (CrmEntityDialog  *self,
                                           char            **out_name);

G_END_DECLS
