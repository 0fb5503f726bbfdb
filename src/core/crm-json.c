/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-json.c — canonical JSON (object members sorted by key, recursively), and bounded
 * parsing of JSON that comes from outside. */
#include "config.h"

#include "crm-json-private.h"
#include "crm-json.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

const char *
crm_json_node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

const char *
crm_json_string (JsonObject *object,
                 const char *member)
{
  return object != NULL ? crm_json_node_string (json_object_get_member (object, member)) : NULL;
}

char *
crm_json_join_strings (JsonObject *object,
                       const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *item = crm_json_node_string (json_array_get_element (array, i));

      if (item == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, item);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

void
crm_json_set_string_or_null (JsonObject *object,
                             const char *member,
                             const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

const char *
crm_json_string_or (JsonObject *object,
                    const char *member,
                    const char *fallback)
{
  const char *value = crm_json_string (object, member);

  return value != NULL ? value : fallback;
}

JsonNode *
crm_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
crm_json_node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* json_node_copy() shares objects and arrays; this does not. Keys are sorted, which
 * is harmless for copies and what canonical text needs. */
static JsonNode *
sorted_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *sorted = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      members = g_list_sort (members, (GCompareFunc) strcmp);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (sorted, l->data,
                                sorted_copy (json_object_get_member (object, l->data)));
      return crm_json_node_take_object (sorted);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, sorted_copy (json_array_get_element (array, i)));
      return crm_json_node_take_array (copy);
    }
  return json_node_copy (node);
}

/* json-glib's own text of @node: the reference the fast writer below must match, and
 * what it falls back to for doubles and strings with control characters. */
char *
_crm_json_to_canonical_generated (JsonNode *node)
{
  g_autoptr(JsonNode) sorted = NULL;
  g_autoptr(JsonGenerator) generator = NULL;

  if (node == NULL)
    return g_strdup ("null");
  sorted = sorted_copy (node);
  generator = json_generator_new ();
  json_generator_set_root (generator, sorted);
  return json_generator_to_data (generator, NULL);
}

static gboolean
string_is_plain (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
append_generated (GString  *out,
                  JsonNode *node)
{
  g_autofree char *text = _crm_json_to_canonical_generated (node);

  g_string_append (out, text);
}

static void
append_plain_string (GString    *out,
                     const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* The same bytes as json-glib's generator on a key-sorted copy (tests/test-store.c
 * compares them), written straight into @out: the changelog writes one per op. */
static void
append_canonical (GString  *out,
                  JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = g_list_sort (json_object_get_members (object),
                                                (GCompareFunc) strcmp);

        for (GList *l = members; l != NULL; l = l->next)
          if (!string_is_plain (l->data))
            {
              append_generated (out, node);
              return;
            }
        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            if (l != members)
              g_string_append_c (out, ',');
            append_plain_string (out, l->data);
            g_string_append_c (out, ':');
            append_canonical (out, json_object_get_member (object, l->data));
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < length; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_canonical (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          if (string_is_plain (json_node_get_string (node)))
            append_plain_string (out, json_node_get_string (node));
          else
            append_generated (out, node);
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          append_generated (out, node);
          break;
        }
      break;
    }
}

char *
crm_json_to_canonical (JsonNode *node)
{
  GString *out;

  if (node == NULL)
    return g_strdup ("null");
  out = g_string_sized_new (128);
  append_canonical (out, node);
  return g_string_free (out, FALSE);
}

char *
crm_json_object_to_canonical (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return crm_json_to_canonical (node);
}

JsonObject *
crm_json_object_deep_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;

  json_node_set_object (node, object);
  copy = sorted_copy (node);
  return json_object_ref (json_node_get_object (copy));
}

/* --- bounded parsing ------------------------------------------------------------------- */

G_DEFINE_QUARK (crm-json-error-quark, crm_json_error)

typedef struct {
  guint line;
  guint column;
} Position;

/* Line and column (in characters, from 1) of byte @offset of @data. */
static Position
position_of (const char *data,
             gsize       offset)
{
  Position position = { 1, 1 };

  for (gsize i = 0; i < offset; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\n')
        {
          position.line++;
          position.column = 1;
        }
      else if ((c & 0xc0) != 0x80)
        position.column++;
    }
  return position;
}

static gboolean
refuse_at (GError    **error,
           CrmJsonError code,
           const char *data,
           gsize       offset,
           const char *what)
{
  Position at = position_of (data, offset);

  /* "LINE:COLUMN: what", as compilers say it; callers put the file or request before it */
  g_set_error (error, CRM_JSON_ERROR, code, "%u:%u: %s", at.line, at.column, what);
  return FALSE;
}

static gint
hex4 (const char *data,
      gsize       length,
      gsize       at)
{
  gint value = 0;

  if (at + 4 > length)
    return -1;
  for (gsize k = at; k < at + 4; k++)
    {
      gint digit = g_ascii_xdigit_value (data[k]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* The escape at @data[@at] (a backslash inside a string) must be one JSON has:
 * json-glib also takes octal (\\360) and other escapes and a lone UTF-16 surrogate,
 * and makes strings that are not UTF-8 of them; a malformed \\u also leaks in its
 * scanner (found by tests/fuzz). *@skip gets the bytes to step over after the
 * backslash. */
static gboolean
check_escape (const char  *data,
              gsize        length,
              gsize        at,
              gsize       *skip,
              GError     **error)
{
  gint unit;

  if (at + 1 >= length)
    return TRUE;   /* an unterminated string: json-glib says so */
  switch (data[at + 1])
    {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      *skip = 1;
      return TRUE;
    case 'u':
      break;
    default:
      return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, at,
                        _("a string has an escape JSON does not know; use \\\", \\\\, \\/, "
                          "\\b, \\f, \\n, \\r, \\t or \\u and four hex digits"));
    }
  unit = hex4 (data, length, at + 2);
  if (unit < 0)
    return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, at,
                      _("a \\u escape in a string needs four hex digits"));
  if (unit == 0)
    return refuse_at (error, CRM_JSON_ERROR_NUL, data, at,
                      _("the escape \\u0000 (a NUL character) is not accepted in a string"));
  *skip = 5;
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, at,
                      _("a \\u escape in a string is half of a character (a UTF-16 low "
                        "surrogate without the high one before it)"));
  if (unit >= 0xd800 && unit <= 0xdbff)
    {
      gint low = at + 7 < length && data[at + 6] == '\\' && data[at + 7] == 'u'
                 ? hex4 (data, length, at + 8) : -1;

      if (low < 0xdc00 || low > 0xdfff)
        return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, at,
                          _("a \\u escape in a string is half of a character (a UTF-16 high "
                            "surrogate without the low one after it)"));
      *skip = 11;
    }
  return TRUE;
}

/* One pass over the bytes: nesting depth outside strings, \u0000 inside them, and
 * nothing outside strings that would make json-glib's scanner see strings elsewhere than
 * we do (comments, single quotes), so the depth counted here is the depth it parses. */
static gboolean
scan (const char  *data,
      gsize        length,
      guint        max_depth,
      GError     **error)
{
  guint depth = 0;
  guint n_values = 0;          /* values begun at the top level */
  gboolean in_scalar = FALSE;  /* inside a top-level number or true/false/null */
  gsize i = 0;

  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;   /* a byte order mark, as some editors write; json-glib skips it */
  for (; i < length; i++)
    {
      guchar c = (guchar) data[i];

      /* one value only: json-glib parses "{}{}" or "1 [2]" as well, and leaks every
       * value but the last (found by tests/fuzz) */
      if (depth == 0)
        {
          gboolean scalar = g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';

          if ((scalar && !in_scalar) || c == '[' || c == '{' || c == '"')
            n_values++;
          in_scalar = scalar;
          if (n_values > 1)
            return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, i,
                              _("text after the end of the JSON value; one value (one object "
                                "or array) is expected"));
        }

      switch (c)
        {
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_autofree char *what = g_strdup_printf (
                _("arrays and objects are nested deeper than %u levels, the most accepted"),
                max_depth);

              return refuse_at (error, CRM_JSON_ERROR_TOO_DEEP, data, i, what);
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case '"':
          for (i++; i < length && data[i] != '"'; i++)
            if (data[i] == '\\')
              {
                gsize skip = 0;

                if (!check_escape (data, length, i, &skip, error))
                  return FALSE;
                i += skip;
              }
          break;
        case '/':
          return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, i,
                            _("comments are not allowed in JSON"));
        case '\'':
          return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, i,
                            _("strings take double quotes in JSON, not single quotes"));
        case ' ': case '\t': case '\n': case '\r': case ',': case ':':
        case '-': case '+': case '.':
          break;
        default:
          if (!g_ascii_isalnum (c))
            {
              g_autofree char *what = NULL;

              /* name the character when it is a printable one (a stray «» or ;), else its byte */
              if (g_ascii_isgraph (c))
                what = g_strdup_printf (_("unexpected character «%c» outside a string"), c);
              else if (c >= 0x80)   /* valid UTF-8 by now */
                what = g_strdup_printf (_("unexpected character «%.*s» outside a string"),
                                        (int) g_utf8_skip[c], data + i);
              else
                what = g_strdup_printf (_("unexpected byte 0x%02x outside a string"), c);
              return refuse_at (error, CRM_JSON_ERROR_SYNTAX, data, i, what);
            }
          break;
        }
    }
  return TRUE;
}

/* json-glib reads 1e999 as an infinite double, which its writer prints as `inf`: an
 * op holding one would be stored and sent to every replica as text no one can parse
 * (found by tests/fuzz). The depth is bounded by now, so the recursion is too. */
static gboolean
all_numbers_finite (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (!all_numbers_finite (member))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!all_numbers_finite (json_array_get_element (array, i)))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return isfinite (json_node_get_double (node));
  return TRUE;
}

JsonNode *
crm_json_parse_bounded (const char  *data,
                        gsize        length,
                        gsize        max_bytes,
                        guint        max_depth,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *bad = NULL;
  const char *nul;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > max_bytes)
    {
      g_set_error (error, CRM_JSON_ERROR, CRM_JSON_ERROR_TOO_LARGE,
                   _("the text is %lu bytes long; at most %lu bytes are accepted"),
                   (gulong) length, (gulong) max_bytes);
      return NULL;
    }
  if ((nul = memchr (data, '\0', length)) != NULL)
    {
      refuse_at (error, CRM_JSON_ERROR_NUL, data, nul - data,
                 _("the text contains a NUL character (a zero byte), which JSON text may not "
                   "contain"));
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, &bad))
    {
      refuse_at (error, CRM_JSON_ERROR_NOT_UTF8, data, bad - data,
                 _("the text is not valid UTF-8 here; save it as UTF-8"));
      return NULL;
    }
  if (!scan (data, length, max_depth, error))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      /* json-glib says "<data>:LINE:COLUMN: Parse error: WHAT"; keep "LINE:COLUMN: WHAT" */
      const char *message = parse_error->message;
      g_autoptr(GString) what = NULL;
      g_autofree char *valid = NULL;

      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      /* json-glib quotes a bad string cut at a byte count, which can split a character:
       * keep the message UTF-8 (found by tests/fuzz) */
      valid = g_utf8_make_valid (message, -1);
      what = g_string_new (valid);
      g_string_replace (what, "Parse error: ", "", 1);
      g_set_error_literal (error, CRM_JSON_ERROR, CRM_JSON_ERROR_SYNTAX, what->str);
      return NULL;
    }
  root = json_parser_steal_root (parser);
  if (root == NULL)
    g_set_error_literal (error, CRM_JSON_ERROR, CRM_JSON_ERROR_SYNTAX,
                         _("the text is empty; a JSON value was expected"));
  else if (!all_numbers_finite (root))
    {
      g_set_error_literal (error, CRM_JSON_ERROR, CRM_JSON_ERROR_SYNTAX,
                           _("a number is too large (beyond ±1.7e308)"));
      g_clear_pointer (&root, json_node_unref);
    }
  return root;
}

JsonNode *
crm_json_load_file_bounded (const char  *path,
                            gsize        max_bytes,
                            guint        max_depth,
                            GError     **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree char *display = g_filename_display_name (path);
  struct stat info;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &info) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not read «%s»: %s"), display, g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (info.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   _("%s is a folder, not a JSON file"), display);
      return NULL;
    }
  if (S_ISREG (info.st_mode) && (guint64) info.st_size > (guint64) max_bytes)
    {
      close (fd);
      g_set_error (error, CRM_JSON_ERROR, CRM_JSON_ERROR_TOO_LARGE,
                   _("the file is %lu bytes long; at most %lu bytes are accepted"),
                   (gulong) info.st_size, (gulong) max_bytes);
      return NULL;
    }

  /* read at most one byte more than allowed: a pipe or a growing file says no size */
  bytes = g_byte_array_sized_new (S_ISREG (info.st_mode) ? (guint) info.st_size + 1 : 4096);
  for (;;)
    {
      guchar buffer[16384];
      gsize limit = max_bytes < G_MAXSIZE ? max_bytes + 1 : max_bytes;
      gsize want = MIN (sizeof buffer, limit - bytes->len);
      gssize got = read (fd, buffer, want);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not read «%s»: %s"), display, g_strerror (saved));
          return NULL;
        }
      if (got == 0)
        break;
      g_byte_array_append (bytes, buffer, (guint) got);
      if (bytes->len > max_bytes)
        {
          close (fd);
          g_set_error (error, CRM_JSON_ERROR, CRM_JSON_ERROR_TOO_LARGE,
                       _("the file is longer than %lu bytes, the most accepted"),
                       (gulong) max_bytes);
          return NULL;
        }
    }
  close (fd);
  return crm_json_parse_bounded ((const char *) bytes->data, bytes->len, max_bytes, max_depth,
                                 error);
}
