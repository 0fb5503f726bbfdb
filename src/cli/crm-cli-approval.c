/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-approval.c — `approval list|show|request|approve|reject`, the brands'
 * discounts (`approval discounts`, `approval discount`), the registry of their changes
 * and the approval settings (issue 16: S3-9, S3-10). Everything is decided in core
 * (crm-approval.c); this file parses and prints. */
#define G_LOG_DOMAIN "voronka-cli"

#include "config.h"

#include <stdio.h>

#include "crm-approval.h"
#include "crm-cli.h"
#include "crm-report.h"
#include "crm-report-export.h"

static gboolean
need_actor (CrmCli  *cli,
            GError **error)
{
  if (cli->actor_id != NULL)
    return TRUE;
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("This replica has no user to act as; give one with --as"));
  return FALSE;
}

gboolean
crm_cli_add_discounts (CrmCli      *cli,
                       JsonObject  *object,
                       const char  *entity,
                       const char  *entity_id,
                       GError     **error)
{
  JsonNode *discounts = crm_approval_discounts_for (cli->store, entity, entity_id, error);

  if (discounts == NULL)
    return FALSE;
  json_object_set_member (object, "discounts", discounts);
  return TRUE;
}

char *
crm_cli_discounts_text (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "discounts");
  JsonArray *discounts = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                      : NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; discounts != NULL && i < json_array_get_length (discounts); i++)
    {
      JsonObject *item = json_array_get_object_element (discounts, i);
      JsonNode *discount = json_object_get_member (item, "discount");

      if (discount == NULL || !JSON_NODE_HOLDS_VALUE (discount))
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: a brand's discount in a deal or company: the brand, the percent */
      g_string_append_printf (text, _("%s %lld %%"), crm_cli_str (item, "brand", ""),
                              (long long) json_node_get_int (discount));
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* An approval by its id or the first characters of it (at least 8, as tables show). */
static char *
resolve_approval (CrmCli      *cli,
                  const char  *text,
                  GError     **error)
{
  g_autoptr(JsonNode) list = NULL;
  JsonArray *array;
  char *found = NULL;

  list = crm_approval_list (cli->store, NULL, error);
  if (list == NULL)
    return NULL;
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *id = crm_cli_str (json_array_get_object_element (array, i), "id", "");

      if (g_str_equal (id, text) || (strlen (text) >= 8 && g_str_has_prefix (id, text)))
        {
          if (found != NULL)
            {
              g_free (found);
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("“%s” is the start of more than one approval's id; give more of it"),
                           text);
              return NULL;
            }
          found = g_strdup (id);
        }
    }
  if (found == NULL)
    g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                 _("No approval with id %s; “approval list” shows them"), text);
  return found;
}

static char *
subject_text (JsonObject *item)
{
  if (g_strcmp0 (crm_cli_str (item, "kind", ""), "discount") == 0)
    {
      JsonNode *old = json_object_get_member (item, "old_discount");

      if (old != NULL && JSON_NODE_HOLDS_VALUE (old))
        /* Translators: a discount request: brand, the discount before → asked */
        return g_strdup_printf (_("%s: %lld %% → %lld %%"), crm_cli_str (item, "brand", ""),
                                (long long) json_node_get_int (old),
                                (long long) json_object_get_int_member_with_default (item, "discount", 0));
      return g_strdup_printf (_("%s: → %lld %%"), crm_cli_str (item, "brand", ""),
                              (long long) json_object_get_int_member_with_default (item, "discount", 0));
    }
  /* Translators: an invoice request: the deal's title, the invoice type, the amount */
  return g_strdup_printf (_("«%s»: %s, %s"), crm_cli_str (item, "deal_title", ""),
                          crm_cli_str (item, "invoice_type", ""), crm_cli_str (item, "amount", ""));
}

static const char *
status_text (const char *status)
{
  if (g_strcmp0 (status, "approved") == 0)
    return _("approved");
  if (g_strcmp0 (status, "applied") == 0)
    return _("approved and applied");
  if (g_strcmp0 (status, "rejected") == 0)
    return _("rejected");
  return _("waiting");
}

static const char *
kind_text (const char *kind)
{
  return g_strcmp0 (kind, "discount") == 0 ? _("discount") : _("invoice");
}

gboolean
crm_cli_approval_list (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  gboolean mine = FALSE, to_decide = FALSE;
  g_autofree char *deal = NULL;
  g_autofree char *kind = NULL;
  const GOptionEntry entries[] = {
    { "mine", 0, 0, G_OPTION_ARG_NONE, &mine, N_("Only the requests the acting user made"), NULL },
    { "to-decide", 0, 0, G_OPTION_ARG_NONE, &to_decide,
      N_("Only the requests waiting for the acting user's decision"), NULL },
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("Only the approvals of this deal"), N_("ID") },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("Only discounts or only invoices"),
      N_("discount|invoice") },
    { NULL }
  };
  const char *header[] = { _("ID"), _("KIND"), _("STATUS"), _("WHAT"), _("REQUESTED BY"),
                           _("WAITS FOR"), _("CREATED"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *deal_id = NULL;
  CrmApprovalFilter filter = { CRM_APPROVAL_LIST_ALL, NULL, NULL, NULL };
  JsonArray *array;

  if (!crm_cli_parse (cli, "approval list", "",
                      _("List approval requests, newest first: discounts per brand and "
                        "invoices, with their chain of approvers. With --json: [{\"id\", "
                        "\"kind\", \"status\" (pending|approved|applied|rejected), \"deal\", "
                        "\"deal_title\", \"brand\", \"discount\", \"old_discount\", \"amount\", "
                        "\"invoice_type\", \"comment\", \"requested_by\", \"approver\", \"step\", "
                        "\"steps\": [{\"approver\", \"role\", \"decision\", \"decided_by\", "
                        "\"decided_at\", \"comment\"}], \"files\", \"created_at\", "
                        "\"applied_at\"}]."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (mine && to_decide)
    return crm_cli_usage_error (error, _("--mine and --to-decide cannot be used together"));
  if (kind != NULL && !g_str_equal (kind, "discount") && !g_str_equal (kind, "invoice"))
    return crm_cli_usage_error (error, _("--kind is discount or invoice, not “%s”"), kind);
  if (!crm_cli_open (cli, error))
    return FALSE;
  if ((mine || to_decide) && !need_actor (cli, error))
    return FALSE;
  if (deal != NULL && (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  filter.scope = mine ? CRM_APPROVAL_LIST_MINE
                      : to_decide ? CRM_APPROVAL_LIST_TO_DECIDE : CRM_APPROVAL_LIST_ALL;
  filter.user_id = cli->actor_id;
  filter.kind = kind;
  filter.deal_id = deal_id;
  list = crm_approval_list (cli->store, &filter, error);
  if (list == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 8);

      row[0] = crm_cli_display_id (crm_cli_str (item, "id", ""));
      row[1] = g_strdup (kind_text (crm_cli_str (item, "kind", "")));
      row[2] = g_strdup (status_text (crm_cli_str (item, "status", "")));
      row[3] = subject_text (item);
      row[4] = g_strdup (crm_cli_str (item, "requested_by", ""));
      row[5] = g_strdup (crm_cli_str (item, "approver", "—"));
      row[6] = g_strdup (crm_cli_str (item, "created_at", ""));
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", to_decide ? _("Nothing waits for your decision.") : _("No approvals."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}

static void
print_sheet (JsonObject *item)
{
  JsonArray *steps = json_object_get_array_member (item, "steps");
  JsonArray *files = json_object_get_array_member (item, "files");
  g_autofree char *subject = subject_text (item);

  crm_cli_print_pair (_("Approval"), crm_cli_str (item, "id", ""), 16);
  crm_cli_print_pair (_("Kind"), kind_text (crm_cli_str (item, "kind", "")), 16);
  crm_cli_print_pair (_("What"), subject, 16);
  crm_cli_print_pair (_("Status"), status_text (crm_cli_str (item, "status", "")), 16);
  crm_cli_print_pair (_("Requested by"), crm_cli_str (item, "requested_by", ""), 16);
  crm_cli_print_pair (_("Requested at"), crm_cli_str (item, "created_at", ""), 16);
  if (crm_cli_str (item, "comment", NULL) != NULL)
    crm_cli_print_pair (_("Reason"), crm_cli_str (item, "comment", ""), 16);
  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
    crm_cli_print_pair (_("File"), crm_cli_str (json_array_get_object_element (files, i), "name", ""),
                        16);
  g_print ("\n%s\n", _("Approval sheet:"));
  if (steps == NULL || json_array_get_length (steps) == 0)
    g_print ("  %s\n", _("(nobody needed to decide)"));
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      const char *decision = crm_cli_str (step, "decision", NULL);

      if (decision == NULL)
        g_print ("  %u. %s — %s\n", i + 1, crm_cli_str (step, "approver", ""), _("waiting"));
      else
        g_print ("  %u. %s — %s %s, %s%s%s\n", i + 1, crm_cli_str (step, "approver", ""),
                 g_str_equal (decision, "approved") ? _("approved") : _("rejected"),
                 crm_cli_str (step, "decided_at", ""), crm_cli_str (step, "decided_by", ""),
                 crm_cli_str (step, "comment", NULL) != NULL ? ": " : "",
                 crm_cli_str (step, "comment", ""));
    }
}

gboolean
crm_cli_approval_show (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(JsonObject) item = NULL;
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, "approval show", "ID",
                      _("Show one approval request with its approval sheet: who decided each "
                        "step, when, with which comment. With --json: the request in the shape "
                        "of “approval list”."),
                      entries, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  id = resolve_approval (cli, argv[1], error);
  if (id == NULL || (item = crm_approval_get (cli->store, id, error)) == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (item);
  else
    print_sheet (item);
  return TRUE;
}

static gboolean
parse_percent (const char  *text,
               const char  *option,
               gint        *out,
               GError     **error)
{
  gint64 value;
  g_autofree char *trimmed = g_strstrip (g_strdup (text));

  if (g_str_has_suffix (trimmed, "%"))
    trimmed[strlen (trimmed) - 1] = '\0';
  if (!g_ascii_string_to_signed (g_strstrip (trimmed), 10, 0, 100, &value, NULL))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("%s takes a whole percent from 0 to 100, not “%s”"), option, text);
      return FALSE;
    }
  *out = (gint) value;
  return TRUE;
}

static gboolean
print_one (CrmCli      *cli,
           const char  *id,
           const char  *done_message,
           GError     **error)
{
  g_autoptr(JsonObject) item = crm_approval_get (cli->store, id, error);

  if (item == NULL)
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (item);
  else
    {
      g_print ("%s\n\n", done_message);
      print_sheet (item);
    }
  return TRUE;
}

gboolean
crm_cli_approval_request (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  g_autofree char *kind = NULL;
  g_autofree char *deal = NULL;
  g_autofree char *brand = NULL;
  g_autofree char *discount = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *invoice_type = NULL;
  g_autofree char *number = NULL;
  g_auto(GStrv) files = NULL;
  const GOptionEntry entries[] = {
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("What to approve"), N_("discount|invoice") },
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal,
      N_("The deal (invoices: required; discounts: the deal it is for, optional)"), N_("ID") },
    { "brand", 0, 0, G_OPTION_ARG_STRING, &brand, N_("Discounts: the brand (a brand tag)"), N_("B") },
    { "discount", 0, 0, G_OPTION_ARG_STRING, &discount,
      N_("Discounts: the new discount of the brand, a whole percent"), N_("PERCENT") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why (required for a discount; kept in the registry)"), N_("TEXT") },
    { "comment", 0, 0, G_OPTION_ARG_STRING, &comment, N_("The same as --reason"), N_("TEXT") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount,
      N_("Invoices: the invoice's amount (default: the deal's amount)"), N_("A") },
    { "invoice-type", 0, 0, G_OPTION_ARG_STRING, &invoice_type,
      N_("Invoices: the invoice's type (default: the deal's field invoice_type)"), N_("T") },
    { "number", 0, 0, G_OPTION_ARG_STRING, &number, N_("Invoices: the invoice's number"), N_("N") },
    { "file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files,
      N_("A file to attach to the request (repeat for more)"), N_("FILE") },
    { NULL }
  };
  CrmApprovalRequest request = { 0 };
  g_autofree char *deal_id = NULL;
  g_autofree char *brand_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;

  if (!crm_cli_parse (cli, "approval request", "",
                      _("Ask for an approval. A discount (--brand, --discount, --reason, "
                        "--file…) goes to the approvers its size calls for; an invoice "
                        "(--deal, --amount, --invoice-type) to the chain its amount, type and "
                        "your position call for, and once approved becomes a task for the "
                        "accountant. With --json: the request in the shape of “approval "
                        "list”."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (kind, "--kind", error))
    return FALSE;
  if (!g_str_equal (kind, "discount") && !g_str_equal (kind, "invoice"))
    return crm_cli_usage_error (error, _("--kind is discount or invoice, not “%s”"), kind);
  if (g_str_equal (kind, "discount") &&
      (!crm_cli_require (brand, "--brand", error) || !crm_cli_require (discount, "--discount", error)))
    return FALSE;
  if (g_str_equal (kind, "invoice") && !crm_cli_require (deal, "--deal", error))
    return FALSE;
  if (!crm_cli_open (cli, error) || !need_actor (cli, error))
    return FALSE;

  request.kind = kind;
  request.amount = -1;
  if (deal != NULL && (deal_id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  if (brand != NULL && (brand_id = crm_cli_resolve (cli, "tag", brand, NULL, error)) == NULL)
    return FALSE;
  if (discount != NULL && !parse_percent (discount, "--discount", &request.discount, error))
    return FALSE;
  if (amount != NULL && !crm_cli_parse_money (amount, "--amount", &request.amount, error))
    return FALSE;
  request.deal_id = deal_id;
  request.brand_id = brand_id;
  request.invoice_type = invoice_type;
  request.number = number;
  request.comment = reason != NULL ? reason : comment;
  request.files = (const char * const *) files;
  id = crm_approval_request (cli->store, cli->actor_id, &request, error);
  if (id == NULL)
    return FALSE;
  message = g_strdup_printf (_("Requested approval %s"), id);
  return print_one (cli, id, message, error);
}

static gboolean
decide (CrmCli    *cli,
        int        argc,
        char     **argv,
        gboolean   approve,
        GError   **error)
{
  g_autofree char *comment = NULL;
  const GOptionEntry entries[] = {
    { "comment", 0, 0, G_OPTION_ARG_STRING, &comment,
      approve ? N_("A comment for the approval sheet") : N_("Why (required: it goes back to the author)"),
      N_("C") },
    { NULL }
  };
  g_autofree char *id = NULL;

  if (!crm_cli_parse (cli, approve ? "approval approve" : "approval reject", "ID",
                      approve
                      ? _("Approve the step of an approval that waits for you; the request goes "
                          "to the next approver, or is done (a discount is applied to its brand, "
                          "an invoice becomes a task for the accountant). Works offline; if "
                          "another device decided the same step first, the server keeps that "
                          "decision and “conflicts” says so. With --json: the request.")
                      : _("Reject an approval that waits for you, with a comment; it goes back "
                          "to its author. With --json: the request."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (!approve && (comment == NULL || *g_strstrip (comment) == '\0'))
    return crm_cli_usage_error (error, _("A rejection needs --comment: it tells the author why"));
  if (!crm_cli_open (cli, error) || !need_actor (cli, error))
    return FALSE;
  id = resolve_approval (cli, argv[1], error);
  if (id == NULL ||
      !crm_approval_decide (cli->store, cli->actor_id, id, approve, comment, error))
    return FALSE;
  return print_one (cli, id, approve ? _("Approved.") : _("Rejected."), error);
}

gboolean
crm_cli_approval_approve (CrmCli   *cli,
                          int       argc,
                          char    **argv,
                          GError  **error)
{
  return decide (cli, argc, argv, TRUE, error);
}

gboolean
crm_cli_approval_reject (CrmCli   *cli,
                         int       argc,
                         char    **argv,
                         GError  **error)
{
  return decide (cli, argc, argv, FALSE, error);
}

gboolean
crm_cli_approval_discounts (CrmCli   *cli,
                            int       argc,
                            char    **argv,
                            GError  **error)
{
  g_autofree char *deal = NULL;
  g_autofree char *company = NULL;
  const GOptionEntry entries[] = {
    { "deal", 0, 0, G_OPTION_ARG_STRING, &deal, N_("The discounts of this deal's brands"), N_("ID") },
    { "company", 0, 0, G_OPTION_ARG_STRING, &company,
      N_("The discounts of the brands of this company's deals"), N_("C") },
    { NULL }
  };
  const char *header[] = { _("BRAND"), _("DISCOUNT"), NULL };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *id = NULL;
  JsonArray *array;

  if (!crm_cli_parse (cli, "approval discounts", "",
                      _("The reference list of discounts per brand, or the discounts a deal or "
                        "a company gets from its brands. With --json: [{\"brand\", "
                        "\"brand_id\", \"discount\"}] (discount null: none set)."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (deal != NULL && company != NULL)
    return crm_cli_usage_error (error, _("--deal and --company cannot be used together"));
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (deal != NULL && (id = crm_cli_resolve (cli, "deal", deal, NULL, error)) == NULL)
    return FALSE;
  if (company != NULL && (id = crm_cli_resolve (cli, "company", company, NULL, error)) == NULL)
    return FALSE;
  list = id != NULL ? crm_approval_discounts_for (cli->store, deal ? "deal" : "company", id, error)
                    : crm_approval_discounts (cli->store, error);
  if (list == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (list);
      return TRUE;
    }
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);
      JsonNode *value = json_object_get_member (item, "discount");
      char **row = g_new0 (char *, 3);

      row[0] = g_strdup (crm_cli_str (item, "brand", ""));
      row[1] = value != NULL && JSON_NODE_HOLDS_VALUE (value)
               ? g_strdup_printf ("%lld %%", (long long) json_node_get_int (value))
               : g_strdup ("—");
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    g_print ("%s\n", _("No brands."));
  else
    crm_cli_print_table (header, rows);
  return TRUE;
}

gboolean
crm_cli_approval_discount (CrmCli   *cli,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autofree char *reason = NULL;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why (kept in the registry)"), N_("TEXT") },
    { NULL }
  };
  g_autofree char *brand_id = NULL;
  gint percent = 0;

  if (!crm_cli_parse (cli, "approval discount", _("BRAND PERCENT"),
                      _("Change a brand's discount directly (administrators; anyone else "
                        "requests it with “approval request --kind discount”). The change is "
                        "kept in the registry. With --json: the brands' discounts as "
                        "“approval discounts” prints them."),
                      entries, &argc, &argv, 2, error) ||
      !crm_cli_open (cli, error) || !need_actor (cli, error))
    return FALSE;
  if ((brand_id = crm_cli_resolve (cli, "tag", argv[1], NULL, error)) == NULL ||
      !parse_percent (argv[2], _("The discount"), &percent, error) ||
      !crm_approval_set_discount (cli->store, cli->actor_id, brand_id, percent, reason, error))
    return FALSE;
  if (cli->json)
    {
      g_autoptr(JsonNode) list = crm_approval_discounts (cli->store, error);

      if (list == NULL)
        return FALSE;
      crm_cli_print_json (list);
    }
  else
    g_print (_("The discount of %s is now %d %%\n"), argv[1], percent);
  return TRUE;
}

gboolean
crm_cli_approval_registry (CrmCli   *cli,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autofree char *out = NULL;
  gboolean csv = FALSE;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV (a header row of the column labels)"), NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("Save the registry to FILE: .csv or .xlsx"), N_("FILE") },
    { NULL }
  };
  g_autoptr(JsonNode) report = NULL;
  CrmReportFormat format = CRM_REPORT_FORMAT_CSV;
  JsonArray *rows;

  if (!crm_cli_parse (cli, "approval registry", "",
                      _("The registry of discount changes, oldest first: every request, "
                        "approval, rejection and applied change, who made it, when and why. "
                        "With --json: {\"report\", \"title\", \"columns\": [{\"key\", \"label\", "
                        "\"type\"}], \"rows\": [{\"when\", \"brand\", \"event\", \"who\", "
                        "\"old_discount\", \"discount\", \"text\", \"status\", \"approval\"}]}."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (csv && cli->json)
    return crm_cli_usage_error (error, _("--csv and --json cannot be used together"));
  if (out != NULL && (csv || cli->json))
    return crm_cli_usage_error (error, _("--out saves the registry in the format its name ends "
                                         "with; leave out --csv and --json"));
  if (out != NULL && !crm_report_format_for_path (out, &format, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;
  report = crm_approval_registry (cli->store, error);
  if (report == NULL)
    return FALSE;
  if (out != NULL)
    {
      if (!crm_report_export (report, format, out, error))
        return FALSE;
      g_print (_("Saved to %s\n"), out);
      return TRUE;
    }
  if (cli->json)
    {
      crm_cli_print_json (report);
      return TRUE;
    }
  if (csv)
    {
      g_autofree char *text = crm_report_to_csv (report);

      fputs (text, stdout);
      return TRUE;
    }
  rows = json_object_get_array_member (json_node_get_object (report), "rows");
  if (json_array_get_length (rows) == 0)
    {
      g_print ("%s\n", _("No discount changes yet."));
      return TRUE;
    }
  {
    const char *header[] = { _("WHEN"), _("BRAND"), _("EVENT"), _("WHO"), _("BEFORE"),
                             _("ASKED"), _("WHY"), NULL };
    g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    for (guint i = 0; i < json_array_get_length (rows); i++)
      {
        JsonObject *row = json_array_get_object_element (rows, i);
        char **cells = g_new0 (char *, 8);

        cells[0] = g_strdup (crm_cli_str (row, "when", ""));
        cells[1] = g_strdup (crm_cli_str (row, "brand", ""));
        cells[2] = g_strdup (crm_cli_str (row, "event", ""));
        cells[3] = g_strdup (crm_cli_str (row, "who", ""));
        cells[4] = crm_report_format_value (json_object_get_member (row, "old_discount"), "percent");
        cells[5] = crm_report_format_value (json_object_get_member (row, "discount"), "percent");
        cells[6] = g_strdup (crm_cli_str (row, "text", ""));
        g_ptr_array_add (table, cells);
      }
    crm_cli_print_table (header, table);
  }
  return TRUE;
}

gboolean
crm_cli_approval_settings (CrmCli   *cli,
                           int       argc,
                           char    **argv,
                           GError  **error)
{
  g_autofree char *file = NULL;
  const GOptionEntry entries[] = {
    { "set", 0, 0, G_OPTION_ARG_FILENAME, &file,
      N_("Replace the settings with the JSON object in FILE (administrators)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(JsonObject) settings = NULL;

  if (!crm_cli_parse (cli, "approval settings", "",
                      _("Show (or with --set, replace) who approves what: {\"discount\": "
                        "[{\"approver\": \"head\"}, {\"approver\": \"director\", \"over\": 15}], "
                        "\"invoice\": [{\"approver\": \"manager\", \"over\": \"100000.00\"}, …], "
                        "\"director\": NAME, \"accountant\": NAME}. An approver is manager (the "
                        "deal's responsible), head (of the author's group), director or a "
                        "user's name; \"over\" a percent (discounts) or an amount (invoices); "
                        "\"types\" invoice types."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  if (file != NULL)
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) parse_error = NULL;

      if (!need_actor (cli, error))
        return FALSE;
      if (!g_file_get_contents (file, &text, NULL, &parse_error) ||
          (node = json_from_string (text, &parse_error)) == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("Could not read the settings from «%s»: %s"), file,
                       parse_error ? parse_error->message : _("the file is empty"));
          return FALSE;
        }
      if (!crm_approval_set_settings (cli->store, cli->actor_id, node, error))
        return FALSE;
    }
  settings = crm_approval_dup_settings (cli->store);
  crm_cli_print_json_object (settings);
  return TRUE;
}
