/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-contact-page-private.h — what the contact page (crm-contact-page.c: the card) and
 * its edit form (crm-contact-page-form.c) share. */
#pragma once

#include <adwaita.h>

#include "crm-contact-page.h"
#include "crm-discounts-group.h"
#include "crm-entity-picker.h"
#include "crm-files-group.h"
#include "crm-messages-group.h"
#include "crm-note-box.h"
#include "crm-timeline.h"

G_BEGIN_DECLS

struct _CrmContactPage
{
  GtkWidget            parent_instance;

  CrmContext          *context;
  char                *kind;        /* "contact" or "company" */
  char                *id;
  guint                n_deals;
  guint                n_offers;
  GPtrArray           *detail_rows;
  gboolean             editing;
  JsonObject          *entity;       /* as last read: what the form compares against */
  char                *edit_company_id;
  GPtrArray           *phone_rows;   /* AdwEntryRows of the form */
  GPtrArray           *email_rows;
  GPtrArray           *field_rows;   /* rows holding a CrmFieldEditor */

  GtkStack            *stack;
  AdwAvatar           *avatar;
  GtkLabel            *name_label;
  GtkLabel            *kind_label;
  GtkWidget           *card_buttons;
  GtkWidget           *edit_box;
  GtkLabel            *edit_error;
  AdwEntryRow         *name_row;
  AdwEntryRow         *inn_row;
  AdwActionRow        *company_row;
  GtkWidget           *company_clear_button;
  CrmEntityPicker     *company_picker;
  AdwPreferencesGroup *phones_group;
  AdwPreferencesGroup *emails_group;
  AdwPreferencesGroup *edit_fields_group;
  GtkWidget           *view_box;
  AdwPreferencesGroup *details_group;
  AdwPreferencesGroup *deals_group;
  GtkListBox          *deal_list;
  AdwPreferencesGroup *attach_group;
  GtkListBox          *offer_list;
  CrmEntityPicker     *deal_picker;
  AdwPreferencesGroup *links_group;   /* a contact's related companies, a company's holding */
  GtkWidget           *link_button;
  CrmEntityPicker     *link_picker;
  GtkListBox          *link_list;
  guint                n_links;
  AdwPreferencesGroup *contacts_group;
  GtkListBox          *contact_list;
  AdwPreferencesGroup *tasks_group;
  GtkListBox          *task_list;
  CrmFilesGroup       *files_group;
  guint                rfm_generation; /* which reload the segment being read is for */
  GtkWidget           *segment_row;    /* S4-5: the client's RFM segment, once read */
  GtkWidget           *segment_history_row; /* its transitions, oldest first */
  CrmDiscountsGroup   *discounts_group;  /* S3-9: a company's brands' discounts */
  CrmMessagesGroup    *messages_group;
  CrmNoteBox          *note_box;
  CrmTimeline         *timeline;
};

static inline gboolean
_crm_contact_page_is_company (CrmContactPage *self)
{
  return g_strcmp0 (self->kind, "company") == 0;
}

/* The form shown (filled from the entity as last read) or the card. */
void       _crm_contact_page_set_editing       (CrmContactPage      *self,
                                                gboolean             editing);
/* A phone or e-mail row added to @group of the form (with @text), and focusing one. */
GtkWidget *_crm_contact_page_add_form_row      (CrmContactPage      *self,
                                                AdwPreferencesGroup *group,
                                                const char          *text);
void       _crm_contact_page_focus_row         (GtkWidget           *row);
/* The form's company picker (template callbacks). */
void       _crm_contact_page_company_picked_cb (CrmContactPage      *self,
                                                const char          *company_id,
                                                const char          *name);
void       _crm_contact_page_company_cleared_cb (CrmContactPage     *self);

G_END_DECLS
