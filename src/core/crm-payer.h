/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-payer.h — the shared directory of payers (S4-11): legal entities with a name, an
 * INN checked by its check digits and a KPP, apart from companies. A deal's payer (its
 * custom field "payer", the payer's id) may differ from its company. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* An INN: 10 digits (an organization) or 12 (a person, an individual entrepreneur) whose
 * check digits match. Spaces are dropped; the digits are returned in *@out_inn. On
 * failure an INVALID_INPUT error says what is wrong (not digits, the length, the check
 * digit). */
gboolean   crm_inn_validate         (const char  *text,
                                     char       **out_inn,
                                     GError     **error);
/* A KPP: 9 characters, 4 digits, 2 digits or Latin capitals, 3 digits. */
gboolean   crm_kpp_validate         (const char  *text,
                                     char       **out_kpp,
                                     GError     **error);

/* The payers, by name: [{"id", "name", "inn", "kpp"}]. */
JsonNode  *crm_payer_list           (CrmStore    *store,
                                     GError     **error);
/* The payer (not deleted) with INN @inn, or NULL. */
char      *crm_payer_find_by_inn    (CrmStore    *store,
                                     const char  *inn);
/* The payer named by @text: its INN, its id, or its name (case and ё ignored); NOT_FOUND
 * when none, INVALID_INPUT naming the INNs when several have that name. */
char      *crm_payer_resolve        (CrmStore    *store,
                                     const char  *text,
                                     GError     **error);

/* Adds a payer to the directory (a change set @actor makes). An INN already there is
 * refused (INVALID_INPUT naming the payer that has it, whose id is put in
 * *@out_existing_id when given) instead of making a duplicate. Returns the new id. */
char      *crm_payer_add            (CrmStore    *store,
                                     const char  *name,
                                     const char  *inn,
                                     const char  *kpp,
                                     const char  *actor,
                                     char       **out_existing_id,
                                     GError     **error);

/* Sets deal @deal_id's payer (one change set). @payer names one of the directory (INN,
 * id or name); when there is none and @new_name is given, @payer must be a valid INN and
 * the payer (@new_name, @payer, @new_kpp) is added to the directory in the same change
 * set. When the INN is there already, that payer is used (it is offered instead of a
 * duplicate) and *@out_added stays FALSE. Returns the payer's id. */
char      *crm_payer_set_on_deal    (CrmStore    *store,
                                     const char  *deal_id,
                                     const char  *payer,
                                     const char  *new_name,
                                     const char  *new_kpp,
                                     const char  *actor,
                                     gboolean    *out_added,
                                     GError     **error);

/* Sets "payer" of @deal (a deal object as crm_query_deal() makes it, with its "fields")
 * to the payer its field "payer" names, {"id", "name", "inn", "kpp"}, or null. */
void       crm_payer_describe_deal  (CrmStore    *store,
                                     JsonObject  *deal);

G_END_DECLS
