/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval.h — approvals (issue 16, S3-9 and S3-10): a request that a chain of
 * people decides one after another, offline like everything else.
 *
 * An `approval` entity is one request and its whole chain: kind ("discount" or
 * "invoice"), what it is about (entity, entity_id: the brand's tag or the deal), status
 * ("pending", then "approved" — an invoice —, "applied" — a discount written into the
 * reference list — or "rejected"), requested_by, approver (whose decision it waits
 * for, NULL once decided), comment (the reason), created_at; and in its data: "steps"
 * [{"approver", "role", "decision", "decided_by", "decided_at", "comment"}], "step"
 * (the index of the step waiting), and what was asked ("discount", "old_discount",
 * "amount", "invoice_type", "number", "deal", "applied_at").
 *
 * A decision is one op on the approval that names the step it decides
 * ("decided_step"). The laptop and the server check it alike (crm_approval_check_op,
 * called by crm_validate_op_rights): only the step's approver (or an admin) decides
 * it, and only while it waits. Two devices deciding one step at once: the first
 * decision to reach the server stands, the second is rejected with the words of the
 * first (who decided, when, how), the author sees them in `voronkactl conflicts` and
 * the sync popover, and the chain advances once. What a decision sets off travels in
 * the same change set: the next approver, the brand's new discount (a tag's
 * "discount", naming the approval in "discount_approval"), the accountant's task
 * (naming the approval in "approval"), the author's notification of a rejection.
 *
 * Who decides comes from the account's settings (a `setting` entity with key
 * "approvals", admins change it; see crm_approval_dup_settings()). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

#define CRM_APPROVAL_SETTINGS_KEY "approvals"

/* The "approvals" settings of the account, or the defaults when it has none:
 * {"discount": [{"approver": "head"}, {"approver": "director", "over": 15}],
 *  "invoice": [{"approver": "manager", "over": "100000.00"}, {"approver": "head"},
 *              {"approver": "director", "over": "1000000.00"}],
 *  "director": NAME?, "accountant": NAME?}.
 * A step's approver is "manager" (the deal's responsible), "head" (a member of the
 * author's group whose role approves — the right "approve", crm-rights.h: a manager or
 * a head of group —, else the director), "director", or a user's name; "over" (a percent
 * for discounts, an amount for invoices) and "types" (invoice types) say when the step
 * is part of the chain. A step whose approver is the author is left out (the author's
 * position), and one person decides once. */
JsonObject *crm_approval_dup_settings   (CrmStore     *store);
/* Whether the account works with approvals: it has the settings (its template's) or
 * an approval was ever requested (the app shows «На согласовании» then). */
gboolean    crm_approval_in_use         (CrmStore     *store);
/* Checks the shape of such settings (a template's "approvals", a file an admin sets):
 * FALSE with *@out_message saying what is wrong. */
gboolean    crm_approval_check_settings (JsonNode     *settings,
                                         char        **out_message);
/* Replaces the account's approval settings (admins). */
gboolean    crm_approval_set_settings   (CrmStore     *store,
                                         const char   *actor_id,
                                         JsonNode     *settings,
                                         GError      **error);
/* Adds the settings' change to @changeset (a template's set-up: no actor). */
void        crm_approval_settings_fill  (CrmChangeset *changeset,
                                         JsonNode     *settings);

typedef struct {
  const char         *kind;          /* "discount" or "invoice" */
  const char         *deal_id;       /* invoice: required; discount: optional context */
  const char         *brand_id;      /* discount: the brand's tag */
  gint                discount;      /* discount: the new percent, 0 … 100 */
  gint64              amount;        /* invoice: minor units; < 0: the deal's amount */
  const char         *invoice_type;  /* invoice: NULL: the deal's "invoice_type" field */
  const char         *number;        /* invoice: its number, optional */
  const char         *comment;       /* the reason (required for a discount) */
  const char * const *files;         /* paths of files to attach, NULL-terminated */
} CrmApprovalRequest;

/* Requests an approval as @actor_id; returns its id. The chain is chosen here from the
 * settings; a chain nobody needs to decide is approved at once. Refuses an unknown
 * deal or brand, a discount outside 0 … 100, a discount without a reason, an invoice
 * without a type, a second invoice approval of a deal while one waits. */
char       *crm_approval_request        (CrmStore                 *store,
                                         const char               *actor_id,
                                         const CrmApprovalRequest *request,
                                         GError                  **error);
/* The chain the settings choose for @request by @actor_id, before it is sent (the
 * request dialog shows it): [{"approver", "approver_id", "role"}] in order, role
 * "manager", "head", "director" or "user"; empty when nobody needs to decide. The
 * request's checks, but not its reason; what crm_approval_request() refuses with. */
JsonNode   *crm_approval_preview        (CrmStore                 *store,
                                         const char               *actor_id,
                                         const CrmApprovalRequest *request,
                                         GError                  **error);
/* Decides the step waiting for @actor_id: approve (@comment optional) or reject
 * (@comment required: it goes back to the author). */
gboolean    crm_approval_decide         (CrmStore                 *store,
                                         const char               *actor_id,
                                         const char               *approval_id,
                                         gboolean                  approve,
                                         const char               *comment,
                                         GError                  **error);
/* An administrator's direct change of a brand's discount, kept in the registry like
 * an approved one; anyone else is refused with PERMISSION_DENIED naming the approval
 * route. */
gboolean    crm_approval_set_discount   (CrmStore                 *store,
                                         const char               *actor_id,
                                         const char               *brand_id,
                                         gint                      discount,
                                         const char               *comment,
                                         GError                  **error);

typedef enum {
  CRM_APPROVAL_LIST_ALL,
  CRM_APPROVAL_LIST_MINE,       /* requested by the user */
  CRM_APPROVAL_LIST_TO_DECIDE,  /* waiting for the user's decision */
} CrmApprovalListScope;

typedef struct {
  CrmApprovalListScope  scope;
  const char           *user_id;   /* for MINE and TO_DECIDE */
  const char           *kind;      /* NULL: both */
  const char           *deal_id;   /* NULL: any */
} CrmApprovalFilter;

/* Approvals, newest first: [{"id", "kind", "status", "deal", "deal_title", "brand",
 * "brand_id", "discount", "old_discount", "amount", "invoice_type", "number",
 * "comment", "requested_by", "requested_by_id", "approver", "approver_id", "step",
 * "steps": [{"approver", "approver_id", "role", "decision", "decided_by", "decided_at",
 * "comment"}], "files": [{"id", "name"}], "created_at", "applied_at"}]; money as
 * decimal strings, times as ISO 8601. */
JsonNode   *crm_approval_list           (CrmStore                *store,
                                         const CrmApprovalFilter *filter,
                                         GError                 **error);
/* One approval in that shape; NOT_FOUND naming @approval_id. */
JsonObject *crm_approval_get            (CrmStore                *store,
                                         const char              *approval_id,
                                         GError                 **error);
/* The brands' discounts: [{"brand", "brand_id", "discount"}] (discount null: none). */
JsonNode   *crm_approval_discounts      (CrmStore                *store,
                                         GError                 **error);
/* The discounts of the brands of a deal (its brand tags), or of a company (the brands
 * of its deals), in that shape. */
JsonNode   *crm_approval_discounts_for  (CrmStore                *store,
                                         const char              *entity,
                                         const char              *entity_id,
                                         GError                 **error);
/* The registry of discount changes as a report (crm-report.h's shape, so the export
 * code writes it as CSV or XLSX): one row per event — requested, approved, rejected,
 * applied — with when, who, the brand, the discounts, the reason or comment. */
JsonNode   *crm_approval_registry       (CrmStore                *store,
                                         GError                 **error);

/* The checks of an op that the laptop and the server run alike (from
 * crm_validate_op_rights, before the role's rights): approvals (who requests, who
 * decides which step, once), a brand's discount (admins, or the approval that was
 * applied), the accountant's task (an approved invoice). TRUE for any other op. */
gboolean    crm_approval_check_op       (CrmStore                *store,
                                         const CrmOp             *op,
                                         const char              *user_id,
                                         const char              *role,
                                         GError                 **error);
/* Is @op a brand's discount change (what crm_approval_check_op() decides alone)? */
gboolean    crm_approval_op_is_discount (const CrmOp             *op);

G_END_DECLS
