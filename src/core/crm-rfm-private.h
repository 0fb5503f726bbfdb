/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rfm-private.h — what the filters (crm-filter.c) use of the RFM scoring
 * (crm-rfm.c): the per-connection table of scores and a segment's id by name. */
#pragma once

#include "crm-store.h"

G_BEGIN_DECLS

/* Scores every client as of the store's now into the connection's temporary table
 * temp.rfm_client (client, kind, standalone, manager, last_won, frequency, monetary,
 * r, f, m, segment): one row per company and contact with a won deal. Scores made less
 * than a minute before (as of the store's now) with nothing written since are kept. */
gboolean  _crm_rfm_refresh          (CrmStore    *store,
                                     GError     **error);
/* The id of the segment named (or keyed) @name; NULL with NOT_FOUND listing them. */
char     *_crm_rfm_resolve_segment  (CrmStore    *store,
                                     const char  *name,
                                     GError     **error);

G_END_DECLS
