/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-participant.c — the participants of an event deal (S4-10): a participant is the
 * deal's `deal_contact` link with "participant": true and its own fields "paid",
 * "guests", "attended", "attended_at", "nps", "nps_source" (merged field by field like
 * any entity's); badge codes, check-in, the list with totals, the rating link's score. */
#define G_LOG_DOMAIN "voronka-participant"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-participant.h"
#include "crm-error-private.h"
#include "crm-json-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-describe.h"
#include "crm-message.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* Crockford's base32: no I, L, O, U, so a code read aloud or typed is not mistaken */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CODE_CHARS 8

char *
crm_participant_code (const char *participant_id)
{
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 bits = 0;
  char code[CODE_CHARS + 2];

  g_return_val_if_fail (participant_id != NULL, NULL);
  g_checksum_update (sha, (const guchar *) participant_id, strlen (participant_id));
  g_checksum_get_digest (sha, digest, &len);
  for (guint i = 0; i < 5; i++)
    bits = (bits << 8) | digest[i];
  for (guint i = 0, j = 0; i < CODE_CHARS; i++)
    {
      if (i == 4)
        code[j++] = '-';
      code[j++] = code_alphabet[(bits >> (5 * (CODE_CHARS - 1 - i))) & 31];
    }
  code[CODE_CHARS + 1] = '\0';
  return g_strdup (code);
}

char *
crm_participant_normalize_code (const char  *text,
                                GError     **error)
{
  g_autoptr(GString) code = g_string_new (NULL);
  guint n = 0;

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n')
        continue;
      if (c == 'O')
        c = '0';
      else if (c == 'I' || c == 'L')
        c = '1';
      if (c == '\0' || strchr (code_alphabet, c) == NULL || n >= CODE_CHARS)
        {
          n = 0;
          break;
        }
      if (n == 4)
        g_string_append_c (code, '-');
      g_string_append_c (code, c);
      n++;
    }
  if (n != CODE_CHARS)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("«%s» is not a badge code: a badge code has 8 letters and digits, "
                     "e.g. K7QM-3XPA; type it as printed under the QR code"),
                   text != NULL ? text : "");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&code), FALSE);
}

gboolean
crm_participant_check_event (CrmStore    *store,
                             const char  *deal_id,
                             GError     **error)
{
  g_autoptr(JsonObject) deal = NULL;
  g_autoptr(JsonObject) pipeline = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  deal = deal_id != NULL ? crm_store_dup_entity (store, "deal", deal_id) : NULL;
  if (deal == NULL || json_object_get_int_member_with_default (deal, "deleted", 0) != 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No deal «%s»"), deal_id != NULL ? deal_id : "");
      return FALSE;
    }
  if (json_object_has_member (deal, "event_date") &&
      !json_node_is_null (json_object_get_member (deal, "event_date")))
    return TRUE;
  pipeline = crm_store_dup_entity (store, "pipeline",
                                   json_object_get_string_member_with_default (deal, "pipeline", ""));
  if (pipeline != NULL &&
      g_strcmp0 (json_object_get_string_member_with_default (pipeline, "name", NULL),
                 CRM_PARTICIPANT_EVENT_PIPELINE) == 0)
    return TRUE;
  what = crm_describe_entity (store, "deal", deal_id);
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("%s is not an event: participants belong to deals of the pipeline «%s» or "
                 "deals with an event date"),
               what, CRM_PARTICIPANT_EVENT_PIPELINE);
  return FALSE;
}

#define PARTICIPANT_COLUMNS \
  "dc.id, dc.contact, c.name, json_extract (c.emails, '$[0]'), json_extract (dc.data, '$.paid')," \
  " json_extract (dc.data, '$.guests'), json_extract (dc.data, '$.attended')," \
  " json_extract (dc.data, '$.attended_at'), json_extract (dc.data, '$.nps')," \
  " json_extract (dc.data, '$.nps_source'), dc.deal, d.title"
#define PARTICIPANT_FROM \
  " FROM deal_contact dc JOIN contact c ON c.id = dc.contact JOIN deal d ON d.id = dc.deal" \
  " WHERE dc.present = 1 AND dc.deleted = 0 AND json_extract (dc.data, '$.participant') = 1"

static JsonObject *
participant_object (sqlite3_stmt *stmt)
{
  JsonObject *p = json_object_new ();
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  g_autofree char *code = crm_participant_code (id);

  json_object_set_string_member (p, "id", id);
  json_object_set_string_member (p, "code", code);
  _crm_json_set_text_column (p, "contact", stmt, 1);
  _crm_json_set_text_column (p, "name", stmt, 2);
  _crm_json_set_text_column (p, "email", stmt, 3);
  json_object_set_boolean_member (p, "paid", sqlite3_column_int (stmt, 4) != 0);
  json_object_set_int_member (p, "guests", sqlite3_column_int64 (stmt, 5));
  json_object_set_boolean_member (p, "attended", sqlite3_column_int (stmt, 6) != 0);
  _crm_json_set_time_column (p, "attended_at", stmt, 7);
  _crm_json_set_int_column (p, "nps", stmt, 8);
  _crm_json_set_text_column (p, "nps_source", stmt, 9);
  return p;
}

JsonObject *
crm_participant_dup (CrmStore   *store,
                     const char *participant_id)
{
  sqlite3_stmt *stmt;
  JsonObject *p = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  stmt = _crm_store_prepare (store, "SELECT " PARTICIPANT_COLUMNS PARTICIPANT_FROM
                             " AND dc.id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, participant_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      p = participant_object (stmt);
      _crm_json_set_text_column (p, "deal", stmt, 10);
      _crm_json_set_text_column (p, "deal_title", stmt, 11);
    }
  sqlite3_reset (stmt);
  return p;
}

char *
crm_participant_add (CrmStore    *store,
                     const char  *deal_id,
                     const char  *contact_id,
                     int          paid,
                     int          guests,
                     const char  *actor,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (!crm_participant_check_event (store, deal_id, error))
    return NULL;
  contact = contact_id != NULL ? crm_store_dup_entity (store, "contact", contact_id) : NULL;
  if (contact == NULL || json_object_get_int_member_with_default (contact, "deleted", 0) != 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No contact «%s»; add the person with “contact add” first"),
                   contact_id != NULL ? contact_id : "");
      return NULL;
    }
  if (guests < CRM_PARTICIPANT_UNSET || guests > CRM_PARTICIPANT_GUESTS_MAX)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The number of guests is 0 or more (a participant's own guests, "
                     "at most 10 000)"));
      return NULL;
    }
  id = crm_uuid_link ("deal_contact", deal_id, contact_id);
  existing = crm_participant_dup (store, id);
  if (existing != NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s already takes part in this event (badge code %s); change them with "
                     "“participant set %s”"),
                   json_object_get_string_member (existing, "name"),
                   json_object_get_string_member (existing, "code"),
                   json_object_get_string_member (existing, "code"));
      return NULL;
    }
  crm_changeset_set_actor (changeset, actor);
  change = crm_changeset_set_link (changeset, "deal_contact", "deal", deal_id, "contact",
                                   contact_id, TRUE);
  crm_change_set_bool (change, "participant", TRUE);
  crm_change_set_bool (change, "paid", paid == 1);
  crm_change_set_int (change, "guests", guests == CRM_PARTICIPANT_UNSET ? 0 : guests);
  crm_change_set_bool (change, "attended", FALSE);
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&id);
}

/* The participants (ids) whose code is @code. */
static GPtrArray *
find_by_code (CrmStore    *store,
              const char  *code,
              GError     **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _crm_store_prepare (store, "SELECT dc.id" PARTICIPANT_FROM, error);
  if (stmt == NULL)
    return NULL;
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      g_autofree char *its = crm_participant_code (id);

      if (g_str_equal (its, code))
        g_ptr_array_add (found, g_strdup (id));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "finding a badge code");
      return NULL;
    }
  return g_steal_pointer (&found);
}

char *
crm_participant_resolve (CrmStore    *store,
                         const char  *text,
                         GError     **error)
{
  g_autoptr(JsonObject) by_id = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *code = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (text != NULL && (by_id = crm_participant_dup (store, text)) != NULL)
    return g_strdup (text);
  code = crm_participant_normalize_code (text, error);
  if (code == NULL)
    return NULL;
  found = find_by_code (store, code, error);
  if (found == NULL)
    return NULL;
  if (found->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No participant has the badge code %s; check the code on the badge, "
                     "or sync if the participant was added on another computer"), code);
      return NULL;
    }
  if (found->len > 1)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < found->len; i++)
        {
          g_autoptr(JsonObject) p = crm_participant_dup (store, found->pdata[i]);

          g_string_append_printf (names, "%s%s (%s)", i > 0 ? ", " : "",
                                  json_object_get_string_member (p, "name"),
                                  json_object_get_string_member (p, "deal_title"));
        }
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The badge code %s belongs to several participants: %s; name the "
                     "participant by its id"), code, names->str);
      return NULL;
    }
  return g_strdup (found->pdata[0]);
}

gboolean
crm_participant_nps_error (GError     **error,
                           const char  *value)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("An NPS score is a whole number from 0 (would not recommend) to 10 (would "
                 "recommend), not %s"), value);
  return FALSE;
}

static gboolean
check_nps (int       nps,
           GError  **error)
{
  g_autofree char *text = NULL;

  if (nps == CRM_PARTICIPANT_UNSET || (nps >= 0 && nps <= CRM_PARTICIPANT_NPS_MAX))
    return TRUE;
  text = g_strdup_printf ("%d", nps);
  return crm_participant_nps_error (error, text);
}

gboolean
crm_participant_set (CrmStore    *store,
                     const char  *participant_id,
                     int          paid,
                     int          guests,
                     int          attended,
                     int          nps,
                     const char  *actor,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) p = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  p = crm_participant_dup (store, participant_id);
  if (p == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No participant «%s»"), participant_id != NULL ? participant_id : "");
      return FALSE;
    }
  if (guests < CRM_PARTICIPANT_UNSET || guests > CRM_PARTICIPANT_GUESTS_MAX)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The number of guests is 0 or more (a participant's own guests, "
                     "at most 10 000)"));
      return FALSE;
    }
  if (!check_nps (nps, error))
    return FALSE;
  crm_changeset_set_actor (changeset, actor);
  change = crm_changeset_touch (changeset, "deal_contact", participant_id);
  if (paid != CRM_PARTICIPANT_UNSET)
    crm_change_set_bool (change, "paid", paid != 0);
  if (guests != CRM_PARTICIPANT_UNSET)
    crm_change_set_int (change, "guests", guests);
  if (attended != CRM_PARTICIPANT_UNSET &&
      (attended != 0) != json_object_get_boolean_member (p, "attended"))
    {
      crm_change_set_bool (change, "attended", attended != 0);
      if (attended != 0)
        crm_change_set_int (change, "attended_at", crm_store_get_now (store));
      else
        crm_change_set_null (change, "attended_at");
    }
  if (nps != CRM_PARTICIPANT_UNSET)
    {
      crm_change_set_int (change, "nps", nps);
      crm_change_set_string (change, "nps_source", "paper");
    }
  return crm_store_apply (store, changeset, error);
}

gboolean
crm_participant_checkin (CrmStore               *store,
                         const char             *code,
                         const char             *actor,
                         CrmParticipantCheckin  *out_result,
                         JsonObject            **out_participant,
                         GError                **error)
{
  g_autofree char *normal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(JsonObject) p = NULL;
  CrmParticipantCheckin result = CRM_PARTICIPANT_CHECKED_IN;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  /* the code only: a scanner types what the QR code holds */
  normal = crm_participant_normalize_code (code, error);
  if (normal == NULL)
    return FALSE;
  id = crm_participant_resolve (store, normal, error);
  if (id == NULL)
    return FALSE;
  p = crm_participant_dup (store, id);
  if (json_object_get_boolean_member (p, "attended"))
    result = CRM_PARTICIPANT_ALREADY_CHECKED_IN;
  else
    {
      if (!crm_participant_set (store, id, CRM_PARTICIPANT_UNSET, CRM_PARTICIPANT_UNSET, 1,
                                CRM_PARTICIPANT_UNSET, actor, error))
        return FALSE;
      g_clear_pointer (&p, json_object_unref);
      p = crm_participant_dup (store, id);
    }
  if (out_result != NULL)
    *out_result = result;
  if (out_participant != NULL)
    *out_participant = g_steal_pointer (&p);
  return TRUE;
}

gboolean
crm_participant_rate (CrmStore    *store,
                      const char  *participant_id,
                      int          score,
                      const char  *actor,
                      gboolean    *out_recorded,
                      GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) p = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  if (out_recorded != NULL)
    *out_recorded = FALSE;
  if (score < 0 || score > CRM_PARTICIPANT_NPS_MAX)
    {
      g_autofree char *text = g_strdup_printf ("%d", score);

      return crm_participant_nps_error (error, text);
    }
  p = crm_participant_dup (store, participant_id);
  if (p == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No participant «%s»"), participant_id != NULL ? participant_id : "");
      return FALSE;
    }
  if (!json_node_is_null (json_object_get_member (p, "nps")))
    return TRUE;
  crm_changeset_set_actor (changeset, actor);
  change = crm_changeset_touch (changeset, "deal_contact", participant_id);
  crm_change_set_int (change, "nps", score);
  crm_change_set_string (change, "nps_source", "email");
  if (!crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_recorded != NULL)
    *out_recorded = TRUE;
  return TRUE;
}

JsonNode *
crm_participant_list (CrmStore    *store,
                      const char  *deal_id,
                      GError     **error)
{
  g_autoptr(JsonObject) deal_row = NULL;
  JsonObject *out, *deal, *totals;
  JsonArray *participants;
  sqlite3_stmt *stmt;
  gint64 n = 0, paid = 0, guests = 0, attended = 0, answers = 0, promoters = 0, detractors = 0;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  if (!crm_participant_check_event (store, deal_id, error))
    return NULL;
  stmt = _crm_store_prepare (store, "SELECT " PARTICIPANT_COLUMNS PARTICIPANT_FROM
                             " AND dc.deal = ?1 ORDER BY c.name COLLATE NOCASE, dc.id", error);
  if (stmt == NULL)
    return NULL;
  deal_row = crm_store_dup_entity (store, "deal", deal_id);
  out = json_object_new ();
  deal = json_object_new ();
  json_object_set_string_member (deal, "id", deal_id);
  if (json_object_has_member (deal_row, "number"))
    json_object_set_member (deal, "number", json_node_copy (json_object_get_member (deal_row, "number")));
  else
    json_object_set_null_member (deal, "number");
  json_object_set_string_member (deal, "title",
                                 json_object_get_string_member_with_default (deal_row, "title", ""));
  if (json_object_has_member (deal_row, "event_date") &&
      json_node_get_value_type (json_object_get_member (deal_row, "event_date")) == G_TYPE_INT64)
    {
      g_autofree char *date = crm_time_format (json_object_get_int_member (deal_row, "event_date"));

      date[MIN (strlen (date), 10)] = '\0';   /* a date field: the day, 2026-03-20 */
      json_object_set_string_member (deal, "event_date", date);
    }
  else
    json_object_set_null_member (deal, "event_date");
  json_object_set_object_member (out, "deal", deal);
  participants = json_array_new ();
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      JsonObject *p = participant_object (stmt);

      n++;
      paid += json_object_get_boolean_member (p, "paid");
      guests += json_object_get_int_member (p, "guests");
      attended += json_object_get_boolean_member (p, "attended");
      if (!json_node_is_null (json_object_get_member (p, "nps")))
        {
          gint64 score = json_object_get_int_member (p, "nps");

          answers++;
          promoters += score >= 9;
          detractors += score <= 6;
        }
      json_array_add_object_element (participants, p);
    }
  sqlite3_reset (stmt);
  json_object_set_array_member (out, "participants", participants);
  if (rc != SQLITE_DONE)
    {
      json_object_unref (out);
      _crm_store_set_read_error (store, error, "listing participants");
      return NULL;
    }
  totals = json_object_new ();
  json_object_set_int_member (totals, "participants", n);
  json_object_set_int_member (totals, "paid", paid);
  json_object_set_int_member (totals, "guests", guests);
  json_object_set_int_member (totals, "attended", attended);
  json_object_set_int_member (totals, "nps_answers", answers);
  if (answers > 0)
    json_object_set_int_member (totals, "nps_score",
                                (gint64) ((promoters - detractors) * 100.0 / answers +
                                          (promoters >= detractors ? 0.5 : -0.5)));
  else
    json_object_set_null_member (totals, "nps_score");
  json_object_set_object_member (out, "totals", totals);
  return crm_json_node_take_object (out);
}

static void
add_column (JsonArray  *columns,
            const char *key,
            const char *label,
            const char *type)
{
  JsonObject *column = json_object_new ();

  json_object_set_string_member (column, "key", key);
  json_object_set_string_member (column, "label", label);
  json_object_set_string_member (column, "type", type);
  json_array_add_object_element (columns, column);
}

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

JsonNode *
crm_participant_table (JsonNode *list)
{
  JsonObject *in = json_node_get_object (list);
  JsonObject *deal = json_object_get_object_member (in, "deal");
  JsonObject *in_totals = json_object_get_object_member (in, "totals");
  JsonArray *participants = json_object_get_array_member (in, "participants");
  JsonObject *out = json_object_new ();
  JsonArray *columns = json_array_new ();
  JsonArray *rows = json_array_new ();
  JsonObject *totals = json_object_new ();
  g_autofree char *title = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *attended = NULL;
  g_autofree char *total = NULL;

  /* Translators: the title of an event's participants list, with the event's title */
  title = g_strdup_printf (_("Participants: %s"),
                           json_object_get_string_member_with_default (deal, "title", ""));
  json_object_set_string_member (out, "report", "participants");
  json_object_set_string_member (out, "title", title);
  add_column (columns, "name", _("Participant"), "text");
  add_column (columns, "code", _("Badge code"), "text");
  add_column (columns, "email", _("E-mail"), "text");
  add_column (columns, "paid", _("Paid"), "text");
  add_column (columns, "guests", _("Guests"), "int");
  add_column (columns, "attended", _("Attended"), "text");
  add_column (columns, "nps", _("NPS"), "int");
  json_object_set_array_member (out, "columns", columns);
  for (guint i = 0; i < json_array_get_length (participants); i++)
    {
      JsonObject *p = json_array_get_object_element (participants, i);
      JsonObject *row = json_object_new ();

      json_object_set_string_member (row, "name", json_object_get_string_member (p, "name"));
      json_object_set_string_member (row, "code", json_object_get_string_member (p, "code"));
      json_object_set_member (row, "email", json_node_copy (json_object_get_member (p, "email")));
      json_object_set_string_member (row, "paid", yes_no (json_object_get_boolean_member (p, "paid")));
      json_object_set_int_member (row, "guests", json_object_get_int_member (p, "guests"));
      json_object_set_string_member (row, "attended",
                                     yes_no (json_object_get_boolean_member (p, "attended")));
      json_object_set_member (row, "nps", json_node_copy (json_object_get_member (p, "nps")));
      json_array_add_object_element (rows, row);
    }
  json_object_set_array_member (out, "rows", rows);
  paid = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (in_totals, "paid"));
  attended = g_strdup_printf ("%" G_GINT64_FORMAT,
                              json_object_get_int_member (in_totals, "attended"));
  /* Translators: the totals row of a participants list, with the number of participants */
  total = g_strdup_printf (_("Total: %d"),
                           (int) json_object_get_int_member (in_totals, "participants"));
  json_object_set_string_member (totals, "name", total);
  json_object_set_string_member (totals, "paid", paid);
  json_object_set_int_member (totals, "guests", json_object_get_int_member (in_totals, "guests"));
  json_object_set_string_member (totals, "attended", attended);
  json_object_set_object_member (out, "totals", totals);
  return crm_json_node_take_object (out);
}

/* --- NPS by e-mail ------------------------------------------------------------------ */

static void
add_item (JsonArray  *array,
          JsonObject *p,
          const char *key,
          const char *value)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "participant", json_object_get_string_member (p, "id"));
  json_object_set_string_member (item, "name", json_object_get_string_member (p, "name"));
  json_object_set_string_member (item, key, value);
  json_array_add_object_element (array, item);
}

/* Whether contact @contact_id was e-mailed for a score on @deal_id (not failed). */
static gboolean
asked_already (CrmStore   *store,
               const char *deal_id,
               const char *contact_id)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 FROM message WHERE deal = ?1 AND recipient = ?2 AND deleted = 0"
    " AND json_extract (data, '$.nps_request') = 1 AND coalesce (status, '') != 'failed'", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, deal_id);
  _crm_sql_bind_text_or_null (stmt, 2, contact_id);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

gboolean
crm_participant_ask_nps (CrmStore    *store,
                         const char  *deal_id,
                         const char  *subject,
                         const char  *body,
                         const char  *actor,
                         JsonNode   **out_result,
                         GError     **error)
{
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GString) reasons = g_string_new (NULL);
  JsonArray *participants;
  JsonArray *sent = json_array_new ();
  JsonArray *skipped = json_array_new ();
  JsonObject *result = json_object_new ();

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  json_object_set_array_member (result, "sent", sent);
  json_object_set_array_member (result, "skipped", skipped);
  list = crm_participant_list (store, deal_id, error);
  if (list == NULL)
    {
      json_object_unref (result);
      return FALSE;
    }
  if (subject == NULL || *subject == '\0')
    subject = _("How was «{deal.title}»?");
  if (body == NULL || *body == '\0')
    body = _("Hello, {contact.name}!\n\nThank you for coming to «{deal.title}». How likely are "
             "you to recommend us to a colleague, from 0 (not at all) to 10 (certainly)? Choose "
             "a number below, or reply to this e-mail with it.");
  crm_changeset_set_actor (changeset, actor);
  participants = json_object_get_array_member (json_node_get_object (list), "participants");
  for (guint i = 0; i < json_array_get_length (participants); i++)
    {
      JsonObject *p = json_array_get_object_element (participants, i);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *message = NULL;
      const char *reason = NULL;

      if (!json_object_get_boolean_member (p, "attended"))
        reason = _("did not come");
      else if (!json_node_is_null (json_object_get_member (p, "nps")))
        reason = _("has rated already");
      else if (json_node_is_null (json_object_get_member (p, "email")))
        reason = _("has no e-mail address");
      else if (asked_already (store, deal_id, json_object_get_string_member (p, "contact")))
        reason = _("was asked already");
      if (reason == NULL)
        {
          message = crm_message_compose (store, changeset, actor, deal_id, NULL, subject, body,
                                         "email", json_object_get_string_member (p, "contact"),
                                         &local_error);
          if (message == NULL)
            reason = local_error->message;
        }
      if (reason != NULL)
        {
          add_item (skipped, p, "reason", reason);
          g_string_append_printf (reasons, "%s%s — %s", reasons->len > 0 ? "; " : "",
                                  json_object_get_string_member (p, "name"), reason);
          continue;
        }
      crm_change_set_bool (crm_changeset_touch (changeset, "message", message), "nps_request", TRUE);
      add_item (sent, p, "message", message);
    }
  if (json_array_get_length (sent) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Nobody to ask for a rating: an e-mail goes to those who came, have an "
                     "e-mail address and no score yet (%s)"),
                   reasons->len > 0 ? reasons->str : _("no participants"));
      json_object_unref (result);
      return FALSE;
    }
  if (!crm_store_apply (store, changeset, error))
    {
      json_object_unref (result);
      return FALSE;
    }
  if (out_result != NULL)
    *out_result = crm_json_node_take_object (result);
  else
    json_object_unref (result);
  return TRUE;
}

gboolean
crm_participant_message_asks_nps (CrmStore   *store,
                                  const char *message_id)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  message = message_id != NULL ? crm_store_dup_entity (store, "message", message_id) : NULL;
  return message != NULL &&
         json_object_get_boolean_member_with_default (message, "nps_request", FALSE) &&
         json_object_get_string_member_with_default (message, "deal", NULL) != NULL;
}

gboolean
crm_participant_rate_by_message (CrmStore    *store,
                                 const char  *message_id,
                                 int          score,
                                 gboolean    *out_recorded,
                                 char       **out_name,
                                 int         *out_score,
                                 GError     **error)
{
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(JsonObject) p = NULL;
  g_autofree char *id = NULL;
  const char *deal, *recipient;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  if (!crm_participant_message_asks_nps (store, message_id))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("Message %s asks for no rating"), message_id != NULL ? message_id : "");
      return FALSE;
    }
  message = crm_store_dup_entity (store, "message", message_id);
  deal = json_object_get_string_member_with_default (message, "deal", "");
  recipient = json_object_get_string_member_with_default (message, "recipient", "");
  id = crm_uuid_link ("deal_contact", deal, recipient);
  if (!crm_participant_rate (store, id, score, NULL, out_recorded, error))
    return FALSE;
  p = crm_participant_dup (store, id);
  if (out_name != NULL)
    *out_name = g_strdup (json_object_get_string_member_with_default (p, "name", ""));
  if (out_score != NULL)
    *out_score = (int) json_object_get_int_member_with_default (p, "nps", score);
  return TRUE;
}
