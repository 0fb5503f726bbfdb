/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-bad-data.c — «Данные на исправление» (S4-7): the values that do not meet the input
 * standard (crm_phone_normalize, crm_email_normalize, crm_inn_validate), listed per
 * manager, and the notifications that tell the manager and are cleared once fixed. */
#define G_LOG_DOMAIN "voronka-bad-data"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "crm-bad-data.h"
#include "crm-json-private.h"
#include "crm-payer.h"
#include "crm-request.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

/* The namespace of the notifications' ids: one per card. */
#define BAD_DATA_NAMESPACE "6f1c2a7e-3b9d-5e41-9a0c-8d2f4b6e1a37"

static void
add_problem (JsonArray    *out,
             sqlite3_stmt *stmt,
             const char   *entity,
             const char   *field,
             const char   *value,
             const char   *problem,
             const char   *hint)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "entity", entity);
  _crm_json_set_text_column (item, "id", stmt, 0);
  _crm_json_set_text_column (item, "name", stmt, 1);
  _crm_json_set_text_column (item, "responsible", stmt, 6);
  _crm_json_set_text_column (item, "responsible_id", stmt, 5);
  json_object_set_string_member (item, "field", field);
  json_object_set_string_member (item, "value", value);
  json_object_set_string_member (item, "problem", problem);
  if (hint != NULL)
    json_object_set_string_member (item, "hint", hint);
  else
    json_object_set_null_member (item, "hint");
  json_array_add_object_element (out, item);
}

static void
check_list (JsonArray    *out,
            sqlite3_stmt *stmt,
            const char   *entity,
            int           column,
            gboolean      phones)
{
  g_autoptr(JsonNode) node = NULL;
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  JsonArray *array;

  if (text == NULL || (node = json_from_string (text, NULL)) == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value;
      g_autofree char *normal = NULL;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        continue;
      value = json_node_get_string (element);
      normal = phones ? crm_phone_normalize (value) : crm_email_normalize (value);
      if (normal == NULL)
        add_problem (out, stmt, entity, phones ? "phones" : "emails", value,
                     phones ? "not-a-phone" : "not-an-email", NULL);
      else if (!g_str_equal (normal, value))
        add_problem (out, stmt, entity, phones ? "phones" : "emails", value,
                     phones ? "phone-not-standard" : "email-not-standard", normal);
    }
}

JsonNode *
crm_bad_data_list (CrmStore    *store,
                   const char  *responsible_id,
                   GError     **error)
{
  static const struct {
    const char *entity;
    const char *sql;
  } queries[] = {
    /* ?1: the responsible or NULL; columns id, name, phones, emails, inn, responsible,
     * its name */
    { "contact",
      "SELECT c.id, c.name, c.phones, c.emails, NULL, c.responsible, u.name FROM contact c"
      " LEFT JOIN user u ON u.id = c.responsible"
      " WHERE c.deleted = 0 AND (?1 IS NULL OR c.responsible = ?1)"
      " ORDER BY u.name, c.name, c.id" },
    { "company",
      "SELECT c.id, c.name, json_extract (c.data, '$.phones'), json_extract (c.data, '$.emails'),"
      " c.inn, c.responsible, u.name FROM company c LEFT JOIN user u ON u.id = c.responsible"
      " WHERE c.deleted = 0 AND (?1 IS NULL OR c.responsible = ?1)"
      " ORDER BY u.name, c.name, c.id" },
  };
  JsonArray *out = json_array_new ();

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = _crm_store_prepare (store, queries[q].sql, error);
      int rc;

      if (stmt == NULL)
        {
          json_array_unref (out);
          return NULL;
        }
      _crm_sql_bind_text_or_null (stmt, 1, responsible_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *inn = (const char *) sqlite3_column_text (stmt, 4);

          check_list (out, stmt, queries[q].entity, 2, TRUE);
          check_list (out, stmt, queries[q].entity, 3, FALSE);
          if (inn != NULL && *inn != '\0')
            {
              g_autofree char *normal = NULL;

              if (!crm_inn_validate (inn, &normal, NULL))
                add_problem (out, stmt, queries[q].entity, "inn", inn, "inn-invalid", NULL);
            }
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "looking for data to fix");
          json_array_unref (out);
          return NULL;
        }
    }
  return crm_json_node_take_array (out);
}

const char *
crm_bad_data_problem_words (const char *problem)
{
  g_return_val_if_fail (problem != NULL, NULL);

  if (g_str_equal (problem, "not-a-phone"))
    return _("not a phone number");
  if (g_str_equal (problem, "phone-not-standard"))
    return _("a phone not written to the standard");
  if (g_str_equal (problem, "not-an-email"))
    return _("not an e-mail address");
  if (g_str_equal (problem, "email-not-standard"))
    return _("an e-mail not written to the standard");
  return _("an INN whose check digit does not match");
}

static void
free_text (gpointer text)
{
  g_string_free (text, TRUE);
}

gboolean
crm_bad_data_notify (CrmStore    *store,
                     const char  *actor,
                     guint       *out_sent,
                     guint       *out_cleared,
                     GError     **error)
{
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(GHashTable) flagged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       free_text);
  JsonArray *array;
  guint sent = 0, cleared = 0;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);
  if (out_sent != NULL)
    *out_sent = 0;
  if (out_cleared != NULL)
    *out_cleared = 0;
  list = crm_bad_data_list (store, NULL, error);
  if (list == NULL)
    return FALSE;
  crm_changeset_set_actor (changeset, actor);

  /* one text per card: every value to fix on it */
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      const char *id = json_object_get_string_member (item, "id");
      GString *text = g_hash_table_lookup (texts, id);

      if (json_object_get_null_member (item, "responsible_id"))
        continue;
      if (text == NULL)
        {
          text = g_string_new (NULL);
          /* Translators: a notification; %s is the contact's or company's name, what is
           * wrong follows */
          g_string_append_printf (text, _("Data to fix on «%s»:"),
                                  json_object_get_string_member_with_default (item, "name", ""));
          g_hash_table_insert (texts, g_strdup (id), text);
          g_hash_table_insert (flagged, g_strdup (id),
                               (gpointer) json_object_get_string_member (item, "responsible_id"));
        }
      g_string_append_printf (text, " «%s» — %s;", json_object_get_string_member (item, "value"),
                              crm_bad_data_problem_words (json_object_get_string_member (item, "problem")));
    }

  /* new or changed notifications for flagged cards */
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, flagged);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        g_autofree char *id = crm_uuid_v5 (BAD_DATA_NAMESPACE, key);
        g_autoptr(JsonObject) current = crm_store_dup_entity (store, "notification", id);
        GString *text = g_hash_table_lookup (texts, key);
        CrmChange *change;

        if (text->len > 0 && text->str[text->len - 1] == ';')
          g_string_truncate (text, text->len - 1);
        if (current != NULL &&
            g_strcmp0 (json_object_get_string_member_with_default (current, "text", NULL), text->str) == 0 &&
            g_strcmp0 (json_object_get_string_member_with_default (current, "user", NULL), value) == 0 &&
            !json_object_get_boolean_member_with_default (current, "deleted", FALSE))
          continue;
        change = current == NULL ? crm_changeset_create (changeset, "notification", id)
                                 : crm_changeset_touch (changeset, "notification", id);
        crm_change_set_string (change, "user", value);
        crm_change_set_string (change, "text", text->str);
        crm_change_set_bool (change, "read", FALSE);
        crm_change_set_string (change, "bad_data", key);
        crm_change_set_int (change, "created_at", crm_store_get_now (store));
        sent++;
      }
  }

  /* the notifications of cards fixed since: read */
  stmt = _crm_store_prepare (store,
    "SELECT id, json_extract (data, '$.bad_data') FROM notification"
    " WHERE deleted = 0 AND read = 0 AND json_extract (data, '$.bad_data') IS NOT NULL"
    " ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (!g_hash_table_contains (flagged, (const char *) sqlite3_column_text (stmt, 1)))
      {
        crm_change_set_bool (crm_changeset_touch (changeset, "notification",
                                                  (const char *) sqlite3_column_text (stmt, 0)),
                             "read", TRUE);
        cleared++;
      }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading notifications");
      return FALSE;
    }

  if (crm_changeset_get_n_changes (changeset) > 0 && !crm_store_apply (store, changeset, error))
    return FALSE;
  if (out_sent != NULL)
    *out_sent = sent;
  if (out_cleared != NULL)
    *out_cleared = cleared;
  return TRUE;
}
