/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schedule.h — work schedules (S2-7): each user's weekly pattern of shifts plus
 * exceptions (days off: vacation, sick days; one-off shifts: a swapped shift), kept as
 * replicated entities (`schedule`, `schedule_exception`), read in the account's time
 * zone (the replicated `setting` "time_zone", crm-setting.h; daylight saving through
 * GTimeZone). Who is on shift at a time, who of a group is, and when a user next works.
 *
 * A week is written "mon=09:00-18:00,tue=09:00-18:00,sat=20:00-04:00": a day (mon … sun,
 * or пн … вс) and a shift; a day may have several shifts; a shift whose end is not after
 * its start ends the next day (sat=20:00-04:00 ends on Sunday at 04:00). Shifts that
 * overlap, across midnight and from Sunday into Monday too, are refused.
 *
 * A user without a schedule is never "on shift" for distribution, and never has a day
 * off for moving tasks (crm_schedule_has_schedule() tells them apart). */
#pragma once

#include <json-glib/json-glib.h>

#include "crm-store.h"

G_BEGIN_DECLS

/* The zone of an account that never set one. */
#define CRM_SCHEDULE_DEFAULT_ZONE "UTC"

/* The account's time zone identifier ("Europe/Moscow"); CRM_SCHEDULE_DEFAULT_ZONE when
 * none is set. */
char       *crm_schedule_dup_zone          (CrmStore    *store);
/* The account's time zone identifier, or NULL when the account never set one (reports
 * then count days in this computer's zone). */
char       *crm_schedule_lookup_zone       (CrmStore    *store);
/* Sets the account's zone as @actor; an identifier GTimeZone does not know is refused
 * (CRM_STORE_ERROR_INVALID_INPUT naming it). */
gboolean    crm_schedule_set_zone          (CrmStore    *store,
                                            const char  *actor,
                                            const char  *zone,
                                            GError     **error);

/* Parses a week ("mon=09:00-18:00,…") into its stored form, a JSON array of
 * {"day": "mon", "start": "09:00", "end": "18:00"} in week order. A bad day, a bad time
 * or overlapping shifts are CRM_STORE_ERROR_INVALID_INPUT naming them. */
JsonNode   *crm_schedule_parse_week        (const char  *text,
                                            GError     **error);

/* Sets @user's (name or id) weekly pattern from @week (crm_schedule_parse_week), and the
 * account's zone when @zone is not NULL, in one change set as @actor. An unknown user is
 * CRM_STORE_ERROR_NOT_FOUND naming them. */
gboolean    crm_schedule_set_week          (CrmStore    *store,
                                            const char  *actor,
                                            const char  *user,
                                            const char  *week,
                                            const char  *zone,
                                            GError     **error);
/* Days off for @user from @from_date to @to_date (YYYY-MM-DD, both included, in the
 * account's zone): no shift that starts on those days counts. @reason (optional):
 * «Отпуск», «Больничный»… Returns the exception's id. */
char       *crm_schedule_add_off           (CrmStore    *store,
                                            const char  *actor,
                                            const char  *user,
                                            const char  *from_date,
                                            const char  *to_date,
                                            const char  *reason,
                                            GError     **error);
/* A one-off shift (a swapped shift) for @user on @date: @hours ("10:00-19:00", several
 * joined with "+") replace that day's shifts of the pattern. Returns its id. */
char       *crm_schedule_add_shift         (CrmStore    *store,
                                            const char  *actor,
                                            const char  *user,
                                            const char  *date,
                                            const char  *hours,
                                            const char  *reason,
                                            GError     **error);

/* For templates (checked already): @user_id's week and the account's zone as new
 * entities in @changeset. */
void        crm_schedule_add_week_change   (CrmChangeset *changeset,
                                            const char   *user_id,
                                            const char   *week);
void        crm_schedule_add_zone_change   (CrmChangeset *changeset,
                                            const char   *zone);

/* Does @user_id have a schedule (a pattern or any exception)? */
gboolean    crm_schedule_has_schedule      (CrmStore    *store,
                                            const char  *user_id);
/* Is @user_id (a user's id) on shift at @at (UTC ms)? FALSE with @error only when the
 * replica could not be read; a user without a schedule is not on shift. */
gboolean    crm_schedule_is_on_shift       (CrmStore    *store,
                                            const char  *user_id,
                                            gint64       at,
                                            gboolean    *out_on_shift,
                                            GError     **error);
/* The ids of the users of @group (user.grp) on shift at @at, sorted by name then id;
 * NULL only on a read error. */
GPtrArray  *crm_schedule_group_on_shift    (CrmStore    *store,
                                            const char  *group,
                                            gint64       at,
                                            GError     **error);
/* The first moment at or after @after when @user_id is on shift (@after itself when on
 * shift then), looking a year ahead; *out_at is 0 when there is none (no schedule, or a
 * year off). */
gboolean    crm_schedule_next_working      (CrmStore    *store,
                                            const char  *user_id,
                                            gint64       after,
                                            gint64      *out_at,
                                            GError     **error);
/* Is the local day (in the account's zone) of @at a day off for @user_id — a user with a
 * schedule and no shift starting that day? *out_next_working gets the moment on the
 * next working day a task due at @at moves to: the same time of day when it falls in
 * a shift that day, else that day's first shift's start (0: none within a year) and *out_days_off the number of
 * days off in a row from @at's day on. */
gboolean    crm_schedule_day_off           (CrmStore    *store,
                                            const char  *user_id,
                                            gint64       at,
                                            gboolean    *out_day_off,
                                            gint64      *out_next_working,
                                            guint       *out_days_off,
                                            GError     **error);

/* @ms as "28.03.2026 15:00" in the account's zone (texts rules write). */
char       *crm_schedule_format_local      (CrmStore    *store,
                                            gint64       ms);

/* @user's schedule as shown: {"user", "user_id", "group", "zone", "week": [{"day",
 * "start", "end"}], "exceptions": [{"id", "kind": "off"|"shift", "from", "to", "hours",
 * "reason"}], "on_shift", "next_shift" (ISO 8601 UTC or null)} at @at. */
JsonObject *crm_schedule_show              (CrmStore    *store,
                                            const char  *user,
                                            gint64       at,
                                            GError     **error);
/* Who is on shift at @at: [{"user", "user_id", "group", "until"}] by group and name;
 * @group (optional) narrows it to one group. */
JsonArray  *crm_schedule_now               (CrmStore    *store,
                                            gint64       at,
                                            const char  *group,
                                            GError     **error);

/* The local date ("YYYY-MM-DD") of @at in the account's zone. */
char       *crm_schedule_dup_local_date    (CrmStore    *store,
                                            gint64       at);
/* The week (Monday to Sunday) that holds @date (YYYY-MM-DD) for the users of @group (NULL:
 * everyone), by group and name, for the app's week grid: [{"user", "user_id", "group",
 * "has_schedule", "days": [{"date", "hours" ("09:00–18:00, 20:00–23:00" or null), "off"
 * (a user with a schedule who has no shift that day), "exception" ("off", "shift" or
 * null: the pattern's day), "from", "to", "reason" (of that exception)}] × 7}]. */
JsonArray  *crm_schedule_week_grid         (CrmStore    *store,
                                            const char  *date,
                                            const char  *group,
                                            GError     **error);

typedef enum {
  CRM_SCHEDULE_DAY_SHIFT,   /* the day's hours are @hours */
  CRM_SCHEDULE_DAY_OFF,     /* a day off */
  CRM_SCHEDULE_DAY_USUAL,   /* back to the weekly pattern */
} CrmScheduleDay;

/* Sets one day of @user's schedule as @actor, in one change set: what exceptions said of
 * @date ends (a longer range of days off keeps its other days), then, for
 * CRM_SCHEDULE_DAY_SHIFT, a one-off day of @hours ("10:00-19:00", several joined with
 * "+"), for CRM_SCHEDULE_DAY_OFF a day off (@reason optional). Bad hours are
 * CRM_STORE_ERROR_INVALID_INPUT naming them; an unknown user CRM_STORE_ERROR_NOT_FOUND. */
gboolean    crm_schedule_set_day           (CrmStore       *store,
                                            const char     *actor,
                                            const char     *user,
                                            const char     *date,
                                            CrmScheduleDay  kind,
                                            const char     *hours,
                                            const char     *reason,
                                            GError        **error);

G_END_DECLS
