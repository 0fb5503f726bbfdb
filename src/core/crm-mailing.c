/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-mailing.c — «Написать всем» (S4-2): a template's e-mail to every contact of a saved
 * list, a filter or a selection, one message per contact, skipping (and listing) those without an
 * e-mail or who unsubscribed. */
#define G_LOG_DOMAIN "voronka-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "crm-error.h"
#include "crm-filter.h"
#include "crm-format.h"
#include "crm-mailing.h"
#include "crm-message.h"
#include "crm-time.h"

static JsonObject *
skip (JsonArray  *skipped,
      JsonObject *contact,
      const char *reason)
{
  JsonObject *item = json_object_new ();

  json_object_set_string_member (item, "contact",
                                 json_object_get_string_member_with_default (contact, "id", ""));
  json_object_set_string_member (item, "name",
                                 json_object_get_string_member_with_default (contact, "name", ""));
  json_object_set_string_member (item, "reason", reason);
  json_array_add_object_element (skipped, item);
  return item;
}

static const char *
first_email (JsonObject *contact)
{
  JsonNode *node = json_object_get_member (contact, "emails");
  JsonArray *emails = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                    : NULL;

  if (emails == NULL || json_array_get_length (emails) == 0)
    return NULL;
  return json_array_get_string_element (emails, 0);
}

/* The ids of @contact_ids the rows read lack: no contact, or a deleted one. */
static JsonArray *
missing_ids (const char * const *contact_ids,
             JsonArray          *contacts)
{
  g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *missing = json_array_new ();

  for (guint i = 0; i < json_array_get_length (contacts); i++)
    g_hash_table_add (found, (gpointer) json_object_get_string_member_with_default (
      json_array_get_object_element (contacts, i), "id", ""));
  for (guint i = 0; contact_ids[i] != NULL; i++)
    if (g_hash_table_add (found, (gpointer) contact_ids[i]))
      json_array_add_string_element (missing, contact_ids[i]);
  return missing;
}

/* The contacts of the saved list @saved of companies or deals. */
static char **
contacts_of_list (CrmStore    *store,
                  JsonObject  *saved,
                  GError     **error)
{
  const char *entity = json_object_get_string_member (saved, "entity");
  CrmFilterQuery query = {
    .entity = entity,
    .list = json_object_get_string_member_with_default (saved, "id", NULL),
    .ids_only = g_str_equal (entity, "deal"),
  };
  g_autoptr(JsonArray) rows = crm_filter_query (store, &query, NULL, error);
  g_autoptr(GPtrArray) ids = NULL;

  if (rows == NULL)
    return NULL;
  ids = g_ptr_array_sized_new (json_array_get_length (rows) + 1);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_ptr_array_add (ids, (gpointer) json_object_get_string_member_with_default (
                       json_array_get_object_element (rows, i), "id", ""));
  g_ptr_array_add (ids, NULL);
  return crm_filter_contacts_of (store, entity, (const char * const *) ids->pdata, error);
}

/* The read half: the template, the list and the contacts it leaves. */
JsonObject *
crm_mailing_plan (CrmStore           *store,
                  const char         *list,
                  const char         *filter,
                  const char         *ids_of,
                  const char * const *ids,
                  const char         *template_name,
                  GError            **error)
{
  g_autoptr(JsonObject) plan = json_object_new ();
  g_autoptr(JsonArray) contacts = NULL;
  g_autofree char *channel = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) saved = NULL;
  CrmFilterQuery query = { .entity = "contact" };
  g_auto(GStrv) list_contacts = NULL;
  guint n_ids = ids != NULL ? g_strv_length ((char **) ids) : 0;
  /* a selection of companies or deals: their contacts */
  gboolean of_others = ids_of != NULL && !g_str_equal (ids_of, "contact");
  const char * const *contact_ids = of_others ? NULL : ids;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (template_name != NULL, NULL);
  g_return_val_if_fail (ids_of == NULL || g_str_equal (ids_of, "contact") ||
                        g_str_equal (ids_of, "company") || g_str_equal (ids_of, "deal"), NULL);

  if ((list != NULL) + (filter != NULL) + (ids != NULL) != 1)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Say whom to write to: a saved list, a filter or the contacts chosen"));
      return NULL;
    }
  if (ids != NULL && n_ids == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s",
                   !of_others ? _("Nobody to write to: no contact is chosen")
                   : g_str_equal (ids_of, "deal") ? _("Nobody to write to: no deal is chosen")
                   : _("Nobody to write to: no company is chosen"));
      return NULL;
    }
  if (of_others && n_ids > CRM_MAILING_MAX_CONTACTS)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   g_str_equal (ids_of, "deal")
                   ? ngettext ("%lld deal is chosen; a mailing to the contacts of chosen deals "
                               "takes at most %d. Save them as a list, and write to the list",
                               "%lld deals are chosen; a mailing to the contacts of chosen deals "
                               "takes at most %d. Save them as a list, and write to the list",
                               n_ids)
                   : ngettext ("%lld company is chosen; a mailing to the contacts of chosen "
                               "companies takes at most %d. Save them as a list, and write to "
                               "the list",
                               "%lld companies are chosen; a mailing to the contacts of chosen "
                               "companies takes at most %d. Save them as a list, and write to "
                               "the list", n_ids),
                   (long long) n_ids, CRM_MAILING_MAX_CONTACTS);
      return NULL;
    }
  if (n_ids > CRM_MAILING_MAX_CONTACTS)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   ngettext ("%lld contact is chosen; a mailing to chosen contacts takes at "
                             "most %d. Save them as a list or filter them, and write to the "
                             "list",
                             "%lld contacts are chosen; a mailing to chosen contacts takes at "
                             "most %d. Save them as a list or filter them, and write to the "
                             "list", n_ids),
                   (long long) n_ids, CRM_MAILING_MAX_CONTACTS);
      return NULL;
    }
  if (!crm_message_template_lookup (store, template_name, &channel, &subject, &body))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_NOT_FOUND,
                   _("There is no message template «%s»; “voronkactl message template "
                     "add” makes one"), template_name);
      return NULL;
    }
  if (g_strcmp0 (channel, "email") != 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("The template «%s» is not an e-mail; a mailing to a list sends e-mail "
                     "templates"), template_name);
      return NULL;
    }
  if (list != NULL)
    {
      saved = crm_saved_list_lookup (store, list, error);
      if (saved == NULL)
        return NULL;
      query.list = list;
      /* a list of companies or deals: their contacts */
      if (g_strcmp0 (json_object_get_string_member_with_default (saved, "entity", "contact"),
                     "contact") != 0)
        {
          if ((list_contacts = contacts_of_list (store, saved, error)) == NULL)
            return NULL;
          if (list_contacts[0] == NULL)
            {
              g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                           g_str_equal (json_object_get_string_member (saved, "entity"), "deal")
                           ? _("Nobody to write to: the deals of «%s» have no contacts")
                           : _("Nobody to write to: the companies of «%s» have no contacts"),
                           json_object_get_string_member_with_default (saved, "name", list));
              return NULL;
            }
          query.list = NULL;
          query.ids = (const char * const *) list_contacts;
        }
    }
  else if (filter != NULL)
    query.filter = filter;
  else if (of_others)
    {
      /* each contact once, however many of the chosen companies or deals it belongs to */
      if ((list_contacts = crm_filter_contacts_of (store, ids_of, ids, error)) == NULL)
        return NULL;
      if (list_contacts[0] == NULL)
        {
          g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT, "%s",
                       g_str_equal (ids_of, "deal")
                       ? _("Nobody to write to: the chosen deals have no contacts")
                       : _("Nobody to write to: the chosen companies have no contacts"));
          return NULL;
        }
      query.ids = (const char * const *) list_contacts;
    }
  else
    query.ids = contact_ids;
  contacts = crm_filter_query (store, &query, NULL, error);
  if (contacts == NULL)
    return NULL;
  if (contact_ids != NULL)
    /* listed as skipped by the write half: the others still get theirs */
    json_object_set_array_member (plan, "missing", missing_ids (contact_ids, contacts));
  else if (json_array_get_length (contacts) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("Nobody to write to: no contact matches"));
      return NULL;
    }
  json_object_set_string_member (plan, "template", template_name);
  json_object_set_array_member (plan, "contacts", g_steal_pointer (&contacts));
  return g_steal_pointer (&plan);
}

/* The write half: who of the plan's contacts gets the e-mail, in one change set. */
JsonObject *
crm_mailing_send_plan (CrmStore         *store,
                       const char       *actor_id,
                       JsonObject       *plan,
                       CrmMailingFlags   flags,
                       GError          **error)
{
  g_autoptr(CrmChangeset) changeset = crm_changeset_new ();
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonArray) sent = json_array_new ();
  g_autoptr(JsonArray) skipped = json_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) mailed = NULL;
  const char *template_name;
  JsonArray *contacts;
  guint n_already = 0;

  g_return_val_if_fail (CRM_IS_STORE (store), NULL);
  g_return_val_if_fail (plan != NULL, NULL);

  template_name = json_object_get_string_member_with_default (plan, "template", "");
  contacts = json_object_get_array_member (plan, "contacts");
  if ((flags & CRM_MAILING_AGAIN) == 0)
    {
      mailed = crm_message_mailed (store, template_name, error);
      if (mailed == NULL)
        return NULL;
    }
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = json_array_get_object_element (contacts, i);
      const char *id = json_object_get_string_member_with_default (contact, "id", NULL);
      const char *email = first_email (contact);
      g_autoptr(GError) local_error = NULL;
      g_autofree char *message = NULL;
      gint64 since = 0;
      JsonObject *item;

      if (id == NULL || !g_hash_table_add (seen, (gpointer) id))
        continue;
      if (email == NULL)
        {
          skip (skipped, contact, _("no e-mail address"));
          continue;
        }
      if (crm_message_is_unsubscribed (store, id, &since))
        {
          g_autofree char *when = crm_format_date (since);
          g_autofree char *reason = g_strdup_printf (_("unsubscribed on %s"), g_strstrip (when));

          skip (skipped, contact, reason);
          continue;
        }
      if (mailed != NULL && g_hash_table_contains (mailed, id))
        {
          gint64 at = *(gint64 *) g_hash_table_lookup (mailed, id);
          g_autofree char *when = crm_format_date (at);
          g_autofree char *iso = crm_time_format (at);
          /* Translators: why a mailing skipped a contact: «уже получил(а) это письмо 5 марта» */
          g_autofree char *reason = g_strdup_printf (_("already got this e-mail on %s"),
                                                     g_strstrip (when));

          json_object_set_string_member (skip (skipped, contact, reason), "sent_at", iso);
          n_already++;
          continue;
        }
      message = crm_message_compose (store, changeset, actor_id, NULL, template_name, NULL,
                                     NULL, "email", id, &local_error);
      if (message == NULL)
        {
          if (crm_error_is_storage (local_error))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          skip (skipped, contact, local_error->message);
          continue;
        }
      item = json_object_new ();
      json_object_set_string_member (item, "contact", id);
      json_object_set_string_member (item, "name",
                                     json_object_get_string_member_with_default (contact, "name", ""));
      json_object_set_string_member (item, "email", email);
      json_object_set_string_member (item, "message", message);
      json_array_add_object_element (sent, item);
    }
  if (json_object_has_member (plan, "missing"))
    {
      JsonArray *missing = json_object_get_array_member (plan, "missing");

      for (guint i = 0; i < json_array_get_length (missing); i++)
        {
          g_autoptr(JsonObject) contact = json_object_new ();

          json_object_set_string_member (contact, "id",
                                         json_array_get_string_element (missing, i));
          /* Translators: why a mailing to the contacts chosen skipped one */
          skip (skipped, contact, _("no such contact; it may have been deleted"));
        }
    }
  if (json_array_get_length (sent) == 0 && n_already > 0)
    {
      g_set_error (error, CRM_MESSAGE_ERROR, CRM_MESSAGE_ERROR_ALREADY_MAILED,
                   ngettext ("Nobody to write to: the %u contact found already got «%s» or "
                             "cannot get e-mail",
                             "Nobody to write to: the %u contacts found already got «%s» or "
                             "cannot get e-mail",
                             json_array_get_length (skipped)),
                   json_array_get_length (skipped), template_name);
      return NULL;
    }
  if (json_array_get_length (sent) == 0)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   ngettext ("Nobody to write to: the %u contact found has no e-mail or "
                             "unsubscribed", "Nobody to write to: none of the %u contacts "
                             "found has an e-mail or is subscribed",
                             json_array_get_length (skipped)),
                   json_array_get_length (skipped));
      return NULL;
    }
  crm_changeset_set_actor (changeset, actor_id);
  if (!crm_store_apply (store, changeset, error))
    return NULL;
  json_object_set_string_member (result, "template", template_name);
  json_object_set_array_member (result, "sent", g_steal_pointer (&sent));
  json_object_set_array_member (result, "skipped", g_steal_pointer (&skipped));
  return g_steal_pointer (&result);
}

JsonObject *
crm_mailing_send (CrmStore           *store,
                  const char         *actor_id,
                  const char         *list,
                  const char         *filter,
                  const char         *ids_of,
                  const char * const *ids,
                  const char         *template_name,
                  CrmMailingFlags     flags,
                  GError            **error)
{
  g_autoptr(JsonObject) plan = crm_mailing_plan (store, list, filter, ids_of, ids,
                                                 template_name, error);

  if (plan == NULL)
    return NULL;
  return crm_mailing_send_plan (store, actor_id, plan, flags, error);
}
