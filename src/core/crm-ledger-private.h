/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-ledger-private.h — what the ledger's files share (crm-ledger.c: deciding about a
 * push; crm-ledger-checks.c: the checks of one pushed op; crm-ledger-pull.c: pull pages,
 * the account's users and incarnations). */
#pragma once

#include "crm-ledger.h"

G_BEGIN_DECLS

typedef struct {
  char *code;
  char *message;
} CrmLedgerDoom;

typedef struct {
  CrmStore             *store;
  const CrmLedgerPush  *pusher;
  gint64                base;
  GHashTable           *devices;         /* device → GINT_TO_POINTER (1 mine, 2 not) */
  GHashTable           *batch_ops;       /* op id → CrmOp* of this push (borrowed) */
  GHashTable           *doomed;          /* op id → CrmLedgerDoom*: refused by the state checks */
  /* per pass: */
  GHashTable           *batch_rejected;  /* op ids rejected in this push */
  GPtrArray            *results;         /* CrmLedgerResult* */
  GPtrArray            *touched_deals;   /* char*: deals this push wrote */
  GPtrArray            *suspects;        /* CrmOp*: merged ops that failed the state checks */
  GPtrArray            *counters;        /* CrmCounterSeen*: the totals pushing devices saw */
} CrmLedgerRun;

/* crm-ledger-checks.c */
JsonObject *_crm_ledger_dup_current (CrmStore    *store,
                                      const char  *entity,
                                      const char  *entity_id);
gboolean _crm_ledger_has_row (CrmStore   *store,
                              const char *sql,
                              const char *first,
                              const char *second);
gboolean _crm_ledger_entity_exists (CrmStore    *store,
                                    const CrmOp *op);
gboolean _crm_ledger_check_identity (CrmLedgerRun         *push,
                                     const CrmOp  *op,
                                     char        **out_message);
gboolean _crm_ledger_check_automation (CrmLedgerRun         *push,
                                       const CrmOp  *op,
                                       char        **out_message);
/* *@out_code: the rejection's code ("permission-denied", or "already-decided" for an
 * approval's step another device decided first). */
gboolean _crm_ledger_check_permission (CrmLedgerRun         *push,
                                       const CrmOp  *op,
                                       char        **out_message,
                                       const char  **out_code);
gboolean _crm_ledger_is_rejected (CrmLedgerRun        *push,
                                  const char  *op_id);
gboolean _crm_ledger_is_duplicate_automation (CrmLedgerRun         *push,
                                              const CrmOp  *op);

/* crm-ledger-business.c */
gboolean _crm_ledger_check_business (CrmLedgerRun  *push,
                                     const CrmOp   *op,
                                     char         **out_code,
                                     char         **out_message);
gboolean _crm_ledger_close_must_win (CrmLedgerRun  *push,
                                     const CrmOp   *op);
gboolean _crm_ledger_trigger_overridden (CrmStore      *store,
                                         const char    *deal_id,
                                         const char    *op_id);
gboolean _crm_ledger_effects_to_withdraw (CrmStore    *store,
                                          GPtrArray   *deal_ids,
                                          const char  *actor,
                                          JsonArray   *out,
                                          GError     **error);
gboolean _crm_ledger_withdraw_effects (CrmStore   *store,
                                       GPtrArray  *deal_ids,
                                       guint      *out_withdrawn,
                                       GError    **error);

G_END_DECLS
