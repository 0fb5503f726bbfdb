/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-json.c — crm_json_parse_bounded(), the reader of every JSON text from outside
 * (push and sign-in bodies, rule files, templates): what tests/fuzz found json-glib
 * accepting is refused with a message naming the place, and everything it accepts is
 * one value of UTF-8 strings. */
#include <string.h>

#include "crm-json.h"

static JsonNode *
parse (const char *text,
       GError    **error)
{
  return crm_json_parse_bounded (text, strlen (text), 1 << 20, CRM_JSON_MAX_DEPTH, error);
}

static void
assert_refused (const char *text,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse (text, &error);

  g_assert_null (node);
  g_assert_error (error, CRM_JSON_ERROR, CRM_JSON_ERROR_SYNTAX);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, needle) == NULL)
    g_error ("%s: «%s» does not say «%s»", text, error->message, needle);
}

static void
test_escapes (void)
{
  /* json-glib made the byte 0xF0 of "\360": a string that is not UTF-8 */
  assert_refused ("{\"op\": \"01a2\\360b4\"}", "1:13: a string has an escape JSON does not know");
  assert_refused ("[\"\\x41\"]", "escape JSON does not know");
  assert_refused ("[\"\\'\"]", "escape JSON does not know");
  assert_refused ("[\"\\u12\"]", "four hex digits");
  assert_refused ("[\"\\ud83d\"]", "high surrogate");
  assert_refused ("[\"\\ud83d\\u0041\"]", "high surrogate");
  assert_refused ("[\"\\ude9a\"]", "low surrogate");

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = parse ("[\"\\ud83d\\ude9a \\u0451 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"]",
                                      &error);
    const char *text;

    g_assert_no_error (error);
    text = json_array_get_string_element (json_node_get_array (node), 0);
    g_assert_true (g_utf8_validate (text, -1, NULL));
    g_assert_true (g_str_has_prefix (text, "\xf0\x9f\x9a\x9a ё \" \\ / "));
  }
}

static void
test_one_value (void)
{
  /* json-glib parsed every one of these and leaked all values but the last */
  assert_refused ("{}{}", "1:3: text after the end of the JSON value");
  assert_refused ("{\"base\": 0, \"ops\": []} {\"base\": 1}", "text after the end");
  assert_refused ("8{\"base\":[]}", "text after the end");
  assert_refused ("[1] 2", "text after the end");
  assert_refused ("true false", "text after the end");
  assert_refused ("\"a\" \"b\"", "text after the end");

  /* json-glib made an infinite double of these, which its writer prints as `inf` */
  assert_refused ("{\"amount\": 525e825010000000}", "a number is too large");
  assert_refused ("[-1e999]", "a number is too large");

  for (guint i = 0; i < 4; i++)
    {
      const char *ok[] = { " {\"a\": [1, -2.5e+3, true, null]} \n", "\xef\xbb\xbf[]", "-12", "\"x\"" };
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse (ok[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (node);
    }
}

static void
test_error_quotes_whole_characters (void)
{
  /* json-glib quotes the bad string cut at a byte count, inside «и» here */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse ("[{\"name\": \"S1-3 Холодные продажи «Встреча»: Получить  {\n"
                                    "      \"name\": \"admin\"}]", &error);

  g_assert_null (node);
  g_assert_nonnull (error);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/escapes", test_escapes);
  g_test_add_func ("/json/one-value", test_one_value);
  g_test_add_func ("/json/error-quotes-whole-characters", test_error_quotes_whole_characters);
  return g_test_run ();
}
