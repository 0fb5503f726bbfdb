/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-page.h — one deal: its fields (choices as drop-downs, money and dates with
 * proper inputs), tags, contacts and company, tasks with checklists, files, and its
 * history with notes. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-payer-picker.h"
#include "crm-participants-group.h"
#include "crm-files-group.h"
#include "crm-timeline.h"

G_BEGIN_DECLS

#define CRM_TYPE_DEAL_PAGE (crm_deal_page_get_type ())
G_DECLARE_FINAL_TYPE (CrmDealPage, crm_deal_page, CRM, DEAL_PAGE, GtkWidget)

void         crm_deal_page_set_deal      (CrmDealPage *self,
                                          const char  *deal_id);
const char  *crm_deal_page_get_deal_id   (CrmDealPage *self);
CrmTimeline *crm_deal_page_get_timeline  (CrmDealPage *self);
/* S4-11: the payer popover of the «payer» field's row, or NULL when deals have none. */
CrmPayerPicker *crm_deal_page_get_payer_picker (CrmDealPage *self);
/* S4-10: the «Participants» group (hidden on deals that are not events). */
CrmParticipantsGroup *crm_deal_page_get_participants_group (CrmDealPage *self);
/* The editor of a custom field by key, or NULL. */
GtkWidget   *crm_deal_page_get_field_editor (CrmDealPage *self,
                                             const char  *key);
/* Adds a task the way the "New task" row does. */
gboolean     crm_deal_page_add_task      (CrmDealPage *self,
                                          const char  *text);
/* Adds a note to the deal as «Add Note» does; it shows on top of the history. */
gboolean     crm_deal_page_add_note      (CrmDealPage *self,
                                          const char  *text);
/* Attaches the file at @path as «Attach File…» does once a file is chosen. */
gboolean     crm_deal_page_attach_file   (CrmDealPage  *self,
                                          const char   *path,
                                          GError      **error);
/* Files listed in the «Files» group, and scrolling the page to it. */
guint        crm_deal_page_get_n_files   (CrmDealPage *self);
void         crm_deal_page_show_files    (CrmDealPage *self);
CrmFilesGroup *crm_deal_page_get_files_group (CrmDealPage *self);

G_END_DECLS
