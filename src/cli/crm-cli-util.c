/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-util.c — what every voronkactl command needs: option parsing with the global
 * options, opening the replica, the write path, input parsing and aligned output. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crm-cli.h"
#include "crm-json.h"
#include "crm-query.h"
#include "crm-time.h"

gboolean
crm_cli_usage_error (GError     **error,
                     const char  *format,
                     ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, CRM_CLI_ERROR, CRM_CLI_ERROR_USAGE, message);
  g_free (message);
  return FALSE;
}

gboolean
crm_cli_require (const char  *value,
                 const char  *option,
                 GError     **error)
{
  if (value != NULL)
    return TRUE;
  return crm_cli_usage_error (error, _("The option %s is required"), option);
}

/* Whether @arg names an option of @entries that takes a file name (any bytes). */
static gboolean
is_filename_option (const GOptionEntry *entries,
                    const char         *arg)
{
  g_autofree char *name = NULL;
  const char *equals;

  if (entries == NULL || arg[0] != '-')
    return FALSE;
  equals = strchr (arg, '=');
  name = equals != NULL ? g_strndup (arg, equals - arg) : g_strdup (arg);
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    if (e->arg == G_OPTION_ARG_FILENAME &&
        ((name[1] == '-' && g_str_equal (name + 2, e->long_name)) ||
         (name[1] == e->short_name && name[1] != '\0' && name[2] == '\0')))
      return TRUE;
  return FALSE;
}

/* Text options and arguments must be UTF-8 (they end up in the replica and in JSON);
 * file names may be any bytes: --db, options of type FILENAME and the positional
 * arguments of commands that take a FILE. The error names the option or argument. */
static gboolean
check_utf8_arguments (const char         *command,
                      const char         *parameter_string,
                      const GOptionEntry *entries,
                      int                 argc,
                      char              **argv,
                      GError            **error)
{
  gboolean files = parameter_string != NULL && strstr (parameter_string, "FILE") != NULL;
  int positional = 0;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *previous = i > 1 ? argv[i - 1] : NULL;
      gboolean is_value = previous != NULL && previous[0] == '-' && previous[1] != '\0' &&
                          strchr (previous, '=') == NULL && arg[0] != '-';
      g_autofree char *name = NULL;

      if (g_str_equal (arg, "--"))
        break;
      if (arg[0] != '-' && !is_value)
        positional++;
      if (g_utf8_validate (arg, -1, NULL))
        continue;
      if (arg[0] == '-')
        {
          const char *equals = strchr (arg, '=');

          if (g_str_has_prefix (arg, "--db=") || is_filename_option (entries, arg))
            continue;
          name = equals != NULL ? g_strndup (arg, equals - arg) : g_strdup (arg);
        }
      else if (is_value)
        {
          if (g_str_equal (previous, "--db") || is_filename_option (entries, previous))
            continue;
          name = g_strdup (previous);
        }
      else if (files)
        continue;
      else
        name = g_strdup_printf (_("argument %d"), positional);
      if (!g_utf8_validate (name, -1, NULL))
        {
          g_free (name);
          name = g_utf8_make_valid (arg, -1);
        }
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s: %s: not valid UTF-8 text (is the terminal set to UTF-8?); "
                     "nothing was changed"), command, name);
      return FALSE;
    }
  return TRUE;
}

gboolean
crm_cli_check_db_option (CrmCli   *cli,
                         GError  **error)
{
  if (cli->db_path != NULL && cli->db_path[0] == '\0')
    return crm_cli_usage_error (error, _("--db needs the path of a replica file; leave --db "
                                         "out to use the default replica"));
  return TRUE;
}

gboolean
crm_cli_parse (CrmCli             *cli,
               const char         *command,
               const char         *parameter_string,
               const char         *summary,
               const GOptionEntry *entries,
               int                *argc,
               char             ***argv,
               int                 n_positional,
               GError            **error)
{
  const GOptionEntry global_entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &cli->db_path, N_("The replica file"), N_("PATH") },
    { "as", 0, 0, G_OPTION_ARG_STRING, &cli->as, N_("Acting user (name or id)"), N_("USER") },
    { "now", 0, 0, G_OPTION_ARG_STRING, &cli->now_text, N_("The clock for this command"), N_("TIME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) local_error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);

  if (!check_utf8_arguments (command, parameter_string, entries, *argc, *argv, error))
    return FALSE;
  if (!g_option_context_parse (context, argc, argv, &local_error))
    {
      /* a value that is not a number is bad input, not a misuse of the command */
      if (g_error_matches (local_error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       "%s: %s", command, local_error->message);
          return FALSE;
        }
      return crm_cli_usage_error (error, "%s: %s", command, local_error->message);
    }
  if (!crm_cli_check_db_option (cli, error))
    return FALSE;

  if (n_positional >= 0 && *argc - 1 < n_positional)
    return crm_cli_usage_error (error, _("%s needs %s"), command, parameter_string);
  if (n_positional >= 0 && *argc - 1 > n_positional)
    return crm_cli_usage_error (error, _("%s: unexpected argument «%s»"),
                                command, (*argv)[n_positional + 1]);
  return TRUE;
}

char *
crm_cli_dup_db_path (CrmCli *cli)
{
  if (cli->db_path != NULL)
    return g_strdup (cli->db_path);
  return g_build_filename (g_get_user_data_dir (), "voronka", "replica.db", NULL);
}

gboolean
crm_cli_parse_now (CrmCli   *cli,
                   GError  **error)
{
  cli->now_ms = 0;
  if (cli->now_text == NULL)
    return TRUE;
  if (!crm_time_parse (cli->now_text, &cli->now_ms) || cli->now_ms <= 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--now: «%s» is not a time; write it as 2026-03-02T10:00:00Z"),
                   cli->now_text);
      cli->now_ms = 0;
      return FALSE;
    }
  return TRUE;
}

gint64
crm_cli_now (CrmCli *cli)
{
  if (cli->store != NULL)
    return crm_store_get_now (cli->store);
  return cli->now_ms > 0 ? cli->now_ms : crm_time_now_ms ();
}

typedef struct {
  gint64   started;
  gboolean told;
  gboolean told_reclaim;
} UpgradeNotice;

/* Said on stderr once the update has taken a second (scripts read stdout), and again when
 * it goes on to give back the space the old format took (step == n_steps). */
static void
upgrade_progress_cb (guint    step,
                     guint    n_steps,
                     gpointer data)
{
  UpgradeNotice *notice = data;

  if (g_get_monotonic_time () - notice->started < G_USEC_PER_SEC)
    return;
  if (step < n_steps && !notice->told)
    {
      notice->told = TRUE;
      g_printerr ("%s\n", _("Upgrading the replica to the new format (once)…"));
    }
  else if (step == n_steps && !notice->told_reclaim)
    {
      notice->told = notice->told_reclaim = TRUE;
      g_printerr ("%s\n", _("Giving back the disk space the old format took…"));
    }
}

CrmStore *
crm_cli_open_store (const char  *path,
                    GError     **error)
{
  UpgradeNotice notice = { g_get_monotonic_time (), FALSE };

  return crm_store_open_full (path, upgrade_progress_cb, &notice, NULL, error);
}

gboolean
crm_cli_open (CrmCli   *cli,
              GError  **error)
{
  g_autofree char *path = crm_cli_dup_db_path (cli);

  if (!crm_cli_parse_now (cli, error))
    return FALSE;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("No replica at %s; create one with voronkactl --db %s init"), path, path);
      return FALSE;
    }
  cli->store = crm_cli_open_store (path, error);
  if (cli->store == NULL)
    return FALSE;
  if (cli->now_ms > 0)
    crm_store_set_now (cli->store, cli->now_ms);

  if (cli->as != NULL)
    cli->actor_id = crm_cli_resolve (cli, "user", cli->as, NULL, error);
  else
    cli->actor_id = crm_query_default_user (cli->store);
  return cli->as == NULL || cli->actor_id != NULL;
}

gboolean
crm_cli_apply (CrmCli        *cli,
               CrmChangeset  *changeset,
               GError       **error)
{
  if (cli->actor_id != NULL)
    crm_changeset_set_actor (changeset, cli->actor_id);
  if (crm_store_apply (cli->store, changeset, error))
    return TRUE;
  g_clear_pointer (&cli->refusal, json_object_unref);
  cli->refusal = crm_store_dup_refusal (cli->store);
  return FALSE;
}

gboolean
crm_cli_parse_money (const char  *text,
                     const char  *option,
                     gint64      *out_minor,
                     GError     **error)
{
  if (text != NULL && crm_money_parse (text, out_minor))
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("%s: «%s» is not an amount of money; write it as 1500000.00"),
               option, text != NULL ? text : "");
  return FALSE;
}

/* "+3d", "+2h", "+30m" relative to now. */
static gboolean
parse_relative (const char *text,
                gint64      now,
                gint64     *out_ms)
{
  char *end = NULL;
  gint64 n;
  gint64 unit;

  if (text[0] != '+' || !g_ascii_isdigit (text[1]))
    return FALSE;
  n = g_ascii_strtoll (text + 1, &end, 10);
  if (end == NULL || n > 100000)
    return FALSE;
  if (g_str_equal (end, "d"))
    unit = CRM_MS_PER_DAY;
  else if (g_str_equal (end, "h"))
    unit = 60 * CRM_MS_PER_MINUTE;
  else if (g_str_equal (end, "m"))
    unit = CRM_MS_PER_MINUTE;
  else
    return FALSE;
  *out_ms = now + n * unit;
  return TRUE;
}

gboolean
crm_cli_parse_date (CrmCli      *cli,
                    const char  *text,
                    const char  *option,
                    gint64      *out_ms,
                    GError     **error)
{
  gint64 now = crm_cli_now (cli);

  if (text != NULL)
    {
      if (g_str_equal (text, "now"))
        {
          *out_ms = now;
          return TRUE;
        }
      if (g_str_equal (text, "today"))
        {
          *out_ms = now - now % CRM_MS_PER_DAY;
          return TRUE;
        }
      if (g_str_equal (text, "tomorrow"))
        {
          *out_ms = now - now % CRM_MS_PER_DAY + CRM_MS_PER_DAY;
          return TRUE;
        }
      if (parse_relative (text, now, out_ms))
        return TRUE;
      if (crm_time_parse (text, out_ms) && *out_ms > 0)
        return TRUE;
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               _("%s: «%s» is not a date; write it as 2026-03-02, 2026-03-02T10:00:00Z or +3d"),
               option, text != NULL ? text : "");
  return FALSE;
}

char *
crm_cli_resolve (CrmCli      *cli,
                 const char  *entity,
                 const char  *name_or_id,
                 const char  *scope,
                 GError     **error)
{
  return crm_query_resolve (cli->store, entity, name_or_id, scope, error);
}

/* ---- output ---- */

static void
write_stdout (const char *text)
{
  /* JSON is UTF-8 whatever the locale says, so bypass g_print's conversion. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
crm_cli_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  write_stdout (text);
}

void
crm_cli_print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  crm_cli_print_json (node);
}

static void
append_padded (GString    *out,
               const char *text,
               guint       width)
{
  glong len = g_utf8_strlen (text, -1);

  g_string_append (out, text);
  for (glong i = len; i < (glong) width; i++)
    g_string_append_c (out, ' ');
}

void
crm_cli_print_table (const char * const *header,
                     GPtrArray          *rows)
{
  g_autoptr(GArray) widths = g_array_new (FALSE, TRUE, sizeof (guint));
  g_autoptr(GString) out = g_string_new (NULL);
  guint n_columns = header != NULL ? g_strv_length ((char **) header) : 0;

  for (guint r = 0; r < rows->len; r++)
    n_columns = MAX (n_columns, g_strv_length (g_ptr_array_index (rows, r)));
  g_array_set_size (widths, n_columns);

  for (int pass = header != NULL ? -1 : 0; pass < (int) rows->len; pass++)
    {
      const char * const *row = pass < 0 ? header : g_ptr_array_index (rows, pass);

      for (guint c = 0; row[c] != NULL; c++)
        g_array_index (widths, guint, c) = MAX (g_array_index (widths, guint, c),
                                                (guint) g_utf8_strlen (row[c], -1));
    }

  for (int pass = header != NULL ? -1 : 0; pass < (int) rows->len; pass++)
    {
      const char * const *row = pass < 0 ? header : g_ptr_array_index (rows, pass);
      guint n = g_strv_length ((char **) row);

      /* no padding after the last non-empty cell */
      while (n > 1 && *row[n - 1] == '\0')
        n--;
      for (guint c = 0; c < n; c++)
        {
          if (c + 1 < n)
            {
              append_padded (out, row[c], g_array_index (widths, guint, c));
              g_string_append (out, "  ");
            }
          else
            {
              g_string_append (out, row[c]);
            }
        }
      g_string_append_c (out, '\n');
    }
  g_print ("%s", out->str);
}

/* Prints [{"id","name",…}] as a table of @members. */
void
crm_cli_print_list (JsonNode           *list,
                    const char * const *header,
                    const char * const *members)
{
  JsonArray *array = json_node_get_array (list);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint n = g_strv_length ((char **) members);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, n + 1);

      for (guint c = 0; c < n; c++)
        row[c] = g_str_equal (members[c], "id")
                 ? crm_cli_display_id (crm_cli_str (object, "id", ""))
                 : g_strdup (crm_cli_str (object, members[c], ""));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
}

void
crm_cli_print_pair (const char *label,
                    const char *value,
                    guint       width)
{
  g_autoptr(GString) out = g_string_new ("  ");

  append_padded (out, label, width);
  g_string_append (out, "  ");
  g_string_append (out, value != NULL ? value : "—");
  g_print ("%s\n", out->str);
}

const char *
crm_cli_str (JsonObject *object,
             const char *member,
             const char *fallback)
{
  return crm_json_string_or (object, member, fallback);
}

char *
crm_cli_join_array (JsonObject *object,
                    const char *member)
{
  g_autoptr(GString) out = g_string_new (NULL);
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup ("");
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element))
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (json_node_get_value_type (element) == G_TYPE_STRING)
        g_string_append (out, json_node_get_string (element));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* UUIDv7 ids made in the same millisecond share their leading characters, so a short
 * prefix would not tell rows apart: ids are shown whole. */
char *
crm_cli_display_id (const char *id)
{
  return g_strdup (id != NULL ? id : "");
}
