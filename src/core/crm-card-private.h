/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-card-private.h — what a deal card shows, in one place for both card queries (the
 * pipeline board of crm-pipeline-board.c and the filtered lists of crm-query-board.c):
 * the columns, read for a deal "d" joined with its stage "s", company "co" (live),
 * responsible user "u" and next open task "nt", and the reader of such a row. */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define CRM_CARD_COLUMNS \
  "d.id, d.title, d.amount, d.currency, d.pipeline, d.stage, s.name, s.kind, co.name," \
  " (SELECT c.name FROM deal_contact dc JOIN contact c ON c.id = dc.contact AND c.deleted = 0" \
  "   WHERE dc.deal = d.id AND dc.present = 1 AND dc.deleted = 0 ORDER BY c.name LIMIT 1)," \
  " u.name," \
  " (SELECT json_group_array (json_object ('id', x.id, 'name', x.name, 'group', x.grp))" \
  "   FROM (SELECT t.id, t.name, t.grp FROM deal_tag dt JOIN tag t ON t.id = dt.tag" \
  "     AND t.deleted = 0 WHERE dt.deal = d.id AND dt.present = 1 AND dt.deleted = 0" \
  "     ORDER BY t.rowid) x)," \
  " nt.id, nt.text, nt.due," \
  " (SELECT count (*) FROM task ot WHERE ot.deal = d.id AND coalesce (ot.done, 0) = 0" \
  "   AND ot.deleted = 0)," \
  " (SELECT lr.name FROM loss_reason lr WHERE lr.id = d.loss_reason)," \
  " d.responsible"

/* The deal columns CRM_CARD_COLUMNS reads from "d" (for a subquery that picks the page
 * of deals first). */
#define CRM_CARD_DEAL_COLUMNS \
  "d.id, d.title, d.amount, d.currency, d.pipeline, d.stage, d.company, d.responsible," \
  " d.created_at, d.loss_reason"

/* The card of a row of CRM_CARD_COLUMNS (crm-query-board.h gives its shape). */
JsonObject *_crm_card_from_row (sqlite3_stmt *stmt);

G_END_DECLS
