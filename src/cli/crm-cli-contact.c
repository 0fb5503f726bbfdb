/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-cli-contact.c — `contact add` (phones in one standard, S4-7) and `contact list`
 * (prefix search by the first letters of any name word, tag filter, paging). */
#define G_LOG_DOMAIN "voronka-cli"

#include <string.h>

#include "crm-cli.h"
#include "crm-query.h"
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
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Full name, as typed"), N_("N") },
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
  g_auto(GStrv) tags = NULL;
  int limit = 0;
  int offset = 0;
  const GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("First letters of any word of the name"), N_("PREFIX") },
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
                      _("List or search contacts. With --json: [{\"id\", \"name\", \"phones\", "
                        "\"emails\", \"company\", \"company_id\"}]."),
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
