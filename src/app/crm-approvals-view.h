/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approvals-view.h — «На согласовании»: the approvals waiting for the user's
 * decision (approve, or reject with a comment) and the user's own requests still
 * waiting for someone (issue 16, S3-9, S3-10). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CRM_TYPE_APPROVALS_VIEW (crm_approvals_view_get_type ())
G_DECLARE_FINAL_TYPE (CrmApprovalsView, crm_approvals_view, CRM, APPROVALS_VIEW, GtkWidget)

/* How many rows "to-decide" or "waiting" shows. */
guint     crm_approvals_view_get_n_rows (CrmApprovalsView *self,
                                         const char       *section);
/* Decides the approval @id as the window's user (what the row's buttons do after their
 * dialog): FALSE with a toast when core refuses. */
gboolean  crm_approvals_view_decide     (CrmApprovalsView *self,
                                         const char       *id,
                                         gboolean          approve,
                                         const char       *comment);

G_END_DECLS
