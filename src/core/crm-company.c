/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-company.c — a company's won total, its holding, the contacts related to it and
 * the company fields shown on its deals (see crm-company.h). Everything here is read
 * from replicated rows when asked: the total is a sum over the company's deals at a won
 * stage, so a deal reopened, deleted or given to another company is out of it on every
 * replica at once, and two replicas never disagree about it once they have the same
 * deals. Links are written by callers through crm_store_apply(). */
#define G_LOG_DOMAIN "voronka-company"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-company.h"
#include "crm-error.h"
#include "crm-schema.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

gboolean
crm_company_won_total (CrmStore    *store,
                       const char  *company_id,
                       gint64      *out_amount,
                       gint64      *out_deals,
                       GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  stmt = _crm_store_prepare (store,
    "SELECT coalesce (sum (d.amount), 0), count (*) FROM deal d"
    " JOIN stage s ON s.id = d.stage AND s.kind = 'won'"
    " WHERE d.company = ?1 AND d.deleted = 0", error);
  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, company_id);
  rc = _crm_store_step (store, stmt);
  if (rc == SQLITE_ROW)
    {
      if (out_amount != NULL)
        *out_amount = sqlite3_column_int64 (stmt, 0);
      if (out_deals != NULL)
        *out_deals = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "sum a company's won deals");
      return FALSE;
    }
  return TRUE;
}

/* [{"id","name"}] of the rows (id, name) @sql finds for @arg. */
static JsonArray *
id_name_list (CrmStore    *store,
              const char  *sql,
              const char  *arg,
              const char  *what,
              GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, arg);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      _crm_json_set_text_column (item, "id", stmt, 0);
      _crm_json_set_text_column (item, "name", stmt, 1);
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, what);
      return NULL;
    }
  return g_steal_pointer (&list);
}

JsonArray *
crm_company_holding (CrmStore    *store,
                     const char  *company_id,
                     GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  /* UNION (not UNION ALL) keeps each member once, so a ring of links ends */
  return id_name_list (store,
    "WITH RECURSIVE holding (id) AS (SELECT ?1"
    "  UNION SELECT l.other FROM company_link l JOIN holding h ON l.company = h.id"
    "   WHERE l.present = 1 AND l.deleted = 0"
    "  UNION SELECT l.company FROM company_link l JOIN holding h ON l.other = h.id"
    "   WHERE l.present = 1 AND l.deleted = 0)"
    " SELECT c.id, c.name FROM holding h JOIN company c ON c.id = h.id"
    " WHERE c.id != ?1 AND c.deleted = 0 ORDER BY c.name, c.id",
    company_id, "read a company's holding", error);
}

CrmChange *
crm_company_link_change (CrmChangeset *changeset,
                         const char   *a,
                         const char   *b,
                         gboolean      present)
{
  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  /* the pair in order: linking A to B and B to A is one entity */
  if (g_strcmp0 (a, b) > 0)
    {
      const char *swap = a;

      a = b;
      b = swap;
    }
  return crm_changeset_set_link (changeset, "company_link", "company", a, "other", b, present);
}

CrmChange *
crm_contact_company_change (CrmChangeset *changeset,
                            const char   *contact_id,
                            const char   *company_id,
                            gboolean      present)
{
  return crm_changeset_set_link (changeset, "contact_company", "contact", contact_id,
                                 "company", company_id, present);
}

JsonArray *
crm_contact_related_companies (CrmStore    *store,
                               const char  *contact_id,
                               GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  return id_name_list (store,
    "SELECT c.id, c.name FROM contact_company l JOIN company c ON c.id = l.company"
    " WHERE l.contact = ?1 AND l.present = 1 AND l.deleted = 0 AND c.deleted = 0"
    " ORDER BY c.name, c.id", contact_id, "read a contact's companies", error);
}

JsonArray *
crm_company_related_contacts (CrmStore    *store,
                              const char  *company_id,
                              GError     **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  return id_name_list (store,
    "SELECT c.id, c.name FROM contact_company l JOIN contact c ON c.id = l.contact"
    " WHERE l.company = ?1 AND l.present = 1 AND l.deleted = 0 AND c.deleted = 0"
    " ORDER BY c.name, c.id", company_id, "read a company's related contacts", error);
}

JsonArray *
crm_company_deal_fields (CrmStore    *store,
                         const char  *company_id,
                         GError     **error)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonObject) company = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (company_id == NULL)
    return g_steal_pointer (&list);
  company = crm_store_dup_entity (store, "company", company_id);
  if (company == NULL || json_object_get_boolean_member_with_default (company, "deleted", FALSE))
    return g_steal_pointer (&list);
  stmt = _crm_store_prepare (store,
    "SELECT key, label, type FROM field WHERE entity = 'company' AND deleted = 0"
    " AND coalesce (hidden, 0) = 0 AND json_extract (data, '$.on_deals') = 1"
    " ORDER BY position, key", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();
      const char *key = (const char *) sqlite3_column_text (stmt, 0);
      JsonNode *value = key != NULL ? json_object_get_member (company, key) : NULL;

      _crm_json_set_text_column (item, "key", stmt, 0);
      _crm_json_set_text_column (item, "label", stmt, 1);
      _crm_json_set_text_column (item, "type", stmt, 2);
      if (value != NULL)
        json_object_set_member (item, "value", json_node_copy (value));
      else
        json_object_set_null_member (item, "value");
      json_array_add_object_element (list, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the company fields shown on deals");
      return NULL;
    }
  return g_steal_pointer (&list);
}

/* @entity's custom fields moved under "fields"; bookkeeping members dropped. */
static void
split_fields (const char *kind,
              JsonObject *entity)
{
  const CrmEntityType *type = crm_schema_lookup (kind);
  g_autoptr(GList) members = json_object_get_members (entity);
  JsonObject *fields = json_object_new ();

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (g_str_equal (member, "id") || g_str_equal (member, "deleted") ||
          crm_entity_type_column (type, member) != NULL)
        continue;
      json_object_set_member (fields, member,
                              json_node_copy (json_object_get_member (entity, member)));
      json_object_remove_member (entity, member);
    }
  json_object_remove_member (entity, "deleted");
  json_object_set_object_member (entity, "fields", fields);
}

static JsonObject *
dup_live (CrmStore    *store,
          const char  *kind,
          const char  *id,
          GError     **error)
{
  g_autoptr(JsonObject) entity = NULL;

  if (!crm_store_read_entity (store, kind, id, &entity, error))
    return NULL;
  if (entity == NULL || json_object_get_boolean_member_with_default (entity, "deleted", FALSE))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   g_str_equal (kind, "company") ? _("There is no company %s")
                                                 : _("There is no contact %s"),
                   id != NULL ? id : "");
      return NULL;
    }
  return g_steal_pointer (&entity);
}

/* A time column as ISO 8601, as every other `show` prints times. */
static void
present_time (JsonObject *object,
              const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    {
      g_autofree char *text = crm_time_format (json_node_get_int (node));

      json_object_set_string_member (object, member, text);
    }
}

JsonObject *
crm_company_show (CrmStore    *store,
                  const char  *company_id,
                  GError     **error)
{
  g_autoptr(JsonObject) company = NULL;
  JsonArray *holding;
  JsonArray *contacts;
  JsonArray *related;
  gint64 total = 0, deals = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((company = dup_live (store, "company", company_id, error)) == NULL ||
      !crm_company_won_total (store, company_id, &total, &deals, error))
    return NULL;
  split_fields ("company", company);
  if ((holding = crm_company_holding (store, company_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (company, "holding", holding);
  contacts = id_name_list (store,
    "SELECT id, name FROM contact WHERE company = ?1 AND deleted = 0 ORDER BY name, id",
    company_id, "read a company's contacts", error);
  if (contacts == NULL)
    return NULL;
  json_object_set_array_member (company, "contacts", contacts);
  if ((related = crm_company_related_contacts (store, company_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (company, "related_contacts", related);
  json_object_set_int_member (company, "total", total);
  json_object_set_int_member (company, "won_deals", deals);
  present_time (company, "created_at");
  return g_steal_pointer (&company);
}

JsonObject *
crm_contact_show (CrmStore    *store,
                  const char  *contact_id,
                  GError     **error)
{
  g_autoptr(JsonObject) contact = NULL;
  g_autoptr(JsonObject) company = NULL;
  JsonArray *companies;
  const char *company_id;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if ((contact = dup_live (store, "contact", contact_id, error)) == NULL ||
      (companies = crm_contact_related_companies (store, contact_id, error)) == NULL)
    return NULL;
  split_fields ("contact", contact);
  json_object_set_array_member (contact, "companies", companies);
  company_id = json_object_get_string_member_with_default (contact, "company", NULL);
  if (company_id != NULL)
    company = crm_store_dup_entity (store, "company", company_id);
  json_object_set_member (contact, "company_id", json_node_copy (json_object_get_member (contact, "company")));
  if (company != NULL && !json_object_get_boolean_member_with_default (company, "deleted", FALSE))
    json_object_set_string_member (contact, "company",
                                   json_object_get_string_member_with_default (company, "name", ""));
  else
    json_object_set_null_member (contact, "company");
  present_time (contact, "created_at");
  return g_steal_pointer (&contact);
}
