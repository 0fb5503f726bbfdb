/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-routing-group.h — «Call Routing» in the Automation view (issue 18, SPEC S0-8 and
 * S4-8): how the server routes the account's incoming calls, in words — whom a new number
 * rings and for how long, who takes known callers, the working days, hours and zone, who
 * is on duty outside them, the users' extensions — as the server last published it
 * (crm_call_dup_routing()), so it shows offline too. The settings live on the server
 * (`voronka-server telephony set`); each row's button copies the command that changes
 * what it says. A local account (no server, nothing published) hides the group. */
#pragma once

#include <adwaita.h>

#include "crm-context.h"

G_BEGIN_DECLS

#define CRM_TYPE_ROUTING_GROUP (crm_routing_group_get_type ())
G_DECLARE_FINAL_TYPE (CrmRoutingGroup, crm_routing_group, CRM, ROUTING_GROUP, AdwPreferencesGroup)

/* Reads what the replica knows now. */
void        crm_routing_group_reload   (CrmRoutingGroup *self,
                                        CrmContext      *context);
/* Whether the server published a routing (FALSE: the group says there is none). */
gboolean    crm_routing_group_has_routing (CrmRoutingGroup *self);
/* A row by what it says: "new" (a new number), "deal" (a known caller with an active
 * deal), "contact" (one without), "hours" (the working hours and who is on duty),
 * "extensions", "state" (no routing, or a problem with it); NULL when not shown. */
GtkWidget  *crm_routing_group_get_row  (CrmRoutingGroup *self,
                                        const char      *which);

G_END_DECLS
