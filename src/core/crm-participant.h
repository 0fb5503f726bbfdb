/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participant.h — the participants of an event deal (S4-10): contacts linked to the
 * deal (its `deal_contact` link, marked "participant") with paid / not paid, a guest
 * count, attended, an NPS score; a short badge code per participant, derived from the
 * link's id (itself derived from the deal and the contact), so two laptops offline make
 * the same code for the same participant and never one code for two. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* A deal is an event when it is in the pipeline «Мероприятия» or has an event date
 * (its field "event_date"). */
#define CRM_PARTICIPANT_EVENT_PIPELINE "Мероприятия"

#define CRM_PARTICIPANT_NPS_MAX 10
/* A participant's own guests, at most. */
#define CRM_PARTICIPANT_GUESTS_MAX 10000

/* Unset values of the optional arguments below. */
#define CRM_PARTICIPANT_UNSET (-1)

typedef enum {
  CRM_PARTICIPANT_CHECKED_IN,
  CRM_PARTICIPANT_ALREADY_CHECKED_IN,
} CrmParticipantCheckin;

/* The badge code of the participant @participant_id: 8 characters of Crockford's
 * base32 from its id's SHA-256, shown as «XXXX-XXXX». */
char      *crm_participant_code          (const char  *participant_id);
/* @text as a badge code («k7qm 3xpa», «K7QM-3XPA», O for 0, I and L for 1), or NULL
 * with INVALID_INPUT saying what a code looks like. */
char      *crm_participant_normalize_code (const char  *text,
                                           GError     **error);

/* Sets INVALID_INPUT for an NPS score that is not a whole number 0…10: @value as it was
 * given ("42", "\"abc\""), the words the laptop and the server both use. FALSE. */
gboolean   crm_participant_nps_error     (GError     **error,
                                          const char  *value);

/* TRUE when @deal_id is an event deal; NOT_FOUND for no deal, INVALID_INPUT naming the
 * deal when it is not an event. */
gboolean   crm_participant_check_event   (CrmStore    *store,
                                          const char  *deal_id,
                                          GError     **error);

/* Adds contact @contact_id to the event deal @deal_id as a participant (one change set).
 * @paid: 0, 1 or CRM_PARTICIPANT_UNSET (not paid); @guests: ≥ 0 or UNSET (0). A contact
 * already a participant of the deal is refused naming its code. Returns the id. */
char      *crm_participant_add           (CrmStore    *store,
                                          const char  *deal_id,
                                          const char  *contact_id,
                                          int          paid,
                                          int          guests,
                                          const char  *actor,
                                          GError     **error);

/* The participant named by @text: its id, or its badge code; NOT_FOUND when none. */
char      *crm_participant_resolve       (CrmStore    *store,
                                          const char  *text,
                                          GError     **error);

/* Changes a participant (one change set); every argument CRM_PARTICIPANT_UNSET is left
 * as it is. @nps 0…10, entered by hand (from a paper form): its source becomes "paper". */
gboolean   crm_participant_set           (CrmStore    *store,
                                          const char  *participant_id,
                                          int          paid,
                                          int          guests,
                                          int          attended,
                                          int          nps,
                                          const char  *actor,
                                          GError     **error);

/* Checks in the participant whose badge code is @code (typed, or a scanner's text):
 * attended, at the store's now. A participant checked in already is left as it was and
 * CRM_PARTICIPANT_ALREADY_CHECKED_IN returned. *@out_participant (optional) gets the
 * participant as crm_participant_list() lists it, with "deal_title". */
gboolean   crm_participant_checkin       (CrmStore               *store,
                                          const char             *code,
                                          const char             *actor,
                                          CrmParticipantCheckin  *out_result,
                                          JsonObject            **out_participant,
                                          GError                **error);

/* The NPS score @score (0…10) a participant gave through the rating link of an e-mail,
 * recorded once: when the participant has a score already, nothing is written and
 * *@out_recorded is FALSE. NOT_FOUND for no such participant. */
gboolean   crm_participant_rate          (CrmStore    *store,
                                          const char  *participant_id,
                                          int          score,
                                          const char  *actor,
                                          gboolean    *out_recorded,
                                          GError     **error);

/* NPS by e-mail: one e-mail per participant of the event deal @deal_id who attended, has
 * an e-mail address and no score yet, in one change set. @subject and @body may be NULL
 * (the built-in ones; placeholders as crm-message.h's); each message is marked
 * "nps_request", so voronka-server adds the rating links (0…10) when it delivers it. The
 * others are skipped with the reason. *@out_result: {"sent": [{"participant", "name",
 * "message"}], "skipped": [{"participant", "name", "reason"}]}. Nobody to ask: INVALID_INPUT
 * saying why, nothing written. */
gboolean   crm_participant_ask_nps       (CrmStore    *store,
                                          const char  *deal_id,
                                          const char  *subject,
                                          const char  *body,
                                          const char  *actor,
                                          JsonNode   **out_result,
                                          GError     **error);
/* Whether message @message_id asks its recipient for an NPS score. */
gboolean   crm_participant_message_asks_nps (CrmStore   *store,
                                             const char *message_id);
/* The server, when the rating link @score of message @message_id is followed: the
 * participant (the message's deal and recipient) gets the score, once
 * (crm_participant_rate()). *@out_name: the participant's name; *@out_score: the score
 * they have now. NOT_FOUND when the message asks for no score or the participant is gone. */
gboolean   crm_participant_rate_by_message (CrmStore    *store,
                                            const char  *message_id,
                                            int          score,
                                            gboolean    *out_recorded,
                                            char       **out_name,
                                            int         *out_score,
                                            GError     **error);

/* The participants of the event deal @deal_id, by name:
 * {"deal": {"id", "number", "title", "event_date"},
 *  "participants": [{"id", "code", "contact", "name", "email", "paid", "guests",
 *                    "attended", "attended_at", "nps", "nps_source"}],
 *  "totals": {"participants", "paid", "guests", "attended", "nps_answers", "nps_score"}}
 * ("nps_score": promoters' share minus detractors', in percent, null with no answer). */
JsonNode  *crm_participant_list          (CrmStore    *store,
                                          const char  *deal_id,
                                          GError     **error);
/* One participant as crm_participant_list() lists it, plus "deal" and "deal_title";
 * NULL when there is none. */
JsonObject *crm_participant_dup          (CrmStore    *store,
                                          const char  *participant_id);

/* The list as a table (crm-export.h's shape, with its totals row) for CSV and XLSX. */
JsonNode  *crm_participant_table         (JsonNode    *list);

G_END_DECLS
