/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-visibility.h — which deals a user's replica holds (issue 20: a lost laptop leaks only
 * what its user may see). The server filters what it sends with this: pull pages, the
 * whole of a deal that became visible, the deals to forget, the snapshot of a new device;
 * a client forgets the deals the server tells it to.
 *
 * The rules (HACKING.md, "What a replica holds"):
 * - a deal is seen by whoever's see-scope in its pipeline (their role's, crm-rights.h)
 *   allows it: all; group (deals whose responsible is the user or a member of the user's
 *   group); own (the user's); a deal nobody is responsible for only with «all»;
 * - a deal's dependents go with it: its tasks, notes and attachments (a task's notes and
 *   attachments too), calls, messages, notifications, approvals, tags and contacts
 *   (participants are deal_contact rows);
 * - everything else is shared: contacts, companies, payers, users, the account's setup.
 * Visibility is decided on the server's current state, never on history. */
#pragma once

#include <glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

typedef struct _CrmVisibility CrmVisibility;

/* What the `user` entity @user_id of @store may see, read now (crm_user_rights_new()).
 * Never NULL: a user the replica does not have sees no deal. */
CrmVisibility *crm_visibility_new          (CrmStore            *store,
                                            const char          *user_id);
void           crm_visibility_free         (CrmVisibility       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CrmVisibility, crm_visibility_free)

/* Whether the user sees every deal of every pipeline (nothing is filtered). */
gboolean       crm_visibility_sees_all     (const CrmVisibility *self);
/* A short text that is the same for two users who see the same deals (their scopes and,
 * for «own» and «group», whose deals those are): what a filtered snapshot is kept under. */
const char    *crm_visibility_key          (const CrmVisibility *self);
/* The keys (crm_visibility_key()) of every user of @store whose copy is filtered (who does
 * not see every deal), each once; NULL when the users could not be read. What the server
 * keeps filtered snapshots under: one of a key not among these is no one's. */
GStrv          crm_visibility_dup_keys     (CrmStore            *store);

/* Whether the user sees the deal @deal_id as @store holds it now (a deal @store does not
 * hold: TRUE, there is nothing of it to hide). */
gboolean       crm_visibility_sees_deal    (const CrmVisibility *self,
                                            CrmStore            *store,
                                            const char          *deal_id);
/* Whether the user sees an entity the stored file @hash is attached to (*@out_seen): an
 * attachment of a deal they see (of its task, its approval), or of something shared (a
 * contact, a company, a message template). A file no attachment of @store names is seen
 * only by one who sees all. FALSE when @store could not be read. */
gboolean       crm_visibility_sees_file    (const CrmVisibility *self,
                                            CrmStore            *store,
                                            const char          *hash,
                                            gboolean            *out_seen,
                                            GError             **error);
/* The deal the entity @entity @entity_id goes with (the deal itself, or the deal a
 * dependent belongs to as @store holds it now), or NULL when it is shared. */
char          *crm_visibility_deal_of      (CrmStore            *store,
                                            const char          *entity,
                                            const char          *entity_id);
/* Whether an op on @entity that sets @fields_json (its stored fields, as text) may move a
 * deal from one user's sight to another's: a deal's responsible or pipeline. */
gboolean       crm_visibility_op_moves_deal (const char         *entity,
                                            const char          *fields_json);
/* Whether an op of @entity setting @fields_json puts a deal's dependent (a task, message,
 * call, tag or contact link, notification; a note or file) on another deal. */
gboolean       crm_visibility_op_moves_dependent (const char    *entity,
                                                  const char    *fields_json);
/* Whether the op @seq of @entity @entity_id setting @fields_json moves a dependent that
 * existed before it (crm_visibility_op_moves_dependent(), not the op that made it): one
 * who does not see the deal it is on now forgets it (a task re-attached to a deal a rep
 * does not see leaves the rep's replica). */
gboolean       crm_visibility_op_moves_dependent_away (CrmStore  *store,
                                                       gint64     seq,
                                                       const char *entity,
                                                       const char *entity_id,
                                                       const char *fields_json);
/* Whether the op @seq (@entity @entity_id setting @fields_json) changes which deals this
 * user sees: their role's see-scopes, their own role or group, or (for one who does not
 * see all) a colleague's group when the colleague is of the group or has deals. */
gboolean       crm_visibility_op_changes_seen (const CrmVisibility *self,
                                            CrmStore            *store,
                                            gint64               seq,
                                            const char          *entity,
                                            const char          *entity_id,
                                            const char          *fields_json);
/* The sequence of the last op that changed what the `user` @user_id sees (their role or
 * group, their role's rights); 0 when none. A copy of the account older than that is not theirs to start from. */
gint64         crm_visibility_changed_at   (CrmStore            *store,
                                            const char          *user_id);

/* The sequence of the last op after @after that moved a deal (crm_visibility_op_moves_deal()),
 * or @after when none did: a filtered copy older than that may hold a deal its user no
 * longer sees. */
gint64         crm_visibility_last_move    (CrmStore            *store,
                                            gint64               after);

/* Removes from the SQLite file @path (a snapshot being made, no other connection on it)
 * every deal the user does not see, with its dependents and their ops, erasing their
 * bytes (secure_delete); *@out_removed: how many deals. When most deals go, the deletes
 * run with the triggers off and the tables they keep are computed once from the rows
 * that stay (crm_schema_append_totals_fill()). */
gboolean       crm_visibility_filter_file  (const CrmVisibility *self,
                                            const char          *path,
                                            guint               *out_removed,
                                            GError             **error);
/* Forgets the deals @deal_ids (char*) and the dependents @dependents (char*, pairs: an
 * entity of a deal's dependents — "task", "note", "attachment", "call"… — and its id;
 * anything else is left alone) on this replica: their rows, their dependents' (a deal's
 * tasks, notes…, a task's notes and files) and their ops, in one transaction, without an
 * op or a conflict (the server took them away: nothing goes back); their bytes are
 * erased from the file and its WAL, and the files of the forgotten attachments no other
 * attachment names leave `<replica>.files/`. Ops made here and not pushed yet stay in
 * the outbox: the next push takes them, and the server's refusal is listed to the user. */
gboolean       crm_visibility_forget       (CrmStore            *store,
                                            GPtrArray           *deal_ids,
                                            GPtrArray           *dependents,
                                            GError             **error);

G_END_DECLS
