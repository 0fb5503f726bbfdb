/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-schedule.c — work schedules (S2-7), see crm-schedule.h.
 *
 * Entities (replicated like any other, so every replica answers "who is on shift" alike):
 *   schedule            one per user, id UUIDv5 "schedule/<user id>": user, week (the
 *                       pattern as [{"day","start","end"}]).
 *   schedule_exception  user, kind ("off": days off from_date…to_date; "shift": a one-off
 *                       day of shifts on from_date, its hours replacing the pattern's),
 *                       from_date, to_date (YYYY-MM-DD, local days), hours, reason.
 *   setting "time_zone"  the account's zone (crm-setting.h); read from the older
 *                       account_setting (id UUIDv5 "account_setting/time_zone") when unset.
 * A shift belongs to the local day it starts on; times are wall-clock times in the
 * account's zone, turned into UTC with GTimeZone day by day, so a shift keeps its hours
 * across a daylight-saving change. */
#define G_LOG_DOMAIN "voronka-schedule"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-schedule.h"
#include "crm-setting.h"
#include "crm-error.h"
#include "crm-json-private.h"
#include "crm-query.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define MINUTES_PER_DAY 1440
#define MINUTES_PER_WEEK (7 * MINUTES_PER_DAY)
#define LOOK_AHEAD_DAYS 366

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char *const day_names_ru[] = { "пн", "вт", "ср", "чт", "пт", "сб", "вс" };

typedef struct {
  int day;     /* 0 = Monday … 6 = Sunday; -1 in a one-off day's hours */
  int start;   /* minutes from midnight, 0 … 1439 */
  int end;     /* 1 … 1440; not after start: the shift ends the next day */
} Shift;

typedef struct {
  gboolean off;
  GDate    from;
  GDate    to;
  GArray  *hours;   /* Shift, for a one-off day */
  char    *reason;
} Exception;

typedef struct {
  GTimeZone *tz;
  gboolean   has;        /* a pattern or an exception exists */
  GArray    *week;       /* Shift */
  GPtrArray *exceptions; /* Exception* */
} Schedule;

static void
exception_free (Exception *exception)
{
  g_clear_pointer (&exception->hours, g_array_unref);
  g_free (exception->reason);
  g_free (exception);
}

static void
schedule_clear (Schedule *schedule)
{
  g_clear_pointer (&schedule->tz, g_time_zone_unref);
  g_clear_pointer (&schedule->week, g_array_unref);
  g_clear_pointer (&schedule->exceptions, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Schedule, schedule_clear)

static int
shift_length (const Shift *shift)
{
  return shift->end > shift->start ? shift->end - shift->start
                                   : shift->end + MINUTES_PER_DAY - shift->start;
}

static char *
format_minutes (int minutes)
{
  return g_strdup_printf ("%02d:%02d", minutes / 60, minutes % 60);
}

static char *
format_shift (const Shift *shift)
{
  g_autofree char *start = format_minutes (shift->start);
  g_autofree char *end = format_minutes (shift->end);

  if (shift->day >= 0)
    return g_strdup_printf ("%s %s-%s", day_names[shift->day], start, end);
  return g_strdup_printf ("%s-%s", start, end);
}

/* --- parsing ------------------------------------------------------------------------------ */

static gboolean
parse_time (const char *text,
            gboolean    is_end,
            int        *out_minutes)
{
  g_auto(GStrv) parts = NULL;
  guint64 hours, minutes;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, ":", -1);
  if (g_strv_length (parts) != 2 || strlen (parts[0]) < 1 || strlen (parts[0]) > 2 ||
      strlen (parts[1]) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 24, &hours, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &minutes, NULL))
    return FALSE;
  if (hours == 24 && (minutes != 0 || !is_end))
    return FALSE;
  *out_minutes = (int) (hours * 60 + minutes);
  return TRUE;
}

/* "09:00-18:00" (a hyphen or an en dash) into @shift. */
static gboolean
parse_hours (const char  *text,
             const char  *whole,
             Shift       *shift,
             GError     **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *dash = strstr (copy, "–");
  g_autofree char *start_text = NULL;
  const char *end_text;

  if (dash != NULL)
    {
      *dash = '\0';
      end_text = dash + strlen ("–");
    }
  else if ((dash = strchr (copy, '-')) != NULL)
    {
      *dash = '\0';
      end_text = dash + 1;
    }
  else
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("“%s” is not a shift; write it as 09:00-18:00"), whole);
  start_text = g_strstrip (g_strdup (copy));
  {
    g_autofree char *end_copy = g_strstrip (g_strdup (end_text));

    if (!parse_time (start_text, FALSE, &shift->start))
      return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                             _("“%s” in “%s” is not a time; write hours and minutes from "
                               "00:00 to 23:59"), start_text, whole);
    if (!parse_time (end_copy, TRUE, &shift->end))
      return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                             _("“%s” in “%s” is not a time; write hours and minutes from "
                               "00:00 to 24:00"), end_copy, whole);
  }
  if (shift->end == shift->start)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("The shift “%s” starts and ends at the same time; a shift "
                             "through midnight ends the next day, e.g. 20:00-08:00"), whole);
  return TRUE;
}

static int
parse_day (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);

  for (int i = 0; i < 7; i++)
    if (g_str_equal (lower, day_names[i]) || g_str_equal (lower, day_names_ru[i]))
      return i;
  return -1;
}

/* Do two shifts of a week (or of one day, when day is -1 for both) share a minute? */
static gboolean
shifts_overlap (const Shift *a,
                const Shift *b)
{
  gint64 a_start = (gint64) MAX (a->day, 0) * MINUTES_PER_DAY + a->start;
  gint64 b_start = (gint64) MAX (b->day, 0) * MINUTES_PER_DAY + b->start;
  gint64 a_end = a_start + shift_length (a);
  gint64 b_end = b_start + shift_length (b);

  for (int k = -1; k <= 1; k++)
    {
      gint64 shift = (a->day >= 0 ? (gint64) k * MINUTES_PER_WEEK : 0);

      if (a->day < 0 && k != 0)
        continue;
      if (a_start < b_end + shift && b_start + shift < a_end)
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_overlaps (GArray  *shifts,
                GError **error)
{
  for (guint i = 0; i < shifts->len; i++)
    for (guint j = i + 1; j < shifts->len; j++)
      if (shifts_overlap (&g_array_index (shifts, Shift, i), &g_array_index (shifts, Shift, j)))
        {
          g_autofree char *a = format_shift (&g_array_index (shifts, Shift, i));
          g_autofree char *b = format_shift (&g_array_index (shifts, Shift, j));

          return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                                 _("The shifts “%s” and “%s” overlap; a person works one "
                                   "shift at a time"), a, b);
        }
  return TRUE;
}

static gint
compare_shifts (gconstpointer a,
                gconstpointer b)
{
  const Shift *x = a, *y = b;

  if (x->day != y->day)
    return x->day - y->day;
  return x->start - y->start;
}

static GArray *
parse_week_shifts (const char  *text,
                   GError     **error)
{
  g_autoptr(GArray) shifts = g_array_new (FALSE, FALSE, sizeof (Shift));
  g_auto(GStrv) items = g_strsplit (text != NULL ? text : "", ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      char *equals;
      g_auto(GStrv) hours = NULL;
      int day;

      if (*item == '\0')
        continue;
      equals = strchr (item, '=');
      if (equals == NULL)
        {
          crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                          _("“%s” is not a day's shift; write it as mon=09:00-18:00"), item);
          return NULL;
        }
      *equals = '\0';
      g_strstrip (item);
      day = parse_day (item);
      if (day < 0)
        {
          crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                          _("“%s” is not a day of the week; use mon, tue, wed, thu, fri, sat "
                            "or sun"), item);
          return NULL;
        }
      hours = g_strsplit (equals + 1, "+", -1);
      for (guint h = 0; hours[h] != NULL; h++)
        {
          Shift shift = { day, 0, 0 };
          g_autofree char *whole = g_strdup_printf ("%s=%s", day_names[day],
                                                    g_strstrip (hours[h]));

          if (!parse_hours (hours[h], whole, &shift, error))
            return NULL;
          g_array_append_val (shifts, shift);
        }
    }
  g_array_sort (shifts, compare_shifts);
  if (!check_overlaps (shifts, error))
    return NULL;
  return g_steal_pointer (&shifts);
}

static JsonNode *
shifts_to_json (GArray *shifts)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < shifts->len; i++)
    {
      const Shift *shift = &g_array_index (shifts, Shift, i);
      JsonObject *object = json_object_new ();
      g_autofree char *start = format_minutes (shift->start);
      g_autofree char *end = format_minutes (shift->end);

      if (shift->day >= 0)
        json_object_set_string_member (object, "day", day_names[shift->day]);
      json_object_set_string_member (object, "start", start);
      json_object_set_string_member (object, "end", end);
      json_array_add_object_element (array, object);
    }
  return crm_json_node_take_array (array);
}

JsonNode *
crm_schedule_parse_week (const char  *text,
                         GError     **error)
{
  g_autoptr(GArray) shifts = parse_week_shifts (text, error);

  return shifts != NULL ? shifts_to_json (shifts) : NULL;
}

/* The stored form back into shifts; entries this version cannot read are skipped. */
static GArray *
shifts_from_json (const char *text,
                  gboolean    with_day)
{
  GArray *shifts = g_array_new (FALSE, FALSE, sizeof (Shift));
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return shifts;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *object;
      Shift shift = { -1, 0, 0 };
      const char *day;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      object = json_node_get_object (element);
      day = json_object_get_string_member_with_default (object, "day", NULL);
      if (with_day && (day == NULL || (shift.day = parse_day (day)) < 0))
        continue;
      if (!parse_time (json_object_get_string_member_with_default (object, "start", NULL),
                       FALSE, &shift.start) ||
          !parse_time (json_object_get_string_member_with_default (object, "end", NULL),
                       TRUE, &shift.end) || shift.start == shift.end)
        continue;
      g_array_append_val (shifts, shift);
    }
  return shifts;
}

static gboolean
parse_date (const char  *text,
            const char  *what,
            GDate       *out,
            GError     **error)
{
  int y, m, d;
  char tail;

  g_date_clear (out, 1);
  if (text != NULL && sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
      strlen (text) == 10 && g_date_valid_dmy (d, m, y))
    {
      g_date_set_dmy (out, d, m, y);
      return TRUE;
    }
  return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("%s: “%s” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-28"),
                         what, text != NULL ? text : "");
}

static char *
format_date (const GDate *date)
{
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

/* --- the account's zone --------------------------------------------------------------------- */

/* The old place of the zone (schema step 15), read when `setting` has none (crm-setting.h). */
static char *
account_setting_id (const char *key)
{
  g_autofree char *name = g_strconcat ("account_setting/", key, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

/* The setting's value for @zone: {"zone": @zone}. */
static JsonNode *
zone_value (const char *zone)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "zone", zone);
  json_node_take_object (node, object);
  return node;
}

char *
crm_schedule_lookup_zone (CrmStore *store)
{
  g_autoptr(JsonNode) value = crm_setting_dup_value (store, CRM_SETTING_TIME_ZONE);
  g_autofree char *old_id = NULL;
  char *zone = NULL;

  /* {"zone": "Europe/Moscow"} (a setting's value is an object) */
  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value))
    zone = g_strdup (json_object_get_string_member_with_default (json_node_get_object (value),
                                                                 "zone", NULL));
  if (zone == NULL)
    {
      old_id = account_setting_id (CRM_SETTING_TIME_ZONE);
      zone = _crm_store_dup_column (store, "account_setting", old_id, "value");
    }
  return zone != NULL && *zone != '\0' ? zone : (g_free (zone), NULL);
}

char *
crm_schedule_dup_zone (CrmStore *store)
{
  char *zone = crm_schedule_lookup_zone (store);

  return zone != NULL ? zone : g_strdup (CRM_SCHEDULE_DEFAULT_ZONE);
}

static GTimeZone *
zone_of (CrmStore *store)
{
  g_autofree char *zone = crm_schedule_dup_zone (store);
  GTimeZone *tz = g_time_zone_new_identifier (zone);

  return tz != NULL ? tz : g_time_zone_new_utc ();
}

static gboolean
check_zone (const char  *zone,
            GError     **error)
{
  g_autoptr(GTimeZone) tz = zone != NULL && *zone != '\0' ? g_time_zone_new_identifier (zone)
                                                          : NULL;

  if (tz == NULL)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("“%s” is not a time zone this system knows; use a name such as "
                             "Europe/Moscow or Asia/Yekaterinburg"), zone != NULL ? zone : "");
  return TRUE;
}

static void
add_zone_change (CrmChangeset *changeset,
                 CrmStore     *store,
                 const char   *zone)
{
  crm_setting_fill (changeset, store, CRM_SETTING_TIME_ZONE, zone_value (zone));
}

static gboolean
apply_as (CrmStore      *store,
          CrmChangeset  *changeset,
          const char    *actor,
          GError       **error)
{
  if (actor != NULL)
    crm_changeset_set_actor (changeset, actor);
  return crm_store_apply (store, changeset, error);
}

gboolean
crm_schedule_set_zone (CrmStore    *store,
                       const char  *actor,
                       const char  *zone,
                       GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();

  if (!check_zone (zone, error))
    return FALSE;
  add_zone_change (changeset, store, zone);
  return apply_as (store, changeset, actor, error);
}

/* --- loading a schedule ------------------------------------------------------------------ */

static char *
schedule_id (const char *user_id)
{
  g_autofree char *name = g_strconcat ("schedule/", user_id, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

static gboolean
load_schedule (CrmStore    *store,
               const char  *user_id,
               Schedule    *schedule,
               GError     **error)
{
  g_autofree char *id = schedule_id (user_id);
  g_autofree char *week = _crm_store_dup_column (store, "schedule", id, "week");
  sqlite3_stmt *stmt;
  int rc;

  schedule->tz = zone_of (store);
  schedule->week = shifts_from_json (week, TRUE);
  schedule->exceptions = g_ptr_array_new_with_free_func ((GDestroyNotify) exception_free);
  schedule->has = week != NULL;

  stmt = _crm_store_prepare (store,
    "SELECT kind, from_date, to_date, hours, reason FROM schedule_exception"
    " WHERE user = ?1 AND deleted = 0 ORDER BY from_date, id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Exception *exception = g_new0 (Exception, 1);
      const char *from = (const char *) sqlite3_column_text (stmt, 1);
      const char *to = (const char *) sqlite3_column_text (stmt, 2);

      exception->off = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "off") == 0;
      if (!parse_date (from, "from", &exception->from, NULL) ||
          !parse_date (to != NULL ? to : from, "to", &exception->to, NULL))
        {
          exception_free (exception);
          continue;
        }
      exception->hours = shifts_from_json ((const char *) sqlite3_column_text (stmt, 3), FALSE);
      exception->reason = _crm_sql_dup_column_text (stmt, 4);
      g_ptr_array_add (schedule->exceptions, exception);
      schedule->has = TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a work schedule");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* --- shifts in time ------------------------------------------------------------------------ */

static gint64
local_ms (GTimeZone   *tz,
          const GDate *date,
          int          day_offset,
          int          minutes)
{
  GDate day = *date;
  g_autoptr(GDateTime) dt = NULL;

  if (minutes >= MINUTES_PER_DAY)
    {
      day_offset++;
      minutes -= MINUTES_PER_DAY;
    }
  if (day_offset > 0)
    g_date_add_days (&day, day_offset);
  dt = g_date_time_new (tz, g_date_get_year (&day), g_date_get_month (&day),
                        g_date_get_day (&day), minutes / 60, minutes % 60, 0);
  return dt != NULL ? g_date_time_to_unix (dt) * 1000 : 0;
}

static void
local_date (GTimeZone *tz,
            gint64     at,
            GDate     *out)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at / 1000 - (at % 1000 < 0));
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  g_date_clear (out, 1);
  g_date_set_dmy (out, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
}

/* The shifts that start on local @date, as UTC [start, end) pairs (gint64). */
static GArray *
shifts_on_date (const Schedule *schedule,
                const GDate    *date)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));
  GArray *hours = NULL;
  int weekday = g_date_get_weekday (date) - 1;  /* G_DATE_MONDAY is 1 */

  for (guint i = 0; i < schedule->exceptions->len; i++)
    {
      const Exception *exception = schedule->exceptions->pdata[i];

      if (g_date_compare (date, &exception->from) < 0 || g_date_compare (date, &exception->to) > 0)
        continue;
      if (exception->off)
        return out;  /* a day off beats everything */
      hours = exception->hours;
    }

  for (guint i = 0; i < (hours != NULL ? hours : schedule->week)->len; i++)
    {
      const Shift *shift = &g_array_index (hours != NULL ? hours : schedule->week, Shift, i);
      gint64 start, end;

      if (hours == NULL && shift->day != weekday)
        continue;
      start = local_ms (schedule->tz, date, 0, shift->start);
      end = local_ms (schedule->tz, date, shift->end > shift->start ? 0 : 1, shift->end);
      g_array_append_val (out, start);
      g_array_append_val (out, end);
    }
  return out;
}

/* The shift @at falls in: TRUE with its end in *out_until. */
static gboolean
on_shift (const Schedule *schedule,
          gint64          at,
          gint64         *out_until)
{
  GDate today;

  local_date (schedule->tz, at, &today);
  for (int back = 1; back >= 0; back--)
    {
      GDate day = today;
      g_autoptr(GArray) spans = NULL;

      g_date_subtract_days (&day, back);
      spans = shifts_on_date (schedule, &day);
      for (guint i = 0; i + 1 < spans->len; i += 2)
        if (g_array_index (spans, gint64, i) <= at && at < g_array_index (spans, gint64, i + 1))
          {
            if (out_until != NULL)
              *out_until = g_array_index (spans, gint64, i + 1);
            return TRUE;
          }
    }
  return FALSE;
}

static gint64
next_working (const Schedule *schedule,
              gint64          after)
{
  GDate day;

  local_date (schedule->tz, after, &day);
  g_date_subtract_days (&day, 1);
  for (int n = 0; n <= LOOK_AHEAD_DAYS + 1; n++, g_date_add_days (&day, 1))
    {
      g_autoptr(GArray) spans = shifts_on_date (schedule, &day);
      gint64 best = 0;

      for (guint i = 0; i + 1 < spans->len; i += 2)
        {
          gint64 start = g_array_index (spans, gint64, i);
          gint64 end = g_array_index (spans, gint64, i + 1);

          if (end > after && (best == 0 || MAX (start, after) < best))
            best = MAX (start, after);
        }
      if (best != 0)
        return best;
    }
  return 0;
}

gboolean
crm_schedule_has_schedule (CrmStore   *store,
                           const char *user_id)
{
  g_auto(Schedule) schedule = { 0 };

  return user_id != NULL && load_schedule (store, user_id, &schedule, NULL) && schedule.has;
}

gboolean
crm_schedule_is_on_shift (CrmStore    *store,
                          const char  *user_id,
                          gint64       at,
                          gboolean    *out_on_shift,
                          GError     **error)
{
  g_auto(Schedule) schedule = { 0 };

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_on_shift != NULL, FALSE);

  *out_on_shift = FALSE;
  if (user_id == NULL)
    return TRUE;
  if (!load_schedule (store, user_id, &schedule, error))
    return FALSE;
  *out_on_shift = on_shift (&schedule, at, NULL);
  return TRUE;
}

gboolean
crm_schedule_next_working (CrmStore    *store,
                           const char  *user_id,
                           gint64       after,
                           gint64      *out_at,
                           GError     **error)
{
  g_auto(Schedule) schedule = { 0 };

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_at != NULL, FALSE);

  *out_at = 0;
  if (user_id == NULL)
    return TRUE;
  if (!load_schedule (store, user_id, &schedule, error))
    return FALSE;
  *out_at = next_working (&schedule, after);
  return TRUE;
}

gboolean
crm_schedule_day_off (CrmStore    *store,
                      const char  *user_id,
                      gint64       at,
                      gboolean    *out_day_off,
                      gint64      *out_next_working,
                      guint       *out_days_off,
                      GError     **error)
{
  g_auto(Schedule) schedule = { 0 };
  GDate day;
  int minutes;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  *out_day_off = FALSE;
  if (out_next_working != NULL)
    *out_next_working = 0;
  if (out_days_off != NULL)
    *out_days_off = 0;
  if (user_id == NULL)
    return TRUE;
  if (!load_schedule (store, user_id, &schedule, error))
    return FALSE;
  if (!schedule.has)
    return TRUE;

  local_date (schedule.tz, at, &day);
  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at / 1000);
    g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, schedule.tz);

    minutes = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);
  }
  for (guint n = 0; n <= LOOK_AHEAD_DAYS; n++, g_date_add_days (&day, 1))
    {
      g_autoptr(GArray) spans = shifts_on_date (&schedule, &day);

      if (spans->len > 0)
        {
          /* the same time of day when it falls in a shift then, else the shift's start */
          gint64 same = local_ms (schedule.tz, &day, 0, minutes);
          gint64 moved = g_array_index (spans, gint64, 0);

          for (guint i = 0; i + 1 < spans->len; i += 2)
            if (g_array_index (spans, gint64, i) <= same &&
                same < g_array_index (spans, gint64, i + 1))
              moved = same;
          if (n > 0 && out_next_working != NULL)
            *out_next_working = moved;
          break;
        }
      *out_day_off = TRUE;
      if (out_days_off != NULL)
        *out_days_off = n + 1;
    }
  return TRUE;
}

GPtrArray *
crm_schedule_group_on_shift (CrmStore    *store,
                             const char  *group,
                             gint64       at,
                             GError     **error)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) on = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id FROM user WHERE grp = ?1 AND deleted = 0 ORDER BY name, id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, group, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (members, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a group's members");
      return NULL;
    }
  for (guint i = 0; i < members->len; i++)
    {
      gboolean is_on = FALSE;

      if (!crm_schedule_is_on_shift (store, members->pdata[i], at, &is_on, error))
        return NULL;
      if (is_on)
        g_ptr_array_add (on, g_strdup (members->pdata[i]));
    }
  return g_steal_pointer (&on);
}

/* --- writing --------------------------------------------------------------------------------- */

static char *
resolve_user (CrmStore    *store,
              const char  *user,
              GError     **error)
{
  if (user == NULL || *user == '\0')
    {
      crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                      _("Name the user whose schedule this is"));
      return NULL;
    }
  return crm_query_resolve (store, "user", user, NULL, error);
}

gboolean
crm_schedule_set_week (CrmStore    *store,
                       const char  *actor,
                       const char  *user,
                       const char  *week,
                       const char  *zone,
                       GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user_id = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) shifts = NULL;
  g_autoptr(JsonObject) existing = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if ((user_id = resolve_user (store, user, error)) == NULL ||
      (shifts = crm_schedule_parse_week (week, error)) == NULL ||
      (zone != NULL && !check_zone (zone, error)))
    return FALSE;
  id = schedule_id (user_id);
  existing = crm_store_dup_entity (store, "schedule", id);
  change = existing != NULL ? crm_changeset_touch (changeset, "schedule", id)
                            : crm_changeset_create (changeset, "schedule", id);
  crm_change_set_string (change, "user", user_id);
  crm_change_set_node (change, "week", g_steal_pointer (&shifts));
  if (zone != NULL)
    add_zone_change (changeset, store, zone);
  return apply_as (store, changeset, actor, error);
}

static char *
add_exception (CrmStore    *store,
               const char  *actor,
               const char  *user,
               const char  *kind,
               const GDate *from,
               const GDate *to,
               GArray      *hours,
               const char  *reason,
               GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *user_id = resolve_user (store, user, error);
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  char *id;
  CrmChange *change;

  if (user_id == NULL)
    return NULL;
  id = crm_store_new_id (store);
  from_text = format_date (from);
  to_text = format_date (to);
  change = crm_changeset_create (changeset, "schedule_exception", id);
  crm_change_set_string (change, "user", user_id);
  crm_change_set_string (change, "kind", kind);
  crm_change_set_string (change, "from_date", from_text);
  crm_change_set_string (change, "to_date", to_text);
  if (hours != NULL)
    crm_change_set_node (change, "hours", shifts_to_json (hours));
  if (reason != NULL && *reason != '\0')
    crm_change_set_string (change, "reason", reason);
  crm_change_set_int (change, "created_at", crm_store_get_now (store));
  if (!apply_as (store, changeset, actor, error))
    {
      g_free (id);
      return NULL;
    }
  return id;
}

char *
crm_schedule_add_off (CrmStore    *store,
                      const char  *actor,
                      const char  *user,
                      const char  *from_date,
                      const char  *to_date,
                      const char  *reason,
                      GError     **error)
{
  GDate from, to;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!parse_date (from_date, "--from", &from, error) ||
      !parse_date (to_date != NULL ? to_date : from_date, "--to", &to, error))
    return NULL;
  if (g_date_compare (&from, &to) > 0)
    {
      crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                      _("The days off end (%s) before they start (%s); swap --from and --to"),
                      to_date, from_date);
      return NULL;
    }
  if (g_date_days_between (&from, &to) > LOOK_AHEAD_DAYS)
    {
      crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                      _("Days off from %s to %s are more than a year; enter them a year at "
                        "a time"), from_date, to_date);
      return NULL;
    }
  return add_exception (store, actor, user, "off", &from, &to, NULL, reason, error);
}

char *
crm_schedule_add_shift (CrmStore    *store,
                        const char  *actor,
                        const char  *user,
                        const char  *date,
                        const char  *hours,
                        const char  *reason,
                        GError     **error)
{
  g_autoptr(GArray) shifts = g_array_new (FALSE, FALSE, sizeof (Shift));
  g_auto(GStrv) parts = g_strsplit (hours != NULL ? hours : "", "+", -1);
  GDate day;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!parse_date (date, "--date", &day, error))
    return NULL;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      Shift shift = { -1, 0, 0 };
      g_autofree char *whole = g_strstrip (g_strdup (parts[i]));

      if (!parse_hours (parts[i], whole, &shift, error))
        return NULL;
      g_array_append_val (shifts, shift);
    }
  if (shifts->len == 0)
    {
      crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                      _("Give the shift's hours, e.g. --hours 10:00-19:00"));
      return NULL;
    }
  g_array_sort (shifts, compare_shifts);
  if (!check_overlaps (shifts, error))
    return NULL;
  return add_exception (store, actor, user, "shift", &day, &day, shifts, reason, error);
}

void
crm_schedule_add_week_change (CrmChangeset *changeset,
                              const char   *user_id,
                              const char   *week)
{
  g_autofree char *id = schedule_id (user_id);
  JsonNode *shifts = crm_schedule_parse_week (week, NULL);
  CrmChange *change;

  if (shifts == NULL)
    return;
  change = crm_changeset_create (changeset, "schedule", id);
  crm_change_set_string (change, "user", user_id);
  crm_change_set_node (change, "week", shifts);
}

void
crm_schedule_add_zone_change (CrmChangeset *changeset,
                              const char   *zone)
{
  crm_setting_fill (changeset, NULL, CRM_SETTING_TIME_ZONE, zone_value (zone));
}

/* --- showing ----------------------------------------------------------------------------------- */

static void
set_time_or_null (JsonObject *object,
                  const char *member,
                  gint64      ms)
{
  if (ms != 0)
    {
      g_autofree char *text = crm_time_format (ms);
      json_object_set_string_member (object, member, text);
    }
  else
    json_object_set_null_member (object, member);
}

static JsonArray *
exceptions_json (CrmStore    *store,
                 const char  *user_id,
                 GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, kind, from_date, to_date, hours, reason FROM schedule_exception"
    " WHERE user = ?1 AND deleted = 0 ORDER BY from_date, id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      g_autoptr(GArray) hours = shifts_from_json ((const char *) sqlite3_column_text (stmt, 4),
                                                  FALSE);
      g_autoptr(GString) hours_text = g_string_new (NULL);

      json_object_set_string_member (item, "id", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (item, "kind", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_string_member (item, "from", (const char *) sqlite3_column_text (stmt, 2));
      json_object_set_string_member (item, "to", (const char *) sqlite3_column_text (stmt, 3));
      for (guint i = 0; i < hours->len; i++)
        {
          g_autofree char *one = format_shift (&g_array_index (hours, Shift, i));
          g_string_append_printf (hours_text, "%s%s", i > 0 ? "+" : "", one);
        }
      if (hours->len > 0)
        json_object_set_string_member (item, "hours", hours_text->str);
      else
        json_object_set_null_member (item, "hours");
      if (sqlite3_column_type (stmt, 5) == SQLITE_TEXT)
        json_object_set_string_member (item, "reason",
                                       (const char *) sqlite3_column_text (stmt, 5));
      else
        json_object_set_null_member (item, "reason");
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading a work schedule");
      return NULL;
    }
  return g_steal_pointer (&list);
}

JsonObject *
crm_schedule_show (CrmStore    *store,
                   const char  *user,
                   gint64       at,
                   GError     **error)
{
  g_autofree char *user_id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *group = NULL;
  g_autofree char *zone = NULL;
  g_auto(Schedule) schedule = { 0 };
  g_autoptr(JsonObject) result = json_object_new ();
  JsonArray *exceptions;
  gint64 until = 0;
  gboolean is_on;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((user_id = resolve_user (store, user, error)) == NULL ||
      !load_schedule (store, user_id, &schedule, error) ||
      (exceptions = exceptions_json (store, user_id, error)) == NULL)
    return NULL;
  name = _crm_store_dup_column (store, "user", user_id, "name");
  group = _crm_store_dup_column (store, "user", user_id, "grp");
  zone = crm_schedule_dup_zone (store);
  is_on = on_shift (&schedule, at, &until);

  json_object_set_string_member (result, "user", name != NULL ? name : user_id);
  json_object_set_string_member (result, "user_id", user_id);
  if (group != NULL)
    json_object_set_string_member (result, "group", group);
  else
    json_object_set_null_member (result, "group");
  json_object_set_string_member (result, "zone", zone);
  json_object_set_member (result, "week", shifts_to_json (schedule.week));
  json_object_set_array_member (result, "exceptions", exceptions);
  json_object_set_boolean_member (result, "on_shift", is_on);
  set_time_or_null (result, "until", is_on ? until : 0);
  set_time_or_null (result, "next_shift", is_on ? at : next_working (&schedule, at));
  return g_steal_pointer (&result);
}

JsonArray *
crm_schedule_now (CrmStore    *store,
                  gint64       at,
                  const char  *group,
                  GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT u.id FROM user u WHERE u.deleted = 0 AND (?1 IS NULL OR u.grp = ?1)"
    " ORDER BY coalesce (u.grp, ''), u.name, u.id", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, group);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the users");
      return NULL;
    }

  for (guint i = 0; i < users->len; i++)
    {
      const char *user_id = users->pdata[i];
      g_auto(Schedule) schedule = { 0 };
      gint64 until = 0;
      JsonObject *item;
      g_autofree char *name = NULL;
      g_autofree char *user_group = NULL;

      if (!load_schedule (store, user_id, &schedule, error))
        return NULL;
      if (!on_shift (&schedule, at, &until))
        continue;
      name = _crm_store_dup_column (store, "user", user_id, "name");
      user_group = _crm_store_dup_column (store, "user", user_id, "grp");
      item = json_object_new ();
      json_object_set_string_member (item, "user", name != NULL ? name : user_id);
      json_object_set_string_member (item, "user_id", user_id);
      if (user_group != NULL)
        json_object_set_string_member (item, "group", user_group);
      else
        json_object_set_null_member (item, "group");
      set_time_or_null (item, "until", until);
      json_array_add_object_element (list, item);
    }
  return g_steal_pointer (&list);
}

char *
crm_schedule_format_local (CrmStore *store,
                           gint64    ms)
{
  g_autoptr(GTimeZone) tz = zone_of (store);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%d.%m.%Y %H:%M") : g_strdup ("");
}

/* --- the week grid ------------------------------------------------------------------------ */

char *
crm_schedule_dup_local_date (CrmStore *store,
                             gint64    at)
{
  g_autoptr(GTimeZone) tz = zone_of (store);
  GDate day;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  local_date (tz, at, &day);
  return format_date (&day);
}

/* The shifts of local @date (the pattern's, or a one-off day's) as Shift, and the
 * exception that decides the day (borrowed), or NULL. */
static GArray *
day_hours (const Schedule   *schedule,
           const GDate      *date,
           const Exception **out_exception)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Shift));
  GArray *hours = NULL;
  int weekday = g_date_get_weekday (date) - 1;

  *out_exception = NULL;
  for (guint i = 0; i < schedule->exceptions->len; i++)
    {
      const Exception *exception = schedule->exceptions->pdata[i];

      if (g_date_compare (date, &exception->from) < 0 || g_date_compare (date, &exception->to) > 0)
        continue;
      *out_exception = exception;
      if (exception->off)
        return out;
      hours = exception->hours;
    }
  for (guint i = 0; i < (hours != NULL ? hours : schedule->week)->len; i++)
    {
      const Shift *shift = &g_array_index (hours != NULL ? hours : schedule->week, Shift, i);

      if (hours == NULL && shift->day != weekday)
        continue;
      g_array_append_val (out, *shift);
    }
  return out;
}

static JsonObject *
grid_day (const Schedule *schedule,
          const GDate    *date)
{
  JsonObject *day = json_object_new ();
  const Exception *exception = NULL;
  g_autoptr(GArray) hours = day_hours (schedule, date, &exception);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *date_text = format_date (date);

  json_object_set_string_member (day, "date", date_text);
  for (guint i = 0; i < hours->len; i++)
    {
      const Shift *shift = &g_array_index (hours, Shift, i);
      g_autofree char *start = format_minutes (shift->start);
      g_autofree char *end = format_minutes (shift->end);

      g_string_append_printf (text, "%s%s–%s", i > 0 ? ", " : "", start, end);
    }
  if (hours->len > 0)
    json_object_set_string_member (day, "hours", text->str);
  else
    json_object_set_null_member (day, "hours");
  json_object_set_boolean_member (day, "off", schedule->has && hours->len == 0);
  if (exception != NULL)
    {
      g_autofree char *from = format_date (&exception->from);
      g_autofree char *to = format_date (&exception->to);

      json_object_set_string_member (day, "exception", exception->off ? "off" : "shift");
      json_object_set_string_member (day, "from", from);
      json_object_set_string_member (day, "to", to);
      if (exception->reason != NULL)
        json_object_set_string_member (day, "reason", exception->reason);
      else
        json_object_set_null_member (day, "reason");
    }
  else
    json_object_set_null_member (day, "exception");
  return day;
}

JsonArray *
crm_schedule_week_grid (CrmStore    *store,
                        const char  *date,
                        const char  *group,
                        GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  GDate monday;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!parse_date (date, "date", &monday, error))
    return NULL;
  g_date_subtract_days (&monday, g_date_get_weekday (&monday) - G_DATE_MONDAY);

  stmt = _crm_store_prepare (store,
    "SELECT u.id FROM user u WHERE u.deleted = 0 AND (?1 IS NULL OR u.grp = ?1)"
    " ORDER BY coalesce (u.grp, ''), u.name, u.id", error);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, group);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the users");
      return NULL;
    }

  for (guint i = 0; i < users->len; i++)
    {
      const char *user_id = users->pdata[i];
      g_auto(Schedule) schedule = { 0 };
      g_autofree char *name = NULL;
      g_autofree char *user_group = NULL;
      JsonObject *item;
      JsonArray *days;
      GDate day = monday;

      if (!load_schedule (store, user_id, &schedule, error))
        return NULL;
      name = _crm_store_dup_column (store, "user", user_id, "name");
      user_group = _crm_store_dup_column (store, "user", user_id, "grp");
      item = json_object_new ();
      json_object_set_string_member (item, "user", name != NULL ? name : user_id);
      json_object_set_string_member (item, "user_id", user_id);
      if (user_group != NULL)
        json_object_set_string_member (item, "group", user_group);
      else
        json_object_set_null_member (item, "group");
      json_object_set_boolean_member (item, "has_schedule", schedule.has);
      days = json_array_new ();
      for (int d = 0; d < 7; d++, g_date_add_days (&day, 1))
        json_array_add_object_element (days, grid_day (&schedule, &day));
      json_object_set_array_member (item, "days", days);
      json_array_add_object_element (list, item);
    }
  return g_steal_pointer (&list);
}

/* Ends the exceptions of @user_id that cover @day there: a one-day one is deleted, a
 * longer one keeps its days before and after @day (split in two when @day is inside). */
static void
clear_day_changes (CrmStore     *store,
                   CrmChangeset *changeset,
                   const char   *user_id,
                   const GDate  *day)
{
  g_autofree char *day_text = format_date (day);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, from_date, coalesce (to_date, from_date), kind, hours, reason"
    " FROM schedule_exception WHERE user = ?1 AND deleted = 0"
    " AND from_date <= ?2 AND coalesce (to_date, from_date) >= ?2", NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, day_text, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      char **row = g_new0 (char *, 7);

      for (int c = 0; c < 6; c++)
        row[c] = _crm_sql_dup_column_text (stmt, c);
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = rows->pdata[i];
      GDate from, to, before = *day, after = *day;
      CrmChange *change = crm_changeset_touch (changeset, "schedule_exception", row[0]);

      if (!parse_date (row[1], "from", &from, NULL) || !parse_date (row[2], "to", &to, NULL))
        {
          crm_change_set_bool (change, "deleted", TRUE);
          continue;
        }
      g_date_subtract_days (&before, 1);
      g_date_add_days (&after, 1);
      if (g_date_compare (&from, day) < 0)
        {
          g_autofree char *text = format_date (&before);

          crm_change_set_string (change, "to_date", text);
        }
      else if (g_date_compare (&to, day) > 0)
        {
          g_autofree char *text = format_date (&after);

          crm_change_set_string (change, "from_date", text);
        }
      else
        crm_change_set_bool (change, "deleted", TRUE);
      /* a range around @day: its days after @day go on as a new exception */
      if (g_date_compare (&from, day) < 0 && g_date_compare (&to, day) > 0)
        {
          g_autofree char *id = crm_store_new_id (store);
          g_autofree char *after_text = format_date (&after);
          CrmChange *rest = crm_changeset_create (changeset, "schedule_exception", id);

          crm_change_set_string (rest, "user", user_id);
          crm_change_set_string (rest, "kind", row[3]);
          crm_change_set_string (rest, "from_date", after_text);
          crm_change_set_string (rest, "to_date", row[2]);
          if (row[4] != NULL)
            {
              JsonNode *hours = json_from_string (row[4], NULL);

              if (hours != NULL)
                crm_change_set_node (rest, "hours", hours);
            }
          if (row[5] != NULL)
            crm_change_set_string (rest, "reason", row[5]);
          crm_change_set_int (rest, "created_at", crm_store_get_now (store));
        }
    }
}

gboolean
crm_schedule_set_day (CrmStore        *store,
                      const char      *actor,
                      const char      *user,
                      const char      *date,
                      CrmScheduleDay   kind,
                      const char      *hours,
                      const char      *reason,
                      GError         **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GArray) shifts = g_array_new (FALSE, FALSE, sizeof (Shift));
  g_autofree char *user_id = NULL;
  g_autofree char *id = NULL;
  GDate day;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!parse_date (date, "date", &day, error) ||
      (user_id = resolve_user (store, user, error)) == NULL)
    return FALSE;
  if (kind == CRM_SCHEDULE_DAY_SHIFT)
    {
      g_auto(GStrv) parts = g_strsplit (hours != NULL ? hours : "", "+", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          Shift shift = { -1, 0, 0 };
          g_autofree char *whole = g_strstrip (g_strdup (parts[i]));

          if (*whole == '\0')
            continue;
          if (!parse_hours (parts[i], whole, &shift, error))
            return FALSE;
          g_array_append_val (shifts, shift);
        }
      if (shifts->len == 0)
        return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                               _("Give the shift's hours, e.g. 10:00-19:00"));
      g_array_sort (shifts, compare_shifts);
      if (!check_overlaps (shifts, error))
        return FALSE;
    }

  clear_day_changes (store, changeset, user_id, &day);
  if (kind != CRM_SCHEDULE_DAY_USUAL)
    {
      g_autofree char *day_text = format_date (&day);

      id = crm_store_new_id (store);
      change = crm_changeset_create (changeset, "schedule_exception", id);
      crm_change_set_string (change, "user", user_id);
      crm_change_set_string (change, "kind", kind == CRM_SCHEDULE_DAY_OFF ? "off" : "shift");
      crm_change_set_string (change, "from_date", day_text);
      crm_change_set_string (change, "to_date", day_text);
      if (kind == CRM_SCHEDULE_DAY_SHIFT)
        crm_change_set_node (change, "hours", shifts_to_json (shifts));
      if (reason != NULL && *reason != '\0')
        crm_change_set_string (change, "reason", reason);
      crm_change_set_int (change, "created_at", crm_store_get_now (store));
    }
  if (crm_changeset_get_n_changes (changeset) == 0)
    return TRUE;
  return apply_as (store, changeset, actor, error);
}
