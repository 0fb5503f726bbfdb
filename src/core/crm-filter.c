/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-filter.c — the filter language of call lists (docs/filters.md), parsed by recursive
 * descent into an SQL condition on the row `c` (a contact, a company or a deal) whose values are
 * all bound parameters (:f1, :f2…); saved lists; the filtered list query. */
#define G_LOG_DOMAIN "voronka-filter"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "crm-filter.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-query-private.h"
#include "crm-validate.h"
#include "crm-rfm-private.h"
#include "crm-sql-private.h"
#include "crm-store-private.h"
#include "crm-time.h"
#include "crm-uuid.h"

#define PREFIX_UPPER_BOUND "x'F48FBFBF'"

typedef enum {
  TOK_END,
  TOK_WORD,      /* a bare word: keyword, name, number, date */
  TOK_STRING,    /* "…" or «…» */
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_COMMA,
  TOK_OP,        /* = != < <= > >= */
} TokenKind;

typedef struct {
  TokenKind  kind;
  char      *text;
  guint      position;   /* 1-based character position in the expression */
} Token;

typedef struct {
  gboolean  is_int;
  gint64    number;
  char     *text;
} Param;

typedef struct {
  CrmStore   *store;
  const char *entity;     /* "contact" | "company" */
  GArray     *tokens;     /* Token */
  guint       next;
  GString    *sql;
  GPtrArray  *params;     /* Param*, shared by every expression of one query */
  gboolean    needs_rfm;
  gint64      now;
  guint       nesting;    /* inside «not» or «(»: a test there need not hold for every row */
  gboolean    top_or;     /* an «or» outside parentheses */
  gboolean    top_stage;  /* «stage = S» outside «not» and «(» */
} Parser;

static void
param_free (gpointer data)
{
  Param *param = data;

  g_free (param->text);
  g_free (param);
}

static void
token_clear (gpointer data)
{
  g_free (((Token *) data)->text);
}

static const char *
describe_token (const Token *token,
                char       **owned)
{
  if (token->kind == TOK_END)
    return _("the end of the expression");
  *owned = g_strdup_printf ("«%s»", token->text);
  return *owned;
}

static gboolean
fail (Parser      *p,
      const Token *token,
      const char  *expected,
      GError     **error)
{
  g_autofree char *owned = NULL;
  const char *found = describe_token (token, &owned);

  /* Translators: "Filter, at character 12: expected a comparison (=, !=, <, <=, >, >=),
   * found «abc»" */
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("Filter, at character %u: expected %s, found %s"),
               token->position, expected, found);
  return FALSE;
}

static gboolean
fail_value (Parser      *p,
            const Token *token,
            const char  *message,
            GError     **error)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("Filter, at character %u: %s"), token->position, message);
  return FALSE;
}

/* ---- tokens ---- */

static gboolean
is_word_char (gunichar c)
{
  return !g_unichar_isspace (c) && c != '(' && c != ')' && c != ',' && c != '"' &&
         c != '=' && c != '<' && c != '>' && c != '!' && c != 0x00AB && c != 0x00BB;
}

static gboolean
tokenize (const char  *text,
          GArray      *tokens,
          GError     **error)
{
  const char *s = text;
  guint position = 1;

  while (TRUE)
    {
      gunichar c;
      Token token = { 0 };

      while (*s != '\0' && g_unichar_isspace (g_utf8_get_char (s)))
        {
          s = g_utf8_next_char (s);
          position++;
        }
      token.position = position;
      if (*s == '\0')
        {
          token.kind = TOK_END;
          g_array_append_val (tokens, token);
          return TRUE;
        }
      c = g_utf8_get_char (s);
      if (c == '(' || c == ')' || c == ',')
        {
          token.kind = c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA;
          token.text = g_strndup (s, 1);
          s++;
          position++;
        }
      else if (c == '=' || c == '<' || c == '>' || c == '!')
        {
          gsize length = s[1] == '=' ? 2 : 1;

          if (c == '!' && length == 1)
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Filter, at character %u: expected «!=», found «!»"), position);
              return FALSE;
            }
          if (c == '=' && length == 2)
            length = 1;  /* "==" reads as "=" "=": refused by the parser */
          token.kind = TOK_OP;
          token.text = g_strndup (s, length);
          s += length;
          position += length;
        }
      else if (c == '"' || c == 0x00AB)
        {
          gunichar close = c == '"' ? '"' : 0x00BB;
          const char *start = g_utf8_next_char (s);
          const char *end = start;
          guint length = 0;

          while (*end != '\0' && g_utf8_get_char (end) != close)
            {
              end = g_utf8_next_char (end);
              length++;
            }
          if (*end == '\0')
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Filter, at character %u: this quote is never closed; end the "
                             "text with %s"), position, close == '"' ? "\"" : "»");
              return FALSE;
            }
          token.kind = TOK_STRING;
          token.text = g_strndup (start, end - start);
          s = g_utf8_next_char (end);
          position += length + 2;
        }
      else
        {
          const char *start = s;

          while (*s != '\0' && is_word_char (g_utf8_get_char (s)))
            {
              s = g_utf8_next_char (s);
              position++;
            }
          token.kind = TOK_WORD;
          token.text = g_strndup (start, s - start);
        }
      g_array_append_val (tokens, token);
    }
}

static const Token *
peek (Parser *p)
{
  return &g_array_index (p->tokens, Token, p->next);
}

static const Token *
take (Parser *p)
{
  const Token *token = peek (p);

  if (token->kind != TOK_END)
    p->next++;
  return token;
}

static gboolean
is_keyword (const Token *token,
            const char  *keyword)
{
  return token->kind == TOK_WORD && g_ascii_strcasecmp (token->text, keyword) == 0;
}

/* ---- parameters ---- */

static void
add_text_param (Parser     *p,
                const char *text)
{
  Param *param = g_new0 (Param, 1);

  param->text = g_strdup (text);
  g_ptr_array_add (p->params, param);
  g_string_append_printf (p->sql, ":f%u", p->params->len);
}

static void
add_int_param (Parser *p,
               gint64  number)
{
  Param *param = g_new0 (Param, 1);

  param->is_int = TRUE;
  param->number = number;
  g_ptr_array_add (p->params, param);
  g_string_append_printf (p->sql, ":f%u", p->params->len);
}

static void
bind_params (GPtrArray    *params,
             sqlite3_stmt *stmt)
{
  for (guint i = 0; i < params->len; i++)
    {
      g_autofree char *name = g_strdup_printf (":f%u", i + 1);
      Param *param = params->pdata[i];
      int index = sqlite3_bind_parameter_index (stmt, name);

      if (index == 0)
        continue;
      if (param->is_int)
        sqlite3_bind_int64 (stmt, index, param->number);
      else
        sqlite3_bind_text (stmt, index, param->text, -1, SQLITE_TRANSIENT);
    }
}

/* ---- the row's sets: its deals, its tags ---- */

static gboolean
is_deal (Parser *p)
{
  return g_str_equal (p->entity, "deal");
}

static const char *
deals_sql (Parser *p)
{
  if (g_str_equal (p->entity, "company"))
    return "SELECT id FROM deal WHERE company = c.id AND deleted = 0";
  return "SELECT deal FROM deal_contact WHERE contact = c.id AND present = 1 AND deleted = 0";
}

static void
append_tags_sql (Parser *p)
{
  g_string_append_printf (p->sql,
    "SELECT dt.tag AS tag FROM deal_tag dt JOIN deal d ON d.id = dt.deal AND d.deleted = 0"
    " WHERE dt.present = 1 AND dt.deleted = 0 AND dt.deal IN (%s)"
    " UNION SELECT j.value FROM json_each (c.data, '$.tags') j", deals_sql (p));
}

typedef enum { TAGS_ALL, TAGS_ANY, TAGS_NONE } TagsMode;

/* A deal's tags are its deal_tag rows: "c.id IN (the deals with the tags)" lets SQLite
 * start from the tags' index or from another test's (a stage's) as it finds cheaper. */
static void
deal_tags_sql (Parser     *p,
               TagsMode    mode,
               const char *ids_json)
{
  g_string_append (p->sql, mode == TAGS_NONE ? "c.id NOT IN (" : "c.id IN (");
  g_string_append (p->sql, "SELECT dt.deal FROM deal_tag dt WHERE dt.present = 1"
                           " AND dt.deleted = 0 AND dt.tag IN (SELECT value FROM json_each (");
  add_text_param (p, ids_json);
  g_string_append (p->sql, "))");
  if (mode == TAGS_ALL)
    {
      g_string_append (p->sql, " GROUP BY dt.deal HAVING count (DISTINCT dt.tag) ="
                               " (SELECT count (DISTINCT value) FROM json_each (");
      add_text_param (p, ids_json);
      g_string_append (p->sql, "))");
    }
  g_string_append (p->sql, ")");
}

/* ---- values ---- */

static gboolean
take_value (Parser       *p,
            const Token **out,
            const char   *what,
            GError      **error)
{
  const Token *token = take (p);

  if (token->kind != TOK_WORD && token->kind != TOK_STRING)
    return fail (p, token, what, error);
  *out = token;
  return TRUE;
}

static gboolean
resolve (Parser      *p,
         const Token *token,
         const char  *entity,
         const char  *scope,
         char       **out_id,
         GError     **error)
{
  g_autoptr(GError) local = NULL;

  *out_id = crm_query_resolve (p->store, entity, token->text, scope, &local);
  if (*out_id != NULL)
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR,
               local->domain == CRM_STORE_ERROR ? local->code : CRM_STORE_ERROR_NOT_FOUND,
               _("Filter, at character %u: %s"), token->position, local->message);
  return FALSE;
}

/* A date: 2026-03-02 (the whole day, UTC), an ISO 8601 time, today, now, -30d / +3d. */
static gboolean
parse_date (Parser      *p,
            const Token *token,
            gint64      *out_ms,
            gboolean    *out_whole_day,
            GError     **error)
{
  const char *text = token->text;
  gint64 today = p->now - p->now % CRM_MS_PER_DAY;
  gint64 ms = 0;

  *out_whole_day = FALSE;
  if (g_ascii_strcasecmp (text, "now") == 0)
    {
      *out_ms = p->now;
      return TRUE;
    }
  if (g_ascii_strcasecmp (text, "today") == 0)
    {
      *out_ms = today;
      *out_whole_day = TRUE;
      return TRUE;
    }
  if ((text[0] == '-' || text[0] == '+') && g_ascii_isdigit (text[1]))
    {
      char *end = NULL;
      gint64 n = g_ascii_strtoll (text + 1, &end, 10);

      if (end != NULL && g_ascii_strcasecmp (end, "d") == 0 && n <= 100000)
        {
          *out_ms = today + (text[0] == '-' ? -n : n) * CRM_MS_PER_DAY;
          *out_whole_day = TRUE;
          return TRUE;
        }
    }
  if (strlen (text) == 10 && crm_time_parse (text, &ms))
    {
      *out_ms = ms;
      *out_whole_day = TRUE;
      return TRUE;
    }
  if (crm_time_parse (text, &ms))
    {
      *out_ms = ms;
      return TRUE;
    }
  return fail (p, token, _("a date such as 2026-03-02, today or -30d"), error);
}

/* ---- comparisons ---- */

typedef enum { KIND_TEXT, KIND_NUMBER, KIND_DATE } ValueKind;

/* Reads a value of @kind for @column_sql and appends "column OP value"; a whole day
 * compared as a date covers the day: "= 2026-03-02" is that day, "<= D" up to its end. */
static gboolean
compare (Parser      *p,
         const char  *column_sql,
         const char  *op,
         ValueKind    kind,
         const char  *field_type,
         GError     **error)
{
  const Token *token = NULL;

  if (!take_value (p, &token, kind == KIND_DATE ? _("a date such as 2026-03-02, today or -30d")
                                                : _("a value"), error))
    return FALSE;

  if (kind == KIND_DATE)
    {
      gint64 ms = 0;
      gboolean whole_day;

      if (!parse_date (p, token, &ms, &whole_day, error))
        return FALSE;
      if (whole_day && (g_str_equal (op, "=") || g_str_equal (op, "!=")))
        {
          g_string_append_printf (p->sql, "%s(%s >= ", g_str_equal (op, "!=") ? "NOT " : "",
                                  column_sql);
          add_int_param (p, ms);
          g_string_append_printf (p->sql, " AND %s < ", column_sql);
          add_int_param (p, ms + CRM_MS_PER_DAY);
          g_string_append (p->sql, ")");
          return TRUE;
        }
      if (whole_day && (g_str_equal (op, "<=") || g_str_equal (op, ">")))
        {
          ms += CRM_MS_PER_DAY;
          op = g_str_equal (op, "<=") ? "<" : ">=";
        }
      g_string_append_printf (p->sql, "%s %s ", column_sql, op);
      add_int_param (p, ms);
      return TRUE;
    }
  if (kind == KIND_NUMBER)
    {
      gint64 number;

      if (g_strcmp0 (field_type, "money") == 0)
        {
          if (!crm_money_parse (token->text, &number))
            return fail (p, token, _("an amount such as 150000.00"), error);
        }
      else if (!g_ascii_string_to_signed (token->text, 10, G_MININT64, G_MAXINT64, &number, NULL))
        return fail (p, token, _("a whole number"), error);
      g_string_append_printf (p->sql, "%s %s ", column_sql, op);
      add_int_param (p, number);
      return TRUE;
    }
  if (g_strcmp0 (field_type, "bool") == 0)
    {
      gboolean yes = g_ascii_strcasecmp (token->text, "yes") == 0 ||
                     g_ascii_strcasecmp (token->text, "true") == 0 ||
                     g_strcmp0 (token->text, "да") == 0;
      gboolean no = g_ascii_strcasecmp (token->text, "no") == 0 ||
                    g_ascii_strcasecmp (token->text, "false") == 0 ||
                    g_strcmp0 (token->text, "нет") == 0;

      if (!yes && !no)
        return fail (p, token, _("yes or no"), error);
      if (!g_str_equal (op, "=") && !g_str_equal (op, "!="))
        return fail_value (p, token, _("a yes/no field is compared with = or != only"), error);
      g_string_append_printf (p->sql, "coalesce (%s, 0) %s ", column_sql, op);
      add_int_param (p, yes ? 1 : 0);
      return TRUE;
    }
  /* text and choice: compared case-insensitively, as people type */
  g_string_append_printf (p->sql, "crm_fold (%s) %s crm_fold (", column_sql, op);
  add_text_param (p, token->text);
  g_string_append (p->sql, ")");
  return TRUE;
}

static gboolean
take_op (Parser      *p,
         const char **out_op,
         gboolean     ordered,
         GError     **error)
{
  const Token *token = take (p);

  if (token->kind != TOK_OP ||
      (!ordered && !g_str_equal (token->text, "=") && !g_str_equal (token->text, "!=")))
    return fail (p, token, ordered ? _("a comparison (=, !=, <, <=, >, >=), «between» or «is»")
                                   : _("«=», «!=» or «is»"), error);
  *out_op = token->text;
  return TRUE;
}

/* "is empty" / "is not empty" after the «is» was read. */
static gboolean
emptiness (Parser      *p,
           const char  *column_sql,
           gboolean     text_column,
           GError     **error)
{
  gboolean negate = FALSE;
  const Token *token = take (p);

  if (is_keyword (token, "not"))
    {
      negate = TRUE;
      token = take (p);
    }
  if (!is_keyword (token, "empty"))
    return fail (p, token, _("«empty» or «not empty»"), error);
  if (text_column)
    g_string_append_printf (p->sql, "%s(%s IS NULL OR %s = '' OR %s = '[]')",
                            negate ? "NOT " : "", column_sql, column_sql, column_sql);
  else
    g_string_append_printf (p->sql, "%s IS %sNULL", column_sql, negate ? "NOT " : "");
  return TRUE;
}

/* After a column's name: = v, != v, < v…, between a and b, is [not] empty. */
static gboolean
comparison (Parser      *p,
            const char  *column_sql,
            ValueKind    kind,
            const char  *field_type,
            GError     **error)
{
  const Token *token = peek (p);
  const char *op;

  if (is_keyword (token, "is"))
    {
      take (p);
      return emptiness (p, column_sql, kind == KIND_TEXT, error);
    }
  if (is_keyword (token, "between"))
    {
      const Token *and;

      take (p);
      if (kind == KIND_TEXT)
        return fail_value (p, token, _("«between» takes numbers, amounts or dates"), error);
      g_string_append (p->sql, "(");
      if (!compare (p, column_sql, ">=", kind, field_type, error))
        return FALSE;
      and = take (p);
      if (!is_keyword (and, "and"))
        return fail (p, and, _("«and» between the two bounds"), error);
      g_string_append (p->sql, " AND ");
      if (!compare (p, column_sql, "<=", kind, field_type, error))
        return FALSE;
      g_string_append (p->sql, ")");
      return TRUE;
    }
  if (!take_op (p, &op, kind != KIND_TEXT, error))
    return FALSE;
  return compare (p, column_sql, op, kind, field_type, error);
}

/* ---- the tests ---- */

static gboolean
tags_test (Parser  *p,
           GError **error)
{
  const Token *mode = take (p);
  g_autoptr(JsonArray) ids = json_array_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *json = NULL;
  gboolean list = FALSE;

  if (!is_keyword (mode, "all") && !is_keyword (mode, "any") && !is_keyword (mode, "none"))
    return fail (p, mode, _("«all», «any» or «none» after «tags»"), error);
  if (peek (p)->kind == TOK_LPAREN)
    {
      take (p);
      list = TRUE;
    }
  do
    {
      const Token *value = NULL;
      g_autofree char *id = NULL;

      if (!take_value (p, &value, _("a tag's name"), error) ||
          !resolve (p, value, "tag", NULL, &id, error))
        return FALSE;
      json_array_add_string_element (ids, id);
    }
  while (list && peek (p)->kind == TOK_COMMA && take (p) != NULL);
  if (list)
    {
      const Token *close = take (p);

      if (close->kind != TOK_RPAREN)
        return fail (p, close, _("«,» or «)» in the list of tags"), error);
    }

  json_node_set_array (node, ids);
  json_generator_set_root (generator, node);
  json = json_generator_to_data (generator, NULL);

  if (is_deal (p))
    {
      deal_tags_sql (p, is_keyword (mode, "all") ? TAGS_ALL : is_keyword (mode, "any")
                                                 ? TAGS_ANY : TAGS_NONE, json);
      return TRUE;
    }
  if (is_keyword (mode, "all"))
    {
      g_string_append (p->sql, "(SELECT count (DISTINCT tag) FROM (");
      append_tags_sql (p);
      g_string_append (p->sql, ") WHERE tag IN (SELECT value FROM json_each (");
      add_text_param (p, json);
      g_string_append (p->sql, "))) = (SELECT count (DISTINCT value) FROM json_each (");
      add_text_param (p, json);
      g_string_append (p->sql, "))");
    }
  else
    {
      g_string_append (p->sql, is_keyword (mode, "none") ? "NOT EXISTS (SELECT 1 FROM ("
                                                         : "EXISTS (SELECT 1 FROM (");
      append_tags_sql (p);
      g_string_append (p->sql, ") WHERE tag IN (SELECT value FROM json_each (");
      add_text_param (p, json);
      g_string_append (p->sql, ")))");
    }
  return TRUE;
}

/* company = C / responsible = U / segment = S, or «is [not] empty». */
static gboolean
reference_test (Parser      *p,
                const char  *column_sql,
                const char  *entity,
                GError     **error)
{
  const Token *value = NULL;
  g_autofree char *id = NULL;
  const char *op;

  if (is_keyword (peek (p), "is"))
    {
      take (p);
      return emptiness (p, column_sql, FALSE, error);
    }
  if (!take_op (p, &op, FALSE, error) ||
      !take_value (p, &value, _("a name"), error) ||
      !resolve (p, value, entity, NULL, &id, error))
    return FALSE;
  g_string_append_printf (p->sql, "%s(%s IS NOT NULL AND %s = ", g_str_equal (op, "!=") ? "NOT " : "",
                          column_sql, column_sql);
  add_text_param (p, id);
  g_string_append (p->sql, ")");
  return TRUE;
}

static gboolean
segment_test (Parser      *p,
              const Token *keyword,
              GError     **error)
{
  const Token *value = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GError) local = NULL;
  const char *op;

  p->needs_rfm = TRUE;
  if (is_keyword (peek (p), "is"))
    {
      take (p);
      return emptiness (p, "(SELECT segment FROM temp.rfm_client WHERE client = c.id)", FALSE,
                        error);
    }
  if (!take_op (p, &op, FALSE, error) ||
      !take_value (p, &value, _("a segment's name"), error))
    return FALSE;
  id = _crm_rfm_resolve_segment (p->store, value->text, &local);
  if (id == NULL)
    return fail_value (p, value, local->message, error);
  g_string_append_printf (p->sql, "%sEXISTS (SELECT 1 FROM temp.rfm_client WHERE client = c.id"
                          " AND segment = ", g_str_equal (op, "!=") ? "NOT " : "");
  add_text_param (p, id);
  g_string_append (p->sql, ")");
  return TRUE;
}

static gboolean
field_test (Parser      *p,
            const Token *keyword,
            GError     **error)
{
  const char *key = keyword->text + strlen ("field.");
  g_autoptr(JsonArray) fields = crm_query_fields (p->store, p->entity, error);
  g_autofree char *path = NULL;
  g_autofree char *column = NULL;
  g_autoptr(GString) known = g_string_new (NULL);
  const char *type = NULL;
  ValueKind kind;

  if (fields == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (fields); i++)
    {
      JsonObject *field = json_array_get_object_element (fields, i);
      const char *field_key = json_object_get_string_member_with_default (field, "key", "");

      if (g_str_equal (field_key, key) ||
          g_strcmp0 (json_object_get_string_member_with_default (field, "label", NULL), key) == 0)
        {
          key = field_key;
          type = json_object_get_string_member_with_default (field, "type", "text");
          break;
        }
      g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", field_key);
    }
  if (type == NULL)
    {
      g_autofree char *message =
        g_strdup_printf (g_str_equal (p->entity, "company")
                         ? _("a company has no field «%s»; its fields: %s")
                         : is_deal (p) ? _("a deal has no field «%s»; its fields: %s")
                         : _("a contact has no field «%s»; its fields: %s"),
                         keyword->text + strlen ("field."),
                         known->len > 0 ? known->str : _("none"));
      return fail_value (p, keyword, message, error);
    }

  /* the key goes in as a bound JSON path, never into the SQL text */
  path = g_strdup_printf ("$.\"%s\"", key);
  g_string_append (p->sql, "(");
  {
    Param *param = g_new0 (Param, 1);

    param->text = g_steal_pointer (&path);
    g_ptr_array_add (p->params, param);
    column = g_strdup_printf ("json_extract (c.data, :f%u)", p->params->len);
  }
  kind = g_str_equal (type, "number") || g_str_equal (type, "money") ? KIND_NUMBER
       : g_str_equal (type, "date") ? KIND_DATE : KIND_TEXT;
  if (!comparison (p, column, kind, type, error))
    return FALSE;
  g_string_append (p->sql, ")");
  return TRUE;
}

static gboolean
date_test (Parser      *p,
           const Token *keyword,
           GError     **error)
{
  g_autofree char *column = NULL;
  const char *deals = deals_sql (p);

  if (is_keyword (keyword, "created"))
    column = g_strdup ("c.created_at");
  else if (is_keyword (keyword, "last_won"))
    /* a contact's purchases are its own deals and its company's, as in RFM */
    column = g_strdup_printf ("(SELECT max (coalesce (d.stage_entered_at, d.created_at))"
                              " FROM deal d JOIN stage s ON s.id = d.stage AND s.kind = 'won'"
                              " WHERE d.deleted = 0 AND (d.id IN (%s)%s))", deals,
                              g_str_equal (p->entity, "contact")
                              ? " OR (c.company IS NOT NULL AND d.company = c.company)" : "");
  else
    /* what was last done with the client: a note, a task done, a deal created or moved */
    column = g_strdup_printf (
      "(SELECT max (t) FROM ("
      " SELECT created_at AS t FROM note WHERE deleted = 0"
      "  AND ((entity = '%s' AND entity_id = c.id) OR (entity = 'deal' AND entity_id IN (%s)))"
      " UNION ALL SELECT done_at FROM task WHERE deleted = 0 AND done = 1"
      "  AND (%s OR deal IN (%s))"
      " UNION ALL SELECT max (coalesce (stage_entered_at, 0), coalesce (created_at, 0))"
      "  FROM deal WHERE deleted = 0 AND id IN (%s)))",
      p->entity, deals, g_str_equal (p->entity, "contact") ? "contact = c.id" : "0", deals,
      deals);
  return comparison (p, column, KIND_DATE, NULL, error);
}

/* stage = S: S is a stage's name in any pipeline (or its id); every stage of that name. */
static gboolean
stage_test (Parser  *p,
            GError **error)
{
  g_autoptr(JsonArray) ids = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *json = NULL;
  g_autofree char *folded = NULL;
  const Token *value = NULL;
  const char *op;
  sqlite3_stmt *stmt;
  int rc;

  if (!take_op (p, &op, FALSE, error) ||
      !take_value (p, &value, _("a stage's name"), error))
    return FALSE;
  folded = crm_text_fold (value->text);
  stmt = _crm_store_prepare (p->store, "SELECT id FROM stage WHERE deleted = 0"
                                       " AND (id = ?1 OR crm_fold (name) = ?2) ORDER BY id",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, value->text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, folded, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_string_element (ids, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (p->store, error, "read the stages");
      return FALSE;
    }
  if (json_array_get_length (ids) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("Filter, at character %u: there is no stage «%s»; «voronkactl pipelines» "
                     "lists them"), value->position, value->text);
      return FALSE;
    }
  /* when every row must pass it, the query reads the stages' ranges of the board's
   * index (crm_filter_query) */
  if (g_str_equal (op, "=") && p->nesting == 0)
    p->top_stage = TRUE;
  if (json_array_get_length (ids) == 1)
    {
      /* one stage: "c.stage = ?" walks the board's index (stage, created_at) */
      g_string_append (p->sql, g_str_equal (op, "!=") ? "c.stage IS NOT " : "c.stage = ");
      add_text_param (p, json_array_get_string_element (ids, 0));
      return TRUE;
    }
  json_node_set_array (node, ids);
  json = json_to_string (node, FALSE);
  /* "c.stage IN (…)" as it is, so that the stage index serves it */
  g_string_append (p->sql, g_str_equal (op, "!=") ? "coalesce (c.stage NOT IN (" : "c.stage IN (");
  g_string_append (p->sql, "SELECT value FROM json_each (");
  add_text_param (p, json);
  g_string_append (p->sql, g_str_equal (op, "!=") ? ")), 1)" : "))");
  return TRUE;
}

/* status = open | won | lost: the kind of the deal's stage (unsorted counts as open). */
static gboolean
status_test (Parser  *p,
             GError **error)
{
  const Token *value = NULL;
  const char *kinds;
  const char *op;

  if (!take_op (p, &op, FALSE, error) ||
      !take_value (p, &value, _("open, won or lost"), error))
    return FALSE;
  if (is_keyword (value, "open"))
    kinds = "'unsorted', 'open'";
  else if (is_keyword (value, "won"))
    kinds = "'won'";
  else if (is_keyword (value, "lost"))
    kinds = "'lost'";
  else
    return fail (p, value, _("open, won or lost"), error);
  g_string_append_printf (p->sql, "%sEXISTS (SELECT 1 FROM stage st WHERE st.id = c.stage"
                          " AND st.kind IN (%s))", g_str_equal (op, "!=") ? "NOT " : "", kinds);
  return TRUE;
}

/* contact = C / contact != C / contact is [not] empty: the deal's linked contacts. */
static gboolean
contact_test (Parser  *p,
              GError **error)
{
  const Token *value = NULL;
  g_autofree char *id = NULL;
  const char *op;

  if (is_keyword (peek (p), "is"))
    {
      take (p);
      /* a first live contact, or none */
      return emptiness (p, "(SELECT 1 FROM deal_contact dc JOIN contact ct ON ct.id = dc.contact"
                           " AND ct.deleted = 0 WHERE dc.deal = c.id AND dc.present = 1"
                           " AND dc.deleted = 0 LIMIT 1)", FALSE, error);
    }
  if (!take_op (p, &op, FALSE, error) ||
      !take_value (p, &value, _("a contact's name"), error) ||
      !resolve (p, value, "contact", NULL, &id, error))
    return FALSE;
  g_string_append_printf (p->sql, "%sEXISTS (SELECT 1 FROM deal_contact dc WHERE dc.deal = c.id"
                          " AND dc.present = 1 AND dc.deleted = 0 AND dc.contact = ",
                          g_str_equal (op, "!=") ? "NOT " : "");
  add_text_param (p, id);
  g_string_append (p->sql, ")");
  return TRUE;
}

/* The tests of a deal filter (docs/filters.md, «Deals»); tags and «(» are read before. */
static gboolean
deal_test (Parser      *p,
           const Token *token,
           GError     **error)
{
  /* the time the deal entered a won (or a won or lost) stage; NULL while it is open */
  static const char won_sql[] =
    "(CASE WHEN EXISTS (SELECT 1 FROM stage st WHERE st.id = c.stage AND st.kind = 'won')"
    " THEN coalesce (c.stage_entered_at, c.created_at) END)";
  static const char closed_sql[] =
    "(CASE WHEN EXISTS (SELECT 1 FROM stage st WHERE st.id = c.stage"
    " AND st.kind IN ('won', 'lost')) THEN coalesce (c.stage_entered_at, c.created_at) END)";

  if (is_keyword (token, "pipeline"))
    return reference_test (p, "c.pipeline", "pipeline", error);
  if (is_keyword (token, "stage"))
    return stage_test (p, error);
  if (is_keyword (token, "status"))
    return status_test (p, error);
  if (is_keyword (token, "company"))
    return reference_test (p, "c.company", "company", error);
  if (is_keyword (token, "contact"))
    return contact_test (p, error);
  if (is_keyword (token, "responsible"))
    return reference_test (p, "c.responsible", "user", error);
  if (is_keyword (token, "amount"))
    return comparison (p, "c.amount", KIND_NUMBER, "money", error);
  if (token->kind == TOK_WORD && g_str_has_prefix (token->text, "field.") &&
      token->text[strlen ("field.")] != '\0')
    return field_test (p, token, error);
  if (is_keyword (token, "created"))
    return comparison (p, "c.created_at", KIND_DATE, NULL, error);
  if (is_keyword (token, "stage_entered"))
    return comparison (p, "coalesce (c.stage_entered_at, c.created_at)", KIND_DATE, NULL, error);
  if (is_keyword (token, "won"))
    return comparison (p, won_sql, KIND_DATE, NULL, error);
  if (is_keyword (token, "closed"))
    return comparison (p, closed_sql, KIND_DATE, NULL, error);
  if (is_keyword (token, "title"))
    return comparison (p, "c.title", KIND_TEXT, "text", error);
  return fail (p, token, _("a deal test: pipeline, stage, status, tags, tag, company, contact, "
                           "responsible, amount, field.KEY, created, stage_entered, won, closed, "
                           "title, «not» or «(»"), error);
}

static gboolean parse_or (Parser *p, GError **error);

static gboolean
parse_factor (Parser  *p,
              GError **error)
{
  const Token *token = take (p);

  if (is_keyword (token, "not"))
    {
      gboolean ok;

      g_string_append (p->sql, "NOT ");
      p->nesting++;
      ok = parse_factor (p, error);
      p->nesting--;
      return ok;
    }
  if (token->kind == TOK_LPAREN)
    {
      const Token *close;
      gboolean ok;

      g_string_append (p->sql, "(");
      p->nesting++;
      ok = parse_or (p, error);
      p->nesting--;
      if (!ok)
        return FALSE;
      close = take (p);
      if (close->kind != TOK_RPAREN)
        return fail (p, close, _("«)», «and» or «or»"), error);
      g_string_append (p->sql, ")");
      return TRUE;
    }
  if (is_keyword (token, "tags"))
    return tags_test (p, error);
  if (is_keyword (token, "tag"))
    {
      /* tag = T is «tags any T», tag != T «tags none T» */
      const char *op;
      const Token *value = NULL;
      g_autofree char *id = NULL;
      g_autofree char *json = NULL;

      if (!take_op (p, &op, FALSE, error) ||
          !take_value (p, &value, _("a tag's name"), error) ||
          !resolve (p, value, "tag", NULL, &id, error))
        return FALSE;
      json = g_strdup_printf ("[\"%s\"]", id);
      if (is_deal (p))
        {
          deal_tags_sql (p, g_str_equal (op, "!=") ? TAGS_NONE : TAGS_ANY, json);
          return TRUE;
        }
      g_string_append (p->sql, g_str_equal (op, "!=") ? "NOT EXISTS (SELECT 1 FROM ("
                                                      : "EXISTS (SELECT 1 FROM (");
      append_tags_sql (p);
      g_string_append (p->sql, ") WHERE tag IN (SELECT value FROM json_each (");
      add_text_param (p, json);
      g_string_append (p->sql, ")))");
      return TRUE;
    }
  if (is_deal (p))
    return deal_test (p, token, error);
  if (is_keyword (token, "company"))
    return reference_test (p, g_str_equal (p->entity, "company") ? "c.id" : "c.company",
                           "company", error);
  if (is_keyword (token, "responsible"))
    return reference_test (p, "c.responsible", "user", error);
  if (is_keyword (token, "segment"))
    return segment_test (p, token, error);
  if (token->kind == TOK_WORD && g_str_has_prefix (token->text, "field.") &&
      token->text[strlen ("field.")] != '\0')
    return field_test (p, token, error);
  if (is_keyword (token, "created") || is_keyword (token, "last_activity") ||
      is_keyword (token, "last_won"))
    return date_test (p, token, error);
  if (is_keyword (token, "name"))
    return comparison (p, "c.name", KIND_TEXT, "text", error);
  return fail (p, token, _("a test: tags, tag, company, responsible, field.KEY, created, "
                           "last_activity, last_won, segment, name, «not» or «(»"), error);
}

static gboolean
parse_and (Parser  *p,
           GError **error)
{
  if (!parse_factor (p, error))
    return FALSE;
  while (is_keyword (peek (p), "and"))
    {
      take (p);
      g_string_append (p->sql, " AND ");
      if (!parse_factor (p, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_or (Parser  *p,
          GError **error)
{
  g_string_append (p->sql, "(");
  if (!parse_and (p, error))
    return FALSE;
  while (is_keyword (peek (p), "or"))
    {
      take (p);
      if (p->nesting == 0)
        p->top_or = TRUE;
      g_string_append (p->sql, " OR ");
      if (!parse_and (p, error))
        return FALSE;
    }
  g_string_append (p->sql, ")");
  return TRUE;
}

/* Appends " AND (…)" for @text to @sql, its values to @params. *@by_stage (optional)
 * becomes TRUE when every row that passes is at the stages of a name (a deal filter's
 * «stage = S» not under «or», «not» or parentheses). */
static gboolean
compile_full (CrmStore    *store,
              const char  *entity,
              const char  *text,
              GString     *sql,
              GPtrArray   *params,
              gboolean    *needs_rfm,
              gboolean    *by_stage,
              GError     **error)
{
  g_autoptr(GArray) tokens = g_array_new (FALSE, TRUE, sizeof (Token));
  Parser p = { 0 };
  const Token *end;

  g_array_set_clear_func (tokens, token_clear);
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Filter: the expression is not valid UTF-8 text"));
  if (!tokenize (text, tokens, error))
    return FALSE;
  p.store = store;
  p.entity = entity;
  p.tokens = tokens;
  p.sql = sql;
  p.params = params;
  p.now = crm_store_get_now (store);
  if (g_array_index (tokens, Token, 0).kind == TOK_END)
    return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("Filter: the expression is empty; write a test such as "
                             "tags any (VIP) or field.country = Казахстан"));
  g_string_append (sql, " AND ");
  if (!parse_or (&p, error))
    return FALSE;
  end = take (&p);
  if (end->kind != TOK_END)
    return fail (&p, end, _("«and», «or» or the end of the expression"), error);
  if (needs_rfm != NULL)
    *needs_rfm = *needs_rfm || p.needs_rfm;
  if (by_stage != NULL)
    *by_stage = *by_stage || (p.top_stage && !p.top_or);
  return TRUE;
}

static gboolean
compile (CrmStore    *store,
         const char  *entity,
         const char  *text,
         GString     *sql,
         GPtrArray   *params,
         gboolean    *needs_rfm,
         GError     **error)
{
  return compile_full (store, entity, text, sql, params, needs_rfm, NULL, error);
}

static gboolean
check_entity (const char  *entity,
              GError     **error)
{
  if (g_strcmp0 (entity, "contact") == 0 || g_strcmp0 (entity, "company") == 0 ||
      g_strcmp0 (entity, "deal") == 0)
    return TRUE;
  return crm_error_fail (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                         _("A filter lists contacts, companies or deals, not «%s»"),
                         entity ? entity : "");
}

/* crm_fold (text): the text folded as search folds it (case, ё), for comparisons. */
static void
sql_fold (sqlite3_context *context,
          int              argc,
          sqlite3_value  **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  g_autofree char *folded = NULL;

  if (text == NULL)
    {
      sqlite3_result_null (context);
      return;
    }
  folded = crm_text_fold (text);
  sqlite3_result_text (context, folded, -1, SQLITE_TRANSIENT);
}

static gboolean
ensure_fold (CrmStore  *store,
             GError   **error)
{
  if (sqlite3_create_function (_crm_store_get_db (store), "crm_fold", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_fold,
                               NULL, NULL) != SQLITE_OK)
    {
      _crm_store_set_sql_error (store, error, "register crm_fold");
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_filter_check (CrmStore    *store,
                  const char  *entity,
                  const char  *text,
                  GError     **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (param_free);

  g_return_val_if_fail (CRM_IS_STORE (store), FALSE);

  return check_entity (entity, error) && ensure_fold (store, error) &&
         compile (store, entity, text, sql, params, NULL, error);
}

/* ---- the query ---- */

static JsonObject *
contact_row (sqlite3_stmt *stmt)
{
  JsonObject *contact = json_object_new ();

  _crm_json_set_text_column (contact, "id", stmt, 0);
  _crm_json_set_text_column (contact, "name", stmt, 1);
  json_object_set_array_member (contact, "phones", _crm_json_array_column (stmt, 2));
  json_object_set_array_member (contact, "emails", _crm_json_array_column (stmt, 3));
  _crm_json_set_text_column (contact, "company", stmt, 5);
  _crm_json_set_text_column (contact, "company_id", stmt, 4);
  _crm_json_set_text_column (contact, "segment", stmt, 6);
  return contact;
}

static JsonObject *
company_row (sqlite3_stmt *stmt)
{
  JsonObject *company = json_object_new ();

  _crm_json_set_text_column (company, "id", stmt, 0);
  _crm_json_set_text_column (company, "name", stmt, 1);
  _crm_json_set_text_column (company, "inn", stmt, 2);
  _crm_json_set_text_column (company, "responsible", stmt, 3);
  _crm_json_set_text_column (company, "segment", stmt, 4);
  return company;
}

JsonArray *
crm_filter_query (CrmStore              *store,
                  const CrmFilterQuery  *query,
                  gint64                *out_total,
                  GError               **error)
{
  const char *entity = query->entity != NULL ? query->entity : "contact";
  g_autoptr(GString) where = g_string_new (" WHERE c.deleted = 0");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (param_free);
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(JsonObject) list = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *segment_id = NULL;
  g_autofree char *select = NULL;
  g_autofree char *count = NULL;
  g_autofree char *ids_json = NULL;
  gboolean needs_rfm = FALSE;
  gboolean is_company;
  gboolean is_deal_list;
  gboolean by_stage = FALSE;
  g_autoptr(GPtrArray) deal_ids = NULL;
  sqlite3 *db = _crm_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (query->list != NULL)
    {
      list = crm_saved_list_lookup (store, query->list, error);
      if (list == NULL)
        return NULL;
      entity = json_object_get_string_member_with_default (list, "entity", "contact");
    }
  if (!check_entity (entity, error) || !ensure_fold (store, error))
    return NULL;
  is_company = g_str_equal (entity, "company");
  is_deal_list = g_str_equal (entity, "deal");
  if (list != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!compile_full (store, entity,
                         json_object_get_string_member_with_default (list, "filter", ""),
                         where, params, &needs_rfm, &by_stage, &local))
        {
          g_set_error (error, CRM_STORE_ERROR, local->code,
                       _("The saved list «%s» no longer works: %s"),
                       json_object_get_string_member_with_default (list, "name", ""),
                       local->message);
          return NULL;
        }
    }
  if (query->filter != NULL &&
      !compile_full (store, entity, query->filter, where, params, &needs_rfm, &by_stage, error))
    return NULL;
  if (query->segment != NULL && is_deal_list)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("An RFM segment narrows contacts or companies, not deals"));
      return NULL;
    }
  if (query->segment != NULL)
    {
      segment_id = _crm_rfm_resolve_segment (store, query->segment, error);
      if (segment_id == NULL)
        return NULL;
      needs_rfm = TRUE;
      g_string_append (where, " AND EXISTS (SELECT 1 FROM temp.rfm_client WHERE client = c.id"
                              " AND segment = :segment)");
    }
  if (query->surname != NULL)
    {
      words = _crm_text_fold_words (query->surname);
      if (words[0] != NULL)
        g_string_append (where, is_deal_list
          ? " AND crm_fold (c.title) >= :surname AND crm_fold (c.title) < :surname || " PREFIX_UPPER_BOUND
          : is_company
          ? " AND crm_fold (c.name) >= :surname AND crm_fold (c.name) < :surname || " PREFIX_UPPER_BOUND
          : " AND c.rowid IN (SELECT contact FROM contact_token WHERE position = 0"
            " AND token >= :surname AND token < :surname || " PREFIX_UPPER_BOUND ")");
    }
  if (query->ids != NULL)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; query->ids[i] != NULL; i++)
        json_builder_add_string_value (builder, query->ids[i]);
      json_builder_end_array (builder);
      node = json_builder_get_root (builder);
      ids_json = json_to_string (node, FALSE);
      g_string_append (where, " AND c.id IN (SELECT value FROM json_each (:ids))");
    }
  if (needs_rfm && !_crm_rfm_refresh (store, error))
    return NULL;

  /* Deals at the stages of a name: their ranges of the board's index (stage, created_at, id — partial on
   * deleted = 0) is counted, and read newest first, without a look at the rows the other
   * tests do not need; SQLite, with no statistics, would take the narrower deal_stage
   * and read every deal of the stage (a brand at a stage: 60 → 15 ms on 220 000 deals). */
  count = g_strdup_printf ("SELECT count (*) FROM %s c%s%s", entity,
                           is_deal_list && by_stage ? " INDEXED BY deal_board" : "", where->str);
  if (is_deal_list)
    /* the page's ids newest first, as «deal list» and the board; then each deal in full */
    select = g_strdup_printf ("SELECT c.id FROM deal c%s%s"
                              " ORDER BY c.created_at DESC, c.id DESC LIMIT :limit OFFSET :offset",
                              by_stage ? " INDEXED BY deal_board" : "", where->str);
  else if (is_company)
    select = g_strdup_printf (
      "SELECT c.id, c.name, c.inn, u.name, %s FROM company c"
      " LEFT JOIN \"user\" u ON u.id = c.responsible%s"
      " ORDER BY c.name, c.id LIMIT :limit OFFSET :offset",
      needs_rfm ? "(SELECT s.name FROM temp.rfm_client r JOIN rfm_segment s ON s.id = r.segment"
                  " WHERE r.client = c.id)" : "NULL", where->str);
  else
    select = g_strdup_printf (
      "SELECT c.id, c.name, c.phones, c.emails, c.company, co.name, %s"
      " FROM contact c LEFT JOIN company co ON co.id = c.company AND co.deleted = 0%s"
      " ORDER BY c.name, c.id LIMIT :limit OFFSET :offset",
      needs_rfm ? "(SELECT s.name FROM temp.rfm_client r JOIN rfm_segment s ON s.id = r.segment"
                  " WHERE r.client = c.id)" : "NULL", where->str);

  for (int pass = out_total != NULL ? 0 : 1; pass < 2; pass++)
    {
      if (sqlite3_prepare_v2 (db, pass == 0 ? count : select, -1, &stmt, NULL) != SQLITE_OK)
        {
          _crm_store_set_read_error (store, error, "prepare the filtered list");
          return NULL;
        }
      bind_params (params, stmt);
      if (segment_id != NULL)
        sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":segment"), segment_id,
                           -1, SQLITE_TRANSIENT);
      if (words != NULL && words[0] != NULL)
        sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":surname"), words[0],
                           -1, SQLITE_TRANSIENT);
      if (ids_json != NULL)
        sqlite3_bind_text (stmt, sqlite3_bind_parameter_index (stmt, ":ids"), ids_json, -1,
                           SQLITE_STATIC);
      if (pass == 0)
        {
          if (sqlite3_step (stmt) != SQLITE_ROW)
            {
              _crm_store_set_read_error (store, error, "count the filtered list");
              sqlite3_finalize (stmt);
              return NULL;
            }
          *out_total = sqlite3_column_int64 (stmt, 0);
          sqlite3_finalize (stmt);
          continue;
        }
      sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":limit"),
                          query->limit > 0 ? (gint64) query->limit : -1);
      sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":offset"), query->offset);
      if (is_deal_list)
        deal_ids = g_ptr_array_new_with_free_func (g_free);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (is_deal_list)
          g_ptr_array_add (deal_ids, _crm_sql_dup_column_text (stmt, 0));
        else
          json_array_add_object_element (rows, is_company ? company_row (stmt) : contact_row (stmt));
      if (rc != SQLITE_DONE)
        {
          _crm_store_set_read_error (store, error, "read the filtered list");
          sqlite3_finalize (stmt);
          return NULL;
        }
      sqlite3_finalize (stmt);
    }
  if (deal_ids != NULL && query->ids_only)
    for (guint i = 0; i < deal_ids->len; i++)
      {
        JsonObject *row = json_object_new ();

        json_object_set_string_member (row, "id", deal_ids->pdata[i]);
        json_array_add_object_element (rows, row);
      }
  else if (deal_ids != NULL && !_crm_query_deals_by_ids (store, deal_ids, rows, error))
    return NULL;
  return g_steal_pointer (&rows);
}

/* ---- saved lists ---- */

static JsonObject *
list_row (sqlite3_stmt *stmt)
{
  JsonObject *list = json_object_new ();

  _crm_json_set_text_column (list, "id", stmt, 0);
  _crm_json_set_text_column (list, "name", stmt, 1);
  _crm_json_set_text_column (list, "entity", stmt, 2);
  _crm_json_set_text_column (list, "filter", stmt, 3);
  _crm_json_set_text_column (list, "author", stmt, 4);
  return list;
}

#define LIST_COLUMNS \
  "SELECT l.id, l.name, coalesce (l.entity, 'contact'), l.filter, u.name FROM saved_list l" \
  " LEFT JOIN \"user\" u ON u.id = l.author WHERE l.deleted = 0"

JsonArray *
crm_saved_list_all (CrmStore  *store,
                    GError   **error)
{
  g_autoptr(JsonArray) lists = json_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  stmt = _crm_store_prepare (store, LIST_COLUMNS " ORDER BY l.name, l.id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_object_element (lists, list_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read the saved lists");
      return NULL;
    }
  return g_steal_pointer (&lists);
}

JsonObject *
crm_saved_list_lookup (CrmStore    *store,
                       const char  *name_or_id,
                       GError     **error)
{
  g_autofree char *folded = NULL;
  JsonObject *found = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (!ensure_fold (store, error))
    return NULL;
  folded = crm_text_fold (name_or_id);
  stmt = _crm_store_prepare (store, LIST_COLUMNS
                             " AND (l.id = ?1 OR crm_fold (l.name) = ?2) ORDER BY l.id LIMIT 1",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, name_or_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, folded, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = list_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "read a saved list");
      return NULL;
    }
  if (found == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("There is no saved list «%s»; «voronkactl list list» shows them"),
                 name_or_id);
  return found;
}

static char *
list_id_for (CrmStore   *store,
             const char *name)
{
  g_autofree char *folded = crm_text_fold (name);
  g_autofree char *key = g_strdup_printf ("saved_list/%s", folded);

  return crm_uuid_v5 (CRM_UUID_NAMESPACE, key);
}

char **
crm_filter_contacts_of (CrmStore            *store,
                        const char          *entity,
                        const char * const  *ids,
                        GError             **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) contacts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ids_json = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (g_strcmp0 (entity, "company") == 0 || g_strcmp0 (entity, "deal") == 0,
                        NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    json_builder_add_string_value (builder, ids[i]);
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);
  ids_json = json_to_string (node, FALSE);
  stmt = _crm_store_prepare (store, g_str_equal (entity, "company")
    /* its people, and those linked to it («Связан с компанией») */
    ? "SELECT id FROM contact WHERE deleted = 0"
      " AND company IN (SELECT value FROM json_each (?1))"
      " UNION SELECT l.contact FROM contact_company l JOIN contact c ON c.id = l.contact"
      " WHERE l.present = 1 AND l.deleted = 0 AND c.deleted = 0"
      " AND l.company IN (SELECT value FROM json_each (?1))"
    : "SELECT DISTINCT l.contact FROM deal_contact l JOIN contact c ON c.id = l.contact"
      " WHERE l.present = 1 AND l.deleted = 0 AND c.deleted = 0"
      " AND l.deal IN (SELECT value FROM json_each (?1))", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ids_json, -1, SQLITE_TRANSIENT);
  while ((rc = _crm_store_step (store, stmt)) == SQLITE_ROW)
    g_ptr_array_add (contacts, _crm_sql_dup_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _crm_store_set_read_error (store, error, "reading the contacts of a list");
      return NULL;
    }
  g_ptr_array_add (contacts, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&contacts), FALSE);
}

char *
crm_saved_list_save (CrmStore    *store,
                     const char  *name,
                     const char  *entity,
                     const char  *filter,
                     const char  *author,
                     GError     **error)
{
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) existing = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);

  if (entity == NULL)
    entity = "contact";
  trimmed = g_strstrip (g_strdup (name != NULL ? name : ""));
  if (*trimmed == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A saved list needs a name"));
      return NULL;
    }
  if (g_utf8_strlen (trimmed, -1) > CRM_TEXT_MAX_CHARS)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("A saved list's name is at most %d characters"), CRM_TEXT_MAX_CHARS);
      return NULL;
    }
  /* an empty filter would list every contact, company or deal: no call list */
  if (filter == NULL || *filter == '\0' || strspn (filter, " \t\r\n") == strlen (filter))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s",
                   g_strcmp0 (entity, "deal") == 0
                   ? _("A saved list needs a filter; without one it would hold every deal. "
                       "Type the filter, e.g. stage = «Переговоры»")
                   : g_strcmp0 (entity, "company") == 0
                   ? _("A saved list needs a filter; without one it would hold every company. "
                       "Type the filter, e.g. responsible = «Иванов»")
                   : _("A saved list needs a filter; without one it would hold every contact. "
                       "Type the filter, e.g. tags any («VIP»)"));
      return NULL;
    }
  if (!crm_filter_check (store, entity, filter, error))
    return NULL;

  id = list_id_for (store, trimmed);
  existing = crm_store_dup_entity (store, "saved_list", id);
  changeset = crm_changeset_new ();
  if (existing == NULL)
    {
      change = crm_changeset_create (changeset, "saved_list", id);
      if (author != NULL)
        crm_change_set_string (change, "author", author);
      crm_change_set_int (change, "created_at", crm_store_get_now (store));
    }
  else
    change = crm_changeset_touch (changeset, "saved_list", id);
  crm_change_set_string (change, "name", trimmed);
  crm_change_set_string (change, "entity", entity);
  crm_change_set_string (change, "filter", filter);
  if (author != NULL)
    crm_changeset_set_actor (changeset, author);
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  return g_steal_pointer (&id);
}

gboolean
crm_saved_list_delete (CrmStore    *store,
                       const char  *name_or_id,
                       const char  *author,
                       GError     **error)
{
  g_autoptr(JsonObject) list = crm_saved_list_lookup (store, name_or_id, error);
  g_autoptr(CrmChangeset) changeset = NULL;

  if (list == NULL)
    return FALSE;
  changeset = crm_changeset_new ();
  if (author != NULL)
    crm_changeset_set_actor (changeset, author);
  crm_change_set_bool (crm_changeset_touch (changeset, "saved_list",
                                            json_object_get_string_member (list, "id")),
                       "deleted", TRUE);
  return crm_store_apply (store, changeset, error);
}
