/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-deal-page.h — one deal: its fields (choices as drop-downs, money and dates with
 * proper inputs), tags, contacts and company, tasks with checklists, and its history. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"
#include "crm-timeline.h"

G_BEGIN_DECLS

#define CRM_TYPE_DEAL_PAGE (crm_deal_page_get_type ())
G_DECLARE_FINAL_TYPE (CrmDealPage, crm_deal_page, CRM, DEAL_PAGE, GtkWidget)

void         crm_deal_page_set_deal      (CrmDealPage *self,
                                          const char  *deal_id);
const char  *crm_deal_page_get_deal_id   (CrmDealPage *self);
void         crm_deal_page_reload        (CrmDealPage *self);
CrmTimeline *crm_deal_page_get_timeline  (CrmDealPage *self);
/* The editor of a custom field by key, or NULL. */
GtkWidget   *crm_deal_page_get_field_editor (CrmDealPage *self,
                                             const char  *key);
/* Adds a task the way the "New task" row does. */
gboolean     crm_deal_page_add_task      (CrmDealPage *self,
                                          const char  *text);

G_END_DECLS
