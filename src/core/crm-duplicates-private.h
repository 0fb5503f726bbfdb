/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-duplicates-private.h — the redirects of merged cards, followed by the store's write
 * path (crm-merge.c) on every replica alike. */
#pragma once

#include "crm-op.h"
#include "crm-store.h"

G_BEGIN_DECLS

/* Called after @op's fields were written (locally or merged from elsewhere) to a contact
 * or company whose custom fields are @data and field clocks @clocks, when @data holds
 * "merged_into": the card's fields written after the merge saw them (newer than its
 * "merged_seen" clocks) land on the survivor, and when @op is the merge itself, what
 * still names the card (tasks, notes, deal links…) moves to the survivor. The writes
 * are derived from replicated facts alone (their clocks from the facts' clocks), so
 * every replica makes the same ones whatever order the facts came in. */
gboolean  _crm_duplicates_follow      (CrmStore     *store,
                                       const CrmOp  *op,
                                       JsonObject   *data,
                                       JsonObject   *clocks,
                                       GError      **error);

/* Called after @op wrote a reference to a contact (a task's contact, a deal↔contact
 * link, a note on a contact): when that contact is a redirect, the reference moves to the
 * survivor. */
gboolean  _crm_duplicates_follow_reference (CrmStore     *store,
                                            const CrmOp  *op,
                                            JsonObject   *clocks,
                                            GError      **error);

G_END_DECLS
