/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-json.h — reading JSON that comes from outside (request bodies, rule files,
 * templates) with bounds: json-glib parses any depth recursively, so nesting deep enough
 * overflows the stack. crm_json_parse_bounded() checks size, depth, NUL characters and
 * UTF-8 in one pass over the bytes before json-glib sees them. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CRM_JSON_ERROR (crm_json_error_quark ())

typedef enum {
  CRM_JSON_ERROR_TOO_LARGE,   /* more bytes than allowed */
  CRM_JSON_ERROR_TOO_DEEP,    /* arrays and objects nested deeper than allowed */
  CRM_JSON_ERROR_NUL,         /* a NUL byte or the escape \u0000 */
  CRM_JSON_ERROR_NOT_UTF8,
  CRM_JSON_ERROR_SYNTAX,      /* not JSON (json-glib's message, or comments, 'quotes') */
} CrmJsonError;

/* Depth every reader of outside JSON uses: real documents (push ops, rules, templates)
 * nest fewer than 10 levels; json-glib's recursion at this depth is a few KB of stack. */
#define CRM_JSON_MAX_DEPTH 64

GQuark      crm_json_error_quark        (void);

/* The string @node holds, or NULL when @node is NULL, null, a number, an object… */
const char *crm_json_node_string        (JsonNode    *node);
/* The string member @member of @object, or NULL when @object is NULL or the member is
 * missing, null or not a string (json-glib's getters warn on those; this does not). */
const char *crm_json_string             (JsonObject  *object,
                                         const char  *member);
/* The same, or @fallback instead of NULL. */
const char *crm_json_string_or          (JsonObject  *object,
                                         const char  *member,
                                         const char  *fallback);

/* The strings of the array member @member of @object joined with ", " («A, B, C»; items
 * that are not strings are passed over), or NULL when there are none, the member is
 * missing or not an array, or @object is NULL. */
char       *crm_json_join_strings       (JsonObject  *object,
                                         const char  *member);

/* Sets @member of @object to @value, or to null when @value is NULL. */
void        crm_json_set_string_or_null (JsonObject  *object,
                                         const char  *member,
                                         const char  *value);

/* Parses @length bytes of @data (NUL bytes inside are refused, not taken as the end).
 * Refused before parsing: more than @max_bytes, nesting deeper than @max_depth, NUL
 * characters (raw or \u0000, which C strings would silently cut), invalid UTF-8,
 * comments and single-quoted strings (json-glib accepts both; JSON does not), an empty
 * text. Messages name the limit and the line:column. Returns the root (owned). */
JsonNode   *crm_json_parse_bounded      (const char  *data,
                                         gsize        length,
                                         gsize        max_bytes,
                                         guint        max_depth,
                                         GError     **error);
/* Reads @path (refusing files larger than @max_bytes without reading them whole) and
 * parses it with crm_json_parse_bounded(). File errors are G_FILE_ERROR. */
JsonNode   *crm_json_load_file_bounded  (const char  *path,
                                         gsize        max_bytes,
                                         guint        max_depth,
                                         GError     **error);

G_END_DECLS
