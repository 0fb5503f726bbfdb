/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-validate.c — the shape, references and rights of an op (see crm-validate.h). The
 * laptop runs them as gates inside crm_store_apply(); the server runs the same functions
 * on every pushed op, so a modified client meets the refusals the app would give. */
#define G_LOG_DOMAIN "voronka-validate"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-validate.h"
#include "crm-approval.h"
#include "crm-participant.h"
#include "crm-rights.h"
#include "crm-setting.h"
#include "crm-store-private.h"
#include "crm-json-private.h"
#include "crm-uuid.h"
#include "crm-json.h"
#include "crm-visibility.h"

/* Fields that name another entity: entity type, field, the type it names. */
static const struct {
  const char *entity;
  const char *field;
  const char *target;
} references[] = {
  { "stage", "pipeline", "pipeline" },
  { "deal", "pipeline", "pipeline" },
  { "deal", "stage", "stage" },
  { "deal", "responsible", "user" },
  { "deal", "company", "company" },
  { "deal", "loss_reason", "loss_reason" },
  { "contact", "company", "company" },
  { "contact", "responsible", "user" },
  { "company", "responsible", "user" },
  { "deal_tag", "deal", "deal" },
  { "deal_tag", "tag", "tag" },
  { "deal_contact", "deal", "deal" },
  { "deal_contact", "contact", "contact" },
  { "company_link", "company", "company" },
  { "company_link", "other", "company" },
  { "contact_company", "contact", "contact" },
  { "contact_company", "company", "company" },
  { "task", "deal", "deal" },
  { "task", "contact", "contact" },
  { "task", "responsible", "user" },
  { "note", "author", "user" },
  { "loss_reason", "pipeline", "pipeline" },
  { "approval", "requested_by", "user" },
  { "approval", "approver", "user" },
  { "message", "deal", "deal" },
  { "notification", "user", "user" },
  { "notification", "deal", "deal" },
  { "saved_list", "author", "user" },
  { "call", "contact", "contact" },
  { "call", "deal", "deal" },
  { "call", "answered_by", "user" },
  { "call", "missed_to", "user" },
  { "schedule", "user", "user" },
  { "schedule_exception", "user", "user" },
};

/* Entities whose (entity, entity_id) pair names any other entity. */
static const char *const polymorphic[] = { "note", "attachment", "approval", NULL };

/* Text columns that hold free text (bounded only by the op's size). */
static const char *const long_texts[] = {
  "task.text", "task.result", "note.text", "message.text", "notification.text",
  "approval.comment", "message_template.body", "saved_list.filter", NULL
};

/* Integer columns that are times (UTC ms). */
static const char *const time_fields[] = {
  "created_at", "stage_entered_at", "due", "done_at", "started_at", "answered_at",
  "ended_at", NULL
};

static const char *const setup_entities[] = {
  "pipeline", "stage", "field", "loss_reason", "rule", "user", "message_template",
  "rfm_segment", "setting", "role", NULL
};

/* references[] and polymorphic[] as entity → field → the type it names ("" for the
 * polymorphic pairs' entity_id), made once: every field of every op is looked up, and
 * the tables' scan with two string compares a row was 4 % of an import (callgrind) */
static GHashTable *
reference_table (void)
{
  static gsize made = 0;
  static GHashTable *table;

  if (g_once_init_enter (&made))
    {
      GHashTable *by_entity = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                     (GDestroyNotify) g_hash_table_unref);

      for (guint i = 0; i < G_N_ELEMENTS (references) + g_strv_length ((char **) polymorphic); i++)
        {
          gboolean named = i < G_N_ELEMENTS (references);
          const char *entity = named ? references[i].entity
                                     : polymorphic[i - G_N_ELEMENTS (references)];
          GHashTable *fields = g_hash_table_lookup (by_entity, entity);

          if (fields == NULL)
            {
              fields = g_hash_table_new (g_str_hash, g_str_equal);
              g_hash_table_insert (by_entity, (gpointer) entity, fields);
            }
          if (named)
            g_hash_table_insert (fields, (gpointer) references[i].field,
                                 (gpointer) references[i].target);
          else
            g_hash_table_insert (fields, "entity_id", "");
        }
      table = by_entity;
      g_once_init_leave (&made, 1);
    }
  return table;
}

static const char *
reference_target (const char *entity,
                  const char *field)
{
  GHashTable *fields = g_hash_table_lookup (reference_table (), entity);

  /* "" for a polymorphic entity_id: named by the op's (or the entity's) "entity" */
  return fields != NULL ? g_hash_table_lookup (fields, field) : NULL;
}

/* Refuse an op: INVALID_INPUT with the message; returns FALSE. */
#define invalid(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, __VA_ARGS__)

static gboolean
is_sha256_hex (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean
check_kind (const CrmOp     *op,
            const char      *field,
            const CrmColumn *column,
            JsonNode        *value,
            GError         **error)
{
  gboolean ok;

  if (JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  switch (column->kind)
    {
    case CRM_COLUMN_TEXT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
      break;
    case CRM_COLUMN_INT:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64;
      break;
    case CRM_COLUMN_BOOL:
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
      break;
    case CRM_COLUMN_JSON:
    default:
      ok = JSON_NODE_HOLDS_ARRAY (value) || JSON_NODE_HOLDS_OBJECT (value);
      break;
    }
  if (!ok)
    return invalid (error, _("Field “%s” of %s %s has a value of the wrong type"), field,
                    op->entity, op->entity_id);
  return TRUE;
}

static gboolean
check_int (const CrmOp  *op,
           const char   *field,
           gint64        value,
           GError      **error)
{
  if (g_str_equal (field, "amount") && (value < 0 || value > CRM_MONEY_MAX))
    return invalid (error, _("The amount of %s %s must be between 0 and %lld.%02lld"),
                    op->entity, op->entity_id, (long long) (CRM_MONEY_MAX / 100),
                    (long long) (CRM_MONEY_MAX % 100));
  if (g_strv_contains (time_fields, field) && (value < 0 || value > CRM_TIME_MAX))
    return invalid (error, _("“%s” of %s %s is not a time between 1970 and 9999"), field,
                    op->entity, op->entity_id);
  if ((g_str_equal (field, "size") || g_str_equal (field, "number")) && value < 0)
    return invalid (error, _("“%s” of %s %s cannot be negative"), field, op->entity,
                    op->entity_id);
  if (g_str_equal (field, "position") && (value < -G_MAXINT32 || value > G_MAXINT32))
    return invalid (error, _("“%s” of %s %s is out of range"), field, op->entity, op->entity_id);
  return TRUE;
}

static gboolean
check_string_array (const CrmOp  *op,
                    const char   *field,
                    JsonNode     *value,
                    gboolean      ids,
                    GError      **error)
{
  JsonArray *array = json_node_get_array (value);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *text = crm_json_node_string (json_array_get_element (array, i));

      if (text == NULL || g_utf8_strlen (text, -1) > CRM_TEXT_MAX_CHARS ||
          (ids && !crm_uuid_is_valid (text)))
        return invalid (error, _("“%s” of %s %s must be a list of %s"), field, op->entity,
                        op->entity_id, ids ? _("ids") : _("short texts"));
    }
  return TRUE;
}

static gboolean
check_text (const CrmOp  *op,
            const char   *field,
            const char   *text,
            GError      **error)
{
  g_autofree char *qualified = g_strconcat (op->entity, ".", field, NULL);
  const char *target = reference_target (op->entity, field);

  if (target != NULL)
    {
      if (!crm_uuid_is_valid (text))
        return invalid (error, _("“%s” of %s %s must be an id, not “%.40s”"), field, op->entity,
                        op->entity_id, text);
      return TRUE;
    }
  if (g_str_equal (qualified, "attachment.hash") && !is_sha256_hex (text))
    return invalid (error, _("The file hash of attachment %s must be 64 hexadecimal digits "
                             "(a SHA-256), not “%.40s”"), op->entity_id, text);
  if (g_str_equal (qualified, "user.role") && !crm_rights_is_role_ref (text))
    return invalid (error, _("A user's role is admin, head, manager, accountant, rep or the "
                             "id of a role, not “%.40s”"), text);
  if (g_str_equal (qualified, "role.key"))
    {
      /* a built-in role is one row, with the id every replica derives from its key */
      g_autofree char *id = g_strv_contains (crm_rights_builtin_keys (), text)
                            ? crm_rights_role_id (text) : NULL;

      if (g_strcmp0 (id, op->entity_id) != 0)
        return invalid (error, _("“%.40s” is not the key of the built-in role %s"), text,
                        op->entity_id);
    }
  if (g_str_equal (qualified, "stage.kind") &&
      !g_str_equal (text, "unsorted") && !g_str_equal (text, "open") &&
      !g_str_equal (text, "won") && !g_str_equal (text, "lost"))
    return invalid (error, _("A stage's kind is unsorted, open, won or lost, not “%.40s”"), text);
  if (g_str_equal (field, "entity") && g_strv_contains (polymorphic, op->entity) &&
      crm_schema_lookup (text) == NULL)
    return invalid (error, _("%s %s is attached to “%.40s”, which is not a kind of entity"),
                    op->entity, op->entity_id, text);
  if (!g_strv_contains (long_texts, qualified) && g_utf8_strlen (text, -1) > CRM_TEXT_MAX_CHARS)
    return invalid (error, _("“%s” of %s %s is longer than %d characters"), field, op->entity,
                    op->entity_id, CRM_TEXT_MAX_CHARS);
  return TRUE;
}

static gboolean
holds (JsonNode *value,
       GType     type)
{
  return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == type;
}

/* A participant's own fields (crm-participant.h) are no columns of `deal_contact`: they
 * are checked here, in the words crm_participant_set() and crm_participant_rate() use,
 * so a pushed op meets the refusal the laptop gives. */
static gboolean
check_participant (const CrmOp  *op,
                   GError      **error)
{
  static const char *const flags[] = { "participant", "paid", "attended", NULL };
  JsonNode *value;

  for (guint i = 0; flags[i] != NULL; i++)
    {
      value = json_object_get_member (op->fields, flags[i]);
      if (value != NULL && !JSON_NODE_HOLDS_NULL (value) && !holds (value, G_TYPE_BOOLEAN))
        return invalid (error, _("“%s” of participant %s must be true or false"), flags[i],
                        op->entity_id);
    }
  value = json_object_get_member (op->fields, "guests");
  if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
      (!holds (value, G_TYPE_INT64) || json_node_get_int (value) < 0 ||
       json_node_get_int (value) > CRM_PARTICIPANT_GUESTS_MAX))
    return invalid (error, "%s", _("The number of guests is 0 or more (a participant's own "
                                   "guests, at most 10 000)"));
  value = json_object_get_member (op->fields, "nps");
  if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
      (!holds (value, G_TYPE_INT64) || json_node_get_int (value) < 0 ||
       json_node_get_int (value) > CRM_PARTICIPANT_NPS_MAX))
    {
      g_autofree char *text = json_to_string (value, FALSE);

      return crm_participant_nps_error (error, text);
    }
  value = json_object_get_member (op->fields, "nps_source");
  if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
      (!holds (value, G_TYPE_STRING) ||
       (g_strcmp0 (json_node_get_string (value), "paper") != 0 &&
        g_strcmp0 (json_node_get_string (value), "email") != 0)))
    return invalid (error, _("An NPS score comes from a paper form or the rating link "
                             "(“paper” or “email”) of participant %s"), op->entity_id);
  value = json_object_get_member (op->fields, "attended_at");
  if (value != NULL && !JSON_NODE_HOLDS_NULL (value) &&
      (!holds (value, G_TYPE_INT64) || json_node_get_int (value) < 0 ||
       json_node_get_int (value) > CRM_TIME_MAX))
    return invalid (error, _("“%s” of %s %s is not a time between 1970 and 9999"),
                    "attended_at", op->entity, op->entity_id);
  return TRUE;
}

gboolean
crm_validate_op_shape (const CrmOp  *op,
                       GError      **error)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (op != NULL, FALSE);

  if (op->fields != NULL)
    canonical = crm_json_object_to_canonical (op->fields);
  return _crm_validate_op_shape_text (op, canonical, error);
}

gboolean
_crm_validate_op_shape_text (const CrmOp  *op,
                             const char   *canonical,
                             GError      **error)
{
  const CrmEntityType *type;
  g_autoptr(GList) members = NULL;

  type = crm_schema_lookup (op->entity);
  if (type == NULL)
    return invalid (error, _("“%s” is not a kind of entity this version knows"),
                    op->entity ? op->entity : "");
  if (!crm_uuid_is_valid (op->entity_id))
    return invalid (error, _("“%.40s” is not a valid id for a %s"),
                    op->entity_id ? op->entity_id : "", op->entity);
  if (op->fields == NULL)
    return invalid (error, _("%s %s has no fields"), op->entity, op->entity_id);
  if (g_str_equal (op->entity, "deal_contact") && !check_participant (op, error))
    return FALSE;
  if ((op->rule != NULL && !crm_uuid_is_valid (op->rule)) ||
      (op->actor != NULL && !crm_uuid_is_valid (op->actor)) ||
      (op->cause != NULL && (*op->cause == '\0' || strlen (op->cause) > 128)))
    return invalid (error, _("The change to %s %s names its rule, cause or author with "
                             "something that is not an id"), op->entity, op->entity_id);
  if (strlen (canonical) > CRM_OP_MAX_BYTES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The change to %s %s is %lld KiB, more than the %d KiB one change may "
                     "have; shorten the text or attach it as a file"), op->entity,
                   op->entity_id, (long long) (strlen (canonical) / 1024), CRM_OP_MAX_BYTES / 1024);
      return FALSE;
    }

  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      const CrmColumn *column;

      if (g_str_equal (field, "id") || g_str_equal (field, "data") ||
          g_str_equal (field, "clocks") || g_str_equal (field, "hlc") || *field == '\0' ||
          strlen (field) > 64)
        return invalid (error, _("“%.64s” is not a field that can be written (%s %s)"), field,
                        op->entity, op->entity_id);
      if (g_str_equal (field, "deleted"))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_BOOLEAN)
            return invalid (error, _("“deleted” of %s %s must be true or false"), op->entity,
                            op->entity_id);
          continue;
        }
      column = crm_entity_type_column (type, field);
      if (column == NULL)
        continue;   /* a custom field: any JSON, bounded by the op's size */
      if (!check_kind (op, field, column, value, error))
        return FALSE;
      if (JSON_NODE_HOLDS_NULL (value))
        continue;
      switch (column->kind)
        {
        case CRM_COLUMN_INT:
          if (!check_int (op, field, json_node_get_int (value), error))
            return FALSE;
          break;
        case CRM_COLUMN_TEXT:
          if (!check_text (op, field, json_node_get_string (value), error))
            return FALSE;
          break;
        case CRM_COLUMN_JSON:
          if (g_str_equal (op->entity, "role") && g_str_equal (field, "rights") &&
              !crm_rights_check_shape (value, error))
            return FALSE;
          if (g_str_equal (op->entity, "setting") && g_str_equal (field, "value") &&
              !crm_setting_check_value (op, value, error))
            return FALSE;
          if ((g_str_equal (field, "phones") || g_str_equal (field, "emails") ||
               g_str_equal (field, "required_stages")) &&
              (!JSON_NODE_HOLDS_ARRAY (value) ||
               !check_string_array (op, field, value, g_str_equal (field, "required_stages"),
                                    error)))
            {
              if (error != NULL && *error == NULL)
                invalid (error, _("“%s” of %s %s must be a list"), field, op->entity,
                         op->entity_id);
              return FALSE;
            }
          break;
        case CRM_COLUMN_BOOL:
        default:
          break;
        }
    }
  return TRUE;
}

/* Has the replica ever had @entity_id as a @target (deleted ones count: an edit made
 * offline may name a tag someone else removed meanwhile)? */
static gboolean
entity_known (CrmStore    *store,
              const char  *target,
              const char  *entity_id,
              GError     **error)
{
  const CrmEntityType *type = crm_schema_lookup (target);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (type == NULL)
    return FALSE;
  if (_crm_store_reference_known (store, type, entity_id))
    return TRUE;
  sql = g_strdup_printf ("SELECT 1 FROM \"%s\" WHERE id = ?1", type->name);
  stmt = _crm_store_prepare (store, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  /* a replica that could not be read says so, not that the entity is missing */
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _crm_store_set_read_error (store, error, "checking a reference");
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    _crm_store_reference_found (store, type, entity_id);
  return rc == SQLITE_ROW;
}

static gboolean
missing (GError     **error,
         const CrmOp *op,
         const char  *field,
         const char  *target,
         const char  *id)
{
  if (error != NULL && *error != NULL)
    return FALSE;   /* the lookup failed: that error stands */
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("“%s” of %s %s names a %s that does not exist (%s)"), field, op->entity,
               op->entity_id, target, id);
  return FALSE;
}

/* Does @value fit the custom field's @type (a `field` entity: text, choice, bool,
 * number, money, date)? */
static gboolean
fits_field_type (const char *type,
                 const char *choices_json,
                 JsonNode   *value)
{
  GType kind = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_NONE;

  if (g_strcmp0 (type, "bool") == 0)
    return kind == G_TYPE_BOOLEAN;
  if (g_strcmp0 (type, "number") == 0)
    return kind == G_TYPE_INT64;
  if (g_strcmp0 (type, "counter") == 0)  /* counts up from 0 (S2-2: failed call attempts) */
    return kind == G_TYPE_INT64 && json_node_get_int (value) >= 0;
  if (g_strcmp0 (type, "money") == 0)
    return kind == G_TYPE_INT64 && json_node_get_int (value) >= -CRM_MONEY_MAX &&
           json_node_get_int (value) <= CRM_MONEY_MAX;
  if (g_strcmp0 (type, "date") == 0)
    return kind == G_TYPE_INT64 && json_node_get_int (value) >= 0 &&
           json_node_get_int (value) <= CRM_TIME_MAX;
  if (g_strcmp0 (type, "choice") == 0)
    {
      g_autoptr(JsonNode) choices = choices_json ? json_from_string (choices_json, NULL) : NULL;

      if (kind != G_TYPE_STRING)
        return FALSE;
      if (choices == NULL || !JSON_NODE_HOLDS_ARRAY (choices))
        return TRUE;
      for (guint i = 0; i < json_array_get_length (json_node_get_array (choices)); i++)
        if (g_strcmp0 (crm_json_node_string (json_array_get_element (json_node_get_array (choices),
                                                                     i)),
                       json_node_get_string (value)) == 0)
          return TRUE;
      return FALSE;
    }
  if (g_strcmp0 (type, "text") == 0)
    return kind == G_TYPE_STRING;
  return TRUE;
}

/* Custom fields the account defines (`field` entities) hold values of their type. */
static gboolean
check_custom_fields (CrmStore     *store,
                     const CrmOp  *op,
                     GError      **error)
{
  const CrmEntityType *type = crm_schema_lookup (op->entity);
  g_autoptr(GList) members = json_object_get_members (op->fields);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (op->fields, key);
      sqlite3_stmt *stmt;
      g_autofree char *field_type = NULL;
      g_autofree char *choices = NULL;
      gboolean defined = FALSE;

      if (type == NULL || g_str_equal (key, "deleted") || JSON_NODE_HOLDS_NULL (value) ||
          crm_entity_type_column (type, key) != NULL)
        continue;
      stmt = _crm_store_prepare (store,
        "SELECT type, choices FROM field WHERE entity = ?1 AND key = ?2 AND deleted = 0"
        " ORDER BY id LIMIT 1", NULL);
      if (stmt == NULL)
        continue;
      sqlite3_bind_text (stmt, 1, op->entity, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, key, -1, SQLITE_TRANSIENT);
      if (_crm_store_step (store, stmt) == SQLITE_ROW)
        {
          defined = TRUE;
          field_type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          choices = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      sqlite3_reset (stmt);
      if (defined && !fits_field_type (field_type, choices, value))
        return invalid (error, _("Field “%s” of %s %s holds a value that is not a %s the "
                                 "field allows"), key, op->entity, op->entity_id,
                        field_type ? field_type : "text");
    }
  return TRUE;
}

/* A contact becomes a participant of an event deal only (crm_participant_add()); a deal
 * that is gone is the other checks' business. */
static gboolean
check_participant_event (CrmStore     *store,
                         const CrmOp  *op,
                         GError      **error)
{
  JsonNode *value = json_object_get_member (op->fields, "participant");
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;

  if (value == NULL || !holds (value, G_TYPE_BOOLEAN) || !json_node_get_boolean (value))
    return TRUE;
  deal_id = g_strdup (crm_json_node_string (json_object_get_member (op->fields, "deal")));
  if (deal_id == NULL)
    deal_id = _crm_store_dup_column_any (store, "deal_contact", op->entity_id, "deal");
  deal = deal_id != NULL ? crm_store_dup_entity (store, "deal", deal_id) : NULL;
  if (deal == NULL || json_object_get_int_member_with_default (deal, "deleted", 0) != 0)
    return TRUE;
  return crm_participant_check_event (store, deal_id, error);
}

gboolean
crm_validate_op_references (CrmStore     *store,
                            const CrmOp  *op,
                            GError      **error)
{
  g_autoptr(GList) members = NULL;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  if (!check_custom_fields (store, op, error))
    return FALSE;
  if (g_str_equal (op->entity, "deal_contact") && !check_participant_event (store, op, error))
    return FALSE;

  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *field = l->data;
      JsonNode *value = json_object_get_member (op->fields, field);
      const char *target = reference_target (op->entity, field);
      const char *id = crm_json_node_string (value);

      if (g_str_equal (op->entity, "field") && g_str_equal (field, "required_stages") &&
          value != NULL && JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *array = json_node_get_array (value);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              const char *stage = crm_json_node_string (json_array_get_element (array, i));

              if (stage != NULL && !entity_known (store, "stage", stage, error))
                return missing (error, op, field, "stage", stage);
            }
          continue;
        }
      if (g_str_equal (op->entity, "user") && g_str_equal (field, "role") && id != NULL &&
          crm_uuid_is_valid (id) && !entity_known (store, "role", id, error))
        return missing (error, op, field, "role", id);
      if (target == NULL || id == NULL)
        continue;
      if (*target == '\0')
        {
          /* (entity, entity_id): the kind from the op, or from the entity as stored */
          g_autofree char *stored = NULL;
          const char *kind = crm_json_node_string (json_object_get_member (op->fields, "entity"));

          if (kind == NULL)
            kind = stored = _crm_store_dup_column_any (store, op->entity, op->entity_id, "entity");
          if (kind == NULL)
            return invalid (error, _("%s %s names an entity but not its kind"), op->entity,
                            op->entity_id);
          if (!entity_known (store, kind, id, error))
            return missing (error, op, field, kind, id);
          continue;
        }
      if (!entity_known (store, target, id, error))
        return missing (error, op, field, target, id);
    }
  return TRUE;
}

/* --- rights ------------------------------------------------------------------------------ */


/* A field of the entity as it was before the op: the value the op replaced, or the one
 * stored now (for an op not written yet, that is the value before it). NULL for a new
 * entity. */
static char *
before_string (CrmStore    *store,
               const CrmOp *op,
               const char  *field)
{
  JsonNode *previous;

  if (op->created)
    return NULL;
  previous = op->previous != NULL ? json_object_get_member (op->previous, field) : NULL;
  if (previous != NULL)
    return g_strdup (crm_json_node_string (previous));
  return _crm_store_dup_column_any (store, op->entity, op->entity_id, field);
}

/* The value the entity has for @field before the op, or for a new one the op's value. */
static char *
owner_field (CrmStore    *store,
             const CrmOp *op,
             const char  *field)
{
  if (op->created)
    return g_strdup (crm_json_node_string (json_object_get_member (op->fields, field)));
  return before_string (store, op, field);
}

/* Is @responsible someone whose deals, clients and tasks the role changes: the user,
 * their group's members (a head), anyone (a manager); nobody's always. */
static gboolean
is_mine (const CrmUserRights *rights,
         const char          *responsible)
{
  return crm_user_rights_within (rights, crm_user_rights_changes (rights), responsible);
}

/* A deal the user may work on: theirs (their group's for a head), or nobody's. Deals
 * that do not exist are the references check's business. */
static gboolean
deal_is_mine (CrmStore            *store,
              const char          *deal_id,
              const CrmUserRights *rights,
              char               **out_title)
{
  g_autofree char *responsible = NULL;

  if (deal_id == NULL)
    return TRUE;
  responsible = _crm_store_dup_column_any (store, "deal", deal_id, "responsible");
  if (is_mine (rights, responsible))
    return TRUE;
  if (out_title != NULL)
    *out_title = _crm_store_dup_column_any (store, "deal", deal_id, "title");
  return FALSE;
}

/* Refuse an op the role may not make: PERMISSION_DENIED; returns FALSE. */
#define denied(error, ...) \
  crm_error_fail ((error), CRM_STORE_ERROR, CRM_STORE_ERROR_PERMISSION_DENIED, __VA_ARGS__)

static gboolean
deal_denied (GError     **error,
             const char  *deal_id,
             const char  *title)
{
  return denied (error, _("The deal «%s» belongs to another sales rep; ask them or a manager "
                          "to change it"), title != NULL ? title : deal_id);
}

/* Contacts, companies and payers are the company's shared client base: every rep sees
 * them and may add new ones, but changes only those they are responsible for or that
 * nobody is. */
static gboolean
client_is_mine (CrmStore            *store,
                const char          *entity,
                const char          *entity_id,
                const CrmUserRights *rights,
                GError             **error)
{
  g_autofree char *responsible = _crm_store_dup_column_any (store, entity, entity_id, "responsible");
  g_autofree char *name = NULL;

  if (is_mine (rights, responsible))
    return TRUE;
  name = _crm_store_dup_column_any (store, entity, entity_id, "name");
  return denied (error, _("«%s» is another sales rep's client; ask them or a manager to "
                          "change it"), name != NULL ? name : entity_id);
}

/* May the rep change something attached to (@kind, @id): a note, a file? */
static gboolean
target_is_mine (CrmStore            *store,
                const char          *kind,
                const char          *id,
                const CrmUserRights *rights,
                GError             **error)
{
  g_autofree char *title = NULL;

  if (kind == NULL || id == NULL)
    return TRUE;
  if (g_str_equal (kind, "deal"))
    return deal_is_mine (store, id, rights, &title) || deal_denied (error, id, title);
  if (g_str_equal (kind, "contact") || g_str_equal (kind, "company"))
    {
      /* a rep may leave a note on or attach a file to any client; changing ones that
       * already exist is for whoever is responsible */
      return TRUE;
    }
  if (g_str_equal (kind, "task"))
    {
      g_autofree char *responsible = _crm_store_dup_column_any (store, "task", id, "responsible");
      g_autofree char *deal = _crm_store_dup_column_any (store, "task", id, "deal");

      if ((responsible != NULL && is_mine (rights, responsible)) ||
          deal_is_mine (store, deal, rights, &title))
        return TRUE;
      return deal_denied (error, deal, title);
    }
  return TRUE;
}

/* The door of an event (S4-10): whoever checks people in checks in anyone of the event,
 * whichever rep the deal is — the check-in only (attended and its time), on a contact
 * that already is a participant; the rest of a participant stays the deal's rep's. */
static gboolean
is_checkin (CrmStore    *store,
            const CrmOp *op)
{
  g_autoptr(GList) members = NULL;
  g_autoptr(JsonObject) participant = NULL;

  if (op->created || !g_str_equal (op->entity, "deal_contact"))
    return FALSE;
  members = json_object_get_members (op->fields);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "attended") && !g_str_equal (l->data, "attended_at"))
      return FALSE;
  participant = crm_participant_dup (store, op->entity_id);
  return participant != NULL;
}

static gboolean
rep_rights (CrmStore            *store,
            const CrmOp         *op,
            const char          *user_id,
            const CrmUserRights *rights,
            GError             **error)
{
  const char *entity = op->entity;
  g_autofree char *title = NULL;

  if (g_str_equal (entity, "deal"))
    {
      /* the deal's owner before the op: a rep may hand their deal over, never take one */
      g_autofree char *responsible = before_string (store, op, "responsible");

      if (op->created || is_mine (rights, responsible))
        return TRUE;
      title = before_string (store, op, "title");
      return deal_denied (error, op->entity_id, title);
    }
  if (g_str_equal (entity, "deal_tag") || g_str_equal (entity, "deal_contact") ||
      g_str_equal (entity, "message"))
    {
      g_autofree char *deal = owner_field (store, op, "deal");

      if (deal == NULL)
        deal = g_strdup (crm_json_node_string (json_object_get_member (op->fields, "deal")));
      return deal_is_mine (store, deal, rights, &title) || is_checkin (store, op) ||
             deal_denied (error, deal, title);
    }
  if (g_str_equal (entity, "task"))
    {
      g_autofree char *deal = owner_field (store, op, "deal");
      g_autofree char *responsible = owner_field (store, op, "responsible");

      if (!op->created && responsible != NULL && is_mine (rights, responsible))
        return TRUE;
      if (deal == NULL)
        {
          if (op->created || responsible == NULL)
            return TRUE;
          return denied (error, _("This task belongs to another sales rep; ask them or a "
                                  "manager to change it"));
        }
      return deal_is_mine (store, deal, rights, &title) || deal_denied (error, deal, title);
    }
  if (g_str_equal (entity, "note") || g_str_equal (entity, "attachment"))
    {
      g_autofree char *kind = owner_field (store, op, "entity");
      g_autofree char *target = owner_field (store, op, "entity_id");
      g_autofree char *author = before_string (store, op, "author");

      if (!op->created && author != NULL && is_mine (rights, author))
        return TRUE;
      return target_is_mine (store, kind, target, rights, error);
    }
  if (g_str_equal (entity, "contact") || g_str_equal (entity, "company") ||
      g_str_equal (entity, "payer"))
    {
      g_autofree char *responsible = NULL;

      if (op->created)
        return TRUE;
      responsible = before_string (store, op, "responsible");
      if (is_mine (rights, responsible))
        return TRUE;
      return client_is_mine (store, entity, op->entity_id, rights, error);
    }
  if (g_str_equal (entity, "company_link"))
    {
      g_autofree char *company = owner_field (store, op, "company");

      return company == NULL || client_is_mine (store, "company", company, rights, error);
    }
  if (g_str_equal (entity, "contact_company"))
    {
      /* «Связан с компанией» is the contact's field: whoever may change the contact */
      g_autofree char *contact = owner_field (store, op, "contact");

      return contact == NULL || client_is_mine (store, "contact", contact, rights, error);
    }
  if (g_str_equal (entity, "tag"))
    {
      /* a brand's discount applied by its approval: crm_approval_check_op() let it */
      return TRUE;   /* a new one, or a discount: crm_validate_op_rights() decided */
    }
  if (g_str_equal (entity, "notification"))
    {
      g_autofree char *user = owner_field (store, op, "user");

      if (op->created || user == NULL || g_str_equal (user, user_id))
        return TRUE;
      return denied (error, _("This notification is for another user"));
    }
  if (g_str_equal (entity, "account_setting"))
    return denied (error, _("Only a manager or an administrator can change work schedules"));
  if (g_str_equal (entity, "approval"))
    return TRUE;   /* crm_approval_check_op() decided: who requests, who decides a step */
  return TRUE;
}

/* A stage's kind closes a deal: won or lost. */
static gboolean
stage_closes (CrmStore   *store,
              const char *stage_id)
{
  g_autofree char *kind = stage_id != NULL ? _crm_store_dup_column_any (store, "stage", stage_id, "kind") : NULL;

  return g_strcmp0 (kind, "won") == 0 || g_strcmp0 (kind, "lost") == 0;
}

/* What the role allows in the deal's pipeline (crm-rights.h): seeing the deal at all,
 * editing it (any field; a new deal too), moving it into a won or lost stage, moving it
 * out of one, deleting it (or bringing it back). A deal moved to another pipeline needs
 * the right in both. */
static gboolean
deal_op_rights (CrmStore            *store,
                const CrmOp         *op,
                const CrmUserRights *rights,
                GError             **error)
{
  g_autofree char *pipeline_before = before_string (store, op, "pipeline");
  g_autofree char *responsible = before_string (store, op, "responsible");
  const char *pipeline_after = crm_json_node_string (json_object_get_member (op->fields,
                                                                             "pipeline"));
  JsonNode *deleted = json_object_get_member (op->fields, "deleted");
  JsonNode *stage = json_object_get_member (op->fields, "stage");
  CrmRights before, after;
  gboolean edits = FALSE;
  g_autoptr(GList) members = json_object_get_members (op->fields);

  if (pipeline_after == NULL)
    pipeline_after = pipeline_before;
  if (pipeline_before == NULL)
    pipeline_before = g_strdup (pipeline_after);
  crm_user_rights_get (rights, pipeline_before, &before);
  crm_user_rights_get (rights, pipeline_after, &after);
  if (!op->created && !crm_user_rights_sees (rights, pipeline_before, responsible))
    return crm_rights_deny (store, rights, CRM_RIGHT_SEE, pipeline_before, error);
  for (GList *l = members; l != NULL && !edits; l = l->next)
    edits = !g_str_equal (l->data, "deleted");
  if (deleted != NULL &&
      (!op->created || (holds (deleted, G_TYPE_BOOLEAN) && json_node_get_boolean (deleted))) &&
      !before.delete)
    return crm_rights_deny (store, rights, CRM_RIGHT_DELETE, pipeline_before, error);
  if (edits && !after.edit)
    return crm_rights_deny (store, rights, CRM_RIGHT_EDIT, pipeline_after, error);
  if (edits && !before.edit)
    return crm_rights_deny (store, rights, CRM_RIGHT_EDIT, pipeline_before, error);
  if (stage != NULL && crm_json_node_string (stage) != NULL)
    {
      g_autofree char *stage_before = before_string (store, op, "stage");
      const char *stage_after = crm_json_node_string (stage);

      if (g_strcmp0 (stage_before, stage_after) != 0)
        {
          if (stage_closes (store, stage_before) && !before.reopen)
            return crm_rights_deny (store, rights, CRM_RIGHT_REOPEN, pipeline_before, error);
          if (stage_closes (store, stage_after) && !after.move_won_lost)
            return crm_rights_deny (store, rights, CRM_RIGHT_MOVE_WON_LOST, pipeline_after,
                                    error);
        }
    }
  return TRUE;
}

/* What hangs off a deal through its `deal` column (crm-visibility.h lists the same). */
static const char *const deal_column_entities[] = {
  "deal_tag", "deal_contact", "message", "task", "call", "notification", NULL
};

/* The deal of the approval @id as the replica holds it: the one it was asked for on, or a
 * brand's discount's deal. */
static char *
approval_deal (CrmStore   *store,
               const char *id)
{
  g_autofree char *kind = _crm_store_dup_column_any (store, "approval", id, "entity");

  if (g_strcmp0 (kind, "deal") == 0)
    return _crm_store_dup_column_any (store, "approval", id, "entity_id");
  return crm_visibility_deal_of (store, "approval", id);
}

/* The deal a note or a file on (@kind, @id) hangs off: the deal itself, a task's deal,
 * an approval's; NULL for anything else (a contact's, a template's). */
static char *
target_deal (CrmStore   *store,
             const char *kind,
             const char *id)
{
  if (kind == NULL || id == NULL)
    return NULL;
  if (g_str_equal (kind, "deal"))
    return g_strdup (id);
  if (g_str_equal (kind, "task"))
    return _crm_store_dup_column_any (store, "task", id, "deal");
  if (g_str_equal (kind, "approval"))
    return approval_deal (store, id);
  return NULL;
}

/* The deal an op about something that hangs off a deal belongs to (a tag or a contact
 * of it, a message, a task, a call, a notification, an approval; a note or a file on it,
 * on one of its tasks or approvals), or NULL. */
static char *
hanging_deal (CrmStore    *store,
              const CrmOp *op)
{
  char *deal = NULL;

  if (g_strv_contains (deal_column_entities, op->entity))
    {
      deal = owner_field (store, op, "deal");
      if (deal == NULL && !op->created)
        deal = g_strdup (crm_json_node_string (json_object_get_member (op->fields, "deal")));
    }
  else if (g_str_equal (op->entity, "note") || g_str_equal (op->entity, "attachment"))
    {
      g_autofree char *kind = owner_field (store, op, "entity");
      g_autofree char *target = owner_field (store, op, "entity_id");

      deal = target_deal (store, kind, target);
    }
  else if (g_str_equal (op->entity, "approval"))
    {
      g_autofree char *kind = owner_field (store, op, "entity");
      JsonNode *data = json_object_get_member (op->fields, "data");

      if (g_strcmp0 (kind, "deal") == 0)
        deal = owner_field (store, op, "entity_id");
      /* a brand's discount: the deal its data names */
      else if (op->created && data != NULL && JSON_NODE_HOLDS_OBJECT (data))
        deal = g_strdup (crm_json_string (json_node_get_object (data), "deal"));
      else if (!op->created)
        deal = approval_deal (store, op->entity_id);
    }
  return deal;
}

/* The deal an op that changes what hangs off a deal moves it to (a task or note put on
 * another deal, a note on a task of another deal), or NULL. */
static char *
moved_to_deal (CrmStore    *store,
               const CrmOp *op)
{
  const char *to = NULL;

  if (op->created)
    return NULL;
  if (g_strv_contains (deal_column_entities, op->entity))
    to = crm_json_node_string (json_object_get_member (op->fields, "deal"));
  else if ((g_str_equal (op->entity, "note") || g_str_equal (op->entity, "attachment")) &&
           json_object_has_member (op->fields, "entity_id"))
    {
      const char *kind = crm_json_node_string (json_object_get_member (op->fields, "entity"));
      g_autofree char *kind_before = kind == NULL ? owner_field (store, op, "entity") : NULL;

      return target_deal (store, kind != NULL ? kind : kind_before,
                          crm_json_node_string (json_object_get_member (op->fields,
                                                                        "entity_id")));
    }
  return g_strdup (to);
}

/* Whether what the op changes is something a user who sees the deal may do without the
 * pipeline's `edit` right: a call (logged or answered), a notification (read), an approval
 * (asked for, decided) and the files of one — seeing the deal is enough. */
static gboolean
needs_only_sight (CrmStore    *store,
                  const CrmOp *op)
{
  g_autofree char *kind = NULL;

  if (g_str_equal (op->entity, "call") || g_str_equal (op->entity, "notification") ||
      g_str_equal (op->entity, "approval"))
    return TRUE;
  if (!g_str_equal (op->entity, "attachment") && !g_str_equal (op->entity, "note"))
    return FALSE;
  kind = owner_field (store, op, "entity");
  return g_strcmp0 (kind, "approval") == 0;
}

/* Seeing @deal. */
static gboolean
deal_sight_rights (CrmStore            *store,
                   const char          *deal,
                   const CrmUserRights *rights,
                   GError             **error)
{
  g_autofree char *pipeline = _crm_store_dup_column_any (store, "deal", deal, "pipeline");
  g_autofree char *responsible = _crm_store_dup_column_any (store, "deal", deal, "responsible");

  if (!crm_user_rights_sees (rights, pipeline, responsible))
    return crm_rights_deny (store, rights, CRM_RIGHT_SEE, pipeline, error);
  return TRUE;
}

/* Seeing @deal and the `edit` right of its pipeline. */
static gboolean
deal_edit_rights (CrmStore            *store,
                  const char          *deal,
                  const CrmUserRights *rights,
                  GError             **error)
{
  g_autofree char *pipeline = NULL;
  CrmRights in_pipeline;

  if (!deal_sight_rights (store, deal, rights, error))
    return FALSE;
  pipeline = _crm_store_dup_column_any (store, "deal", deal, "pipeline");
  crm_user_rights_get (rights, pipeline, &in_pipeline);
  if (!in_pipeline.edit)
    return crm_rights_deny (store, rights, CRM_RIGHT_EDIT, pipeline, error);
  return TRUE;
}

/* Changing what hangs off a deal is changing the deal: the `edit` right of its pipeline
 * (and seeing it) — of the deal it moves to as well, when it moves (a rep may not put
 * their task on a deal they do not see). A call, a notification, an approval (and its
 * files) need only the sight of their deal (needs_only_sight()). A check-in at an
 * event's door is not (anyone checks people in). */
static gboolean
hanging_op_rights (CrmStore            *store,
                   const CrmOp         *op,
                   const CrmUserRights *rights,
                   GError             **error)
{
  g_autofree char *deal = hanging_deal (store, op);
  g_autofree char *to = moved_to_deal (store, op);
  gboolean sight = needs_only_sight (store, op);

  if (to != NULL && g_strcmp0 (to, deal) != 0 &&
      !(sight ? deal_sight_rights (store, to, rights, error)
              : deal_edit_rights (store, to, rights, error)))
    return FALSE;
  if (deal == NULL || is_checkin (store, op))
    return TRUE;
  return sight ? deal_sight_rights (store, deal, rights, error)
               : deal_edit_rights (store, deal, rights, error);
}

gboolean
crm_validate_op_rights (CrmStore     *store,
                        const CrmOp  *op,
                        const char   *user_id,
                        const char   *role,
                        GError      **error)
{
  g_autoptr(CrmUserRights) rights = NULL;
  gboolean managers;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  /* approvals, brands' discounts, what a decision sets off: for every role alike */
  if (!crm_approval_check_op (store, op, user_id, role, error))
    return FALSE;
  if (g_strcmp0 (role, CRM_ROLE_ADMIN) == 0)
    return TRUE;
  /* the role's rights (crm-rights.h): a role that changes everyone's deals is a
   * manager's, outside the setup */
  rights = crm_user_rights_new_for_role (store, user_id, role, error);
  if (rights == NULL)
    return FALSE;
  managers = crm_user_rights_changes (rights) == CRM_SCOPE_ALL;
  /* the schedules' time zone: those who oversee everyone's work ("team") change it as
   * they change schedules */
  if (crm_setting_op_is_managers (op))
    {
      if (crm_user_rights_team (rights) == CRM_SCOPE_ALL)
        return TRUE;
      return denied (error, _("Only a manager or an administrator can change work schedules"));
    }
  /* a schedule: a manager anyone's, a head his group's members' (their role's "team") */
  if (g_str_equal (op->entity, "schedule") || g_str_equal (op->entity, "schedule_exception"))
    {
      g_autofree char *person = owner_field (store, op, "user");
      CrmScope team = crm_user_rights_team (rights);

      if (team != CRM_SCOPE_OWN && person != NULL &&
          crm_user_rights_within (rights, team, person))
        return TRUE;
      return denied (error, _("Only a manager, an administrator or the head of the person's "
                              "group can change their work schedules"));
    }
  if (g_strv_contains (setup_entities, op->entity))
    {
      if (g_str_equal (op->entity, "rule"))
        return denied (error, _("Only an administrator can change automation rules"));
      if (g_str_equal (op->entity, "message_template"))
        return denied (error, _("Only an administrator can change message templates"));
      if (g_str_equal (op->entity, "rfm_segment"))
        return denied (error, _("Only an administrator can change the RFM segments"));
      if (g_str_equal (op->entity, "role"))
        return denied (error, _("Only an administrator can change roles and their rights"));
      if (g_str_equal (op->entity, "setting"))
        return denied (error, _("Only an administrator can change the account's settings "
                                "(approvals, days of history kept); ask one to make the "
                                "change"));
      return denied (error, _("Only an administrator can change pipelines, stages, fields, loss "
                              "reasons and users (this change touches a %s)"), op->entity);
    }
  /* tags are the account's setup too: anyone adds one (a new brand on a deal), only an
   * administrator renames, regroups, recolours, merges or removes one (issue 20); a
   * brand's discount applied by its approval is crm_approval_check_op()'s business */
  if (g_str_equal (op->entity, "tag") && !op->created &&
      !(crm_approval_op_is_discount (op) && json_object_get_size (op->fields) <= 2))
    return denied (error, _("Only an administrator can rename, regroup, recolour, merge or "
                            "remove tags"));
  if (g_str_equal (op->entity, "attachment"))
    {
      /* a template's files (an offer mailed to many) are the template's: its admins' */
      g_autofree char *kind = owner_field (store, op, "entity");

      if (g_strcmp0 (kind, "message_template") == 0)
        return denied (error, _("Only an administrator can change message templates"));
    }
  /* the rights per pipeline: a deal, and what hangs off one */
  if (g_str_equal (op->entity, "deal") ? !deal_op_rights (store, op, rights, error)
                                       : !hanging_op_rights (store, op, rights, error))
    return FALSE;
  if (managers)
    return TRUE;
  return rep_rights (store, op, user_id, rights, error);
}
