/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-rfm.h — RFM segmentation (S4-5): recency, frequency and monetary value of every
 * client from its won deals, and the segment («VIP», «Горячий»…) whose thresholds it
 * meets. Scores are computed on each replica from replicated facts (won deals, the
 * `rfm_segment` thresholds an admin sets), so every replica agrees without storing them;
 * a client's history of segment transitions is derived from the same facts.
 *
 * A company's facts are the won deals of the company; a contact's, the won deals it is
 * linked to and those of its company. A deal counts as won from the moment it entered
 * its pipeline's won stage; its amount is the monetary value. Recency is in whole days. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The thresholds of a segment; a bound < 0 is "no bound". Money in minor units. */
typedef struct {
  gint64 recency_min;     /* days since the last won deal, at least */
  gint64 recency_max;     /* … at most */
  gint64 frequency_min;   /* won deals, at least */
  gint64 frequency_max;
  gint64 monetary_min;    /* their sum, at least */
  gint64 monetary_max;
} CrmRfmBounds;

/* The segments in the order they are tried (a client gets the first it meets):
 * [{"id","key","name","position","recency_min","recency_max","frequency_min",
 *   "frequency_max","monetary_min","monetary_max"}] (null: no bound; money as text). */
JsonArray  *crm_rfm_segments      (CrmStore            *store,
                                   GError             **error);

/* Sets the thresholds (and optionally the name) of the segment @key_or_name, or adds it
 * last when there is none (then @name defaults to @key_or_name). Admins only (the
 * store's rights check, through @actor). */
gboolean    crm_rfm_segment_set   (CrmStore            *store,
                                   const char          *key_or_name,
                                   const char          *name,
                                   const CrmRfmBounds  *bounds,
                                   const char          *actor,
                                   GError             **error);

/* One client (a company or contact id) at the store's now:
 * {"client","kind","name","segment" (name or null),"segment_key","recency_days",
 *  "frequency","monetary" (text),"r","f","m" (1–5 among clients of its kind),
 *  "last_won" (ISO 8601 or null),
 *  "history": [{"at","from","to"}]} — segment names, null before the first purchase. */
JsonObject *crm_rfm_client        (CrmStore            *store,
                                   const char          *client_id,
                                   GError             **error);

/* The segment of every client of @kind ("contact" or "company") that has one, at the
 * store's now: client id → segment name. What the contacts and companies lists show on
 * each row; it scores every client, so the app calls it off the main loop. */
GHashTable *crm_rfm_segment_names (CrmStore            *store,
                                   const char          *kind,
                                   GError             **error);

/* How long scoring every client takes is what bench/ measures: this scores them all at
 * the store's now and returns how many clients got a score. */
gint64      crm_rfm_score_all     (CrmStore            *store,
                                   GError             **error);

G_END_DECLS
