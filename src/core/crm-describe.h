/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-describe.h — records as a person reads them: what a field is called, a value with
 * names instead of ids, money, dates in local time and phones formatted, what an entity
 * is («Deal 12 “…”»), and a conflict or a rejected change described whole. The CLI and
 * the app both show these strings, so they never disagree. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* What people call @field of @entity: a custom field's label (the `field` entity), else
 * the built-in field's translated name, else @field itself. */
char *crm_describe_field    (CrmStore   *store,
                             const char *entity,
                             const char *field);

/* @value of @field of the entity @entity_id (may be NULL) as people read it: names for
 * ids (stage, user, company, loss reason…), money in the deal's currency, dates and
 * times in local time, phones formatted, yes/no; "—" for no value. */
char *crm_describe_value    (CrmStore   *store,
                             const char *entity,
                             const char *entity_id,
                             const char *field,
                             JsonNode   *value);

/* What an entity is, for people: «Deal 12 “Title”», «Contact “Name”», «Task “Text”»; a
 * link (deal_tag, deal_contact) is described by its deal. */
char *crm_describe_entity   (CrmStore   *store,
                             const char *entity,
                             const char *entity_id);

/* What one change (an op's @fields on @entity @entity_id) did, as a deal's history says
 * it: «Deal created», «Moved to “Won”», «Task “Call” added», «Tag “VIP” added», changed
 * fields as «Label: value»… The app's timeline and the rule editor's dry run both show
 * these words. */
char *crm_describe_change   (CrmStore   *store,
                             const char *entity,
                             const char *entity_id,
                             JsonObject *fields);

/* Adds to @record, one item of crm_sync_state_list_conflicts(), what a person reads
 * (its raw members stay as they are):
 *   "subject"         the entity (crm_describe_entity());
 *   "field_label"     the field (crm_describe_field(); for a link, «Tag “VIP”»);
 *   "local_text"      this device's value, set aside (crm_describe_value());
 *   "remote_text"     the value kept;
 *   "by"              who made the kept value: a user's name, or «the server»;
 *   "when_text"       when the kept value was made, local time (null when unknown);
 *   "local_when_text" when this device made its edit, local time;
 *   "heading"         «subject · field label»;
 *   "kept_line"       «Kept: value — by, when»;
 *   "yours_line"      «Yours, set aside: value — when» (a rejection: «Yours, refused: …»).
 * The CLI prints heading, kept_line, yours_line and a rejection's reason; the app's
 * sync popover shows the same lines. */
void  crm_describe_conflict (CrmStore   *store,
                             JsonObject *record);

G_END_DECLS
