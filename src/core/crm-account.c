/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-account.c — the whole account as one JSON document and back (crm-account.h).
 * Export reads every live entity of the types below. Import checks the document's shape
 * (size and depth first, before json-glib builds it), matches the account's set-up by
 * name, maps every id the document uses onto the account's, and writes it all as one
 * change set through crm_store_apply() with the rules off; a second change set turns the
 * rules that were on back on. */
#define G_LOG_DOMAIN "voronka-account"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "crm-account.h"
#include "crm-json-private.h"
#include "crm-op.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"

#define FORMAT_VERSION 1
#define MAX_ID_BYTES   100

typedef enum {
  KIND_SETUP,     /* matched by its natural key in the account */
  KIND_DATA,      /* added, its id kept */
  KIND_LINK,      /* a link entity (deal ↔ tag…): made from its two ends */
} Kind;

/* In import order: what a type refers to comes before it. */
static const struct {
  const char *type;
  Kind        kind;
  const char *key1;   /* setup: the natural key; link: the first end's field */
  const char *key2;   /* setup: its second part, or NULL; link: the second end's field */
} types[] = {
  { "user", KIND_SETUP, "name", NULL },
  { "pipeline", KIND_SETUP, "name", NULL },
  { "stage", KIND_SETUP, "pipeline", "name" },
  { "loss_reason", KIND_SETUP, "pipeline", "name" },
  { "field", KIND_SETUP, "entity", "key" },
  { "tag", KIND_SETUP, "name", NULL },
  { "rule", KIND_SETUP, "name", NULL },
  { "setting", KIND_SETUP, "key", NULL },
  { "account_setting", KIND_SETUP, "key", NULL },
  { "message_template", KIND_SETUP, "name", NULL },
  { "schedule", KIND_SETUP, "user", NULL },
  /* the team's call lists: their expressions name tags, users and fields by name */
  { "saved_list", KIND_SETUP, "name", NULL },
  { "schedule_exception", KIND_DATA, NULL, NULL },
  /* the payers' directory (S4-11); a deal's payer keeps its id */
  { "payer", KIND_DATA, NULL, NULL },
  { "company", KIND_DATA, NULL, NULL },
  { "contact", KIND_DATA, NULL, NULL },
  { "deal", KIND_DATA, NULL, NULL },
  { "task", KIND_DATA, NULL, NULL },
  { "note", KIND_DATA, NULL, NULL },
  { "attachment", KIND_DATA, NULL, NULL },
  { "deal_tag", KIND_LINK, "deal", "tag" },
  { "deal_contact", KIND_LINK, "deal", "contact" },
  { "contact_company", KIND_LINK, "contact", "company" },
  { "company_link", KIND_LINK, "company", "other" },
};

/* Fields that hold another entity's id. A NULL target: the type named by the entity's
 * "entity" field (notes, attachments). */
static const struct {
  const char *type;
  const char *field;
  const char *target;
} references[] = {
  { "stage", "pipeline", "pipeline" },
  { "loss_reason", "pipeline", "pipeline" },
  { "field", "required_stages", "stage" },      /* an array of them */
  { "schedule", "user", "user" },
  { "schedule_exception", "user", "user" },
  { "saved_list", "author", "user" },
  { "company", "responsible", "user" },
  { "contact", "company", "company" },
  { "contact", "responsible", "user" },
  { "deal", "pipeline", "pipeline" },
  { "deal", "stage", "stage" },
  { "deal", "responsible", "user" },
  { "deal", "company", "company" },
  { "deal", "loss_reason", "loss_reason" },
  { "task", "deal", "deal" },
  { "task", "contact", "contact" },
  { "task", "responsible", "user" },
  { "note", "author", "user" },
  { "note", "entity_id", NULL },
  { "attachment", "entity_id", NULL },
  { "deal_tag", "deal", "deal" },
  { "deal_tag", "tag", "tag" },
  { "deal_contact", "deal", "deal" },
  { "deal_contact", "contact", "contact" },
  { "contact_company", "contact", "contact" },
  { "contact_company", "company", "company" },
  { "company_link", "company", "company" },
  { "company_link", "other", "company" },
};

/* What the document does not carry over: the server numbers deals; "deleted" is never
 * exported; a link's "present" is made by crm_changeset_set_link(). */
static gboolean
skipped_field (const char *type,
               const char *field)
{
  return g_str_equal (field, "id") || g_str_equal (field, "deleted") ||
         (g_str_equal (type, "deal") && g_str_equal (field, "number"));
}

const char *const *
crm_account_entity_types (void)
{
  static const char *list[G_N_ELEMENTS (types) + 1];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < G_N_ELEMENTS (types); i++)
        list[i] = types[i].type;
      g_once_init_leave (&once, 1);
    }
  return list;
}

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, message);
  return FALSE;
}

/* --- export -------------------------------------------------------------------------- */

static gboolean
export_type (CrmStore    *store,
             const char  *type,
             Kind         kind,
             JsonArray   *out,
             GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE deleted = 0%s ORDER BY rowid",
                                          type, kind == KIND_LINK ? " AND present = 1" : "");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _crm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  /* ids first: reading an entity uses the store's statements too */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the account");
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      JsonObject *object = NULL;

      if (!crm_store_read_entity (store, type, ids->pdata[i], &object, error))
        return FALSE;
      if (object == NULL)
        continue;
      json_object_remove_member (object, "deleted");
      if (kind == KIND_LINK)
        json_object_remove_member (object, "present");
      if (g_str_equal (type, "deal"))
        json_object_remove_member (object, "number");
      json_array_add_object_element (out, object);
    }
  return TRUE;
}

JsonNode *
crm_account_export (CrmStore  *store,
                    GError   **error)
{
  g_autoptr(JsonObject) document = json_object_new ();
  JsonObject *entities = json_object_new ();
  g_autofree char *template = NULL;
  g_autofree char *now = NULL;
  JsonNode *node;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  template = crm_store_dup_meta (store, "template");
  now = crm_time_format (crm_store_get_now (store));
  json_object_set_int_member (document, "voronka_account", FORMAT_VERSION);
  json_object_set_int_member (document, "schema", CRM_SCHEMA_VERSION);
  json_object_set_string_member (document, "exported_at", now);
  if (template != NULL)
    json_object_set_string_member (document, "template", template);
  else
    json_object_set_null_member (document, "template");
  json_object_set_object_member (document, "entities", entities);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      JsonArray *list = json_array_new ();

      json_object_set_array_member (entities, types[i].type, list);
      if (!export_type (store, types[i].type, types[i].kind, list, error))
        return NULL;
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, document);
  return node;
}

/* --- reading the document ------------------------------------------------------------ */

/* The deepest nesting of @data's arrays and objects, strings skipped: checked before a
 * parser that recurses sees the text. */
static guint
nesting_depth (const char *data,
               gsize       length)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          deepest = MAX (deepest, depth);
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

static JsonObject *
read_document (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonObject *document;
  JsonNode *version, *schema, *entities;

  if (length > CRM_ACCOUNT_MAX_BYTES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The account file is larger than %u MB; it is not one `export account` "
                     "wrote"), (guint) (CRM_ACCOUNT_MAX_BYTES / 1048576));
      return NULL;
    }
  if (nesting_depth (data, length) > CRM_ACCOUNT_MAX_DEPTH)
    {
      invalid (error, _("The account file nests deeper than %u levels; it is not one "
                        "`export account` wrote"), CRM_ACCOUNT_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      invalid (error, _("The account file is not valid JSON (%s); is it cut short?"),
               parse_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (version = json_object_get_member (json_node_get_object (root), "voronka_account")) == NULL ||
      !JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_INT64)
    {
      invalid (error, _("This is not an account file: `voronkactl export account --out "
                        "FILE.json` writes one"));
      return NULL;
    }
  document = json_node_get_object (root);
  schema = json_object_get_member (document, "schema");
  if (json_node_get_int (version) > FORMAT_VERSION ||
      (schema != NULL && JSON_NODE_HOLDS_VALUE (schema) &&
       json_node_get_value_type (schema) == G_TYPE_INT64 &&
       json_node_get_int (schema) > CRM_SCHEMA_VERSION))
    {
      invalid (error, _("The account file was written by a newer Voronka; update Voronka "
                        "and import it again"));
      return NULL;
    }
  entities = json_object_get_member (document, "entities");
  if (entities == NULL || !JSON_NODE_HOLDS_OBJECT (entities))
    {
      invalid (error, _("The account file has no “entities”: it is not one `export "
                        "account` wrote"));
      return NULL;
    }
  return json_object_ref (document);
}

/* --- import -------------------------------------------------------------------------- */

typedef struct {
  CrmStore     *store;
  JsonObject   *entities;
  GHashTable   *ids;             /* the document's id → the account's */
  GHashTable   *company_fields;  /* "entity\x1fkey" of fields that hold company ids */
  CrmChangeset *changeset;
  GPtrArray    *rules_on;        /* rule ids to turn on again afterwards */
  JsonObject   *counts;
  JsonObject   *matched;
} Import;

static JsonArray *
entities_of (Import     *import,
             const char *type)
{
  JsonNode *node = json_object_get_member (import->entities, type);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
exists (Import     *import,
        const char *type,
        const char *id,
        gboolean   *out,
        GError    **error)
{
  g_autoptr(JsonObject) row = NULL;

  if (!crm_store_read_entity (import->store, type, id, &row, error))
    return FALSE;
  *out = row != NULL && !json_object_get_boolean_member_with_default (row, "deleted", FALSE);
  return TRUE;
}

/* The account's id for the document's @id of a @type. */
static gboolean
map_id (Import      *import,
        const char  *owner_type,
        const char  *owner_id,
        const char  *type,
        const char  *id,
        char       **out,
        GError     **error)
{
  const char *mapped = g_hash_table_lookup (import->ids, id);
  gboolean there = FALSE;

  if (mapped != NULL)
    return (*out = g_strdup (mapped), TRUE);
  if (type != NULL && !exists (import, type, id, &there, error))
    return FALSE;
  if (!there)
    return invalid (error, _("The %s %s refers to %s %s, which neither the file nor this "
                             "account holds; the file is damaged"),
                    owner_type, owner_id, type != NULL ? type : _("an entity"), id);
  *out = g_strdup (id);
  return TRUE;
}

/* @object's fields with the ids they refer to mapped onto the account's. */
static gboolean
map_references (Import      *import,
                const char  *type,
                JsonObject  *object,
                GError     **error)
{
  const char *id = json_object_get_string_member (object, "id");

  for (guint r = 0; r < G_N_ELEMENTS (references); r++)
    {
      JsonNode *value;
      const char *target = references[r].target;

      if (!g_str_equal (references[r].type, type) ||
          (value = json_object_get_member (object, references[r].field)) == NULL ||
          JSON_NODE_HOLDS_NULL (value))
        continue;
      if (target == NULL)
        target = json_object_get_string_member_with_default (object, "entity", NULL);
      if (JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *list = json_node_get_array (value);
          JsonArray *mapped = json_array_new ();

          for (guint i = 0; i < json_array_get_length (list); i++)
            {
              g_autofree char *to = NULL;
              const char *from = json_node_get_string (json_array_get_element (list, i));

              if (from == NULL || !map_id (import, type, id, target, from, &to, error))
                {
                  json_array_unref (mapped);
                  return from != NULL ? FALSE : invalid (error, _("The %s %s has a “%s” that "
                                                                  "is no list of ids"),
                                                         type, id, references[r].field);
                }
              json_array_add_string_element (mapped, to);
            }
          json_object_set_array_member (object, references[r].field, mapped);
        }
      else
        {
          g_autofree char *to = NULL;
          const char *from = JSON_NODE_HOLDS_VALUE (value) &&
                             json_node_get_value_type (value) == G_TYPE_STRING
                             ? json_node_get_string (value) : NULL;

          if (from == NULL)
            return invalid (error, _("The %s %s has a “%s” that is no id"), type, id,
                            references[r].field);
          if (!map_id (import, type, id, target, from, &to, error))
            return FALSE;
          json_object_set_string_member (object, references[r].field, to);
        }
    }

  /* custom fields that hold companies */
  if (g_str_equal (type, "deal") || g_str_equal (type, "contact") || g_str_equal (type, "company"))
    {
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *key = g_strconcat (type, "\x1f", (const char *) l->data, NULL);
          JsonNode *value = json_object_get_member (object, l->data);
          JsonArray *list, *mapped;

          if (!g_hash_table_contains (import->company_fields, key) ||
              !JSON_NODE_HOLDS_ARRAY (value))
            continue;
          list = json_node_get_array (value);
          mapped = json_array_new ();
          for (guint i = 0; i < json_array_get_length (list); i++)
            {
              g_autofree char *to = NULL;
              const char *from = json_node_get_string (json_array_get_element (list, i));

              if (from == NULL || !map_id (import, type, id, "company", from, &to, error))
                {
                  json_array_unref (mapped);
                  return from != NULL ? FALSE : invalid (error, _("The %s %s has a “%s” that "
                                                                  "is no list of ids"),
                                                         type, id, (const char *) l->data);
                }
              json_array_add_string_element (mapped, to);
            }
          json_object_set_array_member (object, l->data, mapped);
        }
    }
  return TRUE;
}

/* The account's live @type whose natural key equals @object's, or NULL. */
static gboolean
find_match (Import      *import,
            guint        t,
            JsonObject  *object,
            char       **out,
            GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM \"%s\" WHERE deleted = 0 AND \"%s\" IS ?1%s%s%s"
                                          " ORDER BY rowid LIMIT 1", types[t].type, types[t].key1,
                                          types[t].key2 != NULL ? " AND \"" : "",
                                          types[t].key2 != NULL ? types[t].key2 : "",
                                          types[t].key2 != NULL ? "\" IS ?2" : "");
  sqlite3_stmt *stmt = _crm_store_prepare (import->store, sql, error);
  const char *keys[] = { types[t].key1, types[t].key2 };
  int rc;

  *out = NULL;
  if (stmt == NULL)
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (keys) && keys[k] != NULL; k++)
    _crm_sql_bind_text_or_null (stmt, (int) k + 1,
                                json_object_get_string_member_with_default (object, keys[k], NULL));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (import->store, error, "read the account's set-up");
      return FALSE;
    }
  return TRUE;
}

static void
count (JsonObject *counts,
       const char *type)
{
  json_object_set_int_member (counts, type,
                              json_object_get_int_member_with_default (counts, type, 0) + 1);
}

/* Sets @object's fields on @change; on an entity the account has (@current), only those
 * that differ. A rule is written off. */
static void
set_fields (Import     *import,
            const char *type,
            JsonObject *object,
            JsonObject *current,
            CrmChange  *change)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (skipped_field (type, l->data) ||
          (g_str_equal (type, "rule") && g_str_equal (l->data, "enabled")))
        continue;
      if (current != NULL)
        {
          JsonNode *now = json_object_get_member (current, l->data);
          g_autofree char *a = now != NULL ? crm_json_to_canonical (now) : NULL;
          g_autofree char *b = crm_json_to_canonical (value);

          if (g_strcmp0 (a, b) == 0)
            continue;
        }
      crm_change_set_node (change, l->data, json_node_copy (value));
    }
  if (g_str_equal (type, "rule"))
    crm_change_set_bool (change, "enabled", FALSE);
}

static gboolean
import_type (Import  *import,
             guint    t,
             GError **error)
{
  const char *type = types[t].type;
  JsonArray *list = entities_of (import, type);

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      /* mapped in place: the document is read once */
      JsonObject *object = json_array_get_object_element (list, i);
      g_autofree char *old_id = g_strdup (json_object_get_string_member (object, "id"));
      g_autofree char *match = NULL;
      g_autoptr(JsonObject) current = NULL;
      gboolean taken = FALSE;
      CrmChange *change;

      if (!map_references (import, type, object, error))
        return FALSE;

      if (types[t].kind == KIND_LINK)
        {
          const char *a = json_object_get_string_member_with_default (object, types[t].key1, NULL);
          const char *b = json_object_get_string_member_with_default (object, types[t].key2, NULL);

          if (a == NULL || b == NULL)
            return invalid (error, _("The %s %s lacks one of its ends"), type, old_id);
          crm_changeset_set_link (import->changeset, type, types[t].key1, a, types[t].key2, b, TRUE);
          count (import->counts, type);
          continue;
        }

      if (types[t].kind == KIND_SETUP && !find_match (import, t, object, &match, error))
        return FALSE;
      if (match != NULL)
        {
          if (!crm_store_read_entity (import->store, type, match, &current, error))
            return FALSE;
          change = crm_changeset_touch (import->changeset, type, match);
          g_hash_table_insert (import->ids, g_strdup (old_id), g_strdup (match));
          count (import->matched, type);
        }
      else
        {
          g_autofree char *id = NULL;

          if (!exists (import, type, old_id, &taken, error))
            return FALSE;
          if (!taken)
            {
              g_autoptr(JsonObject) row = NULL;

              /* a deleted one keeps its id's slot */
              if (!crm_store_read_entity (import->store, type, old_id, &row, error))
                return FALSE;
              taken = row != NULL;
            }
          id = taken ? crm_store_new_id (import->store) : g_strdup (old_id);
          change = crm_changeset_create (import->changeset, type, id);
          g_hash_table_insert (import->ids, g_strdup (old_id), g_strdup (id));
        }
      set_fields (import, type, object, current, change);
      if (g_str_equal (type, "rule") &&
          json_object_get_boolean_member_with_default (object, "enabled", FALSE))
        g_ptr_array_add (import->rules_on, g_strdup (g_hash_table_lookup (import->ids, old_id)));
      count (import->counts, type);
    }
  return TRUE;
}

/* Every entity of the document an object with an id, each id once; types it does not
 * know refused. */
static gboolean
check_entities (Import  *import,
                GError **error)
{
  g_autoptr(GList) names = json_object_get_members (import->entities);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (import->entities, l->data);
      JsonArray *list;

      if (!g_strv_contains (crm_account_entity_types (), l->data))
        return invalid (error, _("The account file holds “%s”, which this Voronka does not "
                                 "import; update Voronka"), (const char *) l->data);
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return invalid (error, _("“%s” of the account file is not a list"), (const char *) l->data);
      list = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);
          const char *id;

          if (!JSON_NODE_HOLDS_OBJECT (item) ||
              (id = json_object_get_string_member_with_default (json_node_get_object (item), "id", NULL)) == NULL ||
              *id == '\0' || strlen (id) > MAX_ID_BYTES)
            return invalid (error, _("Entry %u of “%s” in the account file has no id"), i + 1,
                            (const char *) l->data);
          if (!g_hash_table_add (seen, (gpointer) id))
            return invalid (error, _("The id %s comes twice in the account file"), id);
        }
    }

  /* the fields whose values are companies */
  for (guint i = 0; entities_of (import, "field") != NULL && i < json_array_get_length (entities_of (import, "field")); i++)
    {
      JsonObject *field = json_array_get_object_element (entities_of (import, "field"), i);

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "type", NULL), "companies") == 0)
        g_hash_table_add (import->company_fields,
                          g_strconcat (json_object_get_string_member_with_default (field, "entity", ""),
                                       "\x1f", json_object_get_string_member_with_default (field, "key", ""),
                                       NULL));
    }
  return TRUE;
}

/* A new account: no contacts, companies or deals yet. */
static gboolean
check_empty (CrmStore  *store,
             GError   **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (store,
    "SELECT (SELECT count(*) FROM contact WHERE deleted = 0) +"
    " (SELECT count(*) FROM company WHERE deleted = 0) +"
    " (SELECT count(*) FROM deal WHERE deleted = 0)", error);
  gint64 n = 0;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _crm_store_set_read_error (store, error, "count the account's records");
      return FALSE;
    }
  if (n > 0)
    return invalid (error, _("This account already holds contacts, companies or deals: an "
                             "account file goes into a new account (`voronkactl init`, or "
                             "`voronka-server account create`)"));
  return TRUE;
}

/* The account's rules that are on now: they are off while the file goes in. */
static gboolean
switch_rules_off (Import  *import,
                  GError **error)
{
  sqlite3_stmt *stmt = _crm_store_prepare (import->store,
    "SELECT id FROM rule WHERE deleted = 0 AND enabled = 1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      crm_change_set_bool (crm_changeset_touch (import->changeset, "rule", id), "enabled", FALSE);
      if (!g_ptr_array_find_with_equal_func (import->rules_on, id, g_str_equal, NULL))
        g_ptr_array_add (import->rules_on, g_strdup (id));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (import->store, error, "read the account's rules");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_account_import_bytes (CrmStore    *store,
                          const char  *data,
                          gsize        length,
                          const char  *actor_id,
                          JsonNode   **out_report,
                          GError     **error)
{
  g_autoptr(JsonObject) document = NULL;
  g_autoptr(JsonObject) report = json_object_new ();
  g_autoptr(CrmChangeset) rules = crm_changeset_new ();
  Import import = { 0 };
  gboolean ok = FALSE;

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  *out_report = NULL;
  if ((document = read_document (data, length, error)) == NULL || !check_empty (store, error))
    return FALSE;

  import.store = store;
  import.entities = json_object_get_object_member (document, "entities");
  import.ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  import.company_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  import.changeset = crm_changeset_new ();
  import.rules_on = g_ptr_array_new_with_free_func (g_free);
  import.counts = json_object_new ();
  import.matched = json_object_new ();
  if (actor_id != NULL)
    crm_changeset_set_actor (import.changeset, actor_id);
  if (!check_entities (&import, error))
    goto out;
  /* the account's own rules first, so the document's "enabled" wins for rules both hold */
  if (!switch_rules_off (&import, error))
    goto out;
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    if (!import_type (&import, t, error))
      goto out;

  /* one change set: everything or nothing; the rules are all off in it */
  if (!_crm_store_apply_bulk (store, import.changeset, NULL, NULL, error))
    goto out;

  if (actor_id != NULL)
    crm_changeset_set_actor (rules, actor_id);
  for (guint i = 0; i < import.rules_on->len; i++)
    crm_change_set_bool (crm_changeset_touch (rules, "rule", import.rules_on->pdata[i]),
                         "enabled", TRUE);
  if (!crm_store_apply (store, rules, error))
    {
      g_prefix_error (error, _("The account was imported, but its rules stay off: "));
      goto out;
    }
  ok = TRUE;

out:
  json_object_set_object_member (report, "entities", g_steal_pointer (&import.counts));
  json_object_set_object_member (report, "matched", g_steal_pointer (&import.matched));
  json_object_set_int_member (report, "rules_enabled", ok ? import.rules_on->len : 0);
  *out_report = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (*out_report, report);
  g_clear_pointer (&import.ids, g_hash_table_unref);
  g_clear_pointer (&import.company_fields, g_hash_table_unref);
  g_clear_pointer (&import.changeset, crm_changeset_unref);
  g_clear_pointer (&import.rules_on, g_ptr_array_unref);
  return ok;
}
