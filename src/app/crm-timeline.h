/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-timeline.h — a deal's, contact's or company's history as sentences, newest first, marking the changes
 * automation rules made and the ones that came from other devices. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_TIMELINE (crm_timeline_get_type ())
G_DECLARE_FINAL_TYPE (CrmTimeline, crm_timeline, CRM, TIMELINE, GtkWidget)

/* @history: crm_query_history(), or the "history" array of crm_query_deal(). */
void   crm_timeline_set_history   (CrmTimeline *self,
                                   CrmContext  *context,
                                   JsonArray   *history);
/* How many entries are shown, and how many of them were made by rules / elsewhere. */
guint  crm_timeline_get_n_entries (CrmTimeline *self);
guint  crm_timeline_get_n_by_rule (CrmTimeline *self);
guint  crm_timeline_get_n_remote  (CrmTimeline *self);
/* Notes among them, and the text of the @index-th row, newest first. */
guint       crm_timeline_get_n_notes     (CrmTimeline *self);
const char *crm_timeline_get_entry_text  (CrmTimeline *self,
                                          guint        index);
/* Describes one history entry ("Moved to «Квалифицирован»"); for tests and a11y. */
char  *crm_timeline_describe      (CrmContext *context,
                                   JsonObject *entry);

G_END_DECLS
