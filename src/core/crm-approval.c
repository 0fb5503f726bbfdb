/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-approval.c — approvals: discounts per brand (S3-9) and invoices (S3-10). See
 * crm-approval.h for the entity, the chain and the checks both sides run. */
#define G_LOG_DOMAIN "voronka-approval"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-approval.h"
#include "crm-attachment.h"
#include "crm-error.h"
#include "crm-format.h"
#include "crm-json-private.h"
#include "crm-rights.h"
#include "crm-setting.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"
#include "crm-json.h"

#define DEFAULT_SETTINGS \
  "{\"discount\": [{\"approver\": \"head\"}, {\"approver\": \"director\", \"over\": 15}]," \
  " \"invoice\": [{\"approver\": \"manager\", \"over\": \"100000.00\"}, {\"approver\": \"head\"}," \
  "               {\"approver\": \"director\", \"over\": \"1000000.00\"}]}"

static const char *const step_keys[] = { "approver", "over", "types", NULL };
static const char *const settings_keys[] = {
  "discount", "invoice", "director", "accountant", "discounts", NULL
};

#define fail(error, code, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, (code), __VA_ARGS__)

/* ───────────────────────────── small readers ───────────────────────────── */

static gboolean
int_member (JsonObject *object,
            const char *member,
            gint64     *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static JsonArray *
array_member (JsonObject *object,
              const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static char *
derived_id (const char *approval_id,
            const char *what)
{
  g_autofree char *name = g_strconcat ("approval/", approval_id, "/", what, NULL);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, name);
}

/* A live user's name (NULL when unknown). */
static char *
user_name (CrmStore   *store,
           const char *user_id)
{
  return user_id != NULL ? _crm_store_dup_column (store, "user", user_id, "name") : NULL;
}

static char *
user_name_or_id (CrmStore   *store,
                 const char *user_id)
{
  char *name = user_name (store, user_id);

  return name != NULL ? name : g_strdup (user_id != NULL ? user_id : "—");
}

/* A live user by name or id, or NULL. */
static char *
find_user (CrmStore   *store,
           const char *name_or_id)
{
  sqlite3_stmt *stmt;
  char *id = NULL;

  if (name_or_id == NULL)
    return NULL;
  stmt = _crm_store_prepare (store,
    "SELECT id FROM user WHERE deleted = 0 AND (id = ?1 OR name = ?1) ORDER BY id LIMIT 1",
    NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, name_or_id);
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    id = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}

static char *
first_admin (CrmStore *store)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT id FROM user WHERE deleted = 0 AND role = 'admin' ORDER BY name, id LIMIT 1", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  if (_crm_store_step (store, stmt) == SQLITE_ROW)
    id = _crm_sql_dup_column_text (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}

/* The head of @author's group: the first member of the group (by name) whose role
 * approves (the right "approve", crm-rights.h: a manager or a head of group among the
 * built-in roles); an administrator decides as the director instead. */
static char *
find_head (CrmStore   *store,
           const char *author)
{
  g_autofree char *group = _crm_store_dup_column (store, "user", author, "grp");
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (group == NULL)
    return NULL;
  stmt = _crm_store_prepare (store,
    "SELECT id, role FROM user WHERE deleted = 0 AND grp = ?1 AND role IS NOT '"
    CRM_ROLE_ADMIN "' ORDER BY name, id", NULL);
  if (stmt == NULL)
    return NULL;
  _crm_sql_bind_text_or_null (stmt, 1, group);
  while (_crm_store_step (store, stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (members, _crm_sql_dup_column_text (stmt, 0));
      g_ptr_array_add (members, _crm_sql_dup_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < members->len; i += 2)
    {
      g_autoptr(CrmUserRights) rights =
        crm_user_rights_new_for_role (store, members->pdata[i], members->pdata[i + 1], NULL);

      if (rights != NULL && crm_user_rights_approves (rights))
        return g_strdup (members->pdata[i]);
    }
  return NULL;
}

/* ───────────────────────────── settings ───────────────────────────── */

JsonObject *
crm_approval_dup_settings (CrmStore *store)
{
  g_autofree char *id = crm_setting_id (CRM_APPROVAL_SETTINGS_KEY);
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, "setting", id);
  JsonNode *value = row != NULL ? json_object_get_member (row, "value") : NULL;
  g_autoptr(JsonNode) defaults = NULL;

  if (value != NULL && JSON_NODE_HOLDS_OBJECT (value) &&
      !json_object_get_boolean_member_with_default (row, "deleted", FALSE))
    return crm_json_object_deep_copy (json_node_get_object (value));
  defaults = json_from_string (DEFAULT_SETTINGS, NULL);
  return json_object_ref (json_node_get_object (defaults));
}

gboolean
crm_approval_in_use (CrmStore *store)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM setting WHERE key = ?1 AND deleted = 0)"
    " OR EXISTS (SELECT 1 FROM approval WHERE deleted = 0)", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  _crm_sql_bind_text_or_null (stmt, 1, CRM_APPROVAL_SETTINGS_KEY);
  found = _crm_store_step (store, stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static gboolean
settings_fail (char       **out_message,
               const char  *format,
               ...) G_GNUC_PRINTF (2, 3);

static gboolean
settings_fail (char       **out_message,
               const char  *format,
               ...)
{
  va_list args;

  va_start (args, format);
  if (out_message != NULL)
    *out_message = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

static gboolean
check_steps (JsonObject  *settings,
             const char  *kind,
             char       **out_message)
{
  JsonNode *node = json_object_get_member (settings, kind);
  JsonArray *steps;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return settings_fail (out_message, _("“%s” must be a list of steps such as "
                                         "{\"approver\": \"head\"}"), kind);
  steps = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *step_node = json_array_get_element (steps, i);
      JsonObject *step;
      g_autoptr(GList) members = NULL;
      JsonNode *over;

      if (!JSON_NODE_HOLDS_OBJECT (step_node))
        return settings_fail (out_message, _("Step %u of “%s” must be an object such as "
                                             "{\"approver\": \"head\"}"), i + 1, kind);
      step = json_node_get_object (step_node);
      members = json_object_get_members (step);
      for (GList *l = members; l != NULL; l = l->next)
        if (!g_strv_contains (step_keys, l->data))
          return settings_fail (out_message, _("Step %u of “%s” has an unknown key “%s” "
                                               "(known: approver, over, types)"),
                                i + 1, kind, (const char *) l->data);
      if (crm_json_string (step, "approver") == NULL || *crm_json_string (step, "approver") == '\0')
        return settings_fail (out_message, _("Step %u of “%s” needs an “approver”: manager, "
                                             "head, director or a user's name"), i + 1, kind);
      over = json_object_get_member (step, "over");
      if (over != NULL && g_str_equal (kind, "discount"))
        {
          if (!JSON_NODE_HOLDS_VALUE (over) || json_node_get_value_type (over) != G_TYPE_INT64 ||
              json_node_get_int (over) < 0 || json_node_get_int (over) > 100)
            return settings_fail (out_message, _("“over” of discount step %u must be a "
                                                 "percent from 0 to 100"), i + 1);
        }
      else if (over != NULL)
        {
          gint64 minor;

          if (crm_json_string (step, "over") == NULL ||
              !crm_money_parse (crm_json_string (step, "over"), &minor))
            return settings_fail (out_message, _("“over” of invoice step %u must be an amount "
                                                 "such as \"100000.00\""), i + 1);
        }
      if (json_object_has_member (step, "types") && array_member (step, "types") == NULL)
        return settings_fail (out_message, _("“types” of step %u of “%s” must be a list of "
                                             "invoice types"), i + 1, kind);
    }
  return TRUE;
}

gboolean
crm_approval_check_settings (JsonNode  *settings,
                             char     **out_message)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;
  JsonNode *discounts;

  if (settings == NULL || !JSON_NODE_HOLDS_OBJECT (settings))
    return settings_fail (out_message, _("The approval settings must be an object with "
                                         "“discount”, “invoice”, “director”, “accountant”"));
  object = json_node_get_object (settings);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (settings_keys, l->data))
      return settings_fail (out_message, _("Unknown key “%s” in the approval settings "
                                           "(known: discount, invoice, director, accountant, "
                                           "discounts)"), (const char *) l->data);
  if (!check_steps (object, "discount", out_message) ||
      !check_steps (object, "invoice", out_message))
    return FALSE;
  if ((json_object_has_member (object, "director") &&
       crm_json_string (object, "director") == NULL) ||
      (json_object_has_member (object, "accountant") &&
       crm_json_string (object, "accountant") == NULL))
    return settings_fail (out_message, _("“director” and “accountant” are users' names"));
  discounts = json_object_get_member (object, "discounts");
  if (discounts != NULL)
    {
      g_autoptr(GList) brands = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (discounts))
        return settings_fail (out_message, _("“discounts” must map brands to percents, such "
                                             "as {\"Jura\": 10}"));
      brands = json_object_get_members (json_node_get_object (discounts));
      for (GList *l = brands; l != NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (json_node_get_object (discounts), l->data);

          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64 ||
              json_node_get_int (value) < 0 || json_node_get_int (value) > 100)
            return settings_fail (out_message, _("The discount of brand “%s” must be a percent "
                                                 "from 0 to 100"), (const char *) l->data);
        }
    }
  return TRUE;
}

void
crm_approval_settings_fill (CrmChangeset *changeset,
                            JsonNode     *settings)
{
  g_autofree char *id = crm_setting_id (CRM_APPROVAL_SETTINGS_KEY);
  CrmChange *change = crm_changeset_touch (changeset, "setting", id);
  JsonNode *value = json_node_new (JSON_NODE_OBJECT);

  /* the brands' first discounts go onto the brands (tags), not into the setting */
  json_node_take_object (value, crm_json_object_deep_copy (json_node_get_object (settings)));
  json_object_remove_member (json_node_get_object (value), "discounts");
  crm_change_set_string (change, "key", CRM_APPROVAL_SETTINGS_KEY);
  crm_change_set_node (change, "value", value);
}

gboolean
crm_approval_set_settings (CrmStore    *store,
                           const char  *actor_id,
                           JsonNode    *settings,
                           GError     **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autofree char *message = NULL;

  if (!crm_approval_check_settings (settings, &message))
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT, "%s", message);
  if (json_object_has_member (json_node_get_object (settings), "discounts"))
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("Brands' discounts are not settings: change one with “approval discount "
                   "BRAND PERCENT” (administrators) or request it for approval"));
  crm_changeset_set_actor (changeset, actor_id);
  crm_approval_settings_fill (changeset, settings);
  return crm_store_apply (store, changeset, error);
}

/* ───────────────────────────── the chain ───────────────────────────── */

static gboolean
step_applies (JsonObject *step,
              const char *kind,
              gint64      value,
              const char *invoice_type)
{
  JsonNode *over = json_object_get_member (step, "over");
  JsonArray *types = array_member (step, "types");

  if (over != NULL && g_str_equal (kind, "discount") && JSON_NODE_HOLDS_VALUE (over) &&
      json_node_get_value_type (over) == G_TYPE_INT64 && value <= json_node_get_int (over))
    return FALSE;
  if (over != NULL && g_str_equal (kind, "invoice"))
    {
      gint64 minor = 0;

      if (crm_json_string (step, "over") != NULL &&
          crm_money_parse (crm_json_string (step, "over"), &minor) &&
          value <= minor)
        return FALSE;
    }
  if (types != NULL)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < json_array_get_length (types); i++)
        if (g_strcmp0 (json_array_get_string_element (types, i), invoice_type) == 0)
          found = TRUE;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static char *
director_of (CrmStore   *store,
             JsonObject *settings)
{
  char *id = find_user (store, crm_json_string (settings, "director"));

  return id != NULL ? id : first_admin (store);
}

/* The steps for a request of @kind by @author: [{"approver", "role"}]. */
static JsonArray *
compute_steps (CrmStore   *store,
               JsonObject *settings,
               const char *kind,
               const char *author,
               const char *deal_id,
               gint64      value,
               const char *invoice_type)
{
  JsonArray *steps = json_array_new ();
  JsonArray *rules = array_member (settings, kind);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; rules != NULL && i < json_array_get_length (rules); i++)
    {
      JsonNode *rule_node = json_array_get_element (rules, i);
      JsonObject *rule = JSON_NODE_HOLDS_OBJECT (rule_node) ? json_node_get_object (rule_node)
                                                             : NULL;
      const char *role = crm_json_string (rule, "approver");
      g_autofree char *approver = NULL;
      JsonObject *step;

      if (role == NULL || !step_applies (rule, kind, value, invoice_type))
        continue;
      if (g_str_equal (role, "manager"))
        approver = deal_id != NULL ? _crm_store_dup_column (store, "deal", deal_id, "responsible")
                                   : NULL;
      else if (g_str_equal (role, "head"))
        {
          approver = find_head (store, author);
          /* the author heads the group, or it has no head: the director decides */
          if (approver == NULL || g_str_equal (approver, author))
            {
              g_free (approver);
              approver = director_of (store, settings);
              role = "director";
            }
        }
      else if (g_str_equal (role, "director"))
        approver = director_of (store, settings);
      else
        {
          approver = find_user (store, role);
          role = "user";
        }
      /* the author's position: nobody approves their own request; one person once */
      if (approver == NULL || g_str_equal (approver, author))
        continue;
      if (g_ptr_array_find_with_equal_func (seen, approver, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, g_strdup (approver));
      step = json_object_new ();
      json_object_set_string_member (step, "approver", approver);
      json_object_set_string_member (step, "role", role);
      json_array_add_object_element (steps, step);
    }
  return steps;
}

/* ───────────────────────────── requests and decisions ───────────────────────────── */

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static char *
custom_text (CrmStore   *store,
             const char *entity,
             const char *entity_id,
             const char *key)
{
  g_autoptr(JsonObject) row = crm_store_dup_entity (store, entity, entity_id);

  return g_strdup (crm_json_string (row, key));
}

/* What a finished chain sets off, added to @changeset: the brand's new discount, or
 * the accountant's task. */
static void
fill_outcome (CrmStore     *store,
              CrmChangeset *changeset,
              CrmChange    *change,
              const char   *approval_id,
              JsonObject   *approval,
              gint64        now)
{
  const char *kind = crm_json_string (approval, "kind");

  if (g_strcmp0 (kind, "discount") == 0)
    {
      gint64 discount = 0;
      CrmChange *tag = crm_changeset_touch (changeset, "tag",
                                            crm_json_string (approval, "entity_id"));

      int_member (approval, "discount", &discount);
      crm_change_set_string (change, "status", "applied");
      crm_change_set_int (change, "applied_at", now);
      crm_change_set_int (tag, "discount", discount);
      crm_change_set_string (tag, "discount_approval", approval_id);
    }
  else
    {
      g_autoptr(JsonObject) settings = crm_approval_dup_settings (store);
      g_autofree char *accountant = find_user (store, crm_json_string (settings, "accountant"));
      g_autofree char *task_id = derived_id (approval_id, "accountant");
      const char *deal_id = crm_json_string (approval, "entity_id");
      g_autofree char *title = deal_id ? _crm_store_dup_column (store, "deal", deal_id, "title")
                                       : NULL;
      gint64 amount = 0;
      g_autofree char *currency = crm_store_dup_meta (store, "currency");
      g_autofree char *money = NULL;
      g_autofree char *text = NULL;
      CrmChange *task = crm_changeset_create (changeset, "task", task_id);

      int_member (approval, "amount", &amount);
      money = crm_format_money (amount, currency != NULL ? currency : "RUB");
      crm_change_set_string (change, "status", "approved");
      /* Translators: the accountant's task once an invoice is approved: the deal, the
       * invoice's type and amount */
      text = g_strdup_printf (_("Pay the invoice of «%s»: %s, %s"), title ? title : "",
                              crm_json_string_or (approval, "invoice_type", ""), money);
      crm_change_set_string (task, "deal", deal_id);
      crm_change_set_string (task, "text", text);
      crm_change_set_string (task, "type", "task");
      crm_change_set_int (task, "due", now + CRM_MS_PER_DAY);
      if (accountant != NULL)
        crm_change_set_string (task, "responsible", accountant);
      crm_change_set_bool (task, "done", FALSE);
      crm_change_set_int (task, "created_at", now);
      crm_change_set_string (task, "approval", approval_id);
    }
}

static gboolean
valid_comment (const char  *comment,
               GError     **error)
{
  if (comment != NULL && g_utf8_strlen (comment, -1) > 4000)
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("The comment is longer than 4000 characters; attach a file instead"));
  return TRUE;
}

static void set_user (CrmStore   *store,
                      JsonObject *object,
                      const char *member,
                      const char *user_id);

/* What a request resolves to before it is written: the chain, the brand's discount
 * now, the invoice's type and amount. */
typedef struct {
  JsonArray *steps;
  char      *invoice_type;
  gint64     amount;
  gint64     old_discount;
} Resolved;

static void
resolved_clear (Resolved *resolved)
{
  g_clear_pointer (&resolved->steps, json_array_unref);
  g_clear_pointer (&resolved->invoice_type, g_free);
}

/* The checks of a request and the chain the settings choose for it (the reason is
 * checked only when @need_reason: a preview is asked before it is typed). */
static gboolean
resolve_request (CrmStore                 *store,
                 const char               *actor_id,
                 const CrmApprovalRequest *request,
                 const char               *comment,
                 gboolean                  need_reason,
                 Resolved                 *out,
                 GError                  **error)
{
  g_autoptr(JsonObject) settings = NULL;
  gboolean discount = g_strcmp0 (request->kind, "discount") == 0;

  out->amount = request->amount;
  out->old_discount = -1;
  if (!discount && g_strcmp0 (request->kind, "invoice") != 0)
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("An approval is of kind “discount” or “invoice”, not “%s”"),
                 request->kind ? request->kind : "");
  if (request->deal_id != NULL)
    {
      g_autofree char *title = _crm_store_dup_column (store, "deal", request->deal_id, "title");

      if (title == NULL)
        return fail (error, CRM_STORE_ERROR_NOT_FOUND, _("No deal with id %s"), request->deal_id);
    }
  if (!valid_comment (comment, error))
    return FALSE;
  if (discount)
    {
      g_autofree char *group = request->brand_id
        ? _crm_store_dup_column (store, "tag", request->brand_id, "grp") : NULL;
      g_autoptr(JsonObject) tag = request->brand_id
        ? crm_store_dup_entity (store, "tag", request->brand_id) : NULL;

      if (g_strcmp0 (group, "brand") != 0)
        return fail (error, CRM_STORE_ERROR_NOT_FOUND,
                     _("A discount is requested for a brand (a tag of the brand group); give one "
                       "with --brand"));
      if (request->discount < 0 || request->discount > 100)
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("A discount is a percent from 0 to 100, not %d"), request->discount);
      if (need_reason && (comment == NULL || *comment == '\0'))
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("Say why the discount should change (--reason): the approvers and the "
                       "registry need it"));
      if (!int_member (tag, "discount", &out->old_discount))
        out->old_discount = -1;
      settings = crm_approval_dup_settings (store);
      out->steps = compute_steps (store, settings, "discount", actor_id, request->deal_id,
                                  request->discount, NULL);
    }
  else
    {
      sqlite3_stmt *stmt;
      g_autofree char *waiting = NULL;

      if (request->deal_id == NULL)
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("An invoice is approved for a deal; give it with --deal"));
      out->invoice_type = request->invoice_type != NULL && *request->invoice_type != '\0'
        ? g_strdup (request->invoice_type)
        : custom_text (store, "deal", request->deal_id, "invoice_type");
      if (out->invoice_type == NULL || *out->invoice_type == '\0')
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("The invoice's type decides who approves it: set the deal's field "
                       "«Тип счёта» (invoice_type) or give --invoice-type"));
      if (out->amount < 0 &&
          !_crm_store_get_int_column (store, "deal", request->deal_id, "amount", &out->amount))
        out->amount = -1;
      if (out->amount < 0)
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("The deal has no amount; give the invoice's with --amount"));
      stmt = _crm_store_prepare (store,
        "SELECT id FROM approval WHERE entity_id = ?1 AND kind = 'invoice'"
        " AND status = 'pending' AND deleted = 0 LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      _crm_sql_bind_text_or_null (stmt, 1, request->deal_id);
      if (_crm_store_step (store, stmt) == SQLITE_ROW)
        waiting = _crm_sql_dup_column_text (stmt, 0);
      sqlite3_reset (stmt);
      if (waiting != NULL)
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("An invoice of this deal already waits for approval (%s); wait for its "
                       "decision first"), waiting);
      settings = crm_approval_dup_settings (store);
      out->steps = compute_steps (store, settings, "invoice", actor_id, request->deal_id,
                                  out->amount, out->invoice_type);
    }
  return TRUE;
}

JsonNode *
crm_approval_preview (CrmStore                 *store,
                      const char               *actor_id,
                      const CrmApprovalRequest *request,
                      GError                  **error)
{
  Resolved resolved = { 0 };
  g_autofree char *comment = g_strstrip (g_strdup (request->comment ? request->comment : ""));
  JsonArray *steps;
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!resolve_request (store, actor_id, request, comment, FALSE, &resolved, error))
    {
      resolved_clear (&resolved);
      return NULL;
    }
  steps = json_array_new ();
  for (guint i = 0; i < json_array_get_length (resolved.steps); i++)
    {
      JsonObject *step = json_array_get_object_element (resolved.steps, i);
      JsonObject *out = json_object_new ();

      set_user (store, out, "approver", crm_json_string (step, "approver"));
      json_object_set_string_member (out, "role", crm_json_string (step, "role"));
      json_array_add_object_element (steps, out);
    }
  resolved_clear (&resolved);
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, steps);
  return node;
}

char *
crm_approval_request (CrmStore                 *store,
                      const char               *actor_id,
                      const CrmApprovalRequest *request,
                      GError                  **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) approval = NULL;
  g_autoptr(JsonArray) steps = NULL;
  g_autoptr(GArray) files = g_array_new (FALSE, TRUE, sizeof (CrmAttachmentFile));
  g_autofree char *id = NULL;
  g_autofree char *invoice_type = NULL;
  g_autofree char *comment = g_strstrip (g_strdup (request->comment ? request->comment : ""));
  gboolean discount = g_strcmp0 (request->kind, "discount") == 0;
  gint64 now = crm_store_get_now (store);
  gint64 amount;
  gint64 old_discount;
  Resolved resolved = { 0 };
  CrmChange *change;
  gboolean ok;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!resolve_request (store, actor_id, request, comment, TRUE, &resolved, error))
    {
      resolved_clear (&resolved);
      return NULL;
    }
  steps = g_steal_pointer (&resolved.steps);
  invoice_type = g_steal_pointer (&resolved.invoice_type);
  amount = resolved.amount;
  old_discount = resolved.old_discount;

  id = crm_store_new_id (store);
  changeset = crm_changeset_new ();
  crm_changeset_set_actor (changeset, actor_id);
  change = crm_changeset_create (changeset, "approval", id);
  crm_change_set_string (change, "kind", request->kind);
  crm_change_set_string (change, "entity", discount ? "tag" : "deal");
  crm_change_set_string (change, "entity_id", discount ? request->brand_id : request->deal_id);
  crm_change_set_string (change, "requested_by", actor_id);
  if (*comment != '\0')
    crm_change_set_string (change, "comment", comment);
  crm_change_set_int (change, "created_at", now);
  crm_change_set_int (change, "step", 0);
  if (discount)
    {
      crm_change_set_int (change, "discount", request->discount);
      if (old_discount >= 0)
        crm_change_set_int (change, "old_discount", old_discount);
      if (request->deal_id != NULL)
        crm_change_set_string (change, "deal", request->deal_id);
    }
  else
    {
      crm_change_set_int (change, "amount", amount);
      crm_change_set_string (change, "invoice_type", invoice_type);
      if (request->number != NULL && *request->number != '\0')
        crm_change_set_string (change, "number", request->number);
    }
  if (json_array_get_length (steps) > 0)
    {
      crm_change_set_string (change, "status", "pending");
      crm_change_set_string (change, "approver",
                             json_object_get_string_member (
                               json_array_get_object_element (steps, 0), "approver"));
    }
  else
    {
      /* nobody needs to decide: approved at once, with what that sets off */
      approval = json_object_ref (change->fields);
      crm_change_set_null (change, "approver");
      fill_outcome (store, changeset, change, id, approval, now);
    }
  crm_change_set_node (change, "steps", array_node (json_array_ref (steps)));

  for (guint i = 0; request->files != NULL && request->files[i] != NULL; i++)
    {
      CrmAttachmentFile file = { 0 };
      g_autofree char *attachment_id = NULL;
      g_autofree char *basename = NULL;
      g_autofree char *name = NULL;

      if (!crm_attachment_store_file (store, request->files[i], &file, error))
        {
          for (guint j = 0; j < files->len; j++)
            {
              crm_attachment_discard_file (store, &g_array_index (files, CrmAttachmentFile, j));
              crm_attachment_file_clear (&g_array_index (files, CrmAttachmentFile, j));
            }
          return NULL;
        }
      g_array_append_val (files, file);
      attachment_id = crm_store_new_id (store);
      basename = g_path_get_basename (request->files[i]);
      name = g_filename_display_name (basename);
      crm_attachment_fill_change (changeset, attachment_id, "approval", id, name, &file, now);
    }

  ok = crm_store_apply (store, changeset, error);
  for (guint j = 0; j < files->len; j++)
    {
      if (!ok)
        crm_attachment_discard_file (store, &g_array_index (files, CrmAttachmentFile, j));
      crm_attachment_file_clear (&g_array_index (files, CrmAttachmentFile, j));
    }
  return ok ? g_steal_pointer (&id) : NULL;
}

static JsonObject *
dup_approval (CrmStore    *store,
              const char  *approval_id,
              GError     **error)
{
  JsonObject *approval = approval_id != NULL
    ? crm_store_dup_entity (store, "approval", approval_id) : NULL;

  if (approval == NULL || json_object_get_boolean_member_with_default (approval, "deleted", FALSE))
    {
      g_clear_pointer (&approval, json_object_unref);
      fail (error, CRM_STORE_ERROR_NOT_FOUND,
            _("No approval with id %s; “approval list” shows them"), approval_id);
    }
  return approval;
}

static const char *
status_word (const char *status)
{
  if (g_strcmp0 (status, "approved") == 0)
    return _("approved");
  if (g_strcmp0 (status, "applied") == 0)
    return _("approved and applied");
  if (g_strcmp0 (status, "rejected") == 0)
    return _("rejected");
  return _("waiting");
}

gboolean
crm_approval_decide (CrmStore    *store,
                     const char  *actor_id,
                     const char  *approval_id,
                     gboolean     approve,
                     const char  *comment,
                     GError     **error)
{
  g_autoptr(JsonObject) approval = NULL;
  g_autoptr(JsonArray) steps = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *role = NULL;
  g_autofree char *text = comment != NULL ? g_strstrip (g_strdup (comment)) : NULL;
  JsonArray *stored;
  JsonObject *step;
  gint64 index = 0;
  gint64 now = crm_store_get_now (store);
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  approval = dup_approval (store, approval_id, error);
  if (approval == NULL)
    return FALSE;
  stored = array_member (approval, "steps");
  int_member (approval, "step", &index);
  if (g_strcmp0 (crm_json_string (approval, "status"), "pending") != 0 || stored == NULL ||
      index < 0 || index >= json_array_get_length (stored))
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("This approval is already decided (%s); nothing waits for a decision"),
                 status_word (crm_json_string (approval, "status")));
  step = json_array_get_object_element (stored, (guint) index);
  role = _crm_store_dup_column (store, "user", actor_id, "role");
  if (g_strcmp0 (crm_json_string (step, "approver"), actor_id) != 0 &&
      g_strcmp0 (role, "admin") != 0)
    {
      g_autofree char *name = user_name_or_id (store, crm_json_string (step, "approver"));

      return fail (error, CRM_STORE_ERROR_PERMISSION_DENIED,
                   _("This approval waits for %s's decision, not yours"), name);
    }
  if (!approve && (text == NULL || *text == '\0'))
    {
      g_autofree char *author = user_name_or_id (store, crm_json_string (approval, "requested_by"));

      return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A rejection needs a comment (--comment): it goes back to %s, who asked"),
                   author);
    }
  if (!valid_comment (text, error))
    return FALSE;

  steps = json_array_new ();
  for (guint i = 0; i < json_array_get_length (stored); i++)
    json_array_add_element (steps, json_node_copy (json_array_get_element (stored, i)));
  step = json_array_get_object_element (steps, (guint) index);
  json_object_set_string_member (step, "decision", approve ? "approved" : "rejected");
  json_object_set_string_member (step, "decided_by", actor_id);
  json_object_set_int_member (step, "decided_at", now);
  if (text != NULL && *text != '\0')
    json_object_set_string_member (step, "comment", text);
  else
    json_object_set_null_member (step, "comment");

  changeset = crm_changeset_new ();
  crm_changeset_set_actor (changeset, actor_id);
  change = crm_changeset_touch (changeset, "approval", approval_id);
  crm_change_set_int (change, "decided_step", index);
  crm_change_set_node (change, "steps", array_node (json_array_ref (steps)));
  if (!approve)
    {
      const char *deal_id = crm_json_string (approval, "entity_id");
      g_autofree char *notification_id = derived_id (approval_id, "rejected");
      g_autofree char *decider = user_name_or_id (store, actor_id);
      g_autofree char *message = NULL;
      CrmChange *notification;

      crm_change_set_string (change, "status", "rejected");
      crm_change_set_null (change, "approver");
      if (g_strcmp0 (crm_json_string (approval, "kind"), "discount") == 0)
        {
          g_autofree char *brand = _crm_store_dup_column (store, "tag", deal_id, "name");

          /* Translators: a rejected discount goes back to its author: the brand, who
           * rejected it, their comment */
          message = g_strdup_printf (_("Your discount request for %s was rejected by %s: %s"),
                                     brand ? brand : "", decider, text);
          deal_id = crm_json_string (approval, "deal");
        }
      else
        {
          g_autofree char *title = _crm_store_dup_column (store, "deal", deal_id, "title");

          /* Translators: a rejected invoice goes back to its author: the deal, who
           * rejected it, their comment */
          message = g_strdup_printf (_("Your invoice for «%s» was rejected by %s: %s"),
                                     title ? title : "", decider, text);
        }
      notification = crm_changeset_create (changeset, "notification", notification_id);
      crm_change_set_string (notification, "user", crm_json_string (approval, "requested_by"));
      crm_change_set_string (notification, "text", message);
      if (deal_id != NULL)
        crm_change_set_string (notification, "deal", deal_id);
      crm_change_set_bool (notification, "read", FALSE);
      crm_change_set_int (notification, "created_at", now);
      crm_change_set_string (notification, "approval", approval_id);
    }
  else if (index + 1 < json_array_get_length (steps))
    {
      crm_change_set_int (change, "step", index + 1);
      crm_change_set_string (change, "approver",
                             json_object_get_string_member (
                               json_array_get_object_element (steps, (guint) index + 1),
                               "approver"));
    }
  else
    {
      crm_change_set_null (change, "approver");
      fill_outcome (store, changeset, change, approval_id, approval, now);
    }
  return crm_store_apply (store, changeset, error);
}

gboolean
crm_approval_set_discount (CrmStore    *store,
                           const char  *actor_id,
                           const char  *brand_id,
                           gint         discount,
                           const char  *comment,
                           GError     **error)
{
  g_autofree char *role = _crm_store_dup_column (store, "user", actor_id, "role");
  g_autofree char *group = brand_id ? _crm_store_dup_column (store, "tag", brand_id, "grp") : NULL;
  g_autofree char *brand = brand_id ? _crm_store_dup_column (store, "tag", brand_id, "name") : NULL;
  g_autofree char *id = NULL;
  g_autofree char *text = g_strstrip (g_strdup (comment ? comment : ""));
  g_autoptr(JsonObject) tag = NULL;
  g_autoptr(CrmChangeset) changeset = NULL;
  gint64 old_discount;
  gint64 now = crm_store_get_now (store);
  CrmChange *change;
  CrmChange *tag_change;

  if (g_strcmp0 (group, "brand") != 0)
    return fail (error, CRM_STORE_ERROR_NOT_FOUND,
                 _("A discount belongs to a brand (a tag of the brand group); “tag list --group "
                   "brand” lists them"));
  if (g_strcmp0 (role, "admin") != 0)
    return fail (error, CRM_STORE_ERROR_PERMISSION_DENIED,
                 _("Only an administrator changes a brand's discount directly; request the "
                   "change for approval instead: approval request --kind discount --brand "
                   "“%s” --discount %d --reason …"), brand, discount);
  if (discount < 0 || discount > 100)
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("A discount is a percent from 0 to 100, not %d"), discount);
  if (!valid_comment (text, error))
    return FALSE;

  tag = crm_store_dup_entity (store, "tag", brand_id);
  id = crm_store_new_id (store);
  changeset = crm_changeset_new ();
  crm_changeset_set_actor (changeset, actor_id);
  /* the registry keeps the administrator's change like an approved one */
  change = crm_changeset_create (changeset, "approval", id);
  crm_change_set_string (change, "kind", "discount");
  crm_change_set_string (change, "entity", "tag");
  crm_change_set_string (change, "entity_id", brand_id);
  crm_change_set_string (change, "requested_by", actor_id);
  crm_change_set_string (change, "status", "applied");
  if (*text != '\0')
    crm_change_set_string (change, "comment", text);
  crm_change_set_int (change, "created_at", now);
  crm_change_set_int (change, "applied_at", now);
  crm_change_set_int (change, "discount", discount);
  if (int_member (tag, "discount", &old_discount))
    crm_change_set_int (change, "old_discount", old_discount);
  crm_change_set_node (change, "steps", array_node (json_array_new ()));
  tag_change = crm_changeset_touch (changeset, "tag", brand_id);
  crm_change_set_int (tag_change, "discount", discount);
  crm_change_set_string (tag_change, "discount_approval", id);
  return crm_store_apply (store, changeset, error);
}

/* ───────────────────────────── reading ───────────────────────────── */

static void
set_time (JsonObject *object,
          const char *member,
          JsonObject *from,
          const char *from_member)
{
  gint64 ms;

  if (int_member (from, from_member, &ms))
    {
      g_autofree char *text = crm_time_format (ms);

      json_object_set_string_member (object, member, text);
    }
  else
    json_object_set_null_member (object, member);
}

static void
set_user (CrmStore   *store,
          JsonObject *object,
          const char *member,
          const char *user_id)
{
  g_autofree char *name = user_name (store, user_id);
  g_autofree char *id_member = g_strconcat (member, "_id", NULL);

  if (user_id != NULL)
    {
      json_object_set_string_member (object, member, name != NULL ? name : user_id);
      json_object_set_string_member (object, id_member, user_id);
    }
  else
    {
      json_object_set_null_member (object, member);
      json_object_set_null_member (object, id_member);
    }
}

static void
copy_int (JsonObject *object,
          const char *member,
          JsonObject *from)
{
  gint64 value;

  if (int_member (from, member, &value))
    json_object_set_int_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

static JsonObject *
present (CrmStore   *store,
         JsonObject *row)
{
  JsonObject *object = json_object_new ();
  const char *id = crm_json_string (row, "id");
  const char *kind = crm_json_string (row, "kind");
  gboolean discount = g_strcmp0 (kind, "discount") == 0;
  const char *deal_id = crm_json_string (row, discount ? "deal" : "entity_id");
  g_autofree char *deal_title = deal_id ? _crm_store_dup_column (store, "deal", deal_id, "title")
                                        : NULL;
  g_autofree char *brand = discount ? _crm_store_dup_column (store, "tag",
                                                             crm_json_string (row, "entity_id"),
                                                             "name")
                                    : NULL;
  JsonArray *stored = array_member (row, "steps");
  JsonArray *steps = json_array_new ();
  JsonArray *files = json_array_new ();
  g_autoptr(JsonNode) attachments = crm_attachment_list (store, "approval", id, NULL);
  gint64 amount;

  json_object_set_string_member (object, "id", id);
  crm_json_set_string_or_null (object, "kind", kind);
  crm_json_set_string_or_null (object, "status", crm_json_string (row, "status"));
  crm_json_set_string_or_null (object, "deal", deal_id);
  crm_json_set_string_or_null (object, "deal_title", deal_title);
  crm_json_set_string_or_null (object, "brand", brand);
  crm_json_set_string_or_null (object, "brand_id",
                               discount ? crm_json_string (row, "entity_id") : NULL);
  copy_int (object, "discount", row);
  copy_int (object, "old_discount", row);
  if (int_member (row, "amount", &amount))
    {
      g_autofree char *money = crm_money_format (amount);

      json_object_set_string_member (object, "amount", money);
    }
  else
    json_object_set_null_member (object, "amount");
  crm_json_set_string_or_null (object, "invoice_type", crm_json_string (row, "invoice_type"));
  crm_json_set_string_or_null (object, "number", crm_json_string (row, "number"));
  crm_json_set_string_or_null (object, "comment", crm_json_string (row, "comment"));
  set_user (store, object, "requested_by", crm_json_string (row, "requested_by"));
  set_user (store, object, "approver", crm_json_string (row, "approver"));
  copy_int (object, "step", row);
  for (guint i = 0; stored != NULL && i < json_array_get_length (stored); i++)
    {
      JsonNode *node = json_array_get_element (stored, i);
      JsonObject *step = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonObject *out = json_object_new ();

      set_user (store, out, "approver", crm_json_string (step, "approver"));
      crm_json_set_string_or_null (out, "role", crm_json_string (step, "role"));
      crm_json_set_string_or_null (out, "decision", crm_json_string (step, "decision"));
      set_user (store, out, "decided_by", crm_json_string (step, "decided_by"));
      set_time (out, "decided_at", step, "decided_at");
      crm_json_set_string_or_null (out, "comment", crm_json_string (step, "comment"));
      json_array_add_object_element (steps, out);
    }
  json_object_set_array_member (object, "steps", steps);
  for (guint i = 0; attachments != NULL && i < json_array_get_length (json_node_get_array (attachments)); i++)
    {
      JsonObject *file = json_array_get_object_element (json_node_get_array (attachments), i);
      JsonObject *out = json_object_new ();

      json_object_set_string_member (out, "id", crm_json_string (file, "id"));
      json_object_set_string_member (out, "name", crm_json_string (file, "name"));
      json_array_add_object_element (files, out);
    }
  json_object_set_array_member (object, "files", files);
  set_time (object, "created_at", row, "created_at");
  set_time (object, "applied_at", row, "applied_at");
  return object;
}

JsonObject *
crm_approval_get (CrmStore    *store,
                  const char  *approval_id,
                  GError     **error)
{
  g_autoptr(JsonObject) row = dup_approval (store, approval_id, error);

  return row != NULL ? present (store, row) : NULL;
}

JsonNode *
crm_approval_list (CrmStore                *store,
                   const CrmApprovalFilter *filter,
                   GError                 **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array = json_array_new ();
  JsonNode *node;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store,
    "SELECT id FROM approval WHERE deleted = 0"
    " AND (?1 = 0 OR (?1 = 1 AND requested_by = ?2)"
    "      OR (?1 = 2 AND approver = ?2 AND status = 'pending'))"
    " AND (?3 IS NULL OR kind = ?3)"
    " AND (?4 IS NULL OR entity_id = ?4 OR json_extract (data, '$.deal') = ?4)"
    " ORDER BY created_at DESC, id DESC", error);
  if (stmt == NULL)
    {
      json_array_unref (array);
      return NULL;
    }
  sqlite3_bind_int (stmt, 1, filter != NULL ? (int) filter->scope : 0);
  _crm_sql_bind_text_or_null (stmt, 2, filter != NULL ? filter->user_id : NULL);
  _crm_sql_bind_text_or_null (stmt, 3, filter != NULL ? filter->kind : NULL);
  _crm_sql_bind_text_or_null (stmt, 4, filter != NULL ? filter->deal_id : NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "listing approvals");
      json_array_unref (array);
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(JsonObject) row = crm_store_dup_entity (store, "approval", ids->pdata[i]);

      if (row != NULL)
        json_array_add_object_element (array, present (store, row));
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;
}

static JsonNode *
discounts_query (CrmStore    *store,
                 const char  *sql,
                 const char  *entity_id,
                 GError     **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  JsonArray *array;
  JsonNode *node;
  int rc;

  if (stmt == NULL)
    return NULL;
  array = json_array_new ();
  if (entity_id != NULL)
    _crm_sql_bind_text_or_null (stmt, 1, entity_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      _crm_json_set_text_column (item, "brand", stmt, 0);
      _crm_json_set_text_column (item, "brand_id", stmt, 1);
      _crm_json_set_int_column (item, "discount", stmt, 2);
      json_array_add_object_element (array, item);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the brands' discounts");
      json_array_unref (array);
      return NULL;
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;
}

#define DISCOUNT_COLUMNS \
  "t.name, t.id, CASE json_type (t.data, '$.discount') WHEN 'integer'" \
  " THEN json_extract (t.data, '$.discount') END"

JsonNode *
crm_approval_discounts (CrmStore  *store,
                        GError   **error)
{
  return discounts_query (store,
    "SELECT " DISCOUNT_COLUMNS " FROM tag t WHERE t.deleted = 0 AND t.grp = 'brand'"
    " ORDER BY t.name", NULL, error);
}

JsonNode *
crm_approval_discounts_for (CrmStore    *store,
                            const char  *entity,
                            const char  *entity_id,
                            GError     **error)
{
  if (g_strcmp0 (entity, "company") == 0)
    return discounts_query (store,
      "SELECT " DISCOUNT_COLUMNS " FROM tag t WHERE t.deleted = 0 AND t.grp = 'brand'"
      " AND t.id IN (SELECT dt.tag FROM deal d JOIN deal_tag dt ON dt.deal = d.id"
      "  AND dt.present = 1 AND dt.deleted = 0 WHERE d.company = ?1 AND d.deleted = 0)"
      " ORDER BY t.name", entity_id, error);
  return discounts_query (store,
    "SELECT " DISCOUNT_COLUMNS " FROM tag t JOIN deal_tag dt ON dt.tag = t.id"
    " AND dt.present = 1 AND dt.deleted = 0 WHERE dt.deal = ?1 AND t.deleted = 0"
    " AND t.grp = 'brand' ORDER BY t.name", entity_id, error);
}

/* ───────────────────────────── the registry ───────────────────────────── */

typedef struct {
  gint64  at;
  char   *event;
  char   *who;
  char   *text;
  JsonObject *approval;   /* presented */
} RegistryEvent;

static void
registry_event_free (RegistryEvent *event)
{
  g_free (event->event);
  g_free (event->who);
  g_free (event->text);
  json_object_unref (event->approval);
  g_free (event);
}

static void
add_event (GPtrArray  *events,
           gint64      at,
           const char *event,
           const char *who,
           const char *text,
           JsonObject *approval)
{
  RegistryEvent *item = g_new0 (RegistryEvent, 1);

  item->at = at;
  item->event = g_strdup (event);
  item->who = g_strdup (who);
  item->text = g_strdup (text);
  item->approval = json_object_ref (approval);
  g_ptr_array_add (events, item);
}

static gint
compare_events (gconstpointer a,
                gconstpointer b)
{
  const RegistryEvent *x = *(RegistryEvent **) a;
  const RegistryEvent *y = *(RegistryEvent **) b;

  return x->at < y->at ? -1 : x->at > y->at ? 1 : 0;
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

static void
set_percent (JsonObject *row,
             const char *member,
             JsonObject *from)
{
  gint64 value;

  if (int_member (from, member, &value))
    json_object_set_double_member (row, member, (double) value);
  else
    json_object_set_null_member (row, member);
}

JsonNode *
crm_approval_registry (CrmStore  *store,
                       GError   **error)
{
  CrmApprovalFilter filter = { CRM_APPROVAL_LIST_ALL, NULL, "discount", NULL };
  g_autoptr(JsonNode) list = crm_approval_list (store, &filter, error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) registry_event_free);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  JsonObject *report;
  JsonArray *columns;
  JsonArray *rows;
  JsonNode *node;
  gint64 first = crm_store_get_now (store), last = first;

  if (list == NULL)
    return NULL;
  /* oldest first, so a sort by time that keeps ties in order lists an approval's own
   * events before a later request made the same minute */
  for (guint n = json_array_get_length (json_node_get_array (list)); n > 0; n--)
    {
      JsonObject *approval = json_array_get_object_element (json_node_get_array (list), n - 1);
      g_autoptr(JsonObject) row = crm_store_dup_entity (store, "approval",
                                                        crm_json_string (approval, "id"));
      JsonArray *steps = array_member (row, "steps");
      const char *status = crm_json_string (row, "status");
      gint64 created = 0, applied = 0;
      g_autofree char *author = user_name_or_id (store, crm_json_string (row, "requested_by"));

      int_member (row, "created_at", &created);
      if (steps != NULL && json_array_get_length (steps) == 0 &&
          g_strcmp0 (status, "applied") == 0)
        {
          /* an administrator's direct change */
          add_event (events, created, _("changed by an administrator"), author,
                     crm_json_string (row, "comment"), approval);
          continue;
        }
      add_event (events, created, _("requested"), author, crm_json_string (row, "comment"),
                 approval);
      for (guint s = 0; steps != NULL && s < json_array_get_length (steps); s++)
        {
          JsonObject *step = json_array_get_object_element (steps, s);
          const char *decision = crm_json_string (step, "decision");
          g_autofree char *who = NULL;
          gint64 at = 0;

          if (decision == NULL)
            continue;
          who = user_name_or_id (store, crm_json_string (step, "decided_by"));
          int_member (step, "decided_at", &at);
          add_event (events, at, g_str_equal (decision, "approved") ? _("approved") : _("rejected"),
                     who, crm_json_string (step, "comment"), approval);
        }
      if (g_strcmp0 (status, "applied") == 0 && int_member (row, "applied_at", &applied))
        add_event (events, applied, _("applied"), "", NULL, approval);
    }
  g_ptr_array_sort (events, compare_events);

  report = json_object_new ();
  json_object_set_string_member (report, "report", "discount-registry");
  json_object_set_string_member (report, "title", _("Discount changes"));
  columns = json_array_new ();
  add_column (columns, "when", _("When"), "text");
  add_column (columns, "brand", _("Brand"), "text");
  add_column (columns, "event", _("Event"), "text");
  add_column (columns, "who", _("Who"), "text");
  add_column (columns, "old_discount", _("Discount before"), "percent");
  add_column (columns, "discount", _("Discount asked"), "percent");
  add_column (columns, "text", _("Reason or comment"), "text");
  add_column (columns, "status", _("Result"), "text");
  add_column (columns, "approval", _("Approval"), "text");
  json_object_set_array_member (report, "columns", columns);
  rows = json_array_new ();
  for (guint i = 0; i < events->len; i++)
    {
      RegistryEvent *event = events->pdata[i];
      JsonObject *row = json_object_new ();
      g_autofree char *when = crm_time_format (event->at);

      if (i == 0)
        first = event->at;
      last = event->at;
      json_object_set_string_member (row, "when", when);
      crm_json_set_string_or_null (row, "brand", crm_json_string (event->approval, "brand"));
      json_object_set_string_member (row, "event", event->event);
      json_object_set_string_member (row, "who", event->who);
      set_percent (row, "old_discount", event->approval);
      set_percent (row, "discount", event->approval);
      crm_json_set_string_or_null (row, "text", event->text);
      json_object_set_string_member (row, "status",
                                     status_word (crm_json_string (event->approval, "status")));
      json_object_set_string_member (row, "approval", crm_json_string (event->approval, "id"));
      json_array_add_object_element (rows, row);
    }
  json_object_set_array_member (report, "rows", rows);
  json_object_set_object_member (report, "totals", json_object_new ());
  from = crm_time_format (first);
  to = crm_time_format (last);
  json_object_set_string_member (report, "from", from);
  json_object_set_string_member (report, "to", to);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, report);
  return node;
}

/* ───────────────────────────── the checks ───────────────────────────── */

#define denied(error, ...) fail ((error), CRM_STORE_ERROR_PERMISSION_DENIED, __VA_ARGS__)

static const char *const decision_fields[] = {
  "status", "step", "steps", "approver", "decided_step", "applied_at", NULL
};

/* The approval as it was before @op: on the laptop the op is written already and
 * op->previous holds what it replaced; on the server it is not merged yet. */
static JsonObject *
before_approval (CrmStore    *store,
                 const CrmOp *op)
{
  JsonObject *row;
  g_autoptr(GList) members = NULL;

  if (op->created)
    return NULL;
  row = crm_store_dup_entity (store, "approval", op->entity_id);
  if (row == NULL || op->previous == NULL)
    return row;
  members = json_object_get_members (op->previous);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (row, l->data,
                            json_node_copy (json_object_get_member (op->previous, l->data)));
  return row;
}

gboolean
crm_approval_op_is_discount (const CrmOp *op)
{
  return g_strcmp0 (op->entity, "tag") == 0 &&
         (json_object_has_member (op->fields, "discount") ||
          json_object_has_member (op->fields, "discount_approval"));
}

static gboolean
check_discount (CrmStore     *store,
                const CrmOp  *op,
                const char   *role,
                GError      **error)
{
  const char *approval_id = crm_json_string (op->fields, "discount_approval");
  g_autoptr(JsonObject) approval = NULL;
  g_autofree char *brand = NULL;
  gint64 wanted = -1, granted = -2;

  if (g_strcmp0 (role, "admin") == 0)
    return TRUE;
  if (approval_id != NULL)
    approval = crm_store_dup_entity (store, "approval", approval_id);
  int_member (op->fields, "discount", &wanted);
  int_member (approval, "discount", &granted);
  if (approval != NULL && g_strcmp0 (crm_json_string (approval, "kind"), "discount") == 0 &&
      g_strcmp0 (crm_json_string (approval, "status"), "applied") == 0 &&
      g_strcmp0 (crm_json_string (approval, "entity_id"), op->entity_id) == 0 && wanted == granted)
    return TRUE;
  brand = _crm_store_dup_column (store, "tag", op->entity_id, "name");
  return denied (error, _("Only an administrator changes a brand's discount directly; request "
                          "the change for approval instead: approval request --kind discount "
                          "--brand “%s” --discount N --reason …"), brand ? brand : op->entity_id);
}

/* The accountant's task and the author's notification come with a decision: with an
 * approved invoice, with a rejection. */
static gboolean
check_outcome (CrmStore     *store,
               const CrmOp  *op,
               GError      **error)
{
  const char *approval_id = crm_json_string (op->fields, "approval");
  g_autoptr(JsonObject) approval = approval_id ? crm_store_dup_entity (store, "approval", approval_id)
                                               : NULL;
  const char *status = crm_json_string (approval, "status");

  if (g_str_equal (op->entity, "task") && g_strcmp0 (status, "approved") == 0)
    return TRUE;
  if (g_str_equal (op->entity, "notification") && g_strcmp0 (status, "rejected") == 0)
    return TRUE;
  return denied (error, _("This comes with an approval's decision, and the approval was not "
                          "decided so (it is %s)"), status_word (status));
}

static gboolean
already_decided (CrmStore     *store,
                 JsonObject   *before,
                 gint64        decided,
                 GError      **error)
{
  JsonArray *steps = array_member (before, "steps");
  JsonObject *step = NULL;
  g_autofree char *who = NULL;
  g_autofree char *when = NULL;
  gint64 at = 0;

  if (steps != NULL && decided >= 0 && decided < json_array_get_length (steps))
    step = json_array_get_object_element (steps, (guint) decided);
  if (step == NULL || crm_json_string (step, "decision") == NULL)
    return denied (error, _("This approval no longer waits for that decision (it is %s)"),
                   status_word (crm_json_string (before, "status")));
  who = user_name_or_id (store, crm_json_string (step, "decided_by"));
  if (int_member (step, "decided_at", &at))
    when = crm_format_date_time (at);
  /* Translators: two devices decided one step of an approval; the first decision to
   * reach the server stands: step number, who decided it, how, when */
  return fail (error, CRM_STORE_ERROR_ALREADY_DECIDED, _("Step %d of this approval was already decided on another device: "
                          "%s %s it on %s. Your decision was not recorded"),
                 (int) decided + 1, who,
                 g_str_equal (crm_json_string (step, "decision"), "approved")
                 ? C_("approval step", "approved") : C_("approval step", "rejected"),
                 when != NULL ? when : "—");
}

/* Are a new pending request's steps (and the approver it waits for) the chain the
 * settings choose for it, so a modified client cannot pick its own approvers? */
static gboolean
chain_as_settings (CrmStore    *store,
                   const CrmOp *op,
                   const char  *user_id,
                   const char  *kind,
                   JsonArray   *steps)
{
  g_autoptr(JsonObject) settings = crm_approval_dup_settings (store);
  g_autoptr(JsonArray) expected = NULL;
  gboolean discount = g_str_equal (kind, "discount");
  gint64 value = 0;

  if (steps == NULL)
    return FALSE;
  int_member (op->fields, discount ? "discount" : "amount", &value);
  expected = compute_steps (store, settings, kind, user_id,
                            discount ? crm_json_string (op->fields, "deal")
                                     : crm_json_string (op->fields, "entity_id"),
                            value, crm_json_string (op->fields, "invoice_type"));
  if (json_array_get_length (expected) != json_array_get_length (steps))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *step = json_array_get_element (steps, i);

      if (!JSON_NODE_HOLDS_OBJECT (step) ||
          g_strcmp0 (crm_json_string (json_node_get_object (step), "approver"),
                     crm_json_string (json_array_get_object_element (expected, i),
                                      "approver")) != 0)
        return FALSE;
    }
  return json_array_get_length (steps) == 0 ||
         g_strcmp0 (crm_json_string (op->fields, "approver"),
                    crm_json_string (json_array_get_object_element (expected, 0), "approver")) == 0;
}

static gboolean
check_approval (CrmStore     *store,
                const CrmOp  *op,
                const char   *user_id,
                const char   *role,
                GError      **error)
{
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(GList) members = NULL;
  gboolean admin = g_strcmp0 (role, "admin") == 0;
  gboolean decision = FALSE;
  JsonArray *steps;
  JsonObject *step;
  gint64 decided = -1, waiting = -1;

  if (op->created)
    {
      const char *status = crm_json_string (op->fields, "status");
      JsonArray *new_steps = array_member (op->fields, "steps");
      const char *kind = crm_json_string (op->fields, "kind");

      if (g_strcmp0 (kind, "discount") != 0 && g_strcmp0 (kind, "invoice") != 0)
        return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                     _("An approval is of kind “discount” or “invoice”, not “%s”"),
                     kind ? kind : "");
      if (g_strcmp0 (crm_json_string (op->fields, "requested_by"), user_id) != 0)
        return denied (error, _("An approval is requested in one's own name"));
      if (g_strcmp0 (status, "pending") != 0 && !admin &&
          (new_steps == NULL || json_array_get_length (new_steps) > 0))
        return denied (error, _("A new approval request waits for its approvers' decision"));
      if (g_strcmp0 (status, "pending") != 0 && !admin)
        {
          /* approved at once only when the settings choose nobody to decide */
          g_autoptr(JsonObject) settings = crm_approval_dup_settings (store);
          g_autoptr(JsonArray) expected = NULL;
          gint64 value = 0;

          int_member (op->fields, g_str_equal (kind, "discount") ? "discount" : "amount", &value);
          expected = compute_steps (store, settings, kind, user_id,
                                    g_str_equal (kind, "discount")
                                    ? crm_json_string (op->fields, "deal")
                                    : crm_json_string (op->fields, "entity_id"),
                                    value, crm_json_string (op->fields, "invoice_type"));
          if (json_array_get_length (expected) > 0)
            return denied (error, _("This request needs its approvers' decision (the account's "
                                    "settings choose them); it cannot be approved at once"));
        }
      else if (!admin && !chain_as_settings (store, op, user_id, kind, new_steps))
        return denied (error, _("The approvers of this request are not the ones the account's "
                                "settings choose (they may have changed meanwhile); request it "
                                "again"));
      return TRUE;
    }

  before = before_approval (store, op);
  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (g_strv_contains (decision_fields, l->data))
        decision = TRUE;
      else if (g_str_equal (l->data, "deleted"))
        {
          /* the author withdraws a request nobody decided yet */
          if (!admin && (g_strcmp0 (crm_json_string (before, "requested_by"), user_id) != 0 ||
                         g_strcmp0 (crm_json_string (before, "status"), "pending") != 0))
            return denied (error, _("Only the author withdraws an approval request, and only "
                                    "while it waits"));
        }
      else if (!admin)
        return denied (error, _("An approval request is not changed once made; withdraw it "
                                "and request again"));
    }
  if (!decision)
    return TRUE;
  if (!int_member (op->fields, "decided_step", &decided))
    return fail (error, CRM_STORE_ERROR_INVALID_INPUT,
                 _("A decision on an approval names the step it decides (decided_step)"));
  int_member (before, "step", &waiting);
  if (g_strcmp0 (crm_json_string (before, "status"), "pending") != 0 || waiting != decided)
    return already_decided (store, before, decided, error);
  steps = array_member (before, "steps");
  step = steps != NULL && decided >= 0 && decided < json_array_get_length (steps)
         ? json_array_get_object_element (steps, (guint) decided) : NULL;
  if (!admin && g_strcmp0 (crm_json_string (step, "approver"), user_id) != 0)
    {
      g_autofree char *name = user_name_or_id (store, crm_json_string (step, "approver"));

      return denied (error, _("This step of the approval waits for %s's decision"), name);
    }
  return TRUE;
}

gboolean
crm_approval_check_op (CrmStore     *store,
                       const CrmOp  *op,
                       const char   *user_id,
                       const char   *role,
                       GError      **error)
{
  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (g_strcmp0 (op->entity, "approval") == 0)
    return check_approval (store, op, user_id, role, error);
  if (crm_approval_op_is_discount (op))
    return check_discount (store, op, role, error);
  if ((g_strcmp0 (op->entity, "task") == 0 || g_strcmp0 (op->entity, "notification") == 0) &&
      op->created && json_object_has_member (op->fields, "approval"))
    return check_outcome (store, op, error);
  return TRUE;
}
