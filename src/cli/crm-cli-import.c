/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-import.c — `import contacts|companies|deals FILE`: moving in from CSV and XLSX (amoCRM's
 * and Bitrix24's exports included), all or nothing (crm-import.c). */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "crm-account.h"
#include "crm-cli.h"
#include "crm-export.h"
#include "crm-import.h"
#include "crm-json.h"
#include "crm-query.h"
#include "crm-rights.h"
#include "crm-report-export.h"
#include "crm-xlsx-import.h"

static void
print_errors (JsonObject *report)
{
  JsonArray *errors = json_object_has_member (report, "errors")
                      ? json_object_get_array_member (report, "errors") : NULL;
  gint64 count = json_object_get_int_member_with_default (report, "error_count", 0);

  for (guint i = 0; errors != NULL && i < json_array_get_length (errors); i++)
    {
      JsonObject *entry = json_array_get_object_element (errors, i);

      /* Translators: one wrong row of an imported file: "line 12: «8-900» is not a phone number" */
      g_printerr (_("line %lld: %s\n"), (long long) json_object_get_int_member (entry, "line"),
                  json_object_get_string_member (entry, "message"));
    }
  if (errors != NULL && count > (gint64) json_array_get_length (errors))
    g_printerr (_("… and %lld more\n"), (long long) (count - json_array_get_length (errors)));
}

static void
print_columns (JsonObject *report)
{
  JsonObject *columns = json_object_has_member (report, "columns")
                        ? json_object_get_object_member (report, "columns") : NULL;
  g_autoptr(GList) headers = columns != NULL ? json_object_get_members (columns) : NULL;

  for (GList *l = headers; l != NULL; l = l->next)
    if (json_object_get_null_member (columns, l->data))
      /* Translators: a column of an imported file no field takes */
      g_print (_("Column «%s» ignored\n"), (const char *) l->data);
}

/* `import account FILE.json`: a whole account (crm-account.h) into a new one. */
static gboolean
import_account (CrmCli      *cli,
                const char  *path,
                GError     **error)
{
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GStatBuf st;
  JsonObject *entities;
  g_autoptr(GList) names = NULL;
  gint64 total = 0;

  if (g_stat (path, &st) == 0 && (guint64) st.st_size > CRM_ACCOUNT_MAX_BYTES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The account file is larger than %u MB; it is not one `export account` "
                     "wrote"), (guint) (CRM_ACCOUNT_MAX_BYTES / 1048576));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) || !g_file_get_contents (path, &data, &length, error))
    return FALSE;
  if (!crm_account_import_bytes (cli->store, data, length, cli->actor_id, &report, error))
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (report);
      return TRUE;
    }
  entities = json_object_get_object_member (json_node_get_object (report), "entities");
  names = json_object_get_members (entities);
  for (GList *l = names; l != NULL; l = l->next)
    total += json_object_get_int_member (entities, l->data);
  g_print (g_dngettext (GETTEXT_PACKAGE, "%lld record imported from %s\n",
                        "%lld records imported from %s\n", total), (long long) total, path);
  for (GList *l = names; l != NULL; l = l->next)
    /* Translators: one line per kind of record imported, e.g. "  deal: 327" */
    g_print (_("  %s: %lld\n"), (const char *) l->data,
             (long long) json_object_get_int_member (entities, l->data));
  return TRUE;
}

/* An import's progress on a terminal: one line, written over (called from the import). */
static void
terminal_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  g_printerr ("\r");
  /* Translators: an import's progress on a terminal, e.g. "Importing… 45 %" */
  g_printerr (_("Importing… %lld %%"),
              (long long) (total > 0 ? (guint64) done * 100 / total : 100));
}

/* What `export … --json` prints: {"file", "entity", "format", "rows"}. */
static void
print_export_json (const char *out,
                   const char *entity,
                   const char *format,
                   gint64      rows)
{
  g_autoptr(JsonObject) summary = json_object_new ();

  json_object_set_string_member (summary, "file", out);
  json_object_set_string_member (summary, "entity", entity);
  json_object_set_string_member (summary, "format", format);
  json_object_set_int_member (summary, "rows", rows);
  crm_cli_print_json_object (summary);
}

/* `export account --out FILE.json` */
static gboolean
export_account (CrmCli      *cli,
                const char  *out,
                GError     **error)
{
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *entities;
  g_autoptr(GList) names = NULL;
  gint64 total = 0;

  if (!crm_cli_open (cli, error) ||
      !crm_rights_check_export_all (cli->store, cli->actor_id, error) ||
      (document = crm_account_export (cli->store, error)) == NULL)
    return FALSE;
  json_generator_set_root (generator, document);
  if (!json_generator_to_file (generator, out, error))
    return FALSE;
  entities = json_object_get_object_member (json_node_get_object (document), "entities");
  names = json_object_get_members (entities);
  for (GList *l = names; l != NULL; l = l->next)
    total += json_array_get_length (json_object_get_array_member (entities, l->data));
  if (cli->json)
    print_export_json (out, "account", "json", total);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "%lld record written to %s\n",
                          "%lld records written to %s\n", total), (long long) total, out);
  return TRUE;
}

gboolean
crm_cli_import (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *format = NULL;
  g_auto(GStrv) maps = NULL;
  g_autoptr(JsonObject) mapping = json_object_new ();
  gboolean dry_run = FALSE;
  const GOptionEntry entries[] = {
    { "map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &maps, N_("Fill FIELD from the column HEADER (a custom field's key or label too); HEADER= ignores the column (repeat it)"), N_("HEADER=FIELD") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("csv, xlsx, amocrm or bitrix24 (their CSV or XLSX exports; the column names tell the fields); default: by the content"), N_("F") },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Check every row and write nothing"), NULL },
    { NULL }
  };
  static const struct { const char *word; const char *entity; } kinds[] = {
    { "contacts", "contact" }, { "companies", "company" }, { "deals", "deal" },
  };
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(GError) import_error = NULL;
  g_autofree char *data = NULL;
  CrmImportOptions options = { 0 };
  gsize length = 0;
  gint64 created;

  if (!crm_cli_parse (cli, "import", _("contacts|companies|deals|account FILE"),
                      _("Import an XLSX table (its first sheet) or a CSV file (UTF-8 or "
                        "Windows-1251, comma, semicolon or tab), amoCRM's and Bitrix24's "
                        "exports included: a header row, columns by "
                        "field key or name (name, phone, email, company; title, pipeline, stage, "
                        "amount, tags for deals; or the Russian names amoCRM and Bitrix24 "
                        "write). All or nothing: one bad row and nothing is written. "
                        "“import account FILE.json” brings a whole account `export account` "
                        "wrote into a new one (no contacts, companies or deals yet), its "
                        "rules off while the records go in. With "
                        "--json: {\"entity\", \"rows\", \"created\", \"dry_run\", "
                        "\"columns\", \"errors\": [{\"line\", \"message\"}], \"error_count\"}."),
                      entries, &argc, &argv, 2, error))
    return FALSE;
  if (g_str_equal (argv[1], "account"))
    {
      if (format != NULL || maps != NULL || dry_run)
        return crm_cli_usage_error (error, _("import account takes the file alone (no --format, "
                                             "--map or --dry-run)"));
      return import_account (cli, argv[2], error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (argv[1], kinds[i].word))
      options.entity = kinds[i].entity;
  if (options.entity == NULL)
    return crm_cli_usage_error (error, _("Import contacts, companies, deals or account, not “%s”"),
                                argv[1]);
  if (format != NULL && !g_str_equal (format, "csv") && !g_str_equal (format, "xlsx") &&
      !g_str_equal (format, "amocrm") && !g_str_equal (format, "bitrix24"))
    return crm_cli_usage_error (error, _("--format: csv, xlsx, amocrm or bitrix24, not “%s”"),
                                format);
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (!g_file_get_contents (argv[2], &data, &length, error))
    return FALSE;

  for (guint i = 0; maps != NULL && maps[i] != NULL; i++)
    {
      const char *equals = strchr (maps[i], '=');
      g_autofree char *header = NULL;

      if (equals == NULL || equals == maps[i])
        return crm_cli_usage_error (error, _("--map: write HEADER=FIELD (or HEADER= to ignore "
                                             "the column), not “%s”"), maps[i]);
      header = g_strndup (maps[i], equals - maps[i]);
      if (equals[1] == '\0')
        json_object_set_null_member (mapping, header);
      else
        json_object_set_string_member (mapping, header, equals + 1);
    }
  /* a connection of this one import: room for its one change set */
  if (!crm_store_set_memory_limits (cli->store, CRM_IMPORT_CACHE_KIB, 256 * 1024 * 1024, error))
    return FALSE;
  options.mapping = mapping;
  options.dry_run = dry_run;
  options.actor_id = cli->actor_id;
  /* on a terminal, how far it got, on one line of standard error */
  if (isatty (STDERR_FILENO))
    options.progress = terminal_progress;
  /* an XLSX file is a zip: told by its first bytes, whatever its name or --format */
  if (crm_xlsx_is_zip (data, length) || g_strcmp0 (format, "xlsx") == 0)
    crm_import_xlsx (cli->store, &options, data, length, &report, &import_error);
  else
    crm_import_csv (cli->store, &options, data, length, &report, &import_error);
  if (options.progress != NULL)
    g_printerr ("\n");

  if (cli->json && report != NULL && import_error == NULL)
    crm_cli_print_json (report);
  else if (report != NULL)
    {
      JsonObject *object = json_node_get_object (report);

      print_columns (object);
      print_errors (object);
      created = json_object_get_int_member_with_default (object, "created", 0);
      if (import_error == NULL && dry_run)
        g_print (g_dngettext (GETTEXT_PACKAGE, "%lld row checked; nothing written (--dry-run)\n",
                              "%lld rows checked; nothing written (--dry-run)\n",
                              json_object_get_int_member (object, "rows")),
                 (long long) json_object_get_int_member (object, "rows"));
      else if (import_error == NULL)
        g_print (g_dngettext (GETTEXT_PACKAGE, "%lld imported\n", "%lld imported\n", created),
                 (long long) created);
    }
  if (import_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&import_error));
      return FALSE;
    }
  return TRUE;
}

/* May the acting user export what @table holds: the deals of each pipeline in it (the
 * `export` right of its pipeline), contacts and companies (the role's default)? */
static gboolean
check_export_rights (CrmCli      *cli,
                     const char  *entity,
                     JsonNode    *table,
                     GError     **error)
{
  JsonArray *rows = json_object_get_array_member (json_node_get_object (table), "rows");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!g_str_equal (entity, "deal"))
    return crm_rights_check_export (cli->store, cli->actor_id, NULL, error);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      const char *name = crm_json_string (json_array_get_object_element (rows, i), "pipeline");
      g_autofree char *id = NULL;

      if (name == NULL || !g_hash_table_add (seen, (gpointer) name))
        continue;
      if ((id = crm_query_resolve (cli->store, "pipeline", name, NULL, error)) == NULL ||
          !crm_rights_check_export (cli->store, cli->actor_id, id, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
crm_cli_export (CrmCli   *cli,
                int       argc,
                char    **argv,
                GError  **error)
{
  g_autofree char *out = NULL;
  g_autofree char *format = NULL;
  g_autofree char *filter = NULL;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("The file to write"), N_("FILE") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, N_("Only the contacts, companies or deals the expression matches (FILTERS in voronkactl(1))"), N_("EXPR") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("csv, xlsx or vcard (contacts); default: by the file name"), N_("F") },
    { NULL }
  };
  static const struct { const char *word; const char *entity; } kinds[] = {
    { "contacts", "contact" }, { "companies", "company" }, { "deals", "deal" },
  };
  const char *entity = NULL;
  g_autoptr(JsonNode) table = NULL;
  CrmReportFormat table_format = CRM_REPORT_FORMAT_CSV;
  gboolean vcard;
  gint64 rows;

  if (!crm_cli_parse (cli, "export", _("contacts|companies|deals|account"),
                      _("Write every contact, company or deal to a file: CSV or XLSX with "
                        "the column names “import” reads back, or contacts as vCard (.vcf). "
                        "“export account --out FILE.json” writes the whole account (set-up, "
                        "records, rules, settings; files by their hash) as JSON, a backup "
                        "“import account” brings into a new account. With --json: {\"file\", "
                        "\"entity\", \"format\", \"rows\"} (for the account, \"rows\" is "
                        "every record written)."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (argv[1], kinds[i].word))
      entity = kinds[i].entity;
  if (entity == NULL && !g_str_equal (argv[1], "account"))
    return crm_cli_usage_error (error, _("Export contacts, companies, deals or account, not “%s”"),
                                argv[1]);
  if (!crm_cli_require (out, "--out", error))
    return FALSE;
  if (entity == NULL && filter != NULL)
    return crm_cli_usage_error (error, _("--filter narrows contacts, companies or deals; the "
                                         "account is exported whole"));
  if (entity == NULL)
    {
      if (format != NULL && !g_str_equal (format, "json"))
        return crm_cli_usage_error (error, _("The account is exported as JSON, not “%s”"), format);
      return export_account (cli, out, error);
    }
  vcard = g_strcmp0 (format, "vcard") == 0 ||
          (format == NULL && (g_str_has_suffix (out, ".vcf") || g_str_has_suffix (out, ".VCF")));
  if (vcard && !g_str_equal (entity, "contact"))
    return crm_cli_usage_error (error, _("Only contacts are exported as vCard"));
  if (vcard && filter != NULL)
    return crm_cli_usage_error (error, _("--filter writes CSV or XLSX; a vCard file takes "
                                         "every contact"));
  if (!vcard)
    {
      if (format != NULL && g_str_equal (format, "xlsx"))
        table_format = CRM_REPORT_FORMAT_XLSX;
      else if (format != NULL && !g_str_equal (format, "csv"))
        return crm_cli_usage_error (error, _("--format: csv, xlsx or vcard, not “%s”"), format);
      else if (format == NULL && !crm_report_format_for_path (out, &table_format, error))
        return FALSE;
      if (table_format == CRM_REPORT_FORMAT_PDF)
        return crm_cli_usage_error (error, _("Lists are exported as CSV, XLSX or vCard, not PDF"));
    }
  if (!crm_cli_open (cli, error))
    return FALSE;

  if (vcard)
    {
      g_autofree char *text = NULL;

      if (!crm_rights_check_export (cli->store, cli->actor_id, NULL, error) ||
          (text = crm_export_vcard (cli->store, error)) == NULL)
        return FALSE;

      if (!g_file_set_contents (out, text, -1, error))
        return FALSE;
      rows = 0;
      for (const char *p = text; (p = strstr (p, "BEGIN:VCARD")) != NULL; p++)
        rows++;
    }
  else
    {
      table = crm_export_table (cli->store, entity, filter, error);
      if (table == NULL || !check_export_rights (cli, entity, table, error) ||
          !crm_report_export (table, table_format, out, error))
        return FALSE;
      rows = json_array_get_length (json_object_get_array_member (json_node_get_object (table),
                                                                  "rows"));
    }
  if (cli->json)
    print_export_json (out, entity, vcard ? "vcard"
                                    : table_format == CRM_REPORT_FORMAT_XLSX ? "xlsx" : "csv",
                       rows);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "%lld written to %s\n", "%lld written to %s\n", rows),
             (long long) rows, out);
  return TRUE;
}
