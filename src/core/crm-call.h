/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-call.h — phone calls (issue 18; SPEC S0-8, S4-8): the `call` entity, listed and
 * shown for `voronkactl call`, and the routing a PBX asks voronka-server for. The
 * server keeps the account's telephony settings and its token; everything that reads
 * or writes the replica is here, and every write goes through crm_store_apply(), so
 * calls, the contacts and deals they make and the tasks for missed calls sync to every
 * device.
 *
 * A call's id derives from the PBX's call id (crm_call_id()), and so do the contact,
 * deal, task and notification a call makes: a repeated routing request or event
 * writes nothing new. */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* Data, letter for letter as the templates spell their names (not translated): the
 * source of a deal made by a call from an unknown number, the missed call's task, the
 * caller card's title for a number no contact has. */
#define CRM_CALL_SOURCE     "Входящий звонок"
#define CRM_CALL_TASK_TEXT  "Перезвонить"
#define CRM_CALL_NEW_NUMBER "Новый номер"

/* A user's extension (the number the office phone system dials to ring them): a field
 * of the `user` entity, kept in its data, so it syncs like the user's name. */
#define CRM_CALL_EXTENSION_FIELD     "extension"
#define CRM_CALL_EXTENSION_MAX_CHARS 16

/* How an account routes calls (`voronka-server telephony set`); names or ids. */
typedef struct {
  const char         *pipeline;      /* deals of unknown numbers; NULL: the first pipeline */
  const char         *stage;         /* NULL: the pipeline's first stage */
  const char         *ring_group;    /* the group rung first (user "grp"); NULL: the
                                      * largest group of managers and reps */
  guint               ring_seconds;  /* each step of the ring; 0: 20 */
  gint                open_minute;   /* working hours, minutes after midnight in @zone; */
  gint                close_minute;  /* open == close: around the clock */
  guint               days;          /* working days: bit 0 Monday … bit 6 Sunday; 0: every day */
  const char         *zone;          /* an IANA zone ("Europe/Moscow"); NULL: UTC */
  const char * const *on_duty;       /* users on shift outside the working hours */
} CrmCallSettings;

/* The id of the call the PBX calls @external_id. */
char       *crm_call_id           (const char            *external_id);

/* S4-8: whether @user_id takes calls at @at (UTC ms): the users on duty always, a user
 * with a work schedule (crm-schedule.h) when on shift by it, anyone else in the account's
 * telephony hours. */
gboolean    crm_call_is_on_shift  (CrmStore              *store,
                                   const CrmCallSettings *settings,
                                   const char            *user_id,
                                   gint64                 at);

/* The routing of an incoming call (S0-8), written as one change set the first time
 * @external_id is routed: the call; for a number no contact has, the contact and a deal
 * (source CRM_CALL_SOURCE). Returns {"call","ring":[{"users":[NAME…],"user_ids":[ID…],
 * "extensions":[EXT|null…],"seconds"}],"reason","contact","deal","card"} — the same
 * answer when asked again (the extensions as the users have them now).
 * @from that is no phone number: rung like an unknown number, nothing created. */
JsonObject *crm_call_route        (CrmStore              *store,
                                   const CrmCallSettings *settings,
                                   const char            *external_id,
                                   const char            *from,
                                   const char            *to,
                                   gint64                 at,
                                   GError               **error);

/* One event of a routed call: "ringing", "answered" (@user: a user's name or id, who
 * becomes responsible for a new caller's deal and contact), "ended" (a call nobody
 * answered is "missed": a task CRM_CALL_TASK_TEXT and a notification for the user the
 * routing named), "recording" (@recording_url). *out_applied is FALSE when it changed
 * nothing (a repeated event, an unknown call), with *out_reason saying why. An unknown
 * @user is NOT_FOUND, an unknown @event INVALID_INPUT. */
gboolean    crm_call_event        (CrmStore              *store,
                                   const char            *external_id,
                                   const char            *event,
                                   const char            *user,
                                   const char            *recording_url,
                                   gint64                 at,
                                   gboolean              *out_applied,
                                   char                 **out_reason,
                                   GError               **error);

/* The caller's card for contact @contact_id (NULL: a new number): {"title","name",
 * "phone","company","deals":[{"id","title","stage","amount"}],"last_note","contact",
 * "new"}. */
JsonObject *crm_call_card         (CrmStore              *store,
                                   const char            *contact_id,
                                   const char            *phone,
                                   GError               **error);
/* What the user @user_id may be shown of the route answer @answer (crm_call_route(), its
 * "deal" and "card"), by what their replica may hold (crm-visibility.h): in *@out_card
 * the card with only the deals they see and the last note of the contact or of one of
 * those, in *@out_deal the call's deal. A call about a deal they do not see is not shown
 * them (*@out_card NULL), but for a new number's, whose card holds nothing of the deal
 * the call made but the number: theirs without the deal. FALSE only when the replica
 * could not be read. */
gboolean    crm_call_card_for_user (CrmStore              *store,
                                    JsonObject            *answer,
                                    const char            *user_id,
                                    JsonObject           **out_card,
                                    char                 **out_deal,
                                    GError               **error);

/* Calls newest first (missed ones first with @missed_first), as [{"id","direction",
 * "from","to","started_at","answered_at","answered_by","duration","status",
 * "recording_url","contact","contact_name","deal","deal_title","reason"}]. Filters:
 * only missed (and voicemail) ones, only those started in [@from_ms, @to_ms) (0: no
 * bound), of a contact, of a deal. */
JsonArray  *crm_call_list         (CrmStore              *store,
                                   gboolean               missed_only,
                                   gboolean               missed_first,
                                   gint64                 from_ms,
                                   gint64                 to_ms,
                                   const char            *contact_id,
                                   const char            *deal_id,
                                   GError               **error);

/* One call in the shape of crm_call_list(); NOT_FOUND otherwise. @id: an id or a
 * unique prefix of one. */
JsonObject *crm_call_show         (CrmStore              *store,
                                   const char            *id,
                                   GError               **error);

/* The settings as they take effect, for `voronka-server telephony show`: {"pipeline",
 * "stage","ring_group","ring_group_users","managers","head","ring_seconds","hours",
 * "zone","on_duty","working_days","rules":[TEXT…]} — names, defaults filled in
 * ("working_days" the CrmCallSettings.days bits), the rules in words. */
JsonObject *crm_call_describe_settings (CrmStore              *store,
                                        const CrmCallSettings *settings,
                                        GError               **error);
/* The routing rules of such a description in words, in this program's language (the
 * app words what the server published): the new number, a known caller with an active
 * deal, one without, outside the working hours — four strings. */
GPtrArray  *crm_call_routing_rules     (JsonObject            *description);
/* Working days (CrmCallSettings.days bits) as people read them: «Пн–Пт», «Пн, Ср, Пт»,
 * «every day» for none or all. */
char       *crm_call_days_text         (guint                  days);

/* The routing as the app may know it: voronka-server publishes each account's
 * description (crm_call_describe_settings() without "rules", with "account", or
 * {"account","problem"} when the settings name what no longer exists) into its replica
 * as the setting CRM_CALL_ROUTING_KEY, so the Automation view shows it, also offline.
 * Publishing what is already there writes nothing (*out_changed FALSE). */
#define CRM_CALL_ROUTING_KEY "server.telephony"
gboolean    crm_call_publish_routing   (CrmStore              *store,
                                        JsonObject            *state,
                                        gboolean              *out_changed,
                                        GError               **error);
/* What the server last published, or NULL (no telephony on this account, or not synced). */
JsonObject *crm_call_dup_routing       (CrmStore              *store);

/* Whether @extension is one: 1 to CRM_CALL_EXTENSION_MAX_CHARS digits, * or #. */
gboolean    crm_call_extension_is_valid (const char          *extension);
/* @user_id's extension, or NULL. */
char       *crm_call_dup_extension (CrmStore              *store,
                                    const char            *user_id);
/* Adds to @changeset that @user_id's extension becomes @extension (NULL: none). Refused
 * (INVALID_INPUT, nothing added) when it is no extension or another user has it. */
gboolean    crm_call_set_extension (CrmStore              *store,
                                    CrmChangeset          *changeset,
                                    const char            *user_id,
                                    const char            *extension,
                                    GError               **error);

G_END_DECLS
