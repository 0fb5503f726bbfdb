/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-protocol.c — encode and decode the sync protocol's JSON (see crm-protocol.h).
 * The server decodes what clients send with these and the client decodes the server's
 * answers with them, so both sides agree on every member by construction. */
#define G_LOG_DOMAIN "voronka-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-protocol.h"
#include "crm-json.h"
#include "crm-hlc.h"
#include "crm-uuid.h"

G_DEFINE_QUARK (crm-sync-error-quark, crm_sync_error)

static const struct {
  CrmSyncError  code;
  const char   *name;
  guint         status;
} error_codes[] = {
  { CRM_SYNC_ERROR_FAILED, "failed", 500 },
  { CRM_SYNC_ERROR_INVALID_INPUT, "invalid-input", 400 },
  { CRM_SYNC_ERROR_AUTH_FAILED, "auth-failed", 401 },
  { CRM_SYNC_ERROR_PERMISSION_DENIED, "permission-denied", 403 },
  { CRM_SYNC_ERROR_NOT_FOUND, "not-found", 404 },
  { CRM_SYNC_ERROR_METHOD_NOT_ALLOWED, "method-not-allowed", 405 },
  { CRM_SYNC_ERROR_SCHEMA_TOO_NEW, "schema-too-new", 409 },
  { CRM_SYNC_ERROR_SNAPSHOT_REQUIRED, "snapshot-required", 410 },
  { CRM_SYNC_ERROR_TOO_LARGE, "too-large", 413 },
  { CRM_SYNC_ERROR_UPDATE_REQUIRED, "update-required", 426 },
  { CRM_SYNC_ERROR_RATE_LIMITED, "rate-limited", 429 },
  { CRM_SYNC_ERROR_SERVER_ERROR, "server-error", 500 },
  { CRM_SYNC_ERROR_SERVER_UNREACHABLE, "server-unreachable", 503 },
  { CRM_SYNC_ERROR_BAD_ANSWER, "bad-answer", 502 },
  { CRM_SYNC_ERROR_QUOTA_EXCEEDED, "quota-exceeded", 507 },
  { CRM_SYNC_ERROR_SERVER_RESTORED, "server-restored", 410 },
  { CRM_SYNC_ERROR_FILE_MISSING, "file-missing", 409 },
  { CRM_SYNC_ERROR_UPLOAD_OFFSET, "upload-offset", 409 },
  { CRM_SYNC_ERROR_HASH_MISMATCH, "hash-mismatch", 422 },
  { CRM_SYNC_ERROR_FILE_TYPE, "file-type", 415 },
  { CRM_SYNC_ERROR_REPLAYED, "replayed", 409 },
};

const char *
crm_sync_error_to_code (CrmSyncError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_codes); i++)
    if (error_codes[i].code == code)
      return error_codes[i].name;
  return "failed";
}

CrmSyncError
crm_sync_error_from_code (const char *code)
{
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (error_codes); i++)
    if (g_str_equal (error_codes[i].name, code))
      return error_codes[i].code;
  return CRM_SYNC_ERROR_FAILED;
}

guint
crm_sync_error_http_status (CrmSyncError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_codes); i++)
    if (error_codes[i].code == code)
      return error_codes[i].status;
  return 500;
}

/* --- helpers ---------------------------------------------------------------------------- */

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_INVALID_INPUT, message);
  return FALSE;
}

JsonObject *
crm_protocol_parse_object (GBytes      *body,
                           const char  *what,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;

  if (data == NULL || size == 0)
    {
      invalid (error, _("The %s is empty; a JSON object was expected"), what);
      return NULL;
    }
  /* bounded before json-glib sees it: its recursion has no depth limit */
  root = crm_json_parse_bounded (data, size, CRM_PROTOCOL_MAX_JSON_BYTES, CRM_JSON_MAX_DEPTH,
                                 &local_error);
  if (root == NULL)
    {
      if (local_error->code == CRM_JSON_ERROR_SYNTAX)
        invalid (error, _("The %s is not valid JSON: %s"), what, local_error->message);
      else if (local_error->code == CRM_JSON_ERROR_NOT_UTF8)
        invalid (error, _("The %s is not UTF-8 text: %s"), what, local_error->message);
      else
        g_set_error (error, CRM_SYNC_ERROR,
                     local_error->code == CRM_JSON_ERROR_TOO_LARGE
                     ? CRM_SYNC_ERROR_TOO_LARGE : CRM_SYNC_ERROR_INVALID_INPUT,
                     _("The %s was refused: %s"), what, local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid (error, _("The %s must be a JSON object"), what);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

gboolean
crm_protocol_get_string (JsonObject   *object,
                         const char   *member,
                         gboolean      required,
                         const char  **out,
                         GError      **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid (error, _("“%s” is missing"), member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, _("“%s” must be a string"), member);
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
crm_protocol_get_int (JsonObject  *object,
                      const char  *member,
                      gboolean     required,
                      gint64      *out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? invalid (error, _("“%s” is missing"), member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, _("“%s” must be a whole number"), member);
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *member,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, _("“%s” must be true or false"), member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static JsonObject *
get_object (JsonObject  *object,
            const char  *member,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        invalid (error, _("“%s” is missing"), member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, _("“%s” must be an object"), member);
      return NULL;
    }
  return json_node_get_object (node);
}

static JsonArray *
get_array (JsonObject  *object,
           const char  *member,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      invalid (error, node == NULL ? _("“%s” is missing") : _("“%s” must be an array"), member);
      return NULL;
    }
  return json_node_get_array (node);
}

GBytes *
crm_protocol_to_bytes (JsonNode *node)
{
  gsize length = 0;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  return g_bytes_new_take (text, length);
}

guint64
crm_protocol_get_hlc (JsonObject *object)
{
  const char *text = NULL;
  guint64 hlc = 0;

  if (object == NULL || !crm_protocol_get_string (object, "hlc", FALSE, &text, NULL) ||
      text == NULL || !crm_hlc_parse (text, &hlc))
    return 0;
  return hlc;
}

void
crm_protocol_set_hlc (JsonObject *object,
                      guint64     hlc)
{
  g_autofree char *text = NULL;

  if (hlc == 0)
    return;
  text = crm_hlc_to_string (hlc);
  json_object_set_string_member (object, "hlc", text);
}

/* An op as a client may send it: crm_op_from_json() plus what merge needs to be safe
 * (ids that are ids, a device without spaces, a clock that is not zero). */
static CrmOp *
parse_op (JsonNode    *node,
          guint        index,
          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(CrmOp) op = crm_op_from_json (node, &local_error);

  if (op == NULL)
    {
      invalid (error, _("ops[%u]: %s"), index, local_error->message);
      return NULL;
    }
  if (!crm_uuid_is_valid (op->op_id) || !crm_uuid_is_valid (op->entity_id) ||
      strchr (op->device, ' ') != NULL || op->hlc == 0 || strlen (op->entity) > 64 ||
      strlen (op->device) > 64)
    {
      invalid (error, _("ops[%u] (op %s) has a malformed id, device, entity or clock"),
               index, op->op_id);
      return NULL;
    }
  return g_steal_pointer (&op);
}

/* --- errors on the wire -------------------------------------------------------------------- */

JsonNode *
crm_protocol_error_new (CrmSyncError  code,
                        const char   *message,
                        guint64       hlc)
{
  JsonObject *root = json_object_new ();
  JsonObject *body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (body, "code", crm_sync_error_to_code (code));
  json_object_set_string_member (body, "message", message);
  json_object_set_object_member (root, "error", body);
  crm_protocol_set_hlc (root, hlc);
  json_node_take_object (node, root);
  return node;
}

void
crm_protocol_set_http_error (GError     **error,
                             guint        status,
                             const char  *reason,
                             GBytes      *body)
{
  g_autoptr(JsonObject) root = crm_protocol_parse_object (body, "answer", NULL);
  JsonObject *detail = root != NULL ? get_object (root, "error", FALSE, NULL) : NULL;
  const char *code = NULL;
  const char *message = NULL;

  if (detail != NULL &&
      crm_protocol_get_string (detail, "code", TRUE, &code, NULL) &&
      crm_protocol_get_string (detail, "message", TRUE, &message, NULL))
    {
      g_set_error_literal (error, CRM_SYNC_ERROR, crm_sync_error_from_code (code), message);
      return;
    }
  switch (status)
    {
    case 401:
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_AUTH_FAILED,
                   _("The server refused the sign-in (HTTP %u)"), status);
      break;
    case 404:
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_NOT_FOUND,
                   _("This address does not look like a Voronka server (HTTP %u %s)"),
                   status, reason ? reason : "");
      break;
    default:
      g_set_error (error, CRM_SYNC_ERROR,
                   status >= 500 ? CRM_SYNC_ERROR_SERVER_ERROR : CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server answered HTTP %u %s"), status, reason ? reason : "");
      break;
    }
}

/* --- session ----------------------------------------------------------------------------- */

void
crm_session_request_clear (CrmSessionRequest *request)
{
  g_clear_pointer (&request->user, g_free);
  if (request->password != NULL)
    memset (request->password, 0, strlen (request->password));
  g_clear_pointer (&request->password, g_free);
  g_clear_pointer (&request->device, g_free);
  g_clear_pointer (&request->device_name, g_free);
  g_clear_pointer (&request->invite, g_free);
}

JsonNode *
crm_session_request_to_json (const CrmSessionRequest *request)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  crm_json_set_string_or_null (object, "user", request->user);
  json_object_set_string_member (object, "password", request->password);
  crm_json_set_string_or_null (object, "invite", request->invite);
  crm_json_set_string_or_null (object, "device", request->device);
  crm_json_set_string_or_null (object, "device_name", request->device_name);
  json_node_take_object (node, object);
  return node;
}

/* At most @max_bytes of @text, cut before a character rather than inside one, so what
 * is kept is still UTF-8. */
static char *
dup_utf8_prefix (const char *text,
                 gsize       max_bytes)
{
  const char *end;

  if (text == NULL || strlen (text) <= max_bytes)
    return g_strdup (text);
  end = text + max_bytes;
  while (end > text && ((guchar) *end & 0xC0) == 0x80)
    end--;
  return g_strndup (text, end - text);
}

gboolean
crm_session_request_parse (GBytes             *body,
                           CrmSessionRequest  *out,
                           GError            **error)
{
  g_autoptr(JsonObject) object = crm_protocol_parse_object (body, "sign-in request", error);
  const char *user = NULL, *password, *device, *device_name, *invite = NULL;

  if (object == NULL ||
      !crm_protocol_get_string (object, "invite", FALSE, &invite, error) ||
      !crm_protocol_get_string (object, "user", invite == NULL, &user, error) ||
      !crm_protocol_get_string (object, "password", TRUE, &password, error) ||
      !crm_protocol_get_string (object, "device", FALSE, &device, error) ||
      !crm_protocol_get_string (object, "device_name", FALSE, &device_name, error))
    return FALSE;
  if (invite != NULL && (*invite == '\0' || strlen (invite) > 64))
    return invalid (error, _("The invitation code is empty or too long"));
  if ((invite == NULL && (*user == '\0' || strlen (user) > 200)) ||
      (user != NULL && strlen (user) > 200) || strlen (password) > 1024)
    return invalid (error, _("The user name or password is empty or too long"));
  if (device != NULL && (*device == '\0' || strlen (device) > 64 || strchr (device, ' ')))
    return invalid (error, _("“device” must be a device id"));
  out->user = g_strdup (user);
  out->password = g_strdup (password);
  out->device = g_strdup (device);
  out->device_name = dup_utf8_prefix (device_name, 200);
  out->invite = g_strdup (invite);
  return TRUE;
}

void
crm_session_clear (CrmSession *session)
{
  if (session->token != NULL)
    memset (session->token, 0, strlen (session->token));
  g_clear_pointer (&session->token, g_free);
  g_clear_pointer (&session->account_id, g_free);
  g_clear_pointer (&session->account_name, g_free);
  g_clear_pointer (&session->user_id, g_free);
  g_clear_pointer (&session->user_name, g_free);
  g_clear_pointer (&session->role, g_free);
  g_clear_pointer (&session->server_device, g_free);
}

void
crm_session_free (CrmSession *session)
{
  if (session == NULL)
    return;
  crm_session_clear (session);
  g_free (session);
}

JsonNode *
crm_session_to_json (const CrmSession *session)
{
  JsonObject *object = json_object_new ();
  JsonObject *account = json_object_new ();
  JsonObject *user = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "token", session->token);
  json_object_set_int_member (object, "expires", session->expires);
  json_object_set_string_member (account, "id", session->account_id);
  json_object_set_string_member (account, "name", session->account_name);
  json_object_set_object_member (object, "account", account);
  crm_json_set_string_or_null (user, "id", session->user_id);
  json_object_set_string_member (user, "name", session->user_name);
  json_object_set_string_member (user, "role", session->role);
  json_object_set_object_member (object, "user", user);
  crm_json_set_string_or_null (object, "server_device", session->server_device);
  crm_protocol_set_hlc (object, session->hlc);
  json_node_take_object (node, object);
  return node;
}

gboolean
crm_session_parse (GBytes      *body,
                   CrmSession  *out,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) object = crm_protocol_parse_object (body, "sign-in answer",
                                                             &local_error);
  JsonObject *account = NULL, *user = NULL;
  const char *token, *account_id, *account_name, *user_id, *user_name, *role, *device;
  gint64 expires = 0;

  if (object == NULL ||
      !crm_protocol_get_string (object, "token", TRUE, &token, &local_error) ||
      !crm_protocol_get_int (object, "expires", TRUE, &expires, &local_error) ||
      (account = get_object (object, "account", TRUE, &local_error)) == NULL ||
      (user = get_object (object, "user", TRUE, &local_error)) == NULL ||
      !crm_protocol_get_string (account, "id", TRUE, &account_id, &local_error) ||
      !crm_protocol_get_string (account, "name", TRUE, &account_name, &local_error) ||
      !crm_protocol_get_string (user, "id", FALSE, &user_id, &local_error) ||
      !crm_protocol_get_string (user, "name", TRUE, &user_name, &local_error) ||
      !crm_protocol_get_string (user, "role", TRUE, &role, &local_error) ||
      !crm_protocol_get_string (object, "server_device", FALSE, &device, &local_error))
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server's sign-in answer is malformed: %s"), local_error->message);
      return FALSE;
    }
  out->token = g_strdup (token);
  out->expires = expires;
  out->account_id = g_strdup (account_id);
  out->account_name = g_strdup (account_name);
  out->user_id = g_strdup (user_id);
  out->user_name = g_strdup (user_name);
  out->role = g_strdup (role);
  out->server_device = g_strdup (device);
  out->hlc = crm_protocol_get_hlc (object);
  return TRUE;
}

/* --- push ----------------------------------------------------------------------------------- */

JsonNode *
crm_push_request_to_json (gint64     base,
                          GPtrArray *ops)
{
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, "base", base);
  for (guint i = 0; i < ops->len; i++)
    json_array_add_element (array, crm_op_to_json (ops->pdata[i]));
  json_object_set_array_member (object, "ops", array);
  json_node_take_object (node, object);
  return node;
}

gboolean
crm_push_request_parse (GBytes      *body,
                        gint64      *out_base,
                        GPtrArray  **out_ops,
                        GError     **error)
{
  g_autoptr(JsonObject) object = crm_protocol_parse_object (body, "push request", error);
  g_autoptr(GPtrArray) ops = NULL;
  g_autoptr(GHashTable) seen = NULL;
  JsonArray *array;
  gint64 base = 0;
  guint n;

  if (object == NULL || !crm_protocol_get_int (object, "base", TRUE, &base, error) ||
      (array = get_array (object, "ops", error)) == NULL)
    return FALSE;
  if (base < 0)
    return invalid (error, _("“base” must not be negative"));
  n = json_array_get_length (array);
  if (n > CRM_PROTOCOL_MAX_PUSH_OPS)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_TOO_LARGE,
                   _("A push may carry at most %d ops (this one has %u); send them in batches"),
                   CRM_PROTOCOL_MAX_PUSH_OPS, n);
      return FALSE;
    }
  ops = g_ptr_array_new_full (n, (GDestroyNotify) crm_op_free);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      CrmOp *op = parse_op (json_array_get_element (array, i), i, error);

      if (op == NULL)
        return FALSE;
      g_ptr_array_add (ops, op);
      if (!g_hash_table_add (seen, op->op_id))
        return invalid (error, _("ops[%u]: op %s appears twice in one push"), i, op->op_id);
    }
  *out_base = base;
  *out_ops = g_steal_pointer (&ops);
  return TRUE;
}

CrmPushResult *
crm_push_result_new (void)
{
  return g_new0 (CrmPushResult, 1);
}

void
crm_push_result_free (CrmPushResult *result)
{
  if (result == NULL)
    return;
  g_free (result->op_id);
  g_free (result->code);
  g_free (result->message);
  g_free (result->stamp);
  g_free (result->actor);
  g_clear_pointer (&result->values, json_object_unref);
  g_clear_pointer (&result->corrective, crm_op_free);
  g_free (result);
}

JsonNode *
crm_push_response_to_json (GPtrArray *results,
                           gint64     head,
                           guint64    hlc)
{
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < results->len; i++)
    {
      CrmPushResult *result = results->pdata[i];
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "op", result->op_id);
      if (result->accepted)
        {
          g_autofree char *text = crm_hlc_to_string (result->hlc);

          json_object_set_string_member (item, "status", "accepted");
          json_object_set_int_member (item, "seq", result->seq);
          json_object_set_string_member (item, "hlc", text);
          if (result->stamp != NULL)
            {
              json_object_set_string_member (item, "stamp", result->stamp);
              crm_json_set_string_or_null (item, "actor", result->actor);
            }
        }
      else
        {
          json_object_set_string_member (item, "status", "rejected");
          json_object_set_string_member (item, "code", result->code);
          json_object_set_string_member (item, "message", result->message);
          json_object_set_object_member (item, "values",
                                         result->values ? json_object_ref (result->values)
                                                        : json_object_new ());
          if (result->corrective != NULL)
            json_object_set_member (item, "corrective", crm_op_to_json (result->corrective));
        }
      json_array_add_object_element (array, item);
    }
  json_object_set_array_member (object, "results", array);
  json_object_set_int_member (object, "head", head);
  crm_protocol_set_hlc (object, hlc);
  json_node_take_object (node, object);
  return node;
}

static CrmPushResult *
parse_push_result (JsonNode  *node,
                   guint      index,
                   GError   **error)
{
  g_autoptr(CrmPushResult) result = crm_push_result_new ();
  JsonObject *item;
  const char *op_id, *status, *hlc_text, *code, *message, *stamp = NULL, *actor = NULL;
  JsonObject *values;
  JsonNode *corrective;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, _("results[%u] must be an object"), index);
      return NULL;
    }
  item = json_node_get_object (node);
  if (!crm_protocol_get_string (item, "op", TRUE, &op_id, error) ||
      !crm_protocol_get_string (item, "status", TRUE, &status, error))
    return NULL;
  result->op_id = g_strdup (op_id);
  if (g_str_equal (status, "accepted"))
    {
      result->accepted = TRUE;
      if (!crm_protocol_get_int (item, "seq", TRUE, &result->seq, error) ||
          !crm_protocol_get_string (item, "hlc", TRUE, &hlc_text, error))
        return NULL;
      if (!crm_hlc_parse (hlc_text, &result->hlc) || result->seq <= 0)
        {
          invalid (error, _("results[%u] has a malformed clock or sequence"), index);
          return NULL;
        }
      if (!crm_protocol_get_string (item, "stamp", FALSE, &stamp, error) ||
          !crm_protocol_get_string (item, "actor", FALSE, &actor, error))
        return NULL;
      result->stamp = g_strdup (stamp);
      result->actor = g_strdup (actor);
      return g_steal_pointer (&result);
    }
  if (!g_str_equal (status, "rejected"))
    {
      invalid (error, _("results[%u] has an unknown status “%s”"), index, status);
      return NULL;
    }
  if (!crm_protocol_get_string (item, "code", TRUE, &code, error) ||
      !crm_protocol_get_string (item, "message", TRUE, &message, error))
    return NULL;
  values = get_object (item, "values", FALSE, error);
  if (values == NULL && error != NULL && *error != NULL)
    return NULL;
  result->code = g_strdup (code);
  result->message = g_strdup (message);
  result->values = values ? json_object_ref (values) : json_object_new ();
  corrective = json_object_get_member (item, "corrective");
  if (corrective != NULL && !JSON_NODE_HOLDS_NULL (corrective))
    {
      result->corrective = parse_op (corrective, index, error);
      if (result->corrective == NULL)
        return NULL;
    }
  return g_steal_pointer (&result);
}

gboolean
crm_push_response_parse (GBytes      *body,
                         GPtrArray  **out_results,
                         gint64      *out_head,
                         guint64     *out_hlc,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) object = crm_protocol_parse_object (body, "push answer", &local_error);
  g_autoptr(GPtrArray) results = NULL;
  JsonArray *array = NULL;
  gint64 head = 0;

  if (object != NULL &&
      (array = get_array (object, "results", &local_error)) != NULL &&
      crm_protocol_get_int (object, "head", TRUE, &head, &local_error))
    {
      results = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_push_result_free);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          CrmPushResult *result = parse_push_result (json_array_get_element (array, i), i,
                                                     &local_error);
          if (result == NULL)
            break;
          g_ptr_array_add (results, result);
        }
    }
  if (local_error != NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server's push answer is malformed: %s"), local_error->message);
      return FALSE;
    }
  *out_results = g_steal_pointer (&results);
  *out_head = head;
  *out_hlc = crm_protocol_get_hlc (object);
  return TRUE;
}

/* --- pull ---------------------------------------------------------------------------------- */

CrmPullPage *
crm_pull_page_new (void)
{
  CrmPullPage *page = g_new0 (CrmPullPage, 1);

  page->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_op_free);
  page->bases = g_array_new (FALSE, FALSE, sizeof (gint64));
  page->forget = g_ptr_array_new_with_free_func (g_free);
  page->forget_dependents = g_ptr_array_new_with_free_func (g_free);
  return page;
}

void
crm_pull_page_free (CrmPullPage *page)
{
  if (page == NULL)
    return;
  g_ptr_array_unref (page->ops);
  g_array_unref (page->bases);
  g_clear_pointer (&page->pending, json_array_unref);
  g_ptr_array_unref (page->forget);
  g_ptr_array_unref (page->forget_dependents);
  g_free (page);
}

JsonNode *
crm_pull_page_to_json (const CrmPullPage *page)
{
  JsonObject *object = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < page->ops->len; i++)
    {
      const CrmOp *op = page->ops->pdata[i];
      JsonNode *item = crm_op_to_json (op);

      json_object_set_int_member (json_node_get_object (item), "seq", op->seq);
      json_object_set_int_member (json_node_get_object (item), "base",
                                  g_array_index (page->bases, gint64, i));
      json_array_add_element (array, item);
    }
  json_object_set_array_member (object, "ops", array);
  json_object_set_int_member (object, "next", page->next);
  json_object_set_boolean_member (object, "more", page->more);
  json_object_set_int_member (object, "head", page->head);
  if (page->pending != NULL && json_array_get_length (page->pending) > 0)
    json_object_set_array_member (object, "withdraw_pending", json_array_ref (page->pending));
  if (page->forget->len > 0)
    {
      JsonArray *forget = json_array_sized_new (page->forget->len);

      for (guint i = 0; i < page->forget->len; i++)
        json_array_add_string_element (forget, page->forget->pdata[i]);
      json_object_set_array_member (object, "forget", forget);
    }
  if (page->forget_dependents->len >= 2)
    {
      JsonArray *dependents = json_array_new ();

      for (guint i = 0; i + 1 < page->forget_dependents->len; i += 2)
        {
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "entity", page->forget_dependents->pdata[i]);
          json_object_set_string_member (item, "id", page->forget_dependents->pdata[i + 1]);
          json_array_add_object_element (dependents, item);
        }
      json_object_set_array_member (object, "forget_dependents", dependents);
    }
  crm_protocol_set_hlc (object, page->hlc);
  json_node_take_object (node, object);
  return node;
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

GString *
crm_pull_text_new (void)
{
  GString *out = g_string_sized_new (64 * 1024);

  g_string_append (out, "{\"ops\":[");
  return out;
}

void
crm_pull_text_add_op (GString      *out,
                      gint64        seq,
                      const char   *op_id,
                      guint64       hlc,
                      const char   *device,
                      const char   *entity,
                      const char   *entity_id,
                      const char   *fields_json,
                      const char   *cause,
                      const char   *rule,
                      const char   *actor,
                      gint64        base)
{
  crm_pull_text_add_stamped_op (out, seq, op_id, hlc, device, entity, entity_id, fields_json,
                                cause, rule, actor, base, NULL);
}

void
crm_pull_text_add_stamped_op (GString      *out,
                              gint64        seq,
                              const char   *op_id,
                              guint64       hlc,
                              const char   *device,
                              const char   *entity,
                              const char   *entity_id,
                              const char   *fields_json,
                              const char   *cause,
                              const char   *rule,
                              const char   *actor,
                              gint64        base,
                              const char   *stamp)
{
  char hex[17];

  if (out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  g_snprintf (hex, sizeof hex, "%016" G_GINT64_MODIFIER "x", hlc);
  g_string_append (out, "{\"op\":");
  append_json_string (out, op_id);
  g_string_append_printf (out, ",\"hlc\":\"%s\",\"device\":", hex);
  append_json_string (out, device);
  g_string_append (out, ",\"entity\":");
  append_json_string (out, entity);
  g_string_append (out, ",\"id\":");
  append_json_string (out, entity_id);
  g_string_append (out, ",\"fields\":");
  /* the stored canonical JSON of an object, as it is */
  while (fields_json != NULL && g_ascii_isspace (*fields_json))
    fields_json++;
  g_string_append (out, fields_json != NULL && *fields_json == '{' ? fields_json : "{}");
  g_string_append (out, ",\"cause\":");
  append_json_string (out, cause);
  g_string_append (out, ",\"rule\":");
  append_json_string (out, rule);
  g_string_append (out, ",\"actor\":");
  append_json_string (out, actor);
  if (stamp != NULL)
    {
      g_string_append (out, ",\"stamp\":");
      append_json_string (out, stamp);
    }
  g_string_append_printf (out, ",\"seq\":%" G_GINT64_FORMAT ",\"base\":%" G_GINT64_FORMAT "}",
                          seq, base);
}

char *
crm_pull_text_finish (GString  *out,
                      gint64    next,
                      gboolean  more,
                      gint64    head,
                      guint64   hlc,
                      gsize    *out_length)
{
  return crm_pull_text_finish_pending (out, next, more, head, hlc, NULL, out_length);
}

char *
crm_pull_text_finish_pending (GString    *out,
                              gint64      next,
                              gboolean    more,
                              gint64      head,
                              guint64     hlc,
                              JsonArray  *pending,
                              gsize      *out_length)
{
  return crm_pull_text_finish_forget (out, next, more, head, hlc, pending, NULL, NULL,
                                      out_length);
}

char *
crm_pull_text_finish_forget (GString    *out,
                             gint64      next,
                             gboolean    more,
                             gint64      head,
                             guint64     hlc,
                             JsonArray  *pending,
                             GPtrArray  *forget,
                             GPtrArray  *dependents,
                             gsize      *out_length)
{
  g_string_append_printf (out, "],\"next\":%" G_GINT64_FORMAT ",\"more\":%s,\"head\":%"
                          G_GINT64_FORMAT, next, more ? "true" : "false", head);
  if (pending != NULL && json_array_get_length (pending) > 0)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), pending);
      g_autofree char *text = json_to_string (node, FALSE);

      g_string_append (out, ",\"withdraw_pending\":");
      g_string_append (out, text);
    }
  for (guint i = 0; forget != NULL && i < forget->len; i++)
    {
      g_string_append (out, i == 0 ? ",\"forget\":[" : ",");
      append_json_string (out, forget->pdata[i]);
      if (i + 1 == forget->len)
        g_string_append_c (out, ']');
    }
  for (guint i = 0; dependents != NULL && i + 1 < dependents->len; i += 2)
    {
      g_string_append (out, i == 0 ? ",\"forget_dependents\":[{\"entity\":" : ",{\"entity\":");
      append_json_string (out, dependents->pdata[i]);
      g_string_append (out, ",\"id\":");
      append_json_string (out, dependents->pdata[i + 1]);
      g_string_append_c (out, '}');
      if (i + 3 >= dependents->len)
        g_string_append_c (out, ']');
    }
  if (hlc != 0)
    g_string_append_printf (out, ",\"hlc\":\"%016" G_GINT64_MODIFIER "x\"", hlc);
  g_string_append_c (out, '}');
  if (out_length != NULL)
    *out_length = out->len;
  return g_string_free (out, FALSE);
}

CrmPullPage *
crm_pull_page_parse (GBytes  *body,
                     GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) object = crm_protocol_parse_object (body, "pull answer", &local_error);
  g_autoptr(CrmPullPage) page = crm_pull_page_new ();
  JsonArray *array = NULL;

  if (object != NULL &&
      (array = get_array (object, "ops", &local_error)) != NULL &&
      crm_protocol_get_int (object, "next", TRUE, &page->next, &local_error) &&
      crm_protocol_get_int (object, "head", TRUE, &page->head, &local_error) &&
      get_bool (object, "more", &page->more, &local_error))
    {
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          CrmOp *op = parse_op (item, i, &local_error);
          gint64 base = 0;

          if (op == NULL)
            break;
          g_ptr_array_add (page->ops, op);
          if (!crm_protocol_get_int (json_node_get_object (item), "seq", TRUE, &op->seq,
                                     &local_error) ||
              !crm_protocol_get_int (json_node_get_object (item), "base", FALSE, &base,
                                     &local_error))
            break;
          g_array_append_val (page->bases, base);
        }
    }
  if (local_error == NULL && object != NULL && json_object_has_member (object, "withdraw_pending") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "withdraw_pending")))
    {
      JsonArray *pending = get_array (object, "withdraw_pending", &local_error);

      for (guint i = 0; pending != NULL && i < json_array_get_length (pending); i++)
        {
          JsonNode *item = json_array_get_element (pending, i);
          JsonObject *entry = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          gint64 effects = 0;

          if (entry == NULL || crm_json_string (entry, "op") == NULL ||
              crm_json_string (entry, "deal") == NULL ||
              !crm_protocol_get_int (entry, "effects", TRUE, &effects, NULL) || effects < 1)
            {
              invalid (&local_error, _("“withdraw_pending” item %u must be {\"op\", \"deal\", "
                                       "\"stage\", \"effects\"}"), i);
              pending = NULL;
            }
        }
      if (pending != NULL)
        page->pending = json_array_ref (pending);
    }
  if (local_error == NULL && object != NULL && json_object_has_member (object, "forget"))
    {
      JsonArray *forget = get_array (object, "forget", &local_error);

      for (guint i = 0; forget != NULL && i < json_array_get_length (forget); i++)
        {
          JsonNode *item = json_array_get_element (forget, i);
          const char *id = JSON_NODE_HOLDS_VALUE (item) &&
                           json_node_get_value_type (item) == G_TYPE_STRING
                           ? json_node_get_string (item) : NULL;

          if (id == NULL || !crm_uuid_is_valid (id))
            {
              invalid (&local_error, _("“forget” item %u must be a deal's id"), i);
              break;
            }
          g_ptr_array_add (page->forget, g_strdup (id));
        }
    }
  if (local_error == NULL && object != NULL && json_object_has_member (object, "forget_dependents"))
    {
      JsonArray *dependents = get_array (object, "forget_dependents", &local_error);

      for (guint i = 0; dependents != NULL && i < json_array_get_length (dependents); i++)
        {
          JsonNode *item = json_array_get_element (dependents, i);
          JsonObject *entry = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          const char *entity = entry != NULL ? crm_json_string (entry, "entity") : NULL;
          const char *id = entry != NULL ? crm_json_string (entry, "id") : NULL;

          if (entity == NULL || strlen (entity) > 64 || id == NULL ||
              !crm_uuid_is_valid (id))
            {
              invalid (&local_error, _("“forget_dependents” item %u must be {\"entity\", "
                                       "\"id\"}: an entity's name and an id"), i);
              break;
            }
          g_ptr_array_add (page->forget_dependents, g_strdup (entity));
          g_ptr_array_add (page->forget_dependents, g_strdup (id));
        }
    }
  if (local_error != NULL)
    {
      g_set_error (error, CRM_SYNC_ERROR, CRM_SYNC_ERROR_BAD_ANSWER,
                   _("The server's pull answer is malformed: %s"), local_error->message);
      return NULL;
    }
  page->hlc = crm_protocol_get_hlc (object);
  return g_steal_pointer (&page);
}

static gboolean
parse_query_int (GHashTable  *query,
                 const char  *name,
                 gint64      *out,
                 GError     **error)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  guint64 value = 0;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return invalid (error, _("“%s” must be a whole number ≥ 0, not “%s”"), name, text);
  *out = (gint64) value;
  return TRUE;
}

gboolean
crm_pull_query_parse (GHashTable  *query,
                      gint64      *out_since,
                      const char **out_since_op,
                      guint       *out_limit,
                      GError     **error)
{
  gint64 since = 0;
  gint64 limit = CRM_PROTOCOL_DEFAULT_PULL;
  const char *since_op = query != NULL ? g_hash_table_lookup (query, "since_op") : NULL;

  if (!parse_query_int (query, "since", &since, error) ||
      !parse_query_int (query, "limit", &limit, error))
    return FALSE;
  if (limit < 1 || limit > CRM_PROTOCOL_MAX_PULL)
    return invalid (error, _("“limit” must be between 1 and %d"), CRM_PROTOCOL_MAX_PULL);
  /* not repeated in the message: it is whatever the client sent */
  if (since_op != NULL && !crm_uuid_is_valid (since_op))
    return invalid (error, _("“since_op” must be the id of the op the device pulled as "
                             "“since” (a UUID of 36 characters); leave it out to skip the "
                             "check"));
  if (since_op != NULL && since == 0)
    return invalid (error, _("“since_op” needs “since” above 0: nothing is numbered 0; "
                             "leave it out on a first pull"));
  *out_since = since;
  *out_since_op = since_op;
  *out_limit = (guint) limit;
  return TRUE;
}
