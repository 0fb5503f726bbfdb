/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-call.c — phone calls: the routing of S0-8 and S4-8 (whom a call rings, and
 * why), the PBX's events written as `call` entities, the contacts, deals, tasks and
 * notifications calls make, the caller's card, and the lists `voronkactl call` prints.
 * Ids derive from the PBX's call id, so nothing a call makes is ever made twice. */
#define G_LOG_DOMAIN "voronka-call"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-call.h"
#include "crm-format.h"
#include "crm-query.h"
#include "crm-rights.h"
#include "crm-schedule.h"
#include "crm-setting.h"
#include "crm-error-private.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-visibility.h"
#include "crm-json.h"

#define DEFAULT_RING_SECONDS 20

typedef struct {
  char *id;
  char *name;
  char *role;
  char *group;
  char *extension;   /* the user's field CRM_CALL_EXTENSION_FIELD, or NULL */
  gboolean admin;
  CrmScope team;     /* whose work their role oversees (crm-rights.h) */
  gboolean works_deals;   /* their role changes deals ("edit" of its default) */
} User;

static void
user_free (User *user)
{
  g_free (user->id);
  g_free (user->name);
  g_free (user->role);
  g_free (user->group);
  g_free (user->extension);
  g_free (user);
}

static char *
derived_id (const char *kind,
            const char *external_id)
{
  g_autofree char *name = g_strconcat (kind, ":", external_id, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

char *
crm_call_id (const char *external_id)
{
  g_return_val_if_fail (external_id != NULL, NULL);
  return derived_id ("call", external_id);
}

/* Every user of the account (not deleted), by name. */
static GPtrArray *
read_users (CrmStore  *store,
            GError   **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) user_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id, name, role, grp, json_extract (data, '$." CRM_CALL_EXTENSION_FIELD "')"
    " FROM \"user\" WHERE deleted = 0 ORDER BY name, id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      User *user = g_new0 (User, 1);

      user->id = _crm_sql_dup_column_text (stmt, 0);
      user->name = _crm_sql_dup_column_text (stmt, 1);
      user->role = _crm_sql_dup_column_text (stmt, 2);
      user->group = _crm_sql_dup_column_text (stmt, 3);
      user->extension = _crm_sql_dup_column_text (stmt, 4);
      g_ptr_array_add (users, user);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the users");
      return NULL;
    }
  /* whose calls each takes as a manager (their role's "team", crm-rights.h), whether
   * they work deals at all */
  for (guint i = 0; i < users->len; i++)
    {
      User *user = users->pdata[i];
      g_autoptr(CrmUserRights) rights = crm_user_rights_new_for_role (store, user->id,
                                                                      user->role, NULL);
      CrmRights in_default = { 0 };

      if (rights != NULL)
        crm_user_rights_get (rights, NULL, &in_default);
      user->admin = g_strcmp0 (user->role, CRM_ROLE_ADMIN) == 0;
      user->team = rights != NULL ? crm_user_rights_team (rights) : CRM_SCOPE_OWN;
      user->works_deals = in_default.edit;
    }
  return g_steal_pointer (&users);
}

static const User *
find_user (GPtrArray  *users,
           const char *id)
{
  for (guint i = 0; id != NULL && i < users->len; i++)
    if (g_str_equal (((User *) users->pdata[i])->id, id))
      return users->pdata[i];
  return NULL;
}

/* --- shifts ----------------------------------------------------------------------------- */

static gboolean
within_hours (const CrmCallSettings *settings,
              gint64                 at)
{
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  gint minute, day;

  if (settings->open_minute == settings->close_minute && settings->days == 0)
    return TRUE;
  if (settings->zone != NULL)
    zone = g_time_zone_new_identifier (settings->zone);
  if (zone == NULL)
    zone = g_time_zone_new_utc ();
  utc = g_date_time_new_from_unix_utc (at / 1000);
  if (utc == NULL)
    return TRUE;
  local = g_date_time_to_timezone (utc, zone);
  day = g_date_time_get_day_of_week (local);   /* 1 Monday … 7 Sunday */
  if (settings->days != 0 && (settings->days & (1u << (day - 1))) == 0)
    return FALSE;
  if (settings->open_minute == settings->close_minute)
    return TRUE;
  minute = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);
  if (settings->open_minute < settings->close_minute)
    return minute >= settings->open_minute && minute < settings->close_minute;
  /* a night shift: 20:00–08:00 */
  return minute >= settings->open_minute || minute < settings->close_minute;
}

static gboolean
on_duty (CrmStore              *store,
         const CrmCallSettings *settings,
         const char            *user_id)
{
  for (guint i = 0; settings->on_duty != NULL && settings->on_duty[i] != NULL; i++)
    {
      g_autofree char *id = crm_query_resolve (store, "user", settings->on_duty[i], NULL, NULL);

      if (g_strcmp0 (id, user_id) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether @user_id takes calls at @at: the users on duty always; a user with a work
 * schedule (S2-7, crm-schedule.c) when on shift by it; anyone else in the account's
 * telephony hours. */
gboolean
crm_call_is_on_shift (CrmStore              *store,
                      const CrmCallSettings *settings,
                      const char            *user_id,
                      gint64                 at)
{
  g_autoptr(GError) error = NULL;
  gboolean on_shift = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);

  if (user_id == NULL)
    return FALSE;
  if (on_duty (store, settings, user_id))
    return TRUE;
  if (crm_schedule_has_schedule (store, user_id))
    {
      if (crm_schedule_is_on_shift (store, user_id, at, &on_shift, &error))
        return on_shift;
      /* an unreadable replica: the account's hours rather than nobody */
      g_debug ("Work schedule of %s unread: %s", user_id, error->message);
    }
  return within_hours (settings, at);
}

/* --- lookups ---------------------------------------------------------------------------- */

/* The oldest contact with @phone (normalized) among its phones, or NULL. */
static char *
contact_by_phone (CrmStore    *store,
                  const char  *phone,
                  GError     **error)
{
  gsize len = strlen (phone);
  const char *tail = len > 11 ? phone + len - 10 : phone + 1;   /* the last ten digits */
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT c.id, c.phones, c.created_at FROM contact_phone f"
    " JOIN contact c ON c.rowid = f.rowid AND c.deleted = 0"
    " WHERE f.digits LIKE ?1 ORDER BY c.created_at, c.id", error);
  char *found = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  /* the numbers holding the tail (schema 21), each checked whole below */
  sqlite3_bind_text (stmt, 1, g_strdup_printf ("%%%s%%", tail), -1, g_free);
  while (found == NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonArray) phones = _crm_json_array_column (stmt, 1);

      for (guint i = 0; found == NULL && i < json_array_get_length (phones); i++)
        {
          JsonNode *node = json_array_get_element (phones, i);
          g_autofree char *normal = NULL;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            continue;
          normal = crm_phone_normalize (json_node_get_string (node));
          if (g_strcmp0 (normal, phone) == 0)
            found = _crm_sql_dup_column_text (stmt, 0);
        }
    }
  if (found == NULL && rc != SQLITE_DONE && rc != SQLITE_ROW)
    _crm_store_set_read_error (store, error, "find a contact by phone");
  sqlite3_reset (stmt);
  return found;
}

/* The contact's newest deal in an open stage, or NULL. */
static char *
active_deal (CrmStore    *store,
             const char  *contact_id,
             GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT d.id FROM deal_contact dc"
    " JOIN deal d ON d.id = dc.deal AND d.deleted = 0"
    " JOIN stage s ON s.id = d.stage AND s.kind = 'open'"
    " WHERE dc.contact = ?1 AND dc.present = 1 AND dc.deleted = 0"
    " ORDER BY d.created_at DESC, d.id DESC LIMIT 1", error);
  char *found = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, contact_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = _crm_sql_dup_column_text (stmt, 0);
  else if (rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "find the caller's deal");
  sqlite3_reset (stmt);
  return found;
}

static char *
first_row (CrmStore    *store,
           const char  *sql,
           const char  *arg,
           const char  *what,
           GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  char *found = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = _crm_sql_dup_column_text (stmt, 0);
  else if (rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, what);
  sqlite3_reset (stmt);
  return found;
}

/* The pipeline and stage of new callers' deals, and the ring group. */
typedef struct {
  char *pipeline;
  char *stage;
  char *group;
} Resolved;

static void
resolved_clear (Resolved *resolved)
{
  g_free (resolved->pipeline);
  g_free (resolved->stage);
  g_free (resolved->group);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Resolved, resolved_clear)

static gboolean
resolve_settings (CrmStore              *store,
                  const CrmCallSettings *settings,
                  Resolved              *out,
                  GError               **error)
{
  g_autoptr(GError) local_error = NULL;

  if (settings->pipeline != NULL)
    out->pipeline = crm_query_resolve (store, "pipeline", settings->pipeline, NULL, error);
  else
    {
      out->pipeline = first_row (store, "SELECT id FROM pipeline WHERE deleted = 0"
                                 " ORDER BY position, id LIMIT 1", NULL, "read the pipelines",
                                 &local_error);
      if (out->pipeline == NULL && local_error == NULL)
        g_set_error (&local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                     _("The account has no pipeline for the deals of new callers; add one"));
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  if (out->pipeline == NULL)
    return FALSE;
  if (settings->stage != NULL)
    out->stage = crm_query_resolve (store, "stage", settings->stage, out->pipeline, error);
  else
    {
      out->stage = first_row (store, "SELECT id FROM stage WHERE deleted = 0 AND pipeline = ?1"
                              " AND coalesce (kind, 'open') = 'open' ORDER BY position, id LIMIT 1",
                              out->pipeline, "read the stages", &local_error);
      if (out->stage == NULL && local_error == NULL)
        g_set_error (&local_error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                     _("The pipeline for the deals of new callers has no open stage; add one"));
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  if (out->stage == NULL)
    return FALSE;
  if (settings->ring_group != NULL)
    out->group = g_strdup (settings->ring_group);
  else
    {
      /* the group with the most people who work deals: not administrators, and roles
       * that change deals (crm-rights.h: sales reps, managers, heads; not accountants) */
      g_autoptr(GPtrArray) users = read_users (store, error);
      g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
      guint best = 0;

      if (users == NULL)
        return FALSE;
      for (guint i = 0; i < users->len; i++)
        {
          const User *user = users->pdata[i];
          guint n;

          if (user->admin || !user->works_deals || user->group == NULL || *user->group == '\0')
            continue;
          n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, user->group)) + 1;
          g_hash_table_insert (counts, user->group, GUINT_TO_POINTER (n));
          if (n > best || (n == best && g_strcmp0 (user->group, out->group) < 0))
            {
              best = n;
              g_free (out->group);
              out->group = g_strdup (user->group);
            }
        }
    }
  return TRUE;
}

/* --- routing ---------------------------------------------------------------------------- */

/* One step of the ring: users and how long. */
static JsonObject *
ring_step (GPtrArray *step_users,
           guint      seconds)
{
  JsonObject *step = json_object_new ();
  JsonArray *names = json_array_new ();
  JsonArray *ids = json_array_new ();
  JsonArray *extensions = json_array_new ();

  for (guint i = 0; i < step_users->len; i++)
    {
      const User *user = step_users->pdata[i];

      json_array_add_string_element (names, user->name != NULL ? user->name : user->id);
      json_array_add_string_element (ids, user->id);
      if (user->extension != NULL && *user->extension != '\0')
        json_array_add_string_element (extensions, user->extension);
      else
        json_array_add_null_element (extensions);
    }
  json_object_set_array_member (step, "users", names);
  json_object_set_array_member (step, "user_ids", ids);
  json_object_set_array_member (step, "extensions", extensions);
  json_object_set_int_member (step, "seconds", seconds);
  return step;
}

typedef gboolean (*UserFilter) (const User *user, gconstpointer data);

static gboolean
in_group (const User    *user,
          gconstpointer  group)
{
  return group != NULL && g_strcmp0 (user->group, group) == 0 && !user->admin;
}

/* A manager of every group: a role that oversees everyone's work (not an administrator). */
static gboolean
is_manager (const User    *user,
            gconstpointer  data)
{
  return user->team == CRM_SCOPE_ALL && !user->admin;
}

static gboolean
any_user (const User    *user,
          gconstpointer  data)
{
  return TRUE;
}

/* The users of @users that pass @filter and are on shift at @at, not already in @seen. */
static GPtrArray *
pick (CrmStore              *store,
      const CrmCallSettings *settings,
      GPtrArray             *users,
      UserFilter             filter,
      gconstpointer          data,
      gint64                 at,
      GHashTable            *seen)
{
  GPtrArray *picked = g_ptr_array_new ();

  for (guint i = 0; i < users->len; i++)
    {
      User *user = users->pdata[i];

      if (filter (user, data) && !g_hash_table_contains (seen, user->id) &&
          crm_call_is_on_shift (store, settings, user->id, at))
        {
          g_hash_table_add (seen, user->id);
          g_ptr_array_add (picked, user);
        }
    }
  return picked;
}

/* The head of the ring group: its member who oversees the group's work or more (a head
 * or a manager), else the first manager, else an admin. */
static const User *
group_head (GPtrArray  *users,
            const char *group)
{
  for (guint i = 0; i < users->len; i++)
    if (((User *) users->pdata[i])->team != CRM_SCOPE_OWN && in_group (users->pdata[i], group))
      return users->pdata[i];
  for (guint i = 0; i < users->len; i++)
    if (is_manager (users->pdata[i], NULL))
      return users->pdata[i];
  for (guint i = 0; i < users->len; i++)
    if (((User *) users->pdata[i])->admin)
      return users->pdata[i];
  return NULL;
}

static char *
hours_text (const CrmCallSettings *settings)
{
  return g_strdup_printf ("%02d:%02d–%02d:%02d", settings->open_minute / 60,
                          settings->open_minute % 60, settings->close_minute / 60,
                          settings->close_minute % 60);
}

static char *
names_text (GPtrArray *step_users)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < step_users->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "",
                            ((User *) step_users->pdata[i])->name);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The ring when the call goes to the group: the ring group, then the managers; outside
 * the working hours whoever is on shift. Appends to @ring, returns the reason's tail. */
static char *
group_ring (CrmStore              *store,
            const CrmCallSettings *settings,
            GPtrArray             *users,
            const char            *group,
            gint64                 at,
            guint                  seconds,
            JsonArray             *ring)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) managers = NULL;
  g_autofree char *hours = hours_text (settings);

  if (!within_hours (settings, at))
    {
      g_autoptr(GPtrArray) shift = pick (store, settings, users, any_user, NULL, at, seen);
      g_autofree char *names = names_text (shift);

      if (shift->len == 0)
        return g_strdup_printf (_("outside the working hours (%s) and nobody is on shift: "
                                  "the caller gets voicemail"), hours);
      json_array_add_object_element (ring, ring_step (shift, seconds));
      return g_strdup_printf (_("outside the working hours (%s): to whoever is on shift (%s)"),
                              hours, names);
    }
  first = pick (store, settings, users, in_group, group, at, seen);
  managers = pick (store, settings, users, is_manager, NULL, at, seen);
  if (first->len > 0)
    json_array_add_object_element (ring, ring_step (first, seconds));
  if (managers->len > 0)
    json_array_add_object_element (ring, ring_step (managers, seconds));
  if (first->len == 0 && managers->len == 0)
    return g_strdup (_("nobody of the group or the managers is on shift: the caller gets "
                       "voicemail"));
  /* Translators: %s the ring group's name, %u seconds */
  return g_strdup_printf (_("the group «%s» rings for %u s, then the managers"),
                          group != NULL ? group : "—", seconds);
}

static JsonArray *
ring_from_node (JsonObject *call,
                GPtrArray  *users)
{
  JsonNode *node = json_object_get_member (call, "ring");
  JsonArray *ring = json_array_new ();

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return ring;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (node), i);
      JsonObject *stored;
      JsonArray *ids;
      g_autoptr(GPtrArray) step_users = g_ptr_array_new ();

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      stored = json_node_get_object (element);
      ids = json_object_get_array_member (stored, "user_ids");
      for (guint j = 0; ids != NULL && j < json_array_get_length (ids); j++)
        {
          const User *user = find_user (users, json_array_get_string_element (ids, j));

          if (user != NULL)
            g_ptr_array_add (step_users, (gpointer) user);
        }
      json_array_add_object_element (ring, ring_step (step_users,
        (guint) json_object_get_int_member_with_default (stored, "seconds",
                                                         DEFAULT_RING_SECONDS)));
    }
  return ring;
}

/* The answer for a call routed before: what it stored, the card afresh. */
static JsonObject *
route_answer (CrmStore    *store,
              JsonObject  *call,
              GPtrArray   *users,
              GError     **error)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  const char *contact = crm_json_string (call, "contact");
  JsonObject *card;
  gboolean new_caller = FALSE;

  /* a new caller: the contact was made by this call (its id derives from it) */
  if (contact != NULL)
    {
      g_autofree char *made = derived_id ("call-contact", crm_json_string (call, "external_id"));

      new_caller = g_str_equal (made, contact);
    }
  card = crm_call_card (store, new_caller ? NULL : contact, crm_json_string (call, "from"), error);
  if (card == NULL)
    return NULL;
  if (new_caller)
    {
      crm_json_set_string_or_null (card, "contact", contact);
      crm_json_set_string_or_null (card, "deal", crm_json_string (call, "deal"));
    }
  json_object_set_string_member (answer, "call", crm_json_string (call, "id"));
  json_object_set_array_member (answer, "ring", ring_from_node (call, users));
  crm_json_set_string_or_null (answer, "reason", crm_json_string (call, "reason"));
  crm_json_set_string_or_null (answer, "contact", contact);
  crm_json_set_string_or_null (answer, "deal", crm_json_string (call, "deal"));
  json_object_set_object_member (answer, "card", card);
  return g_steal_pointer (&answer);
}

/* Drops "users" (names) from @ring for keeping: names change, ids do not. */
static JsonNode *
ring_to_store (JsonArray *ring)
{
  JsonArray *kept = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < json_array_get_length (ring); i++)
    {
      JsonObject *step = json_array_get_object_element (ring, i);
      JsonObject *copy = json_object_new ();

      json_object_set_array_member (copy, "user_ids",
                                    json_array_ref (json_object_get_array_member (step,
                                                                                  "user_ids")));
      json_object_set_int_member (copy, "seconds",
                                  json_object_get_int_member (step, "seconds"));
      json_array_add_object_element (kept, copy);
    }
  json_node_take_array (node, kept);
  return node;
}

JsonObject *
crm_call_route (CrmStore              *store,
                const CrmCallSettings *settings,
                const char            *external_id,
                const char            *from,
                const char            *to,
                gint64                 at,
                GError               **error)
{
  g_autofree char *call_id = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *callee = NULL;
  g_autofree char *contact_id = NULL;
  g_autofree char *deal_id = NULL;
  g_autofree char *target = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *tail = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autoptr(JsonArray) ring = json_array_new ();
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(Resolved) resolved = { 0 };
  const User *missed_to = NULL;
  guint seconds;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (settings != NULL && external_id != NULL, NULL);

  if (at <= 0)
    at = crm_store_get_now (store) > 0 ? crm_store_get_now (store) : crm_time_now_ms ();
  seconds = settings->ring_seconds > 0 ? settings->ring_seconds : DEFAULT_RING_SECONDS;
  users = read_users (store, error);
  if (users == NULL)
    return NULL;
  call_id = crm_call_id (external_id);
  if (!crm_store_read_entity (store, "call", call_id, &existing, error))
    return NULL;
  if (existing != NULL)
    return route_answer (store, existing, users, error);
  if (!resolve_settings (store, settings, &resolved, error))
    return NULL;

  phone = from != NULL ? crm_phone_normalize (from) : NULL;
  callee = to != NULL ? crm_phone_normalize (to) : NULL;
  if (phone != NULL)
    {
      contact_id = contact_by_phone (store, phone, &local_error);
      if (local_error == NULL && contact_id != NULL)
        deal_id = active_deal (store, contact_id, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  if (contact_id != NULL)
    {
      /* S0-8: a known caller goes to the deal's responsible, else the contact's */
      g_autofree char *contact_name = _crm_store_dup_column (store, "contact", contact_id, "name");
      g_autofree char *deal_title = NULL;
      g_autofree char *why = NULL;
      gboolean deal_responsible;
      const User *user;

      if (deal_id != NULL)
        {
          target = _crm_store_dup_column (store, "deal", deal_id, "responsible");
          deal_title = _crm_store_dup_column (store, "deal", deal_id, "title");
        }
      deal_responsible = target != NULL;
      if (target != NULL)
        why = g_strdup_printf (_("«%s» has an active deal «%s»"), contact_name, deal_title);
      else
        {
          target = _crm_store_dup_column (store, "contact", contact_id, "responsible");
          why = deal_id != NULL
            ? g_strdup_printf (_("«%s» has an active deal «%s» nobody is responsible for"),
                               contact_name, deal_title)
            : g_strdup_printf (_("«%s» is a known caller without an active deal"),
                               contact_name);
        }
      user = find_user (users, target);
      if (user != NULL && crm_call_is_on_shift (store, settings, user->id, at))
        {
          g_autoptr(GPtrArray) step = g_ptr_array_new ();

          g_ptr_array_add (step, (gpointer) user);
          json_array_add_object_element (ring, ring_step (step, seconds));
          missed_to = user;
          reason = deal_responsible
            ? g_strdup_printf (_("%s: to the deal's responsible %s"), why, user->name)
            : g_strdup_printf (_("%s: to the contact's responsible %s"), why, user->name);
        }
      else if (user != NULL)
        {
          missed_to = user;
          tail = group_ring (store, settings, users, resolved.group, at, seconds, ring);
          reason = g_strdup_printf (_("%s; %s is not on shift: %s"), why, user->name, tail);
        }
      else
        {
          missed_to = group_head (users, resolved.group);
          tail = group_ring (store, settings, users, resolved.group, at, seconds, ring);
          reason = g_strdup_printf (_("%s and nobody is responsible for it: %s"), why, tail);
        }
    }
  else
    {
      missed_to = group_head (users, resolved.group);
      tail = group_ring (store, settings, users, resolved.group, at, seconds, ring);
      if (phone != NULL)
        {
          g_autofree char *formatted = crm_format_phone (phone);
          g_autofree char *title = g_strdup_printf ("%s %s", CRM_CALL_SOURCE, formatted);
          JsonArray *phones = json_array_new ();
          JsonArray *emails = json_array_new ();
          JsonNode *node;

          /* S0-8: an unknown number becomes a contact and a deal */
          contact_id = derived_id ("call-contact", external_id);
          deal_id = derived_id ("call-deal", external_id);
          change = crm_changeset_create (changeset, "contact", contact_id);
          crm_change_set_string (change, "name", formatted);
          json_array_add_string_element (phones, phone);
          node = json_node_new (JSON_NODE_ARRAY);
          json_node_take_array (node, phones);
          crm_change_set_node (change, "phones", node);
          node = json_node_new (JSON_NODE_ARRAY);
          json_node_take_array (node, emails);
          crm_change_set_node (change, "emails", node);
          crm_change_set_int (change, "created_at", at);
          change = crm_changeset_create (changeset, "deal", deal_id);
          crm_change_set_string (change, "title", title);
          crm_change_set_string (change, "pipeline", resolved.pipeline);
          crm_change_set_string (change, "stage", resolved.stage);
          crm_change_set_string (change, "currency", "RUB");
          crm_change_set_string (change, "source", CRM_CALL_SOURCE);
          crm_change_set_int (change, "created_at", at);
          crm_change_set_int (change, "stage_entered_at", at);
          crm_changeset_set_link (changeset, "deal_contact", "deal", deal_id, "contact",
                                  contact_id, TRUE);
          reason = json_array_get_length (ring) > 0
            ? g_strdup_printf (_("a new number: a contact and a deal were made; %s; "
                                 "the first to answer becomes responsible"), tail)
            : g_strdup_printf (_("a new number: a contact and a deal were made; %s"), tail);
        }
      else
        reason = g_strdup_printf (_("the number is hidden or not a phone number: %s"), tail);
    }

  change = crm_changeset_create (changeset, "call", call_id);
  crm_change_set_string (change, "direction", "in");
  crm_change_set_string (change, "from", phone != NULL ? phone : (from != NULL ? from : ""));
  if (callee != NULL || to != NULL)
    crm_change_set_string (change, "to", callee != NULL ? callee : to);
  crm_change_set_int (change, "started_at", at);
  crm_change_set_string (change, "status", "ringing");
  crm_change_set_string (change, "external_id", external_id);
  crm_change_set_string (change, "reason", reason);
  if (contact_id != NULL)
    crm_change_set_string (change, "contact", contact_id);
  if (deal_id != NULL)
    crm_change_set_string (change, "deal", deal_id);
  if (missed_to != NULL)
    crm_change_set_string (change, "missed_to", missed_to->id);
  crm_change_set_node (change, "ring", ring_to_store (ring));
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  if (!crm_store_read_entity (store, "call", call_id, &existing, error))
    return NULL;
  return route_answer (store, existing, users, error);
}

/* --- events ----------------------------------------------------------------------------- */

static gboolean
not_applied (gboolean   *out_applied,
             char      **out_reason,
             char       *reason)
{
  *out_applied = FALSE;
  if (out_reason != NULL)
    *out_reason = reason;
  else
    g_free (reason);
  return TRUE;
}

gboolean
crm_call_event (CrmStore     *store,
                const char   *external_id,
                const char   *event,
                const char   *user,
                const char   *recording_url,
                gint64        at,
                gboolean     *out_applied,
                char        **out_reason,
                GError      **error)
{
  static const char *const events[] = { "ringing", "answered", "ended", "recording", NULL };
  g_autofree char *call_id = NULL;
  g_autofree char *user_id = NULL;
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  JsonObject *seen;
  JsonNode *seen_node;
  JsonNode *events_node;
  const char *status;
  CrmChange *change;
  gboolean dummy;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (external_id != NULL && event != NULL, FALSE);

  if (out_applied == NULL)
    out_applied = &dummy;
  *out_applied = FALSE;
  if (out_reason != NULL)
    *out_reason = NULL;
  if (!g_strv_contains (events, event))
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Unknown call event «%s»: use ringing, answered, ended or "
                             "recording"), event);
  if (at <= 0)
    at = crm_store_get_now (store) > 0 ? crm_store_get_now (store) : crm_time_now_ms ();
  call_id = crm_call_id (external_id);
  if (!crm_store_read_entity (store, "call", call_id, &call, error))
    return FALSE;
  if (call == NULL || json_object_get_boolean_member_with_default (call, "deleted", FALSE))
    return not_applied (out_applied, out_reason,
                        g_strdup_printf (_("No call «%s» was routed here: nothing recorded"),
                                         external_id));
  seen_node = json_object_get_member (call, "events");
  if (seen_node != NULL && JSON_NODE_HOLDS_OBJECT (seen_node) &&
      json_object_has_member (json_node_get_object (seen_node), event))
    return not_applied (out_applied, out_reason,
                        g_strdup_printf (_("The event «%s» of call «%s» was recorded before: "
                                           "nothing changed"), event, external_id));
  if (g_str_equal (event, "answered"))
    {
      if (user == NULL)
        return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                               _("An «answered» event needs the user who answered"));
      user_id = crm_query_resolve (store, "user", user, NULL, error);
      if (user_id == NULL)
        return FALSE;
    }

  change = crm_changeset_create (changeset, "call", call_id);
  seen = seen_node != NULL && JSON_NODE_HOLDS_OBJECT (seen_node)
         ? json_object_ref (json_node_get_object (seen_node)) : json_object_new ();
  {
    g_autoptr(JsonObject) copy = json_object_new ();
    g_autoptr(GList) members = json_object_get_members (seen);

    for (GList *l = members; l != NULL; l = l->next)
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (seen, l->data)));
    json_object_set_int_member (copy, event, at);
    events_node = json_node_new (JSON_NODE_OBJECT);
    json_node_set_object (events_node, copy);
    crm_change_set_node (change, "events", events_node);
  }
  json_object_unref (seen);
  status = crm_json_string (call, "status");

  if (g_str_equal (event, "answered"))
    {
      const char *deal = crm_json_string (call, "deal");
      const char *contact = crm_json_string (call, "contact");

      crm_change_set_int (change, "answered_at", at);
      crm_change_set_string (change, "answered_by", user_id);
      if (g_strcmp0 (status, "ringing") == 0)
        crm_change_set_string (change, "status", "answered");
      /* S0-8: the first to answer becomes responsible for a caller nobody has */
      if (deal != NULL)
        {
          g_autofree char *responsible = _crm_store_dup_column (store, "deal", deal, "responsible");

          if (responsible == NULL)
            crm_change_set_string (crm_changeset_touch (changeset, "deal", deal),
                                   "responsible", user_id);
        }
      if (contact != NULL)
        {
          g_autofree char *responsible = _crm_store_dup_column (store, "contact", contact,
                                                               "responsible");

          if (responsible == NULL)
            crm_change_set_string (crm_changeset_touch (changeset, "contact", contact),
                                   "responsible", user_id);
        }
    }
  else if (g_str_equal (event, "ended"))
    {
      gint64 answered_at = json_object_get_int_member_with_default (call, "answered_at", 0);
      const char *missed_to = crm_json_string (call, "missed_to");

      crm_change_set_int (change, "ended_at", at);
      if (answered_at > 0)
        {
          crm_change_set_string (change, "status", "answered");
          crm_change_set_int (change, "duration", MAX (0, (at - answered_at) / 1000));
        }
      else
        {
          gboolean voicemail = crm_json_string (call, "recording_url") != NULL;

          crm_change_set_string (change, "status", voicemail ? "voicemail" : "missed");
          crm_change_set_int (change, "duration", 0);
          if (missed_to != NULL)
            {
              g_autofree char *task_id = derived_id ("call-task", external_id);
              g_autofree char *note_id = derived_id ("call-notification", external_id);
              g_autofree char *from = crm_format_phone (crm_json_string (call, "from"));
              g_autofree char *text = NULL;
              CrmChange *task = crm_changeset_create (changeset, "task", task_id);
              CrmChange *note;

              /* S0-8: a missed call is a task to call back */
              crm_change_set_string (task, "text", CRM_CALL_TASK_TEXT);
              crm_change_set_string (task, "type", "call");
              crm_change_set_int (task, "due", at);
              crm_change_set_string (task, "responsible", missed_to);
              crm_change_set_bool (task, "done", FALSE);
              crm_change_set_int (task, "created_at", at);
              if (crm_json_string (call, "deal") != NULL)
                crm_change_set_string (task, "deal", crm_json_string (call, "deal"));
              if (crm_json_string (call, "contact") != NULL)
                crm_change_set_string (task, "contact", crm_json_string (call, "contact"));
              /* S4-8: and a notification the responsible's devices show at once */
              text = g_strdup_printf (_("Missed call from %s"),
                                      from != NULL ? from : crm_json_string (call, "from"));
              note = crm_changeset_create (changeset, "notification", note_id);
              crm_change_set_string (note, "user", missed_to);
              crm_change_set_string (note, "text", text);
              if (crm_json_string (call, "deal") != NULL)
                crm_change_set_string (note, "deal", crm_json_string (call, "deal"));
              crm_change_set_bool (note, "read", FALSE);
              crm_change_set_int (note, "created_at", at);
            }
        }
    }
  else if (g_str_equal (event, "recording"))
    {
      if (recording_url == NULL)
        return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                               _("A «recording» event needs the recording's URL"));
      crm_change_set_string (change, "recording_url", recording_url);
      if (g_strcmp0 (status, "missed") == 0)
        crm_change_set_string (change, "status", "voicemail");
    }
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  *out_applied = TRUE;
  return TRUE;
}

/* --- the caller's card ------------------------------------------------------------------ */

/* The card's "deals": the newest CARD_DEALS open deals of the contact @contact_id — of
 * those @visibility sees (NULL: all) — as [{"id","title","stage","amount","currency"}],
 * or NULL with @error. */
#define CARD_DEALS 5
#define CARD_DEALS_SQL \
  "SELECT d.id, d.title, s.name, d.amount, d.currency FROM deal_contact dc" \
  " JOIN deal d ON d.id = dc.deal AND d.deleted = 0" \
  " JOIN stage s ON s.id = d.stage AND s.kind = 'open'" \
  " WHERE dc.contact = ?1 AND dc.present = 1 AND dc.deleted = 0" \
  " ORDER BY d.created_at DESC, d.id DESC"

static JsonArray *
card_deals (CrmStore            *store,
            const CrmVisibility *visibility,
            const char          *contact_id,
            GError             **error)
{
  g_autoptr(JsonArray) deals = json_array_new ();
  /* one who does not see every deal is shown the newest of theirs, however many newer
   * ones of others' the contact has */
  sqlite3_stmt *stmt = _crm_store_prepare (store, visibility == NULL
                                           ? CARD_DEALS_SQL " LIMIT " G_STRINGIFY (CARD_DEALS)
                                           : CARD_DEALS_SQL, error);
  int rc = SQLITE_DONE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, contact_id, -1, SQLITE_TRANSIENT);
  while (json_array_get_length (deals) < CARD_DEALS && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *deal;

      if (visibility != NULL &&
          !crm_visibility_sees_deal (visibility, store,
                                     (const char *) sqlite3_column_text (stmt, 0)))
        continue;
      deal = json_object_new ();
      _crm_json_set_text_column (deal, "id", stmt, 0);
      _crm_json_set_text_column (deal, "title", stmt, 1);
      _crm_json_set_text_column (deal, "stage", stmt, 2);
      _crm_json_set_int_column (deal, "amount", stmt, 3);
      _crm_json_set_text_column (deal, "currency", stmt, 4);
      json_array_add_object_element (deals, deal);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "read the caller's deals");
      return NULL;
    }
  return g_steal_pointer (&deals);
}

JsonObject *
crm_call_card (CrmStore    *store,
               const char  *contact_id,
               const char  *phone,
               GError     **error)
{
  g_autoptr(JsonObject) card = json_object_new ();
  g_autoptr(JsonArray) deals = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *formatted = phone != NULL ? crm_format_phone (phone) : NULL;
  g_autofree char *name = NULL;
  g_autofree char *company = NULL;
  g_autofree char *note = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  crm_json_set_string_or_null (card, "phone", formatted != NULL ? formatted : phone);
  if (contact_id == NULL)
    {
      json_object_set_string_member (card, "title", CRM_CALL_NEW_NUMBER);
      json_object_set_boolean_member (card, "new", TRUE);
      json_object_set_null_member (card, "name");
      json_object_set_null_member (card, "company");
      json_object_set_array_member (card, "deals", json_array_new ());
      json_object_set_null_member (card, "last_note");
      json_object_set_null_member (card, "contact");
      return g_steal_pointer (&card);
    }
  name = _crm_store_dup_column (store, "contact", contact_id, "name");
  company = first_row (store, "SELECT co.name FROM contact c JOIN company co"
                       " ON co.id = c.company AND co.deleted = 0 WHERE c.id = ?1", contact_id,
                       "read the caller's company", &local_error);
  if (local_error == NULL)
    note = first_row (store,
      "SELECT n.text FROM note n WHERE n.deleted = 0 AND ((n.entity = 'contact'"
      " AND n.entity_id = ?1) OR (n.entity = 'deal' AND n.entity_id IN (SELECT deal"
      " FROM deal_contact WHERE contact = ?1 AND present = 1 AND deleted = 0)))"
      " ORDER BY n.created_at DESC, n.id DESC LIMIT 1", contact_id, "read the last note",
      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if ((deals = card_deals (store, NULL, contact_id, error)) == NULL)
    return NULL;
  json_object_set_string_member (card, "title", name != NULL ? name : (phone != NULL ? phone : ""));
  json_object_set_boolean_member (card, "new", FALSE);
  crm_json_set_string_or_null (card, "name", name);
  crm_json_set_string_or_null (card, "company", company);
  json_object_set_array_member (card, "deals", g_steal_pointer (&deals));
  crm_json_set_string_or_null (card, "last_note", note);
  json_object_set_string_member (card, "contact", contact_id);
  return g_steal_pointer (&card);
}

/* The newest note on the contact @contact_id or on one of its deals @visibility sees, or
 * NULL (the card's "last_note" as its user may read it): read until one is seen, however
 * many newer ones are on others' deals. */
static char *
last_seen_note (CrmStore            *store,
                const CrmVisibility *visibility,
                const char          *contact_id,
                GError             **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT n.text, n.entity, n.entity_id FROM note n WHERE n.deleted = 0"
    " AND ((n.entity = 'contact' AND n.entity_id = ?1) OR (n.entity = 'deal' AND n.entity_id"
    " IN (SELECT deal FROM deal_contact WHERE contact = ?1 AND present = 1 AND deleted = 0)))"
    " ORDER BY n.created_at DESC, n.id DESC", error);
  char *note = NULL;
  int rc = SQLITE_DONE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, contact_id, -1, SQLITE_TRANSIENT);
  while (note == NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "contact") == 0 ||
        crm_visibility_sees_deal (visibility, store,
                                  (const char *) sqlite3_column_text (stmt, 2)))
      note = _crm_sql_dup_column_text (stmt, 0);
  if (note == NULL && rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "read the last note");
  sqlite3_reset (stmt);
  return note;
}

gboolean
crm_call_card_for_user (CrmStore    *store,
                        JsonObject  *answer,
                        const char  *user_id,
                        JsonObject **out_card,
                        char       **out_deal,
                        GError     **error)
{
  g_autoptr(CrmVisibility) visibility = NULL;
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(GList) members = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *note = NULL;
  JsonObject *card;
  JsonArray *deals;
  JsonArray *seen_deals;
  const char *deal;
  const char *contact;
  gboolean is_new;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  *out_card = NULL;
  *out_deal = NULL;
  card = json_object_get_object_member (answer, "card");
  if (card == NULL)
    return TRUE;
  deal = crm_json_string (answer, "deal");
  is_new = json_object_get_boolean_member_with_default (card, "new", FALSE);
  visibility = crm_visibility_new (store, user_id);
  if (crm_visibility_sees_all (visibility))
    {
      *out_card = json_object_ref (card);
      *out_deal = g_strdup (deal);
      return TRUE;
    }
  /* a call about a deal they do not see is not theirs to be shown; a new number's card
   * holds nothing of the deal the call made but the number, and whoever answers takes it */
  if (deal != NULL && !crm_visibility_sees_deal (visibility, store, deal))
    {
      if (!is_new)
        return TRUE;
      deal = NULL;
    }
  members = json_object_get_members (card);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "deals") && !g_str_equal (l->data, "deal") &&
        !g_str_equal (l->data, "last_note"))
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (card,
                                                                                     l->data)));
  if (json_object_has_member (card, "deal"))
    crm_json_set_string_or_null (copy, "deal", deal);
  contact = crm_json_string (card, "contact");
  /* the newest of the contact's deals they see, read anew: the card's own are the newest
   * of all, which may be others' only */
  if (!is_new && contact != NULL)
    {
      if ((seen_deals = card_deals (store, visibility, contact, error)) == NULL)
        return FALSE;
    }
  else
    {
      deals = json_object_get_array_member (card, "deals");
      seen_deals = json_array_new ();
      for (guint i = 0; deals != NULL && i < json_array_get_length (deals); i++)
        {
          JsonObject *item = json_array_get_object_element (deals, i);

          if (item != NULL &&
              crm_visibility_sees_deal (visibility, store, crm_json_string (item, "id")))
            json_array_add_object_element (seen_deals, json_object_ref (item));
        }
    }
  json_object_set_array_member (copy, "deals", seen_deals);
  if (json_object_has_member (card, "last_note"))
    {
      if (!is_new && contact != NULL)
        {
          note = last_seen_note (store, visibility, contact, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      crm_json_set_string_or_null (copy, "last_note", note);
    }
  *out_card = g_steal_pointer (&copy);
  *out_deal = g_strdup (deal);
  return TRUE;
}

/* --- lists ------------------------------------------------------------------------------ */

#define CALL_COLUMNS \
  "SELECT c.id, c.direction, c.\"from\", c.\"to\", c.started_at, c.answered_at," \
  " u.name, c.duration, c.status, c.recording_url, c.contact, ct.name, c.deal, d.title," \
  " c.reason, c.ended_at, c.external_id, d.number" \
  " FROM call c LEFT JOIN \"user\" u ON u.id = c.answered_by" \
  " LEFT JOIN contact ct ON ct.id = c.contact" \
  " LEFT JOIN deal d ON d.id = c.deal"

static JsonObject *
call_from_row (sqlite3_stmt *stmt)
{
  JsonObject *call = json_object_new ();

  _crm_json_set_text_column (call, "id", stmt, 0);
  _crm_json_set_text_column (call, "direction", stmt, 1);
  _crm_json_set_text_column (call, "from", stmt, 2);
  _crm_json_set_text_column (call, "to", stmt, 3);
  _crm_json_set_time_column (call, "started_at", stmt, 4);
  _crm_json_set_time_column (call, "answered_at", stmt, 5);
  _crm_json_set_text_column (call, "answered_by", stmt, 6);
  _crm_json_set_int_column (call, "duration", stmt, 7);
  _crm_json_set_text_column (call, "status", stmt, 8);
  _crm_json_set_text_column (call, "recording_url", stmt, 9);
  _crm_json_set_text_column (call, "contact", stmt, 10);
  _crm_json_set_text_column (call, "contact_name", stmt, 11);
  _crm_json_set_text_column (call, "deal", stmt, 12);
  _crm_json_set_text_column (call, "deal_title", stmt, 13);
  _crm_json_set_text_column (call, "reason", stmt, 14);
  _crm_json_set_time_column (call, "ended_at", stmt, 15);
  _crm_json_set_text_column (call, "external_id", stmt, 16);
  _crm_json_set_int_column (call, "deal_number", stmt, 17);
  return call;
}

JsonArray *
crm_call_list (CrmStore    *store,
               gboolean     missed_only,
               gboolean     missed_first,
               gint64       from_ms,
               gint64       to_ms,
               const char  *contact_id,
               const char  *deal_id,
               GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store, CALL_COLUMNS
    " WHERE c.deleted = 0 AND (?1 = 0 OR c.status IN ('missed', 'voicemail'))"
    " AND (?2 = 0 OR c.started_at >= ?2) AND (?3 = 0 OR c.started_at < ?3)"
    " AND (?4 IS NULL OR c.contact = ?4) AND (?5 IS NULL OR c.deal = ?5)"
    " ORDER BY CASE WHEN ?6 = 1 AND c.status IN ('missed', 'voicemail') THEN 0 ELSE 1 END,"
    " c.started_at DESC, c.id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, missed_only ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, from_ms);
  sqlite3_bind_int64 (stmt, 3, to_ms);
  _crm_sql_bind_text_or_null (stmt, 4, contact_id);
  _crm_sql_bind_text_or_null (stmt, 5, deal_id);
  sqlite3_bind_int (stmt, 6, missed_first ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (list, call_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the calls");
      return NULL;
    }
  return g_steal_pointer (&list);
}

JsonObject *
crm_call_show (CrmStore    *store,
               const char  *id,
               GError     **error)
{
  g_autofree char *pattern = NULL;
  JsonObject *found = NULL;
  sqlite3_stmt *stmt;
  guint matches = 0;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (id == NULL || *id == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("Give the call's id (at least its first 8 characters, as `call list` "
                     "shows them) or the PBX's call id"));
      return NULL;
    }
  /* an id prefix of 8 characters or more, or the PBX's call id exactly */
  pattern = strlen (id) >= 8 && strpbrk (id, "%_\\") == NULL ? g_strconcat (id, "%", NULL)
                                                             : g_strdup ("");
  stmt = _crm_store_prepare (store, CALL_COLUMNS
    " WHERE c.deleted = 0 AND ((?1 != '' AND c.id LIKE ?1) OR c.external_id = ?2)"
    " ORDER BY c.id LIMIT 2",
    error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (matches++ == 0)
        found = call_from_row (stmt);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      g_clear_pointer (&found, json_object_unref);
      _crm_store_set_read_error (store, error, "read the call");
      return NULL;
    }
  if (matches > 1)
    {
      g_clear_pointer (&found, json_object_unref);
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Several calls start with «%s»: give more of the id"), id);
      return NULL;
    }
  if (found == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No call «%s» in this replica: give the call's id (at least its first 8 "
                   "characters) or the PBX's call id, as `call list` shows them"), id);
  return found;
}

/* --- the settings as an admin reads them ------------------------------------------------- */

static JsonArray *
user_names (GPtrArray  *users,
            UserFilter  filter,
            gconstpointer data)
{
  JsonArray *names = json_array_new ();

  for (guint i = 0; i < users->len; i++)
    if (filter (users->pdata[i], data))
      json_array_add_string_element (names, ((User *) users->pdata[i])->name);
  return names;
}

JsonObject *
crm_call_describe_settings (CrmStore              *store,
                            const CrmCallSettings *settings,
                            GError               **error)
{
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GPtrArray) users = NULL;
  g_auto(Resolved) resolved = { 0 };
  g_autofree char *pipeline = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *hours = hours_text (settings);
  JsonArray *duty = json_array_new ();
  JsonArray *rules = json_array_new ();
  const User *head;
  guint seconds = settings->ring_seconds > 0 ? settings->ring_seconds : DEFAULT_RING_SECONDS;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  users = read_users (store, error);
  if (users == NULL || !resolve_settings (store, settings, &resolved, error))
    {
      json_array_unref (duty);
      json_array_unref (rules);
      return NULL;
    }
  pipeline = _crm_store_dup_column (store, "pipeline", resolved.pipeline, "name");
  stage = _crm_store_dup_column (store, "stage", resolved.stage, "name");
  head = group_head (users, resolved.group);
  json_object_set_string_member (out, "pipeline", pipeline != NULL ? pipeline : resolved.pipeline);
  json_object_set_string_member (out, "stage", stage != NULL ? stage : resolved.stage);
  crm_json_set_string_or_null (out, "ring_group", resolved.group);
  json_object_set_array_member (out, "ring_group_users", user_names (users, in_group,
                                                                     resolved.group));
  json_object_set_array_member (out, "managers", user_names (users, is_manager, NULL));
  crm_json_set_string_or_null (out, "head", head != NULL ? head->name : NULL);
  json_object_set_int_member (out, "ring_seconds", seconds);
  json_object_set_string_member (out, "hours", settings->open_minute == settings->close_minute
                                               ? "00:00–24:00" : hours);
  crm_json_set_string_or_null (out, "zone", settings->zone != NULL ? settings->zone : "UTC");
  for (guint i = 0; settings->on_duty != NULL && settings->on_duty[i] != NULL; i++)
    json_array_add_string_element (duty, settings->on_duty[i]);
  json_object_set_array_member (out, "on_duty", duty);

  json_object_set_int_member (out, "working_days", settings->days & 0x7f);
  {
    g_autoptr(GPtrArray) words = crm_call_routing_rules (out);

    for (guint i = 0; i < words->len; i++)
      json_array_add_string_element (rules, words->pdata[i]);
  }
  json_object_set_array_member (out, "rules", rules);
  return g_steal_pointer (&out);
}

char *
crm_call_days_text (guint days)
{
  /* the abbreviations the app's schedule grid uses */
  const char *names[7] = {
    C_("weekday", "Mon"), C_("weekday", "Tue"), C_("weekday", "Wed"), C_("weekday", "Thu"),
    C_("weekday", "Fri"), C_("weekday", "Sat"), C_("weekday", "Sun"),
  };
  g_autoptr(GString) text = g_string_new (NULL);

  days &= 0x7f;
  if (days == 0 || days == 0x7f)
    return g_strdup (_("every day"));
  for (guint d = 0; d < 7; d++)
    {
      guint end = d;

      if ((days & (1u << d)) == 0)
        continue;
      while (end + 1 < 7 && (days & (1u << (end + 1))) != 0)
        end++;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, names[d]);
      if (end >= d + 2)
        g_string_append_printf (text, "–%s", names[end]);
      else if (end == d + 1)
        g_string_append_printf (text, ", %s", names[end]);
      d = end;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

GPtrArray *
crm_call_routing_rules (JsonObject *description)
{
  GPtrArray *rules = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *days = crm_call_days_text (
    (guint) json_object_get_int_member_with_default (description, "working_days", 0));
  g_autofree char *duty = crm_json_join_strings (description, "on_duty");
  guint seconds = (guint) json_object_get_int_member_with_default (description, "ring_seconds",
                                                                   DEFAULT_RING_SECONDS);

  g_return_val_if_fail (description != NULL, rules);

  /* S0-8 and S4-8 in the words of this account */
  g_ptr_array_add (rules, g_strdup_printf (
    _("A new number: a contact and a deal in «%s» / «%s» (source «%s»); the group «%s» "
      "rings for %u s, the first to answer becomes responsible; then the managers; "
      "missed: a task «%s» for %s"),
    crm_json_string_or (description, "pipeline", "—"),
    crm_json_string_or (description, "stage", "—"), CRM_CALL_SOURCE,
    crm_json_string_or (description, "ring_group", "—"), seconds, CRM_CALL_TASK_TEXT,
    crm_json_string_or (description, "head", "—")));
  g_ptr_array_add (rules, g_strdup_printf (
    _("A known caller with an active deal: the deal's responsible; missed: a task «%s» "
      "on them"), CRM_CALL_TASK_TEXT));
  g_ptr_array_add (rules, g_strdup_printf (
    _("A known caller without an active deal: the contact's responsible; missed: a task "
      "«%s» on them"), CRM_CALL_TASK_TEXT));
  if (duty != NULL)
    /* Translators: days ("Mon–Fri"), hours ("09:00–18:00"), a time zone, users' names */
    g_ptr_array_add (rules, g_strdup_printf (
      _("Outside the working hours (%s %s, %s) or when the responsible is not on shift: "
        "whoever is on shift; on duty outside the hours: %s"),
      days, crm_json_string_or (description, "hours", "—"),
      crm_json_string_or (description, "zone", "—"), duty));
  else
    /* Translators: days ("Mon–Fri"), hours ("09:00–18:00"), a time zone */
    g_ptr_array_add (rules, g_strdup_printf (
      _("Outside the working hours (%s %s, %s) or when the responsible is not on shift: "
        "whoever is on shift; nobody is on duty outside the hours, so callers then get "
        "voicemail unless someone's work schedule has them on shift"),
      days, crm_json_string_or (description, "hours", "—"),
      crm_json_string_or (description, "zone", "—")));
  return rules;
}

/* --- the routing as the server publishes it to the devices ------------------------------ */

gboolean
crm_call_publish_routing (CrmStore    *store,
                          JsonObject  *state,
                          gboolean    *out_changed,
                          GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonNode) current = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonNode *value;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (out_changed != NULL)
    *out_changed = FALSE;
  current = crm_setting_dup_value (store, CRM_CALL_ROUTING_KEY);
  if (current != NULL && JSON_NODE_HOLDS_OBJECT (current))
    before = crm_json_object_to_canonical (json_node_get_object (current));
  after = crm_json_object_to_canonical (state);
  if (g_strcmp0 (before, after) == 0)
    return TRUE;   /* the same: no op, nothing to sync */
  changeset = crm_changeset_new ();
  value = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (value, state);
  crm_setting_fill (changeset, store, CRM_CALL_ROUTING_KEY, value);
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_changed != NULL)
    *out_changed = TRUE;
  return TRUE;
}

JsonObject *
crm_call_dup_routing (CrmStore *store)
{
  g_autoptr(JsonNode) value = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  value = crm_setting_dup_value (store, CRM_CALL_ROUTING_KEY);
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    return NULL;
  return json_object_ref (json_node_get_object (value));
}

/* --- extensions ------------------------------------------------------------------------- */

gboolean
crm_call_extension_is_valid (const char *extension)
{
  gsize length = extension != NULL ? strlen (extension) : 0;

  if (length == 0 || length > CRM_CALL_EXTENSION_MAX_CHARS)
    return FALSE;
  for (const char *c = extension; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c) && *c != '*' && *c != '#')
      return FALSE;
  return TRUE;
}

char *
crm_call_dup_extension (CrmStore    *store,
                        const char  *user_id)
{
  g_autoptr(JsonObject) user = NULL;
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  user = user_id != NULL ? crm_store_dup_entity (store, "user", user_id) : NULL;
  node = user != NULL ? json_object_get_member (user, CRM_CALL_EXTENSION_FIELD) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

gboolean
crm_call_set_extension (CrmStore     *store,
                        CrmChangeset *changeset,
                        const char   *user_id,
                        const char   *extension,
                        GError      **error)
{
  g_autoptr(GPtrArray) users = NULL;
  const User *user;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  g_return_val_if_fail (changeset != NULL, FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  if (extension != NULL && !crm_call_extension_is_valid (extension))
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("The extension «%s» is not an extension number: 1 to %d digits "
                             "(and * or #), as the office phone system dials it"),
                           extension, CRM_CALL_EXTENSION_MAX_CHARS);
  users = read_users (store, error);
  if (users == NULL)
    return FALSE;
  user = find_user (users, user_id);
  if (user == NULL)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                           _("There is no user %s in this account"), user_id);
  for (guint i = 0; extension != NULL && i < users->len; i++)
    {
      const User *other = users->pdata[i];

      if (other != user && g_strcmp0 (other->extension, extension) == 0)
        return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                               _("The extension %s is already %s's: give each user an "
                                 "extension of their own, or take it from %s first"),
                               extension, other->name, other->name);
    }
  change = crm_changeset_touch (changeset, "user", user_id);
  if (extension != NULL)
    crm_change_set_string (change, CRM_CALL_EXTENSION_FIELD, extension);
  else
    crm_change_set_node (change, CRM_CALL_EXTENSION_FIELD, json_node_new (JSON_NODE_NULL));
  return TRUE;
}
