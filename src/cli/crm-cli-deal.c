/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-deal.c — `deal add|move|set|show|list`: the deals of the pipelines, their
 * stages, tags, contacts and custom fields. Gates (loss reason, required fields…) are
 * the store's business; this file turns names into ids and options into a change set. */
#define G_LOG_DOMAIN "voronka-cli"

#include "crm-cli.h"
#include "crm-filter.h"
#include "crm-mass-deals.h"
#include "crm-query-board.h"
#include "crm-query.h"
#include "crm-time.h"

/* ---- helpers ---- */

static gboolean
resolve_all (CrmCli      *cli,
             const char  *entity,
             GStrv        names,
             GPtrArray   *out_ids,
             GError     **error)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      char *id = crm_cli_resolve (cli, entity, names[i], NULL, error);

      if (id == NULL)
        return FALSE;
      g_ptr_array_add (out_ids, id);
    }
  return TRUE;
}

/* The stage a new deal lands in: the pipeline's unsorted stage, else its first open one. */
static char *
dup_default_stage (CrmCli      *cli,
                   const char  *pipeline_id,
                   GError     **error)
{
  g_autoptr(JsonNode) pipelines = crm_query_pipelines (cli->store, error);
  JsonArray *array;

  if (pipelines == NULL)
    return NULL;
  array = json_node_get_array (pipelines);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *pipeline = json_array_get_object_element (array, i);
      JsonArray *stages = json_object_get_array_member (pipeline, "stages");

      if (!g_str_equal (crm_cli_str (pipeline, "id", ""), pipeline_id))
        continue;
      for (int pass = 0; pass < 2; pass++)
        for (guint j = 0; j < json_array_get_length (stages); j++)
          {
            JsonObject *stage = json_array_get_object_element (stages, j);

            if (g_str_equal (crm_cli_str (stage, "kind", ""), pass == 0 ? "unsorted" : "open"))
              return g_strdup (crm_cli_str (stage, "id", ""));
          }
    }
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
               _("The pipeline has no unsorted or open stage; give one with --stage"));
  return NULL;
}

static char *
dup_stage_kind (CrmCli     *cli,
                const char *stage_id)
{
  g_autoptr(JsonObject) stage = crm_store_dup_entity (cli->store, "stage", stage_id);

  return g_strdup (crm_cli_str (stage, "kind", ""));
}

/* The deal's source is a column, but templates also describe it as a choice field:
 * check the value against it when there is one. */
static gboolean
set_source (CrmCli      *cli,
            CrmChange   *change,
            const char  *source,
            GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *field_id = crm_query_resolve (cli->store, "field", "source", "deal", &local);

  if (field_id == NULL && crm_error_is_storage (local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (field_id != NULL)
    return crm_cli_set_field_value (cli, change, "deal", "source", source, error);
  crm_change_set_string (change, "source", source);
  return TRUE;
}

static void
set_links (CrmChangeset *changeset,
           const char   *kind,
           const char   *end,
           const char   *deal_id,
           GPtrArray    *ids,
           gboolean      present)
{
  for (guint i = 0; i < ids->len; i++)
    crm_changeset_set_link (changeset, kind, "deal", deal_id, end,
                            g_ptr_array_index (ids, i), present);
}

/* The label of a custom field (“Тип оплаты”) for its key, else the key. */
static const char *
field_label (JsonArray  *definitions,
             const char *key)
{
  for (guint i = 0; definitions != NULL && i < json_array_get_length (definitions); i++)
    {
      JsonObject *field = json_array_get_object_element (definitions, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (field, "key", NULL), key) == 0)
        return json_object_get_string_member_with_default (field, "label", key);
    }
  return key;
}

static gboolean
print_deal_human (CrmStore    *store,
                  JsonObject  *deal,
                  gboolean     full,
                  GError     **error)
{
  g_autoptr(JsonArray) definitions = crm_query_fields (store, "deal", error);
  g_autofree char *contacts = crm_cli_join_array (deal, "contacts");
  g_autofree char *tags = crm_cli_join_array (deal, "tags");
  g_autofree char *stage = g_strdup_printf ("%s › %s (%s)", crm_cli_str (deal, "pipeline", "?"),
                                            crm_cli_str (deal, "stage", "?"),
                                            crm_cli_str (deal, "stage_kind", "?"));
  g_autofree char *amount = NULL;
  g_autofree char *number = NULL;
  JsonObject *fields = json_object_get_object_member (deal, "fields");
  g_autoptr(GList) keys = fields != NULL ? json_object_get_members (fields) : NULL;
  guint width = 12;

  if (definitions == NULL)
    return FALSE;
  for (GList *l = keys; l != NULL; l = l->next)
    width = MAX (width, g_utf8_strlen (field_label (definitions, l->data), -1));

  if (crm_cli_str (deal, "amount", NULL) != NULL)
    amount = g_strdup_printf ("%s %s", crm_cli_str (deal, "amount", ""),
                              crm_cli_str (deal, "currency", ""));
  if (json_object_get_member (deal, "number") != NULL &&
      !json_object_get_null_member (deal, "number"))
    number = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (deal, "number"));

  g_print ("%s\n", crm_cli_str (deal, "title", ""));
  crm_cli_print_pair (_("Id"), crm_cli_str (deal, "id", ""), width);
  crm_cli_print_pair (_("Number"), number != NULL ? number : _("pending"), width);
  crm_cli_print_pair (_("Stage"), stage, width);
  crm_cli_print_pair (_("Amount"), amount, width);
  crm_cli_print_pair (_("Responsible"), crm_cli_str (deal, "responsible", NULL), width);
  crm_cli_print_pair (_("Company"), crm_cli_str (deal, "company", NULL), width);
  /* S3-8: the company's fields shown on its deals, as the company has them now */
  for (guint i = 0; json_object_has_member (deal, "company_fields") &&
                    i < json_array_get_length (json_object_get_array_member (deal, "company_fields")); i++)
    {
      JsonObject *field = json_array_get_object_element (
        json_object_get_array_member (deal, "company_fields"), i);
      JsonNode *value = json_object_get_member (field, "value");

      if (value != NULL && JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_STRING)
        crm_cli_print_pair (crm_cli_str (field, "label", ""), json_node_get_string (value), width);
    }
  crm_cli_print_pair (_("Contacts"), *contacts != '\0' ? contacts : NULL, width);
  crm_cli_print_pair (_("Tags"), *tags != '\0' ? tags : NULL, width);
  if (json_object_has_member (deal, "discounts"))
    {
      g_autofree char *discounts = crm_cli_discounts_text (deal);

      /* Translators: the discounts of the deal's brands (S3-9) */
      if (discounts != NULL)
        crm_cli_print_pair (_("Discounts"), discounts, width);
    }
  if (crm_cli_str (deal, "loss_reason", NULL) != NULL)
    crm_cli_print_pair (_("Loss reason"), crm_cli_str (deal, "loss_reason", NULL), width);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (fields, l->data);
      g_autofree char *text = NULL;

      if (JSON_NODE_HOLDS_NULL (value))
        continue;
      if (g_str_equal (l->data, "payer") && json_object_get_member (deal, "payer") != NULL &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (deal, "payer")))
        {
          JsonObject *payer = json_object_get_object_member (deal, "payer");

          /* Translators: a deal's payer: its name and INN */
          text = g_strdup_printf (_("%s (INN %s)"), crm_cli_str (payer, "name", ""),
                                  crm_cli_str (payer, "inn", ""));
        }
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        text = g_strdup (json_node_get_boolean (value) ? _("yes") : _("no"));
      else
        text = json_to_string (value, FALSE);
      crm_cli_print_pair (field_label (definitions, l->data), text, width);
    }
  crm_cli_print_pair (_("Created"), crm_cli_str (deal, "created_at", NULL), width);
  crm_cli_print_pair (_("Updated"), crm_cli_str (deal, "updated_at", NULL), width);

  if (!full)
    return TRUE;

  {
    JsonArray *tasks = json_object_get_array_member (deal, "tasks");
    JsonArray *history = json_object_get_array_member (deal, "history");
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    g_print ("\n%s\n", _("Tasks"));
    for (guint i = 0; tasks != NULL && i < json_array_get_length (tasks); i++)
      {
        JsonObject *task = json_array_get_object_element (tasks, i);
        char **row = g_new0 (char *, 6);

        row[0] = g_strdup (json_object_get_boolean_member_with_default (task, "done", FALSE)
                           ? "  [x]" : "  [ ]");
        row[1] = g_strdup (crm_cli_str (task, "due", "—"));
        row[2] = g_strdup (crm_cli_str (task, "type", ""));
        row[3] = g_strdup (crm_cli_str (task, "text", ""));
        row[4] = g_strdup (crm_cli_str (task, "responsible", ""));
        g_ptr_array_add (rows, row);
      }
    if (rows->len == 0)
      g_print ("  %s\n", _("no tasks"));
    else
      crm_cli_print_table (NULL, rows);

    crm_cli_print_calls (json_object_get_array_member (deal, "calls"));
    g_ptr_array_set_size (rows, 0);
    g_print ("\n%s\n", _("History"));
    for (guint i = 0; history != NULL && i < json_array_get_length (history); i++)
      {
        JsonObject *entry = json_array_get_object_element (history, i);
        JsonObject *op_fields = json_object_get_object_member (entry, "fields");
        g_autoptr(GList) names = op_fields != NULL ? json_object_get_members (op_fields) : NULL;
        g_autoptr(GString) changed = g_string_new (NULL);
        char **row = g_new0 (char *, 6);

        for (GList *l = names; l != NULL; l = l->next)
          g_string_append_printf (changed, "%s%s", changed->len > 0 ? ", " : "",
                                  (const char *) l->data);
        row[0] = g_strdup_printf ("  %s", crm_cli_str (entry, "at", ""));
        row[1] = g_strdup (crm_cli_str (entry, "actor", "—"));
        row[2] = g_strdup (crm_cli_str (entry, "entity", ""));
        row[3] = g_strdup (changed->str);
        row[4] = crm_cli_str (entry, "by_rule", NULL) != NULL
                 ? g_strdup_printf (_("by rule «%s»"), crm_cli_str (entry, "by_rule", ""))
                 : g_strdup ("");
        g_ptr_array_add (rows, row);
      }
    crm_cli_print_table (NULL, rows);
  }
  return TRUE;
}

/* Prints the deal after a change: JSON, or one line for people. */
static gboolean
print_result (CrmCli      *cli,
              const char  *deal_id,
              const char  *what,
              GError     **error)
{
  g_autoptr(JsonObject) deal = crm_query_deal (cli->store, deal_id, error);
  g_autofree char *short_id = crm_cli_display_id (deal_id);

  if (deal == NULL || !crm_cli_present_fields (cli, deal, "deal", error))
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (deal);
  else
    g_print ("%s %s «%s»: %s › %s\n", what, short_id, crm_cli_str (deal, "title", ""),
             crm_cli_str (deal, "pipeline", "?"), crm_cli_str (deal, "stage", "?"));
  return TRUE;
}

/* ---- deal add ---- */

gboolean
crm_cli_deal_add (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *pipeline = NULL, *title = NULL, *stage = NULL, *amount = NULL;
  g_autofree char *company = NULL, *responsible = NULL, *source = NULL;
  g_auto(GStrv) contacts = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline (name or id)"), N_("P") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("The deal's title"), N_("T") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("The stage (default: the first one)"), N_("S") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount, N_("The amount, e.g. 1500000.00"), N_("A") },
    { "contact", 0, 0, G_OPTION_ARG_STRING_ARRAY, &contacts, N_("A contact (repeatable)"), N_("C") },
    { "company", 0, 0, G_OPTION_ARG_STRING, &company, N_("The company"), N_("C") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("A tag (repeatable)"), N_("T") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field (repeatable)"), N_("key=value") },
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible, N_("The responsible user (default: --as)"), N_("U") },
    { "source", 0, 0, G_OPTION_ARG_STRING, &source, N_("Where the deal came from"), N_("S") },
    { NULL }
  };
  g_autoptr(GPtrArray) contact_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *pipeline_id = NULL, *stage_id = NULL, *company_id = NULL;
  g_autofree char *responsible_id = NULL, *id = NULL;
  gint64 amount_minor = 0;
  CrmChange *change;

  if (!crm_cli_parse (cli, "deal add", "",
                      _("Create a deal. With --json: the deal, as “deal show” prints it."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_require (title, "--title", error))
    return FALSE;
  g_strstrip (title);
  if (*title == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--title: a deal needs a title"));
      return FALSE;
    }
  if (amount != NULL && !crm_cli_parse_money (amount, "--amount", &amount_minor, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;

  pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error);
  if (pipeline_id == NULL)
    return FALSE;
  stage_id = stage != NULL ? crm_cli_resolve (cli, "stage", stage, pipeline_id, error)
                           : dup_default_stage (cli, pipeline_id, error);
  if (stage_id == NULL)
    return FALSE;
  responsible_id = responsible != NULL ? crm_cli_resolve (cli, "user", responsible, NULL, error)
                                       : g_strdup (cli->actor_id);
  if (responsible != NULL && responsible_id == NULL)
    return FALSE;
  if (company != NULL && (company_id = crm_cli_resolve (cli, "company", company, NULL, error)) == NULL)
    return FALSE;
  if (!resolve_all (cli, "contact", contacts, contact_ids, error) ||
      !resolve_all (cli, "tag", tags, tag_ids, error))
    return FALSE;

  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "deal", id);
  crm_change_set_string (change, "title", title);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_string (change, "stage", stage_id);
  if (amount != NULL)
    crm_change_set_int (change, "amount", amount_minor);
  crm_change_set_string (change, "currency", "RUB");
  if (responsible_id != NULL)
    crm_change_set_string (change, "responsible", responsible_id);
  if (company_id != NULL)
    crm_change_set_string (change, "company", company_id);
  if (source != NULL && !set_source (cli, change, source, error))
    return FALSE;
  crm_change_set_int (change, "created_at", crm_cli_now (cli));
  crm_change_set_int (change, "stage_entered_at", crm_cli_now (cli));
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "deal", fields[i], error))
      return FALSE;
  set_links (changeset, "deal_tag", "tag", id, tag_ids, TRUE);
  set_links (changeset, "deal_contact", "contact", id, contact_ids, TRUE);

  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_result (cli, id, _("Created deal"), error);
}

/* ---- deal move ---- */

gboolean
crm_cli_deal_move (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *stage = NULL, *pipeline = NULL, *loss_reason = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("The target stage"), N_("S") },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The target pipeline (default: the deal's)"), N_("P") },
    { "loss-reason", 0, 0, G_OPTION_ARG_STRING, &loss_reason, N_("Why the deal was lost"), N_("R") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field (repeatable)"), N_("key=value") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonObject) deal = NULL;
  g_autofree char *deal_id = NULL, *pipeline_id = NULL, *stage_id = NULL;
  g_autofree char *kind = NULL, *reason_id = NULL;
  CrmChange *change;

  if (!crm_cli_parse (cli, "deal move", "ID",
                      _("Move a deal to another stage. With --json: the deal, as “deal show” "
                        "prints it."),
                      entries,
                      &argc, &argv, 1, error) ||
      !crm_cli_require (stage, "--stage", error) ||
      !crm_cli_open (cli, error))
    return FALSE;

  deal_id = crm_cli_resolve (cli, "deal", argv[1], NULL, error);
  if (deal_id == NULL)
    return FALSE;
  deal = crm_store_dup_entity (cli->store, "deal", deal_id);
  pipeline_id = pipeline != NULL ? crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)
                                 : g_strdup (crm_cli_str (deal, "pipeline", NULL));
  if (pipeline_id == NULL)
    {
      if (pipeline == NULL)
        g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                     _("The deal is in no pipeline; give one with --pipeline"));
      return FALSE;
    }
  stage_id = crm_cli_resolve (cli, "stage", stage, pipeline_id, error);
  if (stage_id == NULL)
    return FALSE;
  kind = dup_stage_kind (cli, stage_id);
  if (loss_reason != NULL)
    {
      if (!g_str_equal (kind, "lost"))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--loss-reason: «%s» is not a lost stage; a loss reason only goes "
                         "with closing a deal as lost"), stage);
          return FALSE;
        }
      reason_id = crm_cli_resolve (cli, "loss_reason", loss_reason, pipeline_id, error);
      if (reason_id == NULL)
        return FALSE;
    }

  changeset = crm_changeset_new ();
  change = crm_changeset_touch (changeset, "deal", deal_id);
  crm_change_set_string (change, "stage", stage_id);
  crm_change_set_string (change, "pipeline", pipeline_id);
  crm_change_set_int (change, "stage_entered_at", crm_cli_now (cli));
  if (reason_id != NULL)
    crm_change_set_string (change, "loss_reason", reason_id);
  else if (!g_str_equal (kind, "lost") && crm_cli_str (deal, "loss_reason", NULL) != NULL)
    crm_change_set_null (change, "loss_reason");  /* a reopened deal is no longer lost */
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "deal", fields[i], error))
      return FALSE;

  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;
  return print_result (cli, deal_id, _("Moved deal"), error);
}

/* ---- deal set ---- */

gboolean
crm_cli_deal_set (CrmCli   *cli,
                  int       argc,
                  char    **argv,
                  GError  **error)
{
  g_autofree char *amount = NULL, *title = NULL, *responsible = NULL, *company = NULL;
  g_autofree char *source = NULL;
  g_autofree char *payer = NULL, *payer_name = NULL, *payer_kpp = NULL;
  g_auto(GStrv) fields = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) contacts = NULL;
  const GOptionEntry entries[] = {
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field; key= clears it (repeatable)"), N_("key=value") },
    { "payer", 0, 0, G_OPTION_ARG_STRING, &payer, N_("The payer, by INN or name, from the payers' directory"), N_("INN|NAME") },
    { "payer-name", 0, 0, G_OPTION_ARG_STRING, &payer_name, N_("A new payer's name: --payer INN not yet in the directory is added with it"), N_("N") },
    { "payer-kpp", 0, 0, G_OPTION_ARG_STRING, &payer_kpp, N_("A new payer's KPP"), N_("KPP") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("+T adds a tag, -T removes it (repeatable)"), N_("+T|-T") },
    { "contact", 0, 0, G_OPTION_ARG_STRING_ARRAY, &contacts, N_("+C adds a contact, -C removes it (repeatable)"), N_("+C|-C") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount, N_("The amount, e.g. 1500000.00"), N_("A") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("The deal's title"), N_("T") },
    { "responsible", 0, 0, G_OPTION_ARG_STRING, &responsible, N_("The responsible user"), N_("U") },
    { "company", 0, 0, G_OPTION_ARG_STRING, &company, N_("The company"), N_("C") },
    { "source", 0, 0, G_OPTION_ARG_STRING, &source, N_("Where the deal came from"), N_("S") },
    { NULL }
  };
  static const struct {
    const char *entity;
    const char *kind;
    const char *option;
  } link_kinds[] = {
    { "tag", "deal_tag", "--tag" },
    { "contact", "deal_contact", "--contact" },
  };
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *deal_id = NULL;
  gint64 amount_minor = 0;
  CrmChange *change;

  if (!crm_cli_parse (cli, "deal set", "ID",
                      _("Change a deal's fields and tags. With --json: the deal, as “deal show” "
                        "prints it."),
                      entries,
                      &argc, &argv, 1, error))
    return FALSE;
  if (fields == NULL && tags == NULL && contacts == NULL && amount == NULL && title == NULL &&
      responsible == NULL && company == NULL && source == NULL && payer == NULL)
    return crm_cli_usage_error (error, _("deal set: nothing to change; give --field, --tag, "
                                         "--amount, --title, --responsible, --company, --source "
                                         "or --payer"));
  if (payer == NULL && (payer_name != NULL || payer_kpp != NULL))
    return crm_cli_usage_error (error, _("--payer-name and --payer-kpp describe a new payer: give "
                                         "its INN with --payer too"));
  if (amount != NULL && !crm_cli_parse_money (amount, "--amount", &amount_minor, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;
  deal_id = crm_cli_resolve (cli, "deal", argv[1], NULL, error);
  if (deal_id == NULL)
    return FALSE;

  changeset = crm_changeset_new ();
  change = crm_changeset_touch (changeset, "deal", deal_id);
  if (title != NULL)
    {
      g_strstrip (title);
      if (*title == '\0')
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--title: a deal needs a title"));
          return FALSE;
        }
      crm_change_set_string (change, "title", title);
    }
  if (amount != NULL)
    crm_change_set_int (change, "amount", amount_minor);
  if (responsible != NULL)
    {
      g_autofree char *user_id = crm_cli_resolve (cli, "user", responsible, NULL, error);

      if (user_id == NULL)
        return FALSE;
      crm_change_set_string (change, "responsible", user_id);
    }
  if (company != NULL)
    {
      g_autofree char *company_id = *company != '\0'
                                    ? crm_cli_resolve (cli, "company", company, NULL, error) : NULL;

      if (*company != '\0' && company_id == NULL)
        return FALSE;
      if (company_id != NULL)
        crm_change_set_string (change, "company", company_id);
      else
        crm_change_set_null (change, "company");
    }
  if (source != NULL && !set_source (cli, change, source, error))
    return FALSE;
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "deal", fields[i], error))
      return FALSE;

  for (guint k = 0; k < G_N_ELEMENTS (link_kinds); k++)
    {
      GStrv items = k == 0 ? tags : contacts;

      for (guint i = 0; items != NULL && items[i] != NULL; i++)
        {
          const char *item = items[i];
          gboolean present = item[0] != '-';
          g_autofree char *other_id = NULL;

          if (item[0] == '+' || item[0] == '-')
            item++;
          if (*item == '\0')
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("%s: «%s» names nothing; write +NAME to add or -NAME to remove"),
                           link_kinds[k].option, items[i]);
              return FALSE;
            }
          other_id = crm_cli_resolve (cli, link_kinds[k].entity, item, NULL, error);
          if (other_id == NULL)
            return FALSE;
          crm_changeset_set_link (changeset, link_kinds[k].kind, "deal", deal_id,
                                  link_kinds[k].entity, other_id, present);
        }
    }

  if (json_object_get_size (change->fields) > 0 || crm_changeset_get_n_changes (changeset) > 1)
    if (!crm_cli_apply (cli, changeset, error))
      return FALSE;
  if (payer != NULL && !crm_cli_deal_set_payer (cli, deal_id, payer, payer_name, payer_kpp, error))
    return FALSE;
  return print_result (cli, deal_id, _("Changed deal"), error);
}

/* ---- deal show / list ---- */

gboolean
crm_cli_deal_show (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *deal_id = NULL;
  g_autoptr(JsonObject) deal = NULL;

  if (!crm_cli_parse (cli, "deal show", "ID",
                      _("Show a deal with its tasks and history. With --json: the deal {\"id\", "
                        "\"number\", \"title\", \"pipeline\", \"stage\", \"stage_kind\", "
                        "\"amount\", \"currency\", \"responsible\", \"contacts\", \"company\", "
                        "\"tags\", \"fields\", \"loss_reason\", …} with \"tasks\", \"history\" and "
                        "\"discounts\" (its brands' discounts: [{\"brand\", \"discount\"}])."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  deal_id = crm_cli_resolve (cli, "deal", argv[1], NULL, error);
  if (deal_id == NULL)
    return FALSE;
  deal = crm_query_deal (cli->store, deal_id, error);
  if (deal == NULL || !crm_cli_add_calls (cli, deal, NULL, deal_id, error) ||
      !crm_cli_add_discounts (cli, deal, "deal", deal_id, error) ||
      !crm_cli_present_fields (cli, deal, "deal", error))
    return FALSE;
  if (cli->json)
    crm_cli_print_json_object (deal);
  else
    return print_deal_human (cli->store, deal, TRUE, error);
  return TRUE;
}

gboolean
crm_cli_deal_list (CrmCli   *cli,
                   int       argc,
                   char    **argv,
                   GError  **error)
{
  g_autofree char *pipeline = NULL, *stage = NULL;
  g_autofree char *expression = NULL, *list = NULL, *search = NULL;
  g_auto(GStrv) tags = NULL;
  gboolean open_only = FALSE;
  int limit = 0;
  int offset = 0;
  const GOptionEntry entries[] = {
    { "filter", 0, 0, G_OPTION_ARG_STRING, &expression, N_("Only deals the expression matches, e.g. 'tags any (Volvo) and status = open and amount >= 1000000' (the language: FILTERS in voronkactl(1))"), N_("EXPR") },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list, N_("The deals of a saved list (list save NAME --entity deal --filter …)"), N_("NAME") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("With --filter or --list: the first letters of the title"), N_("PREFIX") },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("Only deals of this pipeline"), N_("P") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("Only deals at this stage"), N_("S") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("Only deals with this tag (repeatable: all of them)"), N_("T") },
    { "open", 0, 0, G_OPTION_ARG_NONE, &open_only, N_("Only deals not yet won or lost"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N deals"), N_("N") },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the first N deals"), N_("N") },
    { NULL }
  };
  const char *header[] = { _("ID"), _("TITLE"), _("PIPELINE"), _("STAGE"), _("AMOUNT"), _("TAGS"), NULL };
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *pipeline_id = NULL, *stage_id = NULL;
  g_autoptr(JsonNode) deals = NULL;
  CrmDealFilter filter = { 0 };
  gint64 total = 0;
  JsonArray *array;

  if (!crm_cli_parse (cli, "deal list", "",
                      _("List deals by pipeline, stage and tags, or all that a filter or a "
                        "saved list of deals leaves (newest first, no cap unless --limit). "
                        "With --json: an array of deals, as “deal show” prints them."),
                      entries, &argc, &argv, 0, error))
    return FALSE;
  if (expression != NULL || list != NULL)
    {
      if (pipeline != NULL || stage != NULL || tags != NULL || open_only)
        return crm_cli_usage_error (error, _("--pipeline, --stage, --tag and --open cannot be "
                                             "combined with --filter or --list; write them into "
                                             "the filter: pipeline = P and stage = S and tags "
                                             "all (T) and status = open"));
    }
  else if (search != NULL)
    return crm_cli_usage_error (error, _("--search narrows a --filter or a --list"));
  if (limit < 0 || offset < 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--limit and --offset cannot be negative"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (expression != NULL || list != NULL)
    {
      CrmFilterQuery query = { "deal", expression, list, NULL, search, limit, offset };
      g_autoptr(JsonObject) saved = NULL;
      g_autoptr(JsonArray) found = NULL;

      if (list != NULL)
        {
          saved = crm_saved_list_lookup (cli->store, list, error);
          if (saved == NULL)
            return FALSE;
          if (g_strcmp0 (crm_cli_str (saved, "entity", NULL), "deal") != 0)
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           _("--list: «%s» is not a list of deals; «contact list --list» "
                             "shows it"), list);
              return FALSE;
            }
        }
      found = crm_filter_query (cli->store, &query, &total, error);
      if (found == NULL)
        return FALSE;
      deals = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (deals, found);
    }
  else
    {
      if (pipeline != NULL &&
          (pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error)) == NULL)
        return FALSE;
      if (stage != NULL &&
          (stage_id = crm_cli_resolve (cli, "stage", stage, pipeline_id, error)) == NULL)
        return FALSE;
      if (!resolve_all (cli, "tag", tags, tag_ids, error))
        return FALSE;
      g_ptr_array_add (tag_ids, NULL);

      filter.pipeline_id = pipeline_id;
      filter.stage_id = stage_id;
      filter.tag_ids = tag_ids->len > 1 ? (const char * const *) tag_ids->pdata : NULL;
      filter.open_only = open_only;
      filter.limit = limit;
      filter.offset = offset;
      deals = crm_query_deals (cli->store, &filter, &total, error);
      if (deals == NULL)
        return FALSE;
    }
  if (cli->json)
    {
      array = json_node_get_array (deals);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!crm_cli_present_fields (cli, json_array_get_object_element (array, i), "deal", error))
          return FALSE;
      crm_cli_print_json (deals);
      return TRUE;
    }

  array = json_node_get_array (deals);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *deal = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 7);

      row[0] = crm_cli_display_id (crm_cli_str (deal, "id", ""));
      row[1] = g_strdup (crm_cli_str (deal, "title", ""));
      row[2] = g_strdup (crm_cli_str (deal, "pipeline", ""));
      row[3] = g_strdup (crm_cli_str (deal, "stage", ""));
      row[4] = g_strdup (crm_cli_str (deal, "amount", ""));
      row[5] = crm_cli_join_array (deal, "tags");
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  /* Translators: under the table, e.g. "15 of 300 deals" (shown of all that match);
   * the plural form follows the second number */
  g_print (ngettext ("%u of %lld deal\n", "%u of %lld deals\n", (gulong) total),
           json_array_get_length (array), (long long) total);
  return TRUE;
}

/* ---- deal add-many ---- */

gboolean
crm_cli_deal_add_many (CrmCli   *cli,
                       int       argc,
                       char    **argv,
                       GError  **error)
{
  g_autofree char *pipeline = NULL, *title = NULL, *stage = NULL, *amount = NULL;
  g_autofree char *list = NULL;
  g_auto(GStrv) companies = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "company", 0, 0, G_OPTION_ARG_STRING_ARRAY, &companies, N_("A company to create a deal for (repeatable)"), N_("C") },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list, N_("Every company of a saved list of companies"), N_("NAME") },
    { "pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, N_("The pipeline (name or id)"), N_("P") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("The title; {company} is the company's name, {inn} its INN"), N_("PATTERN") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("The stage (default: the first one)"), N_("S") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount, N_("The amount of each deal"), N_("A") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("A tag (repeatable)"), N_("T") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field of each deal, e.g. event_date=2026-04-15 (repeatable)"), N_("key=value") },
    { NULL }
  };
  g_autoptr(GPtrArray) company_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) deal_ids = NULL;
  g_autoptr(CrmChangeset) scratch = crm_changeset_new ();
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autoptr(JsonArray) created = json_array_new ();
  g_autofree char *pipeline_id = NULL, *stage_id = NULL;
  CrmMassDeals spec = { 0 };
  CrmChange *values;

  if (!crm_cli_parse (cli, "deal add-many", "",
                      _("Create one deal per company from a deal template (S4-3), all in one "
                        "change (one «undo» takes them all back): the title from a pattern, the "
                        "same pipeline, stage, fields and tags, and each company's responsible "
                        "as the deal's. Rules run on each deal as on any new deal. With --json: "
                        "[deal, …] as «deal show» prints them."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (pipeline, "--pipeline", error) ||
      !crm_cli_require (title, "--title", error))
    return FALSE;
  if (companies == NULL && list == NULL)
    return crm_cli_usage_error (error, _("deal add-many: name the companies with --company "
                                         "(repeatable) or --list"));
  if (amount != NULL && !crm_cli_parse_money (amount, "--amount", &spec.amount, error))
    return FALSE;
  if (!crm_cli_open (cli, error))
    return FALSE;

  pipeline_id = crm_cli_resolve (cli, "pipeline", pipeline, NULL, error);
  if (pipeline_id == NULL)
    return FALSE;
  stage_id = stage != NULL ? crm_cli_resolve (cli, "stage", stage, pipeline_id, error)
                           : dup_default_stage (cli, pipeline_id, error);
  if (stage_id == NULL ||
      !resolve_all (cli, "company", companies, company_ids, error) ||
      !resolve_all (cli, "tag", tags, tag_ids, error))
    return FALSE;
  if (list != NULL)
    {
      CrmFilterQuery query = { NULL, NULL, list, NULL, NULL, 0, 0 };
      g_autoptr(JsonObject) saved = crm_saved_list_lookup (cli->store, list, error);
      g_autoptr(JsonArray) rows = NULL;

      if (saved == NULL)
        return FALSE;
      if (g_strcmp0 (crm_cli_str (saved, "entity", NULL), "company") != 0)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--list: «%s» is a list of contacts; deals are made from a list of "
                         "companies (list save NAME --entity company --filter …)"), list);
          return FALSE;
        }
      rows = crm_filter_query (cli->store, &query, NULL, error);
      if (rows == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (rows); i++)
        g_ptr_array_add (company_ids,
                         g_strdup (crm_cli_str (json_array_get_object_element (rows, i), "id", "")));
    }
  if (company_ids->len == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--list: «%s» holds no company now; nothing to create"), list);
      return FALSE;
    }
  /* the fields as the replica stores them, checked against their definitions once */
  values = crm_changeset_touch (scratch, "deal", "fields");
  for (guint f = 0; fields != NULL && fields[f] != NULL; f++)
    if (!crm_cli_set_field (cli, values, "deal", fields[f], error))
      return FALSE;

  g_ptr_array_add (company_ids, NULL);
  g_ptr_array_add (tag_ids, NULL);
  spec.pipeline_id = pipeline_id;
  spec.stage_id = stage_id;
  spec.title = title;
  spec.title_place = "--title";
  spec.has_amount = amount != NULL;
  spec.tag_ids = (const char * const *) tag_ids->pdata;
  spec.fields = values->fields;
  changeset = crm_mass_deals_build (cli->store, &spec, cli->actor_id,
                                    (const char * const *) company_ids->pdata, &deal_ids, error);
  if (changeset == NULL)
    return FALSE;

  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  for (guint i = 0; i < deal_ids->len; i++)
    {
      JsonObject *deal = crm_query_deal_without_history (cli->store, deal_ids->pdata[i], error);

      if (deal == NULL)
        return FALSE;
      if (!crm_cli_present_fields (cli, deal, "deal", error))
        return FALSE;
      json_array_add_object_element (created, deal);
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, created);
      crm_cli_print_json (node);
    }
  else
    {
      const char *header[] = { _("ID"), _("TITLE"), _("COMPANY"), _("STAGE"), NULL };
      const char *members[] = { "id", "title", "company", "stage", NULL };
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, created);
      crm_cli_print_list (node, header, members);
      g_print (ngettext ("Created %u deal in one change («voronkactl undo» takes it back)\n",
                         "Created %u deals in one change («voronkactl undo» takes them back)\n",
                         deal_ids->len), deal_ids->len);
    }
  return TRUE;
}
