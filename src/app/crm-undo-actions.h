/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-undo-actions.h — «Undo» on every toast that reports a change, and deleting deals,
 * contacts and tasks (soft, undoable). The undo reverses the change set the toast is
 * about as one new change set (crm-undo.h in core), which syncs like any edit. */
#pragma once

#include <gtk/gtk.h>

#include "crm-context.h"

G_BEGIN_DECLS

/* A toast with @text in @widget's window with an «Undo» button for @change_set_id
 * (NULL: a plain toast), through the window's "win.show-action-toast"; the button runs
 * "win.undo-change" (crm-window-actions.c). */
void      crm_undo_toast_show        (GtkWidget   *widget,
                                      const char  *text,
                                      const char  *change_set_id);
/* The same for the change set @context wrote last (crm_context_apply). */
void      crm_undo_toast_show_last   (GtkWidget   *widget,
                                      CrmContext  *context,
                                      const char  *text);
/* Deletes the "deal", "contact" or "task" @entity_id as the current user and says so in
 * a toast with «Undo»; a refusal is toasted. TRUE when it was deleted. */
gboolean  crm_delete_entity          (GtkWidget   *widget,
                                      CrmContext  *context,
                                      const char  *entity,
                                      const char  *entity_id);
/* After a deal was closed (won or lost): when it still has open tasks, a toast offers
 * «Close Tasks» ("win.close-deal-tasks"), which completes them in one change set that
 * can be undone in turn. Nothing when the deal is open or has no open task. */
void      crm_offer_close_tasks      (GtkWidget   *widget,
                                      CrmContext  *context,
                                      const char  *deal_id);
/* Completes the open tasks of @deal_id in one change set; the number closed, -1 on error. */
gint      crm_close_deal_tasks       (CrmContext  *context,
                                      const char  *deal_id,
                                      GError     **error);
G_END_DECLS
