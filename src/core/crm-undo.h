/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-undo.h — undoing a change set made on this replica: its reversal is written as one
 * new change set through crm_store_apply() (the gates and rights apply, it syncs like any
 * edit). What the rules wrote in reaction to the change (a follow-up task or deal) is
 * reversed with it: what it created is deleted, what it changed gets its earlier value;
 * the rules themselves do not run on an undo (it restores, it sets nothing off).
 *
 * A change set is named by the op id of the first op it wrote; every change set written
 * here is remembered (the local table `change_set`, never replicated), so voronkactl and
 * the app can undo one later, in another process too. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Change sets that wrote more ops than this (an import, a template) are remembered
 * but cannot be undone. */
#define CRM_UNDO_MAX_OPS 1000

/* The id of the change set the last successful crm_store_apply() on @store wrote, or
 * NULL when it wrote nothing. */
char       *crm_store_dup_last_change_set (CrmStore *store);

/* Reverses change set @change_set_id as @actor (a user id; NULL: none) in one new change
 * set, whose id goes to @out_new_id (optional). Refused, writing nothing, with:
 * NOT_FOUND — no such change set on this replica; INVALID_INPUT — it was undone already
 * or is too large; CHANGED_SINCE — a later edit changed a field it wrote (the message
 * names the entity, the field and who changed it); or a gate's or the rights' error. */
gboolean    crm_store_undo_change_set     (CrmStore    *store,
                                           const char  *change_set_id,
                                           const char  *actor,
                                           char       **out_new_id,
                                           GError     **error);

/* Deletes (soft: `deleted`) a "deal", "contact", "company", "task", "note" or
 * "attachment" as @actor in one change set, whose id goes to @out_change_set (optional).
 * A deal's open tasks are deleted with it; a company's contacts and deals are kept
 * without the company, and its links to other companies are unset (an undo restores all
 * of it). NOT_FOUND when it does not exist or is deleted already; gates and rights apply. */
gboolean    crm_store_delete              (CrmStore    *store,
                                           const char  *entity,
                                           const char  *entity_id,
                                           const char  *actor,
                                           char       **out_change_set,
                                           GError     **error);

/* The newest change set of @actor (NULL: anyone's) on this replica that is neither
 * undone nor itself an undo, or NULL (without an error) when there is none. */
char       *crm_store_dup_undoable_change_set (CrmStore    *store,
                                               const char  *actor,
                                               GError     **error);

/* The change sets made on this replica, newest first, at most @limit (0: 20):
 * [{"id", "at" (ISO 8601), "actor", "ops" (how many), "undoes", "undone_by",
 * "changes": [{"entity", "id", "name", "fields": [field names]} of the user's own ops]}]. */
JsonNode   *crm_store_list_change_sets    (CrmStore    *store,
                                           const char  *actor,
                                           guint        limit,
                                           GError     **error);

G_END_DECLS
