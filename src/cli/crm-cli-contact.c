/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-contact.c — `contact add` (phones in one standard, S4-7), `contact list`
 * (prefix search by the first letters of any name word, tag filter, paging), `contact
 * set` and `contact show` (S3-2: fields, related companies). */
#define G_LOG_DOMAIN "voronka-cli"

#include <string.h>

#include "crm-cli.h"
#include "crm-company.h"
#include "crm-format.h"
#include "crm-filter.h"
#include "crm-query.h"
#include "crm-query-board.h"
#include "crm-time.h"

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static gboolean
valid_email (const char *text)
{
  const char *at = strchr (text, '@');

  return at != NULL && at != text && strchr (at + 1, '.') != NULL &&
         strchr (at + 1, '@') == NULL && strpbrk (text, " \t,;<>") == NULL;
}

gboolean
crm_cli_contact_add (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *name = NULL;
  g_autofree char *company = NULL;
  g_auto(GStrv) phones = NULL;
  g_auto(GStrv) emails = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Full name, as typed"), N_("N") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field (repeatable)"), N_("key=value") },
    { "phone", 0, 0, G_OPTION_ARG_STRING_ARRAY, &phones, N_("A phone number (repeatable)"), N_("P") },
    { "email", 0, 0, G_OPTION_ARG_STRING_ARRAY, &emails, N_("An e-mail address (repeatable)"), N_("E") },
    { "company", 0, 0, G_OPTION_ARG_STRING, &company, N_("The contact's company (name or id)"), N_("C") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("A tag (repeatable)"), N_("T") },
    { NULL }
  };
  g_autoptr(JsonArray) phone_list = json_array_new ();
  g_autoptr(JsonArray) tag_ids = json_array_new ();
  g_autoptr(JsonArray) email_list = json_array_new ();
  g_autoptr(CrmChangeset) changeset = NULL;
  g_autofree char *company_id = NULL;
  g_autofree char *id = NULL;
  CrmChange *change;

  if (!crm_cli_parse (cli, "contact add", "",
                      _("Add a contact. With --json: the contact, as “contact list” prints it."),
                      entries, &argc, &argv, 0, error) ||
      !crm_cli_require (name, "--name", error))
    return FALSE;
  g_strstrip (name);
  if (*name == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--name: a contact needs a name"));
      return FALSE;
    }
  for (guint i = 0; phones != NULL && phones[i] != NULL; i++)
    {
      g_autofree char *phone = crm_phone_normalize (phones[i]);

      if (phone == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--phone: «%s» is not a phone number; write it as +7 912 345-67-89"),
                       phones[i]);
          return FALSE;
        }
      json_array_add_string_element (phone_list, phone);
    }
  for (guint i = 0; emails != NULL && emails[i] != NULL; i++)
    {
      g_autofree char *email = g_utf8_strdown (g_strstrip (emails[i]), -1);

      if (!valid_email (email))
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       _("--email: «%s» is not an e-mail address"), emails[i]);
          return FALSE;
        }
      json_array_add_string_element (email_list, email);
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  if (company != NULL)
    {
      company_id = crm_cli_resolve (cli, "company", company, NULL, error);
      if (company_id == NULL)
        return FALSE;
    }
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      g_autofree char *tag_id = crm_cli_resolve (cli, "tag", tags[i], NULL, error);

      if (tag_id == NULL)
        return FALSE;
      json_array_add_string_element (tag_ids, tag_id);
    }

  id = crm_store_new_id (cli->store);
  changeset = crm_changeset_new ();
  change = crm_changeset_create (changeset, "contact", id);
  crm_change_set_string (change, "name", name);
  crm_change_set_node (change, "phones", array_node (json_array_ref (phone_list)));
  crm_change_set_node (change, "emails", array_node (json_array_ref (email_list)));
  if (company_id != NULL)
    crm_change_set_string (change, "company", company_id);
  if (cli->actor_id != NULL)
    crm_change_set_string (change, "responsible", cli->actor_id);
  crm_change_set_int (change, "created_at", crm_cli_now (cli));
  /* contacts carry tags of their own as a custom field (deals carry theirs as links) */
  if (json_array_get_length (tag_ids) > 0)
    crm_change_set_node (change, "tags", array_node (json_array_ref (tag_ids)));
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "contact", fields[i], error))
      return FALSE;
  if (!crm_cli_apply (cli, changeset, error))
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonObject) contact = json_object_new ();

      json_object_set_string_member (contact, "id", id);
      json_object_set_string_member (contact, "name", name);
      json_object_set_array_member (contact, "phones", json_array_ref (phone_list));
      json_object_set_array_member (contact, "emails", json_array_ref (email_list));
      if (company != NULL)
        json_object_set_string_member (contact, "company", company);
      else
        json_object_set_null_member (contact, "company");
      if (company_id != NULL)
        json_object_set_string_member (contact, "company_id", company_id);
      else
        json_object_set_null_member (contact, "company_id");
      crm_cli_print_json_object (contact);
    }
  else
    g_print (_("Added contact %s, id %s\n"), name, id);
  return TRUE;
}

gboolean
crm_cli_contact_list (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *search = NULL;
  g_autofree char *filter = NULL;
  g_autofree char *list = NULL;
  g_autofree char *segment = NULL;
  g_auto(GStrv) tags = NULL;
  int limit = 0;
  int offset = 0;
  const GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("First letters of any word of the name (with --filter, --list or --segment: of the surname)"), N_("PREFIX") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, N_("Only contacts the expression matches, e.g. 'tags any (VIP) and created >= -30d' (the language: FILTERS in voronkactl(1))"), N_("EXPR") },
    { "list", 0, 0, G_OPTION_ARG_STRING, &list, N_("The contacts of a saved list (voronkactl list save)"), N_("NAME") },
    { "segment", 0, 0, G_OPTION_ARG_STRING, &segment, N_("Only contacts of this RFM segment"), N_("S") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("Only contacts with this tag (repeatable)"), N_("T") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most N contacts"), N_("N") },
    { "offset", 0, 0, G_OPTION_ARG_INT, &offset, N_("Skip the first N contacts"), N_("N") },
    { NULL }
  };
  const char *header[] = { _("ID"), _("NAME"), _("PHONES"), _("COMPANY"), NULL };
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) contacts = NULL;
  gint64 total = 0;
  JsonArray *array;

  if (!crm_cli_parse (cli, "contact list", "",
                      _("List or search contacts, all that match (no cap unless --limit). A filter "
                        "expression combines tests with and, or, not and parentheses: tags all|any|none "
                        "(T, …), tag = T, company = C, responsible = U, field.KEY = V | < V | between A "
                        "and B | is [not] empty, created|last_activity|last_won >= DATE (2026-03-02, "
                        "today, -30d), segment = S. With --json: [{\"id\", \"name\", \"phones\", "
                        "\"emails\", \"company\", \"company_id\", \"segment\"}]."),
                      entries,
                      &argc, &argv, 0, error))
    return FALSE;
  if (limit < 0 || offset < 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--limit and --offset cannot be negative"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error))
    return FALSE;
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      char *tag_id = crm_cli_resolve (cli, "tag", tags[i], NULL, error);

      if (tag_id == NULL)
        return FALSE;
      g_ptr_array_add (tag_ids, tag_id);
    }
  g_ptr_array_add (tag_ids, NULL);

  if (filter != NULL || list != NULL || segment != NULL)
    {
      CrmFilterQuery query = { "contact", filter, list, segment, search, limit, offset };
      JsonArray *found;

      if (tag_ids->len > 1)
        return crm_cli_usage_error (error, _("--tag cannot be combined with --filter, --list or "
                                             "--segment; write it into the filter: tags all (T)"));
      found = crm_filter_query (cli->store, &query, &total, error);
      if (found == NULL)
        return FALSE;
      contacts = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (contacts, found);
    }
  else
    contacts = crm_query_contacts (cli->store, search,
                                   tag_ids->len > 1 ? (const char * const *) tag_ids->pdata : NULL,
                                   limit, offset, &total, error);
  if (contacts == NULL)
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json (contacts);
      return TRUE;
    }

  array = json_node_get_array (contacts);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *contact = json_array_get_object_element (array, i);
      char **row = g_new0 (char *, 5);

      row[0] = crm_cli_display_id (crm_cli_str (contact, "id", ""));
      row[1] = g_strdup (crm_cli_str (contact, "name", ""));
      row[2] = crm_cli_join_array (contact, "phones");
      row[3] = g_strdup (crm_cli_str (contact, "company", ""));
      g_ptr_array_add (rows, row);
    }
  crm_cli_print_table (header, rows);
  /* Translators: under the table, e.g. "15 of 300 contacts" (shown of all that match);
   * the plural form follows the second number */
  g_print (ngettext ("%u of %lld contact\n", "%u of %lld contacts\n", (gulong) total),
           json_array_get_length (array), (long long) total);
  return TRUE;
}

static char *
join_names (JsonArray *list)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "",
                            crm_cli_str (json_array_get_object_element (list, i), "name", ""));
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

static gboolean
print_contact (CrmCli      *cli,
               const char  *contact_id,
               GError     **error)
{
  g_autoptr(JsonObject) contact = crm_contact_show (cli->store, contact_id, error);
  g_autofree char *phones = NULL;
  g_autofree char *emails = NULL;
  g_autofree char *companies = NULL;
  g_autoptr(JsonArray) definitions = NULL;
  const char *related_label = NULL;

  if (contact == NULL || !crm_cli_add_calls (cli, contact, contact_id, NULL, error))
    return FALSE;
  if (!crm_cli_present_fields (cli, contact, "contact", error))
    return FALSE;
  if (cli->json)
    {
      crm_cli_print_json_object (contact);
      return TRUE;
    }
  g_print ("%s\n", crm_cli_str (contact, "name", ""));
  crm_cli_print_pair (_("ID"), crm_cli_str (contact, "id", ""), 24);
  {
    JsonArray *list = json_object_get_array_member (contact, "phones");
    g_autoptr(GString) shown = g_string_new (NULL);

    /* as people read them: +7 912 000-11-22 */
    for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
      {
        g_autofree char *phone = crm_format_phone (json_array_get_string_element (list, i));

        g_string_append_printf (shown, "%s%s", i > 0 ? ", " : "", phone);
      }
    phones = g_string_free (g_steal_pointer (&shown), FALSE);
  }
  crm_cli_print_pair (_("Phones"), *phones != '\0' ? phones : NULL, 24);
  emails = crm_cli_join_array (contact, "emails");
  crm_cli_print_pair (_("E-mails"), *emails != '\0' ? emails : NULL, 24);
  crm_cli_print_pair (_("Company"), crm_cli_str (contact, "company", NULL), 24);
  if (!crm_cli_print_custom_fields (cli, contact, "contact", error))
    return FALSE;
  /* the links under the label of the contact's "companies" field, if it has one */
  definitions = crm_query_fields (cli->store, "contact", error);
  if (definitions == NULL)
    return FALSE;
  for (guint i = 0; definitions != NULL && i < json_array_get_length (definitions); i++)
    {
      JsonObject *field = json_array_get_object_element (definitions, i);

      if (g_strcmp0 (crm_cli_str (field, "type", ""), "companies") == 0)
        related_label = crm_cli_str (field, "label", NULL);
    }
  companies = join_names (json_object_get_array_member (contact, "companies"));
  crm_cli_print_pair (related_label != NULL ? related_label : _("Related companies"),
                      companies, 24);
  crm_cli_print_calls (json_object_get_array_member (contact, "calls"));
  return TRUE;
}

gboolean
crm_cli_contact_show (CrmCli   *cli,
                      int       argc,
                      char    **argv,
                      GError  **error)
{
  g_autofree char *contact_id = NULL;

  if (!crm_cli_parse (cli, "contact show", "ID",
                      _("Show a contact. With --json: the contact {\"id\", \"name\", "
                        "\"phones\", \"emails\", \"company\", \"company_id\", \"fields\", "
                        "\"companies\": [{\"id\", \"name\"}] (the companies it is related to), "
                        "\"calls\" (its phone calls, as `call list` gives them)}."),
                      NULL, &argc, &argv, 1, error) ||
      !crm_cli_open (cli, error))
    return FALSE;
  contact_id = crm_cli_resolve (cli, "contact", argv[1], NULL, error);
  return contact_id != NULL && print_contact (cli, contact_id, error);
}

/* Applies "+X" (add) or "-X" (remove) edits to the string list @member of @contact. */
static gboolean
edit_list (JsonObject   *contact,
           const char   *member,
           char        **edits,
           gboolean      phones,
           JsonArray   **out_list,
           GError      **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  JsonNode *node = json_object_get_member (contact, member);
  JsonArray *list;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *before = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (before); i++)
        g_ptr_array_add (values, g_strdup (json_array_get_string_element (before, i)));
    }
  for (guint i = 0; edits[i] != NULL; i++)
    {
      gboolean remove = edits[i][0] == '-';
      /* a phone's own "+" stays part of the number */
      const char *text = remove || (!phones && edits[i][0] == '+') ? edits[i] + 1 : edits[i];
      g_autofree char *value = NULL;
      guint index;

      if (phones)
        value = crm_phone_normalize (text);
      else
        {
          value = g_utf8_strdown (text, -1);
          g_strstrip (value);
          if (!valid_email (value))
            g_clear_pointer (&value, g_free);
        }
      if (value == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                       phones ? _("--phone: «%s» is not a phone number; write +7 912 345-67-89 "
                                  "to add one, -+7 912 345-67-89 to remove it")
                              : _("--email: «%s» is not an e-mail address; write "
                                  "+ivanov@example.ru to add one, -ivanov@example.ru to "
                                  "remove it"), text);
          return FALSE;
        }
      if (g_ptr_array_find_with_equal_func (values, value, g_str_equal, &index))
        {
          if (remove)
            g_ptr_array_remove_index (values, index);
        }
      else if (remove)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                       phones ? _("--phone: the contact has no phone %s to remove")
                              : _("--email: the contact has no e-mail %s to remove"), value);
          return FALSE;
        }
      else
        g_ptr_array_add (values, g_steal_pointer (&value));
    }
  list = json_array_new ();
  for (guint i = 0; i < values->len; i++)
    json_array_add_string_element (list, values->pdata[i]);
  *out_list = list;
  return TRUE;
}

gboolean
crm_cli_contact_set (CrmCli   *cli,
                     int       argc,
                     char    **argv,
                     GError  **error)
{
  g_autofree char *name = NULL;
  g_auto(GStrv) phones = NULL;
  g_auto(GStrv) emails = NULL;
  g_auto(GStrv) companies = NULL;
  g_auto(GStrv) fields = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("A new name"), N_("N") },
    { "phone", 0, 0, G_OPTION_ARG_STRING_ARRAY, &phones, N_("Add a phone number (P or +P), or remove one (-P) (repeatable)"), N_("+P|-P") },
    { "email", 0, 0, G_OPTION_ARG_STRING_ARRAY, &emails, N_("Add an e-mail address (+E), or remove one (-E) (repeatable)"), N_("+E|-E") },
    { "company", 0, 0, G_OPTION_ARG_STRING_ARRAY, &companies, N_("+C relates the contact to company C (its field of type “companies”), -C removes that (and C as its own company); C alone makes C its own company (repeatable)"), N_("+C|-C") },
    { "field", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fields, N_("A custom field; key= clears it (repeatable)"), N_("key=value") },
    { NULL }
  };
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) contact = NULL;
  g_autofree char *contact_id = NULL;
  CrmChange *change;

  if (!crm_cli_parse (cli, "contact set", "ID",
                      _("Change a contact: name, phones, e-mails, companies and custom fields. "
                        "With --json: the contact as “contact show” prints it."),
                      entries, &argc, &argv, 1, error))
    return FALSE;
  if (name != NULL && *g_strstrip (name) == '\0')
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("--name: a contact needs a name"));
      return FALSE;
    }
  if (!crm_cli_open (cli, error) ||
      (contact_id = crm_cli_resolve (cli, "contact", argv[1], NULL, error)) == NULL)
    return FALSE;
  contact = crm_store_dup_entity (cli->store, "contact", contact_id);
  if (contact == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no contact %s"), argv[1]);
      return FALSE;
    }
  change = crm_changeset_touch (changeset, "contact", contact_id);
  if (name != NULL)
    crm_change_set_string (change, "name", name);
  if (phones != NULL)
    {
      JsonArray *list = NULL;

      if (!edit_list (contact, "phones", phones, TRUE, &list, error))
        return FALSE;
      crm_change_set_node (change, "phones", array_node (list));
    }
  if (emails != NULL)
    {
      JsonArray *list = NULL;

      if (!edit_list (contact, "emails", emails, FALSE, &list, error))
        return FALSE;
      crm_change_set_node (change, "emails", array_node (list));
    }
  for (guint i = 0; companies != NULL && companies[i] != NULL; i++)
    {
      const char *edit = companies[i];
      gboolean signed_edit = *edit == '+' || *edit == '-';
      g_autofree char *company_id = crm_cli_resolve (cli, "company",
                                                     signed_edit ? edit + 1 : edit, NULL, error);

      if (company_id == NULL)
        return FALSE;
      if (!signed_edit)
        crm_change_set_string (change, "company", company_id);
      else
        {
          crm_contact_company_change (changeset, contact_id, company_id, *edit == '+');
          if (*edit == '-' && g_strcmp0 (json_object_get_string_member_with_default (contact, "company", NULL),
                                         company_id) == 0)
            crm_change_set_null (change, "company");
        }
    }
  for (guint i = 0; fields != NULL && fields[i] != NULL; i++)
    if (!crm_cli_set_field (cli, change, "contact", fields[i], error))
      return FALSE;
  if (json_object_get_size (change->fields) > 0 || crm_changeset_get_n_changes (changeset) > 1)
    {
      if (!crm_cli_apply (cli, changeset, error))
        return FALSE;
    }
  if (cli->json)
    return print_contact (cli, contact_id, error);
  g_print (_("Saved contact %s\n"), contact_id);
  return TRUE;
}
